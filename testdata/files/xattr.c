/*
 * xattr: extended attributes on tmpfs files (/dev/shm), directories, symlinks, FIFOs
 * and memfds, as Linux's tmpfs keeps them: get/set/list/remove through paths, l*
 * and f* calls; XATTR_CREATE / XATTR_REPLACE; the size rules (ERANGE for a small
 * buffer or a bad name, E2BIG past 64 KiB, size 0 asks for the size); namespaces
 * (user.* only on regular files and directories, trusted.* for root only and hidden
 * from others' lists, security.* written by root only, unknown ones EOPNOTSUPP);
 * file permissions for user.*; EBADF for O_PATH fds; pipes take none.
 * Compared with a native run (as root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define P(expr) do { errno = 0; long r_ = (expr); \
	printf("%-64s -> %ld%s%s\n", #expr, r_, r_ < 0 ? " " : "", \
	       r_ < 0 ? strerrorname_np(errno) : ""); } while (0)

#define F "/dev/shm/sbx-xattr-f"
#define D "/dev/shm/sbx-xattr-d"
#define L "/dev/shm/sbx-xattr-l"
#define Q "/dev/shm/sbx-xattr-q"

static char buf[70000];

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the names listxattr returned, sorted: tmpfs lists them in hash order. */
static void show_list(const char *what, long n)
{
	char *names[64];
	int k = 0;

	for (long i = 0; i < n && k < 64; i += strlen(buf + i) + 1)
		names[k++] = buf + i;
	qsort(names, k, sizeof(names[0]), cmp);
	printf("%s:", what);
	for (int i = 0; i < k; i++)
		printf(" %s", names[i]);
	printf(" (%ld)\n", n);
}

static void show_get(const char *path, const char *name)
{
	long n = getxattr(path, name, buf, sizeof(buf));

	if (n < 0)
		printf("get %s: %s\n", name, strerrorname_np(errno));
	else
		printf("get %s: [%.*s] (%ld)\n", name, (int)n, buf, n);
}

static void unprivileged(void)
{
	if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		_exit(90);
	printf("as uid 1000:\n");
	show_get(F, "user.b");
	P(setxattr(F, "user.c", "x", 1, 0));
	P(removexattr(F, "user.b"));
	show_get(F, "trusted.t");
	P(setxattr(F, "trusted.u", "x", 1, 0));
	show_get(F, "security.s");
	P(setxattr(F, "security.s", "y", 1, 0));
	P(removexattr(F, "security.s"));
	show_list("list", listxattr(F, buf, sizeof(buf)));
	P(listxattr(F, NULL, 0));
	P(setxattr(D, "user.c", "x", 1, 0));     /* sticky, not the owner */
	P(setxattr("/dev/shm/sbx-xattr-mine", "user.c", "x", 1, 0));
	show_get("/dev/shm/sbx-xattr-mine", "user.c");
	P(unlink("/dev/shm/sbx-xattr-mine"));
}

