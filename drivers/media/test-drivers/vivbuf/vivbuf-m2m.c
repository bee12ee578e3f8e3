// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the memory-to-memory node.
 *
 * A pixel format converter on the v4l2-mem2mem framework: every open file
 * is a context with its own OUTPUT (source) and CAPTURE (destination) queue,
 * both backed by the videobuf2-dmabuf allocator, and the device converts
 * one source frame into one destination frame of the same size per job,
 * YUYV <-> XRGB32 or a plain copy when both formats are equal (see
 * vivbuf-m2m-convert.c for the exact arithmetic).
 *
 * Jobs run on the node's own ordered workqueue, one at a time, never in an
 * ioctl. Implicit fences (READ on the source, WRITE on the destination) are
 * published when the framework starts the job (device_run), not at
 * buf_queue: before that the buffer waits for userspace (a partner buffer
 * on the other queue, STREAMON of the other queue), and a fence must never
 * wait for userspace. From device_run on, the job only waits for the other
 * users' fences (bounded by the allocator) and for the CPU conversion.
 */

#include <linux/dma-fence.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <media/v4l2-common.h>
#include <media/v4l2-ioctl.h>
#include <media/v4l2-mem2mem.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#include "vivbuf.h"
#include "vivbuf-m2m.h"

#define VIVBUF_M2M_MIN_WIDTH	16
#define VIVBUF_M2M_MAX_WIDTH	1920
#define VIVBUF_M2M_MIN_HEIGHT	16
#define VIVBUF_M2M_MAX_HEIGHT	1080
#define VIVBUF_M2M_DEF_WIDTH	640
#define VIVBUF_M2M_DEF_HEIGHT	480
/* YUYV shares chroma between two pixels: widths are even */
#define VIVBUF_M2M_STEP_WIDTH	2
#define VIVBUF_M2M_STEP_HEIGHT	1

/*
 * The time the watchdog of our fences reckons a job takes; the allocator
 * allows at least a second anyway, far more than a 1080p frame needs.
 */
#define VIVBUF_M2M_JOB_NS	(NSEC_PER_SEC / 30)

/*
 * A job starts this long after it is scheduled, as a hardware transaction
 * would take time: back-to-back completions with none would have
 * applications (v4l2-compliance's m2m streaming loop among them) see
 * several frames finish between two polls, which no real device does.
 */
#define VIVBUF_M2M_TRANSACTION_MS	10

static bool vivbuf_m2m_enabled = true;
module_param_named(m2m, vivbuf_m2m_enabled, bool, 0444);
MODULE_PARM_DESC(m2m,
		 " create a memory-to-memory (format converter) node per instance (default: on)");

/*
 * Every open of the m2m node is a context with two queues of its own, so
 * the MMAP memory one open may hold is capped: without a cap, one open
 * pins q->max_num_buffers of the largest buffers on each queue (about
 * 2 GiB). The pages are charged to the caller's memory cgroup as well
 * (the allocator allocates with __GFP_ACCOUNT), which is what bounds a
 * loop of opens, or memory kept alive past REQBUFS(0) by mappings and
 * exported dma-bufs: the cap counts what the queues hold.
 */
#define VIVBUF_M2M_CTX_MAX_MB	4096
static unsigned int vivbuf_m2m_ctx_max_mb = 256;

static int vivbuf_m2m_ctx_max_mb_set(const char *val,
				     const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, VIVBUF_M2M_CTX_MAX_MB);
}

static const struct kernel_param_ops vivbuf_m2m_ctx_max_mb_ops = {
	.set = vivbuf_m2m_ctx_max_mb_set,
	.get = param_get_uint,
};

module_param_cb(m2m_ctx_max_mb, &vivbuf_m2m_ctx_max_mb_ops,
		&vivbuf_m2m_ctx_max_mb, 0644);
MODULE_PARM_DESC(m2m_ctx_max_mb,
		 " most MiB of MMAP buffers the two queues of one open of the m2m node hold together; more buffers fail with ENOMEM (1-4096, default 256)");

enum vivbuf_m2m_side {
	VIVBUF_M2M_SRC,		/* OUTPUT queue: frames userspace gives */
	VIVBUF_M2M_DST,		/* CAPTURE queue: converted frames */
};

/**
 * struct vivbuf_m2m - the memory-to-memory node of an instance
 * @vdev: the video device; its release frees this structure
 * @dev: the instance; outlives @vdev, which holds a v4l2_device reference
 * @lock: serialises the ioctls of every context (vdev and vb2 queue lock)
 *	  and guards @contexts; jobs never take it
 * @contexts: the open contexts (&vivbuf_m2m_ctx.node), stopped at unbind
 * @m2m_dev: the framework's job scheduler
 * @wq: ordered workqueue the jobs run on
 * @work: the running job: waits for in-fences, converts, completes
 * @multiplanar: the node uses the multi-planar API
 * @mem_types: VIVBUF_MEM_* bits, the memory types both queues accept
 */
struct vivbuf_m2m {
	struct video_device vdev;
	struct vivbuf_dev *dev;
	struct mutex lock;	/* ioctls, vb2 queues and @contexts */
	struct list_head contexts;
	struct v4l2_m2m_dev *m2m_dev;
	struct workqueue_struct *wq;
	struct delayed_work work;
	bool multiplanar;
	unsigned int mem_types;
};

