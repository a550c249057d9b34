/*
 * oxt_mbdir.c — see oxt_mbdir.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include "oxt_mbdir.h"
#include "oxt_mblist.h"
#include "oxt_dir.h"
#include "oxt_dirsum.h"
#include "oxt_util.h"

static const oxt_mbdir_sort_t mbdir_sorts[] = {
    { "name", "name", 1, 1, "name" },
    { "mail", "mail_on", 0, 0, "mail" },
    { "service", "service", 0, 0, "service" },
    { "language", "language", 1, 0, "language" },
    { "timezone", "timezone", 1, 0, "timezone" },
    { "modified", "sync_key", 0, 1, "modified" },
    { "ox_service", "tick", 0, 0, "tick" },
    { "reason", "reason", 1, 0, "reason" },
};
#define NSORTS ((int)(sizeof(mbdir_sorts) / sizeof(mbdir_sorts[0])))

const oxt_mbdir_sort_t *oxt_mbdir_sort(const char *key)
{
    int i;

    for (i = 0; key != NULL && i < NSORTS; i++) {
        if (strcmp(mbdir_sorts[i].key, key) == 0) {
            return &mbdir_sorts[i];
        }
    }
    return NULL;
}

/* Count rows per multi-row statement. */
#define COUNTS_PER_QUERY 250

/* ---- SQL ---------------------------------------------------------------- */

/* The page's values of each mailbox of the batch (the derived table r is
 * oxt_mblist_rows_select with " WHERE d.id IN (...)"). */
static const char upsert_head[] =
    "INSERT INTO dir_mailbox (id, dom_id, client_id, reseller_id, name,"
    " mail_on, service, pending, language, timezone, sync_key, tick,"
    " reason, in_ox) SELECT r.id, r.dom_id, r.client_id, r.reseller_id,"
    " r.address, COALESCE(r.mail_on, 0), r.service, r.pending,"
    " COALESCE(r.language, ''), COALESCE(r.timezone, ''),"
    " COALESCE(r.modified, 0), COALESCE(r.tick, 0), COALESCE(r.reason, ''),"
    " COALESCE(r.in_ox, 0) FROM (";
/* The same values compared with a stored row b (bytes, not collation:
 * a name whose case changed is a change). */
#define SAME_ROW \
    " b.id = r.id AND b.dom_id = r.dom_id AND b.client_id <=> r.client_id" \
    " AND b.reseller_id <=> r.reseller_id" \
    " AND BINARY b.name <=> BINARY r.address" \
    " AND b.mail_on <=> COALESCE(r.mail_on, 0) AND b.service <=> r.service" \
    " AND b.pending <=> r.pending" \
    " AND BINARY b.language <=> BINARY COALESCE(r.language, '')" \
    " AND BINARY b.timezone <=> BINARY COALESCE(r.timezone, '')" \
    " AND b.sync_key <=> COALESCE(r.modified, 0)" \
    " AND b.tick <=> COALESCE(r.tick, 0)" \
    " AND BINARY b.reason <=> BINARY COALESCE(r.reason, '')" \
    " AND b.in_ox <=> COALESCE(r.in_ox, 0)"
static const char upsert_tail[] =
    ") r ON DUPLICATE KEY UPDATE dom_id = VALUES(dom_id),"
    " client_id = VALUES(client_id), reseller_id = VALUES(reseller_id),"
    " name = VALUES(name), mail_on = VALUES(mail_on),"
    " service = VALUES(service), pending = VALUES(pending),"
    " language = VALUES(language), timezone = VALUES(timezone),"
    " sync_key = VALUES(sync_key), tick = VALUES(tick),"
    " reason = VALUES(reason), in_ox = VALUES(in_ox)";

/* The rows of the batch's domains that psa no longer has. */
static const char gone_sql[] =
    "DELETE b FROM dir_mailbox b LEFT JOIN psa.mail m ON m.id = b.id"
    " AND m.dom_id = b.dom_id WHERE m.id IS NULL AND b.dom_id IN (";
static const char terms_gone_sql[] =
    "DELETE t FROM dir_mailbox_term t LEFT JOIN dir_mailbox b"
    " ON b.id = t.id AND b.dom_id = t.dom_id WHERE b.id IS NULL"
    " AND t.dom_id IN (";

/* The four terms of each row (migration 0082). */
/* The term of kind 3: the domain's display name where it is not its
 * name (d: psa.domains). */
#define TERM_DISPLAY \
    "IF(d.displayName <> d.name, LEFT(d.displayName, 255), NULL)"
#define TERMS_INSERT \
    "INSERT INTO dir_mailbox_term (id, kind, term, dom_id, client_id," \
    " reseller_id) SELECT b.id, k.kind, CASE k.kind WHEN 0 THEN b.name" \
    " WHEN 1 THEN SUBSTRING_INDEX(b.name, '@', -1)" \
    " WHEN 2 THEN NULLIF(SUBSTRING(REGEXP_SUBSTR(SUBSTRING_INDEX(b.name," \
    " '@', 1), '[-._].+$'), 2), '')" \
    " ELSE " TERM_DISPLAY \
    " END, b.dom_id, b.client_id, b.reseller_id FROM dir_mailbox b" \
    " LEFT JOIN psa.domains d ON d.id = b.dom_id JOIN (SELECT 0 AS kind" \
    " UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) k"
static const char terms_sql[] = TERMS_INSERT " WHERE b.dom_id IN (";
#define TERMS_UPDATE \
    " ON DUPLICATE KEY UPDATE term = VALUES(term), dom_id = VALUES(dom_id)," \
    " client_id = VALUES(client_id), reseller_id = VALUES(reseller_id)"
static const char terms_tail[] = ")" TERMS_UPDATE;

static const char counts_sql[] =
    "SELECT dom_id, client_id, reseller_id, COUNT(*), SUM(in_ox)"
    " FROM dir_mailbox WHERE dom_id IN (";
#define COUNTS_GROUP ") GROUP BY dom_id, client_id, reseller_id"

static const char *const recount_sql[] = {
    "DELETE FROM dir_mailbox_count",
    "INSERT INTO dir_mailbox_count (scope, scope_id, n, n_ox) SELECT 'all',"
    " 0, COUNT(*), COALESCE(SUM(in_ox), 0) FROM dir_mailbox",
    "INSERT INTO dir_mailbox_count (scope, scope_id, n, n_ox) SELECT"
    " 'reseller', reseller_id, COUNT(*), SUM(in_ox) FROM dir_mailbox"
    " WHERE reseller_id > 0 GROUP BY reseller_id",
    "INSERT INTO dir_mailbox_count (scope, scope_id, n, n_ox) SELECT"
    " 'client', client_id, COUNT(*), SUM(in_ox) FROM dir_mailbox"
    " WHERE client_id > 0 GROUP BY client_id",
    "INSERT INTO dir_mailbox_count (scope, scope_id, n, n_ox) SELECT"
    " 'domain', dom_id, COUNT(*), SUM(in_ox) FROM dir_mailbox"
    " GROUP BY dom_id",
};

/* ---- a batch of domains ------------------------------------------------- */

typedef struct mbd_batch_t {
    oxt_db_t *db;
    const oxt_psa_t *psa;
    const oxt_settings_t *settings;
    const long long *ids;
    int n;
    int asked;                 /* the first ids: the caller's domains */
    const char *marks;         /* "?,?,..." for the ids */
    apr_hash_t *deltas;        /* "scope:id" -> mbd_delta_t */
    int defer;                 /* leave the page index to the rebuild */
    int points;                /* the page index has points to keep */
    int wide;                  /* wide prefixes have counts to keep */
    int *terms_moved;          /* set when a deferred batch wrote terms */
    int nowait;                /* a page's request: a rebuild under way
                                  fails the batch rather than waits */
    oxt_mbdir_stats_t *stats;
    oxt_result_t *res;
    apr_pool_t *p;
} mbd_batch_t;

typedef struct mbd_delta_t {
    const char *scope;
    long long id;
    long long n;
    long long n_ox;
} mbd_delta_t;

/* The ids as arguments after the first lead ones. */
static oxt_db_arg_t *batch_args(const mbd_batch_t *b,
                                const oxt_db_arg_t *lead, int nlead)
{
    oxt_db_arg_t *args = apr_palloc(b->p, sizeof(*args)
                                    * (apr_size_t)(b->n + nlead + 1));
    int i;

    for (i = 0; i < nlead; i++) {
        args[i] = lead[i];
    }
    for (i = 0; i < b->n; i++) {
        args[nlead + i] = OXT_DB_INT(b->ids[i]);
    }
    return args;
}

static apr_status_t batch_exec(unsigned long long *paffected,
                               const mbd_batch_t *b, const char *head,
                               const char *tail)
{
    return oxt_db_exec(paffected, b->db, oxt_psa_sql(b->psa, apr_pstrcat(
                       b->p, head, b->marks, tail, NULL), b->p),
                       batch_args(b, NULL, 0), b->n, b->res, b->p);
}

/* ---- the page index ----------------------------------------------------- */

/* What a batch's rows were and are, in the columns the page index
 * orders and scopes by (temporary: this connection's only). */
#define SNAP_COLS "id, reseller_id, in_ox, name, mail_on, service," \
                  " language, timezone, sync_key, tick, reason"
static const char *const snap_sql[] = {
    "CREATE TEMPORARY TABLE IF NOT EXISTS mbdir_old (id INT UNSIGNED NOT"
    " NULL PRIMARY KEY, reseller_id INT UNSIGNED NOT NULL, in_ox TINYINT"
    " NOT NULL, name VARCHAR(501) NOT NULL, mail_on TINYINT NOT NULL,"
    " service TINYINT NOT NULL, language VARCHAR(64) NOT NULL, timezone"
    " VARCHAR(64) NOT NULL, sync_key BIGINT UNSIGNED NOT NULL, tick"
    " TINYINT NOT NULL, reason VARCHAR(32) NOT NULL) ENGINE=InnoDB"
    " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    "CREATE TEMPORARY TABLE IF NOT EXISTS mbdir_new LIKE mbdir_old",
    "CREATE TEMPORARY TABLE IF NOT EXISTS mbdir_delta (sort_key"
    " VARCHAR(16) NOT NULL, k_int BIGINT NULL, k_str VARCHAR(501) NULL,"
    " id INT UNSIGNED NOT NULL, reseller_id INT UNSIGNED NOT NULL, in_ox"
    " TINYINT NOT NULL, d INT NOT NULL) ENGINE=InnoDB DEFAULT"
    " CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    "DELETE FROM mbdir_old",
    "DELETE FROM mbdir_new",
    "DELETE FROM mbdir_delta",
};

/* A point moves by the changed rows before it, in its scope. */
#define POINT_SCOPE "(a.scope = 'all' OR (a.scope = 'ox' AND x.in_ox = 1)" \
    " OR (a.scope = 'reseller' AND x.reseller_id = a.scope_id))"

static apr_status_t page_exec_all(oxt_db_t *db, const char *const *sql,
                                  int n, oxt_result_t *res, apr_pool_t *p)
{
    int i;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; rv == APR_SUCCESS && i < n; i++) {
        rv = oxt_db_exec(NULL, db, sql[i], OXT_DB_NOARGS, res, p);
    }
    return rv;
}

/* The rows that differ in sort s between old and new, +1 or -1. */
static apr_status_t page_delta(const mbd_batch_t *b,
                               const oxt_mbdir_sort_t *s, const char *from,
                               const char *other, int d)
{
    const char *k = s->is_str ? "NULL, n.%s" : "n.%s, NULL";
    const char *sql = apr_psprintf(b->p, "INSERT INTO mbdir_delta (sort_key,"
                                   " k_int, k_str, id, reseller_id, in_ox, d)"
                                   " SELECT ?, %s, n.id, n.reseller_id,"
                                   " n.in_ox, %d FROM %s n LEFT JOIN %s o"
                                   " ON o.id = n.id AND o.%s = n.%s AND"
                                   " o.reseller_id = n.reseller_id AND"
                                   " o.in_ox = n.in_ox WHERE o.id IS NULL",
                                   apr_psprintf(b->p, k, s->col), d, from,
                                   other, s->col, s->col);

    return oxt_db_exec(NULL, b->db, sql, OXT_DB_ARGS(OXT_DB_STR(s->key)),
                       b->res, b->p);
}

/* Every point of sort s moved by the differences before it. */
static apr_status_t page_move(const mbd_batch_t *b, const oxt_mbdir_sort_t *s)
{
    const char *k = s->is_str ? "k_str" : "k_int";
    const char *sql = apr_psprintf(b->p, "UPDATE dir_mailbox_page a SET"
                                   " a.pos = a.pos + (SELECT COALESCE(SUM("
                                   "x.d), 0) FROM mbdir_delta x WHERE"
                                   " x.sort_key = a.sort_key AND "
                                   POINT_SCOPE " AND (x.%s < a.%s OR (x.%s"
                                   " = a.%s AND x.id < a.id))) WHERE"
                                   " a.sort_key = ?", k, k, k, k);

    return oxt_db_exec(NULL, b->db, sql, OXT_DB_ARGS(OXT_DB_STR(s->key)),
                       b->res, b->p);
}

/* Before the batch's writes, unless deferred: when the table probed
 * (what needs keeping) has a row (*pkeep), the n temporary tables of
 * prep made ready and the batch's rows copied by head...tail. */
static apr_status_t batch_snapshot(mbd_batch_t *b, int *pkeep,
                                   const char *probed,
                                   const char *const *prep, int n,
                                   const char *head, const char *tail)
{
    long long any = 0;
    apr_status_t rv;

    *pkeep = 0;
    if (b->defer) {
        return APR_SUCCESS;
    }
    rv = oxt_db_select_int(&any, b->db, apr_pstrcat(b->p, "SELECT COUNT(*)"
                           " FROM (SELECT 1 FROM ", probed, " LIMIT 1) x",
                           NULL), OXT_DB_NOARGS, b->res, b->p);
    *pkeep = rv == APR_SUCCESS && any > 0;
    if (rv == APR_SUCCESS && *pkeep) {
        rv = page_exec_all(b->db, prep, n, b->res, b->p);
    }
    return rv == APR_SUCCESS && *pkeep ? batch_exec(NULL, b, head, tail)
                                       : rv;
}

/* Before the batch's writes: its rows as they are. */
static apr_status_t page_before(mbd_batch_t *b)
{
    /* A deferred batch leaves the points behind; they are rebuilt at the
     * refresh's end. Dropped here, in the batch's transaction, so that a
     * refresh cut short (an error, a kill) leaves no point that lies: a
     * page then walks, and the next refresh finds none and rebuilds. */
    if (b->defer) {
        b->points = 0;
        return page_exec_all(b->db, (const char *const[]){
                             "DELETE FROM dir_mailbox_page",
                             "DELETE FROM dir_mailbox_wide_page",
                             "DELETE FROM dir_mailbox_rseg" }, 3,
                             b->res, b->p);
    }
    return batch_snapshot(b, &b->points, "dir_mailbox_page", snap_sql,
                          (int)(sizeof(snap_sql) / sizeof(snap_sql[0])),
                          "INSERT INTO mbdir_old SELECT " SNAP_COLS
                          " FROM dir_mailbox WHERE dom_id IN (", ")");
}

/* After them: every point moved by what changed before it. */
static apr_status_t page_after(mbd_batch_t *b)
{
    long long n = 0;
    int i;
    apr_status_t rv;

    if (!b->points) {
        return APR_SUCCESS;
    }
    rv = batch_exec(NULL, b, "INSERT INTO mbdir_new SELECT " SNAP_COLS
                    " FROM dir_mailbox WHERE dom_id IN (", ")");
    for (i = 0; rv == APR_SUCCESS && i < NSORTS; i++) {
        rv = page_delta(b, &mbdir_sorts[i], "mbdir_new", "mbdir_old", 1);
        if (rv == APR_SUCCESS) {
            rv = page_delta(b, &mbdir_sorts[i], "mbdir_old", "mbdir_new", -1);
        }
        if (rv == APR_SUCCESS) {
            rv = oxt_db_select_int(&n, b->db, "SELECT COUNT(*) FROM"
                                   " mbdir_delta WHERE sort_key = ?",
                                   OXT_DB_ARGS(OXT_DB_STR(
                                   mbdir_sorts[i].key)), b->res, b->p);
        }
        if (rv == APR_SUCCESS && n > 0) {
            rv = page_move(b, &mbdir_sorts[i]);
        }
    }
    return rv;
}

/* The points of one sort and scope as a scan finds them (the rows come
 * in the index's order, so nothing is sorted: a window function over a
 * million rows sorted them again for each of the 18 builds). */
typedef struct page_scan_t {
    const oxt_mbdir_sort_t *s;
    int resel;                 /* rows start with their reseller_id */
    long long scope_id;        /* the partition being counted */
    long long at;              /* its rows so far */
    apr_array_header_t *pts;   /* oxt_db_arg_t x 4: scope_id, pos, k, id */
} page_scan_t;

static apr_status_t page_scan_row(void *baton, const oxt_db_row_t *row,
                                  apr_pool_t *ptemp)
{
    page_scan_t *ps = baton;
    apr_pool_t *p = ps->pts->pool;
    long long sid = ps->resel ? oxt_db_row_int(row, 0, 0) : 0;
    int c = ps->resel ? 1 : 0;
    oxt_db_arg_t *a;

    (void)ptemp;
    if (sid != ps->scope_id) {
        ps->scope_id = sid;
        ps->at = 0;
    }
    if (ps->at > 0 && ps->at % OXT_MBDIR_PAGE_EVERY == 0) {
        a = apr_array_push(ps->pts);
        a[0] = OXT_DB_INT(sid);
        a[1] = OXT_DB_INT(ps->at);
        a[2] = ps->s->is_str ? OXT_DB_STR(oxt_db_row_str(row, c, p))
                             : OXT_DB_INT(oxt_db_row_int(row, c, 0));
        a[3] = OXT_DB_INT(oxt_db_row_int(row, c + 1, 0));
    }
    ps->at++;
    return APR_SUCCESS;
}

/* Points per INSERT. */
#define POINTS_PER_QUERY 200

