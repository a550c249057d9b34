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
 * in oxt_settings_t, and one row in the table. A new kind of value is a
 * new oxt_setting_type_t handled in oxt_settings.c; rows stay one line
 * each. A rule between values (the default language among the chosen
 * ones) belongs in oxt_settings_check, which sees the whole set and what
 * is stored.
 *
 * Two kinds of value are more than one column: a mail server
 * (OXT_SETTING_SERVER, "host[:port]" as typed, kept as one text column)
 * and the OX languages (OXT_SETTING_LANGUAGES, the allowed flags of the
 * ox_language table, typed as a comma-separated list of codes).
 *
 * Front ends:
 *   the replicator's "settings" command   oxt_settings_load, _save
 *   the Settings page, showing            oxt_settings_load (no key: the
 *                                         password is never shown),
 *                                         oxt_settings_table (fields with
 *                                         OXT_SETTING_PAGE, label,
 *                                         required), oxt_settings_languages,
 *                                         oxt_tz_list (oxt_tz.h)
 *   the Settings page, OK                 oxt_settings_form_save: one
 *                                         message per field, nothing saved
 *                                         unless every field is valid
 *   Test connection                       oxt_settings_form_test (the
 *                                         same check as OK; nothing sent
 *                                         unless every field is valid),
 *                                         then oxt_oxlink_test
 *                                         (oxt_oxlink.h)
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

/** A mail server for OX to connect to. An IPv6 address keeps its
 *  brackets ("[2001:db8::1]"), so host:port and URLs built from it stay
 *  unambiguous. */
typedef struct oxt_server_t {
    const char *host;             /* "" when not configured */
    int port;
} oxt_server_t;

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
    oxt_server_t imap;            /* default port 143 */
    oxt_server_t smtp;            /* default port 25 */
    int default_quota_mb;
    const char *languages;        /* the OX languages chosen: codes, sorted,
                                     comma-separated; "" for none */
    const char *default_language; /* ll_CC or "plesk" */
    const char *default_timezone; /* a zone of oxt_tz.h, or "plesk" */
    int default_service;          /* oxt_service_t */
    int auto_delete;
    int queue_max_attempts;
    int log_retention_days;       /* replication_log rows older go */
    int log_max_rows;             /* and the oldest beyond this many */
    /* from the service_type table, not from the settings row */
    const char *access_combination[OXT_SERVICE_COUNT];
} oxt_settings_t;

/* ---- the table ----------------------------------------------------------- */

typedef enum {
    OXT_SETTING_TEXT,             /* text of at most max bytes, no control
                                     characters; field: const char * */
    OXT_SETTING_BOOL,             /* "0" or "1"; field: int */
    OXT_SETTING_INT,              /* a whole number in [min, max]; int */
    OXT_SETTING_ENUM,             /* one of choices, or a word taken for
                                     one (oxt_settings.c: "cloud" for the
                                     connection type "reseller"), saved
                                     as the choice; int, its index */
    OXT_SETTING_SECRET,           /* sealed with the secrets key, never shown;
                                     at most max bytes; oxt_secret_t */
    OXT_SETTING_SERVER,           /* "host[:port]", min the default port;
                                     oxt_server_t (oxt_server_parse) */
    OXT_SETTING_LANGUAGES         /* codes of ox_language, comma-separated
                                     (no column: ox_language.allowed);
                                     const char *, as in oxt_settings_t */
} oxt_setting_type_t;

/* oxt_setting_t.flags */
#define OXT_SETTING_PAGE 1        /* a field of the Settings page */

/** A rule beyond the type (a language code, a time zone): true if valid. */
typedef int oxt_setting_rule_fn(const char *value);

