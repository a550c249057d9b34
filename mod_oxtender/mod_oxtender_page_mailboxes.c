/*
 * mod_oxtender_page_mailboxes.c — Mailboxes Management (every level, its
 * part of the server only): Name (the Plesk link before Plesk 10), Mail
 * Service, Service Type with "(Update in progress: ...)", Language, Time
 * zone, Modified ("Never"), OX Service, and why a mailbox cannot be
 * replicated; the filters of the other lists' "x Total / y OX" links
 * (reseller=, client=, domain=, ox=1), search, sort, paging, the JSON
 * twin. The POST (Apply Your Changes, Change Service) is
 * mod_oxtender_page_mbchange.c's.
 */
#include <string.h>
#include <httpd.h>
#include <http_log.h>
#include <apr_strings.h>

#include "mod_oxtender_list.h"
#include "mod_oxtender_mailboxes.h"
#include "oxt_dir.h"
#include "oxt_log.h"
#include "oxt_service.h"
#include "oxt_tz.h"
#include "oxt_util.h"

APLOG_USE_MODULE(oxtender);

typedef struct mbox_baton_t {
    const oxt_mod_page_ctx_t *ctx;
    int plesk_links;               /* Plesk before 10 */
} mbox_baton_t;

/* ---- the columns ------------------------------------------------------------- */

static long long mbox_id(const void *row)
{
    return ((const oxt_mblist_row_t *)row)->id;
}

static void get_change(oxt_cell_t *c, const void *row, void *baton,
                       apr_pool_t *p)
{
    (void)c;
    (void)row;
    (void)baton;
    (void)p;
}

/* The mailbox's page in Plesk 8 and 9 (our own words and its ids). */
static void get_name(oxt_cell_t *c, const void *row, void *baton,
                     apr_pool_t *p)
{
    const mbox_baton_t *b = baton;
    const oxt_mblist_row_t *m = row;
    const char *panel;
    oxt_url_t *u;

    c->text = m->address;
    c->flags = m->suspended ? OXT_CELL_SUSPENDED : 0;
    if (!b->plesk_links) {
        return;
    }
    panel = oxt_mod_page_panel(b->ctx);
    u = panel ? oxt_url_panel(panel, p) : oxt_url_make("", p);
    OXT_URL_WORD(u, "domains");
    OXT_URL_WORD(u, "mail");
    OXT_URL_WORD(u, "mail_edit.php3");
    oxt_url_query_int(u, "mn_id", m->id);
    oxt_url_query_int(u, "dom_id", m->dom_id);
    c->url2 = u;
}

static void get_mail(oxt_cell_t *c, const void *row, void *baton,
                     apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->text = ((const oxt_mblist_row_t *)row)->mail_active ? "Active"
                                                           : "Deactivated";
}

/* "Webmail (Update in progress: Groupware Standard)", as the guide. */
static void get_service(oxt_cell_t *c, const void *row, void *baton,
                        apr_pool_t *p)
{
    const oxt_mblist_row_t *m = row;

    (void)baton;
    c->text = oxt_service_label((oxt_service_t)m->service);
    if (m->pending >= 0) {
        c->text = apr_pstrcat(p, c->text, " (Update in progress: ",
                              oxt_service_label((oxt_service_t)m->pending),
                              ")", NULL);
    }
}

static void get_language(oxt_cell_t *c, const void *row, void *baton,
                         apr_pool_t *p)
{
    const oxt_mblist_row_t *m = row;

    (void)baton;
    (void)p;
    c->text = m->language_name ? m->language_name : m->language;
}

static void get_timezone(oxt_cell_t *c, const void *row, void *baton,
                         apr_pool_t *p)
{
    const oxt_mblist_row_t *m = row;
    const oxt_tz_t *tz = m->timezone ? oxt_tz_find(m->timezone) : NULL;

    (void)baton;
    c->text = tz ? oxt_tz_label(tz, p) : m->timezone;
}

static void get_modified(oxt_cell_t *c, const void *row, void *baton,
                         apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->when = ((const oxt_mblist_row_t *)row)->modified;
}

/* A forward-only address is never a mailbox: nothing to tick. */
static void get_ox_service(oxt_cell_t *c, const void *row, void *baton,
                           apr_pool_t *p)
{
    const oxt_mblist_row_t *m = row;

    (void)baton;
    (void)p;
    c->on = m->ox_service && m->postbox;
    c->disabled = !m->postbox;
}

