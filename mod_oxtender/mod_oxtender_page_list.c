/*
 * mod_oxtender_page_list.c — see mod_oxtender_list.h: the Resellers,
 * Clients and Domains pages (the admin's, a reseller's and a client's,
 * their part of the server: Access, disabled from Plesk 10, Prefs, Name,
 * Mail Service, Modified, Clients, Domains, Mailboxes, the report,
 * Webmail Forever / Now), and the GET that the Mailboxes page shares.
 * The core decides what the caller sees and what a POST changes
 * (oxt_dir, oxt_change); this file formats.
 */
#include <string.h>
#include <httpd.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "mod_oxtender_list.h"
#include "oxt_change.h"
#include "oxt_grant.h"
#include "oxt_log.h"
#include "oxt_queue.h"
#include "oxt_util.h"

APLOG_USE_MODULE(oxtender);

/* ---- URLs of a row ----------------------------------------------------------- */

/* base/resellers, base/clients or base/domains. */
static oxt_url_t *list_route(const oxt_mod_page_ctx_t *ctx,
                             oxt_dir_list_t list, apr_pool_t *p)
{
    oxt_url_t *u = oxt_url_make(ctx->base, p);

    switch (list) {
    case OXT_DIR_RESELLERS:
        OXT_URL_WORD(u, "resellers");
        break;
    case OXT_DIR_CLIENTS:
        OXT_URL_WORD(u, "clients");
        break;
    default:
        OXT_URL_WORD(u, "domains");
        break;
    }
    return u;
}

/* The owner filter of a row's level ("reseller=7") on u. */
static void list_filter(oxt_url_t *u, oxt_dir_list_t list, long long id)
{
    oxt_url_query_int(u, list == OXT_DIR_RESELLERS ? "reseller"
                      : list == OXT_DIR_CLIENTS ? "client" : "domain", id);
}

/* The row's page in Plesk 8 and 9 (our own words and the id only;
 * docs/reference/panel-links.md). */
static oxt_url_t *plesk_link_9(oxt_url_t *u, oxt_dir_list_t list,
                               long long id)
{
    switch (list) {
    case OXT_DIR_RESELLERS:
        OXT_URL_WORD(u, "resellers");
        OXT_URL_WORD(u, "res_ctrl.php3");
        oxt_url_query_int(u, "res_id", id);
        break;
    case OXT_DIR_CLIENTS:
        OXT_URL_WORD(u, "clients");
        OXT_URL_WORD(u, "cl_ctrl.php3");
        oxt_url_query_int(u, "cl_id", id);
        break;
    default:
        OXT_URL_WORD(u, "domains");
        OXT_URL_WORD(u, "dom_ctrl.php3");
        oxt_url_query_int(u, "dom_id", id);
        break;
    }
    return u;
}

/* From Plesk 10 a reseller's and a customer's page is an overview in the
 * administrator's panel, addressed by the id; a domain's page is its
 * subscription's, whose id psa does not give us per domain, so domains
 * have none (docs/reference/panel-links.md). */
static oxt_url_t *plesk_link_10(oxt_url_t *u, oxt_dir_list_t list,
                                long long id)
{
    OXT_URL_WORD(u, "admin");
    if (list == OXT_DIR_RESELLERS) {
        OXT_URL_WORD(u, "reseller");
    }
    else {
        OXT_URL_WORD(u, "customer");
    }
    OXT_URL_WORD(u, "overview");
    OXT_URL_WORD(u, "id");
    oxt_url_id(u, id);
    return u;
}

/* The row's page in Plesk, or NULL where the caller has none to open. */
static oxt_url_t *plesk_link(const oxt_mod_list_baton_t *b,
                             const oxt_dir_row_t *d, apr_pool_t *p)
{
    const char *panel = oxt_mod_page_panel(b->ctx);
    oxt_url_t *u;

    if (b->plesk_links == OXT_MOD_LINKS_NONE
        || (b->plesk_links == OXT_MOD_LINKS_10
            && b->lp->list == OXT_DIR_DOMAINS)) {
        return NULL;
    }
    u = panel ? oxt_url_panel(panel, p) : oxt_url_make("", p);
    return b->plesk_links == OXT_MOD_LINKS_9
           ? plesk_link_9(u, b->lp->list, d->id)
           : plesk_link_10(u, b->lp->list, d->id);
}

