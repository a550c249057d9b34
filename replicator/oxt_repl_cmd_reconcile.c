/*
 * oxt_repl_cmd_reconcile.c — "oxtender-replicator reconcile": compare
 * what we replicated with OX itself, repair the drift, print a report.
 *
 *   reconcile [--dry-run] [--access all|none] [--delete-unknown
 *             [--max-deletes N] [--force]]
 *
 * --dry-run reports only. Without it, drifted objects are forgotten in our
 * state and a replication of their domains resends them (a drifted
 * context admin is only reported: it cannot be repaired from here). Users
 * in our contexts that OXtender did not create are reported;
 * --delete-unknown deletes them, but not more than --max-deletes (10)
 * unless --force. Every user's data is compared on every run, its access
 * combination (one OX call per user) for a rotating fifth of the users
 * unless --access all (every user) or --access none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_reconcile.h"
#include "oxt_json.h"

typedef struct {
    oxt_repl_t *repl;
    oxt_json_t *json;              /* --json: the report being written */
    long long printed;
    int bar;                       /* a progress bar on the terminal */
    oxt_lock_t *lock;              /* touched as contexts are done */
    apr_time_t drawn;              /* when the bar was last drawn */
} recon_print_t;

/* A hundred thousand contexts must not mean a hundred thousand writes to
 * the terminal (nor as many lock touches). */
#define RECON_BAR_EVERY apr_time_from_msec(100)

static void recon_on_drift(void *baton, const oxt_drift_t *d)
{
    recon_print_t *rp = baton;
    oxt_json_t *j = rp->json;

    if (rp->bar) {
        fputs("\r\033[K", stderr);
    }
    if (j != NULL) {
        oxt_json_object(j);
        oxt_json_kstr(j, "kind", d->kind);
        oxt_json_kint(j, "domain_id", d->dom_id);
        oxt_json_kint(j, "mail_id", d->mail_id);
        oxt_json_kint(j, "ox_id", d->ox_id);
        oxt_json_kstr(j, "target", d->target);
        oxt_json_kstr(j, "detail", d->detail);
        oxt_json_end(j);
    }
    else {
        printf("%-16s %s (%s)\n", d->kind, d->target, d->detail);
    }
    rp->printed++;
}

static void recon_on_progress(void *baton, long long done, long long total)
{
    recon_print_t *rp = baton;
    int width = 40, fill;
    apr_time_t t = apr_time_now();

    if (t - rp->drawn < RECON_BAR_EVERY && done < total) {
        return;
    }
    rp->drawn = t;
    oxt_lock_touch(rp->lock);
    if (!rp->bar || total <= 0) {
        return;
    }
    fill = (int)(done * width / total);
    fprintf(stderr, "\r[%.*s%*s] %3lld%% %lld/%lld contexts",
            fill, "########################################", width - fill,
            "", done * 100 / total, done, total);
    fflush(stderr);
}

static int recon_parse_access(oxt_reconcile_opts_t *o, const char *v)
{
    if (strcmp(v, "all") == 0) {
        o->access = OXT_RECONCILE_ACCESS_ALL;
    }
    else if (strcmp(v, "none") == 0) {
        o->access = OXT_RECONCILE_ACCESS_NONE;
    }
    else if (strcmp(v, "rotate") == 0) {
        o->access = OXT_RECONCILE_ACCESS_ROTATE;
    }
    else {
        oxt_repl_fail("reconcile: --access takes all, none or rotate");
        return 0;
    }
    return 1;
}

static int recon_parse(oxt_reconcile_opts_t *o, int argc,
                       const char *const *argv)
{
    int i;

    o->max_deletes = 10;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            o->dry_run = 1;
        }
        else if (strcmp(argv[i], "--delete-unknown") == 0) {
            o->delete_unknown = 1;
        }
        else if (strcmp(argv[i], "--force") == 0) {
            o->force = 1;
        }
        else if (strcmp(argv[i], "--access") == 0 && i + 1 < argc) {
            if (!recon_parse_access(o, argv[++i])) {
                return 0;
            }
        }
        else if (strcmp(argv[i], "--max-deletes") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);

            if (end == argv[i] || *end != '\0' || v < 0 || v > 1000000) {
                oxt_repl_fail("reconcile: --max-deletes takes a number");
                return 0;
            }
            o->max_deletes = (int)v;
        }
        else {
            oxt_repl_fail("reconcile: unknown option '%s'", argv[i]);
            return 0;
        }
    }
    return 1;
}

