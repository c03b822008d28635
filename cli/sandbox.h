/*
 * The Sentry's jail (issue "defense in depth"): namespaces, an empty read-only root,
 * no capabilities, no new privileges, and a seccomp allow-list. See cli/README.md for
 * the trust model.
 */
#ifndef SBX_CLI_SANDBOX_H
#define SBX_CLI_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

struct platform;

/* Called by sbx run before it forks the Sentry: the Sentry's children will be in a
 * new pid namespace, whose init the Sentry is (and in a new user namespace, mapping
 * the caller to root, when sbx is not run as root). */
int sandbox_new_pidns(char *why, size_t whylen);

/* Enters new mount, ipc, uts and network namespaces and pivots into an empty root.
 * Writes a reason to @why on failure. */
int sandbox_enter(char *why, size_t whylen);

/* Drops what the Sentry no longer needs and installs its seccomp filter, after which
 * it cannot open a file or execute anything. @debug_filter logs a denied syscall
 * and fails it with ENOSYS instead of killing the Sentry. @status_fd receives the
 * violation report. */
int sandbox_lockdown(const struct platform *plat, bool debug_filter, int status_fd,
		     char *why, size_t whylen);

#endif
