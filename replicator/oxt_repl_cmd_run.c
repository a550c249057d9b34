/*
 * oxt_repl_cmd_run.c — "oxtender-replicator run": one pass, for cron.
 *
 * Replays spooled events, works the due queue items, then walks every
 * domain (level-triggered: whatever no event announced is caught here).
 * Exits at once when another replicator holds the lock.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_event.h"
#include "oxt_now.h"
#include "oxt_log.h"
#include "oxt_json.h"
#include "oxt_replog.h"
#include "oxt_schema.h"
#include "oxt_status.h"
#include "oxt_offload.h"
#include "oxt_db.h"

static apr_status_t run_print(oxt_repl_t *repl,
                              const oxt_engine_stats_t *st)
{
    oxt_json_t *j;
    long long ok, failed;

    oxt_run_counts_sum(&st->counts, &ok, &failed);
    if (repl->json) {
        j = oxt_repl_json(repl);
        oxt_json_object(j);
        oxt_json_kint(j, "domains", st->domains);
        oxt_json_kint(j, "operations_ok", st->ops_ok);
        oxt_json_kint(j, "operations_failed", st->ops_failed);
        oxt_json_kint(j, "skipped", st->ops_skipped);
        oxt_json_kint(j, "mailboxes_ok", ok);
        oxt_json_kint(j, "mailboxes_failed", failed);
        oxt_repl_json_counts(j, &st->counts);
        oxt_json_end(j);
        return oxt_repl_json_done(repl, j);
    }
    if (!repl->quiet) {
        printf("%lld domains checked, %lld operations done, %lld failed%s,"
               " %lld skipped (parked or backing off)\n", st->domains,
               st->ops_ok, st->ops_failed,
               oxt_repl_failed_kinds(&st->counts, repl->p), st->ops_skipped);
    }
    return APR_SUCCESS;
}

/* A run keeps the log bounded for at most this long; what is left waits
 * for the next run. */
#define RUN_PRUNE_S 5

/* Queue batches until nothing is due; a hint for everything is kept for
 * the full pass that follows anyway. */
static apr_status_t run_queue(oxt_repl_session_t *s, const char *owner,
                              oxt_result_t *res)
{
    int claimed = 0, all = 0, rounds = 0;
    apr_status_t rv;

    do {
        rv = oxt_repl_queue_batch(&claimed, &all, s, owner, res);
    } while (rv == APR_SUCCESS && claimed > 0 && ++rounds < 1000);
    /* A batch leaves its domains running unless it claimed nothing: what
     * follows (the pass and its seats) needs them finished. */
    return rv == APR_SUCCESS ? oxt_engine_drain(s->engine, res) : rv;
}

/* Between pages of the full pass: the lock shows this run is alive. */
static apr_status_t run_on_page(void *baton, oxt_result_t *res)
{
    (void)res;
    oxt_lock_touch(baton);
    return APR_SUCCESS;
}

/* Where a run's time went around the engine's work (the benchmarks read
 * it beside the engine's profile, OXT04350). */
enum {
    RUN_BEFORE, RUN_PASS, RUN_SEATS, RUN_BUTTONS, RUN_DIRECTORY, RUN_PRUNE,
    RUN_EARLY, RUN_LAPS
};

static void run_lap(apr_time_t *laps, int which, apr_time_t *since)
{
    apr_time_t now = apr_time_now();

    laps[which] += now - *since;
    *since = now;
}

static void run_log_laps(const apr_time_t *laps)
{
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                   OXTLOGNO(04560) "run profile: before the pass (spooled"
                   " events, Webmail Now, due hints, seats) %.0f ms; the"
                   " pass %.0f ms (of it the last domains beside the"
                   " lists' directory %.0f ms); after it: seats %.0f ms,"
                   " buttons %.0f ms, the lists' directory %.0f ms, the"
                   " log's bound %.0f ms",
                   laps[RUN_BEFORE] / 1000.0, laps[RUN_PASS] / 1000.0,
                   laps[RUN_EARLY] / 1000.0,
                   laps[RUN_SEATS] / 1000.0, laps[RUN_BUTTONS] / 1000.0,
                   laps[RUN_DIRECTORY] / 1000.0, laps[RUN_PRUNE] / 1000.0);
}

