/*
 * exec_state: what a new program inherits from the one that called execve, and what
 * it must not. The caller leaves memory mapped at a fixed address with a pattern in
 * it, an MXCSR and an x87 control word of its own, and CPU time used; the new program
 * (this one, run as "check") must find the address unmapped (reading it is SIGSEGV,
 * not the old bytes), MXCSR and FCW in their initial state, and its process CPU clock
 * no smaller than the caller's. Done from a plain fork child (the Sentry keeps the
 * child's address space for the new program), from a vfork child (whose memory is
 * its parent's: it gets a new one), from a child with a second thread running, from
 * one that ran a while (a new one too), and twice in a row.
 *   exec_state           the cases, then "done"
 *   exec_state cr        zdtm form (testdata/cr/cr.h): a child forked before the ready
 *                        mark execs after the restore, then the cases run.
 *   exec_state check NS [N]   the new program: checks, prints, and with N > 0 execs
 *                        itself again for N - 1.
 */
#include "../cr/cr.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define OLD_ADDR ((unsigned char *)0x5a5a0000000UL)
#define OLD_LEN (256 << 10)
#define MXCSR_RZ_FTZ 0xff80     /* round toward zero, flush to zero, all masked */
#define FCW_SINGLE 0x007f       /* single precision, all masked */

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jmp, 1);
}

/* 1 if reading @p faults, 0 if it reads (the byte in *v). */
static int faults(const volatile unsigned char *p, unsigned char *v)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	int r = 1;

	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(segv_jmp, 1)) {
		*v = *p;
		r = 0;
	}
	sigaction(SIGSEGV, &old, NULL);
	return r;
}

static unsigned long long cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int check(char **argv)
{
	unsigned long long before = strtoull(argv[2], NULL, 10), now = cpu_ns();
	int again = argv[3] ? atoi(argv[3]) : 0;
	unsigned int mxcsr;
	unsigned short fcw;
	unsigned char v = 0;
	int bad = 0;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	if (mxcsr != 0x1f80) {
		printf("mxcsr %#x\n", mxcsr);
		bad = 1;
	}
	if (fcw != 0x37f) {
		printf("fcw %#x\n", fcw);
		bad = 1;
	}
	if (!faults(OLD_ADDR, &v)) {
		printf("the old program's memory reads %#x\n", v);
		bad = 1;
	}
	if (now < before) {
		printf("process CPU time went back\n");
		fprintf(stderr, "before %llu now %llu\n", before, now);
		bad = 1;
	}
	if (!bad && again > 0) {
		char ns[32], n[16];

		/* Leave state of our own behind for the next program. */
		if (mmap(OLD_ADDR, OLD_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != OLD_ADDR)
			return 2;
		memset(OLD_ADDR, 0x77, OLD_LEN);
		snprintf(ns, sizeof(ns), "%llu", cpu_ns());
		snprintf(n, sizeof(n), "%d", again - 1);
		execl("/proc/self/exe", argv[0], "check", ns, n, (char *)NULL);
		return 3;
	}
	return bad;
}

/* The caller's side: memory at OLD_ADDR, MXCSR and FCW changed, some CPU time. */
static void dirty(void)
{
	unsigned int mxcsr = MXCSR_RZ_FTZ;
	unsigned short fcw = FCW_SINGLE;
	volatile double x = 1;

	for (int i = 0; i < 20000; i++)
		x = x * 1.0000001 + 1e-9;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile("fldcw %0" : : "m"(fcw));
}

static void exec_check(const char *self, int again)
{
	char ns[32], n[16];

	snprintf(ns, sizeof(ns), "%llu", cpu_ns());
	snprintf(n, sizeof(n), "%d", again);
	execl(self, self, "check", ns, n, (char *)NULL);
	_exit(3);
}

static int map_old(void)
{
	if (mmap(OLD_ADDR, OLD_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != OLD_ADDR)
		return -1;
	memset(OLD_ADDR, 0x5a, OLD_LEN);
	return 0;
}

static int failures;

static void report(const char *what, pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		printf("%s: no child\n", what);
		failures++;
		return;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("%s: status %#x\n", what, st);
		failures++;
		return;
	}
	printf("%s: ok\n", what);
}

static void *spin(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void cases(const char *self)
{
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		dirty();
		exec_check(self, 0);
	}
	report("fork child", pid);

	pid = fork();
	if (pid == 0) {
		dirty();
		exec_check(self, 2);
	}
	report("fork child, three execs", pid);

	pid = fork();
	if (pid == 0) {
		pthread_t th;

		if (pthread_create(&th, NULL, spin, NULL))
			_exit(4);
		dirty();
		exec_check(self, 0);
	}
	report("fork child with a thread", pid);

	/* A child that ran a while (the Sentry gives it a new address space). */
	pid = fork();
	if (pid == 0) {
		unsigned long long t0 = cpu_ns();

		while (cpu_ns() - t0 < 20 * 1000000ULL)
			dirty();
		exec_check(self, 0);
	}
	report("fork child that ran 20 ms", pid);

	/* The vfork child runs in its parent's memory: OLD_ADDR stays the parent's,
	 * and must be gone for the new program all the same. */
	pid = vfork();
	if (pid == 0)
		execl(self, self, "check", "0", "0", (char *)NULL), _exit(3);
	report("vfork child", pid);
	if (OLD_ADDR[0] != 0x5a) {
		printf("the parent's memory changed\n");
		failures++;
	}
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n;

	if (argc > 2 && !strcmp(argv[1], "check"))
		return check(argv);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 2;
	self[n] = 0;
	if (map_old())
		return 2;
	if (argc > 1 && !strcmp(argv[1], "cr")) {
		int go[2];
		pid_t early;

		cr_arm();
		if (pipe(go))
			return 2;
		early = fork();
		if (early == 0) {
			char c;

			close(go[1]);
			dirty();
			if (read(go[0], &c, 1) != 1)
				_exit(99);
			exec_check(self, 1);
		}
		close(go[0]);
		cr_say("ready\n");
		cr_wait();
		cr_say("resumed\n");
		if (write(go[1], "g", 1) != 1)
			return 1;
		report("child forked before the checkpoint", early);
	}
	cases(self);
	printf("done, %d failures\n", failures);
	return failures != 0;
}
