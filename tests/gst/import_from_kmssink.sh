#!/bin/sh
# vivbuf <- v4l2dmabufsrc io-mode=import <- kmssink's dumb buffers on vkms:
# vivbuf writes straight into the buffers vkms scans out. 1280x720
# XRGB8888, DMA_DRM caps and plain caps. Passes only if the
# plane shows the frame V4L2 captures, pixel for pixel, nothing was copied,
# vivbuf is attached to the dma-bufs vkms (DRM PRIME) exported and mapped
# each of them once (each dma-buf always goes back to the same V4L2 index).
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"

gst_require
load_vkms
trap 'rmmod vkms' EXIT
dev=$(vivbuf_node 0) || fail "no vivbuf capture 0 node"
v4l2-ctl -d "$dev" -c test_pattern=0 || fail "cannot select vivbuf's colour bars"
reference_frame "$dev" 1280 720 XR24 XR24 "$work/ref.png"

src="v4l2dmabufsrc device=$dev io-mode=import num-buffers=$zero_copy_frames"
maps=$(counter maps)
zero_copy drm "$work/ref.png" drm vivbuf.0 \
	"$src ! video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=XR24,width=1280,height=720"
grep -q 'memory=(string)"imported\\ from\\ downstream\\ pool' "$work/drm.log" ||
	fail "the element did not import kmssink's buffers: $(stat_of "$work/drm.log" memory)"
maps_per_buffer drm "$maps"
maps=$(counter maps)
zero_copy plain "$work/ref.png" drm vivbuf.0 \
	"$src ! video/x-raw,format=BGRx,width=1280,height=720"
maps_per_buffer plain "$maps"
