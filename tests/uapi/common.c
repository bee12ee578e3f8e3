// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers for the uAPI tests of videobuf2-dmabuf and vivbuf.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "common.h"

#define WATCHDOG_SECONDS	25
#define DEBUGFS_ROOT		"/sys/kernel/debug"
#define COUNTER_DIR		DEBUGFS_ROOT "/v4l2-dmabuf"
#define DEBUGFS_MAGIC_NUMBER	0x64626720
#define UDMABUF_DEV		"/dev/udmabuf"
#define SYSTEM_HEAP_DEV		"/dev/dma_heap/system"

static const char *test_name = "?";

void check_failed(const char *file, int line, const char *expr, int err,
		  const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL %s:%d: %s: ", file, line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d %s)\n", err, err ? strerrorname_np(err) : "-");
	exit(EXIT_FAIL);
}

void check_errno_failed(const char *file, int line, const char *expr,
			long ret, int err, int expected)
{
	printf("# FAIL %s:%d: %s: expected -1 with errno %s, got %ld with errno %d %s\n",
	       file, line, expr, strerrorname_np(expected), ret, err,
	       err ? strerrorname_np(err) : "-");
	exit(EXIT_FAIL);
}

void skip_test(const char *fmt, ...)
{
	va_list ap;

	printf("# SKIP %s: ", test_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(EXIT_SKIP);
}

static void watchdog_expired(int sig)
{
	static const char msg[] = "# FAIL watchdog: test did not finish in time\n";

	(void)sig;
	/* Only async-signal-safe calls here. */
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(EXIT_FAIL);
	_exit(EXIT_FAIL);
}

void test_init(const char *name)
{
	test_name = name;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, watchdog_expired);
	alarm(WATCHDOG_SECONDS);
	diag("uapi/%s", name);
}

int xioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && errno == EINTR);
	return ret;
}

/* ---- device ---------------------------------------------------------- */

static uint32_t node_caps(const struct v4l2_capability *caps)
{
	return caps->capabilities & V4L2_CAP_DEVICE_CAPS ?
	       caps->device_caps : caps->capabilities;
}

static uint32_t direction_caps(bool output)
{
	return output ?
		V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_VIDEO_OUTPUT_MPLANE :
		V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_VIDEO_CAPTURE_MPLANE;
}

/*
 * Every node of an instance has its bus_info; its capture, output and m2m
 * nodes are told apart by their capabilities: @fd is one with any of @want.
 */
static bool is_vivbuf_node(int fd, unsigned int instance, uint32_t want,
			   struct v4l2_capability *caps)
{
	char bus_info[32];

	memset(caps, 0, sizeof(*caps));
	if (xioctl(fd, VIDIOC_QUERYCAP, caps))
		return false;
	snprintf(bus_info, sizeof(bus_info), "platform:vivbuf-%u", instance);
	return !strcmp((const char *)caps->driver, "vivbuf") &&
	       !strcmp((const char *)caps->bus_info, bus_info) &&
	       (node_caps(caps) & want);
}

/*
 * The first /dev/video* node of vivbuf instance @instance with any of the
 * capabilities @want, opened O_NONBLOCK; its path and caps are filled in.
 * Returns the fd, or -1 if there is none.
 */
static int open_vivbuf_node(unsigned int instance, uint32_t want,
			    char *path, size_t path_len,
			    struct v4l2_capability *caps)
{
	struct dirent *de;
	int fd = -1;
	DIR *dir;

	dir = opendir("/dev");
	CHECK(dir, "opendir /dev");
	while (fd < 0 && (de = readdir(dir))) {
		if (strncmp(de->d_name, "video", 5))
			continue;
		snprintf(path, path_len, "/dev/%.24s", de->d_name);
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && !is_vivbuf_node(fd, instance, want, caps)) {
			close(fd);
			fd = -1;
		}
	}
	closedir(dir);
	return fd;
}

int poll_one(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret == -1 && errno == EINTR);
	CHECK(ret >= 0, "poll fd %d", fd);
	return ret;
}

uint64_t buffer_checksum(const void *data, size_t size)
{
	const uint8_t *bytes = data;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < size; i++)
		sum += (uint64_t)bytes[i] * (i % 251 + 1);
	return sum;
}

/*
 * The m2m node of vivbuf instance @instance: driver "vivbuf", its bus_info
 * and M2M device capabilities. Its open fd, or -1.
 */
