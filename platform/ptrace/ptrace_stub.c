/*
 * Stub processes: cloning a new one from the template, injecting syscalls, and the
 * address-space operations built on them (mmap/munmap/mprotect of memory-file ranges).
 *
 * Injection: with the stub thread stopped (any ptrace-stop: syscall-entry under
 * SYSEMU, signal-delivery, event), its registers are pointed at stub_syscall
 * ("syscall; int3") with the call in rax/rdi..r9, it runs under PTRACE_CONT, and the
 * int3's SIGTRAP hands it back with the result in rax. From a syscall-entry stop
 * reached by PTRACE_SYSEMU the pending syscall is skipped whatever the resume request
 * (the kernel sampled SYSCALL_EMU before stopping), so the thread really starts at
 * stub_syscall. The application's registers are not restored by the injection: the
 * thread record marks them unloaded and the next switch writes them back, which is a
 * SETREGS the switch usually makes anyway.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <time.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace_platform.h"

#define X86_EFLAGS_TF	0x100UL
#define X86_USER_CS	0x33
#define X86_USER_DS	0x2b

_Static_assert(sizeof(struct plat_regs) == sizeof(struct user_regs_struct),
	       "plat_regs is user_regs_struct");
_Static_assert(__builtin_offsetof(struct plat_regs, orig_rax) ==
	       __builtin_offsetof(struct user_regs_struct, orig_rax) &&
	       __builtin_offsetof(struct plat_regs, gs) ==
	       __builtin_offsetof(struct user_regs_struct, gs), "plat_regs layout");

extern const char stub_image_start[], stub_syscall[], stub_park[];
extern const char stub_apply[], stub_apply_map[], stub_apply_fpinit[], stub_apply_done[];
extern const char stub_sysloop[];

static uint64_t stub_addr(const char *sym)
{
	return STUB_ADDR + (sym - stub_image_start);
}

/*
 * Waits for the next stop of tracee @tid. Returns 0 with *status stopped, -ESRCH
 * once it has exited (and is reaped), or another -errno.
 */
int ptrace_wait(pid_t tid, int *status)
{
	for (;;) {
		pid_t r = waitpid(tid, status, __WALL);

		if (r == tid)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -errno : -EIO;
	}
	if (WIFEXITED(*status) || WIFSIGNALED(*status))
		return -ESRCH;
	return 0;
}

/*
 * After a ptrace request failed with ESRCH: the tracee is dying, or running when it
 * should be stopped, which makes it as useless. Kill it and collect it.
 */
int ptrace_reap(pid_t tid)
{
	int st, err;

	kill(tid, SIGKILL);
	do
		err = ptrace_wait(tid, &st);
	while (!err);
	return -ESRCH;
}

static int ptrace_request(int req, pid_t tid, void *addr, void *data)
{
	if (ptrace(req, tid, addr, data) == 0)
		return 0;
	if (errno == ESRCH)
		return ptrace_reap(tid);
	return -errno;
}

static bool ptrace_is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGSYS;
}

/*
 * Runs stopped tracee @tid from stub routine @entry with registers @r until the int3
 * at @brk; on success @r holds the registers there. An interrupt signal met on the
 * way is suppressed and noted in *interrupted; a fork/clone event's new pid goes to
 * *child.
 */
static int ptrace_run_stub(pid_t tid, struct user_regs_struct *r, const char *entry,
			   const char *brk, bool *interrupted, pid_t *child)
{
	uint64_t done = stub_addr(brk) + 1;
	unsigned long msg;
	int st, err;

	r->rip = stub_addr(entry);
	r->orig_rax = -1;
	r->cs = X86_USER_CS;
	r->ss = X86_USER_DS;
	r->eflags &= ~X86_EFLAGS_TF;
	err = ptrace_request(PTRACE_SETREGS, tid, NULL, r);
	if (err)
		return err;
	for (;;) {
		err = ptrace_request(PTRACE_CONT, tid, NULL, NULL);
		if (err)
			return err;
		err = ptrace_wait(tid, &st);
		if (err)
			return err;
		switch (st >> 16) {
		case 0:
			break;
		case PTRACE_EVENT_FORK:
		case PTRACE_EVENT_VFORK:
		case PTRACE_EVENT_CLONE:
			if (child && !ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg))
				*child = msg;
			continue;
		default:
			continue;
		}
		if (WSTOPSIG(st) == SIGTRAP) {
			err = ptrace_request(PTRACE_GETREGS, tid, NULL, r);
			if (err)
				return err;
			if (r->rip == done)
				return 0;
		} else if (WSTOPSIG(st) == PTRACE_INTERRUPT_SIG) {
			if (interrupted)
				*interrupted = true;
		} else if (ptrace_is_fault_signal(WSTOPSIG(st))) {
			return -EFAULT;
		}
	}
}

