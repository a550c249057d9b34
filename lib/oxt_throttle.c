/*
 * oxt_throttle.c — see oxt_throttle.h. Every time is the database
 * server's NOW(), so processes on different clocks agree.
 */
#include <stdlib.h>
#include <string.h>

#include "oxt_throttle.h"

void oxt_throttle_defaults(oxt_throttle_t *t)
{
    t->login_free = OXT_THROTTLE_LOGIN_FREE;
    t->address_free = OXT_THROTTLE_ADDRESS_FREE;
    t->base_delay_s = 30;
    t->max_delay_s = 900;
    t->window_s = 3600;
}

static const char sql_check[] =
    "SELECT kind, failures, blocked_until > NOW(),"
    " GREATEST(TIMESTAMPDIFF(SECOND, NOW(), blocked_until), 1)"
    " FROM login_failures"
    " WHERE ((kind = 'login' AND name = ?) OR (kind = 'address' AND name = ?))"
    " AND last_failure_at >= NOW() - INTERVAL ? SECOND";

apr_status_t oxt_throttle_check(oxt_throttle_state_t *st, oxt_db_t *db,
                                const oxt_throttle_t *t, const char *login,
                                const char *addr, oxt_result_t *res,
                                apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i, n, wait;
    apr_status_t rv;

    memset(st, 0, sizeof(*st));
    rv = oxt_db_select(&rows, db, sql_check,
                       OXT_DB_ARGS(OXT_DB_STR(login ? login : ""),
                                   OXT_DB_STR(addr),
                                   OXT_DB_INT(t->window_s)), res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        n = (int)strtol(row->vals[1], NULL, 10);
        if (strcmp(row->vals[0], "login") == 0) {
            st->login_failures = n;
        }
        else {
            st->address_failures = n;
        }
        wait = row->vals[2] && strcmp(row->vals[2], "1") == 0
             ? (int)strtol(row->vals[3], NULL, 10) : 0;
        st->wait_s = wait > st->wait_s ? wait : st->wait_s;
    }
    return rv;
}

/* One more failure of (kind, name): the count restarts after a quiet
 * window; from `free` failures on, the block is base * 2^(n - free)
 * seconds, at most max. MySQL applies the assignments left to right, so
 * blocked_until sees the new count. */
static const char sql_fail[] =
    "INSERT INTO login_failures"
    " (kind, name, failures, last_failure_at, blocked_until)"
    " VALUES (?, ?, 1, NOW(), IF(? <= 1, NOW() + INTERVAL ? SECOND, NULL))"
    " ON DUPLICATE KEY UPDATE"
    " failures = IF(last_failure_at < NOW() - INTERVAL ? SECOND, 1,"
    "               failures + 1),"
    " blocked_until = IF(failures >= ?, NOW() + INTERVAL"
    "   LEAST(CAST(? * POW(2, LEAST(CAST(failures AS SIGNED) - ?, 20))"
    "              AS UNSIGNED), ?) SECOND, NULL),"
    " last_failure_at = NOW()";

static apr_status_t throttle_count(oxt_db_t *db, const oxt_throttle_t *t,
                                   const char *kind, const char *name,
                                   int free_failures, oxt_result_t *res,
                                   apr_pool_t *p)
{
    return oxt_db_exec(NULL, db, sql_fail,
                       OXT_DB_ARGS(OXT_DB_STR(kind), OXT_DB_STR(name),
                                   OXT_DB_INT(free_failures),
                                   OXT_DB_INT(t->base_delay_s),
                                   OXT_DB_INT(t->window_s),
                                   OXT_DB_INT(free_failures),
                                   OXT_DB_INT(t->base_delay_s),
                                   OXT_DB_INT(free_failures),
                                   OXT_DB_INT(t->max_delay_s)), res, p);
}

apr_status_t oxt_throttle_fail(oxt_db_t *db, const oxt_throttle_t *t,
                               const char *login, const char *addr,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = APR_SUCCESS;

    if (login != NULL) {
        rv = throttle_count(db, t, "login", login, t->login_free, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = throttle_count(db, t, "address", addr, t->address_free, res, p);
    }
    /* Random logins must not grow the table for ever. */
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "DELETE FROM login_failures WHERE"
                         " last_failure_at < NOW() - INTERVAL 1 DAY"
                         " LIMIT 100", OXT_DB_NOARGS, res, p);
    }
    return rv;
}

apr_status_t oxt_throttle_clear(oxt_db_t *db, const char *login,
                                oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db, "DELETE FROM login_failures"
                       " WHERE kind = 'login' AND name = ?",
                       OXT_DB_ARGS(OXT_DB_STR(login)), res, p);
}
