// SPDX-License-Identifier: GPL-2.0
/*
 * videobuf2-dmabuf.c - page-backed videobuf2 allocator with dma-buf sharing
 *
 * MMAP buffers are built from single zeroed pages kept in an sg_table, which
 * is mapped once for the queue's device and synced in prepare() and finish().
 * Such a plane can be exported with VIDIOC_EXPBUF; DMABUF planes are imported
 * from any exporter.
 *
 * Export: a plane has one &struct dma_buf per access mode (O_RDONLY,
 * O_WRONLY, O_RDWR), created by the first VIDIOC_EXPBUF with that mode.
 * Every later EXPBUF with the same mode returns a new fd on that same
 * dma_buf, so importers that cache by dma_buf or by inode (DRM PRIME,
 * GStreamer) see one object, and every fd has the mode it was asked for.
 * The plane holds a file reference on each of its dma_bufs until vb2 puts
 * the plane (REQBUFS(0), close), so the cached pointer is always backed by
 * a reference of ours, never borrowed from a file someone else may free.
 * Each dma_buf holds a reference on the plane's memory in turn, so the
 * pages outlive REQBUFS(0) and close() for as long as an fd, an importer or
 * a mapping uses them. All dma_bufs of a plane share its reservation object.
 *
 * Import: a dma-buf is attached and mapped for the device the first time it
 * is queued on a plane, and the mapping is kept until vb2 detaches it (a
 * different fd is queued on that index, REQBUFS(0) or close). Queueing the
 * same dma-buf again costs no map/unmap.
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
 *
 * Counters in debugfs, /sys/kernel/debug/v4l2-dmabuf/, one read-only file
 * each, printing a decimal u64:
 *  - exports: struct dma_buf objects created by get_dmabuf.
 *  - expbufs: get_dmabuf calls (VIDIOC_EXPBUF), reused dma_bufs included.
 *  - imports: dma-bufs taken on by a DMABUF plane (successful attach_dmabuf
 *    calls; queueing the same dma-buf again does not count).
 *  - attachments: importers attaching to dma_bufs we exported.
 *  - maps: dma_buf_map_attachment calls made for imported planes.
 *  - unmaps: the matching dma_buf_unmap_attachment calls.
 *  - cpu_syncs: begin_cpu_access and end_cpu_access calls on our exports
 *    (what DMA_BUF_IOCTL_SYNC reaches).
 *  - cpu_maps: userspace mappings of MMAP planes, through the video node
 *    or an exported dma-buf fd. The allocator itself never copies a frame,
 *    so this is where a CPU copy or pixel read would have to start: a
 *    zero-copy pipeline leaves it unchanged while it streams.
 *  - kernel_vmaps: kernel mappings of our exports taken by importers with
 *    dma_buf_vmap() (software "devices" such as vkms's composer).
 *  - live_buffers: MMAP planes whose pages are currently allocated.
 *  - live_dmabufs: exported struct dma_buf objects currently alive; a
 *    plane keeps those it exported alive until vb2 puts it.
 *  - fences_published, fences_signalled: our implicit fences (see the DOC:
 *    section "implicit fences"), fences_errored those signalled with an
 *    error, fences_timedout those signalled by the watchdog.
 *  - fences_pending: published minus signalled; 0 whenever no buffer is
 *    queued in a streaming driver.
 *  - in_fence_waits: buffers that had to wait for other users' fences;
 *    in_fence_timeouts: those failed because the wait took too long.
 */

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-fence.h>
#include <linux/dma-fence-array.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/iosys-map.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <media/videobuf2-core.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#define VB2_DMABUF_EXPORTER_NAME	"videobuf2-dmabuf"

static struct {
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
} vb2_dmabuf_stats;

/* O_RDONLY, O_WRONLY and O_RDWR: the values of flags & O_ACCMODE */
#define VB2_DMABUF_ACCESS_MODES		3

/**
 * struct vb2_dmabuf_fence - our fence on a buffer the driver owns
 * @base:	the fence; freed with the structure after an RCU grace period
 *		by our release op, which also drops the module reference the
 *		fence holds
 * @lock:	the fence's lock; the fence is alone on its context
 * @watchdog_node: entry in the watchdog's list while the fence is pending
 *		and not expired; empty once taken off (done or expired)
 * @deadline:	jiffies at which the watchdog signals it with -ETIMEDOUT
 * @timeline:	the device's name, copied so that it outlives the device
 */
struct vb2_dmabuf_fence {
	struct dma_fence		base;
	spinlock_t			lock;	/* see @base.lock */
	struct list_head		watchdog_node;
	unsigned long			deadline;
	char				timeline[32];
};

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

/**
 * struct vb2_dmabuf_attachment - an importer's view of an exported plane
 * @node:	entry in &vb2_dmabuf_buf.attachments
 * @dev:	the importing device
 * @sgt:	the page list, segmented and mapped for @dev; never leaves the
 *		exporter, so it is always fit to sync and unmap
 * @importer_sgt: what map_dma_buf hands the importer: the same entries as
 *		@sgt, DMA addresses included. The importer (and the dma-buf
 *		core, which scrambles its page pointers with
 *		CONFIG_DMABUF_DEBUG) may do what it likes with it.
 * @dir:	direction @sgt is mapped with, DMA_NONE while unmapped
 */
struct vb2_dmabuf_attachment {
	struct list_head		node;
	struct device			*dev;
	struct sg_table			sgt;
	struct sg_table			importer_sgt;
	enum dma_data_direction		dir;
};

/* Implicit fences: our fences, published while the driver owns a buffer */

static bool vb2_dmabuf_fences_enabled = true;
module_param_named(fences, vb2_dmabuf_fences_enabled, bool, 0644);
MODULE_PARM_DESC(fences,
		 "publish implicit fences on queued buffers and wait for the other users' fences (default: on)");

/*
 * The time bounds are clamped, so that the watchdog's arithmetic cannot wrap
 * and a fence of ours stays bounded by minutes, whatever is written here.
 */
#define VB2_DMABUF_MAX_TIMEOUT_FRAMES	1000
#define VB2_DMABUF_MAX_IN_FENCE_MS	60000

static int vb2_dmabuf_set_timeout_frames(const char *val,
					 const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, VB2_DMABUF_MAX_TIMEOUT_FRAMES);
}

static const struct kernel_param_ops vb2_dmabuf_timeout_frames_ops = {
	.set = vb2_dmabuf_set_timeout_frames,
	.get = param_get_uint,
};

static int vb2_dmabuf_set_in_fence_ms(const char *val,
				      const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, VB2_DMABUF_MAX_IN_FENCE_MS);
}

static const struct kernel_param_ops vb2_dmabuf_in_fence_ms_ops = {
	.set = vb2_dmabuf_set_in_fence_ms,
	.get = param_get_uint,
};

static unsigned int vb2_dmabuf_fence_timeout_frames = 10;
module_param_cb(fence_timeout_frames, &vb2_dmabuf_timeout_frames_ops,
		&vb2_dmabuf_fence_timeout_frames, 0644);
MODULE_PARM_DESC(fence_timeout_frames,
		 "watchdog: a frame not done after this many frame intervals (1-1000), one more per buffer ahead, at least 1 s and at most 1 h, plus in_fence_timeout_ms, fails with -ETIMEDOUT (default: 10)");

