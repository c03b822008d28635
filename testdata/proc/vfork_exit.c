/*
 * vfork and session calls: the parent resumes only after the vfork child _exits;
 * with CLONE_PARENT the vfork child is its caller's sibling, and the caller still
 * resumes when it exits or execs; setsid in a child makes it a session and group leader; zombies are reaped by init
 * once orphaned (the grandchild's parent exits first). Nothing about init's own
 * session is printed: natively it is the outer shell's, outside the namespace.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A child that vforks a sibling (CLONE_PARENT), which sleeps a little, then exits
 * or execs this program with "exit"; the caller resumes after that. We, the parent
 * of both, reap the two. */
static void vfork_sibling(const char *self, bool exec)
{
	int st, n = 0;
	pid_t c = fork();

	if (c == 0) {
		long r = syscall(SYS_clone, CLONE_VFORK | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);

		if (r == 0) {
			struct timespec ts = { 0, 50 * 1000000 };

			nanosleep(&ts, NULL);
			if (exec)
				execl(self, self, "exit", (char *)NULL);
			syscall(SYS_exit, 0);
		}
		printf("vfork caller resumed after its sibling %s: %d\n",
		       exec ? "exec'd" : "exited", r > 0);
		_exit(0);
	}
	while (wait(&st) > 0)
		n += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	printf("reaped the caller and its vfork sibling: %d\n", n);
}

int main(int argc, char **argv)
{
	int st;
	pid_t c;

	if (argc > 1 && !strcmp(argv[1], "exit"))
		return 0;
	setvbuf(stdout, NULL, _IONBF, 0);
	vfork_sibling(argv[0], false);
	vfork_sibling(argv[0], true);
	c = vfork();
	if (c == 0)
		_exit(5);
	waitpid(c, &st, 0);
	printf("vfork child exited %d\n", WEXITSTATUS(st));

	c = fork();
	if (c == 0) {
		pid_t s = setsid();

		printf("child: setsid gives own pid %d, pgid == pid %d\n", s == getpid(),
		       getpgid(0) == getpid());
		printf("child: second setsid fails %d\n", setsid() < 0);
		_exit(0);
	}
	waitpid(c, &st, 0);

	c = fork();
	if (c == 0) {
		if (fork() == 0) {
			usleep(200000);
			printf("orphan: reparented to init %d\n", getppid() == 1);
			_exit(0);
		}
		_exit(0);
	}
	waitpid(c, &st, 0);
	/* We are init: the orphan comes to us. */
	c = wait(&st);
	printf("init reaped the orphan %d\n", c > 0 && WIFEXITED(st));
	return 0;
}
