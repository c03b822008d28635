/*
 * Contexts: a vCPU per application thread, the switch, and FPU state.
 *
 * A vCPU normally rests in the trampoline just after an exit port, in supervisor
 * mode. The switch writes the application's registers (sync regs, plus the PVCS on
 * PVM or an IRETQ frame on VMX), points rip at the way out (ERETU / IRETQ), runs until
 * the next exit and reads the registers back the same way. An interrupt can also stop
 * it in user mode (KVM_RUN returns EINTR wherever the guest is); it is then resumed by
 * writing the user registers directly.
 *
 * Events are reported exactly as the ptrace platform reports them on this host (see
 * platform/README.md): syscalls with orig_rax = nr and rax = -ENOSYS, faults with
 * Linux's signo/si_code/si_addr, int $0x80 as PLAT_EV_SYSCALL32, vsyscall calls as the
 * syscalls they stand for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm_platform.h"

/* Documentation/virt/kvm/x86/pvm-spec.rst, MSR_PVM_VCPU_STRUCT. */
struct kvm_pvcs {
	uint64_t event_flags;
	uint64_t cr2;
	uint64_t reserved0[6];
	uint16_t user_cs, user_ss;
	uint16_t event_errcode;
	uint16_t event_vector;
	uint64_t user_gsbase;
	uint32_t eflags;
	uint32_t pkru;
	uint64_t rip;
	uint64_t rcx;
	uint64_t r11;
	uint64_t reserved1[2];
};
_Static_assert(offsetof(struct kvm_pvcs, user_cs) == 64 &&
	       offsetof(struct kvm_pvcs, user_gsbase) == 72 &&
	       offsetof(struct kvm_pvcs, rip) == 88 && sizeof(struct kvm_pvcs) == 128,
	       "PVCS layout");

/* VMX exception frame as the stubs leave it. */
struct kvm_vmx_frame {
	uint64_t vector, err, rip, cs, rflags, rsp, ss;
};

#define EFLAGS_USER_MASK	0x250fd5	/* CF PF AF ZF SF TF IF DF OF RF AC ID */
#define EFLAGS_FIXED		0x202		/* bit 1 and IF */
#define VSYSCALL_PAGE		0xffffffffff600000ull
#define PF_PROT			0x1
#define PF_WRITE		0x2
#define PF_INSTR		0x10
#define PF_PK			0x20
#define PTE_NX			(1ull << 63)
#define PTE_SOFT_NONE		0x200ull
#define PTE_W			0x2ull
#define KVM_SPURIOUS_MAX	4

static struct kvm_pvcs *kvm_pvcs(struct kvm_ctx *ctx)
{
	return kvm_arena_ptr(ctx->p, ctx->vcpu->area_off + KVM_AREA_PVCS);
}

static bool kvm_in_tramp(uint64_t rip)
{
	return rip - KVM_SUP_VA < KVM_ARENA_SIZE;
}

static uint64_t kvm_tramp_va(const char *sym)
{
	return KVM_SUP_VA + kvm_tramp_off(sym);
}

/* A clean FPU for a vCPU that may come from another context. */
static int kvm_fpu_reset(struct kvm_ctx *ctx)
{
	struct kvm_platform *p = ctx->p;
	struct kvm_xsave *xs = calloc(1, p->xsave_size);
	int err = 0;

	if (!xs)
		return -ENOMEM;
	xs->region[0] = 0x37f;			/* FCW */
	xs->region[6] = 0x1f80;			/* MXCSR */
	if (ioctl(ctx->vcpu->fd, KVM_SET_XSAVE, xs))
		err = -errno;
	free(xs);
	return err;
}

