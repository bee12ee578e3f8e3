/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vivbuf: the memory-to-memory node, its pixel formats and its conversion.
 */
#ifndef _VIVBUF_M2M_H_
#define _VIVBUF_M2M_H_

#include <linux/types.h>

struct vivbuf_dev;

/**
 * struct vivbuf_m2m_format - a pixel format of the m2m node (both queues)
 * @fourcc: V4L2 pixel format, one plane
 * @bpp: bytes per pixel
 * @is_yuv: Y'CbCr (BT.601, limited range) rather than R'G'B' (full range)
 */
struct vivbuf_m2m_format {
	u32 fourcc;
	u8 bpp;
	bool is_yuv;
};

const struct vivbuf_m2m_format *vivbuf_m2m_get_format(unsigned int index);
const struct vivbuf_m2m_format *vivbuf_m2m_find_format(u32 fourcc);

void vivbuf_m2m_convert_frame(const u8 *src, u32 src_fourcc,
			      unsigned int src_stride,
			      u8 *dst, u32 dst_fourcc,
			      unsigned int dst_stride,
			      unsigned int width, unsigned int height);

#if IS_ENABLED(CONFIG_V4L2_MEM2MEM_DEV)
int vivbuf_m2m_register(struct vivbuf_dev *dev, bool multiplanar,
			unsigned int mem_types);
void vivbuf_m2m_unregister(struct vivbuf_dev *dev);
#else
/* A kernel without v4l2-mem2mem (Debian 12's 6.1): no m2m node. */
static inline int vivbuf_m2m_register(struct vivbuf_dev *dev, bool multiplanar,
				      unsigned int mem_types)
{
	return 0;
}

static inline void vivbuf_m2m_unregister(struct vivbuf_dev *dev)
{
}
#endif

#endif /* _VIVBUF_M2M_H_ */
