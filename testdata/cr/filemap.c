/* filemap FILE [rewrite]: a file mapping that was barely touched before the
 * checkpoint. Maps all of FILE private and read-only and reads only its first page;
 * with "rewrite", then opens FILE for writing and writes its first page back
 * unchanged (in the sandbox that copies the file up into the overlay: the mapping
 * keeps the file it was made from, as on Linux). After the ready mark and SIGUSR1,
 * hashes every page of the mapping and the file as read(2) gives it: each page must
 * be readable after a restore, and the two must agree. Prints the size and the hash;
 * exits 0, or 1 if they differ (2 if a call fails). Nothing is changed natively:
 * the bytes written back are the ones read. */
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
		die2("usage: filemap FILE [rewrite]");
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
	if (argc > 2 && !strcmp(argv[2], "rewrite")) {
		int w = open(argv[1], O_RDWR);

		if (w < 0 || pread(w, page, sizeof(page), 0) != sizeof(page) ||
		    pwrite(w, page, sizeof(page), 0) != sizeof(page) || close(w))
			die2("rewrite");
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