static unsigned int vb2_dmabuf_in_fence_timeout_ms = 1000;
module_param_cb(in_fence_timeout_ms, &vb2_dmabuf_in_fence_ms_ops,
		&vb2_dmabuf_in_fence_timeout_ms, 0644);
MODULE_PARM_DESC(in_fence_timeout_ms,
		 "how long the device waits for the other users' fences before failing the buffer, 0-60000 (default: 1000)");

/* The watchdog's floor and ceiling, whatever the frame interval */
#define VB2_DMABUF_WATCHDOG_MIN_MS	1000
#define VB2_DMABUF_WATCHDOG_MAX_MS	(3600 * MSEC_PER_SEC)

/* Runs the watchdog; reclaim may wait for our fences, so it must progress */
static struct workqueue_struct *vb2_dmabuf_wq;

/*
 * One watchdog for all our pending fences, rather than a timer per fence:
 * publishing and completing a frame then only link and unlink a list entry,
 * and the timer moves only when a fence expires sooner than every other one.
 * The list holds no references: a fence is on it only while its buffer's
 * reference (&vb2_dmabuf_buf.fence) lives, and the buffer's side takes it
 * off before dropping that reference.
 */
static void vb2_dmabuf_watchdog_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(vb2_dmabuf_watchdog, vb2_dmabuf_watchdog_work);
/* Guards the three below; buffer_done may take it in interrupt context. */
static DEFINE_SPINLOCK(vb2_dmabuf_watchdog_lock);
static LIST_HEAD(vb2_dmabuf_watchdog_pending);
static bool vb2_dmabuf_watchdog_armed;
static unsigned long vb2_dmabuf_watchdog_expiry;

static const char *vb2_dmabuf_fence_get_driver_name(struct dma_fence *fence)
{
	return VB2_DMABUF_EXPORTER_NAME;
}

static const char *vb2_dmabuf_fence_get_timeline_name(struct dma_fence *fence)
{
	return container_of(fence, struct vb2_dmabuf_fence, base)->timeline;
}

/*
 * A fence outlives its buffer, its driver and every fd: a sync_file, or a
 * foreign dma-buf's reservation object, may hold it for as long as it
 * likes, and its ops point into this module. So each fence pins the module
 * (vb2_dmabuf_fence_create() takes the reference), and the reference goes
 * with the fence's memory, after the RCU grace period that lockless readers
 * of the fence need. Having a release op also keeps 7.x's dma-fence core
 * from detaching the ops at signalling time, so this is called on every
 * kernel; the module's exit waits for the last such callback to return.
 */
static void vb2_dmabuf_fence_free_rcu(struct rcu_head *rcu)
{
	struct dma_fence *fence = container_of(rcu, struct dma_fence, rcu);

	kfree(container_of(fence, struct vb2_dmabuf_fence, base));
	module_put(THIS_MODULE);
}

static void vb2_dmabuf_fence_release(struct dma_fence *fence)
{
	call_rcu(&fence->rcu, vb2_dmabuf_fence_free_rcu);
}

static const struct dma_fence_ops vb2_dmabuf_fence_ops = {
	.get_driver_name = vb2_dmabuf_fence_get_driver_name,
	.get_timeline_name = vb2_dmabuf_fence_get_timeline_name,
	.release = vb2_dmabuf_fence_release,
};

/*
 * Signals @f with @error (0 for success) unless it already is: completion,
 * watchdog and teardown race, the first one wins. This is the signalling
 * path of our fences, so lockdep is told: it takes only the fence's
 * spinlock and allocates nothing. Returns true when this call signalled.
 */
static bool vb2_dmabuf_fence_signal(struct vb2_dmabuf_fence *f, int error)
{
	bool signalled = false;
	unsigned long flags;
	bool cookie;

	cookie = dma_fence_begin_signalling();
	spin_lock_irqsave(&f->lock, flags);
	if (!test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &f->base.flags)) {
		if (error)
			dma_fence_set_error(&f->base, error);
		dma_fence_signal_locked(&f->base);
		signalled = true;
	}
	spin_unlock_irqrestore(&f->lock, flags);
	dma_fence_end_signalling(cookie);

	if (signalled) {
		atomic64_inc(&vb2_dmabuf_stats.fences_signalled);
		if (error)
			atomic64_inc(&vb2_dmabuf_stats.fences_errored);
	}
	return signalled;
}

static void vb2_dmabuf_watchdog_arm(unsigned long expiry)
{
	unsigned long now = jiffies;

	lockdep_assert_held(&vb2_dmabuf_watchdog_lock);
	mod_delayed_work(vb2_dmabuf_wq, &vb2_dmabuf_watchdog,
			 time_after(expiry, now) ? expiry - now : 0);
	vb2_dmabuf_watchdog_armed = true;
	vb2_dmabuf_watchdog_expiry = expiry;
}

/* Puts @f, whose deadline is set, under the watchdog. */
static void vb2_dmabuf_watchdog_add(struct vb2_dmabuf_fence *f)
{
	unsigned long flags;

	spin_lock_irqsave(&vb2_dmabuf_watchdog_lock, flags);
	list_add_tail(&f->watchdog_node, &vb2_dmabuf_watchdog_pending);
	/* Deadlines mostly grow: the timer moves only for an earlier one. */
	if (!vb2_dmabuf_watchdog_armed ||
	    time_before(f->deadline, vb2_dmabuf_watchdog_expiry))
		vb2_dmabuf_watchdog_arm(f->deadline);
	spin_unlock_irqrestore(&vb2_dmabuf_watchdog_lock, flags);
}

/*
 * Takes @f off the watchdog. Returns false if the watchdog had already
 * taken it, to signal it with -ETIMEDOUT. The timer is left as it is: at
 * worst it fires once for nothing.
 */
static bool vb2_dmabuf_watchdog_remove(struct vb2_dmabuf_fence *f)
{
	unsigned long flags;
	bool pending;

	spin_lock_irqsave(&vb2_dmabuf_watchdog_lock, flags);
	pending = !list_empty(&f->watchdog_node);
	list_del_init(&f->watchdog_node);
	spin_unlock_irqrestore(&vb2_dmabuf_watchdog_lock, flags);
	return pending;
}

/*
 * Takes the first expired fence off the list, with a reference, or re-arms
 * the timer for the earliest deadline left and returns NULL.
 */
static struct vb2_dmabuf_fence *vb2_dmabuf_watchdog_next_expired(void)
{
	struct vb2_dmabuf_fence *f, *expired = NULL;
	unsigned long flags, now = jiffies, earliest = 0;
	bool pending = false;

	spin_lock_irqsave(&vb2_dmabuf_watchdog_lock, flags);
	list_for_each_entry(f, &vb2_dmabuf_watchdog_pending, watchdog_node) {
		if (!time_before(now, f->deadline)) {
			expired = f;
			break;
		}
		if (!pending || time_before(f->deadline, earliest))
			earliest = f->deadline;
		pending = true;
	}
	if (expired) {
		list_del_init(&expired->watchdog_node);
		dma_fence_get(&expired->base);
	} else if (pending) {
		vb2_dmabuf_watchdog_arm(earliest);
	} else {
		vb2_dmabuf_watchdog_armed = false;
	}
	spin_unlock_irqrestore(&vb2_dmabuf_watchdog_lock, flags);
	return expired;
}

