/*
 * oxt_prefs.c — see oxt_prefs.h.
 */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_prefs.h"
#include "oxt_status.h"
#include "oxt_util.h"

static const char *const level_names[OXT_LEVEL_COUNT + 1] = {
    "reseller", "client", "domain", "mailbox", NULL
};

const char *oxt_level_name(oxt_level_t level)
{
    return (unsigned)level < OXT_LEVEL_COUNT ? level_names[level] : "";
}

void oxt_prefs_clear(oxt_prefs_t *prefs)
{
    memset(prefs, 0, sizeof(*prefs));
    prefs->forever = OXT_FOREVER_INHERIT;
    prefs->default_quota_mb = -1;
    prefs->max_quota_mb = -1;
    prefs->service = -1;
}

/* ---- loading -------------------------------------------------------------- */

static const char *const forever_names[] = { "inherit", "on", "off", NULL };

/* The columns prefs_from_row reads, in its order. */
#define PREFS_COLS \
    "SELECT level, plesk_id, access, webmail_forever, default_quota_mb," \
    " max_quota_mb, language, timezone, service_type, webmail_now_at" \
    " FROM prefs"
enum { PREFS_NCOLS = 10 };

static void prefs_from_row(oxt_prefs_t *prefs, const oxt_db_row_t *row)
{
    prefs->access = (int)oxt_db_row_int(row, 2, 0);
    prefs->forever = oxt_db_row_enum(row, 3, forever_names,
                                     OXT_FOREVER_INHERIT);
    prefs->default_quota_mb = (int)oxt_db_row_int(row, 4, -1);
    prefs->max_quota_mb = (int)oxt_db_row_int(row, 5, -1);
    prefs->language = row->vals[6];
    prefs->timezone = row->vals[7];
    prefs->service = oxt_db_row_enum(row, 8, oxt_service_codes(), -1);
    prefs->now = row->vals[9] != NULL;
}

apr_status_t oxt_prefs_chain_load(oxt_prefs_chain_t *chain, oxt_db_t *db,
                                  long long reseller_id, long long client_id,
                                  long long dom_id, long long mail_id,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i, level;
    apr_status_t rv;

    for (i = 0; i < OXT_LEVEL_COUNT; i++) {
        oxt_prefs_clear(&chain->level[i]);
    }
    rv = oxt_db_select(&rows, db,
        PREFS_COLS " WHERE (level = 'reseller' AND plesk_id = ?)"
        " OR (level = 'client' AND plesk_id = ?)"
        " OR (level = 'domain' AND plesk_id = ?)"
        " OR (level = 'mailbox' AND plesk_id = ?)",
        OXT_DB_ARGS(OXT_DB_INT(reseller_id), OXT_DB_INT(client_id),
                    OXT_DB_INT(dom_id), OXT_DB_INT(mail_id)), res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        level = oxt_db_row_enum(row, 0, level_names, -1);
        if (level >= 0 && oxt_db_row_int(row, 1, 0) > 0) {
            prefs_from_row(&chain->level[level], row);
        }
    }
    return rv;
}

apr_status_t oxt_prefs_mailboxes_load(apr_hash_t **pprefs, oxt_db_t *db,
                                      const char *sql_mail_ids,
                                      long long dom_id, oxt_result_t *res,
                                      apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_hash_t *out = apr_hash_make(p);
    const oxt_db_row_t *row;
    oxt_prefs_t *prefs;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, apr_pstrcat(p,
        PREFS_COLS " WHERE level = 'mailbox' AND plesk_id IN (",
        sql_mail_ids, ")", NULL), OXT_DB_ARGS(OXT_DB_INT(dom_id)), res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        prefs = apr_palloc(p, sizeof(*prefs));
        oxt_prefs_clear(prefs);
        prefs_from_row(prefs, row);
        oxt_util_id_set(out, oxt_db_row_int(row, 1, 0), prefs);
    }
    *pprefs = out;
    return rv;
}

