/*
 * oxt_config.c — see oxt_config.h.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>

#include "oxt_config.h"
#include "oxt_log.h"
#include "oxt_status.h"
#include "oxt_util.h"
#include "oxt_license.h"

/* The file is small; a cap keeps a wrong path (say, a log) from being read
 * whole into memory. */
#define CONFIG_MAX_BYTES (256 * 1024)

typedef enum {
    KEY_STR, KEY_INT, KEY_IDENT, KEY_LEVEL, KEY_PORT, KEY_LISTEN,
    KEY_IP,                     /* an IPv4 or IPv6 address */
    KEY_PUBKEY,                 /* an Ed25519 public key in base64 */
    KEY_HTTPS                   /* an https:// URL */
} key_type_t;

typedef struct {
    const char *name;
    key_type_t type;
    size_t offset;
} config_key_t;

#define KEY(n, t) { #n, t, offsetof(oxt_config_t, n) }

static const config_key_t config_keys[] = {
    KEY(db_host, KEY_STR),
    KEY(db_port, KEY_PORT),
    KEY(db_socket, KEY_STR),
    KEY(db_user, KEY_STR),
    KEY(db_password, KEY_STR),
    KEY(db_connect_timeout, KEY_INT),
    KEY(oxtender_database, KEY_IDENT),
    KEY(psa_database, KEY_IDENT),
    KEY(sql_dir, KEY_STR),
    KEY(secret_key_file, KEY_STR),
    KEY(plesk_secret_key_file, KEY_STR),
    KEY(plesk_admin_password_file, KEY_STR),
    KEY(lock_file, KEY_STR),
    KEY(lock_stale_s, KEY_INT),
    KEY(spool_dir, KEY_STR),
    KEY(log_level, KEY_LEVEL),
    KEY(ox_connections, KEY_INT),
    KEY(plesk_timezone, KEY_STR),
    KEY(daemon_full_pass_s, KEY_INT),
    KEY(custombutton_path, KEY_STR),
    KEY(panel_button_url, KEY_STR),
    KEY(metrics_listen, KEY_LISTEN),
    KEY(health_pass_warning_s, KEY_INT),
    KEY(health_pass_critical_s, KEY_INT),
    KEY(server_ip, KEY_IP),
    KEY(license_public_key, KEY_PUBKEY),
    KEY(license_server_url, KEY_HTTPS),
    KEY(license_server_ca_file, KEY_STR),
};

const char *oxt_config_key_name(apr_size_t i)
{
    if (i >= sizeof(config_keys) / sizeof(config_keys[0])) {
        return NULL;
    }
    return config_keys[i].name;
}

oxt_config_t *oxt_config_make(apr_pool_t *p)
{
    oxt_config_t *cfg = apr_pcalloc(p, sizeof(*cfg));

    cfg->path = "<defaults>";
    cfg->db_host = "localhost";
    cfg->db_port = 3306;
    cfg->db_user = "oxtender";
    cfg->db_connect_timeout = 10;
    cfg->oxtender_database = "oxtender";
    cfg->psa_database = "psa";
    cfg->sql_dir = "/usr/local/oxtender/share/sql/oxtender";
    cfg->secret_key_file = "/etc/oxtender/secret.key";
    cfg->plesk_secret_key_file = "/etc/psa/private/secret_key";
    cfg->plesk_admin_password_file = "/etc/psa/.psa.shadow";
    cfg->lock_file = "/run/oxtender/replicator.lock";
    cfg->lock_stale_s = 3600;
    cfg->spool_dir = "/var/spool/oxtender";
    cfg->log_level = OXT_LOG_INFO;
    cfg->ox_connections = 8;
    cfg->plesk_timezone = NULL;
    cfg->daemon_full_pass_s = 900;
    cfg->custombutton_path = NULL;
    cfg->panel_button_url = "/oxtender/";
    cfg->metrics_listen = NULL;
    cfg->health_pass_warning_s = 3600;
    cfg->health_pass_critical_s = 14400;
    return cfg;
}

int oxt_config_is_identifier(const char *name)
{
    size_t n = 0;

    for (; name[n]; n++) {
        if (!apr_isalnum(name[n]) && name[n] != '_') {
            return 0;
        }
    }
    return n > 0 && n <= 64;
}

static const config_key_t *config_key_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
        if (strcmp(config_keys[i].name, name) == 0) {
            return &config_keys[i];
        }
    }
    return NULL;
}

static apr_status_t config_parse_int(int *pval, const char *value, int min,
                                     int max)
{
    char *end;
    long v;

    v = strtol(value, &end, 10);
    if (end == value || *end != '\0' || v < min || v > max) {
        return APR_EINVAL;
    }
    *pval = (int)v;
    return APR_SUCCESS;
}

/*
 * A loopback address with its port, as numbers: "127.0.0.1:9464" or
 * "[::1]:9464". The metrics say how replication goes and who holds the
 * lock, so they are served to this machine only; a name (even
 * "localhost") could resolve elsewhere.
 */
