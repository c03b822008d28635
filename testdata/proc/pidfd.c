/*
 * pidfd: pidfd_open and its errors, CLONE_PIDFD through clone and clone3, poll and
 * select (readable once the child exits, hung up once reaped), waitid(P_PIDFD)
 * including a nonblocking pidfd's EAGAIN, pidfd_send_signal with and without a
 * siginfo and its EPERM/EINVAL/EBADF/ESRCH cases, and pidfd_getfd (a pipe taken from
 * a child; EPERM for another user). Compared with a native run by the harness.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define P(expr) do { errno = 0; long r_ = (expr); \
	printf("%-64s -> %ld%s%s\n", #expr, r_, r_ < 0 ? " " : "", \
	       r_ < 0 ? strerrorname_np(errno) : ""); } while (0)

static int pidfd_open(pid_t pid, unsigned flags)
{
	return syscall(SYS_pidfd_open, pid, flags);
}

static int send_sig(int fd, int sig, siginfo_t *si, unsigned flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, si, flags);
}

static int getfd(int fd, int target, unsigned flags)
{
	return syscall(SYS_pidfd_getfd, fd, target, flags);
}

/* poll with a timeout of 0 or -1; the revents, or -errno. */
static int pollfd_ev(int fd, int timeout)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int n = poll(&p, 1, timeout);

	return n < 0 ? -errno : p.revents;
}

static void show_wait(int fd, int options)
{
	siginfo_t si;
	int r;

	memset(&si, 0, sizeof(si));
	errno = 0;
	r = waitid(P_PIDFD, fd, &si, options);
	printf("waitid(P_PIDFD) -> %d %s code %d status %d pid set %d\n", r,
	       r ? strerrorname_np(errno) : "", si.si_code, si.si_status, si.si_pid != 0);
}

/* A child that waits until its stdin pipe closes. */
static pid_t sleeper(int *wr)
{
	int p[2];
	pid_t pid;
	char c;

	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		_exit(5);
	}
	close(p[0]);
	*wr = p[1];
	return pid;
}

static pthread_t main_thread_tid_holder;
static pid_t thread_tid;
static pthread_barrier_t bar;

static void *thread_fn(void *arg)
{
	(void)arg;
	thread_tid = gettid();
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	return NULL;
}

static void opens(void)
{
	int fd;

	P(pidfd_open(getpid(), 0x1234));
	P(pidfd_open(0, 0));
	P(pidfd_open(-1, 0));
	P(pidfd_open(999999, 0));
	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&main_thread_tid_holder, NULL, thread_fn, NULL);
	pthread_barrier_wait(&bar);
	P(pidfd_open(thread_tid, 0));
	pthread_barrier_wait(&bar);
	pthread_join(main_thread_tid_holder, NULL);
	fd = pidfd_open(getpid(), 0);
	printf("self pidfd ok %d cloexec %d rdwr %d\n", fd >= 0,
	       fcntl(fd, F_GETFD) == FD_CLOEXEC, (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	P(pollfd_ev(fd, 0));
	P(send_sig(fd, 0, NULL, 0));
	close(fd);
	fd = pidfd_open(getpid(), PIDFD_NONBLOCK);
	printf("nonblock flag %d\n", !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	close(fd);
}

static volatile sig_atomic_t got_value, got_code;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_value = si->si_value.sival_int;
	got_code = si->si_code;
}

static void signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	siginfo_t si;
	int wr, fd, p[2];
	pid_t pid;

	sigaction(SIGUSR1, &sa, NULL);
	pid = sleeper(&wr);
	fd = pidfd_open(pid, 0);
	P(pollfd_ev(fd, 0));
	pipe(p);
	P(send_sig(p[0], SIGTERM, NULL, 0));
	P(send_sig(99, SIGTERM, NULL, 0));
	P(send_sig(fd, SIGTERM, NULL, 8));
	P(send_sig(fd, SIGTERM, NULL, 3));
	P(send_sig(fd, 99, NULL, 0));
	P(send_sig(fd, SIGTERM, (siginfo_t *)8, 0));
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	P(send_sig(fd, SIGTERM, &si, 0));
	si.si_signo = SIGTERM;
	si.si_code = SI_USER;
	P(send_sig(fd, SIGTERM, &si, 0));
	si.si_code = SI_TKILL;
	P(send_sig(fd, SIGTERM, &si, 0));
	P(send_sig(fd, 0, NULL, 0));
	show_wait(fd, WEXITED | WNOHANG);
	P(send_sig(fd, SIGTERM, NULL, 0));
	P(pollfd_ev(fd, -1));
	P(pollfd_ev(fd, 0));
	P(send_sig(fd, SIGTERM, NULL, 0));
	show_wait(fd, WEXITED | WNOWAIT);
	show_wait(fd, WEXITED);
	P(pollfd_ev(fd, 0));
	P(send_sig(fd, SIGTERM, NULL, 0));
	show_wait(fd, WEXITED);
	close(fd);
	close(wr);

	/* A siginfo of our own to ourselves, and a queued one to ourselves. */
	fd = pidfd_open(getpid(), 0);
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 42;
	P(send_sig(fd, SIGUSR1, &si, 0));
	printf("self: value %d code %d\n", got_value, got_code);
	si.si_code = SI_USER;
	si.si_value.sival_int = 43;
	P(send_sig(fd, SIGUSR1, &si, 0));
	printf("self: value %d code %d\n", got_value, got_code);
	P(send_sig(fd, SIGUSR1, NULL, 1));   /* PIDFD_SIGNAL_THREAD */
	printf("self: code %d\n", got_code);
	close(fd);
}

