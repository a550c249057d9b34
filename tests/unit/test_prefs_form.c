/*
 * test_prefs_form.c — the rules of the Prefs dialog (the parent's
 * maximum, the quota's range, the languages of Settings, the time zones)
 * and the time zone list itself.
 */
#include <string.h>

#include "oxt_unit.h"
#include "oxt_prefs_form.h"
#include "oxt_tz.h"

static apr_array_header_t *langs(void)
{
    apr_array_header_t *a = apr_array_make(oxt_test_pool, 2,
                                           sizeof(oxt_language_t));
    oxt_language_t *l = apr_array_push(a);

    l->code = "en_US";
    l->name = "English (United States)";
    l = apr_array_push(a);
    l->code = "de_DE";
    l->name = "German (Germany)";
    return a;
}

static oxt_prefs_form_t form_of(oxt_level_t level, long long parent_max)
{
    oxt_prefs_form_t f;

    memset(&f, 0, sizeof(f));
    f.level = level;
    f.id = 9;
    f.parent_max_mb = parent_max;
    f.max_mb = -1;
    f.inherited_quota_mb = 100;
    f.inherited_language = "plesk";
    f.inherited_timezone = "plesk";
    return f;
}

START_TEST(valid_values_pass)
{
    oxt_prefs_form_t f = form_of(OXT_LEVEL_CLIENT, 500);

    ck_assert_int_eq(oxt_prefs_form_check(&f, "90", "400", "de_DE",
                                          "Europe/Bucharest", langs(),
                                          oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(f.quota_mb, 90);
    ck_assert_int_eq(f.max_mb, 400);
    ck_assert_str_eq(f.language, "de_DE");
    ck_assert_int_eq(oxt_prefs_form_check(&f, "0", "", "plesk", "plesk",
                                          langs(), oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(f.max_mb, -1);
}
END_TEST

START_TEST(above_the_parents_maximum_is_refused_with_the_guides_words)
{
    oxt_prefs_form_t f = form_of(OXT_LEVEL_CLIENT, 500);

    ck_assert_int_eq(oxt_prefs_form_check(&f, "501", "600", "en_US", "UTC",
                                          langs(), oxt_test_pool),
                     APR_EINVAL);
    ck_assert_str_eq(f.quota_error, "You can not fill in a value greater"
                     " than the one set for the reseller the client belongs"
                     " to!");
    ck_assert_ptr_nonnull(f.max_error);
    ck_assert_ptr_null(f.language_error);
    f = form_of(OXT_LEVEL_DOMAIN, 50);
    ck_assert_int_eq(oxt_prefs_form_check(&f, "51", NULL, "en_US", "UTC",
                                          langs(), oxt_test_pool),
                     APR_EINVAL);
    ck_assert_str_eq(f.quota_error, oxt_prefs_form_over_parent(
                     OXT_LEVEL_DOMAIN));
    ck_assert_ptr_nonnull(strstr(f.quota_error, "parent account"));
}
END_TEST

START_TEST(every_field_gets_its_own_message)
{
    oxt_prefs_form_t f = form_of(OXT_LEVEL_RESELLER, -1);

    ck_assert_int_eq(oxt_prefs_form_check(&f, "-1", "1e3", "fr_FR",
                                          "Mars/Olympus", langs(),
                                          oxt_test_pool), APR_EINVAL);
    ck_assert_ptr_nonnull(f.quota_error);
    ck_assert_ptr_nonnull(f.max_error);
    ck_assert_ptr_nonnull(f.language_error);
    ck_assert_ptr_nonnull(f.timezone_error);
    ck_assert_int_eq(oxt_prefs_form_check(&f, "100000001", "", "en_US",
                                          "UTC", langs(), oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_prefs_form_check(&f, " 5", "", "en_US", "UTC",
                                          langs(), oxt_test_pool),
                     APR_EINVAL);
    /* The default above the level's own maximum. */
    ck_assert_int_eq(oxt_prefs_form_check(&f, "300", "200", "en_US", "UTC",
                                          langs(), oxt_test_pool),
                     APR_EINVAL);
    ck_assert_ptr_nonnull(f.quota_error);
    ck_assert_ptr_null(f.max_error);
    ck_assert_int_eq(oxt_prefs_form_check(&f, "1", "1", NULL, NULL, langs(),
                                          oxt_test_pool), APR_EINVAL);
}
END_TEST

START_TEST(the_time_zones)
{
    int n, i;
    const oxt_tz_t *tz = oxt_tz_list(&n);

    ck_assert_int_gt(n, 300);
    for (i = 1; i < n; i++) {
        ck_assert_int_lt(strcmp(tz[i - 1].name, tz[i].name), 0);
    }
    ck_assert_ptr_nonnull(oxt_tz_find("Pacific/Apia"));
    ck_assert_ptr_nonnull(oxt_tz_find("UTC"));
    ck_assert_ptr_null(oxt_tz_find("europe/bucharest"));
    ck_assert_ptr_null(oxt_tz_find(NULL));
    ck_assert_str_eq(oxt_tz_label(oxt_tz_find("Europe/Bucharest"),
                                  oxt_test_pool),
                     "(GMT +02:00) Europe/Bucharest");
    ck_assert_str_eq(oxt_tz_label(oxt_tz_find("America/St_Johns"),
                                  oxt_test_pool),
                     "(GMT -03:30) America/St_Johns");
}
END_TEST

TCase *oxt_prefs_form_test_case(void)
{
    TCase *tc = oxt_unit_tcase("prefs_form");

    tcase_add_test(tc, valid_values_pass);
    tcase_add_test(tc, above_the_parents_maximum_is_refused_with_the_guides_words);
    tcase_add_test(tc, every_field_gets_its_own_message);
    tcase_add_test(tc, the_time_zones);
    return tc;
}
