/*
 * test_settings.c — the table of settings: every row complete and its
 * default valid by its own rule, the rules of each type, a set of values
 * checked field by field, and values shown the way they are typed.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "oxt_unit.h"
#include "oxt_settings.h"

static const oxt_setting_t *row(const char *key)
{
    const oxt_setting_t *s = oxt_setting_find(key);

    ck_assert_msg(s != NULL, "no setting %s", key);
    return s;
}

static int valid(const char *key, const char *value)
{
    const char *why = "unset";
    apr_status_t rv = oxt_setting_check(&why, row(key), value);

    ck_assert(rv == APR_SUCCESS ? why == NULL : why == row(key)->message);
    return rv == APR_SUCCESS;
}

START_TEST(every_row_is_complete_and_its_default_follows_its_rule)
{
    int i, j, n;
    const oxt_setting_t *t = oxt_settings_table(&n);
    const char *why;

    ck_assert_int_gt(n, 15);
    for (i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(t[i].column);
        ck_assert_msg(t[i].label && *t[i].label && t[i].message
                      && *t[i].message, "%s: label or message", t[i].key);
        ck_assert_ptr_eq(oxt_setting_find(t[i].key), &t[i]);
        for (j = 0; j < i; j++) {
            ck_assert_str_ne(t[i].key, t[j].key);
            ck_assert_str_ne(t[i].column, t[j].column);
        }
        if (t[i].type == OXT_SETTING_SECRET) {
            ck_assert_ptr_null(t[i].def);       /* nothing to default to */
            continue;
        }
        ck_assert_msg(oxt_setting_check(&why, &t[i], t[i].def)
                      == APR_SUCCESS, "%s: default '%s' is invalid",
                      t[i].key, t[i].def);
    }
    ck_assert_ptr_null(oxt_setting_find("ox_password_enc"));
    ck_assert_ptr_null(oxt_setting_find("IMAP_PORT"));
}
END_TEST

START_TEST(defaults_come_from_the_table_and_show_as_typed)
{
    oxt_settings_t s;
    int i, n;
    const oxt_setting_t *t = oxt_settings_table(&n);

    oxt_settings_defaults(&s);
    ck_assert_int_eq(s.imap_port, 143);
    ck_assert_int_eq(s.smtp_port, 25);
    ck_assert_int_eq(s.soap_timeout_s, 30);
    ck_assert_int_eq(s.queue_max_attempts, 10);
    ck_assert_int_eq(s.default_quota_mb, 100);
    ck_assert_int_eq(s.cloud, 0);
    ck_assert_int_eq(s.default_service, OXT_SERVICE_WEBMAIL);
    ck_assert_str_eq(s.default_language, OXT_SETTINGS_PLESK);
    ck_assert_str_eq(s.access_combination[OXT_SERVICE_PREMIUM],
                     "groupware_premium");
    ck_assert_int_eq(s.ox_password.set, 0);
    for (i = 0; i < n; i++) {
        if (t[i].type == OXT_SETTING_SECRET) {
            ck_assert_ptr_null(oxt_setting_text(&s, &t[i], oxt_test_pool));
            ck_assert_int_eq(oxt_setting_secret(&s, &t[i])->set, 0);
        }
        else {
            ck_assert_str_eq(oxt_setting_text(&s, &t[i], oxt_test_pool),
                             t[i].def);
            ck_assert_ptr_null(oxt_setting_secret(&s, &t[i]));
        }
    }
    s.cloud = 1;
    s.default_service = OXT_SERVICE_STANDARD;
    ck_assert_str_eq(oxt_setting_text(&s, row("ox_connection_type"),
                                      oxt_test_pool), "reseller");
    ck_assert_str_eq(oxt_setting_text(&s, row("default_service_type"),
                                      oxt_test_pool), "groupware_standard");
}
END_TEST