static void nonblocking(void)
{
	int wr, fd;
	pid_t pid = sleeper(&wr);

	fd = pidfd_open(pid, PIDFD_NONBLOCK);
	show_wait(fd, WEXITED);
	show_wait(fd, WEXITED | WNOHANG);
	close(wr);
	P(pollfd_ev(fd, -1));
	show_wait(fd, WEXITED);
	close(fd);
	P(waitid(P_PIDFD, 99, NULL, WEXITED));
	P(waitid(P_PIDFD, 0, NULL, WEXITED));
	P(waitid(P_PIDFD, -1, NULL, WEXITED));
}

static void clones(void)
{
	struct clone_args ca;
	int pidfd = -1, tid = -1;
	fd_set rs;
	long pid;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(7);
	printf("clone3: pid ok %d pidfd ok %d cloexec %d\n", pid > 0, pidfd >= 0,
	       fcntl(pidfd, F_GETFD) == FD_CLOEXEC);
	FD_ZERO(&rs);
	FD_SET(pidfd, &rs);
	P(select(pidfd + 1, &rs, NULL, NULL, NULL));
	printf("select readable %d\n", FD_ISSET(pidfd, &rs));
	show_wait(pidfd, WEXITED);
	close(pidfd);

	pidfd = -1;
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (pid == 0)
		_exit(3);
	printf("clone: pid ok %d pidfd ok %d\n", pid > 0, pidfd >= 0);
	show_wait(pidfd, WEXITED);
	close(pidfd);
	P(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0));
	P(syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &pidfd, &tid, 0));
	ca.pidfd = 8;
	P(syscall(SYS_clone3, &ca, sizeof(ca)));
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void getfds(void)
{
	int p[2], q[2], wr, fd, got;
	char buf[16] = { 0 };
	pid_t pid, other;

	pipe(q);
	pid = fork();
	if (pid == 0) {
		close(q[0]);
		pipe(p);
		write(p[1], "hello", 5);
		write(q[1], &p[0], sizeof(p[0]));
		pause();
		_exit(0);
	}
	close(q[1]);
	read(q[0], &got, sizeof(got));
	fd = pidfd_open(pid, 0);
	P(getfd(fd, got, 1));
	P(getfd(fd, 999, 0));
	P(getfd(fd, -1, 0));
	P(getfd(q[0], got, 0));
	wr = getfd(fd, got, 0);
	printf("getfd ok %d cloexec %d\n", wr >= 0, fcntl(wr, F_GETFD) == FD_CLOEXEC);
	P(read(wr, buf, sizeof(buf)));
	printf("read '%s'\n", buf);
	close(wr);
	other = fork();
	if (other == 0) {
		P(setresgid(2000, 2000, 2000));
		P(setresuid(2000, 2000, 2000));
		P(getfd(fd, got, 0));
		P(send_sig(fd, SIGTERM, NULL, 0));
		_exit(0);
	}
	waitpid(other, NULL, 0);
	P(send_sig(fd, SIGKILL, NULL, 0));
	show_wait(fd, WEXITED);
	P(getfd(fd, got, 0));
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	opens();
	signals();
	nonblocking();
	clones();
	getfds();
	return 0;
}
