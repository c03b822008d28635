/*
 * Starting and waiting for a Sentry (see launch.h). The process that forks the Sentry
 * is its monitor: it reads the Sentry's status lines ("started", "exit STATUS",
 * "checkpointed", "error MESSAGE") and records them in the state directory. In the
 * foreground the CLI is the monitor and removes the state directory at the end; with
 * -d a monitor process of its own keeps it for sbx list/wait/delete, and the CLI
 * returns once the Sentry runs, printing the sandbox's id if it made one up. A
 * created sandbox (sbx create) is always detached; its Sentry first reports
 * "waiting", and "started" once a restore has been made into it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "cli.h"
#include "control.h"
#include "gofer_start.h"
#include "launch.h"
#include "sandbox.h"
#include "spawn.h"
#include "statedir.h"

static pid_t sentry_pid;
static int gofer_fds[GOFER_MAX_STARTED], ngofers;

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

static void gen_id(char *buf, size_t len)
{
	unsigned char r[6];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		memset(r, 0, sizeof(r));
	snprintf(buf, len, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
}

/* The Sentry's command line: malloc'ed, its strings the launch's or @memory's and
 * @pids' (room for a number each). */
static char **sentry_args(const struct launch *l, char memory[24], char pids[16])
{
	int n = 0, argc = 0;
	char **args;

	while (l->argv && l->argv[argc])
		argc++;
	/* Fixed options, two words per volume and tmpfs, the program's arguments. */
	args = calloc(24 + 2 * (l->nvolumes + l->ntmpfs) + argc + 1, sizeof(*args));
	if (!args)
		return NULL;
	args[n++] = "sbx";
	args[n++] = "boot";
	args[n++] = strcmp(l->platform, "kvm") ? "--platform=ptrace" : "--platform=kvm";
	if (l->strace)
		args[n++] = "--strace";
	if (l->debug_filter)
		args[n++] = "--debug-filter";
	if (l->restore)
		args[n++] = "--restore";
	if (l->memory) {
		snprintf(memory, 24, "%llu", l->memory);
		args[n++] = "--memory";
		args[n++] = memory;
	}
	if (l->pids_limit) {
		snprintf(pids, 16, "%u", l->pids_limit);
		args[n++] = "--pids-limit";
		args[n++] = pids;
	}
	if (l->lazy)
		args[n++] = "--lazy";
	if (l->warm)
		args[n++] = "--warm";
	if (l->escape) {
		args[n++] = "--selftest-escape";
		args[n++] = (char *)l->escape;
	}
	for (int i = 0; i < l->nvolumes; i++) {
		args[n++] = "--volume";
		args[n++] = (char *)l->volumes[i];
	}
	for (int i = 0; i < l->ntmpfs; i++) {
		args[n++] = "--tmpfs";
		args[n++] = (char *)l->tmpfs[i];
	}
	args[n++] = "--";
	for (int i = 0; i < argc; i++)
		args[n++] = l->argv[i];
	if (!l->argv && !l->warm)
		args[n++] = (char *)l->command;
	args[n] = NULL;
	return args;
}

struct sentry_child {
	char **args;
	int in, status_fd, ctl_fd;
	int gofers[GOFER_MAX_STARTED];
	int ngofers;
};

/* In the spawned child (spawn.h): the fixed descriptors, then exec the Sentry. */
static int exec_sentry(void *p)
{
	static const char msg[] = "sbx: cannot start the sentry\n";
	struct sentry_child *c = p;
	int in = c->in, status_fd = c->status_fd, ctl_fd = c->ctl_fd;
	int gofers[GOFER_MAX_STARTED];

	/* Free the fixed numbers first, in an order that cannot clobber a source. */
	if (status_fd == BOOT_EXEC_FD || status_fd == BOOT_CONTROL_FD)
		status_fd = dup(status_fd);
	if (ctl_fd == BOOT_EXEC_FD || ctl_fd == BOOT_STATUS_FD)
		ctl_fd = dup(ctl_fd);
	if (in == BOOT_STATUS_FD || in == BOOT_CONTROL_FD)
		in = dup(in);
	for (int i = 0; i < c->ngofers; i++)
		gofers[i] = fcntl(c->gofers[i], F_DUPFD_CLOEXEC, 100);
	if (in < 0)
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (move_fd(in, BOOT_EXEC_FD) || move_fd(status_fd, BOOT_STATUS_FD) ||
	    move_fd(ctl_fd, BOOT_CONTROL_FD))
		_exit(SBX_EXIT_ERROR);
	for (int i = 0; i < c->ngofers; i++)
		if (move_fd(gofers[i], BOOT_GOFER_FD + i))
			_exit(SBX_EXIT_ERROR);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/*
	 * The Sentry dies with its monitor (the CLI in the foreground): nobody would
	 * record its end, and a `sbx run` killed with SIGKILL would leave it running.
	 * Its pid namespace goes with it, stubs and all; the gofers see their socket
	 * close. Kept across the exec (sbx is not set-id).
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		_exit(SBX_EXIT_ERROR);
	execv("/proc/self/exe", c->args);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nowhere to say it */
	}
	_exit(SBX_EXIT_ERROR);
}

