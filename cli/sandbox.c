/*
 * The Sentry's jail. sbx run has already put the Sentry in a new pid namespace (it
 * is that namespace's init); here it also gets new mount, ipc, uts and network
 * namespaces, then pivot_root into an empty tmpfs that is remounted read-only, so no
 * host path resolves. After the platform has forked its template stub, lockdown
 * makes the process non-dumpable, limits core dumps, drops every capability (the
 * ptrace platform needs none: its stubs are its own children with the same uid),
 * sets no_new_privs and loads a libseccomp allow-list without open, openat, execve,
 * socket or connect. A denied call kills the Sentry with SIGSYS after reporting the
 * syscall's name on the status fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "gofer.h"
#include "platform.h"
#include "sandbox.h"
#include "syscalls/syscalls.h"

#define JAIL_MOUNTPOINT "/tmp"
#define JAIL_FALLBACK_MOUNTPOINT "/mnt"

static int pivot_to_empty_root(char *why, size_t whylen)
{
	const char *mp = JAIL_MOUNTPOINT;
	struct stat st;

	if (stat(mp, &st) || !S_ISDIR(st.st_mode))
		mp = JAIL_FALLBACK_MOUNTPOINT;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		goto fail;
	if (mount("sbx-root", mp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=16k,nr_inodes=8,mode=0555"))
		goto fail;
	if (chdir(mp) || mkdir("old", 0) || syscall(SYS_pivot_root, ".", "old"))
		goto fail;
	if (chdir("/") || umount2("/old", MNT_DETACH) || rmdir("/old"))
		goto fail;
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		goto fail;
	return 0;
fail:
	snprintf(why, whylen, "cannot pivot into an empty root: %s", strerror(errno));
	return -errno;
}

int sandbox_new_pidns(char *why, size_t whylen)
{
	int err;

	if (geteuid() != 0) {
		err = gofer_enter_userns(why, whylen);
		if (err)
			return err;
	}
	if (unshare(CLONE_NEWPID)) {
		snprintf(why, whylen, "cannot create a pid namespace: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int sandbox_enter(char *why, size_t whylen)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET)) {
		snprintf(why, whylen, "cannot create namespaces: %s", strerror(errno));
		return -errno;
	}
	if (sethostname("sbx", 3)) {
		snprintf(why, whylen, "sethostname: %s", strerror(errno));
		return -errno;
	}
	return pivot_to_empty_root(why, whylen);
}

static int drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static int status_fd_for_sigsys = -1;
static bool debug_mode;

/* A denied syscall: name it, then die (or, with --debug-filter, fail it). Only
 * async-signal-safe calls, all of them on the allow-list. */
static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	const char *name = syscall_name(si->si_syscall);
	char buf[160];
	int n;

	if (debug_mode) {
		n = snprintf(buf, sizeof(buf), "sbx: debug-filter: the Sentry's filter would "
			     "deny %s (%d); failing it with ENOSYS\n", name ? name : "?",
			     si->si_syscall);
		if (write(STDERR_FILENO, buf, n) < 0) {
			/* nothing more to do */
		}
		uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
		return;
	}
	n = snprintf(buf, sizeof(buf), "error internal error: the Sentry's seccomp filter "
		     "denied syscall %s (%d); this is a bug in sbx\n", name ? name : "?",
		     si->si_syscall);
	if (write(status_fd_for_sigsys, buf, n) < 0) {
		/* sbx run will report the SIGSYS death instead */
	}
	syscall(SYS_exit_group, 128 + SIGSYS);
}

/* The Sentry's own host syscalls: file I/O on descriptors it was given, memory,
 * threads, signals, time, polling. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(pwritev), SCMP_SYS(lseek),
	SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(fcntl), SCMP_SYS(dup), SCMP_SYS(dup3),
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(brk),
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack), SCMP_SYS(rt_sigtimedwait),
	SCMP_SYS(restart_syscall),     /* a sleep resumed after a host SIGSTOP/SIGCONT */
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(getgid),
	SCMP_SYS(geteuid), SCMP_SYS(getegid), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(eventfd2), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday),
	SCMP_SYS(getrandom), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(getcpu), SCMP_SYS(fallocate), SCMP_SYS(uname), SCMP_SYS(sysinfo),
	SCMP_SYS(prlimit64), SCMP_SYS(sendmsg), SCMP_SYS(recvmsg),
	SCMP_SYS(sync_file_range),      /* writeback of a checkpoint image, early */
	SCMP_SYS(fdatasync),            /* and its flush, while it is written */
	SCMP_SYS(copy_file_range),      /* copies within the memory file */
	SCMP_SYS(mincore),              /* the memory file's pages, at a checkpoint */
	SCMP_SYS(fadvise64),            /* readahead of a volume file */
};

static const unsigned long allowed_ioctls[] = {
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, TCFLSH, TCXONC,
};

static int build_filter(scmp_filter_ctx ctx, const struct platform *plat)
{
	int err = 0;

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]) && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, allowed_ioctls[i]));
	/* Memory never becomes executable in the Sentry after start-up. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* fstat through newfstatat(fd, "", AT_EMPTY_PATH) only; the root is empty. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
				       SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH));
	/* Threads only: clone must share the address space and thread group. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_VM | CLONE_THREAD,
					       CLONE_VM | CLONE_THREAD));
	/* clone3's flags sit behind a pointer seccomp cannot read: make glibc fall back
	 * to clone, whose flags it can. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* SIGCONT to its own process group: the stopped foreground sbx (wake_job). */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 2,
				       SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A1(SCMP_CMP_EQ, SIGCONT));
	/* Replies on connected sockets only: no destination address. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
				       SCMP_A4(SCMP_CMP_EQ, 0));
	/* The control socket the CLI made is the only one accepted on. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(accept4), 1,
				       SCMP_A0(SCMP_CMP_EQ, BOOT_CONTROL_FD));
	if (!err)
		err = plat_seccomp_rules(plat, ctx);
	return err;
}

int sandbox_lockdown(const struct platform *plat, bool debug_filter, int status_fd,
		     char *why, size_t whylen)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	struct rlimit core = { 0, 0 };
	scmp_filter_ctx ctx;
	int err;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || setrlimit(RLIMIT_CORE, &core)) {
		snprintf(why, whylen, "cannot limit the Sentry: %s", strerror(errno));
		return -errno;
	}
	err = drop_capabilities();
	if (err) {
		snprintf(why, whylen, "cannot drop capabilities: %s", strerror(-err));
		return err;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(why, whylen, "cannot set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	status_fd_for_sigsys = status_fd;
	debug_mode = debug_filter;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(why, whylen, "cannot create the seccomp filter");
		return -ENOMEM;
	}
	err = build_filter(ctx, plat);
	/* Every thread, not only this one: a restore's timers may have started the
	 * timer thread already. */
	if (!err)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err) {
		snprintf(why, whylen, "cannot install the seccomp filter: %s", strerror(-err));
		return err < 0 ? err : -EINVAL;
	}
	return 0;
}
