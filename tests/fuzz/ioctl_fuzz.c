// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz: random sequences of V4L2 and dma-buf calls on every vivbuf
 * node, with valid and mangled arguments, for a bounded time.
 *
 * The fuzzer is structure-aware: it keeps a pool of open video fds (and
 * dups), exported dma-bufs, udmabufs, non-dma-buf fds (pipe, memfd,
 * /dev/null), sync_files and mappings, and draws each call's arguments
 * mostly from that state (real indices, offsets, sizes and fds) and
 * sometimes from edge values (0, ~0, one past the end). Implicit fences
 * (on by default, required here) are exercised and vivbuf's stall hook is
 * toggled, so the fence watchdog runs too. Nothing is asserted about single results (the same call may
 * legitimately succeed or fail depending on timing); the test fails if the
 * kernel splats (the runner checks the kernel log), if the allocator still
 * holds buffers or dma-bufs or unsignalled fences once everything is
 * closed, or if the device no longer streams afterwards.
 *
 *   ioctl_fuzz [SECONDS]     (default $FUZZ_DURATION, else 90)
 * $FUZZ_SEED picks the seed (default: from the clock), $FUZZ_ITERATIONS
 * stops after that many calls: the seed and the count the run printed
 * replay the same sequence of calls (the results of some depend on timing).
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../uapi/common.h"

#define MAX_VFDS	6
#define MAX_DBUFS	24
#define MAX_SYNCS	8
#define MAX_MAPS	24
#define MAX_NODES	16
#define MAX_BUF_INDEX	8
#define PAGE		4096u

struct node {
	char path[32];
	uint32_t caps;
};

struct vfd {
	int fd;			/* -1: free slot */
	unsigned int node;
};

struct mapping {
	void *addr;
	size_t len;
};

static struct node nodes[MAX_NODES];
static unsigned int num_nodes;
static struct vfd vfds[MAX_VFDS];
static int dbufs[MAX_DBUFS];	/* dma-buf fds, -1: free */
static bool dbuf_ours[MAX_DBUFS];	/* exported by vivbuf, not udmabuf */
static int syncs[MAX_SYNCS];	/* sync_file fds, -1: free */
static struct mapping maps[MAX_MAPS];
static int junk_fds[3];		/* not dma-bufs: pipe, memfd, /dev/null */
static uint64_t rng_state;

/* Per operation: calls, successes and the errnos seen, for the report. */
#define MAX_ERRNO 140
struct op_stats {
	const char *name;
	unsigned long calls, ok;
	unsigned long err[MAX_ERRNO];
};

static uint64_t rnd(void)
{
	/* xorshift64*: small, fast and the same sequence for the same seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* A value near the interesting edges of a u32 field. */
static uint32_t edge_u32(uint32_t valid)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return ~0u;
	case 2: return valid + 1;
	case 3: return valid ? valid - 1 : 0;
	case 4: return valid * 2;
	case 5: return 0x80000000u;
	case 6: return rnd();
	default: return valid;
	}
}

static int pick_vfd(void)
{
	unsigned int start = below(MAX_VFDS), i;

	for (i = 0; i < MAX_VFDS; i++) {
		struct vfd *v = &vfds[(start + i) % MAX_VFDS];

		if (v->fd >= 0)
			return (start + i) % MAX_VFDS;
	}
	return -1;
}

static int *free_slot(int *slots, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (slots[i] < 0)
			return &slots[i];
	return NULL;
}

/*
 * Any fd a caller might pass as a dma-buf: mostly real ones. @ours_only
 * keeps CPU-access calls off udmabufs: 6.12's udmabuf maps its sg_table
 * for the direction of the first DMA_BUF_IOCTL_SYNC and syncs it later
 * with whatever direction comes, which DMA-API debugging reports as a
 * WARNING in mainline code, not ours.
 */
