/*
 * oxt_repl.h — shared by the replicator's command files.
 */
#ifndef OXT_REPL_H
#define OXT_REPL_H

#include <apr_pools.h>
#include <apr_getopt.h>

#include "oxt_config.h"

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
} oxt_repl_t;

/** A subcommand: argc/argv start at the command's own arguments. */
typedef int oxt_repl_cmd_fn(oxt_repl_t *repl, int argc,
                            const char *const *argv);

int oxt_repl_cmd_migrate(oxt_repl_t *repl, int argc, const char *const *argv);

/** Prints "oxtender-replicator: <text>" on stderr. */
void oxt_repl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* OXT_REPL_H */
