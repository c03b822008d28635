/* The sbx command table and the global options. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "statedir.h"

static const struct cmd cmds[] = {
	{ "run", cmd_run, "run a program in a new sandbox" },
	{ "create", cmd_create, "start an empty sandbox that waits for sbx restore --into" },
	{ "list", cmd_list, "list sandboxes" },
	{ "kill", cmd_kill, "send a signal to a sandbox's init" },
	{ "pause", cmd_pause, "stop every task of a sandbox" },
	{ "resume", cmd_resume, "let a paused sandbox run again" },
	{ "wait", cmd_wait, "wait for a sandbox to stop; print its exit status" },
	{ "delete", cmd_delete, "stop a sandbox and remove its state" },
	{ "checkpoint", cmd_checkpoint, "freeze a sandbox into an image" },
	{ "restore", cmd_restore, "start a sandbox from an image" },
	{ "image", cmd_image, "inspect a checkpoint image (sbx image inspect IMAGE)" },
	{ "syscalls", cmd_syscalls, "print the syscall table" },
	{ "boot", cmd_boot, NULL /* internal: the Sentry */ },
	{ "gofer", cmd_gofer, NULL /* internal: the file server */ },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sbx [--root DIR] COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].help)
			fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n--root DIR   where sandbox state lives (default %s)\n",
		statedir_root());
}

int main(int argc, char **argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			sbx_root = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--root=", 7)) {
			sbx_root = argv[i] + 7;
			i++;
		} else {
			fprintf(stderr, "sbx: unknown option '%s' (try 'sbx --help')\n", argv[i]);
			return SBX_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return SBX_EXIT_USAGE;
	}
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		if (!strcmp(argv[i], cmds[c].name))
			return cmds[c].fn(argc - i, argv + i);
	fprintf(stderr, "sbx: unknown command '%s' (try 'sbx --help')\n", argv[i]);
	return SBX_EXIT_USAGE;
}
