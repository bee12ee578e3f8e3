// SPDX-License-Identifier: GPL-2.0
/*
 * The malformed requests. Documentation references are to the kernel's
 * Documentation/userspace-api/media/v4l/ (V4L2) and
 * Documentation/driver-api/dma-buf.rst plus include/uapi/linux/dma-buf.h
 * (dma-buf); "gen-errors" is the V4L2 generic error codes chapter
 * (gen-errors.rst).
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cases.h"

/* ---- helpers ---------------------------------------------------------- */

static int qbuf(struct ctx *c, struct v4l2_buffer *b)
{
	return try_ioctl(c->q->fd, VIDIOC_QBUF, b);
}

/* A valid request for buffer @index, to be corrupted by the case. */
static void valid_buf(struct ctx *c, struct v4l2_buffer *b,
		      struct v4l2_plane *planes, unsigned int index)
{
	make_buf(c->q, b, planes, index, &c->valid[index % NUM_BUFFERS]);
}

/*
 * QBUF a request the case corrupted; a refused buffer must stay with
 * userspace (not queued, not prepared).
 */
static int qbuf_refused(struct ctx *c, struct v4l2_buffer *b)
{
	int ret = qbuf(c, b);

	if (ret && b->index < c->q->count)
		CHECK(!buf_is_busy(c->q, b->index),
		      "refused buffer %u is queued or prepared", b->index);
	return ret;
}

/* The same queue direction with the other planarity. */
static uint32_t other_planarity(uint32_t type)
{
	switch (type) {
	case V4L2_BUF_TYPE_VIDEO_CAPTURE: return V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	case V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE: return V4L2_BUF_TYPE_VIDEO_CAPTURE;
	case V4L2_BUF_TYPE_VIDEO_OUTPUT: return V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
	default: return V4L2_BUF_TYPE_VIDEO_OUTPUT;
	}
}

static enum v4l2_memory other_memory(enum v4l2_memory memory)
{
	return memory == V4L2_MEMORY_MMAP ? V4L2_MEMORY_DMABUF :
					    V4L2_MEMORY_MMAP;
}

/* Queue every buffer, STREAMON and wait until one is done. */
static void stream_until_done(struct ctx *c, struct v4l2_buffer *bufs)
{
	struct pollfd pfd = {
		.fd = c->q->fd,
		.events = V4L2_TYPE_IS_OUTPUT(c->q->type) ? POLLOUT : POLLIN,
	};
	unsigned int i;
	int ret;

	for (i = 0; i < NUM_BUFFERS; i++) {
		ret = qbuf(c, &bufs[i]);
		CHECK(!ret, "QBUF %u: %s", i, strerrorname_np(-ret));
	}
	vdev_streamon(c->q);
	CHECK(poll(&pfd, 1, DQBUF_TIMEOUT_MS) == 1, "%s: no buffer done in %u ms",
	      c->q->path, DQBUF_TIMEOUT_MS);
}

/* ---- QBUF / PREPARE_BUF / QUERYBUF: index, type, memory, state ---------- */

/* vidioc-qbuf.rst, EINVAL: "no buffers have been allocated yet" */
static int qbuf_no_buffers(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	return qbuf(c, &b);
}

/* vidioc-qbuf.rst, EINVAL: "the index is out of bounds" */
static int qbuf_index_count(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.index = c->q->count;
	return qbuf(c, &b);
}

static int qbuf_index_max(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.index = UINT32_MAX;
	return qbuf(c, &b);
}

/* vidioc-qbuf.rst, EINVAL: "The buffer type is not supported" */
static int qbuf_type_other_planarity(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.type = other_planarity(c->q->type);
	return qbuf_refused(c, &b);
}

static int qbuf_type_other_direction(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	unsigned int t;

	valid_buf(c, &b, planes, 0);
	b.type = V4L2_TYPE_IS_OUTPUT(c->q->type) ?
		 (c->q->mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
				 V4L2_BUF_TYPE_VIDEO_CAPTURE) :
		 (c->q->mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
				 V4L2_BUF_TYPE_VIDEO_OUTPUT);
	/* On a mem2mem node that is the other queue, a valid target. */
	for (t = 0; t < c->node->num_types; t++)
		if (c->node->types[t] == b.type)
			return NOT_APPLICABLE;
	return qbuf_refused(c, &b);
}

static int qbuf_type_zero(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.type = 0;
	return qbuf_refused(c, &b);
}

/*
 * The memory field must be the one REQBUFS set up (vidioc-qbuf.rst: the
 * application sets "memory"; a mismatch is an invalid request, EINVAL).
 */
static int qbuf_memory_other(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.memory = other_memory(c->q->memory);
	if (b.memory == V4L2_MEMORY_DMABUF) {
		/* A real dma-buf: only the memory type is wrong. */
		if (c->q->mplane)
			planes[0].m.fd = c->valid[0].fd[0];
		else
			b.m.fd = c->valid[0].fd[0];
	}
	return qbuf_refused(c, &b);
}

static int qbuf_memory_userptr(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.memory = V4L2_MEMORY_USERPTR;
	return qbuf_refused(c, &b);
}

static int qbuf_memory_bogus(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.memory = 0x7f;
	return qbuf_refused(c, &b);
}

/*
 * A buffer already queued cannot be queued again (vb2: "buffer already in
 * use"); vidioc-qbuf.rst has no dedicated code, EINVAL is its invalid
 * request.
 */
