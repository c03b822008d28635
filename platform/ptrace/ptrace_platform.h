/*
 * Private to the ptrace platform: the platform, address-space and thread records, and
 * the helpers its files share (ptrace_platform.c: open and the template stub;
 * ptrace_stub.c: stub cloning, syscall injection and the address-space ops;
 * ptrace_pool.c: stubs made ahead of time;
 * ptrace_ctx.c: contexts and the switch). platform/README.md tells the whole story.
 *
 * Locking: p->template_lock serialises the use of the template stub (as_new),
 * as->lock an address space's thread list and its spawner, and as->table_lock the
 * stub page's table of address-space operations (as_apply). Every other field of a
 * thread record is used only by that thread's tracer, which the interface's
 * threading rules make the only caller; ctx_interrupt reads immutable ids.
 */
#ifndef SBX_PTRACE_PLATFORM_H
#define SBX_PTRACE_PLATFORM_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "platform.h"
#include "ptrace_stub.h"

/* The signal ctx_interrupt sends; nothing else in a stub raises it. */
#define PTRACE_INTERRUPT_SIG	SIGSTKFLT

struct ptrace_platform {
	struct platform base;
	pid_t template_pid;		/* the template stub, 0 once gone (template_lock) */
	pthread_mutex_t template_lock;	/* held while a thread traces the template */
	int cpuid_faulting;		/* 1 yes, 0 no, -1 not tried yet (atomic) */
	cpu_set_t cpus;			/* CPUs the Sentry may use, from plat_open; immutable */
	struct ptrace_pool *pool;	/* pre-made stubs (ptrace_pool.c), NULL until used */
	struct ptrace_as *spare;	/* one made by as_premake, for the next as_new
					 * (atomic) */
	pthread_mutex_t pool_lock;	/* makes the pool once */
	/* sysmsg (ptrace_sysmsg.c); immutable once open but the bitmap. sysmsg: the
	 * machinery is there (the file, the handlers in every stub); sm_born: every
	 * context starts in sysmsg (SBX_PTRACE_SYSMSG=1), else (the default) a context
	 * starts traced and moves to sysmsg after SM_PROMOTE_AFTER syscalls */
	bool sysmsg, sm_born;
	int sm_fd;			/* the sysmsg file, STUB_SYSMSG_FD in stubs */
	char *sm_base;			/* all of it, mapped in the Sentry */
	bool sm_spin;			/* spin before futex (two CPUs or more) */
	uint64_t sm_mask;		/* host signal mask of a context's thread */
	pthread_mutex_t sm_lock;
	uint64_t *sm_used;		/* slots taken (sm_lock) */
};

/* Bitmap words for an address space's slot places (STUB_SYSMSG_BASE up). */
#define SM_LOCAL_WORDS	6

/*
 * One stub thread, traced by one Sentry thread. A context runs on a thread of its
 * own; the address space's first thread (its spawner) runs none: it clones the
 * others on request and otherwise waits, untraced, in stub_park. Except at first:
 * the stub's creator runs its first context on that thread, and a spawner is made
 * only when another context is coming (leader_ctx, ptrace_make_spawner).
 */
struct ptrace_thread {
	struct ptrace_as *as;
	struct ptrace_thread *next;	/* in as->threads (as->lock) */
	pid_t tid;			/* the stub thread; immutable */
	pid_t tracer;			/* Sentry thread tracing it, 0 for none */
	struct plat_regs regs;		/* registers as last read or written (tracer) */
	bool regs_loaded;		/* the tracee's own registers equal @regs (tracer) */
	bool interrupt_pending;		/* interrupt swallowed by an injection (tracer) */
	bool dead;			/* reaped or unusable (tracer) */
	bool reserved;			/* a pooled stub's first thread, its context not made
					 * yet: for its tracer's ctx_new (tracer) */
	bool fp_init;			/* its FPU state is to be the initial one before it
					 * runs or is read (ptrace_fp_init; tracer) */
	/* Its syscalls while traced, counted in windows of SM_PROMOTE_AFTER: when one
	 * window took less than SM_PROMOTE_NS, it is to move to sysmsg (tracer) */
	uint32_t nsys;
	uint64_t window_ns;		/* CLOCK_MONOTONIC at the window's start */
	bool sm_due;			/* to move at the next switch */
	bool sm_stay;			/* its move to sysmsg failed: stays traced */
	/* sysmsg: made by ptrace_sysmsg_ctx_new or moved by ptrace_sysmsg_promote,
	 * untraced from then on. Its slot, and the fs/gs bases last loaded. */
	bool sysmsg;
	pid_t owner;			/* the Sentry thread whose context it is */
	int sm_slot, sm_local;
	uint64_t sm_fs, sm_gs;
};

