#!/usr/bin/env bash
# Build (once) and cache the guest's Debian root file system: debootstrap
# minbase of the suite, then the packages of rootfs.packages installed with
# apt-get inside it, a pre-generated GStreamer registry and /sbin/vm-init.
# Prints the root directory.
#
#   tests/vm/rootfs.sh [--suite trixie]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=trixie
while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=$2; shift 2 ;;
	*) die "rootfs.sh: unknown argument $1" ;;
	esac
done

packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$VM_DIR/rootfs.packages")
# Bump when a change to this script changes what it builds.
recipe=1
hash=$( { echo "$suite recipe $recipe"; echo "$packages"; cat "$VM_DIR/vm-init"; } | input_hash)
out="$VM_CACHE/rootfs-$suite-$hash"
cache_claim "$out" .ready

mirror=$(host_mirror)
tmp="$out.tmp"
chroot_mounts=()
cleanup() {
	local m
	for m in "${chroot_mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT

rm -rf "$tmp"
log "debootstrap $suite (minbase) from $mirror"
# Debian 12's debootstrap has no script for suites newer than itself
# (forky): those are made like sid, which they follow.
script=
[ -e "/usr/share/debootstrap/scripts/$suite" ] || script=/usr/share/debootstrap/scripts/sid
debootstrap --variant=minbase "$suite" "$tmp" "$mirror" ${script:+"$script"} > "$VM_CACHE/rootfs-$suite.log" 2>&1 ||
	{ tail -n 20 "$VM_CACHE/rootfs-$suite.log" >&2; die "debootstrap failed"; }

# debootstrap's --include cannot resolve these dependencies; apt in the
# chroot can. A testing suite's Release file expires within a week, and the
# mirror may serve an expired one (signed and checked all the same).
for m in proc sys dev; do
	mount --bind "/$m" "$tmp/$m"
	chroot_mounts=("$tmp/$m" "${chroot_mounts[@]}")
done
cp /etc/resolv.conf "$tmp/etc/resolv.conf"
log "installing the guest packages"
# shellcheck disable=SC2086
chroot "$tmp" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c "
	apt-get -q -o Acquire::Check-Valid-Until=false update &&
	apt-get -q install -y --no-install-recommends $(echo $packages) &&
	apt-get clean" >> "$VM_CACHE/rootfs-$suite.log" 2>&1 ||
	{ tail -n 20 "$VM_CACHE/rootfs-$suite.log" >&2; die "package installation failed"; }

# Without a registry every boot would scan all plugins (over a minute under
# emulation). guest-init copies it to a writable place, so the scan for new
# plugin paths (ours) stays incremental.
chroot "$tmp" /usr/bin/env GST_REGISTRY=/var/cache/gstreamer-registry.bin \
	gst-inspect-1.0 > /dev/null 2>&1

install -m 0755 "$VM_DIR/vm-init" "$tmp/sbin/vm-init"
mkdir -p "$tmp/usr/lib/modules"
cleanup
chroot_mounts=()
rm -f "$tmp/etc/resolv.conf"
mv "$tmp" "$out"
touch "$out/.ready"
log "root file system ready: $(du -sh "$out" | cut -f1)"
echo "$out"