static void get_reason(oxt_cell_t *c, const void *row, void *baton,
                       apr_pool_t *p)
{
    const char *why = oxt_mblist_reason_text(
        ((const oxt_mblist_row_t *)row)->reason);

    (void)baton;
    c->text = why ? apr_pstrcat(p, "Cannot be replicated: ", why, NULL)
                  : NULL;
}

/* The JSON twin's codes beside the words. */
static void get_suspended(oxt_cell_t *c, const void *row, void *baton,
                          apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->on = ((const oxt_mblist_row_t *)row)->suspended;
}

static void get_in_ox(oxt_cell_t *c, const void *row, void *baton,
                      apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->on = ((const oxt_mblist_row_t *)row)->in_ox;
}

static void get_codes(oxt_cell_t *c, const void *row, void *baton,
                      apr_pool_t *p)
{
    const oxt_mblist_row_t *m = row;

    (void)baton;
    (void)p;
    c->text = oxt_service_code((oxt_service_t)m->service);
}

static void get_pending(oxt_cell_t *c, const void *row, void *baton,
                        apr_pool_t *p)
{
    const oxt_mblist_row_t *m = row;

    (void)baton;
    (void)p;
    c->text = m->pending >= 0 ? oxt_service_code((oxt_service_t)m->pending)
                              : NULL;
}

static void get_language_code(oxt_cell_t *c, const void *row, void *baton,
                              apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->text = ((const oxt_mblist_row_t *)row)->language;
}

static void get_timezone_code(oxt_cell_t *c, const void *row, void *baton,
                              apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->text = ((const oxt_mblist_row_t *)row)->timezone;
}

static void get_reason_code(oxt_cell_t *c, const void *row, void *baton,
                            apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->text = ((const oxt_mblist_row_t *)row)->reason;
}

#define JSON_ONLY (OXT_COL_NO_HTML | OXT_COL_NO_CSV)

static const oxt_column_t mbox_cols[] = {
    { "change", "Change Service", OXT_CELL_CHECKBOX, NULL, NULL, get_change,
      OXT_COL_NO_JSON | OXT_COL_NO_CSV, NULL, NULL },
    { "name", "Name", OXT_CELL_NAME, "name", NULL, get_name, 0, NULL, NULL },
    { "suspended", "Suspended", OXT_CELL_CHECKBOX, NULL, NULL, get_suspended,
      JSON_ONLY, NULL, NULL },
    { "mail", "Mail Service", OXT_CELL_TEXT, "mail", NULL, get_mail, 0,
      NULL, NULL },
    { "service", "Service Type", OXT_CELL_TEXT, "service", NULL, get_service,
      0, NULL, NULL },
    { "service_code", "Service", OXT_CELL_TEXT, NULL, NULL, get_codes,
      JSON_ONLY, NULL, NULL },
    { "pending", "Pending", OXT_CELL_TEXT, NULL, NULL, get_pending,
      JSON_ONLY, NULL, NULL },
    { "language", "Language", OXT_CELL_TEXT, "language", NULL, get_language,
      0, NULL, NULL },
    { "language_code", "Language code", OXT_CELL_TEXT, NULL, NULL,
      get_language_code, JSON_ONLY, NULL, NULL },
    { "timezone", "Time zone", OXT_CELL_TEXT, "timezone", NULL, get_timezone,
      0, NULL, NULL },
    { "timezone_code", "Time zone code", OXT_CELL_TEXT, NULL, NULL,
      get_timezone_code, JSON_ONLY, NULL, NULL },
    { "modified", "Modified", OXT_CELL_DATE, "modified", NULL, get_modified,
      0, NULL, NULL },
    { "ox_service", "OX Service", OXT_CELL_CHECKBOX, "ox_service", NULL,
      get_ox_service, 0, NULL, NULL },
    { "in_ox", "In OX", OXT_CELL_CHECKBOX, NULL, NULL, get_in_ox, JSON_ONLY,
      NULL, NULL },
    { "reason", "Replication", OXT_CELL_TEXT, "reason", NULL, get_reason, 0,
      NULL, NULL },
    { "reason_code", "Reason", OXT_CELL_TEXT, NULL, NULL, get_reason_code,
      JSON_ONLY, NULL, NULL },
};

static const oxt_list_def_t mbox_list = {
    "mailboxes", mbox_cols, (int)(sizeof(mbox_cols) / sizeof(mbox_cols[0])),
    "name", 0, "id", mbox_id
};

/* ---- the request ---------------------------------------------------------------- */

