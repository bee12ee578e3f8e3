// SPDX-License-Identifier: GPL-2.0
/*
 * kms-grab: save what a CRTC's primary plane shows to a PNG file.
 *
 * The framebuffer is read where it lives, through its GEM handle
 * (drmModeGetFB2, needs root). A framebuffer made from an imported dma-buf
 * (the zero-copy case) is read through that dma-buf: PRIME export of the
 * handle gives it back, mapped inside DMA_BUF_IOCTL_SYNC read brackets, so
 * the picture is the exporter's own memory, exactly what the display engine
 * scans out. A driver's own dumb buffer is mapped with MODE_MAP_DUMB
 * instead: PRIME-exporting it would attach a dma-buf to it, and with it a
 * reference on the driver module, for as long as its owner (say the fbdev
 * console) keeps the buffer. The log line names the dma-buf's exporter,
 * because tests count the CPU mappings that grabbing adds to it.
 *
 *   kms-grab [-M DRIVER | -d /dev/dri/cardN] [-c CRTC_ID] OUT.png
 *   kms-grab --from-raw FILE WIDTH HEIGHT FOURCC [STRIDE] OUT.png
 *
 * The second form converts a raw frame (e.g. one captured with v4l2-ctl)
 * with the same code, so two PNGs of the same pixels are byte-identical and
 * tests compare them with cmp. FOURCC is a DRM fourcc: XR24, AR24, XB24,
 * AB24, BX24 (V4L2's XRGB32, which vkms cannot scan out but vivbuf's m2m
 * node writes) or RG16. Only the colour channels are kept (X/alpha is
 * dropped).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "util.h"

struct frame {
	const uint8_t *pixels;	/* first pixel of the first row */
	uint32_t width, height, stride, fourcc;
};


static unsigned int bytes_per_pixel(uint32_t fourcc)
{
	switch (fourcc) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888:
	case DRM_FORMAT_BGRX8888:
		return 4;
	case DRM_FORMAT_RGB565:
		return 2;
	default:
		return 0;
	}
}

static void to_rgb(const struct frame *f, uint32_t x, const uint8_t *row,
		   uint8_t *rgb)
{
	const uint8_t *p = row + x * bytes_per_pixel(f->fourcc);
	uint16_t v;

	switch (f->fourcc) {
	case DRM_FORMAT_XRGB8888:	/* little-endian x:R:G:B, bytes B G R x */
	case DRM_FORMAT_ARGB8888:
		rgb[0] = p[2], rgb[1] = p[1], rgb[2] = p[0];
		break;
	case DRM_FORMAT_XBGR8888:	/* bytes R G B x */
	case DRM_FORMAT_ABGR8888:
		rgb[0] = p[0], rgb[1] = p[1], rgb[2] = p[2];
		break;
	case DRM_FORMAT_BGRX8888:	/* little-endian B:G:R:x, bytes x R G B */
		rgb[0] = p[1], rgb[1] = p[2], rgb[2] = p[3];
		break;
	case DRM_FORMAT_RGB565:
		v = p[0] | p[1] << 8;
		rgb[0] = (v >> 11 & 0x1f) << 3 | (v >> 13 & 0x7);
		rgb[1] = (v >> 5 & 0x3f) << 2 | (v >> 9 & 0x3);
		rgb[2] = (v & 0x1f) << 3 | (v >> 2 & 0x7);
		break;
	}
}

