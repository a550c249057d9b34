/*
 * oxt_page.c — see oxt_page.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_csrf.h"
#include "oxt_page.h"

/* ---- tabs ---------------------------------------------------------------- */

static const struct {
    const char *label;
    const char *route;
} page_tabs[OXT_TAB_COUNT] = {
    [OXT_TAB_RESELLERS] = { "Resellers", "resellers" },
    [OXT_TAB_CLIENTS] = { "Clients", "clients" },
    [OXT_TAB_DOMAINS] = { "Domains", "domains" },
    [OXT_TAB_MAILBOXES] = { "Mailboxes", "mailboxes" },
    [OXT_TAB_LOGS] = { "Logs", "logs" },
    [OXT_TAB_SETTINGS] = { "Settings", "settings" },
    [OXT_TAB_LICENSE] = { "License", "license" },
};

int oxt_page_role_has_tab(oxt_role_t role, oxt_tab_t tab)
{
    switch (role) {
    case OXT_ROLE_ADMIN:
        return tab < OXT_TAB_COUNT;
    case OXT_ROLE_RESELLER:
        return tab >= OXT_TAB_CLIENTS && tab <= OXT_TAB_LOGS;
    case OXT_ROLE_CLIENT:
        return tab >= OXT_TAB_DOMAINS && tab <= OXT_TAB_LOGS;
    case OXT_ROLE_DOMAIN:
        return tab == OXT_TAB_MAILBOXES || tab == OXT_TAB_LOGS;
    default:
        return 0;
    }
}

const char *oxt_page_tab_label(oxt_tab_t tab)
{
    return (unsigned)tab < OXT_TAB_COUNT ? page_tabs[tab].label : NULL;
}

const char *oxt_page_tab_route(oxt_tab_t tab)
{
    return (unsigned)tab < OXT_TAB_COUNT ? page_tabs[tab].route : NULL;
}

static void page_tabs_html(oxt_html_t *h, const oxt_page_t *pg)
{
    oxt_url_t *u;
    int t;

    OXT_HTML_LIT(h, "<nav class=\"oxt-tabs\" aria-label=\"Sections\"><ul>");
    for (t = 0; t < OXT_TAB_COUNT; t++) {
        if (!oxt_page_role_has_tab(pg->role, (oxt_tab_t)t)
            || !(pg->routes & OXT_TAB_BIT(t))) {
            continue;
        }
        /* The route words are this file's constants. */
        u = oxt_url_make(pg->base, oxt_html_pool(h));
        oxt_url_word_lit(u, page_tabs[t].route);
        OXT_HTML_LIT(h, "<li><a");
        oxt_html_attr_url(h, "href", u);
        if (pg->current == (oxt_tab_t)t) {
            OXT_HTML_LIT(h, " aria-current=\"page\"");
        }
        OXT_HTML_LIT(h, ">");
        oxt_html_text(h, page_tabs[t].label);
        OXT_HTML_LIT(h, "</a></li>");
    }
    OXT_HTML_LIT(h, "</ul></nav>\n");
}

/* ---- head, path, heading -------------------------------------------------- */

static void page_static_link(oxt_html_t *h, const oxt_page_t *pg, int css)
{
    oxt_url_t *u = oxt_url_make(pg->static_base, oxt_html_pool(h));

    if (css) {
        OXT_URL_WORD(u, "oxtender.css");
        OXT_HTML_LIT(h, "<link rel=\"stylesheet\"");
        oxt_html_attr_url(h, "href", u);
        OXT_HTML_LIT(h, ">\n");
    }
    else {
        OXT_URL_WORD(u, "oxtender.js");
        OXT_HTML_LIT(h, "<script");
        oxt_html_attr_url(h, "src", u);
        OXT_HTML_LIT(h, " defer></script>\n");
    }
}

