// SPDX-License-Identifier: GPL-2.0
/*
 * unbind_m2m_streaming: a context of vivbuf's memory-to-memory node streams
 * (YUYV copied to YUYV) with MMAP buffers on both queues, all of them
 * mapped through the node, capture buffer 0 also exported and mapped
 * through its dma-buf. With buffers queued again, the instance's platform
 * device is unbound from the driver through sysfs. The driver cancels the
 * context's job and stops and frees its queues, as vb2 does for the
 * capture and output nodes, so that no DMA mapping of the device outlives
 * the driver (DMA-API debugging would report "pending DMA allocations
 * while released from device", a splat). The still open m2m fd must answer
 * ENODEV; the exported dma-buf must stay valid, its fences signalled, and
 * hold the frame it held; the node's mappings too. Once everything is
 * closed the allocator holds nothing more than before; the device is bound
 * again and its new m2m node converts frames.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lifetime.h"

#define DRIVER_DIR	"/sys/bus/platform/drivers/vivbuf"
#define NODE_WAIT_MS	5000
#define INSTANCE	0
#define M2M_WIDTH	320
#define M2M_HEIGHT	240
#define EXPORTED	0	/* the capture buffer exported */

static char pdev[64];
static bool unbound;

/* Both queues of one open m2m file (they share the fd). */
struct m2m {
	struct vdev out;	/* OUTPUT: source frames */
	struct vdev cap;	/* CAPTURE: converted frames */
};

/* Also after a failed check: the next tests need the device. */
static void rebind(void)
{
	if (unbound && sysfs_write(DRIVER_DIR "/bind", pdev))
		diag("could not bind %s again", pdev);
	unbound = false;
}

/* The m2m node of INSTANCE, waiting up to @timeout_ms for it; or false. */
static bool m2m_open(struct m2m *m, unsigned int timeout_ms)
{
	unsigned int waited = 0;

	while (!vdev_open_m2m(&m->out, &m->cap, INSTANCE)) {
		if (waited >= timeout_ms)
			return false;
		usleep(50 * 1000);
		waited += 50;
	}
	diag("instance %u: %s, card \"%s\", %s", INSTANCE, m->cap.path,
	     (const char *)m->cap.caps.card,
	     m->cap.mplane ? "multi-planar" : "single-planar");
	return true;
}

static void m2m_close(struct m2m *m)
{
	vdev_unmap_buffers(&m->out);
	m->out.fd = -1;		/* the fd is closed once, by the capture side */
	vdev_close(&m->cap);
}

/* Source frame @index: xorshift32, every byte value, one pattern each. */
static void make_pattern(uint8_t *data, size_t size, unsigned int index)
{
	uint32_t x = 0x9e3779b9u ^ ((index + 1) * 0x85ebca6bu);
	size_t i;

	for (i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = x >> 24;
	}
}

/*
 * YUYV to YUYV at M2M_WIDTH x M2M_HEIGHT, LT_BUFFERS MMAP buffers on each
 * queue, all mapped through the node; source buffer i holds @patterns[i].
 * Every buffer is queued and both queues stream.
 */
static void m2m_start(struct m2m *m, uint8_t *const *patterns)
{
	unsigned int i;
	int n, ret;

	vdev_set_format(&m->out, V4L2_PIX_FMT_YUYV, M2M_WIDTH, M2M_HEIGHT);
	vdev_set_format(&m->cap, V4L2_PIX_FMT_YUYV, M2M_WIDTH, M2M_HEIGHT);
	CHECK(m->out.num_planes == 1 && m->cap.num_planes == 1,
	      "YUYV with %u and %u planes", m->out.num_planes,
	      m->cap.num_planes);
	CHECK(m->out.sizeimage[0] == m->cap.sizeimage[0],
	      "sizeimage OUTPUT %u, CAPTURE %u", m->out.sizeimage[0],
	      m->cap.sizeimage[0]);
	n = vdev_reqbufs(&m->out, V4L2_MEMORY_MMAP, LT_BUFFERS);
	CHECK(n >= LT_BUFFERS, "REQBUFS OUTPUT MMAP %u: %d", LT_BUFFERS, n);
	n = vdev_reqbufs(&m->cap, V4L2_MEMORY_MMAP, LT_BUFFERS);
	CHECK(n >= LT_BUFFERS, "REQBUFS CAPTURE MMAP %u: %d", LT_BUFFERS, n);
	vdev_mmap_buffers(&m->out, PROT_READ | PROT_WRITE);
	vdev_mmap_buffers(&m->cap, PROT_READ);

	for (i = 0; i < LT_BUFFERS; i++) {
		memcpy(m->out.map[i][0].addr, patterns[i], m->out.sizeimage[0]);
		ret = vdev_qbuf(&m->out, i, NULL, NULL);
		CHECK(!ret, "QBUF OUTPUT %u: %s", i, strerrorname_np(-ret));
		ret = vdev_qbuf(&m->cap, i, NULL, NULL);
		CHECK(!ret, "QBUF CAPTURE %u: %s", i, strerrorname_np(-ret));
	}
	vdev_streamon(&m->out);
	vdev_streamon(&m->cap);
}

