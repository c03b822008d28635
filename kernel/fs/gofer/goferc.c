/*
 * The gofer client (see goferc.h). A call packs a request, sends it, waits for the
 * reply packet (and a descriptor with it) and leaves a reader positioned after the
 * error code. The host socket calls are sendmsg/recvmsg, both on the Sentry's
 * allow-list; the Sentry opens nothing itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fs/gofer/goferc.h"
#include "vfs/vfs.h"

static struct gofer_conn *conns[GOFERC_MAX];

int goferc_register(u32 idx, int sock)
{
	struct gofer_conn *c;

	if (idx >= GOFERC_MAX)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sock = sock;
	pthread_mutex_init(&c->lock, NULL);
	conns[idx] = c;
	return 0;
}

struct gofer_conn *goferc_get(u32 idx)
{
	return idx < GOFERC_MAX ? conns[idx] : NULL;
}

/*
 * Sends [op, args...] (@fmt: 'u' for a u64 argument, 's' for a string) and receives
 * the reply; on 0 *r is positioned after the error code and c->lock is held (the
 * caller reads then calls done()). A descriptor that came along lands in *fd if
 * @fd, else is closed.
 */
static int call(struct gofer_conn *c, struct gofer_rd *r, int *fd, const char *fmt, ...)
{
	struct gofer_wr w = { c->buf, 0, sizeof(c->buf), false };
	va_list ap;
	uint32_t n;
	int64_t e;
	long len;
	int rfd, err;

	if (fd)
		*fd = -1;
	pthread_mutex_lock(&c->lock);
	gofer_put_array(&w, strlen(fmt));
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f == 'u') {
			gofer_put_uint(&w, va_arg(ap, u64));
		} else {
			const char *s = va_arg(ap, const char *);

			gofer_put_str(&w, s, strlen(s));
		}
	}
	va_end(ap);
	err = w.bad ? -ENAMETOOLONG : gofer_send(c->sock, w.p, w.len, -1);
	if (err)
		goto fail;
	len = gofer_recv(c->sock, c->buf, sizeof(c->buf), &rfd);
	if (len < 0) {
		err = len == -ECONNRESET ? -EIO : len;
		goto fail;
	}
	*r = (struct gofer_rd){ c->buf, len, 0 };
	if (gofer_get_array(r, &n) || n < 1 || gofer_get_int(r, &e) || e < 0 || e > 4095) {
		err = -EIO;
		goto fail_fd;
	}
	if (e) {
		err = -e;
		goto fail_fd;
	}
	if (fd)
		*fd = rfd;
	else if (rfd >= 0)
		close(rfd);
	return 0;
fail_fd:
	if (rfd >= 0)
		close(rfd);
fail:
	pthread_mutex_unlock(&c->lock);
	return err;
}

static int done(struct gofer_conn *c, int err)
{
	pthread_mutex_unlock(&c->lock);
	return err ? -EIO : 0;
}

static int get_h_stat(struct gofer_rd *r, u32 *h, struct gofer_stat *st)
{
	uint64_t v;

	if (gofer_get_uint(r, &v) || !v || v > UINT32_MAX || gofer_get_stat(r, st))
		return -EIO;
	*h = v;
	return 0;
}

int goferc_walk(struct gofer_conn *c, u32 dir, const char *name, u32 *h,
		struct gofer_stat *st)
{
	struct gofer_rd r;
	int err = call(c, &r, NULL, "uus", (u64)GOFER_WALK, (u64)dir, name);

	return err ? err : done(c, get_h_stat(&r, h, st));
}

/*
 * A restore walks every lower file's and directory's path again, and they come
 * mostly parent first: starting from what the previous walk reached, most cost one
 * round trip to the gofer instead of one per component and one for the root's stat
 * (a static program's restore here: 23 requests instead of 41).
 */
