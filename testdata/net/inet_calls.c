/* inet_calls: the loopback network's calls with their error cases, TCP and UDP over
 * IPv4 and IPv6 (each case printed with its result; names without their ports). */
#include "inet.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <linux/sockios.h>

static int geti(int fd, int level, int name)
{
	int v = -12345;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, level, name, &v, &l) < 0)
		return -1000 - errno;
	return v;
}

static int seti(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static void sockets(void)
{
	P("== socket\n");
	T(close(socket(AF_INET, SOCK_STREAM, 0)));
	T(close(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)));
	T(close(socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)));
	T(close(socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)));
	T(close(socket(AF_INET6, SOCK_DGRAM, 0)));
	T(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	T(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
	T(socket(AF_INET, SOCK_SEQPACKET, 0));
	T(socket(AF_INET6, SOCK_SEQPACKET, 0));
	T(socket(AF_INET, SOCK_STREAM, 300));
	T(socket(AF_INET, SOCK_STREAM, -1));
	T(socket(AF_INET, 12, 0));
	T(socket(AF_INET, SOCK_STREAM | 0x100, 0));
	T(socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){ 0 }));
	T(socketpair(AF_INET6, SOCK_DGRAM, 0, (int[2]){ 0 }));
}

static void binds(void)
{
	union net_sa a, b;
	int s = socket(AF_INET, SOCK_STREAM, 0), s2, s3, s6;
	unsigned short port;

	P("== bind\n");
	net_showname("unbound", s, false);
	a = net_in4("127.0.0.1", 0);
	T(bind(s, &a.sa, sizeof(a.in) - 1));
	a.in.sin_family = AF_INET6;
	T(bind(s, &a.sa, sizeof(a.in)));
	a = net_in4("10.254.254.1", 0);
	T(bind(s, &a.sa, sizeof(a.in)));
	a = net_in4("127.0.0.1", 0);
	T(bind(s, &a.sa, sizeof(a.in)));
	net_showname("bound", s, false);
	T(bind(s, &a.sa, sizeof(a.in)));
	port = net_port(&(union net_sa){ .in = net_name(s).in });
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	b = net_in4("127.0.0.1", port);
	T(bind(s2, &b.sa, sizeof(b.in)));
	b = net_in4("0.0.0.0", port);
	T(bind(s2, &b.sa, sizeof(b.in)));
	b = net_in4("127.0.0.2", port);
	T(bind(s2, &b.sa, sizeof(b.in)));
	net_showname("other address, same port", s2, false);
	close(s2);
	/* SO_REUSEADDR on both: not listening, so the port is shared */
	T(seti(s, SOL_SOCKET, SO_REUSEADDR, 1));
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	T(seti(s2, SOL_SOCKET, SO_REUSEADDR, 1));
	b = net_in4("127.0.0.1", port);
	T(bind(s2, &b.sa, sizeof(b.in)));
	T(listen(s, 4));
	T(listen(s2, 4));
	s3 = socket(AF_INET, SOCK_STREAM, 0);
	T(seti(s3, SOL_SOCKET, SO_REUSEADDR, 1));
	T(bind(s3, &b.sa, sizeof(b.in)));
	close(s3);
	close(s2);
	/* v6 and v4 on one port */
	s6 = socket(AF_INET6, SOCK_STREAM, 0);
	a = net_in6("::", port);
	T(bind(s6, &a.sa, sizeof(a.in6)));
	T(seti(s6, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	T(geti(s6, IPPROTO_IPV6, IPV6_V6ONLY));
	T(bind(s6, &a.sa, sizeof(a.in6)));
	T(seti(s6, IPPROTO_IPV6, IPV6_V6ONLY, 0));
	net_showname("v6only on the v4 port", s6, false);
	close(s6);
	s6 = socket(AF_INET6, SOCK_STREAM, 0);
	a = net_in6("::1", 0);
	T(bind(s6, &a.sa, sizeof(a.in6) - 5));
	T(bind(s6, &a.sa, 24));
	net_showname("v6 bound", s6, false);
	close(s6);
	s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	a = net_in6("::ffff:127.0.0.1", 0);
	T(bind(s6, &a.sa, sizeof(a.in6)));
	net_showname("v4-mapped bound", s6, false);
	close(s6);
	s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	a = net_in6("2001:db8::1", 0);
	T(bind(s6, &a.sa, sizeof(a.in6)));
	a = net_in4("127.0.0.1", 0);
	T(bind(s6, &a.sa, sizeof(a.in)));
	close(s6);
	close(s);
}

static void connects(void)
{
	union net_sa la, a;
	int l = net_listener(AF_INET, "127.0.0.1", &la), c, s, s2;
	unsigned short port = net_port(&la);
	socklen_t al;
	struct pollfd pfd;

	P("== connect, accept\n");
	c = socket(AF_INET, SOCK_STREAM, 0);
	a = net_in4("127.0.0.1", port);
	T(connect(c, &a.sa, sizeof(a.in) - 1));
	a.in.sin_family = AF_INET6;
	T(connect(c, &a.sa, sizeof(a.in)));
	a.in.sin_family = AF_INET;
	T(connect(c, &a.sa, sizeof(a.in)));
	T(connect(c, &a.sa, sizeof(a.in)));
	net_showname("client", c, false);
	net_showname("client's peer", c, true);
	al = sizeof(a);
	s = T(accept(l, &a.sa, &al));
	net_show("accepted from", &a, al);
	net_showname("accepted", s, false);
	P("client port is accepted's peer port: %d\n",
	  net_port(&(union net_sa){ .ss = net_name(c).ss }) == net_port(&a));
	T(getsockname(l, NULL, &al));
	T(accept4(l, NULL, NULL, 0x12345));
	T(accept(s, NULL, NULL));
	T(listen(c, 1));
	close(c);
	close(s);
	/* 0.0.0.0 is this host */
	c = socket(AF_INET, SOCK_STREAM, 0);
	a = net_in4("0.0.0.0", port);
	T(connect(c, &a.sa, sizeof(a.in)));
	net_showname("peer for 0.0.0.0", c, true);
	s = accept(l, NULL, NULL);
	close(c);
	close(s);
	/* nonblocking connect */
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	a = net_in4("127.0.0.1", port);
	fcntl(l, F_SETFL, O_NONBLOCK);
	T(accept4(l, NULL, NULL, SOCK_NONBLOCK));
	fcntl(l, F_SETFL, 0);
	T(connect(c, &a.sa, sizeof(a.in)));
	pfd = (struct pollfd){ c, POLLOUT };
	T(poll(&pfd, 1, 5000));
	P("revents %#x\n", pfd.revents);
	T(geti(c, SOL_SOCKET, SO_ERROR));
	s = T(accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
	T(fcntl(s, F_GETFL) & O_NONBLOCK);
	T(fcntl(s, F_GETFD));
	close(c);
	close(s);
	/* nobody there */
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	a = net_in4("127.0.0.1", 0);
	bind(s2, &a.sa, sizeof(a.in));
	a = net_name(s2);
	close(s2);
	c = socket(AF_INET, SOCK_STREAM, 0);
	T(connect(c, &a.sa, sizeof(a.in)));
	net_showname("after refused", c, false);
	T(connect(c, &a.sa, sizeof(a.in)));
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	T(connect(c, &a.sa, sizeof(a.in)));
	pfd = (struct pollfd){ c, POLLOUT };
	T(poll(&pfd, 1, 5000));
	P("revents %#x\n", pfd.revents);
	T(geti(c, SOL_SOCKET, SO_ERROR));
	T(geti(c, SOL_SOCKET, SO_ERROR));
	close(c);
	/* a listener of the other family on the same port */
	c = socket(AF_INET6, SOCK_STREAM, 0);
	a = net_in6("::1", port);
	T(connect(c, &a.sa, sizeof(a.in6)));
	a = net_in6("::ffff:127.0.0.1", port);
	T(connect(c, &a.sa, sizeof(a.in6)));
	net_showname("v6 client over v4", c, false);
	net_showname("its peer", c, true);
	s = accept(l, &a.sa, &(socklen_t){ sizeof(a) });
	net_show("v4 listener sees", &a, sizeof(a.in));
	close(s);
	close(c);
	close(l);
}

static void data(void)
{
	union net_sa la;
	int l = net_listener(AF_INET, "127.0.0.1", &la), c, s, n;
	char b[64];

	P("== data\n");
	net_catch_sigpipe();
	c = socket(AF_INET, SOCK_STREAM, 0);
	T(read(c, b, 1));
	T(write(c, "x", 1));
	P("sigpipes %d\n", net_sigpipes);
	T(send(c, "x", 1, MSG_NOSIGNAL));
	P("sigpipes %d\n", net_sigpipes);
	connect(c, &la.sa, sizeof(la.in));
	s = accept(l, NULL, NULL);
	T(recv(s, b, sizeof(b), MSG_DONTWAIT));
	T(write(c, "hello world", 11));
	T(ioctl(s, FIONREAD, &n));
	P("FIONREAD %d\n", n);
	T(recv(s, b, 5, MSG_PEEK));
	T(recv(s, b, sizeof(b), MSG_PEEK));
	T(recv(s, b, 6, 0));
	T(ioctl(l, SIOCINQ, &n));
	T(ioctl(s, SIOCATMARK, &n));
	P("at mark %d\n", n);
	if (fork() == 0) {
		usleep(50000);
		write(c, "more", 4);
		_exit(0);
	}
	T(recv(s, b, 9, MSG_WAITALL));
	wait(NULL);
	T(sendto(c, "ignored addr", 12, 0, &la.sa, sizeof(la.in)));
	T(recvfrom(s, b, sizeof(b), 0, (struct sockaddr *)&la.ss, &(socklen_t){ sizeof(la) }));
	T(seti(s, SOL_SOCKET, SO_RCVLOWAT, 4));
	T(geti(s, SOL_SOCKET, SO_RCVLOWAT));
	T(write(c, "abcd", 4));
	T(recv(s, b, sizeof(b), 0));
	T(shutdown(c, SHUT_WR));
	T(read(s, b, sizeof(b)));
	T(write(c, "x", 1));
	P("sigpipes %d\n", net_sigpipes);
	T(write(s, "back", 4));
	T(read(c, b, sizeof(b)));
	T(shutdown(c, 7));
	T(shutdown(l, SHUT_WR));
	close(c);
	close(s);
	/* close with unread data: a reset */
	c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, &la.sa, sizeof(la.in));
	s = accept(l, NULL, NULL);
	T(write(c, "unread", 6));
	usleep(10000);
	close(s);
	T(read(c, b, sizeof(b)));
	T(read(c, b, sizeof(b)));
	T(write(c, "x", 1));
	P("sigpipes %d\n", net_sigpipes);
	net_showname("peer after reset", c, true);
	close(c);
	/* a clean close, then writing to it */
	c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, &la.sa, sizeof(la.in));
	s = accept(l, NULL, NULL);
	T(write(s, "last", 4));
	close(s);
	T(read(c, b, sizeof(b)));
	T(read(c, b, sizeof(b)));
	net_showname("peer after close", c, true);
	T(write(c, "x", 1));
	usleep(10000);
	T(write(c, "x", 1));
	P("sigpipes %d\n", net_sigpipes);
	close(c);
	/* SO_LINGER 0: a reset */
	c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, &la.sa, sizeof(la.in));
	s = accept(l, NULL, NULL);
	T(setsockopt(s, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger)));
	close(s);
	T(read(c, b, sizeof(b)));
	close(c);
	close(l);
}

