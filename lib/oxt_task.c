/*
 * oxt_task.c — see oxt_task.h: one domain's plan, run against OX one
 * operation after the other.
 *
 * The flow of one operation: task_next picks it, task_begin checks what
 * must be known first (the context admin's id) and prepares its call
 * (task_prepare: the request, the store's intent, then host->ready); the
 * engine sends it after its commit; the callback records the outcome,
 * or prepares a follow-up call of the same operation (adopting what
 * exists, a rename without what OX refused), and goes on with the next.
 */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "oxt_task.h"
#include "oxt_crypto.h"
#include "oxt_secrets.h"
#include "oxt_log.h"
#include "oxt_status.h"
#include "oxt_util.h"

#define CHG_ALL (OXT_CHG_NAME | OXT_CHG_EMAIL | OXT_CHG_IMAP_LOGIN \
                 | OXT_CHG_PASSWORD | OXT_CHG_DISPLAY | OXT_CHG_LANGUAGE \
                 | OXT_CHG_TIMEZONE | OXT_CHG_SERVERS)

/* What task_begin did with an operation. */
enum { TASK_WAIT = 1, TASK_NEXT = 0 };

struct oxt_task_t {
    oxt_task_host_t *host;
    apr_pool_t *p;
    oxt_work_t *work;
    int next;                       /* next op in work->ops */
    const oxt_op_t *cur;            /* the operation in progress */
    apr_pool_t *op_pool;            /* the current operation's */
    apr_pool_t *op_pools[2];        /* alternated: see task_op_pool */
    int op_flip;
    oxt_ox_op_t *xop;               /* prepared, sent after the commit */
    oxt_ox_done_cb *xcb;
    oxt_ox_context_t *ctx;          /* id of the domain's context */
    oxt_ox_creds_t *admin;          /* its admin; NULL with master override */
    const char *admin_why;          /* why there is none (cannot open) */
    long long admin_id;             /* the admin's OX user id, 0: unknown */
    const char *admin_unknown;      /* why it cannot be learned */
    void (*then)(oxt_task_t *t);    /* goes on once admin_id is asked */
    long long adopt_id;             /* a user found by a create */
    int adopt_flag;                 /* its contextadmin: 1, 0, -1 unknown */
    int ctx_failed;
    apr_hash_t *failed;             /* oxt_obj_t -> error text */
    apr_hash_t *verified;           /* mail id -> "": not the admin */
    apr_hash_t *counted;            /* mail id -> OXT_RUN_MAILBOX_* (as
                                       text): the run's banner counts */
    const char *note;               /* said in the current op's log row */
    const char *keep_primary;       /* the primary address OX keeps */
    apr_array_header_t *items;      /* claimed queue items */
    const char *owner;
    const char *scheduled_by;       /* who asked: from the items */
    oxt_ox_done_cb *sent_cb;        /* the callback of the call out */
    apr_time_t sent_at, answered_at;    /* for the engine's profile */
    /* The hint trail (oxt_task_trail): made (loaded and planned), started
     * (its first turn), its first call out, finished. */
    apr_time_t made_at, started_at, first_sent_at, done_at;
};

static void task_next(oxt_task_t *task);
static int task_begin(oxt_task_t *t, const oxt_op_t *op);
static void task_op_done(void *baton, oxt_ox_op_t *xop,
                         const oxt_ox_reply_t *reply);

/* ---- helpers ------------------------------------------------------------- */

static oxt_obj_t obj(oxt_obj_type_t type, long long id)
{
    oxt_obj_t o;

    o.type = type;
    o.id = id;
    return o;
}

static int task_blocked(const oxt_task_host_t *host, oxt_obj_type_t type,
                        long long id)
{
    return host->blocked != NULL
        && oxt_obj_get(host->blocked, obj(type, id)) != NULL;
}

void oxt_task_fatal(oxt_task_host_t *host, apr_status_t rv,
                    const oxt_result_t *res)
{
    if (host->fatal != APR_SUCCESS) {
        return;
    }
    host->fatal = rv;
    oxt_result_set(host->fatal_res, rv, res->problem, "%s",
                   res->detail ? res->detail : "");
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, rv, OXTLOGNO(03010)
                   "replication stopped: %s",
                   oxt_result_text(res, host->fatal_res->p));
}

/* A write to the store that began at since ended: for the engine's
 * profile. */
static void task_wrote(oxt_task_t *t, apr_time_t since)
{
    oxt_engine_profile_t *pr = &t->host->stats.profile;

    pr->writes++;
    pr->write += apr_time_now() - since;
}

/* Tells the store what became of op; its failure stops the run. */
static apr_status_t task_record(oxt_task_t *t, const oxt_op_t *op,
                                oxt_rec_kind_t kind, long long ox_id,
                                const char *error)
{
    oxt_store_t *st = t->host->store;
    oxt_result_t *res = oxt_result_make(t->op_pool);
    oxt_rec_t rec;
    apr_time_t t0 = apr_time_now();
    apr_status_t rv;

    memset(&rec, 0, sizeof(rec));
    rec.kind = kind;
    rec.ox_id = ox_id;
    rec.error = error;
    rec.ox_primary = t->keep_primary;
    rv = st->record(st->baton, t->work, op, &rec, res, t->op_pool);
    task_wrote(t, t0);
    if (rv != APR_SUCCESS) {
        oxt_task_fatal(t->host, rv, res);
    }
    return rv;
}

static long long op_mail_id(const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;

    if (u == NULL) {
        return 0;
    }
    return u->mbox ? u->mbox->id : u->have->mail_id;
}

static const char *op_address(const oxt_task_t *t, const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;

    if (u == NULL) {
        return t->work->dom_name;
    }
    return u->mbox ? u->mbox->address : u->have->address;
}

static int op_service(const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;

    if (u == NULL) {
        return -1;
    }
    if (u->want != NULL && op->kind != OXT_OP_USER_DELETE) {
        return (int)u->want->service;
    }
    return u->have ? u->have->service : -1;
}

static const char *op_log_name(const oxt_op_t *op)
{
    switch (op->kind) {
    case OXT_OP_CONTEXT_CREATE:
    case OXT_OP_USER_CREATE:
        return OXT_LOG_OP_CREATE;
    case OXT_OP_CONTEXT_DELETE:
    case OXT_OP_USER_DELETE:
        return OXT_LOG_OP_DELETE;
    case OXT_OP_USER_CHANGE:
        /* A rename changes the name or the primary address; new aliases
         * or a new password are updates. */
        return op->changes != CHG_ALL
            && (op->changes & (OXT_CHG_NAME | OXT_CHG_IMAP_LOGIN))
            ? OXT_LOG_OP_RENAME : OXT_LOG_OP_UPDATE;
    default:
        return OXT_LOG_OP_UPDATE;
    }
}

static oxt_run_op_t op_run_kind(const oxt_op_t *op)
{
    switch (op->kind) {
    case OXT_OP_CONTEXT_CREATE:
        return OXT_RUN_OP_CONTEXT_CREATE;
    case OXT_OP_CONTEXT_CHANGE:
        return OXT_RUN_OP_CONTEXT_CHANGE;
    case OXT_OP_CONTEXT_DELETE:
        return OXT_RUN_OP_CONTEXT_DELETE;
    case OXT_OP_ADMIN_CHANGE:
        return OXT_RUN_OP_ADMIN_CHANGE;
    case OXT_OP_USER_CREATE:
        return OXT_RUN_OP_USER_CREATE;
    case OXT_OP_USER_CHANGE:
        return OXT_RUN_OP_USER_CHANGE;
    case OXT_OP_USER_ACCESS:
        return OXT_RUN_OP_USER_ACCESS;
    case OXT_OP_USER_DELETE:
        return OXT_RUN_OP_USER_DELETE;
    default:
        return OXT_RUN_OP_COUNT;
    }
}

