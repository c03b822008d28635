/* cr_files: open files across a checkpoint (zdtm form; tests/integration/files runs it
 * through cr/case.sh --signal). Before the ready mark it sets up:
 *   - a host file (through the gofer, read-only) read part-way: an offset to keep,
 *     and a dup of it that shares that offset;
 *   - a file it wrote in the overlay and still holds open (O_APPEND on a second fd);
 *   - a tmpfs file in /dev/shm;
 *   - a file unlinked while open;
 *   - an upper directory and a host directory (argv[1]) each read part-way with
 *     getdents64;
 *   - its cwd in a subdirectory of a fresh directory under /tmp;
 *   - a private mapping of a file it wrote (then changed in memory) and a read-only
 *     mapping of the host file;
 *   - a memfd with data in it.
 * Then it waits for SIGUSR1, carries on with every one of them and prints what it
 * reads, so the output of a native run, of an uninterrupted sandbox run and of a
 * checkpointed-and-restored one must be identical. Names it chose at random (the
 * temporary directory) are never printed.
 *
 * usage: td_files_cr_files HOSTDIR [nowait]   (nowait: go on at once, no SIGUSR1) */
#include "../cr/cr.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "rm_tree.h"

static char top[64];

static void die(const char *what)
{
	cr_say("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

struct names {
	char *v[512];
	int n;
};

/* One getdents64 call of at most @len bytes; adds the names to @nm. */
static long dents_once(int fd, size_t len, struct names *nm)
{
	char buf[4096];
	long n = syscall(SYS_getdents64, fd, buf, len);

	if (n < 0)
		die("getdents64");
	for (long off = 0; off < n;) {
		struct dirent64 *d = (struct dirent64 *)(buf + off);

		if (nm->n < 512)
			nm->v[nm->n++] = strdup(d->d_name);
		off += d->d_reclen;
	}
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the names, sorted (directory order is the filesystem's), and any repeats. */
static void show_names(const char *label, struct names *nm)
{
	int dups = 0;

	qsort(nm->v, nm->n, sizeof(nm->v[0]), cmp_str);
	cr_say("%s: %d entries:", label, nm->n);
	for (int i = 0; i < nm->n; i++) {
		if (i && !strcmp(nm->v[i], nm->v[i - 1]))
			dups++;
		cr_say(" %s", nm->v[i]);
	}
	cr_say("\n%s: %d repeated\n", label, dups);
}

static void show_flags(const char *label, int fd)
{
	cr_say("%s: fl %#o fd %d\n", label, fcntl(fd, F_GETFL) & ~O_LARGEFILE,
	       fcntl(fd, F_GETFD));
}

int main(int argc, char **argv)
{
	const char *hostfile = "/etc/os-release", *hostdir = argc > 1 ? argv[1] : "/etc";
	char buf[8192], shmname[64], cwd[512];
	struct names up = { 0 }, low = { 0 };
	int gf, gf2, of, oa, sf, df, ud, hd, mf, md, rfd;
	char link[128], lpath[64];
	unsigned char *map, *hmap;
	struct stat st;
	ssize_t n;

	cr_arm();
	snprintf(top, sizeof(top), "/tmp/sbx-cr-files.XXXXXX");
	if (!mkdtemp(top))
		die("mkdtemp");
	if (chdir(top) || mkdir("sub", 0755) || chdir("sub"))
		die("chdir sub");

	/* The host file, 100 bytes in; a dup shares the offset. */
	gf = open(hostfile, O_RDONLY);
	if (gf < 0)
		die(hostfile);
	n = read(gf, buf, 100);
	cr_say("host: read %zd: %.20s...\n", n, buf);
	gf2 = dup(gf);

	/* An overlay file written and held open, and an O_APPEND fd on it. */
	of = open("data", O_CREAT | O_RDWR | O_TRUNC, 0640);
	oa = open("data", O_WRONLY | O_APPEND);
	if (of < 0 || oa < 0)
		die("data");
	if (write(of, "written before\n", 15) != 15 || write(oa, "appended before\n", 16) != 16)
		die("write data");

	/* tmpfs in /dev/shm. */
	snprintf(shmname, sizeof(shmname), "/dev/shm/%s", top + 5);
	sf = open(shmname, O_CREAT | O_RDWR | O_EXCL, 0600);
	if (sf < 0)
		die(shmname);
	if (write(sf, "in shm\n", 7) != 7)
		die("write shm");

	/* Deleted but open. */
	df = open("victim", O_CREAT | O_RDWR, 0600);
	if (df < 0 || write(df, "deleted but open\n", 17) != 17 || unlink("victim"))
		die("victim");

	/* An upper directory of 40 files read part-way, and the host directory. */
	if (mkdir("dir", 0755))
		die("mkdir dir");
	for (int i = 0; i < 40; i++) {
		snprintf(buf, sizeof(buf), "dir/file-%02d", i);
		int fd = open(buf, O_CREAT | O_WRONLY, 0644);

		if (fd < 0)
			die(buf);
		close(fd);
	}
	ud = open("dir", O_RDONLY | O_DIRECTORY);
	hd = open(hostdir, O_RDONLY | O_DIRECTORY);
	if (ud < 0 || hd < 0)
		die("open dirs");
	dents_once(ud, 200, &up);
	dents_once(hd, 100, &low);
	cr_say("dirs: %d upper and %d host names read before\n", up.n > 0, low.n > 0);

	/* A private mapping of a file it wrote, changed in memory; a host file mapping. */
	mf = open("mapped", O_CREAT | O_RDWR, 0600);
	for (int i = 0; i < 8192; i++)
		buf[i] = 'a' + i % 26;
	if (mf < 0 || write(mf, buf, 8192) != 8192)
		die("mapped");
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, mf, 0);
	hmap = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, gf, 0);
	if (map == MAP_FAILED || hmap == MAP_FAILED)
		die("mmap");
	memcpy(map + 4000, "CHANGED", 7);

	md = memfd_create("cr-memfd", MFD_CLOEXEC);
	if (md < 0 || write(md, "memfd data\n", 11) != 11)
		die("memfd");
	snprintf(lpath, sizeof(lpath), "/proc/self/fd/%d", md);
	n = readlink(lpath, link, sizeof(link) - 1);
	cr_say("memfd: link \"%.*s\", fl %#o fd %d\n", (int)(n > 0 ? n : 0), link,
	       fcntl(md, F_GETFL), fcntl(md, F_GETFD));

	cr_say("ready cr_files\n");
	if (argc > 2 && !strcmp(argv[2], "nowait"))
		cr_say("resumed\n");     /* the uninterrupted run, for a plain comparison */
	else
		cr_wait();

	/* The host file goes on from its offset, through either fd. */
	cr_say("host: offset %ld\n", (long)lseek(gf2, 0, SEEK_CUR));
	n = read(gf2, buf, 50);
	cr_say("host: read %zd more, offset now %ld on the other fd\n", n,
	       (long)lseek(gf, 0, SEEK_CUR));
	n = read(gf, buf, sizeof(buf));
	cr_say("host: rest %zd bytes, hash %016llx\n", n, (unsigned long long)fnv(buf, n));

	/* The overlay file: both fds write at the right places. */
	if (write(of, "written after\n", 14) != 14 || write(oa, "appended after\n", 15) != 15)
		die("write data after");
	n = pread(of, buf, sizeof(buf), 0);
	cr_say("data: %zd bytes:\n%.*s", n, (int)n, buf);
	show_flags("data", of);
	show_flags("data append", oa);

	n = pread(sf, buf, sizeof(buf), 0);
	fstat(sf, &st);
	cr_say("shm: %zd bytes, size %lld: %.*s", n, (long long)st.st_size, (int)n, buf);

	fstat(df, &st);
	n = pread(df, buf, sizeof(buf), 0);
	cr_say("victim: nlink %lu, access %d: %.*s", (unsigned long)st.st_nlink,
	       access("victim", F_OK) == 0 ? 0 : errno, (int)n, buf);
	if (write(df, "still writable\n", 15) != 15)
		die("write victim");
	n = pread(df, buf, sizeof(buf), 0);
	cr_say("victim: now %zd bytes\n", n);

	while (dents_once(ud, 200, &up) > 0)
		;
	while (dents_once(hd, 100, &low) > 0)
		;
	show_names("dir", &up);
	show_names("hostdir", &low);

	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd");
	cr_say("cwd: <top>%s\n", cwd + strlen(top));
	cr_say("cwd: stat data %d, stat ../sub/dir %d\n", stat("data", &st),
	       stat("../sub/dir", &st));

	cr_say("map: at 4000 \"%.7s\", hash %016llx\n", map + 4000,
	       (unsigned long long)fnv(map, 8192));
	n = pread(mf, buf, 8192, 0);
	cr_say("map: file unchanged: %d\n", n == 8192 && memcmp(buf + 4000, "CHANGED", 7));
	n = pread(gf, buf, 4096, 0);
	cr_say("host map: matches the file: %d\n", n > 0 && !memcmp(buf, hmap, n));

	if (write(md, "more memfd\n", 11) != 11)
		die("memfd write after");
	fstat(md, &st);
	cr_say("memfd: mode %o size %lld nlink %lu\n", st.st_mode, (long long)st.st_size,
	       (unsigned long)st.st_nlink);
	rfd = open(lpath, O_RDONLY);
	n = rfd < 0 ? -1 : read(rfd, buf, sizeof(buf));
	cr_say("memfd: reopened: %.*s", (int)(n > 0 ? n : 0), buf);
	n = readlink(lpath, link, sizeof(link) - 1);
	cr_say("memfd: link \"%.*s\"\n", (int)(n > 0 ? n : 0), link);

	unlink(shmname);
	rm_tree(top);
	return 0;
}
