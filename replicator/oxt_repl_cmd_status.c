/*
 * oxt_repl_cmd_status.c — "oxtender-replicator status": the queue, parked
 * items and the last run, as text or JSON.
 */
#include <stdio.h>
#include <stdlib.h>

#include "oxt_repl.h"
#include "oxt_queue.h"
#include "oxt_json.h"

typedef struct {
    const char *started, *finished, *state;
    long long ok, failed;
} status_run_t;

static apr_status_t status_last_run(status_run_t *run, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db,
        "SELECT started_at, finished_at, status,"
        " webmail_ok + standard_ok + premium_ok,"
        " webmail_failed + standard_failed + premium_failed"
        " FROM run_summary ORDER BY id DESC LIMIT 1", OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    run->started = row->vals[0];
    run->finished = row->vals[1];
    run->state = row->vals[2];
    run->ok = oxt_db_row_int(row, 3, 0);
    run->failed = oxt_db_row_int(row, 4, 0);
    return APR_SUCCESS;
}

/* The parked items, newest first: what needs a person. */
static apr_status_t status_parked(apr_array_header_t **prows, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_select(prows, db,
        "SELECT id, object_type, object_id, attempts, parked_at,"
        " COALESCE(last_error, '') FROM queue WHERE parked = 1"
        " ORDER BY parked_at DESC, id DESC LIMIT 50", OXT_DB_NOARGS, res, p);
}

static void status_print_parked(const apr_array_header_t *rows, int json,
                                apr_pool_t *p)
{
    const oxt_db_row_t *r;
    int i;

    for (i = 0; i < rows->nelts; i++) {
        r = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        if (json) {
            printf("%s{\"id\": %s, \"object\": %s, \"object_id\": %s,"
                   " \"attempts\": %s, \"parked_at\": %s, \"error\": %s}",
                   i ? ", " : "", r->vals[0], oxt_json_str(r->vals[1], p),
                   r->vals[2], r->vals[3], oxt_json_str(r->vals[4], p),
                   oxt_json_str(r->vals[5], p));
        }
        else {
            printf("parked:   #%s %s %s after %s attempts: %s\n", r->vals[0],
                   r->vals[1], r->vals[2], r->vals[3], r->vals[5]);
        }
    }
}

static void status_print_json(const oxt_queue_stats_t *q,
                              const status_run_t *run, apr_pool_t *p)
{
    printf("{\"queue\": {\"waiting\": %lld, \"due\": %lld, \"leased\": %lld,"
           " \"parked\": %lld, \"oldest\": %s}, \"last_run\": ",
           q->waiting, q->due, q->leased, q->parked,
           oxt_json_str(q->oldest, p));
    if (run->started == NULL) {
        printf("null");
        return;
    }
    printf("{\"started\": %s, \"finished\": %s, \"status\": %s,"
           " \"successful\": %lld, \"failed\": %lld}",
           oxt_json_str(run->started, p), oxt_json_str(run->finished, p),
           oxt_json_str(run->state, p), run->ok, run->failed);
}

static void status_print_text(const oxt_queue_stats_t *q,
                              const status_run_t *run)
{
    printf("queue:    %lld waiting (%lld due, %lld in progress), %lld parked\n",
           q->waiting, q->due, q->leased, q->parked);
    if (q->oldest != NULL) {
        printf("oldest:   %s\n", q->oldest);
    }
    if (run->started == NULL) {
        printf("last run: never\n");
        return;
    }
    printf("last run: %s to %s, %s, %lld successful, %lld failed\n",
           run->started, run->finished ? run->finished : "(running)",
           run->state, run->ok, run->failed);
}

int oxt_repl_cmd_status(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_queue_stats_t q;
    status_run_t run = { 0 };
    apr_array_header_t *parked;
    oxt_db_t *db;

    (void)argv;
    if (argc > 1) {
        oxt_repl_fail("status takes no arguments");
        return OXT_REPL_EXIT_USAGE;
    }
    if (oxt_repl_db_open(&db, repl, res) != APR_SUCCESS
        || oxt_queue_stats(&q, db, res, repl->p) != APR_SUCCESS
        || status_last_run(&run, db, res, repl->p) != APR_SUCCESS
        || status_parked(&parked, db, res, repl->p) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (repl->json) {
        status_print_json(&q, &run, repl->p);
        printf(", \"parked\": [");
        status_print_parked(parked, 1, repl->p);
        printf("]}\n");
    }
    else {
        status_print_text(&q, &run);
        status_print_parked(parked, 0, repl->p);
    }
    return OXT_REPL_EXIT_OK;
}
