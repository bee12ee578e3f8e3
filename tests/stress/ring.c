// SPDX-License-Identifier: GPL-2.0
/*
 * Every vivbuf instance's capture node streams for a bounded time into
 * buffers that M other streams import, with the allocator's implicit
 * fences between them: capture node i exports its MMAP buffers, and each
 * frame is queued, as a dma-buf, on the output node of instance i+1 (the
 * ring closes on instance 0) and on STRESS_M2M mem-to-mem contexts of
 * instance i+1 (the m2m node's OUTPUT queue, converting YUYV to XRGB32).
 * The buffer goes back to the capture queue right after: its producer may
 * only write it once the consumers' read fences signalled, and the
 * consumers read it only once the capture's write fence did.
 *
 * Frames are counted with their V4L2 sequence numbers. A capture device
 * drops a frame when no buffer is ready for it (all with userspace or
 * waiting for in-fences): its sequence number is skipped, which is counted
 * and reported as a drop, not a failure. Failures: a buffer dequeued that
 * was not queued (dequeued twice without a requeue), a sequence number that
 * repeats or goes backwards, a gap in a consumer's sequence (an output
 * node and a mem-to-mem context count every buffer they complete), a
 * buffer with the error flag (a fence wait timed out), a consumer that
 * holds a buffer for seconds, a capture node with no frame for seconds,
 * and afterwards any fence pending, dma_buf, MMAP plane or mapping alive,
 * or a fence that timed out. The runner checks the kernel log for splats.
 *
 * STRESS_SECONDS (default 60) and STRESS_M2M (m2m contexts per capture
 * node, default 1) tune it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"

#define NB		4	/* buffers per capture queue */
#define MAX_PIPES	8
#define MAX_M2M		4
#define WIDTH		320
#define HEIGHT		240
#define CAPTURE_FPS	30
#define OUTPUT_FPS	60	/* faster than the capture: it never lags */
#define STALL_MS	5000

/* A queue whose buffers are tracked: which are with the driver. */
struct tq {
	struct vdev q;
	const char *role;
	bool busy[NB];
	int64_t last_seq;
	unsigned long frames;
	unsigned long gaps;	/* sequence numbers skipped */
};

/* A consumer of a capture node's buffers. */
struct consumer {
	struct tq src;		/* imports the capture's buffers */
	struct tq dst;		/* m2m: the converted frames (MMAP) */
	bool m2m;
};

struct pipe {
	unsigned int instance;
	struct tq cap;
	int fd[NB];		/* the exported dma-buf of each buffer */
	uint32_t len[NB];
	unsigned int num_consumers;
	struct consumer c[1 + MAX_M2M];
	uint64_t last_frame_ms;
};

static struct pipe pipes[MAX_PIPES];
static unsigned int num_pipes;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static unsigned int env_uint(const char *name, unsigned int def,
			     unsigned int max)
{
	const char *s = getenv(name);
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, NULL, 10);
	return v > max ? max : v;
}

/* The number of vivbuf instances: their capture nodes. */
static unsigned int count_instances(void)
{
	char path[32];
	unsigned int i;

	for (i = 0; i < MAX_PIPES; i++)
		if (vdev_find(i, path, sizeof(path)))
			break;
	return i;
}

/* An open fd of the m2m node of @instance, or -1. */
static int m2m_open(unsigned int instance, char *path, size_t len,
		    uint32_t *caps_out)
{
	struct v4l2_capability caps = { 0 };
	int fd = vdev_find_m2m(instance, path, len, &caps);

	*caps_out = caps.device_caps;
	return fd;
}

static void tq_init(struct tq *t, const char *role)
{
	memset(t->busy, 0, sizeof(t->busy));
	t->role = role;
	t->last_seq = -1;
	t->frames = 0;
	t->gaps = 0;
}

