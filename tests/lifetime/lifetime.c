// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the lifetime tests.
 */
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <drm.h>

#include "lifetime.h"

#define WATCHDOG_SECONDS	150
#define LT_WIDTH		320
#define LT_HEIGHT		240
#define VKMS_WAIT_MS		5000

static const char *const project_modules[][2] = {
	/* load order */
	{ "videobuf2_dmabuf", "drivers/media/common/videobuf2/videobuf2-dmabuf.ko" },
	{ "vivbuf", "drivers/media/test-drivers/vivbuf/vivbuf.ko" },
};

void lt_init(const char *name)
{
	test_init(name);
	alarm(WATCHDOG_SECONDS);
}

void lt_find_capture(struct node *node, bool mplane)
{
	uint32_t want = mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
				 V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct node nodes[MAX_NODES];
	unsigned int i, count;

	count = find_vivbuf_nodes(nodes, MAX_NODES);
	for (i = 0; i < count; i++) {
		if (nodes[i].num_types == 1 && nodes[i].types[0] == want) {
			*node = nodes[i];
			return;
		}
	}
	skip_test("no vivbuf %s capture node (is vivbuf loaded?)",
		  mplane ? "multi-planar" : "single-planar");
}

static bool platform_device_of(const char *path, char *name, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/class/video4linux/%s/device",
		 path + strlen("/dev/"));
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	snprintf(name, len, "%s", basename(target));
	return true;
}

void lt_platform_device(const char *path, char *name, size_t len)
{
	CHECK(platform_device_of(path, name, len),
	      "%s has no device in sysfs", path);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

bool lt_node_of_platform_device(const char *pdev, char *path, size_t len,
				unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	char name[64];
	glob_t g;
	size_t i;

	do {
		if (!glob("/sys/class/video4linux/video*", 0, NULL, &g)) {
			for (i = 0; i < g.gl_pathc; i++) {
				snprintf(path, len, "/dev/%s",
					 basename(g.gl_pathv[i]));
				if (platform_device_of(path, name, sizeof(name)) &&
				    !strcmp(name, pdev) && !access(path, R_OK)) {
					globfree(&g);
					return true;
				}
			}
			globfree(&g);
		}
		usleep(50 * 1000);
	} while (now_ms() < deadline);
	return false;
}

static void queue_buffer(struct vdev *q, unsigned int index,
			 const struct dmabufs *fds)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
	struct v4l2_buffer b;
	int ret;

	make_buf(q, &b, planes, index, fds ? &fds[index] : NULL);
	ret = try_ioctl(q->fd, VIDIOC_QBUF, &b);
	CHECK(!ret, "%s: QBUF %s %u: %s", q->path, memory_name(q->memory),
	      index, strerrorname_np(-ret));
}

void lt_next_frame(struct vdev *q, const struct dmabufs *fds)
{
	struct dq_buf b;
	unsigned int p;
	int ret;

	ret = vdev_dqbuf(q, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "%s: DQBUF: %s", q->path, strerrorname_np(-ret));
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
	      "%s: buffer %u seq %u has the ERROR flag", q->path, b.buf.index,
	      b.buf.sequence);
	for (p = 0; p < q->num_planes; p++)
		CHECK(dq_bytesused(q, &b, p) == q->sizeimage[p],
		      "%s: plane %u bytesused %u != sizeimage %u", q->path, p,
		      dq_bytesused(q, &b, p), q->sizeimage[p]);
	queue_buffer(q, b.buf.index, fds);
}

void lt_stream(struct vdev *q, const struct node *node, uint32_t pixelformat,
	       enum v4l2_memory memory, const struct dmabufs *fds,
	       unsigned int frames)
{
	unsigned int i;
	int n;

	queue_open(q, node, node->types[0], NULL);
	if (pixelformat)
		vdev_set_format(q, pixelformat, LT_WIDTH, LT_HEIGHT);
	vdev_set_frame_rate(q, 60);
	n = vdev_reqbufs(q, memory, LT_BUFFERS);
	CHECK(n == LT_BUFFERS, "%s: REQBUFS %s %u: %d", q->path,
	      memory_name(memory), LT_BUFFERS, n);
	for (i = 0; i < LT_BUFFERS; i++)
		queue_buffer(q, i, fds);
	vdev_streamon(q);
	/* At least one round, so that every buffer holds a frame. */
	if (frames < LT_BUFFERS)
		frames = LT_BUFFERS;
	for (i = 0; i < frames; i++)
		lt_next_frame(q, fds);
}

uint64_t lt_read_dmabuf(int fd)
{
	size_t size = dmabuf_size(fd);
	uint64_t sum;
	void *map;
	int ret;

	map = dmabuf_mmap(fd, size, PROT_READ);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC START|READ fd %d: %s", fd, strerrorname_np(-ret));
	CHECK(!buffer_is_zero(map, size), "dma-buf fd %d is all zero", fd);
	sum = buffer_checksum(map, size);
	ret = dmabuf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	CHECK(!ret, "SYNC END|READ fd %d: %s", fd, strerrorname_np(-ret));
	CHECK(!munmap(map, size), "munmap dma-buf fd %d", fd);
	return sum;
}

void lt_fences_idle(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLOUT),
	      "poll on dma-buf fd %d: a fence is still pending (revents %#x)",
	      fd, pfd.revents);
}

/* ---- vkms --------------------------------------------------------------- */

static bool vkms_loaded_here;

static void unload_vkms(void)
{
	if (vkms_loaded_here && module_unload("vkms"))
		diag("rmmod vkms failed: %s", strerrorname_np(errno));
}

