/*
 * oxt_reconcile.c — see oxt_reconcile.h.
 *
 * Reads run in parallel (the SOAP client bounds the connections); the
 * per-context serialisation only matters for writes, and the repairs here
 * are writes to our own database. The contexts of a page come in bulk
 * (recon_page_ask: a context list per hundred ids, getData for any a
 * list lacks); then each domain is a small state machine: the context's
 * user list and getMultipleData of its users (ours and those the list
 * names that we do not know), then the access combination's name of
 * those whose turn it is, then the comparison.
 *
 * Each call lives in a pool of its own, gone once its answer is read
 * (recon_submit): an answer's parsed document is many times its text,
 * and a task holding every answer of its context until its last access
 * combination came back made a window of tasks cost 100 MB.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_cstr.h>

#include "oxt_reconcile.h"
#include "oxt_state.h"
#include "oxt_crypto.h"
#include "oxt_prefs.h"
#include "oxt_secrets.h"
#include "oxt_util.h"
#include "oxt_log.h"
#include "oxt_status.h"

typedef struct recon_t {
    apr_pool_t *p;
    oxt_db_t *db;
    oxt_ox_t *ox;
    oxt_soap_client_t *soap;
    const unsigned char *key;
    int master_override;
    oxt_reconcile_opts_t opts;
    oxt_reconcile_stats_t *stats;
    apr_array_header_t *unknown;     /* recon_unknown_t * */
    int active;
    long long total, done;
    apr_array_header_t *dead;        /* finished tasks' and calls' pools */
    apr_status_t fatal;
    oxt_result_t *fatal_res;
} recon_t;

/* A user we did not create, with what it takes to delete it later. */
typedef struct recon_unknown_t {
    oxt_drift_t *drift;
    int ctx_id;
    oxt_ox_creds_t *admin;           /* NULL with master override */
} recon_unknown_t;

typedef struct recon_task_t {
    recon_t *rc;
    apr_pool_t *p;
    oxt_applied_context_t ctx;
    apr_hash_t *users;               /* mail id -> oxt_applied_user_t * */
    oxt_ox_context_t *oxctx;
    oxt_ox_context_t *listed;        /* as the page's bulk list read it;
                                        NULL: asked with getData */
    oxt_ox_creds_t *admin;
    apr_hash_t *known;               /* OX user id -> recon_user_t * */
    int pending;                     /* calls in flight */
    int list_state;                  /* the user list: 0 in flight, 1
                                        read, -1 refused or failed */
    int chunk_refused;               /* a getMultipleData was refused */
    int refusal_told;                /* context_admin drift reported */
    int repaired;
} recon_task_t;

/* ---- drift -------------------------------------------------------------- */

static void recon_fatal(recon_t *rc, apr_status_t rv, const oxt_result_t *res)
{
    if (rc->fatal == APR_SUCCESS) {
        rc->fatal = rv;
        oxt_result_set(rc->fatal_res, rv, res->problem, "%s",
                       res->detail ? res->detail : "");
    }
}

static void recon_drift(recon_task_t *t, const char *kind, long long mail_id,
                        long long ox_id, const char *target,
                        const char *detail)
{
    recon_t *rc = t->rc;
    oxt_drift_t *d = apr_pcalloc(rc->p, sizeof(*d));

    d->kind = kind;
    d->dom_id = t->ctx.dom_id;
    d->mail_id = mail_id;
    d->ox_id = ox_id;
    d->target = apr_pstrdup(rc->p, target ? target : "");
    d->detail = apr_pstrdup(rc->p, detail ? detail : "");
    rc->stats->drifts++;
    if (strcmp(kind, "user_unknown") == 0) {
        recon_unknown_t *u = apr_pcalloc(rc->p, sizeof(*u));

        rc->stats->unknown++;
        u->drift = d;
        u->ctx_id = (int)t->ctx.ox_context_id;
        if (t->admin != NULL) {
            u->admin = apr_pcalloc(rc->p, sizeof(*u->admin));
            u->admin->login = apr_pstrdup(rc->p, t->admin->login);
            u->admin->password = apr_pstrdup(rc->p, t->admin->password);
        }
        APR_ARRAY_PUSH(rc->unknown, recon_unknown_t *) = u;
    }
    else if (strcmp(kind, "context_admin") != 0) {
        t->repaired = 1;
    }
    if (rc->opts.on_drift != NULL) {
        rc->opts.on_drift(rc->opts.baton, d);
    }
}

/* Runs a repair unless this is a dry run. */
static void recon_repair(recon_task_t *t, apr_status_t rv,
                         oxt_result_t *res)
{
    if (rv != APR_SUCCESS) {
        recon_fatal(t->rc, rv, res);
    }
}

/* ---- calls in pools of their own ------------------------------------------ */

typedef struct {
    recon_t *rc;
    apr_pool_t *p;
    oxt_ox_done_cb *cb;
    void *baton;
} recon_call_t;

/* A pool for one call, beside (not under) the task's: dead pools are
 * destroyed together, in any order. */
static apr_pool_t *recon_call_pool(recon_t *rc)
{
    apr_pool_t *cp;

    apr_pool_create(&cp, rc->p);
    return cp;
}

static void recon_call_done(void *baton, oxt_ox_op_t *op,
                            const oxt_ox_reply_t *reply)
{
    recon_call_t *c = baton;

    c->cb(c->baton, op, reply);
    /* The SOAP client is still inside the call: buried after its run. */
    APR_ARRAY_PUSH(c->rc->dead, apr_pool_t *) = c->p;
}

/* Submits op, built in cp (recon_call_pool), which goes when cb has
 * read the answer; 0 when op is NULL or cannot be sent (cp is gone). */
static int recon_submit(recon_t *rc, apr_status_t built, oxt_ox_op_t *op,
                        apr_pool_t *cp, oxt_ox_done_cb *cb, void *baton)
{
    recon_call_t *c = apr_palloc(cp, sizeof(*c));

    c->rc = rc;
    c->p = cp;
    c->cb = cb;
    c->baton = baton;
    if (built == APR_SUCCESS
        && oxt_ox_submit(rc->ox, op, recon_call_done, c) == APR_SUCCESS) {
        return 1;
    }
    apr_pool_destroy(cp);
    return 0;
}

/* ---- comparing a user ------------------------------------------------------ */

