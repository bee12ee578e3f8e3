// SPDX-License-Identifier: GPL-2.0
/*
 * inject_qbuf: vivbuf's "QBUF Errors" control (VIVBUF_CID_QBUF_ERRORS) on
 * the capture and output nodes of both instances. Armed with 2, the next
 * two VIDIOC_QBUF fail with EIO and leave the buffer dequeued, the control
 * counts down to 0, and the third QBUF of the same buffer succeeds and
 * the buffer streams normally. Then the same with a DMABUF import (a
 * buffer exported by the other node of the instance): the refused QBUF
 * must leave no attachment or mapping behind.
 */
#include <fcntl.h>
#include <unistd.h>

#include "inject.h"

#define NUM_BUFFERS	3

static void check_dequeued(struct vdev *d, unsigned int index)
{
	struct dq_buf b;

	CHECK(!vdev_querybuf(d, index, &b), "QUERYBUF %u", index);
	CHECK(!(b.buf.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE)),
	      "%s: buffer %u flags %#x after a refused QBUF", d->path, index,
	      b.buf.flags);
}

static void one_frame(struct vdev *d)
{
	struct dq_buf b;
	int ret;

	vdev_streamon(d);
	ret = vdev_dqbuf(d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "%s: DQBUF: %s", d->path, strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR), "%s: buffer %u has ERROR",
	      d->path, b.buf.index);
	vdev_streamoff(d);
}

static void test_mmap(const struct inject_node *n)
{
	struct vdev d;
	int ret, i;

	inject_open(&d, n);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS MMAP: %d", ret);

	inject_arm(&d, VIVBUF_CID_QBUF_ERRORS, 2);
	for (i = 0; i < 2; i++) {
		ret = vdev_qbuf(&d, 0, NULL, NULL);
		CHECK(ret == -EIO, "%s: armed QBUF %d: %s, want EIO", d.path,
		      i, ret ? strerrorname_np(-ret) : "success");
		check_dequeued(&d, 0);
	}
	inject_check_spent(&d, VIVBUF_CID_QBUF_ERRORS);
	for (i = 0; i < NUM_BUFFERS; i++) {
		ret = vdev_qbuf(&d, i, NULL, NULL);
		CHECK(!ret, "%s: QBUF %d once disarmed: %s", d.path, i,
		      strerrorname_np(-ret));
	}
	one_frame(&d);
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");
	diag("%s: MMAP QBUF failed twice with EIO, then streamed", d.path);
	vdev_close(&d);
}

/* A DMABUF QBUF refused after the import was attached and mapped */
static void test_dmabuf(const struct inject_node *n)
{
	struct inject_node other_node = { n->instance, !n->output };
	struct dmabuf_counters before, after;
	int fds[NUM_BUFFERS], ret, i, skip;
	struct vdev d, other;

	inject_open(&other, &other_node);
	ret = vdev_reqbufs(&other, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS MMAP on %s: %d", other.path, ret);
	for (i = 0; i < NUM_BUFFERS; i++) {
		fds[i] = vdev_expbuf(&other, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fds[i] >= 0, "EXPBUF %d: %s", i, strerrorname_np(-fds[i]));
	}

	inject_open(&d, n);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS DMABUF: %d", ret);
	dmabuf_counters_read(&before);
	inject_arm(&d, VIVBUF_CID_QBUF_ERRORS, 1);
	ret = vdev_qbuf(&d, 0, &fds[0], NULL);
	CHECK(ret == -EIO, "%s: armed DMABUF QBUF: %s, want EIO", d.path,
	      ret ? strerrorname_np(-ret) : "success");
	check_dequeued(&d, 0);
	dmabuf_counters_read(&after);
	CHECK(after.maps - before.maps == after.unmaps - before.unmaps,
	      "%s: the refused import left a mapping (maps +%llu, unmaps +%llu)",
	      d.path, (unsigned long long)(after.maps - before.maps),
	      (unsigned long long)(after.unmaps - before.unmaps));
	inject_check_spent(&d, VIVBUF_CID_QBUF_ERRORS);

	/*
	 * vb2 (6.12) resets a DMABUF plane's length when a prepare fails, and
	 * then checks a single-planar output buffer's bytesused against that
	 * length rather than the one given: that buffer index is refused with
	 * EINVAL until the next REQBUFS, whatever the driver does. Left out.
	 */
	skip = d.output && !d.mplane;
	if (skip)
		diag("%s: buffer 0 not queued again (vb2 refuses a single-planar output DMABUF buffer after a failed prepare)",
		     d.path);
	for (i = skip; i < NUM_BUFFERS; i++) {
		ret = vdev_qbuf(&d, i, &fds[i], NULL);
		CHECK(!ret, "%s: DMABUF QBUF %d once disarmed: %s", d.path, i,
		      strerrorname_np(-ret));
	}
	one_frame(&d);
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 0), "REQBUFS 0");
	vdev_close(&d);
	for (i = 0; i < NUM_BUFFERS; i++)
		close(fds[i]);
	CHECK(!vdev_reqbufs(&other, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");
	vdev_close(&other);
	diag("%s: DMABUF QBUF failed with EIO, mapping undone, then streamed",
	     d.path);
}

int main(void)
{
	unsigned int i;

	test_init("inject_qbuf");
	alarm(90);	/* four nodes, twice, under emulation */
	for (i = 0; i < ARRAY_SIZE(inject_nodes); i++) {
		test_mmap(&inject_nodes[i]);
		test_dmabuf(&inject_nodes[i]);
	}
	return EXIT_PASS;
}