/* Adds to the current operation's note. */
static void task_note(oxt_task_t *t, const char *text)
{
    t->note = t->note ? apr_pstrcat(t->p, t->note, "; ", text, NULL)
                      : apr_pstrdup(t->p, text);
}

/* ---- calls: prepared now, sent after the commit -------------------------- */

/* The call goes out only after the engine's next commit: by then all this
 * task recorded before it is durable (oxt_engine.h). */
static void task_queue(oxt_task_t *t, oxt_ox_op_t *xop, oxt_ox_done_cb *cb)
{
    t->xop = xop;
    t->xcb = cb;
    APR_ARRAY_PUSH(t->host->ready, oxt_task_t *) = t;
}

/* Every answer comes through here first: the profile's clocks. */
static void task_answered(void *baton, oxt_ox_op_t *xop,
                          const oxt_ox_reply_t *reply)
{
    oxt_task_t *t = baton;
    oxt_engine_profile_t *pr = &t->host->stats.profile;

    t->answered_at = apr_time_now();
    pr->last_answer = t->answered_at;
    pr->calls++;
    pr->call += t->answered_at - t->sent_at;
    if (t->cur != NULL && op_mail_id(t->cur) != 0
        && oxt_log_is_level(OXT_LOG_DEBUG)) {
        /* the hint trail's (oxt_task_trail) call of one mailbox */
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS,
                       OXTLOGNO(04947) "call trail: mailbox %" APR_INT64_T_FMT
                       " domain %" APR_INT64_T_FMT
                       " made %.6f sent %.6f answered %.6f",
                       (apr_int64_t)op_mail_id(t->cur),
                       (apr_int64_t)t->work->dom_id,
                       (double)t->made_at / (double)APR_USEC_PER_SEC,
                       (double)t->sent_at / (double)APR_USEC_PER_SEC,
                       (double)t->answered_at / (double)APR_USEC_PER_SEC);
    }
    t->sent_cb(t, xop, reply);
}

void oxt_task_send(oxt_task_t *t)
{
    oxt_engine_profile_t *pr = &t->host->stats.profile;
    oxt_ox_op_t *xop = t->xop;
    oxt_ox_done_cb *cb = t->xcb;
    oxt_ox_reply_t fake;
    apr_status_t rv;

    t->xop = NULL;
    t->sent_cb = cb;
    t->sent_at = apr_time_now();
    if (t->first_sent_at == 0) {
        t->first_sent_at = t->sent_at;
        /* the tail runs from the last domain's first call: a domain
         * started but not yet sending (or never: its work needed no
         * call) is not part of it */
        pr->last_start = t->sent_at;
    }
    if (pr->first_send == 0) {
        pr->first_send = t->sent_at;
    }
    if (t->answered_at != 0) {
        pr->gaps++;
        pr->gap += t->sent_at - t->answered_at;
    }
    rv = oxt_ox_submit(t->host->ox, xop, task_answered, t);
    if (rv != APR_SUCCESS) {
        /* The callback takes it as any failure to reach OX. */
        memset(&fake, 0, sizeof(fake));
        fake.status = rv;
        fake.res = oxt_result_make(t->op_pool);
        oxt_result_set(fake.res, rv, "Cannot send the OX request", "%s",
                       oxt_status_str(rv, t->op_pool));
        cb(t, xop, &fake);
    }
}

/* ---- logging and outcomes ------------------------------------------------ */

static void task_log(oxt_task_t *t, const oxt_op_t *op, oxt_ox_op_t *xop,
                     const char *logop, int success, const char *reason)
{
    oxt_task_host_t *host = t->host;
    const oxt_plesk_domain_t *dom = t->work->dom;
    oxt_soap_call_t *call = xop ? oxt_ox_op_call(xop) : NULL;
    oxt_result_t *res = oxt_result_make(t->op_pool);
    oxt_replog_entry_t e;
    apr_time_t t0;
    apr_status_t rv;

    memset(&e, 0, sizeof(e));
    e.run_id = host->run_id;
    e.mail_id = op_mail_id(op);
    e.address = op_address(t, op);
    e.dom_id = t->work->dom_id;
    e.domain_name = t->work->dom_name;
    e.client_id = dom ? dom->owner.client_id : 0;
    e.reseller_id = dom ? dom->owner.reseller_id : 0;
    e.service = op_service(op);
    e.scheduled_by = t->scheduled_by;
    e.operation = logop;
    e.success = success;
    e.reason = reason;
    if (call != NULL) {
        e.debug_request = oxt_soap_call_debug_request(call);
        e.debug_response = oxt_soap_call_debug_response(call);
    }
    t0 = apr_time_now();
    rv = host->store->log(host->store->baton, &e, res, t->op_pool);
    task_wrote(t, t0);
    if (rv != APR_SUCCESS) {
        oxt_task_fatal(host, rv, res);
    }
}

/* The mailbox of op counted once in the run's banner counts (a second
 * operation of it moves it to failed if that one failed). */
static void task_count_mailbox(oxt_task_t *t, const oxt_op_t *op, int ok)
{
    static const char *const as[] = { "0", "1", "2" };
    long long id = op_mail_id(op);
    const char *was = id > 0 ? oxt_util_id_get(t->counted, id) : NULL;
    const oxt_plesk_domain_t *dom = t->work->dom;
    int before = was ? *was - '0' : OXT_RUN_MAILBOX_NONE, now;

    /* The same count per domain and owner: the banner of a subtree. */
    oxt_run_owners_mailbox(t->host->owners, t->work->dom_id,
                           dom ? dom->owner.client_id : 0,
                           dom ? dom->owner.reseller_id : 0, op_service(op),
                           before, ok);
    now = oxt_run_counts_mailbox(&t->host->stats.counts, op_service(op),
                                 before, ok);
    if (id > 0 && now >= 0 && now <= OXT_RUN_MAILBOX_FAILED) {
        oxt_util_id_set(t->counted, id, as[now]);
    }
}

/* Where an operation's outcome is counted: the run's stats, and the
 * metrics' counters through the store (oxt_store.h count_op). */
static void task_count(oxt_task_t *t, const oxt_op_t *op, int ok)
{
    oxt_engine_stats_t *s = &t->host->stats;
    oxt_store_t *st = t->host->store;
    oxt_result_t *res;

    if (st->count_op != NULL) {
        res = oxt_result_make(t->op_pool);
        if (st->count_op(st->baton, op->kind, ok, res) != APR_SUCCESS) {
            oxt_task_fatal(t->host, res->status, res);
        }
    }

    if (ok) {
        s->ops_ok++;
    }
    else {
        s->ops_failed++;
    }
    oxt_run_counts_add(&s->counts, op_run_kind(op), -1, ok);
    if (op->user != NULL) {
        task_count_mailbox(t, op, ok);
    }
    if (t->host->opts->on_op != NULL) {
        t->host->opts->on_op(t->host->opts->baton, t->work, op,
                             ok ? APR_SUCCESS : APR_EGENERAL, NULL);
    }
}

