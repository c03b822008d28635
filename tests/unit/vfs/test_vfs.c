/*
 * Unit tests for path resolution (vfs/namei.c), the path operations' checks
 * (vfs/ops.c) and the fd table (vfs/file.c), run on an in-memory tmpfs (the overlay
 * without a gofer) with a second tmpfs mounted at /mnt, for a bare task that has only
 * credentials, a root and cwd, and an fd table. Expected values are Linux's
 * documented behaviour (path_resolution(7), open(2), openat2(2)).
 *
 * The tree every test starts with:
 *   /a/b/f (0644)  /a/file (0644)  /priv (0700, root's)/x   /pub (0755)/ro (0644)
 *   /mnt (a tmpfs; /mnt/m/x)
 *   /l00 -> l01 -> ... -> l39 -> a/file     (40 links: Linux's limit)
 *   /m00 -> ... -> m40 -> a/file            (41)
 *   /loop1 <-> /loop2   /dl -> a/b   /fl -> a/file   /up -> ../../..
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ovl/ovl.h"
#include "task/task.h"
#include "vfs/vfs.h"

#define ck_assert_errno(expr, e) ck_assert_int_eq((expr), -(e))

static struct task *t;
static struct vfs_mntns *ns;

static void mk(const char *path, u32 mode, const char *target)
{
	ck_assert_msg(!vfs_mknod(t, AT_FDCWD, path, mode, target), "mknod %s", path);
}

static void chain(char c, int n)
{
	char name[8], next[8];

	for (int i = 0; i < n - 1; i++) {
		snprintf(name, sizeof(name), "/%c%02d", c, i);
		snprintf(next, sizeof(next), "%c%02d", c, i + 1);
		mk(name, S_IFLNK | 0777, next);
	}
	snprintf(name, sizeof(name), "/%c%02d", c, n - 1);
	mk(name, S_IFLNK | 0777, "a/file");
}

static void setup(void)
{
	struct vfs_dentry *root, *mroot;
	struct vfs_path at;

	ck_assert_int_eq(ovl_new(OVL_NO_GOFER, "rootfs", 0755, &root), 0);
	ck_assert_int_eq(vfs_mntns_new(root, "tmpfs", "root", 0, &ns), 0);
	vfs_dentry_put(root);
	vfs_init_mntns = ns;
	t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(vfs_fs_new(ns, &t->fs), 0);
	ck_assert_int_eq(fdt_new(&t->fdt), 0);
	t->umask = 0;
	mk("/a", S_IFDIR | 0755, NULL);
	mk("/a/b", S_IFDIR | 0755, NULL);
	mk("/a/b/f", S_IFREG | 0644, NULL);
	mk("/a/file", S_IFREG | 0644, NULL);
	mk("/priv", S_IFDIR | 0700, NULL);
	mk("/priv/x", S_IFREG | 0644, NULL);
	mk("/pub", S_IFDIR | 0755, NULL);
	mk("/pub/ro", S_IFREG | 0644, NULL);
	mk("/mnt", S_IFDIR | 0755, NULL);
	mk("/loop1", S_IFLNK | 0777, "loop2");
	mk("/loop2", S_IFLNK | 0777, "loop1");
	mk("/dl", S_IFLNK | 0777, "a/b");
	mk("/fl", S_IFLNK | 0777, "a/file");
	mk("/up", S_IFLNK | 0777, "../../..");
	chain('l', 40);
	chain('m', 41);
	ck_assert_int_eq(vfs_resolve(t, AT_FDCWD, "/mnt", VFS_FOLLOW, &at), 0);
	ck_assert_int_eq(ovl_new(OVL_NO_GOFER, "mnt", 0755, &mroot), 0);
	ck_assert_int_eq(vfs_mount(ns, &at, mroot, "tmpfs", "mnt", 0), 0);
	vfs_dentry_put(mroot);
	vfs_path_put(&at);
	mk("/mnt/m", S_IFDIR | 0755, NULL);
	mk("/mnt/m/x", S_IFREG | 0644, NULL);
}

/* Resolves @path; returns 0 or -errno, and the dentry in *d (unreferenced). */
static int res(int dirfd, const char *path, u32 flags, struct vfs_dentry **d,
	       struct vfs_mount **m)
{
	struct vfs_path p;
	int err = vfs_resolve(t, dirfd, path, flags, &p);

