/*
 * oxt_db.c — see oxt_db.h.
 */
#include <stdlib.h>
#include <string.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_reslist.h>
#include <apr_time.h>
#include <apr_portable.h>

#include "oxt_db.h"
#include "oxt_log.h"
#include "oxt_util.h"
#include "oxt_status.h"

/* Columns are first fetched into a small buffer; longer values are fetched
 * again at their real length, so a 1M-row stream needs no big buffers. */
#define DB_COL_BUF 256
/* A pooled connection idle for longer than this is pinged before use:
 * the server may have closed it (wait_timeout). */
#define DB_PING_AFTER apr_time_from_sec(30)
/* A long read calls the idle hook this often (rows), not only at its end. */
#define DB_IDLE_ROWS 256

struct oxt_db_t {
    apr_pool_t *p;
    MYSQL *mysql;
    apr_hash_t *stmts;          /* sql text -> MYSQL_STMT *, prepared once */
    int broken;
    int lock_timeout;           /* the last error was a lock wait's */
    apr_time_t last_used;
    oxt_db_idle_fn *idle;       /* oxt_db_set_idle: between statements, */
    void *idle_baton;
    apr_os_thread_t idle_thread;    /* on this thread only */
};

struct oxt_db_pool_t {
    apr_pool_t *p;
    apr_reslist_t *reslist;
    oxt_db_params_t params;
};

/* ---- connections ---------------------------------------------------------- */

apr_status_t oxt_db_library_init(void)
{
    return mysql_library_init(0, NULL, NULL) == 0 ? APR_SUCCESS : OXT_EDB;
}

void oxt_db_library_end(void)
{
    mysql_library_end();
}

void oxt_db_thread_begin(void)
{
    (void)mysql_thread_init();
}

void oxt_db_thread_end(void)
{
    mysql_thread_end();
}

void oxt_db_params_from_config(oxt_db_params_t *params,
                               const oxt_config_t *cfg)
{
    memset(params, 0, sizeof(*params));
    params->host = cfg->db_host;
    params->port = cfg->db_port;
    params->socket = cfg->db_socket;
    params->user = cfg->db_user;
    params->password = cfg->db_password;
    params->database = cfg->oxtender_database;
    params->connect_timeout = cfg->db_connect_timeout;
    params->read_timeout = 0;
}

static int db_errno_is_broken(unsigned int err)
{
    return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST
        || err == CR_CONNECTION_ERROR || err == CR_CONN_HOST_ERROR
        || err == CR_SERVER_LOST_EXTENDED;
}

static apr_status_t db_cleanup(void *baton)
{
    oxt_db_t *db = baton;
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, db->stmts); hi; hi = apr_hash_next(hi)) {
        mysql_stmt_close(apr_hash_this_val(hi));
    }
    apr_hash_clear(db->stmts);
    if (db->mysql != NULL) {
        mysql_close(db->mysql);
        db->mysql = NULL;
    }
    return APR_SUCCESS;
}

static apr_status_t db_fail(oxt_db_t *db, oxt_result_t *res,
                            const char *what, unsigned int err,
                            const char *msg)
{
    if (db_errno_is_broken(err)) {
        db->broken = 1;
    }
    db->lock_timeout = err == ER_LOCK_WAIT_TIMEOUT;
    return oxt_result_set(res, OXT_EDB, "Database error", "%s: %s (%u)",
                          what, msg, err);
}

static void db_set_options(MYSQL *mysql, const oxt_db_params_t *params)
{
    unsigned int t;
    my_bool off = 0;

    t = params->connect_timeout > 0 ? (unsigned int)params->connect_timeout
                                    : 10;
    mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &t);
    if (params->read_timeout > 0) {
        t = (unsigned int)params->read_timeout;
        mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &t);
        mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &t);
    }
    /* A silent reconnect would lose session state (transactions, locks);
     * we notice broken connections and replace them instead. */
    mysql_options(mysql, MYSQL_OPT_RECONNECT, &off);
    mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
}

