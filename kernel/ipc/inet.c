/*
 * Loopback inet sockets (see inet.h): creation, addresses and ports (bind, the
 * ephemeral ports, the lookups that find a listener or a UDP receiver), connect,
 * listen, the names, shutdown, and what a TCP socket sees when its peer goes. After
 * Linux's net/ipv4/af_inet.c, inet_connection_sock.c (bind conflicts), inet_hashtables.c
 * (lookup scores), tcp_ipv4.c and datagram.c (connect) and their ipv6 twins.
 *
 * Only `lo` exists: 127.0.0.0/8 and ::1 are local, 0.0.0.0 and :: are taken for them
 * when connecting (as Linux routes them), any other destination is ENETUNREACH.
 *
 * Lock: unix_lock, as for every socket (unix.h).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipc/inet_int.h"
#include "ipc/unix.h"
#include "task/task.h"
#include "time/ktime.h"

#define L_IPPROTO_MAX 263
#define L_IPPROTO_MPTCP 262
#define CAP_NET_BIND_SERVICE 10
#define TCP_WMEM_DEFAULT 16384          /* net.ipv4.tcp_wmem[1] */
#define TCP_RMEM_DEFAULT 131072         /* net.ipv4.tcp_rmem[1] */

static const u8 mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
static const u8 loop6[16] = { [15] = 1 };
static u32 eph_next;                    /* next ephemeral port to try; under unix_lock */

/* --- addresses --- */

bool inet_a_any(const u8 *a)
{
	static const u8 zero[16];

	return !memcmp(a, zero, 16);
}

bool inet_a_mapped(const u8 *a)
{
	return !memcmp(a, mapped_prefix, 12);
}

/* The IPv4 address of a mapped (or any) address, network order. */
u32 inet_a_v4(const u8 *a)
{
	u32 v;

	memcpy(&v, a + 12, 4);
	return v;
}

/* @v4 (network order) as @family keeps it: 0.0.0.0 of an AF_INET socket is any. */
void inet_a_set_v4(u8 *a, u32 v4, int family)
{
	memset(a, 0, 16);
	if (!v4 && family == AF_INET)
		return;
	memcpy(a, mapped_prefix, 12);
	memcpy(a + 12, &v4, 4);
}

/* What a bound address covers: for IPv4 and IPv6 each, none, any or one address. */
struct cover {
	u8 v4, v6;              /* 0 none, 1 any, 2 the address below */
	u32 a4;
	const u8 *a6;
};

static struct cover cover_of(const struct unix_sock *sk, const u8 *laddr)
{
	struct cover c = { 0 };

	if (inet_a_any(laddr)) {
		c.v4 = sk->family == AF_INET || !sk->inet.v6only;
		c.v6 = sk->family == AF_INET6;
	} else if (inet_a_mapped(laddr)) {
		c.a4 = inet_a_v4(laddr);
		c.v4 = c.a4 ? 2 : 1;
	} else {
		c.v6 = 2;
		c.a6 = laddr;
	}
	return c;
}

static bool cover_overlap(struct cover x, struct cover y)
{
	if (x.v4 && y.v4 && (x.v4 == 1 || y.v4 == 1 || x.a4 == y.a4))
		return true;
	return x.v6 && y.v6 && (x.v6 == 1 || y.v6 == 1 || !memcmp(x.a6, y.a6, 16));
}

/* How well a socket bound as @c matches destination @d: 0 not at all, 1 as a
 * wildcard, 2 exactly (Linux's compute_score, which also prefers AF_INET for IPv4). */
static int cover_score(const struct unix_sock *sk, struct cover c, const u8 *d)
{
	int s;

	if (inet_a_mapped(d))
		s = c.v4 == 2 ? (c.a4 == inet_a_v4(d)) * 4 : c.v4 * 2;
	else
		s = c.v6 == 2 ? !memcmp(c.a6, d, 16) * 4 : c.v6 * 2;
	return s && sk->family == AF_INET ? s + 1 : s;
}

