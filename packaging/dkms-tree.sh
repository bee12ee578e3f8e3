#!/bin/sh
# Copy what DKMS needs to build the modules (dkms.conf, the top Kbuild,
# Kconfig and Makefile, and packaging/sources.sh's files) into DIR, by
# convention /usr/src/v4l2-dmabuf-<version>. DIR is emptied first.
#
#   packaging/dkms-tree.sh DIR
set -eu
[ $# = 1 ] || { echo "usage: packaging/dkms-tree.sh DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
dest=$1
rm -rf "$dest"
mkdir -p "$dest"
cd "$top"
for f in dkms.conf Kbuild Kconfig Makefile $(packaging/sources.sh); do
	mkdir -p "$dest/$(dirname "$f")"
	cp "$f" "$dest/$f"
done
