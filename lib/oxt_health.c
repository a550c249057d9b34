/*
 * oxt_health.c — see oxt_health.h: the checks, their texts, the plugin
 * line and the JSON.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "oxt_health.h"
#include "oxt_queue.h"
#include "oxt_status.h"
#include "oxt_util.h"

/* A context name no domain can have (no dot), for the probe. */
#define PROBE_CONTEXT "oxtender-health-probe"

static const char *const state_names[] = {
    "OK", "WARNING", "CRITICAL", "UNKNOWN"
};
static const char *const state_json[] = {
    "ok", "warning", "critical", "unknown"
};
static const char *const check_names[OXT_HEALTH_CHECKS] = {
    "database", "pass", "parked", "ox", "lock"
};

/* How bad a state is, for the worst-first order. */
static int severity(oxt_health_state_t s)
{
    static const int rank[] = { 0, 2, 3, 1 };

    return (int)s >= 0 && s <= OXT_HEALTH_UNKNOWN ? rank[s] : 1;
}

const char *oxt_health_state_name(oxt_health_state_t state)
{
    return (int)state >= 0 && state <= OXT_HEALTH_UNKNOWN
        ? state_names[state] : "UNKNOWN";
}

const char *oxt_health_check_name(oxt_health_check_id_t id)
{
    return (int)id >= 0 && id < OXT_HEALTH_CHECKS ? check_names[id] : NULL;
}

static void set(oxt_health_t *h, oxt_health_check_id_t id,
                oxt_health_state_t state, const char *text)
{
    h->checks[id].state = state;
    h->checks[id].text = text;
}

void oxt_health_init(oxt_health_t *h, const oxt_health_limits_t *limits,
                     apr_pool_t *p)
{
    int i;

    memset(h, 0, sizeof(*h));
    h->limits = *limits;
    oxt_metrics_init(&h->facts, p);
    for (i = 0; i < OXT_HEALTH_CHECKS; i++) {
        set(h, (oxt_health_check_id_t)i, OXT_HEALTH_UNKNOWN,
            apr_pstrcat(p, check_names[i], ": not checked", NULL));
    }
    h->state = OXT_HEALTH_UNKNOWN;
}

void oxt_health_sum(oxt_health_t *h)
{
    int i;

    h->state = OXT_HEALTH_OK;
    for (i = 0; i < OXT_HEALTH_CHECKS; i++) {
        if (severity(h->checks[i].state) > severity(h->state)) {
            h->state = h->checks[i].state;
        }
    }
}

/* "45 s", "4 min", "3 h 12 min", "2 days 3 h". */
static const char *age_text(long long s, apr_pool_t *p)
{
    if (s < 0) {
        s = 0;
    }
    if (s < 120) {
        return apr_psprintf(p, "%s s", oxt_util_lld(s, p));
    }
    if (s < 7200) {
        return apr_psprintf(p, "%s min", oxt_util_lld(s / 60, p));
    }
    if (s < 172800) {
        return apr_psprintf(p, "%s h %s min", oxt_util_lld(s / 3600, p),
                            oxt_util_lld(s % 3600 / 60, p));
    }
    return apr_psprintf(p, "%s days %s h", oxt_util_lld(s / 86400, p),
                        oxt_util_lld(s % 86400 / 3600, p));
}

/* ---- the checks -------------------------------------------------------- */

static void judge_pass(oxt_health_t *h, apr_pool_t *p)
{
    const oxt_metrics_t *f = &h->facts;
    long long age = f->now - f->pass_ok;

    if (f->pass_ok == 0) {
        set(h, OXT_HEALTH_PASS, OXT_HEALTH_WARNING, f->pass_started
            ? apr_psprintf(p, "no full pass has finished yet (one started"
                           " %s ago)", age_text(f->now - f->pass_started, p))
            : "no full pass has run yet");
    }
    else if (age > h->limits.pass_critical_s) {
        set(h, OXT_HEALTH_PASS, OXT_HEALTH_CRITICAL,
            apr_psprintf(p, "last successful full pass %s ago (critical"
                         " after %s)", age_text(age, p),
                         age_text(h->limits.pass_critical_s, p)));
    }
    else if (age > h->limits.pass_warning_s) {
        set(h, OXT_HEALTH_PASS, OXT_HEALTH_WARNING,
            apr_psprintf(p, "last successful full pass %s ago (warning"
                         " after %s)", age_text(age, p),
                         age_text(h->limits.pass_warning_s, p)));
    }
    else {
        set(h, OXT_HEALTH_PASS, OXT_HEALTH_OK,
            apr_psprintf(p, "last successful full pass %s ago",
                         age_text(age, p)));
    }
}

