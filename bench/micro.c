// SPDX-License-Identifier: GPL-2.0
/*
 * micro: the cost of moving one buffer through a V4L2 capture queue.
 *
 *   micro [-s WxH] [-b BUFFERS] [-n ITERS] [-w WARMUP] [-r REPS]
 *         [-a heap|udmabuf] [-o OUT.tsv] DEVICE
 *
 * DEVICE is a single-planar vivbuf capture node in instant mode (module
 * parameter vivbuf.instant=1 at STREAMON): it completes each buffer as soon
 * as it is queued, so what is measured is the transport, not a frame clock.
 * Format XRGB32 (XR24) at WxH (default 1280x720), BUFFERS buffers (4).
 *
 * One buffer is in flight at a time: an iteration is a QBUF of the next
 * buffer and the DQBUF that returns it, a full round trip through the
 * driver's producer thread. Each case is set up afresh (REQBUFS, dma-bufs,
 * STREAMON), runs WARMUP iterations that are not counted (the producer's
 * first fill of each buffer among them), then ITERS timed ones:
 *
 *   rt_mmap           MMAP buffers
 *   rt_export         MMAP buffers, each exported once with EXPBUF and the
 *                     dma-buf fds kept open
 *   rt_dmabuf_same    DMABUF import, each buffer always queued with the same
 *                     dma-buf (attached and mapped once)
 *   rt_dmabuf_rotate  DMABUF import from twice as many dma-bufs as buffers,
 *                     so every QBUF attaches and maps a dma-buf anew (and
 *                     the producer fills it anew)
 *   qbuf_first        DMABUF import: the QBUF ioctl alone, the first one of
 *                     each buffer (attach and map), while streaming, with
 *                     twice BUFFERS buffers (the first one starts the
 *                     stream and is not counted)
 *   qbuf_steady       the same buffers' later QBUFs with the same dma-bufs
 *   expbuf, close     VIDIOC_EXPBUF of an MMAP buffer with no export alive
 *                     (a new dma-buf), then close() of its fd (its release)
 *   expbuf_live       VIDIOC_EXPBUF while another fd of that export is open
 *
 * Every case runs with the allocator's fences on and off (the module
 * parameter /sys/module/videobuf2_dmabuf/parameters/fences, restored at
 * exit), in REPS repetitions, cases interleaved. The dma-bufs to import come
 * from the system dma-heap or udmabuf (-a; default: the heap if present).
 *
 * Output: a TSV (header first) with one line per case, fences setting and
 * repetition: the mean per iteration (or per call) of the wall time
 * (CLOCK_MONOTONIC) and of the process's CPU time (getrusage RUSAGE_SELF,
 * user + system, and each), in nanoseconds, and the number of buffers that
 * came back with V4L2_BUF_FLAG_ERROR. Per-call cases (qbuf_*, expbuf*,
 * close) time each call on its own, so their figures include one
 * clock_gettime() and one getrusage() each.
 *
 * It needs only libc and the kernel headers; bench/guest-bench.sh runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <linux/videodev2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define FENCES_PARAM	"/sys/module/videobuf2_dmabuf/parameters/fences"
#define HEAP_DEV	"/dev/dma_heap/system"
#define UDMABUF_DEV	"/dev/udmabuf"
#define MAX_BUFFERS	32

struct opts {
	unsigned int width, height;
	unsigned int buffers;
	unsigned int iters, warmup, reps;
	bool udmabuf;
	const char *out;
	const char *device;
};

/* What one measured stretch cost */
struct cost {
	double wall_ns, user_ns, sys_ns;
};

struct mark {
	struct timespec t;
	struct rusage ru;
};

static struct opts o = {
	.width = 1280, .height = 720, .buffers = 4,
	.iters = 200, .warmup = 20, .reps = 5,
};
static int vfd = -1;
static size_t image_size;
static FILE *out;
static int fences_saved = -1;

static void mark(struct mark *m)
{
	if (getrusage(RUSAGE_SELF, &m->ru))
		die("getrusage: %m");
	clock_gettime(CLOCK_MONOTONIC, &m->t);
}

static double tv_ns(const struct timeval *tv)
{
	return tv->tv_sec * 1e9 + tv->tv_usec * 1e3;
}

/* Adds the cost from @a to @b to @c */
static void add_cost(struct cost *c, const struct mark *a,
		     const struct mark *b)
{
	c->wall_ns += (b->t.tv_sec - a->t.tv_sec) * 1e9 +
		      (b->t.tv_nsec - a->t.tv_nsec);
	c->user_ns += tv_ns(&b->ru.ru_utime) - tv_ns(&a->ru.ru_utime);
	c->sys_ns += tv_ns(&b->ru.ru_stime) - tv_ns(&a->ru.ru_stime);
}

