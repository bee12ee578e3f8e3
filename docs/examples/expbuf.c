// SPDX-License-Identifier: GPL-2.0
/* Export a capture buffer as a dma-buf: ./expbuf [/dev/videoN] */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/videodev2.h>
#include "example.h"

int main(int argc, char **argv)
{
	int fd = open(argc > 1 ? argv[1] : "/dev/video0", O_RDWR);
	struct v4l2_requestbuffers req = {
		.count = 2, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = V4L2_MEMORY_MMAP,
	};
	struct v4l2_exportbuffer exp = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .index = 0,
		.flags = O_RDWR | O_CLOEXEC,
	};
	struct stat st;

	CHECK(fd);
	CHECK(ioctl(fd, VIDIOC_REQBUFS, &req));
	CHECK(ioctl(fd, VIDIOC_EXPBUF, &exp));	/* exp.fd: a dma-buf */
	CHECK(fstat(exp.fd, &st));
	printf("buffer 0 is dma-buf fd %d (inode %lu, %ld bytes)\n", exp.fd,
	       (unsigned long)st.st_ino, (long)lseek(exp.fd, 0, SEEK_END));
	return 0;
}
