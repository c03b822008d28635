/*
 * Signals between processes: a child signalled by its parent (handled, default
 * terminate, default core), SIGCHLD with the right si_code to a SA_SIGINFO handler,
 * a job-control stop and continue reported by waitpid(WUNTRACED | WCONTINUED), a
 * signal to a process group, kill(-1), and a storm of signals between two processes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, chld_code, chld_status;
static volatile sig_atomic_t storm;

static void on_usr1(int s) { got_usr1++; }
static void on_storm(int s) { storm++; }

static void on_chld(int s, siginfo_t *si, void *uc)
{
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static pid_t spawn_waiter(void)
{
	pid_t c = fork();

	if (c == 0) {
		signal(SIGUSR1, on_usr1);
		for (;;) {
			pause();
			if (got_usr1) {
				printf("child: got SIGUSR1\n");
				fflush(stdout);
				_exit(42);
			}
		}
	}
	return c;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO | SA_RESTART };
	int st;
	pid_t c;

	setvbuf(stdout, NULL, _IONBF, 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);

	c = spawn_waiter();
	usleep(100000);
	kill(c, SIGUSR1);
	waitpid(c, &st, 0);
	printf("handled: exited %d code %s\n", WEXITSTATUS(st),
	       chld_code == CLD_EXITED ? "CLD_EXITED" : "?");

	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGTERM);
	waitpid(c, &st, 0);
	printf("SIGTERM: signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));

	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGQUIT);
	waitpid(c, &st, 0);
	printf("SIGQUIT: sig %d core flag %d\n", WTERMSIG(st), !!WCOREDUMP(st));

	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	printf("stopped: %d by %d\n", WIFSTOPPED(st), WSTOPSIG(st));
	kill(c, SIGCONT);
	waitpid(c, &st, WCONTINUED);
	printf("continued: %d\n", WIFCONTINUED(st));
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	printf("killed: sig %d\n", WTERMSIG(st));

	/* A process group of two children killed at once. */
	{
		pid_t a = fork(), b;

		if (a == 0) {
			setpgid(0, 0);
			for (;;)
				pause();
		}
		setpgid(a, a);
		b = fork();
		if (b == 0) {
			for (;;)
				pause();
		}
		setpgid(b, a);
		usleep(50000);
		printf("getpgid(b) == a: %d\n", getpgid(b) == a);
		kill(-a, SIGKILL);
		waitpid(a, &st, 0);
		printf("group: a sig %d", WTERMSIG(st));
		waitpid(b, &st, 0);
		printf(", b sig %d\n", WTERMSIG(st));
	}

	/* A storm: the child sends 1000 SIGUSR2 and the parent counts what arrives
	 * (standard signals coalesce, so at least one, at most 1000). */
	{
		sigset_t mask, old;

		signal(SIGUSR2, on_storm);
		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR2);
		c = fork();
		if (c == 0) {
			for (int i = 0; i < 1000; i++)
				kill(getppid(), SIGUSR2);
			_exit(0);
		}
		waitpid(c, &st, 0);
		sigprocmask(SIG_BLOCK, &mask, &old);
		printf("storm: child ok %d, some arrived %d\n", st == 0,
		       storm >= 1 && storm <= 1000);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	{
		int r = kill(-1, 0), e = errno;

		printf("kill(-1, 0) with no other process: %d %s\n", r, strerror(e));
		r = waitpid(-1, &st, WNOHANG);
		e = errno;
		printf("waitpid with no children: %d %s\n", r, strerror(e));
	}
	return 0;
}
