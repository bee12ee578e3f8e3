// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: what the capture and the output node of an instance share.
 *
 * Both are a video device with one vb2 queue on the videobuf2-dmabuf
 * allocator, in the same formats, sizes and frame intervals (so that a
 * frame can loop from one to the other) and with the same error injection
 * controls. While a node streams, a thread of its own takes the queued
 * buffers, one per frame: the capture node's producer writes them
 * (vivbuf-kthread-cap.c), the output node's display reads them
 * (vivbuf-kthread-out.c). Here is all that the two have in common: the
 * frame clock and the buffer list of the threads, most vb2 queue
 * operations, the ioctls, the file operations and the setup of the queue
 * and the video device. Each node's own vb2 operations and controls are in
 * vivbuf-capture.c and vivbuf-output.c.
 */

#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <media/v4l2-event.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-dmabuf.h>
#include <media/videobuf2-dmabuf-compat.h>

#include "vivbuf.h"

/*
 * A node's thread needs one queued buffer to start. Three keep it from
 * dropping (capture) or repeating (output) frames: one the thread works
 * on, one queued next and one in userspace.
 */
#define VIVBUF_MIN_QUEUED_BUFFERS	1
#define VIVBUF_MIN_REQBUFS		3

/* "capture" or "output": in the node's names and its log messages */
static const char *vivbuf_node_name(const struct vivbuf_node *node)
{
	return node->vdev.vfl_dir == VFL_DIR_RX ? "capture" : "output";
}

/* ------------------------------------------------------------------ */
/* The node's thread */

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

/**
 * vivbuf_node_take_buffer() - the buffer the node's thread works on next
 * @node: the node
 *
 * The oldest queued buffer, once the other users of its memory are done
 * with it (their implicit fences signalled): the capture node writes it,
 * the output node reads it. One whose wait failed is returned with an
 * error, and the next one is looked at.
 *
 * Return: the buffer, now the thread's; NULL when there is none for this
 * frame (none queued, or the oldest not ready yet).
 */
struct vivbuf_buffer *vivbuf_node_take_buffer(struct vivbuf_node *node)
{
	struct vivbuf_buffer *buf;
	int ret;

	for (;;) {
		spin_lock(&node->queued_lock);
		buf = list_first_entry_or_null(&node->queued,
					       struct vivbuf_buffer, list);
		ret = buf ? vb2_dmabuf_buf_ready(&buf->vb.vb2_buf) : 0;
		if (buf && ret != -EAGAIN)
			list_del(&buf->list);
		spin_unlock(&node->queued_lock);

		if (ret == -EAGAIN)
			return NULL;
		if (!ret)
			return buf;
		vb2_dmabuf_buffer_done(&buf->vb.vb2_buf, VB2_BUF_STATE_ERROR);
	}
}

/**
 * vivbuf_node_queue_empty() - whether the node has no buffer queued
 * @node: the node
 *
 * Return: true if no buffer is queued, ready or not.
 */
bool vivbuf_node_queue_empty(struct vivbuf_node *node)
{
	bool empty;

	spin_lock(&node->queued_lock);
	empty = list_empty(&node->queued);
	spin_unlock(&node->queued_lock);
	return empty;
}

/**
 * vivbuf_node_complete() - hand a buffer of the node's thread out
 * @node: the node
 * @buf: the buffer, taken by vivbuf_node_take_buffer()
 * @sequence: its sequence number
 * @now: its timestamp, the end of the frame (CLOCK_MONOTONIC)
 * @err: the result of filling (capture) or displaying (output) it
 *
 * The buffer completes with an error if @err is one, or if the error
 * injection fails it.
 */
void vivbuf_node_complete(struct vivbuf_node *node, struct vivbuf_buffer *buf,
			  u32 sequence, u64 now, int err)
{
	buf->vb.sequence = sequence;
	buf->vb.field = V4L2_FIELD_NONE;
	buf->vb.vb2_buf.timestamp = now;
	if (vivbuf_inject_take(&node->inject, VIVBUF_INJECT_BUFFER))
		err = -EIO;
	vb2_dmabuf_buffer_done(&buf->vb.vb2_buf,
			       err ? VB2_BUF_STATE_ERROR : VB2_BUF_STATE_DONE);
}

/* ------------------------------------------------------------------ */
/* vb2 queue operations */

