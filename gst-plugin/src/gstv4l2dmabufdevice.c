/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: V4L2 capture device wrapper.
 *
 * Opening probes everything negotiation needs once (capabilities, formats,
 * frame sizes, frame intervals, the current format), so caps queries never
 * touch the device again. The remaining functions are one ioctl each, with
 * the errno turned into a GError that names the ioctl.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstv4l2dmabufdevice.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/videodev2.h>

GST_DEBUG_CATEGORY_EXTERN (gst_v4l2_dmabuf_debug);
#define GST_CAT_DEFAULT gst_v4l2_dmabuf_debug

static int
xioctl (gint fd, gulong request, gpointer arg)
{
  int ret;

  do {
    ret = ioctl (fd, request, arg);
  } while (ret < 0 && errno == EINTR);
  return ret;
}

static void
set_ioctl_error (GstV4l2DmabufDevice * dev, GError ** error,
    const gchar * ioctl_name, int err)
{
  GstResourceError code;

  switch (err) {
    case EBUSY:
      code = GST_RESOURCE_ERROR_BUSY;
      break;
    case ENOMEM:
    case ENOSPC:
      code = GST_RESOURCE_ERROR_NO_SPACE_LEFT;
      break;
    case ENODEV:
    case ENXIO:
      code = GST_RESOURCE_ERROR_NOT_FOUND;
      break;
    default:
      code = GST_RESOURCE_ERROR_FAILED;
      break;
  }
  g_set_error (error, GST_RESOURCE_ERROR, code, "%s on %s (%s): %s",
      ioctl_name, dev->path, dev->card ? dev->card : "?", g_strerror (err));
}

/* Frame rates of one format and size, as a caps field value: a single
 * fraction, a list, or a range. FALSE when the driver does not enumerate. */
static gboolean
probe_frame_rates (GstV4l2DmabufDevice * dev, guint32 fourcc, guint width,
    guint height, GValue * rates)
{
  struct v4l2_frmivalenum ival;
  GValue list = G_VALUE_INIT;
  GValue rate = G_VALUE_INIT;

  memset (&ival, 0, sizeof (ival));
  ival.pixel_format = fourcc;
  ival.width = width;
  ival.height = height;
  if (xioctl (dev->fd, VIDIOC_ENUM_FRAMEINTERVALS, &ival) < 0)
    return FALSE;

  if (ival.type != V4L2_FRMIVAL_TYPE_DISCRETE) {
    const struct v4l2_fract *fast = &ival.stepwise.min;
    const struct v4l2_fract *slow = &ival.stepwise.max;

    if (!fast->numerator || !slow->numerator)
      return FALSE;
    g_value_init (rates, GST_TYPE_FRACTION_RANGE);
    gst_value_set_fraction_range_full (rates, slow->denominator,
        slow->numerator, fast->denominator, fast->numerator);
    return TRUE;
  }

  g_value_init (&list, GST_TYPE_LIST);
  g_value_init (&rate, GST_TYPE_FRACTION);
  do {
    if (ival.type != V4L2_FRMIVAL_TYPE_DISCRETE || !ival.discrete.numerator)
      break;
    gst_value_set_fraction (&rate, ival.discrete.denominator,
        ival.discrete.numerator);
    gst_value_list_append_value (&list, &rate);
    ival.index++;
  } while (xioctl (dev->fd, VIDIOC_ENUM_FRAMEINTERVALS, &ival) == 0);
  g_value_unset (&rate);

  if (gst_value_list_get_size (&list) == 0) {
    g_value_unset (&list);
    return FALSE;
  }
  if (gst_value_list_get_size (&list) == 1) {
    g_value_init (rates, GST_TYPE_FRACTION);
    g_value_copy (gst_value_list_get_value (&list, 0), rates);
    g_value_unset (&list);
  } else {
    g_value_init (rates, GST_TYPE_LIST);
    g_value_copy (&list, rates);
    g_value_unset (&list);
  }
  return TRUE;
}

static void
set_any_frame_rate (GValue * rates)
{
  g_value_init (rates, GST_TYPE_FRACTION_RANGE);
  gst_value_set_fraction_range_full (rates, 0, 1, G_MAXINT, 1);
}

