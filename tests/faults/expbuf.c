// SPDX-License-Identifier: GPL-2.0
/*
 * VIDIOC_EXPBUF with each allocation failing in turn: the first export of
 * a plane (dma_buf_export(): the dma_buf, its file and inode, then the fd)
 * and a second one while the first fd is open (the cached dma_buf: a new
 * fd only).
 *
 * A success must be a dma-buf of the plane (its size, the same inode as
 * the cached one), a failure must leave no fd and no dma_buf behind. The
 * plane keeps the dma_buf it exported until its buffer is freed, so the
 * first-export walk frees the buffers after each successful attempt
 * (REQBUFS(0), then REQBUFS again): every attempt exports anew, and the
 * dma_buf must then be gone.
 *
 * A failed first export surfaces as EINVAL, not ENOMEM: the 6.12 vb2 core
 * (vb2_core_expbuf()) answers EINVAL to any get_dmabuf failure, whatever
 * the allocator returned. The walk accepts it for that reason; the
 * allocator and the dma-buf core do return -ENOMEM.
 */
#include <fcntl.h>
#include <unistd.h>

#include "faults.h"

#define WALK_SECONDS	300

struct expbuf_ctx {
	struct vdev *q;
	int fd;
	int held;		/* an open fd of the plane's dma_buf, or -1 */
	uint64_t live_dmabufs;
	uint64_t exports;
};

static int expbuf_run(void *p)
{
	struct expbuf_ctx *c = p;

	c->fd = vdev_expbuf(c->q, 0, 0, O_CLOEXEC);
	return c->fd < 0 ? c->fd : 0;
}

static long expbuf_check(void *p, int ret)
{
	struct expbuf_ctx *c = p;
	uint64_t live = dmabuf_counter("live_dmabufs");
	uint64_t exports = dmabuf_counter("exports");
	dev_t dev, held_dev;
	ino_t ino, held_ino;

	if (ret) {
		CHECK(live == c->live_dmabufs && exports == c->exports,
		      "EXPBUF failed (%s), yet live_dmabufs %llu -> %llu, exports %llu -> %llu",
		      strerrorname_np(-ret),
		      (unsigned long long)c->live_dmabufs,
		      (unsigned long long)live,
		      (unsigned long long)c->exports,
		      (unsigned long long)exports);
		return ret;
	}
	CHECK(dmabuf_size(c->fd) >= c->q->sizeimage[0],
	      "exported fd %d: size %zu < sizeimage %u", c->fd,
	      dmabuf_size(c->fd), c->q->sizeimage[0]);
	if (c->held >= 0) {
		fd_inode(c->fd, &dev, &ino);
		fd_inode(c->held, &held_dev, &held_ino);
		CHECK(dev == held_dev && ino == held_ino && live == c->live_dmabufs,
		      "a second EXPBUF made a new dma_buf (live_dmabufs %llu -> %llu)",
		      (unsigned long long)c->live_dmabufs,
		      (unsigned long long)live);
	} else {
		CHECK(live == c->live_dmabufs + 1 && exports == c->exports + 1,
		      "EXPBUF succeeded, yet live_dmabufs %llu -> %llu, exports %llu -> %llu",
		      (unsigned long long)c->live_dmabufs,
		      (unsigned long long)live,
		      (unsigned long long)c->exports,
		      (unsigned long long)exports);
	}
	close(c->fd);
	if (c->held < 0)
		fi_renew_buffers(c->q);
	c->exports = dmabuf_counter("exports");
	return 0;
}

static void walk(struct vdev *q, bool cached)
{
	struct expbuf_ctx c = { .q = q, .held = -1 };
	struct fi_result res;
	struct fi_op op = {
		.name = cached ? "EXPBUF (dma_buf exported already)" :
				 "EXPBUF (first export)",
		.run = expbuf_run,
		.check = expbuf_check,
		.ctx = &c,
		.first = 1,
		.also = EINVAL,	/* vb2_core_expbuf(), see above */
	};

	if (cached) {
		c.held = vdev_expbuf(q, 0, 0, O_CLOEXEC);
		CHECK(c.held >= 0, "EXPBUF: %s", strerrorname_np(-c.held));
	}
	c.live_dmabufs = dmabuf_counter("live_dmabufs");
	c.exports = dmabuf_counter("exports");
	fi_walk(&op, &res);
	/*
	 * A cached export only takes a file reference and a free slot of
	 * the fd table, which has room: it allocates nothing (6.12).
	 */
	CHECK(cached || res.hits > 0,
	      "%s: no allocation failure reached userspace", op.name);
	if (c.held >= 0)
		close(c.held);
}

int main(void)
{
	struct v4l2_format orig;
	struct fi_state start;
	struct vdev q;

	fi_init("expbuf", WALK_SECONDS);
	fi_state_read(&start);
	fi_capture_setup(&q, 0, &orig, false);
	walk(&q, false);
	walk(&q, true);
	queue_reset(&q);
	queue_close(&q, &orig);
	fi_state_check(&start, "the end");
	return EXIT_PASS;
}
