/*
 * fuzz: raw `syscall` instructions with every number 0..450 and garbage arguments from
 * a fixed-seed PRNG (splitmix64; seed = first argument, default 1; calls per number =
 * second argument, default 8). Each argument is drawn from: 0, 1, 2, 3, small ints
 * 4..16, -1, 0xffffffff, 0x7fffffff, 0x80000000, 4096, 65536, huge (2^40,
 * 0xfffffffffffff000), non-canonical (2^47, 2^63, 0xdead000000000000), the kernel half
 * (0xffff800000000000), the stub page (0x7fffff100000), pointers into (and just past)
 * a 64 KiB scratch buffer at a fixed address, and raw 16- and 64-bit PRNG words. Before
 * each call the scratch buffer is mapped afresh (MAP_FIXED) and filled from the PRNG:
 * path strings at its start ("/etc/shadow", "../../../../etc/passwd",
 * "/proc/self/mem", ""), then words drawn like the arguments, so structures passed by
 * pointer hold pointers and lengths too. One line per call: number, name, arguments,
 * result (values >= 65536 print as "big": times and addresses vary). After each call
 * the program checks it is still pid 1. It ends with a fresh mmap it touches and the
 * line "survived"; exit status 0 unless a check failed.
 *
 * Skipped, because they would legitimately end or block this program (each skip is
 * printed):
 *   always: exit, exit_group, rt_sigreturn (a garbage frame), pause, rt_sigsuspend,
 *     nanosleep, clock_nanosleep, select, pselect6, poll, ppoll, epoll_wait,
 *     epoll_pwait, epoll_pwait2, futex, futex_waitv, wait4, waitid, rt_sigtimedwait,
 *     vfork, fork, clone, clone3, execve, execveat; also the other calls that wait
 *     with garbage timeouts: msgrcv, msgsnd, semop, semtimedop, mq_timedsend,
 *     mq_timedreceive, io_getevents, io_pgetevents, io_uring_enter; seccomp (a strict
 *     or garbage filter kills the program at its next syscall) and setrlimit
 *     (RLIMIT_CPU / RLIMIT_FSIZE end it).
 *   by argument: reads from fd 0 (read, readv, pread64, preadv, preadv2); reads,
 *     receives and accepts on another fd that a zero-timeout poll does not report
 *     readable, and writes, sends, splices and connects on an fd it does not report
 *     writable (they would block: the fuzzer may have made a pipe or socket);
 *     rt_sigaction with a new action (a garbage handler ends the program at the next
 *     signal); arch_prctl(ARCH_SET_FS) (moves glibc's TLS); prctl(PR_SET_SECCOMP);
 *     prlimit64 with a new limit; brk below the current break (frees glibc's TLS);
 *     mmap(MAP_FIXED), munmap, mprotect, pkey_mprotect, madvise, mremap and
 *     remap_file_pages whose range meets this program's image, heap or stack (the
 *     scratch buffer is fair game); shmat with SHM_REMAP; close, close_range, dup2 and
 *     dup3 that would close or replace fd 777, where the report lines go (a dup of
 *     stdout: the fuzzer may scribble on fds 1 and 2).
 * Signals the fuzzer sends itself are harmless: it is init and handles none, and the
 * Sentry's init ignores them, SIGKILL and SIGSTOP included. Run it with stdin from
 * /dev/null and stdout a pipe (fuzzed writes to fd 1 land there too; "survived" comes
 * after a newline of its own). It refuses to run outside sbx (see hostile.h).
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>

#include "hostile.h"
#include "syscall_names.h"

#define NR_MAX		450
#define SCRATCH		0x200000000UL
#define SCRATCH_LEN	(64 * 1024UL)
#define REPORT_FD	777

extern char __executable_start[];

static uint64_t rng;
static unsigned long stack_mid;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t garbage(void)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 3, ~0ULL, 0xffffffffULL, 0x7fffffffULL, 0x80000000ULL, 4096, 65536,
		1ULL << 40, 0xfffffffffffff000ULL, 1ULL << 47, 1ULL << 63,
		0xdead000000000000ULL, 0xffff800000000000ULL, HS_STUB_ADDR,
		SCRATCH, SCRATCH + 64, SCRATCH + 128, SCRATCH + 192, SCRATCH + 256,
		SCRATCH + 4096, SCRATCH + SCRATCH_LEN - 8, SCRATCH + SCRATCH_LEN,
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	uint64_t k = next() % (nfixed + 3);

	if (k < nfixed)
		return fixed[k];
	if (k == nfixed)
		return 4 + next() % 13;
	if (k == nfixed + 1)
		return next() & 0xffff;
	return next();
}

/* Maps the scratch buffer afresh and fills it. False if that failed. */
static bool refill_scratch(void)
{
	static const char *const strs[] = {
		"/etc/shadow", "../../../../etc/passwd", "/proc/self/mem", "",
	};
	uint64_t *w;
	long r;

	r = hs_sys(SYS_mmap, SCRATCH, SCRATCH_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r != (long)SCRATCH)
		return false;
	w = (uint64_t *)(SCRATCH + 256);
	for (size_t i = 0; i < (SCRATCH_LEN - 256) / 8; i++)
		w[i] = garbage();
	for (size_t i = 0; i < 4; i++)
		strcpy((char *)SCRATCH + 64 * i, strs[i]);
	return true;
}