static apr_status_t config_parse_listen(const char **pval, const char *value,
                                        apr_pool_t *p)
{
    const char *colon = strrchr(value, ':');
    int port;

    if (*value == '\0') {
        *pval = NULL;
        return APR_SUCCESS;
    }
    if (colon == NULL || (!apr_isdigit(value[0]) && value[0] != '[')
        || !oxt_util_host_is_loopback(value)
        || config_parse_int(&port, colon + 1, 1, 65535) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    *pval = apr_pstrdup(p, value);
    return APR_SUCCESS;
}

/* The licensing keys: refused here, so a typo stops configtest rather
 * than every license check later. */
static apr_status_t config_set_checked(void *field, key_type_t type,
                                       const char *value, apr_pool_t *p)
{
    const unsigned char *pub;
    int ok;

    if (*value == '\0') {
        *(const char **)field = NULL;      /* unset: the default */
        return APR_SUCCESS;
    }
    switch (type) {
    case KEY_IP:
        ok = oxt_license_ip_canonical(value, p) != NULL;
        break;
    case KEY_PUBKEY:
        ok = oxt_license_pubkey(&pub, value, NULL, p) == APR_SUCCESS;
        break;
    case KEY_HTTPS:
        /* The licensing server is asked only over HTTPS. */
        ok = strncmp(value, "https://", 8) == 0 && value[8] != '\0'
             && strlen(value) < 1024 && strpbrk(value, " \t\"<>\\") == NULL;
        break;
    default:
        ok = 0;
    }
    if (!ok) {
        return APR_EINVAL;
    }
    *(const char **)field = apr_pstrdup(p, value);
    return APR_SUCCESS;
}

static apr_status_t config_set(oxt_config_t *cfg, const config_key_t *key,
                               const char *value, apr_pool_t *p)
{
    void *field = (char *)cfg + key->offset;

    switch (key->type) {
    case KEY_STR:
        *(const char **)field = *value ? apr_pstrdup(p, value) : NULL;
        return APR_SUCCESS;
    case KEY_IDENT:
        if (!oxt_config_is_identifier(value)) {
            return APR_EINVAL;
        }
        *(const char **)field = apr_pstrdup(p, value);
        return APR_SUCCESS;
    case KEY_INT:
        return config_parse_int(field, value, 0, 86400);
    case KEY_PORT:
        return config_parse_int(field, value, 0, 65535);
    case KEY_LEVEL:
        return oxt_log_level_parse(field, value);
    case KEY_LISTEN:
        return config_parse_listen(field, value, p);
    default:
        return config_set_checked(field, key->type, value, p);
    }
}

static char *config_trim(char *s)
{
    char *end;

    while (apr_isspace(*s)) {
        s++;
    }
    end = s + strlen(s);
    while (end > s && apr_isspace(end[-1])) {
        *--end = '\0';
    }
    return s;
}

static apr_status_t config_parse_line(oxt_config_t *cfg, char *line,
                                      const char *origin, int lineno,
                                      oxt_result_t *res, apr_pool_t *p)
{
    const config_key_t *key;
    char *eq, *name, *value;

    line = config_trim(line);
    if (*line == '\0' || *line == '#') {
        return APR_SUCCESS;
    }
    eq = strchr(line, '=');
    if (eq == NULL) {
        return oxt_result_set(res, OXT_ECONFIG, "Configuration error",
                              "%s:%d: expected 'key = value'", origin, lineno);
    }
    *eq = '\0';
    name = config_trim(line);
    value = config_trim(eq + 1);
    key = config_key_find(name);
    if (key == NULL) {
        return oxt_result_set(res, OXT_ECONFIG, "Configuration error",
                              "%s:%d: unknown key '%s'", origin, lineno, name);
    }
    if (config_set(cfg, key, value, p) != APR_SUCCESS) {
        /* Never echo the value: it may be a password. */
        return oxt_result_set(res, OXT_ECONFIG, "Configuration error",
                              "%s:%d: invalid value for '%s'", origin, lineno,
                              name);
    }
    return APR_SUCCESS;
}

apr_status_t oxt_config_parse(oxt_config_t **pcfg, const char *text,
                              const char *origin, oxt_result_t *res,
                              apr_pool_t *p)
{
    oxt_config_t *cfg = oxt_config_make(p);
    char *copy = apr_pstrdup(p, text), *line, *last = NULL;
    int lineno = 0;
    apr_status_t rv;

    cfg->path = apr_pstrdup(p, origin);
    /* apr_strtok would skip empty lines and so miscount line numbers. */
    for (line = copy; line != NULL; line = last) {
        last = strchr(line, '\n');
        if (last != NULL) {
            *last++ = '\0';
        }
        lineno++;
        rv = config_parse_line(cfg, line, origin, lineno, res, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    *pcfg = cfg;
    return APR_SUCCESS;
}

/* The file's text holds the database password: zeroed before the pool
 * may hand the memory to anyone else. Through a volatile pointer, which
 * the compiler may not drop as a dead store; not OPENSSL_cleanse, so that
 * the event front reads the configuration without loading libcrypto
 * (docs/architecture.md, "The event front"). */
static void config_wipe(char *buf, apr_size_t len)
{
    volatile char *v = buf;

    while (len-- > 0) {
        *v++ = 0;
    }
}

apr_status_t oxt_config_load(oxt_config_t **pcfg, const char *path,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_result_t *why = oxt_result_make(p);
    char *buf;
    apr_size_t len;
    apr_status_t rv;

    /* It holds the database password: refused when others may read or
     * change it, or when a symlink stands in its place. */
    rv = oxt_util_file_read_checked(&buf, &len, path, CONFIG_MAX_BYTES,
                                    OXT_FILE_PRIVATE, why, p);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, rv == OXT_ECONFIG
                              ? "Unsafe configuration file"
                              : "Cannot read the configuration file",
                              "%s", why->detail);
    }
    rv = oxt_config_parse(pcfg, buf, path, res, p);
    config_wipe(buf, len);
    return rv;
}
