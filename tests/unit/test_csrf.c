/*
 * test_csrf.c — the synchronizer token and the request-origin decision.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_csrf.h"

static unsigned char key[32], other_key[32];

static void keys(void)
{
    int i;

    for (i = 0; i < 32; i++) {
        key[i] = (unsigned char)i;
        other_key[i] = (unsigned char)(i + 1);
    }
}

static const char *token(const unsigned char *k, const char *binding)
{
    const char *t = NULL;

    ck_assert_int_eq(oxt_csrf_token(&t, k, 32, binding, oxt_test_pool),
                     APR_SUCCESS);
    return t;
}

START_TEST(the_token_is_an_hmac_of_the_binding)
{
    /* HMAC-SHA256(key 00..1f, "oxtender-csrf-v1:plesk-session:0123abcd"),
     * base64url, computed independently with Python's hmac module. */
    keys();
    ck_assert_str_eq(token(key, "plesk-session:0123abcd"),
                     "OssJbh7frLoYcMi40nDO7HGJTlPjTQXCNvI5c2HE_Fc");
    ck_assert_uint_eq(strlen(token(key, "basic:admin")),
                      OXT_CSRF_TOKEN_LEN);
}
END_TEST

START_TEST(another_session_or_key_gives_another_token)
{
    keys();
    ck_assert_str_eq(token(key, "basic:admin"), token(key, "basic:admin"));
    ck_assert_str_ne(token(key, "basic:admin"), token(key, "basic:admin2"));
    ck_assert_str_ne(token(key, "basic:admin"),
                     token(other_key, "basic:admin"));
}
END_TEST

START_TEST(verify_accepts_only_the_exact_token)
{
    const char *t, *wrong;
    char *flipped;

    keys();
    t = token(key, "plesk-session:0123abcd");
    ck_assert_int_eq(oxt_csrf_verify(key, 32, "plesk-session:0123abcd", t),
                     APR_SUCCESS);
    flipped = apr_pstrdup(oxt_test_pool, t);
    flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
    wrong = token(key, "plesk-session:other");
    ck_assert_int_eq(oxt_csrf_verify(key, 32, "plesk-session:0123abcd",
                                     flipped), APR_EACCES);
    ck_assert_int_eq(oxt_csrf_verify(key, 32, "plesk-session:0123abcd",
                                     wrong), APR_EACCES);
    ck_assert_int_eq(oxt_csrf_verify(key, 32, "plesk-session:0123abcd",
                                     apr_pstrndup(oxt_test_pool, t, 42)),
                     APR_EACCES);
    ck_assert_int_eq(oxt_csrf_verify(key, 32, "plesk-session:0123abcd",
                                     apr_pstrcat(oxt_test_pool, t, "x",
                                                 NULL)), APR_EACCES);
    ck_assert_int_eq(oxt_csrf_verify(key, 32, "plesk-session:0123abcd", ""),
                     APR_EACCES);
    ck_assert_int_eq(oxt_csrf_verify(key, 32, "plesk-session:0123abcd",
                                     NULL), APR_EACCES);
    ck_assert_int_eq(oxt_csrf_verify(other_key, 32,
                                     "plesk-session:0123abcd", t),
                     APR_EACCES);
}
END_TEST

