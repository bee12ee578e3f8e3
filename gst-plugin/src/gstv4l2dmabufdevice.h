/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: a thin, reference-counted wrapper around one V4L2 capture
 * device node. Every failure comes back as a GError in the
 * GST_RESOURCE_ERROR domain whose message names the ioctl and the errno, so
 * the element can post it as is.
 */
#ifndef __GST_V4L2_DMABUF_DEVICE_H__
#define __GST_V4L2_DMABUF_DEVICE_H__

#include <gst/gst.h>
#include "gstv4l2dmabufformat.h"

G_BEGIN_DECLS

typedef struct _GstV4l2DmabufDevice GstV4l2DmabufDevice;

struct _GstV4l2DmabufDevice
{
  gchar *path;
  gint fd;
  gchar *card;
  gchar *driver;
  guint32 buf_type;             /* V4L2_BUF_TYPE_VIDEO_CAPTURE(_MPLANE) */
  gboolean mplane;
  gboolean can_set_frame_rate;

  /* The driver's format when we opened it: what fixation aims for. */
  guint current_width;
  guint current_height;
  gint current_fps_n;
  gint current_fps_d;

  GstCaps *caps;                /* everything it can capture, best first */
  GArray *v4l2_formats;         /* guint32 fourccs in enumeration order */
};

/* One dequeued buffer, as the driver describes it. */
typedef struct
{
  guint index;
  guint32 flags;
  guint32 sequence;
  GstClockTime timestamp;       /* CLOCK_MONOTONIC, or NONE */
  guint32 bytesused[GST_V4L2_DMABUF_MAX_PLANES];
} GstV4l2DmabufFrame;

GstV4l2DmabufDevice *gst_v4l2_dmabuf_device_open (const gchar * path,
    GError ** error);

GstV4l2DmabufDevice *gst_v4l2_dmabuf_device_ref (GstV4l2DmabufDevice * dev);

void gst_v4l2_dmabuf_device_unref (GstV4l2DmabufDevice * dev);

const GstV4l2DmabufFormat *gst_v4l2_dmabuf_device_find_format
    (GstV4l2DmabufDevice * dev, GstVideoFormat format,
    const gchar * media_type);

gboolean gst_v4l2_dmabuf_device_set_format (GstV4l2DmabufDevice * dev,
    guint32 fourcc, guint width, guint height, GstV4l2DmabufLayout * layout,
    GError ** error);

gboolean gst_v4l2_dmabuf_device_set_frame_rate (GstV4l2DmabufDevice * dev,
    gint fps_n, gint fps_d, gint * got_n, gint * got_d);

gboolean gst_v4l2_dmabuf_device_request_buffers (GstV4l2DmabufDevice * dev,
    guint32 memory, guint count, guint * got, GError ** error);

gboolean gst_v4l2_dmabuf_device_query_lengths (GstV4l2DmabufDevice * dev,
    guint index, guint n_planes, guint32 * lengths, GError ** error);

gint gst_v4l2_dmabuf_device_export (GstV4l2DmabufDevice * dev, guint index,
    guint plane, GError ** error);

gboolean gst_v4l2_dmabuf_device_queue (GstV4l2DmabufDevice * dev,
    guint index, guint32 memory, guint n_planes, const gint * fds,
    const guint32 * lengths, GError ** error);

gint gst_v4l2_dmabuf_device_dequeue (GstV4l2DmabufDevice * dev,
    guint32 memory, guint n_planes, GstV4l2DmabufFrame * frame,
    GError ** error);

gboolean gst_v4l2_dmabuf_device_stream (GstV4l2DmabufDevice * dev,
    gboolean on, GError ** error);

G_END_DECLS

#endif /* __GST_V4L2_DMABUF_DEVICE_H__ */
