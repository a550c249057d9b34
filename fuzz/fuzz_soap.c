/*
 * fuzz_soap.c — OX SOAP responses: the reply parser and fault
 * classification of lib/oxt_soap.c on lib/oxt_xml.c, the typed readers of
 * lib/oxt_ox.c (contexts, users, lists, booleans) and the password masking
 * of the debug capture, all on bytes an OX server (or whoever answers in
 * its place) sends.
 *
 * Input: byte 0 picks the operation and the HTTP status, the rest is the
 * response body, delivered by a transport inside this harness.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_soap.h"
#include "oxt_ox.h"

typedef struct {
    const uint8_t *body;
    size_t len;
    int status;
    oxt_soap_call_t *call;
} fuzz_wire_t;

static fuzz_wire_t wire;

static apr_status_t wire_init(oxt_soap_client_t *client, apr_pool_t *p)
{
    (void)client;
    (void)p;
    return APR_SUCCESS;
}

static apr_status_t wire_start(oxt_soap_client_t *client,
                               oxt_soap_call_t *call, apr_pool_t *tp)
{
    (void)client;
    (void)tp;
    wire.call = call;
    return APR_SUCCESS;
}

/* Delivers the body in two pieces, as a network would. */
static apr_status_t wire_perform(oxt_soap_client_t *client,
                                 apr_interval_time_t timeout)
{
    oxt_soap_call_t *call = wire.call;
    size_t half = wire.len / 2;
    apr_status_t rv;

    (void)client;
    (void)timeout;
    if (call == NULL) {
        return APR_SUCCESS;
    }
    wire.call = NULL;
    rv = oxt_soap_call_receive(call, (const char *)wire.body, half);
    if (rv == APR_SUCCESS) {
        rv = oxt_soap_call_receive(call, (const char *)wire.body + half,
                                   wire.len - half);
    }
    oxt_soap_call_finish(call, rv, rv == APR_SUCCESS ? wire.status : 0,
                         rv == APR_SUCCESS ? NULL : "too big");
    return APR_SUCCESS;
}

static const oxt_soap_impl_t wire_impl = {
    "fuzz", wire_init, wire_start, wire_perform
};

static apr_status_t fuzz_op(oxt_ox_op_t **pop, oxt_ox_t *ox, int which,
                            apr_pool_t *p)
{
    oxt_ox_context_t *ctx = oxt_ox_context_make(p);
    oxt_ox_user_t *user = oxt_ox_user_make(p);
    oxt_ox_creds_t admin = { "oxadmin", "admin-secret" };

    ctx->id = 7;
    user->id = 3;
    user->name = "user1";
    switch (which) {
    case 0: return oxt_ox_context_list(pop, ox, "*", p);
    case 1: return oxt_ox_context_get_data(pop, ox, ctx, p);
    case 2: return oxt_ox_context_exists(pop, ox, ctx, p);
    case 3: return oxt_ox_user_list(pop, ox, ctx, &admin, "*", p);
    case 4: return oxt_ox_user_get_data(pop, ox, ctx, &admin, user, p);
    case 5: return oxt_ox_user_exists(pop, ox, ctx, &admin, user, p);
    case 6: return oxt_ox_context_delete(pop, ox, ctx, p);
    default: return oxt_ox_user_create(pop, ox, ctx, &admin, user, NULL, p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    oxt_soap_settings_t ss;
    oxt_ox_settings_t os;
    oxt_soap_client_t *client;
    oxt_ox_t *ox;
    oxt_ox_op_t *op;
    const oxt_ox_reply_t *reply;
    static const int statuses[] = { 200, 500, 404, 200 };

    if (size < 1) {
        return 0;
    }
    p = fuzz_pool();
    memset(&ss, 0, sizeof(ss));
    ss.debug = 1;                      /* exercise the masking too */
    ss.response_cap = 256 * 1024;
    memset(&os, 0, sizeof(os));
    os.base_url = "http://127.0.0.1/webservices";
    os.type = (data[0] & 0x40) ? OXT_OX_RESELLER : OXT_OX_STANDALONE;
    os.master.login = "oxadminmaster";
    os.master.password = "master-secret";
    wire.body = data + 1;
    wire.len = size - 1;
    wire.status = statuses[(data[0] >> 4) & 3];
    wire.call = NULL;
    if (oxt_soap_client_create(&client, &ss, &wire_impl, p) == APR_SUCCESS
        && oxt_ox_create(&ox, &os, client, p) == APR_SUCCESS
        && fuzz_op(&op, ox, data[0] & 7, p) == APR_SUCCESS) {
        (void)oxt_ox_call(&reply, ox, op);
    }
    apr_pool_destroy(p);
    return 0;
}
