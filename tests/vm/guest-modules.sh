# shellcheck shell=sh
# Module loading inside the test machine; sourced by guest-init and by tests
# that reload a module with other parameters.

# The project's modules, in load order, relative to the checkout.
PROJECT_MODULES="drivers/media/common/videobuf2/videobuf2-dmabuf.ko
drivers/media/test-drivers/vivbuf/vivbuf.ko"

# The in-kernel modules ours depend on (insmod does not resolve them), as
# their modinfo says: the list differs between kernels (vivbuf has no m2m
# node, hence no v4l2-mem2mem, where the kernel lacks it).
project_module_deps() {
	for ko in $PROJECT_MODULES; do
		[ -f "$top/$ko" ] && modinfo -F depends "$top/$ko" | tr , '\n'
	done | grep -v -x -e videobuf2-dmabuf -e vivbuf -e '' | sort -u
}

# Load every project module that is built for the running kernel.
load_project_modules() {
	release=$(uname -r)
	deps=$(project_module_deps)
	[ -z "$deps" ] || modprobe -a $deps || return 1
	for ko in $PROJECT_MODULES; do
		[ -f "$top/$ko" ] || continue
		vermagic=$(modinfo -F vermagic "$top/$ko")
		if [ "${vermagic%% *}" != "$release" ]; then
			echo "guest: $ko is built for ${vermagic%% *}, not $release: run 'make' first"
			return 1
		fi
		insmod "$top/$ko" || return 1
	done
}

# Unload the project's modules, newest first; fails if one stays loaded
# (still in use: a leaked reference). Each of our fences holds a reference
# on videobuf2_dmabuf until an RCU grace period after it is freed, so a
# module still in use is asked again for up to 2 s before that counts.
unload_project_modules() {
	failed=0
	for ko in $(echo "$PROJECT_MODULES" | tac); do
		m=$(basename "$ko" .ko | tr - _)
		grep -q "^$m " /proc/modules || continue
		tries=0
		until rmmod "$m" 2>/dev/null; do
			tries=$((tries + 1))
			if [ $tries -ge 20 ]; then
				rmmod "$m" || failed=1
				break
			fi
			sleep 0.1
		done
	done
	return $failed
}
