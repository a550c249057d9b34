/*
 * mod_oxtender_page_prefs.c — the Prefs dialog of a reseller, client or
 * domain (resellers/ID/prefs, clients/ID/prefs, domains/ID/prefs): a page
 * of its own, shown in a <dialog> by htdocs/oxtender.js. GET shows the
 * form; POST saves it and goes back to the list, or shows it again with
 * a message next to each refused field and nothing saved. The rules are
 * the core's (oxt_prefs_form.h).
 */
#include <string.h>
#include <httpd.h>
#include <http_log.h>
#include <apr_strings.h>

#include "mod_oxtender_page.h"
#include "oxt_dir.h"
#include "oxt_log.h"
#include "oxt_prefs_form.h"
#include "oxt_settings.h"
#include "oxt_tz.h"
#include "oxt_util.h"

APLOG_USE_MODULE(oxtender);

typedef struct prefs_t {
    oxt_dir_list_t list;
    oxt_dir_row_t row;
    oxt_prefs_form_t form;
    apr_array_header_t *languages;
} prefs_t;

static const char plesk_language[] = "Plesk language on replicated accounts";
static const char plesk_timezone[] = "Plesk server time zone";

/* The list of the route (its first word). */
static oxt_dir_list_t prefs_list(const oxt_mod_page_ctx_t *ctx)
{
    const char *path = ctx->route->path;

    return strncmp(path, "resellers/", 10) == 0 ? OXT_DIR_RESELLERS
         : strncmp(path, "clients/", 8) == 0 ? OXT_DIR_CLIENTS
         : OXT_DIR_DOMAINS;
}

static oxt_url_t *prefs_list_url(const oxt_mod_page_ctx_t *ctx,
                                 oxt_dir_list_t list)
{
    oxt_url_t *u = oxt_mod_page_url(ctx);

    if (list == OXT_DIR_RESELLERS) {
        OXT_URL_WORD(u, "resellers");
    }
    else if (list == OXT_DIR_CLIENTS) {
        OXT_URL_WORD(u, "clients");
    }
    else {
        OXT_URL_WORD(u, "domains");
    }
    return u;
}

/* The object (404 unless it is in the caller's part), the form as it
 * stands and the languages. */
static int prefs_load(prefs_t *pf, oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    oxt_settings_t *settings;
    apr_status_t rv;

    pf->list = prefs_list(ctx);
    rv = oxt_dir_row_get(&pf->row, ctx->psa, ctx->db, ctx->ident, pf->list,
                         ctx->id, ctx->res, r->pool);
    if (rv == APR_ENOENT) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such object.", NULL);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&settings, ctx->db, NULL, ctx->res, r->pool);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_prefs_form_load(&pf->form, ctx->db,
                                 oxt_dir_list_level(pf->list), ctx->id,
                                 pf->row.reseller_id, pf->row.client_id,
                                 settings, ctx->res, r->pool);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_languages_allowed(&pf->languages, ctx->db,
                                            ctx->res, r->pool);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(05520)
                      "prefs: %s", oxt_result_text(ctx->res, r->pool));
        return oxt_mod_fail(r, oxt_mod_http_status(rv), "unavailable",
                            "The preferences cannot be shown right now.",
                            NULL);
    }
    return OK;
}

/* ---- HTML ------------------------------------------------------------------------ */

static void field_quota(oxt_html_t *h, const prefs_t *pf, int max,
                        apr_pool_t *p)
{
    const oxt_prefs_form_t *f = &pf->form;
    oxt_field_t fd;

    memset(&fd, 0, sizeof(fd));
    fd.type = "number";
    fd.suffix = "MB";
    fd.maxlength = 9;
    if (max) {
        fd.name = OXT_PF_MAX;
        fd.label = "Maximum domain Infostore quota";
        fd.value = f->max_mb >= 0 ? oxt_util_lld(f->max_mb, p) : "";
        fd.hint = "Empty: no maximum of its own.";
        fd.error = f->max_error;
    }
    else {
        fd.name = OXT_PF_QUOTA;
        fd.label = pf->list == OXT_DIR_DOMAINS
            ? apr_pstrcat(p, "Infostore on ", pf->row.name, NULL)
            : "Default domain Infostore quota";
        fd.value = oxt_util_lld(f->quota_mb, p);
        fd.required = 1;
        fd.error = f->quota_error;
    }
    if (f->parent_max_mb >= 0) {
        fd.hint = apr_pstrcat(p, max ? "Empty: no maximum of its own. " : "",
                              "At most ", oxt_util_lld(f->parent_max_mb, p),
                              " MB (the maximum above).", NULL);
    }
    oxt_page_field_input(h, &fd);
}