static void report(const char *name, bool fences, unsigned int rep,
		   unsigned int calls, const struct cost *c,
		   unsigned int errors)
{
	fprintf(out, "%s\t%s\t%u\t%u\t%.0f\t%.0f\t%.0f\t%.0f\t%u\n", name,
		fences ? "on" : "off", rep, calls, c->wall_ns / calls,
		(c->user_ns + c->sys_ns) / calls, c->user_ns / calls,
		c->sys_ns / calls, errors);
	fflush(out);
}

/* ---- the allocator's fences ------------------------------------------ */

static int read_fences(void)
{
	char c = 0;
	int fd = open(FENCES_PARAM, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %m (is videobuf2_dmabuf loaded?)", FENCES_PARAM);
	if (read(fd, &c, 1) != 1)
		die("read %s: %m", FENCES_PARAM);
	close(fd);
	return c == 'Y' || c == '1';
}

static void write_fences(bool on)
{
	int fd = open(FENCES_PARAM, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s for writing: %m", FENCES_PARAM);
	if (write(fd, on ? "1" : "0", 1) != 1)
		die("write %s: %m", FENCES_PARAM);
	close(fd);
	if (read_fences() != on)
		die("%s did not become %d", FENCES_PARAM, on);
}

static void restore_fences(void)
{
	if (fences_saved >= 0)
		write_fences(fences_saved);
}

/* ---- dma-bufs to import ----------------------------------------------- */

static int alloc_dmabuf(size_t size)
{
	size_t page = sysconf(_SC_PAGESIZE);

	size = (size + page - 1) / page * page;
	if (!o.udmabuf) {
		struct dma_heap_allocation_data a = {
			.len = size, .fd_flags = O_RDWR | O_CLOEXEC,
		};
		int heap = open(HEAP_DEV, O_RDONLY | O_CLOEXEC);

		if (heap < 0)
			die("open %s: %m", HEAP_DEV);
		if (xioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a))
			die("DMA_HEAP_IOCTL_ALLOC %zu bytes: %m", size);
		close(heap);
		return a.fd;
	} else {
		struct udmabuf_create c = {
			.flags = UDMABUF_FLAGS_CLOEXEC, .size = size,
		};
		int dev = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);
		int memfd, fd;

		if (dev < 0)
			die("open %s: %m", UDMABUF_DEV);
		memfd = memfd_create("micro", MFD_ALLOW_SEALING | MFD_CLOEXEC);
		if (memfd < 0 || ftruncate(memfd, size) ||
		    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK))
			die("memfd of %zu bytes: %m", size);
		c.memfd = memfd;
		fd = xioctl(dev, UDMABUF_CREATE, &c);
		if (fd < 0)
			die("UDMABUF_CREATE %zu bytes: %m", size);
		close(memfd);
		close(dev);
		return fd;
	}
}

/* ---- the capture queue ------------------------------------------------ */

static void set_format(void)
{
	struct v4l2_capability cap = { 0 };
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

	if (xioctl(vfd, VIDIOC_QUERYCAP, &cap))
		die("VIDIOC_QUERYCAP: %m");
	if (!(cap.device_caps & V4L2_CAP_VIDEO_CAPTURE))
		die("%s is not a single-planar capture node", o.device);
	f.fmt.pix.width = o.width;
	f.fmt.pix.height = o.height;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_XRGB32;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	if (xioctl(vfd, VIDIOC_S_FMT, &f))
		die("VIDIOC_S_FMT: %m");
	if (f.fmt.pix.width != o.width || f.fmt.pix.height != o.height ||
	    f.fmt.pix.pixelformat != V4L2_PIX_FMT_XRGB32)
		die("%s does not do XR24 %ux%u", o.device, o.width, o.height);
	image_size = f.fmt.pix.sizeimage;
}

static void reqbufs(unsigned int memory, unsigned int count)
{
	struct v4l2_requestbuffers r = {
		.count = count, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = memory,
	};

	if (xioctl(vfd, VIDIOC_REQBUFS, &r))
		die("VIDIOC_REQBUFS %u: %m", count);
	if (r.count != count)
		die("VIDIOC_REQBUFS gave %u buffers, not %u", r.count, count);
}

static void stream(bool on)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	if (xioctl(vfd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type))
		die("VIDIOC_STREAM%s: %m", on ? "ON" : "OFF");
}

