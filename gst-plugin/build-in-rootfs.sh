#!/usr/bin/env bash
# Build the plugin against the guest's GStreamer: meson and ninja run
# chrooted in the cached Debian root file system of the test machine, with
# this checkout bind-mounted at its own path (in a private mount namespace,
# so nothing leaks out and the root itself is left as it is, apart from the
# empty mount-point directory). Output: build/gst-plugin (or $1), where the
# guest finds it through GST_PLUGIN_PATH.
#
#   gst-plugin/build-in-rootfs.sh [BUILD-DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$src/.." && pwd)
out=${1:-$top/build/gst-plugin}
case $out in /*) ;; *) out=$PWD/$out ;; esac
case $out in "$top"/*) ;; *) echo "build-in-rootfs: $out is not inside $top" >&2; exit 2 ;; esac

root=$("$top/tests/vm/rootfs.sh")
[ "$(id -u)" = 0 ] || { echo "build-in-rootfs: needs root (unshare, chroot)" >&2; exit 1; }
[ -d "$root$top" ] || mkdir -p "$root$top"
mkdir -p "$out"

# Reconfigure only when the build directory is not set up yet.
if [ -f "$out/build.ninja" ]; then setup=; else setup=1; fi

unshare --mount --propagation private -- /bin/sh -es "$root" "$top" "$src" "$out" "$setup" <<'IN_NS'
root=$1 top=$2 src=$3 out=$4 setup=$5
mount --bind "$top" "$root$top"
mount -t proc proc "$root/proc"
run() {
	chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp LANG=C.UTF-8 "$@"
}
if [ -n "$setup" ]; then
	run meson setup --wipe "$out" "$src" >/dev/null 2>&1 || run meson setup "$out" "$src"
fi
run ninja -C "$out"
IN_NS
