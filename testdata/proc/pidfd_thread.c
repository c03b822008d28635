/*
 * pidfd_thread: PIDFD_THREAD pidfds (Linux 6.9). pidfd_open of a thread's tid with
 * PIDFD_THREAD (without it: ENOENT), O_EXCL in its flags; signals sent through it go
 * to that thread (PIDFD_SIGNAL_THREAD_GROUP: the process), a siginfo claiming
 * SI_TKILL from another thread is EPERM; poll is readable once that thread has
 * exited while the process lives on, hung up once it is gone, after which a signal
 * is ESRCH; CLONE_PIDFD with CLONE_THREAD gives a thread pidfd. Compared with a
 * native run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PIDFD_THREAD O_EXCL
#define PIDFD_SIGNAL_THREAD_GROUP 2

#define P(expr) do { errno = 0; long r_ = (expr); \
	printf("%-60s -> %ld%s%s\n", #expr, r_, r_ < 0 ? " " : "", \
	       r_ < 0 ? strerrorname_np(errno) : ""); } while (0)

static int go[2], back[2];
static volatile pid_t thread_tid, taken_by;
static volatile int taken;

static void on_usr1(int sig)
{
	(void)sig;
	taken_by = syscall(SYS_gettid);
	taken++;
}

/* Waits on the pipe; each byte is a command: 's' report, 'q' quit. */
static void *worker(void *arg)
{
	char c;

	(void)arg;
	thread_tid = syscall(SYS_gettid);
	write(back[1], "r", 1);
	for (;;) {
		long r = read(go[0], &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1 || c == 'q')
			return NULL;
		write(back[1], "k", 1);
	}
}

static long send_sig(int fd, int sig, siginfo_t *si, unsigned flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, si, flags);
}

static int poll_bits(int fd, int timeout)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, timeout) < 0)
		return -1;
	return p.revents;
}

static char stack[65536] __attribute__((aligned(16)));
static int clone_go[2];

static int raw_thread(void *arg)
{
	char c;

	(void)arg;
	syscall(SYS_read, clone_go[0], &c, 1);
	return 0;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pthread_t th;
	siginfo_t si;
	int tfd, mfd, cfd = -1;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
	pipe(go);
	pipe(back);
	pthread_create(&th, NULL, worker, NULL);
	read(back[0], &c, 1);

	printf("open:\n");
	P(syscall(SYS_pidfd_open, thread_tid, 0));
	tfd = syscall(SYS_pidfd_open, thread_tid, PIDFD_THREAD);
	P(tfd >= 0);
	P(!!(fcntl(tfd, F_GETFL) & O_EXCL));
	mfd = syscall(SYS_pidfd_open, getpid(), PIDFD_THREAD);
	P(mfd >= 0);
	P(syscall(SYS_pidfd_open, 99999, PIDFD_THREAD));
	P(syscall(SYS_pidfd_open, thread_tid, PIDFD_THREAD | 1));
	P(poll_bits(tfd, 0));

	printf("signals:\n");
	P(send_sig(tfd, SIGUSR1, NULL, 0));
	write(go[1], "s", 1);
	read(back[0], &c, 1);
	printf("taken %d, by the thread: %d\n", taken, taken_by == thread_tid);
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	P(send_sig(tfd, SIGUSR1, &si, 0));
	write(go[1], "s", 1);
	read(back[0], &c, 1);
	printf("taken %d, by the thread: %d\n", taken, taken_by == thread_tid);
	si.si_code = SI_TKILL;
	P(send_sig(tfd, SIGUSR1, &si, 0));
	P(send_sig(tfd, 0, NULL, 0));
	P(send_sig(tfd, 0, NULL, PIDFD_SIGNAL_THREAD_GROUP));
	P(send_sig(tfd, 0, NULL, 3));

	printf("exit:\n");
	write(go[1], "q", 1);
	pthread_join(th, NULL);
	printf("readable after the thread exits: %d\n", !!(poll_bits(tfd, -1) & POLLIN));
	while (!(poll_bits(tfd, -1) & POLLHUP))
		usleep(1000);
	printf("hung up once it is gone\n");
	P(send_sig(tfd, SIGUSR1, NULL, 0));
	P(poll_bits(mfd, 0));           /* the main thread lives */

	printf("clone:\n");
	pipe(clone_go);
	P(clone(raw_thread, stack + sizeof(stack), CLONE_VM | CLONE_FS | CLONE_FILES |
		CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PIDFD, NULL, &cfd) > 0);
	P(cfd >= 0);
	P(!!(fcntl(cfd, F_GETFL) & O_EXCL));
	P(poll_bits(cfd, 0));
	write(clone_go[1], "q", 1);
	printf("readable after the clone exits: %d\n", !!(poll_bits(cfd, -1) & POLLIN));
	return 0;
}