/*
 * Dequeue frame @frame from both queues and check it: buffers come back
 * in the order queued, capture buffer i holds a copy of source buffer i.
 * Returns the index; the buffers are not queued again.
 */
static unsigned int m2m_dequeue(struct m2m *m, uint8_t *const *patterns,
				unsigned int frame)
{
	unsigned int want = frame % LT_BUFFERS;
	struct dq_buf b;
	char what[48];
	int ret;

	ret = vdev_dqbuf(&m->cap, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF CAPTURE, frame %u: %s", frame, strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "CAPTURE frame %u: buffer %u has the ERROR flag", frame,
	      b.buf.index);
	CHECK(b.buf.index == want, "CAPTURE frame %u: buffer %u, want %u",
	      frame, b.buf.index, want);
	CHECK(dq_bytesused(&m->cap, &b, 0) == m->cap.sizeimage[0],
	      "CAPTURE frame %u: bytesused %u, want %u", frame,
	      dq_bytesused(&m->cap, &b, 0), m->cap.sizeimage[0]);
	snprintf(what, sizeof(what), "frame %u in capture buffer %u", frame,
		 want);
	CHECK(buffers_match(what, m->cap.map[want][0].addr, patterns[want],
			    m->cap.sizeimage[0]),
	      "YUYV -> YUYV is not a copy of the source");

	ret = vdev_dqbuf(&m->out, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF OUTPUT, frame %u: %s", frame, strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "OUTPUT frame %u: buffer %u has the ERROR flag", frame,
	      b.buf.index);
	CHECK(b.buf.index == want, "OUTPUT frame %u: buffer %u, want %u",
	      frame, b.buf.index, want);
	return want;
}

static void m2m_requeue(struct m2m *m, unsigned int index)
{
	int ret;

	ret = vdev_qbuf(&m->out, index, NULL, NULL);
	CHECK(!ret, "QBUF OUTPUT %u: %s", index, strerrorname_np(-ret));
	ret = vdev_qbuf(&m->cap, index, NULL, NULL);
	CHECK(!ret, "QBUF CAPTURE %u: %s", index, strerrorname_np(-ret));
}

/* How many of @d's first LT_BUFFERS buffers the driver or vb2 holds. */
static unsigned int buffers_busy(struct vdev *d)
{
	unsigned int i, busy = 0;
	struct dq_buf b;

	for (i = 0; i < LT_BUFFERS; i++)
		if (!vdev_querybuf(d, i, &b) &&
		    (b.buf.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE)))
			busy++;
	return busy;
}

/* The exported buffer, read through the mapping @map, synced for it. */
static uint64_t read_exported(int fd, const uint8_t *map, size_t size,
			      const uint8_t *pattern, size_t sizeimage,
			      const char *when)
{
	uint64_t sum;
	int ret;

	ret = dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC START|READ %s: %s", when, strerrorname_np(-ret));
	CHECK(buffers_match(when, map, pattern, sizeimage),
	      "the exported capture buffer does not hold its frame %s", when);
	sum = buffer_checksum(map, size);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC END|READ %s: %s", when, strerrorname_np(-ret));
	return sum;
}

static void check_enodev(struct m2m *m)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_capability caps;
	struct v4l2_buffer b;
	struct vdev *q[] = { &m->out, &m->cap };
	unsigned int i;
	int ret;

	CHECK(xioctl(m->cap.fd, VIDIOC_QUERYCAP, &caps) && errno == ENODEV,
	      "QUERYCAP on the unbound m2m node: want ENODEV");
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		memset(&b, 0, sizeof(b));
		b.type = q[i]->type;
		b.memory = V4L2_MEMORY_MMAP;
		if (q[i]->mplane) {
			b.m.planes = planes;
			b.length = VIDEO_MAX_PLANES;
		}
		CHECK(xioctl(q[i]->fd, VIDIOC_DQBUF, &b) && errno == ENODEV,
		      "DQBUF %s on the unbound m2m node: want ENODEV",
		      buf_type_name(q[i]->type));
	}
	ret = vdev_expbuf(&m->cap, EXPORTED, 0, O_RDWR | O_CLOEXEC);
	if (ret >= 0)
		close(ret);
	CHECK(ret == -ENODEV, "EXPBUF on the unbound m2m node: %s, want ENODEV",
	      ret >= 0 ? "an fd" : strerrorname_np(-ret));
	diag("the open m2m fd answers ENODEV (QUERYCAP, DQBUF on both queues, EXPBUF)");
}

