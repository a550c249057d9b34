/*
 * mod_oxtender_page_logs.c — the Replication Logs page (logs, every
 * level, the rows of the caller's subtree only) and its JSON twin; the
 * Clean Log confirmation (logs/clean); the "Plesk - Open-Xchange
 * Communication Logs" page of one row (logs/ID/debug).
 *
 * The core decides (oxt_replog.h: the subtree's rows, their totals, the
 * last automatic run, Clean Log and Remove within the subtree;
 * oxt_queue.h: the parked items of the subtree and Retry; oxt_xmlview.h:
 * the exchange pretty-printed, faults marked); this file formats. Every
 * id a POST names is the core's to check against the caller's subtree:
 * one that is not there removes nothing and answers 404.
 */
#include <string.h>
#include <time.h>
#include <httpd.h>
#include <http_log.h>
#include <apr_strings.h>

#include "mod_oxtender_list.h"
#include "oxt_log.h"
#include "oxt_queue.h"
#include "oxt_replog.h"
#include "oxt_service.h"
#include "oxt_settings.h"
#include "oxt_util.h"
#include "oxt_xmlview.h"

APLOG_USE_MODULE(oxtender);

#define PARKED_SHOWN 100
static const char removed_text[] = "Successfully removed logs from the system.";

/* ---- the columns ----------------------------------------------------------- */

static long long log_id(const void *row)
{
    return ((const oxt_replog_row_t *)row)->id;
}

static void get_select(oxt_cell_t *c, const void *row, void *b, apr_pool_t *p)
{
    (void)c;
    (void)row;
    (void)b;
    (void)p;
}

static void get_mailbox(oxt_cell_t *c, const void *row, void *b,
                        apr_pool_t *p)
{
    (void)b;
    (void)p;
    c->text = ((const oxt_replog_row_t *)row)->address;
}

static void get_modified(oxt_cell_t *c, const void *row, void *b,
                         apr_pool_t *p)
{
    (void)b;
    (void)p;
    c->when = ((const oxt_replog_row_t *)row)->logged_at;
}

static void get_service(oxt_cell_t *c, const void *row, void *b,
                        apr_pool_t *p)
{
    const oxt_replog_row_t *r = row;

    (void)b;
    (void)p;
    c->text = r->service >= 0 && r->service < OXT_SERVICE_COUNT
        ? oxt_service_label((oxt_service_t)r->service) : "";
}

static void get_scheduled_by(oxt_cell_t *c, const void *row, void *b,
                             apr_pool_t *p)
{
    (void)b;
    (void)p;
    c->text = ((const oxt_replog_row_t *)row)->scheduled_by;
}

/* Failure carries its reason (on hover and focus, and as text for
 * screen readers: the list kit's tip). */
static void get_outcome(oxt_cell_t *c, const void *row, void *b,
                        apr_pool_t *p)
{
    const oxt_replog_row_t *r = row;

    (void)b;
    (void)p;
    c->text = r->success ? "Success" : "Failure";
    if (!r->success) {
        c->detail = r->reason && *r->reason ? r->reason : "No reason given.";
    }
}

static void get_debug(oxt_cell_t *c, const void *row, void *baton,
                      apr_pool_t *p)
{
    const oxt_replog_row_t *r = row;
    const oxt_mod_page_ctx_t *ctx = baton;
    oxt_url_t *u;

    c->text = "";
    if (!r->has_debug) {
        return;
    }
    u = oxt_url_make(ctx->base, p);
    OXT_URL_WORD(u, "logs");
    oxt_url_id(u, r->id);
    OXT_URL_WORD(u, "debug");
    c->text = "debug logs";
    c->url = u;
}

static void get_reason(oxt_cell_t *c, const void *row, void *b,
                       apr_pool_t *p)
{
    (void)b;
    (void)p;
    c->text = ((const oxt_replog_row_t *)row)->reason;
}

static void get_has_debug(oxt_cell_t *c, const void *row, void *b,
                          apr_pool_t *p)
{
    (void)b;
    (void)p;
    c->on = ((const oxt_replog_row_t *)row)->has_debug;
}

static void get_operation(oxt_cell_t *c, const void *row, void *b,
                          apr_pool_t *p)
{
    (void)b;
    (void)p;
    c->text = ((const oxt_replog_row_t *)row)->operation;
}

/* The sort expressions are never SQL here: the core orders by the key
 * (oxt_replog_sort_t); a non-NULL one only makes the column sortable. */
