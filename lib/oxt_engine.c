/*
 * oxt_engine.c — see oxt_engine.h: the pass over all domains, the window
 * of domains in progress, and the event-loop turn whose records are
 * committed together. One domain's state machine is in oxt_task.c.
 */
#include <string.h>

#include <apr_strings.h>

#include "oxt_engine.h"
#include "oxt_task.h"
#include "oxt_log.h"
#include "oxt_offload.h"
#include "oxt_util.h"

/* How long a turn waits for an answer when it has nothing else to do. */
#define TURN_WAIT apr_time_from_msec(50)

/* While a commit runs on the helper thread, the SOAP client is pumped at
 * least this often (sooner when the commit ends). */
#define COMMIT_PUMP_EVERY 500

struct oxt_engine_t {
    apr_pool_t *p;
    oxt_soap_client_t *soap;
    oxt_desired_env_t env;
    oxt_engine_opts_t opts;
    oxt_task_host_t host;           /* what the tasks share */
    apr_pool_t *blocked_pool;       /* holds host.blocked */
    apr_pool_t *turn_pool;          /* a turn's result: cleared by the
                                       next, unless it became the fatal */
    int active;                     /* domains in progress */
    apr_array_header_t *fresh;      /* tasks to start in the next turn */
    apr_array_header_t *sending;    /* host.ready taken by a turn */
    apr_array_header_t *dead;       /* finished tasks to destroy */
    oxt_offload_t *offload;         /* the commits' thread, or NULL */
    apr_pool_t *job_pool;           /* the commit's result, on it */
    apr_hash_t *busy;               /* dom id -> its task in progress */
    apr_hash_t *pass_hinted;        /* in a full pass: the domains hints
                                       started (on_page), else NULL */
};

/* ---- the window of domains in progress ----------------------------------- */

/* A task finished: it is destroyed once no SOAP callback runs in it. */
static void engine_task_done(void *baton, oxt_task_t *task)
{
    oxt_engine_t *eng = baton;

    eng->active--;
    apr_hash_set(eng->busy, &oxt_task_work(task)->dom_id, sizeof(long long),
                 NULL);
    APR_ARRAY_PUSH(eng->dead, oxt_task_t *) = task;
}

static void engine_bury(oxt_engine_t *eng)
{
    apr_time_t now;
    int i;

    /* After the turn whose commit made their outcomes durable. */
    if (eng->dead->nelts > 0 && oxt_log_is_level(OXT_LOG_DEBUG)) {
        now = apr_time_now();
        for (i = 0; i < eng->dead->nelts; i++) {
            oxt_task_trail(APR_ARRAY_IDX(eng->dead, i, oxt_task_t *), now);
        }
    }
    for (i = 0; i < eng->dead->nelts; i++) {
        oxt_task_destroy(APR_ARRAY_IDX(eng->dead, i, oxt_task_t *));
    }
    eng->dead->nelts = 0;
}

/* Sends the calls prepared before the last commit, then starts the tasks
 * made since (which prepare their first calls). */
static void engine_send_and_start(oxt_engine_t *eng)
{
    apr_array_header_t *tmp;
    int i;

    /* Swapped first: a send that fails at once goes on in the task, which
     * may prepare its next call onto host.ready, for the next turn. */
    tmp = eng->sending;
    eng->sending = eng->host.ready;
    eng->host.ready = tmp;
    eng->host.ready->nelts = 0;
    for (i = 0; i < eng->sending->nelts; i++) {
        oxt_task_send(APR_ARRAY_IDX(eng->sending, i, oxt_task_t *));
    }
    eng->sending->nelts = 0;
    for (i = 0; i < eng->fresh->nelts
                && eng->host.fatal == APR_SUCCESS; i++) {
        oxt_task_start(APR_ARRAY_IDX(eng->fresh, i, oxt_task_t *));
    }
    eng->fresh->nelts = 0;
}

/* ---- the commit, on the helper thread ------------------------------------ */

typedef struct engine_job_t {
    oxt_store_t *st;
    oxt_result_t *res;              /* in job_pool */
} engine_job_t;

static apr_status_t engine_commit_job(void *baton)
{
    engine_job_t *job = baton;

    return job->st->commit(job->st->baton, job->res);
}