static apr_status_t page_points_write(oxt_db_t *db,
                                      const oxt_mbdir_sort_t *s,
                                      const char *scope,
                                      const apr_array_header_t *pts,
                                      oxt_result_t *res, apr_pool_t *p)
{
    const oxt_db_arg_t *pt = (const oxt_db_arg_t *)pts->elts;
    oxt_db_arg_t *a;
    const char *sql;
    int from, n, i;
    apr_status_t rv = APR_SUCCESS;

    for (from = 0; rv == APR_SUCCESS && from < pts->nelts; from += n) {
        n = pts->nelts - from < POINTS_PER_QUERY ? pts->nelts - from
                                                : POINTS_PER_QUERY;
        a = apr_palloc(p, sizeof(*a) * (apr_size_t)(6 * n));
        sql = "INSERT INTO dir_mailbox_page (scope, scope_id, sort_key, pos,"
              " k_int, k_str, id) VALUES";
        for (i = 0; i < n; i++) {
            const oxt_db_arg_t *x = pt + 4 * (from + i);

            a[6 * i] = OXT_DB_STR(scope);
            a[6 * i + 1] = x[0];
            a[6 * i + 2] = OXT_DB_STR(s->key);
            a[6 * i + 3] = x[1];
            a[6 * i + 4] = x[2];
            a[6 * i + 5] = x[3];
            sql = apr_pstrcat(p, sql, i ? ", " : " ", s->is_str
                              ? "(?, ?, ?, ?, NULL, ?, ?)"
                              : "(?, ?, ?, ?, ?, NULL, ?)", NULL);
        }
        rv = oxt_db_exec(NULL, db, sql, a, 6 * n, res, p);
    }
    return rv;
}

/* The points of sort s for one scope: every OXT_MBDIR_PAGE_EVERY-th row
 * of it in ascending order, from a scan of the scope's index. */
static apr_status_t page_build(oxt_db_t *db, const oxt_mbdir_sort_t *s,
                               const char *scope, oxt_result_t *res,
                               apr_pool_t *p)
{
    int resel = strcmp(scope, "reseller") == 0;
    page_scan_t ps;
    const char *sql = apr_psprintf(p, "SELECT %s%s, id FROM dir_mailbox%s"
                                   " ORDER BY %s%s, id",
                                   resel ? "reseller_id, " : "", s->col,
                                   resel ? " WHERE reseller_id > 0"
                                   : strcmp(scope, "ox") == 0
                                   ? " WHERE in_ox = 1" : "",
                                   resel ? "reseller_id, " : "", s->col);
    apr_status_t rv;

    memset(&ps, 0, sizeof(ps));
    ps.s = s;
    ps.resel = resel;
    ps.pts = apr_array_make(p, 64, sizeof(oxt_db_arg_t) * 4);
    rv = oxt_db_each(db, sql, OXT_DB_NOARGS, page_scan_row, &ps, res, p);
    return rv == APR_SUCCESS ? page_points_write(db, s, scope, ps.pts, res,
                                                 p) : rv;
}

/* The rebuild and the batches (0137): each takes dir_mailbox_page_lock's
 * row first in its transaction, before any read of a snapshot, a batch in
 * share mode, a rebuild for update. So a rebuild's snapshot comes after
 * every batch that began before it committed, and a batch that begins
 * meanwhile reads after the rebuild committed and moves its points: a
 * batch that found an empty index moved nothing, and what it wrote after
 * the rebuild's snapshot was in no point (a point a row off per change,
 * until some later rebuild). Batches do not wait for each other,
 * except while resellers' segments are stored (batch_run). */
static apr_status_t page_lock_once(oxt_db_t *db, int rebuild, int nowait,
                                   oxt_result_t *res, apr_pool_t *p)
{
    long long id = 0;

    return oxt_db_select_int(&id, db, rebuild && nowait
                             ? "SELECT id FROM dir_mailbox_page_lock WHERE"
                               " id = 1 FOR UPDATE NOWAIT"
                             : rebuild
                             ? "SELECT id FROM dir_mailbox_page_lock WHERE"
                               " id = 1 FOR UPDATE"
                             : nowait
                             ? "SELECT id FROM dir_mailbox_page_lock WHERE"
                               " id = 1 LOCK IN SHARE MODE NOWAIT"
                             : "SELECT id FROM dir_mailbox_page_lock WHERE"
                               " id = 1 LOCK IN SHARE MODE", OXT_DB_NOARGS,
                             res, p);
}

/* The row made again when it is missing (only migration 0137 writes it:
 * a partial restore, a hand's cleanup), rather than every batch failing. */
static apr_status_t page_lock(oxt_db_t *db, int rebuild, int nowait,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = page_lock_once(db, rebuild, nowait, res, p);

    if (rv == APR_ENOENT) {
        rv = oxt_db_exec(NULL, db, "INSERT IGNORE INTO dir_mailbox_page_lock"
                         " (id) VALUES (1)", OXT_DB_NOARGS, res, p);
        rv = rv == APR_SUCCESS ? page_lock_once(db, rebuild, nowait, res, p)
                               : rv;
    }
    return rv;
}

/* A step of mbdir_tx, in its transaction; baton is the step's own (NULL
 * for those that need none). */
typedef apr_status_t (*mbd_step_t)(oxt_db_t *db, void *baton,
                                   oxt_result_t *res, apr_pool_t *p);

/* step in a transaction of its own, committed when it succeeds, else
 * rolled back. With lock, the page index's lock is taken for update
 * first, as a rebuild of the index, its points or the resellers' choices
 * takes it: no batch writes terms or moves a point meanwhile. */
static apr_status_t mbdir_tx(oxt_db_t *db, int lock, mbd_step_t step,
                             void *baton, oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = oxt_db_begin(db, res);

    if (rv == APR_SUCCESS && lock) {
        rv = page_lock(db, 1, 0, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = step(db, baton, res, p);
    }
    if (rv == APR_SUCCESS) {
        return oxt_db_commit(db, res);
    }
    oxt_db_rollback(db);
    return rv;
}

static apr_status_t wp_build(oxt_db_t *db, void *baton, oxt_result_t *res,
                             apr_pool_t *p);
static apr_status_t rs_build(oxt_db_t *db, void *baton, oxt_result_t *res,
                             apr_pool_t *p);

/* The whole page index again, evenly spaced (mbdir_tx's step, with the
 * lock). */
static apr_status_t page_build_all(oxt_db_t *db, void *baton,
                                   oxt_result_t *res, apr_pool_t *p)
{
    int i;
    apr_status_t rv = oxt_db_exec(NULL, db, "DELETE FROM dir_mailbox_page",
                                  OXT_DB_NOARGS, res, p);

    (void)baton;
    for (i = 0; rv == APR_SUCCESS && i < NSORTS; i++) {
        rv = page_build(db, &mbdir_sorts[i], "all", res, p);
        if (rv == APR_SUCCESS) {
            rv = page_build(db, &mbdir_sorts[i], "reseller", res, p);
        }
        if (rv == APR_SUCCESS && mbdir_sorts[i].ox_index) {
            rv = page_build(db, &mbdir_sorts[i], "ox", res, p);
        }
    }
    /* the wide searches' points and the resellers' mid-density
     * segments stand on these: made again with them */
    if (rv == APR_SUCCESS) {
        rv = wp_build(db, NULL, res, p);
    }
    return rv == APR_SUCCESS ? rs_build(db, NULL, res, p) : rv;
}

/* ---- the wide searches (dir_mailbox_wide) -------------------------------- */

/* Each mailbox's terms as one row (kinds 0 to 3), to count the
 * mailboxes a prefix finds with COUNT(*) and to compare before and
 * after by bytes; chg marks the mailboxes whose terms changed. */
#define WIDE_TERMS "SELECT id, MAX(IF(kind = 0, term, NULL)), MAX(IF(kind" \
    " = 1, term, NULL)), MAX(IF(kind = 2, term, NULL)), MAX(IF(kind = 3," \
    " term, NULL)), 0 FROM dir_mailbox_term WHERE dom_id IN ("
#define WIDE_GROUP ") GROUP BY id"
static const char *const wide_snap_sql[] = {
    "CREATE TEMPORARY TABLE IF NOT EXISTS mbdir_wold (id INT UNSIGNED NOT"
    " NULL PRIMARY KEY, t0 VARCHAR(501) NULL, t1 VARCHAR(501) NULL, t2"
    " VARCHAR(501) NULL, t3 VARCHAR(501) NULL, chg TINYINT NOT NULL)"
    " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
    "CREATE TEMPORARY TABLE IF NOT EXISTS mbdir_wnew LIKE mbdir_wold",
    "DELETE FROM mbdir_wold",
    "DELETE FROM mbdir_wnew",
};
#define WIDE_SAME(a, b) "(BINARY " a ".t0 <=> BINARY " b ".t0 AND BINARY " \
    a ".t1 <=> BINARY " b ".t1 AND BINARY " a ".t2 <=> BINARY " b ".t2" \
    " AND BINARY " a ".t3 <=> BINARY " b ".t3)"
#define WIDE_MATCH(x) "(" x ".t0 LIKE w.pattern ESCAPE '!' OR " x ".t1" \
    " LIKE w.pattern ESCAPE '!' OR " x ".t2 LIKE w.pattern ESCAPE '!' OR " \
    x ".t3 LIKE w.pattern ESCAPE '!')"
static const char *const wide_mark_sql[] = {
    "UPDATE mbdir_wold o LEFT JOIN mbdir_wnew n ON n.id = o.id SET o.chg = 1"
    " WHERE n.id IS NULL OR NOT " WIDE_SAME("o", "n"),
    "UPDATE mbdir_wnew n LEFT JOIN mbdir_wold o ON o.id = n.id SET n.chg = 1"
    " WHERE o.id IS NULL OR NOT " WIDE_SAME("o", "n"),
};
/* Every stored prefix moved by the changed mailboxes it finds now less
 * those it found before. */
static const char wide_move_sql[] =
    "UPDATE dir_mailbox_wide w SET w.cnt = w.cnt + (SELECT COUNT(*) FROM"
    " mbdir_wnew x WHERE x.chg = 1 AND " WIDE_MATCH("x") ") - (SELECT"
    " COUNT(*) FROM mbdir_wold y WHERE y.chg = 1 AND " WIDE_MATCH("y") ")";

/* Before the batch's writes: its mailboxes' terms, when any prefix is
 * stored (b->wide). */
static apr_status_t wide_before(mbd_batch_t *b)
{
    return batch_snapshot(b, &b->wide, "dir_mailbox_wide", wide_snap_sql,
                          (int)(sizeof(wide_snap_sql)
                                / sizeof(wide_snap_sql[0])),
                          "INSERT INTO mbdir_wold " WIDE_TERMS, WIDE_GROUP);
}

/* After them: the stored counts moved by the mailboxes whose terms
 * changed. written: the term rows the batch inserted, changed (bytes:
 * what MariaDB counts as changed) or deleted; none, and the terms of its
 * mailboxes are those of the copy before, so nothing is copied, marked
 * or counted again (a Change Service or a replication writes no term). */
static apr_status_t wide_after(mbd_batch_t *b, unsigned long long written,
                               long long *pchanged)
{
    long long n = 0;
    apr_status_t rv;

    *pchanged = 0;
    if (!b->wide || written == 0) {
        return APR_SUCCESS;
    }
    rv = batch_exec(NULL, b, "INSERT INTO mbdir_wnew " WIDE_TERMS,
                    WIDE_GROUP);
    if (rv == APR_SUCCESS) {
        rv = page_exec_all(b->db, wide_mark_sql, 2, b->res, b->p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_int(&n, b->db, "SELECT (SELECT COUNT(*) FROM"
                               " mbdir_wold WHERE chg = 1) + (SELECT"
                               " COUNT(*) FROM mbdir_wnew WHERE chg = 1)",
                               OXT_DB_NOARGS, b->res, b->p);
    }
    *pchanged = n;
    return rv == APR_SUCCESS && n > 0
           ? oxt_db_exec(NULL, b->db, wide_move_sql, OXT_DB_NOARGS, b->res,
                         b->p) : rv;
}

/* A prefix found: its term entries and the mailboxes they are, both by
 * LIKE (what the page lists). */
typedef struct wide_found_t {
    long long entries;
    long long cnt;
} wide_found_t;

/* Is the last character of s one that only matches itself character by
 * character (printable ASCII but the space)? Then a group of LEFT(term,
 * n) equal to s under the range of its first n - 1 characters is the
 * terms LIKE s% exactly (a space or an ignorable character would let
 * the collation's padding or zero weights join shorter terms). */
static int wide_plain_end(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && s[n - 1] > ' ' && s[n - 1] < 0x7f;
}

/* One prefix found (n characters, entries of its group under its
 * parent): its counts, from the parent's when it holds all of the
 * parent's entries (a chain: u, us, use, user), else by LIKE; kept when
 * wide (f->cnt past OXT_MBDIR_WIDE_MIN). */
static apr_status_t wide_keep(wide_found_t *f, oxt_db_t *db,
                              const char *prefix, long long n,
                              long long entries, const wide_found_t *parent,
                              oxt_result_t *res, apr_pool_t *p)
{
    const char *pattern = oxt_dir_like_prefix(prefix, p);
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv = APR_SUCCESS;

    if (parent != NULL && entries == parent->entries
        && wide_plain_end(prefix)) {
        *f = *parent;
    }
    else {
        rv = oxt_db_select(&rows, db, "SELECT COUNT(*), COUNT(DISTINCT id)"
                           " FROM dir_mailbox_term WHERE term LIKE ? ESCAPE"
                           " '!'", OXT_DB_ARGS(OXT_DB_STR(pattern)), res, p);
        row = rv == APR_SUCCESS && rows->nelts == 1
              ? APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *) : NULL;
        f->entries = row != NULL ? oxt_db_row_int(row, 0, 0) : 0;
        f->cnt = row != NULL ? oxt_db_row_int(row, 1, 0) : 0;
    }
    if (rv != APR_SUCCESS || f->cnt <= OXT_MBDIR_WIDE_MIN) {
        return rv;
    }
    return oxt_db_exec(NULL, db, "INSERT IGNORE INTO dir_mailbox_wide (n,"
                       " prefix, pattern, cnt, pts) VALUES (?, ?, ?, ?, ?)",
                       OXT_DB_ARGS(OXT_DB_INT(n), OXT_DB_STR(prefix),
                       OXT_DB_STR(pattern), OXT_DB_INT(f->cnt),
                       OXT_DB_INT(f->cnt >= OXT_MBDIR_WIDE_POINTS_MIN)), res,
                       p);
}

/* The prefixes one character longer than prefix (n characters; "" and
 * parent NULL for the first) that may be wide: the groups of the terms
 * that start with it with more entries than OXT_MBDIR_WIDE_MIN (at
 * least the mailboxes they find), each kept and descended into when
 * wide. */
static apr_status_t wide_descend(oxt_db_t *db, const char *prefix,
                                 long long n, const wide_found_t *parent,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    wide_found_t f;
    apr_pool_t *cp;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, "SELECT LEFT(term, ?) k, COUNT(*) FROM"
                       " dir_mailbox_term WHERE term LIKE ? ESCAPE '!'"
                       " GROUP BY k HAVING COUNT(*) > ? AND"
                       " CHAR_LENGTH(k) = ?", OXT_DB_ARGS(
                       OXT_DB_INT(n + 1), OXT_DB_STR(oxt_dir_like_prefix(
                       prefix, p)), OXT_DB_INT(OXT_MBDIR_WIDE_MIN),
                       OXT_DB_INT(n + 1)), res, p);
    apr_pool_create(&cp, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        memset(&f, 0, sizeof(f));
        rv = row->vals[0] != NULL
             ? wide_keep(&f, db, row->vals[0], n + 1, oxt_db_row_int(row, 1,
                         0), rows->nelts == 1 ? parent : NULL, res, cp)
             : APR_SUCCESS;
        if (rv == APR_SUCCESS && f.cnt > OXT_MBDIR_WIDE_MIN
            && n + 1 < OXT_MBDIR_WIDE_MAXLEN) {
            rv = wide_descend(db, row->vals[0], n + 1, &f, res, cp);
        }
        apr_pool_clear(cp);
    }
    apr_pool_destroy(cp);
    return rv;
}

/* What stands on the wide prefixes' choice (their counts, the resellers'
 * dense and mid-density searches chosen from them), dropped with it. */
static const char *const wide_drop_sql[] = {
    "DELETE FROM dir_mailbox_wide",
    "DELETE FROM dir_mailbox_rmiss",
    "DELETE FROM dir_mailbox_rdense",
    "DELETE FROM dir_mailbox_rdense_chosen",
    "DELETE FROM dir_mailbox_rseg",
    "DELETE FROM dir_mailbox_rmid",
    "DELETE FROM dir_mailbox_rmid_chosen",
};
#define NWIDE_DROP ((int)(sizeof(wide_drop_sql) / sizeof(wide_drop_sql[0])))

/* Every wide prefix found again from the terms (mbdir_tx's step, without
 * the lock). */
static apr_status_t wide_build(oxt_db_t *db, void *baton, oxt_result_t *res,
                               apr_pool_t *p)
{
    apr_status_t rv = page_exec_all(db, wide_drop_sql, NWIDE_DROP, res, p);

    (void)baton;
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "DELETE FROM dir_mailbox_wide_page",
                         OXT_DB_NOARGS, res, p);
    }
    return rv == APR_SUCCESS ? wide_descend(db, "", 0, NULL, res, p) : rv;
}

apr_status_t oxt_mbdir_wide_count(long long *pcnt, int *pfound,
                                  oxt_db_t *db, const char *q,
                                  oxt_result_t *res, apr_pool_t *p)
{
    char *exact = apr_pstrdup(p, oxt_dir_like_prefix(q, p));
    apr_status_t rv;

    /* The typed text's own pattern without the '%': a stored prefix of
     * the same length that it matches character by character finds the
     * same terms. */
    exact[strlen(exact) - 1] = '\0';
    *pfound = 0;
    rv = oxt_db_select_int(pcnt, db, "SELECT cnt FROM dir_mailbox_wide"
                           " WHERE n = CHAR_LENGTH(?) AND prefix = ? AND"
                           " prefix LIKE ? ESCAPE '!'", OXT_DB_ARGS(
                           OXT_DB_STR(q), OXT_DB_STR(q), OXT_DB_STR(exact)),
                           res, p);
    *pfound = rv == APR_SUCCESS;
    return rv == APR_ENOENT ? APR_SUCCESS : rv;
}

