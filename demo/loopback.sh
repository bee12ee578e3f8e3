# shellcheck shell=sh
# `make demo DEMO=loopback` (sourced by demo/guest.sh, after the test
# libraries and demo/stream.sh): a still image, rendered once by
# GStreamer's videotestsrc, is shown on vivbuf's output node by loop-push
# (tests/tools) from system dma-heap buffers; the capture node of the same
# instance loops back what the output displays, and the usual pipeline
# shows the capture on vkms. The plane must show the pushed image, pixel
# for pixel.

# shellcheck disable=SC2154,SC2034 # work, top, kms_grab, width, height come from the libraries and guest.sh; out_dev, pushed_frames are read by guest.sh

# A still, non-trivial picture that vivbuf's own test patterns cannot pass
# for: if the loopback were not connected, the plane would not match it.
push_pattern="pinwheel foreground-color=0xffff8000 background-color=0xff003070"
push_pid=

# loopback_start CAPTURE-DEV REF.png: render the image, convert it to
# REF.png (the reference the plane is compared with), start pushing it into
# the output node of CAPTURE-DEV's instance (vivbuf 0), and check that a
# plain V4L2 capture of CAPTURE-DEV now gives exactly that image.
loopback_start() {
	out_dev=$(video_node "^vivbuf output 0$") || fail "no vivbuf output 0 node (vivbuf.ko too old?)"
	progress "rendering the image to push: videotestsrc pattern=$push_pattern, ${width}x$height BGRx"
	# shellcheck disable=SC2086 # the pattern is several properties
	gst-launch-1.0 -q videotestsrc num-buffers=1 pattern=$push_pattern \
		! "video/x-raw,format=BGRx,width=$width,height=$height" \
		! filesink location="$work/push.raw" > "$work/push-render.log" 2>&1 ||
		{ cat "$work/push-render.log"; fail "videotestsrc could not render the image to push"; }
	"$kms_grab" --from-raw "$work/push.raw" "$width" "$height" XR24 "$2" ||
		fail "cannot convert the pushed image"

	progress "pushing it into vivbuf's output node $out_dev (loop-push, dma-heap buffers)"
	"$top/build/tests/tools/loop-push" "$out_dev" "$work/push.raw" "$width" "$height" \
		> "$work/push.log" 2>&1 &
	push_pid=$!
	i=0
	until grep -q '^streaming$' "$work/push.log"; do
		if ! kill -0 "$push_pid" 2>/dev/null || [ $i -ge 30 ]; then
			cat "$work/push.log"
			fail "loop-push did not get a frame displayed on $out_dev"
		fi
		sleep 1
		i=$((i + 1))
	done

	progress "checking the loopback the plain V4L2 way: one frame captured from $1 (MMAP, read by the CPU)"
	reference_frame "$1" "$width" "$height" XR24 XR24 "$work/looped.png"
	cmp -s "$work/looped.png" "$2" ||
		fail "a plain V4L2 capture of $1 is not the image pushed into $out_dev: the loopback is not connected"
}

# loopback_stop: stop loop-push; it must have kept the output streaming
# without an error. Sets pushed_frames.
loopback_stop() {
	[ -n "$push_pid" ] || return 0
	kill -TERM "$push_pid" 2>/dev/null
	wait "$push_pid"
	push_rc=$?
	push_pid=
	[ $push_rc = 0 ] || { cat "$work/push.log"; fail "loop-push failed (exit $push_rc): $(tail -n 1 "$work/push.log")"; }
	pushed_frames=$(sed -n 's/^\([0-9]*\) buffers displayed$/\1/p' "$work/push.log")
	[ "${pushed_frames:-0}" -gt 0 ] || fail "the output node displayed no buffer"
}

# loopback_describe: the report's words on where the frames come from.
loopback_describe() {
	echo
	echo "The frames come from vivbuf's output node (\`$out_dev\`), not its test"
	echo "pattern: loop-push (tests/tools) shows a still image there, rendered once"
	echo "by \`videotestsrc pattern=$push_pattern\` and written once"
	echo "into each of 4 dma-bufs of the system dma-heap, which it queues with"
	echo "V4L2_MEMORY_DMABUF and requeues as the output hands them back. The"
	echo "capture node of the same instance loops back what the output displays"
	echo "(vivbuf keeps its own copy of the displayed frame, as a display's DMA"
	echo "engine reads it; the allocator maps nothing for the CPU). Before the"
	echo "counters were read, one frame captured the plain V4L2 way (MMAP) was"
	echo "checked to be the pushed image, byte for byte."
}

# loopback_report: the output side's numbers.
loopback_report() {
	{
		echo
		echo "## Loopback"
		echo
		echo "vivbuf's output node displayed $pushed_frames buffers of loop-push while the"
		echo "demo ran (its 4 dma-heap buffers, requeued; none came back with an error)."
	} >> "$report"
}

# loopback_kill: for the exit trap.
loopback_kill() {
	[ -z "$push_pid" ] || kill -TERM "$push_pid" 2>/dev/null
}
