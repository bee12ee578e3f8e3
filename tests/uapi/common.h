/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the uAPI tests of videobuf2-dmabuf and vivbuf.
 *
 * Every test is one program: exit 0 = pass, 1 = fail, 77 = skip.
 * Diagnostics are TAP comments ("# ...") on stdout.
 */
#ifndef UAPI_TEST_COMMON_H
#define UAPI_TEST_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <linux/dma-buf.h>
#include <linux/videodev2.h>

#define EXIT_PASS	0
#define EXIT_FAIL	1
#define EXIT_SKIP	77

/* Constants that Debian 12's 6.1 uapi headers may lack. */
#ifndef DMA_BUF_SYNC_VALID_FLAGS_MASK
#define DMA_BUF_SYNC_VALID_FLAGS_MASK (DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END)
#endif
#ifndef V4L2_PIX_FMT_XRGB32
#define V4L2_PIX_FMT_XRGB32 v4l2_fourcc('B', 'X', '2', '4')
#endif
#ifndef V4L2_PIX_FMT_XBGR32
#define V4L2_PIX_FMT_XBGR32 v4l2_fourcc('X', 'R', '2', '4')
#endif
#ifndef V4L2_PIX_FMT_NV12M
#define V4L2_PIX_FMT_NV12M v4l2_fourcc('N', 'M', '1', '2')
#endif

