/*
 * oxt_psa.h — reading Plesk's psa database (read only).
 *
 * Who is who: the admin, resellers and clients are rows of psa.clients
 * (Plesk 9+: with type and parent_id; Plesk 8: clients only, the admin's
 * password in a file), a domain administrator logs in with the domain's
 * name (dom_level_usrs in 8/9; in 10 the smb_users Panel user of that
 * name that belongs to the domain's owner and subscription). The schema
 * differs by version, so a probe at start decides which queries to use
 * (docs/reference/panel-login.md).
 *
 * Logins are matched byte for byte (never by MySQL's case- and
 * accent-insensitive collations), and every login, known or not, costs
 * the same work: the same queries and one crypt(3) computation.
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

/** How the caller proved who they are. */
typedef enum {
    OXT_AUTH_NONE = 0,
    OXT_AUTH_BASIC,          /* HTTP Basic: login and password */
    OXT_AUTH_SESSION         /* the Plesk session cookie */
} oxt_auth_via_t;

/**
 * A person signed in to the panel, as far as we are concerned. The same
 * person has the same identity whichever way they signed in, except for
 * via and session_binding.
 */
typedef struct oxt_identity_t {
    oxt_role_t role;
    long long id;            /* clients.id; domains.id for OXT_ROLE_DOMAIN;
                                0 for the Plesk 8 admin */
    const char *login;       /* canonical: as psa stores it (the ASCII
                                domain name for a domain administrator) */
    const char *name;        /* contact or domain display name */
    int suspended;           /* a status bit anywhere up the owner chain */
    /* The levels above, for "who can grant access" and per-level
     * preferences: the reseller and client of the chain (the account
     * itself at its own level), 0 / NULL where there is none. */
    long long reseller_id;
    const char *reseller_name;
    long long client_id;
    const char *client_name;
    oxt_auth_via_t via;
    /* Opaque secret of this sign-in (oxt_login_binding): a keyed hash of
     * the Plesk session id, or for Basic of the login and password. A
     * CSRF token is bound to it; it is never shown, logged or stored. */
    const char *session_binding;
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
 * The handle without the probe or the key, for a Plesk event handler:
 * the probe (one information_schema query) costs the server more than
 * the rest of an event together, and most events need neither.
 * oxt_psa_sql works at once; oxt_psa_caps says version 0 until
 * oxt_psa_probe. Lives in p.
 */
oxt_psa_t *oxt_psa_open_bare(const oxt_config_t *cfg, apr_pool_t *p);

/** Probes the schema now (as oxt_psa_open does), once per handle. */
apr_status_t oxt_psa_probe(oxt_psa_t *psa, oxt_db_t *db, oxt_result_t *res,
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

/** "basic", "session" (or "none"). */
const char *oxt_auth_via_name(oxt_auth_via_t via);

/**
 * Checks login and password against psa. APR_SUCCESS with *pident set
 * (via OXT_AUTH_BASIC, no binding yet; check ident->suspended: a
 * suspended account has the right password but must not be let in);
 * OXT_EAUTH for a login without the shape of one (oxt_login_check), an
 * unknown or locked login, or a wrong password: all after the same work.
 * Passwords are checked by their type: plain, sym, or crypt(3) with
 * $1$/$5$/$6$; a stored value of an unknown type never matches. The
 * identity lives in p.
 */
apr_status_t oxt_psa_authenticate(oxt_identity_t **pident,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  const char *login, const char *password,
                                  oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The identity of a login the panel has already checked (the login of a
 * Plesk session), mapped exactly as oxt_psa_authenticate maps it, without
 * a password. OXT_EAUTH when no panel account of ours has that login (a
 * mailbox user, a locked Panel user). via is left OXT_AUTH_NONE.
 */
apr_status_t oxt_psa_lookup(oxt_identity_t **pident, const oxt_psa_t *psa,
                            oxt_db_t *db, const char *login,
                            oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Mailboxes (mail rows with postbox 'true') in the identity's subtree. */
apr_status_t oxt_psa_mailbox_count(long long *pcount, const oxt_psa_t *psa,
                                   oxt_db_t *db, const oxt_identity_t *ident,
                                   oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * The server's main IP address as Plesk keeps it: the psa.IP_Addresses
 * row that psa.misc's def_ip_id names, else the first address Plesk
 * registered (the lowest id); APR_ENOENT with res when there is none
 * (docs/reference/licensing.md). The text lives in p.
 */
apr_status_t oxt_psa_main_ip(const char **pip, const oxt_psa_t *psa,
                             oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_PSA_H */
