/*
 * oxt_repl_cmd_directory.c — "oxtender-replicator directory": brings the
 * directory behind the Resellers, Clients and Domains lists (lib/oxt_dir.h)
 * and the Mailboxes page's (lib/oxt_mbdir.h) in line with psa now,
 * without OX, comparing every domain. Every pass of run and daemon does
 * the same at its end for the domains whose sources moved since
 * (oxt_dirsum.h); this is for a new installation (the lists fill before
 * OX is configured) and for operators (everything checked again). Another replicator holding the lock keeps the directory
 * itself: then there is nothing to do.
 */
#include <stdio.h>
#include <apr_strings.h>

#include "oxt_repl.h"
#include "oxt_dir.h"
#include "oxt_mbdir.h"
#include "oxt_dirsum.h"
#include "oxt_settings.h"
#include "oxt_json.h"
#include "oxt_log.h"

/* Both directories in line: every domain compared (full), or those
 * whose sources moved since the last refresh (oxt_dirsum.h); the sums
 * are stored once both are. */
static apr_status_t directory_both(oxt_db_t *db, const oxt_psa_t *psa,
                                   const oxt_settings_t *given, int full,
                                   oxt_dir_stats_t *stats,
                                   oxt_result_t *res, apr_pool_t *p)
{
    const apr_array_header_t *buckets = NULL;
    const oxt_settings_t *settings = given;
    oxt_dir_stats_t st = { 0, 0, 0, 0 };
    oxt_settings_t *loaded;
    oxt_dirsum_t *sum;
    apr_time_t t0 = apr_time_now(), t1 = t0, t2 = t0;
    apr_status_t rv = APR_SUCCESS;

    if (settings == NULL) {
        rv = oxt_repl_settings_now(&loaded, db, res, p);
        settings = loaded;
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_dirsum_take(&sum, db, psa, settings->default_service, res,
                             p);
    }
    if (rv == APR_SUCCESS && !full) {
        buckets = oxt_dirsum_changed(sum, p);
    }
    if (rv == APR_SUCCESS) {
        t1 = apr_time_now();
        rv = oxt_dir_refresh_changed(db, psa, buckets, &st, res, p);
    }
    if (rv == APR_SUCCESS) {
        t2 = apr_time_now();
        rv = oxt_mbdir_refresh_changed(db, psa, settings, buckets, NULL, res,
                                       p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_dirsum_save(sum, db, res, p);
    }
    /* After both directories: the Mailboxes' tables are filled too. */
    if (rv == APR_SUCCESS) {
        rv = oxt_dir_analyze_if_moved(db, &st, res, p);
    }
    if (stats != NULL) {
        oxt_dir_stats_add(stats, &st);
    }
    if (rv == APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                       OXTLOGNO(04360) "directory: %s, sums %.2f s, lists"
                       " %.2f s, mailboxes %.2f s", buckets == NULL
                       ? "every domain compared" : apr_psprintf(p, "%d"
                       " buckets of %d domain ids changed", buckets->nelts,
                       OXT_DIRSUM_WIDTH), (double)(t1 - t0) / 1e6,
                       (double)(t2 - t1) / 1e6,
                       (double)(apr_time_now() - t2) / 1e6);
    }
    return rv;
}

static apr_status_t directory_run(apr_pool_t *pp, oxt_db_t *db,
                                  const oxt_psa_t *psa,
                                  const oxt_settings_t *settings, int full,
                                  oxt_dir_stats_t *stats, oxt_result_t *res)
{
    apr_pool_t *p;
    apr_status_t rv;

    apr_pool_create(&p, pp);
    rv = directory_both(db, psa, settings, full, stats, res, p);
    apr_pool_destroy(p);
    return rv;
}

apr_status_t oxt_repl_directory(oxt_repl_t *repl, oxt_db_t *db,
                                const oxt_psa_t *psa,
                                const oxt_settings_t *settings,
                                oxt_dir_stats_t *stats, oxt_result_t *res)
{
    return directory_run(repl->p, db, psa, settings, 0, stats, res);
}

apr_status_t oxt_repl_directory_in(oxt_db_t *db, const oxt_psa_t *psa,
                                   oxt_result_t *res, apr_pool_t *p)
{
    return directory_run(p, db, psa, NULL, 0, NULL, res);
}

static int directory_print(oxt_repl_t *repl, const oxt_dir_stats_t *st)
{
    oxt_json_t *j;

    if (repl->json) {
        j = oxt_repl_json(repl);
        oxt_json_object(j);
        oxt_json_kint(j, "seen", st->seen);
        oxt_json_kint(j, "added", st->added);
        oxt_json_kint(j, "changed", st->changed);
        oxt_json_kint(j, "removed", st->removed);
        oxt_json_end(j);
        return oxt_repl_json_done(repl, j) == APR_SUCCESS
               ? OXT_REPL_EXIT_OK : OXT_REPL_EXIT_FAIL;
    }
    if (!repl->quiet) {
        printf("directory: %lld rows looked at, %lld added, %lld changed,"
               " %lld removed\n", st->seen, st->added, st->changed,
               st->removed);
    }
    return OXT_REPL_EXIT_OK;
}

int oxt_repl_cmd_directory(oxt_repl_t *repl, int argc,
                           const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_dir_stats_t st = { 0, 0, 0, 0 };
    oxt_lock_t *lock = NULL;
    oxt_psa_t *psa;
    oxt_db_t *db;
    int stale = 0;
    apr_status_t rv;

    (void)argv;
    if (argc > 1) {
        oxt_repl_fail("directory takes no arguments");
        return OXT_REPL_EXIT_USAGE;
    }
    rv = oxt_repl_lock(&lock, repl, "directory", &stale, res);
    if (rv == OXT_ELOCKED) {
        if (!repl->quiet) {
            printf("directory: %s; it keeps the directory itself\n",
                   oxt_result_text(res, repl->p));
        }
        return stale ? OXT_REPL_EXIT_STALE : OXT_REPL_EXIT_OK;
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_repl_db_open(&db, repl, res);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_psa_open(&psa, db, repl->cfg, res, repl->p);
    }
    if (rv == APR_SUCCESS) {
        rv = directory_run(repl->p, db, psa, NULL, 1, &st, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    return directory_print(repl, &st);
}
