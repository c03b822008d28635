/*
 * AF_NETLINK, NETLINK_ROUTE only, and only what describes the sandbox's network:
 * RTM_GETLINK answers with `lo`, RTM_GETADDR with 127.0.0.1/8 and ::1/128 (after
 * Linux's net/netlink/af_netlink.c, net/core/rtnetlink.c rtnl_fill_ifinfo and
 * net/ipv4/devinet.c, net/ipv6/addrconf.c inet_fill_ifaddr). glibc's getifaddrs and
 * if_nameindex, getaddrinfo's AI_ADDRCONFIG and `ip addr` ask these.
 *
 * A netlink socket is a unix_sock of family AF_NETLINK and type SOCK_DGRAM: a request
 * sent to it is answered at once, the replies queued on its own receive queue as
 * datagrams from the kernel (port 0), and read with the unix datagram code (so
 * MSG_PEEK, MSG_TRUNC, blocking, poll and checkpoint are theirs). Any other request
 * gets an NLMSG_ERROR of -EOPNOTSUPP; nothing changes the network; no multicast
 * notification is ever sent (groups are kept, never written to).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ipc/unix.h"
#include "task/task.h"

#define LO_INDEX 1
#define LO_MTU 65536
#define LO_TXQLEN 1000
#define LO_FLAGS (IFF_UP | IFF_LOOPBACK | IFF_RUNNING | 0x10000 /* IFF_LOWER_UP */)
#define NL_MAX_REPLY 4096
#define L_SOL_NETLINK 270

static u32 nl_next_portid = 1;          /* under unix_lock; negative ids as Linux's */

/* A reply being built. */
struct nl_buf {
	u8 b[NL_MAX_REPLY];
	u32 len;
};

static void *nl_put(struct nl_buf *nb, u32 n)
{
	void *p = nb->b + nb->len;

	memset(p, 0, NLMSG_ALIGN(n));
	nb->len += NLMSG_ALIGN(n);
	return p;
}

static struct nlmsghdr *nl_msg(struct nl_buf *nb, u16 type, u16 flags,
			       const struct nlmsghdr *req, u32 portid)
{
	struct nlmsghdr *h = nl_put(nb, sizeof(*h));

	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = req->nlmsg_seq;
	h->nlmsg_pid = portid;
	return h;
}

static void nl_attr(struct nl_buf *nb, u16 type, const void *data, u16 n)
{
	struct rtattr *a = nl_put(nb, RTA_LENGTH(n));

	a->rta_len = RTA_LENGTH(n);
	a->rta_type = type;
	memcpy(RTA_DATA(a), data, n);
}

static void nl_end(struct nl_buf *nb, struct nlmsghdr *h)
{
	h->nlmsg_len = nb->b + nb->len - (u8 *)h;
}

static void fill_link(struct nl_buf *nb, const struct nlmsghdr *req, u32 portid, u16 flags)
{
	struct nlmsghdr *h = nl_msg(nb, RTM_NEWLINK, flags, req, portid);
	struct ifinfomsg *ifi = nl_put(nb, sizeof(*ifi));
	u8 zero_hw[6] = { 0 }, oper = 0 /* IF_OPER_UNKNOWN, what lo shows */, mode = 0;
	u32 mtu = LO_MTU, qlen = LO_TXQLEN;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_type = ARPHRD_LOOPBACK;
	ifi->ifi_index = LO_INDEX;
	ifi->ifi_flags = LO_FLAGS;
	nl_attr(nb, IFLA_IFNAME, "lo", 3);
	nl_attr(nb, IFLA_TXQLEN, &qlen, 4);
	nl_attr(nb, IFLA_OPERSTATE, &oper, 1);
	nl_attr(nb, IFLA_LINKMODE, &mode, 1);
	nl_attr(nb, IFLA_MTU, &mtu, 4);
	nl_attr(nb, IFLA_ADDRESS, zero_hw, 6);
	nl_attr(nb, IFLA_BROADCAST, zero_hw, 6);
	nl_end(nb, h);
}

static void fill_addr(struct nl_buf *nb, const struct nlmsghdr *req, u32 portid, u16 flags,
		      int family)
{
	struct nlmsghdr *h = nl_msg(nb, RTM_NEWADDR, flags, req, portid);
	struct ifaddrmsg *ifa = nl_put(nb, sizeof(*ifa));
	u32 aflags = IFA_F_PERMANENT;

	ifa->ifa_family = family;
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = RT_SCOPE_HOST;
	ifa->ifa_index = LO_INDEX;
	if (family == AF_INET) {
		u32 a = htonl(INADDR_LOOPBACK);

		ifa->ifa_prefixlen = 8;
		nl_attr(nb, IFA_ADDRESS, &a, 4);
		nl_attr(nb, IFA_LOCAL, &a, 4);
		nl_attr(nb, IFA_LABEL, "lo", 3);
	} else {
		struct in6_addr a = IN6ADDR_LOOPBACK_INIT;

		ifa->ifa_prefixlen = 128;
		nl_attr(nb, IFA_ADDRESS, &a, 16);
	}
	nl_attr(nb, IFA_FLAGS, &aflags, 4);
	nl_end(nb, h);
}

