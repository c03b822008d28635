/* shm_map: MAP_SHARED mappings of in-memory files (a /tmp file, a /dev/shm file, a
 * memfd) against read/write, fork, a second independent mapping, truncation (SIGBUS
 * past the end), msync's errors, madvise, mremap, sparse files, and a POSIX semaphore
 * (sem_open, a futex in a /dev/shm mapping) between two processes. Prints what it
 * sees; compared with a native run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static sigjmp_buf jb;
static volatile int sig_no, sig_code;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	sig_no = sig;
	sig_code = si->si_code;
	siglongjmp(jb, 1);
}

/* Touches *p (a read, or a write of @v): "ok", or the signal it raised. */
static const char *touch(volatile char *p, int write, char v)
{
	static char buf[64];

	sig_no = 0;
	if (sigsetjmp(jb, 1) == 0) {
		if (write)
			*p = v;
		else
			(void)*p;
		return "ok";
	}
	snprintf(buf, sizeof(buf), "%s code %s", sig_no == SIGBUS ? "SIGBUS" : "SIGSEGV",
		 sig_no == SIGBUS && sig_code == BUS_ADRERR ? "BUS_ADRERR" : "other");
	return buf;
}

static void die(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *err(long r)
{
	static char buf[32];

	if (r >= 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(errno));
	return buf;
}

/* write() vs the mapping, and two independent mappings of one file. */
static void coherence(const char *what, int fd)
{
	char buf[16] = { 0 };
	char *m, *m2;

	if (ftruncate(fd, 2 * PG) || pwrite(fd, "hello", 5, 0) != 5)
		die("setup");
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m2 = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	if (m == MAP_FAILED || m2 == MAP_FAILED)
		die("mmap");
	printf("%s: mapping sees write(): %.5s\n", what, m);
	memcpy(m, "HELLO", 5);
	pread(fd, buf, 5, 0);
	printf("%s: read() sees store: %s\n", what, buf);
	pwrite(fd, "later", 5, 100);
	printf("%s: later write seen: %.5s\n", what, m + 100);
	strcpy(m2, "second");
	printf("%s: second mapping's store seen by first: %s\n", what, m + PG);
	m[PG + 10] = 'X';
	printf("%s: and back: %c\n", what, m2[10]);
	/* A page never written, then written through the mapping: read() sees it. */
	memcpy(m + PG + 2000, "deep", 4);
	pread(fd, buf, 4, PG + 2000);
	printf("%s: hole page stored: %.4s\n", what, buf);
	munmap(m, 2 * PG);
	munmap(m2, PG);
}

static void forked(const char *what, int fd, const char *path)
{
	int sync1[2], sync2[2];
	char *m, c;
	pid_t pid;

	if (ftruncate(fd, PG))
		die("ftruncate");
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	strcpy(m, "before fork");
	if (pipe(sync1) || pipe(sync2))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		/* Inherited mapping, and one made afresh from its own descriptor. */
		int fd2 = path ? open(path, O_RDWR) : dup(fd);
		char *m2 = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);

		if (m2 == MAP_FAILED)
			_exit(2);
		read(sync1[0], &c, 1);
		printf("%s: child sees parent's store: %s / %s\n", what, m + 100, m2 + 100);
		fflush(stdout);
		strcpy(m, "child inherited");
		strcpy(m2 + 200, "child own map");
		write(sync2[1], "x", 1);
		_exit(0);
	}
	strcpy(m + 100, "parent after fork");
	write(sync1[1], "x", 1);
	read(sync2[0], &c, 1);
	waitpid(pid, NULL, 0);
	printf("%s: parent sees: %s / %s\n", what, m, m + 200);
	munmap(m, PG);
	close(sync1[0]);
	close(sync1[1]);
	close(sync2[0]);
	close(sync2[1]);
}

static void truncation(const char *what, int fd)
{
	char *m;

	if (ftruncate(fd, 0) || ftruncate(fd, 3 * PG - 100))
		die("ftruncate");
	m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	printf("%s: last partial page: %s\n", what, touch(m + 3 * PG - 50, 1, 'a'));
	printf("%s: page past the end: %s\n", what, touch(m + 3 * PG, 0, 0));
	printf("%s: write past the end: %s\n", what, touch(m + 3 * PG + 8, 1, 'b'));
	m[PG + 1] = 'y';
	if (ftruncate(fd, PG))
		die("shrink");
	printf("%s: after shrink, page 1: %s\n", what, touch(m + PG + 1, 0, 0));
	printf("%s: after shrink, page 0: %s\n", what, touch(m + 1, 1, 'z'));
	if (ftruncate(fd, 2 * PG))
		die("grow");
	printf("%s: grown again, page 1 reads %d (%s)\n", what, m[PG + 1],
	       touch(m + PG + 1, 0, 0));
	munmap(m, 4 * PG);
}

