/*
 * mod_oxtender_authz.c — who is calling: "AuthType Oxtender" and the authz
 * provider "oxtender-role" (Require oxtender-role admin reseller ...).
 *
 * AuthType Oxtender tries the Plesk session cookie first (the production
 * path: the person is signed in to the panel), then HTTP Basic against
 * psa (automation, the demo) unless OxtenderBasicAuth Off. Both end in the
 * same identity from the core, and r->user is its canonical login. The
 * decisions (cookie syntax, session validity, password, throttling,
 * grants) are core functions; this file only carries request data to them
 * and their answers back to Apache.
 *
 * Object-level checks (does this client own that domain) are not here:
 * they are core functions that take the caller's identity.
 */
#include <string.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_auth.h>
#include <apr_strings.h>

#include "mod_oxtender.h"
#include "oxt_log.h"
#include "oxt_login.h"
#include "oxt_session.h"
#include "oxt_status.h"

APLOG_USE_MODULE(oxtender);

oxt_mod_req_t *oxt_mod_req(request_rec *r)
{
    oxt_mod_req_t *req = ap_get_module_config(r->request_config,
                                              &oxtender_module);

    if (req == NULL) {
        req = apr_pcalloc(r->pool, sizeof(*req));
        ap_set_module_config(r->request_config, &oxtender_module, req);
    }
    return req;
}

static oxt_mod_srv_t *oxt_mod_srv(request_rec *r)
{
    return ap_get_module_config(r->server->module_config, &oxtender_module);
}

static const oxt_mod_dir_t *oxt_mod_dir(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &oxtender_module);
}

/* ---- refusals ----------------------------------------------------------- */

/* 401, with the Basic challenge where Basic is allowed. */
static int oxt_mod_challenge(request_rec *r, const char *message)
{
    if (oxt_mod_dir_basic(oxt_mod_dir(r))) {
        const char *realm = ap_auth_name(r) ? ap_auth_name(r) : "OXtender";

        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       apr_pstrcat(r->pool, "Basic realm=\"",
                                   ap_escape_quotes(r->pool, realm),
                                   "\", charset=\"UTF-8\"", NULL));
    }
    return oxt_mod_fail(r, HTTP_UNAUTHORIZED, "not_signed_in", message,
                        NULL);
}

static int oxt_mod_unavailable(request_rec *r)
{
    return oxt_mod_fail(r, HTTP_SERVICE_UNAVAILABLE, "unavailable",
                        "OXtender cannot reach its database right now."
                        " Please try again in a few minutes.", NULL);
}

/* A login in the log: escaped and cut, it is outside input. */
static const char *oxt_mod_log_login(request_rec *r, const char *login)
{
    return ap_escape_logitem(r->pool, apr_pstrndup(r->pool, login, 64));
}

/* ---- the caller's address ---------------------------------------------- */

static int oxt_mod_client_addr(request_rec *r, oxt_mod_req_t *req)
{
    const oxt_mod_srv_t *conf = oxt_mod_srv(r);
    const char *hdr = conf->addr_header ? conf->addr_header
                                        : OXT_MOD_DEFAULT_ADDR_HEADER;

    if (oxt_session_client_addr(&req->client_addr, r->useragent_ip,
                                apr_table_get(r->headers_in, hdr),
                                conf->proxies, r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, OXTLOGNO(00208)
                      "%s from the trusted proxy is no address", hdr);
        return oxt_mod_fail(r, HTTP_BAD_REQUEST, "bad_request",
                            "The request names no valid client address.",
                            NULL);
    }
    return OK;
}

/* ---- signing in --------------------------------------------------------- */

/* The identity is ours from here on: the canonical login for the logs
 * and for every module after us, and the secret a CSRF token binds to. */
