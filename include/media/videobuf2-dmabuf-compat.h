/* SPDX-License-Identifier: GPL-2.0 */
/*
 * videobuf2-dmabuf-compat.h - kernel version differences, in one place
 *
 * videobuf2-dmabuf and vivbuf are written against the 6.12 API. The helpers
 * below map them onto the other supported kernels (6.1 and 7.x), so the .c
 * files carry no version checks. Not meant for upstream: there, the helpers
 * collapse to the calls named in their comments.
 */

#ifndef _MEDIA_VIDEOBUF2_DMABUF_COMPAT_H
#define _MEDIA_VIDEOBUF2_DMABUF_COMPAT_H

#include <linux/dma-buf.h>
#include <linux/dma-fence-array.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <media/v4l2-fh.h>
#include <media/v4l2-mem2mem.h>
#include <media/videobuf2-core.h>
#include <media/videobuf2-v4l2.h>

/*
 * The one place that looks at the kernel version: true when building against
 * @major.@minor or newer.
 */
#define VB2_DMABUF_KERNEL_SINCE(major, minor) \
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/*
 * Symbol namespaces are string literals since 6.13; before, the macro
 * stringified a bare identifier.
 */
#if VB2_DMABUF_KERNEL_SINCE(6, 13)
#define VB2_DMABUF_IMPORT_NS_DMA_BUF	MODULE_IMPORT_NS("DMA_BUF")
#else
#define VB2_DMABUF_IMPORT_NS_DMA_BUF	MODULE_IMPORT_NS(DMA_BUF)
#endif

/* vm_flags became read-only behind vm_flags_set() in 6.3. */
#if VB2_DMABUF_KERNEL_SINCE(6, 3)
static inline void vb2_dmabuf_compat_vma_set_flags(struct vm_area_struct *vma,
						   vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}