int kvm_ctx_new(struct platform *pp, struct plat_as *pas, struct plat_ctx **out)
{
	struct kvm_platform *p = to_kvm_platform(pp);
	struct kvm_as *as = to_kvm_as(pas);
	struct kvm_ctx *ctx;
	sigset_t kick;
	int err;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	err = kvm_vcpu_get(p, &ctx->vcpu);
	if (err)
		goto out_free;
	ctx->p = p;
	ctx->as = as;
	ctx->pid = getpid();
	ctx->tid = gettid();
	/* The kick must reach this thread while it is in KVM_RUN. */
	sigemptyset(&kick);
	sigaddset(&kick, SIGSTKFLT);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	pthread_mutex_lock(&p->lock);
	as->loaded = true;
	as->nctx++;
	pthread_mutex_unlock(&p->lock);
	err = kvm_vcpu_set_cr3(p, ctx->vcpu, as->pml4);
	if (!err)
		err = kvm_fpu_reset(ctx);
	if (err)
		goto out_put;
	ctx->vcpu->tlb_gen = __atomic_load_n(&as->tlb_gen, __ATOMIC_SEQ_CST);
	*out = (struct plat_ctx *)ctx;
	return 0;

out_put:
	pthread_mutex_lock(&p->lock);
	as->nctx--;
	pthread_mutex_unlock(&p->lock);
	kvm_vcpu_put(p, ctx->vcpu);
out_free:
	free(ctx);
	return err;
}

void kvm_ctx_destroy(struct plat_ctx *pctx)
{
	struct kvm_ctx *ctx = to_kvm_ctx(pctx);
	struct kvm_platform *p = ctx->p;

	pthread_mutex_lock(&p->lock);
	ctx->as->nctx--;
	pthread_mutex_unlock(&p->lock);
	/* A vCPU in user mode or broken cannot take the trampoline's way out: drop it. */
	if (ctx->dead || ctx->vcpu->in_user)
		kvm_vcpu_free(p, ctx->vcpu);
	else
		kvm_vcpu_put(p, ctx->vcpu);
	free(ctx);
}

/*
 * Any thread. The flag is what the switch reports; immediate_exit stops a KVM_RUN
 * about to start; the signal ends one in progress. The owner clears immediate_exit
 * before it tests the flag, so no interrupt is lost or reported twice.
 */
void kvm_ctx_interrupt(struct plat_ctx *pctx)
{
	struct kvm_ctx *ctx = to_kvm_ctx(pctx);

	__atomic_store_n(&ctx->interrupt, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&ctx->vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ctx->in_run, __ATOMIC_SEQ_CST))
		syscall(SYS_tgkill, ctx->pid, ctx->tid, SIGSTKFLT);
}

static int kvm_dead(struct kvm_ctx *ctx, struct plat_event *ev)
{
	ctx->dead = true;
	ev->kind = PLAT_EV_DEAD;
	return 0;
}

/* Registers into the stopped vCPU. */
static void kvm_load_regs(struct kvm_ctx *ctx, const struct plat_regs *r)
{
	struct kvm_vcpu *v = ctx->vcpu;
	struct kvm_run *run = v->run;
	struct kvm_regs *k = &run->s.regs.regs;
	struct kvm_sregs *s = &run->s.regs.sregs;
	uint64_t eflags = (r->eflags & EFLAGS_USER_MASK) | EFLAGS_FIXED;
	uint16_t cs = r->cs == KVM_USER32_CS ? KVM_USER32_CS : KVM_USER_CS;

	k->rax = r->rax; k->rbx = r->rbx; k->rcx = r->rcx; k->rdx = r->rdx;
	k->rsi = r->rsi; k->rdi = r->rdi; k->rsp = r->rsp; k->rbp = r->rbp;
	k->r8 = r->r8; k->r9 = r->r9; k->r10 = r->r10; k->r11 = r->r11;
	k->r12 = r->r12; k->r13 = r->r13; k->r14 = r->r14; k->r15 = r->r15;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	if (s->fs.base != r->fs_base) {
		s->fs.base = r->fs_base;
		run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
	}
	if (v->in_user) {
		k->rip = r->rip;
		k->rflags = eflags;
		if (s->gs.base != r->gs_base) {
			s->gs.base = r->gs_base;
			run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
		}
		return;
	}
	if (ctx->p->mode == KVM_MODE_PVM) {
		struct kvm_pvcs *pv = kvm_pvcs(ctx);

		pv->event_vector = 0;
		pv->event_flags = 0;
		pv->user_cs = cs;
		pv->user_ss = KVM_USER_DS;
		pv->user_gsbase = r->gs_base;
		pv->eflags = eflags;
		pv->rip = r->rip;
		pv->rcx = r->rcx;
		pv->r11 = r->r11;
		k->rip = kvm_tramp_va(kvm_pvm_retu);
		k->rflags = 2;
		return;
	}
	/* VMX: an IRETQ frame below the vCPU's stack top; rsp points at it. */
	uint64_t *f = kvm_arena_ptr(ctx->p, v->area_off + KVM_AREA_STACK_TOP - 40);

	f[0] = r->rip;
	f[1] = cs;
	f[2] = eflags;
	f[3] = r->rsp;
	f[4] = KVM_USER_DS;
	k->rsp = KVM_SUP_VA + v->area_off + KVM_AREA_STACK_TOP - 40;
	k->rip = kvm_tramp_va(kvm_vmx_iret);
	k->rflags = 2;
	if (s->gs.base != r->gs_base) {
		s->gs.base = r->gs_base;
		run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
	}
}

