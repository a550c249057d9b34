/*
 * test_report.c — the pure parts of the service utilization reports: the
 * sort keys the tables take (an allow-list: nothing else reaches SQL), the
 * User type words of the CSV and its file name.
 */
#include <string.h>

#include "oxt_unit.h"
#include "oxt_report.h"

START_TEST(the_sort_keys_are_an_allow_list)
{
    static const char *const keys[] = {
        "type", "name", "total", "webmail", "groupware_standard",
        "groupware_premium"
    };
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        ck_assert_msg(oxt_report_sortable(keys[i]), "%s", keys[i]);
    }
    ck_assert(!oxt_report_sortable(NULL));
    ck_assert(!oxt_report_sortable(""));
    ck_assert(!oxt_report_sortable("u.name"));
    ck_assert(!oxt_report_sortable("name; DROP TABLE dir_domain"));
    ck_assert(!oxt_report_sortable("NAME"));
    ck_assert(!oxt_report_sortable("modified"));
}
END_TEST

START_TEST(the_user_types_are_the_guides)
{
    ck_assert_str_eq(oxt_report_kind_label(OXT_DIR_RESELLER), "Reseller");
    ck_assert_str_eq(oxt_report_kind_label(OXT_DIR_CLIENT), "Client");
    ck_assert_str_eq(oxt_report_kind_label(OXT_DIR_DOMAIN), "Domain");
    ck_assert_str_eq(oxt_report_kind_label(OXT_DIR_MAILBOX), "Mailbox");
    ck_assert_str_eq(oxt_report_kind_label((oxt_dir_kind_t)42), "");
}
END_TEST

START_TEST(the_file_name_is_ours_and_ascii)
{
    ck_assert_str_eq(oxt_report_file_name(OXT_DIR_RESELLER, 2,
                                          oxt_test_pool),
                     "oxtender-service-report-reseller-2.csv");
    ck_assert_str_eq(oxt_report_file_name(OXT_DIR_DOMAIN, 4294967295LL,
                                          oxt_test_pool),
                     "oxtender-service-report-domain-4294967295.csv");
}
END_TEST

TCase *oxt_report_test_case(void)
{
    TCase *tc = oxt_unit_tcase("report");

    tcase_add_test(tc, the_sort_keys_are_an_allow_list);
    tcase_add_test(tc, the_user_types_are_the_guides);
    tcase_add_test(tc, the_file_name_is_ours_and_ascii);
    return tc;
}