/*
 * A stub process. Its creator traces its first thread, maps the address space
 * through it, and runs its first context on it; from then on each context's thread
 * does its own address-space calls. Once a spawner is made (ptrace_make_spawner), a
 * new context takes it for the moment of one clone (PTRACE_SEIZE, inject,
 * PTRACE_DETACH), like the template.
 */
struct ptrace_as {
	struct ptrace_platform *p;
	pid_t pid;			/* the stub process; immutable */
	bool cpuid_faulting;		/* ARCH_SET_CPUID took in this stub; immutable */
	pthread_mutex_t lock;
	pthread_mutex_t table_lock;	/* held while a thread uses the stub page's table */
	struct ptrace_thread spawner;	/* the stub's first thread, or the thread it
					 * cloned to spawn when it ran a context; tid
					 * 0 while leader_ctx (lock) */
	bool leader_ctx;		/* the first thread runs the only context and
					 * there is no spawner (lock) */
	struct ptrace_thread *threads;	/* one per context (lock) */
	uint64_t sm_local[SM_LOCAL_WORDS]; /* sysmsg slot places taken (lock) */
	/* sysmsg: the slot holding the request and reply pages, the Sentry's end of
	 * the reply pipe, the last request's sequence number (lock); sm_ready once
	 * they are made and the spawner serves them (set once, under lock; atomic) */
	int sm_req, sm_reply;
	bool sm_ready;
	uint32_t sm_seq;
	int sm_cpu;			/* where the spawner was last pinned (lock) */
	/* The sysmsg-file slot behind the table page (STUB_TABLE_ADDR), held from the
	 * stub's making to its death, or -1 (the stub page's table is used); whether
	 * the stub has it mapped yet (table_lock) */
	int tbl_slot;
	bool tbl_mapped;
};

struct ptrace_ctx {
	struct ptrace_thread *t;
	pid_t pid, tid;			/* copies for ctx_interrupt from any thread */
};

static inline struct ptrace_platform *to_ptrace_platform(struct platform *p)
{
	return (struct ptrace_platform *)p;
}

static inline struct ptrace_as *to_ptrace_as(struct plat_as *as)
{
	return (struct ptrace_as *)as;
}

static inline struct ptrace_ctx *to_ptrace_ctx(struct plat_ctx *ctx)
{
	return (struct ptrace_ctx *)ctx;
}

/* The calling thread's host tid: a tracer's identity, asked before most requests.
 * Remembered per thread (glibc's gettid is a system call, a microsecond here). */
static inline pid_t ptrace_self(void)
{
	static __thread pid_t tid;

	if (!tid)
		tid = (pid_t)syscall(SYS_gettid);
	return tid;
}

/*
 * The signal mask of a stub thread that runs no context: every signal. In sysmsg mode
 * SIGTRAP stays open: each injection ends in an int3, and a forced signal that finds
 * itself blocked is unblocked and reset to SIG_DFL for the whole process, which
 * would take stub_sysmsg_handler away from every context's thread.
 */
static inline uint64_t ptrace_parked_mask(const struct ptrace_platform *pp)
{
	return pp->sysmsg ? ~(1ULL << (SIGTRAP - 1)) : ~0ULL;
}

/* ptrace_platform.c */
int ptrace_platform_open(int memfd, struct platform **out);

/* ptrace_host_vdso.c: the host's vDSO in every stub. preopen finds it (before the
 * Sentry loses /proc); the template child moves it to STUB_HOST_VDSO (true if it
 * did); the Sentry then knows where its clock_gettime is there (0: nowhere). */
int ptrace_platform_preopen(void);
bool ptrace_host_vdso_move(void);
uint64_t ptrace_host_vdso_clock_gettime(void);
bool ptrace_in_host_vdso(uint64_t rip);
int ptrace_seccomp_rules(const struct platform *p, void *scmp_filter_ctx);

/* ptrace_stub.c */
int ptrace_as_new(struct platform *p, struct plat_as **out);
void ptrace_as_destroy(struct plat_as *as);
int ptrace_as_map(struct plat_as *as, uint64_t addr, uint64_t len, int prot,
		  uint64_t file_off);
int ptrace_as_unmap(struct plat_as *as, uint64_t addr, uint64_t len);
int ptrace_as_protect(struct plat_as *as, uint64_t addr, uint64_t len, int prot);
int ptrace_as_apply(struct plat_as *as, const struct plat_as_op *ops, size_t n);
int ptrace_as_cpu_time(struct plat_as *as, uint64_t *user_ns, uint64_t *sys_ns);
int ptrace_as_reuse(struct plat_as *as, struct plat_ctx *ctx);
int ptrace_as_make(struct ptrace_platform *pp, struct ptrace_as **out);
int ptrace_inject(struct ptrace_thread *t, long nr, const long args[6], long *ret);
struct user_regs_struct;
int ptrace_run_routine(struct ptrace_thread *t, struct user_regs_struct *r,
		       const char *entry, const char *brk);
