/*
 * oxt_report.c — see oxt_report.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_report.h"
#include "oxt_list.h"

/* ---- the quick report ------------------------------------------------------ */

/* The columns every header query gives: name, reseller, client, total,
 * replicated, then one per service. */
#define HEAD_COUNTS \
    " COALESCE(x.mbox_total, 0), COALESCE(x.mbox_ox, 0)," \
    " COALESCE(x.ox_webmail, 0), COALESCE(x.ox_standard, 0)," \
    " COALESCE(x.ox_premium, 0)"

static const char sql_head_reseller[] =
    "SELECT c.pname, c.id, 0," HEAD_COUNTS
    " FROM psa.clients c LEFT JOIN dir_account x ON x.id = c.id"
    " WHERE c.id = ? AND c.type = 'reseller'";
static const char sql_head_client9[] =
    "SELECT c.pname, COALESCE(r.id, 0), c.id," HEAD_COUNTS
    " FROM psa.clients c LEFT JOIN psa.clients r ON r.id = c.parent_id"
    "  AND r.type = 'reseller'"
    " LEFT JOIN dir_account x ON x.id = c.id"
    " WHERE c.id = ? AND c.type = 'client'";
static const char sql_head_client8[] =
    "SELECT c.pname, 0, c.id," HEAD_COUNTS
    " FROM psa.clients c LEFT JOIN dir_account x ON x.id = c.id"
    " WHERE c.id = ?";
static const char sql_head_domain9[] =
    "SELECT pd.displayName,"
    " CASE c.type WHEN 'reseller' THEN c.id ELSE COALESCE(r.id, 0) END,"
    " IF(c.type = 'client', c.id, 0)," HEAD_COUNTS
    " FROM psa.domains pd JOIN psa.clients c ON c.id = pd.cl_id"
    " LEFT JOIN psa.clients r ON r.id = c.parent_id AND r.type = 'reseller'"
    "  AND c.type = 'client'"
    " LEFT JOIN dir_domain x ON x.id = pd.id"
    " WHERE pd.id = ?";
static const char sql_head_domain8[] =
    "SELECT pd.displayName, 0, pd.cl_id," HEAD_COUNTS
    " FROM psa.domains pd LEFT JOIN dir_domain x ON x.id = pd.id"
    " WHERE pd.id = ?";

static const char *head_sql(oxt_dir_kind_t kind, int v9)
{
    switch (kind) {
    case OXT_DIR_RESELLER:
        return v9 ? sql_head_reseller : NULL;
    case OXT_DIR_CLIENT:
        return v9 ? sql_head_client9 : sql_head_client8;
    case OXT_DIR_DOMAIN:
        return v9 ? sql_head_domain9 : sql_head_domain8;
    default:
        return NULL;
    }
}

static void head_from(oxt_report_t *rep, const oxt_db_row_t *row,
                      apr_pool_t *p)
{
    int i;

    rep->name = oxt_db_row_str(row, 0, p);
    rep->name = rep->name ? rep->name : "";
    rep->reseller_id = oxt_db_row_int(row, 1, 0);
    rep->client_id = oxt_db_row_int(row, 2, 0);
    rep->total = oxt_db_row_int(row, 3, 0);
    rep->ox = oxt_db_row_int(row, 4, 0);
    for (i = 0; i < OXT_REPORT_SERVICES; i++) {
        rep->by_service[i] = oxt_db_row_int(row, 5 + i, 0);
    }
}

apr_status_t oxt_report_get(oxt_report_t *rep, const oxt_psa_t *psa,
                            oxt_db_t *db, const oxt_identity_t *ident,
                            oxt_dir_kind_t kind, long long id,
                            oxt_result_t *res, apr_pool_t *p)
{
    const char *sql = head_sql(kind, oxt_psa_caps(psa)->has_client_type);
    apr_array_header_t *rows;
    apr_status_t rv;

    memset(rep, 0, sizeof(*rep));
    if (sql == NULL) {
        return APR_EINVAL;
    }
    rv = oxt_dir_in_subtree(psa, db, ident, kind, id, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa, sql, p),
                       OXT_DB_ARGS(OXT_DB_INT(id)), res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        return APR_ENOENT;
    }
    rep->kind = kind;
    rep->id = id;
    head_from(rep, APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *), p);
    return APR_SUCCESS;
}