/* A stub routine's rax at its int3: 0, or the -errno of the step that failed. */
int ptrace_stub_err(uint64_t rax)
{
	if (!rax)
		return 0;
	return (long)rax < 0 && (long)rax > -4096 ? (int)rax : -EIO;
}

/*
 * Runs stub routine @entry, ending at the int3 @brk, in stopped thread @t (traced by
 * the caller) with registers @r; on success @r holds them at the int3. The
 * application's registers are left unloaded, as by an injection.
 */
int ptrace_run_routine(struct ptrace_thread *t, struct user_regs_struct *r,
		       const char *entry, const char *brk)
{
	int err;

	if (t->dead)
		return -ESRCH;
	t->regs_loaded = false;
	err = ptrace_run_stub(t->tid, r, entry, brk, &t->interrupt_pending, NULL);
	if (err == -ESRCH)
		t->dead = true;
	return err;
}

/*
 * Runs the syscall in @r (number in rax, arguments in rdi, rsi, rdx, r10, r8, r9) at
 * stub_syscall in stopped tracee @tid; on success @r holds the registers after it,
 * result in rax. As ptrace_run_stub otherwise.
 */
static int ptrace_run_syscall(pid_t tid, struct user_regs_struct *r, bool *interrupted,
			      pid_t *child)
{
	return ptrace_run_stub(tid, r, stub_syscall, stub_syscall + 2, interrupted, child);
}

/* ptrace_inject, also giving the pid a fork or clone made (0 for none). */
static int ptrace_inject_child(struct ptrace_thread *t, long nr, const long args[6],
			       long *ret, pid_t *child)
{
	struct user_regs_struct r;
	int err;

	if (t->dead)
		return -ESRCH;
	memcpy(&r, &t->regs, sizeof(r));
	r.rax = nr;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	t->regs_loaded = false;
	err = ptrace_run_syscall(t->tid, &r, &t->interrupt_pending, child);
	if (err == -ESRCH)
		t->dead = true;
	if (err)
		return err;
	*ret = r.rax;
	return 0;
}

/*
 * Makes stopped stub thread @t (traced by the caller) execute syscall @nr(@args),
 * storing its return value in *ret. Leaves the thread stopped, registers unloaded.
 */
int ptrace_inject(struct ptrace_thread *t, long nr, const long args[6], long *ret)
{
	return ptrace_inject_child(t, nr, args, ret, NULL);
}

/*
 * Traces the template (stopped in stub_loop, or about to be), makes it fork, and lets
 * it go again. PTRACE_O_TRACEFORK attaches the child to the calling thread before it
 * runs an instruction, with the options given here. Caller holds template_lock.
 */
static int ptrace_clone_template(struct ptrace_platform *pp, pid_t *child)
{
	const long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD |
			  PTRACE_O_TRACEFORK | PTRACE_O_TRACECLONE;
	pid_t tpl = pp->template_pid, pid = 0;
	struct user_regs_struct saved, r;
	int st, err;

	if (tpl <= 0)
		return -ESRCH;
	if (ptrace(PTRACE_SEIZE, tpl, NULL, (void *)opts))
		return -errno;
	/*
	 * Seizing a group-stopped task re-traps it and reports the stop; a template that
	 * is still on its way to SIGSTOP (just released by another as_new) reports the
	 * signal-delivery stop instead. Either is a ptrace-stop we can inject from.
	 */
	err = ptrace_wait(tpl, &st);
	if (!err)
		err = ptrace_request(PTRACE_GETREGS, tpl, NULL, &saved);
	if (err) {
		if (err == -ESRCH)
			pp->template_pid = 0;
		return err;
	}
	r = saved;
	r.rax = SYS_clone;
	r.rdi = SIGCHLD;
	r.rsi = 0;
	r.rdx = 0;
	r.r10 = 0;
	r.r8 = 0;
	err = ptrace_run_syscall(tpl, &r, NULL, &pid);
	if (!err && (long)r.rax < 0)
		err = (long)r.rax;
	if (!err && (pid_t)r.rax != pid)
		err = -EIO;
	if (err == -ESRCH) {
		/* Reaped above: its pid may come back as anyone's. */
		pp->template_pid = 0;
		return err;
	}
	ptrace(PTRACE_SETREGS, tpl, NULL, &saved);
	ptrace(PTRACE_DETACH, tpl, NULL, NULL);
	if (err && pid > 0) {
		kill(pid, SIGKILL);
		ptrace_reap(pid);
	}
	*child = pid;
	return err;
}