/* Does [addr, addr + len) meet this program's image and heap, or its stack? */
static bool hits_self(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + (len ? len : 1), lo, hi;

	if (end < addr)
		end = ~0ULL;
	lo = (uint64_t)__executable_start;
	hi = (uint64_t)hs_sys1(SYS_brk, 0) + 4096;
	if (addr < hi && end > lo)
		return true;
	lo = stack_mid - (16UL << 20);
	hi = stack_mid + (16UL << 20);
	return addr < hi && end > lo;
}

/* A zero-timeout poll: would I/O on @fd in direction @ev not block? Bad fds (negative,
 * or POLLNVAL) are let through to fail with EBADF. */
static bool ready(uint64_t fd, short ev)
{
	struct pollfd p = { .fd = (int)fd, .events = ev };
	long r;

	if (p.fd < 0)
		return true;
	r = hs_sys3(SYS_poll, &p, 1, 0);
	if (r < 0)
		return false;
	if (r == 0)
		return false;
	return (p.revents & (ev | POLLNVAL | POLLERR | POLLHUP)) != 0;
}

static const char *skip_always(long nr)
{
	switch (nr) {
	case SYS_exit: case SYS_exit_group:
		return "ends the program";
	case SYS_rt_sigreturn:
		return "a garbage signal frame ends the program";
	case SYS_pause: case SYS_rt_sigsuspend: case SYS_nanosleep: case SYS_clock_nanosleep:
	case SYS_select: case SYS_pselect6: case SYS_poll: case SYS_ppoll:
	case SYS_epoll_wait: case SYS_epoll_pwait: case SYS_epoll_pwait2:
	case SYS_futex: case SYS_futex_waitv: case SYS_wait4: case SYS_waitid:
	case SYS_rt_sigtimedwait: case SYS_msgrcv: case SYS_msgsnd: case SYS_semop:
	case SYS_semtimedop: case SYS_mq_timedsend: case SYS_mq_timedreceive:
	case SYS_io_getevents: case SYS_io_pgetevents: case SYS_io_uring_enter:
		return "blocks";
	case SYS_vfork: case SYS_fork: case SYS_clone: case SYS_clone3:
		return "creates a process or thread";
	case SYS_execve: case SYS_execveat:
		return "replaces the program";
	case SYS_seccomp:
		return "a seccomp filter ends the program at its next syscall";
	case SYS_setrlimit:
		return "RLIMIT_CPU/RLIMIT_FSIZE end the program";
	}
	return NULL;
}

