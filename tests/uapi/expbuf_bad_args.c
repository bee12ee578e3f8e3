// SPDX-License-Identifier: GPL-2.0
/*
 * expbuf_bad_args: VIDIOC_EXPBUF refuses bad requests with the errno that
 * vidioc-expbuf.rst names (EINVAL: "a queue is not in MMAP mode ... or
 * flags or type or index or plane fields are invalid") and leaks no fd:
 * no buffers allocated; index >= count; plane >= num_planes; flags other
 * than O_CLOEXEC | O_ACCMODE; a type that is not the queue's; a queue set
 * up for V4L2_MEMORY_DMABUF. A file handle that does not own the queue gets
 * EBUSY (vb2's queue ownership rule). A valid request, the control case,
 * returns an fd that honours O_CLOEXEC.
 */
#include <fcntl.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	2

static int lowest_free_fd(void)
{
	int fd = dup(0);

	CHECK(fd >= 0, "dup");
	close(fd);
	return fd;
}

static void expect_expbuf_error(struct vdev *d, uint32_t type,
				unsigned int index, unsigned int plane,
				unsigned int flags, int expected,
				const char *what)
{
	int free_fd = lowest_free_fd();
	int ret = vdev_expbuf_raw(d, type, index, plane, flags);

	if (ret >= 0)
		close(ret);
	CHECK(ret == -expected,
	      "%s: EXPBUF type %u index %u plane %u flags %#x returned %s, want %s",
	      what, type, index, plane, flags,
	      ret >= 0 ? "an fd" : strerrorname_np(-ret),
	      strerrorname_np(expected));
	CHECK(lowest_free_fd() == free_fd, "%s: failed EXPBUF leaked an fd", what);
}

static void expect_expbuf_ok(struct vdev *d, unsigned int index,
			     unsigned int plane, const char *what)
{
	int fd = vdev_expbuf(d, index, plane, O_RDWR | O_CLOEXEC);
	int fd_flags;

	CHECK(fd >= 0, "%s: EXPBUF index %u plane %u: %s", what, index, plane,
	      strerrorname_np(-fd));
	fd_flags = fcntl(fd, F_GETFD);
	CHECK(fd_flags >= 0 && (fd_flags & FD_CLOEXEC),
	      "%s: exported fd lacks FD_CLOEXEC (F_GETFD %#x)", what, fd_flags);
	CHECK(dmabuf_size(fd) >= d->sizeimage[plane],
	      "%s: dma-buf size %zu < sizeimage %u", what, dmabuf_size(fd),
	      d->sizeimage[plane]);
	close(fd);
}

static void check_single_planar(void)
{
	uint32_t t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct vdev d, other;
	int n;

	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	CHECK(d.type == t, "instance 0 is not single-planar");

	expect_expbuf_error(&d, t, 0, 0, O_CLOEXEC, EINVAL, "no buffers allocated");

	n = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(n >= NUM_BUFFERS, "REQBUFS MMAP %u: %d", NUM_BUFFERS, n);
	expect_expbuf_ok(&d, 0, 0, "valid request");
	expect_expbuf_ok(&d, n - 1, 0, "last buffer");

	expect_expbuf_error(&d, t, n, 0, O_CLOEXEC, EINVAL, "index == count");
	expect_expbuf_error(&d, t, VIDEO_MAX_FRAME, 0, O_CLOEXEC, EINVAL,
			    "index == VIDEO_MAX_FRAME");
	expect_expbuf_error(&d, t, UINT32_MAX, 0, O_CLOEXEC, EINVAL,
			    "index == UINT32_MAX");
	expect_expbuf_error(&d, t, 0, 1, O_CLOEXEC, EINVAL,
			    "plane 1 of a single-planar buffer");
	expect_expbuf_error(&d, t, 0, VIDEO_MAX_PLANES, O_CLOEXEC, EINVAL,
			    "plane VIDEO_MAX_PLANES");
	expect_expbuf_error(&d, t, 0, UINT32_MAX, O_CLOEXEC, EINVAL,
			    "plane UINT32_MAX");
	expect_expbuf_error(&d, t, 0, 0, O_CLOEXEC | O_NONBLOCK, EINVAL,
			    "flag O_NONBLOCK");
	expect_expbuf_error(&d, t, 0, 0, O_RDWR | O_APPEND, EINVAL, "flag O_APPEND");
	expect_expbuf_error(&d, t, 0, 0, 0x80000000u, EINVAL, "flag bit 31");
	expect_expbuf_error(&d, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE, 0, 0, O_CLOEXEC,
			    EINVAL, "type CAPTURE_MPLANE on a CAPTURE queue");
	expect_expbuf_error(&d, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0, 0, O_CLOEXEC,
			    EINVAL, "type OUTPUT");
	expect_expbuf_error(&d, 0, 0, 0, O_CLOEXEC, EINVAL, "type 0");

	/* Another file handle does not own the queue. */
	vdev_open(&other, 0);
	expect_expbuf_error(&other, t, 0, 0, O_CLOEXEC, EBUSY,
			    "file handle that does not own the queue");
	vdev_close(&other);

	/* A queue set up for importing has nothing to export. */
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS MMAP 0");
	expect_expbuf_error(&d, t, 0, 0, O_CLOEXEC, EINVAL, "after REQBUFS(0)");
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS DMABUF %u", NUM_BUFFERS);
	expect_expbuf_error(&d, t, 0, 0, O_CLOEXEC, EINVAL, "DMABUF queue");
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS DMABUF 0");

	/* And the queue still exports once it is MMAP again. */
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS MMAP %u again", NUM_BUFFERS);
	expect_expbuf_ok(&d, 0, 0, "MMAP queue after DMABUF");
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS MMAP 0");
	vdev_close(&d);
	diag("single-planar node: all bad EXPBUF requests refused");
}

static void check_multi_planar(void)
{
	uint32_t t = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	struct vdev d;

	vdev_open(&d, 1);
	CHECK(d.type == t, "instance 1 is not multi-planar");

	vdev_set_format(&d, V4L2_PIX_FMT_NV12M, TEST_WIDTH, TEST_HEIGHT);
	CHECK(d.num_planes == 2, "NV12M has %u planes", d.num_planes);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS MMAP %u", NUM_BUFFERS);
	expect_expbuf_ok(&d, 0, 0, "NV12M plane 0");
	expect_expbuf_ok(&d, 0, 1, "NV12M plane 1");
	expect_expbuf_error(&d, t, 0, 2, O_CLOEXEC, EINVAL, "NV12M plane 2");
	expect_expbuf_error(&d, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0, 0, O_CLOEXEC,
			    EINVAL, "type CAPTURE on a CAPTURE_MPLANE queue");
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS MMAP 0");

	vdev_set_format(&d, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	CHECK(d.num_planes == 1, "XRGB32 has %u planes", d.num_planes);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS MMAP %u", NUM_BUFFERS);
	expect_expbuf_ok(&d, 0, 0, "XRGB32 plane 0");
	expect_expbuf_error(&d, t, 0, 1, O_CLOEXEC, EINVAL,
			    "plane 1 of a one-plane format");
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS MMAP 0");
	vdev_close(&d);
	diag("multi-planar node: all bad EXPBUF requests refused");
}

int main(void)
{
	test_init("expbuf_bad_args");
	check_single_planar();
	check_multi_planar();
	return EXIT_PASS;
}
