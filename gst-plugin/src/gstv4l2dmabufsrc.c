/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-v4l2dmabufsrc
 * @title: v4l2dmabufsrc
 *
 * Captures from a V4L2 video capture device (vivbuf, vivid, uvcvideo, ...)
 * and pushes its frames downstream as dma-bufs: the CPU never maps or
 * copies a frame.
 *
 * With io-mode=export (the default) the driver allocates the buffers; each
 * one is exported once (VIDIOC_EXPBUF), wrapped as dma-buf memory and goes
 * back to the driver as soon as downstream drops it. With io-mode=import
 * the buffers come from downstream's pool when it offers dma-bufs (kmssink
 * does), from a dma-heap otherwise, and are queued with V4L2_MEMORY_DMABUF,
 * each dma-buf always at the same V4L2 index.
 *
 * Caps: `video/x-raw(memory:DMABuf), format=DMA_DRM` (GStreamer 1.24 and
 * newer) is preferred, plain `video/x-raw` (still carrying dma-buf memory)
 * works with any peer, `image/jpeg` for cameras that compress.
 *
 * The read-only `stats` property, also posted as a `v4l2dmabufsrc-stats`
 * element message at EOS and when stopping, counts frames, drops, copies
 * (CPU mappings of the frames' memory, by anyone: each copy or pixel read
 * needs one, so 0 means nothing touched a pixel) and the time from
 * VIDIOC_DQBUF to the push. Frames imported from downstream's own buffers
 * are downstream's memory and not counted here.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2dmabufsrc device=/dev/video0 ! kmssink driver-name=vkms
 * gst-launch-1.0 v4l2dmabufsrc io-mode=import ! \
 *     video/x-raw,format=BGRx,width=1280,height=720 ! \
 *     kmssink driver-name=vkms force-modesetting=true
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstv4l2dmabufsrc.h"
#include "gstv4l2dmabufallocator.h"

#include <linux/videodev2.h>

GST_DEBUG_CATEGORY_EXTERN (gst_v4l2_dmabuf_debug);
#define GST_CAT_DEFAULT gst_v4l2_dmabuf_debug

#define DEFAULT_DEVICE "/dev/video0"
#define DEFAULT_IO_MODE GST_V4L2_DMABUF_IO_MODE_EXPORT
/* Two buffers for the driver to fill on top of what downstream holds
 * (kmssink keeps the one on screen and the one it flips to). */
#define MIN_DRIVER_BUFFERS 2
#define MIN_BUFFERS 4
#define MAX_BUFFERS VIDEO_MAX_FRAME
/* Error buffers in a row that end the stream. */
#define MAX_ERRORS_IN_A_ROW 8
#define MIN_STALL_TIMEOUT (10 * GST_SECOND)

enum
{
  PROP_0,
  PROP_DEVICE,
  PROP_IO_MODE,
  PROP_STATS,
};

#if GST_CHECK_VERSION(1,24,0)
#define DMABUF_TEMPLATE_CAPS "video/x-raw(memory:DMABuf), format=DMA_DRM; "
#else
#define DMABUF_TEMPLATE_CAPS "video/x-raw(memory:DMABuf); "
#endif

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (DMABUF_TEMPLATE_CAPS "video/x-raw; image/jpeg"));

#define gst_v4l2_dmabuf_src_parent_class parent_class
G_DEFINE_TYPE (GstV4l2DmabufSrc, gst_v4l2_dmabuf_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (v4l2dmabufsrc, "v4l2dmabufsrc", GST_RANK_NONE,
    GST_TYPE_V4L2_DMABUF_SRC);

GType
gst_v4l2_dmabuf_io_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_V4L2_DMABUF_IO_MODE_EXPORT,
          "Driver-allocated buffers exported as dma-bufs (VIDIOC_EXPBUF)",
        "export"},
    {GST_V4L2_DMABUF_IO_MODE_IMPORT,
        "Dma-bufs from downstream's pool or a dma-heap, queued with "
          "V4L2_MEMORY_DMABUF", "import"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstV4l2DmabufIoMode", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

/* Posts @error (a GError from the device or the pool) as an element error. */
static void
post_error (GstV4l2DmabufSrc * self, GError * error, const gchar * debug)
{
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
      error->domain, error->code, g_strdup (error->message),
      debug ? g_strdup (debug) : NULL, __FILE__, GST_FUNCTION, __LINE__);
}

