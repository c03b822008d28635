/* netlink: AF_NETLINK NETLINK_ROUTE as glibc and ip(8) use it, shown for `lo` only
 * (the host has more devices than the sandbox): the link and address dumps,
 * getifaddrs, if_nameindex, the socket calls and their errors. */
#include "inet.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

static int nl_open(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("netlink");
		exit(2);
	}
	return s;
}

static void request(int s, int type, int flags, int family, int seq)
{
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
		char pad[3];
	} r = { { NLMSG_LENGTH(sizeof(struct rtgenmsg)), type, flags, seq, 0 }, { family } };
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };

	if (sendto(s, &r, r.h.nlmsg_len, 0, (struct sockaddr *)&k, sizeof(k)) < 0)
		perror("sendto");
}

/* Reads replies to @seq until NLMSG_DONE or an error/ack, printing lo's. */
static void replies(int s, int seq)
{
	static char buf[65536];

	for (;;) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n < 0) {
			P("recv: %s\n", fam_ename(errno));
			return;
		}
		if (from.nl_pid != 0)
			P("reply not from the kernel\n");
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != (unsigned)seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				P("  done\n");
				return;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				P("  error %s\n", e->error ? fam_ename(-e->error) : "0 (ack)");
				return;
			}
			if (h->nlmsg_type == RTM_NEWLINK) {
				struct ifinfomsg *i = NLMSG_DATA(h);
				int len = IFLA_PAYLOAD(h);

				if (i->ifi_index != 1)
					continue;
				P("  link 1 type %d flags %#x multi %d", i->ifi_type,
				  i->ifi_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING | 0x10000),
				  !!(h->nlmsg_flags & NLM_F_MULTI));
				for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
					if (a->rta_type == IFLA_IFNAME)
						P(" name %s", (char *)RTA_DATA(a));
					if (a->rta_type == IFLA_MTU)
						P(" mtu %u", *(unsigned *)RTA_DATA(a));
				}
				P("\n");
			}
			if (h->nlmsg_type == RTM_NEWADDR) {
				struct ifaddrmsg *i = NLMSG_DATA(h);
				int len = IFA_PAYLOAD(h);
				char s[INET6_ADDRSTRLEN];

				if (i->ifa_index != 1)
					continue;
				P("  addr family %d prefix %d scope %d", i->ifa_family, i->ifa_prefixlen,
				  i->ifa_scope);
				for (struct rtattr *a = IFA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
					if (a->rta_type == IFA_ADDRESS)
						P(" address %s", inet_ntop(i->ifa_family, RTA_DATA(a), s,
									  sizeof(s)));
					if (a->rta_type == IFA_LABEL)
						P(" label %s", (char *)RTA_DATA(a));
				}
				P("\n");
			}
		}
	}
}

int main(void)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	socklen_t al = sizeof(a);
	struct ifaddrs *ifa;
	struct if_nameindex *ni;
	int s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	P("== calls\n");
	T(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE));
	T(socket(AF_NETLINK, SOCK_RAW, 99));
	s = T(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE));
	T(bind(s, (struct sockaddr *)&a, sizeof(a) - 1));
	a.nl_family = AF_INET;
	T(bind(s, (struct sockaddr *)&a, sizeof(a)));
	a.nl_family = AF_NETLINK;
	T(bind(s, (struct sockaddr *)&a, sizeof(a)));
	T(getsockname(s, (struct sockaddr *)&a, &al));
	P("bound to my pid: %d, len %u\n", a.nl_pid == (unsigned)getpid(), al);
	T(listen(s, 1));
	T(recv(s, &a, sizeof(a), MSG_DONTWAIT));
	close(s);

	s = nl_open();
	P("== link dump\n");
	request(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, AF_PACKET, 1);
	replies(s, 1);
	P("== address dump, both families\n");
	request(s, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, AF_UNSPEC, 2);
	replies(s, 2);
	P("== address dump, IPv6\n");
	request(s, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, AF_INET6, 3);
	replies(s, 3);
	P("== unknown request\n");
	request(s, 0x3ff, NLM_F_REQUEST | NLM_F_ACK, AF_UNSPEC, 4);
	replies(s, 4);
	close(s);

	P("== getifaddrs\n");
	if (T(getifaddrs(&ifa)) == 0) {
		for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
			char b[INET6_ADDRSTRLEN] = "";
			int fam = i->ifa_addr ? i->ifa_addr->sa_family : -1;

			if (strcmp(i->ifa_name, "lo"))
				continue;
			if (fam == AF_INET)
				inet_ntop(fam, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, b, sizeof(b));
			if (fam == AF_INET6)
				inet_ntop(fam, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, b,
					  sizeof(b));
			P("  lo family %d %s flags %#x\n", fam, b,
			  i->ifa_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING));
		}
		freeifaddrs(ifa);
	}
	P("== if_nameindex\n");
	ni = if_nameindex();
	for (struct if_nameindex *i = ni; i && i->if_index; i++)
		if (!strcmp(i->if_name, "lo"))
			P("  %u %s\n", i->if_index, i->if_name);
	if_freenameindex(ni);
	return 0;
}