/**
 * vivbuf_node_queue_setup() - &vb2_ops.queue_setup of both nodes
 * @q: the node's queue
 * @num_buffers: the number of buffers asked for, left to vb2
 * @num_planes: 0 for REQBUFS; for CREATE_BUFS, the number of @sizes
 * @sizes: CREATE_BUFS: the plane sizes asked for; otherwise set to the
 *	   current format's
 * @alloc_devs: unused, the queue's device allocates
 *
 * Return: 0; -EINVAL for CREATE_BUFS sizes that do not hold the current
 * format or are absurdly large; -ENOMEM when the error injection fails
 * the allocation.
 */
int vivbuf_node_queue_setup(struct vb2_queue *q, unsigned int *num_buffers,
			    unsigned int *num_planes, unsigned int sizes[],
			    struct device *alloc_devs[])
{
	struct vivbuf_node *node = vb2_get_drv_priv(q);
	const struct v4l2_pix_format_mplane *mp = &node->fmt;
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
		return vivbuf_inject_queue_setup(&node->inject, q);
	}

	*num_planes = mp->num_planes;
	for (p = 0; p < mp->num_planes; p++)
		sizes[p] = mp->plane_fmt[p].sizeimage;
	return vivbuf_inject_queue_setup(&node->inject, q);
}

/**
 * vivbuf_node_buf_init() - &vb2_ops.buf_init of both nodes
 * @vb: a buffer with new memory: just allocated, or a DMABUF QBUF with
 *	another dma-buf
 *
 * Return: 0, or -ENOMEM when the error injection fails the allocation.
 */
int vivbuf_node_buf_init(struct vb2_buffer *vb)
{
	struct vivbuf_node *node = vb2_get_drv_priv(vb->vb2_queue);

	return vivbuf_inject_buf_init(&node->inject, vb);
}

/**
 * vivbuf_node_buf_prepare_end() - the end of both nodes' buf_prepare
 * @vb: the buffer being prepared, its planes checked against the format
 *
 * Return: 0; -EIO when the error injection fails the QBUF, -ENOMEM when a
 * plane cannot be mapped for the device.
 */
int vivbuf_node_buf_prepare_end(struct vb2_buffer *vb)
{
	struct vivbuf_node *node = vb2_get_drv_priv(vb->vb2_queue);

	/* QBUF (or PREPARE_BUF) fails as if the hardware did */
	if (vivbuf_inject_take(&node->inject, VIVBUF_INJECT_QBUF))
		return -EIO;
	return vivbuf_map_planes(vb);
}

/**
 * vivbuf_node_buf_queue() - &vb2_ops.buf_queue of both nodes
 * @vb: the buffer userspace queued (QBUF, or STREAMON with buffers queued)
 *
 * Publishes the buffer's fence (the capture node's writes, the output
 * node's reads) and gives the buffer to the node's thread. buf_queue and
 * the thread both run in process context, so &vivbuf_node.queued_lock
 * needs no irq protection.
 */
void vivbuf_node_buf_queue(struct vb2_buffer *vb)
{
	struct vivbuf_node *node = vb2_get_drv_priv(vb->vb2_queue);
	struct vivbuf_buffer *buf = to_vivbuf_buffer(vb);
	const struct v4l2_fract *interval =
		vivbuf_interval(READ_ONCE(node->interval));

	/* Implicit sync; a buffer without its fence is failed, not used. */
	vb2_dmabuf_buf_queued(vb, vivbuf_fract_to_ns(interval));

	spin_lock(&node->queued_lock);
	list_add_tail(&buf->list, &node->queued);
	spin_unlock(&node->queued_lock);
}

/**
 * vivbuf_node_return_buffers() - complete every buffer still queued
 * @node: the node, its thread not running
 * @state: %VB2_BUF_STATE_QUEUED when streaming fails to start,
 *	   %VB2_BUF_STATE_ERROR when it stops
 */
void vivbuf_node_return_buffers(struct vivbuf_node *node,
				enum vb2_buffer_state state)
{
	struct vivbuf_buffer *buf, *tmp;
	LIST_HEAD(buffers);

	spin_lock(&node->queued_lock);
	list_splice_init(&node->queued, &buffers);
	spin_unlock(&node->queued_lock);

	list_for_each_entry_safe(buf, tmp, &buffers, list) {
		list_del(&buf->list);
		vb2_dmabuf_buffer_done(&buf->vb.vb2_buf, state);
	}
}

