/*
 * mod_oxtender_pages.c — the page framework: the route table below
 * OxtenderBaseURI, and everything a request goes through before a page
 * runs (see mod_oxtender_page.h): route, method, role, Plesk version,
 * query, message, and for a POST the origin, the body and the CSRF token.
 * Pages write through the core's writers on the sink adapter
 * (mod_oxtender_sink.c); refusals are mod_oxtender_error.c's.
 */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>

#include "mod_oxtender_page.h"
#include "oxt_csrf.h"
#include "oxt_log.h"
#include "oxt_settings.h"
#include "oxt_status.h"
#include "oxt_util.h"

APLOG_USE_MODULE(oxtender);

#define ADMIN    OXT_MOD_ROLE(OXT_ROLE_ADMIN)
#define RESELLER OXT_MOD_ROLE(OXT_ROLE_RESELLER)
#define CLIENT   OXT_MOD_ROLE(OXT_ROLE_CLIENT)

/* The routes. Paths are below the base; '#' stands for an id. */
static const oxt_mod_route_t oxt_mod_routes[] = {
    { "", OXT_TAB_NONE, OXT_MOD_ROLES_ALL, 8, oxt_mod_page_home, NULL,
      NULL },
    { "resellers", OXT_TAB_RESELLERS, ADMIN, 9, oxt_mod_page_list,
      oxt_mod_page_list, &oxt_form_list_limits },
    { "resellers/#/prefs", OXT_TAB_NONE, ADMIN, 9, oxt_mod_page_prefs,
      oxt_mod_page_prefs, &oxt_form_post_limits },
    { "clients", OXT_TAB_CLIENTS, ADMIN | RESELLER, 8,
      oxt_mod_page_list, oxt_mod_page_list, &oxt_form_list_limits },
    { "clients/#/prefs", OXT_TAB_NONE, ADMIN | RESELLER, 8,
      oxt_mod_page_prefs, oxt_mod_page_prefs, &oxt_form_post_limits },
    { "domains", OXT_TAB_DOMAINS, ADMIN | RESELLER | CLIENT, 8,
      oxt_mod_page_list, oxt_mod_page_list, &oxt_form_list_limits },
    { "domains/#/prefs", OXT_TAB_NONE, ADMIN | RESELLER | CLIENT, 8,
      oxt_mod_page_prefs, oxt_mod_page_prefs, &oxt_form_post_limits },
    { "mailboxes", OXT_TAB_MAILBOXES, OXT_MOD_ROLES_ALL, 8,
      oxt_mod_page_mailboxes, oxt_mod_page_mailboxes, &oxt_form_list_limits },
    { "settings", OXT_TAB_SETTINGS, ADMIN, 8, oxt_mod_page_settings,
      oxt_mod_page_settings, &oxt_form_post_limits },
    { "logs", OXT_TAB_LOGS, OXT_MOD_ROLES_ALL, 8, oxt_mod_page_logs,
      oxt_mod_page_logs, &oxt_form_list_limits },
    { "logs/clean", OXT_TAB_NONE, OXT_MOD_ROLES_ALL, 8,
      oxt_mod_page_logs_clean, oxt_mod_page_logs_clean,
      &oxt_form_post_limits },
    { "logs/#/debug", OXT_TAB_NONE, OXT_MOD_ROLES_ALL, 8,
      oxt_mod_page_logs_debug, NULL, NULL },
    { "report/reseller/#", OXT_TAB_NONE, ADMIN | RESELLER, 9,
      oxt_mod_page_report_reseller, NULL, NULL },
    { "report/client/#", OXT_TAB_NONE, ADMIN | RESELLER | CLIENT, 8,
      oxt_mod_page_report_client, NULL, NULL },
    { "report/domain/#", OXT_TAB_NONE, OXT_MOD_ROLES_ALL, 8,
      oxt_mod_page_report_domain, NULL, NULL },
    { "license", OXT_TAB_LICENSE, ADMIN, 8, oxt_mod_page_license,
      oxt_mod_page_license, &oxt_form_post_limits },
};

