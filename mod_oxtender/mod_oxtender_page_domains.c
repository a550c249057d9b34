/*
 * mod_oxtender_page_domains.c — Domains Management (the admin's,
 * a reseller's and a client's: their domains): Access (disabled from
 * Plesk 10), Prefs, Name (the Plesk link before Plesk 10, the suspended
 * icon), Mail Service, Modified, Mailboxes, the report and Webmail
 * Forever / Now (mod_oxtender_page_list.c does the rest).
 */
#include "mod_oxtender_list.h"

static const oxt_column_t domain_cols[] = {
    { "access", "Access", OXT_CELL_CHECKBOX, NULL, NULL,
      oxt_mod_list_access, 0, NULL, NULL },
    { "prefs", "Prefs", OXT_CELL_ICON, NULL, NULL, oxt_mod_list_prefs,
      OXT_COL_NO_JSON | OXT_COL_NO_CSV, NULL, NULL },
    { "name", "Name", OXT_CELL_NAME, "name", NULL, oxt_mod_list_name, 0,
      NULL, NULL },
    { "suspended", "Suspended", OXT_CELL_CHECKBOX, NULL, NULL,
      oxt_mod_list_suspended, OXT_COL_NO_HTML | OXT_COL_NO_CSV, NULL, NULL },
    { "mail", "Mail Service", OXT_CELL_TEXT, "mail", NULL,
      oxt_mod_list_mail, 0, NULL, NULL },
    { "modified", "Modified", OXT_CELL_DATE, "modified", NULL,
      oxt_mod_list_modified, 0, NULL, NULL },
    { "mailboxes", "Mailboxes", OXT_CELL_PAIR, "mailboxes", NULL,
      oxt_mod_list_mailboxes, 0, NULL, NULL },
    { "report", "Report", OXT_CELL_ICON, NULL, NULL, oxt_mod_list_report, 0,
      NULL, NULL },
    { "forever", "Webmail Forever", OXT_CELL_CHECKBOX, NULL, NULL,
      oxt_mod_list_forever, 0, NULL, "On for all" },
    { "now", "Webmail Now", OXT_CELL_CHECKBOX, NULL, NULL, oxt_mod_list_now,
      0, NULL, NULL },
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
