/*
 * oxt_queue.h — the work queue in the oxtender database.
 *
 * A queue row is a hint that an object (mailbox, domain, client, reseller,
 * or "all") may differ from what OX has; it is not the change itself (the
 * replicator recomputes the desired state). Hints coalesce: one row per
 * object, a new hint refreshes it. Workers claim due rows with
 * SELECT ... FOR UPDATE SKIP LOCKED and a lease, so several workers never
 * take the same row and a crashed worker's rows come back when the lease
 * ends. A failure retries with exponential backoff and full jitter; after
 * max attempts the row is parked (dead letter) until someone retries it.
 */
#ifndef OXT_QUEUE_H
#define OXT_QUEUE_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>
#include <apr_hash.h>
#include <apr_time.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_plesk.h"

typedef enum {
    OXT_OBJ_MAILBOX = 0,
    OXT_OBJ_DOMAIN,
    OXT_OBJ_CLIENT,
    OXT_OBJ_RESELLER,
    OXT_OBJ_ALL
} oxt_obj_type_t;

/** An object the queue speaks of: its type and Plesk id. */
typedef struct oxt_obj_t {
    oxt_obj_type_t type;
    long long id;
} oxt_obj_t;

typedef struct oxt_queue_item_t {
    long long id;
    oxt_obj_type_t type;
    long long object_id;
    const char *reason;
    const char *detail;
    const char *scheduled_by;
    const char *enqueued_at;     /* as the database wrote it (ms) */
    int attempts;
    const char *last_error;      /* the last failure, or NULL */
    const char *parked_at;       /* when it was parked, or NULL */
    apr_time_t claimed_at;       /* when oxt_queue_claim took it (0: not
                                    claimed so): the hint trail's clock */
} oxt_queue_item_t;

typedef struct oxt_queue_stats_t {
    long long due;               /* waiting and due now */
    long long waiting;           /* waiting, due or backing off */
    long long leased;            /* being worked on */
    long long parked;
    const char *oldest;          /* enqueued_at of the oldest waiting, or NULL */
    long long oldest_ts;         /* the same in Unix seconds, 0 for none */
} oxt_queue_stats_t;

/* Backoff: attempt n waits a random time in [0, min(cap, base * 2^n)]. */
#define OXT_QUEUE_BACKOFF_BASE_MS 2000
#define OXT_QUEUE_BACKOFF_CAP_MS  (30 * 60 * 1000)

const char *oxt_obj_type_name(oxt_obj_type_t type);
apr_status_t oxt_obj_type_parse(oxt_obj_type_t *ptype, const char *name);

/* Hashes keyed by an object (its type and id, never "mailbox:7" text to
 * be parsed back). A new key is copied into the hash's pool. */
void oxt_obj_set(apr_hash_t *h, oxt_obj_t obj, const void *val);
void *oxt_obj_get(apr_hash_t *h, oxt_obj_t obj);
/** The object of an entry (from apr_hash_this_key). */
oxt_obj_t oxt_obj_of(apr_hash_index_t *hi);

/**
 * Records a hint for an object. A hint for an object already queued
 * refreshes it (reason, who, enqueued time) and makes it due now; a parked
 * object is given a fresh set of attempts, since something changed.
 */
