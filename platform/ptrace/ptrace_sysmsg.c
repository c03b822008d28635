/*
 * sysmsg mode of the ptrace platform (SBX_PTRACE_SYSMSG=1): a context's thread runs
 * untraced, and its syscalls, faults and interrupts reach the Sentry through a signal
 * handler in the stub and shared memory, after gVisor's systrap. A ptrace round trip
 * is two context switches through the tracer's waitpid (16.5 us here); a signal
 * handler that spins on shared memory while the Sentry, spinning on another CPU,
 * answers, is a few microseconds.
 *
 * Every stub keeps the sysmsg file as STUB_SYSMSG_FD; the Sentry maps all of it.
 * Nothing in a stub is traced once it is made: its first thread, the spawner, waits
 * in stub_sysloop for requests from the Sentry, in a request page the stub maps
 * read-only, and answers through a pipe the application cannot write. A request is a
 * table of address-space operations (ptrace_sysmsg_as_apply; a context's thread
 * cannot make them: its filter refuses mmap) or a new context's thread
 * (ptrace_sysmsg_ctx_new): the spawner maps a slot of the file at its place in the
 * stub and clones the thread there (stub_thread_op), the slot's state word its
 * clear_child_tid (its exit wakes the Sentry with SM_DEAD). The thread makes the
 * slot's stack its alternate signal stack, installs a seccomp filter of its own and
 * traps into stub_sysmsg_handler (stub_sysmsg_thread), which the template installed
 * for the signals of sysmsg_sigs. The stub's filter allows any syscall from the stub
 * page; the thread's own filter narrows that to what the handler makes (futex wait
 * and wake, sched_yield, rt_sigreturn, arch_prctl SET_FS/SET_GS, exit): with the
 * thread untraced, an application that jumps into the stub page gets nothing it
 * could not do anyway. Every other syscall is SIGSYS.
 *
 * A switch writes the registers into the ucontext of the frame the handler waits in,
 * sets SM_RUN and waits for SM_EVENT; the handler's rt_sigreturn loads them. The
 * slot is writable by the application (all of its memory is), so everything read
 * back is checked: pointers must lie in the slot, and a forged event is no more than
 * what the thread could have done itself. What must not be forged is not in a slot:
 * the filter is in the stub page, the requests in the read-only page, the replies in
 * the pipe.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "ptrace_platform.h"

#define SM_MAX_SLOTS		4096
#define SM_SLOTS_PER_AS		((STUB_TASK_TOP - STUB_SYSMSG_BASE) / STUB_SLOT_SIZE)
/*
 * Spins, in pause instructions (about 20 ns each here). The Sentry spins while the
 * application runs between two syscalls; the handler while the Sentry serves one,
 * which is the application's CPU time (the host charges it to the stub): short.
 */
#define SM_SENTRY_SPIN		5000	/* 100 us, less the yields */
#define SM_STUB_SPIN		1000	/* 20 us */
#define SM_WAIT_NS		(100 * 1000000L)
#define X86_EFLAGS_TF		0x100UL
#define SI_SYS_SECCOMP		1
#define SA_RESTORER		0x04000000	/* not in glibc's headers */
#define SM_NR_URETPROBE		335
#define FX_SW_BYTES_OFF		464	/* fpx_sw_bytes in the fxsave area */
#define FX_SW_BYTES_END		512

_Static_assert(SM_SLOTS_PER_AS <= 64 * SM_LOCAL_WORDS, "per-AS slot bitmap");
_Static_assert(STUB_NR_FUTEX == SYS_futex && STUB_NR_RT_SIGRETURN == SYS_rt_sigreturn &&
	       STUB_NR_ARCH_PRCTL == SYS_arch_prctl && STUB_NR_EXIT == SYS_exit &&
	       STUB_NR_SCHED_YIELD == SYS_sched_yield &&
	       STUB_NR_SIGALTSTACK == SYS_sigaltstack && STUB_NR_CLONE == SYS_clone &&
	       STUB_NR_SET_TID_ADDRESS == SYS_set_tid_address &&
	       STUB_NR_RT_SIGPROCMASK == SYS_rt_sigprocmask && STUB_NR_PRCTL == SYS_prctl &&
	       STUB_FUTEX_WAIT == FUTEX_WAIT && STUB_FUTEX_WAKE == FUTEX_WAKE,
	       "sysmsg uapi values");
_Static_assert(STUB_PR_SET_PDEATHSIG == PR_SET_PDEATHSIG && STUB_SIGKILL == SIGKILL &&
	       STUB_SIGSYS == SIGSYS && STUB_SIG_SETMASK == SIG_SETMASK &&
	       STUB_ARCH_SET_CPUID == ARCH_SET_CPUID && STUB_EIO == -EIO &&
	       STUB_NR_MADVISE == SYS_madvise &&
	       STUB_MADV_POPULATE_WRITE == MADV_POPULATE_WRITE &&
	       STUB_MAP_SHARED_FIXED_POPULATE == (MAP_SHARED | MAP_FIXED | MAP_POPULATE) &&
	       STUB_CLONE_THREAD == (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				     CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID),
	       "sysmsg stub values");

