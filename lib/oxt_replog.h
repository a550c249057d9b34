/*
 * oxt_replog.h — the replication log (one row per mailbox operation) and
 * the run summaries shown at the top of the Logs pages.
 */
#ifndef OXT_REPLOG_H
#define OXT_REPLOG_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_prefs.h"

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

/** "context_create", "user_change", ...; NULL for an unknown kind. */
const char *oxt_run_op_name(oxt_run_op_t op);

/** The successful and failed mailbox operations of counts, over every
 *  service (what the Logs page's banner sums). */
void oxt_run_counts_sum(const oxt_run_counts_t *counts, long long *pok,
                        long long *pfailed);

/** The successful and failed operations of every kind. */
void oxt_run_counts_total(const oxt_run_counts_t *counts, long long *pok,
                          long long *pfailed);

/** Writes one log row; over-long texts are cut to what the columns hold. */
apr_status_t oxt_replog_write(oxt_db_t *db, const oxt_replog_entry_t *e,
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

#endif /* OXT_REPLOG_H */
