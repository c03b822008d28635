/* fam_locks: advisory locks between a parent and forked children: flock (LOCK_NB,
 * conversion, sharing through an inherited description, release when its last fd
 * closes), POSIX record locks (F_SETLK EAGAIN, F_GETLK with the owner's pid, range
 * splitting and merging, negative and to-EOF lengths, close of any fd and exit drop
 * them, the argument errors), OFD locks against POSIX ones, EDEADLK between two
 * processes, and F_SETLKW/flock interrupted by an alarm. Children report through
 * pipes and exit statuses, so the order of output never depends on scheduling. See
 * fam.h. */
#include "fam.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, short whence, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = whence, .l_start = start,
			    .l_len = len };

	return fcntl(fd, cmd, &fl);
}

/* F_GETLK (or F_OFD_GETLK) for a write lock on [start, start+len): what is in the way. */
static void getlk(const char *label, int fd, int cmd, off_t start, off_t len)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start,
			    .l_len = len };

	if (fcntl(fd, cmd, &fl) < 0) {
		P("%-40s -1 %s\n", label, fam_ename(errno));
		return;
	}
	if (fl.l_type == F_UNLCK)
		P("%-40s unlocked\n", label);
	else
		P("%-40s %s start %lld len %lld pid %d\n", label,
		  fl.l_type == F_WRLCK ? "write" : "read", (long long)fl.l_start,
		  (long long)fl.l_len, fl.l_pid);
}

static void wait_child(pid_t pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		exit(2);
	}
	P("%s exited %d\n", who, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void sync_read(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1) {
		perror("sync read");
		exit(2);
	}
}

static void sync_write(int fd)
{
	if (write(fd, "x", 1) != 1) {
		perror("sync write");
		exit(2);
	}
}

/* flock between the parent (fd a) and a child with a description of its own. */
static void flocks(void)
{
	int a = open("f", O_RDWR | O_CREAT, 0600), c, d, go[2], done[2];
	pid_t pid;

	P("== flock\n");
	T(flock(a, LOCK_EX));
	T(flock(a, LOCK_EX | LOCK_NB));
	T(flock(a, 7));
	T(flock(a, LOCK_SH | LOCK_EX));
	pipe(go);
	pipe(done);
	pid = fork();
	if (pid == 0) {
		int b = open("f", O_RDWR);

		T(flock(b, LOCK_EX | LOCK_NB));
		T(flock(b, LOCK_SH | LOCK_NB));
		/* the inherited description owns the parent's lock */
		T(flock(a, LOCK_EX | LOCK_NB));
		sync_write(done[1]);
		sync_read(go[0]);       /* the parent converted to shared */
		T(flock(b, LOCK_SH | LOCK_NB));
		T(flock(b, LOCK_EX | LOCK_NB));
		T(flock(b, LOCK_UN));
		sync_write(done[1]);
		sync_read(go[0]);       /* the parent holds it through a dup only */
		T(flock(b, LOCK_SH | LOCK_NB));
		sync_write(done[1]);
		sync_read(go[0]);       /* ... and closed that too */
		T(flock(b, LOCK_EX | LOCK_NB));
		T(flock(b, LOCK_UN));
		sync_write(done[1]);
		sync_read(go[0]);       /* the parent holds it again: wait for it */
		sync_write(done[1]);
		T(flock(b, LOCK_EX));
		_exit(0);
	}
	sync_read(done[0]);
	T(flock(a, LOCK_SH));
	sync_write(go[1]);
	sync_read(done[0]);
	T(flock(a, LOCK_UN));
	c = open("f", O_RDONLY);
	d = dup(c);
	T(flock(c, LOCK_EX));
	T(close(c));
	sync_write(go[1]);
	sync_read(done[0]);
	T(close(d));
	sync_write(go[1]);
	sync_read(done[0]);
	T(flock(a, LOCK_EX));
	sync_write(go[1]);
	sync_read(done[0]);
	flock(a, LOCK_UN);      /* unprinted: the child's line comes after it */
	wait_child(pid, "flock child");
	close(a);
	close(go[0]); close(go[1]); close(done[0]); close(done[1]);
}

