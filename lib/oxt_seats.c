/*
 * oxt_seats.c — see oxt_seats.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_seats.h"
#include "oxt_licstate.h"
#include "oxt_state.h"
#include "oxt_util.h"
#include "oxt_log.h"

/* Ids loaded per kind at most: caps beyond it are not sold, and the
 * holders past it would only be counted, never looked up. */
#define SEATS_MAX_IDS 100000

enum { KIND_USERS = 0, KIND_DOMAINS = 1 };

typedef struct {
    long long cap;                  /* OXT_LICENSE_UNLIMITED: not kept */
    apr_hash_t *held;               /* the first cap holders, by id */
    long long held_total;           /* every holder */
    apr_array_header_t *waiting;    /* long long, ascending */
    apr_hash_t *granted;            /* given since the load */
    long long granted_n;
} seat_pool_t;

struct oxt_seats_t {
    apr_pool_t *lp;                 /* of the last load */
    oxt_license_terms_t terms;
    int restricted;
    int counted;                    /* Plesk's mailboxes counted once */
    long long plesk_mailboxes;
    seat_pool_t kind[2];
};

static const char seat_mark[] = "seat";

/* ---- the rule ----------------------------------------------------------- */

void oxt_seats_reset(oxt_seats_t *s, const oxt_license_terms_t *terms,
                     int restricted)
{
    int k;

    apr_pool_clear(s->lp);
    s->terms = *terms;
    s->restricted = restricted;
    s->kind[KIND_USERS].cap = terms->groupware_cap;
    s->kind[KIND_DOMAINS].cap = terms->max_domains;
    for (k = 0; k < 2; k++) {
        s->kind[k].held = apr_hash_make(s->lp);
        s->kind[k].held_total = 0;
        s->kind[k].waiting = apr_array_make(s->lp, 8, sizeof(long long));
        s->kind[k].granted = apr_hash_make(s->lp);
        s->kind[k].granted_n = 0;
    }
}

oxt_seats_t *oxt_seats_make(apr_pool_t *p)
{
    oxt_seats_t *s = apr_pcalloc(p, sizeof(*s));
    oxt_license_terms_t none;

    apr_pool_create(&s->lp, p);
    memset(&none, 0, sizeof(none));
    none.max_domains = OXT_LICENSE_UNLIMITED;
    none.max_mailboxes = OXT_LICENSE_UNLIMITED;
    none.groupware_cap = OXT_LICENSE_UNLIMITED;
    none.premium = 1;
    oxt_seats_reset(s, &none, 0);
    return s;
}

void oxt_seats_holders(oxt_seats_t *s, int domains,
                       const apr_array_header_t *ids, long long total)
{
    seat_pool_t *sp = &s->kind[domains ? KIND_DOMAINS : KIND_USERS];
    int i;

    for (i = 0; i < ids->nelts && (sp->cap == OXT_LICENSE_UNLIMITED
                                   || i < sp->cap); i++) {
        oxt_util_id_set(sp->held, APR_ARRAY_IDX(ids, i, long long),
                        seat_mark);
    }
    sp->held_total = total;
}

void oxt_seats_waiting(oxt_seats_t *s, int domains,
                       const apr_array_header_t *ids)
{
    seat_pool_t *sp = &s->kind[domains ? KIND_DOMAINS : KIND_USERS];
    long long id;
    int i;

    sp->waiting->nelts = 0;
    for (i = 0; i < ids->nelts; i++) {
        id = APR_ARRAY_IDX(ids, i, long long);
        if (oxt_util_id_get(sp->held, id) == NULL) {
            APR_ARRAY_PUSH(sp->waiting, long long) = id;
        }
    }
}

/* Where id is among the waiting (binary search), -1 if it is not. */
static int waiting_at(const seat_pool_t *sp, long long id)
{
    const long long *w = (const long long *)sp->waiting->elts;
    int lo = 0, hi = sp->waiting->nelts, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (w[mid] < id) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo < sp->waiting->nelts && w[lo] == id ? lo : -1;
}

/* May id have a seat of this kind? With take, it gets it. */
static int seat_check(seat_pool_t *sp, long long id, int take)
{
    long long used = sp->held_total + sp->granted_n;
    int at;

    if (sp->cap == OXT_LICENSE_UNLIMITED
        || oxt_util_id_get(sp->held, id) != NULL
        || oxt_util_id_get(sp->granted, id) != NULL) {
        return 1;
    }
    /* The free seats go to those waiting, lowest id first (those below
     * id are ahead of it), and only what they leave to newcomers: the
     * outcome does not depend on the order of the questions. */
    at = waiting_at(sp, id);
    if (used >= sp->cap
        || (at >= 0 ? at : sp->waiting->nelts) >= sp->cap - used) {
        return 0;
    }
    if (take) {
        oxt_util_id_set(sp->granted, id, seat_mark);
        sp->granted_n++;
        if (at >= 0) {
            memmove(&APR_ARRAY_IDX(sp->waiting, at, long long),
                    &APR_ARRAY_IDX(sp->waiting, at + 1, long long),
                    sizeof(long long) * (size_t)(sp->waiting->nelts - at
                                                 - 1));
            sp->waiting->nelts--;
        }
    }
    return 1;
}

