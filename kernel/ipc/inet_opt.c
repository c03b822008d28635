/*
 * Loopback sockets' IPPROTO_IP, IPPROTO_IPV6 and IPPROTO_TCP options (see inet.h),
 * after Linux's do_ip_setsockopt/do_ip_getsockopt, do_ipv6_setsockopt and
 * do_tcp_setsockopt/do_tcp_getsockopt. Most are integers a program sets and reads
 * back; on a loopback without segments they change nothing (TCP_NODELAY, TCP_CORK
 * and keepalive timing have nothing to delay or probe), which is what Linux's
 * loopback shows too. What they mean here is said in the table.
 *
 * The SOL_SOCKET options are unix_opt.c's, shared with unix sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "ipc/inet_int.h"
#include "ipc/unix.h"

#define L_SOL_IP 0
#define L_SOL_TCP 6
#define L_SOL_IPV6 41
#define L_TCP_MSS_DEFAULT 536
#define LO_MSS_V4 65483                 /* lo's MTU 65536, less headers and timestamps */
#define LO_MSS_V6 65463
#define TCP_RTO_MAX_SECS 120

/* How an option's value is checked and shown. */
enum iopt_kind {
	IO_INT,         /* any int in [lo, hi] */
	IO_BOOL,        /* stored as 0 or 1 */
	IO_DEF,         /* -1 means the default, shown as def2 */
	IO_DEFER,       /* TCP_DEFER_ACCEPT: seconds kept as retransmits */
};

struct iopt {
	int level, name;
	enum iopt_kind kind;
	s32 def, lo, hi, def2;
	bool tcp;       /* TCP sockets only */
	bool v6;        /* AF_INET6 sockets only */
};

/* Entries: level, name, kind, default, range, what -1 shows, which sockets. */
#define IPO(n, k, d, lo, hi, d2) { L_SOL_IP, n, k, d, lo, hi, d2, false, false }
#define V6O(n, k, d, lo, hi, d2) { L_SOL_IPV6, n, k, d, lo, hi, d2, false, true }
#define TCPO(n, k, d, lo, hi) { L_SOL_TCP, n, k, d, lo, hi, 0, true, false }

/* The slot of each option in sk->inet.opts is its index here (saved: append only). */
static const struct iopt iopts[] = {
	IPO(IP_TOS, IO_INT, 0, 0, 255, 0),
	IPO(IP_TTL, IO_DEF, -1, -1, 255, 64),
	IPO(IP_RECVERR, IO_BOOL, 0, 0, 0, 0),   /* no error queue: nothing arrives on it */
	IPO(IP_PKTINFO, IO_BOOL, 0, 0, 0, 0),   /* kept; no IP_PKTINFO control message */
	IPO(IP_RECVTOS, IO_BOOL, 0, 0, 0, 0),
	IPO(IP_RECVTTL, IO_BOOL, 0, 0, 0, 0),
	IPO(IP_MTU_DISCOVER, IO_INT, 1, 0, 5, 0),
	IPO(IP_FREEBIND, IO_BOOL, 0, 0, 0, 0),
	IPO(IP_BIND_ADDRESS_NO_PORT, IO_BOOL, 0, 0, 0, 0),
	IPO(IP_MULTICAST_TTL, IO_DEF, 1, -1, 255, 1),
	IPO(IP_MULTICAST_LOOP, IO_BOOL, 1, 0, 0, 0),
	V6O(IPV6_UNICAST_HOPS, IO_DEF, -1, -1, 255, 64),
	V6O(IPV6_TCLASS, IO_DEF, 0, -1, 255, 0),
	V6O(IPV6_RECVERR, IO_BOOL, 0, 0, 0, 0),
	V6O(IPV6_RECVPKTINFO, IO_BOOL, 0, 0, 0, 0),
	V6O(IPV6_MULTICAST_HOPS, IO_DEF, 1, -1, 255, 1),
	V6O(IPV6_MULTICAST_LOOP, IO_BOOL, 1, 0, 0, 0),
	V6O(IPV6_MTU_DISCOVER, IO_INT, 1, 0, 5, 0),
	TCPO(TCP_NODELAY, IO_BOOL, 0, 0, 0),
	TCPO(TCP_CORK, IO_BOOL, 0, 0, 0),
	TCPO(TCP_KEEPIDLE, IO_INT, 7200, 1, 32767),
	TCPO(TCP_KEEPINTVL, IO_INT, 75, 1, 32767),
	TCPO(TCP_KEEPCNT, IO_INT, 9, 1, 127),
	TCPO(TCP_SYNCNT, IO_INT, 6, 1, 127),
	TCPO(TCP_DEFER_ACCEPT, IO_DEFER, 0, 0, 0),      /* accept does not wait for data */
	TCPO(TCP_QUICKACK, IO_BOOL, 1, 0, 0),
	TCPO(TCP_USER_TIMEOUT, IO_INT, 0, 0, 0x7fffffff),
	TCPO(TCP_NOTSENT_LOWAT, IO_INT, 0, 0, 0x7fffffff),
	TCPO(TCP_FASTOPEN, IO_INT, 0, 0, 0x7fffffff),
	TCPO(TCP_MAXSEG, IO_INT, 0, 88, 65535),         /* 0: none asked */
};