int oxt_mod_mbox_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv,
                        const char *what)
{
    request_rec *r = ctx->r;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06100)
                  "mailboxes %s: %s", what,
                  oxt_result_text(ctx->res, r->pool));
    return oxt_mod_http_status(rv) == HTTP_SERVICE_UNAVAILABLE
        ? oxt_mod_fail(r, HTTP_SERVICE_UNAVAILABLE, "unavailable",
                       "OXtender cannot reach its database right now."
                       " Please try again in a few minutes.", NULL)
        : oxt_mod_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal",
                       "The mailboxes cannot be shown right now.", NULL);
}

int oxt_mod_mbox_request(oxt_mod_mbox_t *mb, oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    apr_status_t rv;

    memset(mb, 0, sizeof(*mb));
    if (oxt_list_req_parse(&mb->req, &mbox_list, ctx->query, r->pool)
        != APR_SUCCESS) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such list.", NULL);
    }
    mb->q.ident = ctx->ident;
    mb->q.reseller = mb->req.reseller;
    mb->q.client = mb->req.client;
    mb->q.domain = mb->req.domain;
    mb->q.ox = mb->req.ox;
    mb->q.q = mb->req.q;
    mb->q.sort = mb->req.sort->key;
    mb->q.desc = mb->req.desc;
    rv = oxt_mblist_filters_check(ctx->psa, ctx->db, &mb->q, ctx->res,
                                  r->pool);
    if (rv == APR_ENOENT) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such list.", NULL);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&mb->settings, ctx->db, NULL, ctx->res,
                               r->pool);
    }
    return rv == APR_SUCCESS ? OK : oxt_mod_mbox_failed(ctx, rv, "request");
}

static oxt_url_t *mbox_route(const oxt_mod_page_ctx_t *ctx)
{
    oxt_url_t *u = oxt_mod_page_url(ctx);

    OXT_URL_WORD(u, "mailboxes");
    return u;
}

static void mbox_view(oxt_list_view_t *v, const oxt_mod_page_ctx_t *ctx,
                      const oxt_mod_mbox_t *mb, const oxt_paging_t *pg,
                      mbox_baton_t *b)
{
    b->ctx = ctx;
    b->plesk_links = oxt_psa_caps(ctx->psa)->version < 10;
    oxt_list_view_init(v, &mbox_list, &mb->req, pg, mbox_route(ctx),
                       ctx->static_base, b, ctx->r->pool);
    v->search_hint = "Finds the addresses that contain what you type, and"
                     " the mailboxes of the domains whose name does.";
}

oxt_url_t *oxt_mod_mbox_self(const oxt_mod_page_ctx_t *ctx,
                             const oxt_mod_mbox_t *mb)
{
    oxt_list_view_t v;
    oxt_paging_t pg;
    mbox_baton_t b;

    oxt_list_paging(&pg, &mb->req, 0);
    pg.page = mb->req.page;
    mbox_view(&v, ctx, mb, &pg, &b);
    return oxt_list_url(&v, NULL, mb->req.desc, mb->req.page,
                        mb->req.per_page, ctx->r->pool);
}

/* ---- GET ------------------------------------------------------------------------ */

static apr_status_t mbox_row_cb(void *baton, const oxt_mblist_row_t *row,
                                apr_pool_t *ptemp)
{
    (void)ptemp;
    return oxt_mod_list_row(baton, row);
}

/* The Info message a redirect carried: the core's words for the
 * mailboxes named, as they are now (ids outside the caller's part are
 * left out). */
static const char *mbox_message(oxt_mod_page_ctx_t *ctx,
                                const oxt_mod_mbox_t *mb)
{
    apr_pool_t *p = ctx->r->pool;
    apr_array_header_t *ids, *names;
    const oxt_mblist_row_t *row;
    apr_hash_t *rows;
    int i;

    if (ctx->msg != NULL && strcmp(ctx->msg, "mbnone") == 0) {
        return "Nothing was changed: tick Change Service or change the OX"
               " Service of a mailbox first.";
    }
    if (ctx->msg == NULL || strcmp(ctx->msg, OXT_MOD_MBOX_MSG) != 0
        || ctx->msg_n < 4) {
        return NULL;
    }
    ids = apr_array_make(p, ctx->msg_n, sizeof(long long));
    for (i = 3; i < ctx->msg_n; i++) {
        APR_ARRAY_PUSH(ids, long long) = ctx->msg_nums[i];
    }
    if (oxt_mblist_rows_get(&rows, ctx->psa, ctx->db, ctx->ident, ids,
                            mb->settings, ctx->res, p) != APR_SUCCESS) {
        return NULL;
    }
    names = apr_array_make(p, ids->nelts, sizeof(const char *));
    for (i = 0; i < ids->nelts; i++) {
        row = oxt_util_id_get(rows, APR_ARRAY_IDX(ids, i, long long));
        if (row != NULL) {
            APR_ARRAY_PUSH(names, const char *) = row->address;
        }
    }
    return oxt_service_info_text(ctx->msg_nums[0] != 0, names,
                                 (int)ctx->msg_nums[2],
                                 ctx->msg_nums[1] != 0, p);
}

