// SPDX-License-Identifier: GPL-2.0
/*
 * import_dma_heap: vivbuf captures into buffers from the system dma-heap
 * (DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/system) queued with
 * V4L2_MEMORY_DMABUF. The pixels, read through an mmap of the heap fd with
 * the reads bracketed by DMA_BUF_IOCTL_SYNC, equal a reference frame
 * captured with MMAP on the same node in the same format. Each plane is
 * attached and mapped once (`imports`, `maps`), REQBUFS(0) unmaps every
 * mapping and nothing was mapped by the CPU (`cpu_maps`). Single-planar node with
 * XRGB32, multi-planar node with NV12M (two heap buffers per buffer).
 *
 * The pixels are read after REQBUFS(0) has detached vivbuf: the 6.12
 * system heap's begin_cpu_access syncs each attachment's sg_table, the very
 * table dma-buf core hands to the importer and, with CONFIG_DMABUF_DEBUG,
 * scrambles; under CONFIG_DMA_API_DEBUG that sync dereferences the
 * scrambled page pointers and oopses. That is a mainline heap bug, not
 * ours, so this test does not step on it.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	3
#define NUM_FRAMES	4
#define POISON		0xa5

static void alloc_heap_bufs(struct vdev *d, struct import_buf *bufs,
			    unsigned int nbufs)
{
	unsigned int i, p;
	int ret;

	for (i = 0; i < nbufs; i++) {
		for (p = 0; p < d->num_planes; p++) {
			struct import_buf *ib = &bufs[i];

			ib->size[p] = page_align(d->sizeimage[p]);
			ib->fd[p] = dma_heap_alloc(ib->size[p]);
			ib->sync_fd[p] = ib->fd[p];
			CHECK(dmabuf_size(ib->fd[p]) == ib->size[p],
			      "heap buffer size %zu, asked %zu",
			      dmabuf_size(ib->fd[p]), ib->size[p]);
			ib->map[p] = dmabuf_mmap(ib->fd[p], ib->size[p],
						 PROT_READ | PROT_WRITE);
			/* Poison, so a frame that was never written cannot match. */
			ret = dmabuf_sync(ib->fd[p], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
			CHECK(!ret, "SYNC START|WRITE: %s", strerrorname_np(-ret));
			memset(ib->map[p], POISON, ib->size[p]);
			ret = dmabuf_sync(ib->fd[p], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
			CHECK(!ret, "SYNC END|WRITE: %s", strerrorname_np(-ret));
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

/* Every buffer holds its last complete frame: vivbuf never stops mid-frame. */
static void check_detached_bufs(struct vdev *d, struct import_buf *bufs,
				unsigned int nbufs, const struct frame *ref)
{
	unsigned int i, p;
	char what[64];
	int ret;

	for (i = 0; i < nbufs; i++) {
		for (p = 0; p < d->num_planes; p++) {
			ret = dmabuf_sync(bufs[i].fd[p],
					  DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
			CHECK(!ret, "SYNC START|READ: %s", strerrorname_np(-ret));
			snprintf(what, sizeof(what), "%s heap buffer %u plane %u",
				 d->path, i, p);
			CHECK(buffers_match(what, bufs[i].map[p], ref->data[p],
					    ref->size[p]),
			      "captured heap buffer differs from the MMAP reference");
			ret = dmabuf_sync(bufs[i].fd[p],
					  DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
			CHECK(!ret, "SYNC END|READ: %s", strerrorname_np(-ret));
		}
	}
	diag("%s: %u heap buffers hold the reference frame", d->path, nbufs);
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
	alloc_heap_bufs(&d, bufs, NUM_BUFFERS);
	dmabuf_counters_read(&before);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS DMABUF %u: %d", NUM_BUFFERS, ret);

	/* Pixels are checked once detached, see the top of the file. */
	stream_imported(&d, bufs, NUM_BUFFERS, NUM_FRAMES, NULL);
	dmabuf_counters_read(&streamed);

	check_import_counters(&d, NUM_BUFFERS, NUM_FRAMES, &before, &streamed);
	check_detached_bufs(&d, bufs, NUM_BUFFERS, &ref);

	free_import_bufs(&d, bufs, NUM_BUFFERS);
	frame_free(&ref);
	vdev_close(&d);
}

int main(void)
{
	test_init("import_dma_heap");
	check_node(0, V4L2_PIX_FMT_XRGB32);
	check_node(1, V4L2_PIX_FMT_NV12M);
	return EXIT_PASS;
}
