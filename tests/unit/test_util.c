/*
 * test_util.c — hashes keyed by a Plesk id.
 */
#include "oxt_unit.h"
#include "oxt_util.h"

START_TEST(id_keys_are_the_number_itself)
{
    apr_hash_t *h = apr_hash_make(oxt_test_pool);
    apr_hash_index_t *hi;

    oxt_util_id_set(h, 7, "seven");
    oxt_util_id_set(h, 70, "seventy");
    oxt_util_id_set(h, 7, "again");
    ck_assert_int_eq(apr_hash_count(h), 2);
    ck_assert_str_eq(oxt_util_id_get(h, 7), "again");
    ck_assert_ptr_null(oxt_util_id_get(h, 8));
    oxt_util_id_set(h, 70, NULL);
    hi = apr_hash_first(oxt_test_pool, h);
    ck_assert_int_eq(oxt_util_id_key(hi), 7);
    ck_assert_ptr_null(apr_hash_next(hi));
}
END_TEST

TCase *oxt_util_test_case(void)
{
    TCase *tc = oxt_unit_tcase("util");

    tcase_add_test(tc, id_keys_are_the_number_itself);
    return tc;
}