/* ---- the common columns ---------------------------------------------------------- */

long long oxt_mod_list_id(const void *row)
{
    return ((const oxt_dir_row_t *)row)->id;
}

void oxt_mod_list_access(oxt_cell_t *c, const void *row, void *baton,
                         apr_pool_t *p)
{
    const oxt_mod_list_baton_t *b = baton;

    (void)p;
    c->on = ((const oxt_dir_row_t *)row)->access;
    c->disabled = !b->access_possible;
}

void oxt_mod_list_prefs(oxt_cell_t *c, const void *row, void *baton,
                        apr_pool_t *p)
{
    const oxt_mod_list_baton_t *b = baton;
    oxt_url_t *u = list_route(b->ctx, b->lp->list, p);

    oxt_url_id(u, ((const oxt_dir_row_t *)row)->id);
    OXT_URL_WORD(u, "prefs");
    c->icon = OXT_ICON_PREFS;
    c->text = "Preferences";
    c->flags = OXT_CELL_DIALOG;
    c->on = 1;
    c->url = u;
}

void oxt_mod_list_name(oxt_cell_t *c, const void *row, void *baton,
                       apr_pool_t *p)
{
    const oxt_mod_list_baton_t *b = baton;
    const oxt_dir_row_t *d = row;

    c->text = d->name;
    c->flags = d->suspended ? OXT_CELL_SUSPENDED : 0;
    c->url2 = plesk_link(b, d, p);
}

void oxt_mod_list_mail(oxt_cell_t *c, const void *row, void *baton,
                       apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->text = ((const oxt_dir_row_t *)row)->mail_on ? "Active"
                                                    : "Deactivated";
}

void oxt_mod_list_modified(oxt_cell_t *c, const void *row, void *baton,
                           apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->when = ((const oxt_dir_row_t *)row)->modified;
}

/* "Clients": the reseller's clients, on the Clients list of it. */
void oxt_mod_list_clients(oxt_cell_t *c, const void *row, void *baton,
                          apr_pool_t *p)
{
    const oxt_mod_list_baton_t *b = baton;
    const oxt_dir_row_t *d = row;
    oxt_url_t *u = list_route(b->ctx, OXT_DIR_CLIENTS, p);

    list_filter(u, b->lp->list, d->id);
    c->num = d->clients;
    c->url = u;
}

/* "Domains": all of the row's domains, on the Domains list of it. */
void oxt_mod_list_domains(oxt_cell_t *c, const void *row, void *baton,
                          apr_pool_t *p)
{
    const oxt_mod_list_baton_t *b = baton;
    const oxt_dir_row_t *d = row;
    oxt_url_t *u = list_route(b->ctx, OXT_DIR_DOMAINS, p);

    list_filter(u, b->lp->list, d->id);
    c->num = d->domains;
    c->url = u;
}

/* "x Total / y OX": the Mailboxes list of the row, all and replicated. */
void oxt_mod_list_mailboxes(oxt_cell_t *c, const void *row, void *baton,
                            apr_pool_t *p)
{
    const oxt_mod_list_baton_t *b = baton;
    const oxt_dir_row_t *d = row;
    oxt_url_t *all = oxt_url_make(b->ctx->base, p), *ox;

    OXT_URL_WORD(all, "mailboxes");
    list_filter(all, b->lp->list, d->id);
    ox = oxt_url_copy(all, p);
    oxt_url_query(ox, "ox", "1");
    c->num = d->mbox_total;
    c->url = all;
    c->num2 = d->mbox_ox;
    c->url2 = ox;
}

/* The service utilization report: only when something is replicated. */
void oxt_mod_list_report(oxt_cell_t *c, const void *row, void *baton,
                         apr_pool_t *p)
{
    const oxt_mod_list_baton_t *b = baton;
    const oxt_dir_row_t *d = row;
    oxt_url_t *u;

    c->on = d->mbox_ox > 0;
    c->icon = c->on ? OXT_ICON_REPORT : OXT_ICON_REPORT_OFF;
    c->text = c->on ? "Service utilization report"
                    : "No report: no mailbox is replicated";
    if (!c->on) {
        return;
    }
    u = oxt_url_make(b->ctx->base, p);
    OXT_URL_WORD(u, "report");
    if (b->lp->list == OXT_DIR_RESELLERS) {
        OXT_URL_WORD(u, "reseller");
    }
    else if (b->lp->list == OXT_DIR_CLIENTS) {
        OXT_URL_WORD(u, "client");
    }
    else {
        OXT_URL_WORD(u, "domain");
    }
    oxt_url_id(u, d->id);
    c->url = u;
}

