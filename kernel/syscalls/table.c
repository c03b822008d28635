/*
 * The syscall table, the dispatcher and --strace. Designated initialisers indexed by
 * x86_64 syscall number; what is not listed is unsupported and returns ENOSYS.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "abi/linux.h"
#include "base/log.h"
#include "kernel.h"
#include "mm/mm.h"
#include "syscalls/handlers.h"
#include "task/task.h"

static const char *const names[SYSCALL_MAX] = {
#include "syscall_names.h"
};

#define F(n, args) [__NR_##n] = { sys_##n, SYS_FULL, NULL, args }
#define XATTR_NOTE "kept on overlay, tmpfs and memfd inodes (a lower file's start as " \
	"its host attributes, up to a gofer packet in all); volume files keep theirs on the " \
	"host (a set there takes values up to 2047 bytes: E2BIG); others: EOPNOTSUPP; " \
	"no system.* (POSIX ACLs)"
#define UTIMES_NOTE "the fd form on a pipe or host stdio (no filesystem inode here): " \
	"EPERM, where Linux sets the pipefs inode's times"
#define P(n, args, why) [__NR_##n] = { sys_##n, SYS_PARTIAL, why, args }
#define SEM_NOTE "waiting operations are completed from one queue a set, not " \
	"Linux's per-semaphore queues: two that became possible may complete in another order"
#define MLOCK_NOTE "counted against RLIMIT_MEMLOCK and shown in VmLck; pages are " \
	"not faulted in ahead, and mremap growth of a locked mapping is not counted"
#define U(n, why) [__NR_##n] = { NULL, SYS_UNSUPPORTED, why, NULL }

const struct syscall_entry syscall_table[SYSCALL_MAX] = {
	F(read, "fBu"), F(write, "fbu"), F(readv, "fpu"), F(writev, "fpu"),
	F(preadv, "fpudd"), F(pwritev, "fpudd"), F(preadv2, "fpuddx"), F(pwritev2, "fpuddx"),
	F(pread64, "fBud"), F(pwrite64, "fbud"),
	F(lseek, "fdd"),
	F(close, "f"),
	P(pipe, "p", "O_DIRECT packet mode is not offered"),
	P(pipe2, "px", "O_DIRECT packet mode is not offered"), F(dup, "f"), F(dup2, "ff"), F(dup3, "ffx"),
	F(sendfile, "ffpu"), F(splice, "fpfpux"), F(tee, "ffux"), F(copy_file_range, "fpfpux"),
	P(vmsplice, "fpux", "pages are copied, never gifted; room is counted in bytes, not slots"),
	P(fcntl, "fdx", "no leases; O_ASYNC sends SIGIO (or F_SETSIG's signal) from pipes, "
		"FIFOs, sockets, ptys and inotify, not from host-fd stdio (F_SETFL leaves it "
		"off there); no SIGIO/SIGURG for TCP urgent data; no locks on sockets (ENOLCK)"),
	P(ioctl, "fxx", "terminal ioctls on host ttys and ptys (fs/devpts/pty.c lists the missing), FIONREAD, FIOCLEX, FIONBIO, FIOASYNC, FIOSETOWN/SIOCSPGRP, SIOCINQ/SIOCOUTQ, SIOCGIF* of lo (read only)"),
	F(fstat, "fp"),
	F(newfstatat, "fspx"),
	F(poll, "pdd"),
	F(ppoll, "pdpp"),
	P(select, "dpppp", "over poll: no POLLPRI-only exceptional conditions"),
	P(pselect6, "dpppp", "over poll: no POLLPRI-only exceptional conditions"),
	/* event files (sys_event.c) */
	F(epoll_create, "d"), F(epoll_create1, "x"),
	P(epoll_ctl, "fdfp", "EPOLLEXCLUSIVE wakes every waiter; EPOLLWAKEUP is ignored"),
	P(epoll_wait, "fpdd", "an edge-triggered entry also fires on changes it did not "
	  "ask for (a checkpoint's interruption, which the application does not see, "
	  "restarts it with the time left)"),
	P(epoll_pwait, "fpddpu", "as epoll_wait"),
	P(epoll_pwait2, "fpdppu", "as epoll_wait"),
	F(eventfd, "u"), F(eventfd2, "ux"),
	P(timerfd_create, "dx", "_ALARM clocks run as their plain clocks (nothing suspends)"),
	P(timerfd_settime, "fxpp", "TFD_TIMER_CANCEL_ON_SET never cancels"),
	F(timerfd_gettime, "fp"),
	F(signalfd, "dpu"), F(signalfd4, "dpux"),
	F(inotify_init, ""), F(inotify_init1, "x"),
	P(inotify_add_watch, "fsx", "no IN_UNMOUNT (nothing is unmounted); a volume's "
	  "changes made by the host outside the sandbox are not seen"),
	F(inotify_rm_watch, "fd"),
	F(brk, "x"),
	P(mmap, "xuxxfx", "MAP_PRIVATE file mappings copy a whole VMA piece at its first write, "
	  "so its unwritten pages miss later writes to the file; volume and /proc files "
	  "are mapped as copies"),
	F(munmap, "xu"), F(mprotect, "xux"),
	P(mremap, "xuuxx", "MREMAP_DONTUNMAP is refused; old_len 0 only for shared file mappings"),
	F(madvise, "xud"), F(msync, "xux"),
	/* memory locks (sweep) */
	P(mlock, "xu", MLOCK_NOTE), P(mlock2, "xux", MLOCK_NOTE), F(munlock, "xu"),
	P(mlockall, "x", MLOCK_NOTE "; MCL_FUTURE covers new mmap and brk memory, not stack "
	  "growth"),
	F(munlockall, ""),
	F(rt_sigaction, "dppu"), F(rt_sigprocmask, "dppu"), F(sigaltstack, "pp"),
	F(rt_sigreturn, ""), F(pause, ""), F(rt_sigsuspend, "pu"), F(rt_sigpending, "pu"),
	F(rt_sigtimedwait, "pppu"),
	F(kill, "dd"), F(tkill, "dd"), F(tgkill, "ddd"),
	F(rt_sigqueueinfo, "ddp"), F(rt_tgsigqueueinfo, "dddp"),
	P(pidfd_open, "dx", "no fdinfo"),
	F(pidfd_send_signal, "fdpx"),
	P(pidfd_getfd, "ffx", "the ptrace check is the credential part: same ids, "
	  "dumpable, or CAP_SYS_PTRACE"),
	F(fork, ""),
	F(execve, "spp"),
	F(execveat, "dsppx"),
	F(vfork, ""),
	P(clone, "xxppx", "no CLONE_INTO_CGROUP; namespaces: EPERM"),
	P(clone3, "pu", "no set_tid or CLONE_INTO_CGROUP; namespaces: EPERM"),
	P(wait4, "dpxp", "rusage as getrusage's"),
	P(waitid, "ddpxp", "rusage as getrusage's"),
	F(setpgid, "dd"), F(setsid, ""),
	F(exit, "d"),
	F(exit_group, "d"),
	F(getpid, ""), F(gettid, ""), F(getppid, ""), F(getuid, ""), F(geteuid, ""),
	F(getgid, ""), F(getegid, ""), F(getpgrp, ""), F(getpgid, "d"), F(getsid, "d"),
	F(getresuid, "ppp"), F(getresgid, "ppp"),
	P(setuid, "d", "euid 0 stands for CAP_SETUID; no fsuid"),
	P(setgid, "d", "euid 0 stands for CAP_SETGID; no fsgid"),
	P(setreuid, "dd", "euid 0 stands for CAP_SETUID; no fsuid"),
	P(setregid, "dd", "euid 0 stands for CAP_SETGID; no fsgid"),
	P(setresuid, "ddd", "euid 0 stands for CAP_SETUID; no fsuid"),
	P(setresgid, "ddd", "euid 0 stands for CAP_SETGID; no fsgid"),
	F(getgroups, "dp"), F(setgroups, "dp"),
	P(capget, "pp", "uid 0 holds the container default set, never CAP_SYS_NICE or "
	  "CAP_SYS_ADMIN; no file capabilities"),
	P(capset, "pp", "no securebits but keep-caps"),
	P(personality, "x", "recorded and inherited; the loader never randomises anyway"),
	F(set_tid_address, "p"), F(set_robust_list, "pu"), F(get_robust_list, "dpp"),
	F(getcpu, "ppp"),
	P(membarrier, "dxd", "no SYNC_CORE or RSEQ commands (EINVAL, left out of QUERY)"),
	P(arch_prctl, "xx", "ARCH_SET_CPUID 0 is refused: cpuid always traps"),
	P(prctl, "dxxxx", "only PR_SET/GET_NAME, PDEATHSIG, CHILD_SUBREAPER, NO_NEW_PRIVS, "
	  "DUMPABLE; others EINVAL"),
	F(prlimit64, "ddpp"), F(getrlimit, "dp"), F(setrlimit, "dp"),
	F(uname, "p"), F(sched_yield, ""),
	P(sched_getaffinity, "dup", "recorded per task, not obeyed: the host places threads"),
	P(sched_setaffinity, "dup", "recorded per task, not obeyed: the host places threads"),
	P(sched_setscheduler, "ddp", "recorded, not obeyed: the Sentry does not schedule by policy"),
	P(sched_setparam, "dp", "recorded, not obeyed: the Sentry does not schedule by policy"),
	F(sched_getscheduler, "d"), F(sched_getparam, "dp"),
	F(sched_get_priority_max, "d"), F(sched_get_priority_min, "d"),
	P(sched_rr_get_interval, "dp", "0 for the fair policies"),
	P(sched_setattr, "dpx", "recorded, not obeyed; SCHED_DEADLINE needs CAP_SYS_NICE (EPERM), "
	  "no utilisation clamps (EOPNOTSUPP)"),
	F(sched_getattr, "dpux"),
	P(getpriority, "dd", "nice is recorded, not obeyed"),
	P(setpriority, "ddd", "nice is recorded, not obeyed"),
	P(ioprio_get, "dd", "recorded, not obeyed: the host schedules the sandbox's I/O"),
	P(ioprio_set, "ddd", "recorded, not obeyed: the host schedules the sandbox's I/O"),
	F(getcwd, "pu"),
	F(sysinfo, "p"), F(umask, "x"),
	P(clock_gettime, "dp", "a thread's CPU clock is its share of its process's time, "
	  "apportioned by the time each thread spent in the application"),
	F(clock_getres, "dp"), F(gettimeofday, "pp"), F(time, "p"),
	F(nanosleep, "pp"),
	P(clock_nanosleep, "dxpp", "the process CPU clock only ends by a signal or an elapsed deadline"),
	F(restart_syscall, ""), F(getrandom, "pux"),
	F(alarm, "u"),
	P(setitimer, "dpp", "ITIMER_VIRTUAL/PROF are sampled every 10 ms"),
	F(getitimer, "dp"),
	P(timer_create, "dpp", "CPU clocks are sampled every 10 ms, a thread's is its share "
	  "of its process's time; no other process's CPU clocks"),
	F(timer_settime, "dxpp"), F(timer_gettime, "dp"), F(timer_getoverrun, "d"),
	F(timer_delete, "d"),
	P(getrusage, "dp", "RUSAGE_THREAD's times are the thread's share of its process's; "
	  "minflt counts Sentry-served faults plus pages seen newly populated; maxrss "
	  "is sampled at getrusage, exec and exit, without file mappings; majflt, "
	  "inblock, oublock 0"),
	F(times, "p"),
	P(futex, "pxdpp", "PI operations keep the word protocol but do not boost priority; "
	  "PI waiters are served first come, first served"),
	/* files */
	P(getxattr, "sspu", XATTR_NOTE),
	P(lgetxattr, "sspu", XATTR_NOTE),
	P(fgetxattr, "fspu", XATTR_NOTE),
	P(listxattr, "spu", XATTR_NOTE),
	P(llistxattr, "spu", XATTR_NOTE),
	P(flistxattr, "fpu", XATTR_NOTE),
	P(setxattr, "sspux", XATTR_NOTE),
	P(lsetxattr, "sspux", XATTR_NOTE),
	P(fsetxattr, "fspux", XATTR_NOTE),
	P(removexattr, "ss", XATTR_NOTE),
	P(lremovexattr, "ss", XATTR_NOTE),
	P(fremovexattr, "fs", XATTR_NOTE),
	F(open, "sox"),
	F(openat, "fsox"),
	P(openat2, "fspu", "RESOLVE_CACHED never gives EAGAIN for a lookup"),
	F(creat, "sx"),
	F(close_range, "uux"),
	F(stat, "sp"),
	F(lstat, "sp"),
	P(statx, "fsxxp", "basic stats only"),
	F(access, "sx"),
	F(faccessat, "fsx"),
	F(faccessat2, "fsxx"),
	F(readlink, "spd"),
	F(readlinkat, "fspd"),
	F(chdir, "s"),
	F(fchdir, "f"),
	F(chroot, "s"),
	F(mknod, "sxx"),
	F(mknodat, "fsxx"),
	F(mkdir, "sx"),
	F(mkdirat, "fsx"),
	F(symlink, "ss"),
	F(symlinkat, "sfs"),
	F(unlink, "s"),
	F(unlinkat, "fsx"),
	F(rmdir, "s"),
	F(link, "ss"),
	F(linkat, "fsfsx"),
	F(rename, "ss"),
	F(renameat, "fsfs"),
	F(renameat2, "fsfsx"),
	F(chmod, "sx"),
	F(fchmod, "fx"),
	F(fchmodat, "fsx"),
	F(chown, "sdd"),
	F(lchown, "sdd"),
	F(fchown, "fdd"),
	F(fchownat, "fsddx"),
	P(utimensat, "fspx", UTIMES_NOTE), P(futimesat, "fsp", UTIMES_NOTE),
	F(utimes, "sp"), F(utime, "sp"),
	F(truncate, "sd"),
	F(ftruncate, "fd"),
	F(statfs, "sp"),
	F(fstatfs, "fp"),
	F(getdents64, "fpu"), F(getdents, "fpu"),
	F(readahead, "fdu"),
	F(sync_file_range, "fddx"),
	P(memfd_create, "sx", "no MFD_HUGETLB; F_SEAL_EXEC does not stop chmod"),
	P(fallocate, "fxdd", "no collapse/insert/unshare ranges"),
	F(fsync, "f"),
	F(fdatasync, "f"),
	F(syncfs, "f"),
	F(sync, ""),
	P(flock, "fx", "no locks on sockets (ENOLCK)"),
	F(fadvise64, "fddd"),
	/* sockets (sys_socket.c): unix-domain, and TCP/UDP on the sandbox's own loopback
	 * (kernel/ipc/inet*.c); no host network */
	P(socket, "ddd", "AF_UNIX; AF_INET/AF_INET6 TCP and UDP on lo only (no raw: EPERM); "
	  "AF_NETLINK NETLINK_ROUTE link/address dumps of lo; other families EAFNOSUPPORT"),
	P(socketpair, "dddp", "AF_UNIX only; AF_INET EOPNOTSUPP, others EAFNOSUPPORT"),
	P(bind, "fpu", "inet: 0.0.0.0, ::, 127/8, ::1; no TIME_WAIT, so no port stays busy "
	  "after a close"),
	P(connect, "fpu", "inet: 127/8, ::1 (0.0.0.0, :: as local), else ENETUNREACH; a "
	  "nonblocking TCP connect says EINPROGRESS and is done at once"),
	F(listen, "fd"),
	F(accept, "fpp"), F(accept4, "fppx"),
	F(getsockname, "fpp"), F(getpeername, "fpp"), F(shutdown, "fd"),
	P(sendto, "fbuxpu", "no MSG_OOB, TCP urgent data included (EOPNOTSUPP)"),
	P(recvfrom, "fBuxpp", "no MSG_OOB (EOPNOTSUPP); TCP MSG_TRUNC copies"),
	P(sendmsg, "fpx", "SCM_RIGHTS and SCM_CREDENTIALS; no in-flight fd limit (ETOOMANYREFS); "
	  "inet: no IP control messages"),
	P(recvmsg, "fpx", "no MSG_ERRQUEUE, SO_PEEK_OFF or SCM_SECURITY; inet: no IP_PKTINFO, "
	  "IP_RECVTOS... control messages"),
	P(sendmmsg, "fpux", "as sendmsg"),
	P(recvmmsg, "fpuxp", "as recvmsg"),
	P(getsockopt, "fddpp", "SOL_SOCKET: TYPE, DOMAIN, PROTOCOL, ERROR, ACCEPTCONN, PASSCRED, "
	  "PEERCRED, SNDBUF, RCVBUF, RCVLOWAT, RCVTIMEO, SNDTIMEO, LINGER and inert REUSEADDR, "
	  "KEEPALIVE...; inet: IP_TOS, IP_TTL, IPV6_V6ONLY, TCP_NODELAY, TCP_INFO and the "
	  "other integer ones kept and read back; others ENOPROTOOPT"),
	P(setsockopt, "fddpu", "as getsockopt; no multicast (ENODEV); a wait under "
	  "SO_RCVTIMEO or SO_SNDTIMEO that a checkpoint interrupted starts over with the "
	  "whole timeout after restore"),
	U(rseq, "restartable sequences are not offered; glibc falls back"),
	F(shmget, "dux"),
	P(shmat, "dpx", "SHM_HUGETLB-backed segments are plain pages"),
	F(shmdt, "p"),
	P(shmctl, "dxp", "SHM_LOCK sets the flag only: RLIMIT_MEMLOCK is not charged"),
	F(semget, "dux"), P(semop, "dpu", SEM_NOTE),
	P(semtimedop, "dpup", SEM_NOTE), F(semctl, "ddxx"),
	F(msgget, "dx"), F(msgsnd, "dpux"), F(msgrcv, "dpudx"), F(msgctl, "dxp"),
};

