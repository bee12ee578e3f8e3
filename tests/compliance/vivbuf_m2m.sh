#!/bin/sh
# vivbuf's memory-to-memory nodes under v4l2-compliance with streaming (-s)
# and every format pair at the smallest, largest and default size (-f):
# instance 0 (single-planar API) and 1 (multi-planar API), then DMABUF
# streaming with buffers exported by the instance's capture node (-e).
# No failure, no warning.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

# A run takes one to two minutes under emulation; one that hangs is shown
# where it sleeps in the kernel and fails the test after 150 s, before the
# suite's per-test timeout (test-timeout: four runs) kills it unseen.
compliance_bounded() {
	log=$1; shift
	v4l2-compliance "$@" > "$log" 2>&1 &
	pid=$!
	start=$(date +%s)
	while kill -0 "$pid" 2>/dev/null; do
		# Wall time: under emulation a "sleep 1" round takes longer
		waited=$(( $(date +%s) - start ))
		if [ "$waited" -ge 150 ]; then
			echo "# v4l2-compliance $* still running after ${waited} s:"
			grep State "/proc/$pid/status"
			cat "/proc/$pid/stack"
			tail -n 20 "$log"
			kill "$pid"
			fail "v4l2-compliance $* hangs"
		fi
		sleep 1
	done
	wait "$pid"
}

# vivbuf has its m2m node only where the kernel has v4l2-mem2mem.
require_module v4l2-mem2mem
reload_vivbuf

for i in 0 1; do
	m2m=$(video_node "^vivbuf m2m $i\$") || fail "no vivbuf m2m $i node"
	cap=$(vivbuf_node $i) || fail "no vivbuf capture $i node"

	compliance_bounded /tmp/m2m$i.log -d "$m2m" -s -f
	compliance_zero /tmp/m2m$i.log
	grep -q 'YUYV.*-> BX24' /tmp/m2m$i.log ||
		fail "m2m $i: no YUYV -> XRGB32 streaming run (-f)"

	compliance_bounded /tmp/m2m$i-expbuf.log -d "$m2m" -s -e "$cap"
	compliance_zero /tmp/m2m$i-expbuf.log
	grep -q 'test DMABUF.*: OK' /tmp/m2m$i-expbuf.log ||
		fail "m2m $i: no DMABUF streaming test ran"
done