static void vb2_dmabuf_watchdog_work(struct work_struct *work)
{
	struct vb2_dmabuf_fence *f;

	while ((f = vb2_dmabuf_watchdog_next_expired())) {
		if (vb2_dmabuf_fence_signal(f, -ETIMEDOUT)) {
			atomic64_inc(&vb2_dmabuf_stats.fences_timedout);
			pr_info_ratelimited("%s: %s: frame not done in time, fence signalled with -ETIMEDOUT\n",
					    VB2_DMABUF_EXPORTER_NAME,
					    f->timeline);
		}
		dma_fence_put(&f->base);
	}
}

/* Ends the fence's life as ours: off the watchdog, signalled, dropped. */
static void vb2_dmabuf_fence_finish(struct vb2_dmabuf_fence *f, int error)
{
	vb2_dmabuf_watchdog_remove(f);
	vb2_dmabuf_fence_signal(f, error);
	dma_fence_put(&f->base);
}

/*
 * The plane goes away, or is queued again, with fences still attached: the
 * driver returned it without vb2_dmabuf_buffer_done(). Ours must signal.
 */
static void vb2_dmabuf_drop_fences(struct vb2_dmabuf_buf *buf)
{
	if (buf->fence) {
		vb2_dmabuf_fence_finish(buf->fence, -ECANCELED);
		buf->fence = NULL;
	}
	dma_fence_put(buf->in_fence);
	buf->in_fence = NULL;
}

static struct dma_resv *vb2_dmabuf_resv(struct vb2_dmabuf_buf *buf)
{
	return buf->imported ? buf->import_dbuf->resv : &buf->resv;
}

/* MMAP planes: pages, lifetime, CPU and device access */

static void vb2_dmabuf_free_pages(struct vb2_dmabuf_buf *buf,
				  unsigned int count)
{
	while (count--)
		__free_page(buf->pages[count]);
	kvfree(buf->pages);
	buf->pages = NULL;
}

static int vb2_dmabuf_alloc_pages(struct vb2_dmabuf_buf *buf, gfp_t gfp)
{
	unsigned int i;

	buf->pages = kvcalloc(buf->num_pages, sizeof(*buf->pages),
			      GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
			      __GFP_NOWARN);
	if (!buf->pages)
		return -ENOMEM;

	/*
	 * Zeroed: the pages can reach userspace before the device writes.
	 * The size comes from userspace (VIDIOC_CREATE_BUFS), so running out
	 * of memory must fail this allocation with ENOMEM rather than have
	 * the OOM killer take some other process (__GFP_RETRY_MAYFAIL), and
	 * the pages are charged to the memory cgroup of the caller, who can
	 * hold them as long as it likes (__GFP_ACCOUNT).
	 */
	for (i = 0; i < buf->num_pages; i++) {
		buf->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					   __GFP_NOWARN | __GFP_RETRY_MAYFAIL |
					   gfp);
		if (!buf->pages[i]) {
			vb2_dmabuf_free_pages(buf, i);
			return -ENOMEM;
		}
	}

	return 0;
}

/*
 * The largest DMA segment @dev can take. dma_get_max_seg_size() is the
 * device's own limit; dma_max_mapping_size() the DMA layer's, e.g. 256 KiB
 * when swiotlb bounces the mapping, and a larger segment fails to map.
 */
static unsigned int vb2_dmabuf_max_segment(struct device *dev)
{
	size_t max = min_t(size_t, dma_get_max_seg_size(dev),
			   dma_max_mapping_size(dev));

	/* At least a page: the tables are built of whole pages. */
	return max_t(size_t, round_down(min_t(size_t, max, UINT_MAX), PAGE_SIZE),
		     PAGE_SIZE);
}

static void vb2_dmabuf_release_buf(struct vb2_dmabuf_buf *buf)
{
	if (buf->vaddr)
		vunmap(buf->vaddr);
	sg_free_table(&buf->sgt);
	vb2_dmabuf_free_pages(buf, buf->num_pages);
	dma_resv_fini(&buf->resv);
	mutex_destroy(&buf->export_lock);
	mutex_destroy(&buf->lock);
	kfree(buf);
	atomic64_dec(&vb2_dmabuf_stats.live_buffers);
}

static void vb2_dmabuf_unref(struct vb2_dmabuf_buf *buf)
{
	if (refcount_dec_and_test(&buf->refcount))
		vb2_dmabuf_release_buf(buf);
}

