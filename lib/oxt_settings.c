/*
 * oxt_settings.c — see oxt_settings.h.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "oxt_settings.h"
#include "oxt_crypto.h"
#include "oxt_log.h"
#include "oxt_status.h"

/* ---- service types ------------------------------------------------------- */

static const char *const service_codes[OXT_SERVICE_COUNT + 1] = {
    "webmail", "groupware_standard", "groupware_premium", NULL
};
static const char *const service_labels[OXT_SERVICE_COUNT] = {
    "Webmail", "Groupware Standard", "Groupware Premium"
};

const char *oxt_service_code(oxt_service_t s)
{
    return (unsigned)s < OXT_SERVICE_COUNT ? service_codes[s] : "webmail";
}

const char *const *oxt_service_codes(void)
{
    return service_codes;
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

/* ---- rules beyond the types ---------------------------------------------- */

/* ll_CC as OX wants it, or "plesk". */
static int rule_language(const char *v)
{
    return strcmp(v, OXT_SETTINGS_PLESK) == 0
        || (strlen(v) == 5 && apr_islower(v[0]) && apr_islower(v[1])
            && v[2] == '_' && apr_isupper(v[3]) && apr_isupper(v[4]));
}

/* An Olson name (Area/Location: letters, digits, _ + - /), UTC or
 * "plesk". */
static int rule_timezone(const char *v)
{
    size_t i, n = strlen(v);

    if (strcmp(v, OXT_SETTINGS_PLESK) == 0 || strcmp(v, "UTC") == 0) {
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(v[i]) && !strchr("_+-/", v[i])) {
            return 0;
        }
    }
    return n > 2 && n < 64 && strchr(v, '/') != NULL && v[0] != '/';
}

/* ---- the table ----------------------------------------------------------- */

static const char *const connection_types[] = {
    "standalone", "reseller", NULL
};

#define AT(field) offsetof(oxt_settings_t, field)
#define YES_NO "Choose 1 (yes) or 0 (no)."

/* Column names reach SQL from this table only; values are always bound.
 * Text limits follow the columns' sizes. */