static int some_dmabuf_fd(bool ours_only)
{
	unsigned int i = below(MAX_DBUFS);

	if (chance(85) && dbufs[i] >= 0 && (dbuf_ours[i] || !ours_only))
		return dbufs[i];
	switch (below(5)) {
	case 0: return -1;
	case 1: return 10000;		/* not open */
	default: return junk_fds[below(3)];
	}
}

static uint32_t buf_type(const struct node *n)
{
	static const uint32_t any[] = {
		V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE,
		V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE,
	};
	uint32_t valid[4];
	unsigned int n_valid = 0;

	if (n->caps & V4L2_CAP_VIDEO_CAPTURE)
		valid[n_valid++] = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (n->caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE)
		valid[n_valid++] = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	if (n->caps & (V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_VIDEO_M2M))
		valid[n_valid++] = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	if (n->caps & (V4L2_CAP_VIDEO_OUTPUT_MPLANE | V4L2_CAP_VIDEO_M2M_MPLANE))
		valid[n_valid++] = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
	if (n->caps & V4L2_CAP_VIDEO_M2M)
		valid[n_valid++] = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	if (n->caps & V4L2_CAP_VIDEO_M2M_MPLANE)
		valid[n_valid++] = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	if (!n_valid || chance(5))
		return chance(50) ? any[below(4)] : rnd();
	return valid[below(n_valid)];
}

