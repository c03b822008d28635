/* cr_inet: the loopback network across a checkpoint (zdtm form; tests/integration/net
 * runs it through cr/case.sh --signal). One mode per run:
 *   stream   established TCP connections (IPv4, and IPv4 into a dual-stack IPv6
 *            listener) with unread data both ways and a half-closed one; read back
 *            after the restore, and they still carry data and see each other's close
 *   listen   a listener with a pending connection (data sent on it) accepted after
 *            the restore; new connections work; the ports bound before the
 *            checkpoint (a listener, a bound TCP socket, a UDP socket) are still
 *            taken (a new bind: EADDRINUSE)
 *   dgram    a UDP socket with datagrams queued from two senders, one connected;
 *            read back with their sources; the connected one still is
 *   blocked  children blocked in accept, in a TCP read and in a UDP recvfrom when the
 *            checkpoint comes; the parent wakes them after the restore
 *   netlink  a NETLINK_ROUTE socket with the reply to an address dump unread; read
 *            after the restore; the socket still answers and keeps its port id
 *
 * usage: td_net_cr_inet MODE [nowait] */
#include "../cr/cr.h"
#include "cr_net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

union sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

static socklen_t slen(const union sa *a)
{
	return a->sa.sa_family == AF_INET ? sizeof(a->in) : sizeof(a->in6);
}

static union sa name_of(int fd)
{
	union sa a;
	socklen_t l = sizeof(a);

	memset(&a, 0, sizeof(a));
	getsockname(fd, &a.sa, &l);
	return a;
}

static unsigned short port_of(const union sa *a)
{
	return ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port : a->in6.sin6_port);
}

static union sa v4(unsigned short port)
{
	union sa a = { .in = { .sin_family = AF_INET, .sin_port = htons(port),
			       .sin_addr.s_addr = htonl(INADDR_LOOPBACK) } };
	return a;
}

static union sa v6any(unsigned short port)
{
	union sa a = { .in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) } };
	return a;
}

static int listener(int family, union sa *a)
{
	int l = socket(family, SOCK_STREAM, 0);

	*a = family == AF_INET ? v4(0) : v6any(0);
	if (bind(l, &a->sa, slen(a)) || listen(l, 8)) {
		perror("listener");
		exit(2);
	}
	*a = name_of(l);
	return l;
}

static int connect_to(int family, unsigned short port)
{
	int c = socket(family, SOCK_STREAM, 0);
	union sa a = v4(port);

	if (connect(c, &a.sa, sizeof(a.in))) {
		perror("connect");
		exit(2);
	}
	return c;
}

static void stream(void)
{
	union sa a4, a6;
	int l4 = listener(AF_INET, &a4), l6 = listener(AF_INET6, &a6);
	int c4 = connect_to(AF_INET, port_of(&a4)), s4 = accept(l4, NULL, NULL);
	int c6 = connect_to(AF_INET, port_of(&a6)), s6 = accept(l6, NULL, NULL);
	union sa peer_before, peer_after;
	socklen_t pl = sizeof(peer_before);
	char b[16];

	getpeername(s6, &peer_before.sa, &pl);
	write(c4, "to server ", 10);
	write(c4, "and more", 8);
	write(s4, "to client", 9);
	write(c6, "over dual stack", 15);
	write(s6, "half", 4);
	shutdown(s6, SHUT_WR);
	wait_mark();
	check(reads(s4, "to server and more"), "client->server data");
	check(reads(c4, "to client"), "server->client data");
	check(reads(s6, "over dual stack"), "dual-stack data");
	check(reads(c6, "half") && read(c6, b, sizeof(b)) == 0, "half-closed: data then EOF");
	write(c6, "still open", 10);
	check(reads(s6, "still open"), "the other half still carries data");
	pl = sizeof(peer_after);
	getpeername(s6, &peer_after.sa, &pl);
	check(pl == sizeof(peer_after.in6) && !memcmp(&peer_before, &peer_after, pl),
	      "peer name kept (::ffff:127.0.0.1 and its port)");
	write(s4, "new", 3);
	check(reads(c4, "new"), "connection still carries data");
	close(s4);
	check(read(c4, b, sizeof(b)) == 0, "peer close seen");
	write(c6, "unread", 6);
	usleep(10000);
	close(s6);
	check(read(c6, b, sizeof(b)) == 0, "close with unread data after a FIN: EOF");
	close(l4);
	close(l6);
}

