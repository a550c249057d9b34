/*
 * oxt_store.h — where replication keeps what it learns: the one seam
 * between the engine and the databases.
 *
 * The engine (oxt_engine.h, oxt_task.h) runs no SQL. It loads a domain's
 * work, records what became of each operation, writes the log, settles
 * queue items and keeps run summaries through an oxt_store_t, a table of
 * functions on a baton (the shape of mod_md's md_store_t). oxt_store_db is
 * the real store, on the oxtender database and psa; the engine's unit
 * tests plug in one kept in memory, so every rule of the engine is tested
 * without MariaDB.
 *
 * Every function returns APR_SUCCESS or a failure described in res; the
 * engine stops the run at the first failure (what OX did but was not
 * recorded is done again next time, which every operation allows).
 */
#ifndef OXT_STORE_H
#define OXT_STORE_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_work.h"
#include "oxt_queue.h"
#include "oxt_replog.h"
#include "oxt_soap.h"

/** What became of one operation of a plan. */
typedef enum {
    OXT_REC_APPLIED,            /* OX did it; ox_id: the object's OX id */
    OXT_REC_ADOPTED,            /* a create found the object in OX: ox_id
                                   is its id; what it holds is unknown
                                   until the changes sent next are done */
    OXT_REC_FAILED,             /* OX refused or could not be asked */
    OXT_REC_NO_CONTEXT,         /* a user create not tried: its domain has
                                   no context (error: why, may be NULL) */
    OXT_REC_STATUS,             /* OXT_OP_USER_STATUS: why the mailbox is
                                   not in OX; no OX call */
    OXT_REC_REFUSED,            /* the mailbox cannot be replicated as it
                                   is (its name is the context admin's):
                                   not replicable, error says why */
    OXT_REC_GONE                /* the user OX was asked to change is not
                                   there (or is the context admin): its
                                   OX ids are forgotten, the next plan
                                   creates it */
} oxt_rec_kind_t;

/** One outcome (store->record). */
typedef struct oxt_rec_t {
    oxt_rec_kind_t kind;
    long long ox_id;            /* see oxt_rec_kind_t */
    const char *error;          /* why it failed; may be NULL */
    const char *ox_primary;     /* a user's: the primary address OX kept
                                   when it refused the wanted one (NULL:
                                   the wanted one) */
} oxt_rec_t;

/**
 * A page of a full pass: its domains, in id order (psa's and, in between,
 * those psa lost that we replicated), and how to make the work of each.
 */
typedef struct oxt_store_page_t {
    const apr_array_header_t *ids;    /* long long */
    long long last;                   /* the next page starts after it */
    int more;                         /* 0: this is the last page */
    /** The work of one of ids, planned, in p; it does not point into the
     *  page, which may go before the work does. */
    apr_status_t (*work)(void *page_baton, oxt_work_t **pwork,
                         long long dom_id, oxt_result_t *res,
                         apr_pool_t *p);
    void *page_baton;
    /** How long loading it took in its parts (for the engine's profile):
     *  psa's rows, the preferences, our state, psa's mailbox aliases (the
     *  first page of a pass reads them for the pass). */
    apr_interval_time_t took_psa, took_prefs, took_state, took_aliases;
} oxt_store_page_t;

typedef struct oxt_store_t oxt_store_t;

struct oxt_store_t {
    void *baton;

    /** Domain dom_id's work, planned (oxt_work_load), in p: for the
     *  domains of hints and repairs. */
    apr_status_t (*load)(void *baton, oxt_work_t **pwork, long long dom_id,
                         oxt_result_t *res, apr_pool_t *p);

    /** The objects to leave alone (oxt_queue_blocked), a hash in p. */
    apr_status_t (*blocked)(void *baton, apr_hash_t **pblocked,
                            oxt_result_t *res, apr_pool_t *p);

    /** The page of a full pass after domain id after (0: the first),
     *  in p. The store sizes its pages itself. */
    apr_status_t (*page)(void *baton, oxt_store_page_t **ppage,
                         long long after, oxt_result_t *res, apr_pool_t *p);

    /** As a page, but of the domains in ids only (long long,
     *  ascending, distinct, 1 to OXT_DB_IN_MAX: oxt_batch_load_ids), and
     *  nothing read ahead: the domains of a batch of hints, loaded
     *  together (oxt_engine_domains). The page's ids are those of them
     *  that psa or our state knows; more is 0. May be NULL: each domain
     *  is loaded on its own (load). */
    apr_status_t (*range)(void *baton, oxt_store_page_t **ppage,
                          const apr_array_header_t *ids, oxt_result_t *res,
                          apr_pool_t *p);

    /** The records of one turn of the engine are committed together:
     *  begin opens the turn, commit ends it (rolling back on failure).
     *  The engine sends nothing to OX between a record and the commit
     *  that makes it durable (oxt_engine.h). */
    apr_status_t (*begin)(void *baton, oxt_result_t *res);
    apr_status_t (*commit)(void *baton, oxt_result_t *res);