/* ---- a reseller's dense searches (dir_mailbox_rdense, 0149) ------------- */

/* A batch's misses found again: its domains' mailboxes that a dense
 * prefix of their reseller does not find, from their terms as the batch
 * left them (a mailbox moved to another reseller leaves the old one's
 * misses with its domain's and is a miss of the new one's prefixes it
 * does not match). */
static const char rd_gone_sql[] =
    "DELETE FROM dir_mailbox_rmiss WHERE dom_id IN (";
/* And the misses of the batch's rows stored under another domain (a
 * mailbox id psa now gives under one of the batch's domains, its old
 * domain not synced yet): else the INSERT below clashes on the key. */
static const char rd_gone_ids_sql[] =
    "DELETE x FROM dir_mailbox_rmiss x JOIN dir_mailbox b ON b.id = x.id"
    " WHERE b.dom_id IN (";
static const char rd_miss_sql[] =
    "INSERT INTO dir_mailbox_rmiss (reseller_id, n, prefix, id, dom_id)"
    " SELECT d.reseller_id, d.n, d.prefix, b.id, b.dom_id FROM dir_mailbox b"
    " JOIN dir_mailbox_rdense d ON d.reseller_id = b.reseller_id WHERE"
    " b.dom_id IN (";
#define RD_MISS_NOT " NOT EXISTS (SELECT 1 FROM dir_mailbox_term t WHERE" \
    " t.id = b.id AND t.reseller_id = b.reseller_id AND t.term LIKE" \
    " d.pattern ESCAPE '!')"

/* The (reseller, prefix) pairs of the misses the batch stored that now
 * miss more than OXT_MBDIR_RDENSE_MISS_MAX (a page binds each miss as a
 * value of its NOT IN list): dropped with their misses, so that their
 * count and pages are read as before (the next choice of the prefixes
 * weighs them again). Only a pair that got misses from the batch can
 * have grown. */
static apr_status_t rd_over(mbd_batch_t *b)
{
    apr_array_header_t *over = NULL;
    const oxt_db_row_t *row;
    int i, j;
    apr_status_t rv;

    rv = oxt_db_select(&over, b->db, oxt_psa_sql(b->psa, apr_pstrcat(b->p,
                       "SELECT x.reseller_id, x.n, x.prefix FROM"
                       " dir_mailbox_rmiss x JOIN (SELECT DISTINCT"
                       " reseller_id, n, prefix FROM dir_mailbox_rmiss WHERE"
                       " dom_id IN (", b->marks, ")) k ON k.reseller_id ="
                       " x.reseller_id AND k.n = x.n AND k.prefix = x.prefix"
                       " GROUP BY x.reseller_id, x.n, x.prefix HAVING"
                       " COUNT(*) > ", apr_ltoa(b->p,
                       OXT_MBDIR_RDENSE_MISS_MAX), NULL), b->p),
                       batch_args(b, NULL, 0), b->n, b->res, b->p);
    for (i = 0; rv == APR_SUCCESS && over != NULL && i < over->nelts; i++) {
        row = APR_ARRAY_IDX(over, i, const oxt_db_row_t *);
        for (j = 0; rv == APR_SUCCESS && j < 2; j++) {
            rv = oxt_db_exec(NULL, b->db, j == 0
                             ? "DELETE FROM dir_mailbox_rmiss WHERE"
                               " reseller_id = ? AND n = ? AND prefix = ?"
                             : "DELETE FROM dir_mailbox_rdense WHERE"
                               " reseller_id = ? AND n = ? AND prefix = ?",
                             OXT_DB_ARGS(OXT_DB_INT(oxt_db_row_int(row, 0, 0)),
                             OXT_DB_INT(oxt_db_row_int(row, 1, 0)),
                             OXT_DB_STR(row->vals[2])), b->res, b->p);
        }
    }
    return rv;
}

/* After the batch's writes, in its transaction: written, the term rows
 * it inserted, changed or deleted (a rename, a new or removed mailbox, a
 * move to another reseller: the terms carry the reseller); none, and
 * every miss is as it was. A deferred batch dropped them (batch_work). */
static apr_status_t rd_after(mbd_batch_t *b, unsigned long long written)
{
    long long any = 0;
    apr_status_t rv;

    if (b->defer || written == 0) {
        return APR_SUCCESS;
    }
    rv = oxt_db_select_int(&any, b->db, "SELECT COUNT(*) FROM (SELECT 1"
                           " FROM dir_mailbox_rdense LIMIT 1) x",
                           OXT_DB_NOARGS, b->res, b->p);
    if (rv != APR_SUCCESS || any == 0) {
        return rv;
    }
    rv = batch_exec(NULL, b, rd_gone_sql, ")");
    if (rv == APR_SUCCESS) {
        rv = batch_exec(NULL, b, rd_gone_ids_sql, ")");
    }
    if (rv == APR_SUCCESS) {
        rv = batch_exec(NULL, b, rd_miss_sql, ") AND" RD_MISS_NOT);
    }
    return rv == APR_SUCCESS ? rd_over(b) : rv;
}

/* One reseller rid's dense prefix stored, with its misses when it has
 * any (its rows but those in its range of the term index that match: a
 * scan of each, the matches held once, where a lookup of every row's
 * terms took three times as long). */
static apr_status_t rd_keep(oxt_db_t *db, long long rid, long long n,
                            const char *prefix, const char *pattern,
                            long long misses, oxt_result_t *res,
                            apr_pool_t *p)
{
    apr_status_t rv;

    rv = oxt_db_exec(NULL, db, "INSERT INTO dir_mailbox_rdense (reseller_id,"
                     " n, prefix, pattern) VALUES (?, ?, ?, ?)", OXT_DB_ARGS(
                     OXT_DB_INT(rid), OXT_DB_INT(n), OXT_DB_STR(prefix),
                     OXT_DB_STR(pattern)), res, p);
    if (rv != APR_SUCCESS || misses <= 0) {
        return rv;
    }
    return oxt_db_exec(NULL, db, "INSERT INTO dir_mailbox_rmiss (reseller_id,"
                       " n, prefix, id, dom_id) SELECT b.reseller_id, ?, ?,"
                       " b.id, b.dom_id FROM dir_mailbox b WHERE"
                       " b.reseller_id = ? AND b.id NOT IN (SELECT t.id FROM"
                       " dir_mailbox_term t WHERE t.reseller_id = ? AND"
                       " t.term LIKE ? ESCAPE '!')", OXT_DB_ARGS(
                       OXT_DB_INT(n), OXT_DB_STR(prefix), OXT_DB_INT(rid),
                       OXT_DB_INT(rid), OXT_DB_STR(pattern)), res, p);
}

/* "rid:prefix", the prefix's ASCII letters folded to lower case: the
 * key of a dense prefix, to find a longer one's parent (a parent spelt
 * otherwise, in case beyond ASCII, is not found: that longer prefix is
 * then not stored, and read as before). */
static const char *rd_key(long long rid, const char *prefix, apr_size_t len,
                          apr_pool_t *p)
{
    char *key = apr_pstrcat(p, oxt_util_lld(rid, p), ":",
                            apr_pstrmemdup(p, prefix, len), NULL), *c;

    for (c = strchr(key, ':'); *c; c++) {
        *c = (char)apr_tolower((unsigned char)*c);
    }
    return key;
}

/* The length in bytes of prefix less its last (UTF-8) character. */
static apr_size_t rd_parent_len(const char *prefix)
{
    apr_size_t n = strlen(prefix);

    while (n > 0 && ((unsigned char)prefix[n - 1] & 0xc0) == 0x80) {
        n--;
    }
    return n > 0 ? n - 1 : 0;
}

/* The resellers (rids: id and rows, those with OXT_MBDIR_RDENSE_MIN rows
 * or more) in which the stored wide prefix row (n, prefix, pattern) is
 * dense, with their misses; dense (rd_key) the ones found so far, so a
 * longer prefix is counted only where the one a character shorter is
 * dense (it finds no more). Each count is a range of the reseller's
 * terms, as a page's count was (a GROUP BY of the resellers over the
 * prefix's every term took seven times as long). */
static apr_status_t rd_choose(oxt_db_t *db, const oxt_db_row_t *row,
                              const apr_array_header_t *rids,
                              apr_hash_t *dense, oxt_result_t *res,
                              apr_pool_t *p)
{
    long long n = oxt_db_row_int(row, 0, 0), rid, rows, cnt;
    const char *prefix = row->vals[1], *pattern = row->vals[2], *key;
    const oxt_db_row_t *r;
    int i;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; rv == APR_SUCCESS && i < rids->nelts; i++) {
        r = APR_ARRAY_IDX(rids, i, const oxt_db_row_t *);
        rid = oxt_db_row_int(r, 0, 0);
        rows = oxt_db_row_int(r, 1, 0);
        if (n > 1 && apr_hash_get(dense, rd_key(rid, prefix, rd_parent_len(
                                  prefix), p), APR_HASH_KEY_STRING) == NULL) {
            continue;
        }
        cnt = 0;
        rv = oxt_db_select_int(&cnt, db, "SELECT COUNT(DISTINCT t.id) FROM"
                               " dir_mailbox_term t WHERE t.reseller_id = ?"
                               " AND t.term LIKE ? ESCAPE '!'", OXT_DB_ARGS(
                               OXT_DB_INT(rid), OXT_DB_STR(pattern)), res, p);
        if (rv != APR_SUCCESS || cnt < OXT_MBDIR_RDENSE_MIN
            || rows - cnt > OXT_MBDIR_RDENSE_MISS_MAX) {
            continue;
        }
        key = rd_key(rid, prefix, strlen(prefix), apr_hash_pool_get(dense));
        apr_hash_set(dense, key, APR_HASH_KEY_STRING, "");
        rv = rd_keep(db, rid, n, prefix, pattern, rows - cnt, res, p);
    }
    return rv;
}

/* ---- a reseller's mid-density searches (dir_mailbox_rmid, 0150) -------- */

/* The most pairs of one reseller (a bit each in a mailbox's mask). */
#define RS_PAIRS_MAX 32
/* Segments per multi-row INSERT. */
#define RS_ROWS_PER_QUERY 200

/* One reseller's counting: its pairs, each of its matching mailboxes'
 * mask of the pairs it matches, and for the sort being counted the
 * points (pos, id, k_int, k_str by pos then key: of points that stand
 * together the last one's segment holds their rows) and the matches of
 * each pair from each point to the next (point 0: the order's start). */
typedef struct rs_count_t {
    const apr_array_header_t *pairs;   /* rows: n, prefix, pattern */
    apr_hash_t *masks;                 /* id -> apr_uint32_t */
    apr_array_header_t *pts;           /* rows */
    long long *cnt;                    /* (npts + 1) x npairs */
    long long at;                      /* rows of the order so far */
    int seg;                           /* 0: the head, i: point i - 1 */
    apr_pool_t *p;
} rs_count_t;

static apr_status_t rs_match_row(void *baton, const oxt_db_row_t *row,
                                 apr_pool_t *ptemp)
{
    rs_count_t *c = ((void **)baton)[0];
    apr_uint32_t bit = *(const apr_uint32_t *)((void **)baton)[1], *m;
    long long id = oxt_db_row_int(row, 0, 0), *key;

    (void)ptemp;
    m = apr_hash_get(c->masks, &id, sizeof(id));
    if (m == NULL) {
        key = apr_palloc(c->p, sizeof(*key));
        *key = id;
        m = apr_pcalloc(c->p, sizeof(*m));
        apr_hash_set(c->masks, key, sizeof(*key), m);
    }
    *m |= bit;
    return APR_SUCCESS;
}

/* A row of the reseller's order, in the order: counted in the segment of
 * the last point whose position (the rows before its key, exact) it has
 * reached. */
static apr_status_t rs_scan_row(void *baton, const oxt_db_row_t *row,
                                apr_pool_t *ptemp)
{
    rs_count_t *c = baton;
    long long id = oxt_db_row_int(row, 0, 0);
    int npairs = c->pairs->nelts, j;
    const apr_uint32_t *m;

    (void)ptemp;
    while (c->seg < c->pts->nelts
           && oxt_db_row_int(APR_ARRAY_IDX(c->pts, c->seg,
                             const oxt_db_row_t *), 0, 0) <= c->at) {
        c->seg++;
    }
    c->at++;
    m = apr_hash_get(c->masks, &id, sizeof(id));
    for (j = 0; m != NULL && j < npairs; j++) {
        if (*m & ((apr_uint32_t)1 << j)) {
            c->cnt[(apr_size_t)c->seg * (apr_size_t)npairs + (apr_size_t)j]++;
        }
    }
    return APR_SUCCESS;
}

/* The segments of c counted, written for sort so of the reseller rid
 * (those that hold a match), its old ones deleted first. */
static apr_status_t rs_write(oxt_db_t *db, long long rid,
                             const oxt_mbdir_sort_t *so, const rs_count_t *c,
                             oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 64, sizeof(oxt_db_arg_t));
    apr_array_header_t *marks = apr_array_make(p, 16, sizeof(const char *));
    const oxt_db_row_t *pt;
    int npairs = c->pairs->nelts, i, j, last;
    const oxt_db_row_t *pair;
    long long n;
    apr_status_t rv;

    rv = oxt_db_exec(NULL, db, "DELETE FROM dir_mailbox_rseg WHERE"
                     " reseller_id = ? AND sort_key = ?", OXT_DB_ARGS(
                     OXT_DB_INT(rid), OXT_DB_STR(so->key)), res, p);
    for (i = 0; rv == APR_SUCCESS && i <= c->pts->nelts; i++) {
        pt = i > 0 ? APR_ARRAY_IDX(c->pts, i - 1, const oxt_db_row_t *)
                   : NULL;
        for (j = 0; j < npairs; j++) {
            n = c->cnt[(apr_size_t)i * (apr_size_t)npairs + (apr_size_t)j];
            if (n == 0) {
                continue;
            }
            pair = APR_ARRAY_IDX(c->pairs, j, const oxt_db_row_t *);
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(rid);
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(
                oxt_db_row_int(pair, 0, 0));
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_STR(pair->vals[1]);
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_STR(so->key);
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(
                pt != NULL ? oxt_db_row_int(pt, 1, 0) : 0);
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = pt != NULL
                && pt->vals[2] != NULL ? OXT_DB_INT(oxt_db_row_int(pt, 2, 0))
                : OXT_DB_NULL;
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = pt != NULL
                && pt->vals[3] != NULL ? OXT_DB_STR(pt->vals[3])
                : OXT_DB_NULL;
            APR_ARRAY_PUSH(args, oxt_db_arg_t) = OXT_DB_INT(n);
            APR_ARRAY_PUSH(marks, const char *) = "(?, ?, ?, ?, ?, ?, ?, ?)";
        }
        last = i == c->pts->nelts;
        if (marks->nelts > 0 && (marks->nelts >= RS_ROWS_PER_QUERY || last)) {
            rv = oxt_db_exec(NULL, db, apr_pstrcat(p, "INSERT INTO"
                             " dir_mailbox_rseg (reseller_id, n, prefix,"
                             " sort_key, id, k_int, k_str, cnt) VALUES ",
                             apr_array_pstrcat(p, marks, ','), NULL),
                             (const oxt_db_arg_t *)args->elts, args->nelts,
                             res, p);
            apr_array_clear(args);
            apr_array_clear(marks);
        }
    }
    return rv;
}

/* Each of c's pairs' matches in the reseller rid (a range of its term
 * index each) marked in c->masks. */
static apr_status_t rs_masks(oxt_db_t *db, long long rid, rs_count_t *c,
                             oxt_result_t *res, apr_pool_t *p)
{
    apr_uint32_t bit;
    void *baton[2];
    int j;
    apr_status_t rv = APR_SUCCESS;

    baton[0] = c;
    baton[1] = &bit;
    for (j = 0; rv == APR_SUCCESS && j < c->pairs->nelts; j++) {
        bit = (apr_uint32_t)1 << j;
        rv = oxt_db_each(db, "SELECT DISTINCT t.id FROM dir_mailbox_term t"
                         " WHERE t.reseller_id = ? AND t.term LIKE ? ESCAPE"
                         " '!'", OXT_DB_ARGS(OXT_DB_INT(rid), OXT_DB_STR(
                         APR_ARRAY_IDX(c->pairs, j, const oxt_db_row_t *)
                         ->vals[2])), rs_match_row, baton, res, p);
    }
    return rv;
}

/* The sorts of mask (bit i: mbdir_sorts[i]) of the reseller rid counted
 * again, when it has pairs: each pair's matches read once (a range of the
 * reseller's term index each), then per sort the reseller's points and
 * one scan of its order (its index, ids only), the matches counted in C
 * by the points' positions. */
