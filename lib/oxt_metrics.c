/*
 * oxt_metrics.c — see oxt_metrics.h: the names, the tally the engine
 * counts into, writing it to the counters, and reading everything back.
 * The exposition writer is at the end.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_metrics.h"
#include "oxt_status.h"
#include "oxt_version.h"
#include "oxt_replog.h"
#include "oxt_utf8.h"

/* Operation names seen by one tally; more go under "other" (our own
 * code names them, so there are about twenty). */
#define TALLY_CALLS_MAX 64
/* What the activity row's VARCHAR(255) holds, with room for a cut
 * character. */
#define FAILURE_MAX 250

/* ---- names ------------------------------------------------------------- */

static const char *const op_kinds[OXT_METRICS_OP_KINDS] = {
    "context_create", "context_change", "context_delete", "admin_change",
    "user_create", "user_change", "user_access", "user_delete"
};

/* In OXT_ESOAP_* order (oxt_status.h), then "other"; NULL-terminated
 * for oxt_db_row_enum. */
static const char *const fault_kinds[OXT_METRICS_FAULT_KINDS + 1] = {
    "auth", "context_exists", "user_exists", "no_context", "no_user",
    "invalid", "busy", "http_5xx", "connect", "timeout", "fault", "http",
    "xml", "too_big", "other", NULL
};

/* Upper bounds in microseconds; the last bucket has none (+Inf). SOAP
 * calls to OX take from a few milliseconds (a change) to many seconds
 * (a context create on a busy schema), up to the Settings' timeout. */
static const apr_interval_time_t bucket_us[OXT_METRICS_BUCKETS - 1] = {
    10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
    5000000, 10000000, 30000000, 60000000
};

static const char *const bucket_le[OXT_METRICS_BUCKETS] = {
    "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
    "30", "60", "+Inf"
};

/* The columns of metric_soap_calls, bucket by bucket. */
#define BUCKET_COLS "b_10ms, b_25ms, b_50ms, b_100ms, b_250ms, b_500ms," \
    " b_1s, b_2500ms, b_5s, b_10s, b_30s, b_60s, b_inf"

const char *oxt_metrics_op_kind(oxt_op_kind_t kind)
{
    return (int)kind >= 0 && kind < OXT_METRICS_OP_KINDS ? op_kinds[kind]
                                                         : NULL;
}

const char *oxt_metrics_fault_name(int i)
{
    return i >= 0 && i < OXT_METRICS_FAULT_KINDS ? fault_kinds[i] : NULL;
}

int oxt_metrics_fault_index(apr_status_t rv)
{
    if (rv == APR_SUCCESS) {
        return -1;
    }
    switch (rv) {
    case OXT_ESOAP_NAME_FIXED:      /* OX's refusals of valid data are */
    case OXT_ESOAP_MAIL_FIXED:      /* InvalidDataExceptions */
    case OXT_ESOAP_ADMIN_DEL:
        return (int)(OXT_ESOAP_INVALID - OXT_ESOAP_START - 1);
    case OXT_ESOAP_TLS:             /* no connection to OX was made */
        return (int)(OXT_ESOAP_CONNECT - OXT_ESOAP_START - 1);
    default:
        break;
    }
    if (rv > OXT_ESOAP_START && rv <= OXT_ESOAP_TOOBIG) {
        return (int)(rv - OXT_ESOAP_START - 1);
    }
    return OXT_METRICS_FAULT_KINDS - 1;
}

int oxt_metrics_ox_answered(apr_status_t rv)
{
    switch (rv) {
    case APR_SUCCESS:
    case OXT_ESOAP_AUTH:
    case OXT_ESOAP_CTX_EXISTS:
    case OXT_ESOAP_USER_EXISTS:
    case OXT_ESOAP_NO_CTX:
    case OXT_ESOAP_NO_USER:
    case OXT_ESOAP_INVALID:
    case OXT_ESOAP_NAME_FIXED:
    case OXT_ESOAP_MAIL_FIXED:
    case OXT_ESOAP_ADMIN_DEL:
    case OXT_ESOAP_BUSY:
    case OXT_ESOAP_FAULT:
        return 1;
    default:
        return 0;
    }
}

int oxt_metrics_bucket(apr_interval_time_t elapsed)
{
    int i;

    for (i = 0; i < OXT_METRICS_BUCKETS - 1; i++) {
        if (elapsed <= bucket_us[i]) {
            return i;
        }
    }
    return OXT_METRICS_BUCKETS - 1;
}

const char *oxt_metrics_bucket_le(int i)
{
    return i >= 0 && i < OXT_METRICS_BUCKETS ? bucket_le[i] : NULL;
}

/* ---- the tally --------------------------------------------------------- */