_Static_assert(ARRAY_SIZE(iopts) <= INET_NOPTS, "inet_part.opts too small");

void inet_opts_init(struct unix_sock *sk)
{
	for (u32 i = 0; i < ARRAY_SIZE(iopts); i++)
		sk->inet.opts[i] = iopts[i].def;
}

static int iopt_find(struct unix_sock *sk, int level, int name)
{
	for (u32 i = 0; i < ARRAY_SIZE(iopts); i++) {
		const struct iopt *o = &iopts[i];

		if (o->level != level || o->name != name)
			continue;
		if ((o->tcp && sk->type != SOCK_STREAM) || (o->v6 && sk->family != AF_INET6))
			return -1;
		return i;
	}
	return -1;
}

/* Linux's secs_to_retrans and retrans_to_secs for TCP_DEFER_ACCEPT (an initial
 * timeout of 1 s doubling up to 120 s). */
static int secs_to_retrans(int secs)
{
	int period = 1, timeout = 1, res = 0;

	if (secs <= 0)
		return 0;
	res = 1;
	while (secs > period && res < 255) {
		res++;
		timeout <<= 1;
		if (timeout > TCP_RTO_MAX_SECS)
			timeout = TCP_RTO_MAX_SECS;
		period += timeout;
	}
	return res;
}

static int retrans_to_secs(int retrans)
{
	int period = 0, timeout = 1;

	if (retrans > 0) {
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > TCP_RTO_MAX_SECS)
				timeout = TCP_RTO_MAX_SECS;
			period += timeout;
		}
	}
	return period;
}

/* TCP_INFO: the state, the accept queue of a listener, lo's segment sizes; what a
 * loopback without segments has no figure for (round trips, retransmits) is 0. */
static int tcp_info(struct unix_sock *sk, void *val, u32 *len)
{
	struct tcp_info ti = { 0 };
	u32 mss = sk->family == AF_INET ? LO_MSS_V4 : LO_MSS_V6;

	ti.tcpi_state = inet_tcp_state(sk);
	if (sk->state == UNIX_LISTEN) {
		ti.tcpi_unacked = sk->qlen;
		ti.tcpi_sacked = sk->backlog;
	} else if (ti.tcpi_state != 7) {
		ti.tcpi_snd_mss = ti.tcpi_rcv_mss = ti.tcpi_advmss = mss;
		ti.tcpi_pmtu = 65536;
		ti.tcpi_snd_cwnd = 10;
		ti.tcpi_snd_ssthresh = 0x7fffffff;
		ti.tcpi_reordering = 3;
	}
	*len = MIN(*len, sizeof(ti));
	memcpy(val, &ti, *len);
	return 0;
}