/* op failed for the reason in why: logged, counted, recorded, queued. */
static void task_failed_why(oxt_task_t *t, const oxt_op_t *op,
                            oxt_ox_op_t *xop, oxt_rec_kind_t kind,
                            const char *why)
{
    task_log(t, op, xop, op_log_name(op), 0, why);
    task_count(t, op, 0);
    /* Without its context (or with a failed change of it) no user can be
     * written; the admin's address alone does not stop them. */
    if (op->user == NULL && op->kind != OXT_OP_ADMIN_CHANGE) {
        t->ctx_failed = 1;
    }
    oxt_obj_set(t->failed, op->user == NULL
                           ? obj(OXT_OBJ_DOMAIN, t->work->dom_id)
                           : obj(OXT_OBJ_MAILBOX, op_mail_id(op)),
                apr_pstrdup(t->p, why));
    (void)task_record(t, op, kind, 0, why);
}

static void task_failed(oxt_task_t *t, const oxt_op_t *op,
                        oxt_ox_op_t *xop, const oxt_ox_reply_t *reply)
{
    task_failed_why(t, op, xop, OXT_REC_FAILED,
                    oxt_result_text(reply->res, t->op_pool));
}

/* OX did op: recorded (kind, ox_id), logged, counted. */
static void task_succeeded(oxt_task_t *t, const oxt_op_t *op,
                           oxt_ox_op_t *xop, const char *logop,
                           oxt_rec_kind_t kind, long long ox_id)
{
    if (task_record(t, op, kind, ox_id, NULL) != APR_SUCCESS) {
        return;
    }
    if (op->user != NULL) {
        task_log(t, op, xop, logop, 1, t->note);
    }
    task_count(t, op, 1);
}

/* Puts ops (n of them) right after the current operation. */
static void task_insert(oxt_task_t *t, const oxt_op_t *ops, int n)
{
    apr_array_header_t *a = t->work->ops;
    int i, tail = a->nelts - t->next;

    for (i = 0; i < n; i++) {
        (void)apr_array_push(a);
    }
    memmove(a->elts + (size_t)(t->next + n) * sizeof(oxt_op_t),
            a->elts + (size_t)t->next * sizeof(oxt_op_t),
            (size_t)tail * sizeof(oxt_op_t));
    memcpy(a->elts + (size_t)t->next * sizeof(oxt_op_t), ops,
           (size_t)n * sizeof(oxt_op_t));
}

/* ---- the context admin --------------------------------------------------- */

static apr_status_t task_admin(oxt_task_t *t, oxt_result_t *res)
{
    const oxt_applied_context_t *have = &t->work->have_ctx;
    const char *password;
    apr_status_t rv;

    if (t->host->env->settings->master_override) {
        t->admin = NULL;
        return APR_SUCCESS;
    }
    if (have->admin_login == NULL || have->admin_password_enc == NULL) {
        return oxt_result_set(res, OXT_ESOAP_AUTH, "No context admin",
                              "the context of %s was not created by us",
                              t->work->dom_name);
    }
    rv = oxt_crypto_open(&password, t->host->key,
                         oxt_secrets_row_admin_password(t->work->dom_id,
                                                        t->p),
                         have->admin_password_enc, res, t->p);
    if (rv == APR_SUCCESS) {
        t->admin = apr_pcalloc(t->p, sizeof(*t->admin));
        t->admin->login = have->admin_login;
        t->admin->password = password;
    }
    return rv;
}

static void task_admin_id_done(void *baton, oxt_ox_op_t *xop,
                               const oxt_ox_reply_t *reply)
{
    oxt_task_t *t = baton;
    oxt_store_t *st = t->host->store;
    oxt_result_t *res = oxt_result_make(t->op_pool);
    apr_status_t rv;

    (void)xop;
    if (reply->status == APR_SUCCESS) {
        t->admin_id = reply->number;
        rv = st->admin(st->baton, t->work, t->admin_id, res, t->op_pool);
        if (rv != APR_SUCCESS) {
            oxt_task_fatal(t->host, rv, res);
        }
    }
    else {
        t->admin_unknown = apr_psprintf(t->p, "Cannot tell who is the OX"
                                        " context admin: %s",
                                        oxt_result_text(reply->res, t->p));
    }
    t->then(t);
}

/* Asks OX for the admin's id once; then goes on with t->then. */
static int task_learn_admin(oxt_task_t *t, void (*then)(oxt_task_t *))
{
    oxt_ox_op_t *xop;

    if (t->admin_unknown != NULL
        || oxt_ox_context_get_admin_id(&xop, t->host->ox, t->ctx,
                                       t->op_pool) != APR_SUCCESS) {
        if (t->admin_unknown == NULL) {
            t->admin_unknown = "Cannot tell who is the OX context admin";
        }
        return TASK_NEXT;
    }
    t->then = then;
    task_queue(t, xop, task_admin_id_done);
    return TASK_WAIT;
}

/* Is the user of u (existing, or created under its name) the admin? */
static int task_is_admin(const oxt_task_t *t, const oxt_plan_user_t *u)
{
    const oxt_applied_user_t *h = u->have;

    if (h == NULL) {
        return 0;
    }
    if (h->ox_user_id > 0) {
        return t->admin_id > 0 && h->ox_user_id == t->admin_id;
    }
    return h->mail_name != NULL
        && strcasecmp(h->mail_name,
                      oxt_plan_admin_login(&t->work->have_ctx)) == 0;
}

/* Before the first change or delete of an existing user the admin's id
 * must be known, unless the user was just checked (adopted). */
static int task_needs_admin_id(const oxt_task_t *t, const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;

    return u != NULL && t->admin_id <= 0 && u->have != NULL
        && u->have->ox_user_id > 0 && op->kind != OXT_OP_USER_CREATE
        && op->kind != OXT_OP_USER_STATUS
        && oxt_util_id_get(t->verified, op_mail_id(op)) == NULL;
}

/* A mailbox recorded as the context admin (an adoption of an earlier
 * version): nothing is sent. Its delete is done in our state only; for a
 * change its OX ids are forgotten, so the mailbox is created anew. */
static void task_spare_admin(oxt_task_t *t, const oxt_op_t *op)
{
    const char *why = apr_psprintf(t->p, "OX user %s is the context admin",
                                   oxt_util_lld(op->user->have->ox_user_id
                                                ? op->user->have->ox_user_id
                                                : t->admin_id, t->p));

    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                   OXTLOGNO(03800) "%s: %s; it is never changed or deleted"
                   " for a mailbox", op_address(t, op), why);
    if (op->kind == OXT_OP_USER_DELETE) {
        task_note(t, apr_pstrcat(t->p, "not deleted in OX: ", why, NULL));
        if (task_record(t, op, OXT_REC_APPLIED, 0, NULL) == APR_SUCCESS) {
            task_log(t, op, NULL, OXT_LOG_OP_DELETE, 1, t->note);
        }
        return;
    }
    if (task_record(t, op, OXT_REC_GONE, 0, NULL) == APR_SUCCESS) {
        task_failed_why(t, op, NULL, OXT_REC_FAILED,
                        apr_pstrcat(t->p, why, ": the mailbox will be"
                                    " created as a user of its own", NULL));
    }
}

/* ---- context operations -------------------------------------------------- */

static oxt_ox_context_t *task_ctx_want(oxt_task_t *t, unsigned changes)
{
    oxt_ox_context_t *c = oxt_ox_context_make(t->op_pool);
    const oxt_desired_context_t *w = &t->work->want_ctx;

    c->id = (int)t->work->have_ctx.ox_context_id;
    if (changes & OXT_CHG_MAPPINGS) {
        c->name = w->name;
        c->login_mappings = w->login_mappings;
    }
    if (changes & OXT_CHG_QUOTA) {
        c->max_quota = w->quota_mb;
    }
    return c;
}

/* The admin password is sealed into domain_state with the create's turn,
 * so a crash after OX created the context leaves us the password it has
 * (the create is sent after the commit). */
