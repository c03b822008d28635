/*
 * The gofer protocol's wire format (see proto.h): a bounded msgpack writer and reader,
 * the request decoder the gofer runs on everything the Sentry sends, and packet I/O
 * with one SCM_RIGHTS descriptor. Shared by the gofer and the Sentry's client.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"

static void put_raw(struct gofer_wr *w, const void *p, size_t n)
{
	if (w->bad || w->cap - w->len < n) {
		w->bad = true;
		return;
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

static void put_be(struct gofer_wr *w, uint8_t tag, uint64_t v, int bytes)
{
	uint8_t b[9];

	b[0] = tag;
	for (int i = 0; i < bytes; i++)
		b[1 + i] = v >> (8 * (bytes - 1 - i));
	put_raw(w, b, 1 + bytes);
}

void gofer_put_array(struct gofer_wr *w, uint32_t n)
{
	if (n < 16) {
		uint8_t b = 0x90 | n;

		put_raw(w, &b, 1);
	} else if (n < 0x10000) {
		put_be(w, 0xdc, n, 2);
	} else {
		put_be(w, 0xdd, n, 4);
	}
}

void gofer_put_uint(struct gofer_wr *w, uint64_t v)
{
	if (v < 128) {
		uint8_t b = v;

		put_raw(w, &b, 1);
	} else if (v < 0x100) {
		put_be(w, 0xcc, v, 1);
	} else if (v < 0x10000) {
		put_be(w, 0xcd, v, 2);
	} else if (v < 0x100000000ULL) {
		put_be(w, 0xce, v, 4);
	} else {
		put_be(w, 0xcf, v, 8);
	}
}

void gofer_put_int(struct gofer_wr *w, int64_t v)
{
	if (v >= 0)
		gofer_put_uint(w, v);
	else if (v >= -32)
		put_raw(w, &(uint8_t){ (uint8_t)v }, 1);
	else
		put_be(w, 0xd3, (uint64_t)v, 8);
}

void gofer_put_str(struct gofer_wr *w, const char *s, size_t len)
{
	if (len < 32) {
		uint8_t b = 0xa0 | len;

		put_raw(w, &b, 1);
	} else if (len < 0x100) {
		put_be(w, 0xd9, len, 1);
	} else if (len < 0x10000) {
		put_be(w, 0xda, len, 2);
	} else {
		put_be(w, 0xdb, len, 4);
	}
	put_raw(w, s, len);
}

void gofer_put_stat(struct gofer_wr *w, const struct gofer_stat *st)
{
	gofer_put_array(w, GOFER_STAT_FIELDS);
	gofer_put_uint(w, st->mode);
	gofer_put_uint(w, st->ino);
	gofer_put_uint(w, st->dev);
	gofer_put_uint(w, st->nlink);
	gofer_put_uint(w, st->uid);
	gofer_put_uint(w, st->gid);
	gofer_put_uint(w, st->size);
	gofer_put_uint(w, st->blocks);
	gofer_put_uint(w, st->blksize);
	gofer_put_uint(w, st->rdev);
	gofer_put_int(w, st->atime_sec);
	gofer_put_int(w, st->atime_nsec);
	gofer_put_int(w, st->mtime_sec);
	gofer_put_int(w, st->mtime_nsec);
	gofer_put_int(w, st->ctime_sec);
	gofer_put_int(w, st->ctime_nsec);
}

static int get_be(struct gofer_rd *r, int bytes, uint64_t *v)
{
	if (r->len - r->off < (size_t)bytes)
		return -EBADMSG;
	*v = 0;
	for (int i = 0; i < bytes; i++)
		*v = (*v << 8) | r->p[r->off++];
	return 0;
}

static int get_tag(struct gofer_rd *r, uint8_t *tag)
{
	if (r->off >= r->len)
		return -EBADMSG;
	*tag = r->p[r->off++];
	return 0;
}

int gofer_get_array(struct gofer_rd *r, uint32_t *n)
{
	uint64_t v;
	uint8_t t;

	if (get_tag(r, &t))
		return -EBADMSG;
	if ((t & 0xf0) == 0x90) {
		*n = t & 0x0f;
		return 0;
	}
	if (t == 0xdc && !get_be(r, 2, &v)) {
		*n = v;
		return 0;
	}
	if (t == 0xdd && !get_be(r, 4, &v)) {
		*n = v;
		return 0;
	}
	return -EBADMSG;
}

int gofer_get_int(struct gofer_rd *r, int64_t *v)
{
	uint64_t u;
	uint8_t t;

	if (get_tag(r, &t))
		return -EBADMSG;
	if (t < 0x80) {
		*v = t;
		return 0;
	}
	if (t >= 0xe0) {
		*v = (int8_t)t;
		return 0;
	}
	switch (t) {
	case 0xcc: case 0xd0:
		if (get_be(r, 1, &u))
			return -EBADMSG;
		*v = t == 0xd0 ? (int8_t)u : (int64_t)u;
		return 0;
	case 0xcd: case 0xd1:
		if (get_be(r, 2, &u))
			return -EBADMSG;
		*v = t == 0xd1 ? (int16_t)u : (int64_t)u;
		return 0;
	case 0xce: case 0xd2:
		if (get_be(r, 4, &u))
			return -EBADMSG;
		*v = t == 0xd2 ? (int32_t)u : (int64_t)u;
		return 0;
	case 0xcf: case 0xd3:
		if (get_be(r, 8, &u))
			return -EBADMSG;
		*v = (int64_t)u;
		return 0;
	}
	return -EBADMSG;
}

int gofer_get_uint(struct gofer_rd *r, uint64_t *v)
{
	size_t start = r->off;
	uint8_t t;

	if (r->off < r->len && (t = r->p[r->off]) == 0xcf) {
		r->off++;
		return get_be(r, 8, v);
	}
	if (gofer_get_int(r, (int64_t *)v))
		return -EBADMSG;
	if ((int64_t)*v < 0) {
		r->off = start;
		return -EBADMSG;
	}
	return 0;
}

int gofer_peek_str(struct gofer_rd *r)
{
	uint8_t t;

	if (r->off >= r->len)
		return -EBADMSG;
	t = r->p[r->off];
	return (t & 0xe0) == 0xa0 || t == 0xd9 || t == 0xda || t == 0xdb;
}

int gofer_get_str(struct gofer_rd *r, const char **s, uint32_t *len)
{
	uint64_t n;
	uint8_t t;

	if (get_tag(r, &t))
		return -EBADMSG;
	if ((t & 0xe0) == 0xa0)
		n = t & 0x1f;
	else if (t == 0xd9 ? get_be(r, 1, &n) : t == 0xda ? get_be(r, 2, &n) :
		 t == 0xdb ? get_be(r, 4, &n) : -1)
		return -EBADMSG;
	if (r->len - r->off < n)
		return -EBADMSG;
	*s = (const char *)r->p + r->off;
	*len = n;
	r->off += n;
	return 0;
}

int gofer_get_stat(struct gofer_rd *r, struct gofer_stat *st)
{
	uint64_t *u[] = { &st->mode, &st->ino, &st->dev, &st->nlink, &st->uid, &st->gid,
			  &st->size, &st->blocks, &st->blksize, &st->rdev };
	int64_t *s[] = { &st->atime_sec, &st->atime_nsec, &st->mtime_sec, &st->mtime_nsec,
			 &st->ctime_sec, &st->ctime_nsec };
	uint32_t n;

	if (gofer_get_array(r, &n) || n != GOFER_STAT_FIELDS)
		return -EBADMSG;
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (gofer_get_uint(r, u[i]))
			return -EBADMSG;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (gofer_get_int(r, s[i]))
			return -EBADMSG;
	return 0;
}

int gofer_req_decode(const void *buf, size_t len, struct gofer_req *req)
{
	struct gofer_rd r = { buf, len, 0 };
	size_t used = 0;
	uint64_t op;
	uint32_t n;

	if (gofer_get_array(&r, &n) || n < 1 || n > GOFER_MAX_ARGS + 1)
		return -EBADMSG;
	if (gofer_get_uint(&r, &op) || op == 0 || op >= GOFER_OP_MAX)
		return -EINVAL;
	req->op = op;
	req->nargs = n - 1;
	for (uint32_t i = 0; i < req->nargs; i++) {
		struct gofer_arg *a = &req->arg[i];
		int isstr = gofer_peek_str(&r);

		if (isstr < 0)
			return -EBADMSG;
		if (isstr) {
			const char *s;
			uint32_t l;

			if (gofer_get_str(&r, &s, &l))
				return -EBADMSG;
			if (l >= GOFER_PATH_MAX || memchr(s, 0, l) ||
			    used + l + 1 > sizeof(req->strbuf))
				return -EINVAL;
			memcpy(req->strbuf + used, s, l);
			req->strbuf[used + l] = 0;
			a->kind = GOFER_ARG_STR;
			a->s = req->strbuf + used;
			a->len = l;
			used += l + 1;
		} else {
			a->kind = GOFER_ARG_UINT;
			if (gofer_get_uint(&r, &a->u))
				return -EBADMSG;
		}
	}
	return r.off == len ? 0 : -EBADMSG;
}

/* h: handle, u: unsigned, s: name (one component), t: symlink target. */
static const char *const signatures[GOFER_OP_MAX] = {
	[GOFER_WALK] = "hs",
	[GOFER_STAT] = "h",
	[GOFER_OPEN] = "hu",
	[GOFER_CREATE] = "hsuu",
	[GOFER_MKDIR] = "hsu",
	[GOFER_MKNOD] = "hsu",
	[GOFER_SYMLINK] = "hst",
	[GOFER_LINK] = "hhs",
	[GOFER_UNLINK] = "hsu",
	[GOFER_RENAME] = "hshsu",
	[GOFER_READLINK] = "h",
	[GOFER_READDIR] = "hu",
	[GOFER_SETATTR] = "huuuuuuuuu",
	[GOFER_STATFS] = "h",
	[GOFER_CLOSE] = "h",
	[GOFER_FSYNC] = "h",
	[GOFER_GETXATTRS] = "h",
	[GOFER_SETXATTR] = "htvu",
	[GOFER_REMOVEXATTR] = "ht",
};

