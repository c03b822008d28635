/*
 * UDP sending on the loopback (see inet.h), after Linux's udp_sendmsg and
 * __udp_enqueue_schedule_skb: the datagram goes straight onto the queue of the socket
 * the lookup finds, stamped with its source; with no socket there it is dropped,
 * and a connected sender hears of it as Linux's ICMP port unreachable makes it hear
 * (ECONNREFUSED on its next call). A full receiver (SO_RCVBUF) drops it.
 * Receiving is the unix datagram code's (unix_msg.c).
 *
 * The sender is never charged for what it sent (loopback's xmit orphans the skb), so
 * a UDP send does not block; it fails with EAGAIN only for no free ephemeral port.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ipc/inet_int.h"
#include "ipc/unix.h"

#define UDP_MAX_V4 65507                /* 65535 - IP and UDP headers */
#define UDP_MAX_V6 65527

s64 inet_dgram_send(struct task *t, struct unix_sock *sk, struct unix_io *io, bool nonblock)
{
	struct unix_msg *m = NULL;
	struct unix_sock *rcv;
	u8 d[16], src[16];
	u16 dport = 0;
	bool named = false;
	s64 err;

	(void)nonblock;
	if (io->has_name) {
		err = inet_addr_parse(sk, INET_A_SEND, io->name, io->namelen, d, &dport);
		if (err < 0)
			return err;
		named = err == 0;
		if (named && !dport)
			return -EINVAL;
	}
	if (io->len > (sk->family == AF_INET ? UDP_MAX_V4 : UDP_MAX_V6))
		return -EMSGSIZE;
	err = unix_msg_new(t, io, 0, io->len, false, &m);
	if (err)
		return err;
	pthread_mutex_lock(&unix_lock);
	if (sk->err) {
		err = -sk->err;
		sk->err = 0;
		goto out;
	}
	err = -EPIPE;
	if (sk->shutdown & UNIX_SEND_SHUTDOWN)
		goto out;
	if (!named) {
		err = -EDESTADDRREQ;
		if (!sk->inet.rport)
			goto out;
		memcpy(d, sk->inet.raddr, 16);
		dport = sk->inet.rport;
	}
	err = inet_route(sk, d, src);
	if (err)
		goto out;
	if (!sk->inet.lport && inet_pick_port(sk)) {
		err = -EAGAIN;
		goto out;
	}
	err = io->len;
	rcv = inet_lookup(IPPROTO_UDP, d, dport, src, sk->inet.lport);
	if (!rcv) {
		if (sk->inet.rport == dport && !memcmp(sk->inet.raddr, d, 16)) {
			sk->err = ECONNREFUSED;
			waitq_wake_all(&sk->wq);
		}
		goto out;
	}
	/* Linux drops when what is queued is past SO_RCVBUF already. */
	if (rcv->rq_bytes > rcv->rcvbuf)
		goto out;
	m->fromlen = inet_sockaddr(rcv->family, src, sk->inet.lport, m->from);
	unix_enqueue(NULL, rcv, m);
	m = NULL;
out:
	pthread_mutex_unlock(&unix_lock);
	if (m)
		unix_msg_free(m);
	return err;
}
