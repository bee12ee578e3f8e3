// SPDX-License-Identifier: GPL-2.0
/*
 * streamoff_signals: the fence of an in-flight capture buffer (seen through
 * a sync_file exported from its dma-buf) signals with an error status when
 * the buffer is taken back unfinished: on STREAMOFF, on close() of the video
 * node while streaming and on disconnect (unbinding the vivbuf device).
 * Afterwards no fence of ours is left unsignalled (debugfs fences_pending).
 */
#include "fences.h"

#define VIVBUF_DRIVER	"/sys/bus/platform/drivers/vivbuf"
#define VIVBUF_DEVICE	"vivbuf.0"

enum ending { STREAMOFF, CLOSE, DISCONNECT };
static const char *const ending_names[] = { "STREAMOFF", "close", "disconnect" };

static void sysfs_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	CHECK(fd >= 0, "open %s", path);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text),
	      "write %s to %s", text, path);
	close(fd);
}

static void check_ending(enum ending how)
{
	struct vdev d;
	int fd1, sync_fd, status;

	mmap_setup(&d, 1, 2);
	qbuf_mmap(&d, 0);
	qbuf_mmap(&d, 1);
	vdev_streamon(&d);
	fd1 = vdev_expbuf(&d, 1, 0, O_RDWR | O_CLOEXEC);
	CHECK(fd1 >= 0, "EXPBUF 1");
	sync_fd = export_sync_file(fd1, DMA_BUF_SYNC_READ);
	CHECK(sync_file_status(sync_fd) == 0, "%s: buffer 1 not in flight",
	      ending_names[how]);

	switch (how) {
	case STREAMOFF:
		vdev_streamoff(&d);
		break;
	case CLOSE:
		vdev_close(&d);
		break;
	case DISCONNECT:
		sysfs_write(VIVBUF_DRIVER "/unbind", VIVBUF_DEVICE);
		break;
	}

	/* Signalled by the time the call returned, not later */
	CHECK(poll_one(sync_fd, POLLIN, 0) == 1, "%s: fence still pending",
	      ending_names[how]);
	status = sync_file_status(sync_fd);
	diag("%s: fence status %d (%s)", ending_names[how], status,
	     status < 0 ? strerrorname_np(-status) : "no error");
	CHECK(status < 0, "%s: fence signalled without an error status (%d)",
	      ending_names[how], status);

	if (how == DISCONNECT) {
		vdev_close(&d);
		sysfs_write(VIVBUF_DRIVER "/bind", VIVBUF_DEVICE);
	} else if (how == STREAMOFF) {
		vdev_close(&d);
	}
	close(sync_fd);
	close(fd1);
	check_no_pending_fences();
}

int main(void)
{
	uint64_t errored = dmabuf_counter("fences_errored");

	test_init("streamoff_signals");
	require_fences();
	check_ending(STREAMOFF);
	check_ending(CLOSE);
	check_ending(DISCONNECT);
	CHECK(dmabuf_counter("fences_errored") >= errored + 6,
	      "fences_errored rose by %llu, want at least 6",
	      (unsigned long long)(dmabuf_counter("fences_errored") - errored));
	return EXIT_PASS;
}