static void *vb2_dmabuf_alloc(struct vb2_buffer *vb, struct device *dev,
			      unsigned long size)
{
	struct vb2_queue *q = vb->vb2_queue;
	struct vb2_dmabuf_buf *buf;
	int ret;

	if (WARN_ON(!dev || !size))
		return ERR_PTR(-EINVAL);

	buf = kzalloc_obj(*buf, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	buf->vb = vb;
	buf->dma_dir = q->dma_dir;
	buf->num_pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	buf->size = (unsigned long)buf->num_pages << PAGE_SHIFT;
	refcount_set(&buf->refcount, 1);
	INIT_LIST_HEAD(&buf->attachments);
	mutex_init(&buf->lock);
	mutex_init(&buf->export_lock);
	dma_resv_init(&buf->resv);
	buf->fence_context = dma_fence_context_alloc(1);

	ret = vb2_dmabuf_alloc_pages(buf, q->gfp_flags);
	if (ret)
		goto err_free_buf;

	ret = sg_alloc_table_from_pages_segment(&buf->sgt, buf->pages,
						buf->num_pages, 0, buf->size,
						vb2_dmabuf_max_segment(dev),
						GFP_KERNEL);
	if (ret)
		goto err_free_pages;

	/* The CPU caches are cleaned in prepare(), before the device runs. */
	ret = dma_map_sgtable(dev, &buf->sgt, buf->dma_dir,
			      DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_free_sgt;

	buf->dev = get_device(dev);
	atomic64_inc(&vb2_dmabuf_stats.live_buffers);

	return buf;

err_free_sgt:
	sg_free_table(&buf->sgt);
err_free_pages:
	vb2_dmabuf_free_pages(buf, buf->num_pages);
err_free_buf:
	dma_resv_fini(&buf->resv);
	mutex_destroy(&buf->export_lock);
	mutex_destroy(&buf->lock);
	kfree(buf);
	return ERR_PTR(ret);
}

/*
 * vb2 lets go of an MMAP plane. The device will not access it again, so its
 * mapping goes now and only the pages stay for the exported dma_buf and the
 * user mappings that may still hold references. This also leaves no DMA
 * mapping behind when the driver is unbound while an fd is open.
 */
static void vb2_dmabuf_put(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	struct dma_buf *exported[VB2_DMABUF_ACCESS_MODES];
	unsigned int mode;

	vb2_dmabuf_drop_fences(buf);

	/*
	 * No EXPBUF can come any more: the dma_bufs now live only as long
	 * as their fds, importers and mappings.
	 */
	mutex_lock(&buf->export_lock);
	memcpy(exported, buf->exported, sizeof(exported));
	memset(buf->exported, 0, sizeof(buf->exported));
	mutex_unlock(&buf->export_lock);

	/*
	 * The pages may stay exported, and the device is done with them: no
	 * sync, which under bounce buffering would copy stale device data
	 * over what the CPU or an importer wrote since.
	 */
	mutex_lock(&buf->lock);
	if (buf->device_vaddr) {
		vunmap(buf->device_vaddr);
		buf->device_vaddr = NULL;
	}
	dma_unmap_sgtable(buf->dev, &buf->sgt, buf->dma_dir,
			  DMA_ATTR_SKIP_CPU_SYNC);
	put_device(buf->dev);
	buf->dev = NULL;
	buf->vb = NULL;
	mutex_unlock(&buf->lock);

	/* Each may be the last reference, whose release unrefs @buf. */
	for (mode = 0; mode < VB2_DMABUF_ACCESS_MODES; mode++)
		if (exported[mode])
			dma_buf_put(exported[mode]);

	vb2_dmabuf_unref(buf);
}

static unsigned int vb2_dmabuf_num_users(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	return buf->imported ? 1 : refcount_read(&buf->refcount);
}

/*
 * Imported planes need no cache maintenance here: the exporter does it when
 * mapping, and vb2 sets the skip flags for DMABUF queues anyway.
 */
static void vb2_dmabuf_prepare(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	if (buf->imported || buf->vb->skip_cache_sync_on_prepare)
		return;

	dma_sync_sgtable_for_device(buf->dev, &buf->sgt, buf->dma_dir);
}

static void vb2_dmabuf_finish(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	if (buf->imported || buf->vb->skip_cache_sync_on_finish)
		return;

	dma_sync_sgtable_for_cpu(buf->dev, &buf->sgt, buf->dma_dir);
}

/*
 * Kernel mappings are made once and kept until the memory goes, so that
 * only the first vb2_plane_vaddr() maps: it allocates (and, for an import,
 * takes the exporter's reservation lock), which a fence signalling path
 * must not do. Later calls read the published pointer without a lock.
 * vmap() rather than vm_map_ram(): the mapping lives as long as the buffer.
 */
static void *vb2_dmabuf_mmap_vaddr(struct vb2_dmabuf_buf *buf)
{
	/* Pairs with the release below: the mapping is set up when seen. */
	void *vaddr = smp_load_acquire(&buf->vaddr);

	if (vaddr)
		return vaddr;

	mutex_lock(&buf->lock);
	vaddr = buf->vaddr;
	if (!vaddr) {
		vaddr = vmap(buf->pages, buf->num_pages, VM_MAP, PAGE_KERNEL);
		/* Publishes the mapping to the lockless readers above */
		smp_store_release(&buf->vaddr, vaddr);
	}
	mutex_unlock(&buf->lock);

	return vaddr;
}

static void *vb2_dmabuf_import_vaddr(struct vb2_dmabuf_buf *buf)
{
	struct dma_buf *dbuf = buf->import_dbuf;
	/* Pairs with the release below: the mapping is set up when seen. */
	void *vaddr = smp_load_acquire(&buf->vaddr);
	struct iosys_map map;

	if (vaddr)
		return vaddr;

	mutex_lock(&buf->lock);
	if (!buf->vaddr && !vb2_dmabuf_compat_vmap(dbuf, &map)) {
		/* I/O memory cannot be handed out as a plain pointer. */
		if (map.is_iomem) {
			vb2_dmabuf_compat_vunmap(dbuf, &map);
		} else {
			buf->import_map = map;
			/* Publishes the mapping to the lockless readers */
			smp_store_release(&buf->vaddr, map.vaddr);
		}
	}
	vaddr = buf->vaddr;
	mutex_unlock(&buf->lock);

	return vaddr;
}

static void *vb2_dmabuf_vaddr(struct vb2_buffer *vb, void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	if (buf->imported)
		return vb2_dmabuf_import_vaddr(buf);

	return vb2_dmabuf_mmap_vaddr(buf);
}

static void *vb2_dmabuf_cookie(struct vb2_buffer *vb, void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	if (buf->imported)
		return buf->import_sgt;

	return &buf->sgt;
}

/* Each vma holds a reference on the buffer, like vb2_common_vm_ops. */
static void vb2_dmabuf_vm_open(struct vm_area_struct *vma)
{
	struct vb2_dmabuf_buf *buf = vma->vm_private_data;

	refcount_inc(&buf->refcount);
}

static void vb2_dmabuf_vm_close(struct vm_area_struct *vma)
{
	vb2_dmabuf_unref(vma->vm_private_data);
}

static const struct vm_operations_struct vb2_dmabuf_vm_ops = {
	.open = vb2_dmabuf_vm_open,
	.close = vb2_dmabuf_vm_close,
};

/*
 * Shared by the video node (vb2 sets vm_pgoff to 0) and the dma-buf fd
 * (vm_pgoff is the offset in the buffer, range-checked by the dma-buf core
 * and again by vm_map_pages()).
 */
static int vb2_dmabuf_mmap(void *buf_priv, struct vm_area_struct *vma)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	int ret;

	vb2_dmabuf_compat_vma_set_flags(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ret = vm_map_pages(vma, buf->pages, buf->num_pages);
	if (ret)
		return ret;

	vma->vm_private_data = buf;
	vma->vm_ops = &vb2_dmabuf_vm_ops;
	vb2_dmabuf_vm_open(vma);
	atomic64_inc(&vb2_dmabuf_stats.cpu_maps);

	return 0;
}

/* Export: dma_buf_ops of the dma_buf of an MMAP plane */

static int vb2_dmabuf_dbuf_attach(struct dma_buf *dbuf,
				  struct dma_buf_attachment *db_attach)
{
	struct vb2_dmabuf_buf *buf = dbuf->priv;
	struct vb2_dmabuf_attachment *attach;
	int ret;

	attach = kzalloc_obj(*attach, GFP_KERNEL);
	if (!attach)
		return -ENOMEM;

	/*
	 * An sg_table holds the DMA addresses of one device only, so every
	 * attachment gets its own, segmented for that device.
	 */
	ret = sg_alloc_table_from_pages_segment(&attach->sgt, buf->pages,
						buf->num_pages, 0, buf->size,
						vb2_dmabuf_max_segment(db_attach->dev),
						GFP_KERNEL);
	if (ret)
		goto err_free_attach;

	ret = sg_alloc_table(&attach->importer_sgt, attach->sgt.orig_nents,
			     GFP_KERNEL);
	if (ret)
		goto err_free_sgt;

	attach->dev = db_attach->dev;
	attach->dir = DMA_NONE;
	db_attach->priv = attach;

	mutex_lock(&buf->lock);
	list_add(&attach->node, &buf->attachments);
	mutex_unlock(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.attachments);

	return 0;

err_free_sgt:
	sg_free_table(&attach->sgt);
err_free_attach:
	kfree(attach);
	return ret;
}

static void vb2_dmabuf_dbuf_detach(struct dma_buf *dbuf,
				   struct dma_buf_attachment *db_attach)
{
	struct vb2_dmabuf_attachment *attach = db_attach->priv;
	struct vb2_dmabuf_buf *buf = dbuf->priv;

	mutex_lock(&buf->lock);
	list_del(&attach->node);
	mutex_unlock(&buf->lock);

	if (attach->dir != DMA_NONE)
		dma_unmap_sgtable(attach->dev, &attach->sgt, attach->dir, 0);
	sg_free_table(&attach->importer_sgt);
	sg_free_table(&attach->sgt);
	kfree(attach);
	db_attach->priv = NULL;
}

/*
 * Fills the importer's table with the entries of the attachment's mapped
 * one. Both have the same number of entries; the end marker of @dst stays
 * where sg_alloc_table() put it.
 */
static void vb2_dmabuf_copy_mapping(struct sg_table *dst,
				    const struct sg_table *src)
{
	struct scatterlist *s = src->sgl, *d;
	unsigned int i;

	for_each_sgtable_sg(dst, d, i) {
		sg_set_page(d, sg_page(s), s->length, s->offset);
		sg_dma_address(d) = sg_dma_address(s);
		sg_dma_len(d) = sg_dma_len(s);
		s = sg_next(s);
	}
	dst->nents = src->nents;
}

/*
 * The mapping is cached in the attachment: mapping again with the same
 * direction returns it as it is, and it is torn down on detach, or when the
 * importer asks for another direction.
 */
static struct sg_table *
vb2_dmabuf_dbuf_map(struct dma_buf_attachment *db_attach,
		    enum dma_data_direction dir)
{
	struct vb2_dmabuf_attachment *attach = db_attach->priv;
	struct vb2_dmabuf_buf *buf = db_attach->dmabuf->priv;
	int ret = 0;

	mutex_lock(&buf->lock);
	if (attach->dir != dir) {
		if (attach->dir != DMA_NONE) {
			dma_unmap_sgtable(attach->dev, &attach->sgt,
					  attach->dir, 0);
			attach->dir = DMA_NONE;
		}
		/*
		 * The pages may be mapped for several devices at once (ours
		 * stays while vb2 owns the plane). DMA API debugging accepts
		 * such overlapping mappings only when the caller does the cache
		 * maintenance, so skip it in the map and sync right after, to
		 * the same effect.
		 */
		ret = dma_map_sgtable(attach->dev, &attach->sgt, dir,
				      DMA_ATTR_SKIP_CPU_SYNC);
		if (!ret) {
			dma_sync_sgtable_for_device(attach->dev, &attach->sgt,
						    dir);
			vb2_dmabuf_copy_mapping(&attach->importer_sgt,
						&attach->sgt);
			attach->dir = dir;
		}
	}
	mutex_unlock(&buf->lock);

	return ret ? ERR_PTR(ret) : &attach->importer_sgt;
}

static void vb2_dmabuf_dbuf_unmap(struct dma_buf_attachment *db_attach,
				  struct sg_table *sgt,
				  enum dma_data_direction dir)
{
	/* The mapping stays cached until detach, see vb2_dmabuf_dbuf_map(). */
}

/*
 * Syncs an importer's mapping through the attachment's own table, with the
 * sg_table helpers: the DMA API debug code tells apart several mappings of
 * the same pages for one device (our vb2 mapping and an import on another
 * queue of the same device, say) only by the parameters they were mapped
 * with, so a sync must repeat them exactly.
 */
static void vb2_dmabuf_sync_attachment(struct vb2_dmabuf_attachment *attach,
				       bool for_cpu)
{
	if (attach->dir == DMA_NONE)
		return;

	if (for_cpu)
		dma_sync_sgtable_for_cpu(attach->dev, &attach->sgt,
					 attach->dir);
	else
		dma_sync_sgtable_for_device(attach->dev, &attach->sgt,
					    attach->dir);
}

/*
 * DMA_BUF_IOCTL_SYNC lands here. Each importer's live mapping is synced,
 * with the direction it was mapped with, as the DMA API requires. Our own
 * device's mapping is not: vb2 hands the plane to the device in prepare()
 * and back in finish(), and between the two the buffer is not the CPU's.
 * Syncing it here as well would, under bounce buffering, copy the device's
 * stale view over what the CPU wrote since the last frame.
 *
 * The dma-buf core waits for the reservation's fences only after this op,
 * but a device still writing owns the pages: syncing for the CPU before it
 * is done would copy (bounce buffers) or invalidate (non-coherent caches)
 * half a frame. So we wait first, for the same fences the core would: the
 * writers' for a CPU read, everyone's for a CPU write.
 */
static int vb2_dmabuf_dbuf_begin_cpu_access(struct dma_buf *dbuf,
					    enum dma_data_direction dir)
{
	bool cpu_writes = dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
	struct vb2_dmabuf_buf *buf = dbuf->priv;
	struct vb2_dmabuf_attachment *attach;
	long ret;

	ret = dma_resv_wait_timeout(dbuf->resv, dma_resv_usage_rw(cpu_writes),
				    true, MAX_SCHEDULE_TIMEOUT);
	if (ret < 0)
		return ret;

	mutex_lock(&buf->lock);
	list_for_each_entry(attach, &buf->attachments, node)
		vb2_dmabuf_sync_attachment(attach, true);
	mutex_unlock(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.cpu_syncs);

	return 0;
}

static int vb2_dmabuf_dbuf_end_cpu_access(struct dma_buf *dbuf,
					  enum dma_data_direction dir)
{
	struct vb2_dmabuf_buf *buf = dbuf->priv;
	struct vb2_dmabuf_attachment *attach;

	mutex_lock(&buf->lock);
	list_for_each_entry(attach, &buf->attachments, node)
		vb2_dmabuf_sync_attachment(attach, false);
	mutex_unlock(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.cpu_syncs);

	return 0;
}

static int vb2_dmabuf_dbuf_mmap(struct dma_buf *dbuf,
				struct vm_area_struct *vma)
{
	return vb2_dmabuf_mmap(dbuf->priv, vma);
}

/*
 * The kernel mapping is shared with vb2_plane_vaddr() and lives until the
 * pages are freed, so there is no vunmap to implement.
 */
static int vb2_dmabuf_dbuf_vmap(struct dma_buf *dbuf, struct iosys_map *map)
{
	void *vaddr = vb2_dmabuf_mmap_vaddr(dbuf->priv);

	if (!vaddr)
		return -ENOMEM;

	iosys_map_set_vaddr(map, vaddr);
	atomic64_inc(&vb2_dmabuf_stats.kernel_vmaps);

	return 0;
}

/* The plane no longer caches @dbuf: vb2_dmabuf_put() dropped it first. */
static void vb2_dmabuf_dbuf_release(struct dma_buf *dbuf)
{
	atomic64_dec(&vb2_dmabuf_stats.live_dmabufs);
	vb2_dmabuf_unref(dbuf->priv);
}

static const struct dma_buf_ops vb2_dmabuf_dbuf_ops = {
	.attach = vb2_dmabuf_dbuf_attach,
	.detach = vb2_dmabuf_dbuf_detach,
	.map_dma_buf = vb2_dmabuf_dbuf_map,
	.unmap_dma_buf = vb2_dmabuf_dbuf_unmap,
	.begin_cpu_access = vb2_dmabuf_dbuf_begin_cpu_access,
	.end_cpu_access = vb2_dmabuf_dbuf_end_cpu_access,
	.mmap = vb2_dmabuf_dbuf_mmap,
	.vmap = vb2_dmabuf_dbuf_vmap,
	.release = vb2_dmabuf_dbuf_release,
};

/*
 * Returns the plane's dma_buf for the access mode in @flags, with a new
 * file reference for the caller (vb2 installs it as the fd), creating the
 * dma_buf if the plane has none of that mode yet. The plane keeps a
 * reference of its own on every dma_buf it created, see vb2_dmabuf_put().
 */
static struct dma_buf *vb2_dmabuf_get_dmabuf(struct vb2_buffer *vb,
					     void *buf_priv,
					     unsigned long flags)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	unsigned int mode = flags & O_ACCMODE;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct dma_buf *dbuf;

	atomic64_inc(&vb2_dmabuf_stats.expbufs);

	/* vb2 lets O_ACCMODE itself through, which is no open(2) mode. */
	if (mode >= VB2_DMABUF_ACCESS_MODES)
		return ERR_PTR(-EINVAL);

	mutex_lock(&buf->export_lock);

	dbuf = buf->exported[mode];
	if (dbuf) {
		get_dma_buf(dbuf);
		goto out_unlock;
	}

	exp_info.exp_name = VB2_DMABUF_EXPORTER_NAME;
	exp_info.ops = &vb2_dmabuf_dbuf_ops;
	exp_info.size = buf->size;
	exp_info.flags = mode;
	exp_info.priv = buf;
	exp_info.resv = &buf->resv;

	dbuf = dma_buf_export(&exp_info);
	if (IS_ERR(dbuf))
		goto out_unlock;

	/* The pages stay as long as the dma_buf, whatever vb2 does. */
	refcount_inc(&buf->refcount);
	/* The caller's reference is the one dma_buf_export() made. */
	get_dma_buf(dbuf);
	buf->exported[mode] = dbuf;
	atomic64_inc(&vb2_dmabuf_stats.exports);
	atomic64_inc(&vb2_dmabuf_stats.live_dmabufs);

out_unlock:
	mutex_unlock(&buf->export_lock);

	return dbuf;
}

/* Import: DMABUF planes */

/*
 * attach_dmabuf only records the dma-buf: everything that can fail for a
 * reason other than a tiny allocation happens in map_dmabuf, which vb2
 * calls right after. Either way the vb2 core up to 7.2 (__prepare_dmabuf)
 * leaks its references on the dma-bufs of the planes after the failing one
 * (and of the failing one when attach fails);
 * packaging/upstream/0001-*.patch fixes it, tests/uapi/vb2_prepare_dmabuf_leak
 * shows it.
 */
static void *vb2_dmabuf_attach_dmabuf(struct vb2_buffer *vb,
				      struct device *dev,
				      struct dma_buf *dbuf,
				      unsigned long size)
{
	struct vb2_dmabuf_buf *buf;

	if (WARN_ON(!dev))
		return ERR_PTR(-EINVAL);

	buf = kzalloc_obj(*buf, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);

	buf->imported = true;
	buf->vb = vb;
	buf->dev = dev;
	buf->dma_dir = vb->vb2_queue->dma_dir;
	buf->size = size;
	/* vb2 holds a reference on the dma-buf for as long as we are used. */
	buf->import_dbuf = dbuf;
	buf->fence_context = dma_fence_context_alloc(1);
	/* Not the exporting side's lock class, see the locking notes. */
	mutex_init(&buf->lock);

	atomic64_inc(&vb2_dmabuf_stats.imports);

	return buf;
}

static void vb2_dmabuf_detach_dmabuf(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;

	vb2_dmabuf_drop_fences(buf);

	if (buf->device_vaddr)
		vunmap(buf->device_vaddr);
	if (buf->vaddr)
		vb2_dmabuf_compat_vunmap(buf->import_dbuf, &buf->import_map);

	if (buf->import_sgt) {
		vb2_dmabuf_compat_unmap_attachment(buf->db_attach,
						   buf->import_sgt,
						   buf->dma_dir);
		atomic64_inc(&vb2_dmabuf_stats.unmaps);
	}

	if (buf->db_attach)
		dma_buf_detach(buf->import_dbuf, buf->db_attach);

	mutex_destroy(&buf->lock);
	kfree(buf);
}

/*
 * vb2 keeps the plane's memory while the same dma-buf is queued again on
 * it. The attachment and its mapping are made the first time and kept until
 * detach, so they cost one map per dma-buf, not one per frame, whatever the
 * vb2 core's map/unmap cadence is (older cores unmap on every DQBUF).
 */
static int vb2_dmabuf_map_dmabuf(void *buf_priv)
{
	struct vb2_dmabuf_buf *buf = buf_priv;
	struct dma_buf_attachment *db_attach;
	struct sg_table *sgt;

	if (buf->import_sgt)
		return 0;

	if (!buf->db_attach) {
		/*
		 * vb2 already rejected a length below the plane's minimum;
		 * this catches a length claiming more than the dma-buf holds.
		 */
		if (buf->import_dbuf->size < buf->size)
			return -EINVAL;

		db_attach = dma_buf_attach(buf->import_dbuf, buf->dev);
		if (IS_ERR(db_attach))
			return PTR_ERR(db_attach);
		buf->db_attach = db_attach;
	}

	sgt = vb2_dmabuf_compat_map_attachment(buf->db_attach, buf->dma_dir);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);

	buf->import_sgt = sgt;
	atomic64_inc(&vb2_dmabuf_stats.maps);

	return 0;
}