static GstStructure *
make_stats (GstV4l2DmabufSrc * self)
{
  GstStructure *s;
  const gchar *memory = "none";
  guint buffers = 0;

  GST_OBJECT_LOCK (self);
  if (self->pool) {
    memory = gst_v4l2_dmabuf_pool_describe (self->pool);
    buffers = gst_v4l2_dmabuf_pool_get_count (self->pool);
  }
  s = gst_structure_new ("v4l2dmabufsrc-stats",
      "frames", G_TYPE_UINT64, self->frames,
      "drops", G_TYPE_UINT64, self->drops,
      "copies", G_TYPE_UINT64,
      gst_v4l2_dmabuf_allocator_get_cpu_maps (self->allocator),
      "error-buffers", G_TYPE_UINT64, self->error_buffers,
      "latency-mean-us", G_TYPE_UINT64, self->frames ?
      self->latency_total / self->frames / GST_USECOND : (guint64) 0,
      "latency-max-us", G_TYPE_UINT64, self->latency_max / GST_USECOND,
      "io-mode", G_TYPE_STRING,
      self->io_mode == GST_V4L2_DMABUF_IO_MODE_EXPORT ? "export" : "import",
      "buffers", G_TYPE_UINT, buffers, "memory", G_TYPE_STRING, memory, NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
post_stats (GstV4l2DmabufSrc * self)
{
  GstStructure *stats = make_stats (self);

  GST_INFO_OBJECT (self, "%" GST_PTR_FORMAT, stats);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), stats));
  g_object_notify (G_OBJECT (self), "stats");
}

static void
reset_stats (GstV4l2DmabufSrc * self)
{
  GST_OBJECT_LOCK (self);
  self->frames = 0;
  self->drops = 0;
  gst_v4l2_dmabuf_allocator_reset_cpu_maps (self->allocator);
  self->error_buffers = 0;
  self->latency_total = 0;
  self->latency_max = 0;
  GST_OBJECT_UNLOCK (self);
}

/* Lets go of the device's buffers at once (downstream may keep its last
 * ones until it is done with them) and of our pool. */
static void
drop_pool (GstV4l2DmabufSrc * self)
{
  GstV4l2DmabufPool *pool;

  GST_OBJECT_LOCK (self);
  pool = self->pool;
  self->pool = NULL;
  gst_clear_caps (&self->pool_caps);
  GST_OBJECT_UNLOCK (self);
  if (!pool)
    return;
  gst_v4l2_dmabuf_pool_orphan (pool);
  gst_buffer_pool_set_active (GST_BUFFER_POOL (pool), FALSE);
  gst_object_unref (pool);
}

static gboolean
gst_v4l2_dmabuf_src_start (GstBaseSrc * bsrc)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);
  GError *error = NULL;
  gchar *path;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->device_path);
  GST_OBJECT_UNLOCK (self);

  self->device = gst_v4l2_dmabuf_device_open (path, &error);
  g_free (path);
  if (!self->device) {
    post_error (self, error, NULL);
    g_error_free (error);
    return FALSE;
  }
  reset_stats (self);
  self->have_sequence = FALSE;
  self->errors_in_a_row = 0;
  return TRUE;
}

static gboolean
gst_v4l2_dmabuf_src_stop (GstBaseSrc * bsrc)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);

  if (self->frames)
    post_stats (self);
  drop_pool (self);
  g_clear_pointer (&self->device, gst_v4l2_dmabuf_device_unref);
  self->format = NULL;
  return TRUE;
}

static GstCaps *
gst_v4l2_dmabuf_src_get_caps (GstBaseSrc * bsrc, GstCaps * filter)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);
  GstCaps *caps;

  if (self->device)
    caps = gst_caps_ref (self->device->caps);
  else
    caps = gst_pad_get_pad_template_caps (GST_BASE_SRC_PAD (bsrc));

  if (filter) {
    GstCaps *filtered = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (caps);
    caps = filtered;
  }
  return caps;
}