#define NROUTES ((int)(sizeof(oxt_mod_routes) / sizeof(oxt_mod_routes[0])))

/* The routes that also take multipart/form-data (an upload), with its
 * limits; every other takes urlencoded forms only. */
static const struct {
    const char *path;
    const oxt_multipart_limits_t *limits;
} oxt_mod_uploads[] = {
    { "license", &oxt_multipart_upload_limits },
};

static const oxt_multipart_limits_t *route_multipart(
    const oxt_mod_route_t *rt)
{
    size_t i;

    for (i = 0; i < sizeof(oxt_mod_uploads) / sizeof(oxt_mod_uploads[0]);
         i++) {
        if (strcmp(oxt_mod_uploads[i].path, rt->path) == 0) {
            return oxt_mod_uploads[i].limits;
        }
    }
    return NULL;
}

/* ---- matching ----------------------------------------------------------- */

/* Matches path (below the base, without its leading '/') against a
 * route's pattern; *pid gets the id of a '#'. */
static int route_match(const char *pattern, const char *path, long long *pid)
{
    const char *slash;
    char seg[32];
    apr_size_t n;

    *pid = 0;
    while (*pattern && *path) {
        slash = strchr(path, '/');
        n = slash ? (apr_size_t)(slash - path) : strlen(path);
        if (*pattern == '#') {
            if (n == 0 || n >= sizeof(seg)) {
                return 0;
            }
            memcpy(seg, path, n);
            seg[n] = '\0';
            if (oxt_form_parse_id(pid, seg) != APR_SUCCESS) {
                return 0;
            }
            pattern++;
        }
        else if (strncmp(pattern, path, n) != 0
                 || (pattern[n] != '\0' && pattern[n] != '/')) {
            return 0;
        }
        else {
            pattern += n;
        }
        path += n;
        if ((*pattern == '/') != (*path == '/')) {
            return 0;
        }
        pattern += *pattern == '/';
        path += *path == '/';
    }
    return *pattern == '\0' && *path == '\0';
}

static const oxt_mod_route_t *route_find(const char *path, long long *pid)
{
    int i;

    if (*path == '/') {
        path++;
    }
    for (i = 0; i < NROUTES; i++) {
        if (route_match(oxt_mod_routes[i].path, path, pid)) {
            return &oxt_mod_routes[i];
        }
    }
    return NULL;
}

/* The path below OxtenderBaseURI; NULL when the request is elsewhere. */
static const char *route_path(request_rec *r, const char *base)
{
    apr_size_t n = strlen(base);

    if (strncmp(r->uri, base, n) != 0
        || (r->uri[n] != '\0' && r->uri[n] != '/')) {
        return NULL;
    }
    return r->uri + n;
}

static int route_for(const oxt_mod_route_t *rt, const oxt_identity_t *ident,
                     const oxt_psa_t *psa)
{
    return (rt->roles & OXT_MOD_ROLE(ident->role))
        && oxt_psa_caps(psa)->version >= rt->min_plesk;
}

/* The tabs this caller has a page for: routes with a tab and no id. */
static unsigned route_tabs(const oxt_identity_t *ident, const oxt_psa_t *psa)
{
    unsigned bits = 0;
    int i;

    for (i = 0; i < NROUTES; i++) {
        if (oxt_mod_routes[i].tab != OXT_TAB_NONE
            && strchr(oxt_mod_routes[i].path, '#') == NULL
            && route_for(&oxt_mod_routes[i], ident, psa)) {
            bits |= OXT_TAB_BIT(oxt_mod_routes[i].tab);
        }
    }
    return bits;
}

/* ---- what pages use ---------------------------------------------------- */

static oxt_mod_srv_t *page_srv(const oxt_mod_page_ctx_t *ctx)
{
    return ap_get_module_config(ctx->r->server->module_config,
                                &oxtender_module);
}

oxt_sink_t *oxt_mod_page_start(oxt_mod_page_ctx_t *ctx, int status)
{
    request_rec *r = ctx->r;

    r->status = status;
    ap_set_content_type(r, ctx->json ? "application/json; charset=utf-8"
                                     : "text/html; charset=utf-8");
    oxt_mod_security_headers(r->headers_out);
    return oxt_mod_sink_make(r);
}

