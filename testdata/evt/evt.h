/* evt.h: shared by the testdata/evt programs. R(call) prints the call's text and
 * its result or errno name, so the native and sandboxed outputs can be compared. */
#ifndef SBX_TD_EVT_H
#define SBX_TD_EVT_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static inline const char *evt_err(int e)
{
	switch (e) {
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case ELOOP: return "ELOOP";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	default: return strerror(e);
	}
}

#define R(call) do { \
	errno = 0; \
	long _r = (long)(call); \
	if (_r < 0) \
		printf("%-60s -> -1 %s\n", #call, evt_err(errno)); \
	else \
		printf("%-60s -> ok\n", #call); \
	fflush(stdout); \
} while (0)

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s (errno %s)\n", __FILE__, __LINE__, #cond, \
		       evt_err(errno)); \
		exit(1); \
	} \
} while (0)

/* Prints where /proc/self/fd/@fd leads (anon_inode:[type] for an event file). */
static inline void evt_show_link(int fd)
{
	char path[64], link[64] = "";

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (readlink(path, link, sizeof(link) - 1) < 0)
		strcpy(link, evt_err(errno));
	printf("link %s\n", link);
}

/* Sorts @n events by their data, so that reports compare whatever their order. */
static inline void evt_sort(struct epoll_event *ev, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (ev[j].data.u64 < ev[i].data.u64) {
				struct epoll_event x = ev[i];

				ev[i] = ev[j];
				ev[j] = x;
			}
}

#endif
