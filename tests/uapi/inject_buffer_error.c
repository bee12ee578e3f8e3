// SPDX-License-Identifier: GPL-2.0
/*
 * inject_buffer_error: vivbuf's "Buffer Errors" control
 * (VIVBUF_CID_BUFFER_ERRORS) on the capture and output nodes of both
 * instances. Armed with 1 before STREAMON, the first buffer the node
 * completes comes back with V4L2_BUF_FLAG_ERROR, and the implicit fence it
 * carried (seen through a sync_file exported from its dma-buf while it was
 * in flight) signals with an error status (-EIO); the buffer after it is
 * fine and its fence signals without error. The control counts down to 0.
 */
#include <fcntl.h>
#include <unistd.h>

#include "inject.h"

#define NUM_BUFFERS	3
#define FENCE_WAIT_MS	1000

static void test_node(const struct inject_node *n)
{
	int fds[NUM_BUFFERS], sync_fds[NUM_BUFFERS], status, ret, i;
	struct dq_buf b;
	struct vdev d;

	inject_open(&d, n);
	/* 200 ms a frame: time to export the fences of buffers in flight */
	vdev_set_frame_rate(&d, 5);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS MMAP: %d", ret);
	for (i = 0; i < NUM_BUFFERS; i++) {
		fds[i] = vdev_expbuf(&d, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fds[i] >= 0, "EXPBUF %d: %s", i, strerrorname_np(-fds[i]));
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %d", i);
	}

	inject_arm(&d, VIVBUF_CID_BUFFER_ERRORS, 1);
	vdev_streamon(&d);
	for (i = 0; i < NUM_BUFFERS; i++) {
		sync_fds[i] = export_sync_file(fds[i]);
		CHECK(sync_file_status(sync_fds[i]) == 0,
		      "%s: buffer %d not in flight after STREAMON (too slow?)",
		      d.path, i);
	}

	ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "%s: DQBUF: %s", d.path, strerrorname_np(-ret));
	CHECK(b.buf.flags & V4L2_BUF_FLAG_ERROR,
	      "%s: first buffer (%u) has no ERROR flag (flags %#x)", d.path,
	      b.buf.index, b.buf.flags);
	CHECK(b.buf.index < NUM_BUFFERS, "DQBUF index %u", b.buf.index);
	/*
	 * The allocator signals the fence just after vb2 has the buffer ready
	 * to dequeue (so that a fence waiter finds it there): DQBUF may come
	 * a moment before the signal.
	 */
	CHECK(poll_one(sync_fds[b.buf.index], POLLIN, FENCE_WAIT_MS) == 1,
	      "%s: the errored buffer's fence still pending %d ms after DQBUF",
	      d.path, FENCE_WAIT_MS);
	status = sync_file_status(sync_fds[b.buf.index]);
	CHECK(status == -EIO, "%s: errored buffer's fence status %d (%s), want -EIO",
	      d.path, status, status < 0 ? strerrorname_np(-status) : "no error");
	CHECK(poll_one(fds[b.buf.index], POLLOUT, 0) == 1,
	      "%s: poll() on the errored buffer's dma-buf not ready", d.path);
	inject_check_spent(&d, VIVBUF_CID_BUFFER_ERRORS);
	diag("%s: buffer %u done with ERROR, fence status %s", d.path,
	     b.buf.index, strerrorname_np(-status));

	ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "%s: second DQBUF: %s", d.path, strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "%s: second buffer (%u) has ERROR too", d.path, b.buf.index);
	CHECK(poll_one(sync_fds[b.buf.index], POLLIN, FENCE_WAIT_MS) == 1,
	      "%s: the good buffer's fence still pending %d ms after DQBUF",
	      d.path, FENCE_WAIT_MS);
	status = sync_file_status(sync_fds[b.buf.index]);
	CHECK(status == 1, "%s: good buffer's fence status %d, want 1", d.path,
	      status);

	vdev_streamoff(&d);
	for (i = 0; i < NUM_BUFFERS; i++) {
		close(sync_fds[i]);
		close(fds[i]);
	}
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");
	vdev_close(&d);
}

int main(void)
{
	unsigned int i;

	test_init("inject_buffer_error");
	alarm(90);	/* four nodes under emulation */
	for (i = 0; i < ARRAY_SIZE(inject_nodes); i++)
		test_node(&inject_nodes[i]);
	return EXIT_PASS;
}