apr_status_t oxt_queue_push(oxt_db_t *db, oxt_obj_type_t type,
                            long long object_id, const char *reason,
                            const char *detail, const char *scheduled_by,
                            oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** A hint to record with oxt_queue_push_many. */
typedef struct oxt_queue_hint_t {
    oxt_obj_type_t type;
    long long object_id;
    const char *reason;
    const char *detail;
} oxt_queue_hint_t;

/**
 * oxt_queue_push (scheduled by "Automatic") for each of hints
 * (oxt_queue_hint_t, by value), up to 100 in one statement; an object
 * named twice is one row, as two pushes leave it.
 */
apr_status_t oxt_queue_push_many(oxt_db_t *db,
                                 const apr_array_header_t *hints,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Claims up to max due items for owner, leased for lease_s seconds. The
 * items (oxt_queue_item_t *) live in p; *pitems may be empty.
 */
apr_status_t oxt_queue_claim(apr_array_header_t **pitems, oxt_db_t *db,
                             const char *owner, int max, int lease_s,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The domains whose work answers item: a mailbox's domain (in psa, else
 * the one we replicated it in), a domain itself, every domain of a client
 * or reseller (in psa and in what we replicated). Unique ids (long long)
 * in p; empty for "all" and for an object found nowhere.
 */
apr_status_t oxt_queue_item_domains(apr_array_header_t **pdom_ids,
                                    const oxt_queue_item_t *item,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The domains of the mailbox items among items, as oxt_queue_item_domains
 * finds them (psa, else what we replicated), in a few statements for all:
 * *pmap maps a mail id (oxt_util_id_get) to a long long * dom id, in p;
 * a mailbox found nowhere has no entry.
 */
apr_status_t oxt_queue_mail_domains(apr_hash_t **pmap,
                                    const apr_array_header_t *items,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The item is done. It is removed unless a new hint arrived while it was
 * being worked on, in which case it stays, due now.
 */
apr_status_t oxt_queue_done(oxt_db_t *db, const oxt_queue_item_t *item,
                            const char *owner, oxt_result_t *res,
                            apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * oxt_queue_done for each of items (oxt_queue_item_t, by value: id and
 * enqueued_at are read), in one statement per 250 items that removes the
 * items no new hint refreshed, and one more that releases the rest when
 * some were.
 * Run it inside a transaction, as the two statements belong together.
 */
apr_status_t oxt_queue_done_many(oxt_db_t *db,
                                 const apr_array_header_t *items,
                                 const char *owner, oxt_result_t *res,
                                 apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The item failed with error (a readable reason, never a password). It is
 * retried after a backoff, or parked when it has had max_attempts.
 * *pparked (may be NULL) tells which.
 */
apr_status_t oxt_queue_fail(int *pparked, oxt_db_t *db,
                            const oxt_queue_item_t *item, const char *owner,
                            const char *error, int max_attempts,
                            oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Records a failure of an object nobody claimed (found by a full pass):
 * queued if it was not, with one more attempt, a backoff, and parked at
 * max_attempts. *pparked (may be NULL) tells whether it is now parked.
 */
apr_status_t oxt_queue_failed(int *pparked, oxt_db_t *db, oxt_obj_type_t type,
                              long long object_id, const char *error,
                              int max_attempts, oxt_result_t *res,
                              apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Retry: gives a parked item (by queue id) of scope a fresh set of
 * attempts, due now, scheduled by scheduled_by. APR_ENOENT when it is not
 * parked, gone, or outside scope (one answer). The Logs page passes the
 * caller's subtree, "oxtender-replicator retry" the admin's (everything).
 * The subtree is the one oxt_queue_parked_in lists.
 */
apr_status_t oxt_queue_retry(oxt_db_t *db, const oxt_psa_t *psa,
                             const oxt_plesk_scope_t *scope,
                             long long queue_id, const char *scheduled_by,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Gives every parked item a fresh set of attempts; *pcount how many. */
apr_status_t oxt_queue_retry_all(long long *pcount, oxt_db_t *db,
                                 const char *scheduled_by, oxt_result_t *res,
                                 apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Releases every lease. Only for a process that holds the replicator
 * lock: then no other worker is alive, and leases left are those of a
 * killed one, which would otherwise hold their items back until expiry.
 */
apr_status_t oxt_queue_release_leases(oxt_db_t *db, oxt_result_t *res,
                                      apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The parked items, newest first, at most limit: what needs a person (the
 * Logs page, status, metrics). Items (oxt_queue_item_t *) in p.
 */
apr_status_t oxt_queue_parked(apr_array_header_t **pitems, oxt_db_t *db,
                              int limit, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** A parked item for the Logs page: what it is about, for people. */
typedef struct oxt_queue_parked_t {
    oxt_queue_item_t item;       /* last_error: why it is parked */
    const char *name;            /* the mailbox's address or the domain's
                                    name ("" when neither is known) */
} oxt_queue_parked_t;

/**
 * The parked items of scope (the caller's subtree: mailbox and domain
 * items by their domain's owner in psa, or, for an object psa no longer
 * has, by the owner snapshot of mailbox_state and domain_state; items of
 * other kinds only for the admin), newest first, at most limit.
 * oxt_queue_parked_t in p. psa names what psa still has.
 */
apr_status_t oxt_queue_parked_in(apr_array_header_t **pitems, oxt_db_t *db,
                                 const oxt_psa_t *psa,
                                 const oxt_plesk_scope_t *scope, int limit,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The objects to leave alone for now: parked, or backing off after a
 * failure (not due yet). A hash (oxt_obj_get) from oxt_obj_t to "", in p.
 */
apr_status_t oxt_queue_blocked(apr_hash_t **pblocked, oxt_db_t *db,
                               oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Counts for "status" and the pages. */
apr_status_t oxt_queue_stats(oxt_queue_stats_t *stats, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The backoff before retry number attempts (1-based), full jitter:
 *  rnd01 is a uniform random number in [0, 1). */
long long oxt_queue_backoff_ms(int attempts, double rnd01);

#endif /* OXT_QUEUE_H */
