// SPDX-License-Identifier: GPL-2.0
/*
 * share_scm_rights: an exported dma-buf fd is passed to another process
 * over a UNIX socket (SCM_RIGHTS), and the sender lets go of everything
 * (its fd, STREAMOFF, REQBUFS(0), the video fd) while the fd is still in
 * flight. The receiver must get a working dma-buf holding the sender's
 * frame, and send it back: the sender, which closed its own, gets the same
 * dma-buf (same inode) with the same frame. When both are done the
 * allocator holds nothing more than before.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifetime.h"

struct msg {
	uint64_t sum;
	uint64_t ino;
};

static void send_fd(int sock, int fd, const struct msg *m)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	CHECK(sendmsg(sock, &mh, 0) == sizeof(*m), "sendmsg SCM_RIGHTS");
}

static int recv_fd(int sock, struct msg *m)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm;
	int fd;

	CHECK(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) == sizeof(*m), "recvmsg");
	cm = CMSG_FIRSTHDR(&mh);
	CHECK(cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS,
	      "no fd in the message");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int child(int sock, int go)
{
	struct msg m;
	dev_t dev;
	ino_t ino;
	char byte;
	int fd;

	/* The sender has closed everything once it says so. */
	CHECK(read(go, &byte, 1) == 1, "child: wait for the sender");
	fd = recv_fd(sock, &m);
	fd_inode(fd, &dev, &ino);
	CHECK(ino == m.ino, "child: received another dma-buf");
	lt_fences_idle(fd);
	CHECK(lt_read_dmabuf(fd) == m.sum, "child: the frame differs");
	send_fd(sock, fd, &m);
	close(fd);
	diag("child: read the frame after the sender let go, sent it back");
	return EXIT_PASS;
}

int main(void)
{
	struct dmabuf_counters before;
	int sv[2], go[2], fd, back, status, ret;
	struct node node;
	struct dq_buf b;
	struct vdev q;
	struct msg m;
	dev_t dev;
	ino_t ino;
	pid_t pid;

	lt_init("share_scm_rights");
	lt_find_capture(&node, true);
	dmabuf_counters_read(&before);

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	      "socketpair");
	CHECK(!pipe2(go, O_CLOEXEC), "pipe");
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		close(sv[0]);
		close(go[1]);
		exit(child(sv[1], go[0]));
	}
	close(sv[1]);
	close(go[0]);

	lt_stream(&q, &node, 0, V4L2_MEMORY_MMAP, NULL, LT_FRAMES);
	ret = vdev_dqbuf(&q, &b, DQBUF_TIMEOUT_MS);
	CHECK(!ret, "DQBUF: %s", strerrorname_np(-ret));
	fd = vdev_expbuf(&q, b.buf.index, q.num_planes - 1, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0, "EXPBUF: %s", strerrorname_np(-fd));
	fd_inode(fd, &dev, &ino);
	m.ino = ino;
	m.sum = lt_read_dmabuf(fd);

	send_fd(sv[0], fd, &m);
	close(fd);
	vdev_streamoff(&q);
	CHECK(vdev_reqbufs(&q, V4L2_MEMORY_MMAP, 0) == 0, "REQBUFS 0");
	vdev_close(&q);
	diag("sender: fd in flight, %s and the sender's fd closed", node.path);
	CHECK(write(go[1], "g", 1) == 1, "write to the child");
	close(go[1]);

	back = recv_fd(sv[0], &m);
	fd_inode(back, &dev, &ino);
	CHECK(ino == m.ino, "the dma-buf sent back is another one");
	CHECK(lt_read_dmabuf(back) == m.sum, "the frame sent back differs");
	close(back);
	close(sv[0]);

	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EXIT_PASS,
	      "the child failed (status %#x)", status);
	lt_counters_settled(&before);
	return EXIT_PASS;
}
