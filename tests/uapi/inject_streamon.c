// SPDX-License-Identifier: GPL-2.0
/*
 * inject_streamon: vivbuf's "STREAMON Errors" control
 * (VIVBUF_CID_STREAMON_ERRORS) on the capture and output nodes of both
 * instances. With every buffer queued, an armed VIDIOC_STREAMON fails
 * with EIO; the buffers stay queued (not done), and the implicit fence
 * each got when vb2 handed it to the driver is signalled (an exported
 * buffer's sync_file is not pending, no fence of ours is). The control
 * counts down to 0, and the next STREAMON streams.
 */
#include <fcntl.h>
#include <unistd.h>

#include "inject.h"

#define NUM_BUFFERS	3

static void test_node(const struct inject_node *n)
{
	int ret, i, fd, sync_fd, status, type;
	uint64_t pending;
	struct dq_buf b;
	struct vdev d;

	inject_open(&d, n);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS MMAP: %d", ret);
	fd = vdev_expbuf(&d, 0, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF 0: %s", strerrorname_np(-fd));
	for (i = 0; i < NUM_BUFFERS; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %d", i);

	inject_arm(&d, VIVBUF_CID_STREAMON_ERRORS, 1);
	type = d.type;
	errno = 0;
	ret = xioctl(d.fd, VIDIOC_STREAMON, &type);
	CHECK(ret == -1 && errno == EIO, "%s: armed STREAMON returned %d, want EIO",
	      d.path, ret);
	inject_check_spent(&d, VIVBUF_CID_STREAMON_ERRORS);

	for (i = 0; i < NUM_BUFFERS; i++) {
		CHECK(!vdev_querybuf(&d, i, &b), "QUERYBUF %d", i);
		CHECK((b.buf.flags & V4L2_BUF_FLAG_QUEUED) &&
		      !(b.buf.flags & (V4L2_BUF_FLAG_DONE | V4L2_BUF_FLAG_ERROR)),
		      "%s: buffer %d flags %#x after the failed STREAMON, want QUEUED",
		      d.path, i, b.buf.flags);
	}
	sync_fd = export_sync_file(fd);
	status = sync_file_status(sync_fd);
	CHECK(status != 0, "%s: buffer 0's fence still pending after the failed STREAMON",
	      d.path);
	close(sync_fd);
	pending = dmabuf_counter("fences_pending");
	CHECK(pending == 0, "%s: %llu fences pending after the failed STREAMON",
	      d.path, (unsigned long long)pending);
	diag("%s: STREAMON failed with EIO, buffers queued, fence status %d",
	     d.path, status);

	vdev_streamon(&d);
	for (i = 0; i < 2; i++) {
		ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "%s: DQBUF %d: %s", d.path, i,
		      strerrorname_np(-ret));
		CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
		      "%s: buffer %u has ERROR", d.path, b.buf.index);
		CHECK(!vdev_qbuf(&d, b.buf.index, NULL, NULL), "re-QBUF %u",
		      b.buf.index);
	}
	vdev_streamoff(&d);
	close(fd);
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");
	vdev_close(&d);
}

int main(void)
{
	unsigned int i;

	test_init("inject_streamon");
	alarm(90);	/* four nodes under emulation */
	for (i = 0; i < ARRAY_SIZE(inject_nodes); i++)
		test_node(&inject_nodes[i]);
	return EXIT_PASS;
}