apr_status_t oxt_db_open(oxt_db_t **pdb, const oxt_db_params_t *params,
                         oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_t *db = apr_pcalloc(p, sizeof(*db));
    const char *where;

    db->p = p;
    db->stmts = apr_hash_make(p);
    db->mysql = mysql_init(NULL);
    if (db->mysql == NULL) {
        return oxt_result_set(res, APR_ENOMEM, "Database error",
                              "out of memory");
    }
    apr_pool_cleanup_register(p, db, db_cleanup, apr_pool_cleanup_null);
    db_set_options(db->mysql, params);
    if (mysql_real_connect(db->mysql, params->socket ? NULL : params->host,
                           params->user, params->password, params->database,
                           (unsigned int)params->port, params->socket,
                           0) == NULL) {
        where = params->socket
            ? params->socket
            : apr_psprintf(p, "%s:%d", params->host, params->port);
        oxt_result_set(res, OXT_EDBCONN, "Cannot connect to the database",
                       "%s as %s: %s", where,
                       params->user ? params->user : "(default user)",
                       mysql_error(db->mysql));
        return OXT_EDBCONN;
    }
    db->last_used = apr_time_now();
    *pdb = db;
    return APR_SUCCESS;
}

int oxt_db_is_broken(const oxt_db_t *db)
{
    return db->broken;
}

int oxt_db_lock_timed_out(const oxt_db_t *db)
{
    return db->lock_timeout;
}

/* ---- statements -------------------------------------------------------- */

static void db_stmt_forget(oxt_db_t *db, const char *sql, MYSQL_STMT *stmt)
{
    apr_hash_set(db->stmts, sql, APR_HASH_KEY_STRING, NULL);
    mysql_stmt_close(stmt);
}

static apr_status_t db_stmt_get(MYSQL_STMT **pstmt, oxt_db_t *db,
                                const char *sql, oxt_result_t *res)
{
    MYSQL_STMT *stmt = apr_hash_get(db->stmts, sql, APR_HASH_KEY_STRING);
    unsigned int err;
    char msg[512];

    if (stmt != NULL) {
        *pstmt = stmt;
        return APR_SUCCESS;
    }
    stmt = mysql_stmt_init(db->mysql);
    if (stmt == NULL) {
        return db_fail(db, res, "prepare", mysql_errno(db->mysql),
                       mysql_error(db->mysql));
    }
    if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
        err = mysql_stmt_errno(stmt);
        apr_cpystrn(msg, mysql_stmt_error(stmt), sizeof(msg));
        mysql_stmt_close(stmt);
        return db_fail(db, res, "prepare", err, msg);
    }
    /* The key must outlive the statement: keep a copy in the db's pool. */
    apr_hash_set(db->stmts, apr_pstrdup(db->p, sql), APR_HASH_KEY_STRING,
                 stmt);
    *pstmt = stmt;
    return APR_SUCCESS;
}

