/*
 * sigio: signal-driven I/O (O_ASYNC, F_SETOWN, F_SETOWN_EX, F_SETSIG, FIOASYNC) on
 * pipes, FIFOs, unix and TCP sockets, a pty pair and inotify, as Linux's fs/fcntl.c
 * sends it: what arrives (signal, si_code, si_band, si_fd) after each change, to
 * which owner (the process, a thread, a process group), and that nothing comes
 * without an owner, after O_ASYNC is cleared, or from a type with no ->fasync
 * (eventfd). Pipe, socket and inotify signals are sent by the syscall that caused
 * them, so they have arrived when it returns; a pty's input is processed by a Linux
 * worker later, so those are waited for with sigtimedwait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "sigio.h"

static const char *signame(int sig)
{
	if (sig == SIGIO)
		return "SIGIO";
	if (sig == SIGUSR1)
		return "SIGUSR1";
	if (sig == SIGCHLD)
		return "SIGCHLD";
	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		static char b[16];

		snprintf(b, sizeof(b), "SIGRTMIN+%d", sig - SIGRTMIN);
		return b;
	}
	return "?";
}

/* Prints what arrived since the last call, and forgets it. */
static void show(const char *what)
{
	printf("%-44s %d signal(s)", what, nrec);
	for (int i = 0; i < nrec && i < MAXREC; i++)
		printf(" [%s code %d band %#lx fd %d]", signame(recs[i].sig), recs[i].code,
		       recs[i].band, recs[i].fd);
	printf("\n");
	fflush(stdout);
	nrec = 0;
}

static void pipes(void)
{
	int p[2], q[2];
	char buf[256];

	if (pipe(p))
		exit(2);
	/* fixed numbers: si_fd is printed */
	p[0] = fdrenum(p[0], 10);
	p[1] = fdrenum(p[1], 11);

	/* SIGIO without F_SETSIG: a plain kernel SIGIO, no band or fd */
	async_on(p[0], 0);
	write(p[1], "a", 1);
	show("pipe write, SIGIO");
	read(p[0], buf, sizeof(buf));
	show("pipe read (reader end only has O_ASYNC)");

	/* F_SETSIG: si_code POLL_IN, si_band, si_fd */
	fcntl(p[0], F_SETSIG, SIGRTMIN + 1);
	write(p[1], "bb", 2);
	show("pipe write, F_SETSIG");
	async_on(p[1], SIGRTMIN + 2);
	read(p[0], buf, sizeof(buf));
	show("pipe read, writer O_ASYNC: POLL_OUT");
	fcntl(p[0], F_SETFL, O_NONBLOCK | O_ASYNC);
	read(p[0], buf, sizeof(buf));
	show("empty nonblocking read (Linux says POLL_OUT)");
	write(p[1], "c", 1);
	show("write with both ends O_ASYNC");

	/* si_fd is the descriptor O_ASYNC was set through, not a dup */
	{
		int d = dup(p[0]);

		write(p[1], "d", 1);
		show("write after dup of the reader");
		close(d);
	}

	/* clearing O_ASYNC stops it */
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	write(p[1], "e", 1);
	show("write after the reader cleared O_ASYNC");
	printf("F_GETFL has O_ASYNC: %d\n", !!(fcntl(p[0], F_GETFL) & O_ASYNC));

	/* FIOASYNC on and the last writer's close: POLL_IN for the reader */
	{
		int on = 1;

		ioctl(p[0], FIOASYNC, &on);
		printf("FIOASYNC on: F_GETFL has O_ASYNC: %d\n",
		       !!(fcntl(p[0], F_GETFL) & O_ASYNC));
	}
	close(p[1]);
	show("close of the writer");
	close(p[0]);

	/* no owner: nothing */
	if (pipe(q))
		exit(2);
	fcntl(q[0], F_SETFL, O_ASYNC);
	write(q[1], "x", 1);
	show("no owner");
	/* F_SETOWN 0 takes the owner away */
	fcntl(q[0], F_SETOWN, getpid());
	fcntl(q[0], F_SETOWN, 0);
	write(q[1], "x", 1);
	show("owner set to 0");
	/* signals with codes of their own get SI_SIGIO; others POLL_IN */
	fcntl(q[0], F_SETOWN, getpid());
	fcntl(q[0], F_SETSIG, SIGUSR1);
	write(q[1], "x", 1);
	show("F_SETSIG SIGUSR1");
	fcntl(q[0], F_SETSIG, SIGCHLD);
	write(q[1], "x", 1);
	show("F_SETSIG SIGCHLD (SI_SIGIO)");
	fcntl(q[0], F_SETSIG, SIGIO);
	write(q[1], "x", 1);
	show("F_SETSIG SIGIO (with siginfo)");
	/* the reader's close: a lone writer hears POLL_OUT */
	async_on(q[1], SIGRTMIN + 3);
	close(q[0]);
	show("close of the reader");
	close(q[1]);
}