int oxt_mod_page_end(oxt_mod_page_ctx_t *ctx, oxt_sink_t *sink,
                     apr_status_t rv, const char *why)
{
    if (rv != APR_SUCCESS && oxt_sink_status(sink) == APR_SUCCESS) {
        /* A misuse of the writers: the page stopped where it happened. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, OXTLOGNO(05500)
                      "page %s cut short: %s", ctx->route->path[0]
                      ? ctx->route->path : "/", why ? why : "misuse");
    }
    (void)oxt_mod_sink_flush(sink);
    return OK;
}

int oxt_mod_page_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv,
                        const char *what_failed)
{
    return oxt_mod_http_status(rv) == HTTP_SERVICE_UNAVAILABLE
        ? oxt_mod_fail(ctx->r, HTTP_SERVICE_UNAVAILABLE, "unavailable",
                       "OXtender cannot reach its database right now."
                       " Please try again in a few minutes.", NULL)
        : oxt_mod_fail(ctx->r, HTTP_INTERNAL_SERVER_ERROR, "internal",
                       what_failed, NULL);
}

void oxt_mod_page_shell(oxt_page_t *pg, const oxt_mod_page_ctx_t *ctx,
                        const char *title, oxt_tab_t current)
{
    static const char *const kinds[] = {
        [OXT_ROLE_RESELLER] = "Reseller", [OXT_ROLE_CLIENT] = "Client",
        [OXT_ROLE_DOMAIN] = "Domain",
    };

    memset(pg, 0, sizeof(*pg));
    pg->title = title;
    if (ctx->ident->role >= OXT_ROLE_RESELLER
        && ctx->ident->role <= OXT_ROLE_DOMAIN) {
        pg->owner_kind = kinds[ctx->ident->role];
        pg->owner_name = ctx->ident->name;
    }
    pg->role = ctx->ident->role;
    pg->current = current;
    pg->routes = ctx->routes;
    pg->base = ctx->base;
    pg->static_base = ctx->static_base;
    pg->license = ctx->license_banner;
    if (ctx->license_banner != NULL && ctx->ident->role == OXT_ROLE_ADMIN) {
        oxt_url_t *lic = oxt_mod_page_url(ctx);

        OXT_URL_WORD(lic, "license");
        pg->license_url = lic;
    }
}

oxt_url_t *oxt_mod_page_url(const oxt_mod_page_ctx_t *ctx)
{
    return oxt_url_make(ctx->base, ctx->r->pool);
}

const char *oxt_mod_page_panel(const oxt_mod_page_ctx_t *ctx)
{
    const oxt_mod_srv_t *conf = page_srv(ctx);

    return conf->panel_origins ? conf->panel_origins[0] : NULL;
}

void oxt_mod_page_json_languages(oxt_json_t *j,
                                 const apr_array_header_t *langs, int allowed)
{
    const oxt_language_t *l;
    int i;

    oxt_json_karray(j, "languages");
    for (i = 0; i < langs->nelts; i++) {
        l = &APR_ARRAY_IDX(langs, i, oxt_language_t);
        oxt_json_object(j);
        oxt_json_kstr(j, "code", l->code);
        oxt_json_kstr(j, "name", l->name);
        if (allowed) {
            oxt_json_kbool(j, "allowed", l->allowed);
        }
        oxt_json_end(j);
    }
    oxt_json_end(j);
}

/* ---- messages carried by redirects --------------------------------------- */

#define MSG_NUMS 8

/* The signature of a message for this caller's session. */
static const char *msg_sign(const oxt_mod_page_ctx_t *ctx, const char *m)
{
    const oxt_mod_srv_t *conf = page_srv(ctx);
    const char *sig = NULL;

    if (conf->msg_key == NULL
        || oxt_csrf_token(&sig, conf->msg_key, 32, apr_pstrcat(
               ctx->r->pool, ctx->ident->session_binding, "|", m, NULL),
               ctx->r->pool) != APR_SUCCESS) {
        return NULL;
    }
    return sig;
}

/* "code.1.2.3" into ctx when m is well formed and s its signature. */
static void msg_read(oxt_mod_page_ctx_t *ctx)
{
    const char *m = oxt_form_get(ctx->query, "m");
    const char *s = oxt_form_get(ctx->query, "s");
    const oxt_mod_srv_t *conf = page_srv(ctx);
    char *copy, *tok, *last;
    int n = -1;

    if (m == NULL || s == NULL || strlen(m) > 200 || conf->msg_key == NULL
        || oxt_csrf_verify(conf->msg_key, 32, apr_pstrcat(ctx->r->pool,
               ctx->ident->session_binding, "|", m, NULL), s)
           != APR_SUCCESS) {
        return;
    }
    copy = apr_pstrdup(ctx->r->pool, m);
    for (tok = apr_strtok(copy, ".", &last); tok && n < MSG_NUMS;
         tok = apr_strtok(NULL, ".", &last), n++) {
        if (n >= 0 && oxt_form_parse_id(&ctx->msg_nums[n], tok)
                      != APR_SUCCESS) {
            ctx->msg_nums[n] = 0;
        }
    }
    ctx->msg = apr_pstrdup(ctx->r->pool, copy);
    ctx->msg_n = n < 0 ? 0 : n;
}

static const char *msg_text(const char *code, const long long *nums, int n,
                            apr_pool_t *p)
{
    const char *m = code;
    int i;

    for (i = 0; i < n && i < MSG_NUMS; i++) {
        m = apr_pstrcat(p, m, ".", oxt_util_lld(nums[i] > 0 ? nums[i] : 0,
                                                p), NULL);
    }
    return m;
}

static int redirect_json(oxt_mod_page_ctx_t *ctx, const char *location,
                         const char *text)
{
    oxt_sink_t *sink = oxt_mod_page_start(ctx, HTTP_OK);
    oxt_json_t *j = oxt_json_make(sink, 0, ctx->r->pool);

    oxt_json_object(j);
    oxt_json_kbool(j, "ok", 1);
    oxt_json_kstr(j, "message", text);
    oxt_json_kstr(j, "location", location);
    oxt_json_end(j);
    return oxt_mod_page_end(ctx, sink, oxt_json_finish(j),
                            oxt_json_error(j));
}

int oxt_mod_page_redirect(oxt_mod_page_ctx_t *ctx, oxt_url_t *url,
                          const char *code, const long long *nums,
                          int nnums, const char *text)
{
    request_rec *r = ctx->r;
    const char *m = msg_text(code, nums, nnums, r->pool), *sig;
    const char *location;
    oxt_sink_t *sink;
    oxt_html_t *h;

    sig = msg_sign(ctx, m);
    if (sig != NULL) {
        oxt_url_query(url, "m", m);
        oxt_url_query(url, "s", sig);
    }
    location = oxt_url_str(url, r->pool);
    if (location == NULL) {
        return oxt_mod_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal",
                            "The page could not be shown.", NULL);
    }
    if (ctx->json) {
        return redirect_json(ctx, location, text);
    }
    apr_table_set(r->headers_out, "Location", location);
    sink = oxt_mod_page_start(ctx, HTTP_SEE_OTHER);
    h = oxt_html_make(sink, r->pool);
    OXT_HTML_LIT(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta"
                 " charset=\"utf-8\"><title>Saved</title></head><body><p><a");
    oxt_html_attr_url(h, "href", url);
    OXT_HTML_LIT(h, ">Continue</a></p></body></html>\n");
    return oxt_mod_page_end(ctx, sink, oxt_html_finish(h),
                            oxt_html_error(h));
}

/* ---- POST: origin, body, token ------------------------------------------------ */

/* Which kind of body the route takes: *pmulti for multipart/form-data
 * (an upload, where the route allows one); OK or the 415 refusal. */
static int post_type(int *pmulti, request_rec *r, const oxt_mod_route_t *rt)
{
    static const char form[] = "application/x-www-form-urlencoded";
    static const char multi[] = "multipart/form-data";
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    int upload = route_multipart(rt) != NULL;

    *pmulti = upload && type != NULL
        && strncasecmp(type, multi, sizeof(multi) - 1) == 0
        && (type[sizeof(multi) - 1] == '\0'
            || type[sizeof(multi) - 1] == ';');
    if (*pmulti || (type != NULL
                    && strncasecmp(type, form, sizeof(form) - 1) == 0
                    && (type[sizeof(form) - 1] == '\0'
                        || type[sizeof(form) - 1] == ';'))) {
        return OK;
    }
    return oxt_mod_fail(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "media_type",
                        upload ? "This page takes form posts"
                        " (application/x-www-form-urlencoded or"
                        " multipart/form-data)." : "This page takes form"
                        " posts (application/x-www-form-urlencoded).", NULL);
}

/* The body, read into memory with the route's cap: OK, or the status of
 * a refusal (413 over the cap, 400 unreadable). */
static int post_body(const char **pbody, apr_size_t *plen, request_rec *r,
                     apr_size_t cap)
{
    const char *clen = apr_table_get(r->headers_in, "Content-Length");
    char *buf;
    apr_size_t len = 0;
    long got;

    if (clen != NULL && apr_atoi64(clen) > (apr_int64_t)cap) {
        return oxt_mod_fail(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "too_large",
                            "The form is too large.", NULL);
    }
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK) {
        return oxt_mod_fail(r, HTTP_BAD_REQUEST, "bad_request",
                            "The form could not be read.", NULL);
    }
    buf = apr_palloc(r->pool, cap + 1);
    if (ap_should_client_block(r)) {
        while ((got = ap_get_client_block(r, buf + len, cap + 1 - len)) > 0) {
            len += (apr_size_t)got;
            if (len > cap) {
                return oxt_mod_fail(r, HTTP_REQUEST_ENTITY_TOO_LARGE,
                                    "too_large", "The form is too large.",
                                    NULL);
            }
        }
        if (got < 0) {
            return oxt_mod_fail(r, HTTP_BAD_REQUEST, "bad_request",
                                "The form could not be read.", NULL);
        }
    }
    buf[len] = '\0';
    *pbody = buf;
    *plen = len;
    return OK;
}