int inet_addr_parse(struct unix_sock *sk, int mode, const void *addr, u32 len, u8 *a,
		    u16 *port)
{
	struct sockaddr_in s4 = { 0 };
	struct sockaddr_in6 s6 = { 0 };
	sa_family_t fam;

	if (len < sizeof(fam))
		return -EINVAL;
	memcpy(&fam, addr, sizeof(fam));
	if (mode == INET_A_CONNECT && fam == AF_UNSPEC)
		return 1;
	if (sk->family == AF_INET6) {
		if (fam == AF_INET6) {
			if (len < 24)   /* SIN6_LEN_RFC2133 */
				return -EINVAL;
			memcpy(&s6, addr, MIN(len, sizeof(s6)));
			memcpy(a, &s6.sin6_addr, 16);
			*port = ntohs(s6.sin6_port);
			if (mode == INET_A_BIND && inet_a_mapped(a) && sk->inet.v6only)
				return -EINVAL;
			return 0;
		}
		if (mode == INET_A_SEND && fam == AF_UNSPEC)
			return 1;
		/* Only a UDP socket takes a sockaddr_in (as the v4-mapped address). */
		if (fam != AF_INET || mode == INET_A_BIND || sk->inet.proto == IPPROTO_TCP) {
			if (mode == INET_A_SEND || len < 24)
				return -EINVAL;
			return -EAFNOSUPPORT;
		}
		if (sk->inet.v6only)
			return mode == INET_A_SEND ? -ENETUNREACH : -EAFNOSUPPORT;
	}
	if (len < sizeof(s4))
		return -EINVAL;
	memcpy(&s4, addr, sizeof(s4));
	if (fam != AF_INET && !(fam == AF_UNSPEC && mode == INET_A_SEND) &&
	    !(fam == AF_UNSPEC && mode == INET_A_BIND && !s4.sin_addr.s_addr))
		return -EAFNOSUPPORT;
	inet_a_set_v4(a, s4.sin_addr.s_addr, sk->family);
	*port = ntohs(s4.sin_port);
	return 0;
}

int inet_route(struct unix_sock *sk, u8 *d, u8 *src)
{
	u32 lo = htonl(INADDR_LOOPBACK);

	if (inet_a_any(d)) {
		if (sk->family == AF_INET)
			inet_a_set_v4(d, lo, AF_INET);
		else
			memcpy(d, loop6, 16);
	}
	if (inet_a_mapped(d)) {
		if (sk->family == AF_INET6 && sk->inet.v6only)
			return -ENETUNREACH;
		if (!inet_a_v4(d))
			inet_a_set_v4(d, lo, AF_INET);
		if ((ntohl(inet_a_v4(d)) >> 24) != 127)
			return -ENETUNREACH;
	} else if (memcmp(d, loop6, 16)) {
		return -ENETUNREACH;
	}
	/* The source: the bound address, or lo's (Linux's prefsrc 127.0.0.1, ::1). */
	if (!inet_a_any(sk->inet.laddr)) {
		if (inet_a_mapped(sk->inet.laddr) != inet_a_mapped(d))
			return -ENETUNREACH;
		memcpy(src, sk->inet.laddr, 16);
	} else if (inet_a_mapped(d)) {
		inet_a_set_v4(src, lo, AF_INET);
	} else {
		memcpy(src, loop6, 16);
	}
	return 0;
}

int inet_sockaddr(int family, const u8 *a, u16 port, void *out)
{
	if (family == AF_INET) {
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };

		s4.sin_addr.s_addr = inet_a_v4(a);
		memcpy(out, &s4, sizeof(s4));
		return sizeof(s4);
	} else {
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

		memcpy(&s6.sin6_addr, a, 16);
		memcpy(out, &s6, sizeof(s6));
		return sizeof(s6);
	}
}

/* --- ports --- */

static bool is_inet(const struct unix_sock *o, int proto)
{
	return o->family != AF_UNIX && !o->dead && o->inet.proto == proto;
}

static bool port_used(int proto, u16 port)
{
	struct st_list *l;

	st_list_for_each(l, &unix_all) {
		struct unix_sock *o = container_of(l, struct unix_sock, all);

		if (is_inet(o, proto) && o->inet.lport == port)
			return true;
	}
	return false;
}

