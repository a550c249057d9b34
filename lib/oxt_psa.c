/*
 * oxt_psa.c — see oxt_psa.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "oxt_psa.h"
#include "oxt_crypto.h"
#include "oxt_login.h"
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

/* ---- schema probe ------------------------------------------------------- */

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

oxt_psa_t *oxt_psa_open_bare(const oxt_config_t *cfg, apr_pool_t *p)
{
    oxt_psa_t *psa = apr_pcalloc(p, sizeof(*psa));

    psa->db = cfg->psa_database;
    psa->admin_password_file = cfg->plesk_admin_password_file;
    return psa;
}

apr_status_t oxt_psa_probe(oxt_psa_t *psa, oxt_db_t *db, oxt_result_t *res,
                           apr_pool_t *p)
{
    return psa->caps.version != 0 ? APR_SUCCESS : psa_probe(psa, db, res, p);
}

apr_status_t oxt_psa_open(oxt_psa_t **ppsa, oxt_db_t *db,
                          const oxt_config_t *cfg, oxt_result_t *res,
                          apr_pool_t *p)
{
    oxt_psa_t *psa = oxt_psa_open_bare(cfg, p);
    oxt_result_t *keyres = oxt_result_make(p);
    apr_status_t rv;

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

/* ---- the login sources ------------------------------------------------- */

/* Columns of every login query: id, canonical login, name, suspended
 * (0/1, the whole owner chain), role, password type, password, reseller
 * id and name, client id and name of the chain. */
enum { COL_ID, COL_LOGIN, COL_NAME, COL_SUSPENDED, COL_ROLE, COL_PWTYPE,
       COL_PW, COL_RESELLER_ID, COL_RESELLER_NAME, COL_CLIENT_ID,
       COL_CLIENT_NAME, COL_COUNT };

/* Every comparison of a login is made twice: once in the column's
 * collation, which lets MySQL use the index, and once on the bytes, which
 * is the one that counts (the collations ignore case, accents and
 * trailing blanks, so "ADMIN  " was "admin"). */
static const char sql_login_client9[] =
    "SELECT c.id, c.login, c.pname,"
    " c.status <> 0 OR COALESCE(o.status, 0) <> 0, c.type, a.type,"
    " a.password,"
    " CASE c.type WHEN 'reseller' THEN c.id ELSE COALESCE(o.id, 0) END,"
    " CASE c.type WHEN 'reseller' THEN c.pname ELSE o.pname END,"
    " IF(c.type = 'client', c.id, 0), IF(c.type = 'client', c.pname, NULL)"
    " FROM psa.clients c"
    " LEFT JOIN psa.clients o ON o.id = c.parent_id AND o.type = 'reseller'"
    " LEFT JOIN psa.accounts a ON a.id = c.account_id"
    " WHERE c.login = ? AND BINARY c.login = BINARY ?";

static const char sql_login_client8[] =
    "SELECT c.id, c.login, c.pname, c.status <> 0, 'client', a.type,"
    " a.password, 0, NULL, c.id, c.pname"
    " FROM psa.clients c LEFT JOIN psa.accounts a ON a.id = c.account_id"
    " WHERE c.login = ? AND BINARY c.login = BINARY ?";

/* The owner columns of a domain row: its owner c is a client (below a
 * reseller r or the admin), a reseller, or the admin. */
#define SQL_DOMAIN_OWNERS \
    " CASE c.type WHEN 'reseller' THEN c.id ELSE COALESCE(r.id, 0) END," \
    " CASE c.type WHEN 'reseller' THEN c.pname ELSE r.pname END," \
    " IF(c.type = 'client', c.id, 0), IF(c.type = 'client', c.pname, NULL)"
#define SQL_DOMAIN_OWNER_JOINS \
    " JOIN psa.clients c ON c.id = d.cl_id" \
    " LEFT JOIN psa.clients r ON r.id = c.parent_id AND r.type = 'reseller'" \
    " AND c.type = 'client'"
#define SQL_OWNER_SUSPENDED \
    " OR (c.type <> 'admin' AND c.status <> 0) OR COALESCE(r.status, 0) <> 0"

/* A domain administrator whose access is switched off (state 'false')
 * cannot log in at all: the row is left out. */
static const char sql_login_domain_dlu9[] =
    "SELECT d.id, d.name, d.displayName, d.status <> 0" SQL_OWNER_SUSPENDED
    "," " 'domain', a.type, a.password," SQL_DOMAIN_OWNERS
    " FROM psa.domains d JOIN psa.dom_level_usrs u ON u.dom_id = d.id"
    SQL_DOMAIN_OWNER_JOINS
    " LEFT JOIN psa.accounts a ON a.id = u.account_id"
    " WHERE u.state = 'true' AND d.";

static const char sql_login_domain_dlu8[] =
    "SELECT d.id, d.name, d.displayName, d.status <> 0 OR c.status <> 0,"
    " 'domain', a.type, a.password, 0, NULL, c.id, c.pname"
    " FROM psa.domains d JOIN psa.dom_level_usrs u ON u.dom_id = d.id"
    " JOIN psa.clients c ON c.id = d.cl_id"
    " LEFT JOIN psa.accounts a ON a.id = u.account_id"
    " WHERE u.state = 'true' AND d.";

/* Plesk 10 keeps panel users in smb_users. The one that administers a
 * domain has the domain's name as login AND belongs to the domain's owner
 * and subscription: a name alone would let any customer create a user
 * called like somebody else's domain. Locked users are left out. The
 * subscription (webspace) of an additional domain counts for suspension.
 * The password's type is told by its form (psa_smb_type). */
static const char sql_login_domain_smb[] =
    "SELECT d.id, d.name, d.displayName, d.status <> 0"
    " OR COALESCE(w.status, 0) <> 0" SQL_OWNER_SUSPENDED ","
    " 'domain', 'smb', u.password," SQL_DOMAIN_OWNERS
    " FROM psa.domains d"
    " JOIN psa.smb_users u ON u.ownerId = d.cl_id"
    " AND u.subscriptionDomainId = IF(d.webspace_id = 0, d.id, d.webspace_id)"
    " AND BINARY u.login = BINARY d.name"
    SQL_DOMAIN_OWNER_JOINS
    " LEFT JOIN psa.domains w ON w.id = d.webspace_id AND d.webspace_id <> 0"
    " WHERE u.isLocked = 0 AND d.";

/* crypt(3) of a random text: what a login without a stored crypt hash
 * computes instead, so that every attempt costs one SHA-512 crypt. */
static const char psa_dummy_hash[] =
    "$6$2jYkqN4aDnx1HwQ8$Pc/P753ntc7fY3zYtQKMNL71eAlT1XY2V/43h5pxsuL087A/eR"
    "6aF5/EFdu1YJB6m6tH1QHov6mmiosOYCS0e.";

/* One candidate for a login: the identity and what its password is. */
typedef struct psa_cand_t {
    oxt_identity_t *ident;
    const char *pwtype;
    const char *pw;
} psa_cand_t;

static const char *row_str(const oxt_db_row_t *row, int col)
{
    return row->vals[col];
}

static long long row_id(const oxt_db_row_t *row, int col)
{
    return oxt_db_row_int(row, col, 0);
}

static apr_status_t psa_cand_from_row(psa_cand_t *cand,
                                      const oxt_db_row_t *row,
                                      apr_pool_t *p)
{
    oxt_identity_t *ident = apr_pcalloc(p, sizeof(*ident));
    const char *susp = row_str(row, COL_SUSPENDED);

    if (row->ncols != COL_COUNT) {
        return OXT_ESCHEMA;
    }
    if (oxt_role_parse(&ident->role, row_str(row, COL_ROLE))
        != APR_SUCCESS) {
        return OXT_EAUTH;
    }
    ident->id = row_id(row, COL_ID);
    ident->login = row_str(row, COL_LOGIN);
    ident->name = row_str(row, COL_NAME) ? row_str(row, COL_NAME) : "";
    /* Any status bit means suspended (docs/reference/panel-login.md),
     * never just 16; the query has looked at every owner. */
    ident->suspended = susp == NULL || strcmp(susp, "0") != 0;
    ident->reseller_id = row_id(row, COL_RESELLER_ID);
    ident->reseller_name = row_str(row, COL_RESELLER_NAME);
    ident->client_id = row_id(row, COL_CLIENT_ID);
    ident->client_name = row_str(row, COL_CLIENT_NAME);
    cand->ident = ident;
    cand->pwtype = row_str(row, COL_PWTYPE);
    cand->pw = row_str(row, COL_PW);
    return APR_SUCCESS;
}

/* Runs one login source. *pfound: 0 no row, 1 one row (in *cand), -1 an
 * ambiguous name (more than one row: refused rather than guessed). */
static apr_status_t psa_source(int *pfound, psa_cand_t *cand,
                               const oxt_psa_t *psa, oxt_db_t *db,
                               const char *sql, const char *login,
                               oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa, sql, p),
                       OXT_DB_ARGS(OXT_DB_STR(login), OXT_DB_STR(login)),
                       res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *pfound = rows->nelts == 0 ? 0 : rows->nelts == 1 ? 1 : -1;
    if (*pfound != 1) {
        return APR_SUCCESS;
    }
    return psa_cand_from_row(cand,
                             APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *), p);
}

