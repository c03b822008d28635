/*
 * Extended attributes of volume files: the host file's own, read and changed through
 * the gofer (GETXATTRS, SETXATTR, REMOVEXATTR), so a change reaches the host as a
 * write does. Nothing is cached: every call asks the gofer, whose reply the Sentry
 * checks (a name no syscall could make is skipped). A value travels to the gofer as
 * hex, so a set is limited to GOFER_XATTR_VALUE_MAX bytes (E2BIG beyond, where
 * Linux takes up to 64 KiB). The syscall layer has checked names and permissions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "fs/gofer/goferc.h"
#include "fs/gofer/goferfs.h"

/* The inode's gofer handle, or -ESTALE once its file is gone. */
static int handle(struct goferfs_inode *gi, u32 *h)
{
	pthread_mutex_lock(&vfs_lock);
	*h = gi->h;
	pthread_mutex_unlock(&vfs_lock);
	return *h ? 0 : -ESTALE;
}

static bool valid_name(const char *name, size_t len)
{
	return len && len <= XATTR_NAME_MAX && !memchr(name, 0, len);
}

struct get_ctx {
	const char *name;
	void *buf;
	size_t size;
	int ret;                /* -ENODATA until found */
};

static int get_one(void *arg, const char *name, size_t len, const void *val, size_t vlen)
{
	struct get_ctx *c = arg;

	if (!valid_name(name, len) || strlen(c->name) != len || memcmp(c->name, name, len))
		return 0;
	if (vlen > XATTR_SIZE_MAX)
		c->ret = -E2BIG;
	else if (c->size && c->size < vlen)
		c->ret = -ERANGE;
	else {
		if (c->size)
			memcpy(c->buf, val, vlen);
		c->ret = vlen;
	}
	return 0;
}

int goferfs_xattr_get(struct goferfs_inode *gi, const char *name, void *buf, size_t size)
{
	struct get_ctx c = { name, buf, size, -ENODATA };
	u32 h;
	int err = handle(gi, &h);

	if (!err)
		err = goferc_getxattrs(goferfs_conn(gi), h, get_one, &c);
	if (err)
		return err == -EMSGSIZE ? -E2BIG : err;
	return c.ret;
}

struct list_ctx {
	bool trusted;
	char *buf;
	size_t size, need;
	int err;
};

static int list_one(void *arg, const char *name, size_t len, const void *val, size_t vlen)
{
	struct list_ctx *c = arg;

	if (!valid_name(name, len) || (!c->trusted && len >= 8 && !memcmp(name, "trusted.", 8)))
		return 0;
	if (c->size) {
		if (c->need + len + 1 > c->size) {
			c->err = -ERANGE;
			return 1;
		}
		memcpy(c->buf + c->need, name, len);
		c->buf[c->need + len] = 0;
	}
	c->need += len + 1;
	return 0;
}

s64 goferfs_xattr_list(struct goferfs_inode *gi, bool trusted, char *buf, size_t size)
{
	struct list_ctx c = { trusted, buf, size, 0, 0 };
	u32 h;
	int err = handle(gi, &h);

	if (!err)
		err = goferc_getxattrs(goferfs_conn(gi), h, list_one, &c);
	if (err == 1)
		err = c.err;
	if (err)
		return err == -EMSGSIZE ? -E2BIG : err;
	return c.need;
}

int goferfs_xattr_set(struct goferfs_inode *gi, const char *name, const void *val,
		      size_t size, int flags)
{
	static const char digits[] = "0123456789abcdef";
	char *hex;
	u32 h;
	int err;

	if (size > GOFER_XATTR_VALUE_MAX)
		return -E2BIG;
	err = handle(gi, &h);
	if (err)
		return err;
	hex = malloc(2 * size + 1);
	if (!hex)
		return -ENOMEM;
	for (size_t i = 0; i < size; i++) {
		hex[2 * i] = digits[((const u8 *)val)[i] >> 4];
		hex[2 * i + 1] = digits[((const u8 *)val)[i] & 15];
	}
	hex[2 * size] = 0;
	err = goferc_setxattr(goferfs_conn(gi), h, name, hex, flags);
	free(hex);
	return err;
}

int goferfs_xattr_remove(struct goferfs_inode *gi, const char *name)
{
	u32 h;
	int err = handle(gi, &h);

	return err ? err : goferc_setxattr(goferfs_conn(gi), h, name, NULL, 0);
}
