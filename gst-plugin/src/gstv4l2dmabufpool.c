/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: V4L2 buffer pool (see gstv4l2dmabufpool.h).
 *
 * Life of a pool: start (REQBUFS, EXPBUF or import, QBUF of every buffer),
 * STREAMON at the first acquire, acquire = DQBUF, release = QBUF, then
 * gst_v4l2_dmabuf_pool_orphan() (STREAMOFF, REQBUFS 0) as soon as the
 * element is done with the device, and stop (dropping the GstBuffers) once
 * downstream has given back the last one. Orphaning does not wait for
 * downstream: a buffer still on screen keeps its dma-buf alive by reference,
 * and the device is free for the next format at once.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstv4l2dmabufpool.h"
#include "gstv4l2dmabufimport.h"

#include <gst/allocators/allocators.h>

#include <errno.h>
#include <unistd.h>
#include <linux/videodev2.h>

GST_DEBUG_CATEGORY_EXTERN (gst_v4l2_dmabuf_debug);
#define GST_CAT_DEFAULT gst_v4l2_dmabuf_debug

struct _GstV4l2DmabufPool
{
  GstBufferPool parent;

  GstV4l2DmabufDevice *device;
  guint32 memory;               /* V4L2_MEMORY_MMAP or V4L2_MEMORY_DMABUF */
  GstCaps *caps;
  GstVideoInfo info;
  gboolean raw;
  GstV4l2DmabufLayout layout;
  guint requested;
  GstBufferPool *downstream;
  GstClockTime stall_timeout;
  GstAllocator *allocator;      /* wraps the dma-bufs we export or allocate */

  GstPoll *poll;
  GstPollFD pollfd;

  GMutex lock;                  /* the fields below */
  guint count;
  GstBuffer **buffers;          /* per index */
  GstMemory **memories;         /* per index and plane: the originals */
  gint *fds;                    /* per index and plane */
  guint32 *lengths;             /* per index and plane */
  gboolean *queued;             /* per index: owned by the driver */
  guint n_queued;
  gboolean streaming;
  gboolean orphaned;
  GstV4l2DmabufImporter *importer;
  gchar *description;
  GError *error;
};

G_DEFINE_TYPE (GstV4l2DmabufPool, gst_v4l2_dmabuf_pool, GST_TYPE_BUFFER_POOL);

static GQuark index_quark;

#define PLANE(pool, index, plane) ((index) * (pool)->layout.n_memories + (plane))

static guint
buffer_index (GstBuffer * buf)
{
  return GPOINTER_TO_UINT (gst_mini_object_get_qdata (GST_MINI_OBJECT (buf),
          index_quark)) - 1;
}

/* Called with the lock held. */
static gboolean
queue_index (GstV4l2DmabufPool * pool, guint index, GError ** error)
{
  if (!gst_v4l2_dmabuf_device_queue (pool->device, index, pool->memory,
          pool->layout.n_memories, &pool->fds[PLANE (pool, index, 0)],
          &pool->lengths[PLANE (pool, index, 0)], error))
    return FALSE;
  pool->queued[index] = TRUE;
  pool->n_queued++;
  return TRUE;
}

static gsize
dmabuf_size (gint fd, GstMemory * mem)
{
  off_t end = lseek (fd, 0, SEEK_END);

  if (end <= 0) {
    gsize maxsize;

    gst_memory_get_sizes (mem, NULL, &maxsize);
    return maxsize;
  }
  return end;
}