static int str_differs(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") != 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *sorted_join(apr_array_header_t *list, apr_pool_t *p)
{
    apr_array_header_t *copy;

    if (list == NULL || list->nelts == 0) {
        return "";
    }
    copy = apr_array_copy(p, list);
    qsort(copy->elts, (size_t)copy->nelts, sizeof(const char *), str_cmp);
    return apr_array_pstrcat(p, copy, '\n');
}

/* OX answers "imap://host:143"; we store "host:143". */
static const char *server_plain(const char *s)
{
    const char *sep = s ? strstr(s, "://") : NULL;

    return sep ? sep + 3 : s;
}

/* Appends " name" to out when a value we applied (want, NULL: not
 * known, so not compared) is not what OX has. */
static const char *diff_add(const char *out, const char *name,
                            const char *ox, const char *want, apr_pool_t *p)
{
    if (want == NULL || !str_differs(ox, want)) {
        return out;
    }
    return apr_pstrcat(p, out, " ", name, NULL);
}

/* The surname we send is the domain's display name, the part of the
 * display name after the mailbox name ("user1@Dom1.example"). */
static const char *display_domain(const char *display)
{
    const char *at = display ? strchr(display, '@') : NULL;

    return at ? at + 1 : NULL;
}

/* Every attribute we set, as oxt_engine sends it (oxt_desired): the
 * login name is not compared, since OX refuses to change it by default
 * (USERNAME_CHANGEABLE) and after a rename it rightly differs. */
static const char *user_differences(const oxt_ox_user_t *ox,
                                    const oxt_applied_user_t *have,
                                    apr_pool_t *p)
{
    const char *out = "";
    /* Where OX refused a new primary address (PRIMARY_MAIL_UNCHANGEABLE)
     * it keeps the old one, also among the aliases. */
    const char *primary = have->ox_primary ? have->ox_primary : have->address;
    const char *aliases = have->aliases;

    if (have->ox_primary != NULL && have->aliases != NULL) {
        aliases = oxt_desired_join_sorted(apr_cstr_split(apr_pstrcat(p,
                      have->aliases, "\n", have->ox_primary, NULL), "\n",
                      1, p), NULL, p);
    }
    out = diff_add(out, "primaryEmail", ox->primary_email, primary, p);
    out = diff_add(out, "email1", ox->email1, primary, p);
    out = diff_add(out, "defaultSenderAddress", ox->default_sender, primary,
                   p);
    out = diff_add(out, "aliases", sorted_join(ox->aliases, p), aliases, p);
    out = diff_add(out, "imapLogin", ox->imap_login, have->address, p);
    out = diff_add(out, "display_name", ox->display_name,
                   have->display_name, p);
    out = diff_add(out, "given_name", ox->given_name, have->mail_name, p);
    out = diff_add(out, "sur_name", ox->sur_name,
                   display_domain(have->display_name), p);
    out = diff_add(out, "language", ox->language, have->language, p);
    out = diff_add(out, "timezone", ox->timezone, have->timezone, p);
    out = diff_add(out, "imapServer", server_plain(ox->imap_server),
                   have->imap_server, p);
    out = diff_add(out, "smtpServer", server_plain(ox->smtp_server),
                   have->smtp_server, p);
    return *out ? out + 1 : NULL;
}

/* Login mappings as OX answers them, without the context id (OX keeps
 * that one itself and leaves it out of getData), in our stored form. */
static const char *mappings_join(const oxt_ox_context_t *c, apr_pool_t *p)
{
    apr_array_header_t *maps = apr_array_make(p, 4, sizeof(const char *));
    const char *id = apr_itoa(p, c->id);
    int i;

    for (i = 0; c->login_mappings && i < c->login_mappings->nelts; i++) {
        const char *m = APR_ARRAY_IDX(c->login_mappings, i, const char *);

        if (strcmp(m, id) != 0) {
            APR_ARRAY_PUSH(maps, const char *) = m;
        }
    }
    return sorted_join(maps, p);
}

static const char *context_differences(const oxt_ox_context_t *c,
                                       const oxt_applied_context_t *have,
                                       apr_pool_t *p)
{
    const char *out = "";

    out = diff_add(out, "name", c->name, have->context_name, p);
    out = diff_add(out, "loginMappings", mappings_join(c, p),
                   have->mappings, p);
    if (c->max_quota >= -1 && have->quota_mb >= -1
        && c->max_quota != have->quota_mb) {
        out = apr_pstrcat(p, out, " maxQuota", NULL);
    }
    return *out ? out + 1 : NULL;
}

/* ---- the per-domain state machine ------------------------------------------------ */

static void recon_task_end(recon_task_t *t);

/* One of the calls of a task is done; the last one ends the task. */
static void recon_task_step(recon_task_t *t)
{
    if (--t->pending == 0) {
        recon_task_end(t);
    }
}

typedef struct {
    recon_task_t *t;
    oxt_applied_user_t *have;
    const char *diff;                /* what differs, NULL: nothing */
} recon_user_t;

static void recon_user_forget(recon_user_t *ru, const char *kind, int gone,
                              const char *detail)
{
    recon_task_t *t = ru->t;
    oxt_result_t *res = oxt_result_make(t->p);

    recon_drift(t, kind, ru->have->mail_id, ru->have->ox_user_id,
                ru->have->address, detail);
    if (!t->rc->opts.dry_run) {
        recon_repair(t, oxt_state_user_forget(t->rc->db, ru->have->mail_id,
                                              gone, res, t->p), res);
    }
}

/* The access combination we applied, by its name in the Settings. */
static const char *recon_access_want(const recon_user_t *ru)
{
    const char *const *names = ru->t->rc->opts.access_combination;
    int svc = ru->have->service;

    return names != NULL && svc >= 0 && svc < OXT_SERVICE_COUNT
           ? names[svc] : NULL;
}

static void recon_user_finish(recon_user_t *ru)
{
    if (ru->diff != NULL) {
        recon_user_forget(ru, "user_changed", 0, ru->diff);
    }
    recon_task_step(ru->t);
}

static void recon_access_read(void *baton, oxt_ox_op_t *op,
                              const oxt_ox_reply_t *reply)
{
    recon_user_t *ru = baton;

    (void)op;
    if (reply->status != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, reply->status,
                       OXTLOGNO(03700) "reconcile: cannot read the access"
                       " combination of %s: %s", ru->have->address,
                       oxt_result_text(reply->res, ru->t->p));
    }
    else if (str_differs(reply->text, recon_access_want(ru))) {
        ru->diff = ru->diff ? apr_pstrcat(ru->t->p, ru->diff,
                                          " access_combination", NULL)
                            : "access_combination";
    }
    recon_user_finish(ru);
}

/* Is this user's access combination compared in this run? */
static int recon_access_due(const recon_t *rc, const recon_user_t *ru)
{
    switch (rc->opts.access) {
    case OXT_RECONCILE_ACCESS_ALL:
        return 1;
    case OXT_RECONCILE_ACCESS_NONE:
        return 0;
    default:
        return ru->have->mail_id % OXT_RECONCILE_TURNS
               == rc->stats->access_turn;
    }
}

