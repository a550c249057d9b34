/*
 * test_url.c — the URL builder: our routes, panel links, and every way a
 * link could leave our origin.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_url.h"

static const char *str(const oxt_url_t *u)
{
    return oxt_url_str(u, oxt_test_pool);
}

START_TEST(the_root_of_our_routes)
{
    ck_assert_str_eq(str(oxt_url_make("/oxtender", oxt_test_pool)),
                     "/oxtender/");
    ck_assert_str_eq(str(oxt_url_make("", oxt_test_pool)), "/");
    ck_assert_str_eq(str(oxt_url_make("/a/b-c_d.e~f", oxt_test_pool)),
                     "/a/b-c_d.e~f/");
}
END_TEST

START_TEST(words_ids_segments_and_queries)
{
    oxt_url_t *u = oxt_url_make("/oxtender", oxt_test_pool);

    OXT_URL_WORD(u, "report");
    OXT_URL_WORD(u, "client");
    oxt_url_id(u, 7);
    oxt_url_query(u, "format", "json");
    oxt_url_query_int(u, "page", -1);
    oxt_url_query(u, "skip", NULL);
    ck_assert_str_eq(str(u), "/oxtender/report/client/7?format=json&page=-1");
    ck_assert_str_eq(oxt_url_peek(u), str(u));
    ck_assert(oxt_url_ok(u));
    ck_assert_ptr_null(oxt_url_error(u));
}
END_TEST

START_TEST(a_query_on_the_root)
{
    oxt_url_t *u = oxt_url_make("/oxtender", oxt_test_pool);

    oxt_url_query(u, "q", "a b");
    ck_assert_str_eq(str(u), "/oxtender/?q=a%20b");
}
END_TEST

static const struct {
    const char *in;
    const char *out;
} encoded[] = {
    { "plain-_.~", "plain-_.~" },
    { "a b+c", "a%20b%2Bc" },
    { "a&b=c#d?e/f%g", "a%26b%3Dc%23d%3Fe%2Ff%25g" },
    { "\"'<>`", "%22%27%3C%3E%60" },
    { "javascript:alert(1)", "javascript%3Aalert%281%29" },
    { "\xc3\xbc\xe2\x80\xae", "%C3%BC%E2%80%AE" },
    { "\r\n\t\x01", "%0D%0A%09%01" },
};

START_TEST(query_values_and_segments_are_percent_encoded)
{
    oxt_url_t *q = oxt_url_make("/o", oxt_test_pool);
    oxt_url_t *s = oxt_url_make("/o", oxt_test_pool);

    oxt_url_query(q, "v", encoded[_i].in);
    oxt_url_seg(s, encoded[_i].in);
    ck_assert_str_eq(str(q), apr_pstrcat(oxt_test_pool, "/o/?v=",
                                         encoded[_i].out, NULL));
    ck_assert_str_eq(str(s), apr_pstrcat(oxt_test_pool, "/o/",
                                         encoded[_i].out, NULL));
}
END_TEST

START_TEST(a_repeated_key_keeps_its_order)
{
    oxt_url_t *u = oxt_url_make("/o", oxt_test_pool);

    OXT_URL_WORD(u, "x");
    oxt_url_query_int(u, "id", 3);
    oxt_url_query_int(u, "id", 1);
    ck_assert_str_eq(str(u), "/o/x?id=3&id=1");
}
END_TEST

START_TEST(a_copy_is_independent)
{
    oxt_url_t *u = oxt_url_make("/o", oxt_test_pool), *c;

    OXT_URL_WORD(u, "domains");
    c = oxt_url_copy(u, oxt_test_pool);
    oxt_url_query(c, "sort", "name");
    oxt_url_query(u, "sort", "modified");
    ck_assert_str_eq(str(u), "/o/domains?sort=modified");
    ck_assert_str_eq(str(c), "/o/domains?sort=name");
}
END_TEST

/* ---- nothing leaves our origin ------------------------------------------ */

static const char *const bad_bases[] = {
    "javascript:alert(1)", "//evil.example", "http://evil.example",
    "/oxtender/", "oxtender", "/a//b", "/a/../b", "/..", "/.", "/a b",
    "/a?b", "/a#b", "/a%2e", "\\\\evil", "/a\\b", "data:text/html,x",
};

START_TEST(bad_bases_are_refused)
{
    oxt_url_t *u = oxt_url_make(bad_bases[_i], oxt_test_pool);

    OXT_URL_WORD(u, "domains");
    ck_assert(!oxt_url_ok(u));
    ck_assert_ptr_null(str(u));
    ck_assert_ptr_null(oxt_url_peek(u));
}
END_TEST