int vdev_find_m2m(unsigned int instance, char *path, size_t path_len,
		  struct v4l2_capability *caps)
{
	return open_vivbuf_node(instance, M2M_CAPS, path, path_len, caps);
}

bool vdev_open_m2m(struct vdev *out, struct vdev *cap, unsigned int instance)
{
	struct v4l2_capability caps;
	char path[32];
	int fd;

	fd = vdev_find_m2m(instance, path, sizeof(path), &caps);
	if (fd < 0)
		return false;
	CHECK(caps.device_caps & V4L2_CAP_STREAMING,
	      "%s: no STREAMING (caps %#x)", path, caps.device_caps);
	memset(out, 0, sizeof(*out));
	out->fd = fd;
	out->instance = instance;
	snprintf(out->path, sizeof(out->path), "%s", path);
	out->caps = caps;
	out->mplane = caps.device_caps & V4L2_CAP_VIDEO_M2M_MPLANE;
	*cap = *out;
	out->output = true;
	out->type = out->mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
		    V4L2_BUF_TYPE_VIDEO_OUTPUT;
	cap->type = cap->mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
		    V4L2_BUF_TYPE_VIDEO_CAPTURE;
	return true;
}

int vdev_find(unsigned int instance, char *path, size_t path_len)
{
	return vdev_find_node(instance, false, path, path_len);
}

int vdev_find_node(unsigned int instance, bool output, char *path,
		   size_t path_len)
{
	struct v4l2_capability caps;
	int fd;

	fd = open_vivbuf_node(instance, direction_caps(output), path, path_len,
			      &caps);
	if (fd < 0)
		return -ENODEV;
	close(fd);
	return 0;
}

