#!/usr/bin/env bash
# dkms.conf works: DKMS adds, builds and installs both modules for the
# test kernel from exactly the tree `make dkms-install` puts in /usr/src
# (packaging/dkms-tree.sh). Private DKMS, source and install trees in a
# temporary directory: nothing on the host changes. Runs on the host.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
cd "$top" || exit 1

command -v dkms > /dev/null || skip "dkms is not installed (tests/deps.sh installs it)"
kernel=$(tests/vm/kernel.sh) || fail "no test kernel (tests/vm/kernel.sh)"
kdir=$kernel/build
release=$(cat "$kdir/include/config/kernel.release")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
[ -n "$version" ] || fail "dkms.conf has no PACKAGE_VERSION"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/dkms" "$tmp/src" "$tmp/install"
trees=(--dkmstree "$tmp/dkms" --sourcetree "$tmp/src" --installtree "$tmp/install")
src=$tmp/src/v4l2-dmabuf-$version

packaging/dkms-tree.sh "$src" || fail "packaging/dkms-tree.sh failed"
junk=$(find "$src" -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*')
[ -z "$junk" ] || fail "build products in the DKMS source tree: $junk"
echo "# /usr/src/v4l2-dmabuf-$version would hold $(find "$src" -type f | wc -l) files"

dkms add -m v4l2-dmabuf -v "$version" "${trees[@]}" > "$tmp/add.log" 2>&1 ||
	{ cat "$tmp/add.log"; fail "dkms add failed"; }
dkms build -m v4l2-dmabuf -v "$version" -k "$release" --kernelsourcedir "$kdir" \
	"${trees[@]}" > "$tmp/build.log" 2>&1 || {
	cat "$tmp/build.log"
	tail -n 30 "$tmp/dkms/v4l2-dmabuf/$version/build/make.log" 2>/dev/null
	fail "dkms build failed for $release"
}
# Install into the private tree: where DEST_MODULE_LOCATION puts them.
mkdir -p "$tmp/install/$release"
dkms install -m v4l2-dmabuf -v "$version" -k "$release" --kernelsourcedir "$kdir" \
	--no-depmod "${trees[@]}" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "dkms install failed for $release"; }
status=$(dkms status -m v4l2-dmabuf -v "$version" -k "$release" "${trees[@]}" 2>&1)
echo "# dkms status: $status"
case $status in *": installed"*) ;; *) fail "dkms does not report the modules installed" ;; esac
for m in videobuf2-dmabuf vivbuf; do
	# (compressed, .ko.xz or .ko.zst, when the kernel compresses modules)
	ko=$(find "$tmp/install/$release/updates/dkms" -name "$m.ko*" | head -n 1)
	[ -n "$ko" ] || fail "dkms installed no $m.ko in updates/dkms"
	v=$(modinfo -F vermagic "$ko")
	[ "${v%% *}" = "$release" ] || fail "$m.ko is built for '${v%% *}', not $release"
	echo "# ${ko#"$tmp/install/"}: $v"
done