void oxt_mod_list_forever(oxt_cell_t *c, const void *row, void *baton,
                          apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->on = ((const oxt_dir_row_t *)row)->forever;
}

/* Webmail Now does not apply where Forever does, nor to a suspended
 * object (oxt_change_of leaves it alone there too). */
void oxt_mod_list_now(oxt_cell_t *c, const void *row, void *baton,
                      apr_pool_t *p)
{
    const oxt_dir_row_t *d = row;

    (void)baton;
    (void)p;
    c->on = d->now && !d->forever;
    c->disabled = d->forever || d->suspended;
}

void oxt_mod_list_suspended(oxt_cell_t *c, const void *row, void *baton,
                            apr_pool_t *p)
{
    (void)baton;
    (void)p;
    c->on = ((const oxt_dir_row_t *)row)->suspended;
}

/* ---- the request ---------------------------------------------------------------- */

/* The list request of the query, with its owner filters checked: OK, or
 * the refusal (404 for a malformed or forged filter, a filter this list
 * does not take, a bad page). */
static int list_request(oxt_list_req_t *req, oxt_dir_query_t *q,
                        oxt_mod_page_ctx_t *ctx, const oxt_mod_list_t *lp)
{
    request_rec *r = ctx->r;
    apr_status_t rv;

    if (oxt_list_req_parse(req, lp->def, ctx->query, r->pool) != APR_SUCCESS
        || req->domain > 0 || req->ox) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such list.", NULL);
    }
    /* The page's column table names the sortable keys, the directory
     * holds their SQL; a key the directory does not know would show its
     * arrow over rows in another order, so it fails loudly instead (every
     * sort of every list is requested by the tests). */
    if (!oxt_dir_sortable(lp->list, req->sort->key)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06993)
                      "list %s: the column %s is sortable on the page but"
                      " not in the directory", lp->many, req->sort->key);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = oxt_dir_filters_check(ctx->psa, ctx->db, ctx->ident, lp->list,
                               req->reseller, req->client, ctx->res,
                               r->pool);
    if (rv == APR_ENOENT) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such list.", NULL);
    }
    if (rv != APR_SUCCESS) {
        return oxt_mod_page_failed(ctx, rv,
                                   "The list cannot be shown right now.");
    }
    memset(q, 0, sizeof(*q));
    q->list = lp->list;
    q->ident = ctx->ident;
    q->reseller = req->reseller;
    q->client = req->client;
    q->q = req->q;
    q->sort = req->sort->key;
    q->desc = req->desc;
    return OK;
}

static void list_baton(oxt_mod_list_baton_t *b, const oxt_mod_page_ctx_t *ctx,
                       const oxt_mod_list_t *lp)
{
    static const oxt_role_t roles[OXT_DIR_LISTS] = {
        OXT_ROLE_RESELLER, OXT_ROLE_CLIENT, OXT_ROLE_DOMAIN
    };

    b->ctx = ctx;
    b->lp = lp;
    b->access_possible = oxt_grant_possible(oxt_psa_caps(ctx->psa),
                                            roles[lp->list]);
    /* Plesk 10's overview pages are the administrator's: a reseller has
     * its own panel there, whose addresses we do not know, so it gets no
     * link rather than one to a refusal. */
    b->plesk_links = oxt_psa_caps(ctx->psa)->version < 10 ? OXT_MOD_LINKS_9
                     : ctx->ident->role == OXT_ROLE_ADMIN ? OXT_MOD_LINKS_10
                     : OXT_MOD_LINKS_NONE;
}

/* A failure of the core while a page is being read: logged; 503 or 500. */
static int list_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv)
{
    request_rec *r = ctx->r;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(05510)
                  "list %s: %s", ctx->route->path,
                  oxt_result_text(ctx->res, r->pool));
    return oxt_mod_page_failed(ctx, rv, "The list cannot be shown right now.");
}

/* ---- GET ------------------------------------------------------------------------------ */

apr_status_t oxt_mod_list_row(oxt_mod_list_out_t *out, const void *row)
{
    if (out->h != NULL) {
        oxt_list_html_row(out->h, out->v, row);
        return oxt_html_ok(out->h) ? APR_SUCCESS : APR_EGENERAL;
    }
    oxt_list_json_row(out->j, out->v, row);
    return APR_SUCCESS;
}

