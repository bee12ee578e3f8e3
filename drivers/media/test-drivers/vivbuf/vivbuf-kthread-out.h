/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the display thread of the video output node.
 */
#ifndef _VIVBUF_KTHREAD_OUT_H_
#define _VIVBUF_KTHREAD_OUT_H_

struct vivbuf_output;

int vivbuf_display_start(struct vivbuf_output *out);
void vivbuf_display_stop(struct vivbuf_output *out);

#endif /* _VIVBUF_KTHREAD_OUT_H_ */
