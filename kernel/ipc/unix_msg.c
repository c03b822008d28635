/*
 * Unix sockets' data path (see unix.h): sendmsg and recvmsg for stream, datagram and
 * seqpacket sockets, rights and credentials riding on messages, poll readiness.
 * After Linux's unix_stream_sendmsg, unix_stream_read_generic, unix_dgram_sendmsg,
 * unix_dgram_recvmsg and unix_poll/unix_dgram_poll.
 *
 * Application memory is copied with unix_lock dropped: a sender fills its message
 * before queueing it (after reserving its wmem, as sock_alloc_send_pskb does); a
 * reader takes what it reads into a buffer under the lock and copies it out after.
 * A reader whose copy-out faults has consumed the data all the same (Linux leaves it
 * queued).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ipc/unix.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)

int unix_io_copy(struct task *t, struct unix_io *io, u64 off, void *buf, u64 n, bool out)
{
	u8 *p = buf;

	for (u32 i = 0; i < io->niov && n; i++) {
		u64 l = io->iov[i].iov_len, k;
		u64 base = (u64)io->iov[i].iov_base;

		if (off >= l) {
			off -= l;
			continue;
		}
		k = MIN(l - off, n);
		if (io->kbuf) {
			if (out)
				memcpy((u8 *)base + off, p, k);
			else
				memcpy(p, (u8 *)base + off, k);
		} else if (out ? mm_copy_out(t->mm, base + off, p, k)
			       : mm_copy_in(t->mm, p, base + off, k)) {
			return -EFAULT;
		}
		p += k;
		n -= k;
		off = 0;
	}
	return 0;
}

static void send_sigpipe(struct task *t)
{
	struct l_siginfo info = { .signo = SIGPIPE, .code = L_SI_USER };

	sig_send(t, &info, false, false);
}

/* Gives back the sender's wmem of @m; unix_lock held. */
static void msg_uncharge(struct unix_msg *m)
{
	if (m->owner) {
		m->owner->wmem -= MIN(m->owner->wmem, m->len);
		waitq_wake_all(&m->owner->wq);
		unix_write_space(m->owner);
	}
}

/* Frees a message that is off every queue and uncharged; unix_lock not held (the
 * files it holds may be sockets whose release takes it). */
void unix_msg_free(struct unix_msg *m)
{
	memfile_uncharge(vfs_memfile(), unix_msg_cost(m->len));
	for (u32 i = 0; i < m->nfds; i++)
		vfs_file_put(m->fds[i].file);
	free(m->fds);
	unix_sock_put(m->owner);
	free(m->data);
	free(m);
}

void unix_queue_purge(struct unix_sock *sk)
{
	struct st_list gone;

	st_list_init(&gone);
	pthread_mutex_lock(&unix_lock);
	while (!st_list_empty(&sk->rq)) {
		struct unix_msg *m = container_of(sk->rq.next, struct unix_msg, link);

		st_list_del(&m->link);
		msg_uncharge(m);
		st_list_add_tail(&m->link, &gone);
	}
	sk->qlen = sk->state == UNIX_LISTEN ? sk->qlen : 0;
	sk->rq_bytes = 0;
	unix_wake_senders(sk);
	pthread_mutex_unlock(&unix_lock);
	while (!st_list_empty(&gone)) {
		struct unix_msg *m = container_of(gone.next, struct unix_msg, link);

		st_list_del(&m->link);
		unix_msg_free(m);
	}
}

static bool recvq_full(struct unix_sock *sk, struct unix_sock *other)
{
	return other != sk && other->peer != sk && other->qlen > UNIX_MAX_DGRAM_QLEN;
}

/* The wmem @sk may have queued: its SO_SNDBUF, and for TCP what its peer's receive
 * window holds besides (Linux acknowledges data that is only in the receiver's
 * queue, so a loopback connection holds both buffers). */
static u64 wmem_limit(struct unix_sock *sk)
{
	if (sk->family == AF_UNIX || sk->type != SOCK_STREAM || !sk->peer)
		return sk->sndbuf;
	return (u64)sk->sndbuf + sk->peer->rcvbuf;
}