struct oxt_metrics_tally_t {
    apr_pool_t *p;                 /* operation names */
    int dirty;
    long long ops[OXT_METRICS_OP_KINDS][2];
    long long faults[OXT_METRICS_FAULT_KINDS];
    apr_array_header_t *calls;     /* oxt_metrics_call_t */
    int contacted;                 /* a call finished since the flush */
    int answered;                  /* the last one had an answer */
    int ever_answered;             /* one of them had */
    apr_time_t contact_at;         /* when the last one finished */
    apr_time_t answered_at;        /* when the last answer came */
    char failure[FAILURE_MAX + 1]; /* why the last failure failed */
};

oxt_metrics_tally_t *oxt_metrics_tally_make(apr_pool_t *p)
{
    oxt_metrics_tally_t *t = apr_pcalloc(p, sizeof(*t));

    t->p = p;
    t->calls = apr_array_make(p, 8, sizeof(oxt_metrics_call_t));
    return t;
}

static void tally_reset(oxt_metrics_tally_t *t)
{
    oxt_metrics_call_t *c;
    int i;

    memset(t->ops, 0, sizeof(t->ops));
    memset(t->faults, 0, sizeof(t->faults));
    /* The names stay (they are few): only their counts go. */
    for (i = 0; i < t->calls->nelts; i++) {
        c = &APR_ARRAY_IDX(t->calls, i, oxt_metrics_call_t);
        c->calls = c->sum_us = 0;
        memset(c->buckets, 0, sizeof(c->buckets));
    }
    t->contacted = t->answered = t->ever_answered = 0;
    t->contact_at = t->answered_at = 0;
    t->failure[0] = '\0';
    t->dirty = 0;
}

void oxt_metrics_tally_op(oxt_metrics_tally_t *t, oxt_op_kind_t kind, int ok)
{
    if (t == NULL || (int)kind < 0 || kind >= OXT_METRICS_OP_KINDS) {
        return;
    }
    t->ops[kind][ok ? 1 : 0]++;
    t->dirty = 1;
}

/* "OXUserService.create": the last word of the URL's path and the
 * operation; anything else than letters and dots is not one of ours. */
static const char *call_operation(const oxt_soap_call_t *call,
                                  char *buf, apr_size_t size)
{
    const char *url = oxt_soap_call_url(call), *svc, *op;
    apr_size_t i;

    op = oxt_soap_call_op(call);
    svc = url != NULL ? strrchr(url, '/') : NULL;
    if (svc == NULL || svc[1] == '\0' || op == NULL
        || (apr_size_t)snprintf(buf, size, "%s.%s", svc + 1, op) >= size) {
        return "other";
    }
    for (i = 0; buf[i]; i++) {
        if (!((buf[i] >= 'a' && buf[i] <= 'z') || buf[i] == '.'
              || (buf[i] >= 'A' && buf[i] <= 'Z'))) {
            return "other";
        }
    }
    return buf;
}

static oxt_metrics_call_t *tally_call_row(oxt_metrics_tally_t *t,
                                          const char *operation)
{
    oxt_metrics_call_t *c;
    int i;

    for (i = 0; i < t->calls->nelts; i++) {
        c = &APR_ARRAY_IDX(t->calls, i, oxt_metrics_call_t);
        if (strcmp(c->operation, operation) == 0) {
            return c;
        }
    }
    if (t->calls->nelts >= TALLY_CALLS_MAX) {
        return tally_call_row(t, "other");
    }
    c = apr_array_push(t->calls);
    memset(c, 0, sizeof(*c));
    c->operation = apr_pstrdup(t->p, operation);
    return c;
}

/* Cuts s to at most max bytes without splitting a UTF-8 character. */
/* dst has room for max + 1 bytes; the cut never splits a character. */
static void copy_cut(char *dst, const char *s, apr_size_t max)
{
    apr_size_t n = oxt_utf8_cut_len(s, max);

    memcpy(dst, s, n);
    dst[n] = '\0';
}

void oxt_metrics_tally_contact(oxt_metrics_tally_t *t, apr_status_t rv,
                               const char *why, apr_time_t at)
{
    if (t == NULL) {
        return;
    }
    t->contacted = 1;
    t->contact_at = at;
    t->answered = oxt_metrics_ox_answered(rv);
    t->ever_answered |= t->answered;
    if (t->answered) {
        t->answered_at = at;
    }
    else {
        copy_cut(t->failure, why != NULL ? why : "OX did not answer",
                 FAILURE_MAX);
    }
}

static void tally_contact(oxt_metrics_tally_t *t, const oxt_soap_call_t *call,
                          apr_status_t rv)
{
    const oxt_result_t *res = oxt_soap_call_result(call);
    char why[FAILURE_MAX + 1];

    snprintf(why, sizeof(why), "%s%s%s",
             res->problem ? res->problem : "OX did not answer",
             res->detail ? ": " : "", res->detail ? res->detail : "");
    oxt_metrics_tally_contact(t, rv, why, apr_time_now());
}

