// SPDX-License-Identifier: GPL-2.0
/*
 * importer_closes_first: the single-planar vivbuf node exports its MMAP
 * buffers; vkms imports them and the multi-planar node captures into them
 * (V4L2_MEMORY_DMABUF). The importers go first, the capture node while
 * streaming, without STREAMOFF. The exporter must be unaffected: EXPBUF
 * still returns the same dma-buf (same inode), the buffers capture with
 * MMAP again, and after it closes the allocator holds nothing more than
 * before.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lifetime.h"

int main(void)
{
	struct dmabuf_counters before;
	struct dmabufs fds[LT_BUFFERS];
	uint32_t handles[LT_BUFFERS];
	struct node enode, inode;
	struct vdev exp, imp;
	dev_t dev, dev2;
	ino_t ino, ino2;
	unsigned int i;
	int drm, fd;

	lt_init("importer_closes_first");
	lt_find_capture(&enode, false);
	lt_find_capture(&inode, true);
	drm = vkms_open();
	dmabuf_counters_read(&before);

	lt_stream(&exp, &enode, V4L2_PIX_FMT_XRGB32, V4L2_MEMORY_MMAP, NULL,
		  LT_FRAMES);
	vdev_streamoff(&exp);
	memset(fds, 0, sizeof(fds));
	for (i = 0; i < LT_BUFFERS; i++) {
		fds[i].fd[0] = vdev_expbuf(&exp, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fds[i].fd[0] >= 0, "EXPBUF %u: %s", i,
		      strerrorname_np(-fds[i].fd[0]));
		fds[i].size[0] = dmabuf_size(fds[i].fd[0]);
		handles[i] = vkms_import(drm, fds[i].fd[0]);
	}
	lt_stream(&imp, &inode, V4L2_PIX_FMT_XRGB32, V4L2_MEMORY_DMABUF, fds,
		  LT_FRAMES);

	/* The importers go first, the capture node in the middle of a frame. */
	vdev_close(&imp);
	for (i = 0; i < LT_BUFFERS; i++)
		vkms_gem_close(drm, handles[i]);
	close(drm);
	diag("importers closed; exporter %s carries on", enode.path);

	/* The exporter's dma-bufs are the same objects, and still work. */
	fd_inode(fds[0].fd[0], &dev, &ino);
	fd = vdev_expbuf(&exp, 0, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF 0 again: %s", strerrorname_np(-fd));
	fd_inode(fd, &dev2, &ino2);
	CHECK(dev == dev2 && ino == ino2,
	      "EXPBUF after the importers left gave another dma-buf");
	close(fd);
	for (i = 0; i < LT_BUFFERS; i++) {
		lt_fences_idle(fds[i].fd[0]);
		lt_read_dmabuf(fds[i].fd[0]);
	}
	for (i = 0; i < LT_BUFFERS; i++)
		CHECK(!vdev_qbuf(&exp, i, NULL, NULL), "QBUF MMAP %u", i);
	vdev_streamon(&exp);
	for (i = 0; i < LT_FRAMES; i++)
		lt_next_frame(&exp, NULL);

	vdev_close(&exp);
	for (i = 0; i < LT_BUFFERS; i++)
		close(fds[i].fd[0]);
	lt_counters_settled(&before);
	return EXIT_PASS;
}