static void polls(void)
{
	union net_sa la;
	int l = net_listener(AF_INET6, "::", &la), c, s;
	struct pollfd p[3];

	P("== poll\n");
	c = socket(AF_INET, SOCK_STREAM, 0);
	p[0] = (struct pollfd){ c, POLLIN | POLLOUT | POLLRDHUP };
	p[1] = (struct pollfd){ l, POLLIN | POLLOUT };
	T(poll(p, 2, 0));
	P("fresh %#x listener %#x\n", p[0].revents, p[1].revents);
	la = net_in4("127.0.0.1", net_port(&la));
	connect(c, &la.sa, sizeof(la.in));
	T(poll(p, 2, 0));
	P("connected %#x listener %#x\n", p[0].revents, p[1].revents);
	s = accept(l, NULL, NULL);
	p[2] = (struct pollfd){ s, POLLIN | POLLOUT | POLLRDHUP };
	write(c, "x", 1);
	T(poll(p, 3, 0));
	P("client %#x listener %#x server %#x\n", p[0].revents, p[1].revents, p[2].revents);
	shutdown(c, SHUT_WR);
	T(poll(p, 3, 0));
	P("client %#x listener %#x server %#x\n", p[0].revents, p[1].revents, p[2].revents);
	close(s);
	T(poll(p, 1, 0));
	P("client after close %#x\n", p[0].revents);
	close(c);
	close(l);
}