extern const char stub_image_start[], stub_sysmsg_handler[], stub_sysmsg_restorer[];
extern const char stub_sysmsg_as_init[], stub_sysmsg_as_init_done[];
extern const char stub_sysmsg_thread[];

/* The signals a context's thread takes in the handler; every other one is blocked. */
static const int sysmsg_sigs[] = {
	SIGSYS, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, PTRACE_INTERRUPT_SIG,
};

struct sm_ctl {
	uint32_t state, stub_sleeping, sentry_sleeping, signo;
	uint64_t info, uctx;
	uint32_t set_fs, set_gs;
	uint64_t fs_base, gs_base;
	uint32_t spin;
};

_Static_assert(offsetof(struct sm_ctl, stub_sleeping) == SM_STUB_SLEEPING &&
	       offsetof(struct sm_ctl, sentry_sleeping) == SM_SENTRY_SLEEPING &&
	       offsetof(struct sm_ctl, signo) == SM_SIGNO &&
	       offsetof(struct sm_ctl, info) == SM_INFO &&
	       offsetof(struct sm_ctl, uctx) == SM_UCTX &&
	       offsetof(struct sm_ctl, set_fs) == SM_SET_FS &&
	       offsetof(struct sm_ctl, set_gs) == SM_SET_GS &&
	       offsetof(struct sm_ctl, fs_base) == SM_FS_BASE &&
	       offsetof(struct sm_ctl, gs_base) == SM_GS_BASE &&
	       offsetof(struct sm_ctl, spin) == SM_SPIN, "sysmsg control page");

static uint64_t sm_stub_addr(const char *sym)
{
	return STUB_ADDR + (sym - stub_image_start);
}

enum ptrace_sm_mode ptrace_sysmsg_mode(void)
{
	const char *v = getenv("SBX_PTRACE_SYSMSG");

	if (v && !strcmp(v, "0"))
		return PTRACE_SM_OFF;
	return v && !strcmp(v, "1") ? PTRACE_SM_ALWAYS : PTRACE_SM_AUTO;
}

int ptrace_sysmsg_open(struct ptrace_platform *pp)
{
	size_t len = (size_t)SM_MAX_SLOTS * STUB_SLOT_SIZE;
	int fd = memfd_create("sbx-sysmsg", MFD_CLOEXEC);
	void *base;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, len)) {
		close(fd);
		return -errno;
	}
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (base == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	pp->sm_fd = fd;
	pp->sm_base = base;
	pp->sm_used = calloc(SM_MAX_SLOTS / 64, sizeof(uint64_t));
	if (!pp->sm_used) {
		munmap(base, len);
		close(fd);
		return -ENOMEM;
	}
	pthread_mutex_init(&pp->sm_lock, NULL);
	pp->sm_mask = ~0ULL;
	for (size_t i = 0; i < sizeof(sysmsg_sigs) / sizeof(sysmsg_sigs[0]); i++)
		pp->sm_mask &= ~(1ULL << (sysmsg_sigs[i] - 1));
	/* Spinning pays only when the other side can run meanwhile. */
	pp->sm_spin = CPU_COUNT(&pp->cpus) > 1;
	pp->sysmsg = true;
	pp->sm_born = ptrace_sysmsg_mode() == PTRACE_SM_ALWAYS;
	return 0;
}

void ptrace_sysmsg_close(struct ptrace_platform *pp)
{
	if (!pp->sysmsg)
		return;
	munmap(pp->sm_base, (size_t)SM_MAX_SLOTS * STUB_SLOT_SIZE);
	close(pp->sm_fd);
	free(pp->sm_used);
	pthread_mutex_destroy(&pp->sm_lock);
}

/*
 * For the template child: stub_sysmsg_handler for every signal of sysmsg_sigs, on the
 * alternate stack, every signal blocked while it runs. Raw syscalls only.
 */
int ptrace_sysmsg_install_handlers(void)
{
	struct {
		uint64_t handler, flags, restorer, mask;
	} ksa = {
		sm_stub_addr(stub_sysmsg_handler),
		SA_SIGINFO | SA_ONSTACK | SA_RESTORER,
		sm_stub_addr(stub_sysmsg_restorer),
		~0ULL,
	};

	for (size_t i = 0; i < sizeof(sysmsg_sigs) / sizeof(sysmsg_sigs[0]); i++)
		if (syscall(SYS_rt_sigaction, sysmsg_sigs[i], &ksa, NULL, sizeof(uint64_t)))
			return -1;
	return 0;
}

static struct sm_ctl *sm_ctl(const struct ptrace_thread *t)
{
	return (struct sm_ctl *)(t->as->p->sm_base + (size_t)t->sm_slot * STUB_SLOT_SIZE);
}

static uint64_t sm_stub_slot(const struct ptrace_thread *t)
{
	return STUB_SYSMSG_BASE + (uint64_t)t->sm_local * STUB_SLOT_SIZE;
}

/* The Sentry's view of stub address @addr in @t's slot, if [addr, addr + len) lies in
 * the slot past the control page; NULL otherwise. */
