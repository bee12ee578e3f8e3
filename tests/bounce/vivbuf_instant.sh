#!/bin/sh
# uapi/vivbuf_instant with every DMA mapping bounced (tests/bounce/lib.sh)
. "$V4L2DMABUF_TOP/tests/bounce/lib.sh"
bounce_run uapi/vivbuf_instant
