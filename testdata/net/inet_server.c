/* inet_server: servers on the loopback network. A forking TCP echo server with
 * several clients at once (IPv4); a dual-stack IPv6 listener taking IPv4 and IPv6
 * clients; UDP ping-pong between two processes; a nonblocking server driving many
 * connections with epoll (edge-triggered), with bulk data both ways. */
#include "inet.h"

#include <sys/epoll.h>

#define CLIENTS 6

static int echo_client(const union net_sa *a, int i)
{
	int c = socket(a->sa.sa_family, SOCK_STREAM, 0);
	char req[64], rep[64];
	ssize_t n;

	if (connect(c, &a->sa, net_len(a)))
		return 10;
	for (int k = 0; k < 3; k++) {
		snprintf(req, sizeof(req), "client %d line %d\n", i, k);
		if (write(c, req, strlen(req)) != (ssize_t)strlen(req))
			return 11;
		n = net_readn(c, rep, strlen(req));
		if (n != (ssize_t)strlen(req) || memcmp(req, rep, n))
			return 12;
	}
	shutdown(c, SHUT_WR);
	n = read(c, rep, sizeof(rep));
	close(c);
	return n == 0 ? 0 : 13;
}

static void echo_server(void)
{
	union net_sa a;
	int l = net_listener(AF_INET, "127.0.0.1", &a), st, ok = 0, served = 0;

	P("== forking echo server\n");
	for (int i = 0; i < CLIENTS; i++)
		if (fork() == 0)
			_exit(echo_client(&a, i));
	for (int i = 0; i < CLIENTS; i++) {
		int s = accept(l, NULL, NULL);

		if (s < 0) {
			perror("accept");
			exit(1);
		}
		if (fork() == 0) {
			char b[256];
			ssize_t n;

			close(l);
			while ((n = read(s, b, sizeof(b))) > 0)
				write(s, b, n);
			_exit(n == 0 ? 0 : 1);
		}
		close(s);
	}
	close(l);
	while (wait(&st) > 0) {
		served++;
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	P("%d processes, %d ok\n", served, ok);
}

static void dual_stack(void)
{
	union net_sa a, c4, c6, from;
	int l = net_listener(AF_INET6, "::", &a), st;
	unsigned short port = net_port(&a);

	P("== dual stack\n");
	c4 = net_in4("127.0.0.1", port);
	c6 = net_in6("::1", port);
	if (fork() == 0)
		_exit(echo_client(&c4, 0) * 10 + echo_client(&c6, 1));
	for (int i = 0; i < 2; i++) {
		socklen_t fl = sizeof(from);
		int s = accept(l, &from.sa, &fl);
		char b[256];
		ssize_t n;

		net_show("accepted", &from, fl);
		net_showname("  local", s, false);
		while ((n = read(s, b, sizeof(b))) > 0)
			write(s, b, n);
		close(s);
	}
	wait(&st);
	P("clients exit %d\n", WEXITSTATUS(st));
	close(l);
	/* IPV6_V6ONLY: IPv4 is refused */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int));
	a = net_in6("::", 0);
	bind(l, &a.sa, sizeof(a.in6));
	listen(l, 4);
	a = net_name(l);
	c4 = net_in4("127.0.0.1", net_port(&a));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	T(connect(c, &c4.sa, sizeof(c4.in)));
	close(c);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	c6 = net_in6("::1", net_port(&a));
	T(connect(c, &c6.sa, sizeof(c6.in6)));
	close(c);
	close(l);
}

static void udp_pingpong(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET6, SOCK_DGRAM, 0), st;
	union net_sa aa = net_in4("127.0.0.1", 0), ba = net_in6("::", 0), to;
	char buf[64];

	P("== udp ping-pong\n");
	bind(a, &aa.sa, sizeof(aa.in));
	bind(b, &ba.sa, sizeof(ba.in6));
	aa = net_name(a);
	ba = net_name(b);
	if (fork() == 0) {
		/* the v6 side answers each ping to where it came from */
		for (int i = 0; i < 5; i++) {
			union net_sa from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(b, buf, sizeof(buf), 0, &from.sa, &fl);

			if (n <= 0)
				_exit(1);
			buf[0] = 'o';
			sendto(b, buf, n, 0, &from.sa, fl);
		}
		_exit(0);
	}
	to = net_in4("127.0.0.1", net_port(&ba));
	for (int i = 0; i < 5; i++) {
		union net_sa from;
		socklen_t fl = sizeof(from);
		int len = snprintf(buf, sizeof(buf), "ping %d", i);
		ssize_t n;

		sendto(a, buf, len, 0, &to.sa, sizeof(to.in));
		n = recvfrom(a, buf, sizeof(buf), 0, &from.sa, &fl);
		buf[n > 0 ? n : 0] = 0;
		P("got '%s' ", buf);
		net_show("from", &from, fl);
	}
	wait(&st);
	P("answerer exit %d\n", WEXITSTATUS(st));
	close(a);
	close(b);
}

