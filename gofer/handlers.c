/*
 * The gofer's operations. Every path it resolves is one component relative to a
 * node's descriptor, through openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV and O_NOFOLLOW, so no request can name a
 * file outside the served root even if the host swaps a directory for a symlink
 * underneath it; a file reopened by name is checked to be the node it was walked as.
 * A read-only gofer refuses every change with EROFS before touching the host.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "gofer.h"

#define RESOLVE_FLAGS (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | \
		       RESOLVE_NO_XDEV)

/* Opens @name beneath directory @dirfd, never following a symlink. */
static int open_beneath(int dirfd, const char *name, int flags, int mode)
{
	struct open_how how = {
		/* openat2 refuses O_PATH with anything but these */
		.flags = flags | O_NOFOLLOW | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_FLAGS,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static int node_stat(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static void to_gofer_stat(const struct stat *st, struct gofer_stat *g)
{
	*g = (struct gofer_stat){
		.mode = st->st_mode, .ino = st->st_ino, .dev = st->st_dev,
		.nlink = st->st_nlink, .uid = st->st_uid, .gid = st->st_gid,
		.size = st->st_size, .blocks = st->st_blocks, .blksize = st->st_blksize,
		.rdev = st->st_rdev,
		.atime_sec = st->st_atim.tv_sec, .atime_nsec = st->st_atim.tv_nsec,
		.mtime_sec = st->st_mtim.tv_sec, .mtime_nsec = st->st_mtim.tv_nsec,
		.ctime_sec = st->st_ctim.tv_sec, .ctime_nsec = st->st_ctim.tv_nsec,
	};
}

static int put_stat_of(struct gofer_wr *out, int fd)
{
	struct gofer_stat g;
	struct stat st;
	int err = node_stat(fd, &st);

	if (err)
		return err;
	to_gofer_stat(&st, &g);
	gofer_put_stat(out, &g);
	return 0;
}

/* The node behind argument @i, which must be a directory when @dir. */
static int get_node(struct gofer_server *s, const struct gofer_req *req, int i, bool dir,
		    struct gofer_node **out)
{
	struct gofer_node *n = gofer_node_get(s, req->arg[i].u);
	struct stat st;

	if (!n)
		return -EBADF;
	if (dir) {
		int err = node_stat(n->fd, &st);

		if (err)
			return err;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	*out = n;
	return 0;
}

/* Walks @name from directory handle @dh into a new node; writes h stat. */
static int walk_into(struct gofer_server *s, uint32_t dh, const char *name,
		     struct gofer_wr *out)
{
	struct gofer_node *d = gofer_node_get(s, dh);
	uint32_t h;
	int fd, err;

	if (!d)
		return -EBADF;
	fd = open_beneath(d->fd, name, O_PATH, 0);
	if (fd < 0)
		return fd;
	err = gofer_node_add(s, fd, dh, name, &h);
	if (err)
		return err;
	gofer_put_uint(out, h);
	err = put_stat_of(out, s->nodes[h].fd);
	if (err) {
		gofer_node_del(s, h);
		return err;
	}
	return 2;
}

static int op_walk(struct gofer_server *s, const struct gofer_req *req,
		   struct gofer_wr *out, int *fd)
{
	struct gofer_node *d;
	int err = get_node(s, req, 0, true, &d);

	if (err)
		return err;
	return walk_into(s, req->arg[0].u, req->arg[1].s, out);
}

static int op_stat(struct gofer_server *s, const struct gofer_req *req,
		   struct gofer_wr *out, int *fd)
{
	struct gofer_node *n;
	int err = get_node(s, req, 0, false, &n);

	if (!err)
		err = put_stat_of(out, n->fd);
	return err ? err : 1;
}

/* Reopens node @h with @flags: a directory through its own descriptor, anything
 * else by name from its parent, checked to be the same file. */
static int reopen(struct gofer_server *s, uint32_t h, int flags)
{
	struct gofer_node *n = gofer_node_get(s, h), *p;
	struct stat want, got;
	int fd, err;

	if (!n)
		return -EBADF;
	err = node_stat(n->fd, &want);
	if (err)
		return err;
	if (S_ISLNK(want.st_mode))
		return -ELOOP;
	if (S_ISDIR(want.st_mode)) {
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
			return -EISDIR;
		fd = openat(n->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (!S_ISREG(want.st_mode))
		return -ENXIO;  /* devices, fifos and sockets are the Sentry's own */
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	p = gofer_node_get(s, n->parent);
	if (!p || !n->name)
		return -ESTALE;
	fd = open_beneath(p->fd, n->name, (flags & (O_ACCMODE | O_TRUNC | O_APPEND)) |
			  O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &got) || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
		close(fd);
		return -ESTALE;
	}
	fcntl(fd, F_SETFL, flags & O_APPEND);
	return fd;
}

static int op_open(struct gofer_server *s, const struct gofer_req *req,
		   struct gofer_wr *out, int *fd)
{
	int flags = req->arg[1].u;

	if (req->arg[1].u & ~(uint64_t)(O_ACCMODE | O_TRUNC | O_APPEND | O_DIRECTORY))
		return -EINVAL;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (s->ro && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		return -EROFS;
	*fd = reopen(s, req->arg[0].u, flags);
	if (*fd < 0) {
		int err = *fd;

		*fd = -1;
		return err;
	}
	return 0;
}

static int op_create(struct gofer_server *s, const struct gofer_req *req,
		     struct gofer_wr *out, int *fd)
{
	struct gofer_node *d;
	int flags = req->arg[2].u, err, n;

	if (s->ro)
		return -EROFS;
	if (req->arg[2].u & ~(uint64_t)(O_ACCMODE | O_APPEND) || req->arg[3].u & ~07777ULL ||
	    (flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	err = get_node(s, req, 0, true, &d);
	if (err)
		return err;
	*fd = open_beneath(d->fd, req->arg[1].s, flags | O_CREAT | O_EXCL, req->arg[3].u);
	if (*fd < 0) {
		err = *fd;
		*fd = -1;
		return err;
	}
	n = walk_into(s, req->arg[0].u, req->arg[1].s, out);
	if (n < 0) {
		close(*fd);
		*fd = -1;
	}
	return n;
}

static int op_mkdir(struct gofer_server *s, const struct gofer_req *req,
		    struct gofer_wr *out, int *fd)
{
	struct gofer_node *d;
	int err;

	if (s->ro)
		return -EROFS;
	if (req->arg[2].u & ~07777ULL)
		return -EINVAL;
	err = get_node(s, req, 0, true, &d);
	if (err)
		return err;
	if (req->op == GOFER_MKDIR)
		err = mkdirat(d->fd, req->arg[1].s, req->arg[2].u);
	else
		err = mknodat(d->fd, req->arg[1].s, S_IFIFO | req->arg[2].u, 0);
	if (err)
		return -errno;
	return walk_into(s, req->arg[0].u, req->arg[1].s, out);
}

static int op_symlink(struct gofer_server *s, const struct gofer_req *req,
		      struct gofer_wr *out, int *fd)
{
	struct gofer_node *d;
	int err;

	if (s->ro)
		return -EROFS;
	err = get_node(s, req, 0, true, &d);
	if (err)
		return err;
	if (symlinkat(req->arg[2].s, d->fd, req->arg[1].s))
		return -errno;
	return walk_into(s, req->arg[0].u, req->arg[1].s, out);
}

static int op_link(struct gofer_server *s, const struct gofer_req *req,
		   struct gofer_wr *out, int *fd)
{
	struct gofer_node *n, *p, *d;
	int err;

	if (s->ro)
		return -EROFS;
	err = get_node(s, req, 0, false, &n);
	if (!err)
		err = get_node(s, req, 1, true, &d);
	if (err)
		return err;
	p = gofer_node_get(s, n->parent);
	if (!p || !n->name)
		return -EPERM;  /* the root itself */
	/* By name from the parent, not AT_EMPTY_PATH, which needs a capability. */
	if (linkat(p->fd, n->name, d->fd, req->arg[2].s, 0))
		return -errno;
	return walk_into(s, req->arg[1].u, req->arg[2].s, out);
}

static int op_unlink(struct gofer_server *s, const struct gofer_req *req,
		     struct gofer_wr *out, int *fd)
{
	struct gofer_node *d;
	int err;

	if (s->ro)
		return -EROFS;
	if (req->arg[2].u & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	err = get_node(s, req, 0, true, &d);
	if (err)
		return err;
	return unlinkat(d->fd, req->arg[1].s, req->arg[2].u) ? -errno : 0;
}

/* True if node @n was walked as @name from directory @dir (the same directory, by
 * any of its handles). */
static bool named(struct gofer_server *s, struct gofer_node *n, const struct stat *dir,
		  const char *name)
{
	struct gofer_node *p;
	struct stat st;

	if (!n->name || strcmp(n->name, name))
		return false;
	p = gofer_node_get(s, n->parent);
	return p && !node_stat(p->fd, &st) && st.st_dev == dir->st_dev &&
	       st.st_ino == dir->st_ino;
}

/*
 * After a rename, the nodes walked by the old name are reached by the new one, so
 * that reopen() finds them; a replaced target's nodes are reached by no name (an
 * open of them is ESTALE, as of an unlinked file); RENAME_EXCHANGE swaps the two.
 */
static void rename_nodes(struct gofer_server *s, uint32_t oh, const char *oname,
			 uint32_t nh, const char *nname, uint64_t flags)
{
	struct stat od, nd;

	if (node_stat(s->nodes[oh].fd, &od) || node_stat(s->nodes[nh].fd, &nd))
		return;
	if (od.st_dev == nd.st_dev && od.st_ino == nd.st_ino && !strcmp(oname, nname))
		return;
	for (uint32_t i = GOFER_ROOT_HANDLE + 1; i < s->nnodes; i++) {
		struct gofer_node *n = &s->nodes[i];
		bool was_old, was_new;
		char *copy;

		if (n->fd < 0)
			continue;
		was_old = named(s, n, &od, oname);
		was_new = named(s, n, &nd, nname);
		if (!was_old && !was_new)
			continue;
		if (was_new && !(flags & RENAME_EXCHANGE)) {
			free(n->name);
			n->name = NULL;
			continue;
		}
		copy = strdup(was_old ? nname : oname);
		if (!copy) {
			free(n->name);
			n->name = NULL;         /* ESTALE rather than the wrong file */
			continue;
		}
		free(n->name);
		n->name = copy;
		n->parent = was_old ? nh : oh;
	}
}

static int op_rename(struct gofer_server *s, const struct gofer_req *req,
		     struct gofer_wr *out, int *fd)
{
	struct gofer_node *d, *nd;
	int err;

	if (s->ro)
		return -EROFS;
	if (req->arg[4].u & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	err = get_node(s, req, 0, true, &d);
	if (!err)
		err = get_node(s, req, 2, true, &nd);
	if (err)
		return err;
	if (renameat2(d->fd, req->arg[1].s, nd->fd, req->arg[3].s, req->arg[4].u))
		return -errno;
	rename_nodes(s, req->arg[0].u, req->arg[1].s, req->arg[2].u, req->arg[3].s,
		     req->arg[4].u);
	return 0;
}

static int op_readlink(struct gofer_server *s, const struct gofer_req *req,
		       struct gofer_wr *out, int *fd)
{
	static char buf[GOFER_PATH_MAX];
	struct gofer_node *n;
	ssize_t len;
	int err = get_node(s, req, 0, false, &n);

	if (err)
		return err;
	len = readlinkat(n->fd, "", buf, sizeof(buf));
	if (len < 0)
		return errno == ENOENT ? -EINVAL : -errno;
	gofer_put_str(out, buf, len);
	return 1;
}

struct rd_ent {
	uint64_t ino;
	uint8_t type;
	uint16_t off;           /* of the name in names[] */
};

static int op_readdir(struct gofer_server *s, const struct gofer_req *req,
		      struct gofer_wr *out, int *fd)
{
	static char buf[32768], names[GOFER_READDIR_BYTES];
	static struct rd_ent ents[GOFER_READDIR_BYTES / 8];
	uint64_t cookie = req->arg[1].u, idx = 0;
	uint32_t nents = 0, used = 0;
	struct gofer_node *n;
	bool more = false;
	int dfd, err = get_node(s, req, 0, true, &n);

	if (err)
		return err;
	dfd = openat(n->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (;;) {
		long len = syscall(SYS_getdents64, dfd, buf, sizeof(buf));

		if (len < 0) {
			err = -errno;
			goto out;
		}
		if (len == 0)
			break;
		for (long off = 0; off < len;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			size_t nl = strlen(de->d_name);

			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (idx++ < cookie)
				continue;
			if (used + nl + 1 > sizeof(names) || nents == ARRAY_LEN(ents)) {
				more = true;
				goto done;
			}
			memcpy(names + used, de->d_name, nl + 1);
			ents[nents++] = (struct rd_ent){ de->d_ino, de->d_type, used };
			used += nl + 1;
		}
	}
done:
	gofer_put_array(out, nents);
	for (uint32_t i = 0; i < nents; i++) {
		gofer_put_array(out, 3);
		gofer_put_str(out, names + ents[i].off, strlen(names + ents[i].off));
		gofer_put_uint(out, ents[i].type);
		gofer_put_uint(out, ents[i].ino);
	}
	gofer_put_uint(out, more ? cookie + nents : 0);
	err = 2;
out:
	close(dfd);
	return err;
}

static int op_setattr(struct gofer_server *s, const struct gofer_req *req,
		      struct gofer_wr *out, int *fd)
{
	const struct gofer_arg *a = req->arg;
	uint64_t mask = a[1].u;
	struct gofer_node *n;
	struct stat st;
	int err, ofd = -1;

	if (s->ro)
		return -EROFS;
	/* A time's nanoseconds, or GOFER_TIME_NOW (beyond them: touch, utimes(NULL)). */
	if (mask & ~0x3fULL || a[2].u & ~07777ULL ||
	    (a[7].u >= 1000000000ULL && a[7].u != GOFER_TIME_NOW) ||
	    (a[9].u >= 1000000000ULL && a[9].u != GOFER_TIME_NOW))
		return -EINVAL;
	err = get_node(s, req, 0, false, &n);
	if (!err)
		err = node_stat(n->fd, &st);
	if (err)
		return err;
	if ((mask & (GOFER_SET_MODE | GOFER_SET_SIZE)) && !S_ISLNK(st.st_mode)) {
		ofd = reopen(s, a[0].u, S_ISDIR(st.st_mode) ? O_RDONLY :
			     (mask & GOFER_SET_SIZE) ? O_WRONLY : O_RDONLY);
		if (ofd < 0)
			return ofd;
	} else if (mask & GOFER_SET_SIZE) {
		return -EINVAL;
	}
	if ((mask & GOFER_SET_MODE) && ofd >= 0 && fchmod(ofd, a[2].u))
		err = -errno;
	if (!err && (mask & (GOFER_SET_UID | GOFER_SET_GID)) &&
	    fchownat(n->fd, "", mask & GOFER_SET_UID ? (uid_t)a[3].u : (uid_t)-1,
		     mask & GOFER_SET_GID ? (gid_t)a[4].u : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		err = -errno;
	if (!err && (mask & GOFER_SET_SIZE) && ftruncate(ofd, a[5].u))
		err = -errno;
	if (!err && (mask & (GOFER_SET_ATIME | GOFER_SET_MTIME))) {
		struct timespec ts[2] = {
			{ a[6].u, mask & GOFER_SET_ATIME ? (long)a[7].u : UTIME_OMIT },
			{ a[8].u, mask & GOFER_SET_MTIME ? (long)a[9].u : UTIME_OMIT },
		};

		for (int i = 0; i < 2; i++)
			if (ts[i].tv_nsec == GOFER_TIME_NOW)
				ts[i].tv_nsec = UTIME_NOW;
		if (utimensat(n->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
			err = -errno;
	}
	if (ofd >= 0)
		close(ofd);
	if (!err)
		err = put_stat_of(out, n->fd);
	return err ? err : 1;
}

static int op_statfs(struct gofer_server *s, const struct gofer_req *req,
		     struct gofer_wr *out, int *fd)
{
	struct gofer_node *n;
	struct statfs sf;
	int err = get_node(s, req, 0, false, &n);

	if (err)
		return err;
	if (fstatfs(n->fd, &sf))
		return -errno;
	gofer_put_array(out, 10);
	gofer_put_uint(out, sf.f_type);
	gofer_put_uint(out, sf.f_bsize);
	gofer_put_uint(out, sf.f_blocks);
	gofer_put_uint(out, sf.f_bfree);
	gofer_put_uint(out, sf.f_bavail);
	gofer_put_uint(out, sf.f_files);
	gofer_put_uint(out, sf.f_ffree);
	gofer_put_uint(out, sf.f_namelen);
	gofer_put_uint(out, sf.f_frsize);
	gofer_put_uint(out, sf.f_flags | (s->ro ? ST_RDONLY : 0));
	return 1;
}

static int op_close(struct gofer_server *s, const struct gofer_req *req,
		    struct gofer_wr *out, int *fd)
{
	if (!gofer_node_get(s, req->arg[0].u) || req->arg[0].u == GOFER_ROOT_HANDLE)
		return -EBADF;
	gofer_node_del(s, req->arg[0].u);
	return 0;
}

static int op_fsync(struct gofer_server *s, const struct gofer_req *req,
		    struct gofer_wr *out, int *fd)
{
	int ofd = reopen(s, req->arg[0].u, O_RDONLY), err = 0;

	if (ofd < 0)
		return ofd;
	if (fsync(ofd))
		err = -errno;
	close(ofd);
	return err;
}

/*
 * GETXATTRS: the extended attributes of a regular file or directory (reopened
 * read-only, checked to be the node), as name/value pairs; a filesystem without
 * them gives none, and so do other kinds of file (the Sentry never opens those on
 * the host). The list and each value are bounded by the kernel's own limits; the
 * reply by the packet (EMSGSIZE).
 */
static int op_getxattrs(struct gofer_server *s, const struct gofer_req *req,
			struct gofer_wr *out, int *fd)
{
	static char names[XATTR_LIST_MAX], vals[GOFER_MSG_MAX];
	static int32_t lens[XATTR_LIST_MAX / 2];        /* per name; -1: left out */
	uint32_t nnames = 0, count = 0;
	size_t used = 0;
	ssize_t n;
	int ofd = reopen(s, req->arg[0].u, O_RDONLY), err = 0;

	if (ofd == -ENXIO || ofd == -ELOOP) {
		gofer_put_array(out, 0);
		return 1;
	}
	if (ofd < 0)
		return ofd;
	n = flistxattr(ofd, names, sizeof(names));
	if (n < 0) {
		err = errno == ENOTSUP ? 0 : -errno;
		n = 0;
	}
	if (n > 0)
		names[n - 1] = 0;       /* the host's list ends so; make sure */
	/* Values first, into one buffer: a name that vanished meanwhile is left out. */
	for (ssize_t i = 0; i < n && !err; i += strlen(names + i) + 1) {
		ssize_t v = fgetxattr(ofd, names + i, vals + used, sizeof(vals) - used);

		if (v < 0 && errno == ENODATA) {
			lens[nnames++] = -1;
			continue;
		}
		if (v < 0)
			err = errno == ERANGE ? -EMSGSIZE : -errno;
		else
			lens[nnames++] = v, used += v, count++;
	}
	close(ofd);
	if (err)
		return err;
	gofer_put_array(out, 2 * count);
	used = 0;
	nnames = 0;
	for (ssize_t i = 0; i < n; i += strlen(names + i) + 1) {
		int32_t len = lens[nnames++];

		if (len < 0)
			continue;
		gofer_put_str(out, names + i, strlen(names + i));
		gofer_put_str(out, vals + used, len);
		used += len;
	}
	return 1;
}

static uint8_t hex(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* SETXATTR and REMOVEXATTR on a regular file or directory of a read-write gofer;
 * the host kernel checks the name and the caller's right to it. */
static int op_setxattr(struct gofer_server *s, const struct gofer_req *req,
		       struct gofer_wr *out, int *fd)
{
	static uint8_t val[GOFER_XATTR_VALUE_MAX];
	const struct gofer_arg *a = req->arg;
	uint32_t n = a[2].len / 2;
	int ofd, err = 0;

	if (s->ro)
		return -EROFS;
	if (a[3].u & ~(uint64_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)       /* lowercase hex digits: checked */
		val[i] = hex(a[2].s[2 * i]) << 4 | hex(a[2].s[2 * i + 1]);
	ofd = reopen(s, a[0].u, O_RDONLY);
	if (ofd < 0)
		return ofd == -ENXIO || ofd == -ELOOP ? -EOPNOTSUPP : ofd;
	if (req->op == GOFER_REMOVEXATTR ? fremovexattr(ofd, a[1].s)
					 : fsetxattr(ofd, a[1].s, val, n, a[3].u))
		err = -errno;
	close(ofd);
	return err;
}

typedef int (*gofer_op_fn)(struct gofer_server *s, const struct gofer_req *req,
			   struct gofer_wr *out, int *fd);

static const gofer_op_fn ops[GOFER_OP_MAX] = {
	[GOFER_WALK] = op_walk, [GOFER_STAT] = op_stat, [GOFER_OPEN] = op_open,
	[GOFER_CREATE] = op_create, [GOFER_MKDIR] = op_mkdir, [GOFER_MKNOD] = op_mkdir,
	[GOFER_SYMLINK] = op_symlink, [GOFER_LINK] = op_link, [GOFER_UNLINK] = op_unlink,
	[GOFER_RENAME] = op_rename, [GOFER_READLINK] = op_readlink,
	[GOFER_READDIR] = op_readdir, [GOFER_SETATTR] = op_setattr,
	[GOFER_STATFS] = op_statfs, [GOFER_CLOSE] = op_close, [GOFER_FSYNC] = op_fsync,
	[GOFER_GETXATTRS] = op_getxattrs, [GOFER_SETXATTR] = op_setxattr,
	[GOFER_REMOVEXATTR] = op_setxattr,
};

int gofer_dispatch(struct gofer_server *s, const struct gofer_req *req,
		   struct gofer_wr *out, int *fd)
{
	/* Handles are checked here once; handlers look them up again by index. */
	const char *sig = gofer_op_signature(req->op);

	for (uint32_t i = 0; sig[i]; i++)
		if (sig[i] == 'h' && !gofer_node_get(s, req->arg[i].u))
			return -EBADF;
	return ops[req->op](s, req, out, fd);
}
