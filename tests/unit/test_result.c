/*
 * test_result.c — oxt_result_t and status texts.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_result.h"
#include "oxt_status.h"

START_TEST(a_fresh_result_is_success)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    ck_assert_int_eq(res->status, APR_SUCCESS);
    ck_assert_str_eq(oxt_result_text(res, oxt_test_pool), "OK");
}
END_TEST

START_TEST(set_returns_the_status_and_keeps_the_words)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_status_t rv = oxt_result_set(res, APR_EINVAL, "Bad quota",
                                     "'%s' is not a number", "12x");

    ck_assert_int_eq(rv, APR_EINVAL);
    ck_assert_str_eq(oxt_result_text(res, oxt_test_pool),
                     "Bad quota: '12x' is not a number");
    oxt_result_reset(res);
    ck_assert_int_eq(res->status, APR_SUCCESS);
}
END_TEST

START_TEST(a_result_without_problem_uses_the_status_text)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    oxt_result_set(res, OXT_EDBCONN, NULL, NULL);
    ck_assert_str_eq(oxt_result_text(res, oxt_test_pool),
                     "cannot connect to the database");
    ck_assert_int_eq(oxt_result_set(NULL, APR_ENOENT, "x", NULL), APR_ENOENT);
}
END_TEST

TCase *oxt_result_test_case(void)
{
    TCase *tc = oxt_unit_tcase("result");

    tcase_add_test(tc, a_fresh_result_is_success);
    tcase_add_test(tc, set_returns_the_status_and_keeps_the_words);
    tcase_add_test(tc, a_result_without_problem_uses_the_status_text);
    return tc;
}
