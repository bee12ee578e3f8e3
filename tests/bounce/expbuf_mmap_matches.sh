#!/bin/sh
# uapi/expbuf_mmap_matches with every DMA mapping bounced (tests/bounce/lib.sh)
. "$V4L2DMABUF_TOP/tests/bounce/lib.sh"
bounce_run uapi/expbuf_mmap_matches
