#!/bin/sh
# Misuse and driver failures end in a GStreamer error that names the V4L2
# cause and a non-zero exit, never a crash: missing node, not a V4L2 node,
# not a capture node, busy device, unsupported format and size, and (with
# vivid's error injection) REQBUFS and STREAMON failures, a fatal streaming
# error; a single corrupted buffer is dropped with a warning.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"

gst_require
modprobe vivid n_devs=1 node_types=0x1 || fail "modprobe vivid"
vivbuf=$(vivbuf_node 0) || fail "no vivbuf capture 0 node"
vivid=$(video_node '^vivid-000-vid-cap$') || fail "no vivid capture node"
# A node that is no capture device: vim2m's (memory-to-memory), or on a
# kernel without vim2m (the 6.1 tier) vivbuf's output node.
if modinfo vim2m > /dev/null 2>&1; then
	modprobe vim2m || fail "modprobe vim2m"
	trap 'rmmod vivid vim2m' EXIT
	m2m=$(video_node '^vim2m') || fail "no vim2m node"
else
	trap 'rmmod vivid' EXIT
	m2m=$(video_node '^vivbuf output 0$') || fail "no vivbuf output 0 node"
	echo "# kernel $(uname -r) has no vim2m: vivbuf's output node is the non-capture node"
fi

# crashed RC: killed by a signal or by timeout(1), not a clean failure
# (gst-launch-1.0 exits 1 or 255 on errors).
crashed() { [ "$1" = 124 ] || { [ "$1" -gt 128 ] && [ "$1" != 255 ]; }; }

# expect_error NAME MESSAGE-REGEX PIPELINE: must exit non-zero with an
# ERROR line matching MESSAGE-REGEX, and no crash or GLib criticals.
expect_error() {
	name=$1 want=$2 pipeline=$3
	# One word per element and property: gst-launch-1.0 escapes arguments.
	set -f
	# shellcheck disable=SC2086
	timeout 120 gst-launch-1.0 $pipeline > "$work/$name.log" 2>&1
	rc=$?
	set +f
	msg=$(grep -m 1 '^ERROR:' "$work/$name.log")
	echo "# $name: exit $rc, $msg"
	[ $rc != 0 ] || fail "$name: exit status 0"
	! crashed $rc || { cat "$work/$name.log"; fail "$name: crashed or hung (exit $rc)"; }
	echo "$msg" | grep -qE "$want" || { cat "$work/$name.log"; fail "$name: expected an error matching '$want'"; }
	no_glib_warnings "$name" "$work/$name.log"
}

expect_error missing "Cannot open device '/dev/video99': No such file" \
	"v4l2dmabufsrc device=/dev/video99 num-buffers=1 ! fakesink"
expect_error not_v4l2 "'/dev/null' is not a V4L2 device" \
	"v4l2dmabufsrc device=/dev/null num-buffers=1 ! fakesink"
expect_error not_capture "is not a video capture device" \
	"v4l2dmabufsrc device=$m2m num-buffers=1 ! fakesink"
expect_error bad_format "None of the formats of $vivbuf" \
	"v4l2dmabufsrc device=$vivbuf num-buffers=1 ! video/x-raw,format=I420 ! fakesink"
expect_error bad_size "None of the formats of $vivbuf" \
	"v4l2dmabufsrc device=$vivbuf num-buffers=1 ! video/x-raw,width=4000,height=3000 ! fakesink"

# Busy: another process streams from the node.
v4l2-ctl -d "$vivbuf" --stream-mmap --stream-count=100000 > /dev/null 2>&1 &
holder=$!
sleep 2
expect_error busy "$vivbuf.*Device or resource busy" \
	"v4l2dmabufsrc device=$vivbuf num-buffers=1 ! fakesink"
kill $holder
wait $holder 2>/dev/null

# vivid's error injection: the next REQBUFS / STREAMON fails.
v4l2-ctl -d "$vivid" -c inject_vidioc_reqbufs_error=1 || fail "cannot inject a REQBUFS error"
expect_error reqbufs "VIDIOC_REQBUFS.*$vivid" \
	"v4l2dmabufsrc device=$vivid num-buffers=10 ! fakesink"
v4l2-ctl -d "$vivid" -c inject_vidioc_streamon_error=1 || fail "cannot inject a STREAMON error"
expect_error streamon "VIDIOC_STREAMON.*$vivid" \
	"v4l2dmabufsrc device=$vivid num-buffers=10 ! fakesink"

# Errors while streaming, injected from another process.
stream_with() { # NAME CONTROL: sets CONTROL once frames flow
	gst-launch-1.0 -m v4l2dmabufsrc device="$vivid" num-buffers=150 ! fakesink \
		> "$work/$1.log" 2>&1 &
	pid=$!
	for _ in $(seq 60); do
		grep -q 'New clock' "$work/$1.log" && break
		sleep 0.5
	done
	sleep 1
	v4l2-ctl -d "$vivid" -c "$2"=1 || fail "cannot set $2"
	wait $pid
}
stream_with corrupted inject_v4l2_buf_flag_error
rc=$?
echo "# corrupted: exit $rc, $(grep -m 1 '^WARNING' "$work/corrupted.log")"
[ $rc = 0 ] || { cat "$work/corrupted.log"; fail "corrupted: one corrupted buffer ended the stream"; }
grep -q 'corrupted frame; dropped' "$work/corrupted.log" || { cat "$work/corrupted.log"; fail "corrupted: no warning"; }
[ "$(stat_of "$work/corrupted.log" error-buffers)" = 1 ] || fail "corrupted: error-buffers is not 1"

stream_with fatal inject_fatal_streaming_error
rc=$?
msg=$(grep -m 1 '^ERROR:' "$work/fatal.log")
echo "# fatal: exit $rc, $msg"
if [ $rc = 0 ] || crashed $rc; then
	cat "$work/fatal.log"
	fail "fatal: exit $rc"
fi
echo "$msg" | grep -q "VIDIOC_DQBUF.*Input/output error" || { cat "$work/fatal.log"; fail "fatal: expected a VIDIOC_DQBUF error"; }
