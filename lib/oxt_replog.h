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

typedef struct oxt_run_counts_t {
    long long ok[OXT_SERVICE_COUNT];
    long long failed[OXT_SERVICE_COUNT];
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

/** The successful and failed operations of counts, over every service. */
void oxt_run_counts_sum(const oxt_run_counts_t *counts, long long *pok,
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
