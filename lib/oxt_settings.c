/*
 * oxt_settings.c — see oxt_settings.h.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "oxt_settings.h"
#include "oxt_tz.h"
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

/* ---- mail servers ----------------------------------------------------- */

/* A host name of letters, digits and hyphens in dot-separated labels of
 * 1..63 bytes, no label starting or ending with a hyphen (RFC 1123); an
 * IDN host is written in its ASCII (punycode) form. */
static int server_hostname(const char *h, size_t n)
{
    size_t i, label = 0;

    if (n == 0 || n > 253) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (h[i] == '.') {
            if (label == 0 || h[i - 1] == '-') {
                return 0;
            }
            label = 0;
        }
        else if (apr_isalnum(h[i]) || (h[i] == '-' && label > 0)) {
            if (++label > 63) {
                return 0;
            }
        }
        else {
            return 0;
        }
    }
    return label > 0 && h[n - 1] != '-';
}

static int server_port(int *pport, const char *v)
{
    long n = 0;
    int i;

    for (i = 0; v[i] != '\0'; i++) {
        if (!apr_isdigit(v[i]) || i >= 5) {
            return 0;
        }
        n = n * 10 + (v[i] - '0');
    }
    *pport = (int)n;
    return i > 0 && n >= 1 && n <= 65535;
}

/* An address inet_pton takes, n bytes at a (no NUL needed). */
static int server_address(int family, const char *a, size_t n)
{
    char buf[INET6_ADDRSTRLEN + 1];
    unsigned char out[sizeof(struct in6_addr)];

    if (n == 0 || n >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, a, n);
    buf[n] = '\0';
    return inet_pton(family, buf, out) == 1;
}

/* Checks "host[:port]" in place: *phostlen is the host's length (an IPv6
 * address with its brackets), *pport the port, 0 when none is given. */
static int server_check(const char *t, size_t *phostlen, int *pport)
{
    const char *end, *colon;

    *pport = 0;
    if (strlen(t) > 300) {
        return 0;
    }
    if (*t == '[') {
        end = strchr(t, ']');
        if (end == NULL || !server_address(AF_INET6, t + 1,
                                           (size_t)(end - t - 1))) {
            return 0;
        }
        *phostlen = (size_t)(end - t + 1);
        return end[1] == '\0' || (end[1] == ':'
                                  && server_port(pport, end + 2));
    }
    colon = strchr(t, ':');
    if (colon != NULL && (strchr(colon + 1, ':') != NULL
                          || !server_port(pport, colon + 1))) {
        return 0;                     /* a bare IPv6 address, a bad port */
    }
    *phostlen = colon ? (size_t)(colon - t) : strlen(t);
    return server_address(AF_INET, t, *phostlen)
        || server_hostname(t, *phostlen);
}

apr_status_t oxt_server_parse(oxt_server_t *srv, const char *text,
                              int default_port, apr_pool_t *p)
{
    size_t hostlen;
    int port;

    if (text == NULL || !server_check(text, &hostlen, &port)) {
        return APR_EINVAL;
    }
    srv->host = apr_pstrndup(p, text, hostlen);
    srv->port = port ? port : default_port;
    return APR_SUCCESS;
}

const char *oxt_server_text(const oxt_server_t *srv, int default_port,
                            apr_pool_t *p)
{
    const char *host = srv->host ? srv->host : "";

    if (*host == '\0' || srv->port == default_port || srv->port <= 0) {
        return host;
    }
    return apr_psprintf(p, "%s:%d", host, srv->port);
}

/* ---- rules beyond the types ---------------------------------------------- */

static int is_language_code(const char *v, size_t n)
{
    return n == 5 && apr_islower(v[0]) && apr_islower(v[1]) && v[2] == '_'
        && apr_isupper(v[3]) && apr_isupper(v[4]);
}

/* ll_CC as OX wants it, or "plesk". */
static int rule_language(const char *v)
{
    return strcmp(v, OXT_SETTINGS_PLESK) == 0
        || is_language_code(v, strlen(v));
}

/* A zone of the list (oxt_tz.h), or "plesk". */
static int rule_timezone(const char *v)
{
    return strcmp(v, OXT_SETTINGS_PLESK) == 0 || oxt_tz_find(v) != NULL;
}

