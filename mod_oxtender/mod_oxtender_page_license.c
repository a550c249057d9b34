/*
 * mod_oxtender_page_license.c — License Management (license, admin
 * only) and its JSON twin, and the license gate every page goes through
 * (docs/license.md, "The License page").
 *
 * The page shows the guide's sections: License Key Status (the server's
 * main IP and the key's status in words), Upload License Key (a
 * multipart upload, read in memory by the framework's bounded parser and
 * handed to oxt_license_install as bytes: nothing is written to a file),
 * License by Activation Code, Get License Key From Licensing Server (only
 * once a key is loaded) with the last answer kept, and License Key
 * Properties. A refused key or a failed licensing server shows the page
 * again with the reason; the key in force stays as it was (the core's
 * rule). What is decided is the core's (oxt_licstate.h, oxt_licsrv.h);
 * this file only reads, calls and formats.
 */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "mod_oxtender_page.h"
#include "oxt_license.h"
#include "oxt_licsrv.h"
#include "oxt_licstate.h"
#include "oxt_log.h"
#include "oxt_settings.h"
#include "oxt_status.h"
#include "oxt_util.h"

APLOG_USE_MODULE(oxtender);

static const char intro[] =
    "A license key is issued for the main IP address of this server. You"
    " can put one in force by uploading its file or with an activation"
    " code; the key in force stays as it is whenever a new one is refused.";

typedef struct lic_pg_t {
    oxt_license_status_t *st;
    const char *error;             /* why the POST changed nothing */
    const char *error_code;        /* its word, for the JSON twin */
    const char *code;              /* the activation code entered */
} lic_pg_t;

static const oxt_mod_srv_t *lic_srv(const oxt_mod_page_ctx_t *ctx)
{
    return ap_get_module_config(ctx->r->server->module_config,
                                &oxtender_module);
}

static int lic_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv,
                      const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, OXTLOGNO(06400)
                  "license page: %s: %s", what,
                  oxt_result_text(ctx->res, ctx->r->pool));
    return oxt_mod_fail(ctx->r, oxt_mod_http_status(rv), "unavailable",
                        "The license cannot be shown or changed right now.",
                        NULL);
}

static apr_status_t lic_load(lic_pg_t *lp, oxt_mod_page_ctx_t *ctx)
{
    /* live: the page counts Plesk's mailboxes now. */
    return oxt_license_status_load(&lp->st, ctx->db, ctx->psa,
                                   lic_srv(ctx)->cfg, 1, ctx->res,
                                   ctx->r->pool);
}

/* ---- HTML: words -------------------------------------------------------- */

static const char *yes_no(int b)
{
    return b ? "Yes" : "No";
}

static const char *count_text(long long n, apr_pool_t *p)
{
    return n == OXT_LICENSE_UNLIMITED ? "Unlimited" : oxt_util_lld(n, p);
}

static void prop(oxt_html_t *h, const char *id, const char *label,
                 const char *value)
{
    OXT_HTML_LIT(h, "<dt>");
    oxt_html_text(h, label);
    OXT_HTML_LIT(h, "</dt><dd");
    oxt_html_attr(h, "id", id);
    OXT_HTML_LIT(h, ">");
    oxt_html_text(h, value ? value : "\xe2\x80\x94");
    OXT_HTML_LIT(h, "</dd>\n");
}

static void section_begin(oxt_html_t *h, const char *id, const char *legend)
{
    OXT_HTML_LIT(h, "<fieldset class=\"oxt-fieldset\"");
    oxt_html_attr(h, "id", id);
    OXT_HTML_LIT(h, "><legend>");
    oxt_html_text(h, legend);
    OXT_HTML_LIT(h, "</legend>\n");
}

static void note(oxt_html_t *h, const char *text)
{
    OXT_HTML_LIT(h, "<p class=\"oxt-hint\">");
    oxt_html_text(h, text);
    OXT_HTML_LIT(h, "</p>\n");
}

static void submit(oxt_html_t *h, const char *label)
{
    OXT_HTML_LIT(h, "<div class=\"oxt-buttons\"><button type=\"submit\""
                 " class=\"oxt-button oxt-primary\">");
    oxt_html_text(h, label);
    OXT_HTML_LIT(h, "</button></div>\n");
}

