/*
 * The ptrace platform: opening it, the template stub, and the platform-wide facts
 * (xsave geometry, the Sentry's seccomp needs).
 *
 * plat_open runs while the Sentry is single-threaded and forks the template stub here:
 * the child drops everything it inherited from the Sentry (descriptors but the memory
 * file, signal dispositions and mask, rseq, the whole address space) and ends up in
 * stub_loop (stub_amd64.S), stopping itself with SIGSTOP. Every address space is later
 * cloned from it by injected syscalls (ptrace_stub.c), so the multi-threaded Sentry
 * never forks. The template dies with the Sentry's main thread (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace_platform.h"

_Static_assert(STUB_NR_MMAP == SYS_mmap && STUB_NR_MPROTECT == SYS_mprotect &&
	       STUB_NR_MUNMAP == SYS_munmap && STUB_NR_GETPID == SYS_getpid &&
	       STUB_NR_PAUSE == SYS_pause &&
	       STUB_NR_KILL == SYS_kill && STUB_NR_SECCOMP == SYS_seccomp &&
	       STUB_NR_EXIT_GROUP == SYS_exit_group, "stub syscall numbers");
_Static_assert(STUB_SIGSTOP == SIGSTOP && STUB_PROT_RW == (PROT_READ | PROT_WRITE) &&
	       STUB_PROT_RX == (PROT_READ | PROT_EXEC) &&
	       STUB_MAP_PRIV_ANON_FIXED == (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) &&
	       STUB_MAP_SHARED_FIXED == (MAP_SHARED | MAP_FIXED),
	       "stub uapi values");
_Static_assert(STUB_SECCOMP_SET_FILTER == SECCOMP_SET_MODE_FILTER &&
	       STUB_AUDIT_ARCH_X86_64 == AUDIT_ARCH_X86_64 &&
	       STUB_SECCOMP_RET_ALLOW == SECCOMP_RET_ALLOW &&
	       STUB_SECCOMP_RET_TRAP == SECCOMP_RET_TRAP, "stub seccomp values");
_Static_assert(PTRACE_MAX_USER < STUB_ADDR &&
	       STUB_ADDR + STUB_PAGE_SIZE <= STUB_TASK_TOP, "stub placement");

extern const char stub_image_start[], stub_image_end[];
void stub_entry(void) __attribute__((noreturn));

static void ptrace_platform_destroy(struct platform *p);

static const struct plat_ops ptrace_ops = {
	.name = "ptrace",
	.as_new = ptrace_as_new,
	.as_destroy = ptrace_as_destroy,
	.as_map = ptrace_as_map,
	.as_unmap = ptrace_as_unmap,
	.as_protect = ptrace_as_protect,
	.as_apply = ptrace_as_apply,
	.as_cpu_time = ptrace_as_cpu_time,
	.as_premake = ptrace_as_premake,
	.as_reuse = ptrace_as_reuse,
	.as_share = ptrace_as_share,
	.ctx_new = ptrace_ctx_new,
	.ctx_destroy = ptrace_ctx_destroy,
	.ctx_switch = ptrace_ctx_switch,
	.ctx_interrupt = ptrace_ctx_interrupt,
	.ctx_get_fpstate = ptrace_ctx_get_fpstate,
	.ctx_set_fpstate = ptrace_ctx_set_fpstate,
	.destroy = ptrace_platform_destroy,
};

/* The kernel's struct sigaction, to reach signals glibc reserves (32, 33). */
struct ptrace_ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void ptrace_template_reset_signals(void)
{
	struct ptrace_ksigaction ksa = { 0 };
	stack_t ss = { .ss_flags = SS_DISABLE };
	uint64_t none = 0;
	int sig;

	/* SIGCHLD ignored: the template's clones are reaped as soon as they die. */
	for (sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		ksa.handler = sig == SIGCHLD ? SIG_IGN : SIG_DFL;
		syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(uint64_t));
	}
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(uint64_t));
	sigaltstack(&ss, NULL);
}

