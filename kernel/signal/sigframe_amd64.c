/*
 * The x86_64 rt_sigframe: building it for a handler and unwinding it in rt_sigreturn.
 * Mirrors arch/x86/kernel/signal.c, signal_64.c and fpu/signal.c: 128-byte red zone,
 * the xsave area 64-byte aligned below it with the FP_XSTATE magics, the frame
 * 16-byte aligned minus 8 as if called.
 */
#include <signal.h>
#include <string.h>

#include "kernel.h"
#include "mm/mm.h"
#include "platform.h"
#include "signal/signal.h"
#include "task/task.h"

#define X86_EFLAGS_CF 0x1
#define X86_EFLAGS_PF 0x4
#define X86_EFLAGS_AF 0x10
#define X86_EFLAGS_ZF 0x40
#define X86_EFLAGS_SF 0x80
#define X86_EFLAGS_TF 0x100
#define X86_EFLAGS_DF 0x400
#define X86_EFLAGS_OF 0x800
#define X86_EFLAGS_RF 0x10000
#define X86_EFLAGS_AC 0x40000
#define FIX_EFLAGS (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | \
		    X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | \
		    X86_EFLAGS_CF | X86_EFLAGS_RF)

#define FXSAVE_SW_OFF 464
#define XSAVE_HDR_OFF 512
#define MXCSR_OFF 24

bool sig_on_altstack(struct task *t, u64 sp)
{
	const struct l_stack *s = &t->altstack;

	return !(s->ss_flags & L_SS_DISABLE) && s->ss_size &&
	       sp > s->ss_sp && sp - s->ss_sp <= s->ss_size;
}

static int altstack_flags(struct task *t, u64 sp)
{
	if (!t->altstack.ss_size || (t->altstack.ss_flags & L_SS_DISABLE))
		return L_SS_DISABLE;
	return sig_on_altstack(t, sp) ? L_SS_ONSTACK : 0;
}

int sig_altstack(struct task *t, const struct l_stack *ss, struct l_stack *old)
{
	u64 sp = t->regs.rsp;

	if (old) {
		*old = (struct l_stack){
			.ss_sp = t->altstack.ss_sp,
			.ss_size = t->altstack.ss_size,
			.ss_flags = altstack_flags(t, sp) |
				    (t->altstack.ss_flags & L_SS_AUTODISARM),
		};
	}
	if (!ss)
		return 0;
	if (sig_on_altstack(t, sp))
		return -EPERM;
	{
		int mode = ss->ss_flags & ~L_SS_AUTODISARM;

		if (mode != L_SS_DISABLE && mode != L_SS_ONSTACK && mode != 0)
			return -EINVAL;
		if (mode == L_SS_DISABLE) {
			t->altstack = (struct l_stack){ .ss_flags = L_SS_DISABLE };
			return 0;
		}
		if (ss->ss_size < L_MINSIGSTKSZ)
			return -ENOMEM;
		t->altstack = (struct l_stack){ .ss_sp = ss->ss_sp, .ss_size = ss->ss_size,
						.ss_flags = ss->ss_flags & L_SS_AUTODISARM };
	}
	return 0;
}

void sig_fp_init_state(u8 *buf, u32 len)
{
	u32 mxcsr = 0x1f80;

	memset(buf, 0, len);
	buf[0] = 0x7f; /* fcw = 0x37f */
	buf[1] = 0x03;
	memcpy(buf + MXCSR_OFF, &mxcsr, 4);
	/* xstate_bv x87 | SSE: the host loads fcw and mxcsr from here rather than
	 * keeping the thread's own (its other components come in their init state). */
	if (len >= XSAVE_HDR_OFF + 64)
		buf[XSAVE_HDR_OFF] = 3;
}