/* MMAP buffers, each plane exported once and wrapped as dma-buf memory. */
static gboolean
export_memories (GstV4l2DmabufPool * pool, GError ** error)
{
  guint32 lengths[GST_V4L2_DMABUF_MAX_PLANES];
  guint i, j;
  gboolean ok = TRUE;

  for (i = 0; ok && i < pool->count; i++) {
    ok = gst_v4l2_dmabuf_device_query_lengths (pool->device, i,
        pool->layout.n_memories, lengths, error);
    for (j = 0; ok && j < pool->layout.n_memories; j++) {
      gint fd = gst_v4l2_dmabuf_device_export (pool->device, i, j, error);
      GstMemory *mem;

      if (fd < 0) {
        ok = FALSE;
        break;
      }
      mem = gst_dmabuf_allocator_alloc (pool->allocator, fd, lengths[j]);
      gst_memory_resize (mem, 0, MIN (lengths[j], pool->layout.sizeimage[j]));
      pool->memories[PLANE (pool, i, j)] = mem;
      pool->fds[PLANE (pool, i, j)] = fd;
      pool->lengths[PLANE (pool, i, j)] = lengths[j];
    }
  }
  return ok;
}

static void
import_memories (GstV4l2DmabufPool * pool)
{
  guint i, j;

  for (i = 0; i < pool->count; i++) {
    gst_v4l2_dmabuf_importer_take_memories (pool->importer, i,
        &pool->memories[PLANE (pool, i, 0)]);
    for (j = 0; j < pool->layout.n_memories; j++) {
      GstMemory *mem = pool->memories[PLANE (pool, i, j)];
      gint fd = gst_dmabuf_memory_get_fd (mem);

      pool->fds[PLANE (pool, i, j)] = fd;
      pool->lengths[PLANE (pool, i, j)] = dmabuf_size (fd, mem);
    }
  }
}

static void
build_buffers (GstV4l2DmabufPool * pool)
{
  guint i, j;

  for (i = 0; i < pool->count; i++) {
    GstBuffer *buf = gst_buffer_new ();

    for (j = 0; j < pool->layout.n_memories; j++)
      gst_buffer_append_memory (buf,
          gst_memory_ref (pool->memories[PLANE (pool, i, j)]));
    if (pool->raw) {
      GstVideoMeta *meta = gst_buffer_add_video_meta_full (buf,
          GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT (&pool->info),
          GST_VIDEO_INFO_WIDTH (&pool->info),
          GST_VIDEO_INFO_HEIGHT (&pool->info),
          GST_VIDEO_INFO_N_PLANES (&pool->info), pool->info.offset,
          pool->info.stride);

      GST_META_FLAG_SET (meta, GST_META_FLAG_POOLED);
    }
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_TAG_MEMORY);
    gst_mini_object_set_qdata (GST_MINI_OBJECT (buf), index_quark,
        GUINT_TO_POINTER (i + 1), NULL);
    pool->buffers[i] = buf;
  }
}

static void
free_buffers (GstV4l2DmabufPool * pool)
{
  guint i;

  for (i = 0; i < pool->count; i++)
    gst_clear_buffer (&pool->buffers[i]);
  for (i = 0; i < pool->count * pool->layout.n_memories; i++) {
    if (pool->memories && pool->memories[i])
      gst_memory_unref (pool->memories[i]);
  }
  g_clear_pointer (&pool->buffers, g_free);
  g_clear_pointer (&pool->memories, g_free);
  g_clear_pointer (&pool->fds, g_free);
  g_clear_pointer (&pool->lengths, g_free);
  g_clear_pointer (&pool->queued, g_free);
  g_clear_pointer (&pool->importer, gst_v4l2_dmabuf_importer_free);
  pool->count = 0;
  pool->n_queued = 0;
}

static void
alloc_arrays (GstV4l2DmabufPool * pool)
{
  guint n = pool->count * pool->layout.n_memories;

  pool->buffers = g_new0 (GstBuffer *, pool->count);
  pool->memories = g_new0 (GstMemory *, n);
  pool->fds = g_new0 (gint, n);
  pool->lengths = g_new0 (guint32, n);
  pool->queued = g_new0 (gboolean, pool->count);
}

/* Sets up the buffers of io-mode=import: downstream's pool if it fits and
 * the driver takes its buffers, our own allocation otherwise. */
