/*
 * oxt_pagekit.c — a test program for the page kit in a real browser
 * (tests/integration/test_pagekit_browser.py). Built under build/, linked
 * to the core, never installed.
 *
 *   oxt-pagekit render DIR   writes DIR/list.html (the shell, a list of
 *                            hostile names, the paging bar, a chart),
 *                            DIR/prefs.html (a dialog page with its form),
 *                            DIR/upload.html (a multipart upload form) and
 *                            DIR/chart.svg (standalone)
 *   as a CGI program         (GATEWAY_INTERFACE set) takes the POSTs of
 *                            those forms: checks the origin and the CSRF
 *                            token and parses the body with the kit's own
 *                            parsers, then shows what it received on a
 *                            page of the kit
 *
 * The pages link the static files at /kit-static and post to
 * /kit-cgi/submit; Apache serves them under the pages' CSP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "oxt_chart.h"
#include "oxt_csrf.h"
#include "oxt_form.h"
#include "oxt_html.h"
#include "oxt_list.h"
#include "oxt_page.h"
#include "oxt_sink.h"
#include "oxt_url.h"
#include "oxt_util.h"

#define STATIC "/kit-static"
#define PAGES  "/kit"
#define SUBMIT_BASE "/kit-cgi"
#define BINDING "pagekit-test-session"

/* A fixed key: this program only ever runs in tests. */
static const unsigned char test_key[32] = {
    0x6f, 0x78, 0x74, 0x2d, 0x70, 0x61, 0x67, 0x65, 0x6b, 0x69, 0x74, 0x2d,
    0x74, 0x65, 0x73, 0x74, 0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x6e, 0x6f, 0x74,
    0x2d, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x21
};

static const char *token(apr_pool_t *p)
{
    const char *t = NULL;

    if (oxt_csrf_token(&t, test_key, sizeof(test_key), BINDING, p)
        != APR_SUCCESS) {
        fprintf(stderr, "oxt-pagekit: no token\n");
        exit(1);
    }
    return t;
}

static oxt_url_t *submit_url(apr_pool_t *p)
{
    oxt_url_t *u = oxt_url_make(SUBMIT_BASE, p);

    OXT_URL_WORD(u, "submit");
    return u;
}

static oxt_url_t *page_url(const char *word, apr_pool_t *p)
{
    oxt_url_t *u = oxt_url_make(PAGES, p);

    oxt_url_seg(u, word);
    return u;
}

static void shell(oxt_page_t *pg, const char *title, oxt_tab_t tab)
{
    memset(pg, 0, sizeof(*pg));
    pg->title = title;
    pg->role = OXT_ROLE_ADMIN;
    pg->current = tab;
    pg->routes = OXT_TAB_ALL;
    pg->base = PAGES;
    pg->static_base = STATIC;
}

/* ---- the hostile list --------------------------------------------------- */

typedef struct row_t {
    long long id;
    const char *name;
    int suspended;
    long long modified;
    long long total, ox;
    int access, forever, locked;
} row_t;

static char long_ascii[256], long_utf8[256];

/* Names a customer could choose: markup, quotes, script URLs, bidi
 * controls, invisible characters, 255 bytes without a space. Each tries
 * to set window.__oxt_pwned or to add an element with id "injected". */
