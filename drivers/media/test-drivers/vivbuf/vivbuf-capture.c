// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the video capture node.
 *
 * A camera that produces a static test pattern (v4l2-tpg) at the selected
 * frame interval, or the output node's frames (loopback). Its buffers come
 * from the videobuf2-dmabuf allocator, so they can be exported (EXPBUF) or
 * imported (DMABUF) as dma-bufs. What it shares with the output node is in
 * vivbuf-node.c, its producer thread in vivbuf-kthread-cap.c.
 */

#include <linux/wait.h>
#include <media/videobuf2-dmabuf-compat.h>

#include "vivbuf.h"
#include "vivbuf-kthread-cap.h"

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
	int ret;

	if (vivbuf_inject_take(&node->inject, VIVBUF_INJECT_STREAMON)) {
		vivbuf_node_return_buffers(node, VB2_BUF_STATE_QUEUED);
		return -EIO;
	}

	ret = vivbuf_producer_start(node_to_cap(node));
	if (ret)
		vivbuf_node_return_buffers(node, VB2_BUF_STATE_QUEUED);
	return ret;
}

static void vivbuf_stop_streaming(struct vb2_queue *q)
{
	struct vivbuf_node *node = vb2_get_drv_priv(q);

	/* No buffer is being filled after this */
	vivbuf_producer_stop(node_to_cap(node));
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
