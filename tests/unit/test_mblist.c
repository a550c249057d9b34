/*
 * test_mblist.c — the pure parts of the Mailboxes list's data
 * (lib/oxt_mblist.h): the sort keys (the allow-list of the page's
 * columns), the words of each reason a mailbox cannot be replicated, and
 * the Info message the page rebuilds after its redirect
 * (oxt_service_info_text). The SQL is proven against MariaDB by
 * tests/integration/test_mailboxes.py.
 */
#include <string.h>
#include <check.h>

#include "oxt_unit.h"
#include "oxt_desired.h"
#include "oxt_mblist.h"
#include "oxt_service.h"

START_TEST(every_column_sorts_and_nothing_else_does)
{
    static const char *const keys[] = {
        "name", "mail", "service", "language", "timezone", "modified",
        "ox_service", "reason"
    };
    int i;

    for (i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++) {
        ck_assert_msg(oxt_mblist_sortable(keys[i]), "%s", keys[i]);
    }
    ck_assert(!oxt_mblist_sortable(NULL));
    ck_assert(!oxt_mblist_sortable(""));
    ck_assert(!oxt_mblist_sortable("m.id"));
    ck_assert(!oxt_mblist_sortable("name; DROP TABLE prefs"));
    ck_assert(!oxt_mblist_sortable("NAME"));
}
END_TEST

START_TEST(each_reason_has_words_but_not_selected)
{
    static const char *const why[] = {
        OXT_WHY_FORWARD_ONLY, OXT_WHY_SUSPENDED, OXT_WHY_MAIL_OFF,
        OXT_WHY_NO_PASSWORD, OXT_WHY_CRYPT_PASSWORD, OXT_WHY_BAD_PASSWORD
    };
    int i;

    for (i = 0; i < (int)(sizeof(why) / sizeof(why[0])); i++) {
        ck_assert_ptr_nonnull(oxt_mblist_reason_text(why[i]));
    }
    ck_assert_str_eq(oxt_mblist_reason_text(OXT_WHY_NO_PASSWORD),
                     "no usable password is set in Plesk");
    /* Not ticked is no obstacle: the OX Service box says it. */
    ck_assert_ptr_null(oxt_mblist_reason_text(OXT_WHY_NOT_SELECTED));
    ck_assert_ptr_null(oxt_mblist_reason_text(NULL));
    ck_assert_ptr_null(oxt_mblist_reason_text("bogus"));
}
END_TEST

START_TEST(the_message_after_a_redirect_counts_the_names_it_lacks)
{
    apr_array_header_t *names = apr_array_make(oxt_test_pool, 2,
                                               sizeof(const char *));

    APR_ARRAY_PUSH(names, const char *) = "a@x.tst";
    APR_ARRAY_PUSH(names, const char *) = "b@x.tst";
    ck_assert_str_eq(oxt_service_info_text(1, names, 2, 0, oxt_test_pool),
                     "Service type for mailbox(es) a@x.tst, b@x.tst will be"
                     " updated next time the replication script will run.");
    ck_assert_str_eq(oxt_service_info_text(0, names, 9, 1, oxt_test_pool),
                     "OX Service for mailbox(es) a@x.tst, b@x.tst and 7 more"
                     " will be updated within seconds.");
}
END_TEST

TCase *oxt_mblist_test_case(void)
{
    TCase *tc = oxt_unit_tcase("mblist");

    tcase_add_test(tc, every_column_sorts_and_nothing_else_does);
    tcase_add_test(tc, each_reason_has_words_but_not_selected);
    tcase_add_test(tc, the_message_after_a_redirect_counts_the_names_it_lacks);
    return tc;
}
