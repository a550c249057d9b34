/*
 * oxt_health.h — is replication healthy? One verdict per check, in the
 * monitoring-plugin convention (OK, WARNING, CRITICAL, UNKNOWN), each
 * with a short text for people. "oxtender-replicator health" prints it as
 * a Nagios/Icinga check line and exits with the state; the admin's
 * overview page shows the same checks in a panel and its JSON twin.
 *
 * The checks:
 *   database  the oxtender database answers (CRITICAL when not; the other
 *             checks are then UNKNOWN);
 *   pass      the last full pass over every domain that ended without
 *             failure is no older than pass_warning_s (WARNING) and
 *             pass_critical_s (CRITICAL); none yet is a WARNING;
 *   parked    no queue item is parked (WARNING when some are);
 *   ox        OX answers: asked now (oxt_health_ox_live, the command) or
 *             as the replicator last found it (oxt_health_gather, the
 *             page, which must not wait for OX); CRITICAL when it could
 *             not be reached or refuses our credentials;
 *   lock      the run lock is free or held by a replicator that makes
 *             progress; CRITICAL when stale or unsafe.
 *
 * The overall state is the worst check, in the order OK < UNKNOWN <
 * WARNING < CRITICAL: a check that cannot tell never hides a real problem.
 */
#ifndef OXT_HEALTH_H
#define OXT_HEALTH_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_db.h"
#include "oxt_json.h"
#include "oxt_lock.h"
#include "oxt_metrics.h"
#include "oxt_ox.h"
#include "oxt_replog.h"
#include "oxt_result.h"

typedef enum {
    OXT_HEALTH_OK = 0,
    OXT_HEALTH_WARNING = 1,
    OXT_HEALTH_CRITICAL = 2,
    OXT_HEALTH_UNKNOWN = 3             /* the exit codes of the convention */
} oxt_health_state_t;

typedef enum {
    OXT_HEALTH_DATABASE = 0,
    OXT_HEALTH_PASS,
    OXT_HEALTH_PARKED,
    OXT_HEALTH_OX,
    OXT_HEALTH_LOCK,
    OXT_HEALTH_CHECKS
} oxt_health_check_id_t;

typedef struct oxt_health_check_t {
    oxt_health_state_t state;
    const char *text;                  /* "last full pass 4 min ago" */
} oxt_health_check_t;

typedef struct oxt_health_limits_t {
    long long pass_warning_s;          /* health_pass_warning_s */
    long long pass_critical_s;         /* health_pass_critical_s */
} oxt_health_limits_t;

typedef struct oxt_health_t {
    oxt_health_state_t state;          /* the worst check (oxt_health_sum) */
    oxt_health_check_t checks[OXT_HEALTH_CHECKS];
    oxt_health_limits_t limits;
    oxt_metrics_t facts;               /* activity, queue, lock */
    oxt_run_summary_t *last_run;       /* NULL: none yet */
    int ox_live;                       /* the ox check asked OX just now */
} oxt_health_t;

/** Every check UNKNOWN ("not checked"); strings and facts in p. */
void oxt_health_init(oxt_health_t *h, const oxt_health_limits_t *limits,
                     apr_pool_t *p);

/**
 * Judges everything but a live OX check: db is the oxtender database, or
 * NULL when it could not be reached (why: the reason, may be NULL); the
 * ox check is what the replicator last recorded; lock (may be NULL: the
 * check stays UNKNOWN) is what oxt_lock_probe found. Strings in p. Ends
 * with oxt_health_sum.
 */
void oxt_health_gather(oxt_health_t *h, oxt_db_t *db, const char *why,
                       const oxt_lock_info_t *lock, apr_pool_t *p);

/**
 * Judges the pass, parked and ox checks from h->facts as they are (the
 * ox check from what was recorded): what oxt_health_gather does once it
 * has read them; public for the tests. Ends with oxt_health_sum.
 */
void oxt_health_judge(oxt_health_t *h, apr_pool_t *p);

/**
 * The ox check from a call made just now: rv its status (APR_SUCCESS, an
 * OXT_ESOAP_* code, or OXT_ECONFIG when there is no usable OX setting),
 * why the failure's text (may be NULL). Ends with oxt_health_sum.
 */
void oxt_health_ox_live(oxt_health_t *h, apr_status_t rv, const char *why,
                        apr_pool_t *p);

/**
 * A cheap call that needs OX and our credentials but changes nothing:
 * OXContextService.exists (or the reseller service's) for a name no
 * domain has, with the SOAP client's timeouts. Returns its status, the
 * failure in res.
 */
apr_status_t oxt_health_probe_ox(oxt_ox_t *ox, oxt_result_t *res,
                                  apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Sets h->state from the checks. */
void oxt_health_sum(oxt_health_t *h);

/** "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *oxt_health_state_name(oxt_health_state_t state);

/** "database", "pass", "parked", "ox", "lock". */
const char *oxt_health_check_name(oxt_health_check_id_t id);

/**
 * What is wrong, worst first ("2 parked items; OX unreachable: ..."), or
 * every check's text when nothing is; in p.
 */
const char *oxt_health_summary(const oxt_health_t *h, apr_pool_t *p);

/**
 * The monitoring plugin's line: "OXTENDER WARNING: <summary> | pass_age=
 * 240s;3600;14400 parked=2 ..." (performance data only when the database
 * answered), without a line feed; in p.
 */
const char *oxt_health_line(const oxt_health_t *h, apr_pool_t *p);

/**
 * The health as members of the JSON object that is open in j: "state",
 * "summary", "checks" ({name: {"state", "text"}}), "last_run", "pass",
 * "queue", "ox" (docs/replicator.md shows one). Scratch in p.
 */
void oxt_health_json(oxt_json_t *j, const oxt_health_t *h, apr_pool_t *p);

/** What a run's successful and failed sum (oxt_run_counts_sum: mailboxes,
 *  oxt_run_counts_total: operations), and what else its JSON object
 *  holds (oxt_health_json_run). */
typedef void oxt_health_run_total_fn(const oxt_run_counts_t *counts,
                                     long long *pok, long long *pfailed);
typedef void oxt_health_run_more_fn(oxt_json_t *j,
                                    const oxt_run_counts_t *counts);

/**
 * The member "last_run" of the JSON object j is in: null when run is NULL
 * (none yet), else an object of its started, finished, status, and its
 * successful and failed as total sums them, then what more writes (NULL:
 * nothing). `health` sums the mailboxes, `status` the operations with
 * their kinds.
 */
void oxt_health_json_run(oxt_json_t *j, const oxt_run_summary_t *run,
                         oxt_health_run_total_fn *total,
                         oxt_health_run_more_fn *more);

#endif /* OXT_HEALTH_H */
