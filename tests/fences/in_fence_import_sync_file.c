// SPDX-License-Identifier: GPL-2.0
/*
 * in_fence_import_sync_file: a sw_sync fence imported (as a writer) into a
 * udmabuf with DMA_BUF_IOCTL_IMPORT_SYNC_FILE holds the capture into that
 * udmabuf: while the fence is pending, QBUF does not block, no frame is
 * written into the buffer and no buffer is returned; once the fence is
 * signalled, the frame is captured and dequeued without error.
 */
#include <sys/mman.h>

#include "fences.h"

#define POISON	0xa5

int main(void)
{
	uint64_t waits, timeouts, start;
	struct dq_buf b;
	struct vdev d;
	int fd[2], timeline, in_fence, memfd, ret;
	uint8_t *map0;
	size_t size;
	unsigned int i;

	test_init("in_fence_import_sync_file");
	require_fences();
	timeline = sw_sync_timeline();

	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 30);
	size = page_align(d.sizeimage[0]);
	for (i = 0; i < 2; i++) {
		fd[i] = udmabuf_alloc(size, i ? NULL : &memfd);
	}
	map0 = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	CHECK(map0 != MAP_FAILED, "mmap memfd");
	memset(map0, POISON, size);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 2);
	CHECK(ret >= 2, "REQBUFS DMABUF 2 gave %d", ret);

	in_fence = sw_sync_fence(timeline, 1);
	import_sync_file(fd[0], DMA_BUF_SYNC_WRITE, in_fence);
	CHECK(sync_file_status(in_fence) == 0, "sw_sync fence already signalled");

	waits = dmabuf_counter("in_fence_waits");
	timeouts = dmabuf_counter("in_fence_timeouts");
	start = now_ms();
	for (i = 0; i < 2; i++)
		CHECK(!vdev_qbuf(&d, i, &fd[i], NULL), "QBUF DMABUF %u", i);
	vdev_streamon(&d);
	/*
	 * Only this test signals the fence: had QBUF or STREAMON waited for
	 * it, the wait could only have ended by timing out. Not a bound on
	 * milliseconds, which a loaded emulated machine cannot keep.
	 */
	diag("QBUF+STREAMON took %llu ms",
	     (unsigned long long)(now_ms() - start));
	CHECK(dmabuf_counter("in_fence_timeouts") == timeouts,
	      "QBUF+STREAMON waited for the pending in-fence until it timed out");
	CHECK(dmabuf_counter("in_fence_waits") == waits + 1,
	      "in_fence_waits rose by %llu, want 1",
	      (unsigned long long)(dmabuf_counter("in_fence_waits") - waits));

	/* Well within in_fence_timeout_ms (1 s): nothing may happen. */
	ret = vdev_dqbuf(&d, &b, 500);
	CHECK(ret == -ETIMEDOUT, "DQBUF while the in-fence is pending: %d (index %u)",
	      ret, ret ? 0 : b.buf.index);
	/*
	 * No DMA_BUF_IOCTL_SYNC here: it waits for the pending fences. The
	 * memfd pages are CPU memory and vivbuf writes them with the CPU.
	 */
	CHECK(map0[0] == POISON && map0[size / 2] == POISON,
	      "udmabuf written while its in-fence is pending");

	sw_sync_inc(timeline, 1);
	CHECK(sync_file_status(in_fence) == 1, "sw_sync fence not signalled");
	ret = vdev_dqbuf(&d, &b, 2000);
	CHECK(!ret, "DQBUF after the in-fence signalled: %d", ret);
	CHECK(b.buf.index == 0 && !(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "DQBUF index %u flags %#x", b.buf.index, b.buf.flags);
	diag("buffer 0 captured %llu ms after STREAMON",
	     (unsigned long long)(now_ms() - start));
	dmabuf_sync(fd[0], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	CHECK(!buffer_is_zero(map0, size) && map0[0] != POISON,
	      "no frame in the udmabuf after the capture");
	dmabuf_sync(fd[0], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);

	vdev_streamoff(&d);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_DMABUF, 0) == 0, "REQBUFS 0");
	close(in_fence);
	close(timeline);
	munmap(map0, size);
	close(memfd);
	close(fd[0]);
	close(fd[1]);
	vdev_close(&d);
	check_no_pending_fences();
	return EXIT_PASS;
}
