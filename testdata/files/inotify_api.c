/* inotify_api: the inotify syscalls and their errors (man 7 inotify): init flags,
 * add_watch's checks and mask rules (same inode, same wd; IN_MASK_ADD,
 * IN_MASK_CREATE, IN_ONLYDIR, IN_DONT_FOLLOW), rm_watch, read's buffer rules and
 * name padding, FIONREAD, poll/select/epoll readiness, coalescing, IN_ONESHOT,
 * IN_Q_OVERFLOW past max_queued_events and the per-user instance limit. Compared
 * with a native run. */
#include "fam.h"
#include "inotify.h"

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>

static void names(int in)
{
	char buf[256] __attribute__((aligned(8)));
	const char *n[] = { "a", "fifteen_chars_x", "sixteen_chars_xx", "" };

	P("-- name padding\n");
	T(inotify_add_watch(in, ".", IN_CREATE));
	for (int i = 0; n[i][0]; i++)
		close(open(n[i], O_CREAT | O_WRONLY, 0600));
	in_drain(in, "creates");
	close(open("b", O_CREAT | O_WRONLY, 0600));
	/* The event is 16 + 16 bytes: a buffer one byte short is EINVAL, the event
	 * stays queued; an exact one takes it. */
	T(read(in, buf, 16));
	T(read(in, buf, 31));
	T(read(in, buf, 32));
	close(open("c", O_CREAT | O_WRONLY, 0600));
	close(open("d", O_CREAT | O_WRONLY, 0600));
	/* Room for one and a half: one event. */
	T(read(in, buf, 48));
	T(read(in, buf, sizeof(buf)));
}

static void masks(int in)
{
	int wd;

	P("-- masks\n");
	fam_file("f", "x", 0644);
	T(link("f", "hard"));
	T(symlink("f", "sym"));
	T(mkdir("sub", 0755));
	wd = T(inotify_add_watch(in, "f", IN_MODIFY));
	T(inotify_add_watch(in, "hard", IN_ATTRIB) == wd);
	T(inotify_add_watch(in, "sym", IN_ACCESS) == wd);
	T(inotify_add_watch(in, "sym", IN_ACCESS | IN_DONT_FOLLOW) == wd);
	T(inotify_add_watch(in, "f", IN_ACCESS | IN_MASK_CREATE));
	T(inotify_add_watch(in, "f", IN_ACCESS | IN_MASK_ADD | IN_MASK_CREATE));
	T(inotify_add_watch(in, "f", IN_ONLYDIR | IN_ACCESS));
	T(inotify_add_watch(in, "sub", IN_ONLYDIR | IN_ACCESS));
	T(inotify_add_watch(in, "sub", IN_ONLYDIR | IN_ACCESS | IN_MASK_CREATE));
	T(symlink("sub", "subl"));
	T(inotify_add_watch(in, "subl", IN_ONLYDIR | IN_ACCESS));
	T(inotify_add_watch(in, "subl", IN_ONLYDIR | IN_DONT_FOLLOW | IN_ACCESS));
	T(inotify_add_watch(in, "f/x", IN_ACCESS));
	T(inotify_add_watch(in, "sym/", IN_ACCESS));
	T(inotify_add_watch(in, "missing", IN_ACCESS));
	T(inotify_add_watch(in, "", IN_ACCESS));
	T(inotify_add_watch(in, "f", 0));
	T(inotify_add_watch(in, "f", 0x00010000));
	/* The mask is replaced: only IN_ACCESS now; then IN_MODIFY is added to it. */
	T(inotify_add_watch(in, "f", IN_ACCESS));
	fam_file("f", "yy", 0644);
	in_drain(in, "write after the mask became IN_ACCESS");
	T(inotify_add_watch(in, "f", IN_MODIFY | IN_MASK_ADD));
	fam_file("f", "zz", 0644);
	in_drain(in, "write after IN_MODIFY was added");
	T(inotify_rm_watch(in, wd));
	T(inotify_rm_watch(in, wd));
	T(inotify_rm_watch(in, 12345));
	T(inotify_rm_watch(in, -1));
	in_drain(in, "after rm_watch");
	/* wds are not reused at once. */
	T(inotify_add_watch(in, "f", IN_MODIFY) > wd);
}

static void readiness(int in)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct pollfd p = { .fd = in, .events = POLLIN };
	struct timeval tv = { 0, 0 };
	int ep = epoll_create1(0), n = -1, wd;
	fd_set rs;

	P("-- readiness\n");
	in_drain(in, "queue emptied");
	wd = T(inotify_add_watch(in, ".", IN_CREATE | IN_DELETE));
	T(epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev));
	T(poll(&p, 1, 0));
	T(epoll_wait(ep, &out, 1, 0));
	T(ioctl(in, FIONREAD, &n));
	P("FIONREAD %d\n", n);
	close(open("r1", O_CREAT | O_WRONLY, 0600));
	T(unlink("r1"));
	T(poll(&p, 1, 0));
	P("revents 0x%x\n", p.revents);
	T(epoll_wait(ep, &out, 1, 0));
	FD_ZERO(&rs);
	FD_SET(in, &rs);
	T(select(in + 1, &rs, NULL, NULL, &tv));
	T(ioctl(in, FIONREAD, &n));
	P("FIONREAD %d\n", n);
	in_drain(in, "create and unlink");
	T(inotify_rm_watch(in, wd));
	in_drain(in, "rm");
	close(ep);
}

