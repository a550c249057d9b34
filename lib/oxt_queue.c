/*
 * oxt_queue.c — see oxt_queue.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_queue.h"
#include "oxt_crypto.h"
#include "oxt_plesk.h"
#include "oxt_state.h"
#include "oxt_status.h"
#include "oxt_util.h"

static const char *const obj_type_names[] = {
    "mailbox", "domain", "client", "reseller", "all", NULL
};

const char *oxt_obj_type_name(oxt_obj_type_t type)
{
    if ((unsigned)type > OXT_OBJ_ALL) {
        return "all";
    }
    return obj_type_names[type];
}

apr_status_t oxt_obj_type_parse(oxt_obj_type_t *ptype, const char *name)
{
    int i;

    for (i = 0; i <= OXT_OBJ_ALL; i++) {
        if (strcmp(obj_type_names[i], name) == 0) {
            *ptype = (oxt_obj_type_t)i;
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}

/* The bytes hashed: both members as long long, so no padding is hashed. */
typedef struct {
    long long type;
    long long id;
} obj_key_t;

static obj_key_t obj_key(oxt_obj_t obj)
{
    obj_key_t k;

    k.type = (long long)obj.type;
    k.id = obj.id;
    return k;
}

void oxt_obj_set(apr_hash_t *h, oxt_obj_t obj, const void *val)
{
    obj_key_t k = obj_key(obj);
    const void *key = &k;

    if (val != NULL && apr_hash_get(h, &k, sizeof(k)) == NULL) {
        key = apr_pmemdup(apr_hash_pool_get(h), &k, sizeof(k));
    }
    apr_hash_set(h, key, sizeof(k), val);
}

void *oxt_obj_get(apr_hash_t *h, oxt_obj_t obj)
{
    obj_key_t k = obj_key(obj);

    return apr_hash_get(h, &k, sizeof(k));
}

oxt_obj_t oxt_obj_of(apr_hash_index_t *hi)
{
    const obj_key_t *k = apr_hash_this_key(hi);
    oxt_obj_t obj;

    obj.type = (oxt_obj_type_t)k->type;
    obj.id = k->id;
    return obj;
}

long long oxt_queue_backoff_ms(int attempts, double rnd01)
{
    long long ceiling = OXT_QUEUE_BACKOFF_BASE_MS;
    int i;

    for (i = 1; i < attempts && ceiling < OXT_QUEUE_BACKOFF_CAP_MS; i++) {
        ceiling *= 2;
    }
    if (ceiling > OXT_QUEUE_BACKOFF_CAP_MS) {
        ceiling = OXT_QUEUE_BACKOFF_CAP_MS;
    }
    if (rnd01 < 0 || rnd01 >= 1) {
        rnd01 = 0;
    }
    return (long long)(rnd01 * (double)ceiling);
}

static double queue_random01(void)
{
    unsigned int r = 0;

    if (oxt_crypto_random((unsigned char *)&r, sizeof(r)) != APR_SUCCESS) {
        r = (unsigned int)rand();
    }
    return (double)r / 4294967296.0;
}

/* What a hint does to a row already there: one text for one hint and
 * for many. A hint for a parked object unparks it: something changed in
 * Plesk, which may be exactly what the failure needed. */
#define QUEUE_PUSH_UPDATE \
    " ON DUPLICATE KEY UPDATE reason = VALUES(reason)," \
    " detail = VALUES(detail), scheduled_by = VALUES(scheduled_by)," \
    " enqueued_at = VALUES(enqueued_at)," \
    " attempts = IF(parked, 0, attempts)," \
    " not_before = IF(parked, VALUES(not_before)," \
    "                 LEAST(not_before, VALUES(not_before)))," \
    " parked = 0, parked_at = NULL"

apr_status_t oxt_queue_push(oxt_db_t *db, oxt_obj_type_t type,
                            long long object_id, const char *reason,
                            const char *detail, const char *scheduled_by,
                            oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "INSERT INTO queue (object_type, object_id, reason, detail,"
        " scheduled_by, enqueued_at, not_before)"
        " VALUES (?, ?, ?, ?, ?, NOW(3), NOW(3))" QUEUE_PUSH_UPDATE,
        OXT_DB_ARGS(OXT_DB_STR(oxt_obj_type_name(type)),
                    OXT_DB_INT(object_id), OXT_DB_STR(reason),
                    OXT_DB_STR(detail),
                    OXT_DB_STR(scheduled_by ? scheduled_by : "Automatic")),
        res, p);
}

