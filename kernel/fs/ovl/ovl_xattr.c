/*
 * Extended attributes of overlay, tmpfs and memfd inodes, kept in memory as Linux's
 * tmpfs keeps them (mm/shmem.c over fs/xattr.c's simple_xattr): a set of name/value
 * pairs per inode, listed in name order. The syscall layer has checked the name's
 * namespace and the caller's permission; this file only stores.
 *
 * The set is one packed buffer, so the inode's codec saves it as bytes: records of
 * a name length (u8), the name (no NUL), a value length (u32, host order: images
 * are refused across architectures) and the value, sorted by name. Attributes are
 * few and small, so every operation walks the buffer.
 *
 * A lower inode's set starts as the host file's own attributes, read once through
 * the gofer (GETXATTRS) before the first xattr call looks at it, or at the data's
 * copy-up, as overlayfs copies them up; from then on the set is the inode's, as its
 * mode is, so a change needs no data copy-up. Everything is under vfs_lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "fs/gofer/goferc.h"
#include "fs/ovl/ovl.h"

struct rec {
	const char *name;
	u32 name_len, value_len;
	const u8 *value;
	u32 off, len;           /* of the whole record in the buffer */
};

/* Decodes the record at @off; false at the end (or on a torn buffer). */
static bool rec_at(const struct ovl_inode *oi, u32 off, struct rec *r)
{
	const u8 *b = oi->xattrs;

	if (off + 1 > oi->xattr_len)
		return false;
	r->name_len = b[off];
	if (off + 1 + r->name_len + 4 > oi->xattr_len)
		return false;
	r->name = (const char *)b + off + 1;
	memcpy(&r->value_len, b + off + 1 + r->name_len, 4);
	if (off + 5 + r->name_len + r->value_len > oi->xattr_len)
		return false;
	r->value = b + off + 5 + r->name_len;
	r->off = off;
	r->len = 5 + r->name_len + r->value_len;
	return true;
}

/* Compares record @r's name with @name (strcmp order). */
static int rec_cmp(const struct rec *r, const char *name, size_t len)
{
	int c = memcmp(r->name, name, MIN(r->name_len, len));

	return c ? c : (int)r->name_len - (int)len;
}

/* Finds @name: true with *r set, or false with r->off where it would go. */
static bool find(const struct ovl_inode *oi, const char *name, struct rec *r)
{
	size_t len = strlen(name);
	u32 off = 0;

	while (rec_at(oi, off, r)) {
		int c = rec_cmp(r, name, len);

		if (!c)
			return true;
		if (c > 0)
			break;
		off += r->len;
	}
	r->off = off;
	return false;
}

int ovl_xattr_get(struct ovl_inode *oi, const char *name, void *buf, size_t size)
{
	struct rec r;

	if (!find(oi, name, &r))
		return -ENODATA;
	if (size && size < r.value_len)
		return -ERANGE;
	if (size)
		memcpy(buf, r.value, r.value_len);
	return r.value_len;
}

/* Replaces bytes [off, off+old) of the buffer by @add bytes from @src. Growth is
 * charged to the sandbox's memory limit (-ENOMEM past it, as Linux's
 * simple_xattr_alloc in a full memory cgroup), unless @force. */
static int splice_buf(struct ovl_inode *oi, u32 off, u32 old, const u8 *src, u32 add,
		      bool force)
{
	u32 len = oi->xattr_len - old + add;
	u8 *b = oi->xattrs;

	if (add > old) {
		if (ovl_charge(oi, add - old, force))
			return -ENOMEM;
		b = realloc(b, len);
		if (!b) {
			ovl_charge(oi, -(s64)(add - old), false);
			return -ENOMEM;
		}
		oi->xattrs = b;
	} else {
		ovl_charge(oi, -(s64)(old - add), false);
	}
	memmove(b + off + add, b + off + old, oi->xattr_len - off - old);
	if (add)
		memcpy(b + off, src, add);
	oi->xattr_len = len;
	if (!len) {
		free(oi->xattrs);
		oi->xattrs = NULL;
	}
	return 0;
}

static int store(struct ovl_inode *oi, const char *name, const void *value, size_t size,
		 int flags, bool force)
{
	size_t name_len = strlen(name);
	u32 vlen = size;
	struct rec r;
	bool have = find(oi, name, &r);
	u8 *rec;
	int err;

	if (have && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!have && (flags & XATTR_REPLACE))
		return -ENODATA;
	if (name_len > XATTR_NAME_MAX || size > XATTR_SIZE_MAX)
		return -ERANGE;         /* the syscall layer has refused these already */
	rec = malloc(5 + name_len + size);
	if (!rec)
		return -ENOMEM;
	rec[0] = name_len;
	memcpy(rec + 1, name, name_len);
	memcpy(rec + 1 + name_len, &vlen, 4);
	memcpy(rec + 5 + name_len, value, size);
	err = splice_buf(oi, r.off, have ? r.len : 0, rec, 5 + name_len + size, force);
	free(rec);
	return err;
}

/* A change the sandbox made: the inode is more than its lower file now. */
int ovl_xattr_set(struct ovl_inode *oi, const char *name, const void *value, size_t size,
		  int flags)
{
	int err = store(oi, name, value, size, flags, false);

	if (!err)
		oi->changed = true;
	return err;
}

int ovl_xattr_remove(struct ovl_inode *oi, const char *name)
{
	struct rec r;
	int err;

	if (!find(oi, name, &r))
		return -ENODATA;
	err = splice_buf(oi, r.off, r.len, NULL, 0, false);
	if (!err)
		oi->changed = true;
	return err;
}

s64 ovl_xattr_list(struct ovl_inode *oi, bool trusted, char *buf, size_t size)
{
	size_t need = 0;
	struct rec r;

	for (u32 off = 0; rec_at(oi, off, &r); off += r.len) {
		if (!trusted && r.name_len >= 8 && !memcmp(r.name, "trusted.", 8))
			continue;       /* hidden without CAP_SYS_ADMIN, as Linux */
		if (size) {
			if (need + r.name_len + 1 > size)
				return -ERANGE;
			memcpy(buf + need, r.name, r.name_len);
			buf[need + r.name_len] = 0;
		}
		need += r.name_len + 1;
	}
	return need;
}

/* One host attribute: the gofer's bytes, so a name no syscall could have made (empty,
 * too long, with a NUL) or an oversized value is dropped. */
static int add_lower(void *arg, const char *name, size_t len, const void *val, size_t vlen)
{
	char n[XATTR_NAME_MAX + 1];
	int err;

	if (!len || len > XATTR_NAME_MAX || memchr(name, 0, len) || vlen > XATTR_SIZE_MAX)
		return 0;
	memcpy(n, name, len);
	n[len] = 0;
	/* The host's attributes, read on demand, are not the sandbox's doing. */
	err = store(arg, n, val, vlen, XATTR_CREATE, true);
	return err == -EEXIST ? 0 : err;
}

int ovl_xattr_lower(struct ovl_inode *oi)
{
	int err;

	if (oi->xattr_lower_read || !oi->lower_path || !oi->fs ||
	    oi->fs->gofer == OVL_NO_GOFER)
		return 0;
	if (!oi->lower_h)
		return -ESTALE;
	err = goferc_getxattrs(goferc_get(oi->fs->gofer), oi->lower_h, add_lower, oi);
	if (err == -EMSGSIZE)
		return -E2BIG;  /* more than a gofer packet holds */
	if (!err)
		oi->xattr_lower_read = true;
	return err;
}
