/*
 * oxt_work.h — everything about one domain that planning needs, loaded
 * in a handful of queries: the psa domain and its mailboxes with aliases,
 * the preferences of every level, what was applied, the desired state and
 * the plan.
 */
#ifndef OXT_WORK_H
#define OXT_WORK_H

#include <apr_pools.h>
#include <apr_errno.h>

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

/**
 * Loads domain dom_id and plans it. A domain gone from psa is planned
 * from what was applied (its users and context leave OX if allowed).
 * Everything lives in p.
 */
apr_status_t oxt_work_load(oxt_work_t **pwork, long long dom_id,
                           const oxt_desired_env_t *env, const oxt_psa_t *psa,
                           oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Re-plans after the applied state changed (e.g. an adopted user). */
void oxt_work_replan(oxt_work_t *work, const oxt_desired_env_t *env,
                     apr_pool_t *p);

#endif /* OXT_WORK_H */
