/*
 * test_desired.c — preference inheritance and the desired OX state.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_desired.h"
#include "oxt_crypto.h"
#include "oxt_prefs.h"

static oxt_settings_t settings;
static oxt_desired_env_t env;
static oxt_prefs_chain_t chain;
static oxt_plesk_mailbox_t mbox;
static const unsigned char fp_key[32] = "0123456789abcdef0123456789abcdef";

static void desired_setup(void)
{
    int i;

    oxt_settings_defaults(&settings);
    settings.default_language = "en_US";
    settings.default_timezone = "Europe/Bucharest";
    settings.imap.host = "imap.example";
    settings.smtp.host = "smtp.example";
    memset(&env, 0, sizeof(env));
    env.settings = &settings;
    env.fp_key = fp_key;
    env.plesk_timezone = "America/New_York";
    for (i = 0; i < OXT_LEVEL_COUNT; i++) {
        oxt_prefs_clear(&chain.level[i]);
    }
    memset(&mbox, 0, sizeof(mbox));
    mbox.id = 7;
    mbox.mail_name = "jo";
    mbox.address = "jo@xn--rksmrgs-5wao1o.example";
    mbox.postbox = 1;
    mbox.password_type = "plain";
    mbox.password = "pw-jo";
    mbox.domain.id = 3;
    mbox.domain.name = "xn--rksmrgs-5wao1o.example";
    mbox.domain.display_name = "r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s.example";
    mbox.domain.mail_on = 1;
    mbox.domain.owner.locale = "de-DE";
}

static apr_array_header_t *list(const char *a, const char *b)
{
    apr_array_header_t *l = apr_array_make(oxt_test_pool, 2, sizeof(char *));

    if (a) {
        APR_ARRAY_PUSH(l, const char *) = a;
    }
    if (b) {
        APR_ARRAY_PUSH(l, const char *) = b;
    }
    return l;
}

START_TEST(forever_is_inherited_and_the_nearest_level_wins)
{
    ck_assert(!oxt_prefs_selected(&chain));
    chain.level[OXT_LEVEL_RESELLER].forever = OXT_FOREVER_ON;
    ck_assert(oxt_prefs_selected(&chain));
    chain.level[OXT_LEVEL_CLIENT].forever = OXT_FOREVER_OFF;
    ck_assert(!oxt_prefs_selected(&chain));
    chain.level[OXT_LEVEL_DOMAIN].forever = OXT_FOREVER_ON;
    ck_assert(oxt_prefs_selected(&chain));
    chain.level[OXT_LEVEL_MAILBOX].forever = OXT_FOREVER_OFF;
    ck_assert(!oxt_prefs_selected(&chain));
}
END_TEST

START_TEST(webmail_now_above_the_mailbox_selects_it)
{
    oxt_desired_user_t u;

    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert(!u.replicate);
    ck_assert_str_eq(u.reason, OXT_WHY_NOT_SELECTED);
    chain.level[OXT_LEVEL_CLIENT].now = 1;
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert(u.replicate);
    ck_assert_ptr_null(u.reason);
}
END_TEST

START_TEST(service_language_and_timezone_resolve_downwards)
{
    ck_assert_int_eq(oxt_prefs_service(&chain, &settings),
                     OXT_SERVICE_WEBMAIL);
    chain.level[OXT_LEVEL_RESELLER].service = OXT_SERVICE_PREMIUM;
    chain.level[OXT_LEVEL_DOMAIN].service = OXT_SERVICE_STANDARD;
    ck_assert_int_eq(oxt_prefs_service(&chain, &settings),
                     OXT_SERVICE_STANDARD);
    ck_assert_str_eq(oxt_prefs_language(&chain, &settings), "en_US");
    chain.level[OXT_LEVEL_CLIENT].language = "fr_FR";
    ck_assert_str_eq(oxt_prefs_language(&chain, &settings), "fr_FR");
    chain.level[OXT_LEVEL_MAILBOX].timezone = "Pacific/Tahiti";
    ck_assert_str_eq(oxt_prefs_timezone(&chain, &settings), "Pacific/Tahiti");
}
END_TEST

START_TEST(plesk_language_and_server_timezone_are_looked_up)
{
    oxt_desired_user_t u;

    chain.level[OXT_LEVEL_MAILBOX].forever = OXT_FOREVER_ON;
    settings.default_language = OXT_SETTINGS_PLESK;
    settings.default_timezone = OXT_SETTINGS_PLESK;
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.language, "de_DE");
    ck_assert_str_eq(u.timezone, "America/New_York");
    mbox.domain.owner.locale = "garbage";
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.language, "en_US");
    ck_assert_ptr_null(oxt_desired_ox_language("en", oxt_test_pool));
    ck_assert_str_eq(oxt_desired_ox_language("pt-br", oxt_test_pool), "pt_BR");
}
END_TEST

START_TEST(quota_comes_from_the_nearest_default_capped_by_any_maximum)
{
    ck_assert_int_eq(oxt_prefs_domain_quota(&chain, &settings), 100);
    chain.level[OXT_LEVEL_RESELLER].default_quota_mb = 500;
    ck_assert_int_eq(oxt_prefs_domain_quota(&chain, &settings), 500);
    chain.level[OXT_LEVEL_CLIENT].max_quota_mb = 300;
    ck_assert_int_eq(oxt_prefs_domain_quota(&chain, &settings), 300);
    chain.level[OXT_LEVEL_DOMAIN].default_quota_mb = 200;
    ck_assert_int_eq(oxt_prefs_domain_quota(&chain, &settings), 200);
    chain.level[OXT_LEVEL_RESELLER].max_quota_mb = 150;
    ck_assert_int_eq(oxt_prefs_domain_quota(&chain, &settings), 150);
}
END_TEST

START_TEST(aliases_cover_every_local_name_at_every_mail_domain)
{
    oxt_desired_user_t u;

    chain.level[OXT_LEVEL_MAILBOX].forever = OXT_FOREVER_ON;
    oxt_desired_user(&u, &env, &mbox, list("sales", "info"),
                     list("alias.example", NULL), &chain, oxt_test_pool);
    ck_assert(u.replicate);
    ck_assert_str_eq(oxt_desired_join(u.aliases, oxt_test_pool),
                     "info@alias.example\n"
                     "info@xn--rksmrgs-5wao1o.example\n"
                     "jo@alias.example\n"
                     "jo@xn--rksmrgs-5wao1o.example\n"
                     "sales@alias.example\n"
                     "sales@xn--rksmrgs-5wao1o.example");
    ck_assert_str_eq(u.primary_email, "jo@xn--rksmrgs-5wao1o.example");
    ck_assert_str_eq(u.imap_login, u.primary_email);
    ck_assert_str_eq(u.name, "jo");
    ck_assert_str_eq(u.display_name,
                     "jo@r\xc3\xa4ksm\xc3\xb6rg\xc3\xa5s.example");
    ck_assert_int_eq(u.smtp_port, 25);
    ck_assert_int_eq(u.imap_port, 143);
    ck_assert_str_eq(u.password, "pw-jo");
}
END_TEST

START_TEST(what_cannot_be_replicated_says_why)
{
    oxt_desired_user_t u;

    chain.level[OXT_LEVEL_MAILBOX].forever = OXT_FOREVER_ON;
    mbox.password_type = "crypt";
    mbox.password = "$1$abc$def";
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.reason, OXT_WHY_CRYPT_PASSWORD);
    mbox.password_type = "plain";
    mbox.password = "";
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.reason, OXT_WHY_NO_PASSWORD);
    mbox.password_type = "sym";
    mbox.password = "$AES-128-CBC$x$y";
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.reason, OXT_WHY_BAD_PASSWORD);
    mbox.domain.mail_on = 0;
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.reason, OXT_WHY_MAIL_OFF);
    ck_assert(u.hold);
    mbox.domain.owner.reseller_status = 2;
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.reason, OXT_WHY_SUSPENDED);
    ck_assert(u.hold);
    mbox.postbox = 0;
    oxt_desired_user(&u, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.reason, OXT_WHY_FORWARD_ONLY);
    ck_assert(!u.replicate);
}
END_TEST

START_TEST(a_password_change_changes_the_fingerprint)
{
    oxt_desired_user_t a, b, c;

    chain.level[OXT_LEVEL_MAILBOX].forever = OXT_FOREVER_ON;
    oxt_desired_user(&a, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    oxt_desired_user(&b, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    mbox.password = "pw-jo2";
    oxt_desired_user(&c, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_mem_eq(a.password_fp, b.password_fp, OXT_FP_LEN);
    ck_assert(memcmp(a.password_fp, c.password_fp, OXT_FP_LEN) != 0);
}
END_TEST

/* A pass keys the fingerprint once (env.fp); the sums are those of the
 * key set per call, which the stored rows hold. */
