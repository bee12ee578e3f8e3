// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf_instant: the capture node's instant mode (vivbuf.instant=1), which
 * the micro benchmark relies on.
 *
 * At 1 frame per second, 4 MMAP buffers, YUYV: NUM_FRAMES frames come back
 * far faster than the frame clock would allow (under INSTANT_LIMIT_S, where
 * the normal mode takes NUM_FRAMES s), with the sequence numbers 0, 1, 2...
 * (none dropped), increasing timestamps and no ERROR flag. Each frame
 * carries its sequence number in the first 4 bytes (little-endian) and
 * the static pattern elsewhere. The pattern is written once per buffer: a
 * byte the test writes into a buffer stays there in the next frames of
 * that buffer, until the next STREAMON writes the pattern anew. With every
 * buffer dequeued the producer sleeps (its CPU time does not grow by more
 * than IDLE_MAX_TICKS in IDLE_S) and STREAMOFF returns promptly. The
 * parameter is restored on exit.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define INSTANT_PARAM	"/sys/module/vivbuf/parameters/instant"
#define NUM_BUFFERS	4
#define NUM_FRAMES	40
#define INSTANT_LIMIT_S	20
#define IDLE_S		2
#define IDLE_MAX_TICKS	20	/* 10 % of a CPU at 100 Hz */
#define SCRIBBLE_OFFSET	4096
#define SCRIBBLE	0xa5

static char instant_saved = 'N';

static void set_instant(char value)
{
	int fd = open(INSTANT_PARAM, O_RDWR);
	char c;

	CHECK(fd >= 0, "open %s", INSTANT_PARAM);
	CHECK(write(fd, &value, 1) == 1, "write %c to %s", value, INSTANT_PARAM);
	CHECK(pread(fd, &c, 1, 0) == 1 && c == value, "%s reads %c, not %c",
	      INSTANT_PARAM, c, value);
	close(fd);
}

static void restore_instant(void)
{
	int fd = open(INSTANT_PARAM, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, &instant_saved, 1) != 1)
			diag("could not restore %s", INSTANT_PARAM);
		close(fd);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* utime + stime of the kernel thread named @comm, in clock ticks */
static unsigned long long thread_ticks(const char *comm)
{
	unsigned long long utime, stime;
	char path[300], buf[512], *p;
	struct dirent *e;
	DIR *dir = opendir("/proc");
	FILE *f;

	CHECK(dir, "opendir /proc");
	while ((e = readdir(dir))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		if (!p)
			continue;
		/* pid (comm) state ppid ... utime stime: fields 14 and 15 */
		snprintf(path, sizeof(path), "(%s) ", comm);
		p = strstr(buf, path);
		if (!p || p != strchr(buf, '('))
			continue;
		p = strrchr(buf, ')');
		CHECK(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			     &utime, &stime) == 2, "parse %s", buf);
		closedir(dir);
		return utime + stime;
	}
	closedir(dir);
	CHECK(false, "no kernel thread %s", comm);
	return 0;
}

static void check_frames(struct vdev *d, const uint8_t *first,
			 unsigned int frames, bool scribbled)
{
	unsigned int n, size = d->sizeimage[0];
	uint64_t prev_ns = 0;
	uint8_t *data;
	uint32_t stamp;
	struct dq_buf b;
	char what[64];
	int ret;

	for (n = 0; n < frames; n++) {
		ret = vdev_dqbuf(d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "DQBUF frame %u: %s", n, strerrorname_np(-ret));
		CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR), "frame %u: ERROR", n);
		CHECK(b.buf.sequence == n, "frame %u has sequence %u", n,
		      b.buf.sequence);
		CHECK(dq_timestamp_ns(&b) > prev_ns, "frame %u: timestamp not after the last", n);
		prev_ns = dq_timestamp_ns(&b);

		data = d->map[b.buf.index][0].addr;
		stamp = data[0] | data[1] << 8 | data[2] << 16 |
			(uint32_t)data[3] << 24;
		CHECK(stamp == n, "frame %u is stamped %u", n, stamp);
		snprintf(what, sizeof(what), "frame %u after the stamp", n);
		if (scribbled && n >= NUM_BUFFERS) {
			/* Every buffer got the byte in the first round */
			CHECK(data[SCRIBBLE_OFFSET] == SCRIBBLE,
			      "frame %u: the byte written into buffer %u was overwritten (pattern written again?)",
			      n, b.buf.index);
			data[SCRIBBLE_OFFSET] = first[SCRIBBLE_OFFSET];
			CHECK(buffers_match(what, data + 4, first + 4, size - 4),
			      "pattern differs from the first frame's");
			data[SCRIBBLE_OFFSET] = SCRIBBLE;
		} else {
			CHECK(buffers_match(what, data + 4, first + 4, size - 4),
			      "pattern differs from the first frame's");
			if (scribbled)
				data[SCRIBBLE_OFFSET] = SCRIBBLE;
		}
		CHECK(!vdev_qbuf(d, b.buf.index, NULL, NULL), "re-QBUF %u",
		      b.buf.index);
	}
}

