/*
 * proc_sys: tries to write host kernel settings through /proc/sys, /proc and /sys:
 * core_pattern, modprobe, sysrq, drop_caches, hostname, /proc/sysrq-trigger,
 * binfmt_misc's register, /sys/kernel/uevent_helper, /sys/power/state, the THP knob
 * and the root cgroup's cgroup.procs. For each path: open(O_WRONLY), open(O_WRONLY |
 * O_TRUNC), openat(O_RDWR), openat2({O_WRONLY}), creat and truncate(path, 0), raw
 * syscalls. Every one must fail (today ENOSYS; later ENOENT or EACCES from the
 * Sentry's own procfs/sysfs). Nothing dangerous is ever written: a descriptor opened
 * anyway is closed unwritten and reported as a violation, except for
 * /proc/sys/kernel/hostname, which a sandbox may legitimately let its root write in its
 * own UTS namespace: there the sentinel "sbx-hostile-probe" is written and success is
 * accepted, and the harness checks that the host's hostname did not change.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>

#include "hostile.h"

#define SENTINEL "sbx-hostile-probe"

static const char *const paths[] = {
	"/proc/sys/kernel/core_pattern",
	"/proc/sys/kernel/modprobe",
	"/proc/sys/kernel/sysrq",
	"/proc/sys/vm/drop_caches",
	"/proc/sys/kernel/hostname",
	"/proc/sysrq-trigger",
	"/proc/sys/fs/binfmt_misc/register",
	"/sys/kernel/uevent_helper",
	"/sys/power/state",
	"/sys/kernel/mm/transparent_hugepage/enabled",
	"/sys/fs/cgroup/cgroup.procs",
};

static void try_fd(const char *what, const char *path, long fd)
{
	bool hostname = !strcmp(path, "/proc/sys/kernel/hostname");

	if (hs_failed(fd)) {
		hs_report(what, fd, true);
		return;
	}
	if (hostname) {
		long w = hs_sys3(SYS_write, fd, SENTINEL, strlen(SENTINEL));

		hs_report(what, fd, true);
		hs_printf("  write(\"%s\") to the sandbox's own hostname = %ld (harness checks "
			  "the host)\n", SENTINEL, w);
	} else {
		hs_report(what, fd, false);
	}
	hs_sys1(SYS_close, fd);
}

int main(void)
{
	char what[256];
	struct open_how how;

	hs_require_sandbox("proc_sys");
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *p = paths[i];
		bool hostname = !strcmp(p, "/proc/sys/kernel/hostname");
		long r;

		snprintf(what, sizeof(what), "open(\"%s\", O_WRONLY)", p);
		try_fd(what, p, hs_sys2(SYS_open, p, O_WRONLY));
		snprintf(what, sizeof(what), "open(\"%s\", O_WRONLY|O_TRUNC)", p);
		try_fd(what, p, hs_sys2(SYS_open, p, O_WRONLY | O_TRUNC));
		snprintf(what, sizeof(what), "openat(AT_FDCWD, \"%s\", O_RDWR)", p);
		try_fd(what, p, hs_sys3(SYS_openat, AT_FDCWD, p, O_RDWR));
		memset(&how, 0, sizeof(how));
		how.flags = O_WRONLY;
		snprintf(what, sizeof(what), "openat2(AT_FDCWD, \"%s\", {O_WRONLY})", p);
		try_fd(what, p, hs_sys4(SYS_openat2, AT_FDCWD, p, &how, sizeof(how)));
		snprintf(what, sizeof(what), "creat(\"%s\", 0644)", p);
		try_fd(what, p, hs_sys2(SYS_creat, p, 0644));
		/* truncate on a procfs/sysfs file: a Linux error at best; never success,
		 * except the sandbox-local hostname's (EINVAL/EACCES on Linux too). */
		snprintf(what, sizeof(what), "truncate(\"%s\", 0)", p);
		r = hs_sys2(SYS_truncate, p, 0);
		hs_report(what, r, hostname || hs_failed(r));
	}
	return hs_done("done");
}
