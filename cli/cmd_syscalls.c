/* sbx syscalls: the compatibility table, generated from the Sentry's syscall table. */
#include <stdio.h>

#include "cli.h"
#include "syscalls/syscalls.h"

int cmd_syscalls(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "sbx: syscalls takes no arguments\n");
		return SBX_EXIT_USAGE;
	}
	syscall_print_table(stdout);
	return 0;
}
