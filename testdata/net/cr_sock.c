/* cr_sock: unix sockets across a checkpoint (zdtm form; tests/integration/net runs it
 * through cr/case.sh --signal). One mode per run:
 *   stream  a connected stream pair with unread data both ways, and a seqpacket pair
 *           with a queued record; after the restore the data is read back, and the
 *           pairs still carry data and see each other's close
 *   listen  a listener bound to a path and an abstract name, each with a pending
 *           connection (data already sent on it), accepted after the restore; new
 *           connections by both names work
 *   dgram   a bound datagram socket with datagrams queued from a named and an unnamed
 *           sender, a connected sender; read back in order with their sources
 *   rights  an SCM_RIGHTS message in flight holding a pipe's write end, a file and a
 *           socket (the only references to them); received and used after the restore
 *   blocked children blocked in read, recvmsg on a datagram socket and accept when the
 *           checkpoint comes; the parent wakes them after the restore
 *
 * usage: td_net_cr_sock MODE [nowait] */
#include "../cr/cr.h"
#include "cr_net.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

/* Names carry a tag drawn at the start: native runs share the host's abstract
 * names, and a C/R case and its plain twin run at once (each is pid 1 of its own
 * pid namespace, so the pid would not tell them apart). */
static unsigned name_tag;

static struct sockaddr_un addr(const char *name, socklen_t *len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char path[sizeof(a.sun_path)];
	size_t n;

	n = snprintf(path, sizeof(path), "%s.%08x", name, name_tag);
	memcpy(a.sun_path, path, n);
	if (path[0] == '@')
		a.sun_path[0] = 0;
	*len = offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@');
	return a;
}

static void stream(void)
{
	int sv[2], sp[2];
	char b[16];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp);
	write(sv[0], "to one ", 7);
	write(sv[0], "and more", 8);
	write(sv[1], "to zero", 7);
	write(sp[0], "record", 6);
	write(sp[0], "rec2", 4);
	wait_mark();
	check(reads(sv[1], "to one and more"), "stream data 0->1");
	check(reads(sv[0], "to zero"), "stream data 1->0");
	check(read(sp[1], b, 3) == 3 && !memcmp(b, "rec", 3), "seqpacket record, truncated");
	check(read(sp[1], b, sizeof(b)) == 4 && !memcmp(b, "rec2", 4), "seqpacket boundary");
	write(sv[1], "new", 3);
	check(reads(sv[0], "new"), "stream still carries data");
	close(sv[1]);
	check(read(sv[0], b, sizeof(b)) == 0, "peer close seen");
	close(sp[0]);
	check(read(sp[1], b, sizeof(b)) == 0, "seqpacket peer close seen");
}

static void listen_mode(void)
{
	socklen_t pl, al;
	struct sockaddr_un p = addr("/tmp/sbx-cr-sock.sock", &pl);
	struct sockaddr_un a = addr("@sbx-cr-sock", &al);
	int lp = socket(AF_UNIX, SOCK_STREAM, 0), la = socket(AF_UNIX, SOCK_STREAM, 0);
	int cp = socket(AF_UNIX, SOCK_STREAM, 0), ca = socket(AF_UNIX, SOCK_STREAM, 0);
	int s, c;
	struct sockaddr_un got;
	socklen_t gl = sizeof(got);

	unlink(p.sun_path);
	if (bind(lp, (struct sockaddr *)&p, pl) || listen(lp, 4) ||
	    bind(la, (struct sockaddr *)&a, al) || listen(la, 4)) {
		perror("bind/listen");
		exit(2);
	}
	if (connect(cp, (struct sockaddr *)&p, pl) || connect(ca, (struct sockaddr *)&a, al)) {
		perror("connect");
		exit(2);
	}
	write(cp, "pending path", 12);
	write(ca, "pending abstract", 16);
	wait_mark();
	s = accept(lp, (struct sockaddr *)&got, &gl);
	check(s >= 0 && reads(s, "pending path"), "path connection accepted after restore");
	write(s, "reply", 5);
	check(reads(cp, "reply"), "reply on it");
	close(s);
	s = accept(la, NULL, NULL);
	check(s >= 0 && reads(s, "pending abstract"), "abstract connection accepted");
	close(s);
	gl = sizeof(got);
	check(!getsockname(lp, (struct sockaddr *)&got, &gl) && gl == pl &&
	      !strcmp(got.sun_path, p.sun_path), "listener keeps its name");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	check(!connect(c, (struct sockaddr *)&p, pl), "new connection by path");
	s = accept(lp, NULL, NULL);
	write(c, "fresh", 5);
	check(s >= 0 && reads(s, "fresh"), "and its data");
	close(c);
	close(s);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	check(!connect(c, (struct sockaddr *)&a, al), "new connection by abstract name");
	close(c);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	check(bind(c, (struct sockaddr *)&a, al) < 0 && errno == EADDRINUSE,
	      "abstract name still taken");
	close(c);
	unlink(p.sun_path);
}

