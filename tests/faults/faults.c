// SPDX-License-Identifier: GPL-2.0
/*
 * The fault-injection walk of the faults suite, see faults.h.
 */
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include "failnth.h"
#include "faults.h"

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
static const struct fi_setting fi_settings[] = {
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

void fi_init(const char *name, unsigned int seconds)
{
	int ret;

	test_init(name);
	alarm(seconds);

	if (access(DEBUGFS "/failslab", F_OK) ||
	    access(DEBUGFS "/fail_page_alloc", F_OK))
		skip_test("no failslab/fail_page_alloc in debugfs (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)");
	ret = fail_nth_open();
	if (ret)
		skip_test("no %s: %s", FAIL_NTH, strerrorname_np(-ret));
	fi_settings_apply(fi_settings, ARRAY_SIZE(fi_settings));
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
		injected = !fail_nth_disarm();
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

void fi_renew_buffers(struct vdev *q)
{
	unsigned int count = q->count;
	int n;

	n = vdev_reqbufs(q, V4L2_MEMORY_MMAP, 0);
	CHECK(!n, "%s: REQBUFS 0: %s", q->path, strerrorname_np(-n));
	n = vdev_reqbufs(q, V4L2_MEMORY_MMAP, count);
	CHECK(n == (int)count, "%s: REQBUFS MMAP %u: %d", q->path, count, n);
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

