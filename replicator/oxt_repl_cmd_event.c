/*
 * oxt_repl_cmd_event.c — "oxtender-replicator event NAME [KEY=value ...]",
 * the Plesk Event Manager handler.
 *
 * Plesk runs it in the background for every registered event and must
 * never see it fail or print: it records a hint keyed by stable ids and
 * returns at once. While the daemon runs it holds the spool's hand-off
 * lock, and the hint goes to the daemon's socket (or, failing that, to
 * the spool, which the daemon drains). Else it
 * goes into the queue; when the database cannot be reached, or anything
 * else goes wrong, it goes to the spool directory for the next run; if
 * even that fails, syslog says so. The exit code is always 0.
 */
#include <stdio.h>
#include <syslog.h>

#include "oxt_repl.h"
#include "oxt_event.h"
#include "oxt_db.h"
#include "oxt_psa.h"
#include "oxt_log.h"

/* A Plesk action waits for its handlers: never let a stuck database hold
 * it for long. */
#define EVENT_DB_TIMEOUT_S 2

static void event_syslog(const char *what, const char *name,
                         const char *detail)
{
    openlog("oxtender-replicator", LOG_PID, LOG_DAEMON);
    syslog(LOG_ERR, "OXT03002: event %s: %s: %s", name, what,
           detail ? detail : "");
    closelog();
}

static apr_status_t event_record(oxt_repl_t *repl, const oxt_event_t *ev,
                                 oxt_result_t *res)
{
    oxt_db_params_t params;
    oxt_db_t *db;
    oxt_psa_t *psa;
    apr_status_t rv;

    /* main started the client library already (a repeated call does
     * nothing); if that start failed, this one fails again and the caller
     * spools the event rather than losing it. */
    if (oxt_db_library_init() != APR_SUCCESS) {
        return oxt_result_set(res, OXT_EDB, "Cannot start the database"
                              " client", NULL);
    }
    oxt_db_params_from_config(&params, repl->cfg);
    params.connect_timeout = EVENT_DB_TIMEOUT_S;
    params.read_timeout = EVENT_DB_TIMEOUT_S;
    rv = oxt_db_open(&db, &params, res, repl->p);
    /* The schema probe only where the event needs it: it was the dearest
     * statement of every event (oxt_psa_open_bare). */
    psa = oxt_psa_open_bare(repl->cfg, repl->p);
    if (rv == APR_SUCCESS && oxt_event_needs_caps(ev)) {
        rv = oxt_psa_probe(psa, db, res, repl->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_event_queue(NULL, ev, psa, db, res, repl->p);
    }
    return rv;
}

int oxt_repl_cmd_event(oxt_repl_t *repl, int argc, const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_event_t *ev;
    apr_status_t rv;

    if (argc < 2) {
        event_syslog("no event name given", "?", NULL);
        return OXT_REPL_EXIT_OK;
    }
    if (oxt_event_make(&ev, argv[1], argc - 2, argv + 2, repl->p)
        != APR_SUCCESS) {
        return OXT_REPL_EXIT_OK;      /* an event we do not act on */
    }
    /* A daemon takes the event over its socket (or drains the spool
     * within a poll): handing it over costs a message, where the
     * database costs a connection and a commit (docs/architecture.md,
     * "Events"). */
    if (repl->cfg && oxt_event_hand_off(ev, repl->cfg->spool_dir, repl->p)
                     == APR_SUCCESS) {
        return OXT_REPL_EXIT_OK;
    }
    rv = repl->cfg ? event_record(repl, ev, res) : APR_EGENERAL;
    if (rv == APR_SUCCESS) {
        return OXT_REPL_EXIT_OK;
    }
    if (oxt_event_spool_write(ev, repl->cfg ? repl->cfg->spool_dir
                                            : OXT_REPL_DEFAULT_SPOOL,
                              repl->p) != APR_SUCCESS) {
        event_syslog("lost: cannot queue or spool it",
                     ev->name, oxt_result_text(res, repl->p));
    }
    return OXT_REPL_EXIT_OK;
}
