/*
 * The control socket between sbx commands and a running Sentry: a SOCK_SEQPACKET
 * unix socket at ROOT/<id>/control.sock, created by the CLI (the Sentry may not create
 * sockets) and inherited by the Sentry. One request and one reply per connection,
 * both fixed-size structs that the receiver validates field by field; a descriptor
 * (the checkpoint image) travels with SCM_RIGHTS.
 */
#ifndef SBX_CLI_CONTROL_H
#define SBX_CLI_CONTROL_H

#include <stdint.h>

#define CTL_MAGIC 0x73627863U   /* "sbxc" */
#define CTL_SOCK "control.sock"

enum ctl_op {
	CTL_STATUS = 1,
	CTL_PAUSE,
	CTL_RESUME,
	CTL_KILL,               /* arg: signal number */
	CTL_CHECKPOINT,         /* arg: compression; flags; fd: the image */
};

#define CTL_LEAVE_RUNNING 0x1

struct ctl_req {
	uint32_t magic;
	uint32_t op;
	int32_t arg;
	uint32_t flags;
};

enum ctl_state { CTL_RUNNING = 1, CTL_PAUSED };

struct ctl_reply {
	int32_t err;            /* 0 or -errno */
	uint32_t state;         /* enum ctl_state */
	uint64_t bytes;         /* checkpoint: image bytes written */
	uint64_t usec;          /* checkpoint: time the world was stopped */
	char msg[232];          /* a reason when err != 0 */
};

/* Client (control.c). Sends @req (with @fd unless -1) to sandbox @id and waits for
 * the reply. -ECONNREFUSED/-ENOENT when no Sentry listens. */
int ctl_call(const char *id, const struct ctl_req *req, int fd, struct ctl_reply *rep);
/* The same, calling @tick(@arg, @t0) every 200 ms while the reply is awaited. */
int ctl_call_timed(const char *id, const struct ctl_req *req, int fd,
		   struct ctl_reply *rep, void (*tick)(int arg, double t0), int arg, double t0);
/* Creates, binds and listens on ROOT/<id>/control.sock; returns the fd. */
int ctl_listen(const char *id);

/* Server (boot_control.c), in the Sentry's main thread: serves requests until init
 * exits or the sandbox is checkpointed. Returns the status line to report. */
struct kernel;
void ctl_serve(struct kernel *k, int listen_fd, char *status, size_t len);

#endif
