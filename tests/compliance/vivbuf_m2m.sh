#!/bin/sh
# vivbuf's memory-to-memory nodes under v4l2-compliance with streaming (-s)
# and DMABUF streaming with buffers exported by the instance's capture node
# (-e), instance 0 (single-planar API) and 1 (multi-planar API); instance 1
# also with every format pair at the smallest, largest and default size
# (-f): the conversion does not depend on the API, whose format ioctls -s's
# pass tests for each format. No failure, no warning.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

# A run takes one to two minutes under emulation, more on a busy machine.
# One that hangs is shown where it sleeps in the kernel and fails the test
# once its output has not grown for 90 s (each test prints a line), before
# the suite's per-test timeout (test-timeout: both runs) kills it unseen.
compliance_bounded() {
	log=$1; shift
	# Line-buffered, so that the output grows as each test ends
	stdbuf -oL v4l2-compliance "$@" > "$log" 2>&1 &
	pid=$!
	size=0
	# Wall time: under emulation a round takes longer than its sleep.
	# Rare rounds: each starts processes, which cost under emulation.
	since=$(date +%s)
	while kill -0 "$pid" 2>/dev/null; do
		now=$(date +%s)
		grown=$(wc -c < "$log")
		if [ "$grown" != "$size" ]; then
			size=$grown since=$now
		elif [ $((now - since)) -ge 90 ]; then
			echo "# v4l2-compliance $* printed nothing for $((now - since)) s:"
			grep State "/proc/$pid/status"
			cat "/proc/$pid/stack"
			tail -n 20 "$log"
			kill "$pid"
			fail "v4l2-compliance $* hangs"
		fi
		sleep 5
	done
	wait "$pid"
}

# vivbuf has its m2m node only where the kernel has v4l2-mem2mem.
require_module v4l2-mem2mem
reload_vivbuf

for i in 0 1; do
	m2m=$(video_node "^vivbuf m2m $i\$") || fail "no vivbuf m2m $i node"
	cap=$(vivbuf_node $i) || fail "no vivbuf capture $i node"

	every_format=
	[ $i = 0 ] || every_format=-f
	compliance_bounded /tmp/m2m$i.log -d "$m2m" -s $every_format -e "$cap"
	compliance_zero /tmp/m2m$i.log
	[ -z "$every_format" ] || grep -q 'YUYV.*-> BX24' /tmp/m2m$i.log ||
		fail "m2m $i: no YUYV -> XRGB32 streaming run (-f)"
	grep -q 'test DMABUF.*: OK' /tmp/m2m$i.log ||
		fail "m2m $i: no DMABUF streaming test ran"
done
