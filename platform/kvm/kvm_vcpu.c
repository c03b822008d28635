/*
 * vCPUs: creation and the pool, long-mode setup for each mode, the PVM boot (the
 * guest WRMSRs its own PVM MSRs in supervisor mode), bounded trampoline runs, and the
 * service vCPU that applies page-table writes from inside the guest.
 *
 * KVM cannot destroy a single vCPU, so those of destroyed contexts go back to a pool;
 * a vCPU run from a new thread costs KVM one synchronize_rcu, once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm_platform.h"

#define X86_CR0_PE	0x1
#define X86_CR0_MP	0x2
#define X86_CR0_ET	0x10
#define X86_CR0_NE	0x20
#define X86_CR0_WP	0x10000
#define X86_CR0_AM	0x40000
#define X86_CR0_PG	0x80000000
#define X86_CR4_PAE	0x20
#define X86_CR4_OSFXSR	0x200
#define X86_CR4_OSXMMEXCPT 0x400
#define X86_CR4_FSGSBASE 0x10000
#define X86_CR4_OSXSAVE	0x40000
#define EFER_SCE	0x1
#define EFER_LME	0x100
#define EFER_LMA	0x400
#define EFER_NXE	0x800
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

/* STAR: kernel CS/SS 0x10/0x18; SYSRET's user CS/SS 0x33/0x2b, as PVM requires. */
#define KVM_STAR	((uint64_t)KVM_USER32_CS << 48 | (uint64_t)KVM_KERNEL_CS << 32)

#define KVM_TRAMP_TIMEOUT_MS	2000

static void kvm_kick_handler(int sig)
{
}

/* The signal ctx_interrupt and the watchdog send: it only has to end KVM_RUN. */
int kvm_kick_install(void)
{
	struct sigaction sa = { .sa_handler = kvm_kick_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSTKFLT, &sa, NULL) ? -errno : 0;
}

static uint64_t kvm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void kvm_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->dpl = sel & 3;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

static uint64_t kvm_area_va(struct kvm_vcpu *v, uint64_t off)
{
	return KVM_SUP_VA + v->area_off + off;
}

/* VMX: a GDT in the Linux layout with this vCPU's TSS; rsp0 at the area's stack top. */
static void kvm_vmx_tables(struct kvm_platform *p, struct kvm_vcpu *v,
			   struct kvm_sregs *sr)
{
	uint64_t *gdt = kvm_arena_ptr(p, v->area_off + KVM_AREA_GDT);
	uint8_t *tss = kvm_arena_ptr(p, v->area_off + KVM_AREA_TSS);
	uint64_t tss_va = kvm_area_va(v, KVM_AREA_TSS), rsp0 = kvm_area_va(v, KVM_AREA_STACK_TOP);

	memset(gdt, 0, 0x80);
	gdt[KVM_KERNEL_CS >> 3] = 0x00af9b000000ffff;
	gdt[KVM_KERNEL_DS >> 3] = 0x00cf93000000ffff;
	gdt[KVM_USER32_CS >> 3] = 0x00cffb000000ffff;
	gdt[KVM_USER_DS >> 3] = 0x00cff3000000ffff;
	gdt[KVM_USER_CS >> 3] = 0x00affb000000ffff;
	gdt[KVM_TSS_SEL >> 3] = 0x67 | (tss_va & 0xffffff) << 16 | 0x8bull << 40 |
				((tss_va >> 24) & 0xff) << 56;
	gdt[(KVM_TSS_SEL >> 3) + 1] = tss_va >> 32;
	memset(tss, 0, 0x68);
	memcpy(tss + 4, &rsp0, 8);
	tss[0x66] = 0x68;

	sr->gdt.base = kvm_area_va(v, KVM_AREA_GDT);
	sr->gdt.limit = (KVM_TSS_SEL + 16) - 1;
	sr->idt.base = KVM_SUP_VA + KVM_IDT_OFF;
	sr->idt.limit = 0x81 * 16 - 1;		/* through vector 0x80 */
	memset(&sr->tr, 0, sizeof(sr->tr));
	sr->tr.selector = KVM_TSS_SEL;
	sr->tr.base = tss_va;
	sr->tr.limit = 0x67;
	sr->tr.type = 11;
	sr->tr.present = 1;
}