static apr_status_t rs_reseller(oxt_db_t *db, long long rid, unsigned mask,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *pairs = NULL;
    const oxt_mbdir_sort_t *so;
    rs_count_t c;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&pairs, db, "SELECT n, prefix, pattern FROM"
                       " dir_mailbox_rmid WHERE reseller_id = ? ORDER BY n,"
                       " prefix LIMIT ?", OXT_DB_ARGS(OXT_DB_INT(rid),
                       OXT_DB_INT(RS_PAIRS_MAX)), res, p);
    if (rv != APR_SUCCESS || pairs->nelts == 0) {
        return rv;
    }
    memset(&c, 0, sizeof(c));
    c.pairs = pairs;
    c.masks = apr_hash_make(p);
    c.p = p;
    rv = rs_masks(db, rid, &c, res, p);
    for (i = 0; rv == APR_SUCCESS && i < NSORTS; i++) {
        if (!(mask & (1u << i))) {
            continue;
        }
        so = &mbdir_sorts[i];
        rv = oxt_db_select(&c.pts, db, apr_psprintf(p, "SELECT pos, id,"
                           " k_int, k_str FROM dir_mailbox_page WHERE scope ="
                           " 'reseller' AND scope_id = ? AND sort_key = ?"
                           " ORDER BY pos, %s, id", so->is_str ? "k_str"
                           : "k_int"), OXT_DB_ARGS(OXT_DB_INT(rid),
                           OXT_DB_STR(so->key)), res, p);
        if (rv != APR_SUCCESS) {
            break;
        }
        c.cnt = apr_pcalloc(p, sizeof(*c.cnt) * (apr_size_t)(c.pts->nelts
                            + 1) * (apr_size_t)pairs->nelts);
        c.at = 0;
        c.seg = 0;
        rv = oxt_db_each(db, apr_pstrcat(p, "SELECT b.id FROM dir_mailbox b"
                         " FORCE INDEX (r_", so->index, ") WHERE"
                         " b.reseller_id = ? ORDER BY b.", so->col, ", b.id",
                         NULL), OXT_DB_ARGS(OXT_DB_INT(rid)), rs_scan_row, &c,
                         res, p);
        if (rv == APR_SUCCESS) {
            rv = rs_write(db, rid, so, &c, res, p);
        }
    }
    return rv;
}

/* Every chosen pair's segments counted again from the page index as it
 * is (in the caller's transaction, which holds the page index's lock for
 * update; a step of mbdir_tx). */
static apr_status_t rs_build(oxt_db_t *db, void *baton, oxt_result_t *res,
                             apr_pool_t *p)
{
    apr_array_header_t *rids = NULL;
    apr_pool_t *cp;
    int i;
    apr_status_t rv;

    (void)baton;
    rv = oxt_db_exec(NULL, db, "DELETE FROM dir_mailbox_rseg", OXT_DB_NOARGS,
                     res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&rids, db, "SELECT DISTINCT reseller_id FROM"
                           " dir_mailbox_rmid ORDER BY reseller_id",
                           OXT_DB_NOARGS, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    apr_pool_create(&cp, p);
    for (i = 0; rv == APR_SUCCESS && i < rids->nelts; i++) {
        rv = rs_reseller(db, oxt_db_row_int(APR_ARRAY_IDX(rids, i,
                         const oxt_db_row_t *), 0, 0), (1u << NSORTS) - 1,
                         res, cp);
        apr_pool_clear(cp);
    }
    apr_pool_destroy(cp);
    return rv;
}

/* The orders (bit i: mbdir_sorts[i]) in which a row of the batch moved
 * (old reseller, new reseller, flags): all when it came, went or changed
 * reseller, or written (the batch wrote terms), else those whose key
 * changed (flags from column 2, 1: the same). */
static unsigned rs_moved(const oxt_db_row_t *row, unsigned long long written)
{
    unsigned m = 0;
    int i;

    if (written > 0 || row->ncols < 2 + NSORTS || row->vals[0] == NULL
        || row->vals[1] == NULL
        || oxt_db_row_int(row, 0, 0) != oxt_db_row_int(row, 1, 0)) {
        return (1u << NSORTS) - 1;
    }
    for (i = 0; i < NSORTS; i++) {
        if (oxt_db_row_int(row, 2 + i, 0) == 0) {
            m |= 1u << i;
        }
    }
    return m;
}

/* mask added to the reseller id's entry of masks. */
static void rs_mark(apr_hash_t *masks, long long id, unsigned mask,
                    apr_pool_t *p)
{
    long long *key;
    unsigned *m = apr_hash_get(masks, &id, sizeof(id));

    if (m == NULL) {
        key = apr_palloc(p, sizeof(*key));
        *key = id;
        m = apr_pcalloc(p, sizeof(*m));
        apr_hash_set(masks, key, sizeof(*key), m);
    }
    *m |= mask;
}

/* After a batch's writes, in its transaction (the snapshots of page_after
 * are there): the resellers whose rows the batch moved in an order, each
 * with those orders, counted again (the old and the new reseller of a row
 * that moved between them; every reseller of the batch's rows in every
 * order when it wrote terms). A reseller without pairs costs a lookup. */
static apr_status_t rs_after(mbd_batch_t *b, unsigned long long written)
{
    apr_array_header_t *rows = NULL;
    apr_hash_t *masks = apr_hash_make(b->p);
    apr_hash_index_t *hi;
    const oxt_db_row_t *row;
    const char *same = "";
    const void *key;
    void *val;
    long long any = 0;
    unsigned m;
    int i, j;
    apr_status_t rv;

    if (b->defer || !b->points) {
        return APR_SUCCESS;        /* dropped with the points (page_before) */
    }
    rv = oxt_db_select_int(&any, b->db, "SELECT COUNT(*) FROM (SELECT 1"
                           " FROM dir_mailbox_rmid LIMIT 1) x", OXT_DB_NOARGS,
                           b->res, b->p);
    if (rv != APR_SUCCESS || any == 0) {
        return rv;
    }
    for (i = 0; i < NSORTS; i++) {
        same = apr_psprintf(b->p, "%s, o.%s <=> n.%s", same,
                            mbdir_sorts[i].col, mbdir_sorts[i].col);
    }
    rv = oxt_db_select(&rows, b->db, apr_pstrcat(b->p, "SELECT o.reseller_id,"
                       " n.reseller_id", same, " FROM mbdir_old o LEFT JOIN"
                       " mbdir_new n ON n.id = o.id", NULL), OXT_DB_NOARGS,
                       b->res, b->p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        m = rs_moved(row, written);
        for (j = 0; m != 0 && j < 2; j++) {
            if (row->vals[j] != NULL) {
                rs_mark(masks, oxt_db_row_int(row, j, 0), m, b->p);
            }
        }
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&rows, b->db, "SELECT n.reseller_id FROM mbdir_new"
                           " n LEFT JOIN mbdir_old o ON o.id = n.id WHERE"
                           " o.id IS NULL", OXT_DB_NOARGS, b->res, b->p);
    }
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        rs_mark(masks, oxt_db_row_int(APR_ARRAY_IDX(rows, i,
                const oxt_db_row_t *), 0, 0), (1u << NSORTS) - 1, b->p);
    }
    for (hi = apr_hash_first(b->p, masks); rv == APR_SUCCESS && hi != NULL;
         hi = apr_hash_next(hi)) {
        apr_hash_this(hi, &key, NULL, &val);
        rv = rs_reseller(b->db, *(const long long *)key, *(unsigned *)val,
                         b->res, b->p);
    }
    return rv;
}

/* The resellers' dense searches' misses and mid-density searches'
 * segments after a batch's writes (written: the term rows it wrote). */
static apr_status_t resellers_after(mbd_batch_t *b,
                                    unsigned long long written)
{
    apr_status_t rv = rd_after(b, written);

    return rv == APR_SUCCESS ? rs_after(b, written) : rv;
}

/* The stored wide prefix row (n, prefix, pattern) weighed in each
 * reseller of rids (id, rows): counted where its parent found as many
 * (found, rd_key), stored where it is a mid-density search (not in
 * isdense). */
static apr_status_t rs_choose_prefix(oxt_db_t *db, const oxt_db_row_t *row,
                                     const apr_array_header_t *rids,
                                     apr_hash_t *found, apr_hash_t *isdense,
                                     oxt_result_t *res, apr_pool_t *p)
{
    long long n = oxt_db_row_int(row, 0, 0), rid, rows, cnt;
    const char *key;
    const oxt_db_row_t *r;
    int j;
    apr_status_t rv = APR_SUCCESS;

    for (j = 0; rv == APR_SUCCESS && j < rids->nelts; j++) {
        r = APR_ARRAY_IDX(rids, j, const oxt_db_row_t *);
        rid = oxt_db_row_int(r, 0, 0);
        rows = oxt_db_row_int(r, 1, 0);
        if (n > 1 && apr_hash_get(found, rd_key(rid, row->vals[1],
                                  rd_parent_len(row->vals[1]), p),
                                  APR_HASH_KEY_STRING) == NULL) {
            continue;
        }
        cnt = 0;
        rv = oxt_db_select_int(&cnt, db, "SELECT COUNT(DISTINCT t.id) FROM"
                               " dir_mailbox_term t WHERE t.reseller_id = ?"
                               " AND t.term LIKE ? ESCAPE '!'", OXT_DB_ARGS(
                               OXT_DB_INT(rid), OXT_DB_STR(row->vals[2])),
                               res, p);
        if (rv != APR_SUCCESS || cnt < OXT_MBDIR_RMID_MIN) {
            continue;
        }
        key = rd_key(rid, row->vals[1], strlen(row->vals[1]),
                     apr_hash_pool_get(found));
        apr_hash_set(found, key, APR_HASH_KEY_STRING, "");
        if (cnt * 2 >= rows
            || apr_hash_get(isdense, key, APR_HASH_KEY_STRING) != NULL) {
            continue;
        }
        rv = oxt_db_exec(NULL, db, "INSERT INTO dir_mailbox_rmid"
                         " (reseller_id, n, prefix, pattern) VALUES (?, ?, ?,"
                         " ?)", OXT_DB_ARGS(OXT_DB_INT(rid), OXT_DB_INT(n),
                         OXT_DB_STR(row->vals[1]), OXT_DB_STR(row->vals[2])),
                         res, p);
    }
    return rv;
}

/* The pairs chosen again (in the caller's transaction, which holds the
 * page index's lock for update: mbdir_tx's, after rd_build or alone as
 * its step) and counted: for each reseller of OXT_MBDIR_RDENSE_MIN rows
 * or more (rids: id, rows) and each stored wide prefix of
 * OXT_MBDIR_RMID_MIN or more, shortest first, the reseller's range of the
 * term index counted, a longer prefix only where the one a character
 * shorter found as many; a pair is stored when it finds at least
 * OXT_MBDIR_RMID_MIN, fewer than half of the reseller's rows, and is not
 * a dense one of it (dir_mailbox_rdense). */
static apr_status_t rs_choose(oxt_db_t *db, void *baton, oxt_result_t *res,
                              apr_pool_t *p)
{
    apr_array_header_t *rids = NULL, *pfx = NULL, *dense = NULL;
    apr_hash_t *found = apr_hash_make(p), *isdense = apr_hash_make(p);
    const oxt_db_row_t *row;
    int i;
    apr_status_t rv;

    (void)baton;
    rv = page_exec_all(db, (const char *const[]){
                       "DELETE FROM dir_mailbox_rseg",
                       "DELETE FROM dir_mailbox_rmid",
                       "REPLACE INTO dir_mailbox_rmid_chosen (id, chosen_at)"
                       " VALUES (1, UTC_TIMESTAMP(6))" }, 3, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&rids, db, "SELECT scope_id, n FROM"
                           " dir_mailbox_count WHERE scope = 'reseller' AND"
                           " scope_id > 0 AND n >= ? ORDER BY scope_id",
                           OXT_DB_ARGS(OXT_DB_INT(OXT_MBDIR_RDENSE_MIN)), res,
                           p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&pfx, db, "SELECT n, prefix, pattern FROM"
                           " dir_mailbox_wide WHERE cnt >= ? ORDER BY n,"
                           " prefix", OXT_DB_ARGS(OXT_DB_INT(
                           OXT_MBDIR_RMID_MIN)), res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&dense, db, "SELECT reseller_id, prefix FROM"
                           " dir_mailbox_rdense", OXT_DB_NOARGS, res, p);
    }
    for (i = 0; rv == APR_SUCCESS && i < dense->nelts; i++) {
        row = APR_ARRAY_IDX(dense, i, const oxt_db_row_t *);
        apr_hash_set(isdense, rd_key(oxt_db_row_int(row, 0, 0), row->vals[1],
                     strlen(row->vals[1]), p), APR_HASH_KEY_STRING, "");
    }
    for (i = 0; rv == APR_SUCCESS && i < pfx->nelts; i++) {
        rv = rs_choose_prefix(db, APR_ARRAY_IDX(pfx, i, const oxt_db_row_t *),
                              rids, found, isdense, res, p);
    }
    return rv == APR_SUCCESS ? rs_build(db, NULL, res, p) : rv;
}

apr_status_t oxt_mbdir_rmid_build(long long *pn, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = mbdir_tx(db, 1, rs_build, NULL, res, p);

    *pn = 0;
    return rv == APR_SUCCESS ? oxt_db_select_int(pn, db, "SELECT COUNT(*)"
                               " FROM dir_mailbox_rseg", OXT_DB_NOARGS, res,
                               p) : rv;
}

/* Every reseller's dense prefixes chosen again from the stored wide ones
 * (a prefix that finds OXT_MBDIR_RDENSE_MIN of a reseller's mailboxes
 * finds more than OXT_MBDIR_WIDE_MIN of the server's, so it is one), in
 * one transaction that holds the page index's lock for update, as a
 * rebuild does: no batch writes terms meanwhile. The choice is recorded
 * (dir_mailbox_rdense_chosen), so that one that found none is not made
 * again on every directory pass (rd_missing); dropped with the wide
 * prefixes. mbdir_tx's step, with the lock. */
static apr_status_t rd_build(oxt_db_t *db, void *baton, oxt_result_t *res,
                             apr_pool_t *p)
{
    apr_array_header_t *rows = NULL, *rids = NULL;
    apr_hash_t *dense = apr_hash_make(p);
    apr_pool_t *cp;
    int i;
    apr_status_t rv = page_exec_all(db, (const char *const[]){
                                    "DELETE FROM dir_mailbox_rmiss",
                                    "DELETE FROM dir_mailbox_rdense" }, 2,
                                    res, p);

    (void)baton;
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "REPLACE INTO dir_mailbox_rdense_chosen"
                         " (id, chosen_at) VALUES (1, UTC_TIMESTAMP(6))",
                         OXT_DB_NOARGS, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select(&rids, db, "SELECT scope_id, n FROM"
                           " dir_mailbox_count WHERE scope = 'reseller' AND"
                           " scope_id > 0 AND n >= ? ORDER BY scope_id",
                           OXT_DB_ARGS(OXT_DB_INT(OXT_MBDIR_RDENSE_MIN)), res,
                           p);
    }
    if (rv == APR_SUCCESS && rids->nelts > 0) {
        rv = oxt_db_select(&rows, db, "SELECT n, prefix, pattern FROM"
                           " dir_mailbox_wide WHERE cnt >= ? ORDER BY n,"
                           " prefix", OXT_DB_ARGS(OXT_DB_INT(
                           OXT_MBDIR_RDENSE_MIN)), res, p);
    }
    if (rv == APR_SUCCESS && rows != NULL) {
        apr_pool_create(&cp, p);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            rv = rd_choose(db, APR_ARRAY_IDX(rows, i, const oxt_db_row_t *),
                           rids, dense, res, cp);
            apr_pool_clear(cp);
        }
        apr_pool_destroy(cp);
    }
    /* the mid-density ones with them */
    return rv == APR_SUCCESS ? rs_choose(db, NULL, res, p) : rv;
}

apr_status_t oxt_mbdir_rdense_rebuild(long long *pn, oxt_db_t *db,
                                      oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = mbdir_tx(db, 1, rd_build, NULL, res, p);

    *pn = 0;
    return rv == APR_SUCCESS ? oxt_db_select_int(pn, db, "SELECT COUNT(*)"
                               " FROM dir_mailbox_rdense", OXT_DB_NOARGS,
                               res, p) : rv;
}

/* ---- the wide searches' points (dir_mailbox_wide_page, 0140) ------------ */

/* The prefixes marked pts, in a fixed order (their bit in a mask). */
typedef struct wp_prefixes_t {
    int n;
    const char **prefix;
    long long *wn;
    const char **pattern;
} wp_prefixes_t;

