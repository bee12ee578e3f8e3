// SPDX-License-Identifier: GPL-2.0
/* Capture into a dma-buf from the system heap: ./qbuf-dmabuf [/dev/videoN] */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/dma-heap.h>
#include <linux/videodev2.h>
#include "example.h"

int main(int argc, char **argv)
{
	int fd = open(argc > 1 ? argv[1] : "/dev/video0", O_RDWR);
	int heap = open("/dev/dma_heap/system", O_RDWR);
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_format fmt = { .type = type };
	struct v4l2_requestbuffers req = {
		.count = 1, .type = type, .memory = V4L2_MEMORY_DMABUF,
	};
	struct dma_heap_allocation_data alloc = { .fd_flags = O_RDWR };
	struct v4l2_buffer buf = { .type = type, .memory = V4L2_MEMORY_DMABUF };

	CHECK(fd);
	CHECK(heap);
	CHECK(ioctl(fd, VIDIOC_G_FMT, &fmt));
	alloc.len = fmt.fmt.pix.sizeimage;	/* the dma-buf must hold a frame */
	CHECK(ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc));
	CHECK(ioctl(fd, VIDIOC_REQBUFS, &req));
	buf.m.fd = alloc.fd;
	CHECK(ioctl(fd, VIDIOC_QBUF, &buf));
	CHECK(ioctl(fd, VIDIOC_STREAMON, &type));
	CHECK(ioctl(fd, VIDIOC_DQBUF, &buf));	/* the frame is in alloc.fd */
	printf("frame %u: %u bytes in dma-buf fd %d\n", buf.sequence,
	       buf.bytesused, alloc.fd);
	return 0;
}
