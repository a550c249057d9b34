/*
 * oxt_repl_cmd_settings.c — "oxtender-replicator settings": the Settings
 * page from the command line, for automation.
 *
 *   settings                    show them (the OX password never)
 *   settings set KEY VALUE      change one (KEY from the table below)
 *   settings set-ox-password    read the OX password from standard input
 *
 * The password is never taken from the command line: argv is visible to
 * every user of the machine.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "oxt_repl.h"
#include "oxt_crypto.h"
#include "oxt_secrets.h"
#include "oxt_json.h"

/* What a value must look like, checked before the database sees it (its
 * constraints are a second line, not the message a person reads). */
typedef enum {
    VAL_TEXT, VAL_BOOL, VAL_PORT, VAL_TIMEOUT, VAL_QUOTA, VAL_ATTEMPTS,
    VAL_LANGUAGE, VAL_TIMEZONE, VAL_ENUM
} settings_val_t;

/* Column names come from this table only; values are always bound. */
static const struct {
    const char *key;
    const char *column;
    settings_val_t type;
} settings_keys[] = {
    { "ox_connection_type", "ox_connection_type", VAL_ENUM },
    { "ox_host", "ox_host", VAL_TEXT },
    { "ox_use_https", "ox_use_https", VAL_BOOL },
    { "ox_allow_plain_http", "ox_allow_plain_http", VAL_BOOL },
    { "ox_username", "ox_username", VAL_TEXT },
    { "ox_master_override", "ox_master_override", VAL_BOOL },
    { "ox_unicode_mappings", "ox_unicode_mappings", VAL_BOOL },
    { "soap_timeout_s", "soap_timeout_s", VAL_TIMEOUT },
    { "debug_api", "debug_api", VAL_BOOL },
    { "imap_host", "imap_host", VAL_TEXT },
    { "imap_port", "imap_port", VAL_PORT },
    { "smtp_host", "smtp_host", VAL_TEXT },
    { "smtp_port", "smtp_port", VAL_PORT },
    { "default_quota_mb", "default_quota_mb", VAL_QUOTA },
    { "default_language", "default_language", VAL_LANGUAGE },
    { "default_timezone", "default_timezone", VAL_TIMEZONE },
    { "default_service_type", "default_service_type", VAL_ENUM },
    { "auto_delete", "auto_delete", VAL_BOOL },
    { "queue_max_attempts", "queue_max_attempts", VAL_ATTEMPTS },
};

static int val_number(const char *v, long min, long max)
{
    char *end;
    long n = strtol(v, &end, 10);

    return end != v && *end == '\0' && n >= min && n <= max;
}

/* ll_CC as OX wants it, or "plesk". */
static int val_language(const char *v)
{
    return strcmp(v, "plesk") == 0
        || (strlen(v) == 5 && apr_islower(v[0]) && apr_islower(v[1])
            && v[2] == '_' && apr_isupper(v[3]) && apr_isupper(v[4]));
}

/* An Olson name (Area/Location, letters, digits, _ + - /) or "plesk". */
static int val_timezone(const char *v)
{
    size_t i, n = strlen(v);

    if (strcmp(v, "plesk") == 0 || strcmp(v, "UTC") == 0) {
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(v[i]) && !strchr("_+-/", v[i])) {
            return 0;
        }
    }
    return n > 2 && n < 64 && strchr(v, '/') != NULL && v[0] != '/';
}

static int settings_valid(settings_val_t type, const char *v)
{
    switch (type) {
    case VAL_BOOL:     return strcmp(v, "0") == 0 || strcmp(v, "1") == 0;
    case VAL_PORT:     return val_number(v, 1, 65535);
    case VAL_TIMEOUT:  return val_number(v, 1, 3600);
    case VAL_QUOTA:    return val_number(v, 0, 100000000);
    case VAL_ATTEMPTS: return val_number(v, 1, 1000);
    case VAL_LANGUAGE: return val_language(v);
    case VAL_TIMEZONE: return val_timezone(v);
    default:           return strlen(v) < 256;
    }
}

