/*
 * The gofer protocol, shared by the gofer (gofer/) and its client in the Sentry
 * (kernel/fs/gofer/). One unix SOCK_SEQPACKET socket per served directory; every
 * message is one msgpack array in one packet. The Sentry sends a request and waits
 * for its reply; a host descriptor (an opened file) comes with the reply as
 * SCM_RIGHTS. Nothing the Sentry sends is trusted: the gofer decodes a request with
 * gofer_req_decode(), which bounds every count and string, and checks each
 * argument's kind against the operation's signature before acting on it.
 *
 * Request:  [op, arg...]        each arg an unsigned integer or a string
 * Reply:    [err, result...]    err is 0 or a positive errno
 *
 * Nodes are named by handles: small integers the gofer hands out for each walked
 * file (it keeps an O_PATH descriptor per handle). Handle 1 is the served root.
 * Names are single path components: never empty, ".", "..", or containing '/' or
 * NUL. The Sentry resolves paths, symlinks and ".." itself.
 *
 *   op        args                         result
 *   WALK      h name                       h stat
 *   STAT      h                            stat
 *   OPEN      h flags                      (fd)
 *   CREATE    h name flags mode            h stat (fd)
 *   MKDIR     h name mode                  h stat
 *   MKNOD     h name mode                  h stat            (fifos only)
 *   SYMLINK   h name target                h stat
 *   LINK      h dirh name                  h stat
 *   UNLINK    h name flags                 -                 (flags: AT_REMOVEDIR)
 *   RENAME    h name newdirh newname flags -
 *   READLINK  h                            target
 *   READDIR   h cookie                     [[name type ino]...] next-cookie (0: end)
 *   SETATTR   h mask mode uid gid size atime_s atime_ns mtime_s mtime_ns   stat
 *   STATFS    h                            [type bsize blocks bfree bavail files
 *                                           ffree namelen frsize flags]
 *   CLOSE     h                            -
 *   FSYNC     h                            -                 (the file's data to disk)
 *   GETXATTRS h                            [name value ...]  (every extended attribute
 *                                           the gofer may read; a reply that would
 *                                           not fit a packet: EMSGSIZE)
 *   SETXATTR  h name value flags           -                 (value in hex, so at most
 *                                           GOFER_XATTR_VALUE_MAX bytes; flags:
 *                                           XATTR_CREATE, XATTR_REPLACE)
 *   REMOVEXATTR h name                     -
 *
 * stat is the array [mode ino dev nlink uid gid size blocks blksize rdev atime_s
 * atime_ns mtime_s mtime_ns ctime_s ctime_ns].
 */
#ifndef SBX_GOFER_PROTO_H
#define SBX_GOFER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gofer_op {
	GOFER_WALK = 1,
	GOFER_STAT,
	GOFER_OPEN,
	GOFER_CREATE,
	GOFER_MKDIR,
	GOFER_MKNOD,
	GOFER_SYMLINK,
	GOFER_LINK,
	GOFER_UNLINK,
	GOFER_RENAME,
	GOFER_READLINK,
	GOFER_READDIR,
	GOFER_SETATTR,
	GOFER_STATFS,
	GOFER_CLOSE,
	GOFER_FSYNC,
	GOFER_GETXATTRS,
	GOFER_SETXATTR,
	GOFER_REMOVEXATTR,
	GOFER_OP_MAX,
};

#define GOFER_ROOT_HANDLE 1
#define GOFER_MSG_MAX (64 * 1024)       /* largest packet either side sends */
#define GOFER_NAME_MAX 255
#define GOFER_PATH_MAX 4096
#define GOFER_MAX_ARGS 12
#define GOFER_READDIR_BYTES (48 * 1024) /* a READDIR reply stays below this */
/* A SETXATTR value travels as a hex string argument, below GOFER_PATH_MAX. */
#define GOFER_XATTR_VALUE_MAX ((GOFER_PATH_MAX - 1) / 2)

