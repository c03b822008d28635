/* cr_volume: files on a --volume across a checkpoint (zdtm form; run through
 * cr/case.sh --signal with the volume mounted at its host path, so one argument
 * serves the native run and the sandboxed ones). Before the ready mark it sets up,
 * in DIR:
 *   - cr.dat, written and held open for writing (a second descriptor O_APPEND);
 *   - seed.txt read part-way: an offset to keep;
 *   - its cwd in DIR/crsub;
 *   - DIR itself open as a directory, listed part-way.
 * Then it waits for SIGUSR1, goes on writing, renames cr.dat while open, reads back
 * what it wrote and what the host has, and removes all it made, so the directory is
 * as it found it (each run of the case starts the same).
 *
 * usage: td_files_cr_volume DIR [nowait] */
#include "../cr/cr.h"

#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static char path[2][PATH_MAX];

/* DIR/NAME in one of two buffers (@i), so that a call may take two. */
static const char *at_(int i, const char *dir, const char *name)
{
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}
#define at(dir, name) at_(0, dir, name)
#define at2(dir, name) at_(1, dir, name)

static void die(const char *what)
{
	cr_say("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static void show(const char *label, int fd, off_t off)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, off);

	if (n < 0)
		die(label);
	buf[n] = 0;
	cr_say("%s: [%s]\n", label, buf);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "";
	bool wait = !(argc > 2 && !strcmp(argv[2], "nowait"));
	char buf[64], dents[4096];
	struct stat st;
	int fd, app, seed, d;
	ssize_t n;

	if (argc < 2)
		return 2;
	umask(022);
	cr_arm();
	fd = open(at(dir, "cr.dat"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd < 0)
		die("open cr.dat");
	app = open(at(dir, "cr.dat"), O_WRONLY | O_APPEND);
	seed = open(at(dir, "seed.txt"), O_RDONLY);
	if (app < 0 || seed < 0)
		die("open");
	if (write(fd, "before\n", 7) != 7 || read(seed, buf, 5) != 5)
		die("write/read");
	if (mkdir(at(dir, "crsub"), 0755) || chdir(at(dir, "crsub")))
		die("crsub");
	d = open(dir, O_RDONLY | O_DIRECTORY);
	if (d < 0 || syscall(SYS_getdents64, d, dents, 64) <= 0)
		die("getdents64");
	cr_say("ready\n");
	if (wait)
		cr_wait();
	cr_say("resumed\n");

	if (write(fd, "after\n", 6) != 6 || write(app, "appended\n", 9) != 9)
		die("write after");
	show("cr.dat", fd, 0);
	n = read(seed, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = 0;
	cr_say("rest of seed: [%s]\n", buf);
	if (rename(at(dir, "cr.dat"), at2(dir, "cr2.dat")))
		die("rename");
	if (write(fd, "renamed\n", 8) != 8 || fstat(fd, &st))
		die("write renamed");
	cr_say("size after rename %ld\n", (long)st.st_size);
	fd = open("../cr2.dat", O_RDONLY);
	if (fd < 0)
		die("open ../cr2.dat");
	show("cr2.dat by its new name", fd, 0);
	if (fchdir(d) || unlink("cr2.dat") || rmdir("crsub"))
		die("clean up");
	cr_say("cwd removed: %s\n", access(at(dir, "crsub"), F_OK) ? "yes" : "no");
	return 0;
}
