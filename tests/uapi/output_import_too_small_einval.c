// SPDX-License-Identifier: GPL-2.0
/*
 * output_import_too_small_einval: on vivbuf's output node, a dma-buf one
 * page smaller than the plane's sizeimage is refused with EINVAL by QBUF,
 * whether the plane length is left 0 (the dma-buf size), set to the
 * dma-buf size, or claimed to be sizeimage (only the allocator can catch
 * that one); the display would read past the end. The refused buffer stays
 * dequeued, nothing is left mapped, and the queue then displays big enough
 * dma-bufs normally: every buffer comes back without the ERROR flag, in
 * queueing order, with sequence numbers counting up and rising timestamps.
 * Single-planar node (XRGB32), and the chroma plane of NV12M on the
 * multi-planar node.
 *
 * The refusals use a spare buffer index, not one of those streamed: after a
 * failed DMABUF QBUF, the 6.12 vb2 core checks a single-planar output
 * buffer's bytesused against the length of the plane's previous dma-buf,
 * which the failure reset to 0, so that index takes only bytesused 0 (the
 * deprecated "whole buffer") until it is reallocated. That is vb2's
 * business, before the driver is called, and not what this test is about.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	3
#define NUM_FRAMES	6
#define SPARE		NUM_BUFFERS	/* the index the refusals use */

static void check_still_dequeued(struct vdev *d, unsigned int index)
{
	struct dq_buf b;

	CHECK(!vdev_querybuf(d, index, &b), "QUERYBUF %u", index);
	CHECK(!(b.buf.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_PREPARED |
			       V4L2_BUF_FLAG_DONE)),
	      "refused buffer %u has flags %#x", index, b.buf.flags);
}

/* udmabufs, one page short on @small_plane (none if negative) */
static void alloc_import_buf(struct vdev *d, struct import_buf *ib,
			     int small_plane)
{
	unsigned int p;

	for (p = 0; p < d->num_planes; p++) {
		ib->size[p] = page_align(d->sizeimage[p]);
		if ((int)p == small_plane)
			ib->size[p] -= page_size();
		ib->fd[p] = udmabuf_alloc(ib->size[p], NULL);
	}
}

static void free_import_buf(struct vdev *d, struct import_buf *ib)
{
	unsigned int p;

	for (p = 0; p < d->num_planes; p++)
		close(ib->fd[p]);
}

static void check_refused(struct vdev *d, const struct import_buf *small,
			  unsigned int small_plane)
{
	uint32_t lengths[VIDEO_MAX_PLANES];
	unsigned int p;
	int ret;

	for (p = 0; p < d->num_planes; p++)
		lengths[p] = 0;
	ret = vdev_qbuf(d, SPARE, small->fd, lengths);
	CHECK(ret == -EINVAL, "QBUF, length 0, dma-buf %zu < sizeimage %u: %s",
	      small->size[small_plane], d->sizeimage[small_plane],
	      ret ? strerrorname_np(-ret) : "succeeded");
	check_still_dequeued(d, SPARE);

	for (p = 0; p < d->num_planes; p++)
		lengths[p] = small->size[p];
	ret = vdev_qbuf(d, SPARE, small->fd, lengths);
	CHECK(ret == -EINVAL, "QBUF, length = dma-buf size %zu: %s",
	      small->size[small_plane], ret ? strerrorname_np(-ret) : "succeeded");
	check_still_dequeued(d, SPARE);

	/* Lie about the length: only the allocator can catch this one. */
	for (p = 0; p < d->num_planes; p++)
		lengths[p] = d->sizeimage[p];
	ret = vdev_qbuf(d, SPARE, small->fd, lengths);
	CHECK(ret == -EINVAL, "QBUF claiming length %u on a %zu byte dma-buf: %s",
	      d->sizeimage[small_plane], small->size[small_plane],
	      ret ? strerrorname_np(-ret) : "succeeded");
	check_still_dequeued(d, SPARE);
}

