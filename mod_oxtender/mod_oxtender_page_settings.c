/*
 * mod_oxtender_page_settings.c — the Settings page (settings, admin only)
 * and its JSON twin: every field of the core's settings table marked
 * OXT_SETTING_PAGE, grouped as the guide groups them. OK saves the form
 * only when every field is valid (oxt_settings_form_save), else the page
 * comes back with one message next to each refused field and nothing
 * saved; Test connection (a second submit button of the same form) checks
 * the form exactly as OK does and, only when every field is valid, calls
 * OX with the entered values (oxt_settings_form_test, oxt_oxlink_test)
 * and says what it found, saving nothing. The stored password is never
 * written into the page: an empty password field keeps it, for the
 * stored OX server and account only (elsewhere it must be typed). Rules,
 * defaults and messages are the core's (oxt_settings.h).
 */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "mod_oxtender_page.h"
#include "oxt_crypto.h"
#include "oxt_log.h"
#include "oxt_oxlink.h"
#include "oxt_settings.h"
#include "oxt_status.h"
#include "oxt_tz.h"
#include "oxt_util.h"

APLOG_USE_MODULE(oxtender);

/* The guide's sections, and the settings of each, in order. */
static const char *const sec_link[] = {
    "ox_connection_type", "ox_host", "ox_username", "ox_password",
    "ox_use_https", NULL
};
static const char *const sec_soap[] = { "soap_timeout_s", "debug_api", NULL };
static const char *const sec_repl[] = {
    "imap_server", "smtp_server", "default_quota_mb", "ox_languages",
    "default_language", "default_timezone", "auto_delete", NULL
};
static const char *const sec_logs[] = {
    "log_retention_days", "log_max_rows", NULL
};

static const struct {
    const char *legend;
    const char *const *keys;
} sections[] = {
    { "OX Infrastructure Link", sec_link },
    { "SOAP API Preferences", sec_soap },
    { "Replication Preferences", sec_repl },
    { "Replication Logs", sec_logs },
};

#define NSECTIONS ((int)(sizeof(sections) / sizeof(sections[0])))

static const char plesk_language[] = "Plesk language on replicated accounts";
static const char plesk_timezone[] = "Plesk server time zone";
static const char intro[] =
    "Use this page to setup your connection to the Open Xchange server and"
    " also set the replication preferences.";

typedef struct settings_pg_t {
    oxt_settings_t *current;       /* as stored (no key: no password) */
    apr_array_header_t *catalogue; /* oxt_language_t, by name */
    apr_table_t *shown;            /* key -> the text in the field */
    apr_hash_t *errors;            /* key -> its message */
    const oxt_oxlink_test_t *test; /* Test connection's answer, or NULL */
    int saved_error;               /* the save failed for another reason */
} settings_pg_t;

/* ---- loading ---------------------------------------------------------------- */

static int settings_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv,
                           const char *what)
{
    request_rec *r = ctx->r;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(06200)
                  "settings: %s: %s", what,
                  oxt_result_text(ctx->res, r->pool));
    return oxt_mod_fail(r, oxt_mod_http_status(rv), "unavailable",
                        "The settings cannot be shown or saved right now.",
                        NULL);
}

/* The stored values as the fields show them. */
static apr_table_t *stored_texts(const oxt_settings_t *st, apr_pool_t *p)
{
    apr_table_t *t = apr_table_make(p, 24);
    const oxt_setting_t *tab;
    const char *v;
    int n, i;

    tab = oxt_settings_table(&n);
    for (i = 0; i < n; i++) {
        if (!(tab[i].flags & OXT_SETTING_PAGE)) {
            continue;
        }
        v = oxt_setting_text(st, &tab[i], p);
        if (v != NULL) {
            apr_table_setn(t, tab[i].key, v);
        }
    }
    return t;
}

