#!/bin/sh
# The same zero-copy paths with mainline vivid (vb2-vmalloc) instead of
# vivbuf, 1280x720 XRGB8888 from its webcam input, OSD text off so every
# frame is the same: export (vkms attached to vivid's dma-bufs) and import
# (vivid writes into kmssink's dumb buffers; vb2-vmalloc maps imports with
# vmap and attaches no device, so there is no attachment to see).
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"

gst_require
modprobe vivid n_devs=1 node_types=0x1 || fail "modprobe vivid"
load_vkms
trap 'rmmod vivid vkms' EXIT
dev=$(video_node '^vivid-000-vid-cap$') || fail "no vivid capture node"
v4l2-ctl -d "$dev" -i 0 -c osd_text_mode=2 > /dev/null || fail "cannot set up vivid"
reference_frame "$dev" 1280 720 XR24 "$work/ref.png"

caps="video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=XR24,width=1280,height=720"
zero_copy export "$work/ref.png" videobuf2_vmalloc vkms \
	"v4l2dmabufsrc device=$dev io-mode=export num-buffers=120 ! $caps"
zero_copy import "$work/ref.png" "" "" \
	"v4l2dmabufsrc device=$dev io-mode=import num-buffers=120 ! $caps"
grep -q 'memory=(string)"imported\\ from\\ downstream\\ pool' "$work/import.log" ||
	fail "the element did not import kmssink's buffers: $(stat_of "$work/import.log" memory)"
