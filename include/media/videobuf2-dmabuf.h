/* SPDX-License-Identifier: GPL-2.0 */
/*
 * videobuf2-dmabuf.h - page-backed videobuf2 allocator with dma-buf sharing
 *
 * Drivers set &vb2_queue.mem_ops to &vb2_dmabuf_memops to get MMAP buffers
 * (exportable with VIDIOC_EXPBUF, one &struct dma_buf per plane) and DMABUF
 * import. vb2_plane_vaddr() works for both; vb2_dmabuf_plane_sgt() gives the
 * device-mapped scatter-gather table of a plane.
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

#endif /* _MEDIA_VIDEOBUF2_DMABUF_H */