/* ---- the tables ------------------------------------------------------------------ */

/* A table is one or two branches (a reseller's: its clients, then its own
 * domains). Every branch gives k (the kind: 1 client, 2 domain, 3
 * mailbox), id, name (shown), sk (the name it sorts by: the directory's
 * copy), susp, total, ox, w, s, pr.
 *
 * A branch over the directory sorts and cuts in the directory alone (the
 * inner SELECT: its scope on a per-scope index, the first offset + limit
 * rows of the page's order) and joins psa only for those rows, for what
 * is shown and for ownership now (a deferred join): a page never joins
 * the whole scope with psa. Its count and its search read the directory
 * alone too. So, as on the lists, a stale directory can make a count one
 * off or a page one row short until the next sync, and never shows a row
 * of somebody else's. A page of two branches orders and cuts the union of
 * their first offset + limit rows. A domain's mailboxes come from psa.mail
 * (one domain: a few hundred rows at most). */
typedef struct branch_t {
    const char *head;              /* SELECT <shown> FROM ( */
    const char *inner;             /* SELECT <directory> ... WHERE <scope>
                                      (binds the report's id) */
    const char *tail;              /* ) x JOIN psa ... (binds the id) */
    const char *count;             /* FROM ... WHERE <scope> (binds it) */
    const char *name;              /* the column search matches */
} branch_t;

#define DIR_INNER \
    "SELECT x.id AS id, x.name AS sk, x.mbox_total AS total," \
    " x.mbox_ox AS ox, x.ox_webmail AS w, x.ox_standard AS s," \
    " x.ox_premium AS pr"
#define DIR_SHOWN \
    " x.sk AS sk, x.total AS total, x.ox AS ox, x.w AS w, x.s AS s," \
    " x.pr AS pr"

static const branch_t branch_clients = {
    "SELECT 1 AS k, x.id AS id, c.pname AS name, c.status <> 0 AS susp,"
    DIR_SHOWN " FROM (",
    DIR_INNER ", 1 AS k FROM dir_account x"
    " WHERE x.kind = 'client' AND x.reseller_id = ?",
    ") x JOIN psa.clients c ON c.id = x.id AND c.type = 'client'"
    " AND c.parent_id = ?",
    " FROM dir_account x WHERE x.kind = 'client' AND x.reseller_id = ?",
    "x.name"
};

/* A reseller's own domains: client_id 0 in its scope, on 0085's rc_name
 * (the planner would take c_name, every domain no client owns, for the
 * order by name). */
static const branch_t branch_own_domains = {
    "SELECT 2 AS k, x.id AS id, pd.displayName AS name,"
    " pd.status <> 0 OR c.status <> 0 AS susp," DIR_SHOWN " FROM (",
    DIR_INNER ", 2 AS k FROM dir_domain x FORCE INDEX (rc_name)"
    " WHERE x.reseller_id = ? AND x.client_id = 0",
    ") x JOIN psa.domains pd ON pd.id = x.id AND pd.cl_id = ?"
    " JOIN psa.clients c ON c.id = pd.cl_id",
    " FROM dir_domain x FORCE INDEX (rc_name)"
    " WHERE x.reseller_id = ? AND x.client_id = 0",
    "x.name"
};

static const branch_t branch_client_domains = {
    "SELECT 2 AS k, x.id AS id, pd.displayName AS name,"
    " pd.status <> 0 OR c.status <> 0 AS susp," DIR_SHOWN " FROM (",
    DIR_INNER ", 2 AS k FROM dir_domain x WHERE x.client_id = ?",
    ") x JOIN psa.domains pd ON pd.id = x.id AND pd.cl_id = ?"
    " JOIN psa.clients c ON c.id = pd.cl_id",
    " FROM dir_domain x WHERE x.client_id = ?",
    "x.name"
};