static apr_status_t wp_prefixes(wp_prefixes_t *w, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i;
    apr_status_t rv;

    memset(w, 0, sizeof(*w));
    rv = oxt_db_select(&rows, db, "SELECT n, prefix, pattern FROM"
                       " dir_mailbox_wide WHERE pts = 1 ORDER BY n, prefix",
                       OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    w->n = rows->nelts;
    w->wn = apr_pcalloc(p, sizeof(*w->wn) * (apr_size_t)(w->n + 1));
    w->prefix = apr_pcalloc(p, sizeof(*w->prefix) * (apr_size_t)(w->n + 1));
    w->pattern = apr_pcalloc(p, sizeof(*w->pattern)
                             * (apr_size_t)(w->n + 1));
    for (i = 0; i < w->n; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        w->wn[i] = oxt_db_row_int(row, 0, 0);
        w->prefix[i] = row->vals[1];
        w->pattern[i] = row->vals[2];
    }
    return rv;
}

/* Each mailbox's pointed prefixes as a bit mask, held once per distinct
 * mask: an index per mailbox id into a table of the masks seen. A
 * mailbox's prefixes nest (u, us, use, user, user1, user12: a term
 * that starts with one starts with the shorter ones), so a few
 * thousand masks serve a million mailboxes (2 bytes an id), where a
 * mask per id held 27 MB at 1M. The table grows with malloc (freed by
 * the pool's cleanup): a pool cannot give back what a doubling left. */
typedef struct wp_bits_t {
    apr_uint16_t *of16;        /* per id: its mask's index (0: none), */
    apr_uint32_t *of32;        /* in 2 bytes while there are fewer than
                                * 65,536 masks (2 MB at 1M), then in 4 */
    long long maxid;
    apr_pool_t *pool;
    long long packet;          /* the server's max_allowed_packet */
    apr_size_t bytes;          /* per mask */
    unsigned char *masks;      /* nmasks x bytes */
    apr_uint32_t *to, *to_j;   /* per mask: its index with bit j set,
                                * valid when to_j is j + 1 */
    apr_uint32_t nmasks, cap;
    apr_uint32_t *slot;        /* open hash of the masks: index + 1 */
    apr_uint32_t nslots;
    unsigned char *scratch;
    oxt_result_t *res;         /* where a failure to grow is told */
} wp_bits_t;

static apr_status_t wp_bits_free(void *data)
{
    wp_bits_t *b = data;

    free(b->masks);
    free(b->to);
    free(b->to_j);
    free(b->slot);
    return APR_SUCCESS;
}

static apr_uint32_t wp_bits_hash(const wp_bits_t *b, const unsigned char *m)
{
    apr_uint32_t h = 2166136261u;
    apr_size_t i;

    for (i = 0; i < b->bytes; i++) {
        h = (h ^ m[i]) * 16777619u;
    }
    return h;
}

/* The slot of mask m: its own, or the free one it would take. */
static apr_uint32_t wp_bits_slot(const wp_bits_t *b, const unsigned char *m)
{
    apr_uint32_t i = wp_bits_hash(b, m) & (b->nslots - 1);

    while (b->slot[i] != 0 && memcmp(b->masks + (apr_size_t)(b->slot[i] - 1)
                                     * b->bytes, m, b->bytes) != 0) {
        i = (i + 1) & (b->nslots - 1);
    }
    return i;
}

/* Room for one more mask, the hash kept at most half full. */
static apr_status_t wp_bits_grow(wp_bits_t *b)
{
    apr_uint32_t i, cap = b->cap ? b->cap * 2 : 1024;
    void *m, *t, *tj;

    if (b->nmasks < b->cap) {
        return APR_SUCCESS;
    }
    m = realloc(b->masks, (apr_size_t)cap * b->bytes);
    b->masks = m != NULL ? m : b->masks;
    t = realloc(b->to, sizeof(*b->to) * cap);
    b->to = t != NULL ? t : b->to;
    tj = realloc(b->to_j, sizeof(*b->to_j) * cap);
    b->to_j = tj != NULL ? tj : b->to_j;
    free(b->slot);
    b->slot = calloc((apr_size_t)cap * 2, sizeof(*b->slot));
    if (m == NULL || t == NULL || tj == NULL || b->slot == NULL) {
        return oxt_result_set(b->res, APR_ENOMEM, "Cannot build the"
                              " mailbox search's points", "out of memory"
                              " for %u distinct prefix masks of %u bytes",
                              cap, (unsigned)b->bytes);
    }
    b->cap = cap;
    b->nslots = cap * 2;
    for (i = 0; i < b->nmasks; i++) {
        b->slot[wp_bits_slot(b, b->masks + (apr_size_t)i * b->bytes)] = i + 1;
    }
    return APR_SUCCESS;
}

/* The index of mask m, added when it is new. */
static apr_status_t wp_bits_find(apr_uint32_t *pidx, wp_bits_t *b,
                                 const unsigned char *m)
{
    apr_uint32_t i = wp_bits_slot(b, m);
    apr_status_t rv;

    if (b->slot[i] == 0) {
        if ((rv = wp_bits_grow(b)) != APR_SUCCESS) {
            return rv;
        }
        i = wp_bits_slot(b, m);
        memcpy(b->masks + (apr_size_t)b->nmasks * b->bytes, m, b->bytes);
        b->to_j[b->nmasks] = 0;
        b->slot[i] = ++b->nmasks;
    }
    *pidx = b->slot[i] - 1;
    return APR_SUCCESS;
}

static apr_uint32_t wp_bits_of(const wp_bits_t *b, long long id)
{
    return b->of32 != NULL ? b->of32[id] : b->of16[id];
}

/* Mailbox id's mask: index to; the indexes widened at the 65,536th. */
static void wp_bits_set(wp_bits_t *b, long long id, apr_uint32_t to)
{
    long long i;

    if (b->of32 == NULL && to > 0xffffu) {
        b->of32 = apr_palloc(b->pool, sizeof(*b->of32)
                             * (apr_size_t)(b->maxid + 1));
        for (i = 0; i <= b->maxid; i++) {
            b->of32[i] = b->of16[i];
        }
    }
    if (b->of32 != NULL) {
        b->of32[id] = to;
    }
    else {
        b->of16[id] = (apr_uint16_t)to;
    }
}

/* A match (id, j): the id's mask with bit j; the mask it leads to
 * remembered per mask for the prefix being read (one lookup per
 * distinct mask and prefix, not per match). */
static apr_status_t wp_bits_row(void *baton, const oxt_db_row_t *row,
                                apr_pool_t *ptemp)
{
    wp_bits_t *b = baton;
    long long id = oxt_db_row_int(row, 0, -1);
    long long j = oxt_db_row_int(row, 1, -1);
    apr_uint32_t from, to;
    apr_status_t rv;

    (void)ptemp;
    if (id < 0 || id > b->maxid || j < 0 || (apr_size_t)j >= b->bytes * 8) {
        return APR_SUCCESS;
    }
    from = wp_bits_of(b, id);
    if (b->to_j[from] != (apr_uint32_t)j + 1) {
        memcpy(b->scratch, b->masks + (apr_size_t)from * b->bytes, b->bytes);
        b->scratch[j >> 3] |= (unsigned char)(1u << (j & 7));
        if ((rv = wp_bits_find(&to, b, b->scratch)) != APR_SUCCESS) {
            return rv;
        }
        b->to[from] = to;
        b->to_j[from] = (apr_uint32_t)j + 1;
    }
    wp_bits_set(b, id, b->to[from]);
    return APR_SUCCESS;
}

/* The parts joined by UNION ALL. */
static const char *wp_union(const apr_array_header_t *parts, apr_pool_t *p)
{
    static const char sep[] = " UNION ALL ";
    apr_size_t len = 1, at = 0, n;
    char *out;
    int i;

    for (i = 0; i < parts->nelts; i++) {
        len += strlen(APR_ARRAY_IDX(parts, i, const char *)) + sizeof(sep);
    }
    out = apr_palloc(p, len);
    for (i = 0; i < parts->nelts; i++) {
        if (i > 0) {
            memcpy(out + at, sep, sizeof(sep) - 1);
            at += sizeof(sep) - 1;
        }
        n = strlen(APR_ARRAY_IDX(parts, i, const char *));
        memcpy(out + at, APR_ARRAY_IDX(parts, i, const char *), n);
        at += n;
    }
    out[at] = '\0';
    return out;
}

/* The masks from the term index, every prefix's range (the page's own
 * match: a term LIKE its pattern) in one statement. */
static apr_status_t wp_bits_read(wp_bits_t *b, const wp_prefixes_t *w,
                                 oxt_db_t *db, oxt_result_t *res,
                                 apr_pool_t *p)
{
    apr_array_header_t *rows, *parts;
    oxt_db_arg_t *args;
    const oxt_db_row_t *row;
    apr_uint32_t none;
    int j;
    apr_status_t rv;

    memset(b, 0, sizeof(*b));
    rv = oxt_db_select(&rows, db, "SELECT COALESCE(MAX(id), 0),"
                       " @@max_allowed_packet FROM dir_mailbox",
                       OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS || rows->nelts != 1) {
        return rv != APR_SUCCESS ? rv : APR_EGENERAL;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    b->maxid = oxt_db_row_int(row, 0, 0);
    b->packet = oxt_db_row_int(row, 1, 1 << 20);
    b->bytes = (apr_size_t)(w->n + 7) / 8;
    b->pool = p;
    b->res = res;
    b->of16 = apr_pcalloc(p, sizeof(*b->of16) * (apr_size_t)(b->maxid + 1));
    b->scratch = apr_pcalloc(p, b->bytes);
    apr_pool_cleanup_register(p, b, wp_bits_free, apr_pool_cleanup_null);
    rv = wp_bits_grow(b);                             /* the first table */
    rv = rv == APR_SUCCESS ? wp_bits_find(&none, b, b->scratch) : rv;
                                                      /* index 0: none */
    parts = apr_array_make(p, w->n, sizeof(const char *));
    args = apr_palloc(p, sizeof(*args) * (apr_size_t)w->n);
    for (j = 0; j < w->n; j++) {
        APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(p, "SELECT id,"
            " %d FROM dir_mailbox_term WHERE term LIKE ? ESCAPE '!'", j);
        args[j] = OXT_DB_STR(w->pattern[j]);
    }
    return rv == APR_SUCCESS ? oxt_db_each(db, wp_union(parts, p), args,
                               w->n, wp_bits_row, b, res, p) : rv;
}

/* The points' positions of every sort (scope all), in one statement. */
typedef struct wp_points_t {
    apr_array_header_t *pos[NSORTS];   /* long long, ascending */
} wp_points_t;

static apr_status_t wp_points_read(wp_points_t *pt, oxt_db_t *db,
                                   oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i, r;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, "SELECT sort_key, pos FROM"
                       " dir_mailbox_page WHERE scope = 'all' AND scope_id"
                       " = 0 ORDER BY sort_key, pos, id", OXT_DB_NOARGS,
                       res, p);
    for (i = 0; i < NSORTS; i++) {
        pt->pos[i] = apr_array_make(p, 16, sizeof(long long));
    }
    for (r = 0; rv == APR_SUCCESS && r < rows->nelts; r++) {
        row = APR_ARRAY_IDX(rows, r, const oxt_db_row_t *);
        for (i = 0; i < NSORTS; i++) {
            if (row->vals[0] != NULL
                && strcmp(row->vals[0], mbdir_sorts[i].key) == 0) {
                APR_ARRAY_PUSH(pt->pos[i], long long)
                    = oxt_db_row_int(row, 1, 0);
            }
        }
    }
    return rv;
}

/* One scan of the server's order in a sort: at each point (its position:
 * the rows before its key) every prefix's matches so far. */
typedef struct wp_scan_t {
    const wp_bits_t *bits;
    int np;                    /* prefixes */
    const apr_array_header_t *pos;  /* the points' positions, ascending */
    int next;                  /* the next point to reach */
    long long at;              /* rows scanned */
    apr_uint32_t *cnt;         /* per prefix, matches so far */
    apr_uint32_t *n;           /* per point and prefix: cnt at the point */
} wp_scan_t;

static void wp_scan_reach(wp_scan_t *s, long long at)
{
    while (s->next < s->pos->nelts
           && APR_ARRAY_IDX(s->pos, s->next, long long) <= at) {
        memcpy(s->n + (apr_size_t)s->next * (apr_size_t)s->np, s->cnt,
               sizeof(*s->cnt) * (apr_size_t)s->np);
        s->next++;
    }
}

static apr_status_t wp_scan_row(void *baton, const oxt_db_row_t *row,
                                apr_pool_t *ptemp)
{
    wp_scan_t *s = baton;
    long long id = oxt_db_row_int(row, 0, -1);
    const unsigned char *m;
    int j;

    (void)ptemp;
    wp_scan_reach(s, s->at);
    if (id >= 0 && id <= s->bits->maxid) {
        m = s->bits->masks + (apr_size_t)wp_bits_of(s->bits, id)
                             * s->bits->bytes;
        for (j = 0; j < s->np; j++) {
            s->cnt[j] += (m[j >> 3] >> (j & 7)) & 1;
        }
    }
    s->at++;
    return APR_SUCCESS;
}

/* Rows of dir_mailbox_wide_page per INSERT. */
#define WP_PER_QUERY 500
#define WP_COLS "(sort_key, wn, prefix, id, k_int, k_str, n)"

/* "(?, ?, ?, ?, ?, ?, ?), ..." for n rows. */
static const char *wp_marks(int n, apr_pool_t *p)
{
    static const char one[] = ", (?, ?, ?, ?, ?, ?, ?)";
    apr_size_t len = sizeof(one) - 1;
    char *out = apr_palloc(p, len * (apr_size_t)n + 1);
    int i;

    for (i = 0; i < n; i++) {
        memcpy(out + len * (apr_size_t)i, one, len);
    }
    out[len * (apr_size_t)n] = '\0';
    return out + 2;
}

/* Rows (elements of 7 arguments each) written with the tail (an
 * upsert's or none). */
static apr_status_t wp_write(oxt_db_t *db, const apr_array_header_t *args,
                             const char *tail, oxt_result_t *res,
                             apr_pool_t *p)
{
    const oxt_db_arg_t *a = (const oxt_db_arg_t *)args->elts;
    int rows = args->nelts, from, n;
    apr_status_t rv = APR_SUCCESS;

    for (from = 0; rv == APR_SUCCESS && from < rows; from += n) {
        n = rows - from < WP_PER_QUERY ? rows - from : WP_PER_QUERY;
        rv = oxt_db_exec(NULL, db, apr_pstrcat(p, "INSERT INTO"
                         " dir_mailbox_wide_page " WP_COLS " VALUES ",
                         wp_marks(n, p), tail, NULL), a + 7 * from, 7 * n,
                         res, p);
    }
    return rv;
}

/* One row's arguments pushed: a point (k_int, k_str, id as in pt at c)
 * of sort so and prefix j, with n. */
static void wp_push(apr_array_header_t *args, const oxt_mbdir_sort_t *so,
                    const wp_prefixes_t *w, int j, const oxt_db_row_t *pt,
                    int c, long long n)
{
    oxt_db_arg_t *a = apr_array_push(args);

    a[0] = OXT_DB_STR(so->key);
    a[1] = OXT_DB_INT(w->wn[j]);
    a[2] = OXT_DB_STR(w->prefix[j]);
    a[3] = OXT_DB_INT(pt != NULL ? oxt_db_row_int(pt, c + 2, 0) : 0);
    a[4] = so->is_str || pt == NULL ? OXT_DB_NULL
                                    : OXT_DB_INT(oxt_db_row_int(pt, c, 0));
    a[5] = so->is_str && pt != NULL ? OXT_DB_STR(pt->vals[c + 1])
                                    : OXT_DB_NULL;
    a[6] = OXT_DB_INT(n);
}

/* A build's rows of a sort, written in the server: the head (id 0, no
 * key) and each point's segment, per prefix. The keys come from the page
 * index itself (its points numbered in their order: the i-th is the
 * i-th the scan reached) and each prefix's counts travel as one string
 * of fixed-width decimals, the head's first: a sort's 209,000 rows at 1M
 * in one statement of 1.5 MB, where 500 rows of 7 arguments a statement
 * took 418 statements and held all their arguments at once. The string
 * is binary so that a count's offset is found without reading the
 * characters before it. */
#define WP_BUILD_SQL "INSERT INTO dir_mailbox_wide_page " WP_COLS " SELECT" \
    " ?, w.wn, w.prefix, p.id, %s, CAST(SUBSTRING(w.ns, p.i * ? + 1, ?)" \
    " AS SIGNED) FROM (SELECT 0 AS i, 0 AS id, NULL AS k_int, NULL AS" \
    " k_str UNION ALL SELECT ROW_NUMBER() OVER (ORDER BY pos, id), id," \
    " k_int, k_str FROM dir_mailbox_page WHERE scope = 'all' AND scope_id" \
    " = 0 AND sort_key = ?) p JOIN (%s) w WHERE p.i <= ?"
#define WP_BUILD_ONE "SELECT ? AS wn, ? AS prefix, CAST(? AS BINARY) AS ns"
#define WP_BUILD_MORE "SELECT ?, ?, CAST(? AS BINARY)"
/* Prefixes per statement at most (3 placeholders each, of 65,535). */
#define WP_BUILD_MAX 20000

/* Decimal digits of v >= 0. */
static int wp_digits(long long v)
{
    int d = 1;

    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Prefix j's counts in sort s: the head, then each reached point's. */
static const char *wp_counts(const wp_scan_t *s, int j, int width,
                             apr_pool_t *p)
{
    apr_size_t np = (apr_size_t)s->np, at = 0;
    char *out = apr_palloc(p, (apr_size_t)(s->next + 1) * (apr_size_t)width
                           + 1);
    long long v;
    int i, d;

    for (i = -1; i < s->next; i++) {
        v = i < 0 ? (long long)(s->next > 0 ? s->n[j] : s->cnt[j])
                  : (long long)(i + 1 < s->next
                                ? s->n[(apr_size_t)(i + 1) * np
                                       + (apr_size_t)j] : s->cnt[j])
                    - (long long)s->n[(apr_size_t)i * np + (apr_size_t)j];
        for (d = width - 1; d >= 0; d--, v /= 10) {
            out[at + (apr_size_t)d] = (char)('0' + v % 10);
        }
        at += (apr_size_t)width;
    }
    out[at] = '\0';
    return out;
}

/* One statement: prefixes j0 to j1 (excluded) of sort so. */
static apr_status_t wp_build_rows(const oxt_mbdir_sort_t *so,
                                  const wp_prefixes_t *w,
                                  const wp_scan_t *s, int j0, int j1,
                                  int width, oxt_db_t *db,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *parts = apr_array_make(p, j1 - j0,
                                               sizeof(const char *));
    oxt_db_arg_t *a = apr_palloc(p, sizeof(*a) * (apr_size_t)(3 * (j1 - j0)
                                 + 5));
    int j, k = 0;

    a[k++] = OXT_DB_STR(so->key);
    a[k++] = OXT_DB_INT(width);
    a[k++] = OXT_DB_INT(width);
    a[k++] = OXT_DB_STR(so->key);
    for (j = j0; j < j1; j++) {
        APR_ARRAY_PUSH(parts, const char *) = j == j0 ? WP_BUILD_ONE
                                                      : WP_BUILD_MORE;
        a[k++] = OXT_DB_INT(w->wn[j]);
        a[k++] = OXT_DB_STR(w->prefix[j]);
        a[k++] = OXT_DB_STR(wp_counts(s, j, width, p));
    }
    a[k++] = OXT_DB_INT(s->next);
    return oxt_db_exec(NULL, db, apr_psprintf(p, WP_BUILD_SQL, so->is_str
                       ? "NULL, p.k_str" : "p.k_int, NULL", wp_union(parts,
                       p)), a, k, res, p);
}

/* A sort's rows in as few statements as the server's packet allows
 * (half of it for the counts), each statement's memory freed after it. */
static apr_status_t wp_build_write(const oxt_mbdir_sort_t *so,
                                   const wp_prefixes_t *w,
                                   const wp_scan_t *s, long long packet,
                                   oxt_db_t *db, oxt_result_t *res,
                                   apr_pool_t *p)
{
    int width = wp_digits(s->at), j0, j;
    long long per = (long long)(s->next + 1) * width, size;
    apr_pool_t *bp;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&bp, p);
    for (j0 = 0; rv == APR_SUCCESS && j0 < w->n; j0 = j) {
        for (j = j0, size = 0; j < w->n && j - j0 < WP_BUILD_MAX
             && (j == j0 || size + per + 64 <= packet / 2); j++) {
            size += per + 64 + (long long)strlen(w->prefix[j]);
        }
        rv = wp_build_rows(so, w, s, j0, j, width, db, res, bp);
        apr_pool_clear(bp);
    }
    apr_pool_destroy(bp);
    return rv;
}

/* The points of sort so for every pointed prefix: the server's points
 * of the page index, one scan of the sort's index, counted in C (a
 * window function per prefix and sort would scan the server once for
 * each: 1,600 scans of a million rows at 1M). */
static apr_status_t wp_build_sort(const oxt_mbdir_sort_t *so,
                                  const wp_prefixes_t *w,
                                  const wp_bits_t *bits,
                                  const apr_array_header_t *pos,
                                  oxt_db_t *db, oxt_result_t *res,
                                  apr_pool_t *p)
{
    wp_scan_t s;
    apr_status_t rv;

    if (pos->nelts == 0) {
        return APR_SUCCESS;
    }
    memset(&s, 0, sizeof(s));
    s.bits = bits;
    s.np = w->n;
    s.pos = pos;
    s.cnt = apr_pcalloc(p, sizeof(*s.cnt) * (apr_size_t)w->n);
    s.n = apr_pcalloc(p, sizeof(*s.n) * (apr_size_t)w->n
                      * (apr_size_t)pos->nelts);
    rv = oxt_db_each(db, apr_pstrcat(p, "SELECT id FROM dir_mailbox FORCE"
                     " INDEX (a_", so->index, ") ORDER BY ", so->col, ", id",
                     NULL), OXT_DB_NOARGS, wp_scan_row, &s, res, p);
    wp_scan_reach(&s, s.at);
    return rv == APR_SUCCESS ? wp_build_write(so, w, &s, bits->packet, db,
                                              res, p) : rv;
}

/* Every point of every pointed prefix again, from the page index as it
 * is: in the caller's transaction, which holds the page index's lock for
 * update (no batch moves a point meanwhile; a step of mbdir_tx). */
static apr_status_t wp_build(oxt_db_t *db, void *baton, oxt_result_t *res,
                             apr_pool_t *p)
{
    wp_prefixes_t w;
    wp_bits_t bits;
    wp_points_t pts;
    apr_pool_t *bp, *sp;
    int i;
    apr_status_t rv;

    (void)baton;
    rv = oxt_db_exec(NULL, db, "DELETE FROM dir_mailbox_wide_page",
                     OXT_DB_NOARGS, res, p);
    apr_pool_create(&bp, p);
    rv = rv == APR_SUCCESS ? wp_prefixes(&w, db, res, bp) : rv;
    if (rv == APR_SUCCESS && w.n > 0) {
        rv = wp_bits_read(&bits, &w, db, res, bp);
        rv = rv == APR_SUCCESS ? wp_points_read(&pts, db, res, bp) : rv;
        apr_pool_create(&sp, bp);
        for (i = 0; rv == APR_SUCCESS && i < NSORTS; i++) {
            rv = wp_build_sort(&mbdir_sorts[i], &w, &bits, pts.pos[i], db,
                               res, sp);
            apr_pool_clear(sp);
        }
    }
    apr_pool_destroy(bp);
    return rv;
}

apr_status_t oxt_mbdir_wide_points_rebuild(long long *ppoints, oxt_db_t *db,
                                           oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = mbdir_tx(db, 1, wp_build, NULL, res, p);

    *ppoints = 0;
    return rv == APR_SUCCESS ? oxt_db_select_int(ppoints, db, "SELECT"
                               " COUNT(*) FROM dir_mailbox_wide_page",
                               OXT_DB_NOARGS, res, p) : rv;
}

/* A batch's moves: every row that left a place in an order or a
 * prefix's matches (-1, at its old key, with its old terms) and every
 * one that took one (+1, new key, new terms), per sort; a row whose terms
 * changed is both in every sort, any other only where its key moved
 * (mbdir_delta). Then per sort the pairs of a move and a pointed prefix
 * it matches (a row renamed in case only cancels out), and the prefixes
 * they touch. */
#define WP_TERMS "t0 VARCHAR(501) NULL, t1 VARCHAR(501) NULL, t2" \
    " VARCHAR(501) NULL, t3 VARCHAR(501) NULL"
#define WP_TEMP " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" \
    " COLLATE=utf8mb4_unicode_ci"
static const char *const wp_temp_sql[] = {
    "CREATE TEMPORARY TABLE IF NOT EXISTS mbdir_wdelta (sort_key"
    " VARCHAR(16) NOT NULL, k_int BIGINT NULL, k_str VARCHAR(501) NULL,"
    " id INT UNSIGNED NOT NULL, d INT NOT NULL, " WP_TERMS ", KEY"
    " (sort_key))" WP_TEMP,
    "CREATE TEMPORARY TABLE IF NOT EXISTS mbdir_wpair (wn SMALLINT UNSIGNED"
    " NOT NULL, prefix VARCHAR(64) NOT NULL, k_int BIGINT NULL, k_str"
    " VARCHAR(501) NULL, id INT UNSIGNED NOT NULL, d INT NOT NULL)" WP_TEMP,
    "DELETE FROM mbdir_wdelta",
    "INSERT INTO mbdir_wdelta SELECT x.sort_key, x.k_int, x.k_str, x.id,"
    " x.d, o.t0, o.t1, o.t2, o.t3 FROM mbdir_delta x JOIN mbdir_wold o"
    " ON o.id = x.id WHERE o.chg = 0",
};

/* The rows whose terms changed, in sort so: side 0 the old ones (-1),
 * 1 the new (+1). */
static apr_status_t wp_delta_terms(const mbd_batch_t *b,
                                   const oxt_mbdir_sort_t *so, int side)
{
    const char *k = so->is_str ? "NULL, m.%s" : "m.%s, NULL";

    return oxt_db_exec(NULL, b->db, apr_psprintf(b->p, "INSERT INTO"
                       " mbdir_wdelta SELECT ?, %s, m.id, %d, o.t0, o.t1,"
                       " o.t2, o.t3 FROM %s o JOIN %s m ON m.id = o.id WHERE"
                       " o.chg = 1", apr_psprintf(b->p, k, so->col),
                       side ? 1 : -1, side ? "mbdir_wnew" : "mbdir_wold",
                       side ? "mbdir_new" : "mbdir_old"), OXT_DB_ARGS(
                       OXT_DB_STR(so->key)), b->res, b->p);
}

/* In the order of a sort, the points of the server's page index (kind 0:
 * the keys every prefix's segments start at) and the moves (kind 1, with
 * their prefix and d), a move before a point at an equal key only when
 * its id is smaller: the order of "rows before the point's key". */
static const char wp_merge_sql[] =
    "SELECT NULL, NULL, k_int, k_str, id, 0, 0 FROM dir_mailbox_page WHERE"
    " scope = 'all' AND scope_id = 0 AND sort_key = ? UNION ALL SELECT"
    " y.wn, y.prefix, y.k_int, y.k_str, y.id, 1, y.d FROM mbdir_wpair y"
    " ORDER BY %s, 5, 6";

/* The segments of the point at (NULL: the head) moved by sums, pushed to
 * args and the sums zeroed. */
static void wp_flush(apr_array_header_t *args, const oxt_mbdir_sort_t *so,
                     const wp_prefixes_t *w, const oxt_db_row_t *at,
                     long long *sums)
{
    int j;

    for (j = 0; j < w->n; j++) {
        if (sums[j] != 0) {
            wp_push(args, so, w, j, at, 2, sums[j]);
            sums[j] = 0;
        }
    }
}

/* The index of the prefix of a move's row in w, or -1. */
static int wp_find(const wp_prefixes_t *w, const oxt_db_row_t *row)
{
    int j;

    for (j = 0; j < w->n; j++) {
        if (w->wn[j] == oxt_db_row_int(row, 0, -1) && row->vals[1] != NULL
            && strcmp(w->prefix[j], row->vals[1]) == 0) {
            return j;
        }
    }
    return -1;
}

/* The segments of sort so moved: each move added to the segment of the
 * last point before it (the head before the first), per prefix (an
 * increment, so batches that run side by side add up). A move touches
 * one segment, wherever the points after it are. */
static apr_status_t wp_move_sort(const mbd_batch_t *b,
                                 const oxt_mbdir_sort_t *so,
                                 const wp_prefixes_t *w)
{
    apr_array_header_t *rows, *args;
    const oxt_db_row_t *row, *at = NULL;
    long long *sums;
    int i, j;
    apr_status_t rv;

    rv = oxt_db_exec(NULL, b->db, "DELETE FROM mbdir_wpair", OXT_DB_NOARGS,
                     b->res, b->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, b->db, "INSERT INTO mbdir_wpair SELECT w.n,"
                         " w.prefix, MIN(x.k_int), MIN(x.k_str), x.id,"
                         " SUM(x.d) FROM mbdir_wdelta x JOIN"
                         " dir_mailbox_wide w ON w.pts = 1 AND "
                         WIDE_MATCH("x") " WHERE x.sort_key = ? GROUP BY"
                         " w.n, w.prefix, x.k_int, x.k_str, x.id HAVING"
                         " SUM(x.d) <> 0", OXT_DB_ARGS(OXT_DB_STR(so->key)),
                         b->res, b->p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = oxt_db_select(&rows, b->db, apr_psprintf(b->p, wp_merge_sql,
                       so->is_str ? "4" : "3"), OXT_DB_ARGS(OXT_DB_STR(
                       so->key)), b->res, b->p);
    args = apr_array_make(b->p, 16, sizeof(oxt_db_arg_t) * 7);
    sums = apr_pcalloc(b->p, sizeof(*sums) * (apr_size_t)(w->n + 1));
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        if (!oxt_db_row_int(row, 5, 0)) {
            wp_flush(args, so, w, at, sums);
            at = row;
        }
        else if ((j = wp_find(w, row)) >= 0) {
            sums[j] += oxt_db_row_int(row, 6, 0);
        }
    }
    wp_flush(args, so, w, at, sums);
    return rv == APR_SUCCESS ? wp_write(b->db, args, " ON DUPLICATE KEY"
                                        " UPDATE n = n + VALUES(n)", b->res,
                                        b->p) : rv;
}

/* After the batch's writes and the moves of the page index's points and
 * the wide counts (both snapshots are there): the wide searches' points
 * moved, when there are any. changed: the mailboxes whose terms changed
 * (wide_after's marks; 0 when no term was written). */
static apr_status_t wp_after(mbd_batch_t *b, long long changed)
{
    wp_prefixes_t w;
    long long any = 0;
    int i;
    apr_status_t rv;

    if (!b->points || !b->wide) {
        return APR_SUCCESS;        /* no page index or no prefix: none */
    }
    rv = oxt_db_select_int(&any, b->db, "SELECT COUNT(*) FROM (SELECT 1"
                           " FROM dir_mailbox_wide_page LIMIT 1) x",
                           OXT_DB_NOARGS, b->res, b->p);
    if (rv != APR_SUCCESS || any == 0) {
        return rv;
    }
    rv = page_exec_all(b->db, wp_temp_sql, (int)(sizeof(wp_temp_sql)
                       / sizeof(wp_temp_sql[0])), b->res, b->p);
    for (i = 0; rv == APR_SUCCESS && changed > 0 && i < NSORTS; i++) {
        rv = wp_delta_terms(b, &mbdir_sorts[i], 0);
        rv = rv == APR_SUCCESS ? wp_delta_terms(b, &mbdir_sorts[i], 1) : rv;
    }
    rv = rv == APR_SUCCESS ? oxt_db_select_int(&any, b->db, "SELECT"
                             " COUNT(*) FROM mbdir_wdelta", OXT_DB_NOARGS,
                             b->res, b->p) : rv;
    if (rv != APR_SUCCESS || any == 0) {
        return rv;
    }
    rv = wp_prefixes(&w, b->db, b->res, b->p);
    for (i = 0; rv == APR_SUCCESS && i < NSORTS; i++) {
        rv = wp_move_sort(b, &mbdir_sorts[i], &w);
    }
    return rv;
}

/* ---- one batch ---------------------------------------------------------- */

static void delta_add(mbd_batch_t *b, const char *scope, long long id,
                      long long n, long long n_ox)
{
    const char *key = apr_pstrcat(b->p, scope, ":", oxt_util_lld(id, b->p),
                                  NULL);
    mbd_delta_t *d = apr_hash_get(b->deltas, key, APR_HASH_KEY_STRING);

    if (d == NULL) {
        d = apr_pcalloc(b->p, sizeof(*d));
        d->scope = scope;
        d->id = id;
        apr_hash_set(b->deltas, key, APR_HASH_KEY_STRING, d);
    }
    d->n += n;
    d->n_ox += n_ox;
}

/* The batch's rows per owner, subtracted (sign -1) or added (+1). */
static apr_status_t batch_counts(mbd_batch_t *b, int sign)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    long long n, n_ox, c, r;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, b->db, apr_pstrcat(b->p, counts_sql, b->marks,
                       COUNTS_GROUP, NULL), batch_args(b, NULL, 0), b->n,
                       b->res, b->p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        n = sign * oxt_db_row_int(row, 3, 0);
        n_ox = sign * oxt_db_row_int(row, 4, 0);
        c = oxt_db_row_int(row, 1, 0);
        r = oxt_db_row_int(row, 2, 0);
        delta_add(b, "all", 0, n, n_ox);
        delta_add(b, "domain", oxt_db_row_int(row, 0, 0), n, n_ox);
        if (c > 0) {
            delta_add(b, "client", c, n, n_ox);
        }
        if (r > 0) {
            delta_add(b, "reseller", r, n, n_ox);
        }
    }
    return rv;
}

