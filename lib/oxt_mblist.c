/*
 * oxt_mblist.c — see oxt_mblist.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_mblist.h"
#include "oxt_desired.h"
#include "oxt_dir.h"
#include "oxt_list.h"
#include "oxt_status.h"
#include "oxt_util.h"

/* Ids per query when reading given rows. */
#define ROWS_PER_QUERY 500
/* The most parameters one statement binds besides an id list. */
#define MAX_ARGS 12

/* ---- SQL ------------------------------------------------------------------ */

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

#define COLS(susp, cl, rs) \
    "SELECT m.id, CONCAT(m.mail_name, '@', d.name), d.id," \
    " (" MAILON " AND m.postbox = 'true'), " susp "," \
    " m.postbox, " SERVICE "," \
    " s.pending_service_type + 0 - 1," \
    " IF(" INOX ", s.applied_language, NULL)," \
    " IF(" INOX ", l.name, NULL)," \
    " IF(" INOX ", s.applied_timezone, NULL)," \
    " UNIX_TIMESTAMP(s.last_sync_at), " TICK \
    ", s.status = 'replicated', " REASON(susp) \
    ", " cl ", " rs
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
static const char count_sql[] =
    "SELECT COUNT(*)" FROM_BASE
    " LEFT JOIN mailbox_state s ON s.mail_id = m.id";

/* The joins a page's order needs beyond mail, domains and clients. */
#define J_DS    1u
#define J_S     2u
#define J_L     4u
#define J_O     8u
#define J_PREFS 16u

static const char *const join_sql9[] = {
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = d.id AND ds.type ="
    " 'mail'",
    " LEFT JOIN mailbox_state s ON s.mail_id = m.id",
    " LEFT JOIN ox_language l ON l.code = s.applied_language",
    " LEFT JOIN psa.clients o ON o.id = c.parent_id",
    " LEFT JOIN prefs pm ON pm.level = 'mailbox' AND pm.plesk_id = m.id"
    " LEFT JOIN prefs pd ON pd.level = 'domain' AND pd.plesk_id = d.id"
    " LEFT JOIN prefs pc ON pc.level = 'client' AND pc.plesk_id = " CL9
    " LEFT JOIN prefs pr ON pr.level = 'reseller' AND pr.plesk_id = " RS9,
};
static const char *const join_sql8[] = {
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = d.id AND ds.type ="
    " 'mail'",
    " LEFT JOIN mailbox_state s ON s.mail_id = m.id",
    " LEFT JOIN ox_language l ON l.code = s.applied_language",
    "",
    " LEFT JOIN prefs pm ON pm.level = 'mailbox' AND pm.plesk_id = m.id"
    " LEFT JOIN prefs pd ON pd.level = 'domain' AND pd.plesk_id = d.id"
    " LEFT JOIN prefs pc ON pc.level = 'client' AND pc.plesk_id = c.id"
    " LEFT JOIN prefs pr ON 1 = 0",
};

/* The sort keys: what they order by (the same expressions as the
 * columns, Plesk 9+ and 8) and the joins that takes. A page first reads
 * the ids of its rows in this order with these joins only, then the
 * rows themselves by id: the full join is made for 25 rows, not for
 * every mailbox of the server. */
static const struct {
    const char *key;
    const char *by9;
    const char *by8;
    unsigned joins;
} mblist_sorts[] = {
    { "name", "CONCAT(m.mail_name, '@', d.name)",
      "CONCAT(m.mail_name, '@', d.name)", 0 },
    { "mail", "(" MAILON " AND m.postbox = 'true')",
      "(" MAILON " AND m.postbox = 'true')", J_DS },
    { "service", SERVICE, SERVICE, J_S | J_O | J_PREFS },
    { "language", "IF(" INOX ", l.name, NULL)", "IF(" INOX ", l.name, NULL)",
      J_S | J_L },
    { "timezone", "IF(" INOX ", s.applied_timezone, NULL)",
      "IF(" INOX ", s.applied_timezone, NULL)", J_S },
    { "modified", "s.last_sync_at", "s.last_sync_at", J_S },
    { "ox_service", TICK, TICK, J_O | J_PREFS },
    { "reason", REASON(SUSP9), REASON(SUSP8), J_S | J_DS | J_O },
};
#define NSORTS ((int)(sizeof(mblist_sorts) / sizeof(mblist_sorts[0])))

/* The index of key in mblist_sorts, or -1. */
static int sort_find(const char *key)
{
    int i;

    for (i = 0; key != NULL && i < NSORTS; i++) {
        if (strcmp(mblist_sorts[i].key, key) == 0) {
            return i;
        }
    }
    return -1;
}

