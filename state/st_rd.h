/*
 * A bounded reader over msgpack bytes, for untrusted input. It never allocates; every
 * count and length it returns has been checked against the bytes that remain (each
 * array element or map entry needs at least one byte), so a caller may allocate what
 * a header claims. Skipping is iterative, so nesting depth cannot exhaust the stack.
 * Errors are -EBADMSG with a static reason in r->why.
 */
#ifndef SBX_STATE_ST_RD_H
#define SBX_STATE_ST_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum st_mpk {
	MPK_NIL, MPK_BOOL, MPK_UINT, MPK_INT, MPK_FLOAT, MPK_STR, MPK_BIN,
	MPK_ARRAY, MPK_MAP, MPK_EXT, MPK_BAD, MPK_END,
};

struct st_rd {
	const uint8_t *base, *p, *end;
	const char *why;
};

static inline void st_rd_init(struct st_rd *r, const void *buf, size_t len)
{
	r->base = buf;
	r->p = buf;
	r->end = r->base + len;
	r->why = NULL;
}

static inline size_t st_rd_left(const struct st_rd *r)
{
	return r->end - r->p;
}

static inline size_t st_rd_pos(const struct st_rd *r)
{
	return r->p - r->base;
}

const char *st_mpk_name(enum st_mpk k);
enum st_mpk st_rd_kind(const struct st_rd *r);
int st_rd_nil(struct st_rd *r);         /* 1 if a nil was consumed, 0 if not nil */
int st_rd_bool(struct st_rd *r, bool *v);
int st_rd_uint(struct st_rd *r, uint64_t *v);
int st_rd_int(struct st_rd *r, int64_t *v);
int st_rd_double(struct st_rd *r, double *v);
int st_rd_str(struct st_rd *r, const char **s, uint32_t *len);
int st_rd_bin(struct st_rd *r, const void **p, uint32_t *len);
int st_rd_array(struct st_rd *r, uint32_t *n);
int st_rd_map(struct st_rd *r, uint32_t *n);
int st_rd_skip(struct st_rd *r);
/* A str that equals s exactly. */
int st_rd_expect_str(struct st_rd *r, const char *s);

#endif
