#!/bin/sh
# v4l2dmabufsrc through a player's life (v4l2dmabuf-exercise): play, flush,
# renegotiate to another size and back, pause, stop and restart, EOS; in
# export and import mode into kmssink on vkms, and with YUV formats (which
# vkms cannot scan out) into fakesink, on both vivbuf nodes (single- and
# multi-planar API). Fails on any error, on a leak the GStreamer leaks
# tracer reports, and on buffers the allocator still holds afterwards.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"

gst_require
[ -x "$exercise" ] || fail "$exercise is not built: run gst-plugin/build-in-rootfs.sh"
load_vkms
trap 'rmmod vkms' EXIT
dev0=$(vivbuf_node 0) || fail "no vivbuf capture 0 node"
dev1=$(vivbuf_node 1) || fail "no vivbuf capture 1 node"

run() { # NAME DEVICE IO-MODE CAPS1 CAPS2 SINK
	echo "# $1: $2 $3, $4 <-> $5, $6"
	GST_TRACERS=leaks GST_DEBUG=GST_TRACER:7,v4l2dmabuf:4 \
		timeout 600 "$exercise" "$2" "$3" "$4" "$5" "$6" 20 > "$work/$1.log" 2>&1
	rc=$?
	grep '^#' "$work/$1.log"
	if [ $rc != 0 ]; then
		grep -v 'GST_TRACER' "$work/$1.log" | tail -n 30
		fail "$1: exit $rc"
	fi
	no_glib_warnings "$1" "$work/$1.log"
	# The tracer logs one object-alive record per leaked object (its
	# format description, with "%s" for the type, is not one).
	if grep -qE 'object-alive, type-name=\(string\)[A-Za-z]|Leaks detected' "$work/$1.log"; then
		grep -E 'object-alive, type-name=\(string\)[A-Za-z]|Leaks detected' "$work/$1.log" | head -n 20
		fail "$1: GStreamer objects leaked"
	fi
	no_live_buffers
}

rgb_small="video/x-raw,format=BGRx,width=640,height=480"
rgb_large="video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=XR24,width=1280,height=720"
run export_kms "$dev0" export "$rgb_small" "$rgb_large" "$kms_sink"
run import_kms "$dev0" import "$rgb_large" "$rgb_small" "$kms_sink"
run export_yuv "$dev0" export "video/x-raw,format=YUY2,width=640,height=480" \
	"video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=NV12,width=1280,height=720" fakesink
run import_yuv "$dev0" import "video/x-raw,format=NV12,width=640,height=480" \
	"video/x-raw,format=YUY2,width=1280,height=720" fakesink
run export_mplane "$dev1" export "video/x-raw,format=NV12,width=640,height=480" \
	"video/x-raw,format=BGRx,width=1280,height=720" fakesink
run import_mplane "$dev1" import "$rgb_small" "$rgb_large" "$kms_sink"
