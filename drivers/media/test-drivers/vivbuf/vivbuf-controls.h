/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the IDs of the driver's private controls.
 *
 * Userspace (the project's tests) includes this file too, so it holds
 * plain numbers only. The IDs are vivbuf's own, like vivid's private
 * controls: they are not part of the kernel's uAPI and may change.
 */
#ifndef _VIVBUF_CONTROLS_H_
#define _VIVBUF_CONTROLS_H_

/*
 * Error injection, a control class of its own (vivid's private class is
 * 0x00f00000). Every control but the class is an integer, 0 by default:
 * writing it arms the error, reading it tells what is still armed.
 */
#define VIVBUF_CTRL_CLASS_INJECT	0x00f10000
#define VIVBUF_CID_INJECT_CLASS		(VIVBUF_CTRL_CLASS_INJECT | 1)
#define VIVBUF_CID_INJECT_BASE		(VIVBUF_CTRL_CLASS_INJECT | 0x1000)

/* The next N VIDIOC_QBUF (buffer preparations) fail with EIO */
#define VIVBUF_CID_QBUF_ERRORS		(VIVBUF_CID_INJECT_BASE + 0)
/* The next N VIDIOC_DQBUF fail with EIO, dequeuing nothing */
#define VIVBUF_CID_DQBUF_ERRORS		(VIVBUF_CID_INJECT_BASE + 1)
/* The next N starts of streaming fail with EIO */
#define VIVBUF_CID_STREAMON_ERRORS	(VIVBUF_CID_INJECT_BASE + 2)
/* The next N buffers completed by the node carry V4L2_BUF_FLAG_ERROR */
#define VIVBUF_CID_BUFFER_ERRORS	(VIVBUF_CID_INJECT_BASE + 3)
/* The next N buffer allocations (REQBUFS, CREATE_BUFS) fail with ENOMEM */
#define VIVBUF_CID_ALLOC_ERRORS		(VIVBUF_CID_INJECT_BASE + 4)
/* The instance is unplugged (unbound from the driver) in N ms; 0 cancels */
#define VIVBUF_CID_DISCONNECT		(VIVBUF_CID_INJECT_BASE + 5)
/*
 * Capture nodes, kernels with lockdep (CONFIG_PROVE_LOCKING) only: the
 * next N frames break the dma-fence rules on purpose, allocating memory
 * with GFP_KERNEL inside the device's fence-signalling section, so that a
 * test can see lockdep report it. Lockdep turns itself off after its first
 * report: arm it only in a boot of its own.
 */
#define VIVBUF_CID_SIGNALLING_BREACHES	(VIVBUF_CID_INJECT_BASE + 6)

/* The range of the controls: counts up to ..._MAX_COUNT, delays in ms */
#define VIVBUF_INJECT_MAX_COUNT		1000
#define VIVBUF_INJECT_MAX_DELAY_MS	60000

#endif /* _VIVBUF_CONTROLS_H_ */