/*
 * Sets stopped thread @t's signal mask to @mask with PTRACE_SETSIGMASK: no round trip
 * through the thread, unlike an injected rt_sigprocmask. The kernel keeps SIGKILL and
 * SIGSTOP out of it, as sigprocmask would.
 */
int ptrace_set_sigmask(struct ptrace_thread *t, uint64_t mask)
{
	if (t->dead)
		return -ESRCH;
	return ptrace_request(PTRACE_SETSIGMASK, t->tid, (void *)sizeof(mask), &mask);
}

/* CPUID faulting, tried once per platform: it is a host property. */
static void ptrace_as_set_cpuid_faulting(struct ptrace_as *as)
{
	static const long args[6] = { ARCH_SET_CPUID, 0 };
	int known = __atomic_load_n(&as->p->cpuid_faulting, __ATOMIC_RELAXED);
	long ret;

	if (known == 0)
		return;
	if (ptrace_inject(&as->spawner, SYS_arch_prctl, args, &ret) || ret) {
		__atomic_store_n(&as->p->cpuid_faulting, 0, __ATOMIC_RELAXED);
		return;
	}
	as->cpuid_faulting = true;
	__atomic_store_n(&as->p->cpuid_faulting, 1, __ATOMIC_RELAXED);
}

/*
 * Clones a new stub from the template, traced by the calling thread and stopped, its
 * first thread (the spawner) blocking every signal. The stub starts on the calling
 * thread's CPU. When contexts start in sysmsg (SBX_PTRACE_SYSMSG=1) the spawner is let
 * go at once, untraced, into the loop that serves the address space's calls and
 * clones its threads (stub_sysloop).
 */
int ptrace_as_make(struct ptrace_platform *pp, struct ptrace_as **out)
{
	struct ptrace_thread *s;
	struct ptrace_as *as;
	int cpu, st, err;
	pid_t pid = 0;

	as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->p = pp;
	as->sm_req = as->sm_reply = as->sm_cpu = -1;
	ptrace_sysmsg_table_take(as);
	pthread_mutex_init(&as->lock, NULL);
	pthread_mutex_init(&as->table_lock, NULL);
	/* The child inherits the template's affinity: spare the wake-ups a CPU apart. */
	cpu = sched_getcpu();

	pthread_mutex_lock(&pp->template_lock);
	if (cpu >= 0 && pp->template_pid > 0)
		ptrace_pin_to_cpu(pp->template_pid, cpu);
	err = ptrace_clone_template(pp, &pid);
	pthread_mutex_unlock(&pp->template_lock);
	if (err)
		goto out_free;

	s = &as->spawner;
	as->pid = pid;
	s->as = as;
	s->tid = pid;
	s->tracer = ptrace_self();
	err = ptrace_wait(pid, &st);
	if (err)
		goto out_free;
	err = ptrace_request(PTRACE_GETREGS, pid, NULL, &s->regs);
	if (err)
		goto out_free;
	s->regs_loaded = true;
	if (pp->sm_born) {
		err = ptrace_sysmsg_as_setup(as, true);
		if (err)
			goto out_free;
	} else {
		ptrace_as_set_cpuid_faulting(as);
	}
	err = ptrace_set_sigmask(s, ptrace_parked_mask(pp));
	if (err)
		goto out_free;
	if (pp->sm_born)
		ptrace_thread_release(s);
	if (s->dead) {
		err = -ESRCH;
		goto out_free;
	}
	*out = as;
	return 0;

out_free:
	if (pid > 0 && err != -ESRCH) {
		kill(pid, SIGKILL);
		ptrace_reap(pid);
	}
	ptrace_sysmsg_as_teardown(as);
	ptrace_sysmsg_table_put(as);
	pthread_mutex_destroy(&as->table_lock);
	pthread_mutex_destroy(&as->lock);
	free(as);
	return err;
}

/* A stub from the pool (ptrace_pool.c) if one is ready, else one made on the spot. */
int ptrace_as_new(struct platform *p, struct plat_as **out)
{
	struct ptrace_platform *pp = to_ptrace_platform(p);
	struct ptrace_as *as;
	int err;

	err = ptrace_pool_take(pp, &as);
	if (err == -EAGAIN)
		err = ptrace_as_make(pp, &as);
	if (err)
		return err;
	*out = (struct plat_as *)as;
	return 0;
}

