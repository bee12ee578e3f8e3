// SPDX-License-Identifier: GPL-2.0
/*
 * fence_outlives_module: no fence of ours outlives videobuf2_dmabuf's code.
 * A sync_file exported from one of our dma-bufs, or a foreign dma-buf's
 * reservation object, may hold our fence for as long as it likes, and the
 * fence's ops point into videobuf2_dmabuf. `rmmod vivbuf videobuf2_dmabuf`
 * used to succeed while such a fence lived, and SYNC_IOC_FILE_INFO on the
 * sync_file then oopsed in sync_file_ioctl. Each fence now pins the module
 * until it is freed, an RCU grace period after its last reference goes.
 *  - A sync_file of the fence of an in-flight MMAP buffer
 *    (DMA_BUF_IOCTL_EXPORT_SYNC_FILE), and system dma-heap buffers that
 *    vivbuf captured into (our fences stay in their reservation objects;
 *    that half skips without /dev/dma_heap/system).
 *  - Every video fd and our dma-buf closed: vivbuf unloads;
 *    videobuf2_dmabuf is refused; SYNC_IOC_FILE_INFO still describes the
 *    fence, now signalled, and dma-buf's debugfs bufinfo, which prints the
 *    heap buffers' fences, reads without a crash (both ask the fences'
 *    ops for their names).
 *  - The sync_file closed: still refused while the heap buffers live.
 *  - Everything closed: videobuf2_dmabuf unloads within LT_UNLOAD_WAIT_MS.
 * Then both modules are loaded again and a node streams.
 */
#include <fcntl.h>
#include <unistd.h>

#include "fences.h"
#include "lifetime.h"

#define DRIVER_NAME	"videobuf2-dmabuf"
#define HEAP_PATH	"/dev/dma_heap/system"
#define BUFINFO_PATH	"/sys/kernel/debug/dma_buf/bufinfo"
#define MAX_FENCES	8

/*
 * SYNC_IOC_FILE_INFO on @sync_fd; every active fence in it must be one of
 * ours. A signalled one is only shown: recent kernels (6.17 on) no longer
 * ask a signalled fence's ops for names, it is a "detached-driver". Returns
 * the sync_file's status: 0 active, 1 signalled, < 0 signalled with an error.
 */
static int check_sync_file(int sync_fd, const char *when)
{
	struct sync_fence_info fences[MAX_FENCES];
	struct sync_file_info info;
	unsigned int i;

	memset(&info, 0, sizeof(info));
	memset(fences, 0, sizeof(fences));
	info.num_fences = MAX_FENCES;
	info.sync_fence_info = (uintptr_t)fences;
	CHECK(!xioctl(sync_fd, SYNC_IOC_FILE_INFO, &info),
	      "SYNC_IOC_FILE_INFO %s", when);
	CHECK(info.num_fences >= 1, "%s: the sync_file has no fence", when);
	for (i = 0; i < info.num_fences; i++) {
		CHECK(fences[i].status || !strcmp(fences[i].driver_name, DRIVER_NAME),
		      "%s: active fence %u of driver \"%s\" on timeline \"%s\", want %s",
		      when, i, fences[i].driver_name, fences[i].obj_name,
		      DRIVER_NAME);
		diag("%s: fence %u %s on %s, status %d", when, i,
		     fences[i].driver_name, fences[i].obj_name,
		     fences[i].status);
	}
	return info.status;
}

/* The sync_file of the fence of an MMAP buffer queued while streaming. */
static int export_queued_fence(const struct node *node, int *dmabuf)
{
	unsigned int i, last = LT_BUFFERS - 1;
	int n, sync_fd, status;
	struct vdev q;

	queue_open(&q, node, node->types[0], NULL);
	/* At 5 fps the last buffer queued is done 400 ms from now at least. */
	vdev_set_frame_rate(&q, 5);
	n = vdev_reqbufs(&q, V4L2_MEMORY_MMAP, LT_BUFFERS);
	CHECK(n == LT_BUFFERS, "%s: REQBUFS MMAP %u: %d", q.path, LT_BUFFERS, n);
	for (i = 0; i < LT_BUFFERS; i++)
		CHECK(!vdev_qbuf(&q, i, NULL, NULL), "%s: QBUF %u", q.path, i);
	vdev_streamon(&q);

	*dmabuf = vdev_expbuf(&q, last, 0, O_RDWR | O_CLOEXEC);
	CHECK(*dmabuf >= 0, "EXPBUF %u: %s", last, strerrorname_np(-*dmabuf));
	/* A reader waits for the writer: our capture fence. */
	sync_fd = export_sync_file(*dmabuf, DMA_BUF_SYNC_READ);
	status = check_sync_file(sync_fd, "exported");
	/* Signalled, it would be dma-buf's stub: no fence of ours. */
	CHECK(status == 0, "%s: the sync_file of buffer %u in flight has status %d",
	      q.path, last, status);
	diag("%s: buffer %u in flight, its sync_file holds our active fence",
	     q.path, last);
	/* Streaming stops: the fence signals, the sync_file keeps it. */
	vdev_close(&q);
	return sync_fd;
}

