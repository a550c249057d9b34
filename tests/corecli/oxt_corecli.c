/*
 * oxt_corecli.c — oxt-corecli: the core functions of the Mailboxes,
 * Settings and Logs pages called from the command line, with their
 * answers as JSON, for the integration tests (tests/integration/
 * test_*_core.py) until the pages that call them exist. Built under
 * build/, never installed. It calls exactly what a page will call, on the
 * same configuration file, database and emulator.
 *
 *   oxt-corecli -c CONF COMMAND ARGS...
 *
 *   change-service LOGIN [--service S] [--replicated-language L]
 *       [--replicated-timezone Z] [--new-language L] [--new-timezone Z]
 *       [--allowed S,S] [--change ID]... [--tick ID=on|off]...
 *   logs LOGIN [--sort K] [--asc] [--offset N] [--limit N] [--q Q]
 *       [--reseller N] [--client N] [--domain N] [--mail N] [--after ID]
 *       [--before]
 *   logs-debug LOGIN ID      logs-clean LOGIN      logs-remove LOGIN ID...
 *   last-run [LOGIN]     parked LOGIN          retry LOGIN QUEUE-ID
 *   settings-form KEY=VALUE...         (the posted form; --by NAME)
 *   test-connection KEY=VALUE...       (entered values over the stored)
 *   prune DAYS MAX-ROWS BATCH BUDGET-MS
 *   prune-calls DAYS MAX-ROWS BATCH BUDGET-MS CALLS walk|kept  (the
 *       prune called as the daemon calls it, up to CALLS times in this
 *       process while it says there is more, the cap's boundary walked
 *       each call or remembered between them (oxt_replog_cap_t): each
 *       call's time and rows); CALLS "stdin": a call for each line
 *       read, a JSON line after each (the cap kept from one to the next)
 *   logs-pages                 (the Logs page index built again, now)
 *   daemon-running
 *   dir-sync [--defer] [--accounts] ID...  (the lists' directory of those
 *       domains, or accounts, as the daemon syncs what its hints worked;
 *       --defer: as a batch of a refresh, which then stops before its
 *       finish)
 *   dir-prefixes             (the wide searches chosen again)
 *   mbdir-sync ID...         (the Mailboxes directory of those domains,
 *       as the daemon syncs what its hints worked)
 *   mbdir-wide-points        (the Mailboxes page's wide searches'
 *       points made again from the page index as it is)
 *   mbdir-rdense             (the resellers' dense searches and their
 *       misses chosen again from the stored wide prefixes)
 *   mbdir-rmid               (the resellers' mid-density searches'
 *       segments counted again from the pairs and the page index)
 *   db-idle                  (the connection's idle hook, counted: after
 *       each statement and every 256 rows of a read on this thread, never
 *       for a statement of another thread, nothing once unset)
 *   metrics-tally AGE1 AGE2  (a tally with one operation, an answer of OX
 *       AGE1 ms ago and a failure AGE2 ms ago: flushed for its counts, the
 *       state read, then flushed whole and read again)
 *
 * Exit codes: 0 done, 1 refused or failed (the JSON says why), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <apr_thread_proc.h>

#include "oxt_beat.h"
#include "oxt_config.h"
#include "oxt_crypto.h"
#include "oxt_dir.h"
#include "oxt_dirpre.h"
#include "oxt_mbdir.h"
#include "oxt_metrics.h"
#include "oxt_db.h"
#include "oxt_event.h"
#include "oxt_json.h"
#include "oxt_oxlink.h"
#include "oxt_plesk.h"
#include "oxt_psa.h"
#include "oxt_queue.h"
#include "oxt_replog.h"
#include "oxt_service.h"
#include "oxt_settings.h"
#include "oxt_sink.h"
#include "oxt_soap.h"
#include "oxt_status.h"
#include "oxt_xmlview.h"

typedef struct {
    apr_pool_t *p;
    oxt_config_t *cfg;
    oxt_db_t *db;
    oxt_psa_t *psa;
    oxt_result_t *res;
    oxt_json_t *j;
} cli_t;

static int usage(void)
{
    fprintf(stderr, "usage: oxt-corecli -c CONF COMMAND ARGS...\n");
    return 2;
}

static long long num(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

/* The failure as JSON: {"error": "...", "status": "ENOENT"|...}. A call
 * that failed without saying why in c->res (oxt_psa_lookup of an unknown
 * login says nothing, as a login's check must not) is told by its status,
 * never as the empty result's "OK". */
static int fail(cli_t *c, apr_status_t rv)
{
    oxt_json_object(c->j);
    oxt_json_kstr(c->j, "error", c->res->status != APR_SUCCESS
                                 ? oxt_result_text(c->res, c->p)
                                 : oxt_status_str(rv, c->p));
    oxt_json_kstr(c->j, "status", rv == APR_ENOENT ? "ENOENT"
                  : rv == APR_EINVAL ? "EINVAL"
                  : rv == OXT_EAUTH ? "EAUTH" : "other");
    oxt_json_end(c->j);
    return 1;
}

static void errors_json(cli_t *c, const apr_array_header_t *errors)
{
    int i;

    oxt_json_karray(c->j, "errors");
    for (i = 0; errors != NULL && i < errors->nelts; i++) {
        oxt_json_object(c->j);
        oxt_json_kstr(c->j, "key",
                      APR_ARRAY_IDX(errors, i, oxt_settings_error_t).key);
        oxt_json_kstr(c->j, "message",
                      APR_ARRAY_IDX(errors, i,
                                    oxt_settings_error_t).message);
        oxt_json_end(c->j);
    }
    oxt_json_end(c->j);
}

