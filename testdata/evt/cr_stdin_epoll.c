/*
 * cr_stdin_epoll (zdtm form, after testdata/cr/stdin_reader.c): stdin (a host fd) is
 * watched by an epoll, and the program blocks in epoll_wait on it after its ready
 * mark. The harness checkpoints it there (its stdin a FIFO nobody writes) and
 * restores it with a stdin that holds data: the wait must restart on the new stdin,
 * and an epoll loop reads it to the end. Prints the byte count and the wake-ups'
 * events (readable, then hung up).
 */
#include "../cr/cr.h"

#include <sys/epoll.h>

int main(void)
{
	static char buf[1 << 16];
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 42 };
	size_t total = 0;
	unsigned int seen = 0;
	int ep = epoll_create1(0);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev)) {
		cr_say("FAIL: epoll: %s\n", strerror(errno));
		return 1;
	}
	cr_say("ready cr_stdin_epoll: waiting on stdin\n");
	for (;;) {
		int n = epoll_wait(ep, &ev, 1, -1);
		ssize_t r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1 || ev.data.u32 != 42) {
			cr_say("FAIL: epoll_wait %d: %s\n", n, strerror(errno));
			return 1;
		}
		seen |= ev.events;
		r = read(0, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cr_say("FAIL: read: %s\n", strerror(errno));
			return 1;
		}
		if (!r)
			break;
		total += r;
	}
	cr_say("read %zu bytes, saw readable %d\n", total, !!(seen & EPOLLIN));
	return total ? 0 : 1;
}