/* ---- HTML: the sections ------------------------------------------------- */

static void html_status(oxt_html_t *h, const oxt_license_status_t *st,
                        apr_pool_t *p)
{
    const char *ip = st->server_ip == NULL
        ? apr_pstrcat(p, "Unknown: ", st->server_ip_problem, NULL)
        : apr_pstrcat(p, st->server_ip, strcmp(st->server_ip_from,
                      "configuration") == 0 ? " (set in the configuration)"
                      : " (the panel's main address)", NULL);

    section_begin(h, "oxt-lic-status", "License Key Status");
    OXT_HTML_LIT(h, "<dl class=\"oxt-props\">\n");
    prop(h, "oxt-lic-ip", "Your server IP", ip);
    prop(h, "oxt-lic-state", "License key status", st->status_text);
    OXT_HTML_LIT(h, "</dl>\n</fieldset>\n");
}

static void html_upload(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx)
{
    oxt_url_t *self = oxt_mod_page_url(ctx);
    oxt_field_t fd;

    section_begin(h, "oxt-lic-upload", "Upload License Key");
    OXT_URL_WORD(self, "license");
    oxt_page_form_begin(h, self, ctx->csrf, "oxt-lic-upload-form",
                        OXT_FORM_MULTIPART);
    memset(&fd, 0, sizeof(fd));
    fd.name = "key";
    fd.label = "License key file";
    fd.type = "file";
    fd.required = 1;
    fd.hint = apr_psprintf(ctx->r->pool, "The key file as you received it"
                           " (at most %d bytes).", OXT_LICENSE_MAX_BYTES);
    oxt_page_field_input(h, &fd);
    submit(h, "Upload");
    oxt_page_form_end(h);
    OXT_HTML_LIT(h, "</fieldset>\n");
}

static void html_activate(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx,
                          const lic_pg_t *lp)
{
    oxt_url_t *self = oxt_mod_page_url(ctx);
    oxt_field_t fd;

    section_begin(h, "oxt-lic-activate", "License by Activation Code");
    if (!lp->st->can_activate) {
        note(h, "No licensing server is configured (license_server_url in"
                " the configuration file).");
        OXT_HTML_LIT(h, "</fieldset>\n");
        return;
    }
    OXT_URL_WORD(self, "license");
    oxt_page_form_begin(h, self, ctx->csrf, "oxt-lic-activate-form", 0);
    oxt_page_hidden(h, "action", "activate");
    memset(&fd, 0, sizeof(fd));
    fd.name = "code";
    fd.label = "Activation code";
    fd.type = "text";
    fd.value = lp->code ? lp->code : "";
    fd.required = 1;
    fd.maxlength = 64;
    fd.hint = "Letters, digits and dashes, as you received it.";
    oxt_page_field_input(h, &fd);
    submit(h, "Activate");
    oxt_page_form_end(h);
    OXT_HTML_LIT(h, "</fieldset>\n");
}

static void html_renew(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx,
                       const lic_pg_t *lp)
{
    const oxt_license_status_t *st = lp->st;
    apr_pool_t *p = ctx->r->pool;
    oxt_url_t *self = oxt_mod_page_url(ctx);

    /* Only once a key is loaded: it asks for that key's number. */
    if (st->key == NULL) {
        return;
    }
    section_begin(h, "oxt-lic-renew", "Get License Key From Licensing Server");
    OXT_HTML_LIT(h, "<dl class=\"oxt-props\">\n");
    if (st->can_activate) {
        prop(h, "oxt-lic-server", "Licensing server",
             lic_srv(ctx)->cfg->license_server_url);
    }
    prop(h, "oxt-lic-answer", "Last licensing server answer",
         st->last_answer_at == NULL ? "None yet."
         : apr_pstrcat(p, st->last_answer, " (", st->last_answer_at,
                       st->last_answer_ok ? ")" : ", failed)", NULL));
    OXT_HTML_LIT(h, "</dl>\n");
    if (!st->can_renew) {
        note(h, "No licensing server is configured (license_server_url in"
                " the configuration file).");
    }
    else {
        OXT_URL_WORD(self, "license");
        oxt_page_form_begin(h, self, ctx->csrf, "oxt-lic-renew-form", 0);
        oxt_page_hidden(h, "action", "renew");
        submit(h, "Get license");
        oxt_page_form_end(h);
    }
    OXT_HTML_LIT(h, "</fieldset>\n");
}

