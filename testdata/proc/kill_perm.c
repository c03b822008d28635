/*
 * kill_perm: who may signal whom (Linux's check_kill_permission). An unprivileged
 * sender may signal a process when its real or effective uid matches the target's
 * real or saved uid, may send SIGCONT within its session, and otherwise gets EPERM
 * from kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo and
 * pidfd_send_signal alike (signal 0 included); kill(-1) skips what it may not
 * signal, a group kill succeeds when one member took it. Root (CAP_KILL) may signal
 * anyone. Compared with a native run (as root, in its own pid namespace).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define P(expr) do { errno = 0; long r_ = (expr); \
	printf("%-60s -> %ld%s%s\n", #expr, r_, r_ < 0 ? " " : "", \
	       r_ < 0 ? strerrorname_np(errno) : ""); } while (0)

static void on_usr1(int sig)
{
	(void)sig;
}

/* A process with ids (r, e, s) that waits for signals; @own_pgrp: a group of its own. */
static pid_t victim(uid_t r, uid_t e, uid_t s, int own_pgrp)
{
	int ready[2];
	pid_t pid;
	char c;

	pipe(ready);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		signal(SIGUSR1, on_usr1);
		if (own_pgrp)
			setpgid(0, 0);
		if (setresgid(r, r, r) || setresuid(r, e, s))
			_exit(90);
		write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	read(ready[0], &c, 1);
	close(ready[0]);
	return pid;
}

static long sigqueue_code(pid_t pid, int sig, int code)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_pid = getpid();
	return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

static long tgsigqueue_code(pid_t pid, int sig, int code)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	return syscall(SYS_rt_tgsigqueueinfo, pid, pid, sig, &si);
}

/* Runs @fn as a child with ids (r, e, s) and waits for it. */
static void as_user(uid_t r, uid_t e, uid_t s, void (*fn)(void))
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setresgid(r, r, r) || setresuid(r, e, s))
			_exit(91);
		fn();
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("  sender exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static pid_t other;     /* uid 2000 everywhere, its own process group */
static pid_t saved;     /* uid 3000, saved uid 1000 */
static pid_t same;      /* uid 1000 */

static void unprivileged(void)
{
	int pfd;

	printf("uid 1000 -> uid 2000:\n");
	P(kill(other, 0));
	P(kill(other, SIGUSR1));
	P(kill(other, SIGCONT));        /* same session */
	P(syscall(SYS_tkill, other, SIGUSR1));
	P(syscall(SYS_tgkill, other, other, 0));
	P(sigqueue_code(other, SIGUSR1, SI_QUEUE));
	P(sigqueue_code(other, SIGUSR1, SI_USER));
	P(sigqueue_code(other, SIGUSR1, SI_TKILL));
	P(tgsigqueue_code(other, SIGUSR1, SI_QUEUE));
	pfd = syscall(SYS_pidfd_open, other, 0);
	P(pfd >= 0);
	P(syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 0));
	P(syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0));
	close(pfd);
	P(kill(-other, SIGUSR1));       /* a group of only it */
	P(kill(1, 0));                  /* init, root's */
	printf("uid 1000 -> saved uid 1000:\n");
	P(kill(saved, 0));
	P(syscall(SYS_tkill, saved, 0));
	printf("uid 1000 -> uid 1000:\n");
	P(kill(same, SIGUSR1));
	P(sigqueue_code(same, SIGUSR1, SI_QUEUE));
	printf("uid 1000 -> its group (root, 1000s):\n");
	P(kill(0, 0));
	printf("uid 1000 -> everyone:\n");
	P(kill(-1, SIGUSR1));
	P(kill(-1, 0));
	P(kill(-1, 999));
	P(kill(-12345, 0));
}

static void real_matches(void)
{
	printf("ruid %d euid %d -> uid 2000:\n", (int)getuid(), (int)geteuid());
	P(kill(other, 0));
	P(kill(other, SIGUSR1));
}

static void lonely(void)
{
	printf("uid 4000 -> everyone:\n");
	P(kill(-1, 0));
	P(kill(-1, SIGUSR1));
	P(kill(0, 0));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	other = victim(2000, 2000, 2000, 1);
	saved = victim(3000, 3000, 1000, 0);
	same = victim(1000, 1000, 1000, 0);
	as_user(1000, 1000, 1000, unprivileged);
	as_user(2000, 1000, 1000, real_matches);
	as_user(1000, 2000, 2000, real_matches);
	as_user(4000, 4000, 4000, lonely);
	printf("root:\n");
	P(kill(other, SIGUSR1));
	P(syscall(SYS_tgkill, saved, saved, SIGUSR1));
	P(sigqueue_code(same, SIGUSR1, SI_QUEUE));
	kill(other, SIGKILL);
	kill(saved, SIGKILL);
	kill(same, SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
