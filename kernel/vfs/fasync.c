/*
 * Signal-driven I/O: the fasync lists of files with O_ASYNC and the SIGIO they
 * send (the model is above struct fasync in vfs.h). After Linux's fs/fcntl.c:
 * fasync_helper, kill_fasync, send_sigio, send_sigio_to_task, sigio_perm.
 *
 * Lock order: an object's lock, then nothing (fasync_helper, fasync_kill);
 * fasync_flush holds no object lock and takes vfs_owner_lock (a leaf, dropped
 * before sending), then kernel->lock, then the sighand locks (sig_send).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>

#include "base/log.h"
#include "kernel.h"
#include "task/task.h"
#include "vfs/vfs.h"

pthread_mutex_t vfs_owner_lock = PTHREAD_MUTEX_INITIALIZER;

/* A signal to send for @f: queued by fasync_kill, sent by fasync_flush. */
struct fasync_note {
	struct vfs_file *f;     /* referenced */
	struct kernel *k;
	s32 fd;
	s32 band;
};

/* This thread's queue: taken whole by fasync_flush, freed when sent. */
static __thread struct fasync_note *notes;
static __thread u32 nnotes, capnotes;

int fasync_helper(struct st_list *list, struct vfs_file *f, int fd, bool on)
{
	struct st_list *p;
	struct fasync *fa;

	st_list_for_each(p, list) {
		fa = container_of(p, struct fasync, link);
		if (fa->file != f)
			continue;
		if (on) {
			fa->fd = fd;
			return 0;
		}
		st_list_del(&fa->link);
		free(fa);
		return 0;
	}
	if (!on)
		return 0;
	fa = malloc(sizeof(*fa));
	if (!fa)
		return -ENOMEM;
	fa->file = f;
	fa->fd = fd;
	st_list_add_tail(&fa->link, list);
	return 1;
}

void fasync_list_free(struct st_list *list)
{
	while (!st_list_empty(list)) {
		struct fasync *fa = container_of(list->next, struct fasync, link);

		st_list_del(&fa->link);
		free(fa);
	}
}

void fasync_kill(struct st_list *list, int band)
{
	struct task *t = task_current;
	struct st_list *p;

	/* Every reader of these objects is a task thread (vfs.h): another thread
	 * (a teardown) has no one left to tell. */
	if (st_list_empty(list) || !t)
		return;
	st_list_for_each(p, list) {
		struct fasync *fa = container_of(p, struct fasync, link);

		if (nnotes == capnotes) {
			u32 cap = capnotes ? capnotes * 2 : 8;
			struct fasync_note *n = realloc(notes, cap * sizeof(*n));

			if (!n)
				return;         /* out of memory: the signal is lost */
			notes = n;
			capnotes = cap;
		}
		/* A file in its last put is still listed until its ->fasync(off). */
		if (!ref_try_get(&fa->file->ref))
			continue;
		notes[nnotes++] = (struct fasync_note){ fa->file, t->k, fa->fd, band };
	}
}

/* Linux's sigio_perm: the owner's credentials, recorded by F_SETOWN, against the
 * target's. */
static bool sigio_perm(const struct task *p, u32 uid, u32 euid)
{
	return euid == 0 || euid == p->suid || euid == p->uid || uid == p->suid ||
	       uid == p->uid;
}

/* Linux's sig_specific_sicodes: signals whose si_code values mean something of
 * their own, so a POLL_* code would be ambiguous. */
static bool sig_specific_codes(int sig)
{
	return sig == SIGILL || sig == SIGFPE || sig == SIGSEGV || sig == SIGBUS ||
	       sig == SIGTRAP || sig == SIGCHLD || sig == SIGIO || sig == SIGSYS;
}

/* si_band for each POLL_* code, Linux's band_table. */
static const s64 band_table[] = {
	[L_POLL_IN] = POLLIN | POLLRDNORM,
	[L_POLL_OUT] = POLLOUT | POLLWRNORM | POLLWRBAND,
	[L_POLL_MSG] = POLLIN | POLLRDNORM | POLLMSG,
	[L_POLL_ERR] = POLLERR,
	[L_POLL_PRI] = POLLPRI | POLLRDBAND,
	[L_POLL_HUP] = POLLHUP | POLLERR,
};