static apr_status_t list_row_cb(void *baton, const oxt_dir_row_t *row,
                                apr_pool_t *ptemp)
{
    (void)ptemp;
    return oxt_mod_list_row(baton, row);
}

/* Does the Cookie header hold exactly the pair "name=value"? The last
 * one of that name counts (as browsers order them, the most specific
 * path first, it is the one set last for "/"). */
static int cookie_says(const char *header, const char *name,
                       const char *value)
{
    apr_size_t n = strlen(name), v = strlen(value);
    const char *s, *e;
    int said = 0;

    for (s = header; s != NULL && *s; s = e ? e + 1 : NULL) {
        while (*s == ' ') {
            s++;
        }
        e = strchr(s, ';');
        if (strncmp(s, name, n) == 0 && s[n] == '=') {
            said = strncmp(s + n + 1, value, v) == 0
                && (s[n + 1 + v] == ';' || s[n + 1 + v] == '\0'
                    || s[n + 1 + v] == ' ');
        }
    }
    return said;
}

const char *oxt_mod_list_search_cookie(const oxt_mod_page_ctx_t *ctx)
{
    char role = ctx->ident->role == OXT_ROLE_ADMIN ? 'a'
              : ctx->ident->role == OXT_ROLE_RESELLER ? 'r'
              : ctx->ident->role == OXT_ROLE_CLIENT ? 'c' : 'd';

    return apr_psprintf(ctx->r->pool, "oxt_search_%c%" APR_INT64_T_FMT, role,
                        (apr_int64_t)(ctx->ident->id > 0 ? ctx->ident->id
                                      : 0));
}

/* Is the search form hidden? search=hide|show says so now and is
 * remembered for a year (the cookie the script sets too); else the
 * caller's cookie. */
int oxt_mod_list_search_hidden(oxt_mod_page_ctx_t *ctx,
                               const oxt_list_req_t *req)
{
    request_rec *r = ctx->r;
    const char *name = oxt_mod_list_search_cookie(ctx);

    if (req->search >= 0) {
        apr_table_add(r->err_headers_out, "Set-Cookie", apr_pstrcat(r->pool,
                      name, req->search ? "=shown" : "=hidden",
                      "; Max-Age=31536000; Path=/; SameSite=Strict", NULL));
        return req->search == 0;
    }
    return cookie_says(apr_table_get(r->headers_in, "Cookie"), name,
                       "hidden");
}

/* The message a redirect carried: our own words for our own code. */
static const char *list_message(oxt_mod_page_ctx_t *ctx,
                                const oxt_mod_list_t *lp)
{
    oxt_change_counts_t counts;
    oxt_dir_row_t row;

    if (ctx->msg != NULL && strcmp(ctx->msg, "prefs") == 0
        && ctx->msg_n == 2 && ctx->msg_nums[0] == (long long)lp->list
        && oxt_dir_row_get(&row, ctx->psa, ctx->db, ctx->ident, lp->list,
                           ctx->msg_nums[1], ctx->res, ctx->r->pool)
           == APR_SUCCESS) {
        return apr_pstrcat(ctx->r->pool, "The preferences of ", row.name,
                           " are saved. Replication is not instantaneous:"
                           " they reach Open-Xchange within seconds with"
                           " the replicator's daemon, otherwise at its next"
                           " run.", NULL);
    }
    if (ctx->msg == NULL || strcmp(ctx->msg, "applied") != 0) {
        return NULL;
    }
    oxt_change_counts_of(&counts, ctx->msg_nums, ctx->msg_n);
    return oxt_change_message(&counts, lp->one, lp->many, ctx->r->pool);
}

/* A filtered list names its owner in the heading, as the guide's
 * "Domains Management for Reseller Charles Watson". */
static void list_owner(oxt_page_t *pg, oxt_mod_page_ctx_t *ctx,
                       const oxt_dir_query_t *q)
{
    oxt_dir_row_t row;
    oxt_dir_list_t list = q->client ? OXT_DIR_CLIENTS : OXT_DIR_RESELLERS;
    long long id = q->client ? q->client : q->reseller;

    if (id <= 0 || (q->client == 0 && ctx->ident->role == OXT_ROLE_RESELLER)
        || oxt_dir_row_get(&row, ctx->psa, ctx->db, ctx->ident, list, id,
                           ctx->res, ctx->r->pool) != APR_SUCCESS) {
        return;
    }
    pg->owner_kind = q->client ? "Client" : "Reseller";
    pg->owner_name = row.name;
}

