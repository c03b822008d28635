/*
 * bench_trap: what other ways of catching a syscall would cost here, against ptrace's
 * SYSEMU round trip (bench_sysemu). A child calls getppid in a loop under a seccomp
 * filter that returns SECCOMP_RET_TRAP for it, and its SIGSYS handler answers:
 *   trap   in the handler itself (the floor of any in-process design);
 *   futex  by handing the call to a server process through shared memory and a
 *          futex, and sleeping until the answer (a stub that wakes a Sentry thread),
 *          with both pinned to one CPU, then to two;
 *   spin   the same hand-off with both sides spinning on the shared word instead of
 *          sleeping, pinned to two CPUs (a Sentry thread that busy-waits for its
 *          stub, as gVisor's systrap platform does while it has CPUs to spare).
 * Prints the median ns per call of RUNS runs for each. A measurement, not a test.
 * usage: bench_trap [calls]
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define RUNS 5

enum mode { M_TRAP, M_FUTEX, M_SPIN };

/* The page both processes share: the call's number, its answer and who holds it. */
struct channel {
	atomic_int state;       /* IDLE, CALL (the server's turn), DONE (the caller's) */
	long nr, ret;
};

enum { IDLE, CALL, DONE };

static struct channel *ch;
static enum mode mode;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		perror("sched_setaffinity");
}

static void futex_wait(atomic_int *w, int val)
{
	syscall(SYS_futex, w, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void futex_wake(atomic_int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Waits until *w == want: sleeping on the futex, or spinning. */
static void await(atomic_int *w, int want)
{
	int v;

	while ((v = atomic_load(w)) != want) {
		if (mode == M_SPIN)
			__builtin_ia32_pause();
		else
			futex_wait(w, v);
	}
}

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	if (mode == M_TRAP) {
		uc->uc_mcontext.gregs[REG_RAX] = 4242;
		return;
	}
	ch->nr = uc->uc_mcontext.gregs[REG_RAX];
	atomic_store(&ch->state, CALL);
	if (mode == M_FUTEX)
		futex_wake(&ch->state);
	await(&ch->state, DONE);
	atomic_store(&ch->state, IDLE);
	uc->uc_mcontext.gregs[REG_RAX] = ch->ret;
}

static void server(void)
{
	for (;;) {
		await(&ch->state, CALL);
		ch->ret = 4242;
		atomic_store(&ch->state, DONE);
		if (mode == M_FUTEX)
			futex_wake(&ch->state);
	}
}

static int trap_getppid(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return -1;
	}
	return 0;
}

/* One run in a child (the filter stays there): ns per call, or -1. */
static double run(enum mode m, int server_cpu, long calls)
{
	int pfd[2], st;
	double ns = -1;
	pid_t c, s = 0;

	if (pipe(pfd))
		return -1;
	mode = m;
	atomic_store(&ch->state, IDLE);
	if (m != M_TRAP) {
		s = fork();
		if (s == 0) {
			pin(server_cpu);
			server();
		}
	}
	c = fork();
	if (c == 0) {
		struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
		double t0;

		pin(0);
		sigaction(SIGSYS, &sa, NULL);
		if (trap_getppid())
			_exit(1);
		t0 = now_ns();
		for (long i = 0; i < calls; i++)
			if (syscall(SYS_getppid) != 4242)
				_exit(2);
		ns = (now_ns() - t0) / calls;
		if (write(pfd[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(3);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(pfd[0]);
	waitpid(c, &st, 0);
	if (s) {
		kill(s, SIGKILL);
		waitpid(s, NULL, 0);
	}
	return ns;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, enum mode m, int server_cpu, long calls)
{
	double r[RUNS];

	for (int i = 0; i < RUNS; i++)
		r[i] = run(m, server_cpu, calls);
	qsort(r, RUNS, sizeof(r[0]), cmp);
	printf("%-44s %8.0f ns/call (runs %.0f-%.0f)\n", what, r[RUNS / 2], r[0], r[RUNS - 1]);
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 100000;
	int two = sysconf(_SC_NPROCESSORS_ONLN) > 1;

	ch = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ch == MAP_FAILED || calls <= 0) {
		fprintf(stderr, "usage: bench_trap [calls]\n");
		return 2;
	}
	printf("calls per run: %ld, runs: %d (medians)\n", calls, RUNS);
	report("SIGSYS, answered in the handler", M_TRAP, 0, calls);
	report("SIGSYS + futex hand-off, one CPU", M_FUTEX, 0, calls / 10);
	if (two) {
		report("SIGSYS + futex hand-off, two CPUs", M_FUTEX, 1, calls / 10);
		report("SIGSYS + spinning hand-off, two CPUs", M_SPIN, 1, calls);
	}
	return 0;
}
