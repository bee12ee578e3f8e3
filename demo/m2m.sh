# shellcheck shell=sh
# `make demo DEMO=m2m` (sourced by demo/guest.sh, after the test libraries
# and demo/report.sh): vivbuf's capture node in YUYV -> its m2m node ->
# XRGB32, dma-bufs all the way, moved by m2m-chain (tests/tools): GStreamer
# has no element for a custom m2m node. The converted frame is checked
# against the CPU's conversion of a plain V4L2 capture; it is not scanned
# out: vkms (Linux 6.12) has no plane format with XRGB32's byte order (X R
# G B; DRM BGRX8888), so display.png is the converted frame itself.

# shellcheck disable=SC2154 # work, top, kms_grab, bufinfo, width, height, seconds, out, report come from the libraries and guest.sh

m2m_demo() {
	cap=$1
	m2m=$(video_node "^vivbuf m2m 0$") || fail "no vivbuf m2m 0 node (vivbuf loaded with m2m=0?)"
	progress "capturing a reference frame the plain V4L2 way (YUYV, MMAP, read by the CPU)"
	v4l2-ctl -d "$cap" --set-fmt-video=width="$width",height="$height",pixelformat=YUYV \
		--stream-mmap=4 --stream-skip=2 --stream-count=1 \
		--stream-to="$work/ref.yuyv" > "$work/ref.log" 2>&1 ||
		{ cat "$work/ref.log"; fail "v4l2-ctl could not capture a YUYV reference frame"; }

	{
		echo
		echo "## Pipeline"
		echo
		echo "    m2m-chain $cap $m2m $width $height $seconds ref.yuyv m2m.raw"
		echo
		echo "vivbuf's capture node (\`$cap\`) fills its own YUYV buffers"
		echo "(videobuf2-dmabuf, MMAP); m2m-chain (tests/tools) exports each once"
		echo "(VIDIOC_EXPBUF) and queues every captured frame by its dma-buf fd on"
		echo "the OUTPUT queue of vivbuf's memory-to-memory node (\`$m2m\`,"
		echo "V4L2_MEMORY_DMABUF), which converts it into its own XRGB32 buffers"
		echo "(V4L2 \`BX24\`, bytes X R G B); the capture buffer goes back to the"
		echo "camera once the converter is done with it. Nothing maps a frame for"
		echo "the CPU while it runs. At the end the last converted frame is kept,"
		echo "read once through its exported dma-buf and compared with the CPU's"
		echo "conversion of a YUYV frame captured the plain V4L2 way beforehand"
		echo "(the test pattern is static), by the formula in vivbuf's README."
		echo
		echo "Not scanned out: vkms (Linux 6.12) scans out XRGB8888 (bytes B G R X),"
		echo "ARGB8888, RGB565 and two 16-bit-per-channel formats, none with"
		echo "XRGB32's byte order (DRM BGRX8888), and the m2m node writes only"
		echo "YUYV and XRGB32."
	} >> "$report"

	counters > "$work/before"
	progress "converting: $cap (YUYV) -> $m2m -> XRGB32, ${width}x$height, $seconds s"
	"$top/build/tests/tools/m2m-chain" "$cap" "$m2m" "$width" "$height" "$seconds" \
		"$work/ref.yuyv" "$work/m2m.raw" > "$work/chain.log" 2> "$work/chain.err" &
	pid=$!
	m2m_attached=no
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if [ $m2m_attached = no ] && attached videobuf2-dmabuf vivbuf.0; then
			m2m_attached=yes
			cp "$bufinfo" "$work/bufinfo"
		fi
		line=$(tail -n 1 "$work/chain.log")
		progress "${line:-starting}; the m2m node attached to the capture's dma-bufs: $m2m_attached"
	done
	wait "$pid"
	rc=$?
	pid=
	counters > "$work/after"
	# The frame is written before it is checked: look at it either way
	[ ! -f "$work/m2m.raw" ] ||
		"$kms_grab" --from-raw "$work/m2m.raw" "$width" "$height" BX24 "$out/display.png" ||
		fail "cannot convert the m2m node's frame to PNG"
	[ $rc = 0 ] || { cat "$work/chain.log" "$work/chain.err"; fail "m2m-chain failed: $(tail -n 1 "$work/chain.err")"; }
	m2m_report
	m2m_check
}

m2m_report() {
	totals=$(grep ' converted in ' "$work/chain.log")
	{
		echo
		echo "## Numbers"
		echo
		echo "| | |"
		echo "|---|---|"
		echo "| m2m-chain | $totals |"
		echo "| **CPU mappings of frames, videobuf2-dmabuf cpu_maps (run, less m2m-chain's 1 read of the converted frame)** | **$(($(delta cpu_maps) - 1))** |"
		echo "| dma-buf imports by the m2m node (videobuf2-dmabuf imports) | $(delta imports) |"
		echo "| device mappings of imported dma-bufs (maps) | $(delta maps) |"
		echo "| dma-bufs exported (expbufs: 4 capture + 4 converted) | $(delta expbufs) |"
		echo "| kernel mappings of dma-bufs (kernel_vmaps) | $(delta kernel_vmaps) |"
		echo
		echo "The m2m node is virtual: its conversion engine is the CPU, in the"
		echo "kernel, reading the camera's dma-buf through a kernel mapping"
		echo "(kernel_vmaps) as a real converter's DMA"
		echo "would read it. That is the device's work, not a copy in the pipeline."
		echo
		echo "## Display"
		echo
		echo "[display.png](display.png): the last converted frame (XRGB32), read through"
		echo "its dma-buf by m2m-chain; $(grep 'byte for byte' "$work/chain.log" | sed 's/ of .* byte for byte/ of the plain V4L2 capture, byte for byte/')."
		echo "It was not scanned out (see above)."
		echo
		echo "## dma-buf attachments (/sys/kernel/debug/dma_buf/bufinfo while converting)"
		echo
		if [ -f "$work/bufinfo" ]; then
			echo '```'
			head -n 60 "$work/bufinfo"
			echo '```'
		else
			echo "bufinfo never showed vivbuf.0 attached to a videobuf2-dmabuf dma-buf."
		fi
		echo
		counters_table
		echo "cpu_maps and cpu_syncs include m2m-chain's one read of the converted"
		echo "frame for the check and display.png (not part of the pipeline)."
	} >> "$report"
}

m2m_check() {
	c=$(($(delta cpu_maps) - 1))
	[ "$c" = 0 ] || fail "frame memory was mapped by the CPU $c times while converting (debugfs cpu_maps, m2m-chain's one read left out)"
	[ "$(delta imports)" -gt 0 ] || fail "the m2m node imported no dma-buf (debugfs imports)"
	[ "$m2m_attached" = yes ] ||
		fail "bufinfo never showed the m2m node (vivbuf.0) attached to the capture node's dma-bufs"
}
