#!/bin/sh
# make lint's cppcheck gate, against the test kernel (tests/lint/gates).
kernel=$(tests/vm/kernel.sh) || exit 1
exec tests/lint/gates "$kernel/build" cppcheck
