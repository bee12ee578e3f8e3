// SPDX-License-Identifier: GPL-2.0
/*
 * expbuf_mmap_matches: a captured frame read through the V4L2 mmap and
 * through an mmap of its VIDIOC_EXPBUF dma-buf fd (reads bracketed by
 * DMA_BUF_IOCTL_SYNC START/END READ) is byte-identical, and not all zero.
 * The dma-buf has the buffer's size rounded up to whole pages, and each
 * mmap, of the video node or of the dma-buf, counts as one cpu_maps in the
 * allocator's debugfs (the zero-copy tests rely on that counter moving).
 * Runs on the single-planar node (XRGB32) and on every plane of the
 * multi-planar node (NV12M).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

static void check_plane(struct vdev *d, unsigned int index, unsigned int plane)
{
	const struct plane_map *v4l2_map = &d->map[index][plane];
	size_t size = d->sizeimage[plane];
	uint8_t *copy, *dmabuf_map;
	uint64_t maps_before;
	char what[64];
	int fd, ret;

	fd = vdev_expbuf(d, index, plane, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF index %u plane %u: %s", index, plane,
	      strerrorname_np(-fd));
	/* The dma-buf covers whole pages, QUERYBUF reports the plane size. */
	CHECK(dmabuf_size(fd) == page_align(v4l2_map->length),
	      "dma-buf size %zu, QUERYBUF length %zu", dmabuf_size(fd),
	      v4l2_map->length);

	maps_before = dmabuf_counter("cpu_maps");
	dmabuf_map = dmabuf_mmap(fd, v4l2_map->length, PROT_READ);
	CHECK(dmabuf_counter("cpu_maps") == maps_before + 1,
	      "cpu_maps rose by %llu for one dma-buf mmap",
	      (unsigned long long)(dmabuf_counter("cpu_maps") - maps_before));
	copy = malloc(size);
	CHECK(copy, "malloc");

	ret = dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC START|READ: %s", strerrorname_np(-ret));
	memcpy(copy, dmabuf_map, size);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC END|READ: %s", strerrorname_np(-ret));

	snprintf(what, sizeof(what), "%s buffer %u plane %u", d->path, index, plane);
	CHECK(buffers_match(what, copy, v4l2_map->addr, size),
	      "dma-buf mmap differs from V4L2 mmap");
	CHECK(!buffer_is_zero(copy, size), "%s is all zero: no test pattern", what);
	diag("%s: %zu bytes identical through both mappings", what, size);

	free(copy);
	munmap(dmabuf_map, v4l2_map->length);
	close(fd);
}

static void check_node(unsigned int instance, uint32_t pixelformat)
{
	unsigned int i, p;
	uint64_t maps_before;
	struct dq_buf b;
	struct vdev d;
	int ret;

	vdev_open(&d, instance);
	vdev_set_format(&d, pixelformat, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 2) >= 2, "REQBUFS MMAP 2");
	maps_before = dmabuf_counter("cpu_maps");
	vdev_mmap_buffers(&d, PROT_READ);
	CHECK(dmabuf_counter("cpu_maps") == maps_before + d.count * d.num_planes,
	      "cpu_maps rose by %llu for %u video node mmaps",
	      (unsigned long long)(dmabuf_counter("cpu_maps") - maps_before),
	      d.count * d.num_planes);
	for (i = 0; i < d.count; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %u", i);
	vdev_streamon(&d);
	ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF: %s", strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR), "frame has ERROR flag");
	vdev_streamoff(&d);

	for (p = 0; p < d.num_planes; p++)
		check_plane(&d, b.buf.index, p);

	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	vdev_close(&d);
}

int main(void)
{
	test_init("expbuf_mmap_matches");
	check_node(0, V4L2_PIX_FMT_XRGB32);
	check_node(1, V4L2_PIX_FMT_NV12M);
	return EXIT_PASS;
}
