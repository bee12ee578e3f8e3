#!/bin/sh
# uapi/sync_same_device_import with every DMA mapping bounced (tests/bounce/lib.sh)
. "$V4L2DMABUF_TOP/tests/bounce/lib.sh"
bounce_run uapi/sync_same_device_import
