/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: format mapping.
 *
 * V4L2 and GStreamer name pixel formats differently; the table below is the
 * only place that knows both. DRM fourccs come from GStreamer's video library
 * (gst_video_dma_drm_fourcc_from_format(), 1.24 and newer), so the three
 * namings stay consistent with what kmssink and other DMA_DRM peers expect.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstv4l2dmabufformat.h"

#include <gst/allocators/allocators.h>
#include <linux/videodev2.h>
#include <string.h>

#define RAW "video/x-raw"
#define JPEG "image/jpeg"

static const GstV4l2DmabufFormat formats[] = {
  /* packed YUV */
  {V4L2_PIX_FMT_YUYV, GST_VIDEO_FORMAT_YUY2, RAW, 1},
  {V4L2_PIX_FMT_UYVY, GST_VIDEO_FORMAT_UYVY, RAW, 1},
  {V4L2_PIX_FMT_YVYU, GST_VIDEO_FORMAT_YVYU, RAW, 1},
  {V4L2_PIX_FMT_VYUY, GST_VIDEO_FORMAT_VYUY, RAW, 1},
  /* semi-planar and planar YUV in one buffer */
  {V4L2_PIX_FMT_NV12, GST_VIDEO_FORMAT_NV12, RAW, 1},
  {V4L2_PIX_FMT_NV21, GST_VIDEO_FORMAT_NV21, RAW, 1},
  {V4L2_PIX_FMT_NV16, GST_VIDEO_FORMAT_NV16, RAW, 1},
  {V4L2_PIX_FMT_NV61, GST_VIDEO_FORMAT_NV61, RAW, 1},
  {V4L2_PIX_FMT_NV24, GST_VIDEO_FORMAT_NV24, RAW, 1},
  {V4L2_PIX_FMT_YUV420, GST_VIDEO_FORMAT_I420, RAW, 1},
  {V4L2_PIX_FMT_YVU420, GST_VIDEO_FORMAT_YV12, RAW, 1},
  {V4L2_PIX_FMT_YUV422P, GST_VIDEO_FORMAT_Y42B, RAW, 1},
  /* one buffer per plane */
  {V4L2_PIX_FMT_NV12M, GST_VIDEO_FORMAT_NV12, RAW, 2},
  {V4L2_PIX_FMT_NV21M, GST_VIDEO_FORMAT_NV21, RAW, 2},
  {V4L2_PIX_FMT_NV16M, GST_VIDEO_FORMAT_NV16, RAW, 2},
  {V4L2_PIX_FMT_NV61M, GST_VIDEO_FORMAT_NV61, RAW, 2},
  {V4L2_PIX_FMT_YUV420M, GST_VIDEO_FORMAT_I420, RAW, 3},
  {V4L2_PIX_FMT_YVU420M, GST_VIDEO_FORMAT_YV12, RAW, 3},
  /* grey */
  {V4L2_PIX_FMT_GREY, GST_VIDEO_FORMAT_GRAY8, RAW, 1},
  {V4L2_PIX_FMT_Y16, GST_VIDEO_FORMAT_GRAY16_LE, RAW, 1},
  /* RGB; V4L2's names say the component order of a 32-bit word, GStreamer's
   * the byte order in memory */
  {V4L2_PIX_FMT_RGB565, GST_VIDEO_FORMAT_RGB16, RAW, 1},
  {V4L2_PIX_FMT_RGB24, GST_VIDEO_FORMAT_RGB, RAW, 1},
  {V4L2_PIX_FMT_BGR24, GST_VIDEO_FORMAT_BGR, RAW, 1},
  {V4L2_PIX_FMT_XBGR32, GST_VIDEO_FORMAT_BGRx, RAW, 1},
  {V4L2_PIX_FMT_ABGR32, GST_VIDEO_FORMAT_BGRA, RAW, 1},
  {V4L2_PIX_FMT_XRGB32, GST_VIDEO_FORMAT_xRGB, RAW, 1},
  {V4L2_PIX_FMT_ARGB32, GST_VIDEO_FORMAT_ARGB, RAW, 1},
  {V4L2_PIX_FMT_RGBX32, GST_VIDEO_FORMAT_RGBx, RAW, 1},
  {V4L2_PIX_FMT_RGBA32, GST_VIDEO_FORMAT_RGBA, RAW, 1},
  {V4L2_PIX_FMT_BGRX32, GST_VIDEO_FORMAT_xBGR, RAW, 1},
  {V4L2_PIX_FMT_BGRA32, GST_VIDEO_FORMAT_ABGR, RAW, 1},
  /* compressed frames still travel as dma-bufs, sized by bytesused */
  {V4L2_PIX_FMT_MJPEG, GST_VIDEO_FORMAT_UNKNOWN, JPEG, 1},
  {V4L2_PIX_FMT_JPEG, GST_VIDEO_FORMAT_UNKNOWN, JPEG, 1},
};