/* A domain's mailboxes, each counted for the service it was replicated
 * with: psa's rows themselves (head is the whole SELECT, no inner). */
#define BOX_SERVICE "COALESCE(st.applied_service_type, st.service_type)"
#define BOX_FROM \
    " FROM psa.mail m JOIN psa.domains pd ON pd.id = m.dom_id" \
    "  AND pd.id = ?" \
    " LEFT JOIN mailbox_state st ON st.mail_id = m.id" \
    "  AND st.status = 'replicated'" \
    " WHERE m.dom_id = ? AND m.postbox = 'true'"
static const branch_t branch_mailboxes = {
    "SELECT 3 AS k, m.id AS id, CONCAT(m.mail_name, '@', pd.displayName)"
    " AS name, m.mail_name AS sk, 0 AS susp, 1 AS total,"
    " st.mail_id IS NOT NULL AS ox,"
    " COALESCE(" BOX_SERVICE " = 'webmail', 0) AS w,"
    " COALESCE(" BOX_SERVICE " = 'groupware_standard', 0) AS s,"
    " COALESCE(" BOX_SERVICE " = 'groupware_premium', 0) AS pr" BOX_FROM,
    NULL, NULL, BOX_FROM,
    "CONCAT(m.mail_name, '@', pd.displayName)"
};

/* The branches of a report: *pn of them. */
static const branch_t *const *branches(oxt_dir_kind_t kind, int *pn)
{
    static const branch_t *const reseller[] = { &branch_clients,
                                                &branch_own_domains };
    static const branch_t *const client[] = { &branch_client_domains };
    static const branch_t *const domain[] = { &branch_mailboxes };

    *pn = kind == OXT_DIR_RESELLER ? 2 : kind == OXT_DIR_CLIENT
        || kind == OXT_DIR_DOMAIN ? 1 : 0;
    return kind == OXT_DIR_RESELLER ? reseller
        : kind == OXT_DIR_CLIENT ? client : domain;
}

/* The sort keys and the column (of every branch) each one orders by. */
static const struct {
    const char *key;
    const char *col;
} report_sorts[] = {
    { "name", "sk" },
    { "type", "k" },
    { "total", "total" },
    { "webmail", "w" },
    { "groupware_standard", "s" },
    { "groupware_premium", "pr" },
};

#define NSORTS ((int)(sizeof(report_sorts) / sizeof(report_sorts[0])))

static const char *sort_col(const char *key)
{
    int i;

    for (i = 0; key != NULL && i < NSORTS; i++) {
        if (strcmp(report_sorts[i].key, key) == 0) {
            return report_sorts[i].col;
        }
    }
    return NULL;
}

int oxt_report_sortable(const char *key)
{
    return sort_col(key) != NULL;
}

/* What every statement of a query is built from. */
typedef struct report_sql_t {
    const branch_t *const *b;
    int nb;
    const char *like;              /* the bound pattern, or NULL */
    const char *col;               /* the sort column ("k": by type) */
    const char *dir;               /* " ASC" or " DESC" */
    oxt_db_arg_t args[16];
    int n;
} report_sql_t;

static void sql_init(report_sql_t *s, const oxt_report_query_t *q,
                     apr_pool_t *p)
{
    memset(s, 0, sizeof(*s));
    s->b = branches(q->kind, &s->nb);
    s->like = q->q != NULL && *q->q ? oxt_list_like(q->q, p) : NULL;
    s->col = sort_col(q->sort) ? sort_col(q->sort) : "sk";
    s->dir = q->desc ? " DESC" : " ASC";
}

/* " AND <name> LIKE ?" with its bind, or "" without a search. */
static const char *sql_like(report_sql_t *s, const branch_t *b,
                            apr_pool_t *p)
{
    if (s->like == NULL) {
        return "";
    }
    s->args[s->n++] = OXT_DB_STR(s->like);
    return apr_pstrcat(p, " AND ", b->name, " LIKE ? ESCAPE '!'", NULL);
}

