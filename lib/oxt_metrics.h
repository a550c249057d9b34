/*
 * oxt_metrics.h — what the replicator counts for monitoring, and the
 * Prometheus text exposition of it ("oxtender-replicator metrics" and the
 * daemon's loopback endpoint; docs/replicator.md lists every name).
 *
 * Two kinds of numbers:
 *
 *  - cumulative counters: operations by kind and outcome, SOAP failures
 *    by kind, the SOAP call duration histogram. They live in the oxtender
 *    database (migration 0050), so a separate process reads them. The
 *    engine counts into a tally in memory (oxt_metrics_tally_t) through
 *    its store (oxt_store.h), and the store writes the tally in the same
 *    transaction as the records it counts: a crash that makes the next
 *    run repeat an operation loses its count with its record, so nothing
 *    is ever counted twice.
 *  - gauges read when asked: the last run and full pass, the queue,
 *    parked items, mailboxes and domains by state, the last contact with
 *    OX; the caller adds the lock (oxt_lock_probe).
 *
 * License usage is not exposed here: the license core is being written
 * elsewhere, and its numbers are one more section of oxt_metrics_write
 * when it lands.
 */
#ifndef OXT_METRICS_H
#define OXT_METRICS_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_sink.h"
#include "oxt_licstate.h"
#include "oxt_soap.h"
#include "oxt_plan.h"
#include "oxt_queue.h"
#include "oxt_lock.h"
#include "oxt_state.h"

/* Operation kinds that reach OX (oxt_op_kind_t up to OXT_OP_USER_DELETE). */
#define OXT_METRICS_OP_KINDS  (OXT_OP_USER_DELETE + 1)
/* The OXT_ESOAP_* codes and "other". */
#define OXT_METRICS_FAULT_KINDS 15
/* The histogram's finite upper bounds, then +Inf. */
#define OXT_METRICS_BUCKETS 13

/** "user_create", ...; NULL for a kind that sends nothing to OX. */
const char *oxt_metrics_op_kind(oxt_op_kind_t kind);

/** The i-th fault kind ("auth", ..., "other"), NULL past the last. */
const char *oxt_metrics_fault_name(int i);

/** The fault kind index of a failed call's status (the last, "other",
 *  for a status that is no OXT_ESOAP_* code); -1 for APR_SUCCESS. */
int oxt_metrics_fault_index(apr_status_t rv);

/** True when rv means OX answered with SOAP (a result or a fault);
 *  false when it could not be reached or sent no SOAP back. */
int oxt_metrics_ox_answered(apr_status_t rv);

/** The bucket a duration falls into (0 .. OXT_METRICS_BUCKETS - 1). */
int oxt_metrics_bucket(apr_interval_time_t elapsed);

/** A bucket's upper bound as the exposition writes it ("0.01", "+Inf"). */
const char *oxt_metrics_bucket_le(int i);

/* ---- counting (the engine, through its store) -------------------------- */

typedef struct oxt_metrics_tally_t oxt_metrics_tally_t;

/** An empty tally in p. */
oxt_metrics_tally_t *oxt_metrics_tally_make(apr_pool_t *p);

/** One operation of kind finished: done (ok) or failed. */
void oxt_metrics_tally_op(oxt_metrics_tally_t *t, oxt_op_kind_t kind, int ok);

/**
 * One finished SOAP call, elapsed its time on the wire: its operation
 * ("OXUserService.create", from its URL and element), its duration, its
 * fault kind, and whether OX answered (with why not, when it did not).
 */
void oxt_metrics_tally_call(oxt_metrics_tally_t *t,
                            const oxt_soap_call_t *call,
                            apr_interval_time_t elapsed);

/**
 * A contact with OX at time at (a call's end): rv as a SOAP call's
 * status, why (may be NULL) the text of a failure. oxt_metrics_tally_call
 * records its call's with the time it finished; the flush writes that
 * time, not its own.
 */
void oxt_metrics_tally_contact(oxt_metrics_tally_t *t, apr_status_t rv,
                               const char *why, apr_time_t at);

/** True when the tally holds no count to write (a contact kept by
 *  oxt_metrics_tally_flush_counts may still wait: oxt_metrics_tally_flush
 *  writes it). */
int oxt_metrics_tally_empty(const oxt_metrics_tally_t *t);