static gboolean
import_start (GstV4l2DmabufPool * pool, GError ** error)
{
  GError *why = NULL;
  guint i;

  if (pool->downstream) {
    pool->importer = gst_v4l2_dmabuf_importer_new_from_pool (pool->downstream,
        pool->caps, pool->raw ? &pool->info : NULL, &pool->layout,
        pool->count, &why);
    if (pool->importer) {
      import_memories (pool);
      for (i = 0; i < pool->count; i++) {
        if (!queue_index (pool, i, &why))
          break;
      }
      if (i == pool->count)
        return TRUE;
      /* QBUF may have taken a few: start over with a clean queue. */
      gst_v4l2_dmabuf_device_request_buffers (pool->device, pool->memory, 0,
          NULL, NULL);
      free_buffers (pool);
      if (!gst_v4l2_dmabuf_device_request_buffers (pool->device, pool->memory,
              pool->requested, &pool->count, error))
        return FALSE;
      alloc_arrays (pool);
    }
    GST_INFO_OBJECT (pool, "not importing downstream's buffers: %s",
        why->message);
    g_clear_error (&why);
  }

  pool->importer = gst_v4l2_dmabuf_importer_new_allocated (&pool->layout,
      pool->count, pool->allocator, error);
  if (!pool->importer)
    return FALSE;
  import_memories (pool);
  for (i = 0; i < pool->count; i++) {
    if (!queue_index (pool, i, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
gst_v4l2_dmabuf_pool_start (GstBufferPool * bpool)
{
  GstV4l2DmabufPool *pool = GST_V4L2_DMABUF_POOL (bpool);
  GError *error = NULL;
  gboolean ok = FALSE;
  guint i;

  g_mutex_lock (&pool->lock);
  if (pool->orphaned) {
    g_set_error (&error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        "a V4L2 buffer pool cannot be restarted");
    goto out;
  }
  if (!gst_v4l2_dmabuf_device_request_buffers (pool->device, pool->memory,
          pool->requested, &pool->count, &error))
    goto out;
  if (pool->count == 0) {
    g_set_error (&error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
        "%s (%s) gave no buffers (VIDIOC_REQBUFS)", pool->device->path,
        pool->device->card);
    goto out;
  }
  alloc_arrays (pool);

  if (pool->memory == V4L2_MEMORY_MMAP) {
    if (!export_memories (pool, &error))
      goto out;
    for (i = 0; i < pool->count; i++) {
      if (!queue_index (pool, i, &error))
        goto out;
    }
    pool->description = g_strdup ("driver buffers, VIDIOC_EXPBUF");
  } else {
    if (!import_start (pool, &error))
      goto out;
    pool->description = g_strdup_printf ("imported from %s",
        gst_v4l2_dmabuf_importer_describe (pool->importer));
  }
  build_buffers (pool);
  GST_INFO_OBJECT (pool, "%u buffers of %s: %s", pool->count,
      pool->device->path, pool->description);
  ok = TRUE;

out:
  if (!ok) {
    GST_WARNING_OBJECT (pool, "start failed: %s", error->message);
    g_clear_error (&pool->error);
    pool->error = error;
    free_buffers (pool);
    gst_v4l2_dmabuf_device_request_buffers (pool->device, pool->memory, 0,
        NULL, NULL);
  }
  g_mutex_unlock (&pool->lock);
  return ok;
}

/* STREAMOFF and REQBUFS 0 now, whoever still holds buffers: the device is
 * then free for a new format or another user. Idempotent. */
void
gst_v4l2_dmabuf_pool_orphan (GstV4l2DmabufPool * pool)
{
  GError *error = NULL;
  guint i;

  g_mutex_lock (&pool->lock);
  if (pool->orphaned) {
    g_mutex_unlock (&pool->lock);
    return;
  }
  pool->orphaned = TRUE;
  if (pool->streaming &&
      !gst_v4l2_dmabuf_device_stream (pool->device, FALSE, &error)) {
    GST_WARNING_OBJECT (pool, "%s", error->message);
    g_clear_error (&error);
  }
  pool->streaming = FALSE;
  if (pool->count &&
      !gst_v4l2_dmabuf_device_request_buffers (pool->device, pool->memory, 0,
          NULL, &error)) {
    GST_WARNING_OBJECT (pool, "%s", error->message);
    g_clear_error (&error);
  }
  for (i = 0; i < pool->count; i++)
    pool->queued[i] = FALSE;
  pool->n_queued = 0;
  g_mutex_unlock (&pool->lock);
  GST_DEBUG_OBJECT (pool, "released the device's queue");
}

static gboolean
gst_v4l2_dmabuf_pool_stop (GstBufferPool * bpool)
{
  GstV4l2DmabufPool *pool = GST_V4L2_DMABUF_POOL (bpool);

  gst_v4l2_dmabuf_pool_orphan (pool);
  g_mutex_lock (&pool->lock);
  free_buffers (pool);
  g_mutex_unlock (&pool->lock);
  GST_DEBUG_OBJECT (pool, "stopped");
  return GST_BUFFER_POOL_CLASS (gst_v4l2_dmabuf_pool_parent_class)->stop
      (bpool);
}

static GstFlowReturn
wait_for_frame (GstV4l2DmabufPool * pool, GError ** error)
{
  GstClockTime waited = 0;

  for (;;) {
    gint ret = gst_poll_wait (pool->poll, GST_SECOND);

    if (ret < 0) {
      if (errno == EBUSY)
        return GST_FLOW_FLUSHING;
      if (errno == EINTR || errno == EAGAIN)
        continue;
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
          "poll on %s failed: %s", pool->device->path, g_strerror (errno));
      return GST_FLOW_ERROR;
    }
    if (ret > 0)
      return GST_FLOW_OK;

    /* Time only counts while the driver has something to fill. */
    g_mutex_lock (&pool->lock);
    if (pool->n_queued)
      waited += GST_SECOND;
    GST_DEBUG_OBJECT (pool, "no frame yet, %u buffers queued", pool->n_queued);
    g_mutex_unlock (&pool->lock);
    if (waited >= pool->stall_timeout) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
          "%s (%s) delivered no frame in %" G_GUINT64_FORMAT " s although "
          "it had buffers to fill", pool->device->path, pool->device->card,
          waited / GST_SECOND);
      return GST_FLOW_ERROR;
    }
  }
}

static GstFlowReturn
gst_v4l2_dmabuf_pool_acquire_buffer (GstBufferPool * bpool,
    GstBuffer ** buffer, GstBufferPoolAcquireParams * params)
{
  GstV4l2DmabufPool *pool = GST_V4L2_DMABUF_POOL (bpool);
  GstV4l2DmabufAcquireParams *p = (GstV4l2DmabufAcquireParams *) params;
  GstV4l2DmabufFrame *frame = &p->frame;
  GstFlowReturn ret;
  guint j;

  g_return_val_if_fail (p != NULL, GST_FLOW_ERROR);

  g_mutex_lock (&pool->lock);
  if (pool->orphaned) {
    g_mutex_unlock (&pool->lock);
    return GST_FLOW_FLUSHING;
  }
  if (!pool->streaming) {
    if (!gst_v4l2_dmabuf_device_stream (pool->device, TRUE, &p->error)) {
      g_mutex_unlock (&pool->lock);
      return GST_FLOW_ERROR;
    }
    pool->streaming = TRUE;
  }
  g_mutex_unlock (&pool->lock);

  for (;;) {
    gint got;

    ret = wait_for_frame (pool, &p->error);
    if (ret != GST_FLOW_OK)
      return ret;
    got = gst_v4l2_dmabuf_device_dequeue (pool->device, pool->memory,
        pool->layout.n_memories, frame, &p->error);
    if (got > 0)
      break;
    if (got < 0)
      return GST_FLOW_ERROR;
  }

  g_mutex_lock (&pool->lock);
  if (frame->index >= pool->count || !pool->queued[frame->index]) {
    g_mutex_unlock (&pool->lock);
    g_set_error (&p->error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        "%s dequeued buffer %u, which was not queued", pool->device->path,
        frame->index);
    return GST_FLOW_ERROR;
  }
  pool->queued[frame->index] = FALSE;
  pool->n_queued--;
  *buffer = pool->buffers[frame->index];
  GST_LOG_OBJECT (pool, "dequeued buffer %u, sequence %u, %u still queued",
      frame->index, frame->sequence, pool->n_queued);
  g_mutex_unlock (&pool->lock);

  /* Compressed frames vary in size; the memory says how much is valid. */
  if (!pool->raw) {
    for (j = 0; j < pool->layout.n_memories; j++) {
      GstMemory *mem = gst_buffer_peek_memory (*buffer, j);
      gsize maxsize;

      gst_memory_get_sizes (mem, NULL, &maxsize);
      if (gst_memory_is_writable (mem))
        gst_memory_resize (mem, 0, MIN (frame->bytesused[j], maxsize));
    }
  }
  return GST_FLOW_OK;
}

/* Puts back what downstream may have changed, so the buffer is exactly the
 * one bound to its index again. */
static void
restore_buffer (GstV4l2DmabufPool * pool, GstBuffer * buf, guint index)
{
  guint j, n = pool->layout.n_memories;
  gboolean same = gst_buffer_n_memory (buf) == n;

  for (j = 0; same && j < n; j++)
    same = gst_buffer_peek_memory (buf, j) == pool->memories[PLANE (pool,
            index, j)];
  if (!same) {
    GST_DEBUG_OBJECT (pool, "restoring the memories of buffer %u", index);
    gst_buffer_remove_all_memory (buf);
    for (j = 0; j < n; j++)
      gst_buffer_append_memory (buf,
          gst_memory_ref (pool->memories[PLANE (pool, index, j)]));
  }
  if (pool->raw) {
    for (j = 0; j < n; j++) {
      GstMemory *mem = pool->memories[PLANE (pool, index, j)];
      gsize offset, size = gst_memory_get_sizes (mem, &offset, NULL);
      gsize want = MIN (pool->layout.sizeimage[j], pool->lengths[PLANE (pool,
                  index, j)]);

      /* memory shared with downstream's pool is theirs to size */
      if ((offset || size != want) && gst_memory_is_writable (mem))
        gst_memory_resize (mem, -(gssize) offset, want);
    }
  }
  GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_TAG_MEMORY);
}

