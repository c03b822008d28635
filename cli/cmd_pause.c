/* sbx pause ID / sbx resume ID: stop every task of the sandbox at a safe point, and
 * let them go again. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "control.h"
#include "statedir.h"

static int pause_resume(int argc, char **argv, int op, const char *status)
{
	struct ctl_req req = { .magic = CTL_MAGIC, .op = op };
	struct ctl_reply rep;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: sbx %s ID\n", argv[0]);
		return SBX_EXIT_USAGE;
	}
	err = ctl_call(argv[1], &req, -1, &rep);
	if (err)
		die("%s: sandbox '%s' is not running (%s)", argv[0], argv[1], strerror(-err));
	if (rep.err)
		die("%s: %s", argv[0], rep.msg[0] ? rep.msg : strerror(-rep.err));
	statedir_set_status(argv[1], NULL, status);
	return 0;
}

int cmd_pause(int argc, char **argv)
{
	return pause_resume(argc, argv, CTL_PAUSE, "paused");
}

int cmd_resume(int argc, char **argv)
{
	return pause_resume(argc, argv, CTL_RESUME, "running");
}
