/*
 * oxt_repl_cmd_status.c — "oxtender-replicator status": the queue, parked
 * items and the last run, as text or JSON. The numbers come from the core
 * (oxt_queue_stats, oxt_queue_parked, oxt_replog_last_run), which the Logs
 * page and the metrics read too.
 */
#include <stdio.h>

#include "oxt_repl.h"
#include "oxt_queue.h"
#include "oxt_replog.h"
#include "oxt_json.h"

/* The parked items shown: what needs a person, newest first. */
#define STATUS_PARKED_MAX 50

typedef struct {
    oxt_queue_stats_t queue;
    oxt_run_summary_t *run;        /* NULL: never ran */
    apr_array_header_t *parked;    /* oxt_queue_item_t * */
} status_t;

static void status_json_run(oxt_json_t *j, const oxt_run_summary_t *run)
{
    long long ok, failed;

    if (run == NULL) {
        oxt_json_knull(j, "last_run");
        return;
    }
    oxt_run_counts_sum(&run->counts, &ok, &failed);
    oxt_json_kobject(j, "last_run");
    oxt_json_kstr(j, "started", run->started_at);
    oxt_json_kstr(j, "finished", run->finished_at);
    oxt_json_kstr(j, "status", run->status);
    oxt_json_kint(j, "successful", ok);
    oxt_json_kint(j, "failed", failed);
    oxt_json_end(j);
}

static void status_json_parked(oxt_json_t *j, const apr_array_header_t *items)
{
    const oxt_queue_item_t *it;
    int i;

    oxt_json_karray(j, "parked");
    for (i = 0; i < items->nelts; i++) {
        it = APR_ARRAY_IDX(items, i, const oxt_queue_item_t *);
        oxt_json_object(j);
        oxt_json_kint(j, "id", it->id);
        oxt_json_kstr(j, "object", oxt_obj_type_name(it->type));
        oxt_json_kint(j, "object_id", it->object_id);
        oxt_json_kint(j, "attempts", it->attempts);
        oxt_json_kstr(j, "parked_at", it->parked_at);
        oxt_json_kstr(j, "error", it->last_error ? it->last_error : "");
        oxt_json_end(j);
    }
    oxt_json_end(j);
}

static apr_status_t status_print_json(oxt_repl_t *repl, const status_t *st)
{
    oxt_json_t *j = oxt_repl_json(repl);
    const oxt_queue_stats_t *q = &st->queue;

    oxt_json_object(j);
    oxt_json_kobject(j, "queue");
    oxt_json_kint(j, "waiting", q->waiting);
    oxt_json_kint(j, "due", q->due);
    oxt_json_kint(j, "leased", q->leased);
    oxt_json_kint(j, "parked", q->parked);
    oxt_json_kstr(j, "oldest", q->oldest);
    oxt_json_end(j);
    status_json_run(j, st->run);
    status_json_parked(j, st->parked);
    oxt_json_end(j);
    return oxt_repl_json_done(repl, j);
}

static void status_print_text(const status_t *st)
{
    const oxt_queue_stats_t *q = &st->queue;
    const oxt_run_summary_t *run = st->run;
    const oxt_queue_item_t *it;
    long long ok, failed;
    int i;

    printf("queue:    %lld waiting (%lld due, %lld in progress), %lld parked\n",
           q->waiting, q->due, q->leased, q->parked);
    if (q->oldest != NULL) {
        printf("oldest:   %s\n", q->oldest);
    }
    if (run == NULL) {
        printf("last run: never\n");
    }
    else {
        oxt_run_counts_sum(&run->counts, &ok, &failed);
        printf("last run: %s to %s, %s, %lld successful, %lld failed\n",
               run->started_at, run->finished_at ? run->finished_at
                                                 : "(running)",
               run->status, ok, failed);
    }
    for (i = 0; i < st->parked->nelts; i++) {
        it = APR_ARRAY_IDX(st->parked, i, const oxt_queue_item_t *);
        printf("parked:   #%lld %s %lld after %d attempts: %s\n", it->id,
               oxt_obj_type_name(it->type), it->object_id, it->attempts,
               it->last_error ? it->last_error : "");
    }
}

int oxt_repl_cmd_status(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    status_t st;
    oxt_db_t *db;

    (void)argv;
    if (argc > 1) {
        oxt_repl_fail("status takes no arguments");
        return OXT_REPL_EXIT_USAGE;
    }
    if (oxt_repl_db_open(&db, repl, res) != APR_SUCCESS
        || oxt_queue_stats(&st.queue, db, res, repl->p) != APR_SUCCESS
        || oxt_replog_last_run(&st.run, db, res, repl->p) != APR_SUCCESS
        || oxt_queue_parked(&st.parked, db, STATUS_PARKED_MAX, res, repl->p)
           != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (!repl->json) {
        status_print_text(&st);
        return OXT_REPL_EXIT_OK;
    }
    return status_print_json(repl, &st) == APR_SUCCESS ? OXT_REPL_EXIT_OK
                                                       : OXT_REPL_EXIT_FAIL;
}