/* The stub process's CPU clocks: the host keeps them for a whole process, dead
 * threads included, and lets any process read another's (not one of its threads'). */
#define PROCESS_CPUCLOCK(pid, which) ((clockid_t)((~(unsigned)(pid)) << 3) | (which))
#define CPUCLOCK_PROF 0         /* user + system, sampled at the tick */
#define CPUCLOCK_VIRT 1         /* user, sampled at the tick */
#define CPUCLOCK_SCHED 2        /* exact runtime */

/*
 * Beyond this much CPU a stub is large: not kept for an exec (ptrace_as_reuse), and
 * torn down on another CPU when it dies (ptrace_as_destroy). Its teardown costs
 * about as much as what it touched (each first touch of a page here takes 12-20 us
 * of the stub's CPU, and its unmapping about as much).
 */
#define PTRACE_SMALL_CPU_NS (4 * 1000000ULL)

/* Has @as's stub used no more than PTRACE_SMALL_CPU_NS? 0/1, or -errno. */
static int ptrace_as_small(const struct ptrace_as *as)
{
	struct timespec ts;

	if (clock_gettime(PROCESS_CPUCLOCK(as->pid, CPUCLOCK_SCHED), &ts))
		return -errno;
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec <= PTRACE_SMALL_CPU_NS;
}

/*
 * Every context is gone by now (the interface's callers destroy them first), so the
 * only thread that may still be traced is the spawner, by its creator if it never
 * made a context: that one we reap. Otherwise SIGKILL is all: the stub's parent, the
 * template, reaps it (it ignores SIGCHLD). A large stub's teardown (unmapping
 * everything) takes milliseconds on a PVM guest; nobody needs to wait for it, so it is
 * moved to another CPU first, where it does not preempt the caller. A small one stays:
 * its first thread, just released by ptrace_leader_park, is runnable here, and moving
 * it would be a migration through the stopper thread (28-30 us of a fork+exit on this
 * guest), and moving it before the release would make that a wake-up on the other
 * CPU (20-22 us for the waker): its teardown here costs no more (fork+exit+wait as
 * fast either way).
 */
void ptrace_as_destroy(struct plat_as *pas)
{
	struct ptrace_as *as = to_ptrace_as(pas);
	bool reap = as->spawner.tracer == ptrace_self() && !as->spawner.dead;
	struct ptrace_thread *t;
	int st;

	if (!reap && ptrace_as_small(as) == 0)
		ptrace_move_off_cpu(as->p, as->pid);
	kill(as->pid, SIGKILL);
	if (reap)
		while (ptrace_wait(as->pid, &st) == 0)
			;
	while ((t = as->threads)) {
		/* A pooled stub's first thread, reserved by a caller that never made a
		 * context of it: its tracer reaps it like the spawner. */
		if (t->reserved && t->tracer == ptrace_self() && !t->dead)
			while (ptrace_wait(t->tid, &st) == 0)
				;
		as->threads = t->next;
		free(t);
	}
	ptrace_sysmsg_as_teardown(as);
	ptrace_sysmsg_table_put(as);
	pthread_mutex_destroy(&as->table_lock);
	pthread_mutex_destroy(&as->lock);
	free(as);
}

/*
 * The stub thread through which the calling thread may act on @as: the spawner or a
 * thread it traces; NULL if none. A context's thread in sysmsg cannot make these
 * calls (its own filter refuses them): in a stub ready for sysmsg they go to the
 * spawner's stub_sysloop instead (ptrace_sysmsg_as_apply).
 */
static struct ptrace_thread *ptrace_as_thread(struct ptrace_as *as)
{
	pid_t me = ptrace_self();
	struct ptrace_thread *t;

	pthread_mutex_lock(&as->lock);
	t = as->spawner.tracer == me ? &as->spawner : as->threads;
	while (t && t != &as->spawner && (t->tracer != me || t->sysmsg))
		t = t->next;
	pthread_mutex_unlock(&as->lock);
	return t;
}

/* Takes parked stub thread @s for the calling thread: seize, interrupt, wait. */
int ptrace_thread_take(struct ptrace_thread *s)
{
	const long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE;
	int st, err;

	if (s->tracer == ptrace_self())
		return 0;
	if (s->dead || s->tracer)
		return -ESRCH;	/* its creator died before making a context */
	if (ptrace(PTRACE_SEIZE, s->tid, NULL, (void *)opts))
		return -errno;
	s->tracer = ptrace_self();
	err = ptrace_request(PTRACE_INTERRUPT, s->tid, NULL, NULL);
	if (!err)
		err = ptrace_wait(s->tid, &st);
	if (!err)
		err = ptrace_request(PTRACE_GETREGS, s->tid, NULL, &s->regs);
	if (err) {
		s->dead = true;
		return err;
	}
	s->regs_loaded = true;
	return 0;
}

