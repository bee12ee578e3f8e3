#!/bin/sh
# make lint's checkpatch gate, against the newest kernel tree
# of the tiers asked for (tests/lib/source-tiers, tests/lint/gates).
tier=$(tests/lib/source-tiers | cut -d" " -f1)
kernel=$(tests/vm/kernel.sh --kernel "$tier") || exit 1
exec tests/lint/gates "$kernel/build" checkpatch
