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
#include <apr_time.h>

#include "oxt_repl.h"
#include "oxt_queue.h"
#include "oxt_mbdir.h"
#include "oxt_log.h"
#include "oxt_util.h"

/* A batch's domains go on while the next batch is claimed (the engine
 * is fed continuously); the more a batch holds, the fewer of a backlog's
 * statements go to claiming and sorting. Short of a backlog a batch
 * takes what is due, and it is small. */
#define BATCH_ITEMS 500
#define LEASE_S     600
/* While the queue is behind (a burst), the lists' directory of the
 * hints worked waits this long, so that the domains a burst names batch
 * after batch are synced once; then it gets at most QUEUE_DIR_BUDGET,
 * QUEUE_DIR_SLICE finished domains at a time, once every QUEUE_DIR_EVERY
 * (not after every batch: each slice is time the engine's thread does
 * not turn, and a burst's hints waited behind them), and the rest waits
 * for the queue to catch up. */
#define QUEUE_DIR_EVERY apr_time_from_sec(5)
#define QUEUE_DIR_BUDGET apr_time_from_msec(50)
#define QUEUE_DIR_SLICE 16
/* Caught up, a turn of the daemon gives it at most this (its next idle
 * turns the rest): a hint that comes meanwhile waits no longer, where
 * the whole directory of a burst's domains took seconds. */
#define QUEUE_DIR_IDLE_BUDGET apr_time_from_msec(250)
/* How long a batch lets its domains (and those before it) go on before
 * the daemon looks for new hints again: about its poll. */
#define QUEUE_RUN_FOR apr_time_from_msec(100)
/* How long seats counted in memory may stand without a limit in force:
 * then a new license key is taken up within this while the batches keep
 * their domains running. */
#define QUEUE_SEATS_EVERY apr_time_from_sec(10)

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

/* Starts the batch's domains (their work loaded many at a time:
 * oxt_engine_domains); *pstarted: when the last one was. */
static apr_status_t queue_run_domains(oxt_repl_session_t *s, apr_hash_t *doms,
                                      const char *owner, apr_time_t *pstarted,
                                      oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids = oxt_util_id_keys(doms, p);
    apr_status_t rv;

    oxt_util_ids_sort(ids);
    rv = oxt_engine_domains(s->engine, ids, doms, owner, res);
    *pstarted = apr_time_now();
    return rv;
}

/* Notes the batch's domains, and the accounts its hints named, for the
 * directory. */
static void queue_dir_note(oxt_repl_session_t *s, apr_hash_t *doms,
                           const apr_array_header_t *items)
{
    const oxt_queue_item_t *item;
    apr_hash_index_t *hi;
    int i;

    if (s->dir_pool == NULL) {
        apr_pool_create(&s->dir_pool, s->p);
    }
    if (s->dir_doms == NULL) {
        s->dir_doms = apr_hash_make(s->dir_pool);
        s->dir_order = apr_array_make(s->dir_pool, 64, sizeof(long long));
        s->dir_accounts = apr_hash_make(s->dir_pool);
        s->dir_since = apr_time_now();
    }
    for (hi = apr_hash_first(NULL, doms); hi; hi = apr_hash_next(hi)) {
        long long id = oxt_util_id_key(hi);

        if (oxt_util_id_get(s->dir_doms, id) == NULL) {
            oxt_util_id_set(s->dir_doms, id, "");
            APR_ARRAY_PUSH(s->dir_order, long long) = id;
        }
    }
    for (i = 0; i < items->nelts; i++) {
        item = APR_ARRAY_IDX(items, i, const oxt_queue_item_t *);
        if (item->type == OXT_OBJ_CLIENT || item->type == OXT_OBJ_RESELLER) {
            oxt_util_id_set(s->dir_accounts, item->object_id, "");
        }
    }
}

/* Both directories of the domains ids, and the lists' of the accounts
 * (none: NULL). */
static apr_status_t queue_dir_sync(oxt_repl_session_t *s,
                                   const apr_array_header_t *ids,
                                   const apr_array_header_t *accounts,
                                   oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = accounts == NULL || accounts->nelts == 0
                    ? APR_SUCCESS
                    : oxt_dir_sync_accounts(s->db, s->psa, accounts, 0,
                                            NULL, res, p);

    if (rv == APR_SUCCESS && ids->nelts > 0) {
        rv = oxt_dir_sync_domains(s->db, s->psa, ids, 0, NULL, res, p);
    }
    if (rv == APR_SUCCESS && ids->nelts > 0) {
        rv = oxt_mbdir_sync_domains(s->db, s->psa, s->settings, ids, NULL,
                                    res, p);
    }
    return rv;
}

/* The lists' directory of what the hints worked since the last time: the
 * domains, and the accounts the hints named; the Mailboxes page's of the
 * domains. Every domain noted is finished first (the engine drained). */
