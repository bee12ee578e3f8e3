#!/bin/sh
# `make demo`, the guest side (started by demo/run through tests/vm/run):
# vivbuf -> v4l2dmabufsrc io-mode=export -> kmssink on vkms at 1280x720
# XRGB8888 (GStreamer BGRx) for a few seconds, with a progress line every
# second or so. Writes display.png (the KMS plane, grabbed while streaming) and
# report.md into the results folder. Fails, saying why, if anything was
# copied, if vkms did not attach to vivbuf's dma-bufs or if the plane did
# not show vivbuf's frame.
#
#   demo/guest.sh [basic|fences|loopback|m2m] [SECONDS]
#
# fences: the same run with videobuf2-dmabuf's implicit fences switched on
# explicitly (fences=1), reporting what the fence counters did in the run,
# after the README's C examples (docs/examples), out-fence among them.
#
# loopback: the capture node shows what vivbuf's output node displays, here
# a still image pushed from dma-heap buffers (demo/loopback.sh); the plane
# must show that image.
#
# m2m: vivbuf's capture node in YUYV through its memory-to-memory node into
# XRGB32, dma-bufs only, the result checked against the CPU's conversion
# (demo/m2m.sh); vkms cannot scan out XRGB32, so there is no pipeline to KMS.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"
. "$V4L2DMABUF_TOP/demo/stream.sh"
. "$V4L2DMABUF_TOP/demo/report.sh"
. "$V4L2DMABUF_TOP/demo/loopback.sh"
. "$V4L2DMABUF_TOP/demo/m2m.sh"

mode=${1:-basic}
seconds=${2:-8}
out=${V4L2DMABUF_RESULTS:?run me in the test machine}
report=$out/report.md
width=1280 height=720 rate=30
pid=

# The libraries' fail(), which also records the reason in the report.
fail() {
	echo "FAIL: $*"
	printf '\n## Result: FAILED\n\n%s\n' "$*" >> "$report"
	exit 1
}

cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	loopback_kill
	rmmod vkms 2>/dev/null
}
trap cleanup EXIT

case $mode in
basic | fences | loopback | m2m) ;;
*) fail "unknown demo '$mode' (guest side: basic, fences, loopback, m2m)" ;;
esac

rm -f "$out/display.png"
{
	echo "# v4l2-dmabuf demo: $mode"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), guest kernel $(uname -r)," \
		"$(gst-launch-1.0 --version | sed -n 's/^GStreamer //p' | head -n 1 | sed 's/^/GStreamer /')"
} > "$report"

gst_require
load_vkms
dev=$(vivbuf_node 0) || fail "no vivbuf capture node (vivbuf.ko not loaded?)"
v4l2-ctl -d "$dev" -c test_pattern=0 || fail "cannot select vivbuf's colour bars"
if [ "$mode" = m2m ]; then
	m2m_demo "$dev"
	printf '\n## Result: PASSED\n\nNo CPU mapping of a frame, and the m2m node converted the dma-bufs vivbuf exported exactly as the CPU does.\n' >> "$report"
	progress "zero-copy: capture -> m2m as dma-bufs, the conversion checked byte for byte"
	exit 0
fi
if [ "$mode" = fences ]; then
	echo Y > /sys/module/videobuf2_dmabuf/parameters/fences ||
		fail "cannot switch videobuf2-dmabuf's fences on"
fi

# The C examples first, before the counters are read: the report's
# numbers are the pipeline's alone.
[ "$mode" != fences ] || run_examples "$dev"
if [ "$mode" = loopback ]; then
	loopback_start "$dev" "$work/ref.png"
	ref_is="the image pushed into vivbuf's output node"
else
	progress "capturing a reference frame the plain V4L2 way (MMAP, read by the CPU)"
	reference_frame "$dev" $width $height XR24 XR24 "$work/ref.png"
	ref_is="the frame vivbuf gives a plain V4L2 capture"
fi

counters > "$work/before"
caps="video/x-raw,format=BGRx,width=$width,height=$height,framerate=$rate/1"
sink="kmssink driver-name=vkms force-modesetting=true"
pipeline="v4l2dmabufsrc device=$dev io-mode=export ! $caps ! fpsdisplaysink text-overlay=false fps-update-interval=200 video-sink=\"$sink\""
{
	echo
	echo "## Pipeline"
	echo
	echo "    gst-launch-1.0 -e $pipeline"
	echo
	echo "vivbuf (\`$dev\`) fills its own buffers (videobuf2-dmabuf, MMAP);"
	echo "v4l2dmabufsrc exports each once with VIDIOC_EXPBUF and pushes the"
	echo "dma-bufs; kmssink imports them into vkms (DRM PRIME) and scans them"
	echo "out. fpsdisplaysink only counts (text-overlay=false: no drawing)."
	[ "$mode" != loopback ] || loopback_describe
} >> "$report"

progress "streaming: $dev -> v4l2dmabufsrc -> kmssink (vkms), ${width}x$height BGRx"
gst-launch-1.0 -e -m -v v4l2dmabufsrc device="$dev" io-mode=export \
	! "$caps" ! fpsdisplaysink text-overlay=false fps-update-interval=200 \
	video-sink="$sink" > "$work/gst.log" 2>&1 &
pid=$!
watch_stream "$pid" "$work/ref.png" "$out/display.png" "$seconds"
# The EOS must get through the pipeline in bounded time.
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do
	sleep 1
	i=$((i + 1))
done
kill -0 "$pid" 2>/dev/null && fail "the pipeline did not stop within 30 s of its EOS"
wait "$pid"
rc=$?
pid=
counters > "$work/after"
loopback_stop

if [ $rc != 0 ] || grep -q '^ERROR' "$work/gst.log"; then
	grep -v '^Got message\|^/GstPipeline' "$work/gst.log" | tail -n 20
	fail "the pipeline failed (gst-launch-1.0 exit $rc)"
fi
no_glib_warnings demo "$work/gst.log"
write_report
check_zero_copy
[ "$mode" != fences ] || check_fences
[ "$mode" != loopback ] || loopback_report
printf '\n## Result: PASSED\n\nNo copies, and vkms scanned out the dma-bufs vivbuf exported, showing %s.\n' "$ref_is" >> "$report"
progress "zero-copy: no copies, vkms scanned out vivbuf's dma-bufs, showing $ref_is"
