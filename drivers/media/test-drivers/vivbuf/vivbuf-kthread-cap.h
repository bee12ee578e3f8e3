/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the producer thread of the video capture node.
 */
#ifndef _VIVBUF_KTHREAD_CAP_H_
#define _VIVBUF_KTHREAD_CAP_H_

struct vivbuf_capture;

int vivbuf_producer_start(struct vivbuf_capture *cap);
void vivbuf_producer_stop(struct vivbuf_capture *cap);

#endif /* _VIVBUF_KTHREAD_CAP_H_ */