/* Linux's unix_writable, and for a datagram sender room in its peer's queue. */
static bool sock_writable(struct unix_sock *sk)
{
	if (sk->state == UNIX_LISTEN || (u64)sk->wmem * 4 > wmem_limit(sk))
		return false;
	return sk->type == SOCK_STREAM || !sk->peer || !recvq_full(sk, sk->peer);
}

void unix_write_space(struct unix_sock *sk)
{
	if (!sock_writable(sk))
		return;
	/* TCP's sk_stream_write_space: not once it is shut down for sending */
	if (sk->family != AF_UNIX && sk->type == SOCK_STREAM &&
	    (sk->shutdown & UNIX_SEND_SHUTDOWN))
		return;
	unix_wake_async(sk, UNIX_WAKE_SPACE, L_POLL_OUT);
}

short unix_poll_mask(struct unix_sock *sk)
{
	short mask = 0;
	bool writable;

	if (sk->err)
		mask |= POLLERR;
	if (sk->shutdown == UNIX_SHUTDOWN_MASK)
		mask |= POLLHUP;
	if (sk->shutdown & UNIX_RCV_SHUTDOWN)
		mask |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (sk->qlen)
		mask |= POLLIN | POLLRDNORM;
	if (sk->type != SOCK_DGRAM && sk->state == UNIX_CLOSE)
		mask |= POLLHUP;
	writable = sock_writable(sk);
	if (writable)
		mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
	else
		sk->async_nospace = true;       /* Linux's unix_poll sets NOSPACE */
	return mask;
}

/* Checks a sender's SCM_CREDENTIALS (Linux's scm_check_creds); euid 0 stands for
 * CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID. */
static int check_cred(struct task *t, const struct unix_cred *c)
{
	bool root = t->euid == 0;

	if (c->pid != t->tgid && !root)
		return -EPERM;
	if (c->uid != t->uid && c->uid != t->euid && c->uid != t->suid && !root)
		return -EPERM;
	if (c->gid != t->gid && c->gid != t->egid && c->gid != t->sgid && !root)
		return -EPERM;
	return 0;
}

/* A message of @len bytes from @io at @off with @io's rights (on the first only). */
int unix_msg_new(struct task *t, struct unix_io *io, u64 off, u32 len, bool rights,
		 struct unix_msg **out)
{
	struct unix_msg *m;

	/* Charged to the sandbox's memory limit until it is freed (sk->wmem bounds one
	 * socket, not how many sockets there are); past it ENOBUFS, as a failed
	 * sock_alloc_send_skb gives. */
	if (memfile_charge(vfs_memfile(), unix_msg_cost(len), false))
		return -ENOBUFS;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto nomem;
	m->data = malloc(len + 1);
	if (!m->data) {
		free(m);
		goto nomem;
	}
	m->len = len;
	if (unix_io_copy(t, io, off, m->data, len, false)) {
		free(m->data);
		free(m);
		memfile_uncharge(vfs_memfile(), unix_msg_cost(len));
		return -EFAULT;
	}
	if (io->has_cred)
		m->cred = io->cred;
	else
		unix_cred_of(t, &m->cred);
	if (rights && io->nfiles) {
		m->fds = calloc(io->nfiles, sizeof(*m->fds));
		if (!m->fds) {
			free(m->data);
			free(m);
			goto nomem;
		}
		for (u32 i = 0; i < io->nfiles; i++) {
			m->fds[i].file = io->files[i];
			vfs_file_get(io->files[i]);
		}
		m->nfds = io->nfiles;
	}
	st_list_init(&m->link);
	*out = m;
	return 0;
nomem:
	memfile_uncharge(vfs_memfile(), unix_msg_cost(len));
	return -ENOMEM;
}

/* Waits until @sk may charge more wmem: 0, or -EPIPE (shut down for sending or,
 * @peer_gone, its peer went), -EAGAIN, -ERESTARTSYS/-EINTR. unix_lock held. */
