/*
 * oxt_mblist.c — see oxt_mblist.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_mblist.h"
#include "oxt_desired.h"
#include "oxt_dir.h"
#include "oxt_list.h"
#include "oxt_mbdir.h"
#include "oxt_status.h"
#include "oxt_util.h"

/* Ids per query when reading given rows. */
#define ROWS_PER_QUERY 500
/* The most parameters one statement binds besides an id list. */
#define MAX_ARGS 12

/* ---- SQL ---------------------------------------------------------------- */

/* The owner chain of a domain's owner row c (and its parent o, 9+). */
#define CL9 "IF(c.type = 'client', c.id, 0)"
#define RS9 "IF(c.type = 'reseller', c.id, IF(c.type = 'client'" \
            " AND o.type = 'reseller', o.id, 0))"
#define SUSP9 "(d.status <> 0 OR c.status <> 0 OR (c.type = 'client'" \
              " AND o.type = 'reseller' AND o.status <> 0))"
#define SUSP8 "(d.status <> 0 OR c.status <> 0)"
#define MAILON "(ds.id IS NOT NULL AND ds.status = 0)"
#define INOX "s.ox_user_id IS NOT NULL"

/* What a level chose, nearest first; the select's one parameter is the
 * settings' default service type (1-based like ENUM + 0). */
#define SERVICE \
    "COALESCE(IF(" INOX ", s.applied_service_type + 0, NULL)," \
    " pm.service_type + 0, pd.service_type + 0, pc.service_type + 0," \
    " pr.service_type + 0, ?) - 1"
#define TICK \
    "(COALESCE(NULLIF(pm.webmail_forever, 'inherit')," \
    " NULLIF(pd.webmail_forever, 'inherit')," \
    " NULLIF(pc.webmail_forever, 'inherit')," \
    " NULLIF(pr.webmail_forever, 'inherit'), 'off') = 'on')"
/* The order of oxt_desired.c: what a person is told first. */
#define REASON(susp) \
    "CASE WHEN m.postbox <> 'true' THEN '" OXT_WHY_FORWARD_ONLY "'" \
    " WHEN " susp " THEN '" OXT_WHY_SUSPENDED "'" \
    " WHEN NOT " MAILON " THEN '" OXT_WHY_MAIL_OFF "'" \
    " WHEN s.status_reason IN ('" OXT_WHY_NO_PASSWORD "', '" \
    OXT_WHY_CRYPT_PASSWORD "', '" OXT_WHY_BAD_PASSWORD "')" \
    " THEN s.status_reason END"

/* Named, so that the directory's sync (oxt_mbdir.c) can select from
 * them as a derived table. */
#define COLS(susp, cl, rs) \
    "SELECT m.id AS id, CONCAT(m.mail_name, '@', d.name) AS address," \
    " d.id AS dom_id, (" MAILON " AND m.postbox = 'true') AS mail_on, " \
    susp " AS suspended, m.postbox AS postbox, " SERVICE " AS service," \
    " s.pending_service_type + 0 - 1 AS pending," \
    " IF(" INOX ", s.applied_language, NULL) AS language_code," \
    " IF(" INOX ", l.name, NULL) AS language," \
    " IF(" INOX ", s.applied_timezone, NULL) AS timezone," \
    " UNIX_TIMESTAMP(s.last_sync_at) AS modified, " TICK " AS tick," \
    " s.status = 'replicated' AS in_ox, " REASON(susp) " AS reason," \
    " " cl " AS client_id, " rs " AS reseller_id"
enum { NCOLS = 17 };

#define FROM_COMMON \
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = d.id" \
    "  AND ds.type = 'mail'" \
    " LEFT JOIN mailbox_state s ON s.mail_id = m.id" \
    " LEFT JOIN ox_language l ON l.code = s.applied_language" \
    " LEFT JOIN prefs pm ON pm.level = 'mailbox' AND pm.plesk_id = m.id" \
    " LEFT JOIN prefs pd ON pd.level = 'domain' AND pd.plesk_id = d.id"
#define FROM_BASE \
    " FROM psa.mail m JOIN psa.domains d ON d.id = m.dom_id" \
    " JOIN psa.clients c ON c.id = d.cl_id"

static const char rows_sql9[] =
    COLS(SUSP9, CL9, RS9) FROM_BASE
    " LEFT JOIN psa.clients o ON o.id = c.parent_id" FROM_COMMON
    " LEFT JOIN prefs pc ON pc.level = 'client' AND pc.plesk_id = " CL9
    " LEFT JOIN prefs pr ON pr.level = 'reseller' AND pr.plesk_id = " RS9;
static const char rows_sql8[] =
    COLS(SUSP8, "c.id", "0") FROM_BASE FROM_COMMON
    " LEFT JOIN prefs pc ON pc.level = 'client' AND pc.plesk_id = c.id"
    " LEFT JOIN prefs pr ON 1 = 0";
/* The sort of a key: the directory's column for it (oxt_mbdir.h), the
 * page's default (name) for any other. */
static const oxt_mbdir_sort_t *sort_of(const char *key)
{
    const oxt_mbdir_sort_t *s = oxt_mbdir_sort(key);

    return s != NULL ? s : oxt_mbdir_sort("name");
}

int oxt_mblist_sortable(const char *key)
{
    return oxt_mbdir_sort(key) != NULL;
}

const char *oxt_mblist_reason_text(const char *reason)
{
    static const struct {
        const char *code;
        const char *text;
    } texts[] = {
        { OXT_WHY_FORWARD_ONLY, "a forward-only address: it has no mailbox" },
        { OXT_WHY_SUSPENDED, "the domain or its owner is suspended" },
        { OXT_WHY_MAIL_OFF, "the domain's mail service is off" },
        { OXT_WHY_NO_PASSWORD, "no usable password is set in Plesk" },
        { OXT_WHY_CRYPT_PASSWORD, "Plesk keeps only a hash of its password" },
        { OXT_WHY_BAD_PASSWORD, "its password in Plesk cannot be read" },
    };
    int i;

    for (i = 0; reason != NULL && i < (int)(sizeof(texts) / sizeof(texts[0]));
         i++) {
        if (strcmp(texts[i].code, reason) == 0) {
            return texts[i].text;
        }
    }
    return NULL;
}

/* ---- the WHERE of a request --------------------------------------------- */

typedef struct mb_sql_t {
    const char *where;
    oxt_db_arg_t args[MAX_ARGS];
    int nargs;
} mb_sql_t;

static void sql_arg(mb_sql_t *s, oxt_db_arg_t a)
{
    if (s->nargs < MAX_ARGS) {
        s->args[s->nargs++] = a;
    }
}

/* The caller's subtree: always part of the WHERE. */
static void sql_subtree(mb_sql_t *s, const oxt_psa_t *psa,
                        const oxt_identity_t *ident)
{
    switch (ident->role) {
    case OXT_ROLE_ADMIN:
        s->where = " WHERE 1 = 1";
        return;
    case OXT_ROLE_RESELLER:
        if (!oxt_psa_caps(psa)->has_client_type) {
            break;
        }
        s->where = " WHERE (d.cl_id = ? OR (c.type = 'client'"
                   " AND c.parent_id = ?))";
        sql_arg(s, OXT_DB_INT(ident->id));
        sql_arg(s, OXT_DB_INT(ident->id));
        return;
    case OXT_ROLE_CLIENT:
        s->where = " WHERE d.cl_id = ?";
        sql_arg(s, OXT_DB_INT(ident->id));
        return;
    case OXT_ROLE_DOMAIN:
        s->where = " WHERE d.id = ?";
        sql_arg(s, OXT_DB_INT(ident->id));
        return;
    default:
        break;
    }
    s->where = " WHERE 1 = 0";
}

/* The rows statement: the default service type first, then the WHERE's
 * parameters. */
static void sql_rows(mb_sql_t *s, const oxt_psa_t *psa,
                     const oxt_identity_t *ident,
                     const oxt_settings_t *settings)
{
    memset(s, 0, sizeof(*s));
    sql_arg(s, OXT_DB_INT((long long)settings->default_service + 1));
    sql_subtree(s, psa, ident);
}