static void listen_mode(void)
{
	union sa la, ta, ua, got;
	int l = listener(AF_INET, &la), c = connect_to(AF_INET, port_of(&la)), s, x;
	int t = socket(AF_INET6, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t gl = sizeof(got);

	ta = v6any(0);
	ua = v4(0);
	bind(t, &ta.sa, sizeof(ta.in6));
	bind(u, &ua.sa, sizeof(ua.in));
	ta = name_of(t);
	ua = name_of(u);
	write(c, "pending", 7);
	wait_mark();
	s = accept(l, &got.sa, &gl);
	check(s >= 0 && reads(s, "pending"), "pending connection accepted after restore");
	check(gl == sizeof(got.in) && port_of(&got) == port_of(&(union sa){ .ss = name_of(c).ss }),
	      "accepted peer is the client's name");
	write(s, "reply", 5);
	check(reads(c, "reply"), "reply on it");
	close(s);
	close(c);
	c = connect_to(AF_INET, port_of(&la));
	s = accept(l, NULL, NULL);
	write(c, "fresh", 5);
	check(s >= 0 && reads(s, "fresh"), "new connection after restore");
	close(s);
	close(c);
	x = socket(AF_INET, SOCK_STREAM, 0);
	check(bind(x, &la.sa, sizeof(la.in)) < 0 && errno == EADDRINUSE, "listener's port taken");
	close(x);
	x = socket(AF_INET, SOCK_STREAM, 0);
	ta = v4(port_of(&ta));
	check(bind(x, &ta.sa, sizeof(ta.in)) < 0 && errno == EADDRINUSE,
	      "dual-stack bound port taken for IPv4 too");
	close(x);
	x = socket(AF_INET, SOCK_DGRAM, 0);
	check(bind(x, &ua.sa, sizeof(ua.in)) < 0 && errno == EADDRINUSE, "UDP port taken");
	close(x);
	close(u);
	close(t);
	close(l);
}

static void dgram(void)
{
	int r = socket(AF_INET, SOCK_DGRAM, 0), a = socket(AF_INET, SOCK_DGRAM, 0);
	int b = socket(AF_INET6, SOCK_DGRAM, 0);
	union sa ra = v4(0), aa, ba;
	const char *want[] = { "first from a", "second from b", "third from a" };
	char buf[64];

	bind(r, &ra.sa, sizeof(ra.in));
	ra = name_of(r);
	connect(a, &ra.sa, sizeof(ra.in));
	aa = name_of(a);
	send(a, want[0], strlen(want[0]), 0);
	{
		union sa m = { .in6 = { .sin6_family = AF_INET6, .sin6_port = ra.in.sin_port } };

		inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.in6.sin6_addr);
		sendto(b, want[1], strlen(want[1]), 0, &m.sa, sizeof(m.in6));
	}
	ba = name_of(b);
	send(a, want[2], strlen(want[2]), 0);
	wait_mark();
	for (int i = 0; i < 3; i++) {
		union sa from;
		socklen_t fl = sizeof(from);
		ssize_t k = recvfrom(r, buf, sizeof(buf), MSG_DONTWAIT, &from.sa, &fl);
		unsigned short want_port = port_of(i == 1 ? &ba : &aa);

		check(k == (ssize_t)strlen(want[i]) && !memcmp(buf, want[i], k) &&
		      fl == sizeof(from.in) && from.in.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		      port_of(&from) == want_port, want[i]);
	}
	check(recv(r, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN, "queue empty");
	check(send(a, "after", 5, 0) == 5 && recv(r, buf, sizeof(buf), 0) == 5,
	      "connected sender still connected");
	close(r);
	send(a, "gone", 4, 0);
	check(send(a, "gone", 4, 0) < 0 && errno == ECONNREFUSED,
	      "and hears that its peer is gone");
}

static void blocked(void)
{
	union sa la, ua = v4(0);
	int l = listener(AF_INET, &la), c = connect_to(AF_INET, port_of(&la));
	int s = accept(l, NULL, NULL), u = socket(AF_INET, SOCK_DGRAM, 0), st, ok = 0;
	pid_t kids[3];

	bind(u, &ua.sa, sizeof(ua.in));
	ua = name_of(u);
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char b[16];
			ssize_t n = -1;
			int a;

			if (i == 0)
				n = read(s, b, sizeof(b));
			else if (i == 1)
				n = recvfrom(u, b, sizeof(b), 0, NULL, NULL);
			else if ((a = accept(l, NULL, NULL)) >= 0)
				n = read(a, b, sizeof(b));
			_exit(n == 5 && !memcmp(b, "wake!", 5) ? 0 : 1);
		}
	}
	usleep(100000);
	wait_mark();
	write(c, "wake!", 5);
	{
		int x = socket(AF_INET, SOCK_DGRAM, 0);

		sendto(x, "wake!", 5, 0, &ua.sa, sizeof(ua.in));
		close(x);
	}
	c = connect_to(AF_INET, port_of(&la));
	write(c, "wake!", 5);
	for (int i = 0; i < 3; i++) {
		waitpid(kids[i], &st, 0);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	check(ok == 3, "blocked reader, UDP receiver and accepter woken with data");
}

/* Sends an RTM_GETADDR dump request (seq @seq) on netlink socket @s. */
static void nl_dump(int s, int seq)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} r = { { NLMSG_LENGTH(sizeof(struct rtgenmsg)), RTM_GETADDR,
		  NLM_F_REQUEST | NLM_F_DUMP, seq, 0 }, { AF_INET } };

	send(s, &r, r.h.nlmsg_len, 0);
}

/* Whether the next reply on @s answers @seq with lo's 127.0.0.1/8. */
static bool nl_has_lo(int s, int seq)
{
	static char buf[16384];
	ssize_t n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);

	for (struct nlmsghdr *h = (void *)buf; n > 0 && NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
		struct ifaddrmsg *i = NLMSG_DATA(h);

		if (h->nlmsg_seq == (unsigned)seq && h->nlmsg_type == RTM_NEWADDR &&
		    i->ifa_index == 1 && i->ifa_prefixlen == 8)
			return true;
	}
	return false;
}

static void netlink(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK }, b;
	socklen_t bl = sizeof(b);
	char buf[4096];

	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) });
	nl_dump(s, 7);
	usleep(10000);
	wait_mark();
	check(nl_has_lo(s, 7), "dump reply read after the restore");
	while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	nl_dump(s, 8);
	check(nl_has_lo(s, 8), "socket still answers");
	getsockname(s, (struct sockaddr *)&b, &bl);
	check(b.nl_pid == a.nl_pid, "port id kept");
}

int main(int argc, char **argv)
{
	static const struct cr_net_mode modes[] = {
		{ "stream", stream },
		{ "listen", listen_mode },
		{ "dgram", dgram },
		{ "blocked", blocked },
		{ "netlink", netlink },
		{ NULL, NULL },
	};

	return cr_net_main(argc, argv, modes);
}