/* Linux's inet_csk_bind_conflict and udp_lib_lport_inuse: another socket on @port
 * whose addresses overlap @laddr, unless both allow it. */
static bool bind_conflict(struct unix_sock *sk, const u8 *laddr, u16 port, bool listen)
{
	struct cover c = cover_of(sk, laddr);
	bool reuse = unix_opt_isset(sk, SO_REUSEADDR), reuseport = unix_opt_isset(sk, SO_REUSEPORT);
	struct st_list *l;

	st_list_for_each(l, &unix_all) {
		struct unix_sock *o = container_of(l, struct unix_sock, all);

		if (o == sk || !is_inet(o, sk->inet.proto) || o->inet.lport != port)
			continue;
		if (listen && o->state != UNIX_LISTEN)
			continue;
		if (!cover_overlap(c, cover_of(o, o->inet.laddr)))
			continue;
		if (reuseport && unix_opt_isset(o, SO_REUSEPORT) && o->uid == sk->uid)
			continue;
		if (!listen && reuse && unix_opt_isset(o, SO_REUSEADDR) &&
		    (sk->inet.proto == IPPROTO_UDP || o->state != UNIX_LISTEN))
			continue;
		return true;
	}
	return false;
}

int inet_pick_port(struct unix_sock *sk)
{
	u32 range = INET_EPHEMERAL_HI - INET_EPHEMERAL_LO + 1;

	if (!eph_next)
		eph_next = (u32)ktime_host_mono_now() % range + 1;
	for (u32 i = 0; i < range; i++) {
		u16 p = INET_EPHEMERAL_LO + eph_next++ % range;

		if (!port_used(sk->inet.proto, p)) {
			sk->inet.lport = p;
			return 0;
		}
	}
	return -EADDRINUSE;
}

struct unix_sock *inet_lookup(int proto, const u8 *d, u16 dport, const u8 *s, u16 sport)
{
	struct unix_sock *best = NULL;
	int best_score = 0;
	struct st_list *l;

	st_list_for_each(l, &unix_all) {
		struct unix_sock *o = container_of(l, struct unix_sock, all);
		int score;

		if (!is_inet(o, proto) || o->inet.lport != dport)
			continue;
		if (proto == IPPROTO_TCP && o->state != UNIX_LISTEN)
			continue;
		/* A connected UDP socket hears only its peer. */
		if (o->inet.rport && (o->inet.rport != sport || memcmp(o->inet.raddr, s, 16)))
			continue;
		score = cover_score(o, cover_of(o, o->inet.laddr), d);
		if (score > best_score) {
			best = o;
			best_score = score;
		}
	}
	return best;
}

/* --- sockets --- */

int inet_check_type(struct task *t, int family, int type, int protocol)
{
	(void)t;
	if (protocol < 0 || protocol >= L_IPPROTO_MAX)
		return -EINVAL;
	switch (type) {
	case SOCK_STREAM:
		return !protocol || protocol == IPPROTO_TCP ? 0 : -EPROTONOSUPPORT;
	case SOCK_DGRAM:
		if (!protocol || protocol == IPPROTO_UDP)
			return 0;
		/* ping sockets: net.ipv4.ping_group_range is "1 0", no group may */
		if ((family == AF_INET && protocol == IPPROTO_ICMP) ||
		    (family == AF_INET6 && protocol == IPPROTO_ICMPV6))
			return -EACCES;
		return -EPROTONOSUPPORT;
	case SOCK_RAW:
		/* No raw sockets: as for a task without CAP_NET_RAW. */
		return -EPERM;
	}
	return -ESOCKTNOSUPPORT;
}

int inet_socket_new(struct task *t, int family, int type, bool nonblock,
		    struct vfs_file **out)
{
	struct unix_sock *sk;
	int err = unix_socket_new(t, type, nonblock, out);