/* One statement for up to COUNTS_PER_QUERY differences of deltas. */
static apr_status_t counts_write(mbd_batch_t *b, mbd_delta_t **d, int n)
{
    oxt_db_arg_t *args = apr_palloc(b->p, sizeof(*args) * (apr_size_t)(4 * n));
    const char *sql = "INSERT INTO dir_mailbox_count (scope, scope_id, n,"
                      " n_ox) VALUES ";
    int i;

    for (i = 0; i < n; i++) {
        sql = apr_pstrcat(b->p, sql, i ? ", (?, ?, ?, ?)" : "(?, ?, ?, ?)",
                          NULL);
        args[4 * i] = OXT_DB_STR(d[i]->scope);
        args[4 * i + 1] = OXT_DB_INT(d[i]->id);
        args[4 * i + 2] = OXT_DB_INT(d[i]->n);
        args[4 * i + 3] = OXT_DB_INT(d[i]->n_ox);
    }
    sql = apr_pstrcat(b->p, sql, " ON DUPLICATE KEY UPDATE n = n +"
                      " VALUES(n), n_ox = n_ox + VALUES(n_ox)", NULL);
    return oxt_db_exec(NULL, b->db, sql, args, 4 * n, b->res, b->p);
}

/* The non-zero differences into dir_mailbox_count. */
static apr_status_t counts_apply(mbd_batch_t *b)
{
    mbd_delta_t *d[COUNTS_PER_QUERY];
    apr_hash_index_t *hi;
    mbd_delta_t *one;
    int n = 0;
    apr_status_t rv = APR_SUCCESS;

    for (hi = apr_hash_first(b->p, b->deltas); rv == APR_SUCCESS && hi;
         hi = apr_hash_next(hi)) {
        one = apr_hash_this_val(hi);
        if (one->n == 0 && one->n_ox == 0) {
            continue;
        }
        d[n++] = one;
        if (n == COUNTS_PER_QUERY) {
            rv = counts_write(b, d, n);
            n = 0;
        }
    }
    return rv == APR_SUCCESS && n > 0 ? counts_write(b, d, n) : rv;
}

/* The domains a row of some domains is stored under where psa now gives
 * its id under one of them. */
static const char moved_in_sql[] =
    "SELECT DISTINCT b.dom_id FROM psa.mail m JOIN dir_mailbox b ON b.id ="
    " m.id AND b.dom_id <> m.dom_id WHERE m.dom_id IN (";

/* The batch takes in the domain of every row it would take over from a
 * domain outside it (a mailbox id psa now gives under one of its
 * domains), and theirs in turn until none is new: the row is then in
 * its snapshots before (under its old domain) and after (its new), so
 * its old domain, client and reseller lose it and the new gain it, and
 * the points and wide counts move from its old key and terms to its new.
 * Else the batch counted it as a new row (the server's count and the new
 * reseller's rose by one, the points moved as for an added row) and the
 * old domain's batch, no longer finding it there, never took it off.
 * The other order needs nothing: the old domain's batch drops the row
 * (gone_sql), the new one's adds it. */
/* The most domains a batch grows to by taking old domains in: its
 * statements bind one placeholder a domain. Past it (ids churned across
 * hundreds of domains at once) a row is taken over as before, counted as
 * new, until the refresh finds the counts drifted. */
#define BATCH_MOVED_MAX (2 * OXT_MBDIR_BATCH)

static apr_status_t batch_moved_in(mbd_batch_t *b)
{
    apr_array_header_t *ids = apr_array_make(b->p, b->n,
                                             sizeof(long long)), *rows;
    apr_hash_t *have = apr_hash_make(b->p);
    long long id;
    int i, from = 0, to = b->n;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; i < b->n; i++) {
        APR_ARRAY_PUSH(ids, long long) = b->ids[i];
        oxt_util_id_set(have, b->ids[i], "");
    }
    while (rv == APR_SUCCESS && from < to) {
        rv = oxt_db_select(&rows, b->db, oxt_psa_sql(b->psa, apr_pstrcat(
                           b->p, moved_in_sql, oxt_util_marks(to - from,
                           b->p), ")", NULL), b->p), batch_args(b, NULL, 0)
                           + from, to - from, b->res, b->p);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            id = oxt_db_row_int(APR_ARRAY_IDX(rows, i, const oxt_db_row_t *),
                                0, 0);
            if (oxt_util_id_get(have, id) == NULL
                && ids->nelts < BATCH_MOVED_MAX) {
                oxt_util_id_set(have, id, "");
                APR_ARRAY_PUSH(ids, long long) = id;
            }
        }
        b->ids = (const long long *)ids->elts;
        b->n = ids->nelts;
        from = to;
        to = b->n;
    }
    if (rv == APR_SUCCESS && b->n > b->asked) {
        b->marks = oxt_util_marks(b->n, b->p);
    }
    return rv;
}

