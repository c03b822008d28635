/*
 * The kvm platform's syscall round trip against the bare exits it is built from.
 *
 *  cpl0-exit   the trampoline's exit port run from supervisor mode: KVM_RUN, one
 *              "outb", back. The floor for anything that leaves the guest.
 *  bare-user   an application "syscall" through the platform's own path (user ->
 *              trampoline -> exit port -> KVM_RUN -> ERETU/IRETQ -> user) driven with
 *              nothing but KVM_RUN and the minimum register writes.
 *  platform    plat_ctx_switch() per syscall, as the Sentry runs it.
 *
 * The goal: platform within 1.3x of bare-user. Exits 77 without a usable /dev/kvm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm_platform.h"

#define CODE_ADDR	0x400000UL
#define STACK_ADDR	0x600000UL

/* getpid in a loop: one syscall per round trip. */
static const uint8_t code_loop[] = {
	0xb8, 0x27, 0x00, 0x00, 0x00,	/* mov $39, %eax */
	0x0f, 0x05,			/* syscall */
	0xeb, 0xf7,			/* jmp back */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void init_regs(struct plat_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->rip = CODE_ADDR;
	r->rsp = STACK_ADDR + 0xff0;
	r->cs = 0x33;
	r->ss = 0x2b;
	r->eflags = 0x202;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "bench_kvm: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static double bench_cpl0(struct kvm_platform *p, struct kvm_vcpu *v, long n)
{
	struct kvm_run *run = v->run;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		run->s.regs.regs.rip = KVM_SUP_VA + kvm_tramp_off(kvm_pvm_syscall);
		run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		if (ioctl(v->fd, KVM_RUN, 0) || run->exit_reason != KVM_EXIT_IO)
			return -1;
	}
	return (now_ns() - t0) / n;
}

/* The same path as a syscall through the platform, with no bookkeeping. */
static double bench_bare(struct kvm_platform *p, struct kvm_ctx *ctx, long n)
{
	struct kvm_vcpu *v = ctx->vcpu;
	struct kvm_run *run = v->run;
	struct kvm_regs *k = &run->s.regs.regs;
	uint64_t *f = kvm_arena_ptr(p, v->area_off + KVM_AREA_STACK_TOP - 40);
	uint64_t frame_va = KVM_SUP_VA + v->area_off + KVM_AREA_STACK_TOP - 40;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		if (p->mode == KVM_MODE_PVM) {
			/* The PVCS already holds the user's rip after the syscall. */
			k->rip = KVM_SUP_VA + kvm_tramp_off(kvm_pvm_retu);
		} else {
			/* native: the #UD frame at the same place already has rsp/cs/ss. */
			if (p->mode == KVM_MODE_VMX)
				f[3] = k->rsp;
			f[0] = k->rcx;
			f[1] = KVM_USER_CS;
			f[2] = k->r11;
			f[4] = KVM_USER_DS;
			k->rsp = frame_va;
			k->rip = KVM_SUP_VA + kvm_tramp_off(kvm_vmx_iret);
		}
		run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		if (ioctl(v->fd, KVM_RUN, 0) || run->exit_reason != KVM_EXIT_IO ||
		    run->io.port != (p->mode == KVM_MODE_NATIVE ? KVM_PORT_EVENT :
				     KVM_PORT_SYSCALL))
			return -1;
	}
	return (now_ns() - t0) / n;
}

static double bench_platform(struct platform *p, struct plat_ctx *ctx,
			     struct plat_regs *r, long n)
{
	struct plat_event ev;
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		r->rax = 1;
		if (plat_ctx_switch(p, ctx, r, &ev) || ev.kind != PLAT_EV_SYSCALL)
			return -1;
	}
	return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	struct platform *p;
	struct plat_as *as;
	struct plat_ctx *pctx;
	struct plat_regs regs;
	struct plat_event ev;
	double cpl0, bare, plat;
	char why[160];
	uint8_t *mem;
	int memfd, err;

	if (kvm_probe(why, sizeof(why))) {
		fprintf(stderr, "bench_kvm: SKIP: %s\n", why);
		return 77;
	}
	memfd = memfd_create("bench-kvm", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 1 << 24))
		return die("memfd", errno);
	mem = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED)
		return die("mmap", errno);
	memcpy(mem, code_loop, sizeof(code_loop));
	err = plat_open("kvm", memfd, &p);
	if (err)
		return die("plat_open(kvm)", err);
	if ((err = plat_as_new(p, &as)) ||
	    (err = plat_as_map(p, as, CODE_ADDR, 0x1000, PROT_READ | PROT_EXEC, 0)) ||
	    (err = plat_as_map(p, as, STACK_ADDR, 0x1000, PROT_READ | PROT_WRITE, 0x1000)) ||
	    (err = plat_ctx_new(p, as, &pctx)))
		return die("setup", err);
	init_regs(&regs);
	/* Warm up, and leave the vCPU resting at the exit port of a syscall. */
	for (int i = 0; i < 100; i++)
		if (plat_ctx_switch(p, pctx, &regs, &ev) || ev.kind != PLAT_EV_SYSCALL)
			return die("warm-up switch", EPROTO);

	printf("mode: %s, %ld round trips per figure\n", kvm_mode_name(kvm_platform_mode(p)), n);
	for (int pass = 0; pass < 3; pass++) {
		cpl0 = bench_cpl0(to_kvm_platform(p), to_kvm_platform(p)->service, n);
		bare = bench_bare(to_kvm_platform(p), to_kvm_ctx(pctx), n);
		/* The bare loop left the vCPU at a syscall exit: resume from its registers. */
		plat = bench_platform(p, pctx, &regs, n);
		if (cpl0 < 0 || bare < 0 || plat < 0)
			return die("a run ended on an unexpected exit", EPROTO);
		printf("pass %d: cpl0-exit %.0f ns  bare-user %.0f ns  platform %.0f ns  "
		       "platform/bare %.2f\n", pass, cpl0, bare, plat, plat / bare);
	}
	plat_ctx_destroy(p, pctx);
	plat_as_destroy(p, as);
	plat_destroy(p);
	return 0;
}
