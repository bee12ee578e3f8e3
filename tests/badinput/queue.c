// SPDX-License-Identifier: GPL-2.0
/*
 * The vivbuf nodes and their queues, as the malformed-input tests see them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"

#define SMALL_WIDTH	320
#define SMALL_HEIGHT	240
#define DQBUF_POLL_US	2000

int try_ioctl(int fd, unsigned long request, void *arg)
{
	return xioctl(fd, request, arg) ? -errno : 0;
}

int lowest_free_fd(void)
{
	int fd = dup(0);

	CHECK(fd >= 0, "dup");
	close(fd);
	return fd;
}

const char *buf_type_name(uint32_t type)
{
	switch (type) {
	case V4L2_BUF_TYPE_VIDEO_CAPTURE: return "capture";
	case V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE: return "capture-mplane";
	case V4L2_BUF_TYPE_VIDEO_OUTPUT: return "output";
	case V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE: return "output-mplane";
	default: return "?";
	}
}

const char *memory_name(enum v4l2_memory memory)
{
	return memory == V4L2_MEMORY_MMAP ? "MMAP" :
	       memory == V4L2_MEMORY_DMABUF ? "DMABUF" : "?";
}

static int node_cmp(const void *a, const void *b)
{
	const struct node *na = a, *nb = b;
	size_t la = strlen(na->path), lb = strlen(nb->path);

	/* /dev/video2 before /dev/video10 */
	return la != lb ? (la < lb ? -1 : 1) : strcmp(na->path, nb->path);
}

/* The queues a node has, from its device_caps; m2m has two. */
static void node_types(struct node *n)
{
	static const struct {
		uint32_t cap;
		uint32_t types[2];
	} map[] = {
		{ V4L2_CAP_VIDEO_M2M_MPLANE, { V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE,
					       V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE } },
		{ V4L2_CAP_VIDEO_M2M, { V4L2_BUF_TYPE_VIDEO_OUTPUT,
					V4L2_BUF_TYPE_VIDEO_CAPTURE } },
		{ V4L2_CAP_VIDEO_CAPTURE_MPLANE, { V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE } },
		{ V4L2_CAP_VIDEO_CAPTURE, { V4L2_BUF_TYPE_VIDEO_CAPTURE } },
		{ V4L2_CAP_VIDEO_OUTPUT_MPLANE, { V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE } },
		{ V4L2_CAP_VIDEO_OUTPUT, { V4L2_BUF_TYPE_VIDEO_OUTPUT } },
	};
	unsigned int i, t;

	n->num_types = 0;
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (!(n->device_caps & map[i].cap))
			continue;
		for (t = 0; t < 2 && map[i].types[t] && n->num_types < 2; t++)
			n->types[n->num_types++] = map[i].types[t];
		/* A mem2mem node's caps are its two queues, nothing more. */
		if (map[i].cap & (V4L2_CAP_VIDEO_M2M_MPLANE | V4L2_CAP_VIDEO_M2M))
			break;
	}
}

unsigned int find_vivbuf_nodes(struct node *nodes, unsigned int max)
{
	struct v4l2_capability caps;
	unsigned int count = 0;
	struct dirent *de;
	struct node *n;
	DIR *dir;
	int fd;

	dir = opendir("/dev");
	CHECK(dir, "opendir /dev");
	while ((de = readdir(dir)) && count < max) {
		if (strncmp(de->d_name, "video", 5))
			continue;
		n = &nodes[count];
		memset(n, 0, sizeof(*n));
		snprintf(n->path, sizeof(n->path), "/dev/%.24s", de->d_name);
		fd = open(n->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&caps, 0, sizeof(caps));
		if (!xioctl(fd, VIDIOC_QUERYCAP, &caps) &&
		    !strcmp((const char *)caps.driver, "vivbuf")) {
			n->device_caps = caps.capabilities & V4L2_CAP_DEVICE_CAPS ?
					 caps.device_caps : caps.capabilities;
			snprintf(n->card, sizeof(n->card), "%s",
				 (const char *)caps.card);
			node_types(n);
			if (n->num_types && (n->device_caps & V4L2_CAP_STREAMING))
				count++;
		}
		close(fd);
	}
	closedir(dir);
	qsort(nodes, count, sizeof(*nodes), node_cmp);
	return count;
}