static const oxt_column_t log_cols[] = {
    { "sel", "Select", OXT_CELL_CHECKBOX, NULL, NULL, get_select,
      OXT_COL_NO_JSON | OXT_COL_NO_CSV, NULL, NULL },
    { "name", "Mailbox", OXT_CELL_TEXT, "mailbox", NULL, get_mailbox, 0,
      NULL, NULL },
    { "modified", "Modified", OXT_CELL_DATE, "modified", NULL, get_modified,
      0, NULL, NULL },
    { "service", "Type of Service", OXT_CELL_TEXT, "service", NULL,
      get_service, 0, NULL, NULL },
    { "scheduled_by", "Scheduled By", OXT_CELL_TEXT, "scheduled_by", NULL,
      get_scheduled_by, 0, NULL, NULL },
    { "outcome", "Outcome", OXT_CELL_TEXT, "outcome", NULL, get_outcome, 0,
      NULL, NULL },
    { "debug", "Debug logs", OXT_CELL_LINK, NULL, NULL, get_debug,
      OXT_COL_NO_JSON | OXT_COL_NO_CSV, NULL, NULL },
    { "reason", "Reason", OXT_CELL_TEXT, NULL, NULL, get_reason,
      OXT_COL_NO_HTML, NULL, NULL },
    { "has_debug", "Debug logs", OXT_CELL_ICON, NULL, NULL, get_has_debug,
      OXT_COL_NO_HTML, NULL, NULL },
    { "operation", "Operation", OXT_CELL_TEXT, NULL, NULL, get_operation,
      OXT_COL_NO_HTML, NULL, NULL },
};

static const oxt_list_def_t log_list = {
    "logs", log_cols, (int)(sizeof(log_cols) / sizeof(log_cols[0])),
    "modified", 1, "id", log_id
};

/* ---- the request ------------------------------------------------------------- */

static int logs_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv,
                       const char *what)
{
    request_rec *r = ctx->r;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06210)
                  "logs: %s: %s", what, oxt_result_text(ctx->res, r->pool));
    return oxt_mod_http_status(rv) == HTTP_SERVICE_UNAVAILABLE
        ? oxt_mod_fail(r, HTTP_SERVICE_UNAVAILABLE, "unavailable",
                       "OXtender cannot reach its database right now."
                       " Please try again in a few minutes.", NULL)
        : oxt_mod_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal",
                       "The logs cannot be shown right now.", NULL);
}

static int not_found(oxt_mod_page_ctx_t *ctx, const char *what)
{
    return oxt_mod_fail(ctx->r, HTTP_NOT_FOUND, "not_found", what, NULL);
}

/* The list request and the core's query of it: the caller's subtree,
 * narrowed by the owner filters (never widened). */
static int logs_request(oxt_list_req_t *req, oxt_replog_query_t *q,
                        oxt_mod_page_ctx_t *ctx)
{
    oxt_replog_sort_t sort;

    if (oxt_list_req_parse(req, &log_list, ctx->query, ctx->r->pool)
        != APR_SUCCESS || req->ox) {
        return not_found(ctx, "There is no such list.");
    }
    if (strcmp(req->sort->key, "name") == 0) {
        sort = OXT_REPLOG_SORT_MAILBOX;
    }
    else if (oxt_replog_sort_parse(&sort, req->sort->key) != APR_SUCCESS) {
        sort = OXT_REPLOG_SORT_MODIFIED;
    }
    oxt_replog_query_init(q, ctx->ident);
    q->psa = ctx->psa;
    q->reseller = req->reseller;
    q->client = req->client;
    q->domain = req->domain;
    q->q = req->q;
    q->sort = sort;
    q->desc = req->desc;
    return OK;
}

static oxt_url_t *logs_url(const oxt_mod_page_ctx_t *ctx, apr_pool_t *p)
{
    oxt_url_t *u = oxt_url_make(ctx->base, p);

    OXT_URL_WORD(u, "logs");
    return u;
}

/* ---- the banner: the last automatic run ----------------------------------------- */

/* "YYYY-MM-DD hh:mm:ss" (the server's local time, as stored) in seconds
 * since 1970; 0 when it is not that. */
static long long stored_time(const char *s)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    end = s ? strptime(s, "%Y-%m-%d %H:%M:%S", &tm) : NULL;
    if (end == NULL) {
        return 0;
    }
    tm.tm_isdst = -1;
    return (long long)mktime(&tm);
}

static void banner_html(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx,
                        const oxt_run_summary_t *run, unsigned allowed)
{
    char when[OXT_LIST_DATE_LEN];
    int s;

    OXT_HTML_LIT(h, "<section class=\"oxt-msg oxt-report\""
                 " aria-labelledby=\"oxt-report-title\"><h2"
                 " id=\"oxt-report-title\">Report on the last automatic"
                 " replication ");
    (void)ctx;
    if (run == NULL) {
        OXT_HTML_LIT(h, "</h2><p>There has been no automatic replication"
                     " yet.</p></section>\n");
        return;
    }
    OXT_HTML_LIT(h, "<strong>");
    oxt_html_text(h, oxt_list_date_text(when, stored_time(run->started_at)));
    OXT_HTML_LIT(h, "</strong></h2><ul>");
    for (s = 0; s < OXT_SERVICE_COUNT; s++) {
        if (!(allowed & OXT_SERVICE_BIT(s))) {
            continue;
        }
        OXT_HTML_LIT(h, "<li>");
        oxt_html_text(h, oxt_service_label((oxt_service_t)s));
        OXT_HTML_LIT(h, " mailboxes: ");
        oxt_html_int(h, run->counts.ok[s]);
        OXT_HTML_LIT(h, " successfully / ");
        oxt_html_int(h, run->counts.failed[s]);
        OXT_HTML_LIT(h, " failed</li>");
    }
    OXT_HTML_LIT(h, "</ul></section>\n");
}

