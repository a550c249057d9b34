/*
 * mod_oxtender_page_mbchange.c — the POST of the Mailboxes page: "Apply
 * Your Changes". The OX Service ticks that changed are recorded at once;
 * with mailboxes ticked for Change Service the Change Service dialog
 * comes first (a page of its own, so it works without JavaScript): the
 * service type, "Replicated User's Local Settings in OX" and "New User's
 * Local Settings in OX". Its OK (step=record) records everything through
 * the core (oxt_service_change_record: subtree, choices, queue) and goes
 * back to the list with the core's Info message. A mailbox id outside the
 * caller's part of the server, or one the list did not show, is answered
 * 404 like a missing one and nothing is written.
 */
#include <string.h>
#include <httpd.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "mod_oxtender_list.h"
#include "mod_oxtender_mailboxes.h"
#include "oxt_licstate.h"
#include "oxt_log.h"
#include "oxt_service.h"
#include "oxt_tz.h"
#include "oxt_util.h"

APLOG_USE_MODULE(oxtender);

typedef struct mbc_t {
    oxt_mod_mbox_t mb;
    apr_array_header_t *row_ids;   /* row=: the rows the list showed */
    apr_hash_t *shown, *change, *ticked;
    apr_hash_t *rows;              /* id -> oxt_mblist_row_t *, as now */
    int record;                    /* step=record: the dialog's OK */
    oxt_service_change_t req;
    apr_array_header_t *ids;       /* the ids the message names, in order */
    int nchange;                   /* targets with Change Service */
    apr_array_header_t *errors;    /* oxt_settings_error_t */
    apr_array_header_t *languages; /* oxt_language_t enabled in Settings */
    unsigned allowed;              /* OXT_SERVICE_BIT of the service types
                                      the license in force allows */
} mbc_t;

static const char plesk_language[] = "Plesk language on replicated accounts";
static const char plesk_timezone[] = "Plesk server time zone";

/* ---- reading the form ---------------------------------------------------------- */

/* The ids of the form: 400 when malformed, 404 when a tick names a row
 * the list did not show. */
static int mbc_read(mbc_t *c, oxt_mod_page_ctx_t *ctx)
{
    request_rec *r = ctx->r;
    const char *step = oxt_form_get(ctx->form, "step");
    apr_pool_t *p = r->pool;

    if (oxt_mod_list_ids(&c->shown, &c->row_ids, ctx->form, "row", p)
        != APR_SUCCESS
        || oxt_mod_list_ids(&c->change, NULL, ctx->form, "change", p)
           != APR_SUCCESS
        || oxt_mod_list_ids(&c->ticked, NULL, ctx->form, "ox_service", p)
           != APR_SUCCESS
        || (step != NULL && strcmp(step, "record") != 0)) {
        return oxt_mod_fail(r, HTTP_BAD_REQUEST, "bad_form",
                            "The form could not be read.", NULL);
    }
    c->record = step != NULL;
    if (!oxt_mod_list_within(c->change, c->shown, p)
        || !oxt_mod_list_within(c->ticked, c->shown, p)) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such mailbox.", NULL);
    }
    return OK;
}

/* The rows as they are now, each the caller's: else 404. */
static int mbc_rows(mbc_t *c, oxt_mod_page_ctx_t *ctx)
{
    apr_status_t rv;

    rv = oxt_mblist_rows_get(&c->rows, ctx->psa, ctx->db, ctx->ident,
                             c->row_ids, c->mb.settings, ctx->res,
                             ctx->r->pool);
    if (rv != APR_SUCCESS) {
        return oxt_mod_mbox_failed(ctx, rv, "rows");
    }
    if (apr_hash_count(c->rows) != apr_hash_count(c->shown)) {
        return oxt_mod_fail(ctx->r, HTTP_NOT_FOUND, "not_found",
                            "There is no such mailbox.", NULL);
    }
    return OK;
}

/* One target per row with something to do: a tick that differs from the
 * one in effect (a forward-only address has none), Change Service. The
 * ids of the message: those changed, else those ticked. */
