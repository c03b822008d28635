/* sbx delete ID: stop the sandbox if it still runs (SIGKILL to its Sentry, which
 * takes every stub with it) and remove its state directory. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "statedir.h"

int cmd_delete(int argc, char **argv)
{
	struct sbx_meta m;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: sbx delete ID\n");
		return SBX_EXIT_USAGE;
	}
	err = statedir_read_meta(argv[1], &m);
	if (err)
		die("delete: no sandbox '%s' (%s)", argv[1], strerror(-err));
	statedir_refresh(&m);
	if (strcmp(m.status, "stopped") && m.pid > 0) {
		kill(m.pid, SIGKILL);
		/* Let the monitor record the end, so nothing writes the directory after
		 * it is gone; give up after a second. */
		if (m.monitor > 0)
			statedir_await_gone(m.monitor, 1000);
	}
	err = statedir_remove(argv[1]);
	if (err && err != -ENOENT)
		die("delete: cannot remove the state of '%s': %s", argv[1], strerror(-err));
	return 0;
}
