/*
 * oxt_plesk.c — see oxt_plesk.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_plesk.h"
#include "oxt_status.h"
#include "oxt_util.h"

/* ---- SQL ---------------------------------------------------------------- */

/* Domain columns with the owner chain. Plesk 9+: the owner row c and, for
 * a client of a reseller, the reseller row o. Plesk 8 has neither types
 * nor parents: every owner is a client. */
static const char domain_cols9[] =
    "d.id, d.name, d.displayName, d.status,"
    " (ds.id IS NOT NULL AND ds.status = 0),"
    " c.id, c.login, c.type, c.status,"
    " COALESCE(o.id, 0), o.login, COALESCE(o.type, ''), COALESCE(o.status, 0),"
    " c.locale";
static const char domain_from9[] =
    " FROM psa.domains d JOIN psa.clients c ON c.id = d.cl_id"
    " LEFT JOIN psa.clients o ON o.id = c.parent_id"
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = d.id"
    "  AND ds.type = 'mail'";
static const char domain_cols8[] =
    "d.id, d.name, d.displayName, d.status,"
    " (ds.id IS NOT NULL AND ds.status = 0),"
    " c.id, c.login, 'client', c.status, 0, NULL, '', 0, c.locale";
static const char domain_from8[] =
    " FROM psa.domains d JOIN psa.clients c ON c.id = d.cl_id"
    " LEFT JOIN psa.DomainServices ds ON ds.dom_id = d.id"
    "  AND ds.type = 'mail'";
enum { DOMAIN_NCOLS = 14 };

static const char mailbox_cols[] =
    "m.id, m.mail_name, m.postbox, m.redirect, m.mbox_quota, a.type,"
    " a.password, ";
static const char mailbox_from[] =
    " JOIN psa.mail m ON m.dom_id = d.id"
    " LEFT JOIN psa.accounts a ON a.id = m.account_id";
enum { MAILBOX_NCOLS = 7 };

/* The WHERE clause of a scope and how many times it binds the id. */
static const char *plesk_scope_where(int *nargs, const oxt_psa_t *psa,
                                     const oxt_plesk_scope_t *scope)
{
    *nargs = 1;
    switch (scope->role) {
    case OXT_ROLE_ADMIN:
        *nargs = 0;
        return " WHERE 1 = 1";
    case OXT_ROLE_RESELLER:
        if (!oxt_psa_caps(psa)->has_client_type) {
            *nargs = 0;
            return " WHERE 1 = 0";
        }
        *nargs = 2;
        return " WHERE (d.cl_id = ? OR c.parent_id = ?)";
    case OXT_ROLE_CLIENT:
        return " WHERE d.cl_id = ?";
    case OXT_ROLE_DOMAIN:
        return " WHERE d.id = ?";
    default:
        *nargs = 0;
        return " WHERE 1 = 0";
    }
}

static const char *plesk_sql(const oxt_psa_t *psa, int mailboxes,
                             const char *where, const char *order,
                             apr_pool_t *p)
{
    int v9 = oxt_psa_caps(psa)->has_client_type;

    return oxt_psa_sql(psa, apr_pstrcat(p, "SELECT ",
                       mailboxes ? mailbox_cols : "",
                       v9 ? domain_cols9 : domain_cols8,
                       v9 ? domain_from9 : domain_from8,
                       mailboxes ? mailbox_from : "", where, order, NULL), p);
}

/* ---- rows ---------------------------------------------------------------- */

