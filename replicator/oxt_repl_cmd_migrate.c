/*
 * oxt_repl_cmd_migrate.c — "oxtender-replicator migrate": create or
 * upgrade the oxtender database (see lib/oxt_schema.h).
 */
#include <stdio.h>

#include "oxt_repl.h"
#include "oxt_schema.h"
#include "oxt_json.h"

static void migrate_progress(void *baton, const oxt_migration_t *m)
{
    oxt_repl_t *repl = baton;

    if (!repl->quiet && !repl->json) {
        printf("applied %s\n", m->name);
    }
}

int oxt_repl_cmd_migrate(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    int applied = 0;
    oxt_json_t *j;

    (void)argv;
    if (argc > 1) {
        oxt_repl_fail("migrate takes no arguments");
        return OXT_REPL_EXIT_USAGE;
    }
    if (oxt_schema_migrate(&applied, repl->cfg, migrate_progress, repl, res,
                           repl->p) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (repl->json) {
        j = oxt_repl_json(repl);
        oxt_json_object(j);
        oxt_json_kint(j, "applied", applied);
        oxt_json_kstr(j, "database", repl->cfg->oxtender_database);
        oxt_json_end(j);
        return oxt_repl_json_done(repl, j) == APR_SUCCESS
               ? OXT_REPL_EXIT_OK : OXT_REPL_EXIT_FAIL;
    }
    if (!repl->quiet) {
        printf("database %s is up to date (%d migration%s applied now)\n",
               repl->cfg->oxtender_database, applied, applied == 1 ? "" : "s");
    }
    return OXT_REPL_EXIT_OK;
}
