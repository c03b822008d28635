/* The sbx command table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cmd cmds[] = {
	{ "run", cmd_run, "run a program in a new sandbox" },
	{ "boot", cmd_boot, NULL /* internal: the Sentry */ },
	{ "syscalls", cmd_syscalls, "print the syscall table" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sbx COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].help)
			fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sbx: unknown command '%s' (try 'sbx --help')\n", argv[1]);
	return 2;
}