static void
set_dimension (GstStructure * s, const gchar * field, guint min, guint max,
    guint step)
{
  GValue v = G_VALUE_INIT;

  if (min == max) {
    gst_structure_set (s, field, G_TYPE_INT, (gint) min, NULL);
    return;
  }
  g_value_init (&v, GST_TYPE_INT_RANGE);
  if (step > 1 && min % step == 0 && max % step == 0)
    gst_value_set_int_range_step (&v, min, max, step);
  else
    gst_value_set_int_range (&v, min, MAX (max, min + 1));
  gst_structure_take_value (s, field, &v);
}

static GstStructure *
size_and_rate (GstV4l2DmabufDevice * dev, guint32 fourcc,
    const struct v4l2_frmsizeenum *size)
{
  GstStructure *s = gst_structure_new_empty ("size");
  GValue rates = G_VALUE_INIT;

  if (size->type == V4L2_FRMSIZE_TYPE_DISCRETE) {
    set_dimension (s, "width", size->discrete.width, size->discrete.width, 1);
    set_dimension (s, "height", size->discrete.height,
        size->discrete.height, 1);
    if (!probe_frame_rates (dev, fourcc, size->discrete.width,
            size->discrete.height, &rates))
      set_any_frame_rate (&rates);
  } else {
    const struct v4l2_frmsize_stepwise *sw = &size->stepwise;
    GValue at_max = G_VALUE_INIT;

    set_dimension (s, "width", sw->min_width, sw->max_width, sw->step_width);
    set_dimension (s, "height", sw->min_height, sw->max_height,
        sw->step_height);
    /* Rates may depend on the size: offer what either end allows. */
    if (!probe_frame_rates (dev, fourcc, sw->min_width, sw->min_height, &rates))
      set_any_frame_rate (&rates);
    else if (probe_frame_rates (dev, fourcc, sw->max_width, sw->max_height,
            &at_max)) {
      GValue both = G_VALUE_INIT;

      if (gst_value_union (&both, &rates, &at_max)) {
        g_value_unset (&rates);
        rates = both;
      }
      g_value_unset (&at_max);
    }
  }
  gst_structure_take_value (s, "framerate", &rates);
  return s;
}

static void
probe_format (GstV4l2DmabufDevice * dev, const GstV4l2DmabufFormat * format,
    GstCaps * dmabuf_caps, GstCaps * plain_caps)
{
  struct v4l2_frmsizeenum size;

  memset (&size, 0, sizeof (size));
  size.pixel_format = format->v4l2_fourcc;
  if (xioctl (dev->fd, VIDIOC_ENUM_FRAMESIZES, &size) < 0) {
    /* No enumeration: let VIDIOC_S_FMT say what it can do. */
    size.type = V4L2_FRMSIZE_TYPE_CONTINUOUS;
    size.stepwise.min_width = size.stepwise.min_height = 1;
    size.stepwise.max_width = size.stepwise.max_height = 32768;
    size.stepwise.step_width = size.stepwise.step_height = 1;
  }

  do {
    GstStructure *s = size_and_rate (dev, format->v4l2_fourcc, &size);
    GstCaps *caps = gst_v4l2_dmabuf_format_caps_for (format, s);
    guint i, n = gst_caps_get_size (caps);

    /* The last structure is the plain one: keep the dma-buf ones of a
     * format ahead of its plain ones, so negotiation prefers them. */
    for (i = 0; i < n; i++) {
      GstStructure *cs = gst_structure_copy (gst_caps_get_structure (caps,
              i));
      GstCapsFeatures *f =
          gst_caps_features_copy (gst_caps_get_features (caps, i));

      gst_caps_append_structure_full (i + 1 < n ? dmabuf_caps : plain_caps,
          cs, f);
    }
    gst_caps_unref (caps);
    gst_structure_free (s);
    if (size.type != V4L2_FRMSIZE_TYPE_DISCRETE)
      break;
    size.index++;
  } while (xioctl (dev->fd, VIDIOC_ENUM_FRAMESIZES, &size) == 0);
}