static int qbuf_twice(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	int ret;

	valid_buf(c, &b, planes, 1);
	ret = qbuf(c, &b);
	CHECK(!ret, "first QBUF: %s", strerrorname_np(-ret));
	valid_buf(c, &b, planes, 1);
	return qbuf(c, &b);
}

/* vidioc-prepare-buf.rst, EINVAL: a buffer that is queued is not prepared */
static int prepare_buf_queued(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	int ret;

	valid_buf(c, &b, planes, 0);
	ret = qbuf(c, &b);
	CHECK(!ret, "QBUF: %s", strerrorname_np(-ret));
	valid_buf(c, &b, planes, 0);
	return try_ioctl(c->q->fd, VIDIOC_PREPARE_BUF, &b);
}

/* vidioc-querybuf.rst, EINVAL: "the index is out of bounds" */
static int querybuf_index_count(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.index = c->q->count;
	return try_ioctl(c->q->fd, VIDIOC_QUERYBUF, &b);
}

/* ---- DMABUF: what m.fd and length point at ------------------------------ */

/* Set plane @plane's fd (every plane if @plane < 0) and QBUF. */
static int qbuf_with_fd(struct ctx *c, int plane, int fd)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	unsigned int p;

	valid_buf(c, &b, planes, 0);
	for (p = 0; p < c->q->num_planes; p++) {
		if (plane >= 0 && (int)p != plane)
			continue;
		if (c->q->mplane) {
			planes[p].m.fd = fd;
			planes[p].length = 0;
		} else {
			b.m.fd = fd;
			b.length = 0;
		}
	}
	return qbuf_refused(c, &b);
}

/* vidioc-qbuf.rst, EINVAL: "m.fd was an invalid DMABUF file descriptor" */
static int dmabuf_fd_closed(struct ctx *c)
{
	return qbuf_with_fd(c, -1, lowest_free_fd());
}

static int dmabuf_fd_minus_one(struct ctx *c)
{
	return qbuf_with_fd(c, -1, -1);
}

static int dmabuf_fd_memfd(struct ctx *c)
{
	int fd = memfd_create("badinput", MFD_CLOEXEC), ret;

	CHECK(fd >= 0, "memfd_create");
	CHECK(!ftruncate(fd, page_align(c->q->sizeimage[0])), "ftruncate");
	ret = qbuf_with_fd(c, -1, fd);
	close(fd);
	return ret;
}

static int dmabuf_fd_pipe(struct ctx *c)
{
	int fds[2], ret;

	CHECK(!pipe2(fds, O_CLOEXEC), "pipe");
	ret = qbuf_with_fd(c, -1, fds[0]);
	close(fds[0]);
	close(fds[1]);
	return ret;
}

static int dmabuf_fd_dev_null(struct ctx *c)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC), ret;

	CHECK(fd >= 0, "open /dev/null");
	ret = qbuf_with_fd(c, -1, fd);
	close(fd);
	return ret;
}

static int dmabuf_fd_video_node(struct ctx *c)
{
	return qbuf_with_fd(c, -1, c->q->fd);
}

/*
 * Only the last plane bad, the others good: vb2 must let go of what it took
 * for the good ones. (A bad plane *before* a good one is not tried: the
 * 6.12 vb2 core leaks its reference on the later planes' dma-bufs when
 * attach or map fails, see the report of the badinput suite.)
 */
static int dmabuf_last_plane_memfd(struct ctx *c)
{
	int fd, ret;

	if (c->q->num_planes < 2)
		return NOT_APPLICABLE;
	fd = memfd_create("badinput", MFD_CLOEXEC);
	CHECK(fd >= 0, "memfd_create");
	ret = qbuf_with_fd(c, c->q->num_planes - 1, fd);
	close(fd);
	return ret;
}

/*
 * A dma-buf one page smaller than the last plane's sizeimage, with length
 * @length (0: the dma-buf's size, vidioc-qbuf.rst / buffer.rst "length").
 * README: "a dma-buf smaller than the plane is refused with EINVAL".
 */
static int qbuf_small_dmabuf(struct ctx *c, uint32_t length)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	unsigned int last = c->q->num_planes - 1;
	struct v4l2_buffer b;
	struct dmabufs small;
	int ret;

	CHECK(page_align(c->q->sizeimage[last]) > page_size(),
	      "plane %u is too small to shrink", last);
	dmabufs_alloc(c->q, &small, -(long)page_size());
	valid_buf(c, &b, planes, 0);
	if (c->q->mplane) {
		planes[last].m.fd = small.fd[last];
		planes[last].length = length;
	} else {
		b.m.fd = small.fd[0];
		b.length = length;
	}
	ret = qbuf_refused(c, &b);
	dmabufs_free(c->q, &small);
	return ret;
}

static int dmabuf_too_small(struct ctx *c)
{
	return qbuf_small_dmabuf(c, 0);
}

/* Claims sizeimage on a smaller dma-buf: only our allocator can tell. */
static int dmabuf_too_small_length_claimed(struct ctx *c)
{
	return qbuf_small_dmabuf(c, c->q->sizeimage[c->q->num_planes - 1]);
}

/* Set the last plane's length on an otherwise valid request and QBUF. */
static int qbuf_with_length(struct ctx *c, uint32_t length)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	unsigned int last = c->q->num_planes - 1;
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	if (c->q->mplane)
		planes[last].length = length;
	else
		b.length = length;
	return qbuf_refused(c, &b);
}

