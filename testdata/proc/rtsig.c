/* Real-time signal queueing and sigqueue, compared with a native run: several
 * occurrences of one real-time number queue, each with its own si_value, delivered
 * lowest number first and in sending order within a number, while a standard signal
 * sent twice is delivered once; sigwaitinfo takes them in the same order; SIG_IGN
 * discards a queue; rt_sigqueueinfo / rt_tgsigqueueinfo deliver si_code and
 * si_value, and Linux's rule refuses a forged kernel or tkill si_code sent to another
 * process (or by a thread other than the one named). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int order_sig[256], order_val[256], norder;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (norder < 256) {
		order_sig[norder] = sig;
		order_val[norder++] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
	}
}

static void handle(int sig)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);        /* one at a time: the order is the queue's */
	sigaction(sig, &sa, NULL);
}

static const char *name(int sig)
{
	static char buf[16];

	if (sig >= SIGRTMIN) {
		snprintf(buf, sizeof(buf), "RTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	return strsignal(sig);
}

static void print_order(const char *what)
{
	printf("%s:", what);
	for (int i = 0; i < norder; i++)
		printf(" %s/%d", name(order_sig[i]), order_val[i]);
	printf("\n");
	norder = 0;
}

static void block(int how, int a, int b, int c)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, a);
	sigaddset(&s, b);
	sigaddset(&s, c);
	sigprocmask(how, &s, NULL);
}

static void queue(int sig, int v)
{
	if (sigqueue(getpid(), sig, (union sigval){ .sival_int = v }))
		printf("sigqueue %s: %s\n", name(sig), strerror(errno));
}

static void test_order(void)
{
	int a = SIGRTMIN + 2, b = SIGRTMIN + 1;

	handle(a);
	handle(b);
	handle(SIGUSR1);
	block(SIG_BLOCK, a, b, SIGUSR1);
	queue(a, 1);
	queue(b, 2);
	queue(a, 3);
	queue(b, 4);
	queue(SIGUSR1, 5);
	queue(SIGUSR1, 6);      /* merged into the first */
	queue(a, 7);
	{
		sigset_t p;

		sigpending(&p);
		printf("pending: %d %d %d\n", sigismember(&p, a), sigismember(&p, b),
		       sigismember(&p, SIGUSR1));
	}
	block(SIG_UNBLOCK, a, b, SIGUSR1);
	print_order("delivered");
}

static void test_sigwaitinfo(void)
{
	int a = SIGRTMIN + 4, b = SIGRTMAX;
	sigset_t s;
	siginfo_t si;

	/* The sandbox's pid 1 drops a signal it has no handler for even while it is
	 * blocked (Linux keeps a blocked one): give each a handler. */
	handle(SIGUSR2);
	handle(a);
	handle(b);
	block(SIG_BLOCK, a, b, SIGUSR2);
	sigemptyset(&s);
	sigaddset(&s, a);
	sigaddset(&s, b);
	sigaddset(&s, SIGUSR2);
	queue(b, 10);
	queue(a, 11);
	kill(getpid(), SIGUSR2);
	queue(a, 12);
	queue(b, 13);
	kill(getpid(), SIGUSR2);
	printf("sigwaitinfo:");
	for (int i = 0; i < 5; i++) {
		int sig = sigwaitinfo(&s, &si);

		printf(" %s/%s/%d", name(sig), si.si_code == SI_QUEUE ? "SI_QUEUE" :
		       si.si_code == SI_USER ? "SI_USER" : "?",
		       si.si_code == SI_QUEUE ? si.si_value.sival_int : -1);
		if (si.si_pid != getpid())
			printf("(pid %d)", si.si_pid);
	}
	printf("\n");
	{
		struct timespec zero = { 0, 0 };

		int r = sigtimedwait(&s, &si, &zero);

		printf("then: %d %s\n", r, strerror(errno));
	}
	block(SIG_UNBLOCK, a, b, SIGUSR2);
}

static void test_many(void)
{
	int a = SIGRTMIN + 5, n = 0;
	sigset_t s;
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	int inorder = 1;

	handle(a);
	sigemptyset(&s);
	sigaddset(&s, a);
	sigprocmask(SIG_BLOCK, &s, NULL);
	for (int i = 0; i < 200; i++)
		queue(a, i);
	while (sigtimedwait(&s, &si, &zero) == a) {
		inorder &= si.si_value.sival_int == n;
		n++;
	}
	printf("queued 200, took %d, in order %d\n", n, inorder);

	/* Setting SIG_IGN discards the queue; the handler then sees nothing. */
	for (int i = 0; i < 3; i++)
		queue(a, i);
	signal(a, SIG_IGN);
	handle(a);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	print_order("after SIG_IGN");
}