static void write_png(const struct frame *f, const char *path)
{
	png_structp png;
	png_infop info;
	uint8_t *row;
	uint32_t x, y;
	FILE *out;

	out = fopen(path, "wb");
	if (!out)
		die("cannot create %s", path);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info || setjmp(png_jmpbuf(png)))
		die("libpng failed writing %s", path);
	png_init_io(png, out);
	png_set_IHDR(png, info, f->width, f->height, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	row = malloc(f->width * 3);
	if (!row)
		die("%s", strerror(ENOMEM));
	for (y = 0; y < f->height; y++) {
		const uint8_t *src = f->pixels + (size_t)y * f->stride;

		for (x = 0; x < f->width; x++)
			to_rgb(f, x, src, row + x * 3);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	if (fclose(out))
		die("cannot write %s", path);
}

static uint32_t parse_fourcc(const char *s)
{
	uint32_t fourcc;

	if (strlen(s) != 4)
		die("bad fourcc '%s'", s);
	fourcc = fourcc_code(s[0], s[1], s[2], s[3]);
	if (!bytes_per_pixel(fourcc))
		die("unsupported fourcc '%s'", s);
	return fourcc;
}

static int from_raw(int argc, char **argv)
{
	struct frame f;
	size_t size;
	uint8_t *data;
	FILE *in;

	if (argc != 5 && argc != 6)
		die("%s", "usage: --from-raw FILE WIDTH HEIGHT FOURCC [STRIDE] OUT.png");
	f.width = strtoul(argv[1], NULL, 0);
	f.height = strtoul(argv[2], NULL, 0);
	f.fourcc = parse_fourcc(argv[3]);
	f.stride = argc == 6 ? strtoul(argv[4], NULL, 0) :
		   f.width * bytes_per_pixel(f.fourcc);
	if (!f.width || !f.height || f.stride < f.width * bytes_per_pixel(f.fourcc))
		die("%s", "bad frame geometry");
	size = (size_t)f.stride * f.height;
	data = malloc(size);
	in = fopen(argv[0], "rb");
	if (!data || !in)
		die("cannot read %s", argv[0]);
	if (fread(data, 1, size, in) != size)
		die("%s is shorter than one frame", argv[0]);
	fclose(in);
	f.pixels = data;
	write_png(&f, argv[argc - 1]);
	free(data);
	return 0;
}

/*
 * The first opener of a card becomes its DRM master. kms-grab only reads,
 * and a display client (kmssink) opening the card while kms-grab holds it
 * could then not set its mode, so mastership goes at once. Not a master:
 * nothing to drop, and the error is of no interest.
 */
static int open_card_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		drmDropMaster(fd);
	return fd;
}

static int open_card(const char *driver, const char *path)
{
	glob_t cards;
	size_t i;
	int fd = -1;

	if (path) {
		fd = open_card_node(path);
		if (fd < 0)
			die("cannot open %s", path);
		return fd;
	}
	if (glob("/dev/dri/card*", 0, NULL, &cards))
		die("%s", "no /dev/dri/card* device");
	for (i = 0; i < cards.gl_pathc && fd < 0; i++) {
		drmVersionPtr v;

		fd = open_card_node(cards.gl_pathv[i]);
		if (fd < 0 || !driver)
			continue;
		v = drmGetVersion(fd);
		if (!v || strcmp(v->name, driver)) {
			close(fd);
			fd = -1;
		}
		drmFreeVersion(v);
	}
	globfree(&cards);
	if (fd < 0)
		die("no DRM device of driver %s", driver ? driver : "(any)");
	return fd;
}

static int is_primary(int fd, uint32_t plane_id)
{
	drmModeObjectPropertiesPtr props;
	int primary = 0;
	uint32_t i;

	props = drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);
	for (i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && !strcmp(p->name, "type"))
			primary = props->prop_values[i] == DRM_PLANE_TYPE_PRIMARY;
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return primary;
}

/* The framebuffer on @crtc_id's primary plane (or on the first active CRTC). */
static uint32_t shown_fb(int fd, uint32_t crtc_id)
{
	drmModePlaneResPtr planes = drmModeGetPlaneResources(fd);
	uint32_t fb = 0, i;

	if (!planes)
		die("drmModeGetPlaneResources: %s", strerror(errno));
	for (i = 0; i < planes->count_planes && !fb; i++) {
		drmModePlanePtr p = drmModeGetPlane(fd, planes->planes[i]);

		if (p && p->fb_id && p->crtc_id &&
		    (!crtc_id || p->crtc_id == crtc_id) &&
		    is_primary(fd, p->plane_id))
			fb = p->fb_id;
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(planes);
	if (!fb)
		die("%s", "no primary plane is showing a framebuffer");
	return fb;
}

/* Maps a native dumb buffer; NULL if @handle is not one (an import). */
static void *map_dumb(int fd, uint32_t handle, size_t *size)
{
	struct drm_mode_map_dumb map = { .handle = handle };
	void *p;

	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return NULL;
	p = mmap(NULL, *size, PROT_READ, MAP_SHARED, fd, map.offset);
	return p == MAP_FAILED ? NULL : p;
}

static void *map_prime(int fd, uint32_t handle, size_t *size, int *buf_fd)
{
	struct dma_buf_sync sync = {
		.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ,
	};
	off_t end;
	void *p;

	if (drmPrimeHandleToFD(fd, handle, DRM_CLOEXEC, buf_fd))
		die("PRIME export of the framebuffer: %s", strerror(errno));
	end = lseek(*buf_fd, 0, SEEK_END);
	if (end < (off_t)*size)
		die("%s", "the framebuffer's dma-buf is too small");
	*size = end;
	p = mmap(NULL, *size, PROT_READ, MAP_SHARED, *buf_fd, 0);
	if (p == MAP_FAILED)
		die("mmap of the framebuffer's dma-buf: %s", strerror(errno));
	if (ioctl(*buf_fd, DMA_BUF_IOCTL_SYNC, &sync))
		die("DMA_BUF_IOCTL_SYNC: %s", strerror(errno));
	return p;
}

/* The exporter of a dma-buf, from its fdinfo ("exp_name:\tNAME"). */
static void exporter_name(int buf_fd, char *name, size_t len)
{
	char path[64], line[128];
	FILE *f;

	snprintf(name, len, "%s", "unknown exporter");
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", buf_fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "exp_name: %63s", path) == 1) {
			snprintf(name, len, "%s", path);
			break;
		}
	}
	fclose(f);
}

