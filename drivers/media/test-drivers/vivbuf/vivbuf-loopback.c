// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the loopback from an instance's output node to its capture node.
 *
 * While the output node streams, each frame it displays is copied into a
 * frame store that the driver owns, as a display controller's DMA engine
 * would read it; the capture node copies the latest stored frame into its
 * buffers instead of generating a test pattern, as long as both nodes use
 * the same format and size. Otherwise the capture input counts as
 * disconnected and shows its own test pattern.
 *
 * Why a copy rather than holding on to the output buffer: the output
 * buffer goes back to userspace at the end of its frame, and then its
 * memory (possibly another process's dma-buf) may be rewritten or freed at
 * any moment, so the capture side must never read it after that. Holding
 * the buffer until the next one is displayed would keep the newest frame
 * from ever completing, and tie the output's pace to the capture's. A
 * store owned by the driver decouples the two nodes' frame rates and
 * buffer lifetimes; its copies emulate DMA transfers, not a CPU copy of
 * the allocator's, which never copies frame data.
 */

#include <linux/errno.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <media/videobuf2-core.h>
#include <media/videobuf2-dmabuf.h>

#include "vivbuf-loopback.h"

/**
 * vivbuf_loopback_init() - set up an unconnected loopback
 * @loop: the loopback of an instance
 */
void vivbuf_loopback_init(struct vivbuf_loopback *loop)
{
	mutex_init(&loop->lock);
	memset(loop->planes, 0, sizeof(loop->planes));
	loop->valid = false;
}

/**
 * vivbuf_loopback_destroy() - free what the loopback holds
 * @loop: the loopback, no longer used by either node
 */
void vivbuf_loopback_destroy(struct vivbuf_loopback *loop)
{
	vivbuf_loopback_disconnect(loop);
	mutex_destroy(&loop->lock);
}

static void vivbuf_loopback_free_planes(void **planes)
{
	unsigned int p;

	for (p = 0; p < VIDEO_MAX_PLANES; p++) {
		vfree(planes[p]);
		planes[p] = NULL;
	}
}

/* Exchanges the store with @planes; the caller holds the lock */
static void vivbuf_loopback_swap_planes(struct vivbuf_loopback *loop,
					void **planes)
{
	unsigned int p;

	lockdep_assert_held(&loop->lock);
	for (p = 0; p < VIDEO_MAX_PLANES; p++)
		swap(loop->planes[p], planes[p]);
}

/**
 * vivbuf_loopback_connect() - the output starts streaming
 * @loop: the loopback of the instance
 * @fmt: the output's format, fixed while it streams
 *
 * Allocates the frame store for @fmt. Until the first frame is displayed,
 * the capture node keeps showing its test pattern.
 *
 * Return: 0 or -ENOMEM.
 */
int vivbuf_loopback_connect(struct vivbuf_loopback *loop,
			    const struct v4l2_pix_format_mplane *fmt)
{
	void *planes[VIDEO_MAX_PLANES] = {};
	unsigned int p;

	/* Allocated before taking the lock: it is held around copies only */
	for (p = 0; p < fmt->num_planes; p++) {
		planes[p] = vmalloc(fmt->plane_fmt[p].sizeimage);
		if (!planes[p]) {
			vivbuf_loopback_free_planes(planes);
			return -ENOMEM;
		}
	}

	mutex_lock(&loop->lock);
	vivbuf_loopback_swap_planes(loop, planes);
	loop->fmt = *fmt;
	loop->valid = false;
	mutex_unlock(&loop->lock);

	/* A store left over from an earlier connection, if any */
	vivbuf_loopback_free_planes(planes);
	return 0;
}

/**
 * vivbuf_loopback_disconnect() - the output stops streaming
 * @loop: the loopback of the instance
 *
 * From the next captured frame on, the capture node shows its test pattern.
 */
void vivbuf_loopback_disconnect(struct vivbuf_loopback *loop)
{
	void *planes[VIDEO_MAX_PLANES] = {};

	mutex_lock(&loop->lock);
	vivbuf_loopback_swap_planes(loop, planes);
	loop->valid = false;
	mutex_unlock(&loop->lock);

	vivbuf_loopback_free_planes(planes);
}

/**
 * vivbuf_loopback_display() - store a frame the output displays
 * @loop: the loopback, connected with the output buffer's format
 * @vb: an output buffer the driver owns, payload checked by buf_prepare
 *
 * Reads the frame from @vb, starting at each plane's data_offset, into the
 * frame store. @vb is not accessed after this returns.
 *
 * Return: 0, or -EFAULT if a plane has no kernel mapping.
 */
int vivbuf_loopback_display(struct vivbuf_loopback *loop,
			    struct vb2_buffer *vb)
{
	void *vaddr[VIDEO_MAX_PLANES];
	unsigned int p;

	for (p = 0; p < vb->num_planes; p++) {
		vaddr[p] = vb2_dmabuf_plane_device_vaddr(vb, p);
		if (!vaddr[p])
			return -EFAULT;
	}

	mutex_lock(&loop->lock);
	/* Connected: the store has every plane of the output's format */
	if (loop->planes[0] && loop->fmt.num_planes == vb->num_planes) {
		for (p = 0; p < loop->fmt.num_planes; p++)
			memcpy(loop->planes[p],
			       vaddr[p] + vb->planes[p].data_offset,
			       loop->fmt.plane_fmt[p].sizeimage);
		loop->valid = true;
	}
	mutex_unlock(&loop->lock);
	return 0;
}

/* Same pixels in the same memory layout */
static bool vivbuf_loopback_fmt_match(const struct v4l2_pix_format_mplane *a,
				      const struct v4l2_pix_format_mplane *b)
{
	unsigned int p;

	if (a->pixelformat != b->pixelformat || a->width != b->width ||
	    a->height != b->height || a->num_planes != b->num_planes)
		return false;
	for (p = 0; p < a->num_planes; p++)
		if (a->plane_fmt[p].sizeimage != b->plane_fmt[p].sizeimage ||
		    a->plane_fmt[p].bytesperline != b->plane_fmt[p].bytesperline)
			return false;
	return true;
}

/**
 * vivbuf_loopback_capture() - fill a capture buffer from the output
 * @loop: the loopback of the instance
 * @fmt: the capture node's format, fixed while it streams
 * @vb: a capture buffer the driver owns, at least @fmt's size per plane
 *
 * Return: 0 if @vb now holds the last displayed frame; -ENODATA if there
 * is none in @fmt (the output is not streaming, has not displayed a frame
 * yet or uses another format), so that the caller generates its own;
 * -EFAULT if a plane has no kernel mapping.
 */
int vivbuf_loopback_capture(struct vivbuf_loopback *loop,
			    const struct v4l2_pix_format_mplane *fmt,
			    struct vb2_buffer *vb)
{
	void *vaddr[VIDEO_MAX_PLANES];
	unsigned int p;
	int ret = 0;

	for (p = 0; p < vb->num_planes; p++) {
		vaddr[p] = vb2_dmabuf_plane_device_vaddr(vb, p);
		if (!vaddr[p])
			return -EFAULT;
	}

	mutex_lock(&loop->lock);
	if (!loop->valid || !vivbuf_loopback_fmt_match(&loop->fmt, fmt) ||
	    fmt->num_planes != vb->num_planes) {
		ret = -ENODATA;
	} else {
		for (p = 0; p < fmt->num_planes; p++)
			memcpy(vaddr[p], loop->planes[p],
			       fmt->plane_fmt[p].sizeimage);
	}
	mutex_unlock(&loop->lock);
	return ret;
}
