/* The state module's Check suites, run by one runner (main.c). */
#ifndef SBX_TESTS_STATE_TESTS_H
#define SBX_TESTS_STATE_TESTS_H

#include <check.h>

#define ck_assert_errno(expr, err) ck_assert_int_eq((expr), -(err))

Suite *graph_suite(void);
Suite *hostile_suite(void);
Suite *version_suite(void);
Suite *image_suite(void);
Suite *golden_suite(void);


#endif
