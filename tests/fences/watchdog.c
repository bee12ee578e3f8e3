// SPDX-License-Identifier: GPL-2.0
/*
 * watchdog: a stalled device (vivbuf's "stall" module parameter: frames are
 * never completed) does not leave our fences pending: the fences of both
 * in-flight buffers signal with -ETIMEDOUT at their bound, max(1 s,
 * (fence_timeout_frames + buffers ahead, this one included) x 1/60 s) +
 * in_fence_timeout_ms (2 s with the defaults). Once the device runs again,
 * it returns those buffers with V4L2_BUF_FLAG_ERROR.
 */
#include "fences.h"

#define STALL_PARAM	"/sys/module/vivbuf/parameters/stall"

static void set_stall(bool on)
{
	int fd = open(STALL_PARAM, O_WRONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && on)
		skip_test("vivbuf has no stall parameter");
	CHECK(fd >= 0, "open %s", STALL_PARAM);
	CHECK(write(fd, on ? "1" : "0", 1) == 1, "write %s", STALL_PARAM);
	close(fd);
}

static void unstall(void)
{
	set_stall(false);
}

int main(void)
{
	uint64_t timedout, start, took, bound;
	unsigned int frames, in_ms;
	struct dq_buf b;
	struct vdev d;
	int fd[2], sync_fd[2], status;
	unsigned int i;

	test_init("watchdog");
	require_fences();
	frames = vb2_dmabuf_param("fence_timeout_frames");
	in_ms = vb2_dmabuf_param("in_fence_timeout_ms");
	mmap_setup(&d, 60, 2);
	timedout = dmabuf_counter("fences_timedout");
	set_stall(true);
	atexit(unstall);

	for (i = 0; i < 2; i++) {
		qbuf_mmap(&d, i);
		fd[i] = vdev_expbuf(&d, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fd[i] >= 0, "EXPBUF %u", i);
	}
	vdev_streamon(&d);
	start = now_ms();
	for (i = 0; i < 2; i++) {
		sync_fd[i] = export_sync_file(fd[i], DMA_BUF_SYNC_READ);
		CHECK(sync_file_status(sync_fd[i]) == 0,
		      "buffer %u not in flight", i);
	}

	for (i = 0; i < 2; i++) {
		CHECK(poll_one(sync_fd[i], POLLIN, 8000) == 1,
		      "fence of buffer %u of a stalled device never signalled",
		      i);
		took = now_ms() - start;
		bound = (frames + i + 1) * 1000 / 60;
		bound = (bound < 1000 ? 1000 : bound) + in_ms;
		status = sync_file_status(sync_fd[i]);
		diag("buffer %u: fence signalled after %llu ms (bound %llu ms), status %d",
		     i, (unsigned long long)took, (unsigned long long)bound,
		     status);
		CHECK(status == -ETIMEDOUT, "buffer %u: status %d, want -ETIMEDOUT",
		      i, status);
		CHECK(took + 100 >= bound && took <= bound + 1500,
		      "signalled after %llu ms, bound is %llu ms",
		      (unsigned long long)took, (unsigned long long)bound);
	}
	CHECK(dmabuf_counter("fences_timedout") == timedout + 2,
	      "fences_timedout rose by %llu, want 2",
	      (unsigned long long)(dmabuf_counter("fences_timedout") - timedout));

	set_stall(false);
	for (i = 0; i < 2; i++) {
		CHECK(!vdev_dqbuf(&d, &b, 2000), "DQBUF after the stall");
		CHECK(b.buf.flags & V4L2_BUF_FLAG_ERROR,
		      "late buffer %u without the ERROR flag (flags %#x)",
		      b.buf.index, b.buf.flags);
	}

	vdev_streamoff(&d);
	for (i = 0; i < 2; i++) {
		close(sync_fd[i]);
		close(fd[i]);
	}
	vdev_close(&d);
	check_no_pending_fences();
	return EXIT_PASS;
}
