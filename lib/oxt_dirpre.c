/*
 * oxt_dirpre.c — see oxt_dirpre.h.
 *
 * Every statement is built from this file's constants; values are bound.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_dirpre.h"
#include "oxt_dir.h"
#include "oxt_util.h"

/* ---- counting ------------------------------------------------------------- */

/* " AND t.reseller_id = ?" or the like for the scope (bound: its id), or
 * "" for all. */
static const char *scope_terms(const oxt_dirpre_scope_t *sc)
{
    return strcmp(sc->scope, "reseller") == 0 ? " AND t.reseller_id = ?"
         : strcmp(sc->scope, "client") == 0 ? " AND t.client_id = ?" : "";
}

/* The live count: the rows of the scope with a term LIKE like. This is
 * the one statement that says what a search's count is; the stored
 * counts are made with it too. */
static apr_status_t count_live(long long *pn, oxt_db_t *db,
                               const oxt_dirpre_scope_t *sc,
                               const char *like, oxt_result_t *res,
                               apr_pool_t *p)
{
    oxt_db_arg_t args[3];
    const char *where = scope_terms(sc);
    int n = 0;

    args[n++] = OXT_DB_STR(sc->list);
    if (*where) {
        args[n++] = OXT_DB_INT(sc->scope_id);
    }
    args[n++] = OXT_DB_STR(like);
    return oxt_db_select_int(pn, db, apr_pstrcat(p, "SELECT COUNT(DISTINCT"
                             " t.id) FROM dir_term t WHERE t.list = ?", where,
                             " AND t.term LIKE ? ESCAPE '!'", NULL), args, n,
                             res, p);
}

const char *oxt_dirpre_key(const char *q, apr_pool_t *p)
{
    char *out = apr_pstrdup(p, q), *s;

    for (s = out; *s; s++) {
        if (*s >= 'A' && *s <= 'Z') {
            *s = (char)(*s - 'A' + 'a');
        }
    }
    return out;
}

apr_status_t oxt_dirpre_stored(long long *pn, oxt_db_t *db,
                               const oxt_dirpre_scope_t *sc, const char *q,
                               oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_select_int(pn, db, "SELECT n FROM dir_prefix WHERE list = ?"
                             " AND scope = ? AND scope_id = ? AND prefix = ?",
                             OXT_DB_ARGS(OXT_DB_STR(sc->list),
                                         OXT_DB_STR(sc->scope),
                                         OXT_DB_INT(sc->scope_id),
                                         OXT_DB_STR(oxt_dirpre_key(q, p))),
                             res, p);
}

apr_status_t oxt_dirpre_count(long long *pn, int *pstored, oxt_db_t *db,
                              const oxt_dirpre_scope_t *sc, const char *q,
                              const char *like, oxt_result_t *res,
                              apr_pool_t *p)
{
    apr_status_t rv = oxt_dirpre_stored(pn, db, sc, q, res, p);

    if (pstored != NULL) {
        *pstored = rv == APR_SUCCESS;
    }
    if (rv == APR_ENOENT) {
        rv = count_live(pn, db, sc, like, res, p);
    }
    return rv;
}

/* ---- moving the stored counts (a sync batch) -------------------------------- */

apr_status_t oxt_dirpre_lock(oxt_db_t *db, long long rows,
                             oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db, "UPDATE dir_prefix_min SET moved ="
                       " LEAST(moved + ?, 4000000000) WHERE id = 1",
                       OXT_DB_ARGS(OXT_DB_INT(rows)), res, p);
}

apr_status_t oxt_dirpre_due(int *pdue, oxt_db_t *db, oxt_result_t *res,
                            apr_pool_t *p)
{
    long long n = 0;
    apr_status_t rv;

    rv = oxt_db_select_int(&n, db, "SELECT " OXT_DIRPRE_DUE_SQL,
                           OXT_DB_NOARGS, res, p);
    *pdue = rv == APR_SUCCESS && n > 0;
    return rv == APR_ENOENT ? APR_SUCCESS : rv;
}

/* One stored count's move: its key and pattern, and by how much. */
typedef struct pre_move_t {
    const char *list, *scope, *prefix, *pat;
    long long scope_id;
    long long by;
} pre_move_t;

/* Each term of the ids joined with the stored prefixes it matches in its
 * own scope. A locking read: the latest counts' keys, whatever the
 * transaction's snapshot. */
