/* map_private: MAP_PRIVATE file mappings, compared with a native run by
 * tests/integration/files. The host file is the program itself (read through the
 * gofer, a lower file of the overlay in sbx) and a 9-byte file of testdata/files/tree;
 * an upper file is made in /tmp. Checked: contents equal the file's, writes stay
 * private (the file, a second mapping and another process do not see them), fork's
 * child sees the parent's writes from before the fork and not those after, mprotect,
 * mremap, MADV_DONTNEED (back to the file's contents) and MADV_FREE (EINVAL on a file
 * mapping), SIGBUS for a page wholly past the end and zeros after the end in the last
 * page, and a private mapping of a /tmp file seeing write()s to pages it has not
 * written.
 *
 * Not checked: a page not written by a mapping that wrote another page of the same
 * VMA, after the file changes. Linux copies per page, so that page shows the file's
 * new contents; sbx copies per VMA piece and shows the contents at the first write.
 *
 * usage: td_files_map_private TREE_DIR (run by its absolute path: it maps itself) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static sigjmp_buf jb;
static volatile int got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
	siglongjmp(jb, 1);
}

/* Which signal a read (or write) of *p raises: 0, SIGSEGV or SIGBUS. */
static int probe(volatile char *p, int write)
{
	got_sig = 0;
	if (!sigsetjmp(jb, 1)) {
		if (write)
			*p = 'w';
		else
			(void)*p;
	}
	return got_sig;
}

static const char *signame(int sig)
{
	return sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig ? "other" : "none";
}

