/*
 * Starting the gofers for sbx run and sbx restore: one per served directory (the
 * root, --rootfs or the host's "/", served read-only; then each --volume), each a
 * re-executed `sbx gofer` holding one end of a SOCK_SEQPACKET socketpair. The other
 * ends go to the Sentry at BOOT_GOFER_FD and up. A gofer exits when the Sentry's
 * end closes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "gofer_start.h"
#include "launch.h"
#include "spawn.h"

struct gofer_child {
	const char *dir;
	bool ro;
	int fd;                         /* its end of the socketpair */
};

/* In the spawned child (spawn.h): the socket at 3, nothing else past stderr. */
static int gofer_exec(void *p)
{
	const struct gofer_child *g = p;
	char *args[] = { "sbx", "gofer", "--fd", "3", g->ro ? "--ro" : NULL, NULL, NULL };

	if (g->ro)
		args[5] = (char *)g->dir;
	else
		args[4] = (char *)g->dir;
	/* Out of the terminal's foreground group: ^C, ^\ and ^Z are the
	 * application's (the Sentry passes them on), never the file server's,
	 * which a ^C used to kill under a program that went on afterwards. */
	setpgid(0, 0);
	if (g->fd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(g->fd, 3) < 0)
		_exit(SBX_EXIT_ERROR);      /* the same fd: keep it across the exec */
	for (int fd = 4; fd < 64; fd++)
		close(fd);
	execv("/proc/self/exe", args);
	_exit(SBX_EXIT_ERROR);
}

static int start_one(const char *dir, bool ro, int *sentry_end)
{
	struct gofer_child g = { dir, ro, -1 };
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	g.fd = sv[1];
	pid = cli_spawn(gofer_exec, &g);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	close(sv[1]);
	*sentry_end = sv[0];
	return 0;
}

/* Splits HOST:SANDBOX[:ro]; returns false if malformed. */
bool gofer_parse_volume(const char *spec, char *host, char *path, bool *ro)
{
	const char *c1 = strchr(spec, ':'), *c2;

	if (!c1 || c1 == spec || c1 - spec >= PATH_MAX)
		return false;
	memcpy(host, spec, c1 - spec);
	host[c1 - spec] = 0;
	c2 = strchr(c1 + 1, ':');
	*ro = false;
	if (c2) {
		if (strcmp(c2 + 1, "ro") && strcmp(c2 + 1, "rw"))
			return false;
		*ro = !strcmp(c2 + 1, "ro");
	} else {
		c2 = c1 + 1 + strlen(c1 + 1);
	}
	if (c2 - c1 - 1 <= 0 || c2 - c1 - 1 >= PATH_MAX || c1[1] != '/')
		return false;
	memcpy(path, c1 + 1, c2 - c1 - 1);
	path[c2 - c1 - 1] = 0;
	return true;
}

int gofer_start_all(const struct launch *l, int *fds, int *n)
{
	char root[PATH_MAX], host[PATH_MAX], path[PATH_MAX];
	struct stat st;
	bool ro;
	int err;

	if (!realpath(l->rootfs ? l->rootfs : "/", root) || stat(root, &st) ||
	    !S_ISDIR(st.st_mode))
		die("--rootfs %s: %s", l->rootfs ? l->rootfs : "/",
		    errno ? strerror(errno) : "not a directory");
	*n = 0;
	err = start_one(root, true, &fds[(*n)++]);
	for (int i = 0; !err && i < l->nvolumes; i++) {
		if (!gofer_parse_volume(l->volumes[i], host, path, &ro))
			die("bad --volume '%s' (HOST:SANDBOX[:ro])", l->volumes[i]);
		if (!realpath(host, root) || stat(root, &st) || !S_ISDIR(st.st_mode))
			die("--volume %s: %s", host, errno ? strerror(errno) : "not a directory");
		err = start_one(root, ro, &fds[(*n)++]);
	}
	if (err)
		die("cannot start the gofer: %s", strerror(-err));
	return 0;
}
