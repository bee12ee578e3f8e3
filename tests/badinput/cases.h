/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table of malformed requests: each case makes one bad call on a queue
 * in a given state and returns what it got; the runner compares that with
 * the errno the V4L2 / dma-buf documentation names.
 */
#ifndef BADINPUT_CASES_H
#define BADINPUT_CASES_H

#include "queue.h"

/* Which queues a case applies to (any combination). */
#define ON_MMAP		(1u << 0)
#define ON_DMABUF	(1u << 1)
#define ON_ANY_MEMORY	(ON_MMAP | ON_DMABUF)
#define ON_MPLANE	(1u << 2)	/* multi-planar queues only */
#define ON_CAPTURE	(1u << 3)
#define ON_OUTPUT	(1u << 4)
#define ON_ANY_DIR	(ON_CAPTURE | ON_OUTPUT)
/* The case needs completed buffers from this queue alone (not mem2mem). */
#define NEEDS_FRAMES	(1u << 5)
/*
 * REQBUFS with buffers in use: EBUSY, or success if REQBUFS reports
 * V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS (vidioc-reqbufs.rst).
 */
#define EXPECT_ORPHANS	(1u << 6)

/* A case's run() returns this when the queue does not have what it tests. */
#define NOT_APPLICABLE	1

/* The state the runner puts the queue in before a case. */
enum case_state {
	ST_NO_BUFFERS,		/* REQBUFS(0) */
	ST_BUFFERS,		/* REQBUFS(NUM_BUFFERS), nothing queued */
	ST_STREAMING,		/* ST_BUFFERS + STREAMON */
};

/* What a case works on. */
struct ctx {
	const struct node *node;
	struct vdev *q;			/* q->memory is the memory under test */
	uint32_t buf_caps;		/* V4L2_BUF_CAP_* of the queue */
	struct dmabufs valid[NUM_BUFFERS];	/* DMABUF: good memory */
};

/**
 * struct bad_case - one malformed request
 * @name:	stable name, printed with the result
 * @on:		ON_* and NEEDS_* / EXPECT_* flags
 * @state:	the queue's state before @run
 * @run:	makes the request; returns 0 or -errno of the bad call, or
 *		NOT_APPLICABLE. It may check more itself (CHECK fails the test).
 * @expect:	the errno the documentation names, 0 if the call must succeed
 * @core_errno:	nonzero if the vb2 core (not our code) returns this instead,
 *		against the documentation: accepted, and reported
 * @doc:	where the documentation says so
 */
struct bad_case {
	const char *name;
	unsigned int on;
	enum case_state state;
	int (*run)(struct ctx *c);
	int expect;
	int core_errno;
	const char *doc;
};

extern const struct bad_case bad_cases[];
extern const unsigned int num_bad_cases;

#endif /* BADINPUT_CASES_H */