const char *oxt_seats_decide(oxt_seats_t *s, long long dom_id,
                             long long mail_id, oxt_service_t service)
{
    int groupware = service != OXT_SERVICE_WEBMAIL;

    if (s->restricted) {
        return OXT_WHY_LICENSE_RESTRICTED;
    }
    if (!oxt_license_service_allowed(&s->terms, service)) {
        return OXT_WHY_LICENSE_PREMIUM;
    }
    if (!seat_check(&s->kind[KIND_DOMAINS], dom_id, 0)) {
        return OXT_WHY_LICENSE_DOMAINS;
    }
    if (groupware && !seat_check(&s->kind[KIND_USERS], mail_id, 0)) {
        return OXT_WHY_LICENSE_LIMIT;
    }
    /* Both are free: only now is either taken, so a domain never holds
     * a seat for a mailbox that got none. */
    seat_check(&s->kind[KIND_DOMAINS], dom_id, 1);
    if (groupware) {
        seat_check(&s->kind[KIND_USERS], mail_id, 1);
    }
    return NULL;
}

const oxt_license_terms_t *oxt_seats_terms(const oxt_seats_t *s)
{
    return &s->terms;
}

long long oxt_seats_plesk_mailboxes(const oxt_seats_t *s)
{
    return s->counted ? s->plesk_mailboxes : 0;
}

const char *oxt_seats_reason_text(const oxt_seats_t *s, const char *reason,
                                  apr_pool_t *p)
{
    if (reason == NULL) {
        return NULL;
    }
    if (strcmp(reason, OXT_WHY_LICENSE_RESTRICTED) == 0) {
        return apr_pstrcat(p, "Plesk holds ",
                           oxt_util_lld(s->plesk_mailboxes, p), " mailboxes,"
                           " the license allows ",
                           oxt_util_lld(s->terms.max_mailboxes, p),
                           NULL);
    }
    if (strcmp(reason, OXT_WHY_LICENSE_PREMIUM) == 0) {
        return "the license does not include Groupware Premium";
    }
    if (strcmp(reason, OXT_WHY_LICENSE_DOMAINS) == 0) {
        return apr_pstrcat(p, "the license allows ",
                           oxt_util_lld(s->terms.max_domains, p),
                           " domains in OX", NULL);
    }
    if (strcmp(reason, OXT_WHY_LICENSE_LIMIT) == 0) {
        return apr_pstrcat(p, "the license allows ",
                           oxt_util_lld(s->terms.groupware_cap, p),
                           " Groupware mailboxes (Standard and Premium)",
                           NULL);
    }
    return NULL;
}

/* ---- loading ------------------------------------------------------------ */

static apr_status_t seats_load_kind(oxt_seats_t *s, oxt_db_t *db, int k,
                                    long long *ptotal, oxt_result_t *res)
{
    seat_pool_t *sp = &s->kind[k];
    long long cap = sp->cap;
    int limit = cap == OXT_LICENSE_UNLIMITED ? 0
              : cap > SEATS_MAX_IDS ? SEATS_MAX_IDS : (int)cap;
    apr_array_header_t *ids;
    apr_status_t rv;

    rv = oxt_state_seat_holders(&ids, ptotal, db, k == KIND_DOMAINS, limit,
                                res, s->lp);
    if (rv != APR_SUCCESS || limit == 0 || s->restricted) {
        return rv;
    }
    oxt_seats_holders(s, k == KIND_DOMAINS, ids, *ptotal);
    rv = oxt_state_seat_waiting(&ids, db, k == KIND_DOMAINS
                                ? OXT_WHY_LICENSE_DOMAINS
                                : OXT_WHY_LICENSE_LIMIT,
                                k == KIND_DOMAINS, limit, res, s->lp);
    if (rv == APR_SUCCESS) {
        oxt_seats_waiting(s, k == KIND_DOMAINS, ids);
    }
    return rv;
}

static const char *const seats_reasons[OXT_STATE_REASONS] = {
    OXT_WHY_LICENSE_RESTRICTED, OXT_WHY_LICENSE_DOMAINS,
    OXT_WHY_LICENSE_PREMIUM, OXT_WHY_LICENSE_LIMIT
};