static gboolean
same_format (const GstStructure * a, const GstStructure * b)
{
  static const gchar *fields[] = { "format", "drm-format" };
  guint i;

  if (!gst_structure_has_name (a, gst_structure_get_name (b)))
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    const GValue *va = gst_structure_get_value (a, fields[i]);
    const GValue *vb = gst_structure_get_value (b, fields[i]);

    if (!va != !vb || (va && gst_value_compare (va, vb) != GST_VALUE_EQUAL))
      return FALSE;
  }
  return TRUE;
}

/* The first structure decides the format and memory; among the structures
 * of that same format, the size closest to what the driver had when we
 * opened it wins, at the frame rate closest to its current one. */
static GstCaps *
gst_v4l2_dmabuf_src_fixate (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);
  GstStructure *first, *best = NULL;
  GstCapsFeatures *features;
  GstCaps *fixed;
  guint64 best_distance = G_MAXUINT64;
  gint want_w = 640, want_h = 480, want_n = 30, want_d = 1;
  guint i;

  if (self->device) {
    want_w = self->device->current_width;
    want_h = self->device->current_height;
    want_n = self->device->current_fps_n;
    want_d = self->device->current_fps_d;
  }

  first = gst_caps_get_structure (caps, 0);
  features = gst_caps_get_features (caps, 0);
  for (i = 0; i < gst_caps_get_size (caps); i++) {
    GstStructure *s = gst_caps_get_structure (caps, i);
    GstStructure *candidate;
    gint w = 0, h = 0;
    guint64 distance;

    if (!gst_caps_features_is_equal (features, gst_caps_get_features (caps,
                i)) || !same_format (first, s))
      continue;
    candidate = gst_structure_copy (s);
    gst_structure_fixate_field_nearest_int (candidate, "width", want_w);
    gst_structure_fixate_field_nearest_int (candidate, "height", want_h);
    gst_structure_get_int (candidate, "width", &w);
    gst_structure_get_int (candidate, "height", &h);
    distance = (guint64) ABS (w - want_w) + ABS (h - want_h);
    if (distance < best_distance) {
      if (best)
        gst_structure_free (best);
      best = candidate;
      best_distance = distance;
    } else {
      gst_structure_free (candidate);
    }
  }

  fixed = gst_caps_new_empty ();
  gst_caps_append_structure_full (fixed, best,
      gst_caps_features_copy (features));
  gst_caps_unref (caps);

  best = gst_caps_get_structure (fixed, 0);
  if (gst_structure_has_field (best, "framerate"))
    gst_structure_fixate_field_nearest_fraction (best, "framerate", want_n,
        want_d);
  fixed = gst_caps_fixate (fixed);
  GST_DEBUG_OBJECT (self, "fixated to %" GST_PTR_FORMAT, fixed);
  return fixed;
}

/* Like GstBaseSrc's, except that our order wins over downstream's, so the
 * dma-buf caps are taken whenever downstream accepts them. */
static gboolean
gst_v4l2_dmabuf_src_negotiate (GstBaseSrc * bsrc)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);
  GstCaps *ours, *theirs, *caps;
  gboolean ok;

  ours = gst_pad_query_caps (GST_BASE_SRC_PAD (bsrc), NULL);
  theirs = gst_pad_peer_query_caps (GST_BASE_SRC_PAD (bsrc), ours);
  if (!theirs || gst_caps_is_any (theirs))
    caps = gst_caps_ref (ours);
  else
    caps = gst_caps_intersect_full (ours, theirs, GST_CAPS_INTERSECT_FIRST);

  if (gst_caps_is_empty (caps)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("None of the formats of %s (%s) is accepted downstream.",
            self->device ? self->device->path : "?",
            self->device ? self->device->card : "?"),
        ("device: %" GST_PTR_FORMAT ", downstream: %" GST_PTR_FORMAT, ours,
            theirs));
    ok = FALSE;
  } else {
    caps = gst_v4l2_dmabuf_src_fixate (bsrc, caps);
    ok = gst_caps_is_fixed (caps) && gst_base_src_set_caps (bsrc, caps);
  }
  gst_clear_caps (&caps);
  gst_clear_caps (&theirs);
  gst_caps_unref (ours);
  return ok;
}

