/*
 * oxt_psa.h — reading Plesk's psa database (read only).
 *
 * Who is who: the admin, resellers and clients are rows of psa.clients
 * (Plesk 9+: with type and parent_id; Plesk 8: clients only, the admin's
 * password in a file), a domain administrator logs in with the domain's
 * name (dom_level_usrs in 8/9, smb_users in 10). The schema differs by
 * version, so a probe at start decides which queries to use
 * (docs/reference/psa-schema.md §4).
 */
#ifndef OXT_PSA_H
#define OXT_PSA_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_config.h"
#include "oxt_db.h"

typedef enum {
    OXT_ROLE_NONE = 0,
    OXT_ROLE_ADMIN,
    OXT_ROLE_RESELLER,
    OXT_ROLE_CLIENT,
    OXT_ROLE_DOMAIN
} oxt_role_t;

/** What the probe found in the psa schema. */
typedef struct oxt_psa_caps_t {
    int version;             /* 8, 9 or 10: the shape, not the exact release */
    int has_client_type;     /* clients.type and clients.parent_id (9+) */
    int has_webspace;        /* domains.webspace_id (10+) */
    int has_smb_users;       /* smb_users (10+) */
    int has_dom_level_usrs;  /* dom_level_usrs (8, 9) */
} oxt_psa_caps_t;

typedef struct oxt_psa_t oxt_psa_t;

/** A person logged in to the panel, as far as we are concerned. */
typedef struct oxt_identity_t {
    oxt_role_t role;
    long long id;            /* clients.id; domains.id for OXT_ROLE_DOMAIN */
    const char *login;
    const char *name;        /* contact or domain display name */
    int suspended;           /* own or owner's status is not 0 */
} oxt_identity_t;

/** "admin", "reseller", "client", "domain" (or "none"). */
const char *oxt_role_name(oxt_role_t role);

/** Parses a role name; APR_EINVAL for anything else. */
apr_status_t oxt_role_parse(oxt_role_t *prole, const char *name);

/**
 * Probes the schema of cfg->psa_database and loads Plesk's secret key when
 * it can be read (sym passwords need it; without it they fail to verify).
 * The handle lives in p and holds no connection: pass one to each call.
 */
apr_status_t oxt_psa_open(oxt_psa_t **ppsa, oxt_db_t *db,
                          const oxt_config_t *cfg, oxt_result_t *res,
                          apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * sql with every "psa." table prefix qualified by the configured psa
 * database name (a checked identifier). Result lives in p.
 */
const char *oxt_psa_sql(const oxt_psa_t *psa, const char *sql, apr_pool_t *p);

/** Plesk's secret key (16 bytes) for sym passwords; NULL if unreadable. */
const unsigned char *oxt_psa_plesk_key(const oxt_psa_t *psa);

/** The capabilities the probe found. */
const oxt_psa_caps_t *oxt_psa_caps(const oxt_psa_t *psa);

/**
 * Checks login and password against psa. APR_SUCCESS with *pident set
 * (check ident->suspended: a suspended account has the right password but
 * must not be let in); OXT_EAUTH for an unknown login or a wrong password.
 * The identity lives in p.
 */
apr_status_t oxt_psa_authenticate(oxt_identity_t **pident,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  const char *login, const char *password,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Mailboxes (mail rows with postbox 'true') in the identity's subtree. */
apr_status_t oxt_psa_mailbox_count(long long *pcount, const oxt_psa_t *psa,
                                   oxt_db_t *db, const oxt_identity_t *ident,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_PSA_H */