/* The order of the rows (prefix "u." for the union's). */
static const char *sql_order(const report_sql_t *s, const char *u,
                             apr_pool_t *p)
{
    const char *d = s->dir;

    if (strcmp(s->col, "k") == 0) {
        return apr_pstrcat(p, " ORDER BY ", u, "k", d, ", ", u, "sk", d,
                           ", ", u, "id", d, NULL);
    }
    return apr_pstrcat(p, " ORDER BY ", u, s->col, d, ", ", u, "k", d, ", ",
                       u, "id", d, NULL);
}

/* One branch's rows: for a directory branch its first upto rows (all
 * when upto is 0) in the page's order, joined to psa; for the mailboxes
 * psa's rows with the search. Binds in the order of the marks. */
static const char *branch_sql(report_sql_t *s, const branch_t *b,
                              long long id, long long upto, apr_pool_t *p)
{
    const char *sql;

    if (b->inner == NULL) {
        s->args[s->n++] = OXT_DB_INT(id);
        s->args[s->n++] = OXT_DB_INT(id);
        return apr_pstrcat(p, b->head, sql_like(s, b, p), NULL);
    }
    s->args[s->n++] = OXT_DB_INT(id);
    sql = apr_pstrcat(p, b->head, b->inner, sql_like(s, b, p),
                      sql_order(s, "", p), upto > 0 ? " LIMIT ?" : "",
                      b->tail, NULL);
    if (upto > 0) {
        s->args[s->n++] = OXT_DB_INT(upto);
    }
    s->args[s->n++] = OXT_DB_INT(id);
    return sql;
}

/* The rows statement: the union of every branch's first offset + limit
 * rows, ordered and cut to the page. */
static const char *rows_sql(report_sql_t *s, const oxt_report_query_t *q,
                            apr_pool_t *p)
{
    const char *sql = "";
    long long offset = q->offset > 0 ? q->offset : 0;
    long long upto = q->limit > 0 ? offset + q->limit : 0;
    int i;

    for (i = 0; i < s->nb; i++) {
        sql = apr_pstrcat(p, sql, i ? " UNION ALL (" : "(",
                          branch_sql(s, s->b[i], q->id, upto, p), ")", NULL);
    }
    sql = apr_pstrcat(p, "SELECT u.k, u.id, u.name, u.sk, u.susp, u.total,"
                      " u.ox, u.w, u.s, u.pr FROM (", sql, ") u",
                      sql_order(s, "u.", p), q->limit > 0 ? " LIMIT ?, ?"
                      : "", NULL);
    if (q->limit > 0) {
        s->args[s->n++] = OXT_DB_INT(offset);
        s->args[s->n++] = OXT_DB_INT(q->limit);
    }
    return sql;
}

apr_status_t oxt_report_count(long long *ptotal, const oxt_psa_t *psa,
                              oxt_db_t *db, const oxt_report_query_t *q,
                              oxt_result_t *res, apr_pool_t *p)
{
    report_sql_t s;
    const char *sql = "SELECT 0";
    int i;

    *ptotal = 0;
    sql_init(&s, q, p);
    if (s.nb == 0) {
        return APR_EINVAL;
    }
    for (i = 0; i < s.nb; i++) {
        s.args[s.n++] = OXT_DB_INT(q->id);
        if (s.b[i]->inner == NULL) {
            s.args[s.n++] = OXT_DB_INT(q->id);
        }
        sql = apr_pstrcat(p, sql, " + (SELECT COUNT(*)", s.b[i]->count,
                          sql_like(&s, s.b[i], p), ")", NULL);
    }
    return oxt_db_select_int(ptotal, db, oxt_psa_sql(psa, sql, p), s.args,
                             s.n, res, p);
}

typedef struct each_t {
    oxt_report_row_cb *cb;
    void *baton;
} each_t;