/* The domain administrator query of this schema, matching the ASCII name
 * or, for a Unicode login, the display name (an ASCII column cannot be
 * compared with non-ASCII text). The column is one of two constants. */
static const char *psa_domain_sql(const oxt_psa_t *psa, const char *login,
                                  apr_pool_t *p)
{
    const char *col = oxt_util_is_ascii(login) ? "name" : "displayName";
    const char *base = psa->caps.has_smb_users ? sql_login_domain_smb
                     : psa->caps.has_client_type ? sql_login_domain_dlu9
                     : sql_login_domain_dlu8;

    if (!psa->caps.has_smb_users && !psa->caps.has_dom_level_usrs) {
        return NULL;
    }
    return apr_pstrcat(p, base, col, " = ? AND BINARY d.", col,
                       " = BINARY ?", NULL);
}

/* Plesk 8 has no admin row: the admin's password is in a root-only file
 * (/etc/psa/.psa.shadow), read only when a password is to be checked. */
static void psa_admin8(psa_cand_t *cand, const oxt_psa_t *psa,
                       int with_password, apr_pool_t *p)
{
    oxt_identity_t *ident = apr_pcalloc(p, sizeof(*ident));
    char *stored = NULL, *nl;

    ident->role = OXT_ROLE_ADMIN;
    ident->login = "admin";
    ident->name = "Administrator";
    cand->ident = ident;
    cand->pwtype = "file";
    cand->pw = NULL;
    if (with_password && psa->admin_password_file != NULL
        && oxt_util_file_read(&stored, NULL, psa->admin_password_file, 4096,
                              p) == APR_SUCCESS) {
        nl = strchr(stored, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        cand->pw = stored;
    }
}

/* Every source is asked, whatever the first one found, so that known and
 * unknown logins cost the same queries; the first source with a row wins
 * (panel accounts before domain administrators). */
static apr_status_t psa_candidate(psa_cand_t *cand, const oxt_psa_t *psa,
                                  oxt_db_t *db, const char *login,
                                  int with_password, oxt_result_t *res,
                                  apr_pool_t *p)
{
    const char *dsql = psa_domain_sql(psa, login, p);
    psa_cand_t c1 = { 0 }, c2 = { 0 };
    int f1 = 0, f2 = 0;
    apr_status_t rv;

    rv = psa_source(&f1, &c1, psa, db, psa->caps.has_client_type
                    ? sql_login_client9 : sql_login_client8, login, res, p);
    /* An account of that login wins over a domain of that name (below),
     * so the domain is only looked up when there is none: one statement
     * less on every request of an admin, a reseller or a client. */
    if (rv == APR_SUCCESS && dsql != NULL && f1 == 0) {
        rv = psa_source(&f2, &c2, psa, db, dsql, login, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (f1 == 0 && !psa->caps.has_client_type
        && strcmp(login, "admin") == 0) {
        psa_admin8(&c1, psa, with_password, p);
        f1 = 1;
    }
    if (f1 != 0) {
        *cand = c1;
        return f1 == 1 ? APR_SUCCESS : OXT_EAUTH;
    }
    *cand = c2;
    return f2 == 1 ? APR_SUCCESS : OXT_EAUTH;
}

/* ---- passwords -------------------------------------------------------- */

/* Plesk 10 stores a Panel user's password as text of three kinds, told
 * apart by their form: "$AES-128-CBC$..." (sym), a crypt(3) hash of the
 * schemes we check ($1$, $5$, $6$), or plain text. Anything else that
 * starts like a hash ('$') is of a kind we cannot check: it never matches,
 * so a stored hash can never be typed in as the password. */
static const char *psa_smb_type(const char *stored)
{
    if (stored == NULL) {
        return NULL;
    }
    if (oxt_crypto_is_plesk_sym(stored)) {
        return "sym";
    }
    if (stored[0] == '$') {
        return (strncmp(stored, "$1$", 3) == 0
                || strncmp(stored, "$5$", 3) == 0
                || strncmp(stored, "$6$", 3) == 0) ? "crypt" : "unknown";
    }
    return "plain";
}

static void psa_burn(const char *password, apr_pool_t *p)
{
    /* The answer is thrown away: only the work counts. */
    if (oxt_crypto_password_check("crypt", psa_dummy_hash,
                                  password ? password : "", NULL, p)
        == APR_SUCCESS) {
        return;
    }
}

static apr_status_t psa_password(const psa_cand_t *cand,
                                 const oxt_psa_t *psa, const char *password,
                                 apr_pool_t *p)
{
    const char *type = cand->pwtype;
    apr_status_t rv;

    if (type != NULL && (strcmp(type, "smb") == 0
                         || strcmp(type, "file") == 0)) {
        type = psa_smb_type(cand->pw);
    }
    rv = oxt_crypto_password_check(type, cand->pw, password, psa->plesk_key,
                                   p);
    if (type == NULL || strcmp(type, "crypt") != 0) {
        psa_burn(password, p);
    }
    return rv == APR_SUCCESS ? APR_SUCCESS : OXT_EAUTH;
}

const char *oxt_auth_via_name(oxt_auth_via_t via)
{
    return via == OXT_AUTH_BASIC ? "basic"
         : via == OXT_AUTH_SESSION ? "session" : "none";
}

apr_status_t oxt_psa_authenticate(oxt_identity_t **pident,
                                  const oxt_psa_t *psa, oxt_db_t *db,
                                  const char *login, const char *password,
                                  oxt_result_t *res, apr_pool_t *p)
{
    psa_cand_t cand = { 0 };
    apr_status_t rv;

    /* A login no column can hold is unknown: it never reaches MySQL,
     * which would answer it with an error (and the page with a 500). */
    if (oxt_login_check(login) != APR_SUCCESS) {
        psa_burn(password, p);
        return OXT_EAUTH;
    }
    rv = psa_candidate(&cand, psa, db, login, 1, res, p);
    if (rv == OXT_EAUTH) {
        psa_burn(password, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = psa_password(&cand, psa, password, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    cand.ident->via = OXT_AUTH_BASIC;
    *pident = cand.ident;
    return APR_SUCCESS;
}

apr_status_t oxt_psa_lookup(oxt_identity_t **pident, const oxt_psa_t *psa,
                            oxt_db_t *db, const char *login,
                            oxt_result_t *res, apr_pool_t *p)
{
    psa_cand_t cand = { 0 };
    apr_status_t rv;

    if (oxt_login_check(login) != APR_SUCCESS) {
        return OXT_EAUTH;
    }
    rv = psa_candidate(&cand, psa, db, login, 0, res, p);
    if (rv == APR_SUCCESS) {
        *pident = cand.ident;
    }
    return rv;
}

/* ---- subtree queries ---------------------------------------------------- */

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

/* ---- the server's main address (docs/reference/licensing.md) ------------ */

static apr_status_t psa_first_ip(const char **pip, const oxt_psa_t *psa,
                                 oxt_db_t *db, long long id,
                                 oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    apr_status_t rv;

    rv = id > 0
        ? oxt_db_select(&rows, db, oxt_psa_sql(psa,
              "SELECT ip_address FROM psa.IP_Addresses WHERE id = ?", p),
              OXT_DB_ARGS(OXT_DB_INT(id)), res, p)
        : oxt_db_select(&rows, db, oxt_psa_sql(psa,
              "SELECT ip_address FROM psa.IP_Addresses ORDER BY id LIMIT 1",
              p), OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *pip = rows->nelts ? oxt_db_row_str(APR_ARRAY_IDX(rows, 0,
                                        oxt_db_row_t *), 0, p) : NULL;
    return APR_SUCCESS;
}

apr_status_t oxt_psa_main_ip(const char **pip, const oxt_psa_t *psa,
                             oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const char *ip = NULL, *def = NULL;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, oxt_psa_sql(psa,
             "SELECT val FROM psa.misc WHERE param = 'def_ip_id'", p),
             OXT_DB_NOARGS, res, p);
    if (rv == APR_SUCCESS && rows->nelts) {
        def = oxt_db_row_str(APR_ARRAY_IDX(rows, 0, oxt_db_row_t *), 0, p);
    }
    /* The address misc names; without that row (or when it names none
     * that exists), the first address Plesk registered. */
    if (rv == APR_SUCCESS && def != NULL && apr_atoi64(def) > 0) {
        rv = psa_first_ip(&ip, psa, db, apr_atoi64(def), res, p);
    }
    if (rv == APR_SUCCESS && ip == NULL) {
        rv = psa_first_ip(&ip, psa, db, 0, res, p);
    }
    if (rv == APR_SUCCESS && (ip == NULL || *ip == '\0')) {
        rv = oxt_result_set(res, APR_ENOENT, "The server's IP is unknown",
                            "psa.IP_Addresses holds no address; set"
                            " server_ip in the configuration");
    }
    if (rv == APR_SUCCESS) {
        *pip = ip;
    }
    return rv;
}
