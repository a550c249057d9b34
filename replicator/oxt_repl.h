/*
 * oxt_repl.h — shared by the replicator's command files.
 */
#ifndef OXT_REPL_H
#define OXT_REPL_H

#include <apr_pools.h>
#include <apr_getopt.h>

#include "oxt_config.h"
#include "oxt_db.h"
#include "oxt_result.h"
#include "oxt_psa.h"
#include "oxt_prefs.h"
#include "oxt_desired.h"
#include "oxt_soap.h"
#include "oxt_ox.h"
#include "oxt_engine.h"
#include "oxt_json.h"
#include <apr_file_io.h>
#include "oxt_lock.h"
#include "oxt_crypto.h"
#include "oxt_sink.h"
#include "oxt_dir.h"
#include "oxt_replog.h"

/* Where "event" spools when even the configuration cannot be read. */
#define OXT_REPL_DEFAULT_SPOOL "/var/spool/oxtender"

/* Exit codes (docs/replicator.md): 0 success, 1 the command failed,
 * 2 wrong usage, 3 replication is blocked: the lock has been held with no
 * progress for longer than lock_stale_s. */
#define OXT_REPL_EXIT_OK     0
#define OXT_REPL_EXIT_FAIL   1
#define OXT_REPL_EXIT_USAGE  2
#define OXT_REPL_EXIT_STALE  3

typedef struct oxt_repl_t {
    apr_pool_t *p;
    const char *config_path;
    oxt_config_t *cfg;
    int json;                  /* --json: machine-readable output */
    int quiet;
    int silent;                /* print nothing at all (event) */
    const char *config_error;  /* why cfg is NULL */
    int own_config_error;      /* the command says it itself (health) */
} oxt_repl_t;

/** Everything a replication needs, in repl->p. */
typedef struct oxt_repl_session_t {
    apr_pool_t *p;
    oxt_db_t *db;
    oxt_psa_t *psa;
    oxt_crypto_keys_t keys;        /* of secret_key_file */
    const unsigned char *key;      /* keys.seal */
    oxt_settings_t *settings;
    const oxt_config_t *cfg;
    int dry_run;
    oxt_seats_t *seats;            /* the license's limits (env.seats) */
    apr_time_t seats_at;           /* when they were last loaded by a
                                      queue batch (oxt_repl_queue.c) */
    oxt_desired_env_t env;
    int conns;
    oxt_soap_client_t *soap;       /* NULL for a dry run */
    oxt_ox_t *ox;
    oxt_engine_t *engine;
    apr_pool_t *engine_pool;       /* the engine's and its store's */
    /* The domains and accounts of the hints worked since the lists'
     * directory was last brought in line (oxt_repl_queue.c), in
     * dir_pool; dir_order: the domains in the order they were first
     * noted (the slices take the oldest); dir_since: when the first of
     * them was noted; dir_behind: when slices last ran while the queue
     * was behind. */
    apr_pool_t *dir_pool;
    apr_hash_t *dir_doms;
    apr_array_header_t *dir_order;
    apr_hash_t *dir_accounts;
    apr_time_t dir_since;
    apr_time_t dir_behind;
    /* The log's row cap as the last prune found it (oxt_repl_prune_logs:
     * the daemon's calls count what changed since, not the whole log). */
    oxt_replog_cap_t log_cap;
} oxt_repl_session_t;

/** Connects, loads settings and keys, and (unless dry_run) sets up OX. */
apr_status_t oxt_repl_session_open(oxt_repl_session_t **psession,
                                   oxt_repl_t *repl, int dry_run,
                                   oxt_result_t *res);

/**
 * Sets up the SOAP client and OX from s->settings, with s->conns
 * connections (s->soap, s->ox in s->p). OXT_ECONFIG when no OX host is
 * set or the transport is refused (plain HTTP).
 */
apr_status_t oxt_repl_session_ox(oxt_repl_session_t *s, oxt_result_t *res);

/**
 * Loads the license and its seats again (oxt_seats_load); only while no
 * domain is in progress. full (a full pass) also counts Plesk's
 * mailboxes and, unless this is a dry run, keeps the counts for the
 * pages.
 */
apr_status_t oxt_repl_seats(oxt_repl_session_t *s, int full,
                            oxt_result_t *res)
    __attribute__((warn_unused_result));

