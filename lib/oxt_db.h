/*
 * oxt_db.h — MySQL/MariaDB access: prepared statements only, connections
 * owned by pools, a per-process connection pool for the module.
 *
 * Values never enter SQL text: every dynamic value is a bound parameter
 * (oxt_db_arg_t). The only SQL text the core builds at run time is the
 * qualification of table names with the database names from the
 * configuration, which oxt_config_is_identifier has checked, and the
 * repetition of constant text: the "?" list of an IN (oxt_db_in_bind)
 * and the row tuples of a multi-row INSERT (oxt_rows.h).
 */
#ifndef OXT_DB_H
#define OXT_DB_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_config.h"

typedef struct oxt_db_t oxt_db_t;
typedef struct oxt_db_pool_t oxt_db_pool_t;

typedef struct oxt_db_params_t {
    const char *host;
    int port;
    const char *socket;        /* NULL: TCP to host:port */
    const char *user;
    const char *password;
    const char *database;      /* default database, may be NULL */
    int connect_timeout;       /* seconds */
    int read_timeout;          /* seconds, 0: library default */
} oxt_db_params_t;

typedef enum { OXT_DB_T_NULL, OXT_DB_T_STR, OXT_DB_T_INT } oxt_db_arg_type_t;

/** One bound parameter; build with OXT_DB_STR / OXT_DB_INT / OXT_DB_NULL. */
typedef struct oxt_db_arg_t {
    oxt_db_arg_type_t type;
    const char *s;
    apr_size_t len;            /* 0 with s != NULL: strlen(s) */
    long long i;
} oxt_db_arg_t;

#define OXT_DB_STR(v)  ((oxt_db_arg_t){ (v) ? OXT_DB_T_STR : OXT_DB_T_NULL, (v), 0, 0 })
#define OXT_DB_BIN(v, n) ((oxt_db_arg_t){ OXT_DB_T_STR, (v), (n), 0 })
#define OXT_DB_INT(v)  ((oxt_db_arg_t){ OXT_DB_T_INT, NULL, 0, (long long)(v) })
#define OXT_DB_NULL    ((oxt_db_arg_t){ OXT_DB_T_NULL, NULL, 0, 0 })
#define OXT_DB_ARGS(...) ((const oxt_db_arg_t[]){ __VA_ARGS__ }), \
    (int)(sizeof((const oxt_db_arg_t[]){ __VA_ARGS__ }) / sizeof(oxt_db_arg_t))
#define OXT_DB_NOARGS  NULL, 0

/** One result row: every column as text (NULL for SQL NULL). */
typedef struct oxt_db_row_t {
    int ncols;
    const char **vals;
    const apr_size_t *lens;
} oxt_db_row_t;

/* ---- reading a row's columns --------------------------------------------- */

/* Column indexes past the row's end read as NULL, so a reader never walks
 * off a row whose query has fewer columns than it expects. */

/** Column i as a number; dflt when it is NULL or not a number. */
long long oxt_db_row_int(const oxt_db_row_t *row, int i, long long dflt);

/** Column i is true: "1" (MySQL booleans) or "true" (Plesk's ENUMs). */
int oxt_db_row_bool(const oxt_db_row_t *row, int i);

/** Column i copied into p (NULL stays NULL): for rows of oxt_db_each,
 *  whose strings live only as long as the callback. */
const char *oxt_db_row_str(const oxt_db_row_t *row, int i, apr_pool_t *p);

/** The index of column i's text in names (NULL-terminated); dflt when
 *  it is NULL or none of them. */
int oxt_db_row_enum(const oxt_db_row_t *row, int i,
                    const char *const *names, int dflt);

/**
 * Called for each row of oxt_db_each. ptemp is cleared after each row;
 * copy what you keep into your own pool. The callback must not use the
 * same connection (the result is being streamed on it). Return anything
 * but APR_SUCCESS to stop; that status is returned by oxt_db_each.
 */
typedef apr_status_t oxt_db_row_cb(void *baton, const oxt_db_row_t *row,
                                   apr_pool_t *ptemp);

/**
 * Starts the client library. Call once per process before any thread
 * opens a connection (the library's own start-up is not thread-safe).
 */
apr_status_t oxt_db_library_init(void)
    __attribute__((warn_unused_result));

/** Ends the client library; no connection may be used afterwards. */
void oxt_db_library_end(void);

/**
 * A thread other than the one that started the library calls these at
 * its start, before its first statement, and at its end: the client
 * library's per-thread state (mysql_thread_init, mysql_thread_end; the
 * latter frees it, which nothing else would).
 */
void oxt_db_thread_begin(void);
void oxt_db_thread_end(void);

/**
 * The idle hook: fn(baton) runs after each statement (and every few
 * hundred rows of a long read) made on db by the thread that calls this,
 * never by another thread using db. The replicator keeps its OX
 * connections busy so (oxt_soap_client_pump) while it reads and writes
 * the database between the engine's turns. NULL: none.
 */
typedef void oxt_db_idle_fn(void *baton);
void oxt_db_set_idle(oxt_db_t *db, oxt_db_idle_fn *fn, void *baton);

/** Connection parameters from the configuration (database: oxtender). */
void oxt_db_params_from_config(oxt_db_params_t *params,
                               const oxt_config_t *cfg);

/**
 * Opens a connection. It is closed when p is cleared or destroyed; it MUST
 * NOT be closed any other way. On failure res says why (never with the
 * password).
 */
