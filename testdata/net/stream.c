/* stream: data on connected stream and seqpacket pairs: byte streams across writes,
 * MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT, readv/writev and sendmsg/recvmsg with several
 * iovecs, shutdown in each direction, EPIPE with and without SIGPIPE, ECONNRESET,
 * end of file; seqpacket record boundaries and MSG_TRUNC; a large transfer to a
 * forked reader that blocks and is woken. */
#include "net.h"

#include <sys/uio.h>

static char buf[1 << 16];

static void show(const char *what, ssize_t n)
{
	if (n < 0)
		P("%s: -1 %s\n", what, fam_ename(errno));
	else
		P("%s: %zd \"%.*s\"\n", what, n, (int)n, buf);
}

static void stream(void)
{
	int sv[2];
	struct iovec iov[3];
	struct msghdr mh = { .msg_iov = iov, .msg_namelen = 7 };	/* no msg_name: kept */

	P("-- stream\n");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	T(write(sv[0], "hello ", 6));
	T(send(sv[0], "world", 5, 0));
	show("peek", recv(sv[1], buf, 4, MSG_PEEK));
	show("peek all", recv(sv[1], buf, sizeof(buf), MSG_PEEK));
	show("read 3", read(sv[1], buf, 3));
	show("read rest", read(sv[1], buf, sizeof(buf)));
	show("dontwait empty", recv(sv[1], buf, 10, MSG_DONTWAIT));
	iov[0] = (struct iovec){ "ab", 2 };
	iov[1] = (struct iovec){ "", 0 };
	iov[2] = (struct iovec){ "cdef", 4 };
	T(writev(sv[0], iov, 3));
	mh.msg_iovlen = 2;
	iov[0] = (struct iovec){ buf, 3 };
	iov[1] = (struct iovec){ buf + 3, 2 };
	T(recvmsg(sv[1], &mh, 0));
	P("  flags %d namelen %d controllen %zu: %.5s\n", mh.msg_flags, mh.msg_namelen,
	  mh.msg_controllen, buf);
	show("recvfrom", recvfrom(sv[1], buf, sizeof(buf), 0, NULL, NULL));
	T(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX }, 4));
	T(send(sv[0], NULL, 0, 0));
	T(send(sv[0], (void *)1, 10, 0));
	T(recv(sv[1], (void *)1, 10, MSG_DONTWAIT));

	P("-- waitall\n");
	if (fork() == 0) {
		for (int i = 0; i < 5; i++) {
			usleep(2000);
			write(sv[0], "0123456789" + i, 2);
		}
		_exit(0);
	}
	show("waitall 10", recv(sv[1], buf, 10, MSG_WAITALL));
	wait(NULL);

	P("-- shutdown\n");
	T(shutdown(sv[0], SHUT_WR));
	show("read after peer SHUT_WR", read(sv[1], buf, 10));
	net_sigpipes = 0;
	T(write(sv[0], "x", 1));
	P("  sigpipes %d\n", net_sigpipes);
	T(send(sv[0], "x", 1, MSG_NOSIGNAL));
	P("  sigpipes %d\n", net_sigpipes);
	T(write(sv[1], "back", 4));
	show("other way still works", read(sv[0], buf, 10));
	T(shutdown(sv[0], SHUT_RD));
	show("read after own SHUT_RD", read(sv[0], buf, 10));
	T(write(sv[1], "x", 1));
	P("  sigpipes %d\n", net_sigpipes);
	close(sv[0]);
	close(sv[1]);

	P("-- close\n");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "left", 4);
	close(sv[0]);
	show("read data after close", read(sv[1], buf, 10));
	show("read eof", read(sv[1], buf, 10));
	T(write(sv[1], "x", 1));
	P("  sigpipes %d\n", net_sigpipes);
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "unread", 6);
	close(sv[1]);
	{
		int e = -1;

		T(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &(socklen_t){ 4 }));
		P("  SO_ERROR %s\n", e ? fam_ename(e) : "0");
	}
	show("read after peer closed with unread data", read(sv[0], buf, 10));
	T(write(sv[0], "x", 1));
	P("  sigpipes %d\n", net_sigpipes);
	close(sv[0]);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "unread", 6);
	close(sv[1]);
	show("read, ECONNRESET first", read(sv[0], buf, 10));
	show("then", read(sv[0], buf, 10));
	close(sv[0]);
}

static void seqpacket(void)
{
	int sv[2], s;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	P("-- seqpacket\n");
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	T(write(sv[0], "one", 3));
	T(write(sv[0], "two!", 4));
	T(write(sv[0], "", 0));
	T(write(sv[0], "three", 5));
	show("read 10", read(sv[1], buf, 10));
	show("read 2 of 4", read(sv[1], buf, 2));
	show("empty record", read(sv[1], buf, 10));
	iov = (struct iovec){ buf, 2 };
	T(recvmsg(sv[1], &mh, MSG_PEEK));
	P("  flags MSG_TRUNC %d\n", !!(mh.msg_flags & MSG_TRUNC));
	T(recvmsg(sv[1], &mh, MSG_TRUNC));
	P("  flags MSG_TRUNC %d\n", !!(mh.msg_flags & MSG_TRUNC));
	show("dontwait", recv(sv[1], buf, 10, MSG_DONTWAIT));
	write(sv[1], "bye", 3);
	close(sv[1]);
	show("read data after close", read(sv[0], buf, 10));
	show("read eof", read(sv[0], buf, 10));
	net_sigpipes = 0;
	T(write(sv[0], "x", 1));
	P("  sigpipes %d\n", net_sigpipes);
	close(sv[0]);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	T(write(s, "x", 1));
	T(read(s, buf, 1));
	close(s);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	T(write(s, "x", 1));
	T(read(s, buf, 1));
	close(s);
}

static void bulk(void)
{
	int sv[2], st;
	unsigned long long h = 0xcbf29ce484222325ull;
	size_t total = 0;
	pid_t pid;

	P("-- bulk\n");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid = fork();
	if (pid == 0) {
		close(sv[1]);
		for (int i = 0; i < 64; i++) {
			size_t off = 0;

			for (size_t j = 0; j < sizeof(buf); j++)
				buf[j] = (char)(i * 7 + j * 13);
			while (off < sizeof(buf)) {
				ssize_t n = write(sv[0], buf + off, sizeof(buf) - off);

				if (n <= 0)
					_exit(1);
				off += n;
			}
		}
		_exit(0);
	}
	close(sv[0]);
	for (;;) {
		ssize_t n = read(sv[1], buf, 4000);

		if (n <= 0)
			break;
		for (ssize_t j = 0; j < n; j++)
			h = (h ^ (unsigned char)buf[j]) * 0x100000001b3ull;
		total += n;
	}
	waitpid(pid, &st, 0);
	P("  read %zu bytes, hash %llx, writer status %d\n", total, h, st);
	close(sv[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	net_catch_sigpipe();
	stream();
	seqpacket();
	bulk();
	return 0;
}
