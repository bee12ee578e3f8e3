// SPDX-License-Identifier: GPL-2.0
/*
 * vivbuf: the pixel formats and the conversion of the memory-to-memory node.
 *
 * Exactly specified, so that a test can compute every output byte. Integer
 * arithmetic only; ">> n" is an arithmetic shift, i.e. the floor of a
 * division by 2^n, also for negative values; clamp() limits to 0..255.
 *
 * YUYV is BT.601 Y'CbCr in limited range: bytes Y0 Cb Y1 Cr per two pixels.
 * XRGB32 ('BX24') is full range R'G'B': bytes X R G B per pixel.
 *
 * YUYV -> XRGB32, both pixels of a pair with the pair's Cb and Cr:
 *	C = Y - 16, D = Cb - 128, E = Cr - 128
 *	R = clamp((298 * C + 409 * E + 128) >> 8)
 *	G = clamp((298 * C - 100 * D - 208 * E + 128) >> 8)
 *	B = clamp((298 * C + 516 * D + 128) >> 8)
 *	X = 0
 *
 * XRGB32 -> YUYV, X ignored; chroma from the sums of the pair's two pixels
 * (R = R0 + R1 etc.), which keeps the results within 16..235 (Y) and
 * 16..240 (Cb, Cr) without clamping:
 *	Yi = ((66 * Ri + 129 * Gi + 25 * Bi + 128) >> 8) + 16
 *	Cb = ((-38 * R - 74 * G + 112 * B + 256) >> 9) + 128
 *	Cr = ((112 * R - 94 * G - 18 * B + 256) >> 9) + 128
 *
 * Same format on both sides: a byte-for-byte copy (X bytes included).
 */

#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/videodev2.h>

#include "vivbuf-m2m.h"

/* The first entry is the default format */
static const struct vivbuf_m2m_format vivbuf_m2m_formats[] = {
	{ .fourcc = V4L2_PIX_FMT_YUYV, .bpp = 2, .is_yuv = true },
	{ .fourcc = V4L2_PIX_FMT_XRGB32, .bpp = 4 },
};

/**
 * vivbuf_m2m_get_format() - the m2m node's format number @index
 * @index: 0 for the default format
 *
 * Return: the format, or NULL past the last one.
 */
const struct vivbuf_m2m_format *vivbuf_m2m_get_format(unsigned int index)
{
	if (index >= ARRAY_SIZE(vivbuf_m2m_formats))
		return NULL;
	return &vivbuf_m2m_formats[index];
}

/**
 * vivbuf_m2m_find_format() - look up a pixel format of the m2m node
 * @fourcc: V4L2 pixel format
 *
 * Return: the format, or NULL when the node does not support @fourcc.
 */
const struct vivbuf_m2m_format *vivbuf_m2m_find_format(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vivbuf_m2m_formats); i++)
		if (vivbuf_m2m_formats[i].fourcc == fourcc)
			return &vivbuf_m2m_formats[i];
	return NULL;
}

static inline u8 vivbuf_clamp_u8(int v)
{
	return clamp(v, 0, 255);
}

static void vivbuf_yuyv_to_xrgb32_line(const u8 *src, u8 *dst,
				       unsigned int width)
{
	unsigned int x, i;
	int c, d, e;

	for (x = 0; x < width; x += 2, src += 4, dst += 8) {
		d = src[1] - 128;
		e = src[3] - 128;
		for (i = 0; i < 2; i++) {
			c = 298 * (src[2 * i] - 16);
			dst[4 * i] = 0;
			dst[4 * i + 1] = vivbuf_clamp_u8((c + 409 * e + 128) >> 8);
			dst[4 * i + 2] = vivbuf_clamp_u8((c - 100 * d - 208 * e +
							  128) >> 8);
			dst[4 * i + 3] = vivbuf_clamp_u8((c + 516 * d + 128) >> 8);
		}
	}
}

static void vivbuf_xrgb32_to_yuyv_line(const u8 *src, u8 *dst,
				       unsigned int width)
{
	unsigned int x, i;
	int r, g, b;

	for (x = 0; x < width; x += 2, src += 8, dst += 4) {
		for (i = 0; i < 2; i++) {
			r = src[4 * i + 1];
			g = src[4 * i + 2];
			b = src[4 * i + 3];
			dst[2 * i] = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
		}
		r = src[1] + src[5];
		g = src[2] + src[6];
		b = src[3] + src[7];
		dst[1] = ((-38 * r - 74 * g + 112 * b + 256) >> 9) + 128;
		dst[3] = ((112 * r - 94 * g - 18 * b + 256) >> 9) + 128;
	}
}

/**
 * vivbuf_m2m_convert_frame() - convert one frame, as the file header says
 * @src: the source frame
 * @src_fourcc: its format, one of the node's
 * @src_stride: bytes per line of @src
 * @dst: the destination frame, of the same size
 * @dst_fourcc: its format, one of the node's
 * @dst_stride: bytes per line of @dst
 * @width: width in pixels, even
 * @height: height in lines
 */
void vivbuf_m2m_convert_frame(const u8 *src, u32 src_fourcc,
			      unsigned int src_stride,
			      u8 *dst, u32 dst_fourcc,
			      unsigned int dst_stride,
			      unsigned int width, unsigned int height)
{
	const struct vivbuf_m2m_format *info = vivbuf_m2m_find_format(dst_fourcc);
	unsigned int y;

	for (y = 0; y < height; y++, src += src_stride, dst += dst_stride) {
		if (src_fourcc == dst_fourcc)
			memcpy(dst, src, width * info->bpp);
		else if (src_fourcc == V4L2_PIX_FMT_YUYV)
			vivbuf_yuyv_to_xrgb32_line(src, dst, width);
		else
			vivbuf_xrgb32_to_yuyv_line(src, dst, width);
	}
}
