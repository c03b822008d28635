/* vfork_wait: checkpointed while a vfork parent waits for its child, which sleeps
 * 2 s and then execs this program again with "exit" (status 7), as posix_spawn's
 * child would exec. The wait is kept as data: the restored parent waits again and
 * must resume once the restored child has exec'd, not before and not never; then a
 * second vfork, whose child _exits at once, must work as well.
 * Prints "ready", then what the parent saw; exits 0 (2 if a call fails). */
#include "cr.h"

#include <stdbool.h>
#include <sys/wait.h>

static void vfork_once(const char *self, bool exec)
{
	struct timespec ts = { 2, 0 };
	int st;
	pid_t c = vfork();

	if (c == 0) {
		if (exec) {
			nanosleep(&ts, NULL);
			execl(self, self, "exit", (char *)NULL);
		}
		_exit(exec ? 127 : 5);
	}
	if (c < 0 || waitpid(c, &st, 0) != c) {
		perror("vfork/waitpid");
		exit(2);
	}
	cr_say("vfork child %s: status %d\n", exec ? "exec'd" : "exited", WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exit"))
		return 7;
	cr_say("ready\n");
	vfork_once(argv[0], true);
	vfork_once(argv[0], false);
	return 0;
}
