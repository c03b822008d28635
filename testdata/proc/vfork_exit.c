/*
 * vfork and session calls: the parent resumes only after the vfork child _exits;
 * setsid in a child makes it a session and group leader; zombies are reaped by init
 * once orphaned (the grandchild's parent exits first). Nothing about init's own
 * session is printed: natively it is the outer shell's, outside the namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int st;
	pid_t c;

	setvbuf(stdout, NULL, _IONBF, 0);
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
