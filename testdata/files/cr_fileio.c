/* cr_fileio: FIFOs, splice and O_TMPFILE across a checkpoint (zdtm form;
 * tests/integration/files runs it through cr/case.sh --signal). Before the ready mark
 * it sets up:
 *   - a FIFO with data in flight, held open O_RDWR, and a reader end of it;
 *   - a child blocked in open() of a second FIFO, which has no writer yet;
 *   - a child blocked in splice() from an empty pipe into a file;
 *   - an O_TMPFILE file with data, its offset moved.
 * Then it waits for SIGUSR1 and carries on: reads the data in flight, opens the
 * second FIFO for writing (the blocked open, restarted after the restore, meets it),
 * feeds the pipe (the blocked splice, restarted, moves it), reads the unnamed file
 * and gives it a name. Everything printed must match a native run.
 *
 * usage: td_files_cr_fileio [nowait]   (nowait: go on at once, no SIGUSR1) */
#include "../cr/cr.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "rm_tree.h"

static char top[64];

static void die(const char *what)
{
	cr_say("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static void reap(pid_t pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	cr_say("%s exited %d\n", who, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Blocks in open() of FIFO "b" until a writer comes, then reads it. */
static void fifo_child(void)
{
	char buf[64] = "";
	int fd = open("b", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		die("open b");
	n = read(fd, buf, sizeof(buf) - 1);
	cr_say("fifo child read %zd '%s'\n", n, buf);
	_exit(0);
}

/* Blocks in splice() from the empty pipe @rd into file "out". */
static void splice_child(int rd)
{
	char buf[64] = "";
	int out = open("out", O_CREAT | O_RDWR | O_TRUNC, 0600);
	ssize_t n;

	if (out < 0)
		die("open out");
	n = splice(rd, NULL, out, NULL, sizeof(buf), 0);
	if (n < 0)
		die("splice");
	pread(out, buf, sizeof(buf) - 1, 0);
	cr_say("splice child moved %zd '%s'\n", n, buf);
	_exit(0);
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	char buf[64] = "";
	int wa, ra, ra2, wb, tf, named, p[2];
	pid_t fc, sc;
	struct stat st;
	ssize_t n;

	cr_arm();
	snprintf(top, sizeof(top), "/tmp/sbx-crfio.XXXXXX");
	if (!mkdtemp(top) || chdir(top))
		die("mkdtemp");
	if (mkfifo("a", 0600) || mkfifo("b", 0600))
		die("mkfifo");
	wa = open("a", O_RDWR);
	ra = open("a", O_RDONLY | O_NONBLOCK);
	if (wa < 0 || ra < 0 || write(wa, "in flight", 9) != 9)
		die("fifo a");
	fc = fork();
	if (fc == 0)
		fifo_child();
	if (pipe(p))
		die("pipe");
	sc = fork();
	if (sc == 0) {
		close(p[1]);
		splice_child(p[0]);
	}
	close(p[0]);
	tf = open(".", O_TMPFILE | O_RDWR, 0600);
	if (tf < 0 || write(tf, "unnamed file data", 17) != 17 || lseek(tf, 8, SEEK_SET) != 8)
		die("O_TMPFILE");
	/* Give the children time to block; correctness does not depend on it. */
	usleep(200 * 1000);
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	cr_say("resumed\n");

	n = read(ra, buf, sizeof(buf) - 1);
	cr_say("data in flight %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	n = read(ra, buf, sizeof(buf) - 1);
	cr_say("then %zd %s\n", n, n < 0 ? strerrorname_np(errno) : "");

	/* The FIFO's inode still has its pipe: a new open meets it. */
	ra2 = open("a", O_RDONLY | O_NONBLOCK);
	if (ra2 < 0 || write(wa, "met", 3) != 3)
		die("fifo a again");
	n = read(ra2, buf, sizeof(buf) - 1);
	cr_say("new open of the FIFO reads %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	close(ra2);

	wb = open("b", O_WRONLY);
	if (wb < 0 || write(wb, "to the opener", 13) != 13)
		die("fifo b");
	close(wb);
	reap(fc, "fifo child");

	if (write(p[1], "into the splice", 15) != 15)
		die("write pipe");
	close(p[1]);
	reap(sc, "splice child");

	memset(buf, 0, sizeof(buf));
	n = read(tf, buf, sizeof(buf) - 1);
	cr_say("tmpfile from offset 8: %zd '%s'\n", n, buf);
	if (fstat(tf, &st))
		die("fstat");
	cr_say("tmpfile nlink %d size %lld\n", (int)st.st_nlink, (long long)st.st_size);
	if (linkat(tf, "", AT_FDCWD, "named", AT_EMPTY_PATH))
		die("linkat");
	named = open("named", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	n = read(named, buf, sizeof(buf) - 1);
	cr_say("named: %zd '%s'\n", n, buf);

	close(named);
	close(tf);
	close(ra);
	close(wa);
	if (chdir("/") == 0)
		rm_tree(top);
	cr_say("done\n");
	return 0;
}
