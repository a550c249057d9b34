/*
 * oxt_engine.c — see oxt_engine.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "oxt_engine.h"
#include "oxt_crypto.h"
#include "oxt_secrets.h"
#include "oxt_log.h"
#include "oxt_status.h"
#include "oxt_util.h"

#define CTX_ADMIN_LOGIN "oxadmin"
#define CHG_ALL (OXT_CHG_NAME | OXT_CHG_EMAIL | OXT_CHG_IMAP_LOGIN \
                 | OXT_CHG_PASSWORD | OXT_CHG_DISPLAY | OXT_CHG_LANGUAGE \
                 | OXT_CHG_TIMEZONE | OXT_CHG_SERVERS)

struct oxt_engine_t {
    apr_pool_t *p;
    oxt_db_t *db;
    const oxt_psa_t *psa;
    oxt_ox_t *ox;
    oxt_soap_client_t *soap;
    oxt_desired_env_t env;
    const unsigned char *key;
    oxt_engine_opts_t opts;
    long long run_id;
    oxt_engine_stats_t stats;
    apr_pool_t *blocked_pool;
    apr_hash_t *blocked;            /* "mailbox:7" -> "" */
    int active;                     /* domains in progress */
    apr_array_header_t *dead;       /* finished tasks to destroy */
    int in_turn;                    /* a turn's transaction is open */
    apr_status_t fatal;             /* a database failure stops the run */
    oxt_result_t *fatal_res;
};

typedef struct engine_task_t {
    oxt_engine_t *eng;
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
    apr_hash_t *failed;             /* "mailbox:7" -> error text */
    const char *note;               /* said in the current op's log row */
    apr_array_header_t *items;      /* claimed queue items */
    const char *owner;
    const char *scheduled_by;       /* who asked: from the items */
} engine_task_t;

static void task_next(engine_task_t *task);
static apr_status_t task_submit(engine_task_t *t, const oxt_op_t *op,
                                oxt_result_t *res);

/* ---- helpers ---------------------------------------------------------------- */

static const char *obj_key(oxt_obj_type_t type, long long id, apr_pool_t *p)
{
    return apr_pstrcat(p, oxt_obj_type_name(type), ":", oxt_util_lld(id, p),
                       NULL);
}

static int engine_blocked(const oxt_engine_t *eng, oxt_obj_type_t type,
                          long long id, apr_pool_t *p)
{
    return eng->blocked != NULL
        && apr_hash_get(eng->blocked, obj_key(type, id, p),
                        APR_HASH_KEY_STRING) != NULL;
}

/* A database failure while recording what OX did: the operation will be
 * repeated by the next run (safe), but this run must stop. */
static void engine_fatal(oxt_engine_t *eng, apr_status_t rv,
                         const oxt_result_t *res)
{
    if (eng->fatal == APR_SUCCESS) {
        eng->fatal = rv;
        oxt_result_set(eng->fatal_res, rv, res->problem, "%s",
                       res->detail ? res->detail : "");
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, rv, OXTLOGNO(03010)
                       "replication stopped: %s",
                       oxt_result_text(res, eng->p));
    }
}

static long long op_mail_id(const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;

    if (u == NULL) {
        return 0;
    }
    return u->mbox ? u->mbox->id : u->have->mail_id;
}

static const char *op_address(const engine_task_t *t, const oxt_op_t *op)
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

/* ---- logging and outcomes ------------------------------------------------------ */

static void task_log(engine_task_t *t, const oxt_op_t *op, oxt_ox_op_t *xop,
                     const char *logop, int success, const char *reason)
{
    oxt_engine_t *eng = t->eng;
    const oxt_plesk_domain_t *dom = t->work->dom;
    oxt_soap_call_t *call = xop ? oxt_ox_op_call(xop) : NULL;
    oxt_result_t *res = oxt_result_make(t->op_pool);
    oxt_replog_entry_t e;
    apr_status_t rv;

    memset(&e, 0, sizeof(e));
    e.run_id = eng->run_id;
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
    rv = oxt_replog_write(eng->db, &e, res, t->op_pool);
    if (rv != APR_SUCCESS) {
        engine_fatal(eng, rv, res);
    }
}

