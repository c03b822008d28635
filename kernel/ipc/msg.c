/*
 * System V message queues (see msg.h): msgget, msgsnd, msgrcv and msgctl, with
 * Linux's checks in Linux's order (ipc/msg.c ksys_msgget, do_msgsnd, do_msgrcv,
 * find_msg, pipelined_send, msgctl_*; ipc/util.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "abi/linux.h"
#include "checkpoint/checkpoint.h"
#include "ipc/msg.h"
#include "kernel.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"

#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif
#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#define IPC_64 0x0100
#define MSGPOOL (L_MSGMNI * L_MSGMNB / 1024)
#define MSGSSZ 16
#define MSGSEG 0xffff

#define OFF SYSV_OFF(struct msg_queue, link, perm)

/* Linux's search modes (convert_mode). */
enum { SEARCH_ANY, SEARCH_EQUAL, SEARCH_NOTEQUAL, SEARCH_LESSEQUAL, SEARCH_NUMBER };

/* A task waiting in msgrcv, on its own stack. */
struct msg_receiver {
	struct st_list link;            /* in msg_queue.receivers */
	struct task *t;
	s64 type;
	int mode;
	u64 maxsize;
	struct msg_msg *msg;            /* handed to it by a sender */
	int status;                     /* 1 waiting; 0 handed a message; or an error */
};

/* A task waiting in msgsnd for room. */
struct msg_sender {
	struct st_list link;            /* in msg_queue.senders */
	struct task *t;
	bool removed;                   /* the queue went */
};

static void ns_init(void *o)
{
	struct msg_ns *ns = o;

	st_list_init(&ns->queues);
	pthread_mutex_init(&ns->lock, NULL);
}

static struct msg_ns *ns_of(struct kernel *k)
{
	struct msg_ns *ns = sysv_ns_get((void **)&k->msg, sizeof(struct msg_ns), ns_init);

	if (ns)
		ns->mf = k->mf;
	return ns;
}

/* What a message holds of the Sentry's memory, charged to the sandbox's limit from
 * its msgsnd to its msgrcv or removal (Linux charges it to the memory cgroup):
 * root may raise a queue's msg_qbytes past MSGMNB. */
static u64 msg_cost(const struct msg_msg *m)
{
	return sizeof(*m) + m->len;
}

int msg_ns_after_load(void *o, void *ctx)
{
	struct restore_ctx *rc = ctx;
	struct msg_ns *ns = o;
	struct st_list *pos, *m;

	ns->mf = rc->mf;
	pthread_mutex_init(&ns->lock, NULL);
	st_list_for_each(pos, &ns->queues) {
		struct msg_queue *q = container_of(pos, struct msg_queue, link);
		u64 bytes = 0, n = 0;

		st_list_init(&q->receivers);
		st_list_init(&q->senders);
		st_list_for_each(m, &q->msgs) {
			struct msg_msg *msg = container_of(m, struct msg_msg, link);

			if (msg->type < 1 || msg->len > L_MSGMAX || (msg->len && !msg->text))
				return -EINVAL;
			bytes += msg->len;
			n++;
			memfile_charge(ns->mf, msg_cost(msg), true);
		}
		if (bytes != q->cbytes || n != q->qnum)
			return -EINVAL;
	}
	return sysv_check_loaded(&ns->queues, OFF);
}

static struct msg_queue *queue_at(struct st_list *pos)
{
	return pos ? container_of(pos, struct msg_queue, link) : NULL;
}

/* Takes ns->lock and finds the queue @id (NULL: EINVAL), the lock kept either way. */
static struct msg_queue *lock_queue(struct msg_ns *ns, int id)
{
	pthread_mutex_lock(&ns->lock);
	return queue_at(sysv_find_id(&ns->queues, OFF, id));
}

static void msg_free(struct msg_ns *ns, struct msg_msg *m)
{
	memfile_uncharge(ns->mf, msg_cost(m));
	free(m->text);
	free(m);
}

static long newque(struct task *t, struct msg_ns *ns, s32 key, int flags)
{
	struct msg_queue *q = calloc(1, sizeof(*q));
	struct st_list *at;
	int err;

	if (!q)
		return -ENOMEM;
	err = sysv_new(t, &ns->queues, OFF, &ns->next_seq, L_MSGMNI, key, flags, &q->perm, &at);
	if (err) {
		free(q);
		return err;
	}
	q->qbytes = L_MSGMNB;
	st_list_init(&q->msgs);
	st_list_init(&q->receivers);
	st_list_init(&q->senders);
	st_list_add_tail(&q->link, at);
	return sysv_id(&q->perm);
}

