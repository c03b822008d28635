/* pty.h (include it first: it defines _GNU_SOURCE): helpers shared by the
 * testdata/pty programs. Every wait is a blocking read or poll with a long limit
 * (a safety net against a hang, never an expectation about time); what they print
 * is bytes and errno names, the same natively and under sbx. */
#ifndef SBX_TD_PTY_H
#define SBX_TD_PTY_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define PTY_SAFETY_MS 20000

static inline void pty_die(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

/* A master and its slave (opened with @sflags, O_NOCTTY added unless @ctty). */
static inline void pty_pair(int *m, int *s, int sflags, int ctty)
{
	*m = posix_openpt(O_RDWR | O_NOCTTY);
	if (*m < 0 || grantpt(*m) || unlockpt(*m))
		pty_die("posix_openpt");
	*s = open(ptsname(*m), O_RDWR | sflags | (ctty ? 0 : O_NOCTTY));
	if (*s < 0)
		pty_die("open slave");
}

static inline const char *pty_err(int e)
{
	switch (e) {
	case 0: return "ok";
	case EIO: return "EIO";
	case EAGAIN: return "EAGAIN";
	case ENXIO: return "ENXIO";
	case ENOTTY: return "ENOTTY";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	default: return "other";
	}
}

/* Prints @n bytes of @buf with control bytes escaped. */
static inline void pty_show(const char *label, const char *buf, long n)
{
	printf("%s [", label);
	for (long i = 0; i < n; i++) {
		unsigned char c = buf[i];

		if (c == '\r')
			printf("\\r");
		else if (c == '\n')
			printf("\\n");
		else if (c < 32 || c >= 127)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("]\n");
	fflush(stdout);
}

/* Reads from @fd until @mark has been read (appended to @buf, NUL-terminated), end
 * of file, an error, or the safety limit: the bytes read. */
static inline long pty_read_until(int fd, char *buf, long cap, const char *mark)
{
	long n = 0;

	buf[0] = 0;
	while (n < cap - 1 && !strstr(buf, mark)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long r;

		if (poll(&p, 1, PTY_SAFETY_MS) <= 0)
			break;
		r = read(fd, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += r;
		buf[n] = 0;
	}
	return n;
}

/* Writes all of @s to @fd. */
static inline void pty_put(int fd, const char *s)
{
	size_t len = strlen(s);

	if (write(fd, s, len) != (ssize_t)len)
		pty_die("write");
}

static inline void pty_status(const char *who, int st)
{
	if (WIFEXITED(st))
		printf("%s exited %d\n", who, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s killed by %s\n", who, strsignal(WTERMSIG(st)));
	else if (WIFSTOPPED(st))
		printf("%s stopped by %s\n", who, strsignal(WSTOPSIG(st)));
	else
		printf("%s status %#x\n", who, st);
	fflush(stdout);
}

#endif