static int wait_wmem(struct task *t, struct unix_sock *sk, bool nonblock, s64 deadline,
		     bool *interrupted)
{
	int err;

	for (;;) {
		if (sk->err) {
			err = -sk->err;
			sk->err = 0;
			return err;
		}
		if (sk->shutdown & UNIX_SEND_SHUTDOWN)
			return -EPIPE;
		if (sk->wmem < wmem_limit(sk))
			return 0;
		sk->async_nospace = true;       /* sock_alloc_send_pskb's NOSPACE */
		if (nonblock)
			return -EAGAIN;
		err = unix_wait(t, &sk->wq, deadline, interrupted);
		if (err)
			return err;
	}
}

void unix_enqueue(struct unix_sock *sk, struct unix_sock *other, struct unix_msg *m)
{
	m->owner = sk;
	if (sk)
		ref_get(&sk->ref);
	st_list_add_tail(&m->link, &other->rq);
	other->qlen++;
	other->rq_bytes += m->len;
	waitq_wake_all(&other->wq);
	unix_wake_async(other, UNIX_WAKE_WAITD, L_POLL_IN);     /* sk_data_ready */
}

static s64 stream_send(struct task *t, struct unix_sock *sk, struct unix_io *io,
		       bool nonblock)
{
	bool interrupted = false, inet = sk->family != AF_UNIX;
	s64 deadline, err = 0;
	u64 sent = 0;

	/* TCP ignores a destination, and an unconnected socket's send is EPIPE. */
	if (io->has_name && inet) {
		io->has_name = false;
	} else if (io->has_name) {
		pthread_mutex_lock(&unix_lock);
		err = sk->state == UNIX_ESTABLISHED ? -EISCONN : -EOPNOTSUPP;
		pthread_mutex_unlock(&unix_lock);
		return err;
	}
	pthread_mutex_lock(&unix_lock);
	deadline = unix_deadline(sk->sndtimeo);
	if (!sk->peer && inet && sk->err) {
		err = -sk->err;
		sk->err = 0;
		pthread_mutex_unlock(&unix_lock);
		return err;
	}
	if (!sk->peer) {
		pthread_mutex_unlock(&unix_lock);
		if (!inet)
			return -ENOTCONN;
		if (!(io->flags & MSG_NOSIGNAL))
			send_sigpipe(t);
		return -EPIPE;
	}
	while (sent < io->len) {
		struct unix_msg *m;
		u32 size;

		err = wait_wmem(t, sk, nonblock, deadline, &interrupted);
		if (err)
			break;
		/* TCP's limit holds the peer's window too: fewer, larger messages */
		size = MIN(io->len - sent, (wmem_limit(sk) >> 1) - 64);
		sk->wmem += size;
		pthread_mutex_unlock(&unix_lock);
		err = unix_msg_new(t, io, sent, size, sent == 0, &m);
		pthread_mutex_lock(&unix_lock);
		if (err) {
			sk->wmem -= size;
			break;
		}
		if (inet && sk->peer && sk->peer->dead) {
			/* The closed peer answers with a reset: this send went, the
			 * next one fails (Linux's EPIPE for a reset in CLOSE_WAIT). */
			sk->wmem -= size;
			sk->err = EPIPE;
			sk->shutdown = UNIX_SHUTDOWN_MASK;
			waitq_wake_all(&sk->wq);
			pthread_mutex_unlock(&unix_lock);
			unix_msg_free(m);
			pthread_mutex_lock(&unix_lock);
			sent = io->len;
			err = 0;
			break;
		}
		if (!sk->peer || sk->peer->dead ||
		    (!inet && (sk->peer->shutdown & UNIX_RCV_SHUTDOWN))) {
			sk->wmem -= size;
			pthread_mutex_unlock(&unix_lock);
			unix_msg_free(m);
			pthread_mutex_lock(&unix_lock);
			err = -EPIPE;
			break;
		}
		unix_enqueue(sk, sk->peer, m);
		sent += size;
	}
	pthread_mutex_unlock(&unix_lock);
	if (err == -EPIPE && !sent && !(io->flags & MSG_NOSIGNAL))
		send_sigpipe(t);
	return sent ? (s64)sent : err;
}

