/*
 * Unix-domain sockets (see unix.h): creation, names (bind, autobind, the lookup
 * connect and sendto make), connect, listen and accept, shutdown, release and the
 * file ops. Sending and receiving, with SCM_RIGHTS and SCM_CREDENTIALS, are in
 * unix_msg.c; socket options in unix_opt.c. After Linux's net/unix/af_unix.c.
 *
 * Names: a path name is a socket inode made in the filesystem (bind's mknod, so
 * EADDRINUSE when the name exists) and is found again by that inode; an abstract
 * name lives only in this module's table. Both tables are every socket with a name
 * (unix_all is every socket), rebuilt from the sockets after a restore.
 *
 * Lock order: vfs_lock, then unix_lock (a leaf: nothing is taken under it but a
 * task's wake-up).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/sockios.h>

#include "checkpoint/checkpoint.h"
#include "ipc/unix.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"
#include "time/ktime.h"

pthread_mutex_t unix_lock = PTHREAD_MUTEX_INITIALIZER;
/* every unix_sock; under unix_lock */
struct st_list unix_all = ST_LIST_INIT(unix_all);
static u64 unix_next_ino = 1;           /* under unix_lock */
static u32 unix_autobind_next;          /* under unix_lock */

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)

struct unix_sock *unix_sk(struct vfs_file *f)
{
	return container_of(f, struct unix_file, base)->sk;
}

bool file_is_unix(const struct vfs_file *f)
{
	return f->ops == &unix_file_ops;
}

int unix_family(struct vfs_file *f)
{
	return unix_sk(f)->family;
}

void unix_cred_of(struct task *t, struct unix_cred *c)
{
	c->pid = t->tgid;
	c->uid = t->euid;
	c->gid = t->egid;
}

/* No credentials (an unconnected socket's SO_PEERCRED): what Linux shows. */
static const struct unix_cred no_cred = { 0, (u32)-1, (u32)-1 };

static struct unix_sock *sock_alloc(struct task *t, int type)
{
	struct unix_sock *sk = calloc(1, sizeof(*sk));

	if (!sk)
		return NULL;
	ref_init(&sk->ref);
	sk->type = type;
	sk->family = AF_UNIX;
	sk->rcvlowat = 1;
	sk->uid = t->euid;
	sk->gid = t->egid;
	sk->peercred = no_cred;
	sk->sndbuf = UNIX_WMEM_DEFAULT;
	sk->rcvbuf = UNIX_RMEM_DEFAULT;
	st_list_init(&sk->rq);
	st_list_init(&sk->accq);
	st_list_init(&sk->acc_link);
	st_list_init(&sk->fasync);
	waitq_init(&sk->wq);
	pthread_mutex_lock(&unix_lock);
	sk->ino = unix_next_ino++;
	st_list_add_tail(&sk->all, &unix_all);
	pthread_mutex_unlock(&unix_lock);
	return sk;
}

void unix_sock_put(struct unix_sock *sk)
{
	if (!sk || !ref_put(&sk->ref))
		return;
	/* The last reference: nothing queued can point here any more. */
	pthread_mutex_lock(&unix_lock);
	st_list_del(&sk->all);
	pthread_mutex_unlock(&unix_lock);
	fasync_list_free(&sk->fasync);
	if (sk->bound_ino)
		vfs_inode_put(sk->bound_ino);
	free(sk);
}

static int file_new(struct unix_sock *sk, bool nonblock, struct vfs_file **out)
{
	struct unix_file *uf = calloc(1, sizeof(*uf));

	if (!uf)
		return -ENOMEM;
	vfs_file_init(&uf->base, &unix_file_ops, O_RDWR | (nonblock ? O_NONBLOCK : 0));
	uf->sk = sk;
	*out = &uf->base;
	return 0;
}

int unix_socket_new(struct task *t, int type, bool nonblock, struct vfs_file **out)
{
	struct unix_sock *sk = sock_alloc(t, type);
	int err;

	if (!sk)
		return -ENOMEM;
	err = file_new(sk, nonblock, out);
	if (err)
		unix_sock_put(sk);
	return err;
}

int unix_socketpair(struct task *t, int type, bool nonblock, struct vfs_file **a,
		    struct vfs_file **b)
{
	struct unix_sock *x, *y;
	int err;