static apr_status_t queue_directory(oxt_repl_session_t *s, oxt_result_t *res,
                                    apr_pool_t *p)
{
    apr_array_header_t *ids, *accounts;
    apr_status_t rv;

    if (s->dir_doms == NULL) {
        return APR_SUCCESS;
    }
    rv = oxt_engine_drain(s->engine, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    ids = oxt_util_id_keys(s->dir_doms, p);
    accounts = oxt_util_id_keys(s->dir_accounts, p);
    /* Taken off first: a failure is not repeated by every batch (the
     * next full pass brings the directory in line). */
    s->dir_doms = s->dir_accounts = NULL;
    s->dir_order = NULL;
    apr_pool_clear(s->dir_pool);
    return queue_dir_sync(s, ids, accounts, res, p);
}

/* Takes up to n of the noted domains the engine has finished (all their
 * records committed: oxt_engine_busy), the oldest first, into *pids; a
 * domain still in progress stays noted, for a later slice. */
static void queue_dir_take(apr_array_header_t **pids, oxt_repl_session_t *s,
                           int n, apr_pool_t *p)
{
    apr_array_header_t *order = s->dir_order;
    long long id;
    int i, kept = 0;

    *pids = apr_array_make(p, n, sizeof(long long));
    for (i = 0; i < order->nelts; i++) {
        id = APR_ARRAY_IDX(order, i, long long);
        if ((*pids)->nelts < n && !oxt_engine_busy(s->engine, id)) {
            APR_ARRAY_PUSH(*pids, long long) = id;
            oxt_util_id_set(s->dir_doms, id, NULL);
        }
        else {
            APR_ARRAY_IDX(order, kept, long long) = id;
            kept++;
        }
    }
    order->nelts = kept;
}

/* The directory a slice of finished domains at a time, for at most
 * budget, the engine's domains going on (not drained): in a burst,
 * draining for the whole directory stopped every hint for seconds.
 * Account hints (rare: their lists span domains) still wait for
 * queue_directory. */
static apr_status_t queue_dir_slices(oxt_repl_session_t *s,
                                     apr_interval_time_t budget,
                                     oxt_result_t *res, apr_pool_t *p)
{
    apr_time_t until = apr_time_now() + budget;
    apr_array_header_t *ids;
    apr_status_t rv = APR_SUCCESS;

    while (rv == APR_SUCCESS && s->dir_order->nelts > 0
           && apr_time_now() < until) {
        queue_dir_take(&ids, s, QUEUE_DIR_SLICE, p);
        if (ids->nelts == 0) {
            break;
        }
        /* Taken off first, as in queue_directory. */
        rv = queue_dir_sync(s, ids, NULL, res, p);
    }
    if (s->dir_order->nelts == 0 && apr_hash_count(s->dir_accounts) == 0) {
        s->dir_doms = s->dir_accounts = NULL;
        s->dir_order = NULL;
        apr_pool_clear(s->dir_pool);
    }
    return rv;
}

/* Must the seats be loaded afresh before this batch (queue_sort)? */
static int queue_seats_due(const oxt_repl_session_t *s)
{
    const oxt_license_terms_t *t = oxt_seats_terms(s->seats);

    return t->max_domains != OXT_LICENSE_UNLIMITED
           || t->max_mailboxes != OXT_LICENSE_UNLIMITED
           || t->groupware_cap != OXT_LICENSE_UNLIMITED
           || apr_time_now() - s->seats_at >= QUEUE_SEATS_EVERY;
}

/* Sorts the claimed items into domain groups (doms) and later. */
static apr_status_t queue_sort(apr_hash_t *doms, int *pall,
                               apr_array_header_t *later,
                               oxt_repl_session_t *s,
                               const apr_array_header_t *items,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *mail_doms = NULL;
    int i;
    apr_status_t rv = APR_SUCCESS;

    /* With nothing in progress the seats are reloaded from what was
     * recorded; while the last batch's domains still run they go on
     * counting in memory what they gave (oxt_seats.h: the caps hold).
     * Memory never gives a seat back, so under a limit (a deleted
     * mailbox's seat for the next create) and every QUEUE_SEATS_EVERY
     * (a new key) those domains finish first and the seats are loaded. */
    if (items->nelts > 0 && oxt_engine_active(s->engine) > 0
        && queue_seats_due(s)) {
        rv = oxt_engine_drain(s->engine, res);
    }
    if (rv == APR_SUCCESS && items->nelts > 0
        && oxt_engine_active(s->engine) == 0) {
        rv = oxt_repl_seats(s, 0, res);
        s->seats_at = apr_time_now();
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_queue_mail_domains(&mail_doms, items, s->psa, s->db, res,
                                    p);
    }
    for (i = 0; rv == APR_SUCCESS && i < items->nelts; i++) {
        rv = queue_sort_item(doms, pall, later, s, mail_doms,
                             APR_ARRAY_IDX(items, i, oxt_queue_item_t *),
                             res, p);
    }
    return rv;
}

/* After the batch's domains started: they go on while the daemon looks
 * for new hints; only once the queue has caught up (nothing claimed) do
 * they finish here, so that what the caller gets back is done. Then the
 * directory in slices (queue_dir_slices): once caught up, and every
 * QUEUE_DIR_EVERY while the queue is behind; whole (drained) when account
 * hints wait. *pran: when the engine stopped. */
static apr_status_t queue_after(oxt_repl_session_t *s, apr_hash_t *doms,
                                const apr_array_header_t *items,
                                apr_time_t *pran, oxt_result_t *res,
                                apr_pool_t *p)
{
    int due;
    apr_status_t rv = items->nelts == 0
                    ? oxt_engine_drain(s->engine, res)
                    : oxt_engine_run_for(s->engine, QUEUE_RUN_FOR, res);

    *pran = apr_time_now();
    if (rv == APR_SUCCESS && items->nelts > 0) {
        queue_dir_note(s, doms, items);
    }
    if (rv != APR_SUCCESS || s->dir_doms == NULL) {
        return rv;
    }
    due = items->nelts == 0
          || (apr_time_now() - s->dir_since >= QUEUE_DIR_EVERY
              && apr_time_now() - s->dir_behind >= QUEUE_DIR_EVERY);
    if (due && items->nelts > 0) {
        s->dir_behind = apr_time_now();
    }
    if (due && apr_hash_count(s->dir_accounts) > 0) {
        rv = queue_directory(s, res, p);
    }
    else if (due) {
        rv = queue_dir_slices(s, items->nelts == 0 ? QUEUE_DIR_IDLE_BUDGET
                                                   : QUEUE_DIR_BUDGET,
                              res, p);
    }
    return rv;
}

/* Where a batch's time went (level info): what a burst of hints waits
 * for. */
static void queue_log_batch(const apr_time_t *t, apr_interval_time_t plan,
                            int items, int doms)
{
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                   OXTLOGNO(04440) "queue batch: %d items in %d domains,"
                   " %.1f ms: claim %.1f, seats and domains %.1f, domains"
                   " started %.1f (loading and planning them %.1f), run on"
                   " (drained once caught up) %.1f, directory %.1f, done"
                   " %.1f",
                   items, doms, (double)(t[6] - t[0]) / 1000.0,
                   (double)(t[1] - t[0]) / 1000.0,
                   (double)(t[2] - t[1]) / 1000.0,
                   (double)(t[3] - t[2]) / 1000.0, (double)plan / 1000.0,
                   (double)(t[4] - t[3]) / 1000.0,
                   (double)(t[5] - t[4]) / 1000.0,
                   (double)(t[6] - t[5]) / 1000.0);
}

