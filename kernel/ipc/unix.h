/*
 * Unix-domain sockets (after Linux's net/unix/af_unix.c; gVisor's
 * pkg/sentry/socket/unix is the other reading): SOCK_STREAM, SOCK_DGRAM and
 * SOCK_SEQPACKET, names in the filesystem (a socket inode) or in the abstract
 * namespace, listening sockets with an accept queue, SCM_RIGHTS and
 * SCM_CREDENTIALS. The loopback network's sockets (ipc/inet.h) are unix_socks too,
 * with an inet family: this file's queues, accept queues and blocking are theirs.
 *
 * As in Linux, an open socket is two objects: the file (struct unix_file, what fds
 * and in-flight SCM_RIGHTS messages refer to) and the socket proper (struct
 * unix_sock), which peers, queued messages and accept queues reference, so that a
 * socket whose file is closed can still be seen as dead by the sockets that point to
 * it. An embryo (a connection accepted by the kernel but not yet by accept()) is a
 * unix_sock with no file yet.
 *
 * Messages (struct unix_msg) are the skbs: a receive queue holds them in order; a
 * stream read crosses message boundaries, a datagram or seqpacket read takes one.
 * Each message is charged to the socket that sent it (its wmem) until it is read
 * or dropped, which is what bounds a sender (SO_SNDBUF), as in Linux.
 *
 * Locking: one mutex, unix_lock, guards every socket's state, queues and the name
 * tables; it is a leaf below vfs_lock and fdt->lock, and application memory is
 * never touched while it is held.
 */
#ifndef SBX_IPC_UNIX_H
#define SBX_IPC_UNIX_H

#include <sys/uio.h>

#include "base/ref.h"
#include "ipc/inet.h"
#include "save.h"
#include "st_list.h"
#include "task/waitq.h"
#include "vfs/vfs.h"

#define UNIX_PATH_MAX 108
#define UNIX_SCM_MAX_FD 253            /* Linux's SCM_MAX_FD */
#define UNIX_SOMAXCONN 4096            /* net.core.somaxconn */
#define UNIX_MAX_DGRAM_QLEN 10         /* net.unix.max_dgram_qlen */
#define UNIX_WMEM_DEFAULT 212992       /* net.core.wmem_default = wmem_max */
#define UNIX_RMEM_DEFAULT 212992

/* sk->state, as Linux's sk_state for unix sockets */
#define UNIX_CLOSE 0            /* unconnected (or a dgram socket, connected or not) */
#define UNIX_LISTEN 1
#define UNIX_ESTABLISHED 2

/* sk->shutdown bits, as Linux's RCV_SHUTDOWN and SEND_SHUTDOWN */
#define UNIX_RCV_SHUTDOWN 1
#define UNIX_SEND_SHUTDOWN 2
#define UNIX_SHUTDOWN_MASK 3

/* A socket name: sun_path bytes. len 0: unbound; path[0] == 0: abstract. */
SAVABLE struct unix_addr {
	u32 len;                /* bytes of path used (the addrlen minus sun_family) */
	u8 path[UNIX_PATH_MAX];
};

/* SO_PEERCRED and SCM_CREDENTIALS: sandbox pid and ids. */
SAVABLE struct unix_cred {
	u32 pid, uid, gid;
};

/* A file in flight in an SCM_RIGHTS message. */
SAVABLE struct unix_fd {
	struct vfs_file *file SAVE_POLY;        /* referenced */
};

struct unix_sock;

SAVABLE struct unix_msg {
	struct st_list link SAVE_SKIP;          /* in a receive queue; rebuilt by the list */
	u8 *data SAVE_LEN(len);
	u32 len;
	u32 off;                /* bytes a stream read consumed already */
	/* the sender, charged len bytes of wmem until the message is read or dropped;
	 * referenced (its name is the datagram's source) */
	struct unix_sock *owner;
	struct unix_cred cred;  /* the sender's, or what its SCM_CREDENTIALS said */
	struct unix_fd *fds SAVE_COUNT(nfds);  /* SCM_RIGHTS */
	u32 nfds;
	/* an inet datagram's source as its receiver's sockaddr_in or _in6 (the sender
	 * may be gone or rebound by the time it is read); 0 for the others */
	u8 from[28];
	u32 fromlen;
};

