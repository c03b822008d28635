/*
 * The line discipline of a pty's slave (after Linux's drivers/tty/n_tty.c): what the
 * master writes is taken byte by byte from the raw ring into the slave's input
 * buffer, through input processing (ISTRIP, INLCR, IGNCR, ICRNL, IUCLC), signal
 * characters (ISIG: VINTR, VQUIT, VSUSP), flow control (IXON: VSTOP, VSTART),
 * canonical editing (VERASE, VKILL, VWERASE, VLNEXT, VEOF, VEOL, VEOL2, lines up to
 * 4096 bytes) and echo (ECHO, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOCTL); what the slave
 * writes goes to the master through output processing (OPOST: ONLCR, OCRNL, ONOCR,
 * ONLRET, OLCUC, XTABS), as echoes do.
 *
 * Not done: VREPRINT and VDISCARD are plain characters; erasing a tab does not
 * move back to the tab's start column (one column is erased); ECHOPRT, PARMRK,
 * IMAXBEL, IUTF8's multi-byte erase and the parity and break flags of input have
 * no effect. Every function runs with p->lock held.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "abi/linux.h"
#include "fs/devpts/devpts.h"

#define T(p) (&(p)->termios)
#define L(p, f) (T(p)->lflag & (f))
#define I(p, f) (T(p)->iflag & (f))
#define O(p, f) (T(p)->oflag & (f))
#define CC(p, i) (T(p)->cc[i])
#define DISABLED 0      /* _POSIX_VDISABLE as Linux has it */

static const u8 init_cc[19] = {
	[VINTR] = 003, [VQUIT] = 034, [VERASE] = 0177, [VKILL] = 025, [VEOF] = 004,
	[VTIME] = 0, [VMIN] = 1, [VSTART] = 021, [VSTOP] = 023, [VSUSP] = 032,
	[VREPRINT] = 022, [VDISCARD] = 017, [VWERASE] = 027, [VLNEXT] = 026,
};

/* The pty slave's initial termios: tty_std_termios with pty.c's c_cflag. */
void pty_default_termios(struct pty *p)
{
	struct pty_termios *t = T(p);

	memset(t, 0, sizeof(*t));
	t->iflag = ICRNL | IXON;
	t->oflag = OPOST | ONLCR;
	t->cflag = B38400 | CS8 | CREAD;
	t->lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(t->cc, init_cc, sizeof(init_cc));
	p->ispeed = p->ospeed = 38400;
}

static bool is_char(struct pty *p, u8 c, int idx)
{
	return CC(p, idx) != DISABLED && c == CC(p, idx);
}

/* ---- the master's ring ---- */

static u32 out_room(struct pty *p)
{
	return PTY_OUT - p->out_len;
}

static void out_put(struct pty *p, u8 c)
{
	p->out[(p->out_off + p->out_len) % PTY_OUT] = c;
	p->out_len++;
}

/*
 * One byte of output through OPOST (Linux's do_output_char): the bytes it needs in
 * the master's ring, or 0 when they do not fit (nothing written then).
 */
static int output_char(struct pty *p, u8 c)
{
	if (!O(p, OPOST)) {
		if (!out_room(p))
			return 0;
		out_put(p, c);
		return 1;
	}
	switch (c) {
	case '\n':
		if (O(p, ONLRET))
			p->column = 0;
		if (O(p, ONLCR)) {
			if (out_room(p) < 2)
				return 0;
			p->column = 0;
			out_put(p, '\r');
			out_put(p, '\n');
			return 2;
		}
		break;
	case '\r':
		if (O(p, ONOCR) && !p->column)
			return 1;       /* consumed, nothing sent */
		if (O(p, OCRNL)) {
			c = '\n';
			if (O(p, ONLRET))
				p->column = 0;
			break;
		}
		p->column = 0;
		break;
	case '\t': {
		u32 spaces = 8 - (p->column & 7);

		if ((T(p)->oflag & TABDLY) == XTABS) {
			if (out_room(p) < spaces)
				return 0;
			p->column += spaces;
			while (spaces--)
				out_put(p, ' ');
			return 1;
		}
		p->column += spaces;
		break;
	}
	case '\b':
		if (p->column > 0)
			p->column--;
		break;
	default:
		if (!iscntrl(c)) {
			if (O(p, OLCUC))
				c = toupper(c);
			p->column++;
		}
		break;
	}
	if (!out_room(p))
		return 0;
	out_put(p, c);
	return 1;
}

