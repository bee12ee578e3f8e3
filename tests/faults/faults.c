// SPDX-License-Identifier: GPL-2.0
/*
 * The fault-injection walk of the faults suite, see faults.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "faults.h"

#define DEBUGFS		"/sys/kernel/debug"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define DMA_DEBUG_OFF	"dma-api/disabled"

/*
 * The settings of both fault types, written at start and restored at exit.
 * fail-nth alone picks the failing call, and only in this thread: it counts
 * the thread's calls into should_fail() and fails the Nth, whatever the
 * probability, interval, times and task filter say. Those are set so that
 * the attributes fail nothing on their own, now that ignore-gfp-wait is off
 * for everyone (GFP_KERNEL allocations would otherwise never be injected):
 * probability 0, and the task filter on (no task has make-it-fail set).
 * (The interval's counter cannot be reset and space counts bytes, so
 * neither can aim at the Nth allocation; the stacktrace filter, which could
 * aim at one function, is not in the test kernel.) verbose 2: each
 * injected failure that the caller did not ask to be quiet (__GFP_NOWARN)
 * logs a notice and a call trace, which the runner's splat check must take
 * for what it is (see fault_dump_not_a_splat.c).
 */
static const struct {
	const char *file;
	const char *value;
} fi_settings[] = {
	{ "failslab/probability", "0" },
	{ "failslab/task-filter", "Y" },
	{ "failslab/interval", "1" },
	{ "failslab/times", "-1" },
	{ "failslab/space", "0" },
	{ "failslab/verbose", "2" },
	{ "failslab/ignore-gfp-wait", "N" },
	{ "failslab/cache-filter", "N" },
	{ "fail_page_alloc/probability", "0" },
	{ "fail_page_alloc/task-filter", "Y" },
	{ "fail_page_alloc/interval", "1" },
	{ "fail_page_alloc/times", "-1" },
	{ "fail_page_alloc/space", "0" },
	{ "fail_page_alloc/verbose", "2" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ "fail_page_alloc/min-order", "0" },
};

static char fi_saved[ARRAY_SIZE(fi_settings)][32];
static int fail_nth_fd = -1;

static int debugfs_read(const char *file, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), DEBUGFS "/%s", file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int debugfs_write(const char *file, const char *value)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), DEBUGFS "/%s", file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void fi_restore(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fi_settings); i++)
		if (fi_saved[i][0])
			debugfs_write(fi_settings[i].file, fi_saved[i]);
}

void fi_init(const char *name, unsigned int seconds)
{
	unsigned int i;
	int ret;

	test_init(name);
	alarm(seconds);

	if (access(DEBUGFS "/failslab", F_OK) ||
	    access(DEBUGFS "/fail_page_alloc", F_OK))
		skip_test("no failslab/fail_page_alloc in debugfs (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)");
	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		skip_test("no %s: %s", FAIL_NTH, strerrorname_np(errno));

	for (i = 0; i < ARRAY_SIZE(fi_settings); i++) {
		ret = debugfs_read(fi_settings[i].file, fi_saved[i],
				   sizeof(fi_saved[i]));
		CHECK(!ret, "read %s: %s", fi_settings[i].file,
		      strerrorname_np(-ret));
	}
	atexit(fi_restore);
	for (i = 0; i < ARRAY_SIZE(fi_settings); i++) {
		ret = debugfs_write(fi_settings[i].file, fi_settings[i].value);
		CHECK(!ret, "write %s to %s: %s", fi_settings[i].value,
		      fi_settings[i].file, strerrorname_np(-ret));
	}
}

static void fail_nth_write(unsigned int n)
{
	char text[16];
	int len = snprintf(text, sizeof(text), "%u", n);

	CHECK(pwrite(fail_nth_fd, text, len, 0) == len, "write %u to %s",
	      n, FAIL_NTH);
}

