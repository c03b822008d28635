/*
 * Bounded msgpack reader (see st_rd.h). The msgpack format: one type byte, then a
 * big-endian length or value of 0, 1, 2, 4 or 8 bytes, then any payload.
 */
#include <errno.h>
#include <string.h>

#include "st_rd.h"

static const char *const kind_names[] = {
	[MPK_NIL] = "nil", [MPK_BOOL] = "bool", [MPK_UINT] = "uint", [MPK_INT] = "int",
	[MPK_FLOAT] = "float", [MPK_STR] = "str", [MPK_BIN] = "bin",
	[MPK_ARRAY] = "array", [MPK_MAP] = "map", [MPK_EXT] = "ext",
	[MPK_BAD] = "invalid byte", [MPK_END] = "end of data",
};

const char *st_mpk_name(enum st_mpk k)
{
	return k <= MPK_END ? kind_names[k] : "?";
}

static int bad(struct st_rd *r, const char *why)
{
	r->why = why;
	return -EBADMSG;
}

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

enum st_mpk st_rd_kind(const struct st_rd *r)
{
	uint8_t b;

	if (r->p >= r->end)
		return MPK_END;
	b = *r->p;
	if (b <= 0x7f || b == 0xcc || b == 0xcd || b == 0xce || b == 0xcf)
		return MPK_UINT;
	if (b >= 0xe0 || (b >= 0xd0 && b <= 0xd3))
		return MPK_INT;
	if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf)
		return MPK_MAP;
	if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd)
		return MPK_ARRAY;
	if ((b & 0xe0) == 0xa0 || (b >= 0xd9 && b <= 0xdb))
		return MPK_STR;
	switch (b) {
	case 0xc0: return MPK_NIL;
	case 0xc2: case 0xc3: return MPK_BOOL;
	case 0xc4: case 0xc5: case 0xc6: return MPK_BIN;
	case 0xca: case 0xcb: return MPK_FLOAT;
	case 0xc7: case 0xc8: case 0xc9:
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return MPK_EXT;
	}
	return MPK_BAD;
}

/* Consume the type byte and n bytes of big-endian argument. */
static int take(struct st_rd *r, unsigned n, uint64_t *v)
{
	if (st_rd_left(r) < 1 + (size_t)n)
		return bad(r, "truncated");
	*v = be(r->p + 1, n);
	r->p += 1 + n;
	return 0;
}

static int mismatch(struct st_rd *r, enum st_mpk want)
{
	static const char *const msgs[] = {
		[MPK_NIL] = "expected nil", [MPK_BOOL] = "expected bool",
		[MPK_UINT] = "expected an integer", [MPK_INT] = "expected an integer",
		[MPK_FLOAT] = "expected a float", [MPK_STR] = "expected str",
		[MPK_BIN] = "expected bin", [MPK_ARRAY] = "expected an array",
		[MPK_MAP] = "expected a map",
	};

	if (st_rd_kind(r) == MPK_END)
		return bad(r, "truncated");
	return bad(r, msgs[want]);
}

int st_rd_nil(struct st_rd *r)
{
	if (r->p < r->end && *r->p == 0xc0) {
		r->p++;
		return 1;
	}
	return 0;
}

int st_rd_bool(struct st_rd *r, bool *v)
{
	if (st_rd_kind(r) != MPK_BOOL)
		return mismatch(r, MPK_BOOL);
	*v = *r->p++ == 0xc3;
	return 0;
}

/* Any integer encoding as (negative?, magnitude bits). */
static int rd_integer(struct st_rd *r, int64_t *sv, uint64_t *uv, bool *neg)
{
	uint8_t b;
	uint64_t v;
	int rc;

	if (r->p >= r->end)
		return bad(r, "truncated");
	b = *r->p;
	*neg = false;
	if (b <= 0x7f) {
		r->p++;
		*uv = b;
		return 0;
	}
	if (b >= 0xe0) {
		r->p++;
		*neg = true;
		*sv = (int8_t)b;
		return 0;
	}
	if (b >= 0xcc && b <= 0xcf) {
		rc = take(r, 1u << (b - 0xcc), uv);
		return rc;
	}
	if (b >= 0xd0 && b <= 0xd3) {
		unsigned n = 1u << (b - 0xd0);

		rc = take(r, n, &v);
		if (rc)
			return rc;
		if (n < 8 && (v >> (n * 8 - 1)) & 1)
			v |= ~0ull << (n * 8);
		*sv = (int64_t)v;
		if (*sv >= 0)
			*uv = v;
		else
			*neg = true;
		return 0;
	}
	return mismatch(r, MPK_UINT);
}

int st_rd_uint(struct st_rd *r, uint64_t *v)
{
	int64_t s;
	bool neg;
	int rc = rd_integer(r, &s, v, &neg);

	if (!rc && neg)
		return bad(r, "negative value for an unsigned field");
	return rc;
}

int st_rd_int(struct st_rd *r, int64_t *v)
{
	uint64_t u;
	bool neg;
	int rc = rd_integer(r, v, &u, &neg);

	if (rc || neg)
		return rc;
	if (u > INT64_MAX)
		return bad(r, "integer too large for a signed field");
	*v = (int64_t)u;
	return 0;
}