apr_status_t oxt_repl_queue_batch(int *pclaimed, int *pall,
                                  oxt_repl_session_t *s, const char *owner,
                                  oxt_result_t *res)
{
    apr_array_header_t *items, *later;
    apr_hash_t *doms = NULL;
    apr_pool_t *p;
    apr_time_t t[7];
    apr_interval_time_t plan = 0;
    int i;
    apr_status_t rv;

    apr_pool_create(&p, s->p);
    *pclaimed = 0;
    t[0] = apr_time_now();
    rv = oxt_queue_claim(&items, s->db, owner, BATCH_ITEMS, LEASE_S, res, p);
    t[1] = t[2] = t[3] = t[4] = t[5] = apr_time_now();
    if (rv == APR_SUCCESS) {
        *pclaimed = items->nelts;
        doms = apr_hash_make(p);
        later = apr_array_make(p, 4, sizeof(oxt_queue_item_t *));
        rv = queue_sort(doms, pall, later, s, items, res, p);
        t[2] = apr_time_now();
        plan = oxt_engine_stats(s->engine)->profile.plan;
        if (rv == APR_SUCCESS) {
            rv = queue_run_domains(s, doms, owner, &t[3], res, p);
        }
        plan = oxt_engine_stats(s->engine)->profile.plan - plan;
        if (rv == APR_SUCCESS) {
            rv = queue_after(s, doms, items, &t[4], res, p);
        }
        t[5] = apr_time_now();
        /* Account hints and "all" are answered by the domain work (and
         * the full pass the caller runs for "all"). */
        for (i = 0; rv == APR_SUCCESS && i < later->nelts; i++) {
            rv = oxt_queue_done(s->db, APR_ARRAY_IDX(later, i,
                                oxt_queue_item_t *), owner, res, p);
        }
    }
    t[6] = apr_time_now();
    if (*pclaimed > 0) {
        queue_log_batch(t, plan, *pclaimed,
                        doms != NULL ? (int)apr_hash_count(doms) : 0);
    }
    apr_pool_destroy(p);
    return rv;
}
