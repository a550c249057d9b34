/*
 * mod_oxtender_page_resellers.c — Resellers Management (the admin's, from
 * Plesk 9): every reseller with Access, Prefs, Name, Modified, Clients,
 * Domains, Mailboxes, the report and Webmail Forever / Now
 * (mod_oxtender_page_list.c does the rest).
 */
#include "mod_oxtender_list.h"

static const oxt_column_t reseller_cols[] = {
    { "access", "Access", OXT_CELL_CHECKBOX, NULL, NULL,
      oxt_mod_list_access, 0, NULL, NULL },
    { "prefs", "Prefs", OXT_CELL_ICON, NULL, NULL, oxt_mod_list_prefs,
      OXT_COL_NO_JSON | OXT_COL_NO_CSV, NULL, NULL },
    { "name", "Name", OXT_CELL_NAME, "name", NULL, oxt_mod_list_name, 0,
      NULL, NULL },
    { "suspended", "Suspended", OXT_CELL_CHECKBOX, NULL, NULL,
      oxt_mod_list_suspended, OXT_COL_NO_HTML | OXT_COL_NO_CSV, NULL, NULL },
    { "modified", "Modified", OXT_CELL_DATE, "modified", NULL,
      oxt_mod_list_modified, 0, NULL, NULL },
    { "clients", "Clients", OXT_CELL_NUMBER, "clients", NULL,
      oxt_mod_list_clients, 0, NULL, NULL },
    { "domains", "Domains", OXT_CELL_NUMBER, "domains", NULL,
      oxt_mod_list_domains, 0, NULL, NULL },
    { "mailboxes", "Mailboxes", OXT_CELL_PAIR, "mailboxes", NULL,
      oxt_mod_list_mailboxes, 0, NULL, NULL },
    { "report", "Report", OXT_CELL_ICON, NULL, NULL, oxt_mod_list_report, 0,
      NULL, NULL },
    { "forever", "Webmail Forever", OXT_CELL_CHECKBOX, NULL, NULL,
      oxt_mod_list_forever, 0, NULL, "On for all" },
    { "now", "Webmail Now", OXT_CELL_CHECKBOX, NULL, NULL, oxt_mod_list_now,
      0, NULL, NULL },
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
