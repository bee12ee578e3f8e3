// SPDX-License-Identifier: GPL-2.0
/*
 * The runner's splat check (tests/vm/find-splat) and fault injection: an
 * injected allocation failure logs "FAULT_INJECTION: forcing a failure."
 * and, at verbose 2, a call trace, which is no splat and must not fail the
 * test that caused it; but a real splat logged amid such dumps must still
 * be found.
 *
 * One EXPBUF is made to fail (its dma_buf allocation, which does not ask
 * for silence), the kernel log it produced is saved as the runner would
 * see it and given to find-splat, which must find nothing; then the same
 * log with a WARNING line inserted right after the notice, which it must
 * find.
 */
#include <fcntl.h>
#include <unistd.h>

#include "faults.h"

#define KMSG		"/dev/kmsg"
#define LOG_CLEAN	"/tmp/faults-dump.log"
#define LOG_WARN	"/tmp/faults-dump-warn.log"
#define FAKE_WARNING	"WARNING: CPU: 0 PID: 1 at drivers/media/common/videobuf2/videobuf2-dmabuf.c:1 vb2_dmabuf_fake+0x0/0x10 [videobuf2_dmabuf]"
/* The fault attributes print at most 10 reports per 5 s. */
#define RATELIMIT_SECONDS	6

/* Arms fail-nth for the Nth call; ../uapi/failnth.c owns the file. */
static int fail_nth(unsigned int n)
{
	char text[16];
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	int len = snprintf(text, sizeof(text), "%u", n), ret;

	CHECK(fd >= 0, "open fail-nth");
	ret = write(fd, text, len) == len ? 0 : -errno;
	close(fd);
	return ret;
}

/* Appends the new kernel log records to @out, one line each. */
static unsigned int save_kmsg(int kmsg, FILE *out, FILE *out_warn)
{
	char rec[2048], *text;
	unsigned int lines = 0;
	ssize_t n;

	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = '\0';
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		text[strcspn(text, "\n")] = '\0';
		fprintf(out, "%s\n", text);
		fprintf(out_warn, "%s\n", text);
		if (strstr(text, "FAULT_INJECTION: forcing a failure"))
			fprintf(out_warn, "%s\n", FAKE_WARNING);
		lines++;
	}
	return lines;
}

static int find_splat(const char *log)
{
	char cmd[256];
	int ret;

	snprintf(cmd, sizeof(cmd), "tests/vm/find-splat %s > /dev/null", log);
	ret = system(cmd);
	CHECK(ret >= 0 && WIFEXITED(ret), "%s", cmd);
	return WEXITSTATUS(ret);
}

int main(void)
{
	struct v4l2_format orig;
	FILE *clean, *warn;
	unsigned int n, lines;
	int kmsg, fd = -1;
	char line[512];
	bool notice = false, trace = false;
	struct vdev q;

	fi_init("fault_dump_not_a_splat", 120);
	if (access("tests/vm/find-splat", X_OK))
		skip_test("no tests/vm/find-splat (not run from the checkout)");
	fi_capture_setup(&q, 0, &orig, false);

	kmsg = open(KMSG, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	CHECK(kmsg >= 0, "open %s", KMSG);
	CHECK(lseek(kmsg, 0, SEEK_END) >= 0, "seek to the end of %s", KMSG);
	sleep(RATELIMIT_SECONDS);

	/*
	 * The first allocation of EXPBUF that makes it fail. A plane keeps
	 * the dma_buf it exported, so the buffers are renewed after each
	 * success: every attempt is a first export, which allocates.
	 */
	for (n = 1; n < 100 && fd < 0; n++) {
		CHECK(!fail_nth(n), "arm fail-nth %u", n);
		fd = vdev_expbuf(&q, 0, 0, O_CLOEXEC);
		fail_nth(0);
		if (fd >= 0) {
			close(fd);
			fd = -1;
			fi_renew_buffers(&q);
		} else {
			break;
		}
	}
	CHECK(fd < 0 && n < 100, "no allocation failure made EXPBUF fail");
	diag("EXPBUF failed (%s) with allocation %u failing",
	     strerrorname_np(-fd), n);

	clean = fopen(LOG_CLEAN, "w");
	warn = fopen(LOG_WARN, "w");
	CHECK(clean && warn, "create %s, %s", LOG_CLEAN, LOG_WARN);
	lines = save_kmsg(kmsg, clean, warn);
	fclose(clean);
	fclose(warn);
	close(kmsg);

	clean = fopen(LOG_CLEAN, "r");
	CHECK(clean, "open %s", LOG_CLEAN);
	while (fgets(line, sizeof(line), clean)) {
		notice |= !!strstr(line, "FAULT_INJECTION: forcing a failure");
		trace |= !!strstr(line, "Call Trace:");
	}
	fclose(clean);
	diag("%u kernel log lines, notice %s, call trace %s", lines,
	     notice ? "yes" : "no", trace ? "yes" : "no");
	CHECK(notice && trace,
	      "the injected failure logged no notice with a call trace");

	CHECK(find_splat(LOG_CLEAN) == 1,
	      "find-splat takes a fault-injection report for a splat (see %s)",
	      LOG_CLEAN);
	CHECK(find_splat(LOG_WARN) == 0,
	      "find-splat misses a WARNING amid a fault-injection report (see %s)",
	      LOG_WARN);
	unlink(LOG_CLEAN);
	unlink(LOG_WARN);

	queue_reset(&q);
	queue_close(&q, &orig);
	return EXIT_PASS;
}
