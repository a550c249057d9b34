/*
 * oxt_repl_cmd_daemon.c — "oxtender-replicator daemon": near-real-time
 * replication, for systemd (conf/oxtender-replicator.service).
 *
 * It holds the replicator lock for its whole life (so a cron "run" then
 * has nothing to do), polls the queue a few times a second so an event's
 * change reaches OX within a second, and walks every domain every
 * daemon_full_pass_s seconds. A lost database connection is retried with
 * a growing pause; SIGTERM or SIGINT stops it after the current batch.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "oxt_schema.h"
#include "oxt_repl.h"
#include "oxt_beat.h"
#include "oxt_event.h"
#include "oxt_now.h"
#include "oxt_log.h"

#define DAEMON_POLL_MS     100
#define DAEMON_IDLE_CLOSE  apr_time_from_sec(30)
#define DAEMON_RETRY_MAX_S 60
/* The log is kept bounded every minute, half a second at a time (every
 * turn while it is behind, or while the Logs page index's build has
 * chunks left), so the queue never waits for it long. */
#define DAEMON_PRUNE_EVERY apr_time_from_sec(60)
#define DAEMON_PRUNE_BUDGET apr_time_from_msec(500)

static volatile sig_atomic_t daemon_stop;

static void daemon_on_signal(int sig)
{
    (void)sig;
    daemon_stop = 1;
}

static void daemon_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = daemon_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

typedef struct {
    oxt_repl_t *repl;
    oxt_lock_t *lock;              /* touched every turn and page */
    oxt_repl_session_t *s;
    const char *owner;
    int run_open;                  /* a run_summary row is open */
    apr_time_t last_work;
    apr_time_t last_full;
    apr_time_t last_beat;          /* replicator_heartbeat written */
    apr_time_t last_prune;
    int prune_more;                /* the log is behind its limits, or
                                      the page index is being built
                                      (oxt_repl_prune_logs) */
    apr_time_t last_directory;     /* filled without a session */
    int handoff_told;              /* why the spool's hand-off lock is
                                      not ours was logged */
    oxt_repl_hints_t *hints;       /* the handlers' socket, or NULL */
} daemon_t;

static void daemon_sleep_ms(int ms)
{
    while (ms > 0 && !daemon_stop) {
        apr_sleep(apr_time_from_msec(ms > 100 ? 100 : ms));
        ms -= 100;
    }
}

/* The spool's events into the queue: the handlers' fallback (the socket
 * failed them, or no daemon took them), said when there were any. */
static apr_status_t daemon_replay(daemon_t *d, oxt_result_t *res)
{
    int replayed = 0;
    apr_status_t rv = oxt_event_spool_replay(&replayed,
                                             d->repl->cfg->spool_dir,
                                             d->s->psa, d->s->db, res,
                                             d->s->p);

    if (replayed > 0) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                       OXTLOGNO(04906) "%d spooled events queued",
                       replayed);
    }
    return rv;
}

/* The idle poll: over as soon as the handlers' socket commits hints. */
static void daemon_idle(daemon_t *d)
{
    if (!daemon_stop) {
        (void)oxt_repl_hints_wait(d->hints,
                                  apr_time_from_msec(DAEMON_POLL_MS));
    }
}

/* The pages tell people "within seconds" while this beats (oxt_beat.h). */
static apr_status_t daemon_beat(daemon_t *d, oxt_result_t *res)
{
    apr_time_t t = apr_time_now();
    char host[256];
    apr_status_t rv;

    if (d->last_beat != 0
        && t - d->last_beat < apr_time_from_sec(OXT_BEAT_EVERY_S)) {
        return APR_SUCCESS;
    }
    if (d->last_beat != 0) {
        rv = oxt_beat_touch(d->s->db, res, d->s->p);
    }
    else {
        if (gethostname(host, sizeof(host)) != 0) {
            host[0] = '\0';
        }
        host[sizeof(host) - 1] = '\0';
        rv = oxt_beat_start(d->s->db, (long)getpid(), host, res, d->s->p);
    }
    if (rv == APR_SUCCESS) {
        d->last_beat = t;
    }
    return rv;
}