static int post_unreadable(request_rec *r, apr_status_t rv)
{
    return oxt_mod_fail(r, rv == APR_ENOSPC ? HTTP_REQUEST_ENTITY_TOO_LARGE
                        : HTTP_BAD_REQUEST, "bad_form",
                        "The form could not be read.", NULL);
}

/* A multipart body (in memory, by the bounded parser): the parts into
 * ctx, an empty ctx->form, the token of the part "csrf" into *ptoken. */
static int post_multipart(oxt_mod_page_ctx_t *ctx, const char *body,
                          apr_size_t len, const char **ptoken)
{
    request_rec *r = ctx->r;
    apr_array_header_t *parts = NULL;
    const char *boundary = NULL;
    const oxt_part_t *tok;
    oxt_form_t *empty = NULL;
    apr_status_t rv;

    rv = oxt_multipart_boundary(&boundary, apr_table_get(r->headers_in,
                                "Content-Type"), ctx->res, r->pool);
    if (rv == APR_SUCCESS) {
        rv = oxt_multipart_parse(&parts, body, len, boundary,
                                 route_multipart(ctx->route), ctx->res, r->pool);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_form_parse(&empty, "", 0, ctx->route->post_limits,
                            ctx->res, r->pool);
    }
    if (rv != APR_SUCCESS) {
        return post_unreadable(r, rv);
    }
    tok = oxt_multipart_get(parts, OXT_CSRF_FIELD);
    if (tok != NULL && oxt_multipart_text(ptoken, tok, 256, r->pool)
                       != APR_SUCCESS) {
        *ptoken = NULL;
    }
    ctx->parts = parts;
    ctx->form = empty;
    return OK;
}