static void task_count(engine_task_t *t, const oxt_op_t *op, int ok)
{
    oxt_engine_stats_t *s = &t->eng->stats;
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
    if (t->eng->opts.on_op != NULL) {
        t->eng->opts.on_op(t->eng->opts.baton, t->work, op,
                           ok ? APR_SUCCESS : APR_EGENERAL, NULL);
    }
}

static void task_failed(engine_task_t *t, const oxt_op_t *op,
                        oxt_ox_op_t *xop, const oxt_ox_reply_t *reply)
{
    const char *why = oxt_result_text(reply->res, t->op_pool);
    oxt_result_t *res = oxt_result_make(t->op_pool);
    const char *key;
    apr_status_t rv = APR_SUCCESS;

    task_log(t, op, xop, op_log_name(op), 0, why);
    task_count(t, op, 0);
    if (op->user == NULL) {
        t->ctx_failed = 1;
        key = obj_key(OXT_OBJ_DOMAIN, t->work->dom_id, t->p);
    }
    else {
        key = obj_key(OXT_OBJ_MAILBOX, op_mail_id(op), t->p);
        if (op->user->mbox != NULL) {
            rv = oxt_state_user_status(t->eng->db, op->user->mbox,
                                       op->user->want ? op->user->want->service
                                                      : OXT_SERVICE_WEBMAIL,
                                       "error", "ox_error", why, res,
                                       t->op_pool);
        }
    }
    apr_hash_set(t->failed, key, APR_HASH_KEY_STRING,
                 apr_pstrdup(t->p, why));
    if (rv != APR_SUCCESS) {
        engine_fatal(t->eng, rv, res);
    }
}

static void task_succeeded(engine_task_t *t, const oxt_op_t *op,
                           oxt_ox_op_t *xop, const char *logop,
                           apr_status_t rv, oxt_result_t *res)
{
    if (rv != APR_SUCCESS) {
        engine_fatal(t->eng, rv, res);
        return;
    }
    if (op->user != NULL) {
        task_log(t, op, xop, logop, 1, t->note);
    }
    task_count(t, op, 1);
}

/* ---- context operations ------------------------------------------------------ */

static apr_status_t task_admin(engine_task_t *t, oxt_result_t *res)
{
    const oxt_applied_context_t *have = &t->work->have_ctx;
    const char *password;
    apr_status_t rv;

    if (t->eng->env.settings->master_override) {
        t->admin = NULL;
        return APR_SUCCESS;
    }
    if (have->admin_login == NULL || have->admin_password_enc == NULL) {
        return oxt_result_set(res, OXT_ESOAP_AUTH, "No context admin",
                              "the context of %s was not created by us",
                              t->work->dom_name);
    }
    rv = oxt_crypto_open(&password, t->eng->key,
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

static oxt_ox_context_t *task_ctx_want(engine_task_t *t, unsigned changes)
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
static apr_status_t task_reserve_admin(engine_task_t *t, oxt_result_t *res)
{
    unsigned char rnd[18];
    char b64[32];
    const char *sealed;
    apr_status_t rv;

    rv = oxt_crypto_random(rnd, sizeof(rnd));
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "No randomness", NULL);
    }
    apr_base64_encode(b64, (const char *)rnd, sizeof(rnd));
    rv = oxt_crypto_seal(&sealed, t->eng->key,
                         oxt_secrets_row_admin_password(t->work->dom_id,
                                                        t->op_pool),
                         b64, res, t->op_pool);
    if (rv == APR_SUCCESS) {
        rv = oxt_state_context_reserve(t->eng->db, t->work->dom,
                                       CTX_ADMIN_LOGIN, sealed, res,
                                       t->op_pool);
    }
    /* The password must be on disk before OX has the context: inside a
     * turn, commit now rather than at the turn's end. */
    if (rv == APR_SUCCESS && t->eng->in_turn) {
        rv = oxt_db_commit(t->eng->db, res);
        if (rv == APR_SUCCESS) {
            rv = oxt_db_begin(t->eng->db, res);
        }
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_state_context_load(&t->work->have_ctx, t->eng->db,
                                    t->work->dom_id, res, t->p);
    }
    return rv == APR_SUCCESS ? task_admin(t, res) : rv;
}

