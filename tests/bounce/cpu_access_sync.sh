#!/bin/sh
# uapi/cpu_access_sync with every DMA mapping bounced (tests/bounce/lib.sh)
. "$V4L2DMABUF_TOP/tests/bounce/lib.sh"
bounce_run uapi/cpu_access_sync
