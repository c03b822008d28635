/* sbx wait ID: wait until the sandbox stops; print and exit with its exit status
 * (sbx run's rules). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "statedir.h"

int cmd_wait(int argc, char **argv)
{
	struct sbx_meta m;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: sbx wait ID\n");
		return SBX_EXIT_USAGE;
	}
	for (;;) {
		err = statedir_read_meta(argv[1], &m);
		if (err)
			die("wait: no sandbox '%s' (%s)", argv[1], strerror(-err));
		statedir_refresh(&m);
		/* The monitor writes the outcome right after the Sentry ends. */
		if (!strcmp(m.status, "stopped") && (m.exit_status >= 0 || m.reason[0]))
			break;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	if (m.exit_status < 0) {
		fprintf(stderr, "sbx: wait: %s\n", m.reason);
		return SBX_EXIT_ERROR;
	}
	printf("%d\n", m.exit_status);
	return m.exit_status;
}
