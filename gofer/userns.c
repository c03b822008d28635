/*
 * Entering a user namespace of one's own, where the caller's uid and gid map to root:
 * the first step of both jails when sbx runs unprivileged, the gofer's (jail.c) and
 * the Sentry's (cli/sandbox.c). It lives here because the gofer library is the one of
 * the two that the other links (the sbx binary links sbx_gofer), and it touches no
 * kernel object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gofer.h"

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

int gofer_enter_userns(char *why, size_t whylen)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	int err;

	if (unshare(CLONE_NEWUSER)) {
		snprintf(why, whylen, "cannot create a user namespace: %s", strerror(errno));
		return -errno;
	}
	snprintf(map, sizeof(map), "0 %u 1", uid);
	err = write_file("/proc/self/uid_map", map);
	if (!err)
		err = write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", gid);
	if (!err)
		err = write_file("/proc/self/gid_map", map);
	if (err)
		snprintf(why, whylen, "cannot map ids in the user namespace: %s",
			 strerror(-err));
	return err;
}