/* Hints per statement; shorter runs are padded with their last hint (a
 * repeat changes nothing), so a few statement texts serve. */
#define QUEUE_PUSH_MAX 100

static apr_status_t queue_push_chunk(oxt_db_t *db,
                                     const apr_array_header_t *hints,
                                     int from, int n, oxt_result_t *res,
                                     apr_pool_t *p)
{
    static const char row[] = ", (?, ?, ?, ?, 'Automatic', NOW(3), NOW(3))";
    oxt_db_arg_t args[4 * QUEUE_PUSH_MAX];
    const oxt_queue_hint_t *h;
    int size = n <= 10 ? n : QUEUE_PUSH_MAX, i;
    char *rows = apr_palloc(p, (apr_size_t)size * (sizeof(row) - 1) + 1);

    for (i = 0; i < size; i++) {
        h = &APR_ARRAY_IDX(hints, from + (i < n ? i : n - 1),
                           const oxt_queue_hint_t);
        args[4 * i] = OXT_DB_STR(oxt_obj_type_name(h->type));
        args[4 * i + 1] = OXT_DB_INT(h->object_id);
        args[4 * i + 2] = OXT_DB_STR(h->reason);
        args[4 * i + 3] = OXT_DB_STR(h->detail);
        memcpy(rows + (size_t)i * (sizeof(row) - 1), row, sizeof(row) - 1);
    }
    rows[(size_t)size * (sizeof(row) - 1)] = '\0';
    return oxt_db_exec(NULL, db, apr_pstrcat(p,
        "INSERT INTO queue (object_type, object_id, reason, detail,"
        " scheduled_by, enqueued_at, not_before) VALUES ", rows + 2,
        QUEUE_PUSH_UPDATE, NULL), args, 4 * size, res, p);
}

apr_status_t oxt_queue_push_many(oxt_db_t *db,
                                 const apr_array_header_t *hints,
                                 oxt_result_t *res, apr_pool_t *p)
{
    int i, n;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; rv == APR_SUCCESS && i < hints->nelts; i += n) {
        n = hints->nelts - i < QUEUE_PUSH_MAX ? hints->nelts - i
                                              : QUEUE_PUSH_MAX;
        rv = queue_push_chunk(db, hints, i, n, res, p);
    }
    return rv;
}

/* ---- claiming ----------------------------------------------------------- */

/* The columns queue_item_from_row reads, in its order. */
#define QUEUE_ITEM_COLS \
    "id, object_type, object_id, reason, detail, scheduled_by," \
    " enqueued_at, attempts, last_error, parked_at"

/* A row of QUEUE_ITEM_COLS; its strings stay in the row's pool. */
static oxt_queue_item_t *queue_item_from_row(const oxt_db_row_t *row,
                                             apr_pool_t *p)
{
    oxt_queue_item_t *item = apr_pcalloc(p, sizeof(*item));

    item->id = oxt_db_row_int(row, 0, 0);
    item->type = oxt_db_row_enum(row, 1, obj_type_names, OXT_OBJ_ALL);
    item->object_id = oxt_db_row_int(row, 2, 0);
    item->reason = row->vals[3];
    item->detail = row->vals[4];
    item->scheduled_by = row->vals[5];
    item->enqueued_at = row->vals[6];
    item->attempts = (int)oxt_db_row_int(row, 7, 0);
    item->last_error = row->vals[8];
    item->parked_at = row->vals[9];
    return item;
}

static apr_array_header_t *queue_items(const apr_array_header_t *rows,
                                       apr_pool_t *p)
{
    apr_array_header_t *items = apr_array_make(p, rows->nelts,
                                               sizeof(oxt_queue_item_t *));
    int i;

    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(items, oxt_queue_item_t *) = queue_item_from_row(
            APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), p);
    }
    return items;
}

/* ---- lists of ids ---------------------------------------------------------- */

/* Ids are bound as IN (?, ...) lists of these lengths, padded with the
 * last id, so a connection's statement cache holds a few statements. */
#define QUEUE_IN_MAX 250

/* SQL whose "%s" is the IN list of ids [from, from + n) (n <=
 * QUEUE_IN_MAX), args[nfirst ...] its values after the nfirst given.
 * Returns the number of args filled in all. */