/* The rows of the batch from the page's SELECT. */
static apr_status_t batch_rows(mbd_batch_t *b)
{
    oxt_db_arg_t lead = OXT_DB_INT((long long)b->settings->default_service
                                   + 1);
    unsigned long long changed = 0;
    long long seen = 0;
    const char *sql;
    apr_status_t rv;

    sql = apr_pstrcat(b->p, upsert_head, oxt_mblist_rows_select(b->psa),
                      " WHERE d.id IN (", b->marks, ")", upsert_tail, NULL);
    rv = oxt_db_exec(&changed, b->db, oxt_psa_sql(b->psa, sql, b->p),
                     batch_args(b, &lead, 1), b->n + 1, b->res, b->p);
    if (rv == APR_SUCCESS && b->stats != NULL) {
        /* the caller's domains: a domain taken in (batch_moved_in) is
         * seen by its own batch */
        rv = oxt_db_select_int(&seen, b->db, oxt_psa_sql(
                               b->psa, apr_pstrcat(b->p, "SELECT COUNT(*)"
                               " FROM psa.mail WHERE dom_id IN (",
                               oxt_util_marks(b->asked, b->p), ")", NULL),
                               b->p), batch_args(b, NULL, 0), b->asked,
                               b->res, b->p);
        /* MariaDB counts an insert 1, a changed row 2, an equal one 0. */
        b->stats->seen += seen;
        b->stats->changed += (long long)(changed - changed / 2);
    }
    return rv;
}

static apr_status_t batch_work(mbd_batch_t *b)
{
    unsigned long long gone = 0, terms = 0, terms_gone = 0;
    long long changed = 0;
    apr_status_t rv;

    rv = batch_counts(b, -1);
    if (rv == APR_SUCCESS) {
        rv = page_before(b);
    }
    if (rv == APR_SUCCESS) {
        rv = wide_before(b);
    }
    if (rv == APR_SUCCESS) {
        rv = batch_rows(b);
    }
    if (rv == APR_SUCCESS) {
        rv = batch_exec(&gone, b, gone_sql, ")");
    }
    if (rv == APR_SUCCESS) {
        rv = batch_exec(&terms_gone, b, terms_gone_sql, ")");
    }
    if (rv == APR_SUCCESS) {
        rv = batch_exec(&terms, b, terms_sql, terms_tail);
    }
    /* The wide counts are found again at the refresh's end; dropped now,
     * in the batch's transaction, so that a refresh cut short leaves none
     * that lies (the next one finds none stored and finds them again). */
    if (rv == APR_SUCCESS && b->defer && terms + terms_gone > 0) {
        *b->terms_moved = 1;
        rv = page_exec_all(b->db, wide_drop_sql, NWIDE_DROP, b->res, b->p);
    }
    if (rv == APR_SUCCESS) {
        rv = batch_counts(b, 1);
    }
    if (rv == APR_SUCCESS) {
        rv = counts_apply(b);
    }
    if (rv == APR_SUCCESS) {
        rv = page_after(b);
    }
    if (rv == APR_SUCCESS) {
        rv = wide_after(b, terms + terms_gone, &changed);
    }
    if (rv == APR_SUCCESS) {
        rv = wp_after(b, changed);
    }
    if (rv == APR_SUCCESS) {
        rv = resellers_after(b, terms + terms_gone);
    }
    if (rv == APR_SUCCESS && b->stats != NULL) {
        b->stats->removed += (long long)gone;
    }
    return rv;
}

/* Whether any reseller's segments are stored (asked before the batch's
 * transaction, so its snapshot still begins after its lock, and asked
 * again in it after a share lock). */
static apr_status_t batch_alone(int *palone, mbd_batch_t *b)
{
    long long any = 0;
    apr_status_t rv = oxt_db_select_int(&any, b->db, "SELECT EXISTS (SELECT"
                                        " 1 FROM dir_mailbox_rmid)",
                                        OXT_DB_NOARGS, b->res, b->p);

    *palone = rv == APR_SUCCESS && any != 0;
    return rv;
}

/* The batch's transaction under the page index's lock (alone: for
 * update), at the connection's level. (The early directory step's is READ
 * COMMITTED, so that its INSERT ... SELECTs set no shared locks on our
 * state that the engine's commits write beside it, which could deadlock
 * them; there a mailbox that psa moves into a batch's domain between its
 * two reads of psa, the domains taken in and the rows, is counted as a
 * new row, and the drift check of the next pass recounts.) In share mode
 * it asks again, in its snapshot, whether segments are stored: if they
 * are now, it ends and *pagain says so. */
static apr_status_t batch_locked(mbd_batch_t *b, int alone, int *pagain)
{
    int now = 0;
    apr_status_t rv = oxt_db_begin(b->db, b->res);

    *pagain = 0;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = page_lock(b->db, alone, b->nowait, b->res, b->p);
    if (rv == APR_SUCCESS && !alone) {
        rv = batch_alone(&now, b);
        if (rv == APR_SUCCESS && now) {
            oxt_db_rollback(b->db);
            *pagain = 1;
            return APR_SUCCESS;
        }
    }
    rv = rv == APR_SUCCESS ? batch_moved_in(b) : rv;
    rv = rv == APR_SUCCESS ? batch_work(b) : rv;
    if (rv == APR_SUCCESS) {
        return oxt_db_commit(b->db, b->res);
    }
    oxt_db_rollback(b->db);
    return rv;
}

/* One batch in its own transaction. Batches share the page index's lock,
 * since their counts and the admin's segments move by increments that add
 * up; but a reseller's segments (rs_after) are counted again from the
 * batch's snapshot and written whole, so while any are stored a batch
 * takes the lock alone: the next one's snapshot then begins after this
 * one's commit and counts its moves (the daemon's batches against an
 * operator's `directory`, which takes no replicator lock). */
static apr_status_t batch_run(mbd_batch_t *b)
{
    int alone = 0, again = 0;
    apr_status_t rv;

    b->asked = b->n;
    b->marks = oxt_util_marks(b->n, b->p);
    b->deltas = apr_hash_make(b->p);
    rv = batch_alone(&alone, b);
    rv = rv == APR_SUCCESS ? batch_locked(b, alone, &again) : rv;
    /* segments chosen between the question and the lock: alone now */
    return rv == APR_SUCCESS && again ? batch_locked(b, 1, &again) : rv;
}

static apr_status_t sync_domains(oxt_db_t *db, const oxt_psa_t *psa,
                                 const oxt_settings_t *settings,
                                 const apr_array_header_t *ids, int *defer,
                                 int nowait, oxt_mbdir_stats_t *stats,
                                 oxt_result_t *res, apr_pool_t *p)
{
    int moved = 0;
    mbd_batch_t b;
    apr_pool_t *bp;
    int at, n;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&bp, p);
    /* stepped by the caller's domains of each batch (n), never by b.n,
     * which batch_moved_in grows by the old domains it takes in */
    for (at = 0; rv == APR_SUCCESS && at < ids->nelts; at += n) {
        n = ids->nelts - at < OXT_MBDIR_BATCH ? ids->nelts - at
                                              : OXT_MBDIR_BATCH;
        memset(&b, 0, sizeof(b));
        b.db = db;
        b.psa = psa;
        b.settings = settings;
        b.ids = (const long long *)ids->elts + at;
        b.n = n;
        b.defer = defer != NULL && defer[0];
        b.terms_moved = defer != NULL ? &defer[1] : &moved;
        b.nowait = nowait;
        b.stats = stats;
        b.res = res;
        b.p = bp;
        rv = batch_run(&b);
        apr_pool_clear(bp);
    }
    apr_pool_destroy(bp);
    return rv;
}

apr_status_t oxt_mbdir_sync_domains(oxt_db_t *db, const oxt_psa_t *psa,
                                    const oxt_settings_t *settings,
                                    const apr_array_header_t *ids,
                                    oxt_mbdir_stats_t *stats,
                                    oxt_result_t *res, apr_pool_t *p)
{
    return sync_domains(db, psa, settings, ids, NULL, 0, stats, res, p);
}

/* ---- by mailbox, and everything ----------------------------------------- */

/* The domains of mail_ids[0 .. n), in psa and in the directory (a
 * mailbox psa lost goes with its domain's sync). */
static apr_status_t mails_domains(apr_array_header_t **pdoms, oxt_db_t *db,
                                  const oxt_psa_t *psa, const long long *ids,
                                  int n, oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *marks = apr_array_make(p, n, sizeof(const char *));
    oxt_db_arg_t *args = apr_palloc(p, sizeof(*args) * (apr_size_t)(2 * n));
    const char *in;
    int i;

    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(marks, const char *) = "?";
        args[i] = args[n + i] = OXT_DB_INT(ids[i]);
    }
    in = apr_array_pstrcat(p, marks, ',');
    return oxt_db_select_ids(pdoms, db, oxt_psa_sql(psa, apr_pstrcat(p,
                             "SELECT dom_id FROM psa.mail WHERE id IN (", in,
                             ") UNION SELECT dom_id FROM dir_mailbox WHERE"
                             " id IN (", in, ")", NULL), p), args, 2 * n,
                             res, p);
}

apr_status_t oxt_mbdir_sync_mails(oxt_db_t *db, const oxt_psa_t *psa,
                                  const oxt_settings_t *settings,
                                  const apr_array_header_t *mail_ids,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *doms;
    int at, n;
    apr_status_t rv = APR_SUCCESS;

    for (at = 0; rv == APR_SUCCESS && at < mail_ids->nelts; at += n) {
        n = mail_ids->nelts - at < OXT_MBDIR_BATCH ? mail_ids->nelts - at
                                                   : OXT_MBDIR_BATCH;
        rv = mails_domains(&doms, db, psa, (const long long *)mail_ids->elts
                           + at, n, res, p);
        /* in a page's request (Change Service): not behind a rebuild of
         * the page index, seconds at a million mailboxes; the queue's
         * hints bring the rows in line then */
        if (rv == APR_SUCCESS) {
            rv = sync_domains(db, psa, settings, doms, NULL, 1, NULL, res,
                              p);
        }
    }
    return rv;
}

/* Every count again from the rows (mbdir_tx's step, without the lock). */
static apr_status_t mbdir_recount(oxt_db_t *db, void *baton,
                                  oxt_result_t *res, apr_pool_t *p)
{
    (void)baton;
    return page_exec_all(db, recount_sql, (int)(sizeof(recount_sql)
                         / sizeof(recount_sql[0])), res, p);
}

/* ---- the whole directory, range by range -------------------------------- */

/* psa's domains one comparing statement covers. */
#define RANGE_DOMAINS 10000
/* Changed domains a refresh writes keeping the page index exact; past
 * them, the rest are written without, and the index is rebuilt. */
#define EXACT_MAX OXT_MBDIR_BATCH
/* Mailboxes above which a fill from empty parks the secondary indexes. */
#define PARK_MIN 5000
/* The largest INT UNSIGNED: the end of the last range. */
#define ID_END 4294967295LL

typedef struct mbd_refresh_t {
    oxt_db_t *db;
    const oxt_psa_t *psa;
    const oxt_settings_t *settings;
    oxt_mbdir_stats_t *stats;
    oxt_result_t *res;
    apr_pool_t *p;
    long long after;           /* the range is (after, upto] */
    long long upto;
    int fill;                  /* empty at the start: filled, not compared */
    int parked;                /* the fill parked the secondary indexes */
    int rebuild;               /* rows were written without the page index */
    int terms_moved;           /* and terms changed among them */
    long long exact;           /* changed domains written keeping it */
    long long rows;            /* dir_mailbox's rows, by counts_drifted */
    long long points;          /* the server's name points, by it too */
} mbd_refresh_t;

static oxt_db_arg_t *range_args(const mbd_refresh_t *r, int lead, int times)
{
    oxt_db_arg_t *a = apr_palloc(r->p, sizeof(*a) * (apr_size_t)(1 + 2
                                                                  * times));
    int n = 0, i;

    if (lead) {
        a[n++] = OXT_DB_INT((long long)r->settings->default_service + 1);
    }
    for (i = 0; i < times; i++) {
        a[n++] = OXT_DB_INT(r->after);
        a[n++] = OXT_DB_INT(r->upto);
    }
    return a;
}

/* The end of the next range: RANGE_DOMAINS of psa's domains on. */
static apr_status_t range_next(mbd_refresh_t *r, int *plast)
{
    apr_array_header_t *ids;
    apr_status_t rv;

    rv = oxt_db_select_ids(&ids, r->db, oxt_psa_sql(r->psa, "SELECT id FROM"
                           " psa.domains WHERE id > ? ORDER BY id"
                           " LIMIT 1 OFFSET ?", r->p), OXT_DB_ARGS(
                           OXT_DB_INT(r->after),
                           OXT_DB_INT(RANGE_DOMAINS - 1)), r->res, r->p);
    *plast = rv != APR_SUCCESS || ids->nelts == 0;
    r->upto = *plast ? ID_END : APR_ARRAY_IDX(ids, 0, long long);
    return rv;
}

/* The domains of the range whose rows differ from the page's SELECT, or
 * that have rows psa lost, or a display name term that is not psa's
 * any more: one statement, nothing when nothing changed. */
static apr_status_t range_changed(apr_array_header_t **pdoms,
                                  mbd_refresh_t *r)
{
    const char *sql = apr_pstrcat(r->p, "SELECT r.dom_id FROM (",
        oxt_mblist_rows_select(r->psa), " WHERE d.id > ? AND d.id <= ?) r"
        " LEFT JOIN dir_mailbox b ON" SAME_ROW " WHERE b.id IS NULL"
        " UNION SELECT b.dom_id FROM dir_mailbox b LEFT JOIN psa.mail m"
        " ON m.id = b.id AND m.dom_id = b.dom_id WHERE b.dom_id > ?"
        " AND b.dom_id <= ? AND m.id IS NULL"
        " UNION SELECT t.dom_id FROM dir_mailbox_term t"
        " LEFT JOIN psa.domains d ON d.id = t.dom_id WHERE t.kind = 3"
        " AND t.dom_id > ? AND t.dom_id <= ? AND NOT (BINARY t.term <=>"
        " BINARY " TERM_DISPLAY ") ORDER BY 1", NULL);

    return oxt_db_select_ids(pdoms, r->db, oxt_psa_sql(r->psa, sql, r->p),
                             range_args(r, 1, 3), 7, r->res, r->p);
}

/* A range of an empty directory (baton: the refresh): its rows and
 * terms, two statements (mbdir_tx's step, without the lock). */
static apr_status_t range_fill_rows(oxt_db_t *db, void *baton,
                                    oxt_result_t *res, apr_pool_t *p)
{
    mbd_refresh_t *r = baton;
    const char *rows = apr_pstrcat(p, upsert_head,
                                   oxt_mblist_rows_select(r->psa),
                                   " WHERE d.id > ? AND d.id <= ?",
                                   upsert_tail, NULL);
    unsigned long long n = 0;
    apr_status_t rv = oxt_db_exec(&n, db, oxt_psa_sql(r->psa, rows, p),
                                  range_args(r, 1, 1), 3, res, p);

    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, oxt_psa_sql(r->psa, TERMS_INSERT
                         " WHERE b.dom_id > ? AND b.dom_id <= ?"
                         TERMS_UPDATE,
                         p), range_args(r, 0, 1), 2, res, p);
    }
    if (rv == APR_SUCCESS && r->stats != NULL) {
        r->stats->seen += (long long)n;
        r->stats->changed += (long long)n;
    }
    return rv;
}

/* One range: filled, or compared and its changed domains synced (kept
 * exact while few, else left to the rebuild at the end). */
static apr_status_t range_work(mbd_refresh_t *r)
{
    apr_array_header_t *doms;
    int defer[2] = { 0, 0 };
    apr_status_t rv;

    if (r->fill) {
        return mbdir_tx(r->db, 0, range_fill_rows, r, r->res, r->p);
    }
    rv = range_changed(&doms, r);
    if (rv != APR_SUCCESS || doms->nelts == 0) {
        return rv;
    }
    defer[0] = r->rebuild || r->exact + doms->nelts > EXACT_MAX;
    r->rebuild |= defer[0];
    r->exact += defer[0] ? 0 : doms->nelts;
    rv = sync_domains(r->db, r->psa, r->settings, doms, defer, 0, r->stats,
                      r->res, r->p);
    r->terms_moved |= defer[1];
    return rv;
}

/* ---- parking the secondary indexes for a fill ---------------------------- */

/* The secondary indexes of the two big tables but those by domain (the
 * fill's own statements look rows up by dom_id), recorded in
 * dir_index_parked (migration 0094) before they are dropped, so that a
 * fill cut short gets them back at the next refresh. */
static const char park_sql[] =
    "INSERT IGNORE INTO dir_index_parked (tbl, name, is_unique, cols)"
    " SELECT table_name, index_name, MAX(non_unique) = 0,"
    " GROUP_CONCAT(CONCAT('`', column_name, '`', IF(sub_part IS NULL, '',"
    " CONCAT('(', sub_part, ')'))) ORDER BY seq_in_index SEPARATOR ', ')"
    " FROM information_schema.STATISTICS WHERE table_schema = DATABASE()"
    " AND table_name IN ('dir_mailbox', 'dir_mailbox_term')"
    " AND index_name <> 'PRIMARY' GROUP BY table_name, index_name"
    " HAVING MAX(IF(seq_in_index = 1, column_name, '')) <> 'dom_id'";

/* A name from information_schema that we put into DDL: ours, but
 * checked all the same. */
static int ident_ok(const char *s)
{
    for (; s != NULL && *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
              || (*s >= '0' && *s <= '9') || *s == '_')) {
            return 0;
        }
    }
    return s != NULL;
}

/* One ALTER TABLE per table over the parked indexes: DROP (drop) or
 * ADD them back; clauses "tbl -> ..." collected first. */