/* Asks for the user's access combination; 0 when that is not done. */
static int recon_access_ask(recon_user_t *ru)
{
    recon_task_t *t = ru->t;
    recon_t *rc = t->rc;
    oxt_ox_user_t *x;
    oxt_ox_op_t *get = NULL;
    apr_pool_t *cp;
    apr_status_t rv;

    if (recon_access_want(ru) == NULL) {
        return 0;
    }
    rc->stats->access_total++;
    if (!recon_access_due(rc, ru)) {
        return 0;
    }
    cp = recon_call_pool(rc);
    x = oxt_ox_user_make(cp);
    x->id = (int)ru->have->ox_user_id;
    rv = oxt_ox_user_get_access_name(&get, rc->ox, t->oxctx, t->admin, x,
                                     cp);
    if (!recon_submit(rc, rv, get, cp, recon_access_read, ru)) {
        return 0;
    }
    rc->stats->access_checked++;
    return 1;
}

/* A mailbox of ours recorded with the context admin's id: writing to it
 * would rewrite the admin. Nothing to repair from here. */
static void recon_user_is_admin(recon_user_t *ru)
{
    recon_drift(ru->t, "context_admin", ru->have->mail_id,
                ru->have->ox_user_id, ru->have->address,
                "the mailbox is recorded as the context admin");
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                   OXTLOGNO(03701) "reconcile: %s is recorded as the"
                   " context admin of %s (OX user %s); not repaired",
                   ru->have->address, ru->t->ctx.context_name,
                   oxt_util_lld(ru->have->ox_user_id, ru->t->p));
}

/* What OX answered for one of our users (getData, or its part of a
 * getMultipleData). */
static void recon_user_read(recon_user_t *ru, apr_status_t status,
                            const oxt_ox_user_t *user,
                            const oxt_result_t *res)
{
    ru->t->rc->stats->users++;
    if (status == OXT_ESOAP_NO_USER) {
        recon_user_forget(ru, "user_missing", 1, "not in OX");
    }
    else if (status == APR_SUCCESS && user != NULL
             && user->context_admin == 1) {
        recon_user_is_admin(ru);
    }
    else if (status == APR_SUCCESS && user != NULL) {
        ru->diff = user_differences(user, ru->have, ru->t->p);
        if (recon_access_ask(ru)) {
            return;                       /* goes on in recon_access_read */
        }
        recon_user_finish(ru);
        return;
    }
    else {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, status,
                       OXTLOGNO(03040) "reconcile: cannot read %s: %s",
                       ru->have->address ? ru->have->address : "?",
                       res ? oxt_result_text(res, ru->t->p) : "no answer");
    }
    recon_task_step(ru->t);
}

static void recon_user_done(void *baton, oxt_ox_op_t *op,
                            const oxt_ox_reply_t *reply)
{
    (void)op;
    recon_user_read(baton, reply->status, reply->user, reply->res);
}

/* Is u the context admin? OX says so (contextadmin); an answer without
 * the flag falls back to the login we created it with. */
static int recon_is_admin(const recon_task_t *t, const oxt_ox_user_t *u)
{
    if (u->context_admin >= 0) {
        return u->context_admin;
    }
    return u->name && t->ctx.admin_login
           && strcmp(u->name, t->ctx.admin_login) == 0;
}

/* The admin's address follows the domain's name (oxt_plan.h); one that
 * does not (a context renamed by an earlier version) is sent again. */
static void recon_admin_address(recon_task_t *t, const oxt_ox_user_t *u)
{
    oxt_result_t *res;

    if (t->ctx.admin_address == NULL || u->primary_email == NULL
        || strcasecmp(u->primary_email, t->ctx.admin_address) == 0) {
        return;
    }
    recon_drift(t, "context_changed", 0, u->id, t->ctx.context_name,
                "adminAddress");
    if (!t->rc->opts.dry_run) {
        res = oxt_result_make(t->p);
        recon_repair(t, oxt_state_context_doubt(t->rc->db, t->ctx.dom_id,
                                                OXT_DOUBT_ADMIN, res, t->p),
                     res);
    }
}

/* The context admin must still be ours. Renamed (USERNAME_CHANGEABLE),
 * it no longer answers to the login we keep. */
static void recon_admin_check(recon_task_t *t, const oxt_ox_user_t *u)
{
    if (t->ctx.admin_login == NULL || u->name == NULL
        || strcmp(u->name, t->ctx.admin_login) == 0) {
        recon_admin_address(t, u);
        return;
    }
    recon_drift(t, "context_admin", 0, u->id, t->ctx.context_name,
                apr_psprintf(t->p, "the context admin is '%s', not '%s'",
                             u->name, t->ctx.admin_login));
}

/* A user in OX we have no record of: read it, to name it in the report
 * and to leave the context admin (created with the context) alone. */
static void recon_unknown_got(recon_task_t *t, apr_status_t status,
                              const oxt_ox_user_t *u)
{
    if (status == APR_SUCCESS && u != NULL && recon_is_admin(t, u)) {
        recon_admin_check(t, u);
    }
    else if (status == APR_SUCCESS && u != NULL) {
        recon_drift(t, "user_unknown", 0, u->id,
                    u->primary_email ? u->primary_email
                                     : (u->name ? u->name : ""),
                    "in OX, not created by OXtender");
    }
    recon_task_step(t);
}

static void recon_unknown_read(void *baton, oxt_ox_op_t *op,
                               const oxt_ox_reply_t *reply)
{
    (void)op;
    recon_unknown_got(baton, reply->status, reply->user);
}

/* The context is there but refuses the admin credentials we keep: its
 * admin was changed behind our back (a new password, or one of our
 * mailboxes adopted as that admin). Nothing in the context can be
 * changed with our credentials, so nothing is repaired. */
static void recon_admin_refused(recon_task_t *t, const oxt_ox_reply_t *reply)
{
    if (t->refusal_told) {
        return;
    }
    t->refusal_told = 1;
    recon_drift(t, "context_admin", 0, 0, t->ctx.context_name,
                "OX refuses our context admin's credentials");
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, reply->status,
                   OXTLOGNO(03702) "reconcile: the context admin of %s"
                   " refuses our credentials (%s); its users cannot be"
                   " compared or repaired", t->ctx.context_name,
                   oxt_result_text(reply->res, t->p));
}

/* ---- reading users many at a time ------------------------------------ */

/* Users are read with getMultipleData, up to RECON_MULTI per call: a
 * call per user made reconcile at 100,000 mailboxes take minutes. Each
 * entry is one of ours (ru) or one OX listed that we do not know (ru
 * NULL, id only). */
#define RECON_MULTI 100

typedef struct {
    recon_task_t *t;
    apr_array_header_t *ids;         /* int, OX user ids */
    apr_array_header_t *rus;         /* recon_user_t *, NULL: unknown */
} recon_chunk_t;

/* One user by itself (getData): its own answer decides. */
static void recon_read_one(recon_task_t *t, int id, recon_user_t *ru)
{
    apr_pool_t *cp = recon_call_pool(t->rc);
    oxt_ox_user_t *x = oxt_ox_user_make(cp);
    oxt_ox_op_t *get = NULL;
    apr_status_t rv;

    x->id = id;
    rv = oxt_ox_user_get_data(&get, t->rc->ox, t->oxctx, t->admin, x, cp);
    if (recon_submit(t->rc, rv, get, cp,
                     ru ? recon_user_done : recon_unknown_read,
                     ru ? (void *)ru : (void *)t)) {
        t->pending++;
    }
}