/* A filtered list names its owner in the heading ("Mailboxes Management
 * for Domain mydomain.com"). */
static void mbox_owner(oxt_page_t *pg, oxt_mod_page_ctx_t *ctx,
                       const oxt_mblist_query_t *q)
{
    static const char *const kinds[OXT_DIR_LISTS] = {
        "Reseller", "Client", "Domain"
    };
    oxt_dir_list_t list = q->domain ? OXT_DIR_DOMAINS
                        : q->client ? OXT_DIR_CLIENTS : OXT_DIR_RESELLERS;
    long long id = q->domain ? q->domain : q->client ? q->client
                                                     : q->reseller;
    oxt_dir_row_t row;

    if (id <= 0 || oxt_dir_row_get(&row, ctx->psa, ctx->db, ctx->ident, list,
                                   id, ctx->res, ctx->r->pool)
                   != APR_SUCCESS) {
        return;
    }
    pg->owner_kind = kinds[list];
    pg->owner_name = row.name;
}

static const char mbox_hint[] =
    "Tick Change Service for the mailboxes whose service type or local"
    " settings in OX you want to change, or change their OX Service, then"
    " Apply Your Changes.";

static void mbox_head(oxt_page_t *pg, oxt_mod_page_ctx_t *ctx,
                      const void *baton)
{
    const oxt_mod_mbox_t *mb = baton;

    mbox_owner(pg, ctx, &mb->q);
    pg->info = mbox_message(ctx, mb);
}

static apr_status_t mbox_count(long long *ptotal, oxt_mod_page_ctx_t *ctx,
                               const void *baton)
{
    const oxt_mod_mbox_t *mb = baton;

    return oxt_mblist_count(ptotal, ctx->psa, ctx->db, &mb->q, mb->settings,
                            ctx->res, ctx->r->pool);
}

static apr_status_t mbox_each(oxt_mod_page_ctx_t *ctx, const void *baton,
                              oxt_mod_list_out_t *out)
{
    const oxt_mod_mbox_t *mb = baton;

    return oxt_mblist_each(ctx->psa, ctx->db, &mb->q, mb->settings,
                           mbox_row_cb, out, ctx->res, ctx->r->pool);
}

static int mbox_get(oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    oxt_mod_mbox_t mb;
    oxt_list_view_t v;
    oxt_paging_t pg;
    mbox_baton_t b;
    oxt_sink_t *sink;
    oxt_mod_list_writer_t w = { "Mailboxes Management", OXT_TAB_MAILBOXES,
                                mbox_hint, NULL, mbox_head, mbox_count,
                                mbox_each, &mb };
    const char *why = NULL;
    long long total = 0;
    int status, hidden;
    apr_status_t rv, wrv = APR_SUCCESS;

    status = oxt_mod_mbox_request(&mb, ctx);
    if (status != OK) {
        return status;
    }
    hidden = oxt_mod_list_search_hidden(ctx, &mb.req);
    rv = oxt_mod_list_open(&total, ctx, &w);
    if (rv != APR_SUCCESS) {
        return oxt_mod_mbox_failed(ctx, rv, "count");
    }
    oxt_list_paging(&pg, &mb.req, total);
    mb.q.offset = pg.offset;
    mb.q.limit = pg.limit;
    mb.q.total = total;
    mb.q.counted = 1;
    mbox_view(&v, ctx, &mb, &pg, &b);
    w.action = oxt_mod_mbox_self(ctx, &mb);
    sink = oxt_mod_page_start(ctx, HTTP_OK);
    rv = oxt_mod_list_write(ctx, &w, &v, hidden, sink, &wrv, &why);
    oxt_dir_read_end(ctx->db);
    if (rv != APR_SUCCESS && wrv == APR_SUCCESS) {
        /* The database failed half-way: the page is cut, and says so in
         * the log. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06101)
                      "mailboxes cut short: %s",
                      oxt_result_text(ctx->res, r->pool));
    }
    return oxt_mod_page_end(ctx, sink, wrv, why);
}

int oxt_mod_page_mailboxes(oxt_mod_page_ctx_t *ctx)
{
    return ctx->post ? oxt_mod_mbox_post(ctx) : mbox_get(ctx);
}
