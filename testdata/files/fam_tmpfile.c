/* fam_tmpfile: O_TMPFILE on tmpfs (/tmp, /dev/shm) and on the root (the overlay,
 * under /var/tmp): an unnamed file, named later by linkat(fd, "", AT_EMPTY_PATH) or
 * by linkat of /proc/self/fd/N with AT_SYMLINK_FOLLOW; O_EXCL forbids that; the
 * flag and type errors. See fam.h. */
#include "fam.h"

static void show_read(const char *label, int fd)
{
	char buf[64] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		P("%-30s -1 %s\n", label, fam_ename(errno));
	else
		P("%-30s %zd '%.*s'\n", label, n, (int)n, buf);
}

static void nlink_of(const char *label, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		P("%-30s -1 %s\n", label, fam_ename(errno));
	else
		P("%-30s nlink %d mode %o size %lld\n", label, (int)st.st_nlink, st.st_mode,
		  (long long)st.st_size);
}

/* The O_TMPFILE rules in directory @dir. */
static void tmpfile_in(const char *dir)
{
	char proc[64], link[PATH_MAX], name[PATH_MAX], name2[PATH_MAX];
	int fd, fd2, ex;
	ssize_t n;

	snprintf(name, sizeof(name), "%s/named", dir);
	snprintf(name2, sizeof(name2), "%s/named2", dir);
	fd = T(open(dir, O_TMPFILE | O_RDWR, 0640));
	if (fd < 0)
		return;
	T(write(fd, "unnamed data", 12));
	nlink_of("tmpfile", fd);
	T(fcntl(fd, F_GETFL) & ~O_LARGEFILE);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	P("readlink: in dir %d, '#' name %d, deleted %d\n", !strncmp(link, dir, strlen(dir)),
	  link[strlen(dir)] == '/' && link[strlen(dir) + 1] == '#',
	  n > 10 && !strcmp(link + n - 10, " (deleted)"));
	fd2 = T(open(proc, O_RDONLY));
	show_read("reopened", fd2);
	T(close(fd2));
	T(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH));
	nlink_of("after linkat", fd);
	fd2 = T(open(name, O_RDONLY));
	show_read("by its name", fd2);
	T(close(fd2));
	T(linkat(AT_FDCWD, proc, AT_FDCWD, name2, AT_SYMLINK_FOLLOW));
	nlink_of("after linkat of the link", fd);
	T(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH));
	T(unlink(name));
	T(unlink(name2));
	nlink_of("names removed", fd);
	/* Named once, it is no longer I_LINKABLE. */
	T(linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH));
	T(close(fd));

	ex = T(open(dir, O_TMPFILE | O_WRONLY | O_EXCL, 0600));
	T(write(ex, "x", 1));
	T(linkat(ex, "", AT_FDCWD, name, AT_EMPTY_PATH));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", ex);
	T(linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW));
	T(access(name, F_OK));
	T(close(ex));
}

int main(void)
{
	char ovl[] = "/var/tmp/sbx-tmpfile.XXXXXX";
	int fd;

	fam_enter();
	fam_file("reg", "x", 0644);
	T(mkdir("sub", 0755));

	P("== tmpfs\n");
	tmpfile_in(fam_top);
	P("== /dev/shm\n");
	fd = T(open("/dev/shm", O_TMPFILE | O_RDWR, 0600));
	T(write(fd, "shm", 3));
	nlink_of("shm tmpfile", fd);
	T(close(fd));
	P("== the root overlay\n");
	if (!mkdtemp(ovl))
		return 2;
	tmpfile_in(ovl);
	T(rmdir(ovl));

	P("== errors\n");
	T(open(".", O_TMPFILE | O_RDONLY, 0600));
	T(open(".", O_TMPFILE | O_RDWR | O_CREAT, 0600));
	T(open(".", 020000000 | O_RDWR, 0600));
	T(open("reg", O_TMPFILE | O_RDWR, 0600));
	T(open("missing", O_TMPFILE | O_RDWR, 0600));
	T(open("/proc", O_TMPFILE | O_RDWR, 0600));
	T(open(".", O_TMPFILE | O_PATH | O_RDWR, 0600));
	fd = T(open(".", O_TMPFILE | O_RDWR, 0600));
	T(linkat(fd, "", AT_FDCWD, "sub", AT_EMPTY_PATH));
	T(linkat(fd, "", AT_FDCWD, "reg", AT_EMPTY_PATH));
	T(linkat(fd, "", AT_FDCWD, "/dev/shm/cross", AT_EMPTY_PATH));
	T(linkat(fd, "", AT_FDCWD, "newname", 0));
	T(linkat(fd, "", AT_FDCWD, "newname", 0x8000));
	T(close(fd));

	fam_leave();
	return 0;
}