/* The identity of a panel login; one we do not know is said so (the
 * lookup itself leaves res empty for it). */
static apr_status_t who(oxt_identity_t **pid, cli_t *c, const char *login)
{
    apr_status_t rv = oxt_psa_lookup(pid, c->psa, c->db, login, c->res,
                                     c->p);

    if (rv != APR_SUCCESS && c->res->status == APR_SUCCESS) {
        oxt_result_set(c->res, rv, "No such login",
                       "no panel account of ours is %s", login);
    }
    return rv;
}

static void strings_json(cli_t *c, const char *key,
                         const apr_array_header_t *a)
{
    int i;

    oxt_json_karray(c->j, key);
    for (i = 0; i < a->nelts; i++) {
        oxt_json_string(c->j, APR_ARRAY_IDX(a, i, const char *));
    }
    oxt_json_end(c->j);
}

/* ---- change-service ---------------------------------------------------- */

static unsigned allowed_bits(const char *list)
{
    unsigned bits = 0;
    oxt_service_t s;
    char *copy, *tok, *last;

    if (list == NULL) {
        return OXT_SERVICE_ALL_BITS;
    }
    copy = strdup(list);
    for (tok = apr_strtok(copy, ",", &last); tok;
         tok = apr_strtok(NULL, ",", &last)) {
        if (oxt_service_parse(&s, tok) == APR_SUCCESS) {
            bits |= OXT_SERVICE_BIT(s);
        }
    }
    free(copy);
    return bits;
}

static void change_option(oxt_service_change_t *req, const char **pallowed,
                          const char *opt, const char *v)
{
    oxt_service_t s;

    if (strcmp(opt, "--service") == 0) {
        req->service = oxt_service_parse(&s, v) == APR_SUCCESS ? (int)s
                       : strcmp(v, "bogus") == 0 ? OXT_SERVICE_COUNT : -1;
    }
    else if (strcmp(opt, "--replicated-language") == 0) {
        oxt_service_choice_parse(&req->replicated.language, v);
    }
    else if (strcmp(opt, "--replicated-timezone") == 0) {
        oxt_service_choice_parse(&req->replicated.timezone, v);
    }
    else if (strcmp(opt, "--new-language") == 0) {
        oxt_service_choice_parse(&req->fresh.language, v);
    }
    else if (strcmp(opt, "--new-timezone") == 0) {
        oxt_service_choice_parse(&req->fresh.timezone, v);
    }
    else if (strcmp(opt, "--allowed") == 0) {
        *pallowed = v;
    }
    else if (strcmp(opt, "--change") == 0) {
        oxt_service_change_add(req, num(v), -1, 1);
    }
    else if (strcmp(opt, "--tick") == 0) {
        oxt_service_change_add(req, num(v),
                               strstr(v, "=on") != NULL ? 1 : 0, 0);
    }
}

static int cmd_change(cli_t *c, int argc, const char *const *argv)
{
    oxt_service_change_t req;
    oxt_service_result_t *r;
    oxt_settings_t *st;
    oxt_identity_t *id;
    apr_array_header_t *errors = NULL;
    const char *allowed = NULL;
    int i;
    apr_status_t rv;

    if (argc < 2) {
        return usage();
    }
    oxt_service_change_init(&req, c->p);
    for (i = 2; i + 1 < argc; i += 2) {
        change_option(&req, &allowed, argv[i], argv[i + 1]);
    }
    rv = who(&id, c, argv[1]);
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&st, c->db, NULL, c->res, c->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_service_change_record(&r, &errors, c->db, c->psa, id, &req,
                                       st, allowed_bits(allowed), c->res,
                                       c->p);
    }
    if (rv == APR_EINVAL && errors != NULL && errors->nelts > 0) {
        oxt_json_object(c->j);
        errors_json(c, errors);
        oxt_json_end(c->j);
        return 1;
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    strings_json(c, "names", r->names);
    strings_json(c, "ticked", r->ticked);
    oxt_json_kint(c->j, "pending", r->pending);
    oxt_json_kint(c->j, "domains", r->domains);
    oxt_json_kbool(c->j, "daemon_running", r->daemon_running);
    oxt_json_kstr(c->j, "info", oxt_service_change_info(r, c->p));
    oxt_json_end(c->j);
    return 0;
}

/* ---- logs -------------------------------------------------------------- */

static void row_json(oxt_json_t *j, const oxt_replog_row_t *r)
{
    oxt_json_kint(j, "id", r->id);
    oxt_json_kint(j, "logged_at", r->logged_at);
    oxt_json_kint(j, "mail_id", r->mail_id);
    oxt_json_kstr(j, "address", r->address);
    oxt_json_kint(j, "dom_id", r->dom_id);
    oxt_json_kstr(j, "service", r->service >= 0
                  ? oxt_service_code(r->service) : NULL);
    oxt_json_kstr(j, "scheduled_by", r->scheduled_by);
    oxt_json_kstr(j, "operation", r->operation);
    oxt_json_kbool(j, "success", r->success);
    oxt_json_kstr(j, "reason", r->reason);
    oxt_json_kbool(j, "has_debug", r->has_debug);
}

static apr_status_t logs_row(void *baton, const oxt_replog_row_t *r,
                             apr_pool_t *ptemp)
{
    oxt_json_t *j = baton;

    (void)ptemp;
    oxt_json_object(j);
    row_json(j, r);
    oxt_json_end(j);
    return APR_SUCCESS;
}

