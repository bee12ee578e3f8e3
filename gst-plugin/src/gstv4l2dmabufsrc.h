/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabufsrc: captures from a V4L2 device and pushes its frames as
 * dma-bufs, never mapping or copying one.
 */
#ifndef __GST_V4L2_DMABUF_SRC_H__
#define __GST_V4L2_DMABUF_SRC_H__

#include <gst/gst.h>
#include <gst/base/gstpushsrc.h>
#include <gst/video/video.h>

#include "gstv4l2dmabufdevice.h"
#include "gstv4l2dmabufpool.h"

G_BEGIN_DECLS

typedef enum
{
  GST_V4L2_DMABUF_IO_MODE_EXPORT,
  GST_V4L2_DMABUF_IO_MODE_IMPORT,
} GstV4l2DmabufIoMode;

#define GST_TYPE_V4L2_DMABUF_IO_MODE (gst_v4l2_dmabuf_io_mode_get_type ())
GType gst_v4l2_dmabuf_io_mode_get_type (void);

#define GST_TYPE_V4L2_DMABUF_SRC (gst_v4l2_dmabuf_src_get_type ())
G_DECLARE_FINAL_TYPE (GstV4l2DmabufSrc, gst_v4l2_dmabuf_src, GST,
    V4L2_DMABUF_SRC, GstPushSrc);

struct _GstV4l2DmabufSrc
{
  GstPushSrc parent;

  /* properties */
  gchar *device_path;
  GstV4l2DmabufIoMode io_mode;

  /* while started */
  GstV4l2DmabufDevice *device;
  GstV4l2DmabufPool *pool;      /* under the object lock */
  GstAllocator *allocator;      /* for the element's lifetime: counts maps */
  GstCaps *pool_caps;           /* what it was made for, same lock */
  const GstV4l2DmabufFormat *format;
  GstV4l2DmabufLayout layout;
  GstVideoInfo info;
  GstClockTime frame_duration;
  guint32 last_sequence;
  gboolean have_sequence;
  guint errors_in_a_row;
  GstClockTime dequeued_at;     /* monotonic ns of the last DQBUF */

  /* statistics, under the object lock */
  guint64 frames;
  guint64 drops;
  guint64 error_buffers;
  guint64 latency_total;
  GstClockTime latency_max;
};

GST_ELEMENT_REGISTER_DECLARE (v4l2dmabufsrc);

G_END_DECLS

#endif /* __GST_V4L2_DMABUF_SRC_H__ */