static void banner_json(oxt_json_t *j, const oxt_run_summary_t *run,
                        unsigned allowed)
{
    int s;

    if (run == NULL) {
        oxt_json_knull(j, "last_automatic_run");
        return;
    }
    oxt_json_kobject(j, "last_automatic_run");
    oxt_json_kstr(j, "started_at", run->started_at);
    oxt_json_kstr(j, "status", run->status);
    for (s = 0; s < OXT_SERVICE_COUNT; s++) {
        if (allowed & OXT_SERVICE_BIT(s)) {
            oxt_json_kobject(j, oxt_service_code((oxt_service_t)s));
            oxt_json_kint(j, "ok", run->counts.ok[s]);
            oxt_json_kint(j, "failed", run->counts.failed[s]);
            oxt_json_end(j);
        }
    }
    oxt_json_end(j);
}

/* ---- the parked items --------------------------------------------------------- */

static void parked_row(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx,
                       const oxt_queue_parked_t *pk, apr_pool_t *p)
{
    OXT_HTML_LIT(h, "<tr><td>");
    oxt_html_text(h, oxt_obj_type_name(pk->item.type));
    OXT_HTML_LIT(h, "</td><td>");
    oxt_html_name(h, pk->name && *pk->name ? pk->name
                  : apr_pstrcat(p, "#", oxt_util_lld(pk->item.object_id, p),
                                NULL));
    OXT_HTML_LIT(h, "</td><td>");
    oxt_html_int(h, pk->item.attempts);
    OXT_HTML_LIT(h, "</td><td>");
    oxt_html_text(h, pk->item.last_error ? pk->item.last_error : "");
    OXT_HTML_LIT(h, "</td><td>");
    oxt_page_form_begin(h, logs_url(ctx, p), ctx->csrf, NULL, 0);
    OXT_HTML_LIT(h, "<button type=\"submit\" class=\"oxt-button\""
                 " name=\"retry\"");
    oxt_html_attr_int(h, "value", pk->item.id);
    OXT_HTML_LIT(h, ">Retry<span class=\"oxt-vh\">: ");
    oxt_html_name(h, pk->name ? pk->name : "");
    OXT_HTML_LIT(h, "</span></button>");
    oxt_page_form_end(h);
    OXT_HTML_LIT(h, "</td></tr>\n");
}

static void parked_html(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx,
                        const apr_array_header_t *items, int more)
{
    int i;

    if (items->nelts == 0) {
        return;
    }
    OXT_HTML_LIT(h, "<section class=\"oxt-parked\" aria-labelledby="
                 "\"oxt-parked-title\"><h2 id=\"oxt-parked-title\">Parked"
                 " items</h2><p>These failed more often than the retry limit"
                 " allows and are left alone until you retry them.</p>\n"
                 "<div class=\"oxt-table-wrap\"><table class=\"oxt-list\">"
                 "<thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">"
                 "Name</th><th scope=\"col\">Attempts</th><th scope=\"col\">"
                 "Last error</th><th scope=\"col\">Action</th></tr></thead>"
                 "\n<tbody>\n");
    for (i = 0; i < items->nelts; i++) {
        parked_row(h, ctx, APR_ARRAY_IDX(items, i, const oxt_queue_parked_t *),
                   ctx->r->pool);
    }
    OXT_HTML_LIT(h, "</tbody></table></div>\n");
    if (more) {
        OXT_HTML_LIT(h, "<p class=\"oxt-hint\">Only the newest ");
        oxt_html_int(h, PARKED_SHOWN);
        OXT_HTML_LIT(h, " parked items are shown; there are more. Those"
                     " you retry leave the list, and the next ones take"
                     " their place.</p>\n");
    }
    OXT_HTML_LIT(h, "</section>\n");
}

static void parked_json(oxt_json_t *j, const apr_array_header_t *items,
                        int more)
{
    const oxt_queue_parked_t *pk;
    int i;

    oxt_json_karray(j, "parked");
    for (i = 0; i < items->nelts; i++) {
        pk = APR_ARRAY_IDX(items, i, const oxt_queue_parked_t *);
        oxt_json_object(j);
        oxt_json_kint(j, "id", pk->item.id);
        oxt_json_kstr(j, "type", oxt_obj_type_name(pk->item.type));
        oxt_json_kint(j, "object_id", pk->item.object_id);
        oxt_json_kstr(j, "name", pk->name);
        oxt_json_kint(j, "attempts", pk->item.attempts);
        oxt_json_kstr(j, "last_error", pk->item.last_error);
        oxt_json_kstr(j, "parked_at", pk->item.parked_at);
        oxt_json_end(j);
    }
    oxt_json_end(j);
    if (more) {
        oxt_json_kbool(j, "parked_more", 1);
    }
}

/* ---- GET: the page --------------------------------------------------------------- */

