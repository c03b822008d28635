/* bad_syscalls: passes bad pointers, huge lengths, bad fds and garbage flags to the
 * syscalls of the first Sentry milestone and prints each result and errno name, so the
 * harness can compare the sandbox with Linux line by line. Raw syscall(2) throughout,
 * so glibc neither checks arguments nor uses the vDSO. The harness runs this with stdin
 * from /dev/null, stdout a regular file, cwd "/", no fds above 2, pid 1 in a fresh pid
 * namespace; every line printed is deterministic under those conditions (no addresses,
 * pids, times or host limits are printed, only how results relate to each other).
 * Nothing here writes garbage to stdout or sets O_NONBLOCK on the shared stdio.
 * Arguments select sections (io fds mm process time misc; default all), so one that
 * hangs or crashes in the sandbox does not hide the others. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/ioctl.h>

#define BAD ((void *)0x10)			/* unmapped, low */
#define KADDR ((void *)0xffff880000000000UL)	/* kernel half */
#define NONCANON ((void *)0x0000800000000000UL)	/* first non-canonical address */
#define HUGE ((size_t)1 << 62)

static long pg;

/* Prints "name -> result" with the errno name on failure. */
static void show(const char *name, long r)
{
	if (r == -1)
		printf("%-58s -> -1 %s\n", name, strerrorname_np(errno));
	else
		printf("%-58s -> %ld\n", name, r);
	fflush(stdout);
}

#define T(call) show(#call, (errno = 0, (long)(call)))
/* For calls that return an address on success: print "mapped", never the address. */
#define TA(call) show_addr(#call, (errno = 0, (long)(call)))

static void show_addr(const char *name, long r)
{
	if (r == -1)
		printf("%-58s -> -1 %s\n", name, strerrorname_np(errno));
	else
		printf("%-58s -> mapped%s\n", name, r % pg ? " (unaligned!)" : "");
	fflush(stdout);
	if (r != -1)
		syscall(SYS_munmap, r, pg);
}
#define S(...) syscall(__VA_ARGS__)

static void io(void)
{
	char buf[16];
	struct iovec iov[2] = { { buf, 8 }, { buf + 8, 8 } };
	struct iovec bad_iov[1] = { { BAD, 8 } };
	struct iovec big_iov[2] = { { buf, SSIZE_MAX }, { buf, SSIZE_MAX } };
	struct iovec neg_iov[2] = { { buf, 8 }, { buf, (size_t)-1 } };

	printf("== read/write\n");
	T(S(SYS_read, 0, buf, 16));		/* /dev/null: EOF */
	T(S(SYS_read, 0, NULL, 16));		/* /dev/null never copies */
	T(S(SYS_read, 0, buf, 0));
	T(S(SYS_read, 1, buf, 16));		/* write-only */
	T(S(SYS_read, 2, BAD, 16));
	T(S(SYS_read, -1L, buf, 16));
	T(S(SYS_read, 4096, buf, 16));
	T(S(SYS_read, 0x7fffffff, buf, 16));
	T(S(SYS_write, 0, "x", 1));		/* read-only */
	T(S(SYS_write, 1, NULL, 1));
	T(S(SYS_write, 1, BAD, 16));
	T(S(SYS_write, 1, KADDR, 16));
	T(S(SYS_write, 1, NONCANON, 16));
	T(S(SYS_write, 1, NULL, HUGE));
	T(S(SYS_write, 1, buf, 0));
	T(S(SYS_write, 1, BAD, 0));
	T(S(SYS_write, -1L, "x", 1));
	T(S(SYS_write, 1000, "x", 1));

	printf("== readv/writev\n");
	T(S(SYS_readv, 0, iov, 2));
	T(S(SYS_readv, 0, iov, 0));
	T(S(SYS_readv, 0, iov, -1L));
	T(S(SYS_readv, 0, iov, 1025));
	T(S(SYS_readv, 0, NULL, 1));
	T(S(SYS_readv, 0, BAD, 2));
	T(S(SYS_readv, 0, big_iov, 2));		/* /dev/null: 0, total is clamped */
	T(S(SYS_readv, 0, neg_iov, 2));
	T(S(SYS_readv, 1, iov, 2));
	T(S(SYS_readv, -1L, iov, 2));
	T(S(SYS_writev, 1, iov, 0));
	T(S(SYS_writev, 1, iov, -1L));
	T(S(SYS_writev, 1, iov, 1025));
	T(S(SYS_writev, 1, NULL, 1));
	T(S(SYS_writev, 1, bad_iov, 1));
	T(S(SYS_writev, 1, neg_iov, 2));
	T(S(SYS_writev, 0, iov, 2));
	T(S(SYS_writev, 99, iov, 2));

	printf("== pread64/pwrite64\n");
	T(S(SYS_pread64, 0, buf, 16, 0));
	T(S(SYS_pread64, 0, buf, 16, -1L));
	T(S(SYS_pread64, 0, BAD, 16, 100));
	T(S(SYS_pread64, 1, buf, 16, 0));
	T(S(SYS_pread64, -1L, buf, 16, 0));
	T(S(SYS_pwrite64, 1, buf, 0, -1L));
	T(S(SYS_pwrite64, 1, buf, 16, -4096L));
	T(S(SYS_pwrite64, 1, NULL, 16, 0));
	T(S(SYS_pwrite64, 1, BAD, 16, 0));
	T(S(SYS_pwrite64, 0, buf, 16, 0));
	T(S(SYS_pwrite64, 77, buf, 16, 0));

	printf("== lseek\n");
	T(S(SYS_lseek, 0, 0, SEEK_SET));
	T(S(SYS_lseek, 0, 100, SEEK_CUR));	/* /dev/null: always 0 */
	T(S(SYS_lseek, 0, -5L, SEEK_END));
	T(S(SYS_lseek, 0, 0, 99));
	T(S(SYS_lseek, 1, -1L, SEEK_SET));
	T(S(SYS_lseek, 1, 0, 99));
	T(S(SYS_lseek, 1, 0, SEEK_DATA + 10));
	T(S(SYS_lseek, -1L, 0, SEEK_SET));
	T(S(SYS_lseek, 500, 0, SEEK_CUR));
}

