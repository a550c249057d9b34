/*
 * test_dirsum.c — the pure part of lib/oxt_dirsum.h: which domain ids a
 * bucket holds, and how changed buckets are joined into the ranges a
 * refresh compares (consecutive ones while the span allows, never a gap
 * inside a range). The sums themselves are proven against MariaDB by
 * tests/integration/test_mailboxes_directory.py.
 */
#include <check.h>
#include <apr_tables.h>

#include "oxt_unit.h"
#include "oxt_dirsum.h"

START_TEST(a_bucket_is_its_width_of_ids)
{
    ck_assert_int_eq(oxt_dirsum_first(0), 0);
    ck_assert_int_eq(oxt_dirsum_last(0), OXT_DIRSUM_WIDTH - 1);
    ck_assert_int_eq(oxt_dirsum_first(3), 3 * OXT_DIRSUM_WIDTH);
    ck_assert_int_eq(oxt_dirsum_last(3), 4 * OXT_DIRSUM_WIDTH - 1);
}
END_TEST

static apr_array_header_t *buckets(const long long *ks, int n)
{
    apr_array_header_t *a = apr_array_make(oxt_test_pool, n,
                                           sizeof(long long));
    int i;

    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(a, long long) = ks[i];
    }
    return a;
}

START_TEST(buckets_less_than_a_bridge_apart_join_up_to_the_span)
{
    /* buckets a bridge apart, or more: 0..2, then 2 + B + 1 .. 2 + B + 2,
     * then alone the one a bridge after it */
    enum { B = OXT_DIRSUM_BRIDGE / OXT_DIRSUM_WIDTH };
    static const long long ks[] = { 0, 1, 2, 3 + B, 4 + B, 5 + 2 * B };
    apr_array_header_t *b = buckets(ks, 6);
    long long after = 7, upto = 7;
    int at = 0;

    ck_assert(oxt_dirsum_range(b, &at, 10 * OXT_DIRSUM_WIDTH, &after,
                               &upto));
    ck_assert_int_eq(after, -1);
    ck_assert_int_eq(upto, oxt_dirsum_last(2));
    ck_assert(oxt_dirsum_range(b, &at, 10 * OXT_DIRSUM_WIDTH, &after,
                               &upto));
    ck_assert_int_eq(after, oxt_dirsum_first(3 + B) - 1);
    ck_assert_int_eq(upto, oxt_dirsum_last(4 + B));
    ck_assert(oxt_dirsum_range(b, &at, 10 * OXT_DIRSUM_WIDTH, &after,
                               &upto));
    ck_assert_int_eq(after, oxt_dirsum_first(5 + 2 * B) - 1);
    ck_assert_int_eq(upto, oxt_dirsum_last(5 + 2 * B));
    ck_assert(!oxt_dirsum_range(b, &at, 10 * OXT_DIRSUM_WIDTH, &after,
                                &upto));
    /* a span of two buckets splits 0..2 */
    at = 0;
    ck_assert(oxt_dirsum_range(b, &at, 2 * OXT_DIRSUM_WIDTH, &after,
                               &upto));
    ck_assert_int_eq(upto, oxt_dirsum_last(1));
    ck_assert(oxt_dirsum_range(b, &at, 2 * OXT_DIRSUM_WIDTH, &after,
                               &upto));
    ck_assert_int_eq(after, oxt_dirsum_first(2) - 1);
    ck_assert_int_eq(upto, oxt_dirsum_last(2));
    /* a gap of less than a bridge joins, the ids between with them */
    {
        static const long long near[] = { 0, B };
        at = 0;
        ck_assert(oxt_dirsum_range(buckets(near, 2), &at,
                                   10 * OXT_DIRSUM_WIDTH, &after, &upto));
        ck_assert_int_eq(after, -1);
        ck_assert_int_eq(upto, oxt_dirsum_last(B));
        ck_assert_int_eq(at, 2);
    }
    /* nothing changed: no range */
    at = 0;
    ck_assert(!oxt_dirsum_range(buckets(ks, 0), &at, OXT_DIRSUM_WIDTH,
                                &after, &upto));
}
END_TEST

TCase *oxt_dirsum_test_case(void)
{
    TCase *tc = oxt_unit_tcase("dirsum");

    tcase_add_test(tc, a_bucket_is_its_width_of_ids);
    tcase_add_test(tc, buckets_less_than_a_bridge_apart_join_up_to_the_span);
    return tc;
}
