// SPDX-License-Identifier: GPL-2.0
/*
 * m2m_opens_memcg: every open of vivbuf's m2m node is a context with two
 * queues of its own, so a loop of opens could pin any amount of memory,
 * past any per-open budget (m2m_context_budget). What bounds it is the
 * caller's memory cgroup: the allocator charges buffer pages to it
 * (__GFP_ACCOUNT) and lets the charge fail rather than call the OOM killer
 * (__GFP_RETRY_MAYFAIL).
 *
 * A child moved into a cgroup whose memory.max leaves room for
 * MEMCG_BUFFERS buffers and a half drops to nobody and opens the node over
 * and over, each open holding one 8 MB buffer. It must get exactly
 * MEMCG_BUFFERS of them and then ENOMEM from REQBUFS; memory.current must
 * have grown by about their pages; the memcg OOM killer must not have run
 * (memory.events oom_kill) and the child must exit normally. Without the
 * charge the loop goes past the limit (the test stops it at MAX_OPENS);
 * with allocations allowed to invoke the OOM killer, the child is killed
 * instead of told.
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifetime.h"

#define INSTANCE	0
#define WIDTH		1920	/* the largest frame: 8 MB of XRGB32 */
#define HEIGHT		1080
#define CGROOT		"/sys/fs/cgroup"
#define CGROUP		CGROOT "/vivbuf-m2m-opens"
#define MEMCG_BUFFERS	6
#define MAX_OPENS	(MEMCG_BUFFERS + 8)
#define NOBODY		65534

static pid_t parent;
static char node_path[32];
static mode_t node_mode;
static bool node_chmodded;

/* At exit of the test (not of the child, which inherits the handler) */
static void restore(void)
{
	if (getpid() != parent)
		return;
	if (node_chmodded && chmod(node_path, node_mode))
		diag("could not restore the mode of %s", node_path);
	rmdir(CGROUP);
}

static uint64_t read_u64(const char *path)
{
	unsigned long long v;
	FILE *f = fopen(path, "re");

	CHECK(f, "open %s", path);
	CHECK(fscanf(f, "%llu", &v) == 1, "read a number from %s", path);
	fclose(f);
	return v;
}

/* The value of @key in a flat-keyed cgroup file (memory.events). */
static uint64_t read_key(const char *path, const char *key)
{
	unsigned long long v;
	char name[64];
	FILE *f = fopen(path, "re");

	CHECK(f, "open %s", path);
	while (fscanf(f, "%63s %llu", name, &v) == 2)
		if (!strcmp(name, key)) {
			fclose(f);
			return v;
		}
	fclose(f);
	check_failed(__FILE__, __LINE__, key, 0, "%s has no %s", path, key);
}

