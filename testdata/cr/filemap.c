/* filemap FILE [openrw]: a file mapping that was barely touched before the
 * checkpoint. Maps all of FILE private and read-only and reads only its first page;
 * with "openrw", then opens FILE for reading and writing and closes it (in the
 * sandbox that copies the file up into the overlay, as Linux's overlayfs does: the
 * mapping keeps the file it was made from; natively nothing changes, so twin runs
 * and checkpoints of other tests see the same file). After the ready mark and
 * SIGUSR1, hashes every page of the mapping and the file as read(2) gives it: each
 * page must be readable after a restore, and the two must agree. Prints the hash;
 * exits 0, or 1 if they differ (2 if a call fails). */
#include "cr.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static void die2(const char *what)
{
	perror(what);
	exit(2);
}

int main(int argc, char **argv)
{
	static char page[4096];
	struct stat st;
	uint64_t hm, hr = 1;
	volatile char c;
	size_t len;
	char *m;
	int fd;

	if (argc < 2)
		die2("usage: filemap FILE [openrw]");
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die2(argv[1]);
	len = st.st_size & ~7UL;
	if (len < 2 * sizeof(page))
		die2("file too small");
	m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		die2("mmap");
	c = m[0];
	(void)c;
	if (argc > 2 && !strcmp(argv[2], "openrw")) {
		int w = open(argv[1], O_RDWR);

		if (w < 0 || close(w))
			die2("openrw");
	}
	cr_arm();
	cr_say("ready filemap: %zu bytes mapped, one page read\n", len);
	cr_wait();

	hm = cr_hash(m, len, 1);
	for (size_t off = 0; off < len; off += sizeof(page)) {
		size_t n = len - off < sizeof(page) ? len - off : sizeof(page);

		if (pread(fd, page, n, off) != (ssize_t)n)
			die2("pread");
		hr = cr_hash(page, n, hr);
	}
	/* cr_hash chains: hashing in pieces must give the same as in one go. */
	cr_say("mapping %016llx, read %016llx: %s\n", (unsigned long long)hm,
	       (unsigned long long)hr, hm == hr ? "equal" : "DIFFER");
	return hm == hr ? 0 : 1;
}
