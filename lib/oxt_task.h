/*
 * oxt_task.h — one domain's replication: the state machine that runs the
 * domain's plan against OX, one operation after the other.
 *
 * This is the per-domain half of the engine; oxt_engine.c is the other
 * half (the pass over all domains, the turns and their commits) and the
 * only user of this header. A task:
 *
 *   - has at most one OX call out at a time: two operations of one
 *     context are never in flight together (OX deadlocks on concurrent
 *     writes to a context); many tasks run at once;
 *   - records every outcome through the store (oxt_store.h) right after
 *     OX answered, and logs each user operation; before a write goes out
 *     it tells the store what the write is about to change (store->
 *     intent), so that a crash before the outcome is recorded leaves
 *     those values unknown and the next plan sends them again;
 *   - never sends a call itself: it prepares the call and puts itself on
 *     host->ready, and the engine sends it (oxt_task_send) only after the
 *     commit that makes everything the task recorded so far durable. So a
 *     crash repeats at most the one call of each context that was out,
 *     and that call's values are in doubt, never wrongly recorded;
 *   - makes every operation safe to repeat: a create that finds its
 *     context or user reads it and adopts it (then sends what differs),
 *     a delete that finds nothing is done, a user rename that OX refuses
 *     (user names or primary addresses may not change) is applied
 *     without what was refused;
 *   - never writes to or deletes the context admin: a mailbox named like
 *     it is not replicable, a user that OX says is the admin is never
 *     adopted, and before the first change or delete of an existing user
 *     it learns the admin's OX id (getAdminId) to compare;
 *   - when finished, settles its claimed queue items: done, or failed
 *     with a backoff (objects nobody claimed are queued as failed).
 *
 * Every function runs on the engine's thread. Those that record (start,
 * send, and the SOAP callbacks they lead to) run inside one of the
 * engine's turns (the store's transaction).
 */
#ifndef OXT_TASK_H
#define OXT_TASK_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_ox.h"
#include "oxt_store.h"
#include "oxt_engine.h"

typedef struct oxt_task_t oxt_task_t;
typedef struct oxt_task_host_t oxt_task_host_t;

/** Told when a task has finished; it may be inside a SOAP callback whose
 *  call lives in the task's pool, so it must not destroy the task. */
typedef void oxt_task_done_fn(void *baton, oxt_task_t *task);

/** What the tasks of one engine share. The engine sets it up and owns it;
 *  tasks read it, count into stats, add their failures to blocked, put
 *  themselves on ready and set fatal (oxt_task_fatal). */
struct oxt_task_host_t {
    oxt_store_t *store;
    oxt_ox_t *ox;                     /* NULL for a dry run */
    const oxt_desired_env_t *env;
    const unsigned char *key;         /* our secrets key (context admins) */
    const oxt_engine_opts_t *opts;
    long long run_id;                 /* of the run summary, or 0 */
    oxt_engine_stats_t stats;
    oxt_run_owners_t *owners;         /* the banner's counts per owner, of
                                         an automatic run (else NULL) */
    apr_hash_t *blocked;              /* oxt_obj_t -> "": left alone */
    apr_array_header_t *ready;        /* oxt_task_t *: a call prepared, to
                                         be sent after the next commit */
    apr_status_t fatal;               /* a store failure stops the run */
    oxt_result_t *fatal_res;
    oxt_task_done_fn *done;
    void *done_baton;
};

/**
 * Loads domain dom_id's work through the store and makes its task, in a
 * new child pool of p. items (oxt_queue_item_t *, may be NULL) are the
 * claimed hints this domain answers, under owner's lease; the task keeps
 * copies of them and of owner (it may outlive the caller's pool). Only
 * reads.
 */
apr_status_t oxt_task_make(oxt_task_t **ptask, oxt_task_host_t *host,
                           long long dom_id, apr_array_header_t *items,
                           const char *owner, oxt_result_t *res,
                           apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Loads a domain's work into p (the store's load, or a page's work). */
typedef apr_status_t oxt_task_load_fn(void *baton, oxt_work_t **pwork,
                                      long long dom_id, oxt_result_t *res,
                                      apr_pool_t *p);

/** As oxt_task_make, with the work loaded by load (the pages of a full
 *  pass load many domains at once). */
apr_status_t oxt_task_make_with(oxt_task_t **ptask, oxt_task_host_t *host,
                                long long dom_id, oxt_task_load_fn *load,
                                void *load_baton, apr_array_header_t *items,
                                const char *owner, oxt_result_t *res,
                                apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The domain's work (its plan in work->ops). */
const oxt_work_t *oxt_task_work(const oxt_task_t *task);

/** The operations of its plan not taken yet (the one in flight is not
 *  counted). */
int oxt_task_ops_left(const oxt_task_t *task);

/** True when starting the task writes nothing and calls nobody: no
 *  operation and no claimed item (a full pass over settled domains), or
 *  a dry run. Such a task may be started outside a turn. */
int oxt_task_is_idle(const oxt_task_t *task);

/**
 * Starts the task: it records what needs no OX call (status rows) until
 * its first call is prepared (the task is then on host->ready), or it
 * finishes at once (nothing to send, or a dry run, which reports each
 * planned operation to opts->on_op instead).
 */
void oxt_task_start(oxt_task_t *task);

/**
 * Sends the call the task prepared; the engine calls it for each task on
 * host->ready after the commit that followed the preparation. The task
 * goes on in the call's callback.
 */
void oxt_task_send(oxt_task_t *task);

/** Frees a finished task (never from inside a SOAP callback). */
/**
 * Logs the task's claimed items' trail (level debug, OXT04946): claimed,
 * made, started, first call, last answer, finished, and committed (the
 * caller's clock, after the commit of the turn that finished it).
 */
void oxt_task_trail(const oxt_task_t *task, apr_time_t committed);

void oxt_task_destroy(oxt_task_t *task);

/**
 * A failure of the store: the operation being recorded is repeated by the
 * next run (safe), but this run must stop. The first one is kept (in
 * host->fatal_res) and logged.
 */
void oxt_task_fatal(oxt_task_host_t *host, apr_status_t rv,
                    const oxt_result_t *res);

#endif /* OXT_TASK_H */