static row_t hostile_rows[] = {
    { 1, "<script>window.__oxt_pwned=1</script>", 0, 1269535440, 4, 2,
      1, 1, 0 },
    { 2, "\"><img id=\"injected\" src=x onerror=\"window.__oxt_pwned=1\">", 1,
      0, 1, 0, 0, 0, 0 },
    { 3, "' onmouseover='window.__oxt_pwned=1' x='", 0, 1269650400, 0, 0,
      0, 1, 1 },
    { 4, "javascript:window.__oxt_pwned=1", 0, 0, 3, 3, 1, 0, 0 },
    { 5, "</bdi></td></tr></table><h1 id=\"injected\">x</h1>", 0, 0, 2, 1,
      0, 0, 0 },
    { 6, "<svg onload=\"window.__oxt_pwned=1\"><circle r=\"9\"/></svg>", 0,
      0, 0, 0, 0, 0, 0 },
    { 7, "abc\xe2\x80\xae" "gpj.exe", 0, 0, 1, 1, 0, 1, 0 },
    { 8, "\xe2\x81\xa7\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 evil"
      "\xe2\x81\xa9 \xe2\x80\x8f", 0, 0, 1, 0, 0, 0, 0 },
    { 9, "admin\xe2\x80\x8b\xef\xbb\xbf\xe2\x80\x8d", 0, 0, 1, 0, 0, 0, 0 },
    { 10, long_ascii, 0, 1269535440, 99999, 12345, 1, 1, 0 },
    { 11, long_utf8, 1, 0, 7, 7, 0, 0, 0 },
    { 12, "\xd8\xb4\xd8\xb1\xd9\x83\xd8\xa9 example.tst", 0, 0, 5, 5, 1, 1,
      0 },
};

static void make_long_names(void)
{
    int i;

    memset(long_ascii, 'w', 255);
    for (i = 0; i < 127; i++) {
        memcpy(long_utf8 + 2 * i, "\xc3\xbc", 2);
    }
    long_utf8[254] = 'x';
}

static long long row_id(const void *row)
{
    return ((const row_t *)row)->id;
}

static void get_access(oxt_cell_t *c, const void *row, void *b,
                       apr_pool_t *p)
{
    (void)b; (void)p;
    c->on = ((const row_t *)row)->access;
}

static void get_prefs(oxt_cell_t *c, const void *row, void *b, apr_pool_t *p)
{
    (void)row; (void)b;
    c->icon = OXT_ICON_PREFS;
    c->text = "Preferences";
    c->flags = OXT_CELL_DIALOG;
    c->url = page_url("prefs.html", p);
}

/* The Plesk link and a link of ours that carries the hostile name in its
 * path and query: both escaped by the builder. */
static void get_name(oxt_cell_t *c, const void *row, void *b, apr_pool_t *p)
{
    const row_t *r = row;
    oxt_url_t *own = oxt_url_make(PAGES, p);
    oxt_url_t *plesk = oxt_url_panel("https://panel.example.com:8443", p);

    (void)b;
    c->text = r->name;
    c->flags = r->suspended ? OXT_CELL_SUSPENDED : 0;
    oxt_url_seg(own, "list.html");
    oxt_url_query(own, "q", r->name);
    c->url = own;
    OXT_URL_WORD(plesk, "domains");
    oxt_url_id(plesk, r->id);
    c->url2 = plesk;
}

static void get_modified(oxt_cell_t *c, const void *row, void *b,
                         apr_pool_t *p)
{
    (void)b; (void)p;
    c->when = ((const row_t *)row)->modified;
}

static void get_mailboxes(oxt_cell_t *c, const void *row, void *b,
                          apr_pool_t *p)
{
    const row_t *r = row;
    oxt_url_t *all = page_url("list.html", p), *ox;

    (void)b;
    oxt_url_query_int(all, "domain", r->id);
    ox = oxt_url_copy(all, p);
    oxt_url_query(ox, "ox", "1");
    c->num = r->total;
    c->num2 = r->ox;
    c->url = all;
    c->url2 = ox;
}

static void get_report(oxt_cell_t *c, const void *row, void *b,
                       apr_pool_t *p)
{
    const row_t *r = row;

    (void)b;
    c->on = r->ox > 0;
    c->icon = c->on ? OXT_ICON_REPORT : OXT_ICON_REPORT_OFF;
    c->text = c->on ? "Service utilization report" : "No replicated mailbox";
    c->url = c->on ? page_url("list.html", p) : NULL;
}

static void get_forever(oxt_cell_t *c, const void *row, void *b,
                        apr_pool_t *p)
{
    (void)b; (void)p;
    c->on = ((const row_t *)row)->forever;
    c->disabled = ((const row_t *)row)->locked;
}