static void engine_pump(void *baton)
{
    oxt_soap_client_pump(baton);
}

/* The turn's commit runs on the helper thread (oxt_offload.h) while this
 * one keeps the connections busy: answers are read and queued calls take
 * the connections they free; the answers' callbacks wait for the next
 * turn, so nothing is recorded into the commit under way. The store's
 * own pump between its statements is off meanwhile: only this thread
 * drives the SOAP client. */
static apr_status_t engine_commit(oxt_engine_t *eng, oxt_result_t *res)
{
    oxt_store_t *st = eng->host.store;
    engine_job_t job;
    apr_status_t rv;

    if (eng->offload == NULL) {
        return st->commit(st->baton, res);
    }
    apr_pool_clear(eng->job_pool);
    job.st = st;
    job.res = oxt_result_make(eng->job_pool);
    st->pump = NULL;
    rv = oxt_offload_run(eng->offload, engine_commit_job, &job, engine_pump,
                         eng->soap, COMMIT_PUMP_EVERY);
    st->pump = engine_pump;
    if (rv != APR_SUCCESS) {
        oxt_result_set(res, rv, job.res->problem ? job.res->problem
                                                 : "Cannot commit",
                       "%s", job.res->detail ? job.res->detail : "");
    }
    return rv;
}

/* One turn: send what the last turn prepared, start new tasks, let the
 * SOAP client run until some answers are in (their callbacks record the
 * outcomes and prepare the next calls), commit.
 *
 * Nothing is sent between a record and the commit that makes it durable:
 * the calls prepared in a turn go out at the start of the next, after
 * the commit. So for each context every success is durable before its
 * next operation goes out, and a crash repeats at most the one operation
 * of each context that was in flight (whose values its intent put in
 * doubt). The records of all contexts answered in one turn share one
 * commit (one disk flush), so commits batch across contexts as the load
 * grows. */
static apr_status_t engine_turn(oxt_engine_t *eng)
{
    oxt_store_t *st = eng->host.store;
    oxt_result_t *res;
    apr_status_t rv, trv;

    oxt_engine_profile_t *pr = &eng->host.stats.profile;
    apr_time_t t0 = apr_time_now(), t1, t2, t3;

    /* A daemon's run stays open for as long as work comes, days on a
     * busy host: nothing of a turn may stay in the engine's pool. A
     * fatal result is kept (the engine stops with it). */
    if (eng->host.fatal == APR_SUCCESS) {
        apr_pool_clear(eng->turn_pool);
    }
    res = oxt_result_make(eng->turn_pool);
    trv = st->begin(st->baton, res);
    if (trv != APR_SUCCESS) {
        oxt_task_fatal(&eng->host, trv, res);
        return trv;
    }
    t1 = apr_time_now();
    engine_send_and_start(eng);
    t2 = apr_time_now();
    /* Calls prepared already want the commit, not a wait. */
    rv = oxt_soap_client_run_some(eng->soap, eng->host.ready->nelts > 0
                                             ? 0 : TURN_WAIT);
    t3 = apr_time_now();
    /* Committed even after a failure inside the turn: what was recorded
     * before it is true. */
    trv = engine_commit(eng, res);
    if (trv != APR_SUCCESS) {
        oxt_task_fatal(&eng->host, trv, res);
    }
    pr->turns++;
    pr->begin += t1 - t0;
    pr->send += t2 - t1;
    pr->run += t3 - t2;
    pr->commit += apr_time_now() - t3;
    return rv;
}

/* Whether engine_wait goes on: more than limit domains in progress, or
 * domain dom_id (0: none) among them. */
static int engine_waits(const oxt_engine_t *eng, int limit, long long dom_id)
{
    return eng->host.fatal == APR_SUCCESS
           && (eng->active > limit
               || (dom_id != 0 && oxt_util_id_get(eng->busy, dom_id)));
}

/* One turn, and the tasks it finished destroyed; a stall (a task that
 * neither waits for OX nor has a call to send: a bug, and turning again
 * would spin) is made the run's failure. */
