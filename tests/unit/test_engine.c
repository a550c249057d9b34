/*
 * test_engine.c — the engine on its own: real plans of made-up domains,
 * run against the fake SOAP transport (fake_soap.c) with a store kept in
 * memory instead of MariaDB (oxt_store.h). What OX answers is chosen per
 * request by a route; what the engine records, logs and settles is
 * asserted.
 */
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_engine.h"
#include "oxt_desired.h"
#include "oxt_util.h"
#include "fake_soap.h"

#define REPLY_OPEN "<soap:Envelope " \
    "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
#define REPLY_CLOSE "</soap:Body></soap:Envelope>"
#define CTX_BASE 100                  /* domain n has context 100 + n */
#define NEW_USER_ID 777
#define ADMIN_ID 2                    /* every context's admin */

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static oxt_settings_t settings;
static oxt_desired_env_t env;
static oxt_prefs_chain_t chain;

/* ---- made-up domains ----------------------------------------------------- */

typedef struct dom_spec_t {
    long long id;
    int in_ox;                    /* its context exists in OX */
    const char *users[4];         /* its mailboxes (local parts) */
    int applied;                  /* the users are in OX as they should be */
    const char *renamed_from;     /* users[0] was applied under this name */
    long long gone_user;          /* an applied user gone from Plesk */
    long long gone_ox_id;         /* its OX id (default 1000 + gone_user) */
    int admin_unknown;            /* the admin's OX id was never asked */
    const char *admin_login;      /* the admin we made (default ours) */
    const char *old_name;         /* the context was applied as this name */
    const char *old_display;      /* the domain was recorded with this
                                     display name */
} dom_spec_t;

static long long mail_id_of(const dom_spec_t *d, int i)
{
    return d->id * 10 + i + 1;
}

static oxt_applied_user_t *have_of(const oxt_desired_user_t *want,
                                   long long mail_id, long long ctx_id,
                                   const char *name, const char *dom,
                                   apr_pool_t *p)
{
    oxt_applied_user_t *h = apr_pcalloc(p, sizeof(*h));

    h->exists = 1;
    h->mail_id = mail_id;
    h->ox_context_id = ctx_id;
    h->ox_user_id = 1000 + mail_id;
    h->mail_name = name ? name : want->name;
    h->address = name ? apr_pstrcat(p, name, "@", dom, NULL)
                      : want->primary_email;
    h->display_name = want->display_name;
    h->aliases = name ? h->address : oxt_desired_join(want->aliases, p);
    h->service = (int)want->service;
    h->language = want->language;
    h->timezone = want->timezone;
    h->imap_server = oxt_state_server(want->imap_server, want->imap_port, p);
    h->smtp_server = oxt_state_server(want->smtp_server, want->smtp_port, p);
    h->has_fp = 1;
    memcpy(h->password_fp, want->password_fp, OXT_FP_LEN);
    h->status = "replicated";
    return h;
}

static void work_context(oxt_work_t *w, const dom_spec_t *d, apr_pool_t *p)
{
    const char *name = d->old_name ? d->old_name : w->dom->name;

    oxt_desired_context(&w->want_ctx, &env, w->dom, NULL, &chain, p);
    w->have_ctx.dom_id = d->id;
    w->have_ctx.quota_mb = -1;
    w->have_ctx.admin_login = d->admin_login;
    if (d->in_ox) {
        w->have_ctx.exists = 1;
        w->have_ctx.ox_context_id = CTX_BASE + d->id;
        w->have_ctx.context_name = name;
        w->have_ctx.mappings = d->old_name ? name
            : oxt_desired_join(w->want_ctx.login_mappings, p);
        w->have_ctx.quota_mb = w->want_ctx.quota_mb;
        w->have_ctx.admin_user_id = d->admin_unknown ? 0 : ADMIN_ID;
        w->have_ctx.admin_login = oxt_plan_admin_login(&w->have_ctx);
        w->have_ctx.admin_address = apr_pstrcat(p, w->have_ctx.admin_login,
                                                "@", name, NULL);
        w->have_ctx.display_name = d->old_display ? d->old_display
                                                  : w->dom->display_name;
    }
}

static void work_user(oxt_work_t *w, const dom_spec_t *d, int i,
                      apr_pool_t *p)
{
    oxt_plan_user_t *u = apr_array_push(w->users);
    oxt_plesk_mailbox_t *m = apr_pcalloc(p, sizeof(*m));
    oxt_desired_user_t *want = apr_pcalloc(p, sizeof(*want));

    m->id = mail_id_of(d, i);
    m->mail_name = d->users[i];
    m->address = apr_pstrcat(p, m->mail_name, "@", w->dom->name, NULL);
    m->postbox = 1;
    m->password_type = "plain";
    m->password = "secret-pw";
    m->domain = *w->dom;
    oxt_desired_user(want, &env, m, NULL, NULL, &chain, p);
    u->mbox = m;
    u->want = want;
    u->have = d->applied ? have_of(want, m->id, CTX_BASE + d->id,
                                   i == 0 ? d->renamed_from : NULL,
                                   w->dom->name, p)
                         : NULL;
}

static oxt_work_t *work_of(const dom_spec_t *d, apr_pool_t *p)
{
    oxt_work_t *w = apr_pcalloc(p, sizeof(*w));
    oxt_plesk_domain_t *dom = apr_pcalloc(p, sizeof(*dom));
    oxt_plan_user_t *u;
    int i;

    dom->id = d->id;
    /* APR's formatter has no %lld. */
    dom->name = dom->display_name = apr_pstrcat(p, "d",
                                                oxt_util_lld(d->id, p),
                                                ".test", NULL);
    dom->mail_on = 1;
    w->dom_id = d->id;
    w->dom = dom;
    w->dom_name = dom->name;
    w->users = apr_array_make(p, 4, sizeof(oxt_plan_user_t));
    work_context(w, d, p);
    for (i = 0; d->users[i] != NULL; i++) {
        work_user(w, d, i, p);
    }
    if (d->gone_user) {
        u = apr_array_push(w->users);
        memset(u, 0, sizeof(*u));
        u->have = apr_pcalloc(p, sizeof(*u->have));
        *(oxt_applied_user_t *)u->have = (oxt_applied_user_t){
            .exists = 1, .mail_id = d->gone_user, .dom_id = d->id,
            .ox_context_id = CTX_BASE + d->id,
            .ox_user_id = d->gone_ox_id ? d->gone_ox_id
                                        : 1000 + d->gone_user,
            .mail_name = "gone", .address = "gone@example", .service = 0 };
    }
    oxt_work_replan(w, &env, p);
    return w;
}

/* ---- a store in memory --------------------------------------------------- */

typedef struct rec_t {
    long long dom_id;
    oxt_op_kind_t op;
    unsigned changes;
    oxt_rec_kind_t kind;          /* OXT_REC_*, or INTENT */
    long long ox_id;
    const char *error;
    const char *ox_primary;
    int commit;                   /* commits before it was written */
} rec_t;

#define INTENT 100                /* rec_t.kind of a store->intent */

typedef struct mem_t {
    const dom_spec_t *doms;       /* id 0 ends the list */
    apr_array_header_t *recs;     /* rec_t: records and intents */
    apr_array_header_t *logs;     /* oxt_replog_entry_t */
    apr_array_header_t *settled;  /* oxt_obj_t of failures nobody claimed */
    apr_array_header_t *claimed;  /* const char *: the error (or "done")
                                     each claimed item was settled with */
    apr_array_header_t *loaded;   /* long long */
    apr_array_header_t *finished_at_load; /* int: domains finished when
                                              each of loaded was loaded */
    oxt_engine_t *eng;            /* set by the test that reads it */
    long long claimed_id;         /* the last claimed item settled */
    const char *claimed_owner;    /* and under which lease */
    apr_array_header_t *from_page; /* long long: loaded by a page's work */
    apr_array_header_t *listed;   /* long long: every id a range listed */
    int turns, reserves, commits, pages, ranges;
    long long admin_learned;      /* store->admin */
    oxt_work_t *fixed;            /* load answers this work, when set */
    apr_pool_t *p;
} mem_t;

static apr_status_t mem_load(void *baton, oxt_work_t **pwork,
                             long long dom_id, oxt_result_t *res,
                             apr_pool_t *p)
{
    mem_t *m = baton;
    int i;

    APR_ARRAY_PUSH(m->loaded, long long) = dom_id;
    APR_ARRAY_PUSH(m->finished_at_load, int) =
        m->eng ? (int)oxt_engine_stats(m->eng)->domains : -1;
    if (m->fixed != NULL) {
        *pwork = m->fixed;
        return APR_SUCCESS;
    }
    for (i = 0; m->doms[i].id != 0; i++) {
        if (m->doms[i].id == dom_id) {
            *pwork = work_of(&m->doms[i], p);
            return APR_SUCCESS;
        }
    }
    return oxt_result_set(res, APR_ENOENT, "No such domain", NULL);
}

static apr_status_t mem_blocked(void *baton, apr_hash_t **pblocked,
                                oxt_result_t *res, apr_pool_t *p)
{
    *pblocked = apr_hash_make(p);
    return APR_SUCCESS;
}

