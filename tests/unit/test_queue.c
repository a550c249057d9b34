/*
 * test_queue.c — the pure parts of the queue: backoff and type names.
 */
#include "oxt_unit.h"
#include "oxt_queue.h"

START_TEST(backoff_doubles_up_to_the_cap_with_full_jitter)
{
    ck_assert_int_eq(oxt_queue_backoff_ms(1, 0.0), 0);
    ck_assert_int_eq(oxt_queue_backoff_ms(1, 0.5), OXT_QUEUE_BACKOFF_BASE_MS / 2);
    ck_assert_int_eq(oxt_queue_backoff_ms(2, 0.5), OXT_QUEUE_BACKOFF_BASE_MS);
    ck_assert_int_eq(oxt_queue_backoff_ms(3, 0.5), OXT_QUEUE_BACKOFF_BASE_MS * 2);
    ck_assert_int_le(oxt_queue_backoff_ms(60, 0.999999), OXT_QUEUE_BACKOFF_CAP_MS);
    ck_assert_int_ge(oxt_queue_backoff_ms(60, 0.999999),
                     OXT_QUEUE_BACKOFF_CAP_MS - 10);
    ck_assert_int_eq(oxt_queue_backoff_ms(5, 1.5), 0);
}
END_TEST

START_TEST(object_type_names_round_trip)
{
    oxt_obj_type_t t;
    int i;

    for (i = OXT_OBJ_MAILBOX; i <= OXT_OBJ_ALL; i++) {
        ck_assert_int_eq(oxt_obj_type_parse(&t, oxt_obj_type_name(i)),
                         APR_SUCCESS);
        ck_assert_int_eq(t, i);
    }
    ck_assert_int_eq(oxt_obj_type_parse(&t, "mail"), APR_EINVAL);
}
END_TEST

START_TEST(object_keys_are_type_and_id)
{
    apr_hash_t *h = apr_hash_make(oxt_test_pool);
    oxt_obj_t mbox7 = { OXT_OBJ_MAILBOX, 7 }, dom7 = { OXT_OBJ_DOMAIN, 7 };
    apr_hash_index_t *hi;
    oxt_obj_t o;

    oxt_obj_set(h, mbox7, "m");
    oxt_obj_set(h, dom7, "d");
    ck_assert_str_eq(oxt_obj_get(h, mbox7), "m");
    ck_assert_str_eq(oxt_obj_get(h, dom7), "d");
    oxt_obj_set(h, mbox7, "again");
    ck_assert_int_eq(apr_hash_count(h), 2);
    oxt_obj_set(h, dom7, NULL);
    ck_assert_ptr_null(oxt_obj_get(h, dom7));
    hi = apr_hash_first(oxt_test_pool, h);
    o = oxt_obj_of(hi);
    ck_assert_int_eq(o.type, OXT_OBJ_MAILBOX);
    ck_assert_int_eq(o.id, 7);
    ck_assert_str_eq(apr_hash_this_val(hi), "again");
}
END_TEST

TCase *oxt_queue_test_case(void)
{
    TCase *tc = oxt_unit_tcase("queue");

    tcase_add_test(tc, backoff_doubles_up_to_the_cap_with_full_jitter);
    tcase_add_test(tc, object_type_names_round_trip);
    tcase_add_test(tc, object_keys_are_type_and_id);
    return tc;
}
