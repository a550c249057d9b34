/*
 * test_session.c — the Cookie header, client addresses behind a proxy.
 * (The session row itself is checked by the integration suite against
 * a real psa.sessions table: tests/integration/test_session.py.)
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "oxt_unit.h"
#include "oxt_session.h"

#define SID "0123456789abcdef0123456789abcdef"

START_TEST(the_session_cookie_is_found_among_others)
{
    apr_pool_t *p = oxt_test_pool;
    const char *v = NULL;
    static const char *const headers[] = {
        "PHPSESSID=" SID,
        "a=1; PHPSESSID=" SID "; b=2",
        "a=1;PHPSESSID=" SID,
        "  PHPSESSID = " SID "  ;x=y",
        "PHPSESSID=\"" SID "\"",
        "PHPSESSID=" SID "; PHPSESSID=" SID,       /* the same twice */
        "XPHPSESSID=zzz; PHPSESSID=" SID,
    };
    size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        v = NULL;
        ck_assert_msg(oxt_session_cookie_get(&v, headers[i], "PHPSESSID", p)
                      == APR_SUCCESS, "%s", headers[i]);
        ck_assert_str_eq(v, SID);
    }
    ck_assert_int_eq(oxt_session_cookie_get(&v, "PLESKSESSID=" SID,
                                            "PLESKSESSID", p), APR_SUCCESS);
}
END_TEST

START_TEST(no_session_cookie_is_enoent)
{
    apr_pool_t *p = oxt_test_pool;
    const char *v;

    ck_assert_int_eq(oxt_session_cookie_get(&v, NULL, "PHPSESSID", p),
                     APR_ENOENT);
    ck_assert_int_eq(oxt_session_cookie_get(&v, "", "PHPSESSID", p),
                     APR_ENOENT);
    ck_assert_int_eq(oxt_session_cookie_get(&v, "a=1; b=2", "PHPSESSID", p),
                     APR_ENOENT);
    ck_assert_int_eq(oxt_session_cookie_get(&v, "phpsessid=" SID,
                                            "PHPSESSID", p), APR_ENOENT);
    ck_assert_int_eq(oxt_session_cookie_get(&v, "PHPSESSIDX=" SID,
                                            "PHPSESSID", p), APR_ENOENT);
}
END_TEST

START_TEST(bad_session_cookies_are_refused)
{
    apr_pool_t *p = oxt_test_pool;
    char big[OXT_SESSION_COOKIE_HEADER_MAX + 16], *many;
    const char *v;
    static const char *const headers[] = {
        "PHPSESSID=short",                            /* too short */
        "PHPSESSID=" SID SID SID SID "x",             /* too long */
        "PHPSESSID=" SID "'",                         /* quote */
        "PHPSESSID=0123456789abcdef 0123456789abcdef", /* blank inside */
        "PHPSESSID=" SID "%00",                       /* escapes */
        "PHPSESSID=" SID "; PHPSESSID=fedcba9876543210fedcba", /* planted */
        "PHPSESSID=",
    };
    size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        ck_assert_msg(oxt_session_cookie_get(&v, headers[i], "PHPSESSID", p)
                      == APR_EINVAL, "%s", headers[i]);
    }
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "PHPSESSID=" SID ";", 43);
    ck_assert_int_eq(oxt_session_cookie_get(&v, big, "PHPSESSID", p),
                     APR_EINVAL);
    many = "";
    for (i = 0; i < OXT_SESSION_COOKIES_MAX; i++) {
        many = apr_pstrcat(p, many, "c=1;", NULL);
    }
    ck_assert_int_eq(oxt_session_cookie_get(&v, apr_pstrcat(p, many,
                     "PHPSESSID=" SID, NULL), "PHPSESSID", p), APR_EINVAL);
}
END_TEST

START_TEST(addresses_compare_by_value)
{
    ck_assert(oxt_session_addr_equal("127.0.0.1", "127.0.0.1"));
    ck_assert(oxt_session_addr_equal("::ffff:192.0.2.1", "192.0.2.1"));
    ck_assert(oxt_session_addr_equal("2001:db8::1", "2001:DB8:0::1"));
    ck_assert(!oxt_session_addr_equal("192.0.2.1", "192.0.2.10"));
    ck_assert(!oxt_session_addr_equal("192.0.2.1", NULL));
    ck_assert(!oxt_session_addr_equal("nginx", "nginx"));
    ck_assert(!oxt_session_addr_equal("192.0.2.1 ", "192.0.2.1"));
}
END_TEST

START_TEST(the_forwarded_address_counts_only_from_a_trusted_proxy)
{
    apr_pool_t *p = oxt_test_pool;
    apr_array_header_t *proxies = apr_array_make(p, 2, sizeof(const char *));
    const char *addr;

    APR_ARRAY_PUSH(proxies, const char *) = "127.0.0.1";
    APR_ARRAY_PUSH(proxies, const char *) = "::1";
    /* not from the proxy: the header is a lie we ignore */
    ck_assert_int_eq(oxt_session_client_addr(&addr, "192.0.2.7",
                     "198.51.100.1", proxies, p), APR_SUCCESS);
    ck_assert_str_eq(addr, "192.0.2.7");
    /* from the proxy: the last entry, the one nginx added */
    ck_assert_int_eq(oxt_session_client_addr(&addr, "127.0.0.1",
                     "10.0.0.1, 198.51.100.1", proxies, p), APR_SUCCESS);
    ck_assert_str_eq(addr, "198.51.100.1");
    ck_assert_int_eq(oxt_session_client_addr(&addr, "::1", " 2001:db8::5 ",
                     proxies, p), APR_SUCCESS);
    ck_assert_str_eq(addr, "2001:db8::5");
    /* from the proxy without the header: the proxy's own connection */
    ck_assert_int_eq(oxt_session_client_addr(&addr, "127.0.0.1", NULL,
                     proxies, p), APR_SUCCESS);
    ck_assert_str_eq(addr, "127.0.0.1");
    /* no proxies configured: always the peer */
    ck_assert_int_eq(oxt_session_client_addr(&addr, "127.0.0.1",
                     "198.51.100.1", NULL, p), APR_SUCCESS);
    ck_assert_str_eq(addr, "127.0.0.1");
    ck_assert_int_eq(oxt_session_client_addr(&addr, "127.0.0.1",
                     "198.51.100.1, evil", proxies, p), APR_EINVAL);
    ck_assert_int_eq(oxt_session_client_addr(&addr, "127.0.0.1", "",
                     proxies, p), APR_EINVAL);
}
END_TEST

TCase *oxt_session_test_case(void)
{
    TCase *tc = oxt_unit_tcase("session");

    tcase_add_test(tc, the_session_cookie_is_found_among_others);
    tcase_add_test(tc, no_session_cookie_is_enoent);
    tcase_add_test(tc, bad_session_cookies_are_refused);
    tcase_add_test(tc, addresses_compare_by_value);
    tcase_add_test(tc, the_forwarded_address_counts_only_from_a_trusted_proxy);
    return tc;
}