static apr_status_t engine_step(oxt_engine_t *eng, int limit,
                                long long dom_id)
{
    apr_status_t rv = engine_turn(eng);

    engine_bury(eng);
    if (rv != APR_SUCCESS && rv != APR_TIMEUP) {
        return rv;
    }
    if (engine_waits(eng, limit, dom_id) && eng->host.ready->nelts == 0
        && eng->fresh->nelts == 0
        && oxt_soap_client_pending(eng->soap) == 0) {
        oxt_result_t *stall = oxt_result_make(eng->p);

        oxt_result_set(stall, APR_EGENERAL, "Replication stalled",
                       "%d domains in progress, nothing to wait for",
                       eng->active);
        oxt_task_fatal(&eng->host, APR_EGENERAL, stall);
    }
    return APR_SUCCESS;
}

/* Nothing in progress any more: what the turns' commits left for later
 * (the last contact with OX: oxt_store_t.flush) is written; a failure
 * costs that record only. */
static void engine_flush(oxt_engine_t *eng)
{
    oxt_store_t *st = eng->host.store;
    oxt_result_t *res;

    if (st->flush == NULL || eng->active > 0 || eng->opts.dry_run) {
        return;
    }
    res = oxt_result_make(eng->turn_pool);
    if (st->flush(st->baton, res) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, res->status,
                       OXTLOGNO(04948) "the last contact with OX not"
                       " recorded: %s",
                       oxt_result_text(res, eng->turn_pool));
    }
}

static apr_status_t engine_wait(oxt_engine_t *eng, int limit,
                                long long dom_id)
{
    apr_status_t rv;

    while (engine_waits(eng, limit, dom_id)) {
        rv = engine_step(eng, limit, dom_id);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    engine_bury(eng);
    if (eng->host.fatal == APR_SUCCESS) {
        engine_flush(eng);
    }
    return eng->host.fatal;
}

/* The failure that stopped the run, in res. */
static apr_status_t engine_failed(oxt_engine_t *eng, apr_status_t rv,
                                  oxt_result_t *res)
{
    const oxt_result_t *f = eng->host.fatal_res;

    return oxt_result_set(res, rv, f->problem ? f->problem
                                              : "Replication failed",
                          "%s", f->detail ? f->detail : "");
}

/* ---- life cycle ---------------------------------------------------------- */

/* The commits' thread; without it the commits run on this thread, the
 * SOAP client pumped between their statements. */
static void engine_offload(oxt_engine_t *eng)
{
    apr_status_t rv;

    if (eng->opts.dry_run) {
        return;
    }
    apr_pool_create(&eng->job_pool, eng->p);
    rv = oxt_offload_make(&eng->offload, eng->host.store->thread_begin,
                          eng->host.store->thread_end, eng->p);
    if (rv != APR_SUCCESS) {
        eng->offload = NULL;
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, rv,
                       OXTLOGNO(04561) "the commits run on the engine's"
                       " thread: no thread for them");
    }
}

apr_status_t oxt_engine_create(oxt_engine_t **peng, oxt_store_t *store,
                               oxt_ox_t *ox, oxt_soap_client_t *soap,
                               const oxt_desired_env_t *env,
                               const unsigned char *key,
                               const oxt_engine_opts_t *opts, apr_pool_t *p)
{
    oxt_engine_t *eng = apr_pcalloc(p, sizeof(*eng));

    if (!opts->dry_run && (ox == NULL || soap == NULL)) {
        return APR_EINVAL;
    }
    eng->p = p;
    eng->soap = soap;
    eng->env = *env;
    eng->opts = *opts;
    if (eng->opts.window < 1) {
        eng->opts.window = 16;
    }
    if (eng->opts.scheduled_by == NULL) {
        eng->opts.scheduled_by = "Automatic";
    }
    eng->dead = apr_array_make(p, 16, sizeof(oxt_task_t *));
    eng->busy = apr_hash_make(p);
    eng->fresh = apr_array_make(p, 16, sizeof(oxt_task_t *));
    eng->sending = apr_array_make(p, 16, sizeof(oxt_task_t *));
    eng->host.ready = apr_array_make(p, 16, sizeof(oxt_task_t *));
    eng->host.owners = eng->opts.automatic ? oxt_run_owners_make(p) : NULL;
    apr_pool_create(&eng->blocked_pool, p);
    apr_pool_create(&eng->turn_pool, p);
    eng->host.store = store;
    eng->host.ox = ox;
    eng->host.env = &eng->env;
    eng->host.key = key;
    eng->host.opts = &eng->opts;
    eng->host.blocked = apr_hash_make(eng->blocked_pool);
    eng->host.fatal_res = oxt_result_make(p);
    eng->host.done = engine_task_done;
    eng->host.done_baton = eng;
    /* Every SOAP call is counted for the metrics inside the turn that
     * records its outcome (oxt_store.h). */
    if (soap != NULL) {
        oxt_soap_client_observe(soap, store->count_call, store->baton);
        store->pump = engine_pump;
        store->pump_baton = soap;
        engine_offload(eng);
    }
    *peng = eng;
    return APR_SUCCESS;
}

