#!/bin/sh
# The zero-copy paths with mainline vivid (vb2-vmalloc) instead of vivbuf,
# from its webcam input at 1280x720 with the OSD text off, so that every
# frame is the same. Export for each RGB format vkms scans out (XRGB8888,
# ARGB8888, RGB565: vkms attached to vivid's dma-bufs) and import (vivid
# writes into kmssink's dumb buffers; vb2-vmalloc maps imports with vmap and
# attaches no device, so there is no attachment to see). Each run must show
# the V4L2 reference frame on the plane, pixel for pixel.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"

gst_require
load_vkms
modprobe vivid n_devs=1 node_types=0x1 || fail "modprobe vivid"
trap 'rmmod vivid vkms' EXIT
dev=$(video_node '^vivid-000-vid-cap$') || fail "no vivid capture node"
v4l2-ctl -d "$dev" -i 0 > /dev/null || fail "cannot select vivid's webcam input"
v4l2-ctl -d "$dev" -c osd_text_mode=2 || fail "cannot turn vivid's OSD text off"

# DRM fourcc, V4L2 fourcc, caps format
for f in XR24:XR24:DMA_DRM AR24:AR24:BGRA RG16:RGBP:DMA_DRM; do
	fourcc=${f%%:*} v4l2=${f#*:} format=${f##*:}
	v4l2=${v4l2%:*}
	reference_frame "$dev" 1280 720 "$v4l2" "$fourcc" "$work/ref-$fourcc.png"
	if [ "$format" = DMA_DRM ]; then
		caps="video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=$fourcc"
	else
		caps="video/x-raw,format=$format"
	fi
	zero_copy "export-$fourcc" "$work/ref-$fourcc.png" videobuf2_vmalloc vkms \
		"v4l2dmabufsrc device=$dev io-mode=export num-buffers=$zero_copy_frames ! $caps,width=1280,height=720"
done

reference_frame "$dev" 1280 720 XR24 XR24 "$work/ref.png"
zero_copy import "$work/ref.png" "" "" \
	"v4l2dmabufsrc device=$dev io-mode=import num-buffers=$zero_copy_frames ! video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=XR24,width=1280,height=720"
grep -q 'memory=(string)"imported\\ from\\ downstream\\ pool' "$work/import.log" ||
	fail "the element did not import kmssink's buffers: $(stat_of "$work/import.log" memory)"
