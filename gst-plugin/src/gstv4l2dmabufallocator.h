/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: the dma-buf allocator behind every frame the element wraps,
 * a GstDmaBufAllocator that counts CPU mappings of its memory. A copy or a
 * pixel read has to map a frame first, so the count is what the element's
 * `copies` statistic reports: 0 proves no one looked at the pixels.
 */
#ifndef __GST_V4L2_DMABUF_ALLOCATOR_H__
#define __GST_V4L2_DMABUF_ALLOCATOR_H__

#include <gst/gst.h>
#include <gst/allocators/allocators.h>

G_BEGIN_DECLS

#define GST_TYPE_V4L2_DMABUF_ALLOCATOR (gst_v4l2_dmabuf_allocator_get_type ())
G_DECLARE_FINAL_TYPE (GstV4l2DmabufAllocator, gst_v4l2_dmabuf_allocator, GST,
    V4L2_DMABUF_ALLOCATOR, GstDmaBufAllocator);

GstAllocator *gst_v4l2_dmabuf_allocator_new (void);

guint64 gst_v4l2_dmabuf_allocator_get_cpu_maps (GstAllocator * allocator);

void gst_v4l2_dmabuf_allocator_reset_cpu_maps (GstAllocator * allocator);

G_END_DECLS

#endif /* __GST_V4L2_DMABUF_ALLOCATOR_H__ */
