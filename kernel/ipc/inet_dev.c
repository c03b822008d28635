/*
 * The sandbox's one network device, `lo` (index 1, 127.0.0.1/8 and ::1), as the
 * device ioctls show it (after Linux's net/core/dev_ioctl.c and devinet_ioctl). Linux
 * answers these on a socket of any family (glibc's if_nametoindex asks an AF_UNIX
 * one); the IPv4 address ones only on AF_INET sockets. Nothing can be changed:
 * the SIOCSIF* ones are EPERM, as for a task without CAP_NET_ADMIN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "ipc/unix.h"
#include "mm/mm.h"
#include "task/task.h"

#define LO_INDEX 1
#define LO_MTU 65536
#define LO_FLAGS (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)
#define LO_TXQLEN 1000

/* struct ifconf as the x86_64 ABI lays it out */
struct l_ifconf {
	s32 len;
	u32 pad;
	u64 buf;
};

static void sin_of(struct sockaddr *sa, u32 addr)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(addr) };

	memcpy(sa, &s4, sizeof(s4));
}

static int gifconf(struct task *t, u64 arg)
{
	struct l_ifconf ifc;
	struct ifreq r = { 0 };

	if (mm_copy_in(t->mm, &ifc, arg, sizeof(ifc)))
		return -EFAULT;
	if (ifc.buf) {
		if (ifc.len < (s32)sizeof(r)) {
			ifc.len = 0;
		} else {
			strcpy(r.ifr_name, "lo");
			sin_of(&r.ifr_addr, INADDR_LOOPBACK);
			if (mm_copy_out(t->mm, ifc.buf, &r, sizeof(r)))
				return -EFAULT;
			ifc.len = sizeof(r);
		}
	} else {
		ifc.len = sizeof(r);
	}
	return mm_copy_out(t->mm, arg, &ifc, sizeof(ifc.len)) ? -EFAULT : 0;
}

int inet_dev_ioctl(struct task *t, struct vfs_file *f, u64 cmd, u64 arg)
{
	struct ifreq r;

	switch (cmd) {
	case SIOCGIFCONF:
		return gifconf(t, arg);
	case SIOCGIFNAME: case SIOCGIFINDEX: case SIOCGIFFLAGS: case SIOCGIFMTU:
	case SIOCGIFMETRIC: case SIOCGIFTXQLEN: case SIOCGIFHWADDR:
	case SIOCGIFADDR: case SIOCGIFNETMASK:
		break;
	case SIOCSIFFLAGS: case SIOCSIFMTU: case SIOCSIFADDR: case SIOCSIFNETMASK:
	case SIOCSIFNAME: case SIOCSIFHWADDR: case SIOCSIFTXQLEN:
		return -EPERM;
	case SIOCATMARK:
		/* no urgent data is ever queued */
		if (unix_family(f) == AF_UNIX || unix_sk(f)->type != SOCK_STREAM)
			return -ENOTTY;
		return mm_copy_out(t->mm, arg, &(int){ 0 }, sizeof(int)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
	if (mm_copy_in(t->mm, &r, arg, sizeof(r)))
		return -EFAULT;
	if (cmd == SIOCGIFNAME) {
		if (r.ifr_ifindex != LO_INDEX)
			return -ENODEV;
		memset(r.ifr_name, 0, sizeof(r.ifr_name));
		strcpy(r.ifr_name, "lo");
		goto out;
	}
	r.ifr_name[IFNAMSIZ - 1] = 0;
	if ((cmd == SIOCGIFADDR || cmd == SIOCGIFNETMASK) && unix_family(f) != AF_INET)
		return -ENOTTY;
	if (strcmp(r.ifr_name, "lo"))
		return -ENODEV;
	memset(&r.ifr_ifru, 0, sizeof(r.ifr_ifru));
	switch (cmd) {
	case SIOCGIFINDEX:
		r.ifr_ifindex = LO_INDEX;
		break;
	case SIOCGIFFLAGS:
		r.ifr_flags = LO_FLAGS;
		break;
	case SIOCGIFMTU:
		r.ifr_mtu = LO_MTU;
		break;
	case SIOCGIFMETRIC:
		r.ifr_metric = 0;
		break;
	case SIOCGIFTXQLEN:
		r.ifr_qlen = LO_TXQLEN;
		break;
	case SIOCGIFHWADDR:
		r.ifr_hwaddr.sa_family = ARPHRD_LOOPBACK;
		break;
	case SIOCGIFADDR:
		sin_of(&r.ifr_addr, INADDR_LOOPBACK);
		break;
	case SIOCGIFNETMASK:
		sin_of(&r.ifr_netmask, 0xff000000);
		break;
	}
out:
	return mm_copy_out(t->mm, arg, &r, sizeof(r)) ? -EFAULT : 0;
}
