/*
 * test_faults.c — every fault class, as the emulator produces it, with
 * and without the "; exceptionId" suffix.
 */
#include <string.h>
#include <apr_strings.h>

#include "soapit.h"

static void group_setup(void)
{
    soapit_group_start(NULL);
}

static const oxt_ox_reply_t *call_fails(oxt_ox_t *ox, oxt_ox_op_t *op,
                                        apr_status_t expect)
{
    const oxt_ox_reply_t *reply = NULL;
    apr_status_t rv = oxt_ox_call(&reply, ox, op);

    ck_assert_msg(rv == expect, "%s: expected %d, got %d: %s",
                  oxt_ox_op_name(op), expect, rv,
                  oxt_result_text(reply->res, soapit_pool));
    ck_assert_ptr_nonnull(reply->res->detail);
    return reply;
}

static oxt_ox_context_t *ctx_id(int id)
{
    oxt_ox_context_t *ctx = oxt_ox_context_make(soapit_pool);

    ctx->id = id;
    return ctx;
}

START_TEST(wrong_master_password_is_an_auth_failure)
{
    oxt_ox_settings_t os = { 0 };
    oxt_soap_settings_t ss = { 0 };
    oxt_ox_t *ox;
    oxt_ox_op_t *op;

    os.base_url = soapit_base_url();
    os.master.login = "oxadminmaster";
    os.master.password = "wrong";
    ox = soapit_ox(&os, &ss);
    ck_assert_int_eq(oxt_ox_context_list(&op, ox, "*", soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_AUTH);
}
END_TEST

START_TEST(existing_objects_are_reported_as_such)
{
    oxt_ox_t *ox = soapit_ox_default();
    oxt_ox_context_t *ctx = ctx_id(soapit_make_context(ox, "dup.example"));
    oxt_ox_context_t *again = oxt_ox_context_make(soapit_pool);
    oxt_ox_user_t *admin = soapit_user("admin", "dup.example");
    oxt_ox_op_t *op;

    again->name = "dup.example";
    again->max_quota = 10;
    ck_assert_int_eq(oxt_ox_context_create(&op, ox, again, admin, NULL,
                                           soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_CTX_EXISTS);
    ck_assert_int_eq(oxt_ox_user_create(&op, ox, ctx, &soapit_admin,
                                        soapit_user("bob", "dup.example"),
                                        NULL, soapit_pool), 0);
    ck_assert_int_eq(oxt_ox_call(&(const oxt_ox_reply_t *){NULL}, ox, op),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_ox_user_create(&op, ox, ctx, &soapit_admin,
                                        soapit_user("bob", "dup.example"),
                                        NULL, soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_USER_EXISTS);
}
END_TEST

START_TEST(missing_objects_are_reported_as_such)
{
    oxt_ox_t *ox = soapit_ox_default();
    oxt_ox_context_t *ctx = ctx_id(soapit_make_context(ox, "miss.example"));
    oxt_ox_user_t *ghost = oxt_ox_user_make(soapit_pool);
    oxt_ox_op_t *op;

    ck_assert_int_eq(oxt_ox_context_get_data(&op, ox, ctx_id(987654),
                                             soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_NO_CTX);
    ck_assert_int_eq(oxt_ox_context_delete(&op, ox, ctx_id(987654),
                                           soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_NO_CTX);
    ghost->id = 424242;
    ck_assert_int_eq(oxt_ox_user_delete(&op, ox, ctx, &soapit_admin, ghost,
                                        soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_NO_USER);
    /* OX answers user operations on a missing context this way
     * (docs/reference/ox-soap.md §6) */
    ck_assert_int_eq(oxt_ox_user_get_data(&op, ox, ctx_id(987654),
                                          &soapit_admin, ghost,
                                          soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_AUTH);
}
END_TEST

static void expect_invalid(oxt_ox_t *ox, oxt_ox_context_t *ctx,
                           oxt_ox_user_t *u, const char *text)
{
    oxt_ox_op_t *op;
    const oxt_ox_reply_t *r;

    ck_assert_int_eq(oxt_ox_user_create(&op, ox, ctx, &soapit_admin, u, NULL,
                                        soapit_pool), 0);
    r = call_fails(ox, op, OXT_ESOAP_INVALID);
    ck_assert_msg(strncmp(r->res->detail, text, strlen(text)) == 0,
                  "detail '%s' does not start with '%s'", r->res->detail,
                  text);
}

START_TEST(invalid_data_carries_the_server_text)
{
    oxt_ox_t *ox = soapit_ox_default();
    oxt_ox_context_t *ctx = ctx_id(soapit_make_context(ox, "inv.example"));
    oxt_ox_user_t *u;
    oxt_ox_context_t *bad = oxt_ox_context_make(soapit_pool);
    oxt_ox_op_t *op;

    u = soapit_user("lang", "inv.example");
    u->language = "english";
    expect_invalid(ox, ctx, u, "language must contain an underscore");
    u = soapit_user("empty", "inv.example");
    u->password = "";
    expect_invalid(ox, ctx, u, "Empty password is not allowed");
    u = soapit_user("mail", "inv.example");
    u->email1 = "other@inv.example";
    expect_invalid(ox, ctx, u, "primarymail must have the same value");
    ck_assert_int_eq(oxt_ox_user_create(&op, ox, ctx, &soapit_admin,
                                        soapit_user("first", "inv.example"),
                                        NULL, soapit_pool), 0);
    ck_assert_int_eq(oxt_ox_call(&(const oxt_ox_reply_t *){NULL}, ox, op),
                     APR_SUCCESS);
    u = soapit_user("second", "inv.example");
    u->display_name = "User first@inv.example";
    expect_invalid(ox, ctx, u, "The displayname is already used");
    ck_assert_int_eq(oxt_ox_user_create(&op, ox, ctx, &soapit_admin,
                                        soapit_user("acc", "inv.example"),
                                        "no_such_combination",
                                        soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_INVALID);
    bad->id = ctx->id;
    bad->login_mappings = apr_array_make(soapit_pool, 1, sizeof(char *));
    APR_ARRAY_PUSH(bad->login_mappings, const char *) = "bad mapping|x";
    ck_assert_int_eq(oxt_ox_context_change(&op, ox, bad, soapit_pool), 0);
    ck_assert_str_eq(apr_pstrndup(soapit_pool, call_fails(ox, op,
                     OXT_ESOAP_INVALID)->res->detail, 13), "Illegal chars");
}
END_TEST

START_TEST(exception_ids_do_not_change_the_mapping)
{
    oxt_ox_t *ox = soapit_ox_default();
    oxt_ox_op_t *op;
    const oxt_ox_reply_t *r;

    soapit_config("exception_id=on");
    ck_assert_int_eq(oxt_ox_context_get_data(&op, ox, ctx_id(55555),
                                             soapit_pool), 0);
    r = call_fails(ox, op, OXT_ESOAP_NO_CTX);
    ck_assert_ptr_nonnull(strstr(r->res->detail, "; exceptionId "));
    soapit_config("exception_id=off");
    ck_assert_int_eq(oxt_ox_context_get_data(&op, ox, ctx_id(55555),
                                             soapit_pool), 0);
    r = call_fails(ox, op, OXT_ESOAP_NO_CTX);
    ck_assert_ptr_null(strstr(r->res->detail, "exceptionId"));
}
END_TEST

START_TEST(injected_failures_are_retryable)
{
    oxt_ox_t *ox = soapit_ox_default();
    oxt_ox_op_t *op;
    const oxt_ox_reply_t *r = NULL;

    soapit_config("fault_rate=1");
    ck_assert_int_eq(oxt_ox_context_list(&op, ox, "*", soapit_pool), 0);
    ck_assert(oxt_soap_status_is_retryable(oxt_ox_call(&r, ox, op)));
    soapit_config("fault_rate=0&http500_rate=1");
    ck_assert_int_eq(oxt_ox_context_list(&op, ox, "*", soapit_pool), 0);
    call_fails(ox, op, OXT_ESOAP_HTTP5XX);
}
END_TEST

TCase *soapit_faults_case(void)
{
    TCase *tc = soapit_tcase("faults", group_setup, soapit_group_stop);

    tcase_add_test(tc, wrong_master_password_is_an_auth_failure);
    tcase_add_test(tc, existing_objects_are_reported_as_such);
    tcase_add_test(tc, missing_objects_are_reported_as_such);
    tcase_add_test(tc, invalid_data_carries_the_server_text);
    tcase_add_test(tc, exception_ids_do_not_change_the_mapping);
    tcase_add_test(tc, injected_failures_are_retryable);
    return tc;
}
