#!/bin/sh
# The guest half of `make bench` (bench/run boots the test machine with it):
# runs the micro benchmark (bench/micro.c) into $V4L2DMABUF_RESULTS/micro.tsv,
# then every pipeline of the table at two frame counts, REPS times,
# interleaved, under cpurun, and writes one line per run to
# $V4L2DMABUF_RESULTS/runs.tsv (the host turns them into results.md/.json).
# The gst-launch logs go to $V4L2DMABUF_RESULTS/logs/.
#
# Knobs (environment): REPS (5), SIZES ("1280x720 1920x1080"), N1 (30),
# N2 (180), RATE (max: each driver's highest frame rate at that size;
# common: the highest rate all drivers of the table offer), ROWS ("a b c d
# e"; empty: no pipeline), SCALE ("1 2 4 8" concurrent vivbuf streams;
# empty skips it), SCALE_SIZE (640x480), RUN_TIMEOUT (per pipeline, s,
# 180); the micro benchmark (bench/micro.c, vivbuf in instant mode, into
# $V4L2DMABUF_RESULTS/micro.tsv): MICRO (1; 0 skips it), MICRO_ITERS (100
# timed iterations per case), MICRO_REPS (10), MICRO_SIZE (1280x720),
# MICRO_ALLOC (heap, or udmabuf without a system dma-heap), MICRO_TIMEOUT
# (s, 1200).
# One brace group, read whole before it runs: editing the file during a run
# cannot derail the run.
{
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"
# shellcheck disable=SC2154 # top and work come from guest-lib.sh and gst-lib.sh

REPS=${REPS:-5}
SIZES=${SIZES:-1280x720 1920x1080}
N1=${N1:-30}
N2=${N2:-180}
RATE=${RATE:-max}
ROWS=${ROWS-a b c d e}
SCALE=${SCALE-1 2 4 8}
SCALE_SIZE=${SCALE_SIZE:-640x480}
RUN_TIMEOUT=${RUN_TIMEOUT:-180}
MICRO=${MICRO:-1}
MICRO_ITERS=${MICRO_ITERS:-100}
MICRO_REPS=${MICRO_REPS:-10}
MICRO_SIZE=${MICRO_SIZE:-1280x720}
MICRO_ALLOC=${MICRO_ALLOC:-}
MICRO_TIMEOUT=${MICRO_TIMEOUT:-1200}

out=${V4L2DMABUF_RESULTS:?run me in the test machine (bench/run)}
cpurun=$top/build/bench/bin/cpurun
micro=$top/build/bench/bin/micro
runs=$out/runs.tsv
mkdir -p "$out/logs"
[ -x "$cpurun" ] || fail "$cpurun is not built: make -C bench"
[ "$MICRO" != 1 ] || [ -x "$micro" ] || fail "$micro is not built: make -C bench"
[ "$N2" -gt "$N1" ] || fail "N2 ($N2) must be larger than N1 ($N1)"

gst_require
# gst_require's gst-inspect-1.0 brought the registry up to date with our
# plugin; without this every gst-launch-1.0 would stat every plugin over 9p
# again at start-up, a cost that varies and only adds noise.
export GST_REGISTRY_UPDATE=no
# The micro benchmark first, in a quiet guest: one process, every case
# interleaved in it (see bench/micro.c). vkms is not loaded yet, so no
# vblank timer or composer competes with it for the emulated CPUs. vivbuf's
# instant mode is read at STREAMON, so it only affects the micro's streams;
# it is turned off again after. Its settings go to micro-meta.txt.
if [ "$MICRO" = 1 ]; then
	if [ -z "$MICRO_ALLOC" ]; then
		MICRO_ALLOC=udmabuf
		[ -e /dev/dma_heap/system ] && MICRO_ALLOC=heap
	fi
	{
		echo "micro_size=$MICRO_SIZE"
		echo "micro_iters=$MICRO_ITERS"
		echo "micro_reps=$MICRO_REPS"
		echo "micro_alloc=$MICRO_ALLOC"
	} > "$out/micro-meta.txt"
	micro_dev=$(vivbuf_node 0) || fail "no vivbuf capture node"
	echo "bench: micro benchmark, $MICRO_SIZE, $MICRO_REPS repetitions of $MICRO_ITERS iterations per case, dma-bufs from $MICRO_ALLOC"
	instant=/sys/module/vivbuf/parameters/instant
	echo 1 > "$instant" || fail "cannot turn vivbuf's instant mode on"
	micro_rc=0
	timeout -k 5 "$MICRO_TIMEOUT" "$micro" -s "$MICRO_SIZE" \
		-n "$MICRO_ITERS" -r "$MICRO_REPS" -a "$MICRO_ALLOC" \
		-o "$out/micro.tsv" "$micro_dev" > "$out/logs/micro.log" 2>&1 ||
		micro_rc=$?
	echo 0 > "$instant"
	cat "$out/logs/micro.log"
	# The pipelines and the scaling run are measured all the same.
	[ "$micro_rc" = 0 ] || echo "bench: the micro benchmark failed (exit $micro_rc), see logs/micro.log"
fi

modprobe vkms || fail "modprobe vkms"
modprobe vivid n_devs=1 node_types=0x1 || fail "modprobe vivid"
trap 'rmmod vivid vkms' EXIT
vivid=$(video_node '^vivid-000-vid-cap$') || fail "no vivid capture node"
# The webcam input (discrete sizes and rates, like a camera) without the
# on-screen text, whose rendering would cost vivid CPU per frame.
v4l2-ctl -d "$vivid" -i 0 > /dev/null || fail "cannot select vivid's webcam input"
v4l2-ctl -d "$vivid" -c osd_text_mode=2 || fail "cannot turn vivid's OSD text off"
vivbuf=$(vivbuf_node 0)

sink="kmssink driver-name=vkms force-modesetting=true"

# max_fps DEV W H: the highest frame rate DEV offers for XRGB at W x H
# (whole frames per second; every rate of vivbuf and vivid is 1/n s or n/25).
max_fps() {
	v4l2-ctl -d "$1" --list-frameintervals="width=$2,height=$3,pixelformat=XR24" |
		sed -n 's/.*(\([0-9.]*\) fps).*/\1/p' |
		awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { printf "%d\n", m + 0.5 }'
}

# pipeline ROW W H FPS N: the gst-launch-1.0 arguments of the table's row.
pipeline() {
	caps="video/x-raw,format=BGRx,width=$2,height=$3,framerate=$4/1"
	case $1 in
	a) echo "v4l2dmabufsrc device=$vivbuf io-mode=export num-buffers=$5 ! $caps ! $sink" ;;
	b) echo "v4l2dmabufsrc device=$vivbuf io-mode=import num-buffers=$5 ! $caps ! $sink" ;;
	c) echo "v4l2src device=$vivid io-mode=dmabuf num-buffers=$5 ! $caps ! $sink" ;;
	d) echo "v4l2src device=$vivid io-mode=mmap num-buffers=$5 ! $caps ! $sink" ;;
	e) echo "v4l2src device=$vivbuf io-mode=mmap num-buffers=$5 ! $caps ! videoconvert ! $sink" ;;
	*) fail "no row '$1'" ;;
	esac
}