/* Pages of two domains: what the store holds, in id order (domain 9 is
 * one psa lost: its plan says so). */
static apr_status_t mem_page_work(void *baton, oxt_work_t **pwork,
                                  long long dom_id, oxt_result_t *res,
                                  apr_pool_t *p)
{
    APR_ARRAY_PUSH(((mem_t *)baton)->from_page, long long) = dom_id;
    return mem_load(baton, pwork, dom_id, res, p);
}

static apr_status_t mem_page(void *baton, oxt_store_page_t **ppage,
                             long long after, oxt_result_t *res,
                             apr_pool_t *p)
{
    mem_t *m = baton;
    oxt_store_page_t *page = apr_pcalloc(p, sizeof(*page));
    apr_array_header_t *ids = apr_array_make(p, 2, sizeof(long long));
    int i;

    m->pages++;
    for (i = 0; m->doms[i].id != 0; i++) {
        if (m->doms[i].id > after && ids->nelts < 2) {
            APR_ARRAY_PUSH(ids, long long) = m->doms[i].id;
        }
    }
    page->ids = ids;
    page->more = ids->nelts == 2;
    page->last = page->more ? APR_ARRAY_IDX(ids, 1, long long) : 1000;
    page->work = mem_page_work;
    page->page_baton = m;
    *ppage = page;
    return APR_SUCCESS;
}

/* A list: the domains of want the store holds, as a page
 * (oxt_engine_domains); every id listed is noted in listed. */
static apr_status_t mem_range(void *baton, oxt_store_page_t **ppage,
                              const apr_array_header_t *want,
                              oxt_result_t *res, apr_pool_t *p)
{
    mem_t *m = baton;
    oxt_store_page_t *page = apr_pcalloc(p, sizeof(*page));
    apr_array_header_t *ids = apr_array_make(p, 8, sizeof(long long));
    int i, k;

    m->ranges++;
    for (k = 0; k < want->nelts; k++) {
        APR_ARRAY_PUSH(m->listed, long long) =
            APR_ARRAY_IDX(want, k, long long);
        for (i = 0; m->doms[i].id != 0; i++) {
            if (m->doms[i].id == APR_ARRAY_IDX(want, k, long long)) {
                APR_ARRAY_PUSH(ids, long long) = m->doms[i].id;
            }
        }
    }
    page->ids = ids;
    page->more = 0;
    page->last = APR_ARRAY_IDX(want, want->nelts - 1, long long);
    page->work = mem_page_work;
    page->page_baton = m;
    *ppage = page;
    return APR_SUCCESS;
}

static apr_status_t mem_begin(void *baton, oxt_result_t *res)
{
    ((mem_t *)baton)->turns++;
    return APR_SUCCESS;
}

static apr_status_t mem_commit(void *baton, oxt_result_t *res)
{
    ((mem_t *)baton)->commits++;
    return APR_SUCCESS;
}

static apr_status_t mem_reserve(void *baton, oxt_work_t *work,
                                const char *login, const char *sealed,
                                oxt_result_t *res, apr_pool_t *p)
{
    ((mem_t *)baton)->reserves++;
    work->have_ctx.admin_login = login;
    work->have_ctx.admin_password_enc = sealed;
    return APR_SUCCESS;
}

static rec_t *mem_push(mem_t *m, const oxt_work_t *work, const oxt_op_t *op,
                       int kind)
{
    rec_t *r = apr_array_push(m->recs);

    memset(r, 0, sizeof(*r));
    r->dom_id = work->dom_id;
    r->op = op->kind;
    r->changes = op->changes;
    r->kind = kind;
    r->commit = m->commits;
    return r;
}

static apr_status_t mem_intent(void *baton, const oxt_work_t *work,
                               const oxt_op_t *op, oxt_result_t *res,
                               apr_pool_t *p)
{
    (void)mem_push(baton, work, op, INTENT);
    return APR_SUCCESS;
}

static apr_status_t mem_record(void *baton, const oxt_work_t *work,
                               const oxt_op_t *op, const oxt_rec_t *rec,
                               oxt_result_t *res, apr_pool_t *p)
{
    mem_t *m = baton;
    rec_t *r = mem_push(m, work, op, rec->kind);

    r->ox_id = rec->ox_id;
    r->error = rec->error ? apr_pstrdup(m->p, rec->error) : NULL;
    r->ox_primary = rec->ox_primary ? apr_pstrdup(m->p, rec->ox_primary)
                                    : NULL;
    return APR_SUCCESS;
}

static apr_status_t mem_admin(void *baton, const oxt_work_t *work,
                              long long admin_user_id, oxt_result_t *res,
                              apr_pool_t *p)
{
    ((mem_t *)baton)->admin_learned = admin_user_id;
    return APR_SUCCESS;
}

/* Everything the store holds of domain dom_id is committed. */
static int mem_all_committed(const mem_t *m, long long dom_id)
{
    int i;

    for (i = 0; i < m->recs->nelts; i++) {
        const rec_t *r = &APR_ARRAY_IDX(m->recs, i, rec_t);

        if (r->dom_id == dom_id && r->commit >= m->commits) {
            return 0;
        }
    }
    return 1;
}

static apr_status_t mem_log(void *baton, const oxt_replog_entry_t *e,
                            oxt_result_t *res, apr_pool_t *p)
{
    mem_t *m = baton;
    oxt_replog_entry_t *copy = apr_array_push(m->logs);

    *copy = *e;
    copy->operation = apr_pstrdup(m->p, e->operation);
    copy->reason = e->reason ? apr_pstrdup(m->p, e->reason) : NULL;
    copy->address = apr_pstrdup(m->p, e->address);
    return APR_SUCCESS;
}

static apr_status_t mem_settle(void *baton, const oxt_queue_item_t *item,
                               oxt_obj_t obj, const char *owner,
                               const char *error, int max_attempts,
                               oxt_result_t *res, apr_pool_t *p)
{
    mem_t *m = baton;

    if (item != NULL) {
        APR_ARRAY_PUSH(m->claimed, const char *) =
            apr_pstrdup(m->p, error ? error : "done");
        m->claimed_id = item->id;
        m->claimed_owner = owner ? apr_pstrdup(m->p, owner) : NULL;
        return APR_SUCCESS;
    }
    ck_assert_ptr_nonnull(error);
    APR_ARRAY_PUSH(m->settled, oxt_obj_t) = obj;
    return APR_SUCCESS;
}

static oxt_store_t *mem_store(mem_t *m, const dom_spec_t *doms)
{
    oxt_store_t *s = apr_pcalloc(oxt_test_pool, sizeof(*s));

    memset(m, 0, sizeof(*m));
    m->doms = doms;
    m->p = oxt_test_pool;
    m->recs = apr_array_make(oxt_test_pool, 8, sizeof(rec_t));
    m->logs = apr_array_make(oxt_test_pool, 8, sizeof(oxt_replog_entry_t));
    m->settled = apr_array_make(oxt_test_pool, 2, sizeof(oxt_obj_t));
    m->claimed = apr_array_make(oxt_test_pool, 2, sizeof(const char *));
    m->loaded = apr_array_make(oxt_test_pool, 4, sizeof(long long));
    m->finished_at_load = apr_array_make(oxt_test_pool, 4, sizeof(int));
    m->from_page = apr_array_make(oxt_test_pool, 4, sizeof(long long));
    m->listed = apr_array_make(oxt_test_pool, 4, sizeof(long long));
    s->baton = m;
    s->load = mem_load;
    s->blocked = mem_blocked;
    s->page = mem_page;
    s->range = mem_range;
    s->begin = mem_begin;
    s->commit = mem_commit;
    s->reserve = mem_reserve;
    s->intent = mem_intent;
    s->record = mem_record;
    s->admin = mem_admin;
    s->log = mem_log;
    s->settle = mem_settle;
    return s;
}

/* ---- what OX answers ----------------------------------------------------- */

typedef struct route_t {
    const char *op;               /* the operation element, e.g. "change" */
    const char *when;             /* only when the request holds this */
    const char *fault;            /* the faultstring answered */
    const char *type;             /* its exception type */
    const char *reply;            /* or this <return> content */
} route_t;

typedef struct routes_t {
    const route_t *list;          /* op NULL ends it */
    apr_array_header_t *ops;      /* const char *: every request's op */
    const mem_t *mem;             /* the store, to check what it holds */
    int uncommitted;              /* requests sent with records not yet
                                     committed for their domain */
} routes_t;

/* The operation element of a request: "<ox:change>" gives "change". */
static const char *request_op(const char *body, apr_pool_t *p)
{
    const char *s = strstr(body, "<soapenv:Body><ox:");

    ck_assert_ptr_nonnull(s);
    s += strlen("<soapenv:Body><ox:");
    return apr_pstrndup(p, s, strcspn(s, " >"));
}