static const oxt_setting_t settings_table[] = {
    { "ox_connection_type", "ox_connection_type", OXT_SETTING_ENUM,
      "standalone", 0, 0, connection_types, NULL, "OX connection type",
      "Choose standalone (your own OX server) or reseller (OX cloud).",
      AT(cloud) },
    { "ox_host", "ox_host", OXT_SETTING_TEXT, "", 0, 255, NULL, NULL,
      "OX server", "The OX server's name, with :port if it is not the"
      " usual one; at most 255 characters.", AT(ox_host) },
    { "ox_use_https", "ox_use_https", OXT_SETTING_BOOL, "1", 0, 0, NULL,
      NULL, "Use HTTPS", YES_NO, AT(ox_https) },
    { "ox_allow_plain_http", "ox_allow_plain_http", OXT_SETTING_BOOL, "0",
      0, 0, NULL, NULL, "Allow plain HTTP to an OX server on another"
      " machine (passwords travel in clear)", YES_NO,
      AT(ox_allow_plain_http) },
    { "ox_username", "ox_username", OXT_SETTING_TEXT, "", 0, 255, NULL,
      NULL, "OX user name", "At most 255 characters.", AT(ox_username) },
    { "ox_password", "ox_password_enc", OXT_SETTING_SECRET, NULL, 0, 512,
      NULL, NULL, "OX password", "Between 1 and 512 characters.",
      AT(ox_password) },
    { "ox_master_override", "ox_master_override", OXT_SETTING_BOOL, "0", 0,
      0, NULL, NULL, "Master account override", YES_NO,
      AT(master_override) },
    { "ox_unicode_mappings", "ox_unicode_mappings", OXT_SETTING_BOOL, "0",
      0, 0, NULL, NULL, "OX accepts non-ASCII login mappings", YES_NO,
      AT(unicode_mappings) },
    { "soap_timeout_s", "soap_timeout_s", OXT_SETTING_INT, "30", 1, 3600,
      NULL, NULL, "SOAP wait (seconds)",
      "A number of seconds from 1 to 3600.", AT(soap_timeout_s) },
    { "debug_api", "debug_api", OXT_SETTING_BOOL, "0", 0, 0, NULL, NULL,
      "Debug API requests", YES_NO, AT(debug_api) },
    { "imap_host", "imap_host", OXT_SETTING_TEXT, "", 0, 255, NULL, NULL,
      "IMAP server", "At most 255 characters.", AT(imap_host) },
    { "imap_port", "imap_port", OXT_SETTING_INT, "143", 1, 65535, NULL,
      NULL, "IMAP port", "A port is a number from 1 to 65535.",
      AT(imap_port) },
    { "smtp_host", "smtp_host", OXT_SETTING_TEXT, "", 0, 255, NULL, NULL,
      "SMTP server", "At most 255 characters.", AT(smtp_host) },
    { "smtp_port", "smtp_port", OXT_SETTING_INT, "25", 1, 65535, NULL,
      NULL, "SMTP port", "A port is a number from 1 to 65535.",
      AT(smtp_port) },
    { "default_quota_mb", "default_quota_mb", OXT_SETTING_INT, "100", 0,
      100000000, NULL, NULL, "Default Infostore quota per domain (MB)",
      "A number of MB from 0 to 100000000.", AT(default_quota_mb) },
    { "default_language", "default_language", OXT_SETTING_TEXT, "plesk", 0,
      16, NULL, rule_language, "Default language",
      "An OX language such as en_US, or plesk for the owner's Plesk"
      " language.", AT(default_language) },
    { "default_timezone", "default_timezone", OXT_SETTING_TEXT, "plesk", 0,
      64, NULL, rule_timezone, "Default time zone",
      "A time zone such as Europe/Berlin, or plesk for the server's.",
      AT(default_timezone) },
    { "default_service_type", "default_service_type", OXT_SETTING_ENUM,
      "webmail", 0, 0, service_codes, NULL, "Default service type",
      "Choose webmail, groupware_standard or groupware_premium.",
      AT(default_service) },
    { "auto_delete", "auto_delete", OXT_SETTING_BOOL, "0", 0, 0, NULL, NULL,
      "Automatically delete from OX", YES_NO, AT(auto_delete) },
    { "queue_max_attempts", "queue_max_attempts", OXT_SETTING_INT, "10", 1,
      1000, NULL, NULL, "Attempts before an item is parked",
      "A number from 1 to 1000.", AT(queue_max_attempts) },
};

#define SETTINGS_COUNT \
    ((int)(sizeof(settings_table) / sizeof(settings_table[0])))

const oxt_setting_t *oxt_settings_table(int *pcount)
{
    *pcount = SETTINGS_COUNT;
    return settings_table;
}

const oxt_setting_t *oxt_setting_find(const char *key)
{
    int i;

    for (i = 0; key != NULL && i < SETTINGS_COUNT; i++) {
        if (strcmp(settings_table[i].key, key) == 0) {
            return &settings_table[i];
        }
    }
    return NULL;
}

/* ---- one value ----------------------------------------------------------- */

static int setting_number(long *pn, const char *v)
{
    char *end;

    *pn = strtol(v, &end, 10);
    return end != v && *end == '\0';
}

static int setting_choice(const oxt_setting_t *s, const char *v)
{
    int i;

    for (i = 0; s->choices[i] != NULL; i++) {
        if (strcmp(s->choices[i], v) == 0) {
            return i;
        }
    }
    return -1;
}

static int setting_plain_text(const char *v, long max)
{
    const unsigned char *c;

    for (c = (const unsigned char *)v; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            return 0;
        }
    }
    return (long)strlen(v) <= max;
}

