/*
 * test_html.c — the HTML writer: every escape rule, hostile inputs,
 * attribute names, URLs in attributes, misuse.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_html.h"
#include "oxt_sink.h"
#include "oxt_url.h"

static oxt_sink_t *sink;

static oxt_html_t *writer(void)
{
    sink = oxt_sink_buffer(0, oxt_test_pool);
    return oxt_html_make(sink, oxt_test_pool);
}

static const char *written(void)
{
    return oxt_sink_buffer_text(sink, NULL);
}

#define FFFD "\xef\xbf\xbd"

/* ---- text: one rule per line ------------------------------------------ */

static const struct {
    const char *in;
    const char *out;
} text_cases[] = {
    { "plain", "plain" },
    { "", "" },
    { "a & b", "a &amp; b" },
    { "<b>", "&lt;b&gt;" },
    { "\"quoted\"", "&quot;quoted&quot;" },
    { "it's", "it&#39;s" },
    { "&amp;", "&amp;amp;" },
    { "tab\tand\nline", "tab\tand\nline" },
    { "cr\r\nlf", "cr\nlf" },
    { "bell\x07" "esc\x1b", "bell" FFFD "esc" FFFD },
    { "del\x7f", "del" FFFD },
    { "m\xc3\xbcller", "m\xc3\xbcller" },                 /* ü stays */
    { "\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87" },
    { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },            /* 😀 stays */
    { "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d" },
    { "bad\xff" "byte", "bad" FFFD "byte" },
    { "cut\xe2\x82", "cut" FFFD FFFD },
    { "\xc0\xbc" "script", FFFD FFFD "script" },          /* overlong '<' */
    { "\xe0\x80\xbc", FFFD FFFD FFFD },                     /* overlong '<' */
    { "\xed\xa0\x80", FFFD FFFD FFFD },                     /* surrogate */
    { "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },            /* > U+10FFFF */
    { "\xc2\x85" "nel", FFFD "nel" },                       /* C1 control */
    { "\xef\xbf\xbe\xef\xbf\xbf", FFFD FFFD },              /* U+FFFE FFFF */
    { "\xef\xb7\x90", FFFD },                               /* U+FDD0 */
    { "abc\xe2\x80\xae" "gpj.exe", "abc" FFFD "gpj.exe" },  /* RLO */
    { "\xe2\x80\xab\xe2\x80\xac", FFFD FFFD },              /* RLE PDF */
    { "\xe2\x81\xa6" "x\xe2\x81\xa9", FFFD "x" FFFD },      /* LRI PDI */
    { "\xe2\x81\xa7\xe2\x81\xa8", FFFD FFFD },              /* RLI FSI */
    { "admin\xe2\x80\x8b", "admin" FFFD },                  /* ZWSP */
    { "\xe2\x80\x8c\xe2\x80\x8d", FFFD FFFD },              /* ZWNJ ZWJ */
    { "\xe2\x80\x8e\xe2\x80\x8f", FFFD FFFD },              /* LRM RLM */
    { "\xef\xbb\xbf" "bom", FFFD "bom" },                   /* U+FEFF */
    { "\xd8\x9c", FFFD },                                   /* ALM */
    { "\xe2\x81\xa0", FFFD },                               /* WJ */
    { "\xe3\x85\xa4", FFFD },                               /* Hangul filler */
    { "\xf3\xa0\x80\x81", FFFD },                           /* tag U+E0001 */
    { "\xe2\x80\x90", "\xe2\x80\x90" },                     /* hyphen stays */
};

START_TEST(text_is_escaped_and_cleaned)
{
    oxt_html_t *h = writer();

    oxt_html_text(h, text_cases[_i].in);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(), text_cases[_i].out);
}
END_TEST

START_TEST(null_text_writes_nothing)
{
    oxt_html_t *h = writer();

    oxt_html_text(h, NULL);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(), "");
}
END_TEST

START_TEST(textn_replaces_an_embedded_nul)
{
    oxt_html_t *h = writer();

    oxt_html_textn(h, "a\0<b", 4);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(), "a" FFFD "&lt;b");
}
END_TEST

START_TEST(long_text_streams_in_chunks)
{
    oxt_html_t *h = writer();
    char *big = apr_palloc(oxt_test_pool, 5001);
    apr_size_t len;

    memset(big, '&', 5000);
    big[5000] = '\0';
    oxt_html_text(h, big);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    oxt_sink_buffer_text(sink, &len);
    ck_assert_uint_eq(len, 5000 * 5);
}
END_TEST

/* ---- hostile names: the whole corpus, in text and in attributes ------- */