/* vidioc-qbuf.rst, EINVAL: "the ... length are invalid": past the end */
static int dmabuf_length_past_end(struct ctx *c)
{
	return qbuf_with_length(c, c->valid[0].size[c->q->num_planes - 1] +
				   page_size());
}

static int dmabuf_length_overflow(struct ctx *c)
{
	return qbuf_with_length(c, UINT32_MAX);
}

/* Below the plane's minimum (sizeimage), on a big enough dma-buf. */
static int dmabuf_length_below_sizeimage(struct ctx *c)
{
	return qbuf_with_length(c, c->q->sizeimage[c->q->num_planes - 1] - 1);
}

/* vidioc-prepare-buf.rst, EINVAL: as QBUF, for a non-dma-buf fd */
static int prepare_buf_dmabuf_pipe(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	int fds[2], ret;

	CHECK(!pipe2(fds, O_CLOEXEC), "pipe");
	valid_buf(c, &b, planes, 0);
	if (c->q->mplane)
		planes[0].m.fd = fds[0];
	else
		b.m.fd = fds[0];
	ret = try_ioctl(c->q->fd, VIDIOC_PREPARE_BUF, &b);
	if (ret)
		CHECK(!buf_is_busy(c->q, 0), "refused buffer 0 is prepared");
	close(fds[0]);
	close(fds[1]);
	return ret;
}

/* ---- multi-planar: the planes array ------------------------------------ */

/* vidioc-qbuf.rst / buffer.rst: "length" is the number of planes */
static int planes_length_zero(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.length = 0;
	return qbuf_refused(c, &b);
}

static int planes_length_short(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	if (c->q->num_planes < 2)
		return NOT_APPLICABLE;
	valid_buf(c, &b, planes, 0);
	b.length = c->q->num_planes - 1;
	return qbuf_refused(c, &b);
}

static int planes_length_too_many(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES + 1];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.length = VIDEO_MAX_PLANES + 1;
	return qbuf_refused(c, &b);
}

/* gen-errors, EFAULT: "... a pointer ... references an inaccessible memory" */
static int planes_null(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	b.m.planes = NULL;
	return qbuf_refused(c, &b);
}

/*
 * DQBUF with a planes array too short for the format: refused, and the
 * done buffer stays to be dequeued properly.
 */
static int dqbuf_planes_short(struct ctx *c)
{
	struct v4l2_buffer bufs[NUM_BUFFERS];
	struct v4l2_plane planes[NUM_BUFFERS][VIDEO_MAX_PLANES];
	struct v4l2_plane dq_planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	unsigned int i;
	int ret, good;

	for (i = 0; i < NUM_BUFFERS; i++)
		valid_buf(c, &bufs[i], planes[i], i);
	stream_until_done(c, bufs);

	memset(&b, 0, sizeof(b));
	b.type = c->q->type;
	b.memory = c->q->memory;
	b.m.planes = dq_planes;
	b.length = c->q->num_planes - 1;
	ret = try_ioctl(c->q->fd, VIDIOC_DQBUF, &b);

	b.length = VIDEO_MAX_PLANES;
	good = try_ioctl(c->q->fd, VIDIOC_DQBUF, &b);
	CHECK(!good, "DQBUF after the refused one: %s", strerrorname_np(-good));
	return ret;
}

/* ---- bytesused, data_offset -------------------------------------------- */

/*
 * buffer.rst, bytesused and data_offset: "Drivers must set this field when
 * type refers to a capture stream": whatever the application puts there is
 * ignored (QBUF succeeds) and the dequeued buffer carries the driver's.
 */
static int capture_payload_ignored(struct ctx *c, bool data_offset)
{
	struct v4l2_buffer bufs[NUM_BUFFERS];
	struct v4l2_plane planes[NUM_BUFFERS][VIDEO_MAX_PLANES];
	struct dq_buf d;
	unsigned int i, p;
	int ret;

	if (data_offset && !c->q->mplane)
		return NOT_APPLICABLE;
	for (i = 0; i < NUM_BUFFERS; i++) {
		valid_buf(c, &bufs[i], planes[i], i);
		for (p = 0; p < c->q->num_planes; p++) {
			if (!c->q->mplane)
				bufs[i].bytesused = UINT32_MAX;
			else if (data_offset)
				planes[i][p].data_offset = UINT32_MAX;
			else
				planes[i][p].bytesused = UINT32_MAX;
		}
	}
	stream_until_done(c, bufs);
	ret = vdev_dqbuf(c->q, &d, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF: %s", strerrorname_np(-ret));
	for (p = 0; p < c->q->num_planes; p++) {
		CHECK(dq_bytesused(c->q, &d, p) == c->q->sizeimage[p],
		      "plane %u: bytesused %u, want the driver's %u", p,
		      dq_bytesused(c->q, &d, p), c->q->sizeimage[p]);
		CHECK(!c->q->mplane || !d.planes[p].data_offset,
		      "plane %u: data_offset %u, want 0", p,
		      d.planes[p].data_offset);
	}
	return 0;
}

static int capture_bytesused_ignored(struct ctx *c)
{
	return capture_payload_ignored(c, false);
}

static int capture_data_offset_ignored(struct ctx *c)
{
	return capture_payload_ignored(c, true);
}

/*
 * Output: the application's bytesused must fit the plane and data_offset
 * must lie inside the payload (buffer.rst; vidioc-qbuf.rst EINVAL).
 */
static int output_bytesused_past_length(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	if (c->q->mplane)
		planes[0].bytesused = planes[0].length ?
				      planes[0].length + 1 : UINT32_MAX;
	else
		b.bytesused = UINT32_MAX;
	return qbuf_refused(c, &b);
}

static int output_data_offset_past_payload(struct ctx *c)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;

	valid_buf(c, &b, planes, 0);
	planes[0].data_offset = planes[0].bytesused;
	return qbuf_refused(c, &b);
}

