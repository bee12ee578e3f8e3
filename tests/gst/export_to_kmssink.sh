#!/bin/sh
# vivbuf -> v4l2dmabufsrc io-mode=export -> kmssink on vkms, 1280x720
# XRGB8888 (GStreamer BGRx, V4L2 XBGR32), with the modern
# DMA_DRM caps and with plain video/x-raw. Passes only if the plane shows
# the frame V4L2 captures, pixel for pixel, nothing was copied (element and
# allocator counters) and vkms is attached to the dma-bufs vivbuf exported.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"

gst_require
load_vkms
trap 'rmmod vkms' EXIT
dev=$(vivbuf_node 0) || fail "no vivbuf capture 0 node"
v4l2-ctl -d "$dev" -c test_pattern=0 || fail "cannot select vivbuf's colour bars"
reference_frame "$dev" 1280 720 XR24 XR24 "$work/ref.png"

src="v4l2dmabufsrc device=$dev io-mode=export num-buffers=$zero_copy_frames"
zero_copy drm "$work/ref.png" videobuf2-dmabuf vkms \
	"$src ! video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=XR24,width=1280,height=720"
zero_copy plain "$work/ref.png" videobuf2-dmabuf vkms \
	"$src ! video/x-raw,format=BGRx,width=1280,height=720"
