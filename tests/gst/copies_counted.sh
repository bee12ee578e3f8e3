#!/bin/sh
# The zero-copy proofs can fail: when something downstream reads the
# pixels (videoconvert converting to I420 maps every frame), the element's
# `copies` statistic counts those CPU mappings in both io-modes, and the
# allocator's cpu_maps counts them for exported buffers.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"
. "$V4L2DMABUF_TOP/tests/lib/gst-lib.sh"

gst_require
dev=$(vivbuf_node 0) || fail "no vivbuf capture 0 node"
frames=10

# In import mode the element allocates from the dma-heap, else udmabuf.
# Hide the heap: with CONFIG_DMABUF_DEBUG, 6.12's system heap syncs for
# the CPU (what mapping a frame does) through its importers' sg_tables,
# which the dma-buf core has mangled while they are mapped: an oops in
# mainline code, not ours, that the udmabuf exporter does not have.
# A kernel without dma-heaps (the 6.1 tier) has nothing to hide.
if [ -d /dev/dma_heap ]; then
	mount -t tmpfs none /dev/dma_heap || fail "cannot hide /dev/dma_heap"
	trap 'umount /dev/dma_heap' EXIT
fi
# Without udmabuf (the 6.1 tier has neither) import mode has no allocator:
# export mode runs, then the test skips, saying so.
modes="export import"
[ -e /dev/udmabuf ] || modes=export

for mode in $modes; do
	log=$work/$mode.log
	maps=$(counter cpu_maps)
	gst-launch-1.0 -m v4l2dmabufsrc device="$dev" io-mode=$mode \
		num-buffers=$frames ! video/x-raw,format=BGRx,width=320,height=240 ! \
		videoconvert ! video/x-raw,format=I420 ! fakesink > "$log" 2>&1 ||
		{ tail -n 20 "$log"; fail "$mode: the pipeline failed"; }
	maps=$(( $(counter cpu_maps) - maps ))
	copies=$(stat_of "$log" copies)
	echo "# $mode: element copies $copies, allocator cpu_maps +$maps for $frames frames read by videoconvert"
	[ "${copies:-0}" -ge $frames ] ||
		fail "$mode: videoconvert read $frames frames but the element counted ${copies:-no} copies"
	if [ $mode = export ] && [ "$maps" -lt 1 ]; then
		fail "export: videoconvert mapped exported buffers but cpu_maps did not move"
	fi
done
[ "$modes" != export ] ||
	skip "export mode passed; import mode needs an allocator, and kernel $(uname -r) has neither udmabuf nor dma-heaps"