static const char search_hint[] =
    "Finds the names that begin with what you type, and those with a word"
    " that does: \"wat\" finds Charles Watson, \"dom1\" finds"
    " shop.dom1.example. Case and accents do not matter.";

static void list_html_top(oxt_html_t *h, oxt_mod_page_ctx_t *ctx,
                          oxt_list_view_t *v, int hidden, const char *hint)
{
    OXT_HTML_LIT(h, "<div class=\"oxt-toolbar\"><div class=\"oxt-actions\">");
    oxt_page_action_submit(h, ctx->static_base, OXT_ICON_APPLY,
                           "Apply Your Changes", "apply", "1",
                           "oxt-list-form");
    OXT_HTML_LIT(h, "</div><div class=\"oxt-tools\">");
    oxt_list_search_toggle(h, v, hidden, oxt_mod_list_search_cookie(ctx));
    OXT_HTML_LIT(h, "</div></div>\n");
    oxt_list_search_form(h, v, hidden);
    if (hint != NULL) {
        OXT_HTML_LIT(h, "<p class=\"oxt-hint\">");
        oxt_html_text(h, hint);
        OXT_HTML_LIT(h, "</p>\n");
    }
}

static apr_status_t list_html(oxt_mod_page_ctx_t *ctx,
                              const oxt_mod_list_writer_t *w,
                              oxt_list_view_t *v, int hidden, oxt_html_t *h)
{
    oxt_crumb_t path[1];
    oxt_page_t pg;
    oxt_mod_list_out_t out = { v, h, NULL };
    apr_status_t rv;

    oxt_mod_page_shell(&pg, ctx, w->title, w->tab);
    path[0].label = w->title;
    path[0].url = NULL;
    pg.crumbs = path;
    pg.ncrumbs = 1;
    w->head(&pg, ctx, w->baton);
    oxt_page_begin(h, &pg);
    list_html_top(h, ctx, v, hidden, w->hint);
    oxt_page_form_begin(h, w->action, ctx->csrf, "oxt-list-form", 0);
    oxt_list_paging_html(h, v, "Pages, top");
    oxt_list_html_begin(h, v);
    rv = w->each(ctx, w->baton, &out);
    oxt_list_html_end(h, v);
    oxt_list_paging_html(h, v, "Pages, bottom");
    oxt_page_form_end(h);
    oxt_page_end(h, &pg);
    return rv;
}

apr_status_t oxt_mod_list_write(oxt_mod_page_ctx_t *ctx,
                                const oxt_mod_list_writer_t *w,
                                oxt_list_view_t *v, int hidden,
                                oxt_sink_t *sink, apr_status_t *pwrv,
                                const char **pwhy)
{
    oxt_mod_list_out_t out = { v, NULL, NULL };
    apr_status_t rv;

    if (ctx->json) {
        out.j = oxt_json_make(sink, 0, ctx->r->pool);
        oxt_list_json_begin(out.j, v);
        rv = w->each(ctx, w->baton, &out);
        oxt_list_json_end(out.j, v);
        *pwrv = oxt_json_finish(out.j);
        *pwhy = oxt_json_error(out.j);
        return rv;
    }
    out.h = oxt_html_make(sink, ctx->r->pool);
    rv = list_html(ctx, w, v, hidden, out.h);
    *pwrv = oxt_html_finish(out.h);
    *pwhy = oxt_html_error(out.h);
    return rv;
}

apr_status_t oxt_mod_list_open(long long *ptotal, oxt_mod_page_ctx_t *ctx,
                               const oxt_mod_list_writer_t *w)
{
    apr_status_t rv = oxt_dir_read_begin(ctx->db, ctx->res);

    if (rv == APR_SUCCESS) {
        rv = w->count(ptotal, ctx, w->baton);
        if (rv != APR_SUCCESS) {
            oxt_dir_read_end(ctx->db);
        }
    }
    return rv;
}

/* A list page's own parts of oxt_mod_list_writer_t. */
typedef struct list_shown_t {
    const oxt_mod_list_t *lp;
    oxt_dir_query_t *q;            /* the count sets q->wide */
} list_shown_t;