static void logs_option(oxt_replog_query_t *q, const char *opt,
                        const char *v)
{
    if (strcmp(opt, "--sort") == 0
        && oxt_replog_sort_parse(&q->sort, v) != APR_SUCCESS) {
        q->sort = OXT_REPLOG_SORT_COUNT;
    }
    else if (strcmp(opt, "--offset") == 0) {
        q->offset = num(v);
    }
    else if (strcmp(opt, "--limit") == 0) {
        q->limit = num(v);
    }
    else if (strcmp(opt, "--q") == 0) {
        q->q = v;
    }
    else if (strcmp(opt, "--reseller") == 0) {
        q->reseller = num(v);
    }
    else if (strcmp(opt, "--client") == 0) {
        q->client = num(v);
    }
    else if (strcmp(opt, "--domain") == 0) {
        q->domain = num(v);
    }
    else if (strcmp(opt, "--mail") == 0) {
        q->mail = num(v);
    }
    else if (strcmp(opt, "--after") == 0) {
        q->after = num(v);
    }
}

static int cmd_logs(cli_t *c, int argc, const char *const *argv)
{
    oxt_replog_query_t q;
    oxt_identity_t *id;
    long long total = 0;
    int i, more = 0;
    apr_status_t rv;

    if (argc < 2 || (rv = who(&id, c, argv[1])) != APR_SUCCESS) {
        return argc < 2 ? usage() : fail(c, rv);
    }
    oxt_replog_query_init(&q, id);
    q.psa = c->psa;
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--asc") == 0 || strcmp(argv[i], "--before") == 0) {
            q.desc = strcmp(argv[i], "--asc") == 0 ? 0 : q.desc;
            q.before |= strcmp(argv[i], "--before") == 0;
        }
        else if (i + 1 < argc) {
            logs_option(&q, argv[i], argv[i + 1]);
            i++;
        }
    }
    if (q.sort == OXT_REPLOG_SORT_COUNT) {
        return usage();
    }
    rv = oxt_replog_count(&total, &more, c->db, &q, c->res, c->p);
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "total", total);
    oxt_json_kbool(c->j, "more", more);
    oxt_json_karray(c->j, "rows");
    rv = oxt_replog_list(c->db, &q, more ? -1 : total, logs_row, c->j,
                         c->res, c->p);
    oxt_json_end(c->j);
    oxt_json_kstr(c->j, "status", rv == APR_SUCCESS ? "ok"
                  : rv == APR_ENOENT ? "ENOENT" : "other");
    oxt_json_end(c->j);
    return rv == APR_SUCCESS ? 0 : 1;
}

