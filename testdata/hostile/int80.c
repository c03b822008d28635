/*
 * int80: the 32-bit syscall entry from 64-bit code. `int $0x80` with i386 numbers
 * getpid (20), getuid (24), kill(-1, SIGKILL) (37), open("/etc/passwd") (5), numbers
 * 0xffffffff and 1000, and last exit(42) (1): each must return -ENOSYS, as the Sentry
 * serves only the x86_64 ABI; none may reach the host (the stub's filter would kill a
 * 32-bit call it saw with SIGSYS; a served exit(42) would end the program before
 * "done"). Then 64-bit `syscall` with numbers no table has: the x32 bit (0x40000000 |
 * getpid), -1, 451, 1000 and 0x7fffffff, each -ENOSYS.
 */
#define _GNU_SOURCE
#include <signal.h>

#include "hostile.h"

static const char passwd[] = "/etc/passwd";

static long int80(long nr, long b, long c, long d)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(b), "c"(c), "d"(d)
			 : "r8", "r9", "r10", "r11", "memory");
	return (int)ret;	/* the 32-bit ABI returns in eax */
}

int main(void)
{
	static const long bogus[] = { 0x40000000L | SYS_getpid, -1, 451, 1000, 0x7fffffff };
	char what[96];

	hs_require_sandbox("int80");
	hs_must_fail_with("int $0x80 getpid (20)", int80(20, 0, 0, 0), ENOSYS);
	hs_must_fail_with("int $0x80 getuid (24)", int80(24, 0, 0, 0), ENOSYS);
	hs_must_fail_with("int $0x80 kill(-1, SIGKILL) (37)", int80(37, -1, SIGKILL, 0), ENOSYS);
	hs_must_fail_with("int $0x80 open(\"/etc/passwd\") (5)",
			  int80(5, (long)(unsigned)(unsigned long)passwd, 0, 0), ENOSYS);
	hs_must_fail_with("int $0x80 nr 0xffffffff", int80(0xffffffffL, 0, 0, 0), ENOSYS);
	hs_must_fail_with("int $0x80 nr 1000", int80(1000, 0, 0, 0), ENOSYS);
	hs_must_fail_with("int $0x80 exit(42) (1)", int80(1, 42, 0, 0), ENOSYS);
	for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		snprintf(what, sizeof(what), "syscall nr %#lx", bogus[i]);
		hs_must_fail_with(what, hs_sys0(bogus[i]), ENOSYS);
	}
	return hs_done("done");
}