static void judge_parked(oxt_health_t *h, apr_pool_t *p)
{
    long long n = h->facts.queue.parked;

    if (n == 0) {
        set(h, OXT_HEALTH_PARKED, OXT_HEALTH_OK, "nothing parked");
        return;
    }
    set(h, OXT_HEALTH_PARKED, OXT_HEALTH_WARNING,
        apr_psprintf(p, "%s parked item%s wait%s for a retry (see"
                     " oxtender-replicator status)", oxt_util_lld(n, p),
                     n == 1 ? "" : "s", n == 1 ? "s" : ""));
}

/* What the replicator (or the last health check) found. */
static void judge_ox_recorded(oxt_health_t *h, apr_pool_t *p)
{
    const oxt_metrics_t *f = &h->facts;
    const char *ago = age_text(f->now - f->ox_contact, p);

    if (f->ox_reachable < 0) {
        set(h, OXT_HEALTH_OX, OXT_HEALTH_UNKNOWN,
            "OX has not been contacted yet");
    }
    else if (f->ox_reachable) {
        set(h, OXT_HEALTH_OX, OXT_HEALTH_OK,
            apr_psprintf(p, "OX answered %s ago", ago));
    }
    else {
        set(h, OXT_HEALTH_OX, OXT_HEALTH_CRITICAL,
            apr_psprintf(p, "OX could not be reached %s ago: %s", ago,
                         f->ox_failure ? f->ox_failure : "no answer"));
    }
}

static const char *lock_holder(const oxt_lock_info_t *l, apr_pool_t *p)
{
    return l->pid > 0
        ? apr_psprintf(p, "pid %ld (%s)", l->pid, l->holder ? l->holder : "?")
        : "an unknown process";
}

static void judge_lock(oxt_health_t *h, const oxt_lock_info_t *l,
                       apr_pool_t *p)
{
    const char *idle = age_text((long long)apr_time_sec(l->idle), p);

    switch (l->state) {
    case OXT_LOCK_FREE:
        set(h, OXT_HEALTH_LOCK, OXT_HEALTH_OK, "lock free");
        break;
    case OXT_LOCK_HELD:
        set(h, OXT_HEALTH_LOCK, OXT_HEALTH_OK,
            apr_psprintf(p, "lock held by %s, progress %s ago",
                         lock_holder(l, p), idle));
        break;
    case OXT_LOCK_STALE:
        set(h, OXT_HEALTH_LOCK, OXT_HEALTH_CRITICAL,
            apr_psprintf(p, "lock held by %s with no progress for %s:"
                         " replication is stopped", lock_holder(l, p),
                         idle));
        break;
    case OXT_LOCK_UNSAFE:
        set(h, OXT_HEALTH_LOCK, OXT_HEALTH_CRITICAL,
            apr_psprintf(p, "lock unsafe: %s",
                         l->problem ? l->problem : "see status"));
        break;
    default:
        set(h, OXT_HEALTH_LOCK, OXT_HEALTH_UNKNOWN,
            apr_psprintf(p, "lock: cannot tell (%s)",
                         l->problem ? l->problem : "no permission"));
        break;
    }
}

