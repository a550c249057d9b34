/*
 * mod_oxtender_authz.c — who is calling: the authn provider "oxtender"
 * (HTTP Basic against psa accounts, for automation and the demo) and the
 * authz provider "oxtender-role" (Require oxtender-role admin reseller ...).
 *
 * Object-level checks (does this client own that domain) are not here:
 * they are core functions that take the caller's identity.
 */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_request.h>
#include <mod_auth.h>
#include <apr_strings.h>

#include "mod_oxtender.h"
#include "oxt_log.h"
#include "oxt_status.h"

APLOG_USE_MODULE(oxtender);

static oxt_mod_req_t *oxt_mod_req(request_rec *r)
{
    oxt_mod_req_t *req = ap_get_module_config(r->request_config,
                                              &oxtender_module);

    if (req == NULL) {
        req = apr_pcalloc(r->pool, sizeof(*req));
        ap_set_module_config(r->request_config, &oxtender_module, req);
    }
    return req;
}

/* Unknown login and wrong password answer alike, so the response does not
 * tell which logins exist; the log (info) tells the admin. */
static authn_status oxt_mod_check_password(request_rec *r, const char *user,
                                           const char *password)
{
    oxt_mod_req_t *req = oxt_mod_req(r);
    oxt_result_t *res = oxt_result_make(r->pool);
    const oxt_psa_t *psa;
    apr_status_t rv;

    if (oxt_mod_db(&req->db, &psa, r) != OK) {
        return AUTH_GENERAL_ERROR;
    }
    rv = oxt_psa_authenticate(&req->ident, psa, req->db, user, password, res,
                              r->pool);
    if (rv == OXT_EAUTH) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, OXTLOGNO(00020)
                      "login failed for '%s'", user);
        req->ident = NULL;
        return AUTH_DENIED;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00021)
                      "cannot check the login of '%s': %s", user,
                      oxt_result_text(res, r->pool));
        req->ident = NULL;
        return AUTH_GENERAL_ERROR;
    }
    return AUTH_GRANTED;
}

static const authn_provider oxt_mod_authn_provider = {
    &oxt_mod_check_password,
    NULL
};

/* ---- Require oxtender-role ... ------------------------------------------- */

static const char *oxt_mod_role_parse(cmd_parms *cmd, const char *args,
                                      const void **parsed)
{
    int *mask = apr_pcalloc(cmd->pool, sizeof(*mask));
    const char *word;
    oxt_role_t role;

    while (*(word = ap_getword_conf(cmd->temp_pool, &args))) {
        if (oxt_role_parse(&role, word) != APR_SUCCESS) {
            return apr_pstrcat(cmd->pool, "Require oxtender-role: unknown"
                               " role '", word, "' (admin, reseller, client,"
                               " domain)", NULL);
        }
        *mask |= 1 << role;
    }
    if (*mask == 0) {
        return "Require oxtender-role needs at least one role";
    }
    *parsed = mask;
    return NULL;
}

static authz_status oxt_mod_role_check(request_rec *r,
                                       const char *require_args,
                                       const void *parsed)
{
    const oxt_mod_req_t *req = ap_get_module_config(r->request_config,
                                                    &oxtender_module);
    const int *mask = parsed;

    (void)require_args;
    if (r->user == NULL) {
        return AUTHZ_DENIED_NO_USER;
    }
    /* Authenticated by another provider: we do not know the role. */
    if (req == NULL || req->ident == NULL || req->ident->suspended) {
        return AUTHZ_DENIED;
    }
    return (*mask & (1 << req->ident->role)) ? AUTHZ_GRANTED : AUTHZ_DENIED;
}

static const authz_provider oxt_mod_role_provider = {
    &oxt_mod_role_check,
    &oxt_mod_role_parse
};

void oxt_mod_auth_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "oxtender",
                              AUTHN_PROVIDER_VERSION,
                              &oxt_mod_authn_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "oxtender-role",
                              AUTHZ_PROVIDER_VERSION,
                              &oxt_mod_role_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
