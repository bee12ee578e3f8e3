// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of an exported dma-buf fd, and reading it all, with each
 * allocation failing in turn: the vma, the page tables, the allocator's
 * vm_map_pages(). A success must map the plane's frame (the checksum of a
 * mapping made without injection); a failure must leave no reference on
 * the buffer: once everything is closed, the allocator holds no plane.
 */
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include "faults.h"

#define WALK_SECONDS	300

struct mmap_ctx {
	int fd;
	size_t size;
	void *map;
	uint64_t sum;
	uint64_t want;
	uint64_t cpu_maps;
};

static int mmap_run(void *p)
{
	struct mmap_ctx *c = p;

	c->map = mmap(NULL, c->size, PROT_READ, MAP_SHARED, c->fd, 0);
	if (c->map == MAP_FAILED)
		return -errno;
	c->sum = buffer_checksum(c->map, c->size);
	return 0;
}

static long mmap_check(void *p, int ret)
{
	struct mmap_ctx *c = p;
	uint64_t maps = dmabuf_counter("cpu_maps");

	if (ret) {
		CHECK(maps == c->cpu_maps,
		      "mmap failed (%s), yet cpu_maps %llu -> %llu",
		      strerrorname_np(-ret), (unsigned long long)c->cpu_maps,
		      (unsigned long long)maps);
		return ret;
	}
	CHECK(c->sum == c->want, "the mapping reads %#llx, the frame is %#llx",
	      (unsigned long long)c->sum, (unsigned long long)c->want);
	CHECK(maps == c->cpu_maps + 1, "mmap succeeded, cpu_maps %llu -> %llu",
	      (unsigned long long)c->cpu_maps, (unsigned long long)maps);
	CHECK(!munmap(c->map, c->size), "munmap");
	c->cpu_maps = maps;
	return 0;
}

int main(void)
{
	struct v4l2_format orig;
	struct fi_state start;
	struct fi_result res;
	struct mmap_ctx c;
	struct vdev q;
	void *map;
	struct fi_op op = {
		.name = "mmap of an exported dma-buf",
		.run = mmap_run,
		.check = mmap_check,
		.ctx = &c,
		.first = 1,
	};

	fi_init("mmap_exported", WALK_SECONDS);
	fi_state_read(&start);
	fi_capture_setup(&q, 0, &orig, true);
	c.fd = vdev_expbuf(&q, 0, 0, O_CLOEXEC);
	CHECK(c.fd >= 0, "EXPBUF: %s", strerrorname_np(-c.fd));
	c.size = dmabuf_size(c.fd);
	map = dmabuf_mmap(c.fd, c.size, PROT_READ);
	CHECK(!buffer_is_zero(map, c.size), "buffer 0 holds no frame");
	c.want = buffer_checksum(map, c.size);
	CHECK(!munmap(map, c.size), "munmap");
	c.cpu_maps = dmabuf_counter("cpu_maps");

	fi_walk(&op, &res);
	CHECK(res.hits > 0, "%s: no allocation failure reached userspace",
	      op.name);

	close(c.fd);
	queue_reset(&q);
	queue_close(&q, &orig);
	/* A reference left by a failed mmap would keep the pages. */
	fi_state_check(&start, "the end");
	return EXIT_PASS;
}
