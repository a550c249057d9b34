/*
 * oxt_task.c — see oxt_task.h: one domain's plan, run against OX one
 * operation after the other.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "oxt_task.h"
#include "oxt_crypto.h"
#include "oxt_secrets.h"
#include "oxt_log.h"
#include "oxt_status.h"

#define CTX_ADMIN_LOGIN "oxadmin"
#define CHG_ALL (OXT_CHG_NAME | OXT_CHG_EMAIL | OXT_CHG_IMAP_LOGIN \
                 | OXT_CHG_PASSWORD | OXT_CHG_DISPLAY | OXT_CHG_LANGUAGE \
                 | OXT_CHG_TIMEZONE | OXT_CHG_SERVERS)

struct oxt_task_t {
    oxt_task_host_t *host;
    apr_pool_t *p;
    oxt_work_t *work;
    int next;                       /* next op in work->ops */
    const oxt_op_t *cur;
    apr_pool_t *op_pool;            /* the current operation's */
    apr_pool_t *op_pools[2];        /* alternated: see task_op_pool */
    int op_flip;
    oxt_ox_context_t *ctx;          /* id of the domain's context */
    oxt_ox_creds_t *admin;          /* its admin; NULL with master override */
    const char *admin_why;          /* why there is none (cannot open) */
    int ctx_failed;
    apr_hash_t *failed;             /* oxt_obj_t -> error text */
    const char *note;               /* said in the current op's log row */
    apr_array_header_t *items;      /* claimed queue items */
    const char *owner;
    const char *scheduled_by;       /* who asked: from the items */
};

static void task_next(oxt_task_t *task);
static apr_status_t task_submit(oxt_task_t *t, const oxt_op_t *op,
                                oxt_result_t *res);

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

/* Tells the store what became of op; its failure stops the run. */
static apr_status_t task_record(oxt_task_t *t, const oxt_op_t *op,
                                oxt_rec_kind_t kind, long long ox_id,
                                const char *error)
{
    oxt_store_t *st = t->host->store;
    oxt_result_t *res = oxt_result_make(t->op_pool);
    apr_status_t rv;

    rv = st->record(st->baton, t->work, op, kind, ox_id, error, res,
                    t->op_pool);
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

/* ---- logging and outcomes ------------------------------------------------ */

static void task_log(oxt_task_t *t, const oxt_op_t *op, oxt_ox_op_t *xop,
                     const char *logop, int success, const char *reason)
{
    oxt_task_host_t *host = t->host;
    const oxt_plesk_domain_t *dom = t->work->dom;
    oxt_soap_call_t *call = xop ? oxt_ox_op_call(xop) : NULL;
    oxt_result_t *res = oxt_result_make(t->op_pool);
    oxt_replog_entry_t e;
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
    rv = host->store->log(host->store->baton, &e, res, t->op_pool);
    if (rv != APR_SUCCESS) {
        oxt_task_fatal(host, rv, res);
    }
}

static void task_count(oxt_task_t *t, const oxt_op_t *op, int ok)
{
    oxt_engine_stats_t *s = &t->host->stats;
    int svc = op_service(op);

    if (ok) {
        s->ops_ok++;
    }
    else {
        s->ops_failed++;
    }
    if (op->user != NULL && svc >= 0 && svc < OXT_SERVICE_COUNT) {
        if (ok) {
            s->counts.ok[svc]++;
        }
        else {
            s->counts.failed[svc]++;
        }
    }
    if (t->host->opts->on_op != NULL) {
        t->host->opts->on_op(t->host->opts->baton, t->work, op,
                             ok ? APR_SUCCESS : APR_EGENERAL, NULL);
    }
}

static void task_failed(oxt_task_t *t, const oxt_op_t *op,
                        oxt_ox_op_t *xop, const oxt_ox_reply_t *reply)
{
    const char *why = oxt_result_text(reply->res, t->op_pool);

    task_log(t, op, xop, op_log_name(op), 0, why);
    task_count(t, op, 0);
    if (op->user == NULL) {
        t->ctx_failed = 1;
    }
    oxt_obj_set(t->failed, op->user == NULL
                           ? obj(OXT_OBJ_DOMAIN, t->work->dom_id)
                           : obj(OXT_OBJ_MAILBOX, op_mail_id(op)),
                apr_pstrdup(t->p, why));
    (void)task_record(t, op, OXT_REC_FAILED, 0, why);
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

/* ---- context operations -------------------------------------------------- */

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

/* The admin password is sealed into domain_state before the create, so a
 * crash after OX created the context leaves us the password it has. */
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
        rv = st->reserve(st->baton, t->work, CTX_ADMIN_LOGIN, sealed, res,
                         t->p);
    }
    return rv == APR_SUCCESS ? task_admin(t, res) : rv;
}

