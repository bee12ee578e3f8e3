// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the video output node.
 *
 * A display: while streaming, a thread takes the oldest queued buffer at
 * the start of each frame interval, "scans it out" into the instance's
 * loopback (see vivbuf-loopback.c), from where the capture node of the
 * same instance picks it up, and hands it back at the end of the interval.
 * Buffers come from the videobuf2-dmabuf allocator like the capture node's:
 * MMAP (and EXPBUF) and DMABUF import, in the same formats, so that a frame
 * loops back byte for byte. While the driver owns a buffer its dma-bufs
 * carry our read fence.
 */

#include <linux/dma-fence.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/math64.h>
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
 * The display needs one buffer to start; one displayed, one queued next
 * and one being filled by userspace keep it from repeating frames.
 */
#define VIVBUF_OUT_MIN_QUEUED_BUFFERS	1
#define VIVBUF_OUT_MIN_REQBUFS		3

static inline struct vivbuf_dev *out_to_dev(struct vivbuf_output *out)
{
	return container_of(out, struct vivbuf_dev, out);
}

/* ------------------------------------------------------------------ */
/* Display */

/*
 * The oldest queued buffer, once the writers of its memory are done with it
 * (their implicit fences signalled); one whose wait failed is returned with
 * an error. NULL: nothing new to display in this frame.
 */
static struct vivbuf_buffer *vivbuf_out_take_buffer(struct vivbuf_output *out)
{
	struct vivbuf_buffer *buf;
	int ret;

	for (;;) {
		spin_lock(&out->queued_lock);
		buf = list_first_entry_or_null(&out->queued,
					       struct vivbuf_buffer, list);
		ret = buf ? vb2_dmabuf_buf_ready(&buf->vb.vb2_buf) : 0;
		if (buf && ret != -EAGAIN)
			list_del(&buf->list);
		spin_unlock(&out->queued_lock);

		if (ret == -EAGAIN)
			return NULL;
		if (!ret)
			return buf;
		vb2_dmabuf_buffer_done(&buf->vb.vb2_buf, VB2_BUF_STATE_ERROR);
	}
}

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
	struct vivbuf_loopback *loop = &out_to_dev(out)->loop;
	unsigned int interval = READ_ONCE(out->interval);
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
		buf = vivbuf_out_take_buffer(out);
		err = buf ? vivbuf_loopback_display(loop, &buf->vb.vb2_buf) : 0;

		if (!vivbuf_sleep_until(epoch + (frame + 1) * period)) {
			if (buf)
				vb2_dmabuf_buffer_done(&buf->vb.vb2_buf,
						       VB2_BUF_STATE_ERROR);
			dma_fence_end_signalling(signalling);
			return 0;
		}

		now = ktime_get_ns();
		if (buf) {
			buf->vb.sequence = sequence++;
			buf->vb.field = V4L2_FIELD_NONE;
			buf->vb.vb2_buf.timestamp = now;
			if (vivbuf_inject_take(&out->inject,
					       VIVBUF_INJECT_BUFFER))
				err = -EIO;
			vb2_dmabuf_buffer_done(&buf->vb.vb2_buf,
					       err ? VB2_BUF_STATE_ERROR :
						     VB2_BUF_STATE_DONE);
		}
		dma_fence_end_signalling(signalling);
		frame = div64_u64(now - epoch, period);

		/* S_PARM while streaming: a new epoch, at the frame's start */
		new_interval = READ_ONCE(out->interval);
		if (new_interval != interval) {
			epoch += frame * period;
			frame = 0;
			interval = new_interval;
			period = vivbuf_fract_to_ns(vivbuf_interval(interval));
		}
	}
}

/* ------------------------------------------------------------------ */
/* vb2 queue operations */

static int vivbuf_out_queue_setup(struct vb2_queue *q,
				  unsigned int *num_buffers,
				  unsigned int *num_planes,
				  unsigned int sizes[],
				  struct device *alloc_devs[])
{
	struct vivbuf_output *out = vb2_get_drv_priv(q);
	const struct v4l2_pix_format_mplane *mp = &out->fmt;
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
		return vivbuf_inject_queue_setup(&out->inject, q);
	}

	*num_planes = mp->num_planes;
	for (p = 0; p < mp->num_planes; p++)
		sizes[p] = mp->plane_fmt[p].sizeimage;
	return vivbuf_inject_queue_setup(&out->inject, q);
}

