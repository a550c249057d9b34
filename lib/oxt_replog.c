/*
 * oxt_replog.c — see oxt_replog.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_replog.h"

/* Columns hold TEXT/VARCHAR; a server's reply could be anything, so cut
 * it to what the column takes rather than fail the log write. */
#define REASON_MAX 8000
#define DEBUG_MAX  (8 * 1024 * 1024)

static const char *cut(const char *s, apr_size_t max, apr_pool_t *p)
{
    return s && strlen(s) > max ? apr_pstrndup(p, s, max) : s;
}

apr_status_t oxt_replog_write(oxt_db_t *db, const oxt_replog_entry_t *e,
                              oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "INSERT INTO replication_log (logged_at, run_id, mail_id, address,"
        " dom_id, domain_name, client_id, reseller_id, service_type,"
        " scheduled_by, operation, outcome, reason, debug_request,"
        " debug_response)"
        " VALUES (NOW(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    OXT_DB_STR(cut(e->debug_response, DEBUG_MAX, p))),
        res, p);
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
    apr_array_header_t *rows;
    apr_status_t rv;

    *prun = NULL;
    rv = oxt_db_select(&rows, db,
        "SELECT id, automatic, started_at, finished_at, status,"
        RUN_COUNT_COLS " FROM run_summary ORDER BY id DESC LIMIT 1",
        OXT_DB_NOARGS, res, p);
    if (rv == APR_SUCCESS && rows->nelts > 0) {
        *prun = run_from_row(APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *),
                             p);
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