static gboolean
gst_v4l2_dmabuf_src_set_caps (GstBaseSrc * bsrc, GstCaps * caps)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);
  GstVideoFormat gst_format;
  const gchar *media_type;
  guint width, height;
  gint fps_n, fps_d, got_n, got_d;
  GError *error = NULL;

  GST_DEBUG_OBJECT (self, "caps %" GST_PTR_FORMAT, caps);
  if (!self->device)
    return FALSE;

  if (!gst_v4l2_dmabuf_caps_to_video_format (caps, &gst_format, &media_type,
          &width, &height, &fps_n, &fps_d)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Unsupported caps (only linear DRM formats are)."),
        ("%" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  self->format = gst_v4l2_dmabuf_device_find_format (self->device,
      gst_format, media_type);
  if (!self->format) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("%s (%s) cannot capture %s.", self->device->path, self->device->card,
            gst_format != GST_VIDEO_FORMAT_UNKNOWN ?
            gst_video_format_to_string (gst_format) : media_type),
        ("%" GST_PTR_FORMAT, caps));
    return FALSE;
  }

  /* A new format needs a device without buffers. */
  drop_pool (self);

  if (!gst_v4l2_dmabuf_device_set_format (self->device,
          self->format->v4l2_fourcc, width, height, &self->layout, &error)) {
    post_error (self, error, NULL);
    g_error_free (error);
    return FALSE;
  }
  if (self->layout.n_memories != self->format->n_memories ||
      (gst_v4l2_dmabuf_format_is_raw (self->format) &&
          !gst_v4l2_dmabuf_format_video_info (self->format, &self->layout,
              &self->info))) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("%s (%s) chose a memory layout for %" GST_FOURCC_FORMAT
            " that does not fit the format.", self->device->path,
            self->device->card,
            GST_FOURCC_ARGS (self->format->v4l2_fourcc)),
        ("%u planes, bytesperline %u, sizeimage %u", self->layout.n_memories,
            self->layout.bytesperline[0], self->layout.sizeimage[0]));
    return FALSE;
  }

  if (gst_v4l2_dmabuf_device_set_frame_rate (self->device, fps_n, fps_d,
          &got_n, &got_d) && (gint64) got_n * fps_d != (gint64) fps_n * got_d)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("%s (%s) runs at %d/%d fps instead of %d/%d.", self->device->path,
            self->device->card, got_n, got_d, fps_n, fps_d), (NULL));
  self->frame_duration = got_n > 0 ?
      gst_util_uint64_scale_int (GST_SECOND, got_d, got_n) :
      GST_CLOCK_TIME_NONE;
  self->have_sequence = FALSE;

  GST_INFO_OBJECT (self, "capturing %" GST_FOURCC_FORMAT " %ux%u, "
      "bytesperline %u, sizeimage %u, %d/%d fps",
      GST_FOURCC_ARGS (self->layout.v4l2_fourcc), self->layout.width,
      self->layout.height, self->layout.bytesperline[0],
      self->layout.sizeimage[0], got_n, got_d);
  return TRUE;
}

