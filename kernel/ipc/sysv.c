/*
 * System V IPC's common part (see sysv.h): ipcperms, the owner check and the id
 * scheme of Linux's ipc/util.c, shared by semaphores and message queues.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ipc/sysv.h"
#include "kernel.h"
#include "task/task.h"
#include "time/ktime.h"

s64 sysv_now(struct task *t)
{
	s64 ns = 0;

	ktime_get(&t->k->time, CLOCK_REALTIME, &ns);
	return ns / NSEC_PER_SEC;
}

static bool in_groups(const struct task *t, u32 gid)
{
	if (t->egid == gid)
		return true;
	for (u32 i = 0; i < t->ngroups; i++)
		if (t->groups[i] == gid)
			return true;
	return false;
}

int sysv_ipcperms(const struct task *t, u32 uid, u32 gid, u32 cuid, u32 cgid, u32 mode,
		  int flag)
{
	u32 want = (flag >> 6 | flag >> 3 | flag) & 7, granted = mode;

	if (t->euid == cuid || t->euid == uid)
		granted >>= 6;
	else if (in_groups(t, cgid) || in_groups(t, gid))
		granted >>= 3;
	if ((want & ~granted & 7) && !task_capable(t, SYSV_CAP_IPC_OWNER))
		return -EACCES;
	return 0;
}

int sysv_perms(const struct task *t, const struct sysv_perm *p, int flag)
{
	return sysv_ipcperms(t, p->uid, p->gid, p->cuid, p->cgid, p->mode, flag);
}

int sysv_owner(const struct task *t, const struct sysv_perm *p)
{
	if (t->euid == p->uid || t->euid == p->cuid || task_capable(t, SYSV_CAP_SYS_ADMIN))
		return 0;
	return -EPERM;
}

struct st_list *sysv_find_idx(struct st_list *head, ptrdiff_t off, u32 idx)
{
	struct st_list *pos;

	st_list_for_each(pos, head)
		if (sysv_perm_at(pos, off)->idx == idx)
			return pos;
	return NULL;
}

void *sysv_ns_get(void **slot, size_t size, void (*init)(void *ns))
{
	static pthread_mutex_t make_lock = PTHREAD_MUTEX_INITIALIZER;
	void *ns;

	pthread_mutex_lock(&make_lock);
	ns = *slot;
	if (!ns) {
		ns = calloc(1, size);
		if (ns) {
			init(ns);
			*slot = ns;
		}
	}
	pthread_mutex_unlock(&make_lock);
	return ns;
}

struct st_list *sysv_find_id(struct st_list *head, ptrdiff_t off, int id)
{
	struct st_list *pos;

	if (id < 0)
		return NULL;
	pos = sysv_find_idx(head, off, (u32)id % SYSV_IDX_MAX);
	if (pos && sysv_perm_at(pos, off)->seq != (u32)id / SYSV_IDX_MAX)
		return NULL;
	return pos;
}

struct st_list *sysv_find_key(struct st_list *head, ptrdiff_t off, s32 key)
{
	struct st_list *pos;

	st_list_for_each(pos, head)
		if (sysv_perm_at(pos, off)->key == key)
			return pos;
	return NULL;
}

int sysv_new(struct task *t, struct st_list *head, ptrdiff_t off, u32 *next_seq, u32 max,
	     s32 key, int flags, struct sysv_perm *p, struct st_list **at)
{
	struct st_list *pos;
	u32 idx = 0, count = 0;

	*at = head;
	st_list_for_each(pos, head) {
		count++;
		if (*at == head) {
			if (sysv_perm_at(pos, off)->idx == idx)
				idx++;
			else
				*at = pos;      /* insert before the first index above a gap */
		}
	}
	if (count >= max || idx >= SYSV_IDX_MAX)
		return -ENOSPC;
	p->key = key;
	p->uid = p->cuid = t->euid;
	p->gid = p->cgid = t->egid;
	p->mode = flags & 0777;
	p->idx = idx;
	p->seq = *next_seq;
	*next_seq = *next_seq >= SYSV_SEQ_MAX ? 0 : *next_seq + 1;
	p->ctime = sysv_now(t);
	return 0;
}

u32 sysv_max_idx(struct st_list *head, ptrdiff_t off, u32 *n)
{
	struct st_list *pos;
	u32 m = 0;

	*n = 0;
	st_list_for_each(pos, head) {
		m = sysv_perm_at(pos, off)->idx;
		(*n)++;
	}
	return m;
}

struct st_list *sysv_stat_find(const struct task *t, struct st_list *head, ptrdiff_t off,
			       int id, bool by_idx, bool any, long *err)
{
	struct st_list *pos;

	if (by_idx)
		pos = sysv_find_idx(head, off, (u32)id % SYSV_IDX_MAX);
	else
		pos = sysv_find_id(head, off, id);
	*err = -EINVAL;
	if (!pos)
		return NULL;
	*err = any ? 0 : sysv_perms(t, sysv_perm_at(pos, off), 0444);
	return *err ? NULL : pos;
}

int sysv_check_loaded(struct st_list *head, ptrdiff_t off)
{
	struct st_list *pos;
	bool first = true;
	u32 last = 0;

	st_list_for_each(pos, head) {
		const struct sysv_perm *p = sysv_perm_at(pos, off);

		if (p->idx >= SYSV_IDX_MAX || p->seq > SYSV_SEQ_MAX || (!first && p->idx <= last))
			return -EINVAL;
		last = p->idx;
		first = false;
	}
	return 0;
}

void sysv_set(struct task *t, struct sysv_perm *p, u32 uid, u32 gid, u32 mode)
{
	p->uid = uid;
	p->gid = gid;
	p->mode = (p->mode & ~0777u) | (mode & 0777);
	p->ctime = sysv_now(t);
}
