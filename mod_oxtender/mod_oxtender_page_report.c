/*
 * mod_oxtender_page_report.c — the Service Utilization Reports of a
 * reseller, a client and a domain (report/reseller/ID, report/client/ID,
 * report/domain/ID): "Information for Reseller <name>" with Up Level, the
 * quick report with its bar chart, the table (search, sort, paging) and
 * Download Report (?format=csv); the JSON twin (?format=json). The core
 * (lib/oxt_report.c) decides who sees what and counts; this file formats.
 */
#include <string.h>
#include <httpd.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "mod_oxtender_page.h"
#include "oxt_chart.h"
#include "oxt_csv.h"
#include "oxt_list.h"
#include "oxt_log.h"
#include "oxt_report.h"
#include "oxt_service.h"

APLOG_USE_MODULE(oxtender);

/* One report page. */
typedef struct report_def_t {
    oxt_dir_kind_t kind;
    const oxt_list_def_t *def;     /* the table's columns */
    oxt_tab_t list_tab;            /* the list it is reached from */
    const char *list_title;        /* "Resellers Management" */
} report_def_t;

typedef struct report_baton_t {
    const oxt_mod_page_ctx_t *ctx;
} report_baton_t;

/* ---- URLs ------------------------------------------------------------------ */

/* base/report/<kind>/<id>. */
static oxt_url_t *report_url(const oxt_mod_page_ctx_t *ctx,
                             oxt_dir_kind_t kind, long long id,
                             apr_pool_t *p)
{
    oxt_url_t *u = oxt_url_make(ctx->base, p);

    OXT_URL_WORD(u, "report");
    if (kind == OXT_DIR_RESELLER) {
        OXT_URL_WORD(u, "reseller");
    }
    else if (kind == OXT_DIR_CLIENT) {
        OXT_URL_WORD(u, "client");
    }
    else {
        OXT_URL_WORD(u, "domain");
    }
    oxt_url_id(u, id);
    return u;
}

/* base/resellers, base/clients or base/domains: the list a report of
 * kind is reached from. */
static oxt_url_t *list_url(const oxt_mod_page_ctx_t *ctx,
                           oxt_dir_kind_t kind, apr_pool_t *p)
{
    oxt_url_t *u = oxt_url_make(ctx->base, p);

    if (kind == OXT_DIR_RESELLER) {
        OXT_URL_WORD(u, "resellers");
    }
    else if (kind == OXT_DIR_CLIENT) {
        OXT_URL_WORD(u, "clients");
    }
    else {
        OXT_URL_WORD(u, "domains");
    }
    return u;
}

/* ---- the columns (rows are oxt_report_row_t) ---------------------------------- */

static long long report_id(const void *row)
{
    return ((const oxt_report_row_t *)row)->id;
}

static void report_type(oxt_cell_t *c, const void *row, void *baton,
                        apr_pool_t *p)
{
    const oxt_report_row_t *r = row;

    (void)baton;
    (void)p;
    c->on = 1;
    c->icon = r->kind == OXT_DIR_CLIENT ? OXT_ICON_CLIENT : OXT_ICON_DOMAIN;
    c->text = oxt_report_kind_label(r->kind);
}

/* A client with replicated mailboxes drills down to its own report. */
static void report_name(oxt_cell_t *c, const void *row, void *baton,
                        apr_pool_t *p)
{
    const report_baton_t *b = baton;
    const oxt_report_row_t *r = row;

    c->text = r->name;
    c->flags = r->suspended ? OXT_CELL_SUSPENDED : 0;
    if (r->kind == OXT_DIR_CLIENT && r->ox > 0) {
        c->url = report_url(b->ctx, OXT_DIR_CLIENT, r->id, p);
    }
}

static void report_user_type(oxt_cell_t *c, const void *row, void *baton,
                             apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->text = oxt_report_kind_label(((const oxt_report_row_t *)row)->kind);
}

static void report_suspended(oxt_cell_t *c, const void *row, void *baton,
                             apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->on = ((const oxt_report_row_t *)row)->suspended;
}