int st_rd_double(struct st_rd *r, double *v)
{
	uint64_t bits;
	int64_t s;
	bool neg;
	int rc;

	if (st_rd_kind(r) == MPK_UINT || st_rd_kind(r) == MPK_INT) {
		rc = rd_integer(r, &s, &bits, &neg);
		if (!rc)
			*v = neg ? (double)s : (double)bits;
		return rc;
	}
	if (st_rd_kind(r) != MPK_FLOAT)
		return mismatch(r, MPK_FLOAT);
	if (*r->p == 0xca) {
		float f;
		uint32_t b32;

		rc = take(r, 4, &bits);
		if (rc)
			return rc;
		b32 = (uint32_t)bits;
		memcpy(&f, &b32, 4);
		*v = f;
		return 0;
	}
	rc = take(r, 8, &bits);
	if (!rc)
		memcpy(v, &bits, 8);
	return rc;
}

/* Header of a str/bin/array/map: its element count or byte length. */
static int rd_len(struct st_rd *r, uint64_t *n)
{
	uint8_t b = *r->p;

	if ((b & 0xe0) == 0xa0 || (b & 0xf0) == 0x80 || (b & 0xf0) == 0x90) {
		r->p++;
		*n = b & ((b & 0xe0) == 0xa0 ? 0x1f : 0x0f);
		return 0;
	}
	switch (b) {
	case 0xc4: case 0xd9: return take(r, 1, n);
	case 0xc5: case 0xda: case 0xdc: case 0xde: return take(r, 2, n);
	case 0xc6: case 0xdb: case 0xdd: case 0xdf: return take(r, 4, n);
	}
	return bad(r, "not a container");
}

static int rd_bytes(struct st_rd *r, enum st_mpk k, const void **p, uint32_t *len)
{
	uint64_t n;
	int rc;

	if (st_rd_kind(r) != k)
		return mismatch(r, k);
	rc = rd_len(r, &n);
	if (rc)
		return rc;
	if (n > st_rd_left(r))
		return bad(r, "length beyond the end of data");
	*p = r->p;
	*len = (uint32_t)n;
	r->p += n;
	return 0;
}

int st_rd_str(struct st_rd *r, const char **s, uint32_t *len)
{
	return rd_bytes(r, MPK_STR, (const void **)s, len);
}

int st_rd_bin(struct st_rd *r, const void **p, uint32_t *len)
{
	return rd_bytes(r, MPK_BIN, p, len);
}

int st_rd_array(struct st_rd *r, uint32_t *n)
{
	uint64_t v;
	int rc;

	if (st_rd_kind(r) != MPK_ARRAY)
		return mismatch(r, MPK_ARRAY);
	rc = rd_len(r, &v);
	if (rc)
		return rc;
	if (v > st_rd_left(r))
		return bad(r, "array count beyond the end of data");
	*n = (uint32_t)v;
	return 0;
}

int st_rd_map(struct st_rd *r, uint32_t *n)
{
	uint64_t v;
	int rc;

	if (st_rd_kind(r) != MPK_MAP)
		return mismatch(r, MPK_MAP);
	rc = rd_len(r, &v);
	if (rc)
		return rc;
	if (v * 2 > st_rd_left(r))
		return bad(r, "map count beyond the end of data");
	*n = (uint32_t)v;
	return 0;
}

/* Skip one value of scalar or byte kind; containers add to *pending. */
static int skip_one(struct st_rd *r, uint64_t *pending)
{
	static const uint8_t fixext[] = { 1, 2, 4, 8, 16 };
	enum st_mpk k = st_rd_kind(r);
	uint64_t v, n;
	int rc;

	switch (k) {
	case MPK_NIL: case MPK_BOOL:
		r->p++;
		return 0;
	case MPK_UINT: case MPK_INT: case MPK_FLOAT: {
		int64_t s;
		double d;
		bool neg;

		return k == MPK_FLOAT ? st_rd_double(r, &d) : rd_integer(r, &s, &v, &neg);
	}
	case MPK_STR: case MPK_BIN:
		rc = rd_len(r, &n);
		if (rc)
			return rc;
		if (n > st_rd_left(r))
			return bad(r, "length beyond the end of data");
		r->p += n;
		return 0;
	case MPK_ARRAY: case MPK_MAP:
		rc = rd_len(r, &n);
		if (rc)
			return rc;
		n *= k == MPK_MAP ? 2 : 1;
		if (n > st_rd_left(r))
			return bad(r, "count beyond the end of data");
		*pending += n;
		return 0;
	case MPK_EXT:
		if (*r->p >= 0xd4 && *r->p <= 0xd8) {
			n = 1 + fixext[*r->p - 0xd4];
			rc = take(r, 0, &v);
		} else {
			rc = take(r, 1u << (*r->p - 0xc7), &n);
			n += 1;
		}
		if (rc)
			return rc;
		if (n > st_rd_left(r))
			return bad(r, "ext beyond the end of data");
		r->p += n;
		return 0;
	case MPK_END:
		return bad(r, "truncated");
	default:
		return bad(r, "invalid msgpack type byte 0xc1");
	}
}

int st_rd_skip(struct st_rd *r)
{
	uint64_t pending = 1;
	int rc;

	/* Each step consumes at least one byte, and pending never exceeds what is left. */
	while (pending) {
		pending--;
		rc = skip_one(r, &pending);
		if (rc)
			return rc;
		if (pending > st_rd_left(r))
			return bad(r, "truncated");
	}
	return 0;
}

int st_rd_expect_str(struct st_rd *r, const char *s)
{
	const char *p;
	uint32_t n;
	int rc = st_rd_str(r, &p, &n);

	if (rc)
		return rc;
	if (n != strlen(s) || memcmp(p, s, n))
		return bad(r, "unexpected string");
	return 0;
}
