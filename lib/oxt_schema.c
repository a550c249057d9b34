/*
 * oxt_schema.c — see oxt_schema.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_hash.h>

#include "oxt_schema.h"
#include "oxt_log.h"
#include "oxt_status.h"
#include "oxt_util.h"

#define MIGRATION_MAX_BYTES (4 * 1024 * 1024)
#define MIGRATE_LOCK "oxtender_migrate"

/* ---- files ---------------------------------------------------------------- */

static int migration_parse_name(const char *name)
{
    size_t len = strlen(name);
    int i;

    if (len < 10 || strcmp(name + len - 4, ".sql") != 0 || name[4] != '_') {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        if (!apr_isdigit(name[i])) {
            return -1;
        }
    }
    return (int)strtol(name, NULL, 10);
}

static int migration_cmp(const void *a, const void *b)
{
    const oxt_migration_t *ma = *(oxt_migration_t *const *)a;
    const oxt_migration_t *mb = *(oxt_migration_t *const *)b;

    return (ma->version > mb->version) - (ma->version < mb->version);
}

static apr_status_t schema_check_order(apr_array_header_t *list,
                                       const char *dir, oxt_result_t *res)
{
    oxt_migration_t **m = (oxt_migration_t **)list->elts;
    int i;

    if (list->nelts == 0) {
        return oxt_result_set(res, OXT_ECONFIG, "No migration files",
                              "%s has no NNNN_name.sql files", dir);
    }
    for (i = 1; i < list->nelts; i++) {
        if (m[i]->version == m[i - 1]->version) {
            return oxt_result_set(res, OXT_ECONFIG, "Duplicate migration",
                                  "%s and %s have the same number",
                                  m[i - 1]->name, m[i]->name);
        }
    }
    return APR_SUCCESS;
}

apr_status_t oxt_schema_list(apr_array_header_t **pmigrations,
                             const char *dir, oxt_result_t *res,
                             apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 16, sizeof(void *));
    apr_dir_t *d;
    apr_finfo_t fi;
    oxt_migration_t *m;
    apr_status_t rv;
    int version;

    rv = apr_dir_open(&d, dir, p);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot read the migrations",
                              "%s: %s", dir, oxt_status_str(rv, p));
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        version = migration_parse_name(fi.name);
        if (version < 0 || fi.filetype != APR_REG) {
            continue;
        }
        m = apr_pcalloc(p, sizeof(*m));
        m->version = version;
        m->name = apr_pstrdup(p, fi.name);
        m->path = apr_pstrcat(p, dir, "/", fi.name, NULL);
        APR_ARRAY_PUSH(list, oxt_migration_t *) = m;
    }
    apr_dir_close(d);
    qsort(list->elts, (size_t)list->nelts, sizeof(void *), migration_cmp);
    rv = schema_check_order(list, dir, res);
    if (rv == APR_SUCCESS) {
        *pmigrations = list;
    }
    return rv;
}

/* ---- statements ------------------------------------------------------------- */

static int line_is_blank_or_comment(const char *s)
{
    while (apr_isspace(*s)) {
        s++;
    }
    return *s == '\0' || (s[0] == '-' && s[1] == '-');
}

/* Removes trailing blanks; returns the new length. */
static size_t rtrim(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && apr_isspace(s[n - 1])) {
        s[--n] = '\0';
    }
    return n;
}

apr_array_header_t *oxt_schema_split(const char *text, apr_pool_t *p)
{
    apr_array_header_t *stmts = apr_array_make(p, 16, sizeof(char *));
    char *copy = apr_pstrdup(p, text), *line, *next;
    const char *cur = NULL;
    size_t n;

    for (line = copy; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        if (line_is_blank_or_comment(line)) {
            continue;
        }
        n = rtrim(line);
        cur = cur ? apr_pstrcat(p, cur, "\n", line, NULL)
                  : apr_pstrdup(p, line);
        if (n > 0 && line[n - 1] == ';') {
            APR_ARRAY_PUSH(stmts, const char *) =
                apr_pstrndup(p, cur, strlen(cur) - 1);
            cur = NULL;
        }
    }
    if (cur != NULL) {
        /* A last statement without ';' still counts. */
        APR_ARRAY_PUSH(stmts, const char *) = cur;
    }
    return stmts;
}

/* ---- applying ---------------------------------------------------------------- */

static apr_status_t schema_connect(oxt_db_t **pdb, const oxt_config_t *cfg,
                                   oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_params_t params;
    apr_status_t rv;

    oxt_db_params_from_config(&params, cfg);
    params.database = NULL;
    rv = oxt_db_open(pdb, &params, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* The name passed oxt_config_is_identifier, so quoting it is safe. */
    rv = oxt_db_exec_trusted(*pdb, apr_psprintf(p,
            "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4"
            " COLLATE utf8mb4_unicode_ci", cfg->oxtender_database), res);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec_trusted(*pdb, apr_psprintf(p, "USE `%s`",
                                 cfg->oxtender_database), res);
    }
    return rv;
}