static void vdev_open_node(struct vdev *d, unsigned int instance, bool output)
{
	uint32_t caps;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->instance = instance;
	d->output = output;
	if (vdev_find_node(instance, output, d->path, sizeof(d->path)))
		skip_test("no vivbuf %s node for instance %u (is vivbuf loaded?)",
			  output ? "output" : "capture", instance);

	d->fd = open(d->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(d->fd >= 0, "open %s", d->path);
	CHECK(is_vivbuf_node(d->fd, instance, direction_caps(output), &d->caps),
	      "%s changed identity", d->path);

	caps = node_caps(&d->caps);
	CHECK(caps & V4L2_CAP_STREAMING, "%s: no V4L2_CAP_STREAMING (caps %#x)",
	      d->path, caps);
	if (output) {
		d->mplane = caps & V4L2_CAP_VIDEO_OUTPUT_MPLANE;
		d->type = d->mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
				      V4L2_BUF_TYPE_VIDEO_OUTPUT;
	} else if (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE) {
		d->mplane = true;
		d->type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	} else {
		CHECK(caps & V4L2_CAP_VIDEO_CAPTURE,
		      "%s: neither capture capability (caps %#x)", d->path, caps);
		d->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	}
	diag("instance %u: %s, card \"%s\", %s", instance, d->path,
	     (const char *)d->caps.card,
	     d->mplane ? "multi-planar" : "single-planar");
}

void vdev_open(struct vdev *d, unsigned int instance)
{
	vdev_open_node(d, instance, false);
}

void vdev_open_output(struct vdev *d, unsigned int instance)
{
	vdev_open_node(d, instance, true);
}

void vdev_close(struct vdev *d)
{
	vdev_unmap_buffers(d);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

void vdev_set_format(struct vdev *d, uint32_t pixelformat,
		     uint32_t width, uint32_t height)
{
	struct v4l2_format fmt = { .type = d->type };
	unsigned int p;

	if (d->mplane) {
		fmt.fmt.pix_mp.pixelformat = pixelformat;
		fmt.fmt.pix_mp.width = width;
		fmt.fmt.pix_mp.height = height;
		fmt.fmt.pix_mp.field = V4L2_FIELD_NONE;
	} else {
		fmt.fmt.pix.pixelformat = pixelformat;
		fmt.fmt.pix.width = width;
		fmt.fmt.pix.height = height;
		fmt.fmt.pix.field = V4L2_FIELD_NONE;
	}
	CHECK(!xioctl(d->fd, VIDIOC_S_FMT, &fmt), "S_FMT %.4s %ux%u",
	      (const char *)&pixelformat, width, height);

	if (d->mplane) {
		d->pixelformat = fmt.fmt.pix_mp.pixelformat;
		d->width = fmt.fmt.pix_mp.width;
		d->height = fmt.fmt.pix_mp.height;
		d->num_planes = fmt.fmt.pix_mp.num_planes;
		CHECK(d->num_planes >= 1 && d->num_planes <= VIDEO_MAX_PLANES,
		      "S_FMT returned num_planes %u", d->num_planes);
		for (p = 0; p < d->num_planes; p++)
			d->sizeimage[p] = fmt.fmt.pix_mp.plane_fmt[p].sizeimage;
	} else {
		d->pixelformat = fmt.fmt.pix.pixelformat;
		d->width = fmt.fmt.pix.width;
		d->height = fmt.fmt.pix.height;
		d->num_planes = 1;
		d->sizeimage[0] = fmt.fmt.pix.sizeimage;
	}
	CHECK(d->pixelformat == pixelformat && d->width == width &&
	      d->height == height,
	      "S_FMT asked %.4s %ux%u, driver chose %.4s %ux%u",
	      (const char *)&pixelformat, width, height,
	      (const char *)&d->pixelformat, d->width, d->height);
	for (p = 0; p < d->num_planes; p++)
		CHECK(d->sizeimage[p] > 0, "plane %u sizeimage is 0", p);
}

void vdev_set_frame_rate(struct vdev *d, unsigned int fps)
{
	struct v4l2_streamparm parm = { .type = d->type };
	struct v4l2_fract *tpf = d->output ? &parm.parm.output.timeperframe :
				 &parm.parm.capture.timeperframe;

	tpf->numerator = 1;
	tpf->denominator = fps;
	CHECK(!xioctl(d->fd, VIDIOC_S_PARM, &parm), "S_PARM 1/%u", fps);
	CHECK(tpf->numerator == 1 && tpf->denominator == fps,
	      "S_PARM 1/%u gave %u/%u", fps, tpf->numerator, tpf->denominator);
}

/* ---- queue ----------------------------------------------------------- */

int vdev_reqbufs(struct vdev *d, enum v4l2_memory memory, unsigned int count)
{
	struct v4l2_requestbuffers req = {
		.count = count,
		.type = d->type,
		.memory = memory,
	};

	/* vb2 refuses to free buffers that are still mapped. */
	if (!count)
		vdev_unmap_buffers(d);
	if (xioctl(d->fd, VIDIOC_REQBUFS, &req))
		return -errno;
	CHECK(req.count <= VIVBUF_MAX_BUFFERS, "REQBUFS granted %u buffers",
	      req.count);
	d->memory = memory;
	d->count = req.count;
	return req.count;
}

static void dq_buf_init(const struct vdev *d, struct dq_buf *b,
			enum v4l2_memory memory, unsigned int index)
{
	memset(b, 0, sizeof(*b));
	b->buf.type = d->type;
	b->buf.memory = memory;
	b->buf.index = index;
	if (d->mplane) {
		b->buf.m.planes = b->planes;
		b->buf.length = VIDEO_MAX_PLANES;
	}
}

int vdev_querybuf(struct vdev *d, unsigned int index, struct dq_buf *out)
{
	dq_buf_init(d, out, d->memory, index);
	if (xioctl(d->fd, VIDIOC_QUERYBUF, &out->buf))
		return -errno;
	return 0;
}

void vdev_mmap_buffers(struct vdev *d, int prot)
{
	struct dq_buf b;
	unsigned int i, p;
	uint32_t offset;

	for (i = 0; i < d->count; i++) {
		CHECK(!vdev_querybuf(d, i, &b), "QUERYBUF %u", i);
		CHECK(b.buf.index == i, "QUERYBUF %u returned index %u",
		      i, b.buf.index);
		for (p = 0; p < d->num_planes; p++) {
			struct plane_map *m = &d->map[i][p];

			m->length = dq_length(d, &b, p);
			offset = d->mplane ? b.planes[p].m.mem_offset :
				 b.buf.m.offset;
			CHECK(m->length >= d->sizeimage[p],
			      "buffer %u plane %u length %zu < sizeimage %u",
			      i, p, m->length, d->sizeimage[p]);
			m->addr = mmap(NULL, m->length, prot, MAP_SHARED,
				       d->fd, offset);
			CHECK(m->addr != MAP_FAILED,
			      "mmap buffer %u plane %u offset %#x length %zu",
			      i, p, offset, m->length);
		}
	}
}

void vdev_unmap_buffers(struct vdev *d)
{
	unsigned int i, p;

	for (i = 0; i < VIVBUF_MAX_BUFFERS; i++) {
		for (p = 0; p < VIDEO_MAX_PLANES; p++) {
			struct plane_map *m = &d->map[i][p];

			if (m->addr)
				munmap(m->addr, m->length);
			m->addr = NULL;
			m->length = 0;
		}
	}
}

static int vdev_queue_ioctl(struct vdev *d, unsigned long request,
			    unsigned int index, const int *fds,
			    const uint32_t *lengths)
{
	uint32_t length[VIDEO_MAX_PLANES];
	struct dq_buf b;
	unsigned int p;

	dq_buf_init(d, &b, d->memory, index);
	if (d->mplane)
		b.buf.length = d->num_planes;
	/* An output buffer carries a whole frame */
	if (d->output) {
		for (p = 0; p < d->num_planes; p++)
			b.planes[p].bytesused = d->sizeimage[p];
		b.buf.bytesused = d->sizeimage[0];
	}
	if (d->memory == V4L2_MEMORY_DMABUF) {
		for (p = 0; p < d->num_planes; p++)
			length[p] = lengths ? lengths[p] : 0;
		/*
		 * vb2 checks an output plane's bytesused against the length
		 * given, before it looks at the dma-buf: give its size.
		 */
		if (d->output && !lengths)
			for (p = 0; p < d->num_planes; p++)
				length[p] = dmabuf_size(fds[p]);
		if (d->mplane) {
			for (p = 0; p < d->num_planes; p++) {
				b.planes[p].m.fd = fds[p];
				b.planes[p].length = length[p];
			}
		} else {
			b.buf.m.fd = fds[0];
			b.buf.length = length[0];
		}
	}
	if (xioctl(d->fd, request, &b.buf))
		return -errno;
	return 0;
}

int vdev_qbuf(struct vdev *d, unsigned int index, const int *fds,
	      const uint32_t *lengths)
{
	return vdev_queue_ioctl(d, VIDIOC_QBUF, index, fds, lengths);
}

int vdev_prepare_buf(struct vdev *d, unsigned int index, const int *fds,
		     const uint32_t *lengths)
{
	return vdev_queue_ioctl(d, VIDIOC_PREPARE_BUF, index, fds, lengths);
}

int vdev_dqbuf(struct vdev *d, struct dq_buf *out, int timeout_ms)
{
	/* A done output buffer makes the node writable, a capture one readable */
	struct pollfd pfd = { .fd = d->fd, .events = d->output ? POLLOUT : POLLIN };
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret == -1 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret == 0)
		return -ETIMEDOUT;

	dq_buf_init(d, out, d->memory, 0);
	if (xioctl(d->fd, VIDIOC_DQBUF, &out->buf))
		return -errno;
	return 0;
}

void vdev_streamon(struct vdev *d)
{
	int type = d->type;

	CHECK(!xioctl(d->fd, VIDIOC_STREAMON, &type), "STREAMON %s", d->path);
}

void vdev_streamoff(struct vdev *d)
{
	int type = d->type;

	CHECK(!xioctl(d->fd, VIDIOC_STREAMOFF, &type), "STREAMOFF %s", d->path);
}

int vdev_expbuf_raw(struct vdev *d, uint32_t type, unsigned int index,
		    unsigned int plane, unsigned int flags)
{
	struct v4l2_exportbuffer eb = {
		.type = type,
		.index = index,
		.plane = plane,
		.flags = flags,
	};

	if (xioctl(d->fd, VIDIOC_EXPBUF, &eb))
		return -errno;
	return eb.fd;
}

int vdev_expbuf(struct vdev *d, unsigned int index, unsigned int plane,
		unsigned int flags)
{
	return vdev_expbuf_raw(d, d->type, index, plane, flags);
}

uint32_t dq_bytesused(const struct vdev *d, const struct dq_buf *b,
		      unsigned int plane)
{
	return d->mplane ? b->planes[plane].bytesused : b->buf.bytesused;
}

uint32_t dq_length(const struct vdev *d, const struct dq_buf *b,
		   unsigned int plane)
{
	return d->mplane ? b->planes[plane].length : b->buf.length;
}

uint64_t dq_timestamp_ns(const struct dq_buf *b)
{
	return (uint64_t)b->buf.timestamp.tv_sec * 1000000000ull +
	       (uint64_t)b->buf.timestamp.tv_usec * 1000ull;
}

/* ---- frames ---------------------------------------------------------- */

bool buffer_is_zero(const void *data, size_t size)
{
	const uint8_t *bytes = data;
	size_t i;

	for (i = 0; i < size; i++)
		if (bytes[i])
			return false;
	return true;
}

bool buffers_match(const char *what, const void *got, const void *want,
		   size_t size)
{
	const uint8_t *g = got, *w = want;
	size_t i, first = 0, differing = 0;

	if (!memcmp(got, want, size))
		return true;
	for (i = 0; i < size; i++) {
		if (g[i] == w[i])
			continue;
		if (!differing++)
			first = i;
	}
	diag("%s: %zu of %zu bytes differ, first at offset %zu: got %#04x want %#04x",
	     what, differing, size, first, g[first], w[first]);
	return false;
}

void capture_reference(struct vdev *d, struct frame *ref)
{
	struct dq_buf b;
	unsigned int i, p;
	int ret;

	CHECK(vdev_reqbufs(d, V4L2_MEMORY_MMAP, 2) >= 2,
	      "REQBUFS MMAP 2 for the reference frame");
	vdev_mmap_buffers(d, PROT_READ);
	for (i = 0; i < d->count; i++)
		CHECK(!vdev_qbuf(d, i, NULL, NULL), "QBUF MMAP %u", i);
	vdev_streamon(d);
	ret = vdev_dqbuf(d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF reference frame: %s", strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR), "reference frame has ERROR flag");

	memset(ref, 0, sizeof(*ref));
	ref->num_planes = d->num_planes;
	for (p = 0; p < d->num_planes; p++) {
		CHECK(dq_bytesused(d, &b, p) == d->sizeimage[p],
		      "reference plane %u bytesused %u != sizeimage %u",
		      p, dq_bytesused(d, &b, p), d->sizeimage[p]);
		ref->size[p] = d->sizeimage[p];
		ref->data[p] = malloc(ref->size[p]);
		CHECK(ref->data[p], "malloc %zu", ref->size[p]);
		memcpy(ref->data[p], d->map[b.buf.index][p].addr, ref->size[p]);
		CHECK(!buffer_is_zero(ref->data[p], ref->size[p]),
		      "reference plane %u is all zero: no test pattern", p);
	}
	vdev_streamoff(d);
	CHECK(vdev_reqbufs(d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS MMAP 0");
}

void frame_free(struct frame *f)
{
	unsigned int p;

	for (p = 0; p < f->num_planes; p++)
		free(f->data[p]);
	memset(f, 0, sizeof(*f));
}

static void check_imported_frame(struct vdev *d, struct import_buf *ib,
				 const struct dq_buf *b, const struct frame *ref)
{
	char what[64];
	unsigned int p;
	int ret;

	CHECK(!(b->buf.flags & V4L2_BUF_FLAG_ERROR),
	      "buffer %u seq %u has ERROR flag", b->buf.index, b->buf.sequence);
	CHECK(b->buf.memory == V4L2_MEMORY_DMABUF, "DQBUF memory %u",
	      b->buf.memory);
	for (p = 0; p < d->num_planes; p++) {
		CHECK(dq_bytesused(d, b, p) == d->sizeimage[p],
		      "buffer %u plane %u bytesused %u != sizeimage %u",
		      b->buf.index, p, dq_bytesused(d, b, p), d->sizeimage[p]);
		if (!ref)
			continue;
		ret = dmabuf_sync(ib->sync_fd[p], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		CHECK(!ret, "SYNC START|READ: %s", strerrorname_np(-ret));
		snprintf(what, sizeof(what), "seq %u buffer %u plane %u",
			 b->buf.sequence, b->buf.index, p);
		CHECK(buffers_match(what, ib->map[p], ref->data[p], ref->size[p]),
		      "imported frame differs from the MMAP reference");
		ret = dmabuf_sync(ib->sync_fd[p], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		CHECK(!ret, "SYNC END|READ: %s", strerrorname_np(-ret));
	}
}

static void check_dequeued_fds(const struct vdev *d, const struct dq_buf *b,
			       const int *fds)
{
	unsigned int p;
	int fd;

	for (p = 0; p < d->num_planes; p++) {
		fd = d->mplane ? b->planes[p].m.fd : b->buf.m.fd;
		CHECK(fd == fds[p], "DQBUF index %u plane %u returned fd %d, queued %d",
		      b->buf.index, p, fd, fds[p]);
	}
}

void stream_imported(struct vdev *d, struct import_buf *bufs,
		     unsigned int nbufs, unsigned int nframes,
		     const struct frame *ref)
{
	unsigned int i, n, index;
	int64_t last_sequence = -1;
	struct dq_buf b;
	int ret;

	CHECK(d->memory == V4L2_MEMORY_DMABUF && d->count >= nbufs,
	      "queue not set up for %u DMABUF buffers", nbufs);
	for (i = 0; i < nbufs; i++) {
		ret = vdev_qbuf(d, i, bufs[i].fd, NULL);
		CHECK(!ret, "QBUF DMABUF index %u fd %d: %s", i, bufs[i].fd[0],
		      strerrorname_np(-ret));
	}
	vdev_streamon(d);
	for (n = 0; n < nframes; n++) {
		ret = vdev_dqbuf(d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "DQBUF frame %u: %s", n, strerrorname_np(-ret));
		index = b.buf.index;
		CHECK(index < nbufs, "DQBUF returned index %u", index);
		CHECK((int64_t)b.buf.sequence > last_sequence,
		      "sequence %u after %lld", b.buf.sequence,
		      (long long)last_sequence);
		last_sequence = b.buf.sequence;
		check_dequeued_fds(d, &b, bufs[index].fd);
		check_imported_frame(d, &bufs[index], &b, ref);
		ret = vdev_qbuf(d, index, bufs[index].fd, NULL);
		CHECK(!ret, "re-QBUF DMABUF index %u: %s", index,
		      strerrorname_np(-ret));
	}
	vdev_streamoff(d);
	if (ref)
		diag("%s: %u imported frames match the reference", d->path, nframes);
}

/* ---- dma-buf --------------------------------------------------------- */

int dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	if (xioctl(fd, DMA_BUF_IOCTL_SYNC, &sync))
		return -errno;
	return 0;
}

void *dmabuf_mmap(int fd, size_t size, int prot)
{
	void *addr = mmap(NULL, size, prot, MAP_SHARED, fd, 0);

	CHECK(addr != MAP_FAILED, "mmap dma-buf fd %d size %zu prot %#x",
	      fd, size, prot);
	return addr;
}

size_t dmabuf_size(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);

	CHECK(size > 0, "lseek(SEEK_END) on dma-buf fd %d", fd);
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek(SEEK_SET) on dma-buf fd %d", fd);
	return size;
}

void fd_inode(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;

	CHECK(!fstat(fd, &st), "fstat fd %d", fd);
	*dev = st.st_dev;
	*ino = st.st_ino;
}

size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

size_t page_align(size_t size)
{
	size_t page = page_size();

	return (size + page - 1) / page * page;
}

int udmabuf_alloc(size_t size, int *memfd_out)
{
	struct udmabuf_create create = {
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0,
		.size = size,
	};
	int dev, memfd, fd;

	dev = open(UDMABUF_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0 && errno == ENOENT)
		skip_test("%s not present", UDMABUF_DEV);
	CHECK(dev >= 0, "open %s", UDMABUF_DEV);

	memfd = memfd_create("uapi-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	CHECK(memfd >= 0, "memfd_create");
	CHECK(!ftruncate(memfd, size), "ftruncate memfd to %zu", size);
	CHECK(!fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK), "F_ADD_SEALS F_SEAL_SHRINK");

	create.memfd = memfd;
	fd = xioctl(dev, UDMABUF_CREATE, &create);
	CHECK(fd >= 0, "UDMABUF_CREATE size %zu", size);
	close(dev);

	if (memfd_out)
		*memfd_out = memfd;
	else
		close(memfd);
	return fd;
}

int dma_heap_alloc(size_t size)
{
	struct dma_heap_allocation_data alloc = {
		.len = size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap;

	heap = open(SYSTEM_HEAP_DEV, O_RDONLY | O_CLOEXEC);
	if (heap < 0 && errno == ENOENT)
		skip_test("%s not present", SYSTEM_HEAP_DEV);
	CHECK(heap >= 0, "open %s", SYSTEM_HEAP_DEV);
	CHECK(!xioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc),
	      "DMA_HEAP_IOCTL_ALLOC %zu bytes", size);
	close(heap);
	CHECK((int)alloc.fd >= 0, "DMA_HEAP_IOCTL_ALLOC returned fd %u", alloc.fd);
	return alloc.fd;
}

/* ---- debugfs --------------------------------------------------------- */

uint64_t dmabuf_counter(const char *name)
{
	char path[128], text[32], *end;
	unsigned long long value;
	struct statfs sfs;
	ssize_t len;
	int fd;

	if (statfs(DEBUGFS_ROOT, &sfs) || sfs.f_type != DEBUGFS_MAGIC_NUMBER)
		skip_test("debugfs is not mounted at %s", DEBUGFS_ROOT);

	snprintf(path, sizeof(path), "%s/%s", COUNTER_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open %s", path);
	len = read(fd, text, sizeof(text) - 1);
	CHECK(len > 0, "read %s", path);
	close(fd);
	text[len] = '\0';

	errno = 0;
	value = strtoull(text, &end, 10);
	CHECK(!errno && end != text && *end == '\n' && !end[1],
	      "%s: \"%s\" is not a decimal u64 and a newline", path, text);
	return value;
}

void dmabuf_counters_read(struct dmabuf_counters *c)
{
	c->exports = dmabuf_counter("exports");
	c->expbufs = dmabuf_counter("expbufs");
	c->imports = dmabuf_counter("imports");
	c->attachments = dmabuf_counter("attachments");
	c->maps = dmabuf_counter("maps");
	c->unmaps = dmabuf_counter("unmaps");
	c->cpu_syncs = dmabuf_counter("cpu_syncs");
	c->cpu_maps = dmabuf_counter("cpu_maps");
	c->live_buffers = dmabuf_counter("live_buffers");
	c->live_dmabufs = dmabuf_counter("live_dmabufs");
}

void check_import_counters(struct vdev *d, unsigned int nbufs,
			   unsigned int nframes,
			   const struct dmabuf_counters *before,
			   const struct dmabuf_counters *streamed)
{
	uint64_t planes = (uint64_t)nbufs * d->num_planes;
	uint64_t imports = streamed->imports - before->imports;
	uint64_t maps = streamed->maps - before->maps;
	struct dmabuf_counters after;

	diag("%s: imports +%llu maps +%llu for %llu planes over %u frames",
	     d->path, (unsigned long long)imports, (unsigned long long)maps,
	     (unsigned long long)planes, nframes);
	CHECK(imports == planes,
	      "imports rose by %llu, want one per plane (%llu)",
	      (unsigned long long)imports, (unsigned long long)planes);
	CHECK(maps == planes, "maps rose by %llu, want one per plane (%llu)",
	      (unsigned long long)maps, (unsigned long long)planes);

	CHECK(vdev_reqbufs(d, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS DMABUF 0");
	dmabuf_counters_read(&after);
	CHECK(after.unmaps - before->unmaps == after.maps - before->maps,
	      "after REQBUFS(0): maps +%llu but unmaps +%llu",
	      (unsigned long long)(after.maps - before->maps),
	      (unsigned long long)(after.unmaps - before->unmaps));
	CHECK(after.cpu_maps == before->cpu_maps, "cpu_maps rose by %llu",
	      (unsigned long long)(after.cpu_maps - before->cpu_maps));
}

void check_mmap_freed(struct vdev *d, const struct dmabuf_counters *before)
{
	uint64_t planes = (uint64_t)d->count * d->num_planes;
	struct dmabuf_counters after;

	CHECK(vdev_reqbufs(d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS MMAP 0");
	dmabuf_counters_read(&after);
	CHECK(after.live_dmabufs == before->live_dmabufs,
	      "live_dmabufs %llu after closing all fds and REQBUFS(0), was %llu",
	      (unsigned long long)after.live_dmabufs,
	      (unsigned long long)before->live_dmabufs);
	CHECK(after.live_buffers + planes == before->live_buffers,
	      "live_buffers %llu after REQBUFS(0), was %llu with %llu planes",
	      (unsigned long long)after.live_buffers,
	      (unsigned long long)before->live_buffers,
	      (unsigned long long)planes);
}