/* Sorts the owner row c and its parent o into client and reseller. */
static void plesk_owner_from_row(oxt_plesk_owner_t *owner,
                                 const oxt_db_row_t *row, int at)
{
    const char *ctype = row->vals[at + 2], *otype = row->vals[at + 6];

    memset(owner, 0, sizeof(*owner));
    owner->locale = row->vals[at + 8];
    if (ctype != NULL && strcmp(ctype, "client") == 0) {
        owner->client_id = oxt_db_row_int(row, at, 0);
        owner->client_login = row->vals[at + 1];
        owner->client_status =
            (unsigned long long)oxt_db_row_int(row, at + 3, 0);
        if (otype != NULL && strcmp(otype, "reseller") == 0) {
            owner->reseller_id = oxt_db_row_int(row, at + 4, 0);
            owner->reseller_login = row->vals[at + 5];
            owner->reseller_status =
                (unsigned long long)oxt_db_row_int(row, at + 7, 0);
        }
    }
    else if (ctype != NULL && strcmp(ctype, "reseller") == 0) {
        owner->reseller_id = oxt_db_row_int(row, at, 0);
        owner->reseller_login = row->vals[at + 1];
        owner->reseller_status =
            (unsigned long long)oxt_db_row_int(row, at + 3, 0);
    }
}

static void plesk_domain_from_row(oxt_plesk_domain_t *dom,
                                  const oxt_db_row_t *row, int at)
{
    dom->id = oxt_db_row_int(row, at, 0);
    dom->name = row->vals[at + 1];
    dom->display_name = row->vals[at + 2] ? row->vals[at + 2]
                                          : row->vals[at + 1];
    dom->status = (unsigned long long)oxt_db_row_int(row, at + 3, 0);
    dom->mail_on = oxt_db_row_bool(row, at + 4);
    plesk_owner_from_row(&dom->owner, row, at + 5);
}

static void plesk_mailbox_from_row(oxt_plesk_mailbox_t *mbox,
                                   const oxt_db_row_t *row, apr_pool_t *p)
{
    mbox->id = oxt_db_row_int(row, 0, 0);
    mbox->mail_name = row->vals[1];
    mbox->postbox = oxt_db_row_bool(row, 2);
    mbox->redirect = oxt_db_row_bool(row, 3);
    mbox->quota_bytes = oxt_db_row_int(row, 4, -1);
    mbox->password_type = row->vals[5];
    mbox->password = row->vals[6];
    plesk_domain_from_row(&mbox->domain, row, MAILBOX_NCOLS);
    mbox->address = apr_pstrcat(p, mbox->mail_name, "@", mbox->domain.name,
                                NULL);
}

int oxt_plesk_domain_suspended(const oxt_plesk_domain_t *dom)
{
    return dom->status != 0 || dom->owner.client_status != 0
        || dom->owner.reseller_status != 0;
}

/* ---- listings ------------------------------------------------------------- */

typedef struct {
    oxt_plesk_domain_cb *dcb;
    oxt_plesk_mailbox_cb *mcb;
    void *baton;
} plesk_each_t;

static apr_status_t plesk_domain_row(void *baton, const oxt_db_row_t *row,
                                     apr_pool_t *ptemp)
{
    plesk_each_t *each = baton;
    oxt_plesk_domain_t dom;

    if (row->ncols != DOMAIN_NCOLS) {
        return OXT_ESCHEMA;
    }
    plesk_domain_from_row(&dom, row, 0);
    return each->dcb(each->baton, &dom, ptemp);
}

static apr_status_t plesk_mailbox_row(void *baton, const oxt_db_row_t *row,
                                      apr_pool_t *ptemp)
{
    plesk_each_t *each = baton;
    oxt_plesk_mailbox_t mbox;

    if (row->ncols != MAILBOX_NCOLS + DOMAIN_NCOLS) {
        return OXT_ESCHEMA;
    }
    plesk_mailbox_from_row(&mbox, row, ptemp);
    return each->mcb(each->baton, &mbox, ptemp);
}

static apr_status_t plesk_each(const oxt_psa_t *psa, oxt_db_t *db,
                               const oxt_plesk_scope_t *scope,
                               plesk_each_t *each, oxt_result_t *res,
                               apr_pool_t *p)
{
    oxt_db_arg_t args[2] = { OXT_DB_INT(scope->id), OXT_DB_INT(scope->id) };
    const char *where, *sql;
    int nargs, mailboxes = each->mcb != NULL;

    where = plesk_scope_where(&nargs, psa, scope);
    sql = plesk_sql(psa, mailboxes, where,
                    mailboxes ? " ORDER BY m.id" : " ORDER BY d.id", p);
    return oxt_db_each(db, sql, args, nargs,
                       mailboxes ? plesk_mailbox_row : plesk_domain_row,
                       each, res, p);
}

