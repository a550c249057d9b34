/*
 * oxt_secrets.c — see oxt_secrets.h.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <apr_strings.h>

#include "oxt_secrets.h"
#include "oxt_crypto.h"
#include "oxt_psa.h"
#include "oxt_status.h"

/* Rows per batch: the "LIMIT 1000" of the queries below. */
#define SECRETS_BATCH 1000

typedef struct {
    oxt_db_t *db;
    oxt_crypto_keys_t keys;
    const unsigned char *plesk_key;     /* NULL when not readable */
    oxt_secrets_stats_t *st;
    oxt_result_t *res;
} convert_t;

const char *oxt_secrets_row_admin_password(long long dom_id, apr_pool_t *p)
{
    return apr_psprintf(p, "domain_state:%" APR_INT64_T_FMT ":admin_password",
                        (apr_int64_t)dom_id);
}

static apr_status_t format_version(long long *pv, oxt_db_t *db,
                                   oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = oxt_db_select_int(pv, db, "SELECT version FROM"
                                        " secrets_format WHERE id = 1",
                                        OXT_DB_NOARGS, res, p);

    if (rv == APR_ENOENT) {
        *pv = 1;                 /* no row: nothing was ever converted */
        return APR_SUCCESS;
    }
    return rv;
}

apr_status_t oxt_secrets_check(oxt_db_t *db, oxt_result_t *res,
                               apr_pool_t *p)
{
    long long v = 0;
    apr_status_t rv = format_version(&v, db, res, p);

    if (rv == APR_SUCCESS && v < OXT_SECRETS_FORMAT) {
        return oxt_result_set(res, OXT_ESCHEMA, "Stored secrets use the old"
                              " format", "run oxtender-replicator migrate");
    }
    return rv;
}

/* ---- sealed values ---------------------------------------------------- */

static apr_status_t reseal(const char **pnew, convert_t *c, const char *row,
                           const char *old, apr_pool_t *p)
{
    const char *plain;
    apr_status_t rv;

    rv = oxt_crypto_open_v1(&plain, c->keys.master, old, c->res, p);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(c->res, rv, "Cannot convert a sealed secret",
                              "%s does not open with secret_key_file (a"
                              " different key?)", row);
    }
    rv = oxt_crypto_seal(pnew, c->keys.seal, row, plain, c->res, p);
    OPENSSL_cleanse((void *)plain, strlen(plain));
    c->st->resealed += rv == APR_SUCCESS;
    return rv;
}

static apr_status_t reseal_settings(convert_t *c, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    const char *sealed;
    apr_status_t rv;

    rv = oxt_db_select(&rows, c->db, "SELECT ox_password_enc FROM settings"
                       " WHERE id = 1 AND ox_password_enc LIKE 'v1:%'",
                       OXT_DB_NOARGS, c->res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    rv = reseal(&sealed, c, OXT_SECRETS_ROW_OX_PASSWORD, row->vals[0], p);
    return rv ? rv : oxt_db_exec(NULL, c->db, "UPDATE settings SET"
                                 " ox_password_enc = ? WHERE id = 1 AND"
                                 " ox_password_enc = ?",
                                 OXT_DB_ARGS(OXT_DB_STR(sealed),
                                             OXT_DB_STR(row->vals[0])),
                                 c->res, p);
}

/* One batch of context admin passwords after dom_id *pafter. */
static apr_status_t reseal_domains(int *pmore, long long *pafter,
                                   convert_t *c, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    const char *sealed;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, c->db, "SELECT dom_id, admin_password_enc"
                       " FROM domain_state WHERE admin_password_enc LIKE"
                       " 'v1:%' AND dom_id > ? ORDER BY dom_id LIMIT 1000",
                       OXT_DB_ARGS(OXT_DB_INT(*pafter)), c->res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        *pafter = apr_atoi64(row->vals[0]);
        rv = reseal(&sealed, c, oxt_secrets_row_admin_password(*pafter, p),
                    row->vals[1], p);
        if (rv == APR_SUCCESS) {
            rv = oxt_db_exec(NULL, c->db, "UPDATE domain_state SET"
                             " admin_password_enc = ? WHERE dom_id = ? AND"
                             " admin_password_enc = ?",
                             OXT_DB_ARGS(OXT_DB_STR(sealed),
                                         OXT_DB_INT(*pafter),
                                         OXT_DB_STR(row->vals[1])),
                             c->res, p);
        }
    }
    *pmore = rv == APR_SUCCESS && rows->nelts == SECRETS_BATCH;
    return rv;
}