/* ---- the lists' directory early, beside the pass's tail ---------------- */

/* The pass's last domains still in progress when it has started them all:
 * with at least this many, and OX work enough left for them to keep OX
 * busy at least RUN_EARLY_TAIL (their operations not sent yet, at the
 * run's mean time on the wire, over the connections), the directory step
 * (OXT04360: after a first run every mailbox's state moved, a second and
 * more at 10,000 mailboxes) is brought in line once while they run, and
 * the step after the pass then compares only what moved since (the sums,
 * oxt_dirsum.h): the buckets of the domains still in progress when the
 * early step read the sums, one or two of OXT_DIRSUM_WIDTH ids. So even
 * a tail shorter than the step (a first run's at 16 connections, 0.7 s)
 * is worth it: the run waits for the step's rest, and the step after the
 * pass, which did all of it, is a tenth. What the two steps cost more
 * than one is the sums read twice: a tail shorter than them loses (1.2
 * to 3.2 s at a million mailboxes, so RUN_EARLY_SUMS_US a mailbox: at
 * 100,000 the 250 ms hold). A steady run has no tail. */
#define RUN_EARLY_MIN 8
#define RUN_EARLY_TAIL apr_time_from_msec(250)
#define RUN_EARLY_SUMS_US 2
/* How long the run's thread waits for the early step between turns once
 * no domain is left in progress. */
#define RUN_EARLY_WAIT apr_time_from_msec(2)
/* The engine's turns run for this long at a time (at least one). */
#define RUN_EARLY_TURN apr_time_from_msec(1)

typedef struct run_early_t {
    const oxt_config_t *cfg;
    const oxt_psa_t *psa;           /* only read: the handle has no
                                       connection (oxt_psa.h) */
    apr_pool_t *p;                  /* the job's alone (the connection's) */
    oxt_result_t *res;              /* in p */
    oxt_engine_t *engine;           /* driven by the run's thread */
    oxt_result_t *eres;             /* the engine's failure: in the run's
                                       pool, never in p (both threads) */
    int failed;
} run_early_t;

/* On the helper thread: a connection of its own, whose reads take no
 * row locks (READ COMMITTED: the engine's commits never wait for the
 * step's INSERT ... SELECTs of our state, nor the other way round), and
 * the step as after the pass. Its sums are those it read before the
 * rows, so whatever the tail records after them is compared again by
 * the step after the pass. */