/* General registers and FS base as the exit left them (the user's, or most of them). */
static void kvm_read_gprs(struct kvm_ctx *ctx, struct plat_regs *r)
{
	struct kvm_run *run = ctx->vcpu->run;
	struct kvm_regs *k = &run->s.regs.regs;

	r->rax = k->rax; r->rbx = k->rbx; r->rcx = k->rcx; r->rdx = k->rdx;
	r->rsi = k->rsi; r->rdi = k->rdi; r->rsp = k->rsp; r->rbp = k->rbp;
	r->r8 = k->r8; r->r9 = k->r9; r->r10 = k->r10; r->r11 = k->r11;
	r->r12 = k->r12; r->r13 = k->r13; r->r14 = k->r14; r->r15 = k->r15;
	r->rip = k->rip;
	r->eflags = k->rflags;
	r->fs_base = run->s.regs.sregs.fs.base;
	r->gs_base = run->s.regs.sregs.gs.base;
	r->cs = run->s.regs.sregs.cs.selector;
	r->ss = run->s.regs.sregs.ss.selector;
	r->ds = r->es = r->fs = r->gs = 0;
}

/*
 * The user's registers after an exit through a trampoline port: rip, rflags, rcx,
 * r11, cs, ss and GS base come from the PVCS (PVM) or the frame / SYSCALL's rcx and
 * r11 (VMX). Returns the vector for events, else -1.
 */
static int kvm_read_user(struct kvm_ctx *ctx, struct plat_regs *r, bool syscall,
			 uint64_t *err, uint64_t *cr2)
{
	struct kvm_run *run = ctx->vcpu->run;

	kvm_read_gprs(ctx, r);
	if (ctx->p->mode == KVM_MODE_PVM) {
		struct kvm_pvcs *pv = kvm_pvcs(ctx);

		r->rip = pv->rip;
		r->eflags = pv->eflags;
		r->rcx = pv->rcx;
		r->r11 = pv->r11;
		r->cs = pv->user_cs;
		r->ss = pv->user_ss;
		r->gs_base = pv->user_gsbase;
		*err = pv->event_errcode;
		*cr2 = pv->cr2;
		return syscall ? -1 : pv->event_vector & 0xff;
	}
	r->cs = KVM_USER_CS;
	r->ss = KVM_USER_DS;
	if (syscall) {
		r->rip = r->rcx;
		r->eflags = r->r11;
		return -1;
	}
	uint64_t foff = run->s.regs.regs.rsp - KVM_SUP_VA;
	struct kvm_vmx_frame *f;

	if (foff >= KVM_ARENA_SIZE - sizeof(*f))
		return -2;
	f = kvm_arena_ptr(ctx->p, foff);

	r->rip = f->rip;
	r->cs = f->cs;
	r->eflags = f->rflags;
	r->rsp = f->rsp;
	r->ss = f->ss;
	*err = f->err;
	*cr2 = run->s.regs.sregs.cr2;
	if ((f->cs & 3) != 3)
		return -2;			/* a fault at CPL0 */
	if (f->vector == 6 && f->rip == KVM_LANDING_VA && ctx->p->mode == KVM_MODE_NATIVE) {
		/* A SYSCALL that stayed at CPL3 and hit the landing's ud2. */
		r->rip = r->rcx;
		r->eflags = r->r11;
		return -3;
	}
	return (int)f->vector;
}