static int settings_key(const char *key)
{
    size_t i;

    for (i = 0; i < sizeof(settings_keys) / sizeof(settings_keys[0]); i++) {
        if (strcmp(settings_keys[i].key, key) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static const char *settings_value(const oxt_db_row_t *row, const char *key)
{
    int k = settings_key(key);

    return k >= 0 && row->vals[k + 1] ? row->vals[k + 1] : "";
}

/* Plain HTTP to another machine: said on stderr, so the output above
 * stays "key = value" (or JSON) for scripts. */
static void settings_warn(oxt_repl_t *repl, const oxt_db_row_t *row)
{
    const char *host = settings_value(row, "ox_host");
    const char *why;

    if (*host == '\0') {
        return;
    }
    why = oxt_ox_plain_http_warning(
        oxt_ox_base_url(strcmp(settings_value(row, "ox_use_https"), "1") == 0,
                        host, repl->p),
        strcmp(settings_value(row, "ox_allow_plain_http"), "1") == 0,
        repl->p);
    if (why != NULL) {
        oxt_repl_fail("warning: %s", why);
    }
}

static int settings_show(oxt_repl_t *repl, oxt_db_t *db, oxt_result_t *res)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    size_t i, n = sizeof(settings_keys) / sizeof(settings_keys[0]);
    const char *cols = "ox_password_enc IS NOT NULL";

    for (i = 0; i < n; i++) {
        cols = apr_pstrcat(repl->p, cols, ", ", settings_keys[i].column,
                           NULL);
    }
    if (oxt_db_select(&rows, db, apr_pstrcat(repl->p, "SELECT ", cols,
                      " FROM settings WHERE id = 1", NULL), OXT_DB_NOARGS,
                      res, repl->p) != APR_SUCCESS || rows->nelts != 1) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    printf(repl->json ? "{\"ox_password_set\": %s" : "ox_password_set = %s\n",
           strcmp(row->vals[0], "1") == 0 ? "true" : "false");
    for (i = 0; i < n; i++) {
        if (repl->json) {
            printf(", %s: %s", oxt_json_str(settings_keys[i].key, repl->p),
                   oxt_json_str(row->vals[i + 1], repl->p));
        }
        else {
            printf("%s = %s\n", settings_keys[i].key,
                   row->vals[i + 1] ? row->vals[i + 1] : "");
        }
    }
    if (repl->json) {
        printf("}\n");
    }
    settings_warn(repl, row);
    return OXT_REPL_EXIT_OK;
}

static int settings_set(oxt_repl_t *repl, oxt_db_t *db, const char *key,
                        const char *value, oxt_result_t *res)
{
    int k = settings_key(key);
    const char *column;

    if (k < 0) {
        oxt_repl_fail("unknown setting '%s'", key);
        return OXT_REPL_EXIT_USAGE;
    }
    if (!settings_valid(settings_keys[k].type, value)) {
        oxt_repl_fail("%s: '%s' is not a valid value", key, value);
        return OXT_REPL_EXIT_FAIL;
    }
    column = settings_keys[k].column;
    if (oxt_db_exec(NULL, db, apr_pstrcat(repl->p, "UPDATE settings SET ",
                    column, " = ?, updated_at = NOW(),"
                    " updated_by = 'oxtender-replicator' WHERE id = 1",
                    NULL), OXT_DB_ARGS(OXT_DB_STR(value)), res, repl->p)
        != APR_SUCCESS) {
        /* The server's CHECK constraints and types judge the value. */
        oxt_repl_fail("%s: %s", key, oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    return OXT_REPL_EXIT_OK;
}

static int settings_set_password(oxt_repl_t *repl, oxt_db_t *db,
                                 oxt_result_t *res)
{
    char line[1024];
    oxt_crypto_keys_t keys;
    const char *sealed;
    size_t n;

    if (fgets(line, sizeof(line), stdin) == NULL) {
        oxt_repl_fail("no password on standard input");
        return OXT_REPL_EXIT_USAGE;
    }
    n = strcspn(line, "\r\n");
    line[n] = '\0';
    if (n == 0) {
        oxt_repl_fail("the password is empty");
        return OXT_REPL_EXIT_USAGE;
    }
    if (oxt_crypto_keys_load(&keys, repl->cfg->secret_key_file, res,
                             repl->p) != APR_SUCCESS
        || oxt_crypto_seal(&sealed, keys.seal, OXT_SECRETS_ROW_OX_PASSWORD,
                           line, res, repl->p) != APR_SUCCESS
        || oxt_db_exec(NULL, db, "UPDATE settings SET ox_password_enc = ?,"
                       " updated_at = NOW(), updated_by ="
                       " 'oxtender-replicator' WHERE id = 1",
                       OXT_DB_ARGS(OXT_DB_STR(sealed)), res, repl->p)
           != APR_SUCCESS) {
        memset(line, 0, sizeof(line));
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    memset(line, 0, sizeof(line));
    return OXT_REPL_EXIT_OK;
}

int oxt_repl_cmd_settings(oxt_repl_t *repl, int argc,
                          const char *const *argv)
{
    oxt_result_t *res = oxt_result_make(repl->p);
    oxt_db_t *db;

    if (oxt_repl_db_open(&db, repl, res) != APR_SUCCESS) {
        oxt_repl_fail("%s", oxt_result_text(res, repl->p));
        return OXT_REPL_EXIT_FAIL;
    }
    if (argc == 1) {
        return settings_show(repl, db, res);
    }
    if (argc == 4 && strcmp(argv[1], "set") == 0) {
        return settings_set(repl, db, argv[2], argv[3], res);
    }
    if (argc == 2 && strcmp(argv[1], "set-ox-password") == 0) {
        return settings_set_password(repl, db, res);
    }
    oxt_repl_fail("usage: settings | settings set KEY VALUE |"
                  " settings set-ox-password < file");
    return OXT_REPL_EXIT_USAGE;
}