apr_status_t oxt_plesk_domains_each(const oxt_psa_t *psa, oxt_db_t *db,
                                    const oxt_plesk_scope_t *scope,
                                    oxt_plesk_domain_cb *cb, void *baton,
                                    oxt_result_t *res, apr_pool_t *p)
{
    plesk_each_t each = { cb, NULL, baton };

    return plesk_each(psa, db, scope, &each, res, p);
}

apr_status_t oxt_plesk_mailboxes_each(const oxt_psa_t *psa, oxt_db_t *db,
                                      const oxt_plesk_scope_t *scope,
                                      oxt_plesk_mailbox_cb *cb, void *baton,
                                      oxt_result_t *res, apr_pool_t *p)
{
    plesk_each_t each = { NULL, cb, baton };

    return plesk_each(psa, db, scope, &each, res, p);
}

apr_status_t oxt_plesk_mailbox_get(oxt_plesk_mailbox_t **pmbox,
                                   const oxt_psa_t *psa, oxt_db_t *db,
                                   long long mail_id, oxt_result_t *res,
                                   apr_pool_t *p)
{
    apr_array_header_t *rows;
    oxt_plesk_mailbox_t *mbox;
    const oxt_db_row_t *row;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, plesk_sql(psa, 1, " WHERE m.id = ?", "", p),
                       OXT_DB_ARGS(OXT_DB_INT(mail_id)), res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        return APR_ENOENT;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    if (row->ncols != MAILBOX_NCOLS + DOMAIN_NCOLS) {
        return OXT_ESCHEMA;
    }
    mbox = apr_pcalloc(p, sizeof(*mbox));
    plesk_mailbox_from_row(mbox, row, p);
    *pmbox = mbox;
    return APR_SUCCESS;
}

/* ---- the caller's subtree ------------------------------------------------ */

void oxt_plesk_scope_of(oxt_plesk_scope_t *scope,
                        const oxt_identity_t *ident)
{
    scope->role = ident ? ident->role : OXT_ROLE_NONE;
    scope->id = ident ? ident->id : 0;
}

/* The owner chain is sorted into client and reseller at load time
 * (plesk_owner_from_row), so a reseller's own domains and its clients'
 * both carry its id. */
int oxt_plesk_mailbox_in_scope(const oxt_plesk_mailbox_t *mbox,
                               const oxt_plesk_scope_t *scope)
{
    const oxt_plesk_owner_t *o = &mbox->domain.owner;

    switch (scope->role) {
    case OXT_ROLE_ADMIN:
        return 1;
    case OXT_ROLE_RESELLER:
        return scope->id > 0 && o->reseller_id == scope->id;
    case OXT_ROLE_CLIENT:
        return scope->id > 0 && o->client_id == scope->id;
    case OXT_ROLE_DOMAIN:
        return scope->id > 0 && mbox->domain.id == scope->id;
    default:
        return 0;
    }
}

apr_status_t oxt_plesk_mailbox_in_subtree(oxt_plesk_mailbox_t **pmbox,
                                          const oxt_psa_t *psa,
                                          oxt_db_t *db,
                                          const oxt_identity_t *ident,
                                          long long mail_id,
                                          oxt_result_t *res, apr_pool_t *p)
{
    oxt_plesk_mailbox_t *mbox = NULL;
    oxt_plesk_scope_t scope;
    apr_status_t rv;

    oxt_plesk_scope_of(&scope, ident);
    rv = mail_id > 0 ? oxt_plesk_mailbox_get(&mbox, psa, db, mail_id, res, p)
                     : APR_ENOENT;
    if (rv == APR_SUCCESS && !oxt_plesk_mailbox_in_scope(mbox, &scope)) {
        rv = APR_ENOENT;
    }
    if (pmbox != NULL) {
        *pmbox = rv == APR_SUCCESS ? mbox : NULL;
    }
    return rv;
}

