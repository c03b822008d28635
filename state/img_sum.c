/*
 * img_sum64: a 64-bit checksum for image sections, following the published xxHash64
 * algorithm (four lanes of multiply-rotate rounds over 32-byte stripes, then a merge
 * and an avalanche). It runs at memory speed, which is what a checksum over every
 * byte of a memory image needs. img_sum_add takes the bytes in pieces, for data
 * that is not in one place (a chunk's raw pages stay where they are until they are
 * written): the sum of pieces is the sum of the bytes they make together.
 */
#include <string.h>

#include "img.h"

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t round64(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	acc = rotl(acc, 31);
	return acc * P1;
}

static inline uint64_t merge(uint64_t acc, uint64_t v)
{
	acc ^= round64(0, v);
	return acc * P1 + P4;
}

void img_sum_init(struct img_sum *s, uint64_t seed)
{
	*s = (struct img_sum){ .v = { seed + P1 + P2, seed + P2, seed, seed - P1 },
			       .seed = seed };
}

static void stripes(uint64_t v[4], const uint8_t *p, size_t n)
{
	uint64_t v1 = v[0], v2 = v[1], v3 = v[2], v4 = v[3];

	for (; n; n--, p += 32) {
		v1 = round64(v1, rd64(p));
		v2 = round64(v2, rd64(p + 8));
		v3 = round64(v3, rd64(p + 16));
		v4 = round64(v4, rd64(p + 24));
	}
	v[0] = v1;
	v[1] = v2;
	v[2] = v3;
	v[3] = v4;
}

void img_sum_add(struct img_sum *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	s->len += len;
	if (s->n) {                     /* finish the stripe begun by the last piece */
		size_t k = 32 - s->n < len ? 32 - s->n : len;

		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		len -= k;
		if (s->n < 32)
			return;
		stripes(s->v, s->buf, 1);
		s->n = 0;
	}
	stripes(s->v, p, len / 32);
	p += len / 32 * 32;
	s->n = len % 32;
	memcpy(s->buf, p, s->n);
}

uint64_t img_sum_end(const struct img_sum *s)
{
	const uint8_t *p = s->buf, *end = p + s->n;
	const uint64_t *v = s->v;
	uint64_t h;

	if (s->len >= 32) {
		h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
		h = merge(merge(merge(merge(h, v[0]), v[1]), v[2]), v[3]);
	} else {
		h = s->seed + P5;
	}
	h += s->len;
	for (; p + 8 <= end; p += 8)
		h = rotl(h ^ round64(0, rd64(p)), 27) * P1 + P4;
	if (p + 4 <= end) {
		h = rotl(h ^ (uint64_t)rd32(p) * P1, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl(h ^ *p * P5, 11) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

uint64_t img_sum64(const void *buf, size_t len, uint64_t seed)
{
	struct img_sum s;

	img_sum_init(&s, seed);
	img_sum_add(&s, buf, len);
	return img_sum_end(&s);
}
