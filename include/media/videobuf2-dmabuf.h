/* SPDX-License-Identifier: GPL-2.0 */
/*
 * videobuf2-dmabuf.h - page-backed videobuf2 allocator with dma-buf sharing
 *
 * Drivers set &vb2_queue.mem_ops to &vb2_dmabuf_memops to get MMAP buffers
 * (exportable with VIDIOC_EXPBUF, one &struct dma_buf per plane) and DMABUF
 * import. vb2_plane_vaddr() works for both; vb2_dmabuf_plane_sgt() gives the
 * device-mapped scatter-gather table of a plane. While the driver owns a
 * buffer, its planes' reservation objects carry a fence of ours (implicit
 * sync), see vb2_dmabuf_buf_queued().
 */

#ifndef _MEDIA_VIDEOBUF2_DMABUF_H
#define _MEDIA_VIDEOBUF2_DMABUF_H

#include <media/videobuf2-core.h>

struct sg_table;

/*
 * The memory operations; see the DOC: section in videobuf2-dmabuf.c.
 * USERPTR is not supported.
 */
extern const struct vb2_mem_ops vb2_dmabuf_memops;

struct sg_table *vb2_dmabuf_plane_sgt(struct vb2_buffer *vb,
				      unsigned int plane_no);

/*
 * Implicit fences, see the DOC: section in videobuf2-dmabuf.c. A driver
 * calls vb2_dmabuf_buf_queued() in buf_queue, checks vb2_dmabuf_buf_ready()
 * before the device accesses the buffer and completes it with
 * vb2_dmabuf_buffer_done() instead of vb2_buffer_done().
 */
void vb2_dmabuf_buf_queued(struct vb2_buffer *vb, u64 frame_interval_ns);
int vb2_dmabuf_buf_ready(struct vb2_buffer *vb);
void vb2_dmabuf_buffer_done(struct vb2_buffer *vb,
			    enum vb2_buffer_state state);

/* For drivers whose device is the CPU, see videobuf2-dmabuf.c */
void *vb2_dmabuf_plane_device_vaddr(struct vb2_buffer *vb,
				    unsigned int plane_no);

#endif /* _MEDIA_VIDEOBUF2_DMABUF_H */