static int grab(int fd, uint32_t crtc_id, const char *out)
{
	struct dma_buf_sync sync = {
		.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ,
	};
	char source[96] = "dumb buffer";
	int buf_fd = -1, i;
	drmModeFB2Ptr fb;
	struct frame f;
	size_t size;
	void *map;

	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	fb = drmModeGetFB2(fd, shown_fb(fd, crtc_id));
	if (!fb)
		die("drmModeGetFB2: %s", strerror(errno));
	if (!fb->handles[0])
		die("%s", "drmModeGetFB2 gave no buffer handle (run as root)");
	if (fb->modifier != DRM_FORMAT_MOD_LINEAR &&
	    fb->modifier != DRM_FORMAT_MOD_INVALID)
		die("%s", "the framebuffer is not linear");
	if (!bytes_per_pixel(fb->pixel_format))
		die("%s", "unsupported framebuffer format");

	size = (size_t)fb->offsets[0] + (size_t)fb->pitches[0] * fb->height;
	map = map_dumb(fd, fb->handles[0], &size);
	if (!map)
		map = map_prime(fd, fb->handles[0], &size, &buf_fd);
	f.pixels = (const uint8_t *)map + fb->offsets[0];
	f.width = fb->width;
	f.height = fb->height;
	f.stride = fb->pitches[0];
	f.fourcc = fb->pixel_format;
	write_png(&f, out);
	if (buf_fd >= 0) {
		char exporter[64];

		exporter_name(buf_fd, exporter, sizeof(exporter));
		snprintf(source, sizeof(source), "dma-buf of %s", exporter);
		ioctl(buf_fd, DMA_BUF_IOCTL_SYNC, &sync);
		close(buf_fd);
	}
	munmap(map, size);

	fprintf(stderr, "kms-grab: framebuffer %u, %ux%u %.4s, pitch %u, %s -> %s\n",
		fb->fb_id, fb->width, fb->height, (const char *)&fb->pixel_format,
		fb->pitches[0], source, out);
	for (i = 0; i < 4; i++) {
		int j, seen = 0;

		for (j = 0; j < i; j++)
			seen |= fb->handles[j] == fb->handles[i];
		if (fb->handles[i] && !seen)
			drmCloseBufferHandle(fd, fb->handles[i]);
	}
	drmModeFreeFB2(fb);
	return 0;
}

int main(int argc, char **argv)
{
	const char *driver = NULL, *path = NULL;
	uint32_t crtc_id = 0;
	int opt;

	if (argc > 1 && !strcmp(argv[1], "--from-raw"))
		return from_raw(argc - 2, argv + 2);
	while ((opt = getopt(argc, argv, "M:d:c:")) != -1) {
		switch (opt) {
		case 'M':
			driver = optarg;
			break;
		case 'd':
			path = optarg;
			break;
		case 'c':
			crtc_id = strtoul(optarg, NULL, 0);
			break;
		default:
			optind = argc;
			break;
		}
	}
	if (optind != argc - 1)
		die("%s", "usage: kms-grab [-M DRIVER | -d /dev/dri/cardN] [-c CRTC_ID] OUT.png\n"
		    "       kms-grab --from-raw FILE WIDTH HEIGHT FOURCC [STRIDE] OUT.png");
	return grab(open_card(driver, path), crtc_id, argv[optind]);
}
