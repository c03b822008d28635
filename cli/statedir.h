/*
 * Sandbox state directories: ROOT/<id>/ holds the control socket and a metadata file
 * that sbx list reads. ROOT is /run/sbx as root (or $XDG_RUNTIME_DIR/sbx, else
 * /tmp/sbx-<uid>), overridden with the global option sbx --root DIR.
 */
#ifndef SBX_CLI_STATEDIR_H
#define SBX_CLI_STATEDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SBX_ID_MAX 64

struct sbx_meta {
	char id[SBX_ID_MAX + 1];
	pid_t pid;              /* the Sentry's host pid */
	pid_t monitor;          /* the process that waits for the Sentry */
	char platform[16];
	long long created;      /* unix seconds */
	char command[512];
	char status[16];        /* created, running, paused, stopped */
	int exit_status;        /* application's exit status (sbx run rules), -1 if none */
	char reason[160];       /* why it stopped, when it did not simply exit */
};

extern const char *sbx_root;    /* set by the global --root option */

const char *statedir_root(void);
/* ROOT/<id> into @buf; -EINVAL for an id that is not [A-Za-z0-9][A-Za-z0-9_.-]*. */
int statedir_path(const char *id, char *buf, size_t len);
bool statedir_valid_id(const char *id);
/* Creates ROOT/<id>; -EEXIST if it exists. */
int statedir_create(const char *id);
int statedir_write_meta(const struct sbx_meta *m);
/* A command line as sbx list shows it: @argv joined by spaces, newlines made spaces,
 * cut to fit @len. */
void statedir_command(char *dst, size_t len, char *const argv[]);
int statedir_read_meta(const char *id, struct sbx_meta *m);
/* Marks the sandbox stopped with its exit status or a reason. */
int statedir_set_stopped(const char *id, int exit_status, const char *reason);
/* Records status @to ("running", "paused") if the sandbox's is @from (NULL: any). */
int statedir_set_status(const char *id, const char *from, const char *to);
int statedir_remove(const char *id);
/* Refreshes m->status from the host: a Sentry that died is stopped, never running. */
void statedir_refresh(struct sbx_meta *m);
/* Waits until process @pid (a monitor) is gone, at most @ms milliseconds: woken by
 * its end where a pidfd can be had, else looking every 20 ms. */
void statedir_await_gone(pid_t pid, int ms);
/* Waits until sandbox @id has stopped and its outcome is recorded: woken when its
 * monitor, which records the outcome, exits (a pidfd), and looking at least every
 * @poll_ms (calling @tick, if given, each time); 0 with its final metadata in @m, or
 * -errno if it has no state. */
int statedir_wait_stopped(const char *id, struct sbx_meta *m, int poll_ms,
			  void (*tick)(const char *id));
/* Calls @fn for each sandbox under ROOT, sorted by id. */
int statedir_each(void (*fn)(struct sbx_meta *m, void *arg), void *arg);

#endif
