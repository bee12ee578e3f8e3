// SPDX-License-Identifier: GPL-2.0
/*
 * close_video_fd_while_imported: a capture queue streams into MMAP buffers;
 * every buffer is exported, mmapped through its dma-buf fd and imported
 * into vkms (DRM PRIME: attached and mapped for vkms). Then the video fd is
 * closed while streaming, without STREAMOFF or REQBUFS(0), its own mmaps of
 * the buffers still in place. The dma-bufs must stay fully usable: the
 * frames are there (dma-buf mmap = V4L2 mmap), writes through one view show
 * in the other, DMA_BUF_IOCTL_SYNC works, poll() says no fence is pending,
 * and a new vkms file can still import (attach and map) them.
 * Then the last holders go one by one, vkms last: the dma-bufs live until
 * vkms lets go, and afterwards the allocator holds nothing more than before.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lifetime.h"

#define POISON	0x3c

int main(void)
{
	struct dmabuf_counters before, during;
	uint32_t handles[LT_BUFFERS];
	uint8_t *maps[LT_BUFFERS];
	struct plane_map vmaps[LT_BUFFERS];
	size_t sizes[LT_BUFFERS];
	int fds[LT_BUFFERS], drm, late_drm, ret;
	struct node node;
	struct vdev q;
	unsigned int i;

	lt_init("close_video_fd_while_imported");
	lt_find_capture(&node, false);
	drm = vkms_open();
	dmabuf_counters_read(&before);

	lt_stream(&q, &node, 0, V4L2_MEMORY_MMAP, NULL, LT_FRAMES);
	vdev_mmap_buffers(&q, PROT_READ | PROT_WRITE);
	for (i = 0; i < LT_BUFFERS; i++) {
		fds[i] = vdev_expbuf(&q, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fds[i] >= 0, "EXPBUF %u: %s", i, strerrorname_np(-fds[i]));
		sizes[i] = dmabuf_size(fds[i]);
		maps[i] = dmabuf_mmap(fds[i], sizes[i], PROT_READ | PROT_WRITE);
		handles[i] = vkms_import(drm, fds[i]);
		vmaps[i] = q.map[i][0];
	}
	dmabuf_counters_read(&during);
	CHECK(during.attachments - before.attachments == LT_BUFFERS,
	      "vkms attached %llu times to %u exported buffers",
	      (unsigned long long)(during.attachments - before.attachments),
	      LT_BUFFERS);
	/* One more frame with everyone holding the buffers. */
	lt_next_frame(&q, NULL);

	/* Close while streaming: vb2 stops, returns and frees (orphans) all. */
	CHECK(!close(q.fd), "close %s", q.path);
	q.fd = -1;
	diag("closed %s while streaming, %u buffers exported and imported",
	     q.path, LT_BUFFERS);

	for (i = 0; i < LT_BUFFERS; i++) {
		lt_fences_idle(fds[i]);
		CHECK(lt_read_dmabuf(fds[i]) == buffer_checksum(vmaps[i].addr, sizes[i]),
		      "buffer %u: dma-buf and V4L2 mmap differ after close", i);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		CHECK(!ret, "SYNC START|WRITE: %s", strerrorname_np(-ret));
		memset(maps[i], POISON, sizes[i]);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		CHECK(!ret, "SYNC END|WRITE: %s", strerrorname_np(-ret));
		CHECK(((uint8_t *)vmaps[i].addr)[0] == POISON &&
		      ((uint8_t *)vmaps[i].addr)[sizes[i] - 1] == POISON,
		      "buffer %u: write through the dma-buf not in the V4L2 mmap", i);
	}

	/* A new importer can still attach and map the orphaned buffers. */
	late_drm = vkms_open();
	for (i = 0; i < LT_BUFFERS; i++)
		vkms_gem_close(late_drm, vkms_import(late_drm, fds[i]));
	close(late_drm);
	CHECK(dmabuf_counter("attachments") - during.attachments == LT_BUFFERS,
	      "a new vkms file attached %llu times to %u orphaned buffers",
	      (unsigned long long)(dmabuf_counter("attachments") -
				   during.attachments), LT_BUFFERS);

	/* The application lets go; vkms's imports keep the dma-bufs. */
	for (i = 0; i < LT_BUFFERS; i++) {
		CHECK(!munmap(maps[i], sizes[i]), "munmap dma-buf %u", i);
		CHECK(!munmap(vmaps[i].addr, vmaps[i].length), "munmap V4L2 %u", i);
		close(fds[i]);
	}
	CHECK(dmabuf_counter("live_dmabufs") == before.live_dmabufs + LT_BUFFERS,
	      "live_dmabufs %llu with only vkms holding %u of them (before %llu)",
	      (unsigned long long)dmabuf_counter("live_dmabufs"), LT_BUFFERS,
	      (unsigned long long)before.live_dmabufs);
	for (i = 0; i < LT_BUFFERS; i++)
		vkms_gem_close(drm, handles[i]);
	close(drm);

	lt_counters_settled(&before);
	return EXIT_PASS;
}
