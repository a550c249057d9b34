/*
 * oxt_repl_cmd_plan.c — "oxtender-replicator plan [DOMAIN ...]": the dry
 * run. Prints the OX operations a run would send now, as text or JSON;
 * sends nothing and writes nothing. Without names it plans every domain
 * as a full pass does (pages of many domains); with names, those domains,
 * each loaded by itself as the work of a hint is; with --together and
 * names, those domains in id order, loaded together by their ids as the
 * daemon loads a batch of hints' domains (oxt_engine_domains).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_json.h"
#include "oxt_plesk.h"
#include "oxt_state.h"

typedef struct {
    oxt_repl_t *repl;
    oxt_json_t *json;              /* --json: the array being written */
    long long count;
    apr_pool_t *p;                 /* cleared for each operation */
} plan_print_t;

static const char *plan_target(const oxt_work_t *work, const oxt_op_t *op)
{
    const oxt_plan_user_t *u = op->user;

    if (u == NULL) {
        return work->dom_name ? work->dom_name : "";
    }
    if (u->mbox != NULL) {
        return u->mbox->address;
    }
    return u->have->address ? u->have->address : "";
}

static const char *plan_detail(const oxt_op_t *op, apr_pool_t *p)
{
    const oxt_plan_user_t *u = op->user;

    if (op->changes) {
        return oxt_plan_changes_text(op->changes, p);
    }
    if (u != NULL && u->want != NULL && op->kind == OXT_OP_USER_STATUS) {
        return u->want->reason;
    }
    if (u != NULL && u->want != NULL && (op->kind == OXT_OP_USER_CREATE
                                         || op->kind == OXT_OP_USER_ACCESS)) {
        return oxt_service_label(u->want->service);
    }
    return "";
}

static void plan_on_op(void *baton, const oxt_work_t *work,
                       const oxt_op_t *op, apr_status_t rv,
                       const char *detail)
{
    plan_print_t *pp = baton;
    const char *target = plan_target(work, op);
    const char *what;

    (void)rv;
    (void)detail;
    apr_pool_clear(pp->p);
    what = plan_detail(op, pp->p);
    if (pp->json != NULL) {
        oxt_json_object(pp->json);
        oxt_json_kstr(pp->json, "operation", oxt_op_name(op->kind));
        oxt_json_kint(pp->json, "domain_id", work->dom_id);
        oxt_json_kstr(pp->json, "target", target);
        oxt_json_kstr(pp->json, "detail", what);
        oxt_json_end(pp->json);
    }
    else {
        printf("%-20s %s%s%s%s\n", oxt_op_name(op->kind), target,
               *what ? " (" : "", what, *what ? ")" : "");
    }
    pp->count++;
}

/* The domain named name: psa's, else one we replicated that psa lost. */
static apr_status_t plan_domain_id(long long *pid, oxt_repl_session_t *s,
                                   const char *name, oxt_result_t *res)
{
    apr_status_t rv = oxt_plesk_domain_named(pid, s->psa, s->db, name, res,
                                             s->p);

    if (rv == APR_ENOENT) {
        rv = oxt_state_domain_named(pid, s->db, name, res, s->p);
    }
    if (rv == APR_ENOENT) {
        return oxt_result_set(res, rv, "No such domain", "%s", name);
    }
    return rv;
}

static int plan_id_cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return x < y ? -1 : x > y;
}

/* The named domains (argv[from ..]) as a batch of hints: ascending,
 * each once. */
static apr_status_t plan_together(oxt_repl_session_t *s, int argc,
                                  const char *const *argv, int from,
                                  oxt_result_t *res)
{
    apr_array_header_t *ids = apr_array_make(s->p, argc, sizeof(long long));
    long long *v;
    int i, n = 0;
    apr_status_t rv = APR_SUCCESS;

    for (i = from; rv == APR_SUCCESS && i < argc; i++) {
        rv = plan_domain_id(apr_array_push(ids), s, argv[i], res);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    v = (long long *)ids->elts;
    qsort(v, (size_t)ids->nelts, sizeof(long long), plan_id_cmp);
    for (i = 0; i < ids->nelts; i++) {
        if (n == 0 || v[n - 1] != v[i]) {
            v[n++] = v[i];
        }
    }
    ids->nelts = n;
    rv = oxt_engine_domains(s->engine, ids, apr_hash_make(s->p), NULL, res);
    return rv == APR_SUCCESS ? oxt_engine_drain(s->engine, res) : rv;
}

/* Every domain, or the named ones in the order given (or together). */
static apr_status_t plan_run(oxt_repl_session_t *s, int argc,
                             const char *const *argv, int together,
                             oxt_result_t *res)
{
    long long id;
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (argc <= 1 + together) {
        return oxt_engine_all(s->engine, res);
    }
    if (together) {
        return plan_together(s, argc, argv, 2, res);
    }
    for (i = 1; rv == APR_SUCCESS && i < argc; i++) {
        rv = plan_domain_id(&id, s, argv[i], res);
        if (rv == APR_SUCCESS) {
            rv = oxt_engine_domain(s->engine, id, NULL, NULL, res);
        }
    }
    return rv == APR_SUCCESS ? oxt_engine_drain(s->engine, res) : rv;
}

int oxt_repl_cmd_plan(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_engine_opts_t opts = { 0 };
    plan_print_t pp = { repl, NULL, 0, NULL };
    oxt_repl_session_t *s = NULL;
    apr_status_t rv, jrv = APR_SUCCESS;
    int i, together = argc > 1 && strcmp(argv[1], "--together") == 0;

    if (together && argc < 3) {
        oxt_repl_fail("plan --together takes domain names");
        return OXT_REPL_EXIT_USAGE;
    }
    for (i = 1 + together; i < argc; i++) {
        if (argv[i][0] == '-' || argv[i][0] == '\0') {
            oxt_repl_fail("plan takes domain names, not '%s'", argv[i]);
            return OXT_REPL_EXIT_USAGE;
        }
    }
    opts.dry_run = 1;
    opts.on_op = plan_on_op;
    opts.baton = &pp;
    opts.window = 1;
    apr_pool_create(&pp.p, repl->p);
    if (repl->json) {
        pp.json = oxt_repl_json(repl);
        oxt_json_array(pp.json);
    }
    rv = oxt_repl_session_open(&s, repl, 1, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_session_engine(s, &opts, res);
    }
    if (rv == APR_SUCCESS) {
        rv = plan_run(s, argc, argv, together, res);
    }
    if (pp.json != NULL) {
        oxt_json_end(pp.json);
        jrv = oxt_repl_json_done(repl, pp.json);
    }
    else if (rv == APR_SUCCESS && !repl->quiet) {
        printf("%lld operation%s planned\n", pp.count,
               pp.count == 1 ? "" : "s");
    }
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    return jrv == APR_SUCCESS ? OXT_REPL_EXIT_OK : OXT_REPL_EXIT_FAIL;
}