	if (err)
		return err;
	sk = unix_sk(*out);
	pthread_mutex_lock(&unix_lock);
	sk->family = family;
	sk->inet.proto = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	if (type == SOCK_STREAM) {
		sk->sndbuf = TCP_WMEM_DEFAULT;
		sk->rcvbuf = TCP_RMEM_DEFAULT;
	}
	inet_opts_init(sk);
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

int inet_bind(struct task *t, struct vfs_file *f, const void *addr, u32 len)
{
	struct unix_sock *sk = unix_sk(f);
	u8 a[16], src[16];
	u16 port;
	int err = inet_addr_parse(sk, INET_A_BIND, addr, len, a, &port);

	if (err)
		return err;
	if (!inet_a_any(a) && !(inet_a_mapped(a) && !inet_a_v4(a))) {
		u8 d[16];

		memcpy(d, a, 16);
		/* Local addresses are those a connect reaches without rewriting. */
		if (inet_route(sk, d, src) || memcmp(d, a, 16))
			return -EADDRNOTAVAIL;
	}
	if (port && port < 1024 && !task_capable(t, CAP_NET_BIND_SERVICE))
		return -EACCES;
	pthread_mutex_lock(&unix_lock);
	if (sk->inet.lport || sk->state != UNIX_CLOSE) {
		err = -EINVAL;
	} else if (!port) {
		err = inet_pick_port(sk);
	} else if (bind_conflict(sk, a, port, false)) {
		err = -EADDRINUSE;
	} else {
		sk->inet.lport = port;
		sk->inet.port_bound = true;
	}
	if (!err) {
		memcpy(sk->inet.laddr, a, 16);
		sk->inet.addr_bound = !inet_a_any(a);
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

/* Drops what a failed or undone connect chose of the local name (@port: the port
 * too; a refused TCP connect keeps it, as Linux shows it); unix_lock held. */
static void unbind_auto(struct unix_sock *sk, bool port)
{
	if (!sk->inet.addr_bound)
		memset(sk->inet.laddr, 0, 16);
	if (port && !sk->inet.port_bound)
		sk->inet.lport = 0;
	memset(sk->inet.raddr, 0, 16);
	sk->inet.rport = 0;
}

/* Chooses the local name for a connection to @d: unix_lock held. */
static int autobind(struct unix_sock *sk, const u8 *src)
{
	int err = 0;

	if (!sk->inet.lport)
		err = inet_pick_port(sk);
	if (!err && inet_a_any(sk->inet.laddr))
		memcpy(sk->inet.laddr, src, 16);
	return err;
}

/* A connect that already went (or failed) reports how it went, once (Linux's
 * SS_CONNECTING); unix_lock held. */
static int connect_again(struct unix_sock *sk)
{
	int err;

	sk->inet.connecting = false;
	if (sk->err) {
		err = -sk->err;
		sk->err = 0;
		return err;
	}
	return sk->state == UNIX_ESTABLISHED ? 0 : -ECONNABORTED;
}

/* connect(AF_UNSPEC) on a connected TCP socket: Linux's tcp_disconnect resets the
 * connection; here both ends see the reset, and the socket cannot connect again
 * (see ipc/README.md). unix_lock held. */
static int tcp_disconnect(struct unix_sock *sk)
{
	if (sk->peer && !sk->peer->dead && sk->peer->peer == sk) {
		inet_peer_gone(sk->peer, true);
		waitq_wake_all(&sk->peer->wq);
	}
	if (sk->state == UNIX_ESTABLISHED)
		sk->shutdown = UNIX_SHUTDOWN_MASK;
	waitq_wake_all(&sk->wq);
	return 0;
}

/* connect for TCP to @d:@port, from @src (autobound already); unix_lock held,
 * dropped while it waits for room in the listener's queue. */
static int tcp_connect(struct task *t, struct vfs_file *f, struct unix_sock *sk,
		       const u8 *d, u16 port)
{
	bool nonblock = f->flags & O_NONBLOCK;
	struct unix_sock *l;
	int err;

	memcpy(sk->inet.raddr, d, 16);
	sk->inet.rport = port;
	l = inet_lookup(IPPROTO_TCP, d, port, sk->inet.laddr, sk->inet.lport);
	if (!l) {
		unbind_auto(sk, false);
		if (!nonblock)
			return -ECONNREFUSED;
		sk->err = ECONNREFUSED;
		sk->inet.connecting = true;
		return -EINPROGRESS;
	}
	ref_get(&l->ref);
	pthread_mutex_unlock(&unix_lock);
	err = unix_stream_join(t, sk, l, nonblock);
	unix_sock_put(l);
	pthread_mutex_lock(&unix_lock);
	if (err && !sk->peer)
		unbind_auto(sk, false);
	if (!err && nonblock) {
		sk->inet.connecting = true;
		err = -EINPROGRESS;
	}
	return err;
}

int inet_connect(struct task *t, struct vfs_file *f, const void *addr, u32 len)
{
	struct unix_sock *sk = unix_sk(f);
	bool udp = sk->type == SOCK_DGRAM;
	u8 d[16], src[16];
	u16 port;
	int err = inet_addr_parse(sk, INET_A_CONNECT, addr, len, d, &port);

	if (err < 0)
		return err;
	pthread_mutex_lock(&unix_lock);
	if (err == 1) {
		/* AF_UNSPEC: UDP forgets its peer, TCP resets its connection */
		if (udp)
			unbind_auto(sk, true);
		err = udp ? 0 : tcp_disconnect(sk);
		goto out;
	}
	if (!udp && sk->inet.connecting) {
		err = connect_again(sk);
		goto out;
	}
	err = -EISCONN;
	if (!udp && (sk->state != UNIX_CLOSE || sk->peer))
		goto out;
	err = inet_route(sk, d, src);
	if (!err)
		err = autobind(sk, src);
	if (err == -EADDRINUSE)
		err = udp ? -EAGAIN : -EADDRNOTAVAIL;
	if (err)
		goto out;
	if (!udp) {
		err = tcp_connect(t, f, sk, d, port);
		goto out;
	}
	memcpy(sk->inet.raddr, d, 16);
	sk->inet.rport = port;
out:
	pthread_mutex_unlock(&unix_lock);
	return err;
}

int inet_listen(struct task *t, struct vfs_file *f, int backlog)
{
	struct unix_sock *sk = unix_sk(f);
	int err = 0;

	(void)t;
	if (sk->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if ((u32)backlog > UNIX_SOMAXCONN)
		backlog = UNIX_SOMAXCONN;
	pthread_mutex_lock(&unix_lock);
	if ((sk->state != UNIX_CLOSE && sk->state != UNIX_LISTEN) || sk->peer ||
	    sk->inet.connecting) {
		err = -EINVAL;
	} else if (sk->state == UNIX_CLOSE) {
		if (!sk->inet.lport)
			err = inet_pick_port(sk);
		else if (bind_conflict(sk, sk->inet.laddr, sk->inet.lport, true))
			err = -EADDRINUSE;
	}
	if (!err) {
		if (backlog > (int)sk->backlog)
			waitq_wake_all(&sk->wq);
		sk->backlog = backlog;
		sk->state = UNIX_LISTEN;
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

int inet_getname(struct vfs_file *f, bool peer, void *out)
{
	struct unix_sock *sk = unix_sk(f);
	int len;

	pthread_mutex_lock(&unix_lock);
	if (peer && (!sk->inet.rport ||
		     (sk->type == SOCK_STREAM && inet_tcp_state(sk) == 7 /* TCP_CLOSE */))) {
		pthread_mutex_unlock(&unix_lock);
		return -ENOTCONN;
	}
	len = peer ? inet_sockaddr(sk->family, sk->inet.raddr, sk->inet.rport, out)
		   : inet_sockaddr(sk->family, sk->inet.laddr, sk->inet.lport, out);
	pthread_mutex_unlock(&unix_lock);
	return len;
}

int inet_shutdown(struct vfs_file *f, int how)
{
	struct unix_sock *sk = unix_sk(f);
	u32 mode;
	int err = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mode = how + 1;
	pthread_mutex_lock(&unix_lock);
	if (sk->state == UNIX_LISTEN) {
		/* Linux's tcp_disconnect of a listener: it stops listening; the
		 * connections it holds are reset when it is closed. */
		if (mode & UNIX_RCV_SHUTDOWN)
			sk->state = UNIX_CLOSE;
	} else {
		if (sk->type == SOCK_STREAM ? !sk->peer : !sk->inet.rport)
			err = -ENOTCONN;
		sk->shutdown |= mode;
		/* TCP sends a FIN for SHUT_WR; a SHUT_RD tells the peer nothing. */
		if (sk->peer && (mode & UNIX_SEND_SHUTDOWN) && sk->peer->peer == sk) {
			sk->peer->shutdown |= UNIX_RCV_SHUTDOWN;
			sk->peer->inet.fin_in = true;
			waitq_wake_all(&sk->peer->wq);
			inet_fin_wake(sk->peer);
		}
	}
	waitq_wake_all(&sk->wq);
	pthread_mutex_unlock(&unix_lock);
	return err;
}

void inet_embryo_init(struct unix_sock *emb, struct unix_sock *c, struct unix_sock *l)
{
	emb->family = l->family;
	emb->inet = l->inet;
	emb->inert_opts = l->inert_opts;
	emb->rcvlowat = l->rcvlowat;
	emb->linger = l->linger;
	emb->linger_secs = l->linger_secs;
	/* c's destination is already in the v4-mapped form both families keep. */
	memcpy(emb->inet.laddr, c->inet.raddr, 16);
	memcpy(emb->inet.raddr, c->inet.laddr, 16);
	emb->inet.rport = c->inet.lport;
	emb->inet.addr_bound = emb->inet.port_bound = true;
	emb->inet.connecting = false;
}

void inet_peer_gone(struct unix_sock *sk, bool reset)
{
	/* A reset after the peer's FIN is not seen (Linux's loopback shows none):
	 * our next send meets the closed peer as after a clean close. */
	if (reset && !sk->inet.fin_in) {
		if (inet_tcp_state(sk) != 7) {  /* TCP_CLOSE: Linux's tcp_reset ignores it */
			sk->err = ECONNRESET;
			/* sk_error_report */
			unix_wake_async(sk, UNIX_WAKE_IO, L_POLL_ERR);
		}
		sk->shutdown = UNIX_SHUTDOWN_MASK;
	} else {
		sk->shutdown |= UNIX_RCV_SHUTDOWN;
		sk->inet.fin_in = true;
		inet_fin_wake(sk);
	}
}

void inet_fin_wake(struct unix_sock *sk)
{
	/* Linux's tcp_fin: POLL_HUP once both directions are closed, else POLL_IN
	 * (a half close); then the FIN's segment is data ready: POLL_IN again. */
	unix_wake_async(sk, UNIX_WAKE_WAITD,
			sk->shutdown == UNIX_SHUTDOWN_MASK ? L_POLL_HUP : L_POLL_IN);
	unix_wake_async(sk, UNIX_WAKE_WAITD, L_POLL_IN);
}

int inet_tcp_state(struct unix_sock *sk)
{
	if (sk->state == UNIX_LISTEN)
		return 10;      /* TCP_LISTEN */
	/* both FINs went (or a reset): what is left of TIME_WAIT is CLOSE */
	if (sk->state != UNIX_ESTABLISHED || !sk->peer ||
	    sk->shutdown == UNIX_SHUTDOWN_MASK)
		return 7;       /* TCP_CLOSE */
	if (sk->shutdown & UNIX_SEND_SHUTDOWN)
		return 5;       /* TCP_FIN_WAIT2: our FIN was taken at once */
	if (sk->shutdown & UNIX_RCV_SHUTDOWN)
		return 8;       /* TCP_CLOSE_WAIT */
	return 1;               /* TCP_ESTABLISHED */
}

int inet_sock_check(struct unix_sock *sk)
{
	if (sk->family != AF_INET && sk->family != AF_INET6)
		return -EINVAL;
	if (sk->type != SOCK_STREAM && sk->type != SOCK_DGRAM)
		return -EINVAL;
	if (sk->inet.proto != (sk->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EINVAL;
	return 0;
}