static void report_total(oxt_cell_t *c, const void *row, void *baton,
                         apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->num = ((const oxt_report_row_t *)row)->total;
}

#define SERVICE_GETTER(fn, i) \
    static void fn(oxt_cell_t *c, const void *row, void *baton, \
                   apr_pool_t *p) \
    { \
        (void)baton; \
        (void)p; \
        c->num = ((const oxt_report_row_t *)row)->by_service[i]; \
    }
SERVICE_GETTER(report_webmail, 0)
SERVICE_GETTER(report_standard, 1)
SERVICE_GETTER(report_premium, 2)

/* The columns every report has after T (the reseller's only): Name, then
 * the JSON and CSV "User type" and "suspended", then the numbers. The
 * CSV is the guide's: User name, User type, Webmail, Groupware Standard,
 * Groupware Premium. */
#define REPORT_COLS \
    { "name", "Name", OXT_CELL_NAME, "name", NULL, report_name, 0, \
      "User name", NULL }, \
    { "user_type", "User type", OXT_CELL_TEXT, NULL, NULL, \
      report_user_type, OXT_COL_NO_HTML, NULL, NULL }, \
    { "suspended", "Suspended", OXT_CELL_CHECKBOX, NULL, NULL, \
      report_suspended, OXT_COL_NO_HTML | OXT_COL_NO_CSV, NULL, NULL }, \
    { "total", "Total", OXT_CELL_NUMBER, "total", NULL, report_total, \
      OXT_COL_NO_CSV, NULL, NULL }, \
    { "webmail", "Webmail", OXT_CELL_NUMBER, "webmail", NULL, \
      report_webmail, 0, NULL, NULL }, \
    { "groupware_standard", "Groupware Standard", OXT_CELL_NUMBER, \
      "groupware_standard", NULL, report_standard, 0, NULL, NULL }, \
    { "groupware_premium", "Groupware Premium", OXT_CELL_NUMBER, \
      "groupware_premium", NULL, report_premium, 0, NULL, NULL }

static const oxt_column_t reseller_cols[] = {
    { "type", "T", OXT_CELL_ICON, "type", NULL, report_type,
      OXT_COL_NO_JSON | OXT_COL_NO_CSV, NULL, NULL },
    REPORT_COLS
};

static const oxt_column_t client_cols[] = { REPORT_COLS };

static const oxt_column_t domain_cols[] = { REPORT_COLS };

#define NCOLS(a) ((int)(sizeof(a) / sizeof(a[0])))

static const oxt_list_def_t reseller_list = {
    "lines", reseller_cols, NCOLS(reseller_cols), "type", 0, "id",
    report_id
};
static const oxt_list_def_t client_list = {
    "lines", client_cols, NCOLS(client_cols), "name", 0, "id", report_id
};
static const oxt_list_def_t domain_list = {
    "lines", domain_cols, NCOLS(domain_cols), "name", 0, "id", report_id
};

static const report_def_t report_reseller = {
    OXT_DIR_RESELLER, &reseller_list, OXT_TAB_RESELLERS,
    "Resellers Management"
};
static const report_def_t report_client = {
    OXT_DIR_CLIENT, &client_list, OXT_TAB_CLIENTS, "Clients Management"
};
static const report_def_t report_domain = {
    OXT_DIR_DOMAIN, &domain_list, OXT_TAB_DOMAINS, "Domains Management"
};

/* ---- failures ----------------------------------------------------------------- */

static int report_missing(oxt_mod_page_ctx_t *ctx)
{
    return oxt_mod_fail(ctx->r, HTTP_NOT_FOUND, "not_found",
                        "There is no such report.", NULL);
}

/* A failure of the core: logged; 503 or 500. */
static int report_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv)
{
    request_rec *r = ctx->r;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06300)
                  "report %s: %s", r->uri,
                  oxt_result_text(ctx->res, r->pool));
    return oxt_mod_page_failed(ctx, rv,
                               "The report cannot be shown right now.");
}

