/*
 * The gofer's jail. It trusts nothing the Sentry sends, so it is contained on its
 * own: new mount, network, ipc and uts namespaces (and a user namespace when not
 * root); the served directory bind-mounted without its submounts (so /proc, /sys
 * and /dev of a host "/" are not there) and pivoted to as "/", read-only when
 * serving read-only; only the file capabilities kept; no new privileges; Landlock
 * allowing access beneath "/" only (read-only rights when serving read-only) where
 * the kernel has it; and a seccomp allow-list of the file syscalls the handlers use,
 * without those that change the tree when serving read-only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/landlock.h>

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gofer.h"

/* A directory to build the new root under: one that does not contain @dir. */
static const char *scratch_for(const char *dir)
{
	static const char *const cands[] = { "/tmp", "/mnt", "/run", "/var/tmp", "/opt" };
	struct stat st;

	for (size_t i = 0; i < ARRAY_LEN(cands); i++) {
		size_t n = strlen(cands[i]);

		if (!strncmp(dir, cands[i], n) && (dir[n] == '/' || !dir[n]))
			continue;
		if (!stat(cands[i], &st) && S_ISDIR(st.st_mode))
			return cands[i];
	}
	return NULL;
}

int gofer_jail_root(const char *dir, bool ro, char *why, size_t whylen)
{
	const char *step, *scratch = scratch_for(dir);
	char newroot[64];

	if (geteuid() != 0 && gofer_enter_userns(why, whylen))
		return -EPERM;
	errno = ENOENT;
	step = "find a scratch directory";
	if (!scratch)
		goto fail;
	snprintf(newroot, sizeof(newroot), "%s/root", scratch);
	step = "unshare";
	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS))
		goto fail;
	step = "make mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		goto fail;
	/* The served directory is bound without its submounts (a host "/" comes without
	 * /proc, /sys, /dev) at a fresh place, then pivoted to. */
	step = "mount a scratch tmpfs";
	if (mount("sbx-gofer", scratch, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=16k,mode=0700") || mkdir(newroot, 0700))
		goto fail;
	step = "bind the served directory";
	if (mount(dir, newroot, NULL, MS_BIND, NULL))
		goto fail;
	step = "remount it read-only";
	if (ro && mount(NULL, newroot, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
			MS_NODEV, NULL))
		goto fail;
	step = "pivot_root";
	/* pivot_root(".", ".") stacks the old root under the new one; detaching it
	 * needs no directory to be made in the (maybe read-only) served tree. */
	if (chdir(newroot) || syscall(SYS_pivot_root, ".", "."))
		goto fail;
	step = "detach the old root";
	if (umount2(".", MNT_DETACH) || chdir("/"))
		goto fail;
	return 0;
fail:
	snprintf(why, whylen, "cannot jail the gofer (%s): %s", step, strerror(errno));
	return -errno;
}

static int keep_file_caps(void)
{
	static const int keep[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
				    CAP_FOWNER, CAP_FSETID };
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	for (int cap = 0; cap <= 63; cap++) {
		bool k = false;

		for (size_t i = 0; i < ARRAY_LEN(keep); i++)
			k |= keep[i] == cap;
		if (!k && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return -errno;
	}
	for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
		data[0].effective |= 1u << keep[i];
		data[0].permitted |= 1u << keep[i];
	}
	if (syscall(SYS_capset, &hdr, data)) {
		/* Without the capabilities (an unprivileged user namespace): fine. */
		data[0].effective = data[0].permitted = 0;
		if (syscall(SYS_capset, &hdr, data))
			return -errno;
	}
	return 0;
}

#define LL_RO (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
	       LANDLOCK_ACCESS_FS_READ_DIR)

/* Landlock where the kernel has it: everything beneath "/", nothing else. */
static int landlock(bool ro)
{
	struct landlock_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb = { 0 };
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);
	int rs, root, err = 0;

	if (abi < 1)
		return 0;
	attr.handled_access_fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	rs = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return -errno;
	root = open("/", O_PATH | O_CLOEXEC);
	if (root < 0) {
		err = -errno;
		goto out;
	}
	pb.parent_fd = root;
	pb.allowed_access = ro ? LL_RO : attr.handled_access_fs;
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) ||
	    syscall(SYS_landlock_restrict_self, rs, 0))
		err = -errno;
	close(root);
out:
	close(rs);
	return err;
}

static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(close), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(openat), SCMP_SYS(openat2), SCMP_SYS(newfstatat),
	SCMP_SYS(fstat), SCMP_SYS(fstatfs), SCMP_SYS(getdents64), SCMP_SYS(readlinkat),
	SCMP_SYS(fcntl), SCMP_SYS(fsync), SCMP_SYS(flistxattr), SCMP_SYS(fgetxattr),
	SCMP_SYS(lseek), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(brk), SCMP_SYS(exit_group), SCMP_SYS(exit), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall),     /* a wait resumed after a host SIGSTOP/SIGCONT */
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(futex), SCMP_SYS(getpid),
};

/* Only a gofer serving read-write may change the tree (a read-only one refuses
 * before it would call them, and its mount is read-only as well). */
static const int allowed_rw[] = {
	SCMP_SYS(mkdirat), SCMP_SYS(mknodat), SCMP_SYS(symlinkat), SCMP_SYS(linkat),
	SCMP_SYS(unlinkat), SCMP_SYS(renameat2), SCMP_SYS(fchownat),
	SCMP_SYS(renameat),     /* what glibc's renameat2 calls without flags */
	SCMP_SYS(utimensat),
	SCMP_SYS(fchmod), SCMP_SYS(ftruncate), SCMP_SYS(fsetxattr), SCMP_SYS(fremovexattr),
};

int gofer_jail_lockdown(bool ro, char *why, size_t whylen)
{
	scmp_filter_ctx ctx;
	int err;

	err = keep_file_caps();
	if (err) {
		snprintf(why, whylen, "cannot drop capabilities: %s", strerror(-err));
		return err;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(why, whylen, "cannot set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	err = landlock(ro);
	if (err) {
		snprintf(why, whylen, "cannot apply Landlock: %s", strerror(-err));
		return err;
	}
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		snprintf(why, whylen, "cannot create the seccomp filter");
		return -ENOMEM;
	}
	err = 0;
	for (size_t i = 0; i < ARRAY_LEN(allowed) && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; i < ARRAY_LEN(allowed_rw) && !err && !ro; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_rw[i], 0);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err) {
		snprintf(why, whylen, "cannot install the seccomp filter: %s", strerror(-err));
		return err < 0 ? err : -EINVAL;
	}
	return 0;
}