static int oxt_mod_signed_in(request_rec *r, oxt_mod_req_t *req,
                             oxt_identity_t *ident, const char *part1,
                             const char *part2)
{
    const oxt_mod_srv_t *conf = oxt_mod_srv(r);

    if (oxt_login_binding(&ident->session_binding, conf->binding_key,
                          oxt_auth_via_name(ident->via), part1, part2,
                          r->pool) != APR_SUCCESS) {
        return oxt_mod_unavailable(r);
    }
    req->ident = ident;
    r->user = apr_pstrdup(r->pool, ident->login);
    r->ap_auth_type = OXT_MOD_AUTH_TYPE;
    return OK;
}

/* OK, HTTP_UNAUTHORIZED (no valid session: Basic may still follow) or a
 * prepared refusal. */
static int oxt_mod_session(request_rec *r, oxt_mod_req_t *req,
                           const char *sid)
{
    oxt_result_t *res = oxt_result_make(r->pool);
    oxt_identity_t *ident;
    const oxt_psa_t *psa;
    apr_status_t rv;

    if (oxt_mod_db(&req->db, &psa, r) != OK) {
        return oxt_mod_unavailable(r);
    }
    rv = oxt_session_check(&ident, psa, req->db, sid, req->client_addr,
                           oxt_mod_dir_idle(oxt_mod_dir(r)), res, r->pool);
    if (rv == OXT_EAUTH) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, OXTLOGNO(00202)
                      "session cookie refused for %s: %s", req->client_addr,
                      oxt_result_text(res, r->pool));
        return HTTP_UNAUTHORIZED;
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00203)
                      "cannot check a Plesk session: %s",
                      oxt_result_text(res, r->pool));
        return oxt_mod_unavailable(r);
    }
    return oxt_mod_signed_in(r, req, ident, sid, NULL);
}

/* The counts of failed sign-ins; OK, or a prepared 429/503. */
static int oxt_mod_throttled(request_rec *r, oxt_mod_req_t *req,
                             const char *login, oxt_throttle_state_t *st)
{
    const oxt_mod_srv_t *conf = oxt_mod_srv(r);
    oxt_result_t *res = oxt_result_make(r->pool);

    memset(st, 0, sizeof(*st));
    if (conf->throttle_set && !conf->throttle_on) {
        return OK;
    }
    if (oxt_throttle_check(st, req->db, &conf->throttle, login,
                           req->client_addr, res, r->pool) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00206)
                      "cannot read the failed sign-ins: %s",
                      oxt_result_text(res, r->pool));
        return oxt_mod_unavailable(r);
    }
    if (st->wait_s <= 0) {
        return OK;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OXTLOGNO(00201)
                  "sign-in refused for \"%s\" from %s: too many failures,"
                  " blocked for %d s", oxt_mod_log_login(r, login ? login
                                                               : ""),
                  req->client_addr, st->wait_s);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_itoa(r->pool, st->wait_s));
    return oxt_mod_fail(r, HTTP_TOO_MANY_REQUESTS, "too_many_failures",
                        apr_psprintf(r->pool, "Too many failed sign-ins."
                                     " Please try again in %d seconds.",
                                     st->wait_s), NULL);
}

/* A wrong login or password: counted, and the line fail2ban reads. */
static int oxt_mod_basic_failed(request_rec *r, oxt_mod_req_t *req,
                                const char *user, int shaped)
{
    const oxt_mod_srv_t *conf = oxt_mod_srv(r);
    oxt_result_t *res = oxt_result_make(r->pool);

    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, OXTLOGNO(00200)
                  "login failed for \"%s\" from %s",
                  oxt_mod_log_login(r, user), req->client_addr);
    if ((!conf->throttle_set || conf->throttle_on)
        && oxt_throttle_fail(req->db, &conf->throttle, shaped ? user : NULL,
                             req->client_addr, res, r->pool)
           != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00207)
                      "cannot count a failed sign-in: %s",
                      oxt_result_text(res, r->pool));
    }
    return oxt_mod_challenge(r, "The login or the password is wrong.");
}

