/*
 * The golden image: testdata/state/golden.img holds a tiny graph and memory file
 * written by "state_tools golden". Writing the same now must give the same bytes, so
 * any change to the format shows up here (then: review, bump a minor or major version,
 * keep the old image as golden-MAJOR.MINOR.img, regenerate, commit). And the
 * checked-in images must still load: this one and those of earlier minor versions.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "timage.h"
#include "tests.h"

#define GOLDEN SBX_TESTDATA_STATE "/golden.img"
#define GOLDEN_1_0 SBX_TESTDATA_STATE "/golden-1.0.img"   /* before split chunks */

START_TEST(golden_bytes_unchanged)
{
	int fd = memfd_create("g", 0), gfd = open(GOLDEN, O_RDONLY);
	off_t len, glen;
	char *a, *b;

	ck_assert_int_ge(gfd, 0);
	ck_assert_int_eq(tm_write_golden(fd), 0);
	len = lseek(fd, 0, SEEK_END);
	glen = lseek(gfd, 0, SEEK_END);
	ck_assert_msg(len == glen, "golden image: %ld bytes now, %ld checked in; the format "
		      "changed (see test_golden.c)", (long)len, (long)glen);
	a = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	b = mmap(NULL, len, PROT_READ, MAP_SHARED, gfd, 0);
	for (off_t i = 0; i < len; i++)
		ck_assert_msg(a[i] == b[i], "golden image differs at byte %ld: the format "
			      "changed (see test_golden.c)", (long)i);
	close(fd);
	close(gfd);
}
END_TEST

static const char *const goldens[] = { GOLDEN, GOLDEN_1_0 };

START_TEST(golden_image_loads)
{
	int memfd, gfd = open(goldens[_i], O_RDONLY);
	char err[256] = "";

	ck_assert_int_ge(gfd, 0);
	ck_assert_int_eq(tm_memfd(6, 1, &memfd), 0);
	ck_assert_msg(tm_read_image(gfd, memfd, 3, 2, 1, err) == 0, "%s: %s", goldens[_i], err);
	close(gfd);
	close(memfd);
}
END_TEST

Suite *golden_suite(void)
{
	Suite *s = suite_create("golden");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, golden_bytes_unchanged);
	tcase_add_loop_test(tc, golden_image_loads, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