void oxt_metrics_tally_call(oxt_metrics_tally_t *t,
                            const oxt_soap_call_t *call,
                            apr_interval_time_t elapsed)
{
    apr_status_t rv = oxt_soap_call_status(call);
    char buf[80];
    oxt_metrics_call_t *c;
    int fault;

    if (t == NULL) {
        return;
    }
    c = tally_call_row(t, call_operation(call, buf, sizeof(buf)));
    c->calls++;
    c->sum_us += elapsed > 0 ? elapsed : 0;
    c->buckets[oxt_metrics_bucket(elapsed)]++;
    fault = oxt_metrics_fault_index(rv);
    if (fault >= 0) {
        t->faults[fault]++;
    }
    tally_contact(t, call, rv);
    t->dirty = 1;
}

static oxt_metrics_call_t *snapshot_call(oxt_metrics_t *m, const char *op,
                                         apr_pool_t *p)
{
    oxt_metrics_call_t *c;
    int i;

    for (i = 0; i < m->calls->nelts; i++) {
        c = &APR_ARRAY_IDX(m->calls, i, oxt_metrics_call_t);
        if (strcmp(c->operation, op) == 0) {
            return c;
        }
    }
    c = apr_array_push(m->calls);
    memset(c, 0, sizeof(*c));
    c->operation = apr_pstrdup(p, op);
    return c;
}

void oxt_metrics_tally_add(const oxt_metrics_tally_t *t, oxt_metrics_t *m,
                           apr_pool_t *p)
{
    const oxt_metrics_call_t *tc;
    oxt_metrics_call_t *c;
    int i, k;

    for (k = 0; k < OXT_METRICS_OP_KINDS; k++) {
        m->ops[k][0] += t->ops[k][0];
        m->ops[k][1] += t->ops[k][1];
    }
    for (k = 0; k < OXT_METRICS_FAULT_KINDS; k++) {
        m->faults[k] += t->faults[k];
    }
    for (i = 0; i < t->calls->nelts; i++) {
        tc = &APR_ARRAY_IDX(t->calls, i, const oxt_metrics_call_t);
        if (tc->calls == 0) {
            continue;
        }
        c = snapshot_call(m, tc->operation, p);
        c->calls += tc->calls;
        c->sum_us += tc->sum_us;
        for (k = 0; k < OXT_METRICS_BUCKETS; k++) {
            c->buckets[k] += tc->buckets[k];
        }
    }
}

int oxt_metrics_tally_empty(const oxt_metrics_tally_t *t)
{
    return t == NULL || !t->dirty;
}

/* ---- writing the tally ------------------------------------------------- */

static apr_status_t flush_ops(const oxt_metrics_tally_t *t, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = APR_SUCCESS;
    int k, ok;

    for (k = 0; rv == APR_SUCCESS && k < OXT_METRICS_OP_KINDS; k++) {
        for (ok = 0; rv == APR_SUCCESS && ok < 2; ok++) {
            if (t->ops[k][ok] == 0) {
                continue;
            }
            rv = oxt_db_exec(NULL, db,
                "INSERT INTO metric_operations (kind, outcome, total)"
                " VALUES (?, ?, ?)"
                " ON DUPLICATE KEY UPDATE total = total + VALUES(total)",
                OXT_DB_ARGS(OXT_DB_STR(op_kinds[k]),
                            OXT_DB_STR(ok ? "success" : "failure"),
                            OXT_DB_INT(t->ops[k][ok])), res, p);
        }
    }
    return rv;
}

static apr_status_t flush_faults(const oxt_metrics_tally_t *t, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; rv == APR_SUCCESS && i < OXT_METRICS_FAULT_KINDS; i++) {
        if (t->faults[i] == 0) {
            continue;
        }
        rv = oxt_db_exec(NULL, db,
            "INSERT INTO metric_soap_faults (kind, total) VALUES (?, ?)"
            " ON DUPLICATE KEY UPDATE total = total + VALUES(total)",
            OXT_DB_ARGS(OXT_DB_STR(fault_kinds[i]),
                        OXT_DB_INT(t->faults[i])), res, p);
    }
    return rv;
}

#define ADD(col) " " col " = " col " + VALUES(" col ")"

static apr_status_t flush_call(const oxt_metrics_call_t *c, oxt_db_t *db,
                               oxt_result_t *res, apr_pool_t *p)
{
    const long long *b = c->buckets;

    return oxt_db_exec(NULL, db,
        "INSERT INTO metric_soap_calls (operation, calls, sum_us, "
        BUCKET_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?) ON DUPLICATE KEY UPDATE" ADD("calls") "," ADD("sum_us") ","
        ADD("b_10ms") "," ADD("b_25ms") "," ADD("b_50ms") ","
        ADD("b_100ms") "," ADD("b_250ms") "," ADD("b_500ms") ","
        ADD("b_1s") "," ADD("b_2500ms") "," ADD("b_5s") "," ADD("b_10s")
        "," ADD("b_30s") "," ADD("b_60s") "," ADD("b_inf"),
        OXT_DB_ARGS(OXT_DB_STR(c->operation), OXT_DB_INT(c->calls),
                    OXT_DB_INT(c->sum_us), OXT_DB_INT(b[0]),
                    OXT_DB_INT(b[1]), OXT_DB_INT(b[2]), OXT_DB_INT(b[3]),
                    OXT_DB_INT(b[4]), OXT_DB_INT(b[5]), OXT_DB_INT(b[6]),
                    OXT_DB_INT(b[7]), OXT_DB_INT(b[8]), OXT_DB_INT(b[9]),
                    OXT_DB_INT(b[10]), OXT_DB_INT(b[11]),
                    OXT_DB_INT(b[12])), res, p);
}

