#!/bin/sh
# The files the kernel modules are built from, one path a line, relative to
# the top of the checkout: what `make dkms-install` copies to /usr/src and
# what `make kernel-patch` adds to a kernel tree. Build products (objects,
# generated .mod.c) are left out, so a built checkout ships the same files.
#
#   packaging/sources.sh
cd "$(dirname "$0")/.." || exit 1
find drivers include -type f \( -name '*.[ch]' -o -name Makefile -o -name Kconfig \) \
	! -name '*.mod.c' | LC_ALL=C sort