/*
 * Parks stub thread @s (the spawner, or a pooled stub's first thread) in stub_park (a
 * spawner whose stub is set up for sysmsg in stub_sysloop, to serve address-space
 * calls and clone threads: the stub is then ready) and lets it go. It blocks every
 * signal but SIGTRAP, which each injection's int3 unblocks (as the kernel does for
 * any forced signal): only a host process allowed to signal the stub could send it
 * one. Caller holds as->lock, or is the stub's creator before anyone else has it.
 */
void ptrace_thread_release(struct ptrace_thread *s)
{
	struct ptrace_as *as = s->as;
	bool serve = s == &as->spawner && as->sm_req >= 0 && as->sm_reply >= 0;

	s->regs.rip = stub_addr(serve ? stub_sysloop : stub_park);
	if (serve)
		s->regs.r12 = as->sm_seq;	/* the last request served */
	s->regs.orig_rax = -1;
	if (ptrace(PTRACE_SETREGS, s->tid, NULL, &s->regs) ||
	    ptrace(PTRACE_DETACH, s->tid, NULL, NULL))
		s->dead = true;
	s->tracer = 0;
	if (serve && !s->dead)
		__atomic_store_n(&as->sm_ready, true, __ATOMIC_RELEASE);
}

/*
 * Makes stopped thread @from (traced by the caller) clone a thread of its stub into
 * @t, traced by the caller and stopped, its registers read. PTRACE_O_TRACECLONE
 * attaches it to us before it runs.
 */
static int ptrace_clone_thread(struct ptrace_thread *from, struct ptrace_thread *t)
{
	static const long args[6] = {
		CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		CLONE_SYSVSEM,
	};
	pid_t child = 0;
	long ret = 0;
	int st, err;

	err = ptrace_inject_child(from, SYS_clone, args, &ret, &child);
	if (!err && ret < 0)
		err = ret;
	if (!err && (child <= 0 || child != ret))
		err = -EIO;
	if (!err)
		err = ptrace_wait(child, &st);
	t->tid = child;
	t->as = from->as;
	t->tracer = ptrace_self();
	if (!err)
		err = ptrace_request(PTRACE_GETREGS, child, NULL, &t->regs);
	if (err && child > 0 && err != -ESRCH) {
		kill(child, SIGKILL);
		ptrace_reap(child);
	}
	t->regs_loaded = !err;
	return err;
}

/*
 * Clones a new stub thread in @as through its spawner, traced by the calling thread
 * and stopped, and links it into as->threads. -EAGAIN while the stub's first thread
 * runs its first context and no spawner was made (ptrace_as_share).
 */
int ptrace_spawn_thread(struct ptrace_as *as, struct ptrace_thread **out)
{
	struct ptrace_thread *s = &as->spawner, *t;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	pthread_mutex_lock(&as->lock);
	err = as->leader_ctx ? -EAGAIN : ptrace_thread_take(s);
	if (!err)
		err = ptrace_clone_thread(s, t);
	if (!as->leader_ctx && !s->dead)
		ptrace_thread_release(s);
	/* The spawner blocks everything; a context's thread must take the interrupt. */
	if (!err)
		err = ptrace_set_sigmask(t, 0);
	if (err) {
		pthread_mutex_unlock(&as->lock);
		if (t->tid > 0 && err != -ESRCH && t->regs_loaded) {
			kill(t->tid, SIGKILL);
			ptrace_reap(t->tid);
		}
		free(t);
		return err;
	}
	t->next = as->threads;
	as->threads = t;
	pthread_mutex_unlock(&as->lock);
	*out = t;
	return 0;
}

/*
 * The first context of a stub its creator still traces is the stub's first thread:
 * cloning one for it was 140 us of a fork here, and a fork child's address space
 * rarely gets a second. The stub has no spawner then (leader_ctx); whoever is about
 * to make another context asks for one first (ptrace_as_share). -EAGAIN where this
 * does not apply: the caller spawns as before.
 */