static int setting_valid(const oxt_setting_t *s, const char *v)
{
    long n;

    switch (s->type) {
    case OXT_SETTING_BOOL:
        return strcmp(v, "0") == 0 || strcmp(v, "1") == 0;
    case OXT_SETTING_INT:
        return setting_number(&n, v) && n >= s->min && n <= s->max;
    case OXT_SETTING_ENUM:
        return setting_choice(s, v) >= 0;
    case OXT_SETTING_SECRET:
        return *v != '\0' && (long)strlen(v) <= s->max;
    default:
        return setting_plain_text(v, s->max);
    }
}

apr_status_t oxt_setting_check(const char **pmessage,
                               const oxt_setting_t *setting,
                               const char *value)
{
    int ok = value != NULL && setting_valid(setting, value)
             && (setting->rule == NULL || setting->rule(value));

    *pmessage = ok ? NULL : setting->message;
    return ok ? APR_SUCCESS : APR_EINVAL;
}

/* Sets the field of s from valid text v, which must outlive s. */
static void setting_store(oxt_settings_t *s, const oxt_setting_t *def,
                          const char *v)
{
    char *field = (char *)s + def->offset;

    switch (def->type) {
    case OXT_SETTING_TEXT:
        *(const char **)field = v;
        break;
    case OXT_SETTING_ENUM:
        *(int *)field = setting_choice(def, v);
        break;
    case OXT_SETTING_SECRET:
        break;
    default:
        *(int *)field = (int)strtol(v, NULL, 10);
        break;
    }
}

const char *oxt_setting_text(const oxt_settings_t *settings,
                             const oxt_setting_t *setting, apr_pool_t *p)
{
    const char *field = (const char *)settings + setting->offset;
    int n;

    switch (setting->type) {
    case OXT_SETTING_TEXT:
        return *(const char *const *)field;
    case OXT_SETTING_SECRET:
        return NULL;
    case OXT_SETTING_ENUM:
        n = *(const int *)field;
        return n >= 0 ? setting->choices[n] : "";
    default:
        return apr_itoa(p, *(const int *)field);
    }
}

const oxt_secret_t *oxt_setting_secret(const oxt_settings_t *settings,
                                       const oxt_setting_t *setting)
{
    return setting->type == OXT_SETTING_SECRET
        ? (const oxt_secret_t *)((const char *)settings + setting->offset)
        : NULL;
}

/* ---- loading ------------------------------------------------------------- */

void oxt_settings_defaults(oxt_settings_t *settings)
{
    int i;

    memset(settings, 0, sizeof(*settings));
    for (i = 0; i < SETTINGS_COUNT; i++) {
        if (settings_table[i].def != NULL) {
            setting_store(settings, &settings_table[i], settings_table[i].def);
        }
    }
    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        settings->access_combination[i] = service_codes[i];
    }
}

/* "SELECT <every column of the table> FROM settings WHERE id = 1": the
 * values come back in the order of the table, read by the table's row. */
static const char *settings_select_sql(apr_pool_t *p)
{
    apr_array_header_t *cols = apr_array_make(p, SETTINGS_COUNT,
                                              sizeof(const char *));
    int i;

    for (i = 0; i < SETTINGS_COUNT; i++) {
        APR_ARRAY_PUSH(cols, const char *) = settings_table[i].column;
    }
    return apr_pstrcat(p, "SELECT ", apr_array_pstrcat(p, cols, ','),
                       " FROM settings WHERE id = 1", NULL);
}

/* The row a secret is sealed for ("settings:ox_password",
 * OXT_SECRETS_ROW_OX_PASSWORD): a value copied into another row does not
 * open there. */
static const char *settings_secret_row(const oxt_setting_t *def,
                                       apr_pool_t *p)
{
    return apr_pstrcat(p, "settings:", def->key, NULL);
}

