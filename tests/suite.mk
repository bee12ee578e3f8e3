# SPDX-License-Identifier: GPL-2.0
#
# The build of a C test suite, included by its Makefile: one program per
# test, named after its .c file, built on the host into $(OUT) and run in
# the test guest. Every test is linked with $(SHARED) (no object files end
# up next to the programs the runner executes). The suite is named after its
# directory (tests/NAME, build/tests/NAME). The including Makefile sets:
#   SHARED   .c files every test is built with; those of the suite's own
#            directory are helpers, not tests
#   HEADERS  what the tests and helpers include
# and may set SUITE_CFLAGS (include paths, for the whole suite or one
# program) and LDLIBS, or add to the list of prerequisites of a program.
# CFLAGS stays the caller's (default -O2 -g): a suite's flags added to it
# before this file is read would replace that default.

OUT ?= ../../build/tests/$(notdir $(CURDIR))

ifeq ($(origin CC),default)
CC := gcc
endif
CFLAGS ?= -O2 -g
ALL_CFLAGS = $(CFLAGS) -Wall -Wextra -Werror -D_GNU_SOURCE -I../uapi $(SUITE_CFLAGS)

SOURCES := $(filter-out $(notdir $(SHARED)),$(wildcard *.c))
TESTS := $(SOURCES:.c=)
PROGRAMS := $(addprefix $(OUT)/,$(TESTS))

all: $(PROGRAMS)

$(OUT):
	mkdir -p $@

$(OUT)/%: %.c $(SHARED) $(HEADERS) Makefile ../suite.mk | $(OUT)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(SHARED) $(LDLIBS)

list:
	@echo $(TESTS)

clean:
	rm -f $(PROGRAMS)

.PHONY: all list clean