	err = unix_socket_new(t, type, nonblock, a);
	if (err)
		return err;
	err = unix_socket_new(t, type, nonblock, b);
	if (err) {
		vfs_file_put(*a);
		return err;
	}
	x = unix_sk(*a);
	y = unix_sk(*b);
	pthread_mutex_lock(&unix_lock);
	ref_get(&x->ref);
	ref_get(&y->ref);
	x->peer = y;
	y->peer = x;
	unix_cred_of(t, &x->peercred);
	y->peercred = x->peercred;
	if (type != SOCK_DGRAM)
		x->state = y->state = UNIX_ESTABLISHED;
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

/* --- names --- */

/* Checks a sockaddr_un for bind/connect: -EINVAL unless AF_UNIX within bounds. */
static int addr_check(const void *addr, u32 len)
{
	sa_family_t fam;

	if (len < SUN_OFF || len > sizeof(struct sockaddr_un))
		return -EINVAL;
	memcpy(&fam, addr, sizeof(fam));
	return fam == AF_UNIX ? 0 : -EINVAL;
}

/* The path of a path address as a C string (sun_path need not be terminated). */
static void addr_path(const void *addr, u32 len, char *out)
{
	u32 n = len - SUN_OFF;

	memcpy(out, (const u8 *)addr + SUN_OFF, n);
	out[n] = 0;
}

/* The bound socket of @type with abstract name @a; unix_lock held. Linux hashes
 * the type into the name, so each type has an abstract namespace of its own. */
static struct unix_sock *find_abstract(const struct unix_addr *a, u32 type)
{
	struct st_list *l;

	st_list_for_each(l, &unix_all) {
		struct unix_sock *sk = container_of(l, struct unix_sock, all);

		if (!sk->dead && sk->hashed && sk->type == type && sk->addr.len == a->len &&
		    !memcmp(sk->addr.path, a->path, a->len))
			return sk;
	}
	return NULL;
}

static struct unix_sock *find_inode(struct vfs_inode *ino)
{
	struct st_list *l;