/* The domain a request is about, from its context's id or name. */
static const char *request_domain(const char *body, apr_pool_t *p)
{
    const char *ctx = strstr(body, "<ox:ctx>"), *v;

    if (ctx == NULL) {
        return NULL;
    }
    v = strstr(ctx, "<obj:id>");
    if (v != NULL && v < strstr(ctx, "</ox:ctx>")) {
        return apr_ltoa(p, strtol(v + 8, NULL, 10) - CTX_BASE);
    }
    v = strstr(ctx, "<obj:name>d");
    ck_assert_ptr_nonnull(v);
    return apr_ltoa(p, strtol(v + 11, NULL, 10));
}

/* A fault as OX sends it; a route without a type has no <detail>, as OX's
 * SOAP layer often sends them (only the text tells what it is). */
static const char *fault_body(const route_t *r, apr_pool_t *p)
{
    const char *detail = r->type == NULL ? ""
        : apr_pstrcat(p, "<detail><", r->type,
                      " xmlns=\"http://soap.admin.openexchange.com\"/>"
                      "</detail>", NULL);

    return apr_pstrcat(p, REPLY_OPEN "<soap:Fault><faultcode>soap:Server"
                       "</faultcode><faultstring>", r->fault,
                       "</faultstring>", detail, "</soap:Fault>" REPLY_CLOSE,
                       NULL);
}

/* Creates answer with the new object's id, everything else with an empty
 * response, unless a route says otherwise. */
static void route(void *baton, const char *url, const char *body,
                  fake_soap_answer_t *a)
{
    routes_t *rs = baton;
    apr_pool_t *p = oxt_test_pool;
    const char *op = request_op(body, p), *dom = request_domain(body, p);
    const char *ret = NULL;
    const route_t *r;

    APR_ARRAY_PUSH(rs->ops, const char *) = op;
    /* Every outcome of this context must be durable before its next
     * request goes out (and the intent of this one with them). */
    if (rs->mem != NULL && !mem_all_committed(rs->mem, atoi(dom))) {
        rs->uncommitted++;
    }
    a->http_status = 200;
    a->tag = dom;
    if (strcmp(op, "createModuleAccessByName") == 0) {
        ret = apr_psprintf(p, "<id>%d</id>", CTX_BASE + atoi(dom));
    }
    else if (strcmp(op, "createByModuleAccessName") == 0) {
        ret = apr_psprintf(p, "<id>%d</id>", NEW_USER_ID);
    }
    else if (strcmp(op, "getAdminId") == 0) {
        ret = apr_itoa(p, ADMIN_ID);
    }
    for (r = rs->list; r != NULL && r->op != NULL; r++) {
        if (strcmp(r->op, op) == 0
            && (r->when == NULL || strstr(body, r->when) != NULL)) {
            if (r->fault != NULL) {
                a->http_status = 500;
                a->body = fault_body(r, p);
                return;
            }
            ret = r->reply;
            break;
        }
    }
    a->body = apr_pstrcat(p, REPLY_OPEN "<", op, "Response>",
                          ret ? "<return>" : "", ret ? ret : "",
                          ret ? "</return>" : "", "</", op, "Response>"
                          REPLY_CLOSE, NULL);
}

/* ---- running the engine -------------------------------------------------- */

typedef struct run_t {
    mem_t mem;
    routes_t routes;
    fake_soap_t *fake;
    oxt_engine_t *eng;
} run_t;

static void run_setup(void)
{
    int i;

    oxt_settings_defaults(&settings);
    settings.master_override = 1;        /* no context admin needed */
    settings.auto_delete = 1;
    settings.imap.host = "imap.test";
    settings.smtp.host = "smtp.test";
    settings.default_language = "en_US";
    settings.default_timezone = "UTC";
    memset(&env, 0, sizeof(env));
    env.settings = &settings;
    env.fp_key = key;
    for (i = 0; i < OXT_LEVEL_COUNT; i++) {
        oxt_prefs_clear(&chain.level[i]);
    }
    chain.level[OXT_LEVEL_DOMAIN].forever = OXT_FOREVER_ON;
}

static void engine_make_opts(run_t *r, const dom_spec_t *doms,
                             const route_t *routes, int window);

static void engine_make(run_t *r, const dom_spec_t *doms,
                        const route_t *routes)
{
    engine_make_opts(r, doms, routes, 0);
}

/* With a window of that many domains in progress. */
static void engine_make_window(run_t *r, const dom_spec_t *doms,
                               int window)
{
    engine_make_opts(r, doms, NULL, window);
}

static void engine_make_opts(run_t *r, const dom_spec_t *doms,
                             const route_t *routes, int window)
{
    oxt_ox_settings_t os;
    oxt_engine_opts_t opts;
    oxt_soap_client_t *soap;
    oxt_ox_t *ox = NULL;

    r->fake = fake_soap_make(200, "", oxt_test_pool);
    r->routes.list = routes;
    r->routes.ops = apr_array_make(oxt_test_pool, 8, sizeof(const char *));
    r->fake->route = route;
    r->fake->route_baton = &r->routes;
    soap = fake_soap_client(r->fake, NULL, oxt_test_pool);
    memset(&os, 0, sizeof(os));
    os.base_url = "https://ox.test/webservices";
    os.master.login = "oxadminmaster";
    os.master.password = "master-pw";
    os.master_override = 1;
    ck_assert_int_eq(oxt_ox_create(&ox, &os, soap, oxt_test_pool),
                     APR_SUCCESS);
    memset(&opts, 0, sizeof(opts));
    opts.window = window;
    ck_assert_int_eq(oxt_engine_create(&r->eng, mem_store(&r->mem, doms), ox,
                                       soap, &env, key, &opts,
                                       oxt_test_pool), APR_SUCCESS);
    r->routes.mem = &r->mem;
    r->routes.uncommitted = 0;
}

static void run_domains(run_t *r, const long long *ids)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);

    for (; *ids != 0; ids++) {
        ck_assert_int_eq(oxt_engine_domain(r->eng, *ids, NULL, NULL, res),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(oxt_engine_drain(r->eng, res), APR_SUCCESS);
}

/* The i-th record (intent 0) or the i-th intent (intent 1). */
static const rec_t *rec_of(const run_t *r, int i, int intent)
{
    int k;

    for (k = 0; k < r->mem.recs->nelts; k++) {
        const rec_t *x = &APR_ARRAY_IDX(r->mem.recs, k, rec_t);

        if ((x->kind == INTENT) == intent && i-- == 0) {
            return x;
        }
    }
    ck_abort_msg("no %s %d", intent ? "intent" : "record", i);
    return NULL;
}

static const rec_t *rec(const run_t *r, int i)
{
    return rec_of(r, i, 0);
}

static int recs_of(const run_t *r, int intent)
{
    int k, n = 0;

    for (k = 0; k < r->mem.recs->nelts; k++) {
        n += (APR_ARRAY_IDX(r->mem.recs, k, rec_t).kind == INTENT) == intent;
    }
    return n;
}

static const oxt_replog_entry_t *logrow(const run_t *r, int i)
{
    ck_assert_int_lt(i, r->mem.logs->nelts);
    return &APR_ARRAY_IDX(r->mem.logs, i, oxt_replog_entry_t);
}

static const char *sent_op(const run_t *r, int i)
{
    ck_assert_int_lt(i, r->routes.ops->nelts);
    return APR_ARRAY_IDX(r->routes.ops, i, const char *);
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(a_new_domain_gets_its_context_then_its_users)
{
    static const dom_spec_t doms[] = {
        { .id = 1, .users = { "ann", "bob" } }, { 0 }
    };
    static const long long ids[] = { 1, 0 };
    run_t r;

    engine_make(&r, doms, NULL);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 3);
    ck_assert_str_eq(sent_op(&r, 0), "createModuleAccessByName");
    ck_assert_str_eq(sent_op(&r, 1), "createByModuleAccessName");
    ck_assert_int_eq(r.mem.reserves, 1);  /* the admin before the create */
    ck_assert_int_eq(rec(&r, 0)->op, OXT_OP_CONTEXT_CREATE);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_APPLIED);
    ck_assert_int_eq(rec(&r, 0)->ox_id, CTX_BASE + 1);
    ck_assert_int_eq(rec(&r, 1)->ox_id, NEW_USER_ID);
    ck_assert_int_eq(r.mem.logs->nelts, 2); /* user operations only */
    ck_assert_str_eq(logrow(&r, 0)->operation, OXT_LOG_OP_CREATE);
    ck_assert_str_eq(logrow(&r, 0)->address, "ann@d1.test");
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_ok, 3);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->counts.ok[0], 2);
    ck_assert_int_gt(r.mem.turns, 0);
}
END_TEST

