/*
 * oxt_page.h — the shell every management page stands on, and the parts
 * of forms and dialogs.
 *
 * The shell: the <head> (our style sheet and script from the static files
 * location; no inline script or style, so the pages run under
 * Content-Security-Policy "default-src 'self'"), a skip link, the
 * "Home ▸ …" path, the heading that names the owner ("Clients Management
 * for Reseller Charles Watson"), the tabs of the caller's role in the
 * guide's order — each only where its page exists, the current one
 * marked with aria-current —, the Info and Error message boxes
 * (role="status" / role="alert"), <main>, and the footer.
 *
 *   admin:    Resellers Clients Domains Mailboxes Logs Settings License
 *   reseller: Clients Domains Mailboxes Logs
 *   client:   Domains Mailboxes Logs
 *   domain:   Mailboxes Logs
 *
 * Example — the Clients page of a reseller:
 *
 *     oxt_crumb_t path[] = { { "Clients Management", NULL } };
 *     oxt_page_t pg = { 0 };
 *
 *     pg.title = "Clients Management";
 *     pg.owner_kind = "Reseller";
 *     pg.owner_name = ident->name;              chosen by a customer
 *     pg.role = OXT_ROLE_RESELLER;
 *     pg.current = OXT_TAB_CLIENTS;
 *     pg.routes = OXT_TAB_ALL;                  the pages that exist
 *     pg.base = "/oxtender";  pg.static_base = "/oxtender-static";
 *     pg.crumbs = path;  pg.ncrumbs = 1;
 *     pg.info = message;                        after a POST, or NULL
 *     oxt_page_begin(h, &pg);
 *       ... toolbar, search, the list form (oxt_list.h) ...
 *     oxt_page_end(h, &pg);
 *
 * Dialogs (Prefs): a dialog is a page of its own (GET shows the form,
 * POST saves or shows it again with the messages next to the fields),
 * so without JavaScript it is a plain page. Its link carries
 * data-oxt-dialog; htdocs/oxtender.js then fetches that page and shows
 * the part between oxt_page_dialog_begin and _end in a <dialog>, focus
 * moved in, Esc closing it and focus going back to the link.
 *
 * Everything is written through the HTML writer, escaped; the strings in
 * the structures below are text, never markup.
 */
#ifndef OXT_PAGE_H
#define OXT_PAGE_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_html.h"
#include "oxt_icon.h"
#include "oxt_psa.h"
#include "oxt_url.h"

/* ---- the shell ---------------------------------------------------------- */

typedef enum {
    OXT_TAB_RESELLERS = 0,
    OXT_TAB_CLIENTS,
    OXT_TAB_DOMAINS,
    OXT_TAB_MAILBOXES,
    OXT_TAB_LOGS,
    OXT_TAB_SETTINGS,
    OXT_TAB_LICENSE,
    OXT_TAB_COUNT,
    OXT_TAB_NONE = OXT_TAB_COUNT   /* no tab is current (a report, Home) */
} oxt_tab_t;

#define OXT_TAB_BIT(t) (1u << (t))
#define OXT_TAB_ALL    ((1u << OXT_TAB_COUNT) - 1)

/** A step of the path after "Home"; url NULL: the current page. */
typedef struct oxt_crumb_t {
    const char *label;
    const oxt_url_t *url;
} oxt_crumb_t;

typedef struct oxt_page_t {
    const char *title;         /* "Clients Management", "Information" */
    const char *owner_kind;    /* "Reseller", "Client", "Domain"; NULL */
    const char *owner_name;    /* shown as a name (<bdi>); NULL: none */
    oxt_role_t role;           /* whose tabs */
    oxt_tab_t current;
    unsigned routes;           /* OXT_TAB_BIT of each tab whose page exists */
    const char *base;          /* OxtenderBaseURI ("/oxtender") */
    const char *static_base;   /* the static files location */
    const oxt_crumb_t *crumbs;
    int ncrumbs;
    const char *info;          /* an Info message, or NULL */
    const char *error;         /* an Error message, or NULL */
    const char *license;       /* the license's message, shown first as
                                  an Error (oxt_license_banner), or NULL */
    const oxt_url_t *license_url;  /* the License page, linked from it
                                  (the admin's), or NULL */
    const char *footer;        /* NULL: ours */
} oxt_page_t;

/** True when role has tab (the guide's lists above). */
int oxt_page_role_has_tab(oxt_role_t role, oxt_tab_t tab);

/** "Resellers", ... and the route word "resellers", ... of a tab. */
const char *oxt_page_tab_label(oxt_tab_t tab);
const char *oxt_page_tab_route(oxt_tab_t tab);

