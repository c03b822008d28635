/* cr_dcache: a walk over a host tree larger than any cache of open descriptors
 * (zdtm form; run plain and through cr/case.sh --signal). It lstats every entry of
 * DIR (nftw, FTW_PHYS), opens and reads every regular file, and prints the number
 * of entries and a hash of each one's name, type, size and inode number; then it
 * walks again and must see the same. In sbx every entry looked up holds a gofer
 * handle, one host descriptor in the gofer, until the dentry cache drops it: the
 * tree (tests/integration/files makes 25 000 files) is past the gofer's descriptor
 * limit, so a cache that never dropped anything fails here with EMFILE. Dropped
 * entries come back with the same inode numbers. Checkpointed between the walks,
 * the restored sandbox walks again.
 *
 * usage: td_files_cr_dcache DIR [nowait] */
#define _GNU_SOURCE
#include "../cr/cr.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

static uint64_t hash, entries, bytes;
static int failed;

static void mix(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		hash = (hash ^ c[i]) * 0x100000001b3ULL;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char buf[4096];
	uint64_t v[3] = { st->st_mode, st->st_size, st->st_ino };

	if (type == FTW_NS || type == FTW_DNR) {
		cr_say("FAIL %s: %s\n", path, strerror(errno));
		failed = 1;
		return 1;
	}
	entries++;
	mix(path + ftw->base, strlen(path + ftw->base));
	mix(v, sizeof(v));
	if (S_ISREG(st->st_mode)) {
		int fd = open(path, O_RDONLY);
		ssize_t n;

		if (fd < 0) {
			cr_say("FAIL open %s: %s\n", path, strerror(errno));
			failed = 1;
			return 1;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			mix(buf, n);
			bytes += n;
		}
		close(fd);
	}
	return 0;
}

static uint64_t walk(const char *dir, const char *what)
{
	hash = 0xcbf29ce484222325ULL;
	entries = bytes = 0;
	if (nftw(dir, visit, 32, FTW_PHYS) || failed) {
		cr_say("FAIL walk %s\n", what);
		exit(1);
	}
	cr_say("%s: %llu entries, %llu bytes, hash %016llx\n", what,
	       (unsigned long long)entries, (unsigned long long)bytes,
	       (unsigned long long)hash);
	return hash;
}

int main(int argc, char **argv)
{
	bool nowait = argc > 2 && !strcmp(argv[2], "nowait");
	uint64_t first;

	if (argc < 2) {
		fprintf(stderr, "usage: td_files_cr_dcache DIR [nowait]\n");
		return 2;
	}
	cr_arm();
	first = walk(argv[1], "first walk");
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	cr_say("second walk the same: %s\n", walk(argv[1], "second walk") == first ? "yes" : "no");
	return 0;
}