static apr_status_t flush_calls(const oxt_metrics_tally_t *t, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    const oxt_metrics_call_t *c;
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; rv == APR_SUCCESS && i < t->calls->nelts; i++) {
        c = &APR_ARRAY_IDX(t->calls, i, const oxt_metrics_call_t);
        if (c->calls > 0) {
            rv = flush_call(c, db, res, p);
        }
    }
    return rv;
}

/* The microseconds since at (0 for a time not past), by this process's
 * clock. */
static long long age_us(apr_time_t at)
{
    apr_time_t now = apr_time_now();

    return at > 0 && now > at ? (long long)(now - at) : 0;
}

/* The contact's time (bound as its age) and whether it is not older
 * than the stored one's. */
#define CONTACT_AT "(NOW(3) - INTERVAL ? MICROSECOND)"
#define CONTACT_NEWER "(ox_contact_at IS NULL OR ox_contact_at <= " \
    CONTACT_AT ")"

/* The last contact: the last call's verdict, and when OX last answered
 * (ever_answered: one of the calls did). contact_at and answered_at are
 * when they happened (a tally keeps a contact up to a second before its
 * flush): written as the server's NOW(3) less their age by this process's
 * clock, so the row stays in the server's time. Neither time goes back:
 * a contact older than the stored one (health's, written while the
 * tally waited) leaves the stored time, verdict and writer as they are
 * (ox_contact_at is set last: MariaDB evaluates a single-table UPDATE's
 * assignments in order, so the tests before it read the stored time). */
static apr_status_t record_contact(oxt_db_t *db, int answered,
                                   int ever_answered, const char *failure,
                                   const char *by, apr_time_t contact_at,
                                   apr_time_t answered_at,
                                   oxt_result_t *res, apr_pool_t *p)
{
    long long age = age_us(contact_at), answered_age = age_us(answered_at);

    return oxt_db_exec(NULL, db,
        "UPDATE replicator_activity SET"
        " ox_reachable = IF(" CONTACT_NEWER ", ?, ox_reachable),"
        " ox_failure = IF(" CONTACT_NEWER " AND NOT ?, ?, ox_failure),"
        " ox_contact_by = IF(" CONTACT_NEWER ", ?, ox_contact_by),"
        " ox_answered_at = IF(?, COALESCE(GREATEST(ox_answered_at, "
        CONTACT_AT "), " CONTACT_AT "), ox_answered_at),"
        " ox_contact_at = COALESCE(GREATEST(ox_contact_at, " CONTACT_AT "), "
        CONTACT_AT ") WHERE id = 1",
        OXT_DB_ARGS(OXT_DB_INT(age), OXT_DB_INT(answered),
                    OXT_DB_INT(age), OXT_DB_INT(answered),
                    OXT_DB_STR(failure), OXT_DB_INT(age), OXT_DB_STR(by),
                    OXT_DB_INT(ever_answered), OXT_DB_INT(answered_age),
                    OXT_DB_INT(answered_age), OXT_DB_INT(age),
                    OXT_DB_INT(age)), res, p);
}

