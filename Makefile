# SPDX-License-Identifier: GPL-2.0
#
# v4l2-dmabuf: zero-copy video between V4L2 devices, dma-buf and KMS.
#
#   make               build the kernel modules (KDIR: the test kernel by default)
#                      and the GStreamer plugin (against the host's GStreamer)
#   make gst-plugin    the plugin alone, in build/gst-plugin-host
#   make check         build everything and run the test suites in the test machine
#   make check SUITE=uapi   one suite; CHECK_TESTS="NAME..." only those tests
#   make check KERNELS="6.12 6.1"   the kernel tiers to run them on (default
#                      6.12; 6.1 is Debian 12's stock kernel, see tests/vm/run)
#   make fuzz DURATION=600  the ioctl fuzzer for longer than make check's 90 s
#   make demo          vivbuf -> v4l2dmabufsrc -> kmssink in the test machine
#   make demo DEMO=fences   the same, reporting the implicit fences
#   make demo DEMO=loopback an image -> vivbuf output -> capture -> kmssink
#   make demo DEMO=m2m      vivbuf capture -> its m2m node, as dma-bufs
#   make bench         zero-copy against the anchors, measured in the test
#                      machine: build/bench/results.md and .json (bench/)
#   make lint          checkpatch --strict, kernel-doc and sparse on the kernel
#                      code, gst-indent and cppcheck on the userspace C
#   make install       modules (KDIR: the running kernel by default), the
#                      GStreamer plugin and kms-grab; DESTDIR and PREFIX apply
#   make dkms-install  the module sources into /usr/src, built by DKMS for
#                      every installed kernel
#   make kernel-patch KSRC=/path/to/linux   a patch that adds the modules to a
#                      kernel tree (written to KERNEL_PATCH)
#
# KDIR defaults to the project's cached test kernel (tests/vm/kernel.sh builds
# it on first use); KDIR=/lib/modules/$(uname -r)/build builds for the running
# kernel.

KDIR ?=
SUITE ?=
KERNELS ?= 6.12
DURATION ?= 600
DEMO ?= basic
PREFIX ?= /usr/local
DESTDIR ?=
KSRC ?=
KERNEL_PATCH ?= build/v4l2-dmabuf.patch
DKMS_VERSION = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
# The running kernel, for what is installed on this machine.
running_kdir = $(if $(KDIR),$(KDIR),/lib/modules/$$(uname -r)/build)

# The test kernel's build directory, built and cached on first use.
resolve_kdir = $(if $(KDIR),$(KDIR),$$(tests/vm/kernel.sh)/build)

GST_BUILD = build/gst-plugin-host

.PHONY: all modules gst-plugin examples check fuzz demo bench lint clean install \
	install-modules install-plugin install-tools dkms-install dkms-uninstall kernel-patch

all: modules gst-plugin examples

# The README's C examples: built with everything, so they cannot rot.
examples:
	@$(MAKE) -s -C docs/examples

modules:
	@kdir="$(resolve_kdir)" && $(MAKE) -C "$$kdir" M=$(CURDIR) modules

# The guest's build of the plugin (tests/check) is gst-plugin/build-in-rootfs.sh.
gst-plugin:
	@[ -f $(GST_BUILD)/build.ninja ] || meson setup $(GST_BUILD) gst-plugin
	@ninja -C $(GST_BUILD)

check:
	@KERNELS="$(KERNELS)" tests/check $(SUITE)

fuzz:
	@FUZZ_DURATION=$(DURATION) TEST_TIMEOUT=$$(($(DURATION) + 300)) \
	  CHECK_TIMEOUT=$$(($(DURATION) + 900)) tests/check fuzz

lint:
	@kdir="$(resolve_kdir)" && tests/lint/gates "$$kdir"

demo:
	@demo/run $(DEMO) $(DEMO_SECONDS)

# Not part of check: one long guest run. Its knobs are variables, from the
# command line or the environment (make passes both on), e.g. a quick run:
#   make bench REPS=1 SIZES=1280x720 N1=10 N2=40 SCALE=
# bench/run lists them all; bench/README.md says how to read the results.
bench:
	@bench/run

install: install-modules install-plugin install-tools

install-modules:
	@kdir="$(running_kdir)" && $(MAKE) -C "$$kdir" M=$(CURDIR) modules && \
	  $(MAKE) -C "$$kdir" M=$(CURDIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install

# For this machine's GStreamer (1.22 or newer), into its plugin directory.
install-plugin:
	@pkg-config --exists 'gstreamer-video-1.0 >= 1.22' 'gstreamer-allocators-1.0 >= 1.22' || \
	  { echo "install-plugin: needs GStreamer 1.22 or newer and its headers:" \
	    "apt-get install meson ninja-build libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev" >&2; exit 1; }
	@[ -f build/gst-plugin-host/build.ninja ] || meson setup build/gst-plugin-host gst-plugin
	@ninja -C build/gst-plugin-host
	@meson install -C build/gst-plugin-host $(if $(DESTDIR),--destdir $(DESTDIR))

install-tools:
	@$(MAKE) -s -C tests/tools
	install -D -m 0755 build/tests/tools/kms-grab $(DESTDIR)$(PREFIX)/bin/kms-grab

# DKMS builds the modules for the running kernel and every kernel installed
# later (AUTOINSTALL); needs root, dkms and the kernel headers.
dkms-install:
	@command -v dkms > /dev/null || { echo "dkms-install: install dkms first (apt-get install dkms)" >&2; exit 1; }
	-@dkms remove -m v4l2-dmabuf -v $(DKMS_VERSION) --all > /dev/null 2>&1
	@packaging/dkms-tree.sh /usr/src/v4l2-dmabuf-$(DKMS_VERSION)
	dkms install -m v4l2-dmabuf -v $(DKMS_VERSION)

dkms-uninstall:
	dkms remove -m v4l2-dmabuf -v $(DKMS_VERSION) --all
	rm -rf /usr/src/v4l2-dmabuf-$(DKMS_VERSION)

kernel-patch:
	@[ -n "$(KSRC)" ] || { echo "make kernel-patch KSRC=/path/to/linux: the kernel tree to patch" >&2; exit 2; }
	@mkdir -p $(dir $(KERNEL_PATCH))
	@packaging/kernel-patch.sh "$(KSRC)" "$(KERNEL_PATCH)"
	@echo "$(KERNEL_PATCH): apply with: cd $(KSRC) && git apply $(abspath $(KERNEL_PATCH))" \
	  "(or patch -p1), then enable CONFIG_VIDEO_VIVBUF"

clean:
	@kdir="$(if $(KDIR),$(KDIR),$$(ls -d $${V4L2DMABUF_CACHE:-$$HOME/.cache/v4l2-dmabuf}/kernel-*/build 2>/dev/null | head -n1))"; \
	  if [ -n "$$kdir" ]; then $(MAKE) -C "$$kdir" M=$(CURDIR) clean; fi
	rm -rf build
