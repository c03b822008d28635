/*
 * System V shared memory (see shm.h): shmget, shmat, shmdt and shmctl, with Linux's
 * checks in Linux's order (ipc/util.c ipcget, ipcperms; ipc/shm.c newseg, do_shmat,
 * ksys_shmdt, shmctl_*).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>

#include "ipc/shm.h"
#include "ipc/sysv.h"
#include "kernel.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"
#include "time/ktime.h"

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#define L_CAP_IPC_LOCK 14
#define L_CAP_SYS_ADMIN 21

/* The sandbox's namespace, made by the first call (an image older than SysV shm has
 * none either). */
static void ns_init(void *o)
{
	struct shm_ns *ns = o;

	st_list_init(&ns->segs);
	pthread_mutex_init(&ns->lock, NULL);
}

static struct shm_ns *ns_of(struct kernel *k)
{
	return sysv_ns_get((void **)&k->shm, sizeof(struct shm_ns), ns_init);
}

int shm_ns_after_load(void *o, void *ctx)
{
	struct shm_ns *ns = o;
	struct st_list *pos;
	u32 last = 0;
	bool first = true;

	(void)ctx;
	pthread_mutex_init(&ns->lock, NULL);
	st_list_for_each(pos, &ns->segs) {
		struct shm_seg *s = container_of(pos, struct shm_seg, link);

		if (!s->pages || s->idx >= SHM_IDX_MAX || s->seq > SHM_SEQ_MAX ||
		    (!first && s->idx <= last))
			return -EINVAL;
		last = s->idx;
		first = false;
	}
	return 0;
}

static s64 now_sec(struct task *t)
{
	s64 ns = 0;

	ktime_get(&t->k->time, CLOCK_REALTIME, &ns);
	return ns / NSEC_PER_SEC;
}

static u32 seg_id(const struct shm_seg *s)
{
	return s->seq * SHM_IDX_MAX + s->idx;
}

static u64 nattch(const struct shm_seg *s)
{
	u64 n;

	pthread_mutex_lock(&s->pages->lock);
	n = s->pages->maps;
	pthread_mutex_unlock(&s->pages->lock);
	return n;
}

static void seg_free(struct shm_seg *s)
{
	st_list_del(&s->link);
	mf_pages_put(s->pages);
	free(s);
}

/* Frees the removed segments nothing maps any more (see shm.h). ns->lock held. */
static void reap(struct shm_ns *ns)
{
	struct st_list *pos = ns->segs.next;

	while (pos != &ns->segs) {
		struct shm_seg *s = container_of(pos, struct shm_seg, link);

		pos = pos->next;
		if ((s->mode & SHM_DEST) && !nattch(s))
			seg_free(s);
	}
}

static struct shm_seg *find_id(struct shm_ns *ns, int id)
{
	struct st_list *pos;

	if (id < 0)
		return NULL;
	st_list_for_each(pos, &ns->segs) {
		struct shm_seg *s = container_of(pos, struct shm_seg, link);

		if (s->idx == (u32)id % SHM_IDX_MAX)
			return s->seq == (u32)id / SHM_IDX_MAX ? s : NULL;
	}
	return NULL;
}

static struct shm_seg *find_key(struct shm_ns *ns, s32 key)
{
	struct st_list *pos;

	st_list_for_each(pos, &ns->segs) {
		struct shm_seg *s = container_of(pos, struct shm_seg, link);

		if (s->key == key && !(s->mode & SHM_DEST))
			return s;
	}
	return NULL;
}

/* Linux's ipcperms: 0 if @t may access @s for the rwx bits in @flag's low 9. */
static int perms(const struct task *t, const struct shm_seg *s, int flag)
{
	return sysv_ipcperms(t, s->uid, s->gid, s->cuid, s->cgid, s->mode, flag);
}

static long newseg(struct task *t, struct shm_ns *ns, s32 key, u64 size, int flags)
{
	u64 npages = (size + PAGE_SIZE - 1) / PAGE_SIZE, total = 0;
	struct st_list *pos, *at = &ns->segs;
	struct shm_seg *s;
	u32 idx = 0, count = 0;
	int err;

	if (size < L_SHMMIN || size > L_SHMMAX)
		return -EINVAL;
	if (npages * PAGE_SIZE < size)
		return -ENOSPC;
	/* The lowest free index; the total against shmall. */
	st_list_for_each(pos, &ns->segs) {
		struct shm_seg *o = container_of(pos, struct shm_seg, link);

		total += (o->size + PAGE_SIZE - 1) / PAGE_SIZE;
		count++;
		if (at == &ns->segs) {
			if (o->idx == idx)
				idx++;
			else
				at = pos;       /* insert before the first index above a gap */
		}
	}
	if (total + npages < total || total + npages > L_SHMALL)
		return -ENOSPC;
	if (count >= L_SHMMNI || idx >= SHM_IDX_MAX)
		return -ENOSPC;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = mf_pages_new(t->k->mf, &s->pages);
	if (err) {
		free(s);
		return err;
	}
	s->pages->size = npages * PAGE_SIZE;
	s->idx = idx;
	s->seq = ns->next_seq;
	ns->next_seq = ns->next_seq >= SHM_SEQ_MAX ? 0 : ns->next_seq + 1;
	s->key = key;
	s->uid = s->cuid = t->euid;
	s->gid = s->cgid = t->egid;
	s->mode = flags & 0777;
	s->size = size;
	s->ctime = now_sec(t);
	s->cpid = t->tgid;
	{
		char name[32];

		snprintf(name, sizeof(name), "/SYSV%08x (deleted)", (u32)key);
		mf_pages_set_name(s->pages, name);
	}
	st_list_add_tail(&s->link, at);
	return seg_id(s);
}

