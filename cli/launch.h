/*
 * Starting a Sentry for sbx run and sbx restore: the state directory, the control
 * socket, the pid namespace, the status pipe, and waiting for the Sentry in the
 * foreground or from a detached monitor process.
 */
#ifndef SBX_CLI_LAUNCH_H
#define SBX_CLI_LAUNCH_H

#include <stdbool.h>

struct launch {
	const char *id;                 /* --name, or NULL to generate one */
	const char *platform;
	bool detach;                    /* -d */
	bool strace, debug_filter;
	const char *escape;             /* tests only */
	int input_fd;                   /* the program, or the image with --restore */
	bool restore;
	bool lazy;                      /* restore --lazy: memory loads behind the application */
	bool warm;                      /* sbx create: boot, then wait for a restore */
	char *const *argv;              /* the program's argv (run), for the metadata too */
	const char *command;            /* for the metadata when argv is NULL */
	const char *rootfs;             /* --rootfs: the directory served as "/" */
	const char *volumes[8];         /* --volume HOST:SANDBOX[:ro] */
	int nvolumes;
	const char *tmpfs[9];           /* --tmpfs PATH, and /tmp when the root's is empty */
	int ntmpfs;
	unsigned long long memory;      /* --memory in bytes, or 0 for the default */
	unsigned pids_limit;            /* --pids-limit, or 0 for the default */
};

/* Runs the sandbox; returns sbx's exit status (the application's, 128+N, or 125). */
int launch(const struct launch *l);
/* Stops this process with @sig's default action, as a job of its shell, and returns
 * once a SIGCONT (fg, bg) has continued it; @sig's handling is then as it was. */
void stop_as_job(int sig);

#endif
