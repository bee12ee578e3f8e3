// SPDX-License-Identifier: GPL-2.0
/*
 * out_fence_export_sync_file: DMA_BUF_IOCTL_EXPORT_SYNC_FILE on the dma-buf
 * of an in-flight capture buffer gives an active sync_file; it signals (with
 * success) when the frame is done, and DQBUF then returns that buffer at
 * once, without waiting.
 */
#include "fences.h"

int main(void)
{
	struct dq_buf b;
	struct vdev d;
	int fd1, sync_fd, status;
	bool got = false;

	test_init("out_fence_export_sync_file");
	require_fences();
	mmap_setup(&d, 5, 2);
	qbuf_mmap(&d, 0);
	qbuf_mmap(&d, 1);
	vdev_streamon(&d);

	fd1 = vdev_expbuf(&d, 1, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd1 >= 0, "EXPBUF 1");
	sync_fd = export_sync_file(fd1, DMA_BUF_SYNC_READ);
	status = sync_file_status(sync_fd);
	CHECK(status == 0, "sync_file of an in-flight buffer has status %d",
	      status);

	CHECK(poll_one(sync_fd, POLLIN, 3000) == 1, "sync_file never signalled");
	status = sync_file_status(sync_fd);
	CHECK(status == 1, "sync_file signalled with status %d", status);

	/* Buffer 0 finished first; buffer 1 must be there too, right now */
	while (!got) {
		CHECK(!vdev_dqbuf(&d, &b, 0),
		      "DQBUF right after the sync_file signalled");
		CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
		      "buffer %u has the ERROR flag", b.buf.index);
		got = b.buf.index == 1;
	}

	vdev_streamoff(&d);
	close(sync_fd);
	close(fd1);
	vdev_close(&d);
	check_no_pending_fences();
	return EXIT_PASS;
}