static void mbc_targets(mbc_t *c, apr_pool_t *p)
{
    apr_array_header_t *ticks = apr_array_make(p, 8, sizeof(long long));
    const oxt_mblist_row_t *row;
    long long id;
    int i, tick, change, posted;

    oxt_service_change_init(&c->req, p);
    c->ids = apr_array_make(p, 8, sizeof(long long));
    for (i = 0; i < c->row_ids->nelts; i++) {
        id = APR_ARRAY_IDX(c->row_ids, i, long long);
        row = oxt_util_id_get(c->rows, id);
        posted = oxt_util_id_get(c->ticked, id) != NULL;
        tick = row->postbox && posted != row->ox_service ? posted : -1;
        change = oxt_util_id_get(c->change, id) != NULL;
        if (tick < 0 && !change) {
            continue;
        }
        oxt_service_change_add(&c->req, id, tick, change);
        c->nchange += change;
        APR_ARRAY_PUSH(change ? c->ids : ticks, long long) = id;
    }
    if (c->nchange == 0) {
        c->ids = ticks;
    }
}

/* The dialog's choices (step=record). */
static void mbc_choices(mbc_t *c, const oxt_form_t *f)
{
    const char *svc = oxt_form_get(f, "service");
    oxt_service_t s;

    c->req.service = -1;
    if (svc != NULL && *svc && strcmp(svc, "keep") != 0) {
        c->req.service = oxt_service_parse(&s, svc) == APR_SUCCESS
                         ? (int)s : OXT_SERVICE_COUNT;
    }
    oxt_service_choice_parse(&c->req.replicated.language,
                             oxt_form_get(f, "replicated_language"));
    oxt_service_choice_parse(&c->req.replicated.timezone,
                             oxt_form_get(f, "replicated_timezone"));
    oxt_service_choice_parse(&c->req.fresh.language,
                             oxt_form_get(f, "new_language"));
    oxt_service_choice_parse(&c->req.fresh.timezone,
                             oxt_form_get(f, "new_timezone"));
}

/* ---- the dialog: HTML ---------------------------------------------------------- */

static const char *mbc_error(const mbc_t *c, const char *key)
{
    const oxt_settings_error_t *e;
    int i;

    for (i = 0; c->errors != NULL && i < c->errors->nelts; i++) {
        e = &APR_ARRAY_IDX(c->errors, i, oxt_settings_error_t);
        if (strcmp(e->key, key) == 0) {
            return e->message;
        }
    }
    return NULL;
}

static void field_error(oxt_html_t *h, const char *id, const char *msg)
{
    if (msg == NULL) {
        return;
    }
    OXT_HTML_LIT(h, "<p class=\"oxt-field-error\"");
    oxt_html_attr(h, "id", id);
    OXT_HTML_LIT(h, " role=\"alert\">");
    oxt_html_text(h, msg);
    OXT_HTML_LIT(h, "</p>");
}

static void service_radio(oxt_html_t *h, const char *value,
                          const char *label, int checked)
{
    OXT_HTML_LIT(h, "<label class=\"oxt-radio\"><input type=\"radio\""
                 " name=\"service\"");
    oxt_html_attr(h, "value", value);
    oxt_html_attr_flag(h, "checked", checked);
    OXT_HTML_LIT(h, "> ");
    oxt_html_text(h, label);
    OXT_HTML_LIT(h, "</label>\n");
}

static void field_service(oxt_html_t *h, const mbc_t *c)
{
    int s;

    OXT_HTML_LIT(h, "<fieldset class=\"oxt-fieldset\"><legend>Service Type"
                 " for Selected Mailbox(es)</legend>\n");
    service_radio(h, "keep", "Do not change", c->req.service < 0);
    for (s = 0; s < OXT_SERVICE_COUNT; s++) {
        if (c->allowed & OXT_SERVICE_BIT(s)) {
            service_radio(h, oxt_service_code((oxt_service_t)s),
                          oxt_service_label((oxt_service_t)s),
                          c->req.service == s);
        }
    }
    field_error(h, "err-service", mbc_error(c, "service"));
    OXT_HTML_LIT(h, "</fieldset>\n");
}

/* The choice a select shows selected: what was posted, else keep. */
static int choice_is(const oxt_choice_t *ch, const char *value)
{
    if (strcmp(value, "keep") == 0) {
        return ch->kind == OXT_CHOICE_KEEP;
    }
    if (strcmp(value, OXT_SETTINGS_PLESK) == 0) {
        return ch->kind == OXT_CHOICE_PLESK;
    }
    return ch->kind == OXT_CHOICE_VALUE && strcmp(ch->value, value) == 0;
}