long msg_get(struct task *t, s32 key, int flags)
{
	struct msg_ns *ns = ns_of(t->k);
	struct msg_queue *q;
	long ret;

	if (!ns)
		return -ENOMEM;
	pthread_mutex_lock(&ns->lock);
	if (key == IPC_PRIVATE) {
		ret = newque(t, ns, key, flags);
		goto out;
	}
	q = queue_at(sysv_find_key(&ns->queues, OFF, key));
	if (!q)
		ret = flags & IPC_CREAT ? newque(t, ns, key, flags) : -ENOENT;
	else if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
		ret = -EEXIST;
	else if (sysv_perms(t, &q->perm, flags))
		ret = -EACCES;
	else
		ret = sysv_id(&q->perm);
out:
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

static bool testmsg(const struct msg_msg *m, s64 type, int mode)
{
	switch (mode) {
	case SEARCH_EQUAL:
		return m->type == type;
	case SEARCH_NOTEQUAL:
		return m->type != type;
	case SEARCH_LESSEQUAL:
		return m->type <= type;
	default:
		return true;
	}
}

/* Wakes every waiting sender to try again (Linux's ss_wakeup); @removed: the
 * queue is going. */
static void wake_senders(struct msg_queue *q, bool removed)
{
	struct st_list *pos;

	st_list_for_each(pos, &q->senders) {
		struct msg_sender *s = container_of(pos, struct msg_sender, link);

		s->removed |= removed;
		task_wake(s->t);
	}
}

/* Gives @m to the first waiting receiver it suits; a receiver it suits but does
 * not fit gets E2BIG. True if taken. */
static bool pipelined_send(struct task *t, struct msg_queue *q, struct msg_msg *m)
{
	struct st_list *pos, *next;

	for (pos = q->receivers.next; pos != &q->receivers; pos = next) {
		struct msg_receiver *r = container_of(pos, struct msg_receiver, link);

		next = pos->next;
		if (!testmsg(m, r->type, r->mode))
			continue;
		st_list_del(&r->link);
		if (r->maxsize < m->len) {
			r->status = -E2BIG;
			task_wake(r->t);
			continue;
		}
		q->lrpid = r->t->tgid;
		q->rtime = sysv_now(t);
		r->msg = m;
		r->status = 0;
		task_wake(r->t);
		return true;
	}
	return false;
}

long msg_snd(struct task *t, int id, u64 msgp, u64 size, int flags)
{
	struct msg_ns *ns = ns_of(t->k);
	struct msg_sender s = { .t = t };
	struct msg_queue *q;
	struct msg_msg *m;
	s64 type;
	long ret;

	if (!ns)
		return -ENOMEM;
	if (mm_copy_in(t->mm, &type, msgp, sizeof(type)))
		return -EFAULT;
	if (size > L_MSGMAX || id < 0)
		return -EINVAL;
	if (type < 1)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m || (size && !(m->text = malloc(size)))) {
		free(m);
		return -ENOMEM;
	}
	m->type = type;
	m->len = size;
	if (memfile_charge(ns->mf, msg_cost(m), false)) {
		free(m->text);
		free(m);
		return -ENOMEM;
	}
	if (mm_copy_in(t->mm, m->text, msgp + sizeof(type), size)) {
		msg_free(ns, m);
		return -EFAULT;
	}
	q = lock_queue(ns, id);
	ret = -EINVAL;
	if (!q)
		goto out;
	while (!(ret = sysv_perms(t, &q->perm, 0222))) {
		int br;

		if (q->cbytes + size <= q->qbytes && q->qnum + 1 <= q->qbytes)
			break;
		ret = -EAGAIN;
		if (flags & IPC_NOWAIT)
			goto out;
		st_list_add_tail(&s.link, &q->senders);
		pthread_mutex_unlock(&ns->lock);
		br = task_block(t, -1);
		pthread_mutex_lock(&ns->lock);
		ret = -EIDRM;
		if (s.removed)
			goto out;       /* the queue is gone, and s with its list */
		st_list_del(&s.link);
		ret = -ERESTARTNOHAND;
		if (br == -EINTR)
			goto out;
	}
	if (ret)
		goto out;       /* no longer writable by us */
	q->lspid = t->tgid;
	q->stime = sysv_now(t);
	if (!pipelined_send(t, q, m)) {
		st_list_add_tail(&m->link, &q->msgs);
		q->cbytes += size;
		q->qnum++;
	}
	m = NULL;
	ret = 0;
out:
	pthread_mutex_unlock(&ns->lock);
	if (m)
		msg_free(ns, m);
	return ret;
}

