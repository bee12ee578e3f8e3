/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: dma-bufs for io-mode=import.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstv4l2dmabufimport.h"

#include <gst/allocators/allocators.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

GST_DEBUG_CATEGORY_EXTERN (gst_v4l2_dmabuf_debug);
#define GST_CAT_DEFAULT gst_v4l2_dmabuf_debug

#define DMA_HEAP_PATH "/dev/dma_heap/system"
#define UDMABUF_PATH "/dev/udmabuf"

struct _GstV4l2DmabufImporter
{
  gchar *description;
  guint count;
  guint n_memories;
  GstMemory **memories;         /* count * n_memories, index-major */
  GstBufferPool *pool;          /* downstream's, or NULL */
  GstBuffer **pool_buffers;     /* taken from it, given back at the end */
};

static GstV4l2DmabufImporter *
importer_new (guint count, guint n_memories)
{
  GstV4l2DmabufImporter *imp = g_new0 (GstV4l2DmabufImporter, 1);

  imp->count = count;
  imp->n_memories = n_memories;
  imp->memories = g_new0 (GstMemory *, count * n_memories);
  return imp;
}

void
gst_v4l2_dmabuf_importer_free (GstV4l2DmabufImporter * imp)
{
  guint i;

  if (!imp)
    return;
  for (i = 0; i < imp->count * imp->n_memories; i++) {
    if (imp->memories[i])
      gst_memory_unref (imp->memories[i]);
  }
  g_free (imp->memories);
  if (imp->pool) {
    for (i = 0; i < imp->count; i++) {
      if (imp->pool_buffers[i])
        gst_buffer_unref (imp->pool_buffers[i]);
    }
    g_free (imp->pool_buffers);
    gst_buffer_pool_set_active (imp->pool, FALSE);
    gst_object_unref (imp->pool);
  }
  g_free (imp->description);
  g_free (imp);
}

/* Hands over the memories of one V4L2 index (new references). */
void
gst_v4l2_dmabuf_importer_take_memories (GstV4l2DmabufImporter * imp,
    guint index, GstMemory ** memories)
{
  guint i;

  g_return_if_fail (index < imp->count);
  for (i = 0; i < imp->n_memories; i++)
    memories[i] = gst_memory_ref (imp->memories[index * imp->n_memories + i]);
}

const gchar *
gst_v4l2_dmabuf_importer_describe (GstV4l2DmabufImporter * imp)
{
  return imp->description;
}

/* Can the driver write this downstream buffer as it is, with the layout it
 * chose? Sets @why when it cannot. */
static gboolean
pool_buffer_fits (GstBuffer * buf, const GstVideoInfo * info,
    const GstV4l2DmabufLayout * layout, GstCaps * caps, gchar ** why)
{
  GstVideoMeta *meta;
  GstVideoInfo default_info;
  guint i;

  if (gst_buffer_n_memory (buf) != layout->n_memories) {
    *why = g_strdup_printf ("it has %u memories, the driver needs %u",
        gst_buffer_n_memory (buf), layout->n_memories);
    return FALSE;
  }
  for (i = 0; i < layout->n_memories; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buf, i);
    gsize offset, maxsize;

    if (!gst_is_dmabuf_memory (mem)) {
      *why = g_strdup ("its memory is not dma-buf memory");
      return FALSE;
    }
    gst_memory_get_sizes (mem, &offset, &maxsize);
    if (offset != 0 || maxsize < layout->sizeimage[i]) {
      *why = g_strdup_printf ("plane %u is %" G_GSIZE_FORMAT " bytes at "
          "offset %" G_GSIZE_FORMAT ", the driver needs %u at 0", i, maxsize,
          offset, layout->sizeimage[i]);
      return FALSE;
    }
  }
  if (!info)
    return TRUE;

  meta = gst_buffer_get_video_meta (buf);
  if (!meta) {
    if (!gst_video_info_from_caps (&default_info, caps)) {
      *why = g_strdup ("it has no video meta");
      return FALSE;
    }
  }
  for (i = 0; i < GST_VIDEO_INFO_N_PLANES (info); i++) {
    gint stride = meta ? meta->stride[i] : default_info.stride[i];
    gsize offset = meta ? meta->offset[i] : default_info.offset[i];

    if (stride != info->stride[i] || offset != info->offset[i]) {
      *why = g_strdup_printf ("plane %u has stride %d at offset %"
          G_GSIZE_FORMAT ", the driver writes stride %d at offset %"
          G_GSIZE_FORMAT, i, stride, offset, info->stride[i], info->offset[i]);
      return FALSE;
    }
  }
  return TRUE;
}

