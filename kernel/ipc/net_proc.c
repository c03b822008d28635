/*
 * /proc/net/{tcp,tcp6,udp,udp6,unix}: the sandbox's sockets in the formats of Linux's
 * net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c, net/ipv4/udp.c, net/ipv6/datagram.c and
 * net/unix/af_unix.c, which netstat, ss (without sock_diag) and psutil parse, matching
 * the inode numbers with /proc/<pid>/fd's "socket:[ino]".
 *
 * What Linux shows and sbx has no counterpart for: TCP's timers and congestion state
 * are a fresh loopback connection's (no timer pending, rto 200 ms, ato 40 ms, cwnd
 * 10), a UDP receive queue counts the payload bytes queued (Linux counts the buffers'
 * truesize), kernel pointers read as zeros (as under kptr_restrict) and UDP's first
 * column is the line's number, not Linux's hash bucket.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ipc/inet.h"
#include "ipc/unix.h"

#define TCP_LISTEN 10
#define TCP_CLOSE 7
#define TCP_ESTABLISHED 1
#define SO_ACCEPTCON 0x10000    /* Linux's __SO_ACCEPTCON, a listening unix socket */
#define SS_UNCONNECTED 1
#define SS_CONNECTED 3

/* An address as Linux prints it: each 32-bit word of the network-order address
 * read as a host integer, in hex (so 127.0.0.1 is 0100007F); the last word only for
 * IPv4 (@a is in IPv6 form, IPv4-mapped). Returns the characters written. */
static int put_addr(FILE *f, const u8 *a, int family)
{
	int n = 0;

	for (int w = family == AF_INET ? 3 : 0; w < 4; w++)
		n += fprintf(f, "%02X%02X%02X%02X", a[4 * w + 3], a[4 * w + 2], a[4 * w + 1],
			     a[4 * w]);
	return n;
}

static int sock_state(struct unix_sock *sk, bool tcp)
{
	if (tcp)
		return inet_tcp_state(sk);
	return sk->inet.rport ? TCP_ESTABLISHED : TCP_CLOSE;
}

static void put_inet(FILE *f, struct unix_sock *sk, int family, bool tcp, int i)
{
	int st = sock_state(sk, tcp), n;
	/* nothing is ever unacknowledged on loopback; a listener's receive queue is its
	 * accept queue */
	u32 rx = st == TCP_LISTEN ? sk->qlen : sk->rq_bytes;

	n = fprintf(f, tcp ? "%4d: " : "%5d: ", i);
	n += put_addr(f, sk->inet.laddr, family);
	n += fprintf(f, ":%04X ", sk->inet.lport);
	n += put_addr(f, sk->inet.raddr, family);
	n += fprintf(f, ":%04X %02X %08X:%08X 00:00000000 00000000 %5u %8d %llu 1 "
		     "0000000000000000", sk->inet.rport, st, 0, rx, sk->uid, 0,
		     (unsigned long long)sk->ino);
	if (tcp && st == TCP_LISTEN)
		n += fprintf(f, " 100 0 0 10 0");
	else if (tcp)
		n += fprintf(f, " 20 4 30 10 -1");
	else
		n += fprintf(f, " 0");
	/* IPv4 lines are padded to Linux's fixed width (seq_pad) */
	fprintf(f, "%*s\n", family == AF_INET ? MAX((tcp ? 149 : 127) - n, 0) : 0, "");
}

void net_proc_inet(FILE *f, int family, bool tcp)
{
	static const char *const hdr4 = "  sl  local_address rem_address   st tx_queue "
		"rx_queue tr tm->when retrnsmt   uid  timeout inode";
	static const char *const hdr6 = "  sl  local_address                         "
		"remote_address                        st tx_queue rx_queue tr tm->when "
		"retrnsmt   uid  timeout inode";
	int proto = tcp ? IPPROTO_TCP : IPPROTO_UDP, n = 0;
	struct st_list *l;

	if (family == AF_INET)
		fprintf(f, "%-*s\n", tcp ? 149 : 127,
			tcp ? hdr4 : "   sl  local_address rem_address   st tx_queue rx_queue tr "
			"tm->when retrnsmt   uid  timeout inode ref pointer drops");
	else
		fprintf(f, "%s%s\n", hdr6, tcp ? "" : " ref pointer drops");
	pthread_mutex_lock(&unix_lock);
	/* listeners first, as Linux walks its listening hash before the established */
	for (int pass = 0; pass < (tcp ? 2 : 1); pass++) {
		st_list_for_each(l, &unix_all) {
			struct unix_sock *sk = container_of(l, struct unix_sock, all);

			if (sk->family != family || sk->dead || sk->inet.proto != proto)
				continue;
			if (tcp && (sk->state == UNIX_LISTEN) != (pass == 0))
				continue;
			/* a socket with no port is in no table Linux walks */
			if (!sk->inet.lport)
				continue;
			put_inet(f, sk, family, tcp, n++);
		}
	}
	pthread_mutex_unlock(&unix_lock);
}

void net_proc_unix(FILE *f)
{
	struct st_list *l;

	fprintf(f, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	pthread_mutex_lock(&unix_lock);
	st_list_for_each(l, &unix_all) {
		struct unix_sock *sk = container_of(l, struct unix_sock, all);
		bool listen = sk->state == UNIX_LISTEN;
		int st = sk->state == UNIX_ESTABLISHED ||
			 (sk->type == SOCK_DGRAM && sk->peer) ? SS_CONNECTED : SS_UNCONNECTED;

		if (sk->family != AF_UNIX || sk->dead)
			continue;
		fprintf(f, "0000000000000000: %08X %08X %08X %04X %02X %5llu",
			(unsigned)sk->ref.count, 0, listen ? SO_ACCEPTCON : 0, sk->type, st,
			(unsigned long long)sk->ino);
		if (sk->addr.len) {
			/* an abstract name starts with NUL; Linux prints its NULs as '@' */
			fputc(' ', f);
			for (u32 i = 0; i < sk->addr.len && i < UNIX_PATH_MAX; i++) {
				if (sk->addr.path[0] && !sk->addr.path[i])
					break;
				fputc(sk->addr.path[i] ? sk->addr.path[i] : '@', f);
			}
		}
		fputc('\n', f);
	}
	pthread_mutex_unlock(&unix_lock);
}
