/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: error injection on the capture and output nodes, armed through
 * the controls of vivbuf-controls.h.
 */
#ifndef _VIVBUF_INJECT_H_
#define _VIVBUF_INJECT_H_

#include <linux/atomic.h>
#include <linux/types.h>

struct v4l2_ctrl_handler;
struct vb2_buffer;
struct vb2_queue;
struct vivbuf_dev;

/* The errors a node counts down, in the order of their control IDs */
enum vivbuf_inject_kind {
	VIVBUF_INJECT_QBUF,
	VIVBUF_INJECT_DQBUF,
	VIVBUF_INJECT_STREAMON,
	VIVBUF_INJECT_BUFFER,
	VIVBUF_INJECT_ALLOC,
	VIVBUF_INJECT_KINDS
};

/* The most controls vivbuf_inject_add_controls() adds, the class included */
#define VIVBUF_INJECT_NUM_CTRLS		(VIVBUF_INJECT_KINDS + 3)

/**
 * struct vivbuf_inject - the errors armed on one video node
 * @dev: the instance, which the disconnect control unplugs
 * @pending: per kind, how many more operations fail; set by the controls,
 *	     counted down by the node
 * @breaches: how many more frames break the fence-signalling rules
 *	      (vivbuf_inject_signalling_breach())
 * @refuse_alloc: the allocation in progress fails (its buf_init refuses
 *		  every buffer); set by queue_setup, under the queue lock
 */
struct vivbuf_inject {
	struct vivbuf_dev *dev;
	atomic_t pending[VIVBUF_INJECT_KINDS];
	atomic_t breaches;
	bool refuse_alloc;
};

int vivbuf_inject_add_controls(struct vivbuf_inject *inj,
			       struct vivbuf_dev *dev,
			       struct v4l2_ctrl_handler *hdl);
void vivbuf_inject_add_breach_control(struct vivbuf_inject *inj,
				      struct v4l2_ctrl_handler *hdl);
void vivbuf_inject_signalling_breach(struct vivbuf_inject *inj);
bool vivbuf_inject_take(struct vivbuf_inject *inj,
			enum vivbuf_inject_kind kind);
int vivbuf_inject_queue_setup(struct vivbuf_inject *inj, struct vb2_queue *q);
int vivbuf_inject_buf_init(struct vivbuf_inject *inj, struct vb2_buffer *vb);

#endif /* _VIVBUF_INJECT_H_ */