/* The OX server: not set yet, or host[:port] (the scheme's port when
 * none is given). */
static int rule_ox_host(const char *v)
{
    size_t hostlen;
    int port;

    return *v == '\0' || server_check(v, &hostlen, &port);
}

#define LANGUAGES_MAX 200

/* "en_US,de_DE": codes of the shape ll_CC, none twice; "" for none. */
static int languages_valid(const char *v)
{
    const char *seen[LANGUAGES_MAX];
    int n = 0, i;
    size_t len;

    while (*v != '\0') {
        len = strcspn(v, ",");
        if (!is_language_code(v, len) || n == LANGUAGES_MAX) {
            return 0;
        }
        for (i = 0; i < n; i++) {
            if (strncmp(seen[i], v, 5) == 0) {
                return 0;
            }
        }
        seen[n++] = v;
        v += len;
        if (*v == ',' && *++v == '\0') {
            return 0;                  /* a trailing comma */
        }
    }
    return 1;
}

/* ---- the table ----------------------------------------------------------- */

/* The stored values ("reseller" since 0001; OX's own word for its cloud
 * service), as the OX connection type is kept and printed. */
static const char *const connection_types[] = {
    "standalone", "reseller", NULL
};

/* Other words taken for a choice, as the page says it: "cloud" is read
 * as "reseller" (and stored as "reseller"). */
static const struct {
    const char *const *choices;
    const char *alias, *choice;
} choice_aliases[] = {
    { connection_types, "cloud", "reseller" },
};

#define AT(field) offsetof(oxt_settings_t, field)
#define YES_NO "Choose 1 (yes) or 0 (no)."
#define PAGE OXT_SETTING_PAGE
#define SERVER_RULE(def) \
    "A host name or IP address, optionally with :port (1 to 65535; " def \
    " when left out); an IPv6 address in brackets, such as" \
    " [2001:db8::1]:" def "."

/* Column names reach SQL from this table only; values are always bound.
 * Text limits follow the columns' sizes. The fields of the Settings page
 * come first, in the guide's order. */
