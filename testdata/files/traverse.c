/* traverse: path resolution at the edges of the root. Run under `sbx run --rootfs
 * DIR` and natively chrooted into DIR (tests/integration/files/traverse.sh prepares DIR
 * and a file "secret" next to it, outside). Every case prints its name and the errno
 * or what it read; a read that returns the outside file's text is a leak and fails
 * the program in both runs.
 *
 * usage: td_files_traverse DIR
 *   If DIR exists here, this is the native run: it enters a mount namespace, mounts
 *   proc on DIR/proc and chroots into DIR. Inside the sandbox DIR does not exist (the
 *   sandbox's root is DIR), so it runs as it is.
 *
 * DIR holds (traverse.sh): a/file, a/b/c/f, links link_abs_out -> /../../secret,
 * link_abs_host -> <host path of the secret>, link_rel_out -> ../secret, link_rel_deep
 * -> a/b/c/../../../../../secret, a/b/link_up -> ../.., chain1 -> chain2 -> chain3 ->
 * a/file, loop1 <-> loop2, self -> self, dirlink -> a/b, l00..l39 -> ... -> a/file (40
 * links) and m00..m40 (41), proc/, w/ (scratch), and vol/, where WORK/vol is mounted
 * (a --volume in the sandbox, a bind mount natively; see volume()). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rm_tree.h"

static int leaks;

static const char *ename(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

/* Prints "name: OK <first line>" or "name: ERRNO" for an open result. */
static void report_fd(const char *name, int fd)
{
	char buf[256];
	ssize_t n;

	if (fd < 0) {
		printf("%-40s %s\n", name, ename(errno));
		return;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		struct stat st;

		fstat(fd, &st);
		printf("%-40s OK (%s)\n", name, S_ISDIR(st.st_mode) ? "dir" :
		       S_ISLNK(st.st_mode) ? "symlink" : ename(errno));
	} else {
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		if (strstr(buf, "SECRET"))
			leaks++;
		printf("%-40s OK \"%s\"\n", name, buf);
	}
	close(fd);
}

static void try_open(const char *path, int flags)
{
	char name[64];

	snprintf(name, sizeof(name), "open %.30s%s", path, flags & O_NOFOLLOW ? " nofollow" :
		 flags & O_PATH ? " path" : "");
	report_fd(name, open(path, flags));
}

static void try_openat(const char *label, int dfd, const char *path, int flags)
{
	report_fd(label, openat(dfd, path, flags));
}

static void try_openat2(const char *label, int dfd, const char *path, __u64 resolve)
{
	struct open_how how = { .flags = O_RDONLY, .resolve = resolve };

	report_fd(label, syscall(SYS_openat2, dfd, path, &how, sizeof(how)));
}

static void try_readlink(const char *path)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0) {
		printf("readlink %-31s %s\n", path, ename(errno));
		return;
	}
	buf[n] = 0;
	printf("readlink %-31s \"%s\"\n", path, buf);
}

static void try_rc(const char *label, int rc)
{
	printf("%-40s %s\n", label, rc < 0 ? ename(errno) : "OK");
}

static void enter_native_root(const char *dir)
{
	char proc[PATH_MAX], vol[PATH_MAX], volsrc[PATH_MAX];
	struct stat st;

	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(vol, sizeof(vol), "%s/vol", dir);
	snprintf(volsrc, sizeof(volsrc), "%s/../vol", dir);
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", proc, "proc", 0, NULL)) {
		perror("native setup");
		exit(2);
	}
	/* The sandbox's --volume WORK/vol:/vol, natively: a bind mount of its own. */
	if (!stat(volsrc, &st) && mount(volsrc, vol, NULL, MS_BIND, NULL)) {
		perror("native volume");
		exit(2);
	}
	if (chroot(dir) || chdir("/")) {
		perror("native chroot");
		exit(2);
	}
}

/* A read-write volume at /vol (WORK/vol on the host, beside the root; WORK/secret
 * and WORK/vol_secret are outside both): its links out, ".." past its root (which
 * is the mount's parent, "/"), and names moved across its edge (EXDEV). */
