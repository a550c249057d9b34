/*
 * test_change.c — what the ticks of an Apply Your Changes POST change,
 * and what the page then says.
 */
#include <string.h>

#include "oxt_unit.h"
#include "oxt_change.h"

static oxt_dir_row_t row_of(int access, int forever, int now)
{
    oxt_dir_row_t r;

    memset(&r, 0, sizeof(r));
    r.id = 7;
    r.access = access;
    r.forever = forever;
    r.now = now;
    return r;
}

START_TEST(boxes_as_they_were_change_nothing)
{
    oxt_dir_row_t r = row_of(1, 1, 0);
    oxt_change_ticks_t t = { 1, 1, 0 };
    oxt_change_t c;

    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 1), 0);
    ck_assert_int_eq(c.access, -1);
    ck_assert_int_eq(c.forever, -1);
    ck_assert_int_eq(c.now, -1);
}
END_TEST

START_TEST(a_changed_box_sets_the_level_explicitly)
{
    /* Forever in effect (inherited): unticking sets it off here. */
    oxt_dir_row_t r = row_of(0, 1, 0);
    oxt_change_ticks_t t = { 1, 0, 0 };
    oxt_change_t c;

    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 1), 1);
    ck_assert_int_eq(c.id, 7);
    ck_assert_int_eq(c.access, 1);
    ck_assert_int_eq(c.forever, OXT_FOREVER_OFF);
    r = row_of(1, 0, 0);
    t.access = 0;
    t.forever = 1;
    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 1), 1);
    ck_assert_int_eq(c.access, 0);
    ck_assert_int_eq(c.forever, OXT_FOREVER_ON);
}
END_TEST

START_TEST(disabled_boxes_are_left_alone)
{
    /* Access where it cannot be granted: an absent tick is no "off". */
    oxt_dir_row_t r = row_of(1, 1, 1);
    oxt_change_ticks_t t = { 0, 1, 0 };
    oxt_change_t c;

    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 0), 0);
    /* Now while Forever is in effect: disabled, left alone. */
    t.now = 1;
    r.now = 0;
    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 0), 0);
}
END_TEST

START_TEST(a_suspended_object_is_not_queued)
{
    /* The box is disabled: a tick forged into the POST requests nothing,
     * and the absent tick of a request made before the suspension does
     * not withdraw it. */
    oxt_dir_row_t r = row_of(0, 0, 0);
    oxt_change_ticks_t t = { 0, 0, 1 };
    oxt_change_t c;

    r.suspended = 1;
    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 1), 0);
    r.now = 1;
    t.now = 0;
    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 1), 0);
    /* Forever is a preference, kept for when the object is back. */
    t.forever = 1;
    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 1), 1);
    ck_assert_int_eq(c.forever, OXT_FOREVER_ON);
    ck_assert_int_eq(c.now, -1);
}
END_TEST

START_TEST(now_is_requested_and_withdrawn)
{
    oxt_dir_row_t r = row_of(0, 0, 0);
    oxt_change_ticks_t t = { 0, 0, 1 };
    oxt_change_t c;

    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 1), 1);
    ck_assert_int_eq(c.now, 1);
    r.now = 1;
    t.now = 0;
    ck_assert_int_eq(oxt_change_of(&c, &r, &t, 1), 1);
    ck_assert_int_eq(c.now, 0);
}
END_TEST

START_TEST(the_message_says_what_changed)
{
    oxt_change_counts_t n;
    long long nums[6] = { 2, 1, 1, 0, 0, 3 };
    const char *m;

    memset(&n, 0, sizeof(n));
    ck_assert_str_eq(oxt_change_message(&n, "client", "clients",
                                        oxt_test_pool),
                     "No changes: every box was as it is.");
    n.access_on = 1;
    ck_assert_str_eq(oxt_change_message(&n, "client", "clients",
                                        oxt_test_pool),
                     "Access granted to 1 client. ");
    oxt_change_counts_of(&n, nums, 6);
    m = oxt_change_message(&n, "domain", "domains", oxt_test_pool);
    ck_assert_pstr_eq(m, "Access granted to 2 domains, taken from 1 domain."
                      " Webmail Forever turned on for 1 domain. Webmail Now"
                      " withdrawn for 3 domains. Replication is not"
                      " instantaneous: the changes reach Open-Xchange within"
                      " seconds with the replicator's daemon, otherwise at"
                      " its next run.");
    ck_assert_int_eq(oxt_change_nums(&n, oxt_test_pool)[5], 3);
    oxt_change_counts_of(&n, nums, 2);
    ck_assert_int_eq(n.forever_on, 0);
}
END_TEST

TCase *oxt_change_test_case(void)
{
    TCase *tc = oxt_unit_tcase("change");

    tcase_add_test(tc, boxes_as_they_were_change_nothing);
    tcase_add_test(tc, a_changed_box_sets_the_level_explicitly);
    tcase_add_test(tc, disabled_boxes_are_left_alone);
    tcase_add_test(tc, a_suspended_object_is_not_queued);
    tcase_add_test(tc, now_is_requested_and_withdrawn);
    tcase_add_test(tc, the_message_says_what_changed);
    return tc;
}
