# shellcheck shell=sh
# The demo's eyes while the pipeline runs (sourced by demo/guest.sh, after
# tests/lib/gst-lib.sh): once a second, the progress line, the CPU time
# used, whether vkms is attached to vivbuf's dma-bufs and what the KMS
# plane shows; it ends the pipeline. Sets, for demo/report.sh:
#   vkms_attached yes/no: bufinfo showed vkms attached to a videobuf2-dmabuf dma-buf
#   shown        yes/no: the plane showed exactly the V4L2 reference frame
#   grab_line    what kms-grab said about the framebuffer it read
#   own_grabs    how many of its reads mapped a videobuf2-dmabuf dma-buf
#   cpu_seconds, cpu_frames, cpu_proc_ticks, cpu_all_ticks: how long the
#                CPU window lasted, the frames rendered in it, and the CPU
#                ticks gst-launch-1.0 and the whole guest used meanwhile

# shellcheck disable=SC2154,SC2034 # work, bufinfo, kms_grab come from gst-lib.sh; what this sets, report.sh reads

progress() { echo "[demo] $*"; }

# The last fpsdisplaysink report: "rendered: N, dropped: N, current: F, average: F".
fps_message() {
	grep 'last-message = rendered' "$1" | tail -n 1 | sed 's/.*last-message = //'
}

# fps_field MESSAGE NAME
fps_field() {
	echo "$1" | sed -n "s/.*$2: \\([0-9.]*\\).*/\\1/p"
}

# fps_show MESSAGE NAME: the same for people, "n/a" when the message has
# no such field (fpsdisplaysink words it differently once it drops).
fps_show() {
	v=$(fps_field "$1" "$2")
	echo "${v:-n/a}"
}

# CPU ticks (user + system) of process PID so far; empty once it is gone.
proc_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null
}

# Busy CPU ticks of the whole guest so far (every CPU, not idle or iowait).
all_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# grab_plane REF PNG: grab the primary plane of vkms; a framebuffer made from
# a dma-buf (not a dumb buffer of vkms's own, like the console's) is kept
# as PNG; sets shown=yes when it is REF pixel for pixel.
grab_plane() {
	"$kms_grab" -M vkms "$work/grab.png" 2> "$work/grab.err" || return
	# Reading our dma-buf is a CPU mapping the report must not blame on
	# the pipeline.
	if grep -q ' dma-buf of videobuf2-dmabuf -> ' "$work/grab.err"; then
		own_grabs=$((own_grabs + 1))
	fi
	grep -q ' dma-buf of .* -> ' "$work/grab.err" || return
	grab_line=$(sed 's/ -> .*//; s/^kms-grab: //' "$work/grab.err")
	cp "$work/grab.png" "$2"
	if cmp -s "$1" "$2"; then
		shown=yes
	fi
}

# sample PID: the progress line, and the samples of the CPU window.
sample() {
	msg=$(fps_message "$work/gst.log")
	rendered=$(fps_field "$msg" rendered)
	ticks=$(proc_ticks "$1") all=$(all_ticks)
	if [ "$vkms_attached" = no ] && attached videobuf2-dmabuf vkms; then
		vkms_attached=yes
		cp "$bufinfo" "$work/bufinfo"
	fi
	if [ -z "$msg" ]; then
		progress "$(($(date +%s) - start)) s: starting the pipeline"
	else
		progress "$(($(date +%s) - start)) s: ${rendered} frames on screen," \
			"$(fps_show "$msg" dropped) dropped by the sink, $(fps_show "$msg" current) fps;" \
			"vkms attached to vivbuf's dma-bufs: $vkms_attached; plane shows vivbuf's frame: $shown"
	fi
}

# watch_stream PID REF PNG SECONDS: watch the pipeline PID until the plane
# shows REF (at most a minute: start-up is slow under emulation), then
# measure SECONDS seconds of streaming and stop it with an EOS (SIGINT to
# gst-launch-1.0 -e). Grabbing the plane is slow and costs CPU, so it comes
# before the CPU window.
watch_stream() {
	vkms_attached=no shown=no grab_line='' own_grabs=0 cpu_frames=0 cpu_proc_ticks=0 cpu_all_ticks=0 cpu_seconds=0
	start=$(date +%s)
	while [ $shown = no ] && [ $(($(date +%s) - start)) -lt 60 ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 1
		sample "$1"
		[ "${rendered:-0}" = 0 ] || grab_plane "$2" "$3"
	done
	sample "$1"
	first_frames=${rendered:-0} first_ticks=$ticks first_all=$all
	window=$(date +%s)
	while [ $(($(date +%s) - window)) -lt "$4" ] && [ $shown = yes ]; do
		sleep 1
		kill -0 "$1" 2>/dev/null || return 0
		sample "$1"
		[ -n "$ticks" ] || return 0
		cpu_frames=$((rendered - first_frames))
		cpu_proc_ticks=$((ticks - first_ticks))
		cpu_all_ticks=$((all - first_all))
		cpu_seconds=$(($(date +%s) - window))
	done
	kill -INT "$1"
}