static int post_form(oxt_mod_page_ctx_t *ctx, const char *body,
                     apr_size_t len, const char **ptoken)
{
    oxt_form_t *form;
    apr_status_t rv;

    rv = oxt_form_parse(&form, body, len, ctx->route->post_limits, ctx->res,
                        ctx->r->pool);
    if (rv != APR_SUCCESS) {
        return post_unreadable(ctx->r, rv);
    }
    *ptoken = oxt_form_get(form, OXT_CSRF_FIELD);
    ctx->form = form;
    return OK;
}

/* Everything a POST must pass before its page runs. */
static int post_checks(oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const oxt_mod_srv_t *conf = page_srv(ctx);
    const oxt_mod_route_t *rt = ctx->route;
    oxt_origin_req_t o;
    const char *why, *body = NULL, *token = NULL, *header;
    apr_size_t len = 0;
    int status, multi = 0;

    o.method = r->method;
    o.sec_fetch_site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    o.origin = apr_table_get(r->headers_in, "Origin");
    o.cookie_auth = ctx->ident->via == OXT_AUTH_SESSION;
    if (oxt_csrf_origin_check(&o, conf->panel_origins, &why)
        != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OXTLOGNO(05501)
                      "form post refused: %s", why);
        return oxt_mod_fail(r, HTTP_FORBIDDEN, "cross_site", "This form"
                            " can only be sent from the panel's own pages.",
                            NULL);
    }
    status = post_type(&multi, r, rt);
    if (status == OK) {
        status = post_body(&body, &len, r, multi ? route_multipart(rt)->max_body
                                                 : rt->post_limits->max_input);
    }
    if (status == OK) {
        status = multi ? post_multipart(ctx, body, len, &token)
                       : post_form(ctx, body, len, &token);
    }
    if (status != OK) {
        return status;
    }
    header = apr_table_get(r->headers_in, OXT_CSRF_HEADER);
    token = header ? header : token;
    if (conf->csrf_key == NULL
        || oxt_csrf_verify(conf->csrf_key, 32, ctx->ident->session_binding,
                           token) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OXTLOGNO(05502)
                      "form post refused: no or a wrong CSRF token");
        return oxt_mod_fail(r, HTTP_FORBIDDEN, "csrf", "This form has"
                            " expired or was not sent from your session:"
                            " please open the page again.", NULL);
    }
    ctx->post = 1;
    return OK;
}

