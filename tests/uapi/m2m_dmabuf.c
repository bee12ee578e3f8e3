// SPDX-License-Identifier: GPL-2.0
/*
 * m2m_dmabuf: vivbuf's memory-to-memory node converts frames between
 * udmabufs imported on both queues (V4L2_MEMORY_DMABUF). Known frames (a
 * pseudo-random pattern per frame, through every byte value) go through
 * YUYV -> XRGB32, XRGB32 -> YUYV and the same-format copies, several
 * buffers in flight; every byte of every converted frame must equal the
 * value computed here with the formula documented in docs/vivbuf.md (BT.601
 * limited range, integer math), the timestamp must be copied from the
 * source (V4L2_BUF_FLAG_TIMESTAMP_COPY) and the sequence numbers count
 * frames. Each imported plane is attached and mapped once, not per frame,
 * and REQBUFS(0) unmaps all of them (`imports`, `maps`, `unmaps`).
 * Instance 0's node uses the single-planar API, instance 1's the
 * multi-planar one.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	3
#define NUM_FRAMES	7
/* Neither a multiple of 16 nor of 4: stride and size mistakes show. */
#define M2M_WIDTH	322
#define M2M_HEIGHT	181
#define POISON		0xa5

/* Both queues of one open m2m node (they share the fd). */
struct m2m {
	struct vdev out;	/* OUTPUT: source frames */
	struct vdev cap;	/* CAPTURE: converted frames */
};

/* One queue's imported buffers, CPU-mapped through their memfds. */
struct side {
	struct import_buf buf[NUM_BUFFERS];
};

static void m2m_open(struct m2m *m, unsigned int instance)
{
	struct v4l2_capability caps;
	char path[32];
	uint32_t dcaps;
	int fd;

	fd = vdev_find_m2m(instance, path, sizeof(path), &caps);
	if (fd < 0)
		skip_test("no vivbuf m2m node for instance %u (vivbuf m2m=0?)",
			  instance);
	dcaps = caps.device_caps;
	CHECK(dcaps & V4L2_CAP_STREAMING, "%s: no STREAMING (caps %#x)", path,
	      dcaps);

	memset(m, 0, sizeof(*m));
	m->out.fd = fd;
	m->out.instance = instance;
	snprintf(m->out.path, sizeof(m->out.path), "%s", path);
	m->out.caps = caps;
	m->out.mplane = dcaps & V4L2_CAP_VIDEO_M2M_MPLANE;
	m->cap = m->out;
	m->out.type = m->out.mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
		      V4L2_BUF_TYPE_VIDEO_OUTPUT;
	m->cap.type = m->cap.mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
		      V4L2_BUF_TYPE_VIDEO_CAPTURE;
	diag("instance %u: %s, card \"%s\", %s", instance, path,
	     (const char *)caps.card,
	     m->out.mplane ? "multi-planar" : "single-planar");
}

static void m2m_close(struct m2m *m)
{
	m->out.fd = -1;		/* the fd is closed once, by the capture side */
	vdev_close(&m->out);
	vdev_close(&m->cap);
}

/* ---- the documented conversion, written independently of the driver -- */