static const char *rows_from(const oxt_psa_t *psa)
{
    return oxt_psa_caps(psa)->has_client_type ? rows_sql9 : rows_sql8;
}

const char *oxt_mblist_rows_select(const oxt_psa_t *psa)
{
    return rows_from(psa);
}

/* ---- reading ------------------------------------------------------------ */

static int row_service(const oxt_db_row_t *row, int i, int dflt)
{
    long long v = oxt_db_row_int(row, i, -1);

    return v >= 0 && v < OXT_SERVICE_COUNT ? (int)v : dflt;
}

static void row_from_db(oxt_mblist_row_t *r, const oxt_db_row_t *row,
                        apr_pool_t *p)
{
    memset(r, 0, sizeof(*r));
    r->id = oxt_db_row_int(row, 0, 0);
    r->address = oxt_db_row_str(row, 1, p);
    r->dom_id = oxt_db_row_int(row, 2, 0);
    r->mail_active = oxt_db_row_bool(row, 3);
    r->suspended = oxt_db_row_bool(row, 4);
    r->postbox = oxt_db_row_bool(row, 5);
    r->service = row_service(row, 6, OXT_SERVICE_WEBMAIL);
    r->pending = row_service(row, 7, -1);
    r->language = oxt_db_row_str(row, 8, p);
    r->language_name = oxt_db_row_str(row, 9, p);
    r->timezone = oxt_db_row_str(row, 10, p);
    r->modified = oxt_db_row_int(row, 11, 0);
    r->ox_service = oxt_db_row_bool(row, 12);
    r->in_ox = oxt_db_row_bool(row, 13);
    r->reason = oxt_db_row_str(row, 14, p);
    r->client_id = oxt_db_row_int(row, 15, 0);
    r->reseller_id = oxt_db_row_int(row, 16, 0);
}

apr_status_t oxt_mblist_filters_check(const oxt_psa_t *psa, oxt_db_t *db,
                                      const oxt_mblist_query_t *q,
                                      oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = APR_SUCCESS;

    if (q->reseller > 0) {
        rv = oxt_dir_in_subtree(psa, db, q->ident, OXT_DIR_RESELLER,
                                q->reseller, res, p);
    }
    if (rv == APR_SUCCESS && q->client > 0) {
        rv = oxt_dir_in_subtree(psa, db, q->ident, OXT_DIR_CLIENT, q->client,
                                res, p);
    }
    if (rv == APR_SUCCESS && q->domain > 0) {
        rv = oxt_dir_in_subtree(psa, db, q->ident, OXT_DIR_DOMAIN, q->domain,
                                res, p);
    }
    return rv;
}

/* ---- the directory: which ids, in which order, how many ----------------- */

/* The scopes of dir_mailbox_count, narrowest last. */
enum { SC_ALL = 0, SC_RESELLER, SC_CLIENT, SC_DOMAIN, SC_COUNT };
static const char *const scope_names[SC_COUNT] = {
    "all", "reseller", "client", "domain"
};
static const char *const scope_cols[SC_COUNT] = {
    NULL, "reseller_id", "client_id", "dom_id"
};

/* What a request keeps of the directory: the caller's subtree and the
 * owner filters as one id per scope (0: not limited; -1: nothing). */
typedef struct mb_scope_t {
    long long id[SC_COUNT];
    int nlimits;               /* conditions given (may repeat a scope) */
} mb_scope_t;

static void scope_limit(mb_scope_t *sc, int scope, long long id)
{
    if (sc->id[scope] != 0 && sc->id[scope] != id) {
        sc->id[scope] = -1;    /* two different ones: the empty set */
    }
    else {
        sc->id[scope] = id;
    }
    sc->nlimits++;
}

static void scope_of(mb_scope_t *sc, const oxt_psa_t *psa,
                     const oxt_mblist_query_t *q)
{
    memset(sc, 0, sizeof(*sc));
    switch (q->ident->role) {
    case OXT_ROLE_ADMIN:
        break;
    case OXT_ROLE_RESELLER:
        scope_limit(sc, SC_RESELLER, oxt_psa_caps(psa)->has_client_type
                                     ? q->ident->id : -1);
        break;
    case OXT_ROLE_CLIENT:
        scope_limit(sc, SC_CLIENT, q->ident->id);
        break;
    case OXT_ROLE_DOMAIN:
        scope_limit(sc, SC_DOMAIN, q->ident->id);
        break;
    default:
        scope_limit(sc, SC_DOMAIN, -1);
        break;
    }
    if (q->reseller > 0) {
        scope_limit(sc, SC_RESELLER, q->reseller);
    }
    if (q->client > 0) {
        scope_limit(sc, SC_CLIENT, q->client);
    }
    if (q->domain > 0) {
        scope_limit(sc, SC_DOMAIN, q->domain);
    }
}

/* The narrowest scope limited (SC_ALL: none). */
static int scope_narrowest(const mb_scope_t *sc)
{
    int i;

    for (i = SC_COUNT - 1; i > SC_ALL; i--) {
        if (sc->id[i] != 0) {
            return i;
        }
    }
    return SC_ALL;
}

static int has_search(const oxt_mblist_query_t *q)
{
    return q->q != NULL && *q->q;
}

/* " WHERE ..." on dir_mailbox b: every scope limit and ox=1 (the search
 * is in the FROM: dir_from). */
static void dir_where(mb_sql_t *s, const mb_scope_t *sc,
                      const oxt_mblist_query_t *q, apr_pool_t *p)
{
    int i;

    memset(s, 0, sizeof(*s));
    s->where = " WHERE 1 = 1";
    for (i = SC_RESELLER; i < SC_COUNT; i++) {
        if (sc->id[i] != 0) {
            s->where = apr_pstrcat(p, s->where, " AND b.", scope_cols[i],
                                   " = ?", NULL);
            sql_arg(s, OXT_DB_INT(sc->id[i]));
        }
    }
    if (q->ox) {
        s->where = apr_pstrcat(p, s->where, " AND b.in_ox = 1", NULL);
    }
}

/* "t.term LIKE ? ESCAPE '!' [AND t.<scope> = ?]": the search's matches
 * in the narrowest scope, its parameters pushed. */
static const char *term_match(mb_sql_t *s, const mb_scope_t *sc,
                              const oxt_mblist_query_t *q, apr_pool_t *p)
{
    int n = scope_narrowest(sc);

    sql_arg(s, OXT_DB_STR(oxt_dir_like_prefix(q->q, p)));
    if (n == SC_ALL) {
        return "t.term LIKE ? ESCAPE '!'";
    }
    sql_arg(s, OXT_DB_INT(sc->id[n]));
    return apr_pstrcat(p, "t.term LIKE ? ESCAPE '!' AND t.", scope_cols[n],
                       " = ?", NULL);
}

/* Without ox=1 a reseller's replicated rows' orders (ro_name,
 * ro_modified, migration 0146) serve no page, but on a small table's
 * statistics MariaDB took them for a reseller's page by name, then
 * sorted: they are left out of its choice. */
#define NOT_OX_ONLY " IGNORE INDEX (ro_name, ro_modified)"

/* The FROM of a request: with a search, its matches first (a range of
 * the term index), then their rows; the matches' parameters come before
 * the WHERE's. */
static const char *dir_from(mb_sql_t *s, const mb_scope_t *sc,
                            const oxt_mblist_query_t *q, apr_pool_t *p)
{
    mb_sql_t w = *s;
    const char *match;
    int i;

    if (!has_search(q)) {
        return q->ox ? " FROM dir_mailbox b"
                     : " FROM dir_mailbox b" NOT_OX_ONLY;
    }
    s->nargs = 0;
    match = term_match(s, sc, q, p);
    for (i = 0; i < w.nargs; i++) {
        sql_arg(s, w.args[i]);
    }
    return apr_pstrcat(p, " FROM (SELECT DISTINCT t.id FROM dir_mailbox_term"
                       " t WHERE ", match, ") m STRAIGHT_JOIN dir_mailbox b",
                       q->ox ? "" : NOT_OX_ONLY, " ON b.id = m.id", NULL);
}

