/*
 * mod_oxtender.c — the module record, start-up and the bridge from the
 * core's log to Apache's error log.
 */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_mpm.h>
#include <apr_strings.h>

#include "mod_oxtender.h"
#include "mod_oxtender_page.h"
#include "oxt_crypto.h"
#include "oxt_log.h"
#include "oxt_login.h"
#include "oxt_soap.h"
#include "oxt_status.h"
#include "oxt_version.h"

/* The core logs without a server_rec; lines go to the main server's log
 * at the module's own level ("LogLevel oxtender:debug"). */
static server_rec *log_server;

static int oxt_mod_log_level_cb(void *baton, int level)
{
    (void)baton;
    return log_server != NULL
        && APLOG_IS_LEVEL(log_server, level > APLOG_TRACE8 ? APLOG_TRACE8
                                                           : level);
}

static void oxt_mod_log_print_cb(const char *file, int line, int level,
                                 apr_status_t rv, void *baton,
                                 const char *msg)
{
    (void)baton;
    /* APR cannot name our own status codes ("APR does not understand
     * this error code"); the message says what happened. */
    if (rv >= OXT_STATUS_START) {
        rv = 0;
    }
    ap_log_error(file, line, APLOG_MODULE_INDEX, level, rv, log_server,
                 "%s", msg);
}

int oxt_mod_http_status(apr_status_t rv)
{
    switch (rv) {
    case APR_SUCCESS:  return OK;
    case APR_ENOENT:   return HTTP_NOT_FOUND;
    case APR_EINVAL:   return HTTP_BAD_REQUEST;
    case APR_EACCES:   return HTTP_FORBIDDEN;
    case OXT_EAUTH:    return HTTP_UNAUTHORIZED;
    case OXT_EDB:
    case OXT_EDBCONN:  return HTTP_SERVICE_UNAVAILABLE;
    default:           return HTTP_INTERNAL_SERVER_ERROR;
    }
}

static int oxt_mod_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    oxt_mod_srv_t *conf = ap_get_module_config(s->module_config,
                                               &oxtender_module);

    (void)plog; (void)ptemp;
    /* "Server: ... mod_oxtender/1.2.3" with ServerTokens Full, and in the
     * start-up line, like every other module. */
    ap_add_version_component(pconf, apr_pstrcat(pconf, "mod_oxtender/",
                                                oxt_version(), NULL));
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (conf->cfg == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, OXTLOGNO(00010)
                     "mod_oxtender is loaded but OxtenderConfig"
                     " is not set");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    log_server = s;
    oxt_log_set(oxt_mod_log_level_cb, oxt_mod_log_print_cb, NULL);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, OXTLOGNO(00900)
                 "mod_oxtender %s configured", oxt_version());
    return OK;
}

static int oxt_mod_pool_size(const oxt_mod_srv_t *conf)
{
    int threads = 1;

    if (conf->pool_max > 0) {
        return conf->pool_max;
    }
    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS
        || threads < 1) {
        threads = 1;
    }
    return threads;
}

/* The page kit's keys, each derived with a label of its own: the CSRF
 * tokens and the messages redirects carry. */
#define OXT_MOD_LABEL_CSRF "oxtender page kit csrf tokens"
#define OXT_MOD_LABEL_MSG  "oxtender page kit redirect messages"

static apr_status_t oxt_mod_page_keys(oxt_mod_srv_t *conf,
                                      const unsigned char *secret,
                                      apr_pool_t *pchild)
{
    unsigned char *csrf = apr_palloc(pchild, 32), *msg = apr_palloc(pchild,
                                                                    32);

    if (oxt_crypto_derive(csrf, secret, OXT_MOD_LABEL_CSRF) != APR_SUCCESS
        || oxt_crypto_derive(msg, secret, OXT_MOD_LABEL_MSG)
           != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    conf->csrf_key = csrf;
    conf->msg_key = msg;
    return APR_SUCCESS;
}

/* The key sign-ins are bound with (oxt_login_binding), read as the
 * server's user: a key that user cannot read stops every sign-in, and
 * says so here once. */
static void oxt_mod_binding_key(oxt_mod_srv_t *conf, server_rec *s,
                                apr_pool_t *pchild)
{
    oxt_result_t *res = oxt_result_make(pchild);
    const unsigned char *secret;

    if (oxt_crypto_key_load(&secret, conf->cfg->secret_key_file,
                            OXT_CRYPTO_SEAL_KEY_LEN, res, pchild)
        != APR_SUCCESS
        || oxt_login_binding_key(&conf->binding_key, secret, pchild)
           != APR_SUCCESS
        || oxt_mod_page_keys(conf, secret, pchild) != APR_SUCCESS) {
        conf->binding_key = NULL;
        conf->csrf_key = NULL;
        conf->msg_key = NULL;
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, OXTLOGNO(00212)
                     "cannot read secret_key_file, nobody can sign in: %s",
                     oxt_result_text(res, pchild));
    }
}

