/*
 * mod_oxtender_list.h — what the Resellers, Clients and Domains pages
 * share (mod_oxtender_page_list.c): the getters of their common columns,
 * the GET that renders a list (HTML or the JSON twin) and the POST of
 * "Apply Your Changes". A list page file holds only its column table and
 * an oxt_mod_list_t.
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

/** GET and POST of a list page. */
int oxt_mod_list_page(oxt_mod_page_ctx_t *ctx, const oxt_mod_list_t *lp);

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
