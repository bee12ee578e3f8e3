// SPDX-License-Identifier: GPL-2.0
/*
 * vb2_prepare_dmabuf_leak: a VIDIOC_QBUF of a two-plane DMABUF buffer that
 * fails on plane 0's map_dmabuf, or on plane 1's attach_dmabuf, must leave
 * no reference on plane 1's dma-buf.
 *
 * The mainline vb2 core leaks one there. __prepare_dmabuf() (since commit
 * 95af7c00f35b; 6.12 and 7.2 alike) takes a reference on every plane's
 * dma-buf first, then attaches and maps the planes one by one, handing
 * each reference to vb->planes[] once its plane is attached; when
 * attach_dmabuf fails on plane N, or map_dmabuf on plane N, it puts only
 * what vb->planes[] holds, and the references of the planes after N (and
 * of N itself for attach) are never put. PATCH below fixes it.
 *
 * The test cannot tell whether the kernel has that patch, so its rule is
 * "exactly the known leak, or none": every failed QBUF after which the
 * mainline code leaks must leave either no reference or exactly one more
 * on plane 1's dma-buf (the same in every such QBUF), and nothing else may
 * leak. The known leak passes, with a diagnostic naming the patch; no leak
 * passes (a fixed kernel); anything else fails: a reference kept on plane
 * 0's dma-buf, or on a plane vb2 had taken over, a leak after one failure
 * but not after another, our exported dma-bufs or MMAP planes
 * (live_dmabufs, live_buffers) not all gone at the end. A core from before
 * that commit (6.1) attaches every plane before mapping any and puts as it
 * goes: the counters of planes attached and mapped tell, and nothing may
 * leak there.
 *
 * Setup: vivbuf instance 1's output node (multi-planar, NV12M, 2 planes)
 * imports. Plane 0 is an EXPBUF of an MMAP buffer of instance 0's capture
 * node, plane 1 a udmabuf. Plane 1 is not one of our exports on purpose:
 * a leaked dma-buf of ours would hold the videobuf2_dmabuf module (and its
 * pages) for the rest of the boot, and the lifetime suite's rmmod of it
 * would fail on every unpatched kernel. The output node, so that the
 * importer's mappings are DMA_TO_DEVICE: DMA-API debugging tracks
 * DMA_FROM_DEVICE ones by cacheline, with allocations whose failure turns
 * it off for good (the attach variant injects allocation failures). Each
 * dma-buf's references are read from /proc/self/fdinfo ("count:") before
 * the QBUF and after REQBUFS(0) freed the buffer.
 *
 *  1. map variant: plane 0 claims one page more than its dma-buf holds;
 *     vb2 attaches it and the allocator's map_dmabuf refuses it: EINVAL.
 *  2. attach variant: our attach_dmabuf only allocates its own state, so
 *     userspace can make it fail only by fault injection: fail-nth
 *     (/proc/thread-self/fail-nth, with failslab counting GFP_KERNEL
 *     allocations, see tests/faults/faults.c). A probe QBUF whose plane 1
 *     claims one page too many counts the allocations up to plane 1's
 *     attach_dmabuf (map refuses the last plane: nothing to leak, fixed or
 *     not); then the allocations at and around that count are failed in
 *     turn until one fails plane 1's attach (ENOMEM with plane 0 attached
 *     and mapped, as imports and maps say). Skipped without failslab; if
 *     no count hits the attach, that is said, not failed.
 */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "common.h"
#include "failnth.h"

#define PATCH		"packaging/upstream/0001-media-videobuf2-core-put-the-dma-bufs-of-planes-not-yet-attached.patch"
#define NUM_PLANES	2
/* fail-nth for counting: more allocation calls than any QBUF makes */
#define COUNT_CALLS	100000

struct leak_test {
	struct vdev exp;	/* instance 0 capture: exports plane 0 */
	struct vdev out;	/* instance 1 output: imports, 2 planes */
	int fd[NUM_PLANES];	/* plane 0: our export, plane 1: udmabuf */
	size_t size[NUM_PLANES];
	unsigned int leaks;	/* failed QBUFs that left the known leak */
	unsigned int clean;	/* those that could have, and did not */
};

struct attempt {
	const char *what;
	uint32_t length[NUM_PLANES];
	unsigned int fail_nth;	/* 0: no injection */
	int ret;
	unsigned int left;	/* what fail-nth read after the QBUF */
	uint64_t imports;	/* planes attached by the QBUF */
	uint64_t maps;		/* planes mapped by the QBUF */
	long refs[NUM_PLANES];	/* references left on each dma-buf */
};

/* ---- fault injection --------------------------------------------------- */

/*
 * Only fail-nth may fail anything: probability 0 for everyone, and
 * failslab told to count GFP_KERNEL allocations (attach_dmabuf's) and
 * those of every cache. Written in this order, restored in reverse.
 */
