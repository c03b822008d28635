/*
 * sbx boot: the Sentry process (internal; started by sbx run). Creates the memory
 * file and the platform while still single-threaded, loads the program handed over
 * as a descriptor into pid 1, runs it, and reports its exit status on the status fd.
 * Signals that reach the Sentry are passed on (forward_signals): a terminal's to
 * init's process group, a kill's to init, both as signals from outside under init's
 * rules; the stop signals and SIGCONT pause and resume the sandbox as a job. With
 * --restore it loads the image handed over instead; with --warm (sbx create) it
 * boots, locks down and waits on the control socket for the image and stdio of a
 * later `sbx restore --into`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/lazy.h"
#include "cli.h"
#include "fs/fs.h"
#include "fs/gofer/goferc.h"
#include "gofer_start.h"
#include <sys/resource.h>
#include "control.h"
#include "sandbox.h"
#include "statedir.h"
#include "kernel.h"
#include "memfile/memfile.h"
#include "platform.h"
#include "task/task.h"

#define MEMFILE_SIZE (1ULL << 40)   /* address space for application memory, sparse */

extern char **environ;

static int status_fd = BOOT_STATUS_FD;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(status_fd, buf, n) < 0) {
		/* sbx run is gone; nobody to tell */
	}
}

static const int forwarded[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP,
				 SIGTTIN, SIGTTOU, SIGCONT };

/* The control loop's end of the terminal's stops and continues (ctl_serve). */
static int jobctl_pipe[2] = { -1, -1 };

/*
 * The signals the Sentry gets from outside. What a terminal sends (^C, ^\, a
 * hangup, a resize: si_code SI_KERNEL) goes to init's process group, the
 * sandbox's side of the terminal's foreground; what someone sent the Sentry with
 * kill goes to init. The stop signals and SIGCONT are the job's: ^Z pauses the whole
 * sandbox and stops the foreground sbx, fg or bg resumes it (ctl_serve), since the
 * sandbox's init, as any pid 1, would ignore a SIGTSTP it does not handle. Blocked
 * in every other thread, SIGTTIN makes the host fail a read of the terminal from the
 * background with EIO, where it used to restart the read for ever (the Sentry, a
 * pid 1, drops a SIGTTIN it has no handler for); the read then stops the job
 * through the same pipe (hostfd.c), as the terminal's SIGTTIN would.
 */
static void *forward_signals(void *arg)
{
	struct kernel *k = arg;
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	for (;;) {
		siginfo_t si;
		struct l_siginfo info = { .code = L_SI_USER };
		char what;

		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo == SIGTSTP || si.si_signo == SIGTTIN ||
		    si.si_signo == SIGTTOU || si.si_signo == SIGCONT) {
			what = (char)si.si_signo;
			if (write(jobctl_pipe[1], &what, 1) < 0) {
				/* the control loop has ended */
			}
			continue;
		}
		if (si.si_code == SI_KERNEL) {
			kernel_signal_foreground(k, si.si_signo);
			continue;
		}
		info.signo = si.si_signo;
		sig_send(k->init, &info, false, true);
	}
	return NULL;
}

static unsigned host_ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

/* A crash of the Sentry itself: say where, on stderr and the status fd, then die
 * by the same signal. Only async-signal-safe calls (backtrace was primed). */
static void on_crash(int sig)
{
	void *frames[32];
	char msg[96];
	int n = backtrace(frames, 32), len;

	len = snprintf(msg, sizeof(msg), "error internal error: the Sentry crashed with "
		       "signal %d; this is a bug in sbx\n", sig);
	if (write(status_fd, msg, len) < 0 || write(STDERR_FILENO, msg + 6, len - 6) < 0) {
		/* nothing more to do */
	}
	backtrace_symbols_fd(frames, n, STDERR_FILENO);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_crashes(void)
{
	void *frame;

	backtrace(&frame, 1); /* loads libgcc's unwinder now, before the jail */
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGILL, on_crash);
	signal(SIGFPE, on_crash);
}

/* For the tests of the jail only: the Sentry itself tries what its filter forbids,
 * as a Sentry taken over by an application would. It must die with SIGSYS. */
static void selftest_escape(const char *what)
{
	char *const args[] = { "sh", NULL };

	if (!strcmp(what, "open"))
		open("/etc/passwd", O_RDONLY);
	else if (!strcmp(what, "execve"))
		execve("/bin/sh", args, args + 1);
	else if (!strcmp(what, "socket"))
		socket(AF_INET, SOCK_STREAM, 0);
}

