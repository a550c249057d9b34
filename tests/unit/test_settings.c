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
#include "oxt_tz.h"

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
        ck_assert(t[i].column != NULL
                  || t[i].type == OXT_SETTING_LANGUAGES);
        ck_assert_msg(t[i].label && *t[i].label && t[i].message
                      && *t[i].message, "%s: label or message", t[i].key);
        ck_assert_ptr_eq(oxt_setting_find(t[i].key), &t[i]);
        for (j = 0; j < i; j++) {
            ck_assert_str_ne(t[i].key, t[j].key);
            ck_assert(t[i].column == NULL || t[j].column == NULL
                      || strcmp(t[i].column, t[j].column) != 0);
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
    ck_assert_int_eq(s.imap.port, 143);
    ck_assert_int_eq(s.smtp.port, 25);
    ck_assert_str_eq(s.imap.host, "");
    ck_assert_str_eq(s.languages, "en_US");
    ck_assert_int_eq(s.log_retention_days, 90);
    ck_assert_int_eq(s.log_max_rows, 1000000);
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
    ck_assert(valid("imap_server", "mail.example.com:993"));
    ck_assert(valid("imap_server", ""));
    ck_assert(!valid("imap_server", "mail.example.com:0"));
    ck_assert(!valid("imap_server", "mail.example.com:70000"));
    ck_assert(!valid("imap_server", "mail.example.com:abc"));
    ck_assert(!valid("imap_server", "mail.example.com:12x"));
    ck_assert(valid("log_retention_days", "1"));
    ck_assert(!valid("log_retention_days", "0"));
    ck_assert(!valid("log_retention_days", "3651"));
    ck_assert(valid("log_max_rows", "1000"));
    ck_assert(!valid("log_max_rows", "999"));
    ck_assert(!valid("log_max_rows", "10000001"));
    ck_assert(valid("soap_timeout_s", "3600"));
    ck_assert(!valid("soap_timeout_s", "3601"));
    ck_assert(!valid("default_quota_mb", "-5"));
    ck_assert(valid("default_quota_mb", "0"));
    ck_assert(valid("auto_delete", "1"));
    ck_assert(!valid("auto_delete", "yes"));
    ck_assert(valid("ox_connection_type", "reseller"));
    ck_assert(valid("ox_connection_type", "cloud"));  /* the page's word */
    ck_assert(!valid("ox_connection_type", "Cloud"));
    ck_assert(!valid("ox_connection_type", "hosted"));
    ck_assert(valid("default_service_type", "groupware_premium"));
    ck_assert(!valid("default_service_type", "bogus"));
    ck_assert(valid("ox_host", "ox.example.com:8080"));
    ck_assert(valid("ox_host", ""));
    ck_assert(valid("ox_host", "[2001:db8::1]:8443"));
    ck_assert(!valid("ox_host", "2001:db8::1"));
    ck_assert(!valid("ox_host", "ox.example.com:"));
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
    ck_assert(!valid("default_timezone", "Europe/Atlantis"));
    ck_assert(!valid("default_timezone", "europe/berlin"));
    ck_assert(valid("ox_languages", "en_US,de_DE"));
    ck_assert(valid("ox_languages", ""));
    ck_assert(!valid("ox_languages", "en_US,en_US"));
    ck_assert(!valid("ox_languages", "en_US,"));
    ck_assert(!valid("ox_languages", ",en_US"));
    ck_assert(!valid("ox_languages", "en-US"));
    ck_assert(!valid("ox_languages", "en_US;de_DE"));
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

    apr_table_setn(v, "imap_server", "mail:993");
    apr_table_setn(v, "smtp_server", "mail:0");
    apr_table_setn(v, "ox_host", "ox.example");
    apr_table_setn(v, "no_such_key", "1");
    apr_table_setn(v, "default_language", "xx");
    ck_assert_int_eq(oxt_settings_check(&errors, v, NULL, NULL,
                                        oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(errors->nelts, 3);
    e = &APR_ARRAY_IDX(errors, 0, oxt_settings_error_t);
    ck_assert_str_eq(e->key, "smtp_server");
    ck_assert_str_eq(e->message, row("smtp_server")->message);
    e = &APR_ARRAY_IDX(errors, 1, oxt_settings_error_t);
    ck_assert_str_eq(e->key, "no_such_key");
    e = &APR_ARRAY_IDX(errors, 2, oxt_settings_error_t);
    ck_assert_str_eq(e->key, "default_language");
    ck_assert_str_eq(e->message, row("default_language")->message);

    apr_table_clear(v);
    apr_table_setn(v, "imap_server", "[::1]:993");
    apr_table_setn(v, "auto_delete", "1");
    ck_assert_int_eq(oxt_settings_check(&errors, v, NULL, NULL,
                                        oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(errors->nelts, 0);
}
END_TEST

START_TEST(nothing_is_saved_unless_every_value_is_valid)
{
    apr_table_t *v = apr_table_make(oxt_test_pool, 2);
    apr_array_header_t *errors = NULL;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    /* No database at all: a refused set never reaches it. */
    apr_table_setn(v, "imap_server", "mail:993");
    apr_table_setn(v, "smtp_server", "mail:99999");
    ck_assert_int_eq(oxt_settings_save(&errors, NULL, v, NULL, "test", res,
                                       oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(errors->nelts, 1);
    ck_assert_str_eq(res->problem, "Settings not saved");
}
END_TEST

/* ---- mail servers ---------------------------------------------------------- */

static const char *server(const char *text, int dflt)
{
    oxt_server_t srv = { "unset", -1 };

    if (oxt_server_parse(&srv, text, dflt, oxt_test_pool) != APR_SUCCESS) {
        return NULL;
    }
    return apr_psprintf(oxt_test_pool, "%s|%d", srv.host, srv.port);
}

START_TEST(a_server_is_host_and_port_with_ipv6_in_brackets)
{
    static const char *const bad[] = {
        "", ":143", "mail:", "mail:+143", "mail:-1", "mail:65536",
        "mail:143:1", "::1", "2001:db8::1:143", "[::1", "[::1]x",
        "[::1]:", "[not:v6]", "[1.2.3.4]", "-mail", "mail-", "ma..il",
        "m@il", "mail .example", "mail/x", ".mail", "mail.example.", "r\xc3\xa4ksm\xc3\xb6rg",
        NULL
    };
    oxt_server_t srv;
    int i;

    ck_assert_str_eq(server("mail.example.com", 143),
                     "mail.example.com|143");
    ck_assert_str_eq(server("mail.example.com:993", 143),
                     "mail.example.com|993");
    ck_assert_str_eq(server("192.168.9.199", 25), "192.168.9.199|25");
    ck_assert_str_eq(server("192.168.9.199:587", 25), "192.168.9.199|587");
    ck_assert_str_eq(server("[2001:db8::1]", 143), "[2001:db8::1]|143");
    ck_assert_str_eq(server("[::ffff:192.0.2.1]:10143", 143),
                     "[::ffff:192.0.2.1]|10143");
    ck_assert_str_eq(server("localhost", 0), "localhost|0");
    ck_assert_str_eq(server("xn--rksmrgs-5wao1o.josefsson.org", 143),
                     "xn--rksmrgs-5wao1o.josefsson.org|143");
    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(server(bad[i], 143) == NULL, "'%s' accepted", bad[i]);
    }
    ck_assert_ptr_null(server(apr_psprintf(oxt_test_pool, "%0254d", 1),
                              143));
    ck_assert_ptr_null(server(apr_pstrcat(oxt_test_pool, apr_psprintf(
        oxt_test_pool, "%064d", 1), ".example", NULL), 143));
    srv.host = "mail";
    srv.port = 143;
    ck_assert_str_eq(oxt_server_text(&srv, 143, oxt_test_pool), "mail");
    srv.port = 993;
    ck_assert_str_eq(oxt_server_text(&srv, 143, oxt_test_pool), "mail:993");
    srv.host = "[::1]";
    ck_assert_str_eq(oxt_server_text(&srv, 143, oxt_test_pool), "[::1]:993");
}
END_TEST

/* A full, valid form for test_form (defined below). */
static apr_table_t *full_form(void);

START_TEST(a_server_shows_as_typed_without_its_default_port)
{
    apr_table_t *form = full_form();
    apr_array_header_t *errors;
    oxt_settings_t s, *t;

    oxt_settings_defaults(&s);
    apr_table_setn(form, "ox_password", "entered");
    apr_table_setn(form, "imap_server", "mail.example.com:143");
    apr_table_setn(form, "smtp_server", "[2001:db8::25]:587");
    ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &s, NULL,
                                            oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(t->imap.host, "mail.example.com");
    ck_assert_int_eq(t->imap.port, 143);
    ck_assert_str_eq(t->smtp.host, "[2001:db8::25]");
    ck_assert_int_eq(t->smtp.port, 587);
    ck_assert_str_eq(oxt_setting_text(t, row("imap_server"), oxt_test_pool),
                     "mail.example.com");
    ck_assert_str_eq(oxt_setting_text(t, row("smtp_server"), oxt_test_pool),
                     "[2001:db8::25]:587");
    ck_assert_str_eq(s.imap.host, "");          /* the original is kept */
}
END_TEST

/* ---- rules between values ------------------------------------------------ */

static apr_array_header_t *catalogue(void)
{
    static const char *const codes[] = { "de_DE", "en_US", "ro_RO", NULL };
    apr_array_header_t *c = apr_array_make(oxt_test_pool, 3,
                                           sizeof(oxt_language_t));
    oxt_language_t *l;
    int i;

    for (i = 0; codes[i] != NULL; i++) {
        l = apr_array_push(c);
        l->code = codes[i];
        l->name = codes[i];
        l->allowed = i == 1;
    }
    return c;
}

static const char *only_error(apr_table_t *v, const oxt_settings_t *cur)
{
    apr_array_header_t *errors;

    if (oxt_settings_check(&errors, v, cur, catalogue(), oxt_test_pool)
        == APR_SUCCESS) {
        ck_assert_int_eq(errors->nelts, 0);
        return NULL;
    }
    ck_assert_int_eq(errors->nelts, 1);
    return apr_pstrcat(oxt_test_pool,
                       APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).key,
                       ": ",
                       APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).message,
                       NULL);
}

START_TEST(the_default_language_must_be_one_of_those_chosen)
{
    apr_table_t *v = apr_table_make(oxt_test_pool, 2);
    oxt_settings_t cur;
    const char *e;

    oxt_settings_defaults(&cur);            /* en_US chosen, plesk */
    apr_table_setn(v, "default_language", "de_DE");
    e = only_error(v, &cur);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(strstr(e, "default_language: Must be one of the"
                                 " OX languages chosen"));
    apr_table_setn(v, "ox_languages", "de_DE,ro_RO");
    ck_assert_ptr_null(only_error(v, &cur));
    apr_table_setn(v, "default_language", "en_US");
    ck_assert_ptr_nonnull(only_error(v, &cur));
    apr_table_setn(v, "default_language", "plesk");
    ck_assert_ptr_null(only_error(v, &cur));
    /* none chosen: only "Plesk language on replicated accounts" */
    apr_table_setn(v, "ox_languages", "");
    ck_assert_ptr_null(only_error(v, &cur));
    apr_table_setn(v, "default_language", "ro_RO");
    ck_assert_ptr_nonnull(only_error(v, &cur));
    /* dropping the stored default's language is refused too */
    apr_table_clear(v);
    cur.default_language = "en_US";
    apr_table_setn(v, "ox_languages", "de_DE");
    e = only_error(v, &cur);
    ck_assert_ptr_nonnull(e);
    ck_assert(strncmp(e, "default_language: ", 18) == 0);
    /* a language OX does not have */
    apr_table_setn(v, "ox_languages", "en_US,xx_XX");
    e = only_error(v, &cur);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e, apr_pstrcat(oxt_test_pool, "ox_languages: ",
                                    row("ox_languages")->message, NULL));
    /* neither among the values: an unrelated change is not held up */
    apr_table_clear(v);
    cur.default_language = "ro_RO";
    apr_table_setn(v, "soap_timeout_s", "20");
    ck_assert_ptr_null(only_error(v, &cur));
}
END_TEST

/* ---- the Settings page's form -------------------------------------------- */

static apr_table_t *full_form(void)
{
    apr_table_t *f = apr_table_make(oxt_test_pool, 16);

    apr_table_setn(f, "ox_connection_type", "standalone");
    apr_table_setn(f, "ox_host", "192.168.14.182");
    apr_table_setn(f, "ox_username", "oxadminmaster");
    apr_table_setn(f, "ox_password", "");
    apr_table_setn(f, "ox_use_https", "1");
    apr_table_setn(f, "soap_timeout_s", "30");
    apr_table_setn(f, "imap_server", "192.168.9.199");
    apr_table_setn(f, "smtp_server", "192.168.9.199");
    apr_table_setn(f, "default_quota_mb", "102");
    apr_table_setn(f, "ox_languages", "en_US");
    apr_table_setn(f, "default_language", "en_US");
    apr_table_setn(f, "default_timezone", "Europe/Bucharest");
    apr_table_setn(f, "log_retention_days", "90");
    apr_table_setn(f, "log_max_rows", "1000000");
    apr_table_setn(f, "csrf_token", "not a setting");
    return f;
}

START_TEST(a_form_means_every_field_of_the_page)
{
    apr_table_t *values;
    apr_array_header_t *errors;
    oxt_settings_t cur;

    oxt_settings_defaults(&cur);
    cur.ox_password.set = 1;
    oxt_settings_form_values(&values, &errors, full_form(), &cur,
                             oxt_test_pool);
    ck_assert_int_eq(errors->nelts, 0);
    /* unticked boxes are absent from a form: they mean 0 */
    ck_assert_str_eq(apr_table_get(values, "debug_api"), "0");
    ck_assert_str_eq(apr_table_get(values, "auto_delete"), "0");
    ck_assert_str_eq(apr_table_get(values, "ox_use_https"), "1");
    /* an empty password keeps the stored one; the token is no setting;
     * fields not on the page are left alone */
    ck_assert_ptr_null(apr_table_get(values, "ox_password"));
    ck_assert_ptr_null(apr_table_get(values, "csrf_token"));
    ck_assert_ptr_null(apr_table_get(values, "queue_max_attempts"));
    ck_assert_ptr_null(apr_table_get(values, "ox_allow_plain_http"));
    ck_assert_int_eq(oxt_settings_check(&errors, values, &cur, catalogue(),
                                        oxt_test_pool), APR_SUCCESS);
}
END_TEST

START_TEST(each_required_field_left_empty_gets_its_own_message)
{
    static const char *const required[] = {
        "ox_host", "ox_username", "ox_password", "soap_timeout_s",
        "imap_server", "smtp_server", "default_quota_mb", "default_language",
        "default_timezone", "log_retention_days", "log_max_rows", NULL
    };
    apr_table_t *values, *form = apr_table_make(oxt_test_pool, 1);
    apr_array_header_t *errors;
    const oxt_settings_error_t *e;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_settings_t cur;
    int i;

    oxt_settings_defaults(&cur);            /* no password stored */
    oxt_settings_form_values(&values, &errors, form, &cur, oxt_test_pool);
    for (i = 0; required[i] != NULL; i++) {
        ck_assert_int_gt(errors->nelts, i);
        e = &APR_ARRAY_IDX(errors, i, oxt_settings_error_t);
        ck_assert_str_eq(e->key, required[i]);
        ck_assert_str_eq(e->message, row(required[i])->required);
    }
    ck_assert_int_eq(errors->nelts, i);
    /* the whole form: required and invalid fields together, one message
     * per field, and nothing reaches the (absent) database */
    form = full_form();
    apr_table_setn(form, "ox_host", "");
    apr_table_setn(form, "imap_server", "2001:db8::1");
    apr_table_setn(form, "default_language", "de_DE");
    ck_assert_int_eq(oxt_settings_form_save(&errors, NULL, form, &cur, NULL,
                                            "admin", res, oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(errors->nelts, 4);
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).key,
                     "ox_host");
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 1, oxt_settings_error_t).key,
                     "ox_password");
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 2, oxt_settings_error_t).key,
                     "imap_server");
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 2, oxt_settings_error_t).message,
                     row("imap_server")->message);
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 3, oxt_settings_error_t).key,
                     "default_language");
    ck_assert_str_eq(res->problem, "Settings not saved");
}
END_TEST