static int kvm_set_msrs(struct kvm_vcpu *v, const uint32_t *idx, const uint64_t *val, int n)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[8];
	} m = { .hdr.nmsrs = n };

	for (int i = 0; i < n; i++) {
		m.e[i].index = idx[i];
		m.e[i].data = val[i];
	}
	return ioctl(v->fd, KVM_SET_MSRS, &m) == n ? 0 : -EIO;
}

static int kvm_vcpu_setup(struct kvm_platform *p, struct kvm_vcpu *v)
{
	struct kvm_sregs sr;
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 };
	int err;

	if (ioctl(v->fd, KVM_SET_CPUID2, p->cpuid))
		return -errno;
	if (ioctl(v->fd, KVM_GET_SREGS, &sr))
		return -errno;
	kvm_seg(&sr.cs, KVM_KERNEL_CS, 0xb, true);
	kvm_seg(&sr.ss, KVM_KERNEL_DS, 0x3, false);
	kvm_seg(&sr.ds, 0, 0x3, false);
	sr.ds.selector = 0;
	sr.es = sr.fs = sr.gs = sr.ds;
	sr.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
		 X86_CR0_AM | X86_CR0_PG;
	sr.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_FSGSBASE;
	if (p->base.fpstate_size > 512)
		sr.cr4 |= X86_CR4_OSXSAVE;
	sr.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	sr.cr3 = p->arena_gpa + p->boot_pml4;
	v->cr3 = p->boot_pml4;
	if (kvm_mode_idt(p->mode))
		kvm_vmx_tables(p, v, &sr);
	if (ioctl(v->fd, KVM_SET_SREGS, &sr))
		return -errno;
	if (sr.cr4 & X86_CR4_OSXSAVE) {
		xcrs.xcrs[0].xcr = 0;
		xcrs.xcrs[0].value = p->base.xsave_features;
		if (ioctl(v->fd, KVM_SET_XCRS, &xcrs))
			return -errno;
	}
	if (kvm_mode_idt(p->mode)) {
		static const uint32_t idx[] = { MSR_STAR, MSR_LSTAR, MSR_SYSCALL_MASK };
		uint64_t val[] = { KVM_STAR, KVM_SUP_VA + kvm_tramp_off(kvm_vmx_syscall),
				   0x47700 };

		if (p->mode == KVM_MODE_NATIVE)
			val[1] = KVM_LANDING_VA;

		err = kvm_set_msrs(v, idx, val, 3);
		if (err)
			kvm_fatal(p, "KVM_SET_MSRS (STAR, LSTAR, SFMASK) refused");
		return err;
	}
	return 0;
}

/*
 * Runs @v from the registers in its sync area until the trampoline exits through
 * @want_port, for at most @timeout_ms. Anything else is fatal for the vCPU: a triple
 * fault, a fault in the trampoline, a hung guest. Caller sets regs and kvm_dirty_regs.
 */