/* ---- fingerprints ------------------------------------------------------ */

/* The password replication would send, as lib/oxt_desired.c reads it:
 * plain or sym (a NULL type is plain); NULL when there is none. */
static const char *mailbox_password(convert_t *c, const char *type,
                                    const char *stored, apr_pool_t *p)
{
    const char *plain = NULL;

    if (stored == NULL || *stored == '\0') {
        return NULL;
    }
    if (type == NULL || strcmp(type, "plain") == 0) {
        return stored;
    }
    if (strcmp(type, "sym") != 0 || c->plesk_key == NULL
        || oxt_crypto_plesk_sym_decrypt(&plain, c->plesk_key, stored, NULL,
                                        p) != APR_SUCCESS) {
        return NULL;
    }
    return *plain ? plain : NULL;
}

/* old: the fingerprint under the key file itself, as stored before. */
static apr_status_t rekey_one(convert_t *c, long long mail_id,
                              const oxt_db_row_t *row, apr_pool_t *p)
{
    const char *plain = mailbox_password(c, row->vals[2], row->vals[3], p);
    unsigned char old[32], now[32];
    apr_status_t rv;

    if (plain == NULL || row->lens[1] != 32
        || oxt_crypto_fingerprint(old, c->keys.master, 32, plain)
        || oxt_crypto_fingerprint(now, c->keys.fingerprint, 32, plain)) {
        c->st->unverified++;
        return APR_SUCCESS;
    }
    if (memcmp(row->vals[1], now, 32) == 0) {
        return APR_SUCCESS;                /* done by an earlier attempt */
    }
    if (memcmp(row->vals[1], old, 32) != 0) {
        c->st->unverified++;               /* changed since: sent anyway */
        return APR_SUCCESS;
    }
    rv = oxt_db_exec(NULL, c->db, "UPDATE mailbox_state SET"
                     " applied_password_fp = ? WHERE mail_id = ? AND"
                     " applied_password_fp = ?",
                     OXT_DB_ARGS(OXT_DB_BIN((const char *)now, 32),
                                 OXT_DB_INT(mail_id),
                                 OXT_DB_BIN((const char *)old, 32)),
                     c->res, p);
    c->st->rekeyed += rv == APR_SUCCESS;
    return rv;
}

static apr_status_t rekey_batch(int *pmore, long long *pafter, convert_t *c,
                                const oxt_psa_t *psa, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, c->db, oxt_psa_sql(psa,
             "SELECT s.mail_id, s.applied_password_fp, a.type, a.password"
             " FROM mailbox_state s LEFT JOIN psa.mail m ON m.id = s.mail_id"
             " LEFT JOIN psa.accounts a ON a.id = m.account_id"
             " WHERE s.applied_password_fp IS NOT NULL AND s.mail_id > ?"
             " ORDER BY s.mail_id LIMIT 1000", p),
             OXT_DB_ARGS(OXT_DB_INT(*pafter)), c->res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        *pafter = apr_atoi64(row->vals[0]);
        rv = rekey_one(c, *pafter, row, p);
    }
    *pmore = rv == APR_SUCCESS && rows->nelts == SECRETS_BATCH;
    return rv;
}

/* ---- the conversion ----------------------------------------------------- */

typedef apr_status_t batch_fn(int *pmore, long long *pafter, convert_t *c,
                              const oxt_psa_t *psa, apr_pool_t *p);