/* One entry of an answered chunk; u NULL: not in the answer. */
static void recon_chunk_entry(recon_chunk_t *ch, int i,
                              const oxt_ox_user_t *u, apr_status_t status,
                              const oxt_result_t *res)
{
    recon_task_t *t = ch->t;
    recon_user_t *ru = APR_ARRAY_IDX(ch->rus, i, recon_user_t *);

    if (status == APR_SUCCESS && u == NULL) {
        recon_read_one(t, APR_ARRAY_IDX(ch->ids, i, int), ru);
        return;
    }
    t->pending++;
    if (ru != NULL) {
        recon_user_read(ru, status, u, res);
    }
    else {
        recon_unknown_got(t, status, u);
    }
}

/* The users' data and their list go out together, so a context that
 * refuses our admin refuses both. The refusal is told once, by whichever
 * answer says it first: a refused list (recon_admin_refused) or a refused
 * getMultipleData, which leaves those users uncompared, so it is drift
 * too and not a warning alone (the summary must not say "no drift" for
 * a context nobody could read). */
static void recon_data_refused(recon_task_t *t)
{
    if (t->refusal_told) {
        return;
    }
    t->refusal_told = 1;
    recon_drift(t, "context_admin", 0, 0, t->ctx.context_name,
                "OX refuses our context admin's credentials");
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, OXT_ESOAP_AUTH,
                   OXTLOGNO(04600) "reconcile: the users' data of %s was"
                   " refused; they cannot be compared or repaired",
                   t->ctx.context_name);
}

static void recon_chunk_refused(recon_task_t *t)
{
    t->chunk_refused = 1;
    if (t->list_state != 0) {
        recon_data_refused(t);
    }
}

static recon_chunk_t *recon_chunk_make(recon_task_t *t);
static void recon_chunk_send(recon_chunk_t *ch);
static recon_chunk_t *recon_chunk_add(recon_chunk_t *ch, int id,
                                      recon_user_t *ru);

/* The ids that OX's "No such user(s) 11 in context 1" names (its text
 * in detail, "No such user 11, 12 in context 1" as well) into missing;
 * how many. A text of another shape names none. */
static int recon_missing_ids(apr_hash_t *missing, const oxt_result_t *res,
                             apr_pool_t *p)
{
    const char *s = res != NULL && res->detail != NULL ? res->detail : "";
    const char *at = strstr(s, "No such user");
    char *end;
    long long id;
    int n = 0;

    if (at == NULL) {
        return 0;
    }
    at += strlen("No such user");
    if (strncmp(at, "(s)", 3) == 0) {
        at += 3;
    }
    for (;;) {
        while (*at == ' ' || *at == ',') {
            at++;
        }
        if (!apr_isdigit(*at)) {
            break;
        }
        id = apr_strtoi64(at, &end, 10);
        if (id <= 0 || id > INT_MAX || (*end != ',' && *end != ' ')) {
            return 0;
        }
        oxt_util_id_set(missing, id, (void *)p);
        n++;
        at = end;
    }
    return strncmp(at, "in context ", 11) == 0 ? n : 0;
}

/* A chunk OX answered "no such user" for: the users it names are not
 * there, and the rest are asked again in one call (which says the next
 * missing one, if any). Before, each was read alone: a context of a
 * hundred users with one gone cost a hundred getData. 0 when the answer
 * names none of the chunk (each is then read alone). */
static int recon_chunk_retry(recon_chunk_t *ch, const oxt_ox_reply_t *reply)
{
    recon_task_t *t = ch->t;
    apr_hash_t *missing = apr_hash_make(t->p);
    recon_chunk_t *rest;
    int i, id, named = 0;

    if (recon_missing_ids(missing, reply->res, t->p) == 0) {
        return 0;
    }
    for (i = 0; i < ch->ids->nelts; i++) {
        named += oxt_util_id_get(missing, APR_ARRAY_IDX(ch->ids, i, int))
                 != NULL;
    }
    if (named == 0) {
        return 0;
    }
    rest = recon_chunk_make(t);
    for (i = 0; i < ch->ids->nelts; i++) {
        id = APR_ARRAY_IDX(ch->ids, i, int);
        if (oxt_util_id_get(missing, id) != NULL) {
            recon_chunk_entry(ch, i, NULL, OXT_ESOAP_NO_USER, reply->res);
        }
        else {
            rest = recon_chunk_add(rest, id,
                                   APR_ARRAY_IDX(ch->rus, i, recon_user_t *));
        }
    }
    recon_chunk_send(rest);
    return 1;
}

static void recon_chunk_read(void *baton, oxt_ox_op_t *op,
                             const oxt_ox_reply_t *reply)
{
    recon_chunk_t *ch = baton;
    recon_task_t *t = ch->t;
    apr_hash_t *by_id;
    const oxt_ox_user_t *u;
    int i, id;

    (void)op;
    if (reply->status == OXT_ESOAP_AUTH && t->admin != NULL) {
        recon_chunk_refused(t);
        recon_task_step(t);
        return;
    }
    by_id = apr_hash_make(t->p);
    for (i = 0; reply->status == APR_SUCCESS && reply->users
                && i < reply->users->nelts; i++) {
        u = APR_ARRAY_IDX(reply->users, i, const oxt_ox_user_t *);
        oxt_util_id_set(by_id, u->id, (void *)u);
    }
    if (reply->status == OXT_ESOAP_NO_USER && recon_chunk_retry(ch, reply)) {
        recon_task_step(t);
        return;
    }
    for (i = 0; i < ch->ids->nelts; i++) {
        id = APR_ARRAY_IDX(ch->ids, i, int);
        if (reply->status == OXT_ESOAP_NO_USER) {
            /* One of them is missing and OX names none of them: each
             * alone. */
            recon_read_one(t, id, APR_ARRAY_IDX(ch->rus, i, recon_user_t *));
        }
        else {
            recon_chunk_entry(ch, i, oxt_util_id_get(by_id, id),
                              reply->status, reply->res);
        }
    }
    recon_task_step(t);
}

static recon_chunk_t *recon_chunk_make(recon_task_t *t)
{
    recon_chunk_t *ch = apr_pcalloc(t->p, sizeof(*ch));

    ch->t = t;
    ch->ids = apr_array_make(t->p, RECON_MULTI, sizeof(int));
    ch->rus = apr_array_make(t->p, RECON_MULTI, sizeof(recon_user_t *));
    return ch;
}

