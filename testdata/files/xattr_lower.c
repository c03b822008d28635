/* xattr_lower: the extended attributes of host files (in sbx: files of the read-only
 * lower tree, whose attributes the gofer reads). Lists and values of a file, a
 * directory and through a symlink; changes on top of them (set, replace, remove of
 * a host attribute); a copy-up (an open for writing) keeps them. Every change is
 * undone before the end, so a native run leaves the host files as they were.
 *
 * usage: td_files_xattr_lower DIR (holding f, g, d and l -> f with user.* attributes,
 * made by tests/integration/files/CMakeLists.txt) */
#include "fam.h"

#include <stdbool.h>
#include <sys/xattr.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The user.* attributes of @path, sorted (a host may add security.* ones of its own,
 * which differ from machine to machine), with their values in hex. */
static void show(const char *what, const char *path, bool nofollow)
{
	char list[4096], val[256], *names[64];
	long n = nofollow ? llistxattr(path, list, sizeof(list))
			  : listxattr(path, list, sizeof(list));
	int k = 0;

	if (n < 0) {
		P("%s: list %s\n", what, fam_ename(errno));
		return;
	}
	for (long i = 0; i < n && k < 64; i += strlen(list + i) + 1)
		if (!strncmp(list + i, "user.", 5))
			names[k++] = list + i;
	qsort(names, k, sizeof(names[0]), cmp);
	P("%s:", what);
	for (int i = 0; i < k; i++) {
		long v = getxattr(path, names[i], val, sizeof(val));

		P(" %s=", names[i]);
		if (v < 0)
			P("<%s>", fam_ename(errno));
		for (long j = 0; j < v; j++)
			P("%02x", (unsigned char)val[j]);
	}
	P("\n");
}

int main(int argc, char **argv)
{
	char f[PATH_MAX], d[PATH_MAX], l[PATH_MAX], val[64];
	int fd;

	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(f, sizeof(f), "%s/f", argv[1]);
	snprintf(d, sizeof(d), "%s/d", argv[1]);
	snprintf(l, sizeof(l), "%s/l", argv[1]);
	show("file", f, false);
	show("dir", d, false);
	show("link", l, false);
	T(getxattr(f, "user.a", val, sizeof(val)));
	T(getxattr(f, "user.a", NULL, 0));
	T(getxattr(f, "user.a", val, 2));
	T(getxattr(f, "user.missing", val, sizeof(val)));
	T(lgetxattr(l, "user.a", val, sizeof(val)));
	T(setxattr(f, "user.a", "x", 1, XATTR_CREATE));

	P("changes:\n");
	T(setxattr(f, "user.new", "new", 3, XATTR_CREATE));
	T(setxattr(f, "user.a", "replaced", 8, XATTR_REPLACE));
	T(removexattr(f, "user.b"));
	T(removexattr(f, "user.b"));
	show("file", f, false);
	T(setxattr(d, "user.dir2", "y", 1, 0));
	show("dir", d, false);

	P("copy-up:\n");
	fd = open(f, O_RDWR);
	T(fd >= 0);
	show("file", f, false);
	T(fsetxattr(fd, "user.c", "c", 1, 0));
	T(fgetxattr(fd, "user.a", val, sizeof(val)));
	close(fd);

	/* A file copied up before its attributes were ever looked at. */
	snprintf(l, sizeof(l), "%s/g", argv[1]);
	fd = open(l, O_WRONLY | O_APPEND);
	T(fd >= 0);
	close(fd);
	show("copied-up file", l, false);

	P("undo:\n");
	T(removexattr(f, "user.new"));
	T(removexattr(f, "user.c"));
	T(setxattr(f, "user.a", "alpha", 5, XATTR_REPLACE));
	T(setxattr(f, "user.b", "b\0c", 3, XATTR_CREATE));
	T(removexattr(d, "user.dir2"));
	show("file", f, false);
	show("dir", d, false);
	return 0;
}