static void options(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET6, SOCK_DGRAM, 0);
	struct linger lg;
	struct tcp_info ti;
	socklen_t len;
	unsigned char c;
	union net_sa la;
	int l;

	P("== options\n");
	T(geti(t, SOL_SOCKET, SO_TYPE));
	T(geti(t, SOL_SOCKET, SO_DOMAIN));
	T(geti(t, SOL_SOCKET, SO_PROTOCOL));
	T(geti(u, SOL_SOCKET, SO_TYPE));
	T(geti(u, SOL_SOCKET, SO_DOMAIN));
	T(geti(u, SOL_SOCKET, SO_PROTOCOL));
	T(geti(t, SOL_SOCKET, SO_ACCEPTCONN));
	T(geti(t, SOL_SOCKET, SO_SNDBUF));
	T(geti(t, SOL_SOCKET, SO_RCVBUF));
	T(geti(u, SOL_SOCKET, SO_SNDBUF));
	T(seti(t, SOL_SOCKET, SO_SNDBUF, 4096));
	T(geti(t, SOL_SOCKET, SO_SNDBUF));
	T(seti(t, SOL_SOCKET, SO_RCVBUF, 1));
	T(geti(t, SOL_SOCKET, SO_RCVBUF));
	T(geti(t, SOL_SOCKET, SO_KEEPALIVE));
	T(seti(t, SOL_SOCKET, SO_KEEPALIVE, 1));
	T(geti(t, SOL_SOCKET, SO_KEEPALIVE));
	T(geti(t, SOL_SOCKET, SO_REUSEPORT));
	T(geti(t, SOL_SOCKET, SO_RCVLOWAT));
	T(seti(t, SOL_SOCKET, SO_RCVLOWAT, 0));
	T(geti(t, SOL_SOCKET, SO_RCVLOWAT));
	len = sizeof(lg);
	T(getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &len));
	P("linger %d %d len %u\n", lg.l_onoff, lg.l_linger, len);
	T(setsockopt(t, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 7 }, sizeof(lg)));
	T(setsockopt(t, SOL_SOCKET, SO_LINGER, &(struct linger){ 0, 3 }, sizeof(lg)));
	T(getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &len));
	P("linger %d %d\n", lg.l_onoff, lg.l_linger);
	T(geti(t, SOL_SOCKET, 9999));
	T(geti(t, IPPROTO_TCP, TCP_NODELAY));
	T(seti(t, IPPROTO_TCP, TCP_NODELAY, 5));
	T(geti(t, IPPROTO_TCP, TCP_NODELAY));
	T(geti(t, IPPROTO_TCP, TCP_KEEPIDLE));
	T(geti(t, IPPROTO_TCP, TCP_KEEPINTVL));
	T(geti(t, IPPROTO_TCP, TCP_KEEPCNT));
	T(seti(t, IPPROTO_TCP, TCP_KEEPIDLE, 30));
	T(seti(t, IPPROTO_TCP, TCP_KEEPIDLE, 0));
	T(seti(t, IPPROTO_TCP, TCP_KEEPCNT, 200));
	T(geti(t, IPPROTO_TCP, TCP_KEEPIDLE));
	T(seti(t, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5));
	T(geti(t, IPPROTO_TCP, TCP_DEFER_ACCEPT));
	T(geti(t, IPPROTO_TCP, TCP_QUICKACK));
	T(seti(t, IPPROTO_TCP, TCP_CORK, 1));
	T(geti(t, IPPROTO_TCP, TCP_CORK));
	T(geti(t, IPPROTO_TCP, TCP_MAXSEG));
	T(geti(t, IPPROTO_TCP, 9999));
	T(setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &c, 1));
	T(geti(u, IPPROTO_TCP, TCP_NODELAY));
	T(geti(t, IPPROTO_IP, IP_TOS));
	T(seti(t, IPPROTO_IP, IP_TOS, 0x13));
	T(geti(t, IPPROTO_IP, IP_TOS));
	T(geti(t, IPPROTO_IP, IP_TTL));
	T(seti(t, IPPROTO_IP, IP_TTL, 5));
	T(geti(t, IPPROTO_IP, IP_TTL));
	T(seti(t, IPPROTO_IP, IP_TTL, 300));
	T(seti(t, IPPROTO_IP, IP_TTL, -1));
	len = 1;
	T(getsockopt(t, IPPROTO_IP, IP_TTL, &c, &len));
	P("ttl byte %d len %u\n", c, len);
	T(seti(t, IPPROTO_IP, IP_RECVERR, 1));
	T(geti(t, IPPROTO_IP, IP_RECVERR));
	T(geti(t, IPPROTO_IPV6, IPV6_V6ONLY));
	T(geti(u, IPPROTO_IPV6, IPV6_V6ONLY));
	T(geti(u, IPPROTO_IPV6, IPV6_UNICAST_HOPS));
	T(geti(u, IPPROTO_IP, IP_TTL));
	T(geti(t, IPPROTO_IP, 9999));
	T(setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, "", 0));
	len = sizeof(ti);
	T(getsockopt(t, IPPROTO_TCP, TCP_INFO, &ti, &len));
	P("tcp_info state %d len %u\n", ti.tcpi_state, len);
	l = net_listener(AF_INET, "127.0.0.1", &la);
	T(geti(l, SOL_SOCKET, SO_ACCEPTCONN));
	close(t);
	t = socket(AF_INET, SOCK_STREAM, 0);
	connect(t, &la.sa, sizeof(la.in));
	len = sizeof(ti);
	T(getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len));
	P("listener state %d queued %d backlog %d\n", ti.tcpi_state, ti.tcpi_unacked,
	  ti.tcpi_sacked);
	len = sizeof(ti);
	T(getsockopt(t, IPPROTO_TCP, TCP_INFO, &ti, &len));
	P("client state %d\n", ti.tcpi_state);
	struct ucred uc;
	len = sizeof(uc);
	T(getsockopt(t, SOL_SOCKET, SO_PEERCRED, &uc, &len));
	P("peercred %d %d %d\n", uc.pid, uc.uid, uc.gid);
	close(l);
	close(t);
	close(u);
}

