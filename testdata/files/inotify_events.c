/* inotify_events: the events each file operation reports, in Linux's order, to a
 * watch on the directory (with the child's name) and on the object itself: create,
 * open, read, write, close, O_TRUNC, truncate, chmod, chown, utimes, xattrs, link,
 * symlink, rename (within and across directories, over a watched file, exchange),
 * sendfile and copy_file_range, unlink (of a last link, of one of two, of an open
 * file), mkdir/rmdir, listing a directory, exec of a program, IN_EXCL_UNLINK.
 * Compared with a native run, in /tmp (the overlay) or in DIR (a volume, through
 * the gofer).
 *
 * usage: td_files_inotify_events [DIR [rw]] */
#include "fam.h"
#include "inotify.h"

#include <dirent.h>
#include <sys/sendfile.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>

/* TF(expr): a call that returns a descriptor, printed as 0 when it did (the
 * numbers differ where the harness leaves one open). */
static int fd_show(const char *label, int r)
{
	fam_show(label, r < 0 ? r : 0);
	return r;
}
#define TF(expr) (errno = 0, fd_show(#expr, (expr)))

static int in, wdir, wsub;

static int watch(const char *path)
{
	return inotify_add_watch(in, path, IN_ALL_EVENTS);
}

static void files(void)
{
	int fd, w;
	char c[8];

	fd = TF(open("d/f", O_CREAT | O_WRONLY, 0644));
	T(write(fd, "hello", 5));
	T(close(fd));
	in_drain(in, "create, write, close");
	w = watch("d/f");
	P("file wd %d\n", w);
	fd = TF(open("d/f", O_RDONLY));
	T(read(fd, c, sizeof(c)));
	T(read(fd, c, sizeof(c)));
	T(close(fd));
	in_drain(in, "open, read, read at EOF, close");
	fd = TF(open("d/f", O_RDWR | O_TRUNC));
	T(pwrite(fd, "abc", 3, 0));
	T(ftruncate(fd, 1));
	T(close(fd));
	in_drain(in, "O_TRUNC, pwrite, ftruncate, close");
	T(truncate("d/f", 0));
	T(chmod("d/f", 0600));
	T(chown("d/f", getuid(), getgid()));
	T(utimes("d/f", NULL));
	{
		struct timespec ts[2] = { { 0, UTIME_OMIT }, { 5, 0 } };

		T(utimensat(AT_FDCWD, "d/f", ts, 0));
		ts[0] = (struct timespec){ 5, 0 };
		ts[1].tv_nsec = UTIME_OMIT;
		T(utimensat(AT_FDCWD, "d/f", ts, 0));
		ts[0].tv_nsec = UTIME_OMIT;
		T(utimensat(AT_FDCWD, "d/f", ts, 0));
	}
	in_drain(in, "truncate, chmod, chown, utimes, mtime only, atime only, neither");
	T(setxattr("d/f", "user.t", "v", 1, 0));
	T(removexattr("d/f", "user.t"));
	in_drain(in, "setxattr, removexattr");
	T(link("d/f", "d/g"));
	T(symlink("f", "d/s"));
	in_drain(in, "link, symlink");
	T(unlink("d/g"));
	in_drain(in, "unlink of one of two links");
	T(rename("d/f", "d/f2"));
	in_drain(in, "rename in the directory");
	T(rename("d/f2", "d/sub/f3"));
	in_drain(in, "rename to the subdirectory");
	T(rename("d/sub/f3", "d/f"));
	fam_file("d/t", "t", 0644);
	w = watch("d/t");
	P("target wd %d\n", w);
	in_drain(in, "back, and a target");
	T(rename("d/f", "d/t"));
	in_drain(in, "rename over the watched target");
	fam_file("d/x", "x", 0644);
	watch("d/x");
	in_drain(in, "another file");
	T(syscall(SYS_renameat2, AT_FDCWD, "d/t", AT_FDCWD, "d/x", 2 /* RENAME_EXCHANGE */));
	in_drain(in, "exchange");
	T(unlink("d/x"));
	in_drain(in, "unlink of the last link");
	fd = TF(open("d/t", O_RDWR));
	T(unlink("d/t"));
	in_drain(in, "unlink of an open file");
	T(write(fd, "z", 1));
	T(close(fd));
	in_drain(in, "write to it, close it");
	T(unlink("d/s"));
	in_drain(in, "unlink of the symlink");
	{
		int src, dst;

		fam_file("d/src", "data", 0644);
		src = open("d/src", O_RDONLY);
		dst = open("d/dst", O_CREAT | O_WRONLY, 0644);
		in_drain(in, "two files");
		T(sendfile(dst, src, NULL, 4));
		T(copy_file_range(src, NULL, dst, NULL, 4, 0) >= 0);
		close(src);
		close(dst);
		T(unlink("d/src"));
		T(unlink("d/dst"));
		in_drain(in, "sendfile, copy_file_range, close, unlink");
	}
}

