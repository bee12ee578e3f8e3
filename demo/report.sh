# shellcheck shell=sh
# The demo's report and verdict (sourced by demo/guest.sh, after
# tests/lib/gst-lib.sh and demo/stream.sh): report.md from the element's
# stats, the samples of watch_stream, bufinfo and the allocator's counters;
# then the checks, each failing with its reason.

# shellcheck disable=SC2154 # the variables come from guest.sh, stream.sh and gst-lib.sh

# counters: "NAME VALUE" for every videobuf2-dmabuf debugfs counter.
counters() {
	for f in "$vb2_debugfs"/*; do
		[ -f "$f" ] && echo "${f##*/} $(cat "$f")"
	done
}

# counter_at FILE NAME: a counter in a counters snapshot (0 when absent).
counter_at() {
	awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }' "$1"
}

# delta NAME: what a counter did during the run.
delta() {
	echo $(($(counter_at "$work/after" "$1") - $(counter_at "$work/before" "$1")))
}

# ms_per_frame TICKS FRAMES: CPU milliseconds per frame, one decimal.
ms_per_frame() {
	awk -v t="$1" -v f="$2" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { if (f > 0) printf "%.1f", t * 1000 / hz / f; else print "n/a" }'
}

# The dma-bufs videobuf2-dmabuf exported that have vkms attached, in bufinfo.
vkms_imports() {
	awk -F '\t' '/^[0-9]+\t/ { name = $5 }
		/^\t/ && $2 == "vkms" && name == "videobuf2-dmabuf" { n++ }
		END { print n + 0 }' "$1"
}

# counters_table: every allocator counter before and after the run.
counters_table() {
	echo "## videobuf2-dmabuf counters (/sys/kernel/debug/v4l2-dmabuf)"
	echo
	echo "| counter | before | after | this run |"
	echo "|---|---|---|---|"
	awk '{ print $1 }' "$work/after" | while read -r name; do
		echo "| $name | $(counter_at "$work/before" "$name") | $(counter_at "$work/after" "$name") | $(delta "$name") |"
	done
	echo
}

write_report() {
	log=$work/gst.log
	msg=$(fps_message "$log")
	memory=$(grep 'v4l2dmabufsrc-stats' "$log" | tail -n 1 |
		sed -n 's/.*memory=(string)"\(.*\)";*$/\1/p' | sed 's/\\//g')
	{
		echo
		echo "## Numbers"
		echo
		echo "| | |"
		echo "|---|---|"
		echo "| frames pushed by v4l2dmabufsrc | $(stat_of "$log" frames) |"
		echo "| frames dropped by the driver (sequence gaps) | $(stat_of "$log" drops) |"
		echo "| frames dropped by the sink (late) | $(fps_show "$msg" dropped) |"
		echo "| average rate on screen (fpsdisplaysink) | $(fps_show "$msg" average) fps |"
		echo "| CPU per frame, gst-launch-1.0 (user + system) | $(ms_per_frame "$cpu_proc_ticks" "$cpu_frames") ms |"
		echo "| CPU per frame, whole guest (2 vCPUs, kernel included) | $(ms_per_frame "$cpu_all_ticks" "$cpu_frames") ms |"
		echo "| DQBUF-to-push latency, mean / max | $(stat_of "$log" latency-mean-us) / $(stat_of "$log" latency-max-us) us |"
		echo "| V4L2 buffers, memory | $(stat_of "$log" buffers), $memory |"
		echo "| **copies by v4l2dmabufsrc** | **$(stat_of "$log" copies)** |"
		echo "| **CPU mappings of frames, videobuf2-dmabuf cpu_maps (run, less kms-grab's $own_grabs reads of the plane)** | **$(($(delta cpu_maps) - own_grabs))** |"
		imports=0
		[ ! -f "$work/bufinfo" ] || imports=$(vkms_imports "$work/bufinfo")
		echo "| **videobuf2-dmabuf dma-bufs with vkms attached** | **$imports** |"
		echo
		echo "CPU per frame is measured over the $cpu_seconds seconds ($cpu_frames frames) after"
		echo "the plane was grabbed, then the pipeline was stopped with an EOS"
		echo "(start-up, the grab and tear-down left out). The"
		echo "whole-guest figure includes vivbuf's test pattern generator, which draws"
		echo "every frame with the CPU (it plays the camera), the emulated machine's"
		echo "own overhead and this script's sampling; none of it is a copy."
		echo "Under software emulation (TCG) the guest is slow: drops are expected."
		echo
		echo "## Display"
		echo
		if [ -n "$grab_line" ]; then
			echo "[display.png](display.png): the KMS plane read by kms-grab while streaming"
			echo "($grab_line), through the framebuffer's dma-buf."
			if [ "$shown" = yes ]; then
				echo "It is $ref_is, pixel for pixel."
			else
				echo "It is NOT $ref_is."
			fi
		else
			echo "The plane never showed a framebuffer made from a dma-buf."
		fi
		echo
		echo "## dma-buf attachments (/sys/kernel/debug/dma_buf/bufinfo while streaming)"
		echo
		if [ -f "$work/bufinfo" ]; then
			echo '```'
			head -n 60 "$work/bufinfo"
			echo '```'
		else
			echo "bufinfo never showed vkms attached to a videobuf2-dmabuf dma-buf."
		fi
		echo
		counters_table
		echo "cpu_syncs counts DMA_BUF_IOCTL_SYNC brackets: kms-grab reading the plane"
		echo "for display.png (a CPU read for this report, not part of the pipeline)."
	} >> "$report"
}