static uint8_t clamp8(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* floor(v / 2^n) for any sign: what ">> n" means in the formulas */
static int floor_shift(int v, unsigned int n)
{
	int d = 1 << n;

	return v >= 0 ? v / d : -((-v + d - 1) / d);
}

static unsigned int bpp(uint32_t fourcc)
{
	return fourcc == V4L2_PIX_FMT_YUYV ? 2 : 4;
}

/* YUYV: Y0 Cb Y1 Cr; XRGB32: X R G B. Both sides are width * bpp per line. */
static void expected_frame(uint32_t src_fmt, const uint8_t *src,
			   uint32_t dst_fmt, uint8_t *dst,
			   unsigned int width, unsigned int height)
{
	size_t pairs = (size_t)width / 2 * height, n;
	int c, d, e, r, g, b, i;

	if (src_fmt == dst_fmt) {
		memcpy(dst, src, (size_t)width * height * bpp(src_fmt));
		return;
	}
	for (n = 0; n < pairs; n++) {
		if (src_fmt == V4L2_PIX_FMT_YUYV) {
			const uint8_t *s = src + 4 * n;
			uint8_t *o = dst + 8 * n;

			d = s[1] - 128;
			e = s[3] - 128;
			for (i = 0; i < 2; i++) {
				c = s[2 * i] - 16;
				o[4 * i] = 0;
				o[4 * i + 1] = clamp8(floor_shift(298 * c + 409 * e + 128, 8));
				o[4 * i + 2] = clamp8(floor_shift(298 * c - 100 * d - 208 * e + 128, 8));
				o[4 * i + 3] = clamp8(floor_shift(298 * c + 516 * d + 128, 8));
			}
		} else {
			const uint8_t *s = src + 8 * n;
			uint8_t *o = dst + 4 * n;

			for (i = 0; i < 2; i++)
				o[2 * i] = floor_shift(66 * s[4 * i + 1] + 129 * s[4 * i + 2] +
						       25 * s[4 * i + 3] + 128, 8) + 16;
			r = s[1] + s[5];
			g = s[2] + s[6];
			b = s[3] + s[7];
			o[1] = floor_shift(-38 * r - 74 * g + 112 * b + 256, 9) + 128;
			o[3] = floor_shift(112 * r - 94 * g - 18 * b + 256, 9) + 128;
		}
	}
}

/* Frame @frame's source content: xorshift32, so every byte value occurs. */
static void make_source(uint8_t *data, size_t size, unsigned int frame,
			uint32_t src_fmt)
{
	uint32_t x = 0x9e3779b9u ^ (frame * 0x85ebca6bu) ^ src_fmt;
	size_t i;

	for (i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = x >> 24;
	}
}

static struct timeval frame_timestamp(unsigned int frame)
{
	struct timeval tv = {
		.tv_sec = 1000 + frame,
		.tv_usec = 123456 + frame,
	};

	return tv;
}

/* ---- buffers ----------------------------------------------------------- */

static void alloc_side(struct vdev *d, struct side *s)
{
	unsigned int i;
	int memfd;

	for (i = 0; i < NUM_BUFFERS; i++) {
		struct import_buf *ib = &s->buf[i];

		ib->size[0] = page_align(d->sizeimage[0]);
		ib->fd[0] = udmabuf_alloc(ib->size[0], &memfd);
		ib->sync_fd[0] = ib->fd[0];
		ib->map[0] = mmap(NULL, ib->size[0], PROT_READ | PROT_WRITE,
				  MAP_SHARED, memfd, 0);
		CHECK(ib->map[0] != MAP_FAILED, "mmap memfd");
		close(memfd);
	}
}

static void free_side(struct side *s)
{
	unsigned int i;

	for (i = 0; i < NUM_BUFFERS; i++) {
		munmap(s->buf[i].map[0], s->buf[i].size[0]);
		close(s->buf[i].fd[0]);
	}
}

/*
 * CPU access to an imported buffer is bracketed with DMA_BUF_IOCTL_SYNC,
 * always DMA_BUF_SYNC_RW: udmabuf maps its pages for the CPU with the
 * direction of the first sync and the DMA API debug code objects when a
 * later one syncs in another (destination buffers are written, to poison
 * them, and read).
 */
static void cpu_sync(struct import_buf *ib, uint64_t start_or_end)
{
	int ret = dmabuf_sync(ib->sync_fd[0], start_or_end | DMA_BUF_SYNC_RW);

	CHECK(!ret, "SYNC %s|RW: %s",
	      start_or_end == DMA_BUF_SYNC_START ? "START" : "END",
	      strerrorname_np(-ret));
}

/* CPU writes to an imported buffer: a copy of @data, or @fill bytes. */
static void cpu_write(struct import_buf *ib, const void *data, int fill,
		      size_t size)
{
	cpu_sync(ib, DMA_BUF_SYNC_START);
	if (data)
		memcpy(ib->map[0], data, size);
	else
		memset(ib->map[0], fill, size);
	cpu_sync(ib, DMA_BUF_SYNC_END);
}

static void qbuf(struct vdev *d, struct import_buf *ib, unsigned int index,
		 uint32_t bytesused, const struct timeval *ts)
{
	struct v4l2_plane plane = {
		.bytesused = bytesused,
		.length = ib->size[0],
		.m.fd = ib->fd[0],
	};
	struct v4l2_buffer b = {
		.index = index,
		.type = d->type,
		.memory = V4L2_MEMORY_DMABUF,
		.field = V4L2_FIELD_NONE,
	};

	if (ts)
		b.timestamp = *ts;
	if (d->mplane) {
		b.m.planes = &plane;
		b.length = 1;
	} else {
		b.bytesused = bytesused;
		b.length = ib->size[0];
		b.m.fd = ib->fd[0];
	}
	CHECK(!xioctl(d->fd, VIDIOC_QBUF, &b), "QBUF %s index %u fd %d",
	      V4L2_TYPE_IS_OUTPUT(d->type) ? "OUTPUT" : "CAPTURE", index,
	      ib->fd[0]);
}

/* DQBUF of one queue, after poll() says it has a buffer done. */
static void dqbuf(struct vdev *d, struct dq_buf *out)
{
	bool output = V4L2_TYPE_IS_OUTPUT(d->type);
	struct pollfd pfd = {
		.fd = d->fd,
		.events = output ? POLLOUT : POLLIN,
	};
	int ret;

	do {
		ret = poll(&pfd, 1, DQBUF_TIMEOUT_MS);
	} while (ret == -1 && errno == EINTR);
	CHECK(ret == 1, "poll for a done %s buffer: %s",
	      output ? "OUTPUT" : "CAPTURE", ret ? "error" : "timed out");

	memset(out, 0, sizeof(*out));
	out->buf.type = d->type;
	out->buf.memory = V4L2_MEMORY_DMABUF;
	if (d->mplane) {
		out->buf.m.planes = out->planes;
		out->buf.length = VIDEO_MAX_PLANES;
	}
	CHECK(!xioctl(d->fd, VIDIOC_DQBUF, &out->buf), "DQBUF %s",
	      output ? "OUTPUT" : "CAPTURE");
}

/* Checks common to both queues' dequeued buffers of frame @frame. */
static void check_dequeued(struct vdev *d, const struct dq_buf *b,
			   const struct side *s, unsigned int frame)
{
	const char *what = V4L2_TYPE_IS_OUTPUT(d->type) ? "OUTPUT" : "CAPTURE";
	unsigned int index = frame % NUM_BUFFERS;
	int fd = d->mplane ? b->planes[0].m.fd : b->buf.m.fd;

	CHECK(!(b->buf.flags & V4L2_BUF_FLAG_ERROR),
	      "%s frame %u: ERROR flag", what, frame);
	CHECK(b->buf.index == index, "%s frame %u: index %u, want %u (FIFO)",
	      what, frame, b->buf.index, index);
	CHECK(fd == s->buf[index].fd[0], "%s frame %u: fd %d, queued %d",
	      what, frame, fd, s->buf[index].fd[0]);
	CHECK(b->buf.sequence == frame, "%s frame %u: sequence %u", what,
	      frame, b->buf.sequence);
	CHECK((b->buf.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) ==
	      V4L2_BUF_FLAG_TIMESTAMP_COPY,
	      "%s frame %u: flags %#x, want TIMESTAMP_COPY", what, frame,
	      b->buf.flags);
}

/* ---- one conversion -------------------------------------------------- */

static void run_conversion(struct m2m *m, uint32_t src_fmt, uint32_t dst_fmt)
{
	struct dmabuf_counters before, streamed;
	size_t src_size, dst_size;
	struct side src, dst;
	uint8_t *frames[NUM_FRAMES], *want;
	unsigned int k, i, next;
	struct timeval ts;
	struct dq_buf b;
	char what[64];
	int ret;

	diag("%.4s -> %.4s, %ux%u, %u frames in %u buffers",
	     (const char *)&src_fmt, (const char *)&dst_fmt, M2M_WIDTH,
	     M2M_HEIGHT, NUM_FRAMES, NUM_BUFFERS);
	vdev_set_format(&m->out, src_fmt, M2M_WIDTH, M2M_HEIGHT);
	vdev_set_format(&m->cap, dst_fmt, M2M_WIDTH, M2M_HEIGHT);
	src_size = (size_t)M2M_WIDTH * M2M_HEIGHT * bpp(src_fmt);
	dst_size = (size_t)M2M_WIDTH * M2M_HEIGHT * bpp(dst_fmt);
	CHECK(m->out.sizeimage[0] == src_size, "OUTPUT sizeimage %u, want %zu",
	      m->out.sizeimage[0], src_size);
	CHECK(m->cap.sizeimage[0] == dst_size, "CAPTURE sizeimage %u, want %zu",
	      m->cap.sizeimage[0], dst_size);

	for (k = 0; k < NUM_FRAMES; k++) {
		frames[k] = malloc(src_size);
		CHECK(frames[k], "malloc");
		make_source(frames[k], src_size, k, src_fmt);
	}
	want = malloc(dst_size);
	CHECK(want, "malloc");

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	alloc_side(&m->out, &src);
	alloc_side(&m->cap, &dst);

	dmabuf_counters_read(&before);
	ret = vdev_reqbufs(&m->out, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS OUTPUT DMABUF %u: %d", NUM_BUFFERS, ret);
	ret = vdev_reqbufs(&m->cap, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS CAPTURE DMABUF %u: %d", NUM_BUFFERS, ret);

	for (i = 0; i < NUM_BUFFERS; i++) {
		cpu_write(&src.buf[i], frames[i], 0, src_size);
		cpu_write(&dst.buf[i], NULL, POISON, dst.buf[i].size[0]);
		ts = frame_timestamp(i);
		qbuf(&m->out, &src.buf[i], i, src_size, &ts);
		qbuf(&m->cap, &dst.buf[i], i, 0, NULL);
	}
	vdev_streamon(&m->out);
	vdev_streamon(&m->cap);

	for (k = 0; k < NUM_FRAMES; k++) {
		i = k % NUM_BUFFERS;

		dqbuf(&m->cap, &b);
		check_dequeued(&m->cap, &b, &dst, k);
		CHECK(dq_bytesused(&m->cap, &b, 0) == dst_size,
		      "CAPTURE frame %u: bytesused %u, want %zu", k,
		      dq_bytesused(&m->cap, &b, 0), dst_size);
		ts = frame_timestamp(k);
		CHECK(b.buf.timestamp.tv_sec == ts.tv_sec &&
		      b.buf.timestamp.tv_usec == ts.tv_usec,
		      "CAPTURE frame %u: timestamp %ld.%06ld, source's %ld.%06ld",
		      k, (long)b.buf.timestamp.tv_sec,
		      (long)b.buf.timestamp.tv_usec, (long)ts.tv_sec,
		      (long)ts.tv_usec);

		expected_frame(src_fmt, frames[k], dst_fmt, want, M2M_WIDTH,
			       M2M_HEIGHT);
		cpu_sync(&dst.buf[i], DMA_BUF_SYNC_START);
		snprintf(what, sizeof(what), "%.4s -> %.4s frame %u",
			 (const char *)&src_fmt, (const char *)&dst_fmt, k);
		CHECK(buffers_match(what, dst.buf[i].map[0], want, dst_size),
		      "converted frame differs from the documented formula");
		/* The driver writes sizeimage bytes, not one more */
		CHECK(dst.buf[i].size[0] == dst_size ||
		      ((uint8_t *)dst.buf[i].map[0])[dst_size] == POISON,
		      "frame %u: byte after sizeimage overwritten", k);
		cpu_sync(&dst.buf[i], DMA_BUF_SYNC_END);

		dqbuf(&m->out, &b);
		check_dequeued(&m->out, &b, &src, k);

		next = k + NUM_BUFFERS;
		if (next >= NUM_FRAMES)
			continue;
		cpu_write(&src.buf[i], frames[next], 0, src_size);
		cpu_write(&dst.buf[i], NULL, POISON, dst.buf[i].size[0]);
		ts = frame_timestamp(next);
		qbuf(&m->out, &src.buf[i], i, src_size, &ts);
		qbuf(&m->cap, &dst.buf[i], i, 0, NULL);
	}
	diag("%u frames match the formula byte for byte", NUM_FRAMES);

	vdev_streamoff(&m->cap);
	vdev_streamoff(&m->out);
	dmabuf_counters_read(&streamed);

	/* Both queues' imports count: free the OUTPUT side first. */
	CHECK(vdev_reqbufs(&m->out, V4L2_MEMORY_DMABUF, 0) == 0,
	      "REQBUFS OUTPUT DMABUF 0");
	check_import_counters(&m->cap, 2 * NUM_BUFFERS, NUM_FRAMES, &before,
			      &streamed);

	free_side(&src);
	free_side(&dst);
	for (k = 0; k < NUM_FRAMES; k++)
		free(frames[k]);
	free(want);
}

static void check_node(unsigned int instance)
{
	static const uint32_t conversions[][2] = {
		{ V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_XRGB32 },
		{ V4L2_PIX_FMT_XRGB32, V4L2_PIX_FMT_YUYV },
		{ V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_YUYV },
		{ V4L2_PIX_FMT_XRGB32, V4L2_PIX_FMT_XRGB32 },
	};
	struct m2m m;
	unsigned int i;

	m2m_open(&m, instance);
	for (i = 0; i < ARRAY_SIZE(conversions); i++)
		run_conversion(&m, conversions[i][0], conversions[i][1]);
	m2m_close(&m);
}

int main(void)
{
	test_init("m2m_dmabuf");
	check_node(0);
	check_node(1);
	return EXIT_PASS;
}