/* Reads one status line; "" at end of file. */
static void read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = 0;
}

/*
 * Reads the next status line that is not "command TEXT" (a restored Sentry's: the
 * command its image was started with), which goes into @m (*got set) instead.
 */
static void read_status(int fd, char *buf, size_t len, struct sbx_meta *m, bool *got)
{
	for (;;) {
		read_line(fd, buf, len);
		if (strncmp(buf, "command ", 8))
			return;
		snprintf(m->command, sizeof(m->command), "%s", buf + 8);
		*got = true;
	}
}

/* Turns the Sentry's final status line and wait status into sbx's exit status,
 * recording the outcome in the state directory. */
static int finish(const char *id, const char *line, int ws, bool quiet)
{
	char reason[160] = "";
	int rc;

	if (!strncmp(line, "exit ", 5)) {
		int st = atoi(line + 5);

		rc = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	} else if (!strcmp(line, "checkpointed")) {
		rc = 0;
		snprintf(reason, sizeof(reason), "checkpointed");
	} else if (!strncmp(line, "error ", 6)) {
		rc = SBX_EXIT_ERROR;
		snprintf(reason, sizeof(reason), "%.159s", line + 6);
		if (!quiet)
			fprintf(stderr, "sbx: %s\n", line + 6);
	} else {
		rc = SBX_EXIT_ERROR;
		if (WIFSIGNALED(ws))
			snprintf(reason, sizeof(reason),
				 "internal error: the sentry was killed by signal %d (%s)",
				 WTERMSIG(ws), strsignal(WTERMSIG(ws)));
		else
			snprintf(reason, sizeof(reason), "internal error: the sentry exited "
				 "with status %d without reporting", WEXITSTATUS(ws));
		if (!quiet)
			fprintf(stderr, "sbx: %s\n", reason);
	}
	statedir_set_stopped(id, rc == SBX_EXIT_ERROR && reason[0] ? -1 : rc, reason);
	return rc;
}

/*
 * The Sentry paused the sandbox for stop signal @sig (^Z's SIGTSTP, or a SIGTTIN or
 * SIGTTOU someone sent it), or resumed it after a SIGCONT (@sig 0). Recorded as sbx
 * pause and sbx resume record it; a foreground sbx then stops itself with @sig, so
 * that its shell sees the job stop as it would a program's, and goes on at the
 * SIGCONT of fg or bg, which the Sentry gets too.
 */
static void job_stop(struct sbx_meta *m, int sig, bool foreground)
{
	statedir_set_status(m->id, sig ? "running" : "paused", sig ? "paused" : "running");
	if (sig && foreground)
		stop_as_job(sig);
}

void stop_as_job(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;

	sigaction(sig, &dfl, &old);
	raise(sig);
	sigaction(sig, &old, NULL);
}

/* Forks the Sentry, waits for it, records everything. Returns sbx's exit status.
 * @ready, if >= 0, gets one byte once the Sentry runs (or has failed). */
