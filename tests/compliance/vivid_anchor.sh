#!/bin/sh
# Anchor: mainline vivid (one video capture node) under v4l2-compliance -s.
# We do not own vivid, so the expectation is its exact measured totals with
# the guest's v4l2-compliance (1.30.1 on 6.12: 59 tests, 2 known failures,
# the pixel-array control test and "audio inputs found but no video
# inputs"): a change either way is news. (-f takes over
# ten minutes on vivid under emulation: left out on purpose.)
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

modprobe vivid n_devs=1 node_types=0x1 || fail "modprobe vivid"
trap 'rmmod vivid' EXIT
dev=$(video_node '^vivid-000-vid-cap') || fail "no vivid capture node"
v4l2-compliance -d "$dev" -s > /tmp/vivid-compliance.log 2>&1
expect_compliance /tmp/vivid-compliance.log 59 57 2 0