    /** What a turn's commit may leave for a later one (the last contact
     *  with OX, written at most every so often while turns follow each
     *  other), written now: the engine calls it outside a turn once it
     *  has no domain in progress. May be NULL. */
    apr_status_t (*flush)(void *baton, oxt_result_t *res);

    /**
     * The admin of a context about to be created (login, sealed
     * password), written in the turn: the create goes to OX only after
     * the turn's commit, so a crash after OX made the context leaves us
     * the password it has. A domain that has one keeps it.
     * work->have_ctx is reloaded (in p).
     */
    apr_status_t (*reserve)(void *baton, oxt_work_t *work, const char *login,
                            const char *sealed, oxt_result_t *res,
                            apr_pool_t *p);

    /**
     * op, one of work's operations, is about to be sent: what it changes
     * is no longer claimed as applied (oxt_state.h, "doubt"), so that a
     * crash before its outcome is recorded makes the next plan send it
     * again, whatever Plesk holds by then.
     */
    apr_status_t (*intent)(void *baton, const oxt_work_t *work,
                           const oxt_op_t *op, oxt_result_t *res,
                           apr_pool_t *p);

    /** What became of op, one of work's operations (rec, see oxt_rec_t). */
    apr_status_t (*record)(void *baton, const oxt_work_t *work,
                           const oxt_op_t *op, const oxt_rec_t *rec,
                           oxt_result_t *res, apr_pool_t *p);

    /** The OX user id of the context's admin, as OX told it. */
    apr_status_t (*admin)(void *baton, const oxt_work_t *work,
                          long long admin_user_id, oxt_result_t *res,
                          apr_pool_t *p);

    /** One replication log row. */
    apr_status_t (*log)(void *baton, const oxt_replog_entry_t *entry,
                        oxt_result_t *res, apr_pool_t *p);

    /**
     * A queue item claimed under owner is done (error NULL) or failed;
     * with item NULL, object obj failed and nobody had claimed it. A
     * failure is retried after a backoff, or parked at max_attempts
     * (oxt_queue_fail, oxt_queue_failed).
     */
    apr_status_t (*settle)(void *baton, const oxt_queue_item_t *item,
                           oxt_obj_t obj, const char *owner,
                           const char *error, int max_attempts,
                           oxt_result_t *res, apr_pool_t *p);

    /** A run summary: started (its id in *prun_id), then its counts;
     *  finished marks the end (aborted unless ok), with the banner's
     *  counts per owner of an automatic run (owners, else NULL:
     *  oxt_replog_run_end). */
    apr_status_t (*run_start)(void *baton, long long *prun_id, int automatic,
                              oxt_result_t *res, apr_pool_t *p);
    apr_status_t (*run_update)(void *baton, long long run_id,
                               const oxt_run_counts_t *counts,
                               const oxt_run_owners_t *owners, int finished,
                               int ok, oxt_result_t *res, apr_pool_t *p);

    /**
     * The metrics' counters (oxt_metrics.h), kept with the records of the
     * same turn and committed with them (outside a turn, at once), so a
     * crash never counts an operation that the next run repeats.
     * count_op: an OX operation of kind finished, done (ok) or failed;
     * count_call: a SOAP call finished (the SOAP client's observer).
     * Either may be NULL: nothing is counted.
     */
    apr_status_t (*count_op)(void *baton, oxt_op_kind_t kind, int ok,
                             oxt_result_t *res);
    oxt_soap_observer_fn *count_call;

    /**
     * Set by the store's user, NULL by default: called between the
     * statements of a commit, so that the SOAP client puts queued calls
     * on the connections that free up while the database works
     * (oxt_soap_client_pump: no callback runs, nothing is recorded).
     */
    void (*pump)(void *pump_baton);
    void *pump_baton;

    /**
     * A thread of the store's user that calls the store (the engine's
     * commits, oxt_offload.h) calls thread_begin at its start and
     * thread_end at its end: the database client's state of that thread
     * (oxt_db_thread_begin). NULL: nothing to do.
     */
    void (*thread_begin)(void);
    void (*thread_end)(void);
};

/**
 * The store on db, the oxtender database with psa reached through it (one
 * connection, used by one thread). env is what a domain's work is planned
 * with; it must outlive the store, which lives in p.
 */
oxt_store_t *oxt_store_db(oxt_db_t *db, const oxt_psa_t *psa,
                          const oxt_desired_env_t *env, apr_pool_t *p);

/**
 * The pages of a full pass are read one ahead, on a second connection
 * (made with params, which must outlive the store, at the first page a
 * pass reads ahead) and a thread of their own, while the engine works
 * the current page: the server's work for the next page overlaps ours
 * for this one. Without it, or when that connection cannot be made
 * (logged once), each page is read when it is asked for.
 */
void oxt_store_db_read_ahead(oxt_store_t *store,
                             const oxt_db_params_t *params);

#endif /* OXT_STORE_H */
