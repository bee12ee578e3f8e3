/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the lifetime tests: who holds a buffer when its video
 * node, its driver or its modules go away. Built on the uAPI helpers
 * (../uapi/common.c) and the node discovery of the badinput suite
 * (../badinput/queue.c).
 */
#ifndef LIFETIME_H
#define LIFETIME_H

#include "queue.h"

#define LT_BUFFERS	NUM_BUFFERS
#define LT_FRAMES	3

/* test_init() with a watchdog long enough for module reloads. */
void lt_init(const char *name);

/*
 * The first vivbuf node with a single capture queue, single- or
 * multi-planar; the test skips if there is none.
 */
void lt_find_capture(struct node *node, bool mplane);
/* The platform device of a video node, e.g. "vivbuf.0". */
void lt_platform_device(const char *path, char *name, size_t len);
/* The video node of platform device @pdev, waiting for it to appear. */
bool lt_node_of_platform_device(const char *pdev, char *path, size_t len,
				unsigned int timeout_ms);

/*
 * Open @node's capture queue with @pixelformat at 320x240 (0: keep the
 * suite's small default), allocate LT_BUFFERS MMAP buffers, queue them all,
 * start streaming and dequeue/requeue @frames frames: every buffer then
 * holds a frame. The queue keeps streaming.
 */
void lt_stream(struct vdev *q, const struct node *node, uint32_t pixelformat,
	       enum v4l2_memory memory, const struct dmabufs *fds,
	       unsigned int frames);
/* Dequeue one frame within DQBUF_TIMEOUT_MS, check it and requeue it. */
void lt_next_frame(struct vdev *q, const struct dmabufs *fds);

/*
 * Read a whole exported dma-buf through a new mapping, bracketed by
 * DMA_BUF_IOCTL_SYNC; returns its checksum. Fails if it is all zero.
 */
uint64_t lt_read_dmabuf(int fd);
/* poll() on a dma-buf must not block: no fence of ours may stay pending. */
void lt_fences_idle(int fd);

/* vkms: loaded on first use (unloaded at exit if loaded here). */
int vkms_open(void);
/* DRM PRIME import of a dma-buf into vkms: attaches and maps it. */
uint32_t vkms_import(int drm_fd, int dmabuf_fd);
void vkms_gem_close(int drm_fd, uint32_t handle);

/*
 * The allocator holds no more MMAP buffers and exported dma-bufs than
 * @before, every import mapping was unmapped and no fence is pending.
 */
void lt_counters_settled(const struct dmabuf_counters *before);

/* Kernel modules, by name ("vivbuf") and by .ko path in the checkout. */
bool module_loaded(const char *name);
int module_unload(const char *name);	/* 0 or -errno, never waits */
int module_load(const char *ko);		/* relative to V4L2DMABUF_TOP */
/* rmmod @name must be refused (EBUSY or EWOULDBLOCK) @when, as diag says. */
void module_expect_busy(const char *name, const char *when);
/*
 * rmmod @name, again every 50 ms for up to @timeout_ms while it is in use:
 * its last user may let go a little after the fd that held it is closed
 * (videobuf2_dmabuf's fences: after an RCU grace period). 0 or -errno.
 */
int module_unload_wait(const char *name, unsigned int timeout_ms);
/* Time enough for that, with room for a slow emulated guest. */
#define LT_UNLOAD_WAIT_MS	2000
/*
 * Load the project's modules that are missing, without parameters, as
 * tests/vm/guest-modules.sh leaves them; 0 or -errno.
 * lt_restore_modules_at_exit() is the same for atexit(), so that a failed
 * check does not leave the guest without them.
 */
int lt_restore_modules(void);
void lt_restore_modules_at_exit(void);
/*
 * After a test unloaded them: lt_restore_modules(), then the fresh vivbuf's
 * first capture node (into @node) must stream LT_FRAMES MMAP frames.
 */
void lt_reload_modules(struct node *node);

/* Write @value to the sysfs attribute @path; 0 or -errno. */
int sysfs_write(const char *path, const char *value);

#endif /* LIFETIME_H */
