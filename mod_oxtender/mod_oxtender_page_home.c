/*
 * mod_oxtender_page_home.c — the overview (the base URI itself): who is
 * signed in, how many mailboxes their part of the server holds, and the
 * tabs of their role. JSON keys: login, role, object_id, name,
 * reseller_id, client_id, auth, mailbox_count and, for the admin, health
 * (docs/api.md).
 */
#include <httpd.h>
#include <http_log.h>

#include "mod_oxtender_page.h"
#include "mod_oxtender_page_health.h"
#include "oxt_log.h"

APLOG_USE_MODULE(oxtender);

/* Who is signed in: the same members whichever way they signed in, but
 * "auth"; the session binding is a secret and never shown. */
static void home_identity_json(oxt_json_t *j, const oxt_identity_t *id)
{
    oxt_json_kstr(j, "login", id->login);
    oxt_json_kstr(j, "role", oxt_role_name(id->role));
    oxt_json_kint(j, "object_id", id->id);
    oxt_json_kstr(j, "name", id->name);
    oxt_json_kint(j, "reseller_id", id->reseller_id);
    oxt_json_kint(j, "client_id", id->client_id);
    oxt_json_kstr(j, "auth", oxt_auth_via_name(id->via));
}

static int home_json(oxt_mod_page_ctx_t *ctx, long long count)
{
    oxt_sink_t *sink = oxt_mod_page_start(ctx, HTTP_OK);
    oxt_json_t *j = oxt_json_make(sink, 0, ctx->r->pool);

    oxt_json_object(j);
    home_identity_json(j, ctx->ident);
    oxt_json_kint(j, "mailbox_count", count);
    oxt_mod_health_json(j, ctx->r, ctx->ident, ctx->db);
    oxt_json_end(j);
    return oxt_mod_page_end(ctx, sink, oxt_json_finish(j),
                            oxt_json_error(j));
}

/* The caller's sections, as links (the tabs say the same). */
static void home_sections(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx)
{
    oxt_url_t *u;
    int t;

    OXT_HTML_LIT(h, "<ul class=\"oxt-sections\">");
    for (t = 0; t < OXT_TAB_COUNT; t++) {
        if (!oxt_page_role_has_tab(ctx->ident->role, (oxt_tab_t)t)
            || !(ctx->routes & OXT_TAB_BIT(t))) {
            continue;
        }
        u = oxt_mod_page_url(ctx);
        oxt_url_seg(u, oxt_page_tab_route((oxt_tab_t)t));
        OXT_HTML_LIT(h, "<li><a");
        oxt_html_attr_url(h, "href", u);
        OXT_HTML_LIT(h, ">");
        oxt_html_text(h, oxt_page_tab_label((oxt_tab_t)t));
        OXT_HTML_LIT(h, "</a></li>");
    }
    OXT_HTML_LIT(h, "</ul>\n");
}

static int home_html(oxt_mod_page_ctx_t *ctx, long long count)
{
    oxt_sink_t *sink = oxt_mod_page_start(ctx, HTTP_OK);
    oxt_html_t *h = oxt_html_make(sink, ctx->r->pool);
    oxt_page_t pg;

    oxt_mod_page_shell(&pg, ctx, "Overview", OXT_TAB_NONE);
    oxt_page_begin(h, &pg);
    OXT_HTML_LIT(h, "<p>Signed in as <strong>");
    oxt_html_text(h, ctx->ident->login);
    OXT_HTML_LIT(h, "</strong> (");
    oxt_html_text(h, oxt_role_name(ctx->ident->role));
    OXT_HTML_LIT(h, ")</p>\n<p>Mailboxes in your ");
    if (ctx->ident->role == OXT_ROLE_ADMIN) {
        OXT_HTML_LIT(h, "server");
    }
    else {
        OXT_HTML_LIT(h, "account");
    }
    OXT_HTML_LIT(h, ": <strong>");
    oxt_html_int(h, count);
    OXT_HTML_LIT(h, "</strong></p>\n");
    home_sections(h, ctx);
    oxt_mod_health_html(h, ctx->r, ctx->ident, ctx->db);
    oxt_page_end(h, &pg);
    return oxt_mod_page_end(ctx, sink, oxt_html_finish(h),
                            oxt_html_error(h));
}

int oxt_mod_page_home(oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    long long count = 0;
    apr_status_t rv;

    rv = oxt_psa_mailbox_count(&count, ctx->psa, ctx->db, ctx->ident,
                               ctx->res, r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, OXTLOGNO(06990)
                      "home page: %s", oxt_result_text(ctx->res, r->pool));
        return oxt_mod_fail(r, oxt_mod_http_status(rv), "unavailable",
                            "The overview cannot be shown right now.",
                            NULL);
    }
    return ctx->json ? home_json(ctx, count) : home_html(ctx, count);
}