static void
gst_v4l2_dmabuf_pool_release_buffer (GstBufferPool * bpool, GstBuffer * buf)
{
  GstV4l2DmabufPool *pool = GST_V4L2_DMABUF_POOL (bpool);
  guint index = buffer_index (buf);
  GError *error = NULL;

  g_mutex_lock (&pool->lock);
  if (index >= pool->count || pool->buffers[index] != buf) {
    g_mutex_unlock (&pool->lock);
    GST_WARNING_OBJECT (pool, "released a buffer that is not ours");
    gst_buffer_unref (buf);
    return;
  }
  restore_buffer (pool, buf, index);
  if (pool->orphaned || pool->queued[index]) {
    GST_LOG_OBJECT (pool, "buffer %u back, not queued (%s)", index,
        pool->orphaned ? "device released" : "already queued");
  } else if (!queue_index (pool, index, &error)) {
    GST_WARNING_OBJECT (pool, "cannot give buffer %u back to the driver: %s",
        index, error->message);
    g_clear_error (&error);
  } else {
    GST_LOG_OBJECT (pool, "queued buffer %u, %u queued", index, pool->n_queued);
  }
  g_mutex_unlock (&pool->lock);
}

static void
gst_v4l2_dmabuf_pool_flush_start (GstBufferPool * bpool)
{
  gst_poll_set_flushing (GST_V4L2_DMABUF_POOL (bpool)->poll, TRUE);
}

