// SPDX-License-Identifier: GPL-2.0
/*
 * expbuf_no_borrowed_file: VIDIOC_EXPBUF never hands out a struct file it
 * does not own. A dma_buf's dentry can outlive its file: an O_PATH open of
 * /proc/self/fd/N pins the dentry, so close(N) frees the file while the
 * dma_buf lives on. The allocator used to cache the plane's dma_buf and find
 * its file again through dmabuf->file with a get-unless-zero: the next
 * EXPBUF took a reference on freed memory (KASAN: slab-use-after-free in
 * vb2_dmabuf_get_dmabuf) or, once the slot held someone else's file, on
 * that file (without KASAN, EXPBUF returned /dev/null).
 *
 * Each round exports a buffer, pins the dma-buf's dentry with O_PATH, closes
 * the exported fd, opens a few other files (kept open, so that a recycled
 * slot holds a live file) and exports the buffer again. Every fd EXPBUF
 * returns must be a dma-buf (fstatfs magic DMA_BUF_MAGIC, /proc/self/fd
 * link "/dmabuf:..."), and the second one the very dma-buf the O_PATH fd
 * pins: the plane still has one dma-buf per access mode. After REQBUFS(0)
 * no dma-buf or buffer is left alive.
 */
#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "common.h"

#define NUM_BUFFERS	3
#define ROUNDS		300
#define NUM_OTHERS	4

static int export_plane(struct vdev *d, unsigned int index,
			unsigned int round)
{
	int fd = vdev_expbuf(d, index, 0, O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0, "round %u: EXPBUF index %u: %s", round, index,
	      strerrorname_np(-fd));
	return fd;
}

static void check_is_dmabuf(int fd, unsigned int round, const char *what)
{
	char link[32], target[256];
	struct statfs sfs;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	CHECK(n > 0, "round %u: readlink %s", round, link);
	target[n] = '\0';
	CHECK(!strncmp(target, "/dmabuf:", strlen("/dmabuf:")),
	      "round %u: %s fd %d is %s, not a dma-buf", round, what, fd,
	      target);
	CHECK(!fstatfs(fd, &sfs), "round %u: fstatfs %s fd %d", round, what, fd);
	CHECK(sfs.f_type == DMA_BUF_MAGIC,
	      "round %u: %s fd %d has file system magic %#lx, not DMA_BUF_MAGIC",
	      round, what, fd, (unsigned long)sfs.f_type);
}

/* Files of other kinds, opened where the freed file was, kept open. */
static void open_others(int *others)
{
	others[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(others[0] >= 0, "open /dev/null");
	others[1] = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	CHECK(others[1] >= 0, "open /proc/self/stat");
	CHECK(!pipe2(&others[2], O_CLOEXEC), "pipe2");
}

static void close_all(int *fds, unsigned int count)
{
	while (count--)
		close(fds[count]);
}

static void round_trip(struct vdev *d, unsigned int round)
{
	unsigned int index = round % NUM_BUFFERS;
	int fd, opath, others[NUM_OTHERS];
	dev_t pinned_dev, dev;
	ino_t pinned_ino, ino;
	char link[32];

	fd = export_plane(d, index, round);
	check_is_dmabuf(fd, round, "first EXPBUF");

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	opath = open(link, O_PATH | O_CLOEXEC);
	CHECK(opath >= 0, "round %u: open %s O_PATH", round, link);
	fd_inode(opath, &pinned_dev, &pinned_ino);
	close(fd);

	open_others(others);
	fd = export_plane(d, index, round);
	check_is_dmabuf(fd, round, "second EXPBUF");
	fd_inode(fd, &dev, &ino);
	CHECK(dev == pinned_dev && ino == pinned_ino,
	      "round %u: buffer %u re-exported as dev %#lx ino %lu, its pinned dma-buf is dev %#lx ino %lu",
	      round, index, (unsigned long)dev, (unsigned long)ino,
	      (unsigned long)pinned_dev, (unsigned long)pinned_ino);

	close_all(others, NUM_OTHERS);
	close(fd);
	close(opath);
}

int main(void)
{
	struct dmabuf_counters before;
	unsigned int round;
	struct vdev d;

	test_init("expbuf_no_borrowed_file");
	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS MMAP %u", NUM_BUFFERS);
	dmabuf_counters_read(&before);

	for (round = 0; round < ROUNDS; round++)
		round_trip(&d, round);
	diag("%u rounds over %u buffers: every EXPBUF gave a dma-buf, the one its O_PATH fd pinned",
	     ROUNDS, NUM_BUFFERS);

	check_mmap_freed(&d, &before);
	vdev_close(&d);
	return EXIT_PASS;
}