static apr_status_t oxt_mod_curl_end(void *data)
{
    (void)data;
    oxt_soap_library_end();
    return APR_SUCCESS;
}

/* Each server process gets its own pool of connections, created here and
 * destroyed with the process pool. Virtual hosts share the main server's
 * unless they name another OxtenderConfig. */
static void oxt_mod_child_init(apr_pool_t *pchild, server_rec *s)
{
    oxt_mod_srv_t *conf;
    oxt_db_params_t params;
    apr_status_t rv;

    rv = oxt_db_library_init();
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, OXTLOGNO(00101)
                     "cannot start the database client library");
        return;
    }
    /* libcurl (Test connection on the Settings page, Activate and Get
     * license on the License page) is started once per process here,
     * before the worker threads exist: its start-up is not work for a
     * request, and the core never starts it lazily (oxt_licsrv.c relies
     * on this start). */
    rv = oxt_soap_library_init();
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, OXTLOGNO(00700)
                     "cannot start the HTTP client library (libcurl)");
    }
    else {
        apr_pool_cleanup_register(pchild, NULL, oxt_mod_curl_end,
                                  apr_pool_cleanup_null);
    }
    /* The license gate's per-process cache (mod_oxtender_page_license.c). */
    rv = oxt_mod_license_cache_init(pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, OXTLOGNO(00910)
                     "cannot create the license gate's lock");
    }
    for (; s != NULL; s = s->next) {
        conf = ap_get_module_config(s->module_config, &oxtender_module);
        if (conf->cfg == NULL || conf->dbpool != NULL) {
            continue;
        }
        conf->process_pool = pchild;
        oxt_mod_binding_key(conf, s, pchild);
        oxt_db_params_from_config(&params, conf->cfg);
        params.read_timeout = 60;
        rv = oxt_db_pool_create(&conf->dbpool, &params, 1,
                                oxt_mod_pool_size(conf), 300, pchild);
        if (rv == APR_SUCCESS) {
            rv = apr_thread_mutex_create(&conf->psa_mutex,
                                         APR_THREAD_MUTEX_DEFAULT, pchild);
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, OXTLOGNO(00011)
                         "cannot create the database pool");
            conf->dbpool = NULL;
        }
    }
}

/* The psa schema is probed once per process, on first use, because the
 * database may be down when the process starts. */
static apr_status_t oxt_mod_psa_get(const oxt_psa_t **ppsa,
                                    oxt_mod_srv_t *conf, oxt_db_t *db,
                                    oxt_result_t *res)
{
    apr_status_t rv = APR_SUCCESS;

    apr_thread_mutex_lock(conf->psa_mutex);
    if (conf->psa == NULL) {
        rv = oxt_psa_open(&conf->psa, db, conf->cfg, res,
                          conf->process_pool);
    }
    apr_thread_mutex_unlock(conf->psa_mutex);
    *ppsa = conf->psa;
    return rv;
}

int oxt_mod_db(oxt_db_t **pdb, const oxt_psa_t **ppsa, request_rec *r)
{
    oxt_mod_srv_t *conf = ap_get_module_config(r->server->module_config,
                                               &oxtender_module);
    oxt_result_t *res = oxt_result_make(r->pool);
    apr_status_t rv;

    /* The authn provider took one for this request already: a second
     * one per request would let busy threads exhaust the pool while each
     * holds its first. */
    if (*pdb != NULL) {
        rv = oxt_mod_psa_get(ppsa, conf, *pdb, res);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00014)
                          "%s", oxt_result_text(res, r->pool));
            return HTTP_SERVICE_UNAVAILABLE;
        }
        return OK;
    }
    if (conf->dbpool == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00012)
                      "no database pool (see start-up errors)");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rv = oxt_db_pool_acquire(pdb, conf->dbpool, res, r->pool);
    if (rv == APR_SUCCESS) {
        rv = oxt_mod_psa_get(ppsa, conf, *pdb, res);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00013)
                      "%s", oxt_result_text(res, r->pool));
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return OK;
}

static void oxt_mod_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(oxt_mod_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(oxt_mod_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(oxt_mod_pages_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(oxt_mod_static_fixups, NULL, NULL, APR_HOOK_LAST);
    oxt_mod_auth_register(p);
    oxt_mod_error_register(p);
}

AP_DECLARE_MODULE(oxtender) = {
    STANDARD20_MODULE_STUFF,
    oxt_mod_create_dir,
    oxt_mod_merge_dir,
    oxt_mod_create_srv,
    oxt_mod_merge_srv,
    oxt_mod_cmds,
    oxt_mod_register_hooks,
    AP_MODULE_FLAG_NONE
};
