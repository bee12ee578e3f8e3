#!/bin/sh
# uapi/import_from_other_device with every DMA mapping bounced (tests/bounce/lib.sh)
. "$V4L2DMABUF_TOP/tests/bounce/lib.sh"
bounce_run uapi/import_from_other_device