const oxt_engine_stats_t *oxt_engine_stats(const oxt_engine_t *eng)
{
    return &eng->host.stats;
}

apr_status_t oxt_engine_run_begin(oxt_engine_t *eng, oxt_result_t *res)
{
    oxt_store_t *st = eng->host.store;

    if (eng->opts.dry_run) {
        return APR_SUCCESS;
    }
    return st->run_start(st->baton, &eng->host.run_id, eng->opts.automatic,
                         res, eng->p);
}

static double ms(apr_interval_time_t t)
{
    return (double)t / 1000.0;
}

static double per(apr_interval_time_t t, long long n)
{
    return n > 0 ? ms(t) / (double)n : 0.0;
}

/* The OX work after the last domain's first call went out: 0 when no
 * answer came after it (that call could not be sent, say). */
static apr_interval_time_t engine_tail(const oxt_engine_profile_t *pr)
{
    apr_time_t from = pr->last_start > pr->first_send ? pr->last_start
                                                     : pr->first_send;

    return pr->last_answer > from ? pr->last_answer - from : 0;
}

/* Where the run's time went (oxt_engine_profile_t), when it called OX. */
static void engine_log_profile(const oxt_engine_t *eng)
{
    const oxt_engine_profile_t *pr = &eng->host.stats.profile;
    oxt_soap_profile_t sp;

    if (pr->calls == 0) {
        return;
    }
    memset(&sp, 0, sizeof(sp));
    if (eng->soap != NULL) {
        oxt_soap_client_profile(eng->soap, &sp);
    }
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                   OXTLOGNO(04350) "engine profile: %" APR_INT64_T_FMT
                   " turns (begin %.0f, send %.0f, soap %.0f, commit %.0f"
                   " ms; commit %.2f ms a turn); %" APR_INT64_T_FMT
                   " writes %.0f ms (%.2f ms each); %" APR_INT64_T_FMT
                   " calls, send->answer %.2f ms, answer->next send %.2f"
                   " ms (%" APR_INT64_T_FMT "); first send to last answer"
                   " %.0f ms, of it %.0f ms after the last domain's first"
                   " call; SOAP client %" APR_INT64_T_FMT " calls: queued %.2f,"
                   " on the wire %.2f, answer in->callback %.2f ms each",
                   (apr_int64_t)pr->turns,
                   ms(pr->begin), ms(pr->send), ms(pr->run), ms(pr->commit),
                   per(pr->commit, pr->turns), (apr_int64_t)pr->writes,
                   ms(pr->write), per(pr->write, pr->writes),
                   (apr_int64_t)pr->calls, per(pr->call, pr->calls),
                   per(pr->gap, pr->gaps), (apr_int64_t)pr->gaps,
                   ms(pr->last_answer - pr->first_send), ms(engine_tail(pr)),
                   (apr_int64_t)sp.calls, per(sp.queued, sp.calls),
                   per(sp.wire, sp.calls), per(sp.held, sp.calls));
}

apr_status_t oxt_engine_run_end(oxt_engine_t *eng, int ok, oxt_result_t *res)
{
    oxt_store_t *st = eng->host.store;

    engine_log_profile(eng);
    if (eng->opts.dry_run || eng->host.run_id == 0) {
        return APR_SUCCESS;
    }
    return st->run_update(st->baton, eng->host.run_id,
                          &eng->host.stats.counts, eng->host.owners, 1,
                          ok && eng->host.fatal == APR_SUCCESS, res, eng->p);
}