/* QBUF of buffer @index; @fd: the dma-buf to import, or -1 for MMAP */
static void qbuf(unsigned int index, int fd)
{
	struct v4l2_buffer b = {
		.index = index, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
		.memory = fd < 0 ? V4L2_MEMORY_MMAP : V4L2_MEMORY_DMABUF,
	};

	if (fd >= 0) {
		b.m.fd = fd;
		b.length = image_size;
	}
	if (xioctl(vfd, VIDIOC_QBUF, &b))
		die("VIDIOC_QBUF %u: %m", index);
}

/* DQBUF, blocking; counts a buffer that came back failed in @errors */
static unsigned int dqbuf(unsigned int memory, unsigned int *errors)
{
	struct v4l2_buffer b = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = memory,
	};

	if (xioctl(vfd, VIDIOC_DQBUF, &b))
		die("VIDIOC_DQBUF: %m");
	if (b.flags & V4L2_BUF_FLAG_ERROR)
		(*errors)++;
	return b.index;
}

static int expbuf(unsigned int index)
{
	struct v4l2_exportbuffer e = {
		.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .index = index,
		.flags = O_RDWR | O_CLOEXEC,
	};

	if (xioctl(vfd, VIDIOC_EXPBUF, &e))
		die("VIDIOC_EXPBUF %u: %m", index);
	return e.fd;
}

/* ---- the cases -------------------------------------------------------- */

enum rt_kind { RT_MMAP, RT_EXPORT, RT_DMABUF_SAME, RT_DMABUF_ROTATE };

static const char *const rt_names[] = {
	[RT_MMAP] = "rt_mmap",
	[RT_EXPORT] = "rt_export",
	[RT_DMABUF_SAME] = "rt_dmabuf_same",
	[RT_DMABUF_ROTATE] = "rt_dmabuf_rotate",
};

/* Round trips: QBUF the next buffer, DQBUF it, one in flight */
static void round_trips(enum rt_kind kind, bool fences, unsigned int rep)
{
	bool import = kind == RT_DMABUF_SAME || kind == RT_DMABUF_ROTATE;
	unsigned int memory = import ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP;
	unsigned int nfds = kind == RT_DMABUF_ROTATE ? 2 * o.buffers :
			    (kind == RT_MMAP ? 0 : o.buffers);
	unsigned int i, errors = 0, total = o.warmup + o.iters;
	int fds[2 * MAX_BUFFERS] = { 0 };
	struct cost c = { 0 };
	struct mark a, b;

	reqbufs(memory, o.buffers);
	for (i = 0; i < nfds; i++)
		fds[i] = import ? alloc_dmabuf(image_size) : expbuf(i);

	/* Iteration i queues buffer i % buffers, dma-buf i % nfds */
	qbuf(0, import ? fds[0] : -1);
	stream(true);
	mark(&a);
	for (i = 0; i < total; i++) {
		unsigned int index;

		if (i == o.warmup) {
			errors = 0;
			mark(&a);
		}
		index = dqbuf(memory, &errors);
		qbuf((index + 1) % o.buffers,
		     import ? fds[(i + 1) % nfds] : -1);
	}
	mark(&b);
	add_cost(&c, &a, &b);
	stream(false);
	reqbufs(memory, 0);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	report(rt_names[kind], fences, rep, o.iters, &c, errors);
}

/* The QBUF ioctl alone: each buffer's first, then steady state */
static void qbuf_first_steady(bool fences, unsigned int rep)
{
	/* Twice the buffers, for more first QBUFs per repetition */
	unsigned int n = 2 * o.buffers, i, errors = 0;
	struct cost first = { 0 }, steady = { 0 };
	int fds[2 * MAX_BUFFERS] = { 0 };
	struct mark a, b;

	reqbufs(V4L2_MEMORY_DMABUF, n);
	for (i = 0; i < n; i++)
		fds[i] = alloc_dmabuf(image_size);
	qbuf(0, fds[0]);
	stream(true);
	dqbuf(V4L2_MEMORY_DMABUF, &errors);
	/* Buffer 0's first QBUF started the stream: not among the samples */
	for (i = 1; i < n; i++) {
		mark(&a);
		qbuf(i, fds[i]);
		mark(&b);
		add_cost(&first, &a, &b);
		dqbuf(V4L2_MEMORY_DMABUF, &errors);
	}
	for (i = 0; i < o.warmup + o.iters; i++) {
		unsigned int index = i % n;

		mark(&a);
		qbuf(index, fds[index]);
		mark(&b);
		if (i >= o.warmup)
			add_cost(&steady, &a, &b);
		dqbuf(V4L2_MEMORY_DMABUF, &errors);
	}
	stream(false);
	reqbufs(V4L2_MEMORY_DMABUF, 0);
	for (i = 0; i < n; i++)
		close(fds[i]);
	report("qbuf_first", fences, rep, n - 1, &first, errors);
	report("qbuf_steady", fences, rep, o.iters, &steady, errors);
}

