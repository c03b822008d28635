/*
 * Private to the KVM platform: guest layout, the platform, address-space, vCPU and
 * context records, and what its files share (kvm_platform.c: open, detection, the VM
 * and its memory; kvm_vcpu.c: vCPUs, the trampoline's boot and the service vCPU;
 * kvm_as.c: guest page tables; kvm_ctx.c: contexts and the switch; kvm_tramp.S: the
 * guest ring-0 trampoline). platform/kvm/README.md tells the whole story.
 *
 * Guest physical memory: the memory file at GPA 0 (application pages are at GPA ==
 * file offset), one slot per 1 GiB chunk as mappings first use it; slot 0, the arena,
 * is private anonymous memory above it
 * holding the trampoline, per-vCPU areas and every page-table page. The arena is
 * mapped supervisor-only at KVM_SUP_VA in every address space; applications live in
 * the lower half below max_user_addr.
 *
 * Locking: p->lock (a mutex) guards the page-table pool, the op queue, the service
 * vCPU and the vCPU pool; it nests in nothing. Address-space ops are made only by
 * threads owning a context in that space (the interface's rule) and take p->lock
 * around every page-table change. A context is used by its owning thread only, except
 * for the interrupt fields, which are atomics.
 */
#ifndef SBX_KVM_PLATFORM_H
#define SBX_KVM_PLATFORM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform.h"
#include "kvm_layout.h"

enum kvm_mode {
	KVM_MODE_PVM = 1,	/* kvm_pvm: PVM guest ABI (PVCS, event entry, ERETU) */
	KVM_MODE_VMX,		/* hardware VMX/SVM: IDT, TSS, SYSCALL to CPL0, IRETQ */
	KVM_MODE_NATIVE,	/* kvm_pvm pvm_native=Y: VMX's guest, SYSCALL stays at CPL3 */
};

/* The VMX-style guest (IDT, TSS, IRETQ): hardware KVM and kvm_pvm's native mode. */
static inline bool kvm_mode_idt(enum kvm_mode m)
{
	return m != KVM_MODE_PVM;
}

struct kvm_vcpu {
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pid_t tid;			/* thread that last ran it */
	uint64_t area_off;		/* its per-vCPU area in the arena */
	uint64_t cr3;			/* page-table root currently loaded */
	uint64_t tlb_gen;		/* address-space generation last flushed for */
	bool in_user;			/* stopped in guest user mode (an EINTR) */
	bool booted;
	struct kvm_vcpu *next_free;	/* pool link (p->lock) */
};

struct kvm_platform {
	struct platform base;
	enum kvm_mode mode;
	int kvm_fd, vm_fd;
	int max_vcpus, next_vcpu_id;
	size_t run_size;
	size_t xsave_size;		/* bytes KVM_GET/SET_XSAVE(2) move */
	bool xsave2;
	struct kvm_cpuid2 *cpuid;	/* what every vCPU gets */

	uint8_t *mem;			/* host mapping of the memory file */
	uint64_t mem_size;		/* the part of it that can be guest memory */
	uint64_t nchunks;
	uint8_t *chunk_on;		/* bitmap: chunk registered as a slot (p->lock) */
	int max_slots;
	uint8_t *arena;			/* host mapping of the arena */
	uint64_t arena_gpa;

	pthread_mutex_t lock;
	uint32_t pt_next;		/* next never-used page-table page (arena page nr) */
	uint32_t *pt_free;		/* stack of clean free pages */
	uint32_t pt_nfree;
	uint32_t *pt_dirty;		/* freed, waiting for the guest to zero them */
	uint32_t pt_ndirty;
	uint32_t nops;			/* queued guest page-table writes */
	uint64_t boot_pml4;		/* arena offset of the supervisor-only root */
	uint64_t sup_pdpt;		/* arena offset of the window's shared PDPT */
	struct kvm_vcpu *service;	/* runs queued page-table writes */
	struct kvm_vcpu *vcpu_free;	/* vCPUs of destroyed contexts */
	char why[160];			/* last fatal reason, for the error message */
};

struct kvm_as {
	struct kvm_platform *p;
	uint64_t pml4;			/* arena offset of the root */
	uint64_t tlb_gen;		/* bumped by every downgrade (atomic) */
	bool loaded;			/* some vCPU has run on it: writes go through the guest */
	int nctx;
	/* CPU time of the Sentry threads while they ran its contexts (atomic): a
	 * vCPU's guest time is charged to the thread that runs it */
	uint64_t cpu_ns;
};