/* "(level = 'x' AND plesk_id IN (?,...))" for the n ids of one level. */
static const char *prefs_level_in(const char *level, int n, apr_pool_t *p)
{
    apr_array_header_t *marks = apr_array_make(p, n, sizeof(const char *));
    int i;

    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(marks, const char *) = "?";
    }
    return apr_pstrcat(p, "(level = '", level, "' AND plesk_id IN (",
                       apr_array_pstrcat(p, marks, ','), "))", NULL);
}

/* The level's id of owner o. */
static long long prefs_owner_id(const oxt_prefs_owner_t *o, int level)
{
    switch (level) {
    case OXT_LEVEL_RESELLER: return o->reseller_id;
    case OXT_LEVEL_CLIENT:   return o->client_id;
    case OXT_LEVEL_DOMAIN:   return o->dom_id;
    default:                 return o->mail_id;
    }
}

/* Every level's prefs rows of the owners: hashes by level, id -> prefs. */
static apr_status_t prefs_levels_load(apr_hash_t **bylevel, oxt_db_t *db,
                                      const oxt_prefs_owner_t *owners, int n,
                                      oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t *args = apr_palloc(p, sizeof(*args) * (apr_size_t)n * 4);
    const char *where = NULL;
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    oxt_prefs_t *prefs;
    int i, level, nargs = 0;
    apr_status_t rv;

    for (level = 0; level < OXT_LEVEL_COUNT; level++) {
        bylevel[level] = apr_hash_make(p);
        where = apr_pstrcat(p, where ? where : "", where ? " OR " : "",
                            prefs_level_in(level_names[level], n, p), NULL);
        for (i = 0; i < n; i++) {
            args[nargs++] = OXT_DB_INT(prefs_owner_id(&owners[i], level));
        }
    }
    rv = oxt_db_select(&rows, db, apr_pstrcat(p, PREFS_COLS " WHERE ",
                                              where, NULL),
                       args, nargs, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        level = oxt_db_row_enum(row, 0, level_names, -1);
        if (level < 0) {
            continue;
        }
        prefs = apr_palloc(p, sizeof(*prefs));
        oxt_prefs_clear(prefs);
        prefs_from_row(prefs, row);
        oxt_util_id_set(bylevel[level], oxt_db_row_int(row, 1, 0), prefs);
    }
    return rv;
}

apr_status_t oxt_prefs_chains_load(apr_hash_t **pchains, oxt_db_t *db,
                                   const oxt_prefs_owner_t *owners, int n,
                                   oxt_result_t *res, apr_pool_t *p)
{
    apr_hash_t *bylevel[OXT_LEVEL_COUNT], *out = apr_hash_make(p);
    const oxt_prefs_t *found;
    oxt_prefs_chain_t *chain;
    int i, level;
    apr_status_t rv;

    *pchains = out;
    if (n <= 0 || n > OXT_PREFS_CHAINS_MAX) {
        return n == 0 ? APR_SUCCESS : APR_EINVAL;
    }
    rv = prefs_levels_load(bylevel, db, owners, n, res, p);
    for (i = 0; rv == APR_SUCCESS && i < n; i++) {
        chain = apr_palloc(p, sizeof(*chain));
        for (level = 0; level < OXT_LEVEL_COUNT; level++) {
            found = prefs_owner_id(&owners[i], level) > 0
                ? oxt_util_id_get(bylevel[level],
                                  prefs_owner_id(&owners[i], level))
                : NULL;
            if (found != NULL) {
                chain->level[level] = *found;
            }
            else {
                oxt_prefs_clear(&chain->level[level]);
            }
        }
        oxt_util_id_set(out, owners[i].mail_id, chain);
    }
    return rv;
}