START_TEST(each_type_has_its_rule)
{
    ck_assert(valid("imap_port", "993"));
    ck_assert(!valid("imap_port", "0"));
    ck_assert(!valid("imap_port", "70000"));
    ck_assert(!valid("imap_port", "abc"));
    ck_assert(!valid("imap_port", "12x"));
    ck_assert(!valid("imap_port", ""));
    ck_assert(valid("soap_timeout_s", "3600"));
    ck_assert(!valid("soap_timeout_s", "3601"));
    ck_assert(!valid("default_quota_mb", "-5"));
    ck_assert(valid("default_quota_mb", "0"));
    ck_assert(valid("auto_delete", "1"));
    ck_assert(!valid("auto_delete", "yes"));
    ck_assert(valid("ox_connection_type", "reseller"));
    ck_assert(!valid("ox_connection_type", "cloud"));
    ck_assert(valid("default_service_type", "groupware_premium"));
    ck_assert(!valid("default_service_type", "bogus"));
    ck_assert(valid("ox_host", "ox.example.com:8080"));
    ck_assert(valid("ox_host", ""));
    ck_assert(!valid("ox_host", "ox.example.com\nHost: evil"));
    ck_assert(!valid("ox_host", apr_psprintf(oxt_test_pool, "%0256d", 1)));
    ck_assert(valid("ox_password", "s3cret"));
    ck_assert(!valid("ox_password", ""));
}
END_TEST

START_TEST(language_and_time_zone_rules)
{
    ck_assert(valid("default_language", "de_DE"));
    ck_assert(valid("default_language", "plesk"));
    ck_assert(!valid("default_language", "xx"));
    ck_assert(!valid("default_language", "de-DE"));
    ck_assert(!valid("default_language", "DE_de"));
    ck_assert(valid("default_timezone", "Europe/Bucharest"));
    ck_assert(valid("default_timezone", "America/Argentina/Buenos_Aires"));
    ck_assert(valid("default_timezone", "UTC"));
    ck_assert(valid("default_timezone", "plesk"));
    ck_assert(!valid("default_timezone", "Bucharest"));
    ck_assert(!valid("default_timezone", "/etc/passwd"));
    ck_assert(!valid("default_timezone", "Europe/Buch arest"));
}
END_TEST

START_TEST(a_set_of_values_gets_one_message_per_invalid_field)
{
    apr_table_t *v = apr_table_make(oxt_test_pool, 4);
    apr_array_header_t *errors = NULL;
    const oxt_settings_error_t *e;

    apr_table_setn(v, "imap_port", "993");
    apr_table_setn(v, "smtp_port", "0");
    apr_table_setn(v, "ox_host", "ox.example");
    apr_table_setn(v, "no_such_key", "1");
    apr_table_setn(v, "default_language", "xx");
    ck_assert_int_eq(oxt_settings_check(&errors, v, oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(errors->nelts, 3);
    e = &APR_ARRAY_IDX(errors, 0, oxt_settings_error_t);
    ck_assert_str_eq(e->key, "smtp_port");
    ck_assert_str_eq(e->message, row("smtp_port")->message);
    e = &APR_ARRAY_IDX(errors, 1, oxt_settings_error_t);
    ck_assert_str_eq(e->key, "no_such_key");
    e = &APR_ARRAY_IDX(errors, 2, oxt_settings_error_t);
    ck_assert_str_eq(e->key, "default_language");
    ck_assert_str_eq(e->message, row("default_language")->message);

    apr_table_clear(v);
    apr_table_setn(v, "imap_port", "993");
    apr_table_setn(v, "auto_delete", "1");
    ck_assert_int_eq(oxt_settings_check(&errors, v, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(errors->nelts, 0);
}
END_TEST

START_TEST(nothing_is_saved_unless_every_value_is_valid)
{
    apr_table_t *v = apr_table_make(oxt_test_pool, 2);
    apr_array_header_t *errors = NULL;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    /* No database at all: a refused set never reaches it. */
    apr_table_setn(v, "imap_port", "993");
    apr_table_setn(v, "smtp_port", "99999");
    ck_assert_int_eq(oxt_settings_save(&errors, NULL, v, NULL, "test", res,
                                       oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(errors->nelts, 1);
    ck_assert_str_eq(res->problem, "Settings not saved");
}
END_TEST

TCase *oxt_settings_test_case(void)
{
    TCase *tc = oxt_unit_tcase("settings");

    tcase_add_test(tc, every_row_is_complete_and_its_default_follows_its_rule);
    tcase_add_test(tc, defaults_come_from_the_table_and_show_as_typed);
    tcase_add_test(tc, each_type_has_its_rule);
    tcase_add_test(tc, language_and_time_zone_rules);
    tcase_add_test(tc, a_set_of_values_gets_one_message_per_invalid_field);
    tcase_add_test(tc, nothing_is_saved_unless_every_value_is_valid);
    return tc;
}