static void misuse_dot_dot(oxt_url_t *u) { oxt_url_seg(u, ".."); }
static void misuse_dot(oxt_url_t *u) { oxt_url_seg(u, "."); }
static void misuse_empty_seg(oxt_url_t *u) { oxt_url_seg(u, ""); }
static void misuse_null_seg(oxt_url_t *u) { oxt_url_seg(u, NULL); }
static void misuse_key_eq(oxt_url_t *u) { oxt_url_query(u, "a=b", "c"); }
static void misuse_key_amp(oxt_url_t *u) { oxt_url_query(u, "a&b", "c"); }
static void misuse_key_empty(oxt_url_t *u) { oxt_url_query(u, "", "c"); }
static void misuse_key_null(oxt_url_t *u) { oxt_url_query(u, NULL, "c"); }
static void misuse_negative_id(oxt_url_t *u) { oxt_url_id(u, -5); }
static void misuse_word_slash(oxt_url_t *u) { OXT_URL_WORD(u, "a/b"); }
static void misuse_word_dots(oxt_url_t *u) { OXT_URL_WORD(u, ".."); }
static void misuse_word_colon(oxt_url_t *u) { OXT_URL_WORD(u, "javascript:"); }

static void misuse_seg_after_query(oxt_url_t *u)
{
    oxt_url_query(u, "a", "b");
    OXT_URL_WORD(u, "c");
}

static void misuse_too_long(oxt_url_t *u)
{
    char *big = apr_palloc(oxt_test_pool, OXT_URL_MAX + 1);

    memset(big, 'a', OXT_URL_MAX);
    big[OXT_URL_MAX] = '\0';
    oxt_url_query(u, "q", big);
}

static void (*const misuses[])(oxt_url_t *) = {
    misuse_dot_dot, misuse_dot, misuse_empty_seg, misuse_null_seg,
    misuse_key_eq, misuse_key_amp, misuse_key_empty, misuse_key_null,
    misuse_negative_id, misuse_word_slash, misuse_word_dots,
    misuse_word_colon, misuse_seg_after_query, misuse_too_long,
};

START_TEST(misuse_turns_the_builder_bad)
{
    oxt_url_t *u = oxt_url_make("/oxtender", oxt_test_pool);

    misuses[_i](u);
    ck_assert(!oxt_url_ok(u));
    ck_assert_ptr_nonnull(oxt_url_error(u));
    ck_assert_ptr_null(str(u));
    /* Bad stays bad. */
    OXT_URL_WORD(u, "domains");
    ck_assert_ptr_null(str(u));
}
END_TEST

/* ---- the Plesk panel link ------------------------------------------------- */

START_TEST(a_panel_link_from_the_configured_base)
{
    oxt_url_t *u = oxt_url_panel("https://panel.example.com:8443",
                                 oxt_test_pool);

    OXT_URL_WORD(u, "clients");
    oxt_url_id(u, 12);
    OXT_URL_WORD(u, "edit.php3");
    oxt_url_query(u, "from", "oxtender & co");
    ck_assert_str_eq(str(u), "https://panel.example.com:8443/clients/12/"
                     "edit.php3?from=oxtender%20%26%20co");
    ck_assert_str_eq(str(oxt_url_panel("http://10.0.0.1/", oxt_test_pool)),
                     "http://10.0.0.1/");
    ck_assert_str_eq(str(oxt_url_panel("https://[2001:db8::1]:8443",
                                       oxt_test_pool)),
                     "https://[2001:db8::1]:8443/");
}
END_TEST

START_TEST(data_never_enters_a_panel_path)
{
    oxt_url_t *u = oxt_url_panel("https://panel.example.com", oxt_test_pool);

    oxt_url_seg(u, "clients");
    ck_assert_ptr_null(str(u));
}
END_TEST

static const char *const bad_panels[] = {
    "javascript:alert(1)", "ftp://panel.example.com", "https://",
    "https://user:pw@panel.example.com", "https://panel.example.com/path",
    "https://panel.example.com:0", "https://panel.example.com:65536",
    "https://panel.example.com:84a3", "https://.example.com",
    "https://a..b", "https://panel.example.com?x", "https://[]",
    "https://[::1", "https://pa nel", "//panel.example.com",
    "HTTPS://panel.example.com:8443x", "https://panel.example.com//",
};

START_TEST(bad_panel_bases_are_refused)
{
    oxt_url_t *u = oxt_url_panel(bad_panels[_i], oxt_test_pool);

    ck_assert(!oxt_url_ok(u));
    ck_assert_ptr_null(str(u));
}
END_TEST

TCase *oxt_url_test_case(void)
{
    TCase *tc = oxt_unit_tcase("url");

    tcase_add_test(tc, the_root_of_our_routes);
    tcase_add_test(tc, words_ids_segments_and_queries);
    tcase_add_test(tc, a_query_on_the_root);
    tcase_add_loop_test(tc, query_values_and_segments_are_percent_encoded, 0,
                        (int)(sizeof(encoded) / sizeof(encoded[0])));
    tcase_add_test(tc, a_repeated_key_keeps_its_order);
    tcase_add_test(tc, a_copy_is_independent);
    tcase_add_loop_test(tc, bad_bases_are_refused, 0,
                        (int)(sizeof(bad_bases) / sizeof(bad_bases[0])));
    tcase_add_loop_test(tc, misuse_turns_the_builder_bad, 0,
                        (int)(sizeof(misuses) / sizeof(misuses[0])));
    tcase_add_test(tc, a_panel_link_from_the_configured_base);
    tcase_add_test(tc, data_never_enters_a_panel_path);
    tcase_add_loop_test(tc, bad_panel_bases_are_refused, 0,
                        (int)(sizeof(bad_panels) / sizeof(bad_panels[0])));
    return tc;
}
