/*
 * mod_oxtender_page_clients.c — Clients Management (the admin's: every
 * client; a reseller's: its own): Access (disabled from Plesk 10),
 * Prefs, Name, Modified, Domains, Mailboxes, the report and Webmail
 * Forever / Now (mod_oxtender_page_list.c does the rest).
 */
#include "mod_oxtender_list.h"

static const oxt_column_t client_cols[] = {
    OXT_MOD_COLS_HEAD, OXT_MOD_COL_MODIFIED, OXT_MOD_COL_DOMAINS,
    OXT_MOD_COLS_TAIL
};

static const oxt_list_def_t client_list = {
    "clients", client_cols,
    (int)(sizeof(client_cols) / sizeof(client_cols[0])), "name", 0, "id",
    oxt_mod_list_id
};

static const oxt_mod_list_t clients_page = {
    OXT_DIR_CLIENTS, &client_list, "Clients Management", OXT_TAB_CLIENTS,
    "client", "clients"
};

int oxt_mod_page_clients(oxt_mod_page_ctx_t *ctx)
{
    return oxt_mod_list_page(ctx, &clients_page);
}
