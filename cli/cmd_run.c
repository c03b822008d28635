/*
 * sbx run: start a sandbox running PROGRAM. The CLI opens the program (the Sentry
 * never opens host paths) and launches a Sentry with it. In the foreground, exits
 * with the application's exit status, 128+N if signal N killed it, or 125 if sbx
 * itself failed; with -d, returns once the sandbox runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"

static int open_program(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		die("%s: is a directory", path);
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	if (access(path, X_OK) < 0)
		die("%s: not executable: %s", path, strerror(errno));
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: sbx run [-d] [--name ID] [--platform=ptrace] [--strace] "
		"[--debug-filter] [--] PROGRAM [ARGS...]\n");
	exit(SBX_EXIT_USAGE);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "strace", no_argument, NULL, 's' },
		{ "debug-filter", no_argument, NULL, 'f' },
		{ "detach", no_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "selftest-escape", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct launch l = { .platform = "ptrace" };
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hd", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			l.platform = optarg;
			break;
		case 's':
			l.strace = true;
			break;
		case 'f':
			l.debug_filter = true;
			break;
		case 'd':
			l.detach = true;
			break;
		case 'n':
			l.id = optarg;
			break;
		case 'e': /* tests only: see cmd_boot.c */
			l.escape = optarg;
			break;
		case 'h':
			usage();
			break;
		default:
			fprintf(stderr, "sbx: run: unknown option '%s' (try 'sbx run --help')\n",
				argv[optind - 1]);
			exit(SBX_EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sbx: run: no program given (try 'sbx run --help')\n");
		exit(SBX_EXIT_USAGE);
	}
	if (strcmp(l.platform, "ptrace") && strcmp(l.platform, "kvm"))
		die("run: unknown platform '%s' (ptrace or kvm)", l.platform);
	l.input_fd = open_program(argv[optind]);
	l.argv = argv + optind;
	return launch(&l);
}