/**
 * struct vivbuf_m2m_ctx - one open file: a conversion context
 * @fh: the V4L2 file handle, with the framework's context in @fh.m2m_ctx
 * @m2m: the node
 * @fmt: formats of the source and destination queue (enum vivbuf_m2m_side),
 *	 in the multi-planar layout for both APIs; same width and height
 * @sequence: next sequence number of each queue
 * @node: entry in the node's list of contexts, for unbind
 * @mmap_bytes: memory of the MMAP buffers both queues hold, against
 *		vivbuf_m2m_ctx_max_mb; under &vivbuf_m2m.lock (the queue lock)
 * @aborting: job_abort was called; the job stops waiting for in-fences.
 *	      Set locklessly by job_abort, cleared by start_streaming (no job
 *	      of this context can run between the two)
 */
struct vivbuf_m2m_ctx {
	struct v4l2_fh fh;
	struct vivbuf_m2m *m2m;
	struct list_head node;
	struct v4l2_pix_format_mplane fmt[2];
	u32 sequence[2];
	size_t mmap_bytes;
	bool aborting;
};

static inline struct vivbuf_m2m_ctx *file_to_ctx(struct file *file)
{
	return container_of(file->private_data, struct vivbuf_m2m_ctx, fh);
}

static enum vivbuf_m2m_side vivbuf_m2m_side(u32 type)
{
	return V4L2_TYPE_IS_OUTPUT(type) ? VIVBUF_M2M_SRC : VIVBUF_M2M_DST;
}

/* ------------------------------------------------------------------ */
/* Formats */

/*
 * Adjust @mp to a format of the node, of size @width x @height (rounded to
 * the limits), and fill in the fields the driver owns but the colorimetry.
 */
static void vivbuf_m2m_fill_fmt(struct v4l2_pix_format_mplane *mp,
				u32 width, u32 height)
{
	const struct vivbuf_m2m_format *info;

	info = vivbuf_m2m_find_format(mp->pixelformat);
	if (!info)
		info = vivbuf_m2m_get_format(0);

	v4l_bound_align_image(&width, VIVBUF_M2M_MIN_WIDTH,
			      VIVBUF_M2M_MAX_WIDTH,
			      ilog2(VIVBUF_M2M_STEP_WIDTH),
			      &height, VIVBUF_M2M_MIN_HEIGHT,
			      VIVBUF_M2M_MAX_HEIGHT,
			      ilog2(VIVBUF_M2M_STEP_HEIGHT), 0);

	memset(mp, 0, sizeof(*mp));
	mp->pixelformat = info->fourcc;
	mp->width = width;
	mp->height = height;
	mp->field = V4L2_FIELD_NONE;
	mp->num_planes = 1;
	mp->plane_fmt[0].bytesperline = width * info->bpp;
	mp->plane_fmt[0].sizeimage = width * info->bpp * height;
}

static void vivbuf_m2m_copy_colorimetry(struct v4l2_pix_format_mplane *to,
					const struct v4l2_pix_format_mplane *from)
{
	to->colorspace = from->colorspace;
	to->xfer_func = from->xfer_func;
	to->ycbcr_enc = from->ycbcr_enc;
	to->quantization = from->quantization;
}

/*
 * The colorimetry of the source describes the application's frames: it is
 * kept as given, as the V4L2 memory-to-memory interface wants, and only
 * made valid. It does not change the conversion, which always implements
 * BT.601 limited range (see vivbuf-m2m-convert.c). Without a colorspace,
 * the format's nominal colorimetry.
 */
static void vivbuf_m2m_src_colorimetry(struct v4l2_pix_format_mplane *mp,
				       const struct v4l2_pix_format_mplane *req)
{
	const struct vivbuf_m2m_format *info;

	vivbuf_m2m_copy_colorimetry(mp, req);
	if (mp->colorspace == V4L2_COLORSPACE_DEFAULT ||
	    mp->colorspace == V4L2_COLORSPACE_BT878 ||
	    mp->colorspace == V4L2_COLORSPACE_JPEG ||
	    mp->colorspace > V4L2_COLORSPACE_DCI_P3) {
		info = vivbuf_m2m_find_format(mp->pixelformat);
		if (info->is_yuv) {
			mp->colorspace = V4L2_COLORSPACE_SMPTE170M;
			mp->xfer_func = V4L2_XFER_FUNC_709;
			mp->ycbcr_enc = V4L2_YCBCR_ENC_601;
			mp->quantization = V4L2_QUANTIZATION_LIM_RANGE;
		} else {
			mp->colorspace = V4L2_COLORSPACE_SRGB;
			mp->xfer_func = V4L2_XFER_FUNC_SRGB;
			mp->ycbcr_enc = V4L2_YCBCR_ENC_601;
			mp->quantization = V4L2_QUANTIZATION_FULL_RANGE;
		}
		return;
	}
	/* Anything unknown: derived from the colorspace */
	if (mp->xfer_func > V4L2_XFER_FUNC_SMPTE2084)
		mp->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	if (mp->ycbcr_enc > V4L2_YCBCR_ENC_SMPTE240M)
		mp->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	if (mp->quantization > V4L2_QUANTIZATION_LIM_RANGE)
		mp->quantization = V4L2_QUANTIZATION_DEFAULT;
}