static void html_props(oxt_html_t *h, const oxt_license_status_t *st,
                       apr_pool_t *p)
{
    const oxt_license_key_t *k = st->key;

    section_begin(h, "oxt-lic-props", "License Key Properties");
    if (k == NULL) {
        note(h, "No license key is loaded.");
        OXT_HTML_LIT(h, "</fieldset>\n");
        return;
    }
    OXT_HTML_LIT(h, "<dl class=\"oxt-props\">\n");
    prop(h, "oxt-lic-number", "Key number", k->number);
    prop(h, "oxt-lic-ownership", "Key ownership",
         oxt_license_ownership_label(k->ownership));
    prop(h, "oxt-lic-keyip", "Key issued for IP", k->ip);
    prop(h, "oxt-lic-domains", "Maximum number of domains",
         count_text(k->max_domains, p));
    prop(h, "oxt-lic-sus", "Key SUS expires", k->sus_expires);
    prop(h, "oxt-lic-renewed", "Key renewed on", k->renewed);
    prop(h, "oxt-lic-premium", "Premium", yes_no(k->premium));
    prop(h, "oxt-lic-free", "Free usage", yes_no(k->free_usage));
    prop(h, "oxt-lic-tier", "License type", oxt_license_tier_label(k->tier));
    OXT_HTML_LIT(h, "</dl>\n</fieldset>\n");
}

/* ---- the page ------------------------------------------------------------ */

static const char *msg_words(const char *code)
{
    if (code == NULL) {
        return NULL;
    }
    if (strcmp(code, "licinstalled") == 0) {
        return "The license key is in force.";
    }
    if (strcmp(code, "licserver") == 0) {
        return "The licensing server's key is in force.";
    }
    return NULL;
}

static int lic_html(oxt_mod_page_ctx_t *ctx, const lic_pg_t *lp, int status)
{
    request_rec *r = ctx->r;
    oxt_sink_t *sink = oxt_mod_page_start(ctx, status);
    oxt_html_t *h = oxt_html_make(sink, r->pool);
    oxt_crumb_t path[1] = { { "License Management", NULL } };
    oxt_page_t pg;

    oxt_mod_page_shell(&pg, ctx, "License Management", OXT_TAB_LICENSE);
    pg.crumbs = path;
    pg.ncrumbs = 1;
    pg.license_url = NULL;         /* this is the License page */
    pg.error = lp->error;
    pg.info = lp->error ? NULL : msg_words(ctx->msg);
    oxt_page_begin(h, &pg);
    OXT_HTML_LIT(h, "<p>");
    oxt_html_text(h, intro);
    OXT_HTML_LIT(h, "</p>\n");
    html_status(h, lp->st, r->pool);
    html_upload(h, ctx);
    html_activate(h, ctx, lp);
    html_renew(h, ctx, lp);
    html_props(h, lp->st, r->pool);
    oxt_page_end(h, &pg);
    return oxt_mod_page_end(ctx, sink, oxt_html_finish(h),
                            oxt_html_error(h));
}

static int lic_json(oxt_mod_page_ctx_t *ctx, const lic_pg_t *lp, int status)
{
    oxt_sink_t *sink = oxt_mod_page_start(ctx, status);
    oxt_json_t *j = oxt_json_make(sink, 0, ctx->r->pool);

    oxt_json_object(j);
    oxt_json_kbool(j, "ok", lp->error == NULL);
    if (lp->error != NULL) {
        oxt_json_kstr(j, "error", lp->error_code);
        oxt_json_kstr(j, "message", lp->error);
    }
    oxt_json_kstr(j, "license_server_url",
                  lic_srv(ctx)->cfg->license_server_url);
    oxt_json_kint(j, "key_max_bytes", OXT_LICENSE_MAX_BYTES);
    oxt_json_key(j, "license");
    oxt_license_status_json(j, lp->st, ctx->ident->role, ctx->r->pool);
    oxt_json_end(j);
    return oxt_mod_page_end(ctx, sink, oxt_json_finish(j),
                            oxt_json_error(j));
}