/* Between pages of a full pass (which takes minutes at a million
 * mailboxes): the hints that came in meanwhile, so they still reach OX
 * within about a second. */
static apr_status_t daemon_between_pages(void *baton, oxt_result_t *res)
{
    daemon_t *d = baton;
    int claimed = 0, all = 0;
    apr_status_t rv;

    if (daemon_stop) {
        return APR_EINTR;
    }
    oxt_lock_touch(d->lock);
    rv = daemon_beat(d, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* The pass's domains in flight finish first: a hinted domain must
     * never be worked twice at once (one context, one writer). */
    rv = oxt_engine_drain(d->s->engine, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = daemon_replay(d, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_queue_batch(&claimed, &all, d->s, d->owner, res);
    }
    return rv;
}

static apr_status_t daemon_open_run(daemon_t *d, oxt_result_t *res)
{
    oxt_engine_opts_t opts = { 0 };
    apr_status_t rv;

    if (d->run_open) {
        return oxt_engine_refresh_blocked(d->s->engine, res);
    }
    opts.automatic = 1;
    opts.on_page = daemon_between_pages;
    opts.page_baton = d;
    rv = oxt_repl_session_engine(d->s, &opts, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_engine_run_begin(d->s->engine, res);
    }
    d->run_open = rv == APR_SUCCESS;
    return rv;
}

static apr_status_t daemon_close_run(daemon_t *d, int ok, oxt_result_t *res)
{
    if (!d->run_open) {
        return APR_SUCCESS;
    }
    d->run_open = 0;
    return oxt_engine_run_end(d->s->engine, ok, res);
}

/* The full pass (its time has come, or a hint asked for everything). */
static apr_status_t daemon_full_pass(daemon_t *d, oxt_result_t *res)
{
    int whole;
    /* The pass loads the seats afresh: nothing may be in progress (the
     * batches leave their domains running). */
    apr_status_t rv = oxt_engine_drain(d->s->engine, res);

    rv = rv == APR_SUCCESS ? oxt_repl_pass_begin(d->s, res) : rv;
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_seats(d->s, 1, res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_engine_all(d->s->engine, res);
    }
    whole = rv == APR_SUCCESS;
    if (rv == APR_SUCCESS || rv == APR_EINTR) {
        /* Also when stopping (EINTR): what is in flight is finished;
         * the next pass starts over. */
        rv = oxt_engine_drain(d->s->engine, res);
    }
    rv = oxt_repl_pass_end(d->s, rv, whole, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_seats(d->s, 1, res);
    }
    if (rv == APR_SUCCESS) {
        oxt_repl_buttons_pass(d->repl, d->s->db, d->s->psa, d->s->p);
        rv = oxt_repl_directory(d->repl, d->s->db, d->s->psa, NULL, NULL,
                                res);
    }
    return rv;
}

/* One turn: spooled events, Webmail Now requests, due hints, and the
 * full pass when its time has come. Returns whether there was work. */
static apr_status_t daemon_turn(int *pworked, daemon_t *d, oxt_result_t *res)
{
    int now = 0, claimed = 0, all = 0;
    apr_time_t t = apr_time_now();
    int full = t - d->last_full
               >= apr_time_from_sec(d->repl->cfg->daemon_full_pass_s);
    apr_status_t rv;

    oxt_lock_touch(d->lock);
    rv = daemon_beat(d, res);
    if (rv == APR_SUCCESS) {
        rv = daemon_replay(d, res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_now_apply(&now, d->s->db, d->s->psa, res, d->s->p);
    }
    if (rv == APR_SUCCESS) {
        rv = daemon_open_run(d, res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_queue_batch(&claimed, &all, d->s, d->owner, res);
    }
    if (rv == APR_SUCCESS && (full || all)) {
        rv = daemon_full_pass(d, res);
        d->last_full = t;
    }
    if (rv == APR_SUCCESS && (d->prune_more
                              || t - d->last_prune >= DAEMON_PRUNE_EVERY)) {
        rv = oxt_repl_prune_logs(&d->prune_more, d->s, NULL,
                                 DAEMON_PRUNE_BUDGET, res);
        d->last_prune = t;
    }
    /* A build's chunks go on next turn (not a minute later), but after
     * the poll's sleep, as after an idle turn: a build is no queue work
     * and no deletes behind the limits, so it neither keeps the daemon
     * from sleeping for as long as it lasts (half a minute at a million
     * rows, turn after turn) nor keeps the run open as work does. */
    *pworked = claimed > 0 || full || all
               || d->prune_more == OXT_REPL_PRUNE_BEHIND;
    if (*pworked) {
        d->last_work = t;
    }
    return rv;
}

static apr_status_t daemon_loop(daemon_t *d, oxt_result_t *res)
{
    int worked = 0;
    apr_status_t rv = APR_SUCCESS;

    while (!daemon_stop && rv == APR_SUCCESS) {
        rv = daemon_turn(&worked, d, res);
        if (rv == APR_SUCCESS && d->run_open && !worked
            && apr_time_now() - d->last_work > DAEMON_IDLE_CLOSE) {
            rv = daemon_close_run(d, 1, res);
        }
        if (rv == APR_SUCCESS && !worked) {
            daemon_idle(d);
        }
    }
    /* Stopping: the domains still running finish (their hints' leases
     * would otherwise hold them for LEASE_S). */
    if (rv == APR_SUCCESS && d->run_open) {
        rv = oxt_engine_drain(d->s->engine, res);
    }
    if (daemon_close_run(d, rv == APR_SUCCESS, oxt_result_make(d->s->p))
        != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                       OXTLOGNO(03031) "could not close the run summary");
    }
    if (daemon_stop && oxt_beat_stop(d->s->db, oxt_result_make(d->s->p),
                                     d->s->p) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                       OXTLOGNO(04000) "could not record that the daemon"
                       " stopped; the pages think it runs for another %d s",
                       OXT_BEAT_ALIVE_S);
    }
    return rv;
}

/* The metrics endpoint (metrics_listen), from the start: a stuck lock
 * that keeps the daemon waiting is what monitoring must see. Replication
 * goes on without it. */
static void daemon_endpoint(oxt_repl_t *repl)
{
    oxt_result_t *res = oxt_result_make(repl->p);

    if (oxt_repl_httpd_start(repl, res) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, res->status,
                       OXTLOGNO(03908) "%s", oxt_result_text(res, repl->p));
    }
}

/* Without a session (OX not configured yet, say) the lists' directory is
 * still kept, once per full-pass interval, so the pages can be used to
 * set things up (never into a database newer than our migrations). */
static void daemon_directory(daemon_t *d)
{
    oxt_repl_t *repl = d->repl;
    oxt_result_t *res;
    oxt_psa_t *psa;
    oxt_db_t *db;
    apr_pool_t *p;
    apr_time_t t = apr_time_now();

    if (d->last_directory != 0 && t - d->last_directory
        < apr_time_from_sec(repl->cfg->daemon_full_pass_s)) {
        return;
    }
    d->last_directory = t;
    apr_pool_create(&p, repl->p);
    res = oxt_result_make(p);
    {
        oxt_repl_t sub = *repl;

        sub.p = p;
        if (oxt_repl_db_open(&db, &sub, res) != APR_SUCCESS
            || oxt_schema_check(db, repl->cfg->sql_dir, res, p)
               != APR_SUCCESS
            || oxt_psa_open(&psa, db, repl->cfg, res, p) != APR_SUCCESS
            || oxt_repl_directory(&sub, db, psa, NULL, NULL, res)
               != APR_SUCCESS) {
            oxt_repl_fail("directory: %s", oxt_result_text(res, p));
        }
    }
    apr_pool_destroy(p);
}

/* The event handlers hand their hints to us through the spool for as
 * long as the session lives (sp): without a session (the database away)
 * they go back to writing them into the queue themselves, as they do when
 * no daemon runs. The spool is drained every turn, and every poll while
 * idle. */
static void daemon_handoff(daemon_t *d, apr_pool_t *sp)
{
    apr_status_t rv = oxt_event_spool_own(d->repl->cfg->spool_dir, sp);

    if (rv != APR_SUCCESS && !d->handoff_told) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, rv, OXTLOGNO(04580)
                       "event handlers write to the database themselves:"
                       " cannot lock %s/" OXT_EVENT_SPOOL_LOCK,
                       d->repl->cfg->spool_dir);
        d->handoff_told = 1;
    }
}

