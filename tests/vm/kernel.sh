#!/usr/bin/env bash
# Build (once) and cache the test kernel: Debian's linux-source-X.Y, tinyconfig
# plus kernel.config, debug options on. Prints the cache directory, which
# holds bzImage, modules/ (INSTALL_MOD_PATH) and build/ (KDIR for the
# project's modules). The 6.1 tier boots Debian 12's stock kernel instead:
# stock-kernel.sh prints its directory, laid out the same way.
#
# --flavour release builds the same kernel without the debug section of
# kernel.config (KASAN, lockdep, DMA-API debug, debug objects, kmemleak, fault
# injection) and with kernel-release.config, for `make bench`: those options
# cost the kernel many times what they cost user space and would distort
# every ratio. Cached apart.
#
#   tests/vm/kernel.sh [--kernel 6.12|7.2|6.1] [--flavour debug|release]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=6.12 flavour=debug
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	--flavour) flavour=$2; shift 2 ;;
	*) die "kernel.sh: unknown argument $1" ;;
	esac
done
case $flavour in
debug|release) ;;
*) die "kernel.sh: no flavour '$flavour' (debug, release)" ;;
esac
if [ "$kver" = 6.1 ]; then
	[ "$flavour" = debug ] || die "kernel.sh: the 6.1 tier is Debian's stock kernel, it has no flavours"
	exec "$VM_DIR/stock-kernel.sh" "$kver"
fi
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

# The config fragment of the flavour: release stops at the debug section.
fragment=$(mktemp)
trap 'rm -f "$fragment"' EXIT
if [ "$flavour" = release ]; then
	# Without the marker sed would keep every debug option, silently.
	grep -q '^# --- debug' "$VM_DIR/kernel.config" ||
		die "kernel.sh: kernel.config has no '# --- debug' section to leave out"
	sed '/^# --- debug/,$d' "$VM_DIR/kernel.config" > "$fragment"
	grep -q '^CONFIG_MEDIA_SUPPORT=y' "$fragment" || die "kernel.sh: kernel.config lost its layout"
	cat "$VM_DIR/kernel-release.config" >> "$fragment"
else
	cp "$VM_DIR/kernel.config" "$fragment"
fi

# Bump when a change to this script changes what it builds. The debug
# flavour's key is what it was before flavours existed, so its cache stays.
recipe=1
key="$pkg $debver recipe $recipe" tag=$kver
[ "$flavour" = debug ] || key+=" $flavour" tag+=-$flavour
hash=$( { echo "$key"; cat "$fragment"; } | input_hash)
out="$VM_CACHE/kernel-$tag-$hash"
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

log "configuring $pkg $debver (tinyconfig + kernel.config, $flavour)"
kmake tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out/build" \
	"$out/build/.config" "$fragment" >/dev/null
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
done < "$fragment"
[ "$missing" = 0 ] || die "kernel config does not hold every option of kernel.config"

log "building the $kver $flavour test kernel (cached in $out; ~20 min on 2 cores the first time)"
start=$(date +%s)
kmake bzImage modules > "$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "kernel build failed (log: $out/build.log)"; }
kmake INSTALL_MOD_PATH="$out/modules" modules_install >/dev/null
cp "$out/build/arch/x86/boot/bzImage" "$out/bzImage"
kmake -s kernelrelease > "$out/release"
log "kernel built in $(( $(date +%s) - start )) s"
touch "$out/ready"
echo "$out"