static void volume(void)
{
	int v = open("/vol", O_RDONLY | O_DIRECTORY);

	try_open("/vol/inside", O_RDONLY);
	try_open("/vol/link_up_out", O_RDONLY);
	try_open("/vol/link_rel_secret", O_RDONLY);
	try_open("/vol/link_abs_out", O_RDONLY);
	try_open("/vol/link_host", O_RDONLY);
	try_open("/vol/link_root_file", O_RDONLY);
	try_open("/vol/../vol_secret", O_RDONLY);
	try_open("/vol/../../vol_secret", O_RDONLY);
	try_open("/vol/../a/file", O_RDONLY);
	try_openat("openat vol ../vol_secret", v, "../vol_secret", O_RDONLY);
	try_openat("openat vol ../../../secret", v, "../../../secret", O_RDONLY);
	try_openat2("beneath vol ../vol_secret", v, "../vol_secret", RESOLVE_BENEATH);
	try_openat2("beneath vol link_up_out", v, "link_up_out", RESOLVE_BENEATH);
	try_openat2("in_root vol link_abs_out", v, "link_abs_out", RESOLVE_IN_ROOT);
	try_openat2("in_root vol ../inside", v, "../inside", RESOLVE_IN_ROOT);
	try_openat2("no_xdev vol from / ", AT_FDCWD, "/vol/inside", RESOLVE_NO_XDEV);
	/* Made by the application: a link to the host's path of the secret. */
	try_rc("symlink in vol to host path", symlink("../../../../../../../secret",
						      "/vol/made_link"));
	try_open("/vol/made_link", O_RDONLY);
	try_rc("unlink made_link", unlink("/vol/made_link"));
	try_rc("create /vol/new", close(open("/vol/new", O_CREAT | O_WRONLY, 0644)));
	try_rc("rename /vol/new -> /w/new", rename("/vol/new", "/w/new"));
	try_rc("rename /a/file -> /vol/file", rename("/a/file", "/vol/file"));
	try_rc("link /vol/new -> /w/l", link("/vol/new", "/w/l"));
	try_rc("link /a/file -> /vol/l", link("/a/file", "/vol/l"));
	try_rc("rename /vol/new -> /vol/../w/new", rename("/vol/new", "/vol/../w/new"));
	try_rc("rename /vol/sub -> /w/sub", rename("/vol/sub", "/w/sub"));
	try_rc("renameat vol new -> ../w/n", renameat(v, "new", v, "../w/n"));
	try_rc("rename /vol -> /w/vol", rename("/vol", "/w/vol"));
	try_rc("rmdir /vol", rmdir("/vol"));
	try_rc("unlink /vol/new", unlink("/vol/new"));
	close(v);
}

static void dotdot(void)
{
	try_open("/../secret", O_RDONLY);
	try_open("../../../secret", O_RDONLY);
	try_open("/a/../../secret", O_RDONLY);
	try_open("/a/b/c/../../../../../../a/file", O_RDONLY);
	chdir("/a/b");
	try_open("../../../../secret", O_RDONLY);
	try_open("../../a/file", O_RDONLY);
	chdir("/");
}

