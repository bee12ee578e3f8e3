#!/bin/sh
# v4l2-compliance's DMABUF streaming tests with buffers exported by the
# other vivbuf node (--expbuf-device), both ways: no failure, no warning.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

reload_vivbuf

dev0=$(vivbuf_node 0) || fail "no vivbuf instance 0"
dev1=$(vivbuf_node 1) || fail "no vivbuf instance 1"
v4l2-compliance -d "$dev0" -s -e "$dev1" > /tmp/expbuf01.log 2>&1
compliance_zero /tmp/expbuf01.log
grep -q 'DMABUF' /tmp/expbuf01.log || fail "no DMABUF streaming test ran (0 -> 1)"
v4l2-compliance -d "$dev1" -s -e "$dev0" > /tmp/expbuf10.log 2>&1
compliance_zero /tmp/expbuf10.log
grep -q 'DMABUF' /tmp/expbuf10.log || fail "no DMABUF streaming test ran (1 -> 0)"