/* What a message of @len bytes holds of the Sentry's memory, charged to the sandbox's
 * limit from unix_msg_new to unix_msg_free (and again when a restore loads it). */
static inline u64 unix_msg_cost(u32 len)
{
	return sizeof(struct unix_msg) + len;
}

SAVABLE struct unix_sock {
	struct ref ref;         /* the file's, peers', messages' and the accept queue's */
	u32 type;               /* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	/* AF_UNIX, or AF_INET/AF_INET6 for a loopback socket (inet.h) */
	u16 family SAVE_DEFAULT(1);   /* AF_UNIX in older images */
	u32 state;              /* UNIX_*; under unix_lock */
	u32 shutdown;           /* UNIX_*_SHUTDOWN; under unix_lock */
	bool dead;              /* its file was released; under unix_lock */
	bool passcred;          /* SO_PASSCRED; under unix_lock */
	/* SO_REUSEADDR, SO_KEEPALIVE...: kept, read back, meaning nothing here */
	u32 inert_opts;
	int err;                /* pending SO_ERROR (positive errno); under unix_lock */
	u64 ino;                /* for fstat and /proc/<pid>/fd */
	u32 uid, gid;           /* the creator's, for fstat */
	/* the connected peer (stream, seqpacket: the other end; dgram: the default
	 * destination), referenced; under unix_lock */
	struct unix_sock *peer;
	struct unix_cred peercred;      /* SO_PEERCRED */
	struct unix_addr addr;  /* bound name; under unix_lock */
	/* addr is in the abstract name table (bound here, not an accepted socket
	 * showing its listener's name); under unix_lock */
	bool hashed;
	/* a path name's socket inode, referenced (the connect lookup goes by inode) */
	struct vfs_inode *bound_ino SAVE_POLY;
	/* messages, or for a listener the embryos waiting for accept(); under unix_lock */
	struct st_list rq SAVE_LIST(struct unix_msg, link);
	struct st_list accq SAVE_LIST(struct unix_sock, acc_link);
	struct st_list acc_link SAVE_SKIP;      /* in a listener's accq; rebuilt by it */
	u32 qlen;               /* messages or embryos queued */
	u32 rq_bytes;           /* unread bytes in rq */
	u32 backlog;            /* listen()'s, for a listener */
	u32 wmem;               /* bytes of messages it sent that are still queued */
	u32 sndbuf, rcvbuf;     /* SO_SNDBUF, SO_RCVBUF as getsockopt shows them */
	s64 rcvtimeo, sndtimeo; /* SO_RCVTIMEO/SNDTIMEO in ns; 0: none */
	u32 rcvlowat SAVE_DEFAULT(1);   /* SO_RCVLOWAT: a stream read waits for as much */
	bool linger;            /* SO_LINGER: l_onoff, l_linger (seconds) */
	u32 linger_secs;
	struct inet_part inet;  /* AF_INET, AF_INET6: addresses, ports, IP/TCP options */
	/* AF_NETLINK (netlink.c): the port id (0: unbound), joined groups, and the
	 * SOL_NETLINK flags set (a bit per option number) */
	u32 nl_portid, nl_groups, nl_flags;
	/* blocked readers, writers, accepters and connecters, and poll, of this socket
	 * and of sockets that send to it */
	struct waitq wq SAVE_SKIP;              /* rebuilt empty: waiters re-block */
	struct st_list all SAVE_SKIP;           /* in unix_all; rebuilt by after_load */
	/* the files with O_ASYNC on it (Linux's socket_wq fasync_list; one at most,
	 * a socket has one file) and sock_wake_async's two flags: a stream reader
	 * sleeps for data, so arriving data sends no SIGIO (SOCKWQ_ASYNC_WAITDATA;
	 * the reader sets it again when its call restarts), and a writer or a poll
	 * found no room, so the next room sends POLL_OUT (SOCKWQ_ASYNC_NOSPACE); under
	 * unix_lock */
	struct st_list fasync SAVE_LIST(struct fasync, link);
	bool async_waitdata SAVE_SKIP;
	bool async_nospace;
};

