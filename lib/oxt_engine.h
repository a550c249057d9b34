/*
 * oxt_engine.h — runs domain plans against OX: the pass over every domain
 * and the event loop; one domain's state machine is oxt_task.h, and all it
 * records goes through a store (oxt_store.h), so the engine runs no SQL.
 *
 * One thread drives many domains at once: each domain's operations run
 * one after the other (OX deadlocks on concurrent writes to one context),
 * different domains run in parallel on the SOAP client's connections
 * (bounded per OX host), up to opts.window domains in progress.
 *
 * Ordering and durability, per context. The engine works in turns; each
 * turn is one transaction of the store:
 *
 *   1. send the calls the tasks prepared in the previous turn (whose
 *      commit has made everything recorded before them durable), and
 *      start the tasks made since (they prepare their first calls);
 *   2. let the SOAP client run until some answers are in; each answer's
 *      callback records the outcome and prepares that context's next
 *      call, with its intent (what the call will change is written as
 *      unknown, oxt_store.h);
 *   3. commit.
 *
 * So an operation of a context goes out only after the outcome of the
 * one before it is durable, and only once what it changes is recorded as
 * unknown. A crash (a SIGKILL, a lost database) repeats at most the one
 * operation of each context that was in flight, and nothing is lost even
 * when Plesk changes back meanwhile: the next plan sends the unknown
 * values again. Every operation is safe to repeat: a create that finds
 * its object adopts it, a delete that finds nothing is done.
 *
 * Contexts do not wait for each other: the records of all contexts that
 * were answered in one turn share its commit (one disk flush), and while
 * a context waits for the commit its connection serves another context's
 * queued call; during the commit itself the SOAP client is pumped
 * (store->pump, oxt_soap_client_pump), so a connection that an answer
 * frees takes such a call at once, and the answer's callback runs in the
 * next turn. A batching of commits across contexts must keep the rule
 * above: a context's next call is sent only after the commit that holds
 * its previous outcome.
 *
 * One bad mailbox never holds back the others: its failure is logged,
 * queued with a backoff, and parked after the configured attempts; parked
 * and backing-off objects are left alone until they are due or retried.
 */
#ifndef OXT_ENGINE_H
#define OXT_ENGINE_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_ox.h"
#include "oxt_work.h"
#include "oxt_replog.h"
#include "oxt_store.h"

typedef struct oxt_engine_t oxt_engine_t;

/** Told about each operation: planned (dry run) or finished. */
typedef void oxt_engine_op_cb(void *baton, const oxt_work_t *work,
                              const oxt_op_t *op, apr_status_t rv,
                              const char *detail);

/** Called between pages of a full pass (at most a few thousand domains,
 *  or about two seconds of work, apart): lets the daemon work due hints
 *  so a long pass does not hold them back. */
typedef apr_status_t oxt_engine_page_cb(void *baton, oxt_result_t *res);

typedef struct oxt_engine_opts_t {
    int window;                 /* domains in progress at once */
    const char *scheduled_by;   /* for the log; "Automatic" by default */
    int automatic;              /* the run counts as an automatic one */
    int dry_run;                /* plan only: no OX call, no write */
    oxt_engine_op_cb *on_op;
    void *baton;
    oxt_engine_page_cb *on_page;
    void *page_baton;
} oxt_engine_opts_t;

/**
 * Where a run's time went, in wall-clock microseconds (apr_time_now): the
 * parts of the engine's turns, the store's writes inside them, and per
 * OX call the time from its send to its answer (its wait for a free
 * connection included) and from its answer to the next send of the same
 * context (the commit that must come between them, and the rest of the
 * turn). For the run's log line (OXT04350) and the benchmarks.
 */
typedef struct oxt_engine_profile_t {
    long long turns;
    apr_interval_time_t begin;      /* opening the turn's transaction */
    apr_interval_time_t send;       /* sending, starting new tasks */
    apr_interval_time_t run;        /* the SOAP client: waits, answers */
    apr_interval_time_t commit;
    long long writes;               /* intents, records, log rows */
    apr_interval_time_t write;      /* ... inside send and run */
    long long calls;
    apr_interval_time_t call;       /* send -> answer */
    long long gaps;
    apr_interval_time_t gap;        /* answer -> the context's next send */
    apr_time_t first_send;          /* the run's first call went out */
    apr_time_t last_answer;         /* its last answer came in */
    apr_time_t last_start;          /* the last domain's first call went
                                       out: from then on, the tail */
    /* full passes */
    long long pages;
    apr_interval_time_t page;       /* loading pages (store->page) */
    apr_interval_time_t psa, prefs, state, aliases;   /* its parts */
    apr_interval_time_t plan;       /* each domain's work and task made */
    apr_interval_time_t idle;       /* tasks done at once (a dry run's
                                       report of its plan included) */
} oxt_engine_profile_t;

