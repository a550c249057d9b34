/*
 * test_list.c — list descriptions, list requests, SQL pieces from the
 * allow-list, paging, and the three renderers driven by one table.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_list.h"
#include "oxt_utf8.h"

/* ---- a Domains-like list ------------------------------------------------- */

typedef struct dom_t {
    long long id;
    const char *name;
    int suspended;
    long long modified;
    long long total, ox;
    int forever, forever_locked;
} dom_t;

typedef struct page_ctx_t {
    const char *base;
} page_ctx_t;

static long long dom_id(const void *row)
{
    return ((const dom_t *)row)->id;
}

static void get_name(oxt_cell_t *c, const void *row, void *b, apr_pool_t *p)
{
    const dom_t *d = row;
    page_ctx_t *ctx = b;
    oxt_url_t *u = oxt_url_panel("https://panel.example.com:8443", p);

    (void)ctx;
    c->text = d->name;
    c->flags = d->suspended ? OXT_CELL_SUSPENDED : 0;
    OXT_URL_WORD(u, "domains");
    oxt_url_id(u, d->id);
    c->url2 = u;
}

static void get_modified(oxt_cell_t *c, const void *row, void *b,
                         apr_pool_t *p)
{
    (void)b; (void)p;
    c->when = ((const dom_t *)row)->modified;
}

static void get_mailboxes(oxt_cell_t *c, const void *row, void *b,
                          apr_pool_t *p)
{
    const dom_t *d = row;
    const page_ctx_t *ctx = b;
    oxt_url_t *all = oxt_url_make(ctx->base, p), *ox;

    c->num = d->total;
    c->num2 = d->ox;
    OXT_URL_WORD(all, "mailboxes");
    oxt_url_query_int(all, "domain", d->id);
    ox = oxt_url_copy(all, p);
    oxt_url_query(ox, "ox", "1");
    c->url = all;
    c->url2 = ox;
}

static void get_forever(oxt_cell_t *c, const void *row, void *b,
                        apr_pool_t *p)
{
    (void)b; (void)p;
    c->on = ((const dom_t *)row)->forever;
    c->disabled = ((const dom_t *)row)->forever_locked;
}

static void get_report(oxt_cell_t *c, const void *row, void *b,
                       apr_pool_t *p)
{
    const dom_t *d = row;
    const page_ctx_t *ctx = b;
    oxt_url_t *u;

    c->on = d->ox > 0;
    c->icon = c->on ? OXT_ICON_REPORT : OXT_ICON_REPORT_OFF;
    c->text = c->on ? "Service utilization report" : "No replicated mailbox";
    if (c->on) {
        u = oxt_url_make(ctx->base, p);
        OXT_URL_WORD(u, "report");
        OXT_URL_WORD(u, "domain");
        oxt_url_id(u, d->id);
        c->url = u;
    }
}

static void get_reason(oxt_cell_t *c, const void *row, void *b,
                       apr_pool_t *p)
{
    (void)b; (void)p;
    c->text = ((const dom_t *)row)->suspended ? "suspended" : "";
}

static const oxt_column_t dom_cols[] = {
    { "name", "Name", OXT_CELL_NAME, "d.name", "d.name", get_name, 0,
      "User name", NULL },
    { "modified", "Modified", OXT_CELL_DATE, "s.modified", NULL,
      get_modified, 0, NULL, NULL },
    { "mailboxes", "Mailboxes", OXT_CELL_PAIR, "s.total", NULL,
      get_mailboxes, 0, NULL, NULL },
    { "report", "Report", OXT_CELL_ICON, NULL, NULL, get_report,
      OXT_COL_NO_CSV, NULL, NULL },
    { "forever", "Webmail Forever", OXT_CELL_CHECKBOX, NULL, NULL,
      get_forever, 0, NULL, "All" },
    { "reason", "Reason", OXT_CELL_TEXT, NULL, "d.reason", get_reason,
      OXT_COL_NO_HTML | OXT_COL_NO_CSV, NULL, NULL },
};

static const oxt_list_def_t dom_list = {
    "domains", dom_cols, 6, "name", 0, "d.id", dom_id
};

static page_ctx_t ctx = { "/oxtender" };

