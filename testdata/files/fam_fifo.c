/* fam_fifo: FIFOs and /proc/self/fd magic links. mkfifo/mknod on tmpfs (/tmp) and
 * on the root (overlay, under /var/tmp), open()'s FIFO rules (O_RDONLY waits for a
 * writer, O_WRONLY for a reader or ENXIO with O_NONBLOCK, O_RDWR never waits), two
 * opens meeting in one pipe, data dropped with the last close, waits ended by
 * signals, POLLHUP only after a writer came; a FIFO in the host's tree (argv[1],
 * made by the test) opened as a sandbox pipe; and /proc/self/fd/N of a pipe, of a
 * deleted file and of a FIFO, opened and read as links. See fam.h. */
#include "fam.h"

#include <poll.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>

static void on_alarm(int sig)
{
}

static void alarm_soon(void)
{
	setitimer(ITIMER_REAL, &(struct itimerval){ .it_value = { 0, 50000 } }, NULL);
}

static void show_read(const char *label, int fd)
{
	char buf[64] = "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n < 0)
		P("%-30s -1 %s\n", label, fam_ename(errno));
	else
		P("%-30s %zd '%.*s'\n", label, n, (int)n, buf);
}

static short poll1(int fd, short ev)
{
	struct pollfd p = { fd, ev, 0 };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* The FIFO rules on @path. */
static void fifo_rules(const char *path)
{
	struct stat st, fst;
	int r, w, rw, rw2;
	pid_t pid;
	int status;

	T(open(path, O_WRONLY | O_NONBLOCK));
	r = T(open(path, O_RDONLY | O_NONBLOCK));
	P("poll reader, no writer yet   %#x\n", poll1(r, POLLIN));
	show_read("read, no writer", r);
	w = T(open(path, O_WRONLY | O_NONBLOCK));
	T(write(w, "abc", 3));
	P("poll reader                  %#x\n", poll1(r, POLLIN));
	show_read("read", r);
	show_read("read empty", r);
	T(close(w));
	P("poll reader, writer gone     %#x\n", poll1(r, POLLIN));
	show_read("read after writer left", r);
	T(fcntl(r, F_GETFL) & ~O_LARGEFILE);
	T(fstat(r, &fst));
	T(stat(path, &st));
	P("fstat fifo %d size %lld same ino %d\n", S_ISFIFO(fst.st_mode), (long long)fst.st_size,
	  fst.st_ino == st.st_ino && fst.st_dev == st.st_dev);
	T(close(r));

	/* O_RDWR never waits; a second open meets the same pipe. */
	rw = T(open(path, O_RDWR));
	T(write(rw, "shared", 6));
	r = T(open(path, O_RDONLY));
	show_read("second open reads", r);
	T(close(r));
	T(close(rw));
	/* The last close drops what was left. */
	rw = T(open(path, O_RDWR | O_NONBLOCK));
	T(write(rw, "lost", 4));
	T(close(rw));
	rw2 = T(open(path, O_RDWR | O_NONBLOCK));
	show_read("after last close", rw2);
	T(close(rw2));
	T(open(path, O_RDWR | O_ACCMODE));
	rw = T(open(path, O_RDWR));
	T(lseek(rw, 0, SEEK_SET));
	T(close(rw));

	/* A blocking reader and a blocking writer meet, in either order. */
	for (int order = 0; order < 2; order++) {
		pid = fork();
		if (pid == 0) {
			int fd = open(path, order ? O_RDONLY : O_WRONLY);
			char buf[16] = "";

			if (order) {
				ssize_t n = read(fd, buf, sizeof(buf));

				_exit(n == 5 && !memcmp(buf, "hello", 5) ? 7 : 1);
			}
			_exit(write(fd, "hello", 5) == 5 ? 7 : 1);
		}
		if (order) {
			w = T(open(path, O_WRONLY));
			T(write(w, "hello", 5));
			T(close(w));
		} else {
			r = T(open(path, O_RDONLY));
			show_read("blocking open reads", r);
			T(close(r));
		}
		waitpid(pid, &status, 0);
		P("child %d\n", WEXITSTATUS(status));
	}

	/* Waits for a partner end with a signal. */
	alarm_soon();
	T(open(path, O_RDONLY));
	alarm_soon();
	T(open(path, O_WRONLY));
	/* Nothing was left open by the interrupted ones. */
	T(open(path, O_WRONLY | O_NONBLOCK));
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char ovl[] = "/var/tmp/sbx-fifo.XXXXXX", link[PATH_MAX], want[64], path[64];
	struct stat st, st2;
	int p[2], fd, fd2, r;
	ssize_t n;

	fam_enter();
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	P("== mkfifo on tmpfs\n");
	T(mkfifo("f", 0600));
	T(mkfifo("f", 0600));
	T(mknod("n", S_IFIFO | 0640, 0));
	T(stat("n", &st));
	P("mode %o\n", st.st_mode);
	fifo_rules("f");
	T(unlink("f"));

	P("== mkfifo on the root overlay\n");
	if (!mkdtemp(ovl)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/f", ovl);
	T(mkfifo(path, 0600));
	fifo_rules(path);
	T(unlink(path));
	T(rmdir(ovl));

	P("== a FIFO in the host's tree\n");
	if (argc > 1) {
		T(lstat(argv[1], &st));
		P("fifo %d\n", S_ISFIFO(st.st_mode));
		T(open(argv[1], O_WRONLY | O_NONBLOCK));
		fd = T(open(argv[1], O_RDWR));
		T(write(fd, "host fifo", 9));
		fd2 = T(open(argv[1], O_RDONLY | O_NONBLOCK));
		show_read("read", fd2);
		T(close(fd2));
		T(close(fd));
	}

	P("== /proc/self/fd of a pipe\n");
	pipe(p);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	T(fstat(p[1], &st));
	snprintf(want, sizeof(want), "pipe:[%llu]", (unsigned long long)st.st_ino);
	P("readlink is pipe:[ino] %d\n", !strcmp(link, want));
	T(stat(path, &st2));
	P("stat follows: fifo %d same ino %d\n", S_ISFIFO(st2.st_mode), st2.st_ino == st.st_ino);
	T(lstat(path, &st2));
	P("lstat: link %d mode %o\n", S_ISLNK(st2.st_mode), st2.st_mode & 0777);
	r = T(open(path, O_RDONLY));
	T(write(p[1], "through the link", 16));
	show_read("read end opened from the write end's link", r);
	T(close(p[0]));
	T(write(p[1], "x", 1));
	T(close(r));
	T(write(p[1], "x", 1));
	/* No reader left: an anonymous pipe's reopen does not wait (Linux's is_pipe). */
	r = T(open(path, O_RDONLY | O_NONBLOCK));
	T(close(r));
	T(close(p[1]));
	pipe(p);
	T(close(p[1]));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	fd = T(open(path, O_WRONLY));
	T(write(fd, "late writer", 11));
	show_read("read", p[0]);
	T(close(fd));
	show_read("read, writers gone", p[0]);
	T(close(p[0]));
	snprintf(path, sizeof(path), "/proc/self/fd/%d/x", 0);
	T(open(path, O_RDONLY));

	P("== /proc/self/fd of a deleted file and of a FIFO\n");
	fam_file("d", "deleted data", 0600);
	fd = T(open("d", O_RDWR));
	T(unlink("d"));
	T(lseek(fd, 8, SEEK_SET));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	P("readlink ends in /d (deleted) %d\n", n > 12 && !strcmp(link + n - 12, "/d (deleted)"));
	fd2 = T(open(path, O_RDONLY));
	show_read("reopened at offset 0", fd2);
	show_read("own offset", fd);
	T(fstat(fd, &st));
	T(fstat(fd2, &st2));
	P("same inode %d nlink %d\n", st.st_ino == st2.st_ino, (int)st2.st_nlink);
	T(close(fd2));
	T(close(fd));
	T(mkfifo("g", 0600));
	fd = T(open("g", O_RDWR));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	P("readlink ends in /g %d\n", n > 2 && !strncmp(link + n - 2, "/g", 2));
	T(write(fd, "via fifo link", 13));
	fd2 = T(open(path, O_RDONLY | O_NONBLOCK));
	show_read("fifo link read", fd2);
	T(close(fd2));
	T(close(fd));

	fam_leave();
	return 0;
}
