// SPDX-License-Identifier: GPL-2.0
/*
 * import_udmabuf: vivbuf captures into udmabufs (memfd sealed with
 * F_SEAL_SHRINK, UDMABUF_CREATE) queued with V4L2_MEMORY_DMABUF. The memfd
 * contents, read through the memfd's own mapping with the reads bracketed
 * by DMA_BUF_IOCTL_SYNC on the udmabuf, equal a reference frame captured
 * with MMAP on the same node in the same format. Each plane is attached
 * and mapped once (`imports`, `maps`), REQBUFS(0) unmaps every mapping and
 * nothing was mapped by the CPU (`cpu_maps`). Single-planar node with XRGB32 (m.fd),
 * multi-planar node with NV12M (m.planes[].m.fd, two udmabufs per buffer).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	3
#define NUM_FRAMES	4
#define POISON		0xa5

static void alloc_udmabufs(struct vdev *d, struct import_buf *bufs,
			   unsigned int nbufs)
{
	unsigned int i, p;
	int memfd;

	for (i = 0; i < nbufs; i++) {
		for (p = 0; p < d->num_planes; p++) {
			struct import_buf *ib = &bufs[i];

			ib->size[p] = page_align(d->sizeimage[p]);
			ib->fd[p] = udmabuf_alloc(ib->size[p], &memfd);
			ib->sync_fd[p] = ib->fd[p];
			ib->map[p] = mmap(NULL, ib->size[p], PROT_READ | PROT_WRITE,
					  MAP_SHARED, memfd, 0);
			CHECK(ib->map[p] != MAP_FAILED, "mmap memfd");
			/* Poison, so a frame that was never written cannot match. */
			memset(ib->map[p], POISON, ib->size[p]);
			close(memfd);
		}
	}
}

static void free_import_bufs(struct vdev *d, struct import_buf *bufs,
			     unsigned int nbufs)
{
	unsigned int i, p;

	for (i = 0; i < nbufs; i++) {
		for (p = 0; p < d->num_planes; p++) {
			munmap(bufs[i].map[p], bufs[i].size[p]);
			close(bufs[i].fd[p]);
		}
	}
}

static void check_node(unsigned int instance, uint32_t pixelformat)
{
	struct import_buf bufs[NUM_BUFFERS];
	struct dmabuf_counters before, streamed;
	struct frame ref;
	struct vdev d;
	int ret;

	vdev_open(&d, instance);
	vdev_set_format(&d, pixelformat, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);
	capture_reference(&d, &ref);

	memset(bufs, 0, sizeof(bufs));
	alloc_udmabufs(&d, bufs, NUM_BUFFERS);
	dmabuf_counters_read(&before);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS DMABUF %u: %d", NUM_BUFFERS, ret);

	stream_imported(&d, bufs, NUM_BUFFERS, NUM_FRAMES, &ref);
	dmabuf_counters_read(&streamed);

	check_import_counters(&d, NUM_BUFFERS, NUM_FRAMES, &before, &streamed);

	free_import_bufs(&d, bufs, NUM_BUFFERS);
	frame_free(&ref);
	vdev_close(&d);
}

int main(void)
{
	test_init("import_udmabuf");
	check_node(0, V4L2_PIX_FMT_XRGB32);
	check_node(1, V4L2_PIX_FMT_NV12M);
	return EXIT_PASS;
}