	if (err)
		return err;
	if (d)
		*d = p.d;
	if (m)
		*m = p.mnt;
	vfs_path_put(&p);       /* the tree keeps the dentry alive */
	return 0;
}

static struct vfs_dentry *D(const char *path)
{
	struct vfs_dentry *d = NULL;

	ck_assert_msg(!res(AT_FDCWD, path, VFS_FOLLOW, &d, NULL), "resolve %s", path);
	return d;
}

static void set_cwd(const char *path)
{
	struct vfs_path p, old;

	ck_assert_int_eq(vfs_resolve(t, AT_FDCWD, path, VFS_FOLLOW | VFS_DIRECTORY, &p), 0);
	old = t->fs->cwd;
	t->fs->cwd = p;
	vfs_path_put(&old);
}

static int open_fd(const char *path, u32 flags)
{
	struct vfs_file *f;
	int err = vfs_open(t, AT_FDCWD, path, flags, 0644, 0, &f), fd;

	if (err)
		return err;
	fd = fdt_alloc(t->fdt, f, 0, flags & O_CLOEXEC ? FD_CLOEXEC : 0, 1024);
	vfs_file_put(f);
	return fd;
}

START_TEST(absolute_and_relative)
{
	struct vfs_dentry *f = D("/a/b/f");

	ck_assert_str_eq(f->name, "f");
	set_cwd("/a");
	ck_assert_ptr_eq(D("b/f"), f);
	ck_assert_ptr_eq(D("./b/./f"), f);
	ck_assert_ptr_eq(D("b//f"), f);
	ck_assert_ptr_eq(D("../a/b/f"), f);
	ck_assert_errno(res(AT_FDCWD, "", VFS_FOLLOW, NULL, NULL), ENOENT);
	ck_assert_errno(res(AT_FDCWD, "b/nope", VFS_FOLLOW, NULL, NULL), ENOENT);
	ck_assert_errno(res(AT_FDCWD, "nope/f", VFS_FOLLOW, NULL, NULL), ENOENT);
	ck_assert_errno(res(AT_FDCWD, "file/f", VFS_FOLLOW, NULL, NULL), ENOTDIR);
	ck_assert_errno(res(99, "b/f", VFS_FOLLOW, NULL, NULL), EBADF);
	/* An absolute path ignores a bad dirfd (openat(2)). */
	ck_assert_int_eq(res(99, "/a/b/f", VFS_FOLLOW, NULL, NULL), 0);
}
END_TEST

START_TEST(dotdot_at_root_and_across_mounts)
{
	struct vfs_dentry *root = D("/"), *d;
	struct vfs_mount *m;

	/* path_resolution(7): ".." at the root is the root. */
	ck_assert_ptr_eq(D("/.."), root);
	ck_assert_ptr_eq(D("/../../.."), root);
	ck_assert_ptr_eq(D("/../a/../../a/b/f"), D("/a/b/f"));
	/* Crossing into /mnt reaches the mounted tmpfs's root; ".." from there climbs
	 * out of the mount, to the parent of the mount point. */
	ck_assert_int_eq(res(AT_FDCWD, "/mnt", VFS_FOLLOW, &d, &m), 0);
	ck_assert_ptr_ne(m, ns->root);
	ck_assert_ptr_null(d->parent);
	ck_assert_ptr_eq(D("/mnt/m/x")->parent->parent, d);
	ck_assert_ptr_eq(D("/mnt/.."), root);
	ck_assert_ptr_eq(D("/mnt/m/../../a"), D("/a"));
	set_cwd("/mnt/m");
	ck_assert_ptr_eq(D("../../a/file"), D("/a/file"));
	/* A symlink of ".." beyond the root stops there. */
	ck_assert_ptr_eq(D("/a/b/../../up/a"), D("/a"));
	/* RESOLVE_BENEATH: ".." out of the start is EXDEV; RESOLVE_NO_XDEV: the mount. */
	set_cwd("/a");
	ck_assert_errno(res(AT_FDCWD, "../a", VFS_BENEATH, NULL, NULL), EXDEV);
	ck_assert_errno(res(AT_FDCWD, "/a", VFS_BENEATH, NULL, NULL), EXDEV);
	ck_assert_errno(res(AT_FDCWD, "/mnt/m", VFS_NO_XDEV, NULL, NULL), EXDEV);
}
END_TEST

