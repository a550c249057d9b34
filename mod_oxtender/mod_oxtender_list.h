/*
 * mod_oxtender_list.h — what the Resellers, Clients and Domains pages
 * share (mod_oxtender_page_list.c, all three; each is an oxt_mod_list_t
 * there, with its column table): the getters of their common columns,
 * the GET that renders a list (HTML or the JSON twin, shared with the
 * Mailboxes page: oxt_mod_list_writer_t) and the POST of "Apply Your
 * Changes".
 */
#ifndef MOD_OXTENDER_LIST_H
#define MOD_OXTENDER_LIST_H

#include <apr_hash.h>

#include "mod_oxtender_page.h"
#include "oxt_dir.h"
#include "oxt_list.h"

/** One list page. */
typedef struct oxt_mod_list_t {
    oxt_dir_list_t list;
    const oxt_list_def_t *def;     /* the column table */
    const char *title;             /* "Domains Management" */
    oxt_tab_t tab;
    const char *one;               /* "domain" */
    const char *many;              /* "domains" */
} oxt_mod_list_t;

/**
 * Is the search form of a list hidden? search=hide|show of the request
 * says so (and is remembered in the caller's cookie, as the script
 * does), else that cookie. Every list page asks this.
 */
int oxt_mod_list_search_hidden(oxt_mod_page_ctx_t *ctx,
                               const oxt_list_req_t *req);

/**
 * The name of the caller's Hide/Show Search cookie: "oxt_search_" and
 * the role's letter and id ("oxt_search_r7"), so that each login on a
 * browser has its own choice, kept for a year.
 */
const char *oxt_mod_list_search_cookie(const oxt_mod_page_ctx_t *ctx);

/**
 * The ids of a form field (repeated, each a positive integer) as a set,
 * a hash of id -> "" (oxt_util_id_get), and in the order posted in *pids
 * (may be NULL); in p. APR_EINVAL when one is malformed (answer 400).
 */
apr_status_t oxt_mod_list_ids(apr_hash_t **pset, apr_array_header_t **pids,
                              const oxt_form_t *form, const char *key,
                              apr_pool_t *p);

/** Is every id of set one of within? (A tick of a row not shown: 404.) */
int oxt_mod_list_within(apr_hash_t *set, apr_hash_t *within, apr_pool_t *p);

/** Where a list's rows go as its reader hands them over: the HTML
 * table's or the JSON's (oxt_mod_list_row). */
typedef struct oxt_mod_list_out_t {
    oxt_list_view_t *v;
    oxt_html_t *h;                 /* HTML, or */
    oxt_json_t *j;                 /* JSON */
} oxt_mod_list_out_t;

/** Writes one row to out; APR_EGENERAL once the HTML writer failed (the
 * reader stops). A reader's row callback calls it. */
apr_status_t oxt_mod_list_row(oxt_mod_list_out_t *out, const void *row);

/**
 * The GET of a list, as the Resellers, Clients, Domains and Mailboxes
 * pages have it: the total and the rows read in one snapshot
 * (oxt_mod_list_open), then the page (oxt_mod_list_write): the shell
 * with the toolbar (Apply Your Changes, Hide/Show Search), the search
 * form, the rows' form between paging bars; or the JSON twin. What
 * differs from page to page comes from here; baton is the callbacks'.
 */
typedef struct oxt_mod_list_writer_t {
    const char *title;             /* heading, crumb, <title> */
    oxt_tab_t tab;
    const char *hint;              /* a hint below the search form, NULL */
    const oxt_url_t *action;       /* the rows' form */
    /* the heading's owner and the message of a redirect (only for the
     * HTML: they cost queries) */
    void (*head)(oxt_page_t *pg, oxt_mod_page_ctx_t *ctx, const void *baton);
    /* the total of the query */
    apr_status_t (*count)(long long *ptotal, oxt_mod_page_ctx_t *ctx,
                          const void *baton);
    /* the page's rows, each to oxt_mod_list_row(out, row) */
    apr_status_t (*each)(oxt_mod_page_ctx_t *ctx, const void *baton,
                         oxt_mod_list_out_t *out);
    const void *baton;
} oxt_mod_list_writer_t;

/** The total (w->count) in the read snapshot this opens; it is closed
 * again on failure, else by the caller (oxt_dir_read_end) after
 * oxt_mod_list_write. */
apr_status_t oxt_mod_list_open(long long *ptotal, oxt_mod_page_ctx_t *ctx,
                               const oxt_mod_list_writer_t *w);

