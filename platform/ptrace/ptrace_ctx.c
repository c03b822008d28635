/*
 * Execution contexts: running application registers in a stub thread until the next
 * syscall, fault or interrupt, and moving FPU state on demand.
 *
 * The switch is four host syscalls: PTRACE_SETREGS (skipped when the registers are
 * those the thread already holds), PTRACE_SYSEMU, waitpid and PTRACE_GETREGS. The stop
 * is then classified: a syscall-entry stop (SIGTRAP|0x80) is a syscall; a
 * signal-delivery stop of a synchronous fault signal is a fault (or CPUID under CPUID
 * faulting); the interrupt signal is an interrupt. Every signal is suppressed: the
 * Sentry decides what the application sees. Like a real kernel entry, the next resume
 * starts from the registers the Sentry hands back.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ptrace_platform.h"

#define X86_USER_CS	0x33
#define SI_SYS_SECCOMP	1	/* SIGSYS si_code: from a seccomp filter */

/* x86 vectors Linux reports for each synchronous signal, where the signal tells. */
#define X86_TRAP_DE	0
#define X86_TRAP_DB	1
#define X86_TRAP_BP	3
#define X86_TRAP_UD	6
#define X86_TRAP_GP	13
#define X86_TRAP_PF	14

static void ptrace_ctx_unlink_exit(struct ptrace_thread *t);
static int ptrace_fp_init_pending(struct ptrace_thread *t);

/*
 * A context is a stub thread of its own, cloned by the spawner (or, for the creator
 * of a stub, that stub's first thread: a pooled stub's reserved one, or the spawner
 * itself) and traced by the calling thread; one per Sentry thread and address
 * space. When contexts start in sysmsg the spawner's loop clones it, and nobody
 * traces it (ptrace_sysmsg_ctx_new); otherwise a busy one moves there later
 * (ptrace_ctx_switch).
 */
int ptrace_ctx_new(struct platform *p, struct plat_as *pas, struct plat_ctx **out)
{
	struct ptrace_as *as = to_ptrace_as(pas);
	struct ptrace_thread *t;
	struct ptrace_ctx *ctx;
	pid_t me = ptrace_self();
	int cpu, err;

	pthread_mutex_lock(&as->lock);
	for (t = as->threads; t; t = t->next)
		if (t->tracer == me || (t->sysmsg && t->owner == me))
			break;
	pthread_mutex_unlock(&as->lock);
	if (t && !t->reserved)
		return -EBUSY;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	if (as->p->sm_born) {
		err = ptrace_sysmsg_ctx_new(as, &t);
	} else if (t) {
		/* A pooled stub's first thread, taken by our as_new: made already. */
		err = ptrace_set_sigmask(t, 0);
		if (!err)
			t->reserved = false;
	} else {
		err = ptrace_leader_ctx(as, &t);
		if (err == -EAGAIN)
			err = ptrace_spawn_thread(as, &t);
	}
	if (err) {
		free(ctx);
		return err;
	}
	/*
	 * Tracer and tracee on one CPU: every stop wakes the other side, and a wake-up
	 * across vCPUs costs 20x a switch on these VMs. Best effort. Not in sysmsg
	 * mode, where both sides spin, each on its own CPU.
	 */
	if (t->sysmsg)
		ptrace_sysmsg_place(as->p, t->tid);
	else if ((cpu = sched_getcpu()) >= 0 && !ptrace_pin_to_cpu(0, cpu))
		ptrace_pin_to_cpu(t->tid, cpu);
	ctx->t = t;
	ctx->pid = as->pid;
	ctx->tid = t->tid;
	*out = (struct plat_ctx *)ctx;
	return 0;
}