#define PRE_JOIN_SQL                                                       \
    " FROM dir_term t JOIN dir_prefix p"                                    \
    " ON p.list = t.list AND ((p.scope = 'all' AND p.scope_id = 0)"         \
    " OR (p.scope = 'reseller' AND p.scope_id = t.reseller_id)"             \
    " OR (p.scope = 'client' AND p.scope_id = t.client_id))"                \
    " AND t.term LIKE p.pat ESCAPE '!'"                                     \
    " WHERE t.list IN (%s) AND t.id IN (%s)"

/* The stored prefixes with the rows of the ids that match each. */
#define TAKE_SQL                                                           \
    "SELECT p.list, p.scope, p.scope_id, p.prefix, p.pat,"                  \
    " COUNT(DISTINCT t.id)" PRE_JOIN_SQL                                    \
    " GROUP BY p.list, p.scope, p.scope_id, p.prefix, p.pat"                \
    " LOCK IN SHARE MODE"

/* A row per id and prefix. */
#define MATCHES_SQL                                                        \
    "SELECT t.id, p.list, p.scope, p.scope_id, p.prefix" PRE_JOIN_SQL       \
    " GROUP BY t.id, p.list, p.scope, p.scope_id, p.prefix"                 \
    " LOCK IN SHARE MODE"

typedef void pre_row_fn(void *baton, const oxt_db_row_t *row, apr_pool_t *p);

/* sql (TAKE_SQL or MATCHES_SQL) for the ids, OXT_DB_IN_MAX at a time,
 * each row handed to fn. */
static apr_status_t pre_select_ids(oxt_db_t *db, const char *sql,
                                   const char *lists_in,
                                   const apr_array_header_t *ids,
                                   pre_row_fn *fn, void *baton,
                                   oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[OXT_DB_IN_MAX];
    apr_array_header_t *rows;
    const char *marks;
    int from, n, nargs, i;
    apr_status_t rv = APR_SUCCESS;

    for (from = 0; rv == APR_SUCCESS && from < ids->nelts; from += n) {
        n = ids->nelts - from < OXT_DB_IN_MAX ? ids->nelts - from
                                              : OXT_DB_IN_MAX;
        nargs = oxt_db_in_bind(&marks, args, ids, from, n, p);
        rv = oxt_db_select(&rows, db, apr_psprintf(p, sql, lists_in, marks),
                           args, nargs, res, p);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            fn(baton, APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), p);
        }
    }
    return rv;
}

typedef struct take_baton_t {
    apr_hash_t *delta;
    int sign;
} take_baton_t;

static void take_row(void *baton, const oxt_db_row_t *row, apr_pool_t *p)
{
    take_baton_t *tb = baton;
    const char *key = apr_psprintf(p, "%s\n%s\n%s\n%s", row->vals[0],
                                   row->vals[1], row->vals[2], row->vals[3]);
    pre_move_t *m = apr_hash_get(tb->delta, key, APR_HASH_KEY_STRING);

    if (m == NULL) {
        m = apr_pcalloc(p, sizeof(*m));
        m->list = row->vals[0];
        m->scope = row->vals[1];
        m->scope_id = oxt_db_row_int(row, 2, 0);
        m->prefix = row->vals[3];
        m->pat = row->vals[4];
        apr_hash_set(tb->delta, key, APR_HASH_KEY_STRING, m);
    }
    m->by += tb->sign * oxt_db_row_int(row, 5, 0);
}

apr_status_t oxt_dirpre_take(apr_hash_t **pdelta, int sign, oxt_db_t *db,
                             const char *lists_in,
                             const apr_array_header_t *ids,
                             oxt_result_t *res, apr_pool_t *p)
{
    take_baton_t tb;

    if (*pdelta == NULL) {
        *pdelta = apr_hash_make(p);
    }
    tb.delta = *pdelta;
    tb.sign = sign;
    return pre_select_ids(db, TAKE_SQL, lists_in, ids, take_row, &tb, res,
                          p);
}

static void match_row(void *baton, const oxt_db_row_t *row, apr_pool_t *p)
{
    apr_hash_t *by_id = baton;
    long long id = oxt_db_row_int(row, 0, 0);
    apr_array_header_t *a = oxt_util_id_get(by_id, id);
    oxt_dirpre_match_t *m;

    if (a == NULL) {
        a = apr_array_make(p, 4, sizeof(oxt_dirpre_match_t));
        oxt_util_id_set(by_id, id, a);
    }
    m = apr_array_push(a);
    m->list = row->vals[1];
    m->scope = row->vals[2];
    m->scope_id = oxt_db_row_int(row, 3, 0);
    m->prefix = row->vals[4];
}