/* SETATTR mask bits. */
#define GOFER_SET_MODE 0x1
#define GOFER_SET_UID 0x2
#define GOFER_SET_GID 0x4
#define GOFER_SET_SIZE 0x8
#define GOFER_SET_ATIME 0x10
#define GOFER_SET_MTIME 0x20
/* A time of GOFER_TIME_NOW nanoseconds means "now" (UTIME_NOW). */
#define GOFER_TIME_NOW ((1UL << 30) - 1)

struct gofer_stat {
	uint64_t mode, ino, dev, nlink, uid, gid, size, blocks, blksize, rdev;
	int64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

#define GOFER_STAT_FIELDS 16

enum gofer_arg_kind { GOFER_ARG_UINT = 'u', GOFER_ARG_STR = 's' };

struct gofer_arg {
	char kind;              /* GOFER_ARG_* */
	uint64_t u;
	const char *s;          /* NUL-terminated copy inside the request */
	uint32_t len;
};

/* A decoded request; strings point into @strbuf. */
struct gofer_req {
	uint32_t op;
	uint32_t nargs;
	struct gofer_arg arg[GOFER_MAX_ARGS];
	char strbuf[GOFER_MSG_MAX];
};

/*
 * Decodes one request packet of @len bytes. Returns 0, or -EINVAL/-EBADMSG for
 * anything that is not an array of a known op followed by at most GOFER_MAX_ARGS
 * unsigned integers and strings (strings without NUL bytes, at most
 * GOFER_PATH_MAX - 1 long).
 */
int gofer_req_decode(const void *buf, size_t len, struct gofer_req *req);
/* The argument signature of @op, or NULL if unknown: h handle, u integer, s a path
 * component, t a non-empty string, v an even-length hex string (maybe empty). */
const char *gofer_op_signature(uint32_t op);
/* 0 if @req's arguments match its op's signature, -EINVAL otherwise. */
int gofer_req_check(const struct gofer_req *req);
/* 0 if @name is one valid path component, -EINVAL (or -ENAMETOOLONG) otherwise. */
int gofer_name_check(const char *name, size_t len);

/*
 * A minimal msgpack writer and reader over caller buffers (no allocation), enough
 * for the messages above: arrays, integers and strings. The writer marks @bad on
 * overflow; the reader's functions return 0 or -EBADMSG and never read past @len.
 */
struct gofer_wr {
	uint8_t *p;
	size_t len, cap;
	bool bad;
};

struct gofer_rd {
	const uint8_t *p;
	size_t len, off;
};

void gofer_put_array(struct gofer_wr *w, uint32_t n);
void gofer_put_uint(struct gofer_wr *w, uint64_t v);
void gofer_put_int(struct gofer_wr *w, int64_t v);
void gofer_put_str(struct gofer_wr *w, const char *s, size_t len);
void gofer_put_stat(struct gofer_wr *w, const struct gofer_stat *st);

int gofer_get_array(struct gofer_rd *r, uint32_t *n);
int gofer_get_uint(struct gofer_rd *r, uint64_t *v);
int gofer_get_int(struct gofer_rd *r, int64_t *v);
/* The string's bytes stay in the packet: *s points there, not NUL-terminated. */
int gofer_get_str(struct gofer_rd *r, const char **s, uint32_t *len);
int gofer_get_stat(struct gofer_rd *r, struct gofer_stat *st);
/* 1 if the next value is a string, 0 if not, -EBADMSG at the end. */
int gofer_peek_str(struct gofer_rd *r);

/* Sends @len bytes with @fd (or -1) attached; receives one packet into @buf of
 * @cap bytes and a descriptor if one came (else *fd = -1). 0/-errno; receive
 * returns the length. Either side of the socket uses these. */
int gofer_send(int sock, const void *buf, size_t len, int fd);
long gofer_recv(int sock, void *buf, size_t cap, int *fd);

#endif