static void m2m_setup(struct consumer *c, unsigned int instance)
{
	uint32_t caps = 0;
	char path[32];
	bool mplane;
	unsigned int i;
	int fd, n;

	fd = m2m_open(instance, path, sizeof(path), &caps);
	if (fd < 0)
		skip_test("no vivbuf m2m node for instance %u (vivbuf m2m=0?)",
			  instance);
	mplane = caps & V4L2_CAP_VIDEO_M2M_MPLANE;

	memset(c, 0, sizeof(*c));
	c->m2m = true;
	tq_init(&c->src, "m2m OUTPUT");
	tq_init(&c->dst, "m2m CAPTURE");
	c->src.q.fd = c->dst.q.fd = fd;
	c->src.q.instance = c->dst.q.instance = instance;
	snprintf(c->src.q.path, sizeof(c->src.q.path), "%s", path);
	snprintf(c->dst.q.path, sizeof(c->dst.q.path), "%s", path);
	c->src.q.mplane = c->dst.q.mplane = mplane;
	c->src.q.output = true;
	c->src.q.type = mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
			V4L2_BUF_TYPE_VIDEO_OUTPUT;
	c->dst.q.type = mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
			V4L2_BUF_TYPE_VIDEO_CAPTURE;
	vdev_set_format(&c->src.q, V4L2_PIX_FMT_YUYV, WIDTH, HEIGHT);
	vdev_set_format(&c->dst.q, V4L2_PIX_FMT_XRGB32, WIDTH, HEIGHT);
	n = vdev_reqbufs(&c->src.q, V4L2_MEMORY_DMABUF, NB);
	CHECK(n == NB, "%s: REQBUFS DMABUF %u: %d", path, NB, n);
	n = vdev_reqbufs(&c->dst.q, V4L2_MEMORY_MMAP, NB);
	CHECK(n == NB, "%s: REQBUFS MMAP %u: %d", path, NB, n);
	for (i = 0; i < NB; i++) {
		n = vdev_qbuf(&c->dst.q, i, NULL, NULL);
		CHECK(!n, "%s: QBUF %u: %s", path, i, strerrorname_np(-n));
		c->dst.busy[i] = true;
	}
	vdev_streamon(&c->src.q);
	vdev_streamon(&c->dst.q);
}

static void pipe_setup(struct pipe *p, unsigned int instance,
		       unsigned int next, unsigned int m2m)
{
	struct consumer *out;
	unsigned int i;
	int n;

	memset(p, 0, sizeof(*p));
	p->instance = instance;
	tq_init(&p->cap, "capture");
	vdev_open(&p->cap.q, instance);
	vdev_set_format(&p->cap.q, V4L2_PIX_FMT_YUYV, WIDTH, HEIGHT);
	CHECK(p->cap.q.num_planes == 1, "YUYV has %u planes",
	      p->cap.q.num_planes);
	vdev_set_frame_rate(&p->cap.q, CAPTURE_FPS);
	n = vdev_reqbufs(&p->cap.q, V4L2_MEMORY_MMAP, NB);
	CHECK(n == NB, "%s: REQBUFS MMAP %u: %d", p->cap.q.path, NB, n);
	for (i = 0; i < NB; i++) {
		p->fd[i] = vdev_expbuf(&p->cap.q, i, 0, O_CLOEXEC);
		CHECK(p->fd[i] >= 0, "%s: EXPBUF %u: %s", p->cap.q.path, i,
		      strerrorname_np(-p->fd[i]));
		p->len[i] = dmabuf_size(p->fd[i]);
	}

	out = &p->c[p->num_consumers++];
	tq_init(&out->src, "output");
	vdev_open_output(&out->src.q, next);
	vdev_set_format(&out->src.q, V4L2_PIX_FMT_YUYV, WIDTH, HEIGHT);
	vdev_set_frame_rate(&out->src.q, OUTPUT_FPS);
	n = vdev_reqbufs(&out->src.q, V4L2_MEMORY_DMABUF, NB);
	CHECK(n == NB, "%s: REQBUFS DMABUF %u: %d", out->src.q.path, NB, n);
	/* Starts streaming once the first buffer is queued. */
	vdev_streamon(&out->src.q);

	for (i = 0; i < m2m; i++)
		m2m_setup(&p->c[p->num_consumers++], next);

	for (i = 0; i < NB; i++) {
		n = vdev_qbuf(&p->cap.q, i, NULL, NULL);
		CHECK(!n, "%s: QBUF %u: %s", p->cap.q.path, i,
		      strerrorname_np(-n));
		p->cap.busy[i] = true;
	}
}

/*
 * DQBUF one buffer of @t without waiting and check it: it must have been
 * queued, carry no error flag, and its sequence number must move forward
 * (by exactly one unless @gaps_allowed). 0, or -EAGAIN if none is done.
 */
static int tq_dequeue(struct tq *t, bool gaps_allowed, struct dq_buf *b)
{
	unsigned int i = 0;
	int ret;

	memset(b, 0, sizeof(*b));
	b->buf.type = t->q.type;
	b->buf.memory = t->q.memory;
	if (t->q.mplane) {
		b->buf.m.planes = b->planes;
		b->buf.length = VIDEO_MAX_PLANES;
	}
	ret = try_ioctl(t->q.fd, VIDIOC_DQBUF, &b->buf);
	if (ret == -EAGAIN)
		return ret;
	CHECK(!ret, "%s %s: DQBUF: %s", t->q.path, t->role,
	      strerrorname_np(-ret));
	i = b->buf.index;
	CHECK(i < NB && t->busy[i],
	      "%s %s: dequeued buffer %u, which was not queued (a duplicate)",
	      t->q.path, t->role, i);
	t->busy[i] = false;
	CHECK(!(b->buf.flags & V4L2_BUF_FLAG_ERROR),
	      "%s %s: buffer %u (sequence %u) has the error flag: a fence wait timed out?",
	      t->q.path, t->role, i, b->buf.sequence);
	CHECK(t->last_seq < (int64_t)b->buf.sequence,
	      "%s %s: sequence %u after %lld: repeated or backwards",
	      t->q.path, t->role, b->buf.sequence, (long long)t->last_seq);
	if (t->last_seq >= 0 && b->buf.sequence != t->last_seq + 1) {
		CHECK(gaps_allowed, "%s %s: sequence %u after %lld: a frame lost",
		      t->q.path, t->role, b->buf.sequence,
		      (long long)t->last_seq);
		t->gaps += b->buf.sequence - t->last_seq - 1;
	}
	t->last_seq = b->buf.sequence;
	t->frames++;
	return 0;
}