static int oxt_mod_basic_check(request_rec *r, oxt_mod_req_t *req,
                               const char *user, const char *pass)
{
    oxt_result_t *res = oxt_result_make(r->pool);
    int shaped = oxt_login_check(user) == APR_SUCCESS;
    oxt_throttle_state_t st;
    oxt_identity_t *ident;
    const oxt_psa_t *psa;
    apr_status_t rv;
    int status;

    if (oxt_mod_db(&req->db, &psa, r) != OK) {
        return oxt_mod_unavailable(r);
    }
    status = oxt_mod_throttled(r, req, shaped ? user : NULL, &st);
    if (status != OK) {
        return status;
    }
    rv = oxt_psa_authenticate(&ident, psa, req->db, user, pass, res,
                              r->pool);
    if (rv == OXT_EAUTH) {
        return oxt_mod_basic_failed(r, req, user, shaped);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00204)
                      "cannot check the login of \"%s\": %s",
                      oxt_mod_log_login(r, user),
                      oxt_result_text(res, r->pool));
        return oxt_mod_unavailable(r);
    }
    if (st.login_failures > 0
        && oxt_throttle_clear(req->db, ident->login, res, r->pool)
           != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00209)
                      "cannot clear failed sign-ins: %s",
                      oxt_result_text(res, r->pool));
    }
    return oxt_mod_signed_in(r, req, ident, ident->login, pass);
}

static int oxt_mod_basic(request_rec *r, oxt_mod_req_t *req,
                         const char *header)
{
    const char *user = NULL, *pass = NULL;
    const oxt_psa_t *psa;
    apr_status_t rv;

    rv = oxt_login_basic_parse(&user, &pass, header, r->pool);
    if (rv == APR_ENOENT) {
        return oxt_mod_challenge(r, "Please sign in with your panel login.");
    }
    if (rv != APR_SUCCESS) {
        /* Malformed credentials count against the address. */
        if (oxt_mod_db(&req->db, &psa, r) != OK) {
            return oxt_mod_unavailable(r);
        }
        return oxt_mod_basic_failed(r, req, "(malformed credentials)", 0);
    }
    return oxt_mod_basic_check(r, req, user, pass);
}

/* A subrequest or an internal redirect is the same caller: reuse what the
 * first request found (and its database connection). */
static int oxt_mod_inherit(request_rec *r, oxt_mod_req_t *req)
{
    request_rec *first = r->main ? r->main : r->prev;
    const oxt_mod_req_t *from = first ? ap_get_module_config(
        first->request_config, &oxtender_module) : NULL;

    if (from == NULL || from->ident == NULL) {
        return 0;
    }
    req->ident = from->ident;
    req->db = from->db;
    req->client_addr = from->client_addr;
    r->user = first->user;
    r->ap_auth_type = OXT_MOD_AUTH_TYPE;
    return 1;
}

static int oxt_mod_authn(request_rec *r)
{
    const char *type = ap_auth_type(r), *sid = NULL, *hdr;
    oxt_mod_req_t *req;
    int status;

    if (type == NULL || strcasecmp(type, OXT_MOD_AUTH_TYPE) != 0) {
        return DECLINED;
    }
    req = oxt_mod_req(r);
    if (oxt_mod_inherit(r, req)) {
        return OK;
    }
    if (oxt_mod_srv(r)->binding_key == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00210)
                      "no secret key (see start-up errors): nobody can"
                      " sign in");
        return oxt_mod_unavailable(r);
    }
    status = oxt_mod_client_addr(r, req);
    if (status != OK) {
        return status;
    }
    if (oxt_session_cookie_get(&sid, apr_table_get(r->headers_in, "Cookie"),
                               oxt_mod_dir_cookie(oxt_mod_dir(r)), r->pool)
        == APR_SUCCESS) {
        status = oxt_mod_session(r, req, sid);
        if (status != HTTP_UNAUTHORIZED) {
            return status;
        }
    }
    hdr = apr_table_get(r->headers_in, "Authorization");
    if (oxt_mod_dir_basic(oxt_mod_dir(r)) && hdr != NULL) {
        return oxt_mod_basic(r, req, hdr);
    }
    return oxt_mod_challenge(r, sid != NULL
        ? "Your panel session has ended or is not valid here. Please sign"
          " in to Plesk again."
        : "Please sign in to Plesk and open OXtender from the panel.");
}

