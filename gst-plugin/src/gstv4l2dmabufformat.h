/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: format mapping between V4L2 pixel formats, GStreamer video
 * formats and (through GStreamer's video library) DRM fourccs.
 */
#ifndef __GST_V4L2_DMABUF_FORMAT_H__
#define __GST_V4L2_DMABUF_FORMAT_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_V4L2_DMABUF_MAX_PLANES 4

/* drm_fourcc.h's value; spelled out so the plugin does not need libdrm. */
#ifndef DRM_FORMAT_MOD_LINEAR
#define DRM_FORMAT_MOD_LINEAR 0ULL
#endif

/* How a V4L2 pixel format is described on the GStreamer side. */
typedef struct
{
  guint32 v4l2_fourcc;
  GstVideoFormat gst_format;    /* UNKNOWN for compressed formats */
  const gchar *media_type;      /* "video/x-raw" or "image/jpeg" */
  guint n_memories;             /* V4L2 planes, one dma-buf each ("M" formats) */
} GstV4l2DmabufFormat;

/* The memory layout the driver chose (VIDIOC_S_FMT's answer). */
typedef struct
{
  guint32 v4l2_fourcc;
  guint width;
  guint height;
  guint n_memories;
  guint32 bytesperline[GST_V4L2_DMABUF_MAX_PLANES];
  guint32 sizeimage[GST_V4L2_DMABUF_MAX_PLANES];
} GstV4l2DmabufLayout;

const GstV4l2DmabufFormat *gst_v4l2_dmabuf_format_from_v4l2 (guint32 fourcc);

gboolean gst_v4l2_dmabuf_format_is_raw (const GstV4l2DmabufFormat * format);

guint32 gst_v4l2_dmabuf_format_drm_fourcc (const GstV4l2DmabufFormat * format);

GstCaps *gst_v4l2_dmabuf_format_caps_for (const GstV4l2DmabufFormat * format,
    const GstStructure * size_and_rate);

gboolean gst_v4l2_dmabuf_format_video_info (const GstV4l2DmabufFormat * format,
    const GstV4l2DmabufLayout * layout, GstVideoInfo * info);

gboolean gst_v4l2_dmabuf_caps_is_dma_drm (const GstCaps * caps);

gboolean gst_v4l2_dmabuf_caps_to_video_format (const GstCaps * caps,
    GstVideoFormat * format, const gchar ** media_type, guint * width,
    guint * height, gint * fps_n, gint * fps_d);

G_END_DECLS

#endif /* __GST_V4L2_DMABUF_FORMAT_H__ */