/* Sends one note's signal to @p (@group: to its process), Linux's
 * send_sigio_to_task. kernel->lock held. */
static void send_to(struct task *p, bool group, int sig, const struct l_siginfo *info)
{
	struct l_siginfo plain = { .signo = SIGIO, .code = L_SI_KERNEL };

	if (sig) {
		int err = group ? sig_send_group(p->tg, info, false)
				: sig_send(p, info, false, false);

		/* A real-time signal that cannot be queued falls back to SIGIO. */
		if (!err)
			return;
	}
	if (group)
		sig_send_group(p->tg, &plain, false);
	else
		sig_send(p, &plain, false, false);
}

/* Linux's send_sigio for one note. */
static void send_note(const struct fasync_note *n)
{
	struct vfs_file *f = n->f;
	struct kernel *k = n->k;
	struct l_siginfo info = { 0 };
	u32 id, uid, euid;
	s32 type;
	int sig;

	pthread_mutex_lock(&vfs_owner_lock);
	type = f->owner_type;
	id = f->owner_id;
	sig = f->owner_sig;
	uid = f->owner_uid;
	euid = f->owner_euid;
	pthread_mutex_unlock(&vfs_owner_lock);
	if (!id)
		return;         /* no owner: nothing is sent */
	info.signo = sig;
	info.code = sig != SIGIO && sig_specific_codes(sig) ? L_SI_SIGIO : n->band;
	info.poll.band = band_table[n->band];
	info.poll.fd = n->fd;

	pthread_mutex_lock(&k->lock);
	if (type == F_OWNER_PGRP) {
		struct st_list *l;

		st_list_for_each(l, &k->tgs) {
			struct thread_group *tg = container_of(l, struct thread_group, tglink);

			if (tg->pgid == id && !tg->zombie && tg->leader &&
			    sigio_perm(tg->leader, uid, euid))
				send_to(tg->leader, true, sig, &info);
		}
	} else {
		/* F_OWNER_PID names a process through any of its threads' ids, as
		 * Linux's pid_task(PIDTYPE_PID) then a group-wide send. */
		struct task *p = kernel_find_task(k, id);

		if (p && p->tg && sigio_perm(p, uid, euid))
			send_to(p, type == F_OWNER_PID, sig, &info);
	}
	pthread_mutex_unlock(&k->lock);
}

void fasync_flush(void)
{
	while (nnotes) {
		struct fasync_note *batch = notes;
		u32 n = nnotes;

		/* A put below may release a file whose release queues more. */
		notes = NULL;
		nnotes = capnotes = 0;
		for (u32 i = 0; i < n; i++)
			send_note(&batch[i]);
		for (u32 i = 0; i < n; i++)
			vfs_file_put(batch[i].f);
		free(batch);
	}
}

bool vfs_owner_exists(struct task *t, u32 id)
{
	bool found;

	pthread_mutex_lock(&t->k->lock);
	found = kernel_pid_in_use(t->k, id);
	pthread_mutex_unlock(&t->k->lock);
	return found;
}

int vfs_setown(struct task *t, struct vfs_file *f, int who)
{
	u32 id = who < 0 ? -(u32)who : (u32)who;

	if (who == INT_MIN)
		return -EINVAL;
	if (id && !vfs_owner_exists(t, id))
		return -ESRCH;
	vfs_owner_set(t, f, who < 0 ? F_OWNER_PGRP : F_OWNER_PID, id, true);
	return 0;
}

int vfs_getown(struct vfs_file *f)
{
	int who;

	pthread_mutex_lock(&vfs_owner_lock);
	who = f->owner_type == F_OWNER_PGRP ? -(int)f->owner_id : (int)f->owner_id;
	pthread_mutex_unlock(&vfs_owner_lock);
	return who;
}

void vfs_owner_set(struct task *t, struct vfs_file *f, s32 type, u32 id, bool force)
{
	pthread_mutex_lock(&vfs_owner_lock);
	if (force || !f->owner_id) {
		f->owner_type = type;
		f->owner_id = id;
		if (id && t) {
			f->owner_uid = t->uid;
			f->owner_euid = t->euid;
		}
	}
	pthread_mutex_unlock(&vfs_owner_lock);
}
