#!/usr/bin/env bash
# Build (once) and cache the test kernel: Debian's linux-source-X.Y, tinyconfig
# plus kernel.config, debug options on. Prints the cache directory, which
# holds bzImage, modules/ (INSTALL_MOD_PATH) and build/ (KDIR for the
# project's modules). The 6.1 tier boots Debian 12's stock kernel instead:
# stock-kernel.sh prints its directory, laid out the same way.
#
#   tests/vm/kernel.sh [--kernel 6.12|7.2|6.1]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=6.12
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	*) die "kernel.sh: unknown argument $1" ;;
	esac
done
[ "$kver" != 6.1 ] || exec "$VM_DIR/stock-kernel.sh" "$kver"
suite=$(tier_suite "$kver")

pkg=linux-source-$kver
mkdir -p "$VM_CACHE"

# The newest $pkg of $suite; the package list is refreshed once a day.
lists="$VM_CACHE/apt-$suite/lists"
if [ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
	log "refreshing the $suite package list"
	suite_apt "$suite" apt-get update >/dev/null
fi
debver=$(suite_apt "$suite" apt-cache show "$pkg" | awk '/^Version:/{print $2; exit}')
[ -n "$debver" ] || die "$pkg not found in $suite"

# Bump when a change to this script changes what it builds.
recipe=1
hash=$( { echo "$pkg $debver recipe $recipe"; cat "$VM_DIR/kernel.config"; } | input_hash)
out="$VM_CACHE/kernel-$kver-$hash"
cache_claim "$out" ready

src="$VM_CACHE/src/$pkg-$debver"
if [ ! -f "$src/.extracted" ]; then
	log "fetching $pkg $debver"
	rm -rf "$src" && mkdir -p "$src"
	(cd "$src" && suite_apt "$suite" apt-get download "$pkg=$debver" >/dev/null)
	dpkg-deb --fsys-tarfile "$src"/"${pkg}"_*.deb |
		tar -xO "./usr/src/$pkg.tar.xz" | tar -xJ -C "$src" --strip-components=1
	rm -f "$src"/*.deb
	touch "$src/.extracted"
fi

rm -rf "$out" && mkdir -p "$out/build"
export CCACHE_DIR="$VM_CACHE/ccache"
# ccache hashes the compiler's input, so the per-run build directory and the
# debian source path do not defeat it.
kmake() {
	make -C "$src" O="$out/build" ARCH=x86_64 CC="ccache gcc" \
		KBUILD_BUILD_TIMESTAMP=v4l2-dmabuf KBUILD_BUILD_USER=vm \
		KBUILD_BUILD_HOST=vm -j"$(nproc)" "$@"
}

log "configuring $pkg $debver (tinyconfig + kernel.config)"
kmake tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out/build" \
	"$out/build/.config" "$VM_DIR/kernel.config" >/dev/null
kmake olddefconfig >/dev/null

# merge_config drops options whose dependencies are unmet without failing:
# insist that every option of the fragment is in the final config as asked.
# An option this kernel does not have at all is only reported: the fragment
# serves every tier, and newer kernels fold some debug options into others
# (7.x checks scatterlists under DMA_API_DEBUG, without DMA_API_DEBUG_SG).
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	opt=${want#\# }; opt=${opt%%[= ]*}
	got=$(grep -E "^(# )?$opt[= ]" "$out/build/.config" || echo "# $opt is not set")
	if [ "$got" != "$want" ] &&
		! grep -rqsxE --include='Kconfig*' "(menu)?config ${opt#CONFIG_}" "$src"; then
		log "config: $opt does not exist in $kver, left out"
	elif [ "$got" != "$want" ]; then
		log "config: wanted '$want', got '$got'"
		missing=1
	fi
done < "$VM_DIR/kernel.config"
[ "$missing" = 0 ] || die "kernel config does not hold every option of kernel.config"

log "building the $kver test kernel (cached in $out; ~15 min on 2 cores the first time)"
start=$(date +%s)
kmake bzImage modules > "$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "kernel build failed (log: $out/build.log)"; }
kmake INSTALL_MOD_PATH="$out/modules" modules_install >/dev/null
cp "$out/build/arch/x86/boot/bzImage" "$out/bzImage"
kmake -s kernelrelease > "$out/release"
log "kernel built in $(( $(date +%s) - start )) s"
touch "$out/ready"
echo "$out"