static oxt_form_t *query(const char *q)
{
    oxt_form_t *f = NULL;

    ck_assert_int_eq(oxt_form_parse(&f, q, strlen(q),
                                    &oxt_form_query_limits, NULL,
                                    oxt_test_pool), APR_SUCCESS);
    return f;
}

static apr_status_t req_of(oxt_list_req_t *req, const char *q)
{
    return oxt_list_req_parse(req, &dom_list, query(q), oxt_test_pool);
}

/* ---- the description --------------------------------------------------------- */

START_TEST(a_good_description_passes_the_check)
{
    const char *why = "x";

    ck_assert_int_eq(oxt_list_def_check(&dom_list, &why), APR_SUCCESS);
    ck_assert_ptr_null(why);
    ck_assert_ptr_eq(oxt_list_column(&dom_list, "forever"), &dom_cols[4]);
    ck_assert_ptr_null(oxt_list_column(&dom_list, "nope"));
}
END_TEST

static const oxt_column_t bad_dup[] = {
    { "name", "Name", OXT_CELL_NAME, "n", NULL, get_name, 0, NULL, NULL },
    { "name", "Again", OXT_CELL_TEXT, NULL, NULL, get_name, 0, NULL, NULL },
};
static const oxt_column_t bad_id[] = {
    { "name", "Name", OXT_CELL_NAME, "n", NULL, get_name, 0, NULL, NULL },
    { "id", "Id", OXT_CELL_NUMBER, NULL, NULL, get_name, 0, NULL, NULL },
};
static const oxt_column_t bad_key[] = {
    { "name", "Name", OXT_CELL_NAME, "n", NULL, get_name, 0, NULL, NULL },
    { "Bad Key", "x", OXT_CELL_TEXT, NULL, NULL, get_name, 0, NULL, NULL },
};
static const oxt_column_t no_name[] = {
    { "title", "Title", OXT_CELL_TEXT, "t", NULL, get_name, 0, NULL, NULL },
};
static const oxt_column_t no_getter[] = {
    { "name", "Name", OXT_CELL_NAME, "n", NULL, NULL, 0, NULL, NULL },
};

static const oxt_list_def_t bad_defs[] = {
    { "x", bad_dup, 2, "name", 0, "id", dom_id },
    { "x", bad_id, 2, "name", 0, "id", dom_id },
    { "x", bad_key, 2, "name", 0, "id", dom_id },
    { "x", no_name, 1, "title", 0, "id", dom_id },
    { "x", no_getter, 1, "name", 0, "id", dom_id },
    { "x", dom_cols, 6, "forever", 0, "id", dom_id },     /* not sortable */
    { "x", dom_cols, 6, "nope", 0, "id", dom_id },
    { "x", dom_cols, 6, "name", 0, NULL, dom_id },
    { "x", dom_cols, 6, "name", 0, "id", NULL },
    { NULL, dom_cols, 6, "name", 0, "id", dom_id },
    { "x", dom_cols, 0, "name", 0, "id", dom_id },
};

START_TEST(bad_descriptions_are_caught)
{
    const char *why = NULL;

    ck_assert_int_eq(oxt_list_def_check(&bad_defs[_i], &why), APR_EINVAL);
    ck_assert_ptr_nonnull(why);
}
END_TEST

/* ---- the request --------------------------------------------------------------- */

START_TEST(defaults_without_parameters)
{
    oxt_list_req_t req;

    ck_assert_int_eq(req_of(&req, ""), APR_SUCCESS);
    ck_assert_str_eq(req.q, "");
    ck_assert_ptr_eq(req.sort, &dom_cols[0]);
    ck_assert_int_eq(req.desc, 0);
    ck_assert_int_eq(req.page, 1);
    ck_assert_int_eq(req.per_page, 25);
    ck_assert_int_eq(req.reseller + req.client + req.domain + req.ox, 0);
    ck_assert_int_eq(req.search, -1);
}
END_TEST

