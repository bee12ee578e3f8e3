// SPDX-License-Identifier: GPL-2.0
/*
 * import_map_cached: an imported dma-buf is mapped once and the mapping is
 * kept while the same dma-buf keeps coming back on the same index. Three
 * udmabufs on three indices, re-queued for 30 frames: the debugfs `maps`
 * counter rises by 3, not 30, and `unmaps` does not move. Queueing a
 * different udmabuf on index 0 maps it (+1) and releases the old mapping
 * (+1 unmap). After REQBUFS(0), unmaps has caught up with maps.
 */
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	3
#define NUM_FRAMES	30

static unsigned long long delta(uint64_t now, uint64_t then)
{
	return (unsigned long long)(now - then);
}

static void queue_fd(struct vdev *d, unsigned int index, int fd)
{
	int ret = vdev_qbuf(d, index, &fd, NULL);

	CHECK(!ret, "QBUF index %u fd %d: %s", index, fd, strerrorname_np(-ret));
}

static struct dq_buf *dequeue(struct vdev *d, struct dq_buf *b)
{
	int ret = vdev_dqbuf(d, b, DQBUF_TIMEOUT_MS);

	CHECK(!ret, "DQBUF: %s", strerrorname_np(-ret));
	CHECK(b->buf.index < NUM_BUFFERS, "DQBUF index %u", b->buf.index);
	CHECK(!(b->buf.flags & V4L2_BUF_FLAG_ERROR), "seq %u has ERROR flag",
	      b->buf.sequence);
	CHECK(b->buf.bytesused == d->sizeimage[0], "bytesused %u != sizeimage %u",
	      b->buf.bytesused, d->sizeimage[0]);
	return b;
}

int main(void)
{
	struct dmabuf_counters before, cached, swapped, after;
	int fds[NUM_BUFFERS], spare_fd;
	unsigned int i, n;
	struct dq_buf b;
	struct vdev d;

	test_init("import_map_cached");
	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);
	for (i = 0; i < NUM_BUFFERS; i++)
		fds[i] = udmabuf_alloc(page_align(d.sizeimage[0]), NULL);
	spare_fd = udmabuf_alloc(page_align(d.sizeimage[0]), NULL);

	dmabuf_counters_read(&before);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS DMABUF %u", NUM_BUFFERS);
	for (i = 0; i < NUM_BUFFERS; i++)
		queue_fd(&d, i, fds[i]);
	vdev_streamon(&d);
	for (n = 0; n < NUM_FRAMES; n++) {
		dequeue(&d, &b);
		CHECK(b.buf.m.fd == fds[b.buf.index], "index %u came back with fd %d, queued %d",
		      b.buf.index, b.buf.m.fd, fds[b.buf.index]);
		queue_fd(&d, b.buf.index, fds[b.buf.index]);
	}
	dmabuf_counters_read(&cached);
	diag("%u frames on %u dma-bufs: maps +%llu unmaps +%llu", NUM_FRAMES,
	     NUM_BUFFERS, delta(cached.maps, before.maps),
	     delta(cached.unmaps, before.unmaps));
	CHECK(cached.maps - before.maps == NUM_BUFFERS,
	      "maps rose by %llu over %u frames, want %u (one per dma-buf)",
	      delta(cached.maps, before.maps), NUM_FRAMES, NUM_BUFFERS);
	CHECK(cached.unmaps == before.unmaps,
	      "unmaps rose by %llu while the same dma-bufs were re-queued",
	      delta(cached.unmaps, before.unmaps));

	/* Swap the dma-buf behind index 0. */
	do {
		dequeue(&d, &b);
		if (b.buf.index)
			queue_fd(&d, b.buf.index, fds[b.buf.index]);
	} while (b.buf.index);
	queue_fd(&d, 0, spare_fd);
	dmabuf_counters_read(&swapped);
	diag("new dma-buf on index 0: maps +%llu unmaps +%llu",
	     delta(swapped.maps, cached.maps), delta(swapped.unmaps, cached.unmaps));
	CHECK(swapped.maps - cached.maps == 1,
	      "maps rose by %llu when index 0 got a new dma-buf, want 1",
	      delta(swapped.maps, cached.maps));
	CHECK(swapped.unmaps - cached.unmaps == 1,
	      "unmaps rose by %llu when index 0 dropped its dma-buf, want 1",
	      delta(swapped.unmaps, cached.unmaps));

	/* The new dma-buf is filled like the others. */
	do {
		dequeue(&d, &b);
		queue_fd(&d, b.buf.index, b.buf.index ? fds[b.buf.index] : spare_fd);
	} while (b.buf.index);
	CHECK(b.buf.m.fd == spare_fd, "index 0 came back with fd %d, queued %d",
	      b.buf.m.fd, spare_fd);
	vdev_streamoff(&d);

	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS 0");
	dmabuf_counters_read(&after);
	CHECK(after.maps == swapped.maps, "maps rose by %llu after the swap",
	      delta(after.maps, swapped.maps));
	CHECK(after.unmaps - before.unmaps == after.maps - before.maps,
	      "after REQBUFS(0): maps +%llu but unmaps +%llu",
	      delta(after.maps, before.maps), delta(after.unmaps, before.unmaps));

	for (i = 0; i < NUM_BUFFERS; i++)
		close(fds[i]);
	close(spare_fd);
	vdev_close(&d);
	return EXIT_PASS;
}