static bool is_mplane(uint32_t type)
{
	return type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE ||
	       type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

static uint32_t memory_type(void)
{
	static const uint32_t m[] = {
		V4L2_MEMORY_MMAP, V4L2_MEMORY_MMAP, V4L2_MEMORY_DMABUF,
		V4L2_MEMORY_DMABUF, V4L2_MEMORY_USERPTR, 0, 99,
	};

	return m[below(ARRAY_SIZE(m))];
}

/* The plane sizes the current format wants, for plausible lengths. */
static void current_sizes(int fd, uint32_t type, uint32_t *sizes,
			  unsigned int *num)
{
	struct v4l2_format f = { .type = type };
	unsigned int i;

	*num = 1;
	sizes[0] = 640 * 480 * 4;
	if (ioctl(fd, VIDIOC_G_FMT, &f))
		return;
	if (is_mplane(type)) {
		*num = f.fmt.pix_mp.num_planes ? f.fmt.pix_mp.num_planes : 1;
		if (*num > VIDEO_MAX_PLANES)
			*num = VIDEO_MAX_PLANES;
		for (i = 0; i < *num; i++)
			sizes[i] = f.fmt.pix_mp.plane_fmt[i].sizeimage;
	} else {
		sizes[0] = f.fmt.pix.sizeimage;
	}
}

enum {
	OP_OPEN, OP_CLOSE, OP_DUP, OP_REQBUFS, OP_CREATE_BUFS, OP_QUERYBUF,
	OP_QBUF, OP_DQBUF, OP_EXPBUF, OP_STREAMON, OP_STREAMOFF, OP_S_FMT,
	OP_S_PARM, OP_MMAP_VIDEO, OP_MMAP_DMABUF, OP_MUNMAP, OP_SYNC,
	OP_EXPORT_SYNC_FILE, OP_IMPORT_SYNC_FILE, OP_POLL, OP_CLOSE_DMABUF,
	OP_UDMABUF, OP_STALL, OP_TOUCH, NUM_OPS,
};

static struct op_stats stats[NUM_OPS] = {
	[OP_OPEN] = { "open" }, [OP_CLOSE] = { "close" }, [OP_DUP] = { "dup" },
	[OP_REQBUFS] = { "REQBUFS" }, [OP_CREATE_BUFS] = { "CREATE_BUFS" },
	[OP_QUERYBUF] = { "QUERYBUF" }, [OP_QBUF] = { "QBUF" },
	[OP_DQBUF] = { "DQBUF" }, [OP_EXPBUF] = { "EXPBUF" },
	[OP_STREAMON] = { "STREAMON" }, [OP_STREAMOFF] = { "STREAMOFF" },
	[OP_S_FMT] = { "S_FMT" }, [OP_S_PARM] = { "S_PARM" },
	[OP_MMAP_VIDEO] = { "mmap video" }, [OP_MMAP_DMABUF] = { "mmap dma-buf" },
	[OP_MUNMAP] = { "munmap" }, [OP_SYNC] = { "DMA_BUF_IOCTL_SYNC" },
	[OP_EXPORT_SYNC_FILE] = { "EXPORT_SYNC_FILE" },
	[OP_IMPORT_SYNC_FILE] = { "IMPORT_SYNC_FILE" }, [OP_POLL] = { "poll" },
	[OP_CLOSE_DMABUF] = { "close dma-buf" }, [OP_UDMABUF] = { "udmabuf" },
	[OP_STALL] = { "stall toggle" }, [OP_TOUCH] = { "touch mapping" },
};

static void account(unsigned int op, int ret)
{
	struct op_stats *s = &stats[op];

	s->calls++;
	if (ret >= 0)
		s->ok++;
	else if (errno > 0 && errno < MAX_ERRNO)
		s->err[errno]++;
}

static void fill_buffer(struct v4l2_buffer *b, struct v4l2_plane *planes,
			uint32_t type, uint32_t memory, int fd)
{
	uint32_t sizes[VIDEO_MAX_PLANES];
	unsigned int num, i;

	memset(b, 0, sizeof(*b));
	memset(planes, 0, sizeof(*planes) * VIDEO_MAX_PLANES);
	current_sizes(fd, type, sizes, &num);
	b->type = type;
	b->memory = memory;
	b->index = chance(90) ? below(MAX_BUF_INDEX) : edge_u32(4);
	b->field = chance(90) ? V4L2_FIELD_NONE : rnd();
	if (is_mplane(type)) {
		b->m.planes = planes;
		b->length = chance(85) ? num : edge_u32(num);
		for (i = 0; i < VIDEO_MAX_PLANES; i++) {
			planes[i].length = chance(70) ? sizes[i < num ? i : 0] :
				edge_u32(sizes[0]);
			planes[i].bytesused = chance(70) ? planes[i].length :
				edge_u32(planes[i].length);
			planes[i].data_offset = chance(80) ? 0 :
				edge_u32(planes[i].length);
			if (memory == V4L2_MEMORY_DMABUF)
				planes[i].m.fd = some_dmabuf_fd(false);
		}
		/*
		 * 6.12's vb2 core leaks its reference on the dma-bufs of the
		 * planes after one that the allocator refuses (too small for
		 * the length claimed): a mainline bug the fuzzer would report
		 * as our leak. Lengths 0 (the dma-buf's own size) on all but
		 * the last plane keep every refusal where the core unwinds.
		 */
		if (memory == V4L2_MEMORY_DMABUF)
			for (i = 0; i + 1 < b->length && i < VIDEO_MAX_PLANES; i++)
				planes[i].length = 0;
		if (chance(2))
			b->m.planes = NULL;	/* EFAULT path */
	} else {
		b->length = chance(70) ? sizes[0] : edge_u32(sizes[0]);
		b->bytesused = chance(70) ? b->length : edge_u32(b->length);
		if (memory == V4L2_MEMORY_DMABUF)
			b->m.fd = some_dmabuf_fd(false);
	}
}

static void add_mapping(void *addr, size_t len)
{
	unsigned int i;

	for (i = 0; i < MAX_MAPS; i++) {
		if (!maps[i].addr) {
			maps[i].addr = addr;
			maps[i].len = len;
			return;
		}
	}
	munmap(addr, len);
}

static void keep_fd(int *slots, unsigned int n, int fd)
{
	int *slot = free_slot(slots, n);

	if (slot)
		*slot = fd;
	else
		close(fd);
}

static void keep_dbuf(int fd, bool ours)
{
	int *slot = free_slot(dbufs, MAX_DBUFS);

	if (!slot) {
		close(fd);
		return;
	}
	*slot = fd;
	dbuf_ours[slot - dbufs] = ours;
}

static const char *const stall_param = "/sys/module/vivbuf/parameters/stall";
static const char *const fences_param =
	"/sys/module/videobuf2_dmabuf/parameters/fences";

static int write_param(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, value, strlen(value)) < 0 ? -1 : 0;
	close(fd);
	return ret;
}

