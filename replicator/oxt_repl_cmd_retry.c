/*
 * oxt_repl_cmd_retry.c — "oxtender-replicator retry ID|--all": give parked
 * queue items (listed by "status") a fresh set of attempts. The next run,
 * or the daemon within a second, works them again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxt_repl.h"
#include "oxt_queue.h"
#include "oxt_json.h"

int oxt_repl_cmd_retry(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    long long id = 0, count = 1;
    char *end = NULL;
    oxt_plesk_scope_t everything = { OXT_ROLE_ADMIN, 0 };
    oxt_db_t *db;
    oxt_psa_t *psa = NULL;
    oxt_json_t *j;
    apr_status_t rv;

    if (argc != 2) {
        oxt_repl_fail("usage: retry QUEUE-ID | retry --all");
        return OXT_REPL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--all") != 0) {
        id = strtoll(argv[1], &end, 10);
        if (end == argv[1] || *end != '\0' || id <= 0) {
            oxt_repl_fail("retry: '%s' is not a queue id", argv[1]);
            return OXT_REPL_EXIT_USAGE;
        }
    }
    rv = oxt_repl_db_open(&db, repl, res);
    if (rv == APR_SUCCESS && id) {
        rv = oxt_psa_open(&psa, db, repl->cfg, res, repl->p);
    }
    if (rv == APR_SUCCESS) {
        /* The same function as the Logs page's Retry, on everything. */
        rv = id ? oxt_queue_retry(db, psa, &everything, id,
                                  "oxtender-replicator", res, repl->p)
                : oxt_queue_retry_all(&count, db, "oxtender-replicator",
                                      res, repl->p);
    }
    if (rv != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (repl->json && !repl->quiet) {
        j = oxt_repl_json(repl);
        oxt_json_object(j);
        oxt_json_kint(j, "retried", count);
        oxt_json_end(j);
        return oxt_repl_json_done(repl, j) == APR_SUCCESS
               ? OXT_REPL_EXIT_OK : OXT_REPL_EXIT_FAIL;
    }
    if (!repl->quiet) {
        printf("%lld item(s) will be retried\n", count);
    }
    return OXT_REPL_EXIT_OK;
}
