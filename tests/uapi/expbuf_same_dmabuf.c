// SPDX-License-Identifier: GPL-2.0
/*
 * expbuf_same_dmabuf: exporting the same buffer plane twice yields the same
 * struct dma_buf (equal st_dev and st_ino on both fds), different buffers
 * and different planes yield different dma-bufs, and the debugfs counters
 * agree: `exports` rises by the number of distinct planes, `expbufs` by the
 * number of EXPBUF calls, `live_dmabufs` by the number of distinct planes.
 * After closing every fd, exporting again works and still gives one
 * dma-buf per plane; after REQBUFS(0) no dma-buf or buffer is left alive.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define NUM_BUFFERS	3

static int export_plane(struct vdev *d, unsigned int index, unsigned int plane)
{
	int fd = vdev_expbuf(d, index, plane, O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0, "EXPBUF index %u plane %u: %s", index, plane,
	      strerrorname_np(-fd));
	return fd;
}

static void check_same(int fd_a, int fd_b, const char *what)
{
	dev_t dev_a, dev_b;
	ino_t ino_a, ino_b;

	fd_inode(fd_a, &dev_a, &ino_a);
	fd_inode(fd_b, &dev_b, &ino_b);
	CHECK(fd_a != fd_b, "%s: same fd number %d", what, fd_a);
	CHECK(dev_a == dev_b && ino_a == ino_b,
	      "%s: two EXPBUFs gave different dma-bufs: dev %#lx ino %lu vs dev %#lx ino %lu",
	      what, (unsigned long)dev_a, (unsigned long)ino_a,
	      (unsigned long)dev_b, (unsigned long)ino_b);
}

static void check_different(int fd_a, int fd_b, const char *what)
{
	dev_t dev_a, dev_b;
	ino_t ino_a, ino_b;

	fd_inode(fd_a, &dev_a, &ino_a);
	fd_inode(fd_b, &dev_b, &ino_b);
	CHECK(ino_a != ino_b, "%s: distinct planes share dma-buf inode %lu",
	      what, (unsigned long)ino_a);
}

/* Single-planar node: NUM_BUFFERS buffers, each exported twice. */
static void check_buffers(void)
{
	int first[NUM_BUFFERS], second[NUM_BUFFERS];
	struct dmabuf_counters before, exported, after;
	unsigned int i, j, count;
	char what[64];
	struct vdev d;
	dev_t dev;
	ino_t ino;

	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS) >= NUM_BUFFERS,
	      "REQBUFS MMAP %u", NUM_BUFFERS);

	dmabuf_counters_read(&before);
	for (i = 0; i < NUM_BUFFERS; i++) {
		first[i] = export_plane(&d, i, 0);
		second[i] = export_plane(&d, i, 0);
	}
	dmabuf_counters_read(&exported);

	for (i = 0; i < NUM_BUFFERS; i++) {
		snprintf(what, sizeof(what), "buffer %u", i);
		check_same(first[i], second[i], what);
		for (j = 0; j < i; j++) {
			snprintf(what, sizeof(what), "buffers %u and %u", j, i);
			check_different(first[j], first[i], what);
		}
		fd_inode(first[i], &dev, &ino);
		diag("buffer %u -> dma-buf dev %#lx ino %lu", i,
		     (unsigned long)dev, (unsigned long)ino);
	}

	diag("exports +%llu, expbufs +%llu, live_dmabufs +%lld",
	     (unsigned long long)(exported.exports - before.exports),
	     (unsigned long long)(exported.expbufs - before.expbufs),
	     (long long)(exported.live_dmabufs - before.live_dmabufs));
	CHECK(exported.exports - before.exports == NUM_BUFFERS,
	      "exports rose by %llu for %u distinct buffers exported twice each",
	      (unsigned long long)(exported.exports - before.exports), NUM_BUFFERS);
	CHECK(exported.expbufs - before.expbufs == 2 * NUM_BUFFERS,
	      "expbufs rose by %llu for %u EXPBUF calls",
	      (unsigned long long)(exported.expbufs - before.expbufs),
	      2 * NUM_BUFFERS);
	CHECK(exported.live_dmabufs - before.live_dmabufs == NUM_BUFFERS,
	      "live_dmabufs rose by %lld for %u distinct buffers",
	      (long long)(exported.live_dmabufs - before.live_dmabufs),
	      NUM_BUFFERS);

	for (i = 0; i < NUM_BUFFERS; i++) {
		close(first[i]);
		close(second[i]);
	}

	/* Export again after every fd is gone: the plane is still exportable. */
	first[0] = export_plane(&d, 0, 0);
	second[0] = export_plane(&d, 0, 0);
	check_same(first[0], second[0], "buffer 0 re-exported");
	CHECK(dmabuf_size(first[0]) >= d.sizeimage[0],
	      "re-exported dma-buf size %zu < sizeimage %u",
	      dmabuf_size(first[0]), d.sizeimage[0]);
	close(first[0]);
	close(second[0]);
	diag("re-export after close: exports +%llu",
	     (unsigned long long)(dmabuf_counter("exports") - exported.exports));

	count = d.count;
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	dmabuf_counters_read(&after);
	CHECK(after.live_dmabufs == before.live_dmabufs,
	      "live_dmabufs %llu after closing all fds and REQBUFS(0), was %llu",
	      (unsigned long long)after.live_dmabufs,
	      (unsigned long long)before.live_dmabufs);
	CHECK(after.live_buffers + count == before.live_buffers,
	      "live_buffers %llu after REQBUFS(0), was %llu with %u buffers",
	      (unsigned long long)after.live_buffers,
	      (unsigned long long)before.live_buffers, count);
	vdev_close(&d);
}

/* Multi-planar node, NV12M: the two planes of one buffer are two dma-bufs. */
static void check_planes(void)
{
	int luma_a, luma_b, chroma;
	struct vdev d;

	vdev_open(&d, 1);
	vdev_set_format(&d, V4L2_PIX_FMT_NV12M, TEST_WIDTH, TEST_HEIGHT);
	CHECK(d.num_planes == 2, "NV12M has %u planes", d.num_planes);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 1) >= 1, "REQBUFS MMAP 1");

	luma_a = export_plane(&d, 0, 0);
	chroma = export_plane(&d, 0, 1);
	luma_b = export_plane(&d, 0, 0);
	check_same(luma_a, luma_b, "NV12M plane 0");
	check_different(luma_a, chroma, "NV12M planes 0 and 1");
	CHECK(dmabuf_size(chroma) >= d.sizeimage[1] &&
	      dmabuf_size(chroma) < d.sizeimage[0],
	      "chroma dma-buf size %zu, plane sizes %u/%u", dmabuf_size(chroma),
	      d.sizeimage[0], d.sizeimage[1]);

	close(luma_a);
	close(luma_b);
	close(chroma);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	vdev_close(&d);
}

int main(void)
{
	test_init("expbuf_same_dmabuf");
	check_buffers();
	check_planes();
	return EXIT_PASS;
}
