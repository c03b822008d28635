/* cr_pty: a pty pair across a checkpoint (zdtm form; tests/integration/pty runs it
 * through cr/case.sh --signal). Before the ready mark: a child that made the slave
 * its session's terminal is blocked reading it; a partial canonical line typed on
 * the master (echoed, not readable yet), output the slave wrote that the master has
 * not read, changed termios (VERASE) and window size. After SIGUSR1 the master reads
 * what was in flight, finishes the line (with an erase), and the child must get the
 * whole line and still have its terminal, termios and window size.
 *
 * usage: td_pty_cr_pty [nowait] */
#include "../cr/cr.h"
#include "pty.h"

int main(int argc, char **argv)
{
	int nowait = argc > 1 && !strcmp(argv[1], "nowait");
	char buf[256], name[64], c;
	int m, s, ready[2], st, v;
	struct termios t;
	struct winsize ws = { .ws_row = 30, .ws_col = 100 };
	pid_t pid;
	long n;

	cr_arm();
	pty_pair(&m, &s, 0, 0);
	strcpy(name, ptsname(m));
	tcgetattr(s, &t);
	t.c_cc[VERASE] = '#';
	tcsetattr(s, TCSANOW, &t);
	ioctl(m, TIOCSWINSZ, &ws);
	if (pipe(ready))
		pty_die("pipe");
	pid = fork();
	if (!pid) {
		struct winsize w;
		int fd;

		close(m);
		setsid();
		fd = open(name, O_RDWR);
		if (fd < 0)
			_exit(10);
		write(ready[1], "r", 1);
		n = read(fd, buf, sizeof(buf));
		tcgetattr(fd, &t);
		ioctl(fd, TIOCGWINSZ, &w);
		cr_say("child: read %ld [%.*s], terminal mine %d, erase %c, %ux%u\n", n,
		       (int)(n > 0 ? n - 1 : 0), buf, tcgetsid(fd) == getpid(), t.c_cc[VERASE],
		       w.ws_row, w.ws_col);
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		pty_die("child");
	/* Natively the echo of what the master writes comes later than the write (a
	 * workqueue), so each echo is read before the slave writes. */
	pty_put(m, "par");
	n = pty_read_until(m, buf, sizeof(buf), "par");
	pty_show("before: echo", buf, n);
	pty_put(m, "x");
	n = pty_read_until(m, buf, sizeof(buf), "x");
	pty_show("before: echo", buf, n);
	pty_put(s, "to-master\n");     /* left for the master to read after */
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	cr_say("resumed\n");
	printf("same name: %d, node there: %d\n", !strcmp(name, ptsname(m)), !access(name, F_OK));
	ioctl(m, TIOCGPTLCK, &v);
	printf("locked: %d\n", v);
	n = pty_read_until(m, buf, sizeof(buf), "to-master\r\n");
	pty_show("after: master", buf, n);
	pty_put(m, "#tial\n");
	waitpid(pid, &st, 0);
	pty_status("child", st);
	n = pty_read_until(m, buf, sizeof(buf), "tial\r\n");
	pty_show("after: echo", buf, n);
	{
		int m2 = posix_openpt(O_RDWR | O_NOCTTY);

		printf("a new pair gets another number: %d\n", m2 >= 0 && strcmp(ptsname(m2), name));
	}
	return 0;
}