static int lic_show(oxt_mod_page_ctx_t *ctx, const lic_pg_t *lp, int status)
{
    return ctx->json ? lic_json(ctx, lp, status)
                     : lic_html(ctx, lp, status);
}

/* ---- POST: Upload, Activate, Get license ------------------------------------ */

/* A refusal: the page again, with why, and the status loaded anew (the
 * licensing server's answer was recorded). */
static int lic_refused(oxt_mod_page_ctx_t *ctx, lic_pg_t *lp, int status,
                       const char *code, const char *text)
{
    apr_status_t rv;

    lp->error = text;
    lp->error_code = code;
    rv = lic_load(lp, ctx);
    if (rv != APR_SUCCESS) {
        return lic_failed(ctx, rv, "load");
    }
    if (lp->error == NULL) {
        /* The licensing server was asked: its outcome, as kept. */
        lp->error = lp->st->last_answer ? lp->st->last_answer
                                        : "The licensing server failed.";
    }
    return lic_show(ctx, lp, status);
}

static int lic_upload(oxt_mod_page_ctx_t *ctx, lic_pg_t *lp)
{
    const oxt_part_t *part = oxt_multipart_get(ctx->parts, "key");
    oxt_license_verdict_t verdict = OXT_LICENSE_OK;
    oxt_url_t *self = oxt_mod_page_url(ctx);
    apr_status_t rv;

    if (part == NULL || part->filename == NULL) {
        return lic_refused(ctx, lp, HTTP_BAD_REQUEST, "no_file",
                           "Choose a license key file to upload.");
    }
    rv = oxt_license_install(NULL, &verdict, ctx->db, ctx->psa,
                             lic_srv(ctx)->cfg, part->data, part->len,
                             ctx->ident->login, ctx->res, ctx->r->pool);
    if (rv == OXT_ELICENSE) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, ctx->r, OXTLOGNO(06401)
                      "license key upload by %s refused: %s",
                      ctx->ident->login, oxt_license_verdict_name(verdict));
        return lic_refused(ctx, lp, HTTP_BAD_REQUEST,
                           oxt_license_verdict_name(verdict),
                           apr_pstrcat(ctx->r->pool, "The license key was"
                                       " refused: ", ctx->res->detail
                                       ? ctx->res->detail : oxt_result_text(
                                           ctx->res, ctx->r->pool),
                                       ". The key in force is kept.", NULL));
    }
    if (rv != APR_SUCCESS) {
        return lic_failed(ctx, rv, "install");
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, ctx->r, OXTLOGNO(06402)
                  "license key put in force by %s (upload)",
                  ctx->ident->login);
    OXT_URL_WORD(self, "license");
    return oxt_mod_page_redirect(ctx, self, "licinstalled", NULL, 0,
                                 msg_words("licinstalled"));
}

/* The HTTP status of a licensing server's failure. */
static int server_status(apr_status_t rv)
{
    if (rv == APR_EINVAL || rv == OXT_ELICENSE) {
        return HTTP_BAD_REQUEST;
    }
    if (rv == OXT_ELICSRV) {
        return HTTP_BAD_GATEWAY;
    }
    return HTTP_CONFLICT;          /* no server, no key, no server IP */
}

