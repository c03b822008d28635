/* cr_net.h: shared by the zdtm-form socket programs (cr_sock.c, cr_inet.c): the ready
 * mark and its wait (or, with "nowait", none), the verdict lines, exact reads.
 * Include after ../cr/cr.h. */
#ifndef SBX_TD_CR_NET_H
#define SBX_TD_CR_NET_H

#include <stdbool.h>

static bool nowait;
static int fails;

static void wait_mark(void)
{
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	else
		cr_say("resumed\n");
}

static void check(bool ok, const char *what)
{
	cr_say("%s: %s\n", what, ok ? "ok" : "WRONG");
	fails += !ok;
}

/* Reads exactly @want's bytes from @fd and compares them. */
static bool reads(int fd, const char *want)
{
	char b[256];
	size_t n = strlen(want), got = 0;

	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);

		if (r <= 0)
			return false;
		got += r;
	}
	return !memcmp(b, want, n);
}

struct cr_net_mode {
	const char *name;
	void (*run)(void);
};

/* main of a program of @modes (NULL-terminated): "PROG MODE [nowait]"; exit 2 for
 * an unknown mode, 1 when a check failed. */
static int cr_net_main(int argc, char **argv, const struct cr_net_mode *modes)
{
	const char *mode = argc > 1 ? argv[1] : "";

	nowait = argc > 2 && !strcmp(argv[2], "nowait");
	cr_arm();
	for (; modes->name; modes++) {
		if (!strcmp(mode, modes->name)) {
			modes->run();
			return fails ? 1 : 0;
		}
	}
	return 2;
}

#endif