static void get_now(oxt_cell_t *c, const void *row, void *b, apr_pool_t *p)
{
    (void)b; (void)p;
    c->disabled = ((const row_t *)row)->forever;
}

static const oxt_column_t kit_cols[] = {
    { "access", "Access", OXT_CELL_CHECKBOX, NULL, NULL, get_access, 0, NULL,
      NULL },
    { "prefs", "Prefs", OXT_CELL_ICON, NULL, NULL, get_prefs, OXT_COL_NO_CSV,
      NULL, NULL },
    { "name", "Name", OXT_CELL_NAME, "d.name", "d.name", get_name, 0, NULL,
      NULL },
    { "modified", "Modified", OXT_CELL_DATE, "s.modified", NULL,
      get_modified, 0, NULL, NULL },
    { "mailboxes", "Mailboxes", OXT_CELL_PAIR, "s.total", NULL,
      get_mailboxes, 0, NULL, NULL },
    { "report", "Report", OXT_CELL_ICON, NULL, NULL, get_report, 0, NULL,
      NULL },
    { "forever", "Webmail Forever", OXT_CELL_CHECKBOX, NULL, NULL,
      get_forever, 0, NULL, "All" },
    { "now", "Webmail Now", OXT_CELL_CHECKBOX, NULL, NULL, get_now, 0, NULL,
      NULL },
};

static const oxt_list_def_t kit_list = {
    "domains", kit_cols, 8, "name", 0, "d.id", row_id
};

/* ---- the pages ------------------------------------------------------------- */

static apr_status_t write_page(const char *dir, const char *name,
                               void (*fn)(oxt_html_t *, apr_pool_t *),
                               apr_pool_t *p)
{
    const char *path = apr_pstrcat(p, dir, "/", name, NULL);
    FILE *f = fopen(path, "w");
    oxt_html_t *h;
    apr_status_t rv;

    if (f == NULL) {
        return APR_EGENERAL;
    }
    h = oxt_html_make(oxt_sink_stdio(f, p), p);
    fn(h, p);
    rv = oxt_html_finish(h);
    if (fclose(f) != 0 && rv == APR_SUCCESS) {
        rv = APR_EGENERAL;
    }
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "oxt-pagekit: %s: %s\n", name,
                oxt_html_error(h) ? oxt_html_error(h) : "write failed");
    }
    return rv;
}

static void list_toolbar(oxt_html_t *h, oxt_list_view_t *v)
{
    oxt_page_toolbar_begin(h);
    oxt_page_action_submit(h, STATIC, OXT_ICON_APPLY, "Apply Your Changes",
                           "apply", "1", "oxt-list-form");
    oxt_page_toolbar_tools(h);
    oxt_list_search_toggle(h, v, 0, "oxt_search_a0");
    oxt_page_toolbar_end(h);
    oxt_list_search_form(h, v, 0);
}

static void list_chart(oxt_html_t *h)
{
    static const oxt_bar_t bars[] = {
        { "Webmail", 10 }, { "Groupware Standard", 3 },
        { "Groupware <Premium> \"&\"", 1 },
    };
    oxt_chart_t c = { "oxt-kit-chart", "Mailboxes by service type", NULL,
                      "mailboxes", bars, 3 };

    OXT_HTML_LIT(h, "<h2>Quick report</h2>\n");
    oxt_chart_svg(h, &c, 0);
}