/* ---- the request ------------------------------------------------------------------ */

typedef struct report_req_t {
    const report_def_t *rd;
    oxt_report_t rep;
    oxt_list_req_t lreq;
    oxt_report_query_t q;
    oxt_paging_t paging;
    oxt_list_view_t view;
    report_baton_t baton;
    int csv;                       /* ?format=csv: Download Report */
    long long now;                 /* the report's date */
    unsigned allowed;              /* service types the license allows */
} report_req_t;

/* The display parameters (an owner filter has no place here: 404), and
 * the object, checked against the caller. OK or the refusal. */
static int report_read(report_req_t *rr, oxt_mod_page_ctx_t *ctx)
{
    const char *format = oxt_form_get(ctx->query, "format");
    apr_status_t rv;

    if (oxt_list_req_parse(&rr->lreq, rr->rd->def, ctx->query, ctx->r->pool)
        != APR_SUCCESS || rr->lreq.reseller || rr->lreq.client
        || rr->lreq.domain || rr->lreq.ox) {
        return report_missing(ctx);
    }
    rr->csv = format != NULL && strcmp(format, "csv") == 0;
    rv = oxt_report_get(&rr->rep, ctx->psa, ctx->db, ctx->ident,
                        rr->rd->kind, ctx->id, ctx->res, ctx->r->pool);
    if (rv == APR_ENOENT || rv == APR_EINVAL) {
        return report_missing(ctx);
    }
    if (rv != APR_SUCCESS) {
        return report_failed(ctx, rv);
    }
    rr->q.kind = rr->rd->kind;
    rr->q.id = ctx->id;
    rr->q.q = rr->lreq.q;
    rr->q.sort = rr->lreq.sort->key;
    rr->q.desc = rr->lreq.desc;
    rr->now = (long long)apr_time_sec(apr_time_now());
    rv = oxt_mod_services_allowed(&rr->allowed, ctx);
    return rv == APR_SUCCESS ? OK : report_failed(ctx, rv);
}

/* The view of the table, for the paging of total rows. */
static void report_view(report_req_t *rr, oxt_mod_page_ctx_t *ctx,
                        long long total)
{
    oxt_list_paging(&rr->paging, &rr->lreq, total);
    rr->q.offset = rr->paging.offset;
    rr->q.limit = rr->paging.limit;
    rr->q.total = total;
    rr->baton.ctx = ctx;
    oxt_list_view_init(&rr->view, rr->rd->def, &rr->lreq, &rr->paging,
                       report_url(ctx, rr->rd->kind, ctx->id, ctx->r->pool),
                       ctx->static_base, &rr->baton, ctx->r->pool);
}

/* ---- writing ------------------------------------------------------------------------ */

typedef struct report_out_t {
    oxt_list_view_t *v;
    oxt_html_t *h;                 /* one of the three */
    oxt_json_t *j;
    oxt_csv_t *c;
} report_out_t;

static apr_status_t report_row_cb(void *baton, const oxt_report_row_t *row,
                                  apr_pool_t *ptemp)
{
    report_out_t *o = baton;

    (void)ptemp;
    if (o->h != NULL) {
        oxt_list_html_row(o->h, o->v, row);
        return oxt_html_ok(o->h) ? APR_SUCCESS : APR_EGENERAL;
    }
    if (o->j != NULL) {
        oxt_list_json_row(o->j, o->v, row);
        return APR_SUCCESS;
    }
    oxt_list_csv_row(o->c, o->v, row);
    return APR_SUCCESS;
}

static const char *const service_labels[OXT_REPORT_SERVICES] = {
    "Webmail", "Groupware Standard", "Groupware Premium"
};
static const char *const service_keys[OXT_REPORT_SERVICES] = {
    "webmail", "groupware_standard", "groupware_premium"
};

/* "Quick report for user <name> at <date>", a line per service the
 * license allows (Premium only with a Premium license), the total, and
 * the same numbers as a chart. */
