/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: a virtual V4L2 driver whose buffers are dma-bufs.
 *
 * Shared definitions of the driver core and its video nodes.
 */
#ifndef _VIVBUF_H_
#define _VIVBUF_H_

#include <linux/bits.h>
#include <linux/types.h>
#include <media/v4l2-device.h>

#include "vivbuf-capture.h"
#include "vivbuf-formats.h"
#include "vivbuf-inject.h"
#include "vivbuf-loopback.h"
#include "vivbuf-node.h"
#include "vivbuf-output.h"

#define VIVBUF_NAME		"vivbuf"
#define VIVBUF_MAX_INSTANCES	8

/* Bits of the mem_types module parameter */
#define VIVBUF_MEM_MMAP		BIT(0)	/* MMAP, and so EXPBUF */
#define VIVBUF_MEM_DMABUF	BIT(1)	/* DMABUF import */
#define VIVBUF_MEM_ALL		(VIVBUF_MEM_MMAP | VIVBUF_MEM_DMABUF)

struct platform_device;
struct vb2_buffer;
struct vivbuf_m2m;

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

int vivbuf_map_planes(struct vb2_buffer *vb);
void vivbuf_schedule_disconnect(struct vivbuf_dev *dev, unsigned int delay_ms);
unsigned int vivbuf_disconnect_pending_ms(struct vivbuf_dev *dev);

#endif /* _VIVBUF_H_ */