static int queue_in_bind(const char **psql, const char *sql,
                         oxt_db_arg_t *args, int nfirst,
                         const apr_array_header_t *ids, int from, int n,
                         apr_pool_t *p)
{
    const char *marks;
    int size = oxt_db_in_bind(&marks, args + nfirst, ids, from, n, p);

    *psql = apr_psprintf(p, sql, marks);
    return nfirst + size;
}

/* One UPDATE per QUEUE_IN_MAX items: a statement per item was most of
 * the cost of a claim in a burst of hints. */
static apr_status_t queue_lease(oxt_db_t *db, apr_array_header_t *items,
                                const char *owner, int lease_s,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, items->nelts,
                                             sizeof(long long));
    oxt_db_arg_t args[2 + QUEUE_IN_MAX];
    const char *sql;
    apr_status_t rv = APR_SUCCESS;
    int i, n;

    for (i = 0; i < items->nelts; i++) {
        APR_ARRAY_PUSH(ids, long long) =
            APR_ARRAY_IDX(items, i, const oxt_queue_item_t *)->id;
    }
    args[0] = OXT_DB_STR(owner);
    args[1] = OXT_DB_INT(lease_s);
    for (i = 0; rv == APR_SUCCESS && i < ids->nelts; i += QUEUE_IN_MAX) {
        n = queue_in_bind(&sql, "UPDATE queue SET lease_owner = ?,"
                          " lease_until = NOW(3) + INTERVAL ? SECOND"
                          " WHERE id IN (%s)", args, 2, ids, i,
                          ids->nelts - i < QUEUE_IN_MAX ? ids->nelts - i
                                                        : QUEUE_IN_MAX, p);
        rv = oxt_db_exec(NULL, db, sql, args, n, res, p);
    }
    return rv;
}