static int rt_sigqueueinfo(pid_t pid, int sig, siginfo_t *si)
{
	return syscall(SYS_rt_sigqueueinfo, pid, sig, si);
}

static int rt_tgsigqueueinfo(pid_t tgid, pid_t tid, int sig, siginfo_t *si)
{
	return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, si);
}

static void show(const char *what, int r)
{
	printf("%s: %d %s\n", what, r, r ? strerror(errno) : "");
}

static siginfo_t mkinfo(int code, int v)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_code = code;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = v;
	return si;
}

static pid_t main_tid;

static void *thread_body(void *arg)
{
	siginfo_t si = mkinfo(SI_USER, 30);

	(void)arg;
	/* Not the thread the pid names: a kernel si_code is refused even to its own
	 * process; SI_QUEUE is fine. */
	show("thread, own process, SI_USER", rt_sigqueueinfo(getpid(), SIGRTMIN + 6, &si));
	si = mkinfo(SI_QUEUE, 31);
	show("thread, own process, SI_QUEUE", rt_sigqueueinfo(getpid(), SIGRTMIN + 6, &si));
	si = mkinfo(SI_TKILL, 32);
	show("thread to main, SI_TKILL", rt_tgsigqueueinfo(getpid(), main_tid, SIGRTMIN + 6, &si));
	si = mkinfo(SI_QUEUE, 33);
	show("thread to main, SI_QUEUE", rt_tgsigqueueinfo(getpid(), main_tid, SIGRTMIN + 6, &si));
	return NULL;
}

static void test_permission(void)
{
	int sig = SIGRTMIN + 6;
	siginfo_t si;
	sigset_t s;
	pthread_t th;
	pid_t parent = getpid(), pid;
	int st;

	main_tid = syscall(SYS_gettid);
	handle(sig);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_BLOCK, &s, NULL);
	si = mkinfo(SI_USER, 20);
	show("self, SI_USER", rt_sigqueueinfo(getpid(), sig, &si));
	si = mkinfo(SI_KERNEL, 21);
	show("self, SI_KERNEL", rt_sigqueueinfo(getpid(), sig, &si));
	si = mkinfo(SI_QUEUE, 22);
	show("self, bad signal", rt_sigqueueinfo(getpid(), 65, &si));
	show("self, signal 0", rt_sigqueueinfo(getpid(), 0, &si));
	show("no such process", rt_sigqueueinfo(99999, sig, &si));
	pthread_create(&th, NULL, thread_body, NULL);
	pthread_join(th, NULL);
	pid = fork();
	if (pid == 0) {
		siginfo_t c = mkinfo(SI_USER, 40);

		show("child to parent, SI_USER", rt_sigqueueinfo(parent, sig, &c));
		c = mkinfo(SI_TKILL, 41);
		show("child to parent, SI_TKILL", rt_sigqueueinfo(parent, sig, &c));
		c = mkinfo(SI_QUEUE, 42);
		show("child to parent, SI_QUEUE", rt_sigqueueinfo(parent, sig, &c));
		c = mkinfo(-50, 43);
		show("child to parent, code -50", rt_sigqueueinfo(parent, sig, &c));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	printf("received:");
	for (int i = 0; i < norder; i++)
		printf(" %d", order_val[i]);
	printf("\n");
	norder = 0;
}

/* Deliveries record SI_QUEUE values; the others print -1. Codes are checked apart. */
static volatile int got_code;

static void on_code(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_code = si->si_code;
}

static void test_codes(void)
{
	struct sigaction sa = { 0 };
	siginfo_t si = mkinfo(-50, 1);

	sa.sa_sigaction = on_code;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN + 7, &sa, NULL);
	rt_sigqueueinfo(getpid(), SIGRTMIN + 7, &si);
	printf("code kept: %d\n", got_code);
	si = mkinfo(SI_USER, 1);
	rt_tgsigqueueinfo(getpid(), syscall(SYS_gettid), SIGRTMIN + 7, &si);
	printf("tgsigqueueinfo to self: %d\n", got_code);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_order();
	test_sigwaitinfo();
	test_many();
	test_permission();
	test_codes();
	printf("done\n");
	return 0;
}