static void quick_html(oxt_html_t *h, const report_req_t *rr)
{
    char text[OXT_LIST_DATE_LEN], iso[OXT_LIST_DATE_LEN];
    oxt_bar_t bars[OXT_REPORT_SERVICES];
    oxt_chart_t chart = { "oxt-report-chart", "Mailboxes by service", NULL,
                          "mailboxes", bars, 0 };
    int i, n = 0;

    OXT_HTML_LIT(h, "<section class=\"oxt-quick\" aria-label=\"Quick"
                 " report\">\n<p class=\"oxt-quick-head\">Quick report for"
                 " user <strong>");
    oxt_html_name(h, rr->rep.name);
    OXT_HTML_LIT(h, "</strong> at <strong><time");
    oxt_html_attr(h, "datetime", oxt_list_date_iso(iso, rr->now));
    OXT_HTML_LIT(h, ">");
    oxt_html_text(h, oxt_list_date_text(text, rr->now));
    OXT_HTML_LIT(h, "</time></strong></p>\n<ul class=\"oxt-quick-lines\">");
    for (i = 0; i < OXT_REPORT_SERVICES; i++) {
        if (!(rr->allowed & OXT_SERVICE_BIT(i))) {
            continue;
        }
        OXT_HTML_LIT(h, "<li");
        oxt_html_attr(h, "data-oxt-service", service_keys[i]);
        OXT_HTML_LIT(h, ">Service ");
        oxt_html_text(h, service_labels[i]);
        OXT_HTML_LIT(h, ": ");
        oxt_html_int(h, rr->rep.by_service[i]);
        OXT_HTML_LIT(h, " mailboxes</li>");
        bars[n].label = service_labels[i];
        bars[n++].value = rr->rep.by_service[i];
    }
    chart.nbars = n;
    OXT_HTML_LIT(h, "<li data-oxt-service=\"total\">Total: ");
    oxt_html_int(h, rr->rep.total);
    OXT_HTML_LIT(h, " mailboxes</li></ul>\n<figure class=\"oxt-chart\">");
    oxt_chart_svg(h, &chart, 0);
    OXT_HTML_LIT(h, "</figure>\n</section>\n");
}

/* Up Level: the report of the object's owner when the caller may see it,
 * else the list the report is reached from, else Home. */
static oxt_url_t *up_level(oxt_mod_page_ctx_t *ctx, const report_req_t *rr)
{
    apr_pool_t *p = ctx->r->pool;
    const oxt_report_t *rep = &rr->rep;

    if (rep->kind == OXT_DIR_DOMAIN && rep->client_id > 0
        && oxt_dir_in_subtree(ctx->psa, ctx->db, ctx->ident, OXT_DIR_CLIENT,
                              rep->client_id, ctx->res, p) == APR_SUCCESS) {
        return report_url(ctx, OXT_DIR_CLIENT, rep->client_id, p);
    }
    if (rep->kind != OXT_DIR_RESELLER && rep->reseller_id > 0
        && (rep->kind == OXT_DIR_CLIENT || rep->client_id == 0)
        && oxt_dir_in_subtree(ctx->psa, ctx->db, ctx->ident,
                              OXT_DIR_RESELLER, rep->reseller_id, ctx->res,
                              p) == APR_SUCCESS) {
        return report_url(ctx, OXT_DIR_RESELLER, rep->reseller_id, p);
    }
    return ctx->routes & OXT_TAB_BIT(rr->rd->list_tab)
        ? list_url(ctx, rr->rd->kind, p) : oxt_mod_page_url(ctx);
}

/* Download Report: this report's rows as CSV, with its search and sort. */
static oxt_url_t *csv_url(oxt_mod_page_ctx_t *ctx, const report_req_t *rr)
{
    oxt_url_t *u = report_url(ctx, rr->rd->kind, ctx->id, ctx->r->pool);

    oxt_url_query(u, "format", "csv");
    if (*rr->lreq.q) {
        oxt_url_query(u, "q", rr->lreq.q);
    }
    oxt_url_query(u, "sort", rr->lreq.sort->key);
    oxt_url_query(u, "dir", rr->lreq.desc ? "desc" : "asc");
    return u;
}