/* Resends what drifted: the repaired domains go through the engine. */
static apr_status_t recon_replicate(oxt_repl_session_t *s,
                                    const oxt_reconcile_stats_t *st,
                                    oxt_result_t *res)
{
    oxt_engine_opts_t opts = { 0 };
    apr_status_t rv;
    int i;

    opts.scheduled_by = "Reconcile";
    rv = oxt_repl_session_engine(s, &opts, res);
    for (i = 0; rv == APR_SUCCESS && i < st->repaired_domains->nelts; i++) {
        rv = oxt_engine_domain(s->engine, APR_ARRAY_IDX(st->repaired_domains,
                               i, long long), NULL, NULL, res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_engine_drain(s->engine, res);
    }
    return rv;
}

static const char *recon_access_mode(oxt_reconcile_access_t a)
{
    return a == OXT_RECONCILE_ACCESS_ALL ? "all"
         : a == OXT_RECONCILE_ACCESS_NONE ? "none" : "rotate";
}

static void recon_json_access(oxt_json_t *j, const oxt_reconcile_stats_t *st,
                              oxt_reconcile_access_t a)
{
    oxt_json_kstr(j, "access_mode", recon_access_mode(a));
    oxt_json_kint(j, "access_checked", st->access_checked);
    oxt_json_kint(j, "access_total", st->access_total);
    if (a == OXT_RECONCILE_ACCESS_ROTATE) {
        oxt_json_kint(j, "access_turn", st->access_turn + 1);
        oxt_json_kint(j, "access_turns", OXT_RECONCILE_TURNS);
    }
}

/* Closes the drift list and, after a comparison, adds the counts. */
static apr_status_t recon_json_end(recon_print_t *rp,
                                   const oxt_reconcile_stats_t *st,
                                   const oxt_engine_stats_t *est,
                                   oxt_reconcile_access_t a)
{
    oxt_json_t *j = rp->json;

    oxt_json_end(j);
    if (st != NULL) {
        recon_json_access(j, st, a);
        oxt_json_kint(j, "contexts", st->domains);
        oxt_json_kint(j, "users", st->users);
        oxt_json_kint(j, "drift_count", st->drifts);
        oxt_json_kint(j, "unknown_users", st->unknown);
        oxt_json_kint(j, "deleted", st->deleted);
        oxt_json_kbool(j, "deletes_refused", st->deletes_refused);
        oxt_json_kint(j, "repaired", est ? est->ops_ok : 0);
    }
    oxt_json_end(j);
    return oxt_repl_json_done(rp->repl, j);
}

/* How many access combinations were compared, and how to compare all. */
static void recon_summary_access(const oxt_reconcile_stats_t *st,
                                 oxt_reconcile_access_t a)
{
    printf("%lld of %lld access combinations compared", st->access_checked,
           st->access_total);
    if (a == OXT_RECONCILE_ACCESS_ROTATE) {
        printf(" (a fifth of the users each run, turn %d of %d;"
               " --access all compares all)\n", st->access_turn + 1,
               OXT_RECONCILE_TURNS);
    }
    else {
        printf(" (--access %s)\n", recon_access_mode(a));
    }
}

static void recon_summary(oxt_repl_t *repl, const oxt_reconcile_stats_t *st,
                          const oxt_engine_stats_t *est, int dry,
                          oxt_reconcile_access_t a)
{
    printf("%lld contexts and %lld users compared: %lld drift%s, %lld unknown"
           " user%s%s\n", st->domains, st->users, st->drifts,
           st->drifts == 1 ? "" : "s", st->unknown,
           st->unknown == 1 ? "" : "s",
           st->deletes_refused ? " (too many to delete: none deleted;"
                                 " --force to override)" : "");
    recon_summary_access(st, a);
    if (!dry && est != NULL) {
        printf("%lld operations sent to repair, %lld failed\n", est->ops_ok,
               est->ops_failed);
    }
}

/* The end of the report (after a failure, only what was found) and the
 * exit code. */
static int recon_report(recon_print_t *rp, apr_status_t rv,
                        const oxt_result_t *res,
                        const oxt_reconcile_stats_t *st,
                        const oxt_repl_session_t *s, int dry,
                        oxt_reconcile_access_t a)
{
    oxt_repl_t *repl = rp->repl;
    const oxt_engine_stats_t *est;

    if (rv != APR_SUCCESS) {
        if (rp->json != NULL) {
            (void)recon_json_end(rp, NULL, NULL, a);
        }
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    est = s->engine ? oxt_engine_stats(s->engine) : NULL;
    if (rp->json != NULL) {
        rv = recon_json_end(rp, st, est, a);
    }
    else {
        recon_summary(repl, st, est, dry, a);
    }
    return st->deletes_refused || rv != APR_SUCCESS ? OXT_REPL_EXIT_FAIL
                                                    : OXT_REPL_EXIT_OK;
}

int oxt_repl_cmd_reconcile(oxt_repl_t *repl, int argc,
                           const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_reconcile_opts_t o = { 0 };
    oxt_reconcile_stats_t st;
    recon_print_t rp = { repl, NULL, 0, 0, NULL, 0 };
    oxt_repl_session_t *s = NULL;
    int stale = 0;
    apr_status_t rv;

    if (!recon_parse(&o, argc, argv)) {
        return OXT_REPL_EXIT_USAGE;
    }
    rp.bar = isatty(2) && !repl->json && !repl->quiet;
    o.on_drift = recon_on_drift;
    o.on_progress = recon_on_progress;
    o.baton = &rp;
    rv = oxt_repl_lock(&rp.lock, repl, "reconcile", &stale, res);
    if (stale) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_STALE;
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_session_open(&s, repl, 0, res);
    }
    if (repl->json) {
        rp.json = oxt_repl_json(repl);
        oxt_json_object(rp.json);
        oxt_json_karray(rp.json, "drifts");
    }
    if (rv == APR_SUCCESS) {
        o.window = s->conns * 4;
        o.access_combination = s->settings->access_combination;
        rv = oxt_reconcile_run(&st, s->db, s->ox, s->soap, s->key,
                               s->settings->master_override, &o, res,
                               repl->p);
    }
    if (rp.bar) {
        fputs("\r\033[K", stderr);
    }
    if (rv == APR_SUCCESS && !o.dry_run) {
        rv = recon_replicate(s, &st, res);
    }
    return recon_report(&rp, rv, res, &st, s, o.dry_run, o.access);
}