int ptrace_leader_ctx(struct ptrace_as *as, struct ptrace_thread **out)
{
	struct ptrace_thread *s = &as->spawner, *t;
	int err = -EAGAIN;

	pthread_mutex_lock(&as->lock);
	if (s->tracer != ptrace_self() || s->dead || as->threads || as->leader_ctx ||
	    as->sm_req >= 0)
		goto out;
	t = calloc(1, sizeof(*t));
	err = t ? ptrace_set_sigmask(s, 0) : -ENOMEM;
	if (err) {
		free(t);
		goto out;
	}
	t->as = as;
	t->tid = s->tid;
	t->tracer = s->tracer;
	t->regs = s->regs;
	t->regs_loaded = s->regs_loaded;
	t->interrupt_pending = s->interrupt_pending;
	*s = (struct ptrace_thread){ .as = as };
	as->leader_ctx = true;
	as->threads = t;
	*out = t;
out:
	pthread_mutex_unlock(&as->lock);
	return err;
}

/*
 * A spawner for @t's stub, if it has none because @t, its first thread, runs its
 * first context: @t (stopped, traced by the caller, not in sysmsg) clones one, which
 * is parked like any spawner. Its stack pointer is cleared: the stub's loops use no
 * stack, and the one it was cloned on is the application's.
 */
int ptrace_make_spawner(struct ptrace_thread *t)
{
	struct ptrace_as *as = t->as;
	struct ptrace_thread *s = &as->spawner;
	int err = 0;

	pthread_mutex_lock(&as->lock);
	if (!as->leader_ctx)
		goto out;
	if (t->tracer != ptrace_self() || t->sysmsg || t->tid != as->pid) {
		err = -EINVAL;	/* only the first context's owner can */
		goto out;
	}
	err = ptrace_clone_thread(t, s);
	if (!err)
		err = ptrace_set_sigmask(s, ptrace_parked_mask(as->p));
	if (!err) {
		s->regs.rsp = 0;
		ptrace_thread_release(s);
		err = s->dead ? -ESRCH : 0;
	} else if (s->regs_loaded) {	/* cloned, not parked */
		kill(s->tid, SIGKILL);
		ptrace_reap(s->tid);
	}
	if (err)
		*s = (struct ptrace_thread){ .as = as };
	else
		as->leader_ctx = false;
out:
	pthread_mutex_unlock(&as->lock);
	return err;
}

int ptrace_as_share(struct plat_as *pas, struct plat_ctx *pctx)
{
	(void)pas;
	return ptrace_make_spawner(to_ptrace_ctx(pctx)->t);
}

/*
 * The end of a context on the stub's first thread: it is parked rather than made to
 * exit (a thread-group leader's exit is reported only once its whole group is gone),
 * as the spawner if there is none. Then the stub is killed, or serves on.
 */
void ptrace_leader_park(struct ptrace_thread *t)
{
	struct ptrace_as *as = t->as;
	struct ptrace_thread *s = &as->spawner;

	pthread_mutex_lock(&as->lock);
	if (!t->dead && !ptrace_set_sigmask(t, ptrace_parked_mask(as->p))) {
		if (as->leader_ctx) {
			*s = *t;
			s->next = NULL;
			as->leader_ctx = false;
			t = s;
		}
		ptrace_thread_release(t);
	}
	pthread_mutex_unlock(&as->lock);
}

/*
 * Exec may keep the stub and @pctx's thread for the new program when no other
 * context runs in the stub (the spawner, parked, runs none). The check is under
 * as->lock, which a ctx_new holds while it spawns, so no context is being added.
 *
 * Kept, the stub unmaps the old program on the exec's path, where a killed stub is
 * torn down on another CPU: that costs as much as the old program touched (each
 * first touch of a page here takes 12-20 us of the stub's CPU, and its unmapping
 * about as much). A fork child about to exec has touched little; a program that
 * ran for a while (over 4 ms of CPU) gets a new stub instead: -EAGAIN.
 */
int ptrace_as_reuse(struct plat_as *pas, struct plat_ctx *pctx)
{
	struct ptrace_as *as = to_ptrace_as(pas);
	struct ptrace_thread *t = to_ptrace_ctx(pctx)->t;
	int small, err = 0;

	if (t->dead)
		return -ESRCH;
	small = ptrace_as_small(as);
	if (small <= 0)
		return small ? small : -EAGAIN;
	pthread_mutex_lock(&as->lock);
	if (t->as != as || as->threads != t || t->next)
		err = -EBUSY;
	pthread_mutex_unlock(&as->lock);
	return err ? err : ptrace_fp_init(t);	/* the new program's, with the batch */
}

static int ptrace_check_range(uint64_t addr, uint64_t len)
{
	if ((addr | len) & (STUB_PAGE_SIZE - 1) || !len)
		return -EINVAL;
	if (addr >= PTRACE_MAX_USER || len > PTRACE_MAX_USER - addr)
		return -EINVAL;
	return 0;
}