START_TEST(a_user_that_exists_is_adopted_and_sent_everything)
{
    static const dom_spec_t doms[] = {
        { .id = 2, .in_ox = 1, .users = { "ann" } }, { 0 }
    };
    static const long long ids[] = { 2, 0 };
    static const route_t routes[] = {
        { .op = "createByModuleAccessName",
          .fault = "User ann already exists in this context;"
                   " exceptionId 1-2", .type = "InvalidDataException" },
        { .op = "getData", .reply = "<id>42</id><name>ann</name>" },
        { 0 }
    };
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 4);
    ck_assert_str_eq(sent_op(&r, 0), "createByModuleAccessName");
    ck_assert_str_eq(sent_op(&r, 1), "getData");
    ck_assert_str_eq(sent_op(&r, 2), "change");
    ck_assert_str_eq(sent_op(&r, 3), "changeByModuleAccessName");
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_ADOPTED);
    ck_assert_int_eq(rec(&r, 0)->ox_id, 42);
    ck_assert_int_eq(rec(&r, 1)->op, OXT_OP_USER_CHANGE);
    ck_assert_int_eq(rec(&r, 1)->ox_id, 42);
    ck_assert_int_eq(rec(&r, 2)->op, OXT_OP_USER_ACCESS);
    ck_assert_str_eq(logrow(&r, 0)->operation, OXT_LOG_OP_ADOPT);
    ck_assert(logrow(&r, 0)->success);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_failed, 0);
    ck_assert_int_eq(r.mem.settled->nelts, 0);
    /* the banner counts ann once, her three operations three times */
    ck_assert_int_eq(oxt_engine_stats(r.eng)->counts.ok[0], 1);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->counts.op_ok[
                         OXT_RUN_OP_USER_CHANGE]
                     + oxt_engine_stats(r.eng)->counts.op_ok[
                         OXT_RUN_OP_USER_ACCESS], 2);
}
END_TEST

START_TEST(a_mailbox_is_counted_once_failed_if_one_operation_failed)
{
    oxt_run_counts_t c;
    int was;

    memset(&c, 0, sizeof(c));
    was = oxt_run_counts_mailbox(&c, 1, OXT_RUN_MAILBOX_NONE, 1);
    ck_assert_int_eq(was, OXT_RUN_MAILBOX_OK);
    was = oxt_run_counts_mailbox(&c, 1, was, 1);
    ck_assert_int_eq(c.ok[1], 1);
    was = oxt_run_counts_mailbox(&c, 1, was, 0);
    ck_assert_int_eq(was, OXT_RUN_MAILBOX_FAILED);
    was = oxt_run_counts_mailbox(&c, 1, was, 1);
    ck_assert_int_eq(was, OXT_RUN_MAILBOX_FAILED);
    ck_assert_int_eq(c.ok[1], 0);
    ck_assert_int_eq(c.failed[1], 1);
    /* no service type (a context's operation): nothing counted */
    ck_assert_int_eq(oxt_run_counts_mailbox(&c, -1, OXT_RUN_MAILBOX_NONE, 0),
                     OXT_RUN_MAILBOX_NONE);
    ck_assert_int_eq(c.failed[0] + c.failed[2] + c.ok[0] + c.ok[2], 0);
}
END_TEST

static const char *sent_body(const run_t *r, int i)
{
    ck_assert_int_lt(i, r->fake->bodies->nelts);
    return APR_ARRAY_IDX(r->fake->bodies, i, const char *);
}

static int sent_has(const run_t *r, int i, const char *text)
{
    return strstr(sent_body(r, i), text) != NULL;
}

/* Finding 2: a context that exists is read, and sent what it lacks (its
 * mappings and quota) as an adopted user is; its admin gets its address. */
START_TEST(a_context_that_exists_is_adopted_and_sent_what_it_lacks)
{
    static const dom_spec_t doms[] = {
        { .id = 3, .users = { "ann" } }, { 0 }
    };
    static const long long ids[] = { 3, 0 };
    static const route_t routes[] = {
        { .op = "createModuleAccessByName",
          .fault = "Context d3.test already exists!" },
        { .op = "getData", .reply = "<id>55</id><name>d3.test</name>"
          "<loginMappings>55</loginMappings><loginMappings>old.test"
          "</loginMappings><maxQuota>7</maxQuota>" },
        { 0 }
    };
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 5);
    ck_assert_str_eq(sent_op(&r, 1), "getData");
    ck_assert_int_eq(rec(&r, 0)->op, OXT_OP_CONTEXT_CREATE);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_ADOPTED);
    ck_assert_int_eq(rec(&r, 0)->ox_id, 55);
    /* what differs is sent: mappings and quota, then the admin */
    ck_assert_str_eq(sent_op(&r, 2), "change");
    ck_assert(sent_has(&r, 2, "<obj:id>55</obj:id>"));
    ck_assert(sent_has(&r, 2, "<obj:loginMappings>d3.test"));
    ck_assert(!sent_has(&r, 2, "old.test"));
    ck_assert(sent_has(&r, 2, "<obj:maxQuota>"));
    ck_assert_int_eq(rec(&r, 1)->op, OXT_OP_CONTEXT_CHANGE);
    ck_assert_int_eq(rec(&r, 1)->changes, OXT_CHG_MAPPINGS | OXT_CHG_QUOTA);
    ck_assert_str_eq(sent_op(&r, 3), "change");
    ck_assert(sent_has(&r, 3, "<obj:primaryEmail>oxadmin$@d3.test"));
    ck_assert_int_eq(rec(&r, 2)->op, OXT_OP_ADMIN_CHANGE);
    /* its user goes into the adopted context */
    ck_assert_str_eq(sent_op(&r, 4), "createByModuleAccessName");
    ck_assert(sent_has(&r, 4, "<obj:id>55</obj:id>"));
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_failed, 0);
}
END_TEST

/* ... and a context that holds what it should gets no change. */
START_TEST(an_adopted_context_that_holds_what_it_should_is_not_changed)
{
    static const dom_spec_t doms[] = {
        { .id = 3, .users = { "ann" } }, { 0 }
    };
    static const long long ids[] = { 3, 0 };
    route_t routes[] = {
        { .op = "createModuleAccessByName",
          .fault = "Context d3.test already exists!",
          .type = "ContextExistsException" },
        { .op = "getData" },
        { 0 }
    };
    oxt_work_t *w = work_of(&doms[0], oxt_test_pool);
    run_t r;

    routes[1].reply = apr_psprintf(oxt_test_pool, "<id>55</id><name>d3.test"
                                   "</name><loginMappings>d3.test"
                                   "</loginMappings><maxQuota>%d</maxQuota>",
                                   w->want_ctx.quota_mb);
    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 4);
    ck_assert_str_eq(sent_op(&r, 2), "change");   /* the admin only */
    ck_assert(sent_has(&r, 2, "<obj:primaryEmail>"));
    ck_assert_str_eq(sent_op(&r, 3), "createByModuleAccessName");
}
END_TEST

START_TEST(deleting_a_user_that_is_gone_already_succeeds)
{
    static const dom_spec_t doms[] = {
        { .id = 4, .in_ox = 1, .users = { "stay" }, .applied = 1,
          .gone_user = 49 }, { 0 }
    };
    static const long long ids[] = { 4, 0 };
    static const route_t routes[] = {
        { .op = "delete", .fault = "No such user 1049 in context 104",
          .type = "NoSuchUserException" },
        { 0 }
    };
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 1);
    ck_assert_str_eq(sent_op(&r, 0), "delete");
    ck_assert_int_eq(rec(&r, 0)->op, OXT_OP_USER_DELETE);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_APPLIED);
    ck_assert_str_eq(logrow(&r, 0)->operation, OXT_LOG_OP_DELETE);
    ck_assert(logrow(&r, 0)->success);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_failed, 0);
    ck_assert_int_eq(r.mem.settled->nelts, 0);
}
END_TEST

/* With the fault's type (_i 0) and without (_i 1): the text decides. */
START_TEST(a_refused_user_rename_is_applied_without_the_name)
{
    static const dom_spec_t doms[] = {
        { .id = 5, .in_ox = 1, .users = { "newname" }, .applied = 1,
          .renamed_from = "oldname" }, { 0 }
    };
    static const long long ids[] = { 5, 0 };
    route_t routes[] = {
        { .op = "change", .when = "<obj:name>newname</obj:name>",
          .fault = "Changing username is disabled!",
          .type = "InvalidDataException" },
        { 0 }
    };
    const char *second;
    run_t r;

    routes[0].type = _i ? NULL : routes[0].type;
    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 2);
    ck_assert_str_eq(sent_op(&r, 0), "change");
    ck_assert_str_eq(sent_op(&r, 1), "change");
    second = APR_ARRAY_IDX(r.fake->bodies, 1, const char *);
    ck_assert_ptr_null(strstr(second, "<obj:name>"));
    ck_assert_ptr_nonnull(strstr(second, "newname@d5.test"));
    ck_assert_int_eq(recs_of(&r, 0), 1);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_APPLIED);
    ck_assert_str_eq(logrow(&r, 0)->operation, OXT_LOG_OP_RENAME);
    ck_assert(logrow(&r, 0)->success);
    ck_assert_ptr_nonnull(strstr(logrow(&r, 0)->reason, "'oldname'"));
}
END_TEST

START_TEST(one_context_at_a_time_and_contexts_in_parallel)
{
    static const dom_spec_t doms[] = {
        { .id = 6, .in_ox = 1, .users = { "a", "b", "c" } },
        { .id = 7, .in_ox = 1, .users = { "a", "b", "c" } },
        { .id = 8, .in_ox = 1, .users = { "a", "b", "c" } }, { 0 }
    };
    static const long long ids[] = { 6, 7, 8, 0 };
    run_t r;

    engine_make(&r, doms, NULL);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 9);
    ck_assert_int_eq(r.fake->max_active_tag, 1);
    ck_assert_int_eq(r.fake->max_active, 3);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_ok, 9);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->domains, 3);
}
END_TEST

