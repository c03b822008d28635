/*
 * Hostile input: every truncation and many bit flips of a graph and of an image, and
 * crafted documents (huge counts, ids out of range, wrong types, objects linked twice,
 * union members against their tag, unreferenced objects, decompression bombs, another
 * architecture). Each must be refused with an error, never crash, hang or allocate
 * what a length claims. Run under ASan (SBX_SANITIZE) for the full effect.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "tgraph_util.h"
#include "timage.h"
#include "tests.h"

static int decode(const void *buf, size_t len, char *err)
{
	struct st_dec *d;
	int rc = st_dec_new(&d, buf, len, NULL);

	if (rc)
		return rc;
	rc = st_dec_run(d);
	snprintf(err, 256, "%s", st_dec_error(d));
	st_dec_discard(d);      /* a flipped graph need not be a ring: free it all */
	st_dec_destroy(d);
	return rc;
}

START_TEST(graph_truncated_anywhere)
{
	struct tg_node *a = tg_build(4, 2);
	char err[256];
	void *buf;
	size_t len;

	ck_assert_int_eq(tg_encode(a, &buf, &len), 0);
	for (size_t n = 0; n < len; n++) {
		void *copy = malloc(n + 1);

		memcpy(copy, buf, n);
		ck_assert_int_lt(decode(copy, n, err), 0);
		free(copy);
	}
	tg_free(a);
	free(buf);
}
END_TEST

START_TEST(graph_bit_flips)
{
	struct tg_node *a = tg_build(3, 2);
	uint8_t *copy;
	char err[256];
	void *buf;
	size_t len;

	ck_assert_int_eq(tg_encode(a, &buf, &len), 0);
	copy = malloc(len);
	for (size_t i = 0; i < len * 8; i++) {
		memcpy(copy, buf, len);
		copy[i / 8] ^= 1u << (i % 8);
		decode(copy, len, err);         /* any result but a crash */
	}
	free(copy);
	tg_free(a);
	free(buf);
}
END_TEST

/* A document with the real type table of tg_node's fields, one object, body given. */
static size_t craft(char *out, const char *objects_hex)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t n, len;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 6);
	msgpack_pack_str_with_body(&pk, "sbx-graph", 9);
	msgpack_pack_uint32(&pk, 1);
	msgpack_pack_uint32(&pk, 0);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_str_with_body(&pk, "tg_node", 7);
	msgpack_pack_array(&pk, 4);
	const char *names[] = { "next", "items", "kind", "u.num" };
	for (int i = 0; i < 4; i++) {
		msgpack_pack_array(&pk, 2);
		msgpack_pack_str_with_body(&pk, names[i], strlen(names[i]));
		msgpack_pack_str_with_body(&pk, "?", 1);
	}
	msgpack_pack_array(&pk, 2);
	msgpack_pack_str_with_body(&pk, "tg_item", 7);
	msgpack_pack_array(&pk, 0);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_str_with_body(&pk, "root", 4);
	msgpack_pack_uint32(&pk, 1);
	memcpy(out, sb.data, sb.size);
	len = sb.size;
	msgpack_sbuffer_destroy(&sb);
	for (n = 0; objects_hex[2 * n]; n++)
		sscanf(objects_hex + 2 * n, "%2hhx", &out[len + n]);
	return len + n;
}

static void expect_refused(const char *hex, int err, const char *msg)
{
	char doc[4096], why[256] = "";
	size_t len = craft(doc, hex);

	ck_assert_errno(decode(doc, len, why), err);
	ck_assert_msg(strstr(why, msg), "'%s' lacks '%s'", why, msg);
}

START_TEST(crafted_graphs)
{
	/* objects: array(1) [0, {}] is a valid lone node (next NULL) */
	char doc[4096], why[256];
	size_t len = craft(doc, "91" "92" "00" "80");

	ck_assert_msg(decode(doc, len, why) == 0, "%s", why);
	expect_refused("dd7fffffff", EBADMSG, "count beyond");            /* huge count */
	expect_refused("91" "92" "00" "81" "00" "05", EINVAL, "out of range"); /* next = #5 */
	expect_refused("91" "92" "00" "81" "09" "00", EINVAL, "field index");
	expect_refused("92" "92" "00" "81" "00" "02" "92" "01" "80", EINVAL, "not a tg_node");
	expect_refused("92" "92" "00" "80" "92" "00" "80", EINVAL, "not referenced");
	expect_refused("91" "92" "05" "80", EINVAL, "type index");
	/* items: the same item twice */
	expect_refused("92" "92" "00" "81" "01" "92" "02" "02" "92" "01" "80", EINVAL,
		       "linked twice");
	/* u.num while kind is 0 */
	expect_refused("91" "92" "00" "81" "03" "05", EINVAL, "does not match its tag");
	/* kind after u.num */
	expect_refused("91" "92" "00" "82" "03" "05" "02" "01", EINVAL, "does not match");
	/* a map claiming 2^32-1 entries */
	expect_refused("91" "92" "00" "dfffffffff", EBADMSG, "count beyond");
	expect_refused("91" "92" "00" "81" "00" "a3" "616263", EBADMSG, "expected an integer");
	expect_refused("91" "92" "00" "80" "00", EINVAL, "trailing");
}
END_TEST