static void vb2_dmabuf_unmap_dmabuf(void *buf_priv)
{
	/* The mapping is released in detach, see vb2_dmabuf_map_dmabuf(). */
}

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
const struct vb2_mem_ops vb2_dmabuf_memops = {
	.alloc		= vb2_dmabuf_alloc,
	.put		= vb2_dmabuf_put,
	.get_dmabuf	= vb2_dmabuf_get_dmabuf,
	.prepare	= vb2_dmabuf_prepare,
	.finish		= vb2_dmabuf_finish,
	.attach_dmabuf	= vb2_dmabuf_attach_dmabuf,
	.detach_dmabuf	= vb2_dmabuf_detach_dmabuf,
	.map_dmabuf	= vb2_dmabuf_map_dmabuf,
	.unmap_dmabuf	= vb2_dmabuf_unmap_dmabuf,
	.vaddr		= vb2_dmabuf_vaddr,
	.cookie		= vb2_dmabuf_cookie,
	.num_users	= vb2_dmabuf_num_users,
	.mmap		= vb2_dmabuf_mmap,
};
EXPORT_SYMBOL_GPL(vb2_dmabuf_memops);

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
				      unsigned int plane_no)
{
	if (WARN_ON_ONCE(vb->vb2_queue->mem_ops != &vb2_dmabuf_memops))
		return NULL;

	return vb2_plane_cookie(vb, plane_no);
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_plane_sgt);

