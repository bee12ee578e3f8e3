/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the video output node of an instance.
 */
#ifndef _VIVBUF_OUTPUT_H_
#define _VIVBUF_OUTPUT_H_

#include <linux/types.h>

#include "vivbuf-node.h"

struct task_struct;
struct vivbuf_dev;

/**
 * struct vivbuf_output - the video output node: a display whose frames
 *			  loop back to the capture node
 * @node: what it shares with the capture node
 * @display: the thread that displays buffers while streaming
 */
struct vivbuf_output {
	struct vivbuf_node node;
	struct task_struct *display;
};

static inline struct vivbuf_output *node_to_out(struct vivbuf_node *node)
{
	return container_of(node, struct vivbuf_output, node);
}

int vivbuf_output_init(struct vivbuf_dev *dev, bool multiplanar,
		       unsigned int mem_types);
void vivbuf_output_free(struct vivbuf_dev *dev);

#endif /* _VIVBUF_OUTPUT_H_ */
