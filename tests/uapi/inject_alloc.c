// SPDX-License-Identifier: GPL-2.0
/*
 * inject_alloc: vivbuf's "Allocation Errors" control
 * (VIVBUF_CID_ALLOC_ERRORS) on the capture and output nodes of both
 * instances. Armed, VIDIOC_REQBUFS (MMAP, and DMABUF) and
 * VIDIOC_CREATE_BUFS fail with ENOMEM and leave the queue without buffers;
 * the MMAP planes the allocator had allocated for the refused request are
 * freed (debugfs live_buffers back where it was). The control counts down
 * to 0, and the same request then succeeds.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "inject.h"

#define NUM_BUFFERS	3

static int create_bufs(struct vdev *d, unsigned int count)
{
	struct v4l2_create_buffers cb = {
		.count = count,
		.memory = V4L2_MEMORY_MMAP,
		.format.type = d->type,
	};

	CHECK(!xioctl(d->fd, VIDIOC_G_FMT, &cb.format), "G_FMT");
	if (xioctl(d->fd, VIDIOC_CREATE_BUFS, &cb))
		return -errno;
	d->memory = V4L2_MEMORY_MMAP;
	d->count = cb.index + cb.count;
	return cb.count;
}

static void check_live(struct vdev *d, uint64_t want, const char *when)
{
	uint64_t live = dmabuf_counter("live_buffers");

	CHECK(live == want, "%s: live_buffers %llu %s, want %llu", d->path,
	      (unsigned long long)live, when, (unsigned long long)want);
}

static void check_no_buffers(struct vdev *d)
{
	struct dq_buf b;

	CHECK(vdev_querybuf(d, 0, &b) == -EINVAL,
	      "%s: QUERYBUF 0 after the refused allocation: want EINVAL",
	      d->path);
}

static void test_node(const struct inject_node *n)
{
	uint64_t live;
	struct vdev d;
	int ret;

	inject_open(&d, n);
	live = dmabuf_counter("live_buffers");

	/* REQBUFS MMAP: refused after the allocator allocated the planes */
	inject_arm(&d, VIVBUF_CID_ALLOC_ERRORS, 1);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret == -ENOMEM, "%s: armed REQBUFS MMAP: %d, want -ENOMEM",
	      d.path, ret);
	inject_check_spent(&d, VIVBUF_CID_ALLOC_ERRORS);
	check_no_buffers(&d);
	check_live(&d, live, "after the refused REQBUFS");
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "%s: REQBUFS MMAP once disarmed: %d",
	      d.path, ret);
	check_live(&d, live + ret, "with the buffers");
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");
	check_live(&d, live, "after REQBUFS 0");

	/* CREATE_BUFS: the same, twice in a row */
	inject_arm(&d, VIVBUF_CID_ALLOC_ERRORS, 2);
	ret = create_bufs(&d, 2);
	CHECK(ret == -ENOMEM, "%s: armed CREATE_BUFS: %d, want -ENOMEM",
	      d.path, ret);
	ret = create_bufs(&d, 1);
	CHECK(ret == -ENOMEM, "%s: second armed CREATE_BUFS: %d, want -ENOMEM",
	      d.path, ret);
	inject_check_spent(&d, VIVBUF_CID_ALLOC_ERRORS);
	check_no_buffers(&d);
	check_live(&d, live, "after the refused CREATE_BUFS");
	ret = create_bufs(&d, 2);
	CHECK(ret == 2, "%s: CREATE_BUFS once disarmed: %d", d.path, ret);
	check_live(&d, live + 2, "with the created buffers");
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");

	/* DMABUF allocates no memory: it fails at once */
	inject_arm(&d, VIVBUF_CID_ALLOC_ERRORS, 1);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(ret == -ENOMEM, "%s: armed REQBUFS DMABUF: %d, want -ENOMEM",
	      d.path, ret);
	inject_check_spent(&d, VIVBUF_CID_ALLOC_ERRORS);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "%s: REQBUFS DMABUF once disarmed: %d",
	      d.path, ret);
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 0), "REQBUFS 0");

	check_live(&d, live, "at the end");
	diag("%s: REQBUFS and CREATE_BUFS failed with ENOMEM, nothing left allocated",
	     d.path);
	vdev_close(&d);
}

int main(void)
{
	unsigned int i;

	test_init("inject_alloc");
	alarm(90);	/* four nodes under emulation */
	for (i = 0; i < ARRAY_SIZE(inject_nodes); i++)
		test_node(&inject_nodes[i]);
	return EXIT_PASS;
}
