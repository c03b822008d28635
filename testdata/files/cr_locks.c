/* cr_locks: advisory locks across a checkpoint (zdtm form; tests/integration/files
 * runs it through cr/case.sh --signal). Before the ready mark the parent holds a POSIX
 * write lock on [0,10) and a flock LOCK_EX on one file; one child waits for the record
 * lock in F_SETLKW, another for the flock in flock(LOCK_EX). After SIGUSR1 a new child
 * checks that both locks are still held (F_GETLK reports the parent, LOCK_NB fails),
 * then the parent drops one lock at a time and each waiter, its call restarted after
 * the restore, gets its lock. Everything printed must match a native run.
 *
 * usage: td_files_cr_locks [nowait]   (nowait: go on at once, no SIGUSR1) */
#include "../cr/cr.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "rm_tree.h"

static char top[64];

static void die(const char *what)
{
	cr_say("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start,
			    .l_len = len };

	return fcntl(fd, cmd, &fl);
}

static void reap(pid_t pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	cr_say("%s exited %d\n", who, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void posix_waiter(void)
{
	int fd = open("l", O_RDWR);

	if (fd < 0 || lk(fd, F_SETLKW, F_WRLCK, 0, 10))
		die("posix waiter");
	cr_say("posix waiter got [0,10)\n");
	_exit(0);
}

static void flock_waiter(void)
{
	int fd = open("l", O_RDWR);

	if (fd < 0 || flock(fd, LOCK_EX))
		die("flock waiter");
	cr_say("flock waiter got LOCK_EX\n");
	_exit(0);
}

/* Looks at what the parent holds, from a process of its own. */
static void checker(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
	int fd = open("l", O_RDWR);

	if (fd < 0 || fcntl(fd, F_GETLK, &fl))
		die("F_GETLK");
	cr_say("record lock: type %s start %lld len %lld pid %d\n",
	       fl.l_type == F_WRLCK ? "write" : fl.l_type == F_UNLCK ? "none" : "read",
	       (long long)fl.l_start, (long long)fl.l_len, fl.l_pid);
	cr_say("flock LOCK_SH|LOCK_NB: %s\n",
	       flock(fd, LOCK_SH | LOCK_NB) ? strerrorname_np(errno) : "granted");
	_exit(0);
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	pid_t pw, fw, ck;
	int fd;

	cr_arm();
	snprintf(top, sizeof(top), "/tmp/sbx-crlk.XXXXXX");
	if (!mkdtemp(top) || chdir(top))
		die("mkdtemp");
	fd = open("l", O_RDWR | O_CREAT, 0600);
	if (fd < 0 || lk(fd, F_SETLK, F_WRLCK, 0, 10) || flock(fd, LOCK_EX))
		die("lock");
	pw = fork();
	if (pw == 0)
		posix_waiter();
	fw = fork();
	if (fw == 0)
		flock_waiter();
	/* Give the waiters time to block; correctness does not depend on it. */
	usleep(200 * 1000);
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	else
		cr_say("resumed\n");

	ck = fork();
	if (ck == 0)
		checker();
	reap(ck, "checker");
	if (lk(fd, F_SETLK, F_UNLCK, 0, 0))
		die("unlock");
	reap(pw, "posix waiter");
	if (flock(fd, LOCK_UN))
		die("flock unlock");
	reap(fw, "flock waiter");
	close(fd);
	if (chdir("/") == 0)
		rm_tree(top);
	return 0;
}
