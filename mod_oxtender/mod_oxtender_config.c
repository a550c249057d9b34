/*
 * mod_oxtender_config.c — directives and their merge rules.
 *
 * Server-wide (RSRC_CONF): OxtenderConfig, OxtenderDBPoolMax. The file is
 * parsed when the directive is read, so "apachectl configtest" reports a
 * bad file with its line number.
 */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_strings.h>

#include "mod_oxtender.h"
#include "oxt_result.h"
#include "oxt_crypto.h"

void *oxt_mod_create_srv(apr_pool_t *p, server_rec *s)
{
    oxt_mod_srv_t *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->config_path = NULL;
    conf->cfg = NULL;
    conf->pool_max = -1;
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
    return conf;
}

void *oxt_mod_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    oxt_mod_dir_t *base = basev, *add = addv;
    oxt_mod_dir_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->base = add->base ? add->base : base->base;
    return conf;
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
    { NULL }
};
