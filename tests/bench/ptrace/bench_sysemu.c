/*
 * bench_sysemu: what an emulated syscall costs on the ptrace platform, against the
 * floor. (a) a bare PTRACE_SYSEMU loop: a forked child calls getppid in a loop, the
 * tracer (same CPU) answers each stop with waitpid, GETREGS, SETREGS(rax), SYSEMU;
 * (a') the same plus PTRACE_GET_SYSCALL_INFO per stop, the price of asking the kernel
 * which syscall ABI was used; (b) the same work through the platform: a stub running
 * "getppid; jmp back", answered with plat_ctx_switch and a rax write.
 * Prints the median ns per round trip of several runs, and the ratio (b)/(a).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"
#include "ptrace_platform.h"

#define RUNS		5
#define FAKE_PPID	4242
#define CODE_ADDR	0x400000UL

extern const char bench_loop[], bench_loop_end[];
asm(".pushsection .rodata\nbench_loop:\n"
    "1: mov $110, %eax\n syscall\n jmp 1b\n"
    "bench_loop_end:\n.popsection\n");

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void pin(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(tid, sizeof(set), &set))
		perror("sched_setaffinity");
}

static void __attribute__((noreturn)) bare_child(long n)
{
	long i, bad = 0;

	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	raise(SIGSTOP);
	for (i = 0; i < n; i++)
		bad += syscall(SYS_getppid) != FAKE_PPID;
	syscall(SYS_exit_group, bad ? 1 : 0);
	__builtin_unreachable();
}

/* ns per stop of the bare loop; @info adds PTRACE_GET_SYSCALL_INFO to each stop. */
static double bench_bare(long n, int cpu, int info)
{
	struct __ptrace_syscall_info si;
	struct user_regs_struct r;
	long stops = 0;
	double t0, t1;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		pin(0, cpu);
		bare_child(n);
	}
	waitpid(pid, &st, 0);
	ptrace(PTRACE_SETOPTIONS, pid, NULL,
	       (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
	t0 = now_ns();
	ptrace(PTRACE_SYSEMU, pid, NULL, NULL);
	for (;;) {
		if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st))
			break;
		ptrace(PTRACE_GETREGS, pid, NULL, &r);
		if (info)
			ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(si), &si);
		if (r.orig_rax != SYS_getppid)
			break;
		stops++;
		r.rax = FAKE_PPID;
		ptrace(PTRACE_SETREGS, pid, NULL, &r);
		ptrace(PTRACE_SYSEMU, pid, NULL, NULL);
	}
	t1 = now_ns();
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	if (stops != n)
		fprintf(stderr, "bare: %ld stops of %ld\n", stops, n);
	return (t1 - t0) / n;
}

static double bench_platform(long n)
{
	struct platform *p;
	struct plat_as *as;
	struct plat_ctx *ctx;
	struct plat_regs regs;
	struct plat_event ev;
	double t0, t1;
	int memfd, err;
	long i;
	void *mem;

	memfd = memfd_create("bench-mem", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, 1 << 20))
		return -1;
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED)
		return -1;
	memcpy(mem, bench_loop, bench_loop_end - bench_loop);
	err = plat_open("ptrace", memfd, &p);
	if (!err)
		err = plat_as_new(p, &as);
	if (!err)
		err = plat_as_map(p, as, CODE_ADDR, 4096, PROT_READ | PROT_EXEC, 0);
	if (!err)
		err = plat_ctx_new(p, as, &ctx);
	if (err) {
		fprintf(stderr, "platform setup: %s\n", strerror(-err));
		return -1;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_ADDR;
	regs.cs = 0x33;
	regs.ss = 0x2b;
	regs.eflags = 0x202;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		err = plat_ctx_switch(p, ctx, &regs, &ev);
		if (err || ev.kind != PLAT_EV_SYSCALL || regs.orig_rax != SYS_getppid) {
			fprintf(stderr, "platform: err %d event %d\n", err, ev.kind);
			break;
		}
		regs.rax = FAKE_PPID;
	}
	t1 = now_ns();
	plat_ctx_destroy(p, ctx);
	plat_as_destroy(p, as);
	plat_destroy(p);
	munmap(mem, 4096);
	close(memfd);
	return (t1 - t0) / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	double bare[RUNS], info[RUNS], plat[RUNS], b, i, p;
	int cpu = sched_getcpu(), r;

	/* The platform pins the calling thread in plat_ctx_new; the bare loop, here. */
	pin(0, cpu);
	for (r = 0; r < RUNS; r++) {
		bare[r] = bench_bare(n, cpu, 0);
		info[r] = bench_bare(n, cpu, 1);
		plat[r] = bench_platform(n);
	}
	b = median(bare);
	i = median(info);
	p = median(plat);
	printf("stops per run: %ld, runs: %d, cpu %d (medians)\n", n, RUNS, cpu);
	printf("(a)  bare SYSEMU+GETREGS+SETREGS:      %7.0f ns/round trip\n", b);
	printf("(a') bare + PTRACE_GET_SYSCALL_INFO:   %7.0f ns/round trip (+%.0f)\n", i, i - b);
	printf("(b)  plat_ctx_switch + rax write:      %7.0f ns/round trip\n", p);
	printf("ratio (b)/(a): %.3f\n", p / b);
	return 0;
}