apr_status_t oxt_dirpre_matches(apr_hash_t **pby_id, oxt_db_t *db,
                                const char *lists_in,
                                const apr_array_header_t *ids,
                                oxt_result_t *res, apr_pool_t *p)
{
    *pby_id = apr_hash_make(p);
    return pre_select_ids(db, MATCHES_SQL, lists_in, ids, match_row,
                          *pby_id, res, p);
}

apr_status_t oxt_dirpre_apply(apr_hash_t *delta, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_index_t *hi;
    const pre_move_t *m;
    apr_status_t rv = APR_SUCCESS;

    for (hi = delta ? apr_hash_first(p, delta) : NULL;
         rv == APR_SUCCESS && hi != NULL; hi = apr_hash_next(hi)) {
        m = apr_hash_this_val(hi);
        if (m->by != 0) {
            rv = oxt_db_exec(NULL, db, "UPDATE dir_prefix SET n = n + ?"
                             " WHERE list = ? AND scope = ? AND scope_id = ?"
                             " AND prefix = ?", OXT_DB_ARGS(
                             OXT_DB_INT(m->by), OXT_DB_STR(m->list),
                             OXT_DB_STR(m->scope), OXT_DB_INT(m->scope_id),
                             OXT_DB_STR(m->prefix)), res, p);
        }
    }
    return rv;
}

/* ---- choosing the prefixes again (the end of a refresh) ------------------------ */

typedef struct pre_build_t {
    oxt_db_t *db;
    oxt_result_t *res;
    apr_pool_t *p;
    long long min;
    long long stored;
} pre_build_t;

/* UTF-8 characters in s. */
static long long chars_of(const char *s)
{
    long long n = 0;

    for (; *s; s++) {
        n += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return n;
}

/* The prefixes one character longer than parent that more than min
 * terms of the scope start with (a term's rows may be fewer: each is
 * counted exactly after). */
static apr_status_t children(apr_array_header_t **prows, pre_build_t *b,
                             const oxt_dirpre_scope_t *sc,
                             const char *parent)
{
    oxt_db_arg_t args[5];
    const char *where = scope_terms(sc);
    int n = 0;

    args[n++] = OXT_DB_INT(chars_of(parent) + 1);
    args[n++] = OXT_DB_STR(sc->list);
    if (*where) {
        args[n++] = OXT_DB_INT(sc->scope_id);
    }
    args[n++] = OXT_DB_STR(oxt_dir_like_prefix(parent, b->p));
    args[n++] = OXT_DB_INT(b->min);
    return oxt_db_select(prows, b->db, apr_pstrcat(b->p, "SELECT"
                         " LOWER(LEFT(t.term, ?)) AS pre FROM dir_term t"
                         " WHERE t.list = ?", where, " AND t.term LIKE ?"
                         " ESCAPE '!' GROUP BY pre HAVING COUNT(*) > ?",
                         NULL), args, n, b->res, b->p);
}

/* Counts prefix exactly; stores it (and pushes it to grow further) when
 * it finds more than min rows. */
static apr_status_t consider(pre_build_t *b, const oxt_dirpre_scope_t *sc,
                             const char *prefix, apr_array_header_t *to_grow)
{
    const char *pat = oxt_dir_like_prefix(prefix, b->p);
    long long n = 0;
    apr_status_t rv;

    rv = count_live(&n, b->db, sc, pat, b->res, b->p);
    if (rv != APR_SUCCESS || n <= b->min) {
        return rv;
    }
    rv = oxt_db_exec(NULL, b->db, "INSERT IGNORE INTO dir_prefix (list,"
                     " scope, scope_id, prefix, pat, n) VALUES (?, ?, ?, ?,"
                     " ?, ?)", OXT_DB_ARGS(OXT_DB_STR(sc->list),
                     OXT_DB_STR(sc->scope), OXT_DB_INT(sc->scope_id),
                     OXT_DB_STR(prefix), OXT_DB_STR(pat), OXT_DB_INT(n)),
                     b->res, b->p);
    if (rv == APR_SUCCESS) {
        b->stored++;
        APR_ARRAY_PUSH(to_grow, const char *) = prefix;
    }
    return rv;
}

/* Every wide prefix of one scope, from the shortest on. */
static apr_status_t grow(pre_build_t *b, const oxt_dirpre_scope_t *sc)
{
    apr_array_header_t *to_grow = apr_array_make(b->p, 16,
                                              sizeof(const char *));
    apr_array_header_t *rows;
    apr_hash_t *seen = apr_hash_make(b->p);
    const char *parent, *key;
    long long len;
    int i;
    apr_status_t rv = APR_SUCCESS;

    APR_ARRAY_PUSH(to_grow, const char *) = "";
    while (rv == APR_SUCCESS && to_grow->nelts > 0) {
        parent = *(const char **)apr_array_pop(to_grow);
        len = chars_of(parent) + 1;
        rv = children(&rows, b, sc, parent);
        for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
            key = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *)->vals[0];
            key = key ? oxt_dirpre_key(key, b->p) : "";
            /* A shorter term is its parent itself. */
            if (chars_of(key) < len
                || apr_hash_get(seen, key, APR_HASH_KEY_STRING) != NULL) {
                continue;
            }
            apr_hash_set(seen, key, APR_HASH_KEY_STRING, key);
            rv = consider(b, sc, key, to_grow);
        }
    }
    return rv;
}

