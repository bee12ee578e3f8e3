// SPDX-License-Identifier: GPL-2.0
/*
 * VIDIOC_REQBUFS and VIDIOC_CREATE_BUFS (MMAP) with each allocation failing
 * in turn, on a single-planar node (instance 0) and a multi-planar one with
 * a two-plane format (instance 1): the allocator's pages, page array,
 * sg_table and DMA mapping, and vb2's buffer structures.
 *
 * On the output nodes: their planes are mapped DMA_TO_DEVICE. A capture
 * plane's DMA_FROM_DEVICE mapping makes DMA-API debugging allocate for its
 * active-cacheline tracking, and when that allocation is the one failing,
 * DMA-API debugging turns itself off for the rest of the boot (see
 * dma_debug_off() in ../uapi/failnth.h): every later test would lose its
 * checks. The allocator's code is the same for both directions.
 *
 * vb2 may grant fewer buffers than asked: that success must be real (the
 * allocator holds exactly the planes of the buffers granted, each can be
 * queried and mapped and reads as zeroes). A failure must leave no plane
 * behind. Either way REQBUFS(0) then frees everything.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "faults.h"

#define WALK_SECONDS	600
#define COUNT		3

struct alloc_ctx {
	struct vdev *q;
	bool create;
	unsigned int granted;
	unsigned int first_index;
	uint64_t live_buffers;
	struct v4l2_format fmt;		/* for CREATE_BUFS */
};

static int alloc_run(void *p)
{
	struct alloc_ctx *c = p;
	struct v4l2_create_buffers create = {
		.count = COUNT,
		.memory = V4L2_MEMORY_MMAP,
		.format = c->fmt,
	};
	struct v4l2_requestbuffers req = {
		.count = COUNT,
		.type = c->q->type,
		.memory = V4L2_MEMORY_MMAP,
	};
	int ret;

	if (!c->create) {
		ret = try_ioctl(c->q->fd, VIDIOC_REQBUFS, &req);
		c->granted = req.count;
		c->first_index = 0;
		return ret;
	}
	ret = try_ioctl(c->q->fd, VIDIOC_CREATE_BUFS, &create);
	c->granted = create.count;
	c->first_index = create.index;
	return ret;
}

/* Every buffer granted is there, mapped by the allocator, and zeroed. */
static void check_granted(struct alloc_ctx *c)
{
	struct vdev *q = c->q;
	uint64_t live = dmabuf_counter("live_buffers");
	unsigned int i, p;
	struct dq_buf b;

	CHECK(c->granted >= 1 && c->granted <= COUNT && !c->first_index,
	      "%s: %s succeeded with %u buffers from index %u", q->path,
	      c->create ? "CREATE_BUFS" : "REQBUFS", c->granted,
	      c->first_index);
	CHECK(live == c->live_buffers + c->granted * q->num_planes,
	      "%s: %u buffers of %u planes granted, live_buffers %llu -> %llu",
	      q->path, c->granted, q->num_planes,
	      (unsigned long long)c->live_buffers, (unsigned long long)live);
	q->memory = V4L2_MEMORY_MMAP;
	q->count = c->granted;
	/* vb2 refuses read-only maps of output buffers */
	vdev_mmap_buffers(q, PROT_READ | PROT_WRITE);
	for (i = 0; i < q->count; i++)
		for (p = 0; p < q->num_planes; p++)
			CHECK(buffer_is_zero(q->map[i][p].addr,
					     q->map[i][p].length),
			      "%s: buffer %u plane %u is not zeroed", q->path,
			      i, p);
	vdev_unmap_buffers(q);
	CHECK(vdev_querybuf(q, c->granted, &b) == -EINVAL,
	      "%s: QUERYBUF %u, past the %u buffers granted, did not fail with EINVAL",
	      q->path, c->granted, c->granted);
}

static long alloc_check(void *p, int ret)
{
	struct alloc_ctx *c = p;
	struct dq_buf b;
	int n;

	if (ret) {
		CHECK(vdev_querybuf(c->q, 0, &b) == -EINVAL,
		      "%s: %s failed (%s) but buffer 0 exists", c->q->path,
		      c->create ? "CREATE_BUFS" : "REQBUFS",
		      strerrorname_np(-ret));
		return ret;
	}
	check_granted(c);
	n = vdev_reqbufs(c->q, V4L2_MEMORY_MMAP, 0);
	CHECK(!n, "%s: REQBUFS(0): %s", c->q->path, strerrorname_np(-n));
	return c->granted;
}

static void walk_node(unsigned int instance, bool create)
{
	struct v4l2_format orig;
	struct fi_result res;
	struct alloc_ctx c;
	struct vdev q;
	char name[64];
	struct fi_op op = {
		.name = name,
		.run = alloc_run,
		.check = alloc_check,
		.ctx = &c,
		.first = 1,
	};

	fi_open(&q, instance, true, &orig);
	snprintf(name, sizeof(name), "%s %s %s (%u planes)",
		 create ? "CREATE_BUFS" : "REQBUFS", memory_name(V4L2_MEMORY_MMAP),
		 buf_type_name(q.type), q.num_planes);
	memset(&c, 0, sizeof(c));
	c.q = &q;
	c.create = create;
	c.live_buffers = dmabuf_counter("live_buffers");
	/* Read before the walk: G_FMT is not what is walked. */
	c.fmt.type = q.type;
	CHECK(!xioctl(q.fd, VIDIOC_G_FMT, &c.fmt), "%s: G_FMT", q.path);
	fi_walk(&op, &res);
	CHECK(res.hits > 0, "%s: no allocation failure reached userspace",
	      name);
	queue_close(&q, &orig);
}

int main(void)
{
	struct fi_state start;

	fi_init("reqbufs_mmap", WALK_SECONDS);
	fi_state_read(&start);
	walk_node(0, false);
	walk_node(0, true);
	walk_node(1, false);
	walk_node(1, true);
	fi_state_check(&start, "the end");
	return EXIT_PASS;
}