/** Writes the page (HTML or JSON) to sink from the open snapshot; *pwrv
 * is the writer's status (and *pwhy its reason), the return the core's
 * (a failure half-way: the page is cut). */
apr_status_t oxt_mod_list_write(oxt_mod_page_ctx_t *ctx,
                                const oxt_mod_list_writer_t *w,
                                oxt_list_view_t *v, int hidden,
                                oxt_sink_t *sink, apr_status_t *pwrv,
                                const char **pwhy);

/** Which Plesk pages the Name links to: those of Plesk 8 and 9, the
 * administrator's overviews of Plesk 10 and later (resellers and
 * customers), or none. */
enum { OXT_MOD_LINKS_NONE, OXT_MOD_LINKS_9, OXT_MOD_LINKS_10 };

/** The baton of the getters: what a row's cells need besides the row. */
typedef struct oxt_mod_list_baton_t {
    const oxt_mod_page_ctx_t *ctx;
    const oxt_mod_list_t *lp;
    int access_possible;           /* oxt_grant_possible of the rows */
    int plesk_links;               /* OXT_MOD_LINKS_*: the Name's link */
} oxt_mod_list_baton_t;

/* The rows are oxt_dir_row_t. The getters of the columns the lists
 * share (their keys: access, prefs, name, mail, modified, clients,
 * domains, mailboxes, report, forever, now, suspended). */
long long oxt_mod_list_id(const void *row);
oxt_list_get_fn oxt_mod_list_access, oxt_mod_list_prefs, oxt_mod_list_name,
    oxt_mod_list_mail, oxt_mod_list_modified, oxt_mod_list_clients,
    oxt_mod_list_domains, oxt_mod_list_mailboxes, oxt_mod_list_report,
    oxt_mod_list_forever, oxt_mod_list_now, oxt_mod_list_suspended;

/* The columns, one entry each, so that the three pages' tables differ
 * only in which they list and in what order: a page's table is
 *     { OXT_MOD_COLS_HEAD, OXT_MOD_COL_MODIFIED, OXT_MOD_COL_DOMAINS,
 *       OXT_MOD_COLS_TAIL }
 * HEAD: Access, Prefs, Name and the JSON's suspended; TAIL: Mailboxes,
 * the report, Webmail Forever and Webmail Now. */
#define OXT_MOD_COLS_HEAD \
    { "access", "Access", OXT_CELL_CHECKBOX, NULL, NULL, \
      oxt_mod_list_access, 0, NULL, NULL }, \
    { "prefs", "Prefs", OXT_CELL_ICON, NULL, NULL, oxt_mod_list_prefs, \
      OXT_COL_NO_JSON | OXT_COL_NO_CSV, NULL, NULL }, \
    { "name", "Name", OXT_CELL_NAME, "name", NULL, oxt_mod_list_name, 0, \
      NULL, NULL }, \
    { "suspended", "Suspended", OXT_CELL_CHECKBOX, NULL, NULL, \
      oxt_mod_list_suspended, OXT_COL_NO_HTML | OXT_COL_NO_CSV, NULL, NULL }
#define OXT_MOD_COL_MAIL \
    { "mail", "Mail Service", OXT_CELL_TEXT, "mail", NULL, \
      oxt_mod_list_mail, 0, NULL, NULL }
#define OXT_MOD_COL_MODIFIED \
    { "modified", "Modified", OXT_CELL_DATE, "modified", NULL, \
      oxt_mod_list_modified, 0, NULL, NULL }
#define OXT_MOD_COL_CLIENTS \
    { "clients", "Clients", OXT_CELL_NUMBER, "clients", NULL, \
      oxt_mod_list_clients, 0, NULL, NULL }
#define OXT_MOD_COL_DOMAINS \
    { "domains", "Domains", OXT_CELL_NUMBER, "domains", NULL, \
      oxt_mod_list_domains, 0, NULL, NULL }
#define OXT_MOD_COLS_TAIL \
    { "mailboxes", "Mailboxes", OXT_CELL_PAIR, "mailboxes", NULL, \
      oxt_mod_list_mailboxes, 0, NULL, NULL }, \
    { "report", "Report", OXT_CELL_ICON, NULL, NULL, oxt_mod_list_report, \
      0, NULL, NULL }, \
    { "forever", "Webmail Forever", OXT_CELL_CHECKBOX, NULL, NULL, \
      oxt_mod_list_forever, 0, NULL, "On for all" }, \
    { "now", "Webmail Now", OXT_CELL_CHECKBOX, NULL, NULL, \
      oxt_mod_list_now, 0, NULL, NULL }

#endif /* MOD_OXTENDER_LIST_H */
