/* SPDX-License-Identifier: GPL-2.0 */
/*
 * videobuf2-dmabuf.h - page-backed videobuf2 allocator with dma-buf sharing
 *
 * Drivers set &vb2_queue.mem_ops to &vb2_dmabuf_memops to get MMAP buffers
 * (exportable with VIDIOC_EXPBUF, one &struct dma_buf per plane) and DMABUF
 * import. vb2_plane_vaddr() works for both; vb2_dmabuf_plane_sgt() gives the
 * device-mapped scatter-gather table of a plane. While the driver owns a
 * buffer, its planes' reservation objects carry a fence of ours (implicit
 * sync), see vb2_dmabuf_buf_queued().
 */

#ifndef _MEDIA_VIDEOBUF2_DMABUF_H
#define _MEDIA_VIDEOBUF2_DMABUF_H

#include <media/videobuf2-core.h>

struct sg_table;

/**
 * DOC: vb2_dmabuf_memops
 *
 * &vb2_dmabuf_memops are the videobuf2 memory operations of this allocator.
 * They support V4L2_MEMORY_MMAP, with VIDIOC_EXPBUF returning one
 * &struct dma_buf per plane for as long as it is referenced, and
 * V4L2_MEMORY_DMABUF, with imported dma-bufs mapped once per attachment.
 * USERPTR is not supported. vb2_plane_vaddr() works for both memory types
 * and vb2_plane_cookie() returns the plane's device-mapped &struct sg_table,
 * as vb2_dmabuf_plane_sgt() does.
 */
extern const struct vb2_mem_ops vb2_dmabuf_memops;

/**
 * vb2_dmabuf_plane_sgt() - the device-mapped sg_table of a plane
 * @vb:		a buffer of a queue using &vb2_dmabuf_memops
 * @plane_no:	index of the plane
 *
 * For an MMAP plane the table is mapped for the queue's (or the plane's
 * allocation) device with the queue's direction; for a DMABUF plane it is
 * the table the exporter returned for that device. Use the DMA addresses
 * (for_each_sgtable_dma_sg()), not the pages, which an exporter may not
 * provide. The table is valid while the plane's memory is attached to @vb.
 *
 * Return: the table, or NULL if the plane has no memory (or is not mapped
 * yet) or @vb does not belong to a &vb2_dmabuf_memops queue.
 */
struct sg_table *vb2_dmabuf_plane_sgt(struct vb2_buffer *vb,
				      unsigned int plane_no);

/**
 * DOC: implicit fences
 *
 * While the driver owns a buffer, each of its planes' reservation objects
 * (&struct dma_resv) carries a fence of ours: DMA_RESV_USAGE_WRITE on a
 * capture queue, DMA_RESV_USAGE_READ on an output queue. poll() on an
 * exported or imported dma-buf fd and DMA_BUF_IOCTL_EXPORT_SYNC_FILE thus
 * tell userspace, and other drivers (KMS, GPUs) wait, until the frame is
 * done. The fence signals when the driver completes the buffer, with an
 * error when it returns the buffer unfinished, and with -ETIMEDOUT when the
 * frame overruns its watchdog.
 *
 * The fences obey the finite-time rule of the dma-buf documentation
 * ("Indefinite DMA Fences"): a fence is published only in buf_queue, which
 * vb2 calls once streaming has started (a buffer queued before STREAMON gets
 * its fence at STREAMON), so it never waits on a userspace action; it only
 * waits for the device and for the other users' fences, the latter with a
 * bound (in_fence_timeout_ms); and a watchdog signals it after
 * max(1 s, (fence_timeout_frames + buffers queued in the driver) frame
 * intervals) plus in_fence_timeout_ms, as this buffer or one ahead of it
 * may wait that long for in-fences. Signalling takes
 * only the fence's spinlock and is annotated with
 * dma_fence_begin_signalling().
 *
 * A buffer the driver owns carries our fence or is failed: when the fence
 * cannot be published (out of memory), vb2_dmabuf_buf_ready() says so and
 * the driver completes the buffer with an error instead of letting the
 * device touch it unannounced.
 *
 * Before the device writes (capture) or reads (output) a plane, the other
 * users' conflicting fences must have signalled: vb2_dmabuf_buf_ready()
 * tells the driver, without blocking. A DMA_BUF_IOCTL_IMPORT_SYNC_FILE on
 * the buffer thus holds the device off until it signals, at most
 * in_fence_timeout_ms, after which the buffer fails.
 *
 * A driver calls vb2_dmabuf_buf_queued() in buf_queue, checks
 * vb2_dmabuf_buf_ready() before the device accesses the buffer and
 * completes it with vb2_dmabuf_buffer_done() instead of vb2_buffer_done().
 *
 * The module parameter "fences" turns all of it off (for new buffers).
 */