/* The heading as text: "Clients Management for Reseller Charles Watson". */
static void page_heading_text(oxt_html_t *h, const oxt_page_t *pg, int names)
{
    oxt_html_text(h, pg->title);
    if (pg->owner_name == NULL) {
        return;
    }
    OXT_HTML_LIT(h, " for ");
    if (pg->owner_kind != NULL) {
        oxt_html_text(h, pg->owner_kind);
        OXT_HTML_LIT(h, " ");
    }
    if (names) {
        oxt_html_name(h, pg->owner_name);
    }
    else {
        oxt_html_text(h, pg->owner_name);
    }
}

static void page_head(oxt_html_t *h, const oxt_page_t *pg)
{
    OXT_HTML_LIT(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                 "<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width,"
                 " initial-scale=1\">\n"
                 "<meta name=\"color-scheme\" content=\"light dark\">\n"
                 "<title>");
    page_heading_text(h, pg, 0);
    OXT_HTML_LIT(h, " \xe2\x80\x94 OXtender</title>\n");
    page_static_link(h, pg, 1);
    page_static_link(h, pg, 0);
    OXT_HTML_LIT(h, "</head>\n");
}

static void page_path(oxt_html_t *h, const oxt_page_t *pg)
{
    int i;

    OXT_HTML_LIT(h, "<nav class=\"oxt-path\" aria-label=\"Path\"><ol><li><a");
    oxt_html_attr_url(h, "href", oxt_url_make(pg->base, oxt_html_pool(h)));
    OXT_HTML_LIT(h, ">Home</a></li>");
    for (i = 0; i < pg->ncrumbs; i++) {
        OXT_HTML_LIT(h, "<li>");
        if (pg->crumbs[i].url != NULL) {
            OXT_HTML_LIT(h, "<a");
            oxt_html_attr_url(h, "href", pg->crumbs[i].url);
            OXT_HTML_LIT(h, ">");
        }
        oxt_html_text(h, pg->crumbs[i].label);
        if (pg->crumbs[i].url != NULL) {
            OXT_HTML_LIT(h, "</a>");
        }
        OXT_HTML_LIT(h, "</li>");
    }
    OXT_HTML_LIT(h, "</ol></nav>\n");
}

/* The license's message: an Error box of its own (the tests and the
 * style sheet find it by its class), with the way to the License page. */
static void page_license(oxt_html_t *h, const oxt_page_t *pg)
{
    OXT_HTML_LIT(h, "<div class=\"oxt-msg oxt-msg-error oxt-msg-license\""
                 " role=\"alert\">");
    oxt_icon_write(h, pg->static_base, OXT_ICON_ERROR, NULL);
    OXT_HTML_LIT(h, " <strong>Error:</strong> ");
    oxt_html_text(h, pg->license);
    if (pg->license_url != NULL) {
        OXT_HTML_LIT(h, " <a");
        oxt_html_attr_url(h, "href", pg->license_url);
        OXT_HTML_LIT(h, ">License Management</a>");
    }
    OXT_HTML_LIT(h, "</div>\n");
}

void oxt_page_begin(oxt_html_t *h, const oxt_page_t *pg)
{
    page_head(h, pg);
    OXT_HTML_LIT(h, "<body class=\"oxt\">\n<a class=\"oxt-skip\""
                 " href=\"#oxt-main\">Skip to content</a>\n"
                 "<header class=\"oxt-header\">\n");
    page_path(h, pg);
    OXT_HTML_LIT(h, "<h1>");
    page_heading_text(h, pg, 1);
    OXT_HTML_LIT(h, "</h1>\n");
    page_tabs_html(h, pg);
    OXT_HTML_LIT(h, "</header>\n<main id=\"oxt-main\" tabindex=\"-1\">\n");
    if (pg->license != NULL) {
        page_license(h, pg);
    }
    if (pg->info != NULL) {
        oxt_page_message(h, pg->static_base, 0, pg->info);
    }
    if (pg->error != NULL) {
        oxt_page_message(h, pg->static_base, 1, pg->error);
    }
}

