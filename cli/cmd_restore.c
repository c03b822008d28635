/*
 * sbx restore --image FILE [--name ID] [-d] [--lazy] [--platform=ptrace] [--volume
 * HOST:SANDBOX[:ro]]...: start a fresh Sentry from a checkpoint image. Volumes are
 * given again, in the order sbx run had them (files on them are reopened by path).
 * With --into ID instead of a new Sentry, the image goes into the created sandbox ID
 * (sbx create, which takes the volumes), whose Sentry has booted already: what a warm
 * pool does to start a function fast. With --lazy the application runs as soon as the
 * kernel objects are back and memory is loaded behind it (kernel/checkpoint/lazy.c);
 * damage in the image's pages found after that ends the sandbox with an error. Every
 * host-fd file comes back bound to this command's stdin, stdout or stderr, according
 * to which of the three it came from. In the foreground, exits as sbx run does; one
 * image restored twice gives two independent sandboxes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <signal.h>
#include <time.h>

#include "checkpoint/checkpoint.h"
#include "cli.h"
#include "control.h"
#include "launch.h"
#include "statedir.h"

static void usage(void)
{
	fprintf(stderr, "usage: sbx restore --image FILE [--name ID] [-d] [--lazy] "
		"[--platform=ptrace] [--strace] [--volume HOST:SANDBOX[:ro]]...\n"
		"       sbx restore --image FILE --into ID [-d] [--lazy]\n");
	exit(SBX_EXIT_USAGE);
}

static volatile sig_atomic_t pending_sig;

static void note_signal(int sig)
{
	pending_sig = sig;
}

/*
 * Passes a signal that reached this command on to the sandbox, which runs in the
 * created sandbox's own session, away from this terminal: ^C and ^\ to the
 * processes in init's process group as a terminal sends them, a SIGTERM or SIGHUP to
 * init. ^Z pauses the sandbox and stops this command, as a foreground sbx run does;
 * fg or bg resumes both.
 */
static void forward_pending(const char *id)
{
	struct ctl_req req = { .magic = CTL_MAGIC, .op = CTL_KILL };
	struct ctl_reply rep;
	int sig = pending_sig;

	if (!sig)
		return;
	pending_sig = 0;
	if (sig != SIGTSTP) {
		req.arg = sig;
		req.flags = sig == SIGINT || sig == SIGQUIT ? CTL_FOREGROUND : 0;
		ctl_call(id, &req, -1, &rep);
		return;
	}
	req.op = CTL_PAUSE;
	if (ctl_call(id, &req, -1, &rep) || rep.err)
		return;
	statedir_set_status(id, NULL, "paused");
	stop_as_job(SIGTSTP);
	req.op = CTL_RESUME;
	if (!ctl_call(id, &req, -1, &rep) && !rep.err)
		statedir_set_status(id, "paused", "running");
}

/*
 * Waits until the monitor has recorded that sandbox @id left "created", at most about
 * a second. The Sentry tells its monitor before it answers the restore, so the record
 * is there at the first look or a fraction of a millisecond later: a look every
 * 0.2 ms. (It waited on inotify before; closing an inotify descriptor that had a
 * watch waits for an SRCU grace period, 12-19 ms of every warm restore here.)
 */
static void await_recorded(const char *id, struct sbx_meta *m)
{
	for (int i = 0; i < 5000; i++) {
		if (statedir_read_meta(id, m) || strcmp(m->status, "created"))
			return;
		nanosleep(&(struct timespec){ 0, 200 * 1000 }, NULL);
	}
}

/*
 * --into ID: hands the image and this command's stdio to the created sandbox ID,
 * which restores and answers once the application runs. Detached, returns then; in
 * the foreground, waits for the sandbox as sbx run does (signals are passed on, ^Z
 * stops it as a job: forward_pending) and removes it at the end.
 */