static void fifo(void)
{
	char path[] = "/tmp/sigio_fifoXXXXXX";
	int fd, w;

	if (!mkdtemp(path))
		exit(2);
	strcat(path, "/f");
	if (mkfifo(path, 0600))
		exit(2);
	fd = fdrenum(open(path, O_RDWR), 12);
	w = open(path, O_WRONLY);
	async_on(fd, SIGRTMIN + 1);
	write(w, "x", 1);
	show("fifo O_RDWR end, a write");
	{
		char b[4];

		read(fd, b, sizeof(b));
	}
	show("fifo O_RDWR end, its own read (POLL_OUT)");
	close(w);
	close(fd);
	unlink(path);
	*strrchr(path, '/') = 0;
	rmdir(path);
}

static void sockets(void)
{
	int sv[2];
	char buf[4096];
	long n = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		exit(2);
	sv[0] = fdrenum(sv[0], 20);
	sv[1] = fdrenum(sv[1], 21);
	async_on(sv[0], SIGRTMIN + 1);
	write(sv[1], "hello", 5);
	show("socketpair write");
	read(sv[0], buf, sizeof(buf));
	show("socketpair read (writer has no O_ASYNC)");

	/* a writer that found its socket full hears POLL_OUT once there is room */
	async_on(sv[1], SIGRTMIN + 2);
	fcntl(sv[1], F_SETFL, O_NONBLOCK | O_ASYNC);
	memset(buf, 'z', sizeof(buf));
	while (write(sv[1], buf, sizeof(buf)) > 0)
		n++;
	/* the reader heard of each write: how many depends on buffer sizes */
	printf("filled the socket: the reader was told: %d\n", nrec > 0);
	nrec = 0;
	fcntl(sv[0], F_SETFL, O_NONBLOCK | O_ASYNC);
	while (read(sv[0], buf, sizeof(buf)) > 0)
		;
	/* the reader's own signals are not what this looks at */
	for (int i = 0; i < nrec && i < MAXREC; i++)
		if (recs[i].fd == sv[1]) {
			printf("writer got POLL_OUT: code %d band %#lx\n", recs[i].code,
			       recs[i].band);
			break;
		}
	nrec = 0;
	shutdown(sv[1], SHUT_WR);
	show("peer shutdown(SHUT_WR): POLL_IN");
	close(sv[1]);
	show("peer close: POLL_HUP");
	close(sv[0]);

	/* datagrams */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		exit(2);
	sv[0] = fdrenum(sv[0], 22);
	sv[1] = fdrenum(sv[1], 23);
	{
		/* a socket's owner through sock_ioctl */
		int pid = getpid(), got = 0;

		ioctl(sv[0], FIOSETOWN, &pid);
		fcntl(sv[0], F_SETSIG, SIGRTMIN + 1);
		fcntl(sv[0], F_SETFL, O_ASYNC);
		ioctl(sv[0], SIOCGPGRP, &got);
		printf("SIOCGPGRP after FIOSETOWN: the pid: %d\n", got == pid);
	}
	send(sv[1], "d", 1, 0);
	show("dgram send");
	close(sv[0]);
	close(sv[1]);
}

static void tcp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof(a);
	int l, c, s;

	l = fdrenum(socket(AF_INET, SOCK_STREAM, 0), 30);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		exit(2);
	async_on(l, SIGRTMIN + 1);
	c = fdrenum(socket(AF_INET, SOCK_STREAM, 0), 31);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)))
		exit(2);
	show("tcp connect: the listener hears POLL_IN");
	s = fdrenum(accept(l, NULL, NULL), 32);
	async_on(s, SIGRTMIN + 1);
	write(c, "x", 1);
	show("tcp write");
	close(c);
	show("tcp peer close");
	close(s);
	close(l);
}

/* A pty's input is processed by a Linux worker, after the write returned: waits
 * for the first signal of @set, then takes any others the batches made. */
static void pty_wait(const sigset_t *set, const char *what)
{
	struct timespec ts = { 10, 0 }, zero = { 0, 0 };
	siginfo_t si;

	if (sigtimedwait(set, &si, &ts) > 0)
		printf("%s got %s code %d band %#lx fd %d\n", what, signame(si.si_signo),
		       si.si_code, (long)si.si_band, si.si_fd);
	else
		printf("%s got no signal\n", what);
	while (sigtimedwait(set, &si, &zero) > 0)
		;
}