/*
 * Maps the memory behind @sgt's DMA addresses for @dev, i.e. what the
 * device reads and writes. Only for dma-direct devices, whose DMA addresses
 * are physical addresses; segments must start on a page boundary (swiotlb
 * aligns its slots so for any mapping of a page or more) and all but the
 * last must be whole pages.
 */
static void *vb2_dmabuf_map_device_view(struct device *dev,
					struct sg_table *sgt,
					unsigned long size)
{
	unsigned int npages = PAGE_ALIGN(size) >> PAGE_SHIFT, n = 0, i;
	struct scatterlist *sg;
	struct page **pages;
	phys_addr_t phys;
	unsigned int len;
	void *vaddr;

	if (device_iommu_mapped(dev))
		return NULL;

	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		phys = dma_to_phys(dev, sg_dma_address(sg));
		len = sg_dma_len(sg);
		if (!PAGE_ALIGNED(phys) || (n && !PAGE_ALIGNED(len)))
			goto out_free;
		for (; len && n < npages; len -= min_t(unsigned int, len,
						       PAGE_SIZE), n++) {
			if (!pfn_valid(PHYS_PFN(phys)))
				goto out_free;
			pages[n] = pfn_to_page(PHYS_PFN(phys));
			phys += PAGE_SIZE;
		}
		if (n == npages)
			break;
	}
	vaddr = n == npages ? vmap(pages, npages, VM_MAP, PAGE_KERNEL) : NULL;
	kvfree(pages);
	return vaddr;

