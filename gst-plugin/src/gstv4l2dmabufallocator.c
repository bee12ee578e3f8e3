/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2dmabuf: GstDmaBufAllocator counting the CPU mappings of its memory.
 *
 * The fd allocator installs its map function per instance, in its instance
 * init, so ours wraps it there: the count sees every gst_memory_map() of a
 * frame, whoever makes it (downstream elements, the application) and also
 * those of shared sub-memories, which keep this allocator.
 */
#include "gstv4l2dmabufallocator.h"

struct _GstV4l2DmabufAllocator
{
  GstDmaBufAllocator parent;

  GstMemoryMapFunction parent_map;
  gint cpu_maps;                /* atomic: maps come from any thread */
};

G_DEFINE_TYPE (GstV4l2DmabufAllocator, gst_v4l2_dmabuf_allocator,
    GST_TYPE_DMABUF_ALLOCATOR);

static gpointer
counting_map (GstMemory * mem, gsize maxsize, GstMapFlags flags)
{
  GstV4l2DmabufAllocator *self = GST_V4L2_DMABUF_ALLOCATOR (mem->allocator);

  g_atomic_int_inc (&self->cpu_maps);
  return self->parent_map (mem, maxsize, flags);
}

static void
gst_v4l2_dmabuf_allocator_class_init (GstV4l2DmabufAllocatorClass * klass)
{
}

static void
gst_v4l2_dmabuf_allocator_init (GstV4l2DmabufAllocator * self)
{
  GstAllocator *allocator = GST_ALLOCATOR (self);

  self->parent_map = allocator->mem_map;
  allocator->mem_map = counting_map;
}

/* Returns: (transfer full): a new allocator. */
GstAllocator *
gst_v4l2_dmabuf_allocator_new (void)
{
  GstAllocator *allocator;

  allocator = g_object_new (GST_TYPE_V4L2_DMABUF_ALLOCATOR, NULL);
  gst_object_ref_sink (allocator);
  return allocator;
}

guint64
gst_v4l2_dmabuf_allocator_get_cpu_maps (GstAllocator * allocator)
{
  GstV4l2DmabufAllocator *self = GST_V4L2_DMABUF_ALLOCATOR (allocator);

  return (guint) g_atomic_int_get (&self->cpu_maps);
}

void
gst_v4l2_dmabuf_allocator_reset_cpu_maps (GstAllocator * allocator)
{
  GstV4l2DmabufAllocator *self = GST_V4L2_DMABUF_ALLOCATOR (allocator);

  g_atomic_int_set (&self->cpu_maps, 0);
}
