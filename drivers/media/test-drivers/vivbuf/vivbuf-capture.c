// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the video capture node.
 *
 * A camera that produces a static test pattern (v4l2-tpg) at the selected
 * frame interval. Its buffers come from the videobuf2-dmabuf allocator, so
 * they can be exported (EXPBUF) or imported (DMABUF) as dma-bufs. Frames
 * are written by the CPU through the buffers' kernel mapping.
 *
 * In instant mode (module parameter) it completes each buffer as soon as it
 * is queued, for benchmarks of the buffer transport: see
 * vivbuf_producer_instant().
 */

#include <linux/dma-fence.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#include "vivbuf.h"

/*
 * The producer needs one buffer to start the clock; one filling, one queued
 * next and one in userspace keep it from dropping frames.
 */
#define VIVBUF_MIN_QUEUED_BUFFERS	1
#define VIVBUF_MIN_REQBUFS		3

/*
 * Test hook for the allocator's fence watchdog: a stalled device that
 * completes no frame. Buffers queued meanwhile stay with the driver.
 */
static bool vivbuf_stall;
module_param_named(stall, vivbuf_stall, bool, 0644);
MODULE_PARM_DESC(stall,
		 "while set, the capture nodes complete no buffer (testing)");

/* Benchmarks: no frame clock, and a pattern written once per buffer */
static bool vivbuf_instant;
module_param_named(instant, vivbuf_instant, bool, 0644);
MODULE_PARM_DESC(instant,
		 "capture nodes complete each buffer as soon as it is queued, writing the test pattern only the first time and then a frame counter; read at STREAMON (benchmarks, default: off)");

/*
 * Instant mode: how soon the producer asks again about a queued buffer that
 * is not ready (other users' fences pending, or the stall hook)
 */
#define VIVBUF_INSTANT_RETRY_NS		NSEC_PER_MSEC

static inline struct vivbuf_dev *cap_to_dev(struct vivbuf_capture *cap)
{
	return container_of(cap, struct vivbuf_dev, cap);
}

/* ------------------------------------------------------------------ */
/* Frame production */

/* Called at STREAMON, when the producer is not running */
static void vivbuf_setup_tpg(struct vivbuf_capture *cap)
{
	const struct v4l2_pix_format_mplane *mp = &cap->fmt;
	struct tpg_data *tpg = &cap->tpg;
	unsigned int p;

	tpg_s_fourcc(tpg, mp->pixelformat);
	tpg_reset_source(tpg, mp->width, mp->height, mp->field);
	for (p = 0; p < mp->num_planes; p++)
		tpg_s_bytesperline(tpg, p, mp->plane_fmt[p].bytesperline);
	tpg_s_colorspace(tpg, mp->colorspace);
	tpg_s_xfer_func(tpg, mp->xfer_func);
	tpg_s_ycbcr_enc(tpg, mp->ycbcr_enc);
	tpg_s_quantization(tpg, mp->quantization);
	tpg_s_pattern(tpg, READ_ONCE(cap->pattern));
}

/* Writes the test pattern, as set up by the caller, into every plane */
static int vivbuf_fill_pattern(struct vivbuf_capture *cap,
			       struct vb2_buffer *vb)
{
	unsigned int p;
	void *vaddr;

	for (p = 0; p < vb->num_planes; p++) {
		vaddr = vb2_dmabuf_plane_device_vaddr(vb, p);
		if (!vaddr)
			return -EFAULT;
		/* Fills every colour plane that lives in memory plane p */
		tpg_fillbuffer(&cap->tpg, 0, p, vaddr);
	}
	return 0;
}

static int vivbuf_fill_buffer(struct vivbuf_capture *cap,
			      struct vivbuf_buffer *buf)
{
	struct vb2_buffer *vb = &buf->vb.vb2_buf;
	int ret;

	/* The output's last frame, if it loops back in our format */
	ret = vivbuf_loopback_capture(&cap_to_dev(cap)->loop, &cap->fmt, vb);
	if (ret != -ENODATA)
		return ret;

	/* Applied here, so that a frame never mixes two patterns */
	tpg_s_pattern(&cap->tpg, READ_ONCE(cap->pattern));
	return vivbuf_fill_pattern(cap, vb);
}

