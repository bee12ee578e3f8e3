# shellcheck shell=sh
# Helpers for shell tests that run inside the test machine. Source it:
#   . "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
# Exit codes follow tests/guest-check: 0 pass, 1 fail, 77 skip.

top=${V4L2DMABUF_TOP:?run me in the test machine (tests/vm/run)}

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

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

# vivbuf_node INSTANCE: the capture node of vivbuf instance INSTANCE
# (platform device vivbuf.INSTANCE; its other nodes have other names).
vivbuf_node() {
	video_node "^vivbuf capture $1\$"
}

# vivbuf_m2m_node INSTANCE: the memory-to-memory node of instance INSTANCE.
vivbuf_m2m_node() {
	video_node "^vivbuf m2m $1\$"
}

# compliance_zero LOG: v4l2-compliance must report no failure and no warning.
compliance_zero() {
	got=$(compliance_totals "$1")
	[ -n "$got" ] || { tail -n 20 "$1"; fail "no v4l2-compliance totals in the output"; }
	set -- "$1" $got
	expect_compliance "$1" "$2" "$2" 0 0
}

# reload_vivbuf [PARAM=VALUE...]: a fresh vivbuf (formats and controls at
# their defaults: they persist across opens, like any V4L2 device's).
reload_vivbuf() {
	rmmod vivbuf || fail "rmmod vivbuf (still in use?)"
	insmod "$top/drivers/media/test-drivers/vivbuf/vivbuf.ko" "$@" ||
		fail "insmod vivbuf $*"
}