/**
 * vb2_dmabuf_buf_queued() - publish the fence of a buffer the driver takes
 * @vb:			the buffer, from the driver's &vb2_ops.buf_queue
 * @frame_interval_ns:	the time the device takes per frame; the watchdog
 *			allows fence_timeout_frames of them, plus one per
 *			buffer the driver owns, and at least 1 s, plus
 *			in_fence_timeout_ms
 *
 * Call it from buf_queue before the buffer becomes visible to the device
 * side (its list, its interrupt handler). It collects the fences of the
 * other users of each plane, adds a new fence of ours to each plane's
 * reservation object and arms the watchdog. It sleeps and allocates, so it
 * must not be called from a fence signalling path.
 *
 * The driver must then complete the buffer with vb2_dmabuf_buffer_done().
 *
 * When the fence cannot be published (out of memory), the device must not
 * touch the buffer: other drivers would not know to wait for it. The error
 * is kept and vb2_dmabuf_buf_ready() returns it, so a driver that asks it
 * before each access completes the buffer with %VB2_BUF_STATE_ERROR. That
 * is the only way the error is reported: buf_queue cannot fail. A buffer of
 * a queue that does not use &vb2_dmabuf_memops is left alone, with a
 * warning, and vb2_dmabuf_buf_ready() fails it.
 */
void vb2_dmabuf_buf_queued(struct vb2_buffer *vb, u64 frame_interval_ns);

/**
 * vb2_dmabuf_buf_ready() - may the device access a buffer now?
 * @vb:	a buffer the driver owns, passed to vb2_dmabuf_buf_queued()
 *
 * Tells whether the other users of the buffer's planes are done with them,
 * without blocking; may be called in atomic context. The driver keeps the
 * buffer, and asks again later (e.g. at the next frame), while it returns
 * -EAGAIN. On any other error it must complete the buffer with
 * vb2_dmabuf_buffer_done() and %VB2_BUF_STATE_ERROR.
 *
 * Return: 0 when the device may access the buffer; -EAGAIN while other users'
 * fences are pending; -ETIMEDOUT when they did not signal within
 * in_fence_timeout_ms, or when the buffer's watchdog already failed it; the
 * error of vb2_dmabuf_buf_queued() when it could not publish the fence;
 * -EINVAL if @vb does not belong to a &vb2_dmabuf_memops queue.
 */
int vb2_dmabuf_buf_ready(struct vb2_buffer *vb);

/**
 * vb2_dmabuf_buffer_done() - complete a buffer and signal its fence
 * @vb:		a buffer the driver owns
 * @state:	as for vb2_buffer_done()
 *
 * Use it instead of vb2_buffer_done() for every buffer passed to
 * vb2_dmabuf_buf_queued(), on every path: frame done, error, STREAMOFF,
 * failed start_streaming. The fence signals right after vb2 has the buffer
 * ready to dequeue, so a waiter woken by it finds the buffer there: with
 * success for %VB2_BUF_STATE_DONE, with -EIO for %VB2_BUF_STATE_ERROR and
 * -ECANCELED for %VB2_BUF_STATE_QUEUED. A frame whose watchdog expired is
 * completed with %VB2_BUF_STATE_ERROR (its fence says -ETIMEDOUT). Same
 * context rules as vb2_buffer_done(). A buffer of a queue that does not use
 * &vb2_dmabuf_memops is only passed to vb2_buffer_done(), with a warning.
 */
void vb2_dmabuf_buffer_done(struct vb2_buffer *vb,
			    enum vb2_buffer_state state);

/**
 * vb2_dmabuf_plane_device_vaddr() - a plane as the device sees it
 * @vb:		a buffer of a queue using &vb2_dmabuf_memops
 * @plane_no:	index of the plane
 *
 * For drivers whose device is the CPU (virtual drivers such as vivbuf, and
 * tests of the DMA path): a kernel mapping of the memory behind the plane's
 * DMA addresses, which is where a DMA engine would read and write. It is
 * not the buffer's pages when the DMA layer bounces (swiotlb), so a CPU
 * that plays the device through it leaves every copy between the device's
 * view and the CPU's to the DMA API syncs of the allocator and of the
 * exporters, exactly as hardware would; vb2_plane_vaddr() is the CPU's
 * view instead.
 *
 * Only for devices without an IOMMU, whose DMA addresses are physical
 * addresses. The first call for a plane maps it (it allocates), so make it
 * before vb2_dmabuf_buf_queued() publishes the fence, e.g. in buf_prepare,
 * where imported planes are already mapped for the device; later calls take
 * no lock and may run on the fence signalling path. The mapping is valid
 * until the plane's memory is released (or another dma-buf is queued on
 * it). Frames need no extra cache maintenance: the CPU is the device.
 *
 * Return: the mapping, or NULL if the plane is not mapped for the device,
 * the device is behind an IOMMU, its mapping cannot be mapped this way, or
 * memory is short.
 */
void *vb2_dmabuf_plane_device_vaddr(struct vb2_buffer *vb,
				    unsigned int plane_no);

#endif /* _MEDIA_VIDEOBUF2_DMABUF_H */