static void report_top(oxt_html_t *h, oxt_mod_page_ctx_t *ctx,
                       report_req_t *rr)
{
    oxt_page_toolbar_begin(h);
    oxt_page_action_link(h, ctx->static_base, OXT_ICON_UP_LEVEL, "Up Level",
                         up_level(ctx, rr));
    oxt_page_toolbar_tools(h);
    oxt_page_action_link(h, ctx->static_base, OXT_ICON_DOWNLOAD,
                         "Download Report", csv_url(ctx, rr));
    oxt_page_toolbar_end(h);
    quick_html(h, rr);
    oxt_list_search_form(h, &rr->view, 0);
}

static apr_status_t report_html(oxt_mod_page_ctx_t *ctx, report_req_t *rr,
                                oxt_html_t *h)
{
    static const char *const kinds[] = { "Reseller", "Client", "Domain" };
    report_out_t out = { &rr->view, h, NULL, NULL };
    oxt_crumb_t path[2];
    oxt_page_t pg;
    int listed = (ctx->routes & OXT_TAB_BIT(rr->rd->list_tab)) != 0;
    apr_status_t rv;

    oxt_mod_page_shell(&pg, ctx, "Information",
                       listed ? rr->rd->list_tab : OXT_TAB_NONE);
    pg.owner_kind = kinds[rr->rd->kind];
    pg.owner_name = rr->rep.name;
    path[0].label = rr->rd->list_title;
    path[0].url = list_url(ctx, rr->rd->kind, ctx->r->pool);
    path[1].label = "Service utilization report";
    path[1].url = NULL;
    pg.crumbs = listed ? path : path + 1;
    pg.ncrumbs = listed ? 2 : 1;
    oxt_page_begin(h, &pg);
    report_top(h, ctx, rr);
    oxt_list_paging_html(h, &rr->view, "Pages, top");
    oxt_list_html_begin(h, &rr->view);
    rv = oxt_report_each(ctx->psa, ctx->db, &rr->q, report_row_cb, &out,
                         ctx->res, ctx->r->pool);
    oxt_list_html_end(h, &rr->view);
    oxt_list_paging_html(h, &rr->view, "Pages, bottom");
    oxt_page_end(h, &pg);
    return rv;
}

/* The JSON twin: the quick report, then the table as the lists give
 * theirs under "rows". */
static apr_status_t report_json(oxt_mod_page_ctx_t *ctx, report_req_t *rr,
                                oxt_json_t *j)
{
    char iso[OXT_LIST_DATE_LEN];
    report_out_t out = { &rr->view, NULL, j, NULL };
    int i;
    apr_status_t rv;

    oxt_json_object(j);
    oxt_json_kstr(j, "report", oxt_dir_kind_name(rr->rep.kind));
    oxt_json_kint(j, "id", rr->rep.id);
    oxt_json_kstr(j, "name", rr->rep.name);
    oxt_json_kstr(j, "at", oxt_list_date_iso(iso, rr->now));
    oxt_json_kstr(j, "up", oxt_url_str(up_level(ctx, rr), ctx->r->pool));
    oxt_json_kobject(j, "mailboxes");
    oxt_json_kint(j, "total", rr->rep.total);
    oxt_json_kint(j, "ox", rr->rep.ox);
    oxt_json_end(j);
    oxt_json_kobject(j, "services");
    for (i = 0; i < OXT_REPORT_SERVICES; i++) {
        oxt_json_kint(j, service_keys[i], rr->rep.by_service[i]);
    }
    oxt_json_end(j);
    oxt_json_key(j, "rows");
    oxt_list_json_begin(j, &rr->view);
    rv = oxt_report_each(ctx->psa, ctx->db, &rr->q, report_row_cb, &out,
                         ctx->res, ctx->r->pool);
    oxt_list_json_end(j, &rr->view);
    oxt_json_end(j);
    return rv;
}

