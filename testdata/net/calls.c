/* calls: the socket call family on unix sockets and its error cases: socket and
 * socketpair arguments, bind (path, abstract, autobind, EADDRINUSE), listen,
 * connect's errors, getsockname/getpeername, shutdown, socket options, ioctl,
 * fstat and /proc/self/fd, and socket calls on what is not a socket. */
#include "net.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static void names(void)
{
	struct sockaddr_un a, got;
	socklen_t len, gl;
	int s, s2, c;

	P("-- bind\n");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	a = net_addr("sock1", &len);
	T(bind(s, (struct sockaddr *)&a, 1));
	T(bind(s, (struct sockaddr *)&a, sizeof(a) + 1));
	a.sun_family = AF_INET;
	T(bind(s, (struct sockaddr *)&a, len));
	a.sun_family = AF_UNIX;
	T(bind(s, (struct sockaddr *)&a, len));
	T(bind(s, (struct sockaddr *)&a, len));
	s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	T(bind(s2, (struct sockaddr *)&a, len));
	{
		struct stat st;

		T(stat("sock1", &st));
		P("sock1 is a socket: %d, mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 0777);
		T(open("sock1", O_RDONLY));
	}
	gl = sizeof(got);
	T(getsockname(s, (struct sockaddr *)&got, &gl));
	net_show_addr("getsockname path", &got, gl);
	gl = 4;
	T(getsockname(s, (struct sockaddr *)&got, &gl));
	P("short buffer: len %u\n", gl);
	T(getsockname(s, NULL, &gl));
	gl = -1;
	T(getsockname(s, (struct sockaddr *)&got, &gl));
	T(getpeername(s, (struct sockaddr *)&got, &gl));
	T(bind(s2, (struct sockaddr *)&(struct sockaddr_un){ .sun_family = AF_UNIX,
		.sun_path = "nodir/x" }, 20));

	P("-- abstract\n");
	a = net_addr("@sbx-net-calls", &len);
	T(bind(s2, (struct sockaddr *)&a, len));
	gl = sizeof(got);
	T(getsockname(s2, (struct sockaddr *)&got, &gl));
	net_show_addr("getsockname abstract", &got, gl);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	T(bind(c, (struct sockaddr *)&a, len));
	close(c);

	P("-- autobind\n");
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	gl = sizeof(got);
	T(getsockname(c, (struct sockaddr *)&got, &gl));
	net_show_addr("unbound", &got, gl);
	T(bind(c, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path)));
	gl = sizeof(got);
	T(getsockname(c, (struct sockaddr *)&got, &gl));
	P("autobound: len %u, abstract %d\n", gl, got.sun_path[0] == 0);
	T(bind(c, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path)));
	close(c);

	P("-- listen and connect\n");
	T(listen(s2, 5));
	T(listen(s2, 1));
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	T(listen(c, 1));
	a = net_addr("nothere", &len);
	T(connect(c, (struct sockaddr *)&a, len));
	a = net_addr("@nothere", &len);
	T(connect(c, (struct sockaddr *)&a, len));
	a = net_addr("sock1", &len);
	T(connect(c, (struct sockaddr *)&a, len));	/* bound, not listening */
	fam_file("plain", "x", 0644);
	a = net_addr("plain", &len);
	T(connect(c, (struct sockaddr *)&a, len));
	T(connect(c, (struct sockaddr *)&a, 1));
	{
		int d = socket(AF_UNIX, SOCK_DGRAM, 0);

		a = net_addr("@sbx-net-calls", &len);
		T(connect(d, (struct sockaddr *)&a, len));
		close(d);
	}
	T(connect(c, (struct sockaddr *)&a, len));
	T(connect(c, (struct sockaddr *)&a, len));
	T(listen(c, 1));
	gl = sizeof(got);
	T(getpeername(c, (struct sockaddr *)&got, &gl));
	net_show_addr("getpeername", &got, gl);
	{
		int acc = accept(s2, (struct sockaddr *)&got, &(socklen_t){ sizeof(got) });

		P("accepted: %d\n", acc >= 0);
		gl = sizeof(got);
		T(getsockname(acc, (struct sockaddr *)&got, &gl));
		net_show_addr("accepted's name", &got, gl);
		gl = sizeof(got);
		T(getpeername(acc, (struct sockaddr *)&got, &gl));
		net_show_addr("accepted's peer", &got, gl);
		close(acc);
	}
	T(accept(c, NULL, NULL));
	T(accept4(s2, NULL, NULL, 0x1234));
	{
		int fl = fcntl(s2, F_GETFL);

		fcntl(s2, F_SETFL, fl | O_NONBLOCK);
		T(accept(s2, NULL, NULL));
		fcntl(s2, F_SETFL, fl);
	}
	close(c);
	close(s);
	close(s2);
	T(unlink("sock1"));

	P("-- an accepted socket does not hold its listener's name\n");
	{
		int l = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
		int again = socket(AF_UNIX, SOCK_STREAM, 0), acc;

		a = net_addr("@sbx-net-calls2", &len);
		bind(l, (struct sockaddr *)&a, len);
		listen(l, 1);
		connect(c2, (struct sockaddr *)&a, len);
		acc = accept(l, NULL, NULL);
		close(l);
		T(connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, len));
		T(bind(again, (struct sockaddr *)&a, len));
		close(again);
		close(acc);
		close(c2);
	}
}

static void opts(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0), v;
	socklen_t l;
	struct timeval tv;
	struct ucred uc;
	int sv[2];

	P("-- options\n");
