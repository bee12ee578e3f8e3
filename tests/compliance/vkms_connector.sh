#!/bin/sh
# vkms loads and exposes a connected connector with at least one mode: the
# display every pixel test scans out to.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

require_module vkms
modprobe vkms || fail "modprobe vkms"
trap 'rmmod vkms' EXIT
modetest -M vkms -c > /tmp/modetest.log 2>&1 || { cat /tmp/modetest.log; fail "modetest -M vkms -c"; }
grep -E '^[0-9]+[[:space:]]+[0-9]+[[:space:]]+connected' /tmp/modetest.log ||
	{ cat /tmp/modetest.log; fail "no connected connector on vkms"; }
grep -qE '#0 [0-9]+x[0-9]+' /tmp/modetest.log ||
	{ cat /tmp/modetest.log; fail "the vkms connector lists no mode"; }
