/*
 * System V semaphores (see sem.h): semget, semop/semtimedop and semctl, with Linux's
 * checks in Linux's order (ipc/sem.c ksys_semget, newary, do_semtimedop,
 * perform_atomic_semop, semctl_*; ipc/util.c).
 *
 * Not done: Linux keeps single-semaphore operations in per-semaphore queues beside
 * the set's queue of the others; here one queue per set is scanned in arrival order
 * (waiters for zero first), which completes the same operations but may complete
 * two that both became possible in another order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

#include "abi/linux.h"
#include "ipc/sem.h"
#include "kernel.h"
#include "mm/mm.h"
#include "task/task.h"
#include "time/ktime.h"

#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif
#define IPC_64 0x0100
#define SEMMNU L_SEMMNS
#define SEMMAP L_SEMMNS
#define SEMUME L_SEMOPM
#define SEMUSZ 20

#define OFF SYSV_OFF(struct sem_set, link, perm)

/* A task waiting in semop: on its own stack, in its set's pending queue. */
struct sem_queue {
	struct st_list link;
	struct task *t;
	struct sembuf *sops;
	u32 nsops;
	u32 ulid;                       /* its undo list's id, 0 if none */
	u32 pid;
	bool alter;
	int status;                     /* 1 waiting; 0 done or an error, set by others */
	const struct sembuf *blocking;  /* the operation it waits for (GETNCNT/GETZCNT) */
};

static void ns_init(void *o)
{
	struct sem_ns *ns = o;

	st_list_init(&ns->sets);
	ns->next_ulid = 1;
	pthread_mutex_init(&ns->lock, NULL);
}

static struct sem_ns *ns_of(struct kernel *k)
{
	return sysv_ns_get((void **)&k->sem, sizeof(struct sem_ns), ns_init);
}

int sem_ns_after_load(void *o, void *ctx)
{
	struct sem_ns *ns = o;
	struct st_list *pos;
	u64 used = 0;

	(void)ctx;
	pthread_mutex_init(&ns->lock, NULL);
	st_list_for_each(pos, &ns->sets) {
		struct sem_set *s = container_of(pos, struct sem_set, link);
		struct st_list *u;

		st_list_init(&s->pending);
		if (!s->nsems || s->nsems > L_SEMMSL || !s->val || !s->pid ||
		    s->npid != s->nsems)
			return -EINVAL;
		for (u32 i = 0; i < s->nsems; i++)
			if (s->val[i] > L_SEMVMX)
				return -EINVAL;
		st_list_for_each(u, &s->undos)
			if (container_of(u, struct sem_undo, link)->nsems != s->nsems)
				return -EINVAL;
		used += s->nsems;
	}
	if (used != ns->used_sems)
		return -EINVAL;
	return sysv_check_loaded(&ns->sets, OFF);
}

static struct sem_set *set_at(struct st_list *pos)
{
	return pos ? container_of(pos, struct sem_set, link) : NULL;
}

static struct sem_undo *find_undo(struct sem_set *s, u32 ulid)
{
	struct st_list *pos;

	if (!ulid)
		return NULL;
	st_list_for_each(pos, &s->undos) {
		struct sem_undo *u = container_of(pos, struct sem_undo, link);

		if (u->ulid == ulid)
			return u;
	}
	return NULL;
}

static void undo_free(struct sem_undo *u)
{
	st_list_del(&u->link);
	free(u->adj);
	free(u);
}

static void set_free(struct sem_ns *ns, struct sem_set *s)
{
	while (!st_list_empty(&s->undos))
		undo_free(container_of(s->undos.next, struct sem_undo, link));
	ns->used_sems -= s->nsems;
	st_list_del(&s->link);
	free(s->val);
	free(s->pid);
	free(s);
}

static long newary(struct task *t, struct sem_ns *ns, s32 key, int nsems, int flags)
{
	struct st_list *at;
	struct sem_set *s;
	int err;

	if (!nsems)
		return -EINVAL;
	if (ns->used_sems + nsems > L_SEMMNS)
		return -ENOSPC;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->val = calloc(nsems, sizeof(*s->val));
	s->pid = calloc(nsems, sizeof(*s->pid));
	if (!s->val || !s->pid) {
		free(s->val);
		free(s->pid);
		free(s);
		return -ENOMEM;
	}
	err = sysv_new(t, &ns->sets, OFF, &ns->next_seq, L_SEMMNI, key, flags, &s->perm, &at);
	if (err) {
		free(s->val);
		free(s->pid);
		free(s);
		return err;
	}
	s->nsems = s->npid = nsems;
	st_list_init(&s->undos);
	st_list_init(&s->pending);
	ns->used_sems += nsems;
	st_list_add_tail(&s->link, at);
	return sysv_id(&s->perm);
}