/* Reads the facts; the database check says whether that worked. */
static apr_status_t gather_facts(oxt_health_t *h, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = oxt_metrics_gather_activity(&h->facts, db, res, p);

    if (rv == APR_SUCCESS) {
        rv = oxt_queue_stats(&h->facts.queue, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_last_run(&h->last_run, db, res, p);
    }
    h->facts.db_up = rv == APR_SUCCESS;
    return rv;
}

void oxt_health_judge(oxt_health_t *h, apr_pool_t *p)
{
    judge_pass(h, p);
    judge_parked(h, p);
    judge_ox_recorded(h, p);
    oxt_health_sum(h);
}

void oxt_health_gather(oxt_health_t *h, oxt_db_t *db, const char *why,
                       const oxt_lock_info_t *lock, apr_pool_t *p)
{
    oxt_result_t *res = oxt_result_make(p);

    if (lock != NULL) {
        h->facts.lock = *lock;
        h->facts.have_lock = 1;
        judge_lock(h, lock, p);
    }
    if (db == NULL) {
        set(h, OXT_HEALTH_DATABASE, OXT_HEALTH_CRITICAL,
            apr_psprintf(p, "the database cannot be reached: %s",
                         why ? why : "no connection"));
    }
    else if (gather_facts(h, db, res, p) != APR_SUCCESS) {
        set(h, OXT_HEALTH_DATABASE, OXT_HEALTH_CRITICAL,
            apr_psprintf(p, "the database does not answer as it should: %s",
                         oxt_result_text(res, p)));
    }
    else {
        set(h, OXT_HEALTH_DATABASE, OXT_HEALTH_OK, "database answers");
        oxt_health_judge(h, p);
    }
    if (!h->facts.db_up) {
        set(h, OXT_HEALTH_PASS, OXT_HEALTH_UNKNOWN,
            "full passes: unknown without the database");
        set(h, OXT_HEALTH_PARKED, OXT_HEALTH_UNKNOWN,
            "parked items: unknown without the database");
        set(h, OXT_HEALTH_OX, OXT_HEALTH_UNKNOWN,
            "OX: unknown without the database");
    }
    oxt_health_sum(h);
}

void oxt_health_ox_live(oxt_health_t *h, apr_status_t rv, const char *why,
                        apr_pool_t *p)
{
    const char *w = why ? why : oxt_status_str(rv, p);
    oxt_metrics_t *f = &h->facts;

    h->ox_live = 1;
    if (rv != OXT_ECONFIG) {
        /* What the facts say now: this contact (as it is recorded). */
        f->ox_reachable = oxt_metrics_ox_answered(rv);
        f->ox_contact = f->now;
        f->ox_answered = f->ox_reachable ? f->now : f->ox_answered;
        f->ox_failure = f->ox_reachable ? NULL : w;
        f->ox_contact_by = "health";
    }
    if (rv == OXT_ESOAP_AUTH) {
        set(h, OXT_HEALTH_OX, OXT_HEALTH_CRITICAL, apr_psprintf(p,
            "OX refuses the account of the Settings: %s", w));
    }
    else if (rv == OXT_ESOAP_BUSY) {
        set(h, OXT_HEALTH_OX, OXT_HEALTH_WARNING, apr_psprintf(p,
            "OX is busy (database update), try again later: %s", w));
    }
    else if (rv == OXT_ECONFIG) {
        set(h, OXT_HEALTH_OX, OXT_HEALTH_CRITICAL, apr_psprintf(p,
            "OX cannot be used: %s", w));
    }
    else if (oxt_metrics_ox_answered(rv)) {
        set(h, OXT_HEALTH_OX, OXT_HEALTH_OK, "OX answers");
    }
    else {
        set(h, OXT_HEALTH_OX, OXT_HEALTH_CRITICAL, apr_psprintf(p,
            "OX unreachable: %s", w));
    }
    oxt_health_sum(h);
}

apr_status_t oxt_health_probe_ox(oxt_ox_t *ox, oxt_result_t *res,
                                  apr_pool_t *p)
{
    oxt_ox_context_t *ctx = oxt_ox_context_make(p);
    const oxt_ox_reply_t *reply;
    oxt_ox_op_t *op;
    apr_status_t rv;

    ctx->name = PROBE_CONTEXT;
    rv = oxt_ox_context_exists(&op, ox, ctx, p);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot build the OX request", NULL);
    }
    rv = oxt_ox_call(&reply, ox, op);
    if (rv != APR_SUCCESS) {
        oxt_result_set(res, rv, reply->res->problem, "%s",
                       reply->res->detail ? reply->res->detail : "");
    }
    return rv;
}

/* ---- output ------------------------------------------------------------ */

const char *oxt_health_summary(const oxt_health_t *h, apr_pool_t *p)
{
    int problems = h->state != OXT_HEALTH_OK;
    const char *out = NULL, *text;
    int sev, i;

    for (sev = 3; sev >= (problems ? 1 : 0); sev--) {
        for (i = 0; i < OXT_HEALTH_CHECKS; i++) {
            if (severity(h->checks[i].state) != sev) {
                continue;
            }
            text = h->checks[i].text;
            out = out ? apr_pstrcat(p, out, problems ? "; " : ", ", text,
                                    NULL)
                      : text;
        }
    }
    return out ? out : "";
}

static const char *perfdata(const oxt_health_t *h, apr_pool_t *p)
{
    const oxt_metrics_t *f = &h->facts;
    const char *pass = "";

    if (!f->db_up) {
        return "";
    }
    if (f->pass_ok != 0) {
        pass = apr_psprintf(p, "pass_age=%ss;%s;%s ",
                            oxt_util_lld(f->now - f->pass_ok, p),
                            oxt_util_lld(h->limits.pass_warning_s, p),
                            oxt_util_lld(h->limits.pass_critical_s, p));
    }
    return apr_psprintf(p, " | %sparked=%s;1 queue_due=%s"
                        " queue_in_progress=%s", pass,
                        oxt_util_lld(f->queue.parked, p),
                        oxt_util_lld(f->queue.due, p),
                        oxt_util_lld(f->queue.leased, p));
}

