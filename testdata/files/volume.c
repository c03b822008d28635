/* volume: changes a directory the way programs leave results on a --volume, and
 * prints each step with its result (fam.h). tests/integration/files/volume.sh runs
 * it natively on one copy of a seed directory and in sbx on another copy mounted
 * with --volume, compares the output, then compares the two host directories: what
 * the sandbox did must have reached the host exactly as the native run's did.
 *
 * usage: td_files_volume DIR rw     make, write, rename, link, remove in DIR
 *        td_files_volume DIR ro     DIR is a read-only mount: every change EROFS
 *        td_files_volume DIR OTHER xdev   rename/link from DIR to OTHER (another
 *                                         mount): EXDEV */
#include "fam.h"

#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/xattr.h>

/* F(expr): an open; prints "fd" for a descriptor (numbers differ between runs
 * whose parents left different descriptors open). */
#define F(expr) (errno = 0, fam_fd(#expr, (long)(expr)))

static long fam_fd(const char *label, long r)
{
	if (r < 0)
		printf("%-60.60s -1 %s\n", label, fam_ename(errno));
	else
		printf("%-60.60s fd\n", label);
	return r;
}

static char p[PATH_MAX], q[PATH_MAX];

static const char *at(const char *dir, const char *name)
{
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static const char *at2(const char *dir, const char *name)
{
	snprintf(q, sizeof(q), "%s/%s", dir, name);
	return q;
}

static void show_file(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n < 0) {
		P("%s: %s\n", strrchr(path, '/') + 1, fam_ename(errno));
	} else {
		buf[n] = 0;
		P("%s: [%s]\n", strrchr(path, '/') + 1, buf);
	}
	if (fd >= 0)
		close(fd);
}

/* Extended attributes on volume files: they reach the host (volume.sh compares the
 * trees' user.* attributes too). */
static void xattrs(const char *d)
{
	char buf[256], big[3000];
	long n;

	T(setxattr(at(d, "seed.txt"), "user.a", "one", 3, 0));
	T(setxattr(at(d, "seed.txt"), "user.b", "t\0o", 3, XATTR_CREATE));
	T(setxattr(at(d, "seed.txt"), "user.b", "x", 1, XATTR_CREATE));
	T(setxattr(at(d, "seed.txt"), "user.c", "x", 1, XATTR_REPLACE));
	T(setxattr(at(d, "seed.txt"), "user.e", "", 0, 0));
	T(setxattr(at(d, "out"), "user.dir", "d", 1, 0));
	T(getxattr(at(d, "seed.txt"), "user.a", buf, sizeof(buf)));
	P("user.a [%.3s]\n", buf);
	T(getxattr(at(d, "seed.txt"), "user.b", buf, sizeof(buf)));
	T(getxattr(at(d, "seed.txt"), "user.b", buf, 1));
	T(getxattr(at(d, "seed.txt"), "user.b", NULL, 0));
	T(getxattr(at(d, "seed.txt"), "user.none", buf, sizeof(buf)));
	T(removexattr(at(d, "seed.txt"), "user.a"));
	T(removexattr(at(d, "seed.txt"), "user.a"));
	n = T(listxattr(at(d, "seed.txt"), buf, sizeof(buf)));
	for (long i = 0; i < n; i += strlen(buf + i) + 1)
		if (!strncmp(buf + i, "user.", 5))
			P(" %s", buf + i);
	P("\n");
	memset(big, 'v', sizeof(big));
	T(setxattr(at(d, "seed.txt"), "user.big", big, 2000, 0));
	T(getxattr(at(d, "seed.txt"), "user.big", big, sizeof(big)));
	T(setxattr(at(d, "seed.txt"), "trusted.t", "x", 1, 0) == 0 || errno == EPERM);
	T(setxattr(at(d, "seed.txt"), "system.x", "x", 1, 0));
}