typedef struct logs_pg_t {
    oxt_list_req_t req;
    oxt_replog_query_t q;
    oxt_paging_t paging;
    oxt_list_view_t v;
    oxt_run_summary_t *run;
    apr_array_header_t *parked;    /* oxt_queue_parked_t * */
    int parked_more;               /* more than PARKED_SHOWN are parked */
    unsigned allowed;              /* service types shown in the banner */
    int hidden;                    /* the search form */
    long long after, before, from; /* the link's keyset (after= or
                                      before= of page from=); 0: none */
    apr_array_header_t *rows;      /* the page's rows (oxt_replog_row_t *),
                                      read before anything is sent; NULL:
                                      streamed (All on one page) */
    oxt_html_t *h;                 /* HTML, or */
    oxt_json_t *j;                 /* JSON */
} logs_pg_t;

static apr_status_t logs_row_out(logs_pg_t *lg, const oxt_replog_row_t *row)
{
    if (lg->h != NULL) {
        oxt_list_html_row(lg->h, &lg->v, row);
        return oxt_html_ok(lg->h) ? APR_SUCCESS : APR_EGENERAL;
    }
    oxt_list_json_row(lg->j, &lg->v, row);
    return APR_SUCCESS;
}

/* The list's total for the core: unknown when it is a bound (a search
 * with more matches than it counts), so no page is read from the end. */
static long long logs_total(const logs_pg_t *lg)
{
    return lg->paging.more ? -1 : lg->paging.total;
}

static apr_status_t logs_row_cb(void *baton, const oxt_replog_row_t *row,
                                apr_pool_t *ptemp)
{
    logs_pg_t *lg = baton;
    oxt_replog_row_t *c;

    /* Kept for after the paging bar, which links from them. */
    (void)ptemp;
    c = apr_pmemdup(lg->rows->pool, row, sizeof(*row));
    c->address = apr_pstrdup(lg->rows->pool, row->address);
    c->domain_name = apr_pstrdup(lg->rows->pool, row->domain_name);
    c->scheduled_by = apr_pstrdup(lg->rows->pool, row->scheduled_by);
    c->operation = apr_pstrdup(lg->rows->pool, row->operation);
    c->reason = row->reason ? apr_pstrdup(lg->rows->pool, row->reason)
                            : NULL;
    APR_ARRAY_PUSH(lg->rows, oxt_replog_row_t *) = c;
    return APR_SUCCESS;
}

/* The rows read (at most a page of OXT_LIST_ALL_MAX) into the view. */
static apr_status_t logs_rows(oxt_mod_page_ctx_t *ctx, logs_pg_t *lg)
{
    apr_status_t rv = APR_SUCCESS;
    int i;

    (void)ctx;
    if (lg->rows == NULL) {
        return APR_SUCCESS;
    }
    for (i = 0; rv == APR_SUCCESS && i < lg->rows->nelts; i++) {
        rv = logs_row_out(lg, APR_ARRAY_IDX(lg->rows, i,
                                            const oxt_replog_row_t *));
    }
    return rv;
}

/* The message a redirect carried, in our words. */
static void logs_message(oxt_page_t *pg, const oxt_mod_page_ctx_t *ctx)
{
    if (ctx->msg == NULL) {
        return;
    }
    if (strcmp(ctx->msg, "removed") == 0) {
        pg->info = removed_text;
    }
    else if (strcmp(ctx->msg, "retried") == 0) {
        pg->info = "The item is queued again: the replicator tries it within"
                   " seconds with its daemon, otherwise at its next run.";
    }
    else if (strcmp(ctx->msg, "noselect") == 0) {
        pg->error = "Select the logs to remove first.";
    }
}

static const char search_hint[] =
    "Finds the mailboxes whose address begins with what you type.";

static void logs_toolbar(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx,
                         logs_pg_t *lg)
{
    oxt_url_t *clean = logs_url(ctx, ctx->r->pool);

    OXT_URL_WORD(clean, "clean");
    OXT_HTML_LIT(h, "<div class=\"oxt-toolbar\"><div class=\"oxt-actions\">"
                 "<span class=\"oxt-tools-label\">Tools</span> ");
    /* A link to the confirmation: a page without JavaScript, a dialog
     * with it (htdocs/oxtender.js); the guide's button shows its words. */
    OXT_HTML_LIT(h, "<a class=\"oxt-button\" data-oxt-dialog");
    oxt_html_attr_url(h, "href", clean);
    OXT_HTML_LIT(h, ">");
    oxt_icon_write(h, ctx->static_base, OXT_ICON_CLEAN_LOG, NULL);
    OXT_HTML_LIT(h, " Clean Log</a> ");
    oxt_page_action_submit(h, ctx->static_base, OXT_ICON_REMOVE, "Remove",
                           "remove", "1", "oxt-list-form");
    OXT_HTML_LIT(h, "</div><div class=\"oxt-tools\">");
    oxt_list_search_toggle(h, &lg->v, lg->hidden,
                           oxt_mod_list_search_cookie(ctx));
    OXT_HTML_LIT(h, "</div></div>\n");
    oxt_list_search_form(h, &lg->v, lg->hidden);
}