/* ---- DQBUF -------------------------------------------------------------- */

static int dqbuf(struct ctx *c, uint32_t type)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b = {
		.type = type,
		.memory = c->q->memory,
		.m.planes = planes,
		.length = VIDEO_MAX_PLANES,
	};

	return try_ioctl(c->q->fd, VIDIOC_DQBUF, &b);
}

/*
 * Blocking DQBUF that could never return: EINVAL at once rather than a
 * hang (vb2; vidioc-qbuf.rst EINVAL, vidioc-streamon.rst: without
 * streaming no buffer is filled).
 */
static int dqbuf_blocking_not_streaming(struct ctx *c)
{
	int ret;

	queue_set_nonblock(c->q, false);
	ret = dqbuf(c, c->q->type);
	queue_set_nonblock(c->q, true);
	return ret;
}

/* vidioc-qbuf.rst, EAGAIN: "O_NONBLOCK and no buffer was in the outgoing queue" */
static int dqbuf_nonblock_empty(struct ctx *c)
{
	return dqbuf(c, c->q->type);
}

static int dqbuf_type_other_planarity(struct ctx *c)
{
	return dqbuf(c, other_planarity(c->q->type));
}

/* ---- EXPBUF ------------------------------------------------------------- */

/* vidioc-expbuf.rst, EINVAL: "flags or type or index or plane ... invalid" */
static int expbuf(struct ctx *c, uint32_t type, uint32_t index, uint32_t plane,
		  uint32_t flags)
{
	int fd = vdev_expbuf_raw(c->q, type, index, plane, flags);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return fd;
}

static int expbuf_flags_nonblock(struct ctx *c)
{
	return expbuf(c, c->q->type, 0, 0, O_CLOEXEC | O_NONBLOCK);
}

static int expbuf_flags_bit31(struct ctx *c)
{
	return expbuf(c, c->q->type, 0, 0, 0x80000000u);
}

static int expbuf_plane_past_format(struct ctx *c)
{
	return expbuf(c, c->q->type, 0, c->q->num_planes, O_CLOEXEC);
}

static int expbuf_plane_max(struct ctx *c)
{
	return expbuf(c, c->q->type, 0, UINT32_MAX, O_CLOEXEC);
}

static int expbuf_index_count(struct ctx *c)
{
	return expbuf(c, c->q->type, c->q->count, 0, O_CLOEXEC);
}

static int expbuf_type_other_planarity(struct ctx *c)
{
	return expbuf(c, other_planarity(c->q->type), 0, 0, O_CLOEXEC);
}

/* vidioc-expbuf.rst, EINVAL: "A queue is not in MMAP mode" (and none yet) */
static int expbuf_plain(struct ctx *c)
{
	return expbuf(c, c->q->type, 0, 0, O_CLOEXEC);
}

/* ---- REQBUFS, CREATE_BUFS ------------------------------------------------ */

static int reqbufs(int fd, uint32_t type, uint32_t memory, uint32_t count)
{
	struct v4l2_requestbuffers req = {
		.count = count,
		.type = type,
		.memory = memory,
	};

	return try_ioctl(fd, VIDIOC_REQBUFS, &req);
}

/* gen-errors, EBUSY: the queue is streaming; buffers cannot change */
static int reqbufs_while_streaming(struct ctx *c)
{
	return reqbufs(c->q->fd, c->q->type, c->q->memory, NUM_BUFFERS);
}

/*
 * vidioc-reqbufs.rst: "A count value of zero frees or orphans all buffers,
 * after aborting or finishing any DMA in progress, an implicit
 * VIDIOC_STREAMOFF." The vb2 core refuses it with EBUSY instead.
 */
static int reqbufs_zero_while_streaming(struct ctx *c)
{
	return reqbufs(c->q->fd, c->q->type, c->q->memory, 0);
}

/* REQBUFS(0) while buffer 0 is mmapped; the mapping must stay usable. */
static int reqbufs_while_mapped(struct ctx *c)
{
	const struct plane_map *m;
	volatile uint8_t *bytes;
	int ret;

	/* vb2 maps output buffers only for writing, capture ones for reading */
	vdev_mmap_buffers(c->q, PROT_READ | PROT_WRITE);
	m = &c->q->map[0][0];
	ret = reqbufs(c->q->fd, c->q->type, c->q->memory, 0);
	bytes = m->addr;
	/* Orphaned or not, the pages behind the mapping are still there. */
	(void)bytes[0];
	(void)bytes[m->length - 1];
	vdev_unmap_buffers(c->q);
	return ret;
}

/* REQBUFS(0) while buffer 0 is exported; the fd must stay usable. */
static int reqbufs_while_exported(struct ctx *c)
{
	size_t size;
	uint8_t *map;
	int fd, ret;

	fd = vdev_expbuf(c->q, 0, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF: %s", strerrorname_np(-fd));
	ret = reqbufs(c->q->fd, c->q->type, c->q->memory, 0);
	size = dmabuf_size(fd);
	map = dmabuf_mmap(fd, size, PROT_READ | PROT_WRITE);
	CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW),
	      "SYNC START on the exported fd after REQBUFS(0)");
	map[0] = map[size - 1] = 0xa5;
	CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW),
	      "SYNC END on the exported fd after REQBUFS(0)");
	munmap(map, size);
	close(fd);
	return ret;
}