static apr_status_t task_reserve_admin(oxt_task_t *t, oxt_result_t *res)
{
    oxt_store_t *st = t->host->store;
    unsigned char rnd[18];
    char b64[32];
    const char *sealed;
    apr_status_t rv;

    rv = oxt_crypto_random(rnd, sizeof(rnd));
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "No randomness", NULL);
    }
    apr_base64_encode(b64, (const char *)rnd, sizeof(rnd));
    rv = oxt_crypto_seal(&sealed, t->host->key,
                         oxt_secrets_row_admin_password(t->work->dom_id,
                                                        t->op_pool),
                         b64, res, t->op_pool);
    if (rv == APR_SUCCESS) {
        apr_time_t t0 = apr_time_now();

        rv = st->reserve(st->baton, t->work, OXT_CONTEXT_ADMIN_LOGIN, sealed,
                         res, t->p);
        task_wrote(t, t0);
    }
    return rv == APR_SUCCESS ? task_admin(t, res) : rv;
}

static oxt_ox_user_t *task_ctx_admin_user(oxt_task_t *t)
{
    oxt_ox_user_t *a = oxt_ox_user_make(t->op_pool);
    const char *mail = oxt_plan_admin_address(&t->work->have_ctx,
                                              &t->work->want_ctx, t->op_pool);

    a->name = oxt_plan_admin_login(&t->work->have_ctx);
    a->password = t->admin ? t->admin->password : NULL;
    a->display_name = apr_pstrcat(t->op_pool, "Administrator of ",
                                  t->work->want_ctx.name, NULL);
    a->given_name = "Context";
    a->sur_name = "Administrator";
    a->primary_email = mail;
    a->email1 = mail;
    return a;
}

/* The admin's address follows the context's name: primary address,
 * email1, default sender and its only alias. Only addresses are sent, so
 * its credentials stay as they are. */
static apr_status_t task_build_admin(oxt_ox_op_t **pxop, oxt_task_t *t)
{
    oxt_ox_user_t *a = oxt_ox_user_make(t->op_pool);
    const char *mail = oxt_plan_admin_address(&t->work->have_ctx,
                                              &t->work->want_ctx, t->op_pool);

    if (t->admin_id > 0) {
        a->id = (int)t->admin_id;
    }
    else {
        a->name = oxt_plan_admin_login(&t->work->have_ctx);
    }
    a->primary_email = a->email1 = a->default_sender = mail;
    a->aliases = apr_array_make(t->op_pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(a->aliases, const char *) = mail;
    return oxt_ox_user_change(pxop, t->host->ox, t->ctx, t->admin, a,
                              t->op_pool);
}

static apr_status_t task_build_ctx(oxt_ox_op_t **pxop, oxt_task_t *t,
                                   const oxt_op_t *op, oxt_result_t *res)
{
    oxt_ox_context_t *c;
    apr_status_t rv;

    switch (op->kind) {
    case OXT_OP_CONTEXT_CREATE:
        rv = task_reserve_admin(t, res);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        c = task_ctx_want(t, OXT_CHG_MAPPINGS | OXT_CHG_QUOTA);
        c->id = 0;
        return oxt_ox_context_create(pxop, t->host->ox, c,
                   task_ctx_admin_user(t),
                   t->host->env->settings->access_combination[0], t->op_pool);
    case OXT_OP_CONTEXT_CHANGE:
        return oxt_ox_context_change(pxop, t->host->ox,
                                     task_ctx_want(t, op->changes),
                                     t->op_pool);
    case OXT_OP_ADMIN_CHANGE:
        return task_build_admin(pxop, t);
    default:
        return oxt_ox_context_delete(pxop, t->host->ox, task_ctx_want(t, 0),
                                     t->op_pool);
    }
}

static void task_ctx_record(oxt_task_t *t, const oxt_op_t *op,
                            oxt_ox_op_t *xop, oxt_rec_kind_t kind,
                            long long id)
{
    if (op->kind == OXT_OP_CONTEXT_CREATE) {
        t->work->have_ctx.ox_context_id = id;
        t->ctx->id = (int)id;
    }
    task_succeeded(t, op, xop, NULL, kind, id);
}

/* What an existing context lacks of what it should hold. */
static unsigned task_ctx_diff(const oxt_task_t *t, const oxt_ox_context_t *c,
                              apr_pool_t *p)
{
    const oxt_desired_context_t *w = &t->work->want_ctx;
    unsigned changes = 0;

    if (c->name == NULL || strcmp(c->name, w->name) != 0
        || strcmp(oxt_desired_join_sorted(c->login_mappings,
                                          apr_itoa(p, c->id), p),
                  oxt_desired_join(w->login_mappings, p)) != 0) {
        changes |= OXT_CHG_MAPPINGS;
    }
    if (c->max_quota != w->quota_mb) {
        changes |= OXT_CHG_QUOTA;
    }
    return changes;
}

/* A context that exists already (our earlier create whose answer was
 * lost, or someone's manual one): its id is recorded, then it is sent
 * what it lacks, as an adopted user is; its admin gets its address. */
static void task_adopt_ctx_done(void *baton, oxt_ox_op_t *xop,
                                const oxt_ox_reply_t *reply)
{
    oxt_task_t *t = baton;
    const oxt_op_t *op = t->cur;
    oxt_op_t more[2];
    int n = 0;

    if (reply->status != APR_SUCCESS || reply->context == NULL
        || reply->context->id <= 0) {
        task_failed(t, op, xop, reply);
        task_next(t);
        return;
    }
    memset(more, 0, sizeof(more));
    t->work->have_ctx.ox_context_id = reply->context->id;
    more[n].kind = OXT_OP_CONTEXT_CHANGE;
    more[n].changes = task_ctx_diff(t, reply->context, t->op_pool);
    n += more[n].changes != 0;
    more[n++].kind = OXT_OP_ADMIN_CHANGE;
    task_ctx_record(t, op, xop, OXT_REC_ADOPTED, reply->context->id);
    /* Last: it may move the ops array that op points into. */
    task_insert(t, more, n);
    task_next(t);
}

static int task_adopt_ctx(oxt_task_t *t)
{
    oxt_ox_context_t *c = oxt_ox_context_make(t->op_pool);
    oxt_ox_op_t *xop;

    c->name = t->work->want_ctx.name;
    if (oxt_ox_context_get_data(&xop, t->host->ox, c, t->op_pool)
        != APR_SUCCESS) {
        return 0;
    }
    task_queue(t, xop, task_adopt_ctx_done);
    return 1;
}

/* Returns TASK_WAIT when the operation goes on in another callback. */
static int task_ctx_done(oxt_task_t *t, const oxt_op_t *op,
                         oxt_ox_op_t *xop, const oxt_ox_reply_t *reply)
{
    long long id = t->work->have_ctx.ox_context_id;
    apr_status_t rv = reply->status;

    if (op->kind == OXT_OP_CONTEXT_CREATE && rv == APR_SUCCESS) {
        id = reply->context ? reply->context->id : 0;
        rv = id > 0 ? APR_SUCCESS : OXT_ESOAP_XML;
    }
    else if (op->kind == OXT_OP_CONTEXT_CREATE
             && rv == OXT_ESOAP_CTX_EXISTS && task_adopt_ctx(t)) {
        return TASK_WAIT;
    }
    else if (op->kind == OXT_OP_CONTEXT_DELETE && rv == OXT_ESOAP_NO_CTX) {
        rv = APR_SUCCESS;              /* gone already: that is the goal */
    }
    else if (op->kind == OXT_OP_ADMIN_CHANGE && rv == OXT_ESOAP_MAIL_FIXED) {
        /* PRIMARY_MAIL_UNCHANGEABLE: the admin keeps its old address
         * (nobody mails it); asking again each run would change nothing. */
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_NOTICE, APR_SUCCESS,
                       OXTLOGNO(03801) "OX does not allow changing primary"
                       " addresses: the context admin of %s keeps its old"
                       " address", t->work->dom_name);
        rv = APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        task_failed(t, op, xop, reply);
        return TASK_NEXT;
    }
    task_ctx_record(t, op, xop, OXT_REC_APPLIED, id);
    return TASK_NEXT;
}