static void recon_chunk_send(recon_chunk_t *ch)
{
    recon_task_t *t = ch->t;
    apr_array_header_t *users;
    oxt_ox_user_t *x;
    oxt_ox_op_t *get = NULL;
    apr_pool_t *cp;
    apr_status_t rv;
    int i;

    if (ch->ids->nelts == 0) {
        return;
    }
    cp = recon_call_pool(t->rc);
    users = apr_array_make(cp, ch->ids->nelts, sizeof(oxt_ox_user_t *));
    for (i = 0; i < ch->ids->nelts; i++) {
        x = oxt_ox_user_make(cp);
        x->id = APR_ARRAY_IDX(ch->ids, i, int);
        APR_ARRAY_PUSH(users, oxt_ox_user_t *) = x;
    }
    rv = oxt_ox_user_get_multiple(&get, t->rc->ox, t->oxctx, t->admin, users,
                                  cp);
    if (recon_submit(t->rc, rv, get, cp, recon_chunk_read, ch)) {
        t->pending++;
    }
}

/* Adds an entry, sending the chunk when it is full; returns the chunk to
 * fill next. */
static recon_chunk_t *recon_chunk_add(recon_chunk_t *ch, int id,
                                      recon_user_t *ru)
{
    APR_ARRAY_PUSH(ch->ids, int) = id;
    APR_ARRAY_PUSH(ch->rus, recon_user_t *) = ru;
    if (ch->ids->nelts < RECON_MULTI) {
        return ch;
    }
    recon_chunk_send(ch);
    return recon_chunk_make(ch->t);
}

/* Every user of ours (asked even when the list lacks it: OX's "no such
 * user" is the authoritative answer), and the context admin when we
 * know its id. */
static recon_chunk_t *recon_add_known(recon_task_t *t, recon_chunk_t *ch)
{
    apr_hash_index_t *hi;
    recon_user_t *ru;

    t->known = apr_hash_make(t->p);
    for (hi = apr_hash_first(t->p, t->users); hi; hi = apr_hash_next(hi)) {
        ru = apr_pcalloc(t->p, sizeof(*ru));
        ru->t = t;
        ru->have = apr_hash_this_val(hi);
        if (ru->have->ox_user_id > 0) {
            oxt_util_id_set(t->known, ru->have->ox_user_id, ru);
            ch = recon_chunk_add(ch, (int)ru->have->ox_user_id, ru);
        }
    }
    if (t->ctx.admin_user_id > 0
        && oxt_util_id_get(t->known, t->ctx.admin_user_id) == NULL) {
        oxt_util_id_set(t->known, t->ctx.admin_user_id, t);
        ch = recon_chunk_add(ch, (int)t->ctx.admin_user_id, NULL);
    }
    return ch;
}

/* Every listed user not asked yet: ones we do not know (and the
 * context admin, when its id was not known). */
static recon_chunk_t *recon_add_unknown(recon_task_t *t, recon_chunk_t *ch,
                                        const apr_array_header_t *listed)
{
    const oxt_ox_user_t *u;
    int i;

    for (i = 0; listed && i < listed->nelts; i++) {
        u = APR_ARRAY_IDX(listed, i, const oxt_ox_user_t *);
        if (oxt_util_id_get(t->known, u->id) == NULL) {
            ch = recon_chunk_add(ch, u->id, NULL);
        }
    }
    return ch;
}

static void recon_users_listed(void *baton, oxt_ox_op_t *op,
                               const oxt_ox_reply_t *reply)
{
    recon_task_t *t = baton;
    recon_chunk_t *ch;

    (void)op;
    t->list_state = reply->status == APR_SUCCESS ? 1 : -1;
    if (reply->status == OXT_ESOAP_AUTH && t->admin != NULL) {
        recon_admin_refused(t, reply);
    }
    else if (reply->status != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, reply->status,
                       OXTLOGNO(03041) "reconcile: cannot list the users of"
                       " %s: %s", t->ctx.context_name,
                       oxt_result_text(reply->res, t->p));
    }
    if (t->chunk_refused) {
        recon_data_refused(t);
    }
    if (reply->status == APR_SUCCESS) {
        ch = recon_chunk_make(t);
        if (t->known == NULL) {
            ch = recon_add_known(t, ch);
        }
        recon_chunk_send(recon_add_unknown(t, ch, reply->users));
    }
    recon_task_step(t);
}

/* With the context admin's id known, the user list and the data of the
 * users we know (the admin among them) go out together: a round trip
 * less per context, and the list only adds users we do not know.
 * Without it the data waits for the list, so that the admin (whom the
 * list names) is read in the same getMultipleData: a call less per
 * context, which counts more than the round trip when the connections
 * are the bound. */
static void recon_users_start(recon_task_t *t)
{
    oxt_ox_op_t *list = NULL;
    apr_pool_t *cp = recon_call_pool(t->rc);
    apr_status_t rv;

    t->pending = 1;                       /* held until all are submitted */
    rv = oxt_ox_user_list(&list, t->rc->ox, t->oxctx, t->admin, "*", cp);
    if (recon_submit(t->rc, rv, list, cp, recon_users_listed, t)) {
        t->pending++;
        if (t->ctx.admin_user_id > 0) {
            recon_chunk_send(recon_add_known(t, recon_chunk_make(t)));
        }
    }
    recon_task_step(t);
}

/* What OX holds of the context: its getData answer, or its part of the
 * page's bulk list (c NULL: an answer without one). */
static void recon_ctx_got(recon_task_t *t, apr_status_t status,
                          const oxt_ox_context_t *c)
{
    oxt_result_t *res = oxt_result_make(t->p);
    const char *diff;

    if (status == OXT_ESOAP_NO_CTX) {
        recon_drift(t, "context_missing", 0, 0, t->ctx.context_name,
                    "not in OX");
        if (!t->rc->opts.dry_run) {
            recon_repair(t, oxt_state_context_forget(t->rc->db,
                         t->ctx.dom_id, 1, res, t->p), res);
        }
        recon_task_end(t);
        return;
    }
    diff = status == APR_SUCCESS && c != NULL
         ? context_differences(c, &t->ctx, t->p) : NULL;
    if (diff != NULL) {
        recon_drift(t, "context_changed", 0, 0, t->ctx.context_name, diff);
        if (!t->rc->opts.dry_run) {
            recon_repair(t, oxt_state_context_forget(t->rc->db,
                         t->ctx.dom_id, 0, res, t->p), res);
        }
    }
    recon_users_start(t);
}

static void recon_ctx_read(void *baton, oxt_ox_op_t *op,
                           const oxt_ox_reply_t *reply)
{
    (void)op;
    recon_ctx_got(baton, reply->status, reply->context);
}

static void recon_task_end(recon_task_t *t)
{
    recon_t *rc = t->rc;

    if (t->repaired) {
        APR_ARRAY_PUSH(rc->stats->repaired_domains, long long) =
            t->ctx.dom_id;
    }
    rc->stats->domains++;
    rc->done++;
    rc->active--;
    if (rc->opts.on_progress != NULL) {
        rc->opts.on_progress(rc->opts.baton, rc->done, rc->total);
    }
    APR_ARRAY_PUSH(rc->dead, apr_pool_t *) = t->p;
}

/* ---- driving ---------------------------------------------------------------- */

