/*
 * mod_oxtender_page.h — what a page file (mod_oxtender_page_<name>.c)
 * gets from the page framework (mod_oxtender_pages.c), and the one table
 * row that makes it a route.
 *
 * The framework does everything a page must not get wrong: it matches
 * the path below OxtenderBaseURI against the route table, refuses a role
 * or a Plesk version the route is not for (403 / 404) and a method it
 * does not take (405); parses the query string (bounded); for a POST it
 * checks Sec-Fetch-Site / Origin (oxt_csrf_origin_check against
 * OxtenderPanelOrigin), reads the body with the route's cap (413),
 * parses it (400) and checks the CSRF token of the field "csrf" or the
 * X-CSRF-Token header against the caller's session binding (403), all
 * before the page runs (a route listed in oxt_mod_uploads also takes
 * multipart/form-data, read into memory with its cap and parsed by the
 * bounded oxt_multipart_parse: ctx->parts); it runs the license gate
 * (oxt_mod_license_gate); it verifies the message a redirect carried (m=,
 * signed for this session, so a link from elsewhere shows nothing); it
 * takes a database connection. A page then only reads the core, formats
 * and answers: OK after writing, a status for a refusal (oxt_mod_fail),
 * or oxt_mod_page_redirect after a change.
 *
 * Adding a route: one row in the table of mod_oxtender_pages.c (path,
 * tab, roles, Plesk version, handlers, body limits) and one page file
 * with its handlers, declared below; a <Location> with its Require
 * oxtender-role in conf/httpd-oxtender.conf and debian/oxtender.conf.
 */
#ifndef MOD_OXTENDER_PAGE_H
#define MOD_OXTENDER_PAGE_H

#include <httpd.h>

#include "mod_oxtender.h"
#include "mod_oxtender_sink.h"
#include "oxt_form.h"
#include "oxt_html.h"
#include "oxt_json.h"
#include "oxt_page.h"
#include "oxt_url.h"

typedef struct oxt_mod_route_t oxt_mod_route_t;

/** What a page is given. */
typedef struct oxt_mod_page_ctx_t {
    request_rec *r;
    const oxt_mod_route_t *route;
    const oxt_identity_t *ident;
    oxt_db_t *db;
    const oxt_psa_t *psa;
    int json;                      /* ?format=json */
    int post;                      /* a POST that passed every check */
    long long id;                  /* the id of the path ("clients/7/
                                      prefs"), 0 when it has none */
    const char *base;              /* OxtenderBaseURI */
    const char *static_base;       /* OxtenderStaticURI */
    const char *csrf;              /* the caller's CSRF token */
    const oxt_form_t *query;       /* the query string */
    const oxt_form_t *form;        /* a POST's body */
    const char *msg;               /* the message code a redirect carried
                                      (verified), or NULL */
    long long msg_nums[8];         /* and its numbers */
    int msg_n;
    unsigned routes;               /* OXT_TAB_BIT of the tabs this caller
                                      has a page for */
    oxt_result_t *res;             /* for the core's calls */
    const apr_array_header_t *parts;  /* a multipart POST's parts
                                      (oxt_part_t; ctx->form is then
                                      empty), else NULL */
    const char *license_banner;    /* the license's message every page
                                      shows first (oxt_license_banner),
                                      or NULL */
} oxt_mod_page_ctx_t;

/** A page handler: OK once it answered, else an HTTP status. */
typedef int oxt_mod_page_fn(oxt_mod_page_ctx_t *ctx);

#define OXT_MOD_ROLE(role) (1u << (role))
#define OXT_MOD_ROLES_ALL \
    (OXT_MOD_ROLE(OXT_ROLE_ADMIN) | OXT_MOD_ROLE(OXT_ROLE_RESELLER) \
     | OXT_MOD_ROLE(OXT_ROLE_CLIENT) | OXT_MOD_ROLE(OXT_ROLE_DOMAIN))

/** A row of the route table. */
struct oxt_mod_route_t {
    const char *path;              /* below the base: "domains",
                                      "domains/#/prefs" ('#' an id) */
    oxt_tab_t tab;                 /* its tab, OXT_TAB_NONE for none */
    unsigned roles;                /* OXT_MOD_ROLE(...) | ... */
    int min_plesk;                 /* 9: not on Plesk 8 */
    oxt_mod_page_fn *get;
    oxt_mod_page_fn *post;         /* NULL: GET (and HEAD) only */
    const oxt_form_limits_t *post_limits;
};

