/*
 * oxt_grant.h — who may use the module (the user guide's Access column).
 *
 * The admin always may. Everybody else needs access granted on their own
 * object: a reseller by the admin; a client by the admin or its reseller;
 * a domain administrator by the admin, its reseller or its client. The
 * grant is stored once per object (prefs.access of that reseller, client
 * or domain), so "granted by X" means: somebody above the object ticked
 * it. It stays granted when the one who ticked it loses access himself;
 * anybody above can take it back.
 *
 * Plesk's versions bound what can be granted: the reseller level exists
 * from Plesk 9.0.1 (the schema of 9), and from Plesk 10 on clients and
 * domain administrators are forbidden the module (their checkboxes are
 * disabled). Suspension is not a grant matter: the caller refuses a
 * suspended identity first.
 *
 * The pages (403 page, the Access checkboxes) and the replicator (which
 * keeps Plesk's custom buttons in line) decide through these functions.
 */
#ifndef OXT_GRANT_H
#define OXT_GRANT_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"

/**
 * Can access be granted to accounts of this role on this Plesk at all?
 * Admin: always (it needs no grant); reseller: Plesk 9+; client and
 * domain: below Plesk 10. The lists disable the checkbox where not.
 */
int oxt_grant_possible(const oxt_psa_caps_t *caps, oxt_role_t role);

/** Somebody who could grant access to an identity. */
typedef struct oxt_granter_t {
    oxt_role_t role;             /* admin, reseller or client */
    long long id;                /* clients.id; 0 for the admin */
    const char *name;            /* contact name; NULL for the admin */
} oxt_granter_t;

/** The decision for one identity. */
typedef struct oxt_grant_t {
    int granted;                 /* may use the module now */
    int possible;                /* oxt_grant_possible of its role */
    /* oxt_granter_t: who can grant it, the admin first; empty when
     * granted or not possible. */
    apr_array_header_t *granters;
} oxt_grant_t;

/**
 * Decides for ident (reads prefs in db, the oxtender database). The
 * result lives in p.
 */
apr_status_t oxt_grant_check(oxt_grant_t **pgrant, const oxt_psa_caps_t *caps,
                             oxt_db_t *db, const oxt_identity_t *ident,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** One account with access granted (oxt_grant_list). */
typedef struct oxt_grantee_t {
    oxt_role_t role;             /* reseller, client or domain */
    long long id;                /* clients.id, domains.id */
    const char *login;           /* its panel login (domain: ASCII name) */
} oxt_grantee_t;

/**
 * Every account whose grant is in effect on this Plesk (the admin is not
 * listed: it needs none), ordered by role and id: oxt_grantee_t in p.
 * The psa handle qualifies the psa tables.
 */
apr_status_t oxt_grant_list(apr_array_header_t **pgrantees,
                            const oxt_psa_t *psa, oxt_db_t *db,
                            oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_GRANT_H */