static void
gst_v4l2_dmabuf_pool_flush_stop (GstBufferPool * bpool)
{
  gst_poll_set_flushing (GST_V4L2_DMABUF_POOL (bpool)->poll, FALSE);
}

static void
gst_v4l2_dmabuf_pool_finalize (GObject * object)
{
  GstV4l2DmabufPool *pool = GST_V4L2_DMABUF_POOL (object);

  free_buffers (pool);
  gst_poll_free (pool->poll);
  gst_v4l2_dmabuf_device_unref (pool->device);
  gst_caps_unref (pool->caps);
  if (pool->downstream)
    gst_object_unref (pool->downstream);
  gst_object_unref (pool->allocator);
  g_free (pool->description);
  g_clear_error (&pool->error);
  g_mutex_clear (&pool->lock);
  G_OBJECT_CLASS (gst_v4l2_dmabuf_pool_parent_class)->finalize (object);
}

static void
gst_v4l2_dmabuf_pool_class_init (GstV4l2DmabufPoolClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  object_class->finalize = gst_v4l2_dmabuf_pool_finalize;
  pool_class->start = gst_v4l2_dmabuf_pool_start;
  pool_class->stop = gst_v4l2_dmabuf_pool_stop;
  pool_class->acquire_buffer = gst_v4l2_dmabuf_pool_acquire_buffer;
  pool_class->release_buffer = gst_v4l2_dmabuf_pool_release_buffer;
  pool_class->flush_start = gst_v4l2_dmabuf_pool_flush_start;
  pool_class->flush_stop = gst_v4l2_dmabuf_pool_flush_stop;

  index_quark = g_quark_from_static_string ("GstV4l2DmabufPoolIndex");
}