/* ---- dispatch -------------------------------------------------------------------- */

/* Method, role and Plesk version of the route; OK or the refusal. */
static int route_allows(request_rec *r, const oxt_mod_route_t *rt,
                        const oxt_identity_t *ident, const oxt_psa_t *psa)
{
    if (oxt_psa_caps(psa)->version < rt->min_plesk) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such page.", NULL);
    }
    if (!(rt->roles & OXT_MOD_ROLE(ident->role))) {
        return oxt_mod_fail(r, HTTP_FORBIDDEN, "wrong_role", "This page is"
                            " not available to your account.", NULL);
    }
    return OK;
}

static int ctx_setup(oxt_mod_page_ctx_t *ctx, request_rec *r,
                     const oxt_mod_route_t *rt, oxt_mod_req_t *req)
{
    const oxt_mod_dir_t *dconf = ap_get_module_config(r->per_dir_config,
                                                      &oxtender_module);
    const oxt_mod_srv_t *conf = ap_get_module_config(r->server->module_config,
                                                     &oxtender_module);
    oxt_form_t *query;

    ctx->r = r;
    ctx->route = rt;
    ctx->ident = req->ident;
    ctx->db = req->db;
    ctx->json = oxt_mod_wants_json(r);
    ctx->base = oxt_mod_dir_base(dconf);
    ctx->static_base = oxt_mod_dir_static(dconf);
    ctx->res = oxt_result_make(r->pool);
    ctx->routes = route_tabs(ctx->ident, ctx->psa);
    if (conf->csrf_key == NULL
        || oxt_csrf_token(&ctx->csrf, conf->csrf_key, 32,
                          ctx->ident->session_binding, r->pool)
           != APR_SUCCESS) {
        ctx->csrf = NULL;
    }
    if (oxt_form_parse(&query, r->args ? r->args : "",
                       r->args ? strlen(r->args) : 0, &oxt_form_query_limits,
                       ctx->res, r->pool) != APR_SUCCESS) {
        return oxt_mod_fail(r, HTTP_BAD_REQUEST, "bad_query",
                            "The address of this page is not valid.", NULL);
    }
    ctx->query = query;
    msg_read(ctx);
    return OK;
}