struct kvm_ctx {
	struct kvm_platform *p;
	struct kvm_as *as;
	struct kvm_vcpu *vcpu;
	pid_t pid, tid;			/* owner, for the interrupt signal */
	int interrupt;			/* ctx_interrupt pending (atomic) */
	int in_run;			/* inside KVM_RUN (atomic) */
	bool dead;
	struct plat_regs loaded;	/* what the vCPU holds, to skip reloading */
	bool regs_valid;
};

static inline struct kvm_platform *to_kvm_platform(struct platform *p)
{
	return (struct kvm_platform *)p;
}

static inline struct kvm_as *to_kvm_as(struct plat_as *as)
{
	return (struct kvm_as *)as;
}

static inline struct kvm_ctx *to_kvm_ctx(struct plat_ctx *ctx)
{
	return (struct kvm_ctx *)ctx;
}

/* Host pointer to arena offset @off. */
static inline void *kvm_arena_ptr(struct kvm_platform *p, uint64_t off)
{
	return p->arena + off;
}

/* kvm_platform.c */
int kvm_platform_open(int memfd, struct platform **out);
int kvm_platform_preopen(void);
int kvm_seccomp_rules(const struct platform *p, void *scmp_filter_ctx);
int kvm_set_slot(struct kvm_platform *kp, int slot, uint64_t gpa, uint64_t size,
		 void *host);
int kvm_mem_chunks_add(struct kvm_platform *kp, uint64_t off, uint64_t len);
void kvm_fatal(struct kvm_platform *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* kvm_vcpu.c */
int kvm_vcpu_get(struct kvm_platform *p, struct kvm_vcpu **out);
void kvm_vcpu_put(struct kvm_platform *p, struct kvm_vcpu *v);
void kvm_vcpu_free(struct kvm_platform *p, struct kvm_vcpu *v);
int kvm_vcpu_run_tramp(struct kvm_platform *p, struct kvm_vcpu *v, uint64_t entry_off,
		       int want_port, int timeout_ms);
int kvm_vcpu_set_cr3(struct kvm_platform *p, struct kvm_vcpu *v, uint64_t pml4_off);
int kvm_service_start(struct kvm_platform *p);
int kvm_kick_install(void);

/* kvm_as.c */
int kvm_as_new(struct platform *p, struct plat_as **out);
void kvm_as_destroy(struct plat_as *as);
int kvm_as_map(struct plat_as *as, uint64_t addr, uint64_t len, int prot,
	       uint64_t file_off);
int kvm_as_unmap(struct plat_as *as, uint64_t addr, uint64_t len);
int kvm_as_protect(struct plat_as *as, uint64_t addr, uint64_t len, int prot);
int kvm_as_cpu_time(struct plat_as *as, uint64_t *user_ns, uint64_t *sys_ns);
int kvm_pt_init(struct kvm_platform *p);
int kvm_pt_alloc(struct kvm_platform *p, uint64_t *off);
int kvm_pt_flush_ops(struct kvm_platform *p);
void *kvm_as_translate(struct kvm_as *as, uint64_t va, bool write, uint64_t *pte);

/* kvm_ctx.c */
int kvm_ctx_new(struct platform *p, struct plat_as *as, struct plat_ctx **out);
void kvm_ctx_destroy(struct plat_ctx *ctx);
int kvm_ctx_switch(struct plat_ctx *ctx, struct plat_regs *regs, struct plat_event *ev);
void kvm_ctx_interrupt(struct plat_ctx *ctx);
int kvm_ctx_get_fpstate(struct plat_ctx *ctx, void *buf, size_t len);
int kvm_ctx_set_fpstate(struct plat_ctx *ctx, const void *buf, size_t len);

/* kvm_tramp.S: the image copied to arena offset 0, and its entry points. */
extern const char kvm_tramp_start[], kvm_tramp_end[];
extern const char kvm_pvm_syscall[], kvm_pvm_retu[], kvm_pvm_flush[], kvm_pvm_boot[];
extern const char kvm_pvm_event[], kvm_tramp_ptapply[];
extern const char kvm_vmx_syscall[], kvm_vmx_iret[], kvm_vmx_flush[], kvm_vmx_vectors[];
extern const char kvm_vmx_int80[];

static inline uint64_t kvm_tramp_off(const char *sym)
{
	return (uint64_t)(sym - kvm_tramp_start);
}

/* For tests and benchmarks. */
enum kvm_mode kvm_platform_mode(const struct platform *p);
const char *kvm_mode_name(enum kvm_mode m);
int kvm_probe(char *why, size_t len);

#endif