static void fill_error(struct nl_buf *nb, const struct nlmsghdr *req, u32 portid, int err)
{
	struct nlmsghdr *h = nl_msg(nb, NLMSG_ERROR, err ? 0 : NLM_F_CAPPED, req, portid);
	struct nlmsgerr *e = nl_put(nb, sizeof(*e));

	e->error = err;
	e->msg = *req;
	nl_end(nb, h);
}

/* Queues @nb as one datagram from the kernel on @sk; unix_lock held. */
static int nl_queue(struct task *t, struct unix_sock *sk, struct nl_buf *nb)
{
	struct sockaddr_nl from = { .nl_family = AF_NETLINK };
	struct iovec iov = { nb->b, nb->len };
	struct unix_io io = { .iov = &iov, .niov = 1, .kbuf = true, .len = nb->len };
	struct unix_msg *m;
	int err;

	if (!nb->len)
		return 0;
	err = unix_msg_new(t, &io, 0, nb->len, false, &m);
	if (err)
		return err;
	memcpy(m->from, &from, sizeof(from));
	m->fromlen = sizeof(from);
	unix_enqueue(NULL, sk, m);
	nb->len = 0;
	return 0;
}

/* Answers one request (unix_lock held). */
static int nl_request(struct task *t, struct unix_sock *sk, const struct nlmsghdr *h,
		      struct nl_buf *nb)
{
	bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	u16 multi = dump ? NLM_F_MULTI : 0;
	int family = AF_UNSPEC, err = 0;

	if (h->nlmsg_len >= NLMSG_LENGTH(1))
		family = *(const u8 *)NLMSG_DATA(h);
	switch (h->nlmsg_type) {
	case RTM_GETLINK:
		if (!dump && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)) &&
		    ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index != LO_INDEX)
			err = -ENODEV;
		else
			fill_link(nb, h, sk->nl_portid, multi);
		break;
	case RTM_GETADDR:
		if (!dump) {
			err = -EOPNOTSUPP;
			break;
		}
		if (family == AF_UNSPEC || family == AF_INET)
			fill_addr(nb, h, sk->nl_portid, multi, AF_INET);
		if (family == AF_UNSPEC || family == AF_INET6)
			fill_addr(nb, h, sk->nl_portid, multi, AF_INET6);
		break;
	default:
		err = -EOPNOTSUPP;
	}
	if (!err && dump) {
		/* the dump's end, in a datagram of its own as Linux's next skb */
		err = nl_queue(t, sk, nb);
		if (!err) {
			struct nlmsghdr *d = nl_msg(nb, NLMSG_DONE, NLM_F_MULTI, h, sk->nl_portid);

			*(int *)nl_put(nb, sizeof(int)) = 0;
			nl_end(nb, d);
		}
	} else if (err || (h->nlmsg_flags & NLM_F_ACK)) {
		fill_error(nb, h, sk->nl_portid, err);
	}
	return nl_queue(t, sk, nb);
}

/* Gives @sk a port id (Linux's netlink_autobind: the tgid first, then negative
 * numbers); unix_lock held. */
static void nl_autobind(struct task *t, struct unix_sock *sk)
{
	struct st_list *l;
	u32 id = t->tgid;

	if (sk->nl_portid)
		return;
	for (;;) {
		bool used = false;

		st_list_for_each(l, &unix_all) {
			struct unix_sock *o = container_of(l, struct unix_sock, all);

			if (o->family == AF_NETLINK && !o->dead && o->nl_portid == id)
				used = true;
		}
		if (!used)
			break;
		id = -(s32)nl_next_portid++;
	}
	sk->nl_portid = id;
}

s64 netlink_sendmsg(struct task *t, struct unix_sock *sk, struct unix_io *io)
{
	static struct nl_buf nb;        /* under unix_lock */
	u8 *req;
	u64 off = 0;
	s64 err = 0;

	if (io->has_name) {
		struct sockaddr_nl to = { 0 };

		if (io->namelen < sizeof(to))
			return -EINVAL;
		memcpy(&to, io->name, sizeof(to));
		if (to.nl_family != AF_NETLINK)
			return -EINVAL;
		/* only the kernel answers; no socket talks to another */
		if (to.nl_pid || to.nl_groups)
			return -ECONNREFUSED;
	}
	if (io->len > 65536)
		return -EMSGSIZE;
	req = malloc(io->len + 1);
	if (!req)
		return -ENOMEM;
	if (unix_io_copy(t, io, 0, req, io->len, false)) {
		free(req);
		return -EFAULT;
	}
	pthread_mutex_lock(&unix_lock);
	nl_autobind(t, sk);
	nb.len = 0;
	/* Linux's netlink_rcv_skb: a short or overlong message ends the batch quietly */
	while (!err && off + NLMSG_HDRLEN <= io->len) {
		struct nlmsghdr h;

		memcpy(&h, req + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > io->len - off)
			break;
		if ((h.nlmsg_flags & NLM_F_REQUEST) && h.nlmsg_type >= NLMSG_MIN_TYPE)
			err = nl_request(t, sk, (const struct nlmsghdr *)(req + off), &nb);
		off += NLMSG_ALIGN(h.nlmsg_len);
	}
	waitq_wake_all(&sk->wq);
	pthread_mutex_unlock(&unix_lock);
	free(req);
	return err ? err : (s64)io->len;
}