/** From <!DOCTYPE html> to the opening of <main> (messages included). */
void oxt_page_begin(oxt_html_t *h, const oxt_page_t *pg);

/** From </main> to </html>. */
void oxt_page_end(oxt_html_t *h, const oxt_page_t *pg);

/**
 * A message box: "Info: ..." (role="status") or "Error: ..."
 * (role="alert"). For a text with names in it use _open, then
 * oxt_html_text / oxt_html_name, then _close.
 */
void oxt_page_message(oxt_html_t *h, const char *static_base, int error,
                      const char *text);
void oxt_page_message_open(oxt_html_t *h, const char *static_base,
                           int error);
void oxt_page_message_close(oxt_html_t *h);

/* ---- toolbars --------------------------------------------------------------- */

/** A toolbar: actions on the left, then _tools, then search on the right. */
void oxt_page_toolbar_begin(oxt_html_t *h);
void oxt_page_toolbar_tools(oxt_html_t *h);
void oxt_page_toolbar_end(oxt_html_t *h);

/** A link styled as a button, with an icon ("Up Level", "Download"). */
void oxt_page_action_link(oxt_html_t *h, const char *static_base,
                          oxt_icon_t icon, const char *label,
                          const oxt_url_t *url);

/**
 * A submit button with an icon: <button type="submit" name=name
 * value=value> ("Apply Your Changes", "Remove"). form: the id of the form
 * it submits when it stands outside it (form=), or NULL.
 */
void oxt_page_action_submit(oxt_html_t *h, const char *static_base,
                            oxt_icon_t icon, const char *label,
                            const char *name, const char *value,
                            const char *form);

/* ---- forms -------------------------------------------------------------------- */

#define OXT_FORM_MULTIPART 1   /* enctype="multipart/form-data" (uploads) */

/**
 * <form method="post" action=...> with the CSRF token in a hidden field
 * (OXT_CSRF_FIELD). id: the form's id (for form= buttons), or NULL.
 * A token is required: NULL or "" is a misuse of the writer.
 */
void oxt_page_form_begin(oxt_html_t *h, const oxt_url_t *action,
                         const char *csrf_token, const char *id, int flags);
void oxt_page_form_end(oxt_html_t *h);

/** <input type="hidden" name=... value=...>. */
void oxt_page_hidden(oxt_html_t *h, const char *name, const char *value);

typedef struct oxt_field_t {
    const char *name;          /* the form field; the element id is f-name */
    const char *label;
    const char *type;          /* text, number, password, email, file,
                                  search (anything else is a misuse) */
    const char *value;         /* never written for a password */
    const char *suffix;        /* "MB", "seconds"; NULL */
    const char *hint;          /* a line of help under the field; NULL */
    const char *error;         /* the message next to the field; NULL */
    int required;
    int maxlength;             /* 0: none */
} oxt_field_t;

/** A labelled <input> with its suffix, hint and error. */
void oxt_page_field_input(oxt_html_t *h, const oxt_field_t *f);

/** A labelled checkbox (value "1"). */
void oxt_page_field_checkbox(oxt_html_t *h, const oxt_field_t *f,
                             int checked);

typedef struct oxt_option_t {
    const char *value;
    const char *label;
    int selected;
} oxt_option_t;

/** A labelled <select>; multiple: a multi-select (OX languages). */
void oxt_page_field_select(oxt_html_t *h, const oxt_field_t *f,
                           const oxt_option_t *opts, int nopts,
                           int multiple);

/** "* Required fields", for forms with required fields. */
void oxt_page_required_note(oxt_html_t *h);

/**
 * The OK and Cancel of a form: a submit button labelled ok, and a link
 * back to cancel (data-oxt-close: in a dialog it closes the dialog).
 */
void oxt_page_buttons(oxt_html_t *h, const char *ok,
                      const oxt_url_t *cancel);

/* ---- dialogs ------------------------------------------------------------------------ */

/**
 * The dialog part of a dialog page: a section with a heading of name
 * (as a name, may be NULL) followed by words ("Martha Stuart
 * Preferences"), and an intro line (NULL: none). The form goes inside.
 */
void oxt_page_dialog_begin(oxt_html_t *h, const char *name,
                           const char *words, const char *intro);
void oxt_page_dialog_end(oxt_html_t *h);

/**
 * A link that opens a dialog page: in place with JavaScript, as a page
 * without. An icon with label as its text alternative.
 */
void oxt_page_dialog_link(oxt_html_t *h, const char *static_base,
                          oxt_icon_t icon, const char *label,
                          const oxt_url_t *url);

#endif /* OXT_PAGE_H */
