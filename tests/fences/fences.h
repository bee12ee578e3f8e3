/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the implicit fence tests: sync_file, sw_sync, dma-buf fence
 * ioctls, debugfs fence counters and a plain MMAP capture setup.
 */
#ifndef FENCES_TEST_H
#define FENCES_TEST_H

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/sync_file.h>

#include "common.h"

/* sw_sync is a debugfs test interface, not uapi: its ioctls are here. */
#define SW_SYNC_PATH	"/sys/kernel/debug/sync/sw_sync"
struct sw_sync_create_fence_data {
	__u32 value;
	char name[32];
	__s32 fence;
};
#define SW_SYNC_IOC_CREATE_FENCE _IOWR('W', 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC		 _IOW('W', 1, __u32)

#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
struct dma_buf_export_sync_file {
	__u32 flags;
	__s32 fd;
};
struct dma_buf_import_sync_file {
	__u32 flags;
	__s32 fd;
};
#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE \
	_IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#define DMA_BUF_IOCTL_IMPORT_SYNC_FILE \
	_IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file)
#endif

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fences of the buffer behind @dmabuf that a reader (or writer) waits for */
static inline int export_sync_file(int dmabuf, uint32_t flags)
{
	struct dma_buf_export_sync_file req = { .flags = flags, .fd = -1 };

	CHECK(!xioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &req),
	      "DMA_BUF_IOCTL_EXPORT_SYNC_FILE");
	CHECK(req.fd >= 0, "EXPORT_SYNC_FILE gave fd %d", req.fd);
	return req.fd;
}

static inline void import_sync_file(int dmabuf, uint32_t flags, int sync_fd)
{
	struct dma_buf_import_sync_file req = { .flags = flags, .fd = sync_fd };

	CHECK(!xioctl(dmabuf, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &req),
	      "DMA_BUF_IOCTL_IMPORT_SYNC_FILE");
}

/* 1 signalled, 0 active, a negative errno when signalled with an error */
static inline int sync_file_status(int sync_fd)
{
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	CHECK(!xioctl(sync_fd, SYNC_IOC_FILE_INFO, &info), "SYNC_IOC_FILE_INFO");
	return info.status;
}

static inline int sw_sync_timeline(void)
{
	int fd = open(SW_SYNC_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		skip_test("%s not present (CONFIG_SW_SYNC)", SW_SYNC_PATH);
	CHECK(fd >= 0, "open %s", SW_SYNC_PATH);
	return fd;
}

static inline int sw_sync_fence(int timeline, uint32_t value)
{
	struct sw_sync_create_fence_data data = { .value = value };

	strcpy(data.name, "fences-test");
	CHECK(!xioctl(timeline, SW_SYNC_IOC_CREATE_FENCE, &data),
	      "SW_SYNC_IOC_CREATE_FENCE %u", value);
	return data.fence;
}

static inline void sw_sync_inc(int timeline, uint32_t count)
{
	CHECK(!xioctl(timeline, SW_SYNC_IOC_INC, &count), "SW_SYNC_IOC_INC");
}

/*
 * Instance 0 (single-planar), YUYV 640x480 at @fps, at least @count MMAP
 * buffers (vivbuf allocates 3 or more); the tests queue only @count.
 */
static inline void mmap_setup(struct vdev *d, unsigned int fps,
			      unsigned int count)
{
	int ret;

	vdev_open(d, 0);
	vdev_set_format(d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(d, fps);
	ret = vdev_reqbufs(d, V4L2_MEMORY_MMAP, count);
	CHECK(ret >= (int)count, "REQBUFS MMAP %u gave %d", count, ret);
}

static inline void qbuf_mmap(struct vdev *d, unsigned int index)
{
	CHECK(!vdev_qbuf(d, index, NULL, NULL), "QBUF %u", index);
}

static inline void check_no_pending_fences(void)
{
	uint64_t pending = dmabuf_counter("fences_pending");

	CHECK(pending == 0, "fences_pending is %llu when idle",
	      (unsigned long long)pending);
}

/* A numeric parameter of videobuf2_dmabuf */
static inline unsigned int vb2_dmabuf_param(const char *name)
{
	char path[128], text[32] = "";
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/module/videobuf2_dmabuf/parameters/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0, "open %s", path);
	CHECK(read(fd, text, sizeof(text) - 1) > 0, "read %s", path);
	close(fd);
	return strtoul(text, NULL, 10);
}

/* Skips unless the allocator publishes fences */
static inline void require_fences(void)
{
	char val = 0;
	int fd = open("/sys/module/videobuf2_dmabuf/parameters/fences",
		      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		skip_test("videobuf2_dmabuf not loaded");
	CHECK(read(fd, &val, 1) == 1, "read the fences parameter");
	close(fd);
	if (val != 'Y')
		skip_test("fences are off (videobuf2_dmabuf fences=0)");
	(void)dmabuf_counter("fences_published");
}

#endif /* FENCES_TEST_H */
