/* jobctl: the controlling terminal and job control on a pty. A session leader opens
 * the slave and gets it (tcgetsid, tcgetpgrp, /dev/tty); background groups get
 * SIGTTIN on read, SIGTTOU on a TOSTOP write and on tcsetpgrp, EIO when SIGTTIN is
 * ignored or the group is orphaned; ^C and ^Z from the master reach the foreground
 * group; TIOCSWINSZ sends SIGWINCH; TIOCNOTTY and TIOCSCTTY; a session leader's
 * exit hangs up its foreground group; a closed master sends the session leader
 * SIGHUP; /dev/tty without a terminal is ENXIO. Each process reports through its
 * exit status, so the output's order is fixed. */
#include "pty.h"

static int m, s;
static char name[64];
static int to_parent[2];        /* the session leader says "go on" to the parent */
static volatile sig_atomic_t got;

/* Waits for @sig's handler to have run. @sig is blocked from before its handler is
 * set until sigsuspend, so one that comes before the wait is not lost (a check of
 * `got` then pause() could miss it and wait for ever: the native run hung so once). */
static void await_sig(int sig, const sigset_t *old)
{
	while (got != sig)
		sigsuspend(old);
}

static void on_sig(int sig)
{
	got = sig;
}

static void tell_parent(char c)
{
	if (write(to_parent[1], &c, 1) != 1)
		_exit(90);
}

static char hear_child(void)
{
	char c = 0;

	if (read(to_parent[0], &c, 1) != 1)
		pty_die("pipe");
	return c;
}

static void dfl(int sig)
{
	signal(sig, SIG_DFL);
}

/* A child in a background group of its own (run by the session leader). */
static pid_t bg(void)
{
	pid_t pid = fork();

	if (pid == 0)
		setpgid(0, 0);
	else if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

static void report(const char *what, pid_t pid)
{
	int st;

	waitpid(pid, &st, WUNTRACED);
	pty_status(what, st);
	if (WIFSTOPPED(st)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
}

static void session_leader(void)
{
	char buf[64];
	struct stat st;
	sigset_t set, old;
	pid_t pid;
	int fd, r, orphan[2];

	setsid();
	s = open(name, O_RDWR);
	if (s < 0)
		_exit(91);
	printf("leader: tcgetsid is me %d, foreground is my group %d\n",
	       tcgetsid(s) == getpid(), tcgetpgrp(s) == getpgrp());
	fd = open("/dev/tty", O_RDWR);
	printf("leader: /dev/tty %s", pty_err(fd < 0 ? errno : 0));
	if (fd >= 0 && !fstat(fd, &st))
		printf(", %u:%u", major(st.st_rdev), minor(st.st_rdev));
	printf("\n");
	fflush(stdout);
	pty_put(fd, "via-dev-tty\n");
	close(fd);
	printf("leader: TIOCSCTTY again %d\n", ioctl(s, TIOCSCTTY, 0));
	fflush(stdout);
	signal(SIGTTOU, SIG_IGN);       /* a shell's way: it may take the terminal back */
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGINT, SIG_IGN);

	if (!(pid = bg())) {
		dfl(SIGTTIN);
		read(s, buf, 1);
		_exit(1);
	}
	report("bg read", pid);
	if (!(pid = bg())) {
		_exit(read(s, buf, 1) < 0 && errno == EIO ? 5 : 1);    /* SIGTTIN ignored */
	}
	report("bg read, SIGTTIN ignored (5: EIO)", pid);
	{
		struct termios t;

		tcgetattr(s, &t);
		t.c_lflag |= TOSTOP;
		tcsetattr(s, TCSANOW, &t);
	}
	if (!(pid = bg())) {
		dfl(SIGTTOU);
		write(s, "no\n", 3);
		_exit(1);
	}
	report("bg write, TOSTOP", pid);
	if (!(pid = bg())) {
		_exit(write(s, "bg-write-ignored\n", 17) == 17 ? 6 : 1);
	}
	report("bg write, TOSTOP, SIGTTOU ignored (6: written)", pid);
	if (!(pid = bg())) {
		dfl(SIGTTOU);
		tcsetpgrp(s, getpgrp());
		_exit(1);
	}
	report("bg tcsetpgrp", pid);
	if (!(pid = bg())) {
		int ok = !tcsetpgrp(s, getpgrp()) && tcgetpgrp(s) == getpgrp();

		ok &= !tcsetpgrp(s, getppid());
		_exit(ok ? 7 : 1);
	}
	report("bg tcsetpgrp, SIGTTOU ignored (7: moved and back)", pid);
	/* The orphan answers through a pipe of ours, and we wait for it: if we went
	 * on and exited first, the session would lose its terminal (a pty is not hung
	 * up then) and the orphan's read would wait for input for ever. */
	if (pipe(orphan))
		_exit(94);
	if (!(pid = bg())) {
		/* An orphaned group: its only member's parent is outside the session. */
		pid_t mid = getpid(), h = fork();

		if (h == 0) {
			char c;

			setpgid(0, 0);
			while (getppid() == mid)
				usleep(1000);
			dfl(SIGTTIN);
			r = read(s, buf, 1);
			c = r < 0 && errno == EIO ? 'o' : 'x';
			write(orphan[1], &c, 1);
			_exit(0);
		}
		_exit(0);
	}
	report("orphan's parent", pid);
	{
		char c = 'x';

		close(orphan[1]);
		if (read(orphan[0], &c, 1) != 1)
			c = 'x';
		close(orphan[0]);
		tell_parent(c);
	}
	if (!(pid = fork())) {
		dfl(SIGTTOU);
		r = ioctl(s, TIOCSCTTY, 0) < 0 && errno == EPERM;
		r += !ioctl(s, TIOCNOTTY) && open("/dev/tty", O_RDWR) < 0 && errno == ENXIO;
		_exit(r == 2 ? 8 : 1);
	}
	report("non-leader TIOCSCTTY, TIOCNOTTY (8: EPERM, then no /dev/tty)", pid);

	/* ^C and ^Z to a foreground group that reads. */
	for (int i = 0; i < 2; i++) {
		if (!(pid = bg())) {
			dfl(SIGINT);
			dfl(SIGTSTP);
			tcsetpgrp(s, getpgrp());
			tell_parent(i ? 'z' : 'c');
			read(s, buf, sizeof(buf));
			_exit(1);
		}
		report(i ? "fg read, ^Z" : "fg read, ^C", pid);
		tcsetpgrp(s, getpgrp());
	}

	/* SIGWINCH to the foreground group. */
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &old);
	signal(SIGWINCH, on_sig);
	tell_parent('w');
	await_sig(SIGWINCH, &old);
	{
		struct winsize ws;

		ioctl(s, TIOCGWINSZ, &ws);
		printf("leader: SIGWINCH, %ux%u\n", ws.ws_row, ws.ws_col);
		fflush(stdout);
	}

	/* Our exit hangs up the foreground group: a child in it gets SIGHUP. */
	{
		int ready[2];
		char c;

		if (pipe(ready))
			_exit(92);
		if (!(pid = fork())) {
			sigemptyset(&set);
			sigaddset(&set, SIGHUP);
			sigprocmask(SIG_BLOCK, &set, &old);
			signal(SIGHUP, on_sig);
			write(ready[1], "r", 1);
			await_sig(SIGHUP, &old);
			_exit(9);
		}
		if (read(ready[0], &c, 1) != 1)
			_exit(93);
	}
	pty_put(s, "leader done\n");
	tell_parent('h');
	_exit(0);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a < *(const int *)b ? -1 : *(const int *)a > *(const int *)b;
}

