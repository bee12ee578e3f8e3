#!/usr/bin/env bash
# The kernel of a tier that boots a distribution's stock kernel instead of a
# build of ours: for 6.1, Debian 12's linux-image-amd64 and
# linux-headers-amd64, installed on the host as packages by tests/deps.sh
# (they are only booted by QEMU and built against, never the host's own
# kernel). Prints a cache directory laid out like kernel.sh's:
#   bzImage              the package's /boot/vmlinuz-RELEASE
#   modules/lib/modules  the package's /lib/modules (shared with the guest)
#   build                its headers, KDIR for the project's modules
#   release              RELEASE
#   initrd.img           a small initramfs (busybox, the virtio and 9p
#                        modules, tests/vm/initramfs-init) that mounts the
#                        9p root: Debian builds those drivers as modules
# cached keyed by a hash of the package version and the initramfs recipe.
#
#   tests/vm/stock-kernel.sh 6.1
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: stock-kernel.sh 6.1}
case $kver in
6.1) ;;
*) die "stock-kernel.sh: no stock kernel for $kver (supported: 6.1)" ;;
esac

"$TOP_DIR/tests/deps.sh" --kernel "$kver" >&2 ||
	die "the $kver tier's packages are missing (tests/deps.sh --kernel $kver, as root)"

# The newest installed $kver.* image (linux-image-amd64 depends on it).
release=$(find /boot -maxdepth 1 -name "vmlinuz-$kver.*" -printf '%f\n' |
	sed 's/^vmlinuz-//' | sort -V | tail -n 1)
[ -n "$release" ] || die "no /boot/vmlinuz-$kver.* (is linux-image-amd64 installed?)"
[ -d "/lib/modules/$release/kernel" ] || die "no /lib/modules/$release"
headers=/usr/src/linux-headers-$release
[ -f "$headers/Makefile" ] || die "no $headers (is linux-headers-amd64 installed?)"
debver=$(dpkg-query -W -f='${Version}' "linux-image-$release")

# The drivers the initramfs loads, with what they depend on, in load order.
initramfs_modules="virtio_pci 9pnet_virtio 9p"
# Bump when a change to this script changes what it makes.
recipe=1
hash=$( {
	echo "linux-image-$release $debver recipe $recipe $initramfs_modules"
	cat "$VM_DIR/initramfs-init"
} | input_hash)
out="$VM_CACHE/kernel-$kver-$hash"
cache_claim "$out" ready

log "making the $kver tier's kernel directory (Debian $release $debver) and initramfs"
rm -rf "$out" && mkdir -p "$out/modules/lib"
ln -s "/boot/vmlinuz-$release" "$out/bzImage"
ln -s /lib/modules "$out/modules/lib/modules"
ln -s "$headers" "$out/build"
echo "$release" > "$out/release"

stage=$out/initramfs
mkdir -p "$stage"/{bin,dev,proc,sys,newroot}
busybox=$(command -v busybox) || die "no busybox (busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
	die "$busybox is not statically linked (install busybox-static)"
cp "$busybox" "$stage/bin/busybox"
install -m 0755 "$VM_DIR/initramfs-init" "$stage/init"
# The console node, so that /init has one from the start (it opens
# devtmpfs's otherwise).
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
for m in $initramfs_modules; do modprobe -S "$release" --show-depends "$m"; done |
	awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' > "$stage/modules.list"
[ -s "$stage/modules.list" ] || die "modprobe resolved no module of: $initramfs_modules"
while read -r ko; do
	mkdir -p "$stage$(dirname "$ko")"
	cp "$ko" "$stage$ko"
done < "$stage/modules.list"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -9 > "$out/initrd.img"
cp "$stage/modules.list" "$out/initramfs.modules"
rm -rf "$stage"
log "initramfs: $(du -h "$out/initrd.img" | cut -f1), $(wc -l < "$out/initramfs.modules") modules"
touch "$out/ready"
echo "$out"
