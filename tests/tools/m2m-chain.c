// SPDX-License-Identifier: GPL-2.0
/*
 * m2m-chain: a capture node's frames through a memory-to-memory converter,
 * as dma-bufs only, then one converted frame checked against the CPU's
 * conversion of a reference frame.
 *
 *   m2m-chain CAPTURE-DEV M2M-DEV WIDTH HEIGHT SECONDS REF.yuyv OUT.raw
 *
 * The capture node fills its own YUYV buffers (MMAP); each is exported
 * once (VIDIOC_EXPBUF) and every captured frame is queued by its dma-buf
 * fd on the m2m node's OUTPUT queue (V4L2_MEMORY_DMABUF), which converts
 * it into its own XRGB32 buffers (V4L2 'BX24', bytes X R G B); the capture
 * buffer goes back to the camera when the converter is done with it. No
 * frame is mapped for the CPU while this runs, for SECONDS seconds (a
 * progress line every second). Then the last converted frame is kept out
 * of the queue, read once through its exported dma-buf (one CPU mapping,
 * DMA_BUF_IOCTL_SYNC brackets), written to OUT.raw and compared, byte for
 * byte, with REF.yuyv (the camera's frame captured the plain V4L2 way: its
 * test pattern is static) converted here with the formula vivbuf's README
 * documents (BT.601, limited-range Y'CbCr to full-range R'G'B').
 *
 * Single-planar nodes. Exit 0, or 1 with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#include "util.h"

#define NUM_BUFFERS	4

enum { CAM, SRC, DST };		/* camera, m2m OUTPUT, m2m CAPTURE */

struct queue {
	const char *name;
	int fd;
	enum v4l2_buf_type type;
	enum v4l2_memory memory;
	uint32_t fourcc, sizeimage;
};



static int open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

/* The frames have no padding: OUT.raw and REF.yuyv are bare pixels. */
static void set_format(struct queue *q, uint32_t width, uint32_t height,
		       unsigned int bpp)
{
	struct v4l2_format fmt = { .type = q->type };

	fmt.fmt.pix.width = width;
	fmt.fmt.pix.height = height;
	fmt.fmt.pix.pixelformat = q->fourcc;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(q->fd, VIDIOC_S_FMT, &fmt))
		die("%s: S_FMT %.4s %ux%u: %s", q->name, (char *)&q->fourcc,
		    width, height, strerror(errno));
	if (fmt.fmt.pix.pixelformat != q->fourcc ||
	    fmt.fmt.pix.width != width || fmt.fmt.pix.height != height ||
	    fmt.fmt.pix.bytesperline != width * bpp)
		die("%s: got %.4s %ux%u, %u bytes a line", q->name,
		    (char *)&fmt.fmt.pix.pixelformat, fmt.fmt.pix.width,
		    fmt.fmt.pix.height, fmt.fmt.pix.bytesperline);
	q->sizeimage = fmt.fmt.pix.sizeimage;
}

static void reqbufs(struct queue *q, unsigned int count)
{
	struct v4l2_requestbuffers req = {
		.count = count,
		.type = q->type,
		.memory = q->memory,
	};

	if (xioctl(q->fd, VIDIOC_REQBUFS, &req))
		die("%s: REQBUFS %u: %s", q->name, count, strerror(errno));
	if (req.count < count)
		die("%s: REQBUFS %u gave %u buffers", q->name, count,
		    req.count);
}

static int expbuf(struct queue *q, unsigned int index)
{
	struct v4l2_exportbuffer exp = {
		.type = q->type,
		.index = index,
		.flags = O_RDWR | O_CLOEXEC,
	};

	if (xioctl(q->fd, VIDIOC_EXPBUF, &exp))
		die("%s: EXPBUF %u: %s", q->name, index, strerror(errno));
	return exp.fd;
}

/* @dmabuf: the fd to queue on a DMABUF queue */
static void qbuf(struct queue *q, unsigned int index, int dmabuf)
{
	struct v4l2_buffer b = {
		.type = q->type,
		.memory = q->memory,
		.index = index,
	};

	if (q->memory == V4L2_MEMORY_DMABUF) {
		b.m.fd = dmabuf;
		b.length = q->sizeimage;
		b.bytesused = q->sizeimage;
	}
	if (xioctl(q->fd, VIDIOC_QBUF, &b))
		die("%s: QBUF %u: %s", q->name, index, strerror(errno));
}