static int lic_server(oxt_mod_page_ctx_t *ctx, lic_pg_t *lp, int activate)
{
    const oxt_mod_srv_t *srv = lic_srv(ctx);
    apr_pool_t *p = ctx->r->pool;
    oxt_settings_t *settings;
    oxt_url_t *self = oxt_mod_page_url(ctx);
    apr_status_t rv;

    /* The wait is the Settings' SOAP timeout, as for OX. */
    rv = oxt_settings_load(&settings, ctx->db, NULL, ctx->res, p);
    if (rv != APR_SUCCESS) {
        return lic_failed(ctx, rv, "settings");
    }
    rv = activate
        ? oxt_license_activate(NULL, ctx->db, ctx->psa, srv->cfg, settings,
                               lp->code, ctx->ident->login, ctx->res, p)
        : oxt_license_renew(NULL, ctx->db, ctx->psa, srv->cfg, settings,
                            ctx->ident->login, ctx->res, p);
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, ctx->r, OXTLOGNO(06403)
                  "license %s by %s: %s", activate ? "activation" : "renewal",
                  ctx->ident->login, rv == APR_SUCCESS ? "key in force"
                  : oxt_result_text(ctx->res, p));
    if (rv == APR_SUCCESS) {
        OXT_URL_WORD(self, "license");
        return oxt_mod_page_redirect(ctx, self, "licserver", NULL, 0,
                                     msg_words("licserver"));
    }
    if (rv != APR_EINVAL && rv != OXT_ELICENSE && rv != OXT_ELICSRV
        && rv != OXT_ECONFIG && rv != APR_ENOENT) {
        return lic_failed(ctx, rv, activate ? "activate" : "renew");
    }
    if (rv == OXT_ELICSRV || rv == OXT_ELICENSE) {
        return lic_refused(ctx, lp, server_status(rv), rv == OXT_ELICSRV
                           ? "licensing_server" : "answer_key_refused",
                           NULL);
    }
    return lic_refused(ctx, lp, server_status(rv), rv == APR_ENOENT
                       ? "no_key" : rv == APR_EINVAL ? "bad_code"
                       : "not_configured", oxt_result_text(ctx->res, p));
}

int oxt_mod_page_license(oxt_mod_page_ctx_t *ctx)
{
    const char *action;
    lic_pg_t lp;
    apr_status_t rv;

    memset(&lp, 0, sizeof(lp));
    if (!ctx->post) {
        rv = lic_load(&lp, ctx);
        return rv != APR_SUCCESS ? lic_failed(ctx, rv, "load")
                                 : lic_show(ctx, &lp, HTTP_OK);
    }
    if (ctx->parts != NULL) {
        return lic_upload(ctx, &lp);
    }
    action = oxt_form_get(ctx->form, "action");
    lp.code = oxt_form_get(ctx->form, "code");
    if (action != NULL && strcmp(action, "activate") == 0) {
        if (lp.code == NULL || !oxt_licsrv_code_valid(lp.code)) {
            return lic_refused(ctx, &lp, HTTP_BAD_REQUEST, "bad_code",
                               "An activation code is 1 to 64 letters,"
                               " digits and dashes. Nothing was sent.");
        }
        return lic_server(ctx, &lp, 1);
    }
    if (action != NULL && strcmp(action, "renew") == 0) {
        return lic_server(ctx, &lp, 0);
    }
    return lic_refused(ctx, &lp, HTTP_BAD_REQUEST, "bad_action",
                       "Upload a key file, enter an activation code or ask"
                       " the licensing server.");
}

/* ---- the gate ---------------------------------------------------------------- */

/*
 * What every page needs of the license is restricted, limit_reached and
 * the terms (the restriction's message names the number). A full load
 * reads psa's main IP and verifies the Ed25519 signature; a page needs
 * that only when the license row, the day or the configuration changed.
 * So each process keeps the last answer with the row it came from: one
 * small query a request, and the full load when that row is another.
 * psa's main IP (what a key is checked against) is read again at least
 * every GATE_TTL, the only fact the row does not carry.
 */
#define GATE_TTL apr_time_from_sec(60)

typedef struct gate_cache_t {
    const void *owner;             /* the server's configuration */
    char fp[512];                  /* the row and the day it holds for */
    apr_time_t until;
    int restricted;
    int limit_reached;
    oxt_license_terms_t terms;
} gate_cache_t;

static gate_cache_t gate_cache;
static apr_thread_mutex_t *gate_mutex;

static const char sql_gate[] =
    "SELECT MD5(key_blob), usage_plesk_mailboxes, usage_groupware,"
    " usage_domains, refused_restricted, refused_domains, refused_premium,"
    " refused_groupware FROM license WHERE id = 1";

apr_status_t oxt_mod_license_cache_init(apr_pool_t *pchild)
{
    memset(&gate_cache, 0, sizeof(gate_cache));
    return apr_thread_mutex_create(&gate_mutex, APR_THREAD_MUTEX_DEFAULT,
                                   pchild);
}