static void msync_and_madvise(int fd)
{
	char *m, buf[8] = { 0 };
	struct stat st;

	if (ftruncate(fd, 0) || ftruncate(fd, 4 * PG))
		die("ftruncate");
	m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	strcpy(m, "keep");
	printf("msync MS_SYNC: %s\n", err(msync(m, 4 * PG, MS_SYNC)));
	printf("msync MS_ASYNC|MS_INVALIDATE: %s\n", err(msync(m, PG, MS_ASYNC | MS_INVALIDATE)));
	printf("msync unaligned: %s\n", err(msync(m + 1, PG, MS_SYNC)));
	printf("msync both: %s\n", err(msync(m, PG, MS_SYNC | MS_ASYNC)));
	printf("msync bad flag: %s\n", err(msync(m, PG, 0x100)));
	printf("msync len 0: %s\n", err(msync(m, 0, MS_SYNC)));
	munmap(m + 2 * PG, PG);
	printf("msync over a gap: %s\n", err(msync(m, 4 * PG, MS_SYNC)));
	printf("madvise DONTNEED: %s, data %s\n", err(madvise(m, PG, MADV_DONTNEED)), m);
	strcpy(m + PG, "gone");
	printf("madvise REMOVE: %s\n", err(madvise(m + PG, PG, MADV_REMOVE)));
	pread(fd, buf, 4, PG);
	fstat(fd, &st);
	printf("after REMOVE: mapping %d, read %d, size %lld\n", m[PG], buf[0],
	       (long long)st.st_size);
	/* mremap: grow the first page of the mapping into a fresh place. */
	{
		char *n = mremap(m, PG, 2 * PG, MREMAP_MAYMOVE);

		if (n == MAP_FAILED)
			die("mremap");
		strcpy(n + PG, "moved");
		pread(fd, buf, 5, PG);
		printf("mremap: %s / %.5s\n", n, buf);
		/* old_len 0: a second mapping of the same pages. */
		{
			char *d = mremap(n, 0, 2 * PG, MREMAP_MAYMOVE);
			char *pm = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
					-1, 0);

			if (d == MAP_FAILED)
				die("mremap dup");
			strcpy(d + 10, "dup");
			printf("mremap dup: %s / %s\n", d, n + 10);
			printf("mremap private dup: %s\n",
			       err((long)mremap(pm, 0, PG, MREMAP_MAYMOVE)));
			printf("mremap dup without MAYMOVE: %s\n", err((long)mremap(n, 0, PG, 0)));
			munmap(d, 2 * PG);
			munmap(pm, PG);
		}
		munmap(n, 2 * PG);
	}
	munmap(m + PG, PG);
	munmap(m + 3 * PG, PG);
}

static void sparse(int fd)
{
	const off_t far = 1LL << 32;
	struct stat st;

	if (ftruncate(fd, 0) || pwrite(fd, "end", 3, far) != 3)
		die("pwrite far");
	fstat(fd, &st);
	printf("sparse: size %lld, few blocks %d\n", (long long)st.st_size,
	       st.st_blocks <= 64);
	printf("sparse: data at %lld, hole at %lld\n", (long long)lseek(fd, 0, SEEK_DATA),
	       (long long)lseek(fd, 0, SEEK_HOLE));
	printf("sparse: past data %lld (%s)\n", (long long)lseek(fd, far + 3, SEEK_DATA),
	       err(lseek(fd, far + 3, SEEK_DATA)));
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, far - PG, 2 * PG))
		die("punch");
	printf("sparse: punched, data %lld (%s)\n", (long long)lseek(fd, 0, SEEK_DATA),
	       err(lseek(fd, 0, SEEK_DATA)));
}

static void semaphore(void)
{
	sem_t *a = sem_open("/sbx-shm-a", O_CREAT | O_EXCL, 0600, 0);
	sem_t *b = sem_open("/sbx-shm-b", O_CREAT | O_EXCL, 0600, 0);
	int rounds = 200, v;
	pid_t pid;

	if (a == SEM_FAILED || b == SEM_FAILED)
		die("sem_open");
	sem_unlink("/sbx-shm-a");
	sem_unlink("/sbx-shm-b");
	pid = fork();
	if (!pid) {
		for (int i = 0; i < rounds; i++) {
			sem_wait(a);
			sem_post(b);
		}
		_exit(0);
	}
	for (int i = 0; i < rounds; i++) {
		sem_post(a);
		sem_wait(b);
	}
	waitpid(pid, &v, 0);
	sem_getvalue(a, &v);
	printf("semaphores: %d rounds across fork, value %d\n", rounds, v);
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };
	char tmp[] = "/tmp/sbx-shm-XXXXXX";
	const char *shm = "/dev/shm/sbx-shm-map";
	int tfd, sfd, mfd;

	setvbuf(stdout, NULL, _IONBF, 0);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	tfd = mkstemp(tmp);
	sfd = open(shm, O_CREAT | O_RDWR | O_TRUNC, 0600);
	mfd = memfd_create("shm_map", 0);
	if (tfd < 0 || sfd < 0 || mfd < 0)
		die("open");
	coherence("tmp", tfd);
	coherence("shm", sfd);
	coherence("memfd", mfd);
	forked("tmp", tfd, tmp);
	forked("shm", sfd, shm);
	forked("memfd", mfd, NULL);
	truncation("shm", sfd);
	truncation("memfd", mfd);
	msync_and_madvise(sfd);
	sparse(sfd);
	semaphore();
	unlink(tmp);
	unlink(shm);
	return 0;
}
