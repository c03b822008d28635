/*
 * The sandbox's loopback network: AF_INET and AF_INET6 sockets, TCP and UDP, with
 * `lo` (127.0.0.1/8, ::1) the only device (after Linux's net/ipv4/af_inet.c,
 * inet_connection_sock.c, tcp.c and udp.c; gVisor's pkg/sentry/socket/netstack is the
 * other reading). There are no segments: both ends of every connection are in the
 * Sentry, so a TCP connection is a pair of byte streams and a UDP datagram goes
 * straight onto its receiver's queue.
 *
 * An inet socket is a struct unix_sock (unix.h) with family AF_INET or AF_INET6 and
 * the struct inet_part below: the queues, buffer accounting, blocking, accept queue,
 * shutdown, poll and their checkpoint are the unix sockets' own code, and what is
 * inet (addresses, ports, the listener and receiver lookup, TCP's close with FIN or
 * RST, UDP's sending, the IP/IPV6/TCP options, the `lo` ioctls) is in inet*.c.
 *
 * Addresses are kept in IPv6 form: an AF_INET socket's are IPv4-mapped
 * (::ffff:a.b.c.d), and "any" (0.0.0.0 or ::) is all zeroes. Ports are in host order.
 * There is no port table: the sockets holding ports are found by walking every
 * socket, under unix_lock like the rest of their state.
 */
#ifndef SBX_IPC_INET_H
#define SBX_IPC_INET_H

#include <stdio.h>

#include "base/types.h"
#include "save.h"

#define INET_EPHEMERAL_LO 32768         /* net.ipv4.ip_local_port_range */
#define INET_EPHEMERAL_HI 60999
#define INET_NOPTS 32                   /* integer options kept (inet_opt.c's table) */

/* The inet state of a unix_sock; under unix_lock. */
SAVABLE struct inet_part {
	u8 laddr[16];           /* local address (0: any) */
	u8 raddr[16];           /* TCP: the peer's; UDP: the default destination */
	u16 lport;              /* local port; 0: none held */
	u16 rport;              /* 0: not connected */
	u8 proto;               /* IPPROTO_TCP or IPPROTO_UDP */
	bool v6only;            /* IPV6_V6ONLY */
	bool addr_bound;        /* laddr came from bind (a UDP disconnect keeps it) */
	bool port_bound;        /* lport came from bind (a failed connect keeps it) */
	/* TCP: a nonblocking connect returned EINPROGRESS; the next connect reports
	 * how it went (Linux's SS_CONNECTING) */
	bool connecting;
	/* TCP: the peer's FIN came (Linux's SOCK_DONE): reads end in EOF even after
	 * a reset */
	bool fin_in;
	s32 opts[INET_NOPTS];   /* IP_*, IPV6_*, TCP_* integers (inet_opt.c) */
};

struct task;
struct vfs_file;
struct unix_sock;
struct unix_io;

/* socket(2) for AF_INET/AF_INET6 (@type without flags, checked by inet_check_type). */
int inet_socket_new(struct task *t, int family, int type, bool nonblock,
		    struct vfs_file **out);
/* Linux's inet_create type and protocol checks: 0 or its errno. */
int inet_check_type(struct task *t, int family, int type, int protocol);

int inet_bind(struct task *t, struct vfs_file *f, const void *addr, u32 len);
int inet_connect(struct task *t, struct vfs_file *f, const void *addr, u32 len);
int inet_listen(struct task *t, struct vfs_file *f, int backlog);
/* A sockaddr_in or sockaddr_in6 into @out (28 bytes): its length, or -ENOTCONN. */
int inet_getname(struct vfs_file *f, bool peer, void *out);
int inet_shutdown(struct vfs_file *f, int how);

/* inet_msg.c: a UDP send. */
s64 inet_dgram_send(struct task *t, struct unix_sock *sk, struct unix_io *io, bool nonblock);

/* inet_opt.c: IPPROTO_IP, IPPROTO_IPV6 and IPPROTO_TCP options (values in Sentry
 * memory, as unix_getsockopt's); -ENOPROTOOPT for unknown ones. */
void inet_opts_init(struct unix_sock *sk);
int inet_getsockopt(struct vfs_file *f, int level, int name, void *val, u32 *len);
int inet_setsockopt(struct vfs_file *f, int level, int name, const void *val, u32 len);
/* The ioctls about devices (SIOCGIF*), which Linux serves on any socket: the
 * loopback device `lo`. -ENOTTY for others. */
int inet_dev_ioctl(struct task *t, struct vfs_file *f, u64 cmd, u64 arg);
/* net_proc.c: /proc/net/tcp (@tcp) or udp of @family's sockets (tcp6, udp6 for
 * AF_INET6), and /proc/net/unix, in Linux's formats. */
void net_proc_inet(FILE *f, int family, bool tcp);
void net_proc_unix(FILE *f);
/* TCP_INFO's tcpi_state of @sk (Linux's TCP_* states). */
int inet_tcp_state(struct unix_sock *sk);

/* inet.c, for unix.c (unix_lock held): an embryo accepted by listener @l for
 * connecter @c; the connecter's side of a peer that went away, with a reset or a
 * clean close; whether @sk's port is wanted by the port lookups. */
void inet_embryo_init(struct unix_sock *emb, struct unix_sock *c, struct unix_sock *l);
void inet_peer_gone(struct unix_sock *sk, bool reset);
/* A FIN reached @sk: the SIGIO of Linux's tcp_fin for its O_ASYNC file. unix_lock
 * held. */
void inet_fin_wake(struct unix_sock *sk);
int inet_sock_check(struct unix_sock *sk);

#endif