static long mem_available_mb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb / 1024;
}

static bool param_is_on(const char *path)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y' || c == '1';
}

static void do_op(unsigned int op)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	int v = pick_vfd(), fd = v >= 0 ? vfds[v].fd : -1, ret = 0, i;
	const struct node *n = v >= 0 ? &nodes[vfds[v].node] : &nodes[0];
	struct v4l2_buffer b;
	uint32_t type = buf_type(n);

	if (fd < 0 && op != OP_OPEN && op != OP_UDMABUF && op != OP_STALL)
		op = OP_OPEN;

	errno = 0;
	switch (op) {
	case OP_OPEN: {
		struct vfd *slot = NULL;
		unsigned int node = below(num_nodes);

		for (i = 0; i < MAX_VFDS && !slot; i++)
			if (vfds[i].fd < 0)
				slot = &vfds[i];
		if (!slot)
			return;
		ret = open(nodes[node].path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (ret >= 0) {
			slot->fd = ret;
			slot->node = node;
		}
		break;
	}
	case OP_CLOSE:
		ret = close(fd);
		vfds[v].fd = -1;
		break;
	case OP_DUP:
		for (i = 0; i < MAX_VFDS; i++) {
			if (vfds[i].fd < 0) {
				ret = fcntl(fd, F_DUPFD_CLOEXEC, 0);
				if (ret >= 0) {
					vfds[i].fd = ret;
					vfds[i].node = vfds[v].node;
				}
				break;
			}
		}
		break;
	case OP_REQBUFS: {
		struct v4l2_requestbuffers r = {
			.type = type, .memory = memory_type(),
			.count = chance(90) ? below(7) : edge_u32(4),
		};

		ret = ioctl(fd, VIDIOC_REQBUFS, &r);
		break;
	}
	case OP_CREATE_BUFS: {
		struct v4l2_create_buffers c = {
			.count = chance(90) ? below(4) : edge_u32(2),
			.memory = memory_type(),
		};

		c.format.type = type;
		ioctl(fd, VIDIOC_G_FMT, &c.format);
		if (chance(30)) {
			if (is_mplane(type))
				c.format.fmt.pix_mp.plane_fmt[0].sizeimage =
					edge_u32(c.format.fmt.pix_mp.plane_fmt[0].sizeimage);
			else
				c.format.fmt.pix.sizeimage =
					edge_u32(c.format.fmt.pix.sizeimage);
		}
		ret = ioctl(fd, VIDIOC_CREATE_BUFS, &c);
		break;
	}
	case OP_QUERYBUF:
		fill_buffer(&b, planes, type, memory_type(), fd);
		ret = ioctl(fd, VIDIOC_QUERYBUF, &b);
		break;
	case OP_QBUF:
		fill_buffer(&b, planes, type,
			    chance(90) ? (chance(50) ? V4L2_MEMORY_MMAP :
					  V4L2_MEMORY_DMABUF) : memory_type(), fd);
		ret = ioctl(fd, chance(85) ? VIDIOC_QBUF : VIDIOC_PREPARE_BUF, &b);
		break;
	case OP_DQBUF:
		fill_buffer(&b, planes, type, memory_type(), fd);
		ret = ioctl(fd, VIDIOC_DQBUF, &b);
		break;
	case OP_EXPBUF: {
		struct v4l2_exportbuffer e = {
			.type = type,
			.index = chance(90) ? below(MAX_BUF_INDEX) : edge_u32(4),
			.plane = chance(85) ? 0 : below(4),
			.flags = chance(90) ? O_CLOEXEC | (chance(50) ? O_RDWR : O_RDONLY) :
				 (uint32_t)rnd(),
		};

		ret = ioctl(fd, VIDIOC_EXPBUF, &e);
		if (!ret)
			keep_dbuf(e.fd, true);
		break;
	}
	case OP_STREAMON:
		ret = ioctl(fd, VIDIOC_STREAMON, &type);
		break;
	case OP_STREAMOFF:
		ret = ioctl(fd, VIDIOC_STREAMOFF, &type);
		break;
	case OP_S_FMT: {
		static const uint32_t fourccs[] = {
			V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_NV12, V4L2_PIX_FMT_XRGB32,
			V4L2_PIX_FMT_XBGR32, V4L2_PIX_FMT_NV12M,
		};
		struct v4l2_format f = { .type = type };
		uint32_t w = chance(80) ? 320 + 16 * below(100) : edge_u32(640);
		uint32_t h = chance(80) ? 240 + 8 * below(106) : edge_u32(480);
		uint32_t fourcc = chance(95) ? fourccs[below(5)] : rnd();

		if (is_mplane(type)) {
			f.fmt.pix_mp.width = w;
			f.fmt.pix_mp.height = h;
			f.fmt.pix_mp.pixelformat = fourcc;
			f.fmt.pix_mp.num_planes = chance(90) ? 1 : rnd();
			f.fmt.pix_mp.plane_fmt[0].bytesperline = chance(80) ? 0 : edge_u32(w * 4);
		} else {
			f.fmt.pix.width = w;
			f.fmt.pix.height = h;
			f.fmt.pix.pixelformat = fourcc;
			f.fmt.pix.bytesperline = chance(80) ? 0 : edge_u32(w * 4);
		}
		ret = ioctl(fd, chance(80) ? VIDIOC_S_FMT : VIDIOC_TRY_FMT, &f);
		break;
	}
	case OP_S_PARM: {
		struct v4l2_streamparm p = { .type = type };

		p.parm.capture.timeperframe.numerator = chance(90) ? 1 : rnd();
		p.parm.capture.timeperframe.denominator = chance(90) ?
			(unsigned int[]){ 60, 30, 15, 5, 1 }[below(5)] : rnd();
		ret = ioctl(fd, VIDIOC_S_PARM, &p);
		break;
	}
	case OP_MMAP_VIDEO: {
		size_t len;
		off_t off;
		void *addr;

		fill_buffer(&b, planes, type, V4L2_MEMORY_MMAP, fd);
		if (ioctl(fd, VIDIOC_QUERYBUF, &b) == 0) {
			if (is_mplane(type)) {
				len = planes[0].length;
				off = planes[0].m.mem_offset;
			} else {
				len = b.length;
				off = b.m.offset;
			}
		} else {
			len = PAGE;
			off = 0;
		}
		if (chance(20))
			len = chance(50) ? len + PAGE : edge_u32(len);
		if (chance(10))
			off += PAGE;
		addr = mmap(NULL, len, PROT_READ | (chance(50) ? PROT_WRITE : 0),
			    MAP_SHARED, fd, off);
		ret = addr == MAP_FAILED ? -1 : 0;
		if (!ret)
			add_mapping(addr, len);
		break;
	}
	case OP_MMAP_DMABUF: {
		int dfd = some_dmabuf_fd(false);
		off_t size;
		size_t len;
		void *addr;

		size = lseek(dfd, 0, SEEK_END);
		len = size > 0 ? (size_t)size : PAGE;
		if (chance(20))
			len = chance(50) ? len + PAGE : PAGE;
		addr = mmap(NULL, len, PROT_READ | (chance(50) ? PROT_WRITE : 0),
			    MAP_SHARED, dfd, chance(90) ? 0 : PAGE);
		ret = addr == MAP_FAILED ? -1 : 0;
		if (!ret)
			add_mapping(addr, len);
		break;
	}
	case OP_MUNMAP:
		i = below(MAX_MAPS);
		if (!maps[i].addr)
			return;
		ret = munmap(maps[i].addr, maps[i].len);
		maps[i].addr = NULL;
		break;
	case OP_TOUCH: {
		volatile uint8_t *p;

		i = below(MAX_MAPS);
		if (!maps[i].addr)
			return;
		/* Reads only: a mapping may be read-only. */
		p = maps[i].addr;
		(void)p[below(maps[i].len)];
		ret = 0;
		break;
	}
	case OP_SYNC: {
		static const uint64_t flags[] = {
			DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
			DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
			DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
			DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
			DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
			DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
			DMA_BUF_SYNC_START, 0x100,
		};
		struct dma_buf_sync s = { .flags = flags[below(ARRAY_SIZE(flags))] };

		ret = ioctl(some_dmabuf_fd(true), DMA_BUF_IOCTL_SYNC, &s);
		break;
	}
	case OP_EXPORT_SYNC_FILE: {
		struct dma_buf_export_sync_file e = {
			.flags = chance(90) ? (chance(50) ? DMA_BUF_SYNC_READ :
						DMA_BUF_SYNC_WRITE) : rnd(),
			.fd = -1,
		};

		ret = ioctl(some_dmabuf_fd(false), DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &e);
		if (!ret)
			keep_fd(syncs, MAX_SYNCS, e.fd);
		break;
	}
	case OP_IMPORT_SYNC_FILE: {
		struct dma_buf_import_sync_file im = {
			.flags = chance(90) ? (chance(50) ? DMA_BUF_SYNC_READ :
						DMA_BUF_SYNC_WRITE) : rnd(),
			.fd = syncs[below(MAX_SYNCS)],
		};

		if (im.fd < 0 && chance(50))
			im.fd = junk_fds[below(3)];
		ret = ioctl(some_dmabuf_fd(false), DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im);
		break;
	}
	case OP_POLL: {
		struct pollfd p = {
			.fd = chance(50) ? fd : some_dmabuf_fd(false),
			.events = chance(50) ? POLLIN : POLLOUT,
		};

		ret = poll(&p, 1, 0);
		break;
	}
	case OP_CLOSE_DMABUF:
		if (chance(80)) {
			i = below(MAX_DBUFS);
			if (dbufs[i] < 0)
				return;
			ret = close(dbufs[i]);
			dbufs[i] = -1;
		} else {
			i = below(MAX_SYNCS);
			if (syncs[i] < 0)
				return;
			ret = close(syncs[i]);
			syncs[i] = -1;
		}
		break;
	case OP_UDMABUF: {
		size_t size = chance(80) ? (size_t)(1 + below(2048)) * PAGE :
			(size_t)(1 + below(4)) * PAGE;
		int memfd = -1;

		if (!free_slot(dbufs, MAX_DBUFS))
			return;
		ret = udmabuf_alloc(size, &memfd);	/* fails the test itself */
		keep_dbuf(ret, false);
		close(memfd);
		break;
	}
	case OP_STALL:
		ret = write_param(stall_param, chance(70) ? "0" : "1");
		break;
	}
	account(op, ret);
}

