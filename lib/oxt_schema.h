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
 * OXT_ESCHEMA when newest_applied (the highest version the database
 * records; 0 for none) is above the newest of migrations (as listed by
 * oxt_schema_list): the database was upgraded by a later release, which
 * this one must neither downgrade nor write to.
 */
apr_status_t oxt_schema_refuse_newer(int newest_applied,
                                     const apr_array_header_t *migrations,
                                     oxt_result_t *res)
    __attribute__((warn_unused_result));

/**
 * Lists sql_dir and refuses (as oxt_schema_refuse_newer) a database db
 * (connected to the oxtender database) that is newer than its files.
 * The replicator's commands check this before they touch anything.
 */
apr_status_t oxt_schema_check(oxt_db_t *db, const char *sql_dir,
                              oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Creates the database cfg->oxtender_database if needed and applies the
 * files not yet recorded. *papplied (may be NULL) gets how many were
 * applied. A server-side lock keeps two migrations from running at once.
 * A database newer than the files is refused with OXT_ESCHEMA before
 * anything is applied (see oxt_schema_refuse_newer); OXT_EDBCONN means
 * the server could not be reached and nothing was done.
 */
apr_status_t oxt_schema_migrate(int *papplied, const oxt_config_t *cfg,
                                oxt_schema_progress_cb *cb, void *baton,
                                oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_SCHEMA_H */