static int settings_load(settings_pg_t *sp, oxt_mod_page_ctx_t *ctx)
{
    apr_pool_t *p = ctx->r->pool;
    apr_status_t rv;

    rv = oxt_settings_load(&sp->current, ctx->db, NULL, ctx->res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_languages(&sp->catalogue, ctx->db, ctx->res, p);
    }
    if (rv != APR_SUCCESS) {
        return settings_failed(ctx, rv, "load");
    }
    sp->shown = stored_texts(sp->current, p);
    sp->errors = apr_hash_make(p);
    return OK;
}

/* The posted form as the core takes it (key -> text): the page's fields
 * only; the OX languages' multi-select as one comma-separated list. */
static apr_table_t *posted_values(const oxt_form_t *form, apr_pool_t *p)
{
    apr_table_t *t = apr_table_make(p, 24);
    const oxt_setting_t *tab;
    apr_array_header_t *many;
    const char *v;
    int n, i;

    tab = oxt_settings_table(&n);
    for (i = 0; i < n; i++) {
        if (!(tab[i].flags & OXT_SETTING_PAGE)) {
            continue;
        }
        if (tab[i].type == OXT_SETTING_LANGUAGES) {
            many = oxt_form_values(form, tab[i].key, p);
            v = apr_array_pstrcat(p, many, ',');
        }
        else {
            v = oxt_form_get(form, tab[i].key);
        }
        if (v != NULL) {
            apr_table_setn(t, tab[i].key, v);
        }
    }
    return t;
}

/* ---- HTML: one field ------------------------------------------------------------ */