#define MAILBOXES_PER_QUERY 500

/* " AND m.id IN (?, ?, ...)" for n ids. */
static const char *plesk_in_ids(int n, apr_pool_t *p)
{
    return apr_pstrcat(p, " AND m.id IN (", oxt_util_marks(n, p), ")", NULL);
}

static apr_status_t plesk_mailboxes_chunk(apr_hash_t *found,
                                          const oxt_psa_t *psa, oxt_db_t *db,
                                          const oxt_plesk_scope_t *scope,
                                          const long long *ids, int n,
                                          oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t *args = apr_palloc(p, sizeof(*args) * (apr_size_t)(n + 2));
    apr_array_header_t *rows;
    oxt_plesk_mailbox_t *mbox;
    const oxt_db_row_t *row;
    const char *where;
    int nargs, i;
    apr_status_t rv;

    where = plesk_scope_where(&nargs, psa, scope);
    for (i = 0; i < nargs; i++) {
        args[i] = OXT_DB_INT(scope->id);
    }
    for (i = 0; i < n; i++) {
        args[nargs + i] = OXT_DB_INT(ids[i]);
    }
    rv = oxt_db_select(&rows, db, plesk_sql(psa, 1, apr_pstrcat(p, where,
                       plesk_in_ids(n, p), NULL), "", p), args, nargs + n,
                       res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        if (row->ncols != MAILBOX_NCOLS + DOMAIN_NCOLS) {
            return OXT_ESCHEMA;
        }
        mbox = apr_pcalloc(p, sizeof(*mbox));
        plesk_mailbox_from_row(mbox, row, p);
        oxt_util_id_set(found, mbox->id, mbox);
    }
    return rv;
}

apr_status_t oxt_plesk_mailboxes_get(apr_hash_t **pfound,
                                     const oxt_psa_t *psa, oxt_db_t *db,
                                     const oxt_plesk_scope_t *scope,
                                     const apr_array_header_t *ids,
                                     oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *found = apr_hash_make(p);
    const long long *v = (const long long *)ids->elts;
    int at, n;
    apr_status_t rv = APR_SUCCESS;

    for (at = 0; rv == APR_SUCCESS && at < ids->nelts; at += n) {
        n = ids->nelts - at < MAILBOXES_PER_QUERY ? ids->nelts - at
                                                  : MAILBOXES_PER_QUERY;
        rv = plesk_mailboxes_chunk(found, psa, db, scope, v + at, n, res, p);
    }
    *pfound = found;
    return rv;
}

/* ---- aliases ---------------------------------------------------------------- */

static apr_status_t plesk_strings(apr_array_header_t **pout, oxt_db_t *db,
                                  const char *sql, long long id,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows, *out;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, sql, OXT_DB_ARGS(OXT_DB_INT(id)), res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    out = apr_array_make(p, rows->nelts, sizeof(const char *));
    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(out, const char *) =
            APR_ARRAY_IDX(rows, i, const oxt_db_row_t *)->vals[0];
    }
    *pout = out;
    return APR_SUCCESS;
}

apr_status_t oxt_plesk_mail_aliases(apr_array_header_t **paliases,
                                    const oxt_psa_t *psa, oxt_db_t *db,
                                    long long mail_id, oxt_result_t *res,
                                    apr_pool_t *p)
{
    return plesk_strings(paliases, db, oxt_psa_sql(psa,
                         "SELECT alias FROM psa.mail_aliases WHERE mn_id = ?"
                         " ORDER BY alias", p), mail_id, res, p);
}

