// SPDX-License-Identifier: GPL-2.0
/*
 * import_from_other_device: vivbuf instance 0 (single-planar) exports its
 * MMAP buffers with VIDIOC_EXPBUF; instance 1 (multi-planar node, one-plane
 * XRGB32) captures into those fds with V4L2_MEMORY_DMABUF. The pixels,
 * read through the exporter's V4L2 mmap, equal a reference frame captured
 * with MMAP on instance 1. The exporter's buffers are poisoned first
 * through the dma-buf mmap (SYNC START/END WRITE), which must be visible in
 * the exporter's V4L2 mmap. Counters: one importer attachment per buffer
 * on the exporter side (`attachments`), one import + one map per buffer on
 * the importer side, everything unmapped and every dma-buf released at the
 * end, and the importing device's streaming mapped nothing for the CPU.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	3
#define NUM_FRAMES	4
#define POISON		0x5a

static void poison_through_dmabuf(struct vdev *exporter, unsigned int index,
				  int fd)
{
	const struct plane_map *v4l2_map = &exporter->map[index][0];
	uint8_t *map;
	int ret;

	map = dmabuf_mmap(fd, v4l2_map->length, PROT_READ | PROT_WRITE);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	CHECK(!ret, "SYNC START|WRITE: %s", strerrorname_np(-ret));
	memset(map, POISON, v4l2_map->length);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	CHECK(!ret, "SYNC END|WRITE: %s", strerrorname_np(-ret));
	munmap(map, v4l2_map->length);

	CHECK(((uint8_t *)v4l2_map->addr)[0] == POISON &&
	      ((uint8_t *)v4l2_map->addr)[v4l2_map->length - 1] == POISON,
	      "write through dma-buf mmap not visible in V4L2 mmap of buffer %u",
	      index);
}

int main(void)
{
	struct dmabuf_counters before, streamed, after;
	struct import_buf bufs[NUM_BUFFERS];
	struct vdev exporter, importer;
	unsigned int i;
	struct frame ref;
	int fd;

	test_init("import_from_other_device");
	vdev_open(&exporter, 0);
	vdev_open(&importer, 1);
	CHECK(!exporter.mplane && importer.mplane,
	      "expected instance 0 single-planar and instance 1 multi-planar");

	vdev_set_format(&exporter, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_format(&importer, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&importer, 60);
	CHECK(importer.num_planes == 1, "XRGB32 on the mplane node has %u planes",
	      importer.num_planes);
	CHECK(exporter.sizeimage[0] == importer.sizeimage[0],
	      "sizeimage differs: exporter %u importer %u",
	      exporter.sizeimage[0], importer.sizeimage[0]);
	capture_reference(&importer, &ref);

	dmabuf_counters_read(&before);
	CHECK(vdev_reqbufs(&exporter, V4L2_MEMORY_MMAP, NUM_BUFFERS) >= NUM_BUFFERS,
	      "exporter REQBUFS MMAP %u", NUM_BUFFERS);
	vdev_mmap_buffers(&exporter, PROT_READ);
	memset(bufs, 0, sizeof(bufs));
	for (i = 0; i < NUM_BUFFERS; i++) {
		fd = vdev_expbuf(&exporter, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fd >= 0, "exporter EXPBUF %u: %s", i, strerrorname_np(-fd));
		poison_through_dmabuf(&exporter, i, fd);
		bufs[i].fd[0] = fd;
		bufs[i].sync_fd[0] = fd;
		bufs[i].map[0] = exporter.map[i][0].addr;
		bufs[i].size[0] = exporter.map[i][0].length;
	}

	CHECK(vdev_reqbufs(&importer, V4L2_MEMORY_DMABUF, NUM_BUFFERS) >= NUM_BUFFERS,
	      "importer REQBUFS DMABUF %u", NUM_BUFFERS);
	stream_imported(&importer, bufs, NUM_BUFFERS, NUM_FRAMES, &ref);
	dmabuf_counters_read(&streamed);
	diag("exports +%llu attachments +%llu imports +%llu maps +%llu",
	     (unsigned long long)(streamed.exports - before.exports),
	     (unsigned long long)(streamed.attachments - before.attachments),
	     (unsigned long long)(streamed.imports - before.imports),
	     (unsigned long long)(streamed.maps - before.maps));
	CHECK(streamed.exports - before.exports == NUM_BUFFERS,
	      "exports rose by %llu for %u buffers",
	      (unsigned long long)(streamed.exports - before.exports), NUM_BUFFERS);
	CHECK(streamed.attachments - before.attachments == NUM_BUFFERS,
	      "attachments rose by %llu, want one per imported buffer (%u)",
	      (unsigned long long)(streamed.attachments - before.attachments),
	      NUM_BUFFERS);
	CHECK(streamed.imports - before.imports == NUM_BUFFERS,
	      "imports rose by %llu, want %u",
	      (unsigned long long)(streamed.imports - before.imports), NUM_BUFFERS);
	CHECK(streamed.maps - before.maps == NUM_BUFFERS,
	      "maps rose by %llu, want %u",
	      (unsigned long long)(streamed.maps - before.maps), NUM_BUFFERS);

	CHECK(vdev_reqbufs(&importer, V4L2_MEMORY_DMABUF, 0) == 0,
	      "importer REQBUFS 0");
	for (i = 0; i < NUM_BUFFERS; i++)
		close(bufs[i].fd[0]);
	CHECK(vdev_reqbufs(&exporter, V4L2_MEMORY_MMAP, 0) == 0,
	      "exporter REQBUFS 0");

	dmabuf_counters_read(&after);
	CHECK(after.unmaps - before.unmaps == after.maps - before.maps,
	      "maps +%llu but unmaps +%llu",
	      (unsigned long long)(after.maps - before.maps),
	      (unsigned long long)(after.unmaps - before.unmaps));
	CHECK(after.live_dmabufs == before.live_dmabufs,
	      "live_dmabufs %llu at the end, %llu before",
	      (unsigned long long)after.live_dmabufs,
	      (unsigned long long)before.live_dmabufs);
	CHECK(after.live_buffers == before.live_buffers,
	      "live_buffers %llu at the end, %llu before",
	      (unsigned long long)after.live_buffers,
	      (unsigned long long)before.live_buffers);
	/* The test's own: each exporter buffer's V4L2 mmap and poisoning. */
	CHECK(after.cpu_maps - before.cpu_maps == 2 * NUM_BUFFERS,
	      "cpu_maps rose by %llu, want only the test's own %u",
	      (unsigned long long)(after.cpu_maps - before.cpu_maps),
	      2 * NUM_BUFFERS);

	frame_free(&ref);
	vdev_close(&importer);
	vdev_close(&exporter);
	return EXIT_PASS;
}