/* ------------------------------------------------------------------ */
/* ioctls, serialised by node->lock (video_device.lock) */

static int vivbuf_node_querycap(struct file *file, void *priv,
				struct v4l2_capability *caps)
{
	struct vivbuf_node *node = video_drvdata(file);
	unsigned int instance = node->dev->instance;

	strscpy(caps->driver, VIVBUF_NAME, sizeof(caps->driver));
	snprintf(caps->card, sizeof(caps->card), VIVBUF_NAME " %s %u",
		 vivbuf_node_name(node), instance);
	snprintf(caps->bus_info, sizeof(caps->bus_info),
		 "platform:" VIVBUF_NAME "-%u", instance);
	return 0;
}

static int vivbuf_node_enum_fmt(struct file *file, void *priv,
				struct v4l2_fmtdesc *f)
{
	struct vivbuf_node *node = video_drvdata(file);

	return vivbuf_enum_format(node->multiplanar, f);
}

static int vivbuf_node_g_fmt(struct file *file, void *priv,
			     struct v4l2_format *f)
{
	struct vivbuf_node *node = video_drvdata(file);

	if (V4L2_TYPE_IS_MULTIPLANAR(f->type))
		f->fmt.pix_mp = node->fmt;
	else
		vivbuf_mp_to_pix(&node->fmt, &f->fmt.pix);
	return 0;
}

/*
 * Adjusts @f to the nearest supported format and sets @mp to it, in the
 * multi-planar layout. A node speaks the API of its buffer type only, so
 * @f's type tells which formats the node offers (NV12M only on
 * multi-planar nodes).
 */
static void vivbuf_node_adjust_fmt(struct v4l2_format *f,
				   struct v4l2_pix_format_mplane *mp)
{
	if (V4L2_TYPE_IS_MULTIPLANAR(f->type)) {
		vivbuf_try_fmt(true, &f->fmt.pix_mp);
		*mp = f->fmt.pix_mp;
	} else {
		vivbuf_pix_to_mp(&f->fmt.pix, mp);
		vivbuf_try_fmt(false, mp);
		vivbuf_mp_to_pix(mp, &f->fmt.pix);
	}
}

static int vivbuf_node_try_fmt(struct file *file, void *priv,
			       struct v4l2_format *f)
{
	struct v4l2_pix_format_mplane mp;

	vivbuf_node_adjust_fmt(f, &mp);
	return 0;
}

/* The format is fixed while the queue has buffers, allocated for it */
static int vivbuf_node_s_fmt(struct file *file, void *priv,
			     struct v4l2_format *f)
{
	struct vivbuf_node *node = video_drvdata(file);
	struct v4l2_pix_format_mplane mp;

	vivbuf_node_adjust_fmt(f, &mp);
	if (vb2_is_busy(&node->queue))
		return -EBUSY;
	node->fmt = mp;
	return 0;
}

static int vivbuf_node_enum_framesizes(struct file *file, void *priv,
				       struct v4l2_frmsizeenum *fsize)
{
	struct vivbuf_node *node = video_drvdata(file);

	return vivbuf_enum_framesizes(node->multiplanar, fsize);
}

static int vivbuf_node_enum_frameintervals(struct file *file, void *priv,
					   struct v4l2_frmivalenum *fival)
{
	struct vivbuf_node *node = video_drvdata(file);

	return vivbuf_enum_frameintervals(node->multiplanar, fival);
}

/* No read() or write() I/O, so readbuffers and writebuffers stay 0 */
static int vivbuf_node_g_parm(struct file *file, void *priv,
			      struct v4l2_streamparm *parm)
{
	struct vivbuf_node *node = video_drvdata(file);
	const struct v4l2_fract *interval = vivbuf_interval(node->interval);
	struct v4l2_outputparm *op = &parm->parm.output;
	struct v4l2_captureparm *cp = &parm->parm.capture;

	if (parm->type != node->queue.type)
		return -EINVAL;

	if (V4L2_TYPE_IS_OUTPUT(parm->type)) {
		memset(op, 0, sizeof(*op));
		op->capability = V4L2_CAP_TIMEPERFRAME;
		op->timeperframe = *interval;
	} else {
		memset(cp, 0, sizeof(*cp));
		cp->capability = V4L2_CAP_TIMEPERFRAME;
		cp->timeperframe = *interval;
	}
	return 0;
}

