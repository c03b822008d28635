/*
 * sbx checkpoint [--image FILE] [--compress zstd|lz4|none] [--leave-running] ID:
 * freeze the sandbox into an image. The CLI creates the image under a temporary name
 * and hands the descriptor to the Sentry (which opens no files); only when the Sentry
 * reports success is it fsynced and renamed to FILE, so a failed or interrupted
 * checkpoint never leaves a broken image under the final name. The sandbox ends
 * afterwards unless --leave-running; if the checkpoint fails it keeps running.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "cli.h"
#include "control.h"
#include "img.h"
#include "statedir.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Shows bytes written and the rate on a terminal while the Sentry works. */
static void progress(int fd, double t0)
{
	struct stat st;
	double dt = now_s() - t0;

	if (fstat(fd, &st) || dt <= 0)
		return;
	fprintf(stderr, "\rsbx: checkpoint: %.1f MB written, %.0f MB/s   ",
		st.st_size / 1e6, st.st_size / 1e6 / dt);
}

static void usage(void)
{
	fprintf(stderr, "usage: sbx checkpoint [--image FILE] [--compress zstd|lz4|none] "
		"[--leave-running] ID\n");
	exit(SBX_EXIT_USAGE);
}

/*
 * Without --leave-running the sandbox ends once the image is complete: return when it
 * has, so that `sbx list` right after says stopped (checkpointed), never running. The
 * image is already safe; a sandbox slow to go (10 s) only gets a warning.
 */
static void wait_stopped(const char *id)
{
	/* The Sentry told its monitor before it replied: the record is usually there
	 * at the first look, and otherwise within a millisecond. */
	const struct timespec step = { 0, 1000 * 1000 };

	for (int i = 0; i < 10000; i++) {
		struct sbx_meta m;

		if (statedir_read_meta(id, &m))
			return;
		statedir_refresh(&m);
		if (!strcmp(m.status, "stopped"))
			return;
		nanosleep(&step, NULL);
	}
	fprintf(stderr, "sbx: checkpoint: the image is complete, but sandbox '%s' has not "
		"stopped yet\n", id);
}

/* After the control call failed: did the sandbox end on its own meanwhile (its
 * program exited while the request was on its way)? The monitor records that within
 * moments; a Sentry that is still there, or one that died, is something else. */
static bool ended_meanwhile(const char *id)
{
	const struct timespec step = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 50; i++) {
		struct sbx_meta m;

		if (statedir_read_meta(id, &m))
			return false;
		statedir_refresh(&m);
		if (!strcmp(m.status, "stopped"))
			return m.exit_status >= 0;
		nanosleep(&step, NULL);
	}
	return false;
}

int cmd_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "compress", required_argument, NULL, 'c' },
		{ "leave-running", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ctl_req req = { .magic = CTL_MAGIC, .op = CTL_CHECKPOINT, .arg = CKPT_COMP_ZSTD };
	struct ctl_reply rep;
	char defpath[SBX_ID_MAX + 16], *tmp = NULL;
	const char *path = NULL, *id;
	bool tty = isatty(STDERR_FILENO);
	double t0 = now_s();
	int c, fd, err;

	cr_mark("cli: checkpoint command");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			path = optarg;
			break;
		case 'c':
			if (!strcmp(optarg, "zstd"))
				req.arg = CKPT_COMP_ZSTD;
			else if (!strcmp(optarg, "lz4"))
				req.arg = CKPT_COMP_LZ4;
			else if (!strcmp(optarg, "none"))
				req.arg = CKPT_COMP_NONE;
			else
				die("checkpoint: unknown compression '%s' (zstd, lz4 or none)",
				    optarg);
			break;
		case 'l':
			req.flags |= CTL_LEAVE_RUNNING;
			break;
		case 'h':
			usage();
			break;
		default:
			fprintf(stderr, "sbx: checkpoint: unknown option '%s'\n", argv[optind - 1]);
			exit(SBX_EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		usage();
	id = argv[optind];
	if (!statedir_valid_id(id))
		die("checkpoint: invalid sandbox name '%s'", id);
	if (!path) {
		snprintf(defpath, sizeof(defpath), "%s.sbximg", id);
		path = defpath;
	}
	{
		struct sbx_meta m;

		err = statedir_read_meta(id, &m);
		if (err)
			die("checkpoint: no sandbox '%s'", id);
		statedir_refresh(&m);
		if (!strcmp(m.status, "stopped"))
			die("checkpoint: sandbox '%s' is stopped", id);
	}
	cr_mark("cli: checkpoint start");
	err = img_file_create(path, &fd, &tmp);
	if (err)
		die("checkpoint: cannot create %s: %s", path, strerror(-err));

	/* The reply comes when the image is complete; show progress meanwhile. */
	err = ctl_call_timed(id, &req, fd, &rep, tty ? progress : NULL, fd, t0);
	if (tty)
		fputc('\n', stderr);
	if (err || rep.err) {
		unlink(tmp);
		close(fd);
		if (err && ended_meanwhile(id))
			die("checkpoint: sandbox '%s' is stopped: its program ended before the "
			    "checkpoint was made", id);
		if (err)
			die("checkpoint: sandbox '%s' is not running (%s)", id, strerror(-err));
		die("checkpoint: %s", rep.msg[0] ? rep.msg : strerror(-rep.err));
	}
	cr_mark("cli: reply");
	err = img_file_commit(fd, tmp, path);
	cr_mark("cli: committed");
	if (err)
		die("checkpoint: cannot write %s: %s", path, strerror(-err));
	if (!(req.flags & CTL_LEAVE_RUNNING))
		wait_stopped(id);
	cr_mark("cli: done");
	if (tty)
		fprintf(stderr, "sbx: checkpointed %s to %s: %.1f MB, sandbox stopped for "
			"%.1f ms\n", id, path, rep.bytes / 1e6, rep.usec / 1e3);
	return 0;
}
