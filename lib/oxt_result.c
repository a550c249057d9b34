/*
 * oxt_result.c — see oxt_result.h.
 */
#include <stdarg.h>
#include <apr_strings.h>

#include "oxt_result.h"
#include "oxt_status.h"

oxt_result_t *oxt_result_make(apr_pool_t *p)
{
    oxt_result_t *res = apr_pcalloc(p, sizeof(*res));

    res->p = p;
    res->status = APR_SUCCESS;
    return res;
}

void oxt_result_reset(oxt_result_t *res)
{
    res->status = APR_SUCCESS;
    res->problem = NULL;
    res->detail = NULL;
}

apr_status_t oxt_result_set(oxt_result_t *res, apr_status_t status,
                            const char *problem, const char *detail_fmt, ...)
{
    va_list ap;

    if (res == NULL) {
        return status;
    }
    res->status = status;
    res->problem = problem ? apr_pstrdup(res->p, problem) : NULL;
    res->detail = NULL;
    if (detail_fmt != NULL) {
        va_start(ap, detail_fmt);
        res->detail = apr_pvsprintf(res->p, detail_fmt, ap);
        va_end(ap);
    }
    return status;
}

const char *oxt_result_text(const oxt_result_t *res, apr_pool_t *p)
{
    const char *problem = res->problem;

    if (res->status == APR_SUCCESS) {
        return "OK";
    }
    if (problem == NULL) {
        problem = oxt_status_str(res->status, p);
    }
    if (res->detail != NULL && *res->detail) {
        return apr_pstrcat(p, problem, ": ", res->detail, NULL);
    }
    return problem;
}
