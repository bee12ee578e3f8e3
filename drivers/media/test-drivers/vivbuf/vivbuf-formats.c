// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the formats, frame sizes and frame intervals of its video nodes.
 *
 * The capture and the output node of an instance accept the same formats,
 * computed the same way, so that a frame queued on the output is laid out
 * byte for byte like a captured one and can loop back unchanged.
 */

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <media/v4l2-common.h>

#include "vivbuf-formats.h"

/* The first entry is the default format */
static const struct vivbuf_format vivbuf_formats[] = {
	{
		.fourcc = V4L2_PIX_FMT_YUYV,
		.bpp = 2,
		.mem_planes = 1,
		.is_yuv = true,
	}, {
		.fourcc = V4L2_PIX_FMT_NV12,
		.bpp = 1,
		.mem_planes = 1,
		.has_cbcr_plane = true,
		.is_yuv = true,
	}, {
		.fourcc = V4L2_PIX_FMT_XRGB32,
		.bpp = 4,
		.mem_planes = 1,
	}, {
		.fourcc = V4L2_PIX_FMT_XBGR32,
		.bpp = 4,
		.mem_planes = 1,
	}, {
		.fourcc = V4L2_PIX_FMT_NV12M,
		.bpp = 1,
		.mem_planes = 2,
		.has_cbcr_plane = true,
		.is_yuv = true,
	},
};

/* Shortest first; the default is VIVBUF_DEF_INTERVAL */
static const struct v4l2_fract vivbuf_intervals[] = {
	{ 1, 60 }, { 1, 30 }, { 1, 15 }, { 1, 5 }, { 1, 1 },
};

/**
 * vivbuf_fract_to_ns() - a frame interval in nanoseconds
 * @fract: the interval in seconds, with a non-zero denominator
 *
 * Return: the interval in nanoseconds.
 */
u64 vivbuf_fract_to_ns(const struct v4l2_fract *fract)
{
	return div_u64((u64)fract->numerator * NSEC_PER_SEC,
		       fract->denominator);
}

/**
 * vivbuf_interval() - a supported frame interval
 * @index: its index, as returned by vivbuf_nearest_interval()
 *
 * Return: the interval; the default one for an index out of range.
 */
const struct v4l2_fract *vivbuf_interval(unsigned int index)
{
	if (index >= ARRAY_SIZE(vivbuf_intervals))
		index = VIVBUF_DEF_INTERVAL;
	return &vivbuf_intervals[index];
}

/**
 * vivbuf_nearest_interval() - the supported interval nearest to a request
 * @tpf: the time per frame asked for (VIDIOC_S_PARM); 0 in either part
 *	 asks for the nominal interval
 *
 * Return: the index of the supported interval nearest to @tpf.
 */
unsigned int vivbuf_nearest_interval(const struct v4l2_fract *tpf)
{
	unsigned int i, best = VIVBUF_DEF_INTERVAL;
	u64 best_diff = U64_MAX;
	u64 wanted, ns, diff;

	if (!tpf->numerator || !tpf->denominator)
		return VIVBUF_DEF_INTERVAL;

	wanted = vivbuf_fract_to_ns(tpf);
	for (i = 0; i < ARRAY_SIZE(vivbuf_intervals); i++) {
		ns = vivbuf_fract_to_ns(&vivbuf_intervals[i]);
		diff = ns > wanted ? ns - wanted : wanted - ns;
		if (diff < best_diff) {
			best_diff = diff;
			best = i;
		}
	}
	return best;
}

/* Formats with several memory planes need the multi-planar API */
static bool vivbuf_format_usable(bool multiplanar,
				 const struct vivbuf_format *info)
{
	return multiplanar || info->mem_planes == 1;
}

/**
 * vivbuf_find_format() - look up a pixel format
 * @multiplanar: the node uses the multi-planar API
 * @fourcc: the V4L2 pixel format
 *
 * Return: the format, or NULL if the node does not support it.
 */