START_TEST(a_failed_user_is_queued_and_left_alone_for_the_rest_of_the_run)
{
    static const dom_spec_t doms[] = {
        { .id = 11, .in_ox = 1, .users = { "bad", "good" } }, { 0 }
    };
    static const long long ids[] = { 11, 0 };
    static const route_t routes[] = {
        { .op = "createByModuleAccessName", .when = "bad@",
          .fault = "Invalid email address", .type = "InvalidDataException" },
        { 0 }
    };
    const oxt_obj_t *o;
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    run_domains(&r, ids);                   /* again, in the same run */
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_FAILED);
    ck_assert_ptr_nonnull(strstr(rec(&r, 0)->error, "Invalid email"));
    ck_assert(!logrow(&r, 0)->success);
    ck_assert_int_eq(r.mem.settled->nelts, 1);
    o = &APR_ARRAY_IDX(r.mem.settled, 0, oxt_obj_t);
    ck_assert_int_eq(o->type, OXT_OBJ_MAILBOX);
    ck_assert_int_eq(o->id, 111);
    /* The second time in the run: the good user is created again (the
     * made-up store forgets), the bad one is not tried. */
    ck_assert_int_eq(r.routes.ops->nelts, 3);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_skipped, 1);
}
END_TEST

/* The run's queue batches claim a failed user's item again when its
 * backoff (random, from 0 ms) has passed: it is tried, not skipped as
 * failed earlier in the run and settled as done (which deleted it with
 * its attempts, so it never parked). */
START_TEST(a_claimed_item_is_tried_even_if_it_failed_earlier_in_the_run)
{
    static const dom_spec_t doms[] = {
        { .id = 11, .in_ox = 1, .users = { "bad", "good" } }, { 0 }
    };
    static const long long ids[] = { 11, 0 };
    static const route_t routes[] = {
        { .op = "createByModuleAccessName", .when = "bad@",
          .fault = "Invalid email address", .type = "InvalidDataException" },
        { 0 }
    };
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_array_header_t *items = apr_array_make(oxt_test_pool, 1,
                                               sizeof(oxt_queue_item_t *));
    oxt_queue_item_t *item = apr_pcalloc(oxt_test_pool, sizeof(*item));
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.mem.settled->nelts, 1);   /* 111 failed */
    item->id = 5;
    item->type = OXT_OBJ_MAILBOX;
    item->object_id = 111;
    item->attempts = 1;
    item->enqueued_at = "2026-01-01 00:00:00.000";
    APR_ARRAY_PUSH(items, oxt_queue_item_t *) = item;
    ck_assert_int_eq(oxt_engine_domain(r.eng, 11, items, "run-1", res),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_drain(r.eng, res), APR_SUCCESS);
    /* bad and good, then bad again (its item) and good */
    ck_assert_int_eq(r.routes.ops->nelts, 4);
    ck_assert_int_eq(r.mem.claimed->nelts, 1);
    ck_assert_ptr_nonnull(strstr(APR_ARRAY_IDX(r.mem.claimed, 0,
                                               const char *),
                                 "Invalid email"));
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_skipped, 0);
}
END_TEST

/* Only the domain's display name changed: OX holds none of it, so it is
 * recorded (for the events that name the domain by it) without a call. */
START_TEST(a_new_display_name_alone_is_recorded_without_a_call)
{
    static const dom_spec_t doms[] = {
        { .id = 12, .in_ox = 1, .users = { "a" }, .applied = 1,
          .old_display = "D12.test" }, { 0 }
    };
    static const long long ids[] = { 12, 0 };
    static const route_t routes[] = { { 0 } };
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 0);
    ck_assert_int_eq(recs_of(&r, 0), 1);
    ck_assert_int_eq(rec(&r, 0)->op, OXT_OP_CONTEXT_RECORD);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_APPLIED);
    ck_assert_int_eq(rec(&r, 0)->ox_id, CTX_BASE + 12);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_ok, 0);
}
END_TEST

/* ---- finding 7: durable before the context's next call ------------------- */

START_TEST(every_outcome_is_durable_before_its_context_sends_again)
{
    static const dom_spec_t doms[] = {
        { .id = 6, .in_ox = 1, .users = { "a", "b", "c" } },
        { .id = 7, .users = { "a", "b" } },
        { .id = 8, .in_ox = 1, .users = { "x" }, .applied = 1,
          .renamed_from = "w", .gone_user = 89 }, { 0 }
    };
    static const long long ids[] = { 6, 7, 8, 0 };
    run_t r;
    int i;

    engine_make(&r, doms, NULL);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 3 + 3 + 2);
    /* every request found its context's records and intents committed */
    ck_assert_int_eq(r.routes.uncommitted, 0);
    /* every write had its intent, each before its outcome */
    ck_assert_int_eq(recs_of(&r, 1), 8);
    for (i = 0; i < 8; i++) {
        const rec_t *in = rec_of(&r, i, 1);

        ck_assert(in->op == OXT_OP_CONTEXT_CREATE
                  || in->op == OXT_OP_USER_CREATE
                  || in->op == OXT_OP_USER_CHANGE
                  || in->op == OXT_OP_USER_DELETE);
    }
    ck_assert_int_ge(r.mem.commits, 4);     /* d6's three creates, then
                                               the last outcomes */
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_ok, 8);
}
END_TEST

/* ---- finding 1: the context admin is untouchable ------------------------- */

static const route_t exists_as_admin[] = {
    { .op = "createByModuleAccessName",
      .fault = "User boss already exists in this context" },
    { .op = "getData", .reply = "<id>2</id><name>boss</name>"
      "<contextadmin>true</contextadmin>" },
    { 0 }
};

static const route_t exists_unflagged[] = {
    { .op = "createByModuleAccessName",
      .fault = "User boss already exists in this context",
      .type = "InvalidDataException" },
    { .op = "getData", .reply = "<id>2</id><name>boss</name>" },
    { 0 }
};

/* _i 0: OX says contextadmin; _i 1: it does not, the admin's id tells. */
START_TEST(a_user_that_is_the_context_admin_is_never_adopted)
{
    static const dom_spec_t doms[] = {
        { .id = 20, .in_ox = 1, .users = { "boss" }, .admin_unknown = 1 },
        { 0 }
    };
    static const long long ids[] = { 20, 0 };
    const oxt_engine_stats_t *st;
    run_t r;

    engine_make(&r, doms, _i ? exists_unflagged : exists_as_admin);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, _i ? 3 : 2);
    ck_assert_str_eq(sent_op(&r, 0), "createByModuleAccessName");
    ck_assert_str_eq(sent_op(&r, 1), "getData");
    if (_i) {
        ck_assert_str_eq(sent_op(&r, 2), "getAdminId");
        ck_assert_int_eq(r.mem.admin_learned, ADMIN_ID);
    }
    /* no change, no adoption: the mailbox is not replicable */
    ck_assert_int_eq(recs_of(&r, 0), 1);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_REFUSED);
    ck_assert_ptr_nonnull(strstr(rec(&r, 0)->error, "admin"));
    ck_assert(!logrow(&r, 0)->success);
    ck_assert_ptr_nonnull(strstr(logrow(&r, 0)->reason, "'boss'"));
    ck_assert_int_eq(r.mem.settled->nelts, 1);
    st = oxt_engine_stats(r.eng);
    ck_assert_int_eq(st->counts.op_failed[OXT_RUN_OP_USER_CREATE], 1);
}
END_TEST

/* A user OX does not flag, with another id than the admin's, is ours. */
START_TEST(a_user_that_is_not_the_admin_is_adopted_after_asking)
{
    static const dom_spec_t doms[] = {
        { .id = 21, .in_ox = 1, .users = { "boss" }, .admin_unknown = 1 },
        { 0 }
    };
    static const long long ids[] = { 21, 0 };
    static const route_t routes[] = {
        { .op = "createByModuleAccessName",
          .fault = "User boss already exists in this context" },
        { .op = "getData", .reply = "<id>33</id><name>boss</name>" },
        { 0 }
    };
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 5);
    ck_assert_str_eq(sent_op(&r, 2), "getAdminId");
    ck_assert_str_eq(sent_op(&r, 3), "change");
    ck_assert(sent_has(&r, 3, "<obj:id>33</obj:id>"));
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_ADOPTED);
    ck_assert_int_eq(rec(&r, 0)->ox_id, 33);
}
END_TEST

/* Contexts of earlier versions have an admin named "oxadmin": a mailbox
 * of that name (or with that address) is not replicable, and nothing is
 * sent for it. Ours ("oxadmin$") cannot clash with a Plesk mailbox. */
