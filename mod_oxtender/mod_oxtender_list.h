/*
 * mod_oxtender_list.h — what the Resellers, Clients and Domains pages
 * share (mod_oxtender_page_list.c): the getters of their common columns,
 * the GET that renders a list (HTML or the JSON twin) and the POST of
 * "Apply Your Changes". A list page file holds only its column table and
 * an oxt_mod_list_t.
 */
#ifndef MOD_OXTENDER_LIST_H
#define MOD_OXTENDER_LIST_H

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

/** GET and POST of a list page. */
int oxt_mod_list_page(oxt_mod_page_ctx_t *ctx, const oxt_mod_list_t *lp);

/**
 * Is the search form of a list hidden? search=hide|show says so now and
 * is remembered in the cookie the script sets too; else the cookie.
 * (Any list page: the Logs page too.)
 */
int oxt_mod_list_search_hidden(oxt_mod_page_ctx_t *ctx,
                               const oxt_list_req_t *req);

/** The baton of the getters: what a row's cells need besides the row. */
typedef struct oxt_mod_list_baton_t {
    const oxt_mod_page_ctx_t *ctx;
    const oxt_mod_list_t *lp;
    int access_possible;           /* oxt_grant_possible of the rows */
    int plesk_links;               /* Plesk before 10 */
} oxt_mod_list_baton_t;

/* The rows are oxt_dir_row_t. The getters of the columns the lists
 * share (their keys: access, prefs, name, mail, modified, clients,
 * domains, mailboxes, report, forever, now, suspended). */
long long oxt_mod_list_id(const void *row);
oxt_list_get_fn oxt_mod_list_access, oxt_mod_list_prefs, oxt_mod_list_name,
    oxt_mod_list_mail, oxt_mod_list_modified, oxt_mod_list_clients,
    oxt_mod_list_domains, oxt_mod_list_mailboxes, oxt_mod_list_report,
    oxt_mod_list_forever, oxt_mod_list_now, oxt_mod_list_suspended;

#endif /* MOD_OXTENDER_LIST_H */