static void pty(void)
{
	int m, s;
	struct termios t;
	sigset_t set;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m))
		exit(2);
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0)
		exit(2);
	m = fdrenum(m, 40);
	s = fdrenum(s, 41);
	tcgetattr(s, &t);
	t.c_lflag &= ~(ECHO | ICANON);
	tcsetattr(s, TCSANOW, &t);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 4);
	sigaddset(&set, SIGRTMIN + 5);
	sigprocmask(SIG_BLOCK, &set, NULL);
	async_on(m, SIGRTMIN + 4);
	async_on(s, SIGRTMIN + 5);
	write(m, "k", 1);
	pty_wait(&set, "pty master write: the slave");
	write(s, "j", 1);
	pty_wait(&set, "pty slave write: the master");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	close(s);
	close(m);
}

static void others(void)
{
	char dir[] = "/tmp/sigio_inXXXXXX", path[64];
	int e, in, on = 1;

	/* eventfd has no ->fasync: F_SETFL succeeds without setting O_ASYNC (Linux
	 * 6.18; older ones kept the flag), FIOASYNC is ENOTTY, nothing is sent */
	e = eventfd(0, 0);
	fcntl(e, F_SETOWN, getpid());
	printf("eventfd F_SETFL O_ASYNC: %d\n", fcntl(e, F_SETFL, O_ASYNC));
	printf("eventfd F_GETFL has O_ASYNC: %d\n", !!(fcntl(e, F_GETFL) & O_ASYNC));
	eventfd_write(e, 1);
	show("eventfd write");
	close(e);
	e = eventfd(0, 0);
	{
		int r = ioctl(e, FIOASYNC, &on), err = errno;

		printf("eventfd FIOASYNC: %d %s\n", r, r ? strerror(err) : "");
	}
	close(e);

	/* inotify */
	if (!mkdtemp(dir))
		exit(2);
	in = fdrenum(inotify_init1(IN_NONBLOCK), 50);
	inotify_add_watch(in, dir, IN_CREATE);
	async_on(in, SIGRTMIN + 1);
	snprintf(path, sizeof(path), "%s/f", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	show("inotify event");
	unlink(path);
	rmdir(dir);
	close(in);
}

/* F_SETOWN with a negative pid: every process of the group. */
static void pgrp(void)
{
	int p[2], go[2];
	pid_t c;
	sigset_t set;
	siginfo_t si;

	if (pipe(p) || pipe(go))
		exit(2);
	setpgid(0, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 6);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fcntl(p[0], F_SETOWN, -getpgrp());
	fcntl(p[0], F_SETSIG, SIGRTMIN + 6);
	fcntl(p[0], F_SETFL, O_ASYNC);
	printf("F_GETOWN is -pgrp: %d\n", fcntl(p[0], F_GETOWN) == -getpgrp());
	fflush(stdout);
	c = fork();
	if (c == 0) {
		char b;

		close(go[0]);
		write(go[1], "r", 1);   /* ready: it is in the group, the signal blocked */
		if (sigwaitinfo(&set, &si) > 0)
			printf("child got %s code %d\n", signame(si.si_signo), si.si_code);
		fflush(stdout);
		(void)b;
		_exit(0);
	}
	{
		char b;

		close(go[1]);
		read(go[0], &b, 1);
	}
	write(p[1], "x", 1);
	waitpid(c, NULL, 0);
	if (sigwaitinfo(&set, &si) > 0)
		printf("parent got %s code %d\n", signame(si.si_signo), si.si_code);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	close(p[0]);
	close(p[1]);
	close(go[0]);
}

/* F_SETOWN_EX F_OWNER_TID: the signal is that thread's. */
static int tid_pipe[2];
static volatile pid_t thread_tid;

static void *thread_main(void *arg)
{
	sigset_t set;
	siginfo_t si;

	(void)arg;
	thread_tid = syscall(SYS_gettid);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 7);
	if (sigwaitinfo(&set, &si) > 0)
		printf("thread got %s code %d fd %d\n", signame(si.si_signo), si.si_code,
		       si.si_fd);
	fflush(stdout);
	return NULL;
}

static void thread_owner(void)
{
	struct f_owner_ex ex;
	pthread_t th;
	sigset_t set, pend;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 7);
	sigprocmask(SIG_BLOCK, &set, NULL);     /* the thread inherits it blocked */
	if (pipe(tid_pipe))
		exit(2);
	tid_pipe[0] = fdrenum(tid_pipe[0], 60);
	pthread_create(&th, NULL, thread_main, NULL);
	while (!thread_tid)
		usleep(1000);
	ex.type = F_OWNER_TID;
	ex.pid = thread_tid;
	fcntl(tid_pipe[0], F_SETOWN_EX, &ex);
	fcntl(tid_pipe[0], F_SETSIG, SIGRTMIN + 7);
	fcntl(tid_pipe[0], F_SETFL, O_ASYNC);
	memset(&ex, 0, sizeof(ex));
	fcntl(tid_pipe[0], F_GETOWN_EX, &ex);
	printf("F_GETOWN_EX: type %d is the thread: %d\n", ex.type, ex.pid == thread_tid);
	write(tid_pipe[1], "x", 1);
	pthread_join(th, NULL);
	sigpending(&pend);
	printf("main thread has it pending: %d\n", sigismember(&pend, SIGRTMIN + 7));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	close(tid_pipe[0]);
	close(tid_pipe[1]);
}