static void
probe_caps (GstV4l2DmabufDevice * dev)
{
  struct v4l2_fmtdesc desc;

  dev->caps = gst_caps_new_empty ();
  dev->v4l2_formats = g_array_new (FALSE, FALSE, sizeof (guint32));

  memset (&desc, 0, sizeof (desc));
  desc.type = dev->buf_type;
  while (xioctl (dev->fd, VIDIOC_ENUM_FMT, &desc) == 0) {
    const GstV4l2DmabufFormat *format =
        gst_v4l2_dmabuf_format_from_v4l2 (desc.pixelformat);

    if (!format) {
      GST_INFO ("%s: skipping unmapped format %" GST_FOURCC_FORMAT " (%s)",
          dev->path, GST_FOURCC_ARGS (desc.pixelformat), desc.description);
    } else {
      GstCaps *dmabuf_caps = gst_caps_new_empty ();
      GstCaps *plain_caps = gst_caps_new_empty ();

      probe_format (dev, format, dmabuf_caps, plain_caps);
      gst_caps_append (dev->caps, dmabuf_caps);
      gst_caps_append (dev->caps, plain_caps);
      g_array_append_val (dev->v4l2_formats, desc.pixelformat);
    }
    desc.index++;
  }
  GST_DEBUG ("%s: probed caps %" GST_PTR_FORMAT, dev->path, dev->caps);
}

static void
probe_current_format (GstV4l2DmabufDevice * dev)
{
  struct v4l2_format fmt;
  struct v4l2_streamparm parm;

  dev->current_width = 640;
  dev->current_height = 480;
  dev->current_fps_n = 30;
  dev->current_fps_d = 1;

  memset (&fmt, 0, sizeof (fmt));
  fmt.type = dev->buf_type;
  if (xioctl (dev->fd, VIDIOC_G_FMT, &fmt) == 0) {
    if (dev->mplane) {
      dev->current_width = fmt.fmt.pix_mp.width;
      dev->current_height = fmt.fmt.pix_mp.height;
    } else {
      dev->current_width = fmt.fmt.pix.width;
      dev->current_height = fmt.fmt.pix.height;
    }
  }

  memset (&parm, 0, sizeof (parm));
  parm.type = dev->buf_type;
  if (xioctl (dev->fd, VIDIOC_G_PARM, &parm) == 0) {
    const struct v4l2_fract *tpf = &parm.parm.capture.timeperframe;

    dev->can_set_frame_rate =
        (parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME) != 0;
    if (tpf->numerator && tpf->denominator) {
      dev->current_fps_n = tpf->denominator;
      dev->current_fps_d = tpf->numerator;
    }
  }
}

GstV4l2DmabufDevice *
gst_v4l2_dmabuf_device_open (const gchar * path, GError ** error)
{
  GstV4l2DmabufDevice *dev;
  struct v4l2_capability cap;
  struct stat st;
  guint32 caps;
  int err;

  if (stat (path, &st) < 0) {
    err = errno;
    g_set_error (error, GST_RESOURCE_ERROR,
        err == ENOENT ? GST_RESOURCE_ERROR_NOT_FOUND :
        GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "Cannot open device '%s': %s", path, g_strerror (err));
    return NULL;
  }
  if (!S_ISCHR (st.st_mode)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "'%s' is not a device", path);
    return NULL;
  }

  dev = g_atomic_rc_box_new0 (GstV4l2DmabufDevice);
  dev->path = g_strdup (path);
  dev->fd = open (path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (dev->fd < 0) {
    err = errno;
    g_set_error (error, GST_RESOURCE_ERROR,
        err == EBUSY ? GST_RESOURCE_ERROR_BUSY :
        GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "Cannot open device '%s' for reading and writing: %s", path,
        g_strerror (err));
    goto fail;
  }

  memset (&cap, 0, sizeof (cap));
  if (xioctl (dev->fd, VIDIOC_QUERYCAP, &cap) < 0) {
    err = errno;
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "'%s' is not a V4L2 device (VIDIOC_QUERYCAP: %s)", path,
        g_strerror (err));
    goto fail;
  }
  dev->card = g_strndup ((const gchar *) cap.card, sizeof (cap.card));
  dev->driver = g_strndup ((const gchar *) cap.driver, sizeof (cap.driver));
  caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ?
      cap.device_caps : cap.capabilities;

  if (caps & V4L2_CAP_VIDEO_CAPTURE) {
    dev->buf_type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  } else if (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE) {
    dev->buf_type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
    dev->mplane = TRUE;
  } else {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "'%s' (%s, driver %s) is not a video capture device", path,
        dev->card, dev->driver);
    goto fail;
  }
  if (!(caps & V4L2_CAP_STREAMING)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "'%s' (%s, driver %s) does not support streaming I/O, so it cannot "
        "share buffers", path, dev->card, dev->driver);
    goto fail;
  }

  probe_current_format (dev);
  probe_caps (dev);
  if (gst_caps_is_empty (dev->caps)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "'%s' (%s, driver %s) offers no pixel format this element knows",
        path, dev->card, dev->driver);
    goto fail;
  }

  GST_INFO ("opened %s: card '%s', driver %s, %s API", path, dev->card,
      dev->driver, dev->mplane ? "multi-planar" : "single-planar");
  return dev;

