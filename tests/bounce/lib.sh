# shellcheck shell=sh
# The bounce run: tests that check pixels or bytes, again in a guest booted
# with swiotlb=force (tests/bounce/APPEND), where every streaming DMA
# mapping goes through a bounce buffer. On x86 that is the cheapest faithful
# stand-in for a machine whose devices do not share the CPU's caches: data
# reaches the other side of a mapping only through the DMA API syncs the
# code does, so a missing or misplaced sync shows as wrong pixels.
# Each test of this suite is a wrapper: . lib.sh; bounce_run SUITE/NAME
#
# Not here, each for a limit of a mainline exporter, not of our code:
#  - uapi/import_udmabuf, uapi/loopback_pixels, uapi/m2m_dmabuf and
#    fences/in_fence_import_sync_file import udmabufs, and
#    gst/import_from_kmssink imports vkms's dumb buffers (DRM PRIME). A
#    device writes an import through the mapping the exporter made for it,
#    which vb2 (mainline's core as much as ours) keeps across frames; with
#    bounce buffers the frame then sits in that mapping's bounce buffer
#    until someone syncs it. Our exporter's DMA_BUF_IOCTL_SYNC syncs every
#    importer's mapping (uapi/import_from_other_device, below, proves it),
#    but udmabuf's syncs only its own device's mapping, and a dumb buffer's
#    none: with those exporters device writes to an import do not reach
#    the CPU, under swiotlb or on a non-coherent machine alike.
#  - uapi/import_dma_heap. Mainline's system heap builds its tables
# of pages up to order 8 (1 MiB segments) without a bound for the importer,
# and swiotlb bounces at most 256 KiB a segment, so under swiotlb=force no
# device can map a system-heap buffer of a frame's size (the QBUF fails
# with EIO, "swiotlb buffer is full" in the log): a limit of the exporter,
# not of our import path, which udmabuf, vkms's and our own exports cover.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

# bounce_run SUITE/NAME: runs that test (a program in build/tests or a
# script in tests) in this guest, which must bounce every mapping.
bounce_run() {
	grep -qw 'swiotlb=force' /proc/cmdline ||
		fail "not a bounce run: the guest was booted without swiotlb=force (tests/check boots one for this suite)"
	if [ -x "$top/build/tests/$1" ]; then
		exec "$top/build/tests/$1"
	fi
	[ -x "$top/tests/$1.sh" ] || fail "no test $1"
	exec "$top/tests/$1.sh"
}
