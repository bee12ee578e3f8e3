// SPDX-License-Identifier: GPL-2.0
/*
 * disconnect_with_exported_bufs: vivbuf's "Disconnect Delay (ms)" control
 * (VIVBUF_CID_DISCONNECT), a hot-unplug of the whole instance. Instance
 * 0's capture node streams into MMAP buffers that are mapped through the
 * node and exported, each dma-buf mapped too; its output node is open as
 * well. The control, armed with a delay, reads back the time left; when
 * it fires the platform device is unbound from the driver. Then every
 * ioctl on both video fds fails with ENODEV, while the dma-bufs stay
 * valid: no fence pending, readable and writable through their own maps
 * and through the node's (the same memory), DMA_BUF_IOCTL_SYNC works, and
 * they close cleanly (KASAN watches for a use-after-free). Once the last
 * fd is closed the allocator holds nothing more than before, and the
 * vivbuf module unloads. It is loaded again, and its capture node
 * streams.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"

#define NUM_BUFFERS	3
#define DELAY_MS	300
#define WAIT_MS		10000
#define PDEV		"vivbuf.0"
#define DRIVER_DIR	"/sys/bus/platform/drivers/vivbuf"
#define VIVBUF_KO	"drivers/media/test-drivers/vivbuf/vivbuf.ko"

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static bool module_loaded(void)
{
	struct stat st;

	return !stat("/sys/module/vivbuf", &st);
}

static bool bound(void)
{
	struct stat st;

	return !stat(DRIVER_DIR "/" PDEV, &st);
}

static int load_vivbuf(void)
{
	const char *top = getenv("V4L2DMABUF_TOP");
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", VIVBUF_KO);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Also after a failed check: the tests after this one need instance 0. */
static void restore(void)
{
	int fd;

	if (!module_loaded()) {
		if (load_vivbuf())
			diag("could not load vivbuf again");
	} else if (!bound()) {
		fd = open(DRIVER_DIR "/bind", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, PDEV, strlen(PDEV)) < 0)
			diag("could not bind %s again", PDEV);
		if (fd >= 0)
			close(fd);
	}
}

static void check_enodev(struct vdev *d)
{
	struct v4l2_capability caps;
	struct v4l2_control c = { .id = VIVBUF_CID_DISCONNECT };
	struct dq_buf b;
	int type = d->type, ret;

	CHECK(xioctl(d->fd, VIDIOC_QUERYCAP, &caps) && errno == ENODEV,
	      "%s: QUERYCAP after the disconnect: want ENODEV", d->path);
	CHECK(xioctl(d->fd, VIDIOC_G_CTRL, &c) && errno == ENODEV,
	      "%s: G_CTRL after the disconnect: want ENODEV", d->path);
	CHECK(xioctl(d->fd, VIDIOC_STREAMOFF, &type) && errno == ENODEV,
	      "%s: STREAMOFF after the disconnect: want ENODEV", d->path);
	ret = vdev_querybuf(d, 0, &b);
	CHECK(ret == -ENODEV, "%s: QUERYBUF after the disconnect: %s, want ENODEV",
	      d->path, ret ? strerrorname_np(-ret) : "success");
	ret = vdev_expbuf(d, 0, 0, O_RDWR | O_CLOEXEC);
	if (ret >= 0)
		close(ret);
	CHECK(ret == -ENODEV, "%s: EXPBUF after the disconnect: %s, want ENODEV",
	      d->path, ret >= 0 ? "an fd" : strerrorname_np(-ret));
	CHECK(poll_one(d->fd, POLLIN | POLLOUT, 0) == 1,
	      "%s: poll() blocks after the disconnect", d->path);
}

static void wait_disconnected(struct vdev *d)
{
	struct v4l2_capability caps;
	unsigned int waited = 0;

	while (!xioctl(d->fd, VIDIOC_QUERYCAP, &caps)) {
		CHECK(waited < WAIT_MS, "%s: still there %u ms after the disconnect was due",
		      d->path, WAIT_MS);
		sleep_ms(10);
		waited += 10;
	}
	CHECK(errno == ENODEV, "%s: QUERYCAP failed with %s, want ENODEV",
	      d->path, strerrorname_np(errno));
	CHECK(!bound(), "%s still bound to vivbuf after the disconnect", PDEV);
	diag("%s: gone about %u ms after arming %u ms", d->path, waited,
	     DELAY_MS);
}

static uint64_t checksum(const uint8_t *p, size_t size)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < size; i++)
		sum = sum * 31 + p[i];
	return sum;
}

