/*
 * oxt_settings.h — the Settings page's values, driven by one table.
 *
 * Each row of the table (oxt_setting_t, defined in oxt_settings.c) says
 * everything about one setting: the key the command line and the page use,
 * the column of the settings row, the type, the default, the rule a value
 * must follow, the message a form shows next to the field when it does not,
 * the label a page shows, and the field of oxt_settings_t it loads into.
 * Loading, showing, checking and saving all walk that table, so a default
 * or a rule is written exactly once, and every front end (the replicator's
 * "settings" command, the Settings page) is a loop over it.
 *
 * In the database a NULL column means "the default" (migration 0008): the
 * server keeps only the types, the core fills the values.
 *
 * Adding a setting: a column (a new migration: NULL, no DEFAULT), a field
 * in oxt_settings_t, and one row in the table. A new kind of value (a
 * host[:port], a set of languages kept in another table) is a new
 * oxt_setting_type_t handled in oxt_settings.c; rows stay one line each.
 * A rule between values (the default language among the allowed ones)
 * belongs in oxt_settings_check, which sees the whole set.
 */
#ifndef OXT_SETTINGS_H
#define OXT_SETTINGS_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"

/* ---- service types ------------------------------------------------------- */

typedef enum {
    OXT_SERVICE_WEBMAIL = 0,
    OXT_SERVICE_STANDARD,
    OXT_SERVICE_PREMIUM,
    OXT_SERVICE_COUNT
} oxt_service_t;

const char *oxt_service_code(oxt_service_t s);     /* "groupware_standard" */
const char *oxt_service_label(oxt_service_t s);    /* "Groupware Standard" */
apr_status_t oxt_service_parse(oxt_service_t *ps, const char *code);
/** Every code, in oxt_service_t order, NULL-terminated (oxt_db_row_enum). */
const char *const *oxt_service_codes(void);

/* "Plesk language" / "Plesk server time zone" in settings and prefs. */
#define OXT_SETTINGS_PLESK "plesk"

/* ---- the values ---------------------------------------------------------- */

/** A sealed secret: whether one is stored, and its text when loaded with
 *  the key. The text is never shown back, logged or printed. */
typedef struct oxt_secret_t {
    int set;
    const char *value;            /* NULL unless loaded with the key */
} oxt_secret_t;

/** The Settings, typed. Fields follow the rows of the table. */
typedef struct oxt_settings_t {
    int cloud;                    /* connection type "reseller" (OX cloud) */
    const char *ox_host;          /* host[:port] */
    int ox_https;
    int ox_allow_plain_http;      /* plain HTTP to a non-loopback OX host */
    const char *ox_username;
    oxt_secret_t ox_password;
    int master_override;
    int unicode_mappings;         /* OX accepts non-ASCII login mappings */
    int soap_timeout_s;
    int debug_api;
    const char *imap_host;
    int imap_port;
    const char *smtp_host;
    int smtp_port;
    int default_quota_mb;
    const char *default_language; /* ll_CC or "plesk" */
    const char *default_timezone; /* Olson id or "plesk" */
    int default_service;          /* oxt_service_t */
    int auto_delete;
    int queue_max_attempts;
    /* from the service_type table, not from the settings row */
    const char *access_combination[OXT_SERVICE_COUNT];
} oxt_settings_t;

/* ---- the table ----------------------------------------------------------- */

typedef enum {
    OXT_SETTING_TEXT,             /* text of at most max bytes, no control
                                     characters; field: const char * */
    OXT_SETTING_BOOL,             /* "0" or "1"; field: int */
    OXT_SETTING_INT,              /* a whole number in [min, max]; int */
    OXT_SETTING_ENUM,             /* one of choices; int, the choice's index */
    OXT_SETTING_SECRET            /* sealed with the secrets key, never shown;
                                     at most max bytes; oxt_secret_t */
} oxt_setting_type_t;

/** A rule beyond the type (a language code, a time zone): true if valid. */
typedef int oxt_setting_rule_fn(const char *value);

