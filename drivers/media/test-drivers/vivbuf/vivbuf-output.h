/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the video output node of an instance.
 */
#ifndef _VIVBUF_OUTPUT_H_
#define _VIVBUF_OUTPUT_H_

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-dev.h>
#include <media/videobuf2-v4l2.h>

#include "vivbuf-inject.h"

struct task_struct;
struct vivbuf_dev;

/**
 * struct vivbuf_output - the video output node: a display whose frames
 *			  loop back to the capture node
 * @vdev: the video device
 * @queue: its vb2 queue
 * @lock: serialises the file operations, the ioctls and the vb2 queue
 * @ctrl_handler: the node's controls (error injection)
 * @inject: the errors armed by the error injection controls
 * @multiplanar: the node uses the multi-planar API
 * @fmt: current format, in the multi-planar layout for both APIs
 * @interval: index of the current frame interval, read locklessly by the
 *	      display thread
 * @queued_lock: protects @queued
 * @queued: buffers given to the driver by buf_queue, oldest first
 * @display: the thread that displays buffers while streaming
 */
struct vivbuf_output {
	struct video_device vdev;
	struct vb2_queue queue;
	struct mutex lock;		/* fops, ioctls, vb2 queue */
	struct v4l2_ctrl_handler ctrl_handler;
	struct vivbuf_inject inject;
	bool multiplanar;

	struct v4l2_pix_format_mplane fmt;
	unsigned int interval;

	spinlock_t queued_lock;		/* buf_queue vs display thread */
	struct list_head queued;
	struct task_struct *display;
};

int vivbuf_output_init(struct vivbuf_dev *dev, bool multiplanar,
		       unsigned int mem_types);
int vivbuf_output_register(struct vivbuf_dev *dev);
void vivbuf_output_unregister(struct vivbuf_dev *dev);
void vivbuf_output_free(struct vivbuf_dev *dev);

#endif /* _VIVBUF_OUTPUT_H_ */