START_TEST(allocation_limit)
{
	struct tg_node *a = tg_build(50, 0);
	struct st_dec *d;
	void *buf;
	size_t len;

	ck_assert_int_eq(tg_encode(a, &buf, &len), 0);
	ck_assert_int_eq(st_dec_new(&d, buf, len, NULL), 0);
	st_dec_set_limit(d, 10 * sizeof(struct tg_node));
	ck_assert_errno(st_dec_run(d), EFBIG);
	st_dec_destroy(d);
	tg_free(a);
	free(buf);
}
END_TEST

static int image_result(const void *img, size_t len, int memfd)
{
	int fd = memfd_create("h", 0), rc;
	char err[256] = "";

	ck_assert_int_eq(write(fd, img, len), (ssize_t)len);
	lseek(fd, 0, SEEK_SET);
	rc = tm_read_image(fd, memfd, 3, 1, 2, err);
	close(fd);
	return rc;
}

static void *image_bytes(int memfd, enum img_comp c, size_t *len)
{
	struct img_mem_opts o = { c, 1, 2, 8192 };
	int fd = memfd_create("i", 0);
	void *buf;

	ck_assert_int_eq(tm_write_image(fd, memfd, 3, 1, &o, 1), 0);
	*len = lseek(fd, 0, SEEK_END);
	buf = malloc(*len);
	ck_assert_int_eq(pread(fd, buf, *len, 0), (ssize_t)*len);
	close(fd);
	return buf;
}

START_TEST(image_truncated_and_flipped)
{
	enum img_comp c = _i;
	int memfd;
	size_t len;
	uint8_t *img;
	unsigned seed = 1;

	ck_assert_int_eq(tm_memfd(24, 4, &memfd), 0);
	uint8_t *good;

	img = image_bytes(memfd, c, &len);
	good = malloc(len);
	memcpy(good, img, len);
	ck_assert_int_eq(image_result(img, len, memfd), 0);
	for (size_t n = 0; n < len; n += 1 + n / 16)
		ck_assert_int_lt(image_result(img, n, memfd), 0);
	for (int i = 0; i < 300; i++) {
		size_t at = rand_r(&seed) % len;

		img[at] ^= 1u << (rand_r(&seed) % 8);
		/* checksums everywhere: a flipped bit is always caught */
		ck_assert_int_lt(image_result(img, len, memfd), 0);
		img[at] = good[at];
	}
	free(good);
	free(img);
	close(memfd);
}
END_TEST

/* Patch a section header at off and fix its header checksum. */
static void patch_sect(uint8_t *img, size_t off, uint64_t len, uint64_t aux, uint64_t csum)
{
	uint32_t zero = 0, sum;

	memcpy(img + off + 16, &len, 8);
	memcpy(img + off + 24, &aux, 8);
	memcpy(img + off + 32, &csum, 8);
	memcpy(img + off + 12, &zero, 4);
	sum = (uint32_t)img_sum64(img + off, 40, 0);
	memcpy(img + off + 12, &sum, 4);
}

START_TEST(crafted_images)
{
	uint8_t img[1 << 16], *bomb;
	size_t len, blen, zlen, hdr = 128 + 8;
	int memfd;
	uint8_t *good;
	uint32_t arch = IMG_ARCH_AARCH64;
	struct img_reader *r;
	struct img_header h;

	ck_assert_int_eq(tm_memfd(24, 4, &memfd), 0);
	good = image_bytes(memfd, IMG_COMP_ZSTD, &len);
	ck_assert_uint_lt(len, sizeof(img));

	/* another architecture: refused by name, even before the checksum */
	memcpy(img, good, len);
	memcpy(img + 12, &arch, 4);
	{
		int fd = memfd_create("a", 0);

		ck_assert_int_eq(write(fd, img, len), (ssize_t)len);
		lseek(fd, 0, SEEK_SET);
		ck_assert_int_eq(img_reader_new(&r, fd), 0);
		ck_assert_errno(img_read_header(r, &h), EPROTONOSUPPORT);
		ck_assert_msg(strstr(img_reader_error(r), "architecture"), "%s",
			      img_reader_error(r));
		img_reader_destroy(r);
		close(fd);
	}
	/* graph section claiming 2^40 bytes, and a zstd bomb in its place */
	memcpy(img, good, len);
	patch_sect(img, hdr, 1ull << 40, 0, 0);
	ck_assert_int_lt(image_result(img, len, memfd), 0);
	blen = 256 << 20;
	bomb = calloc(1, blen);
	zlen = ZSTD_compress(img + hdr + 40, sizeof(img) - hdr - 40, bomb, blen, 19);
	ck_assert(!ZSTD_isError(zlen));
	patch_sect(img, hdr, zlen, blen, img_sum64(img + hdr + 40, zlen, 0));
	ck_assert_int_lt(image_result(img, hdr + 40 + zlen, memfd), 0);
	free(bomb);
	free(good);
	close(memfd);
}
END_TEST

Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("hostile");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, graph_truncated_anywhere);
	tcase_add_test(tc, graph_bit_flips);
	tcase_add_test(tc, crafted_graphs);
	tcase_add_test(tc, allocation_limit);
	tcase_add_loop_test(tc, image_truncated_and_flipped, 0, 3);
	tcase_add_test(tc, crafted_images);
	suite_add_tcase(s, tc);
	return s;
}
