/*
 * oxt_work.c — see oxt_work.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_work.h"
#include "oxt_util.h"

typedef struct {
    oxt_work_t *work;
    apr_array_header_t *mboxes;      /* oxt_plesk_mailbox_t * */
    apr_pool_t *p;
} work_load_t;

static apr_status_t work_domain_cb(void *baton, const oxt_plesk_domain_t *dom,
                                   apr_pool_t *ptemp)
{
    work_load_t *wl = baton;
    oxt_plesk_mailbox_t tmp;

    memset(&tmp, 0, sizeof(tmp));
    tmp.domain = *dom;
    wl->work->dom = &oxt_plesk_mailbox_copy(&tmp, wl->p)->domain;
    (void)ptemp;
    return APR_SUCCESS;
}

static apr_status_t work_mailbox_cb(void *baton,
                                    const oxt_plesk_mailbox_t *mbox,
                                    apr_pool_t *ptemp)
{
    work_load_t *wl = baton;

    APR_ARRAY_PUSH(wl->mboxes, oxt_plesk_mailbox_t *) =
        oxt_plesk_mailbox_copy(mbox, wl->p);
    (void)ptemp;
    return APR_SUCCESS;
}

static apr_status_t work_load_psa(work_load_t *wl, const oxt_psa_t *psa,
                                  oxt_db_t *db, oxt_result_t *res)
{
    oxt_plesk_scope_t scope = { OXT_ROLE_DOMAIN, wl->work->dom_id };
    apr_status_t rv;

    rv = oxt_plesk_domains_each(psa, db, &scope, work_domain_cb, wl, res,
                                wl->p);
    if (rv == APR_SUCCESS && wl->work->dom != NULL) {
        rv = oxt_plesk_mailboxes_each(psa, db, &scope, work_mailbox_cb, wl,
                                      res, wl->p);
    }
    return rv;
}

/* The desired user of one mailbox, with its own level in the chain. */
static void work_user(oxt_plan_user_t *u, const oxt_desired_env_t *env,
                      const oxt_plesk_mailbox_t *mbox,
                      const oxt_prefs_chain_t *chain, apr_hash_t *mprefs,
                      apr_hash_t *aliases,
                      const apr_array_header_t *dom_aliases, apr_pool_t *p)
{
    const oxt_prefs_t *own = oxt_util_id_get(mprefs, mbox->id);
    oxt_prefs_chain_t mine = *chain;
    oxt_desired_user_t *want = apr_pcalloc(p, sizeof(*want));

    if (own != NULL) {
        mine.level[OXT_LEVEL_MAILBOX] = *own;
    }
    oxt_desired_user(want, env, mbox,
                     oxt_util_id_get(aliases, mbox->id),
                     dom_aliases, &mine, p);
    u->mbox = mbox;
    u->want = want;
}

typedef struct {
    apr_hash_t *mprefs, *aliases, *state;
    apr_array_header_t *dom_aliases;
    oxt_prefs_chain_t chain;
} work_data_t;

static apr_status_t work_load_data(work_data_t *d, oxt_work_t *w,
                                   const oxt_psa_t *psa, oxt_db_t *db,
                                   oxt_result_t *res, apr_pool_t *p)
{
    const oxt_plesk_owner_t *o = &w->dom->owner;
    apr_status_t rv;

    rv = oxt_prefs_chain_load(&d->chain, db, o->reseller_id, o->client_id,
                              w->dom_id, 0, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_prefs_mailboxes_load(&d->mprefs, db, oxt_psa_sql(psa,
                 "SELECT id FROM psa.mail WHERE dom_id = ?", p), w->dom_id,
                 res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_plesk_domain_mailbox_aliases(&d->aliases, psa, db,
                                              w->dom_id, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_plesk_domain_mail_aliases(&d->dom_aliases, psa, db,
                                           w->dom_id, res, p);
    }
    return rv;
}

static void work_build_users(oxt_work_t *w, work_data_t *d,
                             const oxt_desired_env_t *env,
                             apr_array_header_t *mboxes, apr_pool_t *p)
{
    apr_hash_index_t *hi;
    oxt_plan_user_t *u;
    int i;

    for (i = 0; mboxes && i < mboxes->nelts; i++) {
        u = apr_array_push(w->users);
        memset(u, 0, sizeof(*u));
        work_user(u, env, APR_ARRAY_IDX(mboxes, i, oxt_plesk_mailbox_t *),
                  &d->chain, d->mprefs, d->aliases, d->dom_aliases, p);
        u->have = oxt_util_id_get(d->state, u->mbox->id);
        oxt_util_id_set(d->state, u->mbox->id, NULL);
    }
    /* What is left in the state is gone from Plesk. */
    for (hi = apr_hash_first(p, d->state); hi; hi = apr_hash_next(hi)) {
        u = apr_array_push(w->users);
        memset(u, 0, sizeof(*u));
        u->have = apr_hash_this_val(hi);
    }
    if (w->dom != NULL) {
        oxt_desired_context(&w->want_ctx, env, w->dom, d->dom_aliases,
                            &d->chain, p);
    }
}

void oxt_work_replan(oxt_work_t *work, const oxt_desired_env_t *env,
                     apr_pool_t *p)
{
    oxt_plan_input_t in;

    in.dom = work->dom;
    in.want_ctx = work->dom ? &work->want_ctx : NULL;
    in.have_ctx = &work->have_ctx;
    in.users = work->users;
    in.auto_delete = env->settings->auto_delete;
    work->ops = oxt_plan_domain(&in, p);
}

apr_status_t oxt_work_load(oxt_work_t **pwork, long long dom_id,
                           const oxt_desired_env_t *env, const oxt_psa_t *psa,
                           oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
{
    oxt_work_t *w = apr_pcalloc(p, sizeof(*w));
    work_load_t wl = { w, apr_array_make(p, 16, sizeof(void *)), p };
    work_data_t d;
    apr_status_t rv;

    memset(&d, 0, sizeof(d));
    w->dom_id = dom_id;
    w->users = apr_array_make(p, 16, sizeof(oxt_plan_user_t));
    rv = work_load_psa(&wl, psa, db, res);
    if (rv == APR_SUCCESS && w->dom != NULL) {
        rv = work_load_data(&d, w, psa, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_context_load(&w->have_ctx, db, dom_id, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_users_load(&d.state, db, dom_id, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    w->dom_name = w->dom ? w->dom->name : w->have_ctx.context_name;
    work_build_users(w, &d, env, w->dom ? wl.mboxes : NULL, p);
    oxt_work_replan(w, env, p);
    *pwork = w;
    return APR_SUCCESS;
}