/* Display @nframes frames from @bufs, re-queueing each one when it is done */
static void stream_output(struct vdev *d, struct import_buf *bufs,
			  unsigned int nbufs, unsigned int nframes)
{
	uint64_t last_ts = 0;
	unsigned int i, n;
	struct dq_buf b;
	int ret;

	for (i = 0; i < nbufs; i++) {
		ret = vdev_qbuf(d, i, bufs[i].fd, NULL);
		CHECK(!ret, "QBUF DMABUF index %u: %s", i, strerrorname_np(-ret));
	}
	vdev_streamon(d);
	for (n = 0; n < nframes; n++) {
		ret = vdev_dqbuf(d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "DQBUF frame %u: %s", n, strerrorname_np(-ret));
		CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
		      "buffer %u seq %u has the ERROR flag", b.buf.index,
		      b.buf.sequence);
		CHECK(b.buf.index == n % nbufs,
		      "frame %u: DQBUF returned index %u, queued %u", n,
		      b.buf.index, n % nbufs);
		CHECK(b.buf.sequence == n, "frame %u has sequence %u", n,
		      b.buf.sequence);
		CHECK(dq_timestamp_ns(&b) > last_ts,
		      "frame %u: timestamp %llu ns after %llu ns", n,
		      (unsigned long long)dq_timestamp_ns(&b),
		      (unsigned long long)last_ts);
		last_ts = dq_timestamp_ns(&b);
		ret = vdev_qbuf(d, b.buf.index, bufs[b.buf.index].fd, NULL);
		CHECK(!ret, "re-QBUF %u: %s", b.buf.index, strerrorname_np(-ret));
	}
	vdev_streamoff(d);
}

static void check_node(unsigned int instance, uint32_t pixelformat,
		       unsigned int small_plane)
{
	struct dmabuf_counters before, refused, after;
	struct import_buf bufs[NUM_BUFFERS], small;
	unsigned int i;
	struct vdev d;

	vdev_open_output(&d, instance);
	vdev_set_format(&d, pixelformat, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);
	CHECK(small_plane < d.num_planes, "format has %u planes", d.num_planes);

	memset(&small, 0, sizeof(small));
	memset(bufs, 0, sizeof(bufs));
	alloc_import_buf(&d, &small, small_plane);
	for (i = 0; i < NUM_BUFFERS; i++)
		alloc_import_buf(&d, &bufs[i], -1);

	dmabuf_counters_read(&before);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS + 1) >
	      NUM_BUFFERS, "REQBUFS DMABUF %u", NUM_BUFFERS + 1);
	check_refused(&d, &small, small_plane);
	dmabuf_counters_read(&refused);
	CHECK(refused.maps - before.maps == refused.unmaps - before.unmaps,
	      "refused imports left mappings: maps +%llu unmaps +%llu",
	      (unsigned long long)(refused.maps - before.maps),
	      (unsigned long long)(refused.unmaps - before.unmaps));
	diag("%s: too small plane %u refused 3 times", d.path, small_plane);

	/* The queue works. */
	stream_output(&d, bufs, NUM_BUFFERS, NUM_FRAMES);
	diag("%s: then %u frames displayed in order", d.path, NUM_FRAMES);

	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS 0");
	dmabuf_counters_read(&after);
	CHECK(after.unmaps - before.unmaps == after.maps - before.maps,
	      "maps +%llu but unmaps +%llu",
	      (unsigned long long)(after.maps - before.maps),
	      (unsigned long long)(after.unmaps - before.unmaps));
	CHECK(after.cpu_maps == before.cpu_maps, "cpu_maps rose by %llu",
	      (unsigned long long)(after.cpu_maps - before.cpu_maps));

	free_import_buf(&d, &small);
	for (i = 0; i < NUM_BUFFERS; i++)
		free_import_buf(&d, &bufs[i]);
	vdev_close(&d);
}

int main(void)
{
	test_init("output_import_too_small_einval");
	check_node(0, V4L2_PIX_FMT_XRGB32, 0);
	check_node(1, V4L2_PIX_FMT_NV12M, 1);
	return EXIT_PASS;
}
