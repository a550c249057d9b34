/*
 * oxt_repl_cmd_status.c — "oxtender-replicator status": the queue, parked
 * items, the last run, the run lock and warnings, as text or JSON. The
 * numbers come from the core (oxt_queue_stats, oxt_queue_parked,
 * oxt_replog_last_run, oxt_lock_probe), which the Logs page and the
 * metrics read too.
 */
#include <stdio.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_health.h"
#include "oxt_queue.h"
#include "oxt_replog.h"
#include "oxt_json.h"
#include "oxt_lock.h"
#include "oxt_ox.h"
#include "oxt_settings.h"

/* The parked items shown: what needs a person, newest first. */
#define STATUS_PARKED_MAX 50

typedef struct {
    oxt_queue_stats_t queue;
    oxt_run_summary_t *run;        /* NULL: never ran */
    apr_array_header_t *parked;    /* oxt_queue_item_t * */
    oxt_lock_info_t lock;
    const char *plain_http;        /* warning, or NULL */
} status_t;

/* What needs a person besides parked items: the lock, plain HTTP. */
static apr_status_t status_health(status_t *st, oxt_repl_t *repl,
                                  oxt_db_t *db, oxt_result_t *res)
{
    oxt_settings_t *s;
    apr_status_t rv;

    st->plain_http = NULL;
    oxt_lock_probe(&st->lock, repl->cfg->lock_file,
                   apr_time_from_sec(repl->cfg->lock_stale_s), repl->p);
    rv = oxt_settings_load(&s, db, NULL, res, repl->p);
    if (rv == APR_SUCCESS && s->ox_host != NULL && *s->ox_host) {
        st->plain_http = oxt_ox_plain_http_warning(
            oxt_ox_base_url(s->ox_https, s->ox_host, repl->p),
            s->ox_allow_plain_http, repl->p);
    }
    return rv;
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
    oxt_health_json_run(j, st->run, oxt_run_counts_total,
                        oxt_repl_json_counts);
    status_json_parked(j, st->parked);
    status_json_lock(j, &st->lock);
    oxt_json_karray(j, "warnings");
    if (st->plain_http != NULL) {
        oxt_json_string(j, st->plain_http);
    }
    oxt_json_end(j);
    oxt_json_end(j);
    return oxt_repl_json_done(repl, j);
}

static void status_print_text(const status_t *st, oxt_repl_t *repl)
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
        oxt_run_counts_total(&run->counts, &ok, &failed);
        printf("last run: %s to %s, %s, %lld successful, %lld failed%s\n",
               run->started_at, run->finished_at ? run->finished_at
                                                 : "(running)",
               run->status, ok, failed,
               oxt_repl_failed_kinds(&run->counts, repl->p));
    }
    status_print_lock(&st->lock, repl->cfg->lock_file, repl->p);
    if (st->plain_http != NULL) {
        printf("warning:  %s\n", st->plain_http);
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
           != APR_SUCCESS
        || status_health(&st, repl, db, res) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (!repl->json) {
        status_print_text(&st, repl);
    }
    else if (status_print_json(repl, &st) != APR_SUCCESS) {
        oxt_repl_fail("cannot write the status");
        return OXT_REPL_EXIT_FAIL;
    }
    /* A stuck lock stops replication: monitoring sees it in the code. */
    return st.lock.state == OXT_LOCK_STALE ? OXT_REPL_EXIT_STALE
                                           : OXT_REPL_EXIT_OK;
}
