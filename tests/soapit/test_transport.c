/*
 * test_transport.c — timeouts, dropped connections, parallel calls and the
 * per-host connection cap, counted at the emulator; reseller services and
 * the master override.
 */
#include <string.h>
#include <apr_strings.h>

#include "soapit.h"

static void group_setup(void)
{
    soapit_group_start(NULL);
}

static oxt_ox_t *ox_with(int max_conns, apr_interval_time_t total)
{
    oxt_ox_settings_t os = { 0 };
    oxt_soap_settings_t ss = { 0 };

    os.base_url = soapit_base_url();
    os.master.login = "oxadminmaster";
    os.master.password = "secret";
    ss.max_conns = max_conns;
    ss.total_timeout = total;
    ss.connect_timeout = apr_time_from_sec(2);
    return soapit_ox(&os, &ss);
}

START_TEST(a_hanging_server_times_out_on_time)
{
    oxt_ox_t *ox = ox_with(1, apr_time_from_msec(500));
    const oxt_ox_reply_t *r = NULL;
    oxt_ox_op_t *op;
    apr_time_t start;

    /* a short hang, so the emulator lets go of the connection before the
     * connection-counting tests of this group run */
    soapit_config("hang_rate=1&hang_max_ms=1500");
    ck_assert_int_eq(oxt_ox_context_list(&op, ox, "*", soapit_pool), 0);
    start = apr_time_now();
    ck_assert_int_eq(oxt_ox_call(&r, ox, op), OXT_ESOAP_TIMEOUT);
    ck_assert_int_lt(apr_time_now() - start, apr_time_from_sec(3));
}
END_TEST

START_TEST(a_dropped_connection_is_retryable)
{
    oxt_ox_t *ox = ox_with(1, apr_time_from_sec(5));
    const oxt_ox_reply_t *r = NULL;
    oxt_ox_op_t *op;

    soapit_config("drop_rate=1");
    ck_assert_int_eq(oxt_ox_context_list(&op, ox, "*", soapit_pool), 0);
    ck_assert_int_eq(oxt_ox_call(&r, ox, op), OXT_ESOAP_CONNECT);
    soapit_config("drop_rate=0");
    /* the client recovers on the next call */
    ck_assert_int_eq(oxt_ox_context_list(&op, ox, "*", soapit_pool), 0);
    ck_assert_int_eq(oxt_ox_call(&r, ox, op), APR_SUCCESS);
}
END_TEST

typedef struct {
    int ok;
    int failed;
} tally_t;

static void tally(void *baton, oxt_ox_op_t *op, const oxt_ox_reply_t *reply)
{
    tally_t *t = baton;

    if (reply->status == APR_SUCCESS) {
        t->ok++;
    }
    else {
        t->failed++;
    }
}

/* n "exists" calls through a client capped at conns; returns elapsed. */
static apr_interval_time_t burst(int conns, int n, tally_t *t)
{
    oxt_ox_t *ox = ox_with(conns, apr_time_from_sec(10));
    oxt_ox_context_t *ctx = oxt_ox_context_make(soapit_pool);
    oxt_ox_op_t *op;
    apr_time_t start;
    int i;

    ctx->name = "nobody.example";
    soapit_quiesce();
    for (i = 0; i < n; i++) {
        ck_assert_int_eq(oxt_ox_context_exists(&op, ox, ctx, soapit_pool), 0);
        ck_assert_int_eq(oxt_ox_submit(ox, op, tally, t), APR_SUCCESS);
    }
    start = apr_time_now();
    ck_assert_int_eq(oxt_soap_client_run(oxt_ox_client(ox),
                                         apr_time_from_sec(30)), APR_SUCCESS);
    return apr_time_now() - start;
}

START_TEST(calls_run_in_parallel_up_to_the_cap)
{
    tally_t t = { 0, 0 };
    apr_interval_time_t took;

    soapit_config("latency_ms=100");
    took = burst(4, 16, &t);
    ck_assert_int_eq(t.ok, 16);
    /* 16 calls of 100 ms on 4 connections: about 400 ms, not 1.6 s */
    ck_assert_int_lt(took, apr_time_from_msec(1200));
    ck_assert_int_ge(took, apr_time_from_msec(390));
    /* plus the one control connection of the test (soapit_sim.c) */
    ck_assert_int_eq(soapit_counter("connections_high_water"), 4 + 1);
    ck_assert_int_eq(soapit_counter("connections_accepted"), 4);
}
END_TEST