static void recon_bury(recon_t *rc)
{
    int i;

    for (i = 0; i < rc->dead->nelts; i++) {
        apr_pool_destroy(APR_ARRAY_IDX(rc->dead, i, apr_pool_t *));
    }
    rc->dead->nelts = 0;
}

static apr_status_t recon_wait(recon_t *rc, int limit)
{
    apr_status_t rv;

    while (rc->active > limit) {
        /* back as soon as an answer is in, so the window is refilled
         * at once rather than at the end of a slice */
        rv = oxt_soap_client_run_some(rc->soap, apr_time_from_msec(50));
        recon_bury(rc);
        if (rv != APR_SUCCESS && rv != APR_TIMEUP) {
            return rv;
        }
    }
    recon_bury(rc);
    return rc->fatal;
}

static apr_status_t recon_admin(recon_task_t *t, oxt_result_t *res)
{
    const char *pw;
    apr_status_t rv;

    if (t->rc->master_override) {
        return APR_SUCCESS;
    }
    if (t->ctx.admin_login == NULL || t->ctx.admin_password_enc == NULL) {
        return oxt_result_set(res, OXT_ESOAP_AUTH, "No context admin", NULL);
    }
    rv = oxt_crypto_open(&pw, t->rc->key,
                         oxt_secrets_row_admin_password(t->ctx.dom_id, t->p),
                         t->ctx.admin_password_enc, res, t->p);
    if (rv == APR_SUCCESS) {
        t->admin = apr_pcalloc(t->p, sizeof(*t->admin));
        t->admin->login = t->ctx.admin_login;
        t->admin->password = pw;
    }
    return rv;
}

/* Starts comparing a loaded domain; one without a usable admin password
 * is skipped (and counted as done). */
static apr_status_t recon_start(recon_task_t *t, oxt_result_t *res)
{
    recon_t *rc = t->rc;
    oxt_ox_op_t *get = NULL;
    apr_pool_t *cp;
    apr_status_t rv;

    if (recon_admin(t, res) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                       OXTLOGNO(03042) "reconcile: no admin password for %s,"
                       " skipped", t->ctx.context_name);
        apr_pool_destroy(t->p);
        rc->done++;
        return APR_SUCCESS;
    }
    t->oxctx = oxt_ox_context_make(t->p);
    t->oxctx->id = (int)t->ctx.ox_context_id;
    rc->active++;
    if (t->listed != NULL) {
        recon_ctx_got(t, APR_SUCCESS, t->listed);
        return APR_SUCCESS;
    }
    cp = recon_call_pool(rc);
    rv = oxt_ox_context_get_data(&get, rc->ox, t->oxctx, cp);
    if (!recon_submit(rc, rv, get, cp, recon_ctx_read, t)) {
        recon_task_end(t);
        rv = rv != APR_SUCCESS ? rv : APR_EGENERAL;
        return oxt_result_set(res, rv, "Cannot read a context", "%s",
                              t->ctx.context_name);
    }
    return APR_SUCCESS;
}

/* ---- pages of domains ---------------------------------------------------- */

/* Our state is read as a full pass reads it (oxt_state_range_*): a page
 * of domains costs three statements (its ids, their contexts, their
 * users) instead of two per domain. Each task copies its rows into its
 * own pool, so a page can go while its last domains are still compared;
 * only a window of tasks and one page are ever held. */
#define RECON_PAGE 500

typedef struct recon_page_t {
    recon_t *rc;
    apr_hash_t *tasks;               /* dom id -> recon_task_t * */
    apr_array_header_t *order;       /* recon_task_t *, by dom id */
    apr_hash_t *by_ctx;              /* context id -> recon_task_t * */
    int lists;                       /* context lists in flight */
    apr_pool_t *pp;                  /* the page's own, cleared per page */
} recon_page_t;

static apr_status_t recon_page_context(void *baton, const oxt_db_row_t *row,
                                       apr_pool_t *ptemp)
{
    recon_page_t *pg = baton;
    oxt_applied_context_t ctx;
    recon_task_t *t;
    apr_pool_t *tp;
    apr_status_t rv = oxt_state_context_from_row(&ctx, row);

    (void)ptemp;
    if (rv != APR_SUCCESS || ctx.ox_context_id <= 0) {
        return rv;
    }
    apr_pool_create(&tp, pg->rc->p);
    t = apr_pcalloc(tp, sizeof(*t));
    t->rc = pg->rc;
    t->p = tp;
    t->users = apr_hash_make(tp);
    oxt_state_context_copy(&t->ctx, &ctx, tp);
    oxt_util_id_set(pg->tasks, t->ctx.dom_id, t);
    APR_ARRAY_PUSH(pg->order, recon_task_t *) = t;
    return APR_SUCCESS;
}

static apr_status_t recon_page_user(void *baton, const oxt_db_row_t *row,
                                    apr_pool_t *ptemp)
{
    recon_page_t *pg = baton;
    oxt_applied_user_t u;
    recon_task_t *t;
    apr_status_t rv = oxt_state_user_from_row(&u, row);

    (void)ptemp;
    t = rv == APR_SUCCESS ? oxt_util_id_get(pg->tasks, u.dom_id) : NULL;
    if (t != NULL) {
        oxt_util_id_set(t->users, u.mail_id, oxt_state_user_copy(&u, t->p));
    }
    return rv;
}

static int task_by_dom(const void *a, const void *b)
{
    const recon_task_t *x = *(const recon_task_t *const *)a;
    const recon_task_t *y = *(const recon_task_t *const *)b;

    return x->ctx.dom_id < y->ctx.dom_id ? -1 : x->ctx.dom_id > y->ctx.dom_id;
}

/* The page after domain id *pafter: its tasks, loaded, in dom id order;
 * *pafter moves to its end. APR_EOF after the last page. */
static apr_status_t recon_page_load(recon_page_t *pg, long long *pafter,
                                    oxt_result_t *res, apr_pool_t *pp)
{
    long long upto;
    apr_status_t rv;

    pg->tasks = apr_hash_make(pp);
    pg->order = apr_array_make(pp, RECON_PAGE, sizeof(recon_task_t *));
    rv = oxt_db_select_int(&upto, pg->rc->db,
             "SELECT MAX(dom_id) FROM (SELECT dom_id FROM domain_state"
             " WHERE ox_context_id > 0 AND dom_id > ? ORDER BY dom_id"
             " LIMIT " APR_STRINGIFY(RECON_PAGE) ") page",
             OXT_DB_ARGS(OXT_DB_INT(*pafter)), res, pp);
    if (rv == APR_ENOENT) {
        return APR_EOF;             /* MAX of no rows */
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_range_contexts(pg->rc->db, *pafter, upto,
                                      recon_page_context, pg, res, pp);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_range_users(pg->rc->db, *pafter, upto,
                                   recon_page_user, pg, res, pp);
    }
    qsort(pg->order->elts, (size_t)pg->order->nelts, sizeof(void *),
          task_by_dom);
    *pafter = upto;
    return rv;
}

