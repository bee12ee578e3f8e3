// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection by fail-nth, see failnth.h.
 */
#include <fcntl.h>
#include <unistd.h>

#include "common.h"
#include "failnth.h"

#define DMA_DEBUG_OFF	"dma-api/disabled"	/* in debugfs */
#define FI_MAX_SETTINGS	32

static const struct fi_setting *fi_settings;
static unsigned int fi_count;
static char fi_saved[FI_MAX_SETTINGS][32];
static int fail_nth_fd = -1;

int debugfs_read(const char *file, char *buf, size_t len)
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

int debugfs_write(const char *file, const char *value)
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

/*
 * In reverse: what a test writes first to keep the rest harmless (a
 * probability of 0) goes back last.
 */
static void fi_restore(void)
{
	unsigned int i = fi_count;

	while (i--)
		if (fi_saved[i][0])
			debugfs_write(fi_settings[i].file, fi_saved[i]);
}

void fi_settings_apply(const struct fi_setting *settings, unsigned int count)
{
	unsigned int i;
	int ret;

	/* One table to restore, registered once. */
	CHECK(!fi_settings && count <= FI_MAX_SETTINGS,
	      "fault-injection settings: %u, or applied twice", count);
	for (i = 0; i < count; i++) {
		ret = debugfs_read(settings[i].file, fi_saved[i],
				   sizeof(fi_saved[i]));
		CHECK(!ret, "read %s: %s", settings[i].file,
		      strerrorname_np(-ret));
	}
	fi_settings = settings;
	fi_count = count;
	atexit(fi_restore);
	for (i = 0; i < count; i++) {
		ret = debugfs_write(settings[i].file, settings[i].value);
		CHECK(!ret, "write %s to %s: %s", settings[i].value,
		      settings[i].file, strerrorname_np(-ret));
	}
}

int fail_nth_open(void)
{
	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	return fail_nth_fd < 0 ? -errno : 0;
}

void fail_nth_write(unsigned int n)
{
	char text[16];
	int len = snprintf(text, sizeof(text), "%u", n);

	CHECK(pwrite(fail_nth_fd, text, len, 0) == len, "write %u to %s", n,
	      FAIL_NTH);
}

unsigned int fail_nth_disarm(void)
{
	char text[16];
	ssize_t len;

	/* Read before the write that disarms: a read allocates nothing. */
	len = pread(fail_nth_fd, text, sizeof(text) - 1, 0);
	CHECK(len > 0, "read %s", FAIL_NTH);
	text[len] = '\0';
	fail_nth_write(0);
	return strtoul(text, NULL, 10);
}

bool dma_debug_off(void)
{
	char text[8];

	return !debugfs_read(DMA_DEBUG_OFF, text, sizeof(text)) &&
	       text[0] == 'Y';
}