static bool is_vkms(int fd)
{
	char name[16] = "";
	struct drm_version v = {
		.name = name,
		.name_len = sizeof(name) - 1,
	};

	return !xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vkms");
}

int vkms_open(void)
{
	uint64_t deadline;
	glob_t g;
	size_t i;
	int fd;

	if (!module_loaded("vkms")) {
		/* Skip where the kernel has no vkms (6.1); fail if it will not load. */
		if (system("modprobe -q -n vkms"))
			skip_test("the kernel has no vkms module");
		CHECK(!system("modprobe vkms"), "modprobe vkms failed");
		vkms_loaded_here = true;
		atexit(unload_vkms);
	}
	deadline = now_ms() + VKMS_WAIT_MS;
	do {
		if (!glob("/dev/dri/card*", 0, NULL, &g)) {
			for (i = 0; i < g.gl_pathc; i++) {
				fd = open(g.gl_pathv[i], O_RDWR | O_CLOEXEC);
				if (fd < 0)
					continue;
				if (is_vkms(fd)) {
					globfree(&g);
					return fd;
				}
				close(fd);
			}
			globfree(&g);
		}
		usleep(50 * 1000);
	} while (now_ms() < deadline);
	CHECK(0, "no vkms DRM device");
	return -1;
}

uint32_t vkms_import(int drm_fd, int dmabuf_fd)
{
	struct drm_prime_handle h = { .fd = dmabuf_fd };

	CHECK(!xioctl(drm_fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &h),
	      "PRIME_FD_TO_HANDLE of dma-buf fd %d into vkms", dmabuf_fd);
	return h.handle;
}

void vkms_gem_close(int drm_fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	CHECK(!xioctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &c), "GEM_CLOSE %u", handle);
}

/* ---- counters ------------------------------------------------------------ */

void lt_counters_settled(const struct dmabuf_counters *before)
{
	struct dmabuf_counters now;
	uint64_t pending;

	dmabuf_counters_read(&now);
	pending = dmabuf_counter("fences_pending");
	diag("counters: live_buffers %llu (before %llu), live_dmabufs %llu (before %llu), maps +%llu unmaps +%llu, fences_pending %llu",
	     (unsigned long long)now.live_buffers,
	     (unsigned long long)before->live_buffers,
	     (unsigned long long)now.live_dmabufs,
	     (unsigned long long)before->live_dmabufs,
	     (unsigned long long)(now.maps - before->maps),
	     (unsigned long long)(now.unmaps - before->unmaps),
	     (unsigned long long)pending);
	CHECK(now.live_buffers == before->live_buffers,
	      "live_buffers %llu, %llu before: MMAP pages leaked",
	      (unsigned long long)now.live_buffers,
	      (unsigned long long)before->live_buffers);
	CHECK(now.live_dmabufs == before->live_dmabufs,
	      "live_dmabufs %llu, %llu before: a dma_buf leaked",
	      (unsigned long long)now.live_dmabufs,
	      (unsigned long long)before->live_dmabufs);
	CHECK(now.maps - before->maps == now.unmaps - before->unmaps,
	      "import mappings: +%llu maps, +%llu unmaps",
	      (unsigned long long)(now.maps - before->maps),
	      (unsigned long long)(now.unmaps - before->unmaps));
	CHECK(!pending, "%llu fences still pending", (unsigned long long)pending);
}

/* ---- modules and sysfs ---------------------------------------------------- */

bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return !access(path, F_OK);
}

int module_unload(const char *name)
{
	/* O_NONBLOCK: refuse at once if the module is in use. */
	if (syscall(SYS_delete_module, name, O_NONBLOCK))
		return -errno;
	return 0;
}

void module_expect_busy(const char *name, const char *when)
{
	int ret = module_unload(name);

	CHECK(ret == -EWOULDBLOCK || ret == -EBUSY,
	      "rmmod %s %s: %s, want it refused", name, when,
	      ret ? strerrorname_np(-ret) : "unloaded");
	diag("rmmod %s %s: refused (%s)", name, when, strerrorname_np(-ret));
}

int module_unload_wait(const char *name, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int ret;

	for (;;) {
		ret = module_unload(name);
		if ((ret != -EWOULDBLOCK && ret != -EBUSY) || now_ms() >= deadline)
			return ret;
		usleep(50 * 1000);
	}
}

int module_load(const char *ko)
{
	const char *top = getenv("V4L2DMABUF_TOP");
	char path[PATH_MAX];
	int fd, ret = 0;

	if (!top)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", top, ko);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* No parameters: the defaults tests/vm/guest-modules.sh loads. */
	if (syscall(SYS_finit_module, fd, "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

int lt_restore_modules(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(project_modules); i++) {
		if (module_loaded(project_modules[i][0]))
			continue;
		ret = module_load(project_modules[i][1]);
		if (ret) {
			diag("cannot load %s: %s", project_modules[i][1],
			     strerrorname_np(-ret));
			return ret;
		}
	}
	return 0;
}

void lt_restore_modules_at_exit(void)
{
	lt_restore_modules();
}

void lt_reload_modules(struct node *node)
{
	struct vdev q;
	unsigned int i;
	int ret;

	ret = lt_restore_modules();
	CHECK(!ret, "loading the modules again: %s", strerrorname_np(-ret));
	/* vivbuf's nodes appear once it has probed: up to 5 s. */
	for (i = 0; i < 100 && find_vivbuf_nodes(node, 1) == 0; i++)
		usleep(50 * 1000);
	lt_find_capture(node, false);
	lt_stream(&q, node, 0, V4L2_MEMORY_MMAP, NULL, LT_FRAMES);
	vdev_close(&q);
}

int sysfs_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
