#!/bin/sh
# make lint's checkpatch-compat gate, against the test kernel (tests/lint/gates).
kernel=$(tests/vm/kernel.sh) || exit 1
exec tests/lint/gates "$kernel/build" checkpatch-compat
