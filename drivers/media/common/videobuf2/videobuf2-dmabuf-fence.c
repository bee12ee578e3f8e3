// SPDX-License-Identifier: GPL-2.0
/*
 * videobuf2-dmabuf-fence.c - implicit fences of videobuf2-dmabuf
 *
 * The fences published in the planes' reservation objects while the driver
 * owns a buffer, the wait for the other users' fences, and the watchdog
 * that bounds them. What they promise, and the API drivers call, is
 * documented in include/media/videobuf2-dmabuf.h (DOC: implicit fences).
 */

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/dma-fence.h>
#include <linux/dma-fence-array.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <media/videobuf2-core.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#include "videobuf2-dmabuf-priv.h"

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
void vb2_dmabuf_drop_fences(struct vb2_dmabuf_buf *buf)
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

int __init vb2_dmabuf_fences_init(void)
{
	/*
	 * Unbound: the watchdog has no CPU locality to keep (and 7.x warns
	 * when a workqueue does not say which kind it is).
	 */
	vb2_dmabuf_wq = alloc_workqueue("vb2-dmabuf-watchdog",
					WQ_UNBOUND | WQ_MEM_RECLAIM | WQ_HIGHPRI,
					0);
	if (!vb2_dmabuf_wq)
		return -ENOMEM;

	return 0;
}

void __exit vb2_dmabuf_fences_exit(void)
{
	/* No fence is pending once all drivers are gone: nothing to run. */
	cancel_delayed_work_sync(&vb2_dmabuf_watchdog);
	destroy_workqueue(vb2_dmabuf_wq);
	/*
	 * Every fence is gone (each held a module reference), but the RCU
	 * callback that freed the last one may still be returning.
	 */
	rcu_barrier();
}
