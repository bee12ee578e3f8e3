#!/bin/sh
# vivbuf's multi-planar capture node (instance 1) under v4l2-compliance
# with streaming (-s) and every format (-f): no failure, no warning.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

reload_vivbuf

dev=$(vivbuf_node 1) || fail "no vivbuf instance 1"
v4l2-compliance -d "$dev" -s -f > /tmp/vivbuf1.log 2>&1
compliance_zero /tmp/vivbuf1.log
