/*
 * oxt_prefs.h — the per-level preferences with their inheritance
 * (reseller → client → domain → mailbox; the nearest level that says
 * something wins, then the Settings of oxt_settings.h).
 */
#ifndef OXT_PREFS_H
#define OXT_PREFS_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_settings.h"

typedef enum {
    OXT_FOREVER_INHERIT = 0,
    OXT_FOREVER_ON,
    OXT_FOREVER_OFF
} oxt_forever_t;

typedef enum {
    OXT_LEVEL_RESELLER = 0,
    OXT_LEVEL_CLIENT,
    OXT_LEVEL_DOMAIN,
    OXT_LEVEL_MAILBOX,
    OXT_LEVEL_COUNT
} oxt_level_t;

/** One level's preferences as stored; unset: -1, NULL, INHERIT. */
typedef struct oxt_prefs_t {
    int access;
    oxt_forever_t forever;        /* at mailbox level: the OX Service tick */
    int default_quota_mb;
    int max_quota_mb;
    const char *language;
    const char *timezone;
    int service;                  /* oxt_service_t, or -1 */
    int now;                      /* a Webmail Now request is pending */
} oxt_prefs_t;

typedef struct oxt_prefs_chain_t {
    oxt_prefs_t level[OXT_LEVEL_COUNT];
} oxt_prefs_chain_t;

const char *oxt_level_name(oxt_level_t level);     /* "reseller", ... */

/** Preferences with nothing set. */
void oxt_prefs_clear(oxt_prefs_t *prefs);

/**
 * Loads the stored preferences of one chain: ids of 0 (no reseller, no
 * client) leave that level empty.
 */
apr_status_t oxt_prefs_chain_load(oxt_prefs_chain_t *chain, oxt_db_t *db,
                                  long long reseller_id, long long client_id,
                                  long long dom_id, long long mail_id,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The mailbox-level preferences of every mailbox of a domain that has
 * some: a hash from the mail id (oxt_util_id_get) to oxt_prefs_t *.
 * sql_mail_ids is the subquery for the domain's mail ids with one '?' for
 * dom_id: code-built SQL (oxt_psa_sql qualifies the psa database, which
 * this module does not know), never text from outside.
 */
apr_status_t oxt_prefs_mailboxes_load(apr_hash_t **pprefs, oxt_db_t *db,
                                      const char *sql_mail_ids,
                                      long long dom_id, oxt_result_t *res,
                                      apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Whose chain to load: a mailbox and the levels above it (0: none). */
typedef struct oxt_prefs_owner_t {
    long long reseller_id;
    long long client_id;
    long long dom_id;
    long long mail_id;
} oxt_prefs_owner_t;

/**
 * The chains of n mailboxes (n at most OXT_PREFS_CHAINS_MAX) in one
 * query: a hash from the mail id (oxt_util_id_get) to oxt_prefs_chain_t
 * *, in p; every owner gets one, empty where nothing is stored.
 */
#define OXT_PREFS_CHAINS_MAX 500
apr_status_t oxt_prefs_chains_load(apr_hash_t **pchains, oxt_db_t *db,
                                   const oxt_prefs_owner_t *owners, int n,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The stored preferences the domains sel chooses (a range, a page of a
 * full pass, or a batch of hints' list: oxt_db_idsel_t) inherit from:
 * the domains' own, their mailboxes', their clients' and their
 * resellers', in one streamed query (rows for oxt_prefs_from_row, in no
 * particular order). The three subqueries select those domains' mail,
 * client and reseller ids and take sel's parameters
 * (oxt_plesk_range_ids_sql): code-built SQL, never text from outside.
 */
apr_status_t oxt_prefs_range(oxt_db_t *db, const char *sql_mail_ids,
                             const char *sql_client_ids,
                             const char *sql_reseller_ids,
                             const oxt_db_idsel_t *sel, oxt_db_row_cb *cb,
                             void *baton, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Reads a row of oxt_prefs_range: its level, the Plesk id of the object
 * and the preferences (strings point into the row). OXT_ESCHEMA when the
 * row has another shape or names no level we know.
 */
apr_status_t oxt_prefs_from_row(oxt_level_t *plevel, long long *pid,
                                oxt_prefs_t *prefs, const oxt_db_row_t *row);

/* ---- inheritance (pure functions) ---------------------------------------- */

/** Does the mailbox belong in OX by choice: its own OX Service tick, or
 *  Webmail Forever from the nearest level that says on or off? */
int oxt_prefs_selected(const oxt_prefs_chain_t *chain);

/** Is a Webmail Now request pending on any level above the mailbox? */
int oxt_prefs_now_pending(const oxt_prefs_chain_t *chain);

oxt_service_t oxt_prefs_service(const oxt_prefs_chain_t *chain,
                                const oxt_settings_t *settings);
const char *oxt_prefs_language(const oxt_prefs_chain_t *chain,
                               const oxt_settings_t *settings);
const char *oxt_prefs_timezone(const oxt_prefs_chain_t *chain,
                               const oxt_settings_t *settings);

/** The domain's Infostore quota (MB): the nearest default, never above
 *  any maximum set on the domain or above it. */
int oxt_prefs_domain_quota(const oxt_prefs_chain_t *chain,
                           const oxt_settings_t *settings);

#endif /* OXT_PREFS_H */
