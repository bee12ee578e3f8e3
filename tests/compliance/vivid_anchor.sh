#!/bin/sh
# Anchor: mainline vivid (one video capture node) under v4l2-compliance -s.
# We do not own vivid, so the expectation is its exact measured totals with
# the guest's v4l2-compliance (1.30.1 on 6.12: 59 tests, 2 known failures,
# the pixel-array control test and "audio inputs found but no video
# inputs"; 1.22.1 on the 6.1 tier: 120 tests, 4 failures, each the NV12
# description of tests/compliance/expected-failures-6.1, and 2 warnings
# about vivid's read-only control vivid_ro_ctrl; 1.32.0 on the 7.2 tier:
# 134 tests, all passed): a change either way is news. (-f takes over
# ten minutes on vivid under emulation: left out on purpose.)
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

modprobe vivid n_devs=1 node_types=0x1 || fail "modprobe vivid"
trap 'rmmod vivid' EXIT
dev=$(video_node '^vivid-000-vid-cap') || fail "no vivid capture node"
v4l2-compliance -d "$dev" -s > /tmp/vivid-compliance.log 2>&1
case $(kernel_tier) in
6.1) expect_compliance /tmp/vivid-compliance.log 120 116 4 2
	[ "$(expected_failures /tmp/vivid-compliance.log)" = 4 ] ||
		fail "not every failure is the known false one" ;;
7.2) expect_compliance /tmp/vivid-compliance.log 134 134 0 0 ;;
*) expect_compliance /tmp/vivid-compliance.log 59 57 2 0 ;;
esac