int sig_setup_frame(struct task *t, int sig, const struct l_sigaction *act,
		    const struct l_siginfo *info)
{
	struct platform *plat = t->k->plat;
	struct l_rt_sigframe frame;
	struct l_fpx_sw_bytes sw;
	u32 magic2 = L_FP_XSTATE_MAGIC2;
	u64 sp = t->regs.rsp, fpaddr, faddr;
	u32 fplen = t->fpstate_len;
	bool onstack = sig_on_altstack(t, sp);
	u64 old_mask = t->restore_sigmask ? t->saved_sigmask : t->sigmask;

	if (!(act->flags & L_SA_RESTORER))
		return -EFAULT; /* x86_64 needs SA_RESTORER, as Linux insists */
	if (task_fetch_fp(t))
		return -EFAULT;
	if ((act->flags & L_SA_ONSTACK) && !onstack && altstack_flags(t, sp) == 0)
		sp = t->altstack.ss_sp + t->altstack.ss_size;
	else
		sp -= 128;
	fpaddr = ALIGN_DOWN(sp - fplen - sizeof(magic2), 64);
	faddr = ALIGN_DOWN(fpaddr - sizeof(frame), 16) - 8;

	memset(&frame, 0, sizeof(frame));
	frame.pretcode = act->restorer;
	frame.uc.uc_flags = L_UC_FP_XSTATE | L_UC_SIGCONTEXT_SS | L_UC_STRICT_RESTORE_SS;
	frame.uc.uc_stack.ss_sp = t->altstack.ss_sp;
	frame.uc.uc_stack.ss_size = t->altstack.ss_size;
	frame.uc.uc_stack.ss_flags = altstack_flags(t, t->regs.rsp) |
				     (t->altstack.ss_flags & L_SS_AUTODISARM);
	{
		struct l_sigcontext *sc = &frame.uc.uc_mcontext;
		const struct plat_regs *r = &t->regs;

		sc->r8 = r->r8; sc->r9 = r->r9; sc->r10 = r->r10; sc->r11 = r->r11;
		sc->r12 = r->r12; sc->r13 = r->r13; sc->r14 = r->r14; sc->r15 = r->r15;
		sc->rdi = r->rdi; sc->rsi = r->rsi; sc->rbp = r->rbp; sc->rbx = r->rbx;
		sc->rdx = r->rdx; sc->rax = r->rax; sc->rcx = r->rcx; sc->rsp = r->rsp;
		sc->rip = r->rip; sc->eflags = r->eflags;
		sc->cs = USER_CS;
		sc->ss = USER_DS;
		sc->oldmask = old_mask;
		sc->fpstate = fpaddr;
		if (sig == SIGSEGV || sig == SIGBUS) {
			sc->cr2 = info->fault.addr;
			sc->trapno = sig == SIGSEGV ? 14 : 0;
		}
	}
	frame.uc.uc_sigmask = old_mask;
	frame.info = *info;

	sw = (struct l_fpx_sw_bytes){
		.magic1 = L_FP_XSTATE_MAGIC1,
		.extended_size = fplen + sizeof(magic2),
		.xfeatures = plat->xsave_features,
		.xstate_size = fplen,
	};
	memcpy(t->fpstate + FXSAVE_SW_OFF, &sw, sizeof(sw));
	if (mm_copy_out(t->mm, fpaddr, t->fpstate, fplen) ||
	    mm_copy_out(t->mm, fpaddr + fplen, &magic2, sizeof(magic2)) ||
	    mm_copy_out(t->mm, faddr, &frame, sizeof(frame)))
		return -EFAULT;

	t->restore_sigmask = false;
	if (t->altstack.ss_flags & L_SS_AUTODISARM)
		t->altstack = (struct l_stack){ .ss_flags = L_SS_DISABLE };
	t->regs.rdi = sig;
	t->regs.rsi = faddr + offsetof(struct l_rt_sigframe, info);
	t->regs.rdx = faddr + offsetof(struct l_rt_sigframe, uc);
	t->regs.rax = 0;
	t->regs.rsp = faddr;
	t->regs.rip = act->handler;
	t->regs.eflags &= ~(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
	t->regs.cs = USER_CS;
	t->regs.ss = USER_DS;

	sig_fp_init_state(t->fpstate, fplen);
	if (plat_ctx_set_fpstate(plat, t->ctx, t->fpstate, fplen))
		return -EFAULT;
	return 0;
}

/* rt_sigreturn: restores what sig_setup_frame saved. Returns the restored rax. */
long sig_return(struct task *t)
{
	struct platform *plat = t->k->plat;
	u64 faddr = t->regs.rsp - 8;
	struct l_ucontext uc;
	struct l_sigcontext *sc = &uc.uc_mcontext;
	struct plat_regs *r = &t->regs;
	int err;

	if (mm_copy_in(t->mm, &uc, faddr + offsetof(struct l_rt_sigframe, uc), sizeof(uc)))
		goto badframe;
	pthread_mutex_lock(&t->sh->lock);
	t->sigmask = uc.uc_sigmask & ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
	pthread_mutex_unlock(&t->sh->lock);

	r->r8 = sc->r8; r->r9 = sc->r9; r->r10 = sc->r10; r->r11 = sc->r11;
	r->r12 = sc->r12; r->r13 = sc->r13; r->r14 = sc->r14; r->r15 = sc->r15;
	r->rdi = sc->rdi; r->rsi = sc->rsi; r->rbp = sc->rbp; r->rbx = sc->rbx;
	r->rdx = sc->rdx; r->rax = sc->rax; r->rcx = sc->rcx; r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->eflags = (r->eflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	r->cs = USER_CS;
	r->ss = USER_DS;
	r->orig_rax = -1;

	if (task_fetch_fp(t))
		goto badframe;
	if (sc->fpstate) {
		struct l_fpx_sw_bytes sw;
		u32 len = t->fpstate_len;

		if (mm_copy_in(t->mm, &sw, sc->fpstate + FXSAVE_SW_OFF, sizeof(sw)))
			goto badframe;
		/* A frame without the xstate magic holds only the legacy fxsave area. */
		if (sw.magic1 != L_FP_XSTATE_MAGIC1 || sw.xstate_size < XSAVE_HDR_OFF + 64 ||
		    sw.xstate_size > len)
			len = XSAVE_HDR_OFF;
		else
			len = sw.xstate_size;
		if (len == XSAVE_HDR_OFF)
			memset(t->fpstate + XSAVE_HDR_OFF, 0, t->fpstate_len - XSAVE_HDR_OFF);
		if (mm_copy_in(t->mm, t->fpstate, sc->fpstate, len))
			goto badframe;
		if (len == XSAVE_HDR_OFF)
			t->fpstate[XSAVE_HDR_OFF] = 3; /* xstate_bv: x87 | SSE */
	} else {
		sig_fp_init_state(t->fpstate, t->fpstate_len);
	}
	err = plat_ctx_set_fpstate(plat, t->ctx, t->fpstate, t->fpstate_len);
	if (err)
		goto badframe;
	sig_altstack(t, &uc.uc_stack, NULL);
	return r->rax;

badframe:
	sig_force_fault(t, SIGSEGV, L_SI_KERNEL, 0);
	return r->rax;
}
