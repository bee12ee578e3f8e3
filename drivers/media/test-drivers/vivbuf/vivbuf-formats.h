/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the formats, frame sizes and frame intervals that its capture
 * and output nodes share, so that a frame can loop from one to the other.
 */
#ifndef _VIVBUF_FORMATS_H_
#define _VIVBUF_FORMATS_H_

#include <linux/types.h>
#include <linux/videodev2.h>

#define VIVBUF_MIN_WIDTH	320
#define VIVBUF_MAX_WIDTH	1920
#define VIVBUF_STEP_WIDTH	16
#define VIVBUF_MIN_HEIGHT	240
#define VIVBUF_MAX_HEIGHT	1080
#define VIVBUF_STEP_HEIGHT	8
#define VIVBUF_DEF_WIDTH	640
#define VIVBUF_DEF_HEIGHT	480

/*
 * The largest plane VIDIOC_CREATE_BUFS may ask for: four times the largest
 * frame of any vivbuf node (1920x1080 at 4 bytes per pixel), room enough
 * for a larger format later. The allocator backs every plane with pages at
 * once, so without a bound one ioctl could ask for gigabytes (a fuzzer
 * asked for 2 GiB planes) and push the machine out of memory; larger
 * requests fail with EINVAL.
 */
#define VIVBUF_MAX_PLANE_SIZE	(4U * VIVBUF_MAX_WIDTH * VIVBUF_MAX_HEIGHT * 4)

/* Index of the default frame interval, 1/30 s, in vivbuf_intervals[] */
#define VIVBUF_DEF_INTERVAL	1

/**
 * struct vivbuf_format - a pixel format of the video nodes
 * @fourcc: V4L2 pixel format
 * @bpp: bytes per pixel of the first (or only) colour plane
 * @mem_planes: number of memory planes (vb2 planes)
 * @has_cbcr_plane: a CbCr plane of half height follows the Y plane (NV12)
 * @is_yuv: Y'CbCr rather than RGB
 */
struct vivbuf_format {
	u32 fourcc;
	u8 bpp;
	u8 mem_planes;
	bool has_cbcr_plane;
	bool is_yuv;
};

u64 vivbuf_fract_to_ns(const struct v4l2_fract *fract);
const struct v4l2_fract *vivbuf_interval(unsigned int index);
unsigned int vivbuf_nearest_interval(const struct v4l2_fract *tpf);

const struct vivbuf_format *vivbuf_find_format(bool multiplanar, u32 fourcc);
int vivbuf_enum_format(bool multiplanar, struct v4l2_fmtdesc *f);
void vivbuf_try_fmt(bool multiplanar, struct v4l2_pix_format_mplane *mp);
void vivbuf_pix_to_mp(const struct v4l2_pix_format *pix,
		      struct v4l2_pix_format_mplane *mp);
void vivbuf_mp_to_pix(const struct v4l2_pix_format_mplane *mp,
		      struct v4l2_pix_format *pix);
int vivbuf_enum_framesizes(bool multiplanar, struct v4l2_frmsizeenum *fsize);
int vivbuf_enum_frameintervals(bool multiplanar,
			       struct v4l2_frmivalenum *fival);

#endif /* _VIVBUF_FORMATS_H_ */