static void *sm_view(const struct ptrace_thread *t, uint64_t addr, size_t len)
{
	uint64_t lo = sm_stub_slot(t) + STUB_PAGE_SIZE, hi = sm_stub_slot(t) + STUB_SLOT_SIZE;

	if (addr < lo || addr > hi || len > hi - addr)
		return NULL;
	return (char *)sm_ctl(t) + (addr - sm_stub_slot(t));
}

/* The first clear bit of @map's @n, set under @lock; -1 if none. */
static int sm_bit_take(uint64_t *map, int n, pthread_mutex_t *lock)
{
	int got = -1;

	pthread_mutex_lock(lock);
	for (int i = 0; i < n && got < 0; i++)
		if (!(map[i / 64] & 1ULL << (i % 64))) {
			map[i / 64] |= 1ULL << (i % 64);
			got = i;
		}
	pthread_mutex_unlock(lock);
	return got;
}

static void sm_bit_put(uint64_t *map, int i, pthread_mutex_t *lock)
{
	pthread_mutex_lock(lock);
	map[i / 64] &= ~(1ULL << (i % 64));
	pthread_mutex_unlock(lock);
}

/* A slot of the sysmsg file for @t, and a place for it in its stub. */
static int sm_slot_alloc(struct ptrace_thread *t)
{
	struct ptrace_platform *pp = t->as->p;
	struct ptrace_as *as = t->as;

	t->sm_slot = sm_bit_take(pp->sm_used, SM_MAX_SLOTS, &pp->sm_lock);
	t->sm_local = sm_bit_take(as->sm_local, (int)SM_SLOTS_PER_AS, &as->lock);
	if (t->sm_slot < 0 || t->sm_local < 0)
		return -EAGAIN;		/* as clone(2) with too many threads */
	return 0;
}

static void sm_slot_free(struct ptrace_thread *t)
{
	struct ptrace_platform *pp = t->as->p;
	struct ptrace_as *as = t->as;

	if (t->sm_slot >= 0)
		sm_bit_put(pp->sm_used, t->sm_slot, &pp->sm_lock);
	if (t->sm_local >= 0)
		sm_bit_put(as->sm_local, t->sm_local, &as->lock);
	t->sm_slot = t->sm_local = -1;
}

/*
 * Stub @as (its spawner stopped, traced by the caller) made ready for sysmsg in one
 * round trip, stub_sysmsg_as_init: PR_SET_PDEATHSIG (an untraced thread has no
 * tracer's EXITKILL to die by), CPUID faulting if @cpuid, and the channel for its
 * address-space calls and new threads (stub_sysloop): a slot for the request and
 * reply pages, and the read end of the stub's reply pipe, taken with pidfd_getfd.
 * The spawner enters stub_sysloop when it is let go (ptrace_thread_release).
 */
int ptrace_sysmsg_as_setup(struct ptrace_as *as, bool cpuid)
{
	struct ptrace_platform *pp = as->p;
	struct user_regs_struct r;
	char *req;
	int g, rd, pidfd, err;

	g = sm_bit_take(pp->sm_used, SM_MAX_SLOTS, &pp->sm_lock);
	if (g < 0)
		return -EAGAIN;
	as->sm_req = g;
	req = pp->sm_base + (size_t)g * STUB_SLOT_SIZE;
	memset(req, 0, 2 * STUB_PAGE_SIZE);
	memcpy(&r, &as->spawner.regs, sizeof(r));
	r.r13 = (uint64_t)g * STUB_SLOT_SIZE;
	cpuid = cpuid && __atomic_load_n(&pp->cpuid_faulting, __ATOMIC_RELAXED) != 0;
	r.r15 = cpuid;
	err = ptrace_run_routine(&as->spawner, &r, stub_sysmsg_as_init,
				 stub_sysmsg_as_init_done);
	if (!err)
		err = ptrace_stub_err(r.rax);
	if (err)
		return err;
	/* CPUID faulting is a host property: tried until it fails once. */
	if (cpuid) {
		as->cpuid_faulting = r.r15 == 0;
		__atomic_store_n(&pp->cpuid_faulting, as->cpuid_faulting, __ATOMIC_RELAXED);
	}
	memcpy(&rd, req + REP_FDS, sizeof(rd));
	pidfd = (int)syscall(SYS_pidfd_open, as->pid, 0);
	if (pidfd < 0)
		return -errno;
	as->sm_reply = (int)syscall(SYS_pidfd_getfd, pidfd, rd, 0);
	err = as->sm_reply < 0 ? -errno : 0;
	close(pidfd);
	return err;
}

void ptrace_sysmsg_as_teardown(struct ptrace_as *as)
{
	if (as->sm_reply >= 0)
		close(as->sm_reply);
	if (as->sm_req >= 0)
		sm_bit_put(as->p->sm_used, as->sm_req, &as->p->sm_lock);
	as->sm_reply = as->sm_req = -1;
}

