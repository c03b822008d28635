/*
 * execveat: programs found from a directory fd and a relative path, fexecve of an
 * O_PATH fd, a plain fd and a memfd (AT_EMPTY_PATH), AT_SYMLINK_NOFOLLOW (ELOOP),
 * "#!" scripts through an fd (argv gets /dev/fd/N; ENOENT when that fd is
 * close-on-exec), and the errors (EINVAL, ENOENT, EBADF, ENOTDIR, EACCES). Each exec
 * runs in a child that prints what it was started as (argv, AT_EXECFN, and comm:
 * since Linux 6.14 the file's own name when it was found through a descriptor).
 * Compared with a native run.
 *
 * usage: tp_execveat            (argv[0] must be an absolute path)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRIPT "/tmp/sbx-execveat-script"
#define LINK "/tmp/sbx-execveat-link"

extern char **environ;
static const char *self;

static long execveat_(int dirfd, const char *path, char *const argv[], int flags)
{
	return syscall(SYS_execveat, dirfd, path, argv, environ, flags);
}

/* Forks, runs the execveat in the child and reports its result and exit status. */
static void try(const char *what, int dirfd, const char *path, int flags)
{
	char *argv[] = { "started", "child", (char *)what, NULL };
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		long r = execveat_(dirfd, path, argv, flags);

		printf("%-28s -> %ld %s\n", what, r, strerrorname_np(errno));
		fflush(stdout);
		_exit(99);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 99)
		printf("%-28s    exit %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* The exec'd side: what it was started as. */
static int child(int argc, char **argv)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);
	char comm[32] = "";
	int fd = open("/proc/self/comm", O_RDONLY);

	if (fd >= 0) {
		read(fd, comm, sizeof(comm) - 1);
		close(fd);
	}
	comm[strcspn(comm, "\n")] = 0;
	/* A path through /dev/fd/N names a descriptor number, the same natively. */
	printf("  ran: argv0=%s argc=%d execfn=%s comm=%s\n", argv[0], argc,
	       fn && !strncmp(fn, "/dev/fd/", 8) ? fn : (fn ? "(path)" : "(none)"), comm);
	return 7;
}

int main(int argc, char **argv)
{
	char dir[4096], base[256], buf[65536];
	int dfd, ofd, rfd, mfd, sfd, cfd, nfd;
	ssize_t n;

	self = argv[0];
	if (argc > 1 && !strcmp(argv[1], "child"))
		return child(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "%s", self);
	snprintf(base, sizeof(base), "%s", basename(dir));
	snprintf(dir, sizeof(dir), "%s", self);
	dirname(dir);

	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	try("dirfd + relative", dfd, base, 0);
	try("AT_FDCWD + absolute", AT_FDCWD, self, 0);
	try("dirfd + absolute", dfd, self, 0);
	ofd = open(self, O_PATH);
	try("fexecve O_PATH", ofd, "", AT_EMPTY_PATH);
	rfd = open(self, O_RDONLY | O_CLOEXEC);
	try("fexecve O_RDONLY cloexec", rfd, "", AT_EMPTY_PATH);
	mfd = memfd_create("execveat", 0);
	sfd = open(self, O_RDONLY);
	while ((n = read(sfd, buf, sizeof(buf))) > 0)
		write(mfd, buf, n);
	close(sfd);
	try("fexecve memfd", mfd, "", AT_EMPTY_PATH);

	unlink(LINK);
	symlink(self, LINK);
	try("symlink", AT_FDCWD, LINK, 0);
	try("symlink NOFOLLOW", AT_FDCWD, LINK, AT_SYMLINK_NOFOLLOW);
	try("NOFOLLOW, not a symlink", AT_FDCWD, self, AT_SYMLINK_NOFOLLOW);

	sfd = open(SCRIPT, O_CREAT | O_TRUNC | O_WRONLY, 0755);
	dprintf(sfd, "#!/bin/sh\necho \"  script: \\$0=$0 \\$1=$1 \\$2=$2\"\nexit 5\n");
	close(sfd);
	try("script by path", AT_FDCWD, SCRIPT, 0);
	sfd = open(SCRIPT, O_RDONLY);
	try("fexecve script", sfd, "", AT_EMPTY_PATH);
	cfd = open(SCRIPT, O_RDONLY | O_CLOEXEC);
	try("fexecve script cloexec", cfd, "", AT_EMPTY_PATH);
	nfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	try("tmp dirfd + script", nfd, "sbx-execveat-script", 0);
	close(nfd);
	nfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	try("tmp cloexec dirfd + script", nfd, "sbx-execveat-script", 0);

	try("bad flags", dfd, base, 0x4);
	try("empty, no AT_EMPTY_PATH", ofd, "", 0);
	try("bad dirfd", 99, base, 0);
	try("bad dirfd, AT_EMPTY_PATH", 99, "", AT_EMPTY_PATH);
	try("file as dirfd", rfd, "x", 0);
	try("directory fd", dfd, "", AT_EMPTY_PATH);
	try("missing", dfd, "no-such-program", 0);
	unlink(LINK);
	unlink(SCRIPT);
	return 0;
}