/* Weighted choice: the queue operations are where the state is. */
static unsigned int pick_op(void)
{
	static const unsigned char weights[NUM_OPS] = {
		[OP_OPEN] = 3, [OP_CLOSE] = 2, [OP_DUP] = 1, [OP_REQBUFS] = 8,
		[OP_CREATE_BUFS] = 3, [OP_QUERYBUF] = 4, [OP_QBUF] = 14,
		[OP_DQBUF] = 10, [OP_EXPBUF] = 6, [OP_STREAMON] = 6,
		[OP_STREAMOFF] = 3, [OP_S_FMT] = 4, [OP_S_PARM] = 1,
		[OP_MMAP_VIDEO] = 3, [OP_MMAP_DMABUF] = 3, [OP_MUNMAP] = 3,
		[OP_SYNC] = 4, [OP_EXPORT_SYNC_FILE] = 3,
		[OP_IMPORT_SYNC_FILE] = 2, [OP_POLL] = 3, [OP_CLOSE_DMABUF] = 4,
		[OP_UDMABUF] = 2, [OP_STALL] = 1, [OP_TOUCH] = 2,
	};
	unsigned int total = 0, i, r;

	for (i = 0; i < NUM_OPS; i++)
		total += weights[i];
	r = below(total);
	for (i = 0; i < NUM_OPS; i++) {
		if (r < weights[i])
			return i;
		r -= weights[i];
	}
	return OP_QBUF;
}