apr_status_t oxt_plesk_domain_mailbox_aliases(apr_hash_t **paliases,
                                              const oxt_psa_t *psa,
                                              oxt_db_t *db, long long dom_id,
                                              oxt_result_t *res,
                                              apr_pool_t *p)
{
    apr_array_header_t *rows, *list;
    apr_hash_t *out = apr_hash_make(p);
    const oxt_db_row_t *row;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa,
             "SELECT a.mn_id, a.alias FROM psa.mail_aliases a"
             " JOIN psa.mail m ON m.id = a.mn_id WHERE m.dom_id = ?"
             " ORDER BY a.mn_id, a.alias", p),
             OXT_DB_ARGS(OXT_DB_INT(dom_id)), res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        list = oxt_util_id_get(out, oxt_db_row_int(row, 0, 0));
        if (list == NULL) {
            list = apr_array_make(p, 2, sizeof(const char *));
            oxt_util_id_set(out, oxt_db_row_int(row, 0, 0), list);
        }
        APR_ARRAY_PUSH(list, const char *) = row->vals[1];
    }
    *paliases = out;
    return rv;
}

static const char *dup_or_null(const char *s, apr_pool_t *p)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

oxt_plesk_mailbox_t *oxt_plesk_mailbox_copy(const oxt_plesk_mailbox_t *mbox,
                                            apr_pool_t *p)
{
    oxt_plesk_mailbox_t *m = apr_pmemdup(p, mbox, sizeof(*mbox));
    oxt_plesk_domain_t *d = &m->domain;

    m->mail_name = dup_or_null(mbox->mail_name, p);
    m->address = dup_or_null(mbox->address, p);
    m->password_type = dup_or_null(mbox->password_type, p);
    m->password = dup_or_null(mbox->password, p);
    d->name = dup_or_null(d->name, p);
    d->display_name = dup_or_null(d->display_name, p);
    d->owner.client_login = dup_or_null(d->owner.client_login, p);
    d->owner.reseller_login = dup_or_null(d->owner.reseller_login, p);
    d->owner.locale = dup_or_null(d->owner.locale, p);
    return m;
}

/* Only aliases with mail='true' receive mail, and a suspended one (any
 * status bit) none either (docs/reference/psa-schema.md §2.6). */
apr_status_t oxt_plesk_domain_mail_aliases(apr_array_header_t **pnames,
                                           const oxt_psa_t *psa,
                                           oxt_db_t *db, long long dom_id,
                                           oxt_result_t *res, apr_pool_t *p)
{
    return plesk_strings(pnames, db, oxt_psa_sql(psa,
                         "SELECT name FROM psa.domainaliases WHERE dom_id = ?"
                         " AND mail = 'true' AND status = 0 ORDER BY name", p),
                         dom_id, res, p);
}

/* ---- ids ----------------------------------------------------------------- */

/* A name goes to the one column of its form (oxt_util_is_ascii). */
apr_status_t oxt_plesk_domain_named(long long *pdom_id, const oxt_psa_t *psa,
                                    oxt_db_t *db, const char *name,
                                    oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_select_int(pdom_id, db, oxt_psa_sql(psa,
        oxt_util_is_ascii(name) ? "SELECT id FROM psa.domains WHERE name = ?"
                                : "SELECT id FROM psa.domains"
                                  " WHERE displayName = ?", p),
        OXT_DB_ARGS(OXT_DB_STR(name)), res, p);
}

apr_status_t oxt_plesk_mail_domain(long long *pdom_id, const oxt_psa_t *psa,
                                   oxt_db_t *db, long long mail_id,
                                   oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_select_int(pdom_id, db, oxt_psa_sql(psa,
                             "SELECT dom_id FROM psa.mail WHERE id = ?", p),
                             OXT_DB_ARGS(OXT_DB_INT(mail_id)), res, p);
}

apr_status_t oxt_plesk_owner_domain_ids(apr_array_header_t **pids,
                                        const oxt_psa_t *psa, oxt_db_t *db,
                                        oxt_role_t role, long long owner_id,
                                        oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[2] = { OXT_DB_INT(owner_id), OXT_DB_INT(owner_id) };

    if (role == OXT_ROLE_CLIENT) {
        return oxt_db_select_ids(pids, db, oxt_psa_sql(psa,
                                 "SELECT id FROM psa.domains WHERE cl_id = ?",
                                 p), args, 1, res, p);
    }
    if (role != OXT_ROLE_RESELLER || !oxt_psa_caps(psa)->has_client_type) {
        *pids = apr_array_make(p, 0, sizeof(long long));
        return APR_SUCCESS;
    }
    return oxt_db_select_ids(pids, db, oxt_psa_sql(psa,
                             "SELECT d.id FROM psa.domains d"
                             " JOIN psa.clients c ON c.id = d.cl_id"
                             " WHERE d.cl_id = ? OR c.parent_id = ?", p),
                             args, 2, res, p);
}