# row_fps ROW W H: the frame rate the row runs at.
row_fps() {
	case $RATE in
	common) echo "$fps_common" ;;
	*) case $1 in c|d) echo "$fps_vivid" ;; *) echo "$fps_vivbuf" ;; esac ;;
	esac
}

# drops LOG FPS: "SOURCE SINK" frames dropped in a gst-launch -m log.
#   Sources: v4l2dmabufsrc counts them in its stats message (the last one of
#   each element counts); upstream v4l2src posts a QoS message per gap in
#   the driver's sequence numbers, its duration covering the lost frames.
#   Sinks: their QoS messages carry a running total of late frames dropped.
drops() {
	awk -v fps="$2" '
	/^Got message .* from element "/ {
		el = $0; sub(/^[^"]*"/, "", el); sub(/".*/, "", el)
	}
	/v4l2dmabufsrc-stats/ {
		d = $0; sub(/.*[ ,]drops=\([a-z0-9]*\)/, "", d); sub(/[,;].*/, "", d)
		stats[el] = d + 0
	}
	/\(qos\): GstMessageQOS/ && el ~ /^v4l2src/ {
		d = $0; sub(/.*duration=\(guint64\)/, "", d); sub(/[,;].*/, "", d)
		# GST_CLOCK_TIME_NONE: a gap of unknown length, count one frame
		n = (d + 0 > 1e18) ? 1 : int(d * fps / 1e9 + 0.5)
		src += n
	}
	/\(qos\): GstMessageQOS/ && el ~ /sink/ {
		d = $0; sub(/.*dropped=\(guint64\)/, "", d); sub(/[,;].*/, "", d)
		sink[el] = d + 0
	}
	END {
		for (e in stats) src += stats[e]
		for (e in sink) snk += sink[e]
		printf "%d %d\n", src, snk
	}' "$1"
}

# stuck_watchdog NAME: a pipeline that outlives its timeout's SIGKILL is
# stuck in the kernel: say so, with its kernel stack and the blocked tasks
# (sysrq w, into the kernel log), and power the guest off, since nothing
# after it could run (the host then reports a guest that died; runs.tsv
# keeps the runs before it).
stuck_watchdog() {
	trap 'kill $w_sleep 2>/dev/null; exit 0' TERM
	sleep $((RUN_TIMEOUT + 30)) &
	w_sleep=$!
	wait $w_sleep
	echo "bench: $1 is still running $((RUN_TIMEOUT + 30)) s after it started: stuck in the kernel?"
	for w_pid in $(pgrep -x gst-launch-1.0); do
		echo "bench: gst-launch-1.0 $w_pid: $(sed -n 's/^State:\t*//p' "/proc/$w_pid/status")"
		cat "/proc/$w_pid/stack"
	done
	echo w > /proc/sysrq-trigger
	sync
	sleep 5
	echo o > /proc/sysrq-trigger
}

# measure KIND SIZE ROW STREAMS REP N FPS GST-ARG...: runs the pipeline
# (gst-launch-1.0 wants it as separate words: the callers split it, and
# no pipeline has a glob character) under cpurun and appends a line to
# runs.tsv. Its variables are m_*: sh has no locals, and the callers'
# loops use the plain names.
measure() {
	m_name=$1-$2-$3-$4-r$5-n$6
	m_fields=$(printf '%s\t' "$@" | cut -f 1-7)
	m_fps=$7
	shift 7
	m_log=$work/$m_name.log
	rm -f "$work/cost"
	"$cpurun" "$work/cost" timeout -k 5 "$RUN_TIMEOUT" gst-launch-1.0 -m "$@" > "$m_log" 2>&1 &
	m_pid=$!
	stuck_watchdog "$m_name" &
	m_dog=$!
	wait $m_pid
	kill $m_dog
	m_cost=$(cat "$work/cost" 2>/dev/null)
	[ -n "$m_cost" ] || m_cost="status=125"
	m_status=$(echo "$m_cost" | sed -n 's/.*status=\([0-9]*\).*/\1/p')
	# An error message fails the run even when gst-launch exits 0.
	[ "$m_status" = 0 ] && grep -q '^ERROR' "$m_log" && m_status=1
	# kind size row streams rep frames fps, status, costs, drops
	{
		printf '%s\t%s' "$m_fields" "$m_status"
		for m_key in wall_us user_us sys_us busy_us total_us; do
			printf '\t%s' "$(echo "$m_cost" | sed -n "s/.*$m_key=\\([0-9]*\\).*/\\1/p")"
		done
		# shellcheck disable=SC2046,SC2183 # drops prints two words
		printf '\t%s\t%s\n' $(drops "$m_log" "$m_fps")
	} >> "$runs"
	cp "$m_log" "$out/logs/$m_name.log"
	if [ "$m_status" != 0 ]; then
		echo "bench: $m_name failed (status $m_status):"
		tail -n 15 "$m_log"
	fi
}

printf 'kind\tsize\trow\tstreams\trep\tframes\tfps\tstatus\twall_us\tuser_us\tsys_us\tbusy_us\ttotal_us\tsrc_drops\tsink_drops\n' > "$runs"
{
	# Which test kernel flavour booted (tests/vm/kernel.sh): lockdep is
	# among the debug options only the debug flavour has.
	flavour=release
	[ ! -e /proc/lockdep ] || flavour=debug
	echo "kernel=$(uname -r) ($flavour build)"
	echo "gstreamer=$(gst-launch-1.0 --version | sed -n 's/^GStreamer //p')"
	echo "cpus=$(nproc)"
	echo "reps=$REPS"
	echo "n1=$N1"
	echo "n2=$N2"
	echo "rate=$RATE"
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
} > "$out/meta.txt"

# The first gst-launch of a boot pays for loading the libraries over 9p
# and updating the registry with our plugin: not a cost of any row.
first=yes
for size in $SIZES; do
	w=${size%x*} h=${size#*x}
	fps_vivbuf=$(max_fps "$vivbuf" "$w" "$h")
	fps_vivid=$(max_fps "$vivid" "$w" "$h")
	[ "${fps_vivbuf:-0}" -gt 0 ] || fail "vivbuf offers no frame rate at $size"
	[ "${fps_vivid:-0}" -gt 0 ] || fail "vivid offers no frame rate at $size"
	fps_common=$fps_vivbuf
	[ "$fps_vivid" -lt "$fps_common" ] && fps_common=$fps_vivid
	echo "bench: $size: vivbuf up to $fps_vivbuf fps, vivid up to $fps_vivid fps (RATE=$RATE)"
	if [ $first = yes ]; then
		for row in $ROWS; do
			# shellcheck disable=SC2046
			measure warmup "$size" "$row" 1 0 "$N1" "$(row_fps "$row")" \
				$(pipeline "$row" "$w" "$h" "$(row_fps "$row")" "$N1")
		done
		first=no
	fi
	# Interleaved: every row once per repetition, so a slow spell of the
	# host hits all rows alike.
	rep=1
	while [ $rep -le "$REPS" ]; do
		for row in $ROWS; do
			fps=$(row_fps "$row")
			for n in "$N1" "$N2"; do
				# shellcheck disable=SC2046
				measure pipe "$size" "$row" 1 "$rep" "$n" "$fps" \
					$(pipeline "$row" "$w" "$h" "$fps" "$n")
			done
		done
		echo "bench: $size repetition $rep of $REPS done"
		rep=$((rep + 1))
	done
done

[ -n "$SCALE" ] || exit 0
. "$V4L2DMABUF_TOP/bench/guest-scale.sh"
exit
}
