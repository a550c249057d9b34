/*
 * mod_oxtender_pages.c — the request handler "oxtender": routes a path
 * below the <Location> to a page; each page gets its data from the core
 * and renders it as HTML, or as JSON with ?format=json.
 *
 * Every dynamic value in HTML passes through oxt_mod_html(); JSON is
 * written by the core's JSON writer (oxt_json.h) into a buffer and sent
 * with one write. Neither is optional.
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
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    /* Plesk shows the pages in its own frame: same origin only. */
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   "default-src 'self'; frame-ancestors 'self'");
}

/* A page's JSON twin is built whole before anything is sent, so a failure
 * still gets a proper error status; this caps what one answer may hold. */
#define OXT_MOD_JSON_MAX (4 * 1024 * 1024)

/* A JSON writer into a buffer in r->pool; send it with oxt_mod_json_send. */
static oxt_json_t *oxt_mod_json_start(oxt_sink_t **psink, request_rec *r)
{
    *psink = oxt_sink_buffer(OXT_MOD_JSON_MAX, r->pool);
    return oxt_json_make(*psink, 0, r->pool);
}

static int oxt_mod_json_send(request_rec *r, oxt_json_t *j, oxt_sink_t *sink)
{
    apr_status_t rv = oxt_json_finish(j);
    const char *text;
    apr_size_t len;

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, OXTLOGNO(06993)
                      "JSON answer not written: %s", oxt_json_error(j)
                      ? oxt_json_error(j) : "output too large");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    text = oxt_sink_buffer_text(sink, &len);
    oxt_mod_headers(r, 1);
    ap_rwrite(text, (int)len, r);
    return OK;
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

/* A page of its own for refusals the person should understand. */
static int oxt_mod_refuse(oxt_mod_page_ctx_t *ctx, int status,
                          const char *message)
{
    request_rec *r = ctx->r;
    oxt_sink_t *sink;
    oxt_json_t *j;

    r->status = status;
    if (ctx->json) {
        j = oxt_mod_json_start(&sink, r);
        oxt_json_object(j);
        oxt_json_kstr(j, "error", message);
        oxt_json_end(j);
        return oxt_mod_json_send(r, j, sink);
    }
    oxt_mod_headers(r, 0);
    oxt_mod_html_open(r, "Access refused");
    ap_rvputs(r, "<p>", oxt_mod_html(r->pool, message), "</p>\n", NULL);
    oxt_mod_html_close(r);
    return OK;
}

/* ---- pages ---------------------------------------------------------------- */

static int oxt_mod_page_home_json(oxt_mod_page_ctx_t *ctx, const char *role,
                                  long long count)
{
    oxt_sink_t *sink;
    oxt_json_t *j = oxt_mod_json_start(&sink, ctx->r);

    oxt_json_object(j);
    oxt_json_kstr(j, "login", ctx->ident->login);
    oxt_json_kstr(j, "role", role);
    oxt_json_kint(j, "object_id", ctx->ident->id);
    oxt_json_kint(j, "mailbox_count", count);
    oxt_json_end(j);
    return oxt_mod_json_send(ctx->r, j, sink);
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
        return oxt_mod_http_status(rv == OXT_EDB ? OXT_EDBCONN : rv);
    }
    if (ctx->json) {
        return oxt_mod_page_home_json(ctx, role, count);
    }
    oxt_mod_headers(r, 0);
    oxt_mod_html_open(r, "Overview");
    ap_rvputs(r, "<p>Signed in as <strong>",
              oxt_mod_html(r->pool, ctx->ident->login), "</strong> (",
              oxt_mod_html(r->pool, role), ")</p>\n", NULL);
    ap_rprintf(r, "<p>Mailboxes in your %s: <strong>%" APR_INT64_T_FMT
               "</strong></p>\n",
               ctx->ident->role == OXT_ROLE_ADMIN ? "server" : "account",
               (apr_int64_t)count);
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

/* ---- dispatch ------------------------------------------------------------- */

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

static int oxt_mod_wants_json(request_rec *r)
{
    apr_table_t *args = NULL;
    const char *format;

    ap_args_to_table(r, &args);
    format = args ? apr_table_get(args, "format") : NULL;
    return format != NULL && strcmp(format, "json") == 0;
}

int oxt_mod_pages_handler(request_rec *r)
{
    const oxt_mod_req_t *req;
    oxt_mod_page_ctx_t ctx;
    oxt_mod_page_fn *page;
    const char *path;

    if (r->handler == NULL || strcmp(r->handler, "oxtender") != 0) {
        return DECLINED;
    }
    path = oxt_mod_route_path(r);
    page = path ? oxt_mod_route(path) : NULL;
    if (page == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, OXTLOGNO(06992)
                      "no page at '%s'", r->uri);
        return HTTP_NOT_FOUND;
    }
    /* The Allow header of a 405 comes from allowed_methods in 2.4. */
    ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    req = ap_get_module_config(r->request_config, &oxtender_module);
    if (req == NULL || req->ident == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06991)
                      "no oxtender identity: the <Location> needs"
                      " 'AuthBasicProvider oxtender' and 'Require'");
        return HTTP_FORBIDDEN;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.r = r;
    ctx.ident = req->ident;
    ctx.db = req->db;
    ctx.json = oxt_mod_wants_json(r);
    if (req->ident->suspended) {
        return oxt_mod_refuse(&ctx, HTTP_FORBIDDEN,
                              "Your account is suspended.");
    }
    if (oxt_mod_db(&ctx.db, &ctx.psa, r) != OK) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return page(&ctx);
}
