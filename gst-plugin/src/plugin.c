/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: the GStreamer element that moves V4L2 frames as dma-bufs.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstv4l2dmabufsrc.h"

GST_DEBUG_CATEGORY (gst_v4l2_dmabuf_debug);

static gboolean
plugin_init (GstPlugin * plugin)
{
  GST_DEBUG_CATEGORY_INIT (gst_v4l2_dmabuf_debug, "v4l2dmabuf", 0,
      "V4L2 dma-buf source");

  return GST_ELEMENT_REGISTER (v4l2dmabufsrc, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, v4l2dmabuf,
    "V4L2 capture with zero-copy dma-buf sharing", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
