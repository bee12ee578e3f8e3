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
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#include "vivbuf.h"

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

/* ------------------------------------------------------------------ */
/* Frame production */

/* Called at STREAMON, when the producer is not running */
static void vivbuf_setup_tpg(struct vivbuf_capture *cap)
{
	const struct v4l2_pix_format_mplane *mp = &cap->node.fmt;
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
	ret = vivbuf_loopback_capture(&cap->node.dev->loop, &cap->node.fmt,
				      vb);
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

	ret = vivbuf_loopback_capture(&cap->node.dev->loop, &cap->node.fmt,
				      vb);
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

/* The next buffer to fill (vivbuf_node_take_buffer()), unless stalled */
static struct vivbuf_buffer *vivbuf_take_buffer(struct vivbuf_capture *cap)
{
	if (READ_ONCE(vivbuf_stall))
		return NULL;
	return vivbuf_node_take_buffer(&cap->node);
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
		interval = vivbuf_interval(READ_ONCE(cap->node.interval));
		period = vivbuf_fract_to_ns(interval);
		frame_end += period;

		/* Our fences wait for this: lockdep checks it may not block */
		signalling = dma_fence_begin_signalling();
		buf = vivbuf_take_buffer(cap);
		if (buf)
			vivbuf_inject_signalling_breach(&cap->node.inject);
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
			vivbuf_node_complete(&cap->node, buf, sequence, now,
					     err);
		dma_fence_end_signalling(signalling);
		sequence++;
		if (now > frame_end + period)
			frame_end = now;
	}
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
	struct vivbuf_node *node = &cap->node;
	struct vivbuf_buffer *buf;
	bool signalling;
	u32 sequence = 0;
	int err;

	while (!kthread_should_stop()) {
		signalling = dma_fence_begin_signalling();
		buf = vivbuf_take_buffer(cap);
		if (buf) {
			vivbuf_inject_signalling_breach(&node->inject);
			err = vivbuf_fill_instant(cap, buf, sequence);
			vivbuf_node_complete(node, buf, sequence++,
					     ktime_get_ns(), err);
		}
		dma_fence_end_signalling(signalling);
		if (buf) {
			/* Userspace may keep a buffer queued all the time */
			cond_resched();
		} else if (vivbuf_node_queue_empty(node)) {
			/* Kthreads take no signals: only a wake-up ends it */
			wait_event_interruptible(cap->queued_wait,
						 kthread_should_stop() ||
						 !vivbuf_node_queue_empty(node));
		} else {
			vivbuf_sleep_until(ktime_get_ns() +
					   VIVBUF_INSTANT_RETRY_NS);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* vb2 queue operations */

/* Also after a DMABUF QBUF with another dma-buf: new memory */
static int vivbuf_buf_init(struct vb2_buffer *vb)
{
	to_vivbuf_buffer(vb)->fill_gen = 0;
	return vivbuf_node_buf_init(vb);
}

static int vivbuf_buf_prepare(struct vb2_buffer *vb)
{
	struct vivbuf_node *node = vb2_get_drv_priv(vb->vb2_queue);
	const struct v4l2_pix_format_mplane *mp = &node->fmt;
	unsigned int p;

	for (p = 0; p < mp->num_planes; p++) {
		if (vb2_plane_size(vb, p) < mp->plane_fmt[p].sizeimage)
			return -EINVAL;
		vb2_set_plane_payload(vb, p, mp->plane_fmt[p].sizeimage);
	}
	return vivbuf_node_buf_prepare_end(vb);
}

static void vivbuf_buf_queue(struct vb2_buffer *vb)
{
	struct vivbuf_node *node = vb2_get_drv_priv(vb->vb2_queue);

	vivbuf_node_buf_queue(vb);
	/* The instant mode's producer may be waiting for it */
	wake_up(&node_to_cap(node)->queued_wait);
}

static int vivbuf_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vivbuf_node *node = vb2_get_drv_priv(q);
	struct vivbuf_capture *cap = node_to_cap(node);
	struct task_struct *producer;

	if (vivbuf_inject_take(&node->inject, VIVBUF_INJECT_STREAMON)) {
		vivbuf_node_return_buffers(node, VB2_BUF_STATE_QUEUED);
		return -EIO;
	}

	vivbuf_setup_tpg(cap);
	vivbuf_new_fill_gen(cap);
	producer = kthread_run(READ_ONCE(vivbuf_instant) ?
			       vivbuf_producer_instant : vivbuf_producer,
			       cap, VIVBUF_NAME "%u-cap", node->dev->instance);
	if (IS_ERR(producer)) {
		vivbuf_node_return_buffers(node, VB2_BUF_STATE_QUEUED);
		return PTR_ERR(producer);
	}
	cap->producer = producer;
	return 0;
}

static void vivbuf_stop_streaming(struct vb2_queue *q)
{
	struct vivbuf_node *node = vb2_get_drv_priv(q);
	struct vivbuf_capture *cap = node_to_cap(node);

	/* Waits for the producer, so no buffer is being filled after this */
	kthread_stop(cap->producer);
	cap->producer = NULL;
	vivbuf_node_return_buffers(node, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops vivbuf_qops = {
	.queue_setup = vivbuf_node_queue_setup,
	.buf_init = vivbuf_buf_init,
	.buf_prepare = vivbuf_buf_prepare,
	.buf_queue = vivbuf_buf_queue,
	.start_streaming = vivbuf_start_streaming,
	.stop_streaming = vivbuf_stop_streaming,
	VB2_DMABUF_COMPAT_WAIT_OPS
};

/* ------------------------------------------------------------------ */
/* Controls */

static int vivbuf_s_ctrl(struct v4l2_ctrl *ctrl)
{
	struct vivbuf_capture *cap = container_of(ctrl->handler,
						  struct vivbuf_capture,
						  node.ctrl_handler);

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
	struct v4l2_ctrl_handler *hdl = &cap->node.ctrl_handler;
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
	vivbuf_inject_add_controls(&cap->node.inject, cap->node.dev, hdl);
	vivbuf_inject_add_breach_control(&cap->node.inject, hdl);
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
 * Prepares everything but does not register the video device
 * (vivbuf_node_register() does). On success, vivbuf_capture_free() undoes
 * it.
 *
 * Return: 0 or a negative errno.
 */
int vivbuf_capture_init(struct vivbuf_dev *dev, bool multiplanar,
			unsigned int mem_types)
{
	struct vivbuf_capture *cap = &dev->cap;
	struct vivbuf_node *node = &cap->node;
	int ret;

	vivbuf_node_init(node, dev, VFL_DIR_RX, multiplanar);
	init_waitqueue_head(&cap->queued_wait);
	cap->pattern = TPG_PAT_75_COLORBAR;

	tpg_init(&cap->tpg, VIVBUF_DEF_WIDTH, VIVBUF_DEF_HEIGHT);
	ret = tpg_alloc(&cap->tpg, VIVBUF_MAX_WIDTH);
	if (ret)
		goto free_tpg;

	ret = vivbuf_init_controls(cap);
	if (ret)
		goto free_tpg;

	/*
	 * The instant mode writes only the sequence stamp into a frame and
	 * keeps the rest: a device that writes part of a buffer reads the
	 * rest too, for the DMA API (with bounce buffers, a FROM_DEVICE
	 * mapping hands the CPU the whole device view).
	 */
	node->queue.bidirectional = 1;
	ret = vivbuf_node_init_vdev(node, &vivbuf_qops, mem_types);
	if (ret)
		goto free_controls;
	return 0;

free_controls:
	v4l2_ctrl_handler_free(&node->ctrl_handler);
free_tpg:
	tpg_free(&cap->tpg);
	mutex_destroy(&node->lock);
	return ret;
}

/**
 * vivbuf_capture_free() - free what vivbuf_capture_init() allocated
 * @dev: the instance; its capture node is unregistered and closed
 */
void vivbuf_capture_free(struct vivbuf_dev *dev)
{
	struct vivbuf_capture *cap = &dev->cap;

	v4l2_ctrl_handler_free(&cap->node.ctrl_handler);
	tpg_free(&cap->tpg);
	mutex_destroy(&cap->node.lock);
}