/* The license row and today, as one string. */
static apr_status_t gate_fingerprint(const char **pfp,
                                     oxt_mod_page_ctx_t *ctx)
{
    apr_pool_t *p = ctx->r->pool;
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    const char *fp = oxt_license_today(p);
    apr_status_t rv;
    int i;

    rv = oxt_db_select(&rows, ctx->db, sql_gate, OXT_DB_NOARGS, ctx->res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        *pfp = apr_pstrcat(p, fp, "|none", NULL);
        return APR_SUCCESS;
    }
    row = APR_ARRAY_IDX(rows, 0, oxt_db_row_t *);
    for (i = 0; i < row->ncols; i++) {
        fp = apr_pstrcat(p, fp, "|", row->vals[i] ? row->vals[i] : "-",
                         NULL);
    }
    *pfp = fp;
    return APR_SUCCESS;
}

static int gate_lookup(oxt_license_status_t *st, const void *owner,
                       const char *fp)
{
    int hit = 0;

    if (gate_mutex == NULL || apr_thread_mutex_lock(gate_mutex)
                              != APR_SUCCESS) {
        return 0;
    }
    if (gate_cache.owner == owner && strcmp(gate_cache.fp, fp) == 0
        && apr_time_now() < gate_cache.until) {
        st->restricted = gate_cache.restricted;
        st->limit_reached = gate_cache.limit_reached;
        st->terms = gate_cache.terms;
        hit = 1;
    }
    (void)apr_thread_mutex_unlock(gate_mutex);
    return hit;
}

static void gate_store(const oxt_license_status_t *st, const void *owner,
                       const char *fp)
{
    if (strlen(fp) >= sizeof(gate_cache.fp) || gate_mutex == NULL
        || apr_thread_mutex_lock(gate_mutex) != APR_SUCCESS) {
        return;
    }
    gate_cache.owner = owner;
    apr_cpystrn(gate_cache.fp, fp, sizeof(gate_cache.fp));
    gate_cache.until = apr_time_now() + GATE_TTL;
    gate_cache.restricted = st->restricted;
    gate_cache.limit_reached = st->limit_reached;
    gate_cache.terms = st->terms;
    (void)apr_thread_mutex_unlock(gate_mutex);
}

/* restricted, limit_reached and the terms of the license in force. */
static apr_status_t gate_facts(oxt_license_status_t *st,
                               oxt_mod_page_ctx_t *ctx)
{
    const oxt_mod_srv_t *srv = lic_srv(ctx);
    oxt_license_status_t *full;
    const char *fp = NULL;
    apr_status_t rv;

    memset(st, 0, sizeof(*st));
    rv = gate_fingerprint(&fp, ctx);
    if (rv != APR_SUCCESS || gate_lookup(st, srv, fp)) {
        return rv;
    }
    rv = oxt_license_status_load(&full, ctx->db, ctx->psa, srv->cfg, 0,
                                 ctx->res, ctx->r->pool);
    if (rv == APR_SUCCESS) {
        *st = *full;
        gate_store(full, srv, fp);
    }
    return rv;
}

int oxt_mod_license_gate(oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    oxt_license_status_t st;
    const char *text;
    int admin = ctx->ident->role == OXT_ROLE_ADMIN;

    if (gate_facts(&st, ctx) != APR_SUCCESS) {
        /* The replicator holds the line; a page is not refused for it. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OXTLOGNO(06404)
                      "license state unknown: %s",
                      oxt_result_text(ctx->res, r->pool));
        return OK;
    }
    text = oxt_license_banner(&st, ctx->ident->role, r->pool);
    ctx->license_banner = text;
    if (!st.restricted
        || (admin && ctx->route->get == oxt_mod_page_license)) {
        return OK;
    }
    if (admin && !ctx->json && r->method_number == M_GET) {
        oxt_url_t *lic = oxt_mod_page_url(ctx);

        OXT_URL_WORD(lic, "license");
        return oxt_mod_page_redirect(ctx, lic, "licrestricted", NULL, 0,
                                     text);
    }
    return oxt_mod_fail(r, HTTP_FORBIDDEN, "license_restricted", text, NULL);
}