int goferc_walk_path(struct gofer_conn *c, const char *path, u32 *h, struct gofer_stat *st)
{
	size_t len = strlen(path), pos = 0;
	u32 cur = GOFER_ROOT_HANDLE, keep = 0, walks = 0;
	char name[GOFER_NAME_MAX + 1];
	int err = 0;

	/* The deepest directory of the previous walk above this path (never the path
	 * itself: its handle is its inode's, and each inode gets one of its own). */
	for (u32 i = c->nwalked; i > 0 && c->walked; i--) {
		u32 end = c->walked_end[i - 1];

		if (end < len && path[end] == '/' && !memcmp(path, c->walked, end)) {
			keep = i;
			cur = c->walked_h[i - 1];
			pos = end;
			break;
		}
	}
	c->nwalked = keep;
	for (;;) {
		size_t n;

		while (path[pos] == '/')
			pos++;
		if (!path[pos])
			break;
		n = strcspn(path + pos, "/");
		if (n > GOFER_NAME_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		memcpy(name, path + pos, n);
		name[n] = 0;
		err = goferc_walk(c, cur, name, &cur, st);
		if (err)
			break;
		pos += n;
		walks++;
		if (c->nwalked < GOFERC_WALK_DEPTH) {
			c->walked_h[c->nwalked] = cur;
			c->walked_end[c->nwalked++] = pos;
		}
	}
	if (!err && !walks)     /* the root itself */
		err = goferc_stat(c, cur, st);
	free(c->walked);
	c->walked = err ? NULL : strdup(path);
	if (!c->walked)
		c->nwalked = 0;
	if (!err)
		*h = cur;
	return err;
}

void goferc_walk_done(void)
{
	for (u32 i = 0; i < GOFERC_MAX; i++) {
		if (!conns[i])
			continue;
		free(conns[i]->walked);
		conns[i]->walked = NULL;
		conns[i]->nwalked = 0;
	}
}

int goferc_stat(struct gofer_conn *c, u32 h, struct gofer_stat *st)
{
	struct gofer_rd r;
	int err = call(c, &r, NULL, "uu", (u64)GOFER_STAT, (u64)h);

	return err ? err : done(c, gofer_get_stat(&r, st));
}

int goferc_open(struct gofer_conn *c, u32 h, u32 flags, int *fd)
{
	struct gofer_rd r;
	int err = call(c, &r, fd, "uuu", (u64)GOFER_OPEN, (u64)h, (u64)flags);

	if (err)
		return err;
	err = *fd < 0;
	if (err)
		*fd = -1;
	return done(c, err);
}

int goferc_create(struct gofer_conn *c, u32 dir, const char *name, u32 flags, u32 mode,
		  u32 *h, struct gofer_stat *st, int *fd)
{
	struct gofer_rd r;
	int err = call(c, &r, fd, "uusuu", (u64)GOFER_CREATE, (u64)dir, name, (u64)flags,
		       (u64)mode);

	if (err)
		return err;
	err = get_h_stat(&r, h, st) || *fd < 0;
	if (err && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return done(c, err);
}

int goferc_make(struct gofer_conn *c, u32 op, u32 dir, const char *name, u32 mode,
		const char *target, u32 *h, struct gofer_stat *st)
{
	struct gofer_rd r;
	int err;

	if (op == GOFER_SYMLINK)
		err = call(c, &r, NULL, "uuss", (u64)op, (u64)dir, name, target);
	else
		err = call(c, &r, NULL, "uusu", (u64)op, (u64)dir, name, (u64)mode);
	return err ? err : done(c, get_h_stat(&r, h, st));
}

int goferc_link(struct gofer_conn *c, u32 h, u32 dir, const char *name, u32 *nh,
		struct gofer_stat *st)
{
	struct gofer_rd r;
	int err = call(c, &r, NULL, "uuus", (u64)GOFER_LINK, (u64)h, (u64)dir, name);

	return err ? err : done(c, get_h_stat(&r, nh, st));
}

int goferc_unlink(struct gofer_conn *c, u32 dir, const char *name, u32 flags)
{
	struct gofer_rd r;
	int err = call(c, &r, NULL, "uusu", (u64)GOFER_UNLINK, (u64)dir, name, (u64)flags);

	return err ? err : done(c, 0);
}

int goferc_rename(struct gofer_conn *c, u32 dir, const char *name, u32 ndir,
		  const char *newname, u32 flags)
{
	struct gofer_rd r;
	int err = call(c, &r, NULL, "uususu", (u64)GOFER_RENAME, (u64)dir, name, (u64)ndir,
		       newname, (u64)flags);

	return err ? err : done(c, 0);
}

int goferc_readlink(struct gofer_conn *c, u32 h, char *buf, size_t len)
{
	struct gofer_rd r;
	const char *s;
	uint32_t n;
	int err = call(c, &r, NULL, "uu", (u64)GOFER_READLINK, (u64)h);

	if (err)
		return err;
	if (gofer_get_str(&r, &s, &n))
		return done(c, 1);
	n = MIN(n, len);
	memcpy(buf, s, n);
	done(c, 0);
	return n;
}

int goferc_readdir(struct gofer_conn *c, u32 h,
		   int (*fn)(void *arg, const char *name, size_t len, u8 type, u64 ino),
		   void *arg)
{
	uint64_t cookie = 0;

	do {
		struct gofer_rd r;
		uint32_t n;
		int err = call(c, &r, NULL, "uuu", (u64)GOFER_READDIR, (u64)h, cookie);

		if (err)
			return err;
		if (gofer_get_array(&r, &n))
			return done(c, 1);
		for (uint32_t i = 0; i < n; i++) {
			const char *name;
			uint32_t len, k;
			uint64_t type, ino;

			if (gofer_get_array(&r, &k) || k != 3 || gofer_get_str(&r, &name, &len) ||
			    gofer_get_uint(&r, &type) || gofer_get_uint(&r, &ino) ||
			    gofer_name_check(name, len))
				return done(c, 1);
			err = fn(arg, name, len, type, ino);
			if (err) {
				done(c, 0);
				return err;
			}
		}
		if (gofer_get_uint(&r, &cookie))
			return done(c, 1);
		done(c, 0);
	} while (cookie);
	return 0;
}

int goferc_setattr(struct gofer_conn *c, u32 h, u32 mask, u32 mode, u32 uid, u32 gid,
		   u64 size, s64 as, s64 ans, s64 ms, s64 mns, struct gofer_stat *st)
{
	struct gofer_rd r;
	int err = call(c, &r, NULL, "uuuuuuuuuuu", (u64)GOFER_SETATTR, (u64)h, (u64)mask,
		       (u64)mode, (u64)uid, (u64)gid, size, (u64)as, (u64)ans, (u64)ms,
		       (u64)mns);

	return err ? err : done(c, gofer_get_stat(&r, st));
}

int goferc_statfs(struct gofer_conn *c, u32 h, struct statfs *sf)
{
	struct gofer_rd r;
	uint32_t n;
	u64 v[10];
	int err = call(c, &r, NULL, "uu", (u64)GOFER_STATFS, (u64)h);

	if (err)
		return err;
	if (gofer_get_array(&r, &n) || n != 10)
		return done(c, 1);
	for (int i = 0; i < 10; i++)
		if (gofer_get_uint(&r, (uint64_t *)&v[i]))
			return done(c, 1);
	sf->f_type = v[0];
	sf->f_bsize = v[1];
	sf->f_blocks = v[2];
	sf->f_bfree = v[3];
	sf->f_bavail = v[4];
	sf->f_files = v[5];
	sf->f_ffree = v[6];
	sf->f_namelen = v[7];
	sf->f_frsize = v[8];
	return done(c, 0);
}

void goferc_stat_to_inode(const struct gofer_stat *st, struct vfs_inode *i)
{
	i->ino = st->ino;
	i->mode = st->mode;
	i->nlink = st->nlink;
	i->uid = st->uid;
	i->gid = st->gid;
	i->rdev = st->rdev;
	i->size = st->size;
	i->blocks = st->blocks;
	i->atime_sec = st->atime_sec;
	i->atime_nsec = st->atime_nsec;
	i->mtime_sec = st->mtime_sec;
	i->mtime_nsec = st->mtime_nsec;
	i->ctime_sec = st->ctime_sec;
	i->ctime_nsec = st->ctime_nsec;
}

void goferc_close(struct gofer_conn *c, u32 h)
{
	struct gofer_rd r;

	if (!call(c, &r, NULL, "uu", (u64)GOFER_CLOSE, (u64)h))
		done(c, 0);
}

int goferc_fsync(struct gofer_conn *c, u32 h)
{
	struct gofer_rd r;
	int err = call(c, &r, NULL, "uu", (u64)GOFER_FSYNC, (u64)h);

	return err ? err : done(c, 0);
}

int goferc_getxattrs(struct gofer_conn *c, u32 h,
		     int (*fn)(void *arg, const char *name, size_t len, const void *val,
			       size_t vlen),
		     void *arg)
{
	struct gofer_rd r;
	uint32_t n;
	int err = call(c, &r, NULL, "uu", (u64)GOFER_GETXATTRS, (u64)h);

	if (err)
		return err;
	if (gofer_get_array(&r, &n) || n % 2)
		return done(c, 1);
	for (uint32_t i = 0; i < n; i += 2) {
		const char *name, *val;
		uint32_t len, vlen;

		if (gofer_get_str(&r, &name, &len) || gofer_get_str(&r, &val, &vlen))
			return done(c, 1);
		err = fn(arg, name, len, val, vlen);
		if (err) {
			done(c, 0);
			return err;
		}
	}
	return done(c, 0);
}

int goferc_setxattr(struct gofer_conn *c, u32 h, const char *name, const char *hex, u32 flags)
{
	struct gofer_rd r;
	int err = hex ? call(c, &r, NULL, "uussu", (u64)GOFER_SETXATTR, (u64)h, name, hex,
			     (u64)flags)
		      : call(c, &r, NULL, "uus", (u64)GOFER_REMOVEXATTR, (u64)h, name);

	return err ? err : done(c, 0);
}