/* Who is calling, allowed in at all, with a database connection. */
static int caller(oxt_mod_req_t **preq, const oxt_psa_t **ppsa,
                  request_rec *r)
{
    oxt_mod_req_t *req = oxt_mod_req(r);
    int status;

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
    if (oxt_mod_db(&req->db, ppsa, r) != OK) {
        return oxt_mod_fail(r, HTTP_SERVICE_UNAVAILABLE, "unavailable",
                            "OXtender cannot reach its database right now."
                            " Please try again in a few minutes.", NULL);
    }
    *preq = req;
    return OK;
}

static int method_allows(request_rec *r, const oxt_mod_route_t *rt)
{
    /* The Allow header of a 405 comes from allowed_methods in 2.4. */
    ap_allow_methods(r, REPLACE_ALLOW, "GET", rt->post ? "POST" : NULL,
                     NULL);
    if (r->method_number == M_GET
        || (r->method_number == M_POST && rt->post != NULL)) {
        return OK;
    }
    return oxt_mod_fail(r, HTTP_METHOD_NOT_ALLOWED, "method", rt->post
                        ? "This page answers GET and POST only."
                        : "This page only answers GET.", NULL);
}

int oxt_mod_pages_handler(request_rec *r)
{
    const oxt_mod_dir_t *dconf;
    const oxt_mod_route_t *rt;
    oxt_mod_page_ctx_t ctx;
    oxt_mod_req_t *req = NULL;
    const char *path;
    int status;

    if (r->handler == NULL || strcmp(r->handler, "oxtender") != 0) {
        return DECLINED;
    }
    dconf = ap_get_module_config(r->per_dir_config, &oxtender_module);
    memset(&ctx, 0, sizeof(ctx));
    path = route_path(r, oxt_mod_dir_base(dconf));
    rt = path ? route_find(path, &ctx.id) : NULL;
    if (rt == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, OXTLOGNO(06992)
                      "no page at '%s'", r->uri);
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such page.", NULL);
    }
    status = method_allows(r, rt);
    if (status == OK) {
        status = caller(&req, &ctx.psa, r);
    }
    if (status == OK) {
        status = route_allows(r, rt, req->ident, ctx.psa);
    }
    if (status == OK) {
        status = ctx_setup(&ctx, r, rt, req);
    }
    if (status == OK) {
        status = oxt_mod_license_gate(&ctx);
    }
    if (status == OK && r->method_number == M_POST) {
        status = post_checks(&ctx);
    }
    if (status != OK) {
        return status;
    }
    return ctx.post ? rt->post(&ctx) : rt->get(&ctx);
}

/* ---- the static files ---------------------------------------------------------- */

static const struct {
    const char *ext;
    const char *type;
} static_types[] = {
    { ".css", "text/css; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".svg", "image/svg+xml" },
};

int oxt_mod_static_fixups(request_rec *r)
{
    const oxt_mod_dir_t *dconf = ap_get_module_config(r->per_dir_config,
                                                      &oxtender_module);
    apr_size_t n, e;
    size_t i;

    if (dconf == NULL || dconf->static_files != 1 || r->filename == NULL) {
        return DECLINED;
    }
    /* The same CSP as the pages (err_headers_out: on errors too, and
     * once); cached for an hour, as static files. */
    oxt_mod_security_headers(r->err_headers_out);
    apr_table_setn(r->err_headers_out, "Cache-Control", "max-age=3600");
    n = strlen(r->filename);
    for (i = 0; i < sizeof(static_types) / sizeof(static_types[0]); i++) {
        e = strlen(static_types[i].ext);
        if (n > e && strcmp(r->filename + n - e, static_types[i].ext) == 0) {
            ap_set_content_type(r, static_types[i].type);
        }
    }
    return DECLINED;
}
