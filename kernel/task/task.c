/*
 * Task lifecycle and the run loop. After gVisor's kernel/task_run.go: each task runs
 * on its own Sentry thread, which alone talks to the task's platform context.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/log.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/lazy.h"
#include "ipc/sem.h"
#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/syscalls.h"
#include "task/task.h"
#include "signal/sigqueue.h"
#include "time/ktimer.h"
#include "vfs/vfs.h"

int task_new(struct kernel *k, struct task **out)
{
	struct task *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->k = k;
	t->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->evfd < 0) {
		free(t);
		return -errno;
	}
	t->fpstate_len = k->plat->fpstate_size;
	t->fpstate = aligned_alloc(64, ALIGN_UP(t->fpstate_len, 64));
	if (!t->fpstate) {
		close(t->evfd);
		free(t);
		return -ENOMEM;
	}
	st_list_init(&t->tglink);
	t->altstack.ss_flags = L_SS_DISABLE;
	t->dumpable = 1;
	*out = t;
	return 0;
}

void task_destroy(struct task *t)
{
	/* A waker between waitq_collect and wake_list_run still writes t->evfd. */
	while (__atomic_load_n(&t->wake_pins, __ATOMIC_ACQUIRE))
		sched_yield();
	if (t->fs)
		vfs_fs_put(t->fs);
	if (t->ctx)
		plat_ctx_destroy(t->k->plat, t->ctx);
	if (t->mm)
		mm_put(t->mm);
	if (t->fdt)
		fdt_put(t->fdt);
	if (t->sh)
		sighand_put(t->sh);
	if (t->semundo)
		sem_undo_exit(t);       /* a clone that failed: the parent holds it too */
	sigq_free(&t->sigq);
	task_cred_release(t);
	close(t->evfd);
	free(t->fpstate);
	free(t);
}

static void sighand_init_lock(struct sighand *sh)
{
	pthread_mutexattr_t ma;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&sh->lock, &ma);
	pthread_mutexattr_destroy(&ma);
}

struct sighand *sighand_new(void)
{
	struct sighand *sh = calloc(1, sizeof(*sh));

	if (!sh)
		return NULL;
	ref_init(&sh->ref);
	sighand_init_lock(sh);
	return sh;
}