/*
 * glibc exports the feature size (__rseq_size, 20) but registered the area with the
 * original ABI length, at least 32 bytes; unregistering needs the registered one.
 */
static int ptrace_rseq_unregister(void)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	unsigned int len = __rseq_size < 32 ? 32 : __rseq_size;

	if (!syscall(SYS_rseq, area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG))
		return 0;
	return syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}

static int ptrace_drop_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -1;
	return syscall(SYS_capset, &hdr, data);
}

/*
 * In the forked child. Only raw syscalls and async-signal-safe calls: the parent's
 * locks may be held by nobody here, but its heap is not ours to trust.
 */
static void __attribute__((noreturn)) ptrace_template_child(int memfd, int sm_fd,
							   pid_t parent, int vdso_fd)
{
	char moved;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	ptrace_template_reset_signals();
	if (sm_fd >= 0 && ptrace_sysmsg_install_handlers())
		_exit(8);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		_exit(2);
	/*
	 * No capabilities: a stub needs none, and a tracer without capabilities may only
	 * trace a tracee whose permitted set is a subset of its own. Its own process
	 * group keeps the terminal's signals (^C) away from it: they reach the Sentry.
	 */
	if (ptrace_drop_caps() || setpgid(0, 0))
		_exit(6);
	/*
	 * glibc registered an rseq area in memory the stub is about to unmap; the kernel
	 * would fault on it at the next preemption and kill the stub.
	 */
	if (__rseq_size && ptrace_rseq_unregister())
		_exit(3);
	syscall(SYS_set_tid_address, NULL);
	/* The host's vDSO moves to where every stub keeps it; the parent hears whether
	 * it did (the descriptor goes with the others below). */
	moved = ptrace_host_vdso_move();
	if (write(vdso_fd, &moved, 1) != 1)
		_exit(7);
	/* The descriptors the stub keeps go above any they could land on first. */
	if (sm_fd >= 0 && (sm_fd = fcntl(sm_fd, F_DUPFD, STUB_SYSMSG_FD + 1)) < 0)
		_exit(4);
	if (memfd != STUB_MEMFD && dup2(memfd, STUB_MEMFD) < 0)
		_exit(4);
	if (sm_fd >= 0 && dup2(sm_fd, STUB_SYSMSG_FD) < 0)
		_exit(4);
	if (syscall(SYS_close_range, 0, STUB_MEMFD - 1, 0) ||
	    syscall(SYS_close_range, sm_fd >= 0 ? STUB_SYSMSG_FD + 1 : STUB_MEMFD + 1,
		    ~0U, 0))
		_exit(5);
	stub_entry();
}

static int ptrace_template_start(struct ptrace_platform *pp, int memfd)
{
	pid_t parent = getpid(), pid;
	int st, vdso[2];
	char moved = 0;

	if (stub_image_end - stub_image_start > STUB_TABLE_OFF)
		return -E2BIG;
	if (pipe2(vdso, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(vdso[0]);
		close(vdso[1]);
		return -errno;
	}
	if (pid == 0)
		ptrace_template_child(memfd, pp->sysmsg ? pp->sm_fd : -1, parent, vdso[1]);
	close(vdso[1]);
	if (read(vdso[0], &moved, 1) != 1)
		moved = 0;
	close(vdso[0]);
	pp->base.host_clock_gettime = moved ? ptrace_host_vdso_clock_gettime() : 0;

	while (waitpid(pid, &st, WUNTRACED) < 0) {
		if (errno != EINTR) {
			kill(pid, SIGKILL);
			return -errno;
		}
	}
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		if (WIFSTOPPED(st)) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		return -EIO;
	}
	pp->template_pid = pid;
	return 0;
}

static void ptrace_platform_destroy(struct platform *p)
{
	struct ptrace_platform *pp = to_ptrace_platform(p);
	int st;

	ptrace_pool_destroy(pp);
	if (pp->template_pid > 0) {
		kill(pp->template_pid, SIGKILL);
		while (waitpid(pp->template_pid, &st, __WALL) < 0 && errno == EINTR)
			;
	}
	ptrace_sysmsg_close(pp);
	pthread_mutex_destroy(&pp->pool_lock);
	pthread_mutex_destroy(&pp->template_lock);
	free(pp);
}