apr_status_t oxt_metrics_tally_flush(oxt_metrics_tally_t *t, oxt_db_t *db,
                                     oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv;

    if (oxt_metrics_tally_empty(t) && !t->contacted) {
        return APR_SUCCESS;
    }
    rv = flush_ops(t, db, res, p);
    if (rv == APR_SUCCESS) {
        rv = flush_faults(t, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = flush_calls(t, db, res, p);
    }
    if (rv == APR_SUCCESS && t->contacted) {
        rv = record_contact(db, t->answered, t->ever_answered, t->failure,
                            "replicator", t->contact_at, t->answered_at,
                            res, p);
    }
    tally_reset(t);
    return rv;
}

apr_status_t oxt_metrics_tally_flush_counts(oxt_metrics_tally_t *t,
                                            oxt_db_t *db, oxt_result_t *res,
                                            apr_pool_t *p)
{
    int contacted = t->contacted, answered = t->answered;
    int ever = t->ever_answered;
    apr_time_t contact_at = t->contact_at, answered_at = t->answered_at;
    char failure[sizeof(t->failure)];
    apr_status_t rv;

    if (oxt_metrics_tally_empty(t)) {
        return APR_SUCCESS;
    }
    memcpy(failure, t->failure, sizeof(failure));
    rv = flush_ops(t, db, res, p);
    if (rv == APR_SUCCESS) {
        rv = flush_faults(t, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = flush_calls(t, db, res, p);
    }
    tally_reset(t);
    /* the contact waits for a later flush */
    t->contacted = contacted;
    t->answered = answered;
    t->ever_answered = ever;
    t->contact_at = contact_at;
    t->answered_at = answered_at;
    memcpy(t->failure, failure, sizeof(failure));
    return rv;
}

/* ---- passes and contacts ----------------------------------------------- */

apr_status_t oxt_metrics_pass_begin(oxt_db_t *db, oxt_result_t *res,
                                    apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
                       "UPDATE replicator_activity SET pass_started_at = NOW()"
                       " WHERE id = 1", OXT_DB_NOARGS, res, p);
}

apr_status_t oxt_metrics_pass_end(oxt_db_t *db, int ok, oxt_result_t *res,
                                  apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
                       "UPDATE replicator_activity"
                       " SET pass_ok_at = IF(?, NOW(), pass_ok_at),"
                       " pass_failed_at = IF(?, pass_failed_at, NOW())"
                       " WHERE id = 1",
                       OXT_DB_ARGS(OXT_DB_INT(ok), OXT_DB_INT(ok)), res, p);
}

apr_status_t oxt_metrics_ox_contact(oxt_db_t *db, apr_status_t rv,
                                    const char *why, const char *by,
                                    oxt_result_t *res, apr_pool_t *p)
{
    int answered = oxt_metrics_ox_answered(rv);
    char failure[FAILURE_MAX + 1];

    copy_cut(failure, why != NULL ? why : "OX did not answer", FAILURE_MAX);
    return record_contact(db, answered, answered, failure, by, 0, 0, res, p);
}

/* ---- reading ----------------------------------------------------------- */

void oxt_metrics_init(oxt_metrics_t *m, apr_pool_t *p)
{
    memset(m, 0, sizeof(*m));
    m->ox_reachable = -1;
    m->calls = apr_array_make(p, 8, sizeof(oxt_metrics_call_t));
    m->mailboxes = apr_array_make(p, 1, sizeof(oxt_state_count_t));
    m->domains = apr_array_make(p, 1, sizeof(oxt_state_count_t));
}

/* FLOOR: UNIX_TIMESTAMP of a DATETIME(3) has a fraction. */
#define TS(col) "FLOOR(UNIX_TIMESTAMP(" col "))"

apr_status_t oxt_metrics_gather_activity(oxt_metrics_t *m, oxt_db_t *db,
                                         oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db,
        "SELECT UNIX_TIMESTAMP(), " TS("pass_started_at") ","
        " " TS("pass_ok_at") ", " TS("ox_contact_at") ", ox_reachable,"
        " " TS("ox_answered_at") ", ox_failure, ox_contact_by"
        " FROM replicator_activity WHERE id = 1", OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv != APR_SUCCESS ? rv
            : oxt_result_set(res, OXT_ESCHEMA, "No replicator activity row",
                             "run oxtender-replicator migrate");
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    m->now = oxt_db_row_int(row, 0, 0);
    m->pass_started = oxt_db_row_int(row, 1, 0);
    m->pass_ok = oxt_db_row_int(row, 2, 0);
    m->ox_contact = oxt_db_row_int(row, 3, 0);
    m->ox_reachable = row->vals[4] != NULL ? oxt_db_row_bool(row, 4) : -1;
    m->ox_answered = oxt_db_row_int(row, 5, 0);
    m->ox_failure = oxt_db_row_str(row, 6, p);
    m->ox_contact_by = oxt_db_row_str(row, 7, p);
    rv = oxt_replog_run_times(&m->run_started, &m->run_ended, &m->run_ok, db,
                              res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    m->db_up = 1;
    return APR_SUCCESS;
}

static apr_status_t gather_ops(oxt_metrics_t *m, oxt_db_t *db,
                               oxt_result_t *res, apr_pool_t *p)
{
    static const char *const outcomes[] = { "failure", "success", NULL };
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i, k;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db,
                       "SELECT kind, outcome, total FROM metric_operations",
                       OXT_DB_NOARGS, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        for (k = 0; k < OXT_METRICS_OP_KINDS; k++) {
            if (row->vals[0] != NULL
                && strcmp(row->vals[0], op_kinds[k]) == 0) {
                m->ops[k][oxt_db_row_enum(row, 1, outcomes, 0)] +=
                    oxt_db_row_int(row, 2, 0);
            }
        }
    }
    return rv;
}

static apr_status_t gather_faults(oxt_metrics_t *m, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i, k;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, "SELECT kind, total FROM metric_soap_faults",
                       OXT_DB_NOARGS, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        k = oxt_db_row_enum(row, 0, fault_kinds, -1);
        if (k >= 0) {
            m->faults[k] += oxt_db_row_int(row, 1, 0);
        }
    }
    return rv;
}

