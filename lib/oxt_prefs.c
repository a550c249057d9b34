/*
 * oxt_prefs.c — see oxt_prefs.h.
 */
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_prefs.h"
#include "oxt_crypto.h"
#include "oxt_secrets.h"
#include "oxt_status.h"

static const char *const service_codes[OXT_SERVICE_COUNT] = {
    "webmail", "groupware_standard", "groupware_premium"
};
static const char *const service_labels[OXT_SERVICE_COUNT] = {
    "Webmail", "Groupware Standard", "Groupware Premium"
};
static const char *const level_names[OXT_LEVEL_COUNT] = {
    "reseller", "client", "domain", "mailbox"
};

const char *oxt_service_code(oxt_service_t s)
{
    return (unsigned)s < OXT_SERVICE_COUNT ? service_codes[s] : "webmail";
}

const char *oxt_service_label(oxt_service_t s)
{
    return (unsigned)s < OXT_SERVICE_COUNT ? service_labels[s] : "Webmail";
}

apr_status_t oxt_service_parse(oxt_service_t *ps, const char *code)
{
    int i;

    for (i = 0; code != NULL && i < OXT_SERVICE_COUNT; i++) {
        if (strcmp(service_codes[i], code) == 0) {
            *ps = (oxt_service_t)i;
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}

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

static int col_int(const oxt_db_row_t *row, int i, int unset)
{
    return row->vals[i] ? (int)strtol(row->vals[i], NULL, 10) : unset;
}

static apr_status_t settings_services(oxt_settings_t *s, oxt_db_t *db,
                                      oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    oxt_service_t st;
    int i;
    apr_status_t rv;

    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        s->access_combination[i] = service_codes[i];
    }
    rv = oxt_db_select(&rows, db,
                       "SELECT code, access_combination FROM service_type",
                       OXT_DB_NOARGS, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        if (oxt_service_parse(&st, row->vals[0]) == APR_SUCCESS) {
            s->access_combination[st] = row->vals[1];
        }
    }
    return rv;
}

static apr_status_t settings_password(oxt_settings_t *s, const char *enc,
                                      const unsigned char *key,
                                      oxt_result_t *res, apr_pool_t *p)
{
    if (key == NULL || enc == NULL || *enc == '\0') {
        return APR_SUCCESS;
    }
    return oxt_crypto_open(&s->ox_password, key, OXT_SECRETS_ROW_OX_PASSWORD,
                           enc, res, p);
}

apr_status_t oxt_settings_load(oxt_settings_t **psettings, oxt_db_t *db,
                               const unsigned char *key, oxt_result_t *res,
                               apr_pool_t *p)
{
    oxt_settings_t *s = apr_pcalloc(p, sizeof(*s));
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db,
        "SELECT ox_connection_type, ox_host, ox_use_https, ox_username,"
        " ox_password_enc, ox_master_override, soap_timeout_s, debug_api,"
        " imap_host, imap_port, smtp_host, smtp_port, default_quota_mb,"
        " default_language, default_timezone, default_service_type,"
        " auto_delete, queue_max_attempts, ox_unicode_mappings,"
        " ox_allow_plain_http FROM settings WHERE id = 1",
        OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        return oxt_result_set(res, OXT_ESCHEMA, "Settings missing",
                              "run oxtender-replicator migrate");
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    s->cloud = strcmp(row->vals[0], "reseller") == 0;
    s->ox_host = row->vals[1];
    s->ox_https = col_int(row, 2, 0);
    s->ox_username = row->vals[3];
    s->master_override = col_int(row, 5, 0);
    s->soap_timeout_s = col_int(row, 6, 30);
    s->debug_api = col_int(row, 7, 0);
    s->imap_host = row->vals[8];
    s->imap_port = col_int(row, 9, 143);
    s->smtp_host = row->vals[10];
    s->smtp_port = col_int(row, 11, 25);
    s->default_quota_mb = col_int(row, 12, 100);
    s->default_language = row->vals[13];
    s->default_timezone = row->vals[14];
    if (oxt_service_parse(&s->default_service, row->vals[15])) {
        s->default_service = OXT_SERVICE_WEBMAIL;
    }
    s->auto_delete = col_int(row, 16, 0);
    s->queue_max_attempts = col_int(row, 17, 10);
    s->unicode_mappings = col_int(row, 18, 0);
    s->ox_allow_plain_http = col_int(row, 19, 0);
    rv = settings_password(s, row->vals[4], key, res, p);
    if (rv == APR_SUCCESS) {
        rv = settings_services(s, db, res, p);
    }
    *psettings = s;
    return rv;
}

static void prefs_from_row(oxt_prefs_t *prefs, const oxt_db_row_t *row)
{
    oxt_service_t st;

    prefs->access = col_int(row, 2, 0);
    prefs->forever = strcmp(row->vals[3], "on") == 0 ? OXT_FOREVER_ON
                   : strcmp(row->vals[3], "off") == 0 ? OXT_FOREVER_OFF
                   : OXT_FOREVER_INHERIT;
    prefs->default_quota_mb = col_int(row, 4, -1);
    prefs->max_quota_mb = col_int(row, 5, -1);
    prefs->language = row->vals[6];
    prefs->timezone = row->vals[7];
    prefs->service = oxt_service_parse(&st, row->vals[8]) == APR_SUCCESS
                   ? (int)st : -1;
    prefs->now = row->vals[9] != NULL;
}

apr_status_t oxt_prefs_chain_load(oxt_prefs_chain_t *chain, oxt_db_t *db,
                                  long long reseller_id, long long client_id,
                                  long long dom_id, long long mail_id,
                                  oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    oxt_level_t level;
    int i;
    apr_status_t rv;

    for (i = 0; i < OXT_LEVEL_COUNT; i++) {
        oxt_prefs_clear(&chain->level[i]);
    }
    rv = oxt_db_select(&rows, db,
        "SELECT level, plesk_id, access, webmail_forever, default_quota_mb,"
        " max_quota_mb, language, timezone, service_type, webmail_now_at"
        " FROM prefs WHERE (level = 'reseller' AND plesk_id = ?)"
        " OR (level = 'client' AND plesk_id = ?)"
        " OR (level = 'domain' AND plesk_id = ?)"
        " OR (level = 'mailbox' AND plesk_id = ?)",
        OXT_DB_ARGS(OXT_DB_INT(reseller_id), OXT_DB_INT(client_id),
                    OXT_DB_INT(dom_id), OXT_DB_INT(mail_id)), res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        for (level = 0; level < OXT_LEVEL_COUNT; level++) {
            if (strcmp(row->vals[0], level_names[level]) == 0
                && strtoll(row->vals[1], NULL, 10) > 0) {
                prefs_from_row(&chain->level[level], row);
            }
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
        "SELECT level, plesk_id, access, webmail_forever, default_quota_mb,"
        " max_quota_mb, language, timezone, service_type, webmail_now_at"
        " FROM prefs WHERE level = 'mailbox' AND plesk_id IN (",
        sql_mail_ids, ")", NULL), OXT_DB_ARGS(OXT_DB_INT(dom_id)), res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        prefs = apr_palloc(p, sizeof(*prefs));
        oxt_prefs_clear(prefs);
        prefs_from_row(prefs, row);
        apr_hash_set(out, row->vals[1], APR_HASH_KEY_STRING, prefs);
    }
    *pprefs = out;
    return rv;
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
