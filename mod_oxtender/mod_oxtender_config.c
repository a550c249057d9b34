/*
 * mod_oxtender_config.c — directives and their merge rules.
 *
 * Server-wide (RSRC_CONF): OxtenderConfig, OxtenderDBPoolMax,
 * OxtenderTrustedProxy, OxtenderClientAddressHeader, OxtenderLoginThrottle.
 * Per <Location>: OxtenderBaseURI, OxtenderSessionCookie,
 * OxtenderSessionIdleTimeout, OxtenderBasicAuth. The file is parsed when
 * the directive is read, so "apachectl configtest" reports a bad file
 * with its line number; every value is checked there too.
 */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "mod_oxtender.h"
#include "oxt_result.h"
#include "oxt_session.h"
#include "oxt_crypto.h"
#include "oxt_url.h"

void *oxt_mod_create_srv(apr_pool_t *p, server_rec *s)
{
    oxt_mod_srv_t *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->config_path = NULL;
    conf->cfg = NULL;
    conf->pool_max = -1;
    conf->proxies = NULL;
    conf->addr_header = NULL;
    conf->throttle_set = 0;
    oxt_throttle_defaults(&conf->throttle);
    return conf;
}

void *oxt_mod_merge_srv(apr_pool_t *p, void *basev, void *addv)
{
    oxt_mod_srv_t *base = basev, *add = addv;
    oxt_mod_srv_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->config_path = add->config_path ? add->config_path
                                         : base->config_path;
    conf->cfg = add->cfg ? add->cfg : base->cfg;
    conf->pool_max = add->pool_max != -1 ? add->pool_max : base->pool_max;
    conf->proxies = add->proxies ? add->proxies : base->proxies;
    conf->addr_header = add->addr_header ? add->addr_header
                                         : base->addr_header;
    conf->panel_origins = add->panel_origins ? add->panel_origins
                                             : base->panel_origins;
    conf->throttle_set = add->throttle_set || base->throttle_set;
    conf->throttle_on = add->throttle_set ? add->throttle_on
                                          : base->throttle_on;
    conf->throttle = add->throttle_set ? add->throttle : base->throttle;
    return conf;
}

/* Apache creates a module's per-directory record for a <Location> only
 * when one of the module's directives appears in it, so the <Location>
 * path cannot be learned here; OxtenderBaseURI names it instead. */
void *oxt_mod_create_dir(apr_pool_t *p, char *dir)
{
    oxt_mod_dir_t *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->base = NULL;
    conf->cookie = NULL;
    conf->idle_timeout = -1;
    conf->basic = -1;
    conf->static_base = NULL;
    conf->static_files = -1;
    return conf;
}

void *oxt_mod_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    oxt_mod_dir_t *base = basev, *add = addv;
    oxt_mod_dir_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->base = add->base ? add->base : base->base;
    conf->cookie = add->cookie ? add->cookie : base->cookie;
    conf->idle_timeout = add->idle_timeout != -1 ? add->idle_timeout
                                                 : base->idle_timeout;
    conf->basic = add->basic != -1 ? add->basic : base->basic;
    conf->static_base = add->static_base ? add->static_base
                                         : base->static_base;
    conf->static_files = add->static_files != -1 ? add->static_files
                                                 : base->static_files;
    return conf;
}

const char *oxt_mod_dir_cookie(const oxt_mod_dir_t *d)
{
    return d->cookie ? d->cookie : OXT_SESSION_DEFAULT_COOKIE;
}

int oxt_mod_dir_idle(const oxt_mod_dir_t *d)
{
    return d->idle_timeout != -1 ? d->idle_timeout
                                 : OXT_SESSION_DEFAULT_IDLE;
}

int oxt_mod_dir_basic(const oxt_mod_dir_t *d)
{
    return d->basic != 0;
}

const char *oxt_mod_dir_base(const oxt_mod_dir_t *d)
{
    return d->base ? d->base : OXT_MOD_DEFAULT_BASE;
}

const char *oxt_mod_dir_static(const oxt_mod_dir_t *d)
{
    return d->static_base ? d->static_base : OXT_MOD_DEFAULT_STATIC;
}

static const char *oxt_cfg_set_config(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    oxt_mod_srv_t *conf = ap_get_module_config(cmd->server->module_config,
                                               &oxtender_module);
    oxt_result_t *res = oxt_result_make(cmd->temp_pool);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_HTACCESS);
    const char *path;
    const unsigned char *key;

    (void)dconf;
    if (err != NULL) {
        return err;
    }
    path = ap_server_root_relative(cmd->pool, arg);
    if (path == NULL) {
        return apr_pstrcat(cmd->pool, "OxtenderConfig: invalid path ", arg,
                           NULL);
    }
    if (oxt_config_load(&conf->cfg, path, res, cmd->pool) != APR_SUCCESS) {
        return apr_pstrcat(cmd->pool, "OxtenderConfig: ",
                           oxt_result_text(res, cmd->temp_pool), NULL);
    }
    /* Our key is refused at start-up when unsafe, as by the replicator;
     * the copy read here goes (zeroed) with the temp pool. */
    if (conf->cfg->secret_key_file != NULL
        && oxt_crypto_key_load(&key, conf->cfg->secret_key_file,
                               OXT_CRYPTO_SEAL_KEY_LEN, res, cmd->temp_pool)
           != APR_SUCCESS) {
        return apr_pstrcat(cmd->pool, "OxtenderConfig: ",
                           oxt_result_text(res, cmd->temp_pool), NULL);
    }
    conf->config_path = path;
    return NULL;
}