static const struct fi_setting fi_settings[] = {
	{ "failslab/probability", "0" },
	{ "failslab/cache-filter", "N" },
	{ "failslab/ignore-gfp-wait", "N" },
};

/* Set fault injection up for fail-nth; false, and why, if there is none. */
static bool fi_setup(const char **why)
{
	if (access(DEBUGFS "/failslab", F_OK)) {
		*why = "no " DEBUGFS "/failslab (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)";
		return false;
	}
	if (fail_nth_open()) {
		*why = "no " FAIL_NTH " (CONFIG_FAULT_INJECTION)";
		return false;
	}
	fi_settings_apply(fi_settings, ARRAY_SIZE(fi_settings));
	return true;
}

/* ---- one QBUF ---------------------------------------------------------- */

/* References to the dma-buf of @fd: fdinfo's count (procfs's excluded). */
static long dmabuf_refs(int fd)
{
	char path[64], line[128];
	long count = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	CHECK(f, "open %s", path);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "count: %ld", &count) == 1)
			break;
	fclose(f);
	CHECK(count > 0, "%s: no dma-buf \"count:\" line", path);
	return count;
}

/* A new buffer 0: REQBUFS(0) puts every plane vb2 holds. */
static void reset_importer(struct leak_test *t)
{
	int n;

	n = vdev_reqbufs(&t->out, V4L2_MEMORY_DMABUF, 0);
	CHECK(!n, "%s: REQBUFS(0): %s", t->out.path, strerrorname_np(-n));
	n = vdev_reqbufs(&t->out, V4L2_MEMORY_DMABUF, 1);
	CHECK(n >= 1, "%s: REQBUFS DMABUF 1: %d", t->out.path, n);
}

static void run_qbuf(struct leak_test *t, struct attempt *a)
{
	struct dmabuf_counters before, after;
	long refs[NUM_PLANES];
	unsigned int p;

	for (p = 0; p < NUM_PLANES; p++)
		refs[p] = dmabuf_refs(t->fd[p]);
	dmabuf_counters_read(&before);
	/* Nothing but the QBUF may enter the kernel while fail-nth is armed */
	if (a->fail_nth)
		fail_nth_write(a->fail_nth);
	a->ret = vdev_qbuf(&t->out, 0, t->fd, a->length);
	if (a->fail_nth)
		a->left = fail_nth_disarm();
	dmabuf_counters_read(&after);
	a->imports = after.imports - before.imports;
	a->maps = after.maps - before.maps;

	reset_importer(t);
	for (p = 0; p < NUM_PLANES; p++)
		a->refs[p] = dmabuf_refs(t->fd[p]) - refs[p];

	diag("%s: QBUF %s, planes attached %llu, mapped %llu; references left: plane 0 %+ld, plane 1 %+ld",
	     a->what, a->ret ? strerrorname_np(-a->ret) : "succeeded",
	     (unsigned long long)a->imports, (unsigned long long)a->maps,
	     a->refs[0], a->refs[1]);
	CHECK(a->maps <= a->imports && a->imports <= NUM_PLANES,
	      "%s: %llu planes attached and %llu mapped",
	      a->what, (unsigned long long)a->imports,
	      (unsigned long long)a->maps);
	CHECK(!a->ret || a->imports < NUM_PLANES || a->maps < NUM_PLANES ||
	      a->ret == -ENOMEM,
	      "%s: QBUF failed (%s) after both planes were mapped", a->what,
	      strerrorname_np(-a->ret));
}

/*
 * The first plane whose reference the mainline vb2 core still kept only in
 * its own planes[] array when the QBUF failed, and so leaks: the plane
 * after the one map_dmabuf refused, or the one attach_dmabuf failed on (0
 * also when vb2 failed before attaching anything: nothing was taken then).
 * NUM_PLANES when vb->planes[] held them all, or when the core attached
 * more than one plane ahead of the maps: a core from before 95af7c00f35b
 * (6.1), which attaches every plane before mapping any, and takes and
 * records the references one plane at a time, has no such leak.
 */
static unsigned int first_not_taken_over(const struct attempt *a)
{
	if (!a->ret || a->imports > a->maps + 1)
		return NUM_PLANES;
	if (a->imports == a->maps + 1)
		return a->maps + 1;
	return a->imports;
}

