/* basic: a pty pair and its ioctls (grantpt/unlockpt/ptsname, TIOCGPTN, the lock,
 * TIOCGPTPEER, the slave node's type and mode), data both ways with the default
 * termios (ICRNL, ONLCR, echo), FIONREAD/TIOCINQ, TIOCOUTQ, TCFLSH, TCSBRK, poll on
 * both ends, packet mode, and the two ways a pair ends: the slave closed (the master
 * reads EIO, polls POLLHUP) and the master closed (the slave reads 0, writes EIO). */
#include "pty.h"

static void show_poll(const char *label, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };

	poll(&p, 1, 0);
	printf("%s:%s%s%s%s%s\n", label, p.revents & POLLIN ? " IN" : "",
	       p.revents & POLLOUT ? " OUT" : "", p.revents & POLLPRI ? " PRI" : "",
	       p.revents & POLLHUP ? " HUP" : "", p.revents & POLLERR ? " ERR" : "");
}

static void wait_in(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	poll(&p, 1, PTY_SAFETY_MS);
}

int main(void)
{
	char buf[256], name[64];
	int m, s, n, v, peer, r;
	struct stat st;
	FILE *mounts;
	int seen = 0;

	/* (natively the host's is listed too, under the test's own instance) */
	mounts = fopen("/proc/self/mounts", "r");
	while (mounts && fgets(buf, sizeof(buf), mounts))
		seen |= !strncmp(buf, "devpts /dev/pts devpts ", 23);
	if (mounts)
		fclose(mounts);
	printf("devpts mounted at /dev/pts: %d\n", seen);
	if (stat("/dev/ptmx", &st) == 0)
		printf("/dev/ptmx: chr %d, %u:%u, mode %o\n", S_ISCHR(st.st_mode),
		       major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0)
		pty_die("posix_openpt");
	if (ioctl(m, TIOCGPTN, &n))
		pty_die("TIOCGPTN");
	snprintf(name, sizeof(name), "/dev/pts/%d", n);
	printf("index is the ptsname: %d\n", !strcmp(name, ptsname(m)));
	ioctl(m, TIOCGPTLCK, &v);
	printf("locked at first: %d\n", v);
	r = open(name, O_RDWR | O_NOCTTY);
	printf("open while locked: %s\n", pty_err(r < 0 ? errno : 0));
	if (grantpt(m) || unlockpt(m))
		pty_die("unlock");
	ioctl(m, TIOCGPTLCK, &v);
	printf("locked after unlockpt: %d\n", v);
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0)
		pty_die("open slave");
	fstat(s, &st);
	printf("slave: chr %d, major %u, minor is index %d, mode %o, gid %u, own %d\n",
	       S_ISCHR(st.st_mode), major(st.st_rdev), (int)minor(st.st_rdev) == n,
	       st.st_mode & 07777, st.st_gid, st.st_uid == getuid());
	printf("isatty: master %d slave %d\n", isatty(m), isatty(s));
	r = ioctl(s, TIOCGPTN, &v);
	printf("TIOCGPTN on the slave: %s\n", pty_err(r ? errno : 0));
	peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (peer < 0)
		pty_die("TIOCGPTPEER");
	fstat(peer, &st);
	printf("peer is the slave: %d\n", (int)minor(st.st_rdev) == n);
	close(peer);

	show_poll("master idle", m);
	show_poll("slave idle", s);
	pty_put(m, "one\rtwo\n");
	wait_in(s);
	show_poll("slave with lines", s);
	ioctl(s, FIONREAD, &v);
	printf("slave FIONREAD %d\n", v);
	n = read(s, buf, sizeof(buf));
	pty_show("slave read", buf, n);
	ioctl(s, TIOCINQ, &v);
	printf("slave TIOCINQ %d\n", v);
	n = read(s, buf, sizeof(buf));
	pty_show("slave read", buf, n);
	n = pty_read_until(m, buf, sizeof(buf), "two\r\n");
	pty_show("echo", buf, n);
	pty_put(s, "out\nput\n");
	n = pty_read_until(m, buf, sizeof(buf), "put\r\n");
	pty_show("master read", buf, n);
	ioctl(s, TIOCOUTQ, &v);
	printf("slave TIOCOUTQ %d\n", v);

	/* A partial line is not readable; TCFLSH drops it. */
	pty_put(m, "partial");
	n = pty_read_until(m, buf, sizeof(buf), "partial");
	show_poll("slave with a partial line", s);
	printf("TCFLSH TCIFLUSH: %d\n", ioctl(s, TCFLSH, TCIFLUSH));
	printf("TCFLSH 7: %s\n", pty_err(ioctl(s, TCFLSH, 7) ? errno : 0));
	printf("TCSBRK: %d, tcdrain: %d\n", ioctl(s, TCSBRK, 1), tcdrain(s));
	pty_put(m, "x\n");
	n = read(s, buf, sizeof(buf));
	pty_show("after flush", buf, n);
	pty_read_until(m, buf, sizeof(buf), "x\r\n");

	/* O_NONBLOCK reads of an empty slave and master. */
	fcntl(s, F_SETFL, O_NONBLOCK);
	fcntl(m, F_SETFL, O_NONBLOCK);
	r = read(s, buf, 1);
	printf("nonblocking slave read: %s\n", pty_err(r < 0 ? errno : 0));
	r = read(m, buf, 1);
	printf("nonblocking master read: %s\n", pty_err(r < 0 ? errno : 0));
	fcntl(s, F_SETFL, 0);
	fcntl(m, F_SETFL, 0);

	/* Packet mode: a status byte before the data, flush events alone. */
	v = 1;
	ioctl(m, TIOCPKT, &v);
	pty_put(s, "pkt");     /* one write to the master natively: one read */
	wait_in(m);
	n = read(m, buf, sizeof(buf));
	pty_show("packet read", buf, n);
	tcflush(s, TCOFLUSH);
	show_poll("master after a flush in packet mode", m);
	n = read(m, buf, sizeof(buf));
	pty_show("packet status", buf, n);
	v = 0;
	ioctl(m, TIOCPKT, &v);

	/* The slave closed: buffered output first, then EIO. */
	pty_put(s, "last\n");
	close(s);
	show_poll("master, slave closed", m);
	n = pty_read_until(m, buf, sizeof(buf), "last\r\n");
	pty_show("master read", buf, n);
	r = read(m, buf, sizeof(buf));
	printf("master read then: %s\n", pty_err(r < 0 ? errno : 0));

	/* The master closed: the slave hangs up. */
	s = open(name, O_RDWR | O_NOCTTY);
	if (s < 0)
		pty_die("reopen slave");
	pty_put(m, "unread\n");
	close(m);
	show_poll("slave, master closed", s);
	r = read(s, buf, sizeof(buf));
	printf("slave read: %d\n", r);
	r = write(s, "x", 1);
	printf("slave write: %s\n", pty_err(r < 0 ? errno : 0));
	r = ioctl(s, TCGETS, &buf);
	printf("slave TCGETS: %s\n", pty_err(r < 0 ? errno : 0));
	r = access(name, F_OK);
	printf("%s after: %s\n", "node", pty_err(r < 0 ? errno : 0));
	close(s);
	return 0;
}