void oxt_page_end(oxt_html_t *h, const oxt_page_t *pg)
{
    OXT_HTML_LIT(h, "</main>\n<footer class=\"oxt-footer\"><p>");
    if (pg->footer != NULL) {
        oxt_html_text(h, pg->footer);
    }
    else {
        OXT_HTML_LIT(h, "OXtender \xe2\x80\x94 Plesk mailboxes in"
                     " Open-Xchange");
    }
    OXT_HTML_LIT(h, "</p></footer>\n</body>\n</html>\n");
}

/* ---- messages ---------------------------------------------------------------- */

void oxt_page_message_open(oxt_html_t *h, const char *static_base,
                           int error)
{
    if (error) {
        OXT_HTML_LIT(h, "<div class=\"oxt-msg oxt-msg-error\" role=\"alert\">");
        oxt_icon_write(h, static_base, OXT_ICON_ERROR, NULL);
        OXT_HTML_LIT(h, " <strong>Error:</strong> ");
    }
    else {
        OXT_HTML_LIT(h, "<div class=\"oxt-msg oxt-msg-info\" role=\"status\">");
        oxt_icon_write(h, static_base, OXT_ICON_INFO, NULL);
        OXT_HTML_LIT(h, " <strong>Info:</strong> ");
    }
}

void oxt_page_message_close(oxt_html_t *h)
{
    OXT_HTML_LIT(h, "</div>\n");
}

void oxt_page_message(oxt_html_t *h, const char *static_base, int error,
                      const char *text)
{
    oxt_page_message_open(h, static_base, error);
    oxt_html_text(h, text);
    oxt_page_message_close(h);
}

/* ---- toolbars ------------------------------------------------------------------ */

void oxt_page_toolbar_begin(oxt_html_t *h)
{
    OXT_HTML_LIT(h, "<div class=\"oxt-toolbar\"><div class=\"oxt-actions\">");
}

void oxt_page_toolbar_tools(oxt_html_t *h)
{
    OXT_HTML_LIT(h, "</div><div class=\"oxt-tools\">");
}

void oxt_page_toolbar_end(oxt_html_t *h)
{
    OXT_HTML_LIT(h, "</div></div>\n");
}

void oxt_page_action_link(oxt_html_t *h, const char *static_base,
                          oxt_icon_t icon, const char *label,
                          const oxt_url_t *url)
{
    OXT_HTML_LIT(h, "<a class=\"oxt-button\"");
    oxt_html_attr_url(h, "href", url);
    OXT_HTML_LIT(h, ">");
    oxt_icon_write(h, static_base, icon, NULL);
    OXT_HTML_LIT(h, " ");
    oxt_html_text(h, label);
    OXT_HTML_LIT(h, "</a> ");
}

void oxt_page_action_submit(oxt_html_t *h, const char *static_base,
                            oxt_icon_t icon, const char *label,
                            const char *name, const char *value,
                            const char *form)
{
    OXT_HTML_LIT(h, "<button type=\"submit\" class=\"oxt-button\"");
    oxt_html_attr(h, "name", name);
    oxt_html_attr(h, "value", value);
    oxt_html_attr(h, "form", form);
    OXT_HTML_LIT(h, ">");
    oxt_icon_write(h, static_base, icon, NULL);
    OXT_HTML_LIT(h, " ");
    oxt_html_text(h, label);
    OXT_HTML_LIT(h, "</button> ");
}

/* ---- forms ------------------------------------------------------------------------ */

void oxt_page_form_begin(oxt_html_t *h, const oxt_url_t *action,
                         const char *csrf_token, const char *id, int flags)
{
    OXT_HTML_LIT(h, "<form method=\"post\"");
    oxt_html_attr_url(h, "action", action);
    oxt_html_attr(h, "id", id);
    if (flags & OXT_FORM_MULTIPART) {
        OXT_HTML_LIT(h, " enctype=\"multipart/form-data\"");
    }
    OXT_HTML_LIT(h, ">\n");
    /* A form without its token would be refused on submit: make the
     * mistake show when the page is written instead. */
    if (csrf_token == NULL || *csrf_token == '\0') {
        oxt_html_fail(h, "a form without a CSRF token");
    }
    oxt_page_hidden(h, OXT_CSRF_FIELD, csrf_token);
}

