/*
 * hostile.h: shared helpers of the hostile programs (testdata/hostile/). They are
 * meant to run only inside `sbx run`: several of them would do real damage on a host
 * (kill(-1, SIGKILL) as root, garbage syscalls), so each first checks it is pid 1 of
 * a system whose hostname is "sbx" and refuses to run otherwise (exit 2).
 *
 * Every attempt prints one line "WHAT -> OUTCOME [ok|VIOLATION]"; a program ends with
 * the line "done" and exits 0 when nothing was a violation, 1 otherwise. Syscalls are
 * made with a raw `syscall` instruction (hs_sys), so neither glibc nor its errno is in
 * the way; results are the kernel's: -errno on failure. Output is written with raw
 * write(2) calls, retried on EAGAIN/EINTR and short writes, one whole line each.
 */
#ifndef SBX_HOSTILE_H
#define SBX_HOSTILE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

/* Where the ptrace platform keeps its stub page, and the top of the application's
 * address range there (platform/ptrace/ptrace_stub.h); copied, as the tests must not
 * include Sentry headers. */
#define HS_STUB_ADDR	0x7fffff100000UL
#define HS_MAX_USER	0x7fffff000000UL
#define HS_TASK_TOP	0x7ffffffff000UL

static int hs_out_fd = 1;
static int hs_violations;

static inline long hs_sys(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define hs_sys0(n) hs_sys((n), 0, 0, 0, 0, 0, 0)
#define hs_sys1(n, a) hs_sys((n), (long)(a), 0, 0, 0, 0, 0)
#define hs_sys2(n, a, b) hs_sys((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define hs_sys3(n, a, b, c) hs_sys((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define hs_sys4(n, a, b, c, d) hs_sys((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* Writes all of @buf to the report fd, whatever the application did to its flags. */
static __attribute__((unused)) void hs_write_all(const char *buf, size_t len)
{
	int spins = 0;

	while (len) {
		long r = hs_sys3(SYS_write, hs_out_fd, buf, len);

		if (r == -EINTR || r == -EAGAIN) {
			if (++spins > 1000000)
				return;
			hs_sys0(SYS_sched_yield);
			continue;
		}
		if (r <= 0)
			return;
		buf += r;
		len -= r;
	}
}

static void hs_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static __attribute__((unused)) void hs_printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	hs_write_all(buf, n);
}

static const char *hs_errname(long e)
{
	static const char *const tab[] = {
		[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH",
		[EINTR] = "EINTR", [EIO] = "EIO", [ENXIO] = "ENXIO", [E2BIG] = "E2BIG",
		[ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF", [ECHILD] = "ECHILD",
		[EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES",
		[EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
		[EXDEV] = "EXDEV", [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR",
		[EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [ENFILE] = "ENFILE",
		[EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY", [EFBIG] = "EFBIG",
		[ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE", [EROFS] = "EROFS",
		[EPIPE] = "EPIPE", [ERANGE] = "ERANGE", [ENAMETOOLONG] = "ENAMETOOLONG",
		[ENOSYS] = "ENOSYS", [ELOOP] = "ELOOP", [ENOTSOCK] = "ENOTSOCK",
		[EOPNOTSUPP] = "EOPNOTSUPP", [EAFNOSUPPORT] = "EAFNOSUPPORT",
		[ENOTCONN] = "ENOTCONN", [ETIMEDOUT] = "ETIMEDOUT",
	};

	if (e > 0 && e < (long)(sizeof(tab) / sizeof(tab[0])) && tab[e])
		return tab[e];
	return NULL;
}

/* "= 3" or "= -1 ENOENT" for raw result @r. */
static const char *hs_result(long r, char *buf, size_t len)
{
	const char *n;

	if (r >= 0 || r < -4095) {
		snprintf(buf, len, "= %ld", r);
		return buf;
	}
	n = hs_errname(-r);
	if (n)
		snprintf(buf, len, "= -1 %s", n);
	else
		snprintf(buf, len, "= -1 E%ld", -r);
	return buf;
}

static __attribute__((unused)) bool hs_failed(long r)
{
	return r < 0 && r >= -4095;
}

/* Reports attempt @what with raw result @r; @ok says whether that result is allowed. */
static __attribute__((unused)) void hs_report(const char *what, long r, bool ok)
{
	char res[64];

	hs_printf("%s %s %s\n", what, hs_result(r, res, sizeof(res)), ok ? "ok" : "VIOLATION");
	if (!ok)
		hs_violations++;
}

/* The attempt must fail, with any error. */
static __attribute__((unused)) void hs_must_fail(const char *what, long r)
{
	hs_report(what, r, hs_failed(r));
}

/* The attempt must fail with error @e. */
static __attribute__((unused)) void hs_must_fail_with(const char *what, long r, int e)
{
	hs_report(what, r, r == -e);
}

/* Refuses to run anywhere but inside sbx (pid 1, hostname "sbx"). */
static __attribute__((unused)) void hs_require_sandbox(const char *prog)
{
	struct utsname u;

	if (hs_sys0(SYS_getpid) != 1 || hs_sys1(SYS_uname, &u) != 0 ||
	    strcmp(u.nodename, "sbx") != 0) {
		static const char msg[] = "refusing to run: this hostile program runs only as "
					  "pid 1 inside sbx (hostname \"sbx\")\n";

		hs_sys3(SYS_write, 2, msg, sizeof(msg) - 1);
		(void)prog;
		hs_sys1(SYS_exit_group, 2);
	}
}

/* Prints the final line and exits: 0 when every attempt was allowed. */
static __attribute__((unused)) int hs_done(const char *last)
{
	if (hs_violations)
		hs_printf("%d violation(s)\n", hs_violations);
	hs_printf("%s\n", last);
	return hs_violations ? 1 : 0;
}

/* The last check of most programs: the Sentry still maps fresh memory for them. */
static __attribute__((unused)) void hs_mmap_after_everything(void)
{
	char *p = (char *)hs_sys(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (hs_failed((long)p)) {
		hs_report("mmap(4096) after everything", (long)p, false);
		return;
	}
	p[0] = 'x';
	hs_report("mmap(4096) and touch after everything", 0, p[0] == 'x');
}

#endif