START_TEST(a_fingerprint_keyed_once_is_the_one_keyed_per_call)
{
    oxt_desired_user_t a, b;

    chain.level[OXT_LEVEL_MAILBOX].forever = OXT_FOREVER_ON;
    oxt_desired_user(&a, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_int_eq(oxt_crypto_fp_make(&env.fp, fp_key, 32, oxt_test_pool),
                     APR_SUCCESS);
    oxt_desired_user(&b, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert(a.replicate && b.replicate);
    ck_assert_mem_eq(a.password_fp, b.password_fp, OXT_FP_LEN);
    mbox.password = "pw-jo2";
    oxt_desired_user(&b, &env, &mbox, NULL, NULL, &chain, oxt_test_pool);
    ck_assert(memcmp(a.password_fp, b.password_fp, OXT_FP_LEN) != 0);
}
END_TEST

START_TEST(context_mappings_add_unicode_names_only_when_allowed)
{
    oxt_desired_context_t ctx;

    oxt_desired_context(&ctx, &env, &mbox.domain,
                        list("b-alias.example", "a-alias.example"), &chain,
                        oxt_test_pool);
    ck_assert_str_eq(ctx.name, "xn--rksmrgs-5wao1o.example");
    ck_assert_str_eq(oxt_desired_join(ctx.login_mappings, oxt_test_pool),
                     "a-alias.example\nb-alias.example\n"
                     "xn--rksmrgs-5wao1o.example");
    ck_assert_int_eq(ctx.quota_mb, 100);
    env.unicode_mappings = 1;
    oxt_desired_context(&ctx, &env, &mbox.domain, NULL, &chain,
                        oxt_test_pool);
    ck_assert_int_eq(ctx.login_mappings->nelts, 2);
}
END_TEST

START_TEST(service_codes_round_trip)
{
    oxt_service_t s;
    int i;

    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        ck_assert_int_eq(oxt_service_parse(&s, oxt_service_code(i)),
                         APR_SUCCESS);
        ck_assert_int_eq(s, i);
    }
    ck_assert_str_eq(oxt_service_label(OXT_SERVICE_PREMIUM),
                     "Groupware Premium");
    ck_assert_int_eq(oxt_service_parse(&s, "premium"), APR_EINVAL);
    ck_assert_int_eq(oxt_service_parse(&s, NULL), APR_EINVAL);
}
END_TEST

TCase *oxt_desired_test_case(void)
{
    TCase *tc = oxt_unit_tcase("desired");

    tcase_add_checked_fixture(tc, desired_setup, NULL);
    tcase_add_test(tc, forever_is_inherited_and_the_nearest_level_wins);
    tcase_add_test(tc, webmail_now_above_the_mailbox_selects_it);
    tcase_add_test(tc, service_language_and_timezone_resolve_downwards);
    tcase_add_test(tc, plesk_language_and_server_timezone_are_looked_up);
    tcase_add_test(tc,
                   quota_comes_from_the_nearest_default_capped_by_any_maximum);
    tcase_add_test(tc, aliases_cover_every_local_name_at_every_mail_domain);
    tcase_add_test(tc, what_cannot_be_replicated_says_why);
    tcase_add_test(tc, a_password_change_changes_the_fingerprint);
    tcase_add_test(tc, a_fingerprint_keyed_once_is_the_one_keyed_per_call);
    tcase_add_test(tc, context_mappings_add_unicode_names_only_when_allowed);
    tcase_add_test(tc, service_codes_round_trip);
    return tc;
}
