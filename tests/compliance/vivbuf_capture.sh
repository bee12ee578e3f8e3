#!/bin/sh
# vivbuf's single-planar capture node (instance 0) under v4l2-compliance
# with streaming (-s) and every format (-f): no failure, no warning.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

reload_vivbuf

dev=$(vivbuf_node 0) || fail "no vivbuf instance 0"
v4l2-compliance -d "$dev" -s -f > /tmp/vivbuf0.log 2>&1
compliance_zero /tmp/vivbuf0.log
