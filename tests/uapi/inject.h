/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the error injection tests (inject_*, disconnect_*): vivbuf's
 * error injection controls (vivbuf-controls.h) and sync_file status.
 */
#ifndef UAPI_TEST_INJECT_H
#define UAPI_TEST_INJECT_H

#include <poll.h>
#include <sys/ioctl.h>
#include <linux/sync_file.h>

#include "common.h"
#include "vivbuf-controls.h"

#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
struct dma_buf_export_sync_file {
	__u32 flags;
	__s32 fd;
};
#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE \
	_IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#endif

/* Every injection control is there, an integer 0..max, 0 by default. */
static inline void inject_check_controls(struct vdev *d)
{
	static const struct {
		uint32_t id;
		int32_t max;
	} ctrls[] = {
		{ VIVBUF_CID_QBUF_ERRORS, VIVBUF_INJECT_MAX_COUNT },
		{ VIVBUF_CID_DQBUF_ERRORS, VIVBUF_INJECT_MAX_COUNT },
		{ VIVBUF_CID_STREAMON_ERRORS, VIVBUF_INJECT_MAX_COUNT },
		{ VIVBUF_CID_BUFFER_ERRORS, VIVBUF_INJECT_MAX_COUNT },
		{ VIVBUF_CID_ALLOC_ERRORS, VIVBUF_INJECT_MAX_COUNT },
		{ VIVBUF_CID_DISCONNECT, VIVBUF_INJECT_MAX_DELAY_MS },
	};
	struct v4l2_queryctrl qc;
	unsigned int i;

	memset(&qc, 0, sizeof(qc));
	qc.id = VIVBUF_CID_INJECT_CLASS;
	CHECK(!xioctl(d->fd, VIDIOC_QUERYCTRL, &qc) &&
	      qc.type == V4L2_CTRL_TYPE_CTRL_CLASS,
	      "%s: no error injection control class", d->path);
	for (i = 0; i < ARRAY_SIZE(ctrls); i++) {
		memset(&qc, 0, sizeof(qc));
		qc.id = ctrls[i].id;
		CHECK(!xioctl(d->fd, VIDIOC_QUERYCTRL, &qc),
		      "%s: QUERYCTRL %#x", d->path, ctrls[i].id);
		CHECK(qc.type == V4L2_CTRL_TYPE_INTEGER && qc.minimum == 0 &&
		      qc.maximum == ctrls[i].max && qc.default_value == 0 &&
		      (qc.flags & V4L2_CTRL_FLAG_VOLATILE) &&
		      (qc.flags & V4L2_CTRL_FLAG_EXECUTE_ON_WRITE),
		      "%s: control \"%s\" type %u range %d..%d default %d flags %#x",
		      d->path, (const char *)qc.name, qc.type, qc.minimum,
		      qc.maximum, qc.default_value, qc.flags);
	}
}

static inline int32_t ctrl_get(struct vdev *d, uint32_t id)
{
	struct v4l2_control c = { .id = id };

	CHECK(!xioctl(d->fd, VIDIOC_G_CTRL, &c), "%s: G_CTRL %#x", d->path, id);
	return c.value;
}

static inline void ctrl_set(struct vdev *d, uint32_t id, int32_t value)
{
	struct v4l2_control c = { .id = id, .value = value };

	CHECK(!xioctl(d->fd, VIDIOC_S_CTRL, &c), "%s: S_CTRL %#x = %d",
	      d->path, id, value);
}

/* Arm @count errors and check that the control reads them back. */
static inline void inject_arm(struct vdev *d, uint32_t id, int32_t count)
{
	int32_t got;

	ctrl_set(d, id, count);
	got = ctrl_get(d, id);
	CHECK(got == count, "%s: control %#x reads %d after writing %d",
	      d->path, id, got, count);
}

/* Nothing of @id is armed any more. */
static inline void inject_check_spent(struct vdev *d, uint32_t id)
{
	int32_t got = ctrl_get(d, id);

	CHECK(got == 0, "%s: control %#x still reads %d", d->path, id, got);
}

/*
 * Every fence of the buffer behind @dmabuf, read and write (what a writer
 * waits for): the capture node's fence is a write fence, the output node's
 * a read fence.
 */
static inline int export_sync_file(int dmabuf)
{
	struct dma_buf_export_sync_file req = {
		.flags = DMA_BUF_SYNC_WRITE,
		.fd = -1,
	};

	CHECK(!xioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &req),
	      "DMA_BUF_IOCTL_EXPORT_SYNC_FILE");
	CHECK(req.fd >= 0, "EXPORT_SYNC_FILE gave fd %d", req.fd);
	return req.fd;
}

/* 1 signalled, 0 active, a negative errno when signalled with an error */
static inline int sync_file_status(int sync_fd)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	CHECK(!xioctl(sync_fd, SYNC_IOC_FILE_INFO, &info), "SYNC_IOC_FILE_INFO");
	return info.status;
}

/* Disarm everything (a failed test before may have left errors armed). */
static inline void inject_reset(struct vdev *d)
{
	uint32_t id;

	for (id = VIVBUF_CID_QBUF_ERRORS; id <= VIVBUF_CID_DISCONNECT; id++)
		ctrl_set(d, id, 0);
}

/* The nodes the tests run on: both kinds, single- and multi-planar. */
struct inject_node {
	unsigned int instance;
	bool output;
};

static const struct inject_node inject_nodes[] = {
	{ 0, false }, { 0, true }, { 1, false }, { 1, true },
};

/* Open a node, YUYV 640x480 at 60 fps, with its controls checked. */
static inline void inject_open(struct vdev *d, const struct inject_node *n)
{
	if (n->output)
		vdev_open_output(d, n->instance);
	else
		vdev_open(d, n->instance);
	inject_check_controls(d);
	inject_reset(d);
	vdev_set_format(d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(d, 60);
}

#endif /* UAPI_TEST_INJECT_H */