apr_status_t oxt_queue_claim(apr_array_header_t **pitems, oxt_db_t *db,
                             const char *owner, int max, int lease_s,
                             oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows, *items;
    apr_time_t now;
    int i;
    apr_status_t rv;

    rv = oxt_db_begin(db, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = oxt_db_select(&rows, db,
        "SELECT " QUEUE_ITEM_COLS " FROM queue"
        " WHERE parked = 0 AND not_before <= NOW(3)"
        " AND (lease_until IS NULL OR lease_until < NOW(3))"
        " ORDER BY not_before LIMIT ? FOR UPDATE SKIP LOCKED",
        OXT_DB_ARGS(OXT_DB_INT(max)), res, p);
    if (rv == APR_SUCCESS) {
        items = queue_items(rows, p);
        rv = queue_lease(db, items, owner, lease_s, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_db_rollback(db);
        return rv;
    }
    now = apr_time_now();
    for (i = 0; i < items->nelts; i++) {
        APR_ARRAY_IDX(items, i, oxt_queue_item_t *)->claimed_at = now;
    }
    *pitems = items;
    return APR_SUCCESS;
}

/* ---- the domains of an item ---------------------------------------------- */

/* Sorts ids and drops repeats. */
static void ids_unique(apr_array_header_t *ids)
{
    long long *v = (long long *)ids->elts;
    int i, n = 0;

    oxt_util_ids_sort(ids);
    for (i = 0; i < ids->nelts; i++) {
        if (n == 0 || v[n - 1] != v[i]) {
            v[n++] = v[i];
        }
    }
    ids->nelts = n;
}

/* A mailbox deleted in Plesk is answered in the domain we replicated it
 * in. */
static apr_status_t queue_mailbox_domain(apr_array_header_t *ids,
                                         long long mail_id,
                                         const oxt_psa_t *psa, oxt_db_t *db,
                                         oxt_result_t *res, apr_pool_t *p)
{
    long long dom_id = 0;
    apr_status_t rv;

    rv = oxt_plesk_mail_domain(&dom_id, psa, db, mail_id, res, p);
    if (rv == APR_ENOENT) {
        rv = oxt_state_user_domain(&dom_id, db, mail_id, res, p);
    }
    if (rv == APR_SUCCESS) {
        APR_ARRAY_PUSH(ids, long long) = dom_id;
    }
    return rv == APR_ENOENT ? APR_SUCCESS : rv;
}

static apr_status_t queue_owner_domains(apr_array_header_t **pids,
                                        oxt_role_t role, long long owner_id,
                                        const oxt_psa_t *psa, oxt_db_t *db,
                                        oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ours;
    apr_status_t rv;

    rv = oxt_plesk_owner_domain_ids(pids, psa, db, role, owner_id, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_state_owner_domain_ids(&ours, db, role, owner_id, res, p);
    }
    if (rv == APR_SUCCESS) {
        apr_array_cat(*pids, ours);
        ids_unique(*pids);
    }
    return rv;
}

/* ---- the domains of many mailbox items at once --------------------------- */

typedef struct {
    apr_hash_t *map;                 /* mail id -> long long * dom id */
    apr_pool_t *p;
} queue_map_t;

static apr_status_t queue_map_row(void *baton, const oxt_db_row_t *row,
                                  apr_pool_t *ptemp)
{
    queue_map_t *m = baton;
    long long *dom = apr_palloc(m->p, sizeof(*dom));

    (void)ptemp;
    *dom = oxt_db_row_int(row, 1, 0);
    oxt_util_id_set(m->map, oxt_db_row_int(row, 0, 0), dom);
    return APR_SUCCESS;
}

/* Runs sql (an "id, dom_id" query with one IN list) over ids into m. */
static apr_status_t queue_map_ids(queue_map_t *m, oxt_db_t *db,
                                  const char *sql,
                                  const apr_array_header_t *ids,
                                  oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[QUEUE_IN_MAX];
    const char *text;
    apr_status_t rv = APR_SUCCESS;
    int i, n;

    for (i = 0; rv == APR_SUCCESS && i < ids->nelts; i += QUEUE_IN_MAX) {
        n = queue_in_bind(&text, sql, args, 0, ids, i,
                          ids->nelts - i < QUEUE_IN_MAX ? ids->nelts - i
                                                        : QUEUE_IN_MAX, p);
        rv = oxt_db_each(db, text, args, n, queue_map_row, m, res, p);
    }
    return rv;
}

/* The ids of the mailbox items not in m yet. */
static apr_array_header_t *queue_mail_ids(const apr_array_header_t *items,
                                          apr_hash_t *map, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, items->nelts,
                                             sizeof(long long));
    const oxt_queue_item_t *item;
    int i;

    for (i = 0; i < items->nelts; i++) {
        item = APR_ARRAY_IDX(items, i, const oxt_queue_item_t *);
        if (item->type == OXT_OBJ_MAILBOX
            && oxt_util_id_get(map, item->object_id) == NULL) {
            APR_ARRAY_PUSH(ids, long long) = item->object_id;
        }
    }
    return ids;
}

apr_status_t oxt_queue_mail_domains(apr_hash_t **pmap,
                                    const apr_array_header_t *items,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
{
    queue_map_t m;
    apr_array_header_t *ids;
    apr_status_t rv = APR_SUCCESS;

    m.map = apr_hash_make(p);
    m.p = p;
    *pmap = m.map;
    ids = queue_mail_ids(items, m.map, p);
    if (ids->nelts > 0) {
        rv = queue_map_ids(&m, db, oxt_psa_sql(psa, "SELECT id, dom_id"
                           " FROM psa.mail WHERE id IN (%s)", p), ids, res,
                           p);
    }
    /* Deleted in Plesk: answered in the domain we replicated it in. */
    ids = rv == APR_SUCCESS ? queue_mail_ids(items, m.map, p) : ids;
    if (rv == APR_SUCCESS && ids->nelts > 0) {
        rv = queue_map_ids(&m, db, "SELECT mail_id, dom_id FROM"
                           " mailbox_state WHERE mail_id IN (%s)", ids, res,
                           p);
    }
    return rv;
}

apr_status_t oxt_queue_item_domains(apr_array_header_t **pdom_ids,
                                    const oxt_queue_item_t *item,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(long long));

    *pdom_ids = ids;
    switch (item->type) {
    case OXT_OBJ_MAILBOX:
        return queue_mailbox_domain(ids, item->object_id, psa, db, res, p);
    case OXT_OBJ_DOMAIN:
        APR_ARRAY_PUSH(ids, long long) = item->object_id;
        return APR_SUCCESS;
    case OXT_OBJ_CLIENT:
    case OXT_OBJ_RESELLER:
        return queue_owner_domains(pdom_ids, item->type == OXT_OBJ_CLIENT
                                   ? OXT_ROLE_CLIENT : OXT_ROLE_RESELLER,
                                   item->object_id, psa, db, res, p);
    default:
        return APR_SUCCESS;
    }
}

/* ---- outcomes -------------------------------------------------------------- */

apr_status_t oxt_queue_done(oxt_db_t *db, const oxt_queue_item_t *item,
                            const char *owner, oxt_result_t *res,
                            apr_pool_t *p)
{
    unsigned long long n = 0;
    apr_status_t rv;

    rv = oxt_db_exec(&n, db,
        "DELETE FROM queue WHERE id = ? AND lease_owner = ?"
        " AND enqueued_at = ?",
        OXT_DB_ARGS(OXT_DB_INT(item->id), OXT_DB_STR(owner),
                    OXT_DB_STR(item->enqueued_at)), res, p);
    if (rv != APR_SUCCESS || n > 0) {
        return rv;
    }
    /* Refreshed meanwhile: keep it, due now, with a clean slate. */
    return oxt_db_exec(NULL, db,
        "UPDATE queue SET lease_owner = NULL, lease_until = NULL,"
        " attempts = 0, last_error = NULL WHERE id = ? AND lease_owner = ?",
        OXT_DB_ARGS(OXT_DB_INT(item->id), OXT_DB_STR(owner)), res, p);
}

/* Items done at once, per chunk. */
#define QUEUE_DONE_MAX 250

/* The "(?, ?), ..." of items [from, from + size), the last repeated
 * where size > n (a repeat changes nothing), bound after args[0]. */
static const char *queue_done_pairs(oxt_db_arg_t *args,
                                    const apr_array_header_t *items,
                                    int from, int n, int size, apr_pool_t *p)
{
    char *marks = apr_palloc(p, (apr_size_t)size * 8 + 1), *c = marks;
    const oxt_queue_item_t *item;
    int i;

    for (i = 0; i < size; i++) {
        item = &APR_ARRAY_IDX(items, from + (i < n ? i : n - 1),
                              const oxt_queue_item_t);
        args[2 * i] = OXT_DB_INT(item->id);
        args[2 * i + 1] = OXT_DB_STR(item->enqueued_at);
        memcpy(c, i ? ", (?, ?)" : "(?, ?)", i ? 8 : 6);
        c += i ? 8 : 6;
    }
    *c = '\0';
    return marks;
}

/* One chunk: the items not refreshed go (their id and enqueued time
 * both match: the id list lets the primary key find them), the rest of
 * ours are released, due now, with a clean slate. */
static apr_status_t queue_done_chunk(oxt_db_t *db,
                                     const apr_array_header_t *items,
                                     int from, int n, const char *owner,
                                     oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[1 + 3 * QUEUE_DONE_MAX];
    apr_array_header_t *ids = apr_array_make(p, n, sizeof(long long));
    const char *marks, *pairs;
    unsigned long long gone = 0;
    int i, size = oxt_db_in_size(n);
    apr_status_t rv;

    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(ids, long long) = APR_ARRAY_IDX(items, from + i,
                                              const oxt_queue_item_t).id;
    }
    args[0] = OXT_DB_STR(owner);
    oxt_db_in_bind(&marks, args + 1, ids, 0, n, p);
    pairs = queue_done_pairs(args + 1 + size, items, from, n, size, p);
    rv = oxt_db_exec(&gone, db, apr_psprintf(p, "DELETE FROM queue WHERE"
                     " lease_owner = ? AND id IN (%s) AND (id, enqueued_at)"
                     " IN (%s)", marks, pairs), args, 1 + 3 * size, res, p);
    /* Most turns refresh none of their hints: when all n went there is
     * nothing of ours left to release (an item listed twice, a client's
     * hint done with two of its domains, makes fewer go than n: the
     * release then runs, and finds only what is left). */
    if (rv == APR_SUCCESS && gone < (unsigned long long)n) {
        rv = oxt_db_exec(NULL, db, apr_psprintf(p, "UPDATE queue SET"
                         " lease_owner = NULL, lease_until = NULL,"
                         " attempts = 0, last_error = NULL"
                         " WHERE lease_owner = ? AND id IN (%s)", marks),
                         args, 1 + size, res, p);
    }
    return rv;
}