static void dgram(void)
{
	socklen_t rl, nl;
	struct sockaddr_un r = addr("@sbx-cr-dgram", &rl);
	struct sockaddr_un n = addr("@sbx-cr-dgram-sender", &nl);
	int rs = socket(AF_UNIX, SOCK_DGRAM, 0), named = socket(AF_UNIX, SOCK_DGRAM, 0);
	int anon = socket(AF_UNIX, SOCK_DGRAM, 0), conn = socket(AF_UNIX, SOCK_DGRAM, 0);
	const char *want[] = { "first from named", "second, unnamed", "third, connected",
			       "fourth from named" };
	char b[64];

	bind(rs, (struct sockaddr *)&r, rl);
	bind(named, (struct sockaddr *)&n, nl);
	connect(conn, (struct sockaddr *)&r, rl);
	sendto(named, want[0], strlen(want[0]), 0, (struct sockaddr *)&r, rl);
	sendto(anon, want[1], strlen(want[1]), 0, (struct sockaddr *)&r, rl);
	send(conn, want[2], strlen(want[2]), 0);
	sendto(named, want[3], strlen(want[3]), 0, (struct sockaddr *)&r, rl);
	wait_mark();
	for (int i = 0; i < 4; i++) {
		struct sockaddr_un from;
		socklen_t fl = sizeof(from);
		ssize_t k = recvfrom(rs, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		bool named_src = i == 0 || i == 3;

		check(k == (ssize_t)strlen(want[i]) && !memcmp(b, want[i], k) &&
		      (named_src ? fl == nl && !memcmp(&from, &n, nl) : fl == 0),
		      want[i]);
	}
	check(recv(rs, b, sizeof(b), MSG_DONTWAIT) < 0 && errno == EAGAIN, "queue empty");
	check(send(conn, "after", 5, 0) == 5 && recv(rs, b, sizeof(b), 0) == 5,
	      "connected sender still connected");
}

static void rights(void)
{
	int sv[2], p[2], pair[2], f, fds[3];
	char ctl[CMSG_SPACE(sizeof(fds))], b[64];
	struct iovec iov = { "rights", 6 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t k;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
	pipe(p);
	f = open("/tmp/sbx-cr-rights", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(f, "file data", 9);
	lseek(f, 5, SEEK_SET);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	fds[0] = p[1];
	fds[1] = f;
	fds[2] = pair[1];
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	if (sendmsg(sv[0], &mh, 0) != 6) {
		perror("sendmsg");
		exit(2);
	}
	/* the message holds the only references now */
	close(p[1]);
	close(f);
	close(pair[1]);
	unlink("/tmp/sbx-cr-rights");
	wait_mark();
	iov = (struct iovec){ b, sizeof(b) };
	mh.msg_controllen = sizeof(ctl);
	k = recvmsg(sv[1], &mh, 0);
	c = CMSG_FIRSTHDR(&mh);
	check(k == 6 && c && c->cmsg_type == SCM_RIGHTS &&
	      c->cmsg_len == CMSG_LEN(sizeof(fds)), "message with three fds");
	if (!c)
		return;
	memcpy(fds, CMSG_DATA(c), sizeof(fds));
	write(fds[0], "via pipe", 8);
	close(fds[0]);
	check(reads(p[0], "via pipe"), "passed pipe end works");
	check(read(p[0], b, 1) == 0, "and was its only writer");
	check(reads(fds[1], "data"), "passed file at its offset");
	write(fds[2], "via socket", 10);
	check(reads(pair[0], "via socket"), "passed socket works");
	close(fds[2]);
	check(read(pair[0], b, 1) == 0, "and was its only reference");
}

static void blocked(void)
{
	socklen_t al;
	struct sockaddr_un a = addr("@sbx-cr-blocked", &al);
	int sv[2], dv[2], l = socket(AF_UNIX, SOCK_STREAM, 0), c, st, ok = 0;
	pid_t kids[3];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, dv);
	if (bind(l, (struct sockaddr *)&a, al) || listen(l, 1)) {
		perror("bind/listen");
		exit(2);
	}
	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char b[16];
			ssize_t n = -1;

			if (i == 0)
				n = read(sv[1], b, sizeof(b));
			else if (i == 1)
				n = recv(dv[1], b, sizeof(b), 0);
			else if ((c = accept(l, NULL, NULL)) >= 0)
				n = read(c, b, sizeof(b));
			_exit(n == 5 && !memcmp(b, "wake!", 5) ? 0 : 1);
		}
	}
	usleep(100000);
	wait_mark();
	write(sv[0], "wake!", 5);
	send(dv[0], "wake!", 5, 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (!connect(c, (struct sockaddr *)&a, al))
		write(c, "wake!", 5);
	for (int i = 0; i < 3; i++) {
		waitpid(kids[i], &st, 0);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	check(ok == 3, "blocked reader, receiver and accepter woken with data");
}

int main(int argc, char **argv)
{
	static const struct cr_net_mode modes[] = {
		{ "stream", stream },
		{ "listen", listen_mode },
		{ "dgram", dgram },
		{ "rights", rights },
		{ "blocked", blocked },
		{ NULL, NULL },
	};

	if (getrandom(&name_tag, sizeof(name_tag), 0) != sizeof(name_tag)) {
		perror("getrandom");
		return 2;
	}
	return cr_net_main(argc, argv, modes);
}
