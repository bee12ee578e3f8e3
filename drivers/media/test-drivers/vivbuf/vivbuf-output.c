// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the video output node.
 *
 * A display: while streaming, a thread takes the oldest queued buffer at
 * the start of each frame interval, "scans it out" into the instance's
 * loopback (see vivbuf-loopback.c), from where the capture node of the
 * same instance picks it up, and hands it back at the end of the interval
 * (vivbuf-kthread-out.c). Buffers come from the videobuf2-dmabuf allocator
 * like the capture node's: MMAP (and EXPBUF) and DMABUF import, in the same
 * formats, so that a frame loops back byte for byte. While the driver owns
 * a buffer its dma-bufs carry our read fence. What it shares with the
 * capture node is in vivbuf-node.c.
 */

#include <media/videobuf2-dmabuf-compat.h>

#include "vivbuf.h"
#include "vivbuf-kthread-out.h"

/* ------------------------------------------------------------------ */
/* vb2 queue operations */

/* Progressive frames only: whatever field userspace gave, it is NONE */
static int vivbuf_out_buf_out_validate(struct vb2_buffer *vb)
{
	to_vb2_v4l2_buffer(vb)->field = V4L2_FIELD_NONE;
	return 0;
}

/*
 * A whole frame after each plane's data_offset: the display reads exactly
 * sizeimage bytes from there, so less payload is refused with EINVAL.
 */
static int vivbuf_out_buf_prepare(struct vb2_buffer *vb)
{
	struct vivbuf_node *node = vb2_get_drv_priv(vb->vb2_queue);
	const struct v4l2_pix_format_mplane *mp = &node->fmt;
	unsigned long need;
	unsigned int p;

	for (p = 0; p < mp->num_planes; p++) {
		need = (unsigned long)vb->planes[p].data_offset +
		       mp->plane_fmt[p].sizeimage;
		if (vb2_plane_size(vb, p) < need ||
		    vb2_get_plane_payload(vb, p) < need)
			return -EINVAL;
	}
	return vivbuf_node_buf_prepare_end(vb);
}

static int vivbuf_out_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vivbuf_node *node = vb2_get_drv_priv(q);
	struct vivbuf_dev *dev = node->dev;
	int ret;

	if (vivbuf_inject_take(&node->inject, VIVBUF_INJECT_STREAMON)) {
		ret = -EIO;
		goto return_buffers;
	}

	ret = vivbuf_loopback_connect(&dev->loop, &node->fmt);
	if (ret)
		goto return_buffers;

	ret = vivbuf_display_start(node_to_out(node));
	if (ret)
		goto disconnect;
	return 0;

disconnect:
	vivbuf_loopback_disconnect(&dev->loop);
return_buffers:
	vivbuf_node_return_buffers(node, VB2_BUF_STATE_QUEUED);
	return ret;
}

static void vivbuf_out_stop_streaming(struct vb2_queue *q)
{
	struct vivbuf_node *node = vb2_get_drv_priv(q);

	/* No buffer is being read after this */
	vivbuf_display_stop(node_to_out(node));
	vivbuf_loopback_disconnect(&node->dev->loop);
	vivbuf_node_return_buffers(node, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops vivbuf_out_qops = {
	.queue_setup = vivbuf_node_queue_setup,
	.buf_init = vivbuf_node_buf_init,
	.buf_out_validate = vivbuf_out_buf_out_validate,
	.buf_prepare = vivbuf_out_buf_prepare,
	.buf_queue = vivbuf_node_buf_queue,
	.start_streaming = vivbuf_out_start_streaming,
	.stop_streaming = vivbuf_out_stop_streaming,
	VB2_DMABUF_COMPAT_WAIT_OPS
};

/* ------------------------------------------------------------------ */
/* Setup and teardown */

/**
 * vivbuf_output_init() - set up the output node of an instance
 * @dev: the instance
 * @multiplanar: use the multi-planar API
 * @mem_types: VIVBUF_MEM_* bits, the memory types the queue accepts
 *
 * Prepares everything but does not register the video device
 * (vivbuf_node_register() does). On success, vivbuf_output_free() undoes
 * it.
 *
 * Return: 0 or a negative errno.
 */
int vivbuf_output_init(struct vivbuf_dev *dev, bool multiplanar,
		       unsigned int mem_types)
{
	struct vivbuf_node *node = &dev->out.node;
	int ret;

	vivbuf_node_init(node, dev, VFL_DIR_TX, multiplanar);

	v4l2_ctrl_handler_init(&node->ctrl_handler, VIVBUF_INJECT_NUM_CTRLS);
	ret = vivbuf_inject_add_controls(&node->inject, dev,
					 &node->ctrl_handler);
	if (ret)
		goto free_controls;

	ret = vivbuf_node_init_vdev(node, &vivbuf_out_qops, mem_types);
	if (ret)
		goto free_controls;
	return 0;

free_controls:
	v4l2_ctrl_handler_free(&node->ctrl_handler);
	mutex_destroy(&node->lock);
	return ret;
}

/**
 * vivbuf_output_free() - free what vivbuf_output_init() allocated
 * @dev: the instance; its output node is unregistered and closed
 */
void vivbuf_output_free(struct vivbuf_dev *dev)
{
	v4l2_ctrl_handler_free(&dev->out.node.ctrl_handler);
	mutex_destroy(&dev->out.node.lock);
}