/* Picks the supported interval nearest to the one asked for */
static int vivbuf_node_s_parm(struct file *file, void *priv,
			      struct v4l2_streamparm *parm)
{
	struct vivbuf_node *node = video_drvdata(file);
	const struct v4l2_fract *tpf;

	if (parm->type != node->queue.type)
		return -EINVAL;

	tpf = V4L2_TYPE_IS_OUTPUT(parm->type) ?
	      &parm->parm.output.timeperframe :
	      &parm->parm.capture.timeperframe;
	/* The node's thread picks it up at its next frame */
	WRITE_ONCE(node->interval, vivbuf_nearest_interval(tpf));
	return vivbuf_node_g_parm(file, priv, parm);
}

/* The capture node's one input */
static int vivbuf_node_enum_input(struct file *file, void *priv,
				  struct v4l2_input *input)
{
	if (input->index)
		return -EINVAL;

	input->type = V4L2_INPUT_TYPE_CAMERA;
	strscpy(input->name, "Camera", sizeof(input->name));
	return 0;
}

/* The output node's one output */
static int vivbuf_node_enum_output(struct file *file, void *priv,
				   struct v4l2_output *output)
{
	if (output->index)
		return -EINVAL;

	output->type = V4L2_OUTPUT_TYPE_ANALOG;
	strscpy(output->name, "Loopback", sizeof(output->name));
	return 0;
}

/* G_INPUT and G_OUTPUT: a node has one, number 0 */
static int vivbuf_node_g_io(struct file *file, void *priv,
			    unsigned int *index)
{
	*index = 0;
	return 0;
}

/* S_INPUT and S_OUTPUT */
static int vivbuf_node_s_io(struct file *file, void *priv, unsigned int index)
{
	return index ? -EINVAL : 0;
}

/* DQBUF fails before vb2 sees it: the buffer stays done */
static int vivbuf_node_dqbuf(struct file *file, void *priv,
			     struct v4l2_buffer *b)
{
	struct vivbuf_node *node = video_drvdata(file);

	/* Only for the queue's owner; vb2 tells the others EBUSY */
	if (!vb2_queue_is_busy(&node->queue, file) &&
	    vivbuf_inject_take(&node->inject, VIVBUF_INJECT_DQBUF))
		return -EIO;
	return vb2_ioctl_dqbuf(file, priv, b);
}

static int vivbuf_node_log_status(struct file *file, void *priv)
{
	struct vivbuf_node *node = video_drvdata(file);
	struct vivbuf_dev *dev = node->dev;
	const struct v4l2_fract *interval = vivbuf_interval(node->interval);

	v4l2_info(&dev->v4l2_dev,
		  "%s: %p4cc %ux%u, %u/%u s per frame, %s\n",
		  vivbuf_node_name(node), &node->fmt.pixelformat,
		  node->fmt.width, node->fmt.height,
		  interval->numerator, interval->denominator,
		  vb2_is_streaming(&node->queue) ? "streaming" : "idle");
	if (node->vdev.vfl_dir == VFL_DIR_RX)
		v4l2_info(&dev->v4l2_dev, "%s: %lu frames dropped\n",
			  vivbuf_node_name(node),
			  READ_ONCE(node->frames_dropped));
	v4l2_ctrl_handler_log_status(&node->ctrl_handler, dev->v4l2_dev.name);
	return 0;
}

/*
 * One set of ioctls for both nodes, as vivid has: the V4L2 core enables
 * only those of a node's direction (vfl_dir), so the capture node answers
 * the _vid_cap and input ioctls, the output node the _vid_out and output
 * ones.
 */