/** Creates s->engine with opts (window defaults to 4 x connections). */
apr_status_t oxt_repl_session_engine(oxt_repl_session_t *s,
                                     const oxt_engine_opts_t *opts,
                                     oxt_result_t *res);

/**
 * Takes the replicator lock (lock_file) for name ("run", "daemon") without
 * waiting; it lives in repl->p. OXT_ELOCKED if another process holds it:
 * *pstale is then set when that holder has shown no progress for longer
 * than lock_stale_s, and res says who and for how long.
 */
apr_status_t oxt_repl_lock(oxt_lock_t **plock, oxt_repl_t *repl,
                           const char *name, int *pstale, oxt_result_t *res);

/** The text of a stale lock for people, in p. */
const char *oxt_repl_lock_text(const oxt_lock_info_t *info, const char *path,
                               apr_pool_t *p);

/**
 * Claims due queue items and works their domains; *pdone gets how many
 * items were claimed. *pall is set when an item asks for everything.
 */
apr_status_t oxt_repl_queue_batch(int *pclaimed, int *pall,
                                  oxt_repl_session_t *s, const char *owner,
                                  oxt_result_t *res);

/**
 * Keeps the replication log bounded (oxt_replog_prune with the retention
 * and row cap of the Settings as they are now), for at most budget;
 * what it deleted is logged. *pmore: work is left for the next call:
 * OXT_REPL_PRUNE_BEHIND when rows to delete are left, else
 * OXT_REPL_PRUNE_BUILDING when only the Logs page index's build has
 * chunks left (0: nothing).
 * settings: read after the pass by the caller (oxt_repl_settings_now),
 * or NULL to read them here.
 */
#define OXT_REPL_PRUNE_BEHIND   1
#define OXT_REPL_PRUNE_BUILDING 2
apr_status_t oxt_repl_prune_logs(int *pmore, oxt_repl_session_t *s,
                                 const oxt_settings_t *settings,
                                 apr_interval_time_t budget,
                                 oxt_result_t *res);

/** The options before the command (-c, --json, -q, --help, --version),
 * for apr_getopt_long; the replicator and its event front read them
 * alike. */
extern const apr_getopt_option_t oxt_repl_opts[];

/** The configuration file: given (-c), else $OXTENDER_CONF, else the
 * default; in p. */
const char *oxt_repl_config_path(const char *given, apr_pool_t *p);

/** The default configuration file, for the usage text. */
const char *oxt_repl_default_config(void);

/** A subcommand: argc/argv start at the command's own arguments. */
typedef int oxt_repl_cmd_fn(oxt_repl_t *repl, int argc,
                            const char *const *argv);