static apr_status_t run_early_job(void *baton)
{
    run_early_t *e = baton;
    oxt_db_params_t params;
    oxt_db_t *db;
    apr_status_t rv;

    oxt_db_params_from_config(&params, e->cfg);
    rv = oxt_db_open(&db, &params, e->res, e->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec_trusted(db, "SET SESSION TRANSACTION ISOLATION"
                                 " LEVEL READ COMMITTED", e->res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_directory_in(db, e->psa, e->res, e->p);
    }
    return rv;
}

/* On the run's thread meanwhile: one turn of the engine while a domain is
 * in progress (its failure is the drain's after). */
static int run_early_turn(void *baton)
{
    run_early_t *e = baton;

    if (e->failed || oxt_engine_active(e->engine) == 0) {
        return 0;
    }
    e->failed = oxt_engine_run_for(e->engine, RUN_EARLY_TURN, e->eres)
                != APR_SUCCESS;
    return !e->failed && oxt_engine_active(e->engine) > 0;
}

/* The OX work the pass's last domains have left, as connection time. */
static apr_interval_time_t run_tail_left(const oxt_repl_session_t *s)
{
    oxt_soap_profile_t sp;
    long long left;

    memset(&sp, 0, sizeof(sp));
    if (s->soap != NULL) {
        oxt_soap_client_profile(s->soap, &sp);
    }
    if (sp.calls == 0 || s->conns < 1) {
        return 0;
    }
    left = oxt_engine_ops_left(s->engine) + oxt_engine_active(s->engine);
    return (apr_interval_time_t)(left * (sp.wire / sp.calls) / s->conns);
}

/* The tail that pays for the early step: RUN_EARLY_TAIL, or the sums'
 * time at this server's size where that is longer. */
static apr_interval_time_t run_early_tail(const oxt_repl_session_t *s)
{
    apr_interval_time_t sums = (apr_interval_time_t)
        (oxt_seats_plesk_mailboxes(s->seats) * RUN_EARLY_SUMS_US);

    return sums > RUN_EARLY_TAIL ? sums : RUN_EARLY_TAIL;
}

/* Drains the pass's last domains; when enough are left, with the
 * directory step brought in line beside them on a thread of its own. A
 * failure of the early step is only logged: the step after the pass
 * does all the work then. */
static apr_status_t run_drain(oxt_repl_session_t *s, oxt_repl_t *repl,
                              apr_time_t *pearly, oxt_result_t *res)
{
    oxt_offload_t *o;
    run_early_t e;
    apr_time_t t0 = apr_time_now();
    apr_status_t rv;

    *pearly = 0;
    if (oxt_engine_active(s->engine) < RUN_EARLY_MIN
        || run_tail_left(s) < run_early_tail(s)) {
        return oxt_engine_drain(s->engine, res);
    }
    apr_pool_create(&e.p, repl->p);
    e.cfg = repl->cfg;
    e.psa = s->psa;
    e.res = oxt_result_make(e.p);
    e.engine = s->engine;
    e.eres = oxt_result_make(repl->p);
    e.failed = 0;
    rv = oxt_offload_make(&o, oxt_db_thread_begin, oxt_db_thread_end, e.p);
    if (rv == APR_SUCCESS) {
        rv = oxt_offload_run_busy(o, run_early_job, &e, run_early_turn, &e,
                                  RUN_EARLY_WAIT);
        if (rv != APR_SUCCESS) {
            oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, rv,
                           OXTLOGNO(04971) "the lists' directory not"
                           " brought in line beside the pass's last"
                           " domains (the step after the pass does it): %s",
                           oxt_result_text(e.res, repl->p));
        }
        *pearly = apr_time_now() - t0;
    }
    /* the thread joined and the job's connection closed */
    apr_pool_destroy(e.p);
    return oxt_engine_drain(s->engine, res);
}

/* The pass itself: spooled events, Webmail Now, due hints, every domain. */
static apr_status_t run_pass(oxt_repl_session_t *s, oxt_repl_t *repl,
                             oxt_result_t *res)
{
    const char *owner = apr_psprintf(repl->p, "run-%ld", (long)getpid());
    int replayed = 0, now = 0, more = 0;
    oxt_settings_t *now_settings = NULL;
    apr_time_t laps[RUN_LAPS] = { 0 }, at = apr_time_now();
    apr_status_t rv;

    rv = oxt_repl_pass_begin(s, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_event_spool_replay(&replayed, repl->cfg->spool_dir, s->psa,
                                    s->db, res, repl->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_now_apply(&now, s->db, s->psa, res, repl->p);
    }
    if (rv == APR_SUCCESS) {
        rv = run_queue(s, owner, res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_seats(s, 1, res);
    }
    run_lap(laps, RUN_BEFORE, &at);
    if (rv == APR_SUCCESS) {
        rv = oxt_engine_all(s->engine, res);
    }
    if (rv == APR_SUCCESS) {
        rv = run_drain(s, repl, &laps[RUN_EARLY], res);
    }
    rv = oxt_repl_pass_end(s, rv, 1, res);
    run_lap(laps, RUN_PASS, &at);
    /* What the pass left, for the pages. */
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_seats(s, 1, res);
    }
    run_lap(laps, RUN_SEATS, &at);
    if (rv == APR_SUCCESS) {
        oxt_repl_buttons_pass(repl, s->db, s->psa, repl->p);
    }
    run_lap(laps, RUN_BUTTONS, &at);
    /* Read once after the pass for the directory and the log's bound:
     * what the Settings page changed during the pass still applies, and
     * the two steps no longer read them each (three statements each). */
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_settings_now(&now_settings, s->db, res, repl->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_directory(repl, s->db, s->psa, now_settings, NULL,
                                res);
    }
    run_lap(laps, RUN_DIRECTORY, &at);
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_prune_logs(&more, s, now_settings,
                                 apr_time_from_sec(RUN_PRUNE_S), res);
    }
    run_lap(laps, RUN_PRUNE, &at);
    run_log_laps(laps);
    return rv;
}

