/*
 * Credentials (after Linux's kernel/sys.c, kernel/groups.c, kernel/capability.c and
 * security/commoncap.c): a task's real, effective and saved user and group ids, its
 * supplementary groups and its five capability sets. Credentials belong to a task,
 * not its group, as in Linux; glibc makes a process-wide change by signalling every
 * thread (SIGSETXID). Only the task's own thread changes them.
 *
 * The sandbox is a container: uid 0 starts with the container default capability
 * set (Docker's), which is also its bounding set, so CAP_SYS_NICE, CAP_SYS_ADMIN and
 * the like are never held. Capabilities change with uid transitions and execve as
 * commoncap's rules say for files without file capabilities (set-id bits are
 * ignored by this sandbox). No securebits beyond keep-caps, no filesystem ids
 * (setfsuid) yet: file access uses the effective ids. The ptrace-mode checks Linux
 * makes elsewhere (pidfd_getfd, get_robust_list) use task_ptrace_may_access.
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "mm/mm.h"
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

#define NGROUPS_MAX_L 65536

#define C(n) (1ULL << CAP_##n)
/* What a container runtime gives root by default (the OCI default set). */
#define CAP_CONTAINER_DEFAULT (C(CHOWN) | C(DAC_OVERRIDE) | C(FSETID) | C(FOWNER) | \
			       C(MKNOD) | C(NET_RAW) | C(SETGID) | C(SETUID) | C(SETFCAP) | \
			       C(SETPCAP) | C(NET_BIND_SERVICE) | C(SYS_CHROOT) | C(KILL) | \
			       C(AUDIT_WRITE))

bool task_capable(const struct task *t, int cap)
{
	return (t->cap_eff >> cap) & 1;
}

static bool capable_setid(const struct task *t, bool gid)
{
	return task_capable(t, gid ? CAP_SETGID : CAP_SETUID);
}

void task_cred_init(struct task *t, u32 uid, u32 gid)
{
	t->uid = t->euid = t->suid = uid;
	t->gid = t->egid = t->sgid = gid;
	t->cap_bnd = CAP_CONTAINER_DEFAULT;
	t->cap_prm = t->cap_eff = uid == 0 ? CAP_CONTAINER_DEFAULT : 0;
}

int task_cred_copy(struct task *t, struct task *c)
{
	c->uid = t->uid; c->euid = t->euid; c->suid = t->suid;
	c->gid = t->gid; c->egid = t->egid; c->sgid = t->sgid;
	c->cap_eff = t->cap_eff; c->cap_prm = t->cap_prm; c->cap_inh = t->cap_inh;
	c->cap_bnd = t->cap_bnd; c->cap_amb = t->cap_amb;
	c->keep_caps = t->keep_caps;
	if (!t->ngroups)
		return 0;
	c->groups = malloc(t->ngroups * sizeof(u32));
	if (!c->groups)
		return -ENOMEM;
	memcpy(c->groups, t->groups, t->ngroups * sizeof(u32));
	c->ngroups = t->ngroups;
	return 0;
}

void task_cred_release(struct task *t)
{
	free(t->groups);
	t->groups = NULL;
	t->ngroups = 0;
}

/* cap_bprm_creds_from_file for a file with no capabilities and no set-id bits that
 * take effect: root gets its bounding and inheritable sets (effective only when its
 * euid is 0); others keep only their ambient set. */
void task_cred_exec(struct task *t)
{
	bool root = t->euid == 0 || t->uid == 0;

	t->cap_prm = (root ? (t->cap_bnd | t->cap_inh) : 0) | t->cap_amb;
	t->cap_eff = t->euid == 0 ? t->cap_prm : t->cap_amb;
	t->keep_caps = false;
	/* begin_new_exec: dumpable again unless the ids stay mixed */
	t->dumpable = t->euid == t->uid && t->egid == t->gid;
}

/* cap_emulate_setxuid: capabilities follow uid 0 in and out. */
static void fix_setuid(struct task *t, u32 or, u32 oe, u32 os)
{
	if ((or == 0 || oe == 0 || os == 0) && t->uid && t->euid && t->suid) {
		if (!t->keep_caps)
			t->cap_prm = t->cap_eff = 0;
		t->cap_amb = 0;
	}
	if (oe == 0 && t->euid)
		t->cap_eff = 0;
	if (oe && t->euid == 0)
		t->cap_eff = t->cap_prm;
}

