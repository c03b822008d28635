/*
 * The platform interface: the only header kernel/ includes from platform/.
 *
 * A platform runs application code for the Sentry. It knows address spaces (ranges of
 * the memory file mapped at application addresses) and execution contexts (one per
 * application thread, bound to the Sentry host thread that created it), and nothing of
 * tasks, VMAs or signals. After gVisor's pkg/sentry/platform: "switch" runs a context's
 * registers in an address space until the next syscall, fault or interrupt.
 *
 * Threading rules, which every implementation keeps and every caller obeys:
 *  - plat_as_new() and plat_ctx_new() bind what they create to the calling host thread;
 *    plat_ctx_switch(), plat_as_map()/unmap()/protect() and the fpstate calls are made
 *    only from a thread that owns a context in that address space (ptrace: the tracer),
 *    or, for the map calls, from the thread that made it before any context exists.
 *  - plat_ctx_new() may be called by any thread on any address space (one context per
 *    thread and address space): an address space runs many contexts, one per
 *    application thread, once the owner of one of its contexts has called
 *    plat_as_share() (the first context may need its owner's help to make the next:
 *    ptrace). Contexts are destroyed before their address space.
 *  - plat_ctx_interrupt() may be called from any thread at any time.
 *
 * Errors are 0 or -errno.
 */
#ifndef SBX_PLATFORM_H
#define SBX_PLATFORM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "save.h"

struct platform;
struct plat_as;
struct plat_ctx;

/* General registers, in the layout of the x86_64 user_regs_struct. Saved in
 * checkpoints as part of each task (the markers are the state module's; platform/
 * itself saves nothing). */
SAVABLE struct plat_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};

enum plat_event_kind {
	PLAT_EV_SYSCALL = 1,   /* a 64-bit syscall: number in orig_rax, rip past the insn */
	PLAT_EV_SYSCALL32,     /* int $0x80 or another 32-bit entry: the kernel says ENOSYS */
	PLAT_EV_FAULT,         /* a synchronous fault: signo/code/addr as Linux would set */
	PLAT_EV_CPUID,         /* a cpuid instruction at rip (CPUID faulting): emulate it */
	PLAT_EV_INTERRUPT,     /* plat_ctx_interrupt() was called; registers are current */
	PLAT_EV_DEAD,          /* the context can no longer run (host process gone) */
};

struct plat_event {
	enum plat_event_kind kind;
	int signo;             /* PLAT_EV_FAULT: SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP */
	int code;              /* si_code: SEGV_MAPERR, SEGV_ACCERR, FPE_INTDIV, SI_KERNEL... */
	uint64_t addr;         /* si_addr */
	uint64_t trapno;       /* x86 vector where known, else 0 */
	uint64_t err;          /* x86 error code where known, else 0 */
};

/* Memory protections for plat_as_map/protect: PROT_READ|PROT_WRITE|PROT_EXEC. */

/* One step of plat_as_apply: the plat_as_map, _unmap or _protect call it stands for. */
enum plat_as_op_kind {
	PLAT_AS_MAP = 1,
	PLAT_AS_UNMAP,
	PLAT_AS_PROTECT,
};

struct plat_as_op {
	enum plat_as_op_kind kind;
	int prot;		/* MAP, PROTECT */
	uint64_t addr, len;
	uint64_t file_off;	/* MAP */
};

struct plat_ops {
	const char *name;
	int (*as_new)(struct platform *p, struct plat_as **out);
	void (*as_destroy)(struct plat_as *as);
	int (*as_map)(struct plat_as *as, uint64_t addr, uint64_t len, int prot,
		      uint64_t file_off);
	int (*as_unmap)(struct plat_as *as, uint64_t addr, uint64_t len);
	int (*as_protect)(struct plat_as *as, uint64_t addr, uint64_t len, int prot);
	/* @n operations in order, as the calls they stand for would do them, at a cost
	 * closer to one call's (ptrace: one round trip through the stub). Stops at the
	 * first that fails and returns its error; those before it are done. NULL: one
	 * call each (plat_as_apply_each). */
	int (*as_apply)(struct plat_as *as, const struct plat_as_op *ops, size_t n);
	/* CPU time, user and system ns, that running the address space's contexts has
	 * cost since it was made, contexts gone included; any thread. */
	int (*as_cpu_time)(struct plat_as *as, uint64_t *user_ns, uint64_t *sys_ns);
	int (*ctx_new)(struct platform *p, struct plat_as *as, struct plat_ctx **out);
	void (*ctx_destroy)(struct plat_ctx *ctx);
	int (*ctx_switch)(struct plat_ctx *ctx, struct plat_regs *regs,
			  struct plat_event *ev);
	void (*ctx_interrupt)(struct plat_ctx *ctx);
	int (*ctx_get_fpstate)(struct plat_ctx *ctx, void *buf, size_t len);
	int (*ctx_set_fpstate)(struct plat_ctx *ctx, const void *buf, size_t len);
	void (*destroy)(struct platform *p);
	/* Makes ahead, on the calling thread, what the next as_new needs, so that call
	 * is short: for a Sentry that knows an address space is coming and has time
	 * now (a created sandbox waiting for its restore). NULL: nothing to make. */
	int (*as_premake)(struct platform *p);
	/* For exec, which may keep the address space and the context for the new
	 * program instead of making new ones (ptrace: no stub to clone, no thread to
	 * spawn, no old stub to kill): 0 if @ctx, the calling thread's, is the only
	 * context in @as, which its caller then empties (an unmap of everything below
	 * max_user_addr) and maps afresh, and @ctx's FPU state is the initial one
	 * (Linux's at exec) when it next runs or is read (ptrace: reset by the stub
	 * with the batch); -EBUSY if another context runs in @as, another error when
	 * a new address space would cost the exec less. NULL: address spaces are
	 * never kept, exec makes a new one. */
	int (*as_reuse)(struct plat_as *as, struct plat_ctx *ctx);
	/* Before a thread other than @ctx's owner makes a context in @as: called by
	 * that owner, @ctx stopped (in a syscall). ptrace: the stub's first thread,
	 * which runs the first context, clones the spawner that later ones need.
	 * NULL: nothing to do. */
	int (*as_share)(struct plat_as *as, struct plat_ctx *ctx);
};