long sem_get(struct task *t, s32 key, int nsems, int flags)
{
	struct sem_ns *ns = ns_of(t->k);
	struct sem_set *s;
	long ret;

	if (!ns)
		return -ENOMEM;
	if (nsems < 0 || nsems > L_SEMMSL)
		return -EINVAL;
	pthread_mutex_lock(&ns->lock);
	if (key == IPC_PRIVATE) {
		ret = newary(t, ns, key, nsems, flags);
		goto out;
	}
	s = set_at(sysv_find_key(&ns->sets, OFF, key));
	if (!s)
		ret = flags & IPC_CREAT ? newary(t, ns, key, nsems, flags) : -ENOENT;
	else if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
		ret = -EEXIST;
	else if (sysv_perms(t, &s->perm, flags))
		ret = -EACCES;
	else if ((u32)nsems > s->nsems)
		ret = -EINVAL;
	else
		ret = sysv_id(&s->perm);
out:
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

/*
 * Linux's perform_atomic_semop(_slow): applies @sops in order, or none of them.
 * 0 applied, 1 would block (*blocking: the operation), -EAGAIN (that operation had
 * IPC_NOWAIT), -ERANGE.
 */
static int perform(struct sem_set *s, const struct sembuf *sops, u32 nsops,
		   struct sem_undo *un, u32 pid, const struct sembuf **blocking)
{
	u32 i;
	int ret = 0;

	for (i = 0; i < nsops; i++) {
		const struct sembuf *sop = &sops[i];
		int cur = s->val[sop->sem_num], res = cur + sop->sem_op;

		if ((!sop->sem_op && cur) || res < 0) {
			*blocking = sop;
			ret = sop->sem_flg & IPC_NOWAIT ? -EAGAIN : 1;
			break;
		}
		if (res > L_SEMVMX) {
			ret = -ERANGE;
			break;
		}
		if (sop->sem_flg & SEM_UNDO) {
			int undo = un->adj[sop->sem_num] - sop->sem_op;

			if (undo < -L_SEMAEM - 1 || undo > L_SEMAEM) {
				ret = -ERANGE;
				break;
			}
			un->adj[sop->sem_num] = (s16)undo;
		}
		s->val[sop->sem_num] = (u16)res;
	}
	if (!ret) {
		for (i = 0; i < nsops; i++)
			s->pid[sops[i].sem_num] = pid;
		return 0;
	}
	while (i-- > 0) {
		s->val[sops[i].sem_num] -= sops[i].sem_op;
		if (sops[i].sem_flg & SEM_UNDO)
			un->adj[sops[i].sem_num] += sops[i].sem_op;
	}
	return ret;
}

/* Completes the waiting operations that now can be, in queue order: those that only
 * wait for zero first (Linux's wake_const_ops), then those that change values;
 * after one of these, from the start again (Linux's update_queue). */
static void update_queue(struct sem_set *s, s64 now)
{
	struct st_list *pos, *next;
	bool alter = false;

again:
	for (pos = s->pending.next; pos != &s->pending; pos = next) {
		struct sem_queue *q = container_of(pos, struct sem_queue, link);
		int r;

		next = pos->next;
		if (q->alter != alter)
			continue;
		r = perform(s, q->sops, q->nsops, find_undo(s, q->ulid), q->pid, &q->blocking);
		if (r == 1)
			continue;
		st_list_del(&q->link);
		q->status = r;
		if (!r)
			s->otime = now;
		task_wake(q->t);        /* under the lock: it reads status only under it */
		if (!r && q->alter) {
			alter = false;
			goto again;
		}
	}
	if (!alter) {
		alter = true;
		goto again;
	}
}

/* The caller's undo list, made on first use (Linux's get_undo_list). */
static struct sem_undo_list *undo_list(struct task *t, struct sem_ns *ns)
{
	struct sem_undo_list *ul = t->semundo;

	if (ul)
		return ul;
	ul = calloc(1, sizeof(*ul));
	if (!ul)
		return NULL;
	ref_init(&ul->ref);
	pthread_mutex_lock(&ns->lock);
	ul->id = ns->next_ulid++;
	if (!ns->next_ulid)
		ns->next_ulid = 1;
	pthread_mutex_unlock(&ns->lock);
	t->semundo = ul;
	return ul;
}

/*
 * semop and semtimedop, first or restarted: a timeout at @utimeout (a user struct
 * timespec; 0 for none) or, restarted, the @deadline it gave (on the sandbox's
 * CLOCK_MONOTONIC; -1 for none). An interruption without a handler restarts a wait
 * with a timeout through restart_syscall with the same deadline, so that a
 * checkpoint's takes only what was left after restore; without one it restarts as
 * it began.
 */
static long timedop(struct task *t, int id, u64 usops, u64 nsops, u64 utimeout,
		    s64 deadline)
{
	struct sem_ns *ns = ns_of(t->k);
	struct sem_queue q = { .t = t, .pid = t->tgid, .status = 1 };
	struct sembuf small[16], *sops = small;
	struct sem_undo *un = NULL;
	struct sem_set *s;
	bool undos = false;
	s64 host = -1;
	u32 max = 0;
	long ret;

	if (!ns)
		return -ENOMEM;
	if (nsops < 1 || id < 0)
		return -EINVAL;
	if (nsops > L_SEMOPM)
		return -E2BIG;
	if (nsops > 16 && !(sops = malloc(nsops * sizeof(*sops))))
		return -ENOMEM;
	ret = -EFAULT;
	if (mm_copy_in(t->mm, sops, usops, nsops * sizeof(*sops)))
		goto out_free;
	if (utimeout) {
		struct l_timespec ts;

		if (mm_copy_in(t->mm, &ts, utimeout, sizeof(ts)))
			goto out_free;
		ret = -EINVAL;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
			goto out_free;
		deadline = ktime_mono(&t->k->time) + ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	}
	if (deadline >= 0)
		host = MAX(ktime_to_host_mono(&t->k->time, CLOCK_MONOTONIC, deadline), 0);
	for (u32 i = 0; i < nsops; i++) {
		max = MAX(max, sops[i].sem_num);
		undos |= (sops[i].sem_flg & SEM_UNDO) != 0;
		q.alter |= sops[i].sem_op != 0;
	}
	if (undos) {
		ret = -ENOMEM;
		if (!undo_list(t, ns))
			goto out_free;
		q.ulid = t->semundo->id;
	}
	q.sops = sops;
	q.nsops = nsops;

	pthread_mutex_lock(&ns->lock);
	s = set_at(sysv_find_id(&ns->sets, OFF, id));
	ret = -EINVAL;
	if (!s)
		goto out_unlock;
	ret = -EFBIG;
	if (max >= s->nsems)
		goto out_unlock;
	ret = sysv_perms(t, &s->perm, q.alter ? 0222 : 0444);
	if (ret)
		goto out_unlock;
	if (undos && !(un = find_undo(s, q.ulid))) {
		ret = -ENOMEM;
		if (!(un = calloc(1, sizeof(*un))) ||
		    !(un->adj = calloc(s->nsems, sizeof(*un->adj)))) {
			free(un);
			goto out_unlock;
		}
		un->ulid = q.ulid;
		un->nsems = s->nsems;
		st_list_add_tail(&un->link, &s->undos);
	}
	ret = perform(s, sops, nsops, un, q.pid, &q.blocking);
	if (ret <= 0) {
		if (!ret) {
			s->otime = sysv_now(t);
			if (q.alter)
				update_queue(s, s->otime);
		}
		goto out_unlock;
	}
	/* Wait until a change completes it (status), the set goes (-EIDRM), a
	 * signal or a stop, or the timeout. */
	st_list_add_tail(&q.link, &s->pending);
	for (;;) {
		int br;

		pthread_mutex_unlock(&ns->lock);
		br = task_block(t, host);
		pthread_mutex_lock(&ns->lock);
		if (q.status != 1) {
			ret = q.status;
			break;
		}
		if (br == -EINTR) {
			st_list_del(&q.link);
			/* A signal or a stop: EINTR (Linux). A checkpoint's freeze:
			 * the wait starts over, its deadline kept. */
			ret = task_wait_signalled(t, 0) ? -EINTR : -ERESTARTNOHAND;
			if (ret == -ERESTARTNOHAND && deadline >= 0) {
				t->restart = (struct restart_block){
					.kind = RESTART_SEMTIMEDOP, .clockid = id,
					.deadline = deadline, .uaddr = usops, .val = nsops,
				};
				ret = -ERESTART_RESTARTBLOCK;
			}
			break;
		}
		if (host >= 0 && ktime_host_mono_now() >= host) {
			st_list_del(&q.link);
			ret = -EAGAIN;
			break;
		}
	}
out_unlock:
	pthread_mutex_unlock(&ns->lock);
out_free:
	if (sops != small)
		free(sops);
	return ret;
}

long sem_timedop(struct task *t, int id, u64 usops, u64 nsops, u64 utimeout)
{
	return timedop(t, id, usops, nsops, utimeout, -1);
}

long sem_restart(struct task *t, const struct restart_block *rb)
{
	return timedop(t, rb->clockid, rb->uaddr, rb->val, 0, rb->deadline);
}

/* Waiters for semaphore @num: decrementing (@zero false) or waiting for zero. */
static int count_waiters(struct sem_set *s, u32 num, bool zero)
{
	struct st_list *pos;
	int n = 0;

	st_list_for_each(pos, &s->pending) {
		const struct sembuf *b = container_of(pos, struct sem_queue, link)->blocking;

		if (b->sem_num == num && (zero ? b->sem_op == 0 : b->sem_op < 0))
			n++;
	}
	return n;
}

static void fill_ds(const struct sem_set *s, struct semid_ds *ds)
{
	memset(ds, 0, sizeof(*ds));
	ds->sem_perm.__key = s->perm.key;
	ds->sem_perm.uid = s->perm.uid;
	ds->sem_perm.gid = s->perm.gid;
	ds->sem_perm.cuid = s->perm.cuid;
	ds->sem_perm.cgid = s->perm.cgid;
	ds->sem_perm.mode = s->perm.mode;
	ds->sem_perm.__seq = s->perm.seq;
	ds->sem_otime = s->otime;
	ds->sem_ctime = s->perm.ctime;
	ds->sem_nsems = s->nsems;
}

/* A semaphore's undo adjustments go when its value is set (SETVAL, SETALL): @num,
 * or every one for -1. */
static void clear_undos(struct sem_set *s, int num)
{
	struct st_list *pos;

	st_list_for_each(pos, &s->undos) {
		struct sem_undo *u = container_of(pos, struct sem_undo, link);

		if (num < 0)
			memset(u->adj, 0, s->nsems * sizeof(*u->adj));
		else
			u->adj[num] = 0;
	}
}

static void rmid(struct sem_ns *ns, struct sem_set *s)
{
	while (!st_list_empty(&s->pending)) {
		struct sem_queue *q = container_of(s->pending.next, struct sem_queue, link);

		st_list_del(&q->link);
		q->status = -EIDRM;
		task_wake(q->t);
	}
	set_free(ns, s);
}

static long ctl_info(struct task *t, struct sem_ns *ns, int cmd, u64 arg)
{
	struct seminfo si = {
		.semmni = L_SEMMNI, .semmns = L_SEMMNS, .semmsl = L_SEMMSL,
		.semopm = L_SEMOPM, .semvmx = L_SEMVMX, .semmnu = SEMMNU,
		.semmap = SEMMAP, .semume = SEMUME, .semusz = SEMUSZ, .semaem = L_SEMAEM,
	};
	u32 n, max = sysv_max_idx(&ns->sets, OFF, &n);

	if (cmd == SEM_INFO) {
		si.semusz = n;
		si.semaem = ns->used_sems;
	}
	return mm_copy_out(t->mm, arg, &si, sizeof(si)) ? -EFAULT : (long)max;
}

/* GETALL, SETALL and the single-semaphore reads (Linux's semctl_main). */
static long ctl_main(struct task *t, struct sem_set *s, int num, int cmd, u64 arg)
{
	u16 *vals;
	long ret;

	if (cmd == GETALL || cmd == SETALL) {
		vals = malloc(s->nsems * sizeof(*vals));
		if (!vals)
			return -ENOMEM;
		if (cmd == GETALL) {
			memcpy(vals, s->val, s->nsems * sizeof(*vals));
			ret = mm_copy_out(t->mm, arg, vals, s->nsems * sizeof(*vals)) ? -EFAULT : 0;
			free(vals);
			return ret;
		}
		ret = -EFAULT;
		if (mm_copy_in(t->mm, vals, arg, s->nsems * sizeof(*vals)))
			goto out;
		ret = -ERANGE;
		for (u32 i = 0; i < s->nsems; i++)
			if (vals[i] > L_SEMVMX)
				goto out;
		clear_undos(s, -1);
		memcpy(s->val, vals, s->nsems * sizeof(*vals));
		for (u32 i = 0; i < s->nsems; i++)
			s->pid[i] = t->tgid;
		s->perm.ctime = sysv_now(t);
		update_queue(s, s->perm.ctime);
		ret = 0;
out:
		free(vals);
		return ret;
	}
	if (num < 0 || (u32)num >= s->nsems)
		return -EINVAL;
	switch (cmd) {
	case GETVAL:
		return s->val[num];
	case GETPID:
		return s->pid[num];
	case GETNCNT:
		return count_waiters(s, num, false);
	default:        /* GETZCNT */
		return count_waiters(s, num, true);
	}
}

long sem_ctl(struct task *t, int id, int num, int cmd, u64 arg)
{
	struct sem_ns *ns = ns_of(t->k);
	struct semid_ds ds;
	struct sem_set *s = NULL;
	long ret;

	if (!ns)
		return -ENOMEM;
	if (id < 0)
		return -EINVAL;
	cmd &= ~IPC_64;
	if (cmd == SETVAL && ((int)arg > L_SEMVMX || (int)arg < 0))
		return -ERANGE;
	if (cmd == IPC_SET && mm_copy_in(t->mm, &ds, arg, sizeof(ds)))
		return -EFAULT;
	pthread_mutex_lock(&ns->lock);
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO:
		ret = ctl_info(t, ns, cmd, arg);
		goto out;
	case SEM_STAT:
	case SEM_STAT_ANY:
	case IPC_STAT:
		/* SEM_STAT's @id is an index, its answer the full id. */
		s = set_at(sysv_stat_find(t, &ns->sets, OFF, id, cmd != IPC_STAT,
					  cmd == SEM_STAT_ANY, &ret));
		if (!s)
			goto out;
		fill_ds(s, &ds);
		ret = mm_copy_out(t->mm, arg, &ds, sizeof(ds)) ? -EFAULT :
		      cmd == IPC_STAT ? 0 : (long)sysv_id(&s->perm);
		goto out;
	case GETALL: case GETVAL: case GETPID: case GETNCNT: case GETZCNT:
	case SETALL: case SETVAL: case IPC_SET: case IPC_RMID:
		break;
	default:
		ret = -EINVAL;
		goto out;
	}
	s = set_at(sysv_find_id(&ns->sets, OFF, id));
	ret = -EINVAL;
	if (!s)
		goto out;
	switch (cmd) {
	case IPC_SET:
	case IPC_RMID:
		ret = sysv_owner(t, &s->perm);
		if (ret)
			break;
		if (cmd == IPC_SET)
			sysv_set(t, &s->perm, ds.sem_perm.uid, ds.sem_perm.gid, ds.sem_perm.mode);
		else
			rmid(ns, s);
		break;
	case SETVAL:
		ret = -EINVAL;
		if (num < 0 || (u32)num >= s->nsems)
			break;
		ret = sysv_perms(t, &s->perm, 0222);
		if (ret)
			break;
		clear_undos(s, num);
		s->val[num] = (u16)arg;
		s->pid[num] = t->tgid;
		s->perm.ctime = sysv_now(t);
		update_queue(s, s->perm.ctime);
		break;
	default:
		ret = sysv_perms(t, &s->perm, cmd == SETALL ? 0222 : 0444);
		if (!ret)
			ret = ctl_main(t, s, num, cmd, arg);
	}
out:
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

int sem_undo_clone(struct task *parent, struct task *child, bool share)
{
	child->semundo = NULL;
	if (!share)
		return 0;
	if (!parent->semundo) {
		struct sem_ns *ns = ns_of(parent->k);

		if (!ns || !undo_list(parent, ns))
			return -ENOMEM;
	}
	ref_get(&parent->semundo->ref);
	child->semundo = parent->semundo;
	return 0;
}

void sem_undo_exit(struct task *t)
{
	struct sem_undo_list *ul = t->semundo;
	struct sem_ns *ns = t->k->sem;
	struct st_list *pos;

	t->semundo = NULL;
	if (!ul || !ref_put(&ul->ref))
		return;
	if (ns) {
		s64 now = sysv_now(t);

		/* Linux's exit_sem: each adjustment applied, the value kept within
		 * 0..SEMVMX, the exiting process named as the last to change it. */
		pthread_mutex_lock(&ns->lock);
		st_list_for_each(pos, &ns->sets) {
			struct sem_set *s = container_of(pos, struct sem_set, link);
			struct sem_undo *u = find_undo(s, ul->id);

			if (!u)
				continue;
			for (u32 i = 0; i < s->nsems; i++) {
				int v = s->val[i] + u->adj[i];

				if (!u->adj[i])
					continue;
				s->val[i] = (u16)(v < 0 ? 0 : MIN(v, L_SEMVMX));
				s->pid[i] = t->tgid;
			}
			undo_free(u);
			update_queue(s, now);
		}
		pthread_mutex_unlock(&ns->lock);
	}
	free(ul);
}
