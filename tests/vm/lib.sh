# shellcheck shell=bash
# Common settings for the test-machine scripts. Sourced, not executed.
#
# Everything built here (kernel, modules, root file systems) lives in a cache
# outside the repository, keyed by a hash of its inputs, so a machine builds
# each thing once and a clean checkout (CI) reuses it.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$VM_DIR/../.." && pwd)
VM_CACHE=${V4L2DMABUF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/v4l2-dmabuf}
# Debian mirror: the host's own, as its apt configuration names it.
VM_MIRROR=${VM_MIRROR:-}

log() { printf '[vm] %s\n' "$*" >&2; }
die() { printf '[vm] error: %s\n' "$*" >&2; exit 1; }

# Mirror of the host's apt sources (first deb822 URIs or sources.list entry).
host_mirror() {
	local m
	if [ -n "$VM_MIRROR" ]; then echo "$VM_MIRROR"; return; fi
	m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources |
	    awk '{print $2}' | grep -v security | head -n1)
	[ -n "$m" ] || m=$(grep -hs '^deb ' /etc/apt/sources.list |
	    awk '{print $2}' | grep -v security | head -n1)
	echo "${m:-http://deb.debian.org/debian}"
}

# apt-get/apt-cache against a private package list for one Debian suite, so
# the host can fetch packages of another release (e.g. trixie's
# linux-source-6.12) without touching its own apt configuration.
suite_apt() {
	local suite=$1 tool=$2; shift 2
	local d="$VM_CACHE/apt-$suite"
	if [ ! -f "$d/etc/$suite.sources" ]; then
		mkdir -p "$d/etc" "$d/lists/partial" "$d/cache/archives/partial"
		cat > "$d/etc/$suite.sources" <<EOS
Types: deb
URIs: $(host_mirror)
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	fi
	# Testing's Release files expire within a week and mirrors (snapshots)
	# may serve an expired one: still signed and checked, only maybe stale.
	"$tool" -q -o Dir::Etc::SourceList=/dev/null \
		-o Acquire::Check-Valid-Until=false \
		-o Dir::Etc::SourceParts="$d/etc" \
		-o Dir::State::Lists="$d/lists" \
		-o Dir::Cache="$d/cache" \
		-o Dir::State::status=/dev/null \
		-o APT::Sandbox::User=root "$@"
}

# tier_suite KVER: the Debian suite of a built test tier, a coherent pair of
# a kernel (its linux-source-KVER) and the guest userland (rootfs.sh
# --suite). The 6.1 tier is the host's own Debian 12 (tier_rootfs).
tier_suite() {
	case $1 in
	6.12) echo trixie ;;
	7.2) echo forky ;;
	*) die "kernel $1: no tier built from source (those are 6.12, 7.2)" ;;
	esac
}

# Short content hash of files and strings given on stdin.
input_hash() { sha256sum | cut -c1-16; }

# cache_claim DIR MARKER: a cache entry is made once. If DIR/MARKER says it
# is complete, prints DIR and ends the calling script; otherwise takes the
# entry's lock (fd 8, held until the script exits), so a second caller waits
# for the first and then finds the entry complete, and returns to make it.
cache_claim() {
	if [ ! -f "$1/$2" ]; then
		mkdir -p "$(dirname "$1")"
		exec 8>"$1.lock"
		flock 8
	fi
	if [ -f "$1/$2" ]; then
		echo "$1"
		exit 0
	fi
}

# The guest's root file system of a tier (tests/vm/run --kernel): the cached
# root of the tier's suite (rootfs.sh) for 6.12 (Debian 13) and 7.2 (forky);
# for 6.1 the host's own root (Debian 12, v4l-utils 1.22, GStreamer 1.22 as
# that kernel's era had them; tests/deps.sh --kernel 6.1 installs what the
# tests run there).
tier_rootfs() {
	case $1 in
	6.1) echo / ;;
	*) "$VM_DIR/rootfs.sh" --suite "$(tier_suite "$1")" ;;
	esac
}
