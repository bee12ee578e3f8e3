/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault-injection walk of the faults suite.
 *
 * An operation (an ioctl, an mmap) is run again and again with the Nth
 * memory allocation attempt of the test's thread failing, N = 1, 2, ...,
 * until an N is not reached: then every allocation the operation makes has
 * failed once. The kernel's fail-nth (/proc/thread-self/fail-nth) picks the
 * Nth call of the thread into failslab (kmalloc, kmem_cache_alloc) and
 * fail_page_alloc (alloc_pages); see walk_begin() in faults.c for how the
 * two are set up and why no other task is affected.
 *
 * Each failure must surface as an errno the walk allows (ENOMEM), be
 * absorbed (the kernel fell back), or degrade the outcome in a way the
 * operation's check accepts and verifies; every run must leave the
 * allocator's counters and the file descriptors as it found them. The
 * kernel log is checked for splats by the runner (tests/guest-check).
 */
#ifndef FAULTS_H
#define FAULTS_H

#include "queue.h"

/* A walk stops with a failure if an operation makes more calls than this. */
#define FI_MAX_CALLS	4000

/* Distinct outcomes a walk tells apart (errnos and degraded successes). */
#define FI_MAX_OUTCOMES	8

/*
 * One operation under injection.
 * @run:	the operation, with the Nth allocation failing; returns 0 or
 *		-errno and must do nothing else that allocates in the kernel
 *		(no debugfs reads, no printing: stdout is a pipe)
 * @check:	called right after @run, with injection off: verifies that
 *		what @run returned is what happened, undoes it and returns
 *		the outcome, a value to compare with the outcome of the run
 *		without injection (e.g. -errno, the number of buffers
 *		granted, the fences published)
 * @ctx:	passed to both
 * @first:	the first N to fail, normally 1 (see qbuf_dmabuf_import.c)
 * @also:	an errno besides ENOMEM that a failed allocation may surface
 *		as, or 0 (see expbuf.c)
 */
struct fi_op {
	const char *name;
	int (*run)(void *ctx);
	long (*check)(void *ctx, int ret);
	void *ctx;
	unsigned int first;
	int also;
};

struct fi_result {
	unsigned int calls;	/* allocation calls the operation makes */
	unsigned int hits;	/* Ns whose failure changed the outcome */
	unsigned int absorbed;	/* Ns whose failure the kernel absorbed */
	unsigned int num_outcomes;
	long outcome[FI_MAX_OUTCOMES];	/* the changed outcomes seen ... */
	unsigned int count[FI_MAX_OUTCOMES];	/* ... and how often */
};

/*
 * test_init(), a watchdog of @seconds, fault injection set up for this
 * thread (skips if the kernel has none) and restored at exit.
 */
void fi_init(const char *name, unsigned int seconds);

/*
 * Walk @op: run it once without injection (its outcome must be 0 or more),
 * then once per allocation call with that call failing. After each run
 * the allocator's counters and the lowest free fd must be back to their
 * values before the walk. A negative outcome other than -ENOMEM (or
 * -@also) fails the test. Prints and returns the result.
 */
void fi_walk(const struct fi_op *op, struct fi_result *res);

/* The allocator's state that must come back after each run. */
struct fi_state {
	uint64_t live_buffers;
	uint64_t live_dmabufs;
	uint64_t fences_pending;
	uint64_t maps_minus_unmaps;
	int lowest_fd;
	unsigned int open_fds;
	bool dma_debug_off;	/* DMA-API debugging turned itself off */
};

void fi_state_read(struct fi_state *s);
/* Fails the test, naming @when, if @now differs from @before. */
void fi_state_check(const struct fi_state *before, const char *when);

/*
 * Open the capture (or @output) node of vivbuf instance @instance on @q,
 * with the small format of queue_init(); @orig receives the format before.
 */
void fi_open(struct vdev *q, unsigned int instance, bool output,
	     struct v4l2_format *orig);

/*
 * Frees the MMAP buffers of @q (and with them the dma_bufs their planes
 * exported, which a plane keeps until then) and allocates as many anew.
 */
void fi_renew_buffers(struct vdev *q);

/*
 * fi_open() a capture node and allocate NUM_BUFFERS MMAP buffers; with
 * @frames, stream one round so that each holds a frame (then STREAMOFF).
 */
void fi_capture_setup(struct vdev *q, unsigned int instance,
		      struct v4l2_format *orig, bool frames);

/* The number of open file descriptors of the process. */
unsigned int fi_open_fds(void);

#endif /* FAULTS_H */
