/*
 * System V message queues (after Linux's ipc/msg.c): queues named by a key or
 * private, holding typed messages (Sentry heap memory, charged to the sandbox's
 * memory limit; MSGMNB bytes a queue unless root raises msg_qbytes). A receiver
 * that finds nothing for it waits in the queue's receiver list; a sender hands a
 * message straight to the first waiting receiver it suits, as Linux's
 * pipelined_send does, else queues it. Senders waiting for room retry when room is
 * made. The sandbox is one IPC namespace.
 *
 * Waiters are transient: a checkpoint interrupts every wait, which restarts after
 * the restore (-ERESTARTNOHAND); a receiver handed a message returns it before it
 * parks. Only the queues and their messages are saved.
 *
 * Locking: msg_ns.lock guards everything here.
 */
#ifndef SBX_IPC_MSG_H
#define SBX_IPC_MSG_H

#include <pthread.h>

#include "base/types.h"
#include "ipc/sysv.h"
#include "save.h"
#include "st_list.h"

struct kernel;
struct memfile;
struct task;

/* Linux's defaults (/proc/sys/kernel/msgmax, msgmnb, msgmni) */
#define L_MSGMAX 8192
#define L_MSGMNB 16384
#define L_MSGMNI 32000

SAVABLE struct msg_msg {
	struct st_list link SAVE_SKIP;  /* in msg_queue.msgs; rebuilt by the list */
	s64 type;
	u8 *text SAVE_LEN(len);
	u32 len;
};

SAVABLE struct msg_queue {
	struct st_list link SAVE_SKIP;  /* in msg_ns.queues, by index */
	struct sysv_perm perm;
	struct st_list msgs SAVE_LIST(struct msg_msg, link);   /* oldest first */
	u64 cbytes, qnum, qbytes;       /* bytes and messages in it; its byte limit */
	u32 lspid, lrpid;               /* last sender, receiver */
	s64 stime, rtime;
	struct st_list receivers SAVE_SKIP;     /* waiting msgrcv: transient */
	struct st_list senders SAVE_SKIP;       /* waiting msgsnd: transient */
};

SAVABLE struct msg_ns {
	struct st_list queues SAVE_LIST(struct msg_queue, link);
	u32 next_seq;
	pthread_mutex_t lock SAVE_SKIP;
	struct memfile *mf SAVE_SKIP;   /* messages are charged to its limit */
};

int msg_ns_after_load(void *o, void *ctx);

long msg_get(struct task *t, s32 key, int flags);
long msg_snd(struct task *t, int id, u64 msgp, u64 size, int flags);
long msg_rcv(struct task *t, int id, u64 msgp, u64 size, s64 type, int flags);
long msg_ctl(struct task *t, int id, int cmd, u64 buf);

#endif
