/*
 * mod_oxtender_page_resellers.c — Resellers Management (the admin's, from
 * Plesk 9): every reseller with Access, Prefs, Name, Modified, Clients,
 * Domains, Mailboxes, the report and Webmail Forever / Now
 * (mod_oxtender_page_list.c does the rest).
 */
#include "mod_oxtender_list.h"

static const oxt_column_t reseller_cols[] = {
    OXT_MOD_COLS_HEAD, OXT_MOD_COL_MODIFIED, OXT_MOD_COL_CLIENTS,
    OXT_MOD_COL_DOMAINS, OXT_MOD_COLS_TAIL
};

static const oxt_list_def_t reseller_list = {
    "resellers", reseller_cols,
    (int)(sizeof(reseller_cols) / sizeof(reseller_cols[0])), "name", 0,
    "id", oxt_mod_list_id
};

static const oxt_mod_list_t resellers_page = {
    OXT_DIR_RESELLERS, &reseller_list, "Resellers Management",
    OXT_TAB_RESELLERS, "reseller", "resellers"
};

int oxt_mod_page_resellers(oxt_mod_page_ctx_t *ctx)
{
    return oxt_mod_list_page(ctx, &resellers_page);
}
