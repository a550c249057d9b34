/*
 * mod_oxtender_pages.c — the request handler "oxtender": routes a path
 * below the <Location> to a page; each page gets its data from the core
 * and renders it as HTML, or as JSON with ?format=json.
 *
 * Every dynamic value in HTML passes through oxt_mod_html(); JSON is
 * written by the core's JSON writer (oxt_json.h) into the response.
 * Neither is optional. Refusals are mod_oxtender_error.c's.
 */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>
#include <apr_strings.h>

#include "mod_oxtender.h"
#include "mod_oxtender_page_health.h"
#include "mod_oxtender_sink.h"
#include "oxt_html.h"
#include "oxt_json.h"
#include "oxt_sink.h"
#include "oxt_log.h"
#include "oxt_status.h"

APLOG_USE_MODULE(oxtender);

typedef struct oxt_mod_page_ctx_t {
    request_rec *r;
    const oxt_identity_t *ident;
    oxt_db_t *db;
    const oxt_psa_t *psa;
    int json;
} oxt_mod_page_ctx_t;

typedef int oxt_mod_page_fn(oxt_mod_page_ctx_t *ctx);

static const char *oxt_mod_html(apr_pool_t *p, const char *s)
{
    return ap_escape_html2(p, s ? s : "", 1);
}

/* ---- output ------------------------------------------------------------- */

static void oxt_mod_headers(request_rec *r, int json)
{
    ap_set_content_type(r, json ? "application/json; charset=utf-8"
                                : "text/html; charset=utf-8");
    oxt_mod_security_headers(r->headers_out);
}

static apr_status_t oxt_mod_sink_write(void *baton, const char *data,
                                       apr_size_t len)
{
    return ap_rwrite(data, (int)len, baton) < 0 ? APR_EGENERAL
                                                 : APR_SUCCESS;
}

/* The response as a sink for the core's writers. */
static oxt_sink_t *oxt_mod_sink(request_rec *r)
{
    return oxt_sink_make(oxt_mod_sink_write, r, r->pool);
}

static void oxt_mod_html_open(request_rec *r, const char *title)
{
    ap_rvputs(r, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
              "<meta charset=\"utf-8\"><title>",
              oxt_mod_html(r->pool, title), " — OXtender</title></head>\n"
              "<body>\n<h1>", oxt_mod_html(r->pool, title), "</h1>\n", NULL);
}

static void oxt_mod_html_close(request_rec *r)
{
    ap_rputs("</body></html>\n", r);
}

/* ---- pages -------------------------------------------------------------- */

/* Who is signed in: the same members whichever way they signed in, but
 * "auth"; the session binding is a secret and never shown. */
static void oxt_mod_identity_json(oxt_json_t *j, const oxt_identity_t *id)
{
    oxt_json_kstr(j, "login", id->login);
    oxt_json_kstr(j, "role", oxt_role_name(id->role));
    oxt_json_kint(j, "object_id", id->id);
    oxt_json_kstr(j, "name", id->name);
    oxt_json_kint(j, "reseller_id", id->reseller_id);
    oxt_json_kint(j, "client_id", id->client_id);
    oxt_json_kstr(j, "auth", oxt_auth_via_name(id->via));
}

static int oxt_mod_home_json(oxt_mod_page_ctx_t *ctx, long long count)
{
    request_rec *r = ctx->r;
    oxt_json_t *j = oxt_json_make(oxt_mod_sink(r), 0, r->pool);

    oxt_json_object(j);
    oxt_mod_identity_json(j, ctx->ident);
    oxt_json_kint(j, "mailbox_count", count);
    oxt_mod_health_json(j, r, ctx->ident, ctx->db);
    oxt_json_end(j);
    if (oxt_json_finish(j) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(05000)
                      "home page: %s", oxt_json_error(j)
                      ? oxt_json_error(j) : "cannot write the response");
    }
    return OK;
}

/* The admin's health panel, written with the page kit on the sink. */
static void oxt_mod_home_health(oxt_mod_page_ctx_t *ctx)
{
    oxt_sink_t *sink = oxt_mod_sink_make(ctx->r);
    oxt_html_t *h = oxt_html_make(sink, ctx->r->pool);

    oxt_mod_health_html(h, ctx->r, ctx->ident, ctx->db);
    if (oxt_html_finish(h) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, OXTLOGNO(06901)
                      "home page: %s", oxt_html_error(h)
                      ? oxt_html_error(h) : "cannot write the response");
    }
    oxt_mod_sink_flush(sink);
}