/* Whether the armed failure was injected; disarms. */
static bool fail_nth_injected(void)
{
	char text[16];
	ssize_t len;

	/* Read before the write that disarms: a read allocates nothing. */
	len = pread(fail_nth_fd, text, sizeof(text) - 1, 0);
	CHECK(len > 0, "read %s", FAIL_NTH);
	text[len] = '\0';
	fail_nth_write(0);
	return strtoul(text, NULL, 10) == 0;
}

/*
 * DMA-API debugging (CONFIG_DMA_API_DEBUG) turns itself off for good when
 * one of its own allocations fails: the radix tree of its active-cacheline
 * tracking allocates (GFP_ATOMIC) on each mapping a device may write
 * (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL), and if that is the allocation made
 * to fail, it logs "cacheline tracking ENOMEM, dma-debug disabled" and
 * checks no mapping for the rest of the boot, every later suite included.
 * The walks stay away from such mappings (see reqbufs_mmap.c) and this
 * makes sure they did.
 */
static bool dma_debug_off(void)
{
	char text[8];

	return !debugfs_read(DMA_DEBUG_OFF, text, sizeof(text)) &&
	       text[0] == 'Y';
}

unsigned int fi_open_fds(void)
{
	unsigned int count = 0;
	struct dirent *e;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	CHECK(dir, "opendir /proc/self/fd");
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			count++;
	closedir(dir);
	/* Not the one opendir() holds */
	return count - 1;
}

void fi_state_read(struct fi_state *s)
{
	s->live_buffers = dmabuf_counter("live_buffers");
	s->live_dmabufs = dmabuf_counter("live_dmabufs");
	s->fences_pending = dmabuf_counter("fences_pending");
	s->maps_minus_unmaps = dmabuf_counter("maps") - dmabuf_counter("unmaps");
	s->lowest_fd = lowest_free_fd();
	s->open_fds = fi_open_fds();
	s->dma_debug_off = dma_debug_off();
}

void fi_state_check(const struct fi_state *before, const char *when)
{
	struct fi_state now;

	fi_state_read(&now);
	CHECK(now.dma_debug_off == before->dma_debug_off,
	      "%s: DMA-API debugging turned itself off (its own allocation failed): no later test of this boot is checked by it",
	      when);
	CHECK(now.live_buffers == before->live_buffers,
	      "%s: live_buffers %llu, %llu before: MMAP planes leaked", when,
	      (unsigned long long)now.live_buffers,
	      (unsigned long long)before->live_buffers);
	CHECK(now.live_dmabufs == before->live_dmabufs,
	      "%s: live_dmabufs %llu, %llu before: a dma_buf leaked", when,
	      (unsigned long long)now.live_dmabufs,
	      (unsigned long long)before->live_dmabufs);
	CHECK(now.fences_pending == before->fences_pending,
	      "%s: fences_pending %llu, %llu before", when,
	      (unsigned long long)now.fences_pending,
	      (unsigned long long)before->fences_pending);
	CHECK(now.maps_minus_unmaps == before->maps_minus_unmaps,
	      "%s: %llu import mappings alive, %llu before", when,
	      (unsigned long long)now.maps_minus_unmaps,
	      (unsigned long long)before->maps_minus_unmaps);
	CHECK(now.lowest_fd == before->lowest_fd &&
	      now.open_fds == before->open_fds,
	      "%s: %u fds open (lowest free %d), %u before (lowest free %d)",
	      when, now.open_fds, now.lowest_fd, before->open_fds,
	      before->lowest_fd);
}

static void record_outcome(struct fi_result *res, long outcome)
{
	unsigned int i;

	for (i = 0; i < res->num_outcomes; i++) {
		if (res->outcome[i] == outcome) {
			res->count[i]++;
			return;
		}
	}
	CHECK(res->num_outcomes < FI_MAX_OUTCOMES, "too many distinct outcomes");
	res->outcome[res->num_outcomes] = outcome;
	res->count[res->num_outcomes++] = 1;
}

static const char *outcome_name(long outcome, char *buf, size_t len)
{
	if (outcome < 0)
		snprintf(buf, len, "%s", strerrorname_np(-outcome));
	else
		snprintf(buf, len, "ok(%ld)", outcome);
	return buf;
}

