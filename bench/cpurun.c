// SPDX-License-Identifier: GPL-2.0
/*
 * cpurun: run a command and say what it cost.
 *
 *   cpurun OUT-FILE CMD [ARG...]
 *
 * Runs CMD (its output goes wherever ours goes), waits for it and appends
 * one line of key=value pairs to OUT-FILE:
 *
 *   status   CMD's exit status (128 + signal if it was killed)
 *   wall_us  elapsed time, CLOCK_MONOTONIC
 *   user_us, sys_us  CPU time of CMD and every descendant it waited for
 *            (getrusage RUSAGE_CHILDREN): the pipeline process and its threads
 *   busy_us, total_us  the whole machine's CPU time from /proc/stat, busy
 *            (all but idle and iowait) and total, summed over all CPUs: also
 *            counts kernel threads and interrupts that work for CMD, e.g. a
 *            virtual device's frame generator
 *
 * The benchmark runs this inside the test machine, whose userland may lack
 * /usr/bin/time; it is built on the host and needs only libc.
 * Exit status: CMD's, or 125 when CMD could not be run or measured.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct machine_cpu {
	unsigned long long busy;	/* clock ticks */
	unsigned long long total;
};

/* The "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal ... */
static int read_machine_cpu(struct machine_cpu *m)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -1;
	/*
	 * guest and guest_nice (fields 9 and 10) are already part of user
	 * and nice, so they are left out of the total.
	 */
	m->total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	m->busy = m->total - v[3] - v[4];
	return 0;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long long tv_us(const struct timeval *tv)
{
	return tv->tv_sec * 1000000LL + tv->tv_usec;
}

int main(int argc, char **argv)
{
	struct machine_cpu before, after;
	long long start, wall;
	struct rusage ru;
	long tick_us;
	int status, rc;
	FILE *out;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: cpurun OUT-FILE CMD [ARG...]\n");
		return 125;
	}
	tick_us = 1000000L / sysconf(_SC_CLK_TCK);
	if (read_machine_cpu(&before)) {
		perror("cpurun: /proc/stat");
		return 125;
	}
	start = now_us();
	pid = fork();
	if (pid < 0) {
		perror("cpurun: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "cpurun: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("cpurun: waitpid");
			return 125;
		}
	}
	wall = now_us() - start;
	if (read_machine_cpu(&after) || getrusage(RUSAGE_CHILDREN, &ru)) {
		perror("cpurun: measuring");
		return 125;
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	out = fopen(argv[1], "a");
	if (!out) {
		perror(argv[1]);
		return 125;
	}
	fprintf(out, "status=%d wall_us=%lld user_us=%lld sys_us=%lld busy_us=%llu total_us=%llu\n",
		rc, wall, tv_us(&ru.ru_utime), tv_us(&ru.ru_stime),
		(after.busy - before.busy) * tick_us,
		(after.total - before.total) * tick_us);
	if (fclose(out)) {
		perror(argv[1]);
		return 125;
	}
	return rc;
}