/* Does the node offer @fourcc on the queue of @type? */
static bool has_format(int fd, uint32_t type, uint32_t fourcc)
{
	struct v4l2_fmtdesc desc = { .type = type };

	for (desc.index = 0; !xioctl(fd, VIDIOC_ENUM_FMT, &desc); desc.index++)
		if (desc.pixelformat == fourcc)
			return true;
	return false;
}

void queue_init(struct vdev *q, int fd, const char *path, uint32_t type,
		struct v4l2_format *orig)
{
	struct v4l2_format fmt = { .type = type };
	unsigned int p;

	memset(q, 0, sizeof(*q));
	q->fd = fd;
	snprintf(q->path, sizeof(q->path), "%s", path);
	q->type = type;
	q->mplane = V4L2_TYPE_IS_MULTIPLANAR(type);

	CHECK(!xioctl(fd, VIDIOC_G_FMT, &fmt), "%s: G_FMT %s", path,
	      buf_type_name(type));
	if (orig)
		*orig = fmt;
	/* Small frames keep the many REQBUFS of the table cheap. */
	if (q->mplane) {
		fmt.fmt.pix_mp.width = SMALL_WIDTH;
		fmt.fmt.pix_mp.height = SMALL_HEIGHT;
		if (has_format(fd, type, V4L2_PIX_FMT_NV12M))
			fmt.fmt.pix_mp.pixelformat = V4L2_PIX_FMT_NV12M;
	} else {
		fmt.fmt.pix.width = SMALL_WIDTH;
		fmt.fmt.pix.height = SMALL_HEIGHT;
	}
	/* A mem2mem capture format may follow the output one: keep its pick. */
	if (xioctl(fd, VIDIOC_S_FMT, &fmt))
		diag("%s: S_FMT %s %ux%u refused (%s), keeping the current format",
		     path, buf_type_name(type), SMALL_WIDTH, SMALL_HEIGHT,
		     strerrorname_np(errno));
	CHECK(!xioctl(fd, VIDIOC_G_FMT, &fmt), "%s: G_FMT", path);

	if (q->mplane) {
		q->pixelformat = fmt.fmt.pix_mp.pixelformat;
		q->width = fmt.fmt.pix_mp.width;
		q->height = fmt.fmt.pix_mp.height;
		q->num_planes = fmt.fmt.pix_mp.num_planes;
		for (p = 0; p < q->num_planes && p < VIDEO_MAX_PLANES; p++)
			q->sizeimage[p] = fmt.fmt.pix_mp.plane_fmt[p].sizeimage;
	} else {
		q->pixelformat = fmt.fmt.pix.pixelformat;
		q->width = fmt.fmt.pix.width;
		q->height = fmt.fmt.pix.height;
		q->num_planes = 1;
		q->sizeimage[0] = fmt.fmt.pix.sizeimage;
	}
	CHECK(q->num_planes >= 1 && q->num_planes <= VIDEO_MAX_PLANES,
	      "%s: format has %u planes", path, q->num_planes);
	for (p = 0; p < q->num_planes; p++)
		CHECK(q->sizeimage[p], "%s: plane %u sizeimage 0", path, p);
}

