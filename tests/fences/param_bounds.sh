#!/bin/sh
# The time bounds of videobuf2_dmabuf's fences are clamped by the kernel
# (param_set_uint_minmax): fence_timeout_frames takes 1..1000 and
# in_fence_timeout_ms 0..60000. A write out of range, negative or not a
# number must fail (EINVAL, or ERANGE past 32 bits) and leave the value as
# it was; the bounds themselves must be taken and read back. The values the
# test found are written back at exit, whatever happens.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

params=/sys/module/videobuf2_dmabuf/parameters
[ -d /sys/module/videobuf2_dmabuf ] ||
	skip "videobuf2_dmabuf not loaded"
[ "$(id -u)" = 0 ] || skip "not root: the parameters are written through sysfs"
for p in fence_timeout_frames in_fence_timeout_ms; do
	if [ ! -r "$params/$p" ] || [ ! -w "$params/$p" ]; then
		fail "videobuf2_dmabuf has no writable parameter $p"
	fi
done

saved_frames=$(cat "$params/fence_timeout_frames") ||
	fail "read fence_timeout_frames"
saved_in_ms=$(cat "$params/in_fence_timeout_ms") ||
	fail "read in_fence_timeout_ms"
echo "# saved: fence_timeout_frames=$saved_frames in_fence_timeout_ms=$saved_in_ms"

restore() {
	# The saved values were accepted once: they are within the bounds.
	echo "$saved_frames" > "$params/fence_timeout_frames" ||
		echo "# could not restore fence_timeout_frames=$saved_frames"
	echo "$saved_in_ms" > "$params/in_fence_timeout_ms" ||
		echo "# could not restore in_fence_timeout_ms=$saved_in_ms"
}
trap restore EXIT
# A signal (the runner's timeout) exits, and exiting restores.
trap 'exit 1' HUP INT TERM

# write PARAM VALUE: echo VALUE > the parameter, in a subshell so that a
# failed write neither ends the test nor leaves the error unseen; the
# shell's message, if any, in $err.
write() {
	err=$( { echo "$2" > "$params/$1"; } 2>&1 )
}

refused=0
taken=0

# refuse PARAM VALUE: the write must fail and the value stay.
refuse() {
	before=$(cat "$params/$1")
	if write "$1" "$2"; then
		after=$(cat "$params/$1")
		fail "$1: '$2' was accepted (now reads $after), want it refused"
	fi
	after=$(cat "$params/$1")
	[ "$after" = "$before" ] ||
		fail "$1: refused '$2' but the value changed from $before to $after"
	echo "# $1: '$2' refused${err:+ (${err##*: })}, still $after"
	refused=$((refused + 1))
}

# take PARAM VALUE: the write must succeed and read back as written.
take() {
	write "$1" "$2" || fail "$1: '$2' refused${err:+ ($err)}, want it taken"
	after=$(cat "$params/$1")
	[ "$after" = "$2" ] || fail "$1: wrote '$2', reads back '$after'"
	echo "# $1: '$2' taken, reads back $after"
	taken=$((taken + 1))
}

# Each refusal is tried from both bounds, so that a value that is kept
# anyway (or clamped to the bound) shows.
for start in 1 1000; do
	take fence_timeout_frames $start
	for v in 0 1001 4294967295 4294967296 -1 -1000 abc 10x ''; do
		refuse fence_timeout_frames "$v"
	done
done
take fence_timeout_frames 1
take fence_timeout_frames 1000

for start in 0 60000; do
	take in_fence_timeout_ms $start
	for v in 60001 4294967295 4294967296 -1 -60000 abc 10x ''; do
		refuse in_fence_timeout_ms "$v"
	done
done
take in_fence_timeout_ms 0
take in_fence_timeout_ms 60000

echo "# $refused writes refused, $taken taken; restoring fence_timeout_frames=$saved_frames in_fence_timeout_ms=$saved_in_ms"
restore
trap - EXIT
[ "$(cat "$params/fence_timeout_frames")" = "$saved_frames" ] ||
	fail "fence_timeout_frames not restored to $saved_frames"
[ "$(cat "$params/in_fence_timeout_ms")" = "$saved_in_ms" ] ||
	fail "in_fence_timeout_ms not restored to $saved_in_ms"
exit 0
