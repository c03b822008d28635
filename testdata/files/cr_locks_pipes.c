/* cr_locks_pipes: advisory locks on a pipe and on the standard output across a
 * checkpoint (zdtm form; tests/integration/files runs it through cr/case.sh
 * --signal). Before the ready mark the program takes a flock lock on a pipe's read
 * end, a POSIX write lock on its write end and a flock lock on stdout. After the
 * restore other descriptions of the same objects (a reopen through /proc/self/fd)
 * and a child must still meet them; once released they can be had.
 *
 * usage: td_files_cr_locks_pipes [nowait] */
#include "../cr/cr.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start,
			    .l_len = len };

	return fcntl(fd, cmd, &fl);
}

static const char *res(int r)
{
	return r < 0 ? strerrorname_np(errno) : "0";
}

static int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	int pp[2], rd, out, st;
	pid_t parent = getpid(), pid;

	cr_arm();
	if (pipe(pp))
		return 2;
	cr_say("flock pipe %s, posix pipe %s, flock stdout %s\n", res(flock(pp[0], LOCK_EX)),
	       res(lk(pp[1], F_SETLK, F_WRLCK, 0, 10)), res(flock(1, LOCK_EX)));
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	else
		cr_say("resumed\n");
	rd = reopen(pp[0], O_RDONLY);
	out = reopen(1, O_WRONLY | O_APPEND);
	cr_say("other description: pipe %s, stdout %s\n", res(flock(rd, LOCK_SH | LOCK_NB)),
	       res(flock(out, LOCK_EX | LOCK_NB)));
	pid = fork();
	if (pid == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 10 };
		int r = fcntl(pp[1], F_GETLK, &fl);

		cr_say("child: F_GETLK %s by parent %d, F_SETLK %s\n",
		       r < 0 ? res(r) : fl.l_type == F_WRLCK ? "write" : "other",
		       fl.l_pid == parent, res(lk(pp[1], F_SETLK, F_WRLCK, 5, 1)));
		_exit(0);
	}
	waitpid(pid, &st, 0);
	flock(pp[0], LOCK_UN);
	flock(1, LOCK_UN);
	lk(pp[1], F_SETLK, F_UNLCK, 0, 0);
	cr_say("released: pipe %s, stdout %s\n", res(flock(rd, LOCK_SH | LOCK_NB)),
	       res(flock(out, LOCK_EX | LOCK_NB)));
	return 0;
}
