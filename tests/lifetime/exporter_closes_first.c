// SPDX-License-Identifier: GPL-2.0
/*
 * exporter_closes_first: the single-planar vivbuf node exports its MMAP
 * buffers; vkms imports them and the multi-planar node captures into them
 * (V4L2_MEMORY_DMABUF) with fds of its own (dups, as a separate importing
 * process would have). The exporter then goes first: its video fd is
 * closed (no STREAMOFF, no REQBUFS(0)) and so are its exported fds. The
 * importing node must keep capturing into the orphaned buffers, frames
 * visible through a mapping kept of each, until it closes too; vkms lets
 * go last, and the allocator then holds nothing more than before.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lifetime.h"

int main(void)
{
	struct dmabuf_counters before;
	struct dmabufs fds[LT_BUFFERS], imported[LT_BUFFERS];
	uint32_t handles[LT_BUFFERS];
	struct node enode, inode;
	struct vdev exp, imp;
	uint8_t *maps[LT_BUFFERS];
	size_t size;
	unsigned int i;
	int drm;

	lt_init("exporter_closes_first");
	lt_find_capture(&enode, false);
	lt_find_capture(&inode, true);
	drm = vkms_open();
	dmabuf_counters_read(&before);

	/* XRGB32 on both: one plane of the same size. */
	lt_stream(&exp, &enode, V4L2_PIX_FMT_XRGB32, V4L2_MEMORY_MMAP, NULL,
		  LT_FRAMES);
	vdev_streamoff(&exp);
	memset(fds, 0, sizeof(fds));
	for (i = 0; i < LT_BUFFERS; i++) {
		fds[i].fd[0] = vdev_expbuf(&exp, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fds[i].fd[0] >= 0, "EXPBUF %u: %s", i,
		      strerrorname_np(-fds[i].fd[0]));
		fds[i].size[0] = size = dmabuf_size(fds[i].fd[0]);
		maps[i] = dmabuf_mmap(fds[i].fd[0], size, PROT_READ | PROT_WRITE);
		handles[i] = vkms_import(drm, fds[i].fd[0]);
		imported[i] = fds[i];
		imported[i].fd[0] = dup(fds[i].fd[0]);
		CHECK(imported[i].fd[0] >= 0, "dup");
	}
	lt_stream(&imp, &inode, V4L2_PIX_FMT_XRGB32, V4L2_MEMORY_DMABUF,
		  imported, LT_FRAMES);

	/* The exporter goes: its file and every exported fd. */
	vdev_close(&exp);
	for (i = 0; i < LT_BUFFERS; i++) {
		/* Zeroed, so that only new frames can fill them again. */
		memset(maps[i], 0, fds[i].size[0]);
		close(fds[i].fd[0]);
	}
	diag("exporter %s closed; %s keeps capturing into its buffers",
	     enode.path, inode.path);
	for (i = 0; i < 2 * LT_BUFFERS; i++)
		lt_next_frame(&imp, imported);
	for (i = 0; i < LT_BUFFERS; i++)
		CHECK(!buffer_is_zero(maps[i], fds[i].size[0]),
		      "buffer %u got no frame after the exporter closed", i);

	/* Then the importers: the capture node (while streaming), vkms. */
	vdev_close(&imp);
	for (i = 0; i < LT_BUFFERS; i++) {
		close(imported[i].fd[0]);
		munmap(maps[i], fds[i].size[0]);
		vkms_gem_close(drm, handles[i]);
	}
	close(drm);

	lt_counters_settled(&before);
	return EXIT_PASS;
}