fail:
  gst_v4l2_dmabuf_device_unref (dev);
  return NULL;
}

GstV4l2DmabufDevice *
gst_v4l2_dmabuf_device_ref (GstV4l2DmabufDevice * dev)
{
  return g_atomic_rc_box_acquire (dev);
}

static void
device_clear (GstV4l2DmabufDevice * dev)
{
  if (dev->fd >= 0)
    close (dev->fd);
  g_free (dev->path);
  g_free (dev->card);
  g_free (dev->driver);
  if (dev->caps)
    gst_caps_unref (dev->caps);
  if (dev->v4l2_formats)
    g_array_unref (dev->v4l2_formats);
}

void
gst_v4l2_dmabuf_device_unref (GstV4l2DmabufDevice * dev)
{
  g_atomic_rc_box_release_full (dev, (GDestroyNotify) device_clear);
}

/* The first format in the driver's order that GStreamer calls @format (the
 * driver may offer, say, both NV12 and NV12M). */
const GstV4l2DmabufFormat *
gst_v4l2_dmabuf_device_find_format (GstV4l2DmabufDevice * dev,
    GstVideoFormat format, const gchar * media_type)
{
  guint i;

  for (i = 0; i < dev->v4l2_formats->len; i++) {
    const GstV4l2DmabufFormat *f = gst_v4l2_dmabuf_format_from_v4l2
        (g_array_index (dev->v4l2_formats, guint32, i));

    if (f->gst_format == format && !g_strcmp0 (f->media_type, media_type))
      return f;
  }
  return NULL;
}

gboolean
gst_v4l2_dmabuf_device_set_format (GstV4l2DmabufDevice * dev,
    guint32 fourcc, guint width, guint height, GstV4l2DmabufLayout * layout,
    GError ** error)
{
  struct v4l2_format fmt;
  guint i;

  memset (&fmt, 0, sizeof (fmt));
  fmt.type = dev->buf_type;
  if (dev->mplane) {
    fmt.fmt.pix_mp.pixelformat = fourcc;
    fmt.fmt.pix_mp.width = width;
    fmt.fmt.pix_mp.height = height;
    fmt.fmt.pix_mp.field = V4L2_FIELD_NONE;
  } else {
    fmt.fmt.pix.pixelformat = fourcc;
    fmt.fmt.pix.width = width;
    fmt.fmt.pix.height = height;
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
  }
  if (xioctl (dev->fd, VIDIOC_S_FMT, &fmt) < 0) {
    set_ioctl_error (dev, error, "VIDIOC_S_FMT", errno);
    return FALSE;
  }

  memset (layout, 0, sizeof (*layout));
  if (dev->mplane) {
    layout->v4l2_fourcc = fmt.fmt.pix_mp.pixelformat;
    layout->width = fmt.fmt.pix_mp.width;
    layout->height = fmt.fmt.pix_mp.height;
    layout->n_memories = MIN (fmt.fmt.pix_mp.num_planes,
        GST_V4L2_DMABUF_MAX_PLANES);
    for (i = 0; i < layout->n_memories; i++) {
      layout->bytesperline[i] = fmt.fmt.pix_mp.plane_fmt[i].bytesperline;
      layout->sizeimage[i] = fmt.fmt.pix_mp.plane_fmt[i].sizeimage;
    }
  } else {
    layout->v4l2_fourcc = fmt.fmt.pix.pixelformat;
    layout->width = fmt.fmt.pix.width;
    layout->height = fmt.fmt.pix.height;
    layout->n_memories = 1;
    layout->bytesperline[0] = fmt.fmt.pix.bytesperline;
    layout->sizeimage[0] = fmt.fmt.pix.sizeimage;
  }

  if (layout->v4l2_fourcc != fourcc || layout->width != width ||
      layout->height != height) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "%s (%s) cannot capture %" GST_FOURCC_FORMAT " %ux%u: "
        "VIDIOC_S_FMT answered %" GST_FOURCC_FORMAT " %ux%u", dev->path,
        dev->card, GST_FOURCC_ARGS (fourcc), width, height,
        GST_FOURCC_ARGS (layout->v4l2_fourcc), layout->width, layout->height);
    return FALSE;
  }
  for (i = 0; i < layout->n_memories; i++) {
    if (layout->sizeimage[i] == 0) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "%s (%s): VIDIOC_S_FMT reported an empty plane %u", dev->path,
          dev->card, i);
      return FALSE;
    }
  }
  return TRUE;
}

