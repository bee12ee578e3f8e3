// SPDX-License-Identifier: GPL-2.0
/*
 * unbind_rebind_while_exported: a vivbuf capture node streams into MMAP
 * buffers that are exported (one of them also imported into vkms), mapped
 * through the node and through their dma-buf fds. Its platform device is
 * then unbound from the driver through sysfs, while streaming. The old
 * video fd must answer ENODEV (gen-errors: "device not found or was
 * removed"), and the dma-bufs must stay valid: mapped, read, written,
 * synced and closed with no use-after-free (KASAN watches). After the last
 * holder is gone the allocator holds nothing more than before; the device
 * is bound again and its new node streams.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lifetime.h"

#define DRIVER_DIR	"/sys/bus/platform/drivers/vivbuf"
#define NODE_WAIT_MS	5000

static char pdev[64];
static bool unbound;

/* Also after a failed check: the next tests need the device. */
static void rebind(void)
{
	if (unbound && sysfs_write(DRIVER_DIR "/bind", pdev))
		diag("could not bind %s again", pdev);
	unbound = false;
}

static void check_enodev(struct vdev *q)
{
	struct v4l2_capability caps;
	struct dq_buf b;
	int ret;

	CHECK(xioctl(q->fd, VIDIOC_QUERYCAP, &caps) && errno == ENODEV,
	      "QUERYCAP on the unbound node: want ENODEV");
	ret = vdev_dqbuf(q, &b, 0);
	CHECK(ret == -ENODEV || ret == -ETIMEDOUT,
	      "DQBUF on the unbound node: %s, want ENODEV",
	      strerrorname_np(-ret));
	ret = vdev_expbuf(q, 0, 0, O_RDWR | O_CLOEXEC);
	if (ret >= 0)
		close(ret);
	CHECK(ret == -ENODEV, "EXPBUF on the unbound node: %s, want ENODEV",
	      ret >= 0 ? "an fd" : strerrorname_np(-ret));
}

int main(void)
{
	struct dmabuf_counters before;
	struct plane_map vmaps[LT_BUFFERS];
	uint8_t *maps[LT_BUFFERS];
	int fds[LT_BUFFERS], drm, ret;
	size_t sizes[LT_BUFFERS];
	struct node node;
	uint32_t handle;
	struct vdev q;
	unsigned int i;

	lt_init("unbind_rebind_while_exported");
	lt_find_capture(&node, false);
	lt_platform_device(node.path, pdev, sizeof(pdev));
	drm = vkms_open();
	dmabuf_counters_read(&before);

	lt_stream(&q, &node, 0, V4L2_MEMORY_MMAP, NULL, LT_FRAMES);
	vdev_mmap_buffers(&q, PROT_READ);
	for (i = 0; i < LT_BUFFERS; i++) {
		fds[i] = vdev_expbuf(&q, i, 0, O_RDWR | O_CLOEXEC);
		CHECK(fds[i] >= 0, "EXPBUF %u: %s", i, strerrorname_np(-fds[i]));
		sizes[i] = dmabuf_size(fds[i]);
		maps[i] = dmabuf_mmap(fds[i], sizes[i], PROT_READ | PROT_WRITE);
		vmaps[i] = q.map[i][0];
	}
	handle = vkms_import(drm, fds[0]);

	atexit(rebind);
	unbound = true;
	ret = sysfs_write(DRIVER_DIR "/unbind", pdev);
	CHECK(!ret, "unbind %s: %s", pdev, strerrorname_np(-ret));
	diag("%s unbound while streaming, %u buffers exported and mapped",
	     pdev, LT_BUFFERS);

	check_enodev(&q);
	for (i = 0; i < LT_BUFFERS; i++) {
		lt_fences_idle(fds[i]);
		CHECK(lt_read_dmabuf(fds[i]) == buffer_checksum(vmaps[i].addr, sizes[i]),
		      "buffer %u: dma-buf and V4L2 mmap differ after unbind", i);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
		CHECK(!ret, "SYNC START|RW: %s", strerrorname_np(-ret));
		memset(maps[i], 0x5a, sizes[i]);
		ret = dmabuf_sync(fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
		CHECK(!ret, "SYNC END|RW: %s", strerrorname_np(-ret));
		CHECK(((uint8_t *)vmaps[i].addr)[sizes[i] / 2] == 0x5a,
		      "buffer %u: write not seen through the node's mapping", i);
	}

	/* Video fd first, then the mappings, the fds, and vkms last. */
	CHECK(!close(q.fd), "close the unbound node's fd");
	q.fd = -1;
	for (i = 0; i < LT_BUFFERS; i++) {
		CHECK(!munmap(vmaps[i].addr, vmaps[i].length), "munmap V4L2 %u", i);
		CHECK(!munmap(maps[i], sizes[i]), "munmap dma-buf %u", i);
		close(fds[i]);
	}
	vkms_gem_close(drm, handle);
	close(drm);
	lt_counters_settled(&before);

	ret = sysfs_write(DRIVER_DIR "/bind", pdev);
	CHECK(!ret, "bind %s: %s", pdev, strerrorname_np(-ret));
	unbound = false;
	CHECK(lt_node_of_platform_device(pdev, node.path, sizeof(node.path),
					 NODE_WAIT_MS),
	      "no video node for %s after bind", pdev);
	diag("%s bound again: %s", pdev, node.path);
	lt_stream(&q, &node, 0, V4L2_MEMORY_MMAP, NULL, LT_FRAMES);
	vdev_close(&q);
	lt_counters_settled(&before);
	return EXIT_PASS;
}