long shm_get(struct task *t, s32 key, u64 size, int flags)
{
	struct shm_ns *ns = ns_of(t->k);
	struct shm_seg *s;
	long ret;

	if (!ns)
		return -ENOMEM;
	pthread_mutex_lock(&ns->lock);
	reap(ns);
	if (key == IPC_PRIVATE) {
		ret = newseg(t, ns, key, size, flags);
		goto out;
	}
	s = find_key(ns, key);
	if (!s) {
		ret = flags & IPC_CREAT ? newseg(t, ns, key, size, flags) : -ENOENT;
		goto out;
	}
	if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
		ret = -EEXIST;
	else if (perms(t, s, flags))
		ret = -EACCES;
	else if (size > s->size)
		ret = -EINVAL;
	else
		ret = seg_id(s);
out:
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

long shm_at(struct task *t, int id, u64 addr, int flags)
{
	struct shm_ns *ns = ns_of(t->k);
	int prot = PROT_READ, acc = 0444, mflags = MAP_SHARED;
	struct shm_seg *s;
	long ret;

	if (!ns)
		return -ENOMEM;
	if (id < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (PAGE_SIZE - 1)) {
			if (!(flags & SHM_RND))
				return -EINVAL;
			addr &= ~(u64)(PAGE_SIZE - 1);
			if (!addr && !(flags & SHM_REMAP))
				return -EINVAL;
		}
		mflags |= flags & SHM_REMAP ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	} else if (flags & SHM_REMAP) {
		return -EINVAL;
	}
	if (!(flags & SHM_RDONLY)) {
		prot |= PROT_WRITE;
		acc |= 0222;
	}
	if (flags & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= 0111;
	}
	pthread_mutex_lock(&ns->lock);
	reap(ns);
	s = find_id(ns, id);
	ret = -EINVAL;
	if (!s)
		goto out;
	ret = -EACCES;
	if (perms(t, s, acc))
		goto out;
	ret = mm_mmap_pages(t->mm, addr, s->size, prot, mflags, s->pages, 0,
			    !(flags & SHM_RDONLY));
	if (ret == -EEXIST)
		ret = -EINVAL;
	if (ret >= 0) {
		s->atime = now_sec(t);
		s->lpid = t->tgid;
	}
out:
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

long shm_dt(struct task *t, u64 addr)
{
	struct shm_ns *ns = ns_of(t->k);
	struct st_list *pos;
	struct mf_pages *p;
	u64 pgoff;
	long ret = -EINVAL;

	if (!ns)
		return -ENOMEM;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	pthread_mutex_lock(&ns->lock);
	p = mm_pages_at(t->mm, addr, &pgoff);
	st_list_for_each(pos, &ns->segs) {
		struct shm_seg *s = container_of(pos, struct shm_seg, link);

		if (!p || s->pages != p || pgoff)
			continue;
		/* Every VMA of this segment within the attach's size from @addr, as
		 * Linux's ksys_shmdt unmaps them (a split attach included). */
		mm_unmap_pages_range(t->mm, addr, addr + PAGE_ALIGN(s->size), p);
		s->dtime = now_sec(t);
		s->lpid = t->tgid;
		ret = 0;
		break;
	}
	if (p)
		mf_pages_put(p);
	reap(ns);
	pthread_mutex_unlock(&ns->lock);
	return ret;
}

static void fill_ds(struct task *t, const struct shm_seg *s, struct shmid_ds *ds)
{
	(void)t;
	memset(ds, 0, sizeof(*ds));
	ds->shm_perm.__key = s->key;
	ds->shm_perm.uid = s->uid;
	ds->shm_perm.gid = s->gid;
	ds->shm_perm.cuid = s->cuid;
	ds->shm_perm.cgid = s->cgid;
	ds->shm_perm.mode = s->mode;
	ds->shm_perm.__seq = s->seq;
	ds->shm_segsz = s->size;
	ds->shm_atime = s->atime;
	ds->shm_dtime = s->dtime;
	ds->shm_ctime = s->ctime;
	ds->shm_cpid = s->cpid;
	ds->shm_lpid = s->lpid;
	ds->shm_nattch = nattch(s);
}

/* The highest index in use (IPC_INFO's and SHM_INFO's answer), 0 if none. */
static u32 max_idx(struct shm_ns *ns)
{
	u32 m = 0;
	struct st_list *pos;

	st_list_for_each(pos, &ns->segs)
		m = container_of(pos, struct shm_seg, link)->idx;
	return m;
}

long shm_ctl(struct task *t, int id, int cmd, u64 buf)
{
	struct shm_ns *ns = ns_of(t->k);
	struct shmid_ds ds;
	struct shm_seg *s = NULL;
	struct st_list *pos;
	long ret = 0;

	if (!ns)
		return -ENOMEM;
	if (cmd < 0 || id < 0)
		return -EINVAL;
	if (cmd == IPC_SET && mm_copy_in(t->mm, &ds, buf, sizeof(ds)))
		return -EFAULT;
	pthread_mutex_lock(&ns->lock);
	reap(ns);
	switch (cmd) {
	case IPC_INFO: {
		struct shminfo si = {
			.shmmax = L_SHMMAX, .shmmin = L_SHMMIN, .shmmni = L_SHMMNI,
			.shmseg = L_SHMMNI, .shmall = L_SHMALL,
		};

		ret = mm_copy_out(t->mm, buf, &si, sizeof(si)) ? -EFAULT : (long)max_idx(ns);
		goto out;
	}
	case SHM_INFO: {
		struct shm_info si = { 0 };

		st_list_for_each(pos, &ns->segs) {
			struct shm_seg *o = container_of(pos, struct shm_seg, link);

			si.used_ids++;
			si.shm_tot += (o->size + PAGE_SIZE - 1) / PAGE_SIZE;
			pthread_mutex_lock(&o->pages->lock);
			si.shm_rss += o->pages->npresent;
			pthread_mutex_unlock(&o->pages->lock);
		}
		ret = mm_copy_out(t->mm, buf, &si, sizeof(si)) ? -EFAULT : (long)max_idx(ns);
		goto out;
	}
	case SHM_STAT:
	case SHM_STAT_ANY:
		/* @id is an index here; the answer is the full id. */
		st_list_for_each(pos, &ns->segs)
			if (container_of(pos, struct shm_seg, link)->idx == (u32)id % SHM_IDX_MAX)
				s = container_of(pos, struct shm_seg, link);
		ret = -EINVAL;
		if (!s)
			goto out;
		ret = -EACCES;
		if (cmd == SHM_STAT && perms(t, s, 0444))
			goto out;
		fill_ds(t, s, &ds);
		ret = mm_copy_out(t->mm, buf, &ds, sizeof(ds)) ? -EFAULT : (long)seg_id(s);
		goto out;
	}
	s = find_id(ns, id);
	ret = -EINVAL;
	if (!s)
		goto out;
	switch (cmd) {
	case IPC_STAT:
		ret = -EACCES;
		if (perms(t, s, 0444))
			goto out;
		fill_ds(t, s, &ds);
		ret = mm_copy_out(t->mm, buf, &ds, sizeof(ds)) ? -EFAULT : 0;
		break;
	case IPC_SET:
	case IPC_RMID:
		/* Linux's ipcctl_obtain_check: the owner, the creator, or CAP_SYS_ADMIN. */
		ret = -EPERM;
		if (t->euid != s->uid && t->euid != s->cuid &&
		    !task_capable(t, L_CAP_SYS_ADMIN))
			goto out;
		ret = 0;
		if (cmd == IPC_SET) {
			s->uid = ds.shm_perm.uid;
			s->gid = ds.shm_perm.gid;
			s->mode = (s->mode & ~0777u) | (ds.shm_perm.mode & 0777);
			s->ctime = now_sec(t);
		} else {
			s->mode |= SHM_DEST;
			s->key = IPC_PRIVATE;   /* Linux: no new attach by key */
			if (!nattch(s))
				seg_free(s);
		}
		break;
	case SHM_LOCK:
	case SHM_UNLOCK:
		/* Only the flag: the sandbox's pages are never swapped by it anyway, and
		 * RLIMIT_MEMLOCK is not charged. */
		ret = -EPERM;
		if (!task_capable(t, L_CAP_IPC_LOCK) && t->euid != s->uid && t->euid != s->cuid)
			goto out;
		if (cmd == SHM_LOCK && !task_capable(t, L_CAP_IPC_LOCK) &&
		    !t->rlim[RLIMIT_MEMLOCK].cur)
			goto out;
		ret = 0;
		if (cmd == SHM_LOCK)
			s->mode |= SHM_LOCKED;
		else
			s->mode &= ~SHM_LOCKED;
		break;
	default:
		ret = -EINVAL;
	}
out:
	pthread_mutex_unlock(&ns->lock);
	return ret;
}
