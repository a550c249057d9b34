/*
 * oxt_repl_cmd_status.c — "oxtender-replicator status": the queue, parked
 * items, the last run, the run lock and warnings, as text or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_queue.h"
#include "oxt_json.h"
#include "oxt_sink.h"

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
    run->ok = strtoll(row->vals[3], NULL, 10);
    run->failed = strtoll(row->vals[4], NULL, 10);
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

/* What needs a person besides parked items: the lock, plain HTTP. */
typedef struct {
    oxt_lock_info_t lock;
    const char *plain_http;        /* warning, or NULL */
} status_health_t;

static apr_status_t status_health(status_health_t *h, oxt_repl_t *repl,
                                  oxt_db_t *db, oxt_result_t *res)
{
    oxt_settings_t *st;
    apr_status_t rv;

    h->plain_http = NULL;
    oxt_lock_probe(&h->lock, repl->cfg->lock_file,
                   apr_time_from_sec(repl->cfg->lock_stale_s), repl->p);
    rv = oxt_settings_load(&st, db, NULL, res, repl->p);
    if (rv == APR_SUCCESS && st->ox_host != NULL && *st->ox_host) {
        h->plain_http = oxt_ox_plain_http_warning(
            oxt_ox_base_url(st->ox_https, st->ox_host, repl->p),
            st->ox_allow_plain_http, repl->p);
    }
    return rv;
}

static void status_json_parked(oxt_json_t *j, const apr_array_header_t *rows)
{
    const oxt_db_row_t *r;
    int i;

    oxt_json_karray(j, "parked");
    for (i = 0; i < rows->nelts; i++) {
        r = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        oxt_json_object(j);
        oxt_json_kint(j, "id", strtoll(r->vals[0], NULL, 10));
        oxt_json_kstr(j, "object", r->vals[1]);
        oxt_json_kint(j, "object_id", strtoll(r->vals[2], NULL, 10));
        oxt_json_kint(j, "attempts", strtoll(r->vals[3], NULL, 10));
        oxt_json_kstr(j, "parked_at", r->vals[4]);
        oxt_json_kstr(j, "error", r->vals[5]);
        oxt_json_end(j);
    }
    oxt_json_end(j);
}

static void status_json_lock(oxt_json_t *j, const oxt_lock_info_t *l)
{
    int held = l->state == OXT_LOCK_HELD || l->state == OXT_LOCK_STALE;

    oxt_json_kobject(j, "lock");
    oxt_json_kstr(j, "state", oxt_lock_state_name(l->state));
    if (held && l->pid > 0) {
        oxt_json_kint(j, "pid", l->pid);
    }
    else {
        oxt_json_knull(j, "pid");
    }
    oxt_json_kstr(j, "holder", held ? l->holder : NULL);
    if (held) {
        oxt_json_kint(j, "idle_s", apr_time_sec(l->idle));
    }
    else {
        oxt_json_knull(j, "idle_s");
    }
    oxt_json_kint(j, "stale_after_s", apr_time_sec(l->stale_after));
    oxt_json_kstr(j, "problem", l->problem);
    oxt_json_end(j);
}

static apr_status_t status_print_json(const oxt_queue_stats_t *q,
                                      const status_run_t *run,
                                      const apr_array_header_t *parked,
                                      const status_health_t *h,
                                      apr_pool_t *p)
{
    oxt_json_t *j = oxt_json_make(oxt_sink_stdio(stdout, p), 0, p);

    oxt_json_object(j);
    oxt_json_kobject(j, "queue");
    oxt_json_kint(j, "waiting", q->waiting);
    oxt_json_kint(j, "due", q->due);
    oxt_json_kint(j, "leased", q->leased);
    oxt_json_kint(j, "parked", q->parked);
    oxt_json_kstr(j, "oldest", q->oldest);
    oxt_json_end(j);
    if (run->started == NULL) {
        oxt_json_knull(j, "last_run");
    }
    else {
        oxt_json_kobject(j, "last_run");
        oxt_json_kstr(j, "started", run->started);
        oxt_json_kstr(j, "finished", run->finished);
        oxt_json_kstr(j, "status", run->state);
        oxt_json_kint(j, "successful", run->ok);
        oxt_json_kint(j, "failed", run->failed);
        oxt_json_end(j);
    }
    status_json_parked(j, parked);
    status_json_lock(j, &h->lock);
    oxt_json_karray(j, "warnings");
    if (h->plain_http != NULL) {
        oxt_json_string(j, h->plain_http);
    }
    oxt_json_end(j);
    oxt_json_end(j);
    return oxt_json_finish(j);
}

static void status_print_lock(const oxt_lock_info_t *l, const char *path,
                              apr_pool_t *p)
{
    const char *who = l->pid > 0
        ? apr_psprintf(p, "pid %ld (%s)", l->pid, l->holder ? l->holder : "?")
        : "an unknown process";

    switch (l->state) {
    case OXT_LOCK_FREE:
        printf("lock:     free\n");
        break;
    case OXT_LOCK_HELD:
        printf("lock:     held by %s, last progress %" APR_INT64_T_FMT
               " s ago\n", who, (apr_int64_t)apr_time_sec(l->idle));
        break;
    case OXT_LOCK_STALE:
        printf("lock:     STALE: %s\n", oxt_repl_lock_text(l, path, p));
        break;
    default:
        printf("lock:     %s: %s\n", oxt_lock_state_name(l->state),
               l->problem ? l->problem : "cannot tell");
        break;
    }
}

static void status_print_text(const oxt_queue_stats_t *q,
                              const status_run_t *run,
                              const apr_array_header_t *parked,
                              const status_health_t *h, oxt_repl_t *repl)
{
    const oxt_db_row_t *r;
    int i;

    printf("queue:    %lld waiting (%lld due, %lld in progress), %lld parked\n",
           q->waiting, q->due, q->leased, q->parked);
    if (q->oldest != NULL) {
        printf("oldest:   %s\n", q->oldest);
    }
    if (run->started == NULL) {
        printf("last run: never\n");
    }
    else {
        printf("last run: %s to %s, %s, %lld successful, %lld failed\n",
               run->started, run->finished ? run->finished : "(running)",
               run->state, run->ok, run->failed);
    }
    status_print_lock(&h->lock, repl->cfg->lock_file, repl->p);
    if (h->plain_http != NULL) {
        printf("warning:  %s\n", h->plain_http);
    }
    for (i = 0; i < parked->nelts; i++) {
        r = APR_ARRAY_IDX(parked, i, const oxt_db_row_t *);
        printf("parked:   #%s %s %s after %s attempts: %s\n", r->vals[0],
               r->vals[1], r->vals[2], r->vals[3], r->vals[5]);
    }
}

int oxt_repl_cmd_status(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_queue_stats_t q;
    status_run_t run = { 0 };
    status_health_t health;
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
        || status_parked(&parked, db, res, repl->p) != APR_SUCCESS
        || status_health(&health, repl, db, res) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (repl->json) {
        if (status_print_json(&q, &run, parked, &health, repl->p)
            != APR_SUCCESS) {
            oxt_repl_fail("cannot write the status");
            return OXT_REPL_EXIT_FAIL;
        }
    }
    else {
        status_print_text(&q, &run, parked, &health, repl);
    }
    /* A stuck lock stops replication: monitoring sees it in the code. */
    return health.lock.state == OXT_LOCK_STALE ? OXT_REPL_EXIT_STALE
                                               : OXT_REPL_EXIT_OK;
}