/* Exactly the known leak, or none; counts which for the final verdict. */
static void check_refs(struct leak_test *t, const struct attempt *a)
{
	unsigned int from = first_not_taken_over(a), p;
	bool leaked = false;

	for (p = 0; p < NUM_PLANES; p++) {
		CHECK(a->refs[p] == 0 || a->refs[p] == 1,
		      "%s: plane %u's dma-buf has %+ld references after the QBUF and REQBUFS(0)",
		      a->what, p, a->refs[p]);
		CHECK(!a->refs[p] || p >= from,
		      "%s: plane %u's dma-buf kept a reference, yet vb2 had attached plane %u: not the known leak",
		      a->what, p, p);
		if (a->refs[p])
			leaked = true;
	}
	if (from >= NUM_PLANES)
		return;

	if (leaked) {
		for (p = from; p < NUM_PLANES; p++)
			CHECK(a->refs[p],
			      "%s: planes %u to %u were not attached, yet only some of their dma-bufs kept a reference: not the known leak",
			      a->what, from, NUM_PLANES - 1);
		/* Never meant to happen: plane 0 is ours (see the top). */
		CHECK(from == 1,
		      "%s: the dma-buf of plane 0, one of ours, kept a reference: the known vb2 leak, but it now holds videobuf2_dmabuf for the rest of the boot",
		      a->what);
		t->leaks++;
	} else if (from > 0) {
		/* (from 0: maybe no reference was taken at all) */
		t->clean++;
	}
	CHECK(!t->leaks || !t->clean,
	      "%s: the QBUFs that failed before plane 1 was attached left a reference on its dma-buf %u times and none %u times: not the known leak",
	      a->what, t->leaks, t->clean);
}

/* ---- the two variants -------------------------------------------------- */

static void map_variant(struct leak_test *t)
{
	struct attempt a = {
		.what = "map variant",
		.length = { t->size[0] + page_size(), t->size[1] },
	};

	/* Before 95af7c00f35b, vb2 attached plane 1 too before any map. */
	run_qbuf(t, &a);
	CHECK(a.ret == -EINVAL && a.imports >= 1 && a.maps == 0,
	      "%s: plane 0 claiming %u bytes of a %zu byte dma-buf: QBUF %s with %llu planes attached and %llu mapped, want EINVAL from plane 0's map",
	      a.what, a.length[0], t->size[0],
	      a.ret ? strerrorname_np(-a.ret) : "succeeded",
	      (unsigned long long)a.imports, (unsigned long long)a.maps);
	check_refs(t, &a);
}

static bool hit_plane1_attach(const struct attempt *a)
{
	return a->ret == -ENOMEM && !a->left && a->imports == 1 &&
	       a->maps == 1;
}

static void attach_variant(struct leak_test *t)
{
	struct attempt probe = {
		.what = "attach variant, counting probe",
		.length = { t->size[0], t->size[1] + page_size() },
		.fail_nth = COUNT_CALLS,
	};
	struct attempt a;
	const char *why;
	unsigned int calls, i;
	static const int delta[] = { 0, -1, 1, -2 };
	unsigned int lo = 1, hi = UINT_MAX;
	char what[96];
	bool dma_debug, hit = false;

	if (!fi_setup(&why)) {
		diag("attach variant skipped: %s", why);
		return;
	}
	dma_debug = dma_debug_off();

	run_qbuf(t, &probe);
	CHECK(probe.ret == -EINVAL && probe.imports == 2 && probe.maps == 1,
	      "%s: plane 1 claiming %u bytes of a %zu byte dma-buf: QBUF %s with %llu planes attached and %llu mapped, want EINVAL from plane 1's map",
	      probe.what, probe.length[1], t->size[1],
	      probe.ret ? strerrorname_np(-probe.ret) : "succeeded",
	      (unsigned long long)probe.imports,
	      (unsigned long long)probe.maps);
	check_refs(t, &probe);
	calls = COUNT_CALLS - probe.left;
	diag("%s: %u allocation calls up to plane 1's attach_dmabuf", probe.what,
	     calls);

	/*
	 * With kmemleak on, the last call is kmemleak's own allocation for
	 * the attach's, and it absorbs that failure: the attach is one call
	 * before. Nearby calls are tried too, in case the count moved; never
	 * below a call that failed plane 0's map (plane 0's attach, whose
	 * failure would leak our export, lies further down).
	 */
	for (i = 0; i < ARRAY_SIZE(delta); i++) {
		if ((int)calls + delta[i] < (int)lo || calls + delta[i] > hi)
			continue;
		memset(&a, 0, sizeof(a));
		a.fail_nth = calls + delta[i];
		snprintf(what, sizeof(what), "attach variant, allocation %u failing",
			 a.fail_nth);
		a.what = what;
		a.length[0] = t->size[0];
		a.length[1] = t->size[1];
		run_qbuf(t, &a);
		CHECK(!a.ret || a.ret == -ENOMEM, "%s: QBUF %s, want ENOMEM or success",
		      a.what, strerrorname_np(-a.ret));
		check_refs(t, &a);
		hit = hit_plane1_attach(&a);
		if (hit)
			break;
		if (!a.imports) {
			diag("%s: failed before plane 0 was attached: the count is off, trying no more",
			     a.what);
			break;
		}
		if (a.ret && !a.maps)
			lo = a.fail_nth + 1;	/* in plane 0's map */
		else if (!a.ret || a.imports == NUM_PLANES)
			hi = a.fail_nth - 1;	/* past plane 1's attach */
	}
	CHECK(dma_debug_off() == dma_debug,
	      "DMA-API debugging turned itself off during the attach variant (its own allocation failed): no later test of this boot is checked by it");
	if (!hit)
		diag("attach variant not exercised: no allocation near the count failed plane 1's attach_dmabuf");
	else
		diag("attach variant: plane 1's attach_dmabuf failed with ENOMEM, plane 0 attached and mapped");
}