#define VIVBUF_NODE_IOCTL_OPS						\
	.vidioc_querycap = vivbuf_node_querycap,			\
	.vidioc_enum_fmt_vid_cap = vivbuf_node_enum_fmt,		\
	.vidioc_enum_fmt_vid_out = vivbuf_node_enum_fmt,		\
	.vidioc_enum_framesizes = vivbuf_node_enum_framesizes,		\
	.vidioc_enum_frameintervals = vivbuf_node_enum_frameintervals,	\
	.vidioc_g_parm = vivbuf_node_g_parm,				\
	.vidioc_s_parm = vivbuf_node_s_parm,				\
	.vidioc_enum_input = vivbuf_node_enum_input,			\
	.vidioc_g_input = vivbuf_node_g_io,				\
	.vidioc_s_input = vivbuf_node_s_io,				\
	.vidioc_enum_output = vivbuf_node_enum_output,			\
	.vidioc_g_output = vivbuf_node_g_io,				\
	.vidioc_s_output = vivbuf_node_s_io,				\
	.vidioc_reqbufs = vb2_ioctl_reqbufs,				\
	.vidioc_create_bufs = vb2_ioctl_create_bufs,			\
	.vidioc_prepare_buf = vb2_ioctl_prepare_buf,			\
	.vidioc_querybuf = vb2_ioctl_querybuf,				\
	.vidioc_qbuf = vb2_ioctl_qbuf,					\
	.vidioc_dqbuf = vivbuf_node_dqbuf,				\
	.vidioc_expbuf = vb2_ioctl_expbuf,				\
	VB2_DMABUF_COMPAT_VB2_IOCTL_REMOVE_BUFS			\
	.vidioc_streamon = vb2_ioctl_streamon,				\
	.vidioc_streamoff = vb2_ioctl_streamoff,			\
	.vidioc_log_status = vivbuf_node_log_status,			\
	.vidioc_subscribe_event = v4l2_ctrl_subscribe_event,		\
	.vidioc_unsubscribe_event = v4l2_event_unsubscribe

static const struct v4l2_ioctl_ops vivbuf_node_ioctl_ops = {
	.vidioc_g_fmt_vid_cap = vivbuf_node_g_fmt,
	.vidioc_try_fmt_vid_cap = vivbuf_node_try_fmt,
	.vidioc_s_fmt_vid_cap = vivbuf_node_s_fmt,
	.vidioc_g_fmt_vid_out = vivbuf_node_g_fmt,
	.vidioc_try_fmt_vid_out = vivbuf_node_try_fmt,
	.vidioc_s_fmt_vid_out = vivbuf_node_s_fmt,
	VIVBUF_NODE_IOCTL_OPS,
};

static const struct v4l2_ioctl_ops vivbuf_node_ioctl_ops_mplane = {
	.vidioc_g_fmt_vid_cap_mplane = vivbuf_node_g_fmt,
	.vidioc_try_fmt_vid_cap_mplane = vivbuf_node_try_fmt,
	.vidioc_s_fmt_vid_cap_mplane = vivbuf_node_s_fmt,
	.vidioc_g_fmt_vid_out_mplane = vivbuf_node_g_fmt,
	.vidioc_try_fmt_vid_out_mplane = vivbuf_node_try_fmt,
	.vidioc_s_fmt_vid_out_mplane = vivbuf_node_s_fmt,
	VIVBUF_NODE_IOCTL_OPS,
};

static const struct v4l2_file_operations vivbuf_node_fops = {
	.owner = THIS_MODULE,
	.open = v4l2_fh_open,
	.release = vb2_fop_release,
	.poll = vb2_fop_poll,
	.mmap = vb2_fop_mmap,
	.unlocked_ioctl = video_ioctl2,
};

/* ------------------------------------------------------------------ */
/* Setup and teardown */

/**
 * vivbuf_node_init() - set up the state of a capture or output node
 * @node: the node, zeroed
 * @dev: its instance
 * @dir: %VFL_DIR_RX for the capture node, %VFL_DIR_TX for the output node
 * @multiplanar: use the multi-planar API
 *
 * Sets up the lock, the buffer list, the default format and frame interval.
 * The node's controls come next, then vivbuf_node_init_vdev(); the node's
 * free function destroys the lock.
 */
void vivbuf_node_init(struct vivbuf_node *node, struct vivbuf_dev *dev,
		      enum vfl_devnode_direction dir, bool multiplanar)
{
	node->vdev.vfl_dir = dir;
	node->dev = dev;
	node->multiplanar = multiplanar;
	mutex_init(&node->lock);
	spin_lock_init(&node->queued_lock);
	INIT_LIST_HEAD(&node->queued);

	/* The same default on both nodes, so that they loop at once */
	node->fmt.width = VIVBUF_DEF_WIDTH;
	node->fmt.height = VIVBUF_DEF_HEIGHT;
	vivbuf_try_fmt(multiplanar, &node->fmt);
	node->interval = VIVBUF_DEF_INTERVAL;
}

