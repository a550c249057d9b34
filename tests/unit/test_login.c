/*
 * test_login.c — HTTP Basic credentials, the shape of a login, session
 * bindings.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "oxt_unit.h"
#include "oxt_login.h"

static const char *basic_of(const char *raw, apr_size_t n, apr_pool_t *p)
{
    char *b64 = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)n));

    apr_base64_encode_binary(b64, (const unsigned char *)raw, (int)n);
    return apr_pstrcat(p, "Basic ", b64, NULL);
}

START_TEST(basic_credentials_split_at_the_first_colon)
{
    apr_pool_t *p = oxt_test_pool;
    const char *user = NULL, *pass = NULL;

    ck_assert_int_eq(oxt_login_basic_parse(&user, &pass,
                     basic_of("client1:pw:with:colons", 22, p), p),
                     APR_SUCCESS);
    ck_assert_str_eq(user, "client1");
    ck_assert_str_eq(pass, "pw:with:colons");
    ck_assert_int_eq(oxt_login_basic_parse(&user, &pass,
                     apr_pstrcat(p, "bAsIc \t ", basic_of("a:", 2, p) + 6,
                                 "  ", NULL), p), APR_SUCCESS);
    ck_assert_str_eq(user, "a");
    ck_assert_str_eq(pass, "");
}
END_TEST

START_TEST(other_schemes_are_no_basic_credentials)
{
    apr_pool_t *p = oxt_test_pool;
    const char *user, *pass;
    static const char *const headers[] = {
        "Bearer abc", "Basicabc", "Digest username=x", "", "Basic"
    };
    size_t i;

    ck_assert_int_eq(oxt_login_basic_parse(&user, &pass, NULL, p),
                     APR_ENOENT);
    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        ck_assert_msg(oxt_login_basic_parse(&user, &pass, headers[i], p)
                      == APR_ENOENT, "%s", headers[i]);
    }
}
END_TEST

START_TEST(malformed_basic_credentials_are_refused)
{
    apr_pool_t *p = oxt_test_pool;
    const char *user, *pass;
    char big[OXT_LOGIN_HEADER_MAX + 8];
    const char *cases[8];
    size_t i;

    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "Basic ", 6);
    cases[0] = "Basic !!!!";                          /* not base64 */
    cases[1] = "Basic YWJj";                          /* "abc": no colon */
    cases[2] = basic_of(":pw", 3, p);                 /* empty user */
    cases[3] = basic_of("us\0er:pw", 8, p);           /* NUL */
    cases[4] = "Basic YTpi=";                         /* not whole quads */
    cases[5] = "Basic YT pi";                         /* a blank inside */
    cases[6] = big;                                   /* too long */
    cases[7] = "Basic ";                              /* nothing */
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(oxt_login_basic_parse(&user, &pass, cases[i], p)
                      == APR_EINVAL, "case %u", (unsigned)i);
    }
}
END_TEST

START_TEST(logins_of_the_right_shape_are_accepted)
{
    static const char *const good[] = {
        "admin", "client1", "dom1.example", "xn--bcher2-3ya.example",
        "b\xc3\xbc" "cher2.example",                 /* bücher2.example */
        "\xe4\xb8\xad\xe6\x96\x87.example",          /* 中文.example */
        "a b"
    };
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ck_assert_msg(oxt_login_check(good[i]) == APR_SUCCESS, "%s",
                      good[i]);
    }
}
END_TEST

/* Finding 7 of issue 8: such logins reached MySQL and answered 500. */
START_TEST(logins_no_column_can_hold_are_refused)
{
    static const char *const bad[] = {
        "", " admin", "admin ", "ad\x01min", "ad\x7fmin",
        "\xff\xfe" "admin",                          /* not UTF-8 */
        "\xc0\xaf" "admin",                          /* overlong '/' */
        "\xe0\x80\xaf",                              /* overlong, 3 bytes */
        "\xed\xa0\x80" "dom",                        /* surrogate */
        "cl\xf0\x9f\x98\x80" "ent",                  /* U+1F600 */
        "\xc2\x85",                                  /* C1 control */
        "ab\xc3",                                    /* cut short */
    };
    char big[OXT_LOGIN_MAX + 2];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(oxt_login_check(bad[i]) == APR_EINVAL, "case %u",
                      (unsigned)i);
    }
    ck_assert_int_eq(oxt_login_check(NULL), APR_EINVAL);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ck_assert_int_eq(oxt_login_check(big), APR_EINVAL);
    big[OXT_LOGIN_MAX] = '\0';
    ck_assert_int_eq(oxt_login_check(big), APR_SUCCESS);
}
END_TEST

START_TEST(bindings_are_stable_keyed_and_distinct)
{
    apr_pool_t *p = oxt_test_pool;
    unsigned char secret[32], other[32];
    const unsigned char *key, *key2;
    const char *a, *b, *c, *d, *e;

    memset(secret, 1, sizeof(secret));
    memset(other, 2, sizeof(other));
    ck_assert_int_eq(oxt_login_binding_key(&key, secret, p), APR_SUCCESS);
    ck_assert_int_eq(oxt_login_binding_key(&key2, other, p), APR_SUCCESS);
    ck_assert(memcmp(key, secret, 32) != 0);
    ck_assert_int_eq(oxt_login_binding(&a, key, "basic", "admin", "pw", p),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_login_binding(&b, key, "basic", "admin", "pw", p),
                     APR_SUCCESS);
    ck_assert_int_eq(strlen(a), OXT_LOGIN_BINDING_LEN);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(oxt_login_binding(&c, key, "basic", "admin", "pw2", p),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_login_binding(&d, key, "basic", "adminp", "w", p),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_login_binding(&e, key2, "basic", "admin", "pw", p),
                     APR_SUCCESS);
    ck_assert_str_ne(a, c);
    ck_assert_str_ne(a, d);
    ck_assert_str_ne(a, e);
    ck_assert_int_eq(oxt_login_binding(&c, key, "session", "admin", "pw", p),
                     APR_SUCCESS);
    ck_assert_str_ne(a, c);
    ck_assert(strstr(a, "admin") == NULL);
}
END_TEST

TCase *oxt_login_test_case(void)
{
    TCase *tc = oxt_unit_tcase("login");

    tcase_add_test(tc, basic_credentials_split_at_the_first_colon);
    tcase_add_test(tc, other_schemes_are_no_basic_credentials);
    tcase_add_test(tc, malformed_basic_credentials_are_refused);
    tcase_add_test(tc, logins_of_the_right_shape_are_accepted);
    tcase_add_test(tc, logins_no_column_can_hold_are_refused);
    tcase_add_test(tc, bindings_are_stable_keyed_and_distinct);
    return tc;
}