static const char *oxt_cfg_set_db_pool_max(cmd_parms *cmd, void *dconf,
                                           const char *arg)
{
    oxt_mod_srv_t *conf = ap_get_module_config(cmd->server->module_config,
                                               &oxtender_module);
    char *end;
    long v = strtol(arg, &end, 10);

    (void)dconf;
    if (end == arg || *end != '\0' || v < 1 || v > 1000) {
        return "OxtenderDBPoolMax must be a number from 1 to 1000";
    }
    conf->pool_max = (int)v;
    return NULL;
}

static const char *oxt_cfg_set_base_uri(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    oxt_mod_dir_t *conf = dconf;
    apr_size_t n = strlen(arg);

    if (arg[0] != '/') {
        return "OxtenderBaseURI must start with '/'";
    }
    while (n > 1 && arg[n - 1] == '/') {
        n--;
    }
    conf->base = apr_pstrndup(cmd->pool, arg, n);
    if (!oxt_url_ok(oxt_url_make(conf->base, cmd->temp_pool))) {
        return "OxtenderBaseURI: a path of segments of A-Z a-z 0-9 - . _ ~";
    }
    return NULL;
}

static const char *oxt_cfg_set_static_uri(cmd_parms *cmd, void *dconf,
                                          const char *arg)
{
    oxt_mod_dir_t *conf = dconf;
    apr_size_t n = strlen(arg);

    while (n > 1 && arg[n - 1] == '/') {
        n--;
    }
    conf->static_base = apr_pstrndup(cmd->pool, arg, n);
    if (arg[0] != '/'
        || !oxt_url_ok(oxt_url_make(conf->static_base, cmd->temp_pool))) {
        return "OxtenderStaticURI: a path starting with '/', of segments of"
               " A-Z a-z 0-9 - . _ ~";
    }
    return NULL;
}

static const char *oxt_cfg_set_static(cmd_parms *cmd, void *dconf, int on)
{
    oxt_mod_dir_t *conf = dconf;

    (void)cmd;
    conf->static_files = on ? 1 : 0;
    return NULL;
}

/* The panel as browsers reach it: scheme, host and port, no path. */
static const char *oxt_cfg_set_panel_origin(cmd_parms *cmd, void *dconf,
                                            const char *arg)
{
    oxt_mod_srv_t *conf = ap_get_module_config(cmd->server->module_config,
                                               &oxtender_module);
    const char **list;
    int n = 0;

    (void)dconf;
    if (!oxt_url_ok(oxt_url_panel(arg, cmd->temp_pool))
        || arg[strlen(arg) - 1] == '/') {
        return apr_pstrcat(cmd->pool, "OxtenderPanelOrigin: '", arg,
                           "' is not an origin such as"
                           " https://panel.example.com:8443", NULL);
    }
    while (conf->panel_origins != NULL && conf->panel_origins[n] != NULL) {
        n++;
    }
    list = apr_pcalloc(cmd->pool, sizeof(*list) * (apr_size_t)(n + 2));
    if (n > 0) {
        memcpy(list, conf->panel_origins, sizeof(*list) * (apr_size_t)n);
    }
    list[n] = apr_pstrdup(cmd->pool, arg);
    conf->panel_origins = list;
    return NULL;
}

/* A cookie or header name: an HTTP token. */
static int oxt_cfg_is_token(const char *s)
{
    static const char seps[] = "()<>@,;:\\\"/[]?={} \t";

    if (*s == '\0') {
        return 0;
    }
    for (; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f
            || strchr(seps, *s) != NULL) {
            return 0;
        }
    }
    return 1;
}

