// SPDX-License-Identifier: GPL-2.0
/*
 * m2m_context_budget: every open of vivbuf's m2m node is a context with two
 * queues of its own, and the MMAP buffers of both queues together stay
 * within vivbuf's m2m_ctx_max_mb parameter (set to CAP_MB here, restored
 * after). REQBUFS gets fewer buffers than asked when they do not all fit
 * and ENOMEM when none does, CREATE_BUFS ENOMEM; REQBUFS(0) gives the
 * budget back. The parameter refuses 0, -1 and values over 4096 (EINVAL).
 * Without the budget the first REQBUFS gets all 8 buffers it asks for.
 * (m2m_opens_memcg proves the other bound, the caller's memory cgroup.)
 */
#include <unistd.h>

#include "lifetime.h"

#define INSTANCE	0
#define PARAM		"/sys/module/vivbuf/parameters/m2m_ctx_max_mb"
#define CAP_MB		32u
#define WIDTH		1920	/* the largest frame: 8 MB of XRGB32 */
#define HEIGHT		1080

static char saved_cap[16];

static void restore(void)
{
	if (saved_cap[0] && sysfs_write(PARAM, saved_cap))
		diag("could not restore %s to %s", PARAM, saved_cap);
}

/* REQBUFS MMAP @count on @d: buffers granted, or -errno. */
static int reqbufs(struct vdev *d, unsigned int count)
{
	return vdev_reqbufs(d, V4L2_MEMORY_MMAP, count);
}

/* CREATE_BUFS of one buffer of @d's format: 0 or -errno. */
static int create_one(struct vdev *d)
{
	struct v4l2_create_buffers cb = {
		.count = 1,
		.memory = V4L2_MEMORY_MMAP,
		.format.type = d->type,
	};

	CHECK(!xioctl(d->fd, VIDIOC_G_FMT, &cb.format), "G_FMT");
	return xioctl(d->fd, VIDIOC_CREATE_BUFS, &cb) ? -errno : 0;
}

static void check_param_bounds(void)
{
	static const char * const bad[] = { "0", "4097", "-1" };
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = sysfs_write(PARAM, bad[i]);
		CHECK(ret == -EINVAL, "m2m_ctx_max_mb=%s: %s, want EINVAL",
		      bad[i], ret ? strerrorname_np(-ret) : "accepted");
	}
	diag("m2m_ctx_max_mb refuses 0, 4097 and -1 (EINVAL)");
}

static void check_context_budget(void)
{
	uint64_t budget = (uint64_t)CAP_MB << 20, size;
	unsigned int fit;
	struct vdev out, cap;
	int n, ret;
	char val[16];

	snprintf(val, sizeof(val), "%u", CAP_MB);
	CHECK(!sysfs_write(PARAM, val), "set m2m_ctx_max_mb=%s", val);
	CHECK(vdev_open_m2m(&out, &cap, INSTANCE), "no m2m node");
	vdev_set_format(&out, V4L2_PIX_FMT_XRGB32, WIDTH, HEIGHT);
	vdev_set_format(&cap, V4L2_PIX_FMT_XRGB32, WIDTH, HEIGHT);
	size = page_align(cap.sizeimage[0]);
	fit = budget / size;
	CHECK(fit >= 2 && fit < 8, "%u buffers of %llu bytes in %u MiB",
	      fit, (unsigned long long)size, CAP_MB);

	n = reqbufs(&cap, 8);
	CHECK(n == (int)fit, "REQBUFS CAPTURE 8 within %u MiB: %d, want %u",
	      CAP_MB, n, fit);
	n = reqbufs(&out, 8);
	CHECK(n == -ENOMEM, "REQBUFS OUTPUT 8 with the budget spent: %s, want ENOMEM",
	      n < 0 ? strerrorname_np(-n) : "buffers");
	diag("%u MiB: CAPTURE got %u of 8 buffers of %llu bytes, OUTPUT none (ENOMEM)",
	     CAP_MB, fit, (unsigned long long)size);

	/* Half to each side: the budget is the context's, both queues' */
	n = reqbufs(&cap, fit / 2);
	CHECK(n == (int)(fit / 2), "REQBUFS CAPTURE %u: %d", fit / 2, n);
	n = reqbufs(&out, 8);
	CHECK(n == (int)(fit - fit / 2), "REQBUFS OUTPUT 8 after CAPTURE %u: %d, want %u",
	      fit / 2, n, fit - fit / 2);
	ret = create_one(&out);
	CHECK(ret == -ENOMEM, "CREATE_BUFS OUTPUT 1 with the budget spent: %s, want ENOMEM",
	      ret ? strerrorname_np(-ret) : "created");
	ret = create_one(&cap);
	CHECK(ret == -ENOMEM, "CREATE_BUFS CAPTURE 1 with the budget spent: %s, want ENOMEM",
	      ret ? strerrorname_np(-ret) : "created");
	diag("split %u + %u, then CREATE_BUFS on either side: ENOMEM",
	     fit / 2, fit - fit / 2);

	/* Freed buffers give their share back */
	CHECK(reqbufs(&out, 0) == 0, "REQBUFS OUTPUT 0");
	CHECK(reqbufs(&cap, 0) == 0, "REQBUFS CAPTURE 0");
	n = reqbufs(&out, 8);
	CHECK(n == (int)fit, "REQBUFS OUTPUT 8 after freeing all: %d, want %u",
	      n, fit);
	CHECK(reqbufs(&out, 0) == 0, "REQBUFS OUTPUT 0");
	out.fd = -1;	/* one fd, closed by the capture side */
	vdev_close(&cap);
	diag("REQBUFS(0) gives the budget back: OUTPUT gets %u again", fit);
}

int main(void)
{
	struct dmabuf_counters before;
	struct vdev out, cap;
	FILE *f;

	lt_init("m2m_context_budget");
	if (!vdev_open_m2m(&out, &cap, INSTANCE))
		skip_test("no vivbuf m2m node for instance %u (vivbuf m2m=0, or no v4l2-mem2mem?)",
			  INSTANCE);
	out.fd = -1;
	vdev_close(&cap);
	f = fopen(PARAM, "re");
	CHECK(f, "open %s", PARAM);
	CHECK(fgets(saved_cap, sizeof(saved_cap), f), "read %s", PARAM);
	fclose(f);
	saved_cap[strcspn(saved_cap, "\n")] = 0;
	atexit(restore);
	dmabuf_counters_read(&before);

	check_param_bounds();
	check_context_budget();
	lt_counters_settled(&before);
	return EXIT_PASS;
}