START_TEST(a_short_key_or_no_binding_is_refused)
{
    const char *t;

    keys();
    ck_assert_int_eq(oxt_csrf_token(&t, key, 31, "b", oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_csrf_token(&t, NULL, 32, "b", oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_csrf_token(&t, key, 32, "", oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_csrf_token(&t, key, 32, NULL, oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_csrf_verify(key, 16, "b", "x"), APR_EINVAL);
}
END_TEST

/* ---- the origin decision ------------------------------------------------------ */

static const char *const panel[] = {
    "https://panel.example.com:8443", "https://Plesk.Example.NET/", NULL
};

static const struct {
    const char *method;
    const char *site;
    const char *origin;
    int cookie;
    apr_status_t rv;
} origins[] = {
    /* safe methods pass whatever they carry */
    { "GET", "cross-site", "https://evil.example", 1, APR_SUCCESS },
    { "HEAD", NULL, NULL, 1, APR_SUCCESS },
    /* Sec-Fetch-Site decides when present */
    { "POST", "same-origin", NULL, 1, APR_SUCCESS },
    { "POST", "same-origin", "https://evil.example", 1, APR_SUCCESS },
    { "POST", "cross-site", "https://panel.example.com:8443", 1,
      APR_EACCES },
    { "POST", "same-site", NULL, 1, APR_EACCES },
    { "POST", "none", NULL, 0, APR_EACCES },
    { "POST", "Same-Origin", NULL, 1, APR_EACCES },
    { "POST", "", NULL, 1, APR_EACCES },
    { "DELETE", "cross-site", NULL, 0, APR_EACCES },
    /* else Origin against the configured panel origins */
    { "POST", NULL, "https://panel.example.com:8443", 1, APR_SUCCESS },
    { "POST", NULL, "HTTPS://PANEL.EXAMPLE.COM:8443", 1, APR_SUCCESS },
    { "POST", NULL, "https://plesk.example.net:443", 1, APR_SUCCESS },
    { "POST", NULL, "https://plesk.example.net", 0, APR_SUCCESS },
    { "POST", NULL, "http://panel.example.com:8443", 1, APR_EACCES },
    { "POST", NULL, "https://panel.example.com", 1, APR_EACCES },
    { "POST", NULL, "https://panel.example.com:8443.evil.example", 1,
      APR_EACCES },
    { "POST", NULL, "https://evil.panel.example.com:8443", 1, APR_EACCES },
    { "POST", NULL, "https://panel.example.com:8443/x", 1, APR_EACCES },
    { "POST", NULL, "https://user@panel.example.com:8443", 1, APR_EACCES },
    { "POST", NULL, "null", 1, APR_EACCES },
    { "POST", NULL, "", 0, APR_EACCES },
    /* neither: programs without a browser's cookie only */
    { "POST", NULL, NULL, 0, APR_SUCCESS },
    { "POST", NULL, NULL, 1, APR_EACCES },
    { NULL, NULL, NULL, 0, APR_SUCCESS },
};

START_TEST(the_origin_decision_follows_the_rules)
{
    oxt_origin_req_t req;
    const char *why = NULL;

    req.method = origins[_i].method ? origins[_i].method : "PUT";
    req.sec_fetch_site = origins[_i].site;
    req.origin = origins[_i].origin;
    req.cookie_auth = origins[_i].cookie;
    ck_assert_int_eq(oxt_csrf_origin_check(&req, panel, &why),
                     origins[_i].rv);
    ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(without_configured_origins_an_origin_cannot_pass)
{
    oxt_origin_req_t req = { "POST", NULL, "https://panel.example.com", 0 };

    ck_assert_int_eq(oxt_csrf_origin_check(&req, NULL, NULL), APR_EACCES);
    req.sec_fetch_site = "same-origin";
    ck_assert_int_eq(oxt_csrf_origin_check(&req, NULL, NULL), APR_SUCCESS);
}
END_TEST

START_TEST(safe_methods)
{
    ck_assert(oxt_csrf_safe_method("GET"));
    ck_assert(oxt_csrf_safe_method("OPTIONS"));
    ck_assert(!oxt_csrf_safe_method("POST"));
    ck_assert(!oxt_csrf_safe_method("get"));
    ck_assert(!oxt_csrf_safe_method(NULL));
}
END_TEST

TCase *oxt_csrf_test_case(void)
{
    TCase *tc = oxt_unit_tcase("csrf");

    tcase_add_test(tc, the_token_is_an_hmac_of_the_binding);
    tcase_add_test(tc, another_session_or_key_gives_another_token);
    tcase_add_test(tc, verify_accepts_only_the_exact_token);
    tcase_add_test(tc, a_short_key_or_no_binding_is_refused);
    tcase_add_loop_test(tc, the_origin_decision_follows_the_rules, 0,
                        (int)(sizeof(origins) / sizeof(origins[0])));
    tcase_add_test(tc, without_configured_origins_an_origin_cannot_pass);
    tcase_add_test(tc, safe_methods);
    return tc;
}