/* Dequeues every buffer, so the producer has none */
static void dequeue_all(struct vdev *d)
{
	struct dq_buf b;
	unsigned int n;
	int ret;

	for (n = 0; n < d->count; n++) {
		ret = vdev_dqbuf(d, &b, DQBUF_TIMEOUT_MS);
		CHECK(!ret, "DQBUF %u of %u: %s", n, d->count, strerrorname_np(-ret));
	}
}

int main(void)
{
	unsigned long long idle_ticks;
	uint8_t *first;
	struct dq_buf b;
	double t, took;
	char comm[32];
	unsigned int i;
	struct vdev d;
	int fd, ret;

	test_init("vivbuf_instant");
	fd = open(INSTANT_PARAM, O_RDONLY);
	CHECK(fd >= 0, "open %s", INSTANT_PARAM);
	CHECK(read(fd, &instant_saved, 1) == 1, "read %s", INSTANT_PARAM);
	close(fd);
	atexit(restore_instant);
	set_instant('Y');

	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_YUYV, TEST_WIDTH, TEST_HEIGHT);
	CHECK(d.sizeimage[0] > SCRIBBLE_OFFSET, "sizeimage %u", d.sizeimage[0]);
	vdev_set_frame_rate(&d, 1);
	ret = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(ret == NUM_BUFFERS, "REQBUFS MMAP %u: %d", NUM_BUFFERS, ret);
	vdev_mmap_buffers(&d, PROT_READ | PROT_WRITE);
	for (i = 0; i < d.count; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %u", i);

	/* The reference: the first frame, stamp aside */
	t = now_s();
	vdev_streamon(&d);
	ret = vdev_dqbuf(&d, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF the first frame: %s", strerrorname_np(-ret));
	CHECK(b.buf.sequence == 0, "first sequence %u", b.buf.sequence);
	first = malloc(d.sizeimage[0]);
	CHECK(first, "malloc");
	memcpy(first, d.map[b.buf.index][0].addr, d.sizeimage[0]);
	CHECK(!buffer_is_zero(first + 4, d.sizeimage[0] - 4), "the first frame is all zero");
	vdev_streamoff(&d);

	/* Frames at once, stamped, the pattern written once per buffer */
	for (i = 0; i < d.count; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %u", i);
	vdev_streamon(&d);
	check_frames(&d, first, NUM_FRAMES, true);
	took = now_s() - t;
	diag("%u frames at 1 fps in %.1f s", NUM_FRAMES + 1, took);
	CHECK(took < INSTANT_LIMIT_S, "%u frames took %.1f s: the frame clock still runs?",
	      NUM_FRAMES + 1, took);

	/* No buffer queued: the producer sleeps */
	dequeue_all(&d);
	snprintf(comm, sizeof(comm), "vivbuf%u-cap", d.instance);
	idle_ticks = thread_ticks(comm);
	usleep(IDLE_S * 1000000);
	idle_ticks = thread_ticks(comm) - idle_ticks;
	diag("producer idle for %u s: %llu ticks of CPU", IDLE_S, idle_ticks);
	CHECK(idle_ticks <= IDLE_MAX_TICKS, "the producer used %llu ticks in %u s with no buffer queued",
	      idle_ticks, IDLE_S);
	t = now_s();
	vdev_streamoff(&d);
	took = now_s() - t;
	CHECK(took < 2, "STREAMOFF took %.1f s", took);

	/* STREAMON writes the pattern anew: the scribbles are gone */
	for (i = 0; i < d.count; i++)
		CHECK(!vdev_qbuf(&d, i, NULL, NULL), "QBUF %u", i);
	vdev_streamon(&d);
	check_frames(&d, first, 2 * NUM_BUFFERS, false);
	vdev_streamoff(&d);

	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	free(first);
	vdev_close(&d);
	return EXIT_PASS;
}
