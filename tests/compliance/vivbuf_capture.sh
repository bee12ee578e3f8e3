#!/bin/sh
# vivbuf's single-planar capture node (instance 0) under v4l2-compliance
# with streaming (-s) and the DMABUF streaming tests with buffers exported
# by the multi-planar capture node (--expbuf-device): no failure, no warning
# but the sequence gaps of frames the driver counted as dropped when
# v4l2-compliance queued too late (compliance_zero). One pass: -s's MMAP and
# USERPTR tests run once. Streaming every format (-f) is
# vivbuf_capture_mplane's: the multi-planar node has every format of this
# one (and NV12M), set through the same format ioctls, which this pass
# tests for each format, and captured by the same producer thread.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

reload_vivbuf

dev=$(vivbuf_node 0) || fail "no vivbuf instance 0"
exporter=$(vivbuf_node 1) || fail "no vivbuf instance 1"
v4l2-compliance -d "$dev" -s -e "$exporter" > /tmp/vivbuf0.log 2>&1
compliance_zero /tmp/vivbuf0.log "$dev"
grep -q 'DMABUF' /tmp/vivbuf0.log ||
	fail "no DMABUF streaming test ran ($dev with buffers of $exporter)"