static gboolean
gst_v4l2_dmabuf_src_decide_allocation (GstBaseSrc * bsrc, GstQuery * query)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);
  gboolean import = self->io_mode == GST_V4L2_DMABUF_IO_MODE_IMPORT;
  GstBufferPool *downstream = NULL;
  GstV4l2DmabufPool *pool;
  GstClockTime stall_timeout = MIN_STALL_TIMEOUT;
  GstCaps *caps;
  guint min = 0, count;
  GError *error;

  gst_query_parse_allocation (query, &caps, NULL);
  if (!caps || !self->format)
    return FALSE;

  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &downstream, NULL, &min,
        NULL);
  /* Downstream's pool is only a source of dma-bufs for import; GstBaseSrc
   * must not activate it behind our back. */
  while (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_remove_nth_allocation_pool (query, 0);

  /* Reconfigure events without a format change keep the running pool. */
  GST_OBJECT_LOCK (self);
  if (self->pool && self->pool_caps && gst_caps_is_equal (caps,
          self->pool_caps)) {
    GST_OBJECT_UNLOCK (self);
    gst_clear_object (&downstream);
    GST_DEBUG_OBJECT (self, "same caps, keeping the buffers");
    return TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  count = CLAMP (min + MIN_DRIVER_BUFFERS, MIN_BUFFERS, MAX_BUFFERS);
  if (GST_CLOCK_TIME_IS_VALID (self->frame_duration))
    stall_timeout = MAX (stall_timeout, 5 * self->frame_duration);

  if (gst_v4l2_dmabuf_format_is_raw (self->format) &&
      !gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    GST_WARNING_OBJECT (self, "downstream does not take GstVideoMeta: it "
        "will assume default strides");

  drop_pool (self);
  pool = gst_v4l2_dmabuf_pool_new (self->device, import, caps,
      gst_v4l2_dmabuf_format_is_raw (self->format) ? &self->info : NULL,
      &self->layout, count, import ? downstream : NULL, stall_timeout,
      self->allocator);
  gst_clear_object (&downstream);

  if (!gst_buffer_pool_set_active (GST_BUFFER_POOL (pool), TRUE)) {
    error = gst_v4l2_dmabuf_pool_take_error (pool);
    if (error) {
      post_error (self, error, NULL);
      g_error_free (error);
    } else {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Cannot set up the buffers of %s.", self->device->path), (NULL));
    }
    gst_object_unref (pool);
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  self->pool = pool;
  gst_caps_replace (&self->pool_caps, caps);
  GST_OBJECT_UNLOCK (self);
  self->have_sequence = FALSE;
  GST_INFO_OBJECT (self, "%s: %u buffers, %s", import ? "import" : "export",
      gst_v4l2_dmabuf_pool_get_count (pool),
      gst_v4l2_dmabuf_pool_describe (pool));
  return TRUE;
}

/* Running time at which the driver finished the frame, when its timestamp
 * is on the monotonic clock (the system clock's default). */
static GstClockTime
frame_running_time (GstV4l2DmabufSrc * self, GstClockTime timestamp)
{
  GstClock *clock;
  GstClockTime now, base, pts = GST_CLOCK_TIME_NONE;
  gint64 delay;

  clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  base = gst_element_get_base_time (GST_ELEMENT (self));
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  if (now < base)
    return GST_CLOCK_TIME_NONE;

  pts = now - base;
  if (GST_CLOCK_TIME_IS_VALID (timestamp)) {
    delay = g_get_monotonic_time () * GST_USECOND - (gint64) timestamp;
    if (delay > 0)
      pts = pts > (GstClockTime) delay ? pts - delay : 0;
  }
  return pts;
}

/* GstBaseSrc unlocks a live source when the pipeline pauses and clears that
 * request only right before the next create(). If the pipeline is PLAYING
 * again by the time the unlock wakes us, returning FLUSHING makes GstBaseSrc
 * pause its streaming task for good (GStreamer 1.26, on a quick PLAYING ->
 * PAUSED -> PLAYING), so an unlock that is already over is dropped here. A
 * real flush or stop flushes the source pad, which this checks too. */
static gboolean
unlock_is_stale (GstV4l2DmabufSrc * self)
{
  GstBaseSrc *bsrc = GST_BASE_SRC (self);
  gboolean running;

  g_mutex_lock (&bsrc->live_lock);
  running = bsrc->live_running;
  g_mutex_unlock (&bsrc->live_lock);
  return running && !GST_PAD_IS_FLUSHING (GST_BASE_SRC_PAD (bsrc));
}

static GstFlowReturn
gst_v4l2_dmabuf_src_create (GstPushSrc * psrc, GstBuffer ** outbuf)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (psrc);
  GstV4l2DmabufAcquireParams params;
  GstV4l2DmabufPool *pool;
  GstBuffer *buf = NULL;
  GstFlowReturn ret;

  GST_OBJECT_LOCK (self);
  pool = self->pool ? gst_object_ref (self->pool) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (!pool) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("no buffer pool: caps were not negotiated"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  for (;;) {
    memset (&params, 0, sizeof (params));
    ret = gst_buffer_pool_acquire_buffer (GST_BUFFER_POOL (pool), &buf,
        (GstBufferPoolAcquireParams *) & params);
    if (ret == GST_FLOW_FLUSHING &&
        gst_buffer_pool_is_active (GST_BUFFER_POOL (pool)) &&
        unlock_is_stale (self)) {
      GST_DEBUG_OBJECT (self, "unlocked by a pause that is over: waiting on");
      gst_buffer_pool_set_flushing (GST_BUFFER_POOL (pool), FALSE);
      continue;
    }
    if (ret != GST_FLOW_OK) {
      if (ret == GST_FLOW_ERROR && params.error)
        post_error (self, params.error, NULL);
      else if (ret == GST_FLOW_ERROR)
        GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
            ("acquiring a frame failed"));
      g_clear_error (&params.error);
      goto out;
    }
    if (!(params.frame.flags & V4L2_BUF_FLAG_ERROR))
      break;

    /* A corrupted frame goes straight back to the driver. */
    gst_buffer_unref (buf);
    GST_OBJECT_LOCK (self);
    self->error_buffers++;
    self->drops++;
    GST_OBJECT_UNLOCK (self);
    self->last_sequence = params.frame.sequence;
    self->have_sequence = TRUE;
    if (++self->errors_in_a_row >= MAX_ERRORS_IN_A_ROW) {
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("%s (%s) returned %u corrupted frames in a row.",
              self->device->path, self->device->card, self->errors_in_a_row),
          ("the driver set V4L2_BUF_FLAG_ERROR on buffer %u, sequence %u",
              params.frame.index, params.frame.sequence));
      ret = GST_FLOW_ERROR;
      goto out;
    }
    if (self->errors_in_a_row == 1)
      GST_ELEMENT_WARNING (self, RESOURCE, READ,
          ("%s (%s) returned a corrupted frame; dropped.", self->device->path,
              self->device->card),
          ("V4L2_BUF_FLAG_ERROR on buffer %u, sequence %u",
              params.frame.index, params.frame.sequence));
  }
  self->errors_in_a_row = 0;
  self->dequeued_at = g_get_monotonic_time () * GST_USECOND;

  /* The driver counts every frame, also those it had no buffer for. */
  if (self->have_sequence && params.frame.sequence != self->last_sequence + 1) {
    guint32 lost = params.frame.sequence - self->last_sequence - 1;

    GST_DEBUG_OBJECT (self, "sequence %u after %u: %u frames dropped",
        params.frame.sequence, self->last_sequence, lost);
    GST_OBJECT_LOCK (self);
    self->drops += lost;
    GST_OBJECT_UNLOCK (self);
  }
  self->last_sequence = params.frame.sequence;
  self->have_sequence = TRUE;

  GST_BUFFER_PTS (buf) = frame_running_time (self, params.frame.timestamp);
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = self->frame_duration;
  GST_BUFFER_OFFSET (buf) = params.frame.sequence;
  GST_BUFFER_OFFSET_END (buf) = params.frame.sequence + 1;
  *outbuf = buf;

out:
  gst_object_unref (pool);
  return ret;
}

static gboolean
gst_v4l2_dmabuf_src_unlock (GstBaseSrc * bsrc)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);

  GST_OBJECT_LOCK (self);
  if (self->pool)
    gst_buffer_pool_set_flushing (GST_BUFFER_POOL (self->pool), TRUE);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_v4l2_dmabuf_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);

  GST_OBJECT_LOCK (self);
  if (self->pool)
    gst_buffer_pool_set_flushing (GST_BUFFER_POOL (self->pool), FALSE);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_v4l2_dmabuf_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (bsrc);
  GstClockTime min, max = GST_CLOCK_TIME_NONE;
  guint count = 0;

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);

  if (!self->device || !GST_CLOCK_TIME_IS_VALID (self->frame_duration))
    return FALSE;
  GST_OBJECT_LOCK (self);
  if (self->pool)
    count = gst_v4l2_dmabuf_pool_get_count (self->pool);
  GST_OBJECT_UNLOCK (self);

  /* A frame is ready one frame time after its capture began, and can wait
   * in every queued buffer before we take it. */
  min = self->frame_duration;
  if (count)
    max = count * self->frame_duration;
  gst_query_set_latency (query, TRUE, min, max);
  return TRUE;
}