apr_status_t oxt_queue_done_many(oxt_db_t *db,
                                 const apr_array_header_t *items,
                                 const char *owner, oxt_result_t *res,
                                 apr_pool_t *p)
{
    int i, n;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; rv == APR_SUCCESS && i < items->nelts; i += n) {
        n = items->nelts - i < QUEUE_DONE_MAX ? items->nelts - i
                                              : QUEUE_DONE_MAX;
        rv = queue_done_chunk(db, items, i, n, owner, res, p);
    }
    return rv;
}

apr_status_t oxt_queue_fail(int *pparked, oxt_db_t *db,
                            const oxt_queue_item_t *item, const char *owner,
                            const char *error, int max_attempts,
                            oxt_result_t *res, apr_pool_t *p)
{
    int attempts = item->attempts + 1;
    int park = attempts >= max_attempts;
    long long delay = oxt_queue_backoff_ms(attempts, queue_random01());

    if (pparked != NULL) {
        *pparked = park;
    }
    return oxt_db_exec(NULL, db,
        "UPDATE queue SET attempts = ?, last_error = ?,"
        " lease_owner = NULL, lease_until = NULL,"
        " not_before = NOW(3) + INTERVAL ? MICROSECOND,"
        " parked = ?, parked_at = IF(?, NOW(), NULL)"
        " WHERE id = ? AND lease_owner = ?",
        OXT_DB_ARGS(OXT_DB_INT(attempts), OXT_DB_STR(error),
                    OXT_DB_INT(delay * 1000), OXT_DB_INT(park),
                    OXT_DB_INT(park), OXT_DB_INT(item->id),
                    OXT_DB_STR(owner)), res, p);
}