/* Fields every platform shares; implementations embed this first. */
struct platform {
	const struct plat_ops *ops;
	int memfd;                 /* the memory file, borrowed from the kernel */
	uint64_t max_user_addr;    /* application mappings lie below this */
	size_t fpstate_size;       /* bytes of the xsave area plat_ctx_*_fpstate move */
	uint64_t xsave_features;   /* XCR0: state components present in that area */
	/* The host vDSO's clock_gettime, callable at this address in every address
	 * space (above max_user_addr), for the sandbox's vDSO; 0 where there is none. */
	uint64_t host_clock_gettime;
};

/*
 * Opens platform @name ("ptrace" or "kvm") over memory file @memfd. Must be called
 * before the Sentry starts any other thread (ptrace forks its template stub here).
 */
int plat_open(const char *name, int memfd, struct platform **out);

/*
 * Opens what platform @name needs from the host's filesystem, for a caller about to
 * lose it (the Sentry pivots into an empty root before plat_open): kvm keeps /dev/kvm
 * open for the next plat_open("kvm"); ptrace reads where the host's vDSO is
 * (/proc/self/maps), which it moves into every stub. 0 or -errno.
 */
int plat_preopen(const char *name);

/*
 * For implementations' open: sets @p's fpstate_size and xsave_features to the host's
 * (XCR0, and the CPUID.(0xd,0).EBX bytes of xsave area its features take; the 512-byte
 * fxsave area without OSXSAVE), which both platforms move.
 */
void plat_fpstate_geometry(struct platform *p);

/* Host syscalls the platform needs in the Sentry's seccomp allow-list. */
int plat_seccomp_rules(const struct platform *p, void *scmp_filter_ctx);

static inline int plat_as_new(struct platform *p, struct plat_as **out)
{ return p->ops->as_new(p, out); }
static inline void plat_as_destroy(struct platform *p, struct plat_as *as)
{ p->ops->as_destroy(as); }
static inline int plat_as_map(struct platform *p, struct plat_as *as, uint64_t addr,
			      uint64_t len, int prot, uint64_t off)
{ return p->ops->as_map(as, addr, len, prot, off); }
static inline int plat_as_unmap(struct platform *p, struct plat_as *as, uint64_t addr,
				uint64_t len)
{ return p->ops->as_unmap(as, addr, len); }
static inline int plat_as_protect(struct platform *p, struct plat_as *as, uint64_t addr,
				  uint64_t len, int prot)
{ return p->ops->as_protect(as, addr, len, prot); }
int plat_as_apply_each(struct platform *p, struct plat_as *as,
		       const struct plat_as_op *ops, size_t n);
static inline int plat_as_apply(struct platform *p, struct plat_as *as,
				const struct plat_as_op *ops, size_t n)
{
	if (p->ops->as_apply)
		return p->ops->as_apply(as, ops, n);
	return plat_as_apply_each(p, as, ops, n);
}
static inline int plat_as_cpu_time(struct platform *p, struct plat_as *as,
				   uint64_t *user_ns, uint64_t *sys_ns)
{ return p->ops->as_cpu_time(as, user_ns, sys_ns); }
static inline int plat_ctx_new(struct platform *p, struct plat_as *as,
			       struct plat_ctx **out)
{ return p->ops->ctx_new(p, as, out); }
static inline void plat_ctx_destroy(struct platform *p, struct plat_ctx *ctx)
{ p->ops->ctx_destroy(ctx); }
static inline int plat_ctx_switch(struct platform *p, struct plat_ctx *ctx,
				  struct plat_regs *regs, struct plat_event *ev)
{ return p->ops->ctx_switch(ctx, regs, ev); }
static inline void plat_ctx_interrupt(struct platform *p, struct plat_ctx *ctx)
{ p->ops->ctx_interrupt(ctx); }
static inline int plat_ctx_get_fpstate(struct platform *p, struct plat_ctx *ctx,
				       void *buf, size_t len)
{ return p->ops->ctx_get_fpstate(ctx, buf, len); }
static inline int plat_ctx_set_fpstate(struct platform *p, struct plat_ctx *ctx,
				       const void *buf, size_t len)
{ return p->ops->ctx_set_fpstate(ctx, buf, len); }
static inline void plat_destroy(struct platform *p) { p->ops->destroy(p); }
static inline int plat_as_premake(struct platform *p)
{ return p->ops->as_premake ? p->ops->as_premake(p) : 0; }
static inline int plat_as_reuse(struct platform *p, struct plat_as *as,
				struct plat_ctx *ctx)
{ return p->ops->as_reuse ? p->ops->as_reuse(as, ctx) : -EOPNOTSUPP; }
static inline int plat_as_share(struct platform *p, struct plat_as *as,
				struct plat_ctx *ctx)
{ return p->ops->as_share ? p->ops->as_share(as, ctx) : 0; }

#endif