/*
 * Another file handle does not own the queue (vb2 queue ownership;
 * gen-errors EBUSY: "the device is in a state where it can't perform it").
 */
static int reqbufs_other_file(struct ctx *c)
{
	int fd, ret;

	/* On a mem2mem node every file handle has queues of its own. */
	if (c->node->device_caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE))
		return NOT_APPLICABLE;
	fd = open(c->q->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(fd >= 0, "open %s", c->q->path);
	ret = reqbufs(fd, c->q->type, c->q->memory, NUM_BUFFERS);
	close(fd);
	return ret;
}

/* vidioc-reqbufs.rst, EINVAL: "the requested I/O method ... not supported" */
static int reqbufs_memory_userptr(struct ctx *c)
{
	return reqbufs(c->q->fd, c->q->type, V4L2_MEMORY_USERPTR, NUM_BUFFERS);
}

static int reqbufs_memory_bogus(struct ctx *c)
{
	return reqbufs(c->q->fd, c->q->type, 0x7f, NUM_BUFFERS);
}

/* vidioc-reqbufs.rst, EINVAL: "The buffer type ... is not supported" */
static int reqbufs_type_other_planarity(struct ctx *c)
{
	return reqbufs(c->q->fd, other_planarity(c->q->type), c->q->memory,
		       NUM_BUFFERS);
}

/*
 * vidioc-create-bufs.rst, EINVAL: the "format ... is not valid": sizes
 * that cannot hold the current format (the driver's queue_setup decides).
 */
static int create_bufs_too_small(struct ctx *c)
{
	struct v4l2_create_buffers cb = {
		.count = 1,
		.memory = c->q->memory,
		.format.type = c->q->type,
	};
	unsigned int p;

	CHECK(!xioctl(c->q->fd, VIDIOC_G_FMT, &cb.format), "G_FMT");
	if (c->q->mplane)
		for (p = 0; p < cb.format.fmt.pix_mp.num_planes; p++)
			cb.format.fmt.pix_mp.plane_fmt[p].sizeimage /= 2;
	else
		cb.format.fmt.pix.sizeimage /= 2;
	return try_ioctl(c->q->fd, VIDIOC_CREATE_BUFS, &cb);
}

/* ---- S_FMT, STREAMON ----------------------------------------------------- */

/* vidioc-g-fmt.rst, EBUSY: "buffers are allocated or queued" / streaming */
static int s_fmt_busy(struct ctx *c)
{
	struct v4l2_format fmt = { .type = c->q->type };

	CHECK(!xioctl(c->q->fd, VIDIOC_G_FMT, &fmt), "G_FMT");
	if (c->q->mplane) {
		fmt.fmt.pix_mp.width += 16;
		fmt.fmt.pix_mp.height += 8;
	} else {
		fmt.fmt.pix.width += 16;
		fmt.fmt.pix.height += 8;
	}
	return try_ioctl(c->q->fd, VIDIOC_S_FMT, &fmt);
}

/* vidioc-g-fmt.rst, EINVAL: "the requested buffer type not supported" */
static int s_fmt_type_other_planarity(struct ctx *c)
{
	struct v4l2_format fmt = { .type = other_planarity(c->q->type) };

	fmt.fmt.pix.width = 640;
	fmt.fmt.pix.height = 480;
	return try_ioctl(c->q->fd, VIDIOC_S_FMT, &fmt);
}

/* vidioc-streamon.rst, EINVAL: "no buffers have been allocated" */
static int streamon(struct ctx *c)
{
	int type = c->q->type;

	return try_ioctl(c->q->fd, VIDIOC_STREAMON, &type);
}

/* vidioc-streamon.rst, EINVAL: "The buffer type is not supported" */
static int streamon_type_other_planarity(struct ctx *c)
{
	int type = other_planarity(c->q->type);

	return try_ioctl(c->q->fd, VIDIOC_STREAMON, &type);
}

static int streamoff_type_other_planarity(struct ctx *c)
{
	int type = other_planarity(c->q->type);

	return try_ioctl(c->q->fd, VIDIOC_STREAMOFF, &type);
}

/* ---- mmap() of the video node (func-mmap.rst, EINVAL) -------------------- */

static int video_mmap(struct ctx *c, size_t length, off_t offset, int flags)
{
	void *addr = mmap(NULL, length, PROT_READ | PROT_WRITE, flags,
			  c->q->fd, offset);

	if (addr == MAP_FAILED)
		return -errno;
	munmap(addr, length);
	return 0;
}

static uint32_t plane0_offset(struct ctx *c, uint32_t *length)
{
	struct dq_buf b;

	CHECK(!vdev_querybuf(c->q, 0, &b), "QUERYBUF 0");
	*length = dq_length(c->q, &b, 0);
	return c->q->mplane ? b.planes[0].m.mem_offset : b.buf.m.offset;
}

/* "No buffers have been allocated with the VIDIOC_REQBUFS ioctl." */
static int mmap_no_buffers(struct ctx *c)
{
	return video_mmap(c, page_size(), 0, MAP_SHARED);
}