#define VIVBUF_MAX_BUFFERS	32
#define DQBUF_TIMEOUT_MS	5000
#define TEST_WIDTH		640
#define TEST_HEIGHT		480

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define diag(fmt, ...) printf("# " fmt "\n", ##__VA_ARGS__)

void check_failed(const char *file, int line, const char *expr, int err,
		  const char *fmt, ...)
	__attribute__((noreturn, format(printf, 5, 6)));
void check_errno_failed(const char *file, int line, const char *expr,
			long ret, int err, int expected)
	__attribute__((noreturn));
void skip_test(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* Fail the test, printing where, the condition, the message and errno. */
#define CHECK(cond, fmt, ...)						\
	do {								\
		if (!(cond))						\
			check_failed(__FILE__, __LINE__, #cond, errno,	\
				     fmt, ##__VA_ARGS__);		\
	} while (0)

/* Expect a libc-style call to fail with -1 and exactly errno @expected. */
#define CHECK_ERRNO(call, expected)					\
	do {								\
		long ret_;						\
		errno = 0;						\
		ret_ = (call);						\
		if (ret_ != -1 || errno != (expected))			\
			check_errno_failed(__FILE__, __LINE__, #call,	\
					   ret_, errno, (expected));	\
	} while (0)

/* Arm a watchdog and make stdout line buffered; call first in main(). */
void test_init(const char *name);

/* ioctl() that retries on EINTR. */
int xioctl(int fd, unsigned long request, void *arg);

/* poll() one fd for @events, retrying on EINTR: >0 ready, 0 timed out. */
int poll_one(int fd, short events, int timeout_ms);

/* A position-weighted sum of @data: moved bytes change it too. */
uint64_t buffer_checksum(const void *data, size_t size);

struct plane_map {
	void *addr;
	size_t length;
};

/* One open vivbuf video node and the state of its queue. */
struct vdev {
	int fd;
	unsigned int instance;
	char path[32];
	struct v4l2_capability caps;
	bool output;		/* an output node, not a capture node */
	bool mplane;
	enum v4l2_buf_type type;

	uint32_t pixelformat;
	uint32_t width;
	uint32_t height;
	unsigned int num_planes;
	uint32_t sizeimage[VIDEO_MAX_PLANES];

	enum v4l2_memory memory;
	unsigned int count;
	struct plane_map map[VIVBUF_MAX_BUFFERS][VIDEO_MAX_PLANES];
};

/* A dequeued buffer, single- or multi-planar. */
struct dq_buf {
	struct v4l2_buffer buf;
	struct v4l2_plane planes[VIDEO_MAX_PLANES];
};

/* A copy of one captured frame, plane by plane. */
struct frame {
	unsigned int num_planes;
	size_t size[VIDEO_MAX_PLANES];
	uint8_t *data[VIDEO_MAX_PLANES];
};

/* A set of imported dma-buf fds for one V4L2 buffer, CPU-mapped. */
struct import_buf {
	int fd[VIDEO_MAX_PLANES];	/* queued with V4L2_MEMORY_DMABUF */
	int sync_fd[VIDEO_MAX_PLANES];	/* dma-buf fd to bracket reads */
	uint8_t *map[VIDEO_MAX_PLANES];	/* CPU view of the memory */
	size_t size[VIDEO_MAX_PLANES];
};

/* Device: find, open (the capture node, or the output node), configure. */
#define M2M_CAPS	(V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE)
/* The m2m node of @instance, opened O_NONBLOCK, with its caps; or -1. */
int vdev_find_m2m(unsigned int instance, char *path, size_t path_len,
		  struct v4l2_capability *caps);
/*
 * The m2m node of @instance, opened (O_NONBLOCK) as its two queues: @out
 * (OUTPUT, the source frames a device reads: output set) and @cap (CAPTURE)
 * share the one fd, which vdev_close(@cap) closes. False if there is none.
 */
bool vdev_open_m2m(struct vdev *out, struct vdev *cap, unsigned int instance);
int vdev_find(unsigned int instance, char *path, size_t path_len);
int vdev_find_node(unsigned int instance, bool output, char *path,
		   size_t path_len);
void vdev_open(struct vdev *d, unsigned int instance);
void vdev_open_output(struct vdev *d, unsigned int instance);
void vdev_close(struct vdev *d);
void vdev_set_format(struct vdev *d, uint32_t pixelformat,
		     uint32_t width, uint32_t height);
void vdev_set_frame_rate(struct vdev *d, unsigned int fps);

/* Queue: all return 0 / count on success and -errno on failure. */
int vdev_reqbufs(struct vdev *d, enum v4l2_memory memory, unsigned int count);
int vdev_querybuf(struct vdev *d, unsigned int index, struct dq_buf *out);
void vdev_mmap_buffers(struct vdev *d, int prot);
void vdev_unmap_buffers(struct vdev *d);
int vdev_qbuf(struct vdev *d, unsigned int index, const int *fds,
	      const uint32_t *lengths);
int vdev_prepare_buf(struct vdev *d, unsigned int index, const int *fds,
		     const uint32_t *lengths);
int vdev_dqbuf(struct vdev *d, struct dq_buf *out, int timeout_ms);
void vdev_streamon(struct vdev *d);
void vdev_streamoff(struct vdev *d);
int vdev_expbuf_raw(struct vdev *d, uint32_t type, unsigned int index,
		    unsigned int plane, unsigned int flags);
int vdev_expbuf(struct vdev *d, unsigned int index, unsigned int plane,
		unsigned int flags);

/* Accessors that hide the single-/multi-planar difference. */
uint32_t dq_bytesused(const struct vdev *d, const struct dq_buf *b,
		      unsigned int plane);
uint32_t dq_length(const struct vdev *d, const struct dq_buf *b,
		   unsigned int plane);
uint64_t dq_timestamp_ns(const struct dq_buf *b);

/* Frames. */
void capture_reference(struct vdev *d, struct frame *ref);
void frame_free(struct frame *f);
bool buffer_is_zero(const void *data, size_t size);
bool buffers_match(const char *what, const void *got, const void *want,
		   size_t size);

/*
 * Stream @nframes frames into imported @bufs, comparing each with @ref
 * (unless NULL), then STREAMOFF. Every buffer is re-queued after its check.
 */
void stream_imported(struct vdev *d, struct import_buf *bufs,
		     unsigned int nbufs, unsigned int nframes,
		     const struct frame *ref);

/* dma-buf. */
int dmabuf_sync(int fd, uint64_t flags);
void *dmabuf_mmap(int fd, size_t size, int prot);
size_t dmabuf_size(int fd);
void fd_inode(int fd, dev_t *dev, ino_t *ino);
size_t page_size(void);
size_t page_align(size_t size);
int udmabuf_alloc(size_t size, int *memfd_out);
int dma_heap_alloc(size_t size);

/* debugfs counters of videobuf2-dmabuf. */
struct dmabuf_counters {
	uint64_t exports;	/* struct dma_buf created by EXPBUF */
	uint64_t expbufs;	/* get_dmabuf calls */
	uint64_t imports;	/* attach_dmabuf calls */
	uint64_t attachments;	/* importers attaching to our exports */
	uint64_t maps;		/* dma_buf_map_attachment on imports */
	uint64_t unmaps;
	uint64_t cpu_syncs;	/* begin/end_cpu_access on our exports */
	uint64_t cpu_maps;	/* userspace mmaps of MMAP planes */
	uint64_t live_buffers;	/* MMAP planes alive */
	uint64_t live_dmabufs;	/* exported dma-bufs alive */
};

uint64_t dmabuf_counter(const char *name);
void dmabuf_counters_read(struct dmabuf_counters *c);
/*
 * After streaming nframes into nbufs imported buffers: one import and one
 * map per plane (not per frame); then REQBUFS(0) unmaps every mapping and
 * nothing was copied. Frees the queue's buffers.
 */
void check_import_counters(struct vdev *d, unsigned int nbufs,
			   unsigned int nframes,
			   const struct dmabuf_counters *before,
			   const struct dmabuf_counters *streamed);
/*
 * REQBUFS(0) on @d's MMAP queue, once every fd exported from it is closed:
 * its planes and every dma-buf exported since @before (read while they
 * were allocated) must be gone from the counters.
 */
void check_mmap_freed(struct vdev *d, const struct dmabuf_counters *before);

#endif /* UAPI_TEST_COMMON_H */