static apr_status_t settings_load_secret(oxt_secret_t *secret,
                                         const oxt_setting_t *def,
                                         const char *sealed,
                                         const unsigned char *key,
                                         oxt_result_t *res, apr_pool_t *p)
{
    const char *row = settings_secret_row(def, p);

    secret->set = sealed != NULL && *sealed != '\0';
    if (!secret->set || key == NULL) {
        return APR_SUCCESS;
    }
    return oxt_crypto_open(&secret->value, key, row, sealed, res, p);
}

static apr_status_t settings_load_one(oxt_settings_t *s,
                                      const oxt_setting_t *def,
                                      const char *v, const unsigned char *key,
                                      oxt_result_t *res, apr_pool_t *p)
{
    const char *why;

    if (def->type == OXT_SETTING_SECRET) {
        return settings_load_secret((oxt_secret_t *)((char *)s + def->offset),
                                    def, v, key, res, p);
    }
    if (v == NULL) {
        return APR_SUCCESS;                 /* the default */
    }
    if (oxt_setting_check(&why, def, v) != APR_SUCCESS) {
        oxt_log_perror(OXT_LOG_MARK, OXT_LOG_WARNING, APR_EINVAL,
                       OXTLOGNO(00100) "settings: the stored %s is not"
                       " valid (%s); using the default", def->key, why);
        return APR_SUCCESS;
    }
    setting_store(s, def, v);
    return APR_SUCCESS;
}

/* The OX access combination of each service type (service_type rows). */
static apr_status_t settings_load_services(oxt_settings_t *s, oxt_db_t *db,
                                           oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    oxt_service_t st;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db,
                       "SELECT code, access_combination FROM service_type",
                       OXT_DB_NOARGS, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        if (oxt_service_parse(&st, row->vals[0]) == APR_SUCCESS
            && row->vals[1] != NULL) {
            s->access_combination[st] = row->vals[1];
        }
    }
    return rv;
}