START_TEST(symlink_chains_and_eloop)
{
	struct vfs_dentry *file = D("/a/file"), *d;

	ck_assert_ptr_eq(D("/fl"), file);
	ck_assert_ptr_eq(D("/dl/f"), D("/a/b/f"));
	/* 40 links are followed (the last one's target included); the 41st is ELOOP. */
	ck_assert_ptr_eq(D("/l00"), file);
	ck_assert_errno(res(AT_FDCWD, "/m00", VFS_FOLLOW, NULL, NULL), ELOOP);
	ck_assert_errno(res(AT_FDCWD, "/loop1", VFS_FOLLOW, NULL, NULL), ELOOP);
	ck_assert_errno(res(AT_FDCWD, "/loop1/x", 0, NULL, NULL), ELOOP);
	/* AT_SYMLINK_NOFOLLOW (no VFS_FOLLOW): the last component's link itself... */
	ck_assert_int_eq(res(AT_FDCWD, "/loop1", 0, &d, NULL), 0);
	ck_assert(S_ISLNK(d->inode->mode));
	ck_assert_int_eq(res(AT_FDCWD, "/m00", 0, &d, NULL), 0);
	/* ...but links in the middle are always followed. */
	ck_assert_int_eq(res(AT_FDCWD, "/dl/f", 0, &d, NULL), 0);
	ck_assert_ptr_eq(d, D("/a/b/f"));
	/* RESOLVE_NO_SYMLINKS refuses any. */
	ck_assert_errno(res(AT_FDCWD, "/dl/f", VFS_NO_SYMLINKS, NULL, NULL), ELOOP);
}
END_TEST

START_TEST(trailing_slashes)
{
	struct vfs_file *f;

	ck_assert_errno(res(AT_FDCWD, "/a/file/", VFS_FOLLOW, NULL, NULL), ENOTDIR);
	ck_assert_errno(res(AT_FDCWD, "/a/file/.", VFS_FOLLOW, NULL, NULL), ENOTDIR);
	ck_assert_errno(res(AT_FDCWD, "/fl/", VFS_FOLLOW, NULL, NULL), ENOTDIR);
	ck_assert_ptr_eq(D("/a/b/"), D("/a/b"));
	ck_assert_ptr_eq(D("/dl/"), D("/a/b"));
	/* A trailing slash follows a symlink even without VFS_FOLLOW. */
	ck_assert_int_eq(res(AT_FDCWD, "/dl/", 0, NULL, NULL), 0);
	ck_assert_errno(res(AT_FDCWD, "/a/file", VFS_DIRECTORY | VFS_FOLLOW, NULL, NULL),
			ENOTDIR);
	ck_assert_errno(vfs_open(t, AT_FDCWD, "/a/new/", O_CREAT | O_WRONLY, 0644, 0, &f),
			EISDIR);
	ck_assert_errno(vfs_mknod(t, AT_FDCWD, "/a/new2/", S_IFREG | 0644, NULL), ENOENT);
	ck_assert_int_eq(vfs_mknod(t, AT_FDCWD, "/a/newdir/", S_IFDIR | 0755, NULL), 0);
	ck_assert_errno(vfs_unlink(t, AT_FDCWD, "/a/file/", false), ENOTDIR);
	ck_assert_errno(vfs_unlink(t, AT_FDCWD, "/a/b/", false), EISDIR);
	ck_assert_int_eq(vfs_unlink(t, AT_FDCWD, "/a/newdir/", true), 0);
}
END_TEST