static void list_head(oxt_page_t *pg, oxt_mod_page_ctx_t *ctx,
                      const void *baton)
{
    const list_shown_t *ls = baton;

    list_owner(pg, ctx, ls->q);
    pg->info = list_message(ctx, ls->lp);
}

static apr_status_t list_count(long long *ptotal, oxt_mod_page_ctx_t *ctx,
                               const void *baton)
{
    const list_shown_t *ls = baton;

    return oxt_dir_count(ptotal, ctx->psa, ctx->db, ls->q, ctx->res,
                         ctx->r->pool);
}

static apr_status_t list_each(oxt_mod_page_ctx_t *ctx, const void *baton,
                              oxt_mod_list_out_t *out)
{
    const list_shown_t *ls = baton;

    return oxt_dir_each(ctx->psa, ctx->db, ls->q, list_row_cb, out, ctx->res,
                        ctx->r->pool);
}

/* The page: one snapshot for the total and the rows. */
static int list_get(oxt_mod_page_ctx_t *ctx, const oxt_mod_list_t *lp)
{
    request_rec *r = ctx->r;
    oxt_mod_list_baton_t b;
    oxt_list_req_t req;
    oxt_dir_query_t q;
    oxt_paging_t pg;
    oxt_list_view_t v;
    oxt_sink_t *sink;
    list_shown_t ls = { lp, &q };
    oxt_mod_list_writer_t w = { lp->title, lp->tab, NULL, NULL, list_head,
                                list_count, list_each, &ls };
    const char *why = NULL;
    long long total = 0;
    int status, hidden;
    apr_status_t rv, wrv = APR_SUCCESS;

    status = list_request(&req, &q, ctx, lp);
    if (status != OK) {
        return status;
    }
    hidden = oxt_mod_list_search_hidden(ctx, &req);
    rv = oxt_mod_list_open(&total, ctx, &w);
    if (rv != APR_SUCCESS) {
        return list_failed(ctx, rv);
    }
    oxt_list_paging(&pg, &req, total);
    q.offset = pg.offset;
    q.limit = pg.limit;
    q.total = total;
    list_baton(&b, ctx, lp);
    oxt_list_view_init(&v, lp->def, &req, &pg, list_route(ctx, lp->list,
                       r->pool), ctx->static_base, &b, r->pool);
    v.search_hint = search_hint;
    w.action = oxt_list_url(&v, NULL, req.desc, pg.page, req.per_page,
                            r->pool);
    sink = oxt_mod_page_start(ctx, HTTP_OK);
    rv = oxt_mod_list_write(ctx, &w, &v, hidden, sink, &wrv, &why);
    oxt_dir_read_end(ctx->db);
    if (rv != APR_SUCCESS && wrv == APR_SUCCESS) {
        /* The database failed half-way: the page is cut, and says so in
         * the log. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(05511)
                      "list %s cut short: %s", ctx->route->path,
                      oxt_result_text(ctx->res, r->pool));
    }
    return oxt_mod_page_end(ctx, sink, wrv, why);
}

/* ---- POST: Apply Your Changes ------------------------------------------------------- */

apr_status_t oxt_mod_list_ids(apr_hash_t **pset, apr_array_header_t **pids,
                              const oxt_form_t *form, const char *key,
                              apr_pool_t *p)
{
    apr_array_header_t *ids;
    int i;
    apr_status_t rv = oxt_form_ids(&ids, form, key, p);

    *pset = apr_hash_make(p);
    for (i = 0; rv == APR_SUCCESS && i < ids->nelts; i++) {
        oxt_util_id_set(*pset, APR_ARRAY_IDX(ids, i, long long), "");
    }
    if (pids != NULL) {
        *pids = ids;
    }
    return rv;
}

int oxt_mod_list_within(apr_hash_t *set, apr_hash_t *rows, apr_pool_t *p)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(p, set); hi; hi = apr_hash_next(hi)) {
        if (oxt_util_id_get(rows, oxt_util_id_key(hi)) == NULL) {
            return 0;
        }
    }
    return 1;
}

typedef struct list_post_t {
    apr_array_header_t *rows;      /* row=: the rows the page showed */
    apr_hash_t *shown, *access, *forever, *now;
    int all;                       /* all=forever */
} list_post_t;