void fi_walk(const struct fi_op *op, struct fi_result *res)
{
	struct fi_state before;
	char when[96], a[32], b[32];
	unsigned int n, i;
	long baseline, outcome;
	bool injected;
	int ret;

	memset(res, 0, sizeof(*res));
	fi_state_read(&before);

	/* Without injection: the outcome every failure is compared with. */
	ret = op->run(op->ctx);
	CHECK(!ret, "%s without injection: %s", op->name,
	      strerrorname_np(-ret));
	baseline = op->check(op->ctx, ret);
	CHECK(baseline >= 0, "%s without injection: outcome %ld", op->name,
	      baseline);
	snprintf(when, sizeof(when), "%s without injection", op->name);
	fi_state_check(&before, when);

	for (n = op->first; n <= FI_MAX_CALLS; n++) {
		fail_nth_write(n);
		ret = op->run(op->ctx);
		injected = fail_nth_injected();
		outcome = op->check(op->ctx, ret);

		snprintf(when, sizeof(when), "%s, allocation %u failing%s",
			 op->name, n, injected ? "" : " (not reached)");
		fi_state_check(&before, when);
		if (!injected) {
			CHECK(outcome == baseline, "%s: outcome %s, %s without injection",
			      when, outcome_name(outcome, a, sizeof(a)),
			      outcome_name(baseline, b, sizeof(b)));
			break;
		}
		if (outcome == baseline) {
			res->absorbed++;
			continue;
		}
		CHECK(outcome >= 0 || outcome == -ENOMEM ||
		      (op->also && outcome == -op->also),
		      "%s: unexpected error %s", when,
		      outcome_name(outcome, a, sizeof(a)));
		res->hits++;
		record_outcome(res, outcome);
	}
	CHECK(n <= FI_MAX_CALLS, "%s: more than %u allocation calls", op->name,
	      FI_MAX_CALLS);
	res->calls = n - 1;

	diag("%s: %u allocation calls from N=%u, %u injection points hit, %u absorbed",
	     op->name, res->calls - (op->first - 1), op->first, res->hits,
	     res->absorbed);
	for (i = 0; i < res->num_outcomes; i++)
		diag("%s:   %s (baseline %s) x%u", op->name,
		     outcome_name(res->outcome[i], a, sizeof(a)),
		     outcome_name(baseline, b, sizeof(b)), res->count[i]);
}

void fi_open(struct vdev *q, unsigned int instance, bool output,
	     struct v4l2_format *orig)
{
	struct vdev d;

	if (output)
		vdev_open_output(&d, instance);
	else
		vdev_open(&d, instance);
	queue_init(q, d.fd, d.path, d.type, orig);
	q->instance = instance;
	q->output = output;
}

void fi_capture_setup(struct vdev *q, unsigned int instance,
		      struct v4l2_format *orig, bool frames)
{
	struct dq_buf b;
	unsigned int i;
	int n;

	fi_open(q, instance, false, orig);
	n = vdev_reqbufs(q, V4L2_MEMORY_MMAP, NUM_BUFFERS);
	CHECK(n == NUM_BUFFERS, "%s: REQBUFS MMAP %u: %d", q->path,
	      NUM_BUFFERS, n);
	if (!frames)
		return;
	/* One round, so that every buffer holds a frame. */
	for (i = 0; i < NUM_BUFFERS; i++)
		CHECK(!vdev_qbuf(q, i, NULL, NULL), "%s: QBUF %u", q->path, i);
	vdev_streamon(q);
	for (i = 0; i < NUM_BUFFERS; i++) {
		n = vdev_dqbuf(q, &b, DQBUF_TIMEOUT_MS);
		CHECK(!n, "%s: DQBUF: %s", q->path, strerrorname_np(-n));
		CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR),
		      "%s: buffer %u has the ERROR flag", q->path, b.buf.index);
	}
	vdev_streamoff(q);
}

