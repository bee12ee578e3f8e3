#!/bin/sh
# uapi/mmap_stream with every DMA mapping bounced (tests/bounce/lib.sh)
. "$V4L2DMABUF_TOP/tests/bounce/lib.sh"
bounce_run uapi/mmap_stream