int kvm_vcpu_run_tramp(struct kvm_platform *p, struct kvm_vcpu *v, uint64_t entry_off,
		       int want_port, int timeout_ms)
{
	struct kvm_run *run = v->run;
	uint64_t deadline = kvm_now_ms() + timeout_ms;
	struct itimerspec its = { .it_interval.tv_nsec = 50000000,
				  .it_value.tv_nsec = 50000000 };
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGSTKFLT };
	timer_t timer;
	int err = 0;

	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer))
		return -errno;
	timer_settime(timer, 0, &its, NULL);
	run->s.regs.regs.rip = KVM_SUP_VA + entry_off;
	run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) == 0) {
			run->kvm_dirty_regs = 0;
			break;
		}
		run->kvm_dirty_regs = 0;
		if (errno != EINTR && errno != EAGAIN) {
			err = -errno;
			kvm_fatal(p, "KVM_RUN (vCPU %d, trampoline): %s", v->id, strerror(errno));
			goto out;
		}
		/* A context's pending interrupt: the switch reports it after this run. */
		__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (kvm_now_ms() > deadline) {
			kvm_fatal(p, "vCPU %d did not come back from the trampoline in %d ms "
				  "(rip %#llx)", v->id, timeout_ms, run->s.regs.regs.rip);
			err = -ETIMEDOUT;
			goto out;
		}
	}
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == want_port)
		goto out;
	err = -EIO;
	if (run->exit_reason == KVM_EXIT_SHUTDOWN)
		kvm_fatal(p, "triple fault in vCPU %d in the trampoline (rip %#llx, %s mode)",
			  v->id, run->s.regs.regs.rip, kvm_mode_name(p->mode));
	else if (run->exit_reason == KVM_EXIT_IO)
		kvm_fatal(p, "vCPU %d: trampoline exit port %#x, want %#x (rip %#llx, "
			  "rbx %#llx)", v->id, run->io.port, want_port,
			  run->s.regs.regs.rip, run->s.regs.regs.rbx);
	else
		kvm_fatal(p, "vCPU %d: unexpected exit %u in the trampoline (rip %#llx)",
			  v->id, run->exit_reason, run->s.regs.regs.rip);
out:
	timer_delete(timer);
	return err;
}

/*
 * PVM boot: the guest writes its PVM MSRs with WRMSR in supervisor mode (the host's
 * KVM_SET_MSRS does not reach them on kvm_pvm), then reports the linear-address
 * range, which must contain the supervisor window.
 */
static int kvm_pvm_boot_vcpu(struct kvm_platform *p, struct kvm_vcpu *v)
{
	uint64_t *tab = kvm_arena_ptr(p, v->area_off + KVM_AREA_MSRS);
	const uint64_t pairs[][2] = {
		{ PVM_MSR_VCPU_STRUCT, p->arena_gpa + v->area_off + KVM_AREA_PVCS },
		{ PVM_MSR_EVENT_ENTRY, KVM_SUP_VA + kvm_tramp_off(kvm_pvm_event) },
		{ PVM_MSR_RETU_RIP, KVM_SUP_VA + kvm_tramp_off(kvm_pvm_retu) },
		{ MSR_STAR, KVM_STAR },
		{ MSR_LSTAR, KVM_SUP_VA + kvm_tramp_off(kvm_pvm_syscall) },
		{ MSR_KERNEL_GS_BASE, 0 },
	};
	const int n = sizeof(pairs) / sizeof(pairs[0]);
	struct kvm_regs *r = &v->run->s.regs.regs;
	uint64_t range;
	unsigned int lo, hi;
	int err;

	memset(kvm_arena_ptr(p, v->area_off + KVM_AREA_PVCS), 0, 4096);
	for (int i = 0; i < n; i++) {
		tab[2 * i] = pairs[i][0];
		tab[2 * i + 1] = pairs[i][1];
	}
	memset(r, 0, sizeof(*r));
	r->rbx = kvm_area_va(v, KVM_AREA_MSRS);
	r->rbp = n;
	r->rflags = 2;
	r->rsp = kvm_area_va(v, KVM_AREA_STACK_TOP);
	err = kvm_vcpu_run_tramp(p, v, kvm_tramp_off(kvm_pvm_boot), KVM_PORT_BOOT,
				 KVM_TRAMP_TIMEOUT_MS);
	if (err) {
		kvm_fatal(p, "PVM boot failed (%s) after %llu of %d guest WRMSRs: the "
			  "hypervisor did not take the PVM guest ABI", strerror(-err),
			  (r->rbx - kvm_area_va(v, KVM_AREA_MSRS)) / 16, n);
		return err;
	}
	range = r->r15;
	lo = range & 0x1ff;
	hi = (range >> 16) & 0x1ff;
	if (range && (lo > KVM_SUP_PML4_INDEX || hi <= KVM_SUP_PML4_INDEX)) {
		kvm_fatal(p, "PVM linear-address range %#lx (PML4 %u..%u) excludes the "
			  "supervisor window (PML4 %d)", (unsigned long)range, lo, hi,
			  KVM_SUP_PML4_INDEX);
		return -ENOTSUP;
	}
	return 0;
}