static void kvm_fault(struct plat_event *ev, int sig, int code, uint64_t addr,
		      int vec, uint64_t err)
{
	ev->kind = PLAT_EV_FAULT;
	ev->signo = sig;
	ev->code = code;
	ev->addr = addr;
	ev->trapno = vec;
	ev->err = err;
}

/* A call into the vsyscall page: emulated as the syscall it stands for, like Linux. */
static bool kvm_vsyscall(struct kvm_ctx *ctx, struct plat_regs *r, struct plat_event *ev)
{
	static const int nrs[] = { 96, 201, 309 };	/* gettimeofday, time, getcpu */
	uint64_t off = r->rip - VSYSCALL_PAGE, *ret;

	if (off >= 0x1000 || off & 0x3ff || off / 0x400 > 2)
		return false;
	ret = kvm_as_translate(ctx->as, r->rsp, false, NULL);
	if (!ret || (r->rsp & 0xfff) > 0xff8)
		return false;
	r->rip = *ret;
	r->rsp += 8;
	r->orig_rax = nrs[off / 0x400];
	r->rax = -ENOSYS;
	ev->kind = PLAT_EV_SYSCALL;
	return true;
}

/*
 * Turns vector @vec into an event. Returns 1 to report it, 0 to resume (a spurious
 * fault on a mapping that allows the access: a stale translation).
 */
static int kvm_classify(struct kvm_ctx *ctx, struct plat_regs *r, int vec, uint64_t err,
			uint64_t cr2, struct plat_event *ev)
{
	uint64_t pte;
	uint8_t *insn;

	switch (vec) {
	case 0:
		kvm_fault(ev, SIGFPE, FPE_INTDIV, r->rip, vec, 0);
		return 1;
	case 1:
		kvm_fault(ev, SIGTRAP, TRAP_TRACE, r->rip, vec, 0);
		return 1;
	case 3:
		kvm_fault(ev, SIGTRAP, SI_KERNEL, 0, vec, 0);
		return 1;
	case 6:
		/* kvm_pvm's native mode: int $0x80 arrives as #UD, with rip on the
		 * instruction on some hosts and on its 0x80 on others. */
		insn = kvm_as_translate(ctx->as, r->rip, false, NULL);
		if (insn && (r->rip & 0xfff) < 0xfff && insn[0] == 0xcd && insn[1] == 0x80) {
			r->rip += 2;
			return kvm_classify(ctx, r, 0x80, 0, 0, ev);
		}
		insn = kvm_as_translate(ctx->as, r->rip - 1, false, NULL);
		if (insn && ((r->rip - 1) & 0xfff) < 0xfff && insn[0] == 0xcd && insn[1] == 0x80) {
			r->rip += 1;
			return kvm_classify(ctx, r, 0x80, 0, 0, ev);
		}
		kvm_fault(ev, SIGILL, ILL_ILLOPN, r->rip, vec, 0);
		return 1;
	case 16:
	case 19:
		kvm_fault(ev, SIGFPE, FPE_FLTINV, r->rip, vec, 0);
		return 1;
	case 17:
		kvm_fault(ev, SIGBUS, BUS_ADRALN, r->rip, vec, err);
		return 1;
	case 0x80:
		/* int $0x80: rip is already past it, as after a compat syscall entry. */
		r->orig_rax = r->rax & 0xffffffff;
		r->rax = -ENOSYS;
		ev->kind = PLAT_EV_SYSCALL32;
		return 1;
	case 13:
		if (kvm_vsyscall(ctx, r, ev))
			return 1;
		insn = kvm_as_translate(ctx->as, r->rip, false, NULL);
		if (insn && (r->rip & 0xfff) < 0xfff && insn[0] == 0xcd && insn[1] == 0x80) {
			r->rip += 2;
			return kvm_classify(ctx, r, 0x80, 0, 0, ev);
		}
		kvm_fault(ev, SIGSEGV, SI_KERNEL, 0, vec, err);
		return 1;
	case 14:
		if (cr2 == r->rip && kvm_vsyscall(ctx, r, ev))
			return 1;
		if (err & PF_PK) {
			kvm_fault(ev, SIGSEGV, SEGV_PKUERR, cr2, vec, err);
			return 1;
		}
		if (kvm_as_translate(ctx->as, cr2, err & PF_WRITE, &pte) &&
		    !((err & PF_INSTR) && (pte & PTE_NX)))
			return 0;
		kvm_fault(ev, SIGSEGV, (err & PF_PROT) || (pte & PTE_SOFT_NONE) ?
			  SEGV_ACCERR : SEGV_MAPERR, cr2, vec, err);
		return 1;
	default:
		kvm_fault(ev, SIGSEGV, SI_KERNEL, 0, vec, err);
		return 1;
	}
}

