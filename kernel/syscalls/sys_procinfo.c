/*
 * Calls that report on or synchronise with a process's threads (after Linux's
 * kernel/futex/syscalls.c, kernel/sys.c and kernel/sched/membarrier.c):
 * get_robust_list, getcpu and membarrier. They decode and copy; the task module
 * keeps the state and the rules (task_cred.c's access check, task_membarrier.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>

#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"

#define ROBUST_LIST_HEAD_SIZE 24        /* sizeof(struct robust_list_head) */

/* get_robust_list(pid, head_ptr, len_ptr): any thread by tid (0: the caller), if
 * the caller may read it as ptrace's PTRACE_MODE_READ_REALCREDS says. */
SYS(get_robust_list)
{
	u64 head, len = ROBUST_LIST_HEAD_SIZE;
	struct task *p;
	long ret = 0;

	pthread_mutex_lock(&t->k->lock);
	p = task_sched_target(t, a[0]);
	if (!p)
		ret = -ESRCH;
	else if (!task_ptrace_may_access(t, p))
		ret = -EPERM;
	else
		head = p->robust_list;
	pthread_mutex_unlock(&t->k->lock);
	if (ret)
		return ret;
	if (mm_copy_out(t->mm, a[2], &len, sizeof(len)))
		return -EFAULT;
	return mm_copy_out(t->mm, a[1], &head, sizeof(head)) ? -EFAULT : 0;
}

/* getcpu(cpu, node, tcache): the CPU this task's Sentry thread runs on, which the
 * platform keeps its application thread on too (the two are pinned together, and
 * the host's CPU numbers are the sandbox's); node 0, as the Sentry presents one
 * NUMA node. tcache is unused since Linux 2.6.24. */
SYS(getcpu)
{
	u32 cpu, node = 0;
	int c = sched_getcpu();

	cpu = c < 0 ? 0 : (u32)c;
	if (a[0] && mm_copy_out(t->mm, a[0], &cpu, sizeof(cpu)))
		return -EFAULT;
	if (a[1] && mm_copy_out(t->mm, a[1], &node, sizeof(node)))
		return -EFAULT;
	return 0;
}

/* membarrier(cmd, flags, cpu_id): task_membarrier.c says what is offered. */
SYS(membarrier)
{
	return task_membarrier(t, (int)a[0], (u32)a[1], (int)a[2]);
}