START_TEST(a_mailbox_named_like_the_admin_is_not_replicable)
{
    static const dom_spec_t doms[] = {
        { .id = 22, .in_ox = 1, .users = { "OXadmin", "ann" },
          .admin_login = "oxadmin" }, { 0 }
    };
    static const long long ids[] = { 22, 0 };
    oxt_work_t *w = work_of(&doms[0], oxt_test_pool);
    const oxt_op_t *op;
    run_t r;

    ck_assert_int_eq(w->ops->nelts, 2);
    op = &APR_ARRAY_IDX(w->ops, 0, oxt_op_t);
    ck_assert_int_eq(op->kind, OXT_OP_USER_STATUS);
    ck_assert_str_eq(op->user->want->reason, OXT_WHY_ADMIN_NAME);
    ck_assert_str_eq(oxt_plan_status(op->user->want->reason),
                     "unreplicable");
    engine_make(&r, doms, NULL);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 1);
    ck_assert(sent_has(&r, 0, "ann@d22.test"));
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_STATUS);
}
END_TEST

/* _i 0: the admin's id is known; 1: it is asked first. */
START_TEST(the_context_admin_is_never_deleted)
{
    dom_spec_t doms[] = {
        { .id = 23, .in_ox = 1, .users = { "stay" }, .applied = 1,
          .gone_user = 239, .gone_ox_id = ADMIN_ID }, { 0 }
    };
    static const long long ids[] = { 23, 0 };
    run_t r;

    doms[0].admin_unknown = _i;
    engine_make(&r, doms, NULL);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, _i);
    if (_i) {
        ck_assert_str_eq(sent_op(&r, 0), "getAdminId");
    }
    ck_assert_int_eq(rec(&r, 0)->op, OXT_OP_USER_DELETE);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_APPLIED);
    ck_assert_str_eq(logrow(&r, 0)->operation, OXT_LOG_OP_DELETE);
    ck_assert(logrow(&r, 0)->success);
    ck_assert_ptr_nonnull(strstr(logrow(&r, 0)->reason, "context admin"));
}
END_TEST

/* Should a delete reach the admin anyway, OX's refusal (text only) is
 * taken as done in our state. */
START_TEST(admin_delete_not_supported_is_taken_as_done)
{
    static const dom_spec_t doms[] = {
        { .id = 24, .in_ox = 1, .users = { "stay" }, .applied = 1,
          .gone_user = 249 }, { 0 }
    };
    static const long long ids[] = { 24, 0 };
    static const route_t routes[] = {
        { .op = "delete", .fault = "Admin delete not supported" },
        { 0 }
    };
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 1);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_APPLIED);
    ck_assert(logrow(&r, 0)->success);
    ck_assert_int_eq(r.mem.settled->nelts, 0);
}
END_TEST

/* A mailbox recorded as the admin (an earlier version adopted it) is
 * never changed: its ids are forgotten, it is created anew later. */
START_TEST(a_mailbox_recorded_as_the_admin_is_not_changed)
{
    static const dom_spec_t doms[] = {
        { .id = 25, .in_ox = 1, .users = { "new" }, .applied = 1,
          .renamed_from = "old" }, { 0 }
    };
    static const long long ids[] = { 25, 0 };
    oxt_work_t *w;
    run_t r;

    engine_make(&r, doms, NULL);
    /* the same work, its user recorded with the admin's id */
    w = work_of(&doms[0], oxt_test_pool);
    ((oxt_applied_user_t *)APR_ARRAY_IDX(w->users, 0,
                                         oxt_plan_user_t).have)->ox_user_id =
        ADMIN_ID;
    r.mem.fixed = w;
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 0);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_GONE);
    ck_assert_int_eq(rec(&r, 1)->kind, OXT_REC_FAILED);
    ck_assert_int_eq(r.mem.settled->nelts, 1);
}
END_TEST

/* ---- finding 4: the admin's address follows a domain rename -------------- */

START_TEST(a_renamed_domain_moves_its_admin_address)
{
    static const dom_spec_t doms[] = {
        { .id = 26, .in_ox = 1, .users = { "ann" }, .applied = 1,
          .old_name = "old26.test" }, { 0 }
    };
    static const long long ids[] = { 26, 0 };
    run_t r;

    engine_make(&r, doms, NULL);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 2);
    ck_assert_int_eq(rec(&r, 0)->op, OXT_OP_CONTEXT_CHANGE);
    ck_assert_int_eq(rec(&r, 1)->op, OXT_OP_ADMIN_CHANGE);
    ck_assert_str_eq(sent_op(&r, 1), "change");
    ck_assert(sent_has(&r, 1, "<obj:id>2</obj:id>"));
    ck_assert(sent_has(&r, 1, "<obj:primaryEmail>oxadmin$@d26.test"
                       "</obj:primaryEmail>"));
    ck_assert(sent_has(&r, 1, "<obj:email1>oxadmin$@d26.test"));
    ck_assert(sent_has(&r, 1, "<obj:defaultSenderAddress>oxadmin$@d26"));
    ck_assert(sent_has(&r, 1, "<obj:aliases>oxadmin$@d26.test"));
    ck_assert(!sent_has(&r, 1, "old26"));
    ck_assert(!sent_has(&r, 1, "<obj:password>"));
    ck_assert_int_eq(oxt_engine_stats(r.eng)->counts.op_ok[
                         OXT_RUN_OP_ADMIN_CHANGE], 1);
}
END_TEST

/* ---- finding 8: PRIMARY_MAIL_UNCHANGEABLE -------------------------------- */

/* Both refusals, by their texts alone: the name and then the primary
 * address; the rest is applied, the old primary address stays (among
 * the aliases), and the log says so. */
START_TEST(a_refused_primary_address_is_kept_and_the_rest_applied)
{
    static const dom_spec_t doms[] = {
        { .id = 27, .in_ox = 1, .users = { "newname" }, .applied = 1,
          .renamed_from = "oldname" }, { 0 }
    };
    static const long long ids[] = { 27, 0 };
    static const route_t routes[] = {
        { .op = "change", .when = "<obj:name>newname</obj:name>",
          .fault = "Changing username is disabled!" },
        { .op = "change", .when = "<obj:primaryEmail>",
          .fault = "primary mail must not be changed; exceptionId 5-6" },
        { .op = "getData", .reply = "<id>1271</id><name>oldname</name>"
          "<primaryEmail>oldname@d27.test</primaryEmail>" },
        { 0 }
    };
    const char *last;
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(r.routes.ops->nelts, 4);
    ck_assert_str_eq(sent_op(&r, 2), "getData");
    last = sent_body(&r, 3);
    ck_assert_ptr_null(strstr(last, "<obj:name>"));
    ck_assert_ptr_null(strstr(last, "<obj:primaryEmail>"));
    ck_assert_ptr_null(strstr(last, "<obj:email1>"));
    ck_assert_ptr_nonnull(strstr(last, "<obj:aliases>oldname@d27.test"));
    ck_assert_ptr_nonnull(strstr(last, "<obj:aliases>newname@d27.test"));
    ck_assert_ptr_nonnull(strstr(last, "<obj:imapLogin>newname@d27.test"));
    ck_assert_int_eq(recs_of(&r, 0), 1);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_APPLIED);
    ck_assert_str_eq(rec(&r, 0)->ox_primary, "oldname@d27.test");
    ck_assert(logrow(&r, 0)->success);
    ck_assert_ptr_nonnull(strstr(logrow(&r, 0)->reason, "'oldname'"));
    ck_assert_ptr_nonnull(strstr(logrow(&r, 0)->reason,
                                 "keeps 'oldname@d27.test' as its primary"));
    ck_assert_int_eq(oxt_engine_stats(r.eng)->ops_failed, 0);
}
END_TEST

/* ---- finding 5: every operation counted, per kind ------------------------ */

START_TEST(a_failed_context_create_is_counted_as_such)
{
    static const dom_spec_t doms[] = {
        { .id = 28, .users = { "a", "b" } }, { 0 }
    };
    static const long long ids[] = { 28, 0 };
    static const route_t routes[] = {
        { .op = "createModuleAccessByName",
          .fault = "Cannot map 'd28.test' to the newly created context."
                   " This mapping is already in use." },
        { 0 }
    };
    const oxt_engine_stats_t *st;
    long long ok, failed;
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    st = oxt_engine_stats(r.eng);
    ck_assert_int_eq(st->counts.op_failed[OXT_RUN_OP_CONTEXT_CREATE], 1);
    oxt_run_counts_total(&st->counts, &ok, &failed);
    ck_assert_int_eq(ok, 0);
    ck_assert_int_eq(failed, 1);
    /* the mailboxes were never tried: no mailbox operation failed */
    oxt_run_counts_sum(&st->counts, &ok, &failed);
    ck_assert_int_eq(failed, 0);
    ck_assert_int_eq(rec(&r, 1)->kind, OXT_REC_NO_CONTEXT);
    ck_assert_str_eq(oxt_run_op_name(OXT_RUN_OP_CONTEXT_CREATE),
                     "context_create");
    ck_assert_ptr_null(oxt_run_op_name(OXT_RUN_OP_COUNT));
}
END_TEST