static void list_page(oxt_html_t *h, apr_pool_t *p)
{
    static const oxt_crumb_t path[] = { { "Domains Management", NULL } };
    oxt_page_t pg;
    oxt_list_req_t req;
    oxt_paging_t paging;
    oxt_list_view_t v;
    size_t i;

    shell(&pg, "Domains Management", OXT_TAB_DOMAINS);
    pg.owner_kind = "Reseller";
    pg.owner_name = hostile_rows[4].name;
    pg.crumbs = path;
    pg.ncrumbs = 1;
    pg.info = "The replication process is NOT instantaneous <b>!</b>";
    if (oxt_list_req_parse(&req, &kit_list, oxt_form_empty(p), p)
        != APR_SUCCESS) {
        oxt_html_fail(h, "request");
    }
    oxt_list_paging(&paging, &req, 50);
    oxt_list_view_init(&v, &kit_list, &req, &paging, page_url("list.html", p),
                       STATIC, NULL, p);
    oxt_page_begin(h, &pg);
    list_toolbar(h, &v);
    oxt_page_form_begin(h, submit_url(p), token(p), "oxt-list-form", 0);
    oxt_list_paging_html(h, &v, "Pages, top");
    oxt_list_html_begin(h, &v);
    for (i = 0; i < sizeof(hostile_rows) / sizeof(hostile_rows[0]); i++) {
        oxt_list_html_row(h, &v, &hostile_rows[i]);
    }
    oxt_list_html_end(h, &v);
    oxt_list_paging_html(h, &v, "Pages, bottom");
    oxt_page_form_end(h);
    list_chart(h);
    oxt_page_end(h, &pg);
}

static void prefs_form(oxt_html_t *h, apr_pool_t *p)
{
    oxt_field_t quota = { "default_quota", "Default domain Infostore quota",
                          "number", "90", "MB", NULL, NULL, 1, 10 };
    oxt_field_t max = { "max_quota", "Maximum domain Infostore quota",
                        "number", "500", "MB", NULL,
                        "You can not fill in a value greater than the one"
                        " set for the reseller (200 MB).", 1, 10 };
    oxt_field_t lang = { "lang", "Default OX language", NULL, NULL, NULL,
                         NULL, NULL, 1, 0 };
    const oxt_option_t langs[] = {
        { "en_US", "English (United States)", 0 },
        { "ar_EG", "Arabic (Egypt)", 1 },
    };

    oxt_page_form_begin(h, submit_url(p), token(p), NULL, 0);
    oxt_page_hidden(h, "dialog", "prefs");
    oxt_page_field_input(h, &quota);
    oxt_page_field_input(h, &max);
    oxt_page_field_select(h, &lang, langs, 2, 0);
    oxt_page_required_note(h);
    oxt_page_buttons(h, "OK", page_url("list.html", p));
    oxt_page_form_end(h);
}

static void prefs_page(oxt_html_t *h, apr_pool_t *p)
{
    static const oxt_crumb_t path[] = { { "Domains Management", NULL } };
    oxt_page_t pg;

    shell(&pg, "Preferences", OXT_TAB_DOMAINS);
    pg.crumbs = path;
    pg.ncrumbs = 1;
    oxt_page_begin(h, &pg);
    oxt_page_dialog_begin(h, hostile_rows[1].name, "Preferences",
                          "Fill in a value for the user's quota and maximum"
                          " quota.");
    prefs_form(h, p);
    oxt_page_dialog_end(h);
    oxt_page_end(h, &pg);
}

static void upload_page(oxt_html_t *h, apr_pool_t *p)
{
    oxt_field_t key = { "key", "License key file", "file", NULL, NULL, NULL,
                        NULL, 1, 0 };
    oxt_page_t pg;

    shell(&pg, "License Management", OXT_TAB_LICENSE);
    oxt_page_begin(h, &pg);
    OXT_HTML_LIT(h, "<h2>Upload License Key</h2>\n");
    oxt_page_form_begin(h, submit_url(p), token(p), "oxt-upload",
                        OXT_FORM_MULTIPART);
    oxt_page_field_input(h, &key);
    oxt_page_buttons(h, "Upload", page_url("upload.html", p));
    oxt_page_form_end(h);
    oxt_page_end(h, &pg);
}

static void chart_doc(oxt_html_t *h, apr_pool_t *p)
{
    static const oxt_bar_t bars[] = { { "Webmail \xe2\x80\xae&", 7 } };
    oxt_chart_t c = { NULL, "Standalone <chart>", NULL, NULL, bars, 1 };

    (void)p;
    oxt_chart_svg(h, &c, 1);
}