static int oxt_mod_page_home(oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    oxt_result_t *res = oxt_result_make(r->pool);
    const char *role = oxt_role_name(ctx->ident->role);
    long long count = 0;
    apr_status_t rv;

    rv = oxt_psa_mailbox_count(&count, ctx->psa, ctx->db, ctx->ident, res,
                               r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, OXTLOGNO(06990)
                      "home page: %s", oxt_result_text(res, r->pool));
        return oxt_mod_fail(r, oxt_mod_http_status(rv), "unavailable",
                            "The overview cannot be shown right now.",
                            NULL);
    }
    oxt_mod_headers(r, ctx->json);
    if (ctx->json) {
        return oxt_mod_home_json(ctx, count);
    }
    oxt_mod_html_open(r, "Overview");
    ap_rvputs(r, "<p>Signed in as <strong>",
              oxt_mod_html(r->pool, ctx->ident->login), "</strong> (",
              oxt_mod_html(r->pool, role), ")</p>\n", NULL);
    ap_rprintf(r, "<p>Mailboxes in your %s: <strong>%" APR_INT64_T_FMT
               "</strong></p>\n",
               ctx->ident->role == OXT_ROLE_ADMIN ? "server" : "account",
               (apr_int64_t)count);
    oxt_mod_home_health(ctx);
    oxt_mod_html_close(r);
    return OK;
}

static const struct {
    const char *path;
    oxt_mod_page_fn *fn;
} oxt_mod_routes[] = {
    { "", oxt_mod_page_home },
    { "/", oxt_mod_page_home },
};

/* ---- dispatch ----------------------------------------------------------- */

/* The path below OxtenderBaseURI; NULL when the request is elsewhere
 * (the handler was set for a URL outside the base). */
static const char *oxt_mod_route_path(request_rec *r)
{
    const oxt_mod_dir_t *dconf = ap_get_module_config(r->per_dir_config,
                                                      &oxtender_module);
    const char *base = dconf->base ? dconf->base : OXT_MOD_DEFAULT_BASE;
    apr_size_t n = strlen(base);

    if (strncmp(r->uri, base, n) != 0
        || (r->uri[n] != '\0' && r->uri[n] != '/')) {
        return NULL;
    }
    return r->uri + n;
}

static oxt_mod_page_fn *oxt_mod_route(const char *path)
{
    size_t i;

    for (i = 0; i < sizeof(oxt_mod_routes) / sizeof(oxt_mod_routes[0]); i++) {
        if (strcmp(oxt_mod_routes[i].path, path) == 0) {
            return oxt_mod_routes[i].fn;
        }
    }
    return NULL;
}

int oxt_mod_pages_handler(request_rec *r)
{
    oxt_mod_req_t *req;
    oxt_mod_page_ctx_t ctx;
    oxt_mod_page_fn *page;
    const char *path;
    int status;

    if (r->handler == NULL || strcmp(r->handler, "oxtender") != 0) {
        return DECLINED;
    }
    path = oxt_mod_route_path(r);
    page = path ? oxt_mod_route(path) : NULL;
    if (page == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, OXTLOGNO(06992)
                      "no page at '%s'", r->uri);
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such page.", NULL);
    }
    /* The Allow header of a 405 comes from allowed_methods in 2.4. */
    ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
    if (r->method_number != M_GET) {
        return oxt_mod_fail(r, HTTP_METHOD_NOT_ALLOWED, "method",
                            "This page only answers GET.", NULL);
    }
    req = oxt_mod_req(r);
    if (req->ident == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06991)
                      "no oxtender identity: the <Location> needs"
                      " 'AuthType Oxtender' and 'Require oxtender-role'");
        return oxt_mod_fail(r, HTTP_INTERNAL_SERVER_ERROR, "misconfigured",
                            "OXtender is not configured right on this"
                            " server.", NULL);
    }
    /* Require oxtender-role decided already; this holds where a
     * <Location> forgot it. */
    status = oxt_mod_access(r, req);
    if (status != OK) {
        return status;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.r = r;
    ctx.ident = req->ident;
    ctx.db = req->db;
    ctx.json = oxt_mod_wants_json(r);
    if (oxt_mod_db(&ctx.db, &ctx.psa, r) != OK) {
        return oxt_mod_fail(r, HTTP_SERVICE_UNAVAILABLE, "unavailable",
                            "OXtender cannot reach its database right now."
                            " Please try again in a few minutes.", NULL);
    }
    return page(&ctx);
}
