/*
 * Version tolerance: this build has version 2 of struct tver (tver.h); state_tver1 is
 * built with version 1. v2 loads v1's graph (testdata/state/tver_v1.graph, and one
 * written now): removed fields skipped, new ones zero or their SAVE_DEFAULT, a
 * narrower array padded. v1 loads v2's graph: unknown fields skipped, a longer array
 * cut. A future major format is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tg_codecs.h"
#include "tver.h"
#include "tests.h"

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 16);

	ck_assert_ptr_nonnull(f);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

static void check_v1_graph(const char *path)
{
	struct st_dec *d;
	struct tver *a;
	size_t len;
	void *buf = slurp(path, &len);

	ck_assert_int_eq(st_dec_new(&d, buf, len, NULL), 0);
	ck_assert_msg(st_dec_run(d) == 0, "%s", st_dec_error(d));
	ck_assert_int_eq(st_dec_root(d, "root", &st_type_tver, (void **)&a), 0);
	ck_assert_uint_eq(a->a, 7);
	ck_assert_uint_eq(a->added, 42);
	ck_assert_uint_eq(a->zeroed, 0);
	ck_assert_str_eq(a->name, "seven");
	ck_assert_uint_eq(a->width, 65535);
	ck_assert_ptr_null(a->newref);
	ck_assert_uint_eq(a->item.v, 70);
	ck_assert_uint_eq(a->item.extra, 9);
	ck_assert_uint_eq(a->next->a, 8);
	ck_assert_ptr_eq(a->next->next, a);
	st_dec_destroy(d);
	free(a->next);
	free(a);
	free(buf);
}

START_TEST(new_build_loads_checked_in_old_graph)
{
	check_v1_graph(SBX_TESTDATA_STATE "/tver_v1.graph");
}
END_TEST

START_TEST(new_build_loads_old_graph_written_now)
{
	char path[] = "/tmp/tver1-XXXXXX", cmd[256];
	int fd = mkstemp(path);

	close(fd);
	snprintf(cmd, sizeof(cmd), "%s write %s", STATE_TVER1, path);
	ck_assert_int_eq(system(cmd), 0);
	check_v1_graph(path);
	unlink(path);
}
END_TEST

START_TEST(old_build_loads_new_graph)
{
	struct tver a = { .added = 1, .a = 5, .name = "a-long-name-v2", .width = 300, .zeroed = 77 };
	struct tver b = { .added = 2, .a = 6, .name = "b", .width = 1 };
	char path[] = "/tmp/tver2-XXXXXX", cmd[256];
	struct st_enc *e;
	void *buf;
	size_t len;
	int fd = mkstemp(path);

	a.next = &b;
	b.next = &a;
	a.newref = &b;
	a.item.v = 50;
	ck_assert_int_eq(st_enc_new(&e, NULL), 0);
	ck_assert_int_eq(st_enc_root(e, "root", &st_type_tver, &a), 0);
	ck_assert_int_eq(st_enc_finish(e, &buf, &len), 0);
	st_enc_destroy(e);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s read %s", STATE_TVER1, path);
	ck_assert_int_eq(system(cmd), 0);
	unlink(path);
	free(buf);
}
END_TEST

START_TEST(future_major_format_is_refused)
{
	static const unsigned char doc[] = {
		0x96, 0xa9, 's', 'b', 'x', '-', 'g', 'r', 'a', 'p', 'h', 0x02, 0x00,
		0x90, 0x90, 0x90,
	};
	struct st_dec *d;

	ck_assert_int_eq(st_dec_new(&d, doc, sizeof(doc), NULL), 0);
	ck_assert_errno(st_dec_run(d), EPROTONOSUPPORT);
	ck_assert_msg(strstr(st_dec_error(d), "format 2.0"), "%s", st_dec_error(d));
	st_dec_destroy(d);
}
END_TEST

Suite *version_suite(void)
{
	Suite *s = suite_create("version");
	TCase *tc = tcase_create("version");

	tcase_add_test(tc, new_build_loads_checked_in_old_graph);
	tcase_add_test(tc, new_build_loads_old_graph_written_now);
	tcase_add_test(tc, old_build_loads_new_graph);
	tcase_add_test(tc, future_major_format_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
