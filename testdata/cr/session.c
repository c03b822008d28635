/*
 * session: a session with two process groups across a checkpoint (issue #7). Child A
 * calls setsid and forks B, C and D: B makes a group of its own, C joins B's group, D
 * stays in A's. Every process records its pid, ppid, pgid and sid before the ready
 * mark and blocks reading a pipe; after the restore we close the pipe, and each
 * checks that its ids are unchanged, then A checks the relations between them, that
 * setsid and setpgid still refuse what they refused, and that a kill to B's group
 * reaches B and C only. Each process's verdict comes back as its exit status.
 */
#include "cr.h"

#include <sys/wait.h>

struct ids {
	pid_t pid, ppid, pgid, sid;
};

static struct ids ids_now(void)
{
	return (struct ids){ getpid(), getppid(), getpgid(0), getsid(0) };
}

static int ids_same(struct ids a, struct ids b)
{
	return a.pid == b.pid && a.ppid == b.ppid && a.pgid == b.pgid && a.sid == b.sid;
}

/* Blocks until the pipe is closed by everyone holding its write end. */
static void wait_release(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

/* B, C and D: wait, then exit 0 when the ids are unchanged (B and C are killed by
 * A's SIGTERM to their group before they get that far, or right after). */
static void member(int rel, int ready)
{
	struct ids before = ids_now();
	char c = 'r';

	if (write(ready, &c, 1) != 1)
		_exit(2);
	wait_release(rel);
	if (!ids_same(before, ids_now()))
		_exit(1);
	for (;;)
		pause();
}

static int leader(int rel, int setup)
{
	int ready[2], st = 0, bad = 0;
	pid_t b, c, d;
	struct ids before;
	char x;

	if (setsid() < 0 || pipe(ready))
		return 10;
	before = ids_now();
	b = fork();
	if (b == 0) {
		setpgid(0, 0);
		member(rel, ready[1]);
	}
	setpgid(b, b);
	c = fork();
	if (c == 0) {
		setpgid(0, b);
		member(rel, ready[1]);
	}
	setpgid(c, b);
	d = fork();
	if (d == 0)
		member(rel, ready[1]);
	close(ready[1]);
	for (int i = 0; i < 3; i++)
		if (read(ready[0], &x, 1) != 1)
			return 11;
	/* Everyone is set up: tell the top. */
	if (write(setup, "s", 1) != 1)
		return 12;
	close(setup);
	wait_release(rel);

/* The first failed check's number, or 0. */
#define T(n, cond) do { if (!bad && !(cond)) bad = (n); } while (0)
	T(1, ids_same(before, ids_now()));
	T(2, getsid(0) == getpid() && getpgid(0) == getpid());
	T(3, getpgid(b) == b && getpgid(c) == b && getpgid(d) == getpid());
	T(4, getsid(b) == getpid() && getsid(c) == getpid() && getsid(d) == getpid());
	T(5, setsid() == -1 && errno == EPERM);         /* a group leader already */
	T(6, setpgid(0, b) == -1 && errno == EPERM);    /* a session leader */
	/* B's group: SIGTERM reaches B and C, not D and not us. */
	T(7, kill(-b, SIGTERM) == 0);
	T(8, waitpid(b, &st, 0) == b && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	T(9, waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	T(10, waitpid(d, &st, WNOHANG) == 0);           /* D still pausing */
	kill(d, SIGKILL);
	T(11, waitpid(d, &st, 0) == d && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
#undef T
	return bad;
}

int main(void)
{
	int rel[2], setup[2], st;
	pid_t a;
	char x;

	cr_arm();
	if (pipe(rel) || pipe(setup))
		return 2;
	a = fork();
	if (a == 0) {
		close(rel[1]);
		close(setup[0]);
		_exit(leader(rel[0], setup[1]));
	}
	close(rel[0]);
	close(setup[1]);
	if (read(setup[0], &x, 1) != 1)
		return 2;
	cr_say("ready: a session with two process groups\n");
	cr_say("top: A is a session leader %d, in our session %d\n", getsid(a) == a,
	       getsid(a) == getsid(0));
	cr_wait();
	cr_say("top: A still leads its session %d and group %d\n", getsid(a) == a,
	       getpgid(a) == a);
	close(rel[1]);
	if (waitpid(a, &st, 0) != a || !WIFEXITED(st)) {
		cr_say("A did not exit\n");
		return 1;
	}
	cr_say("A: first failed check %d (0: none)\n", WEXITSTATUS(st));
	return WEXITSTATUS(st) ? 1 : 0;
}