/* ---- user operations ----------------------------------------------------- */

/* The aliases to send when OX keeps primary as the primary address: it
 * must stay among them (OX wants primary, email1 and the default sender
 * in the alias set). */
static apr_array_header_t *task_aliases_with(const apr_array_header_t *a,
                                             const char *primary,
                                             apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_copy(p, a);
    int i;

    for (i = 0; i < a->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(a, i, const char *), primary) == 0) {
            return out;
        }
    }
    APR_ARRAY_PUSH(out, const char *) = primary;
    return out;
}

static oxt_ox_user_t *task_user_fields(const oxt_desired_user_t *w,
                                       unsigned changes, const char *keep,
                                       apr_pool_t *p)
{
    oxt_ox_user_t *u = oxt_ox_user_make(p);

    if (changes & OXT_CHG_NAME) {
        u->name = w->name;
    }
    if ((changes & OXT_CHG_EMAIL) && keep != NULL) {
        u->aliases = task_aliases_with(w->aliases, keep, p);
    }
    else if (changes & OXT_CHG_EMAIL) {
        /* OX wants primaryEmail, email1 and the default sender address all
         * in the aliases: a changed primary address moves all three. */
        u->primary_email = w->primary_email;
        u->email1 = w->primary_email;
        u->default_sender = w->primary_email;
        u->aliases = w->aliases;
    }
    if (changes & OXT_CHG_IMAP_LOGIN) {
        u->imap_login = w->imap_login;
    }
    if (changes & OXT_CHG_PASSWORD) {
        u->password = w->password;
    }
    if (changes & OXT_CHG_DISPLAY) {
        u->display_name = w->display_name;
        u->given_name = w->given_name;
        u->sur_name = w->sur_name;
    }
    if (changes & OXT_CHG_LANGUAGE) {
        u->language = w->language;
    }
    if (changes & OXT_CHG_TIMEZONE) {
        u->timezone = w->timezone;
    }
    if (changes & OXT_CHG_SERVERS) {
        u->imap_server = w->imap_server;
        u->imap_port = w->imap_port;
        u->smtp_server = w->smtp_server;
        u->smtp_port = w->smtp_port;
    }
    return u;
}

/* The user an operation names: by its OX id, or (a create whose answer
 * was lost) by the name it was created under. */
static oxt_ox_user_t *task_user_ref(oxt_task_t *t, const oxt_plan_user_t *u)
{
    oxt_ox_user_t *x = oxt_ox_user_make(t->op_pool);

    x->id = (int)u->have->ox_user_id;
    if (x->id <= 0) {
        x->name = u->have->mail_name;
    }
    return x;
}

static apr_status_t task_build_user(oxt_ox_op_t **pxop, oxt_task_t *t,
                                    const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;
    const oxt_settings_t *s = t->host->env->settings;
    oxt_ox_user_t *x;

    switch (op->kind) {
    case OXT_OP_USER_CREATE:
        x = task_user_fields(u->want, CHG_ALL, NULL, t->op_pool);
        return oxt_ox_user_create(pxop, t->host->ox, t->ctx, t->admin, x,
                                  s->access_combination[u->want->service],
                                  t->op_pool);
    case OXT_OP_USER_CHANGE:
        x = task_user_fields(u->want, op->changes, t->keep_primary,
                             t->op_pool);
        x->id = (int)u->have->ox_user_id;
        return oxt_ox_user_change(pxop, t->host->ox, t->ctx, t->admin, x,
                                  t->op_pool);
    case OXT_OP_USER_ACCESS:
        return oxt_ox_user_change_access(pxop, t->host->ox, t->ctx, t->admin,
                   task_user_ref(t, u),
                   s->access_combination[u->want->service], t->op_pool);
    default:
        return oxt_ox_user_delete(pxop, t->host->ox, t->ctx, t->admin,
                                  task_user_ref(t, u), t->op_pool);
    }
}

/* Builds op's request and puts it on ready; intent says whether the store
 * is told first (the operation's first call, not its follow-ups). */
static apr_status_t task_prepare(oxt_task_t *t, const oxt_op_t *op,
                                 int intent, oxt_result_t *res)
{
    oxt_store_t *st = t->host->store;
    oxt_ox_op_t *xop;
    apr_status_t rv;

    rv = op->user == NULL ? task_build_ctx(&xop, t, op, res)
                          : task_build_user(&xop, t, op);
    if (rv == APR_SUCCESS && intent) {
        apr_time_t t0 = apr_time_now();

        rv = st->intent(st->baton, t->work, op, res, t->op_pool);
        task_wrote(t, t0);
        if (rv != APR_SUCCESS) {
            oxt_task_fatal(t->host, rv, res);
            return rv;
        }
    }
    if (rv == APR_SUCCESS) {
        t->cur = op;
        task_queue(t, xop, task_op_done);
    }
    return rv;
}

/* A follow-up call of the operation in progress (same intent). */
static int task_again(oxt_task_t *t, const oxt_op_t *op)
{
    oxt_result_t *res = oxt_result_make(t->op_pool);

    return task_prepare(t, op, 0, res) == APR_SUCCESS;
}

/* ---- adopting a user ----------------------------------------------------- */

/* Puts the operations that send every attribute of an adopted user right
 * after the current one. */
static void task_after_adopt(oxt_task_t *t, const oxt_op_t *op,
                             long long user_id)
{
    oxt_plan_user_t *u = apr_pmemdup(t->p, op->user, sizeof(*u));
    oxt_applied_user_t *have = apr_pcalloc(t->p, sizeof(*have));
    oxt_op_t more[2];

    have->exists = 1;
    have->mail_id = u->mbox->id;
    have->ox_context_id = t->work->have_ctx.ox_context_id;
    have->ox_user_id = user_id;
    have->service = -1;
    u->have = have;
    oxt_util_id_set(t->verified, u->mbox->id, "");
    memset(more, 0, sizeof(more));
    more[0].kind = OXT_OP_USER_CHANGE;
    more[0].changes = CHG_ALL;
    more[0].user = u;
    more[1].kind = OXT_OP_USER_ACCESS;
    more[1].user = u;
    task_insert(t, more, 2);
}

/* The user found is the context admin: taking it over would hand its
 * rights to the mailbox's owner and change the credentials we keep. */
static void task_refuse_admin(oxt_task_t *t, const oxt_op_t *op)
{
    const char *why = apr_psprintf(t->p, "OX user '%s' of this context is its"
                                   " admin: a mailbox of that name cannot be"
                                   " replicated", op->user->want->name);

    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                   OXTLOGNO(03802) "%s: %s", op_address(t, op), why);
    task_failed_why(t, op, NULL, OXT_REC_REFUSED, why);
}

