/*
 * stopped: children stopped by SIGSTOP at the checkpoint (issue #7). One's stop was
 * already reported to us (waitpid WUNTRACED before the ready mark), the other's was
 * not (seen only with WNOWAIT). Each was blocked in a pipe read when it was stopped.
 * After the restore: the unreported stop is reported, the reported one is not again,
 * nothing else is to report while they stay stopped, SIGCONT continues them and
 * waitpid(WCONTINUED) sees WIFCONTINUED, and each then reads a byte we write and exits
 * with it.
 */
#include "cr.h"

#include <sys/wait.h>

static pid_t spawn_reader(int fd[2])
{
	pid_t c;

	if (pipe(fd))
		exit(2);
	c = fork();
	if (c == 0) {
		unsigned char b;

		close(fd[1]);
		while (read(fd[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(b);
	}
	close(fd[0]);
	return c;
}

static void show(const char *who, int st)
{
	cr_say("%s: %s", who, WIFSTOPPED(st) ? "stopped" : WIFCONTINUED(st) ? "continued" :
	       WIFEXITED(st) ? "exited" : WIFSIGNALED(st) ? "signalled" : "?");
	if (WIFSTOPPED(st))
		cr_say(" by %d", WSTOPSIG(st));
	if (WIFEXITED(st))
		cr_say(" %d", WEXITSTATUS(st));
	cr_say("\n");
}

int main(void)
{
	int pa[2], pb[2], st;
	pid_t a, b, r;
	siginfo_t si;
	unsigned char ba = 21, bb = 22;

	cr_arm();
	a = spawn_reader(pa);
	b = spawn_reader(pb);
	kill(a, SIGSTOP);
	kill(b, SIGSTOP);
	r = waitpid(a, &st, WUNTRACED);
	show("a before", r == a ? st : 0);
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, b, &si, WSTOPPED | WNOWAIT) < 0 && errno == EINTR)
		;
	cr_say("b before: stop seen with WNOWAIT %d\n", si.si_pid == b &&
	       si.si_code == CLD_STOPPED);
	cr_say("ready: two stopped children\n");
	cr_wait();

	r = waitpid(a, &st, WUNTRACED | WNOHANG);
	cr_say("a after: stop reported again %d\n", r != 0);
	r = waitpid(b, &st, WUNTRACED | WNOHANG);
	show("b after", r == b ? st : 0);
	r = waitpid(-1, &st, WNOHANG | WUNTRACED | WCONTINUED);
	cr_say("nothing to report while stopped %d\n", r == 0);
	kill(a, SIGCONT);
	r = waitpid(a, &st, WCONTINUED);
	show("a", r == a ? st : 0);
	kill(b, SIGCONT);
	r = waitpid(b, &st, WCONTINUED);
	show("b", r == b ? st : 0);
	/* Only now may they read and exit: an exit would hide the continue report. */
	if (write(pa[1], &ba, 1) != 1 || write(pb[1], &bb, 1) != 1)
		return 2;
	r = waitpid(a, &st, 0);
	show("a", r == a ? st : 0);
	r = waitpid(b, &st, 0);
	show("b", r == b ? st : 0);
	return 0;
}
