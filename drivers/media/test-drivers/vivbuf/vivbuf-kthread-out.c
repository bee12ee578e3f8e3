// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the display thread of the video output node.
 *
 * While the output node streams, a thread plays a display controller:
 * one buffer per frame interval is "scanned out" into the instance's
 * loopback (vivbuf-loopback.c), from where the capture node picks the
 * frame up, and handed back at the end of the interval.
 */

#include <linux/dma-fence.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>
#include <media/videobuf2-dmabuf.h>

#include "vivbuf.h"
#include "vivbuf-kthread-out.h"

/* ------------------------------------------------------------------ */
/* Display */

/*
 * The display thread runs from start_streaming to stop_streaming. At the
 * start of each frame (epoch + n * period) it takes the oldest queued
 * buffer and copies it into the loopback, at the end of the frame it hands
 * the buffer back, timestamped then (the last byte "sent out"). A frame
 * that starts with no buffer queued repeats the previous picture (the
 * loopback keeps it). The sequence number counts the buffers displayed
 * since STREAMON, so userspace sees 0, 1, 2... in queueing order; when the
 * thread wakes up late it displays the next buffer at once rather than
 * dropping any. Buffers always complete in the order they were queued.
 */
static int vivbuf_display(void *data)
{
	struct vivbuf_output *out = data;
	struct vivbuf_node *node = &out->node;
	struct vivbuf_loopback *loop = &node->dev->loop;
	unsigned int interval = READ_ONCE(node->interval);
	unsigned int new_interval;
	u64 period = vivbuf_fract_to_ns(vivbuf_interval(interval));
	u64 epoch = ktime_get_ns();
	u64 frame = 0;	/* the frame in progress, counted from the epoch */
	u32 sequence = 0;
	struct vivbuf_buffer *buf;
	bool signalling;
	u64 now;
	int err;

	for (;;) {
		/* Our fences wait for this: lockdep checks it may not block */
		signalling = dma_fence_begin_signalling();
		buf = vivbuf_node_take_buffer(node);
		err = buf ? vivbuf_loopback_display(loop, &buf->vb.vb2_buf) : 0;

		if (!vivbuf_sleep_until(epoch + (frame + 1) * period)) {
			if (buf)
				vb2_dmabuf_buffer_done(&buf->vb.vb2_buf,
						       VB2_BUF_STATE_ERROR);
			dma_fence_end_signalling(signalling);
			return 0;
		}

		now = ktime_get_ns();
		if (buf)
			vivbuf_node_complete(node, buf, sequence++, now, err);
		dma_fence_end_signalling(signalling);
		frame = div64_u64(now - epoch, period);

		/* S_PARM while streaming: a new epoch, at the frame's start */
		new_interval = READ_ONCE(node->interval);
		if (new_interval != interval) {
			epoch += frame * period;
			frame = 0;
			interval = new_interval;
			period = vivbuf_fract_to_ns(vivbuf_interval(interval));
		}
	}
}

/* ------------------------------------------------------------------ */
/* Start and stop */

/**
 * vivbuf_display_start() - start displaying the output node's buffers
 * @out: the output node, in start_streaming, its loopback connected
 *
 * Return: 0 or a negative errno; then no display thread runs.
 */
int vivbuf_display_start(struct vivbuf_output *out)
{
	struct task_struct *display;

	display = kthread_run(vivbuf_display, out, VIVBUF_NAME "%u-out",
			      out->node.dev->instance);
	if (IS_ERR(display))
		return PTR_ERR(display);
	out->display = display;
	return 0;
}

/**
 * vivbuf_display_stop() - stop displaying the output node's buffers
 * @out: the output node, in stop_streaming; its display thread runs
 *
 * Waits for the thread, so no buffer is being read after this. The buffers
 * still queued stay on the node's list.
 */
void vivbuf_display_stop(struct vivbuf_output *out)
{
	kthread_stop(out->display);
	out->display = NULL;
}