static int vivbuf_out_buf_init(struct vb2_buffer *vb)
{
	struct vivbuf_output *out = vb2_get_drv_priv(vb->vb2_queue);

	return vivbuf_inject_buf_init(&out->inject, vb);
}

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
	struct vivbuf_output *out = vb2_get_drv_priv(vb->vb2_queue);
	const struct v4l2_pix_format_mplane *mp = &out->fmt;
	unsigned long need;
	unsigned int p;

	for (p = 0; p < mp->num_planes; p++) {
		need = (unsigned long)vb->planes[p].data_offset +
		       mp->plane_fmt[p].sizeimage;
		if (vb2_plane_size(vb, p) < need ||
		    vb2_get_plane_payload(vb, p) < need)
			return -EINVAL;
	}
	/* QBUF (or PREPARE_BUF) fails as if the hardware did */
	if (vivbuf_inject_take(&out->inject, VIVBUF_INJECT_QBUF))
		return -EIO;
	return vivbuf_map_planes(vb);
}

/*
 * buf_queue (QBUF, or STREAMON with queued buffers) and the display thread
 * both run in process context, so @queued_lock needs no irq protection.
 */
static void vivbuf_out_buf_queue(struct vb2_buffer *vb)
{
	struct vivbuf_output *out = vb2_get_drv_priv(vb->vb2_queue);
	struct vb2_v4l2_buffer *vbuf = to_vb2_v4l2_buffer(vb);
	struct vivbuf_buffer *buf = container_of(vbuf, struct vivbuf_buffer,
						 vb);
	const struct v4l2_fract *interval =
		vivbuf_interval(READ_ONCE(out->interval));

	/* Our read fence; a buffer without one is failed, not displayed. */
	vb2_dmabuf_buf_queued(vb, vivbuf_fract_to_ns(interval));

	spin_lock(&out->queued_lock);
	list_add_tail(&buf->list, &out->queued);
	spin_unlock(&out->queued_lock);
}

static void vivbuf_out_return_buffers(struct vivbuf_output *out,
				      enum vb2_buffer_state state)
{
	struct vivbuf_buffer *buf, *tmp;
	LIST_HEAD(buffers);

	spin_lock(&out->queued_lock);
	list_splice_init(&out->queued, &buffers);
	spin_unlock(&out->queued_lock);

	list_for_each_entry_safe(buf, tmp, &buffers, list) {
		list_del(&buf->list);
		vb2_dmabuf_buffer_done(&buf->vb.vb2_buf, state);
	}
}

static int vivbuf_out_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct vivbuf_output *out = vb2_get_drv_priv(q);
	struct vivbuf_dev *dev = out_to_dev(out);
	struct task_struct *display;
	int ret;

	if (vivbuf_inject_take(&out->inject, VIVBUF_INJECT_STREAMON)) {
		ret = -EIO;
		goto return_buffers;
	}

	ret = vivbuf_loopback_connect(&dev->loop, &out->fmt);
	if (ret)
		goto return_buffers;

	display = kthread_run(vivbuf_display, out, VIVBUF_NAME "%u-out",
			      dev->instance);
	if (IS_ERR(display)) {
		ret = PTR_ERR(display);
		goto disconnect;
	}
	out->display = display;
	return 0;

disconnect:
	vivbuf_loopback_disconnect(&dev->loop);
return_buffers:
	vivbuf_out_return_buffers(out, VB2_BUF_STATE_QUEUED);
	return ret;
}

