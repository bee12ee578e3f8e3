# shellcheck shell=sh
# Helpers for shell tests that run inside the test machine. Source it:
#   . "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
# Exit codes follow tests/guest-check: 0 pass, 1 fail, 77 skip.

top=${V4L2DMABUF_TOP:?run me in the test machine (tests/vm/run)}

fail() { echo "FAIL: $*"; exit 1; }
# Said as the C tests' skip_test() says it; tests/guest-check reports why.
skip() { echo "# SKIP $(basename "$0" .sh): $*"; exit 77; }

# kernel_tier: the tier this guest boots (tests/vm/run --kernel), from the
# running kernel's release: 6.12 (our debug build), 6.1 (Debian 12's stock
# kernel with the host's Debian 12 userland).
kernel_tier() { uname -r | cut -d. -f1,2; }

# require_module NAME: skip the test, saying why, when the running kernel
# has no module NAME, neither loadable nor built in (Debian 12's stock 6.1
# has no vkms, udmabuf, dma-heaps or vim2m). A module that exists but does
# not load still fails the test where it is loaded.
require_module() {
	modinfo "$1" > /dev/null 2>&1 ||
		skip "kernel $(uname -r) has no $1 module (tier $(kernel_tier))"
}

# video_node NAME-REGEX: the /dev/videoN whose sysfs name matches (first one).
video_node() {
	for n in /sys/class/video4linux/video*; do
		[ -e "$n/name" ] || continue
		if grep -qE "$1" "$n/name"; then
			echo "/dev/${n##*/}"
			return 0
		fi
	done
	return 1
}

# compliance_totals LOG: "TOTAL SUCCEEDED FAILED WARNINGS" of a
# v4l2-compliance run (its last "Total for" line), or nothing.
compliance_totals() {
	sed -n 's/^Total for .*: \([0-9]*\), Succeeded: \([0-9]*\), Failed: \([0-9]*\), Warnings: \([0-9]*\).*/\1 \2 \3 \4/p' "$1" | tail -n 1
}

# expected_failures LOG: how many of the run's failures this tier's
# tests/compliance/expected-failures-TIER lists as known to be false (each
# one is printed with its reason); 0 without such a list.
expected_failures() {
	list=$top/tests/compliance/expected-failures-$(kernel_tier)
	if [ ! -f "$list" ]; then
		echo 0
		return
	fi
	sed -n 's/^[[:space:]]*fail: //p' "$1" > "$1.fails"
	known=0
	tab=$(printf '\t')
	while IFS=$tab read -r pattern reason; do
		case $pattern in '' | '#'*) continue ;; esac
		n=$(grep -cE -e "$pattern" "$1.fails")
		[ "$n" -gt 0 ] || continue
		echo "# expected failure on tier $(kernel_tier), $n time(s): $pattern" >&2
		echo "#   (false: $reason)" >&2
		known=$((known + n))
	done < "$list"
	echo "$known"
}

# expect_compliance LOG TOTAL SUCCEEDED FAILED WARNINGS: the run's totals
# must be exactly these (an anchor whose counts move is news either way).
expect_compliance() {
	log=$1; shift
	got=$(compliance_totals "$log")
	[ -n "$got" ] || { tail -n 20 "$log"; fail "no v4l2-compliance totals in the output"; }
	echo "# v4l2-compliance totals (total succeeded failed warnings): $got"
	if [ "$got" != "$*" ]; then
		grep -E 'fail:|warn:' "$log" | head -n 30
		fail "expected totals '$*', got '$got'"
	fi
}

# vivbuf_node INSTANCE [KIND]: the KIND node (capture, the default, or
# output) of vivbuf instance INSTANCE (platform device vivbuf.INSTANCE,
# node name "vivbuf KIND INSTANCE").
vivbuf_node() {
	for n in /sys/class/video4linux/video*; do
		[ -e "$n/device" ] || continue
		[ "$(basename "$(readlink -f "$n/device")")" = "vivbuf.$1" ] ||
			continue
		if [ "$(cat "$n/name")" = "vivbuf ${2:-capture} $1" ]; then
			echo "/dev/${n##*/}"
			return 0
		fi
	done
	return 1
}

# compliance_zero LOG [CAPTURE-DEV]: v4l2-compliance must report no failure
# and no warning, other than the failures this tier lists as known to be
# false (expected_failures) and, given vivbuf's capture node the run
# streamed from, the warnings of frames that node dropped (frame_drops).
compliance_zero() {
	got=$(compliance_totals "$1")
	[ -n "$got" ] || { tail -n 20 "$1"; fail "no v4l2-compliance totals in the output"; }
	log=$1 dev=${2:-}
	set -- $got
	known=$(expected_failures "$log")
	drops=0
	[ -z "$dev" ] || drops=$(frame_drops "$log" "$dev")
	expect_compliance "$log" "$1" "$(($1 - known))" "$known" "$drops"
}

# frame_drops LOG DEV: how many of the run's warnings are frames vivbuf's
# capture node DEV dropped, which are no fault of the driver: under
# emulation on a loaded machine v4l2-compliance is sometimes too late to
# queue a buffer for the next frame, and v4l2-compliance warns of the gap
# in the sequence numbers ("got sequence number N, expected M"). They
# count only if every such gap skips forward and together they skip no more
# frames than the driver itself counted as dropped (VIDIOC_LOG_STATUS:
# "N frames dropped", since the node was created); else none does.
frame_drops() {
	grep -o 'got sequence number [0-9]*, expected [0-9]*' "$1" |
		awk '{ n++; skipped += $4 - $6; if ($4 <= $6) back = 1 }
		     END { print n + 0, skipped + 0, back + 0 }' > "$1.gaps"
	read -r gaps skipped back < "$1.gaps"
	[ "$gaps" -gt 0 ] || { echo 0; return; }
	dropped=$(v4l2-ctl -d "$2" --log-status 2>/dev/null |
		sed -n 's/.*: \([0-9]*\) frames dropped$/\1/p' | tail -n 1)
	echo "# $gaps sequence gap(s) skipping $skipped frame(s); $2 counted ${dropped:-no} dropped frames" >&2
	if [ "$back" = 0 ] && [ -n "$dropped" ] && [ "$skipped" -le "$dropped" ]; then
		echo "# the gaps are frames the driver dropped: v4l2-compliance queued too late" >&2
		echo "$gaps"
	else
		echo 0
	fi
}

# reload_vivbuf [PARAM=VALUE...]: a fresh vivbuf (formats and controls at
# their defaults: they persist across opens, like any V4L2 device's).
reload_vivbuf() {
	rmmod vivbuf || fail "rmmod vivbuf (still in use?)"
	insmod "$top/drivers/media/test-drivers/vivbuf/vivbuf.ko" "$@" ||
		fail "insmod vivbuf $*"
}
