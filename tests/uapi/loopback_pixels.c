// SPDX-License-Identifier: GPL-2.0
/*
 * loopback_pixels: what vivbuf's output node displays is what the capture
 * node of the same instance captures, byte for byte, and only while the
 * output streams in the capture's format.
 *
 * Both nodes import udmabufs (V4L2_MEMORY_DMABUF). Every output frame k is
 * a pseudo-random pattern unique to k, starting with a marker and k, and
 * each output buffer is refilled with the next k when it comes back.
 *  - Connected: once the output has displayed a frame, every captured frame
 *    equals one of the queued output frames exactly (all planes), the
 *    frames seen never go back, and more than one is seen.
 *  - Output stopped: the capture node shows its test pattern again, equal
 *    to a reference frame captured (MMAP) before the output ever ran.
 *  - Output streaming in another size: still the test pattern, never the
 *    output's bytes, while the output keeps completing its buffers.
 * Nothing maps the frames for the CPU (the allocator's cpu_maps). Single-planar node (XRGB32)
 * and multi-planar node (NV12M, two udmabufs per buffer).
 */
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define OUT_BUFFERS	4
#define CAP_BUFFERS	3
#define LOOP_FRAMES	6	/* captured frames that must be output frames */
#define PATTERN_FRAMES	3	/* captured frames that must be the pattern */
/*
 * Captured frames that may show the picture from before a change: every
 * capture buffer queued when the output started or stopped may have been
 * filled before it (done, waiting to be dequeued); one requeued after the
 * change is filled after it.
 */
#define SETTLE_FRAMES	CAP_BUFFERS
#define MIN_OUT_DONE	3	/* output frames displayed while disconnected */
#define MARKER		0x504f4f4cu	/* "LOOP" */
#define PHASE_TIMEOUT_MS 15000

struct loop_test {
	struct vdev cap, out;
	struct import_buf cap_bufs[CAP_BUFFERS], out_bufs[OUT_BUFFERS];
	uint32_t out_frame[OUT_BUFFERS];	/* k held by each output buffer */
	uint32_t next_frame;			/* k for the next refill */
	unsigned int out_done;			/* output buffers dequeued */
	struct frame ref;			/* the capture's test pattern */
};

static void alloc_udmabufs(struct vdev *d, struct import_buf *bufs,
			   unsigned int nbufs)
{
	unsigned int i, p;
	int memfd;

	for (i = 0; i < nbufs; i++) {
		for (p = 0; p < d->num_planes; p++) {
			struct import_buf *ib = &bufs[i];

			ib->size[p] = page_align(d->sizeimage[p]);
			ib->fd[p] = udmabuf_alloc(ib->size[p], &memfd);
			ib->sync_fd[p] = ib->fd[p];
			ib->map[p] = mmap(NULL, ib->size[p],
					  PROT_READ | PROT_WRITE, MAP_SHARED,
					  memfd, 0);
			CHECK(ib->map[p] != MAP_FAILED, "mmap memfd");
			close(memfd);
		}
	}
}

static void free_udmabufs(struct vdev *d, struct import_buf *bufs,
			  unsigned int nbufs)
{
	unsigned int i, p;

	for (i = 0; i < nbufs; i++) {
		for (p = 0; p < d->num_planes; p++) {
			munmap(bufs[i].map[p], bufs[i].size[p]);
			close(bufs[i].fd[p]);
		}
	}
}

/* Frame @k, plane @p: the marker and k, then xorshift32 seeded by both. */
static void pattern(uint8_t *dst, size_t size, uint32_t k, unsigned int p)
{
	uint32_t x = (k + 1) * 2654435761u ^ (p + 1) * 40503u;
	uint32_t head[2] = { MARKER, k };
	size_t i;

	for (i = 0; i + 4 <= size; i += 4) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		memcpy(dst + i, &x, 4);
	}
	if (!p && size >= sizeof(head))
		memcpy(dst, head, sizeof(head));
}