/* Linux's find_msg: the first message @mode and *@type select; for SEARCH_LESSEQUAL
 * the first of the lowest type; for SEARCH_NUMBER the @type-th. */
static struct msg_msg *find_msg(struct msg_queue *q, s64 type, int mode)
{
	struct msg_msg *found = NULL;
	struct st_list *pos;
	s64 count = 0;

	st_list_for_each(pos, &q->msgs) {
		struct msg_msg *m = container_of(pos, struct msg_msg, link);

		if (!testmsg(m, type, mode))
			continue;
		if (mode == SEARCH_LESSEQUAL && m->type != 1) {
			type = m->type - 1;
			found = m;
		} else if (mode == SEARCH_NUMBER) {
			if (type == count)
				return m;
		} else {
			return m;
		}
		count++;
	}
	return found;
}

/* do_msg_fill: the type, then at most @size bytes of text. */
static long fill(struct task *t, u64 msgp, u64 size, const struct msg_msg *m)
{
	u64 n = MIN(size, (u64)m->len);

	if (mm_copy_out(t->mm, msgp, &m->type, sizeof(m->type)) ||
	    mm_copy_out(t->mm, msgp + sizeof(m->type), m->text, n))
		return -EFAULT;
	return n;
}

long msg_rcv(struct task *t, int id, u64 msgp, u64 size, s64 type, int flags)
{
	struct msg_ns *ns = ns_of(t->k);
	struct msg_receiver r = { .t = t };
	struct msg_msg *m = NULL, copy;
	struct msg_queue *q;
	long ret;
	int mode;

	if (!ns)
		return -ENOMEM;
	if (id < 0 || (s64)size < 0)
		return -EINVAL;
	if ((flags & MSG_COPY) && ((flags & MSG_EXCEPT) || !(flags & IPC_NOWAIT)))
		return -EINVAL;
	if (flags & MSG_COPY) {
		mode = SEARCH_NUMBER;
	} else if (!type) {
		mode = SEARCH_ANY;
	} else if (type < 0) {
		type = type == LONG_MIN ? LONG_MAX : -type;
		mode = SEARCH_LESSEQUAL;
	} else {
		mode = flags & MSG_EXCEPT ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
	}
	q = lock_queue(ns, id);
	ret = -EINVAL;
	if (!q)
		goto out;
	while (!(ret = sysv_perms(t, &q->perm, 0444))) {
		int br;

		m = find_msg(q, type, mode);
		if (m) {
			ret = -E2BIG;
			if (size < m->len && !(flags & MSG_NOERROR))
				goto out;
			if (flags & MSG_COPY) {
				/* copy_msg: the copy's buffer is min(size, MSGMAX) */
				ret = -EINVAL;
				if (m->len > MIN(size, (u64)L_MSGMAX))
					goto out;
				copy = *m;
				ret = fill(t, msgp, size, &copy);
				goto out;
			}
			st_list_del(&m->link);
			q->qnum--;
			q->cbytes -= m->len;
			q->rtime = sysv_now(t);
			q->lrpid = t->tgid;
			wake_senders(q, false);
			ret = 0;
			break;
		}
		ret = -ENOMSG;
		if (flags & IPC_NOWAIT)
			goto out;
		r.type = type;
		r.mode = mode;
		r.maxsize = flags & MSG_NOERROR ? INT_MAX : size;
		r.status = 1;
		st_list_add_tail(&r.link, &q->receivers);
		pthread_mutex_unlock(&ns->lock);
		br = task_block(t, -1);
		pthread_mutex_lock(&ns->lock);
		if (r.status != 1) {
			ret = r.status;
			m = r.msg;
			if (ret)
				goto out;
			break;
		}
		st_list_del(&r.link);
		ret = -ERESTARTNOHAND;
		if (br == -EINTR)
			goto out;
	}
	if (ret)
		goto out;       /* no longer readable by us */
	pthread_mutex_unlock(&ns->lock);
	ret = fill(t, msgp, size, m);
	msg_free(ns, m);
	return ret;
out:
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

static void fill_ds(const struct msg_queue *q, struct msqid_ds *ds)
{
	memset(ds, 0, sizeof(*ds));
	ds->msg_perm.__key = q->perm.key;
	ds->msg_perm.uid = q->perm.uid;
	ds->msg_perm.gid = q->perm.gid;
	ds->msg_perm.cuid = q->perm.cuid;
	ds->msg_perm.cgid = q->perm.cgid;
	ds->msg_perm.mode = q->perm.mode;
	ds->msg_perm.__seq = q->perm.seq;
	ds->msg_stime = q->stime;
	ds->msg_rtime = q->rtime;
	ds->msg_ctime = q->perm.ctime;
	ds->__msg_cbytes = q->cbytes;
	ds->msg_qnum = q->qnum;
	ds->msg_qbytes = q->qbytes;
	ds->msg_lspid = q->lspid;
	ds->msg_lrpid = q->lrpid;
}

/* IPC_RMID: waiters get EIDRM, messages go. */
static void freeque(struct msg_ns *ns, struct msg_queue *q)
{
	while (!st_list_empty(&q->receivers)) {
		struct msg_receiver *r = container_of(q->receivers.next, struct msg_receiver,
						      link);

		st_list_del(&r->link);
		r->status = -EIDRM;
		task_wake(r->t);
	}
	wake_senders(q, true);
	while (!st_list_empty(&q->msgs)) {
		struct msg_msg *m = container_of(q->msgs.next, struct msg_msg, link);

		st_list_del(&m->link);
		msg_free(ns, m);
	}
	st_list_del(&q->link);
	free(q);
}

static long ctl_info(struct task *t, struct msg_ns *ns, int cmd, u64 buf)
{
	struct msginfo mi = {
		.msgpool = MSGPOOL, .msgmap = L_MSGMNB, .msgmax = L_MSGMAX,
		.msgmnb = L_MSGMNB, .msgmni = L_MSGMNI, .msgssz = MSGSSZ,
		.msgtql = L_MSGMNB, .msgseg = MSGSEG,
	};
	u32 n, max = sysv_max_idx(&ns->queues, OFF, &n);
	struct st_list *pos;

	if (cmd == MSG_INFO) {
		mi.msgpool = n;
		mi.msgmap = mi.msgtql = 0;
		st_list_for_each(pos, &ns->queues) {
			struct msg_queue *q = container_of(pos, struct msg_queue, link);

			mi.msgmap += q->qnum;
			mi.msgtql += q->cbytes;
		}
	}
	return mm_copy_out(t->mm, buf, &mi, sizeof(mi)) ? -EFAULT : (long)max;
}

long msg_ctl(struct task *t, int id, int cmd, u64 buf)
{
	struct msg_ns *ns = ns_of(t->k);
	struct msqid_ds ds;
	struct msg_queue *q;
	struct st_list *pos;
	long ret;

	if (!ns)
		return -ENOMEM;
	if (id < 0 || cmd < 0)
		return -EINVAL;
	cmd &= ~IPC_64;
	if (cmd == IPC_SET && mm_copy_in(t->mm, &ds, buf, sizeof(ds)))
		return -EFAULT;
	pthread_mutex_lock(&ns->lock);
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		ret = ctl_info(t, ns, cmd, buf);
		goto out;
	case MSG_STAT:
	case MSG_STAT_ANY:
	case IPC_STAT:
		/* MSG_STAT's @id is an index, its answer the full id. */
		q = queue_at(sysv_stat_find(t, &ns->queues, OFF, id, cmd != IPC_STAT,
					    cmd == MSG_STAT_ANY, &ret));
		if (!q)
			goto out;
		fill_ds(q, &ds);
		ret = mm_copy_out(t->mm, buf, &ds, sizeof(ds)) ? -EFAULT :
		      cmd == IPC_STAT ? 0 : (long)sysv_id(&q->perm);
		goto out;
	case IPC_SET:
	case IPC_RMID:
		break;
	default:
		ret = -EINVAL;
		goto out;
	}
	q = queue_at(sysv_find_id(&ns->queues, OFF, id));
	ret = -EINVAL;
	if (!q)
		goto out;
	ret = sysv_owner(t, &q->perm);
	if (ret)
		goto out;
	if (cmd == IPC_RMID) {
		freeque(ns, q);
		goto out;
	}
	ret = -EPERM;
	if (ds.msg_qbytes > L_MSGMNB && !task_capable(t, SYSV_CAP_SYS_RESOURCE))
		goto out;
	ret = 0;
	sysv_set(t, &q->perm, ds.msg_perm.uid, ds.msg_perm.gid, ds.msg_perm.mode);
	q->qbytes = ds.msg_qbytes;
	/* Linux's expunge_all(-EAGAIN) and ss_wakeup: everyone looks again. */
	st_list_for_each(pos, &q->receivers)
		task_wake(container_of(pos, struct msg_receiver, link)->t);
	wake_senders(q, false);
out:
	pthread_mutex_unlock(&ns->lock);
	return ret;
}