/* The context's thread exits (the process lives on) and is reaped; then unlinked. */
static void ptrace_ctx_unlink_exit(struct ptrace_thread *t)
{
	struct ptrace_thread **pp;
	struct ptrace_as *as = t->as;
	static const long args[6] = { 0 };
	long ret;

	if (t->sysmsg)
		ptrace_sysmsg_destroy(t);
	else if (t->tid == as->pid)
		ptrace_leader_park(t);
	else if (!t->dead && ptrace_inject(t, SYS_exit, args, &ret) != -ESRCH)
		ptrace_reap(t->tid);
	pthread_mutex_lock(&as->lock);
	for (pp = &as->threads; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	pthread_mutex_unlock(&as->lock);
	free(t);
}

void ptrace_ctx_destroy(struct plat_ctx *pctx)
{
	struct ptrace_ctx *ctx = to_ptrace_ctx(pctx);

	ptrace_ctx_unlink_exit(ctx->t);
	free(ctx);
}

void ptrace_ctx_interrupt(struct plat_ctx *pctx)
{
	struct ptrace_ctx *ctx = to_ptrace_ctx(pctx);

	/*
	 * A running tracee stops at once with the signal; a stopped one keeps it pending
	 * and stops with it as soon as it is resumed, so no interrupt is lost between
	 * the Sentry's last check and its next switch. Repeats coalesce.
	 */
	syscall(SYS_tgkill, ctx->pid, ctx->tid, PTRACE_INTERRUPT_SIG);
}

/*
 * With sysmsg on, a context that makes SM_PROMOTE_AFTER syscalls in less than
 * SM_PROMOTE_NS is due to move there: each of its syscalls would cost about half,
 * and the move about what 40 of them save. One that makes them seldom (a loop of
 * fork and wait, a server idling) stays traced, where a long syscall's wake-up is
 * a switch on one CPU rather than one across CPUs.
 */
static void ptrace_count_syscall(struct ptrace_thread *t)
{
	struct timespec ts;
	uint64_t now;

	if (!t->as->p->sysmsg || t->sm_stay)
		return;
	t->nsys++;
	if (t->nsys != 1 && t->nsys % SM_PROMOTE_AFTER)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (t->nsys != 1 && now - t->window_ns < SM_PROMOTE_NS)
		t->sm_due = true;
	t->window_ns = now;
}

static int ptrace_dead(struct ptrace_thread *t, struct plat_event *ev)
{
	t->dead = true;
	ev->kind = PLAT_EV_DEAD;
	return 0;
}

/*
 * 64-bit syscall or int $0x80? The syscall instruction loads rcx with the return rip
 * and r11 with rflags, so in a 64-bit code segment with rcx == rip and r11 == eflags
 * it is a 64-bit syscall, always. Otherwise (int $0x80, or a far jump to a 32-bit
 * segment) ask the kernel. An application can fake the pattern around int $0x80 and
 * get its call treated as a 64-bit one: no harm, it could have made that call anyway.
 */
static int ptrace_syscall_kind(struct ptrace_thread *t, const struct plat_regs *r)
{
	struct __ptrace_syscall_info info;

	if (r->cs == X86_USER_CS && r->rcx == r->rip && r->r11 == r->eflags)
		return PLAT_EV_SYSCALL;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(info), &info) <= 0)
		return PLAT_EV_SYSCALL;
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY && info.arch != AUDIT_ARCH_X86_64)
		return PLAT_EV_SYSCALL32;
	return PLAT_EV_SYSCALL;
}

static uint64_t ptrace_fault_trapno(int sig, int code)
{
	switch (sig) {
	case SIGSEGV:
		return code == SI_KERNEL ? X86_TRAP_GP : X86_TRAP_PF;
	case SIGBUS:
		return X86_TRAP_PF;
	case SIGILL:
		return code == ILL_ILLOPN ? X86_TRAP_UD : 0;
	case SIGFPE:
		return code == FPE_INTDIV ? X86_TRAP_DE : 0;
	case SIGTRAP:
		return code == TRAP_TRACE ? X86_TRAP_DB : X86_TRAP_BP;
	}
	return 0;
}

/* The two bytes at @rip, or -1. */
static int ptrace_insn_at(struct ptrace_thread *t, uint64_t rip)
{
	long word;

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, t->tid, (void *)rip, NULL);
	return errno ? -1 : (int)(word & 0xffff);
}

/*
 * A #GP (SIGSEGV, SI_KERNEL) that stands for an event: cpuid under CPUID faulting, or
 * int $0x80 on a host without IA-32 emulation (this one's PVM guest kernel). The
 * latter is reported as the syscall-entry stop a compat host would have given.
 */
static bool ptrace_gp_event(struct ptrace_thread *t, struct plat_regs *regs,
			    struct plat_event *ev)
{
	int insn = ptrace_insn_at(t, regs->rip);

	if (insn == 0xa20f && t->as->cpuid_faulting) {
		ev->kind = PLAT_EV_CPUID;
		return true;
	}
	if (insn == 0x80cd) {
		regs->rip += 2;
		regs->orig_rax = regs->rax;
		regs->rax = -ENOSYS;
		ev->kind = PLAT_EV_SYSCALL32;
		return true;
	}
	return false;
}

/*
 * A signal-delivery stop. Returns 1 with @ev filled, 0 to drop the signal and run on
 * (signals nobody in the sandbox raised: kill(2) from outside, job control), or
 * -errno.
 */