/* Everything @c has completed; m2m destinations go straight back. */
static void consumer_service(struct consumer *c)
{
	struct dq_buf b;
	int ret;

	while (!tq_dequeue(&c->src, false, &b))
		;
	if (!c->m2m)
		return;
	while (!tq_dequeue(&c->dst, false, &b)) {
		ret = vdev_qbuf(&c->dst.q, b.buf.index, NULL, NULL);
		CHECK(!ret, "%s m2m CAPTURE: QBUF %u: %s", c->dst.q.path,
		      b.buf.index, strerrorname_np(-ret));
		c->dst.busy[b.buf.index] = true;
	}
}

/* Waits until @c gives buffer @i back (its previous frame is done). */
static void consumer_wait(struct consumer *c, unsigned int i)
{
	uint64_t deadline = now_ms() + STALL_MS;

	while (c->src.busy[i]) {
		CHECK(now_ms() < deadline,
		      "%s %s: buffer %u not done after %u ms", c->src.q.path,
		      c->src.role, i, STALL_MS);
		usleep(2000);
		consumer_service(c);
	}
}

/* A captured frame: to every consumer, then back to the capture queue. */
static void pipe_frame(struct pipe *p, const struct dq_buf *b)
{
	unsigned int i = b->buf.index, k;
	struct consumer *c;
	int ret;

	CHECK(dq_bytesused(&p->cap.q, b, 0) == p->cap.q.sizeimage[0],
	      "%s: buffer %u bytesused %u, sizeimage %u", p->cap.q.path, i,
	      dq_bytesused(&p->cap.q, b, 0), p->cap.q.sizeimage[0]);
	for (k = 0; k < p->num_consumers; k++) {
		c = &p->c[k];
		consumer_wait(c, i);
		ret = vdev_qbuf(&c->src.q, i, &p->fd[i], &p->len[i]);
		CHECK(!ret, "%s %s: QBUF DMABUF %u: %s", c->src.q.path,
		      c->src.role, i, strerrorname_np(-ret));
		c->src.busy[i] = true;
	}
	/* After the consumers: the capture then waits for their fences. */
	ret = vdev_qbuf(&p->cap.q, i, NULL, NULL);
	CHECK(!ret, "%s: QBUF %u: %s", p->cap.q.path, i, strerrorname_np(-ret));
	p->cap.busy[i] = true;
}

static void pipe_service(struct pipe *p)
{
	struct dq_buf b;
	unsigned int k;

	for (k = 0; k < p->num_consumers; k++)
		consumer_service(&p->c[k]);
	while (!tq_dequeue(&p->cap, true, &b)) {
		p->last_frame_ms = now_ms();
		pipe_frame(p, &b);
	}
	CHECK(now_ms() - p->last_frame_ms < STALL_MS,
	      "%s: no frame for %u ms", p->cap.q.path, STALL_MS);
}

static void tq_stop(struct tq *t)
{
	int n;

	vdev_streamoff(&t->q);
	n = vdev_reqbufs(&t->q, t->q.memory, 0);
	CHECK(!n, "%s %s: REQBUFS(0): %s", t->q.path, t->role,
	      strerrorname_np(-n));
}

static void pipe_stop(struct pipe *p)
{
	struct consumer *c;
	unsigned int i, k;

	tq_stop(&p->cap);
	for (k = 0; k < p->num_consumers; k++) {
		c = &p->c[k];
		tq_stop(&c->src);
		if (c->m2m)
			tq_stop(&c->dst);
		close(c->src.q.fd);
	}
	for (i = 0; i < NB; i++)
		close(p->fd[i]);
	close(p->cap.q.fd);
}

