/*
 * oxt_repl_cmd_plan.c — "oxtender-replicator plan": the dry run. Prints
 * the OX operations a run would send now, as text or JSON; sends nothing
 * and writes nothing.
 */
#include <stdio.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_json.h"

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

int oxt_repl_cmd_plan(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_engine_opts_t opts = { 0 };
    plan_print_t pp = { repl, NULL, 0, NULL };
    oxt_repl_session_t *s = NULL;
    apr_status_t rv, jrv = APR_SUCCESS;

    (void)argv;
    if (argc > 1) {
        oxt_repl_fail("plan takes no arguments");
        return OXT_REPL_EXIT_USAGE;
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
        rv = oxt_engine_all(s->engine, res);
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