/* POSIX record locks held by the parent, looked at and fought for by a child. */
static void records(void)
{
	int a = open("r", O_RDWR | O_CREAT, 0600), w, ro, x, go[2], done[2];
	pid_t pid;

	P("== POSIX record locks\n");
	w = open("r", O_WRONLY);
	ro = open("r", O_RDONLY);
	T(lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 100));
	T(lk(a, F_SETLK, F_WRLCK, SEEK_SET, 200, -10));
	T(lk(a, F_SETLK, F_RDLCK, SEEK_SET, 1000, 0));
	T(lk(a, F_SETLK, F_WRLCK, 7, 0, 1));
	T(lk(a, F_SETLK, F_WRLCK, SEEK_SET, -5, 1));
	T(lk(a, F_SETLK, F_WRLCK, SEEK_SET, 5, -10));
	T(lk(a, F_SETLK, 9, SEEK_SET, 0, 1));
	T(lk(w, F_SETLK, F_RDLCK, SEEK_SET, 0, 1));
	T(lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
	T(lk(a, F_GETLK, F_UNLCK, SEEK_SET, 0, 1));
	getlk("own locks are never in the way", a, F_GETLK, 0, 0);
	pipe(go);
	pipe(done);
	pid = fork();
	if (pid == 0) {
		int b = open("r", O_RDWR);

		getlk("getlk [50,60)", b, F_GETLK, 50, 10);
		getlk("getlk [195,196)", b, F_GETLK, 195, 1);
		getlk("getlk [5000,5001)", b, F_GETLK, 5000, 1);
		getlk("getlk [150,160)", b, F_GETLK, 150, 10);
		T(lk(b, F_SETLK, F_WRLCK, SEEK_SET, 99, 2));
		T(lk(b, F_SETLK, F_RDLCK, SEEK_SET, 1500, 10));
		T(lk(b, F_SETLK, F_WRLCK, SEEK_SET, 150, 10));
		sync_write(done[1]);
		sync_read(go[0]);       /* the parent split [0,100) */
		getlk("after split: [20,30)", b, F_GETLK, 20, 10);
		getlk("after split: [0,200)", b, F_GETLK, 0, 200);
		getlk("after split: [25,35)", b, F_GETLK, 25, 10);
		T(lk(b, F_SETLK, F_RDLCK, SEEK_SET, 10, 30));
		sync_write(done[1]);
		sync_read(go[0]);       /* the parent merged it back */
		getlk("after merge: [0,200)", b, F_GETLK, 0, 200);
		getlk("after merge: [20,30)", b, F_GETLK, 20, 10);
		sync_write(done[1]);
		sync_read(go[0]);       /* the parent closed another fd */
		getlk("after close of any fd", b, F_GETLK, 0, 0);
		/* the child's own lock at [150,160), checked by the parent after exit */
		_exit(0);
	}
	sync_read(done[0]);
	getlk("child's lock seen by the parent", a, F_GETLK, 150, 1);
	T(lk(a, F_SETLK, F_UNLCK, SEEK_SET, 20, 10));
	sync_write(go[1]);
	sync_read(done[0]);
	T(lk(a, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
	T(lk(a, F_SETLK, F_WRLCK, SEEK_SET, 20, 10));
	lseek(a, 10, SEEK_SET);
	T(lk(a, F_SETLK, F_WRLCK, SEEK_CUR, 5, 10));
	sync_write(go[1]);
	sync_read(done[0]);
	x = open("r", O_RDONLY);
	T(close(x));
	sync_write(go[1]);
	wait_child(pid, "record child");
	getlk("child's locks after its exit", a, F_GETLK, 0, 0);
	close(a); close(w); close(ro);
	close(go[0]); close(go[1]); close(done[0]); close(done[1]);
}

/* OFD locks: owned by the description, in conflict with POSIX locks. */
static void ofd(void)
{
	int a = open("o", O_RDWR | O_CREAT, 0600), b = open("o", O_RDWR), c;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1, .l_pid = 3 };

	P("== OFD locks\n");
	T(fcntl(a, F_OFD_SETLK, &fl));
	T(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
	T(lk(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10));
	T(lk(b, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 10));
	T(lk(b, F_SETLK, F_WRLCK, SEEK_SET, 5, 10));
	T(lk(b, F_SETLK, F_WRLCK, SEEK_SET, 10, 10));
	getlk("ofd getlk over the OFD lock", b, F_OFD_GETLK, 0, 1);
	getlk("posix getlk over the OFD lock", b, F_GETLK, 0, 1);
	getlk("ofd getlk over the POSIX lock", a, F_OFD_GETLK, 15, 1);
	/* closing b drops the process's POSIX lock, not a's OFD lock */
	c = dup(a);
	T(close(b));
	b = open("o", O_RDWR);
	getlk("after close(b): [0,20)", b, F_OFD_GETLK, 0, 20);
	T(close(a));
	getlk("after close(a), dup left", b, F_OFD_GETLK, 0, 20);
	T(close(c));
	getlk("after the last fd", b, F_OFD_GETLK, 0, 20);
	close(b);
}

/* Two processes each waiting for the other's lock: one of them gets EDEADLK. */
static void deadlock(void)
{
	int a = open("d", O_RDWR | O_CREAT, 0600), go[2];
	pid_t pid;
	int status, r, mine;

	P("== deadlock\n");
	pipe(go);
	T(lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
	pid = fork();
	if (pid == 0) {
		int b = open("d", O_RDWR);

		lk(b, F_SETLK, F_WRLCK, SEEK_SET, 1, 1);
		sync_write(go[1]);
		r = lk(b, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
		if (r < 0 && errno == EDEADLK) {
			lk(b, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
			_exit(1);
		}
		_exit(r == 0 ? 0 : 2);
	}
	sync_read(go[0]);
	r = lk(a, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
	mine = r < 0 && errno == EDEADLK;
	if (mine)
		lk(a, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	else if (r < 0)
		P("parent F_SETLKW -1 %s\n", fam_ename(errno));
	waitpid(pid, &status, 0);
	P("EDEADLK seen by exactly one: %s\n",
	  mine + (WEXITSTATUS(status) == 1) == 1 ? "yes" : "no");
	P("the other got its lock: %s\n",
	  (mine ? WEXITSTATUS(status) == 0 : r == 0) ? "yes" : "no");
	close(a);
	close(go[0]); close(go[1]);
}

static int restart_go = -1;

static void on_alarm(int sig)
{
	(void)sig;
	/* with SA_RESTART: let the holder go, the restarted wait then gets the lock */
	if (restart_go >= 0 && write(restart_go, "x", 1) != 1)
		_exit(3);
}

/* A wait for a lock ends with EINTR when a handler without SA_RESTART runs. */
static void interrupted(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int a = open("i", O_RDWR | O_CREAT, 0600), go[2], done[2];
	pid_t pid;

	P("== interrupted waits\n");
	sigaction(SIGALRM, &sa, NULL);
	pipe(go);
	pipe(done);
	pid = fork();
	if (pid == 0) {
		int b = open("i", O_RDWR);

		lk(b, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
		flock(b, LOCK_EX);
		sync_write(done[1]);
		sync_read(go[0]);
		_exit(0);
	}
	sync_read(done[0]);
	alarm(1);
	T(lk(a, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1));
	alarm(1);
	T(flock(a, LOCK_SH));
	sync_write(go[1]);
	wait_child(pid, "holder");
	T(lk(a, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1));
	T(flock(a, LOCK_SH));
	lk(a, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	flock(a, LOCK_UN);

	/* SA_RESTART: the handler runs (and frees the lock), the wait goes on */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	restart_go = go[1];
	pid = fork();
	if (pid == 0) {
		int b = open("i", O_RDWR);

		lk(b, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
		sync_write(done[1]);
		sync_read(go[0]);
		_exit(0);
	}
	sync_read(done[0]);
	alarm(1);
	T(lk(a, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1));
	wait_child(pid, "holder let go by the handler");
	restart_go = -1;
	close(a);
	close(go[0]); close(go[1]); close(done[0]); close(done[1]);
}

int main(void)
{
	fam_enter();
	P("pid %d\n", getpid());
	flocks();
	records();
	ofd();
	deadlock();
	interrupted();
	fam_leave();
	return 0;
}