static int ptrace_as_call(struct ptrace_as *as, const struct plat_as_op *op, long nr,
			  const long args[6])
{
	struct ptrace_thread *t = ptrace_as_thread(as);
	long ret;
	int err;

	if (!t && __atomic_load_n(&as->sm_ready, __ATOMIC_ACQUIRE))
		return ptrace_sysmsg_as_apply(as, op, 1);
	if (!t)
		return -EPERM;
	err = ptrace_inject(t, nr, args, &ret);
	if (err)
		return err;
	if (ret < 0 && ret > -4096)
		return ret;
	return 0;
}

int ptrace_as_map(struct plat_as *pas, uint64_t addr, uint64_t len, int prot,
		  uint64_t file_off)
{
	long args[6] = { addr, len, prot, MAP_SHARED | MAP_FIXED, STUB_MEMFD, file_off };
	int err = ptrace_check_range(addr, len);

	if (err)
		return err;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) || file_off & (STUB_PAGE_SIZE - 1))
		return -EINVAL;
	const struct plat_as_op op = { PLAT_AS_MAP, prot, addr, len, file_off };

	return ptrace_as_call(to_ptrace_as(pas), &op, SYS_mmap, args);
}

int ptrace_as_unmap(struct plat_as *pas, uint64_t addr, uint64_t len)
{
	long args[6] = { addr, len };
	int err = ptrace_check_range(addr, len);

	if (err)
		return err;
	const struct plat_as_op op = { PLAT_AS_UNMAP, 0, addr, len, 0 };

	return ptrace_as_call(to_ptrace_as(pas), &op, SYS_munmap, args);
}

int ptrace_as_protect(struct plat_as *pas, uint64_t addr, uint64_t len, int prot)
{
	long args[6] = { addr, len, prot };
	int err = ptrace_check_range(addr, len);

	if (err)
		return err;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	const struct plat_as_op op = { PLAT_AS_PROTECT, prot, addr, len, 0 };

	return ptrace_as_call(to_ptrace_as(pas), &op, SYS_mprotect, args);
}

#define STUB_TABLE_ENTRIES	((STUB_PAGE_SIZE - STUB_TABLE_OFF) / STUB_ENTRY_SIZE)

/* Checks @o as the plat_as_map/unmap/protect it stands for would; 0 or -EINVAL. */
static int ptrace_check_op(const struct plat_as_op *o)
{
	int err = ptrace_check_range(o->addr, o->len);

	if (err)
		return err;
	switch (o->kind) {
	case PLAT_AS_MAP:
		if (o->file_off & (STUB_PAGE_SIZE - 1))
			return -EINVAL;
		/* fall through */
	case PLAT_AS_PROTECT:
		return o->prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC) ? -EINVAL : 0;
	case PLAT_AS_UNMAP:
		return 0;
	}
	return -EINVAL;
}

/* The three quads of a table entry (ptrace_stub.h) for checked operation @o. */
void ptrace_table_entry(const struct plat_as_op *o, uint64_t e[3])
{
	static const uint64_t kinds[] = {
		[PLAT_AS_MAP] = STUB_OP_MAP,
		[PLAT_AS_UNMAP] = STUB_OP_UNMAP,
		[PLAT_AS_PROTECT] = STUB_OP_PROTECT,
	};

	e[0] = o->addr | kinds[o->kind] | (uint64_t)o->prot << STUB_PROT_SHIFT;
	e[1] = o->len;
	e[2] = o->kind == PLAT_AS_MAP ? o->file_off : 0;
}

/*
 * Writes entries @ops[0..n) into @t's address space's table page, or without one
 * into the stub page's table with PTRACE_POKEDATA (two microseconds a word here,
 * 60-70 us for a fork's table), which writes through the page's read-only protection
 * (a private copy for this stub, made on the first write). Neither the application
 * nor another address space can change either between the write and its use. Then
 * runs stub_apply over them in stopped thread @t (stub_apply_map the first time
 * there is a table page; stub_apply_fpinit if its FPU state is to be reset: an
 * exec's). n <= STUB_TABLE_ENTRIES, every op checked; caller holds table_lock, or
 * has no entries.
 */