/*
 * TRY_FMT for either queue: the destination always has the source's size
 * (the conversion does not scale) and colorimetry.
 */
static void vivbuf_m2m_try_fmt(struct vivbuf_m2m_ctx *ctx,
			       enum vivbuf_m2m_side side,
			       struct v4l2_pix_format_mplane *mp)
{
	const struct v4l2_pix_format_mplane *src = &ctx->fmt[VIVBUF_M2M_SRC];
	struct v4l2_pix_format_mplane req = *mp;

	if (side == VIVBUF_M2M_DST) {
		vivbuf_m2m_fill_fmt(mp, src->width, src->height);
		vivbuf_m2m_copy_colorimetry(mp, src);
	} else {
		vivbuf_m2m_fill_fmt(mp, req.width, req.height);
		vivbuf_m2m_src_colorimetry(mp, &req);
	}
}

/*
 * S_FMT: a queue's format is fixed while it has buffers. A new source size
 * carries over to the destination, so the destination must be free too;
 * the colorimetry carries over in any case.
 */
static int vivbuf_m2m_s_fmt(struct vivbuf_m2m_ctx *ctx, u32 type,
			    struct v4l2_pix_format_mplane *mp)
{
	enum vivbuf_m2m_side side = vivbuf_m2m_side(type);
	struct v4l2_pix_format_mplane *dst = &ctx->fmt[VIVBUF_M2M_DST];
	struct vb2_queue *vq = v4l2_m2m_get_vq(ctx->fh.m2m_ctx, type);
	struct vb2_queue *dst_vq;
	bool resize;

	vivbuf_m2m_try_fmt(ctx, side, mp);
	if (vb2_is_busy(vq))
		return -EBUSY;

	if (side == VIVBUF_M2M_DST) {
		*dst = *mp;
		return 0;
	}

	resize = mp->width != dst->width || mp->height != dst->height;
	dst_vq = v4l2_m2m_get_dst_vq(ctx->fh.m2m_ctx);
	if (resize && vb2_is_busy(dst_vq))
		return -EBUSY;
	ctx->fmt[VIVBUF_M2M_SRC] = *mp;
	if (resize)
		vivbuf_m2m_fill_fmt(dst, mp->width, mp->height);
	vivbuf_m2m_copy_colorimetry(dst, mp);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Jobs */

/*
 * Runs when the framework schedules a job of @priv (a source and a
 * destination buffer are ready, both queues stream): from a QBUF/STREAMON
 * ioctl or from the framework's worker, in process context. The device now
 * owns the two buffers, so their fences are published; the work does the
 * rest.
 */
static void vivbuf_m2m_device_run(void *priv)
{
	struct vivbuf_m2m_ctx *ctx = priv;
	struct vivbuf_m2m *m2m = ctx->m2m;
	struct vb2_v4l2_buffer *src, *dst;

	src = v4l2_m2m_next_src_buf(ctx->fh.m2m_ctx);
	dst = v4l2_m2m_next_dst_buf(ctx->fh.m2m_ctx);

	/* Without its fence (out of memory) the job fails: vivbuf_m2m_work() */
	vb2_dmabuf_buf_queued(&src->vb2_buf, VIVBUF_M2M_JOB_NS);
	vb2_dmabuf_buf_queued(&dst->vb2_buf, VIVBUF_M2M_JOB_NS);

	queue_delayed_work(m2m->wq, &m2m->work,
			   msecs_to_jiffies(VIVBUF_M2M_TRANSACTION_MS));
}

/*
 * Called by STREAMOFF or close while a job of @priv runs; the framework
 * then waits for vivbuf_m2m_work()'s v4l2_m2m_job_finish(). A conversion
 * is short, so only a wait for in-fences is cut short.
 */
static void vivbuf_m2m_job_abort(void *priv)
{
	struct vivbuf_m2m_ctx *ctx = priv;

	WRITE_ONCE(ctx->aborting, true);
}

static int vivbuf_m2m_convert(struct vivbuf_m2m_ctx *ctx,
			      struct vb2_v4l2_buffer *src,
			      struct vb2_v4l2_buffer *dst)
{
	const struct v4l2_pix_format_mplane *sf = &ctx->fmt[VIVBUF_M2M_SRC];
	const struct v4l2_pix_format_mplane *df = &ctx->fmt[VIVBUF_M2M_DST];
	const void *src_vaddr = vb2_dmabuf_plane_device_vaddr(&src->vb2_buf, 0);
	void *dst_vaddr = vb2_dmabuf_plane_device_vaddr(&dst->vb2_buf, 0);

	if (!src_vaddr || !dst_vaddr)
		return -EFAULT;

	vivbuf_m2m_convert_frame(src_vaddr, sf->pixelformat,
				 sf->plane_fmt[0].bytesperline,
				 dst_vaddr, df->pixelformat,
				 df->plane_fmt[0].bytesperline,
				 sf->width, sf->height);
	vb2_set_plane_payload(&dst->vb2_buf, 0, df->plane_fmt[0].sizeimage);
	return 0;
}

/* Completes both buffers of the running job with @state. */
static void vivbuf_m2m_complete_buffers(struct vivbuf_m2m_ctx *ctx,
					enum vb2_buffer_state state)
{
	struct vb2_v4l2_buffer *src, *dst;

