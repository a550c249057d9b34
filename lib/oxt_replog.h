/*
 * oxt_replog.h — the replication log (one row per mailbox operation) and
 * the run summaries shown at the top of the Logs pages.
 *
 * The Logs page (every level, its subtree's rows only) calls:
 *   the banner "Report on the last automatic replication <date>"
 *                              oxt_replog_last_automatic_run
 *   the list                   oxt_replog_query_init (the caller's
 *                              subtree), then sort, search, paging;
 *                              oxt_replog_count, oxt_replog_list
 *   "debug logs"               oxt_replog_debug, then oxt_xmlview_make
 *                              (oxt_xmlview.h) on request and response
 *   Clean Log                  oxt_replog_clean
 *   Remove                     oxt_replog_remove
 * and the replicator keeps the log bounded with oxt_replog_prune.
 *
 * Speed at a million rows (docs/architecture.md, "Logs at scale"): every
 * list query walks one index in its order, the owner's equality first
 * for a subtree ((reseller_id|client_id|dom_id, sort column, logged_at),
 * migrations 0005, 0063, 0088); totals without a search come from
 * replication_log_count, kept by the writers here and recounted daily, a
 * search's count stops at OXT_REPLOG_COUNT_MAX (and a search with more
 * pages through the ones it counted, the first by address, sorted as
 * asked); the page's links name a row they follow or precede (a keyset,
 * in every sort), so a linked deep page is a seek; a page by its number
 * alone starts from the page index the replicator keeps (every
 * OXT_REPLOG_PAGE_EVERY-th row's key per sort and owner, what changed
 * since counted exactly), else skips entries of that index only from the
 * nearer end. Every query names its index. Deletes go in batches of
 * short transactions, each journaled for the page index.
 */
#ifndef OXT_REPLOG_H
#define OXT_REPLOG_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_hash.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_prefs.h"
#include "oxt_plesk.h"

/* replication_log.operation values */
#define OXT_LOG_OP_CREATE  "create"
#define OXT_LOG_OP_UPDATE  "update"
#define OXT_LOG_OP_RENAME  "rename"
#define OXT_LOG_OP_DELETE  "delete"
#define OXT_LOG_OP_ADOPT   "adopt"
#define OXT_LOG_OP_SKIP    "skip"

typedef struct oxt_replog_entry_t {
    long long run_id;             /* 0: none */
    long long mail_id;            /* 0: a domain-level row */
    const char *address;          /* mailbox address or domain name */
    long long dom_id;
    const char *domain_name;
    long long client_id;
    long long reseller_id;
    int service;                  /* oxt_service_t, -1: none */
    const char *scheduled_by;     /* "Automatic" or a Plesk user's name */
    const char *operation;        /* OXT_LOG_OP_* */
    int success;
    const char *reason;           /* readable; never a password */
    const char *debug_request;    /* masked; NULL unless debugging */
    const char *debug_response;
} oxt_replog_entry_t;

/**
 * The kinds of OX operations a run counts: each operation of a plan that
 * calls OX (oxt_plan.h) is one of these. The order is that of the count
 * columns of run_summary (migration 0040) and never changes; the names
 * (oxt_run_op_name) are the JSON keys of `run` and `status`, and the
 * labels the metrics use.
 */
typedef enum {
    OXT_RUN_OP_CONTEXT_CREATE = 0,
    OXT_RUN_OP_CONTEXT_CHANGE,
    OXT_RUN_OP_CONTEXT_DELETE,
    OXT_RUN_OP_ADMIN_CHANGE,      /* the context admin's addresses */
    OXT_RUN_OP_USER_CREATE,
    OXT_RUN_OP_USER_CHANGE,
    OXT_RUN_OP_USER_ACCESS,       /* the access combination */
    OXT_RUN_OP_USER_DELETE,
    OXT_RUN_OP_COUNT
} oxt_run_op_t;

/** What a run did: mailbox operations per service type (the banner of the
 *  Logs page), and every OX operation per kind and outcome. */
typedef struct oxt_run_counts_t {
    long long ok[OXT_SERVICE_COUNT];
    long long failed[OXT_SERVICE_COUNT];
    long long op_ok[OXT_RUN_OP_COUNT];
    long long op_failed[OXT_RUN_OP_COUNT];
} oxt_run_counts_t;

