/* rights: SCM_RIGHTS and SCM_CREDENTIALS. A pipe's write end, a file and a socket
 * passed to a forked child and used there; several fds in one message; a control
 * buffer too small (MSG_CTRUNC, the rest closed); MSG_CMSG_CLOEXEC; the fd limit;
 * EBADF and EINVAL (more than SCM_MAX_FD) on send; rights dropped by read(2) and
 * ending a stream read; SO_PASSCRED credentials. */
#include "net.h"

#include <sys/resource.h>

static int send_fds(int s, const char *data, const int *fds, int n)
{
	char ctl[CMSG_SPACE(sizeof(int) * 300)] = { 0 };
	struct iovec iov = { (void *)data, strlen(data) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n) {
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	return sendmsg(s, &mh, 0);
}

/* Receives with a control buffer for @room fds; prints what came; the fds into
 * @fds (up to 8). */
static int recv_fds(int s, int room, int flags, int *fds)
{
	char data[64], ctl[CMSG_SPACE(sizeof(int) * 8) + CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { data, sizeof(data) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = room < 0 ? 0 : CMSG_SPACE(sizeof(int) * room) };
	int got = 0;
	ssize_t n = recvmsg(s, &mh, flags);

	if (n < 0) {
		P("  recvmsg: -1 %s\n", fam_ename(errno));
		return -1;
	}
	data[n] = 0;
	P("  recvmsg %zd \"%s\" flags%s%s controllen %s\n", n, data,
	  mh.msg_flags & MSG_CTRUNC ? " CTRUNC" : "", mh.msg_flags & MSG_TRUNC ? " TRUNC" : "",
	  mh.msg_controllen ? "set" : "0");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			P("  SCM_RIGHTS with %d fds\n", k);
			for (int i = 0; i < k && got < 8; i++)
				memcpy(&fds[got++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		} else if (c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			P("  SCM_CREDENTIALS pid mine %d uid mine %d gid mine %d\n",
			  uc.pid == getpid(), uc.uid == getuid(), uc.gid == getgid());
		}
	}
	return got;
}

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 64; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

int main(void)
{
	int sv[2], p[2], f, fds[8], st, n, base;
	char b[64];

	fam_enter();
	P("-- pass to a child\n");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	fam_file("file", "contents of the file", 0644);
	f = open("file", O_RDONLY);
	if (fork() == 0) {
		int got[8], k;

		close(sv[0]);
		close(p[1]);
		close(f);
		k = recv_fds(sv[1], 8, 0, got);
		if (k != 3)
			_exit(1);
		write(got[0], "via the pipe", 12);
		n = read(got[1], b, sizeof(b) - 1);
		b[n > 0 ? n : 0] = 0;
		dprintf(got[2], "child read: %s", b);
		_exit(0);
	}
	close(sv[1]);
	{
		int pair[2], three[3];
		long r;
		int e;

		socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
		three[0] = p[1];
		three[1] = f;
		three[2] = pair[1];
		/* printed after the child's lines, which come in its own time */
		errno = 0;
		r = send_fds(sv[0], "three", three, 3);
		e = errno;
		close(p[1]);
		close(pair[1]);
		wait(&st);
		errno = e;
		fam_show("send_fds(sv[0], \"three\", three, 3)", r);
		P("  child status %d\n", st);
		n = read(p[0], b, sizeof(b) - 1);
		b[n > 0 ? n : 0] = 0;
		P("  pipe gave: %s\n", b);
		n = read(pair[0], b, sizeof(b) - 1);
		b[n > 0 ? n : 0] = 0;
		P("  socket gave: %s\n", b);
		P("  file offset moved by the child: %ld\n", (long)lseek(f, 0, SEEK_CUR));
		close(pair[0]);
		close(p[0]);
	}
	close(sv[0]);

	P("-- truncation and limits\n");
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	base = open_fds();
	{
		int three[3] = { f, f, f };

		T(send_fds(sv[0], "small", three, 3));
		n = recv_fds(sv[1], 1, 0, fds);
		P("  installed %d, open fds grew by %d\n", n, open_fds() - base);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		T(send_fds(sv[0], "none", three, 3));
		n = recv_fds(sv[1], -1, 0, fds);
		P("  open fds grew by %d\n", open_fds() - base);
		T(send_fds(sv[0], "cloexec", three, 1));
		n = recv_fds(sv[1], 8, MSG_CMSG_CLOEXEC, fds);
		P("  FD_CLOEXEC %d\n", fcntl(fds[0], F_GETFD));
		close(fds[0]);
		T(send_fds(sv[0], "peek", three, 2));
		n = recv_fds(sv[1], 8, MSG_PEEK, fds);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		n = recv_fds(sv[1], 8, 0, fds);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		three[1] = 999;
		T(send_fds(sv[0], "badfd", three, 2));
		three[1] = f;
		{
			int many[300];

			for (int i = 0; i < 300; i++)
				many[i] = f;
			T(send_fds(sv[0], "253", many, 253));
			n = recv_fds(sv[1], 8, 0, fds);
			for (int i = 0; i < n; i++)
				close(fds[i]);
			P("  open fds back to base %d\n", open_fds() == base);
			T(send_fds(sv[0], "254", many, 254));
		}
		{
			struct rlimit rl, low;

			getrlimit(RLIMIT_NOFILE, &rl);
			low = rl;
			low.rlim_cur = open_fds() + 1 + 3;
			T(send_fds(sv[0], "limit", three, 3));
			setrlimit(RLIMIT_NOFILE, &low);
			n = recv_fds(sv[1], 8, 0, fds);
			setrlimit(RLIMIT_NOFILE, &rl);
			for (int i = 0; i < n; i++)
				close(fds[i]);
		}
	}
	close(sv[0]);
	close(sv[1]);

	P("-- rights on a stream\n");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	base = open_fds();
	write(sv[0], "before ", 7);
	T(send_fds(sv[0], "with", &f, 1));
	write(sv[0], " after", 6);
	n = recv_fds(sv[1], 8, 0, fds);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	n = read(sv[1], b, sizeof(b));
	P("  then read %d\n", n);
	T(send_fds(sv[0], "dropped", &f, 1));
	n = read(sv[1], b, sizeof(b));
	P("  read(2) took %d bytes, open fds grew by %d\n", n, open_fds() - base);
	close(sv[0]);
	close(sv[1]);

	P("-- credentials\n");
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	T(send(sv[0], "no passcred", 11, 0));
	recv_fds(sv[1], 8, 0, fds);
	T(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int)));
	T(send(sv[0], "passcred", 8, 0));
	recv_fds(sv[1], 8, 0, fds);
	{
		char ctl[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { "explicit", 8 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		struct ucred uc = { getpid(), getuid(), getgid() };

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(c), &uc, sizeof(uc));
		T(sendmsg(sv[0], &mh, 0));
		recv_fds(sv[1], 8, 0, fds);
		c->cmsg_len = CMSG_LEN(sizeof(uc) - 1);
		T(sendmsg(sv[0], &mh, 0));
		c->cmsg_type = 77;
		c->cmsg_len = CMSG_LEN(sizeof(uc));
		T(sendmsg(sv[0], &mh, 0));
		c->cmsg_len = 1000;
		T(sendmsg(sv[0], &mh, 0));
	}
	/* a control buffer with room for no credentials */
	T(send(sv[0], "no room", 7, 0));
	recv_fds(sv[1], -1, 0, fds);
	close(sv[0]);
	close(sv[1]);
	close(f);
	fam_leave();
	return 0;
}