/* ---- contexts read in bulk ------------------------------------------- */

/* A page's contexts are read with OXContextService.list, one pattern per
 * hundred context ids, instead of a getData each: OX matches the pattern
 * (an SQL LIKE, `_` one character) against the contexts' names and login
 * mappings, and every context has its id among its mappings
 * (docs/reference/ox-soap.md §4.1), so "123__" answers contexts 12300 to
 * 12399, with any other whose name or mapping happens to match (not in
 * the page: skipped). A hundred contexts are well within the client's
 * answer cap. A context no list answered (a failed list, a context gone)
 * is asked with getData, whose answer names a missing one. */
#define RECON_BLOCK_DIGITS 2

static const char *recon_block(long long id, apr_pool_t *p)
{
    char *s = apr_pstrdup(p, oxt_util_lld(id, p));
    size_t n = strlen(s), i;

    for (i = n > RECON_BLOCK_DIGITS ? n - RECON_BLOCK_DIGITS : 0; i < n;
         i++) {
        s[i] = '_';
    }
    return s;
}

/* What a context comparison needs of a listed context, in the task's
 * pool (the answer goes with its call). */
static oxt_ox_context_t *recon_ctx_copy(const oxt_ox_context_t *c,
                                        apr_pool_t *p)
{
    oxt_ox_context_t *x = oxt_ox_context_make(p);
    int i;

    x->id = c->id;
    x->name = c->name ? apr_pstrdup(p, c->name) : NULL;
    x->max_quota = c->max_quota;
    x->login_mappings = apr_array_make(p, c->login_mappings
                                          ? c->login_mappings->nelts : 1,
                                       sizeof(const char *));
    for (i = 0; c->login_mappings && i < c->login_mappings->nelts; i++) {
        APR_ARRAY_PUSH(x->login_mappings, const char *) = apr_pstrdup(p,
            APR_ARRAY_IDX(c->login_mappings, i, const char *));
    }
    return x;
}

static void recon_block_read(void *baton, oxt_ox_op_t *op,
                             const oxt_ox_reply_t *reply)
{
    recon_page_t *pg = baton;
    const oxt_ox_context_t *c;
    recon_task_t *t;
    int i;

    pg->lists--;
    if (reply->status != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, reply->status,
                       OXTLOGNO(04601) "reconcile: cannot list contexts"
                       " (%s): %s; they are read one by one",
                       oxt_ox_op_name(op), oxt_result_text(reply->res,
                                                          pg->rc->p));
        return;
    }
    for (i = 0; reply->contexts && i < reply->contexts->nelts; i++) {
        c = APR_ARRAY_IDX(reply->contexts, i, const oxt_ox_context_t *);
        t = c->id > 0 ? oxt_util_id_get(pg->by_ctx, c->id) : NULL;
        if (t != NULL && t->listed == NULL) {
            t->listed = recon_ctx_copy(c, t->p);
        }
    }
}

/* Sends the list of the block of t's context unless the page has. */
static void recon_block_ask(recon_page_t *pg, apr_hash_t *asked,
                            const recon_task_t *t, apr_pool_t *pp)
{
    const char *pat = recon_block(t->ctx.ox_context_id, pp);
    oxt_ox_op_t *list = NULL;
    apr_pool_t *cp;
    apr_status_t rv;

    if (apr_hash_get(asked, pat, APR_HASH_KEY_STRING) != NULL) {
        return;
    }
    apr_hash_set(asked, pat, APR_HASH_KEY_STRING, pat);
    cp = recon_call_pool(pg->rc);
    rv = oxt_ox_context_list(&list, pg->rc->ox, pat, cp);
    pg->lists += recon_submit(pg->rc, rv, list, cp, recon_block_read, pg);
}

/* Asks OX for the page's contexts. */
static void recon_page_ask(recon_page_t *pg)
{
    apr_hash_t *asked = apr_hash_make(pg->pp);
    int i;

    pg->by_ctx = apr_hash_make(pg->pp);
    pg->lists = 0;
    for (i = 0; i < pg->order->nelts; i++) {
        recon_task_t *t = APR_ARRAY_IDX(pg->order, i, recon_task_t *);

        oxt_util_id_set(pg->by_ctx, t->ctx.ox_context_id, t);
        recon_block_ask(pg, asked, t, pg->pp);
    }
}

/* Waits for the page's context lists, the earlier pages' tasks going on
 * meanwhile (asked a page ahead, they are usually in). */
static apr_status_t recon_page_await(recon_page_t *pg)
{
    apr_status_t rv = APR_SUCCESS;

    while (pg->lists > 0 && (rv == APR_SUCCESS || rv == APR_TIMEUP)) {
        rv = oxt_soap_client_run_some(pg->rc->soap, apr_time_from_msec(50));
        recon_bury(pg->rc);
    }
    return rv == APR_TIMEUP ? APR_SUCCESS : rv;
}

/* Starts the page's tasks, at most a window of them at once; those not
 * started (after an error) go with their pools. */
static apr_status_t recon_page_run(recon_page_t *pg, oxt_result_t *res)
{
    recon_t *rc = pg->rc;
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; i < pg->order->nelts; i++) {
        recon_task_t *t = APR_ARRAY_IDX(pg->order, i, recon_task_t *);

        if (rv == APR_SUCCESS) {
            rv = recon_wait(rc, rc->opts.window - 1);
        }
        if (rv == APR_SUCCESS) {
            rv = recon_start(t, res);
        }
        else {
            apr_pool_destroy(t->p);
        }
    }
    return rv;
}

/* The tasks of a page that failed to load, or was read and never run. */
static void recon_page_drop(recon_page_t *pg)
{
    int i;

    for (i = 0; pg->order != NULL && i < pg->order->nelts; i++) {
        apr_pool_destroy(APR_ARRAY_IDX(pg->order, i, recon_task_t *)->p);
    }
}

/* Reads the page after *pafter and asks for its contexts. */
static apr_status_t recon_page_next(recon_page_t *pg, long long *pafter,
                                    oxt_result_t *res)
{
    apr_status_t rv;

    apr_pool_clear(pg->pp);
    /* answers that came in meanwhile free their connections for the
     * queued calls while the page is read */
    oxt_soap_client_pump(pg->rc->soap);
    rv = recon_page_load(pg, pafter, res, pg->pp);
    if (rv == APR_SUCCESS) {
        recon_page_ask(pg);
    }
    return rv;
}

/* Two pages: the next one is read, and its contexts asked for, before
 * the tasks of this one start, so that its lists are not queued behind
 * a whole page of calls while the window runs dry at the page's end. */