static void dirs(void)
{
	DIR *d;
	int fd, w;

	T(mkdir("d/sub/deep", 0755));
	w = watch("d/sub/deep");
	P("deep wd %d\n", w);
	in_drain(in, "mkdir in the subdirectory");
	d = opendir("d/sub");
	while (d && readdir(d))
		;
	closedir(d);
	in_drain(in, "listing the subdirectory");
	T(chmod("d/sub", 0700));
	in_drain(in, "chmod of the subdirectory");
	T(rename("d/sub/deep", "d/deep"));
	in_drain(in, "a directory moved up");
	fam_file("d/deep/f", "", 0644);
	T(unlink("d/deep/f"));
	in_drain(in, "a file made and removed in it");
	T(rmdir("d/deep"));
	in_drain(in, "rmdir");
	T(mkdir("d/e", 0755));
	w = watch("d/e");
	fd = TF(open("d/e", O_RDONLY | O_DIRECTORY));
	T(rmdir("d/e"));
	in_drain(in, "rmdir of an open directory");
	T(close(fd));
	in_drain(in, "its close");
	(void)w;
}

/* A program run from the directory: opened and read by exec (Linux's
 * do_open_execat and kernel_read), closed when the process is done with it. */
static void exec_file(void)
{
	static char buf[1 << 20];
	int in_fd = open("/bin/true", O_RDONLY), fd, st;
	ssize_t n = read(in_fd, buf, sizeof(buf));
	pid_t pid;

	close(in_fd);
	fd = open("d/true", O_CREAT | O_WRONLY, 0755);
	if (n <= 0 || write(fd, buf, n) != n)
		P("copy failed\n");
	close(fd);
	in_drain(in, "a copy of /bin/true");
	pid = fork();
	if (pid == 0) {
		execl("d/true", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	P("exit %d\n", WEXITSTATUS(st));
	in_drain(in, "exec of it");
	T(unlink("d/true"));
	in_drain(in, "unlink");
}

static void excl_unlink(void)
{
	int fd, w;
	char c;

	T(inotify_rm_watch(in, wsub));
	in_drain(in, "rm of the subdirectory's watch");
	w = T(inotify_add_watch(in, "d", IN_ALL_EVENTS | IN_EXCL_UNLINK));
	P("same wd %d\n", w == wdir);
	fam_file("d/u", "u", 0644);
	fd = TF(open("d/u", O_RDWR));
	T(unlink("d/u"));
	T(write(fd, "v", 1));
	T(pread(fd, &c, 1, 0));
	T(close(fd));
	in_drain(in, "IN_EXCL_UNLINK: an unlinked file's I/O");
	T(inotify_add_watch(in, "d", IN_ALL_EVENTS));
	fam_file("d/u", "u", 0644);
	fd = TF(open("d/u", O_RDWR));
	T(unlink("d/u"));
	T(write(fd, "v", 1));
	T(close(fd));
	in_drain(in, "without it");
}

int main(int argc, char **argv)
{
	static char top[PATH_MAX];

	fam_enter();
	/* With a directory (a volume: tests/integration/files/volume.sh), there. */
	snprintf(top, sizeof(top), "%s", fam_top);
	if (argc > 1) {
		snprintf(top, sizeof(top), "%s/sbx-inotify.XXXXXX", argv[1]);
		if (chdir("/") || rmdir(fam_top) || !mkdtemp(top) || chdir(top))
			return 2;
	}
	T(mkdir("d", 0755));
	T(mkdir("d/sub", 0755));
	in = TF(inotify_init1(IN_NONBLOCK));
	wdir = T(watch("d"));
	wsub = T(watch("d/sub"));
	files();
	dirs();
	exec_file();
	excl_unlink();
	T(rmdir("d/sub"));
	in_drain(in, "rmdir of the watched subdirectory");
	T(close(in));
	if (chdir("/") == 0)
		rm_tree(top);
	return 0;
}