/* "offset ... not suitable (too large)": no buffer has that offset */
static int mmap_offset_unknown(struct ctx *c)
{
	return video_mmap(c, page_size(), 0x3fff0000, MAP_SHARED);
}

/* "length ... not suitable (too large)" */
static int mmap_length_past_buffer(struct ctx *c)
{
	uint32_t length, offset = plane0_offset(c, &length);

	return video_mmap(c, page_align(length) + page_size(), offset,
			  MAP_SHARED);
}

/* "The flags ... value is not supported": only MAP_SHARED is */
static int mmap_private(struct ctx *c)
{
	uint32_t length, offset = plane0_offset(c, &length);

	return video_mmap(c, length, offset, MAP_PRIVATE);
}

/* ---- the exported dma-buf fd --------------------------------------------- */

/*
 * include/uapi/linux/dma-buf.h, DMA_BUF_IOCTL_SYNC: flags outside
 * DMA_BUF_SYNC_VALID_FLAGS_MASK, or no direction, are EINVAL.
 */
static int exported_sync_flags(struct ctx *c, uint64_t flags)
{
	int fd = vdev_expbuf(c->q, 0, 0, O_RDWR | O_CLOEXEC), ret;

	CHECK(fd >= 0, "EXPBUF: %s", strerrorname_np(-fd));
	ret = dmabuf_sync(fd, flags);
	close(fd);
	return ret;
}

static int exported_sync_bad_flags(struct ctx *c)
{
	return exported_sync_flags(c, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ |
				      0x80);
}

static int exported_sync_no_direction(struct ctx *c)
{
	return exported_sync_flags(c, DMA_BUF_SYNC_START);
}

/*
 * dma-buf.rst / dma_buf_mmap_internal(): a mapping that does not fit the
 * dma-buf is EINVAL.
 */
static int exported_mmap(struct ctx *c, bool past_end_offset)
{
	int fd = vdev_expbuf(c->q, 0, 0, O_RDWR | O_CLOEXEC);
	size_t size, length;
	off_t offset = 0;
	void *addr;
	int ret = 0;

	CHECK(fd >= 0, "EXPBUF: %s", strerrorname_np(-fd));
	size = dmabuf_size(fd);
	length = size + page_size();
	if (past_end_offset) {
		offset = size;
		length = page_size();
	}
	addr = mmap(NULL, length, PROT_READ, MAP_SHARED, fd, offset);
	if (addr == MAP_FAILED)
		ret = -errno;
	else
		munmap(addr, length);
	close(fd);
	return ret;
}

static int exported_mmap_past_end(struct ctx *c)
{
	return exported_mmap(c, false);
}

static int exported_mmap_offset_at_end(struct ctx *c)
{
	return exported_mmap(c, true);
}

/* ---- the table ------------------------------------------------------------ */

#define ANY	(ON_ANY_MEMORY | ON_ANY_DIR)

