#!/bin/sh
# Anchor: mainline vim2m under v4l2-compliance -s; exact measured totals
# (see vivid_anchor.sh for why not zero failures).
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

require_module vim2m
modprobe vim2m || fail "modprobe vim2m"
trap 'rmmod vim2m' EXIT
dev=$(video_node '^vim2m') || fail "no vim2m node"
v4l2-compliance -d "$dev" -s > /tmp/vim2m-compliance.log 2>&1
expect_compliance /tmp/vim2m-compliance.log 58 58 0 0
