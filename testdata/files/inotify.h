/* inotify.h: shared by the testdata/files inotify programs. Events are printed by
 * name (wd, mask bits, the name and its padded length), with rename cookies shown as
 * the order in which each was first seen, so that a native run and a sandboxed one
 * compare line by line. */
#ifndef SBX_TD_INOTIFY_H
#define SBX_TD_INOTIFY_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static const struct {
	unsigned bit;
	const char *name;
} in_bits[] = {
	{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
	{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
	{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
	{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
	{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" },
	{ IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
};

static unsigned in_cookies[64], in_ncookies;

static inline void in_print_mask(unsigned mask)
{
	const char *sep = "";

	for (unsigned i = 0; i < sizeof(in_bits) / sizeof(in_bits[0]); i++) {
		if (mask & in_bits[i].bit) {
			printf("%s%s", sep, in_bits[i].name);
			sep = "|";
			mask &= ~in_bits[i].bit;
		}
	}
	if (mask)
		printf("%s0x%x", sep, mask);
}

/* The cookie as 0, or the rank of its first appearance. */
static inline unsigned in_cookie(unsigned c)
{
	if (!c)
		return 0;
	for (unsigned i = 0; i < in_ncookies; i++)
		if (in_cookies[i] == c)
			return i + 1;
	if (in_ncookies < 64)
		in_cookies[in_ncookies++] = c;
	return in_ncookies;
}

static inline void in_print_event(const struct inotify_event *ev)
{
	printf("  wd %d ", ev->wd);
	in_print_mask(ev->mask);
	if (ev->cookie)
		printf(" cookie#%u", in_cookie(ev->cookie));
	if (ev->len)
		printf(" \"%s\" len %u", ev->name, ev->len);
	printf("\n");
}

/* Reads and prints every event queued on the (nonblocking) instance @fd, under a
 * heading; returns how many there were. */
static inline int in_drain(int fd, const char *what)
{
	char buf[65536] __attribute__((aligned(8)));
	int n = 0;

	printf("%s:\n", what);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0) {
			if (errno != EAGAIN)
				printf("  read: %s\n", strerrorname_np(errno));
			break;
		}
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			in_print_event(ev);
			p += sizeof(*ev) + ev->len;
			n++;
		}
	}
	return n;
}

static inline const char *in_res(long r)
{
	static char s[32];

	if (r < 0)
		return strerrorname_np(errno);
	snprintf(s, sizeof(s), "%ld", r);
	return s;
}

#endif