int netlink_socket_new(struct task *t, int type, int protocol, bool nonblock,
		       struct vfs_file **out)
{
	int err;

	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol < 0 || protocol >= 32)     /* MAX_LINKS */
		return -EPROTONOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	err = unix_socket_new(t, SOCK_DGRAM, nonblock, out);
	if (!err) {
		pthread_mutex_lock(&unix_lock);
		unix_sk(*out)->family = AF_NETLINK;
		pthread_mutex_unlock(&unix_lock);
	}
	return err;
}

int netlink_bind(struct task *t, struct vfs_file *f, const void *addr, u32 len)
{
	struct unix_sock *sk = unix_sk(f);
	struct sockaddr_nl a;
	struct st_list *l;
	int err = 0;

	if (len < sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.nl_family != AF_NETLINK)
		return -EINVAL;
	pthread_mutex_lock(&unix_lock);
	if (sk->nl_portid && a.nl_pid && a.nl_pid != sk->nl_portid) {
		err = -EINVAL;
	} else if (a.nl_pid && !sk->nl_portid) {
		st_list_for_each(l, &unix_all) {
			struct unix_sock *o = container_of(l, struct unix_sock, all);

			if (o->family == AF_NETLINK && !o->dead && o->nl_portid == a.nl_pid)
				err = -EADDRINUSE;
		}
		if (!err)
			sk->nl_portid = a.nl_pid;
	} else if (!sk->nl_portid) {
		nl_autobind(t, sk);
	}
	if (!err)
		sk->nl_groups = a.nl_groups;
	pthread_mutex_unlock(&unix_lock);
	return err;
}

int netlink_connect(struct task *t, struct vfs_file *f, const void *addr, u32 len)
{
	struct sockaddr_nl a;
	sa_family_t fam;

	if (len < sizeof(fam))
		return -EINVAL;
	memcpy(&fam, addr, sizeof(fam));
	if (fam == AF_UNSPEC)
		return 0;
	if (len < sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.nl_family != AF_NETLINK)
		return -EINVAL;
	if (a.nl_pid || a.nl_groups)
		return -ECONNREFUSED;   /* only the kernel (port 0) is there to talk to */
	pthread_mutex_lock(&unix_lock);
	nl_autobind(t, unix_sk(f));
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

int netlink_getname(struct vfs_file *f, bool peer, void *out)
{
	struct unix_sock *sk = unix_sk(f);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };

	pthread_mutex_lock(&unix_lock);
	if (!peer) {
		a.nl_pid = sk->nl_portid;
		a.nl_groups = sk->nl_groups;
	}
	pthread_mutex_unlock(&unix_lock);
	memcpy(out, &a, sizeof(a));
	return sizeof(a);
}

/* SOL_NETLINK flags: kept and read back. NETLINK_EXT_ACK adds nothing (our errors
 * carry no message), NETLINK_GET_STRICT_CHK checks nothing more, NETLINK_CAP_ACK is
 * what every error does already (the request's header only). */
static bool nl_flag_known(int name)
{
	return name == NETLINK_EXT_ACK || name == NETLINK_GET_STRICT_CHK ||
	       name == NETLINK_CAP_ACK || name == NETLINK_NO_ENOBUFS ||
	       name == NETLINK_BROADCAST_ERROR || name == NETLINK_PKTINFO;
}

int netlink_setsockopt(struct vfs_file *f, int level, int name, const void *val, u32 len)
{
	struct unix_sock *sk = unix_sk(f);
	int v, err = 0;

	if (level != L_SOL_NETLINK)
		return -ENOPROTOOPT;
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	pthread_mutex_lock(&unix_lock);
	if (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) {
		if (v > 0 && v <= 32) {
			if (name == NETLINK_ADD_MEMBERSHIP)
				sk->nl_groups |= 1u << (v - 1);
			else
				sk->nl_groups &= ~(1u << (v - 1));
		}
	} else if (nl_flag_known(name)) {
		if (v)
			sk->nl_flags |= 1u << name;
		else
			sk->nl_flags &= ~(1u << name);
	} else {
		err = -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

int netlink_getsockopt(struct vfs_file *f, int level, int name, void *val, u32 *len)
{
	struct unix_sock *sk = unix_sk(f);
	int v;

	if (level != L_SOL_NETLINK)
		return -ENOPROTOOPT;
	if (!nl_flag_known(name))
		return -ENOPROTOOPT;
	if (*len < sizeof(int))
		return -EINVAL;
	pthread_mutex_lock(&unix_lock);
	v = !!(sk->nl_flags & 1u << name);
	pthread_mutex_unlock(&unix_lock);
	*len = sizeof(int);
	memcpy(val, &v, sizeof(v));
	return 0;
}