apr_status_t oxt_prefs_range(oxt_db_t *db, const char *sql_mail_ids,
                             const char *sql_client_ids,
                             const char *sql_reseller_ids,
                             const oxt_db_idsel_t *sel, oxt_db_row_cb *cb,
                             void *baton, oxt_result_t *res, apr_pool_t *p)
{
    int n;
    /* the domains' own condition, then each subquery's */
    oxt_db_arg_t *args = oxt_db_idsel_bind(sel, 4, &n, p);

    return oxt_db_each(db, apr_pstrcat(p,
        PREFS_COLS " WHERE level = 'domain' AND ",
        oxt_db_idsel_cond(sel, "plesk_id", p),
        " UNION ALL " PREFS_COLS " WHERE level = 'mailbox' AND plesk_id IN (",
        sql_mail_ids, ") UNION ALL " PREFS_COLS " WHERE level = 'client'"
        " AND plesk_id IN (", sql_client_ids, ") UNION ALL " PREFS_COLS
        " WHERE level = 'reseller' AND plesk_id IN (", sql_reseller_ids, ")",
        NULL), args, n, cb, baton, res, p);
}

apr_status_t oxt_prefs_from_row(oxt_level_t *plevel, long long *pid,
                                oxt_prefs_t *prefs, const oxt_db_row_t *row)
{
    int level = oxt_db_row_enum(row, 0, level_names, -1);

    if (row->ncols != PREFS_NCOLS || level < 0) {
        return OXT_ESCHEMA;
    }
    *plevel = (oxt_level_t)level;
    *pid = oxt_db_row_int(row, 1, 0);
    oxt_prefs_clear(prefs);
    prefs_from_row(prefs, row);
    return APR_SUCCESS;
}

/* ---- inheritance ------------------------------------------------------------ */

int oxt_prefs_selected(const oxt_prefs_chain_t *chain)
{
    int i;

    for (i = OXT_LEVEL_MAILBOX; i >= OXT_LEVEL_RESELLER; i--) {
        if (chain->level[i].forever != OXT_FOREVER_INHERIT) {
            return chain->level[i].forever == OXT_FOREVER_ON;
        }
    }
    return 0;
}

int oxt_prefs_now_pending(const oxt_prefs_chain_t *chain)
{
    int i;

    for (i = OXT_LEVEL_RESELLER; i < OXT_LEVEL_MAILBOX; i++) {
        if (chain->level[i].now) {
            return 1;
        }
    }
    return 0;
}

oxt_service_t oxt_prefs_service(const oxt_prefs_chain_t *chain,
                                const oxt_settings_t *settings)
{
    int i;

    for (i = OXT_LEVEL_MAILBOX; i >= OXT_LEVEL_RESELLER; i--) {
        if (chain->level[i].service >= 0) {
            return (oxt_service_t)chain->level[i].service;
        }
    }
    return settings->default_service;
}

static const char *prefs_nearest_str(const oxt_prefs_chain_t *chain,
                                     size_t offset, const char *fallback)
{
    const char *v;
    int i;

    for (i = OXT_LEVEL_MAILBOX; i >= OXT_LEVEL_RESELLER; i--) {
        v = *(const char *const *)((const char *)&chain->level[i] + offset);
        if (v != NULL && *v) {
            return v;
        }
    }
    return fallback;
}

const char *oxt_prefs_language(const oxt_prefs_chain_t *chain,
                               const oxt_settings_t *settings)
{
    return prefs_nearest_str(chain, offsetof(oxt_prefs_t, language),
                             settings->default_language);
}

const char *oxt_prefs_timezone(const oxt_prefs_chain_t *chain,
                               const oxt_settings_t *settings)
{
    return prefs_nearest_str(chain, offsetof(oxt_prefs_t, timezone),
                             settings->default_timezone);
}

int oxt_prefs_domain_quota(const oxt_prefs_chain_t *chain,
                           const oxt_settings_t *settings)
{
    int quota = -1, cap = -1, i;

    for (i = OXT_LEVEL_DOMAIN; i >= OXT_LEVEL_RESELLER; i--) {
        const oxt_prefs_t *l = &chain->level[i];

        if (quota < 0 && l->default_quota_mb >= 0) {
            quota = l->default_quota_mb;
        }
        if (l->max_quota_mb >= 0 && (cap < 0 || l->max_quota_mb < cap)) {
            cap = l->max_quota_mb;
        }
    }
    if (quota < 0) {
        quota = settings->default_quota_mb;
    }
    return cap >= 0 && quota > cap ? cap : quota;
}