static apr_status_t logs_html(oxt_mod_page_ctx_t *ctx, logs_pg_t *lg,
                              oxt_sink_t *sink)
{
    request_rec *r = ctx->r;
    oxt_crumb_t path[1] = { { "Replication Logs", NULL } };
    oxt_html_t *h = oxt_html_make(sink, r->pool);
    oxt_page_t pg;
    apr_status_t rv;

    lg->h = h;
    oxt_mod_page_shell(&pg, ctx, "Replication Logs", OXT_TAB_LOGS);
    pg.crumbs = path;
    pg.ncrumbs = 1;
    logs_message(&pg, ctx);
    oxt_page_begin(h, &pg);
    banner_html(h, ctx, lg->run, lg->allowed);
    parked_html(h, ctx, lg->parked, lg->parked_more);
    logs_toolbar(h, ctx, lg);
    oxt_page_form_begin(h, oxt_list_url(&lg->v, NULL, lg->req.desc,
                                        lg->paging.page, lg->req.per_page,
                                        r->pool),
                        ctx->csrf, "oxt-list-form", 0);
    oxt_list_paging_html(h, &lg->v, "Pages, top");
    oxt_list_html_begin(h, &lg->v);
    rv = logs_rows(ctx, lg);
    oxt_list_html_end(h, &lg->v);
    oxt_list_paging_html(h, &lg->v, "Pages, bottom");
    oxt_page_form_end(h);
    oxt_page_end(h, &pg);
    return rv;
}

static apr_status_t logs_json(oxt_mod_page_ctx_t *ctx, logs_pg_t *lg,
                              oxt_sink_t *sink)
{
    apr_status_t rv;

    lg->j = oxt_json_make(sink, 0, ctx->r->pool);
    oxt_list_json_begin(lg->j, &lg->v);
    rv = logs_rows(ctx, lg);
    /* oxt_list_json_end closes "items" and the object: the page's own
     * keys go in before it, after the items. */
    oxt_json_end(lg->j);
    banner_json(lg->j, lg->run, lg->allowed);
    parked_json(lg->j, lg->parked, lg->parked_more);
    oxt_json_end(lg->j);
    return rv;
}

/* A link's keyset (after= or before= a row of page from=, the list kit's
 * anchors): the page asked is then read from that row, skipping only
 * the pages between, however deep it is. Only for a page of the window
 * next to from (the links the kit writes), and never one past the end. */
static void logs_keyset(logs_pg_t *lg)
{
    const oxt_paging_t *pg = &lg->paging;
    long long gap = pg->page - lg->from;

    /* A search beyond what it counts pages through those it counted,
     * by their position (oxt_replog_list): no keyset there. */
    if (lg->from < 1 || pg->page != lg->req.page
        || pg->more
        || (lg->after > 0) == (lg->before > 0)) {
        return;
    }
    if (lg->after > 0 && gap >= 1 && gap <= OXT_LIST_WINDOW) {
        lg->q.after = lg->after;
        lg->q.offset = (gap - 1) * pg->limit;
    }
    else if (lg->before > 0 && -gap >= 1 && -gap <= OXT_LIST_WINDOW) {
        lg->q.after = lg->before;
        lg->q.before = 1;
        lg->q.offset = (-gap - 1) * pg->limit;
    }
}

/* A page of rows is read before anything is sent: the paging bar above
 * them links from its first and last rows, and a keyset row that is gone
 * (or not the caller's) falls back to the page's position. */
static apr_status_t logs_read(oxt_mod_page_ctx_t *ctx, logs_pg_t *lg)
{
    apr_pool_t *p = ctx->r->pool;
    apr_status_t rv;

    logs_keyset(lg);
    lg->rows = apr_array_make(p, (int)(lg->paging.last - lg->paging.first
                                       + 1) + 1,
                              sizeof(oxt_replog_row_t *));
    rv = oxt_replog_list(ctx->db, &lg->q, logs_total(lg), logs_row_cb, lg,
                         ctx->res, p);
    if (rv == APR_ENOENT && lg->q.after > 0) {
        lg->q.after = 0;
        lg->q.before = 0;
        lg->q.offset = lg->paging.offset;
        lg->rows->nelts = 0;
        rv = oxt_replog_list(ctx->db, &lg->q, logs_total(lg), logs_row_cb,
                             lg, ctx->res, p);
    }
    return rv;
}

/* The keyset of the list's links: the first and last rows shown. */
static void logs_anchors(logs_pg_t *lg)
{
    if (lg->rows == NULL || lg->rows->nelts == 0) {
        return;
    }
    lg->v.anchor_first = APR_ARRAY_IDX(lg->rows, 0,
                                       const oxt_replog_row_t *)->id;
    lg->v.anchor_last = APR_ARRAY_IDX(lg->rows, lg->rows->nelts - 1,
                                      const oxt_replog_row_t *)->id;
}

