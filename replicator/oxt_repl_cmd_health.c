/*
 * oxt_repl_cmd_health.c — "oxtender-replicator health": a check for
 * Nagios, Icinga and the like (the monitoring-plugin convention). One
 * line, "OXTENDER <STATE>: why | performance data", and the exit code 0
 * OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for wrong usage and an
 * unreadable configuration: the plugin cannot tell). The checks are the
 * core's (lib/oxt_health.h); OX is asked now, with a cheap call and the
 * Settings' timeout, and what it answered is recorded for the pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_health.h"
#include "oxt_metrics.h"
#include "oxt_settings.h"
#include "oxt_log.h"

static int health_usage(const char *why)
{
    printf("OXTENDER UNKNOWN: %s (usage: health [-w SECONDS] [-c SECONDS])\n",
           why);
    return OXT_HEALTH_UNKNOWN;
}

static int health_seconds(long long *pv, const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    if (end == s || *end != '\0' || v < 1 || v > 365LL * 86400) {
        return 0;
    }
    *pv = v;
    return 1;
}

/* -w / --warning and -c / --critical: the full pass age limits. */
static const char *health_options(oxt_health_limits_t *lim, int argc,
                                  const char *const *argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-w") != 0 && strcmp(argv[i], "--warning") != 0
            && strcmp(argv[i], "-c") != 0
            && strcmp(argv[i], "--critical") != 0) {
            return "unknown option";
        }
        if (i + 1 >= argc
            || !health_seconds(argv[i][1] == 'w' || argv[i][2] == 'w'
                               ? &lim->pass_warning_s : &lim->pass_critical_s,
                               argv[i + 1])) {
            return "an option needs a number of seconds";
        }
        i++;
    }
    return lim->pass_warning_s > lim->pass_critical_s
        ? "the warning limit is above the critical one" : NULL;
}

/* The settings OX is reached with, and the OX account's password. */
static apr_status_t health_session(oxt_repl_session_t *s, oxt_repl_t *repl,
                                   oxt_db_t *db, oxt_result_t *res)
{
    apr_status_t rv;

    memset(s, 0, sizeof(*s));
    s->p = repl->p;
    s->db = db;
    s->conns = 1;
    rv = oxt_crypto_keys_load(&s->keys, repl->cfg->secret_key_file, res,
                              s->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&s->settings, db, s->keys.seal, res, s->p);
    }
    return rv;
}

/* Asks OX now and records what it answered (for the pages). */
static void health_ox(oxt_health_t *h, oxt_repl_t *repl, oxt_db_t *db)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_result_t *wres = oxt_result_make(repl->p);
    oxt_repl_session_t s;
    const char *why;
    apr_status_t rv;

    if (health_session(&s, repl, db, res) != APR_SUCCESS) {
        h->checks[OXT_HEALTH_OX].state = OXT_HEALTH_UNKNOWN;
        h->checks[OXT_HEALTH_OX].text = apr_psprintf(repl->p,
            "OX: cannot tell: %s", oxt_result_text(res, repl->p));
        oxt_health_sum(h);
        return;
    }
    rv = oxt_repl_session_ox(&s, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_health_probe_ox(s.ox, res, repl->p);
    }
    why = rv != APR_SUCCESS ? oxt_result_text(res, repl->p) : NULL;
    if (rv != OXT_ECONFIG
        && oxt_metrics_ox_contact(db, rv, why, "health", wres, repl->p)
           != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, wres->status,
                       OXTLOGNO(03905) "OX contact not recorded: %s",
                       oxt_result_text(wres, repl->p));
    }
    oxt_health_ox_live(h, rv, why, repl->p);
}

static apr_status_t health_print(oxt_repl_t *repl, const oxt_health_t *h)
{
    oxt_json_t *j;

    if (!repl->json) {
        printf("%s\n", oxt_health_line(h, repl->p));
        return fflush(stdout) == 0 ? APR_SUCCESS : APR_EGENERAL;
    }
    j = oxt_repl_json(repl);
    oxt_json_object(j);
    oxt_health_json(j, h, repl->p);
    oxt_json_end(j);
    return oxt_repl_json_done(repl, j);
}

int oxt_repl_cmd_health(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_health_limits_t lim;
    oxt_lock_info_t lock;
    oxt_health_t h;
    const char *bad;
    oxt_db_t *db = NULL;

    if (repl->cfg == NULL) {
        printf("OXTENDER UNKNOWN: %s\n", repl->config_error
               ? repl->config_error : "cannot read the configuration");
        return OXT_HEALTH_UNKNOWN;
    }
    lim.pass_warning_s = repl->cfg->health_pass_warning_s;
    lim.pass_critical_s = repl->cfg->health_pass_critical_s;
    bad = health_options(&lim, argc, argv);
    if (bad != NULL) {
        return health_usage(bad);
    }
    oxt_health_init(&h, &lim, repl->p);
    oxt_lock_probe(&lock, repl->cfg->lock_file,
                   apr_time_from_sec(repl->cfg->lock_stale_s), repl->p);
    if (oxt_repl_db_open(&db, repl, res) != APR_SUCCESS) {
        db = NULL;
    }
    oxt_health_gather(&h, db, db ? NULL : oxt_result_text(res, repl->p),
                      &lock, repl->p);
    if (h.facts.db_up) {
        health_ox(&h, repl, db);
    }
    if (health_print(repl, &h) != APR_SUCCESS) {
        return OXT_HEALTH_UNKNOWN;
    }
    return (int)h.state;
}
