/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the loopback from an instance's output node to its capture node.
 */
#ifndef _VIVBUF_LOOPBACK_H_
#define _VIVBUF_LOOPBACK_H_

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/videodev2.h>

struct vb2_buffer;

/**
 * struct vivbuf_loopback - the frame last displayed by the output node
 * @lock: protects every other field; a leaf lock, held only around copies
 *	  of frame data (nothing else is taken, nothing sleeps on a fence)
 * @fmt: the output's format while it streams
 * @planes: the driver's copy of the last displayed frame, one allocation
 *	    per memory plane of @fmt, NULL while the output is not streaming
 * @valid: @planes hold a frame (one was displayed since STREAMON)
 */
struct vivbuf_loopback {
	struct mutex lock;	/* output display thread vs capture producer */
	struct v4l2_pix_format_mplane fmt;
	void *planes[VIDEO_MAX_PLANES];
	bool valid;
};

void vivbuf_loopback_init(struct vivbuf_loopback *loop);
void vivbuf_loopback_destroy(struct vivbuf_loopback *loop);
int vivbuf_loopback_connect(struct vivbuf_loopback *loop,
			    const struct v4l2_pix_format_mplane *fmt);
void vivbuf_loopback_disconnect(struct vivbuf_loopback *loop);
int vivbuf_loopback_display(struct vivbuf_loopback *loop,
			    struct vb2_buffer *vb);
int vivbuf_loopback_capture(struct vivbuf_loopback *loop,
			    const struct v4l2_pix_format_mplane *fmt,
			    struct vb2_buffer *vb);

#endif /* _VIVBUF_LOOPBACK_H_ */
