#!/bin/sh
# Anchor: upstream GStreamer moves frames from mainline vivid to vkms as
# dma-bufs: v4l2src io-mode=dmabuf (vivid exports) into kmssink (imports).
# While the pipeline runs, vkms must be attached to a buffer vivid exported;
# that is what zero-copy means here.
. "$V4L2DMABUF_TOP/tests/lib/guest-lib.sh"

require_module vkms
modprobe vivid n_devs=1 node_types=0x1 || fail "modprobe vivid"
modprobe vkms || fail "modprobe vkms"
trap 'rmmod vivid vkms' EXIT
dev=$(video_node '^vivid-000-vid-cap') || fail "no vivid capture node"

gst-launch-1.0 -q v4l2src device="$dev" io-mode=dmabuf num-buffers=90 ! \
	video/x-raw,format=BGRx,width=640,height=480,framerate=30/1 ! \
	kmssink driver-name=vkms > /tmp/gst.log 2>&1 &
pid=$!
attached=no
for _ in $(seq 60); do
	sleep 1
	kill -0 $pid 2>/dev/null || break
	# bufinfo lists each dma-buf with its exporter, then its attached devices.
	if awk '/^[0-9a-f]+\t/ {exporter = $5} /vkms/ && exporter ~ /videobuf2/ {found = 1} END {exit !found}' \
		/sys/kernel/debug/dma_buf/bufinfo; then
		attached=yes
		cp /sys/kernel/debug/dma_buf/bufinfo /tmp/bufinfo.txt
	fi
done
wait $pid
rc=$?
cat /tmp/gst.log
[ $rc = 0 ] || fail "gst-launch-1.0 exited $rc"
if grep -q ERROR /tmp/gst.log; then fail "the pipeline reported an error"; fi
[ $attached = yes ] || fail "vkms was never attached to a vivid dma-buf (bufinfo)"
echo "# bufinfo while streaming:"
sed 's/^/# /' /tmp/bufinfo.txt