/* Threads writing and reading an O_ASYNC pipe pair and socket pair at once, and
 * closing and reopening them: the signal paths must not deadlock with the wakers. */
#define ROUNDS 300

static int stress_fd[4];

static void *stress_writer(void *arg)
{
	long k = (long)arg;

	for (int i = 0; i < ROUNDS; i++)
		if (write(stress_fd[k], "s", 1) != 1)
			break;
	return NULL;
}

static void *stress_reader(void *arg)
{
	long k = (long)arg;
	char b[64];
	long got = 0;

	while (got < ROUNDS) {
		ssize_t n = read(stress_fd[k], b, sizeof(b));

		if (n <= 0)
			break;
		got += n;
	}
	return (void *)got;
}

/* Turns O_ASYNC on and off on the pipe's reader while the others run. */
static void *stress_toggler(void *arg)
{
	int on;

	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		on = i & 1;
		if (i % 3)
			fcntl(stress_fd[1], F_SETFL, on ? O_ASYNC : 0);
		else
			ioctl(stress_fd[1], FIOASYNC, &on);
	}
	return NULL;
}

static void stress(void)
{
	pthread_t th[5];
	int p[2], sv[2];
	void *r1, *r2;

	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		exit(2);
	stress_fd[0] = p[1];
	stress_fd[1] = p[0];
	stress_fd[2] = sv[1];
	stress_fd[3] = sv[0];
	for (int i = 0; i < 2; i++) {
		async_on(p[i], 0);
		async_on(sv[i], SIGRTMIN + 1);
	}
	nrec = 0;
	pthread_create(&th[0], NULL, stress_writer, (void *)0L);
	pthread_create(&th[1], NULL, stress_reader, (void *)1L);
	pthread_create(&th[2], NULL, stress_writer, (void *)2L);
	pthread_create(&th[3], NULL, stress_reader, (void *)3L);
	pthread_create(&th[4], NULL, stress_toggler, NULL);
	pthread_join(th[4], NULL);
	pthread_join(th[0], NULL);
	pthread_join(th[1], &r1);
	pthread_join(th[2], NULL);
	pthread_join(th[3], &r2);
	printf("stress: read %ld and %ld bytes, signals came: %d\n", (long)r1, (long)r2,
	       nrec > 0);
	nrec = 0;
	for (int i = 0; i < 2; i++) {
		close(p[i]);
		close(sv[i]);
	}
}

/* A writer that blocks on a full pipe whose reader wakes only for SIGIO: the
 * signal of what it wrote must reach the reader before the writer sleeps. */
#define BIG (1 << 20)

static int sleep_pipe[2];

static void *big_writer(void *arg)
{
	static char buf[BIG];

	(void)arg;
	memset(buf, 'w', sizeof(buf));
	write(sleep_pipe[1], buf, sizeof(buf));
	return NULL;
}

static void blocked_writer(void)
{
	sigset_t set;
	siginfo_t si;
	pthread_t th;
	long got = 0;
	char buf[65536];

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 8);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pipe(sleep_pipe))
		exit(2);
	async_on(sleep_pipe[0], SIGRTMIN + 8);
	fcntl(sleep_pipe[0], F_SETFL, O_ASYNC | O_NONBLOCK);
	pthread_create(&th, NULL, big_writer, NULL);
	while (got < BIG) {
		ssize_t n;

		if (sigwaitinfo(&set, &si) < 0)
			break;
		while ((n = read(sleep_pipe[0], buf, sizeof(buf))) > 0)
			got += n;
	}
	pthread_join(th, NULL);
	while (sigtimedwait(&set, &si, &(struct timespec){ 0, 0 }) > 0)
		;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("blocked writer: the reader woken by SIGIO alone read %ld bytes\n", got);
	close(sleep_pipe[0]);
	close(sleep_pipe[1]);
}

int main(void)
{
	handle(SIGIO);
	handle(SIGUSR1);
	handle(SIGCHLD);
	for (int i = 1; i <= 3; i++)
		handle(SIGRTMIN + i);
	pipes();
	fifo();
	sockets();
	tcp();
	pty();
	others();
	pgrp();
	thread_owner();
	stress();
	blocked_writer();
	return 0;
}
