/* fork_kill: a process group killed while its leader forks. Each round a new group
 * leader forks children (each waits in pause()) as fast as it can; the parent kills
 * the whole group with SIGKILL at a moment that varies, reaps the leader and checks
 * that nothing of the group is left: Linux delivers a group signal that comes during
 * a fork to the parent before the fork or to both after it, so no child escapes.
 * Prints one line per check; exits 0 (1 if a member survived, 2 if a call failed). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 40

static void die2(const char *what)
{
	perror(what);
	exit(2);
}

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The leader: a group of its own, then children until killed. */
static void leader(int ready_fd)
{
	if (setpgid(0, 0))
		die2("setpgid");
	if (write(ready_fd, "r", 1) != 1)
		die2("write");
	for (;;) {
		pid_t c = fork();

		if (c == 0) {
			for (;;)
				pause();
		}
		/* A child that cannot be made is fine: the group still dies. */
	}
}

int main(void)
{
	int survivors = 0, gone = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int r = 0; r < ROUNDS; r++) {
		int fds[2];
		char c;
		pid_t l, w;

		if (pipe(fds))
			die2("pipe");
		l = fork();
		if (l < 0)
			die2("fork");
		if (l == 0) {
			close(fds[0]);
			leader(fds[1]);
		}
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			die2("read");
		close(fds[0]);
		nap_us(2000 + r * 500);
		if (kill(-l, SIGKILL))
			die2("kill");
		/* The leader is ours to reap; its children, orphaned, go to init (us,
		 * as pid 1 natively and in the sandbox), and a zombie still answers a
		 * kill: reap while asking the group. */
		while ((w = waitpid(l, NULL, 0)) < 0 && errno == EINTR)
			;
		if (w != l)
			die2("waitpid");
		/* Killed children may take a moment to be gone; live ones never go. */
		for (int i = 0; i < 200 && kill(-l, 0) == 0; i++) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			nap_us(5000);
		}
		if (kill(-l, 0) == 0) {
			survivors++;
			kill(-l, SIGKILL);
		} else {
			gone++;
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	printf("%d rounds, group gone after the kill in %d, survivors in %d\n", ROUNDS,
	       gone, survivors);
	return survivors ? 1 : 0;
}