/*
 * A slot for @as's table page (STUB_TABLE_ADDR), if there is a sysmsg file, its
 * contexts are not born in sysmsg (their batches go through the request page) and a
 * slot is free; otherwise as->tbl_slot is -1 and its tables go into the stub page. Taken
 * when the stub is made, given back once it is killed: a killed stub runs no more
 * of its code, so the next holder's tables are never read by this one's stub_apply.
 */
void ptrace_sysmsg_table_take(struct ptrace_as *as)
{
	struct ptrace_platform *pp = as->p;

	as->tbl_slot = pp->sysmsg && !pp->sm_born ?
		       sm_bit_take(pp->sm_used, SM_MAX_SLOTS, &pp->sm_lock) : -1;
	as->tbl_mapped = false;
}

void ptrace_sysmsg_table_put(struct ptrace_as *as)
{
	if (as->tbl_slot >= 0)
		sm_bit_put(as->p->sm_used, as->tbl_slot, &as->p->sm_lock);
	as->tbl_slot = -1;
}

/* The Sentry's view of @as's table page. */
uint64_t *ptrace_sysmsg_table(const struct ptrace_as *as)
{
	return (uint64_t *)(as->p->sm_base + (size_t)as->tbl_slot * STUB_SLOT_SIZE);
}

static char *sm_req_page(const struct ptrace_as *as)
{
	return as->p->sm_base + (size_t)as->sm_req * STUB_SLOT_SIZE;
}

/*
 * Before requests to @as's loop, under as->lock: the caller's own thread, waiting in
 * the handler, stops spinning (the spawner is about to need this CPU; the next switch
 * lets it spin again), and the spawner moves to the caller's CPU, where a wake-up is
 * a switch, not a 60-100 us cross-CPU one.
 */
static void sm_request_prepare(struct ptrace_as *as)
{
	int cpu = sched_getcpu();

	for (struct ptrace_thread *t = as->threads; t; t = t->next)
		if (t->sysmsg && t->owner == ptrace_self() && t->sm_slot >= 0)
			__atomic_store_n(&sm_ctl(t)->spin, 0, __ATOMIC_RELAXED);
	if (cpu >= 0 && cpu != as->sm_cpu && !ptrace_pin_to_cpu(as->spawner.tid, cpu))
		as->sm_cpu = cpu;
}

/*
 * Runs the @k entries written into the request page: the sequence number bumped, the
 * spawner woken, its reply read from the pipe; *ret is the loop's rax (0, an error,
 * or a new thread's tid). Under as->lock.
 */
static int sm_request(struct ptrace_as *as, size_t k, uint64_t *ret)
{
	char *req = sm_req_page(as);
	uint32_t seq = as->sm_seq + 1, nk = (uint32_t)k;
	uint64_t reply[3];
	ssize_t got;

	memcpy(req + REQ_N, &nk, sizeof(nk));
	__atomic_store_n((uint32_t *)(req + REQ_SEQ), seq, __ATOMIC_SEQ_CST);
	as->sm_seq = seq;
	/* Every waiter: the dying stub of the address space that had this slot before
	 * may still wait on it, and would take a single wake-up. */
	syscall(SYS_futex, req + REQ_SEQ, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	do
		got = read(as->sm_reply, reply, sizeof(reply));
	while (got < 0 && errno == EINTR);
	if (got == 0 || (got < 0 && errno == EBADF))
		return -ESRCH;		/* the stub is gone */
	if (got != sizeof(reply) || reply[0] != seq)
		return -EIO;
	*ret = reply[1];
	return 0;
}

/*
 * @ops[0..n), checked, through the spawner's stub_sysloop, in requests of up to
 * STUB_REQ_MAX. Under as->lock, which also orders them with new threads'
 * requests. Stops at the first that fails, as plat_as_apply.
 */
int ptrace_sysmsg_as_apply(struct ptrace_as *as, const struct plat_as_op *ops, size_t n)
{
	char *req = sm_req_page(as);
	int err = 0;

	if (!__atomic_load_n(&as->sm_ready, __ATOMIC_ACQUIRE))
		return -ESRCH;
	pthread_mutex_lock(&as->lock);
	sm_request_prepare(as);
	for (size_t done = 0; done < n && !err;) {
		size_t k = n - done < STUB_REQ_MAX ? n - done : STUB_REQ_MAX;
		uint64_t ret;

		for (size_t i = 0; i < k; i++)
			ptrace_table_entry(&ops[done + i],
					   (uint64_t *)(req + REQ_TABLE + i * STUB_ENTRY_SIZE));
		err = sm_request(as, k, &ret);
		if (!err)
			err = ptrace_stub_err(ret);
		done += k;
	}
	pthread_mutex_unlock(&as->lock);
	return err;
}

/*
 * A context's thread may run on any CPU the Sentry may (it was made on its creator's,
 * like the stub), so that it and its Sentry thread, both spinning, are apart.
 */
void ptrace_sysmsg_place(const struct ptrace_platform *pp, pid_t tid)
{
	cpu_set_t set = pp->cpus;

	if (CPU_COUNT(&set))
		sched_setaffinity(tid, sizeof(set), &set);
}

/*
 * Waits until @ctl leaves SM_RUN: spinning first, when there is a CPU for the other
 * side, then in futex. A thread that died without its exit clearing the word (the
 * last of its process, or killed with it) is found by the timeout.
 */
static uint32_t sm_wait(struct ptrace_thread *t, struct sm_ctl *ctl)
{
	struct timespec ts = { 0, SM_WAIT_NS };
	uint32_t spin = t->as->p->sm_spin ? SM_SENTRY_SPIN : 0, s;

	for (;;) {
		s = __atomic_load_n(&ctl->state, __ATOMIC_ACQUIRE);
		if (s != SM_RUN)
			return s;
		if (spin) {
			/* Now and then the CPU goes to whoever waits for it here: maybe
			 * the very thread this one waits for. */
			if (--spin % 64)
				__builtin_ia32_pause();
			else
				sched_yield();
			continue;
		}
		__atomic_exchange_n(&ctl->sentry_sleeping, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&ctl->state, __ATOMIC_SEQ_CST) == SM_RUN &&
		    syscall(SYS_futex, &ctl->state, FUTEX_WAIT, SM_RUN, &ts, NULL, 0) &&
		    errno == ETIMEDOUT &&
		    syscall(SYS_tgkill, t->as->pid, t->tid, 0) && errno == ESRCH) {
			__atomic_store_n(&ctl->sentry_sleeping, 0, __ATOMIC_RELAXED);
			return SM_DEAD;
		}
		__atomic_store_n(&ctl->sentry_sleeping, 0, __ATOMIC_RELAXED);
	}
}

