/*
 * oxt_repl_queue.c — turning claimed queue items into domain work.
 *
 * Every hint ends in the domains it concerns: a mailbox hint in its
 * domain, a client or reseller hint in all their domains, "all" in a full
 * pass. The domain is then planned whole (cheap, and it catches whatever
 * else changed), and the items are done or failed with it.
 */
#include <apr_strings.h>
#include <apr_hash.h>

#include "oxt_repl.h"
#include "oxt_queue.h"
#include "oxt_mbdir.h"
#include "oxt_log.h"
#include "oxt_util.h"

#define BATCH_ITEMS 200
#define LEASE_S     600

static void queue_group(apr_hash_t *doms, long long dom_id,
                        oxt_queue_item_t *item, apr_pool_t *p)
{
    apr_array_header_t *items = oxt_util_id_get(doms, dom_id);

    if (items == NULL) {
        items = apr_array_make(p, 2, sizeof(oxt_queue_item_t *));
        oxt_util_id_set(doms, dom_id, items);
    }
    if (item != NULL) {
        APR_ARRAY_PUSH(items, oxt_queue_item_t *) = item;
    }
}

/* Sorts one item into the domain groups (oxt_queue_item_domains); an item
 * that names no domain (an unknown object, "all") goes to later. The
 * item goes with each of its domains, so the log names who asked (Webmail
 * Now on a client); the first one done removes it. */
static apr_status_t queue_sort_item(apr_hash_t *doms, int *pall,
                                    apr_array_header_t *later,
                                    oxt_repl_session_t *s,
                                    apr_hash_t *mail_doms,
                                    oxt_queue_item_t *item,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(long long));
    const long long *dom;
    int i;
    apr_status_t rv = APR_SUCCESS;

    if (item->type == OXT_OBJ_MAILBOX) {
        /* Found for the whole batch at once (oxt_queue_mail_domains). */
        dom = oxt_util_id_get(mail_doms, item->object_id);
        if (dom != NULL) {
            APR_ARRAY_PUSH(ids, long long) = *dom;
        }
    }
    else {
        rv = oxt_queue_item_domains(&ids, item, s->psa, s->db, res, p);
    }
    for (i = 0; rv == APR_SUCCESS && i < ids->nelts; i++) {
        queue_group(doms, APR_ARRAY_IDX(ids, i, long long), item, p);
    }
    if (rv == APR_SUCCESS && ids->nelts == 0) {
        *pall |= item->type == OXT_OBJ_ALL;
        APR_ARRAY_PUSH(later, oxt_queue_item_t *) = item;
    }
    return rv;
}

static apr_status_t queue_run_domains(oxt_repl_session_t *s, apr_hash_t *doms,
                                      const char *owner, oxt_result_t *res,
                                      apr_pool_t *p)
{
    apr_hash_index_t *hi;
    apr_array_header_t *items;
    apr_status_t rv = APR_SUCCESS;

    for (hi = apr_hash_first(p, doms); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        items = apr_hash_this_val(hi);
        rv = oxt_engine_domain(s->engine, oxt_util_id_key(hi),
                               items->nelts ? items : NULL, owner, res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_engine_drain(s->engine, res);
    }
    return rv;
}

/* The lists' directory of what the batch worked: its domains, and the
 * accounts its hints named; the Mailboxes page's of its domains. */
static apr_status_t queue_directory(oxt_repl_session_t *s, apr_hash_t *doms,
                                    apr_array_header_t *items,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, 16, sizeof(long long));
    apr_array_header_t *accounts = apr_array_make(p, 4, sizeof(long long));
    const oxt_queue_item_t *item;
    apr_hash_index_t *hi;
    int i;
    apr_status_t rv;

    for (hi = apr_hash_first(p, doms); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(ids, long long) = oxt_util_id_key(hi);
    }
    for (i = 0; i < items->nelts; i++) {
        item = APR_ARRAY_IDX(items, i, const oxt_queue_item_t *);
        if (item->type == OXT_OBJ_CLIENT || item->type == OXT_OBJ_RESELLER) {
            APR_ARRAY_PUSH(accounts, long long) = item->object_id;
        }
    }
    rv = accounts->nelts == 0 ? APR_SUCCESS
       : oxt_dir_sync_accounts(s->db, s->psa, accounts, 0, NULL, res, p);
    if (rv == APR_SUCCESS && ids->nelts > 0) {
        rv = oxt_dir_sync_domains(s->db, s->psa, ids, 0, NULL, res, p);
    }
    if (rv == APR_SUCCESS && ids->nelts > 0) {
        rv = oxt_mbdir_sync_domains(s->db, s->psa, s->settings, ids, NULL,
                                    res, p);
    }
    return rv;
}

apr_status_t oxt_repl_queue_batch(int *pclaimed, int *pall,
                                  oxt_repl_session_t *s, const char *owner,
                                  oxt_result_t *res)
{
    apr_array_header_t *items, *later;
    apr_hash_t *doms, *mail_doms = NULL;
    apr_pool_t *p;
    int i;
    apr_status_t rv;

    apr_pool_create(&p, s->p);
    *pclaimed = 0;
    rv = oxt_queue_claim(&items, s->db, owner, BATCH_ITEMS, LEASE_S, res, p);
    if (rv == APR_SUCCESS) {
        *pclaimed = items->nelts;
        doms = apr_hash_make(p);
        /* Nothing is in progress between batches: the seats are
         * reloaded from what was recorded. */
        if (items->nelts > 0) {
            rv = oxt_repl_seats(s, 0, res);
        }
        later = apr_array_make(p, 4, sizeof(oxt_queue_item_t *));
        if (rv == APR_SUCCESS) {
            rv = oxt_queue_mail_domains(&mail_doms, items, s->psa, s->db,
                                        res, p);
        }
        for (i = 0; rv == APR_SUCCESS && i < items->nelts; i++) {
            rv = queue_sort_item(doms, pall, later, s, mail_doms,
                                 APR_ARRAY_IDX(items, i, oxt_queue_item_t *),
                                 res, p);
        }
        if (rv == APR_SUCCESS) {
            rv = queue_run_domains(s, doms, owner, res, p);
        }
        if (rv == APR_SUCCESS && items->nelts > 0) {
            rv = queue_directory(s, doms, items, res, p);
        }
        /* Account hints and "all" are answered by the domain work (and
         * the full pass the caller runs for "all"). */
        for (i = 0; rv == APR_SUCCESS && i < later->nelts; i++) {
            rv = oxt_queue_done(s->db, APR_ARRAY_IDX(later, i,
                                oxt_queue_item_t *), owner, res, p);
        }
    }
    apr_pool_destroy(p);
    return rv;
}
