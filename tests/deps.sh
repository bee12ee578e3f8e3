#!/usr/bin/env bash
# Install the host's build and test dependencies (Debian packages), quietly
# and only what is missing. Safe to run on every `make check`.
set -euo pipefail

packages=(
	# kernel and module builds
	gcc make bc bison flex libelf-dev libssl-dev cpio xz-utils kmod ccache
	sparse
	# make lint on the userspace C
	indent cppcheck
	# the test machine
	qemu-system-x86 debootstrap util-linux coreutils
	# host-built test programs and tools
	pkgconf libdrm-dev libpng-dev
	# the GStreamer plugin, also built against the host's GStreamer
	meson ninja-build libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
	gstreamer1.0-tools
	# packaging tests (suite pkg): DKMS and patch for the in-tree build
	dkms patch git
	# make bench formats its results (bench/format)
	python3
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "[deps] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -q update >/dev/null
apt-get -q install -y --no-install-recommends "${missing[@]}" >/dev/null