/* Is code among the comma-separated codes of list? */
static int in_list(const char *list, const char *code)
{
    apr_size_t n = strlen(code);
    const char *s;

    for (s = list; s != NULL && *s; s = strchr(s, ',') ? strchr(s, ',') + 1
                                                       : NULL) {
        if (strncmp(s, code, n) == 0 && (s[n] == ',' || s[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

static void field_languages(oxt_html_t *h, const settings_pg_t *sp,
                            oxt_field_t *fd, apr_pool_t *p)
{
    const apr_array_header_t *cat = sp->catalogue;
    oxt_option_t *opts = apr_pcalloc(p, sizeof(*opts)
                                     * (apr_size_t)(cat->nelts + 1));
    const oxt_language_t *l;
    int i;

    for (i = 0; i < cat->nelts; i++) {
        l = &APR_ARRAY_IDX(cat, i, oxt_language_t);
        opts[i].value = l->code;
        opts[i].label = l->name;
        opts[i].selected = in_list(fd->value, l->code);
    }
    fd->hint = "Choose as many as you wish (Ctrl or Cmd and click).";
    oxt_page_field_select(h, fd, opts, cat->nelts, 1);
}

/* The default language: Plesk's, or any language of the catalogue, so a
 * language chosen above can be made the default in the same save; the
 * core refuses one that is not chosen (oxt_settings_check), and
 * oxtender.js narrows the options to the chosen ones as they are
 * chosen. */
static void field_default_language(oxt_html_t *h, const settings_pg_t *sp,
                                   oxt_field_t *fd, apr_pool_t *p)
{
    const apr_array_header_t *cat = sp->catalogue;
    oxt_option_t *opts = apr_pcalloc(p, sizeof(*opts)
                                     * (apr_size_t)(cat->nelts + 1));
    const oxt_language_t *l;
    int i;

    opts[0].value = OXT_SETTINGS_PLESK;
    opts[0].label = plesk_language;
    opts[0].selected = strcmp(fd->value, OXT_SETTINGS_PLESK) == 0;
    for (i = 0; i < cat->nelts; i++) {
        l = &APR_ARRAY_IDX(cat, i, oxt_language_t);
        opts[i + 1].value = l->code;
        opts[i + 1].label = l->name;
        opts[i + 1].selected = strcmp(fd->value, l->code) == 0;
    }
    fd->hint = "One of the OX languages chosen above.";
    oxt_page_field_select(h, fd, opts, cat->nelts + 1, 0);
}

static void field_timezone(oxt_html_t *h, oxt_field_t *fd, apr_pool_t *p)
{
    int n, i;
    const oxt_tz_t *tz = oxt_tz_list(&n);
    oxt_option_t *opts = apr_pcalloc(p, sizeof(*opts) * (apr_size_t)(n + 1));

    opts[0].value = OXT_SETTINGS_PLESK;
    opts[0].label = plesk_timezone;
    opts[0].selected = strcmp(fd->value, OXT_SETTINGS_PLESK) == 0;
    for (i = 0; i < n; i++) {
        opts[i + 1].value = tz[i].name;
        opts[i + 1].label = oxt_tz_label(&tz[i], p);
        opts[i + 1].selected = strcmp(fd->value, tz[i].name) == 0;
    }
    oxt_page_field_select(h, fd, opts, n + 1, 0);
}

static void field_enum(oxt_html_t *h, const oxt_setting_t *def,
                       oxt_field_t *fd, apr_pool_t *p)
{
    oxt_option_t opts[8];
    int i;

    for (i = 0; def->choices[i] != NULL && i < 8; i++) {
        opts[i].value = def->choices[i];
        /* The guide's words: "cloud" is an OX reseller's account. */
        opts[i].label = strcmp(def->choices[i], "reseller") == 0
            ? "cloud (an OX reseller's account)"
            : strcmp(def->choices[i], "standalone") == 0
            ? "standalone (the OX administrator's account)"
            : def->choices[i];
        opts[i].selected = strcmp(fd->value, def->choices[i]) == 0;
    }
    (void)p;
    oxt_page_field_select(h, fd, opts, i, 0);
}

/* Suffixes and hints of the page (the labels are the table's). */
static void field_words(oxt_field_t *fd, const oxt_setting_t *def)
{
    if (strcmp(def->key, "soap_timeout_s") == 0) {
        fd->suffix = "seconds";
    }
    else if (strcmp(def->key, "default_quota_mb") == 0) {
        fd->suffix = "MB";
    }
    else if (def->type == OXT_SETTING_SERVER) {
        fd->suffix = "(Hostname/IP : Port)";
        fd->hint = def->min == 143 ? "Without a port, 143 (IMAP)."
                                   : "Without a port, 25 (SMTP).";
    }
    else if (strcmp(def->key, "ox_host") == 0) {
        fd->hint = "An IPv6 address goes in brackets: [2001:db8::1].";
    }
}

static void field_secret(oxt_html_t *h, const settings_pg_t *sp,
                         const oxt_setting_t *def, oxt_field_t *fd)
{
    int set = oxt_setting_secret(sp->current, def)->set;

    fd->type = "password";
    fd->value = NULL;
    /* With one stored the field may stay empty: the browser must not
     * insist on it. */
    fd->required = !set;
    fd->hint = set ? "A password is stored. Leave the field empty to keep"
                     " it, for the stored OX server and account only."
                   : NULL;
    oxt_page_field_input(h, fd);
}

static void field_one(oxt_html_t *h, const settings_pg_t *sp,
                      const oxt_setting_t *def, apr_pool_t *p)
{
    const char *v = apr_table_get(sp->shown, def->key);
    oxt_field_t fd;

    memset(&fd, 0, sizeof(fd));
    fd.name = def->key;
    fd.label = def->label;
    fd.value = v ? v : "";
    fd.required = def->required != NULL;
    fd.error = apr_hash_get(sp->errors, def->key, APR_HASH_KEY_STRING);
    field_words(&fd, def);
    if (def->type == OXT_SETTING_SECRET) {
        field_secret(h, sp, def, &fd);
    }
    else if (def->type == OXT_SETTING_BOOL) {
        oxt_page_field_checkbox(h, &fd, strcmp(fd.value, "1") == 0);
    }
    else if (def->type == OXT_SETTING_ENUM) {
        field_enum(h, def, &fd, p);
    }
    else if (def->type == OXT_SETTING_LANGUAGES) {
        field_languages(h, sp, &fd, p);
    }
    else if (strcmp(def->key, "default_language") == 0) {
        field_default_language(h, sp, &fd, p);
    }
    else if (strcmp(def->key, "default_timezone") == 0) {
        field_timezone(h, &fd, p);
    }
    else {
        fd.type = def->type == OXT_SETTING_INT ? "number" : "text";
        fd.maxlength = def->type == OXT_SETTING_TEXT ? (int)def->max : 300;
        oxt_page_field_input(h, &fd);
    }
}

/* ---- HTML: the page ------------------------------------------------------------ */

/* What Test connection found, in words. */
static const char *test_text(const oxt_oxlink_test_t *t, apr_pool_t *p)
{
    const char *took = apr_pstrcat(p, oxt_util_lld(t->elapsed_ms, p),
                                   " ms", NULL);

    if (t->status == APR_SUCCESS) {
        return apr_pstrcat(p, "Test connection: OX answered at ", t->url,
                           " in ", took, " and accepted the credentials."
                           " Nothing was saved.", NULL);
    }
    return apr_pstrcat(p, "Test connection failed: ",
                       t->problem ? t->problem : "no answer",
                       t->detail ? " (" : "", t->detail ? t->detail : "",
                       t->detail ? ")" : "", ". ",
                       !t->called ? "Nothing was sent to OX."
                       : t->reached ? apr_pstrcat(p, "OX answered in ", took,
                                                  t->credentials == 0
                                                  ? "; the credentials were"
                                                    " refused." : ".", NULL)
                       : t->tls_problem ? "The HTTPS connection could not be"
                                          " set up."
                       : apr_pstrcat(p, "OX was not reached (", took, ").",
                                     NULL),
                       " Nothing was saved.", NULL);
}

static void settings_sections(oxt_html_t *h, const settings_pg_t *sp,
                              apr_pool_t *p)
{
    const oxt_setting_t *def;
    int s, i;

    for (s = 0; s < NSECTIONS; s++) {
        OXT_HTML_LIT(h, "<fieldset class=\"oxt-fieldset\"><legend>");
        oxt_html_text(h, sections[s].legend);
        OXT_HTML_LIT(h, "</legend>\n");
        for (i = 0; sections[s].keys[i] != NULL; i++) {
            def = oxt_setting_find(sections[s].keys[i]);
            if (def != NULL) {
                field_one(h, sp, def, p);
            }
        }
        OXT_HTML_LIT(h, "</fieldset>\n");
    }
}

static void settings_buttons(oxt_html_t *h, const oxt_mod_page_ctx_t *ctx)
{
    oxt_url_t *home = oxt_mod_page_url(ctx);

    OXT_HTML_LIT(h, "<div class=\"oxt-buttons\"><button type=\"submit\""
                 " name=\"ok\" value=\"1\" class=\"oxt-button oxt-primary\">"
                 "OK</button> <button type=\"submit\" name=\"test\""
                 " value=\"1\" formnovalidate class=\"oxt-button\">"
                 "Test connection</button> <a class=\"oxt-button\"");
    oxt_html_attr_url(h, "href", home);
    OXT_HTML_LIT(h, ">Cancel</a></div>\n");
}

static int settings_html(oxt_mod_page_ctx_t *ctx, const settings_pg_t *sp,
                         int status)
{
    request_rec *r = ctx->r;
    oxt_sink_t *sink = oxt_mod_page_start(ctx, status);
    oxt_html_t *h = oxt_html_make(sink, r->pool);
    oxt_url_t *self = oxt_mod_page_url(ctx);
    oxt_crumb_t path[1] = { { "Settings", NULL } };
    oxt_page_t pg;

    oxt_mod_page_shell(&pg, ctx, "Settings", OXT_TAB_SETTINGS);
    pg.crumbs = path;
    pg.ncrumbs = 1;
    if (status != HTTP_OK && sp->test != NULL) {
        pg.error = test_text(sp->test, r->pool);
    }
    else if (status != HTTP_OK) {
        pg.error = sp->saved_error ? "The settings could not be saved."
                   : "Nothing was saved: please correct the fields marked.";
    }
    else if (sp->test != NULL && sp->test->status != APR_SUCCESS) {
        pg.error = test_text(sp->test, r->pool);
    }
    else if (sp->test != NULL) {
        pg.info = test_text(sp->test, r->pool);
    }
    else if (ctx->msg != NULL && strcmp(ctx->msg, "settings") == 0) {
        pg.info = "The settings are saved.";
    }
    oxt_page_begin(h, &pg);
    OXT_HTML_LIT(h, "<p>");
    oxt_html_text(h, intro);
    OXT_HTML_LIT(h, "</p>\n");
    OXT_URL_WORD(self, "settings");
    oxt_page_form_begin(h, self, ctx->csrf, "oxt-settings-form", 0);
    settings_sections(h, sp, r->pool);
    oxt_page_required_note(h);
    settings_buttons(h, ctx);
    oxt_page_form_end(h);
    oxt_page_end(h, &pg);
    return oxt_mod_page_end(ctx, sink, oxt_html_finish(h),
                            oxt_html_error(h));
}

/* ---- JSON -------------------------------------------------------------------------- */

static void json_values(oxt_json_t *j, const settings_pg_t *sp)
{
    /* The page has one secret, the OX password. */
    const oxt_setting_t *tab;
    int n, i;

    tab = oxt_settings_table(&n);
    oxt_json_kobject(j, "settings");
    for (i = 0; i < n; i++) {
        if (!(tab[i].flags & OXT_SETTING_PAGE)) {
            continue;
        }
        if (tab[i].type == OXT_SETTING_SECRET) {
            /* whether one is stored; never the password */
            oxt_json_kbool(j, "ox_password_set",
                           oxt_setting_secret(sp->current, &tab[i])->set);
            continue;
        }
        oxt_json_kstr(j, tab[i].key, apr_table_get(sp->shown, tab[i].key));
    }
    oxt_json_end(j);
}

static void json_fields(oxt_json_t *j)
{
    const oxt_setting_t *tab;
    int n, i;

    tab = oxt_settings_table(&n);
    oxt_json_karray(j, "fields");
    for (i = 0; i < n; i++) {
        if (tab[i].flags & OXT_SETTING_PAGE) {
            oxt_json_object(j);
            oxt_json_kstr(j, "key", tab[i].key);
            oxt_json_kstr(j, "label", tab[i].label);
            oxt_json_kbool(j, "required", tab[i].required != NULL);
            oxt_json_end(j);
        }
    }
    oxt_json_end(j);
}

static void json_test(oxt_json_t *j, const oxt_oxlink_test_t *t,
                      apr_pool_t *p)
{
    oxt_json_kobject(j, "test");
    oxt_json_kbool(j, "ok", t->status == APR_SUCCESS);
    oxt_json_kbool(j, "called", t->called);
    oxt_json_kbool(j, "reached", t->reached);
    if (t->credentials < 0) {
        oxt_json_knull(j, "credentials");
    }
    else {
        oxt_json_kbool(j, "credentials", t->credentials);
    }
    oxt_json_kbool(j, "tls_problem", t->tls_problem);
    oxt_json_kint(j, "http_status", t->http_status);
    oxt_json_kint(j, "elapsed_ms", t->elapsed_ms);
    oxt_json_kint(j, "timeout_s", t->timeout_s);
    oxt_json_kstr(j, "url", t->url);
    oxt_json_kstr(j, "problem", t->problem);
    oxt_json_kstr(j, "detail", t->detail);
    oxt_json_kstr(j, "text", test_text(t, p));
    oxt_json_end(j);
}

static int settings_json(oxt_mod_page_ctx_t *ctx, const settings_pg_t *sp,
                         int status)
{
    oxt_sink_t *sink = oxt_mod_page_start(ctx, status);
    oxt_json_t *j = oxt_json_make(sink, 0, ctx->r->pool);
    apr_hash_index_t *hi;

    oxt_json_object(j);
    oxt_json_kbool(j, "ok", status == HTTP_OK);
    json_values(j, sp);
    if (status != HTTP_OK) {
        oxt_json_kobject(j, "errors");
        for (hi = apr_hash_first(ctx->r->pool, sp->errors); hi;
             hi = apr_hash_next(hi)) {
            oxt_json_kstr(j, apr_hash_this_key(hi), apr_hash_this_val(hi));
        }
        oxt_json_end(j);
    }
    if (sp->test != NULL) {
        json_test(j, sp->test, ctx->r->pool);
    }
    json_fields(j);
    oxt_mod_page_json_languages(j, sp->catalogue, 1);
    oxt_json_end(j);
    return oxt_mod_page_end(ctx, sink, oxt_json_finish(j),
                            oxt_json_error(j));
}

static int settings_show(oxt_mod_page_ctx_t *ctx, const settings_pg_t *sp,
                         int status)
{
    return ctx->json ? settings_json(ctx, sp, status)
                     : settings_html(ctx, sp, status);
}

/* ---- POST: OK and Test connection --------------------------------------------------- */

/* The seal key of the secrets (the stored password), read from the
 * configured key file. */
static apr_status_t seal_key(const unsigned char **pkey,
                             oxt_mod_page_ctx_t *ctx)
{
    const oxt_mod_srv_t *conf = ap_get_module_config(
        ctx->r->server->module_config, &oxtender_module);
    oxt_crypto_keys_t keys;
    apr_status_t rv;

    if (conf->cfg == NULL || conf->cfg->secret_key_file == NULL) {
        return OXT_ECONFIG;
    }
    rv = oxt_crypto_keys_load(&keys, conf->cfg->secret_key_file, ctx->res,
                              ctx->r->pool);
    *pkey = rv == APR_SUCCESS ? keys.seal : NULL;
    return rv;
}

/* The refused fields' messages, next to their fields. */
static void settings_errors(settings_pg_t *sp,
                            const apr_array_header_t *errors)
{
    const oxt_settings_error_t *e;
    int i;

    for (i = 0; errors != NULL && i < errors->nelts; i++) {
        e = &APR_ARRAY_IDX(errors, i, oxt_settings_error_t);
        if (apr_hash_get(sp->errors, e->key, APR_HASH_KEY_STRING) == NULL) {
            apr_hash_set(sp->errors, e->key, APR_HASH_KEY_STRING,
                         e->message);
        }
    }
}

/* Test connection refused before anything is sent: a field is not valid
 * (the messages are next to the fields). */
static oxt_oxlink_test_t *test_refused(const settings_pg_t *sp,
                                       apr_pool_t *p)
{
    oxt_oxlink_test_t *t = apr_pcalloc(p, sizeof(*t));

    t->status = APR_EINVAL;
    t->credentials = -1;
    t->timeout_s = sp->current->soap_timeout_s;
    t->problem = "Not every field is valid";
    t->detail = "correct the fields marked first";
    return t;
}

/* Test connection: the form checked as OK checks it; when every field
 * is valid, the stored settings with the password and the form's values
 * over them, one harmless call. Nothing is saved. */
static int settings_test(oxt_mod_page_ctx_t *ctx, settings_pg_t *sp,
                         const apr_table_t *form)
{
    apr_pool_t *p = ctx->r->pool;
    const unsigned char *key = NULL;
    apr_array_header_t *errors = NULL;
    oxt_settings_t *withkey, *st = NULL;
    oxt_oxlink_test_t *t;
    apr_status_t rv;

    rv = seal_key(&key, ctx);
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&withkey, ctx->db, key, ctx->res, p);
    }
    if (rv != APR_SUCCESS) {
        return settings_failed(ctx, rv, "test connection");
    }
    if (oxt_settings_form_test(&st, &errors, form, withkey, sp->catalogue,
                               p) != APR_SUCCESS) {
        settings_errors(sp, errors);
        t = test_refused(sp, p);
    }
    else {
        oxt_oxlink_test(&t, st, p);
    }
    sp->test = t;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, ctx->r, OXTLOGNO(06201)
                  "settings: test connection by %s: %s%s%s",
                  ctx->ident->login, t->status == APR_SUCCESS ? "ok"
                  : t->problem ? t->problem : "failed",
                  t->url ? " at " : "", t->url ? t->url : "");
    return settings_show(ctx, sp, st != NULL ? HTTP_OK : HTTP_BAD_REQUEST);
}

static int settings_save(oxt_mod_page_ctx_t *ctx, settings_pg_t *sp,
                         const apr_table_t *form)
{
    apr_pool_t *p = ctx->r->pool;
    const char *by = *ctx->ident->name ? ctx->ident->name : ctx->ident->login;
    const unsigned char *key = NULL;
    apr_array_header_t *errors = NULL;
    apr_status_t rv;

    rv = seal_key(&key, ctx);
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_form_save(&errors, ctx->db, form, sp->current, key,
                                    by, ctx->res, p);
    }
    if (rv == APR_SUCCESS) {
        oxt_url_t *self = oxt_mod_page_url(ctx);

        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, ctx->r, OXTLOGNO(06202)
                      "settings saved by %s", ctx->ident->login);
        OXT_URL_WORD(self, "settings");
        return oxt_mod_page_redirect(ctx, self, "settings", NULL, 0,
                                     "The settings are saved.");
    }
    if (rv != APR_EINVAL || errors == NULL || errors->nelts == 0) {
        return settings_failed(ctx, rv, "save");
    }
    settings_errors(sp, errors);
    return settings_show(ctx, sp, HTTP_BAD_REQUEST);
}