/* Best effort, like the V4L2 API itself: drivers without
 * V4L2_CAP_TIMEPERFRAME run at their own rate. */
gboolean
gst_v4l2_dmabuf_device_set_frame_rate (GstV4l2DmabufDevice * dev,
    gint fps_n, gint fps_d, gint * got_n, gint * got_d)
{
  struct v4l2_streamparm parm;

  *got_n = fps_n;
  *got_d = fps_d;
  if (!dev->can_set_frame_rate || fps_n <= 0)
    return FALSE;

  memset (&parm, 0, sizeof (parm));
  parm.type = dev->buf_type;
  parm.parm.capture.timeperframe.numerator = fps_d;
  parm.parm.capture.timeperframe.denominator = fps_n;
  if (xioctl (dev->fd, VIDIOC_S_PARM, &parm) < 0) {
    GST_WARNING ("%s: VIDIOC_S_PARM %d/%d: %s", dev->path, fps_n, fps_d,
        g_strerror (errno));
    return FALSE;
  }
  if (parm.parm.capture.timeperframe.numerator &&
      parm.parm.capture.timeperframe.denominator) {
    *got_n = parm.parm.capture.timeperframe.denominator;
    *got_d = parm.parm.capture.timeperframe.numerator;
  }
  return TRUE;
}

gboolean
gst_v4l2_dmabuf_device_request_buffers (GstV4l2DmabufDevice * dev,
    guint32 memory, guint count, guint * got, GError ** error)
{
  struct v4l2_requestbuffers req;
  gchar *what;

  memset (&req, 0, sizeof (req));
  req.type = dev->buf_type;
  req.memory = memory;
  req.count = count;
  if (xioctl (dev->fd, VIDIOC_REQBUFS, &req) < 0) {
    int err = errno;

    what = g_strdup_printf ("VIDIOC_REQBUFS (%u %s buffers)", count,
        memory == V4L2_MEMORY_MMAP ? "MMAP" : "DMABUF");
    set_ioctl_error (dev, error, what, err);
    g_free (what);
    return FALSE;
  }
  if (got)
    *got = req.count;
  return TRUE;
}

static void
init_buffer (GstV4l2DmabufDevice * dev, struct v4l2_buffer *buf,
    struct v4l2_plane *planes, guint index, guint32 memory, guint n_planes)
{
  memset (buf, 0, sizeof (*buf));
  buf->type = dev->buf_type;
  buf->index = index;
  buf->memory = memory;
  if (dev->mplane) {
    memset (planes, 0, sizeof (*planes) * GST_V4L2_DMABUF_MAX_PLANES);
    buf->m.planes = planes;
    buf->length = n_planes;
  }
}

