/*
 * test_httpreq.c — the request heads of the daemon's metrics endpoint:
 * what is taken, what is refused and which limit stops what. The fuzz
 * harness (fuzz/fuzz_httpreq.c) checks the same contract on any input.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_httpreq.h"

static apr_status_t parse(oxt_httpreq_t *req, const char *s)
{
    return oxt_httpreq_parse(req, s, strlen(s));
}

START_TEST(a_prometheus_scrape_is_taken)
{
    const char *head = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9464\r\n"
                       "User-Agent: Prometheus/2.42.0\r\n"
                       "Accept: text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"
                       "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n";
    oxt_httpreq_t req;

    ck_assert_int_eq(parse(&req, head), APR_SUCCESS);
    ck_assert_int_eq(req.method, OXT_HTTPREQ_GET);
    ck_assert_int_eq(req.minor, 1);
    ck_assert_int_eq(req.head_len, strlen(head));
    ck_assert(oxt_httpreq_path_is(&req, "/metrics"));
    ck_assert(!oxt_httpreq_path_is(&req, "/metric"));
}
END_TEST

START_TEST(what_follows_the_head_is_not_read)
{
    const char *s = "HEAD /metrics?x=1&y HTTP/1.0\n\nGET / HTTP/1.1\r\n";
    oxt_httpreq_t req;

    ck_assert_int_eq(parse(&req, s), APR_SUCCESS);
    ck_assert_int_eq(req.method, OXT_HTTPREQ_HEAD);
    ck_assert_int_eq(req.minor, 0);
    ck_assert_int_eq(req.head_len, strlen("HEAD /metrics?x=1&y HTTP/1.0\n\n"));
    ck_assert(oxt_httpreq_path_is(&req, "/metrics"));
    ck_assert_int_eq(parse(&req, "POST /metrics HTTP/1.1\r\n"
                                 "Content-Length: 3\r\n\r\nabc"),
                     APR_SUCCESS);
    ck_assert_int_eq(req.method, OXT_HTTPREQ_OTHER);
}
END_TEST

START_TEST(a_head_arriving_in_pieces_is_incomplete_until_its_end)
{
    const char *head = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    apr_size_t n = strlen(head), i;
    oxt_httpreq_t req;

    for (i = 0; i < n; i++) {
        ck_assert_msg(oxt_httpreq_parse(&req, head, i) == APR_INCOMPLETE,
                      "complete after %d bytes", (int)i);
    }
    ck_assert_int_eq(oxt_httpreq_parse(&req, head, n), APR_SUCCESS);
}
END_TEST

static const char *const malformed[] = {
    "GET /metrics\r\n\r\n",
    "GET /metrics HTTP/2.0\r\n\r\n",
    "GET /metrics HTTP/1.10\r\n\r\n",
    "GET /metrics http/1.1\r\n\r\n",
    "GET  /metrics HTTP/1.1\r\n\r\n",
    "GET /metrics  HTTP/1.1\r\n\r\n",
    " GET /metrics HTTP/1.1\r\n\r\n",
    "\r\nGET /metrics HTTP/1.1\r\n\r\n",
    "get /metrics HTTP/1.1\r\n\r\n",
    "G3T /metrics HTTP/1.1\r\n\r\n",
    "ABCDEFGHIJKLMNOPQ /metrics HTTP/1.1\r\n\r\n",
    "GET metrics HTTP/1.1\r\n\r\n",
    "GET http://127.0.0.1/metrics HTTP/1.1\r\n\r\n",
    "GET * HTTP/1.1\r\n\r\n",
    "GET /met\trics HTTP/1.1\r\n\r\n",
    "GET /metrics#top HTTP/1.1\r\n\r\n",
    "GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n",
    "GET /metrics HTTP/1.1\r\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nNo colon\r\n\r\n",
    "GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nX: a\rb\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nX: \x01\r\n\r\n",
    "GET /metrics HTTP/1.1\r\nX: \x7f\r\n\r\n",
};

START_TEST(malformed_heads_are_refused)
{
    oxt_httpreq_t req;

    ck_assert_msg(parse(&req, malformed[_i]) == APR_EINVAL, "taken: %s",
                  malformed[_i]);
}
END_TEST

START_TEST(a_nul_anywhere_is_refused)
{
    const char head[] = "GET /metrics HTTP/1.1\r\nX: a\0b\r\n\r\n";
    const char line[] = "GET /me\0trics HTTP/1.1\r\n\r\n";
    oxt_httpreq_t req;

    ck_assert_int_eq(oxt_httpreq_parse(&req, head, sizeof(head) - 1),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_httpreq_parse(&req, line, sizeof(line) - 1),
                     APR_EINVAL);
}
END_TEST

static char *repeat(const char *s, int n)
{
    apr_size_t len = strlen(s), i;
    char *out = apr_palloc(oxt_test_pool, len * (apr_size_t)n + 1);

    for (i = 0; i < (apr_size_t)n; i++) {
        memcpy(out + i * len, s, len);
    }
    out[len * (apr_size_t)n] = '\0';
    return out;
}

START_TEST(limits_stop_long_heads_early)
{
    char *line = apr_pstrcat(oxt_test_pool, "GET /",
                             repeat("a", OXT_HTTPREQ_LINE_MAX), " HTTP/1.1",
                             NULL);
    char *fits = apr_pstrcat(oxt_test_pool, "GET /",
                             repeat("a", OXT_HTTPREQ_LINE_MAX - 14),
                             " HTTP/1.1\r\n\r\n", NULL);
    oxt_httpreq_t req;

    ck_assert_int_eq(parse(&req, fits), APR_SUCCESS);
    ck_assert_int_eq(parse(&req, line), APR_ENOSPC);  /* no LF needed */
    ck_assert_int_eq(parse(&req, apr_pstrcat(oxt_test_pool,
        "GET / HTTP/1.1\r\n", repeat("X: a\r\n", OXT_HTTPREQ_HEADERS_MAX),
        "\r\n", NULL)), APR_SUCCESS);
    ck_assert_int_eq(parse(&req, apr_pstrcat(oxt_test_pool,
        "GET / HTTP/1.1\r\n", repeat("X: a\r\n", OXT_HTTPREQ_HEADERS_MAX + 1),
        "\r\n", NULL)), APR_ENOSPC);
    /* 5 lines of 1000 bytes: each fits, the head does not */
    ck_assert_int_eq(parse(&req, apr_pstrcat(oxt_test_pool,
        "GET / HTTP/1.1\r\n", repeat(apr_pstrcat(oxt_test_pool, "X: ",
        repeat("b", 995), "\r\n", NULL), 5), NULL)), APR_ENOSPC);
}
END_TEST

TCase *oxt_httpreq_test_case(void)
{
    TCase *tc = oxt_unit_tcase("httpreq");

    tcase_add_test(tc, a_prometheus_scrape_is_taken);
    tcase_add_test(tc, what_follows_the_head_is_not_read);
    tcase_add_test(tc, a_head_arriving_in_pieces_is_incomplete_until_its_end);
    tcase_add_loop_test(tc, malformed_heads_are_refused, 0,
                        (int)(sizeof(malformed) / sizeof(malformed[0])));
    tcase_add_test(tc, a_nul_anywhere_is_refused);
    tcase_add_test(tc, limits_stop_long_heads_early);
    return tc;
}