check_zero_copy() {
	frames=$(stat_of "$work/gst.log" frames)
	copies=$(stat_of "$work/gst.log" copies)
	[ "${frames:-0}" -gt 0 ] || fail "v4l2dmabufsrc pushed no frames"
	[ "$copies" = 0 ] || fail "v4l2dmabufsrc copied ${copies:-?} frames (its stats: copies)"
	c=$(($(delta cpu_maps) - own_grabs))
	[ "$c" = 0 ] || fail "frame memory was mapped by the CPU $c times while streaming (debugfs cpu_maps, kms-grab's reads left out)"
	[ "$vkms_attached" = yes ] ||
		fail "vkms did not import vivbuf's buffers: bufinfo never showed vkms attached to a videobuf2-dmabuf dma-buf"
	[ -n "$grab_line" ] || fail "the KMS plane never showed a framebuffer made from a dma-buf"
	[ "$shown" = yes ] ||
		fail "the KMS plane showed a dma-buf frame that is not $ref_is (see display.png)"
}

# run_examples DEV: the README's C examples (docs/examples), on DEV.
run_examples() {
	{
		echo
		echo "## The README's C examples (docs/examples) on $1"
		echo
	} >> "$report"
	for e in expbuf qbuf-dmabuf out-fence; do
		"$top/build/docs/examples/$e" "$1" > "$work/$e.log" 2>&1 ||
			fail "docs/examples/$e failed: $(cat "$work/$e.log")"
		echo "- \`$e\`: $(cat "$work/$e.log")" >> "$report"
		progress "docs/examples/$e: $(cat "$work/$e.log")"
	done
}

check_fences() {
	published=$(delta fences_published) signalled=$(delta fences_signalled)
	{
		echo
		echo "## Implicit fences (fences=1)"
		echo
		echo "While vivbuf owned a buffer, each of its dma-bufs carried a write fence"
		echo "of videobuf2-dmabuf in its reservation object; it signalled when the"
		echo "frame was done, so any importer (vkms's atomic commit, a poll() on the"
		echo "dma-buf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE) waits for the frame, not for a"
		echo "userspace signal. In this run: $published fences published, $signalled signalled"
		echo "($(delta fences_errored) with an error: buffers still queued at STREAMOFF),"
		echo "$(delta fences_timedout) cut by the watchdog, $(counter_at "$work/after" fences_pending) still pending;"
		echo "the device waited for other users' fences $(delta in_fence_waits) times" \
			"($(delta in_fence_timeouts) timeouts)."
	} >> "$report"
	[ "$published" -gt 0 ] || fail "fences=1 but no fence was published"
	[ "$signalled" = "$published" ] || fail "$published fences published but $signalled signalled"
	[ "$(counter_at "$work/after" fences_pending)" = 0 ] || fail "fences still pending after the run"
	[ "$(delta fences_timedout)" = 0 ] || fail "$(delta fences_timedout) fences timed out (watchdog)"
}