/** One setting. */
typedef struct oxt_setting_t {
    const char *key;              /* "imap_server": CLI and form name */
    const char *column;           /* column of the settings row; NULL for
                                     OXT_SETTING_LANGUAGES */
    oxt_setting_type_t type;
    const char *def;              /* the default, as text */
    long min, max;                /* INT: the range; TEXT, SECRET: max bytes;
                                     SERVER: min is the default port */
    const char *const *choices;   /* ENUM: the values, NULL-terminated */
    oxt_setting_rule_fn *rule;    /* may be NULL */
    const char *label;            /* "Plesk IMAP server for OX to connect to" */
    const char *message;          /* shown next to the field when invalid */
    apr_size_t offset;            /* of the field in oxt_settings_t */
    unsigned flags;               /* OXT_SETTING_PAGE */
    const char *required;         /* a required field (marked *): the message
                                     when it is left empty; NULL: optional */
} oxt_setting_t;

/** The table, in the order a page shows it; *pcount gets its length. */
const oxt_setting_t *oxt_settings_table(int *pcount);

/** The row of key, or NULL. */
const oxt_setting_t *oxt_setting_find(const char *key);

/**
 * Checks one value (text as typed), by its type and rule only (the OX
 * languages: each of the shape ll_CC, none twice; whether OX knows them
 * is oxt_settings_check's part): APR_SUCCESS, or APR_EINVAL with
 * *pmessage set to the row's message (static text).
 */
apr_status_t oxt_setting_check(const char **pmessage,
                               const oxt_setting_t *setting,
                               const char *value);

/**
 * A setting's value as text, as the command line prints it and a form
 * fills it in ("30", "1", "reseller", "mail.example.com:993"). NULL for a
 * secret: use oxt_setting_secret. Result lives in p (or is the settings'
 * own string).
 */
const char *oxt_setting_text(const oxt_settings_t *settings,
                             const oxt_setting_t *setting, apr_pool_t *p);

/** The secret of a SECRET row (whether it is set). */
const oxt_secret_t *oxt_setting_secret(const oxt_settings_t *settings,
                                       const oxt_setting_t *setting);

/* ---- mail servers ------------------------------------------------------- */

/**
 * Parses "host[:port]": a host name (letters, digits, hyphens, dots; at
 * most 253 bytes), an IPv4 address, or an IPv6 address in brackets
 * ("[2001:db8::1]:143"); without a port, default_port (0: none). A bare
 * IPv6 address is refused: its colons cannot be told from a port's.
 * APR_EINVAL when text is none of these. srv->host lives in p.
 */
apr_status_t oxt_server_parse(oxt_server_t *srv, const char *text,
                              int default_port, apr_pool_t *p);

/** The text of srv: "host", or "host:port" when the port is not
 *  default_port. In p. */
const char *oxt_server_text(const oxt_server_t *srv, int default_port,
                            apr_pool_t *p);

/* ---- languages ------------------------------------------------------------ */

/** One language of the OX catalogue (the ox_language table). */
typedef struct oxt_language_t {
    const char *code;             /* "en_US" */
    const char *name;             /* "English (United States)" */
    int allowed;                  /* chosen under "OX languages" */
} oxt_language_t;

/** The catalogue, sorted by name: oxt_language_t in p, for the "OX
 *  languages" list and every language drop-down (the allowed ones). */
apr_status_t oxt_settings_languages(apr_array_header_t **plangs,
                                    oxt_db_t *db, oxt_result_t *res,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The languages enabled in Settings (allowed), sorted by name: what the
 *  Prefs dialog and Change Service offer. oxt_language_t in p. */
apr_status_t oxt_settings_languages_allowed(apr_array_header_t **plangs,
                                            oxt_db_t *db, oxt_result_t *res,
                                            apr_pool_t *p)
    __attribute__((warn_unused_result));

/** Is code one of the OX languages chosen in settings? */
int oxt_settings_language_chosen(const oxt_settings_t *settings,
                                 const char *code);

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
 * p; empty when all are valid; at most one per key). APR_SUCCESS or
 * APR_EINVAL.
 *
 * With current (the stored settings, may be NULL: the defaults) and
 * catalogue (oxt_settings_languages, may be NULL: not checked) the rules
 * between values are checked too, on the values as they would be after
 * saving: every OX language chosen is in the catalogue, and the default
 * language is "plesk" or one of the OX languages chosen (checked when
 * either of the two is among values; the message is on default_language).
 */