apr_status_t oxt_settings_load(oxt_settings_t **psettings, oxt_db_t *db,
                               const unsigned char *key, oxt_result_t *res,
                               apr_pool_t *p)
{
    oxt_settings_t *s = apr_palloc(p, sizeof(*s));
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i;
    apr_status_t rv;

    oxt_settings_defaults(s);
    rv = oxt_db_select(&rows, db, settings_select_sql(p), OXT_DB_NOARGS,
                       res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        return oxt_result_set(res, OXT_ESCHEMA, "Settings missing",
                              "run oxtender-replicator migrate");
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    for (i = 0; rv == APR_SUCCESS && i < SETTINGS_COUNT; i++) {
        rv = settings_load_one(s, &settings_table[i],
                               i < row->ncols ? row->vals[i] : NULL, key,
                               res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = settings_load_services(s, db, res, p);
    }
    *psettings = s;
    return rv;
}

/* ---- checking and saving ------------------------------------------------- */

static void settings_error(apr_array_header_t *errors, const char *key,
                           const char *message)
{
    oxt_settings_error_t *e = apr_array_push(errors);

    e->key = key;
    e->message = message;
}

apr_status_t oxt_settings_check(apr_array_header_t **perrors,
                                const apr_table_t *values, apr_pool_t *p)
{
    const apr_array_header_t *elts = apr_table_elts(values);
    const apr_table_entry_t *e = (const apr_table_entry_t *)elts->elts;
    apr_array_header_t *errors = apr_array_make(p, 4,
                                                sizeof(oxt_settings_error_t));
    const oxt_setting_t *def;
    const char *why;
    int i;

    for (i = 0; i < elts->nelts; i++) {
        def = oxt_setting_find(e[i].key);
        if (def == NULL) {
            settings_error(errors, e[i].key, "There is no such setting.");
        }
        else if (oxt_setting_check(&why, def, e[i].val) != APR_SUCCESS) {
            settings_error(errors, e[i].key, why);
        }
    }
    *perrors = errors;
    return errors->nelts ? APR_EINVAL : APR_SUCCESS;
}

/* The value to bind for one valid setting: numbers as numbers, secrets
 * sealed. */
static apr_status_t settings_bind(oxt_db_arg_t *arg, const oxt_setting_t *def,
                                  const char *v, const unsigned char *key,
                                  oxt_result_t *res, apr_pool_t *p)
{
    const char *sealed;
    apr_status_t rv;

    switch (def->type) {
    case OXT_SETTING_BOOL:
    case OXT_SETTING_INT:
        *arg = OXT_DB_INT(strtol(v, NULL, 10));
        return APR_SUCCESS;
    case OXT_SETTING_SECRET:
        if (key == NULL) {
            return oxt_result_set(res, APR_EINVAL, "Settings not saved",
                                  "%s needs the secrets key", def->key);
        }
        rv = oxt_crypto_seal(&sealed, key, settings_secret_row(def, p), v,
                             res, p);
        *arg = OXT_DB_STR(sealed);
        return rv;
    default:
        *arg = OXT_DB_STR(v);
        return APR_SUCCESS;
    }
}

/* "UPDATE settings SET a = ?, b = ?, updated_at = NOW(), updated_by = ?"
 * for the settings values holds, in table order, and its arguments. */
static apr_status_t settings_update(const char **psql, oxt_db_arg_t *args,
                                    int *pnargs, const apr_table_t *values,
                                    const unsigned char *key,
                                    oxt_result_t *res, apr_pool_t *p)
{
    const char *sql = "UPDATE settings SET", *v;
    apr_status_t rv = APR_SUCCESS;
    int i, n = 0;

    for (i = 0; rv == APR_SUCCESS && i < SETTINGS_COUNT; i++) {
        v = apr_table_get(values, settings_table[i].key);
        if (v != NULL) {
            sql = apr_pstrcat(p, sql, " ", settings_table[i].column, " = ?,",
                              NULL);
            rv = settings_bind(&args[n++], &settings_table[i], v, key, res,
                               p);
        }
    }
    *psql = apr_pstrcat(p, sql, " updated_at = NOW(), updated_by = ?"
                        " WHERE id = 1", NULL);
    *pnargs = n;
    return rv;
}

apr_status_t oxt_settings_save(apr_array_header_t **perrors, oxt_db_t *db,
                               const apr_table_t *values,
                               const unsigned char *key,
                               const char *updated_by, oxt_result_t *res,
                               apr_pool_t *p)
{
    oxt_db_arg_t args[SETTINGS_COUNT + 1];
    unsigned long long changed = 0;
    const char *sql;
    int nargs;
    apr_status_t rv;

    if (oxt_settings_check(perrors, values, p) != APR_SUCCESS) {
        return oxt_result_set(res, APR_EINVAL, "Settings not saved",
                              "%d value(s) are not valid",
                              (*perrors)->nelts);
    }
    rv = settings_update(&sql, args, &nargs, values, key, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    args[nargs++] = OXT_DB_STR(updated_by);
    rv = oxt_db_exec(&changed, db, sql, args, nargs, res, p);
    if (rv == APR_SUCCESS && changed == 0) {
        return oxt_result_set(res, OXT_ESCHEMA, "Settings missing",
                              "run oxtender-replicator migrate");
    }
    return rv;
}

/* ---- the OX languages ------------------------------------------------------ */

apr_status_t oxt_settings_languages(apr_array_header_t **plangs,
                                    oxt_db_t *db, oxt_result_t *res,
                                    apr_pool_t *p)
{
    apr_array_header_t *rows, *out = apr_array_make(p, 8,
                                                    sizeof(oxt_language_t));
    const oxt_db_row_t *row;
    oxt_language_t *l;
    int i;
    apr_status_t rv;

    *plangs = out;
    rv = oxt_db_select(&rows, db, "SELECT code, name FROM ox_language"
                       " WHERE allowed = 1 ORDER BY name, code",
                       OXT_DB_NOARGS, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        l = apr_array_push(out);
        l->code = row->vals[0];
        l->name = row->vals[1] ? row->vals[1] : row->vals[0];
    }
    return rv;
}