#else
static inline void vb2_dmabuf_compat_vma_set_flags(struct vm_area_struct *vma,
						   vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * Importer calls made without holding the dma-buf's reservation lock. 6.2
 * moved dma-buf to the dynamic locking convention: the plain functions now
 * expect the caller to hold the lock and the _unlocked variants take it.
 * Before 6.2 the plain functions did their own locking.
 */
#if VB2_DMABUF_KERNEL_SINCE(6, 2)
static inline struct sg_table *
vb2_dmabuf_compat_map_attachment(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir)
{
	return dma_buf_map_attachment_unlocked(attach, dir);
}

static inline void
vb2_dmabuf_compat_unmap_attachment(struct dma_buf_attachment *attach,
				   struct sg_table *sgt,
				   enum dma_data_direction dir)
{
	dma_buf_unmap_attachment_unlocked(attach, sgt, dir);
}

static inline int vb2_dmabuf_compat_vmap(struct dma_buf *dbuf,
					 struct iosys_map *map)
{
	return dma_buf_vmap_unlocked(dbuf, map);
}

static inline void vb2_dmabuf_compat_vunmap(struct dma_buf *dbuf,
					    struct iosys_map *map)
{
	dma_buf_vunmap_unlocked(dbuf, map);
}
#else
static inline struct sg_table *
vb2_dmabuf_compat_map_attachment(struct dma_buf_attachment *attach,
				 enum dma_data_direction dir)
{
	return dma_buf_map_attachment(attach, dir);
}

static inline void
vb2_dmabuf_compat_unmap_attachment(struct dma_buf_attachment *attach,
				   struct sg_table *sgt,
				   enum dma_data_direction dir)
{
	dma_buf_unmap_attachment(attach, sgt, dir);
}

static inline int vb2_dmabuf_compat_vmap(struct dma_buf *dbuf,
					 struct iosys_map *map)
{
	return dma_buf_vmap(dbuf, map);
}

static inline void vb2_dmabuf_compat_vunmap(struct dma_buf *dbuf,
					    struct iosys_map *map)
{
	dma_buf_vunmap(dbuf, map);
}
#endif

/*
 * A fence array that signals once all of @fences have: dma_fence_array_create()
 * lost its signal_on_any argument on the way to 7.x (the tiers check 6.12
 * with it and 7.2 without; 7.0 is taken as the first release without it).
 */
#if VB2_DMABUF_KERNEL_SINCE(7, 0)
static inline struct dma_fence_array *
vb2_dmabuf_compat_fence_array_all(int num_fences, struct dma_fence **fences,
				  u64 context, unsigned int seqno)
{
	return dma_fence_array_create(num_fences, fences, context, seqno);
}
#else
static inline struct dma_fence_array *
vb2_dmabuf_compat_fence_array_all(int num_fences, struct dma_fence **fences,
				  u64 context, unsigned int seqno)
{
	return dma_fence_array_create(num_fences, fences, context, seqno,
				      false);
}
#endif

/*
 * The &struct vb2_ops members a driver with a vb2_queue.lock sets so that
 * vb2 drops the lock while it waits: 7.x vb2 does that by itself and has no
 * wait_prepare/wait_finish any more (checked on 7.2; 7.0 is taken as the
 * first release without). Use it last in the initialiser.
 */
#if VB2_DMABUF_KERNEL_SINCE(7, 0)
#define VB2_DMABUF_COMPAT_WAIT_OPS
#else
#define VB2_DMABUF_COMPAT_WAIT_OPS					\
	.wait_prepare = vb2_ops_wait_prepare,				\
	.wait_finish = vb2_ops_wait_finish
#endif

/*
 * v4l2_fh_add() and v4l2_fh_del() take the file since 7.x and set or clear
 * file->private_data themselves; v4l2_m2m_buf_copy_metadata() lost its
 * copy_frame_flags argument (7.x never copies the codec frame-type flags;
 * older kernels keep doing so, as vivbuf always asked). Checked on 7.2;
 * 7.0 is taken as the first release with these.
 */
#if VB2_DMABUF_KERNEL_SINCE(7, 0)
static inline void vb2_dmabuf_compat_fh_add(struct v4l2_fh *fh,
					    struct file *file)
{
	v4l2_fh_add(fh, file);
}

static inline void vb2_dmabuf_compat_fh_del(struct v4l2_fh *fh,
					    struct file *file)
{
	v4l2_fh_del(fh, file);
}

static inline void
vb2_dmabuf_compat_m2m_copy_metadata(const struct vb2_v4l2_buffer *out_vb,
				    struct vb2_v4l2_buffer *cap_vb)
{
	v4l2_m2m_buf_copy_metadata(out_vb, cap_vb);
}
#else
static inline void vb2_dmabuf_compat_fh_add(struct v4l2_fh *fh,
					    struct file *file)
{
	file->private_data = fh;
	v4l2_fh_add(fh);
}

static inline void vb2_dmabuf_compat_fh_del(struct v4l2_fh *fh,
					    struct file *file)
{
	v4l2_fh_del(fh);
	file->private_data = NULL;
}

static inline void
vb2_dmabuf_compat_m2m_copy_metadata(const struct vb2_v4l2_buffer *out_vb,
				    struct vb2_v4l2_buffer *cap_vb)
{
	v4l2_m2m_buf_copy_metadata(out_vb, cap_vb, true);
}
#endif

/*
 * A queue's two minimum buffer counts. Since 6.8 vb2 keeps them apart:
 * min_queued_buffers (queued before start_streaming is called) and
 * min_reqbufs_allocation (the least VIDIOC_REQBUFS allocates). Before,
 * min_buffers_needed was both, so there @reqbufs cannot be honoured without
 * also holding start_streaming back until @reqbufs buffers are queued:
 * REQBUFS then allocates at least @queued. Upstream: the two assignments.
 */
static inline void vb2_dmabuf_compat_set_min_buffers(struct vb2_queue *q,
						     u32 queued, u32 reqbufs)
{
#if VB2_DMABUF_KERNEL_SINCE(6, 8)
	q->min_queued_buffers = queued;
	q->min_reqbufs_allocation = reqbufs;
#else
	q->min_buffers_needed = queued;
#endif
}

/*
 * VIDIOC_REMOVE_BUFS came with 6.10; before, struct v4l2_ioctl_ops has no
 * vidioc_remove_bufs. In an ops table of a vb2 driver, instead of that
 * member's initializer: VB2_DMABUF_COMPAT_VB2_IOCTL_REMOVE_BUFS (a mem2mem
 * driver: VB2_DMABUF_COMPAT_M2M_IOCTL_REMOVE_BUFS)
 * Upstream: .vidioc_remove_bufs = vb2_ioctl_remove_bufs, (or
 * v4l2_m2m_ioctl_remove_bufs)
 */
#if VB2_DMABUF_KERNEL_SINCE(6, 10)
#define VB2_DMABUF_COMPAT_VB2_IOCTL_REMOVE_BUFS \
	.vidioc_remove_bufs = vb2_ioctl_remove_bufs,
#define VB2_DMABUF_COMPAT_M2M_IOCTL_REMOVE_BUFS \
	.vidioc_remove_bufs = v4l2_m2m_ioctl_remove_bufs,
#else
#define VB2_DMABUF_COMPAT_VB2_IOCTL_REMOVE_BUFS
#define VB2_DMABUF_COMPAT_M2M_IOCTL_REMOVE_BUFS
#endif

/*
 * struct platform_driver's remove returns void since 6.11; before, it
 * returned an int (that the driver core ignored). Defines @fn##_compat, of
 * the type .remove wants, around the void @fn:
 *	VB2_DMABUF_COMPAT_PLATFORM_REMOVE(vivbuf_remove)
 *	... .remove = vivbuf_remove_compat,
 * Upstream: .remove = fn, and no wrapper.
 */
#if VB2_DMABUF_KERNEL_SINCE(6, 11)
#define VB2_DMABUF_COMPAT_PLATFORM_REMOVE(fn)				\
static void fn##_compat(struct platform_device *pdev)			\
{									\
	fn(pdev);							\
}
#else
#define VB2_DMABUF_COMPAT_PLATFORM_REMOVE(fn)				\
static int fn##_compat(struct platform_device *pdev)			\
{									\
	fn(pdev);							\
	return 0;							\
}
#endif

/*
 * Typed allocation: 7.x's kzalloc_obj() and kmalloc_objs() (which upstream
 * checkpatch asks for) take the object, not its size. Older kernels get them
 * with the explicit GFP argument that the callers always pass.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(obj, gfp)		kzalloc(sizeof(obj), gfp)
#define kmalloc_objs(obj, count, gfp)	kmalloc_array(count, sizeof(obj), gfp)
#endif

#endif /* _MEDIA_VIDEOBUF2_DMABUF_COMPAT_H */
