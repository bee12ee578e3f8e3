// SPDX-License-Identifier: GPL-2.0
/*
 * share_fork: an exported dma-buf fd, a mapping of it and the video node's
 * own mapping of the buffer are inherited by a child process (fork copies
 * the mappings: vm_open takes a buffer reference for the child's). The
 * parent then lets go of everything: STREAMOFF, REQBUFS(0), closes the
 * video fd and its copy of the dma-buf fd and unmaps. The child, holding the
 * last references, must still read the frame the parent saw, through the
 * inherited mappings and a new one, and through DMA_BUF_IOCTL_SYNC; when it
 * exits the allocator holds nothing more than before.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifetime.h"

static int child(int fd, int go, uint64_t sum, void *vmap, void *map,
		 size_t size)
{
	char byte;

	/* Wait until the parent holds nothing any more. */
	CHECK(read(go, &byte, 1) == 1, "child: read from the parent");
	CHECK(buffer_checksum(vmap, size) == sum,
	      "child: the inherited V4L2 mapping changed");
	CHECK(buffer_checksum(map, size) == sum,
	      "child: the inherited dma-buf mapping changed");
	CHECK(lt_read_dmabuf(fd) == sum, "child: the dma-buf fd reads another frame");
	lt_fences_idle(fd);
	CHECK(!munmap(vmap, size) && !munmap(map, size), "child: munmap");
	close(fd);
	diag("child: read the parent's frame after the parent closed everything");
	return EXIT_PASS;
}

int main(void)
{
	struct dmabuf_counters before;
	int fd, pipefd[2], status;
	struct node node;
	struct dq_buf b;
	struct vdev q;
	uint64_t sum;
	size_t size;
	void *vmap, *map;
	pid_t pid;
	int ret;

	lt_init("share_fork");
	lt_find_capture(&node, false);
	dmabuf_counters_read(&before);

	lt_stream(&q, &node, 0, V4L2_MEMORY_MMAP, NULL, LT_FRAMES);
	vdev_mmap_buffers(&q, PROT_READ);
	/* Keep one frame dequeued: its content no longer changes. */
	ret = vdev_dqbuf(&q, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF: %s", strerrorname_np(-ret));
	fd = vdev_expbuf(&q, b.buf.index, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF %u: %s", b.buf.index, strerrorname_np(-fd));
	size = dmabuf_size(fd);
	vmap = q.map[b.buf.index][0].addr;
	map = dmabuf_mmap(fd, size, PROT_READ);
	sum = lt_read_dmabuf(fd);
	CHECK(sum == buffer_checksum(vmap, size), "dma-buf and V4L2 mmap differ");

	CHECK(!pipe2(pipefd, O_CLOEXEC), "pipe");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		close(pipefd[1]);
		close(q.fd);
		exit(child(fd, pipefd[0], sum, vmap, map, size));
	}
	close(pipefd[0]);

	vdev_streamoff(&q);
	CHECK(vdev_reqbufs(&q, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	vdev_close(&q);
	CHECK(!munmap(map, size), "munmap");
	close(fd);
	diag("parent: closed %s, its dma-buf fd and mappings", node.path);
	CHECK(write(pipefd[1], "g", 1) == 1, "write to the child");
	close(pipefd[1]);

	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_PASS,
	      "the child failed (status %#x)", status);
	lt_counters_settled(&before);
	return EXIT_PASS;
}