static const char *skip_for_args(long nr, const uint64_t *a)
{
	switch (nr) {
	case SYS_read: case SYS_readv: case SYS_pread64: case SYS_preadv: case SYS_preadv2:
		if ((unsigned)a[0] == 0)
			return "reads fd 0";
		/* fall through */
	case SYS_recvfrom: case SYS_recvmsg: case SYS_recvmmsg: case SYS_accept:
	case SYS_accept4:
		return ready(a[0], POLLIN) ? NULL : "fd not readable: would block";
	case SYS_write: case SYS_writev: case SYS_pwrite64: case SYS_pwritev:
	case SYS_pwritev2: case SYS_sendto: case SYS_sendmsg: case SYS_sendmmsg:
	case SYS_connect:
		return ready(a[0], POLLOUT) ? NULL : "fd not writable: would block";
	case SYS_sendfile:	/* out, in */
		return ready(a[0], POLLOUT) && ready(a[1], POLLIN) ? NULL : "would block";
	case SYS_splice: case SYS_copy_file_range:	/* in, _, out */
		return ready(a[0], POLLIN) && ready(a[2], POLLOUT) ? NULL : "would block";
	case SYS_tee:		/* in, out */
		return ready(a[0], POLLIN) && ready(a[1], POLLOUT) ? NULL : "would block";
	case SYS_vmsplice:
		return ready(a[0], POLLOUT) && ready(a[0], POLLIN) ? NULL : "would block";
	case SYS_rt_sigaction:
		return a[1] ? "a garbage handler ends the program" : NULL;
	case SYS_arch_prctl:
		return a[0] == ARCH_SET_FS ? "moves the TLS" : NULL;
	case SYS_prctl:
		return a[0] == PR_SET_SECCOMP ? "a seccomp mode ends the program" : NULL;
	case SYS_prlimit64:
		return a[2] ? "a new limit may end the program" : NULL;
	case SYS_brk:
		return a[0] && a[0] < (uint64_t)hs_sys1(SYS_brk, 0) ? "shrinks the heap" : NULL;
	case SYS_mmap:
		if (!(a[3] & MAP_FIXED))
			return NULL;
		/* fall through */
	case SYS_munmap: case SYS_mprotect: case SYS_pkey_mprotect: case SYS_madvise:
	case SYS_remap_file_pages:
		return hits_self(a[0], a[1]) ? "range meets the program itself" : NULL;
	case SYS_mremap:
		if (hits_self(a[0], a[1]))
			return "range meets the program itself";
		if ((a[3] & MREMAP_FIXED) && hits_self(a[4], a[2]))
			return "new range meets the program itself";
		return NULL;
	case SYS_shmat:
		return a[2] & SHM_REMAP ? "SHM_REMAP may replace the program" : NULL;
	case SYS_close:
		return (int)a[0] == REPORT_FD ? "closes the report fd" : NULL;
	case SYS_close_range:
		return (unsigned)a[0] <= REPORT_FD && (unsigned)a[1] >= REPORT_FD
			? "closes the report fd" : NULL;
	case SYS_dup2: case SYS_dup3:
		return (int)a[1] == REPORT_FD ? "replaces the report fd" : NULL;
	}
	return NULL;
}

static void fmt_result(long r, char *buf, size_t len)
{
	if (hs_failed(r)) {
		const char *n = hs_errname(-r);

		if (n)
			snprintf(buf, len, "-%s", n);
		else
			snprintf(buf, len, "-E%ld", -r);
	} else if (r >= 0 && r < 65536) {
		snprintf(buf, len, "%ld", r);
	} else {
		snprintf(buf, len, "big");
	}
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	long iters = argc > 2 ? strtol(argv[2], NULL, 0) : 8;
	unsigned long calls = 0, skipped = 0;
	char res[32];
	long r;
	volatile int here;

	hs_require_sandbox("fuzz");
	stack_mid = (unsigned long)&here;
	r = hs_sys2(SYS_dup2, 1, REPORT_FD);
	if (r != REPORT_FD) {
		hs_printf("cannot dup stdout to fd %d: %ld\n", REPORT_FD, r);
		return 1;
	}
	hs_out_fd = REPORT_FD;
	rng = seed;
	hs_printf("fuzz: seed %llu, %ld calls per syscall number 0..%d\n",
		  (unsigned long long)seed, iters, NR_MAX);
	for (long nr = 0; nr <= NR_MAX; nr++) {
		const char *name = hs_syscall_names[nr] ? hs_syscall_names[nr] : "unassigned";
		const char *why = skip_always(nr);

		if (why) {
			hs_printf("%ld %s: skipped (%s)\n", nr, name, why);
			continue;
		}
		for (long it = 0; it < iters; it++) {
			uint64_t a[6];

			for (int i = 0; i < 6; i++)
				a[i] = garbage();
			if (!refill_scratch()) {
				hs_report("re-map the scratch buffer", -ENOMEM, false);
				hs_write_all("\n", 1);
				return hs_done("survived");
			}
			why = skip_for_args(nr, a);
			if (why) {
				skipped++;
				hs_printf("%ld %s #%ld (%#llx, %#llx, %#llx, %#llx, %#llx, %#llx): "
					  "skipped (%s)\n", nr, name, it,
					  (unsigned long long)a[0], (unsigned long long)a[1],
					  (unsigned long long)a[2], (unsigned long long)a[3],
					  (unsigned long long)a[4], (unsigned long long)a[5], why);
				continue;
			}
			r = hs_sys(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
			calls++;
			fmt_result(r, res, sizeof(res));
			hs_printf("%ld %s #%ld (%#llx, %#llx, %#llx, %#llx, %#llx, %#llx) = %s\n",
				  nr, name, it, (unsigned long long)a[0], (unsigned long long)a[1],
				  (unsigned long long)a[2], (unsigned long long)a[3],
				  (unsigned long long)a[4], (unsigned long long)a[5], res);
			r = hs_sys0(SYS_getpid);
			if (r != 1)
				hs_report("  getpid() after it", r, false);
		}
	}
	hs_printf("%lu calls made, %lu skipped for their arguments\n", calls, skipped);
	hs_mmap_after_everything();
	hs_write_all("\n", 1);
	return hs_done("survived");
}
