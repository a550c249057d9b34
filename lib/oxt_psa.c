/*
 * oxt_psa.c — see oxt_psa.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "oxt_psa.h"
#include "oxt_crypto.h"
#include "oxt_log.h"
#include "oxt_status.h"
#include "oxt_util.h"

struct oxt_psa_t {
    const char *db;                       /* psa database name, checked */
    oxt_psa_caps_t caps;
    const unsigned char *plesk_key;       /* NULL when not readable */
    const char *admin_password_file;      /* Plesk 8 admin */
};

static const char *const role_names[] = {
    "none", "admin", "reseller", "client", "domain"
};

const char *oxt_role_name(oxt_role_t role)
{
    if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0])) {
        return "none";
    }
    return role_names[role];
}

apr_status_t oxt_role_parse(oxt_role_t *prole, const char *name)
{
    int i;

    for (i = OXT_ROLE_ADMIN; i <= OXT_ROLE_DOMAIN; i++) {
        if (strcmp(role_names[i], name) == 0) {
            *prole = (oxt_role_t)i;
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}

const unsigned char *oxt_psa_plesk_key(const oxt_psa_t *psa)
{
    return psa->plesk_key;
}

const oxt_psa_caps_t *oxt_psa_caps(const oxt_psa_t *psa)
{
    return &psa->caps;
}

/* Table names are qualified with the configured database name, which
 * oxt_config_is_identifier has checked; values are always bound. */
const char *oxt_psa_sql(const oxt_psa_t *psa, const char *fmt, apr_pool_t *p)
{
    const char *out = "", *s = fmt, *hit;

    while ((hit = strstr(s, "psa.")) != NULL) {
        out = apr_pstrcat(p, out, apr_pstrmemdup(p, s, (apr_size_t)(hit - s)),
                          "`", psa->db, "`.", NULL);
        s = hit + 4;
    }
    return apr_pstrcat(p, out, s, NULL);
}

/* ---- schema probe ---------------------------------------------------------- */

typedef struct {
    oxt_psa_caps_t *caps;
    int has_clients;
} probe_t;

static apr_status_t probe_row(void *baton, const oxt_db_row_t *row,
                              apr_pool_t *ptemp)
{
    probe_t *pr = baton;
    const char *table = row->vals[0], *column = row->vals[1];

    if (strcmp(table, "clients") == 0) {
        pr->has_clients = 1;
        if (strcmp(column, "type") == 0) {
            pr->caps->has_client_type = 1;
        }
    }
    else if (strcmp(table, "domains") == 0) {
        pr->caps->has_webspace = 1;
    }
    else if (strcmp(table, "smb_users") == 0) {
        pr->caps->has_smb_users = 1;
    }
    else if (strcmp(table, "dom_level_usrs") == 0) {
        pr->caps->has_dom_level_usrs = 1;
    }
    return APR_SUCCESS;
}

static apr_status_t psa_probe(oxt_psa_t *psa, oxt_db_t *db,
                              oxt_result_t *res, apr_pool_t *p)
{
    probe_t pr = { &psa->caps, 0 };
    apr_status_t rv;

    rv = oxt_db_each(db,
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = ? AND ("
        "  (TABLE_NAME = 'clients' AND COLUMN_NAME IN ('id', 'type'))"
        "  OR (TABLE_NAME = 'domains' AND COLUMN_NAME = 'webspace_id')"
        "  OR (TABLE_NAME = 'smb_users' AND COLUMN_NAME = 'id')"
        "  OR (TABLE_NAME = 'dom_level_usrs' AND COLUMN_NAME = 'dom_id'))",
        OXT_DB_ARGS(OXT_DB_STR(psa->db)), probe_row, &pr, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!pr.has_clients) {
        return oxt_result_set(res, OXT_ESCHEMA, "Plesk database not found",
                              "database '%s' has no clients table", psa->db);
    }
    psa->caps.version = psa->caps.has_webspace ? 10
                      : psa->caps.has_client_type ? 9 : 8;
    return APR_SUCCESS;
}

apr_status_t oxt_psa_open(oxt_psa_t **ppsa, oxt_db_t *db,
                          const oxt_config_t *cfg, oxt_result_t *res,
                          apr_pool_t *p)
{
    oxt_psa_t *psa = apr_pcalloc(p, sizeof(*psa));
    oxt_result_t *keyres = oxt_result_make(p);
    apr_status_t rv;

    psa->db = cfg->psa_database;
    psa->admin_password_file = cfg->plesk_admin_password_file;
    rv = psa_probe(psa, db, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (cfg->plesk_secret_key_file != NULL
        && oxt_crypto_plesk_key_load(&psa->plesk_key,
                                     cfg->plesk_secret_key_file, keyres, p)
           != APR_SUCCESS) {
        /* Not fatal: only accounts with sym passwords need it. */
        psa->plesk_key = NULL;
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, keyres->status,
                       OXTLOGNO(00003) "Plesk secret key not loaded, sym"
                       " passwords cannot be verified: %s",
                       oxt_result_text(keyres, p));
    }
    *ppsa = psa;
    return APR_SUCCESS;
}

/* ---- authentication ------------------------------------------------------ */

/* Columns of every login query: id, login, name, own status, owner status,
 * role, password type, password. */
enum { COL_ID, COL_LOGIN, COL_NAME, COL_STATUS, COL_OWNER_STATUS, COL_ROLE,
       COL_PWTYPE, COL_PW, COL_COUNT };

static const char sql_login_client9[] =
    "SELECT c.id, c.login, c.pname, c.status, COALESCE(o.status, 0),"
    " c.type, a.type, a.password"
    " FROM psa.clients c"
    " LEFT JOIN psa.clients o ON o.id = c.parent_id AND o.type <> 'admin'"
    " LEFT JOIN psa.accounts a ON a.id = c.account_id"
    " WHERE c.login = ?";

static const char sql_login_client8[] =
    "SELECT c.id, c.login, c.pname, c.status, 0, 'client', a.type, a.password"
    " FROM psa.clients c LEFT JOIN psa.accounts a ON a.id = c.account_id"
    " WHERE c.login = ?";

/* A domain administrator whose access is switched off (state 'false')
 * cannot log in at all: the row is left out. */
static const char sql_login_domain_dlu[] =
    "SELECT d.id, d.name, d.displayName, d.status, c.status, 'domain',"
    " a.type, a.password"
    " FROM psa.domains d JOIN psa.dom_level_usrs u ON u.dom_id = d.id"
    " JOIN psa.clients c ON c.id = d.cl_id"
    " LEFT JOIN psa.accounts a ON a.id = u.account_id"
    " WHERE u.state = 'true' AND d.";

/* Plesk 10 keeps panel users in smb_users; their passwords are plain or,
 * from about 10.2, sym values recognised by their prefix. */
static const char sql_login_domain_smb[] =
    "SELECT d.id, d.name, d.displayName, d.status, c.status, 'domain',"
    " IF(u.password LIKE '$AES-128-CBC$%', 'sym', 'plain'), u.password"
    " FROM psa.domains d JOIN psa.smb_users u ON u.login = d.name"
    " JOIN psa.clients c ON c.id = d.cl_id"
    " WHERE d.";

static apr_status_t psa_identity_from_row(oxt_identity_t **pident,
                                          const oxt_db_row_t *row,
                                          apr_pool_t *p)
{
    oxt_identity_t *ident = apr_pcalloc(p, sizeof(*ident));
    const char *status = row->vals[COL_STATUS];
    const char *owner = row->vals[COL_OWNER_STATUS];

    if (oxt_role_parse(&ident->role, row->vals[COL_ROLE]) != APR_SUCCESS) {
        return OXT_EAUTH;
    }
    ident->id = strtoll(row->vals[COL_ID], NULL, 10);
    ident->login = row->vals[COL_LOGIN];
    ident->name = row->vals[COL_NAME] ? row->vals[COL_NAME] : "";
    /* Any status bit means suspended (ref/plesk.md §1.2), never just 16. */
    ident->suspended = (status && strcmp(status, "0") != 0)
                    || (owner && strcmp(owner, "0") != 0);
    *pident = ident;
    return APR_SUCCESS;
}

static apr_status_t psa_login_try(oxt_identity_t **pident,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  const char *sql, const char *login,
                                  const char *password, oxt_result_t *res,
                                  apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa, sql, p),
                       OXT_DB_ARGS(OXT_DB_STR(login)), res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* A name that matches twice is ambiguous: refuse rather than guess. */
    if (rows->nelts != 1) {
        return OXT_EAUTH;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    if (row->ncols != COL_COUNT) {
        return OXT_ESCHEMA;
    }
    rv = oxt_crypto_password_check(row->vals[COL_PWTYPE], row->vals[COL_PW],
                                   password, psa->plesk_key, p);
    if (rv != APR_SUCCESS) {
        return OXT_EAUTH;
    }
    return psa_identity_from_row(pident, row, p);
}

/* Plesk 8 has no admin row: the admin's password is in a root-only file
 * (/etc/psa/.psa.shadow). */
static apr_status_t psa_login_admin8(oxt_identity_t **pident,
                                     const oxt_psa_t *psa,
                                     const char *password, apr_pool_t *p)
{
    oxt_identity_t *ident;
    char *stored, *nl;
    apr_status_t rv;

    rv = oxt_util_file_read(&stored, NULL, psa->admin_password_file, 4096, p);
    if (rv != APR_SUCCESS) {
        return OXT_EAUTH;
    }
    nl = strchr(stored, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
    if (oxt_crypto_password_check(
            oxt_crypto_is_plesk_sym(stored) ? "sym" : "plain", stored,
            password, psa->plesk_key, p) != APR_SUCCESS) {
        return OXT_EAUTH;
    }
    ident = apr_pcalloc(p, sizeof(*ident));
    ident->role = OXT_ROLE_ADMIN;
    ident->id = 0;
    ident->login = "admin";
    ident->name = "Administrator";
    *pident = ident;
    return APR_SUCCESS;
}

apr_status_t oxt_psa_authenticate(oxt_identity_t **pident,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  const char *login, const char *password,
                                  oxt_result_t *res, apr_pool_t *p)
{
    /* clients.login is ASCII: a Unicode login can only be an IDN domain
     * name, matched against the display column (the ASCII one would make
     * MySQL refuse the comparison). The column name is one of two
     * constants, never input. */
    const char *dcol = oxt_util_is_ascii(login) ? "name" : "displayName";
    apr_status_t rv;

    rv = !oxt_util_is_ascii(login) ? OXT_EAUTH
       : psa_login_try(pident, psa, db,
                       psa->caps.has_client_type ? sql_login_client9
                                                 : sql_login_client8,
                       login, password, res, p);
    if (rv != OXT_EAUTH) {
        return rv;
    }
    if (!psa->caps.has_client_type && strcmp(login, "admin") == 0) {
        return psa_login_admin8(pident, psa, password, p);
    }
    if (psa->caps.has_smb_users) {
        rv = psa_login_try(pident, psa, db,
                           apr_pstrcat(p, sql_login_domain_smb, dcol, " = ?",
                                       NULL), login,
                           password, res, p);
        if (rv != OXT_EAUTH) {
            return rv;
        }
    }
    if (psa->caps.has_dom_level_usrs) {
        rv = psa_login_try(pident, psa, db,
                           apr_pstrcat(p, sql_login_domain_dlu, dcol, " = ?",
                                       NULL), login,
                           password, res, p);
    }
    return rv;
}

/* ---- subtree queries ------------------------------------------------------- */

static const char sql_count_all[] =
    "SELECT COUNT(*) FROM psa.mail m WHERE m.postbox = 'true'";

static const char sql_count_client[] =
    "SELECT COUNT(*) FROM psa.mail m JOIN psa.domains d ON d.id = m.dom_id"
    " WHERE m.postbox = 'true' AND d.cl_id = ?";

/* Two counts added, not one OR, so each half can use its index. */
static const char sql_count_reseller[] =
    "SELECT (SELECT COUNT(*) FROM psa.mail m"
    "        JOIN psa.domains d ON d.id = m.dom_id"
    "        WHERE m.postbox = 'true' AND d.cl_id = ?)"
    "     + (SELECT COUNT(*) FROM psa.mail m"
    "        JOIN psa.domains d ON d.id = m.dom_id"
    "        JOIN psa.clients c ON c.id = d.cl_id"
    "        WHERE m.postbox = 'true' AND c.parent_id = ?)";

static const char sql_count_domain[] =
    "SELECT COUNT(*) FROM psa.mail m WHERE m.postbox = 'true' AND m.dom_id = ?";

apr_status_t oxt_psa_mailbox_count(long long *pcount, const oxt_psa_t *psa,
                                   oxt_db_t *db, const oxt_identity_t *ident,
                                   oxt_result_t *res, apr_pool_t *p)
{
    oxt_db_arg_t args[2] = { OXT_DB_INT(ident->id), OXT_DB_INT(ident->id) };
    const char *sql;
    int nargs = 1;

    switch (ident->role) {
    case OXT_ROLE_ADMIN:
        sql = sql_count_all;
        nargs = 0;
        break;
    case OXT_ROLE_RESELLER:
        sql = sql_count_reseller;
        nargs = 2;
        break;
    case OXT_ROLE_CLIENT:
        sql = sql_count_client;
        break;
    case OXT_ROLE_DOMAIN:
        sql = sql_count_domain;
        break;
    default:
        return oxt_result_set(res, APR_EACCES, "No access", NULL);
    }
    return oxt_db_select_int(pcount, db, oxt_psa_sql(psa, sql, p), args, nargs,
                             res, p);
}
