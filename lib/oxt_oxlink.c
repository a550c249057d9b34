/*
 * oxt_oxlink.c — see oxt_oxlink.h.
 */
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "oxt_oxlink.h"
#include "oxt_status.h"

#define CONNECT_MAX_S 10

void oxt_oxlink_settings(oxt_soap_settings_t *ss, oxt_ox_settings_t *os,
                         const oxt_settings_t *st, int conns, apr_pool_t *p)
{
    int wait = st->soap_timeout_s > 0 ? st->soap_timeout_s : 1;

    memset(ss, 0, sizeof(*ss));
    ss->connect_timeout = apr_time_from_sec(wait < CONNECT_MAX_S
                                            ? wait : CONNECT_MAX_S);
    ss->total_timeout = apr_time_from_sec(wait);
    ss->max_conns = conns > 0 ? conns : 1;
    ss->debug = st->debug_api;
    memset(os, 0, sizeof(*os));
    os->base_url = oxt_ox_base_url(st->ox_https, st->ox_host, p);
    os->allow_plain_http = st->ox_allow_plain_http;
    os->type = st->cloud ? OXT_OX_RESELLER : OXT_OX_STANDALONE;
    os->master.login = st->ox_username;
    os->master.password = st->ox_password.value;
    os->master_override = st->master_override;
}

apr_status_t oxt_oxlink_open(oxt_ox_t **pox, oxt_soap_client_t **psoap,
                             const oxt_settings_t *st, int conns,
                             oxt_result_t *res, apr_pool_t *p)
{
    oxt_soap_settings_t ss;
    oxt_ox_settings_t os;
    apr_status_t rv;

    if (st->ox_host == NULL || *st->ox_host == '\0') {
        return oxt_result_set(res, OXT_ECONFIG, "OX server not configured",
                              "set the OX host on the Settings page");
    }
    oxt_oxlink_settings(&ss, &os, st, conns, p);
    rv = oxt_ox_transport_check(&os, res, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = oxt_soap_client_create(psoap, &ss, NULL, p);
    if (rv != APR_SUCCESS) {
        return oxt_result_set(res, rv, "Cannot start the SOAP client", NULL);
    }
    return oxt_ox_create(pox, &os, *psoap, p);
}

/* ---- Test connection ------------------------------------------------- */

static int test_configured(oxt_oxlink_test_t *t, const oxt_settings_t *st)
{
    if (st->ox_host == NULL || *st->ox_host == '\0'
        || st->ox_username == NULL || *st->ox_username == '\0'
        || !st->ox_password.set || st->ox_password.value == NULL) {
        t->status = OXT_ECONFIG;
        t->problem = "Not enough to test";
        t->detail = "Enter the OX IP or hostname, the OX username and the"
                    " OX password first.";
        return 0;
    }
    return 1;
}

/* What the call's outcome says about the link. */
static void test_judge(oxt_oxlink_test_t *t, const oxt_ox_reply_t *reply,
                       int http_status, apr_pool_t *p)
{
    apr_status_t rv = reply->status;

    t->status = rv;
    t->http_status = http_status;
    t->reached = http_status > 0;
    t->tls_problem = rv == OXT_ESOAP_TLS;
    t->credentials = rv == APR_SUCCESS ? 1 : rv == OXT_ESOAP_AUTH ? 0 : -1;
    if (rv == APR_SUCCESS) {
        return;
    }
    t->problem = reply->res && reply->res->problem ? reply->res->problem
                                                   : oxt_status_str(rv, p);
    t->detail = reply->res ? reply->res->detail : NULL;
    if (rv == OXT_ESOAP_TIMEOUT) {
        t->detail = apr_psprintf(p, "No answer within %d s (the Wait for"
                                 " setting)%s%s", t->timeout_s,
                                 t->detail ? ": " : "",
                                 t->detail ? t->detail : "");
    }
}

void oxt_oxlink_test(oxt_oxlink_test_t **presult, const oxt_settings_t *st,
                     apr_pool_t *p)
{
    oxt_oxlink_test_t *t = apr_pcalloc(p, sizeof(*t));
    oxt_result_t *res = oxt_result_make(p);
    const oxt_ox_reply_t *reply = NULL;
    oxt_soap_client_t *soap;
    oxt_ox_context_t *probe;
    oxt_ox_op_t *op;
    oxt_ox_t *ox;
    apr_time_t start;

    *presult = t;
    t->credentials = -1;
    t->timeout_s = st->soap_timeout_s;
    if (!test_configured(t, st)) {
        return;
    }
    t->url = oxt_ox_base_url(st->ox_https, st->ox_host, p);
    probe = oxt_ox_context_make(p);
    probe->name = OXT_OXLINK_PROBE_CONTEXT;
    if (oxt_oxlink_open(&ox, &soap, st, 1, res, p) != APR_SUCCESS
        || oxt_ox_context_exists(&op, ox, probe, p) != APR_SUCCESS) {
        t->status = res->status != APR_SUCCESS ? res->status : OXT_ECONFIG;
        t->problem = res->problem ? res->problem : "Cannot build the request";
        t->detail = res->detail;
        return;
    }
    t->called = 1;
    start = apr_time_now();
    (void)oxt_ox_call(&reply, ox, op);
    t->elapsed_ms = (long long)apr_time_as_msec(apr_time_now() - start);
    test_judge(t, reply, oxt_soap_call_http_status(oxt_ox_op_call(op)), p);
}
