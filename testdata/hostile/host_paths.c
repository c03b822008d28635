/*
 * host_paths: tries to reach host files by path from inside the sandbox. For each of
 * /etc/shadow, /etc/passwd, /proc/self/root/etc/shadow, /proc/1/root/etc/shadow,
 * ../../../../etc/shadow and /proc/self/root/../../../etc/passwd it calls open
 * (O_RDONLY and O_RDWR), openat (AT_FDCWD; O_RDONLY and O_PATH), openat2 (no RESOLVE
 * flags), stat, lstat, newfstatat, statx, access (R_OK, F_OK), faccessat and
 * faccessat2 through raw syscalls. Every one must fail: today with ENOSYS (no files
 * yet), after the files issue with ENOENT or similar from the sandbox's own root; any
 * error is accepted, success never is. A descriptor opened anyway is read from (at
 * most 64 bytes, never printed) to show what leaked, then closed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "hostile.h"

static const char *const paths[] = {
	"/etc/shadow",
	"/etc/passwd",
	"/proc/self/root/etc/shadow",
	"/proc/1/root/etc/shadow",
	"../../../../etc/shadow",
	"/proc/self/root/../../../etc/passwd",
};

static void opened(const char *what, long fd)
{
	char buf[64];
	long n;

	hs_must_fail(what, fd);
	if (hs_failed(fd))
		return;
	n = hs_sys3(SYS_read, fd, buf, sizeof(buf));
	hs_printf("  (read from the leaked fd: %ld bytes)\n", n);
	hs_sys1(SYS_close, fd);
}

int main(void)
{
	char what[256];
	struct stat st;
	struct statx stx;
	struct open_how how;

	hs_require_sandbox("host_paths");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *p = paths[i];

		snprintf(what, sizeof(what), "open(\"%s\", O_RDONLY)", p);
		opened(what, hs_sys2(SYS_open, p, O_RDONLY));
		snprintf(what, sizeof(what), "open(\"%s\", O_RDWR)", p);
		opened(what, hs_sys2(SYS_open, p, O_RDWR));
		snprintf(what, sizeof(what), "openat(AT_FDCWD, \"%s\", O_RDONLY)", p);
		opened(what, hs_sys3(SYS_openat, AT_FDCWD, p, O_RDONLY));
		snprintf(what, sizeof(what), "openat(AT_FDCWD, \"%s\", O_PATH)", p);
		opened(what, hs_sys3(SYS_openat, AT_FDCWD, p, O_PATH));
		memset(&how, 0, sizeof(how));
		how.flags = O_RDONLY;
		snprintf(what, sizeof(what), "openat2(AT_FDCWD, \"%s\", {O_RDONLY})", p);
		opened(what, hs_sys4(SYS_openat2, AT_FDCWD, p, &how, sizeof(how)));
		snprintf(what, sizeof(what), "stat(\"%s\")", p);
		hs_must_fail(what, hs_sys2(SYS_stat, p, &st));
		snprintf(what, sizeof(what), "lstat(\"%s\")", p);
		hs_must_fail(what, hs_sys2(SYS_lstat, p, &st));
		snprintf(what, sizeof(what), "newfstatat(AT_FDCWD, \"%s\", 0)", p);
		hs_must_fail(what, hs_sys4(SYS_newfstatat, AT_FDCWD, p, &st, 0));
		snprintf(what, sizeof(what), "statx(AT_FDCWD, \"%s\")", p);
		hs_must_fail(what, hs_sys(SYS_statx, AT_FDCWD, (long)p, 0, STATX_BASIC_STATS,
					  (long)&stx, 0));
		snprintf(what, sizeof(what), "access(\"%s\", R_OK)", p);
		hs_must_fail(what, hs_sys2(SYS_access, p, R_OK));
		snprintf(what, sizeof(what), "access(\"%s\", F_OK)", p);
		hs_must_fail(what, hs_sys2(SYS_access, p, F_OK));
		snprintf(what, sizeof(what), "faccessat(AT_FDCWD, \"%s\", R_OK)", p);
		hs_must_fail(what, hs_sys3(SYS_faccessat, AT_FDCWD, p, R_OK));
		snprintf(what, sizeof(what), "faccessat2(AT_FDCWD, \"%s\", R_OK, 0)", p);
		hs_must_fail(what, hs_sys4(SYS_faccessat2, AT_FDCWD, p, R_OK, 0));
	}
	return hs_done("done");
}