/* A done buffer's index, or -1 when none is done yet. */
static int dqbuf(struct queue *q)
{
	struct v4l2_buffer b = { .type = q->type, .memory = q->memory };

	if (xioctl(q->fd, VIDIOC_DQBUF, &b)) {
		if (errno == EAGAIN)
			return -1;
		die("%s: DQBUF: %s", q->name, strerror(errno));
	}
	if (b.flags & V4L2_BUF_FLAG_ERROR)
		die("%s: buffer %u came back with V4L2_BUF_FLAG_ERROR",
		    q->name, b.index);
	return b.index;
}

static void stream(struct queue *q, unsigned long request)
{
	int type = q->type;

	if (xioctl(q->fd, request, &type))
		die("%s: STREAM%s: %s", q->name,
		    request == VIDIOC_STREAMON ? "ON" : "OFF", strerror(errno));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t clamp(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : v;
}

/*
 * vivbuf's documented YUYV -> XRGB32: BT.601, Y'CbCr limited range to
 * R'G'B' full range; ">> 8" of a negative value is the floor (gcc's
 * arithmetic shift), as docs/vivbuf.md specifies.
 */
static void yuyv_to_xrgb32(const uint8_t *yuyv, uint8_t *xrgb, size_t pixels)
{
	size_t i;

	for (i = 0; i < pixels; i += 2, yuyv += 4) {
		int d = yuyv[1] - 128, e = yuyv[3] - 128;
		unsigned int k;

		for (k = 0; k < 2; k++, xrgb += 4) {
			int c = yuyv[2 * k] - 16;

			xrgb[0] = 0;
			xrgb[1] = clamp((298 * c + 409 * e + 128) >> 8);
			xrgb[2] = clamp((298 * c - 100 * d - 208 * e + 128) >> 8);
			xrgb[3] = clamp((298 * c + 516 * d + 128) >> 8);
		}
	}
}

static void *read_file(const char *path, size_t size)
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

/* Reads @size bytes of a dma-buf, the one CPU mapping of the run. */
static void read_dmabuf(int fd, void *dst, size_t size)
{
	struct dma_buf_sync sync = {
		.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
	};
	void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

	if (map == MAP_FAILED)
		die("mmap of a converted frame's dma-buf: %s", strerror(errno));
	if (xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync))
		die("DMA_BUF_IOCTL_SYNC start: %s", strerror(errno));
	memcpy(dst, map, size);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	if (xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync))
		die("DMA_BUF_IOCTL_SYNC end: %s", strerror(errno));
	munmap(map, size);
}

/* The converted frame against the CPU's conversion of @ref_path. */
static void check_frame(const uint8_t *got, const char *ref_path,
			uint32_t width, uint32_t height)
{
	size_t pixels = (size_t)width * height, i;
	uint8_t *yuyv = read_file(ref_path, pixels * 2);
	uint8_t *want = malloc(pixels * 4);
	size_t bad = 0, first = 0;

	if (!want)
		die("out of memory");
	yuyv_to_xrgb32(yuyv, want, pixels);
	for (i = 0; i < pixels * 4; i++) {
		if (got[i] != want[i] && !bad++)
			first = i;
	}
	if (bad)
		die("the converted frame differs from the CPU's conversion of %s in %zu bytes, first at pixel (%zu, %zu) byte %zu: %u, want %u",
		    ref_path, bad, first / 4 % width, first / 4 / width,
		    first % 4, got[first], want[first]);
	printf("the converted frame is the CPU's conversion of %s, byte for byte\n",
	       ref_path);
	free(want);
	free(yuyv);
}