/** One setting. */
typedef struct oxt_setting_t {
    const char *key;              /* "imap_port": CLI and form name */
    const char *column;           /* column of the settings row */
    oxt_setting_type_t type;
    const char *def;              /* the default, as text */
    long min, max;                /* INT: the range; TEXT, SECRET: max bytes */
    const char *const *choices;   /* ENUM: the values, NULL-terminated */
    oxt_setting_rule_fn *rule;    /* may be NULL */
    const char *label;            /* "IMAP port" */
    const char *message;          /* shown next to the field when invalid */
    apr_size_t offset;            /* of the field in oxt_settings_t */
} oxt_setting_t;

/** The table, in the order a page shows it; *pcount gets its length. */
const oxt_setting_t *oxt_settings_table(int *pcount);

/** The row of key, or NULL. */
const oxt_setting_t *oxt_setting_find(const char *key);

/**
 * Checks one value (text as typed): APR_SUCCESS, or APR_EINVAL with
 * *pmessage set to the row's message (static text).
 */
apr_status_t oxt_setting_check(const char **pmessage,
                               const oxt_setting_t *setting,
                               const char *value);

/**
 * A setting's value as text, as the command line prints it and a form
 * fills it in ("143", "1", "reseller"). NULL for a secret: use
 * oxt_setting_secret. Result lives in p (or is the settings' own string).
 */
const char *oxt_setting_text(const oxt_settings_t *settings,
                             const oxt_setting_t *setting, apr_pool_t *p);

/** The secret of a SECRET row (whether it is set). */
const oxt_secret_t *oxt_setting_secret(const oxt_settings_t *settings,
                                       const oxt_setting_t *setting);

/* ---- loading ------------------------------------------------------------- */

/** Every field its default (no secret set, access combinations named
 *  after their service types). */
void oxt_settings_defaults(oxt_settings_t *settings);

/**
 * Loads the settings row: a NULL column, or a stored value that breaks
 * its rule (logged), gives the default. With key (32 bytes) secrets are
 * decrypted too. Strings live in p.
 */
apr_status_t oxt_settings_load(oxt_settings_t **psettings, oxt_db_t *db,
                               const unsigned char *key, oxt_result_t *res,
                               apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- checking and saving a set of values --------------------------------- */

/** A value that cannot be saved, for the message next to its field. */
typedef struct oxt_settings_error_t {
    const char *key;              /* as given */
    const char *message;
} oxt_settings_error_t;

/**
 * Checks values (key -> text, as a form posts them): every invalid value
 * and every unknown key gets its own oxt_settings_error_t in *perrors (in
 * p; empty when all are valid). APR_SUCCESS or APR_EINVAL.
 */
apr_status_t oxt_settings_check(apr_array_header_t **perrors,
                                const apr_table_t *values, apr_pool_t *p);

/**
 * Saves values (key -> text) when every one is valid, with one prepared
 * UPDATE that records updated_at and updated_by; otherwise saves nothing
 * and returns APR_EINVAL with the errors in *perrors (as
 * oxt_settings_check). Secrets are sealed with key (32 bytes), which may
 * be NULL when values holds none. A key that appears twice counts once.
 */
apr_status_t oxt_settings_save(apr_array_header_t **perrors, oxt_db_t *db,
                               const apr_table_t *values,
                               const unsigned char *key,
                               const char *updated_by, oxt_result_t *res,
                               apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- the OX languages ------------------------------------------------------ */

/** One OX language of the catalogue (table ox_language). */
typedef struct oxt_language_t {
    const char *code;             /* "en_US" */
    const char *name;             /* "English (United States)" */
} oxt_language_t;

/**
 * The languages enabled in Settings ("OX languages", ox_language.allowed),
 * sorted by name: oxt_language_t in p. The pages offer only these.
 */
apr_status_t oxt_settings_languages(apr_array_header_t **plangs,
                                    oxt_db_t *db, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_SETTINGS_H */
