/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vivbuf nodes and their queues, as the malformed-input tests see them.
 *
 * Nodes are found by what they are (VIDIOC_QUERYCAP: driver "vivbuf") and
 * what they can do (device_caps), not by name or instance number, so that
 * capture, output and mem2mem nodes are all covered as they appear. Each
 * queue of a node (one for capture or output, two for mem2mem) is tested on
 * its own open file, described by a &struct vdev of the uAPI helpers.
 */
#ifndef BADINPUT_QUEUE_H
#define BADINPUT_QUEUE_H

#include "common.h"

#define MAX_NODES	32
#define NUM_BUFFERS	3	/* vivbuf allocates at least 3 */

/* A vivbuf video node and the buffer types of its queues. */
struct node {
	char path[32];
	char card[32];
	uint32_t device_caps;
	unsigned int num_types;
	uint32_t types[2];
};

/* One dma-buf per plane of a buffer, from udmabuf. */
struct dmabufs {
	int fd[VIDEO_MAX_PLANES];
	size_t size[VIDEO_MAX_PLANES];
};

/* The vivbuf nodes, at most @max; returns how many. */
unsigned int find_vivbuf_nodes(struct node *nodes, unsigned int max);
const char *buf_type_name(uint32_t type);
const char *memory_name(enum v4l2_memory memory);

/*
 * Describe the queue of @type of the node open as @fd in @q: set a small
 * format (a two-plane one on a multi-planar queue if the node has one) and
 * record it. @orig, if not NULL, receives the format it had.
 */
void queue_init(struct vdev *q, int fd, const char *path, uint32_t type,
		struct v4l2_format *orig);
/* Open @node on a file of its own for its queue of @type, see queue_init. */
void queue_open(struct vdev *q, const struct node *node, uint32_t type,
		struct v4l2_format *orig);
/* Put back the format @orig (formats outlive the file) and close. */
void queue_close(struct vdev *q, struct v4l2_format *orig);
/* The V4L2_BUF_CAP_* flags REQBUFS reports for @memory; 0 if refused. */
uint32_t queue_buf_caps(struct vdev *q, enum v4l2_memory memory);
/* STREAMOFF, unmap, REQBUFS(0): the queue as queue_open() left it. */
void queue_reset(struct vdev *q);
/* Set the O_NONBLOCK flag of the queue's file. */
void queue_set_nonblock(struct vdev *q, bool nonblock);

/* ioctl() returning 0 or -errno. */
int try_ioctl(int fd, unsigned long request, void *arg);
/* The lowest unused fd number: a failed call that creates one leaks it. */
int lowest_free_fd(void);

/*
 * A valid QBUF request for buffer @index of @q with its memory type, on
 * @planes (multi-planar) and with @fds for DMABUF; cases corrupt it.
 */
void make_buf(const struct vdev *q, struct v4l2_buffer *b,
	      struct v4l2_plane *planes, unsigned int index,
	      const struct dmabufs *fds);
/* Is buffer @index queued, prepared or done (i.e. not with userspace)? */
bool buf_is_busy(struct vdev *q, unsigned int index);

/* udmabufs of sizeimage (page-aligned) + @extra bytes per plane. */
void dmabufs_alloc(const struct vdev *q, struct dmabufs *d, long extra);
void dmabufs_free(const struct vdev *q, struct dmabufs *d);

/*
 * The node still works: every queue gets NUM_BUFFERS buffers of @memory,
 * streams @frames frames per queue, which must come back without the error
 * flag and, on capture, with bytesused == sizeimage; then everything is
 * released. Returns the number of frames checked.
 */
unsigned int node_streams(const struct node *node, enum v4l2_memory memory,
			  unsigned int frames);

#endif /* BADINPUT_QUEUE_H */
