/*
 * mod_oxtender_pages.c — the request handler "oxtender": routes a path
 * below the <Location> to a page; each page gets its data from the core
 * and renders it as HTML, or as JSON with ?format=json.
 *
 * Every dynamic value in HTML passes through oxt_mod_html(); JSON strings
 * through oxt_json_str(). Neither is optional.
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

    r->status = status;
    oxt_mod_headers(r, ctx->json);
    if (ctx->json) {
        ap_rvputs(r, "{\"error\": ", oxt_json_str(message, r->pool), "}\n",
                  NULL);
        return OK;
    }
    oxt_mod_html_open(r, "Access refused");
    ap_rvputs(r, "<p>", oxt_mod_html(r->pool, message), "</p>\n", NULL);
    oxt_mod_html_close(r);
    return OK;
}

/* ---- pages ---------------------------------------------------------------- */

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
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, OXTLOGNO(00030)
                      "home page: %s", oxt_result_text(res, r->pool));
        return oxt_mod_http_status(rv == OXT_EDB ? OXT_EDBCONN : rv);
    }
    oxt_mod_headers(r, ctx->json);
    if (ctx->json) {
        /* APR's formatter has no long long: use its 64-bit format. */
        ap_rprintf(r, "{\"login\": %s, \"role\": %s, \"object_id\": %"
                   APR_INT64_T_FMT ", \"mailbox_count\": %" APR_INT64_T_FMT
                   "}\n", oxt_json_str(ctx->ident->login, r->pool),
                   oxt_json_str(role, r->pool), (apr_int64_t)ctx->ident->id,
                   (apr_int64_t)count);
        return OK;
    }
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
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, OXTLOGNO(00032)
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
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00031)
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
