// SPDX-License-Identifier: GPL-2.0
/*
 * malformed_ioctls: every malformed request of the table in cases.c, on
 * every queue of every vivbuf node (found by QUERYCAP and device_caps), with
 * each memory type the queue takes (MMAP, DMABUF), must fail with the errno
 * the V4L2 / dma-buf documentation names, leave no fd behind and leave the
 * refused buffer with userspace. Where the vb2 core, not our code, answers
 * against the documentation, its answer is accepted and reported as a
 * deviation. After the table each node must still stream (frames without
 * the error flag, with the driver's bytesused), and the allocator's live
 * buffers and dma-bufs and its import mappings must be back where they
 * were. Prints how many cases it tried.
 */
#include <unistd.h>

#include "cases.h"

/* The table makes a few thousand ioctls; the emulated guest is slow. */
#define WATCHDOG_SECONDS	240
#define STREAM_FRAMES		5

static const enum v4l2_memory memories[] = {
	V4L2_MEMORY_MMAP, V4L2_MEMORY_DMABUF,
};

struct totals {
	unsigned int tried;
	unsigned int failed;
	unsigned int deviations;
	unsigned int frames;
};

static bool case_applies(const struct bad_case *bc, const struct ctx *c)
{
	const struct vdev *q = c->q;

	if (!(bc->on & (q->memory == V4L2_MEMORY_MMAP ? ON_MMAP : ON_DMABUF)))
		return false;
	if (!(bc->on & (V4L2_TYPE_IS_OUTPUT(q->type) ? ON_OUTPUT : ON_CAPTURE)))
		return false;
	if ((bc->on & ON_MPLANE) && !q->mplane)
		return false;
	/* A mem2mem queue completes nothing without its other half. */
	if ((bc->on & NEEDS_FRAMES) && c->node->num_types > 1)
		return false;
	return true;
}

static const char *errno_name(int ret)
{
	return ret ? strerrorname_np(-ret) : "success";
}

static void run_case(struct ctx *c, const struct bad_case *bc,
		     struct totals *tot)
{
	struct vdev *q = c->q;
	int free_fd, ret, expect = bc->expect;
	const char *what;
	int n;

	if (bc->state >= ST_BUFFERS) {
		n = vdev_reqbufs(q, q->memory, NUM_BUFFERS);
		CHECK(n >= NUM_BUFFERS, "%s: REQBUFS %s %u: %d", bc->name,
		      memory_name(q->memory), NUM_BUFFERS, n);
	}
	if (bc->state == ST_STREAMING)
		vdev_streamon(q);

	free_fd = lowest_free_fd();
	ret = bc->run(c);
	if (ret == NOT_APPLICABLE) {
		queue_reset(q);
		return;
	}
	tot->tried++;

	if ((bc->on & EXPECT_ORPHANS) &&
	    (c->buf_caps & V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS))
		expect = 0;

	if (ret == -expect) {
		what = "ok";
	} else if (bc->core_errno && ret == -bc->core_errno) {
		what = "DEVIATION (vb2 core, against the documentation)";
		tot->deviations++;
	} else {
		what = "FAIL";
		tot->failed++;
	}
	printf("# %s %s %s %s %s: %s, documented %s (%s)\n", what, q->path,
	       buf_type_name(q->type), memory_name(q->memory), bc->name,
	       errno_name(ret), errno_name(-expect), bc->doc);

	queue_reset(q);
	if (lowest_free_fd() != free_fd) {
		printf("# FAIL %s %s %s %s: left fd %d open\n", q->path,
		       buf_type_name(q->type), memory_name(q->memory), bc->name,
		       free_fd);
		tot->failed++;
		/* Keep the next cases' check meaningful. */
		close(free_fd);
	}
}

static void run_table(const struct node *node, struct vdev *q,
		      enum v4l2_memory memory, struct totals *tot)
{
	struct ctx c = { .node = node, .q = q };
	unsigned int before = tot->tried, failed = tot->failed, i;

	c.buf_caps = queue_buf_caps(q, memory);
	if (!c.buf_caps) {
		diag("%s %s: REQBUFS refuses %s, not tested with it", q->path,
		     buf_type_name(q->type), memory_name(memory));
		return;
	}
	q->memory = memory;
	/* Good memory for the requests the cases corrupt; MMAP uses it too. */
	for (i = 0; i < NUM_BUFFERS; i++)
		dmabufs_alloc(q, &c.valid[i], 0);

	for (i = 0; i < num_bad_cases; i++)
		if (case_applies(&bad_cases[i], &c))
			run_case(&c, &bad_cases[i], tot);

	for (i = 0; i < NUM_BUFFERS; i++)
		dmabufs_free(q, &c.valid[i]);
	diag("%s %s %s: %u cases, %u failed", q->path, buf_type_name(q->type),
	     memory_name(memory), tot->tried - before, tot->failed - failed);
}

static void test_node(const struct node *node, struct totals *tot)
{
	struct v4l2_format orig[2];
	struct vdev qs[2];
	unsigned int t, m, frames;

	diag("%s: \"%s\", device_caps %#x, %u queue(s)", node->path, node->card,
	     node->device_caps, node->num_types);
	for (t = 0; t < node->num_types; t++)
		queue_open(&qs[t], node, node->types[t], &orig[t]);

	for (t = 0; t < node->num_types; t++)
		for (m = 0; m < ARRAY_SIZE(memories); m++)
			run_table(node, &qs[t], memories[m], tot);

	/* The queues' own files hold no buffers now, so another can stream. */
	for (m = 0; m < ARRAY_SIZE(memories); m++) {
		if (!queue_buf_caps(&qs[0], memories[m]))
			continue;
		frames = node_streams(node, memories[m], STREAM_FRAMES);
		diag("%s: still streams with %s: %u buffers checked", node->path,
		     memory_name(memories[m]), frames);
		tot->frames += frames;
	}

	for (t = 0; t < node->num_types; t++)
		queue_close(&qs[t], &orig[t]);
}

int main(void)
{
	struct dmabuf_counters before, after;
	struct node nodes[MAX_NODES];
	struct totals tot = { 0 };
	unsigned int count, i;

	test_init("malformed_ioctls");
	alarm(WATCHDOG_SECONDS);

	dmabuf_counters_read(&before);
	count = find_vivbuf_nodes(nodes, MAX_NODES);
	if (!count)
		skip_test("no vivbuf video node (is vivbuf loaded?)");

	for (i = 0; i < count; i++)
		test_node(&nodes[i], &tot);

	dmabuf_counters_read(&after);
	CHECK(after.live_buffers == before.live_buffers,
	      "live_buffers %llu after the table, %llu before",
	      (unsigned long long)after.live_buffers,
	      (unsigned long long)before.live_buffers);
	CHECK(after.live_dmabufs == before.live_dmabufs,
	      "live_dmabufs %llu after the table, %llu before",
	      (unsigned long long)after.live_dmabufs,
	      (unsigned long long)before.live_dmabufs);
	CHECK(after.maps - before.maps == after.unmaps - before.unmaps,
	      "imports mapped %llu times but unmapped %llu times",
	      (unsigned long long)(after.maps - before.maps),
	      (unsigned long long)(after.unmaps - before.unmaps));

	diag("tried %u malformed-input cases on %u vivbuf node(s): %u failed, %u vb2 core deviations from the documentation; %u buffers streamed afterwards",
	     tot.tried, count, tot.failed, tot.deviations, tot.frames);
	CHECK(tot.tried > 0, "no case applied");
	return tot.failed ? EXIT_FAIL : EXIT_PASS;
}
