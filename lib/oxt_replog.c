/*
 * oxt_replog.c — see oxt_replog.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>

#include "oxt_replog.h"
#include "oxt_util.h"
#include "oxt_utf8.h"
#include "oxt_rows.h"

/* Columns hold TEXT/VARCHAR; a server's reply could be anything, so cut
 * it to what the column takes rather than fail the log write. */
#define REASON_MAX 8000
#define DEBUG_MAX  (8 * 1024 * 1024)

static const char *cut(const char *s, apr_size_t max, apr_pool_t *p)
{
    /* Never inside a character: strict mode refuses half of one. */
    return oxt_utf8_cut(s, max, p);
}

/* A log row (oxt_replog_batch_add): its statement in three parts. */
static const oxt_rows_shape_t replog_shape = {
    "INSERT INTO replication_log (logged_at, run_id, mail_id, address,"
    " dom_id, domain_name, client_id, reseller_id, service_type,"
    " scheduled_by, operation, outcome, reason, debug_request,"
    " debug_response) VALUES ",
    "(NOW(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "", 14
};

/* Its counts (replication_log_count): a batch adds up its rows' per
 * level first, so each level's row is written once. */
static const oxt_rows_shape_t count_shape = {
    "INSERT INTO replication_log_count (level, id, n) VALUES ", "(?, ?, ?)",
    " ON DUPLICATE KEY UPDATE n = n + VALUES(n)", 3
};

static apr_status_t replog_row(oxt_rows_t *rows, const oxt_replog_entry_t *e,
                               apr_pool_t *p)
{
    return oxt_rows_add(rows,
        OXT_DB_ARGS(e->run_id ? OXT_DB_INT(e->run_id) : OXT_DB_NULL,
                    e->mail_id ? OXT_DB_INT(e->mail_id) : OXT_DB_NULL,
                    OXT_DB_STR(e->address ? e->address : ""),
                    e->dom_id ? OXT_DB_INT(e->dom_id) : OXT_DB_NULL,
                    OXT_DB_STR(e->domain_name ? e->domain_name : ""),
                    OXT_DB_INT(e->client_id), OXT_DB_INT(e->reseller_id),
                    e->service >= 0
                        ? OXT_DB_STR(oxt_service_code(e->service))
                        : OXT_DB_NULL,
                    OXT_DB_STR(e->scheduled_by ? e->scheduled_by
                                               : "Automatic"),
                    OXT_DB_STR(e->operation),
                    OXT_DB_STR(e->success ? "success" : "failure"),
                    OXT_DB_STR(cut(e->reason, REASON_MAX, p)),
                    OXT_DB_STR(cut(e->debug_request, DEBUG_MAX, p)),
                    OXT_DB_STR(cut(e->debug_response, DEBUG_MAX, p))));
}

apr_status_t oxt_replog_run_start(long long *prun_id, oxt_db_t *db,
                                  int automatic, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_status_t rv;

    rv = oxt_db_exec(NULL, db,
                     "INSERT INTO run_summary (automatic, started_at, status)"
                     " VALUES (?, NOW(), 'running')",
                     OXT_DB_ARGS(OXT_DB_INT(automatic)), res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_int(prun_id, db, "SELECT LAST_INSERT_ID()",
                               OXT_DB_NOARGS, res, p);
    }
    return rv;
}

/* The count columns, per service in oxt_service_t order, then per kind
 * of operation in oxt_run_op_t order: ok, failed. */
#define RUN_COUNT_COLS \
    " webmail_ok, webmail_failed, standard_ok, standard_failed," \
    " premium_ok, premium_failed," \
    " context_create_ok, context_create_failed," \
    " context_change_ok, context_change_failed," \
    " context_delete_ok, context_delete_failed," \
    " admin_change_ok, admin_change_failed," \
    " user_create_ok, user_create_failed," \
    " user_change_ok, user_change_failed," \
    " user_access_ok, user_access_failed," \
    " user_delete_ok, user_delete_failed"
#define RUN_COUNT_SET \
    " webmail_ok = ?, webmail_failed = ?, standard_ok = ?," \
    " standard_failed = ?, premium_ok = ?, premium_failed = ?," \
    " context_create_ok = ?, context_create_failed = ?," \
    " context_change_ok = ?, context_change_failed = ?," \
    " context_delete_ok = ?, context_delete_failed = ?," \
    " admin_change_ok = ?, admin_change_failed = ?," \
    " user_create_ok = ?, user_create_failed = ?," \
    " user_change_ok = ?, user_change_failed = ?," \
    " user_access_ok = ?, user_access_failed = ?," \
    " user_delete_ok = ?, user_delete_failed = ?"
#define RUN_COUNT_N (2 * (OXT_SERVICE_COUNT + OXT_RUN_OP_COUNT))

static const char *const run_op_names[OXT_RUN_OP_COUNT] = {
    "context_create", "context_change", "context_delete", "admin_change",
    "user_create", "user_change", "user_access", "user_delete"
};

const char *oxt_run_op_name(oxt_run_op_t op)
{
    return (unsigned)op < OXT_RUN_OP_COUNT ? run_op_names[op] : NULL;
}

/* The count of column i of RUN_COUNT_COLS. */
static long long *run_count_slot(oxt_run_counts_t *c, int i)
{
    if (i < 2 * OXT_SERVICE_COUNT) {
        return i % 2 ? &c->failed[i / 2] : &c->ok[i / 2];
    }
    i -= 2 * OXT_SERVICE_COUNT;
    return i % 2 ? &c->op_failed[i / 2] : &c->op_ok[i / 2];
}

apr_status_t oxt_replog_run_update(oxt_db_t *db, long long run_id,
                                   const oxt_run_counts_t *c, int finished,
                                   int ok, oxt_result_t *res, apr_pool_t *p)
{
    oxt_run_counts_t copy = *c;
    oxt_db_arg_t args[RUN_COUNT_N + 4];
    int i;

    for (i = 0; i < RUN_COUNT_N; i++) {
        args[i] = OXT_DB_INT(*run_count_slot(&copy, i));
    }
    args[i++] = OXT_DB_INT(finished);
    args[i++] = OXT_DB_INT(finished);
    args[i++] = OXT_DB_INT(ok);
    args[i++] = OXT_DB_INT(run_id);
    return oxt_db_exec(NULL, db,
        "UPDATE run_summary SET" RUN_COUNT_SET ","
        " finished_at = IF(?, NOW(), finished_at),"
        " status = IF(?, IF(?, 'finished', 'aborted'), status)"
        " WHERE id = ?", args, i, res, p);
}

void oxt_run_counts_add(oxt_run_counts_t *counts, oxt_run_op_t op,
                        int service, int ok)
{
    if ((unsigned)op < OXT_RUN_OP_COUNT) {
        (ok ? counts->op_ok : counts->op_failed)[op]++;
    }
    if (service >= 0 && service < OXT_SERVICE_COUNT) {
        (ok ? counts->ok : counts->failed)[service]++;
    }
}

int oxt_run_counts_mailbox(oxt_run_counts_t *counts, int service, int was,
                           int ok)
{
    if (service < 0 || service >= OXT_SERVICE_COUNT
        || was == OXT_RUN_MAILBOX_FAILED || (was == OXT_RUN_MAILBOX_OK && ok)) {
        return was;
    }
    if (was == OXT_RUN_MAILBOX_OK) {
        counts->ok[service]--;
    }
    (ok ? counts->ok : counts->failed)[service]++;
    return ok ? OXT_RUN_MAILBOX_OK : OXT_RUN_MAILBOX_FAILED;
}

void oxt_run_counts_sum(const oxt_run_counts_t *counts, long long *pok,
                        long long *pfailed)
{
    int i;

    *pok = *pfailed = 0;
    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        *pok += counts->ok[i];
        *pfailed += counts->failed[i];
    }
}

void oxt_run_counts_total(const oxt_run_counts_t *counts, long long *pok,
                          long long *pfailed)
{
    int i;

    *pok = *pfailed = 0;
    for (i = 0; i < OXT_RUN_OP_COUNT; i++) {
        *pok += counts->op_ok[i];
        *pfailed += counts->op_failed[i];
    }
}

static oxt_run_summary_t *run_from_row(const oxt_db_row_t *row,
                                       apr_pool_t *p)
{
    oxt_run_summary_t *run = apr_pcalloc(p, sizeof(*run));
    int i;

    run->id = oxt_db_row_int(row, 0, 0);
    run->automatic = oxt_db_row_bool(row, 1);
    run->started_at = row->vals[2];
    run->finished_at = row->vals[3];
    run->status = row->vals[4];
    for (i = 0; i < RUN_COUNT_N; i++) {
        *run_count_slot(&run->counts, i) = oxt_db_row_int(row, 5 + i, 0);
    }
    return run;
}

apr_status_t oxt_replog_last_run(oxt_run_summary_t **prun, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv;

    *prun = NULL;
    rv = oxt_db_select_row(&row, db,
        "SELECT id, automatic, started_at, finished_at, status,"
        RUN_COUNT_COLS " FROM run_summary ORDER BY id DESC LIMIT 1",
        OXT_DB_NOARGS, res, p);
    if (row != NULL) {
        *prun = run_from_row(row, p);
    }
    return rv;
}

apr_status_t oxt_replog_run_times(long long *pstarted, long long *pended,
                                  long long *pok, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    /* Newest first by primary key: an index dive each, however many runs
     * the table remembers. */
    rv = oxt_db_select(&rows, db,
        "SELECT (SELECT FLOOR(UNIX_TIMESTAMP(started_at)) FROM run_summary"
        "   ORDER BY id DESC LIMIT 1),"
        " (SELECT FLOOR(UNIX_TIMESTAMP(finished_at)) FROM run_summary"
        "   WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1),"
        " (SELECT FLOOR(UNIX_TIMESTAMP(finished_at)) FROM run_summary"
        "   WHERE status = 'finished' ORDER BY id DESC LIMIT 1)",
        OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    *pstarted = oxt_db_row_int(row, 0, 0);
    *pended = oxt_db_row_int(row, 1, 0);
    *pok = oxt_db_row_int(row, 2, 0);
    return APR_SUCCESS;
}
/* ---- the banner's counts per owner (run_summary_owner, 0148) ---------- */

/* A domain's mailboxes counted in a run, and the owner it is summed
 * into. */
typedef struct {
    long long dom_id;
    long long client_id;
    long long reseller_id;
    oxt_run_counts_t counts;        /* ok / failed per service only */
} run_owner_t;

struct oxt_run_owners_t {
    apr_pool_t *p;
    apr_hash_t *doms;               /* dom_id -> run_owner_t */
};

oxt_run_owners_t *oxt_run_owners_make(apr_pool_t *p)
{
    oxt_run_owners_t *o = apr_pcalloc(p, sizeof(*o));

    o->p = p;
    o->doms = apr_hash_make(p);
    return o;
}

void oxt_run_owners_mailbox(oxt_run_owners_t *o, long long dom_id,
                            long long client_id, long long reseller_id,
                            int service, int was, int ok)
{
    run_owner_t *d;

    if (o == NULL || dom_id <= 0) {
        return;
    }
    d = apr_hash_get(o->doms, &dom_id, sizeof(dom_id));
    if (d == NULL) {
        d = apr_pcalloc(o->p, sizeof(*d));
        d->dom_id = dom_id;
        apr_hash_set(o->doms, &d->dom_id, sizeof(d->dom_id), d);
    }
    d->client_id = client_id;
    d->reseller_id = reseller_id;
    (void)oxt_run_counts_mailbox(&d->counts, service, was, ok);
}

/* One row of run_summary_owner: its level, owner and owner chain, then
 * the six counts in RUN_COUNT_COLS' order (per service: ok, failed). */
static const oxt_rows_shape_t owner_shape = {
    "INSERT INTO run_summary_owner (run_id, level, owner, client_id,"
    " reseller_id, webmail_ok, webmail_failed, standard_ok,"
    " standard_failed, premium_ok, premium_failed) VALUES ",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    " ON DUPLICATE KEY UPDATE client_id = VALUES(client_id),"
    " reseller_id = VALUES(reseller_id), webmail_ok = VALUES(webmail_ok),"
    " webmail_failed = VALUES(webmail_failed),"
    " standard_ok = VALUES(standard_ok),"
    " standard_failed = VALUES(standard_failed),"
    " premium_ok = VALUES(premium_ok),"
    " premium_failed = VALUES(premium_failed)", 11
};

static apr_status_t owner_row(oxt_rows_t *rows, long long run_id,
                              const char *level, long long owner,
                              long long client_id, long long reseller_id,
                              const oxt_run_counts_t *c)
{
    oxt_db_arg_t a[11];
    int i, n = 0;

    a[n++] = OXT_DB_INT(run_id);
    a[n++] = OXT_DB_STR(level);
    a[n++] = OXT_DB_INT(owner);
    a[n++] = OXT_DB_INT(client_id);
    a[n++] = OXT_DB_INT(reseller_id);
    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        a[n++] = OXT_DB_INT(c->ok[i]);
        a[n++] = OXT_DB_INT(c->failed[i]);
    }
    return oxt_rows_add(rows, a, n);
}

/* Adds the service counts of c to the entry of id in sums (in p). */
static void owner_sum(apr_hash_t *sums, long long id,
                      const oxt_run_counts_t *c, apr_pool_t *p)
{
    oxt_run_counts_t *s;
    long long *key;
    int i;

    if (id <= 0) {
        return;
    }
    s = apr_hash_get(sums, &id, sizeof(id));
    if (s == NULL) {
        key = apr_palloc(p, sizeof(*key));
        *key = id;
        s = apr_pcalloc(p, sizeof(*s));
        apr_hash_set(sums, key, sizeof(*key), s);
    }
    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        s->ok[i] += c->ok[i];
        s->failed[i] += c->failed[i];
    }
}

static apr_status_t owner_sums_add(oxt_rows_t *rows, long long run_id,
                                   const char *level, apr_hash_t *sums,
                                   apr_pool_t *p)
{
    apr_hash_index_t *hi;
    const void *key;
    void *val;
    apr_status_t rv = APR_SUCCESS;

    for (hi = apr_hash_first(p, sums); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        apr_hash_this(hi, &key, NULL, &val);
        rv = owner_row(rows, run_id, level, *(const long long *)key, 0, 0,
                       val);
    }
    return rv;
}

/* The run's rows of run_summary_owner: each domain's, then the sums of
 * its clients and resellers; and the rows of the runs before it go
 * (batches of OXT_REPLOG_DELETE_BATCH: the banner shows the newest
 * automatic run only). */
