#!/usr/bin/env bash
# Install the host's build and test dependencies (Debian packages), quietly
# and only what is missing. Safe to run on every `make check`.
#
#   tests/deps.sh [--kernel TIER]...
#
# A tier that needs more on the host names it with --kernel: 6.1 boots
# Debian 12's stock kernel (its image and headers packages, unpacked here
# only to be booted by QEMU and built against) with the host's own root file
# system as the guest's userland, so what the tests run in the guest is
# installed on the host.
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

while [ $# -gt 0 ]; do
	case $1 in
	--kernel)
		case $2 in
		6.1) packages+=(
			# the stock kernel, its headers and a static busybox for
			# the small initramfs that mounts the 9p root
			linux-image-amd64 linux-headers-amd64 busybox-static
			# the guest's userland (tests/vm/rootfs.packages for 6.12)
			v4l-utils libdrm-tests gstreamer1.0-plugins-base
			gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
			procps
			) ;;
		esac
		shift 2 ;;
	*) echo "deps.sh: unknown argument $1 (usage: deps.sh [--kernel TIER]...)" >&2; exit 2 ;;
	esac
done

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