apr_status_t oxt_engine_refresh_blocked(oxt_engine_t *eng, oxt_result_t *res)
{
    oxt_store_t *st = eng->host.store;
    apr_status_t rv;

    apr_pool_clear(eng->blocked_pool);
    rv = st->blocked(st->baton, &eng->host.blocked, res, eng->blocked_pool);
    if (rv != APR_SUCCESS) {
        eng->host.blocked = apr_hash_make(eng->blocked_pool);
    }
    return rv;
}

/* ---- domains ------------------------------------------------------------- */

/* Starts domain dom_id with its work from load (the store's, or a
 * page's). A domain still in progress (a hint's, fed while the last
 * batch's domains run) is waited for first, and then loaded afresh: one
 * context, one writer, and a plan made before its last outcomes were
 * recorded would send them again. */
static apr_status_t engine_start(oxt_engine_t *eng, long long dom_id,
                                 oxt_task_load_fn *load, void *load_baton,
                                 apr_array_header_t *items,
                                 const char *owner, oxt_result_t *res)
{
    oxt_engine_profile_t *pr = &eng->host.stats.profile;
    oxt_obj_t dom;
    oxt_task_t *t;
    apr_time_t t0;
    apr_status_t rv;

    if (oxt_util_id_get(eng->busy, dom_id) != NULL) {
        load = NULL;
    }
    rv = engine_wait(eng, eng->opts.window - 1, dom_id);
    if (rv != APR_SUCCESS) {
        return engine_failed(eng, rv, res);
    }
    dom.type = OXT_OBJ_DOMAIN;
    dom.id = dom_id;
    if (items == NULL && oxt_obj_get(eng->host.blocked, dom) != NULL) {
        eng->host.stats.ops_skipped++;
        return APR_SUCCESS;
    }
    t0 = apr_time_now();
    rv = load != NULL
       ? oxt_task_make_with(&t, &eng->host, dom_id, load, load_baton, items,
                            owner, res, eng->p)
       : oxt_task_make(&t, &eng->host, dom_id, items, owner, res, eng->p);
    pr->plan += apr_time_now() - t0;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    eng->active++;
    /* keyed by the task's own copy of the id: nothing allocated per
     * domain in the engine's pool, which lives as long as the run */
    apr_hash_set(eng->busy, &oxt_task_work(t)->dom_id, sizeof(long long), t);
    if (oxt_task_is_idle(t)) {
        /* Nothing to write or send (a dry run, a settled domain): done
         * now, and not inside a SOAP callback, so it can go at once. */
        t0 = apr_time_now();
        oxt_task_start(t);
        engine_bury(eng);
        pr->idle += apr_time_now() - t0;
        return APR_SUCCESS;
    }
    /* Started inside the next turn, whose commit precedes its calls. */
    APR_ARRAY_PUSH(eng->fresh, oxt_task_t *) = t;
    return APR_SUCCESS;
}

/* A domain started outside the pass while a pass runs (a hint worked
 * between its pages) is remembered: the pass's page of it may have been
 * read (ahead) before the hint's outcomes were recorded, and a plan from
 * those rows would send them again, so the pass loads it afresh. */
static void engine_note_hinted(oxt_engine_t *eng, long long dom_id)
{
    if (eng->pass_hinted != NULL) {
        oxt_util_id_set(eng->pass_hinted, dom_id, eng);
    }
}

apr_status_t oxt_engine_domain(oxt_engine_t *eng, long long dom_id,
                               apr_array_header_t *items, const char *owner,
                               oxt_result_t *res)
{
    engine_note_hinted(eng, dom_id);
    return engine_start(eng, dom_id, NULL, NULL, items, owner, res);
}

apr_status_t oxt_engine_drain(oxt_engine_t *eng, oxt_result_t *res)
{
    apr_status_t rv = engine_wait(eng, 0, 0);

    return rv == APR_SUCCESS ? APR_SUCCESS : engine_failed(eng, rv, res);
}

int oxt_engine_active(const oxt_engine_t *eng)
{
    return eng->active;
}

long long oxt_engine_ops_left(const oxt_engine_t *eng)
{
    apr_hash_index_t *hi;
    long long n = 0;

    for (hi = apr_hash_first(NULL, eng->busy); hi; hi = apr_hash_next(hi)) {
        n += oxt_task_ops_left(apr_hash_this_val(hi));
    }
    return n;
}