apr_status_t oxt_queue_failed(int *pparked, oxt_db_t *db, oxt_obj_type_t type,
                              long long object_id, const char *error,
                              int max_attempts, oxt_result_t *res,
                              apr_pool_t *p)
{
    long long attempts = 0;
    long long delay;
    int park;
    apr_status_t rv;

    rv = oxt_db_select_int(&attempts, db,
        "SELECT attempts FROM queue WHERE object_type = ? AND object_id = ?",
        OXT_DB_ARGS(OXT_DB_STR(oxt_obj_type_name(type)),
                    OXT_DB_INT(object_id)), res, p);
    if (rv != APR_SUCCESS && rv != APR_ENOENT) {
        return rv;
    }
    attempts++;
    park = attempts >= max_attempts;
    delay = oxt_queue_backoff_ms((int)attempts, queue_random01());
    if (pparked != NULL) {
        *pparked = park;
    }
    return oxt_db_exec(NULL, db,
        "INSERT INTO queue (object_type, object_id, reason, scheduled_by,"
        " enqueued_at, not_before, attempts, last_error, parked, parked_at)"
        " VALUES (?, ?, 'failed', 'Automatic', NOW(3),"
        "         NOW(3) + INTERVAL ? MICROSECOND, ?, ?, ?, IF(?, NOW(), NULL))"
        " ON DUPLICATE KEY UPDATE not_before = VALUES(not_before),"
        " attempts = VALUES(attempts), last_error = VALUES(last_error),"
        " parked = VALUES(parked), parked_at = VALUES(parked_at)",
        OXT_DB_ARGS(OXT_DB_STR(oxt_obj_type_name(type)),
                    OXT_DB_INT(object_id), OXT_DB_INT(delay * 1000),
                    OXT_DB_INT(attempts), OXT_DB_STR(error),
                    OXT_DB_INT(park), OXT_DB_INT(park)), res, p);
}

/* The joins and the condition that put an item in a subtree. A mailbox or
 * domain item is in the subtree its domain's owner in psa puts it in, as
 * on every page: the owner snapshot in mailbox_state and domain_state is
 * written with an operation, and a domain moved to another client with
 * nothing to send keeps its old owners there. Only an object psa no
 * longer has (deleted in Plesk) is placed by that snapshot. Other kinds:
 * the admin's only. */
#define SCOPE_JOINS \
    " LEFT JOIN mailbox_state ms ON q.object_type = 'mailbox'" \
    "  AND ms.mail_id = q.object_id" \
    " LEFT JOIN domain_state ds ON q.object_type = 'domain'" \
    "  AND ds.dom_id = q.object_id" \
    " LEFT JOIN psa.mail pm ON q.object_type = 'mailbox'" \
    "  AND pm.id = q.object_id" \
    " LEFT JOIN psa.domains pd ON pd.id = IF(q.object_type = 'mailbox'," \
    "  pm.dom_id, IF(q.object_type = 'domain', q.object_id, NULL))" \
    " LEFT JOIN psa.clients pc ON pc.id = pd.cl_id"