static void field_language(oxt_html_t *h, const prefs_t *pf, apr_pool_t *p)
{
    const apr_array_header_t *langs = pf->languages;
    oxt_option_t *opts = apr_pcalloc(p, sizeof(*opts)
                                     * (apr_size_t)(langs->nelts + 1));
    const oxt_language_t *l;
    oxt_field_t fd;
    int i;

    opts[0].value = OXT_SETTINGS_PLESK;
    opts[0].label = plesk_language;
    opts[0].selected = strcmp(pf->form.language, OXT_SETTINGS_PLESK) == 0;
    for (i = 0; i < langs->nelts; i++) {
        l = &APR_ARRAY_IDX(langs, i, oxt_language_t);
        opts[i + 1].value = l->code;
        opts[i + 1].label = l->name;
        opts[i + 1].selected = strcmp(pf->form.language, l->code) == 0;
    }
    memset(&fd, 0, sizeof(fd));
    fd.name = OXT_PF_LANGUAGE;
    fd.label = "Default OX language";  /* the guide's, on every level */
    fd.required = 1;
    fd.hint = "The languages enabled in Settings.";
    fd.error = pf->form.language_error;
    oxt_page_field_select(h, &fd, opts, langs->nelts + 1, 0);
}

static void field_timezone(oxt_html_t *h, const prefs_t *pf, apr_pool_t *p)
{
    int n, i;
    const oxt_tz_t *tz = oxt_tz_list(&n);
    oxt_option_t *opts = apr_pcalloc(p, sizeof(*opts) * (apr_size_t)(n + 1));
    oxt_field_t fd;

    opts[0].value = OXT_SETTINGS_PLESK;
    opts[0].label = plesk_timezone;
    opts[0].selected = strcmp(pf->form.timezone, OXT_SETTINGS_PLESK) == 0;
    for (i = 0; i < n; i++) {
        opts[i + 1].value = tz[i].name;
        opts[i + 1].label = oxt_tz_label(&tz[i], p);
        opts[i + 1].selected = strcmp(pf->form.timezone, tz[i].name) == 0;
    }
    memset(&fd, 0, sizeof(fd));
    fd.name = OXT_PF_TIMEZONE;
    fd.label = "Default OX time zone";
    fd.required = 1;
    fd.error = pf->form.timezone_error;
    oxt_page_field_select(h, &fd, opts, n + 1, 0);
}

static const char prefs_intro[] =
    "Fill in a value for the user's quota and maximum quota, choose a time"
    " zone or the language that will be used when replicating the mail"
    " accounts on the OX server.";

static int prefs_html(oxt_mod_page_ctx_t *ctx, const prefs_t *pf, int status)
{
    request_rec *r = ctx->r;
    oxt_sink_t *sink = oxt_mod_page_start(ctx, status);
    oxt_html_t *h = oxt_html_make(sink, r->pool);
    oxt_url_t *self = prefs_list_url(ctx, pf->list);
    oxt_page_t pg;

    oxt_mod_page_shell(&pg, ctx, "Preferences", OXT_TAB_NONE);
    if (status != HTTP_OK) {
        pg.error = "Nothing was saved: please correct the fields marked.";
    }
    oxt_page_begin(h, &pg);
    oxt_page_dialog_begin(h, pf->row.name, "Preferences", prefs_intro);
    oxt_url_id(self, ctx->id);
    OXT_URL_WORD(self, "prefs");
    oxt_page_form_begin(h, self, ctx->csrf, "oxt-prefs-form", 0);
    field_quota(h, pf, 0, r->pool);
    if (pf->list != OXT_DIR_DOMAINS) {
        field_quota(h, pf, 1, r->pool);
    }
    field_language(h, pf, r->pool);
    field_timezone(h, pf, r->pool);
    oxt_page_required_note(h);
    oxt_page_buttons(h, "OK", prefs_list_url(ctx, pf->list));
    oxt_page_form_end(h);
    oxt_page_dialog_end(h);
    oxt_page_end(h, &pg);
    return oxt_mod_page_end(ctx, sink, oxt_html_finish(h),
                            oxt_html_error(h));
}

/* ---- JSON -------------------------------------------------------------------------- */

static void json_nullable(oxt_json_t *j, const char *key, long long v)
{
    if (v < 0) {
        oxt_json_knull(j, key);
    }
    else {
        oxt_json_kint(j, key, v);
    }
}

