/*
 * oxt_schema.h — creating and upgrading the oxtender database from the
 * numbered migration files in sql/oxtender (NNNN_name.sql).
 *
 * Each file is applied once, in number order, and recorded in
 * schema_version (which the first migration creates). Files are written
 * to be idempotent, so a crash between a file's last statement and its
 * record only means the file runs again. Statements end with ';' at the
 * end of a line; lines starting with "--" are comments.
 */
#ifndef OXT_SCHEMA_H
#define OXT_SCHEMA_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_config.h"
#include "oxt_db.h"

/** One migration file. */
typedef struct oxt_migration_t {
    int version;
    const char *name;         /* file name, e.g. "0001_init.sql" */
    const char *path;
} oxt_migration_t;

/** Called after each applied file, for progress output. */
typedef void oxt_schema_progress_cb(void *baton, const oxt_migration_t *m);

/**
 * The migration files of dir in version order, as oxt_migration_t *.
 * OXT_ECONFIG when two files share a number or dir has none.
 */
apr_status_t oxt_schema_list(apr_array_header_t **pmigrations,
                             const char *dir, oxt_result_t *res,
                             apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Splits migration text into statements (without the final ';'). */
apr_array_header_t *oxt_schema_split(const char *text, apr_pool_t *p);

/**
 * Creates the database cfg->oxtender_database if needed and applies the
 * files not yet recorded. *papplied (may be NULL) gets how many were
 * applied. A server-side lock keeps two migrations from running at once.
 */
apr_status_t oxt_schema_migrate(int *papplied, const oxt_config_t *cfg,
                                oxt_schema_progress_cb *cb, void *baton,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_SCHEMA_H */
