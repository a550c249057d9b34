/*
 * mod_oxtender_mailboxes.h — what the two halves of the Mailboxes page
 * share: mod_oxtender_page_mailboxes.c (the list, its JSON twin and the
 * route's handler) and mod_oxtender_page_mbchange.c (Apply Your Changes:
 * the OX Service ticks and the Change Service dialog). The core decides
 * (oxt_mblist.h, oxt_service.h); these files format.
 */
#ifndef MOD_OXTENDER_MAILBOXES_H
#define MOD_OXTENDER_MAILBOXES_H

#include "mod_oxtender_page.h"
#include "oxt_list.h"
#include "oxt_mblist.h"
#include "oxt_settings.h"

/** A request of the page, checked: the list parameters, the core's
 *  query, the settings. Lives in the request's pool. */
typedef struct oxt_mod_mbox_t {
    oxt_list_req_t req;
    oxt_mblist_query_t q;
    oxt_settings_t *settings;
} oxt_mod_mbox_t;

/**
 * Reads and checks the list request of ctx's query (404 for a malformed
 * or forged filter) and loads the settings (503/500). OK or the status
 * already answered.
 */
int oxt_mod_mbox_request(oxt_mod_mbox_t *mb, oxt_mod_page_ctx_t *ctx);

/** The list as the request shows it (filters, search, sort, page). */
oxt_url_t *oxt_mod_mbox_self(const oxt_mod_page_ctx_t *ctx,
                             const oxt_mod_mbox_t *mb);

/** A failure of the core: logged with its tag; 503 or 500. */
int oxt_mod_mbox_failed(oxt_mod_page_ctx_t *ctx, apr_status_t rv,
                        const char *what);

/** The message code of a recorded change and its numbers: whether the
 *  service settings changed, the daemon runs, how many mailboxes, then
 *  up to OXT_MOD_MBOX_MSG_IDS of their ids. */
#define OXT_MOD_MBOX_MSG "mbchange"
#define OXT_MOD_MBOX_MSG_IDS 5

/** The POST of the page (mod_oxtender_page_mbchange.c). */
int oxt_mod_mbox_post(oxt_mod_page_ctx_t *ctx);

#endif /* MOD_OXTENDER_MAILBOXES_H */