int cmd_boot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "strace", no_argument, NULL, 's' },
		{ "debug-filter", no_argument, NULL, 'd' },
		{ "selftest-escape", required_argument, NULL, 'e' },
		{ "restore", no_argument, NULL, 'r' },
		{ "lazy", no_argument, NULL, 'L' },
		{ "volume", required_argument, NULL, 'V' },
		{ "tmpfs", required_argument, NULL, 'T' },
		{ "memory", required_argument, NULL, 'm' },
		{ "pids-limit", required_argument, NULL, 'P' },
		{ "warm", no_argument, NULL, 'w' },
		{ 0 },
	};
	const char *platform = "ptrace";
	const int stdio[3] = { 0, 1, 2 };
	struct platform *plat;
	struct memfile *mf;
	struct kernel *k;
	pthread_t fwd;
	sigset_t set;
	bool strace = false, debug_filter = false, restore = false, lazy = false;
	bool warm = false, locked = false;
	struct ctl_restore wr = { .conn = -1 };
	const char *escape = NULL;
	unsigned long long memory = 0;
	unsigned pids_limit = 0;
	char why[256];
	char line[128];
	struct fs_volume vols[FS_MAX_MOUNTS];
	static char vpaths[FS_MAX_MOUNTS][4096];
	int c, err, nvols = 0, nvolgofers = 0;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			platform = optarg;
			break;
		case 's':
			strace = true;
			break;
		case 'd':
			debug_filter = true;
			break;
		case 'e':
			escape = optarg;
			break;
		case 'r':
			restore = true;
			break;
		case 'm': /* bytes, checked by sbx run */
			memory = strtoull(optarg, NULL, 10);
			break;
		case 'P': /* checked by sbx run */
			pids_limit = strtoul(optarg, NULL, 10);
			break;
		case 'L':
			lazy = true;
			break;
		case 'w':
			warm = true;
			break;
		case 'V': {
			char host[4096];
			bool ro;

			if (nvols == FS_MAX_MOUNTS || nvolgofers == GOFER_MAX_STARTED - 1 ||
			    !gofer_parse_volume(optarg, host, vpaths[nvols], &ro)) {
				report("error boot: bad volume");
				return SBX_EXIT_USAGE;
			}
			nvolgofers++;
			vols[nvols] = (struct fs_volume){ .path = vpaths[nvols],
							  .gofer = nvolgofers, .ro = ro };
			nvols++;
			break;
		}
		case 'T': /* checked by sbx run */
			if (nvols == FS_MAX_MOUNTS) {
				report("error boot: too many mounts");
				return SBX_EXIT_USAGE;
			}
			vols[nvols++] = (struct fs_volume){ .path = optarg, .tmpfs = true };
			break;
		default:
			report("error boot: bad arguments");
			return SBX_EXIT_USAGE;
		}
	}
	if (optind >= argc && !warm) {
		report("error boot: no program");
		return SBX_EXIT_USAGE;
	}

	cr_mark("sentry: boot");
	catch_crashes();
	/* Nothing inherited beyond the descriptors sbx run hands over. */
	close_range(BOOT_GOFER_FD + 1 + nvolgofers, ~0U, 0);
	/* A platform may need a device opened before the root is emptied (kvm). */
	err = plat_preopen(platform);
	if (err) {
		report("error cannot start the %s platform: %s", platform, strerror(-err));
		return SBX_EXIT_ERROR;
	}
	for (int i = 0; i <= nvolgofers; i++) {
		err = goferc_register(i, BOOT_GOFER_FD + i);
		if (err) {
			report("error cannot use the gofer: %s", strerror(-err));
			return SBX_EXIT_ERROR;
		}
	}
	{
		/* Lower files keep a host descriptor each: allow many. */
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl)) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	/*
	 * One malloc arena: glibc gives a thread past the first few an arena of its own
	 * after reading /sys/devices/system/cpu/online, and shrinking such an arena
	 * reads /proc/sys/vm/overcommit_memory; the filter allows no open at all.
	 */
	mallopt(M_ARENA_MAX, 1);
	cr_mark("sentry: gofers registered");
	err = sandbox_enter(why, sizeof(why));
	cr_mark("sentry: namespaces entered");
	if (err) {
		report("error %s", why);
		return SBX_EXIT_ERROR;
	}
	err = memfile_new(MEMFILE_SIZE, &mf);
	if (err) {
		report("error cannot create the memory file: %s", strerror(-err));
		return SBX_EXIT_ERROR;
	}
	err = plat_open(platform, mf->fd, &plat);
	if (err) {
		report("error cannot start the %s platform: %s", platform, strerror(-err));
		return SBX_EXIT_ERROR;
	}
	cr_mark("sentry: memory file and platform");
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(jobctl_pipe, O_CLOEXEC)) {
		report("error cannot make a pipe: %s", strerror(errno));
		return SBX_EXIT_ERROR;
	}
	if (restore || warm) {
		/* Lock down first: an image is untrusted input, parsed under the filter. */
		err = sandbox_lockdown(plat, debug_filter, status_fd, why, sizeof(why));
		if (err) {
			report("error %s", why);
			return SBX_EXIT_ERROR;
		}
		locked = true;
	}
	if (warm) {
		/* A created sandbox waits for its restore. Everything above is what it
		 * saves a restore (sbx create is a warm pool's spare), and so is the stub
		 * of the first address space, made now. Best effort: without it, the
		 * restore makes its own. */
		plat_as_premake(plat);
		cr_mark("sentry: stub made ahead");
		report("waiting");
		if (ctl_await_restore(BOOT_CONTROL_FD, &wr, line, sizeof(line))) {
			report("%s", line);
			_exit(0);
		}
		cr_mark("sentry: restore request");
	}
	if (restore || warm) {
		int img = warm ? wr.image : BOOT_EXEC_FD;
		struct restore_ctx rc = { .plat = plat, .mf = mf, .stdio = { 0, 1, 2 },
					  .strace = strace, .threads = host_ncpus(),
					  .lazy = warm ? (wr.flags & CTL_LAZY) != 0 : lazy,
					  .status_fd = status_fd };
		struct ckpt_stats st = { 0 };

		if (warm)
			memcpy(rc.stdio, wr.stdio, sizeof(rc.stdio));
		err = kernel_restore(img, &rc, &k, &st, why, sizeof(why));
		if (err) {
			if (warm)
				ctl_restore_done(&wr, err, why);
			report("error cannot restore: %s", why);
			return SBX_EXIT_ERROR;
		}
		/* The image's limit; an image older than the limit gets this host's default. */
		kernel_set_mem_limit(k, k->mem_limit ? k->mem_limit : kernel_default_mem_limit());
		/* What sbx list shows: the command the image's sandbox was started with. */
		if (k->command[0])
			report("command %s", k->command);
	} else {
		err = kernel_new(plat, mf, &k);
		if (err) {
			report("error cannot create the kernel: %s", strerror(-err));
			return SBX_EXIT_ERROR;
		}
		k->strace = strace;
		kernel_set_mem_limit(k, memory ? memory : kernel_default_mem_limit());
		if (pids_limit)
			k->max_tasks = pids_limit;
		err = fs_boot(k, vols, nvols, why, sizeof(why));
		if (err) {
			report("error %s", why);
			return SBX_EXIT_ERROR;
		}
		err = kernel_create_init(k, -1, argv[optind], argv + optind, environ,
					 stdio, why, sizeof(why));
		if (err) {
			report("error %s: %s", argv[optind], why);
			return SBX_EXIT_ERROR;
		}
		statedir_command(k->command, sizeof(k->command), argv + optind);
	}
	cr_mark("sentry: kernel ready");
	/* A task that reads the terminal from the background stops the job here too. */
	k->host_jobctl_fd = jobctl_pipe[1];
	close(BOOT_EXEC_FD);
	err = locked ? 0 : sandbox_lockdown(plat, debug_filter, status_fd, why, sizeof(why));
	if (err) {
		report("error %s", why);
		return SBX_EXIT_ERROR;
	}
	cr_mark("sentry: locked down");
	if (escape)
		selftest_escape(escape);

	/* Every thread but the forwarder blocks the terminal signals. */
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&set, forwarded[i]);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	err = kernel_start_tasks(k);
	if (!err)
		err = -pthread_create(&fwd, NULL, forward_signals, k);
	if (err) {
		if (warm)
			ctl_restore_done(&wr, err, "cannot start the restored tasks");
		report("error cannot start the first task: %s", strerror(-err));
		return SBX_EXIT_ERROR;
	}
	report("started");
	if (warm)
		ctl_restore_done(&wr, 0, NULL);
	cr_mark("sentry: started");
	ctl_serve(k, BOOT_CONTROL_FD, jobctl_pipe[0], status_fd, line, sizeof(line));
	if (line[0])
		report("%s", line);
	_exit(0);
}