/* VIDIOC_EXPBUF: a new export and its release; one while another lives */
static void expbufs(bool fences, unsigned int rep)
{
	struct cost exp = { 0 }, rel = { 0 }, live = { 0 };
	int live_fds[MAX_BUFFERS];
	unsigned int i;
	struct mark a, b, c;
	int fd;

	reqbufs(V4L2_MEMORY_MMAP, o.buffers);
	for (i = 0; i < o.warmup + o.iters; i++) {
		mark(&a);
		fd = expbuf(i % o.buffers);
		mark(&b);
		close(fd);
		mark(&c);
		if (i >= o.warmup) {
			add_cost(&exp, &a, &b);
			add_cost(&rel, &b, &c);
		}
	}
	for (i = 0; i < o.buffers; i++)
		live_fds[i] = expbuf(i);
	for (i = 0; i < o.warmup + o.iters; i++) {
		mark(&a);
		fd = expbuf(i % o.buffers);
		mark(&b);
		close(fd);
		if (i >= o.warmup)
			add_cost(&live, &a, &b);
	}
	for (i = 0; i < o.buffers; i++)
		close(live_fds[i]);
	reqbufs(V4L2_MEMORY_MMAP, 0);
	report("expbuf", fences, rep, o.iters, &exp, 0);
	report("close", fences, rep, o.iters, &rel, 0);
	report("expbuf_live", fences, rep, o.iters, &live, 0);
}

static unsigned int number(const char *arg, unsigned int min,
			   unsigned int max)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*end || end == arg || v < min || v > max)
		die("'%s' is not a number from %u to %u", arg, min, max);
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: micro [-s WxH] [-b BUFFERS] [-n ITERS] [-w WARMUP] [-r REPS]\n"
		"             [-a heap|udmabuf] [-o OUT.tsv] DEVICE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *alloc = NULL;
	unsigned int rep, f, k;
	bool fences;
	int opt;

	while ((opt = getopt(argc, argv, "s:b:n:w:r:a:o:")) != -1) {
		switch (opt) {
		case 's':
			if (sscanf(optarg, "%ux%u", &o.width, &o.height) != 2)
				die("-s: WIDTHxHEIGHT, not '%s'", optarg);
			break;
		case 'b':
			o.buffers = number(optarg, 2, MAX_BUFFERS);
			break;
		case 'n':
			o.iters = number(optarg, 1, 10000000);
			break;
		case 'w':
			o.warmup = number(optarg, 0, 10000000);
			break;
		case 'r':
			o.reps = number(optarg, 1, 1000);
			break;
		case 'a':
			alloc = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o.device = argv[optind];
	/* Every buffer goes through the producer once before the timing */
	if (o.warmup < o.buffers)
		o.warmup = o.buffers;

	if (!alloc)
		o.udmabuf = access(HEAP_DEV, F_OK) != 0;
	else if (!strcmp(alloc, "udmabuf"))
		o.udmabuf = true;
	else if (strcmp(alloc, "heap"))
		die("-a: heap or udmabuf, not '%s'", alloc);

	out = o.out ? fopen(o.out, "w") : stdout;
	if (!out)
		die("%s: %m", o.out);
	vfd = open(o.device, O_RDWR | O_CLOEXEC);
	if (vfd < 0)
		die("%s: %m", o.device);
	set_format();

	fences_saved = read_fences();
	atexit(restore_fences);
	fprintf(stderr, "micro: %s XR24 %ux%u (%zu bytes), %u buffers, %u+%u iterations, %u repetitions, dma-bufs from %s\n",
		o.device, o.width, o.height, image_size, o.buffers, o.warmup,
		o.iters, o.reps, o.udmabuf ? "udmabuf" : "the system heap");
	fprintf(out, "case\tfences\trep\tcalls\twall_ns\tcpu_ns\tuser_ns\tsys_ns\terrors\n");
	/* Interleaved: every case once per repetition and fences setting */
	for (rep = 1; rep <= o.reps; rep++) {
		for (f = 0; f < 2; f++) {
			/* Alternate which setting goes first */
			fences = (rep + f) % 2;
			write_fences(fences);
			for (k = RT_MMAP; k <= RT_DMABUF_ROTATE; k++)
				round_trips(k, fences, rep);
			qbuf_first_steady(fences, rep);
			expbufs(fences, rep);
		}
		fprintf(stderr, "micro: repetition %u of %u done\n", rep,
			o.reps);
	}
	close(vfd);
	if (out != stdout && fclose(out))
		die("%s: %m", o.out);
	return 0;
}