/* Flushes this vCPU's TLB if its space lost mappings since it last did. */
static int kvm_maybe_flush(struct kvm_ctx *ctx)
{
	struct kvm_vcpu *v = ctx->vcpu;
	uint64_t gen = __atomic_load_n(&ctx->as->tlb_gen, __ATOMIC_SEQ_CST);
	const char *entry = ctx->p->mode == KVM_MODE_PVM ? kvm_pvm_flush : kvm_vmx_flush;
	int err;

	if (v->tlb_gen == gen || v->in_user)
		return 0;
	err = kvm_vcpu_run_tramp(ctx->p, v, kvm_tramp_off(entry), KVM_PORT_FLUSHED, 2000);
	if (!err)
		v->tlb_gen = gen;
	return err;
}

/* KVM_RUN stopped by a signal. Returns 1 to report an interrupt, 0 to run on. */
static int kvm_after_eintr(struct kvm_ctx *ctx, struct plat_regs *regs)
{
	struct kvm_vcpu *v = ctx->vcpu;
	uint64_t rip = v->run->s.regs.regs.rip;

	if (!__atomic_exchange_n(&ctx->interrupt, 0, __ATOMIC_SEQ_CST))
		return 0;
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (!kvm_in_tramp(rip)) {
		/* Stopped in user mode: everything is in the vCPU's registers. */
		v->in_user = true;
		kvm_read_gprs(ctx, regs);
		return 1;
	}
	if (rip == kvm_tramp_va(kvm_pvm_retu) || rip == kvm_tramp_va(kvm_vmx_iret))
		return 1;	/* not back in user mode yet: @regs are still current */
	/*
	 * Between a user event and its exit port: let the trampoline reach the port so
	 * the event is not lost, and report the interrupt at the next switch.
	 */
	__atomic_store_n(&ctx->interrupt, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int kvm_exit_fatal(struct kvm_ctx *ctx, struct plat_event *ev, const char *what)
{
	struct kvm_run *run = ctx->vcpu->run;

	kvm_fatal(ctx->p, "%s (vCPU %d, exit %u, rip %#llx, rsp %#llx); the sandbox "
		  "cannot continue", what, ctx->vcpu->id, run->exit_reason,
		  run->s.regs.regs.rip, run->s.regs.regs.rsp);
	return kvm_dead(ctx, ev);
}

static int ctx_switch(struct plat_ctx *pctx, struct plat_regs *regs, struct plat_event *ev)
{
	struct kvm_ctx *ctx = to_kvm_ctx(pctx);
	struct kvm_vcpu *v = ctx->vcpu;
	struct kvm_run *run = v->run;
	uint64_t err, cr2;
	int vec, spurious = 0, r;

	memset(ev, 0, sizeof(*ev));
	if (ctx->dead)
		return kvm_dead(ctx, ev);
	__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&ctx->interrupt, 0, __ATOMIC_SEQ_CST)) {
		ev->kind = PLAT_EV_INTERRUPT;
		return 0;
	}
	if (kvm_maybe_flush(ctx))
		return kvm_exit_fatal(ctx, ev, "TLB flush failed");
	if (__atomic_exchange_n(&ctx->interrupt, 0, __ATOMIC_SEQ_CST)) {
		ev->kind = PLAT_EV_INTERRUPT;	/* arrived during the flush */
		return 0;
	}
	kvm_load_regs(ctx, regs);
	for (;;) {
		__atomic_store_n(&ctx->in_run, 1, __ATOMIC_SEQ_CST);
		r = ioctl(v->fd, KVM_RUN, 0);
		__atomic_store_n(&ctx->in_run, 0, __ATOMIC_SEQ_CST);
		run->kvm_dirty_regs = 0;
		if (r < 0) {
			if (errno != EINTR && errno != EAGAIN)
				return kvm_exit_fatal(ctx, ev, strerror(errno));
			if (kvm_after_eintr(ctx, regs)) {
				ev->kind = PLAT_EV_INTERRUPT;
				return 0;
			}
			continue;
		}
		if (run->exit_reason == KVM_EXIT_SHUTDOWN)
			return kvm_exit_fatal(ctx, ev, "triple fault");
		if (run->exit_reason == KVM_EXIT_MMIO && !kvm_in_tramp(run->s.regs.regs.rip)) {
			/* A mapping past the end of the memory file: no memory there. */
			v->in_user = true;
			kvm_read_gprs(ctx, regs);
			kvm_fault(ev, SIGBUS, BUS_ADRERR, 0, 14, 0);
			return 0;
		}
		if (run->exit_reason != KVM_EXIT_IO)
			return kvm_exit_fatal(ctx, ev, "unexpected exit");
		v->in_user = false;
		switch (run->io.port) {
		case KVM_PORT_SYSCALL:
			kvm_read_user(ctx, regs, true, &err, &cr2);
syscall:
			regs->rcx = regs->rip;
			regs->r11 = regs->eflags;
			regs->orig_rax = regs->rax;
			regs->rax = -ENOSYS;
			ev->kind = PLAT_EV_SYSCALL;
			return 0;
		case KVM_PORT_EVENT:
			vec = kvm_read_user(ctx, regs, false, &err, &cr2);
			if (vec == -3)
				goto syscall;
			if (vec < 0)
				return kvm_exit_fatal(ctx, ev, "fault in the trampoline");
			regs->orig_rax = -1;
			if (kvm_classify(ctx, regs, vec, err, cr2, ev))
				return 0;
			if (++spurious > KVM_SPURIOUS_MAX) {
				kvm_fault(ev, SIGSEGV, SEGV_ACCERR, cr2, vec, err);
				return 0;
			}
			kvm_load_regs(ctx, regs);
			continue;
		case KVM_PORT_FATAL:
			return kvm_exit_fatal(ctx, ev, "fault in the trampoline");
		default:
			return kvm_exit_fatal(ctx, ev, "unknown exit port");
		}
	}
}