/* Instant mode: new frame contents, so every buffer is filled anew */
static void vivbuf_new_fill_gen(struct vivbuf_capture *cap)
{
	/* 0 means "no pattern" in a buffer, so the generation skips it */
	if (!++cap->fill_gen)
		cap->fill_gen = 1;
}

/*
 * Instant mode: as a DMA engine costs the CPU nothing per frame, the test
 * pattern is written into a buffer only when it does not hold the current
 * one (first use of the buffer, or since STREAMON or a pattern change);
 * otherwise only the frame's sequence number is stamped into the first
 * four bytes of plane 0, little-endian. A looped-back frame is copied
 * whole, as in the normal mode, and not stamped.
 */
static int vivbuf_fill_instant(struct vivbuf_capture *cap,
			       struct vivbuf_buffer *buf, u32 sequence)
{
	struct vb2_buffer *vb = &buf->vb.vb2_buf;
	u32 pattern = READ_ONCE(cap->pattern);
	__le32 *stamp;
	int ret;

	ret = vivbuf_loopback_capture(&cap_to_dev(cap)->loop, &cap->fmt, vb);
	if (ret != -ENODATA) {
		buf->fill_gen = 0;
		return ret;
	}

	if (pattern != cap->tpg.pattern) {
		tpg_s_pattern(&cap->tpg, pattern);
		vivbuf_new_fill_gen(cap);
	}
	if (buf->fill_gen != cap->fill_gen) {
		ret = vivbuf_fill_pattern(cap, vb);
		if (ret) {
			buf->fill_gen = 0;
			return ret;
		}
		buf->fill_gen = cap->fill_gen;
	}

	stamp = vb2_dmabuf_plane_device_vaddr(vb, 0);
	if (!stamp)
		return -EFAULT;
	*stamp = cpu_to_le32(sequence);
	return 0;
}

/*
 * The oldest queued buffer, once the other users of its memory are done
 * with it (their implicit fences signalled); one whose wait failed is
 * returned with an error. NULL: no buffer to fill in this frame.
 */
static struct vivbuf_buffer *vivbuf_take_buffer(struct vivbuf_capture *cap)
{
	struct vivbuf_buffer *buf;
	int ret;

	if (READ_ONCE(vivbuf_stall))
		return NULL;

	for (;;) {
		spin_lock(&cap->queued_lock);
		buf = list_first_entry_or_null(&cap->queued,
					       struct vivbuf_buffer, list);
		ret = buf ? vb2_dmabuf_buf_ready(&buf->vb.vb2_buf) : 0;
		if (buf && ret != -EAGAIN)
			list_del(&buf->list);
		spin_unlock(&cap->queued_lock);

		if (ret == -EAGAIN)
			return NULL;
		if (!ret)
			return buf;
		vb2_dmabuf_buffer_done(&buf->vb.vb2_buf, VB2_BUF_STATE_ERROR);
	}
}

/**
 * vivbuf_sleep_until() - the frame clock of the nodes' threads
 * @deadline_ns: when to wake up, in CLOCK_MONOTONIC nanoseconds
 *
 * Sleeps until CLOCK_MONOTONIC reaches @deadline_ns, in a kthread.
 *
 * Return: true at the deadline; false, early, when kthread_stop() asks the
 * thread to exit.
 */
bool vivbuf_sleep_until(u64 deadline_ns)
{
	ktime_t deadline = ns_to_ktime(deadline_ns);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			return false;
		}
		if (ktime_get_ns() >= deadline_ns) {
			__set_current_state(TASK_RUNNING);
			return true;
		}
		schedule_hrtimeout(&deadline, HRTIMER_MODE_ABS);
	}
}

/*
 * Hands a produced frame out: its sequence number, its timestamp (the end
 * of the frame, CLOCK_MONOTONIC) and the result of filling it, unless the
 * error injection fails it.
 */
static void vivbuf_complete(struct vivbuf_capture *cap,
			    struct vivbuf_buffer *buf, u32 sequence, u64 now,
			    int err)
{
	buf->vb.sequence = sequence;
	buf->vb.field = V4L2_FIELD_NONE;
	buf->vb.vb2_buf.timestamp = now;
	if (vivbuf_inject_take(&cap->inject, VIVBUF_INJECT_BUFFER))
		err = -EIO;
	vb2_dmabuf_buffer_done(&buf->vb.vb2_buf,
			       err ? VB2_BUF_STATE_ERROR : VB2_BUF_STATE_DONE);
}