static const oxt_setting_t settings_table[] = {
    { "ox_connection_type", "ox_connection_type", OXT_SETTING_ENUM,
      "standalone", 0, 0, connection_types, NULL, "OX connection type",
      "Choose standalone (the OX administrator's account) or cloud (an OX"
      " reseller's account).",
      AT(cloud), PAGE, NULL },
    { "ox_host", "ox_host", OXT_SETTING_TEXT, "", 0, 255, NULL,
      rule_ox_host, "OX IP or hostname",
      "The OX server's IP address or host name, with :port if it is not"
      " the usual one (an IPv6 address in brackets); at most 255"
      " characters.", AT(ox_host), PAGE,
      "Enter the IP address or host name of the OX server." },
    { "ox_username", "ox_username", OXT_SETTING_TEXT, "", 0, 255, NULL,
      NULL, "OX username", "At most 255 characters.", AT(ox_username),
      PAGE, "Enter the OX username." },
    { "ox_password", "ox_password_enc", OXT_SETTING_SECRET, NULL, 0, 512,
      NULL, NULL, "OX password", "Between 1 and 512 characters.",
      AT(ox_password), PAGE, "Enter the OX password." },
    { "ox_use_https", "ox_use_https", OXT_SETTING_BOOL, "1", 0, 0, NULL,
      NULL, "Use HTTPS", YES_NO, AT(ox_https), PAGE, NULL },
    { "soap_timeout_s", "soap_timeout_s", OXT_SETTING_INT, "30", 1, 3600,
      NULL, NULL, "Wait for (seconds) to receive an answer from OX server",
      "A number of seconds from 1 to 3600.", AT(soap_timeout_s), PAGE,
      "Enter how many seconds to wait for an answer from OX." },
    { "debug_api", "debug_api", OXT_SETTING_BOOL, "0", 0, 0, NULL, NULL,
      "Debug API requests", YES_NO, AT(debug_api), PAGE, NULL },
    { "imap_server", "imap_server", OXT_SETTING_SERVER, "", 143, 0, NULL,
      NULL, "Plesk IMAP server for OX to connect to", SERVER_RULE("143"),
      AT(imap), PAGE, "Enter the Plesk IMAP server for OX to connect to." },
    { "smtp_server", "smtp_server", OXT_SETTING_SERVER, "", 25, 0, NULL,
      NULL, "Plesk SMTP server for OX to connect to", SERVER_RULE("25"),
      AT(smtp), PAGE, "Enter the Plesk SMTP server for OX to connect to." },
    { "default_quota_mb", "default_quota_mb", OXT_SETTING_INT, "100", 0,
      100000000, NULL, NULL, "Default Infostore quota per domain (MB)",
      "A number of MB from 0 to 100000000.", AT(default_quota_mb), PAGE,
      "Enter the default Infostore quota per domain." },
    { "ox_languages", NULL, OXT_SETTING_LANGUAGES, "en_US", 0, 0, NULL,
      NULL, "OX languages",
      "Choose the languages from the list of OX languages.",
      AT(languages), PAGE, NULL },
    { "default_language", "default_language", OXT_SETTING_TEXT, "plesk", 0,
      16, NULL, rule_language, "Default OX language",
      "An OX language such as en_US, or plesk for the owner's Plesk"
      " language.", AT(default_language), PAGE,
      "Choose the default OX language." },
    { "default_timezone", "default_timezone", OXT_SETTING_TEXT, "plesk", 0,
      64, NULL, rule_timezone, "Default OX time zone",
      "A time zone of the list, such as Europe/Berlin, or plesk for the"
      " server's.", AT(default_timezone), PAGE,
      "Choose the default OX time zone." },
    { "auto_delete", "auto_delete", OXT_SETTING_BOOL, "0", 0, 0, NULL, NULL,
      "Automatically delete from OX the accounts erased in Plesk", YES_NO,
      AT(auto_delete), PAGE, NULL },
    { "log_retention_days", "log_retention_days", OXT_SETTING_INT, "90", 1,
      3650, NULL, NULL, "Keep replication logs for (days)",
      "A number of days from 1 to 3650.", AT(log_retention_days), PAGE,
      "Enter how many days replication logs are kept." },
    { "log_max_rows", "log_max_rows", OXT_SETTING_INT, "1000000", 1000,
      10000000, NULL, NULL, "Keep at most (replication log rows)",
      "A number of rows from 1000 to 10000000.", AT(log_max_rows), PAGE,
      "Enter how many replication log rows are kept at most." },
    { "ox_allow_plain_http", "ox_allow_plain_http", OXT_SETTING_BOOL, "0",
      0, 0, NULL, NULL, "Allow plain HTTP to an OX server on another"
      " machine (passwords travel in clear)", YES_NO,
      AT(ox_allow_plain_http), 0, NULL },
    { "ox_master_override", "ox_master_override", OXT_SETTING_BOOL, "0", 0,
      0, NULL, NULL, "Master account override", YES_NO,
      AT(master_override), 0, NULL },
    { "ox_unicode_mappings", "ox_unicode_mappings", OXT_SETTING_BOOL, "0",
      0, 0, NULL, NULL, "OX accepts non-ASCII login mappings", YES_NO,
      AT(unicode_mappings), 0, NULL },
    { "default_service_type", "default_service_type", OXT_SETTING_ENUM,
      "webmail", 0, 0, service_codes, NULL, "Default service type",
      "Choose webmail, groupware_standard or groupware_premium.",
      AT(default_service), 0, NULL },
    { "queue_max_attempts", "queue_max_attempts", OXT_SETTING_INT, "10", 1,
      1000, NULL, NULL, "Attempts before an item is parked",
      "A number from 1 to 1000.", AT(queue_max_attempts), 0, NULL },
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
    size_t a;
    int i;

    for (a = 0; a < sizeof(choice_aliases) / sizeof(choice_aliases[0]);
         a++) {
        if (choice_aliases[a].choices == s->choices
            && strcmp(choice_aliases[a].alias, v) == 0) {
            v = choice_aliases[a].choice;
        }
    }
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
    size_t hostlen;
    int port;
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
    case OXT_SETTING_SERVER:
        return *v == '\0' || server_check(v, &hostlen, &port);
    case OXT_SETTING_LANGUAGES:
        return languages_valid(v);
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

/* Sets the field of s from valid text v, which must outlive s; p holds
 * what is parsed out of it (a server's host; NULL only for "" servers). */
static void setting_store(oxt_settings_t *s, const oxt_setting_t *def,
                          const char *v, apr_pool_t *p)
{
    char *field = (char *)s + def->offset;
    oxt_server_t *srv = (oxt_server_t *)field;

    switch (def->type) {
    case OXT_SETTING_TEXT:
    case OXT_SETTING_LANGUAGES:
        *(const char **)field = v;
        break;
    case OXT_SETTING_ENUM:
        *(int *)field = setting_choice(def, v);
        break;
    case OXT_SETTING_SECRET:
        break;
    case OXT_SETTING_SERVER:
        srv->host = "";
        srv->port = (int)def->min;
        if (*v != '\0') {
            (void)oxt_server_parse(srv, v, (int)def->min, p);
        }
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
    case OXT_SETTING_LANGUAGES:
        return *(const char *const *)field;
    case OXT_SETTING_SECRET:
        return NULL;
    case OXT_SETTING_ENUM:
        n = *(const int *)field;
        return n >= 0 ? setting->choices[n] : "";
    case OXT_SETTING_SERVER:
        return oxt_server_text((const oxt_server_t *)field,
                               (int)setting->min, p);
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

/* ---- languages ------------------------------------------------------------ */

apr_status_t oxt_settings_languages(apr_array_header_t **plangs,
                                    oxt_db_t *db, oxt_result_t *res,
                                    apr_pool_t *p)
{
    apr_array_header_t *rows, *out;
    const oxt_db_row_t *row;
    oxt_language_t *l;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, "SELECT code, name, allowed"
                       " FROM ox_language ORDER BY name, code",
                       OXT_DB_NOARGS, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    out = apr_array_make(p, rows->nelts, sizeof(oxt_language_t));
    for (i = 0; i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        l = apr_array_push(out);
        l->code = row->vals[0];
        l->name = row->vals[1] ? row->vals[1] : row->vals[0];
        l->allowed = oxt_db_row_bool(row, 2);
    }
    *plangs = out;
    return APR_SUCCESS;
}

apr_status_t oxt_settings_languages_allowed(apr_array_header_t **plangs,
                                            oxt_db_t *db, oxt_result_t *res,
                                            apr_pool_t *p)
{
    apr_array_header_t *all;
    const oxt_language_t *l;
    int i;
    apr_status_t rv = oxt_settings_languages(&all, db, res, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    *plangs = apr_array_make(p, all->nelts, sizeof(oxt_language_t));
    for (i = 0; i < all->nelts; i++) {
        l = &APR_ARRAY_IDX(all, i, oxt_language_t);
        if (l->allowed) {
            *(oxt_language_t *)apr_array_push(*plangs) = *l;
        }
    }
    return APR_SUCCESS;
}

/* Is code (n bytes) in the comma-separated list? */
static int languages_has(const char *list, const char *code, size_t n)
{
    size_t len;

    while (list != NULL && *list != '\0') {
        len = strcspn(list, ",");
        if (len == n && strncmp(list, code, n) == 0) {
            return 1;
        }
        list += len + (list[len] == ',');
    }
    return 0;
}

int oxt_settings_language_chosen(const oxt_settings_t *settings,
                                 const char *code)
{
    return code != NULL && languages_has(settings->languages, code,
                                         strlen(code));
}

/* The chosen languages, as stored: the allowed flags of ox_language. */
static apr_status_t settings_load_languages(oxt_settings_t *s, oxt_db_t *db,
                                            oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows, *codes;
    int i;
    apr_status_t rv;

    rv = oxt_db_select(&rows, db, "SELECT code FROM ox_language"
                       " WHERE allowed = 1 ORDER BY code", OXT_DB_NOARGS,
                       res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    codes = apr_array_make(p, rows->nelts, sizeof(const char *));
    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(codes, const char *) =
            APR_ARRAY_IDX(rows, i, const oxt_db_row_t *)->vals[0];
    }
    s->languages = apr_array_pstrcat(p, codes, ',');
    return APR_SUCCESS;
}

/* ---- loading ------------------------------------------------------------- */

void oxt_settings_defaults(oxt_settings_t *settings)
{
    int i;

    memset(settings, 0, sizeof(*settings));
    for (i = 0; i < SETTINGS_COUNT; i++) {
        if (settings_table[i].def != NULL) {
            setting_store(settings, &settings_table[i], settings_table[i].def,
                          NULL);
        }
    }
    for (i = 0; i < OXT_SERVICE_COUNT; i++) {
        settings->access_combination[i] = service_codes[i];
    }
}

/* "SELECT <every column of the table> FROM settings WHERE id = 1": the
 * values come back in the order of the table, read by the table's row
 * (NULL where a setting has no column). */
static const char *settings_select_sql(apr_pool_t *p)
{
    apr_array_header_t *cols = apr_array_make(p, SETTINGS_COUNT,
                                              sizeof(const char *));
    int i;

    for (i = 0; i < SETTINGS_COUNT; i++) {
        APR_ARRAY_PUSH(cols, const char *) = settings_table[i].column
            ? settings_table[i].column : "NULL";
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
    setting_store(s, def, v, p);
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
    if (rv == APR_SUCCESS) {
        rv = settings_load_languages(s, db, res, p);
    }
    *psettings = s;
    return rv;
}

/* ---- checking ------------------------------------------------------------ */

static int settings_has_error(const apr_array_header_t *errors,
                              const char *key)
{
    int i;

    for (i = 0; i < errors->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(errors, i, oxt_settings_error_t).key,
                   key) == 0) {
            return 1;
        }
    }
    return 0;
}

/* One message per field: a second one for the same key is dropped. */
static void settings_error(apr_array_header_t *errors, const char *key,
                           const char *message)
{
    oxt_settings_error_t *e;

    if (settings_has_error(errors, key)) {
        return;
    }
    e = apr_array_push(errors);
    e->key = key;
    e->message = message;
}

/* Every code of list is in the catalogue. */
static int languages_known(const char *list,
                           const apr_array_header_t *catalogue)
{
    size_t len;
    int i, found;

    while (*list != '\0') {
        len = strcspn(list, ",");
        for (i = 0, found = 0; !found && i < catalogue->nelts; i++) {
            found = strncmp(APR_ARRAY_IDX(catalogue, i, oxt_language_t).code,
                            list, len) == 0
                && APR_ARRAY_IDX(catalogue, i, oxt_language_t).code[len]
                   == '\0';
        }
        if (!found) {
            return 0;
        }
        list += len + (list[len] == ',');
    }
    return 1;
}

#define DEFAULT_LANGUAGE_NOT_CHOSEN \
    "Must be one of the OX languages chosen, or Plesk language on" \
    " replicated accounts."

/* The rules between values, on the values as they would be saved. */
static void settings_cross_check(apr_array_header_t *errors,
                                 const apr_table_t *values,
                                 const oxt_settings_t *current,
                                 const apr_array_header_t *catalogue)
{
    oxt_settings_t defaults;
    const char *langs = apr_table_get(values, "ox_languages");
    const char *dflt = apr_table_get(values, "default_language");

    if (current == NULL) {
        oxt_settings_defaults(&defaults);
        current = &defaults;
    }
    if (langs != NULL && catalogue != NULL
        && !settings_has_error(errors, "ox_languages")
        && !languages_known(langs, catalogue)) {
        settings_error(errors, "ox_languages",
                       oxt_setting_find("ox_languages")->message);
    }
    if (langs == NULL && dflt == NULL) {
        return;
    }
    langs = langs ? langs : current->languages;
    dflt = dflt ? dflt : current->default_language;
    if (!settings_has_error(errors, "default_language")
        && strcmp(dflt, OXT_SETTINGS_PLESK) != 0
        && !languages_has(langs, dflt, strlen(dflt))) {
        settings_error(errors, "default_language",
                       DEFAULT_LANGUAGE_NOT_CHOSEN);
    }
}

/* Each value by its own row; unknown keys refused. */
static apr_array_header_t *settings_check_each(const apr_table_t *values,
                                               apr_pool_t *p)
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
    return errors;
}

apr_status_t oxt_settings_check(apr_array_header_t **perrors,
                                const apr_table_t *values,
                                const oxt_settings_t *current,
                                const apr_array_header_t *catalogue,
                                apr_pool_t *p)
{
    apr_array_header_t *errors = settings_check_each(values, p);

    settings_cross_check(errors, values, current, catalogue);
    *perrors = errors;
    return errors->nelts ? APR_EINVAL : APR_SUCCESS;
}

/* ---- saving ------------------------------------------------------------------ */

/* The value to bind for one valid setting: numbers as numbers, secrets
 * sealed, servers in their canonical text. */
static apr_status_t settings_bind(oxt_db_arg_t *arg, const oxt_setting_t *def,
                                  const char *v, const unsigned char *key,
                                  oxt_result_t *res, apr_pool_t *p)
{
    oxt_server_t srv;
    const char *sealed;
    apr_status_t rv;

    switch (def->type) {
    case OXT_SETTING_BOOL:
    case OXT_SETTING_INT:
        *arg = OXT_DB_INT(strtol(v, NULL, 10));
        return APR_SUCCESS;
    case OXT_SETTING_ENUM:
        *arg = OXT_DB_STR(def->choices[setting_choice(def, v)]);
        return APR_SUCCESS;                 /* an alias as its choice */
    case OXT_SETTING_SECRET:
        if (key == NULL) {
            return oxt_result_set(res, APR_EINVAL, "Settings not saved",
                                  "%s needs the secrets key", def->key);
        }
        rv = oxt_crypto_seal(&sealed, key, settings_secret_row(def, p), v,
                             res, p);
        *arg = OXT_DB_STR(sealed);
        return rv;
    case OXT_SETTING_SERVER:
        srv.host = "";
        srv.port = (int)def->min;
        if (*v != '\0') {
            (void)oxt_server_parse(&srv, v, (int)def->min, p);
        }
        *arg = OXT_DB_STR(oxt_server_text(&srv, (int)def->min, p));
        return APR_SUCCESS;
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
        if (v != NULL && settings_table[i].column != NULL) {
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

/* ox_language.allowed = whether the code is in list (valid, known). */
static apr_status_t settings_save_languages(oxt_db_t *db, const char *list,
                                            oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "UPDATE ox_language SET allowed ="
        " (FIND_IN_SET(code, ?) > 0)", OXT_DB_ARGS(OXT_DB_STR(list)), res,
        p);
}

static apr_status_t settings_write(oxt_db_t *db, const apr_table_t *values,
                                   const unsigned char *key,
                                   const char *updated_by, oxt_result_t *res,
                                   apr_pool_t *p)
{
    oxt_db_arg_t args[SETTINGS_COUNT + 1];
    unsigned long long changed = 0;
    long long one = 0;
    const char *sql, *langs = apr_table_get(values, "ox_languages");
    int nargs;
    apr_status_t rv;

    rv = settings_update(&sql, args, &nargs, values, key, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    args[nargs++] = OXT_DB_STR(updated_by);
    rv = oxt_db_exec(&changed, db, sql, args, nargs, res, p);
    /* No row changed: the same values again within the same second, or
     * no settings row at all. */
    if (rv == APR_SUCCESS && changed == 0
        && oxt_db_select_int(&one, db, "SELECT 1 FROM settings WHERE id = 1",
                             OXT_DB_NOARGS, res, p) == APR_ENOENT) {
        return oxt_result_set(res, OXT_ESCHEMA, "Settings missing",
                              "run oxtender-replicator migrate");
    }
    if (rv == APR_SUCCESS && langs != NULL) {
        rv = settings_save_languages(db, langs, res, p);
    }
    return rv;
}

static apr_status_t settings_refused(apr_array_header_t *errors,
                                     oxt_result_t *res)
{
    return oxt_result_set(res, APR_EINVAL, "Settings not saved",
                          "%d value(s) are not valid", errors->nelts);
}

apr_status_t oxt_settings_save(apr_array_header_t **perrors, oxt_db_t *db,
                               const apr_table_t *values,
                               const unsigned char *key,
                               const char *updated_by, oxt_result_t *res,
                               apr_pool_t *p)
{
    oxt_settings_t *current;
    apr_array_header_t *catalogue;
    apr_status_t rv;

    /* Each value by itself first: a refused one never needs the database. */
    *perrors = settings_check_each(values, p);
    if ((*perrors)->nelts > 0) {
        return settings_refused(*perrors, res);
    }
    rv = oxt_db_begin(db, res);
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_load(&current, db, NULL, res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_settings_languages(&catalogue, db, res, p);
    }
    if (rv == APR_SUCCESS
        && oxt_settings_check(perrors, values, current, catalogue, p)
           != APR_SUCCESS) {
        rv = settings_refused(*perrors, res);
    }
    if (rv == APR_SUCCESS) {
        rv = settings_write(db, values, key, updated_by, res, p);
    }
    if (rv == APR_SUCCESS) {
        return oxt_db_commit(db, res);
    }
    oxt_db_rollback(db);
    return rv;
}

/* ---- the Settings page's form -------------------------------------------- */

/* The text a field of the form means; NULL: leave it out (keep). */
static const char *form_value(const oxt_setting_t *def, const char *v)
{
    if (def->type == OXT_SETTING_BOOL) {
        return v != NULL && *v != '\0' ? v : "0";   /* unticked: absent */
    }
    if (def->type == OXT_SETTING_SECRET && (v == NULL || *v == '\0')) {
        return NULL;                          /* empty: keep the stored */
    }
    return v != NULL ? v : "";
}

void oxt_settings_form_values(apr_table_t **pvalues,
                              apr_array_header_t **perrors,
                              const apr_table_t *form,
                              const oxt_settings_t *current, apr_pool_t *p)
{
    apr_table_t *values = apr_table_make(p, SETTINGS_COUNT);
    apr_array_header_t *errors = apr_array_make(p, 4,
                                                sizeof(oxt_settings_error_t));
    const oxt_setting_t *def;
    const char *v;
    int i, stored;

    for (i = 0; i < SETTINGS_COUNT; i++) {
        def = &settings_table[i];
        if (!(def->flags & OXT_SETTING_PAGE)) {
            continue;
        }
        v = form_value(def, apr_table_get(form, def->key));
        stored = def->type == OXT_SETTING_SECRET && current != NULL
                 && oxt_setting_secret(current, def)->set;
        if (def->required != NULL && (v == NULL ? !stored : *v == '\0')) {
            settings_error(errors, def->key, def->required);
        }
        else if (v != NULL) {
            apr_table_setn(values, def->key, v);
        }
    }
    *pvalues = values;
    *perrors = errors;
}

/* The OX server a URL of that scheme reaches for text (host[:port]): the
 * host in lower case, the scheme's port when none is given. */
static int form_ox_endpoint(const char **phost, int *pport, const char *text,
                            int https, apr_pool_t *p)
{
    size_t hostlen, i;
    int port;
    char *host;

    if (text == NULL || *text == '\0' || !server_check(text, &hostlen,
                                                        &port)) {
        return 0;
    }
    host = apr_pstrndup(p, text, hostlen);
    for (i = 0; i < hostlen; i++) {
        host[i] = (char)apr_tolower(host[i]);
    }
    *phost = host;
    *pport = port ? port : https ? 443 : 80;
    return 1;
}

/* Do values (a key left out: as stored) point at the OX server and
 * account current was saved for: the same connection type, scheme, host,
 * port and username? */
static int form_same_ox(const apr_table_t *values,
                        const oxt_settings_t *current, apr_pool_t *p)
{
    const char *type = apr_table_get(values, "ox_connection_type");
    const char *host = apr_table_get(values, "ox_host");
    const char *user = apr_table_get(values, "ox_username");
    const char *tls = apr_table_get(values, "ox_use_https");
    const char *h1, *h2;
    int https, p1, p2;

    https = tls != NULL ? strcmp(tls, "1") == 0 : current->ox_https;
    return (type == NULL
            || setting_choice(oxt_setting_find("ox_connection_type"), type)
               == current->cloud)
        && https == current->ox_https
        && (user == NULL || strcmp(user, current->ox_username) == 0)
        && form_ox_endpoint(&h1, &p1, host ? host : current->ox_host, https,
                            p)
        && form_ox_endpoint(&h2, &p2, current->ox_host, current->ox_https, p)
        && strcmp(h1, h2) == 0 && p1 == p2;
}

#define PASSWORD_ELSEWHERE \
    "Type the OX password: the stored one is only sent to the OX server" \
    " and account it was saved for (the same connection type, host, port," \
    " HTTPS and username)."

/* An empty password keeps the stored one only for the stored OX server
 * and account: anywhere else it must be typed, or a page could send the
 * stored password to a host of its choice (Test connection at once, OK
 * at the replicator's next pass). Said once the fields it depends on are
 * themselves valid. */
static void form_password_rule(apr_array_header_t *errors,
                               const apr_table_t *values,
                               const oxt_settings_t *current, apr_pool_t *p)
{
    static const char *const deps[] = {
        "ox_password", "ox_connection_type", "ox_host", "ox_username",
        "ox_use_https", NULL
    };
    int i;

    if (apr_table_get(values, "ox_password") != NULL || current == NULL
        || !current->ox_password.set) {
        return;                   /* typed, or required (form_values) */
    }
    for (i = 0; deps[i] != NULL; i++) {
        if (settings_has_error(errors, deps[i])) {
            return;
        }
    }
    if (!form_same_ox(values, current, p)) {
        settings_error(errors, "ox_password", PASSWORD_ELSEWHERE);
    }
}

apr_status_t oxt_settings_form_check(apr_table_t **pvalues,
                                     apr_array_header_t **perrors,
                                     const apr_table_t *form,
                                     const oxt_settings_t *current,
                                     const apr_array_header_t *catalogue,
                                     apr_pool_t *p)
{
    apr_table_t *values;
    apr_array_header_t *errors, *more;
    int i;

    oxt_settings_form_values(&values, &errors, form, current, p);
    /* Every field's own message, even when one is already missing. */
    (void)oxt_settings_check(&more, values, current, catalogue, p);
    for (i = 0; i < more->nelts; i++) {
        settings_error(errors, APR_ARRAY_IDX(more, i,
                                             oxt_settings_error_t).key,
                       APR_ARRAY_IDX(more, i, oxt_settings_error_t).message);
    }
    form_password_rule(errors, values, current, p);
    *pvalues = values;
    *perrors = errors;
    return errors->nelts > 0 ? APR_EINVAL : APR_SUCCESS;
}

apr_status_t oxt_settings_form_save(apr_array_header_t **perrors,
                                    oxt_db_t *db, const apr_table_t *form,
                                    const oxt_settings_t *current,
                                    const unsigned char *key,
                                    const char *updated_by,
                                    oxt_result_t *res, apr_pool_t *p)
{
    apr_table_t *values;

    /* The form first: a refused one never needs the database. The OX
     * languages against the catalogue are oxt_settings_save's part. */
    if (oxt_settings_form_check(&values, perrors, form, current, NULL, p)
        != APR_SUCCESS) {
        return settings_refused(*perrors, res);
    }
    return oxt_settings_save(perrors, db, values, key, updated_by, res, p);
}

apr_status_t oxt_settings_form_test(oxt_settings_t **ptest,
                                    apr_array_header_t **perrors,
                                    const apr_table_t *form,
                                    const oxt_settings_t *current,
                                    const apr_array_header_t *catalogue,
                                    apr_pool_t *p)
{
    const apr_array_header_t *elts;
    const apr_table_entry_t *e;
    const oxt_setting_t *def;
    apr_table_t *values;
    oxt_settings_t *s;
    oxt_secret_t *secret;
    int i;

    /* As OK: the form, then the values against the catalogue
     * (oxt_settings_form_save, oxt_settings_save). */
    *ptest = NULL;
    if (oxt_settings_form_check(&values, perrors, form, current, NULL, p)
            != APR_SUCCESS
        || oxt_settings_check(perrors, values, current, catalogue, p)
            != APR_SUCCESS) {
        return APR_EINVAL;
    }
    s = apr_pmemdup(p, current, sizeof(*current));
    elts = apr_table_elts(values);
    e = (const apr_table_entry_t *)elts->elts;
    for (i = 0; i < elts->nelts; i++) {
        def = oxt_setting_find(e[i].key);
        if (def->type == OXT_SETTING_SECRET) {
            secret = (oxt_secret_t *)((char *)s + def->offset);
            secret->set = 1;
            secret->value = apr_pstrdup(p, e[i].val);
        }
        else {
            setting_store(s, def, apr_pstrdup(p, e[i].val), p);
        }
    }
    *ptest = s;
    return APR_SUCCESS;
}