static int render(const char *dir, apr_pool_t *p)
{
    make_long_names();
    if (write_page(dir, "list.html", list_page, p) != APR_SUCCESS
        || write_page(dir, "prefs.html", prefs_page, p) != APR_SUCCESS
        || write_page(dir, "upload.html", upload_page, p) != APR_SUCCESS
        || write_page(dir, "chart.svg", chart_doc, p) != APR_SUCCESS) {
        return 1;
    }
    return 0;
}

/* ---- the CGI side ------------------------------------------------------------ */

typedef struct cgi_t {
    const char *origin_why;
    int origin_ok;
    int token_ok;
    const char *problem;       /* the parser's refusal, or NULL */
    oxt_form_t *form;          /* urlencoded */
    apr_array_header_t *parts; /* multipart */
} cgi_t;

static apr_status_t cgi_body(char **pbody, apr_size_t *plen, apr_pool_t *p)
{
    const char *cl = getenv("CONTENT_LENGTH");
    apr_int64_t n = cl ? apr_atoi64(cl) : 0;
    char *body;

    if (n < 0 || n > (apr_int64_t)oxt_form_list_limits.max_input) {
        return APR_ENOSPC;
    }
    body = apr_palloc(p, (apr_size_t)n + 1);
    if (n > 0 && fread(body, 1, (size_t)n, stdin) != (size_t)n) {
        return APR_EGENERAL;
    }
    body[n] = '\0';
    *pbody = body;
    *plen = (apr_size_t)n;
    return APR_SUCCESS;
}

static const char *cgi_token(const cgi_t *c, apr_pool_t *p)
{
    const oxt_part_t *part;
    const char *t = NULL;

    if (c->form != NULL) {
        return oxt_form_get(c->form, OXT_CSRF_FIELD);
    }
    part = c->parts ? oxt_multipart_get(c->parts, OXT_CSRF_FIELD) : NULL;
    if (part == NULL
        || oxt_multipart_text(&t, part, 64, p) != APR_SUCCESS) {
        return NULL;
    }
    return t;
}

static void cgi_parse(cgi_t *c, const char *body, apr_size_t len,
                      apr_pool_t *p)
{
    const char *ct = getenv("CONTENT_TYPE");
    const char *boundary;
    oxt_result_t *res = oxt_result_make(p);
    apr_status_t rv;

    if (ct != NULL && strncmp(ct, "multipart/", 10) == 0) {
        rv = oxt_multipart_boundary(&boundary, ct, res, p);
        if (rv == APR_SUCCESS) {
            rv = oxt_multipart_parse(&c->parts, body, len, boundary,
                                     &oxt_multipart_upload_limits, res, p);
        }
    }
    else {
        rv = oxt_form_parse(&c->form, body, len, &oxt_form_list_limits, res,
                            p);
    }
    if (rv != APR_SUCCESS) {
        c->problem = oxt_result_text(res, p);
    }
}

/* The configured panel origin: the test writes its server's origin (it
 * has a free port) to the file OXT_KIT_ORIGIN_FILE names. */
static const char *cgi_origin(apr_pool_t *p)
{
    const char *path = getenv("OXT_KIT_ORIGIN_FILE");
    char *text = NULL;
    apr_size_t len = 0;

    if (path == NULL
        || oxt_util_file_read(&text, &len, path, 256, p) != APR_SUCCESS) {
        return NULL;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        text[--len] = '\0';
    }
    return text;
}

static void cgi_check(cgi_t *c, apr_pool_t *p)
{
    /* As for a panel session: a browser-held cookie authenticates. */
    oxt_origin_req_t o = { getenv("REQUEST_METHOD"),
                           getenv("HTTP_SEC_FETCH_SITE"),
                           getenv("HTTP_ORIGIN"), 1 };
    const char *origins[] = { cgi_origin(p), NULL };

    c->origin_ok = oxt_csrf_origin_check(&o, origins[0] ? origins : NULL,
                                         &c->origin_why)
                   == APR_SUCCESS;
    c->token_ok = oxt_csrf_verify(test_key, sizeof(test_key), BINDING,
                                  cgi_token(c, p)) == APR_SUCCESS;
}

