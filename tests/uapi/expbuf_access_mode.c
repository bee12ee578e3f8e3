// SPDX-License-Identifier: GPL-2.0
/*
 * expbuf_access_mode: an EXPBUF fd has the access mode it was asked for.
 * The allocator used to keep one dma-buf per plane whatever the flags, so
 * EXPBUF O_RDWR then O_RDONLY returned a writable fd, and the reverse order
 * a read-only one for O_RDWR. Now a plane has one dma-buf per access mode:
 * EXPBUFs with the same mode give the same dma-buf (st_dev, st_ino), other
 * modes other dma-bufs, over the same pages.
 *
 * Both orders, each on a buffer of its own (O_RDWR first on buffer 0,
 * O_RDONLY first on buffer 1): F_GETFL & O_ACCMODE is the mode asked for,
 * O_WRONLY included; a shared writable mmap of the O_RDONLY fd fails with
 * EACCES, of the O_RDWR fd it works, and a read-only one of the O_RDONLY fd
 * works too. Bytes written through the O_RDWR mapping (between SYNC
 * START|WRITE and END|WRITE) are read back through the O_RDONLY mapping
 * (between SYNC START|READ and END|READ). After REQBUFS(0) no dma-buf or
 * buffer is left alive.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	2
/* O_RDONLY, O_WRONLY and O_RDWR are 0, 1 and 2: arrays are indexed by mode. */
#define NUM_MODES	3

static const char *mode_name(int mode)
{
	switch (mode) {
	case O_RDONLY:
		return "O_RDONLY";
	case O_WRONLY:
		return "O_WRONLY";
	case O_RDWR:
		return "O_RDWR";
	}
	return "O_ACCMODE";
}

static int export_mode(struct vdev *d, unsigned int index, int mode)
{
	int fd = vdev_expbuf(d, index, 0, mode | O_CLOEXEC);
	int fl;

	CHECK(fd >= 0, "buffer %u: EXPBUF %s: %s", index, mode_name(mode),
	      strerrorname_np(-fd));
	fl = fcntl(fd, F_GETFL);
	CHECK(fl >= 0, "buffer %u: F_GETFL", index);
	CHECK((fl & O_ACCMODE) == mode,
	      "buffer %u: EXPBUF %s gave an fd open %s", index,
	      mode_name(mode), mode_name(fl & O_ACCMODE));
	return fd;
}

static bool same_dmabuf(int fd_a, int fd_b)
{
	dev_t dev_a, dev_b;
	ino_t ino_a, ino_b;

	fd_inode(fd_a, &dev_a, &ino_a);
	fd_inode(fd_b, &dev_b, &ino_b);
	return dev_a == dev_b && ino_a == ino_b;
}

static void check_no_write_mapping(int rdonly, size_t size, unsigned int index)
{
	void *addr;

	errno = 0;
	addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, rdonly, 0);
	if (addr != MAP_FAILED)
		munmap(addr, size);
	CHECK(addr == MAP_FAILED && errno == EACCES,
	      "buffer %u: PROT_WRITE MAP_SHARED mmap of the O_RDONLY fd: %s, want EACCES",
	      index, addr == MAP_FAILED ? strerrorname_np(errno) : "mapped");
}

/* Written through @rdwr, read through @rdonly: the same pages. */
static void check_same_pages(int rdwr, int rdonly, size_t size,
			     unsigned int index)
{
	uint8_t *writer, *reader, *pattern;
	size_t i;
	int ret;

	pattern = malloc(size);
	CHECK(pattern, "malloc %zu", size);
	for (i = 0; i < size; i++)
		pattern[i] = (uint8_t)(i % 251) ^ (0x5a + index);

	writer = dmabuf_mmap(rdwr, size, PROT_READ | PROT_WRITE);
	reader = dmabuf_mmap(rdonly, size, PROT_READ);

	ret = dmabuf_sync(rdwr, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	CHECK(!ret, "SYNC START|WRITE on O_RDWR: %s", strerrorname_np(-ret));
	memcpy(writer, pattern, size);
	ret = dmabuf_sync(rdwr, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	CHECK(!ret, "SYNC END|WRITE on O_RDWR: %s", strerrorname_np(-ret));

	ret = dmabuf_sync(rdonly, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC START|READ on O_RDONLY: %s", strerrorname_np(-ret));
	CHECK(buffers_match("O_RDONLY mapping", reader, pattern, size),
	      "buffer %u: the O_RDONLY dma-buf does not show what the O_RDWR one wrote",
	      index);
	ret = dmabuf_sync(rdonly, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC END|READ on O_RDONLY: %s", strerrorname_np(-ret));

	CHECK(!munmap(writer, size) && !munmap(reader, size), "munmap");
	free(pattern);
}

/* Buffer @index exported @first, then the other of O_RDWR and O_RDONLY. */
static void check_buffer(struct vdev *d, unsigned int index, int first)
{
	int second = first == O_RDWR ? O_RDONLY : O_RDWR;
	int fds[NUM_MODES], again[NUM_MODES];
	size_t size;
	int mode;

	fds[first] = export_mode(d, index, first);
	fds[second] = export_mode(d, index, second);
	fds[O_WRONLY] = export_mode(d, index, O_WRONLY);
	for (mode = 0; mode < NUM_MODES; mode++)
		again[mode] = export_mode(d, index, mode);

	for (mode = 0; mode < NUM_MODES; mode++) {
		CHECK(same_dmabuf(fds[mode], again[mode]),
		      "buffer %u: two EXPBUF %s gave different dma-bufs", index,
		      mode_name(mode));
		CHECK(!same_dmabuf(fds[mode], fds[(mode + 1) % NUM_MODES]),
		      "buffer %u: EXPBUF %s and %s gave one dma-buf", index,
		      mode_name(mode), mode_name((mode + 1) % NUM_MODES));
	}

	size = dmabuf_size(fds[O_RDWR]);
	CHECK(size >= d->sizeimage[0] && dmabuf_size(fds[O_RDONLY]) == size,
	      "buffer %u: dma-buf sizes %zu (O_RDWR), %zu (O_RDONLY), sizeimage %u",
	      index, size, dmabuf_size(fds[O_RDONLY]), d->sizeimage[0]);
	check_no_write_mapping(fds[O_RDONLY], size, index);
	check_same_pages(fds[O_RDWR], fds[O_RDONLY], size, index);
	diag("buffer %u: %s then %s, and O_WRONLY: three dma-bufs of their modes, one set of pages",
	     index, mode_name(first), mode_name(second));

	for (mode = 0; mode < NUM_MODES; mode++) {
		close(fds[mode]);
		close(again[mode]);
	}
}

int main(void)
{
	struct dmabuf_counters before;
	struct vdev d;

	test_init("expbuf_access_mode");
	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS MMAP %u", NUM_BUFFERS);
	dmabuf_counters_read(&before);

	check_buffer(&d, 0, O_RDWR);
	check_buffer(&d, 1, O_RDONLY);

	check_mmap_freed(&d, &before);
	vdev_close(&d);
	return EXIT_PASS;
}
