/*
 * oxt_repl_queue.c — turning claimed queue items into domain work.
 *
 * Every hint ends in the domains it concerns: a mailbox hint in its
 * domain, a client or reseller hint in all their domains, "all" in a full
 * pass. The domain is then planned whole (cheap, and it catches whatever
 * else changed), and the items are done or failed with it.
 */
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "oxt_repl.h"
#include "oxt_queue.h"
#include "oxt_log.h"
#include "oxt_util.h"

#define BATCH_ITEMS 200
#define LEASE_S     600

static apr_status_t queue_mailbox_domain(long long *pdom,
                                         oxt_repl_session_t *s,
                                         long long mail_id,
                                         oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv;

    rv = oxt_db_select_int(pdom, s->db, oxt_psa_sql(s->psa,
             "SELECT dom_id FROM psa.mail WHERE id = ?", p),
             OXT_DB_ARGS(OXT_DB_INT(mail_id)), res, p);
    if (rv == APR_ENOENT) {
        /* Deleted in Plesk: the domain we replicated it in. */
        rv = oxt_db_select_int(pdom, s->db,
                 "SELECT dom_id FROM mailbox_state WHERE mail_id = ?",
                 OXT_DB_ARGS(OXT_DB_INT(mail_id)), res, p);
    }
    return rv;
}

static apr_status_t queue_owner_domains(apr_array_header_t **prows,
                                        oxt_repl_session_t *s,
                                        const oxt_queue_item_t *item,
                                        oxt_result_t *res, apr_pool_t *p)
{
    const char *sql = item->type == OXT_OBJ_CLIENT
        ? "SELECT id FROM psa.domains WHERE cl_id = ?"
          " UNION SELECT dom_id FROM domain_state WHERE client_id = ?"
        : "SELECT d.id FROM psa.domains d JOIN psa.clients c"
          " ON c.id = d.cl_id WHERE d.cl_id = ? OR c.parent_id = ?"
          " UNION SELECT dom_id FROM domain_state WHERE reseller_id = ?";
    oxt_db_arg_t args[3] = { OXT_DB_INT(item->object_id),
                             OXT_DB_INT(item->object_id),
                             OXT_DB_INT(item->object_id) };

    return oxt_db_select(prows, s->db, oxt_psa_sql(s->psa, sql, p), args,
                         item->type == OXT_OBJ_CLIENT ? 2 : 3, res, p);
}

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

/* Sorts one item into the domain groups; an item that needs nothing (an
 * unknown mailbox, "all", an account's hint) is returned in *plater. */
static apr_status_t queue_sort_item(apr_hash_t *doms, int *pall,
                                    apr_array_header_t *later,
                                    oxt_repl_session_t *s,
                                    oxt_queue_item_t *item,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    long long dom = 0;
    int i;
    apr_status_t rv = APR_SUCCESS;

    switch (item->type) {
    case OXT_OBJ_MAILBOX:
        rv = queue_mailbox_domain(&dom, s, item->object_id, res, p);
        if (rv == APR_SUCCESS) {
            queue_group(doms, dom, item, p);
            return APR_SUCCESS;
        }
        break;
    case OXT_OBJ_DOMAIN:
        queue_group(doms, item->object_id, item, p);
        return APR_SUCCESS;
    case OXT_OBJ_CLIENT:
    case OXT_OBJ_RESELLER:
        /* The item goes with each of its domains, so the log names who
         * asked (Webmail Now on a client); the first one done removes it. */
        rv = queue_owner_domains(&rows, s, item, res, p);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            queue_group(doms, oxt_db_row_int(APR_ARRAY_IDX(rows, i,
                        const oxt_db_row_t *), 0, 0), item, p);
        }
        if (rv == APR_SUCCESS && rows->nelts > 0) {
            return APR_SUCCESS;
        }
        break;
    case OXT_OBJ_ALL:
        *pall = 1;
        break;
    }
    APR_ARRAY_PUSH(later, oxt_queue_item_t *) = item;
    return rv == APR_ENOENT ? APR_SUCCESS : rv;
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

apr_status_t oxt_repl_queue_batch(int *pclaimed, int *pall,
                                  oxt_repl_session_t *s, const char *owner,
                                  oxt_result_t *res)
{
    apr_array_header_t *items, *later;
    apr_hash_t *doms;
    apr_pool_t *p;
    int i;
    apr_status_t rv;

    apr_pool_create(&p, s->p);
    *pclaimed = 0;
    rv = oxt_queue_claim(&items, s->db, owner, BATCH_ITEMS, LEASE_S, res, p);
    if (rv == APR_SUCCESS) {
        *pclaimed = items->nelts;
        doms = apr_hash_make(p);
        later = apr_array_make(p, 4, sizeof(oxt_queue_item_t *));
        for (i = 0; rv == APR_SUCCESS && i < items->nelts; i++) {
            rv = queue_sort_item(doms, pall, later, s,
                                 APR_ARRAY_IDX(items, i, oxt_queue_item_t *),
                                 res, p);
        }
        if (rv == APR_SUCCESS) {
            rv = queue_run_domains(s, doms, owner, res, p);
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