START_TEST(nofollow_empty_path_and_long_names)
{
	char name[300];
	struct vfs_dentry *d;
	struct vfs_file *f;
	int fd;

	ck_assert_errno(vfs_open(t, AT_FDCWD, "/fl", O_RDONLY | O_NOFOLLOW, 0, 0, &f), ELOOP);
	ck_assert_errno(vfs_open(t, AT_FDCWD, "/loop1", O_RDONLY, 0, 0, &f), ELOOP);
	/* O_NOFOLLOW applies to the last component only. */
	ck_assert_int_eq(vfs_open(t, AT_FDCWD, "/dl/f", O_RDONLY | O_NOFOLLOW, 0, 0, &f), 0);
	vfs_file_put(f);
	/* O_PATH | O_NOFOLLOW opens the link itself. */
	ck_assert_int_eq(vfs_open(t, AT_FDCWD, "/fl", O_PATH | O_NOFOLLOW, 0, 0, &f), 0);
	ck_assert(S_ISLNK(f->inode->mode));
	vfs_file_put(f);

	/* AT_EMPTY_PATH: "" names the dirfd's own file; without it, ENOENT. */
	fd = open_fd("/a/file", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(res(fd, "", VFS_EMPTY_PATH, &d, NULL), 0);
	ck_assert_ptr_eq(d, D("/a/file"));
	ck_assert_errno(res(fd, "", 0, NULL, NULL), ENOENT);
	ck_assert_errno(res(fd, "x", VFS_FOLLOW, NULL, NULL), ENOTDIR);
	ck_assert_errno(res(123, "", VFS_EMPTY_PATH, NULL, NULL), EBADF);

	/* NAME_MAX: a 255-byte component is fine (ENOENT), 256 is ENAMETOOLONG. */
	memset(name, 'n', sizeof(name));
	name[0] = '/';
	name[256] = 0;
	ck_assert_errno(res(AT_FDCWD, name, VFS_FOLLOW, NULL, NULL), ENOENT);
	ck_assert_int_eq(vfs_mknod(t, AT_FDCWD, name, S_IFREG | 0644, NULL), 0);
	name[256] = 'n';
	name[257] = 0;
	ck_assert_errno(res(AT_FDCWD, name, VFS_FOLLOW, NULL, NULL), ENAMETOOLONG);
	ck_assert_errno(vfs_mknod(t, AT_FDCWD, name, S_IFREG | 0644, NULL), ENAMETOOLONG);
	/* In a symlink's target too (the filesystem's lookup refuses the name). */
	mk("/longc", S_IFLNK | 0777, name + 1);
	ck_assert_errno(res(AT_FDCWD, "/longc", VFS_FOLLOW, NULL, NULL), ENAMETOOLONG);
	ck_assert_int_eq(res(AT_FDCWD, "/longc", 0, NULL, NULL), 0);
}
END_TEST

START_TEST(permissions_non_root)
{
	struct vfs_file *f;

	t->euid = t->uid = 1000;
	t->egid = t->gid = 1000;
	/* Search permission on every directory walked (path_resolution(7)). */
	ck_assert_errno(res(AT_FDCWD, "/priv/x", VFS_FOLLOW, NULL, NULL), EACCES);
	ck_assert_errno(res(AT_FDCWD, "/priv/nope", VFS_FOLLOW, NULL, NULL), EACCES);
	ck_assert_int_eq(res(AT_FDCWD, "/priv", VFS_FOLLOW, NULL, NULL), 0);
	/* Read yes, write no, on another's 0644 file; creating in another's 0755 dir. */
	ck_assert_int_eq(vfs_open(t, AT_FDCWD, "/pub/ro", O_RDONLY, 0, 0, &f), 0);
	vfs_file_put(f);
	ck_assert_errno(vfs_open(t, AT_FDCWD, "/pub/ro", O_WRONLY, 0, 0, &f), EACCES);
	ck_assert_errno(vfs_open(t, AT_FDCWD, "/pub/ro", O_RDONLY | O_TRUNC, 0, 0, &f),
			EACCES);
	ck_assert_errno(vfs_open(t, AT_FDCWD, "/pub/new", O_CREAT | O_WRONLY, 0644, 0, &f),
			EACCES);
	ck_assert_errno(vfs_mknod(t, AT_FDCWD, "/pub/d", S_IFDIR | 0755, NULL), EACCES);
	ck_assert_errno(vfs_unlink(t, AT_FDCWD, "/pub/ro", false), EACCES);
	/* An existing name with O_CREAT is opened, so only its own permission counts. */
	ck_assert_int_eq(vfs_open(t, AT_FDCWD, "/pub/ro", O_CREAT | O_RDONLY, 0644, 0, &f), 0);
	vfs_file_put(f);
	/* O_EXCL on an existing name: EEXIST comes first. */
	ck_assert_errno(vfs_open(t, AT_FDCWD, "/pub/ro", O_CREAT | O_EXCL | O_WRONLY, 0644,
				 0, &f), EEXIST);
	/* Back to root: everything but execute without any x bit. */
	t->euid = 0;
	ck_assert_int_eq(res(AT_FDCWD, "/priv/x", VFS_FOLLOW, NULL, NULL), 0);
	ck_assert_int_eq(vfs_open(t, AT_FDCWD, "/pub/ro", O_WRONLY, 0, 0, &f), 0);
	vfs_file_put(f);
}
END_TEST

START_TEST(fd_table_cloexec)
{
	int a = open_fd("/a/file", O_RDONLY), b = open_fd("/a/file", O_RDONLY | O_CLOEXEC);
	int c = open_fd("/a/b/f", O_RDONLY);
	struct vfs_file *f;

	ck_assert_int_eq(a, 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(c, 2);
	ck_assert_int_eq(fdt_get_flags(t->fdt, b), FD_CLOEXEC);
	ck_assert_int_eq(fdt_get_flags(t->fdt, a), 0);
	ck_assert_int_eq(fdt_set_flags(t->fdt, c, FD_CLOEXEC), 0);
	/* The lowest free slot is reused; a dup above a minimum (F_DUPFD). */
	ck_assert_int_eq(fdt_close(t->fdt, a), 0);
	ck_assert_errno(fdt_close(t->fdt, a), EBADF);
	f = fdt_get(t->fdt, b);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fdt_alloc(t->fdt, f, 0, 0, 1024), 0);
	ck_assert_int_eq(fdt_alloc(t->fdt, f, 10, FD_CLOEXEC, 1024), 10);
	ck_assert_errno(fdt_alloc(t->fdt, f, 3, 0, 3), EINVAL);
	ck_assert_errno(fdt_alloc(t->fdt, f, 1, 0, 3), EMFILE);
	/* dup2 onto an open fd replaces it, and the new fd's flags are its own. */
	ck_assert_int_eq(fdt_install(t->fdt, 2, f, 0, 1024), 2);
	ck_assert_int_eq(fdt_get_flags(t->fdt, 2), 0);
	/* execve: close-on-exec fds go (1 and 10), the others stay (0 and 2). */
	fdt_close_on_exec(t->fdt);
	ck_assert_ptr_null(fdt_get(t->fdt, 1));
	ck_assert_ptr_null(fdt_get(t->fdt, 10));
	ck_assert_int_eq(fdt_get_flags(t->fdt, 0), 0);
	ck_assert_int_eq(fdt_get_flags(t->fdt, 2), 0);
	ck_assert_errno(fdt_get_flags(t->fdt, 1), EBADF);
	/* close_range with CLOSE_RANGE_CLOEXEC only marks; then exec closes. */
	fdt_close_range(t->fdt, 0, ~0U, true);
	ck_assert_int_eq(fdt_get_flags(t->fdt, 0), FD_CLOEXEC);
	fdt_close_on_exec(t->fdt);
	ck_assert_ptr_null(fdt_get(t->fdt, 0));
	ck_assert_ptr_null(fdt_get(t->fdt, 2));
	/* The file outlives its fds while referenced (here by f). */
	ck_assert_ptr_eq(f->inode, D("/a/file")->inode);
	vfs_file_put(f);
}
END_TEST

static Suite *vfs_suite(void)
{
	Suite *s = suite_create("vfs");
	TCase *tc = tcase_create("vfs");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, absolute_and_relative);
	tcase_add_test(tc, dotdot_at_root_and_across_mounts);
	tcase_add_test(tc, symlink_chains_and_eloop);
	tcase_add_test(tc, trailing_slashes);
	tcase_add_test(tc, nofollow_empty_path_and_long_names);
	tcase_add_test(tc, permissions_non_root);
	tcase_add_test(tc, fd_table_cloexec);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(vfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