const struct vivbuf_format *vivbuf_find_format(bool multiplanar, u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vivbuf_formats); i++) {
		if (vivbuf_formats[i].fourcc == fourcc &&
		    vivbuf_format_usable(multiplanar, &vivbuf_formats[i]))
			return &vivbuf_formats[i];
	}
	return NULL;
}

/**
 * vivbuf_enum_format() - VIDIOC_ENUM_FMT for a node
 * @multiplanar: the node uses the multi-planar API
 * @f: the request; the pixel format at @f->index is filled in
 *
 * Return: 0, or -EINVAL past the last format.
 */
int vivbuf_enum_format(bool multiplanar, struct v4l2_fmtdesc *f)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(vivbuf_formats); i++) {
		if (!vivbuf_format_usable(multiplanar, &vivbuf_formats[i]))
			continue;
		if (n++ == f->index) {
			/* The V4L2 core fills in the description */
			f->pixelformat = vivbuf_formats[i].fourcc;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * vivbuf_try_fmt() - adjust a format to the nearest supported one
 * @multiplanar: the node uses the multi-planar API
 * @mp: the format; pixelformat, width and height are the request, every
 *	other field is the driver's
 *
 * Both APIs go through here: the single-planar one uses plane 0 only. An
 * unknown pixel format becomes the default one (YUYV).
 */
void vivbuf_try_fmt(bool multiplanar, struct v4l2_pix_format_mplane *mp)
{
	const struct vivbuf_format *info;
	u32 width = mp->width;
	u32 height = mp->height;
	u32 bytesperline, luma_size, cbcr_size;

	info = vivbuf_find_format(multiplanar, mp->pixelformat);
	if (!info)
		info = &vivbuf_formats[0];

	/* The limits are multiples of the steps, so this gives a valid size */
	v4l_bound_align_image(&width, VIVBUF_MIN_WIDTH, VIVBUF_MAX_WIDTH,
			      ilog2(VIVBUF_STEP_WIDTH),
			      &height, VIVBUF_MIN_HEIGHT, VIVBUF_MAX_HEIGHT,
			      ilog2(VIVBUF_STEP_HEIGHT), 0);

	bytesperline = width * info->bpp;
	luma_size = bytesperline * height;
	cbcr_size = info->has_cbcr_plane ? luma_size / 2 : 0;

	mp->pixelformat = info->fourcc;
	mp->width = width;
	mp->height = height;
	mp->field = V4L2_FIELD_NONE;
	mp->flags = 0;
	mp->num_planes = info->mem_planes;
	memset(mp->plane_fmt, 0, sizeof(mp->plane_fmt));
	mp->plane_fmt[0].bytesperline = bytesperline;
	if (info->mem_planes == 2) {
		mp->plane_fmt[0].sizeimage = luma_size;
		mp->plane_fmt[1].bytesperline = bytesperline;
		mp->plane_fmt[1].sizeimage = cbcr_size;
	} else {
		mp->plane_fmt[0].sizeimage = luma_size + cbcr_size;
	}

	if (info->is_yuv) {
		mp->colorspace = V4L2_COLORSPACE_REC709;
		mp->xfer_func = V4L2_XFER_FUNC_709;
		mp->ycbcr_enc = V4L2_YCBCR_ENC_709;
		mp->quantization = V4L2_QUANTIZATION_LIM_RANGE;
	} else {
		mp->colorspace = V4L2_COLORSPACE_SRGB;
		mp->xfer_func = V4L2_XFER_FUNC_SRGB;
		/* No meaning for RGB; the default that sRGB maps to */
		mp->ycbcr_enc = V4L2_YCBCR_ENC_601;
		mp->quantization = V4L2_QUANTIZATION_FULL_RANGE;
	}
	memset(mp->reserved, 0, sizeof(mp->reserved));
}

/**
 * vivbuf_pix_to_mp() - a single-planar format in the multi-planar layout
 * @pix: the format, as userspace gave it
 * @mp: set to @pix's size, pixel format and colorimetry, every other field
 *	0: the request that vivbuf_try_fmt() and the m2m node read
 */
void vivbuf_pix_to_mp(const struct v4l2_pix_format *pix,
		      struct v4l2_pix_format_mplane *mp)
{
	memset(mp, 0, sizeof(*mp));
	mp->width = pix->width;
	mp->height = pix->height;
	mp->pixelformat = pix->pixelformat;
	mp->colorspace = pix->colorspace;
	mp->xfer_func = pix->xfer_func;
	mp->ycbcr_enc = pix->ycbcr_enc;
	mp->quantization = pix->quantization;
}

/**
 * vivbuf_mp_to_pix() - a format of one memory plane in the single-planar
 *			layout
 * @mp: the format, with one memory plane
 * @pix: set to @mp, every field it has no value for 0 (the V4L2 core sets
 *	 @pix->priv afterwards)
 */
void vivbuf_mp_to_pix(const struct v4l2_pix_format_mplane *mp,
		      struct v4l2_pix_format *pix)
{
	memset(pix, 0, sizeof(*pix));
	pix->width = mp->width;
	pix->height = mp->height;
	pix->pixelformat = mp->pixelformat;
	pix->field = mp->field;
	pix->bytesperline = mp->plane_fmt[0].bytesperline;
	pix->sizeimage = mp->plane_fmt[0].sizeimage;
	pix->colorspace = mp->colorspace;
	pix->flags = mp->flags;
	pix->ycbcr_enc = mp->ycbcr_enc;
	pix->quantization = mp->quantization;
	pix->xfer_func = mp->xfer_func;
}

static bool vivbuf_valid_size(u32 width, u32 height)
{
	return width >= VIVBUF_MIN_WIDTH && width <= VIVBUF_MAX_WIDTH &&
	       !((width - VIVBUF_MIN_WIDTH) % VIVBUF_STEP_WIDTH) &&
	       height >= VIVBUF_MIN_HEIGHT && height <= VIVBUF_MAX_HEIGHT &&
	       !((height - VIVBUF_MIN_HEIGHT) % VIVBUF_STEP_HEIGHT);
}

/**
 * vivbuf_enum_framesizes() - VIDIOC_ENUM_FRAMESIZES for a node
 * @multiplanar: the node uses the multi-planar API
 * @fsize: the request, filled in with the stepwise range
 *
 * Return: 0, or -EINVAL for an unknown format or a non-zero index.
 */
int vivbuf_enum_framesizes(bool multiplanar, struct v4l2_frmsizeenum *fsize)
{
	if (fsize->index || !vivbuf_find_format(multiplanar, fsize->pixel_format))
		return -EINVAL;

	fsize->type = V4L2_FRMSIZE_TYPE_STEPWISE;
	fsize->stepwise.min_width = VIVBUF_MIN_WIDTH;
	fsize->stepwise.max_width = VIVBUF_MAX_WIDTH;
	fsize->stepwise.step_width = VIVBUF_STEP_WIDTH;
	fsize->stepwise.min_height = VIVBUF_MIN_HEIGHT;
	fsize->stepwise.max_height = VIVBUF_MAX_HEIGHT;
	fsize->stepwise.step_height = VIVBUF_STEP_HEIGHT;
	return 0;
}

/**
 * vivbuf_enum_frameintervals() - VIDIOC_ENUM_FRAMEINTERVALS for a node
 * @multiplanar: the node uses the multi-planar API
 * @fival: the request, filled in with the discrete interval at its index
 *
 * Return: 0, or -EINVAL for an unknown format or size, or past the last
 * interval.
 */
int vivbuf_enum_frameintervals(bool multiplanar,
			       struct v4l2_frmivalenum *fival)
{
	if (fival->index >= ARRAY_SIZE(vivbuf_intervals) ||
	    !vivbuf_find_format(multiplanar, fival->pixel_format) ||
	    !vivbuf_valid_size(fival->width, fival->height))
		return -EINVAL;

	fival->type = V4L2_FRMIVAL_TYPE_DISCRETE;
	fival->discrete = vivbuf_intervals[fival->index];
	return 0;
}
