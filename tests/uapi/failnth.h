/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection by fail-nth, for the faults suite (tests/faults/faults.c)
 * and vb2_prepare_dmabuf_leak: the fault attributes in debugfs, set for the
 * test and restored at exit, and the thread's fail-nth file, which fails
 * the Nth call of this thread into should_fail() (failslab: kmalloc,
 * kmem_cache_alloc; fail_page_alloc: alloc_pages), whatever the
 * attributes' probability says.
 */
#ifndef UAPI_TEST_FAILNTH_H
#define UAPI_TEST_FAILNTH_H

#include <stdbool.h>
#include <stddef.h>

#define DEBUGFS		"/sys/kernel/debug"
#define FAIL_NTH	"/proc/thread-self/fail-nth"

/* A fault attribute, relative to DEBUGFS, and the value the test wants. */
struct fi_setting {
	const char *file;
	const char *value;
};

/* The first line of the debugfs attribute @file into @buf; 0 or -errno. */
int debugfs_read(const char *file, char *buf, size_t len);
/* Write @value to the debugfs attribute @file; 0 or -errno. */
int debugfs_write(const char *file, const char *value);

/*
 * Save the current values of the @count attributes of @settings, have them
 * written back at exit (in reverse order), then write @settings in order.
 * Once per process; a failed read or write fails the test.
 */
void fi_settings_apply(const struct fi_setting *settings, unsigned int count);

/* Open this thread's fail-nth for the two calls below; 0 or -errno. */
int fail_nth_open(void);
/* Arm fail-nth: this thread's @n'th call into should_fail() fails. */
void fail_nth_write(unsigned int n);
/* What is left of the count (0: the Nth call failed); disarms. */
unsigned int fail_nth_disarm(void);

/*
 * Whether DMA-API debugging has turned itself off (false if absent).
 * CONFIG_DMA_API_DEBUG does so for good when one of its own allocations
 * fails: the radix tree of its active-cacheline tracking allocates
 * (GFP_ATOMIC) on each mapping a device may write (DMA_FROM_DEVICE,
 * DMA_BIDIRECTIONAL), and if that is the allocation made to fail, it logs
 * "cacheline tracking ENOMEM, dma-debug disabled" and checks no mapping for
 * the rest of the boot, every later suite included. Tests under injection
 * stay away from such mappings (see tests/faults/reqbufs_mmap.c) and check
 * with this that they did.
 */
bool dma_debug_off(void);

#endif /* UAPI_TEST_FAILNTH_H */
