/* volume_mmap: MAP_SHARED mappings of files on a --volume, what sqlite's WAL index
 * and other mmap-based stores rely on. In DIR (the volume; natively a plain
 * directory) it checks that
 *   - a shared writable mapping's writes reach the file: read() sees them at once,
 *     msync puts them in the file, and munmap without msync does too (the file is
 *     left with them for volume.sh, which compares the host directories);
 *   - write() and pwrite() are seen through the mapping, and by a second mapping;
 *   - a forked child's writes through its inherited mapping reach the parent's;
 *   - ftruncate growing the file maps zeros; shrinking it makes the pages past the
 *     new end fault with SIGBUS; fallocate PUNCH_HOLE reads as zeros in the mapping;
 *   - a private mapping copies on write and leaves the file alone.
 * Prints each outcome; exits 0. With "cr" (zdtm form): sets up a mapping with data
 * written through it only, prints the ready mark, and after SIGUSR1 checks the data
 * is still there and in the file, writes more and unmaps; the file stays for the
 * case's --check.
 *
 * usage: td_files_volume_mmap DIR [rw|cr]   (rw: volume.sh's mode, the same as none) */
#include "../cr/cr.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PG 4096

static char path[PATH_MAX];
static sigjmp_buf jb;

static void on_bus(int sig)
{
	siglongjmp(jb, sig);
}

static void die(const char *what)
{
	cr_say("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The signal an access to @p raises (0 if none). */
static int touch(volatile char *p, bool write)
{
	int sig = sigsetjmp(jb, 1);

	if (sig)
		return sig;
	if (write)
		*p = 'x';
	else
		(void)*p;
	return 0;
}

/* A checksum of the file's bytes as read() gives them, and its size. */
static void show_file(const char *label, int fd)
{
	char buf[PG];
	unsigned long sum = 0;
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		off += n;
	}
	cr_say("%s: %lld bytes, sum %lu\n", label, (long long)off, sum);
}

static void plain(const char *dir)
{
	char buf[64];
	char *m, *m2, *pm;
	int fd, st;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/map.dat", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open");
	for (int i = 0; i < 3; i++) {
		memset(buf, 'a' + i, sizeof(buf));
		if (pwrite(fd, buf, sizeof(buf), i * PG) != (ssize_t)sizeof(buf))
			die("pwrite");
	}
	if (ftruncate(fd, 3 * PG + 100))
		die("ftruncate");
	m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m2 = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || m2 == MAP_FAILED)
		die("mmap shared");
	cr_say("mapped: %c %c %c, past the end %d\n", m[0], m[PG], m[2 * PG], m[3 * PG + 200]);

	/* Writes through the mapping: read() and the other mapping see them. */
	memcpy(m + 10, "through the map", 15);
	if (pread(fd, buf, 15, 10) != 15)
		die("pread");
	cr_say("read() sees the map: %.15s; the second map: %.15s\n", buf, m2 + 10);
	/* pwrite is seen through both mappings. */
	if (pwrite(fd, "by pwrite", 9, PG + 5) != 9)
		die("pwrite 2");
	cr_say("maps see pwrite: %.9s %.9s\n", m + PG + 5, m2 + PG + 5);
	if (msync(m, 4 * PG, MS_SYNC))
		die("msync");
	cr_say("msync: ok\n");

	/* A child writes through the mapping it inherited. */
	pid = fork();
	if (pid == 0) {
		memcpy(m + 2 * PG + 7, "child", 5);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		die("fork");
	cr_say("the child's write: %.5s\n", m + 2 * PG + 7);

	/* A private mapping: copy on write, the file untouched. */
	pm = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (pm == MAP_FAILED)
		die("mmap private");
	cr_say("private sees: %.15s\n", pm + 10);
	memcpy(pm + 10, "private change!", 15);
	cr_say("after a private write, shared: %.15s private: %.15s\n", m + 10, pm + 10);
	munmap(pm, PG);

	/* Growing the file maps zeros; shrinking it: SIGBUS past the new end. */
	if (ftruncate(fd, 4 * PG))
		die("grow");
	cr_say("grown: byte at 3p+200 %d, write there: signal %d\n", m[3 * PG + 200],
	       touch(m + 3 * PG + 300, true));
	if (ftruncate(fd, PG + 10))
		die("shrink");
	cr_say("shrunk: read at p+5 signal %d, at 2p signal %d, at 3p signal %d\n",
	       touch(m + PG + 5, false), touch(m + 2 * PG, false), touch(m + 3 * PG, false));
	cr_say("shrunk: the tail of the last page reads %d\n", m[PG + 100]);
	if (ftruncate(fd, 3 * PG))
		die("regrow");
	cr_say("regrown: 2p reads %d\n", m[2 * PG]);
	memset(m + 2 * PG, 'z', PG);
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2 * PG, PG) == 0)
		cr_say("punched: 2p reads %d\n", m[2 * PG]);
	else
		cr_say("punch: %s\n", strerror(errno));
	memcpy(m + 2 * PG + 50, "after the punch", 15);
	show_file("file", fd);

	/* Unmapped without msync: the last writes still reach the file. */
	memcpy(m + 20, "last, no msync", 14);
	munmap(m, 4 * PG);
	munmap(m2, 4 * PG);
	close(fd);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("reopen");
	show_file("reopened", fd);
	close(fd);
}

static void cr(const char *dir)
{
	char buf[32];
	char *m;
	int fd;

	snprintf(path, sizeof(path), "%s/crmap.dat", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 2 * PG))
		die("open");
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	close(fd);      /* the mapping alone keeps the file */
	memcpy(m + 1, "before the checkpoint", 21);
	memcpy(m + PG + 3, "second page", 11);
	cr_arm();
	cr_say("ready\n");
	cr_wait();
	cr_say("after: %.21s / %.11s\n", m + 1, m + PG + 3);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, buf, 21, 1) != 21)
		die("pread");
	cr_say("read() after: %.21s\n", buf);
	memcpy(m + 100, "after the restore", 17);
	if (msync(m, 2 * PG, MS_ASYNC))
		die("msync");
	if (pwrite(fd, "pwritten", 8, PG + 50) != 8)
		die("pwrite");
	cr_say("map sees: %.8s\n", m + PG + 50);
	munmap(m, 2 * PG);
	show_file("file", fd);
	close(fd);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_bus };

	if (argc < 2) {
		fprintf(stderr, "usage: td_files_volume_mmap DIR [rw|cr]\n");
		return 2;
	}
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	if (argc > 2 && !strcmp(argv[2], "cr"))
		cr(argv[1]);
	else
		plain(argv[1]);
	cr_say("done\n");
	return 0;
}