/* mod_authz_core asks the auth type to note a failure (a Require that
 * wants a user where there is none). */
static int oxt_mod_note_auth_failure(request_rec *r, const char *type)
{
    if (type == NULL || strcasecmp(type, OXT_MOD_AUTH_TYPE) != 0) {
        return DECLINED;
    }
    (void)oxt_mod_challenge(r, "Please sign in.");
    return OK;
}

/* ---- is the caller allowed in ------------------------------------------- */

static const char not_available[] =
    "Clients and domain administrators cannot use OXtender on Plesk 10"
    " and later.";

int oxt_mod_access(request_rec *r, oxt_mod_req_t *req)
{
    oxt_result_t *res = oxt_result_make(r->pool);
    const oxt_psa_t *psa;

    if (req->ident->suspended) {
        return oxt_mod_fail(r, HTTP_FORBIDDEN, "suspended",
                            "Your account is suspended.", NULL);
    }
    if (req->grant == NULL) {
        if (oxt_mod_db(&req->db, &psa, r) != OK) {
            return oxt_mod_unavailable(r);
        }
        if (oxt_grant_check(&req->grant, oxt_psa_caps(psa), req->db,
                            req->ident, res, r->pool) != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, OXTLOGNO(00211)
                          "cannot read the access grants: %s",
                          oxt_result_text(res, r->pool));
            req->grant = NULL;
            return oxt_mod_unavailable(r);
        }
    }
    if (req->grant->granted) {
        return OK;
    }
    if (!req->grant->possible) {
        return oxt_mod_fail(r, HTTP_FORBIDDEN, "not_available",
                            not_available, req->grant->granters);
    }
    return oxt_mod_fail(r, HTTP_FORBIDDEN, "not_granted",
                        "Access to OXtender has not been granted to your"
                        " account yet.", req->grant->granters);
}

/* ---- Require oxtender-role ... ------------------------------------------ */

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

/* Suspended, not granted, or another role: denied, with our page saying
 * which (mod_authz_core sends it as the 403). */
static authz_status oxt_mod_role_check(request_rec *r,
                                       const char *require_args,
                                       const void *parsed)
{
    oxt_mod_req_t *req = ap_get_module_config(r->request_config,
                                              &oxtender_module);
    const int *mask = parsed;
    int status;

    (void)require_args;
    if (r->user == NULL) {
        return AUTHZ_DENIED_NO_USER;
    }
    if (req == NULL || req->ident == NULL) {
        /* Signed in by another module: we do not know the role. */
        (void)oxt_mod_fail(r, HTTP_FORBIDDEN, "no_identity", "This page"
                           " needs a panel login (AuthType Oxtender).",
                           NULL);
        return AUTHZ_DENIED;
    }
    status = oxt_mod_access(r, req);
    if (status == HTTP_FORBIDDEN) {
        return AUTHZ_DENIED;
    }
    if (status != OK) {
        /* mod_authz_core answers a general error with 500. */
        (void)oxt_mod_fail(r, HTTP_INTERNAL_SERVER_ERROR, "unavailable",
                           "OXtender cannot reach its database right now."
                           " Please try again in a few minutes.", NULL);
        return AUTHZ_GENERAL_ERROR;
    }
    if (!(*mask & (1 << req->ident->role))) {
        (void)oxt_mod_fail(r, HTTP_FORBIDDEN, "wrong_role", "This page is"
                           " not available to your account.", NULL);
        return AUTHZ_DENIED;
    }
    return AUTHZ_GRANTED;
}

static const authz_provider oxt_mod_role_provider = {
    &oxt_mod_role_check,
    &oxt_mod_role_parse
};

void oxt_mod_auth_register(apr_pool_t *p)
{
    ap_hook_check_authn(oxt_mod_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(oxt_mod_note_auth_failure, NULL, NULL,
                              APR_HOOK_MIDDLE);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "oxtender-role",
                              AUTHZ_PROVIDER_VERSION,
                              &oxt_mod_role_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