static void symlinks(void)
{
	try_open("/link_abs_out", O_RDONLY);
	try_open("/link_abs_host", O_RDONLY);
	try_open("/link_rel_out", O_RDONLY);
	try_open("/link_rel_deep", O_RDONLY);
	try_open("/a/b/link_up/secret", O_RDONLY);
	try_open("/a/b/link_up/a/file", O_RDONLY);
	try_open("/a/b/link_up/../../../secret", O_RDONLY);
	try_open("/chain1", O_RDONLY);
	try_open("/loop1", O_RDONLY);
	try_open("/self", O_RDONLY);
	try_open("/self/x", O_RDONLY);
	try_open("/l00", O_RDONLY);
	try_open("/m00", O_RDONLY);
	try_open("/l00/", O_RDONLY);
	try_open("/chain1", O_RDONLY | O_NOFOLLOW);
	try_open("/chain1", O_RDONLY | O_NOFOLLOW | O_PATH);
	try_open("/dirlink/c/f", O_RDONLY | O_NOFOLLOW);
	try_open("/dirlink", O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
	try_open("/dirlink/", O_RDONLY | O_NOFOLLOW);
	try_open("/loop1", O_RDONLY | O_NOFOLLOW | O_PATH);
	try_readlink("/link_rel_deep");
	try_readlink("/a/b/link_up");
	try_readlink("/a/b/link_up/");
	try_readlink("/a/file");
}

static void magic(void)
{
	char p[64];
	int fd;

	try_readlink("/proc/self/root");
	try_open("/proc/self/root/../secret", O_RDONLY);
	try_open("/proc/self/root/../../a/file", O_RDONLY);
	chdir("/a");
	try_readlink("/proc/self/cwd");
	try_open("/proc/self/cwd/../../secret", O_RDONLY);
	try_open("/proc/self/cwd/file", O_RDONLY);
	chdir("/");
	fd = open("/a/b", O_RDONLY | O_DIRECTORY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	try_readlink(p);
	snprintf(p, sizeof(p), "/proc/self/fd/%d/../../../secret", fd);
	try_open(p, O_RDONLY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d/c/f", fd);
	try_open(p, O_RDONLY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	try_open(p, O_RDONLY | O_NOFOLLOW);
	close(fd);
	fd = open("/a/file", O_RDONLY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	try_open(p, O_RDWR);
	try_open(p, O_RDONLY);
	close(fd);
}

static void dirfds(void)
{
	int a = open("/a", O_RDONLY | O_DIRECTORY), b = open("/a/b", O_PATH);
	int f = open("/a/file", O_RDONLY);

	try_openat("openat a ../../secret", a, "../../secret", O_RDONLY);
	try_openat("openat a b/c/f", a, "b/c/f", O_RDONLY);
	try_openat("openat b(path) ../file", b, "../file", O_RDONLY);
	try_openat("openat b(path) link_up/a/file", b, "link_up/a/file", O_RDONLY);
	try_openat("openat file x", f, "x", O_RDONLY);
	try_openat("openat file \"\"", f, "", O_RDONLY);
	try_openat("openat bad fd", 999, "x", O_RDONLY);
	try_openat("openat bad fd abs", 999, "/a/file", O_RDONLY);

	try_openat2("beneath a b/c/f", a, "b/c/f", RESOLVE_BENEATH);
	try_openat2("beneath a ../file", a, "../file", RESOLVE_BENEATH);
	try_openat2("beneath a b/../file", a, "b/../file", RESOLVE_BENEATH);
	try_openat2("beneath a /a/file", a, "/a/file", RESOLVE_BENEATH);
	try_openat2("beneath a b/link_up/a/file", a, "b/link_up/a/file", RESOLVE_BENEATH);
	try_openat2("beneath root link_abs_out", open("/", O_PATH), "link_abs_out",
		    RESOLVE_BENEATH);
	try_openat2("beneath root chain1", open("/", O_PATH), "chain1", RESOLVE_BENEATH);
	try_openat2("beneath a /proc/self/root", a, "/proc/self/root", RESOLVE_BENEATH);
	try_openat2("in_root a ../../secret", a, "../../secret", RESOLVE_IN_ROOT);
	try_openat2("in_root a /file", a, "/file", RESOLVE_IN_ROOT);
	try_openat2("in_root a ../../file", a, "../../file", RESOLVE_IN_ROOT);
	try_openat2("in_root a b/link_up/file", a, "b/link_up/file", RESOLVE_IN_ROOT);
	try_openat2("no_symlinks chain1", AT_FDCWD, "/chain1", RESOLVE_NO_SYMLINKS);
	try_openat2("no_symlinks dirlink/c/f", AT_FDCWD, "/dirlink/c/f", RESOLVE_NO_SYMLINKS);
	try_openat2("no_symlinks a/file", AT_FDCWD, "/a/file", RESOLVE_NO_SYMLINKS);
	try_openat2("no_magic /proc/self/root/a/file", AT_FDCWD, "/proc/self/root/a/file",
		    RESOLVE_NO_MAGICLINKS);
	try_openat2("no_magic /proc/self/cwd", AT_FDCWD, "/proc/self/cwd",
		    RESOLVE_NO_MAGICLINKS);
	try_openat2("no_xdev /proc/self/stat", AT_FDCWD, "/proc/self/stat", RESOLVE_NO_XDEV);
	try_openat2("no_xdev /a/file", AT_FDCWD, "/a/file", RESOLVE_NO_XDEV);
	try_openat2("beneath|in_root", a, "file", RESOLVE_BENEATH | RESOLVE_IN_ROOT);
	try_openat2("resolve 0x100", a, "file", 0x100);
	close(a);
	close(b);
	close(f);
}

/* Directories renamed under a held directory fd and cwd: ".." follows the move. */
static void renames(void)
{
	char buf[PATH_MAX];
	int d;

	mkdir("/w/x", 0755);
	mkdir("/w/x/y", 0755);
	mkdir("/w/z", 0755);
	close(open("/w/x/here", O_CREAT | O_WRONLY, 0644));
	close(open("/w/z/there", O_CREAT | O_WRONLY, 0644));
	d = open("/w/x/y", O_RDONLY | O_DIRECTORY);
	chdir("/w/x/y");
	try_rc("rename /w/x -> /w/z/x", rename("/w/x", "/w/z/x"));
	try_openat("after rename: openat y ../here", d, "../here", O_RDONLY);
	try_openat("after rename: openat y ../../there", d, "../../there", O_RDONLY);
	try_openat("after rename: openat y ../../../../secret", d, "../../../../secret",
		   O_RDONLY);
	printf("%-40s \"%s\"\n", "after rename: getcwd", getcwd(buf, sizeof(buf)) ? buf : "?");
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", d);
	try_readlink(buf);
	try_rc("rename into own subdir", rename("/w/z", "/w/z/x/y/z"));
	try_rc("rename /w/z/x/y -> /w/y (cwd)", rename("/w/z/x/y", "/w/y"));
	try_open("../here", O_RDONLY);
	try_open("..", O_RDONLY | O_DIRECTORY);
	chdir("/");
	close(d);
}

static void trailing(void)
{
	try_open("/a/file/", O_RDONLY);
	try_open("/a/file/.", O_RDONLY);
	try_open("/a/b/", O_RDONLY);
	try_open("/a/b//c///f", O_RDONLY);
	try_open("/chain1/", O_RDONLY);
	try_open("/dirlink/", O_RDONLY);
	try_rc("mkdir /w/t1/", mkdir("/w/t1/", 0755));
	try_rc("open /w/t2/ O_CREAT", open("/w/t2/", O_CREAT | O_WRONLY, 0644));
	try_rc("mknod-like creat /w/t3/", creat("/w/t3/", 0644));
	try_rc("rmdir /w/t1/.", rmdir("/w/t1/."));
	try_rc("rmdir /w/t1/..", rmdir("/w/t1/.."));
	try_rc("rmdir /w/t1/", rmdir("/w/t1/"));
	try_rc("unlink /dirlink/", unlink("/dirlink/"));
	try_rc("unlink /a/file/", unlink("/a/file/"));
	try_rc("symlink /w/s1/", symlink("x", "/w/s1/"));
	try_rc("link /a/file /w/l1/", link("/a/file", "/w/l1/"));
	try_rc("rename /a/file /w/r1/", rename("/a/file", "/w/r1/"));
}

static void long_names(void)
{
	char name[300], path[PATH_MAX + 16];
	size_t n;

	memset(name, 'n', sizeof(name));
	memcpy(name, "/w/", 3);
	name[3 + 255] = 0;
	try_rc("create 255-byte name", open(name, O_CREAT | O_WRONLY, 0644));
	try_rc("stat 255-byte name", access(name, F_OK));
	name[3 + 255] = 'n';
	name[3 + 256] = 0;
	try_rc("create 256-byte name", open(name, O_CREAT | O_WRONLY, 0644));
	try_rc("stat 256-byte name", access(name, F_OK));
	try_rc("mkdir 256-byte name", mkdir(name, 0755));

	/* "/a/./././.../file" of exactly PATH_MAX - 1 bytes (2 + 2 * 2044 + 5), which
	 * fits with its NUL, then one byte longer ("//a/..."), which does not. */
	strcpy(path, "/a");
	n = 2;
	for (int i = 0; i < 2044; i++)
		n += sprintf(path + n, "/.");
	n += sprintf(path + n, "/file");
	printf("path of %zu bytes\n", n);
	try_rc("open PATH_MAX-1", open(path, O_RDONLY));
	memmove(path + 1, path, n + 1);
	path[0] = '/';
	printf("path of %zu bytes\n", n + 1);
	try_rc("open PATH_MAX", open(path, O_RDONLY));
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc < 2) {
		fprintf(stderr, "usage: td_files_traverse DIR\n");
		return 2;
	}
	if (!stat(argv[1], &st) && S_ISDIR(st.st_mode) && strcmp(argv[1], "/"))
		enter_native_root(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir("/w", 0755);
	printf("== dotdot\n");
	dotdot();
	printf("== symlinks\n");
	symlinks();
	printf("== magic links\n");
	magic();
	printf("== dirfds and openat2\n");
	dirfds();
	printf("== renames\n");
	renames();
	printf("== trailing slashes\n");
	trailing();
	printf("== long names\n");
	long_names();
	if (!stat("/vol/inside", &st)) {
		printf("== volume\n");
		volume();
	}
	rm_tree("/w");
	printf("leaks: %d\n", leaks);
	return leaks ? 1 : 0;
}