#define NB_CLIENTS 8
#define NB_BYTES 300000

struct conn {
	int fd;
	size_t in, out;         /* bytes read, bytes echoed */
	char buf[65536];
	size_t have;
};

static void epoll_server(void)
{
	union net_sa a;
	int l = net_listener(AF_INET, "127.0.0.1", &a), ep = epoll_create1(0), done = 0;
	int st, ok = 0;
	static struct conn conns[NB_CLIENTS];
	int nconn = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = ~0u };

	P("== nonblocking epoll server\n");
	fcntl(l, F_SETFL, O_NONBLOCK);
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	for (int i = 0; i < NB_CLIENTS; i++) {
		if (fork() == 0) {
			/* writes NB_BYTES while reading the echo back */
			int c = socket(AF_INET, SOCK_STREAM, 0);
			static char out[NB_BYTES], in[NB_BYTES];
			size_t w = 0, r = 0;

			for (int k = 0; k < NB_BYTES; k++)
				out[k] = (char)(k * 7 + i);
			if (connect(c, &a.sa, sizeof(a.in)))
				_exit(10);
			fcntl(c, F_SETFL, O_NONBLOCK);
			while (r < NB_BYTES) {
				struct pollfd p = { c, POLLIN | (w < NB_BYTES ? POLLOUT : 0) };
				ssize_t n;

				poll(&p, 1, -1);
				if (p.revents & POLLOUT) {
					n = write(c, out + w, NB_BYTES - w < 30000 ? NB_BYTES - w : 30000);
					if (n > 0)
						w += n;
					if (w == NB_BYTES)
						shutdown(c, SHUT_WR);
				}
				if (p.revents & POLLIN) {
					n = read(c, in + r, NB_BYTES - r);
					if (n <= 0)
						_exit(11);
					r += n;
				}
			}
			fcntl(c, F_SETFL, 0);
			_exit(memcmp(in, out, NB_BYTES) ? 12 : read(c, in, 1) == 0 ? 0 : 13);
		}
	}
	while (done < NB_CLIENTS) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, 10000);

		if (n <= 0) {
			P("epoll_wait timed out\n");
			break;
		}
		for (int k = 0; k < n; k++) {
			struct conn *c;
			ssize_t m;

			if (evs[k].data.u32 == ~0u) {
				int s;

				while ((s = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					conns[nconn].fd = s;
					ev = (struct epoll_event){ EPOLLIN | EPOLLOUT | EPOLLET,
								   .data.u32 = nconn++ };
					epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
				}
				continue;
			}
			c = &conns[evs[k].data.u32];
			for (;;) {
				bool progress = false;

				if (c->have) {
					m = write(c->fd, c->buf, c->have);
					if (m > 0) {
						memmove(c->buf, c->buf + m, c->have - m);
						c->have -= m;
						c->out += m;
						progress = true;
					}
				}
				if (c->have < sizeof(c->buf) && c->fd >= 0) {
					m = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
					if (m > 0) {
						c->have += m;
						c->in += m;
						progress = true;
					} else if (m == 0 && !c->have) {
						close(c->fd);
						c->fd = -1;
						done++;
						break;
					}
				}
				if (!progress)
					break;
			}
		}
	}
	for (int i = 0; i < NB_CLIENTS; i++) {
		wait(&st);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	P("%d connections, %d clients ok, bytes echoed match: %d\n", nconn, ok,
	  conns[0].out == NB_BYTES && conns[NB_CLIENTS - 1].in == NB_BYTES);
	close(ep);
	close(l);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	echo_server();
	dual_stack();
	udp_pingpong();
	epoll_server();
	return 0;
}