static oxt_ox_user_t *task_ctx_admin_user(engine_task_t *t)
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

static apr_status_t task_build_ctx(oxt_ox_op_t **pxop, engine_task_t *t,
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
        return oxt_ox_context_create(pxop, t->eng->ox, c,
                   task_ctx_admin_user(t),
                   t->eng->env.settings->access_combination[0], t->op_pool);
    case OXT_OP_CONTEXT_CHANGE:
        return oxt_ox_context_change(pxop, t->eng->ox,
                                     task_ctx_want(t, op->changes),
                                     t->op_pool);
    default:
        return oxt_ox_context_delete(pxop, t->eng->ox, task_ctx_want(t, 0),
                                     t->op_pool);
    }
}

/* A context that exists already (our earlier create whose answer we lost,
 * or someone's manual one): look up its id and take it over. The lookup
 * is one more call of the same task, so the context stays serialised. */
static void task_adopt_ctx_done(void *baton, oxt_ox_op_t *xop,
                                const oxt_ox_reply_t *reply);

static apr_status_t task_adopt_ctx(engine_task_t *t, oxt_result_t *res)
{
    oxt_ox_context_t *c = oxt_ox_context_make(t->op_pool);
    oxt_ox_op_t *xop;
    apr_status_t rv;

    c->name = t->work->want_ctx.name;
    rv = oxt_ox_context_get_data(&xop, t->eng->ox, c, t->op_pool);
    if (rv == APR_SUCCESS) {
        rv = oxt_ox_submit(t->eng->ox, xop, task_adopt_ctx_done, t);
    }
    if (rv != APR_SUCCESS) {
        oxt_result_set(res, rv, "Cannot adopt the existing context", "%s",
                       t->work->want_ctx.name);
    }
    return rv;
}

static void task_ctx_record(engine_task_t *t, const oxt_op_t *op,
                            oxt_ox_op_t *xop, long long id)
{
    oxt_result_t *res = oxt_result_make(t->op_pool);
    apr_status_t rv;

    if (op->kind == OXT_OP_CONTEXT_DELETE) {
        rv = oxt_state_context_deleted(t->eng->db, t->work->dom_id, res,
                                       t->op_pool);
    }
    else {
        t->work->have_ctx.ox_context_id = id;
        t->ctx->id = (int)id;
        rv = oxt_state_context_applied(t->eng->db, t->work->dom, id,
                                       &t->work->want_ctx, res, t->op_pool);
    }
    task_succeeded(t, op, xop, NULL, rv, res);
}