int main(int argc, char **argv)
{
	struct queue q[3] = {
		[CAM] = { "capture", -1, V4L2_BUF_TYPE_VIDEO_CAPTURE,
			  V4L2_MEMORY_MMAP, V4L2_PIX_FMT_YUYV },
		[SRC] = { "m2m OUTPUT", -1, V4L2_BUF_TYPE_VIDEO_OUTPUT,
			  V4L2_MEMORY_DMABUF, V4L2_PIX_FMT_YUYV },
		[DST] = { "m2m CAPTURE", -1, V4L2_BUF_TYPE_VIDEO_CAPTURE,
			  V4L2_MEMORY_MMAP, V4L2_PIX_FMT_XRGB32 },
	};
	int cam_fds[NUM_BUFFERS], dst_fds[NUM_BUFFERS];
	unsigned long captured = 0, converted = 0;
	double start, end, next_line;
	uint32_t width, height;
	int last = -1, i;
	uint8_t *frame;
	FILE *out;

	if (argc != 8)
		die("usage: m2m-chain CAPTURE-DEV M2M-DEV WIDTH HEIGHT SECONDS REF.yuyv OUT.raw");
	width = strtoul(argv[3], NULL, 0);
	height = strtoul(argv[4], NULL, 0);
	q[CAM].fd = open_node(argv[1]);
	q[SRC].fd = q[DST].fd = open_node(argv[2]);

	set_format(&q[CAM], width, height, 2);
	/* The OUTPUT format sets the CAPTURE size; then its pixel format */
	set_format(&q[SRC], width, height, 2);
	set_format(&q[DST], width, height, 4);
	if (q[SRC].sizeimage < q[CAM].sizeimage)
		die("the m2m node takes %u bytes a frame, the camera gives %u",
		    q[SRC].sizeimage, q[CAM].sizeimage);
	/* The converter's sources are the camera's buffers, by index */
	q[SRC].sizeimage = q[CAM].sizeimage;

	for (i = 0; i < 3; i++)
		reqbufs(&q[i], NUM_BUFFERS);
	for (i = 0; i < NUM_BUFFERS; i++) {
		cam_fds[i] = expbuf(&q[CAM], i);
		dst_fds[i] = expbuf(&q[DST], i);
		qbuf(&q[CAM], i, -1);
		qbuf(&q[DST], i, -1);
	}
	stream(&q[DST], VIDIOC_STREAMON);
	stream(&q[SRC], VIDIOC_STREAMON);
	stream(&q[CAM], VIDIOC_STREAMON);

	start = now();
	end = start + strtod(argv[5], NULL);
	next_line = start + 1;
	/* Until the end, then until the converter hands back one more frame */
	while (now() < end || last < 0) {
		struct pollfd pfd[2] = {
			{ .fd = q[CAM].fd, .events = POLLIN },
			{ .fd = q[SRC].fd, .events = POLLIN | POLLOUT },
		};
		int n = poll(pfd, 2, 5000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("no buffer done in 5 s (%s; %lu captured, %lu converted)",
			    n ? strerror(errno) : "timeout", captured, converted);
		while ((i = dqbuf(&q[CAM])) >= 0) {
			qbuf(&q[SRC], i, cam_fds[i]);
			captured++;
		}
		/* The converter is done reading: back to the camera */
		while ((i = dqbuf(&q[SRC])) >= 0)
			qbuf(&q[CAM], i, -1);
		while (last < 0 && (i = dqbuf(&q[DST])) >= 0) {
			converted++;
			if (now() >= end)
				last = i;	/* kept for the check */
			else
				qbuf(&q[DST], i, -1);
		}
		if (now() >= next_line) {
			printf("%.0f s: %lu frames captured, %lu converted\n",
			       now() - start, captured, converted);
			fflush(stdout);
			next_line += 1;
		}
	}
	stream(&q[CAM], VIDIOC_STREAMOFF);
	stream(&q[SRC], VIDIOC_STREAMOFF);
	stream(&q[DST], VIDIOC_STREAMOFF);
	printf("%lu frames captured, %lu converted in %.1f s\n", captured,
	       converted, now() - start);

	frame = malloc(q[DST].sizeimage);
	if (!frame)
		die("out of memory");
	read_dmabuf(dst_fds[last], frame, q[DST].sizeimage);
	out = fopen(argv[7], "wb");
	if (!out || fwrite(frame, q[DST].sizeimage, 1, out) != 1 || fclose(out))
		die("cannot write %s", argv[7]);
	check_frame(frame, argv[6], width, height);
	free(frame);

	for (i = 0; i < NUM_BUFFERS; i++) {
		close(cam_fds[i]);
		close(dst_fds[i]);
	}
	for (i = 0; i < 3; i++)
		reqbufs(&q[i], 0);
	close(q[CAM].fd);
	close(q[SRC].fd);
	return 0;
}
