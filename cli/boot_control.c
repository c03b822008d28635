/*
 * The Sentry's side of the control socket: its main thread serves pause, resume,
 * kill, status and checkpoint requests until init exits. Every field of a request is
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
	int passed_fd;          /* a descriptor sent with the request, or -1 */
	struct ctl_req req;
};

static int ctl_recv(int listen_fd, struct ctl_conn *c)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { &c->req, sizeof(c->req) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			      .msg_controllen = sizeof(cm.buf) };
	struct cmsghdr *h;
	ssize_t n;

	c->passed_fd = -1;
	c->fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	for (h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
		    h->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&c->passed_fd, CMSG_DATA(h), sizeof(int));
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

/* Saves the sandbox into the image descriptor that came with the request. Returns
 * true when the sandbox is to end now (saved, without --leave-running). */
static bool ctl_checkpoint(struct kernel *k, struct ctl_conn *c, struct ctl_reply *rep,
			   bool paused)
{
	struct ckpt_stats st = { 0 };
	int comp = c->req.arg;

	if (c->passed_fd < 0 || comp < CKPT_COMP_ZSTD || comp > CKPT_COMP_NONE ||
	    (c->req.flags & ~CTL_LEAVE_RUNNING)) {
		rep->err = -EINVAL;
		snprintf(rep->msg, sizeof(rep->msg), "malformed checkpoint request");
		return false;
	}
	cr_mark("sentry: checkpoint request");
	if (!paused)
		kernel_stop_world(k);
	cr_mark("sentry: world stopped");
	rep->err = kernel_checkpoint(k, c->passed_fd, comp, &st, rep->msg, sizeof(rep->msg));
	cr_mark("sentry: image written");
	rep->bytes = st.image_bytes;
	rep->usec = st.usec;
	if (!rep->err && !(c->req.flags & CTL_LEAVE_RUNNING))
		return true;
	if (!paused)
		kernel_resume_world(k);
	return false;
}

void ctl_serve(struct kernel *k, int listen_fd, char *status, size_t len)
{
	bool paused = false;

	for (;;) {
		struct pollfd p[2] = { { .fd = k->done_fd, .events = POLLIN },
				       { .fd = listen_fd, .events = POLLIN } };
		struct ctl_reply rep = { 0 };
		struct ctl_conn c;
		int err;

		if (poll(p, listen_fd >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (p[0].revents) {
			snprintf(status, len, "exit %d", kernel_wait(k));
			return;
		}
		if (!p[1].revents)
			continue;
		err = ctl_recv(listen_fd, &c);
		if (err) {
			if (c.fd >= 0) {
				rep.err = err;
				snprintf(rep.msg, sizeof(rep.msg), "malformed request");
				ctl_reply(&c, &rep);
				close(c.fd);
			}
			if (c.passed_fd >= 0)
				close(c.passed_fd);
			continue;
		}
		switch (c.req.op) {
		case CTL_STATUS:
			break;
		case CTL_PAUSE:
			if (!paused)
				kernel_stop_world(k);
			paused = true;
			break;
		case CTL_RESUME:
			if (paused)
				kernel_resume_world(k);
			paused = false;
			break;
		case CTL_KILL:
			rep.err = kernel_signal_init(k, c.req.arg);
			/* A paused sandbox still dies of SIGKILL, as a frozen container does. */
			if (!rep.err && c.req.arg == SIGKILL && paused) {
				kernel_resume_world(k);
				paused = false;
			}
			break;
		case CTL_CHECKPOINT:
			if (ctl_checkpoint(k, &c, &rep, paused)) {
				ctl_reply(&c, &rep);
				close(c.fd);
				close(c.passed_fd);
				snprintf(status, len, "checkpointed");
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
		if (c.passed_fd >= 0)
			close(c.passed_fd);
	}
}
