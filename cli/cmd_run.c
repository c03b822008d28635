/*
 * sbx run and sbx create. sbx run: start a sandbox running PROGRAM, found on the PATH
 * inside the sandbox (the root is the host's "/" or --rootfs DIR, read-only through
 * a gofer, with an in-memory overlay on top; --volume adds host directories, --tmpfs
 * empty in-memory ones, and /tmp is a tmpfs when the root's is empty). In the
 * foreground, exits with the application's exit status, 128+N if signal N killed
 * it, or 125 if sbx itself failed; with -d, returns once the sandbox runs. sbx
 * create takes the same options but no program: the sandbox boots (gofer,
 * namespaces, memory file, platform, filter), is listed as "created", and waits for
 * `sbx restore --into`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "kernel.h"
#include "gofer_start.h"
#include "launch.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void usage(bool create)
{
	if (create)
		fprintf(stderr, "usage: sbx create [--name ID] [--platform=ptrace] [--strace] "
			"[--debug-filter] [--memory SIZE] [--pids-limit N] [--rootfs DIR] "
			"[--volume HOST:SANDBOX[:ro]]... [--tmpfs PATH]...\n");
	else
		fprintf(stderr, "usage: sbx run [-d] [--name ID] [--platform=ptrace] [--strace] "
			"[--debug-filter] [--memory SIZE] [--pids-limit N] [--rootfs DIR] "
			"[--volume HOST:SANDBOX[:ro]]... [--tmpfs PATH]... [--] PROGRAM [ARGS...]\n");
	exit(SBX_EXIT_USAGE);
}

/* --pids-limit N: the sandbox's task limit (threads count), 1 to SBX_MAX_TASKS. */
static unsigned parse_pids_limit(const char *cmd, const char *arg)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < 1 || v > SBX_MAX_TASKS)
		die("%s: --pids-limit '%s' is not a number from 1 to %d", cmd, arg, SBX_MAX_TASKS);
	return v;
}

/* The largest --memory: the memory file's size (cmd_boot.c). */
#define MEMORY_MAX (1ULL << 40)
#define MEMORY_MIN (16ULL << 20)        /* SBX_MIN_MEM_LIMIT */

/* --memory SIZE: bytes, or a number with a k, m or g suffix (powers of 1024). */
static unsigned long long parse_memory(const char *cmd, const char *arg)
{
	unsigned long long n, shift = 0;
	char *end;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (end == arg || arg[0] == '-' || errno)
		goto bad;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || n > MEMORY_MAX >> shift)
		goto bad;
	n <<= shift;
	if (n < MEMORY_MIN)
		die("%s: --memory %s is below the smallest limit, 16m", cmd, arg);
	return n;
bad:
	die("%s: --memory '%s' is not a size up to 1024g (bytes, or with a k, m or g "
	    "suffix)", cmd, arg);
}

/* --tmpfs PATH: absolute, not "/", in the plain form the mount table shows. */
static void check_tmpfs_path(const char *cmd, const char *path)
{
	size_t len = strlen(path);

	if (path[0] != '/' || len < 2 || len >= PATH_MAX || path[len - 1] == '/' ||
	    strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
	    (len >= 2 && !strcmp(path + len - 2, "/.")) ||
	    (len >= 3 && !strcmp(path + len - 3, "/..")))
		die("%s: --tmpfs '%s' is not an absolute path below / (like /tmp or /run)",
		    cmd, path);
}

/* Whether a volume or tmpfs is mounted at @path already. */
static bool has_mount(const struct launch *l, const char *path)
{
	char host[PATH_MAX], vpath[PATH_MAX];
	bool ro;

	for (int i = 0; i < l->ntmpfs; i++)
		if (!strcmp(l->tmpfs[i], path))
			return true;
	for (int i = 0; i < l->nvolumes; i++)
		if (gofer_parse_volume(l->volumes[i], host, vpath, &ro) && !strcmp(vpath, path))
			return true;
	return false;
}

/* Two mounts at one place would hide one of them: refused, as runc does. */
static void check_mount_paths(const char *cmd, const struct launch *l)
{
	for (int i = 0; i < l->ntmpfs; i++) {
		struct launch rest = *l;

		rest.ntmpfs = i;        /* the tmpfs mounts before this one, and every volume */
		if (has_mount(&rest, l->tmpfs[i]))
			die("%s: two mounts at %s", cmd, l->tmpfs[i]);
	}
}