static void task_adopt_decide(oxt_task_t *t)
{
    const oxt_op_t *op = t->cur;
    long long id = t->adopt_id;

    if (t->adopt_flag == 1 || (t->admin_id > 0 && id == t->admin_id)) {
        task_refuse_admin(t, op);
    }
    else if (t->adopt_flag != 0 && t->admin_id <= 0) {
        task_failed_why(t, op, NULL, OXT_REC_FAILED, t->admin_unknown);
    }
    else {
        task_succeeded(t, op, NULL, OXT_LOG_OP_ADOPT, OXT_REC_ADOPTED, id);
        /* Last: it may move the ops array that op points into. */
        task_after_adopt(t, op, id);
    }
    task_next(t);
}

/* The user exists: unless it is the context admin, record its ids, then
 * send every attribute. Without OX's word on it (contextadmin), the
 * admin's id decides. */
static void task_adopt_user_done(void *baton, oxt_ox_op_t *xop,
                                 const oxt_ox_reply_t *reply)
{
    oxt_task_t *t = baton;
    const oxt_op_t *op = t->cur;
    const oxt_ox_user_t *u = reply->user;

    if (reply->status != APR_SUCCESS || u == NULL || u->id <= 0) {
        task_failed(t, op, xop, reply);
        task_next(t);
        return;
    }
    t->adopt_id = u->id;
    t->adopt_flag = u->context_admin;
    if (u->context_admin >= 0 || t->admin_id > 0
        || task_learn_admin(t, task_adopt_decide) == TASK_NEXT) {
        task_adopt_decide(t);
    }
}

static int task_adopt_user(oxt_task_t *t, const oxt_op_t *op)
{
    oxt_ox_user_t *x = oxt_ox_user_make(t->op_pool);
    oxt_ox_op_t *xop;

    x->name = op->user->want->name;
    if (oxt_ox_user_get_data(&xop, t->host->ox, t->ctx, t->admin, x,
                             t->op_pool) != APR_SUCCESS) {
        return 0;
    }
    task_queue(t, xop, task_adopt_user_done);
    return 1;
}

/* ---- renames OX refuses -------------------------------------------------- */

/* USERNAME_CHANGEABLE is off by default: OX refuses to change user names.
 * The addresses and IMAP login still change, so mail keeps working; the
 * person keeps logging in with the old name, and the log says so.
 * Deleting and re-creating the user would lose its data. */
static int task_without_name(oxt_task_t *t, const oxt_op_t *op)
{
    oxt_op_t *again = apr_pmemdup(t->p, op, sizeof(*op));

    again->changes &= ~(unsigned)OXT_CHG_NAME;
    task_note(t, apr_psprintf(t->p, "OX does not allow changing user names:"
                              " the user keeps logging in as '%s'",
                              op->user->have->mail_name
                                  ? op->user->have->mail_name : "?"));
    return task_again(t, again);
}

static void task_primary_read(void *baton, oxt_ox_op_t *xop,
                              const oxt_ox_reply_t *reply)
{
    oxt_task_t *t = baton;
    const oxt_op_t *op = t->cur;
    const char *primary = reply->user ? reply->user->primary_email : NULL;

    if (reply->status != APR_SUCCESS || primary == NULL) {
        task_failed(t, op, xop, reply);
        task_next(t);
        return;
    }
    t->keep_primary = apr_pstrdup(t->p, primary);
    task_note(t, apr_psprintf(t->p, "OX does not allow changing primary"
                              " addresses: the user keeps '%s' as its"
                              " primary address", primary));
    if (!task_again(t, op)) {
        task_failed_why(t, op, xop, OXT_REC_FAILED,
                        "Cannot build the OX request");
        task_next(t);
    }
}

/* PRIMARY_MAIL_UNCHANGEABLE (OX's code takes it as true when the property
 * is missing): the primary address cannot change. Everything else is
 * applied, the new address among the aliases; the user keeps its old
 * primary address, which OX is asked for. */
static int task_keep_primary(oxt_task_t *t, const oxt_op_t *op)
{
    oxt_ox_user_t *x = oxt_ox_user_make(t->op_pool);
    oxt_ox_op_t *xop;

    x->id = (int)op->user->have->ox_user_id;
    if (oxt_ox_user_get_data(&xop, t->host->ox, t->ctx, t->admin, x,
                             t->op_pool) != APR_SUCCESS) {
        return 0;
    }
    task_queue(t, xop, task_primary_read);
    return 1;
}

/* A follow-up when OX refused part of a change: TASK_WAIT when sent. */
static int task_user_refused(oxt_task_t *t, const oxt_op_t *op,
                             apr_status_t rv)
{
    if (op->kind != OXT_OP_USER_CHANGE) {
        return TASK_NEXT;
    }
    if (rv == OXT_ESOAP_NAME_FIXED && (op->changes & OXT_CHG_NAME)) {
        return task_without_name(t, op) ? TASK_WAIT : TASK_NEXT;
    }
    if (rv == OXT_ESOAP_MAIL_FIXED && (op->changes & OXT_CHG_EMAIL)
        && t->keep_primary == NULL) {
        return task_keep_primary(t, op) ? TASK_WAIT : TASK_NEXT;
    }
    return TASK_NEXT;
}

/* The primary address OX keeps after op: what it kept when it refused
 * ours, none (ours) when ours was sent, else what it kept before. */
static void task_primary_after(oxt_task_t *t, const oxt_op_t *op)
{
    const oxt_applied_user_t *h = op->user->have;

    if (op->kind == OXT_OP_USER_CREATE
        || (op->kind == OXT_OP_USER_CHANGE && (op->changes & OXT_CHG_EMAIL))) {
        return;                        /* keep_primary says it */
    }
    t->keep_primary = h ? h->ox_primary : NULL;
}

/* Returns TASK_WAIT when the operation goes on in another callback. */
static int task_user_done(oxt_task_t *t, const oxt_op_t *op,
                          oxt_ox_op_t *xop, const oxt_ox_reply_t *reply)
{
    const oxt_plan_user_t *u = op->user;
    long long id = u->have ? u->have->ox_user_id : 0;
    apr_status_t rv = reply->status;

    if (op->kind == OXT_OP_USER_DELETE && rv == OXT_ESOAP_ADMIN_DEL) {
        task_spare_admin(t, op);
        return TASK_NEXT;
    }
    if (op->kind == OXT_OP_USER_DELETE
        && (rv == OXT_ESOAP_NO_USER || rv == OXT_ESOAP_NO_CTX)) {
        rv = APR_SUCCESS;              /* gone already: that is the goal */
    }
    if (op->kind == OXT_OP_USER_CREATE && rv == APR_SUCCESS) {
        id = reply->user ? reply->user->id : 0;
        rv = id > 0 ? APR_SUCCESS : OXT_ESOAP_XML;
    }
    else if (op->kind == OXT_OP_USER_CREATE && rv == OXT_ESOAP_USER_EXISTS
             && task_adopt_user(t, op)) {
        return TASK_WAIT;
    }
    else if (task_user_refused(t, op, rv) == TASK_WAIT) {
        return TASK_WAIT;
    }
    else if (rv == OXT_ESOAP_NO_USER) {
        /* Gone from OX behind our back: created again after a backoff. */
        if (task_record(t, op, OXT_REC_GONE, 0, NULL) != APR_SUCCESS) {
            return TASK_NEXT;
        }
    }
    if (rv != APR_SUCCESS) {
        task_failed(t, op, xop, reply);
        return TASK_NEXT;
    }
    task_primary_after(t, op);
    task_succeeded(t, op, xop, op_log_name(op), OXT_REC_APPLIED, id);
    return TASK_NEXT;
}

/* ---- the task loop ------------------------------------------------------- */

static void task_op_done(void *baton, oxt_ox_op_t *xop,
                         const oxt_ox_reply_t *reply)
{
    oxt_task_t *t = baton;
    const oxt_op_t *op = t->cur;
    int more;

    more = op->user == NULL ? task_ctx_done(t, op, xop, reply)
                            : task_user_done(t, op, xop, reply);
    if (more == TASK_NEXT) {
        task_next(t);
    }
}