/* A point of the page index to start from: the rows before it and its
 * (value, id); n 0: none. */
typedef struct mb_point_t {
    long long pos;
    long long k_int;
    const char *k_str;
    long long id;
} mb_point_t;

static const char *wpt_exact(const char *q, apr_pool_t *p);

#define RD_STR_(x) #x
#define RD_STR(x) RD_STR_(x)

/* The count of a reseller's stored dense search (dir_mailbox_rdense,
 * migration 0149): its stored rows less its misses; NULL when the
 * search is not one (the stored prefix found as rd_misses finds it) or
 * misses more than OXT_MBDIR_RDENSE_MISS_MAX (read as before, as
 * page_rdense does: a batch drops such a prefix, rd_after). */
#define RD_COUNT "(SELECT MAX(k.n) - COUNT(x.id) FROM dir_mailbox_rdense d" \
    " JOIN dir_mailbox_count k ON k.scope = 'reseller' AND k.scope_id =" \
    " d.reseller_id LEFT JOIN dir_mailbox_rmiss x ON x.reseller_id =" \
    " d.reseller_id AND x.n = d.n AND x.prefix = d.prefix WHERE" \
    " d.reseller_id = ? AND d.n = CHAR_LENGTH(?) AND d.prefix = ? AND" \
    " d.prefix LIKE ? ESCAPE '!' HAVING COUNT(x.id) <= " \
    RD_STR(OXT_MBDIR_RDENSE_MISS_MAX) ")"

/* A search in one scope, without ox=1: the matching terms alone are
 * counted (a range of the term index, no row read); a reseller's stored
 * dense search by its misses, in the same statement (the terms are then
 * not read: COALESCE stops at its first value). */
static apr_status_t count_terms(long long *ptotal, oxt_db_t *db,
                                const mb_scope_t *sc,
                                const oxt_mblist_query_t *q,
                                oxt_result_t *res, apr_pool_t *p)
{
    const char *match;
    mb_sql_t t;

    memset(&t, 0, sizeof(t));
    if (sc->nlimits == 1 && scope_narrowest(sc) == SC_RESELLER) {
        sql_arg(&t, OXT_DB_INT(sc->id[SC_RESELLER]));
        sql_arg(&t, OXT_DB_STR(q->q));
        sql_arg(&t, OXT_DB_STR(q->q));
        sql_arg(&t, OXT_DB_STR(wpt_exact(q->q, p)));
        match = term_match(&t, sc, q, p);
        return oxt_db_select_int(ptotal, db, apr_pstrcat(p, "SELECT COALESCE("
                                 RD_COUNT ", (SELECT COUNT(DISTINCT t.id)"
                                 " FROM dir_mailbox_term t WHERE ", match,
                                 "))", NULL), t.args, t.nargs, res, p);
    }
    match = term_match(&t, sc, q, p);
    return oxt_db_select_int(ptotal, db, apr_pstrcat(p, "SELECT COUNT("
                             "DISTINCT t.id) FROM dir_mailbox_term t WHERE ",
                             match, NULL), t.args, t.nargs, res, p);
}

/* A reseller's dense search (dir_mailbox_rdense, migration 0149): the
 * reseller's stored number of rows and the misses of q (the stored prefix
 * found as dir_mailbox_wide's count is: the same length, equal in the
 * collation, LIKE character by character), each with whether it lies
 * before the point pt in q's sort ascending (pt NULL: 0), in one
 * statement, so that they agree: one row (id NULL) when it misses none,
 * none when q is not a dense search of the reseller. */
static apr_status_t rd_misses(apr_array_header_t **prows, oxt_db_t *db,
                              const oxt_mblist_query_t *q, long long rid,
                              const mb_point_t *pt, oxt_result_t *res,
                              apr_pool_t *p)
{
    const oxt_mbdir_sort_t *so = sort_of(q->sort);
    const char *before = "0";
    mb_sql_t s;

    memset(&s, 0, sizeof(s));
    if (pt != NULL) {
        before = apr_pstrcat(p, "(b.", so->col, " < ? OR (b.", so->col,
                             " = ? AND b.id < ?))", NULL);
        sql_arg(&s, so->is_str ? OXT_DB_STR(pt->k_str)
                               : OXT_DB_INT(pt->k_int));
        sql_arg(&s, so->is_str ? OXT_DB_STR(pt->k_str)
                               : OXT_DB_INT(pt->k_int));
        sql_arg(&s, OXT_DB_INT(pt->id));
    }
    sql_arg(&s, OXT_DB_INT(rid));
    sql_arg(&s, OXT_DB_STR(q->q));
    sql_arg(&s, OXT_DB_STR(q->q));
    sql_arg(&s, OXT_DB_STR(wpt_exact(q->q, p)));
    return oxt_db_select(prows, db, apr_pstrcat(p, "SELECT k.n, x.id, ",
                         before, " FROM dir_mailbox_rdense d JOIN"
                         " dir_mailbox_count k ON k.scope = 'reseller' AND"
                         " k.scope_id = d.reseller_id LEFT JOIN"
                         " dir_mailbox_rmiss x ON x.reseller_id ="
                         " d.reseller_id AND x.n = d.n AND x.prefix ="
                         " d.prefix LEFT JOIN dir_mailbox b ON b.id = x.id"
                         " WHERE d.reseller_id = ? AND d.n = CHAR_LENGTH(?)"
                         " AND d.prefix = ? AND d.prefix LIKE ? ESCAPE '!'",
                         NULL), s.args, s.nargs, res, p);
}

/* What rd_misses read: the reseller's rows, its misses' ids (in *pids
 * when not NULL), how many lie before the point. */
typedef struct mb_rd_t {
    long long rows, misses, before;
} mb_rd_t;

static int rd_id_cmp(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;

    return x < y ? -1 : x > y;
}

/* ids in ascending order (the statement has no ORDER BY: a sort of its
 * own for every page, where the page without a search sorts none). */
static void rd_sum(mb_rd_t *rd, apr_array_header_t *ids,
                   const apr_array_header_t *rows)
{
    const oxt_db_row_t *row;
    int i;

    memset(rd, 0, sizeof(*rd));
    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        rd->rows = oxt_db_row_int(row, 0, 0);
        if (row->vals[1] != NULL) {
            rd->misses++;
            rd->before += oxt_db_row_int(row, 2, 0) != 0;
            if (ids != NULL) {
                APR_ARRAY_PUSH(ids, long long) = oxt_db_row_int(row, 1, 0);
            }
        }
    }
    if (ids != NULL && ids->nelts > 1) {
        qsort(ids->elts, (size_t)ids->nelts, sizeof(long long), rd_id_cmp);
    }
}

/* The same, from the stored count of a wide search of the whole server
 * (dir_mailbox_wide) when there is one. */
static apr_status_t count_search(long long *ptotal, oxt_db_t *db,
                                 const mb_scope_t *sc,
                                 const oxt_mblist_query_t *q,
                                 oxt_result_t *res, apr_pool_t *p)
{
    int found = 0;
    apr_status_t rv = APR_SUCCESS;

    if (sc->nlimits == 0) {
        rv = oxt_mbdir_wide_count(ptotal, &found, db, q->q, res, p);
    }
    return rv == APR_SUCCESS && !found ? count_terms(ptotal, db, sc, q, res,
                                                     p) : rv;
}