/* The fields show what was posted: the form's values, an unticked box
 * as "0"; never a password. */
static void posted_shown(settings_pg_t *sp, const apr_table_t *form)
{
    const apr_array_header_t *arr = apr_table_elts(form);
    const apr_table_entry_t *e;
    const oxt_setting_t *tab;
    int n, i;

    for (i = 0; i < arr->nelts; i++) {
        e = &APR_ARRAY_IDX(arr, i, apr_table_entry_t);
        apr_table_set(sp->shown, e->key, e->val);
    }
    tab = oxt_settings_table(&n);
    for (i = 0; i < n; i++) {
        if (!(tab[i].flags & OXT_SETTING_PAGE)) {
            continue;
        }
        if (tab[i].type == OXT_SETTING_SECRET) {
            apr_table_unset(sp->shown, tab[i].key);
        }
        else if (tab[i].type == OXT_SETTING_BOOL
                 && apr_table_get(form, tab[i].key) == NULL) {
            apr_table_setn(sp->shown, tab[i].key, "0");
        }
    }
}

int oxt_mod_page_settings(oxt_mod_page_ctx_t *ctx)
{
    settings_pg_t sp;
    apr_table_t *form;
    int status;

    memset(&sp, 0, sizeof(sp));
    status = settings_load(&sp, ctx);
    if (status != OK || !ctx->post) {
        return status != OK ? status : settings_show(ctx, &sp, HTTP_OK);
    }
    form = posted_values(ctx->form, ctx->r->pool);
    posted_shown(&sp, form);
    if (oxt_form_get(ctx->form, "test") != NULL) {
        return settings_test(ctx, &sp, form);
    }
    return settings_save(ctx, &sp, form);
}