/* The handlers' socket, for the daemon's life (we hold its lock): while
 * a session holds the hand-off lock the handlers send their events there
 * and the thread commits them; without it (or the socket) they spool. */
static void daemon_socket(daemon_t *d)
{
    oxt_result_t *res = oxt_result_make(d->repl->p);

    if (oxt_repl_hints_start(&d->hints, d->repl, res) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, res->status,
                       OXTLOGNO(04902) "%s; event handlers spool their"
                       " events", oxt_result_text(res, d->repl->p));
    }
}

/* A session per connection: when the database goes away the session's
 * pool goes with it and a new one is made. */
static apr_status_t daemon_session(daemon_t *d, apr_pool_t *sp,
                                   oxt_result_t *res)
{
    oxt_repl_t sub = *d->repl;

    sub.p = sp;
    d->run_open = 0;
    d->last_beat = 0;
    return oxt_repl_session_open(&d->s, &sub, 0, res);
}

/* A cron run is finishing, or something holds the lock for good: wait,
 * and say so once if it is stale. */
static apr_status_t daemon_wait_lock(oxt_lock_t **lock, oxt_repl_t *repl,
                                     oxt_result_t *res)
{
    int stale = 0, told = 0;
    apr_status_t rv;

    while ((rv = oxt_repl_lock(lock, repl, "daemon", &stale, res))
           == OXT_ELOCKED && !daemon_stop) {
        if (stale && !told) {
            oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, APR_SUCCESS,
                           OXTLOGNO(03401) "%s",
                           oxt_result_text(res, repl->p));
            told = 1;
        }
        daemon_sleep_ms(1000);
    }
    return rv;
}