#define GET(fd, name) (l = sizeof(v), v = -7, errno = 0, \
	fam_show("getsockopt " #fd " " #name, getsockopt(fd, SOL_SOCKET, name, &v, &l)), \
	P("  = %d (len %u)\n", v, l))
	GET(s, SO_TYPE);
	GET(d, SO_TYPE);
	GET(s, SO_DOMAIN);
	GET(s, SO_PROTOCOL);
	GET(s, SO_ERROR);
	GET(s, SO_ACCEPTCONN);
	GET(s, SO_PASSCRED);
	GET(s, SO_REUSEADDR);
	GET(s, SO_SNDBUF);
	GET(s, SO_RCVBUF);
	v = 1;
	T(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, sizeof(v)));
	GET(s, SO_PASSCRED);
	T(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
	GET(s, SO_REUSEADDR);
	T(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)));
	GET(s, SO_KEEPALIVE);
	GET(s, SO_BROADCAST);
	v = 65536;
	T(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	GET(s, SO_SNDBUF);
	v = 32768;
	T(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	GET(s, SO_RCVBUF);
	v = 1;
	T(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, 2));
	T(setsockopt(s, SOL_SOCKET, 9999, &v, sizeof(v)));
	T(getsockopt(s, SOL_SOCKET, 9999, &v, &l));
	T(getsockopt(s, 6 /* SOL_TCP */, 1, &v, &l));
	T(setsockopt(s, 6 /* SOL_TCP */, 1, &v, sizeof(v)));
	T(setsockopt(s, SOL_SOCKET, SO_PASSCRED, NULL, sizeof(v)));
	T(setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof(v)));
	l = -1;
	T(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
	l = 2;
	v = 0;
	T(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
	P("  short: %d (len %u)\n", v, l);
	T(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, NULL));
	tv = (struct timeval){ 1, 500000 };
	T(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	l = sizeof(tv);
	T(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &l));
	P("  rcvtimeo %ld.%06ld (len %u)\n", (long)tv.tv_sec, (long)tv.tv_usec, l);
	tv = (struct timeval){ 1, 2000000 };
	T(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	T(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, 8));
	l = sizeof(uc);
	T(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &l));
	P("  unconnected peercred: pid %d uid %d gid %d\n", uc.pid, uc.uid, uc.gid);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	l = sizeof(uc);
	T(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &l));
	P("  pair peercred: pid is mine %d, uid is mine %d, gid is mine %d\n",
	  uc.pid == getpid(), uc.uid == geteuid(), uc.gid == getegid());

	P("-- ioctl\n");
	write(sv[0], "abcdef", 6);
	T(ioctl(sv[1], FIONREAD, &v));
	P("  FIONREAD %d\n", v);
	T(ioctl(sv[0], SIOCOUTQ, &v));
	P("  SIOCOUTQ counts the unread bytes (Linux: with overhead) %d\n", v >= 6);
	T(ioctl(sv[1], SIOCINQ, &v));
	P("  SIOCINQ %d\n", v);
	T(ioctl(sv[1], FIONREAD, NULL));
	T(ioctl(sv[1], TCGETS, &v));
	{
		struct stat st;
		char link[64], buf[64];
		ssize_t n;

		P("-- fstat\n");
		T(fstat(sv[0], &st));
		P("  S_ISSOCK %d mode %o size %ld\n", S_ISSOCK(st.st_mode), st.st_mode & 0777,
		  (long)st.st_size);
		snprintf(link, sizeof(link), "/proc/self/fd/%d", sv[0]);
		n = readlink(link, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		P("  link is socket:[N] %d, matches st_ino %d\n", !strncmp(buf, "socket:[", 8),
		  strtoull(buf + 8, NULL, 10) == st.st_ino);
		T(lseek(sv[0], 0, SEEK_SET));
		T(pread(sv[1], buf, 1, 0));
		T(open(link, O_RDWR));
	}
	close(sv[0]);
	close(sv[1]);
	close(s);
	close(d);
}

static void not_socket(void)
{
	int p[2];
	char c;

	P("-- not a socket\n");
	pipe(p);
	T(bind(p[0], NULL, 0));
	T(listen(p[0], 1));
	T(accept(p[0], NULL, NULL));
	T(connect(p[0], NULL, 0));
	T(send(p[1], "x", 1, 0));
	T(recv(p[0], &c, 1, 0));
	T(shutdown(p[0], SHUT_RD));
	T(getsockopt(p[0], SOL_SOCKET, SO_TYPE, &c, &(socklen_t){ 4 }));
	T(listen(99, 1));
	T(send(99, "x", 1, 0));
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	int sv[2];

	fam_enter();
	P("-- socket\n");
	T(socket(12345, SOCK_STREAM, 0));
	T(socket(AF_UNIX, 77, 0));
	T(socket(AF_UNIX, SOCK_STREAM | 0x100000, 0));
	T(socket(AF_UNIX, SOCK_STREAM, 5));
	T(socket(AF_UNIX, SOCK_RDM, 0));
	T(socket(AF_UNIX, SOCK_STREAM, PF_UNIX) >= 0);
	T(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) >= 0);
	{
		int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		P("  flags: nonblock %d cloexec %d\n", !!(fcntl(s, F_GETFL) & O_NONBLOCK),
		  fcntl(s, F_GETFD));
		s = socket(AF_UNIX, SOCK_RAW, 0);
		T(getsockopt(s, SOL_SOCKET, SO_TYPE, &sv[0], &(socklen_t){ 4 }));
		P("  raw is type %d\n", sv[0]);
	}
	T(socketpair(AF_UNIX, SOCK_STREAM, 0, NULL));
	T(socketpair(12345, SOCK_STREAM, 0, sv));
	T(socketpair(AF_UNIX, 9, 0, sv));
	T(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	T(shutdown(sv[0], 7));
	T(shutdown(sv[0], SHUT_RDWR));
	names();
	opts();
	not_socket();
	fam_leave();
	return 0;
}
