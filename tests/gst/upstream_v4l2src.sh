#!/bin/sh
# Interop: upstream GStreamer's v4l2src moves vivbuf's frames to vkms as
# dma-bufs both ways, io-mode=dmabuf (vivbuf exports, vkms attaches) and
# io-mode=dmabuf-import (vivbuf imports kmssink's dumb buffers), and the
# plane shows the V4L2 reference frame pixel for pixel.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"

gst_require
load_vkms
trap 'rmmod vkms' EXIT
dev=$(vivbuf_node 0) || fail "no vivbuf capture 0 node"
v4l2-ctl -d "$dev" -c test_pattern=0 || fail "cannot select vivbuf's colour bars"
reference_frame "$dev" 1280 720 XR24 XR24 "$work/ref.png"

caps="video/x-raw,format=BGRx,width=1280,height=720"
zero_copy dmabuf "$work/ref.png" videobuf2-dmabuf vkms \
	"v4l2src device=$dev io-mode=dmabuf num-buffers=$zero_copy_frames ! $caps"
zero_copy dmabuf_import "$work/ref.png" drm vivbuf.0 \
	"v4l2src device=$dev io-mode=dmabuf-import num-buffers=$zero_copy_frames ! $caps"
