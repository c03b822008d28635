/* cr_inotify: inotify across a checkpoint (zdtm form; tests/integration/files runs
 * it through cr/case.sh --signal). Before the ready mark the program arms watches on
 * a directory and a file of the overlay and on a host file of the lower tree (DIR,
 * made for this test only, so that nobody else's reads show), queues events on
 * them, and leaves a child blocked in read() on a second instance. After the restore
 * the queued events must still be there, the watches must report new operations
 * with the same wds (the lower file's watch too: its inode is found again), new wds
 * must continue the count, and the blocked child must receive the event that wakes
 * it.
 *
 * usage: td_files_cr_inotify DIR [nowait] */
#include "../cr/cr.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "inotify.h"
#include "rm_tree.h"

/* Appends @s to d/f (open, write, close), then reads @host (open, read, close):
 * the events the watches are to see. */
static int touch_both(const char *s, const char *host)
{
	char c[16];
	int fd = open("d/f", O_WRONLY | O_APPEND), ok;

	ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	fd = open(host, O_RDONLY);
	ok = ok && fd >= 0 && read(fd, c, sizeof(c)) > 0;
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	bool nowait = argc > 2 && !strcmp(argv[2], "nowait");
	char top[64] = "/tmp/sbx-cr-inotify.XXXXXX", host[PATH_MAX], c[1];
	int in, blk, fd, st, n = -1, ready[2];
	pid_t pid;

	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(host, sizeof(host), "%s/f", argv[1]);
	cr_arm();
	if (!mkdtemp(top) || chdir(top) || mkdir("d", 0755) || mkdir("w", 0755) || pipe(ready))
		return 2;
	in = inotify_init1(IN_NONBLOCK);
	blk = inotify_init();
	cr_say("wds: d %d, w %d\n", inotify_add_watch(in, "d", IN_ALL_EVENTS),
	       inotify_add_watch(blk, "w", IN_CREATE));
	fd = open("d/f", O_CREAT | O_RDWR, 0644);
	cr_say("d/f %d, host %d\n", inotify_add_watch(in, "d/f", IN_ALL_EVENTS),
	       inotify_add_watch(in, host, IN_OPEN | IN_ACCESS | IN_CLOSE));
	close(fd);
	if (touch_both("abc", host))
		return 2;
	pid = fork();
	if (pid == 0) {
		char buf[256] __attribute__((aligned(8)));
		ssize_t r;

		close(ready[0]);
		/* Tells the parent it is about to block: the checkpoint finds it in
		 * read(), or at worst just before. */
		if (write(ready[1], "r", 1) != 1)
			_exit(2);
		close(ready[1]);
		r = read(blk, buf, sizeof(buf));
		for (char *p = buf; r > 0 && p < buf + r;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			printf("child:");
			in_print_event(ev);
			p += sizeof(*ev) + ev->len;
		}
		if (r < 0)
			printf("child: read %s\n", strerrorname_np(errno));
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], c, 1) != 1)
		return 2;
	ioctl(in, FIONREAD, &n);
	cr_say("queued %d bytes\n", n);
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	else
		cr_say("resumed\n");
	{
		struct pollfd p = { .fd = in, .events = POLLIN };

		cr_say("poll %d revents 0x%x\n", poll(&p, 1, 0), p.revents);
	}
	ioctl(in, FIONREAD, &n);
	cr_say("queued %d bytes\n", n);
	in_drain(in, "queued before the checkpoint");
	if (touch_both("de", host))
		return 1;
	rename("d/f", "d/g");
	unlink("d/g");
	in_drain(in, "after");
	mkdir("d/sub", 0755);
	cr_say("a new wd %d\n", inotify_add_watch(in, "d/sub", IN_ALL_EVENTS));
	fflush(stdout);
	/* Wakes the child; its output comes before ours goes on. */
	close(open("w/x", O_CREAT | O_WRONLY, 0644));
	waitpid(pid, &st, 0);
	cr_say("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	rmdir("d/sub");
	in_drain(in, "rmdir");
	close(in);
	close(blk);
	if (chdir("/") == 0)
		rm_tree(top);
	return 0;
}