/* The POST's fields: 400 when one is malformed, 404 when a tick names
 * a row the page did not show. */
static int post_read(list_post_t *lpst, oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *all = oxt_form_get(ctx->form, "all");
    apr_pool_t *p = r->pool;

    if (oxt_mod_list_ids(&lpst->shown, &lpst->rows, ctx->form, "row", p)
        != APR_SUCCESS
        || oxt_mod_list_ids(&lpst->access, NULL, ctx->form, "access", p)
           != APR_SUCCESS
        || oxt_mod_list_ids(&lpst->forever, NULL, ctx->form, "forever", p)
           != APR_SUCCESS
        || oxt_mod_list_ids(&lpst->now, NULL, ctx->form, "now", p)
           != APR_SUCCESS
        || (all != NULL && strcmp(all, "forever") != 0)) {
        return oxt_mod_fail(r, HTTP_BAD_REQUEST, "bad_form",
                            "The form could not be read.", NULL);
    }
    lpst->all = all != NULL;
    if (!oxt_mod_list_within(lpst->access, lpst->shown, p)
        || !oxt_mod_list_within(lpst->forever, lpst->shown, p)
        || !oxt_mod_list_within(lpst->now, lpst->shown, p)) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such object.", NULL);
    }
    return OK;
}

/* The changes of the rows as they are now: 404 when one is not the
 * caller's (or does not exist). */
static int post_changes(apr_array_header_t **pchanges, list_post_t *lpst,
                        oxt_mod_page_ctx_t *ctx, const oxt_mod_list_t *lp,
                        int access_possible)
{
    apr_pool_t *p = ctx->r->pool;
    apr_array_header_t *changes = apr_array_make(p, 8, sizeof(oxt_change_t));
    oxt_change_ticks_t t;
    apr_hash_index_t *hi;
    apr_hash_t *rows;
    const oxt_dir_row_t *row;
    oxt_change_t c;
    apr_status_t rv;

    rv = oxt_dir_rows_get(&rows, ctx->psa, ctx->db, ctx->ident, lp->list,
                          lpst->rows, ctx->res, p);
    if (rv != APR_SUCCESS) {
        return list_failed(ctx, rv);
    }
    if (apr_hash_count(rows) != apr_hash_count(lpst->shown)) {
        return oxt_mod_fail(ctx->r, HTTP_NOT_FOUND, "not_found",
                            "There is no such object.", NULL);
    }
    for (hi = apr_hash_first(p, rows); hi; hi = apr_hash_next(hi)) {
        row = apr_hash_this_val(hi);
        t.access = oxt_util_id_get(lpst->access, row->id) != NULL;
        t.forever = oxt_util_id_get(lpst->forever, row->id) != NULL;
        t.now = oxt_util_id_get(lpst->now, row->id) != NULL;
        if (oxt_change_of(&c, row, &t, access_possible)) {
            APR_ARRAY_PUSH(changes, oxt_change_t) = c;
        }
    }
    *pchanges = changes;
    return OK;
}

/* Whose part of the server "for all" is, for the hint. */
static void all_hint(int *ptype, long long *pid, const oxt_dir_query_t *q)
{
    *ptype = OXT_OBJ_ALL;
    *pid = 0;
    if (q->ident->role == OXT_ROLE_RESELLER || q->reseller > 0) {
        *ptype = OXT_OBJ_RESELLER;
        *pid = q->reseller > 0 ? q->reseller : q->ident->id;
    }
    if (q->ident->role == OXT_ROLE_CLIENT || q->client > 0) {
        *ptype = OXT_OBJ_CLIENT;
        *pid = q->client > 0 ? q->client : q->ident->id;
    }
}

/* "For all": every object of the list as the query shows it, read before
 * the POST's transaction. */
static apr_status_t post_all(oxt_change_all_t *all, oxt_mod_page_ctx_t *ctx,
                             const oxt_dir_query_t *q)
{
    apr_array_header_t *ids;
    apr_status_t rv;

    rv = oxt_dir_ids(&ids, ctx->psa, ctx->db, q, ctx->res, ctx->r->pool);
    if (rv == APR_SUCCESS) {
        all->ids = ids;
        all_hint(&all->hint_type, &all->hint_id, q);
    }
    return rv;
}

