// SPDX-License-Identifier: GPL-2.0
/*
 * create_bufs_too_large: VIDIOC_CREATE_BUFS may ask for planes larger than
 * the format needs, but vivbuf caps them at four times its largest frame
 * (1920x1080 at 4 bytes per pixel): on the capture and output nodes of
 * both instances a 2 GiB plane (what the ioctl fuzzer asked for) and one
 * just above the cap fail with EINVAL and allocate nothing, while a plane
 * of exactly the cap is granted.
 */
#include <sys/ioctl.h>

#include "inject.h"

/* vivbuf's VIVBUF_MAX_PLANE_SIZE */
#define MAX_PLANE_SIZE	(4u * 1920 * 1080 * 4)

static int create_bufs(struct vdev *d, uint32_t sizeimage)
{
	struct v4l2_create_buffers cb = {
		.count = 1,
		.memory = V4L2_MEMORY_MMAP,
		.format.type = d->type,
	};

	CHECK(!xioctl(d->fd, VIDIOC_G_FMT, &cb.format), "G_FMT");
	if (d->mplane)
		cb.format.fmt.pix_mp.plane_fmt[0].sizeimage = sizeimage;
	else
		cb.format.fmt.pix.sizeimage = sizeimage;
	if (xioctl(d->fd, VIDIOC_CREATE_BUFS, &cb))
		return -errno;
	return cb.count;
}

static void test_node(const struct inject_node *n)
{
	static const uint32_t refused[] = { 0x80000000u, MAX_PLANE_SIZE + 1 };
	uint64_t live;
	unsigned int i;
	struct vdev d;
	int ret;

	inject_open(&d, n);
	live = dmabuf_counter("live_buffers");
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		ret = create_bufs(&d, refused[i]);
		CHECK(ret == -EINVAL, "%s: CREATE_BUFS with a %u byte plane: %d, want -EINVAL",
		      d.path, refused[i], ret);
	}
	CHECK(dmabuf_counter("live_buffers") == live,
	      "%s: a refused CREATE_BUFS allocated memory", d.path);
	ret = create_bufs(&d, MAX_PLANE_SIZE);
	CHECK(ret == 1, "%s: CREATE_BUFS with a %u byte plane: %d, want 1",
	      d.path, MAX_PLANE_SIZE, ret);
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");
	diag("%s: planes above %u bytes refused with EINVAL", d.path,
	     MAX_PLANE_SIZE);
	vdev_close(&d);
}

int main(void)
{
	unsigned int i;

	test_init("create_bufs_too_large");
	for (i = 0; i < ARRAY_SIZE(inject_nodes); i++)
		test_node(&inject_nodes[i]);
	return EXIT_PASS;
}
