// SPDX-License-Identifier: GPL-2.0
/*
 * VIDIOC_STREAMON of a capture queue holding three queued MMAP buffers,
 * with each allocation failing in turn: vb2 hands the buffers to vivbuf,
 * whose buf_queue publishes the allocator's implicit fence on each
 * (vb2_dmabuf_buf_queued(): the fence, the reservation object's fence
 * slot), then vivbuf starts its producer thread.
 *
 * STREAMON may fail (ENOMEM): then every fence published must have
 * signalled and no frame may come. Or it may succeed with fewer fences:
 * buf_queue cannot fail, so a buffer whose fence could not be published is
 * failed instead of captured (vb2_dmabuf_buf_ready() returns the error):
 * written without a fence, another driver would not know to wait for it.
 * A success therefore streams every queued buffer back, those without a
 * fence with the ERROR flag and only those; after STREAMOFF no fence of
 * ours may be pending.
 */
#include <fcntl.h>
#include <unistd.h>

#include "faults.h"

#define WALK_SECONDS	300

struct streamon_ctx {
	struct vdev *q;
	uint64_t published;
};

static int streamon_run(void *p)
{
	struct streamon_ctx *c = p;
	int type = c->q->type;

	return try_ioctl(c->q->fd, VIDIOC_STREAMON, &type);
}

static void queue_all(struct vdev *q)
{
	unsigned int i;
	int ret;

	for (i = 0; i < NUM_BUFFERS; i++) {
		ret = vdev_qbuf(q, i, NULL, NULL);
		CHECK(!ret, "%s: QBUF %u: %s", q->path, i,
		      strerrorname_np(-ret));
	}
}

static long streamon_check(void *p, int ret)
{
	struct streamon_ctx *c = p;
	uint64_t published = dmabuf_counter("fences_published") - c->published;
	struct dq_buf b;
	long outcome = ret;
	int n;

	if (!ret) {
		unsigned int i, errors = 0;

		CHECK(published <= NUM_BUFFERS, "%llu fences for %u buffers",
		      (unsigned long long)published, NUM_BUFFERS);
		for (i = 0; i < NUM_BUFFERS; i++) {
			n = vdev_dqbuf(c->q, &b, DQBUF_TIMEOUT_MS);
			CHECK(!n, "STREAMON succeeded, yet buffer %u of %u did not come back: %s",
			      i + 1, NUM_BUFFERS, strerrorname_np(-n));
			if (b.buf.flags & V4L2_BUF_FLAG_ERROR)
				errors++;
		}
		CHECK(errors == NUM_BUFFERS - published,
		      "%llu of %u buffers got a fence, yet %u came back with the ERROR flag",
		      (unsigned long long)published, NUM_BUFFERS, errors);
		outcome = published;
	} else {
		n = vdev_dqbuf(c->q, &b, 0);
		CHECK(n == -ETIMEDOUT || n == -EINVAL,
		      "STREAMON failed (%s), yet DQBUF: %s",
		      strerrorname_np(-ret), n ? strerrorname_np(-n) : "a frame");
	}
	vdev_streamoff(c->q);
	CHECK(!dmabuf_counter("fences_pending"),
	      "STREAMON %s, then STREAMOFF: %llu fences pending",
	      ret ? strerrorname_np(-ret) : "ok",
	      (unsigned long long)dmabuf_counter("fences_pending"));
	queue_all(c->q);
	c->published = dmabuf_counter("fences_published");
	return outcome;
}

int main(void)
{
	struct v4l2_format orig;
	struct streamon_ctx c;
	struct fi_state start;
	struct fi_result res;
	struct vdev q;
	int fd;
	struct fi_op op = {
		.name = "STREAMON (fences published)",
		.run = streamon_run,
		.check = streamon_check,
		.ctx = &c,
		.first = 1,
	};

	fi_init("streamon_fences", WALK_SECONDS);
	if (access("/sys/module/videobuf2_dmabuf/parameters/fences", F_OK) ||
	    dmabuf_counter("fences_pending"))
		skip_test("no fences parameter, or fences pending already");
	fi_state_read(&start);
	fi_capture_setup(&q, 0, &orig, false);
	vdev_set_frame_rate(&q, 60);
	/* Exported, as in a pipeline: the fences land on the dma-bufs. */
	fd = vdev_expbuf(&q, 0, 0, O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF: %s", strerrorname_np(-fd));
	c.q = &q;
	queue_all(&q);
	c.published = dmabuf_counter("fences_published");

	fi_walk(&op, &res);
	CHECK(res.hits > 0, "%s: no allocation failure reached userspace",
	      op.name);

	close(fd);
	queue_reset(&q);
	queue_close(&q, &orig);
	fi_state_check(&start, "the end");
	return EXIT_PASS;
}