static bool memcg_available(void)
{
	char controllers[256] = "";
	FILE *f;

	if (access(CGROOT "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
		return false;
	f = fopen(CGROOT "/cgroup.controllers", "re");
	if (!f)
		return false;
	if (!fgets(controllers, sizeof(controllers), f))
		controllers[0] = 0;
	fclose(f);
	return strstr(controllers, "memory");
}

/* One more open of the node holding one buffer: 0, or the -errno. */
static int open_with_buffer(unsigned int nth)
{
	struct v4l2_capability caps;
	struct vdev src = { 0 }, d = { 0 };
	int n;

	d.fd = open(node_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(d.fd >= 0, "open %u of %s as nobody", nth, node_path);
	CHECK(!xioctl(d.fd, VIDIOC_QUERYCAP, &caps), "QUERYCAP");
	d.mplane = caps.device_caps & V4L2_CAP_VIDEO_M2M_MPLANE;
	src = d;
	src.type = d.mplane ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
		   V4L2_BUF_TYPE_VIDEO_OUTPUT;
	d.type = d.mplane ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
		 V4L2_BUF_TYPE_VIDEO_CAPTURE;
	/* The OUTPUT format sets the size of both queues */
	vdev_set_format(&src, V4L2_PIX_FMT_XRGB32, WIDTH, HEIGHT);
	vdev_set_format(&d, V4L2_PIX_FMT_XRGB32, WIDTH, HEIGHT);
	n = vdev_reqbufs(&d, V4L2_MEMORY_MMAP, 1);
	CHECK(n == 1 || n < 0, "open %u: REQBUFS 1 granted %d", nth, n);
	/* the fd stays open, and the context keeps its buffer, until exit */
	return n < 0 ? n : 0;
}

/*
 * The child, in CGROUP, as nobody. Exits 0 when the open after
 * MEMCG_BUFFERS opens that got their buffer gets ENOMEM, 1 otherwise.
 */
static int open_loop(void)
{
	unsigned int held;
	int ret;

	CHECK(!setgroups(0, NULL) && !setresgid(NOBODY, NOBODY, NOBODY) &&
	      !setresuid(NOBODY, NOBODY, NOBODY), "drop privileges");
	for (held = 0; held < MAX_OPENS; held++) {
		ret = open_with_buffer(held + 1);
		if (!ret)
			continue;
		diag("open %u: REQBUFS 1 failed with %s after %u buffers held",
		     held + 1, strerrorname_np(-ret), held);
		return ret == -ENOMEM && held == MEMCG_BUFFERS ? 0 : 1;
	}
	diag("%u opens held a buffer each, past a limit for %u: buffers not charged to the cgroup?",
	     MAX_OPENS, MEMCG_BUFFERS);
	return 1;
}

int main(void)
{
	uint64_t size, base, limit, oom_kills, grown = 0, cur;
	struct dmabuf_counters before;
	int go[2], status;
	struct vdev out, cap;
	struct stat st;
	char buf[32];
	pid_t pid, w;

	lt_init("m2m_opens_memcg");
	parent = getpid();
	if (!vdev_open_m2m(&out, &cap, INSTANCE))
		skip_test("no vivbuf m2m node for instance %u (vivbuf m2m=0, or no v4l2-mem2mem?)",
			  INSTANCE);
	if (!memcg_available())
		skip_test("this kernel has no memory cgroup controller (CONFIG_MEMCG)");
	snprintf(node_path, sizeof(node_path), "%s", cap.path);
	/* The OUTPUT format sets the size of both queues */
	vdev_set_format(&out, V4L2_PIX_FMT_XRGB32, WIDTH, HEIGHT);
	vdev_set_format(&cap, V4L2_PIX_FMT_XRGB32, WIDTH, HEIGHT);
	size = page_align(cap.sizeimage[0]);
	out.fd = -1;	/* one fd, closed by the capture side */
	vdev_close(&cap);
	dmabuf_counters_read(&before);
	atexit(restore);

	/* nobody may open the node, for the time of the test */
	CHECK(!stat(node_path, &st), "stat %s", node_path);
	node_mode = st.st_mode & 07777;
	CHECK(!chmod(node_path, 0666), "chmod %s", node_path);
	node_chmodded = true;

	CHECK(!sysfs_write(CGROOT "/cgroup.subtree_control", "+memory"),
	      "enable the memory controller");
	rmdir(CGROUP);
	CHECK(!mkdir(CGROUP, 0755), "mkdir %s", CGROUP);

	CHECK(!pipe2(go, O_CLOEXEC), "pipe");
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		/* start once the parent has moved us and set the limit */
		close(go[1]);
		if (read(go[0], buf, 1) != 1)
			_exit(1);
		exit(open_loop());
	}
	close(go[0]);
	snprintf(buf, sizeof(buf), "%d", pid);
	CHECK(!sysfs_write(CGROUP "/cgroup.procs", buf), "move %d to %s", pid,
	      CGROUP);
	base = read_u64(CGROUP "/memory.current");
	/* MEMCG_BUFFERS buffers and a half, and a MiB for the child itself */
	limit = base + (1 << 20) + MEMCG_BUFFERS * size + size / 2;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)limit);
	CHECK(!sysfs_write(CGROUP "/memory.max", buf), "memory.max %s", buf);
	oom_kills = read_key(CGROUP "/memory.events", "oom_kill");
	diag("cgroup %s: %llu bytes used, memory.max %llu: room for %u buffers of %llu bytes and a half",
	     CGROUP, (unsigned long long)base, (unsigned long long)limit,
	     MEMCG_BUFFERS, (unsigned long long)size);
	CHECK(write(go[1], "g", 1) == 1, "start the child");
	close(go[1]);

	/* The child holds its buffers until it exits: watch the charge grow */
	for (;;) {
		cur = read_u64(CGROUP "/memory.current");
		if (cur > base && cur - base > grown)
			grown = cur - base;
		w = waitpid(pid, &status, WNOHANG);
		CHECK(w >= 0, "waitpid");
		if (w == pid)
			break;
		usleep(20 * 1000);
	}
	CHECK(!WIFSIGNALED(status),
	      "the looping child was killed by signal %d (the OOM killer?)",
	      WTERMSIG(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the looping child failed (exit %d)", WEXITSTATUS(status));
	CHECK(read_key(CGROUP "/memory.events", "oom_kill") == oom_kills,
	      "the memcg OOM killer ran");
	CHECK(grown >= (MEMCG_BUFFERS - 1) * size,
	      "memory.current grew by %llu bytes at most, want about %u buffers of %llu: buffers not charged",
	      (unsigned long long)grown, MEMCG_BUFFERS,
	      (unsigned long long)size);
	diag("as nobody in the cgroup: %u opens held a buffer each, the next REQBUFS got ENOMEM; memory.current grew by up to %llu bytes, no OOM kill",
	     MEMCG_BUFFERS, (unsigned long long)grown);
	lt_counters_settled(&before);
	return EXIT_PASS;
}
