#!/bin/sh
# make lint's exported-kernel-doc gate, against the test kernel (tests/lint/gates).
kernel=$(tests/vm/kernel.sh) || exit 1
exec tests/lint/gates "$kernel/build" exported-kernel-doc
