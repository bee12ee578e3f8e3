// SPDX-License-Identifier: GPL-2.0
/*
 * kmemleak_scan: the last test of the test machine's main boot, which runs
 * with kmemleak=on (tests/check adds this suite to its end).
 * A kmemleak scan must report no unreferenced object allocated by our code
 * or by the vb2 / V4L2 / dma-buf code it drives: every record whose
 * allocation backtrace names one of them fails the test, and is printed.
 * Other records are only counted (they predate us or are not ours). A leak
 * found here may come from any suite that ran earlier in the same boot.
 *
 * The test kernel has CONFIG_DEBUG_KMEMLEAK=y but also
 * CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=y: kmemleak only runs when the guest
 * is booted with kmemleak=on (tests/vm/run --append kmemleak=on).
 * Otherwise the test skips, saying so.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
/* kmemleak ignores objects younger than 5 s: let the last test's settle. */
#define SETTLE_SECONDS	6
#define SCAN_WATCHDOG	280
#define REPORT_MAX	(4 << 20)

/* Backtrace symbols that make a leak ours. */
static const char *const ours[] = {
	"videobuf2", "vb2_", "vivbuf", "v4l2", "video_", "tpg_",
	"dma_buf", "dma_resv", "dma_fence", "dma-buf",
};

static bool record_is_ours(const char *rec, size_t len)
{
	unsigned int i;
	const char *p;

	for (i = 0; i < ARRAY_SIZE(ours); i++) {
		p = memmem(rec, len, ours[i], strlen(ours[i]));
		if (p)
			return true;
	}
	return false;
}

int main(void)
{
	unsigned int total = 0, mine = 0, i;
	const char *rec, *next, *end;
	struct timespec t0, t1;
	char *report;
	ssize_t n, len = 0;
	int fd;

	test_init("kmemleak_scan");
	alarm(SCAN_WATCHDOG);

	fd = open(KMEMLEAK, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		skip_test("%s does not exist: no kmemleak in this kernel", KMEMLEAK);
	CHECK(fd >= 0, "open %s", KMEMLEAK);

	sleep(SETTLE_SECONDS);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/*
	 * Twice: a scan only reports objects whose contents did not change
	 * since the previous one, so the first of a boot reports nothing.
	 */
	for (i = 0; i < 2; i++) {
		if (write(fd, "scan", 4) >= 0)
			continue;
		if (errno == EPERM || errno == EBUSY)
			skip_test("kmemleak is off in this boot (CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=y): boot with kmemleak=on, e.g. tests/vm/run --append kmemleak=on");
		CHECK(0, "write scan to %s", KMEMLEAK);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	diag("two kmemleak scans took %ld s", (long)(t1.tv_sec - t0.tv_sec));

	report = malloc(REPORT_MAX + 1);
	CHECK(report, "malloc");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek %s", KMEMLEAK);
	while (len < REPORT_MAX &&
	       (n = read(fd, report + len, REPORT_MAX - len)) > 0)
		len += n;
	CHECK(n >= 0, "read %s", KMEMLEAK);
	report[len] = '\0';
	close(fd);

	end = report + len;
	for (rec = strstr(report, "unreferenced object"); rec; rec = next) {
		next = strstr(rec + 1, "unreferenced object");
		total++;
		if (!record_is_ours(rec, (next ? next : end) - rec))
			continue;
		mine++;
		printf("# ---- leak of ours:\n");
		fwrite(rec, 1, (next ? next : end) - rec, stdout);
	}
	diag("kmemleak: %u unreferenced object(s), %u of them ours", total, mine);
	free(report);
	CHECK(!mine, "kmemleak found %u leak(s) of ours", mine);
	return EXIT_PASS;
}