/* The usage recorded; counts: the refusals already counted (NULL: they
 * are counted here). */
static apr_status_t seats_usage(oxt_seats_t *s, oxt_db_t *db,
                                long long users, long long domains,
                                const long long *known, oxt_result_t *res)
{
    long long counts[OXT_STATE_REASONS];
    oxt_license_usage_t u;
    apr_status_t rv = APR_SUCCESS;

    memset(&u, 0, sizeof(u));
    u.plesk_mailboxes = s->plesk_mailboxes;
    u.groupware = users;
    u.domains = domains;
    if (known != NULL) {
        memcpy(counts, known, sizeof(counts));
    }
    else {
        rv = oxt_state_reason_counts(counts, db, seats_reasons, res, s->lp);
    }
    u.refused_restricted = counts[0];
    u.refused_domains = counts[1];
    u.refused_premium = counts[2];
    u.refused_groupware = counts[3];
    return rv == APR_SUCCESS ? oxt_license_usage_record(db, &u, res, s->lp)
                             : rv;
}

static apr_status_t seats_count(oxt_seats_t *s, oxt_db_t *db,
                                const oxt_psa_t *psa, oxt_result_t *res,
                                apr_pool_t *p)
{
    apr_status_t rv;

    rv = oxt_license_count_mailboxes(&s->plesk_mailboxes, db, psa, res, p);
    s->counted = s->counted || rv == APR_SUCCESS;
    return rv;
}

/* What a full pass tells the log about the license. */
static void seats_log(const oxt_seats_t *s, const oxt_license_status_t *st,
                      long long users, long long domains)
{
    if (st->status != OXT_LICSTAT_NONE && st->status != OXT_LICSTAT_VALID) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                       OXTLOGNO(04100) "license: %s", st->status_text);
    }
    if (s->restricted) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                       OXTLOGNO(04101) "replication is restricted by the"
                       " license (%s): nothing is sent to OX until a license"
                       " that allows them is in force",
                       oxt_seats_reason_text(s, OXT_WHY_LICENSE_RESTRICTED,
                                             s->lp));
        return;
    }
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS,
                   OXTLOGNO(04102) "license: %s; %s Plesk mailboxes, %s"
                   " Groupware users (cap %s), %s domains (max %s) in OX",
                   st->status_text, oxt_util_lld(s->plesk_mailboxes, s->lp),
                   oxt_util_lld(users, s->lp),
                   oxt_util_lld(s->terms.groupware_cap, s->lp),
                   oxt_util_lld(domains, s->lp),
                   oxt_util_lld(s->terms.max_domains, s->lp));
}

apr_status_t oxt_seats_load(oxt_seats_t *s, oxt_db_t *db,
                            const oxt_psa_t *psa, const oxt_config_t *cfg,
                            int count, int record, oxt_result_t *res)
{
    oxt_license_status_t *st;
    long long users = 0, domains = 0, counts[OXT_STATE_REASONS];
    int totals;
    apr_pool_t *tp;
    apr_status_t rv;

    apr_pool_create(&tp, apr_pool_parent_get(s->lp));
    rv = oxt_license_status_load(&st, db, psa, cfg, 0, res, tp);
    if (rv == APR_SUCCESS && count) {
        rv = seats_count(s, db, psa, res, tp);
    }
    if (rv == APR_SUCCESS) {
        oxt_seats_reset(s, &st->terms, s->counted
                        && oxt_license_restricted(&st->terms,
                                                  s->plesk_mailboxes));
    }
    /* Without caps no id list is read: the two totals and the refusals
     * (recorded only with record) in one statement. */
    totals = rv == APR_SUCCESS
             && s->kind[KIND_USERS].cap == OXT_LICENSE_UNLIMITED
             && s->kind[KIND_DOMAINS].cap == OXT_LICENSE_UNLIMITED;
    if (totals) {
        rv = oxt_state_seat_totals(&users, &domains, counts, db,
                                   seats_reasons, res, s->lp);
    }
    if (rv == APR_SUCCESS && !totals) {
        rv = seats_load_kind(s, db, KIND_USERS, &users, res);
    }
    if (rv == APR_SUCCESS && !totals) {
        rv = seats_load_kind(s, db, KIND_DOMAINS, &domains, res);
    }
    if (rv == APR_SUCCESS && record) {
        rv = seats_usage(s, db, users, domains, totals ? counts : NULL, res);
    }
    if (rv == APR_SUCCESS && count) {
        seats_log(s, st, users, domains);
    }
    apr_pool_destroy(tp);
    return rv;
}