static void
gst_v4l2_dmabuf_pool_init (GstV4l2DmabufPool * pool)
{
  g_mutex_init (&pool->lock);
  pool->poll = gst_poll_new (TRUE);
}

GstV4l2DmabufPool *
gst_v4l2_dmabuf_pool_new (GstV4l2DmabufDevice * device, gboolean import,
    GstCaps * caps, const GstVideoInfo * info,
    const GstV4l2DmabufLayout * layout, guint count,
    GstBufferPool * downstream, GstClockTime stall_timeout,
    GstAllocator * allocator)
{
  GstV4l2DmabufPool *pool;
  GstStructure *config;

  pool = g_object_new (GST_TYPE_V4L2_DMABUF_POOL, NULL);
  gst_object_ref_sink (pool);
  pool->device = gst_v4l2_dmabuf_device_ref (device);
  pool->memory = import ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
  pool->caps = gst_caps_ref (caps);
  pool->raw = info != NULL;
  if (info)
    pool->info = *info;
  pool->layout = *layout;
  pool->requested = count;
  pool->downstream = downstream ? gst_object_ref (downstream) : NULL;
  pool->stall_timeout = stall_timeout;
  pool->allocator = gst_object_ref (allocator);

  gst_poll_fd_init (&pool->pollfd);
  pool->pollfd.fd = device->fd;
  gst_poll_add_fd (pool->poll, &pool->pollfd);
  gst_poll_fd_ctl_read (pool->poll, &pool->pollfd, TRUE);

  config = gst_buffer_pool_get_config (GST_BUFFER_POOL (pool));
  gst_buffer_pool_config_set_params (config, caps,
      info ? GST_VIDEO_INFO_SIZE (info) : layout->sizeimage[0], count, count);
  gst_buffer_pool_set_config (GST_BUFFER_POOL (pool), config);
  return pool;
}

GError *
gst_v4l2_dmabuf_pool_take_error (GstV4l2DmabufPool * pool)
{
  GError *error;

  g_mutex_lock (&pool->lock);
  error = pool->error;
  pool->error = NULL;
  g_mutex_unlock (&pool->lock);
  return error;
}

guint
gst_v4l2_dmabuf_pool_get_count (GstV4l2DmabufPool * pool)
{
  return pool->count;
}

const gchar *
gst_v4l2_dmabuf_pool_describe (GstV4l2DmabufPool * pool)
{
  return pool->description ? pool->description : "not started";
}