/**
 * Adds the tally to the counters in db and records the last contact with
 * OX (one older than the stored contact, e.g. a "health" written while
 * the tally kept it, changes neither the stored times nor the verdict:
 * they never go back); call it inside the transaction of the records it counts (or, for
 * records written on their own, right after them). The tally is empty
 * afterwards whatever happened: what it held belongs to that transaction.
 * Scratch in p.
 */
apr_status_t oxt_metrics_tally_flush(oxt_metrics_tally_t *t, oxt_db_t *db,
                                     oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * As oxt_metrics_tally_flush, but the last contact with OX is kept in the
 * tally for a later oxt_metrics_tally_flush: the counts go with their
 * records' transaction, the contact (a time and a verdict, one hot row)
 * at most as often as the caller wants it written. The tally is empty of
 * counts afterwards.
 */
apr_status_t oxt_metrics_tally_flush_counts(oxt_metrics_tally_t *t,
                                            oxt_db_t *db, oxt_result_t *res,
                                            apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- what the replicator records besides counts ------------------------ */

/** A full pass over every domain starts. */
apr_status_t oxt_metrics_pass_begin(oxt_db_t *db, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The pass that started last ended: every domain done (ok) or not. */
apr_status_t oxt_metrics_pass_end(oxt_db_t *db, int ok, oxt_result_t *res,
                                  apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The outcome of a contact with OX that was not the engine's ("health"
 * asking OX itself): rv as a SOAP call's status, why (may be NULL) the
 * text of a failure; by is "health".
 */
apr_status_t oxt_metrics_ox_contact(oxt_db_t *db, apr_status_t rv,
                                    const char *why, const char *by,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- reading ----------------------------------------------------------- */

typedef struct oxt_metrics_call_t {
    const char *operation;               /* "OXUserService.create" */
    long long calls;
    long long sum_us;
    long long buckets[OXT_METRICS_BUCKETS];  /* per bucket, not cumulative */
} oxt_metrics_call_t;

/** What the exposition shows. Times are Unix seconds, 0 for never. */
typedef struct oxt_metrics_t {
    int db_up;                           /* the rest is read only when 1 */
    long long now;                       /* the database server's clock */
    long long run_started, run_ended, run_ok;
    long long pass_started, pass_ok;
    oxt_queue_stats_t queue;
    long long ops[OXT_METRICS_OP_KINDS][2];   /* [kind][ok] */
    long long faults[OXT_METRICS_FAULT_KINDS];
    apr_array_header_t *calls;           /* oxt_metrics_call_t */
    apr_array_header_t *mailboxes;       /* oxt_state_count_t */
    apr_array_header_t *domains;         /* oxt_state_count_t */
    long long ox_contact, ox_answered;
    int ox_reachable;                    /* at ox_contact; -1: never tried */
    const char *ox_failure;              /* why not, or NULL */
    const char *ox_contact_by;           /* "replicator", "health", NULL */
    int have_lock;                       /* lock is filled in */
    oxt_lock_info_t lock;
    const oxt_license_status_t *license; /* NULL: not read */
} oxt_metrics_t;

/**
 * Adds what the tally holds (not written yet) to m's counters: for a
 * process to show its own counts, and the tests. Operation names are
 * copied into p.
 */
void oxt_metrics_tally_add(const oxt_metrics_tally_t *t, oxt_metrics_t *m,
                           apr_pool_t *p);

/** An empty snapshot (database not read: db_up 0), arrays in p. */
void oxt_metrics_init(oxt_metrics_t *m, apr_pool_t *p);

/**
 * Reads every number the database holds into m (which oxt_metrics_init
 * prepared) and sets db_up. Strings and arrays live in p.
 */
apr_status_t oxt_metrics_gather(oxt_metrics_t *m, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Reads only the activity row (last pass, OX contact) and the newest run
 * times into m: what a page shows without the counters.
 */
apr_status_t oxt_metrics_gather_activity(oxt_metrics_t *m, oxt_db_t *db,
                                         oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Writes m in the Prometheus text exposition format (version 0.0.4):
 * every family with # HELP and # TYPE, label values escaped. Returns the
 * sink's status. Scratch in p.
 */
apr_status_t oxt_metrics_write(oxt_sink_t *sink, const oxt_metrics_t *m,
                               apr_pool_t *p);

/** The Content-Type of the exposition. */
#define OXT_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif /* OXT_METRICS_H */
