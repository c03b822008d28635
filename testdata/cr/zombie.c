/*
 * zombie: children that have exited but are not reaped at the checkpoint (issue #7).
 * One exited with status 7, one was killed by SIGTERM, and a child of ours holds an
 * unreaped grandchild of its own (exit 3) while it blocks in a pipe read. waitid with
 * WNOWAIT makes sure each is a zombie before the ready mark without reaping it. After
 * the restore: the zombies still answer kill(pid, 0), are reaped with their statuses,
 * and the middle child reaps its grandchild and reports its status.
 */
#include "cr.h"

#include <sys/wait.h>

static int wait_zombie(pid_t p)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, p, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR)
			return -1;
	return si.si_pid == p ? 0 : -1;
}

int main(void)
{
	pid_t exited, killed, middle;
	int go[2], st, fails = 0;

	cr_arm();
	exited = fork();
	if (exited == 0)
		_exit(7);
	killed = fork();
	if (killed == 0) {
		for (;;)
			pause();
	}
	kill(killed, SIGTERM);
	if (pipe(go))
		return 2;
	middle = fork();
	if (middle == 0) {
		pid_t g = fork();
		char c;

		if (g == 0)
			_exit(3);
		close(go[1]);
		wait_zombie(g);
		/* Released by our parent after the restore (EOF). */
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		if (kill(g, 0))
			_exit(100);
		if (waitpid(g, &st, 0) != g)
			_exit(101);
		_exit(WIFEXITED(st) ? 40 + WEXITSTATUS(st) : 102);
	}
	close(go[0]);
	if (wait_zombie(exited) || wait_zombie(killed))
		return 2;
	/* The middle child may still be on its way to its read at the checkpoint: no
	 * time-based wait here, whatever it is doing must survive. */
	cr_say("ready: two zombie children and a grandchild zombie\n");
	cr_wait();

	if (kill(exited, 0) || kill(killed, 0)) {
		cr_say("a zombie is gone: %s\n", strerror(errno));
		fails++;
	}
	if (waitpid(exited, &st, WNOHANG) != exited || !WIFEXITED(st)) {
		cr_say("exited child: not reaped as exited\n");
		fails++;
	} else {
		cr_say("exited child: status %d\n", WEXITSTATUS(st));
	}
	if (waitpid(killed, &st, WNOHANG) != killed || !WIFSIGNALED(st)) {
		cr_say("killed child: not reaped as signalled\n");
		fails++;
	} else {
		cr_say("killed child: signal %d\n", WTERMSIG(st));
	}
	if (close(go[1]) || waitpid(middle, &st, 0) != middle || !WIFEXITED(st)) {
		cr_say("middle child: not reaped\n");
		fails++;
	} else {
		cr_say("middle child: exit %d (grandchild status %d)\n", WEXITSTATUS(st),
		       WEXITSTATUS(st) - 40);
	}
	errno = 0;
	st = waitpid(-1, NULL, WNOHANG);
	cr_say("then waitpid: %d %s\n", st, strerror(errno));
	return fails ? 1 : 0;
}