void sighand_put(struct sighand *sh)
{
	if (!ref_put(&sh->ref))
		return;
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

int sighand_after_load(void *o, void *ctx)
{
	sighand_init_lock(o);
	return 0;
}

void task_interrupt(struct task *t, u32 tif)
{
	u64 one = 1;

	__atomic_or_fetch(&t->interrupt, tif, __ATOMIC_SEQ_CST);
	if (write(t->evfd, &one, sizeof(one)) < 0) {
		/* The counter is saturated: the task is already awake. */
	}
	if (t->ctx)
		plat_ctx_interrupt(t->k->plat, t->ctx);
}

void task_set_ctx(struct task *t, struct plat_ctx *ctx)
{
	struct plat_ctx *old = t->ctx;

	pthread_mutex_lock(&t->k->lock);
	t->ctx = ctx;
	pthread_mutex_unlock(&t->k->lock);
	if (old)
		plat_ctx_destroy(t->k->plat, old);
}

void task_exit(struct task *t, int wait_status)
{
	if (t->exiting)
		return;
	t->exiting = true;
	t->exit_status = wait_status;
}

int task_fetch_fp(struct task *t)
{
	int err;

	if (t->fp_valid)
		return 0;
	err = plat_ctx_get_fpstate(t->k->plat, t->ctx, t->fpstate, t->fpstate_len);
	if (!err)
		t->fp_valid = true;
	return err;
}

/* @seen: the mm's map_gen from before the switch that returned @ev (mm_fault). */
static void handle_fault(struct task *t, const struct plat_event *ev, u64 seen)
{
	/* MAPERR may be stack growth; ACCERR may be a write to copy-on-write memory. */
	if (ev->signo == SIGSEGV && (ev->code == SEGV_MAPERR || ev->code == SEGV_ACCERR)) {
		int err = mm_fault(t->mm, ev->addr, t->rlim[RLIMIT_STACK].cur, seen);

		if (!err) {
			task_usage_inc(t, minflt);
			return;
		}
		if (err == -ENOMEM) {
			kernel_oom(t); /* the copy did not fit the sandbox's memory limit */
			return;
		}
		if (err == -EIO) {      /* a file mapping past the file's end */
			sig_force_fault(t, SIGBUS, BUS_ADRERR, ev->addr);
			return;
		}
	}
	sig_force_fault(t, ev->signo, ev->code, ev->addr);
}

static void handle_cpuid(struct task *t)
{
	u32 out[4];

	cpuid_emulate(&t->k->cpuid, (u32)t->regs.rax, (u32)t->regs.rcx, out);
	t->regs.rax = out[0];
	t->regs.rbx = out[1];
	t->regs.rcx = out[2];
	t->regs.rdx = out[3];
	t->regs.rip += 2;
}

/* Pins the calling thread to the CPU it runs on: the platform keeps the task's
 * application thread there too, since cross-CPU wake-ups cost 60-100 us in VMs. */
static void pin_self(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void run(struct task *t)
{
	struct platform *plat = t->k->plat;
	struct plat_event ev;
	u64 seen;
	int err;

	for (;;) {
		/* The SIGIO the last syscall caused (O_ASYNC files), pending before
		 * the return to the application, as on Linux. */
		fasync_flush();
		if (__atomic_load_n(&t->interrupt, __ATOMIC_ACQUIRE) || task_pending(t) ||
		    t->in_syscall)
			sig_deliver(t);
		if (t->exiting)
			return;
		/* After sig_deliver: an interrupted syscall is settled (rewound to
		 * restart), so a parked task is at a clean syscall boundary. */
		if (__atomic_load_n(&t->interrupt, __ATOMIC_ACQUIRE) & TIF_STOP) {
			task_park(t);
			continue;
		}
		/* Job-control stop: wait for SIGCONT (or SIGKILL), parking if asked. */
		if (__atomic_load_n(&t->tg->stopped, __ATOMIC_ACQUIRE)) {
			__atomic_and_fetch(&t->interrupt, ~TIF_JOBSTOP, __ATOMIC_ACQ_REL);
			task_block(t, -1);
			continue;
		}
		if (t->vfork_wait && task_vfork_wait(t))
			continue;
		cputime_enter(t);
		seen = mm_map_gen(t->mm);
		err = plat_ctx_switch(plat, t->ctx, &t->regs, &ev);
		cputime_leave(t);
		task_membarrier_left(t);
		t->fp_valid = false;
		if (err) {
			warn("task %u: platform switch failed: %s", t->tid, strerror(-err));
			task_exit(t, SIGKILL);
			return;
		}
		switch (ev.kind) {
		case PLAT_EV_SYSCALL:
			syscall_dispatch(t);
			/* Between syscalls, where the task holds no lock nor unreferenced
			 * dentry: a file another process shrank is not mapped past its end
			 * any more, and the dentry cache is trimmed if it grew too large.
			 * Each is one compare unless there is work. */
			mm_sync_file_maps(t->mm);
			vfs_dcache_maybe_trim();
			break;
		case PLAT_EV_SYSCALL32:
			t->regs.rax = -ENOSYS;
			break;
		case PLAT_EV_FAULT:
			handle_fault(t, &ev, seen);
			break;
		case PLAT_EV_CPUID:
			handle_cpuid(t);
			break;
		case PLAT_EV_INTERRUPT:
			task_usage_inc(t, nivcsw);
			break;
		case PLAT_EV_DEAD:
			task_exit(t, SIGKILL);
			return;
		}
	}
}

__thread struct task *task_current;

void *task_main(void *arg)
{
	struct task *t = arg;
	struct kernel *k = t->k;
	struct plat_ctx *ctx;
	int err, status;

	task_current = t;
	pin_self();
	err = mm_ctx_new(t->mm, &ctx);
	if (!err)
		task_set_ctx(t, ctx);
	if (!err && t->fp_load)
		err = plat_ctx_set_fpstate(t->k->plat, t->ctx, t->fpstate, t->fpstate_len);
	if (err) {
		warn("task %u: cannot create its address space: %s", t->tid, strerror(-err));
		task_exit(t, SIGKILL);
	} else {
		static bool ran;

		/* A restore has its application back: say so (SBX_CR_TIMES), and only
		 * now let a lazy restore's loader take CPU time. */
		if (!__atomic_exchange_n(&ran, true, __ATOMIC_RELAXED)) {
			cr_mark("sentry: first task runs");
			lazy_start(k->mf);
		}
		cputime_attach(t);
		run(t);
	}
	/* After task_do_exit @t may be freed (by us, or a reaping parent) at any time. */
	if (task_do_exit(t, &status))
		kernel_init_exited(k, status);
	fasync_flush();         /* what closing its files at exit caused */
	kernel_task_gone(k);
	return NULL;
}