START_TEST(every_parameter_is_read)
{
    oxt_list_req_t req;

    ck_assert_int_eq(req_of(&req, "q=+%20dom5%09&sort=mailboxes&dir=desc&"
                            "page=3&per_page=all&reseller=7&client=8&"
                            "domain=9&ox=1&search=hide"), APR_SUCCESS);
    ck_assert_str_eq(req.q, "dom5");
    ck_assert_ptr_eq(req.sort, &dom_cols[2]);
    ck_assert_int_eq(req.desc, 1);
    ck_assert_int_eq(req.page, 3);
    ck_assert_int_eq(req.per_page, OXT_LIST_ALL);
    ck_assert_int_eq(req.reseller, 7);
    ck_assert_int_eq(req.client, 8);
    ck_assert_int_eq(req.domain, 9);
    ck_assert_int_eq(req.ox, 1);
    ck_assert_int_eq(req.search, 0);
}
END_TEST

static const struct {
    const char *q;
    const char *sort;
    int desc;
    long long page;
    int per_page;
} lenient[] = {
    { "sort=forever", "name", 0, 1, 25 },        /* not sortable */
    { "sort=d.name;DROP", "name", 0, 1, 25 },    /* not a key */
    { "sort=modified&dir=up", "modified", 0, 1, 25 },
    { "dir=desc", "name", 1, 1, 25 },
    { "page=0", "name", 0, 1, 25 },
    { "page=-2", "name", 0, 1, 25 },
    { "page=10000001", "name", 0, 1, 25 },
    { "page=10000000", "name", 0, 10000000, 25 },
    { "page=2x", "name", 0, 1, 25 },
    { "per_page=10", "name", 0, 1, 10 },
    { "per_page=100", "name", 0, 1, 100 },
    { "per_page=50", "name", 0, 1, 25 },
    { "per_page=ALL", "name", 0, 1, 25 },
};

START_TEST(display_parameters_fall_back_to_defaults)
{
    oxt_list_req_t req;

    ck_assert_int_eq(req_of(&req, lenient[_i].q), APR_SUCCESS);
    ck_assert_str_eq(req.sort->key, lenient[_i].sort);
    ck_assert_int_eq(req.desc, lenient[_i].desc);
    ck_assert_int_eq(req.page, lenient[_i].page);
    ck_assert_int_eq(req.per_page, lenient[_i].per_page);
}
END_TEST

static const char *const forged[] = {
    "reseller=0", "reseller=-1", "client=abc", "domain=1%20OR%201",
    "reseller=", "domain=07", "ox=2", "ox=true", "client=1e3",
    "reseller=99999999999999999999",
};

START_TEST(malformed_owner_filters_are_refused)
{
    oxt_list_req_t req;

    ck_assert_int_eq(req_of(&req, forged[_i]), APR_EINVAL);
}
END_TEST

START_TEST(a_long_search_is_cut_at_a_character_boundary)
{
    oxt_list_req_t req;
    char *q = apr_palloc(oxt_test_pool, 2 + 300 * 6 + 1), *o = q;
    int i;

    o += snprintf(o, 3, "q=");
    for (i = 0; i < 300; i++) {
        o += snprintf(o, 7, "%%C3%%BC");          /* ü, two bytes */
    }
    ck_assert_int_eq(req_of(&req, apr_pstrcat(oxt_test_pool, "q=a",
                                              q + 2, NULL)), APR_SUCCESS);
    /* "a" + 127 ü = 255 bytes; the 128th would need 256. */
    ck_assert_uint_eq(strlen(req.q), 255);
    ck_assert(oxt_utf8_valid(req.q, strlen(req.q)));
}
END_TEST

/* ---- SQL ----------------------------------------------------------------------------- */