size_t ldisc_write(struct pty *p, const u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && !p->stopped; i++)
		if (!output_char(p, buf[i]))
			break;
	if (i)
		fasync_kill(&p->fasync_master, L_POLL_IN);
	return i;
}

/* Echoes go out through OPOST like output; one that does not fit is lost (Linux's
 * echo buffer overflows the same way when nobody reads the master). */
static void echo_raw(struct pty *p, u8 c)
{
	output_char(p, c);
}

static void echo_str(struct pty *p, const char *s)
{
	while (*s)
		echo_raw(p, *s++);
}

/* Linux's echo_char: a control character as ^X under ECHOCTL (not tab; a newline
 * is always echoed as itself). */
static bool shown_as_ctl(struct pty *p, u8 c)
{
	return L(p, ECHOCTL) && iscntrl(c) && c != '\t' && c != '\n';
}

static void echo_char(struct pty *p, u8 c)
{
	if (shown_as_ctl(p, c)) {
		echo_raw(p, '^');
		echo_raw(p, c ^ 0100);
		return;
	}
	echo_raw(p, c);
}

/* ---- the slave's input buffer ---- */

static u32 in_pos(struct pty *p, u32 i)
{
	return (p->in_off + i) % PTY_IN;
}

static bool delim_at(struct pty *p, u32 pos)
{
	return p->in_delim[pos / 8] & (1 << (pos % 8));
}

static void set_delim(struct pty *p, u32 pos, bool on)
{
	if (on)
		p->in_delim[pos / 8] |= 1 << (pos % 8);
	else
		p->in_delim[pos / 8] &= ~(1 << (pos % 8));
}

static void in_put(struct pty *p, u8 c, bool delim)
{
	u32 pos = in_pos(p, p->in_len++);

	p->in[pos] = c;
	set_delim(p, pos, delim);
}

/* Takes @n bytes off the front of the input. */
static void in_consume(struct pty *p, u32 n)
{
	for (u32 i = 0; i < n; i++)
		set_delim(p, in_pos(p, i), false);
	p->in_off = (p->in_off + n) % PTY_IN;
	p->in_len -= n;
	p->in_canon = p->in_canon > n ? p->in_canon - n : 0;
}

void ldisc_flush_in(struct pty *p)
{
	in_consume(p, p->in_len);
	p->in_off = 0;
	p->lnext = false;
}

/* Whether the buffer takes one more byte now (n_tty_receive_buf_common's room):
 * one byte is kept free; a canonical line that fills the buffer takes one more,
 * then more by overwriting its last byte, so that its end still gets in. */
static bool in_has_room(struct pty *p)
{
	if (p->in_len < PTY_IN - 1)
		return true;
	return L(p, ICANON) && p->in_canon == 0;
}

static void in_store(struct pty *p, u8 c, bool delim)
{
	if (p->in_len >= PTY_IN) {
		p->in_len--;            /* canonical overflow: the last byte goes */
		set_delim(p, in_pos(p, p->in_len), false);
	}
	in_put(p, c, delim);
}

/* Removes the last byte of the line being edited, echoing its erasure with
 * backspaces when @echo (Linux's eraser: a control character shown as ^X takes
 * two, one not shown none): false when there is none. */
static bool erase_one(struct pty *p, bool echo)
{
	int cols;
	u8 c;

	if (p->in_len <= p->in_canon)
		return false;
	c = p->in[in_pos(p, p->in_len - 1)];
	p->in_len--;
	set_delim(p, in_pos(p, p->in_len), false);
	cols = !iscntrl(c) || c == '\t' ? 1 : L(p, ECHOCTL) ? 2 : 0;
	while (echo && cols--)
		echo_str(p, "\b \b");
	return true;
}

