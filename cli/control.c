/* Control-socket client and listener (see control.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "statedir.h"

/* Unix socket paths are short; reach the socket relative to its directory. */
static int sock_addr(const char *id, struct sockaddr_un *sa, int *dirfd)
{
	char dir[512];
	int err = statedir_path(id, dir, sizeof(dir));

	if (err)
		return err;
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -errno;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, CTL_SOCK);
	return 0;
}

int ctl_listen(const char *id)
{
	struct sockaddr_un sa;
	int fd, dirfd, err;

	err = sock_addr(id, &sa, &dirfd);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		err = -errno;
		close(fd);
		goto out;
	}
	err = fd;
out:
	close(dirfd);
	return err;
}

static int call(const char *id, const struct ctl_req *req, const int *fds, int nfds,
		struct ctl_reply *rep, void (*tick)(int arg, double t0), int arg, double t0)
{
	struct sockaddr_un sa;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
	} cm;
	struct iovec iov = { (void *)req, sizeof(*req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int s, dirfd, err;
	ssize_t n;

	err = sock_addr(id, &sa, &dirfd);
	if (err)
		return err;
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0) {
		err = -errno;
		goto out_dir;
	}
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto out;
	}
	if (nfds > CTL_MAX_FDS) {
		err = -EINVAL;
		goto out;
	}
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(&cm.h), fds, nfds * sizeof(int));
	}
	if (sendmsg(s, &msg, MSG_NOSIGNAL) != sizeof(*req)) {
		err = -errno;
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };

		if (tick && poll(&p, 1, 200) == 0) {
			tick(arg, t0);
			continue;
		}
		n = recv(s, rep, sizeof(*rep), 0);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n != sizeof(*rep)) {
		err = n < 0 ? -errno : -ECONNRESET;
		goto out;
	}
	rep->msg[sizeof(rep->msg) - 1] = 0;
	err = 0;
out:
	close(s);
out_dir:
	close(dirfd);
	return err;
}

int ctl_call(const char *id, const struct ctl_req *req, int fd, struct ctl_reply *rep)
{
	return call(id, req, &fd, fd >= 0, rep, NULL, -1, 0);
}

int ctl_call_fds(const char *id, const struct ctl_req *req, const int *fds, int nfds,
		 struct ctl_reply *rep)
{
	return call(id, req, fds, nfds, rep, NULL, -1, 0);
}

int ctl_call_timed(const char *id, const struct ctl_req *req, int fd,
		   struct ctl_reply *rep, void (*tick)(int arg, double t0), int arg, double t0)
{
	return call(id, req, &fd, fd >= 0, rep, tick, arg, t0);
}