const char *oxt_health_line(const oxt_health_t *h, apr_pool_t *p)
{
    return apr_pstrcat(p, "OXTENDER ", oxt_health_state_name(h->state), ": ",
                       oxt_health_summary(h, p), perfdata(h, p), NULL);
}

/* An ISO 8601 UTC time of Unix seconds, or JSON null for 0 (never). */
static void json_time(oxt_json_t *j, const char *key, long long t)
{
    apr_time_exp_t tm;
    apr_size_t len;
    char buf[32];

    if (t <= 0 || apr_time_exp_gmt(&tm, apr_time_from_sec(t)) != APR_SUCCESS
        || apr_strftime(buf, &len, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)
           != APR_SUCCESS) {
        oxt_json_knull(j, key);
        return;
    }
    oxt_json_kstr(j, key, buf);
}

static void json_checks(oxt_json_t *j, const oxt_health_t *h)
{
    int i;

    oxt_json_kobject(j, "checks");
    for (i = 0; i < OXT_HEALTH_CHECKS; i++) {
        oxt_json_kobject(j, check_names[i]);
        oxt_json_kstr(j, "state", state_json[h->checks[i].state]);
        oxt_json_kstr(j, "text", h->checks[i].text);
        oxt_json_end(j);
    }
    oxt_json_end(j);
}

void oxt_health_json_run(oxt_json_t *j, const oxt_run_summary_t *run,
                         oxt_health_run_total_fn *total,
                         oxt_health_run_more_fn *more)
{
    long long ok, failed;

    if (run == NULL) {
        oxt_json_knull(j, "last_run");
        return;
    }
    total(&run->counts, &ok, &failed);
    oxt_json_kobject(j, "last_run");
    oxt_json_kstr(j, "started", run->started_at);
    oxt_json_kstr(j, "finished", run->finished_at);
    oxt_json_kstr(j, "status", run->status);
    oxt_json_kint(j, "successful", ok);
    oxt_json_kint(j, "failed", failed);
    if (more != NULL) {
        more(j, &run->counts);
    }
    oxt_json_end(j);
}

static void json_queue(oxt_json_t *j, const oxt_health_t *h)
{
    const oxt_queue_stats_t *q = &h->facts.queue;
    long long backing = q->waiting - q->due - q->leased;

    if (!h->facts.db_up) {
        oxt_json_knull(j, "queue");
        return;
    }
    oxt_json_kobject(j, "queue");
    oxt_json_kint(j, "due", q->due);
    oxt_json_kint(j, "backing_off", backing > 0 ? backing : 0);
    oxt_json_kint(j, "in_progress", q->leased);
    oxt_json_kint(j, "parked", q->parked);
    oxt_json_end(j);
}

static void json_ox(oxt_json_t *j, const oxt_health_t *h)
{
    const oxt_metrics_t *f = &h->facts;

    oxt_json_kobject(j, "ox");
    oxt_json_kbool(j, "live", h->ox_live);
    if (f->ox_reachable < 0) {
        oxt_json_knull(j, "reachable");
    }
    else {
        oxt_json_kbool(j, "reachable", f->ox_reachable);
    }
    json_time(j, "contact_at", f->ox_contact);
    json_time(j, "answered_at", f->ox_answered);
    oxt_json_kstr(j, "contact_by", f->ox_contact_by);
    oxt_json_kstr(j, "failure", f->ox_reachable == 0 ? f->ox_failure : NULL);
    oxt_json_end(j);
}

void oxt_health_json(oxt_json_t *j, const oxt_health_t *h, apr_pool_t *p)
{
    const oxt_metrics_t *f = &h->facts;

    oxt_json_kstr(j, "state", state_json[h->state]);
    oxt_json_kstr(j, "summary", oxt_health_summary(h, p));
    json_checks(j, h);
    oxt_health_json_run(j, h->last_run, oxt_run_counts_sum, NULL);
    oxt_json_kobject(j, "pass");
    json_time(j, "last_ok", f->pass_ok);
    json_time(j, "last_started", f->pass_started);
    oxt_json_kint(j, "warning_s", h->limits.pass_warning_s);
    oxt_json_kint(j, "critical_s", h->limits.pass_critical_s);
    oxt_json_end(j);
    json_queue(j, h);
    json_ox(j, h);
}