extern const struct vfs_file_ops unix_file_ops;

SAVABLE struct unix_file {
	struct vfs_file base SAVE_BASE(&unix_file_ops);
	struct unix_sock *sk;   /* referenced */
};

int unix_sock_after_load(void *o, void *ctx);

bool file_is_unix(const struct vfs_file *f);
struct unix_sock *unix_sk(struct vfs_file *f);

/* socket(2), socketpair(2) for AF_UNIX: @type with SOCK_NONBLOCK/SOCK_CLOEXEC
 * stripped (the caller handles CLOEXEC), @nonblock for the files' O_NONBLOCK. */
int unix_socket_new(struct task *t, int type, bool nonblock, struct vfs_file **out);
int unix_socketpair(struct task *t, int type, bool nonblock, struct vfs_file **a,
		    struct vfs_file **b);

/* bind, connect, listen, accept: sockaddr_un @addr of @len bytes (Sentry memory). */
int unix_bind(struct task *t, struct vfs_file *f, const void *addr, u32 len);
int unix_connect(struct task *t, struct vfs_file *f, const void *addr, u32 len);
int unix_listen(struct task *t, struct vfs_file *f, int backlog);
/* Waits for a connection on listener @f: the new file (@nonblock: O_NONBLOCK). */
int unix_accept(struct task *t, struct vfs_file *f, bool nonblock, struct vfs_file **out);
/* The bound name of @f's socket, or with @peer its peer's: a sockaddr_un into @out
 * (sizeof(struct sockaddr_un) bytes); returns its length or -ENOTCONN. */
int unix_getname(struct vfs_file *f, bool peer, void *out);
int unix_shutdown(struct vfs_file *f, int how);

/* One sendmsg or recvmsg. The data is in (or goes to) application memory described
 * by @iov unless @kbuf, when the iov bases are Sentry pointers. */
struct unix_io {
	const struct iovec *iov;
	u32 niov;
	bool kbuf;
	u64 len;                /* total of the iov lengths */
	int flags;              /* MSG_* */
	/* send: the destination (or NULL); recv: the source, namelen 0 if it has none */
	/* a sockaddr_un, _in, _in6 or _nl: as large as the sockaddr_storage that
	 * move_addr_to_kernel may copy in */
	u8 name[128];
	u32 namelen;
	bool has_name;
	/* SCM_RIGHTS: send, the files (references the send consumes); recv, those
	 * received (references for the caller to install or put) */
	struct vfs_file **files;
	u32 nfiles;
	/* SCM_CREDENTIALS: send, what the sender claims (checked); recv, what came */
	bool has_cred;
	struct unix_cred cred;
	int msg_flags;          /* recv: MSG_TRUNC, MSG_CTRUNC */
};

s64 unix_sendmsg(struct task *t, struct vfs_file *f, struct unix_io *io);
s64 unix_recvmsg(struct task *t, struct vfs_file *f, struct unix_io *io);

/* The socket's family (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK). */
int unix_family(struct vfs_file *f);

/* netlink.c: AF_NETLINK NETLINK_ROUTE sockets that describe `lo` (a unix_sock of
 * family AF_NETLINK, type SOCK_DGRAM; replies are datagrams on its queue). */
int netlink_socket_new(struct task *t, int type, int protocol, bool nonblock,
		       struct vfs_file **out);