static void field_language(oxt_html_t *h, const mbc_t *c, const char *name,
                           const oxt_choice_t *ch, apr_pool_t *p)
{
    const apr_array_header_t *langs = c->languages;
    oxt_option_t *o = apr_pcalloc(p, sizeof(*o)
                                  * (apr_size_t)(langs->nelts + 2));
    const oxt_language_t *l;
    oxt_field_t fd;
    int i;

    o[0].value = "keep";
    o[0].label = "Do not change";
    o[1].value = OXT_SETTINGS_PLESK;
    o[1].label = plesk_language;
    for (i = 0; i < langs->nelts; i++) {
        l = &APR_ARRAY_IDX(langs, i, oxt_language_t);
        o[i + 2].value = l->code;
        o[i + 2].label = l->name;
    }
    for (i = 0; i < langs->nelts + 2; i++) {
        o[i].selected = choice_is(ch, o[i].value);
    }
    memset(&fd, 0, sizeof(fd));
    fd.name = name;
    fd.label = "User language in OX";
    fd.hint = "The languages enabled in Settings.";
    fd.error = mbc_error(c, name);
    oxt_page_field_select(h, &fd, o, langs->nelts + 2, 0);
}

static void field_timezone(oxt_html_t *h, const mbc_t *c, const char *name,
                           const oxt_choice_t *ch, apr_pool_t *p)
{
    int n, i;
    const oxt_tz_t *tz = oxt_tz_list(&n);
    oxt_option_t *o = apr_pcalloc(p, sizeof(*o) * (apr_size_t)(n + 2));
    oxt_field_t fd;

    o[0].value = "keep";
    o[0].label = "Do not change";
    o[1].value = OXT_SETTINGS_PLESK;
    o[1].label = plesk_timezone;
    for (i = 0; i < n; i++) {
        o[i + 2].value = tz[i].name;
        o[i + 2].label = oxt_tz_label(&tz[i], p);
    }
    for (i = 0; i < n + 2; i++) {
        o[i].selected = choice_is(ch, o[i].value);
    }
    memset(&fd, 0, sizeof(fd));
    fd.name = name;
    fd.label = "User time zone in OX";
    fd.error = mbc_error(c, name);
    oxt_page_field_select(h, &fd, o, n + 2, 0);
}

static void field_locals(oxt_html_t *h, const mbc_t *c, apr_pool_t *p)
{
    OXT_HTML_LIT(h, "<fieldset class=\"oxt-fieldset\"><legend>Replicated"
                 " User's Local Settings in OX</legend>\n<p class=\"oxt-hint\">"
                 "For the selected mailboxes already in OX.</p>\n");
    field_language(h, c, "replicated_language", &c->req.replicated.language,
                   p);
    field_timezone(h, c, "replicated_timezone", &c->req.replicated.timezone,
                   p);
    OXT_HTML_LIT(h, "</fieldset>\n<fieldset class=\"oxt-fieldset\"><legend>"
                 "New User's Local Settings in OX</legend>\n"
                 "<p class=\"oxt-hint\">For the selected mailboxes about to"
                 " be replicated.</p>\n");
    field_language(h, c, "new_language", &c->req.fresh.language, p);
    field_timezone(h, c, "new_timezone", &c->req.fresh.timezone, p);
    OXT_HTML_LIT(h, "</fieldset>\n");
}

/* The ids of a set as hidden fields, in the list's order. */
static void hidden_ids(oxt_html_t *h, const mbc_t *c, const char *name,
                       apr_hash_t *set, apr_pool_t *p)
{
    long long id;
    int i;

    for (i = 0; i < c->row_ids->nelts; i++) {
        id = APR_ARRAY_IDX(c->row_ids, i, long long);
        if (set == NULL || oxt_util_id_get(set, id) != NULL) {
            oxt_page_hidden(h, name, oxt_util_lld(id, p));
        }
    }
}

