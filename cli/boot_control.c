/*
 * The Sentry's side of the control socket: its main thread serves pause, resume,
 * kill, status and checkpoint requests until init exits; a created sandbox serves
 * status, kill and restore until it is restored into. Every field of a request is
 * checked before use: the socket is reachable by whoever can reach the state
 * directory, which the CLI creates 0700.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "control.h"
#include "kernel.h"

struct ctl_conn {
	int fd;
	int passed[CTL_MAX_FDS];        /* descriptors sent with the request */
	int npassed;
	struct ctl_req req;
};

static void close_passed(struct ctl_conn *c)
{
	for (int i = 0; i < c->npassed; i++)
		close(c->passed[i]);
	c->npassed = 0;
}

static int ctl_recv(int listen_fd, struct ctl_conn *c)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
	} cm;
	struct iovec iov = { &c->req, sizeof(c->req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			      .msg_controllen = sizeof(cm.buf) };
	struct cmsghdr *h;
	ssize_t n;

	c->npassed = 0;
	c->fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	for (h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
		size_t k;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS ||
		    h->cmsg_len < CMSG_LEN(0))
			continue;
		k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (c->npassed < CTL_MAX_FDS)
				c->passed[c->npassed++] = fd;
			else
				close(fd);
		}
	}
	if (n != sizeof(c->req) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    c->req.magic != CTL_MAGIC)
		return -EPROTO;
	return 0;
}

static void ctl_reply(struct ctl_conn *c, const struct ctl_reply *rep)
{
	if (send(c->fd, rep, sizeof(*rep), MSG_NOSIGNAL) < 0) {
		/* the client went away; nothing to undo */
	}
}

/* Accepts the next request; a malformed one is answered and dropped here (false). */
static bool ctl_next(int listen_fd, struct ctl_conn *c)
{
	struct ctl_reply rep = { 0 };
	int err = ctl_recv(listen_fd, c);

	if (!err)
		return true;
	if (c->fd >= 0) {
		rep.err = err;
		snprintf(rep.msg, sizeof(rep.msg), "malformed request");
		ctl_reply(c, &rep);
		close(c->fd);
	}
	close_passed(c);
	return false;
}

/* The reply to a pause or checkpoint whose stop of the world was given up. */
static void stop_failed(struct ctl_reply *rep)
{
	rep->err = -ETIMEDOUT;
	snprintf(rep->msg, sizeof(rep->msg), "the sandbox did not stop within %d s; it goes on",
		 KERNEL_STOP_TIMEOUT_S);
}

/* Saves the sandbox into the image descriptor that came with the request. Returns
 * true when the sandbox is to end now (saved, without --leave-running). */
static bool ctl_checkpoint(struct kernel *k, struct ctl_conn *c, struct ctl_reply *rep,
			   bool paused)
{
	struct ckpt_stats st = { 0 };
	int comp = c->req.arg;

	if (c->npassed != 1 || comp < CKPT_COMP_ZSTD || comp > CKPT_COMP_NONE ||
	    (c->req.flags & ~CTL_LEAVE_RUNNING)) {
		rep->err = -EINVAL;
		snprintf(rep->msg, sizeof(rep->msg), "malformed checkpoint request");
		return false;
	}
	cr_mark("sentry: checkpoint request");
	if (!paused && kernel_stop_world(k)) {
		stop_failed(rep);
		return false;
	}
	cr_mark("sentry: world stopped");
	rep->err = kernel_checkpoint(k, c->passed[0], comp, &st, rep->msg, sizeof(rep->msg));
	cr_mark("sentry: image written");
	rep->bytes = st.image_bytes;
	rep->usec = st.usec;
	if (!rep->err && !(c->req.flags & CTL_LEAVE_RUNNING))
		return true;
	if (!paused)
		kernel_resume_world(k);
	return false;
}

/* A line to the monitor on the status pipe; nobody to tell if it is gone. */
static void tell_monitor(int status_fd, const char *line)
{
	if (write(status_fd, line, strlen(line)) < 0) {
		/* the monitor is gone */
	}
}

/*
 * The sandbox a ^Z paused goes on, or ends, other than by the job's SIGCONT (sbx
 * resume, kill -9, a checkpoint): the stopped foreground sbx, the Sentry's monitor
 * in its process group, is continued too, so that it records what happened and its
 * shell sees the job run again or end.
 */
static void wake_job(bool *tty_paused)
{
	if (*tty_paused)
		kill(0, SIGCONT);
	*tty_paused = false;
}