int main(void)
{
	static char big[65537], name[300];
	int fd, pfd, mfd, pp[2], st;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	unlink(F);
	unlink(L);
	unlink(Q);
	rmdir(D);
	fd = open(F, O_CREAT | O_RDWR, 0644);
	if (fd < 0 || mkdir(D, 01777) || symlink(F, L) || mkfifo(Q, 0666)) {
		perror("setup");
		return 1;
	}
	printf("basic:\n");
	P(listxattr(F, NULL, 0));
	P(setxattr(F, "user.a", "one", 3, 0));
	P(getxattr(F, "user.a", NULL, 0));
	P(getxattr(F, "user.a", buf, 2));
	show_get(F, "user.a");
	P(setxattr(F, "user.a", "two!", 4, XATTR_CREATE));
	P(setxattr(F, "user.a", "three", 5, XATTR_REPLACE));
	show_get(F, "user.a");
	P(setxattr(F, "user.z", "x", 1, XATTR_REPLACE));
	P(setxattr(F, "user.z", "x", 1, XATTR_CREATE | XATTR_REPLACE));
	P(setxattr(F, "user.z", "x", 1, 4));
	P(setxattr(F, "user.b", "", 0, 0));
	show_get(F, "user.b");
	P(setxattr(F, "trusted.t", "tv", 2, 0));
	P(setxattr(F, "security.s", "sv", 2, 0));
	P(fsetxattr(fd, "user.0", "zero", 4, 0));
	P(listxattr(F, NULL, 0));
	P(listxattr(F, buf, 5));
	show_list("list", listxattr(F, buf, sizeof(buf)));
	show_list("flist", flistxattr(fd, buf, sizeof(buf)));
	P(fgetxattr(fd, "user.0", buf, sizeof(buf)));

	printf("names and sizes:\n");
	P(getxattr(F, "", buf, sizeof(buf)));
	P(setxattr(F, "", "x", 1, 0));
	memset(name, 'n', sizeof(name));
	memcpy(name, "user.", 5);
	name[256] = 0;
	P(setxattr(F, name, "x", 1, 0));
	P(getxattr(F, name, buf, sizeof(buf)));
	name[255] = 0;
	P(setxattr(F, name, "x", 1, 0));
	P(getxattr(F, name, buf, sizeof(buf)));
	P(removexattr(F, name));
	P(setxattr(F, "trusted.big", big, sizeof(big), 0));
	P(setxattr(F, "trusted.big", big, 65536, 0));
	P(getxattr(F, "trusted.big", NULL, 0));
	P(getxattr(F, "trusted.big", buf, 100));
	P(getxattr(F, "trusted.big", buf, sizeof(buf)));
	P(removexattr(F, "trusted.big"));
	P(getxattr(F, "user.none", buf, sizeof(buf)));
	P(getxattr(F, "foo.bar", buf, sizeof(buf)));
	P(setxattr(F, "foo.bar", "x", 1, 0));
	P(getxattr(F, "system.foo", buf, sizeof(buf)));
	P(setxattr(F, "system.foo", "x", 1, 0));
	P(getxattr(F, "user", buf, sizeof(buf)));
	P(getxattr(F, (char *)8, buf, sizeof(buf)));
	P(setxattr(F, "user.f", (char *)8, 4, 0));
	P(getxattr(F, "user.a", (char *)8, sizeof(buf)));
	P(getxattr("/dev/shm/sbx-xattr-none", "user.a", buf, sizeof(buf)));
	P(getxattr(F "/x", "user.a", buf, sizeof(buf)));

	printf("remove:\n");
	P(removexattr(F, "user.a"));
	P(removexattr(F, "user.a"));
	P(fremovexattr(fd, "user.0"));
	P(removexattr(F, "foo.bar"));
	show_list("list", listxattr(F, buf, sizeof(buf)));

	printf("kinds:\n");
	P(setxattr(D, "user.d", "dir", 3, 0));
	show_get(D, "user.d");
	P(lsetxattr(L, "user.l", "x", 1, 0));
	P(lgetxattr(L, "user.l", buf, sizeof(buf)));
	P(lsetxattr(L, "trusted.l", "lnk", 3, 0));
	P(lgetxattr(L, "trusted.l", buf, sizeof(buf)));
	P(getxattr(L, "trusted.l", buf, sizeof(buf)));
	P(getxattr(L, "user.b", buf, sizeof(buf)));
	show_list("llist", llistxattr(L, buf, sizeof(buf)));
	P(setxattr(Q, "user.q", "x", 1, 0));
	P(getxattr(Q, "user.q", buf, sizeof(buf)));
	P(setxattr(Q, "trusted.q", "fifo", 4, 0));
	show_list("fifo list", listxattr(Q, buf, sizeof(buf)));
	mfd = memfd_create("xattr", 0);
	P(fsetxattr(mfd, "user.m", "memfd", 5, 0));
	P(fgetxattr(mfd, "user.m", buf, sizeof(buf)));
	show_list("memfd list", flistxattr(mfd, buf, sizeof(buf)));
	pfd = open(F, O_PATH);
	P(fgetxattr(pfd, "user.b", buf, sizeof(buf)));
	P(fsetxattr(pfd, "user.b", "x", 1, 0));
	P(flistxattr(pfd, buf, sizeof(buf)));
	P(fremovexattr(pfd, "user.b"));
	P(fgetxattr(-1, "user.b", buf, sizeof(buf)));
	P(fgetxattr(999, "", buf, sizeof(buf)));
	P(pipe(pp));
	P(fgetxattr(pp[0], "user.p", buf, sizeof(buf)));
	P(fsetxattr(pp[1], "user.p", "x", 1, 0));
	P(flistxattr(pp[0], buf, sizeof(buf)));
	P(getxattr("/etc/passwd", "user.none", buf, sizeof(buf)));

	printf("permissions:\n");
	fd = open("/dev/shm/sbx-xattr-mine", O_CREAT | O_RDWR, 0600);
	fchown(fd, 1000, 1000);
	close(fd);
	pid = fork();
	if (!pid) {
		unprivileged();
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	printf("child: %d\n", WEXITSTATUS(st));
	unlink(F);
	unlink(L);
	unlink(Q);
	rmdir(D);
	return 0;
}