/** One run_summary row: the banner of the Logs page. */
typedef struct oxt_run_summary_t {
    long long id;
    int automatic;                /* cron or the daemon, not a person */
    const char *started_at;       /* as stored, "YYYY-MM-DD hh:mm:ss" */
    const char *finished_at;      /* NULL while it runs */
    const char *status;           /* "running", "finished", "aborted" */
    oxt_run_counts_t counts;
} oxt_run_summary_t;

/**
 * Counts one finished OX operation of kind op, successful or not. service
 * is the mailbox's service type for a mailbox operation, -1 for the
 * others (contexts, their admins). This is the one place counts are made:
 * the engine's run summaries and the metrics both count through it.
 */
void oxt_run_counts_add(oxt_run_counts_t *counts, oxt_run_op_t op,
                        int service, int ok);

/** How a mailbox is counted in a run (oxt_run_counts_mailbox). */
#define OXT_RUN_MAILBOX_NONE   0  /* not yet */
#define OXT_RUN_MAILBOX_OK     1
#define OXT_RUN_MAILBOX_FAILED 2

/**
 * Counts a mailbox once per run, in its service type's ok or failed (the
 * Logs page's banner counts mailboxes, as the guide's report does, not
 * their operations: a mailbox adopted is sent a create, a change and its
 * access, and is one mailbox). was is how it is counted so far in this
 * run (OXT_RUN_MAILBOX_*); a mailbox with one failed operation is a
 * failed one, whatever its others did. Answers how it is counted now.
 * The operations themselves are counted by oxt_run_counts_add with
 * service -1.
 */
int oxt_run_counts_mailbox(oxt_run_counts_t *counts, int service, int was,
                           int ok);

/** "context_create", "user_change", ...; NULL for an unknown kind. */
const char *oxt_run_op_name(oxt_run_op_t op);

/** The successful and failed mailbox operations of counts, over every
 *  service (what the Logs page's banner sums). */
void oxt_run_counts_sum(const oxt_run_counts_t *counts, long long *pok,
                        long long *pfailed);

/** The successful and failed operations of every kind. */
void oxt_run_counts_total(const oxt_run_counts_t *counts, long long *pok,
                          long long *pfailed);

/**
 * Log rows kept in memory and written together (the rows of an engine's
 * turn, oxt_store.c): one multi-row INSERT per up to 64 rows
 * (oxt_rows.h), then their counts, added up per level and written in the
 * table's key order, one row per level. Lives in p.
 */
typedef struct oxt_replog_batch_t oxt_replog_batch_t;

oxt_replog_batch_t *oxt_replog_batch_make(apr_pool_t *p);

/** Adds a row (copied: e may go); p is scratch. */
apr_status_t oxt_replog_batch_add(oxt_replog_batch_t *b,
                                  const oxt_replog_entry_t *e, apr_pool_t *p)
    __attribute__((warn_unused_result));

int oxt_replog_batch_empty(const oxt_replog_batch_t *b);

/** Drops every row. */
void oxt_replog_batch_clear(oxt_replog_batch_t *b);

/** Writes the rows and their counts on db and empties the batch (also on
 *  a failure, when the caller rolls back). p holds the bindings. */