/* Returns 1 when the task goes on in another callback. */
static int task_ctx_done(engine_task_t *t, const oxt_op_t *op,
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

/* ---- user operations ------------------------------------------------------------- */

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

static apr_status_t task_build_user(oxt_ox_op_t **pxop, engine_task_t *t,
                                    const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;
    const oxt_settings_t *s = t->eng->env.settings;
    oxt_ox_user_t *x;

    switch (op->kind) {
    case OXT_OP_USER_CREATE:
        x = task_user_fields(u->want, CHG_ALL, t->op_pool);
        return oxt_ox_user_create(pxop, t->eng->ox, t->ctx, t->admin, x,
                                  s->access_combination[u->want->service],
                                  t->op_pool);
    case OXT_OP_USER_CHANGE:
        x = task_user_fields(u->want, op->changes, t->op_pool);
        x->id = (int)u->have->ox_user_id;
        return oxt_ox_user_change(pxop, t->eng->ox, t->ctx, t->admin, x,
                                  t->op_pool);
    case OXT_OP_USER_ACCESS:
        x = oxt_ox_user_make(t->op_pool);
        x->id = (int)u->have->ox_user_id;
        return oxt_ox_user_change_access(pxop, t->eng->ox, t->ctx, t->admin,
                   x, s->access_combination[u->want->service], t->op_pool);
    default:
        x = oxt_ox_user_make(t->op_pool);
        x->id = (int)u->have->ox_user_id;
        return oxt_ox_user_delete(pxop, t->eng->ox, t->ctx, t->admin, x,
                                  t->op_pool);
    }
}

/* Appends the operations that send every attribute of an adopted user. */
static void task_after_adopt(engine_task_t *t, const oxt_op_t *op,
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

static apr_status_t task_adopt_user(engine_task_t *t, const oxt_op_t *op,
                                    oxt_result_t *res)
{
    oxt_ox_user_t *x = oxt_ox_user_make(t->op_pool);
    oxt_ox_op_t *xop;
    apr_status_t rv;

    x->name = op->user->want->name;
    rv = oxt_ox_user_get_data(&xop, t->eng->ox, t->ctx, t->admin, x,
                              t->op_pool);
    if (rv == APR_SUCCESS) {
        rv = oxt_ox_submit(t->eng->ox, xop, task_adopt_user_done, t);
    }
    if (rv != APR_SUCCESS) {
        oxt_result_set(res, rv, "Cannot adopt the existing user", "%s",
                       op->user->want->primary_email);
    }
    return rv;
}

static apr_status_t task_user_applied(engine_task_t *t, const oxt_op_t *op,
                                      long long user_id, oxt_result_t *res)
{
    const oxt_plan_user_t *u = op->user;
    int service = op->kind == OXT_OP_USER_CHANGE ? u->have->service
                                                 : (int)u->want->service;

    return oxt_state_user_applied(t->eng->db, u->mbox,
                                  t->work->have_ctx.ox_context_id, user_id,
                                  u->want, service, res, t->op_pool);
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

static int task_retry_without_name(engine_task_t *t, const oxt_op_t *op)
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
static int task_user_done(engine_task_t *t, const oxt_op_t *op,
                          oxt_ox_op_t *xop, const oxt_ox_reply_t *reply)
{
    oxt_result_t *res = oxt_result_make(t->op_pool);
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
    rv = op->kind == OXT_OP_USER_DELETE
       ? oxt_state_user_deleted(t->eng->db, op_mail_id(op), res,
                                t->op_pool)
       : task_user_applied(t, op, id, res);
    task_succeeded(t, op, xop, op_log_name(op), rv, res);
    return 0;
}

/* ---- the task loop ------------------------------------------------------------- */

static void task_op_done(void *baton, oxt_ox_op_t *xop,
                         const oxt_ox_reply_t *reply)
{
    engine_task_t *t = baton;
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
    engine_task_t *t = baton;
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
    engine_task_t *t = baton;
    const oxt_op_t *op = t->cur;
    oxt_result_t *res = oxt_result_make(t->op_pool);
    long long id = reply->user ? reply->user->id : 0;
    apr_status_t rv;

    if (reply->status != APR_SUCCESS || id <= 0) {
        task_failed(t, op, xop, reply);
    }
    else {
        rv = oxt_state_user_adopted(t->eng->db, op->user->mbox,
                                    t->work->have_ctx.ox_context_id, id, res,
                                    t->op_pool);
        task_succeeded(t, op, xop, OXT_LOG_OP_ADOPT, rv, res);
        /* Last: it may move the ops array that op points into. */
        task_after_adopt(t, op, id);
    }
    t->cur = NULL;
    task_next(t);
}

/* A user that cannot be created because its context failed still gets
 * a status row, so its page says why it is not in OX. */
static void task_no_context(engine_task_t *t, const oxt_op_t *op)
{
    oxt_result_t *res = oxt_result_make(t->op_pool);
    const char *why = apr_hash_get(t->failed, obj_key(OXT_OBJ_DOMAIN,
                                   t->work->dom_id, t->op_pool),
                                   APR_HASH_KEY_STRING);

    if (op->kind != OXT_OP_USER_CREATE || op->user->mbox == NULL
        || t->eng->opts.dry_run) {
        return;
    }
    if (oxt_state_user_status(t->eng->db, op->user->mbox,
                              op->user->want->service, "error",
                              "context_failed", why, res, t->op_pool)
        != APR_SUCCESS) {
        engine_fatal(t->eng, res->status, res);
    }
}

static int task_skip(engine_task_t *t, const oxt_op_t *op)
{
    oxt_engine_t *eng = t->eng;

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
    if (apr_hash_get(t->failed, obj_key(OXT_OBJ_MAILBOX, op_mail_id(op),
                                        t->op_pool), APR_HASH_KEY_STRING)) {
        return 1;
    }
    if (engine_blocked(eng, OXT_OBJ_MAILBOX, op_mail_id(op), t->op_pool)) {
        eng->stats.ops_skipped++;
        return 1;
    }
    return 0;
}

static void task_status(engine_task_t *t, const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;
    oxt_result_t *res = oxt_result_make(t->op_pool);
    apr_status_t rv;

    rv = oxt_state_user_status(t->eng->db, u->mbox, u->want->service,
                               oxt_plan_status(u->want->reason),
                               u->want->reason, NULL, res, t->op_pool);
    if (rv != APR_SUCCESS) {
        engine_fatal(t->eng, rv, res);
    }
}

/* Starts the next operation, or finishes the task. */
static apr_status_t task_submit(engine_task_t *t, const oxt_op_t *op,
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
        rv = oxt_ox_submit(t->eng->ox, xop, task_op_done, t);
    }
    return rv;
}

static void task_finish(engine_task_t *t);

/* Each operation gets a clean pool. The previous operation's pool cannot
 * be cleared yet: we may be running inside its SOAP callback, and the
 * client still holds its call until the callback returns. So two pools
 * take turns: the one cleared now held the operation before last. */
static void task_op_pool(engine_task_t *t)
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

static void task_next(engine_task_t *t)
{
    oxt_result_t *res;
    oxt_ox_reply_t fake;
    const oxt_op_t *op;
    apr_status_t rv;

    while (t->eng->fatal == APR_SUCCESS && t->next < t->work->ops->nelts) {
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

/* ---- queue outcomes ------------------------------------------------------------ */

static void task_items_outcome(engine_task_t *t, oxt_result_t *res)
{
    oxt_engine_t *eng = t->eng;
    int max = eng->env.settings->queue_max_attempts;
    const oxt_queue_item_t *item;
    const char *key, *err;
    apr_hash_index_t *hi;
    apr_status_t rv = APR_SUCCESS;
    int i;

    /* What failed now waits for its backoff: the rest of this run (its
     * full pass after the queue) must not try it again at once. */
    for (hi = apr_hash_first(t->p, t->failed); hi; hi = apr_hash_next(hi)) {
        apr_hash_set(eng->blocked, apr_pstrdup(eng->blocked_pool,
                                               apr_hash_this_key(hi)),
                     APR_HASH_KEY_STRING, "");
    }
    for (i = 0; rv == APR_SUCCESS && t->items && i < t->items->nelts; i++) {
        item = APR_ARRAY_IDX(t->items, i, const oxt_queue_item_t *);
        key = obj_key(item->type, item->object_id, t->p);
        err = apr_hash_get(t->failed, key, APR_HASH_KEY_STRING);
        apr_hash_set(t->failed, key, APR_HASH_KEY_STRING, NULL);
        rv = err ? oxt_queue_fail(NULL, eng->db, item, t->owner, err, max,
                                  res, t->p)
                 : oxt_queue_done(eng->db, item, t->owner, res, t->p);
    }
    for (hi = apr_hash_first(t->p, t->failed); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        key = apr_hash_this_key(hi);
        rv = oxt_queue_failed(NULL, eng->db,
                              strncmp(key, "domain:", 7) == 0
                                  ? OXT_OBJ_DOMAIN : OXT_OBJ_MAILBOX,
                              strtoll(strchr(key, ':') + 1, NULL, 10),
                              apr_hash_this_val(hi), max, res, t->p);
    }
    if (rv != APR_SUCCESS) {
        engine_fatal(eng, rv, res);
    }
}

static void task_finish(engine_task_t *t)
{
    oxt_engine_t *eng = t->eng;
    oxt_result_t *res = oxt_result_make(t->p);

    if (!eng->opts.dry_run && eng->fatal == APR_SUCCESS) {
        task_items_outcome(t, res);
    }
    eng->stats.domains++;
    eng->active--;
    /* Not destroyed here: we may be inside a SOAP callback whose call
     * lives in this pool. The engine loop destroys it afterwards. */
    APR_ARRAY_PUSH(eng->dead, engine_task_t *) = t;
}

/* ---- the engine ------------------------------------------------------------------ */

static void engine_bury(oxt_engine_t *eng)
{
    int i;

    for (i = 0; i < eng->dead->nelts; i++) {
        apr_pool_destroy(APR_ARRAY_IDX(eng->dead, i, engine_task_t *)->p);
    }
    eng->dead->nelts = 0;
}

/* Runs the SOAP client until fewer than limit domains are in progress. */
/* Runs the SOAP client until fewer than limit domains are in progress.
 *
 * What the callbacks of one turn record (state, log rows, queue outcomes)
 * is committed together: one disk flush per turn instead of two per OX
 * call, which was what limited throughput (the database, not OX). A crash
 * loses at most the records of one turn, whose operations are then
 * repeated, which every operation allows. */
static apr_status_t engine_turn(oxt_engine_t *eng)
{
    oxt_result_t *res = oxt_result_make(eng->p);
    apr_status_t rv, trv;

    trv = oxt_db_begin(eng->db, res);
    if (trv != APR_SUCCESS) {
        engine_fatal(eng, trv, res);
        return trv;
    }
    eng->in_turn = 1;
    rv = oxt_soap_client_run(eng->soap, apr_time_from_msec(50));
    eng->in_turn = 0;
    /* Committed even after a failure inside the turn: what was recorded
     * before it is true. */
    trv = oxt_db_commit(eng->db, res);
    if (trv != APR_SUCCESS) {
        oxt_db_rollback(eng->db);
        engine_fatal(eng, trv, res);
    }
    return rv;
}

static apr_status_t engine_wait(oxt_engine_t *eng, int limit)
{
    apr_status_t rv;

    while (eng->active > limit && eng->fatal == APR_SUCCESS) {
        rv = engine_turn(eng);
        engine_bury(eng);
        if (rv != APR_SUCCESS && rv != APR_TIMEUP) {
            return rv;
        }
    }
    engine_bury(eng);
    return eng->fatal;
}

apr_status_t oxt_engine_create(oxt_engine_t **peng, oxt_db_t *db,
                               const oxt_psa_t *psa, oxt_ox_t *ox,
                               oxt_soap_client_t *soap,
                               const oxt_desired_env_t *env,
                               const unsigned char *key,
                               const oxt_engine_opts_t *opts, apr_pool_t *p)
{
    oxt_engine_t *eng = apr_pcalloc(p, sizeof(*eng));

    eng->p = p;
    eng->db = db;
    eng->psa = psa;
    eng->ox = ox;
    eng->soap = soap;
    eng->env = *env;
    eng->key = key;
    eng->opts = *opts;
    if (eng->opts.window < 1) {
        eng->opts.window = 16;
    }
    if (eng->opts.scheduled_by == NULL) {
        eng->opts.scheduled_by = "Automatic";
    }
    eng->dead = apr_array_make(p, 16, sizeof(engine_task_t *));
    eng->fatal_res = oxt_result_make(p);
    apr_pool_create(&eng->blocked_pool, p);
    eng->blocked = apr_hash_make(eng->blocked_pool);
    if (!opts->dry_run && (ox == NULL || soap == NULL)) {
        return APR_EINVAL;
    }
    *peng = eng;
    return APR_SUCCESS;
}

const oxt_engine_stats_t *oxt_engine_stats(const oxt_engine_t *eng)
{
    return &eng->stats;
}

apr_status_t oxt_engine_run_begin(oxt_engine_t *eng, oxt_result_t *res)
{
    if (eng->opts.dry_run) {
        return APR_SUCCESS;
    }
    return oxt_replog_run_start(&eng->run_id, eng->db, eng->opts.automatic,
                                res, eng->p);
}

apr_status_t oxt_engine_run_end(oxt_engine_t *eng, int ok, oxt_result_t *res)
{
    if (eng->opts.dry_run || eng->run_id == 0) {
        return APR_SUCCESS;
    }
    return oxt_replog_run_update(eng->db, eng->run_id, &eng->stats.counts, 1,
                                 ok && eng->fatal == APR_SUCCESS, res,
                                 eng->p);
}

typedef struct {
    oxt_engine_t *eng;
} blocked_load_t;

static apr_status_t blocked_row(void *baton, const oxt_db_row_t *row,
                                apr_pool_t *ptemp)
{
    oxt_engine_t *eng = baton;

    apr_hash_set(eng->blocked, apr_pstrcat(eng->blocked_pool, row->vals[0],
                                           ":", row->vals[1], NULL),
                 APR_HASH_KEY_STRING, "");
    (void)ptemp;
    return APR_SUCCESS;
}

apr_status_t oxt_engine_refresh_blocked(oxt_engine_t *eng, oxt_result_t *res)
{
    apr_pool_clear(eng->blocked_pool);
    eng->blocked = apr_hash_make(eng->blocked_pool);
    return oxt_db_each(eng->db,
        "SELECT object_type, object_id FROM queue"
        " WHERE parked = 1 OR not_before > NOW(3)", OXT_DB_NOARGS, blocked_row, eng, res,
        eng->blocked_pool);
}

static void engine_report_plan(oxt_engine_t *eng, const oxt_work_t *work)
{
    int i;

    for (i = 0; eng->opts.on_op && i < work->ops->nelts; i++) {
        eng->opts.on_op(eng->opts.baton, work,
                        &APR_ARRAY_IDX(work->ops, i, const oxt_op_t),
                        APR_SUCCESS, NULL);
    }
}

static apr_status_t engine_task_make(engine_task_t **ptask,
                                     oxt_engine_t *eng, long long dom_id,
                                     apr_array_header_t *items,
                                     const char *owner, oxt_result_t *res)
{
    engine_task_t *t;
    apr_pool_t *tp;
    apr_status_t rv;
    int i;

    apr_pool_create(&tp, eng->p);
    t = apr_pcalloc(tp, sizeof(*t));
    t->eng = eng;
    t->p = tp;
    t->items = items;
    t->owner = owner;
    t->scheduled_by = eng->opts.scheduled_by;
    for (i = 0; items != NULL && i < items->nelts; i++) {
        const oxt_queue_item_t *item =
            APR_ARRAY_IDX(items, i, const oxt_queue_item_t *);

        /* A person's request (a page's "Apply", Webmail Now) names them
         * in the log rather than "Automatic". */
        if (item->scheduled_by != NULL
            && strcmp(item->scheduled_by, "Automatic") != 0) {
            t->scheduled_by = apr_pstrdup(tp, item->scheduled_by);
        }
    }
    t->failed = apr_hash_make(tp);
    rv = oxt_work_load(&t->work, dom_id, &eng->env, eng->psa, eng->db, res,
                       tp);
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

apr_status_t oxt_engine_domain(oxt_engine_t *eng, long long dom_id,
                               apr_array_header_t *items, const char *owner,
                               oxt_result_t *res)
{
    engine_task_t *t;
    oxt_result_t *ares;
    apr_status_t rv;

    rv = engine_wait(eng, eng->opts.window - 1);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, eng->fatal_res->problem, "%s",
                              eng->fatal_res->detail ? eng->fatal_res->detail
                                                     : "");
    }
    if (engine_blocked(eng, OXT_OBJ_DOMAIN, dom_id, eng->p) && items == NULL) {
        eng->stats.ops_skipped++;
        return APR_SUCCESS;
    }
    rv = engine_task_make(&t, eng, dom_id, items, owner, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    eng->active++;
    if (eng->opts.dry_run) {
        engine_report_plan(eng, t->work);
        task_finish(t);
        engine_bury(eng);
        return APR_SUCCESS;
    }
    /* Credentials for user operations on an existing context. */
    ares = oxt_result_make(t->p);
    if (t->work->have_ctx.ox_context_id > 0
        && task_admin(t, ares) != APR_SUCCESS) {
        t->admin = NULL;
        t->admin_why = oxt_result_text(ares, t->p);
    }
    task_next(t);
    return APR_SUCCESS;
}

apr_status_t oxt_engine_drain(oxt_engine_t *eng, oxt_result_t *res)
{
    apr_status_t rv = engine_wait(eng, 0);

    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, eng->fatal_res->problem
                              ? eng->fatal_res->problem : "Replication failed",
                              "%s", eng->fatal_res->detail
                                        ? eng->fatal_res->detail : "");
    }
    return APR_SUCCESS;
}

/* ---- full pass ------------------------------------------------------------------ */

/* Domain ids a page at a time (keyset pagination), so no result is held
 * open while domains are worked on over the same connection. */
static apr_status_t engine_ids(apr_array_header_t **pids, oxt_engine_t *eng,
                               const char *sql, long long after,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows, *ids;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, eng->db, sql,
                       OXT_DB_ARGS(OXT_DB_INT(after)), res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    ids = apr_array_make(p, rows->nelts, sizeof(long long));
    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(ids, long long) = strtoll(
            APR_ARRAY_IDX(rows, i, const oxt_db_row_t *)->vals[0], NULL, 10);
    }
    *pids = ids;
    return APR_SUCCESS;
}

static apr_status_t engine_pass(oxt_engine_t *eng, const char *sql,
                                oxt_result_t *res)
{
    apr_array_header_t *ids;
    apr_pool_t *pp;
    long long after = 0;
    int i;
    apr_status_t rv;

    apr_pool_create(&pp, eng->p);
    do {
        apr_pool_clear(pp);
        rv = engine_ids(&ids, eng, sql, after, res, pp);
        for (i = 0; rv == APR_SUCCESS && i < ids->nelts; i++) {
            after = APR_ARRAY_IDX(ids, i, long long);
            rv = oxt_engine_domain(eng, after, NULL, NULL, res);
        }
        if (rv == APR_SUCCESS && ids->nelts > 0 && eng->opts.on_page) {
            rv = eng->opts.on_page(eng->opts.page_baton, res);
        }
    } while (rv == APR_SUCCESS && ids->nelts > 0);
    apr_pool_destroy(pp);
    return rv;
}

apr_status_t oxt_engine_all(oxt_engine_t *eng, oxt_result_t *res)
{
    apr_status_t rv;

    rv = engine_pass(eng, oxt_psa_sql(eng->psa,
             "SELECT id FROM psa.domains WHERE id > ? ORDER BY id LIMIT 500",
             eng->p), res);
    if (rv == APR_SUCCESS) {
        /* Domains we replicated that are gone from Plesk. */
        rv = engine_pass(eng, oxt_psa_sql(eng->psa,
                 "SELECT s.dom_id FROM domain_state s WHERE s.dom_id > ?"
                 " AND NOT EXISTS (SELECT 1 FROM psa.domains d"
                 "                 WHERE d.id = s.dom_id)"
                 " ORDER BY s.dom_id LIMIT 500", eng->p), res);
    }
    return rv;
}