int main(void)
{
	char buf[512];
	int st, fd, n, orphan_eio = 0;
	pid_t pid;

	pty_pair(&m, &s, 0, 0);
	strcpy(name, ptsname(m));
	close(s);
	if (pipe(to_parent))
		pty_die("pipe");
	if (!(pid = fork())) {
		session_leader();
		_exit(0);
	}
	for (char c; (c = hear_child()) != 'h';) {
		if (c == 'c')
			pty_put(m, "\x03");
		else if (c == 'z')
			pty_put(m, "\x1a");
		else if (c == 'w') {
			struct winsize ws = { .ws_row = 24, .ws_col = 80 };

			ioctl(m, TIOCSWINSZ, &ws);
		} else if (c == 'o') {
			orphan_eio = 1;
		} else {
			printf("unexpected %c\n", c);
		}
		fflush(stdout);
	}
	waitpid(pid, &st, 0);
	pty_status("leader", st);
	printf("orphaned group's read: EIO %d\n", orphan_eio);
	fflush(stdout);         /* what a hang below would otherwise take with it */
	/* The hung-up child is ours now (we are the reaper), with any other orphan of
	 * the session; they end in no set order, so they are shown sorted. */
	{
		int sts[16], k = 0;

		while ((pid = wait(&st)) > 0)
			if (k < 16)
				sts[k++] = st;
		qsort(sts, k, sizeof(sts[0]), cmp_int);
		for (int i = 0; i < k; i++)
			pty_status("leader's foreground child", sts[i]);
	}
	n = pty_read_until(m, buf, sizeof(buf), "leader done\r\n");
	pty_show("master saw", buf, n);

	/* A new session takes the terminal, now free; the master's close hangs it up. */
	if (!(pid = fork())) {
		close(m);
		setsid();
		/* The old session's hang-up may still be under way on a loaded host: the
		 * open can fail for a moment. Whatever happens, the parent hears from us
		 * (it waits for that before it closes the master). */
		for (int i = 0; i < 200 && (s = open(name, O_RDWR)) < 0; i++)
			usleep(10000);
		if (s < 0 || tcgetsid(s) != getpid()) {
			tell_parent('r');
			_exit(1);
		}
		sigset_t set, old;

		sigemptyset(&set);
		sigaddset(&set, SIGHUP);
		sigprocmask(SIG_BLOCK, &set, &old);
		signal(SIGHUP, on_sig);
		tell_parent('r');
		await_sig(SIGHUP, &old);
		n = read(s, buf, sizeof(buf));
		fd = open("/dev/tty", O_RDWR);
		_exit(n == 0 && fd < 0 && errno == ENXIO ? 10 : 2);
	}
	hear_child();
	close(m);
	waitpid(pid, &st, 0);
	pty_status("second leader after the master closed (10: SIGHUP, EOF, no tty)", st);

	if (!(pid = fork())) {
		setsid();
		fd = open("/dev/tty", O_RDWR);
		_exit(fd < 0 && errno == ENXIO ? 11 : 1);
	}
	waitpid(pid, &st, 0);
	pty_status("new session's /dev/tty (11: ENXIO)", st);
	return 0;
}