	src = v4l2_m2m_src_buf_remove(ctx->fh.m2m_ctx);
	dst = v4l2_m2m_dst_buf_remove(ctx->fh.m2m_ctx);

	src->sequence = ctx->sequence[VIVBUF_M2M_SRC]++;
	dst->sequence = ctx->sequence[VIVBUF_M2M_DST]++;
	/* Timestamp, timecode and field go with the frame */
	vb2_dmabuf_compat_m2m_copy_metadata(src, dst);

	/*
	 * The source first, as vim2m does. Userspace can always catch the
	 * two completions apart; what matters is which half-done state it
	 * may see. A source done before its frame is harmless: the frame
	 * follows at once and the next source only a transaction later
	 * (VIVBUF_M2M_TRANSACTION_MS). A frame done before its source lets
	 * a poller count the frame, then this source and the next one
	 * before the next frame: v4l2-compliance's m2m loop, which ends
	 * only when a frame follows the last source it counts, then runs
	 * forever (seen with this node under load in the emulated guest).
	 */
	vb2_dmabuf_buffer_done(&src->vb2_buf, state);
	vb2_dmabuf_buffer_done(&dst->vb2_buf, state);
}

/*
 * The job's device work: once the other users of both buffers are done
 * (their fences signalled), convert and complete the buffers. While they
 * are not, returns false to look again a tick later; the allocator fails
 * the wait after in_fence_timeout_ms, and an abort ends it at once. The
 * buffers stay on the framework's ready lists until completion, which is
 * how stop_streaming finds them if the job never ran. This is the fences'
 * signalling path: no allocation, no lock that anything allocating holds.
 */
static bool vivbuf_m2m_run_job(struct vivbuf_m2m_ctx *ctx)
{
	struct vb2_v4l2_buffer *src, *dst;
	int ret;

	src = v4l2_m2m_next_src_buf(ctx->fh.m2m_ctx);
	dst = v4l2_m2m_next_dst_buf(ctx->fh.m2m_ctx);

	ret = vb2_dmabuf_buf_ready(&src->vb2_buf);
	if (!ret)
		ret = vb2_dmabuf_buf_ready(&dst->vb2_buf);
	if (ret == -EAGAIN && !READ_ONCE(ctx->aborting))
		return false;

	if (!ret)
		ret = vivbuf_m2m_convert(ctx, src, dst);
	vivbuf_m2m_complete_buffers(ctx, ret ? VB2_BUF_STATE_ERROR :
					       VB2_BUF_STATE_DONE);
	return true;
}

static void vivbuf_m2m_work(struct work_struct *work)
{
	struct vivbuf_m2m *m2m = container_of(to_delayed_work(work),
					      struct vivbuf_m2m, work);
	struct vivbuf_m2m_ctx *ctx = v4l2_m2m_get_curr_priv(m2m->m2m_dev);
	bool signalling, done;

	/* Only device_run queues this work, and only job_finish ends a job */
	if (WARN_ON_ONCE(!ctx))
		return;

	/* Our fences wait for this: lockdep checks it may not block */
	signalling = dma_fence_begin_signalling();
	done = vivbuf_m2m_run_job(ctx);
	dma_fence_end_signalling(signalling);

	if (!done) {
		queue_delayed_work(m2m->wq, &m2m->work, 1);
		return;
	}
	/*
	 * Outside the signalling section: the framework starts the next job
	 * from here, and device_run publishes its fences (allocates).
	 */
	v4l2_m2m_job_finish(m2m->m2m_dev, ctx->fh.m2m_ctx);
}

static const struct v4l2_m2m_ops vivbuf_m2m_ops = {
	.device_run = vivbuf_m2m_device_run,
	.job_abort = vivbuf_m2m_job_abort,
};

/* ------------------------------------------------------------------ */
/* vb2 queue operations, under vivbuf_m2m.lock */

static int vivbuf_m2m_queue_setup(struct vb2_queue *q,
				  unsigned int *num_buffers,
				  unsigned int *num_planes,
				  unsigned int sizes[],
				  struct device *alloc_devs[])
{
	struct vivbuf_m2m_ctx *ctx = vb2_get_drv_priv(q);
	const struct v4l2_pix_format_mplane *mp =
		&ctx->fmt[vivbuf_m2m_side(q->type)];

	/*
	 * CREATE_BUFS: the size asked for must hold the current format, and
	 * not be absurdly large (VIVBUF_MAX_PLANE_SIZE says why)
	 */
	if (*num_planes)
		return *num_planes == 1 &&
		       sizes[0] >= mp->plane_fmt[0].sizeimage &&
		       sizes[0] <= VIVBUF_MAX_PLANE_SIZE ? 0 : -EINVAL;

	*num_planes = 1;
	sizes[0] = mp->plane_fmt[0].sizeimage;
	return 0;
}

/*
 * The context's budget of MMAP memory (vivbuf_m2m_ctx_max_mb), enforced
 * as buffers are allocated: vb2 calls buf_init right after allocating an
 * MMAP buffer and frees the buffer if it fails; a REQBUFS or CREATE_BUFS
 * then gets the buffers allocated before, or ENOMEM if none. So at most
 * one buffer is allocated in vain, and no count needs guessing up front.
 * buf_cleanup comes before vb2 frees a buffer buf_init accepted. DMABUF
 * memory is the exporter's and is not counted.
 */
static int vivbuf_m2m_buf_init(struct vb2_buffer *vb)
{
	struct vivbuf_m2m_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);
	u64 budget = (u64)READ_ONCE(vivbuf_m2m_ctx_max_mb) << 20;
	size_t size = PAGE_ALIGN(vb->planes[0].length);

