// SPDX-License-Identifier: GPL-2.0
/*
 * kms_waits_for_frame: a KMS atomic commit (vkms) of a framebuffer made
 * from an in-flight capture buffer does not scan out before the frame is
 * done. At 1 s per frame, two MMAP buffers are queued and streaming starts;
 * buffer 1 is exported, imported into vkms with PRIME, wrapped in a
 * framebuffer and committed (non-blocking, with a flip event) right away.
 * The atomic helpers wait for the write fence we put in the buffer's
 * dma_resv, so the flip event must come after the frame's end: its vblank
 * timestamp is not before the buffer's timestamp (taken at the frame's
 * end), and about 2 s after STREAMON rather than at the next vblank.
 */
#include <glob.h>
#include <sys/stat.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "fences.h"

struct kms {
	int fd;
	uint32_t conn_id, crtc_id, plane_id;
	drmModeModeInfo mode;
};

static bool vkms_loaded_here;
static int kms_fd = -1;

/* At exit, also after a failed check: vkms is unloaded once unused. */
static void unload_vkms(void)
{
	if (kms_fd >= 0)
		close(kms_fd);
	if (vkms_loaded_here && system("rmmod vkms"))
		diag("rmmod vkms failed");
}

static int open_vkms(void)
{
	drmVersionPtr ver;
	glob_t g;
	unsigned int tries;
	size_t i;
	int fd;

	for (tries = 0; tries < 40; tries++) {
		if (!glob("/dev/dri/card*", 0, NULL, &g)) {
			for (i = 0; i < g.gl_pathc; i++) {
				fd = open(g.gl_pathv[i], O_RDWR | O_CLOEXEC);
				if (fd < 0)
					continue;
				ver = drmGetVersion(fd);
				if (ver && !strcmp(ver->name, "vkms")) {
					drmFreeVersion(ver);
					globfree(&g);
					return fd;
				}
				drmFreeVersion(ver);
				close(fd);
			}
			globfree(&g);
		}
		usleep(50 * 1000);
	}
	CHECK(0, "no vkms DRM device");
	return -1;
}

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name)
{
	drmModeObjectPropertiesPtr props;
	drmModePropertyPtr prop;
	uint32_t id = 0;
	uint32_t i;

	props = drmModeObjectGetProperties(fd, obj, type);
	CHECK(props, "properties of object %u", obj);
	for (i = 0; i < props->count_props && !id; i++) {
		prop = drmModeGetProperty(fd, props->props[i]);
		if (prop && !strcmp(prop->name, name))
			id = prop->prop_id;
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	CHECK(id, "object %u has no property %s", obj, name);
	return id;
}

static bool is_primary(int fd, uint32_t plane)
{
	drmModeObjectPropertiesPtr props;
	drmModePropertyPtr prop;
	bool primary = false;
	uint32_t i;

	props = drmModeObjectGetProperties(fd, plane, DRM_MODE_OBJECT_PLANE);
	CHECK(props, "properties of plane %u", plane);
	for (i = 0; i < props->count_props; i++) {
		prop = drmModeGetProperty(fd, props->props[i]);
		if (prop && !strcmp(prop->name, "type"))
			primary = props->prop_values[i] == DRM_PLANE_TYPE_PRIMARY;
		drmModeFreeProperty(prop);
	}
	drmModeFreeObjectProperties(props);
	return primary;
}

/* vivbuf sizes: 320..1920 step 16 by 240..1080 step 8 */
static bool vivbuf_size(unsigned int w, unsigned int h)
{
	return w >= 320 && w <= 1920 && !((w - 320) % 16) &&
	       h >= 240 && h <= 1080 && !((h - 240) % 8);
}

static void kms_setup(struct kms *k)
{
	drmModePlaneResPtr planes;
	drmModeConnectorPtr conn = NULL;
	drmModeResPtr res;
	drmModePlanePtr plane;
	int i, m, best = -1;
	uint32_t p;

	if (access("/sys/module/vkms", F_OK)) {
		/* Skip where the kernel has no vkms (6.1); fail if it will not load. */
		if (system("modprobe -q -n vkms"))
			skip_test("the kernel has no vkms module");
		CHECK(!system("modprobe vkms"), "modprobe vkms failed");
		vkms_loaded_here = true;
		atexit(unload_vkms);
	}
	k->fd = open_vkms();
	kms_fd = k->fd;
	CHECK(!drmSetClientCap(k->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1),
	      "universal planes");
	CHECK(!drmSetClientCap(k->fd, DRM_CLIENT_CAP_ATOMIC, 1), "atomic");

	res = drmModeGetResources(k->fd);
	CHECK(res && res->count_crtcs > 0, "vkms resources");
	for (i = 0; i < res->count_connectors && best < 0; i++) {
		conn = drmModeGetConnector(k->fd, res->connectors[i]);
		if (conn && conn->connection == DRM_MODE_CONNECTED) {
			/* The smallest mode vivbuf can capture: cheap frames */
			for (m = 0; m < conn->count_modes; m++) {
				drmModeModeInfo *mi = &conn->modes[m];

				if (vivbuf_size(mi->hdisplay, mi->vdisplay) &&
				    (best < 0 || mi->hdisplay * mi->vdisplay <
				     conn->modes[best].hdisplay *
				     conn->modes[best].vdisplay))
					best = m;
			}
			if (best >= 0) {
				k->conn_id = conn->connector_id;
				k->mode = conn->modes[best];
			}
		}
		drmModeFreeConnector(conn);
	}
	CHECK(best >= 0, "no connected vkms connector with a mode vivbuf can capture");
	k->crtc_id = res->crtcs[0];

	planes = drmModeGetPlaneResources(k->fd);
	CHECK(planes, "plane resources");
	for (p = 0; p < planes->count_planes && !k->plane_id; p++) {
		plane = drmModeGetPlane(k->fd, planes->planes[p]);
		if (plane && (plane->possible_crtcs & 1) &&
		    is_primary(k->fd, plane->plane_id))
			k->plane_id = plane->plane_id;
		drmModeFreePlane(plane);
	}
	drmModeFreePlaneResources(planes);
	drmModeFreeResources(res);
	CHECK(k->plane_id, "no primary plane on CRTC %u", k->crtc_id);
	diag("vkms: connector %u, CRTC %u, plane %u, mode %s",
	     k->conn_id, k->crtc_id, k->plane_id, k->mode.name);
}

#define ADD(obj, type, name, value)					\
	CHECK(drmModeAtomicAddProperty(req, obj,			\
				       prop_id(k->fd, obj, type, name),	\
				       value) > 0, "add %s", name)

/* Shows @fb_id full screen; @fb_id 0 turns the display off. */
static int kms_commit(struct kms *k, uint32_t fb_id, uint32_t flags)
{
	drmModeAtomicReqPtr req = drmModeAtomicAlloc();
	uint32_t w = k->mode.hdisplay, h = k->mode.vdisplay;
	uint32_t blob = 0;
	int ret;

	CHECK(req, "drmModeAtomicAlloc");
	if (fb_id)
		CHECK(!drmModeCreatePropertyBlob(k->fd, &k->mode,
						 sizeof(k->mode), &blob),
		      "mode blob");
	ADD(k->crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", blob);
	ADD(k->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", !!fb_id);
	ADD(k->conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID",
	    fb_id ? k->crtc_id : 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID", fb_id);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_ID",
	    fb_id ? k->crtc_id : 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_X", 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_Y", 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_W", fb_id ? w << 16 : 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "SRC_H", fb_id ? h << 16 : 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_X", 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_Y", 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_W", fb_id ? w : 0);
	ADD(k->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_H", fb_id ? h : 0);
	ret = drmModeAtomicCommit(k->fd, req,
				  flags | DRM_MODE_ATOMIC_ALLOW_MODESET, NULL);
	drmModeAtomicFree(req);
	if (blob)
		drmModeDestroyPropertyBlob(k->fd, blob);
	return ret;
}

static uint64_t flip_us;

static void flip_done(int fd, unsigned int seq, unsigned int sec,
		      unsigned int usec, void *data)
{
	(void)fd;
	(void)seq;
	(void)data;
	flip_us = (uint64_t)sec * 1000000 + usec;
}

int main(void)
{
	drmEventContext ev = {
		.version = 2,
		.page_flip_handler = flip_done,
	};
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint64_t start, committed, frame_us, received_us;
	struct timespec received;
	uint32_t handle, fb_id;
	struct dq_buf b;
	struct vdev d;
	struct kms k;
	int dmabuf;

	test_init("kms_waits_for_frame");
	require_fences();
	kms_setup(&k);

	vdev_open(&d, 0);
	vdev_set_format(&d, V4L2_PIX_FMT_XRGB32, k.mode.hdisplay,
			k.mode.vdisplay);
	vdev_set_frame_rate(&d, 1);
	CHECK(vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 2) >= 2, "REQBUFS MMAP 2");
	dmabuf = vdev_expbuf(&d, 1, 0, O_RDWR | O_CLOEXEC);
	CHECK(dmabuf >= 0, "EXPBUF 1");
	CHECK(!drmPrimeFDToHandle(k.fd, dmabuf, &handle), "PRIME import");
	handles[0] = handle;
	pitches[0] = k.mode.hdisplay * 4;
	CHECK(!drmModeAddFB2(k.fd, k.mode.hdisplay, k.mode.vdisplay,
			     DRM_FORMAT_XRGB8888, handles, pitches, offsets,
			     &fb_id, 0), "ADDFB2 from the capture buffer");

	qbuf_mmap(&d, 0);
	qbuf_mmap(&d, 1);
	vdev_streamon(&d);
	start = now_ms();
	CHECK(poll_one(dmabuf, POLLIN, 0) == 0, "buffer 1 not in flight");

	CHECK(!kms_commit(&k, fb_id, DRM_MODE_ATOMIC_NONBLOCK |
			  DRM_MODE_PAGE_FLIP_EVENT),
	      "non-blocking commit of the in-flight buffer");
	committed = now_ms();
	CHECK(poll_one(k.fd, POLLIN, 6000) == 1, "no flip event");
	clock_gettime(CLOCK_MONOTONIC, &received);
	received_us = (uint64_t)received.tv_sec * 1000000 +
		      received.tv_nsec / 1000;
	CHECK(!drmHandleEvent(k.fd, &ev), "drmHandleEvent");
	diag("commit %llu ms, flip event %llu ms after STREAMON",
	     (unsigned long long)(committed - start),
	     (unsigned long long)(now_ms() - start));

	/* Buffer 0 ends at ~1 s, buffer 1, the one on screen, at ~2 s */
	CHECK(!vdev_dqbuf(&d, &b, 0) && b.buf.index == 0,
	      "buffer 0 not done when buffer 1 was scanned out");
	CHECK(!vdev_dqbuf(&d, &b, 0) && b.buf.index == 1,
	      "buffer 1 scanned out but not done");
	CHECK(!(b.buf.flags & V4L2_BUF_FLAG_ERROR), "buffer 1 failed");
	frame_us = dq_timestamp_ns(&b) / 1000;
	/*
	 * The event's own timestamp is the vblank vkms completed the flip
	 * on, and under emulation its vblank timer runs late, so that
	 * timestamp can predate the moment the flip was really done. When
	 * the event reached us is a strict bound: the commit cannot complete
	 * before our fence signals, which is after the frame's timestamp.
	 */
	diag("frame end %llu us, flip event received %+lld us, its vblank %+lld us",
	     (unsigned long long)frame_us,
	     (long long)(received_us - frame_us),
	     (long long)(flip_us - frame_us));
	CHECK(received_us >= frame_us,
	      "the flip to buffer 1 completed %llu us before its frame ended",
	      (unsigned long long)(frame_us - received_us));
	CHECK(now_ms() - committed >= 1000,
	      "flip %llu ms after the commit: did not wait for the frame",
	      (unsigned long long)(now_ms() - committed));

	CHECK(!kms_commit(&k, 0, 0), "display off");
	drmModeRmFB(k.fd, fb_id);
	drmCloseBufferHandle(k.fd, handle);
	close(k.fd);
	kms_fd = -1;
	vdev_streamoff(&d);
	close(dmabuf);
	vdev_close(&d);
	check_no_pending_fences();
	return EXIT_PASS;
}