GstV4l2DmabufImporter *
gst_v4l2_dmabuf_importer_new_from_pool (GstBufferPool * pool, GstCaps * caps,
    const GstVideoInfo * info, const GstV4l2DmabufLayout * layout,
    guint count, GError ** error)
{
  GstV4l2DmabufImporter *imp;
  GstBufferPoolAcquireParams params = {.flags =
        GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT
  };
  GstStructure *config;
  guint size = info ? GST_VIDEO_INFO_SIZE (info) : layout->sizeimage[0];
  guint i, j;

  if (gst_buffer_pool_is_active (pool)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "downstream's pool %s is already in use", GST_OBJECT_NAME (pool));
    return NULL;
  }
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, count, count);
  if (gst_buffer_pool_has_option (pool, GST_BUFFER_POOL_OPTION_VIDEO_META))
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (!gst_buffer_pool_set_config (pool, config)) {
    /* The pool may have adjusted the config: take it if it still gives us
     * exactly the buffers we need. */
    config = gst_buffer_pool_get_config (pool);
    if (!gst_buffer_pool_config_validate_params (config, caps, size, count,
            count) || !gst_buffer_pool_set_config (pool, config)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "downstream's pool %s refused %u buffers of %u bytes",
          GST_OBJECT_NAME (pool), count, size);
      return NULL;
    }
  }
  if (!gst_buffer_pool_set_active (pool, TRUE)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "downstream's pool %s could not allocate its buffers",
        GST_OBJECT_NAME (pool));
    return NULL;
  }

  imp = importer_new (count, layout->n_memories);
  imp->pool = gst_object_ref (pool);
  imp->pool_buffers = g_new0 (GstBuffer *, count);
  imp->description = g_strdup_printf ("downstream pool %s",
      GST_OBJECT_NAME (pool));

  for (i = 0; i < count; i++) {
    gchar *why = NULL;

    if (gst_buffer_pool_acquire_buffer (pool, &imp->pool_buffers[i],
            &params) != GST_FLOW_OK) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "downstream's pool %s gave only %u of %u buffers",
          GST_OBJECT_NAME (pool), i, count);
      goto fail;
    }
    if (!pool_buffer_fits (imp->pool_buffers[i], info, layout, caps, &why)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "a buffer of downstream's pool %s does not fit: %s",
          GST_OBJECT_NAME (pool), why);
      g_free (why);
      goto fail;
    }
    for (j = 0; j < layout->n_memories; j++)
      imp->memories[i * layout->n_memories + j] =
          gst_memory_ref (gst_buffer_peek_memory (imp->pool_buffers[i], j));
  }
  return imp;

fail:
  gst_v4l2_dmabuf_importer_free (imp);
  return NULL;
}

static gint
alloc_from_heap (gint heap_fd, gsize size)
{
  struct dma_heap_allocation_data data;

  memset (&data, 0, sizeof (data));
  data.len = size;
  data.fd_flags = O_RDWR | O_CLOEXEC;
  if (ioctl (heap_fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0)
    return -1;
  return data.fd;
}

static gint
alloc_from_udmabuf (gint udmabuf_fd, gsize size)
{
  struct udmabuf_create create;
  gint memfd, fd, err;

  memfd = memfd_create ("v4l2dmabufsrc", MFD_ALLOW_SEALING | MFD_CLOEXEC);
  if (memfd < 0)
    return -1;
  /* udmabuf needs the memfd sealed against shrinking */
  if (ftruncate (memfd, size) < 0 ||
      fcntl (memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
    err = errno;
    close (memfd);
    errno = err;
    return -1;
  }
  memset (&create, 0, sizeof (create));
  create.memfd = memfd;
  create.flags = UDMABUF_FLAGS_CLOEXEC;
  create.size = size;
  fd = ioctl (udmabuf_fd, UDMABUF_CREATE, &create);
  err = errno;
  close (memfd);
  errno = err;
  return fd;
}

GstV4l2DmabufImporter *
gst_v4l2_dmabuf_importer_new_allocated (const GstV4l2DmabufLayout * layout,
    guint count, GstAllocator * allocator, GError ** error)
{
  GstV4l2DmabufImporter *imp;
  gsize page = sysconf (_SC_PAGESIZE);
  gboolean heap = TRUE;
  gint dev_fd;
  guint i, j;

  dev_fd = open (DMA_HEAP_PATH, O_RDWR | O_CLOEXEC);
  if (dev_fd < 0) {
    heap = FALSE;
    dev_fd = open (UDMABUF_PATH, O_RDWR | O_CLOEXEC);
  }
  if (dev_fd < 0) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
        "No dma-buf allocator: neither " DMA_HEAP_PATH " nor " UDMABUF_PATH
        " can be opened (%s)", g_strerror (errno));
    return NULL;
  }

  imp = importer_new (count, layout->n_memories);
  imp->description = g_strdup (heap ? DMA_HEAP_PATH : UDMABUF_PATH);
  for (i = 0; i < count; i++) {
    for (j = 0; j < layout->n_memories; j++) {
      gsize size = (layout->sizeimage[j] + page - 1) & ~(page - 1);
      gint fd = heap ? alloc_from_heap (dev_fd, size) :
          alloc_from_udmabuf (dev_fd, size);
      GstMemory *mem;

      if (fd < 0) {
        g_set_error (error, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_NO_SPACE_LEFT,
            "Cannot allocate a %" G_GSIZE_FORMAT "-byte dma-buf from %s: %s",
            size, imp->description, g_strerror (errno));
        close (dev_fd);
        gst_v4l2_dmabuf_importer_free (imp);
        return NULL;
      }
      mem = gst_dmabuf_allocator_alloc (allocator, fd, size);
      gst_memory_resize (mem, 0, layout->sizeimage[j]);
      imp->memories[i * layout->n_memories + j] = mem;
    }
  }
  close (dev_fd);
  return imp;
}