/* One of the task's current ids: what an unprivileged task may switch to. */
static bool id_held(struct ids c, u32 id)
{
	return id == *c.r || id == *c.e || id == *c.s;
}

static long set_one(struct task *t, bool gid, u32 id)
{
	struct ids c = ids_of(t, gid);

	if (id == ID_KEEP)
		return -EINVAL;
	if (capable_setid(t, gid)) {
		*c.r = *c.e = *c.s = id;
		return 0;
	}
	if (id != *c.r && id != *c.s)
		return -EPERM;
	*c.e = id;
	return 0;
}

static long set_re(struct task *t, bool gid, u32 r, u32 e)
{
	struct ids c = ids_of(t, gid);
	bool cap = capable_setid(t, gid);
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

static long set_res(struct task *t, bool gid, u32 r, u32 e, u32 s)
{
	struct ids c = ids_of(t, gid);

	if (!capable_setid(t, gid) && ((r != ID_KEEP && !id_held(c, r)) ||
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

/* Runs a uid change and then adjusts the capability sets to it. A change of the
 * effective (and so filesystem) ids makes the process not dumpable, as
 * commit_creds does with suid_dumpable's default, 0. */
#define SETID(t, gid, call) ({ \
	u32 or_ = (t)->uid, oe_ = (t)->euid, os_ = (t)->suid, oeg_ = (t)->egid; \
	long r_ = (call); \
	if (!r_ && !(gid)) \
		fix_setuid((t), or_, oe_, os_); \
	if (!r_ && ((t)->euid != oe_ || (t)->egid != oeg_)) \
		(t)->dumpable = 0; \
	r_; })

long task_setid(struct task *t, bool gid, u32 id)
{
	return SETID(t, gid, set_one(t, gid, id));
}

long task_setreid(struct task *t, bool gid, u32 r, u32 e)
{
	return SETID(t, gid, set_re(t, gid, r, e));
}

long task_setresid(struct task *t, bool gid, u32 r, u32 e, u32 s)
{
	return SETID(t, gid, set_res(t, gid, r, e, s));
}

bool task_same_owner(const struct task *t, const struct task *p)
{
	return t->euid == p->euid || t->euid == p->uid;
}

bool task_ptrace_may_access(const struct task *t, const struct task *p)
{
	if (t->tg == p->tg)
		return true;
	if (task_capable(t, CAP_SYS_PTRACE))
		return true;
	/* The caller's real ids must be all three of the target's; a target that is
	 * not dumpable needs CAP_SYS_PTRACE too (tested above). */
	return t->uid == p->euid && t->uid == p->suid && t->uid == p->uid &&
	       t->gid == p->egid && t->gid == p->sgid && t->gid == p->gid && p->dumpable;
}

static int cmp_u32(const void *x, const void *y)
{
	u32 a = *(const u32 *)x, b = *(const u32 *)y;

	return a < b ? -1 : a > b;
}

/* setgroups: @list (n entries, Sentry memory) replaces the groups, sorted. */
long task_setgroups(struct task *t, u32 n, const u32 *list)
{
	u32 *g = NULL;

	if (!task_capable(t, CAP_SETGID))
		return -EPERM;
	if (n > NGROUPS_MAX_L)
		return -EINVAL;
	if (n) {
		g = malloc(n * sizeof(u32));
		if (!g)
			return -ENOMEM;
		memcpy(g, list, n * sizeof(u32));
		qsort(g, n, sizeof(u32), cmp_u32);
	}
	free(t->groups);
	t->groups = g;
	t->ngroups = n;
	return 0;
}

struct cap_hdr {
	u32 version;
	s32 pid;
};

struct cap_data {
	u32 effective, permitted, inheritable;
};

/* The header's version: how many 32-bit words of each set it carries, or -EINVAL
 * after writing the preferred version back, as cap_validate_magic does. */
static int cap_words(struct task *t, u64 uhdr, struct cap_hdr *h)
{
	if (mm_copy_in(t->mm, h, uhdr, sizeof(*h)))
		return -EFAULT;
	switch (h->version) {
	case _LINUX_CAPABILITY_VERSION_1:
		return 1;
	case _LINUX_CAPABILITY_VERSION_2:
	case _LINUX_CAPABILITY_VERSION_3:
		return 2;
	}
	h->version = _LINUX_CAPABILITY_VERSION_3;
	if (mm_copy_out(t->mm, uhdr, &h->version, sizeof(h->version)))
		return -EFAULT;
	return -EINVAL;
}

long task_capget(struct task *t, u64 uhdr, u64 udata)
{
	struct cap_data d[2];
	struct cap_hdr h;
	u64 e, p, i;
	int n = cap_words(t, uhdr, &h);

	if (n < 0)
		return !udata && n == -EINVAL ? 0 : n;
	if (h.pid < 0)
		return -EINVAL;
	if (h.pid && (u32)h.pid != t->tid) {
		struct task *o;

		pthread_mutex_lock(&t->k->lock);
		o = kernel_find_task(t->k, h.pid);
		if (o) {
			e = o->cap_eff;
			p = o->cap_prm;
			i = o->cap_inh;
		}
		pthread_mutex_unlock(&t->k->lock);
		if (!o)
			return -ESRCH;
	} else {
		e = t->cap_eff;
		p = t->cap_prm;
		i = t->cap_inh;
	}
	for (int w = 0; w < 2; w++)
		d[w] = (struct cap_data){ e >> (32 * w), p >> (32 * w), i >> (32 * w) };
	return mm_copy_out(t->mm, udata, d, n * sizeof(d[0])) ? -EFAULT : 0;
}

static bool subset(u64 a, u64 b)
{
	return !(a & ~b);
}

long task_capset(struct task *t, u64 uhdr, u64 udata)
{
	struct cap_data d[2] = { 0 };
	struct cap_hdr h;
	u64 e = 0, p = 0, i = 0;
	int n = cap_words(t, uhdr, &h);

	if (n < 0)
		return n;
	if (h.pid && (u32)h.pid != t->tid)
		return -EPERM;
	if (mm_copy_in(t->mm, d, udata, n * sizeof(d[0])))
		return -EFAULT;
	for (int w = 0; w < n; w++) {
		e |= (u64)d[w].effective << (32 * w);
		p |= (u64)d[w].permitted << (32 * w);
		i |= (u64)d[w].inheritable << (32 * w);
	}
	e &= TASK_CAP_ALL;
	p &= TASK_CAP_ALL;
	i &= TASK_CAP_ALL;
	if (!task_capable(t, CAP_SETPCAP) && !subset(i, t->cap_inh | t->cap_prm))
		return -EPERM;
	if (!subset(i, t->cap_inh | t->cap_bnd) || !subset(p, t->cap_prm) ||
	    !subset(e, p))
		return -EPERM;
	t->cap_eff = e;
	t->cap_prm = p;
	t->cap_inh = i;
	t->cap_amb &= p & i;
	return 0;
}

/* prctl's capability options: KEEPCAPS, CAPBSET_READ/DROP and CAP_AMBIENT. */
long task_prctl_caps(struct task *t, int op, u64 a2, u64 a3, u64 a4, u64 a5)
{
	switch (op) {
	case PR_GET_KEEPCAPS:
		return t->keep_caps;
	case PR_SET_KEEPCAPS:
		if (a2 > 1)
			return -EINVAL;
		t->keep_caps = a2;
		return 0;
	case PR_CAPBSET_READ:
		return a2 > TASK_CAP_LAST ? -EINVAL : (long)((t->cap_bnd >> a2) & 1);
	case PR_CAPBSET_DROP:
		if (!task_capable(t, CAP_SETPCAP))
			return -EPERM;
		if (a2 > TASK_CAP_LAST)
			return -EINVAL;
		t->cap_bnd &= ~(1ULL << a2);
		return 0;
	case PR_CAP_AMBIENT:
		if (a4 || a5)
			return -EINVAL;
		if (a2 == PR_CAP_AMBIENT_CLEAR_ALL) {
			if (a3)
				return -EINVAL;
			t->cap_amb = 0;
			return 0;
		}
		if (a3 > TASK_CAP_LAST)
			return -EINVAL;
		switch (a2) {
		case PR_CAP_AMBIENT_IS_SET:
			return (t->cap_amb >> a3) & 1;
		case PR_CAP_AMBIENT_LOWER:
			t->cap_amb &= ~(1ULL << a3);
			return 0;
		case PR_CAP_AMBIENT_RAISE:
			if (!((t->cap_prm & t->cap_inh) >> a3 & 1))
				return -EPERM;
			t->cap_amb |= 1ULL << a3;
			return 0;
		}
		return -EINVAL;
	}
	return -EINVAL;
}
