/*
 * mod_oxtender_page_domains.c — Domains Management (the admin's,
 * a reseller's and a client's: their domains): Access (disabled from
 * Plesk 10), Prefs, Name (the Plesk link before Plesk 10, the suspended
 * icon), Mail Service, Modified, Mailboxes, the report and Webmail
 * Forever / Now (mod_oxtender_page_list.c does the rest).
 */
#include "mod_oxtender_list.h"

static const oxt_column_t domain_cols[] = {
    OXT_MOD_COLS_HEAD, OXT_MOD_COL_MAIL, OXT_MOD_COL_MODIFIED,
    OXT_MOD_COLS_TAIL
};

static const oxt_list_def_t domain_list = {
    "domains", domain_cols,
    (int)(sizeof(domain_cols) / sizeof(domain_cols[0])), "name", 0, "id",
    oxt_mod_list_id
};

static const oxt_mod_list_t domains_page = {
    OXT_DIR_DOMAINS, &domain_list, "Domains Management", OXT_TAB_DOMAINS,
    "domain", "domains"
};

int oxt_mod_page_domains(oxt_mod_page_ctx_t *ctx)
{
    return oxt_mod_list_page(ctx, &domains_page);
}
