/*
 * Round trips of the synthetic graph: every field kind, shared references and cycles,
 * lists and trees, unions, custom codecs, polymorphic references, hooks and their
 * SAVE_WAIT order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tg_codecs.h"
#include "tgraph_util.h"
#include "tests.h"

START_TEST(roundtrip_every_kind)
{
	struct tg_node *a = tg_build(12, 5), *b;
	int points = 0;
	char err[256] = "";
	void *buf;
	size_t len;
	const char *why;

	ck_assert_int_eq(tg_encode(a, &buf, &len), 0);
	ck_assert_int_eq(a->saves, 1);
	ck_assert_int_eq(a->next->saves, 1);
	ck_assert_msg(tg_decode(buf, len, &b, &points, err) == 0, "%s", err);
	why = tg_diff(a, b);
	ck_assert_msg(!why, "%s", why);
	ck_assert_ptr_eq(b->cache, b);
	ck_assert_ptr_nonnull(b->fn);
	ck_assert_int_gt(points, 12 * 3);
	/* Cycles and sharing come back as they were. */
	ck_assert_ptr_eq(b->kids[1], b);
	ck_assert_ptr_eq(b->next->next->kids[1], b);
	tg_free(a);
	tg_free(b);
	free(buf);
}
END_TEST

START_TEST(roundtrip_twice_is_identical)
{
	struct tg_node *a = tg_build(9, 2), *b;
	void *b1, *b2;
	size_t l1, l2;

	ck_assert_int_eq(tg_encode(a, &b1, &l1), 0);
	ck_assert_int_eq(tg_decode(b1, l1, &b, NULL, NULL), 0);
	ck_assert_int_eq(tg_encode(b, &b2, &l2), 0);
	ck_assert_uint_eq(l1, l2);
	ck_assert_mem_eq(b1, b2, l1);
	tg_free(a);
	tg_free(b);
	free(b1);
	free(b2);
}
END_TEST

START_TEST(hooks_follow_waits)
{
	struct tg_node *a = tg_build(20, 0), *b;
	struct tg_node **v;
	void *buf;
	size_t len;
	int n;

	tg_hook_counter = 0;
	ck_assert_int_eq(tg_encode(a, &buf, &len), 0);
	ck_assert_int_eq(tg_decode(buf, len, &b, NULL, NULL), 0);
	v = tg_ring(b, &n);
	/* node i waits for node i+1, so the last node's hook ran first */
	for (int i = 0; i + 1 < n; i++)
		ck_assert_int_gt(v[i]->load_order, v[i + 1]->load_order);
	ck_assert_int_eq(v[n - 1]->load_order, 1);
	free(v);
	tg_free(a);
	tg_free(b);
	free(buf);
}
END_TEST

START_TEST(wait_cycle_is_refused)
{
	struct tg_node *a = tg_build(4, 1), *b = NULL;
	char err[256];
	void *buf;
	size_t len;

	a->next->next->next->peer = a;  /* 0 -> 1 -> 2 -> 3 -> 0 */
	ck_assert_int_eq(tg_encode(a, &buf, &len), 0);
	ck_assert_errno(tg_decode(buf, len, &b, NULL, err), EDEADLK);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(err, "cycle"), "%s", err);
	tg_free(a);
	free(buf);
}
END_TEST

START_TEST(failing_hook_is_reported)
{
	struct tg_node *a = tg_build(5, 1), *b;
	char err[256];
	void *buf;
	size_t len;

	ck_assert_int_eq(tg_encode(a, &buf, &len), 0);
	tg_fail_hook = 3;
	ck_assert_errno(tg_decode(buf, len, &b, NULL, err), EIO);
	ck_assert_msg(strstr(err, "tg_node_after_load"), "%s", err);
	tg_free(a);
	free(buf);
}
END_TEST

START_TEST(encoder_refuses_bad_graphs)
{
	struct tg_node *a = tg_build(3, 1);
	struct tg_shape bogus = { NULL, 1 }, *shape = a->shape;
	struct st_enc *e;
	void *buf;
	size_t len;

	a->shape = &bogus;              /* no type derives from tg_shape with ops NULL */
	ck_assert_int_eq(st_enc_new(&e, NULL), 0);
	ck_assert_int_eq(st_enc_root(e, "root", &st_type_tg_node, a), 0);
	ck_assert_errno(st_enc_finish(e, &buf, &len), EINVAL);
	ck_assert_msg(strstr(st_enc_error(e), "derives from tg_shape"), "%s", st_enc_error(e));
	st_enc_destroy(e);
	a->shape = shape;

	a->ndata = 10;                  /* a length without its buffer */
	free(a->data);
	a->data = NULL;
	ck_assert_int_eq(st_enc_new(&e, NULL), 0);
	ck_assert_int_eq(st_enc_root(e, "root", &st_type_tg_node, a), 0);
	ck_assert_errno(st_enc_finish(e, &buf, &len), EINVAL);
	st_enc_destroy(e);
	a->ndata = 0;
	tg_free(a);
}
END_TEST

START_TEST(root_lookup)
{
	struct tg_node *a = tg_build(2, 0);
	struct st_dec *d;
	void *buf, *p;
	size_t len;

	ck_assert_int_eq(tg_encode(a, &buf, &len), 0);
	ck_assert_int_eq(st_dec_new(&d, buf, len, NULL), 0);
	ck_assert_int_eq(st_dec_run(d), 0);
	ck_assert_uint_eq(st_dec_count(d), 4);  /* two nodes, a rect and a circle */
	ck_assert_errno(st_dec_root(d, "nope", &st_type_tg_node, &p), ENOENT);
	ck_assert_errno(st_dec_root(d, "root", &st_type_tg_item, &p), EINVAL);
	ck_assert_int_eq(st_dec_root(d, "root", &st_type_tg_node, &p), 0);
	st_dec_destroy(d);
	tg_free(p);
	tg_free(a);
	free(buf);
}
END_TEST

Suite *graph_suite(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("graph");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, roundtrip_every_kind);
	tcase_add_test(tc, roundtrip_twice_is_identical);
	tcase_add_test(tc, hooks_follow_waits);
	tcase_add_test(tc, wait_cycle_is_refused);
	tcase_add_test(tc, failing_hook_is_reported);
	tcase_add_test(tc, encoder_refuses_bad_graphs);
	tcase_add_test(tc, root_lookup);
	suite_add_tcase(s, tc);
	return s;
}