static GstPadProbeReturn
push_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (user_data);

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstClockTime latency = g_get_monotonic_time () * GST_USECOND -
        self->dequeued_at;

    GST_OBJECT_LOCK (self);
    self->frames++;
    self->latency_total += latency;
    self->latency_max = MAX (self->latency_max, latency);
    GST_OBJECT_UNLOCK (self);
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    post_stats (self);
  }
  return GST_PAD_PROBE_OK;
}

static void
gst_v4l2_dmabuf_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (object);

  switch (prop_id) {
    case PROP_DEVICE:
      GST_OBJECT_LOCK (self);
      g_free (self->device_path);
      self->device_path = g_value_dup_string (value);
      if (!self->device_path)
        self->device_path = g_strdup (DEFAULT_DEVICE);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_IO_MODE:
      self->io_mode = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_v4l2_dmabuf_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (object);

  switch (prop_id) {
    case PROP_DEVICE:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->device_path);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_IO_MODE:
      g_value_set_enum (value, self->io_mode);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, make_stats (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_v4l2_dmabuf_src_finalize (GObject * object)
{
  GstV4l2DmabufSrc *self = GST_V4L2_DMABUF_SRC (object);

  g_free (self->device_path);
  gst_object_unref (self->allocator);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_v4l2_dmabuf_src_class_init (GstV4l2DmabufSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  gobject_class->set_property = gst_v4l2_dmabuf_src_set_property;
  gobject_class->get_property = gst_v4l2_dmabuf_src_get_property;
  gobject_class->finalize = gst_v4l2_dmabuf_src_finalize;

  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "Device",
          "V4L2 video capture device node", DEFAULT_DEVICE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_IO_MODE,
      g_param_spec_enum ("io-mode", "I/O mode",
          "How frames become dma-bufs: the driver's buffers exported "
          "(export) or downstream's / dma-heap buffers imported (import)",
          GST_TYPE_V4L2_DMABUF_IO_MODE, DEFAULT_IO_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frames pushed, frames dropped (sequence gaps and corrupted "
          "frames), copies (CPU mappings of frame memory this element "
          "wrapped, by anyone: 0 means no pixel was copied or read), "
          "corrupted frames, mean and "
          "maximum time from VIDIOC_DQBUF to the push in microseconds, "
          "buffer count and where the dma-bufs come from",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_set_static_metadata (element_class,
      "V4L2 dma-buf source", "Source/Video/Hardware",
      "Captures from a V4L2 device and passes the frames on as dma-bufs, "
      "exported by the driver or imported into it, without copying",
      "v4l2-dmabuf project");
  gst_element_class_add_static_pad_template (element_class, &src_template);

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_stop);
  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_get_caps);
  basesrc_class->negotiate = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_negotiate);
  basesrc_class->fixate = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_fixate);
  basesrc_class->set_caps = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_set_caps);
  basesrc_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_decide_allocation);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_unlock);
  basesrc_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_unlock_stop);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_query);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_v4l2_dmabuf_src_create);

  gst_type_mark_as_plugin_api (GST_TYPE_V4L2_DMABUF_IO_MODE, 0);
}

static void
gst_v4l2_dmabuf_src_init (GstV4l2DmabufSrc * self)
{
  self->device_path = g_strdup (DEFAULT_DEVICE);
  self->io_mode = DEFAULT_IO_MODE;
  self->frame_duration = GST_CLOCK_TIME_NONE;
  self->allocator = gst_v4l2_dmabuf_allocator_new ();

  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_pad_add_probe (GST_BASE_SRC_PAD (self), GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, push_probe, self, NULL);
}
