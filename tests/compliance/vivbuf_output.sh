#!/bin/sh
# vivbuf's single-planar output node (instance 0) under v4l2-compliance with
# streaming (-s) and the DMABUF streaming tests with buffers exported by the
# capture node of the same instance (--expbuf-device): no failure, no
# warning. One pass: -s's MMAP and USERPTR tests run once. Streaming every
# format (-f) is vivbuf_output_mplane's, for the reasons vivbuf_capture.sh
# gives.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

reload_vivbuf

out=$(vivbuf_node 0 output) || fail "no vivbuf output 0 node"
cap=$(vivbuf_node 0) || fail "no vivbuf capture 0 node"
v4l2-compliance -d "$out" -s -e "$cap" > /tmp/vivbuf-out0.log 2>&1
compliance_zero /tmp/vivbuf-out0.log
grep -q 'Video Output' /tmp/vivbuf-out0.log ||
	fail "v4l2-compliance did not see an output device on $out"
grep -q 'DMABUF' /tmp/vivbuf-out0.log ||
	fail "no DMABUF streaming test ran ($out with buffers of $cap)"