apr_status_t oxt_replog_batch_write(oxt_replog_batch_t *b, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Starts a run_summary row; *prun_id gets its id. */
apr_status_t oxt_replog_run_start(long long *prun_id, oxt_db_t *db,
                                  int automatic, oxt_result_t *res,
                                  apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Writes the counts so far; finished marks the run as ended (or aborted
 *  when ok is 0). */
apr_status_t oxt_replog_run_update(oxt_db_t *db, long long run_id,
                                   const oxt_run_counts_t *counts,
                                   int finished, int ok, oxt_result_t *res,
                                   apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The newest run, in p; *prun is NULL when there has been none. */
apr_status_t oxt_replog_last_run(oxt_run_summary_t **prun, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * When the newest run started, when the newest run that ended ended, and
 * when the newest run that finished without failure ended, in Unix
 * seconds (0: none such): the metrics' timestamps.
 */
apr_status_t oxt_replog_run_times(long long *pstarted, long long *pended,
                                  long long *pok, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * A run's banner counts per domain and the owner it has (the engine's,
 * per run): each mailbox counted as oxt_run_counts_mailbox counts it, in
 * its domain. Lives in p.
 */
typedef struct oxt_run_owners_t oxt_run_owners_t;

oxt_run_owners_t *oxt_run_owners_make(apr_pool_t *p);

/** Counts a mailbox of domain dom_id (of client_id, reseller_id: 0 where
 *  there is none) as oxt_run_counts_mailbox does; was is how it is
 *  counted so far in this run. */
void oxt_run_owners_mailbox(oxt_run_owners_t *o, long long dom_id,
                            long long client_id, long long reseller_id,
                            int service, int was, int ok);

/**
 * Ends run run_id: its counts (oxt_replog_run_update, finished), and,
 * when owners is not NULL (an automatic run), the banner's counts per
 * domain, client and reseller (run_summary_owner, migration 0148),
 * written first; the rows of the runs before it go (the banner shows the
 * newest automatic run only).
 */
apr_status_t oxt_replog_run_end(oxt_db_t *db, long long run_id,
                                const oxt_run_counts_t *counts,
                                const oxt_run_owners_t *owners, int ok,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The newest automatic run (cron or the daemon, not a person's), for the
 * Logs page's "Report on the last automatic replication": its start and
 * the successes and failures per service type (show Premium only when
 * the license allows it), of the mailboxes of scope's subtree: the whole
 * server's for the admin (run_summary), the reseller's, client's or
 * domain's own for the others (one row of run_summary_owner by its key;
 * 0 when the run counted none of theirs), less the counts of the
 * domains moved (oxt_replog_moved_away's answer; NULL: none) that the
 * prune has not moved yet. In p; NULL when there has been none.
 */
apr_status_t oxt_replog_last_automatic_run(oxt_run_summary_t **prun,
                                           oxt_db_t *db,
                                           const apr_array_header_t *moved,
                                           const oxt_plesk_scope_t *scope,
                                           oxt_result_t *res,
                                           apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- the Logs page's list -------------------------------------------------- */

typedef enum {
    OXT_REPLOG_SORT_MODIFIED = 0, /* "modified": time, then id */
    OXT_REPLOG_SORT_MAILBOX,      /* "mailbox": address, then time */
    OXT_REPLOG_SORT_SERVICE,      /* "service": Webmail < Standard < Premium */
    OXT_REPLOG_SORT_SCHEDULED_BY, /* "scheduled_by" */
    OXT_REPLOG_SORT_OUTCOME,      /* "outcome": Success < Failure */
    OXT_REPLOG_SORT_COUNT
} oxt_replog_sort_t;

/** The sort's key (the list column's key, "sort=" of the page). */
const char *oxt_replog_sort_key(oxt_replog_sort_t sort);

/** APR_EINVAL for a key that is none of oxt_replog_sort_key's. */
apr_status_t oxt_replog_sort_parse(oxt_replog_sort_t *psort,
                                   const char *key);

/** What the list shows. Owner filters narrow the caller's subtree (they
 *  are ANDed with it, so they can never widen it). */
typedef struct oxt_replog_query_t {
    oxt_plesk_scope_t scope;      /* the caller's subtree */
    long long reseller;           /* reseller=, client=, domain= filters; */
    long long client;             /* 0: none */
    long long domain;
    long long mail;               /* one mailbox's history; 0: all */
    const char *q;                /* the start of the mailbox address
                                     ("sales", "sales@dom"); "": none */
    oxt_replog_sort_t sort;
    int desc;
    long long offset;             /* rows skipped (from the keyset row) */
    long long limit;              /* rows shown; 0: all */
    long long after;              /* keyset (every sort): the rows after
                                     log row `after` in the list's order
                                     (offset skips from there); 0: from
                                     the start */
    int before;                   /* with after: the rows before it (the
                                     previous page), in the list's order */
    const oxt_psa_t *psa;         /* not NULL: rows of a domain psa now
                                     places outside scope are left out
                                     (moved, and the replicator has not
                                     yet moved its rows:
                                     oxt_replog_moved_out); NULL: none */
    const apr_array_header_t *moved; /* oxt_replog_moved_away's answer
                                     for scope, asked once for a page's
                                     count, list and banner; NULL: each
                                     call asks */
} oxt_replog_query_t;

/**
 * The domains psa has moved out of scope whose rows may still name its
 * owner (*pdoms: ids, long long, in p; empty for the admin, a domain, or
 * psa NULL): those queued to move (replication_log_move: the directory's
 * sync saw the move, the prune has not moved every row yet) and, for a
 * client, those the directory still files under it (psa moved them since
 * the directory's last sync of them), each kept when psa places it
 * outside scope now. One statement, each domain looked up in psa by
 * primary key. The count, the list and the banner leave their rows out.
 * A reseller's domains moved away before the sync are not among them
 * (its page's rows are checked against psa: oxt_replog_moved_out).
 */
apr_status_t oxt_replog_moved_away(const apr_array_header_t **pdoms,
                                   oxt_db_t *db, const oxt_psa_t *psa,
                                   const oxt_plesk_scope_t *scope,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Of the domains dom_ids (long long), those psa places outside scope now
 * (*pout: id -> ""): a domain moved in psa whose log rows still name the
 * old owner, until the replicator's prune moves them. One query on
 * psa's primary keys per 1,000 ids; none for the admin or a domain (its
 * subtree is itself), or psa NULL; on Plesk 8, every domain psa has for
 * a reseller (psa has no resellers: no login is one). A domain psa no
 * longer has is not among them. In p.
 */
apr_status_t oxt_replog_moved_out(apr_hash_t **pout, oxt_db_t *db,
                                  const oxt_psa_t *psa,
                                  const oxt_plesk_scope_t *scope,
                                  const apr_array_header_t *dom_ids,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* Longest search text (bytes): an address column holds 255. */
#define OXT_REPLOG_Q_MAX 255

/** The newest rows of ident's subtree first, 25 of them, no filter. */
void oxt_replog_query_init(oxt_replog_query_t *q,
                           const oxt_identity_t *ident);

/** One row of the list. */
typedef struct oxt_replog_row_t {
    long long id;
    long long logged_at;          /* seconds since 1970 ("Modified") */
    long long mail_id;            /* 0: a domain-level row */
    const char *address;          /* "Mailbox" */
    long long dom_id;
    const char *domain_name;
    int service;                  /* "Type of Service": oxt_service_t, -1 */
    const char *scheduled_by;     /* "Automatic" or the person */
    const char *operation;        /* OXT_LOG_OP_* */
    int success;                  /* "Outcome" */
    const char *reason;           /* the failure's reason; may be NULL */
    int has_debug;                /* the SOAP exchange was captured */
} oxt_replog_row_t;

/** Called for each row, in the list's order; strings live in ptemp,
 *  cleared after the call. */
typedef apr_status_t oxt_replog_row_cb(void *baton,
                                       const oxt_replog_row_t *row,
                                       apr_pool_t *ptemp);

/* The most a search counts: beyond it the list says "more than". */
#define OXT_REPLOG_COUNT_MAX 10000

/* A dense search (more matches than OXT_REPLOG_COUNT_MAX) of the whole
 * log or one owner is counted once up to this and marked
 * (replication_log_dense, 0145): its pages need no count while fewer
 * than this minus OXT_REPLOG_COUNT_MAX of its matches left since. */
#define OXT_REPLOG_DENSE_MARK 20000

/* A marker is used while the journal has at most this many rows after
 * it (they are read to find the matches that left). */
#define OXT_REPLOG_DENSE_JOURNAL 5000

/**
 * The number of rows q matches, ignoring paging: from
 * replication_log_count when there is no search and at most one owner
 * condition (the subtree, or a filter inside it), else counted up to
 * OXT_REPLOG_COUNT_MAX: *pmore is 1 when there are more than that
 * (*ptotal is then OXT_REPLOG_COUNT_MAX, and its pages are the first
 * rows of the query), else 0. A search of the whole log or of one owner
 * found dense is marked (replication_log_dense) and, while the marker
 * proves it still is, not counted again.
 */
apr_status_t oxt_replog_count(long long *ptotal, int *pmore, oxt_db_t *db,
                              const oxt_replog_query_t *q,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Streams the rows of q's page through cb. total is oxt_replog_count's
 * answer, -1 when unknown or bounded (*pmore): with a total, a page far
 * from both ends of a lone owner's list without a search starts from the
 * page index (oxt_replog_pages_refresh), and a page past the middle is
 * otherwise read from the other end. A keyset row (q->after) outside the query's rows answers
 * APR_ENOENT. A search longer than OXT_REPLOG_Q_MAX is cut.
 */
apr_status_t oxt_replog_list(oxt_db_t *db, const oxt_replog_query_t *q,
                             long long total, oxt_replog_row_cb *cb,
                             void *baton, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** A row with its SOAP exchange, for the Communication Logs page. */
typedef struct oxt_replog_debug_t {
    oxt_replog_row_t row;
    const char *request;          /* as stored (passwords masked); NULL
                                     when Debug API requests was off */
    const char *response;
} oxt_replog_debug_t;

/**
 * Log row id with its exchange, if it is in scope: APR_ENOENT when it is
 * outside scope or gone (one answer), or, with psa, of a domain psa now
 * places outside scope (oxt_replog_moved_out). In p.
 */
apr_status_t oxt_replog_debug(oxt_replog_debug_t **pdebug, oxt_db_t *db,
                              const oxt_psa_t *psa,
                              const oxt_plesk_scope_t *scope, long long id,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- removing rows ------------------------------------------------------------ */

/* Rows deleted per statement: deletes never hold many locks at once. */
#define OXT_REPLOG_DELETE_BATCH 1000

/**
 * Clean Log: every row of scope (the caller's subtree) and no other, in
 * batches; *pdeleted (may be NULL) gets how many. With psa, the rows of a
 * domain psa now places outside scope stay (oxt_replog_moved_out: one
 * read of the distinct domains of the subtree's rows first).
 */
apr_status_t oxt_replog_clean(long long *pdeleted, oxt_db_t *db,
                              const oxt_psa_t *psa,
                              const oxt_plesk_scope_t *scope,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Remove: the rows ids (long long, at most OXT_REPLOG_DELETE_BATCH * 100)
 * when every one of them is in scope; APR_ENOENT (nothing removed) when
 * one is outside it or gone, or, with psa, of a domain psa now places
 * outside scope.
 */
apr_status_t oxt_replog_remove(long long *pdeleted, oxt_db_t *db,
                               const oxt_psa_t *psa,
                               const oxt_plesk_scope_t *scope,
                               const apr_array_header_t *ids,
                               oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** What a prune did. */
typedef struct oxt_replog_prune_t {
    long long expired;            /* older than the retention */
    long long over_cap;           /* the oldest beyond the row cap */
    int batches;                  /* DELETE statements */
    int recounted;                /* the counts were rebuilt first */
    int more;                     /* the budget ran out with work left
                                     (deletes, or the page index's build) */
    int paged;                    /* a build of the page index ended: it
                                     is the one in force */
    int building;                 /* a build has chunks left */
    long long moved;              /* rows given their domain's new owner */
    int moved_domains;            /* domains whose rows all follow now */
    apr_interval_time_t moves_took;   /* the moves' batches, */
    apr_interval_time_t deletes_took; /* the deletes' (recount included), */
    apr_interval_time_t pages_took;   /* the page index's build */
    apr_interval_time_t longest_batch; /* one batch of moves or deletes,
                                          its transactions (the rows'
                                          locks and the page index's named
                                          lock, then the counts') */
} oxt_replog_prune_t;

/**
 * What a prune remembers of the row cap from one call to the next (the
 * daemon keeps one; zeroed: nothing known). The id of the newest row
 * beyond the cap was found by a walk of max_rows entries of the primary
 * key on every call over the cap (244 ms at 900,000); with this, a call
 * counts only what changed since: the rows added above a frame every row
 * up to which had committed, and the rows the journal
 * (replication_log_gone, written by every delete) says went between the
 * remembered id and the frame. A new build of the page index (it drops
 * journal rows), another max_rows, or ten minutes since the last walk
 * (a delete by hand bypasses the journal) makes it walk again.
 */
typedef struct oxt_replog_cap_t {
    long long max_rows;           /* the cap it was found for */
    long long cap_id;             /* the newest row beyond it */
    long long frame;              /* every row up to it had committed */
    long long kept;               /* the rows in (cap_id, frame] then */
    long long seq;                /* the journal's newest row then */
    long long gen;                /* the page index's build in force */
    int known;
    int walks;                    /* walks of max_rows entries made */
    apr_time_t walked_at;         /* the last walk (one every 10 min) */
} oxt_replog_cap_t;

/**
 * As oxt_replog_prune, the row cap's boundary remembered in cap from
 * one call to the next (NULL: found by a walk every call). Exact either
 * way: the same rows are deleted.
 */
apr_status_t oxt_replog_prune_kept(oxt_replog_prune_t *out,
                                   oxt_replog_cap_t *cap, oxt_db_t *db,
                                   int retention_days, long long max_rows,
                                   int batch, apr_interval_time_t budget,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Queues domain dom_id's log rows for its owner now (client_id,
 * reseller_id: 0 where there is none), on db in the caller's transaction:
 * the directory's sync, when it sees a domain moved to another owner in
 * psa. oxt_replog_prune moves them (replication_log_move, migration
 * 0148): in batches, each one transaction that journals and deletes the
 * rows, inserts their copies with the new owner (new ids), and moves
 * their counts; the last also moves the domain's banner counts
 * (run_summary_owner) and drops the entry.
 */
apr_status_t oxt_replog_move_queue(oxt_db_t *db, long long dom_id,
                                   long long client_id, long long reseller_id,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Keeps the log bounded (the replicator, each run and daemon pass): first
 * the rows of the domains queued as moved (oxt_replog_move_queue) follow
 * their new owner, then rows
 * older than retention_days, then the oldest beyond max_rows, each
 * DELETE at most batch rows (OXT_REPLOG_DELETE_BATCH when 0), until
 * nothing is left or budget has passed (out->more; a call with work to
 * do deletes at least one batch, whatever its budget). Each batch is its
 * own short transaction (its rows locked by primary key, then deleted),
 * its counts a second one, so a prune killed half-way has deleted whole
 * batches of the oldest rows and the next one carries on. First rebuilds
 * the counts when they are older than a day (oxt_replog_recount); last,
 * once the deletes caught up, builds the page index for what is left of
 * budget (at least one chunk) when it is due or under way
 * (oxt_replog_pages_refresh; out->paged when the build ended, out->more
 * and out->building while it has chunks left).
 */
apr_status_t oxt_replog_prune(oxt_replog_prune_t *out, oxt_db_t *db,
                              int retention_days, long long max_rows,
                              int batch, apr_interval_time_t budget,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- the page index (a page by its number alone) ------------------------ */

/* Every this many rows of each sort, an entry of the page index. */
#define OXT_REPLOG_PAGE_EVERY 1000

/* Owners with fewer rows have none (their deepest page skips half of
 * this many index entries). */
#define OXT_REPLOG_PAGE_MIN 10000

/* The most rows added, and the most deleted, since a build that a page
 * counts (each a range it reads); beyond, it walks. A build is due at
 * half of it. */
#define OXT_REPLOG_PAGE_CHANGES 5000

/**
 * Builds the page index again (replication_log_page, migrations 0117,
 * 0135, 0142) when force is set or it is due: none yet, OXT_REPLOG_PAGE_CHANGES
 * / 2 rows added or deleted since the last build, or an owner that
 * reached OXT_REPLOG_PAGE_MIN rows has no entries; or carries on with the
 * build under way. A build walks every sort of the whole log and of each
 * such owner (a skip of OXT_REPLOG_PAGE_EVERY index entries per entry, in
 * the server: 40 s at a million rows) in chunks: each a short
 * transaction of its own snapshot that writes its entries and where it
 * stopped, so no snapshot, lock or call lasts for the whole walk. Each
 * chunk counts the rows up to the newest id of its moment (0142), once
 * every row up to it has committed (a wait of at most 2 s: a row's id is
 * given before it commits), so the build in force is as of its last
 * chunk, not due again for the rows logged while it walked; the
 * build in force serves the pages meanwhile, and the chunk that ends the
 * build puts it in force. Chunks are made until budget has passed (at
 * least one; a negative budget: until the build ends); *pbuilt says the
 * build ended, *pmore that it has chunks left. One process builds at a
 * time: while another does, this returns at once with neither set.
 * oxt_replog_prune calls it after its deletes.
 */
apr_status_t oxt_replog_pages_refresh(int *pbuilt, int *pmore, oxt_db_t *db,
                                      int force, apr_interval_time_t budget,
                                      oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Rebuilds replication_log_count from the rows, one level at a time, each
 * in a short READ COMMITTED transaction that reads the log without
 * locking it and holds the 'all' count row (where every writer of counts
 * queues) for one GROUP BY: what a process that died between a delete
 * and its count left wrong is right again. Then queues the domains whose
 * rows name another owner than the directory's (a move missed while a
 * row of the old owner was being written) for the next prune.
 */
apr_status_t oxt_replog_recount(oxt_db_t *db, oxt_result_t *res,
                                apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_REPLOG_H */