static apr_status_t reseal_domains_batch(int *pmore, long long *pafter,
                                         convert_t *c, const oxt_psa_t *psa,
                                         apr_pool_t *p)
{
    (void)psa;
    return reseal_domains(pmore, pafter, c, p);
}

/* Runs fn batch by batch, each in its own transaction and pool. */
static apr_status_t in_batches(batch_fn *fn, convert_t *c,
                               const oxt_psa_t *psa, apr_pool_t *p)
{
    apr_pool_t *bp;
    long long after = 0;
    int more = 1;
    apr_status_t rv = APR_SUCCESS;

    apr_pool_create(&bp, p);
    while (rv == APR_SUCCESS && more) {
        apr_pool_clear(bp);
        rv = oxt_db_begin(c->db, c->res);
        if (rv == APR_SUCCESS) {
            rv = fn(&more, &after, c, psa, bp);
        }
        rv = rv ? rv : oxt_db_commit(c->db, c->res);
        if (rv != APR_SUCCESS) {
            oxt_db_rollback(c->db);
        }
    }
    apr_pool_destroy(bp);
    return rv;
}

static apr_status_t legacy_count(long long *pn, oxt_db_t *db,
                                 oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_select_int(pn, db,
        "SELECT (SELECT COUNT(*) FROM settings WHERE ox_password_enc LIKE"
        " 'v1:%') + (SELECT COUNT(*) FROM domain_state WHERE"
        " admin_password_enc LIKE 'v1:%') + (SELECT COUNT(*) FROM"
        " mailbox_state WHERE applied_password_fp IS NOT NULL)",
        OXT_DB_NOARGS, res, p);
}

static apr_status_t convert_all(convert_t *c, const oxt_config_t *cfg,
                                apr_pool_t *p)
{
    oxt_psa_t *psa;
    apr_status_t rv;

    rv = oxt_crypto_keys_load(&c->keys, cfg->secret_key_file, c->res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_psa_open(&psa, c->db, cfg, c->res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    c->plesk_key = oxt_psa_plesk_key(psa);
    rv = reseal_settings(c, p);
    if (rv == APR_SUCCESS) {
        rv = in_batches(reseal_domains_batch, c, psa, p);
    }
    if (rv == APR_SUCCESS) {
        rv = in_batches(rekey_batch, c, psa, p);
    }
    return rv;
}

apr_status_t oxt_secrets_convert(oxt_secrets_stats_t *st, oxt_db_t *db,
                                 const oxt_config_t *cfg, oxt_result_t *res,
                                 apr_pool_t *p)
{
    convert_t c;
    long long v = 0, n = 0;
    apr_status_t rv;

    memset(st, 0, sizeof(*st));
    memset(&c, 0, sizeof(c));
    c.db = db;
    c.st = st;
    c.res = res;
    /* A schema older than 0013 (sql_dir of an earlier release) has no
     * format to record yet: nothing to do until it has. */
    rv = oxt_db_select_int(&n, db, "SELECT COUNT(*) FROM"
                           " information_schema.TABLES WHERE TABLE_SCHEMA ="
                           " DATABASE() AND TABLE_NAME = 'secrets_format'",
                           OXT_DB_NOARGS, res, p);
    if (rv == APR_SUCCESS && n > 0) {
        rv = format_version(&v, db, res, p);
    }
    if (rv != APR_SUCCESS || n == 0 || v >= OXT_SECRETS_FORMAT) {
        return rv;
    }
    rv = legacy_count(&n, db, res, p);
    if (rv == APR_SUCCESS && n > 0) {
        rv = convert_all(&c, cfg, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db, "UPDATE secrets_format SET version = ?,"
                         " converted_at = NOW() WHERE id = 1",
                         OXT_DB_ARGS(OXT_DB_INT(OXT_SECRETS_FORMAT)), res, p);
    }
    st->converted = rv == APR_SUCCESS;
    return rv;
}
