/*
 * The sandbox memory limit and its OOM killer.
 *
 * The limit caps the bytes the memory file has allocated (see memfile.c): committed
 * memory, as Linux counts it with vm.overcommit_memory=2, so a mapping, brk or
 * mremap beyond it fails with ENOMEM. The one allocation that cannot fail that way
 * is a copy-on-write copy made at fault time: there, as a memory cgroup at its limit
 * does (Linux's mm/oom_kill.c, mem_cgroup_out_of_memory), the process with the
 * highest badness (the memory it maps, moved by its oom_score_adj; -1000 is never
 * chosen) is killed with SIGKILL, one line is logged, and the faulting task retries
 * once the victim is gone (or dies, if it was the victim). Where every process is
 * exempt, the faulting one is killed: Linux would panic, and the sandbox cannot grow.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "base/log.h"
#include "kernel.h"
#include "memfile/memfile.h"
#include "mm/mm.h"
#include "task/task.h"

#define OOM_RETRY_NS (1000 * 1000)      /* a faulting task's wait for the victim */

u64 kernel_default_mem_limit(void)
{
	struct sysinfo si;
	u64 ram;

	if (sysinfo(&si))
		return SBX_MIN_MEM_LIMIT;
	ram = (u64)si.totalram * (si.mem_unit ? si.mem_unit : 1);
	return MAX(ram / 2 & PAGE_MASK, SBX_MIN_MEM_LIMIT);
}

void kernel_meminfo(struct kernel *k, u64 *total, u64 *free)
{
	struct sysinfo si;
	u64 used = memfile_counted(k->mf);

	*total = k->mem_limit;
	if (!sysinfo(&si))
		*total = MIN(*total ? *total : ~0ULL, (u64)si.totalram * (si.mem_unit ? si.mem_unit : 1));
	*free = *total - MIN(*total, used);
}

void kernel_set_mem_limit(struct kernel *k, u64 bytes)
{
	k->mem_limit = bytes & PAGE_MASK;
	memfile_set_limit(k->mf, k->mem_limit);
}

/* Is the last victim process still there, exiting or not? k->lock held. */
static bool victim_alive(struct kernel *k)
{
	struct thread_group *tg;

	if (!k->oom_victim)
		return false;
	tg = kernel_find_tg(k, k->oom_victim);
	if (tg && !tg->zombie)
		return true;
	k->oom_victim = 0;
	return false;
}

/*
 * Linux's oom_badness in pages: what the process maps (every mapping here is backed
 * by allocated memory, so its size is what it holds; Linux uses RSS) plus
 * oom_score_adj thousandths of the limit; false for a process exempt from the OOM
 * killer (oom_score_adj -1000). @tg's live task with an mm in *@l. k->lock held.
 */
static bool badness(struct kernel *k, struct thread_group *tg, s64 *points, struct task **l)
{
	struct task *o;

	*l = NULL;
	if (tg->zombie || tg->group_exit || tg->oom_score_adj == OOM_SCORE_ADJ_MIN)
		return false;
	tg_for_each_task(o, tg) {
		if (!o->exiting && o->mm) {
			*l = o;  /* its threads share one mm */
			break;
		}
	}
	if (!*l)
		return false;
	*points = (s64)(mm_total_vm((*l)->mm) / PAGE_SIZE) +
		  (s64)tg->oom_score_adj * (s64)(k->mem_limit / PAGE_SIZE) / 1000;
	return true;
}

int kernel_oom_score(struct kernel *k, struct thread_group *tg)
{
	s64 total = MAX((s64)(k->mem_limit / PAGE_SIZE), 1), points;
	struct task *l;
	int score = 0;

	pthread_mutex_lock(&k->lock);
	if (badness(k, tg, &points, &l))
		score = (int)MIN(MAX((1000 + points * 1000 / total) * 2 / 3, 0), 2000);
	pthread_mutex_unlock(&k->lock);
	return score;
}

/* The live process with the highest badness; the first found wins a tie. k->lock
 * held, so no task's mm goes away meanwhile. */
static struct task *pick_victim(struct kernel *k, u64 *size)
{
	struct task *victim = NULL, *l;
	s64 best = 0, points;
	struct st_list *p;

	*size = 0;
	st_list_for_each(p, &k->tgs) {
		struct thread_group *tg = container_of(p, struct thread_group, tglink);

		if (!badness(k, tg, &points, &l))
			continue;
		if (!victim || points > best) {
			victim = l;
			best = points;
			*size = mm_total_vm(l->mm);
		}
	}
	return victim;
}

void kernel_oom(struct task *t)
{
	struct kernel *k = t->k;
	struct l_siginfo info = { .signo = SIGKILL, .code = L_SI_KERNEL };
	struct task *victim = NULL;
	struct timespec now;
	u64 size = 0;

	pthread_mutex_lock(&k->lock);
	if (!victim_alive(k)) {
		victim = pick_victim(k, &size);
		if (!victim && !t->exiting && t->mm) {
			victim = t;     /* every process is exempt */
			size = mm_total_vm(t->mm);
		}
		if (victim) {
			k->oom_victim = victim->tgid;
			log_printf("sbx: out of memory (sandbox limit %llu MiB): killed process "
				   "%u (%.16s) mapping %llu MiB\n",
				   (unsigned long long)(k->mem_limit >> 20), victim->tgid,
				   victim->comm, (unsigned long long)(size >> 20));
			/* As from outside: not even init may ignore it. */
			sig_send(victim, &info, false, true);
		}
	}
	pthread_mutex_unlock(&k->lock);
	if (victim == t)
		return; /* the run loop delivers the SIGKILL */
	/* Someone else dies: give its exit a moment, then the fault is retried. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	task_sleep_until(t, (s64)now.tv_sec * 1000000000 + now.tv_nsec + OOM_RETRY_NS);
}
