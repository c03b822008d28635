/*
 * What System V semaphores (sem.c) and message queues (msg.c) share, after Linux's
 * ipc/util.c: an object's permission record, ipcperms, the owner-or-creator rule of
 * IPC_SET and IPC_RMID, and the id scheme (seq * SYSV_IDX_MAX + index, the lowest
 * free index, a sequence number per namespace). Each object type keeps its objects
 * in an st_list ordered by index, each object holding a struct sysv_perm at a fixed
 * distance from its list link: the helpers take that distance (SYSV_OFF).
 */
#ifndef SBX_IPC_SYSV_H
#define SBX_IPC_SYSV_H

#include <stddef.h>

#include "base/types.h"
#include "save.h"
#include "st_list.h"

struct task;

#define SYSV_IDX_MAX 32768              /* Linux's IPCMNI */
#define SYSV_SEQ_MAX (0x7fffffff / SYSV_IDX_MAX)
#define SYSV_CAP_IPC_OWNER 15
#define SYSV_CAP_SYS_ADMIN 21
#define SYSV_CAP_SYS_RESOURCE 24

SAVABLE struct sysv_perm {
	s32 key;                        /* IPC_PRIVATE (0) for private objects */
	u32 uid, gid, cuid, cgid;
	u32 mode;                       /* the permission bits */
	u32 idx, seq;                   /* the id is seq * SYSV_IDX_MAX + idx */
	s64 ctime;                      /* last change, seconds, CLOCK_REALTIME */
};

/* The distance from an object's list link to its sysv_perm. */
#define SYSV_OFF(type, link, perm) \
	((ptrdiff_t)offsetof(type, perm) - (ptrdiff_t)offsetof(type, link))

static inline struct sysv_perm *sysv_perm_at(struct st_list *pos, ptrdiff_t off)
{
	return (struct sysv_perm *)((char *)pos + off);
}

static inline u32 sysv_id(const struct sysv_perm *p)
{
	return p->seq * SYSV_IDX_MAX + p->idx;
}

/* Linux's ipcperms: 0 if @t may access an object of owner @uid:@gid, creator
 * @cuid:@cgid and permission bits @mode for the rwx bits in @flag's low 9, else
 * -EACCES. sysv_perms: the same for a sysv_perm. */
int sysv_ipcperms(const struct task *t, u32 uid, u32 gid, u32 cuid, u32 cgid, u32 mode,
		  int flag);
int sysv_perms(const struct task *t, const struct sysv_perm *p, int flag);
/* IPC_SET's and IPC_RMID's check (ipcctl_obtain_check): 0 or -EPERM. */
int sysv_owner(const struct task *t, const struct sysv_perm *p);
/* The sandbox's namespace for one kind of object, in *@slot (a field of struct
 * kernel): made by the first call, @size zeroed bytes set up by @init (one lock
 * for all kinds, taken only here). NULL if out of memory. */
void *sysv_ns_get(void **slot, size_t size, void (*init)(void *ns));
/* The object with id @id (list link), or NULL: Linux's EINVAL. */
struct st_list *sysv_find_id(struct st_list *head, ptrdiff_t off, int id);
/* The object at index @idx (SEM_STAT, MSG_STAT), or NULL. */
struct st_list *sysv_find_idx(struct st_list *head, ptrdiff_t off, u32 idx);
struct st_list *sysv_find_key(struct st_list *head, ptrdiff_t off, s32 key);
/* Fills @p for a new object of @t's: key, owner, mode from @flags, the lowest free
 * index and the next sequence number; *at is where to insert its link. -ENOSPC with
 * @max objects already. */
int sysv_new(struct task *t, struct st_list *head, ptrdiff_t off, u32 *next_seq, u32 max,
	     s32 key, int flags, struct sysv_perm *p, struct st_list **at);
/* The highest index in use (IPC_INFO's answer), 0 if none; the count in *n. */
u32 sysv_max_idx(struct st_list *head, ptrdiff_t off, u32 *n);
/* IPC_STAT's (by id, read permission), X_STAT's (by index, read permission) and
 * X_STAT_ANY's (by index) lookup: the object's link, or NULL and *err (-EINVAL,
 * -EACCES). */
struct st_list *sysv_stat_find(const struct task *t, struct st_list *head, ptrdiff_t off,
			       int id, bool by_idx, bool any, long *err);
/* Checks a loaded list: indexes ascending and in range. */
int sysv_check_loaded(struct st_list *head, ptrdiff_t off);
/* IPC_SET's part that every type shares, from an ipc64_perm's fields. */
void sysv_set(struct task *t, struct sysv_perm *p, u32 uid, u32 gid, u32 mode);
s64 sysv_now(struct task *t);

#endif
