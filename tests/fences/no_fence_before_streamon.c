// SPDX-License-Identifier: GPL-2.0
/*
 * no_fence_before_streamon: QBUF without STREAMON publishes no fence (the
 * buffer would wait on userspace, against the finite-time rule): the
 * exported dma-buf polls ready, EXPORT_SYNC_FILE gives a signalled
 * sync_file and fences_published does not move. STREAMON then publishes one
 * fence per queued buffer, and STREAMOFF signals them all.
 */
#include "fences.h"

int main(void)
{
	uint64_t published;
	struct vdev d;
	int fd[2], sync_fd, status;
	unsigned int i;

	test_init("no_fence_before_streamon");
	require_fences();
	mmap_setup(&d, 1, 2);
	published = dmabuf_counter("fences_published");

	for (i = 0; i < 2; i++) {
		qbuf_mmap(&d, i);
		fd[i] = vdev_expbuf(&d, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fd[i] >= 0, "EXPBUF %u", i);
	}
	/* Give a wrongly published fence time to show */
	usleep(200 * 1000);
	for (i = 0; i < 2; i++) {
		CHECK(poll_one(fd[i], POLLIN | POLLOUT, 0) == 1,
		      "queued, not streaming: buffer %u not ready", i);
		sync_fd = export_sync_file(fd[i], DMA_BUF_SYNC_RW);
		status = sync_file_status(sync_fd);
		CHECK(status == 1, "buffer %u: sync_file status %d, want 1",
		      i, status);
		close(sync_fd);
	}
	CHECK(dmabuf_counter("fences_published") == published,
	      "fences published by QBUF without STREAMON");

	vdev_streamon(&d);
	CHECK(dmabuf_counter("fences_published") == published + 2,
	      "STREAMON published %llu fences, want 2",
	      (unsigned long long)(dmabuf_counter("fences_published") -
				   published));
	CHECK(poll_one(fd[1], POLLIN, 0) == 0,
	      "buffer 1 ready right after STREAMON");
	vdev_streamoff(&d);
	CHECK(poll_one(fd[1], POLLIN, 0) == 1,
	      "buffer 1 not ready after STREAMOFF");

	close(fd[0]);
	close(fd[1]);
	vdev_close(&d);
	check_no_pending_fences();
	return EXIT_PASS;
}