apr_status_t oxt_mblist_count(long long *ptotal, const oxt_psa_t *psa,
                              oxt_db_t *db, const oxt_mblist_query_t *q,
                              const oxt_settings_t *settings,
                              oxt_result_t *res, apr_pool_t *p)
{
    const char *sql;
    mb_scope_t sc;
    mb_sql_t s;
    int n;
    apr_status_t rv;

    (void)settings;
    scope_of(&sc, psa, q);
    n = scope_narrowest(&sc);
    *ptotal = 0;
    if (sc.id[n] < 0) {
        return APR_SUCCESS;
    }
    if (has_search(q) && sc.nlimits <= 1 && !q->ox) {
        return count_search(ptotal, db, &sc, q, res, p);
    }
    if (has_search(q) || sc.nlimits > 1) {
        /* Bounded: the matching terms, or the narrowest scope's rows. */
        dir_where(&s, &sc, q, p);
        sql = dir_from(&s, &sc, q, p);
        return oxt_db_select_int(ptotal, db, apr_pstrcat(p, "SELECT"
                                 " COUNT(*)", sql, s.where, NULL), s.args,
                                 s.nargs, res, p);
    }
    rv = oxt_db_select_int(ptotal, db, q->ox
                           ? "SELECT n_ox FROM dir_mailbox_count WHERE"
                             " scope = ? AND scope_id = ?"
                           : "SELECT n FROM dir_mailbox_count WHERE"
                             " scope = ? AND scope_id = ?", OXT_DB_ARGS(
                           OXT_DB_STR(scope_names[n]),
                           OXT_DB_INT(sc.id[n])), res, p);
    if (rv == APR_ENOENT) {
        *ptotal = 0;
        rv = APR_SUCCESS;
    }
    return rv;
}

/* "SELECT b.id FROM dir_mailbox b WHERE ... [AND at or after the point]
 * ORDER BY <col> ASC, b.id ASC LIMIT ?, ?": the column from the
 * allow-list; desc flips both. */
static const char *ids_sql(mb_sql_t *s, const mb_scope_t *sc,
                           const oxt_mblist_query_t *q, int desc,
                           const mb_point_t *at, long long offset,
                           long long limit, apr_pool_t *p)
{
    const oxt_mbdir_sort_t *so = sort_of(q->sort);
    const char *dir = desc ? " DESC" : " ASC";
    const char *out;

    dir_where(s, sc, q, p);
    if (at != NULL) {
        s->where = apr_pstrcat(p, s->where, " AND (b.", so->col, " > ? OR"
                               " (b.", so->col, " = ? AND b.id >= ?))", NULL);
        sql_arg(s, so->is_str ? OXT_DB_STR(at->k_str) : OXT_DB_INT(at->k_int));
        sql_arg(s, so->is_str ? OXT_DB_STR(at->k_str) : OXT_DB_INT(at->k_int));
        sql_arg(s, OXT_DB_INT(at->id));
    }
    out = apr_pstrcat(p, "SELECT b.id", dir_from(s, sc, q, p), s->where,
                      " ORDER BY b.", so->col, dir, ", b.id", dir, NULL);
    if (limit > 0) {
        sql_arg(s, OXT_DB_INT(offset > 0 ? offset : 0));
        sql_arg(s, OXT_DB_INT(limit));
        out = apr_pstrcat(p, out, " LIMIT ?, ?", NULL);
    }
    return out;
}

/* The page index's scope for q, or NULL when it has none (a search, a
 * client's or domain's few rows, ox=1 of a reseller, ox=1 by a column
 * without its index). */
static const char *point_scope(const mb_scope_t *sc,
                               const oxt_mblist_query_t *q,
                               long long *pid)
{
    int n = scope_narrowest(sc);

    *pid = 0;
    if (has_search(q) || n == SC_CLIENT || n == SC_DOMAIN) {
        return NULL;
    }
    if (n == SC_RESELLER) {
        *pid = sc->id[SC_RESELLER];
        return q->ox ? NULL : "reseller";
    }
    return !q->ox ? "all" : sort_of(q->sort)->ox_index ? "ox" : NULL;
}

/* The nearest point at or before ascending position off, if any. */
static apr_status_t point_find(mb_point_t **ppt, oxt_db_t *db,
                               const mb_scope_t *sc,
                               const oxt_mblist_query_t *q, long long off,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    const char *scope;
    long long sid;
    mb_point_t *pt;
    apr_status_t rv;

    *ppt = NULL;
    scope = point_scope(sc, q, &sid);
    if (scope == NULL || off < OXT_MBDIR_PAGE_EVERY) {
        return APR_SUCCESS;
    }
    rv = oxt_db_select(&rows, db, "SELECT pos, k_int, k_str, id FROM"
                       " dir_mailbox_page WHERE scope = ? AND scope_id = ?"
                       " AND sort_key = ? AND pos <= ? ORDER BY pos DESC"
                       " LIMIT 1", OXT_DB_ARGS(OXT_DB_STR(scope),
                       OXT_DB_INT(sid), OXT_DB_STR(sort_of(q->sort)->key),
                       OXT_DB_INT(off)), res, p);
    if (rv == APR_SUCCESS && rows->nelts == 1) {
        row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
        pt = apr_pcalloc(p, sizeof(*pt));
        pt->pos = oxt_db_row_int(row, 0, 0);
        pt->k_int = oxt_db_row_int(row, 1, 0);
        pt->k_str = oxt_db_row_str(row, 2, p);
        pt->id = oxt_db_row_int(row, 3, 0);
        *ppt = pt;
    }
    return rv;
}

/* "SELECT w.id FROM (<the window>) w WHERE <it matches> ORDER BY ...
 * LIMIT ?, ?": the first w->rows entries of the scope's sort index in
 * the read order, and of them the page's matches (each a lookup of the
 * mailbox's own terms). */
static const char *window_sql(mb_sql_t *s, const mb_scope_t *sc,
                              const oxt_mblist_query_t *q,
                              const oxt_dir_window_t *w, long long lim,
                              apr_pool_t *p)
{
    const oxt_mbdir_sort_t *so = sort_of(q->sort);
    const char *dir = q->desc ^ w->back ? " DESC" : " ASC";
    int r = scope_narrowest(sc) == SC_RESELLER;

    memset(s, 0, sizeof(*s));
    if (r) {
        sql_arg(s, OXT_DB_INT(sc->id[SC_RESELLER]));
    }
    sql_arg(s, OXT_DB_INT(w->rows));
    sql_arg(s, OXT_DB_STR(oxt_dir_like_prefix(q->q, p)));
    sql_arg(s, OXT_DB_INT(w->skip));
    sql_arg(s, OXT_DB_INT(lim));
    return apr_pstrcat(p, "SELECT w.id FROM (SELECT b.id, b.", so->col,
                       " AS k FROM dir_mailbox b FORCE INDEX (",
                       r ? "r_" : "a_", so->index, ")",
                       r ? " WHERE b.reseller_id = ?" : "", " ORDER BY b.",
                       so->col, dir, ", b.id", dir, " LIMIT ?) w WHERE w.id"
                       " IN (SELECT t.id FROM dir_mailbox_term t WHERE"
                       " t.term LIKE ? ESCAPE '!') ORDER BY w.k", dir,
                       ", w.id", dir, " LIMIT ?, ?", NULL);
}

/* The stored rows of the scope a window or a dense read of q reads
 * (the whole server or one reseller, without ox=1), read once for both;
 * -1 when neither applies or the scope has no stored count. */
static apr_status_t scope_rows(long long *prows, oxt_db_t *db,
                               const oxt_mblist_query_t *q,
                               const mb_scope_t *sc, oxt_result_t *res,
                               apr_pool_t *p)
{
    int n = scope_narrowest(sc);
    apr_status_t rv;

    *prows = -1;
    if (q->ox || sc->nlimits > 1 || (n != SC_ALL && n != SC_RESELLER)) {
        return APR_SUCCESS;
    }
    rv = oxt_db_select_int(prows, db, "SELECT n FROM dir_mailbox_count"
                           " WHERE scope = ? AND scope_id = ?", OXT_DB_ARGS(
                           OXT_DB_STR(scope_names[n]), OXT_DB_INT(sc->id[n])),
                           res, p);
    if (rv == APR_ENOENT) {
        *prows = -1;
        rv = APR_SUCCESS;
    }
    return rv;
}

/* A page's ids read (ids, into *pids), taken (*pdone) when they are the
 * whole page: lim of them, or fewer that whole says are all there are;
 * put in the page's order when they were read from its other end
 * (back). */