static void ioctls(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0), x = socket(AF_UNIX, SOCK_DGRAM, 0);
	int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	struct ifreq r = { 0 };
	struct ifconf ifc;
	char buf[40 * 64];
	bool lo = false;

	P("== device ioctls\n");
	strcpy(r.ifr_name, "lo");
	T(ioctl(u, SIOCGIFINDEX, &r));
	P("index %d\n", r.ifr_ifindex);
	T(ioctl(x, SIOCGIFINDEX, &r));
	T(ioctl(u6, SIOCGIFFLAGS, &r));
	P("flags %#x\n", r.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING));
	T(ioctl(u, SIOCGIFMTU, &r));
	P("mtu %d\n", r.ifr_mtu);
	T(ioctl(u, SIOCGIFADDR, &r));
	P("addr %s\n", inet_ntoa(((struct sockaddr_in *)&r.ifr_addr)->sin_addr));
	T(ioctl(u, SIOCGIFNETMASK, &r));
	P("mask %s\n", inet_ntoa(((struct sockaddr_in *)&r.ifr_netmask)->sin_addr));
	T(ioctl(x, SIOCGIFADDR, &r));
	strcpy(r.ifr_name, "nosuchdev0");
	T(ioctl(u, SIOCGIFINDEX, &r));
	r.ifr_ifindex = 1;
	T(ioctl(u, SIOCGIFNAME, &r));
	P("name of 1: %s\n", r.ifr_name);
	T(if_nametoindex("lo"));
	T(if_nametoindex("nosuchdev0"));
	ifc.ifc_len = sizeof(buf);
	ifc.ifc_buf = buf;
	T(ioctl(u, SIOCGIFCONF, &ifc) >= 0);
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++) {
		struct ifreq *q = (struct ifreq *)buf + i;

		if (!strcmp(q->ifr_name, "lo") &&
		    ((struct sockaddr_in *)&q->ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK))
			lo = true;
	}
	P("SIOCGIFCONF lists lo 127.0.0.1: %d\n", lo);
	T(ioctl(u, TCGETS, &r));
	close(u);
	close(u6);
	close(x);
}