/* A user that cannot be created because its context failed still gets
 * a status row, so its page says why it is not in OX. */
static void task_no_context(oxt_task_t *t, const oxt_op_t *op)
{
    const char *why = oxt_obj_get(t->failed, obj(OXT_OBJ_DOMAIN,
                                                 t->work->dom_id));

    if (op->kind != OXT_OP_USER_CREATE || op->user->mbox == NULL
        || t->host->opts->dry_run) {
        return;
    }
    (void)task_record(t, op, OXT_REC_NO_CONTEXT, 0, why);
}

/* Whether the task was given a claimed item of mailbox mail_id. */
static int task_claimed(const oxt_task_t *t, long long mail_id)
{
    const oxt_queue_item_t *item;
    int i;

    for (i = 0; t->items != NULL && i < t->items->nelts; i++) {
        item = APR_ARRAY_IDX(t->items, i, const oxt_queue_item_t *);
        if (item->type == OXT_OBJ_MAILBOX && item->object_id == mail_id) {
            return 1;
        }
    }
    return 0;
}

static int task_skip(oxt_task_t *t, const oxt_op_t *op)
{
    oxt_task_host_t *host = t->host;

    if (op->user == NULL) {
        return t->ctx_failed;
    }
    if (op->kind != OXT_OP_USER_STATUS
        && (t->ctx_failed || t->work->have_ctx.ox_context_id <= 0)
        && op->kind != OXT_OP_USER_DELETE) {
        task_no_context(t, op);
        return 1;
    }
    /* A user whose earlier operation failed this time gets no more. */
    if (oxt_obj_get(t->failed, obj(OXT_OBJ_MAILBOX, op_mail_id(op)))) {
        return 1;
    }
    /* Blocked is what failed earlier in the run, or waited for its
     * backoff when the run began. A claimed item of the mailbox is due
     * now whatever that says: skipped, it would be settled as done and
     * its row deleted, with its attempts, so it never parked. */
    if (task_blocked(host, OXT_OBJ_MAILBOX, op_mail_id(op))
        && !task_claimed(t, op_mail_id(op))) {
        host->stats.ops_skipped++;
        return 1;
    }
    return 0;
}

/* Could not even build the request (data OX cannot carry, no admin
 * password): a failure of this object like any other. */
static void task_build_failed(oxt_task_t *t, const oxt_op_t *op,
                              apr_status_t rv, oxt_result_t *res)
{
    if (res->status == APR_SUCCESS && t->admin_why != NULL) {
        oxt_result_set(res, rv, "No context admin password", "%s",
                       t->admin_why);
    }
    else if (res->status == APR_SUCCESS) {
        oxt_result_set(res, rv, "Cannot build the OX request",
                       "%s", oxt_status_str(rv, t->op_pool));
    }
    task_failed_why(t, op, NULL, OXT_REC_FAILED,
                    oxt_result_text(res, t->op_pool));
}

/* Goes on with the operation after the admin's id was asked. */
static void task_resume(oxt_task_t *t)
{
    if (task_begin(t, t->cur) == TASK_NEXT) {
        task_next(t);
    }
}

/* Starts op: TASK_WAIT when a call is prepared, TASK_NEXT when op is
 * done without one. */
static int task_begin(oxt_task_t *t, const oxt_op_t *op)
{
    oxt_result_t *res;
    apr_status_t rv;

    t->cur = op;
    if (task_needs_admin_id(t, op) && t->admin_unknown == NULL
        && task_learn_admin(t, task_resume) == TASK_WAIT) {
        return TASK_WAIT;
    }
    if (task_needs_admin_id(t, op)) {
        task_failed_why(t, op, NULL, OXT_REC_FAILED, t->admin_unknown);
        return TASK_NEXT;
    }
    if (op->user != NULL && op->kind != OXT_OP_USER_CREATE
        && task_is_admin(t, op->user)) {
        task_spare_admin(t, op);
        return TASK_NEXT;
    }
    res = oxt_result_make(t->op_pool);
    rv = task_prepare(t, op, 1, res);
    if (rv == APR_SUCCESS) {
        return TASK_WAIT;
    }
    if (t->host->fatal == APR_SUCCESS) {
        task_build_failed(t, op, rv, res);
    }
    return TASK_NEXT;
}

static void task_finish(oxt_task_t *t);

/* Each operation gets a clean pool. The previous operation's pool cannot
 * be cleared yet: we may be running inside its SOAP callback, and the
 * client still holds its call until the callback returns. So two pools
 * take turns: the one cleared now held the operation before last. */
static void task_op_pool(oxt_task_t *t)
{
    t->op_flip ^= 1;
    if (t->op_pools[t->op_flip] == NULL) {
        apr_pool_create(&t->op_pools[t->op_flip], t->p);
    }
    else {
        apr_pool_clear(t->op_pools[t->op_flip]);
    }
    t->op_pool = t->op_pools[t->op_flip];
}

/* Runs operations until one has its call prepared, or finishes. */
static void task_next(oxt_task_t *t)
{
    const oxt_op_t *op;

    while (t->host->fatal == APR_SUCCESS && t->next < t->work->ops->nelts) {
        op = &APR_ARRAY_IDX(t->work->ops, t->next++, const oxt_op_t);
        task_op_pool(t);
        t->note = NULL;
        t->keep_primary = NULL;
        if (task_skip(t, op)) {
            continue;
        }
        if (op->kind == OXT_OP_USER_STATUS) {
            (void)task_record(t, op, OXT_REC_STATUS, 0, NULL);
            continue;
        }
        if (op->kind == OXT_OP_CONTEXT_RECORD) {
            (void)task_record(t, op, OXT_REC_APPLIED,
                              t->work->have_ctx.ox_context_id, NULL);
            continue;
        }
        if (task_begin(t, op) == TASK_WAIT) {
            return;                    /* goes on in a callback */
        }
    }
    task_finish(t);
}

/* ---- queue outcomes ------------------------------------------------------ */

static void task_items_outcome(oxt_task_t *t, oxt_result_t *res)
{
    oxt_task_host_t *host = t->host;
    oxt_store_t *st = host->store;
    int max = host->env->settings->queue_max_attempts;
    const oxt_queue_item_t *item;
    const char *err;
    apr_hash_index_t *hi;
    oxt_obj_t o;
    apr_status_t rv = APR_SUCCESS;
    int i;

    /* What failed now waits for its backoff: the rest of this run (its
     * full pass after the queue) must not try it again at once. */
    for (hi = apr_hash_first(t->p, t->failed); hi; hi = apr_hash_next(hi)) {
        oxt_obj_set(host->blocked, oxt_obj_of(hi), "");
    }
    for (i = 0; rv == APR_SUCCESS && t->items && i < t->items->nelts; i++) {
        item = APR_ARRAY_IDX(t->items, i, const oxt_queue_item_t *);
        o = obj(item->type, item->object_id);
        err = oxt_obj_get(t->failed, o);
        oxt_obj_set(t->failed, o, NULL);
        rv = st->settle(st->baton, item, o, t->owner, err, max, res, t->p);
    }
    for (hi = apr_hash_first(t->p, t->failed); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        o = oxt_obj_of(hi);
        rv = st->settle(st->baton, NULL, o, NULL, apr_hash_this_val(hi), max,
                        res, t->p);
    }
    if (rv != APR_SUCCESS) {
        oxt_task_fatal(host, rv, res);
    }
}

