/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: a virtual V4L2 driver whose buffers are dma-bufs.
 *
 * Shared definitions of the driver core and its video nodes.
 */
#ifndef _VIVBUF_H_
#define _VIVBUF_H_

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <media/tpg/v4l2-tpg.h>
#include <media/v4l2-ctrls.h>
#include <media/v4l2-dev.h>
#include <media/v4l2-device.h>
#include <media/videobuf2-v4l2.h>

#include "vivbuf-formats.h"
#include "vivbuf-inject.h"
#include "vivbuf-loopback.h"
#include "vivbuf-output.h"

#define VIVBUF_NAME		"vivbuf"
#define VIVBUF_MAX_INSTANCES	8

/* Bits of the mem_types module parameter */
#define VIVBUF_MEM_MMAP		BIT(0)	/* MMAP, and so EXPBUF */
#define VIVBUF_MEM_DMABUF	BIT(1)	/* DMABUF import */
#define VIVBUF_MEM_ALL		(VIVBUF_MEM_MMAP | VIVBUF_MEM_DMABUF)

struct platform_device;
struct task_struct;
struct vivbuf_m2m;

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
 * struct vivbuf_capture - the video capture node
 * @vdev: the video device
 * @queue: its vb2 queue
 * @lock: serialises the file operations, the ioctls and the vb2 queue
 * @ctrl_handler: the node's controls
 * @inject: the errors armed by the error injection controls
 * @multiplanar: the node uses the multi-planar API
 * @fmt: current format, in the multi-planar layout for both APIs
 * @interval: index of the current frame interval, read locklessly by the
 *	      producer
 * @pattern: current test pattern, read locklessly by the producer
 * @tpg: test pattern generator, set up at STREAMON and then used by the
 *	 producer only
 * @queued_lock: protects @queued
 * @queued: buffers given to the driver by buf_queue, oldest first
 * @queued_wait: woken by buf_queue; the producer waits on it in instant mode
 *		 while no buffer is queued
 * @fill_gen: instant mode: the generation of the frame contents (format and
 *	      pattern), never 0; bumped by start_streaming (the producer is
 *	      not running then) and by the producer when the pattern changes
 * @producer: the thread that fills buffers while streaming
 */
struct vivbuf_capture {
	struct video_device vdev;
	struct vb2_queue queue;
	struct mutex lock;		/* fops, ioctls, vb2 queue */
	struct v4l2_ctrl_handler ctrl_handler;
	struct vivbuf_inject inject;
	bool multiplanar;

	struct v4l2_pix_format_mplane fmt;
	unsigned int interval;
	u32 pattern;

	struct tpg_data tpg;
	spinlock_t queued_lock;		/* buf_queue vs producer */
	struct list_head queued;
	wait_queue_head_t queued_wait;
	u32 fill_gen;
	struct task_struct *producer;
};

/**
 * struct vivbuf_dev - one vivbuf instance (one platform device)
 * @v4l2_dev: the V4L2 device; its release callback frees this structure
 * @pdev: the platform device, also the DMA device of the vb2 queues
 * @instance: instance number, the platform device id
 * @cap: the capture node
 * @out: the output node
 * @loop: the loopback from @out to @cap
 * @m2m: the memory-to-memory node, NULL without one (vivbuf-m2m.c)
 */
struct vivbuf_dev {
	struct v4l2_device v4l2_dev;
	struct platform_device *pdev;
	unsigned int instance;
	struct vivbuf_capture cap;
	struct vivbuf_output out;
	struct vivbuf_loopback loop;
	struct vivbuf_m2m *m2m;
};

int vivbuf_capture_init(struct vivbuf_dev *dev, bool multiplanar,
			unsigned int mem_types);
int vivbuf_capture_register(struct vivbuf_dev *dev);
void vivbuf_capture_unregister(struct vivbuf_dev *dev);
void vivbuf_capture_free(struct vivbuf_dev *dev);

bool vivbuf_sleep_until(u64 deadline_ns);
int vivbuf_map_planes(struct vb2_buffer *vb);
void vivbuf_schedule_disconnect(struct vivbuf_dev *dev, unsigned int delay_ms);
unsigned int vivbuf_disconnect_pending_ms(struct vivbuf_dev *dev);

#endif /* _VIVBUF_H_ */