/* Without a session (OX not configured yet, say) the lists' directory is
 * still filled, so the pages can be used to set things up; the run's
 * own failure is what it reports. Never into a database newer than our
 * migrations. */
static void run_directory_only(oxt_repl_t *repl)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_psa_t *psa;
    oxt_db_t *db;

    if (oxt_repl_db_open(&db, repl, res) == APR_SUCCESS
        && oxt_schema_check(db, repl->cfg->sql_dir, res, repl->p)
           == APR_SUCCESS
        && oxt_psa_open(&psa, db, repl->cfg, res, repl->p) == APR_SUCCESS
        && oxt_repl_directory(repl, db, psa, NULL, NULL, res)
           == APR_SUCCESS) {
        return;
    }
    oxt_repl_fail("directory: %s", oxt_result_text(res, repl->p));
}

/* Closes the run summary (even after a failure) and prints the counts;
 * returns the first failure. */
static apr_status_t run_end(oxt_repl_session_t *s, oxt_repl_t *repl,
                            apr_status_t rv, oxt_result_t **pres)
{
    oxt_result_t *endres = oxt_result_make(repl->p);

    if (s == NULL || s->engine == NULL) {
        return rv;
    }
    if (oxt_engine_run_end(s->engine, rv == APR_SUCCESS, endres)
        != APR_SUCCESS && rv == APR_SUCCESS) {
        rv = endres->status;
        *pres = endres;
    }
    if (run_print(repl, oxt_engine_stats(s->engine)) != APR_SUCCESS
        && rv == APR_SUCCESS) {
        rv = APR_EGENERAL;
        *pres = oxt_result_make(repl->p);
        oxt_result_set(*pres, rv, "Cannot write the summary", NULL);
    }
    return rv;
}

int oxt_repl_cmd_run(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_engine_opts_t opts = { 0 };
    oxt_repl_session_t *s = NULL;
    oxt_lock_t *lock = NULL;
    int stale;
    apr_status_t rv;

    (void)argv;
    if (argc > 1) {
        oxt_repl_fail("run takes no arguments");
        return OXT_REPL_EXIT_USAGE;
    }
    rv = oxt_repl_lock(&lock, repl, "run", &stale, res);
    if (rv == OXT_ELOCKED && stale) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, APR_SUCCESS,
                       OXTLOGNO(03400) "%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_STALE;
    }
    if (rv == OXT_ELOCKED) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                       OXTLOGNO(03020) "%s; this run has nothing to do",
                       oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_OK;
    }
    opts.automatic = 1;
    opts.on_page = run_on_page;
    opts.page_baton = lock;
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_session_open(&s, repl, 0, res);
        /* a newer database is a later release's: leave it alone */
        if (rv != APR_SUCCESS && rv != OXT_ESCHEMA) {
            run_directory_only(repl);
        }
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_session_engine(s, &opts, res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_engine_run_begin(s->engine, res);
    }
    if (rv == APR_SUCCESS) {
        rv = run_pass(s, repl, res);
    }
    rv = run_end(s, repl, rv, &res);
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    return OXT_REPL_EXIT_OK;
}