static void task_finish(oxt_task_t *t)
{
    oxt_task_host_t *host = t->host;
    oxt_result_t *res = oxt_result_make(t->p);

    if (!host->opts->dry_run && host->fatal == APR_SUCCESS) {
        task_items_outcome(t, res);
    }
    host->stats.domains++;
    t->done_at = apr_time_now();
    /* Not destroyed here: we may be inside a SOAP callback whose call
     * lives in this pool. The engine destroys it afterwards. */
    host->done(host->done_baton, t);
}


/* ---- the task ------------------------------------------------------------ */

/* A person's request (a page's "Apply", Webmail Now) names them in the log
 * rather than "Automatic". */
static const char *task_scheduled_by(const apr_array_header_t *items,
                                     const char *by, apr_pool_t *p)
{
    const oxt_queue_item_t *item;
    int i;

    for (i = 0; items != NULL && i < items->nelts; i++) {
        item = APR_ARRAY_IDX(items, i, const oxt_queue_item_t *);
        if (item->scheduled_by != NULL
            && strcmp(item->scheduled_by, "Automatic") != 0) {
            by = apr_pstrdup(p, item->scheduled_by);
        }
    }
    return by;
}

/* The claimed items, copied into the task's pool: a task may outlive the
 * queue batch that claimed them (the daemon feeds the engine batch after
 * batch, and the batch's pool goes when it returns). */
static apr_array_header_t *task_items_copy(const apr_array_header_t *items,
                                           apr_pool_t *p)
{
    apr_array_header_t *out;
    const oxt_queue_item_t *from;
    oxt_queue_item_t *to;
    int i;

    if (items == NULL) {
        return NULL;
    }
    out = apr_array_make(p, items->nelts, sizeof(oxt_queue_item_t *));
    for (i = 0; i < items->nelts; i++) {
        from = APR_ARRAY_IDX(items, i, const oxt_queue_item_t *);
        to = apr_pmemdup(p, from, sizeof(*to));
        to->reason = from->reason ? apr_pstrdup(p, from->reason) : NULL;
        to->detail = from->detail ? apr_pstrdup(p, from->detail) : NULL;
        to->scheduled_by = from->scheduled_by
                           ? apr_pstrdup(p, from->scheduled_by) : NULL;
        to->enqueued_at = from->enqueued_at
                          ? apr_pstrdup(p, from->enqueued_at) : NULL;
        to->last_error = from->last_error
                         ? apr_pstrdup(p, from->last_error) : NULL;
        to->parked_at = from->parked_at ? apr_pstrdup(p, from->parked_at)
                                        : NULL;
        APR_ARRAY_PUSH(out, oxt_queue_item_t *) = to;
    }
    return out;
}

apr_status_t oxt_task_make_with(oxt_task_t **ptask, oxt_task_host_t *host,
                                long long dom_id, oxt_task_load_fn *load,
                                void *load_baton, apr_array_header_t *items,
                                const char *owner, oxt_result_t *res,
                                apr_pool_t *p)
{
    oxt_task_t *t;
    apr_pool_t *tp;
    apr_status_t rv;

    apr_pool_create(&tp, p);
    t = apr_pcalloc(tp, sizeof(*t));
    t->host = host;
    t->p = tp;
    t->items = task_items_copy(items, tp);
    t->owner = owner ? apr_pstrdup(tp, owner) : NULL;
    t->scheduled_by = task_scheduled_by(items, host->opts->scheduled_by, tp);
    t->failed = apr_hash_make(tp);
    t->verified = apr_hash_make(tp);
    t->counted = apr_hash_make(tp);
    rv = load(load_baton, &t->work, dom_id, res, tp);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(tp);
        return rv;
    }
    t->ctx = oxt_ox_context_make(tp);
    t->ctx->id = (int)t->work->have_ctx.ox_context_id;
    t->admin_id = t->work->have_ctx.admin_user_id;
    task_op_pool(t);
    t->made_at = apr_time_now();
    *ptask = t;
    return APR_SUCCESS;
}

static apr_status_t task_store_load(void *baton, oxt_work_t **pwork,
                                    long long dom_id, oxt_result_t *res,
                                    apr_pool_t *p)
{
    oxt_store_t *st = baton;

    return st->load(st->baton, pwork, dom_id, res, p);
}

apr_status_t oxt_task_make(oxt_task_t **ptask, oxt_task_host_t *host,
                           long long dom_id, apr_array_header_t *items,
                           const char *owner, oxt_result_t *res,
                           apr_pool_t *p)
{
    return oxt_task_make_with(ptask, host, dom_id, task_store_load,
                              host->store, items, owner, res, p);
}

int oxt_task_ops_left(const oxt_task_t *task)
{
    return task->work->ops->nelts - task->next;
}

const oxt_work_t *oxt_task_work(const oxt_task_t *task)
{
    return task->work;
}

int oxt_task_is_idle(const oxt_task_t *task)
{
    return task->host->opts->dry_run
        || (task->work->ops->nelts == 0
            && (task->items == NULL || task->items->nelts == 0));
}

/* A dry run: every planned operation told, none sent. */
static void task_report_plan(oxt_task_t *t)
{
    const oxt_engine_opts_t *o = t->host->opts;
    int i;

    for (i = 0; o->on_op && i < t->work->ops->nelts; i++) {
        o->on_op(o->baton, t->work,
                 &APR_ARRAY_IDX(t->work->ops, i, const oxt_op_t),
                 APR_SUCCESS, NULL);
    }
}

void oxt_task_start(oxt_task_t *task)
{
    oxt_result_t *ares;

    task->started_at = apr_time_now();
    if (task->host->opts->dry_run) {
        task_report_plan(task);
        task_finish(task);
        return;
    }
    /* Credentials for user operations on an existing context; why there
     * are none is said in the failure of each operation that needs them. */
    ares = oxt_result_make(task->p);
    if (task->work->have_ctx.ox_context_id > 0
        && task_admin(task, ares) != APR_SUCCESS) {
        task->admin = NULL;
        task->admin_why = oxt_result_text(ares, task->p);
    }
    task_next(task);
}

static double trail_s(apr_time_t t)
{
    return t == 0 ? 0.0 : (double)t / (double)APR_USEC_PER_SEC;
}

/* One line per claimed item (level debug; bench/burst.py joins them with
 * the handlers' and the emulator's clocks): where a hint waited between
 * its claim and its outcome's commit. Times are Unix seconds, 0 for a
 * step the task never took (a task that sent nothing). */
void oxt_task_trail(const oxt_task_t *t, apr_time_t committed)
{
    const oxt_queue_item_t *item;
    int i;

    for (i = 0; t->items != NULL && i < t->items->nelts; i++) {
        item = APR_ARRAY_IDX(t->items, i, const oxt_queue_item_t *);
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS,
                       OXTLOGNO(04946) "hint trail: %s %" APR_INT64_T_FMT
                       " domain %" APR_INT64_T_FMT
                       " enqueued %s claimed %.6f made %.6f started %.6f"
                       " sent %.6f answered %.6f done %.6f committed %.6f",
                       oxt_obj_type_name(item->type),
                       (apr_int64_t)item->object_id,
                       (apr_int64_t)t->work->dom_id,
                       item->enqueued_at ? item->enqueued_at : "-",
                       trail_s(item->claimed_at), trail_s(t->made_at),
                       trail_s(t->started_at), trail_s(t->first_sent_at),
                       trail_s(t->answered_at), trail_s(t->done_at),
                       trail_s(committed));
    }
}

void oxt_task_destroy(oxt_task_t *task)
{
    apr_pool_destroy(task->p);
}