static oxt_ox_user_t *task_ctx_admin_user(oxt_task_t *t)
{
    oxt_ox_user_t *a = oxt_ox_user_make(t->op_pool);
    const char *mail = apr_pstrcat(t->op_pool, CTX_ADMIN_LOGIN, "@",
                                   t->work->want_ctx.name, NULL);

    a->name = CTX_ADMIN_LOGIN;
    a->password = t->admin ? t->admin->password : NULL;
    a->display_name = apr_pstrcat(t->op_pool, "Administrator of ",
                                  t->work->want_ctx.name, NULL);
    a->given_name = "Context";
    a->sur_name = "Administrator";
    a->primary_email = mail;
    a->email1 = mail;
    return a;
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
    default:
        return oxt_ox_context_delete(pxop, t->host->ox, task_ctx_want(t, 0),
                                     t->op_pool);
    }
}

/* A context that exists already (our earlier create whose answer we lost,
 * or someone's manual one): look up its id and take it over. The lookup
 * is one more call of the same task, so the context stays serialised. */
static void task_adopt_ctx_done(void *baton, oxt_ox_op_t *xop,
                                const oxt_ox_reply_t *reply);

static apr_status_t task_adopt_ctx(oxt_task_t *t, oxt_result_t *res)
{
    oxt_ox_context_t *c = oxt_ox_context_make(t->op_pool);
    oxt_ox_op_t *xop;
    apr_status_t rv;

    c->name = t->work->want_ctx.name;
    rv = oxt_ox_context_get_data(&xop, t->host->ox, c, t->op_pool);
    if (rv == APR_SUCCESS) {
        rv = oxt_ox_submit(t->host->ox, xop, task_adopt_ctx_done, t);
    }
    if (rv != APR_SUCCESS) {
        oxt_result_set(res, rv, "Cannot adopt the existing context", "%s",
                       t->work->want_ctx.name);
    }
    return rv;
}

static void task_ctx_record(oxt_task_t *t, const oxt_op_t *op,
                            oxt_ox_op_t *xop, long long id)
{
    if (op->kind != OXT_OP_CONTEXT_DELETE) {
        t->work->have_ctx.ox_context_id = id;
        t->ctx->id = (int)id;
    }
    task_succeeded(t, op, xop, NULL, OXT_REC_APPLIED, id);
}

/* Returns 1 when the task goes on in another callback. */
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
             && rv == OXT_ESOAP_CTX_EXISTS) {
        if (task_adopt_ctx(t, reply->res) == APR_SUCCESS) {
            return 1;
        }
    }
    else if (op->kind == OXT_OP_CONTEXT_DELETE && rv == OXT_ESOAP_NO_CTX) {
        rv = APR_SUCCESS;              /* gone already: that is the goal */
    }
    if (rv != APR_SUCCESS) {
        task_failed(t, op, xop, reply);
        return 0;
    }
    task_ctx_record(t, op, xop, id);
    return 0;
}

/* ---- user operations ----------------------------------------------------- */