int oxt_repl_cmd_migrate(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_event(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_status(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_run(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_plan(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_daemon(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_retry(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_reconcile(oxt_repl_t *repl, int argc,
                           const char *const *argv);
int oxt_repl_cmd_settings(oxt_repl_t *repl, int argc,
                          const char *const *argv);
int oxt_repl_cmd_buttons(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_metrics(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_health(oxt_repl_t *repl, int argc, const char *const *argv);

/* ---- monitoring (oxt_repl_cmd_metrics.c, oxt_repl_httpd.c) ------------- */

/** A full pass over every domain starts (recorded for health and the
 *  metrics). */
apr_status_t oxt_repl_pass_begin(oxt_repl_session_t *s, oxt_result_t *res);

/**
 * The pass ended with rv, which is returned (or the failure to record a
 * successful pass). complete: every domain was started, the pass was not
 * stopped half-way; only a complete one counts as successful.
 */
apr_status_t oxt_repl_pass_end(oxt_repl_session_t *s, apr_status_t rv,
                               int complete, oxt_result_t *res);

/**
 * The Prometheus exposition of everything (lib/oxt_metrics.h) into sink,
 * from a connection of its own opened in p. The exposition is written
 * even when the database cannot be read (oxtender_database_up 0); the
 * return value and res say so.
 */
apr_status_t oxt_repl_metrics_write(oxt_sink_t *sink, const oxt_config_t *cfg,
                                    oxt_result_t *res, apr_pool_t *p);

/**
 * Serves GET /metrics on cfg->metrics_listen (loopback) from a thread of
 * its own, one connection at a time, until repl->p is destroyed. Nothing
 * when metrics_listen is not set; a failure to listen is returned.
 */
apr_status_t oxt_repl_httpd_start(oxt_repl_t *repl, oxt_result_t *res);
/* ---- the event handlers' socket (oxt_repl_hints.c) ------------------- */

typedef struct oxt_repl_hints_t oxt_repl_hints_t;

/**
 * Listens on spool_dir/.daemon.sock (mode 0600, a stale one removed
 * first; call it holding the daemon's lock, before any other thread makes
 * files) and takes the handlers' events in a thread of its own, with its
 * own database connection: each group of events that arrived while the
 * previous commit ran is queued in one transaction, and each handler is
 * answered once its hint is committed. Runs until repl->p is destroyed
 * (the socket file is removed then). On a failure *ph is NULL and the
 * handlers spool their events as before.
 */
apr_status_t oxt_repl_hints_start(oxt_repl_hints_t **ph, oxt_repl_t *repl,
                                  oxt_result_t *res);

/**
 * Waits at most max for hints committed since the last call: 1 when some
 * were (the engine's thread claims them at once), 0 after max. h may be
 * NULL (no socket): a sleep of max.
 */
int oxt_repl_hints_wait(oxt_repl_hints_t *h, apr_interval_time_t max);

int oxt_repl_cmd_license(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_directory(oxt_repl_t *repl, int argc,
                           const char *const *argv);

/**
 * The lists' directory brought in line with psa, and the Mailboxes
 * page's, at the end of every full pass: the domains whose sources moved
 * since the last time (oxt_dirsum.h, oxt_dir_refresh_changed,
 * oxt_mbdir_refresh_changed); stats may be NULL. Scratch in a subpool of
 * repl->p. `oxtender-replicator directory` compares every domain.
 * settings: as read after the pass (oxt_repl_settings_now), or NULL to
 * read them here.
 */
apr_status_t oxt_repl_directory(oxt_repl_t *repl, oxt_db_t *db,
                                const oxt_psa_t *psa,
                                const oxt_settings_t *settings,
                                oxt_dir_stats_t *stats, oxt_result_t *res);

/**
 * The same step with the settings read here, its scratch in a subpool of
 * p and nothing of repl: for a thread of its own with a connection of its
 * own (run's early directory, oxt_repl_cmd_run.c). psa is only read.
 */
apr_status_t oxt_repl_directory_in(oxt_db_t *db, const oxt_psa_t *psa,
                                   oxt_result_t *res, apr_pool_t *p);

/**
 * The Settings as the Settings page left them now (not as at the
 * session's start), without the secrets: a run reads them once after its
 * pass for both the directory step and the log's bound, which read them
 * each for themselves before (three statements each).
 */
apr_status_t oxt_repl_settings_now(oxt_settings_t **psettings, oxt_db_t *db,
                                   oxt_result_t *res, apr_pool_t *p);

/**
 * Brings Plesk's OXtender buttons in line with the grants, as the end of
 * every pass: quiet when there is no custombutton tool, failures logged
 * (never the pass's failure). Scratch in a subpool of p.
 */
void oxt_repl_buttons_pass(oxt_repl_t *repl, oxt_db_t *db,
                           const oxt_psa_t *psa, apr_pool_t *p);

/** Opens a connection to the oxtender database (lives in repl->p). */
apr_status_t oxt_repl_db_open(oxt_db_t **pdb, oxt_repl_t *repl,
                              oxt_result_t *res);

/**
 * A JSON writer on stdout for --json output (indented when stdout is a
 * terminal), in repl->p. Finish it with oxt_repl_json_done.
 */
oxt_json_t *oxt_repl_json(oxt_repl_t *repl);

/** Ends the JSON text; a failure (a misuse of the writer, a closed
 *  stdout) is reported on stderr and returned. */
apr_status_t oxt_repl_json_done(oxt_repl_t *repl, oxt_json_t *j);

/** The counts of a run per kind of operation, in --json output:
 *  "operations": {"context_create": {"ok": N, "failed": M}, ...}, every
 *  kind (lib/oxt_replog.h, oxt_run_op_name). */
void oxt_repl_json_counts(oxt_json_t *j, const oxt_run_counts_t *counts);

/** The failures of a run per kind, for text output: " (context create 14,
 *  user change 1)", or "" when none failed; in p. */
const char *oxt_repl_failed_kinds(const oxt_run_counts_t *counts,
                                  apr_pool_t *p);

/** Prints "oxtender-replicator: <text>" on stderr. */
void oxt_repl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* OXT_REPL_H */
