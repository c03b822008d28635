/*
 * A tree of 200 processes: each level forks children that compute, report through a
 * pipe and exit with a status the parent checks with waitpid. Prints a summary that
 * depends only on the tree, never on pids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fanout[] = { 4, 7, 6 };      /* 4 + 28 + 168 = 200 processes */

static int grow(int depth, int id)
{
	int sum = id;

	if (depth == 3)
		return id % 97;
	for (int i = 0; i < fanout[depth]; i++) {
		int fd[2], st;
		pid_t pid;

		if (pipe(fd) < 0) {
			perror("pipe");
			exit(2);
		}
		pid = fork();
		if (pid < 0) {
			perror("fork");
			exit(2);
		}
		if (pid == 0) {
			int v = grow(depth + 1, id * 10 + i + 1);

			close(fd[0]);
			if (write(fd[1], &v, sizeof(v)) != sizeof(v))
				_exit(3);
			_exit(v & 0x7f);
		}
		close(fd[1]);
		{
			int v = -1;

			if (read(fd[0], &v, sizeof(v)) != sizeof(v))
				exit(4);
			close(fd[0]);
			if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != (v & 0x7f)) {
				fprintf(stderr, "bad child status %x for %d\n", st, v);
				exit(5);
			}
			sum += v;
		}
	}
	return sum % 100003;
}

int main(void)
{
	int total = grow(0, 0);

	printf("tree sum %d\n", total);
	printf("no children left: %s\n", wait(NULL) < 0 ? "yes" : "no");
	return 0;
}