static void fds(void)
{
	printf("== close/dup/dup2/dup3\n");
	T(S(SYS_close, -1L));
	T(S(SYS_close, 999));
	T(S(SYS_close, 0x7fffffff));
	T(S(SYS_dup, -1L));
	T(S(SYS_dup, 123));
	T(S(SYS_dup, 0));			/* lowest free: 3 */
	T(S(SYS_close, 3));
	T(S(SYS_close, 3));
	T(S(SYS_dup2, 0, 0));
	T(S(SYS_dup2, 55, 55));
	T(S(SYS_dup2, 0, -1L));
	T(S(SYS_dup2, 55, 10));
	T(S(SYS_dup2, 0, 10));
	T(S(SYS_dup2, 1, 10));			/* replaces 10 silently */
	T(S(SYS_fcntl, 10, F_GETFL));		/* now the stdout description */
	T(S(SYS_close, 10));
	T(S(SYS_dup2, 0, 1 << 20));
	T(S(SYS_dup2, 0, 0x7fffffff));
	T(S(SYS_dup3, 0, 0, 0));
	T(S(SYS_dup3, 0, 11, 0x1234));
	T(S(SYS_dup3, 0, 11, O_NONBLOCK));
	T(S(SYS_dup3, 0, 11, -1L));
	T(S(SYS_dup3, 55, 11, 0));
	T(S(SYS_dup3, 0, -2L, 0));
	T(S(SYS_dup3, 0, 11, O_CLOEXEC));
	T(S(SYS_fcntl, 11, F_GETFD));
	T(S(SYS_close, 11));

	printf("== fcntl\n");
	T(S(SYS_fcntl, -1L, F_GETFD));
	T(S(SYS_fcntl, 88, F_GETFL));
	T(S(SYS_fcntl, 0, 9999));
	T(S(SYS_fcntl, 0, -1L));
	T(S(SYS_fcntl, 0, F_GETFD));
	T(S(SYS_fcntl, 0, F_GETFL));
	T(S(SYS_fcntl, 1, F_GETFL));
	T(S(SYS_fcntl, 0, F_DUPFD, -1L));
	T(S(SYS_fcntl, 0, F_DUPFD, 1 << 20));
	T(S(SYS_fcntl, 0, F_DUPFD, 20));
	T(S(SYS_fcntl, 0, F_DUPFD_CLOEXEC, 20));
	T(S(SYS_fcntl, 21, F_GETFD));
	T(S(SYS_fcntl, 20, F_SETFD, 0xff));	/* only FD_CLOEXEC is kept */
	T(S(SYS_fcntl, 20, F_GETFD));
	T(S(SYS_fcntl, 20, F_SETFD, 0));
	T(S(SYS_fcntl, 20, F_GETFD));
	T(S(SYS_close, 20));
	T(S(SYS_close, 21));
	T(S(SYS_fcntl, 77, F_SETFL, O_NONBLOCK));
	T(S(SYS_fcntl, 77, F_SETFD, FD_CLOEXEC));
}

