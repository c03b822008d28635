/*
 * sbx restore --image FILE [--name ID] [-d] [--lazy] [--platform=ptrace] [--volume
 * HOST:SANDBOX[:ro]]...: start a fresh Sentry from a checkpoint image. Volumes are
 * given again, in the order sbx run had them (files on them are reopened by path). With --lazy the application runs as soon as the
 * kernel objects are back and memory is loaded behind it (kernel/checkpoint/lazy.c);
 * damage in the image's pages found after that ends the sandbox with an error. Every host-fd file comes back bound to this command's
 * stdin, stdout or stderr, according to which of the three it came from. In the
 * foreground, exits as sbx run does; one image restored twice gives two independent
 * sandboxes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint/checkpoint.h"
#include "cli.h"
#include "launch.h"

static void usage(void)
{
	fprintf(stderr, "usage: sbx restore --image FILE [--name ID] [-d] [--lazy] "
		"[--platform=ptrace] [--strace] [--volume HOST:SANDBOX[:ro]]...\n");
	exit(SBX_EXIT_USAGE);
}

int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "name", required_argument, NULL, 'n' },
		{ "detach", no_argument, NULL, 'd' },
		{ "platform", required_argument, NULL, 'p' },
		{ "strace", no_argument, NULL, 's' },
		{ "rootfs", required_argument, NULL, 'R' },
		{ "lazy", no_argument, NULL, 'L' },
		{ "volume", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct launch l = { .platform = "ptrace", .restore = true };
	const char *image = NULL;
	char command[600];
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hd", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			image = optarg;
			break;
		case 'n':
			l.id = optarg;
			break;
		case 'd':
			l.detach = true;
			break;
		case 'p':
			l.platform = optarg;
			break;
		case 's':
			l.strace = true;
			break;
		case 'R':
			l.rootfs = optarg;
			break;
		case 'L':
			l.lazy = true;
			break;
		case 'V':
			/* The checkpointed sandbox's volumes, in the same order: each is served
			 * by a new gofer at the index the image's files remember. */
			if (l.nvolumes == (int)(sizeof(l.volumes) / sizeof(l.volumes[0])))
				die("restore: at most %d volumes", (int)(sizeof(l.volumes) / sizeof(l.volumes[0])));
			l.volumes[l.nvolumes++] = optarg;
			break;
		case 'h':
			usage();
			break;
		default:
			fprintf(stderr, "sbx: restore: unknown option '%s'\n", argv[optind - 1]);
			exit(SBX_EXIT_USAGE);
		}
	}
	if (!image || optind != argc)
		usage();
	if (strcmp(l.platform, "ptrace") && strcmp(l.platform, "kvm"))
		die("restore: unknown platform '%s' (ptrace or kvm)", l.platform);
	cr_mark("cli: restore start");
	l.input_fd = open(image, O_RDONLY | O_CLOEXEC);
	if (l.input_fd < 0)
		die("restore: %s: %s", image, strerror(errno));
	snprintf(command, sizeof(command), "(restored from %s)", image);
	l.command = command;
	return launch(&l);
}