static int ptrace_signal_event(struct ptrace_thread *t, int sig, struct plat_regs *regs,
			       struct plat_event *ev)
{
	siginfo_t si;

	if (sig == PTRACE_INTERRUPT_SIG) {
		ev->kind = PLAT_EV_INTERRUPT;
		return 1;
	}
	if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL &&
	    sig != SIGTRAP && sig != SIGSYS)
		return 0;
	if (ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si))
		return -errno;
	if (si.si_code <= 0)
		return 0;	/* sent by a process, not raised by the CPU */
	if (sig == SIGSYS) {
		/*
		 * Only the kernel's vsyscall emulation reaches the stub's filter: it has
		 * already popped the return address into rip. Make it the syscall it is.
		 */
		if (si.si_code != SI_SYS_SECCOMP)
			return 0;
		regs->orig_rax = si.si_syscall;
		ev->kind = PLAT_EV_SYSCALL;
		return 1;
	}
	if (sig == SIGSEGV && si.si_code == SI_KERNEL && ptrace_gp_event(t, regs, ev))
		return 1;
	ev->kind = PLAT_EV_FAULT;
	ev->signo = sig;
	ev->code = si.si_code;
	ev->addr = (uint64_t)si.si_addr;
	ev->trapno = ptrace_fault_trapno(sig, si.si_code);
	return 1;
}

/*
 * An interrupt that stopped the thread inside the host's vDSO (a clock read the
 * sandbox's vDSO made there): single-step it out, so that what the Sentry sees, and
 * may checkpoint, is never in code another host does not have. A clock read is a
 * few dozen instructions; the bound only guards against a loop that never leaves.
 * A syscall there (the host vDSO's own fallback) is not stepped over, which would
 * run it on the host: the thread stops before it and the next switch traps it.
 */
static int ptrace_step_out_of_host_vdso(struct ptrace_thread *t, struct plat_regs *regs)
{
	for (int i = 0; i < 100000 && ptrace_in_host_vdso(regs->rip); i++) {
		int insn = ptrace_insn_at(t, regs->rip), st, err;

		if (insn < 0 || insn == 0x050f)
			break;
		if (ptrace(PTRACE_SINGLESTEP, t->tid, NULL, NULL))
			return -errno;
		err = ptrace_wait(t->tid, &st);
		if (err)
			return err;
		if (ptrace(PTRACE_GETREGS, t->tid, NULL, &t->regs))
			return -errno;
		*regs = t->regs;
		if (WSTOPSIG(st) != SIGTRAP && WSTOPSIG(st) != PTRACE_INTERRUPT_SIG)
			break;  /* a fault there: the Sentry sees it as it is */
	}
	return 0;
}

/*
 * Hands @regs to the stopped thread, writing only what changed: nothing, rax alone
 * (the usual syscall return: one POKEUSER), or everything. Returns 0 or -1/errno.
 */
static int ptrace_load_regs(struct ptrace_thread *t, const struct plat_regs *regs)
{
	const size_t rax = offsetof(struct plat_regs, rax);
	const size_t rest = offsetof(struct plat_regs, rcx);

	if (t->regs_loaded && !memcmp(regs, &t->regs, rax) &&
	    !memcmp(&regs->rcx, &t->regs.rcx, sizeof(*regs) - rest)) {
		if (regs->rax == t->regs.rax)
			return 0;
		if (ptrace(PTRACE_POKEUSER, t->tid, (void *)rax, (void *)regs->rax))
			return -1;
		t->regs.rax = regs->rax;
		return 0;
	}
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, regs))
		return -1;
	t->regs = *regs;
	t->regs_loaded = true;
	return 0;
}