static void json_errors(oxt_json_t *j, const oxt_prefs_form_t *f)
{
    oxt_json_kobject(j, "errors");
    if (f->quota_error) {
        oxt_json_kstr(j, OXT_PF_QUOTA, f->quota_error);
    }
    if (f->max_error) {
        oxt_json_kstr(j, OXT_PF_MAX, f->max_error);
    }
    if (f->language_error) {
        oxt_json_kstr(j, OXT_PF_LANGUAGE, f->language_error);
    }
    if (f->timezone_error) {
        oxt_json_kstr(j, OXT_PF_TIMEZONE, f->timezone_error);
    }
    oxt_json_end(j);
}

static void json_options(oxt_json_t *j, const prefs_t *pf, apr_pool_t *p)
{
    const oxt_tz_t *tz;
    int i, n;

    oxt_mod_page_json_languages(j, pf->languages, 0);
    oxt_json_karray(j, "timezones");
    tz = oxt_tz_list(&n);
    for (i = 0; i < n; i++) {
        oxt_json_object(j);
        oxt_json_kstr(j, "name", tz[i].name);
        oxt_json_kstr(j, "label", oxt_tz_label(&tz[i], p));
        oxt_json_end(j);
    }
    oxt_json_end(j);
}

static int prefs_json(oxt_mod_page_ctx_t *ctx, const prefs_t *pf, int status)
{
    const oxt_prefs_form_t *f = &pf->form;
    oxt_sink_t *sink = oxt_mod_page_start(ctx, status);
    oxt_json_t *j = oxt_json_make(sink, 0, ctx->r->pool);

    oxt_json_object(j);
    oxt_json_kbool(j, "ok", status == HTTP_OK);
    oxt_json_kstr(j, "level", oxt_level_name(f->level));
    oxt_json_kint(j, "id", f->id);
    oxt_json_kstr(j, "name", pf->row.name);
    oxt_json_kint(j, OXT_PF_QUOTA, f->quota_mb);
    oxt_json_kbool(j, "quota_inherited", !f->quota_own);
    if (f->level != OXT_LEVEL_DOMAIN) {
        json_nullable(j, OXT_PF_MAX, f->max_mb);
    }
    json_nullable(j, "parent_max_quota_mb", f->parent_max_mb);
    oxt_json_kstr(j, OXT_PF_LANGUAGE, f->language);
    oxt_json_kstr(j, OXT_PF_TIMEZONE, f->timezone);
    if (status != HTTP_OK) {
        json_errors(j, f);
    }
    else {
        json_options(j, pf, ctx->r->pool);
    }
    oxt_json_end(j);
    return oxt_mod_page_end(ctx, sink, oxt_json_finish(j),
                            oxt_json_error(j));
}

/* ---- the page ------------------------------------------------------------------------ */

static int prefs_post(oxt_mod_page_ctx_t *ctx, prefs_t *pf)
{
    request_rec *r = ctx->r;
    const oxt_form_t *fm = ctx->form;
    const char *by = *ctx->ident->name ? ctx->ident->name : ctx->ident->login;
    long long nums[2];
    apr_status_t rv;

    rv = oxt_prefs_form_check(&pf->form, oxt_form_get(fm, OXT_PF_QUOTA),
                              oxt_form_get(fm, OXT_PF_MAX),
                              oxt_form_get(fm, OXT_PF_LANGUAGE),
                              oxt_form_get(fm, OXT_PF_TIMEZONE),
                              pf->languages, r->pool);
    if (rv != APR_SUCCESS) {
        return ctx->json ? prefs_json(ctx, pf, HTTP_BAD_REQUEST)
                         : prefs_html(ctx, pf, HTTP_BAD_REQUEST);
    }
    rv = oxt_prefs_form_save(ctx->db, &pf->form, by, ctx->res, r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(05521)
                      "prefs: %s", oxt_result_text(ctx->res, r->pool));
        return oxt_mod_fail(r, oxt_mod_http_status(rv), "unavailable",
                            "The preferences cannot be saved right now.",
                            NULL);
    }
    nums[0] = pf->list;
    nums[1] = ctx->id;
    return oxt_mod_page_redirect(ctx, prefs_list_url(ctx, pf->list), "prefs",
                                 nums, 2, apr_pstrcat(r->pool,
                                 "The preferences of ", pf->row.name,
                                 " are saved.", NULL));
}

int oxt_mod_page_prefs(oxt_mod_page_ctx_t *ctx)
{
    prefs_t pf;
    int status;

    memset(&pf, 0, sizeof(pf));
    status = prefs_load(&pf, ctx);
    if (status != OK) {
        return status;
    }
    if (ctx->post) {
        return prefs_post(ctx, &pf);
    }
    return ctx->json ? prefs_json(ctx, &pf, HTTP_OK)
                     : prefs_html(ctx, &pf, HTTP_OK);
}