/* *pn: how many times the condition binds the scope's id. A reseller
 * owns its own domains (cl_id) and its clients' (parent_id); Plesk 8 has
 * no resellers. */
static const char *queue_scope_sql(int *pn, const oxt_psa_t *psa,
                                   const oxt_plesk_scope_t *scope)
{
    switch (scope->role) {
    case OXT_ROLE_ADMIN:
        *pn = 0;
        return " 1 = 1";
    case OXT_ROLE_RESELLER:
        if (!oxt_psa_caps(psa)->has_client_type) {
            break;
        }
        *pn = 3;
        return " IF(pd.id IS NULL, COALESCE(ms.reseller_id, ds.reseller_id)"
               " = ?, pd.cl_id = ? OR pc.parent_id = ?)";
    case OXT_ROLE_CLIENT:
        *pn = 2;
        return " IF(pd.id IS NULL, COALESCE(ms.client_id, ds.client_id)"
               " = ?, pd.cl_id = ?)";
    case OXT_ROLE_DOMAIN:
        *pn = 2;
        return " IF(pd.id IS NULL, COALESCE(ms.dom_id, ds.dom_id) = ?,"
               " pd.id = ?)";
    default:
        break;
    }
    *pn = 0;
    return " 1 = 0";
}

/* The parked item queue_id if it is in scope: APR_ENOENT otherwise. */
static apr_status_t queue_parked_in_scope(oxt_db_t *db, const oxt_psa_t *psa,
                                          const oxt_plesk_scope_t *scope,
                                          long long queue_id,
                                          oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[4];
    apr_array_header_t *ids;
    int nscope, i = 0;
    const char *where = queue_scope_sql(&nscope, psa, scope);
    apr_status_t rv;

    args[i++] = OXT_DB_INT(queue_id);
    for (; i < 1 + nscope; i++) {
        args[i] = OXT_DB_INT(scope->id);
    }
    rv = oxt_db_select_ids(&ids, db, oxt_psa_sql(psa, apr_pstrcat(p,
        "SELECT q.id FROM queue q" SCOPE_JOINS
        " WHERE q.id = ? AND q.parked = 1 AND", where, NULL), p), args, i,
        res, p);
    return rv == APR_SUCCESS && ids->nelts == 0 ? APR_ENOENT : rv;
}

apr_status_t oxt_queue_retry(oxt_db_t *db, const oxt_psa_t *psa,
                             const oxt_plesk_scope_t *scope,
                             long long queue_id, const char *scheduled_by,
                             oxt_result_t *res, apr_pool_t *p)
{
    unsigned long long n = 0;
    apr_status_t rv;

    /* Checked, then changed by id: an UPDATE joined to psa would lock
     * Plesk's rows. An item retried or removed in between is "not
     * parked" below. */
    rv = queue_parked_in_scope(db, psa, scope, queue_id, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(&n, db,
            "UPDATE queue SET parked = 0, parked_at = NULL, attempts = 0,"
            " not_before = NOW(3), scheduled_by = ?"
            " WHERE id = ? AND parked = 1",
            OXT_DB_ARGS(OXT_DB_STR(scheduled_by), OXT_DB_INT(queue_id)),
            res, p);
    }
    if (rv == APR_ENOENT || (rv == APR_SUCCESS && n == 0)) {
        return oxt_result_set(res, APR_ENOENT, "Nothing to retry",
                              "queue item %s is not parked",
                              oxt_util_lld(queue_id, p));
    }
    return rv;
}

apr_status_t oxt_queue_retry_all(long long *pcount, oxt_db_t *db,
                                 const char *scheduled_by, oxt_result_t *res,
                                 apr_pool_t *p)
{
    unsigned long long n = 0;
    apr_status_t rv;

    rv = oxt_db_exec(&n, db,
        "UPDATE queue SET parked = 0, parked_at = NULL, attempts = 0,"
        " not_before = NOW(3), scheduled_by = ? WHERE parked = 1",
        OXT_DB_ARGS(OXT_DB_STR(scheduled_by)), res, p);
    *pcount = (long long)n;
    return rv;
}

apr_status_t oxt_queue_release_leases(oxt_db_t *db, oxt_result_t *res,
                                      apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "UPDATE queue SET lease_owner = NULL, lease_until = NULL"
        " WHERE lease_owner IS NOT NULL", OXT_DB_NOARGS, res, p);
}

