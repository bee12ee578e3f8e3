/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: what the capture and the output node of an instance share.
 */
#ifndef _VIVBUF_NODE_H_
#define _VIVBUF_NODE_H_

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-dev.h>
#include <media/videobuf2-v4l2.h>

#include "vivbuf-inject.h"

struct vivbuf_dev;

/**
 * struct vivbuf_buffer - a buffer of a capture or output node
 * @vb: the vb2 buffer, must be first (vb2 allocates buf_struct_size)
 * @list: entry in the node's list of queued buffers while the driver owns
 *	  the buffer
 * @fill_gen: capture node in instant mode: the &vivbuf_capture.fill_gen
 *	      whose test pattern the buffer holds, 0 for none. Set to 0 by
 *	      buf_init, otherwise used only by the producer while the driver
 *	      owns the buffer.
 */
struct vivbuf_buffer {
	struct vb2_v4l2_buffer vb;
	struct list_head list;
	u32 fill_gen;
};

/**
 * struct vivbuf_node - a capture or output node: a video device with one
 *			vb2 queue, whose thread takes the queued buffers
 * @vdev: the video device; its vfl_dir tells a capture node (VFL_DIR_RX)
 *	  from an output node (VFL_DIR_TX)
 * @queue: its vb2 queue
 * @lock: serialises the file operations, the ioctls and the vb2 queue
 * @ctrl_handler: the node's controls
 * @inject: the errors armed by the error injection controls
 * @dev: the instance
 * @multiplanar: the node uses the multi-planar API
 * @fmt: current format, in the multi-planar layout for both APIs
 * @interval: index of the current frame interval, read locklessly by the
 *	      node's thread
 * @frames_dropped: capture node: frames that started with no buffer
 *		    queued, since the node was created; written by the
 *		    producer thread, read locklessly by LOG_STATUS
 * @queued_lock: protects @queued
 * @queued: buffers given to the driver by buf_queue, oldest first
 *
 * Embedded in &struct vivbuf_capture and &struct vivbuf_output. The video
 * device's driver data and the queue's drv_priv point here.
 */
struct vivbuf_node {
	struct video_device vdev;
	struct vb2_queue queue;
	struct mutex lock;		/* fops, ioctls, vb2 queue */
	struct v4l2_ctrl_handler ctrl_handler;
	struct vivbuf_inject inject;
	struct vivbuf_dev *dev;
	bool multiplanar;

	struct v4l2_pix_format_mplane fmt;
	unsigned int interval;
	unsigned long frames_dropped;

	spinlock_t queued_lock;		/* buf_queue vs producer or display */
	struct list_head queued;
};

static inline struct vivbuf_buffer *to_vivbuf_buffer(struct vb2_buffer *vb)
{
	return container_of(to_vb2_v4l2_buffer(vb), struct vivbuf_buffer, vb);
}

/* The node's thread */
bool vivbuf_sleep_until(u64 deadline_ns);
struct vivbuf_buffer *vivbuf_node_take_buffer(struct vivbuf_node *node);
bool vivbuf_node_queue_empty(struct vivbuf_node *node);
void vivbuf_node_complete(struct vivbuf_node *node, struct vivbuf_buffer *buf,
			  u32 sequence, u64 now, int err);

/* vb2 queue operations */
int vivbuf_node_queue_setup(struct vb2_queue *q, unsigned int *num_buffers,
			    unsigned int *num_planes, unsigned int sizes[],
			    struct device *alloc_devs[]);
int vivbuf_node_buf_init(struct vb2_buffer *vb);
int vivbuf_node_buf_prepare_end(struct vb2_buffer *vb);
void vivbuf_node_buf_queue(struct vb2_buffer *vb);
void vivbuf_node_return_buffers(struct vivbuf_node *node,
				enum vb2_buffer_state state);

/* Setup and teardown */
void vivbuf_node_init(struct vivbuf_node *node, struct vivbuf_dev *dev,
		      enum vfl_devnode_direction dir, bool multiplanar);
int vivbuf_node_init_vdev(struct vivbuf_node *node, const struct vb2_ops *ops,
			  unsigned int mem_types);
int vivbuf_node_register(struct vivbuf_node *node);
void vivbuf_node_unregister(struct vivbuf_node *node);

#endif /* _VIVBUF_NODE_H_ */