int ptrace_ctx_switch(struct plat_ctx *pctx, struct plat_regs *regs, struct plat_event *ev)
{
	struct ptrace_thread *t = to_ptrace_ctx(pctx)->t;
	pid_t tid = t->tid;
	int st, sig, err;

	memset(ev, 0, sizeof(*ev));
	err = t->fp_init ? ptrace_fp_init_pending(t) : 0;	/* an exec's, rarely */
	if (err && err != -ESRCH)
		return err;
	/* Busy: on to sysmsg (ptrace_sysmsg_promote), failing that traced for good. An
	 * interrupt the move's injection swallowed is reported below, as any other. */
	if (t->sm_due && !t->dead) {
		t->sm_due = false;
		t->sm_stay = ptrace_sysmsg_promote(t) != 0;
	}
	if (t->dead)
		return ptrace_dead(t, ev);
	if (t->interrupt_pending) {
		t->interrupt_pending = false;
		ev->kind = PLAT_EV_INTERRUPT;
		return 0;
	}
	if (t->sysmsg)
		return ptrace_sysmsg_switch(t, regs, ev);
	err = ptrace_load_regs(t, regs);
	if (err)
		goto out_errno;
	for (;;) {
		if (ptrace(PTRACE_SYSEMU, tid, NULL, NULL))
			goto out_errno;
		err = ptrace_wait(tid, &st);
		if (err == -ESRCH || err == -ECHILD)
			return ptrace_dead(t, ev);
		if (err)
			return err;
		sig = WSTOPSIG(st);
		if (sig != (SIGTRAP | 0x80) && st >> 16)
			continue;	/* group-stop or another event: run on */
		if (ptrace(PTRACE_GETREGS, tid, NULL, &t->regs))
			goto out_errno;
		*regs = t->regs;
		if (sig == (SIGTRAP | 0x80)) {
			ev->kind = ptrace_syscall_kind(t, regs);
			ptrace_count_syscall(t);
			return 0;
		}
		err = ptrace_signal_event(t, sig, regs, ev);
		if (err < 0)
			return err;
		if (err && ev->kind == PLAT_EV_INTERRUPT && ptrace_in_host_vdso(regs->rip))
			return ptrace_step_out_of_host_vdso(t, regs);
		if (err)
			return 0;
	}

out_errno:
	err = -errno;
	if (err == -ESRCH) {
		/* Killed while stopped. */
		ptrace_reap(tid);
		return ptrace_dead(t, ev);
	}
	return err;
}

static int ptrace_fpstate_note(const struct platform *p)
{
	return p->fpstate_size > 512 ? NT_X86_XSTATE : NT_PRFPREG;
}

/*
 * Exec keeps @t for the new program (ptrace_as_reuse), which starts with the initial
 * FPU state, Linux's: a traced thread gets it from the batch that maps the program
 * (stub_apply_fpinit's XRSTOR; PTRACE_SETREGSET would cost more here, the kernel
 * vmallocs a buffer for each), or failing that before it runs or its state is read
 * (ptrace_fp_init_pending). A thread in sysmsg has it written into its frame now.
 */
int ptrace_fp_init(struct ptrace_thread *t)
{
	size_t size = t->as->p->base.fpstate_size;
	const uint32_t mxcsr = 0x1f80;
	uint8_t *buf;
	int err;

	if (!t->sysmsg || t->tracer) {
		t->fp_init = true;
		return 0;
	}
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	buf[0] = 0x7f;			/* fcw 0x37f */
	buf[1] = 0x03;
	memcpy(buf + 24, &mxcsr, sizeof(mxcsr));
	if (size > 512)
		buf[512] = 3;		/* xstate_bv: x87 and SSE as above, the rest init */
	err = ptrace_sysmsg_set_fpstate(t, buf);
	free(buf);
	return err;
}

/* The reset ptrace_fp_init left to a batch that did not come: an empty one, which
 * carries it all the same. */
static int ptrace_fp_init_pending(struct ptrace_thread *t)
{
	return t->fp_init && !t->dead ? ptrace_apply_table(t, NULL, 0) : 0;
}

int ptrace_ctx_get_fpstate(struct plat_ctx *pctx, void *buf, size_t len)
{
	struct ptrace_thread *t = to_ptrace_ctx(pctx)->t;
	const struct platform *p = &t->as->p->base;
	struct iovec iov = { buf, p->fpstate_size };
	int err;

	if (len < p->fpstate_size)
		return -EINVAL;
	if (t->dead)
		return -ESRCH;
	if (t->sysmsg && !t->tracer)
		return ptrace_sysmsg_get_fpstate(t, buf);
	err = ptrace_fp_init_pending(t);
	if (err)
		return err;
	if (ptrace(PTRACE_GETREGSET, t->tid, (void *)(long)ptrace_fpstate_note(p), &iov))
		return -errno;
	return 0;
}

int ptrace_ctx_set_fpstate(struct plat_ctx *pctx, const void *buf, size_t len)
{
	struct ptrace_thread *t = to_ptrace_ctx(pctx)->t;
	const struct platform *p = &t->as->p->base;
	struct iovec iov = { (void *)buf, p->fpstate_size };

	if (len < p->fpstate_size)
		return -EINVAL;
	if (t->dead)
		return -ESRCH;
	if (t->sysmsg && !t->tracer)
		return ptrace_sysmsg_set_fpstate(t, buf);
	if (ptrace(PTRACE_SETREGSET, t->tid, (void *)(long)ptrace_fpstate_note(p), &iov))
		return -errno;
	t->fp_init = false;
	return 0;
}
