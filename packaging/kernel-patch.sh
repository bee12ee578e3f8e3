#!/usr/bin/env bash
# `make kernel-patch KSRC=...`: a patch that drops the project's kernel code
# into the kernel source tree KSRC, with its Kconfig and Makefile entries,
# so the modules build as part of the kernel (CONFIG_VIDEO_VIVBUF, which
# selects CONFIG_VIDEOBUF2_DMABUF). Written to OUT (default: stdout) in
# git's format; apply it with `git apply` or `patch -p1` in KSRC.
#
#   packaging/kernel-patch.sh KSRC [OUT]
#
# The checkout keeps the kernel tree's layout, so this only adds files and
# four entries: videobuf2's Kconfig and Makefile (the module's obj- line and
# the videobuf2-dmabuf-y list of its objects, taken from our Makefile),
# test-drivers' Kconfig and Makefile. The out-of-tree Makefiles say obj-m
# (the out-of-tree build has no Kconfig); in the patch they say
# obj-$(CONFIG_...).
# shellcheck disable=SC2016 # $(CONFIG_...) is make's, written literally
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
die() { printf 'kernel-patch: %s\n' "$*" >&2; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: packaging/kernel-patch.sh KSRC [OUT]"
fi
ksrc=$1 out=${2:-/dev/stdout}
vb2=drivers/media/common/videobuf2
tdrv=drivers/media/test-drivers
for f in $vb2/Kconfig $vb2/Makefile $tdrv/Kconfig $tdrv/Makefile; do
	[ -f "$ksrc/$f" ] || die "$ksrc is not a kernel source tree (no $f)"
done
! grep -q VIDEOBUF2_DMABUF "$ksrc/$vb2/Kconfig" ||
	die "$ksrc already has VIDEOBUF2_DMABUF (patch applied before?)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree
git() { command git -C "$tree" -c user.name=kernel-patch -c user.email=kernel-patch@localhost "$@"; }

# The kernel's four files as they are...
for f in $vb2/Kconfig $vb2/Makefile $tdrv/Kconfig $tdrv/Makefile; do
	mkdir -p "$tree/$(dirname "$f")"
	cp "$ksrc/$f" "$tree/$f"
done
git init -q
git add -A
git commit -q -m base

# ...plus our files (the videobuf2 directory's own Makefile is the kernel's).
cd "$top"
for f in $(packaging/sources.sh); do
	[ "$f" != $vb2/Makefile ] || continue
	mkdir -p "$tree/$(dirname "$f")"
	cp "$f" "$tree/$f"
done
sed -i 's/^obj-m += vivbuf\.o$/obj-$(CONFIG_VIDEO_VIVBUF) += vivbuf.o/' "$tree/$tdrv/vivbuf/Makefile"
grep -q '^obj-$(CONFIG_VIDEO_VIVBUF) += vivbuf\.o$' "$tree/$tdrv/vivbuf/Makefile" ||
	die "$tdrv/vivbuf/Makefile has no 'obj-m += vivbuf.o' line to convert"

# kconfig_entry NAME: the "config NAME" block of our top-level Kconfig.
kconfig_entry() {
	awk -v name="$1" '
		/^config / { on = ($2 == name) }
		on { lines[++n] = $0 }
		END { while (n > 0 && lines[n] == "") n--; for (i = 1; i <= n; i++) print lines[i] }
	' Kconfig
}

# insert_before FILE REGEX LINES: LINES before the first line matching REGEX
# (the lists are sorted), or at the end when nothing matches. LINES go
# through the environment, which awk takes as it is (backslashes included).
insert_before() {
	add=$3 awk -v re="$2" '
		!done && $0 ~ re { print ENVIRON["add"]; done = 1 }
		{ print }
		END { if (!done) print ENVIRON["add"] }
	' "$1" > "$1.new"
	mv "$1.new" "$1"
}

{ echo "# SPDX-License-Identifier: GPL-2.0"; kconfig_entry VIDEO_VIVBUF; } > "$tree/$tdrv/vivbuf/Kconfig"
{ echo; kconfig_entry VIDEOBUF2_DMABUF; } >> "$tree/$vb2/Kconfig"
# The module's objects, as our Makefile lists them, go with the kernel's
# own composite objects, before the sorted obj- list.
objs=$(sed -n '/^videobuf2-dmabuf-y /,/[^\\]$/p' $vb2/Makefile)
[ -n "$objs" ] || die "$vb2/Makefile has no videobuf2-dmabuf-y list"
insert_before "$tree/$vb2/Makefile" '^# Please keep it alphabetically sorted' \
	"$objs"$'\n'
insert_before "$tree/$vb2/Makefile" 'CONFIG_VIDEOBUF2_DMA_CONTIG' \
	'obj-$(CONFIG_VIDEOBUF2_DMABUF) += videobuf2-dmabuf.o'
insert_before "$tree/$tdrv/Makefile" 'CONFIG_VIDEO_VIVID' \
	'obj-$(CONFIG_VIDEO_VIVBUF) += vivbuf/'
insert_before "$tree/$tdrv/Kconfig" 'test-drivers/vivid/Kconfig' \
	'source "drivers/media/test-drivers/vivbuf/Kconfig"'
grep -q '^config VIDEO_VIVBUF' "$tree/$tdrv/vivbuf/Kconfig" || die "no VIDEO_VIVBUF entry in Kconfig"
grep -q '^config VIDEOBUF2_DMABUF' "$tree/$vb2/Kconfig" || die "no VIDEOBUF2_DMABUF entry in Kconfig"

git add -A
git -c diff.noprefix=false diff --cached --no-color --no-renames --stat --patch > "$tmp/patch"
cat "$tmp/patch" > "$out"
