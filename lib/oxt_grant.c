/*
 * oxt_grant.c — see oxt_grant.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_grant.h"
#include "oxt_prefs.h"

int oxt_grant_possible(const oxt_psa_caps_t *caps, oxt_role_t role)
{
    switch (role) {
    case OXT_ROLE_ADMIN:
        return 1;
    case OXT_ROLE_RESELLER:
        return caps->has_client_type;
    case OXT_ROLE_CLIENT:
    case OXT_ROLE_DOMAIN:
        return caps->version < 10;
    default:
        return 0;
    }
}

static void granter_add(apr_array_header_t *list, oxt_role_t role,
                        long long id, const char *name)
{
    oxt_granter_t *g = apr_array_push(list);

    g->role = role;
    g->id = id;
    g->name = name;
}

/* Everybody above the identity, the admin first. A client's own reseller,
 * a domain's reseller and client; a level Plesk does not have is left
 * out (the chain has no id there). */
static apr_array_header_t *grant_granters(const oxt_identity_t *ident,
                                          apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 3, sizeof(oxt_granter_t));

    granter_add(list, OXT_ROLE_ADMIN, 0, NULL);
    if ((ident->role == OXT_ROLE_CLIENT || ident->role == OXT_ROLE_DOMAIN)
        && ident->reseller_id > 0) {
        granter_add(list, OXT_ROLE_RESELLER, ident->reseller_id,
                    ident->reseller_name);
    }
    if (ident->role == OXT_ROLE_DOMAIN && ident->client_id > 0) {
        granter_add(list, OXT_ROLE_CLIENT, ident->client_id,
                    ident->client_name);
    }
    return list;
}

/* The Access tick of the identity's own object. */
static apr_status_t grant_flag(int *pgranted, oxt_db_t *db,
                               const oxt_identity_t *ident,
                               oxt_result_t *res, apr_pool_t *p)
{
    oxt_prefs_chain_t chain;
    oxt_level_t level = ident->role == OXT_ROLE_RESELLER ? OXT_LEVEL_RESELLER
                      : ident->role == OXT_ROLE_CLIENT ? OXT_LEVEL_CLIENT
                      : OXT_LEVEL_DOMAIN;
    apr_status_t rv;

    rv = oxt_prefs_chain_load(&chain, db,
                              level == OXT_LEVEL_RESELLER ? ident->id : 0,
                              level == OXT_LEVEL_CLIENT ? ident->id : 0,
                              level == OXT_LEVEL_DOMAIN ? ident->id : 0, 0,
                              res, p);
    *pgranted = rv == APR_SUCCESS && chain.level[level].access == 1;
    return rv;
}

apr_status_t oxt_grant_check(oxt_grant_t **pgrant, const oxt_psa_caps_t *caps,
                             oxt_db_t *db, const oxt_identity_t *ident,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_grant_t *g = apr_pcalloc(p, sizeof(*g));
    apr_status_t rv = APR_SUCCESS;

    g->possible = oxt_grant_possible(caps, ident->role);
    g->granted = ident->role == OXT_ROLE_ADMIN;
    if (g->possible && !g->granted) {
        rv = grant_flag(&g->granted, db, ident, res, p);
    }
    g->granters = g->possible && !g->granted
        ? grant_granters(ident, p)
        : apr_array_make(p, 0, sizeof(oxt_granter_t));
    *pgrant = g;
    return rv;
}

/* ---- everybody with a grant (the replicator's buttons) ------------------ */

static const char sql_grantees9[] =
    "SELECT p.level, p.plesk_id, c.login FROM prefs p"
    " JOIN psa.clients c ON c.id = p.plesk_id"
    " WHERE p.access = 1 AND ((p.level = 'reseller' AND c.type = 'reseller')"
    " OR (p.level = 'client' AND c.type = 'client'))"
    " UNION ALL"
    " SELECT p.level, p.plesk_id, CONVERT(d.name USING utf8) FROM prefs p"
    " JOIN psa.domains d ON d.id = p.plesk_id"
    " WHERE p.access = 1 AND p.level = 'domain'"
    " ORDER BY 1, 2";

/* Plesk 8: every clients row is a client. */
static const char sql_grantees8[] =
    "SELECT p.level, p.plesk_id, c.login FROM prefs p"
    " JOIN psa.clients c ON c.id = p.plesk_id"
    " WHERE p.access = 1 AND p.level = 'client'"
    " UNION ALL"
    " SELECT p.level, p.plesk_id, CONVERT(d.name USING utf8) FROM prefs p"
    " JOIN psa.domains d ON d.id = p.plesk_id"
    " WHERE p.access = 1 AND p.level = 'domain'"
    " ORDER BY 1, 2";

typedef struct {
    const oxt_psa_caps_t *caps;
    apr_array_header_t *list;
} grantees_t;

static apr_status_t grantee_row(void *baton, const oxt_db_row_t *row,
                                apr_pool_t *ptemp)
{
    grantees_t *gl = baton;
    oxt_grantee_t *g;
    oxt_role_t role;

    (void)ptemp;
    if (oxt_role_parse(&role, row->vals[0]) != APR_SUCCESS
        || !oxt_grant_possible(gl->caps, role)) {
        return APR_SUCCESS;
    }
    g = apr_array_push(gl->list);
    g->role = role;
    g->id = strtoll(row->vals[1], NULL, 10);
    g->login = apr_pstrdup(gl->list->pool, row->vals[2]);
    return APR_SUCCESS;
}

apr_status_t oxt_grant_list(apr_array_header_t **pgrantees,
                            const oxt_psa_t *psa, oxt_db_t *db,
                            oxt_result_t *res, apr_pool_t *p)
{
    const oxt_psa_caps_t *caps = oxt_psa_caps(psa);
    grantees_t gl;

    gl.caps = caps;
    gl.list = apr_array_make(p, 16, sizeof(oxt_grantee_t));
    *pgrantees = gl.list;
    return oxt_db_each(db, oxt_psa_sql(psa, caps->has_client_type
                                       ? sql_grantees9 : sql_grantees8, p),
                       OXT_DB_NOARGS, grantee_row, &gl, res, p);
}