static void coalesce(int in)
{
	int fd, wd;
	char c;

	P("-- coalescing and oneshot\n");
	fam_file("g", "", 0644);
	wd = T(inotify_add_watch(in, "g", IN_MODIFY | IN_ACCESS));
	fd = open("g", O_RDWR);
	T(write(fd, "a", 1));
	T(write(fd, "b", 1));
	T(write(fd, "c", 1));
	T(pread(fd, &c, 1, 0));
	T(pread(fd, &c, 1, 0));
	T(write(fd, "d", 1));
	in_drain(in, "three writes, two reads, a write");
	T(inotify_rm_watch(in, wd));
	in_drain(in, "rm");
	wd = T(inotify_add_watch(in, "g", IN_MODIFY | IN_ONESHOT));
	T(write(fd, "e", 1));
	T(write(fd, "f", 1));
	in_drain(in, "oneshot");
	T(inotify_rm_watch(in, wd));
	close(fd);
}

static void overflow(int in)
{
	int fd, n = -1, count = 0;
	char buf[4096] __attribute__((aligned(8))), c;

	P("-- overflow\n");
	fam_file("h", "", 0644);
	T(inotify_add_watch(in, "h", IN_MODIFY | IN_ACCESS));
	fd = open("h", O_RDWR);
	/* Alternate events, so that none merges into the last. */
	for (int i = 0; i < 9000; i++) {
		if (write(fd, "x", 1) != 1 || pread(fd, &c, 1, 0) != 1)
			P("io failed\n");
	}
	T(ioctl(in, FIONREAD, &n));
	P("FIONREAD %d\n", n);
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));

		if (r <= 0)
			break;
		for (char *p = buf; p < buf + r;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW) {
				P("event %d: ", count);
				in_print_event(ev);
			}
			p += sizeof(*ev) + ev->len;
			count++;
		}
	}
	P("events read %d\n", count);
	/* Once read, the queue takes events again. */
	T(write(fd, "y", 1));
	in_drain(in, "after the overflow was read");
	close(fd);
}

static void limits(void)
{
	int fds[300], n, err = 0;

	P("-- instances\n");
	for (n = 0; n < 300; n++) {
		fds[n] = inotify_init1(IN_CLOEXEC);
		if (fds[n] < 0) {
			err = errno;
			break;
		}
	}
	P("an init failed before 300: %s\n", err ? fam_ename(err) : "no");
	while (n--)
		close(fds[n]);
	T(inotify_init() >= 0);
}

int main(void)
{
	int in, fd;

	fam_enter();
	P("-- init\n");
	T(inotify_init1(IN_CLOEXEC | 0x1));
	T(inotify_init1(O_RDWR));
	in = T(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	T(fcntl(in, F_GETFL) & (O_ACCMODE | O_NONBLOCK));
	T(fcntl(in, F_GETFD));
	{
		char link[64], target[64] = "";
		struct stat st;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", in);
		T(readlink(link, target, sizeof(target) - 1));
		P("link %s\n", target);
		T(fstat(in, &st));
		P("mode 0%o size %lld\n", st.st_mode, (long long)st.st_size);
	}
	T(write(in, "x", 1));
	T(lseek(in, 0, SEEK_CUR));
	{
		char b[64];

		T(read(in, b, sizeof(b)));
		T(read(in, b, 0));
	}
	fd = open(".", O_RDONLY);
	T(inotify_add_watch(fd, ".", IN_ACCESS));
	T(inotify_rm_watch(fd, 1));
	T(inotify_add_watch(-1, ".", IN_ACCESS));
	T(inotify_add_watch(-1, ".", IN_ACCESS | IN_MASK_ADD | IN_MASK_CREATE));
	T(inotify_add_watch(-1, ".", 0));
	T(inotify_add_watch(in, ".", IN_ACCESS | IN_MASK_ADD | IN_MASK_CREATE));
	T(inotify_add_watch(in, (char *)1, IN_ACCESS));
	T(inotify_rm_watch(-1, 1));
	close(fd);
	names(in);
	close(in);
	in = inotify_init1(IN_NONBLOCK);
	masks(in);
	readiness(in);
	coalesce(in);
	close(in);
	in = inotify_init1(IN_NONBLOCK);
	overflow(in);
	close(in);
	limits();
	fam_leave();
	return 0;
}
