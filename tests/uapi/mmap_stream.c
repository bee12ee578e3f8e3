// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_stream: plain MMAP streaming on both vivbuf nodes.
 *
 * REQBUFS(MMAP, 4), QUERYBUF + mmap, QBUF all, STREAMON, DQBUF 10 frames:
 * the sequence increases strictly, timestamps are MONOTONIC/EOF, non-zero,
 * increasing and not in the future, bytesused == sizeimage, no ERROR flag,
 * and every frame carries the same (static) test pattern. Then STREAMOFF
 * returns all buffers and REQBUFS(0) frees them.
 */
#include <sys/mman.h>
#include <time.h>

#include "common.h"

#define NUM_BUFFERS	4
#define NUM_FRAMES	10

static uint64_t monotonic_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void check_querybuf(struct vdev *d)
{
	uint32_t offsets[VIVBUF_MAX_BUFFERS * VIDEO_MAX_PLANES];
	unsigned int i, j, p, n = 0;
	struct dq_buf b;

	for (i = 0; i < d->count; i++) {
		CHECK(!vdev_querybuf(d, i, &b), "QUERYBUF %u", i);
		CHECK(b.buf.index == i && b.buf.type == d->type &&
		      b.buf.memory == V4L2_MEMORY_MMAP,
		      "QUERYBUF %u: index %u type %u memory %u",
		      i, b.buf.index, b.buf.type, b.buf.memory);
		CHECK(!(b.buf.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE)),
		      "fresh buffer %u has flags %#x", i, b.buf.flags);
		if (d->mplane)
			CHECK(b.buf.length == d->num_planes,
			      "QUERYBUF %u: %u planes, format has %u",
			      i, b.buf.length, d->num_planes);
		for (p = 0; p < d->num_planes; p++) {
			offsets[n] = d->mplane ? b.planes[p].m.mem_offset :
				     b.buf.m.offset;
			for (j = 0; j < n; j++)
				CHECK(offsets[j] != offsets[n],
				      "buffer %u plane %u reuses mmap offset %#x",
				      i, p, offsets[n]);
			n++;
		}
	}
}

static void check_frame(struct vdev *d, const struct dq_buf *b,
			uint64_t prev_ns, int64_t prev_sequence)
{
	uint32_t flags = b->buf.flags;
	uint64_t ts = dq_timestamp_ns(b);
	unsigned int p;

	CHECK(b->buf.index < d->count, "DQBUF index %u", b->buf.index);
	CHECK(!(flags & V4L2_BUF_FLAG_ERROR), "seq %u: ERROR flag set (flags %#x)",
	      b->buf.sequence, flags);
	CHECK(!(flags & V4L2_BUF_FLAG_QUEUED), "seq %u: dequeued buffer still QUEUED",
	      b->buf.sequence);
	CHECK((flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) ==
	      V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC,
	      "seq %u: timestamp type flags %#x, want MONOTONIC",
	      b->buf.sequence, flags & V4L2_BUF_FLAG_TIMESTAMP_MASK);
	CHECK((flags & V4L2_BUF_FLAG_TSTAMP_SRC_MASK) == V4L2_BUF_FLAG_TSTAMP_SRC_EOF,
	      "seq %u: timestamp source flags %#x, want EOF",
	      b->buf.sequence, flags & V4L2_BUF_FLAG_TSTAMP_SRC_MASK);
	CHECK(b->buf.field == V4L2_FIELD_NONE, "seq %u: field %u",
	      b->buf.sequence, b->buf.field);
	CHECK((int64_t)b->buf.sequence > prev_sequence,
	      "sequence %u after %lld", b->buf.sequence, (long long)prev_sequence);
	CHECK(ts != 0, "seq %u: zero timestamp", b->buf.sequence);
	CHECK(ts > prev_ns, "seq %u: timestamp %llu ns not after %llu ns",
	      b->buf.sequence, (unsigned long long)ts,
	      (unsigned long long)prev_ns);
	CHECK(ts <= monotonic_now_ns(), "seq %u: timestamp %llu ns is in the future",
	      b->buf.sequence, (unsigned long long)ts);
	for (p = 0; p < d->num_planes; p++)
		CHECK(dq_bytesused(d, b, p) == d->sizeimage[p],
		      "seq %u plane %u: bytesused %u != sizeimage %u",
		      b->buf.sequence, p, dq_bytesused(d, b, p), d->sizeimage[p]);
}

static void check_all_returned(struct vdev *d)
{
	unsigned int i;
	struct dq_buf b;

	for (i = 0; i < d->count; i++) {
		CHECK(!vdev_querybuf(d, i, &b), "QUERYBUF %u after STREAMOFF", i);
		CHECK(!(b.buf.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE)),
		      "buffer %u flags %#x after STREAMOFF", i, b.buf.flags);
	}
}

static void stream_node(unsigned int instance, uint32_t pixelformat)
{
	struct frame first = { 0 };
	int64_t sequence = -1;
	uint64_t prev_ns = 0;
	unsigned int i, n, p;
	struct dq_buf b;
	char what[64];
	struct vdev d;
	int ret;

	vdev_open(&d, instance);
	vdev_set_format(&d, pixelformat, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);

	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret >= NUM_BUFFERS, "REQBUFS MMAP %u: %d", NUM_BUFFERS, ret);
	check_querybuf(&d);
	vdev_mmap_buffers(&d, PROT_READ);
	for (i = 0; i < d.count; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %u", i);
	vdev_streamon(&d);

	for (n = 0; n < NUM_FRAMES; n++) {
		ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "DQBUF frame %u: %s", n, strerrorname_np(-ret));
		check_frame(&d, &b, prev_ns, sequence);
		prev_ns = dq_timestamp_ns(&b);
		sequence = b.buf.sequence;

		for (p = 0; p < d.num_planes; p++) {
			const void *data = d.map[b.buf.index][p].addr;

			if (!n) {
				CHECK(!buffer_is_zero(data, d.sizeimage[p]),
				      "plane %u of the first frame is all zero", p);
				first.data[p] = malloc(d.sizeimage[p]);
				CHECK(first.data[p], "malloc");
				memcpy(first.data[p], data, d.sizeimage[p]);
				first.size[p] = d.sizeimage[p];
				first.num_planes = p + 1;
				continue;
			}
			snprintf(what, sizeof(what), "seq %u plane %u",
				 b.buf.sequence, p);
			CHECK(buffers_match(what, data, first.data[p], first.size[p]),
			      "static pattern changed between frames");
		}
		CHECK(!vdev_qbuf(&d, b.buf.index, NULL, NULL), "re-QBUF %u",
		      b.buf.index);
	}
	vdev_streamoff(&d);
	check_all_returned(&d);
	diag("%s %.4s: %u frames, last sequence %lld, %u buffers", d.path,
	     (const char *)&pixelformat, NUM_FRAMES, (long long)sequence, d.count);

	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	CHECK(vdev_querybuf(&d, 0, &b) == -EINVAL,
	      "QUERYBUF after REQBUFS(0) should fail with EINVAL");
	frame_free(&first);
	vdev_close(&d);
}

int main(void)
{
	test_init("mmap_stream");
	stream_node(0, V4L2_PIX_FMT_YUYV);
	stream_node(1, V4L2_PIX_FMT_NV12M);
	return EXIT_PASS;
}