apr_status_t oxt_settings_check(apr_array_header_t **perrors,
                                const apr_table_t *values,
                                const oxt_settings_t *current,
                                const apr_array_header_t *catalogue,
                                apr_pool_t *p);

/**
 * Saves values (key -> text) when every one is valid, rules between
 * values included (oxt_settings_check with what is stored and the
 * catalogue, both read here), in one transaction: one prepared UPDATE of
 * the settings row that records updated_at and updated_by, and the
 * allowed flags of ox_language when the OX languages are among values.
 * Otherwise saves nothing and returns APR_EINVAL with the errors in
 * *perrors. Secrets are sealed with key (32 bytes), which may be NULL
 * when values holds none. A key that appears twice counts once.
 */
apr_status_t oxt_settings_save(apr_array_header_t **perrors, oxt_db_t *db,
                               const apr_table_t *values,
                               const unsigned char *key,
                               const char *updated_by, oxt_result_t *res,
                               apr_pool_t *p)
    __attribute__((warn_unused_result));

/* ---- the Settings page's form -------------------------------------------- */

/**
 * The values a posted Settings form means, for oxt_settings_save: every
 * field of the page (OXT_SETTING_PAGE) from form (key -> text as posted;
 * other keys, such as the form's token, are ignored). A tick box that is
 * absent is "0"; an empty password keeps the stored one (it is left out);
 * a required field left empty (an empty password with none stored too)
 * gets its required message in *perrors. *pvalues and *perrors in p.
 */
void oxt_settings_form_values(apr_table_t **pvalues,
                              apr_array_header_t **perrors,
                              const apr_table_t *form,
                              const oxt_settings_t *current, apr_pool_t *p);

/**
 * A posted Settings form checked as a whole, the one check both OK and
 * Test connection make: oxt_settings_form_values, then every value by
 * its type and rule and the rules between values (oxt_settings_check
 * with current and catalogue; catalogue may be NULL: the OX languages
 * are not checked against it), and one rule of the form's own: an empty
 * password keeps the stored one only when the form points at the OX
 * server and account it was saved for (the same connection type, host,
 * port, HTTPS and username as current), else the password must be typed
 * (the message is on ox_password). *pvalues (for oxt_settings_save) and
 * *perrors (one message per field, the required ones first; empty when
 * valid) in p. APR_SUCCESS or APR_EINVAL.
 */
apr_status_t oxt_settings_form_check(apr_table_t **pvalues,
                                     apr_array_header_t **perrors,
                                     const apr_table_t *form,
                                     const oxt_settings_t *current,
                                     const apr_array_header_t *catalogue,
                                     apr_pool_t *p);

/**
 * The Settings page's OK: oxt_settings_form_check (no catalogue: a
 * refused form never needs the database), then oxt_settings_save of the
 * values (which checks them against the catalogue) unless a field is
 * refused. *perrors gets one message per field; APR_EINVAL with nothing
 * saved unless every field is valid. current is the stored settings
 * (oxt_settings_load, no key needed).
 */
apr_status_t oxt_settings_form_save(apr_array_header_t **perrors,
                                    oxt_db_t *db, const apr_table_t *form,
                                    const oxt_settings_t *current,
                                    const unsigned char *key,
                                    const char *updated_by,
                                    oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * What Test connection may use: the form checked exactly as OK checks it
 * (oxt_settings_form_check, then oxt_settings_check with current and the
 * catalogue, as oxt_settings_save does), and only when every field is
 * valid, a copy
 * of current (loaded with the key) with the form's values applied, as
 * they would be saved (an empty password: the stored one, which the
 * check allowed only for the stored OX server and account). Otherwise
 * APR_EINVAL, *ptest NULL and *perrors as for OK: nothing may be sent.
 * Nothing is saved. In p.
 */
apr_status_t oxt_settings_form_test(oxt_settings_t **ptest,
                                    apr_array_header_t **perrors,
                                    const apr_table_t *form,
                                    const oxt_settings_t *current,
                                    const apr_array_header_t *catalogue,
                                    apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_SETTINGS_H */
