/* shm_cr: shared file mappings across a checkpoint (zdtm form; tests/integration/files
 * runs it through cr/case.sh --signal). Before the ready mark: a /dev/shm file and a
 * memfd, each mapped MAP_SHARED by the parent and inherited by a forked child, which
 * stores into both and then waits on a pipe; and a sparse tmpfs file with data 4 GiB
 * in. After SIGUSR1 the parent stores, wakes the child, which must see the parent's
 * stores and answers with its own, which the parent must see through its mapping and
 * through read(); the sparse file keeps its hole and its data.
 *
 * usage: td_files_shm_cr [nowait] */
#include "../cr/cr.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096

static void die(const char *what)
{
	cr_say("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	const char *shm = "/dev/shm/sbx-shm-cr";
	int sfd, mfd, zfd, go[2], back[2];
	char *s, *m, c, buf[32] = { 0 };
	pid_t pid;

	cr_arm();
	sfd = open(shm, O_CREAT | O_RDWR | O_TRUNC, 0600);
	mfd = memfd_create("shm_cr", 0);
	zfd = open("/dev/shm/sbx-shm-cr-sparse", O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (sfd < 0 || mfd < 0 || zfd < 0 || ftruncate(sfd, 2 * PG) || ftruncate(mfd, PG))
		die("setup");
	if (pwrite(zfd, "far away", 8, 1LL << 32) != 8)
		die("sparse");
	s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (s == MAP_FAILED || m == MAP_FAILED || pipe(go) || pipe(back))
		die("mmap");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		strcpy(s, "child before");
		strcpy(m, "child memfd before");
		write(back[1], "r", 1);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		cr_say("child sees: %s / %s\n", s + PG, m + 100);
		strcpy(s + 200, "child after");
		strcpy(m + 200, "child memfd after");
		_exit(0);
	}
	if (read(back[0], &c, 1) != 1)
		die("child");
	cr_say("ready: parent sees %s / %s\n", s, m);
	if (!nowait)
		cr_wait();
	cr_say("resumed\n");
	strcpy(s + PG, "parent after");
	strcpy(m + 100, "parent memfd after");
	write(go[1], "g", 1);
	waitpid(pid, NULL, 0);
	pread(sfd, buf, sizeof(buf) - 1, 200);
	cr_say("parent sees: %s / %s, read() %s\n", s + 200, m + 200, buf);
	memset(buf, 0, sizeof(buf));
	pread(zfd, buf, 8, 1LL << 32);
	cr_say("sparse: %s, data at %lld, hole at %lld\n", buf,
	       (long long)lseek(zfd, 0, SEEK_DATA), (long long)lseek(zfd, 0, SEEK_HOLE));
	unlink(shm);
	unlink("/dev/shm/sbx-shm-cr-sparse");
	return 0;
}
