// SPDX-License-Identifier: GPL-2.0
/*
 * import_too_small_einval: a dma-buf one page smaller than the plane's
 * sizeimage is refused with EINVAL by QBUF and PREPARE_BUF, whether the
 * plane length is left 0 (use the dma-buf size), set to the dma-buf size,
 * or claimed to be sizeimage (the allocator must check the real dma-buf
 * size itself, or the device would write past the end). The refused
 * buffer stays dequeued, nothing is left mapped, and the same index then
 * accepts a big enough dma-buf and streams correct frames.
 * Single-planar node (XRGB32) and the chroma plane of NV12M on the
 * multi-planar node (the luma plane is fine, so a half-attached buffer
 * would leak).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	3
#define NUM_FRAMES	3

static void check_still_dequeued(struct vdev *d, unsigned int index)
{
	struct dq_buf b;

	CHECK(!vdev_querybuf(d, index, &b), "QUERYBUF %u", index);
	CHECK(!(b.buf.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_PREPARED |
			       V4L2_BUF_FLAG_DONE)),
	      "refused buffer %u has flags %#x", index, b.buf.flags);
}

static void alloc_import_buf(struct vdev *d, struct import_buf *ib,
			     int small_plane)
{
	unsigned int p;
	int memfd;

	for (p = 0; p < d->num_planes; p++) {
		ib->size[p] = page_align(d->sizeimage[p]);
		if ((int)p == small_plane)
			ib->size[p] -= page_size();
		ib->fd[p] = udmabuf_alloc(ib->size[p], &memfd);
		ib->sync_fd[p] = ib->fd[p];
		ib->map[p] = mmap(NULL, ib->size[p], PROT_READ, MAP_SHARED,
				  memfd, 0);
		CHECK(ib->map[p] != MAP_FAILED, "mmap memfd");
		close(memfd);
	}
}

static void free_import_buf(struct vdev *d, struct import_buf *ib)
{
	unsigned int p;

	for (p = 0; p < d->num_planes; p++) {
		munmap(ib->map[p], ib->size[p]);
		close(ib->fd[p]);
	}
}

static void check_refused(struct vdev *d, const struct import_buf *small,
			  unsigned int small_plane)
{
	uint32_t lengths[VIDEO_MAX_PLANES];
	unsigned int p;
	int ret;

	ret = vdev_qbuf(d, 0, small->fd, NULL);
	CHECK(ret == -EINVAL, "QBUF, length 0, dma-buf %zu < sizeimage %u: %s",
	      small->size[small_plane], d->sizeimage[small_plane],
	      ret ? strerrorname_np(-ret) : "succeeded");
	check_still_dequeued(d, 0);

	for (p = 0; p < d->num_planes; p++)
		lengths[p] = small->size[p];
	ret = vdev_qbuf(d, 0, small->fd, lengths);
	CHECK(ret == -EINVAL, "QBUF, length = dma-buf size %zu: %s",
	      small->size[small_plane], ret ? strerrorname_np(-ret) : "succeeded");
	check_still_dequeued(d, 0);

	ret = vdev_prepare_buf(d, 0, small->fd, NULL);
	CHECK(ret == -EINVAL, "PREPARE_BUF, length 0: %s",
	      ret ? strerrorname_np(-ret) : "succeeded");
	check_still_dequeued(d, 0);

	/* Lie about the length: only the allocator can catch this one. */
	for (p = 0; p < d->num_planes; p++)
		lengths[p] = d->sizeimage[p];
	ret = vdev_qbuf(d, 0, small->fd, lengths);
	CHECK(ret == -EINVAL, "QBUF claiming length %u on a %zu byte dma-buf: %s",
	      d->sizeimage[small_plane], small->size[small_plane],
	      ret ? strerrorname_np(-ret) : "succeeded");
	check_still_dequeued(d, 0);
}

static void check_node(unsigned int instance, uint32_t pixelformat,
		       unsigned int small_plane)
{
	struct dmabuf_counters before, refused, after;
	struct import_buf bufs[NUM_BUFFERS], small;
	struct frame ref;
	unsigned int i;
	struct vdev d;

	vdev_open(&d, instance);
	vdev_set_format(&d, pixelformat, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);
	CHECK(small_plane < d.num_planes, "format has %u planes", d.num_planes);
	capture_reference(&d, &ref);

	memset(&small, 0, sizeof(small));
	memset(bufs, 0, sizeof(bufs));
	alloc_import_buf(&d, &small, small_plane);
	for (i = 0; i < NUM_BUFFERS; i++)
		alloc_import_buf(&d, &bufs[i], -1);

	dmabuf_counters_read(&before);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS DMABUF %u", NUM_BUFFERS);
	check_refused(&d, &small, small_plane);
	dmabuf_counters_read(&refused);
	/* A good luma plane may be mapped before the chroma one is refused. */
	CHECK(refused.maps - before.maps == refused.unmaps - before.unmaps,
	      "refused imports left mappings: maps +%llu unmaps +%llu",
	      (unsigned long long)(refused.maps - before.maps),
	      (unsigned long long)(refused.unmaps - before.unmaps));
	diag("%s: too small plane %u refused 4 times, imports +%llu", d.path,
	     small_plane, (unsigned long long)(refused.imports - before.imports));

	/* The same index now takes a good buffer and streams normally. */
	stream_imported(&d, bufs, NUM_BUFFERS, NUM_FRAMES, &ref);

	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS 0");
	dmabuf_counters_read(&after);
	CHECK(after.maps - refused.maps == NUM_BUFFERS * d.num_planes,
	      "streaming maps rose by %llu, want %u",
	      (unsigned long long)(after.maps - refused.maps),
	      NUM_BUFFERS * d.num_planes);
	CHECK(after.unmaps - before.unmaps == after.maps - before.maps,
	      "maps +%llu but unmaps +%llu",
	      (unsigned long long)(after.maps - before.maps),
	      (unsigned long long)(after.unmaps - before.unmaps));

	free_import_buf(&d, &small);
	for (i = 0; i < NUM_BUFFERS; i++)
		free_import_buf(&d, &bufs[i]);
	frame_free(&ref);
	vdev_close(&d);
}

int main(void)
{
	test_init("import_too_small_einval");
	check_node(0, V4L2_PIX_FMT_XRGB32, 0);
	check_node(1, V4L2_PIX_FMT_NV12M, 1);
	return EXIT_PASS;
}
