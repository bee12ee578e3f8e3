// SPDX-License-Identifier: GPL-2.0
/*
 * output_read_fence: while vivbuf's output node owns a buffer, the buffer's
 * dma-buf carries our fence with read usage: the device only reads it.
 * DMA_BUF_IOCTL_EXPORT_SYNC_FILE for a writer (DMA_BUF_SYNC_WRITE) gives an
 * active sync_file, one for a reader (DMA_BUF_SYNC_READ) a signalled one,
 * and poll() on the dma-buf agrees (POLLOUT waits, POLLIN does not). The
 * writer's sync_file signals, with success, when the frame has been
 * displayed, and DQBUF then returns the buffer at once.
 */
#include "fences.h"

int main(void)
{
	int fd1, write_fd, read_fd, status;
	struct dq_buf b;
	struct vdev d;
	bool got = false;
	int ret;

	test_init("output_read_fence");
	require_fences();
	vdev_open_output(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 5);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 2);
	CHECK(ret >= 2, "REQBUFS MMAP 2 gave %d", ret);
	fd1 = vdev_expbuf(&d, 1, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd1 >= 0, "EXPBUF 1");

	/* Idle: no fence of ours, a writer need not wait */
	write_fd = export_sync_file(fd1, DMA_BUF_SYNC_WRITE);
	CHECK(sync_file_status(write_fd) == 1,
	      "idle buffer: writer's sync_file is not signalled");
	close(write_fd);

	CHECK(!vdev_qbuf(&d, 0, NULL, NULL), "QBUF 0");
	CHECK(!vdev_qbuf(&d, 1, NULL, NULL), "QBUF 1");
	vdev_streamon(&d);

	/* Buffer 1 waits behind buffer 0: a frame interval at least */
	write_fd = export_sync_file(fd1, DMA_BUF_SYNC_WRITE);
	read_fd = export_sync_file(fd1, DMA_BUF_SYNC_READ);
	status = sync_file_status(write_fd);
	CHECK(status == 0, "writer's sync_file of a displayed buffer has status %d",
	      status);
	status = sync_file_status(read_fd);
	CHECK(status == 1, "reader's sync_file has status %d: our fence is not a read fence",
	      status);
	CHECK(poll_one(fd1, POLLIN, 0) == 1,
	      "poll(POLLIN) on the dma-buf waits for a read fence");
	CHECK(poll_one(fd1, POLLOUT, 0) == 0,
	      "poll(POLLOUT) on the dma-buf does not wait for our fence");

	CHECK(poll_one(write_fd, POLLIN, 3000) == 1,
	      "writer's sync_file never signalled");
	status = sync_file_status(write_fd);
	CHECK(status == 1, "writer's sync_file signalled with status %d", status);
	diag("read fence: a writer waited, a reader did not, signalled when done");

	/* Buffer 0 was displayed first; buffer 1 must be there too, right now */
	while (!got) {
		CHECK(!vdev_dqbuf(&d, &b, 0),
		      "DQBUF right after the sync_file signalled");
		CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
		      "buffer %u has the ERROR flag", b.buf.index);
		got = b.buf.index == 1;
	}

	vdev_streamoff(&d);
	close(read_fd);
	close(write_fd);
	close(fd1);
	vdev_close(&d);
	check_no_pending_fences();
	return EXIT_PASS;
}