/*
 * The producer thread runs from start_streaming to stop_streaming, like a
 * sensor with a DMA engine: at the start of each frame it takes the oldest
 * queued buffer and writes the frame into it, and at the end of the frame
 * (one period later) it hands the buffer out. A frame that starts with no
 * buffer queued is dropped, and its sequence number with it: a gap in the
 * sequence is always a frame userspace did not make room for.
 *
 * When the thread wakes up more than a period late, the machine stalled
 * (an emulator, a loaded host), not the sensor: the next frame starts now,
 * so the sequence neither skips nor bursts to catch up.
 */
static int vivbuf_producer(void *data)
{
	struct vivbuf_capture *cap = data;
	const struct v4l2_fract *interval;
	u64 frame_end = ktime_get_ns();
	u32 sequence = 0;
	struct vivbuf_buffer *buf;
	bool signalling;
	u64 period;
	u64 now;
	int err;

	for (;;) {
		/* S_PARM while streaming takes effect at the next frame */
		interval = vivbuf_interval(READ_ONCE(cap->interval));
		period = vivbuf_fract_to_ns(interval);
		frame_end += period;

		/* Our fences wait for this: lockdep checks it may not block */
		signalling = dma_fence_begin_signalling();
		buf = vivbuf_take_buffer(cap);
		if (buf)
			vivbuf_inject_signalling_breach(&cap->inject);
		err = buf ? vivbuf_fill_buffer(cap, buf) : 0;

		if (!vivbuf_sleep_until(frame_end)) {
			if (buf)
				vb2_dmabuf_buffer_done(&buf->vb.vb2_buf,
						       VB2_BUF_STATE_ERROR);
			dma_fence_end_signalling(signalling);
			return 0;
		}

		now = ktime_get_ns();
		if (buf)
			vivbuf_complete(cap, buf, sequence, now, err);
		dma_fence_end_signalling(signalling);
		sequence++;
		if (now > frame_end + period)
			frame_end = now;
	}
}

static bool vivbuf_queue_empty(struct vivbuf_capture *cap)
{
	bool empty;

	spin_lock(&cap->queued_lock);
	empty = list_empty(&cap->queued);
	spin_unlock(&cap->queued_lock);
	return empty;
}

/*
 * The producer of instant mode, run instead of vivbuf_producer(): no frame
 * clock. It takes the oldest queued buffer as soon as it is ready, fills it
 * (vivbuf_fill_instant()) and hands it out at once, with the next sequence
 * number (no frame is ever dropped) and the time of completion. While no
 * buffer is queued it sleeps until buf_queue wakes it; a queued buffer that
 * is not ready yet (other users' fences, the stall hook) is asked about
 * again every VIVBUF_INSTANT_RETRY_NS, as the normal mode asks every frame.
 */
