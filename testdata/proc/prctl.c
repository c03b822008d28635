/*
 * prctl: the options sbx offers (PR_SET/GET_NAME, PDEATHSIG, CHILD_SUBREAPER,
 * NO_NEW_PRIVS, DUMPABLE), their EINVAL cases, inheritance across fork, and a parent
 * death signal that kills a grandchild when its parent exits. Compared with a native
 * run by the harness.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define P(expr) do { errno = 0; long r_ = (expr); \
	printf("%-58s -> %ld%s%s\n", #expr, r_, r_ < 0 ? " " : "", \
	       r_ < 0 ? strerrorname_np(errno) : ""); } while (0)

int main(void)
{
	char name[32] = { 0 };
	int v = -1, st, fds[2];
	pid_t a, b;

	setvbuf(stdout, NULL, _IONBF, 0);
	P(prctl(PR_SET_NAME, "sbx-prctl-test", 0, 0, 0));
	P(prctl(PR_GET_NAME, name, 0, 0, 0));
	printf("name %s\n", name);
	P(prctl(PR_SET_NAME, "a-name-longer-than-fifteen-bytes", 0, 0, 0));
	P(prctl(PR_GET_NAME, name, 0, 0, 0));
	printf("name %s\n", name);
	P(prctl(PR_GET_NAME, (void *)8, 0, 0, 0));

	/* The initial value is the launcher's (unshare --kill-child sets SIGKILL). */
	P(prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0));
	P(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
	P(prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0));
	printf("pdeathsig %d\n", v);
	P(prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0));

	P(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
	printf("subreaper %d\n", v);
	P(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	P(prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0));
	printf("subreaper %d\n", v);

	P(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	P(prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
	P(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	P(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
	P(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));

	P(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
	P(prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
	P(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
	P(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	P(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	P(prctl(0x7fff0000, 0, 0, 0, 0));

	/* Inherited by a child: the name, no_new_privs; not the death signal. */
	prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
	a = fork();
	if (a == 0) {
		prctl(PR_GET_NAME, name, 0, 0, 0);
		prctl(PR_GET_PDEATHSIG, &v, 0, 0, 0);
		printf("child: name %s, no_new_privs %d, pdeathsig %d\n", name,
		       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), v);
		_exit(0);
	}
	waitpid(a, &st, 0);

	/* A grandchild asks for SIGTERM when its parent dies; the parent then exits. */
	if (pipe(fds))
		return 1;
	a = fork();
	if (a == 0) {
		b = fork();
		if (b == 0) {
			char c = 0;

			prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
			if (write(fds[1], &c, 1) != 1)
				_exit(3);
			for (;;)
				pause();
		}
		char c;

		if (read(fds[0], &c, 1) != 1)
			_exit(4);
		_exit(0);
	}
	waitpid(a, &st, 0);
	printf("parent exited %d\n", WEXITSTATUS(st));
	/* We are the subreaper (and init): the orphan comes to us. */
	b = wait(&st);
	printf("grandchild %s by signal %d\n", b > 0 && WIFSIGNALED(st) ? "killed" : "not killed",
	       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}