	if (vb->memory != VB2_MEMORY_MMAP)
		return 0;
	if (ctx->mmap_bytes + size > budget) {
		dev_dbg(&ctx->m2m->dev->pdev->dev,
			"m2m context over its %u MiB budget\n",
			READ_ONCE(vivbuf_m2m_ctx_max_mb));
		return -ENOMEM;
	}
	ctx->mmap_bytes += size;
	return 0;
}

static void vivbuf_m2m_buf_cleanup(struct vb2_buffer *vb)
{
	struct vivbuf_m2m_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);

	if (vb->memory == VB2_MEMORY_MMAP)
		ctx->mmap_bytes -= PAGE_ALIGN(vb->planes[0].length);
}

/* The conversion is progressive only */
static int vivbuf_m2m_buf_out_validate(struct vb2_buffer *vb)
{
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);

	if (vbuf->field == V4L2_FIELD_ANY)
		vbuf->field = V4L2_FIELD_NONE;
	return vbuf->field == V4L2_FIELD_NONE ? 0 : -EINVAL;
}

static int vivbuf_m2m_buf_prepare(struct vb2_buffer *vb)
{
	struct vivbuf_m2m_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);
	enum vivbuf_m2m_side side = vivbuf_m2m_side(vb->vb2_queue->type);
	u32 sizeimage = ctx->fmt[side].plane_fmt[0].sizeimage;

	if (vb2_plane_size(vb, 0) < sizeimage)
		return -EINVAL;
	/* A source frame must be whole: the conversion reads all of it */
	if (side == VIVBUF_M2M_SRC && vb2_get_plane_payload(vb, 0) < sizeimage)
		return -EINVAL;
	if (side == VIVBUF_M2M_DST)
		vb2_set_plane_payload(vb, 0, sizeimage);
	return vivbuf_map_planes(vb);
}

/* Fences are published when the job starts, see vivbuf_m2m_device_run() */
static void vivbuf_m2m_buf_queue(struct vb2_buffer *vb)
{
	struct vivbuf_m2m_ctx *ctx = vb2_get_drv_priv(vb->vb2_queue);

	v4l2_m2m_buf_queue(ctx->fh.m2m_ctx, to_vb2_v4l2_buffer(vb));
}

static int vivbuf_m2m_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vivbuf_m2m_ctx *ctx = vb2_get_drv_priv(q);

	ctx->sequence[vivbuf_m2m_side(q->type)] = 0;
	WRITE_ONCE(ctx->aborting, false);
	return 0;
}

/*
 * The framework has cancelled the context's job (STREAMOFF and close do
 * that first), so the buffers on the ready list are the driver's alone.
 */
static void vivbuf_m2m_stop_streaming(struct vb2_queue *q)
{
	struct vivbuf_m2m_ctx *ctx = vb2_get_drv_priv(q);
	struct vb2_v4l2_buffer *vbuf;

	for (;;) {
		if (V4L2_TYPE_IS_OUTPUT(q->type))
			vbuf = v4l2_m2m_src_buf_remove(ctx->fh.m2m_ctx);
		else
			vbuf = v4l2_m2m_dst_buf_remove(ctx->fh.m2m_ctx);
		if (!vbuf)
			break;
		vb2_dmabuf_buffer_done(&vbuf->vb2_buf, VB2_BUF_STATE_ERROR);
	}
}

static const struct vb2_ops vivbuf_m2m_qops = {
	.queue_setup = vivbuf_m2m_queue_setup,
	.buf_init = vivbuf_m2m_buf_init,
	.buf_cleanup = vivbuf_m2m_buf_cleanup,
	.buf_out_validate = vivbuf_m2m_buf_out_validate,
	.buf_prepare = vivbuf_m2m_buf_prepare,
	.buf_queue = vivbuf_m2m_buf_queue,
	.start_streaming = vivbuf_m2m_start_streaming,
	.stop_streaming = vivbuf_m2m_stop_streaming,
	VB2_DMABUF_COMPAT_WAIT_OPS
};

static int vivbuf_m2m_queue_init(void *priv, struct vb2_queue *src_vq,
				 struct vb2_queue *dst_vq)
{
	struct vivbuf_m2m_ctx *ctx = priv;
	struct vivbuf_m2m *m2m = ctx->m2m;
	unsigned int mem_types = m2m->mem_types;
	struct vb2_queue *qs[] = { src_vq, dst_vq };
	unsigned int i;
	int ret;