gboolean
gst_v4l2_dmabuf_device_query_lengths (GstV4l2DmabufDevice * dev,
    guint index, guint n_planes, guint32 * lengths, GError ** error)
{
  struct v4l2_plane planes[GST_V4L2_DMABUF_MAX_PLANES];
  struct v4l2_buffer buf;
  guint i;

  init_buffer (dev, &buf, planes, index, V4L2_MEMORY_MMAP, n_planes);
  if (xioctl (dev->fd, VIDIOC_QUERYBUF, &buf) < 0) {
    set_ioctl_error (dev, error, "VIDIOC_QUERYBUF", errno);
    return FALSE;
  }
  if (!dev->mplane) {
    lengths[0] = buf.length;
    return TRUE;
  }
  for (i = 0; i < n_planes; i++)
    lengths[i] = planes[i].length;
  return TRUE;
}

/* Returns a new dma-buf fd for one plane of an MMAP buffer, -1 on error. */
gint
gst_v4l2_dmabuf_device_export (GstV4l2DmabufDevice * dev, guint index,
    guint plane, GError ** error)
{
  struct v4l2_exportbuffer exp;

  memset (&exp, 0, sizeof (exp));
  exp.type = dev->buf_type;
  exp.index = index;
  exp.plane = plane;
  exp.flags = O_RDWR | O_CLOEXEC;
  if (xioctl (dev->fd, VIDIOC_EXPBUF, &exp) < 0) {
    set_ioctl_error (dev, error, "VIDIOC_EXPBUF", errno);
    return -1;
  }
  return exp.fd;
}

gboolean
gst_v4l2_dmabuf_device_queue (GstV4l2DmabufDevice * dev, guint index,
    guint32 memory, guint n_planes, const gint * fds,
    const guint32 * lengths, GError ** error)
{
  struct v4l2_plane planes[GST_V4L2_DMABUF_MAX_PLANES];
  struct v4l2_buffer buf;
  guint i;

  init_buffer (dev, &buf, planes, index, memory, n_planes);
  if (memory == V4L2_MEMORY_DMABUF) {
    if (dev->mplane) {
      for (i = 0; i < n_planes; i++) {
        planes[i].m.fd = fds[i];
        planes[i].length = lengths[i];
      }
    } else {
      buf.m.fd = fds[0];
      buf.length = lengths[0];
    }
  }
  if (xioctl (dev->fd, VIDIOC_QBUF, &buf) < 0) {
    set_ioctl_error (dev, error, "VIDIOC_QBUF", errno);
    return FALSE;
  }
  return TRUE;
}

/* 1: @frame is filled; 0: no buffer is done yet; -1: error. */
gint
gst_v4l2_dmabuf_device_dequeue (GstV4l2DmabufDevice * dev, guint32 memory,
    guint n_planes, GstV4l2DmabufFrame * frame, GError ** error)
{
  struct v4l2_plane planes[GST_V4L2_DMABUF_MAX_PLANES];
  struct v4l2_buffer buf;
  guint i;

  init_buffer (dev, &buf, planes, 0, memory, n_planes);
  if (xioctl (dev->fd, VIDIOC_DQBUF, &buf) < 0) {
    if (errno == EAGAIN)
      return 0;
    set_ioctl_error (dev, error, "VIDIOC_DQBUF", errno);
    return -1;
  }

  memset (frame, 0, sizeof (*frame));
  frame->index = buf.index;
  frame->flags = buf.flags;
  frame->sequence = buf.sequence;
  if ((buf.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) ==
      V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC)
    frame->timestamp = GST_TIMEVAL_TO_TIME (buf.timestamp);
  else
    frame->timestamp = GST_CLOCK_TIME_NONE;
  if (dev->mplane) {
    for (i = 0; i < n_planes; i++)
      frame->bytesused[i] = planes[i].bytesused;
  } else {
    frame->bytesused[0] = buf.bytesused;
  }
  return 1;
}

gboolean
gst_v4l2_dmabuf_device_stream (GstV4l2DmabufDevice * dev, gboolean on,
    GError ** error)
{
  int type = dev->buf_type;

  if (xioctl (dev->fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type) < 0) {
    set_ioctl_error (dev, error, on ? "VIDIOC_STREAMON" : "VIDIOC_STREAMOFF",
        errno);
    return FALSE;
  }
  return TRUE;
}