void queue_open(struct vdev *q, const struct node *node, uint32_t type,
		struct v4l2_format *orig)
{
	int fd = open(node->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	CHECK(fd >= 0, "open %s", node->path);
	queue_init(q, fd, node->path, type, orig);
}

void queue_close(struct vdev *q, struct v4l2_format *orig)
{
	if (orig && xioctl(q->fd, VIDIOC_S_FMT, orig))
		diag("%s: could not restore the format: %s", q->path,
		     strerrorname_np(errno));
	vdev_close(q);
}

uint32_t queue_buf_caps(struct vdev *q, enum v4l2_memory memory)
{
	struct v4l2_requestbuffers req = {
		.count = 0,
		.type = q->type,
		.memory = memory,
	};

	if (xioctl(q->fd, VIDIOC_REQBUFS, &req))
		return 0;
	return req.capabilities;
}

void queue_reset(struct vdev *q)
{
	struct v4l2_requestbuffers req = { .type = q->type };
	int type = q->type;

	/* Both may fail harmlessly: not streaming, or never set up. */
	xioctl(q->fd, VIDIOC_STREAMOFF, &type);
	vdev_unmap_buffers(q);
	req.memory = q->memory ? q->memory : V4L2_MEMORY_MMAP;
	CHECK(!xioctl(q->fd, VIDIOC_REQBUFS, &req), "%s: REQBUFS(0) %s",
	      q->path, memory_name(req.memory));
	q->count = 0;
}

void queue_set_nonblock(struct vdev *q, bool nonblock)
{
	int flags = fcntl(q->fd, F_GETFL);

	CHECK(flags >= 0, "F_GETFL");
	flags = nonblock ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	CHECK(!fcntl(q->fd, F_SETFL, flags), "F_SETFL %#x", flags);
}

void make_buf(const struct vdev *q, struct v4l2_buffer *b,
	      struct v4l2_plane *planes, unsigned int index,
	      const struct dmabufs *fds)
{
	bool output = V4L2_TYPE_IS_OUTPUT(q->type);
	unsigned int p;

	memset(b, 0, sizeof(*b));
	b->type = q->type;
	b->memory = q->memory;
	b->index = index;
	b->field = V4L2_FIELD_NONE;
	if (!q->mplane) {
		if (q->memory == V4L2_MEMORY_DMABUF) {
			b->m.fd = fds->fd[0];
			b->length = fds->size[0];
		}
		if (output)
			b->bytesused = q->sizeimage[0];
		return;
	}
	memset(planes, 0, sizeof(*planes) * VIDEO_MAX_PLANES);
	b->m.planes = planes;
	b->length = q->num_planes;
	for (p = 0; p < q->num_planes; p++) {
		if (q->memory == V4L2_MEMORY_DMABUF) {
			planes[p].m.fd = fds->fd[p];
			planes[p].length = fds->size[p];
		}
		if (output)
			planes[p].bytesused = q->sizeimage[p];
	}
}

bool buf_is_busy(struct vdev *q, unsigned int index)
{
	struct dq_buf b;

	CHECK(!vdev_querybuf(q, index, &b), "QUERYBUF %u", index);
	return b.buf.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_PREPARED |
			      V4L2_BUF_FLAG_DONE);
}

void dmabufs_alloc(const struct vdev *q, struct dmabufs *d, long extra)
{
	unsigned int p;

	memset(d, 0, sizeof(*d));
	for (p = 0; p < q->num_planes; p++) {
		d->size[p] = page_align(q->sizeimage[p]) + extra;
		d->fd[p] = udmabuf_alloc(d->size[p], NULL);
	}
}

