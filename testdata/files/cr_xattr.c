/* cr_xattr: extended attributes across a checkpoint (zdtm form; tests/integration/files
 * runs it through cr/case.sh --signal). Before the ready mark it sets attributes in
 * three namespaces on a tmpfs file (/dev/shm), on a file and a directory in /tmp (the
 * root overlay's upper layer; natively the host's /tmp), on an open memfd and on an
 * unlinked open file, replaces one and removes another. After the restore it reads
 * them all back (values, sizes, the sorted lists), then changes them again.
 *
 * usage: td_files_cr_xattr [nowait] */
#include "../cr/cr.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* In directories of their own (mkdtemp): natively, files/cr_xattr_plain and
 * files/cr_xattr may run at once on the host's /tmp and /dev/shm. */
static char shm_dir[] = "/dev/shm/sbx-cr-xattr.XXXXXX", tmp_dir[] = "/tmp/sbx-cr-xattr.XXXXXX";
static char SHM[64], TMPF[64], TMPD[64], GONE[64];

static char big[4000];

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The attributes of @path (or @fd when @path is NULL), sorted, with their values. */
static void show(const char *what, const char *path, int fd)
{
	char list[1024], val[4096], *names[32];
	long n = path ? listxattr(path, list, sizeof(list)) : flistxattr(fd, list, sizeof(list));
	int k = 0;

	if (n < 0) {
		cr_say("%s: list %s\n", what, strerrorname_np(errno));
		return;
	}
	for (long i = 0; i < n && k < 32; i += strlen(list + i) + 1)
		names[k++] = list + i;
	qsort(names, k, sizeof(names[0]), cmp);
	cr_say("%s (%ld):", what, n);
	for (int i = 0; i < k; i++) {
		long v = path ? getxattr(path, names[i], val, sizeof(val))
			      : fgetxattr(fd, names[i], val, sizeof(val));

		if (v < 0)
			cr_say(" %s=<%s>", names[i], strerrorname_np(errno));
		else if (v > 64)
			cr_say(" %s=%ld bytes, hash %llx", names[i], v,
			       (unsigned long long)cr_hash(val, v & ~7L, 1));
		else
			cr_say(" %s=[%.*s]", names[i], (int)v, val);
	}
	cr_say("\n");
}

static void show_all(int mfd, int gfd)
{
	show("shm", SHM, -1);
	show("tmp file", TMPF, -1);
	show("tmp dir", TMPD, -1);
	show("memfd", NULL, mfd);
	show("unlinked", NULL, gfd);
}

static void check(long r, const char *what)
{
	if (r < 0) {
		cr_say("FAIL %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	bool nowait = argc > 1 && !strcmp(argv[1], "nowait");
	int fd, mfd, gfd;
	long r;

	cr_arm();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = 'a' + i % 23;
	if (!mkdtemp(shm_dir) || !mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(SHM, sizeof(SHM), "%s/f", shm_dir);
	snprintf(GONE, sizeof(GONE), "%s/gone", shm_dir);
	snprintf(TMPF, sizeof(TMPF), "%s/f", tmp_dir);
	snprintf(TMPD, sizeof(TMPD), "%s/d", tmp_dir);
	fd = open(SHM, O_CREAT | O_RDWR, 0644);
	check(fd, "open shm");
	close(fd);
	fd = open(TMPF, O_CREAT | O_RDWR, 0644);
	check(fd, "open tmp");
	check(write(fd, "data", 4), "write");
	close(fd);
	check(mkdir(TMPD, 0755), "mkdir");
	mfd = memfd_create("cr_xattr", 0);
	check(mfd, "memfd");
	gfd = open(GONE, O_CREAT | O_RDWR, 0600);
	check(gfd, "open gone");
	check(unlink(GONE), "unlink");

	check(setxattr(SHM, "user.one", "1", 1, 0), "shm user");
	check(setxattr(SHM, "trusted.two", "22", 2, 0), "shm trusted");
	check(setxattr(SHM, "security.three", "333", 3, 0), "shm security");
	check(setxattr(SHM, "user.empty", "", 0, 0), "shm empty");
	check(setxattr(SHM, "user.big", big, sizeof(big), 0), "shm big");
	check(setxattr(SHM, "user.gone", "x", 1, 0), "shm gone");
	check(removexattr(SHM, "user.gone"), "shm remove");
	check(setxattr(SHM, "user.one", "uno", 3, XATTR_REPLACE), "shm replace");
	check(setxattr(TMPF, "user.mime_type", "text/plain", 10, 0), "tmp user");
	check(setxattr(TMPF, "trusted.overlay.x", "y", 1, 0), "tmp trusted");
	check(setxattr(TMPD, "user.dir", "d", 1, 0), "dir user");
	check(fsetxattr(mfd, "user.memfd", "m", 1, 0), "memfd user");
	check(fsetxattr(gfd, "user.unlinked", "u", 1, 0), "gone user");
	show_all(mfd, gfd);
	cr_say("ready\n");
	if (!nowait)
		cr_wait();
	else
		cr_say("resumed\n");
	show_all(mfd, gfd);
	r = setxattr(SHM, "user.one", "1", 1, XATTR_CREATE);
	cr_say("create again: %ld %s\n", r, r < 0 ? strerrorname_np(errno) : "");
	check(setxattr(TMPF, "user.after", "restore", 7, 0), "after");
	check(removexattr(TMPD, "user.dir"), "remove dir");
	check(fremovexattr(mfd, "user.memfd"), "remove memfd");
	show_all(mfd, gfd);
	unlink(SHM);
	unlink(TMPF);
	rmdir(TMPD);
	rmdir(shm_dir);
	rmdir(tmp_dir);
	return 0;
}