static void page_take(apr_array_header_t **pids, int *pdone,
                      apr_array_header_t *ids, long long lim, int whole,
                      int back)
{
    if (ids->nelts == lim || whole) {
        *pids = ids;
        *pdone = 1;
        if (back) {
            oxt_util_ids_reverse(ids);
        }
    }
}

/* The ids sql selects, into *pids, taken as page_take takes them. */
static apr_status_t page_read(apr_array_header_t **pids, int *pdone,
                              oxt_db_t *db, const char *sql,
                              const oxt_db_arg_t *args, int nargs,
                              long long lim, int whole, int back,
                              oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = oxt_db_select_ids(pids, db, sql, args, nargs, res, p);

    if (rv == APR_SUCCESS) {
        page_take(pids, pdone, *pids, lim, whole, back);
    }
    return rv;
}

/* A searched page [off, off + lim) of total matches in the whole server
 * or a reseller's part (rows: its stored rows, scope_rows), without
 * ox=1, from a window of the scope's sort index (oxt_dir_window_plan);
 * *pdone 0 when it has none or the window did not hold the page (the
 * matches are then joined and sorted). */
static apr_status_t page_window(apr_array_header_t **pids, int *pdone,
                                oxt_db_t *db, const oxt_mblist_query_t *q,
                                const mb_scope_t *sc, long long off,
                                long long lim, long long total,
                                long long rows, oxt_result_t *res,
                                apr_pool_t *p)
{
    oxt_dir_window_t w;
    const char *sql;
    mb_sql_t s;

    *pdone = 0;
    if (rows < 0
        || !oxt_dir_window_plan(&w, off, lim, total, rows,
                                strcmp(sort_of(q->sort)->key, "name") == 0)) {
        return APR_SUCCESS;
    }
    sql = window_sql(&s, sc, q, &w, lim, p);
    return page_read(pids, pdone, db, sql, s.args, s.nargs, lim,
                     w.rows >= rows, w.back, res, p);
}

/* The statement of page_dense: the reseller's sort index in the read
 * order, its entries matched to the search's terms one of two ways.
 * Near an end (the entries crossed, at the matches' density, at most a
 * third of the matches) each entry is looked up in the terms by its id
 * (a semi-join that MariaDB runs as a first match per entry on the
 * terms' primary key, in the index's order, stopping at the page's last
 * match: 0.3 ms for the first page of "u" in a reseller of 10,270; the
 * terms' reseller_id compared with the row's, not with the constant,
 * which made MariaDB read the reseller's every match first);
 * deeper, the reseller's matches are read once from its range of the
 * term index (as the count reads them) and each entry is looked up in
 * them (5 to 6 ms for the middle page, where the per-entry lookups took
 * 8 to 13). Either way the rows of the join, in its order. */
static const char *dense_sql(mb_sql_t *s, const mb_scope_t *sc,
                             const oxt_mblist_query_t *q, int back,
                             int near, long long off, long long lim,
                             apr_pool_t *p)
{
    const oxt_mbdir_sort_t *so = sort_of(q->sort);
    const char *dir = back ? " DESC" : " ASC";
    long long rid = sc->id[SC_RESELLER];

    memset(s, 0, sizeof(*s));
    if (!near) {
        sql_arg(s, OXT_DB_STR(oxt_dir_like_prefix(q->q, p)));
        sql_arg(s, OXT_DB_INT(rid));
    }
    sql_arg(s, OXT_DB_INT(rid));
    if (near) {
        sql_arg(s, OXT_DB_STR(oxt_dir_like_prefix(q->q, p)));
    }
    sql_arg(s, OXT_DB_INT(off));
    sql_arg(s, OXT_DB_INT(lim));
    return apr_pstrcat(p, "SELECT b.id FROM dir_mailbox b FORCE INDEX (r_",
                       so->index, ")", near ? "" : " STRAIGHT_JOIN (SELECT"
                       " DISTINCT t.id FROM dir_mailbox_term t WHERE t.term"
                       " LIKE ? ESCAPE '!' AND t.reseller_id = ?) m ON m.id ="
                       " b.id", " WHERE b.reseller_id = ?", near ? " AND b.id"
                       " IN (SELECT t.id FROM dir_mailbox_term t WHERE t.term"
                       " LIKE ? ESCAPE '!' AND t.reseller_id ="
                       " b.reseller_id)" : "", " ORDER BY b.", so->col,
                       dir, ", b.id", dir, " LIMIT ?, ?", NULL);
}

/* "SELECT b.id FROM dir_mailbox b FORCE INDEX (r_<sort>) WHERE the
 * reseller [AND at or after the point] [AND not a miss] ORDER BY ...
 * LIMIT ?, ?" and its arguments (*pargs, *pn: the misses' ids among
 * them, at most OXT_MBDIR_RDENSE_MISS_MAX when chosen): the reseller's
 * page without the search, its misses left out, read from the point pt
 * (ascending) or from an end. */
static const char *rd_sql(oxt_db_arg_t **pargs, int *pn,
                          const mb_scope_t *sc, const oxt_mblist_query_t *q,
                          int back, const mb_point_t *pt,
                          const apr_array_header_t *miss, long long skip,
                          long long lim, apr_pool_t *p)
{
    const oxt_mbdir_sort_t *so = sort_of(q->sort);
    const char *dir = back ? " DESC" : " ASC", *seek = "", *out = "";
    apr_array_header_t *marks = apr_array_make(p, miss->nelts + 1,
                                               sizeof(const char *));
    oxt_db_arg_t *a = apr_palloc(p, sizeof(*a)
                                 * (apr_size_t)(miss->nelts + 6));
    int i, n = 0;

    a[n++] = OXT_DB_INT(sc->id[SC_RESELLER]);
    if (pt != NULL) {
        seek = apr_pstrcat(p, " AND (b.", so->col, " > ? OR (b.", so->col,
                           " = ? AND b.id >= ?))", NULL);
        a[n++] = so->is_str ? OXT_DB_STR(pt->k_str) : OXT_DB_INT(pt->k_int);
        a[n++] = so->is_str ? OXT_DB_STR(pt->k_str) : OXT_DB_INT(pt->k_int);
        a[n++] = OXT_DB_INT(pt->id);
    }
    for (i = 0; i < miss->nelts; i++) {
        APR_ARRAY_PUSH(marks, const char *) = "?";
        a[n++] = OXT_DB_INT(APR_ARRAY_IDX(miss, i, long long));
    }
    if (miss->nelts > 0) {
        out = apr_pstrcat(p, " AND b.id NOT IN (", apr_array_pstrcat(p,
                          marks, ','), ")", NULL);
    }
    a[n++] = OXT_DB_INT(skip);
    a[n++] = OXT_DB_INT(lim);
    *pargs = a;
    *pn = n;
    return apr_pstrcat(p, "SELECT b.id FROM dir_mailbox b FORCE INDEX (r_",
                       so->index, ") WHERE b.reseller_id = ?", seek, out,
                       " ORDER BY b.", so->col, dir, ", b.id", dir,
                       " LIMIT ?, ?", NULL);
}

/* Where page_rdense reads the page [at, at + lim) (ascending) of total
 * from: *pback 1 from the end (the rows after it fewer than
 * OXT_MBDIR_PAGE_EVERY), else from the start (the rows before it as
 * few) or from the nearest point *ppt of the reseller's page index;
 * *pback -1 when there is none (dropped by a refresh until its
 * rebuild). */
static apr_status_t rd_start(mb_point_t **ppt, int *pback, oxt_db_t *db,
                             const oxt_mblist_query_t *q,
                             const mb_scope_t *sc, long long at,
                             long long lim, long long total,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_mblist_query_t plain = *q;
    apr_status_t rv;

    *ppt = NULL;
    *pback = at >= OXT_MBDIR_PAGE_EVERY
             && total - at - lim < OXT_MBDIR_PAGE_EVERY;
    if (at < OXT_MBDIR_PAGE_EVERY || *pback) {
        return APR_SUCCESS;
    }
    plain.q = NULL;
    rv = point_find(ppt, db, sc, &plain, at, res, p);
    *pback = rv == APR_SUCCESS && *ppt == NULL ? -1 : 0;
    return rv;
}