/* VERASE, VWERASE and VKILL in canonical mode (Linux's eraser). */
static void eraser(struct pty *p, u8 c)
{
	bool echo = L(p, ECHO);
	u32 seen_alnums = 0;

	if (p->in_len <= p->in_canon)
		return;
	if (is_char(p, c, VERASE)) {
		erase_one(p, echo && L(p, ECHOE));
		if (echo && !L(p, ECHOE))
			echo_char(p, c);
		return;
	}
	if (!is_char(p, c, VWERASE) || !L(p, IEXTEN)) {
		/* VKILL: the whole line, erased on the screen only with ECHOKE */
		bool visual = echo && L(p, ECHOK) && L(p, ECHOKE) && L(p, ECHOE);

		while (erase_one(p, visual))
			;
		if (echo && !visual) {
			echo_char(p, c);
			if (L(p, ECHOK))
				echo_raw(p, '\n');
		}
		return;
	}
	/* VWERASE: back over anything to a word, then over the word (BSD's
	 * ALTWERASE, as Linux has it). */
	while (p->in_len > p->in_canon) {
		u8 last = p->in[in_pos(p, p->in_len - 1)];

		if (isalnum(last) || last == '_')
			seen_alnums++;
		else if (seen_alnums)
			break;
		erase_one(p, echo);
	}
}

/*
 * Linux's isig: the character's signal to the foreground group, and the input
 * flushed unless NOFLSH. Linux also flushes the pty's output still in flight to
 * the master (the flip buffer), but what a slave wrote reaches the master's read
 * buffer at once there in practice, and it is all there at once here: it stays.
 */
static u64 isig(struct pty *p, u8 c, int sig)
{
	if (!L(p, NOFLSH)) {
		ldisc_flush_in(p);
		if (p->packet)
			p->pktstatus |= TIOCPKT_FLUSHREAD;
	}
	if (L(p, ECHO))
		echo_char(p, c);
	return sigbit(sig);
}

u64 ldisc_receive(struct pty *p, u8 c)
{
	if (I(p, ISTRIP))
		c &= 0x7f;
	if (I(p, IUCLC) && L(p, IEXTEN))
		c = tolower(c);
	if (p->lnext) {
		/* The byte after VLNEXT is taken as it is. */
		p->lnext = false;
		if (L(p, ECHO))
			echo_char(p, c);        /* over the "^" the VLNEXT left */
		in_store(p, c, false);
		return 0;
	}
	if (I(p, IXON)) {
		if (is_char(p, c, VSTOP)) {
			p->stopped = true;
			return 0;
		}
		if (is_char(p, c, VSTART)) {
			p->stopped = false;
			return 0;
		}
		if (p->stopped && I(p, IXANY))
			p->stopped = false;
	}
	if (L(p, ISIG)) {
		if (is_char(p, c, VINTR))
			return isig(p, c, SIGINT);
		if (is_char(p, c, VQUIT))
			return isig(p, c, SIGQUIT);
		if (is_char(p, c, VSUSP))
			return isig(p, c, SIGTSTP);
	}
	if (c == '\r') {
		if (I(p, IGNCR))
			return 0;
		if (I(p, ICRNL))
			c = '\n';
	} else if (c == '\n' && I(p, INLCR)) {
		c = '\r';
	}
	if (L(p, ICANON)) {
		if (is_char(p, c, VERASE) || is_char(p, c, VKILL) ||
		    (is_char(p, c, VWERASE) && L(p, IEXTEN))) {
			eraser(p, c);
			return 0;
		}
		if (is_char(p, c, VLNEXT) && L(p, IEXTEN)) {
			p->lnext = true;
			if (L(p, ECHO) && L(p, ECHOCTL))
				echo_str(p, "^\b");
			return 0;
		}
		if (is_char(p, c, VEOF)) {
			/* An end of file ends the line without being read. */
			in_store(p, DISABLED, true);
			p->in_canon = p->in_len;
			return 0;
		}
		if (c == '\n' || is_char(p, c, VEOL) || (is_char(p, c, VEOL2) && L(p, IEXTEN))) {
			if (L(p, ECHO) || (c == '\n' && L(p, ECHONL)))
				echo_char(p, c);
			in_store(p, c, true);
			p->in_canon = p->in_len;
			return 0;
		}
	}
	if (L(p, ECHO))
		echo_char(p, c);
	in_store(p, c, false);
	return 0;
}

