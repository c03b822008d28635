/* canon: the line discipline, one case a line: canonical editing (VERASE, VKILL with
 * and without ECHOKE, VWERASE, VLNEXT, VEOF, VEOL), echo flags (ECHO, ECHOE, ECHONL,
 * ECHOCTL), input and output processing (ICRNL, INLCR, IGNCR, ONLCR, OCRNL, OLCUC,
 * XTABS), the 4095-byte line limit, switching ICANON with input pending, and
 * non-canonical reads with the common VMIN/VTIME combinations. For each: what the
 * slave read, and what the master saw (echo and output). */
#include "pty.h"

static int m, s;

static void set(tcflag_t lon, tcflag_t loff, tcflag_t ion, tcflag_t ioff, tcflag_t oon,
		tcflag_t ooff)
{
	struct termios t;

	if (tcgetattr(s, &t))
		pty_die("tcgetattr");
	t.c_lflag = (t.c_lflag | lon) & ~loff;
	t.c_iflag = (t.c_iflag | ion) & ~ioff;
	t.c_oflag = (t.c_oflag | oon) & ~ooff;
	if (tcsetattr(s, TCSANOW, &t))
		pty_die("tcsetattr");
}

static void reset(void)
{
	struct termios t;

	cfmakeraw(&t);  /* then the pty defaults, by hand */
	tcgetattr(s, &t);
	t.c_iflag = ICRNL | IXON;
	t.c_oflag = OPOST | ONLCR;
	t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	t.c_cc[VEOL] = 0;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSAFLUSH, &t);
}

/* Types @in on the master, reads the slave @reads times, then has the slave write
 * a mark and shows everything the master got before it. */
static void typed(const char *label, const char *in, int reads)
{
	char buf[8192];
	long n;

	printf("%s:\n", label);
	pty_put(m, in);
	for (int i = 0; i < reads; i++) {
		n = read(s, buf, sizeof(buf));
		if (n < 0)
			pty_die("read");
		pty_show("  read", buf, n);
	}
	pty_put(s, "@@");
	n = pty_read_until(m, buf, sizeof(buf), "@@");
	pty_show("  master", buf, n > 2 ? n - 2 : 0);
}

static void written(const char *label, const char *out)
{
	char buf[256];
	long n;

	pty_put(s, out);
	pty_put(s, "@@");
	n = pty_read_until(m, buf, sizeof(buf), "@@");
	printf("%s:\n", label);
	pty_show("  master", buf, n - 2);
}

int main(void)
{
	char big[5000], buf[8192];
	struct termios t;
	long n;

	pty_pair(&m, &s, 0, 0);
	tcgetattr(s, &t);
	printf("defaults: iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag,
	       t.c_cflag, t.c_lflag);
	pty_show("cc", (char *)t.c_cc, NCCS);
	printf("speed %d/%d\n", (int)cfgetispeed(&t), (int)cfgetospeed(&t));

	typed("erase", "abc\x7f\x7f" "d\n", 1);
	typed("kill, ECHOKE", "hello\x15" "bye\n", 1);
	set(0, ECHOKE, 0, 0, 0, 0);
	typed("kill, ECHOK", "hello\x15" "bye\n", 1);
	reset();
	typed("werase", "one two,.  \x17three\n", 1);
	typed("lnext", "a\x16\x7f" "b\x16\x03\n", 1);
	typed("eof after text, then alone", "abc\x04\x04", 2);
	typed("erase a control character", "a\x01\x7f\n", 1);
	set(0, ECHOE, 0, 0, 0, 0);
	typed("erase, no ECHOE", "ab\x7f\n", 1);
	reset();
	set(0, ECHOCTL, 0, 0, 0, 0);
	typed("no ECHOCTL", "a\x01" "b\n", 1);
	reset();
	set(ECHONL, ECHO, 0, 0, 0, 0);
	typed("no echo, ECHONL", "secret\n", 1);
	reset();
	tcgetattr(s, &t);
	t.c_cc[VEOL] = ';';
	tcsetattr(s, TCSANOW, &t);
	typed("VEOL", "x;y\n", 2);
	reset();
	set(0, 0, IGNCR, 0, 0, 0);
	typed("IGNCR", "a\rb\n", 1);
	reset();
	set(0, ICANON, INLCR, ICRNL, 0, 0);
	typed("INLCR, no ICRNL, raw", "a\r\n", 1);
	reset();

	written("ONLCR", "l1\nl2\n");
	set(0, 0, 0, 0, OCRNL | OLCUC, ONLCR);
	written("OCRNL OLCUC", "ab\rcd\n");
	reset();
	set(0, 0, 0, 0, XTABS, 0);
	written("XTABS", "a\tbc\td\n");
	reset();
	set(0, 0, 0, 0, 0, OPOST);
	written("no OPOST", "x\ny\n");
	reset();

	/* A line longer than 4095 bytes: the end still gets in, the rest is cut. */
	set(0, ECHO, 0, 0, 0, 0);
	memset(big, 'z', sizeof(big));
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = 0;
	pty_put(m, big);
	n = read(s, buf, sizeof(buf));
	printf("long line: read %ld, ends with newline %d\n", n, n > 0 && buf[n - 1] == '\n');
	reset();

	/* Input pending when ICANON goes off and on. */
	pty_put(m, "part");
	pty_put(s, "@@");
	pty_read_until(m, buf, sizeof(buf), "@@");
	set(0, ICANON, 0, 0, 0, 0);
	n = read(s, buf, sizeof(buf));
	pty_show("partial line, ICANON off", buf, n);
	pty_put(m, "more");
	{
		struct pollfd p = { .fd = s, .events = POLLIN };

		poll(&p, 1, PTY_SAFETY_MS);     /* taken in before ICANON is back */
	}
	set(ICANON, 0, 0, 0, 0, 0);
	n = read(s, buf, sizeof(buf));
	pty_show("raw input, ICANON on", buf, n);
	reset();

	/* VMIN/VTIME. */
	set(0, ICANON | ECHO, 0, 0, 0, 0);
	tcgetattr(s, &t);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	printf("VMIN 0 VTIME 0, empty: %ld\n", (long)read(s, buf, sizeof(buf)));
	t.c_cc[VTIME] = 1;
	tcsetattr(s, TCSANOW, &t);
	printf("VMIN 0 VTIME 1, empty: %ld\n", (long)read(s, buf, sizeof(buf)));
	pty_put(m, "q");
	{
		/* there before the read: natively it comes through a workqueue */
		struct pollfd p = { .fd = s, .events = POLLIN };

		poll(&p, 1, PTY_SAFETY_MS);
	}
	printf("VMIN 0 VTIME 1, one byte: %ld\n", (long)read(s, buf, sizeof(buf)));
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	if (fork() == 0) {
		pty_put(m, "a");
		usleep(100000);
		pty_put(m, "bc");
		_exit(0);
	}
	n = read(s, buf, sizeof(buf));
	pty_show("VMIN 3 VTIME 0", buf, n);
	wait(NULL);
	t.c_cc[VMIN] = 5;
	t.c_cc[VTIME] = 1;
	tcsetattr(s, TCSANOW, &t);
	pty_put(m, "abc");
	n = read(s, buf, sizeof(buf));
	pty_show("VMIN 5 VTIME 1, three bytes", buf, n);
	t.c_cc[VMIN] = 2;
	tcsetattr(s, TCSANOW, &t);
	pty_put(m, "wxyz");
	n = read(s, buf, 3);
	pty_show("VMIN 2, read of 3 with 4 there", buf, n);
	n = read(s, buf, sizeof(buf));
	pty_show("then", buf, n);
	return 0;
}
