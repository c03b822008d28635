/* poll: readiness of unix sockets for poll and select: a fresh pair, data, a full
 * send buffer (nonblocking writes until EAGAIN), shutdown and close (POLLHUP,
 * POLLRDHUP), a listener with a pending connection, an unconnected socket; a poll
 * woken by another process's write; blocking reads ended by a signal: EINTR without
 * SA_RESTART, restarted with it. */
#define _GNU_SOURCE
#include "net.h"

#include <sys/select.h>
#include <sys/time.h>

static char big[1 << 16];

static void show(const char *what, int fd, short events)
{
	struct pollfd p = { fd, events };
	int r = poll(&p, 1, 0);

	P("  %-28s poll %d revents %#x\n", what, r, p.revents);
}

static void on_alarm(int s)
{
	(void)s;
}

int main(void)
{
	int sv[2], n, total = 0;
	const short all = POLLIN | POLLOUT | POLLRDHUP | POLLPRI;
	char b[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	net_catch_sigpipe();
	P("-- stream pair\n");
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	show("fresh", sv[0], all);
	write(sv[1], "x", 1);
	show("with data", sv[0], all);
	show("only POLLOUT asked", sv[0], POLLOUT);
	read(sv[0], b, 1);
	for (;;) {
		n = write(sv[0], big, sizeof(big));
		if (n < 0)
			break;
		total += n;
	}
	P("  filled: %s, more than 64K %d\n", fam_ename(errno), total > 65536);
	show("writer, full", sv[0], all);
	show("reader, full", sv[1], all);
	{
		fd_set r, w;
		struct timeval tv = { 0, 0 };

		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_SET(sv[0], &w);
		FD_SET(sv[1], &r);
		T(select(sv[1] + 1, &r, &w, NULL, &tv));
		P("  select: reader readable %d, writer writable %d\n", FD_ISSET(sv[1], &r),
		  FD_ISSET(sv[0], &w));
	}
	while (read(sv[1], big, sizeof(big)) > 0)
		;
	show("writer, drained", sv[0], all);
	T(shutdown(sv[0], SHUT_WR));
	show("after own SHUT_WR", sv[0], all);
	show("peer after SHUT_WR", sv[1], all);
	close(sv[1]);
	show("peer closed", sv[0], all);
	close(sv[0]);

	P("-- dgram and seqpacket\n");
	socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv);
	show("dgram fresh", sv[0], all);
	send(sv[1], "d", 1, 0);
	show("dgram with data", sv[0], all);
	close(sv[1]);
	show("dgram peer closed", sv[0], all);
	close(sv[0]);
	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv);
	show("seqpacket fresh", sv[0], all);
	close(sv[1]);
	show("seqpacket peer closed", sv[0], all);
	close(sv[0]);
	{
		int s = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0);
		socklen_t len;
		struct sockaddr_un a = net_addr("@sbx-net-poll", &len);
		int c = socket(AF_UNIX, SOCK_STREAM, 0);

		show("stream unconnected", s, all);
		show("dgram unconnected", d, all);
		bind(s, (struct sockaddr *)&a, len);
		listen(s, 4);
		show("listener idle", s, all);
		connect(c, (struct sockaddr *)&a, len);
		show("listener pending", s, all);
		show("connected client", c, all);
		close(c);
		close(s);
		close(d);
	}

	P("-- woken\n");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (fork() == 0) {
		usleep(20000);
		write(sv[1], "wake", 4);
		_exit(0);
	}
	{
		struct pollfd p = { sv[0], POLLIN };

		T(poll(&p, 1, 5000));
		P("  revents %#x\n", p.revents);
		wait(NULL);
	}
	read(sv[0], b, sizeof(b));

	P("-- signals\n");
	{
		/* SIGALRM every 20 ms until disarmed: a read that blocks is hit. */
		struct itimerval on = { { 0, 20000 }, { 0, 20000 } }, off = { 0 };
		struct sigaction sa = { .sa_handler = on_alarm };

		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &on, NULL);
		T(read(sv[0], b, sizeof(b)));
		setitimer(ITIMER_REAL, &off, NULL);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGALRM, &sa, NULL);
		if (fork() == 0) {
			usleep(100000);
			write(sv[1], "late", 4);
			_exit(0);
		}
		setitimer(ITIMER_REAL, &on, NULL);
		n = read(sv[0], b, sizeof(b));
		setitimer(ITIMER_REAL, &off, NULL);
		P("  restarted read: %d\n", n);
		wait(NULL);
	}
	return 0;
}