static const char *oxt_cfg_set_cookie(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    oxt_mod_dir_t *conf = dconf;

    if (!oxt_cfg_is_token(arg)) {
        return "OxtenderSessionCookie must be a cookie name";
    }
    conf->cookie = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *oxt_cfg_set_idle(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    oxt_mod_dir_t *conf = dconf;
    char *end;
    long v = strtol(arg, &end, 10);

    (void)cmd;
    if (end == arg || *end != '\0' || v < 60 || v > 86400) {
        return "OxtenderSessionIdleTimeout must be seconds from 60 to 86400";
    }
    conf->idle_timeout = (int)v;
    return NULL;
}

static const char *oxt_cfg_set_basic(cmd_parms *cmd, void *dconf, int on)
{
    oxt_mod_dir_t *conf = dconf;

    (void)cmd;
    conf->basic = on ? 1 : 0;
    return NULL;
}

static const char *oxt_cfg_set_proxy(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    oxt_mod_srv_t *conf = ap_get_module_config(cmd->server->module_config,
                                               &oxtender_module);

    (void)dconf;
    if (!oxt_session_addr_equal(arg, arg)) {
        return apr_pstrcat(cmd->pool, "OxtenderTrustedProxy: '", arg,
                           "' is no IP address", NULL);
    }
    if (conf->proxies == NULL) {
        conf->proxies = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(conf->proxies, const char *) = apr_pstrdup(cmd->pool,
                                                              arg);
    return NULL;
}

static const char *oxt_cfg_set_addr_header(cmd_parms *cmd, void *dconf,
                                           const char *arg)
{
    oxt_mod_srv_t *conf = ap_get_module_config(cmd->server->module_config,
                                               &oxtender_module);

    (void)dconf;
    if (!oxt_cfg_is_token(arg)) {
        return "OxtenderClientAddressHeader must be a header name";
    }
    conf->addr_header = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static int oxt_cfg_count(const char *arg, int lo, int hi)
{
    char *end;
    long v = strtol(arg, &end, 10);

    return end == arg || *end != '\0' || v < lo || v > hi ? -1 : (int)v;
}

/* OxtenderLoginThrottle Off | <per login> <per address> */
static const char *oxt_cfg_set_throttle(cmd_parms *cmd, void *dconf,
                                        const char *a1, const char *a2)
{
    oxt_mod_srv_t *conf = ap_get_module_config(cmd->server->module_config,
                                               &oxtender_module);
    int login, addr;

    (void)dconf;
    conf->throttle_set = 1;
    if (a2 == NULL && strcasecmp(a1, "off") == 0) {
        conf->throttle_on = 0;
        return NULL;
    }
    login = oxt_cfg_count(a1, 1, 1000);
    addr = a2 ? oxt_cfg_count(a2, 1, 100000) : -1;
    if (login < 0 || addr < 0) {
        return "OxtenderLoginThrottle takes Off, or the failures allowed"
               " per login (1-1000) and per address (1-100000)";
    }
    conf->throttle_on = 1;
    conf->throttle.login_free = login;
    conf->throttle.address_free = addr;
    return NULL;
}

const command_rec oxt_mod_cmds[] = {
    AP_INIT_TAKE1("OxtenderConfig", oxt_cfg_set_config, NULL, RSRC_CONF,
                  "path of the oxtender configuration file (shared with"
                  " oxtender-replicator)"),
    AP_INIT_TAKE1("OxtenderDBPoolMax", oxt_cfg_set_db_pool_max, NULL,
                  RSRC_CONF,
                  "most database connections per server process"
                  " (default: the MPM's threads per child)"),
    AP_INIT_TAKE1("OxtenderBaseURI", oxt_cfg_set_base_uri, NULL,
                  ACCESS_CONF,
                  "the URL path the pages are served under"
                  " (default " OXT_MOD_DEFAULT_BASE ")"),
    AP_INIT_TAKE1("OxtenderStaticURI", oxt_cfg_set_static_uri, NULL,
                  ACCESS_CONF,
                  "the URL path of the pages' static files (default "
                  OXT_MOD_DEFAULT_STATIC ")"),
    AP_INIT_FLAG("OxtenderStatic", oxt_cfg_set_static, NULL, ACCESS_CONF,
                 "On where the static files are served: our security"
                 " headers and content types on them"),
    AP_INIT_ITERATE("OxtenderPanelOrigin", oxt_cfg_set_panel_origin, NULL,
                    RSRC_CONF,
                    "the panel's external origin(s), as browsers see it"
                    " (https://host:port): form posts must come from one"),
    AP_INIT_TAKE1("OxtenderSessionCookie", oxt_cfg_set_cookie, NULL,
                  ACCESS_CONF | OR_AUTHCFG,
                  "name of the Plesk session cookie (default "
                  OXT_SESSION_DEFAULT_COOKIE ")"),
    AP_INIT_TAKE1("OxtenderSessionIdleTimeout", oxt_cfg_set_idle, NULL,
                  ACCESS_CONF | OR_AUTHCFG,
                  "seconds a Plesk session may be idle (default 1800)"),
    AP_INIT_FLAG("OxtenderBasicAuth", oxt_cfg_set_basic, NULL,
                 ACCESS_CONF | OR_AUTHCFG,
                 "also accept HTTP Basic panel logins (default On)"),
    AP_INIT_ITERATE("OxtenderTrustedProxy", oxt_cfg_set_proxy, NULL,
                    RSRC_CONF,
                    "addresses of the proxy (Plesk's nginx) whose client"
                    " address header is believed"),
    AP_INIT_TAKE1("OxtenderClientAddressHeader", oxt_cfg_set_addr_header,
                  NULL, RSRC_CONF,
                  "the trusted proxy's header with the client address"
                  " (default " OXT_MOD_DEFAULT_ADDR_HEADER ")"),
    AP_INIT_TAKE12("OxtenderLoginThrottle", oxt_cfg_set_throttle, NULL,
                   RSRC_CONF,
                   "Off, or failed sign-ins allowed per login and per"
                   " address before they are slowed down (default 5 50)"),
    { NULL }
};