/*
 * Whether the root's /tmp is empty or missing, so that a tmpfs there hides nothing:
 * then /tmp is a tmpfs, as on most Linux systems (and under runsc). With files in it
 * (the host's own /tmp, as root by default) it stays the root's, under the in-memory
 * overlay, so programs kept there can still be run. A symlink is left alone.
 */
static bool root_tmp_empty(const char *rootfs)
{
	int root = open(rootfs ? rootfs : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = root < 0 ? -1 : openat(root, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					   O_CLOEXEC);
	bool empty = fd < 0 && errno == ENOENT && root >= 0;
	DIR *dir;
	struct dirent *e;

	if (root >= 0)
		close(root);
	if (fd < 0)
		return empty;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return false;
	}
	empty = true;
	while (empty && (e = readdir(dir)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(dir);
	return empty;
}

static int run_or_create(int argc, char **argv, bool create)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "strace", no_argument, NULL, 's' },
		{ "debug-filter", no_argument, NULL, 'f' },
		{ "detach", no_argument, NULL, 'd' },
		{ "name", required_argument, NULL, 'n' },
		{ "selftest-escape", required_argument, NULL, 'e' },
		{ "rootfs", required_argument, NULL, 'R' },
		{ "volume", required_argument, NULL, 'V' },
		{ "tmpfs", required_argument, NULL, 'T' },
		{ "memory", required_argument, NULL, 'm' },
		{ "pids-limit", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct launch l = { .platform = "ptrace" };
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hd", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			l.platform = optarg;
			break;
		case 's':
			l.strace = true;
			break;
		case 'f':
			l.debug_filter = true;
			break;
		case 'd':
			l.detach = true;
			break;
		case 'n':
			l.id = optarg;
			break;
		case 'R':
			l.rootfs = optarg;
			break;
		case 'V':
			if (l.nvolumes == (int)ARRAY_LEN(l.volumes))
				die("%s: at most %d volumes", argv[0], (int)ARRAY_LEN(l.volumes));
			l.volumes[l.nvolumes++] = optarg;
			break;
		case 'T':
			if (l.ntmpfs == (int)ARRAY_LEN(l.tmpfs) - 1)
				die("%s: at most %d tmpfs mounts", argv[0],
				    (int)ARRAY_LEN(l.tmpfs) - 1);
			check_tmpfs_path(argv[0], optarg);
			l.tmpfs[l.ntmpfs++] = optarg;
			break;
		case 'm':
			l.memory = parse_memory(argv[0], optarg);
			break;
		case 'P':
			l.pids_limit = parse_pids_limit(argv[0], optarg);
			break;
		case 'e': /* tests only: see cmd_boot.c */
			l.escape = optarg;
			break;
		case 'h':
			usage(create);
			break;
		default:
			fprintf(stderr, "sbx: %s: unknown option '%s' (try 'sbx %s --help')\n",
				argv[0], argv[optind - 1], argv[0]);
			exit(SBX_EXIT_USAGE);
		}
	}
	check_mount_paths(argv[0], &l);
	if (!has_mount(&l, "/tmp") && root_tmp_empty(l.rootfs))
		l.tmpfs[l.ntmpfs++] = "/tmp";
	if (create) {
		if (optind != argc)
			die("create: a created sandbox runs no program until sbx restore --into");
		if (strcmp(l.platform, "ptrace") && strcmp(l.platform, "kvm"))
			die("create: unknown platform '%s' (ptrace or kvm)", l.platform);
		l.input_fd = -1;
		l.warm = l.detach = true;
		l.command = "(created: waiting for sbx restore --into)";
		return launch(&l);
	}
	if (optind >= argc) {
		fprintf(stderr, "sbx: run: no program given (try 'sbx run --help')\n");
		exit(SBX_EXIT_USAGE);
	}
	if (strcmp(l.platform, "ptrace") && strcmp(l.platform, "kvm"))
		die("run: unknown platform '%s' (ptrace or kvm)", l.platform);
	/* The program is found inside the sandbox (on its PATH), by the Sentry. */
	l.input_fd = -1;
	l.argv = argv + optind;
	return launch(&l);
}

int cmd_run(int argc, char **argv)
{
	return run_or_create(argc, argv, false);
}

int cmd_create(int argc, char **argv)
{
	return run_or_create(argc, argv, true);
}