static void find_nodes(void)
{
	struct v4l2_capability cap;
	unsigned int i;
	char path[32];
	int fd;

	for (i = 0; i < 64 && num_nodes < MAX_NODES; i++) {
		snprintf(path, sizeof(path), "/dev/video%u", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((const char *)cap.driver, "vivbuf")) {
			snprintf(nodes[num_nodes].path, sizeof(nodes[0].path),
				 "%s", path);
			nodes[num_nodes].caps = cap.device_caps;
			diag("node %s: %s, device_caps 0x%08x", path, cap.card,
			     cap.device_caps);
			num_nodes++;
		}
		close(fd);
	}
}

static void close_everything(void)
{
	unsigned int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
	for (i = 0; i < MAX_VFDS; i++)
		if (vfds[i].fd >= 0)
			close(vfds[i].fd);
	for (i = 0; i < MAX_DBUFS; i++)
		if (dbufs[i] >= 0)
			close(dbufs[i]);
	for (i = 0; i < MAX_SYNCS; i++)
		if (syncs[i] >= 0)
			close(syncs[i]);
	for (i = 0; i < 3; i++)
		close(junk_fds[i]);
}

static void report(unsigned long iterations, double secs)
{
	unsigned int op, e;
	char line[512];
	size_t len;

	diag("%lu calls in %.0f s", iterations, secs);
	for (op = 0; op < NUM_OPS; op++) {
		const struct op_stats *s = &stats[op];

		len = snprintf(line, sizeof(line), "%-20s %6lu calls, %6lu ok",
			       s->name, s->calls, s->ok);
		for (e = 1; e < MAX_ERRNO && len < sizeof(line) - 32; e++)
			if (s->err[e])
				len += snprintf(line + len, sizeof(line) - len,
						", %s %lu", strerrorname_np(e),
						s->err[e]);
		diag("%s", line);
	}
}

