/*
 * oxt_offload.h — a helper thread that runs one job at a time for its
 * owner while the owner keeps doing something else.
 *
 * The engine hands its turn's commit to it (lib/oxt_engine.c): the
 * statements and the COMMIT (a disk flush on a durable server) run on
 * the helper thread, and meanwhile the engine's thread keeps the OX
 * connections busy (the SOAP client's pump), where before it blocked on
 * each statement and drove OX only between them. The job uses what its
 * owner hands it (the store and its connection); the owner touches none
 * of that until oxt_offload_run returns, so nothing is shared while both
 * run but the handover itself (a mutex and a condition).
 */
#ifndef OXT_OFFLOAD_H
#define OXT_OFFLOAD_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_time.h>

typedef struct oxt_offload_t oxt_offload_t;

/** A job, run on the helper thread. */
typedef apr_status_t oxt_offload_fn(void *baton);

/** What the owner does while it waits (on its own thread). */
typedef void oxt_offload_idle_fn(void *baton);

/** Run on the helper thread at its start and its end (a library's
 *  per-thread state: oxt_db_thread_begin, oxt_db_thread_end). */
typedef void oxt_offload_hook_fn(void);

/**
 * Starts the helper thread, in a pool of its own (a child of p). It is
 * stopped and joined when p is cleared or destroyed (a pre-cleanup, so
 * before p's children go). begin runs on the thread before its first
 * job, end after its last, before it exits; either may be NULL.
 */
apr_status_t oxt_offload_make(oxt_offload_t **po, oxt_offload_hook_fn *begin,
                              oxt_offload_hook_fn *end, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Runs fn(baton) on the helper thread and returns what it returned;
 * until then calls idle(idle_baton) on the caller's thread, at least
 * every `every` (idle may be NULL: then it only waits). One job at a
 * time, from one owner thread.
 */
apr_status_t oxt_offload_run(oxt_offload_t *o, oxt_offload_fn *fn,
                             void *baton, oxt_offload_idle_fn *idle,
                             void *idle_baton, apr_interval_time_t every);

/** What the owner does while it waits, saying whether it did anything. */
typedef int oxt_offload_busy_fn(void *baton);

/**
 * As oxt_offload_run, but idle(idle_baton) is called again at once for
 * as long as it returns nonzero (it did something: the replicator's run
 * drives the engine's turns from it), and the caller waits at most
 * `every` for the job only after a call that returned 0.
 */
apr_status_t oxt_offload_run_busy(oxt_offload_t *o, oxt_offload_fn *fn,
                                  void *baton, oxt_offload_busy_fn *idle,
                                  void *idle_baton,
                                  apr_interval_time_t every);

#endif /* OXT_OFFLOAD_H */
