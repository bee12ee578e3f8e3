// SPDX-License-Identifier: GPL-2.0
/*
 * loop-push: show one still image on a V4L2 output node, over and over,
 * from buffers that are not the driver's own.
 *
 *   loop-push DEVICE RAW-FILE WIDTH HEIGHT
 *
 * The image is a raw XR24 frame (V4L2_PIX_FMT_XBGR32, bytes B G R X, the
 * DRM XRGB8888 of kms-grab --from-raw), e.g. one frame of GStreamer's
 * videotestsrc in BGRx. It is written once into each of a few buffers from
 * the system dma-heap, which are queued with V4L2_MEMORY_DMABUF and
 * requeued as the node hands them back, until SIGINT or SIGTERM. So the
 * node's allocator never maps a frame for the CPU: on vivbuf, whose capture
 * node loops back what its output node displays, `make demo DEMO=loopback`
 * can still require cpu_maps not to move.
 *
 * Prints "streaming" once the node has displayed the first buffer, and the
 * number of buffers displayed at the end. Exit 0, or 1 with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/videodev2.h>

#include "util.h"

#define NUM_BUFFERS	4
#define HEAP		"/dev/dma_heap/system"



static void on_signal(int sig)
{
	(void)sig;
	tool_stop = 1;
}

/* The whole raw frame, which must be exactly @size bytes. */
static void *read_frame(const char *path, size_t size)
{
	uint8_t *buf = malloc(size + 1);
	size_t got = 0, n;
	FILE *f;

	if (!buf)
		die("out of memory");
	f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(buf + got, 1, size + 1 - got, f)) > 0)
		got += n;
	fclose(f);
	if (got != size)
		die("%s: %zu bytes, a %zu-byte frame expected", path, got, size);
	return buf;
}

/*
 * A dma-buf of @length bytes from the system heap holding the @size bytes
 * of @frame; the CPU writes it once, here.
 */
static int heap_buffer(int heap, const void *frame, size_t size,
		       size_t length)
{
	struct dma_heap_allocation_data alloc = {
		.len = length,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	struct dma_buf_sync sync = { 0 };
	void *map;

	if (xioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc))
		die(HEAP ": alloc %zu bytes: %s", length, strerror(errno));
	map = mmap(NULL, length, PROT_WRITE, MAP_SHARED, alloc.fd, 0);
	if (map == MAP_FAILED)
		die("mmap of a heap dma-buf: %s", strerror(errno));
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE;
	if (xioctl(alloc.fd, DMA_BUF_IOCTL_SYNC, &sync))
		die("DMA_BUF_IOCTL_SYNC start: %s", strerror(errno));
	memcpy(map, frame, size);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE;
	if (xioctl(alloc.fd, DMA_BUF_IOCTL_SYNC, &sync))
		die("DMA_BUF_IOCTL_SYNC end: %s", strerror(errno));
	munmap(map, length);
	return alloc.fd;
}

static void queue(int fd, unsigned int index, int dmabuf, size_t length,
		  size_t bytesused)
{
	struct v4l2_buffer b = {
		.index = index,
		.type = V4L2_BUF_TYPE_VIDEO_OUTPUT,
		.memory = V4L2_MEMORY_DMABUF,
		.m.fd = dmabuf,
		.length = length,
		.bytesused = bytesused,
	};

	if (xioctl(fd, VIDIOC_QBUF, &b))
		die("QBUF %u: %s", index, strerror(errno));
}

static void set_format(int fd, uint32_t width, uint32_t height,
		       struct v4l2_pix_format *pix)
{
	struct v4l2_format fmt = { .type = V4L2_BUF_TYPE_VIDEO_OUTPUT };