const GstV4l2DmabufFormat *
gst_v4l2_dmabuf_format_from_v4l2 (guint32 fourcc)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    if (formats[i].v4l2_fourcc == fourcc)
      return &formats[i];
  }
  return NULL;
}

gboolean
gst_v4l2_dmabuf_format_is_raw (const GstV4l2DmabufFormat * format)
{
  return format->gst_format != GST_VIDEO_FORMAT_UNKNOWN;
}

/* The DRM fourcc of a raw format, 0 if DRM has none (or GStreamer is too old
 * to tell). */
guint32
gst_v4l2_dmabuf_format_drm_fourcc (const GstV4l2DmabufFormat * format)
{
#if GST_CHECK_VERSION(1,24,0)
  if (gst_v4l2_dmabuf_format_is_raw (format))
    return gst_video_dma_drm_fourcc_from_format (format->gst_format);
#endif
  return 0;
}

/* Caps for one V4L2 format with the given width, height and framerate
 * fields, best first: dma-buf caps (DMA_DRM on GStreamer >= 1.24, the
 * pre-1.24 DMABuf feature with a plain format otherwise), then plain
 * video/x-raw, which still carries dma-buf memory for peers that do not
 * speak the DMABuf caps feature. */
GstCaps *
gst_v4l2_dmabuf_format_caps_for (const GstV4l2DmabufFormat * format,
    const GstStructure * size_and_rate)
{
  GstCaps *caps = gst_caps_new_empty ();
  GstStructure *plain;

  plain = gst_structure_copy (size_and_rate);
  gst_structure_set_name (plain, format->media_type);

  if (gst_v4l2_dmabuf_format_is_raw (format)) {
    GstStructure *dmabuf = gst_structure_copy (plain);
#if GST_CHECK_VERSION(1,24,0)
    guint32 drm_fourcc = gst_v4l2_dmabuf_format_drm_fourcc (format);

    if (drm_fourcc) {
      gchar *drm_format = gst_video_dma_drm_fourcc_to_string (drm_fourcc,
          DRM_FORMAT_MOD_LINEAR);

      gst_structure_set (dmabuf, "format", G_TYPE_STRING, "DMA_DRM",
          "drm-format", G_TYPE_STRING, drm_format, NULL);
      g_free (drm_format);
      gst_caps_append_structure_full (caps, dmabuf,
          gst_caps_features_new_single (GST_CAPS_FEATURE_MEMORY_DMABUF));
    } else {
      gst_structure_free (dmabuf);
    }
#else
    gst_structure_set (dmabuf, "format", G_TYPE_STRING,
        gst_video_format_to_string (format->gst_format), NULL);
    gst_caps_append_structure_full (caps, dmabuf,
        gst_caps_features_new (GST_CAPS_FEATURE_MEMORY_DMABUF, NULL));
#endif
    gst_structure_set (plain, "format", G_TYPE_STRING,
        gst_video_format_to_string (format->gst_format), NULL);
  } else {
    gst_structure_set (plain, "parsed", G_TYPE_BOOLEAN, TRUE, NULL);
  }
  gst_caps_append_structure (caps, plain);
  return caps;
}

