// SPDX-License-Identifier: GPL-2.0
/* Wait for a frame through its implicit fence: ./out-fence [/dev/videoN] */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>
#include "example.h"

int main(int argc, char **argv)
{
	int fd = open(argc > 1 ? argv[1] : "/dev/video0", O_RDWR);
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_requestbuffers req = {
		.count = 1, .type = type, .memory = V4L2_MEMORY_MMAP,
	};
	struct v4l2_buffer buf = { .type = type, .memory = V4L2_MEMORY_MMAP };
	struct v4l2_exportbuffer exp = { .type = type, .flags = O_RDWR };
	struct dma_buf_export_sync_file sync = { .flags = DMA_BUF_SYNC_READ };
	struct pollfd pfd = { .events = POLLIN };

	CHECK(fd);
	CHECK(ioctl(fd, VIDIOC_REQBUFS, &req));
	CHECK(ioctl(fd, VIDIOC_EXPBUF, &exp));
	CHECK(ioctl(fd, VIDIOC_QBUF, &buf));
	CHECK(ioctl(fd, VIDIOC_STREAMON, &type));
	/* The driver owns the buffer now: its dma-buf carries our fence. */
	CHECK(ioctl(exp.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &sync));
	pfd.fd = sync.fd;
	CHECK(poll(&pfd, 1, 5000));	/* a sync_file: any fence API takes it */
	CHECK(ioctl(fd, VIDIOC_DQBUF, &buf));	/* ready: does not block */
	printf("fence %s, then frame %u\n",
	       pfd.revents & POLLIN ? "signalled" : "timed out", buf.sequence);
	return !(pfd.revents & POLLIN);
}