int ptrace_platform_open(int memfd, struct platform **out)
{
	struct ptrace_platform *pp;
	int err;

	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	pp->base.ops = &ptrace_ops;
	pp->base.memfd = memfd;
	pp->base.max_user_addr = PTRACE_MAX_USER;
	plat_fpstate_geometry(&pp->base);
	pp->cpuid_faulting = -1;
	if (sched_getaffinity(0, sizeof(pp->cpus), &pp->cpus))
		CPU_ZERO(&pp->cpus);
	pthread_mutex_init(&pp->template_lock, NULL);
	pthread_mutex_init(&pp->pool_lock, NULL);

	if (ptrace_sysmsg_mode() != PTRACE_SM_OFF) {
		err = ptrace_sysmsg_open(pp);
		if (err)
			goto out_free;
	}
	err = ptrace_template_start(pp, memfd);
	if (err)
		goto out_close;
	*out = &pp->base;
	return 0;

out_close:
	ptrace_sysmsg_close(pp);
out_free:
	pthread_mutex_destroy(&pp->pool_lock);
	pthread_mutex_destroy(&pp->template_lock);
	free(pp);
	return err;
}

/*
 * What the platform calls from Sentry threads once the Sentry runs: ptrace and
 * wait4 for every stop, tgkill for ctx_interrupt, kill to end stubs,
 * sched_setaffinity/getcpu to pin tracer and tracee together, gettid for the tracer
 * check, futex for the locks. Forking the template happens before the filter
 * exists.
 */
int ptrace_seccomp_rules(const struct platform *p, void *filter)
{
	static const int nrs[] = {
		SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(tgkill), SCMP_SYS(kill),
		SCMP_SYS(sched_setaffinity), SCMP_SYS(sched_getaffinity),
		SCMP_SYS(getcpu), SCMP_SYS(gettid), SCMP_SYS(futex),
	};
	scmp_filter_ctx ctx = filter;
	size_t i;
	int err;

	for (i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
		if (err)
			return err < 0 ? err : -EINVAL;
	}
	/* sysmsg mode reads an instruction of an untraced thread, and takes each stub's
	 * reply pipe (ptrace_sysmsg.c). */
	if (to_ptrace_platform((struct platform *)p)->sysmsg) {
		static const int sm_nrs[] = {
			SCMP_SYS(process_vm_readv), SCMP_SYS(pidfd_open), SCMP_SYS(pidfd_getfd),
		};

		for (i = 0; i < sizeof(sm_nrs) / sizeof(sm_nrs[0]); i++) {
			err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sm_nrs[i], 0);
			if (err)
				return err < 0 ? err : -EINVAL;
		}
	}
	return 0;
}

pid_t ptrace_as_pid(const struct plat_as *as)
{
	return ((const struct ptrace_as *)as)->pid;
}

bool ptrace_as_cpuid_faulting(const struct plat_as *as)
{
	return ((const struct ptrace_as *)as)->cpuid_faulting;
}

int ptrace_pin_to_cpu(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(tid, sizeof(set), &set) ? -errno : 0;
}

/*
 * Lets stub thread @tid run anywhere the Sentry may but on the calling thread's CPU:
 * for a stub about to be killed, whose teardown (unmapping everything, milliseconds on
 * a PVM guest) would otherwise preempt the caller on the CPU they share. Best effort;
 * nothing on a single CPU.
 */
void ptrace_move_off_cpu(const struct ptrace_platform *pp, pid_t tid)
{
	int cpu = sched_getcpu();
	cpu_set_t set = pp->cpus;

	if (cpu < 0 || !CPU_ISSET(cpu, &set) || CPU_COUNT(&set) < 2)
		return;
	CPU_CLR(cpu, &set);
	sched_setaffinity(tid, sizeof(set), &set);
}
