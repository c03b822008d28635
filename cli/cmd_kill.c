/* sbx kill ID [SIGNAL]: send SIGNAL (default SIGTERM; a number or a name) to the
 * sandbox's init, as a signal from outside: init's rules apply (it ignores signals it
 * has no handler for, except SIGKILL). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "control.h"
#include "statedir.h"

static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return n >= 1 && n <= 64 ? n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < 32; i++)
		if (sigabbrev_np(i) && !strcasecmp(s, sigabbrev_np(i)))
			return i;
	return -1;
}

int cmd_kill(int argc, char **argv)
{
	struct ctl_req req = { .magic = CTL_MAGIC, .op = CTL_KILL, .arg = SIGTERM };
	struct ctl_reply rep;
	int err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sbx kill ID [SIGNAL]\n");
		return SBX_EXIT_USAGE;
	}
	if (argc == 3) {
		req.arg = parse_signal(argv[2]);
		if (req.arg < 0)
			die("kill: unknown signal '%s'", argv[2]);
	}
	err = ctl_call(argv[1], &req, -1, &rep);
	if (err)
		die("kill: sandbox '%s' is not running (%s)", argv[1], strerror(-err));
	if (rep.err)
		die("kill: %s", rep.msg[0] ? rep.msg : strerror(-rep.err));
	return 0;
}