START_TEST(order_and_search_come_from_the_table)
{
    oxt_list_req_t req;
    int n = 0;

    ck_assert_int_eq(req_of(&req, "sort=modified&dir=desc"), APR_SUCCESS);
    ck_assert_str_eq(oxt_list_order_sql(&dom_list, &req, oxt_test_pool),
                     "ORDER BY s.modified DESC, d.id DESC");
    ck_assert_int_eq(req_of(&req, "sort=x%27%3BDROP"), APR_SUCCESS);
    ck_assert_str_eq(oxt_list_order_sql(&dom_list, &req, oxt_test_pool),
                     "ORDER BY d.name ASC, d.id ASC");
    ck_assert_str_eq(oxt_list_search_sql(&dom_list, &n, oxt_test_pool),
                     "(d.name LIKE ? ESCAPE '!' OR d.reason LIKE ?"
                     " ESCAPE '!')");
    ck_assert_int_eq(n, 2);
    ck_assert_ptr_null(oxt_list_search_sql(&bad_defs[4], &n,
                                           oxt_test_pool));
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(like_patterns_match_the_text_typed)
{
    ck_assert_str_eq(oxt_list_like("dom", oxt_test_pool), "%dom%");
    ck_assert_str_eq(oxt_list_like("50%_off!", oxt_test_pool),
                     "%50!%!_off!!%");
    ck_assert_str_eq(oxt_list_like("", oxt_test_pool), "%%");
}
END_TEST

/* ---- paging ----------------------------------------------------------------------------- */

static const struct {
    long long total, page;
    int per_page;
    long long pages, shown_page, offset, first, last, win_first, win_last;
} pagings[] = {
    { 50, 1, 25, 2, 1, 0, 1, 25, 1, 2 },
    { 50, 2, 25, 2, 2, 25, 26, 50, 1, 2 },
    { 50, 9, 25, 2, 2, 25, 26, 50, 1, 2 },           /* clamped */
    { 0, 1, 25, 1, 1, 0, 0, 0, 1, 1 },
    { 0, 4, 10, 1, 1, 0, 0, 0, 1, 1 },
    { 56, 1, 10, 6, 1, 0, 1, 10, 1, 5 },
    { 56, 4, 10, 6, 4, 30, 31, 40, 2, 6 },
    { 56, 6, 10, 6, 6, 50, 51, 56, 2, 6 },
    { 300, 15, 10, 30, 15, 140, 141, 150, 13, 17 },
    { 300, 3, 0, 1, 1, 0, 1, 300, 1, 1 },            /* all */
    { 25001, 2, 0, 3, 2, 10000, 10001, 20000, 1, 3 }, /* all, capped */
    { 25001, 3, 0, 3, 3, 20000, 20001, 25001, 1, 3 },
    { 25, 1, 25, 1, 1, 0, 1, 25, 1, 1 },
    { 26, 2, 25, 2, 2, 25, 26, 26, 1, 2 },
};

START_TEST(the_paging_model)
{
    oxt_list_req_t req;
    oxt_paging_t pg;

    ck_assert_int_eq(req_of(&req, ""), APR_SUCCESS);
    req.page = pagings[_i].page;
    req.per_page = pagings[_i].per_page;
    oxt_list_paging(&pg, &req, pagings[_i].total);
    ck_assert_int_eq(pg.total, pagings[_i].total);
    ck_assert_int_eq(pg.pages, pagings[_i].pages);
    ck_assert_int_eq(pg.page, pagings[_i].shown_page);
    ck_assert_int_eq(pg.offset, pagings[_i].offset);
    ck_assert_int_eq(pg.limit, pagings[_i].per_page ? pagings[_i].per_page
                                                    : OXT_LIST_ALL_MAX);
    ck_assert_int_eq(pg.first, pagings[_i].first);
    ck_assert_int_eq(pg.last, pagings[_i].last);
    ck_assert_int_eq(pg.win_first, pagings[_i].win_first);
    ck_assert_int_eq(pg.win_last, pagings[_i].win_last);
}
END_TEST

/* ---- rendering ---------------------------------------------------------------------------- */

static const dom_t rows[] = {
    { 3, "dom2.tst", 0, 1269650400, 2, 1, 1, 0 },
    { 7, "\"><script>alert(1)</script>\xe2\x80\xae", 1, 0, 8, 0, 0, 1 },
};

static oxt_list_req_t the_req;
static oxt_paging_t the_pg;
static oxt_list_view_t the_view;
static oxt_sink_t *sink;

static oxt_list_view_t *view(const char *q, long long total)
{
    oxt_url_t *self = oxt_url_make("/oxtender", oxt_test_pool);

    setenv("TZ", "UTC", 1);
    tzset();
    OXT_URL_WORD(self, "domains");
    ck_assert_int_eq(req_of(&the_req, q), APR_SUCCESS);
    oxt_list_paging(&the_pg, &the_req, total);
    oxt_list_view_init(&the_view, &dom_list, &the_req, &the_pg, self,
                       "/static", &ctx, oxt_test_pool);
    sink = oxt_sink_buffer(0, oxt_test_pool);
    return &the_view;
}

static const char *html_of(oxt_list_view_t *v, int nrows)
{
    oxt_html_t *h = oxt_html_make(sink, oxt_test_pool);
    int i;

    oxt_list_html_begin(h, v);
    for (i = 0; i < nrows; i++) {
        oxt_list_html_row(h, v, &rows[i]);
    }
    oxt_list_html_end(h, v);
    ck_assert_msg(oxt_html_finish(h) == APR_SUCCESS, "%s",
                  oxt_html_error(h) ? oxt_html_error(h) : "sink");
    return oxt_sink_buffer_text(sink, NULL);
}

#define HAS(hay, needle) \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "missing %s in %s", \
                  (needle), (hay))