	src_vq->type = m2m->multiplanar ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
					  V4L2_BUF_TYPE_VIDEO_OUTPUT;
	dst_vq->type = m2m->multiplanar ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
					  V4L2_BUF_TYPE_VIDEO_CAPTURE;
	for (i = 0; i < ARRAY_SIZE(qs); i++) {
		struct vb2_queue *q = qs[i];

		q->io_modes = 0;
		if (mem_types & VIVBUF_MEM_MMAP)
			q->io_modes |= VB2_MMAP;
		if (mem_types & VIVBUF_MEM_DMABUF)
			q->io_modes |= VB2_DMABUF;
		q->dev = &m2m->dev->pdev->dev;
		q->drv_priv = ctx;
		q->buf_struct_size = sizeof(struct v4l2_m2m_buffer);
		q->ops = &vivbuf_m2m_qops;
		q->mem_ops = &vb2_dmabuf_memops;
		q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_COPY;
		q->lock = &m2m->lock;
		ret = vb2_queue_init(q);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* File operations */

static int vivbuf_m2m_open(struct file *file)
{
	struct vivbuf_m2m *m2m = video_drvdata(file);
	struct vivbuf_m2m_ctx *ctx;
	int ret;

	ctx = kzalloc_obj(*ctx, GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->m2m = m2m;
	ctx->fmt[VIVBUF_M2M_SRC].pixelformat = vivbuf_m2m_get_format(0)->fourcc;
	ctx->fmt[VIVBUF_M2M_SRC].width = VIVBUF_M2M_DEF_WIDTH;
	ctx->fmt[VIVBUF_M2M_SRC].height = VIVBUF_M2M_DEF_HEIGHT;
	/* The default format, with its nominal colorimetry, on both sides */
	vivbuf_m2m_try_fmt(ctx, VIVBUF_M2M_SRC, &ctx->fmt[VIVBUF_M2M_SRC]);
	ctx->fmt[VIVBUF_M2M_DST] = ctx->fmt[VIVBUF_M2M_SRC];

	v4l2_fh_init(&ctx->fh, &m2m->vdev);

	ctx->fh.m2m_ctx = v4l2_m2m_ctx_init(m2m->m2m_dev, ctx,
					    vivbuf_m2m_queue_init);
	if (IS_ERR(ctx->fh.m2m_ctx)) {
		ret = PTR_ERR(ctx->fh.m2m_ctx);
		v4l2_fh_exit(&ctx->fh);
		kfree(ctx);
		return ret;
	}
	vb2_dmabuf_compat_fh_add(&ctx->fh, file);
	mutex_lock(&m2m->lock);
	list_add(&ctx->node, &m2m->contexts);
	mutex_unlock(&m2m->lock);
	return 0;
}

static int vivbuf_m2m_release(struct file *file)
{
	struct vivbuf_m2m_ctx *ctx = file_to_ctx(file);
	struct vivbuf_m2m *m2m = ctx->m2m;

	vb2_dmabuf_compat_fh_del(&ctx->fh, file);
	v4l2_fh_exit(&ctx->fh);
	/* Cancels the context's job and frees its queues, as ioctls would */
	mutex_lock(&m2m->lock);
	list_del(&ctx->node);
	v4l2_m2m_ctx_release(ctx->fh.m2m_ctx);
	mutex_unlock(&m2m->lock);
	kfree(ctx);
	return 0;
}

static const struct v4l2_file_operations vivbuf_m2m_fops = {
	.owner = THIS_MODULE,
	.open = vivbuf_m2m_open,
	.release = vivbuf_m2m_release,
	.poll = v4l2_m2m_fop_poll,
	.mmap = v4l2_m2m_fop_mmap,
	.unlocked_ioctl = video_ioctl2,
};

/* ------------------------------------------------------------------ */
/* ioctls, serialised by vivbuf_m2m.lock */

static int vivbuf_m2m_querycap(struct file *file, void *priv,
			       struct v4l2_capability *caps)
{
	struct vivbuf_m2m *m2m = video_drvdata(file);
	unsigned int instance = m2m->dev->instance;

	strscpy(caps->driver, VIVBUF_NAME, sizeof(caps->driver));
	snprintf(caps->card, sizeof(caps->card), VIVBUF_NAME " m2m %u",
		 instance);
	snprintf(caps->bus_info, sizeof(caps->bus_info),
		 "platform:" VIVBUF_NAME "-%u", instance);
	return 0;
}

/* Both queues offer every format */
static int vivbuf_m2m_enum_fmt(struct file *file, void *priv,
			       struct v4l2_fmtdesc *f)
{
	const struct vivbuf_m2m_format *info = vivbuf_m2m_get_format(f->index);

	if (!info)
		return -EINVAL;
	/* The V4L2 core fills in the description */
	f->pixelformat = info->fourcc;
	return 0;
}

static int vivbuf_m2m_g_fmt(struct file *file, void *priv,
			    struct v4l2_format *f)
{
	struct vivbuf_m2m_ctx *ctx = file_to_ctx(file);

	vivbuf_mp_to_pix(&ctx->fmt[vivbuf_m2m_side(f->type)], &f->fmt.pix);
	return 0;
}

static int vivbuf_m2m_try_fmt_sp(struct file *file, void *priv,
				 struct v4l2_format *f)
{
	struct vivbuf_m2m_ctx *ctx = file_to_ctx(file);
	struct v4l2_pix_format_mplane mp;

	vivbuf_pix_to_mp(&f->fmt.pix, &mp);
	vivbuf_m2m_try_fmt(ctx, vivbuf_m2m_side(f->type), &mp);
	vivbuf_mp_to_pix(&mp, &f->fmt.pix);
	return 0;
}

static int vivbuf_m2m_s_fmt_sp(struct file *file, void *priv,
			       struct v4l2_format *f)
{
	struct vivbuf_m2m_ctx *ctx = file_to_ctx(file);
	struct v4l2_pix_format_mplane mp;
	int ret;

	vivbuf_pix_to_mp(&f->fmt.pix, &mp);
	ret = vivbuf_m2m_s_fmt(ctx, f->type, &mp);
	vivbuf_mp_to_pix(&mp, &f->fmt.pix);
	return ret;
}

static int vivbuf_m2m_g_fmt_mp(struct file *file, void *priv,
			       struct v4l2_format *f)
{
	struct vivbuf_m2m_ctx *ctx = file_to_ctx(file);

	f->fmt.pix_mp = ctx->fmt[vivbuf_m2m_side(f->type)];
	return 0;
}

static int vivbuf_m2m_try_fmt_mp(struct file *file, void *priv,
				 struct v4l2_format *f)
{
	struct vivbuf_m2m_ctx *ctx = file_to_ctx(file);

	vivbuf_m2m_try_fmt(ctx, vivbuf_m2m_side(f->type), &f->fmt.pix_mp);
	return 0;
}

static int vivbuf_m2m_s_fmt_mp(struct file *file, void *priv,
			       struct v4l2_format *f)
{
	struct vivbuf_m2m_ctx *ctx = file_to_ctx(file);

	return vivbuf_m2m_s_fmt(ctx, f->type, &f->fmt.pix_mp);
}

static int vivbuf_m2m_enum_framesizes(struct file *file, void *priv,
				      struct v4l2_frmsizeenum *fsize)
{
	if (fsize->index || !vivbuf_m2m_find_format(fsize->pixel_format))
		return -EINVAL;

	fsize->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fsize->stepwise.min_width = VIVBUF_M2M_MIN_WIDTH;
	fsize->stepwise.max_width = VIVBUF_M2M_MAX_WIDTH;
	fsize->stepwise.step_width = VIVBUF_M2M_STEP_WIDTH;
	fsize->stepwise.min_height = VIVBUF_M2M_MIN_HEIGHT;
	fsize->stepwise.max_height = VIVBUF_M2M_MAX_HEIGHT;
	fsize->stepwise.step_height = VIVBUF_M2M_STEP_HEIGHT;
	return 0;
}

#define VIVBUF_M2M_COMMON_IOCTL_OPS					\
	.vidioc_querycap = vivbuf_m2m_querycap,				\
	.vidioc_enum_fmt_vid_cap = vivbuf_m2m_enum_fmt,			\
	.vidioc_enum_fmt_vid_out = vivbuf_m2m_enum_fmt,			\
	.vidioc_enum_framesizes = vivbuf_m2m_enum_framesizes,		\
	.vidioc_reqbufs = v4l2_m2m_ioctl_reqbufs,			\
	.vidioc_create_bufs = v4l2_m2m_ioctl_create_bufs,		\
	.vidioc_prepare_buf = v4l2_m2m_ioctl_prepare_buf,		\
	.vidioc_querybuf = v4l2_m2m_ioctl_querybuf,			\
	.vidioc_qbuf = v4l2_m2m_ioctl_qbuf,				\
	.vidioc_dqbuf = v4l2_m2m_ioctl_dqbuf,				\
	.vidioc_expbuf = v4l2_m2m_ioctl_expbuf,				\
	VB2_DMABUF_COMPAT_M2M_IOCTL_REMOVE_BUFS				\
	.vidioc_streamon = v4l2_m2m_ioctl_streamon,			\
	.vidioc_streamoff = v4l2_m2m_ioctl_streamoff

static const struct v4l2_ioctl_ops vivbuf_m2m_ioctl_ops = {
	.vidioc_g_fmt_vid_cap = vivbuf_m2m_g_fmt,
	.vidioc_try_fmt_vid_cap = vivbuf_m2m_try_fmt_sp,
	.vidioc_s_fmt_vid_cap = vivbuf_m2m_s_fmt_sp,
	.vidioc_g_fmt_vid_out = vivbuf_m2m_g_fmt,
	.vidioc_try_fmt_vid_out = vivbuf_m2m_try_fmt_sp,
	.vidioc_s_fmt_vid_out = vivbuf_m2m_s_fmt_sp,
	VIVBUF_M2M_COMMON_IOCTL_OPS,
};

static const struct v4l2_ioctl_ops vivbuf_m2m_ioctl_ops_mplane = {
	.vidioc_g_fmt_vid_cap_mplane = vivbuf_m2m_g_fmt_mp,
	.vidioc_try_fmt_vid_cap_mplane = vivbuf_m2m_try_fmt_mp,
	.vidioc_s_fmt_vid_cap_mplane = vivbuf_m2m_s_fmt_mp,
	.vidioc_g_fmt_vid_out_mplane = vivbuf_m2m_g_fmt_mp,
	.vidioc_try_fmt_vid_out_mplane = vivbuf_m2m_try_fmt_mp,
	.vidioc_s_fmt_vid_out_mplane = vivbuf_m2m_s_fmt_mp,
	VIVBUF_M2M_COMMON_IOCTL_OPS,
};

/* ------------------------------------------------------------------ */
/* Setup and teardown */

/* The last reference to the video device is gone: no file, no job left */
static void vivbuf_m2m_vdev_release(struct video_device *vdev)
{
	struct vivbuf_m2m *m2m = container_of(vdev, struct vivbuf_m2m, vdev);

	destroy_workqueue(m2m->wq);
	v4l2_m2m_release(m2m->m2m_dev);
	mutex_destroy(&m2m->lock);
	kfree(m2m);
}

/**
 * vivbuf_m2m_register() - create the memory-to-memory node of an instance
 * @dev: the instance, its V4L2 device registered
 * @multiplanar: use the multi-planar API
 * @mem_types: VIVBUF_MEM_* bits, the memory types the queues accept
 *
 * Does nothing when the m2m module parameter is off. The node frees itself
 * once unregistered and closed by everyone.
 *
 * Return: 0 or a negative errno.
 */
int vivbuf_m2m_register(struct vivbuf_dev *dev, bool multiplanar,
			unsigned int mem_types)
{
	struct vivbuf_m2m *m2m;
	struct video_device *vdev;
	int ret;

	if (!vivbuf_m2m_enabled)
		return 0;

	m2m = kzalloc_obj(*m2m, GFP_KERNEL);
	if (!m2m)
		return -ENOMEM;
	m2m->dev = dev;
	m2m->multiplanar = multiplanar;
	m2m->mem_types = mem_types;
	mutex_init(&m2m->lock);
	INIT_LIST_HEAD(&m2m->contexts);
	INIT_DELAYED_WORK(&m2m->work, vivbuf_m2m_work);

	/* Jobs complete our fences, so they must run under memory pressure */
	m2m->wq = alloc_ordered_workqueue(VIVBUF_NAME "%u-m2m", WQ_MEM_RECLAIM,
					  dev->instance);
	if (!m2m->wq) {
		ret = -ENOMEM;
		goto free_m2m;
	}

	m2m->m2m_dev = v4l2_m2m_init(&vivbuf_m2m_ops);
	if (IS_ERR(m2m->m2m_dev)) {
		ret = PTR_ERR(m2m->m2m_dev);
		goto destroy_wq;
	}

	vdev = &m2m->vdev;
	snprintf(vdev->name, sizeof(vdev->name), VIVBUF_NAME " m2m %u",
		 dev->instance);
	vdev->fops = &vivbuf_m2m_fops;
	vdev->ioctl_ops = multiplanar ? &vivbuf_m2m_ioctl_ops_mplane :
					&vivbuf_m2m_ioctl_ops;
	vdev->release = vivbuf_m2m_vdev_release;
	vdev->v4l2_dev = &dev->v4l2_dev;
	vdev->lock = &m2m->lock;
	vdev->vfl_dir = VFL_DIR_M2M;
	vdev->device_caps = V4L2_CAP_STREAMING |
			    (multiplanar ? V4L2_CAP_VIDEO_M2M_MPLANE :
					   V4L2_CAP_VIDEO_M2M);
	/* Without MMAP buffers there is nothing to export */
	if (!(mem_types & VIVBUF_MEM_MMAP))
		v4l2_disable_ioctl(vdev, VIDIOC_EXPBUF);
	video_set_drvdata(vdev, m2m);

	ret = video_register_device(vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		goto release_m2m_dev;
	dev->m2m = m2m;

	v4l2_info(&dev->v4l2_dev, "m2m node %s (%s)\n",
		  video_device_node_name(vdev),
		  multiplanar ? "multi-planar" : "single-planar");
	return 0;

release_m2m_dev:
	v4l2_m2m_release(m2m->m2m_dev);
destroy_wq:
	destroy_workqueue(m2m->wq);
free_m2m:
	mutex_destroy(&m2m->lock);
	kfree(m2m);
	return ret;
}

/**
 * vivbuf_m2m_unregister() - remove the memory-to-memory node, if any
 * @dev: the instance
 *
 * As vb2_video_unregister_device() does for the other nodes: every open
 * context's job is cancelled and its queues are stopped and freed, so that
 * no DMA mapping of the device outlives its driver. Files that are still
 * open only get errors from now on; the node frees itself when the last
 * one is closed. Exported dma-bufs stay valid.
 */
void vivbuf_m2m_unregister(struct vivbuf_dev *dev)
{
	struct vivbuf_m2m *m2m = dev->m2m;
	struct v4l2_m2m_ctx *m2m_ctx;
	struct vivbuf_m2m_ctx *ctx;

	if (!m2m)
		return;
	/* Unregistering may drop the last reference but ours */
	get_device(&m2m->vdev.dev);
	video_unregister_device(&m2m->vdev);

	/* No ioctl can start any more; those in flight hold the lock */
	mutex_lock(&m2m->lock);
	list_for_each_entry(ctx, &m2m->contexts, node) {
		m2m_ctx = ctx->fh.m2m_ctx;
		/* Waits for a running job of the context to finish */
		v4l2_m2m_streamoff(NULL, m2m_ctx, m2m_ctx->out_q_ctx.q.type);
		v4l2_m2m_streamoff(NULL, m2m_ctx, m2m_ctx->cap_q_ctx.q.type);
		vb2_queue_release(&m2m_ctx->out_q_ctx.q);
		vb2_queue_release(&m2m_ctx->cap_q_ctx.q);
	}
	mutex_unlock(&m2m->lock);

	dev->m2m = NULL;
	put_device(&m2m->vdev.dev);
}
