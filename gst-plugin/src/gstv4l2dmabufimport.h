/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: where io-mode=import gets its dma-bufs. Either downstream's
 * buffer pool (kmssink offers dumb buffers it exports), whose buffers are
 * taken once and kept for the whole session, or dma-bufs allocated here from
 * a dma-heap (or udmabuf when there is no heap). Either way each V4L2 index
 * gets its own dma-bufs for good.
 */
#ifndef __GST_V4L2_DMABUF_IMPORT_H__
#define __GST_V4L2_DMABUF_IMPORT_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include "gstv4l2dmabufformat.h"

G_BEGIN_DECLS

typedef struct _GstV4l2DmabufImporter GstV4l2DmabufImporter;

GstV4l2DmabufImporter *gst_v4l2_dmabuf_importer_new_from_pool
    (GstBufferPool * pool, GstCaps * caps, const GstVideoInfo * info,
    const GstV4l2DmabufLayout * layout, guint count, GError ** error);

GstV4l2DmabufImporter *gst_v4l2_dmabuf_importer_new_allocated
    (const GstV4l2DmabufLayout * layout, guint count, GstAllocator * allocator,
    GError ** error);

void gst_v4l2_dmabuf_importer_take_memories (GstV4l2DmabufImporter * imp,
    guint index, GstMemory ** memories);

const gchar *gst_v4l2_dmabuf_importer_describe (GstV4l2DmabufImporter * imp);

void gst_v4l2_dmabuf_importer_free (GstV4l2DmabufImporter * imp);

G_END_DECLS

#endif /* __GST_V4L2_DMABUF_IMPORT_H__ */