int kvm_ctx_get_fpstate(struct plat_ctx *pctx, void *buf, size_t len)
{
	struct kvm_ctx *ctx = to_kvm_ctx(pctx);
	struct kvm_platform *p = ctx->p;
	struct kvm_xsave *xs;
	int err = 0;

	if (len < p->base.fpstate_size || p->base.fpstate_size > p->xsave_size)
		return -EINVAL;
	if (ctx->dead)
		return -ESRCH;
	xs = calloc(1, p->xsave_size);
	if (!xs)
		return -ENOMEM;
	if (ioctl(ctx->vcpu->fd, p->xsave2 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, xs))
		err = -errno;
	else
		memcpy(buf, xs->region, p->base.fpstate_size);
	free(xs);
	return err;
}

int kvm_ctx_set_fpstate(struct plat_ctx *pctx, const void *buf, size_t len)
{
	struct kvm_ctx *ctx = to_kvm_ctx(pctx);
	struct kvm_platform *p = ctx->p;
	struct kvm_xsave *xs;
	int err = 0;

	if (len < p->base.fpstate_size || p->base.fpstate_size > p->xsave_size)
		return -EINVAL;
	if (ctx->dead)
		return -ESRCH;
	xs = calloc(1, p->xsave_size);
	if (!xs)
		return -ENOMEM;
	memcpy(xs->region, buf, p->base.fpstate_size);
	if (ioctl(ctx->vcpu->fd, KVM_SET_XSAVE, xs))
		err = -errno;
	free(xs);
	return err;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The switch, timed on this thread's CPU clock for the address space's account. */
int kvm_ctx_switch(struct plat_ctx *pctx, struct plat_regs *regs, struct plat_event *ev)
{
	struct kvm_ctx *ctx = to_kvm_ctx(pctx);
	uint64_t t0 = thread_cpu_ns();
	int r = ctx_switch(pctx, regs, ev);

	__atomic_add_fetch(&ctx->as->cpu_ns, thread_cpu_ns() - t0, __ATOMIC_RELAXED);
	return r;
}