/* fallocate on a volume file: sizes and holes reach the host. */
static void allocate(const char *d)
{
	struct stat st;
	int fd = F(open(at(d, "alloc"), O_CREAT | O_RDWR, 0644));

	T(fallocate(fd, 0, 0, 8192));
	T(fstat(fd, &st));
	P("size %ld\n", (long)st.st_size);
	T(fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192));
	T(fallocate(fd, 0, 4096, 12288));
	T(pwrite(fd, "xyz", 3, 100));
	T(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
	T(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096));
	T(fstat(fd, &st));
	P("size %ld\n", (long)st.st_size);
	T(stat(at(d, "alloc"), &st));
	P("size %ld\n", (long)st.st_size);
	close(fd);
}

static void rw(const char *d)
{
	struct stat st;
	char buf[64];
	int fd, fd2;

	T(mkdir(at(d, "out"), 0750));
	T(mkdir(at(d, "out"), 0750));
	fd = F(open(at(d, "out/result.txt"), O_CREAT | O_WRONLY | O_EXCL, 0640));
	T(write(fd, "line one\n", 9));
	T(pwrite(fd, "LINE", 4, 0));
	T(fsync(fd));
	T(fdatasync(fd));
	T(fstat(fd, &st));
	P("size %ld mode %o nlink %ld\n", (long)st.st_size, st.st_mode, (long)st.st_nlink);
	close(fd);
	fd = F(open(at(d, "out/result.txt"), O_WRONLY | O_APPEND));
	T(lseek(fd, 0, SEEK_SET));
	T(write(fd, "line two\n", 9));
	T(lseek(fd, 0, SEEK_CUR));
	close(fd);
	show_file(at(d, "out/result.txt"));
	/* Mappings of a volume file: private, and shared read-only (a writable shared
	 * one is refused in sbx: it would be a copy, see goferfs_file.c). */
	fd = F(open(at(d, "out/result.txt"), O_RDONLY));
	for (int shared = 0; shared < 2; shared++) {
		char *m = mmap(NULL, 4096, PROT_READ, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);

		if (m == MAP_FAILED)
			P("mmap %d: %s\n", shared, fam_ename(errno));
		else
			P("mmap %d: [%.8s]\n", shared, m);
		if (m != MAP_FAILED)
			munmap(m, 4096);
	}
	close(fd);
	/* A write-only file is read back through another descriptor. */
	fd = F(open(at(d, "log"), O_CREAT | O_RDWR | O_TRUNC, 0600));
	fd2 = F(open(at(d, "log"), O_RDONLY));
	T(write(fd, "abcdefgh", 8));
	T(pread(fd2, buf, 8, 2));
	T(ftruncate(fd, 3));
	T(fstat(fd2, &st));
	P("log size %ld\n", (long)st.st_size);
	T(pread(fd2, buf, 8, 0));
	close(fd);
	close(fd2);
	/* The seed's file, overwritten in place and truncated by name. */
	show_file(at(d, "seed.txt"));
	fd = F(open(at(d, "seed.txt"), O_RDWR));
	T(write(fd, "SEED", 4));
	close(fd);
	T(truncate(at(d, "seed.txt"), 6));
	show_file(at(d, "seed.txt"));
	T(chmod(at(d, "seed.txt"), 0604));
	T(stat(at(d, "seed.txt"), &st));
	P("seed mode %o size %ld\n", st.st_mode, (long)st.st_size);
	{
		struct timespec ts[2] = { { 1000000000, 5 }, { 1200000000, 7 } };

		T(utimensat(AT_FDCWD, at(d, "seed.txt"), ts, 0));
		T(stat(at(d, "seed.txt"), &st));
		P("seed mtime %ld.%09ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
	/* Names: rename over a file, into a subdirectory, a directory across, links. */
	fam_file(at(d, "tmp.part"), "complete\n", 0644);
	T(rename(at(d, "tmp.part"), at2(d, "out/final.txt")));
	T(rename(at(d, "tmp.part"), at2(d, "out/final.txt")));
	show_file(at(d, "out/final.txt"));
	fam_file(at(d, "old.txt"), "replaced\n", 0644);
	T(rename(at(d, "out/final.txt"), at2(d, "old.txt")));
	show_file(at(d, "old.txt"));
	T(mkdir(at(d, "moved"), 0755));
	fam_file(at(d, "moved/inner"), "inner\n", 0644);
	T(rename(at(d, "moved"), at2(d, "out/moved2")));
	show_file(at(d, "out/moved2/inner"));
	T(rename(at(d, "out/moved2/inner"), at2(d, "out/moved2/inner2")));
	show_file(at(d, "out/moved2/inner2"));
	T(link(at(d, "old.txt"), at2(d, "hard.txt")));
	T(stat(at(d, "hard.txt"), &st));
	P("hard nlink %ld\n", (long)st.st_nlink);
	T(symlink("out/result.txt", at(d, "sym")));
	T(readlink(at(d, "sym"), buf, sizeof(buf)));
	show_file(at(d, "sym"));
	T(mkfifo(at(d, "fifo"), 0644));
	T(renameat2(AT_FDCWD, at(d, "sym"), AT_FDCWD, at2(d, "hard.txt"), RENAME_NOREPLACE));
	T(renameat2(AT_FDCWD, at(d, "sym"), AT_FDCWD, at2(d, "hard.txt"), RENAME_EXCHANGE));
	show_file(at(d, "sym"));
	show_file(at(d, "hard.txt"));
	/* Removal: a file, a non-empty directory, then empty it; an open unlinked file. */
	T(unlink(at(d, "gone.txt")));
	T(unlink(at(d, "gone.txt")));
	T(rmdir(at(d, "out/moved2")));
	T(unlink(at(d, "out/moved2/inner2")));
	T(rmdir(at(d, "out/moved2")));
	T(rmdir(at(d, "seeddir")));
	fd = F(open(at(d, "scratch"), O_CREAT | O_RDWR, 0644));
	T(unlink(at(d, "scratch")));
	T(write(fd, "still here", 10));
	T(pread(fd, buf, 10, 0));
	T(fstat(fd, &st));
	P("unlinked nlink %ld size %ld\n", (long)st.st_nlink, (long)st.st_size);
	close(fd);
	T(access(at(d, "scratch"), F_OK));
	T(open(at(d, "seed.txt/x"), O_RDONLY));
	T(open(at(d, "out/"), O_WRONLY));
	T(mkdir(at(d, "seed.txt/x"), 0755));
	xattrs(d);
	allocate(d);
}

static void ro(const char *d)
{
	struct statfs sf;

	show_file(at(d, "seed.txt"));
	T(open(at(d, "seed.txt"), O_WRONLY));
	T(open(at(d, "new"), O_CREAT | O_WRONLY, 0644));
	T(mkdir(at(d, "newdir"), 0755));
	T(unlink(at(d, "gone.txt")));
	T(rmdir(at(d, "seeddir")));
	T(rename(at(d, "seed.txt"), at2(d, "x")));
	T(link(at(d, "seed.txt"), at2(d, "x")));
	T(symlink("seed.txt", at(d, "x")));
	T(chmod(at(d, "seed.txt"), 0600));
	T(truncate(at(d, "seed.txt"), 0));
	T(utimensat(AT_FDCWD, at(d, "seed.txt"), NULL, 0));
	T(mkfifo(at(d, "fifo"), 0644));
	T(statfs(d, &sf));
	P("ST_RDONLY %d\n", !!(sf.f_flags & ST_RDONLY));
	show_file(at(d, "gone.txt"));
}

static void xdev(const char *d, const char *other)
{
	T(rename(at(d, "seed.txt"), at2(other, "seed.txt")));
	T(rename(at(other, "o.txt"), at2(d, "o.txt")));
	T(link(at(d, "seed.txt"), at2(other, "l")));
	T(rename(at(d, "seeddir"), at2(other, "seeddir")));
	show_file(at(d, "seed.txt"));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);
	if (argc == 3 && !strcmp(argv[2], "rw"))
		rw(argv[1]);
	else if (argc == 3 && !strcmp(argv[2], "ro"))
		ro(argv[1]);
	else if (argc == 4 && !strcmp(argv[3], "xdev"))
		xdev(argv[1], argv[2]);
	else
		return 2;
	return 0;
}