/* What the page shows besides the rows: total, banner, parked items. */
static apr_status_t logs_gather(oxt_mod_page_ctx_t *ctx, logs_pg_t *lg)
{
    apr_pool_t *p = ctx->r->pool;
    oxt_plesk_scope_t scope;
    long long total = 0;
    int more = 0;
    apr_status_t rv;

    oxt_plesk_scope_of(&scope, ctx->ident);
    /* Asked once for the count, the list and the banner. */
    rv = oxt_replog_moved_away(&lg->q.moved, ctx->db, ctx->psa, &scope,
                               ctx->res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_count(&total, &more, ctx->db, &lg->q, ctx->res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_last_automatic_run(&lg->run, ctx->db, lg->q.moved,
                                           &scope, ctx->res, p);
    }
    if (rv == APR_SUCCESS) {
        /* One more than shown: whether to say there are more. */
        rv = oxt_queue_parked_in(&lg->parked, ctx->db, ctx->psa, &scope,
                                 PARKED_SHOWN + 1, ctx->res, p);
    }
    if (rv == APR_SUCCESS && lg->parked->nelts > PARKED_SHOWN) {
        lg->parked_more = 1;
        lg->parked->nelts = PARKED_SHOWN;
    }
    oxt_list_paging(&lg->paging, &lg->req, total);
    lg->paging.more = more;
    lg->q.offset = lg->paging.offset;
    lg->q.limit = lg->paging.limit;
    return rv == APR_SUCCESS ? logs_read(ctx, lg) : rv;
}

/* after=, before= and from= of a page link; a malformed one is no
 * keyset (the page is then found by its number). */
static void logs_keyset_parse(oxt_mod_page_ctx_t *ctx, logs_pg_t *lg)
{
    const char *after = oxt_form_get(ctx->query, "after");
    const char *before = oxt_form_get(ctx->query, "before");
    const char *from = oxt_form_get(ctx->query, "from");

    if (from == NULL || oxt_form_parse_id(&lg->from, from) != APR_SUCCESS
        || (after != NULL
            && oxt_form_parse_id(&lg->after, after) != APR_SUCCESS)
        || (before != NULL
            && oxt_form_parse_id(&lg->before, before) != APR_SUCCESS)) {
        lg->after = lg->before = lg->from = 0;
    }
}

static int logs_get(oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    logs_pg_t *lg = apr_pcalloc(r->pool, sizeof(*lg));
    const char *why;
    oxt_sink_t *sink;
    apr_status_t rv, wrv;
    int status;

    status = logs_request(&lg->req, &lg->q, ctx);
    if (status != OK) {
        return status;
    }
    lg->hidden = oxt_mod_list_search_hidden(ctx, &lg->req);
    logs_keyset_parse(ctx, lg);
    rv = oxt_mod_services_allowed(&lg->allowed, ctx);
    if (rv == APR_SUCCESS) {
        rv = logs_gather(ctx, lg);
    }
    if (rv != APR_SUCCESS) {
        return logs_failed(ctx, rv, "read");
    }
    oxt_list_view_init(&lg->v, &log_list, &lg->req, &lg->paging,
                       logs_url(ctx, r->pool), ctx->static_base, ctx,
                       r->pool);
    lg->v.search_hint = search_hint;
    logs_anchors(lg);
    sink = oxt_mod_page_start(ctx, HTTP_OK);
    rv = ctx->json ? logs_json(ctx, lg, sink) : logs_html(ctx, lg, sink);
    wrv = ctx->json ? oxt_json_finish(lg->j) : oxt_html_finish(lg->h);
    why = ctx->json ? oxt_json_error(lg->j) : oxt_html_error(lg->h);
    if (rv != APR_SUCCESS && wrv == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06211)
                      "logs cut short: %s", oxt_result_text(ctx->res,
                                                            r->pool));
    }
    return oxt_mod_page_end(ctx, sink, wrv, why);
}

/* ---- POST: Remove, Retry ------------------------------------------------------------ */

/* Back to the list as it was shown (its query string), with a message. */
static int logs_back(oxt_mod_page_ctx_t *ctx, const char *code,
                     const char *text)
{
    oxt_list_req_t req;
    oxt_paging_t pg;
    oxt_list_view_t v;
    apr_pool_t *p = ctx->r->pool;

    if (oxt_list_req_parse(&req, &log_list, ctx->query, p) != APR_SUCCESS) {
        return not_found(ctx, "There is no such list.");
    }
    oxt_list_paging(&pg, &req, 0);
    pg.page = req.page;
    oxt_list_view_init(&v, &log_list, &req, &pg, logs_url(ctx, p),
                       ctx->static_base, ctx, p);
    return oxt_mod_page_redirect(ctx, oxt_list_url(&v, NULL, req.desc,
                                 req.page, req.per_page, p), code, NULL, 0,
                                 text);
}

