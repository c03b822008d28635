/* cr_readahead: a page cache filled by readahead across a checkpoint (zdtm form;
 * tests/integration/files runs it through cr/case.sh --signal). Before the ready mark
 * it reads ahead parts of host files (in sbx: lower files, whose page cache is in the
 * memory file and saved with it): the program itself in two ranges and a file of the
 * test tree whole. After the restore it maps them and checks every mapped byte
 * against read().
 *
 * usage: td_files_cr_readahead TREE [nowait] */
#include "../cr/cr.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>

static int same_as_read(const char *what, int fd)
{
	struct stat st;
	char *m, *b;
	int same;

	if (fstat(fd, &st) || !st.st_size)
		return cr_say("%s: no size\n", what), 0;
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	b = malloc(st.st_size);
	if (m == MAP_FAILED || !b || pread(fd, b, st.st_size, 0) != st.st_size)
		return cr_say("%s: cannot map or read\n", what), 0;
	same = !memcmp(m, b, st.st_size);
	cr_say("%s: mapping equals read: %d\n", what, same);
	munmap(m, st.st_size);
	free(b);
	return same;
}

int main(int argc, char **argv)
{
	bool nowait = argc > 2 && !strcmp(argv[2], "nowait");
	char path[PATH_MAX];
	int self, tree, ok;

	if (argc < 2)
		return 2;
	cr_arm();
	snprintf(path, sizeof(path), "%s/host-file-07", argv[1]);
	self = open("/proc/self/exe", O_RDONLY);
	tree = open(path, O_RDONLY);
	if (self < 0 || tree < 0)
		return cr_say("open: %s\n", strerror(errno)), 2;
	cr_say("readahead: %d %d %d\n", (int)readahead(self, 0, 8192),
	       (int)readahead(self, 20000, 30000), (int)readahead(tree, 0, 0));
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	else
		cr_say("resumed\n");
	ok = same_as_read("self", self) & same_as_read("tree file", tree);
	cr_say("readahead after: %d\n", (int)readahead(tree, 0, 0));
	return ok ? 0 : 1;
}