static apr_status_t run_owners_write(oxt_db_t *db, long long run_id,
                                     const oxt_run_owners_t *o,
                                     oxt_result_t *res, apr_pool_t *p)
{
    oxt_rows_t *rows = oxt_rows_make(&owner_shape, p);
    apr_hash_t *clients = apr_hash_make(p), *resellers = apr_hash_make(p);
    apr_hash_index_t *hi;
    const run_owner_t *d;
    unsigned long long n;
    apr_status_t rv = APR_SUCCESS;

    for (hi = apr_hash_first(p, o->doms); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        d = apr_hash_this_val(hi);
        owner_sum(clients, d->client_id, &d->counts, p);
        owner_sum(resellers, d->reseller_id, &d->counts, p);
        rv = owner_row(rows, run_id, "domain", d->dom_id, d->client_id,
                       d->reseller_id, &d->counts);
    }
    if (rv == APR_SUCCESS) {
        rv = owner_sums_add(rows, run_id, "client", clients, p);
    }
    if (rv == APR_SUCCESS) {
        rv = owner_sums_add(rows, run_id, "reseller", resellers, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_rows_write(rows, db, res, p);
    }
    do {
        n = 0;
        if (rv == APR_SUCCESS) {
            rv = oxt_db_exec(&n, db, "DELETE FROM run_summary_owner"
                             " WHERE run_id < ? LIMIT ?",
                             OXT_DB_ARGS(OXT_DB_INT(run_id),
                                         OXT_DB_INT(OXT_REPLOG_DELETE_BATCH)),
                             res, p);
        }
    } while (rv == APR_SUCCESS && n == OXT_REPLOG_DELETE_BATCH);
    return rv;
}

apr_status_t oxt_replog_run_end(oxt_db_t *db, long long run_id,
                                const oxt_run_counts_t *counts,
                                const oxt_run_owners_t *owners, int ok,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = APR_SUCCESS;

    /* The owners' rows first: the banner finds the run by run_summary
     * and reads its owner's row (none yet: nothing counted). */
    if (owners != NULL) {
        rv = run_owners_write(db, run_id, owners, res, p);
    }
    return rv != APR_SUCCESS ? rv
         : oxt_replog_run_update(db, run_id, counts, 1, ok, res, p);
}

/* The level and owner of run_summary_owner a scope reads; NULL: the
 * whole server's (run_summary). */
static const char *owner_level(const oxt_plesk_scope_t *scope)
{
    switch (scope->role) {
    case OXT_ROLE_RESELLER:
        return "reseller";
    case OXT_ROLE_CLIENT:
        return "client";
    case OXT_ROLE_DOMAIN:
        return "domain";
    default:
        return NULL;
    }
}

static const char *dom_marks(const apr_array_header_t *doms,
                             apr_array_header_t *args, apr_pool_t *p);

#define RUN_OWNER_COLS "webmail_ok, webmail_failed, standard_ok," \
    " standard_failed, premium_ok, premium_failed"

/* The scope's counts of run (none counted: 0), without those of the
 * domains psa has moved out of its subtree (moved, or NULL): the counts
 * of moved's domains that run_summary_owner still sums into scope's
 * owner (a domain's row keeps the owner it was summed into until the
 * prune's last batch of its move) taken off, read in the same statement
 * as the owner's row (one snapshot: a batch between two reads would
 * miscount). */
static apr_status_t run_owner_counts(oxt_run_summary_t *run, oxt_db_t *db,
                                     const apr_array_header_t *moved,
                                     const oxt_plesk_scope_t *scope,
                                     oxt_result_t *res, apr_pool_t *p)
{
    const char *level = owner_level(scope), *sql;
    apr_array_header_t *rows, *args;
    const oxt_db_row_t *row;
    int i, off = moved != NULL && moved->nelts > 0;
    apr_status_t rv;

    memset(&run->counts, 0, sizeof(run->counts));
    if (level == NULL || scope->id <= 0) {
        return APR_SUCCESS;
    }
    args = apr_array_make(p, 8, sizeof(oxt_db_arg_t));
    sql = "SELECT " RUN_OWNER_COLS " FROM run_summary_owner";
    if (off) {
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(run->id);
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(scope->id);
        sql = apr_pstrcat(p, "SELECT o.webmail_ok, o.webmail_failed,"
            " o.standard_ok, o.standard_failed, o.premium_ok,"
            " o.premium_failed, m.* FROM (SELECT COALESCE(SUM(webmail_ok),"
            " 0), COALESCE(SUM(webmail_failed), 0), COALESCE(SUM("
            "standard_ok), 0), COALESCE(SUM(standard_failed), 0),"
            " COALESCE(SUM(premium_ok), 0), COALESCE(SUM(premium_failed), 0)"
            " FROM run_summary_owner WHERE run_id = ? AND level = 'domain'"
            " AND ", scope->role == OXT_ROLE_CLIENT ? "client_id"
                                                   : "reseller_id",
            " = ? AND owner IN (", dom_marks(moved, args, p), ")) m JOIN"
            " run_summary_owner o", NULL);
    }
    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(run->id);
    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_STR(level);
    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(scope->id);
    rv = oxt_db_select(&rows, db, apr_pstrcat(p, sql, off ? " WHERE"
                       " o.run_id = ? AND o.level = ? AND o.owner = ?"
                       : " WHERE run_id = ? AND level = ? AND owner = ?",
                       NULL), (const oxt_db_arg_t *)args->elts, args->nelts,
                       res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        run->counts.ok[i] = oxt_db_row_int(row, 2 * i, 0)
            - (off ? oxt_db_row_int(row, 6 + 2 * i, 0) : 0);
        run->counts.failed[i] = oxt_db_row_int(row, 2 * i + 1, 0)
            - (off ? oxt_db_row_int(row, 7 + 2 * i, 0) : 0);
    }
    return APR_SUCCESS;
}

apr_status_t oxt_replog_last_automatic_run(oxt_run_summary_t **prun,
                                           oxt_db_t *db,
                                           const apr_array_header_t *moved,
                                           const oxt_plesk_scope_t *scope,
                                           oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv;

    *prun = NULL;
    rv = oxt_db_select_row(&row, db,
        "SELECT id, automatic, started_at, finished_at, status,"
        RUN_COUNT_COLS " FROM run_summary WHERE automatic = 1"
        " ORDER BY started_at DESC, id DESC LIMIT 1",
        OXT_DB_NOARGS, res, p);
    if (row != NULL) {
        *prun = run_from_row(row, p);
        if (scope->role != OXT_ROLE_ADMIN) {
            rv = run_owner_counts(*prun, db, moved, scope, res, p);
        }
    }
    return rv;
}

/* ---- counts --------------------------------------------------------------- */

/* replication_log_count's levels, in the order of its ENUM, which is its
 * key order: a batch's counts are written (and their rows locked) in key
 * order, the order every writer locks them in. */
static const char *const count_levels[] = {
    "all", "reseller", "client", "domain"
};

typedef struct {
    int level;                      /* in count_levels */
    long long id;
} count_key_t;

typedef struct {
    count_key_t key;
    long long n;
} count_t;

struct oxt_replog_batch_t {
    oxt_rows_t *rows;
    oxt_rows_t *counts;
    apr_pool_t *cp;                 /* holds n, cleared at each write */
    apr_hash_t *n;                  /* count_key_t -> count_t */
};

oxt_replog_batch_t *oxt_replog_batch_make(apr_pool_t *p)
{
    oxt_replog_batch_t *b = apr_pcalloc(p, sizeof(*b));

    b->rows = oxt_rows_make(&replog_shape, p);
    b->counts = oxt_rows_make(&count_shape, p);
    apr_pool_create(&b->cp, p);
    b->n = apr_hash_make(b->cp);
    return b;
}

static void batch_count(oxt_replog_batch_t *b, int level, long long id)
{
    count_key_t key;
    count_t *c;

    memset(&key, 0, sizeof(key));
    key.level = level;
    key.id = id;
    c = apr_hash_get(b->n, &key, sizeof(key));
    if (c == NULL) {
        c = apr_pcalloc(b->cp, sizeof(*c));
        c->key = key;
        apr_hash_set(b->n, &c->key, sizeof(c->key), c);
    }
    c->n++;
}

apr_status_t oxt_replog_batch_add(oxt_replog_batch_t *b,
                                  const oxt_replog_entry_t *e, apr_pool_t *p)
{
    apr_status_t rv = replog_row(b->rows, e, p);

    if (rv == APR_SUCCESS) {
        batch_count(b, 0, 0);
        batch_count(b, 1, e->reseller_id);
        batch_count(b, 2, e->client_id);
        batch_count(b, 3, e->dom_id);
    }
    return rv;
}

int oxt_replog_batch_empty(const oxt_replog_batch_t *b)
{
    return oxt_rows_count(b->rows) == 0;
}

static int count_cmp(const void *a, const void *b)
{
    const count_t *x = *(const count_t *const *)a;
    const count_t *y = *(const count_t *const *)b;

    if (x->key.level != y->key.level) {
        return x->key.level < y->key.level ? -1 : 1;
    }
    return x->key.id < y->key.id ? -1 : x->key.id > y->key.id;
}

/* The counts of the batch's rows, one row per level, in key order. */
static apr_status_t batch_counts(oxt_replog_batch_t *b, apr_pool_t *p)
{
    apr_array_header_t *all = apr_array_make(p, (int)apr_hash_count(b->n),
                                             sizeof(count_t *));
    apr_hash_index_t *hi;
    const count_t *c;
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (hi = apr_hash_first(p, b->n); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(all, const count_t *) = apr_hash_this_val(hi);
    }
    qsort(all->elts, (size_t)all->nelts, sizeof(count_t *), count_cmp);
    for (i = 0; rv == APR_SUCCESS && i < all->nelts; i++) {
        c = APR_ARRAY_IDX(all, i, const count_t *);
        rv = oxt_rows_add(b->counts,
                          OXT_DB_ARGS(OXT_DB_STR(count_levels[c->key.level]),
                                      OXT_DB_INT(c->key.id),
                                      OXT_DB_INT(c->n)));
    }
    return rv;
}

void oxt_replog_batch_clear(oxt_replog_batch_t *b)
{
    oxt_rows_clear(b->rows);
    oxt_rows_clear(b->counts);
    apr_pool_clear(b->cp);
    b->n = apr_hash_make(b->cp);
}

apr_status_t oxt_replog_batch_write(oxt_replog_batch_t *b, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv;

    if (oxt_replog_batch_empty(b)) {
        return APR_SUCCESS;
    }
    rv = oxt_rows_write(b->rows, db, res, p);
    if (rv == APR_SUCCESS) {
        rv = batch_counts(b, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_rows_write(b->counts, db, res, p);
    }
    oxt_replog_batch_clear(b);
    return rv;
}

typedef struct {
    const char *level;
    long long id;
    long long n;
} replog_group_t;

/* Adds one deleted row of (level, id) to groups. seen maps the key to
 * the group's position + 1, never to the group itself: a push may move
 * the array's elements, and a pointer kept from before would count into
 * the old copy (a batch over more than 8 owners lost most of its counts
 * that way, and the row cap then deleted far beyond the cap). */
static void replog_group_add(apr_array_header_t *groups, apr_hash_t *seen,
                             const char *level, long long id)
{
    char key[48];
    replog_group_t *g;
    apr_size_t at;

    apr_snprintf(key, sizeof(key), "%s:%" APR_INT64_T_FMT, level,
                 (apr_int64_t)id);
    at = (apr_size_t)(apr_uintptr_t)apr_hash_get(seen, key,
                                                 APR_HASH_KEY_STRING);
    if (at == 0) {
        g = apr_array_push(groups);
        g->level = level;
        g->id = id;
        g->n = 0;
        at = (apr_size_t)groups->nelts;
        apr_hash_set(seen, apr_pstrdup(apr_hash_pool_get(seen), key),
                     APR_HASH_KEY_STRING, (void *)(apr_uintptr_t)at);
    }
    APR_ARRAY_IDX(groups, at - 1, replog_group_t).n++;
}

/* The counts of one level that a batch took: one UPDATE per number
 * taken (the owners that lost as many rows: the primary key's IN list),
 * each count less that number, never below 0. A batch of the oldest rows
 * over 1,000 domains takes one or two from each, so that is one or two
 * statements, where one statement with a CASE of a WHEN per owner tried
 * every WHEN on every row it updated (28 ms for 1,000 domains at
 * 1,000,000 rows, against 8 ms by the key). */
static apr_status_t replog_uncount_level(oxt_db_t *db,
                                         const apr_array_header_t *groups,
                                         const char *level,
                                         oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *args, *marks;
    char *done = apr_pcalloc(p, (apr_size_t)groups->nelts + 1);
    const replog_group_t *g, *h;
    int i, j;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; rv == APR_SUCCESS && i < groups->nelts; i++) {
        g = &APR_ARRAY_IDX(groups, i, const replog_group_t);
        if (done[i] || strcmp(g->level, level) != 0) {
            continue;
        }
        args = apr_array_make(p, 16, sizeof(oxt_db_arg_t));
        marks = apr_array_make(p, 16, sizeof(const char *));
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(g->n);
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_STR(level);
        for (j = i; j < groups->nelts; j++) {
            h = &APR_ARRAY_IDX(groups, j, const replog_group_t);
            if (!done[j] && h->n == g->n && strcmp(h->level, level) == 0) {
                done[j] = 1;
                APR_ARRAY_PUSH(marks, const char *) = "?";
                APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(h->id);
            }
        }
        rv = oxt_db_exec(NULL, db, apr_pstrcat(p,
            "UPDATE replication_log_count SET n = GREATEST(CAST(n AS"
            " SIGNED) - ?, 0) WHERE level = ? AND id IN (",
            apr_array_pstrcat(p, marks, ','), ")", NULL),
            (const oxt_db_arg_t *)args->elts, args->nelts, res, p);
    }
    return rv;
}

/* The counts a batch took, in one transaction of four statements, one
 * per level, in the table's key order: 'all' first. Every writer of the
 * counts takes the 'all' row first (oxt_replog_batch_write sorts it
 * first), so
 * they queue behind each other there, holding no other count row, and
 * cannot deadlock. */
static apr_status_t replog_uncount(oxt_db_t *db,
                                   const apr_array_header_t *groups,
                                   oxt_result_t *res, apr_pool_t *p)
{
    static const char *const levels[] = {
        "all", "reseller", "client", "domain"
    };
    apr_status_t rv;
    size_t i;

    rv = oxt_db_begin(db, res);
    for (i = 0; rv == APR_SUCCESS && i < sizeof(levels) / sizeof(levels[0]);
         i++) {
        rv = replog_uncount_level(db, groups, levels[i], res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_db_rollback(db);
    }
    return rv;
}

/* The GROUP BY of each level's counts, in the table's key order. */
static const char *const recount_sql[] = {
    "INSERT INTO replication_log_count (level, id, n, counted_at)"
    " SELECT 'all', 0, COUNT(*), NOW() FROM replication_log"
    " ON DUPLICATE KEY UPDATE n = VALUES(n), counted_at = VALUES(counted_at)",
    "INSERT INTO replication_log_count (level, id, n, counted_at)"
    " SELECT 'reseller', reseller_id, COUNT(*), NOW() FROM replication_log"
    " GROUP BY reseller_id"
    " ON DUPLICATE KEY UPDATE n = VALUES(n), counted_at = VALUES(counted_at)",
    "INSERT INTO replication_log_count (level, id, n, counted_at)"
    " SELECT 'client', client_id, COUNT(*), NOW() FROM replication_log"
    " GROUP BY client_id"
    " ON DUPLICATE KEY UPDATE n = VALUES(n), counted_at = VALUES(counted_at)",
    "INSERT INTO replication_log_count (level, id, n, counted_at)"
    " SELECT 'domain', COALESCE(dom_id, 0), COUNT(*), NOW()"
    " FROM replication_log GROUP BY COALESCE(dom_id, 0)"
    " ON DUPLICATE KEY UPDATE n = VALUES(n), counted_at = VALUES(counted_at)",
};

static const char *const recount_levels[] = {
    "all", "reseller", "client", "domain"
};

/* A transaction begun at READ COMMITTED (SET TRANSACTION names the next
 * one's level, whatever the connection's): where it is called says why
 * it wants that level. */
static apr_status_t begin_committed(oxt_db_t *db, oxt_result_t *res)
{
    apr_status_t rv = oxt_db_exec_trusted(db, "SET TRANSACTION ISOLATION"
                                          " LEVEL READ COMMITTED", res);

    return rv == APR_SUCCESS ? oxt_db_begin(db, res) : rv;
}

/* One level's counts, in a short READ COMMITTED transaction: the log's
 * rows are read without a lock (the replicator's inserts never wait for
 * the GROUP BY), the 'all' count row is held for its length (the writers
 * of counts queue there, so none is lost in between), and the rows of
 * owners that have no row left (not counted again) go to 0. */
static apr_status_t recount_level(oxt_db_t *db, int i, oxt_result_t *res,
                                  apr_pool_t *p)
{
    const char *start = NULL;
    apr_array_header_t *rows;
    apr_status_t rv;

    rv = begin_committed(db, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "INSERT INTO replication_log_count"
                         " (level, id, n) VALUES ('all', 0, 0)"
                         " ON DUPLICATE KEY UPDATE n = n", OXT_DB_NOARGS,
                         res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&rows, db, "SELECT NOW()", OXT_DB_NOARGS, res, p);
        start = rv == APR_SUCCESS
            ? APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *)->vals[0] : NULL;
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, recount_sql[i], OXT_DB_NOARGS, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "UPDATE replication_log_count SET n = 0,"
                         " counted_at = NOW() WHERE level = ? AND"
                         " (counted_at IS NULL OR counted_at < ?)",
                         OXT_DB_ARGS(OXT_DB_STR(recount_levels[i]),
                                     OXT_DB_STR(start)), res, p);
    }
    if (rv == APR_SUCCESS) {
        return oxt_db_commit(db, res);
    }
    oxt_db_rollback(db);
    return rv;
}

/* The domains whose rows name another owner than the directory's, queued
 * to follow it (oxt_replog_move_queue): a move the directory saw while
 * a row of the old owner was still being written (a pass's domain whose
 * owner was loaded before the move) is caught here, once a day. One
 * scan of the log in a READ COMMITTED statement: no lock on its rows. */
static apr_status_t recount_moves(oxt_db_t *db, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_status_t rv;

    rv = oxt_db_exec_trusted(db, "SET TRANSACTION ISOLATION LEVEL"
                             " READ COMMITTED", res);
    return rv != APR_SUCCESS ? rv : oxt_db_exec(NULL, db,
        "INSERT IGNORE INTO replication_log_move (dom_id, client_id,"
        " reseller_id, queued_at) SELECT d.id, d.client_id, d.reseller_id,"
        " NOW() FROM (SELECT DISTINCT dom_id, client_id, reseller_id"
        " FROM replication_log WHERE dom_id IS NOT NULL) l"
        " JOIN dir_domain d ON d.id = l.dom_id"
        " WHERE l.client_id <> d.client_id OR l.reseller_id <> d.reseller_id",
        OXT_DB_NOARGS, res, p);
}

apr_status_t oxt_replog_recount(oxt_db_t *db, oxt_result_t *res,
                                apr_pool_t *p)
{
    /* 'all' last: its counted_at, which says whether the counts are
     * fresh (prune_look), is then set only when every level is. */
    static const int order[] = { 1, 2, 3, 0 };
    apr_status_t rv = APR_SUCCESS;
    size_t i;

    for (i = 0; rv == APR_SUCCESS && i < sizeof(order) / sizeof(order[0]);
         i++) {
        rv = recount_level(db, order[i], res, p);
    }
    return rv == APR_SUCCESS ? recount_moves(db, res, p) : rv;
}

/* ---- the list: conditions ------------------------------------------------ */

/* The WHERE of a query: SQL text from this file only, values bound. */
typedef struct {
    apr_array_header_t *sql;      /* const char *, ANDed */
    apr_array_header_t *args;     /* oxt_db_arg_t */
    int owners;                   /* owner conditions (subtree, filters) */
    const char *level;            /* the count row of a lone owner */
    long long level_id;
    int empty;                    /* can match nothing */
    int group_fixed;              /* a keyset left one group of an ENUM
                                     sort: it is not ordered by (an
                                     equality on an ENUM in the ORDER BY
                                     made MariaDB sort, not walk) */
    int moved;                    /* the rows of domains psa moved out of
                                     the subtree left out (where_moved) */
} replog_where_t;

static void where_add(replog_where_t *w, const char *sql, oxt_db_arg_t arg)
{
    APR_ARRAY_PUSH(w->sql, const char *) = sql;
    if (arg.type != OXT_DB_T_NULL) {
        APR_ARRAY_PUSH(w->args, oxt_db_arg_t) = arg;
    }
}

/* An owner condition; the same column twice must agree. */
static void where_owner(replog_where_t *w, const char *level,
                        const char *col, long long id)
{
    if (id <= 0) {
        return;
    }
    if (w->owners > 0 && strcmp(w->level, level) == 0) {
        w->empty |= w->level_id != id;
        return;
    }
    where_add(w, col, OXT_DB_INT(id));
    w->owners++;
    w->level = level;
    w->level_id = id;
}

static void where_scope(replog_where_t *w, const oxt_plesk_scope_t *scope)
{
    switch (scope->role) {
    case OXT_ROLE_ADMIN:
        break;
    case OXT_ROLE_RESELLER:
        where_owner(w, "reseller", "reseller_id = ?", scope->id);
        break;
    case OXT_ROLE_CLIENT:
        where_owner(w, "client", "client_id = ?", scope->id);
        break;
    case OXT_ROLE_DOMAIN:
        where_owner(w, "domain", "dom_id = ?", scope->id);
        break;
    default:
        w->empty = 1;
        break;
    }
    /* A subtree that names nobody (id 0) matches nothing. */
    w->empty |= scope->role != OXT_ROLE_ADMIN && scope->id <= 0;
}

/* "q%" with LIKE's own characters escaped by '!': the text typed is
 * matched as text, and as the start of the address (an index range). */
static const char *replog_prefix(const char *q, apr_pool_t *p)
{
    size_t n = strlen(q) > OXT_REPLOG_Q_MAX ? OXT_REPLOG_Q_MAX : strlen(q);
    char *out = apr_palloc(p, n * 2 + 2), *w = out;
    size_t i;

    for (i = 0; i < n; i++) {
        if (q[i] == '%' || q[i] == '_' || q[i] == '!') {
            *w++ = '!';
        }
        *w++ = q[i];
    }
    *w++ = '%';
    *w = '\0';
    return out;
}

static void replog_where(replog_where_t *w, const oxt_replog_query_t *q,
                         apr_pool_t *p)
{
    memset(w, 0, sizeof(*w));
    w->sql = apr_array_make(p, 6, sizeof(const char *));
    w->args = apr_array_make(p, 8, sizeof(oxt_db_arg_t));
    w->level = "all";
    where_scope(w, &q->scope);
    where_owner(w, "reseller", "reseller_id = ?", q->reseller);
    where_owner(w, "client", "client_id = ?", q->client);
    where_owner(w, "domain", "dom_id = ?", q->domain);
    if (q->mail > 0) {
        where_add(w, "mail_id = ?", OXT_DB_INT(q->mail));
        w->owners += 2;               /* never a lone owner: counted */
    }
    if (q->q != NULL && *q->q != '\0') {
        where_add(w, "address LIKE ? ESCAPE '!'",
                  OXT_DB_STR(replog_prefix(q->q, p)));
    }
}

static const char *where_sql(const replog_where_t *w, apr_pool_t *p)
{
    const char *out = " WHERE 1 = 1";
    int i;

    for (i = 0; i < w->sql->nelts; i++) {
        out = apr_pstrcat(p, out, " AND ", APR_ARRAY_IDX(w->sql, i,
                                                         const char *), NULL);
    }
    return out;
}

static void where_moved(replog_where_t *w, const apr_array_header_t *doms,
                        apr_pool_t *p);
static apr_status_t moved_count(long long *pn, oxt_db_t *db,
                                const replog_where_t *w,
                                const apr_array_header_t *doms,
                                oxt_result_t *res, apr_pool_t *p);

/* ---- dense searches ------------------------------------------------------ */

/* A search with more matches than it counts (OXT_REPLOG_COUNT_MAX) was
 * counted on every request: a walk of 10,001 entries of the address
 * index (3 ms of a page's 12 at a million rows). So a search of the
 * whole log or of one owner found dense is marked (replication_log_dense,
 * 0145): its matches counted up to OXT_REPLOG_DENSE_MARK and the
 * journal's newest row (replication_log_gone, written by every delete in
 * its transaction), read in one statement, so in one snapshot. Rows
 * added since only add matches; the matches that left since are the
 * journal rows after the marker's that match the search. So the count is
 * now at least the marker's minus those, and while that is above
 * OXT_REPLOG_COUNT_MAX the search is dense without a count. Deletes hold
 * the page index's named lock around their transaction, one at a time:
 * a delete not committed when the marker was counted has a journal row
 * above every one the marker saw, so it is subtracted. A page index
 * build drops the journal rows that the build before it saw: a marker
 * older than the build in force (its journal row below the build's) may
 * have lost some, and is not used (the build drops it). */

/* The marker's key: w's level and owner (whole log or one owner), and
 * whether w can have one. */
static int dense_scope(const replog_where_t *w, const oxt_replog_query_t *q)
{
    return w->owners <= 1 && !w->moved && q->mail <= 0 && q->q != NULL
           && *q->q != '\0';
}

/* *pdense 1 when the marker of w's search proves it has more matches
 * than OXT_REPLOG_COUNT_MAX now. */