const struct bad_case bad_cases[] = {
	{ "qbuf_no_buffers", ANY, ST_NO_BUFFERS, qbuf_no_buffers, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: no buffers have been allocated yet" },
	{ "qbuf_index_count", ANY, ST_BUFFERS, qbuf_index_count, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: the index is out of bounds" },
	{ "qbuf_index_max", ANY, ST_BUFFERS, qbuf_index_max, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: the index is out of bounds" },
	{ "qbuf_type_other_planarity", ANY, ST_BUFFERS,
	  qbuf_type_other_planarity, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: the buffer type is not supported" },
	{ "qbuf_type_other_direction", ANY, ST_BUFFERS,
	  qbuf_type_other_direction, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: the buffer type is not supported" },
	{ "qbuf_type_zero", ANY, ST_BUFFERS, qbuf_type_zero, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: the buffer type is not supported" },
	{ "qbuf_memory_mismatch", ANY, ST_BUFFERS, qbuf_memory_other, EINVAL, 0,
	  "vidioc-qbuf.rst: memory must be the REQBUFS one; EINVAL" },
	{ "qbuf_memory_userptr", ANY, ST_BUFFERS, qbuf_memory_userptr, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: I/O method not set up (no USERPTR)" },
	{ "qbuf_memory_bogus", ANY, ST_BUFFERS, qbuf_memory_bogus, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: invalid memory field" },
	{ "qbuf_twice", ANY, ST_BUFFERS, qbuf_twice, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: buffer already queued (vb2)" },
	{ "prepare_buf_queued", ANY, ST_BUFFERS, prepare_buf_queued, EINVAL, 0,
	  "vidioc-prepare-buf.rst EINVAL: buffer not dequeued" },
	{ "querybuf_index_count", ANY, ST_BUFFERS, querybuf_index_count, EINVAL, 0,
	  "vidioc-querybuf.rst EINVAL: the index is out of bounds" },

	{ "dmabuf_fd_closed", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_fd_closed, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: m.fd was an invalid DMABUF file descriptor" },
	{ "dmabuf_fd_minus_one", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_fd_minus_one, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: m.fd was an invalid DMABUF file descriptor" },
	{ "dmabuf_fd_memfd", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_fd_memfd, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: m.fd was an invalid DMABUF file descriptor" },
	{ "dmabuf_fd_pipe", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_fd_pipe, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: m.fd was an invalid DMABUF file descriptor" },
	{ "dmabuf_fd_dev_null", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_fd_dev_null, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: m.fd was an invalid DMABUF file descriptor" },
	{ "dmabuf_fd_video_node", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_fd_video_node, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: m.fd was an invalid DMABUF file descriptor" },
	{ "dmabuf_last_plane_memfd", ON_DMABUF | ON_MPLANE | ON_ANY_DIR,
	  ST_BUFFERS, dmabuf_last_plane_memfd, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: m.fd was an invalid DMABUF file descriptor" },
	{ "dmabuf_too_small", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_too_small, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: length invalid (dma-buf < sizeimage)" },
	{ "dmabuf_too_small_length_claimed", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_too_small_length_claimed, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: length invalid (more than the dma-buf)" },
	{ "dmabuf_length_past_end", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_length_past_end, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: length invalid (past the dma-buf's end)" },
	{ "dmabuf_length_overflow", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_length_overflow, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: length invalid (UINT32_MAX)" },
	{ "dmabuf_length_below_sizeimage", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  dmabuf_length_below_sizeimage, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: length invalid (below sizeimage)" },
	{ "prepare_buf_dmabuf_pipe", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  prepare_buf_dmabuf_pipe, EINVAL, 0,
	  "vidioc-prepare-buf.rst EINVAL: as QBUF" },

	{ "planes_length_zero", ANY | ON_MPLANE, ST_BUFFERS, planes_length_zero,
	  EINVAL, 0, "buffer.rst: length = number of planes; EINVAL" },
	{ "planes_length_short", ANY | ON_MPLANE, ST_BUFFERS,
	  planes_length_short, EINVAL, 0,
	  "buffer.rst: length = number of planes; EINVAL" },
	{ "planes_length_too_many", ANY | ON_MPLANE, ST_BUFFERS,
	  planes_length_too_many, EINVAL, 0,
	  "buffer.rst: at most VIDEO_MAX_PLANES planes; EINVAL" },
	{ "planes_null", ANY | ON_MPLANE, ST_BUFFERS, planes_null, EFAULT, 0,
	  "gen-errors EFAULT: pointer to inaccessible memory" },
	{ "dqbuf_planes_short", ANY | ON_MPLANE | NEEDS_FRAMES, ST_BUFFERS,
	  dqbuf_planes_short, EINVAL, 0,
	  "buffer.rst: length = number of planes; EINVAL" },

	{ "capture_bytesused_ignored", ON_ANY_MEMORY | ON_CAPTURE | NEEDS_FRAMES,
	  ST_BUFFERS, capture_bytesused_ignored, 0, 0,
	  "buffer.rst bytesused: drivers set it for capture" },
	{ "capture_data_offset_ignored",
	  ON_ANY_MEMORY | ON_CAPTURE | ON_MPLANE | NEEDS_FRAMES,
	  ST_BUFFERS, capture_data_offset_ignored, 0, 0,
	  "buffer.rst data_offset: drivers set it for capture" },
	{ "output_bytesused_past_length", ON_ANY_MEMORY | ON_OUTPUT, ST_BUFFERS,
	  output_bytesused_past_length, EINVAL, 0,
	  "buffer.rst bytesused <= length; vidioc-qbuf.rst EINVAL" },
	{ "output_data_offset_past_payload",
	  ON_ANY_MEMORY | ON_OUTPUT | ON_MPLANE, ST_BUFFERS,
	  output_data_offset_past_payload, EINVAL, 0,
	  "buffer.rst data_offset < bytesused; vidioc-qbuf.rst EINVAL" },

	{ "dqbuf_blocking_not_streaming", ANY, ST_BUFFERS,
	  dqbuf_blocking_not_streaming, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: nothing can ever be dequeued (not streaming)" },
	{ "dqbuf_blocking_no_buffers", ANY, ST_NO_BUFFERS,
	  dqbuf_blocking_not_streaming, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: no buffers have been allocated yet" },
	{ "dqbuf_nonblock_streaming_empty", ANY, ST_STREAMING,
	  dqbuf_nonblock_empty, EAGAIN, 0,
	  "vidioc-qbuf.rst EAGAIN: O_NONBLOCK and no buffer in the outgoing queue" },
	{ "dqbuf_type_other_planarity", ANY, ST_STREAMING,
	  dqbuf_type_other_planarity, EINVAL, 0,
	  "vidioc-qbuf.rst EINVAL: the buffer type is not supported" },

	{ "expbuf_no_buffers", ON_MMAP | ON_ANY_DIR, ST_NO_BUFFERS,
	  expbuf_plain, EINVAL, 0,
	  "vidioc-expbuf.rst EINVAL: index invalid (no buffers)" },
	{ "expbuf_flags_nonblock", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  expbuf_flags_nonblock, EINVAL, 0,
	  "vidioc-expbuf.rst EINVAL: flags invalid (O_CLOEXEC, O_ACCMODE only)" },
	{ "expbuf_flags_bit31", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  expbuf_flags_bit31, EINVAL, 0,
	  "vidioc-expbuf.rst EINVAL: flags invalid" },
	{ "expbuf_plane_past_format", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  expbuf_plane_past_format, EINVAL, 0,
	  "vidioc-expbuf.rst EINVAL: plane invalid" },
	{ "expbuf_plane_max", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  expbuf_plane_max, EINVAL, 0, "vidioc-expbuf.rst EINVAL: plane invalid" },
	{ "expbuf_index_count", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  expbuf_index_count, EINVAL, 0,
	  "vidioc-expbuf.rst EINVAL: index invalid" },
	{ "expbuf_type_other_planarity", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  expbuf_type_other_planarity, EINVAL, 0,
	  "vidioc-expbuf.rst EINVAL: type invalid" },
	{ "expbuf_dmabuf_queue", ON_DMABUF | ON_ANY_DIR, ST_BUFFERS,
	  expbuf_plain, EINVAL, 0,
	  "vidioc-expbuf.rst EINVAL: a queue is not in MMAP mode" },

	{ "reqbufs_while_streaming", ANY, ST_STREAMING, reqbufs_while_streaming,
	  EBUSY, 0, "gen-errors EBUSY: buffers cannot change while streaming" },
	{ "reqbufs_zero_while_streaming", ANY, ST_STREAMING,
	  reqbufs_zero_while_streaming, 0, EBUSY,
	  "vidioc-reqbufs.rst: count 0 is an implicit STREAMOFF" },
	{ "reqbufs_zero_while_mapped", ON_MMAP | ON_ANY_DIR | EXPECT_ORPHANS,
	  ST_BUFFERS, reqbufs_while_mapped, EBUSY, 0,
	  "vidioc-reqbufs.rst: EBUSY while mapped unless SUPPORTS_ORPHANED_BUFS" },
	{ "reqbufs_zero_while_exported", ON_MMAP | ON_ANY_DIR | EXPECT_ORPHANS,
	  ST_BUFFERS, reqbufs_while_exported, EBUSY, 0,
	  "vidioc-reqbufs.rst: EBUSY while exported unless SUPPORTS_ORPHANED_BUFS" },
	{ "reqbufs_other_file", ANY, ST_BUFFERS, reqbufs_other_file, EBUSY, 0,
	  "gen-errors EBUSY: the queue belongs to another file handle" },
	{ "reqbufs_memory_userptr", ANY, ST_NO_BUFFERS, reqbufs_memory_userptr,
	  EINVAL, 0, "vidioc-reqbufs.rst EINVAL: I/O method not supported" },
	{ "reqbufs_memory_bogus", ANY, ST_NO_BUFFERS, reqbufs_memory_bogus,
	  EINVAL, 0, "vidioc-reqbufs.rst EINVAL: I/O method not supported" },
	{ "reqbufs_type_other_planarity", ANY, ST_NO_BUFFERS,
	  reqbufs_type_other_planarity, EINVAL, 0,
	  "vidioc-reqbufs.rst EINVAL: buffer type not supported" },
	{ "create_bufs_too_small", ANY, ST_BUFFERS, create_bufs_too_small,
	  EINVAL, 0, "vidioc-create-bufs.rst EINVAL: format not valid" },

	{ "s_fmt_with_buffers", ANY, ST_BUFFERS, s_fmt_busy, EBUSY, 0,
	  "vidioc-g-fmt.rst EBUSY: buffers are allocated" },
	{ "s_fmt_while_streaming", ANY, ST_STREAMING, s_fmt_busy, EBUSY, 0,
	  "vidioc-g-fmt.rst EBUSY: the device is streaming" },
	{ "s_fmt_type_other_planarity", ANY, ST_NO_BUFFERS,
	  s_fmt_type_other_planarity, EINVAL, 0,
	  "vidioc-g-fmt.rst EINVAL: buffer type not supported" },
	{ "streamon_no_buffers", ANY, ST_NO_BUFFERS, streamon, EINVAL, 0,
	  "vidioc-streamon.rst EINVAL: no buffers have been allocated" },
	{ "streamon_type_other_planarity", ANY, ST_BUFFERS,
	  streamon_type_other_planarity, EINVAL, 0,
	  "vidioc-streamon.rst EINVAL: the buffer type is not supported" },
	{ "streamoff_type_other_planarity", ANY, ST_STREAMING,
	  streamoff_type_other_planarity, EINVAL, 0,
	  "vidioc-streamon.rst EINVAL: the buffer type is not supported" },

	{ "mmap_no_buffers", ON_MMAP | ON_ANY_DIR, ST_NO_BUFFERS,
	  mmap_no_buffers, EINVAL, 0,
	  "func-mmap.rst EINVAL: no buffers have been allocated" },
	{ "mmap_offset_unknown", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  mmap_offset_unknown, EINVAL, 0,
	  "func-mmap.rst EINVAL: offset not suitable" },
	{ "mmap_length_past_buffer", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  mmap_length_past_buffer, EINVAL, 0,
	  "func-mmap.rst EINVAL: length too large" },
	{ "mmap_private", ON_MMAP | ON_ANY_DIR, ST_BUFFERS, mmap_private,
	  EINVAL, 0, "func-mmap.rst EINVAL: flags not supported (MAP_SHARED only)" },

	{ "exported_sync_bad_flags", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  exported_sync_bad_flags, EINVAL, 0,
	  "dma-buf.h DMA_BUF_IOCTL_SYNC: flags outside the valid mask" },
	{ "exported_sync_no_direction", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  exported_sync_no_direction, EINVAL, 0,
	  "dma-buf.h DMA_BUF_IOCTL_SYNC: READ, WRITE or both required" },
	{ "exported_mmap_past_end", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  exported_mmap_past_end, EINVAL, 0,
	  "dma-buf.rst: mmap range must fit the dma-buf" },
	{ "exported_mmap_offset_at_end", ON_MMAP | ON_ANY_DIR, ST_BUFFERS,
	  exported_mmap_offset_at_end, EINVAL, 0,
	  "dma-buf.rst: mmap range must fit the dma-buf" },
};

const unsigned int num_bad_cases = ARRAY_SIZE(bad_cases);