static const struct {
    const char *name;
    const char *text;          /* what oxt_html_name writes inside <bdi> */
} hostile[] = {
    { "<script>alert(1)</script>",
      "&lt;script&gt;alert(1)&lt;/script&gt;" },
    { "\"><img src=x onerror=alert(1)>",
      "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" },
    { "' onmouseover='alert(1)", "&#39; onmouseover=&#39;alert(1)" },
    { "javascript:alert(1)", "javascript:alert(1)" },
    { "</bdi><b>x", "&lt;/bdi&gt;&lt;b&gt;x" },
    { "<!--", "&lt;!--" },
    { "]]><svg onload=alert(1)>", "]]&gt;&lt;svg onload=alert(1)&gt;" },
    { "&lt;already&gt;", "&amp;lt;already&amp;gt;" },
    { "\xe2\x80\xae" "moc.elgoog", FFFD "moc.elgoog" },
    { "\xe2\x81\xa7" "evil\xe2\x81\xa9" "ok", FFFD "evil" FFFD "ok" },
    { "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",          /* Arabic */
      "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7" },
};

START_TEST(hostile_names_come_out_inert)
{
    oxt_html_t *h = writer();
    const char *want = apr_pstrcat(oxt_test_pool, "<bdi>", hostile[_i].text,
                                   "</bdi>", NULL);

    oxt_html_name(h, hostile[_i].name);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(), want);
}
END_TEST

START_TEST(hostile_names_stay_inside_attributes)
{
    oxt_html_t *h = writer();
    const char *out, *p;
    int quotes = 0;

    OXT_HTML_LIT(h, "<a");
    oxt_html_attr(h, "title", hostile[_i].name);
    OXT_HTML_LIT(h, ">");
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = written();
    /* Exactly the two quotes of the attribute, and no tag opened in it. */
    for (p = out; *p; p++) {
        quotes += *p == '"';
        ck_assert(*p != '<' || p == out);
        ck_assert(*p != '>' || p[1] == '\0');
        ck_assert(*p != '\'');
    }
    ck_assert_int_eq(quotes, 2);
    ck_assert_str_eq(out, apr_pstrcat(oxt_test_pool, "<a title=\"",
                                      hostile[_i].text, "\">", NULL));
}
END_TEST

START_TEST(a_255_byte_name_is_written_whole)
{
    oxt_html_t *h = writer();
    char name[256];
    apr_size_t len;

    memset(name, 'w', 255);
    name[255] = '\0';
    oxt_html_name(h, name);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    oxt_sink_buffer_text(sink, &len);
    ck_assert_uint_eq(len, 255 + strlen("<bdi></bdi>"));
}
END_TEST

/* ---- literals, numbers, flags ------------------------------------------ */

START_TEST(literals_numbers_and_flags)
{
    oxt_html_t *h = writer();

    OXT_HTML_LIT(h, "<input type=\"checkbox\"");
    oxt_html_attr_int(h, "value", -42);
    oxt_html_attr_flag(h, "checked", 1);
    oxt_html_attr_flag(h, "disabled", 0);
    oxt_html_attr(h, "aria-label", "Webmail Now: a&b");
    oxt_html_attr(h, "title", NULL);
    OXT_HTML_LIT(h, ">");
    oxt_html_int(h, 9223372036854775807LL);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(), "<input type=\"checkbox\" value=\"-42\""
                     " checked aria-label=\"Webmail Now: a&amp;b\">"
                     "9223372036854775807");
}
END_TEST

/* ---- attribute names ---------------------------------------------------------- */

static const char *const refused_names[] = {
    "onclick", "onerror", "onload", "style", "href", "src", "action",
    "formaction", "srcdoc", "srcset", "content", "http-equiv", "xmlns",
    "data", "", "Title", "x y", "a\"b", "a=b", "a>b",
    "xlink:href", "-x", "0x", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

START_TEST(refused_attribute_names_stop_the_output)
{
    oxt_html_t *h = writer();

    OXT_HTML_LIT(h, "<p");
    oxt_html_attr(h, refused_names[_i], "x");
    OXT_HTML_LIT(h, ">after");
    ck_assert_int_eq(oxt_html_finish(h), APR_EINVAL);
    ck_assert_ptr_nonnull(oxt_html_error(h));
    ck_assert_str_eq(written(), "<p");
    ck_assert(!oxt_html_ok(h));
}
END_TEST

START_TEST(a_null_attribute_name_is_misuse)
{
    oxt_html_t *h = writer();

    oxt_html_attr_flag(h, NULL, 1);
    ck_assert_int_eq(oxt_html_finish(h), APR_EINVAL);
}
END_TEST

START_TEST(data_attributes_and_aria_are_allowed)
{
    oxt_html_t *h = writer();

    oxt_html_attr(h, "data-col", "forever");
    oxt_html_attr(h, "aria-sort", "ascending");
    oxt_html_attr(h, "id", "all-forever");
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(), " data-col=\"forever\" aria-sort=\"ascending\""
                     " id=\"all-forever\"");
}
END_TEST