int oxt_mblist_sortable(const char *key)
{
    return sort_find(key) >= 0;
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

/* ---- the WHERE of a request ------------------------------------------------ */

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

static void sql_filters(mb_sql_t *s, const oxt_mblist_query_t *q,
                        apr_pool_t *p)
{
    if (q->reseller > 0) {
        s->where = apr_pstrcat(p, s->where, " AND (d.cl_id = ? OR"
                               " (c.type = 'client' AND c.parent_id = ?))",
                               NULL);
        sql_arg(s, OXT_DB_INT(q->reseller));
        sql_arg(s, OXT_DB_INT(q->reseller));
    }
    if (q->client > 0) {
        s->where = apr_pstrcat(p, s->where, " AND d.cl_id = ?", NULL);
        sql_arg(s, OXT_DB_INT(q->client));
    }
    if (q->domain > 0) {
        s->where = apr_pstrcat(p, s->where, " AND d.id = ?", NULL);
        sql_arg(s, OXT_DB_INT(q->domain));
    }
    if (q->ox) {
        s->where = apr_pstrcat(p, s->where, " AND s.status = 'replicated'",
                               NULL);
    }
    if (q->q != NULL && *q->q) {
        /* The address, or the domain's name as a person reads it. */
        s->where = apr_pstrcat(p, s->where, " AND (CONCAT(m.mail_name, '@',"
                               " d.name) LIKE ? ESCAPE '!' OR d.displayName"
                               " LIKE ? ESCAPE '!')", NULL);
        sql_arg(s, OXT_DB_STR(oxt_list_like(q->q, p)));
        sql_arg(s, OXT_DB_STR(oxt_list_like(q->q, p)));
    }
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

/* ---- reading ------------------------------------------------------------------ */

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

apr_status_t oxt_mblist_count(long long *ptotal, const oxt_psa_t *psa,
                              oxt_db_t *db, const oxt_mblist_query_t *q,
                              const oxt_settings_t *settings,
                              oxt_result_t *res, apr_pool_t *p)
{
    mb_sql_t s;

    (void)settings;
    memset(&s, 0, sizeof(s));
    sql_subtree(&s, psa, q->ident);
    sql_filters(&s, q, p);
    return oxt_db_select_int(ptotal, db, oxt_psa_sql(psa, apr_pstrcat(p,
                             count_sql, s.where, NULL), p), s.args, s.nargs,
                             res, p);
}

/* The FROM of the ids of a page: the joins its order and filters need. */
static const char *ids_from(const oxt_psa_t *psa, unsigned joins,
                            apr_pool_t *p)
{
    const char *const *sql = oxt_psa_caps(psa)->has_client_type ? join_sql9
                                                                : join_sql8;
    const char *out = FROM_BASE;
    int i;

    for (i = 0; i < 5; i++) {
        if (joins & (1u << i)) {
            out = apr_pstrcat(p, out, sql[i], NULL);
        }
    }
    return out;
}

/* "SELECT m.id FROM ... WHERE ... ORDER BY <sort> ASC, m.id ASC LIMIT ?,
 * ?": the order from the allow-list, its one parameter (the default
 * service type) bound after the WHERE's. */
static const char *ids_sql(mb_sql_t *s, const oxt_psa_t *psa,
                           const oxt_mblist_query_t *q,
                           const oxt_settings_t *settings, apr_pool_t *p)
{
    int i = sort_find(q->sort) >= 0 ? sort_find(q->sort) : 0;
    const char *dir = q->desc ? " DESC" : " ASC";
    const char *by = oxt_psa_caps(psa)->has_client_type
                     ? mblist_sorts[i].by9 : mblist_sorts[i].by8;
    const char *out;

    memset(s, 0, sizeof(*s));
    sql_subtree(s, psa, q->ident);
    sql_filters(s, q, p);
    out = apr_pstrcat(p, "SELECT m.id", ids_from(psa, mblist_sorts[i].joins
                      | (q->ox ? J_S : 0), p), s->where, " ORDER BY ", by,
                      dir, ", m.id", dir, NULL);
    if (strchr(by, '?') != NULL) {
        sql_arg(s, OXT_DB_INT((long long)settings->default_service + 1));
    }
    if (q->limit > 0) {
        sql_arg(s, OXT_DB_INT(q->offset > 0 ? q->offset : 0));
        sql_arg(s, OXT_DB_INT(q->limit));
        out = apr_pstrcat(p, out, " LIMIT ?, ?", NULL);
    }
    return oxt_psa_sql(psa, out, p);
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
    const char *sql;
    mb_sql_t s;
    int at, n;
    apr_status_t rv;

    sql = ids_sql(&s, psa, q, settings, p);
    rv = oxt_db_select_ids(&ids, db, sql, s.args, s.nargs, res, p);
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

/* ---- given rows ------------------------------------------------------------------ */

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
