// SPDX-License-Identifier: GPL-2.0
/*
 * VIDIOC_QBUF of a dma-buf (V4L2_MEMORY_DMABUF) with each allocation
 * failing in turn: the importer (vb2, the allocator's attach_dmabuf and
 * map_dmabuf, dma_buf_attach()) and the exporter, here the allocator too
 * (its attach and map ops): vivbuf's capture node exports a plane that the
 * output node of the same instance imports.
 *
 * A success must be a real import (one import, one attachment, one map, the
 * buffer queued); a failure must leave no mapping and no reference: once
 * the importer's buffers are freed and the fd closed, the dma_buf is gone.
 *
 * The walk starts at the second allocation. The first one is the
 * allocator's attach_dmabuf(), and when it fails the 6.12 vb2 core
 * (__prepare_dmabuf) does not put the reference it took on the dma-buf: a
 * mainline bug (see vb2_dmabuf_attach_dmabuf), not one of ours, which
 * would pin the exported buffer, and the module, for the rest of the boot.
 * Single-planar on purpose: on a multi-planar buffer a failure on one plane
 * leaks the references of the planes after it the same way (the fuzzer
 * steers clear of that case too). If the first allocation ever moves, a
 * failed QBUF that did not count an import says so.
 */
#include <fcntl.h>
#include <unistd.h>

#include "faults.h"

#define WALK_SECONDS	300
#define FIRST_N		2	/* not attach_dmabuf's kzalloc(), see above */

struct import_ctx {
	struct vdev *out;
	int fd;
	uint32_t length;
	struct dmabuf_counters before;
};

static int import_run(void *p)
{
	struct import_ctx *c = p;

	return vdev_qbuf(c->out, 0, &c->fd, &c->length);
}

static long import_check(void *p, int ret)
{
	struct import_ctx *c = p;
	struct dmabuf_counters now;
	int n;

	dmabuf_counters_read(&now);
	if (ret) {
		CHECK(now.imports == c->before.imports + 1,
		      "QBUF failed (%s) before the import was recorded: attach_dmabuf failed, and the 6.12 vb2 core leaks the dma-buf reference then (see FIRST_N)",
		      strerrorname_np(-ret));
		CHECK(!buf_is_busy(c->out, 0),
		      "QBUF failed (%s), yet buffer 0 is queued",
		      strerrorname_np(-ret));
	} else {
		CHECK(now.imports == c->before.imports + 1 &&
		      now.attachments == c->before.attachments + 1 &&
		      now.maps == c->before.maps + 1,
		      "QBUF succeeded: imports +%llu, attachments +%llu, maps +%llu (1 each expected)",
		      (unsigned long long)(now.imports - c->before.imports),
		      (unsigned long long)(now.attachments -
					   c->before.attachments),
		      (unsigned long long)(now.maps - c->before.maps));
		CHECK(buf_is_busy(c->out, 0),
		      "QBUF succeeded, yet buffer 0 is not queued");
	}
	/* Detach (the mapping goes) and start again from no buffer. */
	n = vdev_reqbufs(c->out, V4L2_MEMORY_DMABUF, 0);
	CHECK(!n, "%s: REQBUFS(0): %s", c->out->path, strerrorname_np(-n));
	n = vdev_reqbufs(c->out, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(n == NUM_BUFFERS, "%s: REQBUFS DMABUF: %d", c->out->path, n);
	dmabuf_counters_read(&c->before);
	return ret;
}

int main(void)
{
	struct v4l2_format orig, out_orig;
	struct import_ctx c = { 0 };
	struct fi_state start;
	struct fi_result res;
	struct vdev q, out;
	int n;
	struct fi_op op = {
		.name = "QBUF DMABUF import",
		.run = import_run,
		.check = import_check,
		.ctx = &c,
		.first = FIRST_N,
	};

	fi_init("qbuf_dmabuf_import", WALK_SECONDS);
	fi_state_read(&start);
	fi_capture_setup(&q, 0, &orig, false);
	CHECK(!q.mplane, "instance 0 is meant to be single-planar (see FIRST_N)");
	c.fd = vdev_expbuf(&q, 0, 0, O_CLOEXEC);
	CHECK(c.fd >= 0, "EXPBUF: %s", strerrorname_np(-c.fd));
	c.length = dmabuf_size(c.fd);

	fi_open(&out, 0, true, &out_orig);
	vdev_set_format(&out, q.pixelformat, q.width, q.height);
	c.out = &out;
	n = vdev_reqbufs(&out, V4L2_MEMORY_DMABUF, NUM_BUFFERS);
	CHECK(n == NUM_BUFFERS, "%s: REQBUFS DMABUF: %d", out.path, n);
	dmabuf_counters_read(&c.before);

	fi_walk(&op, &res);
	CHECK(res.hits > 0, "%s: no allocation failure reached userspace",
	      op.name);

	queue_reset(&out);
	queue_close(&out, &out_orig);
	close(c.fd);
	queue_reset(&q);
	queue_close(&q, &orig);
	fi_state_check(&start, "the end");
	return EXIT_PASS;
}