/* Download Report: every row (whatever the paging), streamed. */
static int report_csv(oxt_mod_page_ctx_t *ctx, report_req_t *rr)
{
    request_rec *r = ctx->r;
    report_out_t out = { &rr->view, NULL, NULL, NULL };
    oxt_sink_t *sink;
    apr_status_t rv, wrv;

    report_view(rr, ctx, 0);
    rr->q.offset = 0;
    rr->q.limit = 0;
    r->status = HTTP_OK;
    ap_set_content_type(r, "text/csv; charset=utf-8");
    oxt_mod_security_headers(r->headers_out);
    apr_table_setn(r->headers_out, "Content-Disposition", apr_pstrcat(
                   r->pool, "attachment; filename=\"", oxt_report_file_name(
                   rr->rd->kind, ctx->id, r->pool), "\"", NULL));
    sink = oxt_mod_sink_make(r);
    out.c = oxt_csv_make(sink, OXT_CSV_BOM, r->pool);
    oxt_list_csv_begin(out.c, &rr->view);
    rv = oxt_report_each(ctx->psa, ctx->db, &rr->q, report_row_cb, &out,
                         ctx->res, r->pool);
    wrv = oxt_csv_finish(out.c);
    if (rv != APR_SUCCESS && wrv == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06301)
                      "report %s cut short: %s", r->uri,
                      oxt_result_text(ctx->res, r->pool));
    }
    return oxt_mod_page_end(ctx, sink, wrv, "the CSV writer failed");
}

/* The page (HTML or JSON): the total and the rows in one snapshot. */
static int report_page(oxt_mod_page_ctx_t *ctx, report_req_t *rr)
{
    request_rec *r = ctx->r;
    oxt_sink_t *sink;
    oxt_html_t *h;
    oxt_json_t *j;
    const char *why;
    long long total = 0;
    apr_status_t rv, wrv;

    rv = oxt_report_count(&total, ctx->psa, ctx->db, &rr->q, ctx->res,
                          r->pool);
    if (rv != APR_SUCCESS) {
        return report_failed(ctx, rv);
    }
    report_view(rr, ctx, total);
    sink = oxt_mod_page_start(ctx, HTTP_OK);
    if (ctx->json) {
        j = oxt_json_make(sink, 0, r->pool);
        rv = report_json(ctx, rr, j);
        wrv = oxt_json_finish(j);
        why = oxt_json_error(j);
    }
    else {
        h = oxt_html_make(sink, r->pool);
        rv = report_html(ctx, rr, h);
        wrv = oxt_html_finish(h);
        why = oxt_html_error(h);
    }
    if (rv != APR_SUCCESS && wrv == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06302)
                      "report %s cut short: %s", r->uri,
                      oxt_result_text(ctx->res, r->pool));
    }
    return oxt_mod_page_end(ctx, sink, wrv, why);
}

static int report_get(oxt_mod_page_ctx_t *ctx, const report_def_t *rd)
{
    report_req_t rr;
    int status;
    apr_status_t rv;

    memset(&rr, 0, sizeof(rr));
    rr.rd = rd;
    rv = oxt_dir_read_begin(ctx->db, ctx->res);
    if (rv != APR_SUCCESS) {
        return report_failed(ctx, rv);
    }
    status = report_read(&rr, ctx);
    if (status == OK) {
        status = rr.csv ? report_csv(ctx, &rr) : report_page(ctx, &rr);
    }
    oxt_dir_read_end(ctx->db);
    return status;
}

int oxt_mod_page_report_reseller(oxt_mod_page_ctx_t *ctx)
{
    return report_get(ctx, &report_reseller);
}

int oxt_mod_page_report_client(oxt_mod_page_ctx_t *ctx)
{
    return report_get(ctx, &report_client);
}

int oxt_mod_page_report_domain(oxt_mod_page_ctx_t *ctx)
{
    return report_get(ctx, &report_domain);
}
