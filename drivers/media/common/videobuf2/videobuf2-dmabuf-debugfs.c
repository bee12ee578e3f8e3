// SPDX-License-Identifier: GPL-2.0
/*
 * videobuf2-dmabuf-debugfs.c - debugfs counters of videobuf2-dmabuf
 *
 * Counters in debugfs, /sys/kernel/debug/v4l2-dmabuf/, one read-only file
 * each, printing a decimal u64:
 *  - exports: struct dma_buf objects created by get_dmabuf.
 *  - expbufs: get_dmabuf calls (VIDIOC_EXPBUF), reused dma_bufs included.
 *  - imports: dma-bufs taken on by a DMABUF plane (successful attach_dmabuf
 *    calls; queueing the same dma-buf again does not count).
 *  - attachments: importers attaching to dma_bufs we exported.
 *  - maps: dma_buf_map_attachment calls made for imported planes.
 *  - unmaps: the matching dma_buf_unmap_attachment calls.
 *  - cpu_syncs: begin_cpu_access and end_cpu_access calls on our exports
 *    (what DMA_BUF_IOCTL_SYNC reaches).
 *  - cpu_maps: userspace mappings of MMAP planes, through the video node
 *    or an exported dma-buf fd. The allocator itself never copies a frame,
 *    so this is where a CPU copy or pixel read would have to start: a
 *    zero-copy pipeline leaves it unchanged while it streams.
 *  - kernel_vmaps: kernel mappings of our exports taken by importers with
 *    dma_buf_vmap() (software "devices" such as vkms's composer).
 *  - live_buffers: MMAP planes whose pages are currently allocated.
 *  - live_dmabufs: exported struct dma_buf objects currently alive; a
 *    plane keeps those it exported alive until vb2 puts it.
 *  - fences_published, fences_signalled: our implicit fences (see the DOC:
 *    section "implicit fences" in include/media/videobuf2-dmabuf.h),
 *    fences_errored those signalled with an error, fences_timedout those
 *    signalled by the watchdog.
 *  - fences_pending: published minus signalled; 0 whenever no buffer is
 *    queued in a streaming driver.
 *  - in_fence_waits: buffers that had to wait for other users' fences;
 *    in_fence_timeouts: those failed because the wait took too long.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "videobuf2-dmabuf-priv.h"

struct vb2_dmabuf_stats vb2_dmabuf_stats;

static struct dentry *vb2_dmabuf_debugfs;

static int vb2_dmabuf_counter_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vb2_dmabuf_counter_fops, vb2_dmabuf_counter_get,
			 NULL, "%llu\n");

/* Published but not signalled yet: 0 whenever no buffer is in flight. */
static int vb2_dmabuf_fences_pending_get(void *data, u64 *val)
{
	*val = atomic64_read(&vb2_dmabuf_stats.fences_published) -
	       atomic64_read(&vb2_dmabuf_stats.fences_signalled);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vb2_dmabuf_fences_pending_fops,
			 vb2_dmabuf_fences_pending_get, NULL, "%llu\n");

static const struct {
	const char *name;
	atomic64_t *counter;
} vb2_dmabuf_counters[] = {
	{ "exports",		&vb2_dmabuf_stats.exports },
	{ "expbufs",		&vb2_dmabuf_stats.expbufs },
	{ "imports",		&vb2_dmabuf_stats.imports },
	{ "attachments",	&vb2_dmabuf_stats.attachments },
	{ "maps",		&vb2_dmabuf_stats.maps },
	{ "unmaps",		&vb2_dmabuf_stats.unmaps },
	{ "cpu_syncs",		&vb2_dmabuf_stats.cpu_syncs },
	{ "cpu_maps",		&vb2_dmabuf_stats.cpu_maps },
	{ "kernel_vmaps",	&vb2_dmabuf_stats.kernel_vmaps },
	{ "live_buffers",	&vb2_dmabuf_stats.live_buffers },
	{ "live_dmabufs",	&vb2_dmabuf_stats.live_dmabufs },
	{ "fences_published",	&vb2_dmabuf_stats.fences_published },
	{ "fences_signalled",	&vb2_dmabuf_stats.fences_signalled },
	{ "fences_errored",	&vb2_dmabuf_stats.fences_errored },
	{ "fences_timedout",	&vb2_dmabuf_stats.fences_timedout },
	{ "in_fence_waits",	&vb2_dmabuf_stats.in_fence_waits },
	{ "in_fence_timeouts",	&vb2_dmabuf_stats.in_fence_timeouts },
};

void __init vb2_dmabuf_debugfs_init(void)
{
	unsigned int i;

	/* debugfs is best effort: failures here must not stop the module. */
	vb2_dmabuf_debugfs = debugfs_create_dir("v4l2-dmabuf", NULL);
	for (i = 0; i < ARRAY_SIZE(vb2_dmabuf_counters); i++)
		debugfs_create_file_unsafe(vb2_dmabuf_counters[i].name, 0444,
					   vb2_dmabuf_debugfs,
					   vb2_dmabuf_counters[i].counter,
					   &vb2_dmabuf_counter_fops);
	debugfs_create_file_unsafe("fences_pending", 0444, vb2_dmabuf_debugfs,
				   NULL, &vb2_dmabuf_fences_pending_fops);
}

void __exit vb2_dmabuf_debugfs_exit(void)
{
	debugfs_remove_recursive(vb2_dmabuf_debugfs);
}