/* Lets the handler return: SM_RUN, and a wake-up if it sleeps. */
static void sm_resume(struct sm_ctl *ctl, uint32_t state)
{
	__atomic_exchange_n(&ctl->state, state, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ctl->stub_sleeping, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &ctl->state, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static ucontext_t *sm_uctx(const struct ptrace_thread *t)
{
	const struct sm_ctl *ctl = sm_ctl(t);

	return sm_view(t, __atomic_load_n(&ctl->uctx, __ATOMIC_RELAXED), sizeof(ucontext_t));
}

static void sm_regs_from(const struct ptrace_thread *t, const greg_t *g,
			 struct plat_regs *r)
{
	r->r8 = g[REG_R8]; r->r9 = g[REG_R9]; r->r10 = g[REG_R10]; r->r11 = g[REG_R11];
	r->r12 = g[REG_R12]; r->r13 = g[REG_R13]; r->r14 = g[REG_R14]; r->r15 = g[REG_R15];
	r->rdi = g[REG_RDI]; r->rsi = g[REG_RSI]; r->rbp = g[REG_RBP]; r->rbx = g[REG_RBX];
	r->rdx = g[REG_RDX]; r->rax = g[REG_RAX]; r->rcx = g[REG_RCX]; r->rsp = g[REG_RSP];
	r->rip = g[REG_RIP]; r->eflags = g[REG_EFL];
	r->cs = g[REG_CSGSFS] & 0xffff;
	r->ss = (uint64_t)g[REG_CSGSFS] >> 48;
	r->orig_rax = -1;
	r->fs_base = t->sm_fs;
	r->gs_base = t->sm_gs;
}

static void sm_regs_to(const struct plat_regs *r, greg_t *g)
{
	g[REG_R8] = r->r8; g[REG_R9] = r->r9; g[REG_R10] = r->r10; g[REG_R11] = r->r11;
	g[REG_R12] = r->r12; g[REG_R13] = r->r13; g[REG_R14] = r->r14; g[REG_R15] = r->r15;
	g[REG_RDI] = r->rdi; g[REG_RSI] = r->rsi; g[REG_RBP] = r->rbp; g[REG_RBX] = r->rbx;
	g[REG_RDX] = r->rdx; g[REG_RAX] = r->rax; g[REG_RCX] = r->rcx; g[REG_RSP] = r->rsp;
	g[REG_RIP] = r->rip; g[REG_EFL] = r->eflags;
	g[REG_CSGSFS] = (g[REG_CSGSFS] & 0x0000ffffffff0000LL) | (r->cs & 0xffff) |
			(greg_t)(r->ss & 0xffff) << 48;
}

/* The two bytes at @rip in @t's address space, or -1. */
int ptrace_sysmsg_insn_at(const struct ptrace_thread *t, uint64_t rip)
{
	uint16_t insn;
	struct iovec local = { &insn, sizeof(insn) }, remote = { (void *)rip, sizeof(insn) };

	if (process_vm_readv(t->tid, &local, 1, &remote, 1, 0) != sizeof(insn))
		return -1;
	return insn;
}

/*
 * The event in @t's slot: 1 with @ev and @regs filled, 0 for a signal to drop
 * (resume as it was), -EIO for a frame that is not where it must be.
 */
static int sm_event(struct ptrace_thread *t, struct plat_regs *regs, struct plat_event *ev)
{
	const struct sm_ctl *ctl = sm_ctl(t);
	ucontext_t *uc = sm_uctx(t);
	siginfo_t si;
	const void *sip;
	uint64_t orig = -1;
	int sig = (int)__atomic_load_n(&ctl->signo, __ATOMIC_RELAXED);

	sip = sm_view(t, __atomic_load_n(&ctl->info, __ATOMIC_RELAXED), sizeof(si));
	if (!uc || !sip)
		return -EIO;
	memcpy(&si, sip, sizeof(si));
	if (sig == PTRACE_INTERRUPT_SIG) {
		/*
		 * Met before the thread ran an instruction (pending when it left the
		 * handler): as Linux, which delivers it on the way out of the syscall,
		 * orig_rax is still the syscall's.
		 */
		if (regs->rip == (uint64_t)uc->uc_mcontext.gregs[REG_RIP] &&
		    regs->rsp == (uint64_t)uc->uc_mcontext.gregs[REG_RSP])
			orig = regs->orig_rax;
		sm_regs_from(t, uc->uc_mcontext.gregs, regs);
		regs->orig_rax = orig;
		ev->kind = PLAT_EV_INTERRUPT;
		return 1;
	}
	sm_regs_from(t, uc->uc_mcontext.gregs, regs);
	if (sig == SIGSYS) {
		if (si.si_code != SI_SYS_SECCOMP)
			return 0;
		regs->orig_rax = (uint32_t)si.si_syscall;
		regs->rax = -ENOSYS;
		ev->kind = si.si_arch == AUDIT_ARCH_X86_64 ? PLAT_EV_SYSCALL : PLAT_EV_SYSCALL32;
		return 1;
	}
	if (sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL &&
	    sig != SIGTRAP)
		return 0;
	if (si.si_code <= 0)
		return 0;
	/*
	 * uretprobe (335): seccomp lets it through unfiltered (Linux 6.13+), and from
	 * anywhere but the kernel's uprobe trampoline it is a SIGILL, SI_KERNEL, with
	 * rip past the syscall instruction. It is the syscall the Sentry would have
	 * seen under PTRACE_SYSEMU.
	 */
	if (sig == SIGILL && si.si_code == SI_KERNEL &&
	    ptrace_sysmsg_insn_at(t, regs->rip - 2) == 0x050f) {
		regs->orig_rax = SM_NR_URETPROBE;
		regs->rax = -ENOSYS;
		ev->kind = PLAT_EV_SYSCALL;
		return 1;
	}
	if (sig == SIGSEGV && si.si_code == SI_KERNEL) {
		int insn = ptrace_sysmsg_insn_at(t, regs->rip);

		if (insn == 0xa20f && t->as->cpuid_faulting) {
			ev->kind = PLAT_EV_CPUID;
			return 1;
		}
		if (insn == 0x80cd) {
			regs->rip += 2;
			regs->orig_rax = regs->rax;
			regs->rax = -ENOSYS;
			ev->kind = PLAT_EV_SYSCALL32;
			return 1;
		}
	}
	ev->kind = PLAT_EV_FAULT;
	ev->signo = sig;
	ev->code = si.si_code;
	ev->addr = (uint64_t)si.si_addr;
	ev->trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	ev->err = uc->uc_mcontext.gregs[REG_ERR];
	return 1;
}

/* Hands @regs to the thread waiting in the handler and lets it go. */
static int sm_run(struct ptrace_thread *t, const struct plat_regs *regs)
{
	struct sm_ctl *ctl = sm_ctl(t);
	ucontext_t *uc = sm_uctx(t);

	if (!uc)
		return -EIO;
	sm_regs_to(regs, uc->uc_mcontext.gregs);
	ctl->spin = t->as->p->sm_spin ? SM_STUB_SPIN : 0;
	/*
	 * rt_sigreturn also loads the host signal mask and alternate stack from the
	 * frame, which the application can write: put back the handler's own, so a
	 * thread cannot block its SIGSYS or move its handler off the slot.
	 */
	memcpy(&uc->uc_sigmask, &t->as->p->sm_mask, sizeof(uint64_t));
	uc->uc_stack.ss_sp = (void *)(sm_stub_slot(t) + STUB_PAGE_SIZE);
	uc->uc_stack.ss_size = STUB_SLOT_SIZE - STUB_PAGE_SIZE;
	uc->uc_stack.ss_flags = 0;
	if (regs->fs_base != t->sm_fs) {
		ctl->fs_base = regs->fs_base;
		ctl->set_fs = 1;
		t->sm_fs = regs->fs_base;
	}
	if (regs->gs_base != t->sm_gs) {
		ctl->gs_base = regs->gs_base;
		ctl->set_gs = 1;
		t->sm_gs = regs->gs_base;
	}
	sm_resume(ctl, SM_RUN);
	return 0;
}

/*
 * A new context's thread in @as for the calling thread, without ptrace: a slot, the
 * thread cloned by the spawner's loop (stub_thread_op, which maps the slot), and its
 * birth awaited (stub_sysmsg_thread): once it waits in the handler with its first
 * frame, the first switch is like any other, and its FPU state is the frame's. Its
 * fs/gs bases are the spawner's: the first switch loads the context's.
 */
/* A slot for @t, its control page set for a thread about to be born (SM_RUN). */
static int sm_slot_prepare(struct ptrace_thread *t)
{
	struct sm_ctl *ctl;
	int err = sm_slot_alloc(t);

	if (err)
		return err;
	ctl = sm_ctl(t);
	memset(ctl, 0, STUB_PAGE_SIZE);
	ctl->state = SM_RUN;
	ctl->spin = t->as->p->sm_spin ? SM_STUB_SPIN : 0;
	return 0;
}

/*
 * @t, running untraced towards stub_sysmsg_thread, is the caller's sysmsg context
 * once its birth frame is in the handler: false if it never gets there. Its fs/gs
 * bases are still another thread's: no user address is UINT64_MAX, so the first
 * switch loads both.
 */
static bool sm_await_birth(struct ptrace_thread *t)
{
	t->sysmsg = true;
	t->owner = ptrace_self();
	t->sm_fs = t->sm_gs = UINT64_MAX;
	return sm_wait(t, sm_ctl(t)) == SM_EVENT && sm_uctx(t);
}

int ptrace_sysmsg_ctx_new(struct ptrace_as *as, struct ptrace_thread **out)
{
	struct ptrace_thread *t;
	uint64_t *e, ret = 0;
	int err;

	if (!__atomic_load_n(&as->sm_ready, __ATOMIC_ACQUIRE))
		return -ESRCH;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->as = as;
	err = sm_slot_prepare(t);
	if (err)
		goto out_free;

	pthread_mutex_lock(&as->lock);
	sm_request_prepare(as);
	e = (uint64_t *)(sm_req_page(as) + REQ_TABLE);
	e[0] = sm_stub_slot(t) | STUB_OP_THREAD;
	e[1] = STUB_SLOT_SIZE;
	e[2] = (uint64_t)t->sm_slot * STUB_SLOT_SIZE;
	err = sm_request(as, 1, &ret);
	if (!err && ((int64_t)ret <= 0 || ret > INT_MAX))
		err = (int64_t)ret < 0 ? ptrace_stub_err(ret) : -EIO;
	pthread_mutex_unlock(&as->lock);
	if (err)
		goto out_free;
	t->tid = (pid_t)ret;
	if (!sm_await_birth(t)) {
		ptrace_sysmsg_destroy(t);
		free(t);
		return -EIO;
	}
	pthread_mutex_lock(&as->lock);
	t->next = as->threads;
	as->threads = t;
	pthread_mutex_unlock(&as->lock);
	*out = t;
	return 0;

out_free:
	sm_slot_free(t);
	free(t);
	return err;
}

/*
 * @as ready for sysmsg, made so the first time: its spawner, parked, taken by the
 * caller for ptrace_sysmsg_as_setup (under as->lock, which a spawn holds while it has
 * the spawner) and let go into stub_sysloop.
 */
static int sm_as_ready(struct ptrace_as *as)
{
	struct ptrace_thread *s = &as->spawner;
	int err = 0;

	if (__atomic_load_n(&as->sm_ready, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&as->lock);
	if (!as->sm_ready) {
		err = ptrace_thread_take(s);
		if (!err)
			err = ptrace_sysmsg_as_setup(as, false);
		if (err)
			ptrace_sysmsg_as_teardown(as);
		if (!s->dead)
			ptrace_thread_release(s);	/* ready: into stub_sysloop */
		if (!err && !as->sm_ready)
			err = -ESRCH;
	}
	pthread_mutex_unlock(&as->lock);
	return err;
}

/*
 * Moves context thread @t from ptrace to sysmsg (the default mode, once it makes
 * syscalls often: ptrace_ctx_switch). @t is stopped, traced by the caller, its
 * registers the Sentry's to load at the next switch. Its stub made ready (once), its
 * slot mapped by injection, it is let go, untraced, into stub_sysmsg_thread, as a
 * new thread is born: every signal blocked but SIGSYS until the first switch's
 * rt_sigreturn, so that an interrupt sent meanwhile waits for the handler. Its FPU
 * state travels in the birth frame.
 * -ESRCH (@t marked dead) if the thread or its stub was lost on the way; another
 * error leaves it traced, as it was (registers unloaded).
 */
int ptrace_sysmsg_promote(struct ptrace_thread *t)
{
	struct user_regs_struct r;
	uint64_t slot;
	long ret = 0;
	int err;

	err = ptrace_make_spawner(t);	/* if @t is the first thread, and runs alone */
	if (!err)
		err = sm_as_ready(t->as);
	if (err) {
		t->dead = err == -ESRCH;	/* the stub's spawner is lost */
		return err;
	}
	err = sm_slot_prepare(t);
	if (err)
		goto fail;
	slot = sm_stub_slot(t);
	const long args[6] = {
		(long)slot, STUB_SLOT_SIZE, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_FIXED | MAP_POPULATE, STUB_SYSMSG_FD,
		(long)t->sm_slot * STUB_SLOT_SIZE,
	};
	err = ptrace_inject(t, SYS_mmap, args, &ret);
	if (!err && (uint64_t)ret != slot)
		err = ptrace_stub_err(ret) ?: -EIO;
	if (!err)
		err = ptrace_set_sigmask(t, ~(1ULL << (SIGSYS - 1)));
	if (err)
		goto fail;
	memcpy(&r, &t->regs, sizeof(r));
	r.rip = sm_stub_addr(stub_sysmsg_thread);
	r.rsp = slot + STUB_SLOT_SIZE;
	r.r15 = slot;
	r.orig_rax = -1;
	r.eflags &= ~X86_EFLAGS_TF;
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, &r) ||
	    ptrace(PTRACE_DETACH, t->tid, NULL, NULL)) {
		err = -errno;
		goto fail;
	}
	t->tracer = 0;
	if (!sm_await_birth(t)) {
		t->dead = true;
		return -ESRCH;
	}
	ptrace_sysmsg_place(t->as->p, t->tid);
	return 0;

fail:
	sm_slot_free(t);
	if (err == -ESRCH)
		t->dead = true;
	return err;
}

int ptrace_sysmsg_switch(struct ptrace_thread *t, struct plat_regs *regs,
			 struct plat_event *ev)
{
	struct plat_regs cur = *regs;
	int steps = 0, err;

	err = sm_run(t, regs);
	for (;;) {
		if (err == -ESRCH || (!err && sm_wait(t, sm_ctl(t)) == SM_DEAD)) {
			t->dead = true;
			ev->kind = PLAT_EV_DEAD;
			return 0;
		}
		if (err)
			return err;
		cur = *regs;
		err = sm_event(t, &cur, ev);
		if (err < 0)
			return err;
		if (err == 0) {
			err = sm_run(t, &cur);
			continue;
		}
		/*
		 * An interrupt inside the host's vDSO: step out (trap flag) before the
		 * Sentry sees registers pointing into code another host lacks, stopping
		 * before a syscall instruction (the vDSO's own fallback), which the
		 * next switch traps.
		 */
		if (ptrace_in_host_vdso(cur.rip) && steps < 100000 &&
		    (ev->kind == PLAT_EV_INTERRUPT ||
		     (steps && ev->kind == PLAT_EV_FAULT && ev->signo == SIGTRAP)) &&
		    ptrace_sysmsg_insn_at(t, cur.rip) != 0x050f) {
			cur.eflags |= X86_EFLAGS_TF;
			steps++;
			err = sm_run(t, &cur);
			continue;
		}
		if (steps) {
			cur.eflags &= ~X86_EFLAGS_TF;
			if (ev->kind == PLAT_EV_FAULT && ev->signo == SIGTRAP &&
			    ev->code == TRAP_TRACE)
				ev->kind = PLAT_EV_INTERRUPT;
		}
		*regs = cur;
		return 0;
	}
}

/*
 * Ends @t's thread: SM_EXIT to a thread in the handler (or one entering it), then a
 * wait until it is gone, so that its slot can be reused: its exit clears the state
 * word and wakes it (clear_child_tid, while the process has another thread); a
 * thread the host killed is found by tgkill.
 */
void ptrace_sysmsg_destroy(struct ptrace_thread *t)
{
	struct timespec ts = { 0, 1000000 };
	struct sm_ctl *ctl = sm_ctl(t);

	sm_resume(ctl, SM_EXIT);
	for (int i = 0; i < 1000; i++) {
		uint32_t s = __atomic_load_n(&ctl->state, __ATOMIC_ACQUIRE);

		if (s == SM_DEAD ||
		    (syscall(SYS_tgkill, t->as->pid, t->tid, 0) && errno == ESRCH)) {
			sm_slot_free(t);
			return;
		}
		syscall(SYS_futex, &ctl->state, FUTEX_WAIT, s, &ts, NULL, 0);
	}
	/* Never left a running application: its slot stays taken. */
}

/* The xsave area of the frame @t waits in: fpstate_size bytes, or NULL. */
static void *sm_fpstate(const struct ptrace_thread *t)
{
	ucontext_t *uc = sm_uctx(t);

	if (!uc)
		return NULL;
	return sm_view(t, (uint64_t)uc->uc_mcontext.fpregs, t->as->p->base.fpstate_size);
}

int ptrace_sysmsg_get_fpstate(struct ptrace_thread *t, void *buf)
{
	const void *fp = sm_fpstate(t);

	if (!fp)
		return -EIO;
	memcpy(buf, fp, t->as->p->base.fpstate_size);
	return 0;
}

/* The frame's software bytes (the size and features sigreturn checks) are kept. */
int ptrace_sysmsg_set_fpstate(struct ptrace_thread *t, const void *buf)
{
	size_t size = t->as->p->base.fpstate_size;
	char *fp = sm_fpstate(t);

	if (!fp)
		return -EIO;
	memcpy(fp, buf, FX_SW_BYTES_OFF);
	if (size > FX_SW_BYTES_END)
		memcpy(fp + FX_SW_BYTES_END, (const char *)buf + FX_SW_BYTES_END,
		       size - FX_SW_BYTES_END);
	return 0;
}