static apr_status_t db_bind_args(MYSQL_STMT *stmt, const oxt_db_arg_t *args,
                                 int nargs, apr_pool_t *p)
{
    MYSQL_BIND *binds;
    int i;

    if (nargs == 0) {
        return APR_SUCCESS;
    }
    binds = apr_pcalloc(p, sizeof(*binds) * (apr_size_t)nargs);
    for (i = 0; i < nargs; i++) {
        switch (args[i].type) {
        case OXT_DB_T_STR:
            binds[i].buffer_type = MYSQL_TYPE_STRING;
            binds[i].buffer = (void *)args[i].s;
            binds[i].buffer_length = args[i].len ? args[i].len
                                                 : strlen(args[i].s);
            break;
        case OXT_DB_T_INT:
            binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
            binds[i].buffer = (void *)&args[i].i;
            break;
        case OXT_DB_T_NULL:
            binds[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        }
    }
    return mysql_stmt_bind_param(stmt, binds) == 0 ? APR_SUCCESS : OXT_EDB;
}

void oxt_db_set_idle(oxt_db_t *db, oxt_db_idle_fn *fn, void *baton)
{
    db->idle = fn;
    db->idle_baton = baton;
    db->idle_thread = apr_os_thread_current();
}

/* The idle hook, on the thread that set it: a statement run for the
 * connection on another thread (the engine's commits, oxt_offload.h)
 * must not drive what that thread drives. */
static void db_idle(const oxt_db_t *db)
{
    if (db->idle != NULL
        && apr_os_thread_equal(db->idle_thread, apr_os_thread_current())) {
        db->idle(db->idle_baton);
    }
}

static apr_status_t db_execute(MYSQL_STMT **pstmt, oxt_db_t *db,
                               const char *sql, const oxt_db_arg_t *args,
                               int nargs, oxt_result_t *res, apr_pool_t *p)
{
    MYSQL_STMT *stmt = NULL;
    apr_status_t rv;
    unsigned int err;
    char msg[512];

    rv = db_stmt_get(&stmt, db, sql, res);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if ((int)mysql_stmt_param_count(stmt) != nargs) {
        return oxt_result_set(res, APR_EINVAL, "Database error",
                              "statement takes %lu parameters, %d given",
                              mysql_stmt_param_count(stmt), nargs);
    }
    if (db_bind_args(stmt, args, nargs, p) != APR_SUCCESS
        || mysql_stmt_execute(stmt) != 0) {
        err = mysql_stmt_errno(stmt);
        apr_cpystrn(msg, mysql_stmt_error(stmt), sizeof(msg));
        db_stmt_forget(db, sql, stmt);
        return db_fail(db, res, "execute", err, msg);
    }
    db->last_used = apr_time_now();
    *pstmt = stmt;
    db_idle(db);
    return APR_SUCCESS;
}

/* ---- reading a row's columns --------------------------------------------- */

static const char *db_col(const oxt_db_row_t *row, int i)
{
    return i >= 0 && i < row->ncols ? row->vals[i] : NULL;
}

long long oxt_db_row_int(const oxt_db_row_t *row, int i, long long dflt)
{
    const char *v = db_col(row, i);
    char *end;
    long long n;

    if (v == NULL) {
        return dflt;
    }
    n = strtoll(v, &end, 10);
    return end == v ? dflt : n;
}

int oxt_db_row_bool(const oxt_db_row_t *row, int i)
{
    const char *v = db_col(row, i);

    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

const char *oxt_db_row_str(const oxt_db_row_t *row, int i, apr_pool_t *p)
{
    const char *v = db_col(row, i);

    if (v == NULL) {
        return NULL;
    }
    return apr_pstrmemdup(p, v, row->lens ? row->lens[i] : strlen(v));
}

int oxt_db_row_enum(const oxt_db_row_t *row, int i,
                    const char *const *names, int dflt)
{
    const char *v = db_col(row, i);
    int n;

    for (n = 0; v != NULL && names[n] != NULL; n++) {
        if (strcmp(names[n], v) == 0) {
            return n;
        }
    }
    return dflt;
}

/* ---- result rows ------------------------------------------------------- */

typedef struct {
    int ncols;
    MYSQL_BIND *binds;
    unsigned long *lengths;
    my_bool *nulls;
    my_bool *errors;
    char *bufs;
} db_fetch_t;

static apr_status_t db_fetch_prepare(db_fetch_t *f, MYSQL_STMT *stmt,
                                     apr_pool_t *p)
{
    int i;

    f->ncols = (int)mysql_stmt_field_count(stmt);
    f->binds = apr_pcalloc(p, sizeof(*f->binds) * (apr_size_t)f->ncols);
    f->lengths = apr_pcalloc(p, sizeof(*f->lengths) * (apr_size_t)f->ncols);
    f->nulls = apr_pcalloc(p, sizeof(*f->nulls) * (apr_size_t)f->ncols);
    f->errors = apr_pcalloc(p, sizeof(*f->errors) * (apr_size_t)f->ncols);
    f->bufs = apr_palloc(p, (apr_size_t)f->ncols * DB_COL_BUF);
    for (i = 0; i < f->ncols; i++) {
        f->binds[i].buffer_type = MYSQL_TYPE_STRING;
        f->binds[i].buffer = f->bufs + (apr_size_t)i * DB_COL_BUF;
        f->binds[i].buffer_length = DB_COL_BUF;
        f->binds[i].length = &f->lengths[i];
        f->binds[i].is_null = &f->nulls[i];
        f->binds[i].error = &f->errors[i];
    }
    return mysql_stmt_bind_result(stmt, f->binds) == 0 ? APR_SUCCESS
                                                       : OXT_EDB;
}

/* Copies the current row into ptemp, fetching truncated columns again at
 * their full length. */
static apr_status_t db_fetch_row(oxt_db_row_t *row, db_fetch_t *f,
                                 MYSQL_STMT *stmt, apr_pool_t *ptemp)
{
    MYSQL_BIND b;
    char *v;
    apr_size_t *lens;
    int i;

    row->ncols = f->ncols;
    row->vals = apr_pcalloc(ptemp, sizeof(char *) * (apr_size_t)f->ncols);
    lens = apr_pcalloc(ptemp, sizeof(apr_size_t) * (apr_size_t)f->ncols);
    row->lens = lens;
    for (i = 0; i < f->ncols; i++) {
        if (f->nulls[i]) {
            continue;
        }
        v = apr_palloc(ptemp, f->lengths[i] + 1);
        if (f->lengths[i] > DB_COL_BUF) {
            memset(&b, 0, sizeof(b));
            b.buffer_type = MYSQL_TYPE_STRING;
            b.buffer = v;
            b.buffer_length = f->lengths[i] + 1;
            if (mysql_stmt_fetch_column(stmt, &b, (unsigned int)i, 0) != 0) {
                return OXT_EDB;
            }
        }
        else {
            memcpy(v, f->binds[i].buffer, f->lengths[i]);
        }
        v[f->lengths[i]] = '\0';
        row->vals[i] = v;
        lens[i] = f->lengths[i];
    }
    return APR_SUCCESS;
}

static apr_status_t db_stream(const oxt_db_t *db, db_fetch_t *f,
                              MYSQL_STMT *stmt, oxt_db_row_cb *cb,
                              void *baton, apr_pool_t *p)
{
    apr_pool_t *ptemp;
    oxt_db_row_t row;
    apr_status_t rv = APR_SUCCESS;
    int st;
    unsigned long n = 0;

    apr_pool_create(&ptemp, p);
    while (rv == APR_SUCCESS) {
        st = mysql_stmt_fetch(stmt);
        if (st == MYSQL_NO_DATA) {
            break;
        }
        if (st == 1) {
            rv = OXT_EDB;
            break;
        }
        apr_pool_clear(ptemp);
        rv = db_fetch_row(&row, f, stmt, ptemp);
        if (rv == APR_SUCCESS) {
            rv = cb(baton, &row, ptemp);
        }
        if (++n % DB_IDLE_ROWS == 0) {
            db_idle(db);
        }
    }
    apr_pool_destroy(ptemp);
    return rv;
}

apr_status_t oxt_db_each(oxt_db_t *db, const char *sql,
                         const oxt_db_arg_t *args, int nargs,
                         oxt_db_row_cb *cb, void *baton,
                         oxt_result_t *res, apr_pool_t *p)
{
    MYSQL_STMT *stmt;
    db_fetch_t f;
    apr_status_t rv;

    rv = db_execute(&stmt, db, sql, args, nargs, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = db_fetch_prepare(&f, stmt, p);
    if (rv == APR_SUCCESS) {
        rv = db_stream(db, &f, stmt, cb, baton, p);
    }
    if (rv == OXT_EDB) {
        db_fail(db, res, "fetch", mysql_stmt_errno(stmt),
                mysql_stmt_error(stmt));
    }
    /* Drain what the callback did not read, so the connection can be used
     * again. free_result does that on the client side; a server-side
     * reset (mysql_stmt_reset) would only cost a round trip per
     * statement, since no statement sends long data or opens a cursor. */
    mysql_stmt_free_result(stmt);
    return rv;
}

typedef struct {
    apr_array_header_t *rows;
    apr_pool_t *p;
} db_collect_t;

static apr_status_t db_collect_cb(void *baton, const oxt_db_row_t *row,
                                  apr_pool_t *ptemp)
{
    db_collect_t *c = baton;
    oxt_db_row_t *copy = apr_palloc(c->p, sizeof(*copy));
    const char **vals;
    apr_size_t *lens;
    int i;

    vals = apr_pcalloc(c->p, sizeof(char *) * (apr_size_t)row->ncols);
    lens = apr_pcalloc(c->p, sizeof(apr_size_t) * (apr_size_t)row->ncols);
    for (i = 0; i < row->ncols; i++) {
        vals[i] = row->vals[i]
            ? apr_pstrmemdup(c->p, row->vals[i], row->lens[i]) : NULL;
        lens[i] = row->lens[i];
    }
    copy->ncols = row->ncols;
    copy->vals = vals;
    copy->lens = lens;
    APR_ARRAY_PUSH(c->rows, oxt_db_row_t *) = copy;
    (void)ptemp;
    return APR_SUCCESS;
}

apr_status_t oxt_db_select(apr_array_header_t **prows, oxt_db_t *db,
                           const char *sql, const oxt_db_arg_t *args,
                           int nargs, oxt_result_t *res, apr_pool_t *p)
{
    db_collect_t c;
    apr_status_t rv;

    c.rows = apr_array_make(p, 16, sizeof(oxt_db_row_t *));
    c.p = p;
    rv = oxt_db_each(db, sql, args, nargs, db_collect_cb, &c, res, p);
    if (rv == APR_SUCCESS) {
        *prows = c.rows;
    }
    return rv;
}

apr_status_t oxt_db_select_row(const oxt_db_row_t **prow, oxt_db_t *db,
                               const char *sql, const oxt_db_arg_t *args,
                               int nargs, oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_status_t rv = oxt_db_select(&rows, db, sql, args, nargs, res, p);

    *prow = rv == APR_SUCCESS && rows->nelts > 0
            ? APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *) : NULL;
    return rv;
}

apr_status_t oxt_db_select_int(long long *pval, oxt_db_t *db,
                               const char *sql, const oxt_db_arg_t *args,
                               int nargs, oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_row_t *row;
    apr_status_t rv = oxt_db_select_row(&row, db, sql, args, nargs, res, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (row == NULL || row->ncols < 1 || row->vals[0] == NULL) {
        return APR_ENOENT;
    }
    *pval = oxt_db_row_int(row, 0, 0);
    return APR_SUCCESS;
}

apr_status_t oxt_db_select_ids(apr_array_header_t **pids, oxt_db_t *db,
                               const char *sql, const oxt_db_arg_t *args,
                               int nargs, oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows, *ids;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, sql, args, nargs, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    ids = apr_array_make(p, rows->nelts, sizeof(long long));
    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(ids, long long) =
            oxt_db_row_int(APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), 0, 0);
    }
    *pids = ids;
    return APR_SUCCESS;
}

apr_status_t oxt_db_exec(unsigned long long *paffected, oxt_db_t *db,
                         const char *sql, const oxt_db_arg_t *args, int nargs,
                         oxt_result_t *res, apr_pool_t *p)
{
    MYSQL_STMT *stmt;
    apr_status_t rv;

    rv = db_execute(&stmt, db, sql, args, nargs, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (paffected != NULL) {
        *paffected = (unsigned long long)mysql_stmt_affected_rows(stmt);
    }
    mysql_stmt_free_result(stmt);
    return APR_SUCCESS;
}

apr_status_t oxt_db_exec_trusted(oxt_db_t *db, const char *sql,
                                 oxt_result_t *res)
{
    MYSQL_RES *result;

    if (mysql_real_query(db->mysql, sql, strlen(sql)) != 0) {
        return db_fail(db, res, "query", mysql_errno(db->mysql),
                       mysql_error(db->mysql));
    }
    result = mysql_store_result(db->mysql);
    if (result != NULL) {
        mysql_free_result(result);
    }
    db->last_used = apr_time_now();
    db_idle(db);
    return APR_SUCCESS;
}

apr_status_t oxt_db_begin(oxt_db_t *db, oxt_result_t *res)
{
    return oxt_db_exec_trusted(db, "START TRANSACTION", res);
}

apr_status_t oxt_db_commit(oxt_db_t *db, oxt_result_t *res)
{
    if (mysql_commit(db->mysql) != 0) {
        return db_fail(db, res, "commit", mysql_errno(db->mysql),
                       mysql_error(db->mysql));
    }
    db_idle(db);
    return APR_SUCCESS;
}

void oxt_db_rollback(oxt_db_t *db)
{
    if (mysql_rollback(db->mysql) != 0) {
        if (db_errno_is_broken(mysql_errno(db->mysql))) {
            db->broken = 1;
        }
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, OXT_EDB,
                       OXTLOGNO(00001) "rollback failed: %s",
                       mysql_error(db->mysql));
    }
}

/* ---- pool ---------------------------------------------------------------- */

typedef struct {
    apr_pool_t *p;
    oxt_db_t *db;
} db_pooled_t;

static apr_status_t db_pool_construct(void **pres, void *params,
                                      apr_pool_t *pool)
{
    oxt_db_pool_t *dbp = params;
    db_pooled_t *pooled;
    apr_pool_t *p;
    oxt_result_t *res;
    apr_status_t rv;

    apr_pool_create(&p, pool);
    res = oxt_result_make(p);
    pooled = apr_pcalloc(p, sizeof(*pooled));
    pooled->p = p;
    rv = oxt_db_open(&pooled->db, &dbp->params, res, p);
    if (rv != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, rv, OXTLOGNO(00002) "%s",
                       oxt_result_text(res, p));
        apr_pool_destroy(p);
        return rv;
    }
    *pres = pooled;
    return APR_SUCCESS;
}