int inet_getsockopt(struct vfs_file *f, int level, int name, void *val, u32 *len)
{
	struct unix_sock *sk = unix_sk(f);
	int i, v, err = 0;

	if ((int)*len < 0)
		return -EINVAL;
	/* Linux's ip_getsockopt answers EOPNOTSUPP for a level it does not know */
	if (sk->family == AF_INET && level != L_SOL_IP &&
	    !(level == L_SOL_TCP && sk->type == SOCK_STREAM))
		return -EOPNOTSUPP;
	if (level == L_SOL_TCP && name == TCP_INFO && sk->type == SOCK_STREAM) {
		pthread_mutex_lock(&unix_lock);
		err = tcp_info(sk, val, len);
		pthread_mutex_unlock(&unix_lock);
		return err;
	}
	if (level == L_SOL_IPV6 && name == IPV6_V6ONLY && sk->family == AF_INET6) {
		v = sk->inet.v6only;
		goto put;
	}
	pthread_mutex_lock(&unix_lock);
	i = iopt_find(sk, level, name);
	v = i < 0 ? 0 : sk->inet.opts[i];
	if (i >= 0 && iopts[i].kind == IO_DEF && v == -1)
		v = iopts[i].def2;
	if (i >= 0 && iopts[i].kind == IO_DEFER)
		v = retrans_to_secs(v);
	if (i >= 0 && level == L_SOL_TCP && name == TCP_MAXSEG && !v)
		v = sk->peer ? (sk->family == AF_INET ? LO_MSS_V4 : LO_MSS_V6) : L_TCP_MSS_DEFAULT;
	pthread_mutex_unlock(&unix_lock);
	if (i < 0)
		return -ENOPROTOOPT;
	/* IP options fit in a byte for a shorter buffer (Linux's ip_getsockopt). */
	if (level == L_SOL_IP && *len > 0 && *len < sizeof(int) && v >= 0 && v <= 255) {
		*len = 1;
		*(u8 *)val = v;
		return 0;
	}
	if (level == L_SOL_IPV6 && *len < sizeof(int))
		return -EINVAL;
put:
	*len = MIN(*len, sizeof(int));
	memcpy(val, &v, *len);
	return 0;
}

int inet_setsockopt(struct vfs_file *f, int level, int name, const void *val, u32 len)
{
	struct unix_sock *sk = unix_sk(f);
	const struct iopt *o;
	int i, v = 0, err = 0;

	if (level == L_SOL_IP && (name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP))
		/* No multicast: no device has a route for the group. */
		return len < sizeof(struct ip_mreq) ? -EINVAL : -ENODEV;
	if (level == L_SOL_IPV6 && sk->family == AF_INET6 &&
	    (name == IPV6_ADD_MEMBERSHIP || name == IPV6_DROP_MEMBERSHIP))
		return len < sizeof(struct ipv6_mreq) ? -EINVAL : -ENODEV;
	if (level == L_SOL_IP && len > 0 && len < sizeof(int)) {
		v = *(const u8 *)val;       /* Linux's ip_setsockopt takes a char too */
	} else if (len < sizeof(int)) {
		if (level == L_SOL_IPV6 && sk->family != AF_INET6)
			return -ENOPROTOOPT;
		return -EINVAL;
	} else {
		memcpy(&v, val, sizeof(int));
	}
	pthread_mutex_lock(&unix_lock);
	if (level == L_SOL_IPV6 && name == IPV6_V6ONLY && sk->family == AF_INET6) {
		if (sk->inet.lport)
			err = -EINVAL;
		else
			sk->inet.v6only = v != 0;
		goto out;
	}
	i = iopt_find(sk, level, name);
	err = -ENOPROTOOPT;
	if (i < 0)
		goto out;
	o = &iopts[i];
	err = 0;
	switch (o->kind) {
	case IO_BOOL:
		v = v != 0;
		break;
	case IO_DEFER:
		v = secs_to_retrans(v);
		break;
	case IO_DEF:
	case IO_INT:
		if ((v < o->lo || v > o->hi) && !(name == TCP_MAXSEG && !v))
			err = -EINVAL;
		if (level == L_SOL_IPV6 && name == IPV6_TCLASS && v == -1)
			v = 0;
		break;
	}
	/* TCP keeps the ECN bits of IP_TOS to itself. */
	if (level == L_SOL_IP && name == IP_TOS && sk->type == SOCK_STREAM)
		v &= ~3;
	if (!err)
		sk->inet.opts[i] = v;
out:
	pthread_mutex_unlock(&unix_lock);
	return err;
}