START_TEST(one_connection_is_reused_for_serial_calls)
{
    tally_t t = { 0, 0 };

    soapit_config("latency_ms=5");
    burst(1, 20, &t);
    ck_assert_int_eq(t.ok, 20);
    ck_assert_int_eq(soapit_counter("connections_high_water"), 1 + 1);
    ck_assert_int_eq(soapit_counter("connections_accepted"), 1);
    ck_assert_int_eq(soapit_counter("OXContextService.exists"), 20);
}
END_TEST

TCase *soapit_transport_case(void)
{
    TCase *tc = soapit_tcase("transport", group_setup, soapit_group_stop);

    tcase_add_test(tc, a_hanging_server_times_out_on_time);
    tcase_add_test(tc, a_dropped_connection_is_retryable);
    tcase_add_test(tc, calls_run_in_parallel_up_to_the_cap);
    tcase_add_test(tc, one_connection_is_reused_for_serial_calls);
    return tc;
}

/* ---- reseller (cloud) services ---------------------------------------- */

static void reseller_setup(void)
{
    static const char *const flags[] = { "--reseller", "res1:respw", NULL };

    soapit_group_start(flags);
}

START_TEST(reseller_mode_provisions_through_the_reseller_services)
{
    oxt_ox_settings_t os = { 0 };
    oxt_soap_settings_t ss = { 0 };
    oxt_ox_t *ox;
    oxt_ox_context_t *ctx = oxt_ox_context_make(soapit_pool);
    oxt_ox_op_t *op;
    const oxt_ox_reply_t *r = NULL;

    os.base_url = soapit_base_url();
    os.type = OXT_OX_RESELLER;
    os.master.login = "res1";
    os.master.password = "respw";
    ox = soapit_ox(&os, &ss);
    ctx->id = soapit_make_context(ox, "res1_cloud.example");
    ck_assert_int_eq(soapit_counter("OXResellerContextService."
                                    "createModuleAccessByName"), 1);
    ck_assert_int_eq(oxt_ox_user_create(&op, ox, ctx, &soapit_admin,
                                        soapit_user("u", "cloud.example"),
                                        "webmail", soapit_pool), 0);
    ck_assert_int_eq(oxt_ox_call(&r, ox, op), APR_SUCCESS);
    ck_assert_int_eq(soapit_counter("OXResellerUserService."
                                    "createByModuleAccessName"), 1);
}
END_TEST

TCase *soapit_reseller_case(void)
{
    TCase *tc = soapit_tcase("reseller", reseller_setup, soapit_group_stop);

    tcase_add_test(tc, reseller_mode_provisions_through_the_reseller_services);
    return tc;
}

/* ---- master override -------------------------------------------------- */

static void override_setup(void)
{
    static const char *const flags[] = { "--master-override", "on", NULL };

    soapit_group_start(flags);
}

START_TEST(master_override_lets_the_master_act_in_a_context)
{
    oxt_ox_settings_t os = { 0 };
    oxt_soap_settings_t ss = { 0 };
    oxt_ox_t *plain = soapit_ox_default(), *over;
    oxt_ox_context_t *ctx = oxt_ox_context_make(soapit_pool);
    oxt_ox_creds_t wrong = { "admin", "not-the-password" };
    oxt_ox_op_t *op;
    const oxt_ox_reply_t *r = NULL;

    ctx->id = soapit_make_context(plain, "over.example");
    ck_assert_int_eq(oxt_ox_user_list(&op, plain, ctx, &wrong, "*",
                                      soapit_pool), 0);
    ck_assert_int_eq(oxt_ox_call(&r, plain, op), OXT_ESOAP_AUTH);
    os.base_url = soapit_base_url();
    os.master.login = "oxadminmaster";
    os.master.password = "secret";
    os.master_override = 1;
    over = soapit_ox(&os, &ss);
    ck_assert_int_eq(oxt_ox_user_list(&op, over, ctx, &wrong, "*",
                                      soapit_pool), 0);
    ck_assert_int_eq(oxt_ox_call(&r, over, op), APR_SUCCESS);
}
END_TEST

TCase *soapit_override_case(void)
{
    TCase *tc = soapit_tcase("override", override_setup, soapit_group_stop);

    tcase_add_test(tc, master_override_lets_the_master_act_in_a_context);
    return tc;
}