static apr_status_t db_pool_destruct(void *resource, void *params,
                                     apr_pool_t *pool)
{
    db_pooled_t *pooled = resource;

    apr_pool_destroy(pooled->p);
    return APR_SUCCESS;
}

apr_status_t oxt_db_pool_create(oxt_db_pool_t **ppool,
                                const oxt_db_params_t *params, int keep,
                                int max, int ttl, apr_pool_t *p)
{
    oxt_db_pool_t *dbp = apr_pcalloc(p, sizeof(*dbp));
    apr_status_t rv;

    dbp->p = p;
    dbp->params = *params;
    rv = apr_reslist_create(&dbp->reslist, 0, keep, max,
                            apr_time_from_sec(ttl), db_pool_construct,
                            db_pool_destruct, dbp, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Releasing a connection must not wait forever when all are busy:
     * a request then fails with a clear error instead of hanging. */
    apr_reslist_timeout_set(dbp->reslist, apr_time_from_sec(30));
    *ppool = dbp;
    return APR_SUCCESS;
}

typedef struct {
    oxt_db_pool_t *dbp;
    db_pooled_t *pooled;
} db_lease_t;

static apr_status_t db_pool_release(void *baton)
{
    db_lease_t *lease = baton;

    if (lease->pooled->db->broken) {
        return apr_reslist_invalidate(lease->dbp->reslist, lease->pooled);
    }
    return apr_reslist_release(lease->dbp->reslist, lease->pooled);
}

static int db_pooled_alive(db_pooled_t *pooled)
{
    oxt_db_t *db = pooled->db;

    if (apr_time_now() - db->last_used < DB_PING_AFTER) {
        return 1;
    }
    if (mysql_ping(db->mysql) != 0) {
        return 0;
    }
    db->last_used = apr_time_now();
    return 1;
}

apr_status_t oxt_db_pool_acquire(oxt_db_t **pdb, oxt_db_pool_t *pool,
                                 oxt_result_t *res, apr_pool_t *p)
{
    db_lease_t *lease = apr_pcalloc(p, sizeof(*lease));
    void *resource;
    apr_status_t rv;
    int tries;

    lease->dbp = pool;
    for (tries = 0; tries < 2; tries++) {
        rv = apr_reslist_acquire(pool->reslist, &resource);
        if (rv != APR_SUCCESS) {
            return oxt_result_set(res, OXT_EDBCONN,
                                  "Cannot connect to the database",
                                  "no connection available (see the log)");
        }
        lease->pooled = resource;
        if (db_pooled_alive(lease->pooled)) {
            apr_pool_cleanup_register(p, lease, db_pool_release,
                                      apr_pool_cleanup_null);
            *pdb = lease->pooled->db;
            return APR_SUCCESS;
        }
        apr_reslist_invalidate(pool->reslist, resource);
    }
    return oxt_result_set(res, OXT_EDBCONN, "Cannot connect to the database",
                          "connection lost");
}

/* ---- IN lists ------------------------------------------------------------ */

static const int db_in_sizes[] = { 1, 10, 25, 100, 250, OXT_DB_IN_MAX };

int oxt_db_in_size(int n)
{
    size_t i;

    for (i = 0; i < sizeof(db_in_sizes) / sizeof(db_in_sizes[0]); i++) {
        if (n <= db_in_sizes[i]) {
            return db_in_sizes[i];
        }
    }
    return OXT_DB_IN_MAX;
}

int oxt_db_in_bind(const char **pmarks, oxt_db_arg_t *args,
                   const apr_array_header_t *ids, int from, int n,
                   apr_pool_t *p)
{
    int size = oxt_db_in_size(n), i;
    long long last = APR_ARRAY_IDX(ids, from + n - 1, long long);

    for (i = 0; i < size; i++) {
        args[i] = OXT_DB_INT(i < n ? APR_ARRAY_IDX(ids, from + i, long long)
                                   : last);
    }
    *pmarks = oxt_util_marks(size, p);
    return size;
}

/* ---- a range or a list of ids ------------------------------------------- */

const char *oxt_db_idsel_cond(const oxt_db_idsel_t *sel, const char *col,
                              apr_pool_t *p)
{
    if (sel->ids == NULL) {
        return apr_pstrcat(p, col, " > ? AND ", col, " <= ?", NULL);
    }
    return apr_pstrcat(p, col, " IN (",
                       oxt_util_marks(oxt_db_idsel_nargs(sel), p), ")",
                       NULL);
}

int oxt_db_idsel_nargs(const oxt_db_idsel_t *sel)
{
    return sel->ids == NULL ? 2 : oxt_db_in_size(sel->ids->nelts);
}

static int idsel_args(oxt_db_arg_t *args, const oxt_db_idsel_t *sel)
{
    const long long *v;
    int size, n, i;

    if (sel->ids == NULL) {
        args[0] = OXT_DB_INT(sel->after);
        args[1] = OXT_DB_INT(sel->upto);
        return 2;
    }
    v = (const long long *)sel->ids->elts;
    n = sel->ids->nelts;
    size = oxt_db_in_size(n);
    for (i = 0; i < size; i++) {
        args[i] = OXT_DB_INT(i < n ? v[i] : v[n - 1]);
    }
    return size;
}

oxt_db_arg_t *oxt_db_idsel_bind(const oxt_db_idsel_t *sel, int times,
                                int *pn, apr_pool_t *p)
{
    int n = oxt_db_idsel_nargs(sel), k;
    oxt_db_arg_t *args = apr_palloc(p, sizeof(*args)
                                       * (apr_size_t)(n * times));

    for (k = 0; k < times; k++) {
        (void)idsel_args(args + k * n, sel);
    }
    *pn = n * times;
    return args;
}