/**
 * vivbuf_node_init_vdev() - set up the vb2 queue and the video device
 * @node: the node, set up by vivbuf_node_init() and with its controls
 * @ops: the node's vb2 queue operations
 * @mem_types: VIVBUF_MEM_* bits, the memory types the queue accepts
 *
 * Does not register the video device: vivbuf_node_register() does. The
 * queue keeps what the caller set in it before (bidirectional).
 *
 * Return: 0 or a negative errno, with nothing to undo.
 */
int vivbuf_node_init_vdev(struct vivbuf_node *node, const struct vb2_ops *ops,
			  unsigned int mem_types)
{
	struct video_device *vdev = &node->vdev;
	struct vb2_queue *q = &node->queue;
	bool mp = node->multiplanar;
	u32 caps;
	int ret;

	if (vdev->vfl_dir == VFL_DIR_RX) {
		q->type = mp ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
			       V4L2_BUF_TYPE_VIDEO_CAPTURE;
		caps = mp ? V4L2_CAP_VIDEO_CAPTURE_MPLANE :
			    V4L2_CAP_VIDEO_CAPTURE;
	} else {
		q->type = mp ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
			       V4L2_BUF_TYPE_VIDEO_OUTPUT;
		caps = mp ? V4L2_CAP_VIDEO_OUTPUT_MPLANE :
			    V4L2_CAP_VIDEO_OUTPUT;
	}
	q->io_modes = 0;
	if (mem_types & VIVBUF_MEM_MMAP)
		q->io_modes |= VB2_MMAP;
	if (mem_types & VIVBUF_MEM_DMABUF)
		q->io_modes |= VB2_DMABUF;
	q->dev = &node->dev->pdev->dev;
	q->drv_priv = node;
	q->buf_struct_size = sizeof(struct vivbuf_buffer);
	q->ops = ops;
	q->mem_ops = &vb2_dmabuf_memops;
	/* At the end of the frame: captured, or its last byte "sent out" */
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC |
			     V4L2_BUF_FLAG_TSTAMP_SRC_EOF;
	vb2_dmabuf_compat_set_min_buffers(q, VIVBUF_MIN_QUEUED_BUFFERS,
					  VIVBUF_MIN_REQBUFS);
	q->lock = &node->lock;
	ret = vb2_queue_init(q);
	if (ret)
		return ret;

	snprintf(vdev->name, sizeof(vdev->name), VIVBUF_NAME " %s %u",
		 vivbuf_node_name(node), node->dev->instance);
	vdev->fops = &vivbuf_node_fops;
	vdev->ioctl_ops = mp ? &vivbuf_node_ioctl_ops_mplane :
			       &vivbuf_node_ioctl_ops;
	/* Embedded in struct vivbuf_dev, freed by the v4l2_device release */
	vdev->release = video_device_release_empty;
	vdev->v4l2_dev = &node->dev->v4l2_dev;
	vdev->queue = q;
	vdev->lock = &node->lock;
	vdev->ctrl_handler = &node->ctrl_handler;
	vdev->device_caps = V4L2_CAP_STREAMING | caps;
	/* Without MMAP buffers there is nothing to export */
	if (!(mem_types & VIVBUF_MEM_MMAP))
		v4l2_disable_ioctl(vdev, VIDIOC_EXPBUF);
	video_set_drvdata(vdev, node);
	return 0;
}

/**
 * vivbuf_node_register() - make a node visible to userspace
 * @node: the node, set up by vivbuf_node_init_vdev()
 *
 * Return: 0 or a negative errno.
 */
int vivbuf_node_register(struct vivbuf_node *node)
{
	int ret;

	ret = video_register_device(&node->vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		return ret;

	v4l2_info(&node->dev->v4l2_dev, "%s node %s (%s)\n",
		  vivbuf_node_name(node), video_device_node_name(&node->vdev),
		  node->multiplanar ? "multi-planar" : "single-planar");
	return 0;
}

/**
 * vivbuf_node_unregister() - remove a node
 * @node: the node
 *
 * Stops streaming and frees the buffers; files that are still open only
 * get errors from now on. The node's memory stays until the last of them is
 * closed.
 */
void vivbuf_node_unregister(struct vivbuf_node *node)
{
	vb2_video_unregister_device(&node->vdev);
}
