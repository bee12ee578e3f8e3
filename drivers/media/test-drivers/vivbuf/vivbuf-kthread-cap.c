// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the producer of the video capture node.
 *
 * While the capture node streams, a thread plays a camera with a DMA
 * engine: one frame per frame interval, a static test pattern (v4l2-tpg)
 * or, while the output node of the instance loops back in the same
 * format, the frame it displayed last (vivbuf-loopback.c). Frames are
 * written by the CPU where a DMA engine would, at the buffers' device
 * view (vivbuf_map_planes()).
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

#include "vivbuf.h"
#include "vivbuf-kthread-cap.h"

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
		else
			WRITE_ONCE(cap->node.frames_dropped,
				   cap->node.frames_dropped + 1);
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
/* Start and stop */

/**
 * vivbuf_producer_start() - start filling the capture node's buffers
 * @cap: the capture node, in start_streaming
 *
 * Sets the test pattern generator up for the current format and starts
 * the producer: vivbuf_producer(), or vivbuf_producer_instant() when the
 * instant module parameter is set.
 *
 * Return: 0 or a negative errno; then no producer runs.
 */
int vivbuf_producer_start(struct vivbuf_capture *cap)
{
	struct task_struct *producer;

	vivbuf_setup_tpg(cap);
	vivbuf_new_fill_gen(cap);
	producer = kthread_run(READ_ONCE(vivbuf_instant) ?
			       vivbuf_producer_instant : vivbuf_producer,
			       cap, VIVBUF_NAME "%u-cap", cap->node.dev->instance);
	if (IS_ERR(producer))
		return PTR_ERR(producer);
	cap->producer = producer;
	return 0;
}

/**
 * vivbuf_producer_stop() - stop filling the capture node's buffers
 * @cap: the capture node, in stop_streaming; its producer runs
 *
 * Waits for the producer, so no buffer is being filled after this. The
 * buffers still queued stay on the node's list.
 */
void vivbuf_producer_stop(struct vivbuf_capture *cap)
{
	kthread_stop(cap->producer);
	cap->producer = NULL;
}