/* Once everything is closed, the device must still capture a frame. */
static void check_still_streams(void)
{
	unsigned int i;
	struct vdev d;
	struct dq_buf b;
	int ret;

	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 2) >= 2, "REQBUFS MMAP 2");
	for (i = 0; i < d.count; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %u", i);
	vdev_streamon(&d);
	ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF after fuzzing: %s", strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR), "frame has ERROR flag");
	vdev_streamoff(&d);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	vdev_close(&d);
	diag("instance 0 still streams after fuzzing");
}

int main(int argc, char **argv)
{
	const char *env_seed = getenv("FUZZ_SEED");
	const char *env_iter = getenv("FUZZ_ITERATIONS");
	const char *env_dur = getenv("FUZZ_DURATION");
	unsigned long iterations = 0, max_iterations;
	struct dmabuf_counters before, after;
	double duration, secs = 0;
	struct timespec t0, t;
	uint64_t seed;
	int pipefd[2], kmsg;
	char msg[128];
	unsigned int i;

	test_init("ioctl_fuzz");
	duration = argc > 1 ? atof(argv[1]) : env_dur ? atof(env_dur) : 90;
	max_iterations = env_iter ? strtoul(env_iter, NULL, 0) : ~0ul;
	/* The run itself, then closing and the final checks. */
	alarm((unsigned int)duration + 120);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	seed = env_seed ? strtoull(env_seed, NULL, 0) :
		(uint64_t)t0.tv_nsec * 2654435761u ^ (uint64_t)time(NULL);
	rng_state = seed ? seed : 1;

	/* The seed goes to the kernel log too: an oops ends the guest. */
	snprintf(msg, sizeof(msg), "ioctl_fuzz: seed %llu, %.0f s\n",
		 (unsigned long long)seed, duration);
	diag("seed %llu (replay: FUZZ_SEED=%llu), up to %.0f s",
	     (unsigned long long)seed, (unsigned long long)seed, duration);
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (kmsg >= 0) {
		CHECK(write(kmsg, msg, strlen(msg)) > 0, "write /dev/kmsg");
		close(kmsg);
	}

	find_nodes();
	if (!num_nodes)
		skip_test("no vivbuf video node");
	for (i = 0; i < MAX_VFDS; i++)
		vfds[i].fd = -1;
	for (i = 0; i < MAX_DBUFS; i++)
		dbufs[i] = -1;
	for (i = 0; i < MAX_SYNCS; i++)
		syncs[i] = -1;
	CHECK(!pipe2(pipefd, O_CLOEXEC), "pipe");
	close(pipefd[1]);
	junk_fds[0] = pipefd[0];
	junk_fds[1] = memfd_create("fuzz-not-a-dmabuf", MFD_CLOEXEC);
	junk_fds[2] = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(junk_fds[1] >= 0 && junk_fds[2] >= 0, "memfd, /dev/null");
	CHECK(!ftruncate(junk_fds[1], 1 << 20), "ftruncate memfd");

	dmabuf_counters_read(&before);
	CHECK(param_is_on(fences_param), "videobuf2-dmabuf has fences=0: nothing would test them");

	while (iterations < max_iterations) {
		do_op(pick_op());
		iterations++;
		if (!(iterations % 2000))
			diag("%lu calls: live_buffers %llu, live_dmabufs %llu, %ld MB available",
			     iterations,
			     (unsigned long long)dmabuf_counter("live_buffers"),
			     (unsigned long long)dmabuf_counter("live_dmabufs"),
			     mem_available_mb());
		if (!(iterations & 63)) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			secs = (t.tv_sec - t0.tv_sec) +
			       (t.tv_nsec - t0.tv_nsec) / 1e9;
			if (secs >= duration)
				break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	secs = (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;

	write_param(stall_param, "0");
	close_everything();
	report(iterations, secs);
	diag("replay: FUZZ_SEED=%llu FUZZ_ITERATIONS=%lu",
	     (unsigned long long)seed, iterations);

	/* Every buffer, dma-buf and fence of ours is gone with the fds. */
	dmabuf_counters_read(&after);
	CHECK(after.live_buffers == before.live_buffers,
	      "%llu MMAP planes still allocated after closing everything (%llu before)",
	      (unsigned long long)after.live_buffers,
	      (unsigned long long)before.live_buffers);
	CHECK(after.live_dmabufs == before.live_dmabufs,
	      "%llu exported dma-bufs still alive after closing everything (%llu before)",
	      (unsigned long long)after.live_dmabufs,
	      (unsigned long long)before.live_dmabufs);
	CHECK(dmabuf_counter("fences_pending") == 0,
	      "%llu fences of ours never signalled",
	      (unsigned long long)dmabuf_counter("fences_pending"));
	CHECK(after.maps - before.maps == after.unmaps - before.unmaps,
	      "imports mapped %llu times but unmapped %llu times",
	      (unsigned long long)(after.maps - before.maps),
	      (unsigned long long)(after.unmaps - before.unmaps));
	diag("allocator: exports +%llu, imports +%llu, maps +%llu, fences +%llu (timed out %llu)",
	     (unsigned long long)(after.exports - before.exports),
	     (unsigned long long)(after.imports - before.imports),
	     (unsigned long long)(after.maps - before.maps),
	     (unsigned long long)(dmabuf_counter("fences_published")),
	     (unsigned long long)(dmabuf_counter("fences_timedout")));

	check_still_streams();
	return EXIT_PASS;
}