static s64 dgram_send(struct task *t, struct unix_sock *sk, struct unix_io *io,
		      bool nonblock)
{
	struct unix_sock *other = NULL, *drop = NULL;
	struct unix_msg *m = NULL;
	bool interrupted = false, seq = sk->type == SOCK_SEQPACKET;
	s64 deadline, err;

	if (seq) {
		pthread_mutex_lock(&unix_lock);
		err = sk->err ? -sk->err : sk->state != UNIX_ESTABLISHED ? -ENOTCONN : 0;
		if (sk->err)
			sk->err = 0;
		pthread_mutex_unlock(&unix_lock);
		if (err)
			return err;
		io->has_name = false;
	}
	if (io->len > sk->sndbuf - 32)
		return -EMSGSIZE;
	if (io->has_name) {
		err = unix_find(t, io->name, io->namelen, sk->type, &other);
		if (err)
			return err;
	}
	pthread_mutex_lock(&unix_lock);
	deadline = unix_deadline(sk->sndtimeo);
	if (!other) {
		other = sk->peer;
		if (!other) {
			pthread_mutex_unlock(&unix_lock);
			return -ENOTCONN;
		}
		ref_get(&other->ref);
	}
	if (sk->passcred && !sk->addr.len) {
		err = unix_autobind(sk);
		if (err)
			goto out;
	}
	err = wait_wmem(t, sk, nonblock, deadline, &interrupted);
	if (err)
		goto out;
	sk->wmem += io->len;
	pthread_mutex_unlock(&unix_lock);
	err = unix_msg_new(t, io, 0, io->len, true, &m);
	pthread_mutex_lock(&unix_lock);
	sk->wmem -= io->len;
	if (err)
		goto out;
	for (;;) {
		if (other->dead) {
			if (seq) {
				err = -EPIPE;
			} else {
				if (sk->peer == other) {
					drop = other;
					sk->peer = NULL;
				}
				err = -ECONNREFUSED;
			}
			break;
		}
		err = -EPERM;
		if (other->peer && other->peer != sk)
			break;
		err = -EPIPE;
		if (other->shutdown & UNIX_RCV_SHUTDOWN)
			break;
		err = 0;
		if (!recvq_full(sk, other))
			break;
		err = nonblock ? -EAGAIN : unix_wait(t, &other->wq, deadline, &interrupted);
		if (err)
			break;
	}
	if (!err) {
		sk->wmem += m->len;
		unix_enqueue(sk, other, m);
		m = NULL;
		err = io->len;
	}
out:
	pthread_mutex_unlock(&unix_lock);
	if (m)
		unix_msg_free(m);
	unix_sock_put(other);
	unix_sock_put(drop);
	return err;
}

