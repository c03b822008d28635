/*
 * sbx run: start a sandbox running PROGRAM and wait for it. The CLI opens the program
 * (the Sentry never opens host paths) and re-executes itself as "sbx boot", the
 * Sentry, handing it the program and a status pipe. Exits with the application's exit
 * status, 128+N if signal N killed it, or 125 if sbx itself failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "sandbox.h"

static pid_t sentry_pid;

static void forward(int sig)
{
	if (sentry_pid > 0)
		kill(sentry_pid, sig);
}

/* Places @from at @to without close-on-exec (dup2 onto itself keeps the flag). */
static int move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

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

/* Reads the Sentry's report: "exit STATUS\n" or "error MESSAGE\n". */
static int read_status(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	buf[n] = 0;
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: sbx run [--platform=ptrace] [--strace] [--debug-filter] [--] PROGRAM [ARGS...]\n");
	exit(SBX_EXIT_USAGE);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "strace", no_argument, NULL, 's' },
		{ "debug-filter", no_argument, NULL, 'd' },
		{ "selftest-escape", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *platform = "ptrace";
	bool strace = false, debug_filter = false;
	char *escape = NULL;
	char status[512], why[256], *nl;
	int c, fd, pipefd[2], ws;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
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
		case 'e': /* tests only: see cmd_boot.c */
			escape = optarg;
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
	if (strcmp(platform, "ptrace") && strcmp(platform, "kvm"))
		die("run: unknown platform '%s' (ptrace or kvm)", platform);
	fd = open_program(argv[optind]);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));

	if (sandbox_new_pidns(why, sizeof(why)))
		die("%s", why);
	signal(SIGINT, SIG_IGN);   /* the terminal sends these to the Sentry too */
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	sentry_pid = fork();
	if (sentry_pid < 0)
		die("fork: %s", strerror(errno));
	if (sentry_pid == 0) {
		char **args = calloc(argc + 8, sizeof(*args));
		int n = 0;

		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (pipefd[1] == BOOT_EXEC_FD) {
			pipefd[1] = dup(pipefd[1]);
			if (pipefd[1] < 0)
				_exit(SBX_EXIT_ERROR);
		}
		if (move_fd(fd, BOOT_EXEC_FD) || move_fd(pipefd[1], BOOT_STATUS_FD))
			_exit(SBX_EXIT_ERROR);
		args[n++] = "sbx";
		args[n++] = "boot";
		args[n++] = (char *)(strcmp(platform, "kvm") ? "--platform=ptrace"
							     : "--platform=kvm");
		if (strace)
			args[n++] = "--strace";
		if (debug_filter)
			args[n++] = "--debug-filter";
		if (escape) {
			args[n++] = "--selftest-escape";
			args[n++] = escape;
		}
		args[n++] = "--";
		for (int i = optind; i < argc; i++)
			args[n++] = argv[i];
		execv("/proc/self/exe", args);
		fprintf(stderr, "sbx: cannot start the sentry: %s\n", strerror(errno));
		_exit(SBX_EXIT_ERROR);
	}
	close(pipefd[1]);
	close(fd);
	read_status(pipefd[0], status, sizeof(status));
	while (waitpid(sentry_pid, &ws, 0) < 0 && errno == EINTR)
		;
	nl = strchr(status, '\n');
	if (nl)
		*nl = 0;
	if (!strncmp(status, "exit ", 5)) {
		int st = atoi(status + 5);

		if (WIFSIGNALED(st))
			return 128 + WTERMSIG(st);
		return WEXITSTATUS(st);
	}
	if (!strncmp(status, "error ", 6)) {
		fprintf(stderr, "sbx: %s\n", status + 6);
		return SBX_EXIT_ERROR;
	}
	if (WIFSIGNALED(ws))
		fprintf(stderr, "sbx: internal error: the sentry was killed by signal %d (%s)\n",
			WTERMSIG(ws), strsignal(WTERMSIG(ws)));
	else
		fprintf(stderr, "sbx: internal error: the sentry exited with status %d "
			"without reporting\n", WEXITSTATUS(ws));
	return SBX_EXIT_ERROR;
}
