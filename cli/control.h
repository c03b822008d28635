/*
 * The control socket between sbx commands and a running Sentry: a SOCK_SEQPACKET
 * unix socket at ROOT/<id>/control.sock, created by the CLI (the Sentry may not create
 * sockets) and inherited by the Sentry. One request and one reply per connection,
 * both fixed-size structs that the receiver validates field by field; descriptors
 * travel with SCM_RIGHTS (a checkpoint's image; a restore's image and stdio).
 *
 * A sandbox made by sbx create has a Sentry that has booted (namespaces, gofer,
 * memory file, platform, seccomp filter) but runs nothing: it serves only status,
 * kill and restore until a restore gives it a kernel (a warm pool's spare sandbox).
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
	CTL_RESTORE,            /* created sandboxes only; flags; fds: image, stdin,
				 * stdout, stderr */
};

#define CTL_LEAVE_RUNNING 0x1   /* checkpoint */
#define CTL_LAZY 0x2            /* restore: memory loads behind the application */
#define CTL_FOREGROUND 0x4      /* kill: to init's process group, as a terminal sends */
#define CTL_MAX_FDS 4

struct ctl_req {
	uint32_t magic;
	uint32_t op;
	int32_t arg;
	uint32_t flags;
};

enum ctl_state { CTL_RUNNING = 1, CTL_PAUSED, CTL_CREATED };

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
/* The same with @nfds (at most CTL_MAX_FDS) descriptors. */
int ctl_call_fds(const char *id, const struct ctl_req *req, const int *fds, int nfds,
		 struct ctl_reply *rep);
/* Creates, binds and listens on ROOT/<id>/control.sock; returns the fd. */
int ctl_listen(const char *id);

/* Server (boot_control.c), in the Sentry's main thread: serves requests until init
 * exits or the sandbox is checkpointed. Returns the status line to report, or an
 * empty one when it has been said (a checkpoint's, before its reply).
 * @jobctl_fd carries the job's stops and continues, a byte each: the signal number
 * of a SIGTSTP, SIGTTIN or SIGTTOU the Sentry received, or of a SIGCONT. A stop
 * pauses the sandbox as `sbx pause` does and says "stopped SIG" on @status_fd; the
 * SIGCONT after it resumes what the stop paused and says "continued", so that the
 * foreground sbx stops and goes on with it as a job of the shell. */
struct kernel;
void ctl_serve(struct kernel *k, int listen_fd, int jobctl_fd, int status_fd,
	       char *status, size_t len);

/* A restore request accepted by a created sandbox: its connection, still to be
 * answered, and the descriptors that came with it. */
struct ctl_restore {
	int conn;
	uint32_t flags;         /* CTL_LAZY */
	int image, stdio[3];
};

/* Serves a created sandbox until a well-formed restore request comes (0, in @r) or
 * a kill ends it (-1, with the status line to report in @status). */
int ctl_await_restore(int listen_fd, struct ctl_restore *r, char *status, size_t len);
/* Answers the restore request (@err 0 or -errno with @msg) and closes what it holds. */
void ctl_restore_done(struct ctl_restore *r, int err, const char *msg);

#endif