void oxt_page_form_end(oxt_html_t *h)
{
    OXT_HTML_LIT(h, "</form>\n");
}

void oxt_page_hidden(oxt_html_t *h, const char *name, const char *value)
{
    OXT_HTML_LIT(h, "<input type=\"hidden\"");
    oxt_html_attr(h, "name", name);
    oxt_html_attr(h, "value", value ? value : "");
    OXT_HTML_LIT(h, ">");
}

static const char *const page_input_types[] = {
    "text", "number", "password", "email", "file", "search", NULL
};

static int page_type_ok(const char *type)
{
    int i;

    for (i = 0; type != NULL && page_input_types[i] != NULL; i++) {
        if (strcmp(type, page_input_types[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *page_id(oxt_html_t *h, const char *name, const char *tail)
{
    return apr_pstrcat(oxt_html_pool(h), "f-", name, tail, NULL);
}

static void page_label(oxt_html_t *h, const oxt_field_t *f)
{
    OXT_HTML_LIT(h, "<label");
    oxt_html_attr(h, "for", page_id(h, f->name, ""));
    OXT_HTML_LIT(h, ">");
    oxt_html_text(h, f->label);
    if (f->required) {
        OXT_HTML_LIT(h, " <span class=\"oxt-req\" aria-hidden=\"true\">*"
                     "</span>");
    }
    OXT_HTML_LIT(h, "</label>");
}

/* The attributes every control shares: id, name, required, and the
 * error it is described by. */
static void page_control_attrs(oxt_html_t *h, const oxt_field_t *f)
{
    oxt_html_attr(h, "id", page_id(h, f->name, ""));
    oxt_html_attr(h, "name", f->name);
    oxt_html_attr_flag(h, "required", f->required);
    if (f->error != NULL) {
        OXT_HTML_LIT(h, " aria-invalid=\"true\"");
        oxt_html_attr(h, "aria-describedby", page_id(h, f->name, "-err"));
    }
}

static void page_field_after(oxt_html_t *h, const oxt_field_t *f)
{
    if (f->suffix != NULL) {
        OXT_HTML_LIT(h, " <span class=\"oxt-suffix\">");
        oxt_html_text(h, f->suffix);
        OXT_HTML_LIT(h, "</span>");
    }
    if (f->hint != NULL) {
        OXT_HTML_LIT(h, "<p class=\"oxt-hint\">");
        oxt_html_text(h, f->hint);
        OXT_HTML_LIT(h, "</p>");
    }
    if (f->error != NULL) {
        OXT_HTML_LIT(h, "<p class=\"oxt-field-error\"");
        oxt_html_attr(h, "id", page_id(h, f->name, "-err"));
        OXT_HTML_LIT(h, ">");
        oxt_html_text(h, f->error);
        OXT_HTML_LIT(h, "</p>");
    }
    OXT_HTML_LIT(h, "</div></div>\n");
}

void oxt_page_field_input(oxt_html_t *h, const oxt_field_t *f)
{
    int password = f->type != NULL && strcmp(f->type, "password") == 0;

    if (!page_type_ok(f->type)) {
        oxt_html_fail(h, "an input type that is not allowed");
    }
    OXT_HTML_LIT(h, "<div class=\"oxt-field\">");
    page_label(h, f);
    OXT_HTML_LIT(h, "<div class=\"oxt-control\"><input");
    oxt_html_attr(h, "type", f->type);
    page_control_attrs(h, f);
    if (!password && f->type != NULL && strcmp(f->type, "file") != 0) {
        oxt_html_attr(h, "value", f->value);
    }
    if (password) {
        OXT_HTML_LIT(h, " autocomplete=\"new-password\"");
    }
    if (f->maxlength > 0) {
        oxt_html_attr_int(h, "maxlength", f->maxlength);
    }
    OXT_HTML_LIT(h, ">");
    page_field_after(h, f);
}

void oxt_page_field_checkbox(oxt_html_t *h, const oxt_field_t *f,
                             int checked)
{
    OXT_HTML_LIT(h, "<div class=\"oxt-field oxt-field-check\">");
    page_label(h, f);
    OXT_HTML_LIT(h, "<div class=\"oxt-control\"><input type=\"checkbox\""
                 " value=\"1\"");
    page_control_attrs(h, f);
    oxt_html_attr_flag(h, "checked", checked);
    OXT_HTML_LIT(h, ">");
    page_field_after(h, f);
}

void oxt_page_field_select(oxt_html_t *h, const oxt_field_t *f,
                           const oxt_option_t *opts, int nopts,
                           int multiple)
{
    int i;

    OXT_HTML_LIT(h, "<div class=\"oxt-field\">");
    page_label(h, f);
    OXT_HTML_LIT(h, "<div class=\"oxt-control\"><select");
    page_control_attrs(h, f);
    oxt_html_attr_flag(h, "multiple", multiple);
    OXT_HTML_LIT(h, ">");
    for (i = 0; i < nopts; i++) {
        OXT_HTML_LIT(h, "<option");
        oxt_html_attr(h, "value", opts[i].value);
        oxt_html_attr_flag(h, "selected", opts[i].selected);
        OXT_HTML_LIT(h, ">");
        oxt_html_text(h, opts[i].label);
        OXT_HTML_LIT(h, "</option>");
    }
    OXT_HTML_LIT(h, "</select>");
    page_field_after(h, f);
}

void oxt_page_required_note(oxt_html_t *h)
{
    OXT_HTML_LIT(h, "<p class=\"oxt-hint\"><span class=\"oxt-req\">*</span>"
                 " Required fields</p>\n");
}

void oxt_page_buttons(oxt_html_t *h, const char *ok, const oxt_url_t *cancel)
{
    OXT_HTML_LIT(h, "<div class=\"oxt-buttons\"><button type=\"submit\""
                 " class=\"oxt-button oxt-primary\">");
    oxt_html_text(h, ok);
    OXT_HTML_LIT(h, "</button> <a class=\"oxt-button\" data-oxt-close");
    oxt_html_attr_url(h, "href", cancel);
    OXT_HTML_LIT(h, ">Cancel</a></div>\n");
}

/* ---- dialogs ---------------------------------------------------------------------- */

void oxt_page_dialog_begin(oxt_html_t *h, const char *name,
                           const char *words, const char *intro)
{
    OXT_HTML_LIT(h, "<section class=\"oxt-dialog-page\" data-oxt-dialog-content"
                 " aria-labelledby=\"oxt-dialog-title\">\n"
                 "<h2 id=\"oxt-dialog-title\">");
    if (name != NULL) {
        oxt_html_name(h, name);
        OXT_HTML_LIT(h, " ");
    }
    oxt_html_text(h, words);
    OXT_HTML_LIT(h, "</h2>\n");
    if (intro != NULL) {
        OXT_HTML_LIT(h, "<p>");
        oxt_html_text(h, intro);
        OXT_HTML_LIT(h, "</p>\n");
    }
}

void oxt_page_dialog_end(oxt_html_t *h)
{
    OXT_HTML_LIT(h, "</section>\n");
}

void oxt_page_dialog_link(oxt_html_t *h, const char *static_base,
                          oxt_icon_t icon, const char *label,
                          const oxt_url_t *url)
{
    OXT_HTML_LIT(h, "<a class=\"oxt-icon-link\" data-oxt-dialog");
    oxt_html_attr_url(h, "href", url);
    OXT_HTML_LIT(h, ">");
    oxt_icon_write(h, static_base, icon, label);
    OXT_HTML_LIT(h, "</a>");
}