out_free:
	kvfree(pages);
	return NULL;
}

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
				    unsigned int plane_no)
{
	struct vb2_dmabuf_buf *buf;
	struct sg_table *sgt;
	void *vaddr;

	if (WARN_ON_ONCE(vb->vb2_queue->mem_ops != &vb2_dmabuf_memops) ||
	    plane_no >= vb->num_planes)
		return NULL;
	buf = vb->planes[plane_no].mem_priv;
	if (!buf)
		return NULL;

	/* Pairs with the release below: the mapping is set up when seen. */
	vaddr = smp_load_acquire(&buf->device_vaddr);
	if (vaddr)
		return vaddr;

	mutex_lock(&buf->lock);
	sgt = buf->imported ? buf->import_sgt : &buf->sgt;
	if (!buf->device_vaddr && buf->dev && sgt) {
		vaddr = vb2_dmabuf_map_device_view(buf->dev, sgt, buf->size);
		/* Publishes the mapping to the lockless readers above */
		smp_store_release(&buf->device_vaddr, vaddr);
	}
	vaddr = buf->device_vaddr;
	mutex_unlock(&buf->lock);

	return vaddr;
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_plane_device_vaddr);

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
 * The module parameter "fences" turns all of it off (for new buffers).
 */

/*
 * The fences of @resv that an access of @usage conflicts with, but for those
 * of @own_context (our previous fence on this buffer, which signals right
 * after vb2 hands the buffer back) and those already signalled, combined in
 * one fence; NULL if there are none. Allocates: outside signalling paths.
 */
static int vb2_dmabuf_get_in_fence(struct dma_resv *resv,
				   enum dma_resv_usage usage, u64 own_context,
				   struct dma_fence **in_fence)
{
	unsigned int count = 0, max_count = 0;
	struct dma_fence *fence, *last = NULL;
	struct dma_fence_array *array;
	struct dma_resv_iter cursor;
	struct dma_fence **fences;

	dma_resv_assert_held(resv);
	*in_fence = NULL;

	dma_resv_for_each_fence(&cursor, resv, usage, fence)
		if (fence->context != own_context &&
		    !dma_fence_is_signaled(fence)) {
			last = fence;
			max_count++;
		}
	if (!max_count)
		return 0;
	/* The usual case (a display's fence): no array to build. */
	if (max_count == 1) {
		*in_fence = dma_fence_get(last);
		return 0;
	}

	fences = kmalloc_objs(*fences, max_count, GFP_KERNEL);
	if (!fences)
		return -ENOMEM;
	/*
	 * The list is stable under the lock; fences only ever signal. So this
	 * pass finds a subset of the first one's: at most max_count fences.
	 */
	dma_resv_for_each_fence(&cursor, resv, usage, fence)
		if (fence->context != own_context &&
		    !dma_fence_is_signaled(fence))
			fences[count++] = dma_fence_get(fence);

	if (count <= 1) {
		*in_fence = count ? fences[0] : NULL;
		kfree(fences);
		return 0;
	}

	array = vb2_dmabuf_compat_fence_array_all(count, fences,
						  dma_fence_context_alloc(1),
						  1);
	if (!array) {
		while (count--)
			dma_fence_put(fences[count]);
		kfree(fences);
		return -ENOMEM;
	}
	*in_fence = &array->base;
	return 0;
}

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
void vb2_dmabuf_buf_queued(struct vb2_buffer *vb, u64 frame_interval_ns)
{
	struct vb2_queue *q = vb->vb2_queue;
	bool write = !q->is_output;
	struct vb2_dmabuf_buf *buf0 = vb->planes[0].mem_priv;
	struct vb2_dmabuf_buf *buf;
	struct vb2_dmabuf_fence *f;
	unsigned int in_timeout_ms = READ_ONCE(vb2_dmabuf_in_fence_timeout_ms);
	unsigned int frames = READ_ONCE(vb2_dmabuf_fence_timeout_frames);
	unsigned long timeout_ms;
	struct dma_resv *resv;
	bool published = false;
	unsigned int p;
	int ret = 0;

	if (WARN_ON_ONCE(q->mem_ops != &vb2_dmabuf_memops))
		return;

	for (p = 0; p < vb->num_planes; p++)
		vb2_dmabuf_drop_fences(vb->planes[p].mem_priv);
	buf0->publish_error = 0;

	if (!READ_ONCE(vb2_dmabuf_fences_enabled))
		return;

	f = kzalloc_obj(*f, GFP_KERNEL);
	if (!f) {
		buf0->publish_error = -ENOMEM;
		return;
	}
	/* Dropped by vb2_dmabuf_fence_free_rcu(); our caller pins us now. */
	__module_get(THIS_MODULE);
	spin_lock_init(&f->lock);
	INIT_LIST_HEAD(&f->watchdog_node);
	strscpy(f->timeline, dev_name(buf0->dev), sizeof(f->timeline));
	dma_fence_init(&f->base, &vb2_dmabuf_fence_ops, &f->lock,
		       buf0->fence_context, ++buf0->fence_seqno);

	for (p = 0; p < vb->num_planes; p++) {
		buf = vb->planes[p].mem_priv;
		resv = vb2_dmabuf_resv(buf);

		dma_resv_lock(resv, NULL);
		/* The others' fences first, so that ours is not among them. */
		ret = vb2_dmabuf_get_in_fence(resv, dma_resv_usage_rw(write),
					      buf0->fence_context,
					      &buf->in_fence);
		if (!ret)
			ret = dma_resv_reserve_fences(resv, 1);
		if (!ret) {
			dma_resv_add_fence(resv, &f->base,
					   write ? DMA_RESV_USAGE_WRITE :
						   DMA_RESV_USAGE_READ);
			published = true;
		}
		dma_resv_unlock(resv);
		if (ret)
			break;

		if (buf->in_fence) {
			dma_fence_enable_sw_signaling(buf->in_fence);
			buf->in_fence_deadline = jiffies +
				msecs_to_jiffies(in_timeout_ms);
			atomic64_inc(&vb2_dmabuf_stats.in_fence_waits);
		}
	}

	if (published)
		atomic64_inc(&vb2_dmabuf_stats.fences_published);

	if (ret) {
		/* Whatever got published must signal, so it signals now. */
		for (p = 0; p < vb->num_planes; p++)
			vb2_dmabuf_drop_fences(vb->planes[p].mem_priv);
		if (published)
			vb2_dmabuf_fence_signal(f, ret);
		dma_fence_put(&f->base);
		buf0->publish_error = ret;
		return;
	}

	/*
	 * The buffers queued before this one (vb2 counts it too) are done
	 * first, so a deep queue moves the bound out by their frames.
	 */
	frames += atomic_read(&q->owned_by_drv_count);
	/* Both factors are bounded, so the product fits in a u64. */
	frame_interval_ns = min_t(u64, frame_interval_ns,
				  VB2_DMABUF_WATCHDOG_MAX_MS * NSEC_PER_MSEC);
	timeout_ms = div_u64((u64)frames * frame_interval_ns, NSEC_PER_MSEC);
	timeout_ms = clamp_t(u64, timeout_ms, VB2_DMABUF_WATCHDOG_MIN_MS,
			     VB2_DMABUF_WATCHDOG_MAX_MS);
	/*
	 * Waits for in-fences, ours or those of buffers ahead (which started
	 * no later), end within one in-fence timeout from now.
	 */
	timeout_ms += in_timeout_ms;
	f->deadline = jiffies + msecs_to_jiffies(timeout_ms);
	buf0->fence = f;
	vb2_dmabuf_watchdog_add(f);
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_buf_queued);

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
int vb2_dmabuf_buf_ready(struct vb2_buffer *vb)
{
	struct vb2_dmabuf_buf *buf0 = vb->planes[0].mem_priv;
	struct vb2_dmabuf_buf *buf;
	unsigned int p;

	if (WARN_ON_ONCE(vb->vb2_queue->mem_ops != &vb2_dmabuf_memops))
		return -EINVAL;

	if (buf0->publish_error)
		return buf0->publish_error;

	if (buf0->fence && dma_fence_get_status(&buf0->fence->base) < 0)
		return -ETIMEDOUT;

	for (p = 0; p < vb->num_planes; p++) {
		buf = vb->planes[p].mem_priv;
		if (!buf->in_fence)
			continue;
		if (dma_fence_is_signaled(buf->in_fence)) {
			dma_fence_put(buf->in_fence);
			buf->in_fence = NULL;
			continue;
		}
		if (time_after(jiffies, buf->in_fence_deadline)) {
			atomic64_inc(&vb2_dmabuf_stats.in_fence_timeouts);
			dma_fence_put(buf->in_fence);
			buf->in_fence = NULL;
			return -ETIMEDOUT;
		}
		return -EAGAIN;
	}

	return 0;
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_buf_ready);

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
			    enum vb2_buffer_state state)
{
	struct vb2_dmabuf_buf *buf0 = vb->planes[0].mem_priv;
	struct vb2_dmabuf_fence *f;
	struct vb2_dmabuf_buf *buf;
	unsigned int p;
	int error = 0;