typedef struct oxt_engine_stats_t {
    long long domains;
    long long ops_ok;           /* every OX operation (all kinds) */
    long long ops_failed;
    long long ops_skipped;      /* parked or backing off */
    oxt_run_counts_t counts;    /* per kind and per service type, counted
                                   with oxt_run_counts_add */
    oxt_engine_profile_t profile;
} oxt_engine_stats_t;

/**
 * An engine in p that keeps its records in store (oxt_store_db on the
 * oxtender database, used only by this thread) and calls OX through ox on
 * the SOAP client soap (both NULL for a dry run: APR_EINVAL otherwise).
 * env->settings must stay valid. key is our 32-byte secrets key.
 */
apr_status_t oxt_engine_create(oxt_engine_t **peng, oxt_store_t *store,
                               oxt_ox_t *ox, oxt_soap_client_t *soap,
                               const oxt_desired_env_t *env,
                               const unsigned char *key,
                               const oxt_engine_opts_t *opts, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Starts a run summary (for automatic runs); call before work. */
apr_status_t oxt_engine_run_begin(oxt_engine_t *eng, oxt_result_t *res)
    __attribute__((warn_unused_result));

/** Ends the run summary. */
apr_status_t oxt_engine_run_end(oxt_engine_t *eng, int ok, oxt_result_t *res)
    __attribute__((warn_unused_result));

/** Reloads which objects are parked or backing off (start of a batch). */
apr_status_t oxt_engine_refresh_blocked(oxt_engine_t *eng, oxt_result_t *res)
    __attribute__((warn_unused_result));

/**
 * Plans and starts domain dom_id; waits first while the window is full.
 * items (oxt_queue_item_t *, may be NULL) are the claimed hints this
 * domain answers: done or failed with it, under owner's lease.
 */
apr_status_t oxt_engine_domain(oxt_engine_t *eng, long long dom_id,
                               apr_array_header_t *items, const char *owner,
                               oxt_result_t *res)
    __attribute__((warn_unused_result));

/** Every domain of psa and every domain we replicated that psa lost, in
 *  id order, a page of many domains at a time (oxt_store_t.page). */
apr_status_t oxt_engine_all(oxt_engine_t *eng, oxt_result_t *res)
    __attribute__((warn_unused_result));

/**
 * oxt_engine_domain for each of ids (long long, ascending, distinct),
 * with its items from items_of (an id hash, oxt_util_id_set, of arrays
 * of oxt_queue_item_t *; none: NULL). Where the store can
 * (oxt_store_t.range), the domains' work is loaded many at a time, by
 * their ids (up to OXT_DB_IN_MAX in a few statements), rather than each
 * on its own: a burst's batch of hints names hundreds. A domain still in
 * progress is left out, waited for and loaded on its own.
 */
apr_status_t oxt_engine_domains(oxt_engine_t *eng,
                                const apr_array_header_t *ids,
                                apr_hash_t *items_of, const char *owner,
                                oxt_result_t *res)
    __attribute__((warn_unused_result));

/** How many started domains are not finished yet. */
int oxt_engine_active(const oxt_engine_t *eng);

/** The operations those domains have not sent yet (each has at most one
 *  more in flight). */
long long oxt_engine_ops_left(const oxt_engine_t *eng);

/** Whether domain dom_id is started and not finished yet: between turns
 *  (after oxt_engine_run_for) a domain that is not has all its records
 *  committed. */
int oxt_engine_busy(const oxt_engine_t *eng, long long dom_id);

/**
 * Lets the started domains go on for about budget (turns of the engine:
 * calls sent, answers recorded, commits), or until none is left: the
 * daemon feeds the engine batch after batch and looks for new hints in
 * between, where a drain would idle the connections while the last
 * domains finish.
 */
apr_status_t oxt_engine_run_for(oxt_engine_t *eng, apr_interval_time_t budget,
                                oxt_result_t *res)
    __attribute__((warn_unused_result));

/** Waits until every started domain is finished. */
apr_status_t oxt_engine_drain(oxt_engine_t *eng, oxt_result_t *res)
    __attribute__((warn_unused_result));

const oxt_engine_stats_t *oxt_engine_stats(const oxt_engine_t *eng);

#endif /* OXT_ENGINE_H */