static int logs_remove(oxt_mod_page_ctx_t *ctx)
{
    apr_array_header_t *ids;
    oxt_plesk_scope_t scope;
    long long n = 0;
    apr_status_t rv;

    if (oxt_form_ids(&ids, ctx->form, "sel", ctx->r->pool) != APR_SUCCESS) {
        return oxt_mod_fail(ctx->r, HTTP_BAD_REQUEST, "bad_form",
                            "The form could not be read.", NULL);
    }
    if (ids->nelts == 0) {
        return logs_back(ctx, "noselect", "Select the logs to remove first.");
    }
    if (ids->nelts > OXT_REPLOG_DELETE_BATCH * 100) {
        return oxt_mod_fail(ctx->r, HTTP_REQUEST_ENTITY_TOO_LARGE,
                            "too_large", "Too many logs at once: use Clean"
                            " Log.", NULL);
    }
    oxt_plesk_scope_of(&scope, ctx->ident);
    rv = oxt_replog_remove(&n, ctx->db, ctx->psa, &scope, ids, ctx->res,
                           ctx->r->pool);
    if (rv == APR_ENOENT) {
        /* One of them is another tenant's, or gone: nothing removed. */
        return not_found(ctx, "There is no such log.");
    }
    if (rv != APR_SUCCESS) {
        return logs_failed(ctx, rv, "remove");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, ctx->r, OXTLOGNO(06212)
                  "logs: %s removed by %s", oxt_util_lld(n, ctx->r->pool),
                  ctx->ident->login);
    return logs_back(ctx, "removed", removed_text);
}

static int logs_retry(oxt_mod_page_ctx_t *ctx)
{
    const char *by = *ctx->ident->name ? ctx->ident->name : ctx->ident->login;
    oxt_plesk_scope_t scope;
    long long id;
    apr_status_t rv;

    if (oxt_form_parse_id(&id, oxt_form_get(ctx->form, "retry"))
        != APR_SUCCESS) {
        return oxt_mod_fail(ctx->r, HTTP_BAD_REQUEST, "bad_form",
                            "The form could not be read.", NULL);
    }
    oxt_plesk_scope_of(&scope, ctx->ident);
    rv = oxt_queue_retry(ctx->db, ctx->psa, &scope, id, by, ctx->res,
                         ctx->r->pool);
    if (rv == APR_ENOENT) {
        return not_found(ctx, "There is no such parked item.");
    }
    if (rv != APR_SUCCESS) {
        return logs_failed(ctx, rv, "retry");
    }
    return logs_back(ctx, "retried", "The item is queued again.");
}

int oxt_mod_page_logs(oxt_mod_page_ctx_t *ctx)
{
    if (!ctx->post) {
        return logs_get(ctx);
    }
    if (oxt_form_get(ctx->form, "retry") != NULL) {
        return logs_retry(ctx);
    }
    return logs_remove(ctx);
}

/* ---- Clean Log: confirm, then clean -------------------------------------------------- */

static int clean_confirm(oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    oxt_sink_t *sink;
    oxt_html_t *h;
    oxt_url_t *self = logs_url(ctx, r->pool);
    oxt_page_t pg;

    if (ctx->json) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found", "Clean Log is a"
                            " POST to this address.", NULL);
    }
    sink = oxt_mod_page_start(ctx, HTTP_OK);
    h = oxt_html_make(sink, r->pool);
    oxt_mod_page_shell(&pg, ctx, "Clean Log", OXT_TAB_LOGS);
    oxt_page_begin(h, &pg);
    oxt_page_dialog_begin(h, NULL, "Clean Log", ctx->ident->role
                          == OXT_ROLE_ADMIN
                          ? "Every replication log of the server will be"
                            " removed. This cannot be undone."
                          : "Every replication log of your accounts will be"
                            " removed; those of others stay. This cannot be"
                            " undone.");
    OXT_URL_WORD(self, "clean");
    oxt_page_form_begin(h, self, ctx->csrf, "oxt-clean-form", 0);
    oxt_page_hidden(h, "confirm", "1");
    oxt_page_buttons(h, "Clean Log", logs_url(ctx, r->pool));
    oxt_page_form_end(h);
    oxt_page_dialog_end(h);
    oxt_page_end(h, &pg);
    return oxt_mod_page_end(ctx, sink, oxt_html_finish(h),
                            oxt_html_error(h));
}

static int clean_post(oxt_mod_page_ctx_t *ctx)
{
    oxt_plesk_scope_t scope;
    long long n = 0;
    const char *confirm = oxt_form_get(ctx->form, "confirm");
    apr_status_t rv;

    if (confirm == NULL || strcmp(confirm, "1") != 0) {
        return oxt_mod_fail(ctx->r, HTTP_BAD_REQUEST, "bad_form",
                            "Clean Log needs its confirmation.", NULL);
    }
    oxt_plesk_scope_of(&scope, ctx->ident);
    rv = oxt_replog_clean(&n, ctx->db, ctx->psa, &scope, ctx->res, ctx->r->pool);
    if (rv != APR_SUCCESS) {
        return logs_failed(ctx, rv, "clean");
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, ctx->r, OXTLOGNO(06213)
                  "logs: clean log by %s removed %s", ctx->ident->login,
                  oxt_util_lld(n, ctx->r->pool));
    return oxt_mod_page_redirect(ctx, logs_url(ctx, ctx->r->pool), "removed",
                                 NULL, 0, removed_text);
}