START_TEST(the_header_has_sort_links_and_select_all)
{
    const char *out = html_of(view("sort=modified&dir=desc&q=a%26b&"
                                   "reseller=7", 2), 0);

    HAS(out, "<th scope=\"col\" class=\"oxt-col-modified oxt-date\""
        " aria-sort=\"descending\"><a class=\"oxt-sort\" href=\"/oxtender/"
        "domains?sort=modified&amp;dir=asc&amp;q=a%26b&amp;reseller=7\">"
        "Modified<span class=\"oxt-arrow\" aria-hidden=\"true\"> "
        "\xe2\x96\xbc</span></a></th>");
    HAS(out, "<th scope=\"col\" class=\"oxt-col-name oxt-name\"><a"
        " class=\"oxt-sort\" href=\"/oxtender/domains?sort=name&amp;"
        "dir=asc&amp;q=a%26b&amp;reseller=7\">Name</a></th>");
    HAS(out, "<label class=\"oxt-all\" hidden><input type=\"checkbox\""
        " data-oxt-all=\"forever\"><span class=\"oxt-vh\">Select all:"
        " Webmail Forever</span></label> Webmail Forever <button"
        " type=\"submit\" class=\"oxt-link-button\" name=\"all\""
        " value=\"forever\">All</button></th>");
    ck_assert_ptr_null(strstr(out, "Reason"));       /* JSON only */
    /* One aria-sort: the sorted column's. */
    ck_assert_ptr_null(strstr(strstr(out, "aria-sort") + 1, "aria-sort"));
    HAS(out, "<tr><td class=\"oxt-empty\" colspan=\"5\">No domains.</td>");
}
END_TEST

START_TEST(rows_are_escaped_and_labelled)
{
    const char *out = html_of(view("", 2), 2);

    HAS(out, "<td class=\"oxt-col-name oxt-name\"><input type=\"hidden\""
        " name=\"row\" value=\"3\"><bdi>dom2.tst</bdi> <a class=\"oxt-plesk\""
        " href=\"https://panel.example.com:8443/domains/3\" target=\"_top\">");
    HAS(out, "<bdi>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
        "\xef\xbf\xbd</bdi> <img class=\"oxt-icon\" src=\"/static/icons/"
        "suspended.svg\" alt=\"Suspended\"");
    HAS(out, "<time datetime=\"2010-03-27T00:40:00Z\">Mar 27, 2010 12:40 AM"
        "</time>");
    HAS(out, "<td class=\"oxt-col-modified oxt-date\">Never</td>");
    HAS(out, "<a href=\"/oxtender/mailboxes?domain=3\">2 Total</a> / <a"
        " href=\"/oxtender/mailboxes?domain=3&amp;ox=1\">1 OX</a>");
    HAS(out, "<a href=\"/oxtender/report/domain/3\"><img class=\"oxt-icon\""
        " src=\"/static/icons/report.svg\" alt=\"Service utilization"
        " report\"");
    HAS(out, "<img class=\"oxt-icon\" src=\"/static/icons/report-off.svg\"");
    HAS(out, "<label class=\"oxt-cb\"><input type=\"checkbox\""
        " name=\"forever\" value=\"3\" data-oxt-col=\"forever\" checked>"
        "<span class=\"oxt-vh\">Webmail Forever: <bdi>dom2.tst</bdi></span>"
        "</label>");
    HAS(out, "name=\"forever\" value=\"7\" data-oxt-col=\"forever\""
        " disabled>");
    ck_assert_ptr_null(strstr(out, "<script"));
    ck_assert_ptr_null(strstr(out, "No domains"));
    ck_assert_int_eq(the_view.rows, 2);
}
END_TEST