static int kvm_vcpu_create(struct kvm_platform *p, struct kvm_vcpu **out)
{
	struct kvm_vcpu *v;
	int err;

	if (p->next_vcpu_id >= p->max_vcpus)
		return -EAGAIN;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->id = p->next_vcpu_id++;
	v->area_off = KVM_VCPU_AREA_OFF + (uint64_t)v->id * KVM_VCPU_AREA_SIZE;
	v->fd = ioctl(p->vm_fd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0) {
		err = -errno;
		kvm_fatal(p, "KVM_CREATE_VCPU %d: %s", v->id, strerror(errno));
		free(v);
		return err;
	}
	v->run_size = p->run_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		err = -errno;
		v->run = NULL;
		goto out_free;
	}
	v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	err = kvm_vcpu_setup(p, v);
	if (err) {
		kvm_fatal(p, "vCPU %d setup: %s", v->id, strerror(-err));
		goto out_free;
	}
	if (p->mode == KVM_MODE_PVM) {
		err = kvm_pvm_boot_vcpu(p, v);
		if (err)
			goto out_free;
	}
	/* Until its first exit the sync area holds zeros, which must never be loaded. */
	if (ioctl(v->fd, KVM_GET_SREGS, &v->run->s.regs.sregs) ||
	    ioctl(v->fd, KVM_GET_REGS, &v->run->s.regs.regs)) {
		err = -errno;
		goto out_free;
	}
	v->booted = true;
	*out = v;
	return 0;

out_free:
	kvm_vcpu_free(p, v);
	return err;
}

void kvm_vcpu_free(struct kvm_platform *p, struct kvm_vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	close(v->fd);
	free(v);
}

/* A booted vCPU for a new context: from the pool, else a new one. Takes p->lock. */
int kvm_vcpu_get(struct kvm_platform *p, struct kvm_vcpu **out)
{
	struct kvm_vcpu *v;
	int err = 0;

	pthread_mutex_lock(&p->lock);
	v = p->vcpu_free;
	if (v)
		p->vcpu_free = v->next_free;
	else
		err = kvm_vcpu_create(p, &v);
	pthread_mutex_unlock(&p->lock);
	if (err)
		return err;
	v->next_free = NULL;
	v->in_user = false;
	*out = v;
	return 0;
}

void kvm_vcpu_put(struct kvm_platform *p, struct kvm_vcpu *v)
{
	pthread_mutex_lock(&p->lock);
	v->next_free = p->vcpu_free;
	p->vcpu_free = v;
	pthread_mutex_unlock(&p->lock);
}

/* Loads page-table root @pml4_off (an arena offset). KVM flushes on a CR3 change. */
int kvm_vcpu_set_cr3(struct kvm_platform *p, struct kvm_vcpu *v, uint64_t pml4_off)
{
	struct kvm_sregs sr;

	if (ioctl(v->fd, KVM_GET_SREGS, &sr))
		return -errno;
	sr.cr3 = p->arena_gpa + pml4_off;
	if (ioctl(v->fd, KVM_SET_SREGS, &sr))
		return -errno;
	/* The sync copy is what a dirty KVM_SYNC_X86_SREGS writes back: keep it current. */
	v->run->s.regs.sregs = sr;
	v->cr3 = pml4_off;
	return 0;
}

/*
 * The service vCPU: created at open (the first guest code run, so a platform that
 * cannot run the trampoline fails in plat_open, not in the first task), then used
 * under p->lock to apply queued page-table writes.
 */
int kvm_service_start(struct kvm_platform *p)
{
	int err;

	err = kvm_vcpu_create(p, &p->service);
	if (err) {
		p->service = NULL;
		if (!p->why[0])
			kvm_fatal(p, "cannot start the service vCPU: %s", strerror(-err));
	}
	return err;
}
