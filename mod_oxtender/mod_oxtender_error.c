/*
 * mod_oxtender_error.c — our own error responses.
 *
 * Every refusal of ours (401, 403, 404, 405, 429, 500, 503) carries the
 * security headers and a UTF-8 body of ours, HTML or JSON. Apache sends
 * error responses itself (ap_die), with headers from err_headers_out and,
 * where a request has one, the text of ap_custom_response; it labels
 * that text "text/html; charset=iso-8859-1", so a small filter inserted
 * for the error response puts our type back.
 */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <util_script.h>
#include <apr_strings.h>

#include "mod_oxtender.h"
#include "oxt_json.h"
#include "oxt_sink.h"

#define OXT_MOD_ERROR_FILTER "OXTENDER_ERROR_TYPE"

void oxt_mod_security_headers(apr_table_t *t)
{
    apr_table_setn(t, "Cache-Control", "no-store");
    apr_table_setn(t, "X-Content-Type-Options", "nosniff");
    /* Plesk shows the pages in its own frame: same origin only. */
    apr_table_setn(t, "Content-Security-Policy",
                   "default-src 'self'; frame-ancestors 'self'");
    apr_table_setn(t, "Referrer-Policy", "same-origin");
}

int oxt_mod_wants_json(request_rec *r)
{
    apr_table_t *args = NULL;
    const char *format;

    ap_args_to_table(r, &args);
    format = args ? apr_table_get(args, "format") : NULL;
    return format != NULL && strcmp(format, "json") == 0;
}

static const char *fail_title(int status)
{
    switch (status) {
    case HTTP_BAD_REQUEST:            return "Not understood";
    case HTTP_REQUEST_ENTITY_TOO_LARGE: return "Too large";
    case HTTP_UNSUPPORTED_MEDIA_TYPE: return "Not a form";
    case HTTP_UNAUTHORIZED:           return "Please sign in";
    case HTTP_FORBIDDEN:              return "Access refused";
    case HTTP_NOT_FOUND:              return "No such page";
    case HTTP_METHOD_NOT_ALLOWED:     return "Not allowed here";
    case HTTP_TOO_MANY_REQUESTS:      return "Too many failed sign-ins";
    case HTTP_SERVICE_UNAVAILABLE:    return "Temporarily unavailable";
    default:                          return "Server error";
    }
}

static const char *granter_text(const oxt_granter_t *g, apr_pool_t *p)
{
    if (g->role == OXT_ROLE_ADMIN) {
        return "the administrator";
    }
    return apr_pstrcat(p, g->role == OXT_ROLE_RESELLER ? "your reseller"
                                                       : "your client",
                       g->name && *g->name ? " " : "",
                       g->name ? g->name : "", NULL);
}

static const char *fail_html(request_rec *r, int status, const char *message,
                             const apr_array_header_t *granters)
{
    const char *title = fail_title(status), *list = "";
    int i;

    for (i = 0; granters != NULL && i < granters->nelts; i++) {
        list = apr_pstrcat(r->pool, list, "<li>", ap_escape_html2(r->pool,
            granter_text(&APR_ARRAY_IDX(granters, i, oxt_granter_t),
                         r->pool), 1), "</li>\n", NULL);
    }
    if (*list) {
        list = apr_pstrcat(r->pool, "<p>Access can be granted by:</p>\n"
                           "<ul>\n", list, "</ul>\n", NULL);
    }
    return apr_pstrcat(r->pool, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                       "<meta charset=\"utf-8\"><title>", title,
                       " — OXtender</title></head>\n<body>\n<h1>", title,
                       "</h1>\n<p>", ap_escape_html2(r->pool, message, 1),
                       "</p>\n", list, "<p>OXtender</p>\n</body></html>\n",
                       NULL);
}

static void fail_json_granters(oxt_json_t *j,
                               const apr_array_header_t *granters)
{
    const oxt_granter_t *g;
    int i;

    oxt_json_karray(j, "can_grant");
    for (i = 0; granters != NULL && i < granters->nelts; i++) {
        g = &APR_ARRAY_IDX(granters, i, oxt_granter_t);
        oxt_json_object(j);
        oxt_json_kstr(j, "role", oxt_role_name(g->role));
        if (g->role != OXT_ROLE_ADMIN) {
            oxt_json_kint(j, "id", g->id);
            oxt_json_kstr(j, "name", g->name);
        }
        oxt_json_end(j);
    }
    oxt_json_end(j);
}

static const char *fail_json(request_rec *r, int status, const char *code,
                             const char *message,
                             const apr_array_header_t *granters)
{
    oxt_sink_t *sink = oxt_sink_buffer(64 * 1024, r->pool);
    oxt_json_t *j = oxt_json_make(sink, 0, r->pool);

    oxt_json_object(j);
    oxt_json_kint(j, "status", status);
    oxt_json_kstr(j, "error", code);
    oxt_json_kstr(j, "message", message);
    if (granters != NULL) {
        fail_json_granters(j, granters);
    }
    oxt_json_end(j);
    if (oxt_json_finish(j) != APR_SUCCESS) {
        return "{\"status\": 500, \"error\": \"internal\"}\n";
    }
    return oxt_sink_buffer_text(sink, NULL);
}

int oxt_mod_fail(request_rec *r, int status, const char *code,
                 const char *message, const apr_array_header_t *granters)
{
    oxt_mod_req_t *req = oxt_mod_req(r);
    int json = oxt_mod_wants_json(r);

    oxt_mod_security_headers(r->err_headers_out);
    req->error_status = status;
    req->error_type = json ? "application/json; charset=utf-8"
                           : "text/html; charset=utf-8";
    ap_custom_response(r, status, json
                       ? fail_json(r, status, code, message, granters)
                       : fail_html(r, status, message, granters));
    return status;
}

/* ---- the content type of the error response ----------------------------- */

static apr_status_t oxt_mod_error_filter(ap_filter_t *f,
                                         apr_bucket_brigade *bb)
{
    const oxt_mod_req_t *req = ap_get_module_config(f->r->request_config,
                                                    &oxtender_module);

    if (req != NULL && req->error_type != NULL) {
        ap_set_content_type(f->r, req->error_type);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* Called by Apache when it starts an error response: only for a status
 * whose body we prepared. */
static void oxt_mod_insert_error_filter(request_rec *r)
{
    const oxt_mod_req_t *req = ap_get_module_config(r->request_config,
                                                    &oxtender_module);

    if (req != NULL && req->error_type != NULL
        && req->error_status == r->status) {
        ap_add_output_filter(OXT_MOD_ERROR_FILTER, NULL, r, r->connection);
    }
}

void oxt_mod_error_register(apr_pool_t *p)
{
    (void)p;
    ap_register_output_filter(OXT_MOD_ERROR_FILTER, oxt_mod_error_filter,
                              NULL, AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(oxt_mod_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
}