/* Stored settings that match full_form's OX server and account. */
static void stored_like_full_form(oxt_settings_t *cur)
{
    oxt_settings_defaults(cur);
    cur->ox_password.set = 1;
    cur->ox_password.value = "stored";
    cur->ox_host = "192.168.14.182";
    cur->ox_username = "oxadminmaster";
    cur->ox_https = 1;
}

START_TEST(test_connection_calls_only_with_a_valid_form)
{
    apr_table_t *form = full_form();
    apr_array_header_t *errors;
    oxt_settings_t cur, *t;

    stored_like_full_form(&cur);
    cur.soap_timeout_s = 12;
    ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur,
                                            catalogue(), oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(errors->nelts, 0);
    ck_assert_str_eq(t->ox_password.value, "stored");   /* empty: kept */
    ck_assert_int_eq(t->soap_timeout_s, 30);
    ck_assert_int_eq(t->debug_api, 0);
    apr_table_setn(form, "ox_password", "entered");
    ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur,
                                            catalogue(), oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(t->ox_password.value, "entered");
    ck_assert_str_eq(cur.ox_password.value, "stored");
    /* an invalid field: its message, as OK gives it, and no settings to
     * call OX with (the stored value is not used in its place) */
    apr_table_setn(form, "soap_timeout_s", "0");
    apr_table_setn(form, "ox_host", "::bad::");
    ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur,
                                            catalogue(), oxt_test_pool),
                     APR_EINVAL);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(errors->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).key,
                     "ox_host");
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).message,
                     row("ox_host")->message);
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 1, oxt_settings_error_t).key,
                     "soap_timeout_s");
    /* a language OX does not know: refused against the catalogue */
    form = full_form();
    apr_table_setn(form, "ox_languages", "en_US,xx_XX");
    ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur,
                                            catalogue(), oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(errors->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).key,
                     "ox_languages");
    /* the page's word for the connection type is its stored value */
    form = full_form();
    apr_table_setn(form, "ox_connection_type", "cloud");
    apr_table_setn(form, "ox_password", "typed");
    ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur,
                                            catalogue(), oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(t->cloud, 1);
    ck_assert_str_eq(oxt_setting_text(t, row("ox_connection_type"),
                                      oxt_test_pool), "reseller");
}
END_TEST

