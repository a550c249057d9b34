/*
 * oxt_config.h — the configuration file shared by the replicator and the
 * module (conf/oxtender.conf.example documents every key).
 *
 * Format: "key = value" lines; '#' starts a comment line; blank lines are
 * ignored; values are taken verbatim after trimming blanks (no quoting).
 * Unknown keys and malformed values are errors with the line number, so a
 * typo stops start-up instead of silently using a default.
 */
#ifndef OXT_CONFIG_H
#define OXT_CONFIG_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"

typedef struct oxt_config_t {
    const char *path;                /* file it came from, or "<string>" */
    /* database server holding both the psa and the oxtender databases */
    const char *db_host;
    int db_port;
    const char *db_socket;           /* NULL: connect over TCP */
    const char *db_user;
    const char *db_password;
    int db_connect_timeout;          /* seconds */
    const char *oxtender_database;
    const char *psa_database;
    /* files and directories */
    const char *sql_dir;             /* sql/oxtender migrations */
    const char *secret_key_file;     /* our key for stored secrets */
    const char *plesk_secret_key_file;    /* Plesk's key for "sym" passwords */
    const char *plesk_admin_password_file; /* Plesk 8: admin password */
    const char *lock_file;           /* in a directory only root writes */
    int lock_stale_s;                /* a lock idle this long is reported */
    const char *spool_dir;
    int log_level;                   /* OXT_LOG_* */
    /* replication */
    int ox_connections;              /* SOAP connections to the OX host */
    const char *plesk_timezone;      /* "Plesk server time zone"; NULL:
                                        /etc/timezone, else UTC */
    int daemon_full_pass_s;          /* daemon: full pass every N s */
    /* the OXtender link in the panel (oxtender-replicator buttons) */
    const char *custombutton_path;   /* Plesk's custombutton tool; NULL:
                                        PATH, then /usr/local/psa/bin */
    const char *panel_button_url;    /* where the link points */
    /* monitoring (oxtender-replicator metrics and health) */
    const char *metrics_listen;      /* the daemon's endpoint, a loopback
                                        "address:port"; NULL: none */
    int health_pass_warning_s;       /* last full pass older: WARNING */
    int health_pass_critical_s;      /* older still: CRITICAL */
    /* licensing (docs/license.md) */
    const char *server_ip;           /* the server's main IP; NULL: psa's */
    const char *license_public_key;  /* base64 Ed25519 key; NULL: built in */
    const char *license_server_url;  /* https://; NULL: none configured */
    const char *license_server_ca_file;  /* its CA; NULL: the system's */
} oxt_config_t;

/** A configuration with every default set; lives in p. */
oxt_config_t *oxt_config_make(apr_pool_t *p);

/**
 * Reads and validates the file at path. On failure res says which line
 * and why. The configuration and its strings live in p.
 */
apr_status_t oxt_config_load(oxt_config_t **pcfg, const char *path,
                             oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** As oxt_config_load, from text in memory; origin names it in errors. */
apr_status_t oxt_config_parse(oxt_config_t **pcfg, const char *text,
                              const char *origin, oxt_result_t *res,
                              apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The i-th key the file may hold, NULL past the last (docs, tests). */
const char *oxt_config_key_name(apr_size_t i);

/** True when name is usable as a MySQL identifier without quoting issues. */
int oxt_config_is_identifier(const char *name);

#endif /* OXT_CONFIG_H */