void ctl_serve(struct kernel *k, int listen_fd, int jobctl_fd, int status_fd,
	       char *status, size_t len)
{
	/* paused: the world is stopped. tty_paused: by a stop signal, so a SIGCONT
	 * resumes it. job_stopped: the monitor was told "stopped" and no SIGCONT has
	 * come since; a second stop (two readers of the terminal, ^Z again) is not
	 * told twice, which would stop the monitor again after its fg. */
	bool paused = false, tty_paused = false, job_stopped = false;

	for (;;) {
		struct pollfd p[3] = { { .fd = k->done_fd, .events = POLLIN },
				       { .fd = jobctl_fd, .events = POLLIN },
				       { .fd = listen_fd, .events = POLLIN } };
		struct ctl_reply rep = { 0 };
		struct ctl_conn c;
		char what;

		if (poll(p, 3, -1) < 0)
			continue;
		if (p[0].revents) {
			snprintf(status, len, "exit %d", kernel_wait(k));
			return;
		}
		if (p[1].revents && read(jobctl_fd, &what, 1) == 1) {
			if (what == SIGTSTP || what == SIGTTIN || what == SIGTTOU) {
				char line[32];

				if (job_stopped)
					continue;
				job_stopped = true;
				/* Paused here, or already by sbx pause (which only
				 * sbx resume undoes); either way the job stops. */
				if (!paused && kernel_stop_world(k)) {
					job_stopped = false;
					continue;	/* did not stop: goes on */
				}
				tty_paused |= !paused;
				paused = true;
				snprintf(line, sizeof(line), "stopped %d\n", what);
				tell_monitor(status_fd, line);
			} else if (what == SIGCONT) {
				job_stopped = false;
				if (tty_paused) {
					kernel_resume_world(k);
					paused = tty_paused = false;
					tell_monitor(status_fd, "continued\n");
				}
			}
			continue;
		}
		if (!p[2].revents || !ctl_next(listen_fd, &c))
			continue;
		switch (c.req.op) {
		case CTL_STATUS:
			break;
		case CTL_PAUSE:
			if (!paused && kernel_stop_world(k)) {
				stop_failed(&rep);
				break;
			}
			paused = true;
			break;
		case CTL_RESUME:
			if (paused)
				kernel_resume_world(k);
			paused = false;
			wake_job(&tty_paused);
			break;
		case CTL_KILL:
			rep.err = c.req.flags & CTL_FOREGROUND ?
					  kernel_signal_foreground(k, c.req.arg) :
					  kernel_signal_init(k, c.req.arg);
			/* A paused sandbox still dies of SIGKILL, as a frozen container does. */
			if (!rep.err && c.req.arg == SIGKILL && paused) {
				kernel_resume_world(k);
				paused = false;
				wake_job(&tty_paused);
			}
			break;
		case CTL_CHECKPOINT:
			if (ctl_checkpoint(k, &c, &rep, paused)) {
				wake_job(&tty_paused);
				/* The monitor first, so that the sandbox is recorded
				 * stopped by the time sbx checkpoint, which waits for
				 * that, has committed the image. */
				tell_monitor(status_fd, "checkpointed\n");
				ctl_reply(&c, &rep);
				close(c.fd);
				close_passed(&c);
				status[0] = 0;
				return;
			}
			break;
		default:
			rep.err = -EINVAL;
			snprintf(rep.msg, sizeof(rep.msg), "unknown request %u", c.req.op);
		}
		rep.state = paused ? CTL_PAUSED : CTL_RUNNING;
		ctl_reply(&c, &rep);
		close(c.fd);
		close_passed(&c);
	}
}

int ctl_await_restore(int listen_fd, struct ctl_restore *r, char *status, size_t len)
{
	for (;;) {
		struct ctl_reply rep = { .state = CTL_CREATED };
		struct ctl_conn c;

		if (!ctl_next(listen_fd, &c))
			continue;
		switch (c.req.op) {
		case CTL_STATUS:
			break;
		case CTL_KILL:
			/* Nothing runs: any valid signal ends the sandbox as it would have
			 * ended its init, by that signal. */
			if (c.req.arg <= 0 || c.req.arg >= 65) {
				rep.err = -EINVAL;
				break;
			}
			ctl_reply(&c, &rep);
			close(c.fd);
			close_passed(&c);
			snprintf(status, len, "exit %d", c.req.arg & 0x7f);
			return -1;
		case CTL_RESTORE:
			if (c.npassed != 4 || (c.req.flags & ~CTL_LAZY)) {
				rep.err = -EINVAL;
				snprintf(rep.msg, sizeof(rep.msg), "malformed restore request");
				break;
			}
			*r = (struct ctl_restore){ .conn = c.fd, .flags = c.req.flags,
						   .image = c.passed[0],
						   .stdio = { c.passed[1], c.passed[2],
							      c.passed[3] } };
			return 0;
		default:
			rep.err = -EINVAL;
			snprintf(rep.msg, sizeof(rep.msg), "the sandbox is created, not "
				 "restored yet: nothing runs in it");
		}
		ctl_reply(&c, &rep);
		close(c.fd);
		close_passed(&c);
	}
}

void ctl_restore_done(struct ctl_restore *r, int err, const char *msg)
{
	struct ctl_reply rep = { .err = err, .state = err ? CTL_CREATED : CTL_RUNNING };
	struct ctl_conn c = { .fd = r->conn };

	snprintf(rep.msg, sizeof(rep.msg), "%s", msg ? msg : "");
	ctl_reply(&c, &rep);
	close(r->conn);
	close(r->image);
	for (int i = 0; i < 3; i++)
		close(r->stdio[i]);
}