s64 unix_sendmsg(struct task *t, struct vfs_file *f, struct unix_io *io)
{
	struct unix_sock *sk = unix_sk(f);
	bool nonblock = (f->flags & O_NONBLOCK) || (io->flags & MSG_DONTWAIT);
	int err;

	/* TCP's urgent data is not done either (see ipc/README.md). */
	if (io->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (io->has_cred) {
		err = check_cred(t, &io->cred);
		if (err)
			return err;
	}
	if (sk->type == SOCK_STREAM)
		return stream_send(t, sk, io, nonblock);
	if (sk->family == AF_NETLINK)
		return netlink_sendmsg(t, sk, io);
	if (sk->family != AF_UNIX)
		return inet_dgram_send(t, sk, io, nonblock);
	return dgram_send(t, sk, io, nonblock);
}

/* The source address of @m for recvmsg: the sender's name now, as Linux. */
static void take_name(struct unix_io *io, struct unix_msg *m)
{
	struct unix_sock *o = m->owner;

	io->namelen = 0;
	if (m->fromlen) {
		memcpy(io->name, m->from, m->fromlen);
		io->namelen = m->fromlen;
		return;
	}
	if (!o || !o->addr.len || o->family != AF_UNIX)
		return;
	memset(io->name, 0, sizeof(io->name));
	io->name[0] = AF_UNIX & 0xff;
	io->name[1] = AF_UNIX >> 8;
	memcpy(io->name + SUN_OFF, o->addr.path, o->addr.len);
	io->namelen = SUN_OFF + o->addr.len;
}

/* Hands @m's rights to @io: moved, or with @peek duplicated. unix_lock held. */
static int take_rights(struct unix_io *io, struct unix_msg *m, bool peek)
{
	if (!m->nfds)
		return 0;
	io->files = calloc(m->nfds, sizeof(*io->files));
	if (!io->files)
		return -ENOMEM;
	for (u32 i = 0; i < m->nfds; i++) {
		io->files[i] = m->fds[i].file;
		if (peek)
			vfs_file_get(io->files[i]);
	}
	io->nfiles = m->nfds;
	if (!peek) {
		free(m->fds);
		m->fds = NULL;
		m->nfds = 0;
	}
	return 0;
}

/* Takes @m off @sk's queue (unix_lock held); the caller frees it unlocked. */
static void dequeue(struct unix_sock *sk, struct unix_msg *m)
{
	bool was_full = sk->qlen > UNIX_MAX_DGRAM_QLEN;

	st_list_del(&m->link);
	sk->qlen--;
	sk->rq_bytes -= m->len - m->off;
	msg_uncharge(m);
	waitq_wake_all(&sk->wq);
	if (was_full)
		unix_wake_senders(sk);
}

/* Waits for a message (unix_lock held): 0 when the queue has one, 1 for end of
 * file, or an error. */
static int wait_msg(struct task *t, struct unix_sock *sk, bool nonblock, s64 deadline,
		    bool *interrupted)
{
	int err;

	for (;;) {
		if (!st_list_empty(&sk->rq))
			return 0;
		if (sk->family != AF_UNIX && sk->inet.fin_in)
			return 1;
		if (sk->err) {
			err = -sk->err;
			sk->err = 0;
			return err;
		}
		if (sk->shutdown & UNIX_RCV_SHUTDOWN)
			return 1;
		if (nonblock)
			return -EAGAIN;
		/* A stream reader asleep for data takes no SIGIO for it (Linux's
		 * unix_stream_data_wait, sk_wait_data). */
		sk->async_waitdata = sk->type == SOCK_STREAM;
		err = unix_wait(t, &sk->wq, deadline, interrupted);
		sk->async_waitdata = false;
		if (err)
			return err;
	}
}

static s64 dgram_recv(struct task *t, struct unix_sock *sk, struct unix_io *io,
		      bool nonblock)
{
	bool interrupted = false, peek = io->flags & MSG_PEEK;
	struct unix_msg *m;
	u8 *tmp = NULL;
	u32 n = 0, full = 0;
	s64 err;

	pthread_mutex_lock(&unix_lock);
	if (sk->type == SOCK_SEQPACKET && sk->state != UNIX_ESTABLISHED) {
		pthread_mutex_unlock(&unix_lock);
		return -ENOTCONN;
	}
	err = wait_msg(t, sk, nonblock, unix_deadline(sk->rcvtimeo), &interrupted);
	if (err) {
		pthread_mutex_unlock(&unix_lock);
		return err > 0 ? 0 : err;
	}
	m = container_of(sk->rq.next, struct unix_msg, link);
	full = m->len;
	n = MIN(io->len, full);
	tmp = malloc(n + 1);
	if (!tmp || take_rights(io, m, peek)) {
		pthread_mutex_unlock(&unix_lock);
		free(tmp);
		return -ENOMEM;
	}
	memcpy(tmp, m->data, n);
	take_name(io, m);
	if (sk->passcred && sk->family == AF_UNIX) {
		io->has_cred = true;
		io->cred = m->cred;
	}
	if (!peek)
		dequeue(sk, m);
	pthread_mutex_unlock(&unix_lock);
	if (!peek)
		unix_msg_free(m);
	if (full > n)
		io->msg_flags |= MSG_TRUNC;
	err = unix_io_copy(t, io, 0, tmp, n, true) ? -EFAULT : (io->flags & MSG_TRUNC) ? full : n;
	free(tmp);
	return err;
}

static bool same_cred(const struct unix_cred *a, const struct unix_cred *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/*
 * One round of a stream read (unix_lock held): copies what is queued, up to @want
 * bytes, into @buf, consuming it unless peeking; stops after a message that carried
 * rights and, with SO_PASSCRED, before one from another sender than the first.
 */
static u32 stream_take(struct unix_sock *sk, struct unix_io *io, u8 *buf, u32 want,
		       bool peek, bool *check, struct unix_cred *cred, struct st_list *gone)
{
	struct st_list *l = sk->rq.next;
	u32 got = 0;

	while (l != &sk->rq && got < want) {
		struct unix_msg *m = container_of(l, struct unix_msg, link);
		u32 k = MIN(want - got, m->len - m->off);
		bool rights = m->nfds != 0;

		l = l->next;
		if (*check && !same_cred(cred, &m->cred))
			break;
		if (!*check && sk->passcred && sk->family == AF_UNIX) {
			*cred = m->cred;
			*check = true;
			io->has_cred = true;
			io->cred = m->cred;
		}
		if (!io->namelen && io->has_name)
			take_name(io, m);
		memcpy(buf + got, m->data + m->off, k);
		got += k;
		if (rights && !io->nfiles && take_rights(io, m, peek))
			break;
		if (!peek) {
			m->off += k;
			sk->rq_bytes -= k;
			if (m->off < m->len)
				break;
			dequeue(sk, m);
			st_list_add_tail(&m->link, gone);
		}
		if (rights)
			break;
	}
	return got;
}

static s64 stream_recv(struct task *t, struct unix_sock *sk, struct unix_io *io,
		       bool nonblock)
{
	bool interrupted = false, peek = io->flags & MSG_PEEK, check = false;
	u64 target;
	struct unix_cred cred = { 0 };
	u64 copied = 0;
	s64 deadline, err = 0;
	u8 *tmp = NULL;

	pthread_mutex_lock(&unix_lock);
	target = (io->flags & MSG_WAITALL) ? io->len : MIN(io->len, MAX(sk->rcvlowat, 1));
	if (sk->state != UNIX_ESTABLISHED) {
		pthread_mutex_unlock(&unix_lock);
		return sk->family == AF_UNIX ? -EINVAL : -ENOTCONN;
	}
	deadline = unix_deadline(sk->rcvtimeo);
	/* A name is wanted only once, from the first message read. */
	io->has_name = true;
	io->namelen = 0;
	do {
		struct st_list gone;
		u32 want, got;

		if (st_list_empty(&sk->rq)) {
			if (copied >= target)
				break;
			err = wait_msg(t, sk, nonblock, deadline, &interrupted);
			if (err) {
				err = err > 0 ? 0 : err;
				break;
			}
		}
		want = MIN(io->len - copied, sk->rq_bytes);
		free(tmp);
		tmp = malloc(want + 1);
		if (!tmp) {
			err = -ENOMEM;
			break;
		}
		st_list_init(&gone);
		got = stream_take(sk, io, tmp, want, peek, &check, &cred, &gone);
		pthread_mutex_unlock(&unix_lock);
		while (!st_list_empty(&gone)) {
			struct unix_msg *m = container_of(gone.next, struct unix_msg, link);

			st_list_del(&m->link);
			unix_msg_free(m);
		}
		if (got && unix_io_copy(t, io, copied, tmp, got, true)) {
			err = -EFAULT;
			pthread_mutex_lock(&unix_lock);
			break;
		}
		copied += got;
		pthread_mutex_lock(&unix_lock);
		/* Rights end a read; so does a sender change, and a peek. */
		if (io->nfiles || peek || got < want || !got)
			break;
	} while (copied < target);
	pthread_mutex_unlock(&unix_lock);
	free(tmp);
	io->has_name = io->namelen != 0;
	return copied ? (s64)copied : err;
}

s64 unix_recvmsg(struct task *t, struct vfs_file *f, struct unix_io *io)
{
	struct unix_sock *sk = unix_sk(f);
	bool nonblock = (f->flags & O_NONBLOCK) || (io->flags & MSG_DONTWAIT);

	io->nfiles = 0;
	io->files = NULL;
	io->has_cred = false;
	io->msg_flags = 0;
	io->namelen = 0;
	if (io->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (sk->type == SOCK_STREAM)
		return stream_recv(t, sk, io, nonblock);
	return dgram_recv(t, sk, io, nonblock);
}
