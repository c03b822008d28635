/*
 * The gofer: the only sbx process that opens host files. It serves one directory
 * (its root, pivoted to) over a SOCK_SEQPACKET socket to one Sentry, speaking the
 * protocol in proto.h. See cli/README.md ("The gofer") for the trust argument.
 *
 * Internal interface between the gofer's files: the node table (server.c), the
 * operations (handlers.c) and the jail (jail.c, userns.c; the Sentry's jail in
 * cli/sandbox.c uses gofer_enter_userns too).
 */
#ifndef SBX_GOFER_H
#define SBX_GOFER_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

/* One walked file: an O_PATH descriptor, and how it was reached so that it can be
 * opened again relative to its parent without following a symlink. */
struct gofer_node {
	int fd;                 /* O_PATH | O_NOFOLLOW; -1 if the slot is free */
	uint32_t parent;        /* handle of the directory it was walked from; 0: root */
	char *name;             /* its name there; NULL for the root */
};

struct gofer_server {
	int sock;
	bool ro;                /* serve read-only: every change is EROFS */
	struct gofer_node *nodes;
	uint32_t nnodes, cap;
	uint32_t free_hint;
};

#define GOFER_MAX_NODES (1u << 20)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* `sbx gofer`: parses the command line, jails the process and serves. */
int gofer_main(int argc, char **argv);

/* server.c */
int gofer_server_init(struct gofer_server *s, int sock, int rootfd, bool ro);
void gofer_server_destroy(struct gofer_server *s);
/* Serves until the Sentry closes its end; returns 0 then, -errno on socket errors. */
int gofer_serve(struct gofer_server *s);
/* Handles one request packet and writes the reply into @out (*fd: descriptor to
 * send with it, or -1). Never fails: a bad request gets an error reply. */
void gofer_handle(struct gofer_server *s, const void *pkt, size_t len,
		  struct gofer_wr *out, int *fd);
struct gofer_node *gofer_node_get(struct gofer_server *s, uint64_t h);
/* Adds a node for @fd (consumed) walked as @name from @parent; returns its handle. */
int gofer_node_add(struct gofer_server *s, int fd, uint32_t parent, const char *name,
		   uint32_t *h);
void gofer_node_del(struct gofer_server *s, uint32_t h);

/* handlers.c: runs a checked request; writes its results to @out and returns how
 * many it wrote, or -errno. */
int gofer_dispatch(struct gofer_server *s, const struct gofer_req *req,
		   struct gofer_wr *out, int *fd);

/* userns.c: unshare a user namespace mapping the caller's uid and gid to 0 (also the
 * Sentry's jail's first step when unprivileged). 0, or -errno with the reason in @why. */
int gofer_enter_userns(char *why, size_t whylen);

/* jail.c: mount namespace with @dir pivoted to as "/", read-only when @ro; then
 * Landlock and the seccomp allow-list. Writes a reason to @why on failure. */
int gofer_jail_root(const char *dir, bool ro, char *why, size_t whylen);
int gofer_jail_lockdown(bool ro, char *why, size_t whylen);

#endif