/* Plane strides and offsets as V4L2 defines them: the driver's bytesperline
 * for the first plane of each buffer, the other planes of a single-buffer
 * format follow it with strides derived from it (V4L2 gives only one), and
 * the planes of an "M" format each sit at the start of their own buffer. */
gboolean
gst_v4l2_dmabuf_format_video_info (const GstV4l2DmabufFormat * format,
    const GstV4l2DmabufLayout * layout, GstVideoInfo * info)
{
  const GstVideoFormatInfo *finfo;
  guint i, n_planes;
  gsize offset = 0;

  if (!gst_v4l2_dmabuf_format_is_raw (format))
    return FALSE;
  if (!gst_video_info_set_format (info, format->gst_format, layout->width,
          layout->height))
    return FALSE;

  finfo = info->finfo;
  n_planes = GST_VIDEO_INFO_N_PLANES (info);

  if (layout->n_memories > 1) {
    if (layout->n_memories != n_planes)
      return FALSE;
    for (i = 0; i < n_planes; i++) {
      info->stride[i] = layout->bytesperline[i];
      info->offset[i] = offset;
      offset += layout->sizeimage[i];
    }
    info->size = offset;
    return TRUE;
  }

  for (i = 0; i < n_planes; i++) {
    guint pstride0 = GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0);
    guint pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, i);

    if (i == 0)
      info->stride[0] = layout->bytesperline[0];
    else
      info->stride[i] = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (finfo, i,
          layout->bytesperline[0] / pstride0) * pstride;
    info->offset[i] = offset;
    offset += (gsize) info->stride[i] *
        GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (finfo, i, layout->height);
  }
  if (offset > layout->sizeimage[0])
    return FALSE;
  info->size = layout->sizeimage[0];
  return TRUE;
}

gboolean
gst_v4l2_dmabuf_caps_is_dma_drm (const GstCaps * caps)
{
#if GST_CHECK_VERSION(1,24,0)
  return gst_video_is_dma_drm_caps (caps);
#else
  return FALSE;
#endif
}

/* What negotiated (fixed) caps ask for, whichever of the three caps flavours
 * they use. */
gboolean
gst_v4l2_dmabuf_caps_to_video_format (const GstCaps * caps,
    GstVideoFormat * format, const gchar ** media_type, guint * width,
    guint * height, gint * fps_n, gint * fps_d)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gint w, h;

  *format = GST_VIDEO_FORMAT_UNKNOWN;
  *media_type = gst_structure_has_name (s, JPEG) ? JPEG : RAW;
  if (!gst_structure_get_int (s, "width", &w) ||
      !gst_structure_get_int (s, "height", &h) || w <= 0 || h <= 0)
    return FALSE;
  *width = w;
  *height = h;
  if (!gst_structure_get_fraction (s, "framerate", fps_n, fps_d)) {
    *fps_n = 0;
    *fps_d = 1;
  }
  if (!strcmp (*media_type, JPEG))
    return TRUE;

#if GST_CHECK_VERSION(1,24,0)
  if (gst_video_is_dma_drm_caps (caps)) {
    GstVideoInfoDmaDrm drm_info;

    if (!gst_video_info_dma_drm_from_caps (&drm_info, caps) ||
        drm_info.drm_modifier != DRM_FORMAT_MOD_LINEAR)
      return FALSE;
    *format = gst_video_dma_drm_fourcc_to_format (drm_info.drm_fourcc);
    return *format != GST_VIDEO_FORMAT_UNKNOWN;
  }
#endif
  *format = gst_video_format_from_string (gst_structure_get_string (s,
          "format"));
  return *format != GST_VIDEO_FORMAT_UNKNOWN;
}