int netlink_bind(struct task *t, struct vfs_file *f, const void *addr, u32 len);
int netlink_connect(struct task *t, struct vfs_file *f, const void *addr, u32 len);
int netlink_getname(struct vfs_file *f, bool peer, void *out);
s64 netlink_sendmsg(struct task *t, struct unix_sock *sk, struct unix_io *io);
int netlink_getsockopt(struct vfs_file *f, int level, int name, void *val, u32 *len);
int netlink_setsockopt(struct vfs_file *f, int level, int name, const void *val, u32 len);

/* SOL_SOCKET options: optval in Sentry memory of *len bytes (get: capacity in,
 * length out). -ENOPROTOOPT for what is not known. */
int unix_getsockopt(struct task *t, struct vfs_file *f, int name, void *val, u32 *len);
int unix_setsockopt(struct task *t, struct vfs_file *f, int name, const void *val, u32 len);

/* unix_msg.c, for unix.c and inet*.c */
void unix_msg_free(struct unix_msg *m);
/* A message of @len bytes of @io's data from @off (rights only with @rights). */
int unix_msg_new(struct task *t, struct unix_io *io, u64 off, u32 len, bool rights,
		 struct unix_msg **out);
/* Copies @n bytes between @buf and @io's iovecs from @off (@out: to them). */
int unix_io_copy(struct task *t, struct unix_io *io, u64 off, void *buf, u64 n, bool out);
/* Queues @m on @other, charged to @sk (NULL: to no one); unix_lock held. */
void unix_enqueue(struct unix_sock *sk, struct unix_sock *other, struct unix_msg *m);
/* SOL_SOCKET flags kept without meaning for unix sockets (SO_REUSEADDR...): set? */
bool unix_opt_isset(struct unix_sock *sk, int name);
void unix_queue_purge(struct unix_sock *sk);
short unix_poll_mask(struct unix_sock *sk);

/* unix.c, for unix_msg.c; unix_lock held where it says */
extern pthread_mutex_t unix_lock;
extern struct st_list unix_all;         /* every socket, in all */
void unix_sock_put(struct unix_sock *sk);
/* Finds the socket bound to sockaddr_un @addr of @len bytes for @t: referenced. */
int unix_find(struct task *t, const void *addr, u32 len, int type, struct unix_sock **out);
int unix_autobind(struct unix_sock *sk);
/* Connects stream socket @sk to listener @other (the caller's reference): an embryo
 * on its accept queue, waiting for room unless @nonblock (-EAGAIN; a TCP socket
 * goes on without room). unix_lock not held. */
int unix_stream_join(struct task *t, struct unix_sock *sk, struct unix_sock *other,
		     bool nonblock);
/* Sleeps on @wq for at most until @deadline (0: none; unix_lock held, dropped while
 * sleeping): 0 after a wake, -EAGAIN at the deadline, -ERESTARTSYS (no timeout set)
 * or -EINTR on a signal. */
int unix_wait(struct task *t, struct waitq *wq, s64 deadline, bool *interrupted);
s64 unix_deadline(s64 timeo);
void unix_wake_senders(struct unix_sock *sk);
/* Linux's sk_wake_async: SIGIO with @band for @sk's O_ASYNC file; UNIX_WAKE_WAITD
 * not while a stream reader sleeps for data, UNIX_WAKE_SPACE only after a writer
 * or a poll found no room. unix_lock held. */
#define UNIX_WAKE_IO 0
#define UNIX_WAKE_WAITD 1
#define UNIX_WAKE_SPACE 2
void unix_wake_async(struct unix_sock *sk, int how, int band);
/* Room came in @sk's send buffer (Linux's unix_write_space, sk_stream_write_space):
 * POLL_OUT if a writer had found none. unix_lock held. */
void unix_write_space(struct unix_sock *sk);
void unix_cred_of(struct task *t, struct unix_cred *c);

#endif
