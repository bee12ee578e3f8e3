/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every helper of tests/tools needs: dying with a message, and ioctls
 * that survive signals.
 */
#ifndef TOOLS_UTIL_H
#define TOOLS_UTIL_H

#include <signal.h>

/*
 * Set by a signal handler to stop the program: xioctl() then returns EINTR
 * instead of retrying, so a blocking call cannot hold the program up.
 */
extern volatile sig_atomic_t tool_stop;

/* Print "PROGRAM: message" on stderr and exit(1). */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ioctl() that retries on EINTR unless tool_stop is set. */
int xioctl(int fd, unsigned long request, void *arg);

#endif /* TOOLS_UTIL_H */