START_TEST(the_paging_bar_says_the_guides_words)
{
    oxt_list_view_t *v = view("page=2&per_page=10&q=x", 56);
    oxt_html_t *h = oxt_html_make(sink, oxt_test_pool);
    const char *out;

    oxt_list_paging_html(h, v, "Pages, top");
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, NULL);
    HAS(out, "<nav class=\"oxt-paging\" aria-label=\"Pages, top\">");
    HAS(out, "<span class=\"oxt-count\">11-20 domains of 56 total</span>");
    HAS(out, "Pages: <a href=\"/oxtender/domains?sort=name&amp;dir=asc&amp;"
        "q=x&amp;per_page=10\" aria-label=\"First page\">First</a> ");
    HAS(out, "aria-label=\"Previous page\">&lt;&lt;</a> ");
    HAS(out, "<span class=\"oxt-page-off\" aria-current=\"page\">2</span>");
    HAS(out, "q=x&amp;page=5&amp;per_page=10\">5</a> ");
    HAS(out, "aria-label=\"Next page\">&gt;&gt;</a>");
    HAS(out, "page=6&amp;per_page=10\" aria-label=\"Last page\">Last</a>");
    HAS(out, "Number of entries per page: <strong aria-current=\"true\">10"
        "</strong> <a href=\"/oxtender/domains?sort=name&amp;dir=asc&amp;"
        "q=x\">25</a> ");
    HAS(out, "per_page=all\">All</a>");
    ck_assert_ptr_null(strstr(out, "page=6&amp;per_page=10\">6"));
}
END_TEST

/* With the page's first and last rows, the links to the pages of the
 * window name them (a keyset); First, Last and pages 1 and the last
 * never do. */
START_TEST(the_paging_bar_links_from_the_rows_shown)
{
    oxt_list_view_t *v = view("page=3&per_page=10", 100);
    oxt_html_t *h = oxt_html_make(sink, oxt_test_pool);
    const char *out;

    v->anchor_first = 71;
    v->anchor_last = 62;
    oxt_list_paging_html(h, v, NULL);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, NULL);
    HAS(out, "page=4&amp;per_page=10&amp;after=62&amp;from=3\""
        " aria-label=\"Next page\">");
    HAS(out, "page=2&amp;per_page=10&amp;before=71&amp;from=3\""
        " aria-label=\"Previous page\">");
    HAS(out, "page=5&amp;per_page=10&amp;after=62&amp;from=3\">5</a>");
    HAS(out, "dir=asc&amp;per_page=10\" aria-label=\"First page\">");
    HAS(out, "page=10&amp;per_page=10\" aria-label=\"Last page\">");
    ck_assert_ptr_null(strstr(out, "page=1&amp;per_page=10&amp;before"));
}
END_TEST

/* "All" over more rows than a page holds: pages of OXT_LIST_ALL_MAX,
 * and the bar says so. */
START_TEST(all_is_capped_and_says_so)
{
    oxt_list_view_t *v = view("per_page=all&page=2", 25001);
    oxt_html_t *h = oxt_html_make(sink, oxt_test_pool);
    const char *out;

    oxt_list_paging_html(h, v, NULL);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, NULL);
    HAS(out, "<span class=\"oxt-count\">10001-20000 domains of 25001"
        " total</span>");
    HAS(out, "page=3&amp;per_page=all");
    HAS(out, "(at most 10000 a page)");
    v = view("per_page=all", 300);
    h = oxt_html_make(sink, oxt_test_pool);
    oxt_list_paging_html(h, v, NULL);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, NULL);
    ck_assert_ptr_null(strstr(out, "at most"));
}
END_TEST

START_TEST(one_page_says_n_total)
{
    oxt_list_view_t *v = view("", 4);
    oxt_html_t *h = oxt_html_make(sink, oxt_test_pool);
    const char *out;

    oxt_list_paging_html(h, v, NULL);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, NULL);
    HAS(out, "<span class=\"oxt-count\">4 domains total</span>");
    ck_assert_ptr_null(strstr(out, "Pages:"));
}
END_TEST

