/* cr_map_private: private file mappings across a checkpoint (zdtm form;
 * tests/integration/files runs it through cr/case.sh --signal). Before the ready mark
 * the program maps itself (a host file read through the gofer) privately twice,
 * writes two pages of the first mapping, and forks a child that keeps the mapping
 * and waits on a pipe. After SIGUSR1: both mappings read back the writes and the
 * file's untouched pages, a write after the restore copies as before, MADV_DONTNEED
 * brings the file back, a new mapping of the file after the restore equals it, and
 * the child sees the parent's pre-checkpoint writes and not the later ones.
 *
 * usage: td_files_cr_map_private [nowait] (run by its absolute path: it maps itself) */
#include "../cr/cr.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096
#define LEN (16 * PG)

static int fd;

static void die(const char *what)
{
	cr_say("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static int same_as_file(const char *p, size_t len, off_t off)
{
	static char buf[LEN];

	if (pread(fd, buf, len, off) != (ssize_t)len)
		die("pread");
	return !memcmp(buf, p, len);
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	int go[2], back[2];
	char *m, *ro, *again, c;
	pid_t pid;

	cr_arm();
	fd = open(argv[0], O_RDONLY);
	if (fd < 0)
		die("open self");
	m = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ro = mmap(NULL, LEN, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED || ro == MAP_FAILED)
		die("mmap");
	strcpy(m + 3 * PG + 7, "written before the checkpoint");
	strcpy(m + 9 * PG, "another page");
	if (pipe(go) || pipe(back))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		write(back[1], "r", 1);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		cr_say("child: %s / %s, untouched page equals file: %d\n", m + 3 * PG + 7,
		       m + 9 * PG, same_as_file(m + 12 * PG, PG, 12 * PG));
		_exit(0);
	}
	if (read(back[0], &c, 1) != 1)
		die("child");
	cr_say("ready: %s\n", m + 3 * PG + 7);
	if (!nowait)
		cr_wait();
	cr_say("resumed\n");
	cr_say("writes: %s / %s\n", m + 3 * PG + 7, m + 9 * PG);
	cr_say("untouched pages equal file: %d %d, other mapping equals file: %d\n",
	       same_as_file(m, 3 * PG, 0), same_as_file(m + 12 * PG, 4 * PG, 12 * PG),
	       same_as_file(ro, LEN, 0));
	strcpy(m + 12 * PG, "after");
	cr_say("write after restore: %s\n", m + 12 * PG);
	strcpy(m + 3 * PG + 7, "parent later");
	write(go[1], "g", 1);
	waitpid(pid, NULL, 0);
	if (madvise(m, LEN, MADV_DONTNEED))
		die("madvise");
	again = mmap(NULL, LEN, PROT_READ, MAP_PRIVATE, fd, 0);
	cr_say("after DONTNEED equals file: %d, new mapping equals file: %d\n",
	       same_as_file(m, LEN, 0), again != MAP_FAILED && same_as_file(again, LEN, 0));
	return 0;
}