int oxt_repl_cmd_daemon(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    daemon_t d;
    oxt_lock_t *lock = NULL;
    apr_pool_t *sp;
    int pause = 1;
    apr_status_t rv;

    (void)argv;
    if (argc > 1) {
        oxt_repl_fail("daemon takes no arguments");
        return OXT_REPL_EXIT_USAGE;
    }
    daemon_signals();
    daemon_endpoint(repl);
    rv = daemon_wait_lock(&lock, repl, res);
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return daemon_stop ? OXT_REPL_EXIT_OK : OXT_REPL_EXIT_FAIL;
    }
    memset(&d, 0, sizeof(d));
    d.repl = repl;
    d.lock = lock;
    d.owner = apr_psprintf(repl->p, "daemon-%ld", (long)getpid());
    daemon_socket(&d);
    apr_pool_create(&sp, repl->p);
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                   OXTLOGNO(03032) "daemon started");
    while (!daemon_stop) {
        apr_pool_clear(sp);
        oxt_result_reset(res);
        rv = daemon_session(&d, sp, res);
        if (rv == APR_SUCCESS) {
            daemon_handoff(&d, sp);
            pause = 1;
            rv = daemon_loop(&d, res);
        }
        if (rv != APR_SUCCESS && !daemon_stop) {
            /* The session is over: its pool goes now, and the hand-off
             * lock with it, so that while we wait the handlers queue
             * their hints themselves (or spool them while the database
             * is away too, for whoever comes first), not hand them to a
             * daemon that takes none for up to DAEMON_RETRY_MAX_S. res
             * and its text are not in that pool. */
            apr_pool_clear(sp);
            d.s = NULL;
            daemon_directory(&d);
            oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, rv, OXTLOGNO(03033)
                           "%s; trying again in %d s",
                           oxt_result_text(res, repl->p), pause);
            daemon_sleep_ms(pause * 1000);
            pause = pause * 2 > DAEMON_RETRY_MAX_S ? DAEMON_RETRY_MAX_S
                                                   : pause * 2;
        }
    }
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                   OXTLOGNO(03034) "daemon stopped");
    return OXT_REPL_EXIT_OK;
}
