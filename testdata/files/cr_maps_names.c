/* cr_maps_names: what /proc/self/maps says of file mappings (zdtm form; run plain and
 * through cr/case.sh --signal). The program maps itself (a host file) privately at a
 * page offset, writes one of those mappings, maps a memfd shared and a /tmp file
 * privately, and prints, for each, the permissions, offset and path of the maps line
 * that holds it, before and after the checkpoint. The device and inode columns are
 * not printed: sbx does not fill them.
 *
 * usage: td_files_cr_maps_names [nowait] (run by its absolute path: it maps itself) */
#define _GNU_SOURCE
#include "../cr/cr.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#define PG 4096

static void die(const char *what)
{
	cr_say("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Prints the maps line holding @p: perms, offset and path, or that there is none. */
static void show(const char *what, const void *p)
{
	char line[4352], perms[8], path[4096];
	unsigned long lo, hi, off;
	FILE *f = fopen("/proc/self/maps", "r");
	bool found = false;

	if (!f)
		die("open maps");
	while (fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095[^\n]", &lo, &hi, perms, &off,
			   path) < 4)
			continue;
		if ((uintptr_t)p < lo || (uintptr_t)p >= hi)
			continue;
		cr_say("%s: %s %lx %s\n", what, perms, off, path);
		found = true;
	}
	fclose(f);
	if (!found)
		cr_say("%s: no line\n", what);
}

static void show_all(char *self_ro, char *self_rw, char *shm, char *tmp)
{
	show("self, read-only at page 1", self_ro);
	show("self, written at page 2", self_rw);
	show("memfd, shared", shm);
	show("/tmp file, private", tmp);
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	char *self_ro, *self_rw, *shm, *tmp;
	int fd, mfd, tfd;

	cr_arm();
	fd = open(argv[0], O_RDONLY);
	mfd = memfd_create("cr_maps_names", 0);
	tfd = open("/tmp/cr_maps_names.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || mfd < 0 || tfd < 0)
		die("open");
	if (ftruncate(mfd, 2 * PG) || ftruncate(tfd, 3 * PG))
		die("ftruncate");
	self_ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, PG);
	self_rw = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 2 * PG);
	shm = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	tmp = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, tfd, 2 * PG);
	if (self_ro == MAP_FAILED || self_rw == MAP_FAILED || shm == MAP_FAILED ||
	    tmp == MAP_FAILED)
		die("mmap");
	self_rw[5] = 'x';
	shm[0] = 's';
	show_all(self_ro, self_rw, shm, tmp);
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	cr_say("resumed\n");
	show_all(self_ro, self_rw, shm, tmp);
	unlink("/tmp/cr_maps_names.dat");
	return 0;
}
