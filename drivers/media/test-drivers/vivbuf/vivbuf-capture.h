/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the video capture node of an instance.
 */
#ifndef _VIVBUF_CAPTURE_H_
#define _VIVBUF_CAPTURE_H_

#include <linux/types.h>
#include <linux/wait.h>
#include <media/tpg/v4l2-tpg.h>

#include "vivbuf-node.h"

struct task_struct;
struct vivbuf_dev;

/**
 * struct vivbuf_capture - the video capture node: a camera whose frames
 *			   are a test pattern or the output node's
 * @node: what it shares with the output node
 * @pattern: current test pattern, read locklessly by the producer
 * @tpg: test pattern generator, set up at STREAMON and then used by the
 *	 producer only
 * @queued_wait: woken by buf_queue; the producer waits on it in instant mode
 *		 while no buffer is queued
 * @fill_gen: instant mode: the generation of the frame contents (format and
 *	      pattern), never 0; bumped by start_streaming (the producer is
 *	      not running then) and by the producer when the pattern changes
 * @producer: the thread that fills buffers while streaming
 */
struct vivbuf_capture {
	struct vivbuf_node node;
	u32 pattern;

	struct tpg_data tpg;
	wait_queue_head_t queued_wait;
	u32 fill_gen;
	struct task_struct *producer;
};

static inline struct vivbuf_capture *node_to_cap(struct vivbuf_node *node)
{
	return container_of(node, struct vivbuf_capture, node);
}

int vivbuf_capture_init(struct vivbuf_dev *dev, bool multiplanar,
			unsigned int mem_types);
void vivbuf_capture_free(struct vivbuf_dev *dev);

#endif /* _VIVBUF_CAPTURE_H_ */
