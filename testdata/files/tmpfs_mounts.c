/* tmpfs_mounts: tmpfs mounts at /tmp and /tmp/inner (natively `mount -t tmpfs -o
 * nosuid,nodev,mode=1777` in a mount namespace; in sbx `--tmpfs /tmp --tmpfs /tmp/inner`,
 * or /tmp made a tmpfs because the root's is empty). For each path it prints what
 * statfs, statvfs and stat say (tmpfs or not, nosuid and nodev, the mode) and what the
 * directory holds; then files are made, renamed and linked inside each mount, and a
 * link or rename between the two fails with EXDEV.
 *
 * usage: td_files_tmpfs_mounts nowait|wait|auto
 *   nowait  the report, the file operations and the report again
 *   wait    zdtm form (cr/cr.h): files in both mounts, one unlinked but open, the cwd
 *           in /tmp/inner, then the ready mark; after SIGUSR1 all of it is checked
 *   auto    only /tmp's report (is it a tmpfs, what it holds) */
#include "../cr/cr.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#define TMPFS_MAGIC 0x01021994

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What statfs, statvfs and stat say of @path, and its entries in name order. */
static void report(const char *path)
{
	struct statfs sf;
	struct statvfs sv;
	struct stat st;
	char *names[64];
	int n = 0;
	DIR *d;
	struct dirent *e;

	if (statfs(path, &sf) || statvfs(path, &sv) || stat(path, &st)) {
		cr_say("%s: %s\n", path, strerror(errno));
		return;
	}
	cr_say("%s: %s nosuid=%d nodev=%d mode=%o\n", path,
	       sf.f_type == TMPFS_MAGIC ? "tmpfs" : "not tmpfs", !!(sv.f_flag & ST_NOSUID),
	       !!(sv.f_flag & ST_NODEV), st.st_mode & 07777);
	d = opendir(path);
	if (!d) {
		cr_say("%s: opendir: %s\n", path, strerror(errno));
		return;
	}
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), names_cmp);
	cr_say("%s holds:", path);
	for (int i = 0; i < n; i++) {
		cr_say(" %s", names[i]);
		free(names[i]);
	}
	cr_say("\n");
}

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		cr_say("FAIL write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static void show(const char *path)
{
	char buf[128] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n < 0)
		cr_say("%s: %s\n", path, strerror(errno));
	else
		cr_say("%s says '%.*s'\n", path, (int)n, buf);
	if (fd >= 0)
		close(fd);
}

static void result(const char *what, int r)
{
	cr_say("%s: %s\n", what, r ? strerror(errno) : "ok");
}

static void file_ops(void)
{
	put("/tmp/a", "in tmp");
	put("/tmp/inner/b", "in inner");
	result("rename within /tmp", rename("/tmp/a", "/tmp/a2"));
	result("link within /tmp/inner", link("/tmp/inner/b", "/tmp/inner/b2"));
	result("link /tmp to /tmp/inner", link("/tmp/a2", "/tmp/inner/x"));
	result("rename /tmp/inner to /tmp", rename("/tmp/inner/b", "/tmp/x"));
	result("rmdir the mount point", rmdir("/tmp/inner"));
	show("/tmp/a2");
	show("/tmp/inner/b2");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "nowait";
	char cwd[256];
	int fd;

	if (!strcmp(mode, "auto")) {
		report("/tmp");
		return 0;
	}
	report("/tmp");
	report("/tmp/inner");
	if (!strcmp(mode, "nowait")) {
		file_ops();
		report("/tmp");
		report("/tmp/inner");
		return 0;
	}
	cr_arm();
	put("/tmp/inner/keep", "kept across the checkpoint");
	put("/tmp/gone", "unlinked but open");
	fd = open("/tmp/gone", O_RDWR);
	if (fd < 0 || unlink("/tmp/gone") || chdir("/tmp/inner")) {
		cr_say("FAIL setup: %s\n", strerror(errno));
		return 1;
	}
	lseek(fd, 9, SEEK_SET);
	cr_say("ready\n");
	cr_wait();
	report("/tmp");
	report("/tmp/inner");
	show("keep");
	{
		char buf[64] = "";
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		cr_say("the unlinked file reads '%.*s' from offset 9\n", (int)(n < 0 ? 0 : n), buf);
	}
	cr_say("cwd %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerror(errno));
	file_ops();
	return 0;
}