int ptrace_stub_err(uint64_t rax);
int ptrace_set_sigmask(struct ptrace_thread *t, uint64_t mask);
void ptrace_table_entry(const struct plat_as_op *o, uint64_t e[3]);
int ptrace_apply_table(struct ptrace_thread *t, const struct plat_as_op *ops, size_t n);
int ptrace_thread_take(struct ptrace_thread *t);
void ptrace_thread_release(struct ptrace_thread *t);
int ptrace_spawn_thread(struct ptrace_as *as, struct ptrace_thread **out);
int ptrace_leader_ctx(struct ptrace_as *as, struct ptrace_thread **out);
int ptrace_make_spawner(struct ptrace_thread *t);
int ptrace_as_share(struct plat_as *as, struct plat_ctx *ctx);
void ptrace_leader_park(struct ptrace_thread *t);
int ptrace_wait(pid_t tid, int *status);
int ptrace_reap(pid_t tid);

/* ptrace_sysmsg.c. SBX_PTRACE_SYSMSG: 0 never, 1 from every context's start, anything
 * else (or unset) once a context makes syscalls often: SM_PROMOTE_AFTER of them in
 * less than SM_PROMOTE_NS. */
enum ptrace_sm_mode { PTRACE_SM_OFF, PTRACE_SM_AUTO, PTRACE_SM_ALWAYS };
#define SM_PROMOTE_AFTER	64
#define SM_PROMOTE_NS		(8 * 1000000ULL)
enum ptrace_sm_mode ptrace_sysmsg_mode(void);
int ptrace_sysmsg_open(struct ptrace_platform *pp);
void ptrace_sysmsg_close(struct ptrace_platform *pp);
int ptrace_sysmsg_install_handlers(void);
int ptrace_sysmsg_ctx_new(struct ptrace_as *as, struct ptrace_thread **out);
int ptrace_sysmsg_as_setup(struct ptrace_as *as, bool cpuid);
int ptrace_sysmsg_promote(struct ptrace_thread *t);
void ptrace_sysmsg_as_teardown(struct ptrace_as *as);
void ptrace_sysmsg_table_take(struct ptrace_as *as);
void ptrace_sysmsg_table_put(struct ptrace_as *as);
uint64_t *ptrace_sysmsg_table(const struct ptrace_as *as);
int ptrace_sysmsg_as_apply(struct ptrace_as *as, const struct plat_as_op *ops, size_t n);
int ptrace_sysmsg_switch(struct ptrace_thread *t, struct plat_regs *regs,
			 struct plat_event *ev);
void ptrace_sysmsg_destroy(struct ptrace_thread *t);
int ptrace_sysmsg_get_fpstate(struct ptrace_thread *t, void *buf);
int ptrace_sysmsg_set_fpstate(struct ptrace_thread *t, const void *buf);
void ptrace_sysmsg_place(const struct ptrace_platform *pp, pid_t tid);
int ptrace_sysmsg_insn_at(const struct ptrace_thread *t, uint64_t rip);

/* ptrace_pool.c */
int ptrace_pool_take(struct ptrace_platform *pp, struct ptrace_as **out);
int ptrace_as_premake(struct platform *p);
void ptrace_pool_destroy(struct ptrace_platform *pp);

/* ptrace_ctx.c */
int ptrace_ctx_new(struct platform *p, struct plat_as *as, struct plat_ctx **out);
void ptrace_ctx_destroy(struct plat_ctx *ctx);
int ptrace_ctx_switch(struct plat_ctx *ctx, struct plat_regs *regs, struct plat_event *ev);
void ptrace_ctx_interrupt(struct plat_ctx *ctx);
int ptrace_ctx_get_fpstate(struct plat_ctx *ctx, void *buf, size_t len);
int ptrace_ctx_set_fpstate(struct plat_ctx *ctx, const void *buf, size_t len);
int ptrace_fp_init(struct ptrace_thread *t);
int ptrace_pin_to_cpu(pid_t tid, int cpu);
void ptrace_move_off_cpu(const struct ptrace_platform *pp, pid_t tid);

/* For tests and benchmarks: the stub's host pid, and whether cpuid faults there. */
pid_t ptrace_as_pid(const struct plat_as *as);
bool ptrace_as_cpuid_faulting(const struct plat_as *as);

#endif