static apr_status_t gather_calls(oxt_metrics_t *m, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    oxt_metrics_call_t *c;
    int i, b;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db,
                       "SELECT operation, calls, sum_us, " BUCKET_COLS
                       " FROM metric_soap_calls ORDER BY operation",
                       OXT_DB_NOARGS, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        c = apr_array_push(m->calls);
        c->operation = row->vals[0] ? row->vals[0] : "other";
        c->calls = oxt_db_row_int(row, 1, 0);
        c->sum_us = oxt_db_row_int(row, 2, 0);
        for (b = 0; b < OXT_METRICS_BUCKETS; b++) {
            c->buckets[b] = oxt_db_row_int(row, 3 + b, 0);
        }
    }
    return rv;
}

apr_status_t oxt_metrics_gather(oxt_metrics_t *m, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = oxt_metrics_gather_activity(m, db, res, p);

    if (rv == APR_SUCCESS) {
        rv = oxt_queue_stats(&m->queue, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = gather_ops(m, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = gather_faults(m, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = gather_calls(m, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_counts(&m->mailboxes, &m->domains, db, res, p);
    }
    m->db_up = rv == APR_SUCCESS;
    return rv;
}

/* ---- the exposition ---------------------------------------------------- */

/* One family's # HELP and # TYPE lines. */
static void fam(oxt_sink_t *s, const char *name, const char *type,
                const char *help)
{
    oxt_sink_puts(s, "# HELP ");
    oxt_sink_puts(s, name);
    oxt_sink_puts(s, " ");
    oxt_sink_puts(s, help);
    oxt_sink_puts(s, "\n# TYPE ");
    oxt_sink_puts(s, name);
    oxt_sink_puts(s, " ");
    oxt_sink_puts(s, type);
    oxt_sink_puts(s, "\n");
}

/* A label value: backslash, double quote and line feed escaped. */
static void label_value(oxt_sink_t *s, const char *v)
{
    const char *run = v;

    for (; *v; v++) {
        if (*v == '\\' || *v == '"' || *v == '\n') {
            oxt_sink_write(s, run, (apr_size_t)(v - run));
            oxt_sink_puts(s, *v == '\\' ? "\\\\" : *v == '"' ? "\\\""
                                                              : "\\n");
            run = v + 1;
        }
    }
    oxt_sink_puts(s, run);
}

/* name{k="v",...} value; labels: key, value pairs ending with NULL
 * (a NULL value leaves its label out). */
static void sample(oxt_sink_t *s, const char *name,
                   const char *const *labels, const char *value)
{
    int first = 1, i;

    oxt_sink_puts(s, name);
    for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
        if (labels[i + 1] == NULL) {
            continue;
        }
        oxt_sink_puts(s, first ? "{" : ",");
        oxt_sink_puts(s, labels[i]);
        oxt_sink_puts(s, "=\"");
        label_value(s, labels[i + 1]);
        oxt_sink_puts(s, "\"");
        first = 0;
    }
    oxt_sink_puts(s, first ? " " : "} ");
    oxt_sink_puts(s, value);
    oxt_sink_puts(s, "\n");
}

static void sample_int(oxt_sink_t *s, const char *name,
                       const char *const *labels, long long v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", v);
    sample(s, name, labels, buf);
}

/* A gauge of one value; a timestamp of 0 (never) is left out. */
static void gauge(oxt_sink_t *s, const char *name, const char *help,
                  long long v, int omit_zero)
{
    fam(s, name, "gauge", help);
    if (!omit_zero || v != 0) {
        sample_int(s, name, NULL, v);
    }
}

static void write_build(oxt_sink_t *s, const oxt_metrics_t *m)
{
    const char *const labels[] = { "version", oxt_version(), NULL };

    fam(s, "oxtender_build_info", "gauge",
        "The version of oxtender-replicator (always 1).");
    sample(s, "oxtender_build_info", labels, "1");
    gauge(s, "oxtender_database_up", "Whether the oxtender database answered"
          " (1) or not (0); without it only the lock is shown.", m->db_up, 0);
}

static void write_runs(oxt_sink_t *s, const oxt_metrics_t *m)
{
    gauge(s, "oxtender_last_run_start_timestamp_seconds",
          "When the newest run (cron run, or the daemon's) started.",
          m->run_started, 1);
    gauge(s, "oxtender_last_run_end_timestamp_seconds",
          "When the newest run that ended, successfully or not, ended.",
          m->run_ended, 1);
    gauge(s, "oxtender_last_run_success_timestamp_seconds",
          "When the newest run that ended without failure ended.",
          m->run_ok, 1);
    gauge(s, "oxtender_last_full_pass_start_timestamp_seconds",
          "When the newest full pass over every domain started.",
          m->pass_started, 1);
    gauge(s, "oxtender_last_full_pass_success_timestamp_seconds",
          "When the newest full pass over every domain ended without"
          " failure.", m->pass_ok, 1);
}

static void write_queue(oxt_sink_t *s, const oxt_metrics_t *m)
{
    const oxt_queue_stats_t *q = &m->queue;
    long long backing = q->waiting - q->due - q->leased;
    const char *const due[] = { "state", "due", NULL };
    const char *const back[] = { "state", "backing_off", NULL };
    const char *const busy[] = { "state", "in_progress", NULL };

    fam(s, "oxtender_queue_items", "gauge", "Hints waiting in the queue:"
        " due now, backing off after a failure, being worked on.");
    sample_int(s, "oxtender_queue_items", due, q->due);
    sample_int(s, "oxtender_queue_items", back, backing > 0 ? backing : 0);
    sample_int(s, "oxtender_queue_items", busy, q->leased);
    gauge(s, "oxtender_parked_items", "Queue items parked after their last"
          " attempt: they wait for a person (retry).", q->parked, 0);
    gauge(s, "oxtender_queue_oldest_item_timestamp_seconds",
          "When the oldest waiting hint was queued.", q->oldest_ts, 1);
}

static void write_ops(oxt_sink_t *s, const oxt_metrics_t *m)
{
    const char *labels[] = { "kind", NULL, "outcome", NULL, NULL };
    int k, ok;

    fam(s, "oxtender_operations_total", "counter",
        "OX operations finished, by kind and outcome.");
    for (k = 0; k < OXT_METRICS_OP_KINDS; k++) {
        for (ok = 1; ok >= 0; ok--) {
            labels[1] = op_kinds[k];
            labels[3] = ok ? "success" : "failure";
            sample_int(s, "oxtender_operations_total", labels,
                       m->ops[k][ok]);
        }
    }
}

static void write_faults(oxt_sink_t *s, const oxt_metrics_t *m)
{
    const char *labels[] = { "kind", NULL, NULL };
    int i;

    fam(s, "oxtender_soap_faults_total", "counter",
        "SOAP calls to OX that failed, by kind (a SOAP fault, or an HTTP"
        " or connection failure).");
    for (i = 0; i < OXT_METRICS_FAULT_KINDS; i++) {
        labels[1] = fault_kinds[i];
        sample_int(s, "oxtender_soap_faults_total", labels, m->faults[i]);
    }
}

static void write_call(oxt_sink_t *s, const oxt_metrics_call_t *c)
{
    const char *labels[] = { "operation", c->operation, "le", NULL, NULL };
    const char *const op[] = { "operation", c->operation, NULL };
    long long cum = 0;
    char sum[48];
    int b;

    for (b = 0; b < OXT_METRICS_BUCKETS; b++) {
        cum += c->buckets[b];
        labels[3] = bucket_le[b];
        sample_int(s, "oxtender_soap_call_duration_seconds_bucket", labels,
                   cum);
    }
    snprintf(sum, sizeof(sum), "%lld.%06lld", c->sum_us / 1000000,
             c->sum_us % 1000000);
    sample(s, "oxtender_soap_call_duration_seconds_sum", op, sum);
    sample_int(s, "oxtender_soap_call_duration_seconds_count", op, cum);
}

static void write_calls(oxt_sink_t *s, const oxt_metrics_t *m)
{
    int i;

    fam(s, "oxtender_soap_call_duration_seconds", "histogram",
        "Time SOAP calls to OX spent on the wire, by operation.");
    for (i = 0; i < m->calls->nelts; i++) {
        write_call(s, &APR_ARRAY_IDX(m->calls, i, const oxt_metrics_call_t));
    }
}

static void write_groups(oxt_sink_t *s, const char *name, const char *help,
                         const apr_array_header_t *groups)
{
    const oxt_state_count_t *g;
    const char *labels[] = { "state", NULL, "reason", NULL, "service", NULL,
                             NULL };
    int i;

    fam(s, name, "gauge", help);
    for (i = 0; i < groups->nelts; i++) {
        g = &APR_ARRAY_IDX(groups, i, const oxt_state_count_t);
        labels[1] = g->status;
        labels[3] = *g->reason ? g->reason : NULL;
        labels[5] = g->service;
        sample_int(s, name, labels, g->count);
    }
}

static void write_ox(oxt_sink_t *s, const oxt_metrics_t *m)
{
    gauge(s, "oxtender_ox_last_contact_timestamp_seconds",
          "When a SOAP call to OX last finished.", m->ox_contact, 1);
    gauge(s, "oxtender_ox_last_answer_timestamp_seconds",
          "When OX last answered a SOAP call (with a result or a fault).",
          m->ox_answered, 1);
    fam(s, "oxtender_ox_reachable", "gauge",
        "Whether OX answered the last SOAP call (1) or not (0).");
    if (m->ox_reachable >= 0) {
        sample_int(s, "oxtender_ox_reachable", NULL, m->ox_reachable);
    }
}

static void write_lock(oxt_sink_t *s, const oxt_metrics_t *m)
{
    const oxt_lock_info_t *l = &m->lock;
    int held = l->state == OXT_LOCK_HELD || l->state == OXT_LOCK_STALE;

    if (!m->have_lock) {
        return;
    }
    gauge(s, "oxtender_lock_held", "Whether a replicator holds the run lock.",
          held, 0);
    gauge(s, "oxtender_lock_stale", "Whether the lock is held with no"
          " progress for longer than lock_stale_s (replication is stuck).",
          l->state == OXT_LOCK_STALE, 0);
    fam(s, "oxtender_lock_idle_seconds", "gauge",
        "Seconds since the lock's holder last showed progress.");
    if (held) {
        sample_int(s, "oxtender_lock_idle_seconds", NULL,
                   (long long)apr_time_sec(l->idle));
    }
}

/* The license's limit of resource: +Inf when unlimited (a limit is a
 * number to compare usage with, so unlimited is one too). */
static void license_limit(oxt_sink_t *s, const char *resource, long long v)
{
    const char *const labels[] = { "resource", resource, NULL };
    char buf[32];

    if (v == OXT_LICENSE_UNLIMITED) {
        sample(s, "oxtender_license_limit", labels, "+Inf");
        return;
    }
    snprintf(buf, sizeof(buf), "%lld", v);
    sample(s, "oxtender_license_limit", labels, buf);
}

static void license_usage(oxt_sink_t *s, const oxt_license_usage_t *u)
{
    const char *labels[] = { "resource", NULL, NULL };
    const char *refused[] = { "reason", NULL, NULL };

    fam(s, "oxtender_license_usage", "gauge", "What the license's limits"
        " count, as the replicator counted at its last full pass.");
    if (u->known) {
        labels[1] = "domains";
        sample_int(s, "oxtender_license_usage", labels, u->domains);
        labels[1] = "plesk_mailboxes";
        sample_int(s, "oxtender_license_usage", labels, u->plesk_mailboxes);
        labels[1] = "groupware_mailboxes";
        sample_int(s, "oxtender_license_usage", labels, u->groupware);
    }
    fam(s, "oxtender_license_refused_mailboxes", "gauge", "Mailboxes not"
        " replicated because of the license, by the limit that refused"
        " them.");
    if (u->known) {
        refused[1] = "restricted";
        sample_int(s, "oxtender_license_refused_mailboxes", refused,
                   u->refused_restricted);
        refused[1] = "domains";
        sample_int(s, "oxtender_license_refused_mailboxes", refused,
                   u->refused_domains);
        refused[1] = "premium";
        sample_int(s, "oxtender_license_refused_mailboxes", refused,
                   u->refused_premium);
        refused[1] = "groupware";
        sample_int(s, "oxtender_license_refused_mailboxes", refused,
                   u->refused_groupware);
    }
}

static void write_license(oxt_sink_t *s, const oxt_metrics_t *m)
{
    const oxt_license_status_t *l = m->license;
    const oxt_license_terms_t *t;

    if (l == NULL) {
        return;
    }
    t = &l->terms;
    gauge(s, "oxtender_license_key_in_force", "Whether a license key is in"
          " force (0: the evaluation allowance applies).",
          l->status == OXT_LICSTAT_VALID, 0);
    fam(s, "oxtender_license_limit", "gauge", "The limits of the license in"
        " force (+Inf: unlimited).");
    license_limit(s, "domains", t->max_domains);
    license_limit(s, "plesk_mailboxes", t->max_mailboxes);
    license_limit(s, "groupware_mailboxes", t->groupware_cap);
    gauge(s, "oxtender_license_premium", "Whether the license allows"
          " Groupware Premium.", t->premium != 0, 0);
    license_usage(s, &l->usage);
    gauge(s, "oxtender_license_restricted", "Whether Plesk has more"
          " mailboxes than the license allows (nothing is replicated).",
          l->restricted != 0, 0);
    gauge(s, "oxtender_license_limit_reached", "Whether a limit stops new"
          " Groupware accounts or domains.", l->limit_reached != 0, 0);
}

apr_status_t oxt_metrics_write(oxt_sink_t *sink, const oxt_metrics_t *m,
                               apr_pool_t *p)
{
    (void)p;
    write_build(sink, m);
    write_lock(sink, m);
    if (m->db_up) {
        write_runs(sink, m);
        write_queue(sink, m);
        write_ops(sink, m);
        write_faults(sink, m);
        write_calls(sink, m);
        write_groups(sink, "oxtender_mailboxes", "Mailboxes the replicator"
                     " knows, by state (replicated, pending, error,"
                     " unreplicable, disabled, deleted), reason and service"
                     " type.", m->mailboxes);
        write_groups(sink, "oxtender_domains", "Domains the replicator knows,"
                     " by state.", m->domains);
        write_ox(sink, m);
        write_license(sink, m);
    }
    return oxt_sink_status(sink);
}