/* ---- a range of domains -------------------------------------------------- */

/* A range's domain row with its mail-enabled, active aliases (as
 * oxt_plesk_domain_mail_aliases: docs/reference/psa-schema.md §2.6) in
 * one column, through the dom_id key: a query of its own cost a
 * statement per page. GROUP_CONCAT is cut at group_concat_max_len
 * (1 MB on MariaDB 10.2 and later, 1,024 bytes on MySQL), so the names'
 * length comes first: a reader can tell a cut list (and read the range's
 * aliases again, oxt_plesk_range_domain_aliases). A list longer than
 * max_allowed_packet is NULL, not cut (a warning only): the length alone
 * then, which reads as a cut list, never as a domain without aliases. */
static const char range_aliases_col[] =
    ", (SELECT COALESCE(CONCAT(SUM(LENGTH(a.name) + 1), ' ',"
    " GROUP_CONCAT(a.name ORDER BY a.name SEPARATOR ' ')),"
    " CONCAT(SUM(LENGTH(a.name) + 1), ' ')) FROM psa.domainaliases a"
    " WHERE a.dom_id = d.id AND a.mail = 'true' AND a.status = 0)";

apr_status_t oxt_plesk_range_domain_from_row(oxt_plesk_domain_t *dom,
                                             const char **paliases,
                                             int *pcomplete,
                                             const oxt_db_row_t *row)
{
    const char *text = row->ncols == DOMAIN_NCOLS + 1
                     ? row->vals[DOMAIN_NCOLS] : NULL;
    char *end = NULL;
    long long n = text ? strtoll(text, &end, 10) : 0;

    if (row->ncols != DOMAIN_NCOLS + 1
        || (text != NULL && (end == text || *end != ' '))) {
        return OXT_ESCHEMA;
    }
    plesk_domain_from_row(dom, row, 0);
    *paliases = text ? end + 1 : NULL;
    /* n is the names' length plus one each: the list's length plus one */
    *pcomplete = text == NULL || (long long)strlen(end + 1) == n - 1;
    return APR_SUCCESS;
}

/* The range's and the list's domain query up to its WHERE, the
 * condition on d.id (and the order, the limit) to follow. STRAIGHT_JOIN:
 * with ORDER BY and LIMIT, MariaDB would rather read every client, join
 * their domains and sort them all, for each page. */
static const char *range_domains_head(const oxt_psa_t *psa, apr_pool_t *p)
{
    int v9 = oxt_psa_caps(psa)->has_client_type;

    return apr_pstrcat(p, "SELECT STRAIGHT_JOIN ",
                       v9 ? domain_cols9 : domain_cols8, range_aliases_col,
                       v9 ? domain_from9 : domain_from8, " WHERE ", NULL);
}

apr_status_t oxt_plesk_range_domains(const oxt_psa_t *psa, oxt_db_t *db,
                                     long long after, int limit,
                                     oxt_db_row_cb *cb, void *baton,
                                     oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_each(db, oxt_psa_sql(psa, apr_pstrcat(p,
                       range_domains_head(psa, p), "d.id > ? ORDER BY d.id"
                       " LIMIT ?", NULL), p),
                       OXT_DB_ARGS(OXT_DB_INT(after), OXT_DB_INT(limit)),
                       cb, baton, res, p);
}

/* The rows of psa's statement head, sel's condition on col, tail, to cb:
 * the one shape of every query of the domains sel chooses. */