START_TEST(a_user_gone_from_ox_is_forgotten)
{
    static const dom_spec_t doms[] = {
        { .id = 29, .in_ox = 1, .users = { "new" }, .applied = 1,
          .renamed_from = "old" }, { 0 }
    };
    static const long long ids[] = { 29, 0 };
    static const route_t routes[] = {
        { .op = "change", .fault = "No such user(s) 1291 in context 129" },
        { 0 }
    };
    run_t r;

    engine_make(&r, doms, routes);
    run_domains(&r, ids);
    ck_assert_int_eq(rec(&r, 0)->kind, OXT_REC_GONE);
    ck_assert_int_eq(rec(&r, 1)->kind, OXT_REC_FAILED);
    ck_assert_int_eq(r.mem.settled->nelts, 1);
}
END_TEST

static apr_status_t count_page(void *baton, oxt_result_t *res)
{
    (*(int *)baton)++;
    return APR_SUCCESS;
}

/* How many times dom_id was loaded. */
static int loads_of(const run_t *r, long long dom_id)
{
    int i, n = 0;

    for (i = 0; i < r->mem.loaded->nelts; i++) {
        n += APR_ARRAY_IDX(r->mem.loaded, i, long long) == dom_id;
    }
    return n;
}

START_TEST(many_hinted_domains_are_loaded_a_range_at_a_time)
{
    static const dom_spec_t doms[] = {
        { .id = 1, .in_ox = 1, .users = { "a" } },
        { .id = 2, .in_ox = 1, .users = { "a" }, .applied = 1 },
        { .id = 3, .in_ox = 1, .users = { "a" } },
        { .id = 4, .in_ox = 1, .users = { "a" } },
        { .id = 5, .in_ox = 1, .users = { "a" }, .applied = 1 },
        { .id = 6, .in_ox = 1, .users = { "a" } },
        { .id = 7, .in_ox = 1, .users = { "a" } },
        { .id = 8, .in_ox = 1, .users = { "a" } },
        { .id = 9, .in_ox = 1, .users = { "a" } },
        { .id = 10, .in_ox = 1, .users = { "a" } },
        { .id = 11, .in_ox = 1, .users = { "a" } },
        { .id = 12, .in_ox = 1, .users = { "a" } }, { 0 }
    };
    /* hinted: all but 2 and 5, which the list does not name */
    static const long long hinted[] = { 1, 3, 4, 6, 7, 8, 9, 10, 11, 12 };
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_array_header_t *ids = apr_array_make(oxt_test_pool, 10,
                                             sizeof(long long));
    size_t i;
    run_t r;

    for (i = 0; i < sizeof(hinted) / sizeof(hinted[0]); i++) {
        APR_ARRAY_PUSH(ids, long long) = hinted[i];
    }
    engine_make(&r, doms, NULL);
    ck_assert_int_eq(oxt_engine_domains(r.eng, ids,
                                        apr_hash_make(oxt_test_pool), NULL,
                                        res), APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_drain(r.eng, res), APR_SUCCESS);
    /* one list of the ten held all ten; each started once, and 2 and
     * 5, not hinted, neither listed nor started */
    ck_assert_int_eq(r.mem.ranges, 1);
    ck_assert_int_eq(r.mem.listed->nelts, 10);
    for (i = 0; i < sizeof(hinted) / sizeof(hinted[0]); i++) {
        ck_assert_int_eq(APR_ARRAY_IDX(r.mem.listed, i, long long),
                         hinted[i]);
    }
    ck_assert_int_eq(r.mem.loaded->nelts, 10);
    for (i = 0; i < sizeof(hinted) / sizeof(hinted[0]); i++) {
        ck_assert_int_eq(loads_of(&r, hinted[i]), 1);
    }
    ck_assert_int_eq(loads_of(&r, 2), 0);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->domains, 10);
    ck_assert_int_eq(r.routes.ops->nelts, 10);   /* one change each */
    /* fewer than four: each on its own, no list */
    engine_make(&r, doms, NULL);
    ids->nelts = 3;
    ck_assert_int_eq(oxt_engine_domains(r.eng, ids,
                                        apr_hash_make(oxt_test_pool), NULL,
                                        res), APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_drain(r.eng, res), APR_SUCCESS);
    ck_assert_int_eq(r.mem.ranges, 0);
    ck_assert_int_eq(r.mem.loaded->nelts, 3);
}
END_TEST

START_TEST(a_domain_still_in_progress_is_waited_for_and_loaded_afresh)
{
    static const dom_spec_t doms[] = {
        { .id = 1, .in_ox = 1, .users = { "a", "b", "c" } },
        { .id = 2, .in_ox = 1, .users = { "a" } },
        { .id = 3, .in_ox = 1, .users = { "a" } },
        { .id = 4, .in_ox = 1, .users = { "a" } },
        { .id = 5, .in_ox = 1, .users = { "a" } },
        { .id = 6, .in_ox = 1, .users = { "a" } },
        { .id = 7, .in_ox = 1, .users = { "a" } },
        { .id = 8, .in_ox = 1, .users = { "a" } },
        { .id = 9, .in_ox = 1, .users = { "a" } }, { 0 }
    };
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_array_header_t *ids = apr_array_make(oxt_test_pool, 9,
                                             sizeof(long long));
    long long id;
    int i, second = -1;
    run_t r;

    for (id = 1; id <= 9; id++) {
        APR_ARRAY_PUSH(ids, long long) = id;
    }
    engine_make(&r, doms, NULL);
    r.mem.eng = r.eng;
    /* the last batch left domain 1 running (three calls, one at a time) */
    ck_assert_int_eq(oxt_engine_domain(r.eng, 1, NULL, NULL, res),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_run_for(r.eng, 0, res), APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_active(r.eng), 1);
    ck_assert_int_eq(oxt_engine_domains(r.eng, ids,
                                        apr_hash_make(oxt_test_pool), NULL,
                                        res), APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_drain(r.eng, res), APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_active(r.eng), 0);
    /* 1 twice: its second load came only after its first task finished
     * (one context, one writer; a plan made from what was recorded) */
    ck_assert_int_eq(loads_of(&r, 1), 2);
    for (i = 1; i < r.mem.loaded->nelts; i++) {
        if (APR_ARRAY_IDX(r.mem.loaded, i, long long) == 1) {
            second = i;
        }
    }
    ck_assert_int_gt(second, 0);
    ck_assert_int_ge(APR_ARRAY_IDX(r.mem.finished_at_load, second, int), 1);
    /* the other eight came in one range, once each */
    ck_assert_int_eq(r.mem.ranges, 1);
    for (id = 2; id <= 9; id++) {
        ck_assert_int_eq(loads_of(&r, id), 1);
    }
    ck_assert_int_eq(oxt_engine_stats(r.eng)->domains, 10);
}
END_TEST

START_TEST(a_domain_keeps_its_hints_when_the_batch_that_claimed_them_goes)
{
    static const dom_spec_t doms[] = {
        { .id = 1, .in_ox = 1, .users = { "a" } }, { 0 }
    };
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_pool_t *bp;
    apr_array_header_t *items;
    oxt_queue_item_t *item;
    char *owner;
    run_t r;

    /* the queue batch's pool: its items and lease owner */
    apr_pool_create(&bp, oxt_test_pool);
    items = apr_array_make(bp, 1, sizeof(oxt_queue_item_t *));
    item = apr_pcalloc(bp, sizeof(*item));
    item->id = 7;
    item->type = OXT_OBJ_MAILBOX;
    item->object_id = 11;
    item->enqueued_at = apr_pstrdup(bp, "2026-01-01 00:00:00.000");
    APR_ARRAY_PUSH(items, oxt_queue_item_t *) = item;
    owner = apr_pstrdup(bp, "daemon-1");
    engine_make(&r, doms, NULL);
    ck_assert_int_eq(oxt_engine_domain(r.eng, 1, items, owner, res),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_active(r.eng), 1);
    /* the batch returns with its domain still running, and its pool goes
     * (its memory reused: what was there is gone) */
    memset(item, 0, sizeof(*item));
    items->nelts = 0;
    memset(owner, 'x', strlen(owner));
    apr_pool_destroy(bp);
    ck_assert_int_eq(oxt_engine_drain(r.eng, res), APR_SUCCESS);
    ck_assert_int_eq(r.mem.claimed->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(r.mem.claimed, 0, const char *), "done");
    ck_assert_int_eq(r.mem.claimed_id, 7);
    ck_assert_str_eq(r.mem.claimed_owner, "daemon-1");
}
END_TEST