int oxt_engine_busy(const oxt_engine_t *eng, long long dom_id)
{
    return oxt_util_id_get(eng->busy, dom_id) != NULL;
}

apr_status_t oxt_engine_run_for(oxt_engine_t *eng, apr_interval_time_t budget,
                                oxt_result_t *res)
{
    apr_time_t until = apr_time_now() + budget;
    apr_status_t rv;

    /* a turn at a time: each waits at most TURN_WAIT for answers */
    while (engine_waits(eng, 0, 0) && apr_time_now() < until) {
        rv = engine_step(eng, 0, 0);
        if (rv != APR_SUCCESS) {
            return engine_failed(eng, rv, res);
        }
    }
    if (eng->host.fatal == APR_SUCCESS) {
        engine_flush(eng);
    }
    return eng->host.fatal == APR_SUCCESS ? APR_SUCCESS
                                          : engine_failed(eng,
                                                          eng->host.fatal,
                                                          res);
}

/* ---- many domains (a queue batch's) --------------------------------------- */

/* Fewer hinted domains than this are loaded one by one: a list's
 * statements (about seven, whatever its length) cost more than so few
 * domains' own. */
#define DOMAINS_RANGE_MIN 4

/* The items of dom_id in items_of, NULL for none (oxt_engine_domain). */
static apr_array_header_t *engine_items(apr_hash_t *items_of, long long id)
{
    apr_array_header_t *items = oxt_util_id_get(items_of, id);

    return items != NULL && items->nelts > 0 ? items : NULL;
}

/* Starts ids[*pi] and up to OXT_DB_IN_MAX - 1 after it, the work of
 * those not in progress loaded together, by their ids alone (the hinted
 * domains of a batch are spread among all the others: a range holding
 * them read those too). A domain in progress is not in the list: what
 * the list read of it would be stale, even once it has finished by the
 * time its turn to start comes (the window full, turns run in between),
 * so it loads afresh on its own (engine_start), as does one that neither
 * psa nor we know (its hints are still done with it). *pi moves past
 * them. */
static apr_status_t engine_range(oxt_engine_t *eng,
                                 const apr_array_header_t *ids, int *pi,
                                 apr_hash_t *items_of, const char *owner,
                                 oxt_result_t *res, apr_pool_t *pp)
{
    oxt_store_t *st = eng->host.store;
    oxt_store_page_t *page;
    const long long *v = (const long long *)ids->elts;
    const long long *held;
    int n = ids->nelts - *pi < OXT_DB_IN_MAX ? ids->nelts - *pi
                                             : OXT_DB_IN_MAX;
    apr_array_header_t *list = apr_array_make(pp, n, sizeof(long long));
    char *stale = apr_pcalloc(pp, (apr_size_t)n);
    apr_time_t t0 = apr_time_now();
    int j, i;
    apr_status_t rv;

    for (j = 0; j < n; j++) {
        stale[j] = oxt_util_id_get(eng->busy, v[*pi + j]) != NULL;
        if (!stale[j]) {
            APR_ARRAY_PUSH(list, long long) = v[*pi + j];
        }
    }
    rv = list->nelts > 0 ? st->range(st->baton, &page, list, res, pp)
                         : APR_SUCCESS;
    eng->host.stats.profile.plan += apr_time_now() - t0;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    held = list->nelts > 0 ? (const long long *)page->ids->elts : NULL;
    for (i = 0, j = 0; rv == APR_SUCCESS && i < n; i++) {
        while (held != NULL && j < page->ids->nelts && held[j] < v[*pi + i]) {
            j++;
        }
        rv = held != NULL && j < page->ids->nelts && held[j] == v[*pi + i]
             && !stale[i]
           ? engine_start(eng, v[*pi + i], page->work, page->page_baton,
                          engine_items(items_of, v[*pi + i]), owner, res)
           : engine_start(eng, v[*pi + i], NULL, NULL,
                          engine_items(items_of, v[*pi + i]), owner, res);
    }
    *pi += i;
    return rv;
}