static apr_status_t each_row(void *baton, const oxt_db_row_t *row,
                             apr_pool_t *ptemp)
{
    static const oxt_dir_kind_t kinds[] = {
        OXT_DIR_CLIENT, OXT_DIR_CLIENT, OXT_DIR_DOMAIN, OXT_DIR_MAILBOX
    };
    const each_t *e = baton;
    oxt_report_row_t r;
    long long k = oxt_db_row_int(row, 0, 0);
    int i;

    memset(&r, 0, sizeof(r));
    r.kind = kinds[k >= 1 && k <= 3 ? k : 0];
    r.id = oxt_db_row_int(row, 1, 0);
    r.name = oxt_db_row_str(row, 2, ptemp);
    r.name = r.name ? r.name : "";
    r.suspended = oxt_db_row_bool(row, 4);
    r.total = oxt_db_row_int(row, 5, 0);
    r.ox = oxt_db_row_int(row, 6, 0);
    for (i = 0; i < OXT_REPORT_SERVICES; i++) {
        r.by_service[i] = oxt_db_row_int(row, 7 + i, 0);
    }
    return e->cb(e->baton, &r, ptemp);
}

/* A copy of a row in p, kept for the reversed page. */
static apr_status_t keep_row(void *baton, const oxt_report_row_t *row,
                             apr_pool_t *ptemp)
{
    apr_array_header_t *kept = baton;
    oxt_report_row_t *r = &APR_ARRAY_PUSH(kept, oxt_report_row_t);

    (void)ptemp;
    *r = *row;
    r->name = apr_pstrdup(kept->pool, row->name);
    return APR_SUCCESS;
}

/* The rows of a page read in the other order: the page's rows from the
 * far end, handed to cb last first. */
static apr_status_t each_reversed(const oxt_psa_t *psa, oxt_db_t *db,
                                  const oxt_report_query_t *q,
                                  oxt_report_row_cb *cb, void *baton,
                                  oxt_result_t *res, apr_pool_t *p)
{
    oxt_report_query_t rq = *q;
    apr_array_header_t *kept = apr_array_make(p, (int)q->limit,
                                              sizeof(oxt_report_row_t));
    report_sql_t s;
    each_t e = { keep_row, kept };
    const char *sql;
    apr_status_t rv;
    int i;

    rq.desc = !q->desc;
    rq.offset = q->total - q->offset - q->limit;
    rq.limit = q->limit + (rq.offset < 0 ? rq.offset : 0);
    rq.offset = rq.offset < 0 ? 0 : rq.offset;
    sql_init(&s, &rq, p);
    sql = oxt_psa_sql(psa, rows_sql(&s, &rq, p), p);
    rv = oxt_db_each(db, sql, s.args, s.n, each_row, &e, res, p);
    for (i = kept->nelts - 1; rv == APR_SUCCESS && i >= 0; i--) {
        rv = cb(baton, &APR_ARRAY_IDX(kept, i, oxt_report_row_t), p);
    }
    return rv;
}

apr_status_t oxt_report_each(const oxt_psa_t *psa, oxt_db_t *db,
                             const oxt_report_query_t *q,
                             oxt_report_row_cb *cb, void *baton,
                             oxt_result_t *res, apr_pool_t *p)
{
    report_sql_t s;
    each_t e = { cb, baton };
    const char *sql;

    sql_init(&s, q, p);
    if (s.nb == 0) {
        return APR_EINVAL;
    }
    /* Past the middle, the page is the first rows of the other order: each
     * branch then takes far fewer than offset + limit rows. */
    if (q->limit > 0 && q->offset > q->total / 2 && q->offset < q->total) {
        return each_reversed(psa, db, q, cb, baton, res, p);
    }
    sql = rows_sql(&s, q, p);
    return oxt_db_each(db, oxt_psa_sql(psa, sql, p), s.args, s.n, each_row,
                       &e, res, p);
}

/* ---- words ---------------------------------------------------------------------- */

const char *oxt_report_kind_label(oxt_dir_kind_t kind)
{
    static const char *const labels[] = {
        "Reseller", "Client", "Domain", "Mailbox"
    };

    return (unsigned)kind < sizeof(labels) / sizeof(labels[0])
        ? labels[kind] : "";
}

const char *oxt_report_file_name(oxt_dir_kind_t kind, long long id,
                                 apr_pool_t *p)
{
    return apr_psprintf(p, "oxtender-service-report-%s-%" APR_INT64_T_FMT
                        ".csv", oxt_dir_kind_name(kind), (apr_int64_t)id);
}