/* Which mailboxes: the addresses, as names. */
static void dialog_targets(oxt_html_t *h, const mbc_t *c)
{
    const oxt_mblist_row_t *row;
    long long id;
    int i, n = 0;

    OXT_HTML_LIT(h, "<p>Selected mailbox(es): ");
    for (i = 0; i < c->row_ids->nelts; i++) {
        id = APR_ARRAY_IDX(c->row_ids, i, long long);
        row = oxt_util_id_get(c->rows, id);
        if (oxt_util_id_get(c->change, id) != NULL && row != NULL) {
            if (n++) {
                OXT_HTML_LIT(h, ", ");
            }
            oxt_html_name(h, row->address);
        }
    }
    OXT_HTML_LIT(h, "</p>\n");
    field_error(h, "err-mailboxes", mbc_error(c, "mailboxes"));
}

static int dialog_html(oxt_mod_page_ctx_t *ctx, const mbc_t *c, int status)
{
    request_rec *r = ctx->r;
    oxt_sink_t *sink = oxt_mod_page_start(ctx, status);
    oxt_html_t *h = oxt_html_make(sink, r->pool);
    oxt_url_t *self = oxt_mod_mbox_self(ctx, &c->mb);
    oxt_page_t pg;

    oxt_mod_page_shell(&pg, ctx, "Change Service", OXT_TAB_MAILBOXES);
    if (status != HTTP_OK) {
        pg.error = "Nothing was changed: please correct the fields marked.";
    }
    oxt_page_begin(h, &pg);
    oxt_page_dialog_begin(h, NULL, "Change Service", "Choose the service"
                          " type and the local settings in OX of the"
                          " selected mailboxes.");
    oxt_page_form_begin(h, self, ctx->csrf, "oxt-change-form", 0);
    oxt_page_hidden(h, "step", "record");
    hidden_ids(h, c, "row", NULL, r->pool);
    hidden_ids(h, c, "change", c->change, r->pool);
    hidden_ids(h, c, "ox_service", c->ticked, r->pool);
    dialog_targets(h, c);
    field_service(h, c);
    field_locals(h, c, r->pool);
    oxt_page_buttons(h, "OK", self);
    oxt_page_form_end(h);
    oxt_page_dialog_end(h);
    oxt_page_end(h, &pg);
    return oxt_mod_page_end(ctx, sink, oxt_html_finish(h),
                            oxt_html_error(h));
}

/* ---- the dialog: JSON ------------------------------------------------------------ */

static void json_options(oxt_json_t *j, const mbc_t *c)
{
    const oxt_tz_t *tz;
    int i, n;

    oxt_json_karray(j, "services");
    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        if (c->allowed & OXT_SERVICE_BIT(i)) {
            oxt_json_string(j, oxt_service_code((oxt_service_t)i));
        }
    }
    oxt_json_end(j);
    oxt_mod_page_json_languages(j, c->languages, 0);
    oxt_json_karray(j, "timezones");
    tz = oxt_tz_list(&n);
    for (i = 0; i < n; i++) {
        oxt_json_string(j, tz[i].name);
    }
    oxt_json_end(j);
}

static int dialog_json(oxt_mod_page_ctx_t *ctx, const mbc_t *c, int status)
{
    oxt_sink_t *sink = oxt_mod_page_start(ctx, status);
    oxt_json_t *j = oxt_json_make(sink, 0, ctx->r->pool);
    const oxt_settings_error_t *e;
    int i;

    oxt_json_object(j);
    oxt_json_kbool(j, "ok", status == HTTP_OK);
    oxt_json_kstr(j, "dialog", "change_service");
    oxt_json_karray(j, "mailboxes");
    for (i = 0; i < c->ids->nelts; i++) {
        oxt_json_int(j, APR_ARRAY_IDX(c->ids, i, long long));
    }
    oxt_json_end(j);
    if (c->errors != NULL && c->errors->nelts > 0) {
        oxt_json_kobject(j, "errors");
        for (i = 0; i < c->errors->nelts; i++) {
            e = &APR_ARRAY_IDX(c->errors, i, oxt_settings_error_t);
            oxt_json_kstr(j, e->key, e->message);
        }
        oxt_json_end(j);
    }
    else {
        json_options(j, c);
    }
    oxt_json_end(j);
    return oxt_mod_page_end(ctx, sink, oxt_json_finish(j),
                            oxt_json_error(j));
}