static void vivbuf_out_stop_streaming(struct vb2_queue *q)
{
	struct vivbuf_output *out = vb2_get_drv_priv(q);

	/* Waits for the thread, so no buffer is being read after this */
	kthread_stop(out->display);
	out->display = NULL;
	vivbuf_loopback_disconnect(&out_to_dev(out)->loop);
	vivbuf_out_return_buffers(out, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops vivbuf_out_qops = {
	.queue_setup = vivbuf_out_queue_setup,
	.buf_init = vivbuf_out_buf_init,
	.buf_out_validate = vivbuf_out_buf_out_validate,
	.buf_prepare = vivbuf_out_buf_prepare,
	.buf_queue = vivbuf_out_buf_queue,
	.start_streaming = vivbuf_out_start_streaming,
	.stop_streaming = vivbuf_out_stop_streaming,
	VB2_DMABUF_COMPAT_WAIT_OPS
};

/* ------------------------------------------------------------------ */
/* ioctls, serialised by out->lock (video_device.lock) */

static int vivbuf_out_querycap(struct file *file, void *priv,
			       struct v4l2_capability *caps)
{
	struct vivbuf_output *out = video_drvdata(file);
	unsigned int instance = out_to_dev(out)->instance;

	strscpy(caps->driver, VIVBUF_NAME, sizeof(caps->driver));
	snprintf(caps->card, sizeof(caps->card), VIVBUF_NAME " output %u",
		 instance);
	snprintf(caps->bus_info, sizeof(caps->bus_info),
		 "platform:" VIVBUF_NAME "-%u", instance);
	return 0;
}

static int vivbuf_out_enum_fmt(struct file *file, void *priv,
			       struct v4l2_fmtdesc *f)
{
	struct vivbuf_output *out = video_drvdata(file);

	return vivbuf_enum_format(out->multiplanar, f);
}

static int vivbuf_out_g_fmt(struct file *file, void *priv,
			    struct v4l2_format *f)
{
	struct vivbuf_output *out = video_drvdata(file);

	vivbuf_node_g_fmt(&out->fmt, f);
	return 0;
}

static int vivbuf_out_try_fmt(struct file *file, void *priv,
			      struct v4l2_format *f)
{
	struct v4l2_pix_format_mplane mp;

	vivbuf_node_try_fmt(f, &mp);
	return 0;
}

static int vivbuf_out_s_fmt(struct file *file, void *priv,
			    struct v4l2_format *f)
{
	struct vivbuf_output *out = video_drvdata(file);

	return vivbuf_node_s_fmt(&out->queue, &out->fmt, f);
}

static int vivbuf_out_enum_framesizes(struct file *file, void *priv,
				      struct v4l2_frmsizeenum *fsize)
{
	struct vivbuf_output *out = video_drvdata(file);

	return vivbuf_enum_framesizes(out->multiplanar, fsize);
}

static int vivbuf_out_enum_frameintervals(struct file *file, void *priv,
					  struct v4l2_frmivalenum *fival)
{
	struct vivbuf_output *out = video_drvdata(file);

	return vivbuf_enum_frameintervals(out->multiplanar, fival);
}

static int vivbuf_out_g_parm(struct file *file, void *priv,
			     struct v4l2_streamparm *parm)
{
	struct vivbuf_output *out = video_drvdata(file);
	struct v4l2_outputparm *op = &parm->parm.output;

	if (parm->type != out->queue.type)
		return -EINVAL;

	memset(op, 0, sizeof(*op));
	op->capability = V4L2_CAP_TIMEPERFRAME;
	op->timeperframe = *vivbuf_interval(out->interval);
	/* No write() I/O, so writebuffers stays 0 */
	return 0;
}

static int vivbuf_out_s_parm(struct file *file, void *priv,
			     struct v4l2_streamparm *parm)
{
	struct vivbuf_output *out = video_drvdata(file);

	if (parm->type != out->queue.type)
		return -EINVAL;

	/* The display thread picks it up at its next frame */
	WRITE_ONCE(out->interval,
		   vivbuf_nearest_interval(&parm->parm.output.timeperframe));
	return vivbuf_out_g_parm(file, priv, parm);
}

static int vivbuf_out_enum_output(struct file *file, void *priv,
				  struct v4l2_output *output)
{
	if (output->index)
		return -EINVAL;

	output->type = V4L2_OUTPUT_TYPE_ANALOG;
	strscpy(output->name, "Loopback", sizeof(output->name));
	return 0;
}

static int vivbuf_out_g_output(struct file *file, void *priv,
			       unsigned int *index)
{
	*index = 0;
	return 0;
}

static int vivbuf_out_s_output(struct file *file, void *priv,
			       unsigned int index)
{
	return index ? -EINVAL : 0;
}

/* DQBUF fails before vb2 sees it: the buffer stays done */
static int vivbuf_out_dqbuf(struct file *file, void *priv,
			    struct v4l2_buffer *b)
{
	struct vivbuf_output *out = video_drvdata(file);

	/* Only for the queue's owner; vb2 tells the others EBUSY */
	if (!vb2_queue_is_busy(&out->queue, file) &&
	    vivbuf_inject_take(&out->inject, VIVBUF_INJECT_DQBUF))
		return -EIO;
	return vb2_ioctl_dqbuf(file, priv, b);
}

static int vivbuf_out_log_status(struct file *file, void *priv)
{
	struct vivbuf_output *out = video_drvdata(file);
	struct vivbuf_dev *dev = out_to_dev(out);
	const struct v4l2_fract *interval = vivbuf_interval(out->interval);

	v4l2_info(&dev->v4l2_dev,
		  "output: %p4cc %ux%u, %u/%u s per frame, %s\n",
		  &out->fmt.pixelformat, out->fmt.width, out->fmt.height,
		  interval->numerator, interval->denominator,
		  vb2_is_streaming(&out->queue) ? "streaming" : "idle");
	v4l2_ctrl_handler_log_status(&out->ctrl_handler, dev->v4l2_dev.name);
	return 0;
}

#define VIVBUF_OUT_COMMON_IOCTL_OPS					\
	.vidioc_querycap = vivbuf_out_querycap,				\
	.vidioc_enum_fmt_vid_out = vivbuf_out_enum_fmt,			\
	.vidioc_enum_framesizes = vivbuf_out_enum_framesizes,		\
	.vidioc_enum_frameintervals = vivbuf_out_enum_frameintervals,	\
	.vidioc_g_parm = vivbuf_out_g_parm,				\
	.vidioc_s_parm = vivbuf_out_s_parm,				\
	.vidioc_enum_output = vivbuf_out_enum_output,			\
	.vidioc_g_output = vivbuf_out_g_output,				\
	.vidioc_s_output = vivbuf_out_s_output,				\
	.vidioc_reqbufs = vb2_ioctl_reqbufs,				\
	.vidioc_create_bufs = vb2_ioctl_create_bufs,			\
	.vidioc_prepare_buf = vb2_ioctl_prepare_buf,			\
	.vidioc_querybuf = vb2_ioctl_querybuf,				\
	.vidioc_qbuf = vb2_ioctl_qbuf,					\
	.vidioc_dqbuf = vivbuf_out_dqbuf,				\
	.vidioc_expbuf = vb2_ioctl_expbuf,				\
	VB2_DMABUF_COMPAT_VB2_IOCTL_REMOVE_BUFS			\
	.vidioc_streamon = vb2_ioctl_streamon,				\
	.vidioc_streamoff = vb2_ioctl_streamoff,			\
	.vidioc_log_status = vivbuf_out_log_status,			\
	.vidioc_subscribe_event = v4l2_ctrl_subscribe_event,		\
	.vidioc_unsubscribe_event = v4l2_event_unsubscribe

static const struct v4l2_ioctl_ops vivbuf_out_ioctl_ops = {
	.vidioc_g_fmt_vid_out = vivbuf_out_g_fmt,
	.vidioc_try_fmt_vid_out = vivbuf_out_try_fmt,
	.vidioc_s_fmt_vid_out = vivbuf_out_s_fmt,
	VIVBUF_OUT_COMMON_IOCTL_OPS,
};

static const struct v4l2_ioctl_ops vivbuf_out_ioctl_ops_mplane = {
	.vidioc_g_fmt_vid_out_mplane = vivbuf_out_g_fmt,
	.vidioc_try_fmt_vid_out_mplane = vivbuf_out_try_fmt,
	.vidioc_s_fmt_vid_out_mplane = vivbuf_out_s_fmt,
	VIVBUF_OUT_COMMON_IOCTL_OPS,
};

static const struct v4l2_file_operations vivbuf_output_fops = {
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
 * vivbuf_output_init() - set up the output node of an instance
 * @dev: the instance
 * @multiplanar: use the multi-planar API
 * @mem_types: VIVBUF_MEM_* bits, the memory types the queue accepts
 *
 * Prepares everything but does not register the video device. On success,
 * vivbuf_output_free() undoes it.
 *
 * Return: 0 or a negative errno.
 */
int vivbuf_output_init(struct vivbuf_dev *dev, bool multiplanar,
		       unsigned int mem_types)
{
	struct vivbuf_output *out = &dev->out;
	struct video_device *vdev = &out->vdev;
	struct vb2_queue *q = &out->queue;
	int ret;

	out->multiplanar = multiplanar;
	mutex_init(&out->lock);
	spin_lock_init(&out->queued_lock);
	INIT_LIST_HEAD(&out->queued);

	/* The capture node's default format, so that they loop at once */
	out->fmt.width = VIVBUF_DEF_WIDTH;
	out->fmt.height = VIVBUF_DEF_HEIGHT;
	vivbuf_try_fmt(multiplanar, &out->fmt);
	out->interval = VIVBUF_DEF_INTERVAL;

	v4l2_ctrl_handler_init(&out->ctrl_handler, VIVBUF_INJECT_NUM_CTRLS);
	ret = vivbuf_inject_add_controls(&out->inject, dev, &out->ctrl_handler);
	if (ret)
		goto free_controls;

	q->type = multiplanar ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
				V4L2_BUF_TYPE_VIDEO_OUTPUT;
	q->io_modes = 0;
	if (mem_types & VIVBUF_MEM_MMAP)
		q->io_modes |= VB2_MMAP;
	if (mem_types & VIVBUF_MEM_DMABUF)
		q->io_modes |= VB2_DMABUF;
	q->dev = &dev->pdev->dev;
	q->drv_priv = out;
	q->buf_struct_size = sizeof(struct vivbuf_buffer);
	q->ops = &vivbuf_out_qops;
	q->mem_ops = &vb2_dmabuf_memops;
	/* Stamped when the last byte has been "sent out" */
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC |
			     V4L2_BUF_FLAG_TSTAMP_SRC_EOF;
	vb2_dmabuf_compat_set_min_buffers(q, VIVBUF_OUT_MIN_QUEUED_BUFFERS,
					  VIVBUF_OUT_MIN_REQBUFS);
	q->lock = &out->lock;
	ret = vb2_queue_init(q);
	if (ret)
		goto free_controls;

	snprintf(vdev->name, sizeof(vdev->name), VIVBUF_NAME " output %u",
		 dev->instance);
	vdev->fops = &vivbuf_output_fops;
	vdev->ioctl_ops = multiplanar ? &vivbuf_out_ioctl_ops_mplane :
					&vivbuf_out_ioctl_ops;
	/* Embedded in struct vivbuf_dev, freed by the v4l2_device release */
	vdev->release = video_device_release_empty;
	vdev->v4l2_dev = &dev->v4l2_dev;
	vdev->queue = q;
	vdev->lock = &out->lock;
	vdev->ctrl_handler = &out->ctrl_handler;
	vdev->vfl_dir = VFL_DIR_TX;
	vdev->device_caps = V4L2_CAP_STREAMING |
			    (multiplanar ? V4L2_CAP_VIDEO_OUTPUT_MPLANE :
					   V4L2_CAP_VIDEO_OUTPUT);
	/* Without MMAP buffers there is nothing to export */
	if (!(mem_types & VIVBUF_MEM_MMAP))
		v4l2_disable_ioctl(vdev, VIDIOC_EXPBUF);
	video_set_drvdata(vdev, out);
	return 0;

free_controls:
	v4l2_ctrl_handler_free(&out->ctrl_handler);
	mutex_destroy(&out->lock);
	return ret;
}

/**
 * vivbuf_output_register() - make the output node visible to userspace
 * @dev: the instance, set up by vivbuf_output_init()
 *
 * Return: 0 or a negative errno.
 */
int vivbuf_output_register(struct vivbuf_dev *dev)
{
	struct vivbuf_output *out = &dev->out;
	int ret;

	ret = video_register_device(&out->vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		return ret;

	v4l2_info(&dev->v4l2_dev, "output node %s (%s)\n",
		  video_device_node_name(&out->vdev),
		  out->multiplanar ? "multi-planar" : "single-planar");
	return 0;
}

/**
 * vivbuf_output_unregister() - remove the output node
 * @dev: the instance
 *
 * Stops streaming and frees the buffers; files that are still open only
 * get errors from now on. The node's memory stays until the last of them is
 * closed.
 */
void vivbuf_output_unregister(struct vivbuf_dev *dev)
{
	vb2_video_unregister_device(&dev->out.vdev);
}

/**
 * vivbuf_output_free() - free what vivbuf_output_init() allocated
 * @dev: the instance; its output node is unregistered and closed
 */
void vivbuf_output_free(struct vivbuf_dev *dev)
{
	v4l2_ctrl_handler_free(&dev->out.ctrl_handler);
	mutex_destroy(&dev->out.lock);
}