/* A total that is a bound (a search the core counted up to a limit). */
START_TEST(a_bounded_total_says_more_than)
{
    oxt_list_view_t *v = view("q=x", 10000);
    oxt_html_t *h = oxt_html_make(sink, oxt_test_pool);
    const char *out;

    the_pg.more = 1;
    oxt_list_paging_html(h, v, NULL);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, NULL);
    HAS(out, "<span class=\"oxt-count\">1-25 domains of more than 10000"
        " total</span>");
    HAS(out, "page=400\" aria-label=\"Last page\">Last</a>");
}
END_TEST

START_TEST(the_search_form_keeps_the_list_parameters)
{
    oxt_list_view_t *v = view("q=%22x&sort=modified&per_page=100&client=4"
                              "&ox=1", 4);
    oxt_html_t *h = oxt_html_make(sink, oxt_test_pool);
    const char *out;

    oxt_list_search_form(h, v, 1);
    oxt_list_search_toggle(h, v, 1, "oxt_search_r7");
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, NULL);
    HAS(out, "<form class=\"oxt-search\" id=\"oxt-search\" role=\"search\""
        " method=\"get\" action=\"/oxtender/domains\" hidden>");
    HAS(out, "name=\"q\" maxlength=\"255\" value=\"&quot;x\">");
    HAS(out, "<input type=\"hidden\" name=\"sort\" value=\"modified\">");
    HAS(out, "<input type=\"hidden\" name=\"per_page\" value=\"100\">");
    HAS(out, "<input type=\"hidden\" name=\"client\" value=\"4\">");
    HAS(out, "<input type=\"hidden\" name=\"ox\" value=\"1\">");
    HAS(out, "<a class=\"oxt-button\" href=\"/oxtender/domains?"
        "sort=modified&amp;dir=asc&amp;per_page=100&amp;client=4&amp;ox=1\">");
    HAS(out, "Reset Search</a>");
    HAS(out, "aria-controls=\"oxt-search\" data-oxt-cookie=\"oxt_search_r7\"");
    HAS(out, "search=show\" aria-expanded=\"false\"");
    HAS(out, ">Show Search</a>");
}
END_TEST

START_TEST(the_json_twin_has_the_same_columns)
{
    oxt_list_view_t *v = view("sort=mailboxes&dir=desc&per_page=all", 2);
    oxt_json_t *j = oxt_json_make(sink, 0, oxt_test_pool);

    oxt_list_json_begin(j, v);
    oxt_list_json_row(j, v, &rows[0]);
    oxt_list_json_row(j, v, &rows[1]);
    oxt_list_json_end(j, v);
    ck_assert_int_eq(oxt_json_finish(j), APR_SUCCESS);
    ck_assert_str_eq(oxt_sink_buffer_text(sink, NULL),
        "{\"total\": 2, \"page\": 1, \"per_page\": \"all\", \"sort\":"
        " \"mailboxes\", \"dir\": \"desc\", \"items\": ["
        "{\"id\": 3, \"name\": \"dom2.tst\", \"modified\":"
        " \"2010-03-27T00:40:00Z\", \"mailboxes\": {\"total\": 2, \"ox\": 1},"
        " \"report\": true, \"forever\": true, \"reason\": \"\"},"
        "{\"id\": 7, \"name\": \"\\\"\\u003e\\u003cscript\\u003ealert(1)"
        "\\u003c/script\\u003e\xe2\x80\xae\", \"modified\": null,"
        " \"mailboxes\": {\"total\": 8, \"ox\": 0}, \"report\": false,"
        " \"forever\": false, \"reason\": \"suspended\"}]}\n");
}
END_TEST

START_TEST(the_csv_has_the_same_rows)
{
    oxt_list_view_t *v = view("", 2);
    oxt_csv_t *c = oxt_csv_make(sink, 0, oxt_test_pool);
    static const dom_t formula = { 9, "=HYPERLINK(\"http://x\")", 0, 0, 1, 1,
                                   0, 0 };

    oxt_list_csv_begin(c, v);
    oxt_list_csv_row(c, v, &rows[0]);
    oxt_list_csv_row(c, v, &formula);
    ck_assert_int_eq(oxt_csv_finish(c), APR_SUCCESS);
    ck_assert_str_eq(oxt_sink_buffer_text(sink, NULL),
        "User name,Modified,Mailboxes,Webmail Forever\r\n"
        "dom2.tst,2010-03-27T00:40:00Z,2 / 1,yes\r\n"
        "\"'=HYPERLINK(\"\"http://x\"\")\",Never,1 / 1,no\r\n");
}
END_TEST