/* ---- URLs in attributes --------------------------------------------------------- */

START_TEST(a_built_url_is_written_with_amp_escaped)
{
    oxt_html_t *h = writer();
    oxt_url_t *u = oxt_url_make("/oxtender", oxt_test_pool);

    OXT_URL_WORD(u, "domains");
    oxt_url_query(u, "sort", "name");
    oxt_url_query(u, "dir", "desc");
    oxt_url_query(u, "q", "\"><script>&x");
    oxt_url_query_int(u, "reseller", 7);
    OXT_HTML_LIT(h, "<a");
    oxt_html_attr_url(h, "href", u);
    OXT_HTML_LIT(h, ">");
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    ck_assert_str_eq(written(), "<a href=\"/oxtender/domains?sort=name"
                     "&amp;dir=desc&amp;q=%22%3E%3Cscript%3E%26x"
                     "&amp;reseller=7\">");
}
END_TEST

START_TEST(a_bad_url_is_not_written)
{
    oxt_html_t *h = writer();
    oxt_url_t *u = oxt_url_make("javascript:alert(1)", oxt_test_pool);

    OXT_HTML_LIT(h, "<a");
    oxt_html_attr_url(h, "href", u);
    ck_assert_int_eq(oxt_html_finish(h), APR_EINVAL);
    ck_assert_str_eq(oxt_html_error(h), "bad URL");
    ck_assert_str_eq(written(), "<a");
}
END_TEST

START_TEST(a_url_goes_only_into_url_attributes)
{
    oxt_html_t *h = writer();
    oxt_url_t *u = oxt_url_make("/oxtender", oxt_test_pool);

    oxt_html_attr_url(h, "title", u);
    ck_assert_int_eq(oxt_html_finish(h), APR_EINVAL);
    h = writer();
    oxt_html_attr_url(h, "action", u);
    oxt_html_attr_url(h, "src", NULL);
    ck_assert_int_eq(oxt_html_finish(h), APR_EINVAL);
    ck_assert_str_eq(written(), " action=\"/oxtender/\"");
}
END_TEST

START_TEST(the_writer_reports_the_sink_failure)
{
    oxt_html_t *h;

    sink = oxt_sink_buffer(4, oxt_test_pool);
    h = oxt_html_make(sink, oxt_test_pool);
    oxt_html_text(h, "longer than four");
    ck_assert_int_eq(oxt_html_finish(h), APR_ENOSPC);
    ck_assert_ptr_null(oxt_html_error(h));
    ck_assert_ptr_eq(oxt_html_sink(h), sink);
    ck_assert_ptr_eq(oxt_html_pool(h), oxt_test_pool);
}
END_TEST

TCase *oxt_html_test_case(void)
{
    TCase *tc = oxt_unit_tcase("html");

    tcase_add_loop_test(tc, text_is_escaped_and_cleaned, 0,
                        (int)(sizeof(text_cases) / sizeof(text_cases[0])));
    tcase_add_test(tc, null_text_writes_nothing);
    tcase_add_test(tc, textn_replaces_an_embedded_nul);
    tcase_add_test(tc, long_text_streams_in_chunks);
    tcase_add_loop_test(tc, hostile_names_come_out_inert, 0,
                        (int)(sizeof(hostile) / sizeof(hostile[0])));
    tcase_add_loop_test(tc, hostile_names_stay_inside_attributes, 0,
                        (int)(sizeof(hostile) / sizeof(hostile[0])));
    tcase_add_test(tc, a_255_byte_name_is_written_whole);
    tcase_add_test(tc, literals_numbers_and_flags);
    tcase_add_loop_test(tc, refused_attribute_names_stop_the_output, 0,
                        (int)(sizeof(refused_names)
                              / sizeof(refused_names[0])));
    tcase_add_test(tc, a_null_attribute_name_is_misuse);
    tcase_add_test(tc, data_attributes_and_aria_are_allowed);
    tcase_add_test(tc, a_built_url_is_written_with_amp_escaped);
    tcase_add_test(tc, a_bad_url_is_not_written);
    tcase_add_test(tc, a_url_goes_only_into_url_attributes);
    tcase_add_test(tc, the_writer_reports_the_sink_failure);
    return tc;
}