int main(void)
{
	struct dmabuf_counters before, after;
	int fds[NUM_BUFFERS], ret, i, left;
	uint8_t *maps[NUM_BUFFERS];
	size_t sizes[NUM_BUFFERS];
	struct vdev d, out;
	struct dq_buf b;

	test_init("disconnect_with_exported_bufs");
	alarm(120);	/* module reload under emulation */
	atexit(restore);
	dmabuf_counters_read(&before);

	vdev_open(&d, 0);
	inject_check_controls(&d);
	inject_reset(&d);
	vdev_open_output(&out, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_frame_rate(&d, 60);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret == NUM_BUFFERS, "REQBUFS MMAP %d: %d", NUM_BUFFERS, ret);
	vdev_mmap_buffers(&d, PROT_READ | PROT_WRITE);
	for (i = 0; i < NUM_BUFFERS; i++) {
		fds[i] = vdev_expbuf(&d, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fds[i] >= 0, "EXPBUF %d: %s", i, strerrorname_np(-fds[i]));
		sizes[i] = dmabuf_size(fds[i]);
		maps[i] = dmabuf_mmap(fds[i], sizes[i], PROT_READ | PROT_WRITE);
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %d", i);
	}
	vdev_streamon(&d);
	for (i = 0; i < 2 * NUM_BUFFERS; i++) {
		ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "DQBUF %d: %s", i, strerrorname_np(-ret));
		CHECK(!vdev_qbuf(&d, b.buf.index, NULL, NULL), "re-QBUF %u",
		      b.buf.index);
	}

	/* Streaming, every buffer exported and mapped twice: unplug */
	ctrl_set(&d, VIVBUF_CID_DISCONNECT, DELAY_MS);
	left = ctrl_get(&d, VIVBUF_CID_DISCONNECT);
	CHECK(left >= 1 && left <= DELAY_MS,
	      "the disconnect control reads %d ms left, armed with %d",
	      left, DELAY_MS);
	wait_disconnected(&d);
	check_enodev(&d);
	check_enodev(&out);

	for (i = 0; i < NUM_BUFFERS; i++) {
		uint8_t *vmap = d.map[i][0].addr, *fresh;
		size_t n = d.map[i][0].length < sizes[i] ?
			   d.map[i][0].length : sizes[i];

		/* The node may be gone a moment before its queue is released */
		CHECK(poll_one(fds[i], POLLOUT, WAIT_MS) == 1,
		      "buffer %d: a fence still pending %d ms after the disconnect",
		      i, WAIT_MS);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
		CHECK(!ret, "SYNC START|RW: %s", strerrorname_np(-ret));
		CHECK(!buffer_is_zero(maps[i], n),
		      "buffer %d: its dma-buf reads all zero", i);
		CHECK(checksum(maps[i], n) == checksum(vmap, n),
		      "buffer %d: dma-buf and V4L2 mapping differ", i);
		memset(maps[i], 0xa5, n);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
		CHECK(!ret, "SYNC END|RW: %s", strerrorname_np(-ret));
		CHECK(vmap[n - 1] == 0xa5,
		      "buffer %d: a write through the dma-buf is not seen through the node's map",
		      i);

		/* A new mapping of the dma-buf, made after the disconnect */
		fresh = dmabuf_mmap(fds[i], sizes[i], PROT_READ);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
		CHECK(!ret, "SYNC START|READ: %s", strerrorname_np(-ret));
		CHECK(fresh[0] == 0xa5 && fresh[n - 1] == 0xa5,
		      "buffer %d: a new mapping does not see the data", i);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
		CHECK(!ret, "SYNC END|READ: %s", strerrorname_np(-ret));
		CHECK(!munmap(fresh, sizes[i]), "munmap the new mapping");
	}
	diag("%d exported buffers still readable and writable", NUM_BUFFERS);

	/* The video fds first, then the maps and the dma-bufs */
	vdev_close(&out);
	CHECK(!close(d.fd), "close the disconnected node");
	d.fd = -1;
	vdev_unmap_buffers(&d);
	for (i = 0; i < NUM_BUFFERS; i++) {
		CHECK(!munmap(maps[i], sizes[i]), "munmap dma-buf %d", i);
		CHECK(!close(fds[i]), "close dma-buf %d", i);
	}
	/* The unplug may still be releasing the queue: give it a moment */
	for (i = 0; i < WAIT_MS / 10; i++) {
		dmabuf_counters_read(&after);
		if (after.live_buffers == before.live_buffers &&
		    after.live_dmabufs == before.live_dmabufs)
			break;
		sleep_ms(10);
	}
	CHECK(after.live_buffers == before.live_buffers &&
	      after.live_dmabufs == before.live_dmabufs,
	      "live_buffers %llu (before %llu), live_dmabufs %llu (before %llu)",
	      (unsigned long long)after.live_buffers,
	      (unsigned long long)before.live_buffers,
	      (unsigned long long)after.live_dmabufs,
	      (unsigned long long)before.live_dmabufs);

	CHECK(!syscall(SYS_delete_module, "vivbuf", O_NONBLOCK),
	      "rmmod vivbuf once every fd is closed");
	diag("vivbuf unloaded");
	ret = load_vivbuf();
	CHECK(!ret, "load vivbuf again: %s", strerrorname_np(-ret));

	/* The new instance 0 streams (vdev_open skips if it is missing) */
	for (i = 0; i < WAIT_MS / 10 && vdev_find(0, d.path, sizeof(d.path)); i++)
		sleep_ms(10);
	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret == NUM_BUFFERS, "REQBUFS MMAP on the new node: %d", ret);
	for (i = 0; i < NUM_BUFFERS; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %d", i);
	vdev_streamon(&d);
	ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF on the new node: %s", strerrorname_np(-ret));
	vdev_streamoff(&d);
	CHECK(!vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0), "REQBUFS 0");
	vdev_close(&d);
	diag("vivbuf loaded again, %s streams", d.path);
	return EXIT_PASS;
}