/*
 * vivbuf captures into system dma-heap buffers, which keep our last fences
 * in their reservation objects; returns how many, 0 without the heap.
 */
static unsigned int import_heap_buffers(const struct node *node,
					struct import_buf *bufs)
{
	unsigned int i, p;
	struct vdev q;
	int n;

	if (access(HEAP_PATH, F_OK)) {
		diag("no %s: the import half is skipped", HEAP_PATH);
		return 0;
	}
	queue_open(&q, node, node->types[0], NULL);
	vdev_set_frame_rate(&q, 60);
	n = vdev_reqbufs(&q, V4L2_MEMORY_DMABUF, LT_BUFFERS);
	CHECK(n == LT_BUFFERS, "%s: REQBUFS DMABUF %u: %d", q.path, LT_BUFFERS,
	      n);
	for (i = 0; i < LT_BUFFERS; i++)
		for (p = 0; p < VIDEO_MAX_PLANES; p++)
			bufs[i].fd[p] = p < q.num_planes ?
				dma_heap_alloc(page_align(q.sizeimage[p])) : -1;
	stream_imported(&q, bufs, LT_BUFFERS, LT_FRAMES, NULL);
	diag("%s: %u frames captured into %u heap buffers", q.path, LT_FRAMES,
	     LT_BUFFERS);
	vdev_close(&q);
	return LT_BUFFERS;
}

/* debugfs bufinfo prints every dma-buf's fences: it must not crash. */
static void read_bufinfo(void)
{
	unsigned int lines = 0, ours = 0;
	size_t len = 0;
	char *line = NULL;
	FILE *f;

	f = fopen(BUFINFO_PATH, "re");
	if (!f) {
		diag("no %s (%s): not read", BUFINFO_PATH, strerrorname_np(errno));
		return;
	}
	while (getline(&line, &len, f) > 0) {
		lines++;
		if (strstr(line, DRIVER_NAME))
			ours++;
	}
	CHECK(!ferror(f), "reading %s", BUFINFO_PATH);
	fclose(f);
	free(line);
	diag("%s: %u lines read, %u of them name %s", BUFINFO_PATH, lines,
	     ours, DRIVER_NAME);
}

static void close_heap_buffers(struct import_buf *bufs, unsigned int count)
{
	unsigned int i, p;

	for (i = 0; i < count; i++)
		for (p = 0; p < VIDEO_MAX_PLANES; p++)
			if (bufs[i].fd[p] >= 0)
				close(bufs[i].fd[p]);
}

int main(void)
{
	struct import_buf heap[LT_BUFFERS];
	unsigned int nheap;
	int dmabuf, sync_fd, status, ret;
	struct node node;
	uint64_t start;

	lt_init("fence_outlives_module");
	lt_find_capture(&node, false);
	require_fences();
	atexit(lt_restore_modules_at_exit);

	sync_fd = export_queued_fence(&node, &dmabuf);
	nheap = import_heap_buffers(&node, heap);
	close(dmabuf);

	ret = module_unload_wait("vivbuf", LT_UNLOAD_WAIT_MS);
	CHECK(!ret, "rmmod vivbuf with every video fd closed: %s",
	      strerrorname_np(-ret));
	diag("vivbuf unloaded; a sync_file and %u heap buffers hold our fences",
	     nheap);
	module_expect_busy("videobuf2_dmabuf", "while its fences are held");

	status = check_sync_file(sync_fd, "after rmmod vivbuf");
	CHECK(status != 0, "the sync_file is still active after STREAMOFF");
	diag("the sync_file works after rmmod vivbuf: status %d", status);
	read_bufinfo();
	close(sync_fd);

	if (nheap) {
		module_expect_busy("videobuf2_dmabuf",
				   "while heap buffers hold its fences");
		close_heap_buffers(heap, nheap);
	}

	start = now_ms();
	ret = module_unload_wait("videobuf2_dmabuf", LT_UNLOAD_WAIT_MS);
	CHECK(!ret, "rmmod videobuf2_dmabuf %d ms after its last fence was let go: %s",
	      LT_UNLOAD_WAIT_MS, strerrorname_np(-ret));
	diag("videobuf2_dmabuf unloaded %llu ms after its last fence was let go",
	     (unsigned long long)(now_ms() - start));

	lt_reload_modules(&node);
	diag("reloaded: %s streams", node.path);
	return EXIT_PASS;
}
