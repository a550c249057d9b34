/*
 * oxt_result.h — a failure told to a person.
 *
 * apr_status_t says what kind of failure happened; oxt_result_t adds the
 * words a page, the replicator's JSON or a log line shows: a short problem
 * ("Cannot connect to the database") and a detail (the server's text). The
 * strings live in the result's pool.
 */
#ifndef OXT_RESULT_H
#define OXT_RESULT_H

#include <apr_pools.h>
#include <apr_errno.h>

typedef struct oxt_result_t {
    apr_pool_t *p;
    apr_status_t status;
    const char *problem;   /* short, user-facing; NULL on success */
    const char *detail;    /* longer, may quote a server; NULL if none */
} oxt_result_t;

/** A result in p, status APR_SUCCESS. */
oxt_result_t *oxt_result_make(apr_pool_t *p);

/** Resets res to success. */
void oxt_result_reset(oxt_result_t *res);

/**
 * Records a failure and returns status, so callers write
 * "return oxt_result_set(res, APR_EINVAL, "Bad quota", "%s", v);".
 * res may be NULL (the failure is then only returned).
 */
apr_status_t oxt_result_set(oxt_result_t *res, apr_status_t status,
                            const char *problem, const char *detail_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** "problem: detail", or the status text when no problem was set. */
const char *oxt_result_text(const oxt_result_t *res, apr_pool_t *p);

#endif /* OXT_RESULT_H */