	fmt.fmt.pix.width = width;
	fmt.fmt.pix.height = height;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_XBGR32;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(fd, VIDIOC_S_FMT, &fmt))
		die("S_FMT XR24 %ux%u: %s", width, height, strerror(errno));
	*pix = fmt.fmt.pix;
	/* The raw file has no padding: the node must take it as it is */
	if (pix->pixelformat != V4L2_PIX_FMT_XBGR32 || pix->width != width ||
	    pix->height != height || pix->bytesperline != width * 4)
		die("the node wants %ux%u, %u bytes a line, fourcc %.4s",
		    pix->width, pix->height, pix->bytesperline,
		    (const char *)&pix->pixelformat);
}

int main(int argc, char **argv)
{
	struct v4l2_requestbuffers req = {
		.count = NUM_BUFFERS,
		.type = V4L2_BUF_TYPE_VIDEO_OUTPUT,
		.memory = V4L2_MEMORY_DMABUF,
	};
	int type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	int dmabufs[NUM_BUFFERS];
	struct v4l2_capability cap;
	struct v4l2_pix_format pix;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long displayed = 0;
	size_t length;
	unsigned int i;
	void *frame;
	int fd, heap;

	if (argc != 5)
		die("usage: loop-push DEVICE RAW-FILE WIDTH HEIGHT");
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fd = open(argv[1], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", argv[1], strerror(errno));
	if (xioctl(fd, VIDIOC_QUERYCAP, &cap))
		die("%s: QUERYCAP: %s", argv[1], strerror(errno));
	if (!((cap.capabilities & V4L2_CAP_DEVICE_CAPS ? cap.device_caps :
	       cap.capabilities) & V4L2_CAP_VIDEO_OUTPUT))
		die("%s is no single-planar video output node", argv[1]);
	set_format(fd, strtoul(argv[3], NULL, 0), strtoul(argv[4], NULL, 0),
		   &pix);
	frame = read_frame(argv[2], pix.sizeimage);

	heap = open(HEAP, O_RDONLY | O_CLOEXEC);
	if (heap < 0)
		die(HEAP ": %s", strerror(errno));
	length = (pix.sizeimage + getpagesize() - 1) & ~(size_t)(getpagesize() - 1);
	if (xioctl(fd, VIDIOC_REQBUFS, &req) || req.count < NUM_BUFFERS)
		die("REQBUFS %u DMABUF: %s", NUM_BUFFERS,
		    req.count ? "too few buffers" : strerror(errno));
	for (i = 0; i < NUM_BUFFERS; i++) {
		dmabufs[i] = heap_buffer(heap, frame, pix.sizeimage, length);
		queue(fd, i, dmabufs[i], length, pix.sizeimage);
	}
	free(frame);
	if (xioctl(fd, VIDIOC_STREAMON, &type))
		die("STREAMON: %s", strerror(errno));

	while (!tool_stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		struct v4l2_buffer b = {
			.type = V4L2_BUF_TYPE_VIDEO_OUTPUT,
			.memory = V4L2_MEMORY_DMABUF,
		};
		int n = poll(&pfd, 1, 5000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("no buffer displayed in 5 s (%s)",
			    n ? strerror(errno) : "timeout");
		if (xioctl(fd, VIDIOC_DQBUF, &b)) {
			if (errno == EAGAIN || (errno == EINTR && tool_stop))
				continue;
			die("DQBUF: %s", strerror(errno));
		}
		if (b.flags & V4L2_BUF_FLAG_ERROR)
			die("buffer %u came back with V4L2_BUF_FLAG_ERROR",
			    b.index);
		if (!displayed++) {
			printf("streaming\n");
			fflush(stdout);
		}
		queue(fd, b.index, dmabufs[b.index], length, pix.sizeimage);
	}

	if (xioctl(fd, VIDIOC_STREAMOFF, &type))
		die("STREAMOFF: %s", strerror(errno));
	req.count = 0;
	if (xioctl(fd, VIDIOC_REQBUFS, &req))
		die("REQBUFS 0: %s", strerror(errno));
	for (i = 0; i < NUM_BUFFERS; i++)
		close(dmabufs[i]);
	close(heap);
	close(fd);
	printf("%lu buffers displayed\n", displayed);
	return 0;
}
