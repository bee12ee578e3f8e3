// SPDX-License-Identifier: GPL-2.0
/*
 * sync_same_device_import: a capture buffer exported with EXPBUF and
 * imported (VIDIOC_PREPARE_BUF, V4L2_MEMORY_DMABUF) on the output node of
 * the same vivbuf instance, so the same pages are DMA-mapped twice for one
 * device: by the capture queue (DMA_FROM_DEVICE) and by the import
 * (DMA_TO_DEVICE). DMA_BUF_IOCTL_SYNC on the exported fd must then sync
 * both mappings as they were mapped; the DMA API debug code reports any
 * sync it cannot match to one mapping ("device driver tries to sync DMA
 * memory it has not allocated"), which the runner's splat check fails.
 * The fuzzer found that case with three importing queues on one device.
 * A pattern written between SYNC START|WRITE and END|WRITE is what the
 * capture node's own mapping reads. Single-planar (instance 0) and
 * multi-planar (instance 1) nodes.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

static const uint64_t sync_flags[] = {
	DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
	DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
	DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE,
	DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE,
	DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
	DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
};

static void check_instance(unsigned int instance)
{
	int fds[VIDEO_MAX_PLANES] = { -1 };
	struct vdev cap, out;
	uint64_t syncs, attachments;
	uint8_t *map;
	unsigned int i;
	size_t size;
	int fd, ret;

	vdev_open(&cap, instance);
	vdev_set_format(&cap, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	vdev_open_output(&out, instance);
	vdev_set_format(&out, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	CHECK(cap.num_planes == 1 && out.num_planes == 1,
	      "XRGB32 has %u/%u planes", cap.num_planes, out.num_planes);
	size = cap.sizeimage[0];

	CHECK(vdev_reqbufs(&cap, V4L2_MEMORY_MMAP, 1) >= 1, "REQBUFS MMAP 1");
	vdev_mmap_buffers(&cap, PROT_READ);
	fd = vdev_expbuf(&cap, 0, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF 0: %s", strerrorname_np(-fd));

	attachments = dmabuf_counter("attachments");
	CHECK(vdev_reqbufs(&out, V4L2_MEMORY_DMABUF, 1) >= 1, "REQBUFS DMABUF 1");
	fds[0] = fd;
	ret = vdev_prepare_buf(&out, 0, fds, NULL);
	CHECK(!ret, "PREPARE_BUF of the export on %s: %s", out.path,
	      strerrorname_np(-ret));
	CHECK(dmabuf_counter("attachments") == attachments + 1,
	      "the output queue did not attach to the export");

	syncs = dmabuf_counter("cpu_syncs");
	for (i = 0; i < ARRAY_SIZE(sync_flags); i++) {
		ret = dmabuf_sync(fd, sync_flags[i]);
		CHECK(!ret, "SYNC %#llx: %s", (unsigned long long)sync_flags[i],
		      strerrorname_np(-ret));
	}
	CHECK(dmabuf_counter("cpu_syncs") - syncs == ARRAY_SIZE(sync_flags),
	      "cpu_syncs rose by %llu for %zu syncs",
	      (unsigned long long)(dmabuf_counter("cpu_syncs") - syncs),
	      ARRAY_SIZE(sync_flags));

	/* The syncs are not just accepted: CPU writes reach the memory. */
	map = dmabuf_mmap(fd, page_align(size), PROT_READ | PROT_WRITE);
	CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE),
	      "SYNC START|WRITE");
	for (i = 0; i < size; i++)
		map[i] = (uint8_t)(i % 253);
	CHECK(!dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE),
	      "SYNC END|WRITE");
	CHECK(buffers_match("capture mapping", cap.map[0][0].addr, map, size),
	      "the capture node does not see what was written via the export");
	diag("%s: export imported on %s, %zu syncs, %zu bytes written and read back",
	     cap.path, out.path, ARRAY_SIZE(sync_flags) + 2, size);

	munmap(map, page_align(size));
	/* Importer first, then the exporter: both mappings go. */
	CHECK(vdev_reqbufs(&out, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS 0 output");
	close(fd);
	CHECK(vdev_reqbufs(&cap, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0 capture");
	vdev_close(&out);
	vdev_close(&cap);
}

int main(void)
{
	test_init("sync_same_device_import");
	check_instance(0);
	check_instance(1);
	return EXIT_PASS;
}