int main(void)
{
	unsigned int seconds = env_uint("STRESS_SECONDS", 60, 3600);
	unsigned int m2m = env_uint("STRESS_M2M", 1, MAX_M2M);
	struct dmabuf_counters start, end;
	uint64_t waits, timeouts, timedout, pending, deadline;
	unsigned long captured = 0, dropped = 0, consumed = 0, converted = 0;
	struct pollfd pfd[MAX_PIPES * (2 + MAX_M2M)];
	unsigned int i, k, nfds;
	struct pipe *p;

	test_init("ring");
	alarm(seconds + 120);
	num_pipes = count_instances();
	if (num_pipes < 2)
		skip_test("%u vivbuf instances: the ring needs 2", num_pipes);
	if (!dmabuf_counter("fences_published") &&
	    access("/sys/module/videobuf2_dmabuf/parameters/fences", F_OK))
		skip_test("no implicit fences in this videobuf2-dmabuf");
	CHECK(!dmabuf_counter("fences_pending"), "fences pending before the test");
	dmabuf_counters_read(&start);
	waits = dmabuf_counter("in_fence_waits");
	timeouts = dmabuf_counter("in_fence_timeouts");
	timedout = dmabuf_counter("fences_timedout");

	for (i = 0; i < num_pipes; i++)
		pipe_setup(&pipes[i], i, (i + 1) % num_pipes, m2m);
	diag("%u capture nodes x %u streams each (output node + %u m2m), %ux%u YUYV at %u fps, %u buffers, %u s",
	     num_pipes, 1 + m2m, m2m, WIDTH, HEIGHT, CAPTURE_FPS, NB, seconds);

	nfds = 0;
	for (i = 0; i < num_pipes; i++) {
		p = &pipes[i];
		vdev_streamon(&p->cap.q);
		p->last_frame_ms = now_ms();
		pfd[nfds++] = (struct pollfd){ .fd = p->cap.q.fd, .events = POLLIN };
		for (k = 0; k < p->num_consumers; k++)
			pfd[nfds++] = (struct pollfd){
				.fd = p->c[k].src.q.fd,
				.events = POLLIN | POLLOUT,
			};
	}

	deadline = now_ms() + seconds * 1000ull;
	while (now_ms() < deadline) {
		CHECK(poll(pfd, nfds, 100) >= 0 || errno == EINTR, "poll");
		for (i = 0; i < num_pipes; i++)
			pipe_service(&pipes[i]);
	}

	for (i = 0; i < num_pipes; i++) {
		p = &pipes[i];
		diag("%s (instance %u): %lu frames captured, %lu dropped by the device (sequence gaps)",
		     p->cap.q.path, p->instance, p->cap.frames, p->cap.gaps);
		captured += p->cap.frames;
		dropped += p->cap.gaps;
		for (k = 0; k < p->num_consumers; k++) {
			diag("  -> %s %s: %lu frames%s", p->c[k].src.q.path,
			     p->c[k].src.role, p->c[k].src.frames,
			     p->c[k].m2m ? " (converted)" : "");
			consumed += p->c[k].src.frames;
			if (p->c[k].m2m)
				converted += p->c[k].dst.frames;
		}
		CHECK(p->cap.frames >= NB, "%s: only %lu frames", p->cap.q.path,
		      p->cap.frames);
	}
	for (i = 0; i < num_pipes; i++)
		pipe_stop(&pipes[i]);

	dmabuf_counters_read(&end);
	pending = dmabuf_counter("fences_pending");
	waits = dmabuf_counter("in_fence_waits") - waits;
	timeouts = dmabuf_counter("in_fence_timeouts") - timeouts;
	timedout = dmabuf_counter("fences_timedout") - timedout;
	diag("frames streamed: %lu captured (%lu dropped), %lu imported by consumers, %lu converted; in-fence waits %llu",
	     captured, dropped, consumed, converted, (unsigned long long)waits);
	printf("stress: frames_streamed=%lu captured=%lu dropped=%lu consumed=%lu converted=%lu in_fence_waits=%llu\n",
	       captured + consumed + converted, captured, dropped, consumed,
	       converted, (unsigned long long)waits);
	CHECK(!timeouts && !timedout,
	      "%llu in-fence timeouts, %llu fences timed out",
	      (unsigned long long)timeouts, (unsigned long long)timedout);
	CHECK(!pending, "%llu fences pending after STREAMOFF",
	      (unsigned long long)pending);
	CHECK(end.live_dmabufs == start.live_dmabufs &&
	      end.live_buffers == start.live_buffers,
	      "live_dmabufs %llu -> %llu, live_buffers %llu -> %llu",
	      (unsigned long long)start.live_dmabufs,
	      (unsigned long long)end.live_dmabufs,
	      (unsigned long long)start.live_buffers,
	      (unsigned long long)end.live_buffers);
	CHECK(end.maps - start.maps == end.unmaps - start.unmaps,
	      "import mappings: +%llu maps, +%llu unmaps",
	      (unsigned long long)(end.maps - start.maps),
	      (unsigned long long)(end.unmaps - start.unmaps));
	return EXIT_PASS;
}
