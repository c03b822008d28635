/* proc_net: /proc/net/{tcp,tcp6,udp,udp6,unix} as netstat, ss and psutil read them.
 * Each socket this program makes is found by its inode (fstat) and its line checked:
 * addresses and ports against getsockname/getpeername, the state, the queues, the
 * uid; unix sockets' flags, type, state and name. The host's own sockets share the
 * native run's tables, so only this program's lines are looked at, and no port is
 * printed (cases run at once on the host's loopback).
 *
 * usage: td_net_proc_net [cr]   (cr: zdtm form; the sockets are made before the
 *                               ready mark and their lines checked after the restore) */
#include "../cr/cr.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static unsigned long ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* The line of /proc/net/@table whose inode column is @fd's: its fields split. */
struct line {
	char local[64], remote[64];
	unsigned st, txq, rxq, uid;
	int found;
};

static struct line find(const char *table, int fd)
{
	char path[64], buf[512];
	struct line l = { 0 };
	unsigned long want = ino_of(fd), ino;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", table);
	f = fopen(path, "r");
	if (!f)
		return l;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;             /* the header */
	while (fgets(buf, sizeof(buf), f)) {
		struct line c = { 0 };
		unsigned timer, retr, to;
		unsigned long when;

		if (sscanf(buf, "%*d: %63s %63s %x %x:%x %x:%lx %x %u %u %lu", c.local, c.remote,
			   &c.st, &c.txq, &c.rxq, &timer, &when, &retr, &c.uid, &to, &ino) != 11)
			continue;
		if (ino == want) {
			c.found = 1;
			l = c;
			break;
		}
	}
	fclose(f);
	return l;
}

/* A sockaddr as /proc/net prints it: words of the address in host order, :port. */
static void expect(const struct sockaddr_storage *ss, char *out, size_t len)
{
	const unsigned char *a;
	int words, n = 0;
	unsigned port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		a = (const unsigned char *)&s->sin_addr;
		words = 1;
		port = ntohs(s->sin_port);
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;

		a = s->sin6_addr.s6_addr;
		words = 4;
		port = ntohs(s->sin6_port);
	}
	for (int w = 0; w < words; w++)
		n += snprintf(out + n, len - n, "%02X%02X%02X%02X", a[4 * w + 3], a[4 * w + 2],
			      a[4 * w + 1], a[4 * w]);
	snprintf(out + n, len - n, ":%04X", port);
}

static void check(const char *what, const char *table, int fd, int peer)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char want[64];
	struct line l = find(table, fd);
	int local_ok, remote_ok = 1;

	getsockname(fd, (struct sockaddr *)&ss, &sl);
	expect(&ss, want, sizeof(want));
	local_ok = !strcmp(l.local, want);
	if (peer) {
		sl = sizeof(ss);
		getpeername(fd, (struct sockaddr *)&ss, &sl);
		expect(&ss, want, sizeof(want));
		remote_ok = !strcmp(l.remote, want);
	}
	cr_say("%s: in %s %d, local %d, remote %d, st %02X, tx %u, rx %u, uid %d\n", what, table,
	       l.found, local_ok, remote_ok, l.st, l.txq, l.rxq, l.uid == getuid());
}

static void check_unix(const char *what, int fd)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char buf[512], name[256];
	unsigned long want = ino_of(fd), ino;
	unsigned ref, proto, flags, type, st;
	int found = 0;

	if (f && !fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	while (f && fgets(buf, sizeof(buf), f)) {
		name[0] = 0;
		if (sscanf(buf, "%*[0-9a-f]: %x %x %x %x %x %lu %255s", &ref, &proto, &flags,
			   &type, &st, &ino, name) < 6 || ino != want)
			continue;
		found = 1;
		break;
	}
	if (f)
		fclose(f);
	if (!found) {
		cr_say("%s: in unix 0\n", what);
		return;
	}
	/* names hold this process's pid: say only which kind of name it is */
	cr_say("%s: in unix 1, protocol %u, flags %08X, type %04X, st %02X, name %s\n", what,
	       proto, flags, type, st, !name[0] ? "none" : name[0] == '@' ? "abstract" : "path");
}

int main(int argc, char **argv)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t sl = sizeof(a4);
	int lis, cli, acc, l6, udp, udp2, udp3, ul, up[2], ud;
	char link[64] = "";
	ssize_t n;

	lis = socket(AF_INET, SOCK_STREAM, 0);
	bind(lis, (struct sockaddr *)&a4, sizeof(a4));
	listen(lis, 5);
	getsockname(lis, (struct sockaddr *)&a4, &sl);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	connect(cli, (struct sockaddr *)&a4, sizeof(a4));
	check("tcp listener, one connection waiting", "tcp", lis, 0);
	acc = accept(lis, NULL, NULL);
	if (write(cli, "hello", 5) != 5)
		return 2;
	l6 = socket(AF_INET6, SOCK_STREAM, 0);
	bind(l6, (struct sockaddr *)&a6, sizeof(a6));
	listen(l6, 3);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	a4.sin_port = 0;
	bind(udp, (struct sockaddr *)&a4, sizeof(a4));
	udp2 = socket(AF_INET6, SOCK_DGRAM, 0);
	bind(udp2, (struct sockaddr *)&a6, sizeof(a6));
	snprintf(un.sun_path, sizeof(un.sun_path), "/tmp/proc_net.%d", getpid());
	unlink(un.sun_path);
	ul = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(ul, (struct sockaddr *)&un, sizeof(un));
	listen(ul, 2);
	socketpair(AF_UNIX, SOCK_STREAM, 0, up);
	ud = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(un.sun_path, 0, sizeof(un.sun_path));
	n = snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "proc_net.%d", getpid());
	bind(ud, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + 1 + n);
	n = readlink("/proc/net", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	cr_say("/proc/net -> %s\n", link);
	if (argc > 1 && !strcmp(argv[1], "cr")) {
		cr_arm();
		cr_say("ready\n");
		cr_wait();
	}
	check("tcp listener", "tcp", lis, 0);
	check("tcp client", "tcp", cli, 1);
	check("tcp accepted, 5 bytes unread", "tcp", acc, 1);
	check("tcp6 listener", "tcp6", l6, 0);
	cr_say("tcp6 listener in tcp: %d\n", find("tcp", l6).found);
	check("udp", "udp", udp, 0);
	check("udp6", "udp6", udp2, 0);
	/* a connected UDP socket is ESTABLISHED: connected to udp3 */
	udp3 = socket(AF_INET, SOCK_DGRAM, 0);
	a4.sin_port = 0;
	bind(udp3, (struct sockaddr *)&a4, sizeof(a4));
	sl = sizeof(a4);
	getsockname(udp3, (struct sockaddr *)&a4, &sl);
	connect(udp, (struct sockaddr *)&a4, sizeof(a4));
	check("udp connected", "udp", udp, 1);
	check_unix("unix listener", ul);
	check_unix("unix socketpair end", up[0]);
	check_unix("unix dgram, abstract name", ud);
	snprintf(un.sun_path, sizeof(un.sun_path), "/tmp/proc_net.%d", getpid());
	unlink(un.sun_path);
	return 0;
}