static void mm(void)
{
	uintptr_t cur, r;
	char *m;

	printf("== brk\n");
	cur = (uintptr_t)S(SYS_brk, 0);
	/* glibc's static start-up has already taken the TLS block with sbrk. */
	printf("brk(0) non-zero: %s, offset in page %lu\n", cur ? "yes" : "no",
	       (unsigned long)(cur % pg));
	r = (uintptr_t)S(SYS_brk, 1);
	printf("brk(1) returns current: %s\n", r == cur ? "yes" : "no");
	r = (uintptr_t)S(SYS_brk, KADDR);
	printf("brk(kernel address) returns current: %s\n", r == cur ? "yes" : "no");
	r = (uintptr_t)S(SYS_brk, cur + HUGE);
	printf("brk(current + 2^62) returns current: %s\n", r == cur ? "yes" : "no");
	r = (uintptr_t)S(SYS_brk, cur + 3 * pg + 5);
	printf("brk(current + 3 pages + 5) returns that: %s\n",
	       r == cur + 3 * pg + 5 ? "yes" : "no");
	printf("new brk memory zero: %s\n",
	       ((volatile char *)cur)[3 * pg + 4] == 0 && ((volatile char *)cur)[2 * pg] == 0
		       ? "yes" : "no");
	((volatile char *)cur)[3 * pg + 4] = 1;
	((volatile char *)cur)[2 * pg] = 1;
	printf("new brk memory writable: yes\n");
	r = (uintptr_t)S(SYS_brk, cur);
	printf("brk(current) shrinks back: %s\n", r == cur ? "yes" : "no");
	r = (uintptr_t)S(SYS_brk, cur + 3 * pg);
	printf("regrown brk memory zero again: %s\n",
	       r == cur + 3 * pg && ((volatile char *)cur)[2 * pg] == 0 ? "yes" : "no");
	S(SYS_brk, cur);

	printf("== mmap\n");
	T(S(SYS_mmap, NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
	T(S(SYS_mmap, NULL, pg, PROT_READ, MAP_ANONYMOUS, -1L, 0));
	T(S(SYS_mmap, NULL, pg, PROT_READ, MAP_PRIVATE, -1L, 0));
	T(S(SYS_mmap, NULL, pg, PROT_READ, MAP_PRIVATE, 99, 0));
	T(S(SYS_mmap, NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 1));
	TA(S(SYS_mmap, NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, -4096L));
	T(S(SYS_mmap, (void *)0x10001, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1L, 0));
	T(S(SYS_mmap, NONCANON, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1L, 0));
	T(S(SYS_mmap, KADDR, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1L, 0));
	T(S(SYS_mmap, NULL, HUGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
	T(S(SYS_mmap, NULL, -(long)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
	T(S(SYS_mmap, NULL, -1L, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));
	T(S(SYS_mmap, NULL, pg, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000, -1L, 0));
	TA(S(SYS_mmap, NULL, pg, PROT_READ, MAP_ANONYMOUS | MAP_SHARED_VALIDATE, -1L, 0));
	TA(S(SYS_mmap, NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | 0x800000, -1L, 0));
	TA(S(SYS_mmap, NULL, pg, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | 0x800000, -1L, 0));
	TA(S(SYS_mmap, (void *)0x10001, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0));

	/* Six pages with the last two unmapped again: a hole at m + 4 pages that nothing
	 * else can take, whatever the layout around it. */
	m = (char *)S(SYS_mmap, NULL, 6 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return;
	}
	S(SYS_munmap, m + 4 * pg, 2 * pg);
	m[0] = 1;

	printf("== mprotect\n");
	T(S(SYS_mprotect, m + 1, pg, PROT_READ));
	T(S(SYS_mprotect, m, 0, PROT_READ));
	T(S(SYS_mprotect, m, pg, 0x1000));
	T(S(SYS_mprotect, m, pg, -1L));
	T(S(SYS_mprotect, m, pg, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
	T(S(SYS_mprotect, m, HUGE, PROT_READ));
	T(S(SYS_mprotect, m, -(long)pg, PROT_READ));
	T(S(SYS_mprotect, m, 5 * pg, PROT_READ));	/* runs into the hole */
	T(S(SYS_mprotect, BAD - 0x10, pg, PROT_READ));
	T(S(SYS_mprotect, KADDR, pg, PROT_READ));
	T(S(SYS_mprotect, m, pg + 1, PROT_READ));	/* length rounds up */
	T(S(SYS_mprotect, m, 2 * pg, PROT_READ | PROT_WRITE));

	printf("== madvise\n");
	T(S(SYS_madvise, m, pg, 9999));
	T(S(SYS_madvise, m, pg, -1L));
	T(S(SYS_madvise, m + 1, pg, MADV_NORMAL));
	T(S(SYS_madvise, m, 0, MADV_NORMAL));
	T(S(SYS_madvise, m, 0, 9999));
	T(S(SYS_madvise, m, pg, MADV_NORMAL));
	T(S(SYS_madvise, m, HUGE, MADV_NORMAL));
	T(S(SYS_madvise, m, -(long)pg, MADV_DONTNEED));
	T(S(SYS_madvise, BAD - 0x10, pg, MADV_DONTNEED));
	T(S(SYS_madvise, m, 5 * pg, MADV_WILLNEED));
	m[pg] = 7;
	T(S(SYS_madvise, m, 2 * pg, MADV_DONTNEED));
	printf("MADV_DONTNEED zeroes anonymous private memory: %s\n", m[pg] == 0 ? "yes" : "no");

	printf("== mremap\n");
	T(S(SYS_mremap, m + 1, pg, pg, 0));
	T(S(SYS_mremap, m, pg, 0, 0));
	T(S(SYS_mremap, m, pg, pg, 0x80));
	T(S(SYS_mremap, m, pg, pg, -1L));
	T(S(SYS_mremap, m, pg, 2 * pg, MREMAP_FIXED, m + 8 * pg));
	T(S(SYS_mremap, m, pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, m + 8 * pg + 1));
	T(S(SYS_mremap, m, pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, m));
	T(S(SYS_mremap, m, pg, 2 * pg, 0));		/* can't grow in place: m+pg is mapped */
	T(S(SYS_mremap, m, pg, HUGE, MREMAP_MAYMOVE));
	T(S(SYS_mremap, BAD - 0x10, pg, pg, 0));
	T(S(SYS_mremap, m + 4 * pg, pg, 2 * pg, MREMAP_MAYMOVE));
	T(S(SYS_mremap, m, 5 * pg, 6 * pg, MREMAP_MAYMOVE));	/* old range crosses the hole */
	r = (uintptr_t)S(SYS_mremap, m, 4 * pg, 3 * pg, 0);
	printf("mremap shrink 4->3 pages in place: %s\n", r == (uintptr_t)m ? "same address" : "other");
	r = (uintptr_t)S(SYS_mremap, m, 3 * pg, 4 * pg, 0);
	/* m..m+3 pages now spans two VMAs (the mprotects above split it): EFAULT. */
	printf("mremap grow 3->4 pages in place: %s\n",
	       r == (uintptr_t)m ? "same address" : strerrorname_np(errno));

	printf("== munmap\n");
	T(S(SYS_munmap, m + 1, pg));
	T(S(SYS_munmap, m, 0));
	T(S(SYS_munmap, m, HUGE));
	T(S(SYS_munmap, m, -(long)pg));
	T(S(SYS_munmap, KADDR, pg));
	T(S(SYS_munmap, NONCANON - pg, 2 * pg));
	T(S(SYS_munmap, m + pg, pg + 1));		/* rounds up: unmaps 2 pages */
	T(S(SYS_munmap, m + pg, pg));			/* already unmapped: fine */
	T(S(SYS_madvise, m + pg, pg, MADV_NORMAL));	/* ENOMEM: hole */
	T(S(SYS_mprotect, m, 4 * pg, PROT_READ));	/* ENOMEM: hole */
	T(S(SYS_munmap, m, 4 * pg));
}

static void process(void)
{
	unsigned long v = 1;
	struct rlimit rl, rl2;

	printf("== arch_prctl\n");
	T(S(SYS_arch_prctl, ARCH_GET_GS, &v));
	printf("GS base initially: %lu\n", v);
	T(S(SYS_arch_prctl, 0x9999, 0));
	T(S(SYS_arch_prctl, 0, 0));
	T(S(SYS_arch_prctl, ARCH_GET_FS, NULL));
	T(S(SYS_arch_prctl, ARCH_GET_FS, BAD));
	T(S(SYS_arch_prctl, ARCH_GET_GS, KADDR));
	T(S(SYS_arch_prctl, ARCH_SET_FS, KADDR));
	T(S(SYS_arch_prctl, ARCH_SET_GS, NONCANON));
	T(S(SYS_arch_prctl, ARCH_SET_GS, -1L));
	T(S(SYS_arch_prctl, ARCH_GET_FS, &v));
	printf("FS base is the thread pointer: %s\n",
	       v == (unsigned long)__builtin_thread_pointer() ? "yes" : "no");

	printf("== set_tid_address\n");
	T(S(SYS_set_tid_address, NULL));		/* returns the tid: 1 */
	T(S(SYS_set_tid_address, KADDR));
	T(S(SYS_set_tid_address, BAD));			/* never written: single thread */

	printf("== prlimit64/getrlimit/setrlimit\n");
	T(S(SYS_prlimit64, 0, 999, NULL, &rl));
	T(S(SYS_prlimit64, 0, -1L, NULL, &rl));
	T(S(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, NULL));
	T(S(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD));
	T(S(SYS_prlimit64, 0, RLIMIT_NOFILE, BAD, NULL));
	T(S(SYS_prlimit64, 99999, RLIMIT_NOFILE, NULL, &rl));
	T(S(SYS_prlimit64, -1L, RLIMIT_NOFILE, NULL, &rl));
	T(S(SYS_prlimit64, 1, RLIMIT_NOFILE, NULL, &rl));
	T(S(SYS_getrlimit, 999, &rl));
	T(S(SYS_getrlimit, RLIMIT_NOFILE, NULL));
	T(S(SYS_getrlimit, RLIMIT_NOFILE, KADDR));
	T(S(SYS_getrlimit, RLIMIT_NOFILE, &rl));
	printf("NOFILE cur <= max: %s\n", rl.rlim_cur <= rl.rlim_max ? "yes" : "no");
	T(S(SYS_setrlimit, 999, &rl));
	T(S(SYS_setrlimit, RLIMIT_NOFILE, NULL));
	rl2.rlim_cur = 100;
	rl2.rlim_max = 50;
	T(S(SYS_setrlimit, RLIMIT_NOFILE, &rl2));
	rl2.rlim_cur = 64;
	rl2.rlim_max = rl.rlim_max;
	T(S(SYS_setrlimit, RLIMIT_NOFILE, &rl2));
	T(S(SYS_getrlimit, RLIMIT_NOFILE, &rl2));
	printf("NOFILE cur now: %lu\n", (unsigned long)rl2.rlim_cur);
	T(S(SYS_dup2, 0, 64));				/* EBADF: beyond the limit */
	T(S(SYS_dup2, 0, 63));
	T(S(SYS_close, 63));
	T(S(SYS_fcntl, 0, F_DUPFD, 64));		/* EINVAL */
	rl2.rlim_cur = 64;
	rl2.rlim_max = (rlim_t)1 << 40;			/* above fs.nr_open */
	T(S(SYS_setrlimit, RLIMIT_NOFILE, &rl2));
	T(S(SYS_setrlimit, RLIMIT_NOFILE, &rl));	/* restore */
	T(S(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &rl));
	rl2.rlim_cur = 0;
	rl2.rlim_max = rl.rlim_max;
	T(S(SYS_prlimit64, 0, RLIMIT_CORE, &rl2, &rl));
	T(S(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &rl2));
	printf("CORE cur now: %lu\n", (unsigned long)rl2.rlim_cur);

	printf("== uname\n");
	T(S(SYS_uname, NULL));
	T(S(SYS_uname, KADDR));

	printf("== sysinfo\n");
	T(S(SYS_sysinfo, NULL));
	T(S(SYS_sysinfo, BAD));

	printf("== getcwd\n");
	char cwd[64];
	T(S(SYS_getcwd, cwd, 0));
	T(S(SYS_getcwd, cwd, 1));
	T(S(SYS_getcwd, NULL, 64));
	T(S(SYS_getcwd, BAD, 64));
	T(S(SYS_getcwd, cwd, 2));			/* "/" fits: returns 2 */
	T(S(SYS_getcwd, cwd, HUGE));
	printf("cwd: %s\n", cwd);
}

static void time_(void)
{
	struct timespec ts, bad_ts;
	struct timeval tv;

	printf("== clock_gettime/clock_getres\n");
	T(S(SYS_clock_gettime, 99, &ts));
	T(S(SYS_clock_gettime, -1L, &ts));
	T(S(SYS_clock_gettime, 1 << 20, &ts));
	T(S(SYS_clock_gettime, CLOCK_MONOTONIC, NULL));
	T(S(SYS_clock_gettime, CLOCK_REALTIME, BAD));
	T(S(SYS_clock_gettime, CLOCK_MONOTONIC, KADDR));
	T(S(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));
	T(S(SYS_clock_gettime, CLOCK_BOOTTIME, &ts));
	T(S(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &ts));
	T(S(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &ts));
	T(S(SYS_clock_getres, 99, &ts));
	T(S(SYS_clock_getres, -1L, &ts));
	T(S(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
	T(S(SYS_clock_getres, CLOCK_MONOTONIC, BAD));
	T(S(SYS_clock_getres, CLOCK_MONOTONIC, &ts));
	printf("MONOTONIC resolution: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
	T(S(SYS_clock_getres, CLOCK_REALTIME, &ts));
	printf("REALTIME resolution: %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);

	printf("== gettimeofday\n");
	T(S(SYS_gettimeofday, NULL, NULL));
	T(S(SYS_gettimeofday, BAD, NULL));
	T(S(SYS_gettimeofday, &tv, BAD));
	T(S(SYS_gettimeofday, &tv, NULL));
	printf("tv_usec < 1000000: %s\n", tv.tv_usec < 1000000 ? "yes" : "no");

	printf("== nanosleep/clock_nanosleep\n");
	bad_ts.tv_sec = 0;
	bad_ts.tv_nsec = 1000000000;
	T(S(SYS_nanosleep, &bad_ts, NULL));
	bad_ts.tv_nsec = -1;
	T(S(SYS_nanosleep, &bad_ts, NULL));
	bad_ts.tv_sec = -1;
	bad_ts.tv_nsec = 0;
	T(S(SYS_nanosleep, &bad_ts, NULL));
	T(S(SYS_nanosleep, NULL, NULL));
	T(S(SYS_nanosleep, KADDR, NULL));
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	T(S(SYS_nanosleep, &ts, NULL));
	ts.tv_nsec = 1000;
	T(S(SYS_nanosleep, &ts, BAD));		/* rem is only written on interruption */
	T(S(SYS_clock_nanosleep, 99, 0, &ts, NULL));
	T(S(SYS_clock_nanosleep, -1L, 0, &ts, NULL));
	T(S(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &ts, NULL));
	ts.tv_nsec = 0;
	T(S(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, &ts, NULL));	/* zero: now */
	ts.tv_nsec = 1;
	T(S(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &ts, NULL)); /* past */
	ts.tv_nsec = 1000;
	T(S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, NULL, NULL));
	T(S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD, NULL));
	bad_ts.tv_sec = 0;
	bad_ts.tv_nsec = 1000000000;
	T(S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad_ts, NULL));
	T(S(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &bad_ts, NULL));
	T(S(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0xfe, &ts, NULL));	/* unknown flags ignored */
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	T(S(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL));	/* past: now */
	T(S(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, BAD));
}

static void misc(void)
{
	char buf[64];
	unsigned long mask[16];
	struct pollfd p[3];
	struct timespec ts;
	sigset_t set;
	uint64_t m64;
	stack_t ss, old;
	struct termios t;
	int winsz[2];

	printf("== getrandom\n");
	T(S(SYS_getrandom, buf, 16, 0xffff));
	T(S(SYS_getrandom, buf, 16, -1L));
	T(S(SYS_getrandom, buf, 16, GRND_RANDOM | 0x4 /* GRND_INSECURE */));
	T(S(SYS_getrandom, NULL, 16, 0));
	T(S(SYS_getrandom, KADDR, 16, GRND_NONBLOCK));
	T(S(SYS_getrandom, NULL, HUGE, 0));
	T(S(SYS_getrandom, buf, 0, 0));
	T(S(SYS_getrandom, NULL, 0, 0));
	T(S(SYS_getrandom, buf, 16, 0));
	T(S(SYS_getrandom, buf, 16, GRND_NONBLOCK));
	T(S(SYS_getrandom, buf, 64, GRND_RANDOM | GRND_NONBLOCK) > 0);

	printf("== rt_sigaction\n");
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} act = { SIG_IGN, 0, NULL, 0 }, oact;
	T(S(SYS_rt_sigaction, SIGUSR1, &act, NULL, 4));
	T(S(SYS_rt_sigaction, SIGUSR1, &act, NULL, 16));
	T(S(SYS_rt_sigaction, SIGUSR1, &act, NULL, 0));
	T(S(SYS_rt_sigaction, 0, &act, NULL, 8));
	T(S(SYS_rt_sigaction, 65, &act, NULL, 8));
	T(S(SYS_rt_sigaction, -1L, &act, NULL, 8));
	T(S(SYS_rt_sigaction, SIGKILL, &act, NULL, 8));
	T(S(SYS_rt_sigaction, SIGSTOP, &act, NULL, 8));
	T(S(SYS_rt_sigaction, SIGKILL, NULL, &oact, 8));
	printf("SIGKILL handler is SIG_DFL: %s\n", oact.handler == SIG_DFL ? "yes" : "no");
	T(S(SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8));
	T(S(SYS_rt_sigaction, SIGUSR1, NULL, BAD, 8));
	T(S(SYS_rt_sigaction, SIGUSR1, NULL, KADDR, 8));
	T(S(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 8));
	act.flags = SA_RESTART | SA_NODEFER;
	act.mask = ~0ULL;
	T(S(SYS_rt_sigaction, SIGUSR2, &act, NULL, 8));
	T(S(SYS_rt_sigaction, SIGUSR2, NULL, &oact, 8));
	printf("SIGUSR2 readback: handler SIG_IGN %s, flags %#lx, mask %#llx\n",
	       oact.handler == SIG_IGN ? "yes" : "no", oact.flags,
	       (unsigned long long)oact.mask);	/* SIGKILL and SIGSTOP dropped */
	/* Back to SIG_DFL, so the kill tests below see pid 1's default dispositions. */
	act.handler = SIG_DFL;
	act.flags = 0;
	act.mask = 0;
	T(S(SYS_rt_sigaction, SIGUSR1, &act, NULL, 8));
	T(S(SYS_rt_sigaction, SIGUSR2, &act, NULL, 8));

	printf("== rt_sigprocmask\n");
	m64 = (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1));
	T(S(SYS_rt_sigprocmask, 99, &m64, NULL, 8));
	T(S(SYS_rt_sigprocmask, -1L, &m64, NULL, 8));
	T(S(SYS_rt_sigprocmask, SIG_BLOCK, &m64, NULL, 4));
	T(S(SYS_rt_sigprocmask, SIG_BLOCK, &m64, NULL, 16));
	T(S(SYS_rt_sigprocmask, SIG_BLOCK, BAD, NULL, 8));
	T(S(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD, 8));
	T(S(SYS_rt_sigprocmask, 99, NULL, &m64, 8));	/* how ignored without a set */
	m64 = (1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1));
	T(S(SYS_rt_sigprocmask, SIG_BLOCK, &m64, NULL, 8));
	T(S(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m64, 8));
	printf("mask after blocking USR1|KILL|STOP: %#llx\n", (unsigned long long)m64);
	m64 = ~0ULL;
	T(S(SYS_rt_sigprocmask, SIG_SETMASK, &m64, NULL, 8));
	T(S(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &m64, 8));
	printf("mask after setting all: %#llx\n", (unsigned long long)m64);
	m64 = 0;
	T(S(SYS_rt_sigprocmask, SIG_SETMASK, &m64, NULL, 8));

	printf("== sigaltstack\n");
	static char stk[65536];
	T(S(SYS_sigaltstack, NULL, &old));
	printf("initial flags: %d\n", old.ss_flags);
	ss.ss_sp = stk;
	ss.ss_size = 1024;
	ss.ss_flags = 0;
	T(S(SYS_sigaltstack, &ss, NULL));		/* too small */
	ss.ss_size = sizeof(stk);
	ss.ss_flags = 0xff;
	T(S(SYS_sigaltstack, &ss, NULL));
	ss.ss_flags = SS_ONSTACK;			/* accepted as 0 */
	T(S(SYS_sigaltstack, &ss, NULL));
	ss.ss_flags = SS_AUTODISARM;
	T(S(SYS_sigaltstack, &ss, NULL));
	T(S(SYS_sigaltstack, BAD, NULL));
	T(S(SYS_sigaltstack, NULL, BAD));
	T(S(SYS_sigaltstack, NULL, &old));
	printf("readback: flags %d, size %zu, sp is stk %s\n", old.ss_flags, old.ss_size,
	       old.ss_sp == stk ? "yes" : "no");
	ss.ss_flags = SS_DISABLE;
	ss.ss_size = 0;
	T(S(SYS_sigaltstack, &ss, NULL));		/* size ignored when disabling */
	T(S(SYS_sigaltstack, NULL, &old));
	printf("after disable: flags %d\n", old.ss_flags);

	printf("== sched_getaffinity\n");
	T(S(SYS_sched_getaffinity, 0, 0, mask));
	T(S(SYS_sched_getaffinity, 0, 1, mask));
	T(S(SYS_sched_getaffinity, 0, 7, mask));
	T(S(SYS_sched_getaffinity, 0, 12, mask));
	T(S(SYS_sched_getaffinity, 0, 8, NULL));
	T(S(SYS_sched_getaffinity, 0, 8, KADDR));
	T(S(SYS_sched_getaffinity, 99999, 8, mask));
	T(S(SYS_sched_getaffinity, -1L, 8, mask));
	T(S(SYS_sched_getaffinity, 1, 8, mask));
	memset(mask, 0, sizeof(mask));
	T(S(SYS_sched_getaffinity, 0, 8, mask));
	printf("mask non-zero: %s\n", mask[0] ? "yes" : "no");

	printf("== poll/ppoll\n");
	T(S(SYS_poll, NULL, 0, 0));
	T(S(SYS_poll, NULL, 1, 0));
	T(S(SYS_poll, BAD, 2, 0));
	T(S(SYS_poll, p, 1UL << 30, 0));
	T(S(SYS_poll, p, -1L, 0));
	T(S(SYS_poll, KADDR, 1, 0));
	p[0].fd = 0;
	p[0].events = POLLIN;
	p[1].fd = -1;
	p[1].events = POLLIN;
	p[1].revents = 0x55;
	p[2].fd = 99;
	p[2].events = POLLIN;
	T(S(SYS_poll, p, 3, 0));
	printf("revents: stdin %#x, fd -1 %#x, fd 99 %#x\n", p[0].revents, p[1].revents,
	       p[2].revents);
	p[0].events = 0;
	T(S(SYS_poll, p, 1, 0));
	ts.tv_sec = 0;
	ts.tv_nsec = -1;
	T(S(SYS_ppoll, p, 1, &ts, NULL, 8));
	ts.tv_nsec = 1000000000;
	T(S(SYS_ppoll, p, 1, &ts, NULL, 8));
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	T(S(SYS_ppoll, p, 1, &ts, NULL, 8));
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	T(S(SYS_ppoll, p, 1, BAD, NULL, 8));
	T(S(SYS_ppoll, p, 1, &ts, BAD, 8));
	T(S(SYS_ppoll, p, 1, &ts, &set, 4));
	T(S(SYS_ppoll, p, 1, &ts, &set, 16));
	T(S(SYS_ppoll, NULL, 1, &ts, NULL, 8));
	T(S(SYS_ppoll, p, 1UL << 30, &ts, NULL, 8));
	T(S(SYS_ppoll, NULL, 0, &ts, NULL, 8));
	p[0].events = POLLIN | POLLOUT;
	T(S(SYS_ppoll, p, 1, &ts, NULL, 8));
	printf("stdin revents: %#x\n", p[0].revents);

	printf("== kill/tgkill\n");
	T(S(SYS_kill, 1, 99));
	T(S(SYS_kill, 1, -1L));
	T(S(SYS_kill, 1, 65));
	T(S(SYS_kill, 1, 0));
	T(S(SYS_kill, 0, 0));
	T(S(SYS_kill, 99999, 0));
	T(S(SYS_kill, -1L, 0));			/* nobody else in the namespace */
	T(S(SYS_kill, -99999L, 0));
	T(S(SYS_kill, 1, SIGUSR1));		/* pid 1: unhandled and sent from inside: ignored */
	T(S(SYS_kill, 1, SIGTERM));
	T(S(SYS_kill, 1, SIGWINCH));		/* default ignore anyway */
	T(S(SYS_tgkill, 0, 1, 0));
	T(S(SYS_tgkill, 1, 0, 0));
	T(S(SYS_tgkill, -1L, 1, 0));
	T(S(SYS_tgkill, 1, -1L, 0));
	T(S(SYS_tgkill, 1, 1, 99));
	T(S(SYS_tgkill, 1, 1, -3L));
	T(S(SYS_tgkill, 1, 2, 0));
	T(S(SYS_tgkill, 2, 1, 0));
	T(S(SYS_tgkill, 1, 1, 0));
	T(S(SYS_tgkill, 1, 1, SIGUSR2));	/* ignored */
	printf("still alive after signals to self: yes\n");

	printf("== ioctl\n");
	T(S(SYS_ioctl, 0, TCGETS, &t));
	T(S(SYS_ioctl, 1, TCGETS, &t));
	T(S(SYS_ioctl, 2, TCGETS, &t));
	T(S(SYS_ioctl, 0, 0xdeadbeef, 0));
	T(S(SYS_ioctl, 1, 0xdeadbeef, BAD));
	T(S(SYS_ioctl, 0, TIOCGWINSZ, winsz));
	T(S(SYS_ioctl, 1, TIOCGWINSZ, BAD));
	T(S(SYS_ioctl, 0, TIOCGPGRP, BAD));
	T(S(SYS_ioctl, 0, FIONBIO, BAD));
	T(S(SYS_ioctl, 0, FIOASYNC, NULL));
	T(S(SYS_ioctl, -1L, TCGETS, &t));
	T(S(SYS_ioctl, 42, FIOCLEX, 0));
	T(S(SYS_ioctl, 0, FIOCLEX, 0));
	T(S(SYS_fcntl, 0, F_GETFD));
	T(S(SYS_ioctl, 0, FIONCLEX, 0));
	T(S(SYS_fcntl, 0, F_GETFD));
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} sections[] = { { "io", io }, { "fds", fds }, { "mm", mm }, { "process", process },
			 { "time", time_ }, { "misc", misc } };
	int ran = 0;

	pg = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		int want = argc < 2;
		for (int j = 1; j < argc; j++)
			want |= !strcmp(argv[j], sections[i].name);
		if (want) {
			sections[i].fn();
			ran++;
		}
	}
	printf("== done, %d sections\n", ran);
	return ran ? 0 : 2;
}
