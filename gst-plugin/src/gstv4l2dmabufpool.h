/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: a buffer pool whose buffers are V4L2 buffers.
 *
 * Every GstBuffer of the pool is bound to one V4L2 index for the pool's
 * whole life and holds that index's dma-buf(s) as GstDmaBufAllocator
 * memory: exported once with VIDIOC_EXPBUF (io-mode=export), or imported
 * (io-mode=import, see gstv4l2dmabufimport.h) and queued with the same fds
 * every time. Acquiring a buffer dequeues a filled one (VIDIOC_DQBUF); when
 * downstream drops its last reference, the buffer goes straight back to the
 * driver (VIDIOC_QBUF). No frame is ever mapped or copied.
 */
#ifndef __GST_V4L2_DMABUF_POOL_H__
#define __GST_V4L2_DMABUF_POOL_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include "gstv4l2dmabufdevice.h"

G_BEGIN_DECLS

#define GST_TYPE_V4L2_DMABUF_POOL (gst_v4l2_dmabuf_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstV4l2DmabufPool, gst_v4l2_dmabuf_pool, GST,
    V4L2_DMABUF_POOL, GstBufferPool);

/* What gst_buffer_pool_acquire_buffer() takes and fills for this pool. */
typedef struct
{
  GstBufferPoolAcquireParams parent;
  GstV4l2DmabufFrame frame;     /* out: the dequeued frame */
  GError *error;                /* out: why GST_FLOW_ERROR */
} GstV4l2DmabufAcquireParams;

GstV4l2DmabufPool *gst_v4l2_dmabuf_pool_new (GstV4l2DmabufDevice * device,
    gboolean import, GstCaps * caps, const GstVideoInfo * info,
    const GstV4l2DmabufLayout * layout, guint count,
    GstBufferPool * downstream, GstClockTime stall_timeout,
    GstAllocator * allocator);

GError *gst_v4l2_dmabuf_pool_take_error (GstV4l2DmabufPool * pool);

guint gst_v4l2_dmabuf_pool_get_count (GstV4l2DmabufPool * pool);

const gchar *gst_v4l2_dmabuf_pool_describe (GstV4l2DmabufPool * pool);

void gst_v4l2_dmabuf_pool_orphan (GstV4l2DmabufPool * pool);

G_END_DECLS

#endif /* __GST_V4L2_DMABUF_POOL_H__ */