static int list_post(oxt_mod_page_ctx_t *ctx, const oxt_mod_list_t *lp)
{
    request_rec *r = ctx->r;
    oxt_change_counts_t counts;
    oxt_change_all_t all;
    apr_array_header_t *changes = NULL;
    oxt_mod_list_baton_t b;
    oxt_list_req_t req;
    oxt_dir_query_t q;
    oxt_list_view_t v;
    oxt_paging_t pg;
    list_post_t lpst;
    const char *by = *ctx->ident->name ? ctx->ident->name : ctx->ident->login;
    int status;
    apr_status_t rv;

    memset(&counts, 0, sizeof(counts));
    status = list_request(&req, &q, ctx, lp);
    if (status == OK) {
        status = post_read(&lpst, ctx);
    }
    list_baton(&b, ctx, lp);
    if (status == OK) {
        status = post_changes(&changes, &lpst, ctx, lp, b.access_possible);
    }
    if (status != OK) {
        return status;
    }
    rv = lpst.all ? post_all(&all, ctx, &q) : APR_SUCCESS;
    if (rv == APR_SUCCESS) {
        rv = oxt_change_record(ctx->db, oxt_dir_list_level(lp->list), changes,
                               lpst.all ? &all : NULL, by, &counts, ctx->res,
                               r->pool);
    }
    if (rv != APR_SUCCESS) {
        return list_failed(ctx, rv);
    }
    /* Back to the list as it was shown. */
    oxt_list_paging(&pg, &req, 0);
    pg.page = req.page;
    oxt_list_view_init(&v, lp->def, &req, &pg, list_route(ctx, lp->list,
                       r->pool), ctx->static_base, &b, r->pool);
    return oxt_mod_page_redirect(ctx, oxt_list_url(&v, NULL, req.desc,
                                 req.page, req.per_page, r->pool),
                                 "applied", oxt_change_nums(&counts, r->pool),
                                 6, oxt_change_message(&counts, lp->one,
                                                       lp->many, r->pool));
}

/* ---- the three pages ----------------------------------------------------------------- */

static const oxt_column_t reseller_cols[] = {
    OXT_MOD_COLS_HEAD, OXT_MOD_COL_MODIFIED, OXT_MOD_COL_CLIENTS,
    OXT_MOD_COL_DOMAINS, OXT_MOD_COLS_TAIL
};

static const oxt_column_t client_cols[] = {
    OXT_MOD_COLS_HEAD, OXT_MOD_COL_MODIFIED, OXT_MOD_COL_DOMAINS,
    OXT_MOD_COLS_TAIL
};

static const oxt_column_t domain_cols[] = {
    OXT_MOD_COLS_HEAD, OXT_MOD_COL_MAIL, OXT_MOD_COL_MODIFIED,
    OXT_MOD_COLS_TAIL
};

/* Sorted by Name unless the request says otherwise; keyed by id. */
#define LIST_DEF(key, cols) \
    { key, cols, (int)(sizeof(cols) / sizeof((cols)[0])), "name", 0, "id", \
      oxt_mod_list_id }

/* By oxt_dir_list_t. */
static const oxt_list_def_t list_defs[OXT_DIR_LISTS] = {
    LIST_DEF("resellers", reseller_cols),
    LIST_DEF("clients", client_cols),
    LIST_DEF("domains", domain_cols)
};

static const oxt_mod_list_t list_pages[OXT_DIR_LISTS] = {
    { OXT_DIR_RESELLERS, &list_defs[OXT_DIR_RESELLERS],
      "Resellers Management", OXT_TAB_RESELLERS, "reseller", "resellers" },
    { OXT_DIR_CLIENTS, &list_defs[OXT_DIR_CLIENTS], "Clients Management",
      OXT_TAB_CLIENTS, "client", "clients" },
    { OXT_DIR_DOMAINS, &list_defs[OXT_DIR_DOMAINS], "Domains Management",
      OXT_TAB_DOMAINS, "domain", "domains" }
};

int oxt_mod_page_list(oxt_mod_page_ctx_t *ctx)
{
    oxt_tab_t tab = ctx->route->tab;
    const oxt_mod_list_t *lp =
        &list_pages[tab == OXT_TAB_RESELLERS ? OXT_DIR_RESELLERS
                    : tab == OXT_TAB_CLIENTS ? OXT_DIR_CLIENTS
                    : OXT_DIR_DOMAINS];

    return ctx->post ? list_post(ctx, lp) : list_get(ctx, lp);
}
