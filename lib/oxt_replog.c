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

apr_status_t oxt_replog_run_update(oxt_db_t *db, long long run_id,
                                   const oxt_run_counts_t *c, int finished,
                                   int ok, oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "UPDATE run_summary SET webmail_ok = ?, webmail_failed = ?,"
        " standard_ok = ?, standard_failed = ?, premium_ok = ?,"
        " premium_failed = ?,"
        " finished_at = IF(?, NOW(), finished_at),"
        " status = IF(?, IF(?, 'finished', 'aborted'), status)"
        " WHERE id = ?",
        OXT_DB_ARGS(OXT_DB_INT(c->ok[OXT_SERVICE_WEBMAIL]),
                    OXT_DB_INT(c->failed[OXT_SERVICE_WEBMAIL]),
                    OXT_DB_INT(c->ok[OXT_SERVICE_STANDARD]),
                    OXT_DB_INT(c->failed[OXT_SERVICE_STANDARD]),
                    OXT_DB_INT(c->ok[OXT_SERVICE_PREMIUM]),
                    OXT_DB_INT(c->failed[OXT_SERVICE_PREMIUM]),
                    OXT_DB_INT(finished), OXT_DB_INT(finished),
                    OXT_DB_INT(ok), OXT_DB_INT(run_id)), res, p);
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

/* The count columns, per service in oxt_service_t order: ok, failed. */
#define RUN_COUNT_COLS \
    " webmail_ok, webmail_failed, standard_ok, standard_failed," \
    " premium_ok, premium_failed"

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
    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        run->counts.ok[i] = oxt_db_row_int(row, 5 + 2 * i, 0);
        run->counts.failed[i] = oxt_db_row_int(row, 6 + 2 * i, 0);
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
