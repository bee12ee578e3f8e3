// SPDX-License-Identifier: GPL-2.0
/*
 * out_fence_poll: at the slowest frame interval (1 s), two MMAP buffers
 * queued, streaming: poll(POLLIN) on the exported dma-buf of the second
 * buffer is not ready while the frame is in flight (our write fence is in
 * its dma_resv), and becomes ready once the frame is done, in time with the
 * frame clock. The second buffer is exported only after STREAMON, so the
 * fence published before the dma_buf existed must be seen by it.
 */
#include "fences.h"

int main(void)
{
	struct dq_buf b;
	struct vdev d;
	uint64_t start, waited;
	int fd0, fd1;

	test_init("out_fence_poll");
	require_fences();
	mmap_setup(&d, 1, 2);

	fd0 = vdev_expbuf(&d, 0, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd0 >= 0, "EXPBUF 0");
	CHECK(poll_one(fd0, POLLIN, 0) == 1, "idle buffer 0 not ready for reading");

	qbuf_mmap(&d, 0);
	qbuf_mmap(&d, 1);
	vdev_streamon(&d);
	start = now_ms();

	fd1 = vdev_expbuf(&d, 1, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd1 >= 0, "EXPBUF 1");
	CHECK(poll_one(fd0, POLLIN, 0) == 0,
	      "buffer 0 readable while its frame is in flight");
	CHECK(poll_one(fd1, POLLIN, 0) == 0,
	      "buffer 1 readable while its frame is in flight");

	/* Frame 0 ends about 1 s after STREAMON: buffer 1 still in flight */
	CHECK(poll_one(fd0, POLLIN, 3000) == 1, "buffer 0 never readable");
	CHECK(poll_one(fd1, POLLIN, 0) == 0,
	      "buffer 1 readable together with buffer 0");

	CHECK(poll_one(fd1, POLLIN, 3000) == 1, "buffer 1 never readable");
	waited = now_ms() - start;
	diag("buffer 1 readable %llu ms after STREAMON",
	     (unsigned long long)waited);
	CHECK(waited >= 1500, "buffer 1 readable after %llu ms, before its frame",
	      (unsigned long long)waited);

	CHECK(!vdev_dqbuf(&d, &b, 0), "DQBUF after both fences signalled");
	CHECK(b.buf.index == 0 && !(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "DQBUF index %u flags %#x", b.buf.index, b.buf.flags);
	CHECK(!vdev_dqbuf(&d, &b, 0), "DQBUF buffer 1");
	CHECK(b.buf.index == 1 && !(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "DQBUF index %u flags %#x", b.buf.index, b.buf.flags);

	vdev_streamoff(&d);
	close(fd0);
	close(fd1);
	vdev_close(&d);
	check_no_pending_fences();
	return EXIT_PASS;
}