static apr_status_t dense_known(int *pdense, oxt_db_t *db,
                                const replog_where_t *w, const char *pattern,
                                oxt_result_t *res, apr_pool_t *p)
{
    replog_where_t c;
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    long long n, seq;
    apr_status_t rv;

    *pdense = 0;
    rv = oxt_db_select(&rows, db, "SELECT n, gone_seq FROM"
                       " replication_log_dense WHERE level = ? AND"
                       " owner = ? AND pattern = ?",
                       OXT_DB_ARGS(OXT_DB_STR(w->level),
                                   OXT_DB_INT(w->owners ? w->level_id : 0),
                                   OXT_DB_STR(pattern)), res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    n = oxt_db_row_int(row, 0, 0);
    seq = oxt_db_row_int(row, 1, 0);
    if (n <= OXT_REPLOG_COUNT_MAX) {
        return APR_SUCCESS;
    }
    /* One statement: the build in force, the journal's extent and the
     * matches that left, as of one moment. */
    c.sql = apr_array_copy(p, w->sql);
    c.args = apr_array_make(p, 8, sizeof(oxt_db_arg_t));
    APR_ARRAY_PUSH(c.args, oxt_db_arg_t) = OXT_DB_INT(seq);
    APR_ARRAY_PUSH(c.args, oxt_db_arg_t) = OXT_DB_INT(seq);
    APR_ARRAY_PUSH(c.args, oxt_db_arg_t) =
        OXT_DB_INT(OXT_REPLOG_DENSE_JOURNAL);
    apr_array_cat(c.args, w->args);
    where_add(&c, "seq > ?", OXT_DB_INT(seq));
    APR_ARRAY_PUSH(c.args, oxt_db_arg_t) =
        OXT_DB_INT(n - OXT_REPLOG_COUNT_MAX);
    rv = oxt_db_select(&rows, db, apr_pstrcat(p,
             "SELECT COALESCE((SELECT gone_seq FROM"
             " replication_log_page_state WHERE id = 1), 0) <= ? AND"
             " COALESCE((SELECT MAX(seq) FROM replication_log_gone), 0)"
             " - ? <= ?, (SELECT COUNT(*) FROM (SELECT 1 FROM"
             " replication_log_gone", where_sql(&c, p), " LIMIT ?) g)",
             NULL),
             (const oxt_db_arg_t *)c.args->elts, c.args->nelts, res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    *pdense = oxt_db_row_int(row, 0, 0) == 1
              && n - oxt_db_row_int(row, 1, n) > OXT_REPLOG_COUNT_MAX;
    return APR_SUCCESS;
}

/* w's search marked with its count (n, up to OXT_REPLOG_DENSE_MARK + 1)
 * and the journal row it counts after (seq). What the page shows does
 * not depend on it: a marker that is not written is only a count the
 * next page makes again, so a failure is not the page's. */
static void dense_mark(oxt_db_t *db, const replog_where_t *w,
                       const char *pattern, long long n, long long seq,
                       apr_pool_t *p)
{
    apr_status_t rv;

    rv = oxt_db_exec(NULL, db, "INSERT INTO replication_log_dense (level,"
                     " owner, pattern, n, gone_seq, marked_at) VALUES"
                     " (?, ?, ?, ?, ?, NOW()) ON DUPLICATE KEY UPDATE"
                     " n = VALUES(n), gone_seq = VALUES(gone_seq),"
                     " marked_at = VALUES(marked_at)",
                     OXT_DB_ARGS(OXT_DB_STR(w->level),
                                 OXT_DB_INT(w->owners ? w->level_id : 0),
                                 OXT_DB_STR(pattern), OXT_DB_INT(n),
                                 OXT_DB_INT(seq)), oxt_result_make(p), p);
    (void)rv;
}

/* A search of the whole log or of one owner: dense by its marker, else
 * counted (up to OXT_REPLOG_DENSE_MARK + 1, with the journal's newest
 * row in the same statement) and marked when dense. */
static apr_status_t dense_count(long long *ptotal, int *pmore, oxt_db_t *db,
                                replog_where_t *w, const char *pattern,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *args, *rows;
    const oxt_db_row_t *row;
    long long seq;
    int dense = 0;
    apr_status_t rv;

    rv = dense_known(&dense, db, w, pattern, res, p);
    if (rv != APR_SUCCESS || dense) {
        *ptotal = dense ? OXT_REPLOG_COUNT_MAX : 0;
        *pmore = dense;
        return rv;
    }
    args = apr_array_copy(p, w->args);
    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(OXT_REPLOG_DENSE_MARK
                                                    + 1);
    rv = oxt_db_select(&rows, db, apr_pstrcat(p, "SELECT COUNT(*),"
                       " (SELECT COALESCE(MAX(seq), 0) FROM"
                       " replication_log_gone) FROM (SELECT 1 FROM"
                       " replication_log", where_sql(w, p),
                       " LIMIT ?) matched", NULL),
                       (const oxt_db_arg_t *)args->elts, args->nelts, res,
                       p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    *ptotal = oxt_db_row_int(row, 0, 0);
    seq = oxt_db_row_int(row, 1, 0);
    if (*ptotal > OXT_REPLOG_COUNT_MAX) {
        dense_mark(db, w, pattern, *ptotal, seq, p);
        *ptotal = OXT_REPLOG_COUNT_MAX;
        *pmore = 1;
    }
    return APR_SUCCESS;
}

apr_status_t oxt_replog_count(long long *ptotal, int *pmore, oxt_db_t *db,
                              const oxt_replog_query_t *q,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *args;
    const apr_array_header_t *doms = q->moved;
    replog_where_t w;
    apr_status_t rv;

    replog_where(&w, q, p);
    *ptotal = 0;
    *pmore = 0;
    if (w.empty) {
        return APR_SUCCESS;
    }
    if (doms == NULL) {
        rv = oxt_replog_moved_away(&doms, db, q->psa, &q->scope, res, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    if (w.owners <= 1 && (q->q == NULL || *q->q == '\0')) {
        if (doms->nelts > 0) {
            /* The count row counts the rows of the domains moved away:
             * both in one statement, so in one snapshot (a prune batch
             * between two reads would miscount). */
            rv = moved_count(ptotal, db, &w, doms, res, p);
            return rv == APR_ENOENT ? APR_SUCCESS : rv;
        }
        rv = oxt_db_select_int(ptotal, db,
            "SELECT n FROM replication_log_count WHERE level = ? AND id = ?",
            OXT_DB_ARGS(OXT_DB_STR(w.level), OXT_DB_INT(w.owners
                                                        ? w.level_id : 0)),
            res, p);
        return rv == APR_ENOENT ? APR_SUCCESS : rv;
    }
    where_moved(&w, doms, p);
    if (dense_scope(&w, q)) {
        return dense_count(ptotal, pmore, db, &w, replog_prefix(q->q, p),
                           res, p);
    }
    /* Filters within filters are counted, up to a bound: an index range
     * of at most OXT_REPLOG_COUNT_MAX + 1 entries, never a scan of every
     * match. */
    args = apr_array_copy(p, w.args);
    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(OXT_REPLOG_COUNT_MAX + 1);
    rv = oxt_db_select_int(ptotal, db, apr_pstrcat(p,
                           "SELECT COUNT(*) FROM (SELECT 1 FROM"
                           " replication_log", where_sql(&w, p),
                           " LIMIT ?) matched", NULL),
                           (const oxt_db_arg_t *)args->elts, args->nelts,
                           res, p);
    if (rv == APR_SUCCESS && *ptotal > OXT_REPLOG_COUNT_MAX) {
        *ptotal = OXT_REPLOG_COUNT_MAX;
        *pmore = 1;
    }
    return rv;
}

/* ---- a domain moved in psa, before the replicator's pass ------------- */

/* A row's owner is the snapshot it was written with, and a domain moved
 * in psa keeps its rows with the old owner until the replicator's next
 * pass sees the move and its prune moves them (oxt_replog_move_queue).
 * In between, the page asks psa about the domains of the rows it is
 * about to show, open or remove (a page's 25, by primary key), and
 * leaves out the rows of a domain psa places outside the caller's
 * subtree now. A domain psa no longer has stays with the owner its rows
 * name. The admin's subtree is everything and a domain's is itself:
 * nothing to ask. */

/* The condition on psa.domains d (and its owner c) of a domain outside
 * scope, and how many times it binds the scope's id; NULL: none can be. */
static const char *moved_out_sql(int *pn, const oxt_psa_t *psa,
                                 const oxt_plesk_scope_t *scope)
{
    *pn = 0;
    if (psa == NULL || scope->id <= 0) {
        return NULL;
    }
    if (scope->role == OXT_ROLE_CLIENT) {
        *pn = 1;
        return " AND d.cl_id <> ?";
    }
    if (scope->role == OXT_ROLE_RESELLER
        && oxt_psa_caps(psa)->has_client_type) {
        *pn = 2;
        return " AND d.cl_id <> ? AND COALESCE(c.parent_id, 0) <> ?";
    }
    /* Plesk 8 has no resellers: psa places no domain in a reseller's
     * subtree (oxt_plesk's scope is empty), so every domain it has is
     * outside one. No login is a reseller there (oxt_psa_lookup), so
     * this is the rule kept, not a path a caller takes. */
    if (scope->role == OXT_ROLE_RESELLER) {
        return " AND 1 = 1";
    }
    return NULL;
}

apr_status_t oxt_replog_moved_out(apr_hash_t **pout, oxt_db_t *db,
                                  const oxt_psa_t *psa,
                                  const oxt_plesk_scope_t *scope,
                                  const apr_array_header_t *dom_ids,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *args, *marks, *found;
    apr_hash_t *seen = apr_hash_make(p);
    const char *cond;
    long long id;
    int n, i, k;
    apr_status_t rv = APR_SUCCESS;

    *pout = apr_hash_make(p);
    cond = moved_out_sql(&n, psa, scope);
    if (cond == NULL) {
        return APR_SUCCESS;
    }
    for (i = 0; rv == APR_SUCCESS && i < dom_ids->nelts; ) {
        args = apr_array_make(p, 16, sizeof(oxt_db_arg_t));
        marks = apr_array_make(p, 16, sizeof(const char *));
        for (; i < dom_ids->nelts && marks->nelts < OXT_REPLOG_DELETE_BATCH;
             i++) {
            id = APR_ARRAY_IDX(dom_ids, i, long long);
            if (id > 0 && oxt_util_id_get(seen, id) == NULL) {
                oxt_util_id_set(seen, id, "");
                APR_ARRAY_PUSH(marks, const char *) = "?";
                APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(id);
            }
        }
        if (marks->nelts == 0) {
            break;
        }
        for (k = 0; k < n; k++) {
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(scope->id);
        }
        rv = oxt_db_select_ids(&found, db, oxt_psa_sql(psa, apr_pstrcat(p,
                 "SELECT d.id FROM psa.domains d LEFT JOIN psa.clients c"
                 " ON c.id = d.cl_id WHERE d.id IN (",
                 apr_array_pstrcat(p, marks, ','), ")", cond, NULL), p),
                 (const oxt_db_arg_t *)args->elts, args->nelts, res, p);
        for (k = 0; rv == APR_SUCCESS && k < found->nelts; k++) {
            oxt_util_id_set(*pout, APR_ARRAY_IDX(found, k, long long), "");
        }
    }
    return rv;
}

/* Whether row r is left out (its domain in out). */
static int moved_out_has(apr_hash_t *out, long long dom_id)
{
    return out != NULL && dom_id > 0 && oxt_util_id_get(out, dom_id) != NULL;
}

/* The queue, and a client's domains in the directory (its c_name index),
 * each asked of psa with moved_out_sql's check. Not a reseller's
 * directory domains: each is a primary-key lookup in psa, 4.1 ms for the
 * 1,019 of the busiest reseller at 100k (its first Logs page 3.7 -> 8.3
 * ms at the median), and ten times that at 1m; the busiest client's 16
 * took 0.28 ms. A queued domain counts only while a log row of it (the
 * dom index: a lookup of the domain's rows) or its banner row (of_owner:
 * moved by the prune's last batch, which may find no row left) still
 * names the caller: a move between two other owners is none of the
 * caller's, and an answer that is not empty turns off its page's fast
 * paths (w->moved). */
apr_status_t oxt_replog_moved_away(const apr_array_header_t **pdoms,
                                   oxt_db_t *db, const oxt_psa_t *psa,
                                   const oxt_plesk_scope_t *scope,
                                   oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *args, *doms;
    const char *cond, *dir = "";
    const char *col = scope->role == OXT_ROLE_CLIENT ? "client_id"
                                                     : "reseller_id";
    int n, k, nargs;
    apr_status_t rv;

    *pdoms = apr_array_make(p, 0, sizeof(long long));
    cond = moved_out_sql(&n, psa, scope);
    if (cond == NULL) {
        return APR_SUCCESS;
    }
    nargs = n + 2;
    if (scope->role == OXT_ROLE_CLIENT) {
        dir = apr_pstrcat(p, "SELECT x.id FROM dir_domain x JOIN psa.domains"
                          " d ON d.id = x.id LEFT JOIN psa.clients c ON"
                          " c.id = d.cl_id WHERE x.client_id = ?", cond,
                          " UNION ", NULL);
        nargs += n + 1;
    }
    args = apr_array_make(p, nargs, sizeof(oxt_db_arg_t));
    for (k = 0; k < nargs; k++) {
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(scope->id);
    }
    /* the owner's index of the domain's rows (0151): a seek of one
     * entry, where the dom index read every row of a domain none of whose
     * rows was the caller's */
    rv = oxt_db_select_ids(&doms, db, oxt_psa_sql(psa, apr_pstrcat(p, dir,
        "SELECT m.dom_id FROM replication_log_move m JOIN psa.domains d"
        " ON d.id = m.dom_id LEFT JOIN psa.clients c ON c.id = d.cl_id"
        " WHERE 1 = 1", cond, " AND (EXISTS (SELECT 1 FROM replication_log"
        " r FORCE INDEX (", scope->role == OXT_ROLE_CLIENT ? "dom_client"
        : "dom_reseller", ") WHERE r.dom_id = m.dom_id AND r.", col,
        " = ?) OR EXISTS (SELECT 1 FROM run_summary_owner s FORCE INDEX"
        " (of_owner) WHERE s.level = 'domain' AND s.owner = m.dom_id AND s.",
        col, " = ?))", NULL), p),
        (const oxt_db_arg_t *)args->elts, args->nelts, res, p);
    if (rv == APR_SUCCESS) {
        *pdoms = doms;
    }
    return rv;
}

/* "?,?,..." for doms, their ids pushed onto args. */
static const char *dom_marks(const apr_array_header_t *doms,
                             apr_array_header_t *args, apr_pool_t *p)
{
    apr_array_header_t *marks = apr_array_make(p, doms->nelts,
                                               sizeof(const char *));
    int i;

    for (i = 0; i < doms->nelts; i++) {
        APR_ARRAY_PUSH(marks, const char *) = "?";
        APR_ARRAY_PUSH(args, oxt_db_arg_t) =
            OXT_DB_INT(APR_ARRAY_IDX(doms, i, long long));
    }
    return apr_array_pstrcat(p, marks, ',');
}

/* w without the rows of doms (oxt_replog_moved_away): a condition more,
 * and no count row, page index entry or dense marker of w's owner
 * applies (they count those rows). */
static void where_moved(replog_where_t *w, const apr_array_header_t *doms,
                        apr_pool_t *p)
{
    if (doms->nelts == 0) {
        return;
    }
    APR_ARRAY_PUSH(w->sql, const char *) = apr_pstrcat(p,
        "(dom_id IS NULL OR dom_id NOT IN (", dom_marks(doms, w->args, p),
        "))", NULL);
    w->moved = 1;
}

/* *pn: w's count row (its level and owner) less the rows of w that are
 * of doms (the dom index: the rows of the moved domains only), in one
 * statement (one snapshot); never below 0. */
static apr_status_t moved_count(long long *pn, oxt_db_t *db,
                                const replog_where_t *w,
                                const apr_array_header_t *doms,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, w->args->nelts
                                              + doms->nelts + 2,
                                              sizeof(oxt_db_arg_t));
    const char *marks;

    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_STR(w->level);
    APR_ARRAY_PUSH(args, oxt_db_arg_t) =
        OXT_DB_INT(w->owners ? w->level_id : 0);
    apr_array_cat(args, w->args);
    marks = dom_marks(doms, args, p);
    return oxt_db_select_int(pn, db, apr_pstrcat(p, "SELECT GREATEST(0,"
        " CAST(COALESCE((SELECT n FROM replication_log_count WHERE level = ?"
        " AND id = ?), 0) AS SIGNED) - (SELECT COUNT(*) FROM"
        " replication_log FORCE INDEX (dom)", where_sql(w, p),
        " AND dom_id IN (", marks, ")))", NULL),
        (const oxt_db_arg_t *)args->elts, args->nelts, res, p);
}

/* ---- the list: order, keyset, rows ------------------------------------ */

static const char *const sort_keys[OXT_REPLOG_SORT_COUNT + 1] = {
    "modified", "mailbox", "service", "scheduled_by", "outcome", NULL
};

/* The ORDER BY columns of each sort, every one ending in logged_at and
 * id: the order of an index (the secondary index ends in the primary
 * key), so no sort is a filesort where an index leads with its column. */
static const char *const sort_cols[OXT_REPLOG_SORT_COUNT][3] = {
    { "logged_at", "id", NULL },
    { "address", "logged_at", "id" },
    { "service_type", "logged_at", "id" },
    { "scheduled_by", "logged_at", "id" },
    { "outcome", "logged_at", "id" },
};

const char *oxt_replog_sort_key(oxt_replog_sort_t sort)
{
    return (unsigned)sort < OXT_REPLOG_SORT_COUNT ? sort_keys[sort]
                                                   : sort_keys[0];
}

apr_status_t oxt_replog_sort_parse(oxt_replog_sort_t *psort,
                                   const char *key)
{
    int i;

    for (i = 0; key != NULL && i < OXT_REPLOG_SORT_COUNT; i++) {
        if (strcmp(sort_keys[i], key) == 0) {
            *psort = (oxt_replog_sort_t)i;
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}

void oxt_replog_query_init(oxt_replog_query_t *q,
                           const oxt_identity_t *ident)
{
    memset(q, 0, sizeof(*q));
    oxt_plesk_scope_of(&q->scope, ident);
    q->q = "";
    q->sort = OXT_REPLOG_SORT_MODIFIED;
    q->desc = 1;
    q->limit = 25;
}

static const char *order_from(oxt_replog_sort_t sort, int desc, int from,
                              apr_pool_t *p)
{
    const char *dir = desc ? " DESC" : " ASC", *out = " ORDER BY ";
    int i;

    for (i = from; i < 3 && sort_cols[sort][i] != NULL; i++) {
        out = apr_pstrcat(p, out, i > from ? ", " : "", sort_cols[sort][i],
                          dir, NULL);
    }
    return out;
}

static const char *order_sql(oxt_replog_sort_t sort, int desc,
                             apr_pool_t *p)
{
    return order_from(sort, desc, 0, p);
}

/* The values an ENUM sort column takes, in the order ORDER BY sorts
 * them (the ENUM's own order, NULL first), so a keyset can name the
 * groups after the keyset row's by equality: an ENUM compared with a
 * string is compared as a string, not in its sort order. NULL: a text
 * column, compared as the list sorts it (its collation). */
static const char *const service_groups[] = {
    NULL, "webmail", "groupware_standard", "groupware_premium"
};
static const char *const outcome_groups[] = { "success", "failure" };

typedef struct {
    const char *const *vals;
    int n;
    int nullable;                 /* vals[0] is NULL */
} sort_groups_t;

static int sort_groups(sort_groups_t *g, oxt_replog_sort_t sort)
{
    memset(g, 0, sizeof(*g));
    if (sort == OXT_REPLOG_SORT_SERVICE) {
        g->vals = service_groups;
        g->n = 4;
        g->nullable = 1;
    }
    else if (sort == OXT_REPLOG_SORT_OUTCOME) {
        g->vals = outcome_groups;
        g->n = 2;
    }
    return g->vals != NULL;
}

/* "(logged_at < ? OR (logged_at = ? AND id < ?))": the rows after the
 * keyset row's time and id (> when ascending), in the form the range
 * optimizer reads. */
static const char *keyset_time_sql(int desc)
{
    return desc ? "(logged_at < ? OR (logged_at = ? AND id < ?))"
                : "(logged_at > ? OR (logged_at = ? AND id > ?))";
}

/* The keyset condition of a text column c (address, scheduled_by):
 * "(c < ? OR (c = ? AND <time>))". */
static const char *keyset_text_sql(const char *col, int desc, apr_pool_t *p)
{
    const char *op = desc ? " < ?" : " > ?";

    return apr_pstrcat(p, "(", col, op, " OR (", col, " = ? AND ",
                       keyset_time_sql(desc), "))", NULL);
}

/* The keyset condition of an ENUM column: the keyset row's group after
 * its time and id ("c = ?" or "c IS NULL"), or any group after it in the
 * list's order, by equality ("c IN (...)", "c IS NULL"): each one a
 * range of the (owner, c, logged_at) index. The group values are pushed
 * to args here, the time's by the caller. *pat: where the time's values
 * go (after the group's), as -1 - that when no group is after it. */
static const char *keyset_enum_sql(const char *col, const sort_groups_t *g,
                                   const char *val, int desc,
                                   apr_array_header_t *args, int *pat,
                                   apr_pool_t *p)
{
    const char *later = "", *sql;
    int i, at = 0, null_later = 0;

    for (i = 0; i < g->n; i++) {
        if ((val == NULL && g->vals[i] == NULL)
            || (val != NULL && g->vals[i] != NULL
                && strcmp(val, g->vals[i]) == 0)) {
            at = i;
        }
    }
    /* "= ?" or "IS NULL", never "<=>": the range optimizer then sees the
     * group's equality and walks its index. */
    sql = apr_pstrcat(p, "((", col, val ? " = ?" : " IS NULL", " AND ",
                      keyset_time_sql(desc), ")", NULL);
    if (val != NULL) {
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_STR(val);
    }
    *pat = args->nelts;
    for (i = desc ? at - 1 : at + 1; i >= 0 && i < g->n; i += desc ? -1 : 1) {
        if (g->vals[i] == NULL) {
            null_later = 1;
            continue;
        }
        later = apr_pstrcat(p, later, *later ? ", ?" : "?", NULL);
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_STR(g->vals[i]);
    }
    if (*later) {
        sql = apr_pstrcat(p, sql, " OR ", col, " IN (", later, ")", NULL);
    }
    if (null_later) {
        sql = apr_pstrcat(p, sql, " OR ", col, " IS NULL", NULL);
    }
    if (!*later && !null_later) {
        *pat = -1 - *pat;
    }
    return apr_pstrcat(p, sql, ")", NULL);
}

/* Inserts the time's three values (logged_at, logged_at, id) into args
 * at position at. */
static void keyset_time_args(apr_array_header_t *args, int at,
                             const char *logged_at, long long id)
{
    oxt_db_arg_t v[3];
    int i, n = args->nelts;

    v[0] = OXT_DB_STR(logged_at);
    v[1] = OXT_DB_STR(logged_at);
    v[2] = OXT_DB_INT(id);
    for (i = 0; i < 3; i++) {
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = v[i];
    }
    memmove((oxt_db_arg_t *)args->elts + at + 3,
            (oxt_db_arg_t *)args->elts + at,
            (size_t)(n - at) * sizeof(oxt_db_arg_t));
    memcpy((oxt_db_arg_t *)args->elts + at, v, sizeof(v));
}

/* The keyset row's columns, in sort order: its sort column's value
 * (address, service_type, scheduled_by, outcome; by the sort) is 2. */
static const char *const keyset_cols[OXT_REPLOG_SORT_COUNT] = {
    "logged_at, id, NULL", "logged_at, id, address",
    "logged_at, id, service_type", "logged_at, id, scheduled_by",
    "logged_at, id, outcome"
};

/* The rows after the row of key (logged_at, id, val: its sort column's
 * value as text, NULL for NULL) in the order of sort, descending or not:
 * the condition and its values, added to w. The key need not be a row's
 * any more (a page index's entry may name a row deleted since). */
static void where_keyset_at(replog_where_t *w, oxt_replog_sort_t sort,
                            int desc, const char *logged_at, long long id,
                            const char *val, apr_pool_t *p)
{
    sort_groups_t g;
    const char *sql;
    int at;

    if (sort == OXT_REPLOG_SORT_MODIFIED) {
        sql = keyset_time_sql(desc);
        at = w->args->nelts;
    }
    else if (sort_groups(&g, sort)) {
        sql = keyset_enum_sql(sort_cols[sort][0], &g, val, desc, w->args,
                              &at, p);
        w->group_fixed = at < 0;
        at = at < 0 ? -at - 1 : at;
    }
    else {
        sql = keyset_text_sql(sort_cols[sort][0], desc, p);
        APR_ARRAY_PUSH(w->args, oxt_db_arg_t) = OXT_DB_STR(val ? val : "");
        APR_ARRAY_PUSH(w->args, oxt_db_arg_t) = OXT_DB_STR(val ? val : "");
        at = w->args->nelts;
    }
    APR_ARRAY_PUSH(w->sql, const char *) = sql;
    keyset_time_args(w->args, at, logged_at, id);
}

/* The rows after the keyset row (q->after, which must be one of the
 * query's rows) in the effective order, in every sort: the condition
 * and its values. */
static apr_status_t where_keyset(replog_where_t *w,
                                 const oxt_replog_query_t *q, int desc,
                                 oxt_db_t *db, oxt_result_t *res,
                                 apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_copy(p, w->args), *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(q->after);
    rv = oxt_db_select(&rows, db, apr_pstrcat(p, "SELECT ",
                       keyset_cols[q->sort], " FROM replication_log",
                       where_sql(w, p), " AND id = ?", NULL),
                       (const oxt_db_arg_t *)args->elts, args->nelts, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        return oxt_result_set(res, APR_ENOENT, "No such page", NULL);
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    where_keyset_at(w, q->sort, desc, row->vals[0], q->after, row->vals[2],
                    p);
    return APR_SUCCESS;
}

#define ROW_COLS \
    "SELECT id, UNIX_TIMESTAMP(logged_at), mail_id, address, dom_id," \
    " domain_name, service_type, scheduled_by, operation, outcome, reason," \
    " debug_request IS NOT NULL OR debug_response IS NOT NULL" \
    " FROM replication_log"

static const char *const outcomes[] = { "failure", "success", NULL };

static void row_read(oxt_replog_row_t *r, const oxt_db_row_t *row)
{
    memset(r, 0, sizeof(*r));
    r->id = oxt_db_row_int(row, 0, 0);
    r->logged_at = oxt_db_row_int(row, 1, 0);
    r->mail_id = oxt_db_row_int(row, 2, 0);
    r->address = row->vals[3] ? row->vals[3] : "";
    r->dom_id = oxt_db_row_int(row, 4, 0);
    r->domain_name = row->vals[5] ? row->vals[5] : "";
    r->service = oxt_db_row_enum(row, 6, oxt_service_codes(), -1);
    r->scheduled_by = row->vals[7] ? row->vals[7] : "Automatic";
    r->operation = row->vals[8] ? row->vals[8] : "";
    r->success = oxt_db_row_enum(row, 9, outcomes, 0);
    r->reason = row->vals[10];
    r->has_debug = oxt_db_row_bool(row, 11);
}

/* A copy of r's strings in p. */
static oxt_replog_row_t *row_copy(const oxt_replog_row_t *r, apr_pool_t *p)
{
    oxt_replog_row_t *c = apr_pmemdup(p, r, sizeof(*r));

    c->address = apr_pstrdup(p, r->address);
    c->domain_name = apr_pstrdup(p, r->domain_name);
    c->scheduled_by = apr_pstrdup(p, r->scheduled_by);
    c->operation = apr_pstrdup(p, r->operation);
    c->reason = r->reason ? apr_pstrdup(p, r->reason) : NULL;
    return c;
}

typedef struct {
    oxt_replog_row_cb *cb;
    void *baton;
    int reversed;                 /* read from the other end: keep, then
                                     hand over backwards */
    apr_array_header_t *held;     /* oxt_replog_row_t * */
    apr_pool_t *p;
    /* Rows checked against psa (oxt_replog_moved_out): kept, and handed
     * over once the query's rows are read (the connection streams them:
     * no statement in between). */
    int check;
    oxt_db_t *db;
    const oxt_replog_query_t *q;
    oxt_result_t *res;
} list_t;

/* The rows kept handed over (backwards when reversed), those of a
 * domain psa moved out of the caller's subtree left out. */
static apr_status_t list_flush(list_t *l)
{
    apr_array_header_t *doms;
    apr_hash_t *out = NULL;
    const oxt_replog_row_t *r;
    apr_pool_t *tp;
    int i, n = l->held->nelts;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&tp, l->p);
    if (l->check && n > 0) {
        doms = apr_array_make(tp, n, sizeof(long long));
        for (i = 0; i < n; i++) {
            APR_ARRAY_PUSH(doms, long long) =
                APR_ARRAY_IDX(l->held, i, const oxt_replog_row_t *)->dom_id;
        }
        rv = oxt_replog_moved_out(&out, l->db, l->q->psa, &l->q->scope,
                                  doms, l->res, l->p);
    }
    for (i = 0; rv == APR_SUCCESS && i < n; i++) {
        r = APR_ARRAY_IDX(l->held, l->reversed ? n - 1 - i : i,
                          const oxt_replog_row_t *);
        if (!moved_out_has(out, r->dom_id)) {
            rv = l->cb(l->baton, r, tp);
        }
        apr_pool_clear(tp);
    }
    apr_pool_destroy(tp);
    l->held->nelts = 0;
    return rv;
}

static apr_status_t list_row(void *baton, const oxt_db_row_t *row,
                             apr_pool_t *ptemp)
{
    list_t *l = baton;
    oxt_replog_row_t r;

    row_read(&r, row);
    if (!l->reversed && !l->check) {
        return l->cb(l->baton, &r, ptemp);
    }
    APR_ARRAY_PUSH(l->held, oxt_replog_row_t *) = row_copy(&r, l->p);
    return APR_SUCCESS;
}

/* The index of each sort (0088's names) for the whole log and each
 * level of owner: (owner, sort column, logged_at), and the id InnoDB
 * adds. */
static const char *const sort_index[4][OXT_REPLOG_SORT_COUNT] = {
    { "logged_at", "address", "service_sort", "scheduled_sort",
      "outcome_sort" },
    { "reseller", "reseller_address", "reseller_service",
      "reseller_scheduled", "reseller_outcome" },
    { "client", "client_address", "client_service", "client_scheduled",
      "client_outcome" },
    { "dom", "dom_address", "dom_service", "dom_scheduled", "dom_outcome" },
};

/* " FORCE INDEX (...)": the index in the list's order of the narrowest
 * owner condition (the last one made, replog_where). Left to the
 * optimizer when that is no walk in order: one mailbox's history, and a
 * search with a known count (at most OXT_REPLOG_COUNT_MAX rows, which
 * the address index finds and sorting them costs less than walking the
 * sort's index past rows that do not match). A keyset's OR of ranges or
 * a search's LIKE otherwise made it sort the whole subtree's rows in
 * some orders (an index of the time range instead: seconds at a million
 * rows). */
static const char *list_hint(const replog_where_t *w,
                             const oxt_replog_query_t *q, long long total,
                             apr_pool_t *p)
{
    static const char *const levels[4] = {
        "all", "reseller", "client", "domain"
    };
    int i, lv = -1;

    if (q->mail > 0 || (q->q != NULL && *q->q != '\0' && total >= 0
                        && q->sort != OXT_REPLOG_SORT_MAILBOX)) {
        return "";
    }
    for (i = 0; i < 4; i++) {
        lv = strcmp(w->level, levels[i]) == 0 ? i : lv;
    }
    return lv < 0 ? "" : apr_pstrcat(p, " FORCE INDEX (",
                                     sort_index[lv][q->sort], ")", NULL);
}

/* The page's SQL. A page that skips rows finds its ids first, in a
 * subquery that reads only the index it walks (the index holds the id),
 * and then reads those rows: skipping is an index scan, never a read of
 * every row skipped (or a sort of them all, which the optimizer would
 * rather do than that). */
static const char *list_sql(replog_where_t *w, oxt_replog_sort_t sort,
                            int desc, long long limit, long long offset,
                            const char *hint, apr_pool_t *p)
{
    const char *where = where_sql(w, p);
    const char *order = order_from(sort, desc, w->group_fixed, p);

    if (limit <= 0 && offset <= 0) {
        return apr_pstrcat(p, ROW_COLS, hint, where, order, NULL);
    }
    APR_ARRAY_PUSH(w->args, oxt_db_arg_t) =
        OXT_DB_INT(limit > 0 ? limit : 0x7fffffffffffffffLL);
    APR_ARRAY_PUSH(w->args, oxt_db_arg_t) = OXT_DB_INT(offset);
    if (offset <= 0) {
        return apr_pstrcat(p, ROW_COLS, hint, where, order,
                           " LIMIT ? OFFSET ?", NULL);
    }
    return apr_pstrcat(p, ROW_COLS, " JOIN (SELECT id FROM replication_log",
                       hint, where, order, " LIMIT ? OFFSET ?) page"
                       " USING (id)", order, NULL);
}

/* A search with more matches than it counts (OXT_REPLOG_COUNT_MAX), in
 * another order than by mailbox: its pages are those of the matches the
 * count counted, the first OXT_REPLOG_COUNT_MAX in address order (a walk
 * of the owner's address index), sorted as asked. Walking the sort's own
 * index instead stops after a page only where the matches are dense
 * (the start of 'user1' matched nothing in the newest 800,000 rows of a
 * million and took 2.6 s); sorting every match costs what they number.
 * This costs at most one walk and one sort of OXT_REPLOG_COUNT_MAX. */
static const char *list_dense_sql(replog_where_t *w,
                                  const oxt_replog_query_t *q, int desc,
                                  long long limit, long long offset,
                                  apr_pool_t *p)
{
    oxt_replog_query_t by_name = *q;
    const char *hint;

    by_name.sort = OXT_REPLOG_SORT_MAILBOX;
    hint = list_hint(w, &by_name, -1, p);
    APR_ARRAY_PUSH(w->args, oxt_db_arg_t) = OXT_DB_INT(OXT_REPLOG_COUNT_MAX);
    APR_ARRAY_PUSH(w->args, oxt_db_arg_t) =
        OXT_DB_INT(limit > 0 ? limit : OXT_REPLOG_COUNT_MAX);
    APR_ARRAY_PUSH(w->args, oxt_db_arg_t) = OXT_DB_INT(offset);
    if (q->sort == OXT_REPLOG_SORT_MODIFIED) {
        /* The address index holds the time: the page is sorted from it
         * alone, and only its rows are read. */
        return apr_pstrcat(p, ROW_COLS, " JOIN (SELECT id FROM (SELECT id,"
                           " logged_at FROM replication_log", hint,
                           where_sql(w, p), " ORDER BY address, logged_at,"
                           " id LIMIT ?) matched", order_sql(q->sort, desc,
                                                             p),
                           " LIMIT ? OFFSET ?) page USING (id)",
                           order_sql(q->sort, desc, p), NULL);
    }
    return apr_pstrcat(p, ROW_COLS, " JOIN (SELECT id FROM replication_log",
                       hint, where_sql(w, p), " ORDER BY address, logged_at,"
                       " id LIMIT ?) matched USING (id)",
                       order_sql(q->sort, desc, p), " LIMIT ? OFFSET ?",
                       NULL);
}

/* ---- the page index ------------------------------------------------------ */

/* A page asked by its number alone has no keyset row: without an index of
 * positions it is a walk of up to half the list. replication_log_page
 * (0117) holds every OXT_REPLOG_PAGE_EVERY-th row of each sort, counted
 * ascending, for the whole log and each owner of at least
 * OXT_REPLOG_PAGE_MIN rows, as of a build (a consistent snapshot; the
 * replicator builds, oxt_replog_pages_refresh). What changed since is
 * counted exactly, so a page is always the rows of its position: rows
 * added since have an id above the build's newest (a range of the
 * primary key), rows deleted since are in replication_log_gone (written
 * by every delete, in its transaction). A page then starts after the
 * nearest entry before it, skipping fewer than OXT_REPLOG_PAGE_EVERY
 * entries plus the changes since the build. A build takes its snapshot
 * while it holds a named lock every delete holds around its transaction,
 * so each deleted row is either seen gone by the build or in the journal
 * after the build's newest journal row, never both or neither. */

/* The named lock of the builds and deletes (per database: tests share a
 * server). */
#define PAGES_LOCK "CONCAT('oxtender.replog_pages.', MD5(DATABASE()))"

/* A delete waits this long for a build to take its snapshot (a moment)
 * or another delete's batch (about a second). */
#define PAGES_LOCK_WAIT_S 60

static apr_status_t pages_lock(oxt_db_t *db, oxt_result_t *res,
                               apr_pool_t *p)
{
    long long got = 0;
    apr_status_t rv;

    rv = oxt_db_select_int(&got, db, "SELECT COALESCE(GET_LOCK("
                           PAGES_LOCK ", ?), 0)",
                           OXT_DB_ARGS(OXT_DB_INT(PAGES_LOCK_WAIT_S)), res,
                           p);
    if (rv == APR_SUCCESS && got != 1) {
        return oxt_result_set(res, APR_TIMEUP, "The replication log is"
                              " busy", "its page index lock was not free"
                              " within %d s", PAGES_LOCK_WAIT_S);
    }
    return rv;
}

/* Released whatever went before: a failure leaves the caller's answer
 * as it was (a connection that broke has lost the lock anyway). */
static void replog_release(oxt_db_t *db, const char *sql, apr_pool_t *p)
{
    long long n;
    apr_status_t rv;

    rv = oxt_db_select_int(&n, db, sql, OXT_DB_NOARGS, oxt_result_make(p),
                           p);
    (void)rv;
}

static void pages_unlock(oxt_db_t *db, apr_pool_t *p)
{
    replog_release(db, "SELECT RELEASE_LOCK(" PAGES_LOCK ")", p);
}

/* The build in force (replication_log_page_state); gen 0: none. */
typedef struct {
    long long gen;
    long long max_id;             /* rows above it were added since */
    long long gone_seq;           /* journal rows above it went since */
} pages_state_t;

static apr_status_t pages_state(pages_state_t *st, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv;

    memset(st, 0, sizeof(*st));
    rv = oxt_db_select_row(&row, db, "SELECT gen, max_id, gone_seq FROM"
                           " replication_log_page_state WHERE id = 1",
                           OXT_DB_NOARGS, res, p);
    if (row != NULL) {
        st->gen = oxt_db_row_int(row, 0, 0);
        st->max_id = oxt_db_row_int(row, 1, 0);
        st->gone_seq = oxt_db_row_int(row, 2, 0);
    }
    return rv;
}

/* A copy of w with arrays of its own. */
static replog_where_t where_copy(const replog_where_t *w, apr_pool_t *p)
{
    replog_where_t c = *w;

    c.sql = apr_array_copy(p, w->sql);
    c.args = apr_array_copy(p, w->args);
    return c;
}

/* How many rows of from (a table and its hint) match w, counted up to
 * max + 1. */
static apr_status_t where_count(long long *pn, oxt_db_t *db,
                                const char *from, replog_where_t *w,
                                long long max, oxt_result_t *res,
                                apr_pool_t *p)
{
    APR_ARRAY_PUSH(w->args, oxt_db_arg_t) = OXT_DB_INT(max + 1);
    return oxt_db_select_int(pn, db, apr_pstrcat(p, "SELECT COUNT(*) FROM"
                             " (SELECT 1 FROM ", from, where_sql(w, p),
                             " LIMIT ?) n", NULL),
                             (const oxt_db_arg_t *)w->args->elts,
                             w->args->nelts, res, p);
}

/* An entry of the index: the row at ascending position pos of the build,
 * by its key (the row may be gone since). */
typedef struct {
    long long n;                  /* its number in its owner and sort */
    long long pos;
    long long seq;                /* the journal's newest row when it was
                                     found: pos counts the rows then */
    long long max_id;             /* ... and the rows up to this id */
    long long id;
    const char *logged_at;
    const char *val;              /* the sort column as text; NULL: NULL */
} page_mark_t;

/* No bound: a count of every row it matches. */
#define PAGES_COUNT_ALL 0x7ffffffffffffffeLL

/* The owner's level name and id of w (a lone owner or none). */
static long long where_owner_id(const replog_where_t *w)
{
    return w->owners > 0 ? w->level_id : 0;
}

/* The last entry of w's owner and sort at or before position at. */
static apr_status_t pages_mark(int *pfound, page_mark_t *m, oxt_db_t *db,
                               const pages_state_t *st,
                               const replog_where_t *w,
                               oxt_replog_sort_t sort, long long at,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    *pfound = 0;
    if (at < 0) {
        return APR_SUCCESS;
    }
    rv = oxt_db_select(&rows, db, "SELECT pos, id, logged_at, k_str, seq,"
                       " max_id FROM replication_log_page WHERE gen = ? AND"
                       " level = ? AND owner = ? AND sort = ? AND pos <= ?"
                       " ORDER BY pos DESC LIMIT 1",
                       OXT_DB_ARGS(OXT_DB_INT(st->gen),
                                   OXT_DB_STR(w->level),
                                   OXT_DB_INT(where_owner_id(w)),
                                   OXT_DB_INT(sort), OXT_DB_INT(at)),
                       res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    m->pos = oxt_db_row_int(row, 0, 0);
    m->id = oxt_db_row_int(row, 1, 0);
    m->logged_at = row->vals[2];
    m->val = row->vals[3];
    m->seq = oxt_db_row_int(row, 4, 0);
    m->max_id = oxt_db_row_int(row, 5, 0);
    *pfound = m->logged_at != NULL;
    return APR_SUCCESS;
}

/* The rows of w (before the mark m in ascending order when there is
 * one, the mark itself too when gone) that were added since a count of
 * the ids up to max_id (table replication_log), or went since journal
 * row since (replication_log_gone), counted up to max + 1. An entry
 * counts the rows of its own moment: callers with a mark pass its max_id
 * and seq. */
static apr_status_t pages_changed(long long *pn, oxt_db_t *db,
                                  long long max_id, long long since,
                                  const replog_where_t *w,
                                  oxt_replog_sort_t sort,
                                  const page_mark_t *m, int gone,
                                  long long max, oxt_result_t *res,
                                  apr_pool_t *p)
{
    replog_where_t c = where_copy(w, p);
    const char **last;

    if (gone) {
        where_add(&c, "seq > ?", OXT_DB_INT(since));
        where_add(&c, "id <= ?", OXT_DB_INT(max_id));
    }
    else {
        where_add(&c, "id > ?", OXT_DB_INT(max_id));
    }
    if (m != NULL) {
        where_keyset_at(&c, sort, 1, m->logged_at, m->id, m->val, p);
        if (gone) {
            last = &APR_ARRAY_IDX(c.sql, c.sql->nelts - 1, const char *);
            *last = apr_pstrcat(p, "(", *last, " OR id = ?)", NULL);
            APR_ARRAY_PUSH(c.args, oxt_db_arg_t) = OXT_DB_INT(m->id);
        }
    }
    return where_count(pn, db, gone ? "replication_log_gone"
                                    : "replication_log FORCE INDEX (PRIMARY)",
                       &c, max, res, p);
}

/* Where the rows of w from ascending position at start: after the
 * entry *m, skipping *pskip rows. *pfound 0 when the index cannot say
 * (no build for this owner, or more changes since than a page counts):
 * the caller walks. */
static apr_status_t pages_seek(int *pfound, page_mark_t *m,
                               long long *pskip, const replog_where_t *w,
                               oxt_replog_sort_t sort, long long at,
                               oxt_db_t *db, oxt_result_t *res,
                               apr_pool_t *p)
{
    pages_state_t st;
    long long added = 0, before, gone, target;
    int found = 0, tries;
    apr_status_t rv;

    *pfound = 0;
    rv = pages_state(&st, db, res, p);
    if (rv == APR_SUCCESS && st.gen > 0) {
        rv = pages_changed(&added, db, st.max_id, st.gone_seq, w, sort,
                           NULL, 0, OXT_REPLOG_PAGE_CHANGES, res, p);
    }
    if (rv != APR_SUCCESS || st.gen == 0 || added > OXT_REPLOG_PAGE_CHANGES) {
        return rv;
    }
    /* Every row added since the build may sort before the entry: the
     * entry is taken far enough back that its position now is still <=
     * at. The entries of a build's earlier chunks count fewer rows (their
     * own moment's): one that is past at now is replaced by an earlier
     * one, a few times at most. */
    target = at - 1 - added;
    for (tries = 0; rv == APR_SUCCESS && tries < 3; tries++) {
        before = gone = 0;
        rv = pages_mark(&found, m, db, &st, w, sort, target, res, p);
        if (rv == APR_SUCCESS && found) {
            rv = pages_changed(&before, db, m->max_id, m->seq, w, sort,
                               m, 0, OXT_REPLOG_PAGE_CHANGES, res, p);
        }
        if (rv == APR_SUCCESS && found) {
            rv = pages_changed(&gone, db, m->max_id, m->seq, w, sort, m,
                               1, OXT_REPLOG_PAGE_CHANGES, res, p);
        }
        if (rv != APR_SUCCESS || !found || before > OXT_REPLOG_PAGE_CHANGES
            || gone > OXT_REPLOG_PAGE_CHANGES) {
            return rv;
        }
        *pskip = at - (m->pos + 1 + before - gone);
        if (*pskip >= 0) {
            *pfound = 1;
            return APR_SUCCESS;
        }
        target = m->pos + *pskip;
    }
    return rv;
}

/* A page by its number alone, far from both ends of a lone owner's list
 * without a search: from the page index when it can say where the page
 * starts (*pused), as a keyset after its entry, read ascending
 * (*preversed when the list is descending). */
static apr_status_t list_by_pages(int *pused, int *preversed,
                                  long long *poffset, replog_where_t *w,
                                  const oxt_replog_query_t *q,
                                  long long total, long long limit,
                                  oxt_db_t *db, oxt_result_t *res,
                                  apr_pool_t *p)
{
    long long at = q->desc ? total - *poffset - limit : *poffset, skip = 0;
    page_mark_t m;
    int found = 0;
    apr_status_t rv;

    *pused = 0;
    if (total < 0 || limit <= 0 || (q->q != NULL && *q->q != '\0')
        || q->mail > 0 || w->owners > 1 || w->moved
        || at < OXT_REPLOG_PAGE_EVERY
        || total - at - limit < OXT_REPLOG_PAGE_EVERY) {
        return APR_SUCCESS;
    }
    rv = pages_seek(&found, &m, &skip, w, q->sort, at, db, res, p);
    if (rv != APR_SUCCESS || !found) {
        return rv;
    }
    where_keyset_at(w, q->sort, 0, m.logged_at, m.id, m.val, p);
    *poffset = skip;
    *preversed = q->desc != 0;
    *pused = 1;
    return APR_SUCCESS;
}

/* The page index's rows of one build, in p. */
static const oxt_rows_shape_t page_shape = {
    "INSERT INTO replication_log_page (gen, level, owner, sort, n, pos,"
    " seq, max_id, id, logged_at, k_str) VALUES ",
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "", 11
};

/* Entries one chunk of a build finds at most: each a skip of
 * OXT_REPLOG_PAGE_EVERY entries of an index in the server, so a chunk is
 * a transaction of about a tenth of a second at a million rows, and the
 * 39.5 s a whole build took there are a few hundred of them. */
#define PAGES_CHUNK 25

/* One builder at a time (the daemon, a cron run and the test tool all
 * prune): a chunk carries on where the last one stopped, and two at once
 * would both carry on. Never waited for: whoever holds it is building. */
#define BUILD_LOCK "CONCAT('oxtender.replog_build.', MD5(DATABASE()))"

static apr_status_t build_lock(int *pgot, oxt_db_t *db, oxt_result_t *res,
                               apr_pool_t *p)
{
    long long got = 0;
    apr_status_t rv;

    rv = oxt_db_select_int(&got, db, "SELECT COALESCE(GET_LOCK("
                           BUILD_LOCK ", 0), 0)", OXT_DB_NOARGS, res, p);
    *pgot = rv == APR_SUCCESS && got == 1;
    return rv;
}

/* Released like pages_unlock. */
static void build_unlock(oxt_db_t *db, apr_pool_t *p)
{
    replog_release(db, "SELECT RELEASE_LOCK(" BUILD_LOCK ")", p);
}

/* The build under way (replication_log_page_state's build_* columns). */
typedef struct {
    long long gen;                /* 0: none */
    long long max_id;             /* it counts the rows up to this id */
    long long seq;                /* ... and the journal up to this row
                                     (both its last chunk's moment) */
    const char *level;            /* the owner it walks ... */
    long long level_no;           /* ... (level's place in its ENUM) */
    long long owner;
    int sort;                     /* the sort it walks, those before it
                                     done; OXT_REPLOG_SORT_COUNT: all */
} pages_build_t;

static apr_status_t build_state(pages_build_t *b, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv;

    memset(b, 0, sizeof(*b));
    b->level = "all";
    rv = oxt_db_select_row(&row, db, "SELECT build_gen, build_max_id,"
                           " build_level, build_level + 0, build_owner,"
                           " build_sort, build_seq FROM"
                           " replication_log_page_state WHERE id = 1",
                           OXT_DB_NOARGS, res, p);
    if (row != NULL) {
        b->gen = oxt_db_row_int(row, 0, 0);
        b->max_id = oxt_db_row_int(row, 1, 0);
        b->level = row->vals[2] ? row->vals[2] : "all";
        b->level_no = oxt_db_row_int(row, 3, 0);
        b->owner = oxt_db_row_int(row, 4, 0);
        b->sort = (int)oxt_db_row_int(row, 5, 0);
        b->seq = oxt_db_row_int(row, 6, 0);
    }
    return rv;
}

/* The sort after b's, else the first of the next owner with at least
 * OXT_REPLOG_PAGE_MIN rows (by the counts), else none (b->sort
 * OXT_REPLOG_SORT_COUNT). */
static apr_status_t build_next(pages_build_t *b, oxt_db_t *db,
                               oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv;

    if (b->sort + 1 < OXT_REPLOG_SORT_COUNT) {
        b->sort++;
        return APR_SUCCESS;
    }
    b->sort = OXT_REPLOG_SORT_COUNT;
    rv = oxt_db_select_row(&row, db, "SELECT level, level + 0, id FROM"
                           " replication_log_count WHERE n >= ? AND (level ="
                           " 'all' OR id > 0) AND (level + 0 > ? OR (level + 0"
                           " = ? AND id > ?)) ORDER BY level, id LIMIT 1",
                           OXT_DB_ARGS(OXT_DB_INT(OXT_REPLOG_PAGE_MIN),
                                       OXT_DB_INT(b->level_no),
                                       OXT_DB_INT(b->level_no),
                                       OXT_DB_INT(b->owner)), res, p);
    if (row != NULL) {
        b->level = apr_pstrdup(p, row->vals[0]);
        b->level_no = oxt_db_row_int(row, 1, 0);
        b->owner = oxt_db_row_int(row, 2, 0);
        b->sort = 0;
    }
    return rv;
}

/* Probes a chunk makes at most to find where the uncommitted rows start
 * (chunk_frame): a halving of the range each, so 2^24 ids. */
#define FRAME_PROBES 24

/* Has every row with an id in (from, to] committed (or gone)? A row's id
 * is given when it is inserted, not when it commits, so a row can become
 * visible after one with a higher id (two writers at once: "late
 * commit"). A build counts the rows up to its newest id and its pages
 * count those above it as added since: a row below it that no chunk's
 * snapshot saw would be in neither, and every page after it a row off
 * until the next build. So a chunk counts only rows that have committed:
 * a locking read of the range finds each row still uncommitted (READ
 * COMMITTED: record locks only, no gap locks that would hold back the
 * inserts above it) and is released at once. NOWAIT: the chunk runs on
 * the daemon's turn, which must not wait for another writer's
 * transaction (*pfree 0 then; a row a delete holds locked counts as not
 * committed too, which only leaves it to the next chunk). The read stops
 * at the range's last row (its place among the rows a dirty read counts
 * there, committed or not): a range scan otherwise reads, and locks, the
 * row after its end, and a row held above the range made it look held. */
static apr_status_t frame_probe(int *pfree, long long from, long long to,
                                oxt_db_t *db, oxt_result_t *res,
                                apr_pool_t *p)
{
    long long n = 0;
    apr_status_t rv;

    *pfree = 0;
    rv = oxt_db_exec_trusted(db, "SET TRANSACTION ISOLATION LEVEL"
                             " READ UNCOMMITTED", res);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_int(&n, db, "SELECT COUNT(*) FROM replication_log"
                               " FORCE INDEX (PRIMARY) WHERE id > ? AND id"
                               " <= ?", OXT_DB_ARGS(OXT_DB_INT(from),
                                                    OXT_DB_INT(to)), res, p);
    }
    if (rv != APR_SUCCESS || n == 0) {
        *pfree = rv == APR_SUCCESS;
        return rv;
    }
    rv = begin_committed(db, res);
    /* Into a variable: no rows to fetch, so a lock's error is the
     * statement's own (a fetch reports none). */
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "SELECT id INTO @oxt_replog_frame FROM"
                         " replication_log FORCE INDEX (PRIMARY) WHERE id > ?"
                         " AND id <= ? ORDER BY id LIMIT ?, 1 LOCK IN SHARE"
                         " MODE NOWAIT",
                         OXT_DB_ARGS(OXT_DB_INT(from), OXT_DB_INT(to),
                                     OXT_DB_INT(n - 1)), res, p);
        if (rv != APR_SUCCESS && oxt_db_lock_timed_out(db)) {
            oxt_result_reset(res);
            oxt_db_rollback(db);
            return APR_SUCCESS;
        }
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_db_rollback(db);
    }
    *pfree = rv == APR_SUCCESS;
    return rv;
}

/* The highest id in [from, to] up to which every row has committed, from
 * is known to be: the range is halved while a probe finds a row held
 * (at most FRAME_PROBES times, else the last bound known free), so the
 * chunk counts the rows below the first one held and leaves that one
 * and those above it to a later chunk, never waiting for it. */
static apr_status_t frame_committed(long long *pupto, long long from,
                                    long long to, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
{
    long long lo = from, hi = to, mid;
    int free_ = 0, probes = 0;
    apr_status_t rv;

    rv = frame_probe(&free_, lo, hi, db, res, p);
    if (rv == APR_SUCCESS && free_) {
        lo = hi;
    }
    /* A row held is in (lo, hi]; the rows up to lo have committed. */
    while (rv == APR_SUCCESS && lo < hi && hi - lo > 1
           && ++probes <= FRAME_PROBES) {
        mid = lo + (hi - lo) / 2;
        rv = frame_probe(&free_, lo, mid, db, res, p);
        if (rv == APR_SUCCESS) {
            lo = free_ ? mid : lo;
            hi = free_ ? hi : mid;
        }
    }
    *pupto = lo;
    return rv;
}

/* Starts a build after the one in force: its first owner is fixed now,
 * and it starts from the frame of the one in force (the rows up to its
 * newest id, all committed, and its journal row); each chunk then counts
 * the rows of its own moment (build_chunk). The state row is made if
 * there is none (gen 0: no build in force). */
static apr_status_t build_start(int *pstarted, const pages_state_t *old,
                                oxt_db_t *db, oxt_result_t *res,
                                apr_pool_t *p)
{
    pages_build_t b;
    long long seq = old->gone_seq;
    apr_status_t rv;

    *pstarted = 0;
    memset(&b, 0, sizeof(b));
    b.gen = old->gen + 1;
    b.level = "all";
    b.sort = OXT_REPLOG_SORT_COUNT - 1;       /* before the first owner */
    b.max_id = old->gen > 0 ? old->max_id : 0;
    rv = build_next(&b, db, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "DELETE FROM replication_log_page WHERE"
                         " gen = ?", OXT_DB_ARGS(OXT_DB_INT(b.gen)), res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "INSERT INTO replication_log_page_state"
                 " (id, gen, max_id, gone_seq, built_at, build_gen,"
                 " build_max_id, build_seq, build_level, build_owner,"
                 " build_sort, build_started_at) VALUES (1, 0, 0, 0, NOW(),"
                 " ?, ?, ?, ?, ?, ?, NOW()) ON DUPLICATE KEY UPDATE"
                 " build_gen = VALUES(build_gen), build_max_id ="
                 " VALUES(build_max_id), build_seq = VALUES(build_seq),"
                 " build_level = VALUES(build_level), build_owner ="
                 " VALUES(build_owner), build_sort = VALUES(build_sort),"
                 " build_started_at = VALUES(build_started_at)",
                 OXT_DB_ARGS(OXT_DB_INT(b.gen), OXT_DB_INT(b.max_id),
                             OXT_DB_INT(seq), OXT_DB_STR(b.level),
                             OXT_DB_INT(b.owner), OXT_DB_INT(b.sort)),
                 res, p);
    }
    *pstarted = rv == APR_SUCCESS;
    return rv;
}

/* A chunk's snapshot and the journal's newest row in it, taken under the
 * deletes' named lock (no delete is between its rows and its journal
 * rows then). The transaction stays open. */
static apr_status_t chunk_begin(long long *pseq, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = pages_lock(db, res, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = oxt_db_exec_trusted(db, "SET TRANSACTION ISOLATION LEVEL"
                             " REPEATABLE READ", res);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec_trusted(db, "START TRANSACTION WITH CONSISTENT"
                                 " SNAPSHOT", res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_int(pseq, db, "SELECT COALESCE(MAX(seq), 0)"
                               " FROM replication_log_gone", OXT_DB_NOARGS,
                               res, p);
        if (rv != APR_SUCCESS) {
            oxt_db_rollback(db);
        }
    }
    pages_unlock(db, p);
    return rv;
}

/* The admin's list, narrowed to one owner of level (none for "all"). */
static void pages_owner_query(oxt_replog_query_t *q, const char *level,
                              long long id)
{
    memset(q, 0, sizeof(*q));
    q->scope.role = OXT_ROLE_ADMIN;
    q->q = "";
    if (strcmp(level, "reseller") == 0) {
        q->reseller = id;
    }
    else if (strcmp(level, "client") == 0) {
        q->client = id;
    }
    else if (strcmp(level, "domain") == 0) {
        q->domain = id;
    }
}

/* The rows a build's walk of b's owner counts: that owner's, up to the
 * build's newest id. */
static void build_where(replog_where_t *w, const pages_build_t *b,
                        apr_pool_t *p)
{
    oxt_replog_query_t q;

    pages_owner_query(&q, b->level, b->owner);
    replog_where(w, &q, p);
    where_add(w, "id <= ?", OXT_DB_INT(b->max_id));
}

static void mark_reset(page_mark_t *m, long long seq)
{
    memset(m, 0, sizeof(*m));
    m->pos = -1;
    m->seq = seq;
}

/* Where the walk of b's owner and sort stands at the chunk's moment
 * (journal row seq, ids up to b->max_id): its last entry, at its position
 * now (less the rows at or before it that left since that entry was
 * found, plus those before it logged since), or none yet. */
static apr_status_t build_resume(page_mark_t *m, const pages_build_t *b,
                                 const replog_where_t *w, long long seq,
                                 oxt_db_t *db, oxt_result_t *res,
                                 apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    long long gone = 0, added = 0;
    apr_status_t rv;

    mark_reset(m, seq);
    rv = oxt_db_select(&rows, db, "SELECT n, pos, seq, id, logged_at, k_str,"
                       " max_id FROM replication_log_page WHERE gen = ? AND"
                       " level = ? AND owner = ? AND sort = ? ORDER BY n DESC"
                       " LIMIT 1",
                       OXT_DB_ARGS(OXT_DB_INT(b->gen), OXT_DB_STR(b->level),
                                   OXT_DB_INT(b->owner), OXT_DB_INT(b->sort)),
                       res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    m->n = oxt_db_row_int(row, 0, 0);
    m->pos = oxt_db_row_int(row, 1, 0);
    m->seq = oxt_db_row_int(row, 2, 0);
    m->id = oxt_db_row_int(row, 3, 0);
    m->logged_at = row->vals[4];
    m->val = row->vals[5];
    m->max_id = oxt_db_row_int(row, 6, 0);
    if (m->seq < seq) {
        rv = pages_changed(&gone, db, m->max_id, m->seq, w,
                           (oxt_replog_sort_t)b->sort, m, 1,
                           PAGES_COUNT_ALL, res, p);
    }
    /* w holds the ids up to b->max_id: those above the entry's own */
    if (rv == APR_SUCCESS && m->max_id < b->max_id) {
        rv = pages_changed(&added, db, m->max_id, m->seq, w,
                           (oxt_replog_sort_t)b->sort, m, 0,
                           PAGES_COUNT_ALL, res, p);
    }
    m->pos += added - gone;
    m->seq = seq;
    m->max_id = b->max_id;
    return rv;
}

/* Entries of b's owner and sort after *m, at most *pleft of them, into
 * rows, each OXT_REPLOG_PAGE_EVERY rows after the one before (a skip of
 * that many entries of the sort's index, in the server). *pended when
 * the sort has no more. */
static apr_status_t build_walk(int *pended, page_mark_t *m, int *pleft,
                               oxt_rows_t *rows, const pages_build_t *b,
                               const replog_where_t *w, oxt_db_t *db,
                               oxt_result_t *res, apr_pool_t *p)
{
    oxt_replog_sort_t sort = (oxt_replog_sort_t)b->sort;
    oxt_replog_query_t q;
    apr_array_header_t *got;
    const oxt_db_row_t *row;
    replog_where_t c;
    apr_pool_t *sp;
    apr_status_t rv = APR_SUCCESS;

    memset(&q, 0, sizeof(q));
    q.q = "";
    q.sort = sort;
    *pended = 0;
    apr_pool_create(&sp, p);
    while (*pleft > 0) {
        apr_pool_clear(sp);
        c = where_copy(w, sp);
        if (m->logged_at != NULL) {
            where_keyset_at(&c, sort, 0, m->logged_at, m->id, m->val, sp);
        }
        APR_ARRAY_PUSH(c.args, oxt_db_arg_t) =
            OXT_DB_INT(OXT_REPLOG_PAGE_EVERY - 1);
        rv = oxt_db_select(&got, db, apr_pstrcat(sp, "SELECT ",
                 keyset_cols[sort], " FROM replication_log",
                 list_hint(&c, &q, -1, sp), where_sql(&c, sp),
                 order_from(sort, 0, c.group_fixed, sp), " LIMIT 1 OFFSET ?",
                 NULL), (const oxt_db_arg_t *)c.args->elts, c.args->nelts,
                 res, sp);
        if (rv != APR_SUCCESS || got->nelts == 0) {
            *pended = rv == APR_SUCCESS;
            break;
        }
        row = APR_ARRAY_IDX(got, 0, const oxt_db_row_t *);
        m->n++;
        m->pos += OXT_REPLOG_PAGE_EVERY;
        m->logged_at = apr_pstrdup(p, row->vals[0]);
        m->id = oxt_db_row_int(row, 1, 0);
        m->val = row->vals[2] ? apr_pstrdup(p, row->vals[2]) : NULL;
        (*pleft)--;
        rv = oxt_rows_add(rows, OXT_DB_ARGS(OXT_DB_INT(b->gen),
                          OXT_DB_STR(b->level), OXT_DB_INT(b->owner),
                          OXT_DB_INT(sort), OXT_DB_INT(m->n),
                          OXT_DB_INT(m->pos), OXT_DB_INT(m->seq),
                          OXT_DB_INT(b->max_id), OXT_DB_INT(m->id),
                          OXT_DB_STR(m->logged_at),
                          OXT_DB_STR(m->val)));
        if (rv != APR_SUCCESS) {
            break;
        }
    }
    apr_pool_destroy(sp);
    return rv;
}

/* The build ends: it is the one in force, as of its last chunk's moment
 * (b's frame: what pages and the next build count as changed since), the
 * entries of the one before go, and the journal rows that build had seen
 * (every entry of this one counts from a later row). */
static apr_status_t build_switch(const pages_build_t *b, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    pages_state_t old;
    apr_status_t rv;

    rv = pages_state(&old, db, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "UPDATE replication_log_page_state SET"
                         " gen = build_gen, max_id = ?, gone_seq = ?,"
                         " built_at = NOW(), build_gen = 0,"
                         " build_started_at = NULL WHERE id = 1",
                         OXT_DB_ARGS(OXT_DB_INT(b->max_id),
                                     OXT_DB_INT(b->seq)), res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "DELETE FROM replication_log_page WHERE"
                         " gen <> ?", OXT_DB_ARGS(OXT_DB_INT(b->gen)), res,
                         p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "DELETE FROM replication_log_gone WHERE"
                         " seq <= ?", OXT_DB_ARGS(OXT_DB_INT(old.gone_seq)),
                         res, p);
    }
    if (rv == APR_SUCCESS) {
        /* Dense searches' markers older than this build: never used
         * again (dense_known). */
        rv = oxt_db_exec(NULL, db, "DELETE FROM replication_log_dense"
                         " WHERE gone_seq < ?", OXT_DB_ARGS(OXT_DB_INT(
                             b->seq)), res, p);
    }
    return rv;
}

/* Where the build stopped, for its next chunk. */
static apr_status_t build_save(const pages_build_t *b, oxt_db_t *db,
                               oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db, "UPDATE replication_log_page_state SET"
                       " build_level = ?, build_owner = ?, build_sort = ?,"
                       " build_max_id = ?, build_seq = ? WHERE id = 1",
                       OXT_DB_ARGS(OXT_DB_STR(b->level), OXT_DB_INT(b->owner),
                                   OXT_DB_INT(b->sort), OXT_DB_INT(b->max_id),
                                   OXT_DB_INT(b->seq)), res, p);
}

/* The newest id a chunk counts: the highest up to which every row has
 * committed (frame_committed: found without waiting, from the frame
 * before, b->max_id). *pstalled when that is none (a first build's first
 * chunk, the log's first row still held): the chunk waits for the next
 * call rather than count no row at all. */
static apr_status_t chunk_frame(long long *pmax, int *pstalled,
                                const pages_build_t *b, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    long long top = 0;
    apr_status_t rv;

    *pmax = b->max_id;
    *pstalled = 0;
    rv = oxt_db_select_int(&top, db, "SELECT COALESCE(MAX(id), 0) FROM"
                           " replication_log", OXT_DB_NOARGS, res, p);
    if (rv == APR_SUCCESS && top > b->max_id) {
        rv = frame_committed(pmax, b->max_id, top, db, res, p);
    }
    *pstalled = rv == APR_SUCCESS && *pmax == 0 && top > 0;
    return rv;
}


/* One chunk of the build under way: at most PAGES_CHUNK entries found in
 * one snapshot and written with where it stopped, in one short
 * transaction; the chunk that finds the last puts the build in force
 * (*pswitched). It counts the rows of its own moment (the newest id then
 * below the first row still uncommitted, chunk_frame, and the journal's
 * newest row), and
 * carries on a walk from its last entry moved by what changed since, so
 * the rows logged while a build walks are counted by the chunks after
 * them, not left as "added since" when it ends. A process that dies
 * leaves the chunks before. */
static apr_status_t build_chunk(int *pswitched, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    oxt_rows_t *rows = oxt_rows_make(&page_shape, p);
    pages_build_t b;
    page_mark_t m;
    replog_where_t w;
    long long seq = 0, frame = 0;
    int left = PAGES_CHUNK, ended = 0, stalled = 0;
    apr_status_t rv;

    *pswitched = 0;
    /* The one builder (BUILD_LOCK) writes the state: read before the
     * snapshot, which must follow the frame's commits. */
    rv = build_state(&b, db, res, p);
    if (rv == APR_SUCCESS && b.gen > 0) {
        rv = chunk_frame(&frame, &stalled, &b, db, res, p);
    }
    if (rv != APR_SUCCESS || stalled) {
        return rv;
    }
    rv = chunk_begin(&seq, db, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    b.max_id = frame;
    b.seq = seq;
    if (b.gen > 0 && b.sort < OXT_REPLOG_SORT_COUNT) {
        build_where(&w, &b, p);
        rv = build_resume(&m, &b, &w, seq, db, res, p);
    }
    while (rv == APR_SUCCESS && b.gen > 0 && left > 0
           && b.sort < OXT_REPLOG_SORT_COUNT) {
        rv = build_walk(&ended, &m, &left, rows, &b, &w, db, res, p);
        if (rv == APR_SUCCESS && ended) {
            rv = build_next(&b, db, res, p);
            build_where(&w, &b, p);
            mark_reset(&m, seq);
        }
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_rows_write(rows, db, res, p);
    }
    if (rv == APR_SUCCESS && b.gen > 0) {
        *pswitched = b.sort >= OXT_REPLOG_SORT_COUNT;
        rv = *pswitched ? build_switch(&b, db, res, p)
                        : build_save(&b, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_db_rollback(db);
        *pswitched = 0;
    }
    return rv;
}

/* Does the build in force need a successor: none yet, half of what a
 * page counts changed since, or an owner of OXT_REPLOG_PAGE_MIN rows has
 * no entries? */
static apr_status_t pages_stale(int *pstale, const pages_state_t *st,
                                oxt_db_t *db, oxt_result_t *res,
                                apr_pool_t *p)
{
    long long added = 0, gone = 0, missing = 0;
    replog_where_t w;
    oxt_replog_query_t q;
    apr_status_t rv;

    *pstale = 1;
    if (st->gen == 0) {
        return APR_SUCCESS;
    }
    pages_owner_query(&q, "all", 0);
    replog_where(&w, &q, p);
    rv = pages_changed(&added, db, st->max_id, st->gone_seq, &w,
                       OXT_REPLOG_SORT_MODIFIED, NULL, 0,
                       OXT_REPLOG_PAGE_CHANGES, res, p);
    if (rv == APR_SUCCESS) {
        rv = pages_changed(&gone, db, st->max_id, st->gone_seq, &w,
                           OXT_REPLOG_SORT_MODIFIED, NULL, 1,
                           OXT_REPLOG_PAGE_CHANGES, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_int(&missing, db, "SELECT COUNT(*) FROM"
                 " replication_log_count c WHERE c.n >= ? AND (c.level ="
                 " 'all' OR c.id > 0) AND NOT EXISTS (SELECT 1 FROM"
                 " replication_log_page g WHERE g.gen = ? AND g.level ="
                 " c.level AND g.owner = c.id)",
                 OXT_DB_ARGS(OXT_DB_INT(OXT_REPLOG_PAGE_MIN),
                             OXT_DB_INT(st->gen)), res, p);
    }
    *pstale = added + gone >= OXT_REPLOG_PAGE_CHANGES / 2 || missing > 0;
    return rv;
}

/* Is a build under way, else is one due (or forced)? Then one starts. */
static apr_status_t pages_building(int *pbuilding, oxt_db_t *db, int force,
                                   oxt_result_t *res, apr_pool_t *p)
{
    pages_state_t st;
    pages_build_t b;
    int stale = 1;
    apr_status_t rv;

    *pbuilding = 0;
    rv = build_state(&b, db, res, p);
    if (rv == APR_SUCCESS && b.gen > 0) {
        *pbuilding = 1;
        return APR_SUCCESS;
    }
    if (rv == APR_SUCCESS) {
        rv = pages_state(&st, db, res, p);
    }
    if (rv == APR_SUCCESS && !force) {
        rv = pages_stale(&stale, &st, db, res, p);
    }
    if (rv == APR_SUCCESS && stale) {
        rv = build_start(pbuilding, &st, db, res, p);
    }
    return rv;
}

apr_status_t oxt_replog_pages_refresh(int *pbuilt, int *pmore, oxt_db_t *db,
                                      int force, apr_interval_time_t budget,
                                      oxt_result_t *res, apr_pool_t *p)
{
    apr_time_t start = apr_time_now();
    int got = 0, building = 0, chunks = 0;
    apr_pool_t *cp;
    apr_status_t rv;

    *pbuilt = 0;
    *pmore = 0;
    rv = build_lock(&got, db, res, p);
    if (rv != APR_SUCCESS || !got) {
        return rv;                    /* another process is building */
    }
    rv = pages_building(&building, db, force, res, p);
    apr_pool_create(&cp, p);
    while (rv == APR_SUCCESS && building && !*pbuilt) {
        /* At least one chunk a call, so every call makes progress. */
        if (chunks > 0 && budget >= 0 && apr_time_now() - start > budget) {
            *pmore = 1;
            break;
        }
        apr_pool_clear(cp);
        rv = build_chunk(pbuilt, db, res, cp);
        chunks++;
    }
    apr_pool_destroy(cp);
    build_unlock(db, p);
    return rv;
}

/* A page past the middle is the same rows counted from the other end: no
 * query skips more than half of them. *plimit 0 afterwards: no row. */
static int list_from_end(long long *poffset, long long *plimit,
                         long long total)
{
    long long start;

    if (total < 0 || *plimit <= 0 || *poffset <= total / 2) {
        return 0;
    }
    start = total - *poffset - *plimit;
    if (start < 0) {
        *plimit += start;
        start = 0;
    }
    *poffset = start;
    return 1;
}

/* The domains of w's rows that psa moved out of scope left out of w
 * (Clean Log, the whole list at once): the distinct domains of the
 * subtree's rows (its owner's index), asked of psa. */
static apr_status_t clean_keep_moved(replog_where_t *w, oxt_db_t *db,
                                     const oxt_psa_t *psa,
                                     const oxt_plesk_scope_t *scope,
                                     oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *doms, *marks;
    apr_hash_t *out;
    apr_hash_index_t *hi;
    int n;
    apr_status_t rv;

    if (w->empty || moved_out_sql(&n, psa, scope) == NULL) {
        return APR_SUCCESS;
    }
    rv = oxt_db_select_ids(&doms, db, apr_pstrcat(p,
             "SELECT DISTINCT dom_id FROM replication_log FORCE INDEX (",
             scope->role == OXT_ROLE_CLIENT ? "client" : "reseller", ")",
             where_sql(w, p), " AND dom_id IS NOT NULL", NULL),
             (const oxt_db_arg_t *)w->args->elts, w->args->nelts, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_moved_out(&out, db, psa, scope, doms, res, p);
    }
    if (rv != APR_SUCCESS || apr_hash_count(out) == 0) {
        return rv;
    }
    marks = apr_array_make(p, 4, sizeof(const char *));
    for (hi = apr_hash_first(p, out); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(marks, const char *) = "?";
        APR_ARRAY_PUSH(w->args, oxt_db_arg_t) =
            OXT_DB_INT(oxt_util_id_key(hi));
    }
    APR_ARRAY_PUSH(w->sql, const char *) = apr_pstrcat(p,
        "(dom_id IS NULL OR dom_id NOT IN (",
        apr_array_pstrcat(p, marks, ','), "))", NULL);
    return APR_SUCCESS;
}

apr_status_t oxt_replog_list(oxt_db_t *db, const oxt_replog_query_t *q,
                             long long total, oxt_replog_row_cb *cb,
                             void *baton, oxt_result_t *res, apr_pool_t *p)
{
    list_t l = { cb, baton, 0, NULL, p, 0, db, q, res };
    const apr_array_header_t *doms = q->moved;
    long long offset = q->offset > 0 ? q->offset : 0, limit = q->limit;
    int desc = q->desc != 0, paged = 0, n;
    replog_where_t w;
    const char *sql;
    apr_status_t rv = APR_SUCCESS;

    replog_where(&w, q, p);
    if (w.empty) {
        return APR_SUCCESS;
    }
    /* The domains psa moved away are left out by the query, as the
     * count leaves them out (oxt_replog_count); the page's rows are
     * checked against psa once read besides (a row of a domain the
     * directory never filed under the owner); the whole list (All,
     * streamed) leaves out the moved domains found first. */
    l.check = moved_out_sql(&n, q->psa, &q->scope) != NULL;
    if (l.check && doms == NULL) {
        rv = oxt_replog_moved_away(&doms, db, q->psa, &q->scope, res, p);
    }
    if (rv == APR_SUCCESS && l.check) {
        where_moved(&w, doms, p);
    }
    if (rv == APR_SUCCESS && l.check && limit <= 0) {
        rv = clean_keep_moved(&w, db, q->psa, &q->scope, res, p);
        l.check = 0;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (q->after > 0) {
        l.reversed = q->before != 0;
        rv = where_keyset(&w, q, l.reversed ? !desc : desc, db, res, p);
    }
    else {
        rv = list_by_pages(&paged, &l.reversed, &offset, &w, q, total,
                           limit, db, res, p);
        l.reversed = paged ? l.reversed
                           : list_from_end(&offset, &limit, total);
    }
    if (rv != APR_SUCCESS || (l.reversed && limit <= 0 && q->after <= 0)) {
        return rv;
    }
    desc = l.reversed ? !desc : desc;
    sql = q->q != NULL && *q->q != '\0' && total < 0 && q->after <= 0
          && q->sort != OXT_REPLOG_SORT_MAILBOX
        ? list_dense_sql(&w, q, desc, limit, offset, p)
        : list_sql(&w, q->sort, desc, limit, offset,
                   list_hint(&w, q, total, p), p);
    l.held = apr_array_make(p, limit > 0 ? (int)limit : 16,
                            sizeof(oxt_replog_row_t *));
    rv = oxt_db_each(db, sql, (const oxt_db_arg_t *)w.args->elts,
                     w.args->nelts, list_row, &l, res, p);
    return rv == APR_SUCCESS && l.held->nelts > 0 ? list_flush(&l) : rv;
}

/* ---- one row's exchange ---------------------------------------------------- */

/* *pout: whether domain dom_id is one psa moved out of scope. */
static apr_status_t moved_out_one(int *pout, oxt_db_t *db,
                                  const oxt_psa_t *psa,
                                  const oxt_plesk_scope_t *scope,
                                  long long dom_id, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_array_header_t *one = apr_array_make(p, 1, sizeof(long long));
    apr_hash_t *out;
    apr_status_t rv;

    APR_ARRAY_PUSH(one, long long) = dom_id;
    rv = oxt_replog_moved_out(&out, db, psa, scope, one, res, p);
    *pout = rv == APR_SUCCESS && moved_out_has(out, dom_id);
    return rv;
}

apr_status_t oxt_replog_debug(oxt_replog_debug_t **pdebug, oxt_db_t *db,
                              const oxt_psa_t *psa,
                              const oxt_plesk_scope_t *scope, long long id,
                              oxt_result_t *res, apr_pool_t *p)
{
    int out = 0;
    oxt_replog_query_t q;
    replog_where_t w;
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    oxt_replog_debug_t *d;
    apr_status_t rv;

    memset(&q, 0, sizeof(q));
    q.scope = *scope;
    replog_where(&w, &q, p);
    APR_ARRAY_PUSH(w.args, oxt_db_arg_t) = OXT_DB_INT(id);
    rv = w.empty ? APR_SUCCESS : oxt_db_select(&rows, db, apr_pstrcat(p,
             "SELECT id, UNIX_TIMESTAMP(logged_at), mail_id, address,"
             " dom_id, domain_name, service_type, scheduled_by, operation,"
             " outcome, reason, debug_request IS NOT NULL OR debug_response"
             " IS NOT NULL, debug_request, debug_response"
             " FROM replication_log", where_sql(&w, p), " AND id = ?",
             NULL), (const oxt_db_arg_t *)w.args->elts, w.args->nelts, res,
             p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (w.empty || rows->nelts == 0) {
        return oxt_result_set(res, APR_ENOENT, "No such log row", NULL);
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    d = apr_pcalloc(p, sizeof(*d));
    row_read(&d->row, row);
    rv = moved_out_one(&out, db, psa, scope, d->row.dom_id, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (out) {
        return oxt_result_set(res, APR_ENOENT, "No such log row", NULL);
    }
    d->request = row->vals[12];
    d->response = row->vals[13];
    *pdebug = d;
    return APR_SUCCESS;
}

/* ---- removing rows ------------------------------------------------------------ */

/* The rows a batch locked: "?,?,..." and their ids for the DELETE, and
 * what they took from each count. */
static void batch_rows(const char **pmarks, apr_array_header_t **pids,
                       apr_array_header_t **pgroups,
                       const apr_array_header_t *rows, apr_pool_t *p)
{
    apr_array_header_t *marks = apr_array_make(p, rows->nelts,
                                               sizeof(const char *));
    apr_hash_t *seen = apr_hash_make(p);
    const oxt_db_row_t *row;
    int i;

    *pids = apr_array_make(p, rows->nelts, sizeof(oxt_db_arg_t));
    *pgroups = apr_array_make(p, 8, sizeof(replog_group_t));
    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        APR_ARRAY_PUSH(marks, const char *) = "?";
        APR_ARRAY_PUSH(*pids, oxt_db_arg_t) =
            OXT_DB_INT(oxt_db_row_int(row, 0, 0));
        replog_group_add(*pgroups, seen, "all", 0);
        replog_group_add(*pgroups, seen, "reseller",
                         oxt_db_row_int(row, 1, 0));
        replog_group_add(*pgroups, seen, "client", oxt_db_row_int(row, 2, 0));
        replog_group_add(*pgroups, seen, "domain", oxt_db_row_int(row, 3, 0));
    }
    *pmarks = apr_array_pstrcat(p, marks, ',');
}

/* What the journal keeps of a deleted row (the page index's keys and
 * owners). */
#define GONE_COLS "id, logged_at, address, dom_id, client_id, reseller_id," \
    " service_type, scheduled_by, outcome"

/* One batch: at most limit rows of where (in order, when order is given)
 * locked and deleted in a READ COMMITTED transaction, so only those rows
 * are locked (no gap locks to hold back the replicator's inserts), their
 * keys written to the page index's journal in it (under the index's
 * named lock, see "the page index"), then their counts. *pn gets how many, *plast (may be NULL) the id of the
 * last of them (0: none). */
static apr_status_t replog_delete_batch(long long *pn, long long *plast,
                                        oxt_db_t *db,
                                        const char *where, const char *order,
                                        const apr_array_header_t *wargs,
                                        long long limit, oxt_result_t *res,
                                        apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_copy(p, wargs), *rows = NULL;
    apr_array_header_t *ids = NULL, *groups = NULL;
    const char *marks = "";
    apr_status_t rv;

    *pn = 0;
    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(limit);
    rv = pages_lock(db, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = begin_committed(db, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&rows, db, apr_pstrcat(p,
                 "SELECT id, reseller_id, client_id, COALESCE(dom_id, 0)"
                 " FROM replication_log", where, order, " LIMIT ?"
                 " FOR UPDATE", NULL), (const oxt_db_arg_t *)args->elts,
                 args->nelts, res, p);
    }
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        batch_rows(&marks, &ids, &groups, rows, p);
        rv = oxt_db_exec(NULL, db, apr_pstrcat(p, "INSERT INTO"
                 " replication_log_gone (" GONE_COLS ") SELECT " GONE_COLS
                 " FROM replication_log WHERE id IN (", marks, ")", NULL),
                 (const oxt_db_arg_t *)ids->elts, ids->nelts, res, p);
    }
    if (rv == APR_SUCCESS && ids != NULL) {
        rv = oxt_db_exec(NULL, db, apr_pstrcat(p,
                 "DELETE FROM replication_log WHERE id IN (", marks, ")",
                 NULL), (const oxt_db_arg_t *)ids->elts, ids->nelts, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_db_rollback(db);
    }
    pages_unlock(db, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *pn = rows->nelts;
    if (plast != NULL) {
        *plast = rows->nelts > 0 ? oxt_db_row_int(APR_ARRAY_IDX(rows,
                     rows->nelts - 1, const oxt_db_row_t *), 0, 0) : 0;
    }
    return groups != NULL ? replog_uncount(db, groups, res, p) : rv;
}

apr_status_t oxt_replog_clean(long long *pdeleted, oxt_db_t *db,
                              const oxt_psa_t *psa,
                              const oxt_plesk_scope_t *scope,
                              oxt_result_t *res, apr_pool_t *p)
{
    oxt_replog_query_t q;
    replog_where_t w;
    apr_pool_t *bp;
    long long n = 0, total = 0;
    apr_status_t rv;

    memset(&q, 0, sizeof(q));
    q.scope = *scope;
    apr_pool_create(&bp, p);
    replog_where(&w, &q, p);
    rv = clean_keep_moved(&w, db, psa, scope, res, p);
    do {
        apr_pool_clear(bp);
        if (rv == APR_SUCCESS && !w.empty) {
            rv = replog_delete_batch(&n, NULL, db, where_sql(&w, bp), "",
                                     w.args, OXT_REPLOG_DELETE_BATCH, res,
                                     bp);
        }
        total += n;
    } while (rv == APR_SUCCESS && !w.empty && n == OXT_REPLOG_DELETE_BATCH);
    apr_pool_destroy(bp);
    if (pdeleted != NULL) {
        *pdeleted = total;
    }
    return rv;
}

/* The distinct ids of ids, all positive: NULL otherwise. */
static apr_array_header_t *remove_ids(const apr_array_header_t *ids,
                                      apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, ids->nelts, sizeof(long long));
    apr_hash_t *seen = apr_hash_make(p);
    long long id;
    int i;

    for (i = 0; i < ids->nelts; i++) {
        id = APR_ARRAY_IDX(ids, i, long long);
        if (id <= 0) {
            return NULL;
        }
        if (oxt_util_id_get(seen, id) == NULL) {
            oxt_util_id_set(seen, id, "");
            APR_ARRAY_PUSH(out, long long) = id;
        }
    }
    return out;
}

/* " AND id IN (?,...)" of ids[at .. at + n) and their values. */
static const char *in_ids(apr_array_header_t *args, const long long *ids,
                          int n, apr_pool_t *p)
{
    apr_array_header_t *marks = apr_array_make(p, n, sizeof(const char *));
    int i;

    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(marks, const char *) = "?";
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(ids[i]);
    }
    return apr_pstrcat(p, " AND id IN (", apr_array_pstrcat(p, marks, ','),
                       ")", NULL);
}

/* How many of ids are rows of w (the caller's subtree). */
static apr_status_t remove_count(long long *pn, oxt_db_t *db,
                                 const replog_where_t *w,
                                 const apr_array_header_t *ids,
                                 oxt_result_t *res, apr_pool_t *p)
{
    const long long *v = (const long long *)ids->elts;
    apr_array_header_t *args;
    const char *in;
    long long n;
    int at, k;
    apr_status_t rv = APR_SUCCESS;

    *pn = 0;
    for (at = 0; rv == APR_SUCCESS && at < ids->nelts; at += k) {
        k = ids->nelts - at < OXT_REPLOG_DELETE_BATCH ? ids->nelts - at
                                                       : OXT_REPLOG_DELETE_BATCH;
        args = apr_array_copy(p, w->args);
        in = in_ids(args, v + at, k, p);     /* before args is read */
        rv = oxt_db_select_int(&n, db, apr_pstrcat(p,
                 "SELECT COUNT(*) FROM replication_log", where_sql(w, p),
                 in, NULL), (const oxt_db_arg_t *)args->elts, args->nelts,
                 res, p);
        *pn += n;
    }
    return rv;
}

/* *pout: whether a row of ids is of a domain psa moved out of scope. */
static apr_status_t remove_moved_out(int *pout, oxt_db_t *db,
                                     const oxt_psa_t *psa,
                                     const oxt_plesk_scope_t *scope,
                                     const apr_array_header_t *ids,
                                     oxt_result_t *res, apr_pool_t *p)
{
    const long long *v = (const long long *)ids->elts;
    apr_array_header_t *args, *doms = apr_array_make(p, 8,
                                                     sizeof(long long));
    apr_array_header_t *found;
    apr_hash_t *out;
    const char *in;
    int at, k, i, n;
    apr_status_t rv = APR_SUCCESS;

    *pout = 0;
    if (moved_out_sql(&n, psa, scope) == NULL) {
        return APR_SUCCESS;
    }
    for (at = 0; rv == APR_SUCCESS && at < ids->nelts; at += k) {
        k = ids->nelts - at < OXT_REPLOG_DELETE_BATCH ? ids->nelts - at
                                                       : OXT_REPLOG_DELETE_BATCH;
        args = apr_array_make(p, k, sizeof(oxt_db_arg_t));
        in = in_ids(args, v + at, k, p);
        rv = oxt_db_select_ids(&found, db, apr_pstrcat(p,
                 "SELECT DISTINCT dom_id FROM replication_log WHERE 1 = 1",
                 in, " AND dom_id IS NOT NULL", NULL),
                 (const oxt_db_arg_t *)args->elts, args->nelts, res, p);
        for (i = 0; rv == APR_SUCCESS && i < found->nelts; i++) {
            APR_ARRAY_PUSH(doms, long long) = APR_ARRAY_IDX(found, i,
                                                            long long);
        }
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_moved_out(&out, db, psa, scope, doms, res, p);
    }
    *pout = rv == APR_SUCCESS && apr_hash_count(out) > 0;
    return rv;
}

apr_status_t oxt_replog_remove(long long *pdeleted, oxt_db_t *db,
                               const oxt_psa_t *psa,
                               const oxt_plesk_scope_t *scope,
                               const apr_array_header_t *ids,
                               oxt_result_t *res, apr_pool_t *p)
{
    int out = 0;
    apr_array_header_t *uniq = remove_ids(ids, p), *args;
    const char *in;
    oxt_replog_query_t q;
    replog_where_t w;
    long long n = 0, done = 0, got;
    int at, k;
    apr_status_t rv;

    memset(&q, 0, sizeof(q));
    q.scope = *scope;
    replog_where(&w, &q, p);
    if (uniq == NULL || uniq->nelts == 0 || w.empty
        || uniq->nelts > OXT_REPLOG_DELETE_BATCH * 100) {
        return oxt_result_set(res, APR_ENOENT, "No such log row", NULL);
    }
    rv = remove_count(&n, db, &w, uniq, res, p);
    if (rv == APR_SUCCESS && n == uniq->nelts) {
        rv = remove_moved_out(&out, db, psa, scope, uniq, res, p);
    }
    if (rv == APR_SUCCESS && (n != uniq->nelts || out)) {
        return oxt_result_set(res, APR_ENOENT, "No such log row", NULL);
    }
    for (at = 0; rv == APR_SUCCESS && at < uniq->nelts; at += k) {
        k = uniq->nelts - at < OXT_REPLOG_DELETE_BATCH
            ? uniq->nelts - at : OXT_REPLOG_DELETE_BATCH;
        args = apr_array_copy(p, w.args);
        in = in_ids(args, (const long long *)uniq->elts + at, k, p);
        rv = replog_delete_batch(&got, NULL, db, apr_pstrcat(p,
                                 where_sql(&w, p), in, NULL), "", args, k,
                                 res, p);
        done += got;
    }
    if (pdeleted != NULL) {
        *pdeleted = done;
    }
    return rv;
}

/* ---- a domain moved to another owner ------------------------------------ */

/* A row's owner path is a snapshot (the page filters on it by index), so
 * a domain moved in psa (to another client, or its client to another
 * reseller) left its rows with the old owner: the old one saw and
 * removed them, the new one did not. The directory's sync sees the move
 * and queues it (replication_log_move, in its transaction); the prune
 * works the queue off in batches. A row is moved as a delete and an
 * insert: the old row journaled in replication_log_gone and deleted, a
 * copy with the new owner inserted (a new id), the counts of both owners
 * changed, in one READ COMMITTED transaction under the page index's
 * named lock, as every delete is. So what keys on the owner stays exact
 * by the rules it keeps already: the page index's entries count the old
 * owner's row as gone since (the journal) and the new owner's as added
 * since (an id above the frame's), the whole log's as both; a dense
 * marker's count is a floor that rows added only raise and the journal
 * lowers. The row keeps its time; a bookmarked debug view of it (its old
 * id) is gone. */

apr_status_t oxt_replog_move_queue(oxt_db_t *db, long long dom_id,
                                   long long client_id, long long reseller_id,
                                   oxt_result_t *res, apr_pool_t *p)
{
    if (dom_id <= 0) {
        return APR_SUCCESS;
    }
    return oxt_db_exec(NULL, db,
        "INSERT INTO replication_log_move (dom_id, client_id, reseller_id,"
        " queued_at) VALUES (?, ?, ?, NOW()) ON DUPLICATE KEY UPDATE"
        " client_id = VALUES(client_id), reseller_id = VALUES(reseller_id),"
        " queued_at = VALUES(queued_at)",
        OXT_DB_ARGS(OXT_DB_INT(dom_id), OXT_DB_INT(client_id),
                    OXT_DB_INT(reseller_id)), res, p);
}

typedef struct {
    long long dom_id;
    long long client_id;          /* the owner it has now */
    long long reseller_id;
} move_t;

/* The queue's first domain; *pfound 0: none. */
static apr_status_t move_next(int *pfound, move_t *m, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv;

    *pfound = 0;
    rv = oxt_db_select_row(&row, db, "SELECT dom_id, client_id,"
                           " reseller_id FROM replication_log_move ORDER BY"
                           " dom_id LIMIT 1",
                           OXT_DB_NOARGS, res, p);
    if (row != NULL) {
        m->dom_id = oxt_db_row_int(row, 0, 0);
        m->client_id = oxt_db_row_int(row, 1, 0);
        m->reseller_id = oxt_db_row_int(row, 2, 0);
        *pfound = 1;
    }
    return rv;
}

/* One level's counts changed by deltas (id -> signed change) in one
 * statement, the rows in key order (the order every writer locks them
 * in): a row new to the table starts at its gain. */
static apr_status_t move_count_level(oxt_db_t *db, const char *level,
                                     apr_hash_t *deltas, oxt_result_t *res,
                                     apr_pool_t *p)
{
    apr_array_header_t *keys = apr_array_make(p, 4, sizeof(long long));
    apr_array_header_t *args = apr_array_make(p, 16, sizeof(oxt_db_arg_t));
    apr_array_header_t *cases = apr_array_make(p, 16, sizeof(oxt_db_arg_t));
    const char *tuples = NULL, *when = "";
    apr_hash_index_t *hi;
    long long id, d;
    int i;

    for (hi = apr_hash_first(p, deltas); hi; hi = apr_hash_next(hi)) {
        APR_ARRAY_PUSH(keys, long long) =
            *(const long long *)apr_hash_this_key(hi);
    }
    if (keys->nelts == 0) {
        return APR_SUCCESS;
    }
    oxt_util_ids_sort(keys);
    for (i = 0; i < keys->nelts; i++) {
        id = APR_ARRAY_IDX(keys, i, long long);
        d = *(const long long *)apr_hash_get(deltas, &id, sizeof(id));
        tuples = tuples ? apr_pstrcat(p, tuples, ", (?, ?, ?)", NULL)
                        : "(?, ?, ?)";
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_STR(level);
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(id);
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(d > 0 ? d : 0);
        when = apr_pstrcat(p, when, " WHEN ? THEN ?", NULL);
        APR_ARRAY_PUSH(cases, oxt_db_arg_t) = OXT_DB_INT(id);
        APR_ARRAY_PUSH(cases, oxt_db_arg_t) = OXT_DB_INT(d);
    }
    apr_array_cat(args, cases);
    return oxt_db_exec(NULL, db, apr_pstrcat(p,
        "INSERT INTO replication_log_count (level, id, n) VALUES ", tuples,
        " ON DUPLICATE KEY UPDATE n = GREATEST(CAST(n AS SIGNED) + CASE id",
        when, " ELSE 0 END, 0)", NULL),
        (const oxt_db_arg_t *)args->elts, args->nelts, res, p);
}

static void delta_add(apr_hash_t *h, long long id, long long d,
                      apr_pool_t *p)
{
    long long *v = apr_hash_get(h, &id, sizeof(id)), *key;

    if (v == NULL) {
        key = apr_palloc(p, sizeof(*key));
        *key = id;
        v = apr_pcalloc(p, sizeof(*v));
        apr_hash_set(h, key, sizeof(*key), v);
    }
    *v += d;
}

/* The counts the batch's rows (id, reseller_id, client_id) move from
 * their owners to m's: the whole log's and the domain's stay. The 'all'
 * row is taken first, as every writer of counts takes it. */
static apr_status_t move_counts(oxt_db_t *db, const move_t *m,
                                const apr_array_header_t *rows,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *resellers = apr_hash_make(p), *clients = apr_hash_make(p);
    const oxt_db_row_t *row;
    apr_status_t rv;
    int i;

    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        delta_add(resellers, oxt_db_row_int(row, 1, 0), -1, p);
        delta_add(clients, oxt_db_row_int(row, 2, 0), -1, p);
    }
    delta_add(resellers, m->reseller_id, rows->nelts, p);
    delta_add(clients, m->client_id, rows->nelts, p);
    rv = oxt_db_exec(NULL, db, "INSERT INTO replication_log_count"
                     " (level, id, n) VALUES ('all', 0, 0)"
                     " ON DUPLICATE KEY UPDATE n = n", OXT_DB_NOARGS, res, p);
    if (rv == APR_SUCCESS) {
        rv = move_count_level(db, "reseller", resellers, res, p);
    }
    return rv == APR_SUCCESS ? move_count_level(db, "client", clients, res, p)
                             : rv;
}

/* The six counts of run_summary_owner, for SET lists. */
static const char *const owner_count_cols[] = {
    "webmail_ok", "webmail_failed", "standard_ok", "standard_failed",
    "premium_ok", "premium_failed"
};
#define OWNER_COUNTS 6

/* The counts of row (at 3..8) added to (sign 1) or taken from (-1) the
 * owner (level, id) of run run_id. */
static apr_status_t move_owner_counts(oxt_db_t *db, long long run_id,
                                      const char *level, long long id,
                                      const oxt_db_row_t *row, int sign,
                                      oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t a[3 + 2 * OWNER_COUNTS];
    const char *set = "";
    int i, n = 0;

    if (id <= 0) {
        return APR_SUCCESS;
    }
    a[n++] = OXT_DB_INT(run_id);
    a[n++] = OXT_DB_STR(level);
    a[n++] = OXT_DB_INT(id);
    for (i = 0; i < OWNER_COUNTS; i++) {
        a[n++] = OXT_DB_INT(sign > 0 ? oxt_db_row_int(row, 3 + i, 0) : 0);
    }
    for (i = 0; i < OWNER_COUNTS; i++) {
        set = apr_pstrcat(p, set, i ? ", " : "", owner_count_cols[i],
                          " = GREATEST(CAST(", owner_count_cols[i],
                          " AS SIGNED) + ?, 0)", NULL);
        a[n++] = OXT_DB_INT(sign * oxt_db_row_int(row, 3 + i, 0));
    }
    return oxt_db_exec(NULL, db, apr_pstrcat(p,
        "INSERT INTO run_summary_owner (run_id, level, owner, webmail_ok,"
        " webmail_failed, standard_ok, standard_failed, premium_ok,"
        " premium_failed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE ", set, NULL), a, n, res, p);
}

/* The banner's counts of the domain (run_summary_owner) taken from the
 * client and reseller they were summed into and given to m's. */
static apr_status_t move_banner(oxt_db_t *db, const move_t *m,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    long long run_id, cid, rid;
    apr_status_t rv;
    int i;

    rv = oxt_db_select(&rows, db,
        "SELECT run_id, client_id, reseller_id, webmail_ok, webmail_failed,"
        " standard_ok, standard_failed, premium_ok, premium_failed"
        " FROM run_summary_owner WHERE level = 'domain' AND owner = ?"
        " AND (client_id <> ? OR reseller_id <> ?) FOR UPDATE",
        OXT_DB_ARGS(OXT_DB_INT(m->dom_id), OXT_DB_INT(m->client_id),
                    OXT_DB_INT(m->reseller_id)), res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        run_id = oxt_db_row_int(row, 0, 0);
        cid = oxt_db_row_int(row, 1, 0);
        rid = oxt_db_row_int(row, 2, 0);
        rv = move_owner_counts(db, run_id, "reseller", rid, row, -1, res, p);
        if (rv == APR_SUCCESS) {
            rv = move_owner_counts(db, run_id, "client", cid, row, -1, res,
                                   p);
        }
        if (rv == APR_SUCCESS) {
            rv = move_owner_counts(db, run_id, "reseller", m->reseller_id,
                                   row, 1, res, p);
        }
        if (rv == APR_SUCCESS) {
            rv = move_owner_counts(db, run_id, "client", m->client_id, row,
                                   1, res, p);
        }
        if (rv == APR_SUCCESS) {
            rv = oxt_db_exec(NULL, db, "UPDATE run_summary_owner"
                             " SET client_id = ?, reseller_id = ?"
                             " WHERE run_id = ? AND level = 'domain'"
                             " AND owner = ?",
                             OXT_DB_ARGS(OXT_DB_INT(m->client_id),
                                         OXT_DB_INT(m->reseller_id),
                                         OXT_DB_INT(run_id),
                                         OXT_DB_INT(m->dom_id)), res, p);
        }
    }
    return rv;
}

/* The columns a moved row keeps. */
#define MOVE_KEEP "logged_at, run_id, mail_id, address, dom_id, domain_name"
#define MOVE_KEEP2 "service_type, scheduled_by, operation, outcome, reason," \
    " debug_request, debug_response"

/* The rows of one batch (locked: id, reseller_id, client_id) copied
 * with m's owner, journaled and deleted. */
static apr_status_t move_rows(oxt_db_t *db, const move_t *m,
                              const apr_array_header_t *rows,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *marks = apr_array_make(p, rows->nelts,
                                               sizeof(const char *));
    apr_array_header_t *ids = apr_array_make(p, rows->nelts,
                                             sizeof(oxt_db_arg_t));
    apr_array_header_t *args = apr_array_make(p, rows->nelts + 2,
                                              sizeof(oxt_db_arg_t));
    const char *in;
    apr_status_t rv;
    int i;

    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(m->client_id);
    APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(m->reseller_id);
    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(marks, const char *) = "?";
        APR_ARRAY_PUSH(ids, oxt_db_arg_t) = OXT_DB_INT(oxt_db_row_int(
            APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), 0, 0));
    }
    apr_array_cat(args, ids);
    in = apr_array_pstrcat(p, marks, ',');
    /* In id order, so the copies keep the rows' order among themselves
     * (the sorts' last key). */
    rv = oxt_db_exec(NULL, db, apr_pstrcat(p,
             "INSERT INTO replication_log (" MOVE_KEEP ", client_id,"
             " reseller_id, " MOVE_KEEP2 ") SELECT " MOVE_KEEP ", ?, ?, "
             MOVE_KEEP2 " FROM replication_log WHERE id IN (", in, ")"
             " ORDER BY id", NULL),
             (const oxt_db_arg_t *)args->elts, args->nelts, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, apr_pstrcat(p, "INSERT INTO"
                 " replication_log_gone (" GONE_COLS ") SELECT " GONE_COLS
                 " FROM replication_log WHERE id IN (", in, ")", NULL),
                 (const oxt_db_arg_t *)ids->elts, ids->nelts, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, apr_pstrcat(p,
                 "DELETE FROM replication_log WHERE id IN (", in, ")", NULL),
                 (const oxt_db_arg_t *)ids->elts, ids->nelts, res, p);
    }
    return rv == APR_SUCCESS ? move_counts(db, m, rows, res, p) : rv;
}

/* One batch of m's domain: at most limit of its rows that name another
 * owner, moved, in one transaction (rows, journal, counts); the batch
 * that finds fewer than limit also moves the banner's counts and drops
 * the queue's entry (unless the domain moved again meanwhile). *pn gets
 * how many rows, *pdone that the domain is done. */
static apr_status_t move_batch(long long *pn, int *pdone, oxt_db_t *db,
                               const move_t *m, int limit,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows = NULL;
    apr_status_t rv;

    *pn = 0;
    *pdone = 0;
    rv = pages_lock(db, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = begin_committed(db, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&rows, db,
                 "SELECT id, reseller_id, client_id FROM replication_log"
                 " FORCE INDEX (dom) WHERE dom_id = ?"
                 " AND (client_id <> ? OR reseller_id <> ?)"
                 " ORDER BY dom_id, logged_at, id LIMIT ? FOR UPDATE",
                 OXT_DB_ARGS(OXT_DB_INT(m->dom_id), OXT_DB_INT(m->client_id),
                             OXT_DB_INT(m->reseller_id), OXT_DB_INT(limit)),
                 res, p);
    }
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        rv = move_rows(db, m, rows, res, p);
    }
    if (rv == APR_SUCCESS && rows->nelts < limit) {
        rv = move_banner(db, m, res, p);
        if (rv == APR_SUCCESS) {
            rv = oxt_db_exec(NULL, db, "DELETE FROM replication_log_move"
                             " WHERE dom_id = ? AND client_id = ?"
                             " AND reseller_id = ?",
                             OXT_DB_ARGS(OXT_DB_INT(m->dom_id),
                                         OXT_DB_INT(m->client_id),
                                         OXT_DB_INT(m->reseller_id)),
                             res, p);
        }
        *pdone = 1;
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_db_rollback(db);
        *pdone = 0;
    }
    pages_unlock(db, p);
    *pn = rv == APR_SUCCESS ? rows->nelts : 0;
    return rv;
}

static apr_interval_time_t max_interval(apr_interval_time_t a,
                                        apr_interval_time_t b)
{
    return a > b ? a : b;
}

/* The queue worked off until it is empty or budget has passed since
 * start (at least one batch): *pmoved rows moved, *pmore work left. */
static apr_status_t replog_moves(long long *pmoved, int *pdomains,
                                 int *pmore, apr_interval_time_t *plongest,
                                 oxt_db_t *db, int batch, apr_time_t start,
                                 apr_interval_time_t budget,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_pool_t *bp;
    apr_time_t t0;
    move_t m;
    long long n;
    int found = 1, done, batches = 0;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&bp, p);
    while (rv == APR_SUCCESS && found) {
        apr_pool_clear(bp);
        rv = move_next(&found, &m, db, res, bp);
        if (rv != APR_SUCCESS || !found) {
            break;
        }
        if (batches > 0 && apr_time_now() - start > budget) {
            *pmore = 1;
            break;
        }
        do {
            apr_pool_clear(bp);
            t0 = apr_time_now();
            rv = move_batch(&n, &done, db, &m, batch, res, bp);
            *plongest = max_interval(*plongest, apr_time_now() - t0);
            *pmoved += n;
            batches++;
        } while (rv == APR_SUCCESS && !done
                 && apr_time_now() - start <= budget);
        *pdomains += done;
        if (rv == APR_SUCCESS && !done) {
            *pmore = 1;
            break;
        }
    }
    apr_pool_destroy(bp);
    return rv;
}

/* ---- keeping the log bounded ------------------------------------------- */

/* A prune's first look, one statement: are the counts younger than a
 * day (a recount, or the migration)? Has a row expired? And the whole
 * log's count (-1 without its row), which stands while nothing is
 * recounted or deleted. Usually nothing has expired since the last
 * prune: one look through the logged_at key, where an empty batch cost
 * six statements (the lock, its transaction, the locking read), and
 * the freshness and the count had a statement each. */
static apr_status_t prune_look(int *pfresh, int *pexpired, int *pmoves,
                               long long *pn, oxt_db_t *db, int days,
                               oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv;

    *pfresh = 0;
    *pexpired = 1;
    *pmoves = 1;
    *pn = -1;
    rv = oxt_db_select_row(&row, db,
        "SELECT COALESCE((SELECT counted_at >= NOW() - INTERVAL 1 DAY"
        " FROM replication_log_count WHERE level = 'all' AND id = 0), 0),"
        " EXISTS (SELECT 1 FROM replication_log WHERE logged_at < NOW()"
        " - INTERVAL ? DAY), COALESCE((SELECT n FROM replication_log_count"
        " WHERE level = 'all' AND id = 0), -1),"
        " EXISTS (SELECT 1 FROM replication_log_move)",
        OXT_DB_ARGS(OXT_DB_INT(days)), res, p);
    if (row != NULL) {
        *pfresh = oxt_db_row_int(row, 0, 0) > 0;
        *pexpired = oxt_db_row_int(row, 1, 1) > 0;
        *pn = oxt_db_row_int(row, 2, -1);
        *pmoves = oxt_db_row_int(row, 3, 1) > 0;
    }
    return rv;
}

/* How many rows are beyond the cap, by the counts. */
static apr_status_t prune_excess(long long *pexcess, oxt_db_t *db,
                                 long long max_rows, oxt_result_t *res,
                                 apr_pool_t *p)
{
    long long n = 0;
    apr_status_t rv;

    rv = oxt_db_select_int(&n, db, "SELECT n FROM replication_log_count"
                           " WHERE level = 'all' AND id = 0", OXT_DB_NOARGS,
                           res, p);
    *pexcess = n > max_rows ? n - max_rows : 0;
    return rv == APR_ENOENT ? APR_SUCCESS : rv;
}

/* The id of the newest row beyond the cap (the max_rows newest stay):
 * read from the rows, not from the counts, which may have drifted (a
 * process killed between a batch and its counts), so the cap never takes
 * a row it should keep. A walk of max_rows entries of the primary key,
 * without locks, once per prune that the counts say is over the cap.
 * -1: nothing is beyond it. */
static apr_status_t prune_cap_walk(long long *pid, oxt_db_t *db,
                                   long long max_rows, oxt_result_t *res,
                                   apr_pool_t *p)
{
    apr_status_t rv;

    rv = oxt_db_select_int(pid, db, "SELECT id FROM replication_log"
                           " ORDER BY id DESC LIMIT 1 OFFSET ?",
                           OXT_DB_ARGS(OXT_DB_INT(max_rows)), res, p);
    if (rv == APR_ENOENT || (rv == APR_SUCCESS && *pid <= 0)) {
        *pid = -1;
        return APR_SUCCESS;
    }
    return rv;
}

/* ---- the cap remembered (oxt_replog_cap_t) ------------------------------ */

/* The rows with an id above from, counted in the snapshot open. */
static apr_status_t cap_above(long long *pn, oxt_db_t *db, long long from,
                              oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_select_int(pn, db, "SELECT COUNT(*) FROM replication_log"
                             " FORCE INDEX (PRIMARY) WHERE id > ?",
                             OXT_DB_ARGS(OXT_DB_INT(from)), res, p);
}

/* The frame to count up to: the highest id up to which every row has
 * committed, found from one known to be (frame_committed, as a build's
 * chunk does), so a row given its id before the snapshot and committed
 * after it cannot be missed. */
static apr_status_t cap_frame(long long *pframe, long long from,
                              oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
{
    long long top = 0;
    apr_status_t rv;

    *pframe = from;
    rv = oxt_db_select_int(&top, db, "SELECT COALESCE(MAX(id), 0) FROM"
                           " replication_log", OXT_DB_NOARGS, res, p);
    return rv == APR_SUCCESS && top > from
           ? frame_committed(pframe, from, top, db, res, p) : rv;
}

/* The build in force, read in the snapshot open. */
static apr_status_t cap_gen(long long *pgen, oxt_db_t *db, oxt_result_t *res,
                            apr_pool_t *p)
{
    pages_state_t st;
    apr_status_t rv = pages_state(&st, db, res, p);

    *pgen = st.gen;
    return rv;
}

/* In the snapshot open: the cap's id from what changed since cap was
 * taken. The rows above cap->cap_id now: those of (cap_id, frame] then,
 * less the journal's rows of that range since (every one of them was
 * there then: the frame had committed, and the named lock kept every
 * delete out of the moment the snapshot began), plus all those above the
 * frame now. Their excess over max_rows is how far the id moves: up
 * through the rows above it, or down through those at or below it (a
 * Clean Log took newer rows). *pid -1: nothing is beyond the cap. */
static apr_status_t cap_moved(long long *pid, const oxt_replog_cap_t *cap,
                              oxt_db_t *db, long long max_rows,
                              oxt_result_t *res, apr_pool_t *p)
{
    long long gone = 0, above = 0, excess;
    apr_status_t rv;

    rv = oxt_db_select_int(&gone, db, "SELECT COUNT(*) FROM"
                           " replication_log_gone WHERE seq > ? AND id > ?"
                           " AND id <= ?", OXT_DB_ARGS(OXT_DB_INT(cap->seq),
                           OXT_DB_INT(cap->cap_id), OXT_DB_INT(cap->frame)),
                           res, p);
    if (rv == APR_SUCCESS) {
        rv = cap_above(&above, db, cap->frame, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    excess = cap->kept - gone + above - max_rows;
    *pid = cap->cap_id;
    if (excess > 0) {
        rv = oxt_db_select_int(pid, db, "SELECT id FROM replication_log"
                               " FORCE INDEX (PRIMARY) WHERE id > ? ORDER BY"
                               " id LIMIT 1 OFFSET ?", OXT_DB_ARGS(OXT_DB_INT(
                               cap->cap_id), OXT_DB_INT(excess - 1)), res, p);
    }
    else if (excess < 0) {
        rv = oxt_db_select_int(pid, db, "SELECT id FROM replication_log"
                               " FORCE INDEX (PRIMARY) WHERE id <= ? ORDER BY"
                               " id DESC LIMIT 1 OFFSET ?", OXT_DB_ARGS(
                               OXT_DB_INT(cap->cap_id), OXT_DB_INT(-excess)),
                               res, p);
    }
    if (rv == APR_ENOENT) {
        *pid = -1;
        return APR_SUCCESS;
    }
    return rv;
}

/* The cap's id, by cap when it is known for max_rows and no build
 * dropped journal rows since, else by the walk; cap taken again in the
 * same snapshot (a frame found first, then the snapshot under the
 * deletes' named lock, chunk_begin). */
/* How long a remembered boundary is trusted before the next walk. */
#define REPLOG_CAP_REWALK apr_time_from_sec(600)

/* now begun from cap: its frame the remembered one, or (nothing known,
 * another max_rows, or the last walk REPLOG_CAP_REWALK ago: a delete that
 * bypassed the journal, by hand, would otherwise skew the count for as
 * long as the daemon runs) the frame of the build in force, known to
 * have committed, to probe up from (none: the walk as before). */
static apr_status_t cap_start(oxt_replog_cap_t *now, oxt_replog_cap_t *cap,
                              oxt_db_t *db, long long max_rows,
                              oxt_result_t *res, apr_pool_t *p)
{
    pages_state_t st;
    apr_status_t rv;

    memset(now, 0, sizeof(*now));
    now->max_rows = max_rows;
    now->walks = cap->walks;
    now->walked_at = cap->walked_at;
    if (cap->known && cap->max_rows == max_rows
        && apr_time_now() - cap->walked_at < REPLOG_CAP_REWALK) {
        now->frame = cap->frame;
        return APR_SUCCESS;
    }
    cap->known = 0;
    rv = pages_state(&st, db, res, p);
    now->frame = st.max_id;
    return rv;
}

static apr_status_t prune_cap_id(long long *pid, oxt_replog_cap_t *cap,
                                 oxt_db_t *db, long long max_rows,
                                 oxt_result_t *res, apr_pool_t *p)
{
    oxt_replog_cap_t now;
    long long above = 0;
    apr_status_t rv;

    if (cap == NULL) {
        return prune_cap_walk(pid, db, max_rows, res, p);
    }
    rv = cap_start(&now, cap, db, max_rows, res, p);
    if (rv == APR_SUCCESS && now.frame > 0) {
        rv = cap_frame(&now.frame, now.frame, db, res, p);
    }
    rv = rv == APR_SUCCESS ? chunk_begin(&now.seq, db, res, p) : rv;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = cap_gen(&now.gen, db, res, p);
    if (rv == APR_SUCCESS && cap->known && cap->gen == now.gen) {
        rv = cap_moved(pid, cap, db, max_rows, res, p);
    }
    else if (rv == APR_SUCCESS) {
        rv = prune_cap_walk(pid, db, max_rows, res, p);
        now.walks++;
        now.walked_at = apr_time_now();
    }
    if (rv == APR_SUCCESS && *pid > 0) {
        rv = cap_above(&above, db, now.frame, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    else {
        oxt_db_rollback(db);
    }
    /* What stands above the id is max_rows rows; (id, frame] holds those
     * not above the frame (none to remember when the id is above it). */
    now.cap_id = *pid;
    now.kept = max_rows - above;
    now.known = rv == APR_SUCCESS && *pid > 0 && *pid < now.frame
                && now.kept >= 0;
    *cap = now;
    return rv;
}

/* One step: a batch of expired rows while there are any, else a batch of
 * the oldest beyond the cap (*pcap_id: 0 until it is known, -1 when
 * nothing is beyond it). *pdone when neither is left. */
static apr_status_t prune_step(oxt_replog_prune_t *out, int *pexpired_done,
                               long long *pcap_id, oxt_replog_cap_t *cap,
                               int *pdone, oxt_db_t *db, int days,
                               long long max_rows, int batch,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 1, sizeof(oxt_db_arg_t));
    long long n = 0, excess = 0, last = 0;
    apr_status_t rv = APR_SUCCESS;

    /* Whether any row expired was asked by the prune's first look. */
    if (!*pexpired_done) {
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(days);
        rv = replog_delete_batch(&n, NULL, db, " WHERE logged_at < NOW()"
                                 " - INTERVAL ? DAY",
                                 " ORDER BY logged_at, id", args, batch,
                                 res, p);
        out->expired += n;
        out->batches++;
        *pexpired_done = n < batch;
        return rv;
    }
    if (*pcap_id == 0) {
        rv = prune_excess(&excess, db, max_rows, res, p);
        *pcap_id = -1;
        if (rv == APR_SUCCESS && excess > 0) {
            rv = prune_cap_id(pcap_id, cap, db, max_rows, res, p);
        }
    }
    if (rv == APR_SUCCESS && *pcap_id > 0) {
        APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(*pcap_id);
        rv = replog_delete_batch(&n, &last, db, " WHERE id <= ?",
                                 " ORDER BY id", args, batch, res, p);
        out->over_cap += n;
        out->batches++;
    }
    *pdone = *pcap_id <= 0 || n < batch || last == *pcap_id;
    return rv;
}

/* The deletes' steps until none is left or budget has passed since
 * start (out->more). */
static apr_status_t prune_deletes(oxt_replog_prune_t *out, int expired_done,
                                  long long cap_id, oxt_replog_cap_t *cap,
                                  oxt_db_t *db,
                                  int retention_days, long long max_rows,
                                  int batch, apr_time_t start,
                                  apr_interval_time_t budget,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_pool_t *bp;
    apr_time_t t0;
    int done = 0;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&bp, p);
    while (rv == APR_SUCCESS && !done) {
        /* Every call that has work deletes at least one batch, so even
         * the shortest budget makes progress. */
        if (out->expired + out->over_cap > 0
            && apr_time_now() - start > budget) {
            out->more = 1;
            break;
        }
        apr_pool_clear(bp);
        t0 = apr_time_now();
        rv = prune_step(out, &expired_done, &cap_id, cap, &done, db,
                        retention_days, max_rows, batch, res, bp);
        out->longest_batch = max_interval(out->longest_batch,
                                          apr_time_now() - t0);
    }
    apr_pool_destroy(bp);
    return rv;
}

apr_status_t oxt_replog_prune(oxt_replog_prune_t *out, oxt_db_t *db,
                              int retention_days, long long max_rows,
                              int batch, apr_interval_time_t budget,
                              oxt_result_t *res, apr_pool_t *p)
{
    return oxt_replog_prune_kept(out, NULL, db, retention_days, max_rows,
                                 batch, budget, res, p);
}

apr_status_t oxt_replog_prune_kept(oxt_replog_prune_t *out,
                                   oxt_replog_cap_t *cap, oxt_db_t *db,
                                   int retention_days, long long max_rows,
                                   int batch, apr_interval_time_t budget,
                                   oxt_result_t *res, apr_pool_t *p)
{
    apr_time_t start = apr_time_now(), t;
    int fresh = 0, expired = 1, building = 0, moves = 0;
    apr_interval_time_t left;
    long long cap_id = 0, n = -1;
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    batch = batch > 0 ? batch : OXT_REPLOG_DELETE_BATCH;
    rv = prune_look(&fresh, &expired, &moves, &n, db, retention_days, res,
                    p);
    /* Domains moved to another owner first: their rows are the wrong
     * tenant's until then. */
    if (rv == APR_SUCCESS && moves) {
        rv = replog_moves(&out->moved, &out->moved_domains, &out->more,
                          &out->longest_batch, db, batch, start, budget, res,
                          p);
        out->moves_took = apr_time_now() - start;
        if (rv == APR_SUCCESS && out->more) {
            return rv;
        }
    }
    /* The count read stands when nothing is recounted or deleted before
     * the cap is looked at: none beyond it is then known (-1) without
     * asking again. */
    if (rv == APR_SUCCESS && fresh && !expired && n >= 0 && n <= max_rows) {
        cap_id = -1;
    }
    t = apr_time_now();
    if (rv == APR_SUCCESS && !fresh) {
        rv = oxt_replog_recount(db, res, p);
        out->recounted = rv == APR_SUCCESS;
    }
    if (rv == APR_SUCCESS) {
        rv = prune_deletes(out, !expired, cap_id, cap, db, retention_days,
                           max_rows, batch, start, budget, res, p);
    }
    out->deletes_took = apr_time_now() - t;
    /* Only once the prune caught up: while it is behind, every call (the
     * daemon's, each turn) deletes more, and a build would count them
     * all. The build gets what is left of the budget (at least one
     * chunk); a build with chunks left is more work for the next call. */
    if (rv == APR_SUCCESS && !out->more) {
        left = budget - (apr_time_now() - start);
        t = apr_time_now();
        rv = oxt_replog_pages_refresh(&out->paged, &building, db, 0,
                                      left > 0 ? left : 0, res, p);
        out->pages_took = apr_time_now() - t;
        out->building = building;
        out->more = building;
    }
    return rv;
}
