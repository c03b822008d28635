/* sbx wait ID: wait until the sandbox stops; print and exit with its exit status
 * (sbx run's rules). */
#include <stdio.h>
#include <string.h>

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
	err = statedir_wait_stopped(argv[1], &m, 20, NULL);
	if (err)
		die("wait: no sandbox '%s' (%s)", argv[1], strerror(-err));
	if (m.exit_status < 0) {
		fprintf(stderr, "sbx: wait: %s\n", m.reason);
		return SBX_EXIT_ERROR;
	}
	printf("%d\n", m.exit_status);
	return m.exit_status;
}
