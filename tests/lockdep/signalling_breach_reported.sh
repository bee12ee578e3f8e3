#!/usr/bin/env bash
# Lockdep watches vivbuf's fence-signalling sections: the negative test of
# the rule every other test relies on. vivbuf runs each frame's device work
# inside dma_fence_begin_signalling()/end, so that lockdep checks in every
# test that nothing there may wait for memory reclaim or a lock that a fence
# waiter holds (the dma-fence rules: a fence must signal in finite time).
# That proves something only if a breach would be reported. This test boots
# a test machine of its own, arms one breach (vivbuf's "Fence Signalling
# Breaches" control: the capture producer allocates with GFP_KERNEL inside
# its section once) and captures frames; the kernel log must then hold
# lockdep's report of a possible deadlock between the fence signalling map
# and reclaim, with the breach in its backtrace, and nothing else.
# Broken on purpose, e.g. with the producer's dma_fence_begin_signalling()
# removed, the report does not come and the test fails.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

kernel=$(tests/vm/kernel.sh) || fail "no test kernel (tests/vm/kernel.sh)"
grep -q '^CONFIG_PROVE_LOCKING=y' "$kernel/build/.config" ||
	fail "the test kernel has no lockdep (CONFIG_PROVE_LOCKING)"
make -s modules KDIR="$kernel/build" || fail "the modules do not build"
tests/vm/rootfs.sh > /dev/null || fail "no guest root (tests/vm/rootfs.sh)"

results=build/check/vm-lockdep
rc=0
tests/vm/run --results "$results" --timeout 500 -- tests/lockdep/guest-breach || rc=$?
log=$results/dmesg.txt
[ -s "$log" ] || log=$results/console.log
echo "# tests/vm/run exited $rc (98: a splat in the guest log)"

guest_rc=$(cat "$results/rc" 2>/dev/null || echo none)
[ "$guest_rc" = 0 ] || {
	tail -n 20 "$results/console.log"
	fail "the guest command failed (exit $guest_rc): the breach was not armed and taken"
}
grep -h '^breach armed' "$results/console.log" "$log" 2>/dev/null | head -n 1 | sed 's/^/# /'
[ ! -f "$results/unload-failed" ] || fail "a project module stayed in use after the guest command"

report=$(sed -n '/WARNING: possible circular locking dependency detected/,/^ *<\/TASK>/p' "$log")
[ -n "$report" ] || {
	tests/vm/find-splat "$log"
	fail "lockdep reported no circular locking dependency for the breach"
}
echo "$report" | head -n 60 | sed 's/^/# /'
for want in dma_fence_map fs_reclaim vivbuf_inject_signalling_breach vivbuf_producer; do
	grep -q "$want" <<< "$report" || fail "lockdep's report does not name $want"
done
# The breach is the only splat of the boot.
others=$(grep -E -f <(grep -v '^#' tests/vm/splat-patterns | grep -v '^$') "$log" |
	grep -v 'WARNING: possible circular locking dependency detected')
[ -z "$others" ] || fail "other splats in the guest log: $others"
[ "$rc" = 98 ] || fail "tests/vm/run exited $rc, want 98: it did not see the report as a splat"
echo "# lockdep reported the GFP_KERNEL allocation inside vivbuf's fence-signalling section"