int ptrace_apply_table(struct ptrace_thread *t, const struct plat_as_op *ops, size_t n)
{
	struct ptrace_as *as = t->as;
	bool page = as->tbl_slot >= 0 && (as->tbl_mapped || !t->fp_init);
	const uint64_t table = page ? STUB_TABLE_ADDR : STUB_ADDR + STUB_TABLE_OFF;
	const char *entry = t->fp_init ? stub_apply_fpinit : stub_apply;
	struct user_regs_struct r;
	int err = 0;

	if (t->dead)
		return -ESRCH;
	for (size_t i = 0; i < n && !err; i++) {
		uint64_t e[3];

		if (page) {
			ptrace_table_entry(&ops[i], ptrace_sysmsg_table(as) + i * 3);
			continue;
		}
		ptrace_table_entry(&ops[i], e);
		for (int w = 0; w < 3 && !err; w++)
			err = ptrace_request(PTRACE_POKEDATA, t->tid,
					     (void *)(table + i * STUB_ENTRY_SIZE + w * 8),
					     (void *)e[w]);
	}
	if (err) {
		if (err == -ESRCH)
			t->dead = true;
		return err;
	}
	memcpy(&r, &t->regs, sizeof(r));
	r.rbx = table;
	r.rbp = table + n * STUB_ENTRY_SIZE;
	if (page && !as->tbl_mapped) {
		entry = stub_apply_map;
		r.r12 = (uint64_t)as->tbl_slot * STUB_SLOT_SIZE;
	}
	err = ptrace_run_routine(t, &r, entry, stub_apply_done);
	err = err ? err : ptrace_stub_err(r.rax);
	if (!err && page)
		as->tbl_mapped = true;
	if (!err)
		t->fp_init = false;	/* a pending reset rode along */
	return err;
}

/* @n checked operations: through @t's stub_apply, or without one (@t NULL: the stub
 * is ready for sysmsg) through the spawner's stub_sysloop. */
static int ptrace_as_run(struct ptrace_as *as, struct ptrace_thread *t,
			 const struct plat_as_op *ops, size_t n)
{
	return t ? ptrace_apply_table(t, ops, n) : ptrace_sysmsg_as_apply(as, ops, n);
}

int ptrace_as_apply(struct plat_as *pas, const struct plat_as_op *ops, size_t n)
{
	struct ptrace_as *as = to_ptrace_as(pas);
	struct ptrace_thread *t;
	size_t done = 0, k;
	int err = 0;

	if (n == 0)
		return 0;
	if (n == 1) {
		switch (ops->kind) {
		case PLAT_AS_MAP:
			return ptrace_as_map(pas, ops->addr, ops->len, ops->prot, ops->file_off);
		case PLAT_AS_UNMAP:
			return ptrace_as_unmap(pas, ops->addr, ops->len);
		default:
			return ptrace_as_protect(pas, ops->addr, ops->len, ops->prot);
		}
	}
	t = ptrace_as_thread(as);
	if (!t && !__atomic_load_n(&as->sm_ready, __ATOMIC_ACQUIRE))
		return -EPERM;
	pthread_mutex_lock(&as->table_lock);
	while (done < n && !err) {
		/* A chunk of valid operations; an invalid one ends the batch after it. */
		for (k = 0; done + k < n && k < STUB_TABLE_ENTRIES; k++) {
			err = ptrace_check_op(&ops[done + k]);
			if (err)
				break;
		}
		if (k) {
			int e = ptrace_as_run(as, t, ops + done, k);

			if (e)
				err = e;
		}
		done += k;
	}
	pthread_mutex_unlock(&as->table_lock);
	return err;
}


int ptrace_as_cpu_time(struct plat_as *pas, uint64_t *user_ns, uint64_t *sys_ns)
{
	struct ptrace_as *as = to_ptrace_as(pas);
	struct timespec sched, prof, virt;
	uint64_t total, p, v;

	/*
	 * SCHED is the exact runtime; PROF and VIRT are sampled at the tick, so a stub
	 * that ran less than one reads 0 there (and a process-CPU-clock deadline of 1 ns
	 * would never come). The total is SCHED's, split in the ticks' proportion.
	 */
	if (clock_gettime(PROCESS_CPUCLOCK(as->pid, CPUCLOCK_SCHED), &sched) ||
	    clock_gettime(PROCESS_CPUCLOCK(as->pid, CPUCLOCK_PROF), &prof) ||
	    clock_gettime(PROCESS_CPUCLOCK(as->pid, CPUCLOCK_VIRT), &virt))
		return -errno;
	total = sched.tv_sec * 1000000000ULL + sched.tv_nsec;
	p = prof.tv_sec * 1000000000ULL + prof.tv_nsec;
	v = virt.tv_sec * 1000000000ULL + virt.tv_nsec;
	*user_ns = p ? (uint64_t)((unsigned __int128)total * (v < p ? v : p) / p) : total;
	*sys_ns = total - *user_ns;
	return 0;
}
