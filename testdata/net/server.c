/* server: a server and forked clients over a path socket and over an abstract one:
 * each client sends a request and reads the reply; the server accepts (blocking),
 * answers and checks SO_PEERCRED. Then the backlog: a nonblocking connect to a full
 * listener gets EAGAIN, a blocking one waits until accept makes room; a listener
 * closed with a connection pending resets it. */
#include "net.h"

static int serve(const char *name, int clients)
{
	socklen_t len;
	struct sockaddr_un a = net_addr(name, &len);
	int l = socket(AF_UNIX, SOCK_STREAM, 0), st, ok = 0;

	if (bind(l, (struct sockaddr *)&a, len) || listen(l, 16)) {
		perror("server");
		return 1;
	}
	for (int i = 0; i < clients; i++) {
		if (fork() == 0) {
			int c = socket(AF_UNIX, SOCK_STREAM, 0);
			char req[32], rep[64];
			ssize_t n;

			close(l);
			if (connect(c, (struct sockaddr *)&a, len))
				_exit(10);
			snprintf(req, sizeof(req), "req %d", i);
			write(c, req, strlen(req));
			shutdown(c, SHUT_WR);
			n = read(c, rep, sizeof(rep) - 1);
			if (n <= 0)
				_exit(11);
			rep[n] = 0;
			_exit(strcmp(rep, "ok: req ") == 0 ? 12 : atoi(strrchr(rep, ' ') + 1) == i ? 0 : 13);
		}
	}
	for (int i = 0; i < clients; i++) {
		struct sockaddr_un pa;
		socklen_t pl = sizeof(pa);
		int c = accept(l, (struct sockaddr *)&pa, &pl);
		char req[32], rep[64];
		struct ucred uc;
		ssize_t n, m = 0;

		if (c < 0) {
			perror("accept");
			return 1;
		}
		while ((n = read(c, req + m, sizeof(req) - 1 - m)) > 0)
			m += n;
		req[m] = 0;
		getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &(socklen_t){ sizeof(uc) });
		if (i == 0)
			P("  peer address len %u, peercred is a child %d, uid mine %d\n", pl,
			  uc.pid != getpid() && uc.pid > 0, uc.uid == geteuid());
		snprintf(rep, sizeof(rep), "ok: %s", req);
		write(c, rep, strlen(rep));
		close(c);
	}
	for (int i = 0; i < clients; i++) {
		wait(&st);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	P("  %s: %d of %d clients ok\n", name, ok, clients);
	close(l);
	return 0;
}

static void backlog(void)
{
	socklen_t len;
	struct sockaddr_un a = net_addr("@sbx-net-backlog", &len);
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c[4], st;
	pid_t pid;

	P("-- backlog\n");
	bind(l, (struct sockaddr *)&a, len);
	T(listen(l, 1));
	for (int i = 0; i < 2; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		T(connect(c[i], (struct sockaddr *)&a, len));
	}
	c[2] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	T(connect(c[2], (struct sockaddr *)&a, len));
	{
		struct pollfd p = { l, POLLIN };

		T(poll(&p, 1, 0));
		P("  listener revents %x\n", p.revents);
	}
	pid = fork();
	if (pid == 0) {
		int b = socket(AF_UNIX, SOCK_STREAM, 0);

		/* blocks until the parent accepts one */
		_exit(connect(b, (struct sockaddr *)&a, len) ? 1 : 0);
	}
	usleep(20000);
	for (int i = 0; i < 3; i++) {
		int s = accept(l, NULL, NULL);

		P("  accept %d: %d\n", i, s >= 0);
		close(s);
	}
	waitpid(pid, &st, 0);
	P("  blocked connecter status %d\n", st);
	c[3] = socket(AF_UNIX, SOCK_STREAM, 0);
	T(connect(c[3], (struct sockaddr *)&a, len));
	write(c[3], "lost", 4);
	close(l);
	{
		char b[8];

		T(read(c[3], b, sizeof(b)));
		T(read(c[3], b, sizeof(b)));
		T(write(c[3], "x", 1));
	}
	for (int i = 0; i < 4; i++)
		close(c[i]);
}

/* A seqpacket listener: records keep their boundaries through accept. */
static void seqpacket(void)
{
	socklen_t len;
	struct sockaddr_un a = net_addr("seq.sock", &len);
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0), c = socket(AF_UNIX, SOCK_SEQPACKET, 0), s;
	int d = socket(AF_UNIX, SOCK_STREAM, 0);
	char b[16];

	P("-- seqpacket server\n");
	T(bind(l, (struct sockaddr *)&a, len));
	T(listen(l, 2));
	T(connect(d, (struct sockaddr *)&a, len));
	T(connect(c, (struct sockaddr *)&a, len));
	T(send(c, "rec one", 7, MSG_EOR));
	T(send(c, "two", 3, 0));
	s = accept(l, NULL, NULL);
	T(recv(s, b, sizeof(b), 0));
	T(recv(s, b, 2, 0));
	T(recv(s, b, sizeof(b), MSG_DONTWAIT));
	close(c);
	T(recv(s, b, sizeof(b), 0));
	close(s);
	close(l);
	close(d);
}

int main(void)
{
	fam_enter();
	net_catch_sigpipe();
	P("-- path server\n");
	serve("srv.sock", 4);
	P("-- abstract server\n");
	serve("@sbx-net-server", 4);
	backlog();
	seqpacket();
	fam_leave();
	return 0;
}