static int restore_into(const char *id, const char *image, int img, bool lazy, bool detach)
{
	struct ctl_req req = { .magic = CTL_MAGIC, .op = CTL_RESTORE,
			       .flags = lazy ? CTL_LAZY : 0 };
	const int fds[4] = { img, 0, 1, 2 };
	struct ctl_reply rep;
	struct sbx_meta m;
	int err;

	err = statedir_read_meta(id, &m);
	if (err)
		die("restore: no sandbox '%s' (sbx create --name %s)", id, id);
	statedir_refresh(&m);
	if (strcmp(m.status, "created") || m.pid <= 0)
		die("restore: sandbox '%s' is %s, not created and waiting (sbx create)", id,
		    m.status);
	/* What runs, recorded before the request: the monitor keeps it when it records
	 * "running" (nobody else writes a created sandbox's metadata). */
	snprintf(m.command, sizeof(m.command), "(restored from %s)", image);
	for (char *p = m.command; *p; p++)
		if (*p == '\n')
			*p = ' ';
	statedir_write_meta(&m);
	if (!detach) {
		signal(SIGINT, note_signal);
		signal(SIGTERM, note_signal);
		signal(SIGHUP, note_signal);
		signal(SIGQUIT, note_signal);
		signal(SIGTSTP, note_signal);
	}
	err = ctl_call_fds(id, &req, fds, 4, &rep);
	close(img);
	if (err)
		die("restore: sandbox '%s' is not waiting (%s)", id, strerror(-err));
	if (rep.err)
		die("restore: %s", rep.msg[0] ? rep.msg : strerror(-rep.err));
	cr_mark("cli: restored into");
	await_recorded(id, &m);
	cr_mark("cli: recorded running");
	if (detach)
		return 0;
	if (statedir_wait_stopped(id, &m, 5, forward_pending))
		die("restore: sandbox '%s' went away", id);
	statedir_remove(id);
	if (m.exit_status < 0) {
		fprintf(stderr, "sbx: %s\n", m.reason);
		return SBX_EXIT_ERROR;
	}
	return m.exit_status;
}

int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "platform", required_argument, NULL, 'p' },
		{ "strace", no_argument, NULL, 's' },
		{ "rootfs", required_argument, NULL, 'R' },
		{ "lazy", no_argument, NULL, 'L' },
		{ "into", required_argument, NULL, 'I' },
		{ "volume", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct launch l = { .platform = "ptrace", .restore = true };
	const char *image = NULL, *into = NULL;
	bool other = false;     /* an option that only a new Sentry takes */
	char command[600];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hd", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			image = optarg;
			break;
		case 'n':
			l.id = optarg;
			other = true;
			break;
		case 'I':
			into = optarg;
			break;
		case 'd':
			l.detach = true;
			break;
		case 'p':
			l.platform = optarg;
			other = true;
			break;
		case 's':
			l.strace = true;
			other = true;
			break;
		case 'R':
			l.rootfs = optarg;
			other = true;
			break;
		case 'L':
			l.lazy = true;
			break;
		case 'V':
			/* The checkpointed sandbox's volumes, in the same order: each is served
			 * by a new gofer at the index the image's files remember. */
			if (l.nvolumes == (int)(sizeof(l.volumes) / sizeof(l.volumes[0])))
				die("restore: at most %d volumes", (int)(sizeof(l.volumes) / sizeof(l.volumes[0])));
			l.volumes[l.nvolumes++] = optarg;
			other = true;
			break;
		case 'h':
			usage();
			break;
		default:
			fprintf(stderr, "sbx: restore: unknown option '%s'\n", argv[optind - 1]);
			exit(SBX_EXIT_USAGE);
		}
	}
	if (!image || optind != argc)
		usage();
	if (into && other)
		die("restore: --into uses the created sandbox's own name, platform and "
		    "root (give them to sbx create)");
	if (strcmp(l.platform, "ptrace") && strcmp(l.platform, "kvm"))
		die("restore: unknown platform '%s' (ptrace or kvm)", l.platform);
	cr_mark("cli: restore start");
	l.input_fd = open(image, O_RDONLY | O_CLOEXEC);
	if (l.input_fd < 0)
		die("restore: %s: %s", image, strerror(errno));
	if (into)
		return restore_into(into, image, l.input_fd, l.lazy, l.detach);
	snprintf(command, sizeof(command), "(restored from %s)", image);
	l.command = command;
	return launch(&l);
}
