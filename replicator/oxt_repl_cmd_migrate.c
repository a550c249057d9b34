/*
 * oxt_repl_cmd_migrate.c — "oxtender-replicator migrate": create or
 * upgrade the oxtender database (see lib/oxt_schema.h).
 */
#include <stdio.h>

#include "oxt_repl.h"
#include "oxt_schema.h"
#include "oxt_secrets.h"
#include "oxt_json.h"
#include "oxt_status.h"

/* Beyond the usual 0/1/2, so that a package's postinst can tell "try
 * again later" from "never": nothing was changed in either case. */
#define MIGRATE_EXIT_UNREACHABLE 3     /* the database server refused us */
#define MIGRATE_EXIT_NEWER       4     /* a later release's schema */

static void migrate_progress(void *baton, const oxt_migration_t *m)
{
    oxt_repl_t *repl = baton;

    if (!repl->quiet && !repl->json) {
        printf("applied %s\n", m->name);
    }
}

/* Stored secrets of an older format, converted with the key file (which
 * SQL cannot read): after the migration that records the format. */
static apr_status_t migrate_secrets(oxt_secrets_stats_t *st,
                                    oxt_repl_t *repl, oxt_result_t *res)
{
    oxt_db_t *db;
    apr_status_t rv = oxt_repl_db_open(&db, repl, res);

    if (rv == APR_SUCCESS) {
        rv = oxt_secrets_convert(st, db, repl->cfg, res, repl->p);
    }
    if (rv == APR_SUCCESS && st->converted && !repl->quiet && !repl->json
        && st->resealed + st->rekeyed + st->unverified > 0) {
        printf("stored secrets converted: %lld sealed values bound to their"
               " rows, %lld password fingerprints moved to the new key,"
               " %lld left (their passwords are sent to OX once)\n",
               st->resealed, st->rekeyed, st->unverified);
    }
    return rv;
}

static int migrate_json(oxt_repl_t *repl, int applied,
                        const oxt_secrets_stats_t *st)
{
    oxt_json_t *j = oxt_repl_json(repl);

    oxt_json_object(j);
    oxt_json_kint(j, "applied", applied);
    oxt_json_kstr(j, "database", repl->cfg->oxtender_database);
    if (st->converted) {
        oxt_json_kobject(j, "secrets_converted");
        oxt_json_kint(j, "resealed", st->resealed);
        oxt_json_kint(j, "rekeyed", st->rekeyed);
        oxt_json_kint(j, "unverified", st->unverified);
        oxt_json_end(j);
    }
    oxt_json_end(j);
    return oxt_repl_json_done(repl, j) == APR_SUCCESS ? OXT_REPL_EXIT_OK
                                                      : OXT_REPL_EXIT_FAIL;
}

int oxt_repl_cmd_migrate(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_secrets_stats_t st;
    int applied = 0;
    apr_status_t rv;

    (void)argv;
    if (argc > 1) {
        oxt_repl_fail("migrate takes no arguments");
        return OXT_REPL_EXIT_USAGE;
    }
    rv = oxt_schema_migrate(&applied, repl->cfg, migrate_progress, repl, res,
                            repl->p);
    if (rv == APR_SUCCESS) {
        rv = migrate_secrets(&st, repl, res);
    }
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return rv == OXT_EDBCONN ? MIGRATE_EXIT_UNREACHABLE
             : rv == OXT_ESCHEMA ? MIGRATE_EXIT_NEWER : OXT_REPL_EXIT_FAIL;
    }
    if (repl->json) {
        return migrate_json(repl, applied, &st);
    }
    if (!repl->quiet) {
        printf("database %s is up to date (%d migration%s applied now)\n",
               repl->cfg->oxtender_database, applied, applied == 1 ? "" : "s");
    }
    return OXT_REPL_EXIT_OK;
}
