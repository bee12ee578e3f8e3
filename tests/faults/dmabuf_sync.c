// SPDX-License-Identifier: GPL-2.0
/*
 * DMA_BUF_IOCTL_SYNC (START then END, read and write) on an exported plane,
 * with each allocation failing in turn. The exporter's cache maintenance
 * allocates nothing, so the walk may find no allocation at all: then every
 * run must simply succeed, and count two CPU syncs.
 *
 * No importer holds a mapping of the plane meanwhile: SYNC END with
 * another vivbuf queue importing the buffer is the DMA-API warning the
 * fuzzer found (issue 9, seed 890426501209063546), not fixed yet; that
 * case would fail here for that known reason, not for fault injection.
 */
#include <fcntl.h>
#include <unistd.h>

#include "faults.h"

#define WALK_SECONDS	300

struct sync_ctx {
	int fd;
	uint64_t cpu_syncs;
};

static int sync_run(void *p)
{
	struct sync_ctx *c = p;
	int ret;

	ret = dmabuf_sync(c->fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	if (!ret)
		ret = dmabuf_sync(c->fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	return ret;
}

static long sync_check(void *p, int ret)
{
	struct sync_ctx *c = p;
	uint64_t syncs = dmabuf_counter("cpu_syncs");

	if (!ret)
		CHECK(syncs == c->cpu_syncs + 2,
		      "SYNC START and END succeeded, cpu_syncs %llu -> %llu",
		      (unsigned long long)c->cpu_syncs,
		      (unsigned long long)syncs);
	c->cpu_syncs = syncs;
	return ret;
}

int main(void)
{
	struct v4l2_format orig;
	struct fi_state start;
	struct fi_result res;
	struct sync_ctx c;
	struct vdev q;
	struct fi_op op = {
		.name = "DMA_BUF_IOCTL_SYNC",
		.run = sync_run,
		.check = sync_check,
		.ctx = &c,
		.first = 1,
	};

	fi_init("dmabuf_sync", WALK_SECONDS);
	fi_state_read(&start);
	fi_capture_setup(&q, 0, &orig, true);
	c.fd = vdev_expbuf(&q, 0, 0, O_CLOEXEC);
	CHECK(c.fd >= 0, "EXPBUF: %s", strerrorname_np(-c.fd));

	c.cpu_syncs = dmabuf_counter("cpu_syncs");
	fi_walk(&op, &res);

	close(c.fd);
	queue_reset(&q);
	queue_close(&q, &orig);
	fi_state_check(&start, "the end");
	return EXIT_PASS;
}