	st_list_for_each(l, &unix_all) {
		struct unix_sock *sk = container_of(l, struct unix_sock, all);

		if (!sk->dead && sk->bound_ino == ino)
			return sk;
	}
	return NULL;
}

/* Linux's autobind: an abstract name of five hex digits not in use. unix_lock held. */
int unix_autobind(struct unix_sock *sk)
{
	struct unix_addr a = { .len = 6 };

	if (sk->addr.len)
		return 0;
	for (u32 tries = 0; tries < 0x100000; tries++) {
		u32 n = unix_autobind_next++ & 0xfffff;

		a.path[0] = 0;
		for (int i = 0; i < 5; i++)
			a.path[1 + i] = "0123456789abcdef"[(n >> (16 - 4 * i)) & 0xf];
		if (!find_abstract(&a, sk->type)) {
			sk->addr = a;
			sk->hashed = true;
			return 0;
		}
	}
	return -ENOSPC;
}

static int bind_path(struct task *t, struct unix_sock *sk, const void *addr, u32 len)
{
	char path[UNIX_PATH_MAX + 1];
	struct vfs_path p;
	struct unix_addr a = { 0 };
	int err;

	addr_path(addr, len, path);
	err = vfs_mknod(t, AT_FDCWD, path, S_IFSOCK | (0777 & ~t->umask), NULL);
	if (err)
		return err == -EEXIST ? -EADDRINUSE : err;
	err = vfs_resolve(t, AT_FDCWD, path, 0, &p);
	if (err)
		return err;
	a.len = strlen(path) + 1;
	memcpy(a.path, path, a.len);
	pthread_mutex_lock(&unix_lock);
	if (sk->addr.len) {
		/* Another thread bound it meanwhile; Linux's bind_lock makes this EINVAL. */
		pthread_mutex_unlock(&unix_lock);
		vfs_path_put(&p);
		vfs_unlink(t, AT_FDCWD, path, false);
		return -EINVAL;
	}
	sk->addr = a;
	sk->bound_ino = p.d->inode;
	vfs_inode_get(sk->bound_ino);
	pthread_mutex_unlock(&unix_lock);
	vfs_path_put(&p);
	return 0;
}

int unix_bind(struct task *t, struct vfs_file *f, const void *addr, u32 len)
{
	struct unix_sock *sk = unix_sk(f);
	struct unix_addr a = { 0 };
	int err = addr_check(addr, len);

	if (err)
		return err;
	if (len == SUN_OFF) {
		/* A bound socket "autobinds" to the name it has. */
		pthread_mutex_lock(&unix_lock);
		err = unix_autobind(sk);
		pthread_mutex_unlock(&unix_lock);
		return err;
	}
	/* As Linux, the name is made before the socket is found bound already. */
	if (((const u8 *)addr)[SUN_OFF])
		return bind_path(t, sk, addr, len);
	a.len = len - SUN_OFF;
	memcpy(a.path, (const u8 *)addr + SUN_OFF, a.len);
	pthread_mutex_lock(&unix_lock);
	if (sk->addr.len) {
		err = -EINVAL;
	} else if (find_abstract(&a, sk->type)) {
		err = -EADDRINUSE;
	} else {
		sk->addr = a;
		sk->hashed = true;
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

int unix_find(struct task *t, const void *addr, u32 len, int type, struct unix_sock **out)
{
	struct unix_sock *sk;
	int err = addr_check(addr, len);

	if (err)
		return err;
	if (len == SUN_OFF)
		return -EINVAL;
	if (((const u8 *)addr)[SUN_OFF]) {
		char path[UNIX_PATH_MAX + 1];
		struct vfs_path p;
		struct vfs_inode *ino;

		addr_path(addr, len, path);
		err = vfs_resolve(t, AT_FDCWD, path, VFS_FOLLOW, &p);
		if (err)
			return err;
		ino = p.d->inode;
		err = vfs_permission(t, ino, 2 /* MAY_WRITE */);
		if (!err && !S_ISSOCK(ino->mode))
			err = -ECONNREFUSED;
		pthread_mutex_lock(&unix_lock);
		sk = err ? NULL : find_inode(ino);
		pthread_mutex_unlock(&unix_lock);
		vfs_path_put(&p);
		pthread_mutex_lock(&unix_lock);
	} else {
		struct unix_addr a = { .len = len - SUN_OFF };

		memcpy(a.path, (const u8 *)addr + SUN_OFF, a.len);
		pthread_mutex_lock(&unix_lock);
		sk = find_abstract(&a, type);
	}
	if (!err && !sk)
		err = -ECONNREFUSED;
	else if (!err && sk->type != (u32)type)
		err = -EPROTOTYPE;
	if (!err) {
		ref_get(&sk->ref);
		*out = sk;
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

int unix_getname(struct vfs_file *f, bool peer, void *out)
{
	struct unix_sock *sk = unix_sk(f);
	struct sockaddr_un *sun = out;
	struct unix_sock *who;
	int len;

	pthread_mutex_lock(&unix_lock);
	who = peer ? sk->peer : sk;
	if (!who || (peer && sk->type != SOCK_DGRAM && sk->state != UNIX_ESTABLISHED)) {
		pthread_mutex_unlock(&unix_lock);
		return -ENOTCONN;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, who->addr.path, who->addr.len);
	len = SUN_OFF + who->addr.len;
	pthread_mutex_unlock(&unix_lock);
	return len;
}

/* --- waiting --- */

s64 unix_deadline(s64 timeo)
{
	return timeo ? ktime_host_mono_now() + timeo : 0;
}

int unix_wait(struct task *t, struct waitq *wq, s64 deadline, bool *interrupted)
{
	struct waiter w;
	int r;

	/* Under SO_RCVTIMEO or SO_SNDTIMEO Linux says EINTR even with SA_RESTART, and
	 * after a stop; an interruption the application does not see (a checkpoint)
	 * starts the wait over, with the whole timeout: the timeout is the socket's,
	 * not the call's. */
	if (*interrupted && deadline)
		return task_wait_signalled(t, 0) ? -EINTR : -ERESTARTNOHAND;
	if (*interrupted)
		return -ERESTARTSYS;
	if (deadline && ktime_host_mono_now() >= deadline)
		return -EAGAIN;
	waitq_add(wq, &w, t);
	pthread_mutex_unlock(&unix_lock);
	fasync_flush();         /* whom our part concerned, before we sleep */
	r = task_block(t, deadline ? deadline : -1);
	pthread_mutex_lock(&unix_lock);
	waitq_del(&w);
	/* The caller re-checks its condition once more before giving up. */
	if (r == -EINTR)
		*interrupted = true;
	return 0;
}

void unix_wake_async(struct unix_sock *sk, int how, int band)
{
	if (st_list_empty(&sk->fasync))
		return;
	if (how == UNIX_WAKE_WAITD && sk->async_waitdata)
		return;
	if (how == UNIX_WAKE_SPACE) {
		if (!sk->async_nospace)
			return;
		sk->async_nospace = false;
	}
	fasync_kill(&sk->fasync, band);
}

/* Wakes the datagram sockets that send to @sk: room came in its queue. Linux keeps
 * a peer_wait queue for this; the table walk is rare (only a full queue). */
void unix_wake_senders(struct unix_sock *sk)
{
	struct st_list *l;

	st_list_for_each(l, &unix_all) {
		struct unix_sock *o = container_of(l, struct unix_sock, all);

		if (o->peer == sk && o != sk)
			waitq_wake_all(&o->wq);
	}
}

/* --- connections --- */

int unix_stream_join(struct task *t, struct unix_sock *sk, struct unix_sock *other,
		     bool nonblock)
{
	struct unix_sock *emb;
	bool interrupted = false;
	s64 deadline;
	int err;

	emb = sock_alloc(t, sk->type);
	if (!emb)
		return -ENOMEM;
	pthread_mutex_lock(&unix_lock);
	deadline = unix_deadline(sk->sndtimeo);
	for (;;) {
		err = -EISCONN;
		if (sk->state == UNIX_ESTABLISHED)
			break;
		err = -EINVAL;
		if (sk->state == UNIX_LISTEN)
			break;
		err = -ECONNREFUSED;
		if (other->dead || other->state != UNIX_LISTEN)
			break;
		err = 0;
		/* A TCP connect that does not wait is done at once all the same (it
		 * said EINPROGRESS): Linux's SYN would wait in the listener's queue. */
		if (other->qlen <= other->backlog || (nonblock && sk->family != AF_UNIX))
			break;
		err = nonblock ? -EAGAIN : unix_wait(t, &other->wq, deadline, &interrupted);
		if (err)
			break;
	}
	if (err)
		goto out;
	if (sk->passcred && !sk->addr.len && sk->family == AF_UNIX) {
		err = unix_autobind(sk);
		if (err)
			goto out;
	}
	/* The embryo: connected to us, named as the listener, with our credentials. */
	emb->state = UNIX_ESTABLISHED;
	emb->addr = other->addr;
	emb->passcred = other->passcred;
	emb->sndbuf = other->sndbuf;
	emb->rcvbuf = other->rcvbuf;
	unix_cred_of(t, &emb->peercred);
	if (sk->family != AF_UNIX)
		inet_embryo_init(emb, sk, other);
	emb->peer = sk;
	ref_get(&sk->ref);
	sk->peer = emb;
	ref_get(&emb->ref);
	sk->peercred = other->peercred;
	sk->state = UNIX_ESTABLISHED;
	/* The accept queue takes over our reference on the embryo. */
	st_list_add_tail(&emb->acc_link, &other->accq);
	other->qlen++;
	emb = NULL;
	waitq_wake_all(&other->wq);
	unix_wake_async(other, UNIX_WAKE_WAITD, L_POLL_IN);
	if (sk->family != AF_UNIX)
		unix_wake_async(sk, UNIX_WAKE_IO, L_POLL_OUT);
out:
	pthread_mutex_unlock(&unix_lock);
	unix_sock_put(emb);
	return err;
}

static int stream_connect(struct task *t, struct unix_sock *sk, const void *addr,
			  u32 len, bool nonblock)
{
	struct unix_sock *other;
	int err;

	err = unix_find(t, addr, len, sk->type, &other);
	if (err)
		return err;
	err = unix_stream_join(t, sk, other, nonblock);
	unix_sock_put(other);
	return err;
}

/* Drops @sk's peer (unix_lock held; the reference goes to *put). */
static void dgram_disconnect(struct unix_sock *sk, struct unix_sock **put)
{
	*put = sk->peer;
	sk->peer = NULL;
	if (*put)
		waitq_wake_all(&sk->wq);
}

static int dgram_connect(struct task *t, struct unix_sock *sk, const void *addr, u32 len)
{
	struct unix_sock *other = NULL, *old = NULL;
	sa_family_t fam = AF_UNIX;
	int err = 0;

	if (len >= sizeof(fam))
		memcpy(&fam, addr, sizeof(fam));
	if (fam != AF_UNSPEC) {
		err = unix_find(t, addr, len, sk->type, &other);
		if (err)
			return err;
	}
	pthread_mutex_lock(&unix_lock);
	if (other && sk->passcred && !sk->addr.len)
		err = unix_autobind(sk);
	/* Linux's unix_may_send: the other side is unconnected or connected to us. */
	if (!err && other && other->peer && other->peer != sk)
		err = -EPERM;
	if (!err && other && other->dead)
		err = -ECONNREFUSED;
	if (!err) {
		dgram_disconnect(sk, &old);
		sk->peer = other;
		other = NULL;
	}
	pthread_mutex_unlock(&unix_lock);
	unix_sock_put(other);
	unix_sock_put(old);
	return err;
}

int unix_connect(struct task *t, struct vfs_file *f, const void *addr, u32 len)
{
	struct unix_sock *sk = unix_sk(f);

	if (sk->type == SOCK_DGRAM)
		return dgram_connect(t, sk, addr, len);
	return stream_connect(t, sk, addr, len, f->flags & O_NONBLOCK);
}

int unix_listen(struct task *t, struct vfs_file *f, int backlog)
{
	struct unix_sock *sk = unix_sk(f);
	int err = 0;

	if (sk->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if ((u32)backlog > UNIX_SOMAXCONN)
		backlog = UNIX_SOMAXCONN;
	pthread_mutex_lock(&unix_lock);
	if (!sk->addr.len || (sk->state != UNIX_CLOSE && sk->state != UNIX_LISTEN)) {
		err = -EINVAL;
	} else {
		if (backlog > (int)sk->backlog)
			waitq_wake_all(&sk->wq);
		sk->backlog = backlog;
		sk->state = UNIX_LISTEN;
		unix_cred_of(t, &sk->peercred);
	}
	pthread_mutex_unlock(&unix_lock);
	return err;
}

int unix_accept(struct task *t, struct vfs_file *f, bool nonblock, struct vfs_file **out)
{
	struct unix_sock *sk = unix_sk(f), *emb = NULL;
	bool interrupted = false;
	s64 deadline;
	int err;

	if (sk->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&unix_lock);
	deadline = unix_deadline(sk->rcvtimeo);
	for (;;) {
		err = -EINVAL;
		if (sk->state != UNIX_LISTEN)
			break;
		if (!st_list_empty(&sk->accq)) {
			emb = container_of(sk->accq.next, struct unix_sock, acc_link);
			st_list_del(&emb->acc_link);
			sk->qlen--;
			/* room in the backlog: blocked connecters go on */
			waitq_wake_all(&sk->wq);
			err = 0;
			break;
		}
		err = (f->flags & O_NONBLOCK) ? -EAGAIN
					     : unix_wait(t, &sk->wq, deadline, &interrupted);
		if (err)
			break;
	}
	pthread_mutex_unlock(&unix_lock);
	if (err)
		return err;
	err = file_new(emb, nonblock, out);
	if (err) {
		/* Linux would have the embryo too; put it back at the front. */
		pthread_mutex_lock(&unix_lock);
		st_list_add_tail(&emb->acc_link, sk->accq.next);
		sk->qlen++;
		pthread_mutex_unlock(&unix_lock);
	}
	return err;
}

int unix_shutdown(struct vfs_file *f, int how)
{
	struct unix_sock *sk = unix_sk(f), *peer;
	u32 mode;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mode = how + 1;
	pthread_mutex_lock(&unix_lock);
	sk->shutdown |= mode;
	waitq_wake_all(&sk->wq);
	peer = sk->peer;
	if (peer && sk->type != SOCK_DGRAM) {
		u32 pm = 0;

		if (mode & UNIX_RCV_SHUTDOWN)
			pm |= UNIX_SEND_SHUTDOWN;
		if (mode & UNIX_SEND_SHUTDOWN)
			pm |= UNIX_RCV_SHUTDOWN;
		peer->shutdown |= pm;
		waitq_wake_all(&peer->wq);
		if (pm == UNIX_SHUTDOWN_MASK)
			unix_wake_async(peer, UNIX_WAKE_WAITD, L_POLL_HUP);
		else if (pm & UNIX_RCV_SHUTDOWN)
			unix_wake_async(peer, UNIX_WAKE_WAITD, L_POLL_IN);
	}
	pthread_mutex_unlock(&unix_lock);
	return 0;
}

/*
 * The file's last reference: Linux's unix_release_sock. The socket dies; its peer
 * (stream, seqpacket) sees a hang-up, and ECONNRESET if we leave unread data or we
 * were an embryo; a listener's embryos are released with it.
 */
static void sock_release(struct unix_sock *sk, bool embryo)
{
	struct unix_sock *peer, *e;
	struct st_list embryos;

	st_list_init(&embryos);
	pthread_mutex_lock(&unix_lock);
	sk->dead = true;
	sk->shutdown = UNIX_SHUTDOWN_MASK;
	peer = sk->peer;
	sk->peer = NULL;
	if (peer && sk->type != SOCK_DGRAM && peer->peer == sk) {
		bool reset = !st_list_empty(&sk->rq) || embryo;

		if (sk->family != AF_UNIX) {
			/* TCP: a FIN, or a reset for unread data or SO_LINGER 0 */
			inet_peer_gone(peer, reset || (sk->linger && !sk->linger_secs));
		} else {
			peer->shutdown = UNIX_SHUTDOWN_MASK;
			if (reset)
				peer->err = ECONNRESET;
			unix_wake_async(peer, UNIX_WAKE_WAITD, L_POLL_HUP);
		}
	}
	if (peer)
		waitq_wake_all(&peer->wq);
	while (!st_list_empty(&sk->accq)) {
		e = container_of(sk->accq.next, struct unix_sock, acc_link);
		st_list_del(&e->acc_link);
		st_list_add_tail(&e->acc_link, &embryos);
	}
	if (sk->state == UNIX_LISTEN)
		sk->qlen = 0;
	sk->state = UNIX_CLOSE;
	/* Senders blocked on our full queue find us dead. */
	waitq_wake_all(&sk->wq);
	unix_wake_senders(sk);
	pthread_mutex_unlock(&unix_lock);
	/* Messages may hold files whose release comes back here: purge unlocked. */
	unix_queue_purge(sk);
	while (!st_list_empty(&embryos)) {
		e = container_of(embryos.next, struct unix_sock, acc_link);
		st_list_del(&e->acc_link);
		st_list_init(&e->acc_link);
		sock_release(e, true);
		unix_sock_put(e);
	}
	unix_sock_put(peer);
}

static void unix_release(struct vfs_file *f)
{
	struct unix_file *uf = container_of(f, struct unix_file, base);

	sock_release(uf->sk, false);
	unix_sock_put(uf->sk);
	free(uf);
}

/* --- file ops --- */

static s64 unix_read(struct task *t, struct vfs_file *f, void *buf, size_t len, s64 *pos)
{
	struct iovec iov = { buf, len };
	struct unix_io io = { .iov = &iov, .niov = 1, .kbuf = true, .len = len };
	s64 n;

	if (pos)
		return -ESPIPE;
	n = unix_recvmsg(t, f, &io);
	/* read(2) has no room for rights: they are dropped, as Linux's scm_destroy. */
	for (u32 i = 0; i < io.nfiles; i++)
		vfs_file_put(io.files[i]);
	free(io.files);
	return n;
}

static s64 unix_write(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		      s64 *pos)
{
	struct iovec iov = { (void *)buf, len };
	struct unix_io io = { .iov = &iov, .niov = 1, .kbuf = true, .len = len };

	if (pos)
		return -ESPIPE;
	return unix_sendmsg(t, f, &io);
}

static short unix_poll(struct vfs_file *f, short events, struct waiter *w)
{
	struct unix_sock *sk = unix_sk(f);
	short re;

	pthread_mutex_lock(&unix_lock);
	re = unix_poll_mask(sk) & (events | POLLERR | POLLHUP);
	/* Never on the peer's queue, which a reconnect could free under us: room
	 * in a full peer's queue wakes ours (unix_wake_senders). */
	if (!re && w)
		waitq_add(&sk->wq, w, w->t);
	pthread_mutex_unlock(&unix_lock);
	return re;
}

static void unix_poll_cancel(struct vfs_file *f, struct waiter *w)
{
	(void)f;
	pthread_mutex_lock(&unix_lock);
	waitq_del(w);
	pthread_mutex_unlock(&unix_lock);
}

/* Linux's sock_fasync. */
static int unix_fasync(struct task *t, struct vfs_file *f, int fd, bool on)
{
	struct unix_sock *sk = unix_sk(f);
	int err;

	pthread_mutex_lock(&unix_lock);
	err = fasync_helper(&sk->fasync, f, fd, on);
	pthread_mutex_unlock(&unix_lock);
	return err;
}

static int unix_ioctl(struct task *t, struct vfs_file *f, u64 cmd, u64 arg)
{
	struct unix_sock *sk = unix_sk(f);
	int n = 0, err = 0;

	/* sock_ioctl's owner of the socket's SIGIO, as fcntl F_SETOWN/F_GETOWN */
	if (cmd == FIOSETOWN || cmd == SIOCSPGRP) {
		if (mm_copy_in(t->mm, &n, arg, sizeof(n)))
			return -EFAULT;
		return vfs_setown(t, f, n);
	}
	if (cmd == FIOGETOWN || cmd == SIOCGPGRP) {
		n = vfs_getown(f);
		return mm_copy_out(t->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
	}
	if (cmd != SIOCINQ && cmd != SIOCOUTQ)
		return inet_dev_ioctl(t, f, cmd, arg);
	pthread_mutex_lock(&unix_lock);
	switch (cmd) {
	case SIOCINQ:
		if (sk->state == UNIX_LISTEN) {
			err = -EINVAL;
		} else if (sk->type == SOCK_STREAM) {
			n = sk->rq_bytes;
		} else if (!st_list_empty(&sk->rq)) {
			n = container_of(sk->rq.next, struct unix_msg, link)->len;
		}
		break;
	case SIOCOUTQ:
		n = sk->wmem;
		/* TCP's is what is not yet acknowledged: past the peer's window */
		if (sk->family != AF_UNIX && sk->type == SOCK_STREAM)
			n = sk->peer && sk->wmem > sk->peer->rcvbuf ? sk->wmem - sk->peer->rcvbuf
								    : 0;
		break;
	default:
		err = -ENOTTY;
	}
	pthread_mutex_unlock(&unix_lock);
	if (err)
		return err;
	return mm_copy_out(t->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static int unix_fstat(struct vfs_file *f, struct stat *st)
{
	struct unix_sock *sk = unix_sk(f);

	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFSOCK | 0777;
	st->st_nlink = 1;
	st->st_ino = sk->ino;
	st->st_uid = sk->uid;
	st->st_gid = sk->gid;
	st->st_dev = 0x8; /* sockfs */
	st->st_blksize = 4096;
	return 0;
}

const struct vfs_file_ops unix_file_ops = {
	.type = "unix",
	.read = unix_read,
	.write = unix_write,
	.ioctl = unix_ioctl,
	.fstat = unix_fstat,
	.poll = unix_poll,
	.poll_cancel = unix_poll_cancel,
	.release = unix_release,
	.fasync = unix_fasync,
};

int unix_sock_after_load(void *o, void *ctx)
{
	struct unix_sock *sk = o;
	struct st_list *p;

	st_list_for_each(p, &sk->rq)
		memfile_charge(((struct restore_ctx *)ctx)->mf,
			       unix_msg_cost(container_of(p, struct unix_msg, link)->len), true);
	if (sk->type != SOCK_STREAM && sk->type != SOCK_DGRAM && sk->type != SOCK_SEQPACKET)
		return -EINVAL;
	if (sk->addr.len > UNIX_PATH_MAX)
		return -EINVAL;
	if (sk->family == AF_NETLINK ? sk->type != SOCK_DGRAM
				     : sk->family != AF_UNIX && inet_sock_check(sk))
		return -EINVAL;
	waitq_init(&sk->wq);
	if (!sk->fasync.next)   /* an image from before O_ASYNC was signalled */
		st_list_init(&sk->fasync);
	pthread_mutex_lock(&unix_lock);
	st_list_add_tail(&sk->all, &unix_all);
	if (sk->ino >= unix_next_ino)
		unix_next_ino = sk->ino + 1;
	pthread_mutex_unlock(&unix_lock);
	return 0;
}
