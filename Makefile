# SPDX-License-Identifier: GPL-2.0
#
# v4l2-dmabuf: zero-copy video between V4L2 devices, dma-buf and KMS.
#
#   make               build the kernel modules (KDIR: the test kernel by default)
#                      and the GStreamer plugin (against the host's GStreamer)
#   make gst-plugin    the plugin alone, in build/gst-plugin-host
#   make check         build everything and run the test suites in the test machine
#   make check SUITE=uapi   one suite
#   make bench         zero-copy against the anchors, measured in the test
#                      machine: build/bench/results.md and .json (bench/)
#   make lint          checkpatch --strict, kernel-doc and sparse on the kernel
#                      code, gst-indent and cppcheck on the userspace C
#   make install       install the modules into KDIR's kernel and the plugin
#                      into the host GStreamer's plugin directory (real hardware)
#
# KDIR defaults to the project's cached test kernel (tests/vm/kernel.sh builds
# it on first use); KDIR=/lib/modules/$(uname -r)/build builds for the running
# kernel.

KDIR ?=
SUITE ?=

# The test kernel's build directory, built and cached on first use.
resolve_kdir = $(if $(KDIR),$(KDIR),$$(tests/vm/kernel.sh)/build)

GST_BUILD = build/gst-plugin-host

.PHONY: all modules gst-plugin check demo bench lint clean install

all: modules gst-plugin

modules:
	@kdir="$(resolve_kdir)" && $(MAKE) -C "$$kdir" M=$(CURDIR) modules

# The guest's build of the plugin (tests/check) is gst-plugin/build-in-rootfs.sh.
gst-plugin:
	@[ -f $(GST_BUILD)/build.ninja ] || meson setup $(GST_BUILD) gst-plugin
	@ninja -C $(GST_BUILD)

check:
	@tests/check $(SUITE)

lint:
	@kdir="$(resolve_kdir)" && tests/lint "$$kdir"

demo:
	@echo "make demo: not implemented yet (issue 8: vivbuf -> v4l2dmabufsrc -> kmssink)." >&2
	@exit 1

# Not part of check: one long guest run. Its knobs are variables, from the
# command line or the environment (make passes both on), e.g. a quick run:
#   make bench REPS=1 SIZES=1280x720 N1=10 N2=40 SCALE=
# bench/run lists them all; bench/README.md says how to read the results.
bench:
	@bench/run

install:
	@kdir="$(if $(KDIR),$(KDIR),/lib/modules/$$(uname -r)/build)" && \
	  $(MAKE) -C "$$kdir" M=$(CURDIR) modules modules_install
	$(MAKE) gst-plugin
	meson install -C $(GST_BUILD)

clean:
	@kdir="$(if $(KDIR),$(KDIR),$$(ls -d $${V4L2DMABUF_CACHE:-$$HOME/.cache/v4l2-dmabuf}/kernel-*/build 2>/dev/null | head -n1))"; \
	  if [ -n "$$kdir" ]; then $(MAKE) -C "$$kdir" M=$(CURDIR) clean; fi
	rm -rf build
