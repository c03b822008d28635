/* fam_locks_pipes: advisory locks on files that are no regular files, which Linux
 * allows on any open file: an anonymous pipe (its two ends are one inode, and a
 * reopen through /proc/self/fd is one more description of it), a FIFO, and the
 * standard output the program was started with (a host file or pipe in sbx). flock
 * between descriptions, POSIX locks between processes (F_GETLK names the holder),
 * OFD locks, access-mode errors. Children print their own results and the parent
 * waits for each before going on, so the order never depends on scheduling. */
#include "fam.h"

#include <stdbool.h>
#include <sys/file.h>
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start,
			    .l_len = len };

	return fcntl(fd, cmd, &fl);
}

/* What F_GETLK (or F_OFD_GETLK) says is in the way of a write lock on [start, +len);
 * the holder's pid as "parent"/"child"/"-1" so runs compare. */
static void getlk(const char *label, int fd, int cmd, off_t start, off_t len, pid_t parent)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start,
			    .l_len = len };

	if (fcntl(fd, cmd, &fl) < 0) {
		P("%-44s -1 %s\n", label, fam_ename(errno));
		return;
	}
	if (fl.l_type == F_UNLCK)
		P("%-44s unlocked\n", label);
	else
		P("%-44s %s start %lld len %lld by %s\n", label,
		  fl.l_type == F_WRLCK ? "write" : "read", (long long)fl.l_start,
		  (long long)fl.l_len, fl.l_pid == parent ? "parent" :
		  fl.l_pid == -1 ? "-1 (OFD)" : "another");
}

/* Runs @fn in a child; prints its exit status. */
static void in_child(const char *what, int (*fn)(int, int), int a, int b)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(a, b));
	waitpid(pid, &st, 0);
	P("child %s: %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static pid_t parent;

/* In a child: F_SETLK on a range the parent holds must fail, F_GETLK name it. */
static int child_posix(int fd, int wr)
{
	getlk("  child F_GETLK", fd, F_GETLK, 0, 10, parent);
	T(lk(fd, F_SETLK, wr ? F_WRLCK : F_RDLCK, 0, 10));
	T(lk(fd, F_SETLK, wr ? F_WRLCK : F_RDLCK, 100, 10));
	return 0;
}

/* In a child: flock through the inherited description is the parent's lock. */
static int child_flock(int fd, int other)
{
	T(flock(fd, LOCK_EX | LOCK_NB));
	T(flock(other, LOCK_SH | LOCK_NB));
	return 0;
}

static void pipes(void)
{
	char path[64];
	int pp[2], again;

	P("pipe:\n");
	if (pipe(pp))
		exit(2);
	T(flock(pp[0], LOCK_EX | LOCK_NB));
	T(flock(pp[1], LOCK_SH | LOCK_NB));     /* the other end: the same inode */
	in_child("flock", child_flock, pp[0], pp[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pp[0]);
	again = open(path, O_RDONLY);
	T(flock(again, LOCK_SH | LOCK_NB));     /* a reopened end: the same pipe */
	T(flock(pp[0], LOCK_SH));               /* conversion */
	T(flock(again, LOCK_SH | LOCK_NB));
	T(flock(pp[1], LOCK_EX | LOCK_NB));
	T(flock(pp[0], LOCK_UN));
	T(flock(again, LOCK_UN));
	T(flock(pp[1], LOCK_EX | LOCK_NB));
	T(flock(pp[1], LOCK_UN));
	T(flock(pp[1], LOCK_UN));               /* nothing held: fine */

	T(lk(pp[1], F_SETLK, F_WRLCK, 0, 10));
	T(lk(pp[1], F_SETLK, F_RDLCK, 0, 10));  /* a write end: EBADF */
	T(lk(pp[0], F_SETLK, F_WRLCK, 0, 10));  /* a read end: EBADF */
	T(lk(pp[0], F_SETLK, F_RDLCK, 20, 10));
	getlk("F_GETLK own", pp[0], F_GETLK, 0, 100, parent);
	in_child("posix write end", child_posix, pp[1], 1);
	in_child("posix read end", child_posix, pp[0], 0);
	T(lk(pp[0], F_OFD_SETLK, F_RDLCK, 0, 5));       /* against a POSIX write lock */
	T(lk(pp[0], F_OFD_SETLK, F_RDLCK, 40, 5));
	getlk("F_OFD_GETLK", pp[1], F_OFD_GETLK, 40, 1, parent);
	getlk("F_GETLK after OFD", pp[1], F_GETLK, 40, 1, parent);
	close(again);                           /* a close drops the process's POSIX locks */
	in_child("posix after a close", child_posix, pp[1], 1);
	getlk("OFD lock stays", pp[1], F_GETLK, 40, 1, parent);
	close(pp[0]);
	close(pp[1]);
}

static void fifo(void)
{
	int a, b;

	P("fifo:\n");
	if (mkfifo("fifo", 0644))
		exit(2);
	a = open("fifo", O_RDWR);
	b = open("fifo", O_RDWR);
	T(flock(a, LOCK_EX | LOCK_NB));
	T(flock(b, LOCK_EX | LOCK_NB));
	in_child("flock", child_flock, a, b);
	T(lk(b, F_SETLK, F_WRLCK, 0, 10));
	in_child("posix", child_posix, b, 1);
	T(lk(a, F_OFD_SETLK, F_WRLCK, 5, 1));
	close(a);
	close(b);
	unlink("fifo");
}

static void stdio(void)
{
	char path[64];
	int again;

	P("stdout:\n");
	T(flock(1, LOCK_EX | LOCK_NB));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", 1);
	again = open(path, O_WRONLY | O_APPEND);
	T(flock(again, LOCK_EX | LOCK_NB));     /* the same host object */
	in_child("flock", child_flock, 1, again);
	T(flock(1, LOCK_UN));
	T(flock(again, LOCK_EX | LOCK_NB));
	T(lk(1, F_SETLK, F_WRLCK, 0, 10));
	T(lk(1, F_SETLK, F_RDLCK, 0, 10));
	in_child("posix", child_posix, 1, 1);
	getlk("F_GETLK", again, F_GETLK, 0, 10, parent);
	T(lk(1, F_SETLK, F_UNLCK, 0, 0));
	in_child("posix after unlock", child_posix, 1, 1);
	close(again);
}

int main(void)
{
	fam_enter();
	parent = getpid();
	pipes();
	fifo();
	stdio();
	fam_leave();
	return 0;
}