START_TEST(dates_in_the_guides_format)
{
    char buf[OXT_LIST_DATE_LEN];

    setenv("TZ", "UTC", 1);
    tzset();
    ck_assert_str_eq(oxt_list_date_text(buf, 1269535440), "Mar 25, 2010"
                     " 04:44 PM");
    ck_assert_str_eq(oxt_list_date_text(buf, 1269475200), "Mar 25, 2010"
                     " 12:00 AM");
    ck_assert_str_eq(oxt_list_date_text(buf, 0), "Never");
    ck_assert_str_eq(oxt_list_date_iso(buf, 1269535440),
                     "2010-03-25T16:44:00Z");
}
END_TEST

/* ---- streaming ------------------------------------------------------------------------------ */

static apr_status_t count_bytes(void *baton, const char *data, apr_size_t n)
{
    (void)data;
    *(apr_size_t *)baton += n;
    return APR_SUCCESS;
}

static long max_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

START_TEST(a_hundred_thousand_rows_stream_in_flat_memory)
{
    apr_size_t bytes = 0;
    oxt_list_view_t *v = view("per_page=all", 100000);
    oxt_html_t *h;
    dom_t d = rows[0];
    long before, i;

    sink = oxt_sink_make(count_bytes, &bytes, oxt_test_pool);
    h = oxt_html_make(sink, oxt_test_pool);
    oxt_list_html_begin(h, v);
    for (i = 0; i < 1000; i++) {             /* warm the allocator */
        d.id = i + 1;
        oxt_list_html_row(h, v, &d);
    }
    before = max_rss_kb();
    for (i = 1000; i < 100000; i++) {
        d.id = i + 1;
        oxt_list_html_row(h, v, &d);
    }
    oxt_list_html_end(h, v);
    ck_assert_int_eq(oxt_html_finish(h), APR_SUCCESS);
    /* About 1 KiB a row went out: 100 MB; what stayed is far less. */
    ck_assert_uint_gt(bytes, 50u * 1000 * 1000);
    ck_assert_int_lt(max_rss_kb() - before, 8 * 1024);
}
END_TEST

TCase *oxt_list_test_case(void)
{
    TCase *tc = oxt_unit_tcase("list");

    tcase_add_test(tc, a_good_description_passes_the_check);
    tcase_add_loop_test(tc, bad_descriptions_are_caught, 0,
                        (int)(sizeof(bad_defs) / sizeof(bad_defs[0])));
    tcase_add_test(tc, defaults_without_parameters);
    tcase_add_test(tc, every_parameter_is_read);
    tcase_add_loop_test(tc, display_parameters_fall_back_to_defaults, 0,
                        (int)(sizeof(lenient) / sizeof(lenient[0])));
    tcase_add_loop_test(tc, malformed_owner_filters_are_refused, 0,
                        (int)(sizeof(forged) / sizeof(forged[0])));
    tcase_add_test(tc, a_long_search_is_cut_at_a_character_boundary);
    tcase_add_test(tc, order_and_search_come_from_the_table);
    tcase_add_test(tc, like_patterns_match_the_text_typed);
    tcase_add_loop_test(tc, the_paging_model, 0,
                        (int)(sizeof(pagings) / sizeof(pagings[0])));
    tcase_add_test(tc, the_header_has_sort_links_and_select_all);
    tcase_add_test(tc, rows_are_escaped_and_labelled);
    tcase_add_test(tc, the_paging_bar_says_the_guides_words);
    tcase_add_test(tc, all_is_capped_and_says_so);
    tcase_add_test(tc, one_page_says_n_total);
    tcase_add_test(tc, a_bounded_total_says_more_than);
    tcase_add_test(tc, the_search_form_keeps_the_list_parameters);
    tcase_add_test(tc, the_json_twin_has_the_same_columns);
    tcase_add_test(tc, the_csv_has_the_same_rows);
    tcase_add_test(tc, the_paging_bar_links_from_the_rows_shown);
    tcase_add_test(tc, dates_in_the_guides_format);
    tcase_add_test(tc, a_hundred_thousand_rows_stream_in_flat_memory);
    return tc;
}