apr_status_t oxt_queue_parked(apr_array_header_t **pitems, oxt_db_t *db,
                              int limit, oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db,
        "SELECT " QUEUE_ITEM_COLS " FROM queue WHERE parked = 1"
        " ORDER BY parked_at DESC, id DESC LIMIT ?",
        OXT_DB_ARGS(OXT_DB_INT(limit)), res, p);
    if (rv == APR_SUCCESS) {
        *pitems = queue_items(rows, p);
    }
    return rv;
}

/* A parked row: QUEUE_ITEM_COLS, then the name. */
static oxt_queue_parked_t *queue_parked_from_row(const oxt_db_row_t *row,
                                                 apr_pool_t *p)
{
    oxt_queue_parked_t *pk = apr_pcalloc(p, sizeof(*pk));

    pk->item = *queue_item_from_row(row, p);
    pk->name = row->vals[10] ? row->vals[10] : "";
    return pk;
}

apr_status_t oxt_queue_parked_in(apr_array_header_t **pitems, oxt_db_t *db,
                                 const oxt_psa_t *psa,
                                 const oxt_plesk_scope_t *scope, int limit,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows, *items;
    oxt_db_arg_t args[4];
    int nscope, i;
    const char *where = queue_scope_sql(&nscope, psa, scope);
    apr_status_t rv;

    for (i = 0; i < nscope; i++) {
        args[i] = OXT_DB_INT(scope->id);
    }
    args[i++] = OXT_DB_INT(limit);
    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa, apr_pstrcat(p,
        "SELECT q.id, q.object_type, q.object_id, q.reason, q.detail,"
        " q.scheduled_by, q.enqueued_at, q.attempts, q.last_error,"
        " q.parked_at, COALESCE(IF(q.object_type = 'mailbox',"
        " CONCAT(pm.mail_name, '@', pd.name), pd.name), ms.applied_address,"
        " ds.applied_name, ds.context_name, '')"
        " FROM queue q" SCOPE_JOINS
        " WHERE q.parked = 1 AND", where,
        " ORDER BY q.parked_at DESC, q.id DESC LIMIT ?", NULL), p),
        args, i, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    items = apr_array_make(p, rows->nelts, sizeof(oxt_queue_parked_t *));
    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(items, oxt_queue_parked_t *) = queue_parked_from_row(
            APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), p);
    }
    *pitems = items;
    return APR_SUCCESS;
}

static apr_status_t queue_blocked_row(void *baton, const oxt_db_row_t *row,
                                      apr_pool_t *ptemp)
{
    oxt_obj_t o;

    o.type = oxt_db_row_enum(row, 0, obj_type_names, OXT_OBJ_ALL);
    o.id = oxt_db_row_int(row, 1, 0);
    oxt_obj_set(baton, o, "");
    (void)ptemp;
    return APR_SUCCESS;
}

/* Streamed: a million parked mailboxes must not sit in memory twice. */
apr_status_t oxt_queue_blocked(apr_hash_t **pblocked, oxt_db_t *db,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *blocked = apr_hash_make(p);

    *pblocked = blocked;
    return oxt_db_each(db, "SELECT object_type, object_id FROM queue"
                       " WHERE parked = 1 OR not_before > NOW(3)",
                       OXT_DB_NOARGS, queue_blocked_row, blocked, res, p);
}

apr_status_t oxt_queue_stats(oxt_queue_stats_t *stats, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db,
        "SELECT COALESCE(SUM(parked = 0 AND not_before <= NOW(3)"
        "   AND (lease_until IS NULL OR lease_until < NOW(3))), 0),"
        " COALESCE(SUM(parked = 0), 0),"
        " COALESCE(SUM(parked = 0 AND lease_until >= NOW(3)), 0),"
        " COALESCE(SUM(parked = 1), 0),"
        " MIN(IF(parked = 0, enqueued_at, NULL)),"
        " FLOOR(UNIX_TIMESTAMP(MIN(IF(parked = 0, enqueued_at, NULL))))"
        " FROM queue",
        OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    stats->due = oxt_db_row_int(row, 0, 0);
    stats->waiting = oxt_db_row_int(row, 1, 0);
    stats->leased = oxt_db_row_int(row, 2, 0);
    stats->parked = oxt_db_row_int(row, 3, 0);
    stats->oldest = row->vals[4];
    stats->oldest_ts = oxt_db_row_int(row, 5, 0);
    return APR_SUCCESS;
}
