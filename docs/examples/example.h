/* SPDX-License-Identifier: GPL-2.0 */
/* The examples' only helper: stop at the first failing call, saying which. */
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call) do { \
	if ((call) < 0) { perror(#call); exit(1); } \
} while (0)