int oxt_mod_page_logs_clean(oxt_mod_page_ctx_t *ctx)
{
    return ctx->post ? clean_post(ctx) : clean_confirm(ctx);
}

/* ---- the Communication Logs of a row ------------------------------------------------ */

static void xml_html(oxt_html_t *h, const char *title, const char *text,
                     apr_pool_t *p)
{
    oxt_xmlview_t *v = oxt_xmlview_make(text, text ? strlen(text) : 0, p);
    const oxt_xmlview_line_t *l;
    int i, d;

    OXT_HTML_LIT(h, "<section class=\"oxt-xml\"><h2>");
    oxt_html_text(h, title);
    OXT_HTML_LIT(h, "</h2>");
    if (v->lines->nelts == 0) {
        OXT_HTML_LIT(h, "<p>Nothing was captured.</p></section>\n");
        return;
    }
    if (v->has_fault) {
        OXT_HTML_LIT(h, "<p class=\"oxt-fault-note\">The lines of the error"
                     " (the SOAP fault) are marked in red.</p>");
    }
    OXT_HTML_LIT(h, "<pre class=\"oxt-xml-text\">");
    for (i = 0; i < v->lines->nelts; i++) {
        l = &APR_ARRAY_IDX(v->lines, i, const oxt_xmlview_line_t);
        if (l->error) {
            OXT_HTML_LIT(h, "<span class=\"oxt-fault\">");
        }
        for (d = 0; d < l->depth && d < OXT_XMLVIEW_MAX_DEPTH; d++) {
            OXT_HTML_LIT(h, "  ");
        }
        oxt_html_text(h, l->text);
        if (l->error) {
            OXT_HTML_LIT(h, "</span>");
        }
        OXT_HTML_LIT(h, "\n");
    }
    OXT_HTML_LIT(h, "</pre>");
    if (v->truncated) {
        OXT_HTML_LIT(h, "<p>(cut: the exchange is longer than this page"
                     " shows)</p>");
    }
    OXT_HTML_LIT(h, "</section>\n");
}

static int debug_json(oxt_mod_page_ctx_t *ctx, const oxt_replog_debug_t *d)
{
    oxt_sink_t *sink = oxt_mod_page_start(ctx, HTTP_OK);
    oxt_json_t *j = oxt_json_make(sink, 0, ctx->r->pool);

    oxt_json_object(j);
    oxt_json_kint(j, "id", d->row.id);
    oxt_json_kstr(j, "mailbox", d->row.address);
    oxt_json_kbool(j, "success", d->row.success);
    oxt_json_kstr(j, "reason", d->row.reason);
    oxt_xmlview_json(j, "request", d->request, ctx->r->pool);
    oxt_xmlview_json(j, "response", d->response, ctx->r->pool);
    oxt_json_end(j);
    return oxt_mod_page_end(ctx, sink, oxt_json_finish(j),
                            oxt_json_error(j));
}

static int debug_html(oxt_mod_page_ctx_t *ctx, const oxt_replog_debug_t *d)
{
    request_rec *r = ctx->r;
    oxt_sink_t *sink = oxt_mod_page_start(ctx, HTTP_OK);
    oxt_html_t *h = oxt_html_make(sink, r->pool);
    oxt_crumb_t path[2];
    oxt_page_t pg;

    oxt_mod_page_shell(&pg, ctx, "Plesk - Open-Xchange Communication Logs",
                       OXT_TAB_LOGS);
    path[0].label = "Replication Logs";
    path[0].url = logs_url(ctx, r->pool);
    path[1].label = "Communication Logs";
    path[1].url = NULL;
    pg.crumbs = path;
    pg.ncrumbs = 2;
    oxt_page_begin(h, &pg);
    OXT_HTML_LIT(h, "<p>View the SOAP logs generated during the replication"
                 " of the mailbox ");
    oxt_html_name(h, d->row.address);
    OXT_HTML_LIT(h, " from Plesk to the Open-Xchange server.</p>\n");
    xml_html(h, "Request Log", d->request, r->pool);
    xml_html(h, "Response Log", d->response, r->pool);
    oxt_page_end(h, &pg);
    return oxt_mod_page_end(ctx, sink, oxt_html_finish(h),
                            oxt_html_error(h));
}

int oxt_mod_page_logs_debug(oxt_mod_page_ctx_t *ctx)
{
    oxt_replog_debug_t *d;
    oxt_plesk_scope_t scope;
    apr_status_t rv;

    oxt_plesk_scope_of(&scope, ctx->ident);
    rv = oxt_replog_debug(&d, ctx->db, ctx->psa, &scope, ctx->id, ctx->res,
                          ctx->r->pool);
    if (rv == APR_ENOENT) {
        /* Another tenant's row and one that is gone look the same. */
        return not_found(ctx, "There is no such log.");
    }
    if (rv != APR_SUCCESS) {
        return logs_failed(ctx, rv, "debug");
    }
    return ctx->json ? debug_json(ctx, d) : debug_html(ctx, d);
}
