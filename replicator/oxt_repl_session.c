/*
 * oxt_repl_session.c — what run, plan and daemon share: the database,
 * psa, settings and keys, the SOAP client for OX, and the engine.
 */
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_crypto.h"
#include "oxt_util.h"
#include "oxt_log.h"
#include "oxt_oxlink.h"
#include "oxt_replog.h"
#include "oxt_queue.h"
#include "oxt_schema.h"
#include "oxt_secrets.h"

/* "Plesk server time zone": the configured one, else the system's. */
static const char *session_timezone(const oxt_config_t *cfg, apr_pool_t *p)
{
    char *tz, *nl;

    if (cfg->plesk_timezone != NULL && *cfg->plesk_timezone) {
        return cfg->plesk_timezone;
    }
    if (oxt_util_file_read(&tz, NULL, "/etc/timezone", 256, p)
        == APR_SUCCESS) {
        nl = strchr(tz, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        if (*tz) {
            return tz;
        }
    }
    return "UTC";
}

/* The OX link as the Settings describe it (oxt_oxlink.h: the same code
 * as the Settings page's Test connection). */
apr_status_t oxt_repl_session_ox(oxt_repl_session_t *s, oxt_result_t *res)
{
    return oxt_oxlink_open(&s->ox, &s->soap, s->settings, s->conns, res,
                           s->p);
}

/* What every desired state of the session is computed with. */
static apr_status_t session_env(oxt_repl_session_t *s,
                                const oxt_config_t *cfg, oxt_result_t *res)
{
    apr_status_t rv;

    s->env.settings = s->settings;
    s->env.plesk_key = oxt_psa_plesk_key(s->psa);
    s->env.fp_key = s->keys.fingerprint;
    /* keyed once for every password of the session's passes */
    rv = oxt_crypto_fp_make(&s->env.fp, s->keys.fingerprint, 32, s->p);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot set up the password"
                              " fingerprints", NULL);
    }
    s->env.plesk_timezone = session_timezone(cfg, s->p);
    s->env.unicode_mappings = s->settings->unicode_mappings;
    return APR_SUCCESS;
}

/* The session's statements between the engine's turns (a daemon's
 * queue batches, spool replays and directory slices, a run's pages) keep
 * the OX connections busy: answers are read and queued calls go out on
 * the connections they free; the callbacks wait for the next turn, so
 * nothing is recorded (oxt_soap_client_pump). */
static void session_pump(void *baton)
{
    oxt_soap_client_pump(baton);
}

/* Before the pool's cleanups (the SOAP client's among them). */
static apr_status_t session_unpump(void *data)
{
    oxt_db_set_idle(data, NULL, NULL);
    return APR_SUCCESS;
}

static void session_pump_on(oxt_repl_session_t *s)
{
    oxt_db_set_idle(s->db, session_pump, s->soap);
    apr_pool_pre_cleanup_register(s->p, s->db, session_unpump);
}

