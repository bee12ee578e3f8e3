// SPDX-License-Identifier: GPL-2.0
/*
 * in_fence_timeout: a sw_sync fence that is never signalled, imported into
 * a udmabuf, does not hang the capture: after in_fence_timeout_ms the buffer
 * is returned with V4L2_BUF_FLAG_ERROR (counted in in_fence_timeouts), the
 * next buffer is captured normally, and STREAMOFF/close work.
 */
#include "fences.h"

int main(void)
{
	uint64_t timeouts, start, took;
	struct dq_buf b;
	struct vdev d;
	int fd[2], timeline, in_fence, ret;
	unsigned int i;
	size_t size;

	test_init("in_fence_timeout");
	require_fences();
	timeline = sw_sync_timeline();

	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 30);
	size = page_align(d.sizeimage[0]);
	for (i = 0; i < 2; i++)
		fd[i] = udmabuf_alloc(size, NULL);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 2);
	CHECK(ret >= 2, "REQBUFS DMABUF 2 gave %d", ret);

	in_fence = sw_sync_fence(timeline, 1);
	import_sync_file(fd[0], DMA_BUF_SYNC_WRITE, in_fence);

	timeouts = dmabuf_counter("in_fence_timeouts");
	for (i = 0; i < 2; i++)
		CHECK(!vdev_qbuf(&d, i, &fd[i], NULL), "QBUF DMABUF %u", i);
	start = now_ms();
	vdev_streamon(&d);

	ret = vdev_dqbuf(&d, &b, 5000);
	took = now_ms() - start;
	CHECK(!ret, "DQBUF with a never signalled in-fence: %d", ret);
	diag("buffer %u returned after %llu ms, flags %#x", b.buf.index,
	     (unsigned long long)took, b.buf.flags);
	CHECK(b.buf.index == 0 && (b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "DQBUF index %u flags %#x, want 0 with ERROR", b.buf.index,
	      b.buf.flags);
	CHECK(took >= 900, "failed after %llu ms, before the 1 s timeout",
	      (unsigned long long)took);
	CHECK(dmabuf_counter("in_fence_timeouts") == timeouts + 1,
	      "in_fence_timeouts rose by %llu, want 1",
	      (unsigned long long)(dmabuf_counter("in_fence_timeouts") -
				   timeouts));

	ret = vdev_dqbuf(&d, &b, 2000);
	CHECK(!ret && b.buf.index == 1 && !(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "next buffer: ret %d index %u flags %#x", ret, b.buf.index,
	      b.buf.flags);

	vdev_streamoff(&d);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS 0");
	/* Unblocks the udmabuf's other users; ours gave up long ago */
	sw_sync_inc(timeline, 1);
	close(in_fence);
	close(timeline);
	close(fd[0]);
	close(fd[1]);
	vdev_close(&d);
	check_no_pending_fences();
	return EXIT_PASS;
}
