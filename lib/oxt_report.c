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

/* Every row query gives: k (the kind: 1 client, 2 domain, 3 mailbox),
 * id, name, suspended, total, replicated, webmail, standard, premium;
 * it binds the report's id twice (once for psa, once for the directory).
 * The outer query searches, sorts and pages the union. */
#define ROW_COUNTS \
    " x.mbox_total AS total, x.mbox_ox AS ox, x.ox_webmail AS w," \
    " x.ox_standard AS s, x.ox_premium AS pr"

/* A reseller: its clients, then the domains it owns itself. */
static const char sql_rows_reseller[] =
    "SELECT 1 AS k, x.id AS id, c.pname AS name, c.status <> 0 AS susp,"
    ROW_COUNTS
    " FROM dir_account x JOIN psa.clients c ON c.id = x.id"
    "  AND c.type = 'client' AND c.parent_id = ?"
    " WHERE x.kind = 'client' AND x.reseller_id = ?"
    " UNION ALL "
    "SELECT 2, x.id, pd.displayName, pd.status <> 0 OR c.status <> 0,"
    ROW_COUNTS
    " FROM dir_domain x JOIN psa.domains pd ON pd.id = x.id"
    "  AND pd.cl_id = ?"
    " JOIN psa.clients c ON c.id = pd.cl_id"
    " WHERE x.reseller_id = ? AND x.client_id = 0";

/* A client: its domains. */
static const char sql_rows_client[] =
    "SELECT 2 AS k, x.id AS id, pd.displayName AS name,"
    " pd.status <> 0 OR c.status <> 0 AS susp," ROW_COUNTS
    " FROM dir_domain x JOIN psa.domains pd ON pd.id = x.id"
    "  AND pd.cl_id = ?"
    " JOIN psa.clients c ON c.id = pd.cl_id"
    " WHERE x.client_id = ?";

/* A domain: its mailboxes, each counted for the service it was
 * replicated with. */
#define BOX_SERVICE "COALESCE(st.applied_service_type, st.service_type)"
static const char sql_rows_domain[] =
    "SELECT 3 AS k, m.id AS id, CONCAT(m.mail_name, '@', pd.displayName)"
    " AS name, 0 AS susp, 1 AS total, st.mail_id IS NOT NULL AS ox,"
    " COALESCE(" BOX_SERVICE " = 'webmail', 0) AS w,"
    " COALESCE(" BOX_SERVICE " = 'groupware_standard', 0) AS s,"
    " COALESCE(" BOX_SERVICE " = 'groupware_premium', 0) AS pr"
    " FROM psa.mail m JOIN psa.domains pd ON pd.id = m.dom_id"
    "  AND pd.id = ?"
    " LEFT JOIN mailbox_state st ON st.mail_id = m.id"
    "  AND st.status = 'replicated'"
    " WHERE m.dom_id = ? AND m.postbox = 'true'";

static const char *rows_sql(const oxt_report_query_t *q, int *pbinds)
{
    switch (q->kind) {
    case OXT_DIR_RESELLER:
        *pbinds = 4;
        return sql_rows_reseller;
    case OXT_DIR_CLIENT:
        *pbinds = 2;
        return sql_rows_client;
    case OXT_DIR_DOMAIN:
        *pbinds = 2;
        return sql_rows_domain;
    default:
        *pbinds = 0;
        return NULL;
    }
}

/* The sort keys and the column of the union each one orders by. */
static const struct {
    const char *key;
    const char *col;
} report_sorts[] = {
    { "name", "u.name" },
    { "type", "u.k" },
    { "total", "u.total" },
    { "webmail", "u.w" },
    { "groupware_standard", "u.s" },
    { "groupware_premium", "u.pr" },
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

/* The statement over the union: "SELECT <what> FROM (rows) u [WHERE
 * search]", then for the rows the order and the page; args get the
 * binds. Returns the number of args, 0 for a kind without rows. */
static int query_sql(const char **psql, oxt_db_arg_t *args,
                     const oxt_report_query_t *q, int rows,
                     const oxt_psa_t *psa, apr_pool_t *p)
{
    const char *col = sort_col(q->sort), *dir = q->desc ? " DESC" : " ASC";
    const char *inner, *sql;
    int binds, n = 0, i;

    inner = rows_sql(q, &binds);
    if (inner == NULL) {
        return 0;
    }
    for (i = 0; i < binds; i++) {
        args[n++] = OXT_DB_INT(q->id);
    }
    sql = apr_pstrcat(p, rows ? "SELECT u.k, u.id, u.name, u.susp, u.total,"
                      " u.ox, u.w, u.s, u.pr" : "SELECT COUNT(*)",
                      " FROM (", inner, ") u", NULL);
    if (q->q != NULL && *q->q) {
        sql = apr_pstrcat(p, sql, " WHERE u.name LIKE ? ESCAPE '!'", NULL);
        args[n++] = OXT_DB_STR(oxt_list_like(q->q, p));
    }
    if (rows) {
        sql = apr_pstrcat(p, sql, " ORDER BY ", col ? col : "u.name", dir,
                          ", u.name", dir, ", u.k", dir, ", u.id", dir,
                          NULL);
    }
    if (rows && q->limit > 0) {
        sql = apr_pstrcat(p, sql, " LIMIT ?, ?", NULL);
        args[n++] = OXT_DB_INT(q->offset > 0 ? q->offset : 0);
        args[n++] = OXT_DB_INT(q->limit);
    }
    *psql = oxt_psa_sql(psa, sql, p);
    return n;
}

apr_status_t oxt_report_count(long long *ptotal, const oxt_psa_t *psa,
                              oxt_db_t *db, const oxt_report_query_t *q,
                              oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[8];
    const char *sql;
    int n = query_sql(&sql, args, q, 0, psa, p);

    *ptotal = 0;
    if (n == 0) {
        return APR_EINVAL;
    }
    return oxt_db_select_int(ptotal, db, sql, args, n, res, p);
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
    r.suspended = oxt_db_row_bool(row, 3);
    r.total = oxt_db_row_int(row, 4, 0);
    r.ox = oxt_db_row_int(row, 5, 0);
    for (i = 0; i < OXT_REPORT_SERVICES; i++) {
        r.by_service[i] = oxt_db_row_int(row, 6 + i, 0);
    }
    return e->cb(e->baton, &r, ptemp);
}

apr_status_t oxt_report_each(const oxt_psa_t *psa, oxt_db_t *db,
                             const oxt_report_query_t *q,
                             oxt_report_row_cb *cb, void *baton,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[8];
    const char *sql;
    each_t e = { cb, baton };
    int n = query_sql(&sql, args, q, 1, psa, p);

    if (n == 0) {
        return APR_EINVAL;
    }
    return oxt_db_each(db, sql, args, n, each_row, &e, res, p);
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