const char *syscall_name(u64 nr)
{
	if (nr < SYSCALL_MAX && names[nr])
		return names[nr];
	return NULL;
}

static const char *errname(long e)
{
	static const char *const tab[] = {
		[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH",
		[EINTR] = "EINTR", [EIO] = "EIO", [E2BIG] = "E2BIG",
		[ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF", [ECHILD] = "ECHILD",
		[EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES",
		[EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
		[ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR",
		[EINVAL] = "EINVAL", [EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY",
		[EFBIG] = "EFBIG", [ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE",
		[EPIPE] = "EPIPE", [ERANGE] = "ERANGE", [ENAMETOOLONG] = "ENAMETOOLONG",
		[ENOSYS] = "ENOSYS", [EOPNOTSUPP] = "EOPNOTSUPP",
		[ERESTARTSYS] = "ERESTARTSYS", [ERESTARTNOINTR] = "ERESTARTNOINTR",
		[ERESTARTNOHAND] = "ERESTARTNOHAND",
		[ERESTART_RESTARTBLOCK] = "ERESTART_RESTARTBLOCK",
	};

	if (e > 0 && e < (long)ARRAY_SIZE(tab) && tab[e])
		return tab[e];
	return "E?";
}

static int fmt_str(char *out, size_t n, struct task *t, u64 addr, u64 len)
{
	char buf[33];
	size_t k = MIN(len, 32);
	int off;

	if (!addr)
		return snprintf(out, n, "NULL");
	if (mm_copy_in(t->mm, buf, addr, k))
		return snprintf(out, n, "0x%llx", (unsigned long long)addr);
	off = snprintf(out, n, "\"");
	for (size_t i = 0; i < k && off + 5 < (int)n; i++) {
		unsigned char c = buf[i];

		if (c == '\n')
			off += snprintf(out + off, n - off, "\\n");
		else if (c == '"' || c == '\\')
			off += snprintf(out + off, n - off, "\\%c", c);
		else if (c >= 32 && c < 127)
			out[off++] = c;
		else
			off += snprintf(out + off, n - off, "\\%o", c);
		out[off] = 0;
	}
	return off + snprintf(out + off, n - off, "\"%s", len > k ? "..." : "");
}

static void strace(struct task *t, u64 nr, const u64 *a, long ret)
{
	const struct syscall_entry *e = nr < SYSCALL_MAX ? &syscall_table[nr] : NULL;
	const char *kinds = e && e->args ? e->args : "xxxxxx";
	const char *name = syscall_name(nr);
	char line[512];
	int off, nargs = e && e->args ? (int)strlen(e->args) : 0;

	if (name)
		off = snprintf(line, sizeof(line), "[pid %u] %s(", t->tid, name);
	else
		off = snprintf(line, sizeof(line), "[pid %u] syscall_%llu(", t->tid,
			       (unsigned long long)nr);
	for (int i = 0; i < nargs && off < (int)sizeof(line) - 64; i++) {
		char *p = line + off;
		size_t left = sizeof(line) - off;

		if (i)
			off += snprintf(p, left, ", "), p = line + off, left = sizeof(line) - off;
		switch (kinds[i]) {
		case 'd': case 'f':
			off += snprintf(p, left, "%lld", (long long)a[i]);
			break;
		case 'u':
			off += snprintf(p, left, "%llu", (unsigned long long)a[i]);
			break;
		case 'b':
			off += fmt_str(p, left, t, a[i], a[i + 1]);
			break;
		case 'B':
			off += ret > 0 ? fmt_str(p, left, t, a[i], ret)
				       : snprintf(p, left, "0x%llx", (unsigned long long)a[i]);
			break;
		default:
			off += snprintf(p, left, "0x%llx", (unsigned long long)a[i]);
		}
	}
	if (ret < 0 && ret > -4096)
		snprintf(line + off, sizeof(line) - off, ") = -1 %s (%s)%s\n", errname(-ret),
			 -ret < 512 ? strerror(-ret) : "restart",
			 e && e->fn ? "" : " [unsupported]");
	else
		snprintf(line + off, sizeof(line) - off, ") = %ld\n", ret);
	log_printf("%s", line);
}

void syscall_dispatch(struct task *t)
{
	u64 nr = t->regs.orig_rax;
	const u64 a[6] = { t->regs.rdi, t->regs.rsi, t->regs.rdx, t->regs.r10,
			   t->regs.r8, t->regs.r9 };
	long ret;

	if (likely(nr < SYSCALL_MAX && syscall_table[nr].fn))
		ret = syscall_table[nr].fn(t, a);
	else
		ret = -ENOSYS;
	if (unlikely(t->k->strace))
		strace(t, nr, a, ret);
	t->regs.rax = ret;
	/* rt_sigreturn's result is the interrupted code's rax, never a restart. */
	if (unlikely(ret <= -ERESTARTSYS && ret >= -ERESTART_RESTARTBLOCK) &&
	    nr != __NR_rt_sigreturn)
		t->in_syscall = true;
}

void syscall_print_table(FILE *f)
{
	static const char *const level[] = { "unsupported", "full", "partial" };
	int full = 0, partial = 0;

	fprintf(f, "%-4s %-24s %-12s %s\n", "nr", "name", "support", "note");
	for (u64 nr = 0; nr < SYSCALL_MAX; nr++) {
		const struct syscall_entry *e = &syscall_table[nr];
		const char *name = syscall_name(nr);

		if (!name)
			continue;
		full += e->support == SYS_FULL;
		partial += e->support == SYS_PARTIAL;
		fprintf(f, "%-4llu %-24s %-12s %s\n", (unsigned long long)nr, name,
			level[e->support], e->note ? e->note : "");
	}
	fprintf(f, "\n%d full, %d partial, the rest unsupported (ENOSYS)\n", full, partial);
	fprintf(f, "\nLimits: every mapping (anonymous, file, brk, stacks, copy-on-write "
		"copies) counts\nagainst the sandbox memory limit (sbx run --memory) from "
		"the call that makes it:\nmmap, mremap and brk beyond it fail with ENOMEM "
		"(vm.overcommit_memory=2); stack\ngrowth beyond it gets SIGSEGV; a "
		"copy-on-write copy at fault time beyond it\nkills the process mapping the "
		"most memory with SIGKILL (an OOM kill in the\nsandbox). RLIMIT_AS, "
		"RLIMIT_NOFILE, RLIMIT_NPROC and RLIMIT_STACK are enforced as\non Linux; "
		"a sandbox has at most %d tasks (fork beyond gets EAGAIN).\n", SBX_MAX_TASKS);
}