static apr_status_t idsel_each(const oxt_psa_t *psa, oxt_db_t *db,
                               const char *head, const oxt_db_idsel_t *sel,
                               const char *col, const char *tail,
                               oxt_db_row_cb *cb, void *baton,
                               oxt_result_t *res, apr_pool_t *p)
{
    int n;
    oxt_db_arg_t *args = oxt_db_idsel_bind(sel, 1, &n, p);

    return oxt_db_each(db, oxt_psa_sql(psa, apr_pstrcat(p, head,
                       oxt_db_idsel_cond(sel, col, p), tail, NULL), p), args,
                       n, cb, baton, res, p);
}

apr_status_t oxt_plesk_listed_domains(const oxt_psa_t *psa, oxt_db_t *db,
                                      const oxt_db_idsel_t *sel,
                                      oxt_db_row_cb *cb, void *baton,
                                      oxt_result_t *res, apr_pool_t *p)
{
    return idsel_each(psa, db, range_domains_head(psa, p), sel, "d.id",
                      " ORDER BY d.id", cb, baton, res, p);
}

/* One row per alias: a second query for the aliases would cost a
 * statement per page for what is one indexed lookup per mailbox. The
 * passwords only when asked: most pages of a server that replicates
 * little need none (oxt_plesk_range_passwords reads the few they do);
 * on one that replicates everything, the same lookup in accounts made
 * by this scan spares a second scan of the page's mail rows and a
 * statement. Only a mailbox's password is read (postbox), as there. */
enum { RANGE_MAILBOX_NCOLS = 7, RANGE_MAILBOX_PW_NCOLS = 9,
       RANGE_PASSWORD_NCOLS = 4 };

apr_status_t oxt_plesk_range_mailboxes(const oxt_psa_t *psa, oxt_db_t *db,
                                       const oxt_db_idsel_t *sel,
                                       int aliases, int passwords,
                                       oxt_db_row_cb *cb, void *baton,
                                       oxt_result_t *res, apr_pool_t *p)
{
    const char *head = apr_pstrcat(p,
        "SELECT m.id, m.dom_id, m.mail_name, m.postbox, m.redirect,"
        " m.mbox_quota, ", aliases ? "ma.alias" : "NULL",
        passwords ? ", a.type, a.password" : "", " FROM psa.mail m",
        aliases ? " LEFT JOIN psa.mail_aliases ma ON ma.mn_id = m.id" : "",
        passwords ? " LEFT JOIN psa.accounts a ON a.id = m.account_id"
                    " AND m.postbox = 'true'" : "", " WHERE ", NULL);

    return idsel_each(psa, db, head, sel, "m.dom_id", "", cb, baton, res,
                      p);
}

/* The order is that of the (mn_id, alias) key: the scan reads the index
 * only, and the caller's table is sorted as it comes. */
apr_status_t oxt_plesk_all_mail_aliases(const oxt_psa_t *psa, oxt_db_t *db,
                                        long long limit, oxt_db_row_cb *cb,
                                        void *baton, oxt_result_t *res,
                                        apr_pool_t *p)
{
    return oxt_db_each(db, oxt_psa_sql(psa,
        "SELECT mn_id, alias FROM psa.mail_aliases"
        " ORDER BY mn_id, alias LIMIT ?", p),
        OXT_DB_ARGS(OXT_DB_INT(limit)), cb, baton, res, p);
}

apr_status_t oxt_plesk_mail_alias_from_row(long long *pmail_id,
                                           const char **palias,
                                           const oxt_db_row_t *row)
{
    if (row->ncols != 2 || row->vals[0] == NULL || row->vals[1] == NULL) {
        return OXT_ESCHEMA;
    }
    *pmail_id = oxt_db_row_int(row, 0, 0);
    *palias = row->vals[1];
    return APR_SUCCESS;
}