static int mbc_dialog(oxt_mod_page_ctx_t *ctx, mbc_t *c, int status)
{
    apr_status_t rv = oxt_settings_languages_allowed(&c->languages, ctx->db,
                                                     ctx->res, ctx->r->pool);

    if (rv != APR_SUCCESS) {
        return oxt_mod_mbox_failed(ctx, rv, "languages");
    }
    return ctx->json ? dialog_json(ctx, c, status)
                     : dialog_html(ctx, c, status);
}

/* ---- recording ------------------------------------------------------------------- */

static int mbc_done(oxt_mod_page_ctx_t *ctx, const mbc_t *c,
                    const oxt_service_result_t *res)
{
    long long nums[3 + OXT_MOD_MBOX_MSG_IDS];
    int i, n = 3;

    nums[0] = c->nchange > 0;
    nums[1] = res->daemon_running;
    nums[2] = c->ids->nelts;
    for (i = 0; i < c->ids->nelts && i < OXT_MOD_MBOX_MSG_IDS; i++) {
        nums[n++] = APR_ARRAY_IDX(c->ids, i, long long);
    }
    return oxt_mod_page_redirect(ctx, oxt_mod_mbox_self(ctx, &c->mb),
                                 OXT_MOD_MBOX_MSG, nums, n,
                                 oxt_service_change_info(res, ctx->r->pool));
}

static int mbc_record(oxt_mod_page_ctx_t *ctx, mbc_t *c)
{
    request_rec *r = ctx->r;
    oxt_service_result_t *res;
    apr_status_t rv;

    rv = oxt_service_change_record(&res, &c->errors, ctx->db, ctx->psa,
                                   ctx->ident, &c->req, c->mb.settings,
                                   c->allowed, ctx->res, r->pool);
    if (rv == APR_EINVAL && c->errors != NULL && c->errors->nelts > 0) {
        return mbc_dialog(ctx, c, HTTP_BAD_REQUEST);
    }
    if (rv == APR_ENOENT) {
        return oxt_mod_fail(r, HTTP_NOT_FOUND, "not_found",
                            "There is no such mailbox.", NULL);
    }
    if (rv != APR_SUCCESS) {
        return oxt_mod_mbox_failed(ctx, rv, "change");
    }
    return mbc_done(ctx, c, res);
}

apr_status_t oxt_mod_services_allowed(unsigned *pbits,
                                      oxt_mod_page_ctx_t *ctx)
{
    const oxt_mod_srv_t *srv = ap_get_module_config(
        ctx->r->server->module_config, &oxtender_module);
    oxt_license_status_t *st;
    int allowed[OXT_SERVICE_COUNT], s;
    apr_status_t rv;

    *pbits = 0;
    rv = oxt_license_status_load(&st, ctx->db, ctx->psa, srv->cfg, 0,
                                 ctx->res, ctx->r->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    oxt_license_allowed_services(allowed, st);
    for (s = 0; s < OXT_SERVICE_COUNT; s++) {
        *pbits |= allowed[s] ? OXT_SERVICE_BIT(s) : 0u;
    }
    return APR_SUCCESS;
}

int oxt_mod_mbox_post(oxt_mod_page_ctx_t *ctx)
{
    mbc_t c;
    int status;

    memset(&c, 0, sizeof(c));
    status = oxt_mod_mbox_request(&c.mb, ctx);
    if (status == OK) {
        status = mbc_read(&c, ctx);
    }
    if (status == OK) {
        status = mbc_rows(&c, ctx);
    }
    if (status != OK) {
        return status;
    }
    if (oxt_mod_services_allowed(&c.allowed, ctx) != APR_SUCCESS) {
        return oxt_mod_mbox_failed(ctx, ctx->res->status, "license");
    }
    mbc_targets(&c, ctx->r->pool);
    if (c.record) {
        mbc_choices(&c, ctx->form);
    }
    else if (c.nchange > 0) {
        return mbc_dialog(ctx, &c, HTTP_OK);
    }
    else if (c.req.targets->nelts == 0) {
        return oxt_mod_page_redirect(ctx, oxt_mod_mbox_self(ctx, &c.mb),
                                     "mbnone", NULL, 0,
                                     "Nothing was changed.");
    }
    return mbc_record(ctx, &c);
}