/* The recorded versions as a set, and the highest of them (0: none). */
static apr_status_t schema_applied(apr_hash_t **papplied, int *pnewest,
                                   oxt_db_t *db, oxt_result_t *res,
                                   apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_hash_t *applied = apr_hash_make(p);
    long long n = 0;
    int i, v;
    apr_status_t rv;

    rv = oxt_db_select_int(&n, db,
            "SELECT COUNT(*) FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_version'",
            OXT_DB_NOARGS, res, p);
    if (rv == APR_SUCCESS && n > 0) {
        rv = oxt_db_select(&rows, db, "SELECT version FROM schema_version",
                           OXT_DB_NOARGS, res, p);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            v = (int)oxt_db_row_int(APR_ARRAY_IDX(rows, i, oxt_db_row_t *),
                                    0, 0);
            apr_hash_set(applied, apr_itoa(p, v), APR_HASH_KEY_STRING, "");
            *pnewest = v > *pnewest ? v : *pnewest;
        }
    }
    *papplied = applied;
    return rv;
}

apr_status_t oxt_schema_refuse_newer(int newest_applied,
                                     const apr_array_header_t *migrations,
                                     oxt_result_t *res)
{
    const oxt_migration_t *last;

    last = APR_ARRAY_IDX(migrations, migrations->nelts - 1,
                         const oxt_migration_t *);
    if (newest_applied <= last->version) {
        return APR_SUCCESS;
    }
    return oxt_result_set(res, OXT_ESCHEMA,
                          "The database is newer than this software",
                          "it records migration %04d, the newest here is %s:"
                          " refusing to downgrade the schema (install the"
                          " release that upgraded it)", newest_applied,
                          last->name);
}

apr_status_t oxt_schema_check(oxt_db_t *db, const char *sql_dir,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *files;
    apr_hash_t *done;
    int newest = 0;
    apr_status_t rv;

    rv = oxt_schema_list(&files, sql_dir, res, p);
    if (rv == APR_SUCCESS) {
        rv = schema_applied(&done, &newest, db, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_schema_refuse_newer(newest, files, res);
    }
    return rv;
}

static apr_status_t schema_apply_one(oxt_db_t *db, const oxt_migration_t *m,
                                     oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *stmts;
    char *text;
    int i;
    apr_status_t rv;

    rv = oxt_util_file_read(&text, NULL, m->path, MIGRATION_MAX_BYTES, p);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot read migration", "%s",
                              m->path);
    }
    stmts = oxt_schema_split(text, p);
    for (i = 0; i < stmts->nelts; i++) {
        rv = oxt_db_exec_trusted(db, APR_ARRAY_IDX(stmts, i, const char *),
                                 res);
        if (rv != APR_SUCCESS) {
            return oxt_result_set(res, rv, "Migration failed",
                                  "%s, statement %d: %s", m->name, i + 1,
                                  res->detail ? res->detail : "");
        }
    }
    return oxt_db_exec(NULL, db,
                       "INSERT INTO schema_version (version, name, applied_at)"
                       " VALUES (?, ?, NOW())"
                       " ON DUPLICATE KEY UPDATE applied_at = applied_at",
                       OXT_DB_ARGS(OXT_DB_INT(m->version),
                                   OXT_DB_STR(m->name)), res, p);
}

static apr_status_t schema_lock(oxt_db_t *db, int get, oxt_result_t *res,
                                apr_pool_t *p)
{
    long long got = 0;
    apr_status_t rv;

    if (!get) {
        return oxt_db_select_int(&got, db, "SELECT RELEASE_LOCK(?)",
                                 OXT_DB_ARGS(OXT_DB_STR(MIGRATE_LOCK)),
                                 res, p);
    }
    rv = oxt_db_select_int(&got, db, "SELECT GET_LOCK(?, 60)",
                           OXT_DB_ARGS(OXT_DB_STR(MIGRATE_LOCK)), res, p);
    if (rv == APR_SUCCESS && got != 1) {
        rv = oxt_result_set(res, OXT_ELOCKED, "Migration is locked",
                            "another migration has been running for 60 s");
    }
    return rv;
}

apr_status_t oxt_schema_migrate(int *papplied, const oxt_config_t *cfg,
                                oxt_schema_progress_cb *cb, void *baton,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *files;
    apr_hash_t *done;
    oxt_db_t *db;
    oxt_migration_t *m;
    int i, count = 0, newest = 0;
    apr_status_t rv;

    rv = oxt_schema_list(&files, cfg->sql_dir, res, p);
    if (rv == APR_SUCCESS) {
        rv = schema_connect(&db, cfg, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = schema_lock(db, 1, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = schema_applied(&done, &newest, db, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_schema_refuse_newer(newest, files, res);
    }
    for (i = 0; rv == APR_SUCCESS && i < files->nelts; i++) {
        m = APR_ARRAY_IDX(files, i, oxt_migration_t *);
        if (apr_hash_get(done, apr_itoa(p, m->version), APR_HASH_KEY_STRING)) {
            continue;
        }
        rv = schema_apply_one(db, m, res, p);
        if (rv == APR_SUCCESS) {
            count++;
            if (cb != NULL) {
                cb(baton, m);
            }
        }
    }
    if (schema_lock(db, 0, NULL, p) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_SUCCESS,
                       OXTLOGNO(00004) "could not release the migration lock");
    }
    if (papplied != NULL) {
        *papplied = count;
    }
    return rv;
}