START_TEST(a_range_read_while_a_domain_ran_is_not_its_plan_once_it_finished)
{
    static const dom_spec_t doms[] = {
        { .id = 1, .in_ox = 1, .users = { "a" } },
        { .id = 2, .in_ox = 1, .users = { "a" } },
        { .id = 3, .in_ox = 1, .users = { "a" } },
        { .id = 4, .in_ox = 1, .users = { "a" } },
        { .id = 5, .in_ox = 1, .users = { "a", "b" } },
        { .id = 6, .in_ox = 1, .users = { "a" } },
        { .id = 7, .in_ox = 1, .users = { "a" } },
        { .id = 8, .in_ox = 1, .users = { "a" } },
        { .id = 9, .in_ox = 1, .users = { "a" } }, { 0 }
    };
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_array_header_t *ids = apr_array_make(oxt_test_pool, 9,
                                             sizeof(long long));
    long long id;
    int i, finished_before = 0;
    run_t r;

    for (id = 1; id <= 9; id++) {
        APR_ARRAY_PUSH(ids, long long) = id;
    }
    /* a window of two: starting 1 to 4 runs turns, in which 5, running
     * when the range was read, finishes before its own start */
    engine_make_window(&r, doms, 2);
    r.mem.eng = r.eng;
    ck_assert_int_eq(oxt_engine_domain(r.eng, 5, NULL, NULL, res),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_domains(r.eng, ids,
                                        apr_hash_make(oxt_test_pool), NULL,
                                        res), APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_drain(r.eng, res), APR_SUCCESS);
    ck_assert_int_eq(r.mem.ranges, 1);
    ck_assert_int_eq(loads_of(&r, 5), 2);
    /* the premise: 5's first task had finished when 5 was loaded again */
    for (i = 1; i < r.mem.loaded->nelts; i++) {
        if (APR_ARRAY_IDX(r.mem.loaded, i, long long) == 5) {
            finished_before = APR_ARRAY_IDX(r.mem.finished_at_load, i, int);
        }
    }
    ck_assert_int_ge(finished_before, 1);
    /* and its plan came from its own load, not from the range */
    for (i = 0; i < r.mem.from_page->nelts; i++) {
        ck_assert_int_ne(APR_ARRAY_IDX(r.mem.from_page, i, long long), 5);
    }
    ck_assert_int_eq(r.mem.from_page->nelts, 8);
    /* nor did the list name it: what it read of 5 would have been stale */
    for (i = 0; i < r.mem.listed->nelts; i++) {
        ck_assert_int_ne(APR_ARRAY_IDX(r.mem.listed, i, long long), 5);
    }
}
END_TEST

START_TEST(a_full_pass_walks_every_domain_a_page_at_a_time)
{
    static const dom_spec_t doms[] = {
        { .id = 1, .in_ox = 1, .users = { "a" }, .applied = 1 },
        { .id = 2, .in_ox = 1, .users = { "a" }, .applied = 1 },
        { .id = 9, .in_ox = 1, .gone_user = 91 }, { 0 }
    };
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_engine_opts_t opts;
    int pages = 0;
    run_t r;

    engine_make(&r, doms, NULL);
    memset(&opts, 0, sizeof(opts));
    opts.on_page = count_page;
    opts.page_baton = &pages;
    ck_assert_int_eq(oxt_engine_create(&r.eng, mem_store(&r.mem, doms), NULL,
                                       NULL, &env, key, &opts,
                                       oxt_test_pool), APR_EINVAL);
    opts.dry_run = 1;
    ck_assert_int_eq(oxt_engine_create(&r.eng, mem_store(&r.mem, doms), NULL,
                                       NULL, &env, key, &opts,
                                       oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_all(r.eng, res), APR_SUCCESS);
    ck_assert_int_eq(r.mem.loaded->nelts, 3);
    ck_assert_int_eq(APR_ARRAY_IDX(r.mem.loaded, 0, long long), 1);
    ck_assert_int_eq(APR_ARRAY_IDX(r.mem.loaded, 2, long long), 9);
    ck_assert_int_eq(r.mem.pages, 2);
    ck_assert_int_eq(pages, 2);
    ck_assert_int_eq(oxt_engine_stats(r.eng)->domains, 3);
    ck_assert_int_eq(r.routes.ops->nelts, 0); /* a dry run sends nothing */
    ck_assert_int_eq(recs_of(&r, 0), 0);
}
END_TEST

/* The daemon's on_page: a hint for domain 3 worked after the first page
 * (its page, the second, may be read ahead by then). */
static apr_status_t hint_page(void *baton, oxt_result_t *res)
{
    run_t *r = baton;

    if (r->mem.pages == 1) {
        return oxt_engine_domain(r->eng, 3, NULL, NULL, res) == APR_SUCCESS
               ? oxt_engine_drain(r->eng, res) : APR_EGENERAL;
    }
    return APR_SUCCESS;
}

START_TEST(a_domain_a_hint_started_during_a_pass_is_loaded_afresh_by_it)
{
    static const dom_spec_t doms[] = {
        { .id = 1, .in_ox = 1, .users = { "a" }, .applied = 1 },
        { .id = 2, .in_ox = 1, .users = { "a" }, .applied = 1 },
        { .id = 3, .in_ox = 1, .users = { "a" }, .applied = 1 },
        { .id = 4, .in_ox = 1, .users = { "a" }, .applied = 1 }, { 0 }
    };
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_engine_opts_t opts;
    run_t r;
    int i;

    engine_make(&r, doms, NULL);
    memset(&opts, 0, sizeof(opts));
    opts.dry_run = 1;
    opts.on_page = hint_page;
    opts.page_baton = &r;
    ck_assert_int_eq(oxt_engine_create(&r.eng, mem_store(&r.mem, doms), NULL,
                                       NULL, &env, key, &opts,
                                       oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_all(r.eng, res), APR_SUCCESS);
    /* 3 twice (the hint's, the pass's), each time loaded on its own:
     * never from the page read before the hint's outcomes */
    ck_assert_int_eq(loads_of(&r, 3), 2);
    for (i = 0; i < r.mem.from_page->nelts; i++) {
        ck_assert_int_ne(APR_ARRAY_IDX(r.mem.from_page, i, long long), 3);
    }
    ck_assert_int_eq(r.mem.from_page->nelts, 3);   /* 1, 2 and 4 */
    /* a later hint, outside any pass, changes nothing of the next pass */
    ck_assert_int_eq(oxt_engine_domain(r.eng, 4, NULL, NULL, res),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_engine_drain(r.eng, res), APR_SUCCESS);
    r.mem.pages = 5;
    r.mem.from_page->nelts = 0;
    ck_assert_int_eq(oxt_engine_all(r.eng, res), APR_SUCCESS);
    ck_assert_int_eq(r.mem.from_page->nelts, 4);
}
END_TEST

TCase *oxt_engine_test_case(void)
{
    TCase *tc = oxt_unit_tcase("engine");

    tcase_add_checked_fixture(tc, run_setup, NULL);
    tcase_add_test(tc, a_new_domain_gets_its_context_then_its_users);
    tcase_add_test(tc, a_user_that_exists_is_adopted_and_sent_everything);
    tcase_add_test(tc, a_context_that_exists_is_adopted_and_sent_what_it_lacks);
    tcase_add_test(tc,
        an_adopted_context_that_holds_what_it_should_is_not_changed);
    tcase_add_test(tc, deleting_a_user_that_is_gone_already_succeeds);
    tcase_add_loop_test(tc, a_refused_user_rename_is_applied_without_the_name,
                        0, 2);
    tcase_add_test(tc, one_context_at_a_time_and_contexts_in_parallel);
    tcase_add_test(tc,
        a_failed_user_is_queued_and_left_alone_for_the_rest_of_the_run);
    tcase_add_test(tc,
        a_claimed_item_is_tried_even_if_it_failed_earlier_in_the_run);
    tcase_add_test(tc, a_new_display_name_alone_is_recorded_without_a_call);
    tcase_add_test(tc, a_full_pass_walks_every_domain_a_page_at_a_time);
    tcase_add_test(tc,
        a_domain_a_hint_started_during_a_pass_is_loaded_afresh_by_it);
    tcase_add_test(tc, every_outcome_is_durable_before_its_context_sends_again);
    tcase_add_loop_test(tc, a_user_that_is_the_context_admin_is_never_adopted,
                        0, 2);
    tcase_add_test(tc, a_user_that_is_not_the_admin_is_adopted_after_asking);
    tcase_add_test(tc, a_mailbox_named_like_the_admin_is_not_replicable);
    tcase_add_loop_test(tc, the_context_admin_is_never_deleted, 0, 2);
    tcase_add_test(tc, admin_delete_not_supported_is_taken_as_done);
    tcase_add_test(tc, a_mailbox_recorded_as_the_admin_is_not_changed);
    tcase_add_test(tc, a_renamed_domain_moves_its_admin_address);
    tcase_add_test(tc, a_refused_primary_address_is_kept_and_the_rest_applied);
    tcase_add_test(tc, a_failed_context_create_is_counted_as_such);
    tcase_add_test(tc, a_user_gone_from_ox_is_forgotten);
    tcase_add_test(tc, many_hinted_domains_are_loaded_a_range_at_a_time);
    tcase_add_test(tc,
        a_range_read_while_a_domain_ran_is_not_its_plan_once_it_finished);
    tcase_add_test(tc,
        a_domain_keeps_its_hints_when_the_batch_that_claimed_them_goes);
    tcase_add_test(tc,
        a_domain_still_in_progress_is_waited_for_and_loaded_afresh);
    tcase_add_test(tc, a_mailbox_is_counted_once_failed_if_one_operation_failed);
    return tc;
}