apr_status_t oxt_plesk_range_mailbox_from_row(oxt_plesk_mailbox_t *mbox,
                                              long long *pdom_id,
                                              const char **palias,
                                              const oxt_db_row_t *row)
{
    if (row->ncols != RANGE_MAILBOX_NCOLS
        && row->ncols != RANGE_MAILBOX_PW_NCOLS) {
        return OXT_ESCHEMA;
    }
    if (row->ncols == RANGE_MAILBOX_PW_NCOLS) {
        mbox->password_type = row->vals[7];
        mbox->password = row->vals[8];
    }
    mbox->id = oxt_db_row_int(row, 0, 0);
    *pdom_id = oxt_db_row_int(row, 1, 0);
    mbox->mail_name = row->vals[2];
    mbox->postbox = oxt_db_row_bool(row, 3);
    mbox->redirect = oxt_db_row_bool(row, 4);
    mbox->quota_bytes = oxt_db_row_int(row, 5, -1);
    *palias = row->vals[6];
    return APR_SUCCESS;
}

/* Each row costs a lookup in accounts, the dearest part of a page: only
 * the domains whose mailboxes may go to OX ask for it. */
apr_status_t oxt_plesk_range_passwords(const oxt_psa_t *psa, oxt_db_t *db,
                                       const oxt_db_idsel_t *sel,
                                       oxt_db_row_cb *cb, void *baton,
                                       oxt_result_t *res, apr_pool_t *p)
{
    return idsel_each(psa, db, "SELECT m.id, m.dom_id, a.type, a.password"
                      " FROM psa.mail m JOIN psa.accounts a ON a.id ="
                      " m.account_id WHERE ", sel, "m.dom_id",
                      " AND m.postbox = 'true'", cb, baton, res, p);
}

apr_status_t oxt_plesk_range_password_from_row(long long *pmail_id,
                                               long long *pdom_id,
                                               const char **ptype,
                                               const char **ppassword,
                                               const oxt_db_row_t *row)
{
    if (row->ncols != RANGE_PASSWORD_NCOLS) {
        return OXT_ESCHEMA;
    }
    *pmail_id = oxt_db_row_int(row, 0, 0);
    *pdom_id = oxt_db_row_int(row, 1, 0);
    *ptype = row->vals[2];
    *ppassword = row->vals[3];
    return APR_SUCCESS;
}

/* As oxt_plesk_domain_mail_aliases (docs/reference/psa-schema.md §2.6). */
apr_status_t oxt_plesk_range_domain_aliases(const oxt_psa_t *psa,
                                            oxt_db_t *db,
                                            const oxt_db_idsel_t *sel,
                                            oxt_db_row_cb *cb, void *baton,
                                            oxt_result_t *res,
                                            apr_pool_t *p)
{
    return idsel_each(psa, db, "SELECT dom_id, name FROM psa.domainaliases"
                      " WHERE ", sel, "dom_id", " AND mail = 'true' AND"
                      " status = 0", cb, baton, res, p);
}

/* A domain's reseller is its owner when that is a reseller, else the
 * owner's parent (oxt_plesk_owner_t); Plesk 8 has none. */
const char *oxt_plesk_range_ids_sql(const oxt_psa_t *psa,
                                    oxt_plesk_range_ids_t which,
                                    const oxt_db_idsel_t *sel,
                                    apr_pool_t *p)
{
    const char *head = "SELECT d.cl_id FROM psa.domains d WHERE ",
               *col = "d.id", *tail = "";

    if (which == OXT_PLESK_RANGE_MAIL_IDS) {
        head = "SELECT m.id FROM psa.mail m WHERE ";
        col = "m.dom_id";
    }
    else if (which != OXT_PLESK_RANGE_CLIENT_IDS
             && oxt_psa_caps(psa)->has_client_type) {
        head = "SELECT IF(c.type = 'reseller', c.id, c.parent_id) FROM"
               " psa.domains d JOIN psa.clients c ON c.id = d.cl_id WHERE ";
    }
    else if (which != OXT_PLESK_RANGE_CLIENT_IDS) {
        tail = " AND 1 = 0";
    }
    return oxt_psa_sql(psa, apr_pstrcat(p, head, oxt_db_idsel_cond(sel, col,
                       p), tail, NULL), p);
}