static void cgi_row(oxt_html_t *h, const char *key, const char *value)
{
    OXT_HTML_LIT(h, "<tr><th scope=\"row\">");
    oxt_html_text(h, key);
    OXT_HTML_LIT(h, "</th><td>");
    oxt_html_text(h, value);
    OXT_HTML_LIT(h, "</td></tr>\n");
}

static void cgi_fields(oxt_html_t *h, const cgi_t *c, apr_pool_t *p)
{
    const oxt_form_field_t *f;
    const oxt_part_t *part;
    int i;

    for (i = 0; c->form && i < oxt_form_count(c->form); i++) {
        f = oxt_form_field(c->form, i);
        cgi_row(h, f->key, f->value);
    }
    for (i = 0; c->parts && i < c->parts->nelts; i++) {
        part = &APR_ARRAY_IDX(c->parts, i, oxt_part_t);
        cgi_row(h, part->name, part->filename
                ? apr_psprintf(p, "file %s, %" APR_SIZE_T_FMT " bytes",
                               part->filename, part->len)
                : apr_pstrmemdup(p, part->data, part->len));
    }
}

static void cgi_page(oxt_html_t *h, const cgi_t *c, apr_pool_t *p)
{
    oxt_page_t pg;

    shell(&pg, "Received", OXT_TAB_NONE);
    pg.error = c->problem;
    pg.info = c->origin_ok && c->token_ok ? "The form was accepted." : NULL;
    oxt_page_begin(h, &pg);
    OXT_HTML_LIT(h, "<p>Origin: <span id=\"origin\">");
    oxt_html_text(h, c->origin_ok ? "allowed" : c->origin_why);
    OXT_HTML_LIT(h, "</span>. Token: <span id=\"token\">");
    oxt_html_text(h, c->token_ok ? "valid" : "refused");
    OXT_HTML_LIT(h, "</span>.</p>\n<table id=\"received\" class=\"oxt-list\">"
                 "<tbody>\n");
    cgi_fields(h, c, p);
    OXT_HTML_LIT(h, "</tbody></table>\n");
    oxt_page_end(h, &pg);
}

static int cgi(apr_pool_t *p)
{
    cgi_t c;
    char *body = NULL;
    apr_size_t len = 0;
    oxt_sink_t *sink = oxt_sink_buffer(0, p);
    oxt_html_t *h = oxt_html_make(sink, p);
    const char *out;

    memset(&c, 0, sizeof(c));
    if (cgi_body(&body, &len, p) != APR_SUCCESS) {
        c.problem = "Form data too large";
    }
    else {
        cgi_parse(&c, body, len, p);
    }
    cgi_check(&c, p);
    cgi_page(h, &c, p);
    if (oxt_html_finish(h) != APR_SUCCESS) {
        printf("Status: 500\r\nContent-Type: text/plain\r\n\r\nkit misuse\n");
        return 0;
    }
    out = oxt_sink_buffer_text(sink, &len);
    printf("Status: %s\r\nContent-Type: text/html; charset=utf-8\r\n"
           "Cache-Control: no-store\r\n\r\n",
           c.origin_ok && c.token_ok && c.problem == NULL ? "200 OK"
                                                          : "403 Forbidden");
    fwrite(out, 1, len, stdout);
    return 0;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int rc;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    if (getenv("GATEWAY_INTERFACE") != NULL) {
        rc = cgi(p);
    }
    else if (argc == 3 && strcmp(argv[1], "render") == 0) {
        rc = render(argv[2], p);
    }
    else {
        fprintf(stderr, "usage: oxt-pagekit render DIR (or run as CGI)\n");
        rc = 2;
    }
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
