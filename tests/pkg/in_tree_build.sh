#!/usr/bin/env bash
# `make kernel-patch` output against a test kernel's source tree: that
# tree's checkpatch --strict passes it, it applies cleanly (no fuzz), the
# patched Kconfig turns CONFIG_VIDEO_VIVBUF=m into CONFIG_VIDEOBUF2_DMABUF=m
# on top of the test kernel's config, and the patched directories' Makefile
# entries build both modules against the cached kernel build (`make M=` on
# just those two directories, the kernel's other objects switched off).
# Runs on the host, once per kernel tree of the tiers asked for
# (tests/lib/source-tiers: 7.2, the tree upstream takes patches against,
# and 6.12), each in a subshell.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }
cd "$top" || exit 1

in_tree_build() ( # TIER
	kernel=$(tests/vm/kernel.sh --kernel "$1") || fail "no $1 test kernel (tests/vm/kernel.sh)"
	kdir=$kernel/build
	ksrc=$(readlink -f "$kdir/source")
	[ -f "$ksrc/Makefile" ] || fail "the test kernel's source tree is gone ($kdir/source)"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	patch=$tmp/v4l2-dmabuf.patch
	linux=$tmp/linux
	vb2=drivers/media/common/videobuf2
	tdrv=drivers/media/test-drivers

	make -s kernel-patch KSRC="$ksrc" KERNEL_PATCH="$patch" || fail "make kernel-patch failed"
	echo "# patch: $(grep -c '^diff --git' "$patch") files"
	# The tree's own checkpatch on the patch as sent. Not asked of it: a
	# commit message (this is a bare diff), a MAINTAINERS entry (the
	# submitter's to add) and the compat header's version checks.
	"$ksrc/scripts/checkpatch.pl" --strict --no-signoff --quiet \
		--ignore COMMIT_MESSAGE,FILE_PATH_CHANGES,LINUX_VERSION_CODE \
		"$patch" > "$tmp/checkpatch.log" 2>&1 ||
		{ cat "$tmp/checkpatch.log"; fail "checkpatch --strict ($ksrc) finds fault with the patch"; }
	echo "# checkpatch --strict of $ksrc: no findings"

	# A tree to patch, made in a moment: symbolic links to the cached sources,
	# with the directories the patch touches unfolded into real directories
	# (of links) and real copies of the files it changes.
	unfold() { # DIR: DIR and its parents become real directories
		local path='' part e
		for part in ${1//\// }; do
			path=${path:+$path/}$part
			[ -L "$linux/$path" ] || continue
			rm "$linux/$path"
			mkdir "$linux/$path"
			for e in "$ksrc/$path"/* "$ksrc/$path"/.[!.]*; do
				[ ! -e "$e" ] || ln -s "$e" "$linux/$path/"
			done
		done
	}
	mkdir "$linux"
	for e in "$ksrc"/* "$ksrc"/.[!.]*; do
		[ ! -e "$e" ] || ln -s "$e" "$linux/"
	done
	for d in $vb2 $tdrv include/media; do
		unfold "$d"
	done
	# shellcheck disable=SC2013 # one path a line, none with spaces
	for f in $(sed -n 's|^+++ b/||p' "$patch"); do
		if [ -L "$linux/$f" ]; then
			cp --remove-destination "$(readlink "$linux/$f")" "$linux/$f" || fail "cannot copy $f"
		fi
	done
	(cd "$linux" && patch -p1 --fuzz=0 --quiet) < "$patch" > "$tmp/patch.log" 2>&1 ||
		{ cat "$tmp/patch.log"; fail "the patch does not apply cleanly to $ksrc"; }

	# Kconfig: the patched tree resolves VIDEO_VIVBUF=m and what it selects.
	mkdir "$tmp/out"
	{ cat "$kdir/.config"; echo "CONFIG_VIDEO_VIVBUF=m"; } > "$tmp/out/.config"
	make -s -C "$linux" O="$tmp/out" olddefconfig > "$tmp/kconfig.log" 2>&1 ||
		{ tail -n 20 "$tmp/kconfig.log"; fail "olddefconfig failed in the patched tree"; }
	for c in CONFIG_VIDEO_VIVBUF CONFIG_VIDEOBUF2_DMABUF; do
		v=$(sed -n "s/^$c=//p" "$tmp/out/.config")
		echo "# patched Kconfig: $c=${v:-unset}"
		[ "$v" = m ] || fail "$c is '${v:-unset}', not m, after olddefconfig"
	done

	# build_dir DIR OUR_CONFIG [MAKE ARGS...]: `make M=DIR` against the test
	# kernel with OUR_CONFIG=m and every other CONFIG_ of DIR's Makefile off.
	# The new header is in the patched tree's include/, which M= builds do not
	# search (they use the cached tree's): KCFLAGS adds it.
	build_dir() {
		dir=$1 ours=$2
		shift 2
		off=$(grep -o 'CONFIG_[A-Z0-9_]*' "$linux/$dir/Makefile" | sort -u | grep -vx "$ours" | sed 's/$/=/')
		# shellcheck disable=SC2086 # one word per switched-off option
		make -C "$kdir" M="$linux/$dir" "$ours=m" $off KCFLAGS="-I$linux/include" "$@" modules \
			> "$tmp/build.log" 2>&1 || { tail -n 30 "$tmp/build.log"; fail "M=$dir build failed"; }
		if grep -E 'warning:|WARNING:' "$tmp/build.log"; then
			fail "M=$dir: the build warned"
		fi
	}

	start=$(date +%s)
	build_dir $vb2 CONFIG_VIDEOBUF2_DMABUF
	build_dir $tdrv CONFIG_VIDEO_VIVBUF KBUILD_EXTRA_SYMBOLS="$linux/$vb2/Module.symvers"
	echo "# built in $(($(date +%s) - start)) s"
	release=$(cat "$kdir/include/config/kernel.release")
	for ko in $vb2/videobuf2-dmabuf.ko $tdrv/vivbuf/vivbuf.ko; do
		[ -f "$linux/$ko" ] || fail "$ko was not built"
		v=$(modinfo -F vermagic "$linux/$ko")
		[ "${v%% *}" = "$release" ] || fail "$ko is built for '${v%% *}', not $release"
		echo "# $ko: $v"
	done
	# Only our modules: the switched-off entries built nothing.
	n=$(find "$linux/$vb2" "$linux/$tdrv" -name '*.ko' | wc -l)
	[ "$n" = 2 ] || fail "$n modules built, expected 2"
)

for tier in $(tests/lib/source-tiers); do
	echo "# kernel $tier"
	in_tree_build "$tier" || exit 1
done