static void die(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Whether [p, p+len) holds the file's bytes at @off. */
static int same_as_file(int fd, const char *p, size_t len, off_t off)
{
	char *buf = malloc(len);
	int same;

	if (!buf || pread(fd, buf, len, off) != (ssize_t)len)
		die("pread");
	same = !memcmp(buf, p, len);
	free(buf);
	return same;
}

static void exe_mapping(const char *exe)
{
	int fd = open(exe, O_RDONLY), pfd[2], qfd[2];
	struct stat st;
	char *m, *m2, *r;
	size_t len;
	pid_t pid;
	char c;

	if (fd < 0 || fstat(fd, &st))
		die("open self");
	len = (st.st_size / PG) * PG;
	if (len < 8 * PG)
		die("self too small");
	len = 8 * PG;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	m2 = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED || m2 == MAP_FAILED)
		die("mmap self");
	printf("self: mapping equals file: %d, ELF magic: %d\n", same_as_file(fd, m, len, 0),
	       !memcmp(m2, "\177ELF", 4));

	/* Writes stay private. */
	memcpy(m + PG + 10, "private write", 13);
	printf("self: write reads back: %d, other mapping unchanged: %d\n",
	       !memcmp(m + PG + 10, "private write", 13), same_as_file(fd, m2, len, 0));
	printf("self: untouched page 3 equals file: %d\n", same_as_file(fd, m + 3 * PG, PG, 3 * PG));

	/* fork: the child sees the writes from before, not the parent's later ones. */
	memcpy(m + 2 * PG, "before fork", 11);
	if (pipe(pfd) || pipe(qfd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int fd2 = open(exe, O_RDONLY);
		char *own = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd2, 0);

		if (read(pfd[0], &c, 1) != 1)
			_exit(3);
		printf("child: sees pre-fork write: %d, not the later one: %d, page 1: %d\n",
		       !memcmp(m + 2 * PG, "before fork", 11),
		       same_as_file(fd, m + 4 * PG, PG, 4 * PG),
		       !memcmp(m + PG + 10, "private write", 13));
		printf("child: own mapping equals file: %d\n",
		       own != MAP_FAILED && same_as_file(fd, own, len, 0));
		memcpy(m + 5 * PG, "child write", 11);
		fflush(stdout);
		write(qfd[1], "c", 1);
		_exit(0);
	}
	memcpy(m + 4 * PG, "after fork", 10);
	write(pfd[1], "p", 1);
	if (read(qfd[0], &c, 1) != 1)
		die("child");
	waitpid(pid, NULL, 0);
	printf("parent: child's write not seen: %d\n", same_as_file(fd, m + 5 * PG, PG, 5 * PG));

	/* mprotect: read-only refuses writes, and writable again takes them. */
	if (mprotect(m, len, PROT_READ))
		die("mprotect ro");
	printf("mprotect ro: write %s, read %s\n", signame(probe(m + 6 * PG, 1)),
	       signame(probe(m + 6 * PG, 0)));
	if (mprotect(m + 6 * PG, PG, PROT_READ | PROT_WRITE))
		die("mprotect rw");
	memcpy(m + 6 * PG, "rw again", 8);
	printf("mprotect rw: %d, page 1 kept: %d\n", !memcmp(m + 6 * PG, "rw again", 8),
	       !memcmp(m + PG + 10, "private write", 13));

	/* MADV_DONTNEED brings the file back; MADV_FREE is for anonymous memory. */
	errno = 0;
	c = madvise(m, PG, MADV_FREE);
	printf("MADV_FREE: %d %s\n", c, strerror(errno));
	if (madvise(m + PG, PG, MADV_DONTNEED))
		die("dontneed");
	printf("MADV_DONTNEED: page 1 equals file: %d, page 2 kept: %d\n",
	       same_as_file(fd, m + PG, PG, PG), !memcmp(m + 2 * PG, "before fork", 11));
	if (mprotect(m, len, PROT_READ | PROT_WRITE))
		die("mprotect rw all");
	memcpy(m + PG, "written again", 13);
	printf("write after DONTNEED: %d\n", !memcmp(m + PG, "written again", 13));

	munmap(m, len);

	/* mremap: moved and grown, the written page comes along and the growth is the
	 * file's; a mapping not written grows the same. */
	m = mmap(NULL, len / 2, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	r = mmap(NULL, len / 2, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED || r == MAP_FAILED)
		die("mmap for mremap");
	memcpy(m + PG, "moved write", 11);
	m = mremap(m, len / 2, len, MREMAP_MAYMOVE);
	r = mremap(r, len / 2, len, MREMAP_MAYMOVE);
	if (m == MAP_FAILED || r == MAP_FAILED)
		die("mremap");
	printf("mremap: written page %d, page 0 %d, grown page 6 equals file %d %d\n",
	       !memcmp(m + PG, "moved write", 11), same_as_file(fd, m, PG, 0),
	       same_as_file(fd, m + 6 * PG, PG, 6 * PG), same_as_file(fd, r, len, 0));
	m = mremap(m, len, len / 4, 0);
	printf("mremap shrink: %d\n", m != MAP_FAILED && !memcmp(m + PG, "moved write", 11));
	munmap(m, len / 4);
	munmap(r, len);
	munmap(m2, len);
	close(fd);
}

static void past_eof(const char *tree)
{
	char path[4096];
	char *m;
	int fd;

	snprintf(path, sizeof(path), "%s/host-file-05", tree);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open tree file");
	m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		die("mmap tree file");
	printf("small file: %.8s, zero after the end: %d, page 1 read %s\n", m, m[100] == 0,
	       signame(probe(m + PG, 0)));
	m[0] = 'H';
	printf("after a write: %.8s, page 1 read %s, page 2 write %s\n", m,
	       signame(probe(m + PG, 0)), signame(probe(m + 2 * PG + 5, 1)));
	munmap(m, 3 * PG);
	close(fd);
}

static void upper_file(void)
{
	const char *path = "/tmp/sbx-map-private";
	char buf[3 * PG];
	char *m;
	int fd;

	memset(buf, 'a', sizeof(buf));
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
		die("tmp file");
	m = mmap(NULL, sizeof(buf), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		die("mmap tmp");
	pwrite(fd, "bbbb", 4, PG);
	printf("tmp: sees write() before its own write: %.4s\n", m + PG);
	memcpy(m + PG, "mine", 4);
	pwrite(fd, "cccc", 4, PG);
	printf("tmp: own write kept: %.4s, file: ", m + PG);
	pread(fd, buf, 4, PG);
	printf("%.4s\n", buf);
	munmap(m, sizeof(buf));
	close(fd);
	unlink(path);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sig, .sa_flags = SA_NODEFER };

	if (argc < 2) {
		fprintf(stderr, "usage: %s TREE_DIR\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	exe_mapping(argv[0]);
	past_eof(argv[1]);
	upper_file();
	return 0;
}
