#!/bin/sh
# vivbuf's multi-planar capture node (instance 1) under v4l2-compliance
# with streaming (-s), every format (-f), and the DMABUF streaming tests
# with buffers exported by the single-planar capture node (--expbuf-device):
# no failure, no warning but the sequence gaps of frames the driver counted
# as dropped when v4l2-compliance queued too late (compliance_zero). One
# pass: -s's MMAP and USERPTR tests run once.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

reload_vivbuf

dev=$(vivbuf_node 1) || fail "no vivbuf instance 1"
exporter=$(vivbuf_node 0) || fail "no vivbuf instance 0"
v4l2-compliance -d "$dev" -s -f -e "$exporter" > /tmp/vivbuf1.log 2>&1
compliance_zero /tmp/vivbuf1.log "$dev"
grep -q 'DMABUF' /tmp/vivbuf1.log ||
	fail "no DMABUF streaming test ran ($dev with buffers of $exporter)"