static void udp(void)
{
	int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	int o = socket(AF_INET, SOCK_DGRAM, 0), r6 = socket(AF_INET6, SOCK_DGRAM, 0), n;
	union net_sa ra = net_in4("127.0.0.1", 0), from, sa, ra6;
	socklen_t fl;
	char b[64], big[70000];

	P("== udp\n");
	T(bind(r, &ra.sa, sizeof(ra.in)));
	ra = net_name(r);
	net_showname("sender unbound", s, false);
	T(send(s, "x", 1, 0));
	T(sendto(s, "one", 3, 0, &ra.sa, sizeof(ra.in)));
	net_showname("sender autobound", s, false);
	sa = net_name(s);
	T(sendto(s, "two!", 4, 0, &ra.sa, sizeof(ra.in)));
	T(sendto(s, "", 0, 0, &ra.sa, sizeof(ra.in)));
	T(ioctl(r, FIONREAD, &n));
	P("next datagram %d\n", n);
	fl = sizeof(from);
	T(recvfrom(r, b, sizeof(b), 0, &from.sa, &fl));
	net_show("from", &from, fl);
	P("from the sender's port: %d\n", net_port(&from) == net_port(&sa));
	T(recv(r, b, 2, MSG_TRUNC));
	T(recv(r, b, sizeof(b), 0));
	T(recv(r, b, sizeof(b), MSG_DONTWAIT));
	T(sendto(s, big, 65507, 0, &ra.sa, sizeof(ra.in)));
	T(sendto(s, big, 65508, 0, &ra.sa, sizeof(ra.in)));
	struct msghdr mh = { .msg_iov = &(struct iovec){ b, 10 }, .msg_iovlen = 1 };
	T(recvmsg(r, &mh, 0));
	P("msg_flags %#x\n", mh.msg_flags);
	T(sendto(s, "x", 1, 0, &ra.sa, sizeof(ra.in) - 1));
	net_set_port(&ra, 0);
	T(sendto(s, "x", 1, 0, &ra.sa, sizeof(ra.in)));
	ra = net_name(r);
	/* connect: default destination and a filter */
	T(connect(r, &sa.sa, sizeof(sa.in)));
	net_showname("connected peer", r, true);
	T(sendto(o, "stranger", 8, 0, &ra.sa, sizeof(ra.in)));
	T(sendto(s, "friend", 6, 0, &ra.sa, sizeof(ra.in)));
	T(recv(r, b, sizeof(b), MSG_DONTWAIT));
	T(recv(r, b, sizeof(b), MSG_DONTWAIT));
	T(send(r, "reply", 5, 0));
	T(recv(s, b, sizeof(b), 0));
	T(connect(r, &(struct sockaddr){ .sa_family = AF_UNSPEC }, sizeof(struct sockaddr)));
	net_showname("disconnected peer", r, true);
	net_showname("disconnected name", r, false);
	/* a connected socket hears of a closed port */
	T(connect(o, &ra.sa, sizeof(ra.in)));
	close(r);
	T(send(o, "nobody", 6, 0));
	T(send(o, "nobody", 6, 0));
	T(send(o, "nobody", 6, 0));
	T(recv(o, b, sizeof(b), MSG_DONTWAIT));
	T(geti(o, SOL_SOCKET, SO_ERROR));
	T(shutdown(s, SHUT_RD));
	T(shutdown(o, SHUT_WR));
	T(send(o, "x", 1, 0));
	/* v6 receiver, v4 sender */
	ra6 = net_in6("::", 0);
	T(bind(r6, &ra6.sa, sizeof(ra6.in6)));
	ra6 = net_name(r6);
	ra = net_in4("127.0.0.1", net_port(&ra6));
	T(sendto(s, "dual", 4, 0, &ra.sa, sizeof(ra.in)));
	fl = sizeof(from);
	T(recvfrom(r6, b, sizeof(b), 0, &from.sa, &fl));
	net_show("v6 receiver got v4 from", &from, fl);
	ra6 = net_in6("::1", net_port(&ra6));
	T(sendto(r6, "self", 4, 0, &ra6.sa, sizeof(ra6.in6)));
	fl = sizeof(from);
	T(recvfrom(r6, b, sizeof(b), 0, &from.sa, &fl));
	net_show("from itself", &from, fl);
	/* a small receive buffer drops */
	r = socket(AF_INET, SOCK_DGRAM, 0);
	ra = net_in4("127.0.0.1", 0);
	bind(r, &ra.sa, sizeof(ra.in));
	ra = net_name(r);
	T(seti(r, SOL_SOCKET, SO_RCVBUF, 4096));
	for (int i = 0; i < 200; i++)
		sendto(s, big, 1000, 0, &ra.sa, sizeof(ra.in));
	n = 0;
	while (recv(r, b, sizeof(b), MSG_DONTWAIT) > 0)
		n++;
	P("some dropped: %d, some arrived: %d\n", n < 200, n > 0);
	close(r);
	close(r6);
	close(s);
	close(o);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	sockets();
	binds();
	connects();
	data();
	polls();
	options();
	ioctls();
	udp();
	return 0;
}
