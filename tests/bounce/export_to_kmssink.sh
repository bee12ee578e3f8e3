#!/bin/sh
# gst/export_to_kmssink with every DMA mapping bounced (tests/bounce/lib.sh)
. "$V4L2DMABUF_TOP/tests/bounce/lib.sh"
bounce_run gst/export_to_kmssink