static apr_status_t recon_pages(recon_page_t *pages, oxt_result_t *res)
{
    long long after = 0;
    apr_status_t rv, next;
    int cur = 0;

    rv = recon_page_next(&pages[0], &after, res);
    if (rv != APR_SUCCESS) {
        recon_page_drop(&pages[0]);
        return rv;
    }
    for (;;) {
        rv = recon_page_await(&pages[cur]);
        if (rv != APR_SUCCESS) {
            recon_page_drop(&pages[cur]);     /* none of it started */
            return rv;
        }
        next = recon_page_next(&pages[!cur], &after, res);
        rv = recon_page_run(&pages[cur], res);
        if (rv != APR_SUCCESS || next != APR_SUCCESS) {
            recon_page_drop(&pages[!cur]);    /* read, never started */
            return rv != APR_SUCCESS ? rv : next;
        }
        cur = !cur;
    }
}

static apr_status_t recon_all(recon_t *rc, oxt_result_t *res)
{
    recon_page_t pages[2];
    apr_status_t rv;
    int i;

    memset(pages, 0, sizeof(pages));
    rv = oxt_db_select_int(&rc->total, rc->db,
             "SELECT COUNT(*) FROM domain_state WHERE ox_context_id > 0",
             OXT_DB_NOARGS, res, rc->p);
    for (i = 0; i < 2; i++) {
        pages[i].rc = rc;
        apr_pool_create(&pages[i].pp, rc->p);
    }
    if (rv == APR_SUCCESS) {
        rv = recon_pages(pages, res);
    }
    for (i = 0; i < 2; i++) {
        apr_pool_destroy(pages[i].pp);
    }
    if (rv == APR_EOF) {
        rv = APR_SUCCESS;
    }
    if (rv == APR_SUCCESS) {
        rv = recon_wait(rc, 0);
    }
    return rv;
}

static apr_status_t recon_delete_one(recon_t *rc, const recon_unknown_t *u,
                                     oxt_result_t *res)
{
    oxt_ox_context_t *c = oxt_ox_context_make(rc->p);
    oxt_ox_user_t *x = oxt_ox_user_make(rc->p);
    const oxt_ox_reply_t *reply = NULL;
    oxt_ox_op_t *op;
    apr_status_t rv;

    c->id = u->ctx_id;
    x->id = (int)u->drift->ox_id;
    rv = oxt_ox_user_delete(&op, rc->ox, c, u->admin, x, rc->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_ox_call(&reply, rc->ox, op);
    }
    if (rv == OXT_ESOAP_NO_USER) {
        rv = APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        oxt_result_set(res, rv, "Cannot delete an unknown user",
                       "%s: %s", u->drift->target,
                       reply ? oxt_result_text(reply->res, rc->p) : "");
    }
    return rv;
}

/* Deleting users we did not create: only when asked, and never more than
 * max_deletes at once unless forced. Outside every SOAP callback, so the
 * calls may wait for their answers. */
static apr_status_t recon_delete_unknown(recon_t *rc, oxt_result_t *res)
{
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (!rc->opts.delete_unknown || rc->opts.dry_run
        || rc->unknown->nelts == 0) {
        return APR_SUCCESS;
    }
    if (rc->unknown->nelts > rc->opts.max_deletes && !rc->opts.force) {
        rc->stats->deletes_refused = 1;
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                       OXTLOGNO(03043) "reconcile: %d unknown users, more"
                       " than the limit of %d: none deleted (use --force)",
                       rc->unknown->nelts, rc->opts.max_deletes);
        return APR_SUCCESS;
    }
    for (i = 0; rv == APR_SUCCESS && i < rc->unknown->nelts; i++) {
        rv = recon_delete_one(rc, APR_ARRAY_IDX(rc->unknown, i,
                                                const recon_unknown_t *), res);
        rc->stats->deleted += rv == APR_SUCCESS;
    }
    return rv;
}

/* ---- the access rotation ------------------------------------------------- */

/* The fifth whose access this run compares (a missing row: the first). */
static apr_status_t recon_turn_load(int *pturn, oxt_db_t *db,
                                    oxt_result_t *res, apr_pool_t *p)
{
    long long turn = 0;
    apr_status_t rv = oxt_db_select_int(&turn, db,
        "SELECT access_turn FROM reconcile_state WHERE id = 1",
        OXT_DB_NOARGS, res, p);

    if (rv == APR_ENOENT) {
        oxt_result_reset(res);
        rv = APR_SUCCESS;
        turn = 0;
    }
    *pturn = (int)(turn >= 0 && turn < OXT_RECONCILE_TURNS ? turn : 0);
    return rv;
}

/* The next run compares the next fifth. */
static apr_status_t recon_turn_save(oxt_db_t *db, int turn,
                                    oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "INSERT INTO reconcile_state (id, access_turn, turned_at)"
        " VALUES (1, ?, UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE"
        " access_turn = VALUES(access_turn), turned_at = UTC_TIMESTAMP()",
        OXT_DB_ARGS(OXT_DB_INT((turn + 1) % OXT_RECONCILE_TURNS)), res, p);
}

/* Compares everything, the turn read before and moved on after. */
static apr_status_t recon_compare(recon_t *rc, oxt_result_t *res)
{
    int rotate = rc->opts.access == OXT_RECONCILE_ACCESS_ROTATE
                 && rc->opts.access_combination != NULL;
    apr_status_t rv = APR_SUCCESS;

    if (rotate) {
        rv = recon_turn_load(&rc->stats->access_turn, rc->db, res, rc->p);
    }
    if (rv == APR_SUCCESS) {
        rv = recon_all(rc, res);
    }
    if (rv == APR_SUCCESS && rc->fatal != APR_SUCCESS) {
        rv = oxt_result_set(res, rc->fatal, rc->fatal_res->problem, "%s",
                            rc->fatal_res->detail ? rc->fatal_res->detail
                                                  : "");
    }
    if (rv == APR_SUCCESS && rotate) {
        rv = recon_turn_save(rc->db, rc->stats->access_turn, res, rc->p);
    }
    return rv;
}

apr_status_t oxt_reconcile_run(oxt_reconcile_stats_t *stats, oxt_db_t *db,
                               oxt_ox_t *ox, oxt_soap_client_t *soap,
                               const unsigned char *key, int master_override,
                               const oxt_reconcile_opts_t *opts,
                               oxt_result_t *res, apr_pool_t *p)
{
    recon_t rc;
    apr_status_t rv;

    memset(&rc, 0, sizeof(rc));
    memset(stats, 0, sizeof(*stats));
    stats->repaired_domains = apr_array_make(p, 8, sizeof(long long));
    rc.p = p;
    rc.db = db;
    rc.ox = ox;
    rc.soap = soap;
    rc.key = key;
    rc.master_override = master_override;
    rc.opts = *opts;
    if (rc.opts.window < 1) {
        rc.opts.window = 16;
    }
    rc.stats = stats;
    rc.unknown = apr_array_make(p, 8, sizeof(recon_unknown_t *));
    rc.dead = apr_array_make(p, 16, sizeof(apr_pool_t *));
    rc.fatal_res = oxt_result_make(p);
    rv = recon_compare(&rc, res);
    if (rv == APR_SUCCESS) {
        rv = recon_delete_unknown(&rc, res);
    }
    return rv;
}
