/*
 * prctl(2): the options programs and runtimes use on themselves (after Linux's
 * kernel/sys.c). Others get EINVAL, as from a kernel that does not know them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"

static long put_int(struct task *t, u64 uaddr, int v)
{
	return mm_copy_out(t->mm, uaddr, &v, sizeof(v)) ? -EFAULT : 0;
}

SYS(prctl)
{
	char name[16];
	s64 len;
	long ret = 0;

	switch (a[0]) {
	case PR_SET_NAME:
		len = mm_strncpy_in(t->mm, name, a[1], sizeof(name));
		if (len < 0 && len != -ENAMETOOLONG)
			return len;
		/* Linux copies at most 15 bytes and terminates: longer names are cut. */
		if (len == -ENAMETOOLONG &&
		    mm_copy_in(t->mm, name, a[1], sizeof(name) - 1))
			return -EFAULT;
		name[sizeof(name) - 1] = 0;
		memcpy(t->comm, name, sizeof(t->comm));
		return 0;
	case PR_GET_NAME:
		memcpy(name, t->comm, sizeof(name));
		name[sizeof(name) - 1] = 0;
		return mm_copy_out(t->mm, a[1], name, sizeof(name)) ? -EFAULT : 0;
	case PR_SET_PDEATHSIG:
		if (a[1] > L_NSIG)
			return -EINVAL;
		t->pdeathsig = a[1];
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(t, a[1], t->pdeathsig);
	case PR_SET_CHILD_SUBREAPER:
		pthread_mutex_lock(&t->k->lock);
		t->tg->subreaper = a[1] != 0;
		pthread_mutex_unlock(&t->k->lock);
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_int(t, a[1], t->tg->subreaper);
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		t->no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a[1] || a[2] || a[3] || a[4])
			return -EINVAL;
		return t->no_new_privs;
	case PR_SET_DUMPABLE:
		if (a[1] > 1)
			return -EINVAL;
		t->dumpable = a[1];
		return 0;
	case PR_GET_DUMPABLE:
		return t->dumpable;
	case PR_GET_KEEPCAPS: case PR_SET_KEEPCAPS: case PR_CAPBSET_READ:
	case PR_CAPBSET_DROP: case PR_CAP_AMBIENT:
		return task_prctl_caps(t, a[0], a[1], a[2], a[3], a[4]);
	default:
		ret = -EINVAL;
	}
	return ret;
}