apr_status_t oxt_engine_domains(oxt_engine_t *eng,
                                const apr_array_header_t *ids,
                                apr_hash_t *items_of, const char *owner,
                                oxt_result_t *res)
{
    oxt_store_t *st = eng->host.store;
    apr_pool_t *pp;
    long long id;
    int i = 0;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; i < ids->nelts; i++) {
        engine_note_hinted(eng, APR_ARRAY_IDX(ids, i, long long));
    }
    i = 0;
    apr_pool_create(&pp, eng->p);
    while (rv == APR_SUCCESS && i < ids->nelts) {
        id = APR_ARRAY_IDX(ids, i, long long);
        if (st->range == NULL || ids->nelts - i < DOMAINS_RANGE_MIN
            || oxt_util_id_get(eng->busy, id) != NULL) {
            rv = engine_start(eng, id, NULL, NULL,
                              engine_items(items_of, id), owner, res);
            i++;
            continue;
        }
        apr_pool_clear(pp);
        rv = engine_range(eng, ids, &i, items_of, owner, res, pp);
    }
    apr_pool_destroy(pp);
    return rv;
}

/* ---- full pass ----------------------------------------------------------- */

/* The store's page, timed for the profile. */
static apr_status_t engine_page(oxt_engine_t *eng, oxt_store_page_t **ppage,
                                long long after, oxt_result_t *res,
                                apr_pool_t *pp)
{
    oxt_store_t *st = eng->host.store;
    oxt_engine_profile_t *pr = &eng->host.stats.profile;
    apr_time_t t0 = apr_time_now();
    apr_status_t rv = st->page(st->baton, ppage, after, res, pp);

    pr->page += apr_time_now() - t0;
    if (rv == APR_SUCCESS) {
        pr->pages++;
        pr->psa += (*ppage)->took_psa;
        pr->prefs += (*ppage)->took_prefs;
        pr->state += (*ppage)->took_state;
        pr->aliases += (*ppage)->took_aliases;
    }
    return rv;
}

/* Where a full pass's time went, so far in this engine. */
static void engine_log_pass(const oxt_engine_t *eng)
{
    const oxt_engine_profile_t *pr = &eng->host.stats.profile;

    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                   OXTLOGNO(04351) "pass profile: %" APR_INT64_T_FMT
                   " pages loaded in %.0f ms (psa %.0f, preferences %.0f,"
                   " our state %.0f, psa's mailbox aliases %.0f ms); work"
                   " planned in %.0f ms; settled or dry-run domains done in"
                   " %.0f ms", (apr_int64_t)pr->pages, ms(pr->page),
                   ms(pr->psa), ms(pr->prefs), ms(pr->state),
                   ms(pr->aliases), ms(pr->plan), ms(pr->idle));
}

/* A page's work is copied into each task's pool, so the page can go as
 * soon as its domains are started, while some of them still run. */
apr_status_t oxt_engine_all(oxt_engine_t *eng, oxt_result_t *res)
{
    oxt_store_page_t *page;
    apr_pool_t *pp, *hp;
    long long after = 0, id;
    int i, more;
    apr_status_t rv;

    apr_pool_create(&pp, eng->p);
    apr_pool_create(&hp, eng->p);
    eng->pass_hinted = apr_hash_make(hp);
    do {
        apr_pool_clear(pp);
        rv = engine_page(eng, &page, after, res, pp);
        more = rv == APR_SUCCESS && page->more;
        for (i = 0; rv == APR_SUCCESS && i < page->ids->nelts; i++) {
            id = APR_ARRAY_IDX(page->ids, i, long long);
            rv = oxt_util_id_get(eng->pass_hinted, id) != NULL
               ? engine_start(eng, id, NULL, NULL, NULL, NULL, res)
               : engine_start(eng, id, page->work, page->page_baton, NULL,
                              NULL, res);
        }
        if (rv == APR_SUCCESS) {
            after = page->last;
        }
        if (rv == APR_SUCCESS && eng->opts.on_page) {
            rv = eng->opts.on_page(eng->opts.page_baton, res);
        }
    } while (rv == APR_SUCCESS && more);
    eng->pass_hinted = NULL;
    apr_pool_destroy(hp);
    apr_pool_destroy(pp);
    engine_log_pass(eng);
    return rv;
}