static void fill_output(struct loop_test *t, unsigned int index)
{
	struct import_buf *ib = &t->out_bufs[index];
	uint32_t k = t->next_frame++;
	unsigned int p;
	int ret;

	for (p = 0; p < t->out.num_planes; p++) {
		ret = dmabuf_sync(ib->sync_fd[p],
				  DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		CHECK(!ret, "SYNC START|WRITE: %s", strerrorname_np(-ret));
		pattern(ib->map[p], t->out.sizeimage[p], k, p);
		ret = dmabuf_sync(ib->sync_fd[p],
				  DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		CHECK(!ret, "SYNC END|WRITE: %s", strerrorname_np(-ret));
	}
	t->out_frame[index] = k;
}

static void queue_output(struct loop_test *t, unsigned int index)
{
	int ret;

	fill_output(t, index);
	ret = vdev_qbuf(&t->out, index, t->out_bufs[index].fd, NULL);
	CHECK(!ret, "QBUF output %u: %s", index, strerrorname_np(-ret));
}

static void queue_capture(struct loop_test *t, unsigned int index)
{
	int ret;

	ret = vdev_qbuf(&t->cap, index, t->cap_bufs[index].fd, NULL);
	CHECK(!ret, "QBUF capture %u: %s", index, strerrorname_np(-ret));
}

/* Brackets the CPU's reads of a captured buffer */
static void sync_capture(struct loop_test *t, struct import_buf *ib,
			 uint64_t flags)
{
	unsigned int p;
	int ret;

	for (p = 0; p < t->cap.num_planes; p++) {
		ret = dmabuf_sync(ib->sync_fd[p], flags);
		CHECK(!ret, "SYNC %#llx: %s", (unsigned long long)flags,
		      strerrorname_np(-ret));
	}
}

/* Takes back a displayed output buffer and queues it with the next frame */
static void output_done(struct loop_test *t)
{
	struct dq_buf b;
	int ret;

	ret = vdev_dqbuf(&t->out, &b, 0);
	CHECK(!ret, "DQBUF output: %s", strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "output buffer %u (frame %u) has the ERROR flag", b.buf.index,
	      t->out_frame[b.buf.index]);
	CHECK(b.buf.sequence == t->out_done, "output sequence %u, want %u",
	      b.buf.sequence, t->out_done);
	t->out_done++;
	queue_output(t, b.buf.index);
}

/*
 * The output frame a captured buffer holds, or -1 if it holds none: the
 * marker gives k, and then every byte of every plane must be frame k's.
 */
static int64_t captured_output_frame(struct loop_test *t,
				     struct import_buf *ib, bool quiet)
{
	uint32_t head[2], k;
	unsigned int p;
	uint8_t *want;
	bool same = true;
	char what[64];

	memcpy(head, ib->map[0], sizeof(head));
	if (head[0] != MARKER || head[1] >= t->next_frame)
		return -1;
	k = head[1];
	for (p = 0; p < t->cap.num_planes && same; p++) {
		want = malloc(t->cap.sizeimage[p]);
		CHECK(want, "malloc");
		pattern(want, t->cap.sizeimage[p], k, p);
		snprintf(what, sizeof(what), "output frame %u plane %u", k, p);
		same = quiet ? !memcmp(ib->map[p], want, t->cap.sizeimage[p]) :
		       buffers_match(what, ib->map[p], want,
				     t->cap.sizeimage[p]);
		free(want);
	}
	return same ? (int64_t)k : -1;
}

static bool captured_pattern(struct loop_test *t, struct import_buf *ib,
			     unsigned int seq)
{
	unsigned int p;
	char what[64];

	for (p = 0; p < t->cap.num_planes; p++) {
		snprintf(what, sizeof(what), "capture seq %u plane %u", seq, p);
		if (!buffers_match(what, ib->map[p], t->ref.data[p],
				   t->ref.size[p]))
			return false;
	}
	return true;
}

enum phase { CONNECTED, OUTPUT_STOPPED, OTHER_SIZE };
static const char *const phase_names[] = {
	"connected", "output stopped", "output in another size",
};

/*
 * Captures until the phase's frames are checked: after SETTLE_FRAMES (and,
 * when connected, after the first output frame came back), LOOP_FRAMES
 * output frames or PATTERN_FRAMES test patterns, while displaying.
 */
static void run_phase(struct loop_test *t, enum phase phase)
{
	bool out_streaming = phase != OUTPUT_STOPPED;
	unsigned int settle = 0, checked = 0, distinct = 0, start_done;
	unsigned int want = phase == CONNECTED ? LOOP_FRAMES : PATTERN_FRAMES;
	int64_t k, last_k = -1;
	struct import_buf *ib;
	struct pollfd pfd[2];
	struct dq_buf b;
	int ret, n;

	start_done = t->out_done;
	while (checked < want ||
	       (out_streaming && t->out_done - start_done < MIN_OUT_DONE)) {
		pfd[0] = (struct pollfd){ .fd = t->cap.fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = t->out.fd, .events = POLLOUT };
		do {
			n = poll(pfd, out_streaming ? 2 : 1, PHASE_TIMEOUT_MS);
		} while (n < 0 && errno == EINTR);
		CHECK(n > 0, "%s: no buffer done in %d ms",
		      phase_names[phase], PHASE_TIMEOUT_MS);

		if (out_streaming && (pfd[1].revents & POLLOUT))
			output_done(t);
		if (!(pfd[0].revents & POLLIN))
			continue;

		ret = vdev_dqbuf(&t->cap, &b, 0);
		CHECK(!ret, "DQBUF capture: %s", strerrorname_np(-ret));
		CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
		      "capture seq %u has the ERROR flag", b.buf.sequence);
		ib = &t->cap_bufs[b.buf.index];
		sync_capture(t, ib, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);

		if (phase == CONNECTED && t->out_done == start_done) {
			/* Nothing displayed yet: pattern or frame, no matter */
		} else if (settle < SETTLE_FRAMES) {
			settle++;
		} else if (checked < want) {
			checked++;
			k = captured_output_frame(t, ib, phase != CONNECTED);
			if (phase == CONNECTED) {
				CHECK(k >= 0, "capture seq %u is no output frame",
				      b.buf.sequence);
				CHECK(k >= last_k,
				      "capture seq %u shows output frame %lld after %lld",
				      b.buf.sequence, (long long)k,
				      (long long)last_k);
				distinct += k != last_k;
				last_k = k;
			} else {
				CHECK(k < 0, "%s: capture seq %u shows output frame %lld",
				      phase_names[phase], b.buf.sequence,
				      (long long)k);
				CHECK(captured_pattern(t, ib, b.buf.sequence),
				      "%s: capture seq %u is not the test pattern",
				      phase_names[phase], b.buf.sequence);
			}
		}

		sync_capture(t, ib, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		queue_capture(t, b.buf.index);
	}

	if (phase == CONNECTED) {
		CHECK(distinct >= 2, "%u captured frames all showed output frame %lld",
		      checked, (long long)last_k);
		diag("%s: %s: %u captured frames equal output frames (%u different, up to %lld)",
		     t->cap.path, phase_names[phase], checked, distinct,
		     (long long)last_k);
	} else {
		diag("%s: %s: %u captured frames are the test pattern, %u output frames displayed meanwhile",
		     t->cap.path, phase_names[phase], checked,
		     t->out_done - start_done);
	}
}

static void start_output(struct loop_test *t)
{
	unsigned int i;

	t->out_done = 0;
	for (i = 0; i < OUT_BUFFERS; i++)
		queue_output(t, i);
	vdev_streamon(&t->out);
}

static void check_instance(unsigned int instance, uint32_t pixelformat)
{
	struct dmabuf_counters before, after;
	struct loop_test t;
	unsigned int i;
	int ret;

	memset(&t, 0, sizeof(t));
	vdev_open(&t.cap, instance);
	vdev_open_output(&t.out, instance);
	vdev_set_format(&t.cap, pixelformat, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_format(&t.out, pixelformat, TEST_WIDTH, TEST_HEIGHT);
	/* The capture samples twice per displayed frame */
	vdev_set_frame_rate(&t.cap, 60);
	vdev_set_frame_rate(&t.out, 30);
	CHECK(t.cap.num_planes == t.out.num_planes, "planes: capture %u output %u",
	      t.cap.num_planes, t.out.num_planes);
	for (i = 0; i < t.cap.num_planes; i++)
		CHECK(t.cap.sizeimage[i] == t.out.sizeimage[i],
		      "plane %u sizeimage: capture %u output %u", i,
		      t.cap.sizeimage[i], t.out.sizeimage[i]);

	/* The output is idle: this is the capture's own test pattern */
	capture_reference(&t.cap, &t.ref);

	alloc_udmabufs(&t.cap, t.cap_bufs, CAP_BUFFERS);
	alloc_udmabufs(&t.out, t.out_bufs, OUT_BUFFERS);
	dmabuf_counters_read(&before);
	ret = vdev_reqbufs(&t.cap, V4L2_MEMORY_DMABUF, CAP_BUFFERS);
	CHECK(ret >= CAP_BUFFERS, "REQBUFS capture DMABUF: %d", ret);
	ret = vdev_reqbufs(&t.out, V4L2_MEMORY_DMABUF, OUT_BUFFERS);
	CHECK(ret >= OUT_BUFFERS, "REQBUFS output DMABUF: %d", ret);

	for (i = 0; i < CAP_BUFFERS; i++)
		queue_capture(&t, i);
	vdev_streamon(&t.cap);
	start_output(&t);
	run_phase(&t, CONNECTED);

	vdev_streamoff(&t.out);
	run_phase(&t, OUTPUT_STOPPED);

	/* Same pixel format, half the size: the buffers are big enough */
	CHECK(vdev_reqbufs(&t.out, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS output 0");
	vdev_set_format(&t.out, pixelformat, TEST_WIDTH / 2, TEST_HEIGHT / 2);
	ret = vdev_reqbufs(&t.out, V4L2_MEMORY_DMABUF, OUT_BUFFERS);
	CHECK(ret >= OUT_BUFFERS, "REQBUFS output DMABUF: %d", ret);
	start_output(&t);
	run_phase(&t, OTHER_SIZE);

	vdev_streamoff(&t.out);
	vdev_streamoff(&t.cap);
	CHECK(vdev_reqbufs(&t.out, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS output 0");
	CHECK(vdev_reqbufs(&t.cap, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS capture 0");
	dmabuf_counters_read(&after);
	CHECK(after.cpu_maps == before.cpu_maps, "cpu_maps rose by %llu",
	      (unsigned long long)(after.cpu_maps - before.cpu_maps));
	CHECK(after.unmaps - before.unmaps == after.maps - before.maps,
	      "maps +%llu but unmaps +%llu",
	      (unsigned long long)(after.maps - before.maps),
	      (unsigned long long)(after.unmaps - before.unmaps));

	/* Back to the default format, for the tests that come after */
	vdev_set_format(&t.out, pixelformat, TEST_WIDTH, TEST_HEIGHT);
	free_udmabufs(&t.cap, t.cap_bufs, CAP_BUFFERS);
	free_udmabufs(&t.out, t.out_bufs, OUT_BUFFERS);
	frame_free(&t.ref);
	vdev_close(&t.out);
	vdev_close(&t.cap);
}

int main(void)
{
	test_init("loopback_pixels");
	check_instance(0, V4L2_PIX_FMT_XRGB32);
	check_instance(1, V4L2_PIX_FMT_NV12M);
	return EXIT_PASS;
}