	if (WARN_ON_ONCE(vb->vb2_queue->mem_ops != &vb2_dmabuf_memops)) {
		vb2_buffer_done(vb, state);
		return;
	}

	f = buf0->fence;
	for (p = 0; p < vb->num_planes; p++) {
		buf = vb->planes[p].mem_priv;
		dma_fence_put(buf->in_fence);
		buf->in_fence = NULL;
	}

	if (!f) {
		vb2_buffer_done(vb, state);
		return;
	}

	buf0->fence = NULL;
	if (!vb2_dmabuf_watchdog_remove(f) && state == VB2_BUF_STATE_DONE)
		/* The watchdog fired: the frame is late, and so failed. */
		state = VB2_BUF_STATE_ERROR;

	if (state == VB2_BUF_STATE_ERROR)
		error = -EIO;
	else if (state == VB2_BUF_STATE_QUEUED)
		error = -ECANCELED;

	/* From here on @vb is vb2's again, and may even be queued anew. */
	vb2_buffer_done(vb, state);
	vb2_dmabuf_fence_signal(f, error);
	dma_fence_put(&f->base);
}
EXPORT_SYMBOL_GPL(vb2_dmabuf_buffer_done);

/* debugfs counters */

static struct dentry *vb2_dmabuf_debugfs;

static int vb2_dmabuf_counter_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vb2_dmabuf_counter_fops, vb2_dmabuf_counter_get,
			 NULL, "%llu\n");

/* Published but not signalled yet: 0 whenever no buffer is in flight. */
static int vb2_dmabuf_fences_pending_get(void *data, u64 *val)
{
	*val = atomic64_read(&vb2_dmabuf_stats.fences_published) -
	       atomic64_read(&vb2_dmabuf_stats.fences_signalled);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vb2_dmabuf_fences_pending_fops,
			 vb2_dmabuf_fences_pending_get, NULL, "%llu\n");

static const struct {
	const char *name;
	atomic64_t *counter;
} vb2_dmabuf_counters[] = {
	{ "exports",		&vb2_dmabuf_stats.exports },
	{ "expbufs",		&vb2_dmabuf_stats.expbufs },
	{ "imports",		&vb2_dmabuf_stats.imports },
	{ "attachments",	&vb2_dmabuf_stats.attachments },
	{ "maps",		&vb2_dmabuf_stats.maps },
	{ "unmaps",		&vb2_dmabuf_stats.unmaps },
	{ "cpu_syncs",		&vb2_dmabuf_stats.cpu_syncs },
	{ "cpu_maps",		&vb2_dmabuf_stats.cpu_maps },
	{ "kernel_vmaps",	&vb2_dmabuf_stats.kernel_vmaps },
	{ "live_buffers",	&vb2_dmabuf_stats.live_buffers },
	{ "live_dmabufs",	&vb2_dmabuf_stats.live_dmabufs },
	{ "fences_published",	&vb2_dmabuf_stats.fences_published },
	{ "fences_signalled",	&vb2_dmabuf_stats.fences_signalled },
	{ "fences_errored",	&vb2_dmabuf_stats.fences_errored },
	{ "fences_timedout",	&vb2_dmabuf_stats.fences_timedout },
	{ "in_fence_waits",	&vb2_dmabuf_stats.in_fence_waits },
	{ "in_fence_timeouts",	&vb2_dmabuf_stats.in_fence_timeouts },
};

static int __init vb2_dmabuf_init(void)
{
	unsigned int i;

	/*
	 * Unbound: the watchdog has no CPU locality to keep (and 7.x warns
	 * when a workqueue does not say which kind it is).
	 */
	vb2_dmabuf_wq = alloc_workqueue("vb2-dmabuf-watchdog",
					WQ_UNBOUND | WQ_MEM_RECLAIM | WQ_HIGHPRI,
					0);
	if (!vb2_dmabuf_wq)
		return -ENOMEM;

	/* debugfs is best effort: failures here must not stop the module. */
	vb2_dmabuf_debugfs = debugfs_create_dir("v4l2-dmabuf", NULL);
	for (i = 0; i < ARRAY_SIZE(vb2_dmabuf_counters); i++)
		debugfs_create_file_unsafe(vb2_dmabuf_counters[i].name, 0444,
					   vb2_dmabuf_debugfs,
					   vb2_dmabuf_counters[i].counter,
					   &vb2_dmabuf_counter_fops);
	debugfs_create_file_unsafe("fences_pending", 0444, vb2_dmabuf_debugfs,
				   NULL, &vb2_dmabuf_fences_pending_fops);

	return 0;
}

static void __exit vb2_dmabuf_exit(void)
{
	debugfs_remove_recursive(vb2_dmabuf_debugfs);
	/* No fence is pending once all drivers are gone: nothing to run. */
	cancel_delayed_work_sync(&vb2_dmabuf_watchdog);
	destroy_workqueue(vb2_dmabuf_wq);
	/*
	 * Every fence is gone (each held a module reference), but the RCU
	 * callback that freed the last one may still be returning.
	 */
	rcu_barrier();
}

module_init(vb2_dmabuf_init);
module_exit(vb2_dmabuf_exit);

MODULE_DESCRIPTION("videobuf2 page allocator with dma-buf export and import");
MODULE_LICENSE("GPL");
VB2_DMABUF_IMPORT_NS_DMA_BUF;