/* The scopes worth a look: a list in all when it has more than min rows,
 * the accounts of kind whose col is above min (reseller or client scope
 * of list). */
static apr_status_t grow_scopes(pre_build_t *b, const char *list,
                                const char *scope, const char *col)
{
    apr_array_header_t *ids;
    oxt_dirpre_scope_t sc = { list, scope, 0 };
    int i;
    apr_status_t rv;

    rv = oxt_db_select_ids(&ids, b->db, apr_pstrcat(b->p, "SELECT id FROM"
                           " dir_account WHERE kind = ? AND ", col, " > ?",
                           NULL), OXT_DB_ARGS(OXT_DB_STR(scope),
                           OXT_DB_INT(b->min)), b->res, b->p);
    for (i = 0; rv == APR_SUCCESS && i < ids->nelts; i++) {
        sc.scope_id = APR_ARRAY_IDX(ids, i, long long);
        rv = grow(b, &sc);
    }
    return rv;
}

static apr_status_t grow_all(pre_build_t *b)
{
    static const char *const lists[] = { "reseller", "client", "domain" };
    oxt_dirpre_scope_t sc = { NULL, "all", 0 };
    long long n;
    int i;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; rv == APR_SUCCESS && i < 3; i++) {
        sc.list = lists[i];
        rv = oxt_db_select_int(&n, b->db, "SELECT n FROM dir_total"
                               " WHERE list = ?", OXT_DB_ARGS(
                               OXT_DB_STR(sc.list)), b->res, b->p);
        if (rv == APR_ENOENT) {
            n = 0;
            rv = APR_SUCCESS;
        }
        if (rv == APR_SUCCESS && n > b->min) {
            rv = grow(b, &sc);
        }
    }
    if (rv == APR_SUCCESS) {
        rv = grow_scopes(b, "client", "reseller", "clients");
    }
    if (rv == APR_SUCCESS) {
        rv = grow_scopes(b, "domain", "reseller", "domains");
    }
    return rv == APR_SUCCESS ? grow_scopes(b, "domain", "client", "domains")
                             : rv;
}

static apr_status_t rebuild_txn(pre_build_t *b)
{
    apr_status_t rv;

    rv = oxt_db_exec(NULL, b->db, "UPDATE dir_prefix_min SET moved = 0"
                     " WHERE id = 1", OXT_DB_NOARGS, b->res, b->p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_select_int(&b->min, b->db, "SELECT n FROM dir_prefix_min"
                               " WHERE id = 1", OXT_DB_NOARGS, b->res, b->p);
    }
    if (rv == APR_ENOENT) {
        b->min = 500;              /* migration 0144 */
        rv = APR_SUCCESS;
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, b->db, "DELETE FROM dir_prefix", OXT_DB_NOARGS,
                         b->res, b->p);
    }
    /* The points of the prefixes (migration 0132) go with them: no sync
     * moves the points of a prefix that is not stored, so a point left
     * behind would lie once its prefix came back. The directory makes
     * them again for the new prefixes (oxt_dir_points_rebuild). */
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, b->db, "DELETE FROM dir_prefix_page",
                         OXT_DB_NOARGS, b->res, b->p);
    }
    return rv == APR_SUCCESS ? grow_all(b) : rv;
}

apr_status_t oxt_dirpre_rebuild(long long *pstored, oxt_db_t *db,
                                oxt_result_t *res, apr_pool_t *p)
{
    pre_build_t b = { db, res, NULL, 0, 0 };
    apr_status_t rv;

    apr_pool_create(&b.p, p);
    rv = oxt_db_begin(db, res);
    if (rv == APR_SUCCESS) {
        rv = rebuild_txn(&b);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_commit(db, res);
    }
    else {
        oxt_db_rollback(db);
    }
    if (pstored != NULL) {
        *pstored = b.stored;
    }
    apr_pool_destroy(b.p);
    return rv;
}