apr_status_t oxt_db_open(oxt_db_t **pdb, const oxt_db_params_t *params,
                         oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Streams the rows of a query through cb. */
apr_status_t oxt_db_each(oxt_db_t *db, const char *sql,
                         const oxt_db_arg_t *args, int nargs,
                         oxt_db_row_cb *cb, void *baton,
                         oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** All rows of a query as an array of oxt_db_row_t *, living in p. */
apr_status_t oxt_db_select(apr_array_header_t **prows, oxt_db_t *db,
                           const char *sql, const oxt_db_arg_t *args,
                           int nargs, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The first row of a query (living in p); *prow NULL when it has none
 *  or the query failed: for the queries of one row of values. */
apr_status_t oxt_db_select_row(const oxt_db_row_t **prow, oxt_db_t *db,
                               const char *sql, const oxt_db_arg_t *args,
                               int nargs, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The first column of the first row as an integer; APR_ENOENT if none. */
apr_status_t oxt_db_select_int(long long *pval, oxt_db_t *db,
                               const char *sql, const oxt_db_arg_t *args,
                               int nargs, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The first column of every row as a number (long long), in p: for the
 *  queries that list ids. */
apr_status_t oxt_db_select_ids(apr_array_header_t **pids, oxt_db_t *db,
                               const char *sql, const oxt_db_arg_t *args,
                               int nargs, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Runs a statement that returns no rows; *paffected may be NULL. */
apr_status_t oxt_db_exec(unsigned long long *paffected, oxt_db_t *db,
                         const char *sql, const oxt_db_arg_t *args, int nargs,
                         oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Runs SQL text with no parameters as it is, one statement at a time:
 * for the schema migrations shipped in sql/ only, never for text that
 * holds a value from outside.
 */
apr_status_t oxt_db_exec_trusted(oxt_db_t *db, const char *sql,
                                 oxt_result_t *res)
    __attribute__((warn_unused_result));

apr_status_t oxt_db_begin(oxt_db_t *db, oxt_result_t *res)
    __attribute__((warn_unused_result));
apr_status_t oxt_db_commit(oxt_db_t *db, oxt_result_t *res)
    __attribute__((warn_unused_result));
/** Rolls back; failures are logged, not returned (used on error paths). */
void oxt_db_rollback(oxt_db_t *db);

/** True when the last error means the connection is gone. */
int oxt_db_is_broken(const oxt_db_t *db);
/** True when the last error was a lock wait that ran out (NOWAIT, WAIT n
 * or innodb_lock_wait_timeout): the statement failed, the connection and
 * its transaction's other work did not. */
int oxt_db_lock_timed_out(const oxt_db_t *db);

/* ---- per-process pool (the module) ------------------------------------ */

/**
 * A pool of at most max connections, living as long as p. Connections are
 * made on demand; idle ones above keep are closed after ttl seconds.
 */
apr_status_t oxt_db_pool_create(oxt_db_pool_t **ppool,
                                const oxt_db_params_t *params, int keep,
                                int max, int ttl, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Takes a connection from the pool for the lifetime of p (a request's
 * pool): it goes back when p is cleaned up, or is discarded if it broke.
 * It MUST NOT be closed by the caller.
 */
apr_status_t oxt_db_pool_acquire(oxt_db_t **pdb, oxt_db_pool_t *pool,
                                 oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The most ids one IN list of oxt_db_in_bind() binds. */
#define OXT_DB_IN_MAX 500

/** The length an IN list of n ids (1 <= n <= OXT_DB_IN_MAX) is padded
 *  to: one of a few fixed lengths, so that a handful of statement texts
 *  serve every list and the prepared-statement cache keeps them. */
int oxt_db_in_size(int n);

/** An IN list of ids[from .. from + n) (an array of long long, 1 <= n <=
 *  OXT_DB_IN_MAX): args[0 .. size) bound, padded with the last id (a
 *  repeat changes nothing in an IN list), *pmarks its "?, ?, ..." in p.
 *  Returns size, oxt_db_in_size(n). */
int oxt_db_in_bind(const char **pmarks, oxt_db_arg_t *args,
                   const apr_array_header_t *ids, int from, int n,
                   apr_pool_t *p);

/**
 * Which values of an id column a query reads: the keyset range
 * (after, upto], or, when ids is not NULL, the ids in it (an array of
 * long long, 1 to OXT_DB_IN_MAX of them) as one IN list padded as
 * oxt_db_in_bind pads it. One loader, two ways to choose its rows: a
 * full pass walks ranges, a batch of hints names its domains.
 */
typedef struct oxt_db_idsel_t {
    long long after, upto;
    const apr_array_header_t *ids;
} oxt_db_idsel_t;

/** The range (after, upto] as an oxt_db_idsel_t. */
#define OXT_DB_IDSEL_RANGE(a, u) ((oxt_db_idsel_t){ (a), (u), NULL })

/** The condition sel puts on column col (code-built text, never a
 *  value): "col > ? AND col <= ?" or "col IN (?, ...)", in p. */
const char *oxt_db_idsel_cond(const oxt_db_idsel_t *sel, const char *col,
                              apr_pool_t *p);

/** How many parameters that condition binds: 2, or the padded list's
 *  length. */
int oxt_db_idsel_nargs(const oxt_db_idsel_t *sel);

/** Those parameters, times over (for a statement that names the
 *  condition times times), in p; *pn says how many in all. */
oxt_db_arg_t *oxt_db_idsel_bind(const oxt_db_idsel_t *sel, int times,
                                int *pn, apr_pool_t *p);

#endif /* OXT_DB_H */