static int monitor(const struct launch *l, struct sbx_meta *m, int ctl_fd, int ready,
		   bool quiet)
{
	char line[512], first[512], memory[24], pids[16];
	struct sentry_child child;
	int pipefd[2], ws, rc = 0;
	bool early, got_command = false;
	char why[256];

	if (sandbox_new_pidns(why, sizeof(why))) {
		statedir_set_stopped(m->id, -1, why);
		if (!quiet)
			fprintf(stderr, "sbx: %s\n", why);
		return SBX_EXIT_ERROR;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return SBX_EXIT_ERROR;
	child.args = sentry_args(l, memory, pids);
	if (!child.args)
		return SBX_EXIT_ERROR;
	child.in = l->input_fd;
	child.status_fd = pipefd[1];
	child.ctl_fd = ctl_fd;
	child.ngofers = ngofers;
	memcpy(child.gofers, gofer_fds, sizeof(child.gofers));
	sentry_pid = cli_spawn(exec_sentry, &child);
	free(child.args);
	if (sentry_pid < 0)
		return SBX_EXIT_ERROR;
	close(pipefd[1]);
	close(ctl_fd);
	if (l->input_fd >= 0)
		close(l->input_fd);
	for (int i = 0; i < ngofers; i++)
		close(gofer_fds[i]);
	m->pid = sentry_pid;
	m->monitor = getpid();
	statedir_write_meta(m);

	cr_mark("monitor: sentry forked");
	read_status(pipefd[0], first, sizeof(first), m, &got_command);
	cr_mark("monitor: first status line");
	if (!strcmp(first, "waiting")) {
		struct sbx_meta cur;

		/* Created: ready as it is (status "created"); a restore starts it. */
		if (ready >= 0 && write(ready, "r", 1) < 0) {
			/* the CLI is gone */
		}
		ready = -1;
		read_status(pipefd[0], first, sizeof(first), m, &got_command);
		/* sbx restore --into recorded what it restores before asking; the
		 * image's own command, if it has one, says more. */
		if (!got_command && !statedir_read_meta(m->id, &cur))
			snprintf(m->command, sizeof(m->command), "%s", cur.command);
	}
	if (!strcmp(first, "started")) {
		snprintf(m->status, sizeof(m->status), "running");
		statedir_write_meta(m);
		if (ready >= 0 && write(ready, "r", 1) < 0) {
			/* the CLI is gone; the sandbox runs on */
		}
		read_line(pipefd[0], line, sizeof(line));
		for (;;) {
			int sig = 0;

			if (strcmp(line, "continued") && sscanf(line, "stopped %d", &sig) != 1)
				break;
			job_stop(m, sig, !quiet);
			read_line(pipefd[0], line, sizeof(line));
		}
	} else {
		snprintf(line, sizeof(line), "%s", first);
	}
	/*
	 * A checkpointed sandbox has ended once its image is complete: its tasks never
	 * run again. Record that now rather than after the Sentry's exit, in which the
	 * host frees the sandbox's memory (about 0.1 s for 256 MB here), so that
	 * `sbx checkpoint`, which waits for the record, does not wait for that too.
	 */
	early = !strcmp(line, "checkpointed");
	if (early)
		rc = finish(m->id, line, 0, quiet);
	while (waitpid(sentry_pid, &ws, 0) < 0 && errno == EINTR)
		;
	close(pipefd[0]);
	ws = early ? rc : finish(m->id, line, ws, quiet);
	if (ready >= 0 && strcmp(first, "started") && write(ready, "f", 1) < 0) {
		/* nothing to tell */
	}
	return ws;
}

int launch(const struct launch *l)
{
	struct sbx_meta m = { .exit_status = -1 };
	char id[SBX_ID_MAX + 1];
	int ctl_fd, err, rc, ready[2];
	pid_t mon;

	if (l->id)
		snprintf(id, sizeof(id), "%s", l->id);
	else
		gen_id(id, sizeof(id));
	if (!statedir_valid_id(id))
		die("invalid sandbox name '%s' (letters, digits, '_', '.', '-'; at most %d)",
		    id, SBX_ID_MAX);
	err = statedir_create(id);
	if (err == -EEXIST)
		die("a sandbox named '%s' already exists (sbx delete %s)", id, id);
	if (err)
		die("cannot create the state directory under %s: %s", statedir_root(),
		    strerror(-err));
	snprintf(m.id, sizeof(m.id), "%s", id);
	snprintf(m.platform, sizeof(m.platform), "%s", l->platform);
	snprintf(m.status, sizeof(m.status), "created");
	m.created = time(NULL);
	statedir_command(m.command, sizeof(m.command),
			 l->argv ? l->argv : (char *const[]){ (char *)l->command, NULL });
	statedir_write_meta(&m);
	cr_mark("cli: state directory made");
	gofer_start_all(l, gofer_fds, &ngofers);
	cr_mark("cli: gofer started");
	ctl_fd = ctl_listen(id);
	if (ctl_fd < 0) {
		statedir_remove(id);
		die("cannot create the control socket: %s", strerror(-ctl_fd));
	}

	if (!l->detach && !l->warm) {
		signal(SIGINT, SIG_IGN);   /* the terminal sends these to the Sentry too */
		signal(SIGQUIT, SIG_IGN);
		signal(SIGTSTP, SIG_IGN);  /* the Sentry pauses, then says so (job_stop) */
		signal(SIGTERM, forward);
		signal(SIGHUP, forward);
		rc = monitor(l, &m, ctl_fd, -1, false);
		statedir_remove(id);
		return rc;
	}

	if (pipe2(ready, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	mon = fork();
	if (mon < 0)
		die("fork: %s", strerror(errno));
	if (mon == 0) {
		close(ready[0]);
		setsid();
		signal(SIGHUP, SIG_IGN);
		_exit(monitor(l, &m, ctl_fd, ready[1], true));
	}
	close(ready[1]);
	close(ctl_fd);
	if (l->input_fd >= 0)
		close(l->input_fd);
	for (int i = 0; i < ngofers; i++)
		close(gofer_fds[i]);
	{
		char c = 0;

		while (read(ready[0], &c, 1) < 0 && errno == EINTR)
			;
		if (c != 'r') {
			struct sbx_meta fin;

			waitpid(mon, NULL, 0);
			if (!statedir_read_meta(id, &fin) && fin.reason[0])
				fprintf(stderr, "sbx: %s\n", fin.reason);
			else
				fprintf(stderr, "sbx: the sandbox failed to start\n");
			return SBX_EXIT_ERROR;
		}
	}
	if (!l->id)
		printf("%s\n", id);
	return 0;
}