void ldisc_input_done(struct pty *p, u32 canon, u32 out)
{
	/* n_tty's __receive_buf and n_tty_receive_char_canon (a line end); the
	 * master hears of echoes as Linux's master hears of what pty_write sent it */
	if (L(p, ICANON) ? p->in_canon > canon : p->in_len > 0)
		fasync_kill(&p->fasync_slave, L_POLL_IN);
	if (p->out_len > out)
		fasync_kill(&p->fasync_master, L_POLL_IN);
}

u64 ldisc_pump(struct pty *p)
{
	u32 canon = p->in_canon, out = p->out_len;
	bool moved = false;
	u64 sigs = 0;

	while (p->raw_len && in_has_room(p)) {
		u8 c = p->raw[p->raw_off];

		p->raw_off = (p->raw_off + 1) % PTY_RAW;
		p->raw_len--;
		sigs |= ldisc_receive(p, c);
		moved = true;
	}
	if (moved)
		ldisc_input_done(p, canon, out);
	return sigs;
}

bool ldisc_readable(struct pty *p, bool poll)
{
	u32 want = 1;

	if (L(p, ICANON))
		return p->in_canon > 0;
	/* poll waits for VMIN bytes when there is no VTIME (input_available_p) */
	if (poll && !CC(p, VTIME) && CC(p, VMIN))
		want = CC(p, VMIN);
	return p->in_len >= want;
}

/* A canonical read: up to the end of the first complete line (the line's end
 * included, an end of file not), at most @len. */
static s64 canon_read(struct pty *p, u8 *buf, size_t len)
{
	u32 n = 0, take;
	bool eof = false;

	if (!p->in_canon)
		return -EAGAIN;
	while (n < p->in_canon) {
		u32 pos = in_pos(p, n);

		n++;
		if (delim_at(p, pos)) {
			eof = p->in[pos] == DISABLED;
			break;
		}
	}
	take = eof ? n - 1 : n;
	if (take > len) {
		take = len;
		n = len;
		eof = false;
	}
	for (u32 i = 0; i < take; i++)
		buf[i] = p->in[in_pos(p, i)];
	in_consume(p, n);
	return take;
}

s64 ldisc_read(struct pty *p, u8 *buf, size_t len)
{
	u32 n;

	if (L(p, ICANON))
		return canon_read(p, buf, len);
	n = MIN(len, p->in_len);
	for (u32 i = 0; i < n; i++)
		buf[i] = p->in[in_pos(p, i)];
	in_consume(p, n);
	return n;
}

u32 ldisc_inq(struct pty *p)
{
	u32 n = 0;

	if (!L(p, ICANON))
		return p->in_len;
	/* Complete lines, their end-of-file marks not counted (inq_canon). */
	for (u32 i = 0; i < p->in_canon; i++) {
		u32 pos = in_pos(p, i);

		if (!(delim_at(p, pos) && p->in[pos] == DISABLED))
			n++;
	}
	return n;
}

void ldisc_set_termios(struct pty *p, const struct pty_termios *nt)
{
	bool was_canon = L(p, ICANON);

	*T(p) = *nt;
	if (was_canon && !L(p, ICANON))
		p->in_canon = 0;
	else if (!was_canon && L(p, ICANON))
		p->in_canon = p->in_len;        /* what is there reads as a line */
	if (!I(p, IXON))
		p->stopped = false;
}
