/*
 * oxt_repl_cmd_directory.c — "oxtender-replicator directory": brings the
 * directory behind the Resellers, Clients and Domains lists (lib/oxt_dir.h)
 * and the Mailboxes page's (lib/oxt_mbdir.h) in line with psa now,
 * without OX. Every pass of run and daemon does the same at its end; this
 * is for a new installation (the lists fill before OX is configured) and
 * for operators. Another replicator holding the lock keeps the directory
 * itself: then there is nothing to do.
 */
#include <stdio.h>

#include "oxt_repl.h"
#include "oxt_dir.h"
#include "oxt_mbdir.h"
#include "oxt_json.h"
#include "oxt_log.h"

/* The Mailboxes page's directory (oxt_mbdir.h), with the settings'
 * default service type (loaded when settings is NULL). */
static apr_status_t directory_mailboxes(oxt_db_t *db, const oxt_psa_t *psa,
                                        const oxt_settings_t *settings,
                                        oxt_result_t *res, apr_pool_t *p)
{
    oxt_settings_t *loaded;
    apr_status_t rv = APR_SUCCESS;

    if (settings == NULL) {
        rv = oxt_settings_load(&loaded, db, NULL, res, p);
        settings = loaded;
    }
    return rv == APR_SUCCESS ? oxt_mbdir_refresh(db, psa, settings, NULL,
                                                 res, p) : rv;
}

apr_status_t oxt_repl_directory(oxt_repl_t *repl, oxt_db_t *db,
                                const oxt_psa_t *psa,
                                oxt_dir_stats_t *stats, oxt_result_t *res)
{
    apr_pool_t *p;
    apr_status_t rv;

    apr_pool_create(&p, repl->p);
    rv = oxt_dir_refresh(db, psa, stats, res, p);
    if (rv == APR_SUCCESS) {
        rv = directory_mailboxes(db, psa, NULL, res, p);
    }
    apr_pool_destroy(p);
    return rv;
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
        rv = oxt_repl_directory(repl, db, psa, &st, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    return directory_print(repl, &st);
}
