/* inet.h: shared by the testdata/net programs of the loopback network (AF_INET,
 * AF_INET6). Ports differ run to run and between tests running at once on the host's
 * loopback, so every socket binds port 0 and no port number is ever printed: names
 * are shown as the family, the address and whether the port is set. */
#ifndef SBX_TD_INET_H
#define SBX_TD_INET_H

#include "net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>

union net_sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

static inline union net_sa net_in4(const char *ip, unsigned short port)
{
	union net_sa a = { .in = { .sin_family = AF_INET, .sin_port = htons(port) } };

	inet_pton(AF_INET, ip, &a.in.sin_addr);
	return a;
}

static inline union net_sa net_in6(const char *ip, unsigned short port)
{
	union net_sa a = { .in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) } };

	inet_pton(AF_INET6, ip, &a.in6.sin6_addr);
	return a;
}

static inline unsigned short net_port(const union net_sa *a)
{
	return ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port : a->in6.sin6_port);
}

static inline void net_set_port(union net_sa *a, unsigned short p)
{
	if (a->sa.sa_family == AF_INET)
		a->in.sin_port = htons(p);
	else
		a->in6.sin6_port = htons(p);
}

/* "family address port?" of a name of @len bytes. */
static inline void net_show(const char *what, const union net_sa *a, socklen_t len)
{
	char s[INET6_ADDRSTRLEN] = "?";

	if (a->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &a->in.sin_addr, s, sizeof(s));
	else if (a->sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &a->in6.sin6_addr, s, sizeof(s));
	printf("%s: len %u family %d addr %s port %s\n", what, (unsigned)len, a->sa.sa_family, s,
	       net_port(a) ? "set" : "0");
}

static inline void net_showname(const char *what, int fd, bool peer)
{
	union net_sa a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	if ((peer ? getpeername : getsockname)(fd, &a.sa, &len) < 0) {
		printf("%s: -1 %s\n", what, fam_ename(errno));
		return;
	}
	net_show(what, &a, len);
}

/* The bound name of @fd (its port is what a client connects to). */
static inline union net_sa net_name(int fd)
{
	union net_sa a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	getsockname(fd, &a.sa, &len);
	return a;
}

/* A listener on @ip (of @family) port 0: the fd, its name in *a. */
static inline int net_listener(int family, const char *ip, union net_sa *a)
{
	int l = socket(family, SOCK_STREAM, 0);

	*a = family == AF_INET ? net_in4(ip, 0) : net_in6(ip, 0);
	if (l < 0 || bind(l, &a->sa, family == AF_INET ? sizeof(a->in) : sizeof(a->in6)) ||
	    listen(l, 16)) {
		perror("net_listener");
		exit(2);
	}
	*a = net_name(l);
	return l;
}

static inline socklen_t net_len(const union net_sa *a)
{
	return a->sa.sa_family == AF_INET ? sizeof(a->in) : sizeof(a->in6);
}

/* Reads exactly @n bytes (or to EOF): how many. */
static inline ssize_t net_readn(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r <= 0)
			return got ? (ssize_t)got : r;
		got += r;
	}
	return got;
}

#endif
