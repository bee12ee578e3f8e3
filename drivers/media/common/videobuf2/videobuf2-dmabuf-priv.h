/* SPDX-License-Identifier: GPL-2.0 */
/*
 * videobuf2-dmabuf-priv.h - what the files of videobuf2-dmabuf share
 *
 * The module is built from videobuf2-dmabuf-memops.c (the memory operations:
 * MMAP planes, export, import), videobuf2-dmabuf-fence.c (implicit fences
 * and their watchdog) and videobuf2-dmabuf-debugfs.c (the counters).
 *
 * Locking, outermost first:
 *  - &vb2_dmabuf_buf.export_lock (exporting side) guards the cached dma_buf
 *    pointers; it is held around dma_buf_export() and never nests with the
 *    reservation lock.
 *  - the dma-buf reservation lock, held by the dma-buf core around
 *    map_dma_buf and vmap since 6.2.
 *  - &vb2_dmabuf_buf.lock. On an MMAP buffer it guards the kernel mapping,
 *    the attachment list with each attachment's DMA mapping and the device
 *    mapping's lifetime, so it nests inside the reservation lock. On an
 *    imported buffer it guards the kernel mapping and is held while calling
 *    into the foreign exporter, i.e. outside that exporter's reservation
 *    lock. The two uses are initialised at different call sites and so are
 *    separate lockdep classes.
 *  - vb2_dmabuf_watchdog_lock guards the watchdog's list of pending fences;
 *    it never nests with the others (fences are signalled after it is
 *    dropped).
 *  - &vb2_dmabuf_fence.lock, innermost: the only lock our fence signalling
 *    takes. Publishing (buf_queue) takes a plane's reservation lock, under
 *    the vb2 queue's lock, and never while signalling.
 */

#ifndef _VIDEOBUF2_DMABUF_PRIV_H
#define _VIDEOBUF2_DMABUF_PRIV_H

#include <linux/atomic.h>
#include <linux/dma-direction.h>
#include <linux/dma-resv.h>
#include <linux/init.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

#include <media/videobuf2-core.h>

#define VB2_DMABUF_EXPORTER_NAME	"videobuf2-dmabuf"

/* The counters of debugfs, see videobuf2-dmabuf-debugfs.c */
struct vb2_dmabuf_stats {
	atomic64_t exports;
	atomic64_t expbufs;
	atomic64_t imports;
	atomic64_t attachments;
	atomic64_t maps;
	atomic64_t unmaps;
	atomic64_t cpu_syncs;
	atomic64_t cpu_maps;
	atomic64_t kernel_vmaps;
	atomic64_t live_buffers;
	atomic64_t live_dmabufs;
	atomic64_t fences_published;
	atomic64_t fences_signalled;
	atomic64_t fences_errored;
	atomic64_t fences_timedout;
	atomic64_t in_fence_waits;
	atomic64_t in_fence_timeouts;
};

extern struct vb2_dmabuf_stats vb2_dmabuf_stats;

/* O_RDONLY, O_WRONLY and O_RDWR: the values of flags & O_ACCMODE */
#define VB2_DMABUF_ACCESS_MODES		3

struct vb2_dmabuf_fence;

/**
 * struct vb2_dmabuf_buf - memory of one plane
 * @imported:	the plane is a dma-buf imported with attach_dmabuf, otherwise
 *		an MMAP plane allocated here
 * @vb:		the vb2 buffer; on an MMAP plane only valid until vb2's put
 * @dev:	the device the plane is mapped for; on an MMAP plane it holds a
 *		reference and is NULL once vb2 has put the plane
 * @dma_dir:	direction of the device mapping, from the queue
 * @size:	size in bytes (a whole number of pages for MMAP)
 * @lock:	see the locking notes at the top of the file
 * @vaddr:	kernel mapping, made on first use and kept until release
 * @device_vaddr: kernel mapping of what the device sees (the memory behind
 *		the DMA addresses), made on first use, kept while the device
 *		mapping lives; see vb2_dmabuf_plane_device_vaddr()
 * @num_pages:	MMAP: number of entries in @pages
 * @pages:	MMAP: the pages, in buffer order
 * @sgt:	MMAP: @pages as an sg_table, DMA-mapped for @dev while @dev is set
 * @refcount:	MMAP: vb2's reference, one per vma, one per exported dma_buf
 * @attachments: MMAP: &struct vb2_dmabuf_attachment of importers of @exported
 * @export_lock: MMAP: guards @exported
 * @exported:	MMAP: the dma_buf of this plane per access mode (indexed by
 *		O_ACCMODE flags) or NULL, each with a file reference of ours
 *		until vb2 puts the plane
 * @import_dbuf: import: the dma_buf, referenced by vb2 while we exist; its
 *		reservation object is where implicit fences are to be found
 * @db_attach:	import: our attachment to @import_dbuf, made on first map
 * @import_sgt:	import: the mapping of @db_attach, kept until detach
 * @import_map:	import: the dma-buf vmap behind @vaddr
 * @resv:	MMAP: the reservation object of the plane, given to every
 *		dma_buf exported from it, so that fences published before the
 *		first EXPBUF are seen by it
 * @fence_context: plane 0 only: the fence context of the buffer. A buffer is
 *		in flight at most once at a time, so its fences signal in order.
 * @fence_seqno: plane 0 only: the sequence number of the last fence
 * @fence:	plane 0 only: our fence while the driver owns the buffer
 * @publish_error: plane 0 only: why vb2_dmabuf_buf_queued() could not
 *		publish the fence of the buffer the driver owns, or 0
 * @in_fence:	the other users' fences the device must wait for, or NULL
 * @in_fence_deadline: jiffies after which waiting for @in_fence fails
 */
struct vb2_dmabuf_buf {
	bool				imported;
	struct vb2_buffer		*vb;
	struct device			*dev;
	enum dma_data_direction		dma_dir;
	unsigned long			size;
	struct mutex			lock;	/* see the file's locking notes */
	void				*vaddr;
	void				*device_vaddr;

	unsigned int			num_pages;
	struct page			**pages;
	struct sg_table			sgt;
	refcount_t			refcount;
	struct list_head		attachments;
	struct mutex			export_lock;	/* guards @exported */
	struct dma_buf			*exported[VB2_DMABUF_ACCESS_MODES];

	struct dma_buf			*import_dbuf;
	struct dma_buf_attachment	*db_attach;
	struct sg_table			*import_sgt;
	struct iosys_map		import_map;

	struct dma_resv			resv;
	u64				fence_context;
	u64				fence_seqno;
	struct vb2_dmabuf_fence		*fence;
	int				publish_error;
	struct dma_fence		*in_fence;
	unsigned long			in_fence_deadline;
};

/* videobuf2-dmabuf-fence.c */
void vb2_dmabuf_drop_fences(struct vb2_dmabuf_buf *buf);
int vb2_dmabuf_fences_init(void);
void vb2_dmabuf_fences_exit(void);

/* videobuf2-dmabuf-debugfs.c */
void vb2_dmabuf_debugfs_init(void);
void vb2_dmabuf_debugfs_exit(void);

#endif /* _VIDEOBUF2_DMABUF_PRIV_H */