/* A searched page [off, off + lim) of total matches in one reseller's
 * part, without ox=1, of a dense search of the reseller (dir_mailbox_rdense:
 * its matches are its rows but at most OXT_MBDIR_RDENSE_MISS_MAX when
 * chosen, 0 for "u", 10 for "dom" in the bench's data, and those misses
 * are stored): the reseller's page without the search with the misses
 * left out, so no match is read but the page's. Near an end it is read
 * from that end (at most OXT_MBDIR_PAGE_EVERY entries skipped); else
 * ascending from the nearest point of the reseller's page index, the
 * matches before the point being its position less the misses before
 * its key (read with the misses). Nothing is read again: the page's
 * statements and its count run in one snapshot (oxt_mblist_each's
 * precondition), in which every batch's misses, counts and points are
 * exact together (each batch one transaction). *pdone 0 when it does not
 * apply. */
static apr_status_t page_rdense(apr_array_header_t **pids, int *pdone,
                                oxt_db_t *db, const oxt_mblist_query_t *q,
                                const mb_scope_t *sc, long long off,
                                long long lim, long long total,
                                oxt_result_t *res, apr_pool_t *p)
{
    long long at = q->desc ? total - off - lim : off, skip;
    apr_array_header_t *rows, *miss;
    mb_point_t *pt = NULL;
    oxt_db_arg_t *args;
    int back = 0, nargs = 0;
    const char *sql;
    mb_rd_t rd;
    apr_status_t rv = APR_SUCCESS;

    /* Chosen at OXT_MBDIR_RDENSE_MIN matches: a search with far fewer is
     * not one (the bench's "user1", 1,143 in the reseller, reads no
     * misses), or lost them since (then read as before). */
    *pdone = 0;
    if (q->ox || sc->nlimits != 1 || scope_narrowest(sc) != SC_RESELLER
        || lim <= 0
        || total < OXT_MBDIR_RDENSE_MIN - OXT_MBDIR_RDENSE_MISS_MAX) {
        return APR_SUCCESS;
    }
    rv = rd_start(&pt, &back, db, q, sc, at, lim, total, res, p);
    if (rv != APR_SUCCESS || back < 0) {
        return rv;
    }
    rv = rd_misses(&rows, db, q, sc->id[SC_RESELLER], pt, res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    miss = apr_array_make(p, rows->nelts, sizeof(long long));
    rd_sum(&rd, miss, rows);
    if (rd.misses > OXT_MBDIR_RDENSE_MISS_MAX) {
        return APR_SUCCESS;            /* too many to bind: as before */
    }
    skip = back ? total - at - lim : pt != NULL ? at - pt->pos + rd.before
                                               : at;
    if (rd.rows - rd.misses != total || skip < 0) {
        return APR_SUCCESS;            /* a count of another snapshot */
    }
    sql = rd_sql(&args, &nargs, sc, q, back, pt, miss, skip, lim, p);
    return page_read(pids, pdone, db, sql, args, nargs, lim, 0,
                     back != q->desc, res, p);
}

/* A searched page [off, off + lim) of total matches in one reseller's
 * part, without ox=1, when the matches fill at least half of its rows
 * and it is not a dense search stored for the reseller (page_rdense: a
 * prefix that finds fewer rows, or one chosen since the last refresh;
 * joined and sorted, "u"'s 10,270 matches in the bench's reseller took
 * 17 ms): the reseller's own sort index read from the page's nearer
 * end to the page's last match (dense_sql). From the nearer end the
 * page needs at most half of the matches plus its own, and the
 * non-matches crossed
 * are at most as many as the matches, so it reads at most about three
 * quarters of the reseller's index entries, and no sort. Exact: the
 * rows, in the order, that the join lists (the terms' reseller_id and
 * the row's, as the join and the count take them; rows: the reseller's
 * stored rows, scope_rows). *pdone 0 when it does not apply. */
static apr_status_t page_dense(apr_array_header_t **pids, int *pdone,
                               oxt_db_t *db, const oxt_mblist_query_t *q,
                               const mb_scope_t *sc, long long off,
                               long long lim, long long total,
                               long long rows, oxt_result_t *res,
                               apr_pool_t *p)
{
    long long cross;
    int back;
    const char *sql;
    mb_sql_t s;

    *pdone = 0;
    if (q->ox || sc->nlimits != 1 || scope_narrowest(sc) != SC_RESELLER
        || lim <= 0 || total <= 0 || rows < 0 || total * 2 < rows) {
        return APR_SUCCESS;
    }
    /* the ascending position, then from the nearer end */
    off = q->desc ? total - off - lim : off;
    back = off + lim / 2 > total / 2;
    off = back ? total - off - lim : off;
    cross = (off + lim) * rows / total;
    sql = dense_sql(&s, sc, q, back, cross * 3 <= total, off, lim, p);
    /* Fewer rows than the count says: a directory that disagrees with
     * itself (never in one snapshot of batches that keep it exact); it is
     * joined as before. */
    return page_read(pids, pdone, db, sql, s.args, s.nargs, lim, 0,
                     back != q->desc, res, p);
}

/* ---- a wide search's points (dir_mailbox_wide_page, migration 0140) ---- */

/* The segments of the wide search's prefix in a sort: the head (id 0:
 * the matches before the first point) first, then each point's (the
 * matches from its key to the next point's) in the order. The prefix is
 * the stored one the typed text finds as dir_mailbox_wide's count does:
 * the same length, equal in the collation, LIKE character by character. */
static const char wpt_sql[] =
    "SELECT id, k_int, k_str, n FROM dir_mailbox_wide_page WHERE"
    " sort_key = ? AND wn = CHAR_LENGTH(?) AND prefix = ? AND prefix LIKE ?"
    " ESCAPE '!' ORDER BY id = 0 DESC, %s, id";
/* A reseller's mid-density search's segments (dir_mailbox_rseg, migration
 * 0150), the same way: only those that hold a match are stored. */
static const char rseg_sql[] =
    "SELECT id, k_int, k_str, cnt FROM dir_mailbox_rseg WHERE reseller_id ="
    " ? AND sort_key = ? AND n = CHAR_LENGTH(?) AND prefix = ? AND prefix"
    " LIKE ? ESCAPE '!' ORDER BY id = 0 DESC, %s, id";

/* A point as a page reads it: the matches before its key (NULL row: the
 * order's start, none before it). */
typedef struct mb_wpt_t {
    long long n;
    const oxt_db_row_t *row;
} mb_wpt_t;

/* One walk of a page: from a point (none: the order's start), the
 * matches [skip, skip + take) at or after it. */
typedef struct mb_walk_t {
    const oxt_db_row_t *from;
    long long skip, take;
} mb_walk_t;

/* The typed text's own LIKE pattern without the '%' (oxt_mbdir_wide_count
 * finds its stored prefix the same way). */
static const char *wpt_exact(const char *q, apr_pool_t *p)
{
    char *exact = apr_pstrdup(p, oxt_dir_like_prefix(q, p));

    exact[strlen(exact) - 1] = '\0';
    return exact;
}

/* The points (mb_wpt_t) with the matches before each, summed from the
 * segments (the server's, rid 0, else the reseller rid's), *psum all of
 * them: the order's start first; empty when the prefix has none in this
 * sort (it is then read as before). */
static apr_status_t wpt_points(apr_array_header_t **ppts, long long *psum,
                               const oxt_mblist_query_t *q, long long rid,
                               oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
{
    const oxt_mbdir_sort_t *so = sort_of(q->sort);
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    mb_wpt_t *pt;
    long long n = 0;
    int i;
    apr_status_t rv;

    *ppts = apr_array_make(p, 1, sizeof(mb_wpt_t));
    *psum = 0;
    if (rid > 0) {
        rv = oxt_db_select(&rows, db, apr_psprintf(p, rseg_sql, so->is_str
                           ? "k_str" : "k_int"), OXT_DB_ARGS(OXT_DB_INT(rid),
                           OXT_DB_STR(so->key), OXT_DB_STR(q->q),
                           OXT_DB_STR(q->q), OXT_DB_STR(wpt_exact(q->q, p))),
                           res, p);
    }
    else {
        rv = oxt_db_select(&rows, db, apr_psprintf(p, wpt_sql, so->is_str
                           ? "k_str" : "k_int"), OXT_DB_ARGS(OXT_DB_STR(
                           so->key), OXT_DB_STR(q->q), OXT_DB_STR(q->q),
                           OXT_DB_STR(wpt_exact(q->q, p))), res, p);
    }
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    pt = apr_array_push(*ppts);
    pt->n = 0;
    pt->row = NULL;
    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        if (oxt_db_row_int(row, 0, 0) != 0) {
            pt = apr_array_push(*ppts);
            pt->n = n;
            pt->row = row;
        }
        n += oxt_db_row_int(row, 3, 0);
    }
    *psum = n;
    return rv;
}

/* The walks of the page [at, at + count): of points with the same count
 * (no match between them) only the last starts a walk, so a page whose
 * matches lie far apart in the order walks from the point before each
 * part instead of across the rows between. */
static void wpt_walks(apr_array_header_t *walks,
                      const apr_array_header_t *pts, long long at,
                      long long count)
{
    const mb_wpt_t *pt, *next;
    mb_walk_t *w;
    long long upto, lo, hi;
    int i;

    for (i = 0; i < pts->nelts; i++) {
        pt = &APR_ARRAY_IDX(pts, i, mb_wpt_t);
        next = i + 1 < pts->nelts ? &APR_ARRAY_IDX(pts, i + 1, mb_wpt_t)
                                  : NULL;
        if (next != NULL && next->n == pt->n) {
            continue;
        }
        upto = next != NULL ? next->n : at + count;
        lo = at > pt->n ? at : pt->n;
        hi = at + count < upto ? at + count : upto;
        if (hi > lo) {
            w = apr_array_push(walks);
            w->from = pt->row;
            w->skip = lo - pt->n;
            w->take = hi - lo;
        }
    }
}

/* One walk: the server's sort index (rid 0, else the reseller rid's)
 * from its point on, each entry checked against its mailbox's own terms
 * (a range of the terms' primary key, in a subquery MariaDB cannot make a
 * semi-join of, which would read every match of the prefix; a reseller's
 * with the terms' reseller_id the row's, as its join and count take
 * them), to its last match; appended to ids. */
static apr_status_t wpt_walk(apr_array_header_t *ids,
                             const oxt_mblist_query_t *q, long long rid,
                             const mb_walk_t *w, oxt_db_t *db,
                             oxt_result_t *res, apr_pool_t *p)
{
    const oxt_mbdir_sort_t *so = sort_of(q->sort);
    apr_array_header_t *got;
    const char *seek = "";
    mb_sql_t s;
    int i;
    apr_status_t rv;

    memset(&s, 0, sizeof(s));
    if (rid > 0) {
        sql_arg(&s, OXT_DB_INT(rid));
    }
    if (w->from != NULL) {
        seek = apr_pstrcat(p, " AND (b.", so->col, " > ? OR (b.", so->col,
                           " = ? AND b.id >= ?))", NULL);
        for (i = 0; i < 2; i++) {
            sql_arg(&s, so->is_str ? OXT_DB_STR(w->from->vals[2])
                                   : OXT_DB_INT(oxt_db_row_int(w->from, 1,
                                                               0)));
        }
        sql_arg(&s, OXT_DB_INT(oxt_db_row_int(w->from, 0, 0)));
    }
    sql_arg(&s, OXT_DB_STR(oxt_dir_like_prefix(q->q, p)));
    sql_arg(&s, OXT_DB_INT(w->skip));
    sql_arg(&s, OXT_DB_INT(w->take));
    rv = oxt_db_select_ids(&got, db, apr_pstrcat(p, "SELECT b.id FROM"
                           " dir_mailbox b FORCE INDEX (", rid > 0 ? "r_"
                           : "a_", so->index, ") WHERE ", rid > 0
                           ? "b.reseller_id = ?" : "1 = 1", seek, " AND"
                           " (SELECT COUNT(*) FROM dir_mailbox_term t WHERE"
                           " t.id = b.id AND t.term LIKE ? ESCAPE '!'",
                           rid > 0 ? " AND t.reseller_id = b.reseller_id"
                           : "", ") > 0 ORDER BY b.", so->col, ", b.id LIMIT"
                           " ?, ?", NULL), s.args, s.nargs, res, p);
    for (i = 0; rv == APR_SUCCESS && i < got->nelts; i++) {
        APR_ARRAY_PUSH(ids, long long) = APR_ARRAY_IDX(got, i, long long);
    }
    return rv;
}

/* A page [off, off + lim) of a wide search of the whole server (no
 * filter, no ox=1) from its points, or of a reseller's mid-density search
 * (one reseller limit, no ox=1: dir_mailbox_rseg, migration 0150) from its
 * segments, which stand on the reseller's page index as the server's on
 * the server's; *pdone 0 when its prefix has none in this order (it is
 * then joined as before). A descending page is read as the ascending one
 * it mirrors. */
static apr_status_t page_wpoints(apr_array_header_t **pids, int *pdone,
                                 oxt_db_t *db, const oxt_mblist_query_t *q,
                                 const mb_scope_t *sc, long long off,
                                 long long lim, long long total,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *pts, *walks, *ids;
    long long at = q->desc ? total - off - lim : off, covered = 0, sum = 0;
    long long rid = 0;
    int i;
    apr_status_t rv;

    *pdone = 0;
    if (q->ox || lim <= 0 || !has_search(q)) {
        return APR_SUCCESS;
    }
    if (sc->nlimits == 1 && scope_narrowest(sc) == SC_RESELLER) {
        rid = sc->id[SC_RESELLER];         /* a mid-density one's: 0150 */
    }
    else if (sc->nlimits > 0) {
        return APR_SUCCESS;
    }
    rv = wpt_points(&pts, &sum, q, rid, db, res, p);
    /* A reseller's segments that do not sum to the count (the terms'):
     * read as before. */
    if (rv != APR_SUCCESS || pts->nelts == 0 || (rid > 0 && sum != total)) {
        return rv;
    }
    walks = apr_array_make(p, 2, sizeof(mb_walk_t));
    wpt_walks(walks, pts, at, lim);
    for (i = 0; i < walks->nelts; i++) {
        covered += APR_ARRAY_IDX(walks, i, mb_walk_t).take;
    }
    if (covered != lim) {
        return APR_SUCCESS;
    }
    ids = apr_array_make(p, (int)lim, sizeof(long long));
    for (i = 0; rv == APR_SUCCESS && i < walks->nelts; i++) {
        rv = wpt_walk(ids, q, rid, &APR_ARRAY_IDX(walks, i, mb_walk_t), db,
                      res, p);
    }
    /* Fewer rows than the count says: the points disagree with the rows
     * (never in one snapshot of batches that keep them exact), so it is
     * joined. */
    if (rv == APR_SUCCESS) {
        page_take(pids, pdone, ids, lim, 0, q->desc);
    }
    return rv;
}

/* A searched page without a join, if one of these reads holds it: a
 * reseller's stored dense search (its misses; no statement for a search
 * of fewer matches or another scope), a wide search's points or a
 * reseller's mid-density search's segments (as bounded as a window at
 * the ends, and they hold every page between), any other dense one of a
 * reseller, a window (the last two
 * on the scope's stored rows, read once). */
static apr_status_t page_searched(apr_array_header_t **pids, int *pdone,
                                  oxt_db_t *db, const oxt_mblist_query_t *q,
                                  const mb_scope_t *sc, long long off,
                                  long long lim, long long total,
                                  oxt_result_t *res, apr_pool_t *p)
{
    long long rows = -1;
    apr_status_t rv;

    rv = page_rdense(pids, pdone, db, q, sc, off, lim, total, res, p);
    if (rv == APR_SUCCESS && !*pdone && has_search(q)) {
        rv = page_wpoints(pids, pdone, db, q, sc, off, lim, total, res, p);
    }
    if (rv == APR_SUCCESS && !*pdone && has_search(q)) {
        rv = scope_rows(&rows, db, q, sc, res, p);
    }
    if (rv == APR_SUCCESS && !*pdone && has_search(q)) {
        rv = page_dense(pids, pdone, db, q, sc, off, lim, total, rows, res,
                        p);
    }
    if (rv == APR_SUCCESS && !*pdone && has_search(q)) {
        rv = page_window(pids, pdone, db, q, sc, off, lim, total, rows, res,
                         p);
    }
    return rv;
}

/* The number of rows of q: the page's (q->total), else counted. */
static apr_status_t known_total(long long *ptotal, const oxt_psa_t *psa,
                                oxt_db_t *db, const oxt_mblist_query_t *q,
                                oxt_result_t *res, apr_pool_t *p)
{
    *ptotal = q->total;
    return q->total > 0 || q->counted ? APR_SUCCESS
                        : oxt_mblist_count(ptotal, psa, db, q, NULL, res, p);
}

/* The ids of q's page in its order. A deep page of a long list starts
 * at the nearest point of the page index (ascending: a descending page
 * is read as the ascending one it mirrors, then turned); any other page
 * past the middle is read from the other end, so no page skips more
 * than half of a short list or OXT_MBDIR_PAGE_EVERY rows of a long one. */
static apr_status_t page_ids(apr_array_header_t **pids, const oxt_psa_t *psa,
                             oxt_db_t *db, const oxt_mblist_query_t *q,
                             oxt_result_t *res, apr_pool_t *p)
{
    long long total = 0, off = q->offset > 0 ? q->offset : 0, lim = q->limit;
    int back = 0;
    mb_point_t *at = NULL;
    const char *sql;
    mb_scope_t sc;
    mb_sql_t s;
    apr_status_t rv = APR_SUCCESS;

    *pids = apr_array_make(p, 1, sizeof(long long));
    scope_of(&sc, psa, q);
    if (sc.id[scope_narrowest(&sc)] < 0) {
        return APR_SUCCESS;
    }
    if (lim > 0 && (off > 0 || has_search(q))) {
        rv = known_total(&total, psa, db, q, res, p);
        if (off >= total) {
            return rv;                     /* past the end */
        }
        lim = off + lim > total ? total - off : lim;
        rv = page_searched(pids, &back, db, q, &sc, off, lim, total, res,
                           p);
        if (rv != APR_SUCCESS || back) {
            return rv;
        }
        /* ascending position of the page, and whether to read it so */
        back = q->desc || off + lim / 2 > total / 2;
    }
    if (rv == APR_SUCCESS && back) {
        rv = point_find(&at, db, &sc, q, q->desc ? total - off - lim : off,
                        res, p);
        back = at != NULL ? q->desc : off + lim / 2 > total / 2;
    }
    else if (rv == APR_SUCCESS && lim > 0) {
        rv = point_find(&at, db, &sc, q, off, res, p);
    }
    if (rv == APR_SUCCESS && back) {
        off = total - off - lim;
    }
    if (rv == APR_SUCCESS) {
        sql = ids_sql(&s, &sc, q, at != NULL ? 0 : q->desc ^ back, at,
                      at != NULL ? off - at->pos : off, lim, p);
        rv = oxt_db_select_ids(pids, db, sql, s.args, s.nargs, res, p);
    }
    if (rv == APR_SUCCESS && (at != NULL ? q->desc : back)) {
        oxt_util_ids_reverse(*pids);
    }
    return rv;
}

static apr_status_t rows_chunk(apr_hash_t *out, const oxt_psa_t *psa,
                               oxt_db_t *db, const oxt_identity_t *ident,
                               const long long *ids, int n,
                               const oxt_settings_t *settings,
                               oxt_result_t *res, apr_pool_t *p);

/* The rows of ids[0 .. n) to cb in that order; ptemp cleared after. */
static apr_status_t each_chunk(const oxt_psa_t *psa, oxt_db_t *db,
                               const oxt_mblist_query_t *q,
                               const oxt_settings_t *settings,
                               const long long *ids, int n,
                               oxt_mblist_row_cb *cb, void *baton,
                               oxt_result_t *res, apr_pool_t *ptemp)
{
    const oxt_mblist_row_t *row;
    apr_hash_t *rows = apr_hash_make(ptemp);
    int i;
    apr_status_t rv;

    rv = rows_chunk(rows, psa, db, q->ident, ids, n, settings, res, ptemp);
    for (i = 0; rv == APR_SUCCESS && i < n; i++) {
        /* A row gone from the subtree since the ids were read is left
         * out. */
        row = oxt_util_id_get(rows, ids[i]);
        rv = row != NULL ? cb(baton, row, ptemp) : APR_SUCCESS;
    }
    apr_pool_clear(ptemp);
    return rv;
}

apr_status_t oxt_mblist_each(const oxt_psa_t *psa, oxt_db_t *db,
                             const oxt_mblist_query_t *q,
                             const oxt_settings_t *settings,
                             oxt_mblist_row_cb *cb, void *baton,
                             oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *ids;
    apr_pool_t *ptemp;
    int at, n;
    apr_status_t rv;

    rv = page_ids(&ids, psa, db, q, res, p);
    apr_pool_create(&ptemp, p);
    for (at = 0; rv == APR_SUCCESS && at < ids->nelts; at += n) {
        n = ids->nelts - at < ROWS_PER_QUERY ? ids->nelts - at
                                             : ROWS_PER_QUERY;
        rv = each_chunk(psa, db, q, settings,
                        (const long long *)ids->elts + at, n, cb, baton,
                        res, ptemp);
    }
    apr_pool_destroy(ptemp);
    return rv;
}

/* ---- given rows --------------------------------------------------------- */

static apr_status_t rows_chunk(apr_hash_t *out, const oxt_psa_t *psa,
                               oxt_db_t *db, const oxt_identity_t *ident,
                               const long long *ids, int n,
                               const oxt_settings_t *settings,
                               oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t *args = apr_palloc(p, sizeof(*args)
                                    * (apr_size_t)(n + MAX_ARGS));
    apr_array_header_t *marks = apr_array_make(p, n, sizeof(const char *));
    apr_array_header_t *rows;
    oxt_mblist_row_t *r;
    mb_sql_t s;
    int i;
    apr_status_t rv;

    sql_rows(&s, psa, ident, settings);
    memcpy(args, s.args, sizeof(*args) * (apr_size_t)s.nargs);
    for (i = 0; i < n; i++) {
        args[s.nargs + i] = OXT_DB_INT(ids[i]);
        APR_ARRAY_PUSH(marks, const char *) = "?";
    }
    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa, apr_pstrcat(p,
                       rows_from(psa), s.where, " AND m.id IN (",
                       apr_array_pstrcat(p, marks, ','), ")", NULL), p),
                       args, s.nargs + n, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        if (APR_ARRAY_IDX(rows, i, const oxt_db_row_t *)->ncols != NCOLS) {
            return OXT_ESCHEMA;
        }
        r = apr_palloc(p, sizeof(*r));
        row_from_db(r, APR_ARRAY_IDX(rows, i, const oxt_db_row_t *), p);
        oxt_util_id_set(out, r->id, r);
    }
    return rv;
}

apr_status_t oxt_mblist_rows_get(apr_hash_t **prows, const oxt_psa_t *psa,
                                 oxt_db_t *db, const oxt_identity_t *ident,
                                 const apr_array_header_t *ids,
                                 const oxt_settings_t *settings,
                                 oxt_result_t *res, apr_pool_t *p)
{
    const long long *v = (const long long *)ids->elts;
    int at, n;
    apr_status_t rv = APR_SUCCESS;

    *prows = apr_hash_make(p);
    for (at = 0; rv == APR_SUCCESS && at < ids->nelts; at += n) {
        n = ids->nelts - at < ROWS_PER_QUERY ? ids->nelts - at
                                             : ROWS_PER_QUERY;
        rv = rows_chunk(*prows, psa, db, ident, v + at, n, settings, res, p);
    }
    return rv;
}
