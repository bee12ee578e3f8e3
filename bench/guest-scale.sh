# shellcheck shell=sh
# Scaling, sourced by bench/guest-bench.sh after the pipeline table: K
# concurrent vivbuf streams (K from $SCALE), each v4l2dmabufsrc
# io-mode=export -> fakesink, all in one gst-launch-1.0 process, so they
# start and stop together and the marginal cost covers K streams running
# at once. CPU per frame (per stream) should not grow with K.

max_k=1
for k in $SCALE; do
	[ "$k" -gt "$max_k" ] && max_k=$k
done
# One capture node per instance; vivbuf has at most 8.
reload_vivbuf instances="$max_k"
w=${SCALE_SIZE%x*} h=${SCALE_SIZE#*x}
fps=$(max_fps "$(vivbuf_node 0)" "$w" "$h")
[ "${fps:-0}" -gt 0 ] || fail "vivbuf offers no frame rate at $SCALE_SIZE"
echo "bench: scaling at $SCALE_SIZE, $fps fps, streams: $SCALE"

# streams K N: the gst-launch-1.0 arguments of K independent chains.
streams() {
	i=0
	while [ $i -lt "$1" ]; do
		dev=$(vivbuf_node $i)
		echo "v4l2dmabufsrc device=$dev io-mode=export num-buffers=$2 !"
		echo "video/x-raw,format=BGRx,width=$w,height=$h,framerate=$fps/1 ! fakesink"
		i=$((i + 1))
	done
}

rep=1
while [ $rep -le "$REPS" ]; do
	for k in $SCALE; do
		for n in "$N1" "$N2"; do
			# shellcheck disable=SC2046
			measure scale "$SCALE_SIZE" s "$k" "$rep" "$n" "$fps" $(streams "$k" "$n")
		done
	done
	echo "bench: scaling repetition $rep of $REPS done"
	rep=$((rep + 1))
done
# Back to the instances the other tests expect.
reload_vivbuf