/* ---- the pages (one file each) --------------------------------------------- */

int oxt_mod_page_home(oxt_mod_page_ctx_t *ctx);
/** Resellers, Clients or Domains Management: the route's tab says which. */
int oxt_mod_page_list(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_prefs(oxt_mod_page_ctx_t *ctx);
/**
 * The service types the license in force allows (OXT_SERVICE_BIT each):
 * Change Service offers no other, the core refuses any other, and the
 * pages show counts of those only.
 */
apr_status_t oxt_mod_services_allowed(unsigned *pbits,
                                      oxt_mod_page_ctx_t *ctx);

int oxt_mod_page_mailboxes(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_settings(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_logs(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_logs_debug(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_logs_clean(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_report_reseller(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_report_client(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_report_domain(oxt_mod_page_ctx_t *ctx);
int oxt_mod_page_license(oxt_mod_page_ctx_t *ctx);

/**
 * The license gate, run by the framework before every page
 * (mod_oxtender_page_license.c): when the license restricts the module
 * the admin is sent to the License page and every other level gets the
 * #62 refusal; a reached limit sets ctx->license_banner. The license is
 * read with one small query a request (the verified key and the terms
 * are kept per process while that row and the day stay the same).
 * OK to go on, else what the handler returns.
 */
int oxt_mod_license_gate(oxt_mod_page_ctx_t *ctx);

/** Creates the gate's per-process cache (child_init). */
apr_status_t oxt_mod_license_cache_init(apr_pool_t *pchild);

/* ---- what the framework offers a page ------------------------------------------ */

/**
 * Starts the answer: status 200, the content type (JSON or HTML, UTF-8)
 * and the security headers; the sink on the response comes back.
 */
oxt_sink_t *oxt_mod_page_start(oxt_mod_page_ctx_t *ctx, int status);

/**
 * Ends it: a misuse of the writers (oxt_html_finish / oxt_json_finish
 * failed, rv) is logged with the page's tag; the sink is flushed. OK.
 */
int oxt_mod_page_end(oxt_mod_page_ctx_t *ctx, oxt_sink_t *sink,
                     apr_status_t rv, const char *why);

/**
 * The refusal of a page whose core failed with rv (the caller logs it,
 * with its own tag): 503 "cannot reach its database" when rv says the
 * database is away, else 500 with what_failed ("The list cannot be shown
 * right now.").
 */
int oxt_mod_page_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv,
                        const char *what_failed);

/**
 * The shell of an HTML page for this caller: title, owner in the heading
 * (the caller's own account for a reseller or client, as the guide
 * shows), tabs, the current tab. The page sets pg->info from ctx->msg
 * (a code of its own, mapped to its own words).
 */
void oxt_mod_page_shell(oxt_page_t *pg, const oxt_mod_page_ctx_t *ctx,
                        const char *title, oxt_tab_t current);

/** A URL of our routes: the base, then words added by the caller. */
oxt_url_t *oxt_mod_page_url(const oxt_mod_page_ctx_t *ctx);

/**
 * After a change: 303 See Other to url with the message code and its
 * numbers (a word of ours and up to 8 numbers, signed for this session
 * so that only this caller's own redirect shows it). For a JSON POST
 * answers 200 with {"ok": true, "message": text, "location": url}
 * instead. Returns what the handler returns.
 */
int oxt_mod_page_redirect(oxt_mod_page_ctx_t *ctx, oxt_url_t *url,
                          const char *code, const long long *nums,
                          int nnums, const char *text);

/** The configured Plesk panel (OxtenderPanelOrigin, the first), or NULL. */
const char *oxt_mod_page_panel(const oxt_mod_page_ctx_t *ctx);

/** The "languages" array of a page's JSON: each oxt_language_t of langs
 * as {code, name}, and with allowed its "allowed" (chosen in Settings). */
void oxt_mod_page_json_languages(oxt_json_t *j,
                                 const apr_array_header_t *langs, int allowed);

#endif /* MOD_OXTENDER_PAGE_H */
