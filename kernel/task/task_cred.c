/*
 * The set*id family (after Linux's kernel/sys.c): a task's real, effective and saved
 * user and group ids. The sandbox keeps no capability sets: a task whose effective
 * uid is 0 holds CAP_SETUID and CAP_SETGID, as root in a user namespace does, and
 * loses them with that uid. Credentials belong to a task, not its group, as in Linux;
 * glibc makes a process-wide change by signalling every thread (SIGSETXID). There are
 * no filesystem ids (setfsuid) yet: file access uses the effective ids.
 */
#include <errno.h>

#include "task/task.h"

#define ID_KEEP ((u32)-1)

struct ids {
	u32 *r, *e, *s;
};

static struct ids ids_of(struct task *t, bool gid)
{
	return gid ? (struct ids){ &t->gid, &t->egid, &t->sgid }
		   : (struct ids){ &t->uid, &t->euid, &t->suid };
}

static bool capable_setid(const struct task *t)
{
	return t->euid == 0;
}

/* One of the task's current ids: what an unprivileged task may switch to. */
static bool id_held(struct ids c, u32 id)
{
	return id == *c.r || id == *c.e || id == *c.s;
}

long task_setid(struct task *t, bool gid, u32 id)
{
	struct ids c = ids_of(t, gid);

	if (id == ID_KEEP)
		return -EINVAL;
	if (capable_setid(t)) {
		*c.r = *c.e = *c.s = id;
		return 0;
	}
	if (id != *c.r && id != *c.s)
		return -EPERM;
	*c.e = id;
	return 0;
}

long task_setreid(struct task *t, bool gid, u32 r, u32 e)
{
	struct ids c = ids_of(t, gid);
	bool cap = capable_setid(t);
	u32 old_r = *c.r;

	if (r != ID_KEEP && !cap && r != *c.r && r != *c.e)
		return -EPERM;
	if (e != ID_KEEP && !cap && !id_held(c, e))
		return -EPERM;
	if (r != ID_KEEP)
		*c.r = r;
	if (e != ID_KEEP)
		*c.e = e;
	if (r != ID_KEEP || (e != ID_KEEP && e != old_r))
		*c.s = *c.e;
	return 0;
}

long task_setresid(struct task *t, bool gid, u32 r, u32 e, u32 s)
{
	struct ids c = ids_of(t, gid);

	if (!capable_setid(t) && ((r != ID_KEEP && !id_held(c, r)) ||
				  (e != ID_KEEP && !id_held(c, e)) ||
				  (s != ID_KEEP && !id_held(c, s))))
		return -EPERM;
	if (r != ID_KEEP)
		*c.r = r;
	if (e != ID_KEEP)
		*c.e = e;
	if (s != ID_KEEP)
		*c.s = s;
	return 0;
}
