/*
 * oxt_work.c — see oxt_work.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_work.h"
#include "oxt_util.h"

/* ---- building a domain's work -------------------------------------------- */

/* The desired user of one mailbox, with its own level in the chain. */
static void work_user(oxt_plan_user_t *u, const oxt_desired_env_t *env,
                      const oxt_plesk_mailbox_t *mbox,
                      const oxt_work_input_t *in, apr_pool_t *p)
{
    const oxt_prefs_t *own = in->mprefs ? oxt_util_id_get(in->mprefs,
                                                          mbox->id) : NULL;
    oxt_prefs_chain_t mine = in->chain;
    oxt_desired_user_t *want = apr_pcalloc(p, sizeof(*want));

    if (own != NULL) {
        mine.level[OXT_LEVEL_MAILBOX] = *own;
    }
    oxt_desired_user(want, env, mbox,
                     in->aliases ? oxt_util_id_get(in->aliases, mbox->id)
                                 : NULL,
                     in->dom_aliases, &mine, p);
    u->mbox = mbox;
    u->want = want;
}

static int applied_by_id(const void *a, const void *b)
{
    const oxt_applied_user_t *x = *(const oxt_applied_user_t *const *)a;
    const oxt_applied_user_t *y = *(const oxt_applied_user_t *const *)b;

    return x->mail_id < y->mail_id ? -1 : x->mail_id > y->mail_id;
}

/* What is left in the state is gone from Plesk: by id, so that every
 * loader plans the same domain the same way. */
static void work_gone_users(oxt_work_t *w, apr_hash_t *state, apr_pool_t *p)
{
    apr_array_header_t *gone;
    apr_hash_index_t *hi;
    oxt_plan_user_t *u;
    int i;

    if (state == NULL || apr_hash_count(state) == 0) {
        return;
    }
    gone = apr_array_make(p, (int)apr_hash_count(state), sizeof(void *));
    for (hi = apr_hash_first(p, state); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(gone, void *) = apr_hash_this_val(hi);
    }
    qsort(gone->elts, (size_t)gone->nelts, sizeof(void *), applied_by_id);
    for (i = 0; i < gone->nelts; i++) {
        u = apr_array_push(w->users);
        memset(u, 0, sizeof(*u));
        u->have = APR_ARRAY_IDX(gone, i, oxt_applied_user_t *);
    }
}

static void work_build_users(oxt_work_t *w, oxt_work_input_t *in,
                             const oxt_desired_env_t *env, apr_pool_t *p)
{
    apr_array_header_t *mboxes = w->dom ? in->mboxes : NULL;
    oxt_plan_user_t *u;
    int i;

    for (i = 0; mboxes && i < mboxes->nelts; i++) {
        u = apr_array_push(w->users);
        memset(u, 0, sizeof(*u));
        work_user(u, env, APR_ARRAY_IDX(mboxes, i, oxt_plesk_mailbox_t *),
                  in, p);
        if (in->state != NULL) {
            u->have = oxt_util_id_get(in->state, u->mbox->id);
            oxt_util_id_set(in->state, u->mbox->id, NULL);
        }
    }
    work_gone_users(w, in->state, p);
    if (w->dom != NULL) {
        oxt_desired_context(&w->want_ctx, env, w->dom, in->dom_aliases,
                            &in->chain, p);
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

oxt_work_t *oxt_work_build(long long dom_id, oxt_work_input_t *in,
                           const oxt_desired_env_t *env, apr_pool_t *p)
{
    oxt_work_t *w = apr_pcalloc(p, sizeof(*w));

    w->dom_id = dom_id;
    w->dom = in->dom;
    w->have_ctx = in->have_ctx;
    w->users = apr_array_make(p, in->mboxes && in->mboxes->nelts
                                 ? in->mboxes->nelts : 4,
                              sizeof(oxt_plan_user_t));
    w->dom_name = w->dom ? w->dom->name : w->have_ctx.context_name;
    work_build_users(w, in, env, p);
    oxt_work_replan(w, env, p);
    return w;
}

/* ---- one domain by itself ------------------------------------------------- */

typedef struct {
    oxt_work_input_t *in;
    apr_pool_t *p;
} work_load_t;

static apr_status_t work_domain_cb(void *baton, const oxt_plesk_domain_t *dom,
                                   apr_pool_t *ptemp)
{
    work_load_t *wl = baton;
    oxt_plesk_mailbox_t tmp;

    memset(&tmp, 0, sizeof(tmp));
    tmp.domain = *dom;
    wl->in->dom = &oxt_plesk_mailbox_copy(&tmp, wl->p)->domain;
    (void)ptemp;
    return APR_SUCCESS;
}

static apr_status_t work_mailbox_cb(void *baton,
                                    const oxt_plesk_mailbox_t *mbox,
                                    apr_pool_t *ptemp)
{
    work_load_t *wl = baton;

    APR_ARRAY_PUSH(wl->in->mboxes, oxt_plesk_mailbox_t *) =
        oxt_plesk_mailbox_copy(mbox, wl->p);
    (void)ptemp;
    return APR_SUCCESS;
}

static apr_status_t work_load_psa(work_load_t *wl, long long dom_id,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  oxt_result_t *res)
{
    oxt_plesk_scope_t scope = { OXT_ROLE_DOMAIN, dom_id };
    apr_status_t rv;

    rv = oxt_plesk_domains_each(psa, db, &scope, work_domain_cb, wl, res,
                                wl->p);
    if (rv == APR_SUCCESS && wl->in->dom != NULL) {
        rv = oxt_plesk_mailboxes_each(psa, db, &scope, work_mailbox_cb, wl,
                                      res, wl->p);
    }
    return rv;
}

static apr_status_t work_load_data(oxt_work_input_t *in, long long dom_id,
                                   const oxt_psa_t *psa, oxt_db_t *db,
                                   oxt_result_t *res, apr_pool_t *p)
{
    const oxt_plesk_owner_t *o = &in->dom->owner;
    apr_status_t rv;

    rv = oxt_prefs_chain_load(&in->chain, db, o->reseller_id, o->client_id,
                              dom_id, 0, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_prefs_mailboxes_load(&in->mprefs, db, oxt_psa_sql(psa,
                 "SELECT id FROM psa.mail WHERE dom_id = ?", p), dom_id,
                 res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_plesk_domain_mailbox_aliases(&in->aliases, psa, db, dom_id,
                                              res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_plesk_domain_mail_aliases(&in->dom_aliases, psa, db,
                                           dom_id, res, p);
    }
    return rv;
}

apr_status_t oxt_work_load(oxt_work_t **pwork, long long dom_id,
                           const oxt_desired_env_t *env, const oxt_psa_t *psa,
                           oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
{
    oxt_work_input_t *in = apr_pcalloc(p, sizeof(*in));
    work_load_t wl = { in, p };
    apr_status_t rv;

    in->mboxes = apr_array_make(p, 16, sizeof(void *));
    rv = work_load_psa(&wl, dom_id, psa, db, res);
    if (rv == APR_SUCCESS && in->dom != NULL) {
        rv = work_load_data(in, dom_id, psa, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_context_load(&in->have_ctx, db, dom_id, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_users_load(&in->state, db, dom_id, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *pwork = oxt_work_build(dom_id, in, env, p);
    return APR_SUCCESS;
}
