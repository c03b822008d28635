/*
 * epoll (after Linux's fs/eventpoll.c). An eventpoll holds an interest list of
 * entries keyed by (file, fd), as Linux's, and a ready list. Each entry of a file
 * the Sentry implements keeps a callback waiter on that file's wait queue (through
 * the file's poll op), so a change of the file puts the entry on the ready list and
 * wakes the epoll's waiters; epoll_wait then polls the ready entries again to report
 * what is true now (level-triggered entries stay on the list while ready). Files
 * served by a host fd (stdio) have no wait queue here: their entries are polled by
 * the host at every wait, and their descriptors join the wait's ppoll.
 *
 * Entries hold no reference on their file: the file's last put removes them
 * (epoll_file_release), as Linux's eventpoll_release. An epoll may watch another
 * epoll; cycles and chains deeper than Linux's EP_MAX_NESTS are refused (ELOOP).
 *
 * Locks: ep_nest_lock (adding an epoll to an epoll) → ep->mtx (the interest list,
 * every entry's queued flag; held while the entries' files are polled) → the watched
 * file's own lock (its poll op; callbacks run under it) → ep->lock (the ready list and
 * the wait queue; a leaf but for the wake-up of the epolls watching this one, whose
 * locks come after it, bounded by the nesting rule) . ep_files_lock (the file → entry
 * index) comes after ep->mtx and is never held while taking another lock.
 */
#ifndef SBX_IPC_EPOLL_H
#define SBX_IPC_EPOLL_H

#include <pthread.h>

#include "base/ref.h"
#include "base/types.h"
#include "save.h"
#include "st_list.h"
#include "task/waitq.h"
#include "vfs/vfs.h"

struct task;

#define L_EPOLLIN 0x001
#define L_EPOLLPRI 0x002
#define L_EPOLLOUT 0x004
#define L_EPOLLERR 0x008
#define L_EPOLLHUP 0x010
#define L_EPOLLRDNORM 0x040
#define L_EPOLLRDBAND 0x080
#define L_EPOLLWRNORM 0x100
#define L_EPOLLWRBAND 0x200
#define L_EPOLLMSG 0x400
#define L_EPOLLRDHUP 0x2000
#define L_EPOLLEXCLUSIVE (1U << 28)
#define L_EPOLLWAKEUP (1U << 29)
#define L_EPOLLONESHOT (1U << 30)
#define L_EPOLLET (1U << 31)
/* Linux's EP_PRIVATE_BITS: flags that are no events */
#define EP_PRIVATE_BITS (L_EPOLLWAKEUP | L_EPOLLONESHOT | L_EPOLLET | L_EPOLLEXCLUSIVE)
#define EP_MAX_NESTS 4

#define L_EPOLL_CTL_ADD 1
#define L_EPOLL_CTL_DEL 2
#define L_EPOLL_CTL_MOD 3

/* struct epoll_event as x86_64 lays it out: packed, 12 bytes. */
struct l_epoll_event {
	u32 events;
	u64 data;
} __attribute__((packed));

struct eventpoll;

/* One watched (file, fd). */
SAVABLE struct epitem {
	struct st_list link SAVE_SKIP;          /* in ep->items; rebuilt by the list */
	struct st_list rdlink SAVE_SKIP;        /* in ep->rdlist while ready; under ep->lock */
	struct st_list flink SAVE_SKIP;         /* in the file index; rebuilt at load */
	struct eventpoll *ep;
	struct vfs_file *file SAVE_POLY;        /* not referenced: its last put removes us */
	s32 fd;
	/* the requested EPOLL* events and flags; after a ONESHOT report only the flags
	 * remain, and the entry is disabled until EPOLL_CTL_MOD; under ep->mtx */
	u32 events;
	u64 data;
	bool host;              /* the file is polled by the host (poll_fd) */
	bool host_seen;         /* host + EPOLLET: what the last wait found (an edge) */
	bool ready;             /* on ep->rdlist; under ep->lock */
	/* taken off the ready list by a scan that has not finished with it, and woken
	 * meanwhile; under ep->lock */
	bool scanning SAVE_SKIP, rewake SAVE_SKIP;
	bool queued SAVE_SKIP;  /* w is on the file's wait queue; under ep->mtx */
	struct waiter w SAVE_SKIP;      /* callback waiter (t NULL); re-queued after load */
};

SAVABLE struct eventpoll {
	struct ref ref;         /* the epoll file's, and the file index's while it looks */
	struct st_list items SAVE_LIST(struct epitem, link);    /* under mtx */
	u32 nitems;
	/* ready entries; under lock. Rebuilt at load from the entries' ready flags */
	struct st_list rdlist SAVE_SKIP;
	/* loaded, and the entries' waiters not yet queued again: the first look at the
	 * epoll does it (ep_requeue); under mtx */
	bool requeue SAVE_SKIP;
	/* epoll_wait callers, pollers of the epoll file and the entries of epolls that
	 * watch it; under lock. Rebuilt empty: blocked waits restart after a restore. */
	struct waitq wq SAVE_SKIP;
	pthread_mutex_t mtx SAVE_SKIP;
	pthread_mutex_t lock SAVE_SKIP;
};

int eventpoll_after_load(void *o, void *ctx);

extern const struct vfs_file_ops epoll_ops;

SAVABLE struct epoll_file {
	struct vfs_file base SAVE_BASE(&epoll_ops);
	struct eventpoll *ep;   /* referenced */
};

bool file_is_epoll(const struct vfs_file *f);
/* A new epoll file (one reference); @flags: O_CLOEXEC is the caller's, ignored. */
int epoll_new(struct vfs_file **out);
/* epoll_ctl's work on epoll file @epf: @tf is the file open at @fd (both borrowed),
 * @ev the event (ADD, MOD; NULL for DEL). Linux's errnos. */
int epoll_ctl_file(struct vfs_file *epf, int op, int fd, struct vfs_file *tf,
		   const struct l_epoll_event *ev);
/* Waits until some entry of @epf is ready, up to host-monotonic @deadline (-1: none,
 * 0: no wait) and fills @out with at most @max events. Returns how many, 0 on
 * timeout, -ERESTARTNOHAND when a signal (or a checkpoint) ended the wait. */
long epoll_wait_file(struct task *t, struct vfs_file *epf, struct l_epoll_event *out,
		     int max, s64 deadline);
/* A file's last reference is going: every entry that watches it goes (vfs). */
void epoll_file_release(struct vfs_file *f);

#endif
