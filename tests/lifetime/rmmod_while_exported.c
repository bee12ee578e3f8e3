// SPDX-License-Identifier: GPL-2.0
/*
 * rmmod_while_exported: unloading vivbuf and videobuf2-dmabuf while dma-bufs
 * they exported are alive must be refused, or be safe.
 *  - The video fd open: both refused (vivbuf is in use by the file,
 *    videobuf2-dmabuf by vivbuf).
 *  - The video fd closed, buffers exported, mapped and imported into vkms:
 *    vivbuf may go (the dma-bufs do not need it), and then the dma-bufs must
 *    still work; videobuf2-dmabuf must be refused: its dma_buf_ops are
 *    in use (dma_buf_export() took a reference on it).
 *  - Everything closed: both unload.
 * Then both are loaded again without parameters, as tests/vm/guest-modules.sh
 * leaves them, and a node streams.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lifetime.h"

int main(void)
{
	uint8_t *maps[LT_BUFFERS];
	uint32_t handles[LT_BUFFERS];
	size_t sizes[LT_BUFFERS];
	int fds[LT_BUFFERS], drm, ret;
	uint64_t sums[LT_BUFFERS] = { 0 };
	struct node node;
	struct vdev q;
	unsigned int i;

	lt_init("rmmod_while_exported");
	lt_find_capture(&node, false);
	drm = vkms_open();
	atexit(lt_restore_modules_at_exit);

	lt_stream(&q, &node, 0, V4L2_MEMORY_MMAP, NULL, LT_FRAMES);
	for (i = 0; i < LT_BUFFERS; i++) {
		fds[i] = vdev_expbuf(&q, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fds[i] >= 0, "EXPBUF %u: %s", i, strerrorname_np(-fds[i]));
		sizes[i] = dmabuf_size(fds[i]);
		maps[i] = dmabuf_mmap(fds[i], sizes[i], PROT_READ | PROT_WRITE);
		handles[i] = vkms_import(drm, fds[i]);
	}
	module_expect_busy("vivbuf", "with its video fd open and streaming");
	module_expect_busy("videobuf2_dmabuf", "with vivbuf loaded");

	vdev_close(&q);
	for (i = 0; i < LT_BUFFERS; i++)
		sums[i] = lt_read_dmabuf(fds[i]);

	ret = module_unload("vivbuf");
	CHECK(!ret || ret == -EWOULDBLOCK || ret == -EBUSY,
	      "rmmod vivbuf with only dma-bufs left: %s", strerrorname_np(-ret));
	diag("rmmod vivbuf with its dma-bufs exported, mapped and imported: %s",
	     ret ? "refused" : "unloaded");
	if (!ret)
		module_expect_busy("videobuf2_dmabuf", "with its dma-bufs alive");

	/* With or without their driver, the dma-bufs work. */
	for (i = 0; i < LT_BUFFERS; i++) {
		lt_fences_idle(fds[i]);
		CHECK(lt_read_dmabuf(fds[i]) == sums[i],
		      "buffer %u changed after rmmod vivbuf", i);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		CHECK(!ret, "SYNC START|WRITE: %s", strerrorname_np(-ret));
		memset(maps[i], 0xc3, sizes[i]);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		CHECK(!ret, "SYNC END|WRITE: %s", strerrorname_np(-ret));
		CHECK(!munmap(maps[i], sizes[i]), "munmap %u", i);
		close(fds[i]);
	}
	/* vkms still holds them. */
	if (!module_loaded("vivbuf"))
		module_expect_busy("videobuf2_dmabuf", "while vkms holds its dma-bufs");
	for (i = 0; i < LT_BUFFERS; i++)
		vkms_gem_close(drm, handles[i]);
	close(drm);

	/* Nothing holds them now: both unload. */
	if (module_loaded("vivbuf")) {
		ret = module_unload("vivbuf");
		CHECK(!ret, "rmmod vivbuf after everything closed: %s",
		      strerrorname_np(-ret));
	}
	/* Its fences pin it until they are freed, after an RCU grace period. */
	ret = module_unload_wait("videobuf2_dmabuf", LT_UNLOAD_WAIT_MS);
	CHECK(!ret, "rmmod videobuf2_dmabuf after every dma-buf closed: %s",
	      strerrorname_np(-ret));
	diag("both modules unloaded once everything was closed");

	lt_reload_modules(&node);
	CHECK(!dmabuf_counter("live_buffers") && !dmabuf_counter("live_dmabufs"),
	      "the fresh allocator holds %llu buffers, %llu dma-bufs",
	      (unsigned long long)dmabuf_counter("live_buffers"),
	      (unsigned long long)dmabuf_counter("live_dmabufs"));
	diag("reloaded: %s streams", node.path);
	return EXIT_PASS;
}
