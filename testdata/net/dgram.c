/* dgram: datagram sockets: record boundaries and MSG_TRUNC on a pair; sendto and
 * recvfrom with path, abstract and unnamed senders; connect, EPERM from a socket
 * connected elsewhere, ECONNREFUSED once the receiver is gone, then ENOTCONN;
 * a full receiver: EAGAIN without blocking, and a blocked sender woken by a read;
 * EMSGSIZE; SO_RCVTIMEO; sendmmsg/recvmmsg. */
#include "net.h"

#include <sys/ioctl.h>
#include <sys/time.h>

static char buf[4096];

static void show(const char *what, ssize_t n)
{
	if (n < 0)
		P("%s: -1 %s\n", what, fam_ename(errno));
	else
		P("%s: %zd \"%.*s\"\n", what, n, (int)(n < (ssize_t)sizeof(buf) ? n : 0), buf);
}

static int bound(const char *name)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	socklen_t len;
	struct sockaddr_un a = net_addr(name, &len);

	if (bind(s, (struct sockaddr *)&a, len))
		P("bind %s: %s\n", name, fam_ename(errno));
	return s;
}

static void to(int s, const char *name, const char *msg)
{
	socklen_t len;
	struct sockaddr_un a = net_addr(name, &len);

	errno = 0;
	fam_show(msg, sendto(s, msg, strlen(msg), 0, (struct sockaddr *)&a, len));
}

static void from(int s)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	ssize_t n = recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&a, &len);

	show("recvfrom", n);
	if (n >= 0)
		net_show_addr("  from", &a, len);
}

int main(void)
{
	int sv[2], r, r2, s, n;
	struct msghdr mh;
	struct iovec iov;

	fam_enter();
	P("-- pair\n");
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	T(send(sv[0], "first", 5, 0));
	T(send(sv[0], "second", 6, 0));
	T(send(sv[0], "", 0, 0));
	show("recv 3 of first", recv(sv[1], buf, 3, 0));
	show("recv TRUNC", recv(sv[1], buf, 2, MSG_TRUNC));
	show("empty", recv(sv[1], buf, 10, 0));
	memset(&mh, 0, sizeof(mh));
	iov = (struct iovec){ buf, 3 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	send(sv[0], "longer", 6, 0);
	T(recvmsg(sv[1], &mh, 0));
	P("  MSG_TRUNC %d\n", !!(mh.msg_flags & MSG_TRUNC));
	{
		int fd = sv[1];
		int v;

		T(ioctl(fd, FIONREAD, &v));
		P("  FIONREAD empty %d\n", v);
		send(sv[0], "abc", 3, 0);
		send(sv[0], "defgh", 5, 0);
		T(ioctl(fd, FIONREAD, &v));
		P("  FIONREAD is the first datagram's %d\n", v);
		recv(fd, buf, 10, 0);
		recv(fd, buf, 10, 0);
	}
	close(sv[0]);
	close(sv[1]);

	P("-- names\n");
	r = bound("rcv");
	r2 = bound("@sbx-net-dgram");
	s = bound("snd");
	to(s, "rcv", "to path");
	to(s, "@sbx-net-dgram", "to abstract");
	to(s, "nobody", "to nobody");
	to(s, "@nobody", "to nobody abstract");
	from(r);
	from(r2);
	{
		int u = socket(AF_UNIX, SOCK_DGRAM, 0);

		to(u, "rcv", "unnamed");
		from(r);
		T(send(u, "x", 1, 0));
		close(u);
	}
	{
		int st = socket(AF_UNIX, SOCK_STREAM, 0);

		to(st, "rcv", "stream to dgram");
		close(st);
	}

	P("-- connect\n");
	{
		socklen_t len;
		struct sockaddr_un a = net_addr("rcv", &len), got;
		int c = socket(AF_UNIX, SOCK_DGRAM, 0);

		T(connect(s, (struct sockaddr *)&a, len));
		T(send(s, "connected", 9, 0));
		from(r);
		len = sizeof(got);
		T(getpeername(s, (struct sockaddr *)&got, &len));
		net_show_addr("  peer", &got, len);
		/* r connected to s: others may not send to r any more */
		a = net_addr("snd", &len);
		T(connect(r, (struct sockaddr *)&a, len));
		to(c, "rcv", "third party");
		a = net_addr("rcv", &len);
		T(connect(c, (struct sockaddr *)&a, len));
		T(connect(s, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNSPEC },
			  sizeof(struct sockaddr)));
		T(send(s, "x", 1, 0));
		T(getpeername(s, (struct sockaddr *)&got, &len));
		T(connect(s, (struct sockaddr *)&a, len));
		close(r);
		T(send(s, "to the dead", 11, 0));
		T(send(s, "again", 5, 0));
		close(c);
		unlink("rcv");
	}

	P("-- full queue\n");
	r = bound("rcv2");
	{
		int u = socket(AF_UNIX, SOCK_DGRAM, 0), eagain = 0;
		socklen_t len;
		struct sockaddr_un a = net_addr("rcv2", &len);
		pid_t pid;

		connect(u, (struct sockaddr *)&a, len);
		for (n = 0; n < 1000; n++) {
			if (send(u, "d", 1, MSG_DONTWAIT) < 0) {
				eagain = errno == EAGAIN;
				break;
			}
		}
		P("  filled: EAGAIN %d, before 1000 %d\n", eagain, n < 1000);
		pid = fork();
		if (pid == 0) {
			/* blocks until the parent reads one */
			_exit(send(u, "late", 4, 0) == 4 ? 0 : 1);
		}
		usleep(20000);
		for (int i = 0; i < n; i++)
			recv(r, buf, sizeof(buf), 0);
		show("the blocked sender's", recv(r, buf, sizeof(buf), 0));
		waitpid(pid, &n, 0);
		P("  sender status %d\n", n);
		close(u);
	}

	P("-- sizes and timeouts\n");
	{
		static char big[300000];
		struct timeval tv = { 0, 20000 };

		T(send(s, big, sizeof(big), 0));
		T(sendto(s, big, sizeof(big), 0, NULL, 0));
		socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
		T(send(sv[0], big, 200000, 0));
		T(recv(sv[1], big, sizeof(big), 0));
		T(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
		T(recv(sv[1], buf, 1, 0));
	}

	P("-- mmsg\n");
	{
		struct mmsghdr mm[3];
		struct iovec io[3];
		char bufs[3][8];

		for (int i = 0; i < 3; i++) {
			io[i] = (struct iovec){ (void *)"m0m1m2" + 2 * i, 2 };
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &io[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		T(sendmmsg(sv[0], mm, 3, 0));
		P("  lens %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
		for (int i = 0; i < 3; i++) {
			io[i] = (struct iovec){ bufs[i], 8 };
			mm[i].msg_len = 0;
		}
		T(recvmmsg(sv[1], mm, 3, MSG_WAITFORONE, NULL));
		P("  got %.2s %.2s %.2s\n", bufs[0], bufs[1], bufs[2]);
		send(sv[0], "m3", 2, 0);
		T(recvmmsg(sv[1], mm, 3, MSG_WAITFORONE, NULL));
		T(recvmmsg(sv[1], mm, 3, MSG_DONTWAIT, NULL));
	}
	fam_leave();
	return 0;
}
