// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_access_sync: DMA_BUF_IOCTL_SYNC on an exported vivbuf buffer.
 * START|READ, END|READ, START|RW, END|RW succeed and each reaches the
 * exporter (`cpu_syncs` +4); flags 0, END alone, and unknown bits fail with
 * EINVAL without reaching it. A pattern written through the dma-buf mmap
 * between START|WRITE and END|WRITE is what the V4L2 mmap of the same
 * (dequeued) buffer reads; once the buffer is queued again the device
 * overwrites it with the test pattern.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	2

static void check_valid_syncs(int fd)
{
	static const uint64_t valid[] = {
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW,
		DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW,
	};
	uint64_t before = dmabuf_counter("cpu_syncs"), after;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		ret = dmabuf_sync(fd, valid[i]);
		CHECK(!ret, "SYNC flags %#llx: %s", (unsigned long long)valid[i],
		      strerrorname_np(-ret));
	}
	after = dmabuf_counter("cpu_syncs");
	diag("4 valid syncs: cpu_syncs +%llu", (unsigned long long)(after - before));
	CHECK(after - before == 4, "cpu_syncs rose by %llu for 4 syncs",
	      (unsigned long long)(after - before));
}

static void check_invalid_syncs(int fd)
{
	static const uint64_t invalid[] = {
		0,
		DMA_BUF_SYNC_END,
		DMA_BUF_SYNC_READ | 0x8,
		DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW | 0x100,
		DMA_BUF_SYNC_READ | (1ull << 63),
	};
	uint64_t before = dmabuf_counter("cpu_syncs"), after;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(invalid); i++) {
		ret = dmabuf_sync(fd, invalid[i]);
		CHECK(ret == -EINVAL, "SYNC flags %#llx: %s, want EINVAL",
		      (unsigned long long)invalid[i],
		      ret ? strerrorname_np(-ret) : "succeeded");
	}
	after = dmabuf_counter("cpu_syncs");
	CHECK(after == before, "invalid syncs moved cpu_syncs by %llu",
	      (unsigned long long)(after - before));
}

static void fill_pattern(uint8_t *data, size_t size)
{
	size_t i;

	/* Not a plausible video frame: a 251-byte period never lines up. */
	for (i = 0; i < size; i++)
		data[i] = (uint8_t)(i % 251) ^ 0x3c;
}

int main(void)
{
	uint8_t *dmabuf_map, *pattern;
	uint64_t syncs;
	unsigned int i, index;
	struct dq_buf b;
	struct vdev d;
	size_t size;
	int fd, ret;

	test_init("cpu_access_sync");
	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);
	size = d.sizeimage[0];
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS MMAP %u", NUM_BUFFERS);
	vdev_mmap_buffers(&d, PROT_READ);
	for (i = 0; i < d.count; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %u", i);
	vdev_streamon(&d);
	ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF: %s", strerrorname_np(-ret));
	index = b.buf.index;

	fd = vdev_expbuf(&d, index, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF %u: %s", index, strerrorname_np(-fd));
	check_valid_syncs(fd);
	check_invalid_syncs(fd);

	/* CPU write through the dma-buf, read back through V4L2. */
	pattern = malloc(size);
	CHECK(pattern, "malloc");
	fill_pattern(pattern, size);
	dmabuf_map = dmabuf_mmap(fd, d.map[index][0].length, PROT_READ | PROT_WRITE);
	syncs = dmabuf_counter("cpu_syncs");
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	CHECK(!ret, "SYNC START|WRITE: %s", strerrorname_np(-ret));
	memcpy(dmabuf_map, pattern, size);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	CHECK(!ret, "SYNC END|WRITE: %s", strerrorname_np(-ret));
	CHECK(dmabuf_counter("cpu_syncs") - syncs == 2,
	      "cpu_syncs rose by %llu for START|WRITE + END|WRITE",
	      (unsigned long long)(dmabuf_counter("cpu_syncs") - syncs));
	CHECK(buffers_match("V4L2 mmap after dma-buf write", d.map[index][0].addr,
			    pattern, size),
	      "CPU write through the dma-buf is not in the V4L2 buffer");
	diag("buffer %u: %zu bytes written via dma-buf mmap read back via V4L2 mmap",
	     index, size);

	/* Hand it back: the device must overwrite the CPU pattern. */
	CHECK(!vdev_qbuf(&d, index, NULL, NULL), "re-QBUF %u", index);
	do {
		ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "DQBUF: %s", strerrorname_np(-ret));
		if (b.buf.index != index)
			CHECK(!vdev_qbuf(&d, b.buf.index, NULL, NULL), "re-QBUF");
	} while (b.buf.index != index);
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR), "ERROR flag on seq %u",
	      b.buf.sequence);
	CHECK(memcmp(d.map[index][0].addr, pattern, size),
	      "buffer %u still holds the CPU pattern after a capture", index);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC START|READ: %s", strerrorname_np(-ret));
	CHECK(buffers_match("dma-buf mmap after capture", dmabuf_map,
			    d.map[index][0].addr, size),
	      "dma-buf and V4L2 views of buffer %u differ after a capture", index);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC END|READ: %s", strerrorname_np(-ret));
	vdev_streamoff(&d);

	munmap(dmabuf_map, d.map[index][0].length);
	close(fd);
	free(pattern);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	vdev_close(&d);
	return EXIT_PASS;
}