static int cmd_debug(cli_t *c, int argc, const char *const *argv)
{
    oxt_replog_debug_t *d;
    oxt_identity_t *id;
    oxt_plesk_scope_t scope;
    apr_status_t rv;

    if (argc != 3) {
        return usage();
    }
    rv = who(&id, c, argv[1]);
    if (rv == APR_SUCCESS) {
        oxt_plesk_scope_of(&scope, id);
        rv = oxt_replog_debug(&d, c->db, c->psa, &scope, num(argv[2]), c->res, c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kobject(c->j, "row");
    row_json(c->j, &d->row);
    oxt_json_end(c->j);
    oxt_json_kstr(c->j, "request", d->request);
    oxt_json_kstr(c->j, "response", d->response);
    oxt_xmlview_json(c->j, "request_view", d->request, c->p);
    oxt_xmlview_json(c->j, "response_view", d->response, c->p);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_remove(cli_t *c, int argc, const char *const *argv, int all)
{
    apr_array_header_t *ids = apr_array_make(c->p, 4, sizeof(long long));
    oxt_identity_t *id;
    oxt_plesk_scope_t scope;
    long long n = 0;
    int i;
    apr_status_t rv;

    if (argc < 2 || (!all && argc < 3)) {
        return usage();
    }
    for (i = 2; i < argc; i++) {
        APR_ARRAY_PUSH(ids, long long) = num(argv[i]);
    }
    rv = who(&id, c, argv[1]);
    if (rv == APR_SUCCESS) {
        oxt_plesk_scope_of(&scope, id);
        rv = all ? oxt_replog_clean(&n, c->db, c->psa, &scope, c->res, c->p)
                 : oxt_replog_remove(&n, c->db, c->psa, &scope, ids, c->res, c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "deleted", n);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_last_run(cli_t *c, int argc, const char *const *argv)
{
    const apr_array_header_t *moved = NULL;
    oxt_run_summary_t *r;
    oxt_identity_t *id;
    oxt_plesk_scope_t scope;
    apr_status_t rv = APR_SUCCESS;
    int i;

    /* Without a login: the admin's (the whole server's). */
    scope.role = OXT_ROLE_ADMIN;
    scope.id = 0;
    if (argc > 1) {
        rv = who(&id, c, argv[1]);
        if (rv == APR_SUCCESS) {
            oxt_plesk_scope_of(&scope, id);
        }
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_moved_away(&moved, c->db, c->psa, &scope, c->res,
                                   c->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_last_automatic_run(&r, c->db, moved, &scope,
                                           c->res, c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    if (r != NULL) {
        oxt_json_kstr(c->j, "started_at", r->started_at);
        oxt_json_kstr(c->j, "status", r->status);
        for (i = 0; i < OXT_SERVICE_COUNT; i++) {
            oxt_json_kobject(c->j, oxt_service_code(i));
            oxt_json_kint(c->j, "ok", r->counts.ok[i]);
            oxt_json_kint(c->j, "failed", r->counts.failed[i]);
            oxt_json_end(c->j);
        }
    }
    oxt_json_end(c->j);
    return 0;
}

/* ---- parked, retry -------------------------------------------------------- */

static int cmd_parked(cli_t *c, int argc, const char *const *argv)
{
    apr_array_header_t *items;
    const oxt_queue_parked_t *pk;
    oxt_identity_t *id;
    oxt_plesk_scope_t scope;
    int i;
    apr_status_t rv;

    if (argc != 2) {
        return usage();
    }
    rv = who(&id, c, argv[1]);
    if (rv == APR_SUCCESS) {
        oxt_plesk_scope_of(&scope, id);
        rv = oxt_queue_parked_in(&items, c->db, c->psa, &scope, 100, c->res,
                                 c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_array(c->j);
    for (i = 0; i < items->nelts; i++) {
        pk = APR_ARRAY_IDX(items, i, const oxt_queue_parked_t *);
        oxt_json_object(c->j);
        oxt_json_kint(c->j, "id", pk->item.id);
        oxt_json_kstr(c->j, "type", oxt_obj_type_name(pk->item.type));
        oxt_json_kint(c->j, "object_id", pk->item.object_id);
        oxt_json_kstr(c->j, "name", pk->name);
        oxt_json_kstr(c->j, "last_error", pk->item.last_error);
        oxt_json_kint(c->j, "attempts", pk->item.attempts);
        oxt_json_end(c->j);
    }
    oxt_json_end(c->j);
    return 0;
}

static int cmd_retry(cli_t *c, int argc, const char *const *argv)
{
    oxt_identity_t *id;
    oxt_plesk_scope_t scope;
    apr_status_t rv;

    if (argc != 3) {
        return usage();
    }
    rv = who(&id, c, argv[1]);
    if (rv == APR_SUCCESS) {
        oxt_plesk_scope_of(&scope, id);
        rv = oxt_queue_retry(c->db, c->psa, &scope, num(argv[2]), id->name,
                             c->res, c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kbool(c->j, "retried", 1);
    oxt_json_end(c->j);
    return 0;
}

/* The UPDATEs this session ran so far (its Com_update). */
static apr_status_t session_updates(long long *pn, cli_t *c)
{
    return oxt_db_select_int(pn, c->db, "SELECT VARIABLE_VALUE FROM"
                             " information_schema.SESSION_STATUS"
                             " WHERE VARIABLE_NAME = 'COM_UPDATE'", NULL, 0,
                             c->res, c->p);
}

/* queue-done OWNER [MAIL_ID]: claims every due hint for OWNER, refreshes
 * mailbox MAIL_ID's (a new hint while it is worked), and marks them all
 * done at once (oxt_queue_done_many, as the engine's turns do), in one
 * transaction; prints how many it claimed and how many UPDATEs marking
 * them done took. */
static int cmd_queue_done(cli_t *c, int argc, const char *const *argv)
{
    apr_array_header_t *items, *done;
    long long before = 0, after = 0;
    int i;
    apr_status_t rv;

    if (argc != 2 && argc != 3) {
        return usage();
    }
    rv = oxt_queue_claim(&items, c->db, argv[1], 1000, 600, c->res, c->p);
    if (rv == APR_SUCCESS && argc == 3) {
        apr_sleep(apr_time_from_msec(5));       /* a later enqueued_at */
        rv = oxt_queue_push(c->db, OXT_OBJ_MAILBOX, num(argv[2]),
                            "mailname_update", "again", NULL, c->res, c->p);
    }
    done = rv == APR_SUCCESS ? apr_array_make(c->p, items->nelts,
                                              sizeof(oxt_queue_item_t))
                             : NULL;
    for (i = 0; done != NULL && i < items->nelts; i++) {
        APR_ARRAY_PUSH(done, oxt_queue_item_t) =
            *APR_ARRAY_IDX(items, i, const oxt_queue_item_t *);
    }
    rv = rv == APR_SUCCESS ? session_updates(&before, c) : rv;
    rv = rv == APR_SUCCESS ? oxt_db_begin(c->db, c->res) : rv;
    rv = rv == APR_SUCCESS ? oxt_queue_done_many(c->db, done, argv[1],
                                                 c->res, c->p) : rv;
    rv = rv == APR_SUCCESS ? oxt_db_commit(c->db, c->res) : rv;
    rv = rv == APR_SUCCESS ? session_updates(&after, c) : rv;
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "claimed", items->nelts);
    oxt_json_kint(c->j, "updates", after - before);
    oxt_json_end(c->j);
    return 0;
}

/* spool-replay: the spool into the queue, as run and the daemon replay
 * it (oxt_event_spool_replay), without working the hints. */
static int cmd_spool_replay(cli_t *c)
{
    int count = 0;
    apr_status_t rv = oxt_event_spool_replay(&count, c->cfg->spool_dir,
                                             c->psa, c->db, c->res, c->p);

    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "replayed", count);
    oxt_json_end(c->j);
    return 0;
}

/* ---- settings ------------------------------------------------------------- */

/* KEY=VALUE arguments as a posted form; --by NAME sets *pby. */
static apr_table_t *form_of(int argc, const char *const *argv,
                            const char **pby, apr_pool_t *p)
{
    apr_table_t *form = apr_table_make(p, 16);
    const char *eq;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--by") == 0 && i + 1 < argc) {
            *pby = argv[++i];
            continue;
        }
        eq = strchr(argv[i], '=');
        if (eq != NULL) {
            apr_table_add(form, apr_pstrndup(p, argv[i],
                                             (apr_size_t)(eq - argv[i])),
                          eq + 1);
        }
    }
    return form;
}

static int cmd_settings_form(cli_t *c, int argc, const char *const *argv)
{
    const char *by = "corecli";
    apr_table_t *form = form_of(argc, argv, &by, c->p);
    apr_array_header_t *errors = NULL;
    oxt_crypto_keys_t keys;
    oxt_settings_t *cur;
    apr_status_t rv;

    rv = oxt_crypto_keys_load(&keys, c->cfg->secret_key_file, c->res, c->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&cur, c->db, NULL, c->res, c->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_form_save(&errors, c->db, form, cur, keys.seal, by,
                                    c->res, c->p);
    }
    oxt_json_object(c->j);
    oxt_json_kbool(c->j, "saved", rv == APR_SUCCESS);
    errors_json(c, errors);
    if (rv != APR_SUCCESS && (errors == NULL || errors->nelts == 0)) {
        oxt_json_kstr(c->j, "error", oxt_result_text(c->res, c->p));
    }
    oxt_json_end(c->j);
    return rv == APR_SUCCESS ? 0 : 1;
}

/* test-connection: without fields, the stored settings; with, the form
 * checked as OK checks it (a refused one: its errors, nothing sent). */
static int cmd_test(cli_t *c, int argc, const char *const *argv)
{
    const char *by = NULL;
    apr_table_t *form = form_of(argc, argv, &by, c->p);
    apr_array_header_t *catalogue, *errors = NULL;
    oxt_crypto_keys_t keys;
    oxt_settings_t *cur, *st = NULL;
    oxt_oxlink_test_t *t;
    apr_status_t rv;

    rv = oxt_crypto_keys_load(&keys, c->cfg->secret_key_file, c->res, c->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&cur, c->db, keys.seal, c->res, c->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_languages(&catalogue, c->db, c->res, c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    if (apr_is_empty_table(form)) {
        st = cur;
    }
    else if (oxt_settings_form_test(&st, &errors, form, cur, catalogue,
                                    c->p) != APR_SUCCESS) {
        oxt_json_object(c->j);
        oxt_json_kbool(c->j, "ok", 0);
        oxt_json_kbool(c->j, "called", 0);
        errors_json(c, errors);
        oxt_json_end(c->j);
        return 1;
    }
    oxt_oxlink_test(&t, st, c->p);
    oxt_json_object(c->j);
    oxt_json_kbool(c->j, "ok", t->status == APR_SUCCESS);
    oxt_json_kstr(c->j, "status", oxt_status_str(t->status, c->p));
    oxt_json_kbool(c->j, "called", t->called);
    oxt_json_kbool(c->j, "reached", t->reached);
    oxt_json_kint(c->j, "credentials", t->credentials);
    oxt_json_kbool(c->j, "tls_problem", t->tls_problem);
    oxt_json_kint(c->j, "http_status", t->http_status);
    oxt_json_kint(c->j, "elapsed_ms", t->elapsed_ms);
    oxt_json_kint(c->j, "timeout_s", t->timeout_s);
    oxt_json_kstr(c->j, "url", t->url);
    oxt_json_kstr(c->j, "problem", t->problem);
    oxt_json_kstr(c->j, "detail", t->detail);
    errors_json(c, NULL);
    oxt_json_end(c->j);
    return t->status == APR_SUCCESS ? 0 : 1;
}

/* ---- upkeep ------------------------------------------------------------------- */

static int cmd_prune(cli_t *c, int argc, const char *const *argv)
{
    oxt_replog_prune_t pr;
    apr_status_t rv;

    if (argc != 5) {
        return usage();
    }
    rv = oxt_replog_prune(&pr, c->db, (int)num(argv[1]), num(argv[2]),
                          (int)num(argv[3]),
                          apr_time_from_msec(num(argv[4])), c->res, c->p);
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "expired", pr.expired);
    oxt_json_kint(c->j, "over_cap", pr.over_cap);
    oxt_json_kint(c->j, "batches", pr.batches);
    oxt_json_kbool(c->j, "recounted", pr.recounted);
    oxt_json_kint(c->j, "moved", pr.moved);
    oxt_json_kint(c->j, "moved_domains", pr.moved_domains);
    oxt_json_kbool(c->j, "more", pr.more);
    oxt_json_kbool(c->j, "paged", pr.paged);
    oxt_json_kbool(c->j, "building", pr.building);
    oxt_json_kint(c->j, "moves_ms", apr_time_as_msec(pr.moves_took));
    oxt_json_kint(c->j, "deletes_ms", apr_time_as_msec(pr.deletes_took));
    oxt_json_kint(c->j, "pages_ms", apr_time_as_msec(pr.pages_took));
    oxt_json_kint(c->j, "longest_batch_ms",
                  apr_time_as_msec(pr.longest_batch));
    oxt_json_end(c->j);
    return 0;
}

/* A prune for each line of stdin, a JSON line after each, with what the
 * cap remembered (cap NULL: walked each time). */
static int prune_lines(cli_t *c, oxt_replog_cap_t *cap,
                       const char *const *argv)
{
    oxt_replog_prune_t pr;
    char line[64];
    apr_status_t rv;

    while (fgets(line, sizeof(line), stdin) != NULL) {
        rv = oxt_replog_prune_kept(&pr, cap, c->db, (int)num(argv[1]),
                                   num(argv[2]), (int)num(argv[3]),
                                   apr_time_from_msec(num(argv[4])), c->res,
                                   c->p);
        if (rv != APR_SUCCESS) {
            printf("{\"error\": %d}\n", (int)rv);
            return 1;
        }
        printf("{\"over_cap\": %lld, \"expired\": %lld, \"more\": %d,"
               " \"walks\": %d, \"known\": %d, \"cap_id\": %lld}\n",
               pr.over_cap, pr.expired, pr.more, cap ? cap->walks : 0,
               cap ? cap->known : 0, cap ? cap->cap_id : 0);
        fflush(stdout);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "walks", cap ? cap->walks : 0);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_prune_calls(cli_t *c, int argc, const char *const *argv)
{
    oxt_replog_prune_t pr;
    oxt_replog_cap_t cap;
    apr_time_t t0;
    long long calls, i, over = 0, expired = 0;
    int kept;
    apr_status_t rv = APR_SUCCESS;

    if (argc != 7) {
        return usage();
    }
    calls = num(argv[5]);
    kept = strcmp(argv[6], "kept") == 0;
    memset(&cap, 0, sizeof(cap));
    if (strcmp(argv[5], "stdin") == 0) {
        return prune_lines(c, kept ? &cap : NULL, argv);
    }
    oxt_json_object(c->j);
    oxt_json_karray(c->j, "calls");
    for (i = 0; rv == APR_SUCCESS && i < calls; i++) {
        t0 = apr_time_now();
        rv = oxt_replog_prune_kept(&pr, kept ? &cap : NULL, c->db,
                                   (int)num(argv[1]), num(argv[2]),
                                   (int)num(argv[3]),
                                   apr_time_from_msec(num(argv[4])), c->res,
                                   c->p);
        if (rv != APR_SUCCESS) {
            break;
        }
        oxt_json_object(c->j);
        oxt_json_kint(c->j, "us", (long long)(apr_time_now() - t0));
        oxt_json_kint(c->j, "over_cap", pr.over_cap);
        oxt_json_kint(c->j, "expired", pr.expired);
        oxt_json_kbool(c->j, "more", pr.more);
        oxt_json_end(c->j);
        over += pr.over_cap;
        expired += pr.expired;
        if (!pr.more) {
            i++;
            break;
        }
    }
    oxt_json_end(c->j);
    oxt_json_kint(c->j, "over_cap", over);
    oxt_json_kint(c->j, "expired", expired);
    oxt_json_kint(c->j, "walks", cap.walks);
    oxt_json_kint(c->j, "cap_id", cap.known ? cap.cap_id : 0);
    if (rv != APR_SUCCESS) {
        oxt_json_kstr(c->j, "error", oxt_result_text(c->res, c->p));
    }
    oxt_json_end(c->j);
    return rv == APR_SUCCESS ? 0 : 1;
}

static int cmd_pages(cli_t *c)
{
    int built = 0, more = 0;
    apr_status_t rv;

    rv = oxt_replog_pages_refresh(&built, &more, c->db, 1, -1, c->res,
                                  c->p);
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kbool(c->j, "paged", built);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_daemon_running(cli_t *c)
{
    const char *beat = NULL;
    int running = 0;
    apr_status_t rv;

    rv = oxt_beat_daemon_running(&running, &beat, c->db, c->res, c->p);
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kbool(c->j, "running", running);
    oxt_json_kstr(c->j, "last_beat", beat);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_dir_sync(cli_t *c, int argc, const char *const *argv)
{
    apr_array_header_t *ids = apr_array_make(c->p, 8, sizeof(long long));
    oxt_dir_stats_t st = { 0, 0, 0, 0 };
    int defer = argc > 1 && strcmp(argv[1], "--defer") == 0, accounts, i;
    unsigned flags = defer ? OXT_DIR_DEFER : 0;
    apr_status_t rv;

    accounts = argc > 1 + defer && strcmp(argv[1 + defer], "--accounts") == 0;
    for (i = 1 + defer + accounts; i < argc; i++) {
        APR_ARRAY_PUSH(ids, long long) = num(argv[i]);
    }
    rv = accounts ? oxt_dir_sync_accounts(c->db, c->psa, ids, flags, &st,
                                          c->res, c->p)
                  : oxt_dir_sync_domains(c->db, c->psa, ids, flags, &st,
                                         c->res, c->p);
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "added", st.added);
    oxt_json_kint(c->j, "changed", st.changed);
    oxt_json_kint(c->j, "removed", st.removed);
    oxt_json_end(c->j);
    return 0;
}

/* The Mailboxes directory of some domains, as the daemon syncs the
 * domains of the hints it worked. */
static int cmd_mbdir_sync(cli_t *c, int argc, const char *const *argv)
{
    apr_array_header_t *ids = apr_array_make(c->p, 8, sizeof(long long));
    oxt_settings_t *st;
    int i;
    apr_status_t rv;

    for (i = 1; i < argc; i++) {
        APR_ARRAY_PUSH(ids, long long) = num(argv[i]);
    }
    rv = oxt_settings_load(&st, c->db, NULL, c->res, c->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_mbdir_sync_domains(c->db, c->psa, st, ids, NULL, c->res,
                                    c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "domains", ids->nelts);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_dir_prefixes(cli_t *c)
{
    long long stored = 0, points = 0;
    apr_status_t rv;

    rv = oxt_dirpre_rebuild(&stored, c->db, c->res, c->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_dir_points_rebuild(&points, c->db, c->psa, c->res, c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "stored", stored);
    oxt_json_kint(c->j, "points", points);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_mbdir_rdense(cli_t *c)
{
    long long n = 0;
    apr_status_t rv;

    rv = oxt_mbdir_rdense_rebuild(&n, c->db, c->res, c->p);
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "dense", n);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_mbdir_rmid(cli_t *c)
{
    long long n = 0;
    apr_status_t rv;

    rv = oxt_mbdir_rmid_build(&n, c->db, c->res, c->p);
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "segments", n);
    oxt_json_end(c->j);
    return 0;
}

static int cmd_mbdir_wide_points(cli_t *c)
{
    long long points = 0;
    apr_status_t rv;

    rv = oxt_mbdir_wide_points_rebuild(&points, c->db, c->res, c->p);
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "points", points);
    oxt_json_end(c->j);
    return 0;
}

/* ---- main ----------------------------------------------------------------------- */

static apr_status_t idle_row(void *baton, const oxt_db_row_t *row,
                             apr_pool_t *ptemp)
{
    (void)row;
    (void)ptemp;
    ++*(long *)baton;
    return APR_SUCCESS;
}

static void idle_count(void *baton)
{
    ++*(long *)baton;
}

typedef struct {
    cli_t *c;
    apr_status_t rv;
} idle_other_t;

/* A statement on the same connection from another thread (as the
 * engine's commits run), the main thread waiting meanwhile. */
static void *APR_THREAD_FUNC idle_other_main(apr_thread_t *t, void *data)
{
    idle_other_t *o = data;
    long long one = 0;

    oxt_db_thread_begin();
    o->rv = oxt_db_select_int(&one, o->c->db, "SELECT 1", NULL, 0,
                              o->c->res, o->c->p);
    oxt_db_thread_end();
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static int cmd_db_idle(cli_t *c)
{
    long n = 0, rows = 0, after_select, after_read, after_txn, other;
    long long one = 0;
    idle_other_t o = { c, APR_SUCCESS };
    apr_thread_t *t;
    apr_status_t rv, trv;

    oxt_db_set_idle(c->db, idle_count, &n);
    rv = oxt_db_select_int(&one, c->db, "SELECT 1", NULL, 0, c->res, c->p);
    after_select = n;
    if (rv == APR_SUCCESS) {
        rv = oxt_db_each(c->db, "SELECT seq FROM seq_1_to_600", NULL, 0,
                         idle_row, &rows, c->res, c->p);
    }
    after_read = n;
    if (rv == APR_SUCCESS) {
        rv = oxt_db_begin(c->db, c->res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(c->db, c->res);
    }
    after_txn = n;
    if (rv == APR_SUCCESS) {
        rv = apr_thread_create(&t, NULL, idle_other_main, &o, c->p);
    }
    if (rv == APR_SUCCESS) {
        apr_thread_join(&trv, t);
        rv = o.rv;
    }
    other = n;
    oxt_db_set_idle(c->db, NULL, NULL);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_int(&one, c->db, "SELECT 1", NULL, 0, c->res,
                               c->p);
    }
    if (rv != APR_SUCCESS) {
        return fail(c, rv);
    }
    oxt_json_object(c->j);
    oxt_json_kint(c->j, "rows", rows);
    oxt_json_kint(c->j, "after_select", after_select);
    oxt_json_kint(c->j, "after_read", after_read);
    oxt_json_kint(c->j, "after_transaction", after_txn);
    oxt_json_kint(c->j, "after_other_thread", other);
    oxt_json_kint(c->j, "after_unset", n);
    oxt_json_end(c->j);
    return 0;
}

/* The counters' sum and the last contact (ms since the epoch, -1: NULL)
 * as JSON members under key. */
static apr_status_t tally_state(cli_t *c, const char *key)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    rv = oxt_db_select(&rows, c->db, "SELECT (SELECT COALESCE(SUM(total), 0)"
        " FROM metric_operations), COALESCE(FLOOR(UNIX_TIMESTAMP("
        "ox_contact_at) * 1000), -1), COALESCE(FLOOR(UNIX_TIMESTAMP("
        "ox_answered_at) * 1000), -1), ox_reachable, ox_failure,"
        " ox_contact_by, FLOOR(UNIX_TIMESTAMP(NOW(3)) * 1000)"
        " FROM replicator_activity WHERE id = 1", OXT_DB_NOARGS, c->res,
        c->p);
    if (rv != APR_SUCCESS || rows->nelts != 1) {
        return rv != APR_SUCCESS ? rv : APR_ENOENT;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    oxt_json_kobject(c->j, key);
    oxt_json_kint(c->j, "operations", oxt_db_row_int(row, 0, 0));
    oxt_json_kint(c->j, "contact_ms", oxt_db_row_int(row, 1, -1));
    oxt_json_kint(c->j, "answered_ms", oxt_db_row_int(row, 2, -1));
    oxt_json_kint(c->j, "reachable", oxt_db_row_int(row, 3, -1));
    oxt_json_kstr(c->j, "failure", oxt_db_row_str(row, 4, c->p));
    oxt_json_kstr(c->j, "by", oxt_db_row_str(row, 5, c->p));
    oxt_json_kint(c->j, "now_ms", oxt_db_row_int(row, 6, 0));
    oxt_json_end(c->j);
    return APR_SUCCESS;
}

static int cmd_metrics_tally(cli_t *c, int argc, const char *const *argv)
{
    oxt_metrics_tally_t *t;
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    if (argc < 3) {
        return usage();
    }
    t = oxt_metrics_tally_make(c->p);
    oxt_metrics_tally_op(t, OXT_OP_USER_CHANGE, 1);
    oxt_metrics_tally_contact(t, APR_SUCCESS, NULL,
                              now - apr_time_from_msec(num(argv[1])));
    oxt_metrics_tally_contact(t, APR_ECONNREFUSED, "refused",
                              now - apr_time_from_msec(num(argv[2])));
    oxt_json_object(c->j);
    rv = tally_state(c, "before");
    if (rv == APR_SUCCESS) {
        rv = oxt_metrics_tally_flush_counts(t, c->db, c->res, c->p);
    }
    if (rv == APR_SUCCESS) {
        oxt_json_kbool(c->j, "empty", oxt_metrics_tally_empty(t));
        rv = tally_state(c, "counts");
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_metrics_tally_flush(t, c->db, c->res, c->p);
    }
    if (rv == APR_SUCCESS) {
        rv = tally_state(c, "flushed");
    }
    if (rv != APR_SUCCESS) {
        oxt_json_kstr(c->j, "error", c->res->status != APR_SUCCESS
                                     ? oxt_result_text(c->res, c->p)
                                     : oxt_status_str(rv, c->p));
    }
    oxt_json_kstr(c->j, "status", rv == APR_SUCCESS ? "ok" : "other");
    oxt_json_end(c->j);
    return rv == APR_SUCCESS ? 0 : 1;
}

static int dispatch(cli_t *c, int argc, const char *const *argv)
{
    const char *cmd = argv[0];

    if (strcmp(cmd, "change-service") == 0) return cmd_change(c, argc, argv);
    if (strcmp(cmd, "logs") == 0) return cmd_logs(c, argc, argv);
    if (strcmp(cmd, "logs-debug") == 0) return cmd_debug(c, argc, argv);
    if (strcmp(cmd, "logs-clean") == 0) return cmd_remove(c, argc, argv, 1);
    if (strcmp(cmd, "logs-remove") == 0) return cmd_remove(c, argc, argv, 0);
    if (strcmp(cmd, "last-run") == 0) return cmd_last_run(c, argc, argv);
    if (strcmp(cmd, "parked") == 0) return cmd_parked(c, argc, argv);
    if (strcmp(cmd, "retry") == 0) return cmd_retry(c, argc, argv);
    if (strcmp(cmd, "queue-done") == 0) return cmd_queue_done(c, argc, argv);
    if (strcmp(cmd, "spool-replay") == 0) return cmd_spool_replay(c);
    if (strcmp(cmd, "settings-form") == 0) {
        return cmd_settings_form(c, argc, argv);
    }
    if (strcmp(cmd, "test-connection") == 0) return cmd_test(c, argc, argv);
    if (strcmp(cmd, "prune") == 0) return cmd_prune(c, argc, argv);
    if (strcmp(cmd, "prune-calls") == 0) {
        return cmd_prune_calls(c, argc, argv);
    }
    if (strcmp(cmd, "logs-pages") == 0) return cmd_pages(c);
    if (strcmp(cmd, "daemon-running") == 0) return cmd_daemon_running(c);
    if (strcmp(cmd, "dir-sync") == 0) return cmd_dir_sync(c, argc, argv);
    if (strcmp(cmd, "dir-prefixes") == 0) return cmd_dir_prefixes(c);
    if (strcmp(cmd, "mbdir-sync") == 0) return cmd_mbdir_sync(c, argc, argv);
    if (strcmp(cmd, "mbdir-wide-points") == 0) return cmd_mbdir_wide_points(c);
    if (strcmp(cmd, "mbdir-rdense") == 0) return cmd_mbdir_rdense(c);
    if (strcmp(cmd, "mbdir-rmid") == 0) return cmd_mbdir_rmid(c);
    if (strcmp(cmd, "db-idle") == 0) return cmd_db_idle(c);
    if (strcmp(cmd, "metrics-tally") == 0) {
        return cmd_metrics_tally(c, argc, argv);
    }
    return usage();
}

static apr_status_t open_all(cli_t *c, const char *conf)
{
    oxt_db_params_t params;
    apr_status_t rv;

    rv = oxt_config_load(&c->cfg, conf, c->res, c->p);
    if (rv == APR_SUCCESS) {
        oxt_db_params_from_config(&params, c->cfg);
        rv = oxt_db_open(&c->db, &params, c->res, c->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_psa_open(&c->psa, c->db, c->cfg, c->res, c->p);
    }
    return rv;
}

int main(int argc, const char *const *argv)
{
    cli_t c;
    int rc;

    if (argc < 4 || strcmp(argv[1], "-c") != 0) {
        return usage();
    }
    apr_initialize();
    atexit(apr_terminate);
    memset(&c, 0, sizeof(c));
    apr_pool_create(&c.p, NULL);
    c.res = oxt_result_make(c.p);
    if (oxt_db_library_init() != APR_SUCCESS
        || oxt_soap_library_init() != APR_SUCCESS
        || open_all(&c, argv[2]) != APR_SUCCESS) {
        fprintf(stderr, "oxt-corecli: %s\n", oxt_result_text(c.res, c.p));
        return 1;
    }
    c.j = oxt_json_make(oxt_sink_stdio(stdout, c.p), 0, c.p);
    rc = dispatch(&c, argc - 3, argv + 3);
    if (oxt_json_finish(c.j) != APR_SUCCESS && rc != 2) {
        fprintf(stderr, "oxt-corecli: JSON: %s\n", oxt_json_error(c.j));
        rc = 1;
    }
    fputc('\n', stdout);
    apr_pool_destroy(c.p);
    oxt_soap_library_end();
    oxt_db_library_end();
    return rc;
}
