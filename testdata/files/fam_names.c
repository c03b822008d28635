/* fam_names: mkdir/mknod/symlink/link/unlink/rmdir/rename/renameat2 and their errnos
 * (EEXIST, ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EXDEV, EINVAL, EBUSY, EPERM), and
 * getdents64, in a fresh directory under /tmp (/dev/shm for the cross-filesystem
 * cases) and read-only in the host directory argv[1]. See fam.h. */
#include "fam.h"

#include <sys/stat.h>

static char shm[64];

static void cat(const char *label, const char *path)
{
	char buf[128];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n < 0) {
		P("%-30s -1 %s\n", label, fam_ename(errno));
	} else {
		buf[n] = 0;
		P("%-30s \"%s\"\n", label, buf);
	}
	if (fd >= 0)
		close(fd);
}

static void nlink(const char *label, const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		P("%-30s -1 %s\n", label, fam_ename(errno));
	else
		P("%-30s nlink %lu type %o\n", label, (unsigned long)st.st_nlink,
		  st.st_mode & S_IFMT);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists a directory with getdents64 in buffers of @bufsz: sorted names with types. */
static void list(const char *label, const char *path, size_t bufsz)
{
	char buf[8192], *names[256];
	int fd = open(path, O_RDONLY | O_DIRECTORY), n = 0, calls = 0;
	long r;

	if (fd < 0) {
		P("%-30s -1 %s\n", label, fam_ename(errno));
		return;
	}
	while ((r = syscall(SYS_getdents64, fd, buf, bufsz)) > 0) {
		calls++;
		for (long off = 0; off < r;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (n < 256 && asprintf(&names[n], "%s:%d", d->d_name, d->d_type) > 0)
				n++;
			off += d->d_reclen;
		}
	}
	if (r < 0)
		P("%-30s getdents64 -1 %s\n", label, fam_ename(errno));
	qsort(names, n, sizeof(names[0]), cmp_str);
	P("%-30s %d:", label, n);
	for (int i = 0; i < n; i++) {
		P(" %s", names[i]);
		free(names[i]);
	}
	P("%s\n", bufsz < 4096 && calls < 2 && n > 3 ? " (one call?)" : "");
	close(fd);
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "/etc";
	char p[PATH_MAX], q[PATH_MAX];
	int fd, dfd;

	fam_enter();
	snprintf(shm, sizeof(shm), "/dev/shm/%s", fam_top + 5);
	T(mkdir(shm, 0755));
	fam_file("f", "file f", 0644);
	fam_file("g", "file g", 0644);

	P("== mkdir mknod symlink\n");
	T(mkdir("d", 0755));
	T(mkdir("d", 0755));
	T(mkdir("x/y", 0755));
	T(mkdir("f/y", 0755));
	T(mkdir("", 0755));
	T(mkdir(".", 0755));
	T(mkdir("..", 0755));
	T(mkdir("d/e/", 0755));
	T(mknod("fifo", S_IFIFO | 0644, 0));
	T(mknod("reg", S_IFREG | 0644, 0));
	T(mknod("reg0", 0644, 0));
	T(mknod("bad", 0170000 | 0644, 0));
	T(mknod("dirnod", S_IFDIR | 0755, 0));
	T(mknod("fifo", S_IFIFO | 0644, 0));
	nlink("fifo", "fifo");
	nlink("reg0", "reg0");
	T(symlink("f", "s"));
	T(symlink("f", "s"));
	T(symlink("", "s2"));
	T(symlink("f", "nodir/s"));
	T(symlink("f", "s3/"));
	T(mkdir("s", 0755));

	P("== unlink rmdir\n");
	T(unlink("nope"));
	T(unlink("d"));
	T(unlink("f/"));
	T(unlink("d/"));
	T(unlink("s"));
	T(symlink("f", "s"));
	nlink("f still there", "f");
	T(rmdir("f"));
	T(rmdir("s"));
	T(rmdir("d/e/.."));
	T(rmdir("d/."));
	T(rmdir("d"));
	T(rmdir("d/e"));
	T(rmdir("d"));
	T(rmdir("/"));
	T(rmdir("nope"));
	T(rmdir("."));
	T(mkdir("d", 0755));
	T(unlinkat(AT_FDCWD, "d", 0));
	T(unlinkat(AT_FDCWD, "d", AT_REMOVEDIR));
	T(unlinkat(AT_FDCWD, "f", 0x1));
	T(unlinkat(999, "f", 0));

	P("== link\n");
	T(link("f", "h"));
	nlink("f after link", "f");
	T(link("f", "h"));
	T(mkdir("d", 0755));
	T(link("d", "d2"));
	T(link("nope", "n2"));
	T(link("f", "nodir/h"));
	snprintf(p, sizeof(p), "%s/f", shm);
	T(link("f", p));
	T(linkat(AT_FDCWD, "s", AT_FDCWD, "s-hard", 0));
	nlink("s-hard (a link to s)", "s-hard");
	T(linkat(AT_FDCWD, "s", AT_FDCWD, "s-follow", AT_SYMLINK_FOLLOW));
	nlink("s-follow (f itself)", "s-follow");
	T(linkat(AT_FDCWD, "f", AT_FDCWD, "bad", 0x1));
	fd = open("g", O_RDONLY);
	T(linkat(fd, "", AT_FDCWD, "g-empty", AT_EMPTY_PATH));
	T(unlink("h"));
	T(unlink("s-follow"));
	nlink("f after unlinks", "f");

	P("== rename\n");
	T(rename("f", "f2"));
	cat("f2", "f2");
	T(rename("f2", "g"));
	cat("g (was f)", "g");
	T(rename("nope", "x"));
	T(mkdir("d/sub", 0755));
	T(mkdir("e", 0755));
	fam_file("e/in", "in", 0644);
	T(rename("g", "d"));
	T(rename("d", "g"));
	T(rename("d", "e"));
	T(rename("d", "d/sub/x"));
	T(rename("d", "d"));
	T(rename("d/sub", "d/sub/"));
	T(rename("g", "g/"));
	T(rename(".", "z"));
	T(rename("d/sub/..", "z"));
	T(rename("d", "."));
	T(mkdir("empty", 0755));
	T(rename("d", "empty"));
	nlink("empty (now d)", "empty");
	T(access("d", F_OK));
	fam_file("k", "file k", 0644);
	T(link("k", "k2"));
	T(rename("k", "k2"));
	nlink("k after rename onto its link", "k");
	nlink("k2", "k2");
	snprintf(p, sizeof(p), "%s/k", shm);
	T(rename("k", p));
	T(rename("empty", "nodir/x"));

	P("== renameat2\n");
	fam_file("a", "file a", 0644);
	fam_file("b", "file b", 0644);
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE));
	T(renameat2(AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE));
	T(renameat2(AT_FDCWD, "c", AT_FDCWD, "b", RENAME_EXCHANGE));
	cat("b after exchange", "b");
	cat("c after exchange", "c");
	T(renameat2(AT_FDCWD, "c", AT_FDCWD, "nope", RENAME_EXCHANGE));
	T(renameat2(AT_FDCWD, "c", AT_FDCWD, "b", RENAME_EXCHANGE | RENAME_NOREPLACE));
	T(renameat2(AT_FDCWD, "c", AT_FDCWD, "b", 0x10));
	T(renameat2(AT_FDCWD, "c", AT_FDCWD, "e", RENAME_EXCHANGE));
	nlink("e after exchange with c", "e");
	cat("c/in", "c/in");
	T(renameat2(AT_FDCWD, "c", AT_FDCWD, "c/in", RENAME_EXCHANGE));
	T(renameat2(AT_FDCWD, "e", AT_FDCWD, "b", RENAME_NOREPLACE));
	dfd = open("c", O_RDONLY | O_DIRECTORY);
	T(renameat2(dfd, "in", AT_FDCWD, "in-moved", 0));
	T(renameat2(dfd, "../in-moved", dfd, "back", 0));
	cat("c/back", "c/back");

	P("== getdents64\n");
	for (int i = 0; i < 30; i++) {
		snprintf(q, sizeof(q), "many/entry-%02d", i);
		if (i == 0)
			mkdir("many", 0755);
		fam_file(q, "x", 0644);
	}
	T(mkdir("many/subdir", 0755));
	T(symlink("x", "many/link"));
	list("many (4096)", "many", 4096);
	list("many (64)", "many", 64);
	T(unlink("many/entry-07"));
	T(rename("many/entry-08", "many/renamed"));
	list("many after changes", "many", 4096);
	{
		char buf[512];
		int mfd = open("many", O_RDONLY | O_DIRECTORY);

		T(syscall(SYS_getdents64, mfd, buf, 10));
		T(syscall(SYS_getdents64, fd, buf, sizeof(buf)));
		T(syscall(SYS_getdents64, 999, buf, sizeof(buf)));
		T(syscall(SYS_getdents64, mfd, NULL, sizeof(buf)));
		while (syscall(SYS_getdents64, mfd, buf, sizeof(buf)) > 0)
			;
		T(syscall(SYS_getdents64, mfd, buf, sizeof(buf)));
		T(lseek(mfd, 0, SEEK_SET));
		T(syscall(SYS_getdents64, mfd, buf, sizeof(buf)) > 0);
		close(mfd);
	}
	T(rmdir("many"));
	list("host dir", host, 4096);
	list("host dir (100)", host, 100);
	snprintf(p, sizeof(p), "%s/sub", host);
	list("host sub", p, 4096);

	close(fd);
	close(dfd);
	rm_tree(shm);
	fam_leave();
	return 0;
}