static apr_status_t parked_alter(oxt_db_t *db, int drop, oxt_result_t *res,
                                 apr_pool_t *p)
{
    static const char *const tables[] = { "dir_mailbox",
                                          "dir_mailbox_term" };
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    const char *sql;
    size_t t;
    int i;
    apr_status_t rv = APR_SUCCESS;

    for (t = 0; rv == APR_SUCCESS && t < 2; t++) {
        rv = oxt_db_select(&rows, db, "SELECT name, is_unique, cols FROM"
                           " dir_index_parked WHERE tbl = ? ORDER BY name",
                           OXT_DB_ARGS(OXT_DB_STR(tables[t])), res, p);
        sql = NULL;
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
            if (!ident_ok(row->vals[0])) {
                continue;
            }
            sql = apr_pstrcat(p, sql ? sql : "", sql ? ", " : "",
                              drop ? "DROP INDEX IF EXISTS `" : "ADD ",
                              drop ? "" : oxt_db_row_bool(row, 1)
                              ? "UNIQUE KEY IF NOT EXISTS `"
                              : "KEY IF NOT EXISTS `", row->vals[0], "`",
                              drop ? "" : " (", drop ? "" : row->vals[2],
                              drop ? "" : ")", NULL);
        }
        if (rv == APR_SUCCESS && sql != NULL) {
            rv = oxt_db_exec(NULL, db, apr_pstrcat(p, "ALTER TABLE ",
                             tables[t], " ", sql, NULL), OXT_DB_NOARGS, res,
                             p);
        }
    }
    return rv;
}

/* Parked indexes built again (one sorted build each), and forgotten. */
static apr_status_t parked_restore(oxt_db_t *db, oxt_result_t *res,
                                   apr_pool_t *p)
{
    long long n = 0;
    apr_status_t rv;

    rv = oxt_db_select_int(&n, db, "SELECT COUNT(*) FROM dir_index_parked",
                           OXT_DB_NOARGS, res, p);
    if (rv == APR_SUCCESS && n > 0) {
        rv = parked_alter(db, 0, res, p);
    }
    return rv == APR_SUCCESS && n > 0
           ? oxt_db_exec(NULL, db, "DELETE FROM dir_index_parked",
                         OXT_DB_NOARGS, res, p) : rv;
}

/* At the start: indexes a fill cut short parked come back; an empty
 * directory is filled, with its indexes parked when psa is big. */
static apr_status_t refresh_start(mbd_refresh_t *r)
{
    long long any = 0, big = 0;
    apr_status_t rv;

    rv = parked_restore(r->db, r->res, r->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_int(&any, r->db, "SELECT COUNT(*) FROM (SELECT 1"
                               " FROM dir_mailbox LIMIT 1) x",
                               OXT_DB_NOARGS, r->res, r->p);
    }
    r->fill = rv == APR_SUCCESS && any == 0;
    if (rv == APR_SUCCESS && r->fill) {
        rv = oxt_db_select_int(&big, r->db, oxt_psa_sql(r->psa, "SELECT"
                               " COUNT(*) FROM (SELECT 1 FROM psa.mail"
                               " LIMIT ?) x", r->p), OXT_DB_ARGS(
                               OXT_DB_INT(PARK_MIN + 1)), r->res, r->p);
    }
    r->parked = rv == APR_SUCCESS && big > PARK_MIN;
    if (r->parked) {
        rv = oxt_db_exec(NULL, r->db, park_sql, OXT_DB_NOARGS, r->res,
                         r->p);
        if (rv == APR_SUCCESS) {
            rv = parked_alter(r->db, 1, r->res, r->p);
        }
    }
    return rv;
}

/* ---- the end of a refresh: recount and rebuild only when needed ------------- */

/* Do the stored counts disagree with the rows? The whole server's and
 * the sum of the domains' (the scopes every delta moves) against a count
 * of the rows: one statement, on indexes. The rows are counted in one
 * scan (with those in OX beside them), and the name points for
 * page_drifted are read with them: at a million mailboxes each scan of
 * dir_mailbox is a tenth of a second or more of a steady run, and there
 * were three. */
static apr_status_t counts_drifted(int *pdrift, mbd_refresh_t *r)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, r->db, "SELECT m.n, m.n_ox, (SELECT"
                       " COALESCE(SUM(n), 0) FROM dir_mailbox_count WHERE"
                       " scope = 'all'), (SELECT COALESCE(SUM(n_ox), 0) FROM"
                       " dir_mailbox_count WHERE scope = 'all'), (SELECT"
                       " COALESCE(SUM(n), 0) FROM dir_mailbox_count WHERE"
                       " scope = 'domain'), (SELECT COALESCE(SUM(n_ox), 0)"
                       " FROM dir_mailbox_count WHERE scope = 'domain'),"
                       " (SELECT COUNT(*) FROM dir_mailbox_count WHERE scope"
                       " = 'all'), (SELECT COUNT(*) FROM dir_mailbox_page"
                       " WHERE scope = 'all' AND scope_id = 0 AND sort_key ="
                       " 'name') FROM (SELECT COUNT(*) AS n,"
                       " COALESCE(SUM(in_ox = 1), 0) AS n_ox FROM"
                       " dir_mailbox) m", OXT_DB_NOARGS, r->res, r->p);
    *pdrift = 1;
    r->rows = -1;
    if (rv != APR_SUCCESS || rows->nelts != 1) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    *pdrift = oxt_db_row_int(row, 6, 0) != 1;
    for (i = 2; i < 6; i++) {
        *pdrift |= oxt_db_row_int(row, i, -1)
                   != oxt_db_row_int(row, i % 2, -2);
    }
    r->rows = oxt_db_row_int(row, 0, 0);
    r->points = oxt_db_row_int(row, 7, 0);
    return rv;
}

/* The widest stretch of the server's points, in rows: between two points
 * of a sort, or after its last (n rows in all). Points that a sync moved
 * together (every row between them went elsewhere in the order, as a
 * burst does to the last sync's order) leave a stretch that a page seek
 * walks whole, while their number is still right. */
#define PAGE_GAP_SQL \
    "SELECT GREATEST(COALESCE((SELECT MAX(pos - prev) FROM (SELECT pos," \
    " COALESCE(LAG(pos) OVER (PARTITION BY sort_key ORDER BY pos, id), 0)" \
    " prev" \
    " FROM dir_mailbox_page WHERE scope = 'all' AND scope_id = 0) g), 0)," \
    " COALESCE((SELECT ? - MIN(top) FROM (SELECT MAX(pos) top FROM" \
    " dir_mailbox_page WHERE scope = 'all' AND scope_id = 0" \
    " GROUP BY sort_key) t), 0))"

/* A stretch this long walks four times the rows a page seek should. */
#define PAGE_GAP_MAX (4 * OXT_MBDIR_PAGE_EVERY)

/* Has the page index drifted from an even spacing by more than an eighth
 * of its points (rows added or removed one by one keep it exact but
 * stretch it; a fill cut short leaves none), or left a stretch longer
 * than PAGE_GAP_MAX? */
static apr_status_t page_drifted(int *pdrift, mbd_refresh_t *r)
{
    long long pts = r->points, n = r->rows, even, gap = 0;
    apr_status_t rv = APR_SUCCESS;

    /* the counts (counts_drifted, just before) are what it reads */
    *pdrift = 1;
    if (n < 0) {
        return rv;
    }
    even = n > 1 ? (n - 1) / OXT_MBDIR_PAGE_EVERY : 0;
    *pdrift = (pts > even ? pts - even : even - pts) * 8 > even;
    if (!*pdrift && pts > 0) {
        rv = oxt_db_select_int(&gap, r->db, PAGE_GAP_SQL,
                               OXT_DB_ARGS(OXT_DB_INT(n)), r->res, r->p);
        *pdrift = rv != APR_SUCCESS || gap > PAGE_GAP_MAX;
    }
    return rv;
}

/* What each of the missing-piece checks below asks, and its parameters:
 * one text serves the check and any_missing's probe of all five. */
#define WIDE_MISSING "(NOT EXISTS (SELECT 1 FROM dir_mailbox_wide) AND" \
    " (SELECT COUNT(*) FROM (SELECT 1 FROM dir_mailbox LIMIT ?) x) > ?)"
#define WIDE_MISSING_ARGS OXT_DB_INT(OXT_MBDIR_WIDE_MIN + 1), \
    OXT_DB_INT(OXT_MBDIR_WIDE_MIN)
#define CHOICE_MISSING(chosen) "(NOT EXISTS (SELECT 1 FROM " chosen ")" \
    " AND EXISTS (SELECT 1 FROM dir_mailbox_wide WHERE cnt >= ?) AND" \
    " EXISTS (SELECT 1 FROM dir_mailbox_count WHERE scope = 'reseller'" \
    " AND scope_id > 0 AND n >= ?))"
#define RD_MISSING CHOICE_MISSING("dir_mailbox_rdense_chosen")
#define RD_MISSING_ARGS OXT_DB_INT(OXT_MBDIR_RDENSE_MIN), \
    OXT_DB_INT(OXT_MBDIR_RDENSE_MIN)
#define RS_MISSING CHOICE_MISSING("dir_mailbox_rmid_chosen")
#define RS_MISSING_ARGS OXT_DB_INT(OXT_MBDIR_RMID_MIN), \
    OXT_DB_INT(OXT_MBDIR_RDENSE_MIN)
#define MARK_MISSING "(NOT EXISTS (SELECT 1 FROM dir_mailbox_wide WHERE" \
    " pts = 1) AND EXISTS (SELECT 1 FROM dir_mailbox_wide WHERE" \
    " cnt >= ?))"
#define MARK_MISSING_ARGS OXT_DB_INT(OXT_MBDIR_WIDE_POINTS_MIN)
#define POINTS_MISSING "(EXISTS (SELECT 1 FROM dir_mailbox_wide WHERE" \
    " pts = 1) AND EXISTS (SELECT 1 FROM dir_mailbox_page WHERE scope =" \
    " 'all') AND NOT EXISTS (SELECT 1 FROM dir_mailbox_wide_page))"

/* Whether a missing-piece condition holds (sql: "SELECT " and it); a
 * failure says no. */
static apr_status_t missing(int *pneed, mbd_refresh_t *r, const char *sql,
                            const oxt_db_arg_t *args, int nargs)
{
    long long need = 0;
    apr_status_t rv;

    rv = oxt_db_select_int(&need, r->db, sql, args, nargs, r->res, r->p);
    *pneed = rv == APR_SUCCESS && need != 0;
    return rv;
}

/* No wide prefix stored while the server has more mailboxes than one
 * needs (a directory from before migration 0115, or one that had none
 * yet): found now. The terms' own writes keep them between fills. */
static apr_status_t wide_missing(mbd_refresh_t *r)
{
    int need;
    apr_status_t rv = missing(&need, r, "SELECT " WIDE_MISSING,
                              OXT_DB_ARGS(WIDE_MISSING_ARGS));

    return need ? mbdir_tx(r->db, 0, wide_build, NULL, r->res, r->p) : rv;
}

/* No choice of the resellers' dense prefixes recorded (a directory from
 * before migration 0149, or its wide prefixes chosen again) while a wide
 * one finds enough mailboxes and some reseller has as many: chosen now.
 * A choice that found none is recorded too, so it is not made again on
 * every pass (its COUNT DISTINCTs under the page index's lock held for
 * update would block the batches); the refresh's fill and a deferred
 * batch's terms choose again (refresh_end). */
static apr_status_t rd_missing(mbd_refresh_t *r, int *pdone)
{
    apr_status_t rv = missing(pdone, r, "SELECT " RD_MISSING,
                              OXT_DB_ARGS(RD_MISSING_ARGS));

    return *pdone ? mbdir_tx(r->db, 1, rd_build, NULL, r->res, r->p) : rv;
}

/* No choice of the resellers' mid-density pairs recorded (a directory
 * from before migration 0150) while a wide prefix finds enough mailboxes
 * and some reseller has OXT_MBDIR_RDENSE_MIN rows: chosen now, as
 * rd_missing does for the dense ones. */
static apr_status_t rs_missing(mbd_refresh_t *r)
{
    int need;
    apr_status_t rv = missing(&need, r, "SELECT " RS_MISSING,
                              OXT_DB_ARGS(RS_MISSING_ARGS));

    return need ? mbdir_tx(r->db, 1, rs_choose, NULL, r->res, r->p) : rv;
}

/* No prefix marked for points while some stored one finds
 * OXT_MBDIR_WIDE_POINTS_MIN mailboxes (prefixes stored before migration
 * 0140): marked now, as the next choice of the prefixes would. */
static apr_status_t wp_chosen(mbd_refresh_t *r)
{
    int need;
    apr_status_t rv = missing(&need, r, "SELECT " MARK_MISSING,
                              OXT_DB_ARGS(MARK_MISSING_ARGS));

    return need ? oxt_db_exec(NULL, r->db, "UPDATE dir_mailbox_wide SET"
                              " pts = 1 WHERE cnt >= ?",
                              OXT_DB_ARGS(MARK_MISSING_ARGS), r->res, r->p)
                : rv;
}

/* Prefixes marked for points and a page index, but no points (prefixes
 * chosen again, or marked just now): made from the index as it is. */
static apr_status_t wp_missing(mbd_refresh_t *r)
{
    int need;
    apr_status_t rv = missing(&need, r, "SELECT " POINTS_MISSING,
                              OXT_DB_NOARGS);

    return need ? mbdir_tx(r->db, 1, wp_build, NULL, r->res, r->p) : rv;
}

/* Whether any of the five checks above would act, in one statement: a
 * steady pass, with nothing drifted, asked them one by one, four of a
 * steady run's 201 statements at a million mailboxes (the target is one
 * per 500 domains). Only when one would are they asked, in their order,
 * each after what the one before it built. A failure says yes. */
static apr_status_t any_missing(int *pany, mbd_refresh_t *r)
{
    apr_status_t rv = missing(pany, r, "SELECT " WIDE_MISSING " OR "
                              RD_MISSING " OR " RS_MISSING " OR "
                              MARK_MISSING " OR " POINTS_MISSING,
                              OXT_DB_ARGS(WIDE_MISSING_ARGS, RD_MISSING_ARGS,
                                          RS_MISSING_ARGS,
                                          MARK_MISSING_ARGS));

    *pany = *pany || rv != APR_SUCCESS;
    return rv;
}

static apr_status_t refresh_end(mbd_refresh_t *r)
{
    int counts = 1, pages = 1, chosen = 0, any = 1;
    apr_status_t rv = APR_SUCCESS;

    if (r->parked) {
        rv = parked_restore(r->db, r->res, r->p);
    }
    if (rv == APR_SUCCESS && !r->fill && !r->rebuild) {
        rv = counts_drifted(&counts, r);
        if (rv == APR_SUCCESS) {
            rv = page_drifted(&pages, r);
        }
    }
    if (rv == APR_SUCCESS && !counts && !pages && !r->terms_moved) {
        rv = any_missing(&any, r);
        if (rv == APR_SUCCESS && !any) {
            return APR_SUCCESS;
        }
    }
    if (rv == APR_SUCCESS && counts) {
        rv = mbdir_tx(r->db, 0, mbdir_recount, NULL, r->res, r->p);
    }
    if (rv == APR_SUCCESS) {
        rv = r->fill || r->terms_moved
             ? mbdir_tx(r->db, 0, wide_build, NULL, r->res, r->p)
             : wide_missing(r);
    }
    if (rv == APR_SUCCESS) {
        chosen = r->fill || r->terms_moved;
        rv = chosen ? mbdir_tx(r->db, 1, rd_build, NULL, r->res, r->p)
                    : rd_missing(r, &chosen);
    }
    if (rv == APR_SUCCESS && !chosen) {
        rv = rs_missing(r);
    }
    if (rv == APR_SUCCESS) {
        rv = wp_chosen(r);
    }
    if (rv == APR_SUCCESS && pages) {
        /* the points with it */
        return mbdir_tx(r->db, 1, page_build_all, NULL, r->res, r->p);
    }
    return rv == APR_SUCCESS ? wp_missing(r) : rv;
}

/* Every range of psa's domains (buckets NULL), or of the buckets. */
static apr_status_t refresh_ranges(mbd_refresh_t *r, apr_pool_t *rp,
                                   const apr_array_header_t *buckets)
{
    int last = 0, at = 0;
    apr_status_t rv = APR_SUCCESS;

    while (rv == APR_SUCCESS && !last) {
        if (buckets != NULL && !r->fill) {
            last = !oxt_dirsum_range(buckets, &at, RANGE_DOMAINS, &r->after,
                                     &r->upto);
            rv = last ? APR_SUCCESS : range_work(r);
        }
        else {
            rv = range_next(r, &last);
            rv = rv == APR_SUCCESS ? range_work(r) : rv;
            r->after = r->upto;
        }
        apr_pool_clear(rp);
    }
    return rv;
}

apr_status_t oxt_mbdir_refresh_changed(oxt_db_t *db, const oxt_psa_t *psa,
                                       const oxt_settings_t *settings,
                                       const apr_array_header_t *buckets,
                                       oxt_mbdir_stats_t *stats,
                                       oxt_result_t *res, apr_pool_t *p)
{
    mbd_refresh_t r;
    apr_pool_t *rp;
    apr_status_t rv;

    memset(&r, 0, sizeof(r));
    r.db = db;
    r.psa = psa;
    r.settings = settings;
    r.stats = stats;
    r.res = res;
    apr_pool_create(&rp, p);
    r.p = rp;
    rv = refresh_start(&r);
    if (rv == APR_SUCCESS) {
        rv = refresh_ranges(&r, rp, buckets);
    }
    r.p = p;
    rv = rv == APR_SUCCESS ? refresh_end(&r) : rv;
    apr_pool_destroy(rp);
    return rv;
}

apr_status_t oxt_mbdir_refresh(oxt_db_t *db, const oxt_psa_t *psa,
                               const oxt_settings_t *settings,
                               oxt_mbdir_stats_t *stats, oxt_result_t *res,
                               apr_pool_t *p)
{
    return oxt_mbdir_refresh_changed(db, psa, settings, NULL, stats, res, p);
}
