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

/* Where "event" spools when even the configuration cannot be read. */
#define OXT_REPL_DEFAULT_SPOOL "/var/spool/oxtender"

/* Exit codes: 0 success, 1 the command failed, 2 wrong usage. */
#define OXT_REPL_EXIT_OK     0
#define OXT_REPL_EXIT_FAIL   1
#define OXT_REPL_EXIT_USAGE  2

typedef struct oxt_repl_t {
    apr_pool_t *p;
    const char *config_path;
    oxt_config_t *cfg;
    int json;                  /* --json: machine-readable output */
    int quiet;
    int silent;                /* print nothing at all (event) */
} oxt_repl_t;

/** A subcommand: argc/argv start at the command's own arguments. */
typedef int oxt_repl_cmd_fn(oxt_repl_t *repl, int argc,
                            const char *const *argv);

int oxt_repl_cmd_migrate(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_event(oxt_repl_t *repl, int argc, const char *const *argv);
int oxt_repl_cmd_status(oxt_repl_t *repl, int argc, const char *const *argv);

/** Opens a connection to the oxtender database (lives in repl->p). */
apr_status_t oxt_repl_db_open(oxt_db_t **pdb, oxt_repl_t *repl,
                              oxt_result_t *res);

/** Prints "oxtender-replicator: <text>" on stderr. */
void oxt_repl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* OXT_REPL_H */