static int vivbuf_producer_instant(void *data)
{
	struct vivbuf_capture *cap = data;
	struct vivbuf_buffer *buf;
	bool signalling;
	u32 sequence = 0;
	int err;

	while (!kthread_should_stop()) {
		signalling = dma_fence_begin_signalling();
		buf = vivbuf_take_buffer(cap);
		if (buf) {
			vivbuf_inject_signalling_breach(&cap->inject);
			err = vivbuf_fill_instant(cap, buf, sequence);
			vivbuf_complete(cap, buf, sequence++, ktime_get_ns(),
					err);
		}
		dma_fence_end_signalling(signalling);
		if (buf) {
			/* Userspace may keep a buffer queued all the time */
			cond_resched();
		} else if (vivbuf_queue_empty(cap)) {
			/* Kthreads take no signals: only a wake-up ends it */
			wait_event_interruptible(cap->queued_wait,
						 kthread_should_stop() ||
						 !vivbuf_queue_empty(cap));
		} else {
			vivbuf_sleep_until(ktime_get_ns() +
					   VIVBUF_INSTANT_RETRY_NS);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* vb2 queue operations */

static int vivbuf_queue_setup(struct vb2_queue *q, unsigned int *num_buffers,
			      unsigned int *num_planes, unsigned int sizes[],
			      struct device *alloc_devs[])
{
	struct vivbuf_capture *cap = vb2_get_drv_priv(q);
	const struct v4l2_pix_format_mplane *mp = &cap->fmt;
	unsigned int p;

	/*
	 * CREATE_BUFS: the sizes asked for must hold the current format, and
	 * not be absurdly large (VIVBUF_MAX_PLANE_SIZE says why)
	 */
	if (*num_planes) {
		if (*num_planes != mp->num_planes)
			return -EINVAL;
		for (p = 0; p < mp->num_planes; p++)
			if (sizes[p] < mp->plane_fmt[p].sizeimage ||
			    sizes[p] > VIVBUF_MAX_PLANE_SIZE)
				return -EINVAL;
		return vivbuf_inject_queue_setup(&cap->inject, q);
	}

	*num_planes = mp->num_planes;
	for (p = 0; p < mp->num_planes; p++)
		sizes[p] = mp->plane_fmt[p].sizeimage;
	return vivbuf_inject_queue_setup(&cap->inject, q);
}

/* Also after a DMABUF QBUF with another dma-buf: new memory */
static int vivbuf_buf_init(struct vb2_buffer *vb)
{
	struct vivbuf_capture *cap = vb2_get_drv_priv(vb->vb2_queue);
	struct vivbuf_buffer *buf = container_of(to_vb2_v4l2_buffer(vb),
						 struct vivbuf_buffer, vb);

	buf->fill_gen = 0;
	return vivbuf_inject_buf_init(&cap->inject, vb);
}

static int vivbuf_buf_prepare(struct vb2_buffer *vb)
{
	struct vivbuf_capture *cap = vb2_get_drv_priv(vb->vb2_queue);
	const struct v4l2_pix_format_mplane *mp = &cap->fmt;
	unsigned int p;

	for (p = 0; p < mp->num_planes; p++) {
		if (vb2_plane_size(vb, p) < mp->plane_fmt[p].sizeimage)
			return -EINVAL;
		vb2_set_plane_payload(vb, p, mp->plane_fmt[p].sizeimage);
	}
	/* QBUF (or PREPARE_BUF) fails as if the hardware did */
	if (vivbuf_inject_take(&cap->inject, VIVBUF_INJECT_QBUF))
		return -EIO;
	return vivbuf_map_planes(vb);
}

/*
 * buf_queue (QBUF, or STREAMON with queued buffers) and the producer both
 * run in process context, so @queued_lock needs no irq protection.
 */
static void vivbuf_buf_queue(struct vb2_buffer *vb)
{
	struct vivbuf_capture *cap = vb2_get_drv_priv(vb->vb2_queue);
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);
	struct vivbuf_buffer *buf = container_of(vbuf, struct vivbuf_buffer,
						 vb);
	const struct v4l2_fract *interval =
		vivbuf_interval(READ_ONCE(cap->interval));

	/* Implicit sync; a buffer without its fence is failed, not captured. */
	vb2_dmabuf_buf_queued(vb, vivbuf_fract_to_ns(interval));

	spin_lock(&cap->queued_lock);
	list_add_tail(&buf->list, &cap->queued);
	spin_unlock(&cap->queued_lock);
	/* The instant mode's producer may be waiting for it */
	wake_up(&cap->queued_wait);
}

static void vivbuf_return_buffers(struct vivbuf_capture *cap,
				  enum vb2_buffer_state state)
{
	struct vivbuf_buffer *buf, *tmp;
	LIST_HEAD(buffers);

	spin_lock(&cap->queued_lock);
	list_splice_init(&cap->queued, &buffers);
	spin_unlock(&cap->queued_lock);

	list_for_each_entry_safe(buf, tmp, &buffers, list) {
		list_del(&buf->list);
		vb2_dmabuf_buffer_done(&buf->vb.vb2_buf, state);
	}
}

static int vivbuf_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vivbuf_capture *cap = vb2_get_drv_priv(q);
	struct task_struct *producer;

	if (vivbuf_inject_take(&cap->inject, VIVBUF_INJECT_STREAMON)) {
		vivbuf_return_buffers(cap, VB2_BUF_STATE_QUEUED);
		return -EIO;
	}

	vivbuf_setup_tpg(cap);
	vivbuf_new_fill_gen(cap);
	producer = kthread_run(READ_ONCE(vivbuf_instant) ?
			       vivbuf_producer_instant : vivbuf_producer,
			       cap, VIVBUF_NAME "%u-cap",
			       cap_to_dev(cap)->instance);
	if (IS_ERR(producer)) {
		vivbuf_return_buffers(cap, VB2_BUF_STATE_QUEUED);
		return PTR_ERR(producer);
	}
	cap->producer = producer;
	return 0;
}

static void vivbuf_stop_streaming(struct vb2_queue *q)
{
	struct vivbuf_capture *cap = vb2_get_drv_priv(q);

	/* Waits for the producer, so no buffer is being filled after this */
	kthread_stop(cap->producer);
	cap->producer = NULL;
	vivbuf_return_buffers(cap, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops vivbuf_qops = {
	.queue_setup = vivbuf_queue_setup,
	.buf_init = vivbuf_buf_init,
	.buf_prepare = vivbuf_buf_prepare,
	.buf_queue = vivbuf_buf_queue,
	.start_streaming = vivbuf_start_streaming,
	.stop_streaming = vivbuf_stop_streaming,
	VB2_DMABUF_COMPAT_WAIT_OPS
};

/* ------------------------------------------------------------------ */
/* ioctls, serialised by cap->lock (video_device.lock) */

static int vivbuf_querycap(struct file *file, void *priv,
			   struct v4l2_capability *caps)
{
	struct vivbuf_capture *cap = video_drvdata(file);
	unsigned int instance = cap_to_dev(cap)->instance;

	strscpy(caps->driver, VIVBUF_NAME, sizeof(caps->driver));
	snprintf(caps->card, sizeof(caps->card), VIVBUF_NAME " capture %u",
		 instance);
	snprintf(caps->bus_info, sizeof(caps->bus_info),
		 "platform:" VIVBUF_NAME "-%u", instance);
	return 0;
}

static int vivbuf_enum_fmt(struct file *file, void *priv,
			   struct v4l2_fmtdesc *f)
{
	struct vivbuf_capture *cap = video_drvdata(file);

	return vivbuf_enum_format(cap->multiplanar, f);
}

static int vivbuf_cap_g_fmt(struct file *file, void *priv,
			    struct v4l2_format *f)
{
	struct vivbuf_capture *cap = video_drvdata(file);

	vivbuf_node_g_fmt(&cap->fmt, f);
	return 0;
}

static int vivbuf_cap_try_fmt(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	struct v4l2_pix_format_mplane mp;

	vivbuf_node_try_fmt(f, &mp);
	return 0;
}

static int vivbuf_cap_s_fmt(struct file *file, void *priv,
			    struct v4l2_format *f)
{
	struct vivbuf_capture *cap = video_drvdata(file);

	return vivbuf_node_s_fmt(&cap->queue, &cap->fmt, f);
}

static int vivbuf_cap_enum_framesizes(struct file *file, void *priv,
				      struct v4l2_frmsizeenum *fsize)
{
	struct vivbuf_capture *cap = video_drvdata(file);

	return vivbuf_enum_framesizes(cap->multiplanar, fsize);
}

static int vivbuf_cap_enum_frameintervals(struct file *file, void *priv,
					  struct v4l2_frmivalenum *fival)
{
	struct vivbuf_capture *cap = video_drvdata(file);

	return vivbuf_enum_frameintervals(cap->multiplanar, fival);
}

static int vivbuf_g_parm(struct file *file, void *priv,
			 struct v4l2_streamparm *parm)
{
	struct vivbuf_capture *cap = video_drvdata(file);
	struct v4l2_captureparm *cp = &parm->parm.capture;

	if (parm->type != cap->queue.type)
		return -EINVAL;

	memset(cp, 0, sizeof(*cp));
	cp->capability = V4L2_CAP_TIMEPERFRAME;
	cp->timeperframe = *vivbuf_interval(cap->interval);
	/* No read() I/O, so readbuffers stays 0 */
	return 0;
}

/* Picks the supported interval nearest to the one asked for */
static int vivbuf_s_parm(struct file *file, void *priv,
			 struct v4l2_streamparm *parm)
{
	struct vivbuf_capture *cap = video_drvdata(file);
	unsigned int best;

	if (parm->type != cap->queue.type)
		return -EINVAL;

	best = vivbuf_nearest_interval(&parm->parm.capture.timeperframe);
	/* The producer picks it up at its next frame */
	WRITE_ONCE(cap->interval, best);
	return vivbuf_g_parm(file, priv, parm);
}

static int vivbuf_enum_input(struct file *file, void *priv,
			     struct v4l2_input *input)
{
	if (input->index)
		return -EINVAL;

	input->type = V4L2_INPUT_TYPE_CAMERA;
	strscpy(input->name, "Camera", sizeof(input->name));
	return 0;
}

static int vivbuf_g_input(struct file *file, void *priv, unsigned int *index)
{
	*index = 0;
	return 0;
}

static int vivbuf_s_input(struct file *file, void *priv, unsigned int index)
{
	return index ? -EINVAL : 0;
}

/* DQBUF fails before vb2 sees it: the buffer stays done */
static int vivbuf_dqbuf(struct file *file, void *priv, struct v4l2_buffer *b)
{
	struct vivbuf_capture *cap = video_drvdata(file);

	/* Only for the queue's owner; vb2 tells the others EBUSY */
	if (!vb2_queue_is_busy(&cap->queue, file) &&
	    vivbuf_inject_take(&cap->inject, VIVBUF_INJECT_DQBUF))
		return -EIO;
	return vb2_ioctl_dqbuf(file, priv, b);
}

static int vivbuf_log_status(struct file *file, void *priv)
{
	struct vivbuf_capture *cap = video_drvdata(file);
	struct vivbuf_dev *dev = cap_to_dev(cap);

	v4l2_info(&dev->v4l2_dev,
		  "capture: %p4cc %ux%u, %u/%u s per frame, %s\n",
		  &cap->fmt.pixelformat, cap->fmt.width, cap->fmt.height,
		  vivbuf_interval(cap->interval)->numerator,
		  vivbuf_interval(cap->interval)->denominator,
		  vb2_is_streaming(&cap->queue) ? "streaming" : "idle");
	v4l2_ctrl_handler_log_status(&cap->ctrl_handler, dev->v4l2_dev.name);
	return 0;
}

#define VIVBUF_COMMON_IOCTL_OPS						\
	.vidioc_querycap = vivbuf_querycap,				\
	.vidioc_enum_framesizes = vivbuf_cap_enum_framesizes,		\
	.vidioc_enum_frameintervals = vivbuf_cap_enum_frameintervals,	\
	.vidioc_g_parm = vivbuf_g_parm,					\
	.vidioc_s_parm = vivbuf_s_parm,					\
	.vidioc_enum_input = vivbuf_enum_input,				\
	.vidioc_g_input = vivbuf_g_input,				\
	.vidioc_s_input = vivbuf_s_input,				\
	.vidioc_reqbufs = vb2_ioctl_reqbufs,				\
	.vidioc_create_bufs = vb2_ioctl_create_bufs,			\
	.vidioc_prepare_buf = vb2_ioctl_prepare_buf,			\
	.vidioc_querybuf = vb2_ioctl_querybuf,				\
	.vidioc_qbuf = vb2_ioctl_qbuf,					\
	.vidioc_dqbuf = vivbuf_dqbuf,					\
	.vidioc_expbuf = vb2_ioctl_expbuf,				\
	VB2_DMABUF_COMPAT_VB2_IOCTL_REMOVE_BUFS			\
	.vidioc_streamon = vb2_ioctl_streamon,				\
	.vidioc_streamoff = vb2_ioctl_streamoff,			\
	.vidioc_log_status = vivbuf_log_status,				\
	.vidioc_subscribe_event = v4l2_ctrl_subscribe_event,		\
	.vidioc_unsubscribe_event = v4l2_event_unsubscribe

static const struct v4l2_ioctl_ops vivbuf_ioctl_ops = {
	.vidioc_enum_fmt_vid_cap = vivbuf_enum_fmt,
	.vidioc_g_fmt_vid_cap = vivbuf_cap_g_fmt,
	.vidioc_try_fmt_vid_cap = vivbuf_cap_try_fmt,
	.vidioc_s_fmt_vid_cap = vivbuf_cap_s_fmt,
	VIVBUF_COMMON_IOCTL_OPS,
};

static const struct v4l2_ioctl_ops vivbuf_ioctl_ops_mplane = {
	.vidioc_enum_fmt_vid_cap = vivbuf_enum_fmt,
	.vidioc_g_fmt_vid_cap_mplane = vivbuf_cap_g_fmt,
	.vidioc_try_fmt_vid_cap_mplane = vivbuf_cap_try_fmt,
	.vidioc_s_fmt_vid_cap_mplane = vivbuf_cap_s_fmt,
	VIVBUF_COMMON_IOCTL_OPS,
};

static const struct v4l2_file_operations vivbuf_capture_fops = {
	.owner = THIS_MODULE,
	.open = v4l2_fh_open,
	.release = vb2_fop_release,
	.poll = vb2_fop_poll,
	.mmap = vb2_fop_mmap,
	.unlocked_ioctl = video_ioctl2,
};

/* ------------------------------------------------------------------ */
/* Controls */

static int vivbuf_s_ctrl(struct v4l2_ctrl *ctrl)
{
	struct vivbuf_capture *cap = container_of(ctrl->handler,
						  struct vivbuf_capture,
						  ctrl_handler);

	switch (ctrl->id) {
	case V4L2_CID_TEST_PATTERN:
		/* The producer applies it from its next frame */
		WRITE_ONCE(cap->pattern, ctrl->val);
		return 0;
	default:
		return -EINVAL;
	}
}

static const struct v4l2_ctrl_ops vivbuf_ctrl_ops = {
	.s_ctrl = vivbuf_s_ctrl,
};

static int vivbuf_init_controls(struct vivbuf_capture *cap)
{
	struct v4l2_ctrl_handler *hdl = &cap->ctrl_handler;
	int ret;

	v4l2_ctrl_handler_init(hdl, 1 + VIVBUF_INJECT_NUM_CTRLS);
	/*
	 * The tpg's patterns except the last, TPG_PAT_NOISE, which is the only
	 * one that changes from frame to frame.
	 */
	v4l2_ctrl_new_std_menu_items(hdl, &vivbuf_ctrl_ops,
				     V4L2_CID_TEST_PATTERN, TPG_PAT_NOISE - 1,
				     0, TPG_PAT_75_COLORBAR,
				     tpg_pattern_strings);
	vivbuf_inject_add_controls(&cap->inject, cap_to_dev(cap), hdl);
	vivbuf_inject_add_breach_control(&cap->inject, hdl);
	ret = hdl->error;
	if (!ret)
		ret = v4l2_ctrl_handler_setup(hdl);
	if (ret)
		v4l2_ctrl_handler_free(hdl);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Setup and teardown */

/**
 * vivbuf_capture_init() - set up the capture node of an instance
 * @dev: the instance
 * @multiplanar: use the multi-planar API
 * @mem_types: VIVBUF_MEM_* bits, the memory types the queue accepts
 *
 * Prepares everything but does not register the video device. On success,
 * vivbuf_capture_free() undoes it.
 *
 * Return: 0 or a negative errno.
 */
int vivbuf_capture_init(struct vivbuf_dev *dev, bool multiplanar,
			unsigned int mem_types)
{
	struct vivbuf_capture *cap = &dev->cap;
	struct video_device *vdev = &cap->vdev;
	struct vb2_queue *q = &cap->queue;
	int ret;

	cap->multiplanar = multiplanar;
	mutex_init(&cap->lock);
	spin_lock_init(&cap->queued_lock);
	INIT_LIST_HEAD(&cap->queued);
	init_waitqueue_head(&cap->queued_wait);

	cap->fmt.width = VIVBUF_DEF_WIDTH;
	cap->fmt.height = VIVBUF_DEF_HEIGHT;
	vivbuf_try_fmt(cap->multiplanar, &cap->fmt);
	cap->interval = VIVBUF_DEF_INTERVAL;
	cap->pattern = TPG_PAT_75_COLORBAR;

	tpg_init(&cap->tpg, VIVBUF_DEF_WIDTH, VIVBUF_DEF_HEIGHT);
	ret = tpg_alloc(&cap->tpg, VIVBUF_MAX_WIDTH);
	if (ret)
		goto free_tpg;

	ret = vivbuf_init_controls(cap);
	if (ret)
		goto free_tpg;

	q->type = multiplanar ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
				V4L2_BUF_TYPE_VIDEO_CAPTURE;
	/*
	 * The instant mode writes only the sequence stamp into a frame and
	 * keeps the rest: a device that writes part of a buffer reads the
	 * rest too, for the DMA API (with bounce buffers, a FROM_DEVICE
	 * mapping hands the CPU the whole device view).
	 */
	q->bidirectional = 1;
	q->io_modes = 0;
	if (mem_types & VIVBUF_MEM_MMAP)
		q->io_modes |= VB2_MMAP;
	if (mem_types & VIVBUF_MEM_DMABUF)
		q->io_modes |= VB2_DMABUF;
	q->dev = &dev->pdev->dev;
	q->drv_priv = cap;
	q->buf_struct_size = sizeof(struct vivbuf_buffer);
	q->ops = &vivbuf_qops;
	q->mem_ops = &vb2_dmabuf_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC |
			     V4L2_BUF_FLAG_TSTAMP_SRC_EOF;
	vb2_dmabuf_compat_set_min_buffers(q, VIVBUF_MIN_QUEUED_BUFFERS,
					  VIVBUF_MIN_REQBUFS);
	q->lock = &cap->lock;
	ret = vb2_queue_init(q);
	if (ret)
		goto free_controls;

	snprintf(vdev->name, sizeof(vdev->name), VIVBUF_NAME " capture %u",
		 dev->instance);
	vdev->fops = &vivbuf_capture_fops;
	vdev->ioctl_ops = multiplanar ? &vivbuf_ioctl_ops_mplane :
					&vivbuf_ioctl_ops;
	/* Embedded in struct vivbuf_dev, freed by the v4l2_device release */
	vdev->release = video_device_release_empty;
	vdev->v4l2_dev = &dev->v4l2_dev;
	vdev->queue = q;
	vdev->lock = &cap->lock;
	vdev->ctrl_handler = &cap->ctrl_handler;
	vdev->vfl_dir = VFL_DIR_RX;
	vdev->device_caps = V4L2_CAP_STREAMING |
			    (multiplanar ? V4L2_CAP_VIDEO_CAPTURE_MPLANE :
					   V4L2_CAP_VIDEO_CAPTURE);
	/* Without MMAP buffers there is nothing to export */
	if (!(mem_types & VIVBUF_MEM_MMAP))
		v4l2_disable_ioctl(vdev, VIDIOC_EXPBUF);
	video_set_drvdata(vdev, cap);
	return 0;

free_controls:
	v4l2_ctrl_handler_free(&cap->ctrl_handler);
free_tpg:
	tpg_free(&cap->tpg);
	mutex_destroy(&cap->lock);
	return ret;
}

/**
 * vivbuf_capture_register() - make the capture node visible to userspace
 * @dev: the instance, set up by vivbuf_capture_init()
 *
 * Return: 0 or a negative errno.
 */
int vivbuf_capture_register(struct vivbuf_dev *dev)
{
	struct vivbuf_capture *cap = &dev->cap;
	int ret;

	ret = video_register_device(&cap->vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		return ret;

	v4l2_info(&dev->v4l2_dev, "capture node %s (%s)\n",
		  video_device_node_name(&cap->vdev),
		  cap->multiplanar ? "multi-planar" : "single-planar");
	return 0;
}

/**
 * vivbuf_capture_unregister() - remove the capture node
 * @dev: the instance
 *
 * Stops streaming and frees the buffers; files that are still open only
 * get errors from now on. The node's memory stays until the last of them is
 * closed.
 */
void vivbuf_capture_unregister(struct vivbuf_dev *dev)
{
	vb2_video_unregister_device(&dev->cap.vdev);
}

/**
 * vivbuf_capture_free() - free what vivbuf_capture_init() allocated
 * @dev: the instance; its capture node is unregistered and closed
 */
void vivbuf_capture_free(struct vivbuf_dev *dev)
{
	struct vivbuf_capture *cap = &dev->cap;

	v4l2_ctrl_handler_free(&cap->ctrl_handler);
	tpg_free(&cap->tpg);
	mutex_destroy(&cap->lock);
}