START_TEST(the_stored_password_is_only_for_the_stored_server_and_account)
{
    static const struct {
        const char *key, *value;
        int same;
    } cases[] = {
        { "ox_host", "192.168.14.182:443", 1 },  /* the scheme's port */
        { "ox_host", "192.168.14.182:8443", 0 },
        { "ox_host", "192.168.14.183", 0 },
        { "ox_host", "127.0.0.1:9", 0 },
        { "ox_username", "oxadminmaster2", 0 },
        { "ox_username", "OXADMINMASTER", 0 },
        { "ox_use_https", NULL, 0 },             /* unticked: plain HTTP */
        { "ox_connection_type", "reseller", 0 },
    };
    apr_table_t *form;
    apr_array_header_t *errors;
    oxt_settings_t cur, *t;
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    size_t i;

    stored_like_full_form(&cur);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        form = full_form();
        if (cases[i].value == NULL) {
            apr_table_unset(form, cases[i].key);
        }
        else {
            apr_table_setn(form, cases[i].key, cases[i].value);
        }
        ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur,
                                                NULL, oxt_test_pool),
                         cases[i].same ? APR_SUCCESS : APR_EINVAL);
        if (cases[i].same) {
            ck_assert_str_eq(t->ox_password.value, "stored");
            continue;
        }
        ck_assert_int_eq(errors->nelts, 1);
        ck_assert_str_eq(APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).key,
                         "ox_password");
        ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(errors, 0,
                                                   oxt_settings_error_t)
                                     .message, "Type the OX password"));
        /* OK refuses it the same way, before the (absent) database */
        ck_assert_int_eq(oxt_settings_form_save(&errors, NULL, form, &cur,
                                                NULL, "admin", res,
                                                oxt_test_pool), APR_EINVAL);
        ck_assert_str_eq(APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).key,
                         "ox_password");
        /* typed, it goes where the form says */
        apr_table_setn(form, "ox_password", "typed");
        ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur,
                                                NULL, oxt_test_pool),
                         APR_SUCCESS);
        ck_assert_str_eq(t->ox_password.value, "typed");
    }
    /* a host name is compared without regard to case */
    cur.ox_host = "OX.Example.com";
    form = full_form();
    apr_table_setn(form, "ox_host", "ox.example.COM:443");
    ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur, NULL,
                                            oxt_test_pool), APR_SUCCESS);
    /* the host itself refused: its message only */
    apr_table_setn(form, "ox_host", "::bad::");
    ck_assert_int_eq(oxt_settings_form_test(&t, &errors, form, &cur, NULL,
                                            oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(errors->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(errors, 0, oxt_settings_error_t).key,
                     "ox_host");
}
END_TEST

START_TEST(time_zones_are_the_canonical_list)
{
    int i, n;
    const oxt_tz_t *z = oxt_tz_list(&n);

    ck_assert_int_gt(n, 300);
    for (i = 1; i < n; i++) {
        ck_assert_msg(strcmp(z[i - 1].name, z[i].name) < 0, "%s, %s",
                      z[i - 1].name, z[i].name);
    }
    for (i = 0; i < n; i++) {
        ck_assert_ptr_eq(oxt_tz_find(z[i].name), &z[i]);
    }
    ck_assert_ptr_null(oxt_tz_find("Europe/Atlantis"));
    ck_assert_ptr_null(oxt_tz_find(NULL));
    ck_assert_str_eq(oxt_tz_label(oxt_tz_find("Europe/Bucharest"),
                                  oxt_test_pool),
                     "(GMT +02:00) Europe/Bucharest");
    ck_assert_str_eq(oxt_tz_label(oxt_tz_find("Pacific/Tahiti"),
                                  oxt_test_pool),
                     "(GMT -10:00) Pacific/Tahiti");
    ck_assert_str_eq(oxt_tz_label(oxt_tz_find("Asia/Kolkata"),
                                  oxt_test_pool),
                     "(GMT +05:30) Asia/Kolkata");
    ck_assert_str_eq(oxt_tz_label(oxt_tz_find("UTC"), oxt_test_pool),
                     "(GMT +00:00) UTC");
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
    tcase_add_test(tc, a_server_is_host_and_port_with_ipv6_in_brackets);
    tcase_add_test(tc, a_server_shows_as_typed_without_its_default_port);
    tcase_add_test(tc, the_default_language_must_be_one_of_those_chosen);
    tcase_add_test(tc, a_form_means_every_field_of_the_page);
    tcase_add_test(tc, each_required_field_left_empty_gets_its_own_message);
    tcase_add_test(tc, test_connection_calls_only_with_a_valid_form);
    tcase_add_test(tc,
        the_stored_password_is_only_for_the_stored_server_and_account);
    tcase_add_test(tc, time_zones_are_the_canonical_list);
    return tc;
}