int main(void)
{
	uint8_t *patterns[LT_BUFFERS];
	struct dmabuf_counters before;
	unsigned int i, index, busy_out, busy_cap;
	uint64_t sum = 0, sum_after;
	size_t sizeimage, size;
	bool exported_seen = false;
	char node[32];
	struct m2m m;
	uint8_t *map;
	int fd, ret;

	lt_init("unbind_m2m_streaming");
	if (!m2m_open(&m, 0))
		skip_test("no vivbuf m2m node for instance %u (vivbuf m2m=0, or no v4l2-mem2mem?)",
			  INSTANCE);
	lt_platform_device(m.cap.path, pdev, sizeof(pdev));
	dmabuf_counters_read(&before);

	sizeimage = (size_t)M2M_WIDTH * M2M_HEIGHT * 2;
	for (i = 0; i < LT_BUFFERS; i++) {
		patterns[i] = malloc(sizeimage);
		CHECK(patterns[i], "malloc");
		make_pattern(patterns[i], sizeimage, i);
	}
	m2m_start(&m, patterns);
	CHECK(m.cap.sizeimage[0] == sizeimage, "YUYV %ux%u: sizeimage %u, want %zu",
	      M2M_WIDTH, M2M_HEIGHT, m.cap.sizeimage[0], sizeimage);

	fd = vdev_expbuf(&m.cap, EXPORTED, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF CAPTURE %u: %s", EXPORTED, strerrorname_np(-fd));
	size = dmabuf_size(fd);
	map = dmabuf_mmap(fd, size, PROT_READ);
	diag("capture buffer %u exported (%zu bytes) and mapped", EXPORTED, size);

	/* A round of frames: each buffer converted once, then queued again. */
	for (i = 0; i < LT_FRAMES; i++) {
		index = m2m_dequeue(&m, patterns, i);
		if (index == EXPORTED) {
			sum = read_exported(fd, map, size, patterns[EXPORTED],
					    sizeimage, "before unbind");
			exported_seen = true;
		}
		m2m_requeue(&m, index);
	}
	CHECK(exported_seen, "the exported buffer was never dequeued");
	diag("%u frames converted (YUYV %ux%u copied), every buffer queued again",
	     LT_FRAMES, M2M_WIDTH, M2M_HEIGHT);

	atexit(rebind);
	busy_out = buffers_busy(&m.out);
	busy_cap = buffers_busy(&m.cap);
	unbound = true;
	ret = sysfs_write(DRIVER_DIR "/unbind", pdev);
	CHECK(!ret, "unbind %s: %s", pdev, strerrorname_np(-ret));
	diag("%s unbound while streaming (just before: %u source, %u destination buffers queued or done)",
	     pdev, busy_out, busy_cap);

	check_enodev(&m);

	/* The exported buffer: no fence left, the frame it held, both mappings. */
	lt_fences_idle(fd);
	sum_after = read_exported(fd, map, size, patterns[EXPORTED], sizeimage,
				  "after unbind");
	CHECK(sum_after == sum, "exported buffer: checksum %#llx, %#llx before unbind",
	      (unsigned long long)sum_after, (unsigned long long)sum);
	CHECK(lt_read_dmabuf(fd) == sum,
	      "exported buffer read through a new mapping differs after unbind");
	CHECK(buffers_match("the node's mapping after unbind",
			    m.cap.map[EXPORTED][0].addr, patterns[EXPORTED],
			    sizeimage),
	      "exported buffer: the node's mapping lost its frame after unbind");
	diag("exported dma-buf valid after unbind: fences idle, its frame through the old mapping, a new one and the node's");
	/* The node's mappings of the source buffers: still the frames written. */
	for (i = 0; i < LT_BUFFERS; i++)
		CHECK(!memcmp(m.out.map[i][0].addr, patterns[i], sizeimage),
		      "source buffer %u changed after unbind", i);
	diag("the node's mappings of the %u source buffers still read their frames",
	     LT_BUFFERS);

	/* The m2m fd first, then the node's mappings, the dma-buf last. */
	CHECK(!close(m.cap.fd), "close the unbound m2m node's fd");
	m.cap.fd = -1;
	m2m_close(&m);
	CHECK(!munmap(map, size), "munmap the exported dma-buf");
	CHECK(!close(fd), "close the exported dma-buf");
	diag("m2m fd, mappings and dma-buf closed");
	lt_counters_settled(&before);

	ret = sysfs_write(DRIVER_DIR "/bind", pdev);
	CHECK(!ret, "bind %s: %s", pdev, strerrorname_np(-ret));
	unbound = false;
	CHECK(lt_node_of_platform_device(pdev, node, sizeof(node),
					 NODE_WAIT_MS),
	      "no video node for %s after bind", pdev);
	CHECK(m2m_open(&m, NODE_WAIT_MS), "no m2m node for %s after bind",
	      pdev);
	diag("%s bound again (its first node %s)", pdev, node);
	m2m_start(&m, patterns);
	for (i = 0; i < LT_FRAMES; i++)
		m2m_requeue(&m, m2m_dequeue(&m, patterns, i));
	diag("the new m2m node converts: %u frames", LT_FRAMES);
	vdev_streamoff(&m.cap);
	vdev_streamoff(&m.out);
	m2m_close(&m);
	lt_counters_settled(&before);

	for (i = 0; i < LT_BUFFERS; i++)
		free(patterns[i]);
	return EXIT_PASS;
}