void dmabufs_free(const struct vdev *q, struct dmabufs *d)
{
	unsigned int p;

	for (p = 0; p < q->num_planes; p++)
		if (d->fd[p] > 0)
			close(d->fd[p]);
	memset(d, 0, sizeof(*d));
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

/* DQBUF one buffer of @q within DQBUF_TIMEOUT_MS; the file is O_NONBLOCK. */
static void dqbuf_wait(struct vdev *q, struct dq_buf *out)
{
	uint64_t deadline = now_us() + DQBUF_TIMEOUT_MS * 1000ull;
	int ret;

	/* Polling would not tell which queue of a mem2mem file is ready. */
	for (;;) {
		memset(out, 0, sizeof(*out));
		out->buf.type = q->type;
		out->buf.memory = q->memory;
		if (q->mplane) {
			out->buf.m.planes = out->planes;
			out->buf.length = VIDEO_MAX_PLANES;
		}
		ret = try_ioctl(q->fd, VIDIOC_DQBUF, &out->buf);
		if (ret != -EAGAIN)
			break;
		CHECK(now_us() < deadline, "%s %s: no buffer in %u ms", q->path,
		      buf_type_name(q->type), DQBUF_TIMEOUT_MS);
		usleep(DQBUF_POLL_US);
	}
	CHECK(!ret, "%s %s: DQBUF: %s", q->path, buf_type_name(q->type),
	      strerrorname_np(-ret));
}

static void queue_one(struct vdev *q, unsigned int index,
		      const struct dmabufs *fds)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	int ret;

	make_buf(q, &b, planes, index, fds);
	ret = try_ioctl(q->fd, VIDIOC_QBUF, &b);
	CHECK(!ret, "%s %s: QBUF %s %u: %s", q->path, buf_type_name(q->type),
	      memory_name(q->memory), index, strerrorname_np(-ret));
}

unsigned int node_streams(const struct node *node, enum v4l2_memory memory,
			  unsigned int frames)
{
	struct dmabufs fds[2][NUM_BUFFERS];
	struct vdev qs[2];
	unsigned int t, i, n, p, checked = 0;
	struct dq_buf b;
	int fd, type;

	memset(fds, 0, sizeof(fds));
	fd = open(node->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(fd >= 0, "open %s", node->path);
	for (t = 0; t < node->num_types; t++) {
		queue_init(&qs[t], fd, node->path, node->types[t], NULL);
		n = vdev_reqbufs(&qs[t], memory, NUM_BUFFERS);
		CHECK(n >= NUM_BUFFERS, "%s %s: REQBUFS %s %u after the table: %d",
		      node->path, buf_type_name(node->types[t]),
		      memory_name(memory), NUM_BUFFERS, n);
		for (i = 0; i < NUM_BUFFERS; i++) {
			if (memory == V4L2_MEMORY_DMABUF)
				dmabufs_alloc(&qs[t], &fds[t][i], 0);
			queue_one(&qs[t], i, &fds[t][i]);
		}
	}
	for (t = 0; t < node->num_types; t++)
		vdev_streamon(&qs[t]);

	for (n = 0; n < frames; n++) {
		for (t = 0; t < node->num_types; t++) {
			struct vdev *q = &qs[t];

			dqbuf_wait(q, &b);
			CHECK(b.buf.index < NUM_BUFFERS, "DQBUF index %u",
			      b.buf.index);
			CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
			      "%s %s: frame %u (index %u) has the ERROR flag",
			      q->path, buf_type_name(q->type), n, b.buf.index);
			for (p = 0; V4L2_TYPE_IS_CAPTURE(q->type) &&
			     p < q->num_planes; p++)
				CHECK(dq_bytesused(q, &b, p) == q->sizeimage[p],
				      "%s: frame %u plane %u bytesused %u != sizeimage %u",
				      q->path, n, p, dq_bytesused(q, &b, p),
				      q->sizeimage[p]);
			checked++;
			queue_one(q, b.buf.index, &fds[t][b.buf.index]);
		}
	}

	for (t = 0; t < node->num_types; t++) {
		type = qs[t].type;
		CHECK(!xioctl(fd, VIDIOC_STREAMOFF, &type), "STREAMOFF");
		CHECK(vdev_reqbufs(&qs[t], memory, 0) == 0, "REQBUFS 0");
		for (i = 0; i < NUM_BUFFERS; i++)
			if (memory == V4L2_MEMORY_DMABUF)
				dmabufs_free(&qs[t], &fds[t][i]);
	}
	close(fd);
	return checked;
}