int main(void)
{
	struct dmabuf_counters start, end;
	struct leak_test t;
	unsigned int p;
	int n;

	test_init("vb2_prepare_dmabuf_leak");
	memset(&t, 0, sizeof(t));
	vdev_open(&t.exp, 0);
	vdev_open_output(&t.out, 1);
	CHECK(t.out.mplane, "%s: instance 1's output node is meant to be multi-planar",
	      t.out.path);
	vdev_set_format(&t.exp, V4L2_PIX_FMT_XRGB32, TEST_WIDTH, TEST_HEIGHT);
	vdev_set_format(&t.out, V4L2_PIX_FMT_NV12M, TEST_WIDTH, TEST_HEIGHT);
	CHECK(t.out.num_planes == NUM_PLANES, "NV12M has %u planes",
	      t.out.num_planes);

	dmabuf_counters_read(&start);
	n = vdev_reqbufs(&t.exp, V4L2_MEMORY_MMAP, 1);
	CHECK(n >= 1, "%s: REQBUFS MMAP 1: %d", t.exp.path, n);
	t.fd[0] = vdev_expbuf(&t.exp, 0, 0, O_RDWR | O_CLOEXEC);
	CHECK(t.fd[0] >= 0, "%s: EXPBUF: %s", t.exp.path,
	      strerrorname_np(-t.fd[0]));
	t.size[0] = dmabuf_size(t.fd[0]);
	/* Room for one more page in the claim of the map variant */
	CHECK(t.size[0] >= t.out.sizeimage[0], "export of %zu bytes for a plane of %u",
	      t.size[0], t.out.sizeimage[0]);
	t.fd[1] = udmabuf_alloc(page_align(t.out.sizeimage[1]), NULL);
	t.size[1] = dmabuf_size(t.fd[1]);
	n = vdev_reqbufs(&t.out, V4L2_MEMORY_DMABUF, 1);
	CHECK(n >= 1, "%s: REQBUFS DMABUF 1: %d", t.out.path, n);

	map_variant(&t);
	attach_variant(&t);

	CHECK(!vdev_reqbufs(&t.out, V4L2_MEMORY_DMABUF, 0), "REQBUFS(0) %s",
	      t.out.path);
	for (p = 0; p < NUM_PLANES; p++)
		close(t.fd[p]);
	CHECK(!vdev_reqbufs(&t.exp, V4L2_MEMORY_MMAP, 0), "REQBUFS(0) %s",
	      t.exp.path);
	vdev_close(&t.out);
	vdev_close(&t.exp);
	dmabuf_counters_read(&end);
	CHECK(end.live_dmabufs == start.live_dmabufs,
	      "live_dmabufs %llu at the end, %llu at the start: plane 0's dma-buf (ours) is still alive, not the known leak",
	      (unsigned long long)end.live_dmabufs,
	      (unsigned long long)start.live_dmabufs);
	CHECK(end.live_buffers == start.live_buffers,
	      "live_buffers %llu at the end, %llu at the start: an MMAP plane is still alive",
	      (unsigned long long)end.live_buffers,
	      (unsigned long long)start.live_buffers);
	CHECK(end.maps - start.maps == end.unmaps - start.unmaps,
	      "imports mapped %llu times, unmapped %llu times",
	      (unsigned long long)(end.maps - start.maps),
	      (unsigned long long)(end.unmaps - start.unmaps));

	if (t.leaks) {
		diag("KNOWN MAINLINE BUG: after %u failed QBUF(s) the vb2 core (__prepare_dmabuf) kept a reference on the dma-buf of plane 1, which it had not attached yet, and it stays pinned until reboot",
		     t.leaks);
		diag("fixed by %s (not in this kernel); passing, as this is exactly that leak and nothing else",
		     PATCH);
	} else if (t.clean) {
		diag("no leak after %u failed QBUF(s) that the mainline vb2 core leaks after: this kernel has the fix (%s)",
		     t.clean, PATCH);
	} else {
		diag("no leak: this vb2 core attaches every plane before mapping any, as before 95af7c00f35b, which brought the leak");
	}
	return EXIT_PASS;
}
