// SPDX-License-Identifier: GPL-2.0
/*
 * inject_dqbuf: vivbuf's "DQBUF Errors" control (VIVBUF_CID_DQBUF_ERRORS)
 * on the capture and output nodes of both instances. While streaming, with
 * a buffer done (poll() says so), an armed VIDIOC_DQBUF fails with EIO and
 * dequeues nothing: the buffer is still done, the node still polls ready,
 * and the next DQBUF returns it without an error flag. The control counts
 * down to 0. Streaming goes on afterwards.
 */
#include <unistd.h>

#include "inject.h"

#define NUM_BUFFERS	3

static void test_node(const struct inject_node *n)
{
	struct dq_buf b;
	struct vdev d;
	int ret, i;

	inject_open(&d, n);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS MMAP: %d", ret);
	for (i = 0; i < NUM_BUFFERS; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %d", i);
	vdev_streamon(&d);

	inject_arm(&d, VIVBUF_CID_DQBUF_ERRORS, 1);
	ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
	CHECK(ret == -EIO, "%s: armed DQBUF: %s, want EIO", d.path,
	      ret ? strerrorname_np(-ret) : "success");
	inject_check_spent(&d, VIVBUF_CID_DQBUF_ERRORS);

	/* Nothing was taken: a buffer is still waiting, at once */
	CHECK(poll_one(d.fd, n->output ? POLLOUT : POLLIN, 0) == 1,
	      "%s: no buffer ready after the failed DQBUF", d.path);
	ret = vdev_dqbuf(&d, &b, 0);
	CHECK(!ret, "%s: DQBUF after the failed one: %s", d.path,
	      strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "%s: buffer %u has ERROR (flags %#x)", d.path, b.buf.index,
	      b.buf.flags);

	/* And the stream goes on */
	CHECK(!vdev_qbuf(&d, b.buf.index, NULL, NULL), "re-QBUF %u",
	      b.buf.index);
	for (i = 0; i < 2; i++) {
		ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "%s: DQBUF %d: %s", d.path, i,
		      strerrorname_np(-ret));
		CHECK(!vdev_qbuf(&d, b.buf.index, NULL, NULL), "re-QBUF %u",
		      b.buf.index);
	}
	vdev_streamoff(&d);
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");
	diag("%s: DQBUF failed with EIO, the buffer came with the next one",
	     d.path);
	vdev_close(&d);
}

int main(void)
{
	unsigned int i;

	test_init("inject_dqbuf");
	alarm(90);	/* four nodes under emulation */
	for (i = 0; i < ARRAY_SIZE(inject_nodes); i++)
		test_node(&inject_nodes[i]);
	return EXIT_PASS;
}
