/*
 * oxt_work.h — everything about one domain that planning needs: the psa
 * domain and its mailboxes with aliases, the preferences of every level,
 * what was applied, the desired state and the plan.
 *
 * Two loaders fill the same input and build the work the same way
 * (oxt_work_build): oxt_work_load reads one domain in a handful of
 * queries (a hint, a repair); a full pass reads many domains per query
 * (oxt_batch.h).
 */
#ifndef OXT_WORK_H
#define OXT_WORK_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_plan.h"

typedef struct oxt_work_t {
    long long dom_id;
    oxt_plesk_domain_t *dom;           /* NULL: deleted in Plesk */
    const char *dom_name;              /* psa name, or the applied one */
    oxt_desired_context_t want_ctx;
    oxt_applied_context_t have_ctx;
    apr_array_header_t *users;         /* oxt_plan_user_t */
    apr_array_header_t *ops;           /* oxt_op_t, the plan */
} oxt_work_t;

/** What a domain's work is made of, as loaded. */
typedef struct oxt_work_input_t {
    oxt_plesk_domain_t *dom;           /* NULL: gone from psa */
    apr_array_header_t *mboxes;        /* oxt_plesk_mailbox_t *, by id */
    apr_hash_t *aliases;               /* mail id -> array of local parts */
    apr_array_header_t *dom_aliases;   /* mail-enabled alias names */
    oxt_prefs_chain_t chain;           /* reseller, client, domain level */
    apr_hash_t *mprefs;                /* mail id -> oxt_prefs_t * */
    oxt_applied_context_t have_ctx;    /* exists 0: none */
    apr_hash_t *state;                 /* mail id -> oxt_applied_user_t *;
                                          emptied by oxt_work_build */
} oxt_work_input_t;

/**
 * Loads domain dom_id and plans it. A domain gone from psa is planned
 * from what was applied (its users and context leave OX if allowed).
 * Everything lives in p.
 */
apr_status_t oxt_work_load(oxt_work_t **pwork, long long dom_id,
                           const oxt_desired_env_t *env, const oxt_psa_t *psa,
                           oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The work of domain dom_id from what was loaded (in, whose hashes and
 * arrays may be NULL when empty), planned, in p; in must live as long as
 * the work. Users come in mailbox id order, then the applied users gone
 * from Plesk, by id.
 */
oxt_work_t *oxt_work_build(long long dom_id, oxt_work_input_t *in,
                           const oxt_desired_env_t *env, apr_pool_t *p);

/** Re-plans after the applied state changed (e.g. an adopted user). */
void oxt_work_replan(oxt_work_t *work, const oxt_desired_env_t *env,
                     apr_pool_t *p);

#endif /* OXT_WORK_H */