const char *gofer_op_signature(uint32_t op)
{
	return op < GOFER_OP_MAX ? signatures[op] : NULL;
}

int gofer_name_check(const char *name, size_t len)
{
	if (!len || memchr(name, '/', len) || memchr(name, 0, len))
		return -EINVAL;
	if (len > GOFER_NAME_MAX)
		return -ENAMETOOLONG;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return -EINVAL;
	return 0;
}

int gofer_req_check(const struct gofer_req *req)
{
	const char *sig = gofer_op_signature(req->op);

	if (!sig || strlen(sig) != req->nargs)
		return -EINVAL;
	for (uint32_t i = 0; i < req->nargs; i++) {
		const struct gofer_arg *a = &req->arg[i];
		bool str = sig[i] == 's' || sig[i] == 't' || sig[i] == 'v';

		if (str != (a->kind == GOFER_ARG_STR))
			return -EINVAL;
		if (sig[i] == 'v' && (a->len % 2 || strspn(a->s, "0123456789abcdef") != a->len))
			return -EINVAL;
		if (sig[i] == 's' && gofer_name_check(a->s, a->len))
			return -EINVAL;
		if (sig[i] == 't' && !a->len)
			return -ENOENT;
	}
	return 0;
}

int gofer_send(int sock, const void *buf, size_t len, int fd)
{
	struct iovec iov = { (void *)buf, len };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&c.h), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

long gofer_recv(int sock, void *buf, size_t cap, int *fd)
{
	struct iovec iov = { buf, cap };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} c;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		int nfd, fds[4];

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(h), nfd * sizeof(int));
		for (int i = 0; i < nfd; i++) {
			if (*fd < 0)
				*fd = fds[i];
			else
				close(fds[i]);
		}
	}
	if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EMSGSIZE;
	}
	if (n == 0)
		return -ECONNRESET;
	return n;
}