static oxt_ox_user_t *task_user_fields(const oxt_desired_user_t *w,
                                       unsigned changes, apr_pool_t *p)
{
    oxt_ox_user_t *u = oxt_ox_user_make(p);

    if (changes & OXT_CHG_NAME) {
        u->name = w->name;
    }
    if (changes & OXT_CHG_EMAIL) {
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

static apr_status_t task_build_user(oxt_ox_op_t **pxop, oxt_task_t *t,
                                    const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;
    const oxt_settings_t *s = t->host->env->settings;
    oxt_ox_user_t *x;

    switch (op->kind) {
    case OXT_OP_USER_CREATE:
        x = task_user_fields(u->want, CHG_ALL, t->op_pool);
        return oxt_ox_user_create(pxop, t->host->ox, t->ctx, t->admin, x,
                                  s->access_combination[u->want->service],
                                  t->op_pool);
    case OXT_OP_USER_CHANGE:
        x = task_user_fields(u->want, op->changes, t->op_pool);
        x->id = (int)u->have->ox_user_id;
        return oxt_ox_user_change(pxop, t->host->ox, t->ctx, t->admin, x,
                                  t->op_pool);
    case OXT_OP_USER_ACCESS:
        x = oxt_ox_user_make(t->op_pool);
        x->id = (int)u->have->ox_user_id;
        return oxt_ox_user_change_access(pxop, t->host->ox, t->ctx, t->admin,
                   x, s->access_combination[u->want->service], t->op_pool);
    default:
        x = oxt_ox_user_make(t->op_pool);
        x->id = (int)u->have->ox_user_id;
        return oxt_ox_user_delete(pxop, t->host->ox, t->ctx, t->admin, x,
                                  t->op_pool);
    }
}

/* Appends the operations that send every attribute of an adopted user. */
static void task_after_adopt(oxt_task_t *t, const oxt_op_t *op,
                             long long user_id)
{
    oxt_plan_user_t *u = apr_pmemdup(t->p, op->user, sizeof(*u));
    oxt_applied_user_t *have = apr_pcalloc(t->p, sizeof(*have));
    oxt_op_t *next;

    have->exists = 1;
    have->mail_id = u->mbox->id;
    have->ox_context_id = t->work->have_ctx.ox_context_id;
    have->ox_user_id = user_id;
    have->service = -1;
    u->have = have;
    next = apr_array_push(t->work->ops);
    next->kind = OXT_OP_USER_CHANGE;
    next->changes = CHG_ALL;
    next->user = u;
    next = apr_array_push(t->work->ops);
    next->kind = OXT_OP_USER_ACCESS;
    next->changes = 0;
    next->user = u;
}

static void task_adopt_user_done(void *baton, oxt_ox_op_t *xop,
                                 const oxt_ox_reply_t *reply);

static apr_status_t task_adopt_user(oxt_task_t *t, const oxt_op_t *op,
                                    oxt_result_t *res)
{
    oxt_ox_user_t *x = oxt_ox_user_make(t->op_pool);
    oxt_ox_op_t *xop;
    apr_status_t rv;

    x->name = op->user->want->name;
    rv = oxt_ox_user_get_data(&xop, t->host->ox, t->ctx, t->admin, x,
                              t->op_pool);
    if (rv == APR_SUCCESS) {
        rv = oxt_ox_submit(t->host->ox, xop, task_adopt_user_done, t);
    }
    if (rv != APR_SUCCESS) {
        oxt_result_set(res, rv, "Cannot adopt the existing user", "%s",
                       op->user->want->primary_email);
    }
    return rv;
}

/* OX refuses to change user names unless USERNAME_CHANGEABLE is set
 * (off by default). The addresses and IMAP login still change, so mail
 * keeps working; the person keeps logging in with the old name, and the
 * log says so. Deleting and re-creating the user would lose its data. */
static int task_rename_refused(const oxt_op_t *op,
                               const oxt_ox_reply_t *reply)
{
    const char *text = reply->res ? reply->res->detail : NULL;

    return op->kind == OXT_OP_USER_CHANGE && (op->changes & OXT_CHG_NAME)
        && reply->status == OXT_ESOAP_INVALID && text != NULL
        && strstr(text, "username is disabled") != NULL;
}

static int task_retry_without_name(oxt_task_t *t, const oxt_op_t *op)
{
    oxt_op_t *again = apr_pmemdup(t->p, op, sizeof(*op));
    oxt_result_t *res = oxt_result_make(t->op_pool);

    again->changes &= ~(unsigned)OXT_CHG_NAME;
    t->note = apr_psprintf(t->p, "OX does not allow changing user names:"
                           " the user keeps logging in as '%s'",
                           op->user->have->mail_name
                               ? op->user->have->mail_name : "?");
    return task_submit(t, again, res) == APR_SUCCESS;
}

/* Returns 1 when the task goes on in another callback. */
static int task_user_done(oxt_task_t *t, const oxt_op_t *op,
                          oxt_ox_op_t *xop, const oxt_ox_reply_t *reply)
{
    const oxt_plan_user_t *u = op->user;
    long long id = u->have ? u->have->ox_user_id : 0;
    apr_status_t rv = reply->status;

    if (op->kind == OXT_OP_USER_DELETE
        && (rv == OXT_ESOAP_NO_USER || rv == OXT_ESOAP_NO_CTX)) {
        rv = APR_SUCCESS;              /* gone already: that is the goal */
    }
    if (op->kind == OXT_OP_USER_CREATE && rv == APR_SUCCESS) {
        id = reply->user ? reply->user->id : 0;
        rv = id > 0 ? APR_SUCCESS : OXT_ESOAP_XML;
    }
    else if (op->kind == OXT_OP_USER_CREATE && rv == OXT_ESOAP_USER_EXISTS) {
        if (task_adopt_user(t, op, reply->res) == APR_SUCCESS) {
            return 1;
        }
    }
    else if (task_rename_refused(op, reply)
             && task_retry_without_name(t, op)) {
        return 1;
    }
    if (rv != APR_SUCCESS) {
        task_failed(t, op, xop, reply);
        return 0;
    }
    task_succeeded(t, op, xop, op_log_name(op), OXT_REC_APPLIED, id);
    return 0;
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
    if (!more) {
        t->cur = NULL;
        task_next(t);
    }
}

static void task_adopt_ctx_done(void *baton, oxt_ox_op_t *xop,
                                const oxt_ox_reply_t *reply)
{
    oxt_task_t *t = baton;
    const oxt_op_t *op = t->cur;

    if (reply->status == APR_SUCCESS && reply->context != NULL
        && reply->context->id > 0) {
        task_ctx_record(t, op, xop, reply->context->id);
    }
    else {
        task_failed(t, op, xop, reply);
    }
    t->cur = NULL;
    task_next(t);
}

/* The user exists: record its ids, then send every attribute. */
static void task_adopt_user_done(void *baton, oxt_ox_op_t *xop,
                                 const oxt_ox_reply_t *reply)
{
    oxt_task_t *t = baton;
    const oxt_op_t *op = t->cur;
    long long id = reply->user ? reply->user->id : 0;

    if (reply->status != APR_SUCCESS || id <= 0) {
        task_failed(t, op, xop, reply);
    }
    else {
        task_succeeded(t, op, xop, OXT_LOG_OP_ADOPT, OXT_REC_ADOPTED, id);
        /* Last: it may move the ops array that op points into. */
        task_after_adopt(t, op, id);
    }
    t->cur = NULL;
    task_next(t);
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
    if (task_blocked(host, OXT_OBJ_MAILBOX, op_mail_id(op))) {
        host->stats.ops_skipped++;
        return 1;
    }
    return 0;
}

static void task_status(oxt_task_t *t, const oxt_op_t *op)
{
    (void)task_record(t, op, OXT_REC_STATUS, 0, NULL);
}

/* Starts the next operation, or finishes the task. */
static apr_status_t task_submit(oxt_task_t *t, const oxt_op_t *op,
                                oxt_result_t *res)
{
    oxt_ox_op_t *xop;
    apr_status_t rv;

    if (op->user == NULL) {
        rv = task_build_ctx(&xop, t, op, res);
    }
    else {
        rv = task_build_user(&xop, t, op);
    }
    if (rv == APR_SUCCESS) {
        t->cur = op;
        rv = oxt_ox_submit(t->host->ox, xop, task_op_done, t);
    }
    return rv;
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

static void task_next(oxt_task_t *t)
{
    oxt_result_t *res;
    oxt_ox_reply_t fake;
    const oxt_op_t *op;
    apr_status_t rv;

    while (t->host->fatal == APR_SUCCESS && t->next < t->work->ops->nelts) {
        op = &APR_ARRAY_IDX(t->work->ops, t->next++, const oxt_op_t);
        task_op_pool(t);
        t->note = NULL;
        if (task_skip(t, op)) {
            continue;
        }
        if (op->kind == OXT_OP_USER_STATUS) {
            task_status(t, op);
            continue;
        }
        res = oxt_result_make(t->op_pool);
        rv = task_submit(t, op, res);
        if (rv == APR_SUCCESS) {
            return;                        /* continues in task_op_done */
        }
        /* Could not even build the request (data OX cannot carry, no
         * admin password): a failure of this object like any other. */
        if (res->status == APR_SUCCESS && t->admin_why != NULL) {
            oxt_result_set(res, rv, "No context admin password", "%s",
                           t->admin_why);
        }
        else if (res->status == APR_SUCCESS) {
            oxt_result_set(res, rv, "Cannot build the OX request",
                           "%s", oxt_status_str(rv, t->op_pool));
        }
        memset(&fake, 0, sizeof(fake));
        fake.status = res->status;
        fake.res = res;
        task_failed(t, op, NULL, &fake);
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
    t->items = items;
    t->owner = owner;
    t->scheduled_by = task_scheduled_by(items, host->opts->scheduled_by, tp);
    t->failed = apr_hash_make(tp);
    rv = load(load_baton, &t->work, dom_id, res, tp);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(tp);
        return rv;
    }
    t->ctx = oxt_ox_context_make(tp);
    t->ctx->id = (int)t->work->have_ctx.ox_context_id;
    task_op_pool(t);
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

const oxt_work_t *oxt_task_work(const oxt_task_t *task)
{
    return task->work;
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

void oxt_task_destroy(oxt_task_t *task)
{
    apr_pool_destroy(task->p);
}
