#!/bin/sh
# make lint's sparse gate (tests/lint/gates), against the default tier's
# kernel, 6.12: newer trees (7.x) need a newer sparse than Debian 12's 0.6.4
# and would build without it.
kernel=$(tests/vm/kernel.sh) || exit 1
exec tests/lint/gates "$kernel/build" sparse