apr_status_t oxt_repl_session_open(oxt_repl_session_t **psession,
                                   oxt_repl_t *repl, int dry_run,
                                   oxt_result_t *res)
{
    oxt_repl_session_t *s = apr_pcalloc(repl->p, sizeof(*s));
    const oxt_config_t *cfg = repl->cfg;
    apr_status_t rv;

    s->p = repl->p;
    s->conns = cfg->ox_connections < 1 ? 1
             : cfg->ox_connections > 256 ? 256 : cfg->ox_connections;
    rv = oxt_repl_db_open(&s->db, repl, res);
    /* After a refused downgrade the older binaries are in place: they
     * must not write into a later release's tables. */
    if (rv == APR_SUCCESS) {
        rv = oxt_schema_check(s->db, cfg->sql_dir, res, s->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_psa_open(&s->psa, s->db, cfg, res, s->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_secrets_check(s->db, res, s->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_crypto_keys_load(&s->keys, cfg->secret_key_file, res, s->p);
        s->key = s->keys.seal;
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&s->settings, s->db, s->key, res, s->p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = session_env(s, cfg, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    s->cfg = cfg;
    s->dry_run = dry_run;
    s->seats = oxt_seats_make(s->p);
    s->env.seats = s->seats;
    /* Counted once at the start, so the first hints already obey the
     * restriction. */
    rv = oxt_seats_load(s->seats, s->db, s->psa, cfg, 1, 0, res);
    if (rv == APR_SUCCESS && !dry_run) {
        rv = oxt_repl_session_ox(s, res);
    }
    if (rv == APR_SUCCESS && s->soap != NULL) {
        session_pump_on(s);
    }
    /* Callers that replicate hold the replicator lock: any lease left is
     * a killed process's. */
    if (rv == APR_SUCCESS && !dry_run) {
        rv = oxt_queue_release_leases(s->db, res, s->p);
    }
    *psession = s;
    return rv;
}

apr_status_t oxt_repl_seats(oxt_repl_session_t *s, int full,
                            oxt_result_t *res)
{
    return oxt_seats_load(s->seats, s->db, s->psa, s->cfg, full,
                          full && !s->dry_run, res);
}

apr_status_t oxt_repl_session_engine(oxt_repl_session_t *s,
                                     const oxt_engine_opts_t *opts,
                                     oxt_result_t *res)
{
    oxt_engine_opts_t o = *opts;
    apr_status_t rv;

    /* Each domain has one call out at a time, and its answer waits for
     * the commit under way before the next goes, so a few connections
     * starve with 4 domains each (4 connections: 56% of the bound with
     * 16 domains, 65% with 64); more than 64 made each turn's commit
     * longer instead (16 connections with 256: no faster, twice the
     * memory). So 4 a connection, and at least 64. */
    if (o.window < 1) {
        o.window = s->conns * 4 < 64 ? 64 : s->conns * 4;
    }
    /* The daemon makes an engine for each run it opens (after 30 s
     * without work it closes the run): the one before, if it has no
     * domain in progress, goes with its commits' thread, read-ahead
     * connection and memory, or a daemon of days piled up one of each
     * per quiet spell. One still busy stays until the session ends. */
    if (s->engine_pool != NULL && oxt_engine_active(s->engine) == 0) {
        if (s->soap != NULL) {      /* it counted calls into that store */
            oxt_soap_client_observe(s->soap, NULL, NULL);
        }
        apr_pool_destroy(s->engine_pool);
    }
    s->engine = NULL;
    apr_pool_create(&s->engine_pool, s->p);
    oxt_store_t *store = oxt_store_db(s->db, s->psa, &s->env,
                                      s->engine_pool);
    oxt_db_params_t *params = apr_pcalloc(s->engine_pool, sizeof(*params));

    /* a full pass reads its next page while it works this one */
    oxt_db_params_from_config(params, s->cfg);
    oxt_store_db_read_ahead(store, params);
    rv = oxt_engine_create(&s->engine, store, s->ox, s->soap, &s->env,
                           s->key, &o, s->engine_pool);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot start replication", NULL);
    }
    return oxt_engine_refresh_blocked(s->engine, res);
}

const char *oxt_repl_lock_text(const oxt_lock_info_t *info, const char *path,
                               apr_pool_t *p)
{
    const char *who = info->pid > 0
        ? apr_psprintf(p, "pid %ld (%s)", info->pid,
                       info->holder ? info->holder : "?")
        : "an unknown process";

    return apr_psprintf(p, "%s is held by %s with no progress for %"
                        APR_INT64_T_FMT " s (lock_stale_s = %" APR_INT64_T_FMT
                        "): replication is stopped until it ends; check"
                        " that process", path, who,
                        (apr_int64_t)apr_time_sec(info->idle),
                        (apr_int64_t)apr_time_sec(info->stale_after));
}

apr_status_t oxt_repl_lock(oxt_lock_t **plock, oxt_repl_t *repl,
                           const char *name, int *pstale, oxt_result_t *res)
{
    oxt_lock_info_t info;
    const char *path = repl->cfg->lock_file;
    apr_status_t rv;

    *pstale = 0;
    rv = oxt_lock_take(plock, path, name,
                       apr_time_from_sec(repl->cfg->lock_stale_s), &info,
                       res, repl->p);
    if (rv == OXT_ELOCKED && info.state == OXT_LOCK_STALE) {
        *pstale = 1;
        return oxt_result_set(res, rv, "Replication is blocked", "%s",
                              oxt_repl_lock_text(&info, path, repl->p));
    }
    return rv;
}

apr_status_t oxt_repl_settings_now(oxt_settings_t **psettings, oxt_db_t *db,
                                   oxt_result_t *res, apr_pool_t *p)
{
    /* No key: neither step needs a secret, and none is opened for it. */
    return oxt_settings_load(psettings, db, NULL, res, p);
}

apr_status_t oxt_repl_prune_logs(int *pmore, oxt_repl_session_t *s,
                                 const oxt_settings_t *settings,
                                 apr_interval_time_t budget,
                                 oxt_result_t *res)
{
    oxt_replog_prune_t pr;
    const oxt_settings_t *now = settings;
    oxt_settings_t *loaded;
    apr_pool_t *p;
    apr_status_t rv = APR_SUCCESS;

    *pmore = 0;
    apr_pool_create(&p, s->p);
    /* The limits as the Settings page left them, not as at start-up. */
    if (now == NULL) {
        rv = oxt_repl_settings_now(&loaded, s->db, res, p);
        now = loaded;
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_replog_prune_kept(&pr, &s->log_cap, s->db,
                                   now->log_retention_days,
                                   now->log_max_rows, 0, budget, res, p);
    }
    if (rv == APR_SUCCESS && (pr.expired || pr.over_cap || pr.recounted)) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                       OXTLOGNO(04001) "replication log: %s rows older than"
                       " %d days and %s beyond %d removed in %d batches%s%s",
                       oxt_util_lld(pr.expired, p), now->log_retention_days,
                       oxt_util_lld(pr.over_cap, p), now->log_max_rows,
                       pr.batches, pr.recounted ? "; counts rebuilt" : "",
                       pr.more ? "; more next time" : "");
    }
    if (rv == APR_SUCCESS && (pr.moved || pr.moved_domains)) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                       OXTLOGNO(04931) "replication log: %s rows of domains"
                       " moved to another owner follow it; %d domains"
                       " done%s", oxt_util_lld(pr.moved, p),
                       pr.moved_domains, pr.more ? "; more next time" : "");
    }
    *pmore = rv != APR_SUCCESS || !pr.more ? 0
             : pr.building ? OXT_REPL_PRUNE_BUILDING : OXT_REPL_PRUNE_BEHIND;
    apr_pool_destroy(p);
    return rv;
}
