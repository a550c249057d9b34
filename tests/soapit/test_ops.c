/*
 * test_ops.c — every context and user operation against the emulator.
 */
#include <string.h>
#include <apr_strings.h>

#include "soapit.h"

static void group_setup(void)
{
    soapit_group_start(NULL);
}

static const oxt_ox_reply_t *call_ok(oxt_ox_t *ox, oxt_ox_op_t *op)
{
    const oxt_ox_reply_t *reply = NULL;
    apr_status_t rv = oxt_ox_call(&reply, ox, op);

    ck_assert_msg(rv == APR_SUCCESS, "%s: %s", oxt_ox_op_name(op),
                  oxt_result_text(reply->res, soapit_pool));
    return reply;
}

static int has(const apr_array_header_t *a, const char *s)
{
    int i;

    for (i = 0; a != NULL && i < a->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), s) == 0) {
            return 1;
        }
    }
    return 0;
}

static oxt_ox_context_t *ctx_by_id(int id)
{
    oxt_ox_context_t *ctx = oxt_ox_context_make(soapit_pool);

    ctx->id = id;
    return ctx;
}

START_TEST(context_lifecycle)
{
    oxt_ox_t *ox = soapit_ox_default();
    int id = soapit_make_context(ox, "life.example");
    oxt_ox_context_t *ctx = ctx_by_id(id), *by_name;
    oxt_ox_user_t *admin;
    const oxt_ox_reply_t *r;
    oxt_ox_op_t *op;
    long long admin_id;
    int i, found = 0;

    by_name = oxt_ox_context_make(soapit_pool);
    by_name->name = "life.example";
    ck_assert_int_eq(oxt_ox_context_exists(&op, ox, by_name, soapit_pool), 0);
    ck_assert_int_eq(call_ok(ox, op)->exists, 1);
    ck_assert_int_eq(oxt_ox_context_get_data(&op, ox, ctx, soapit_pool), 0);
    r = call_ok(ox, op);
    ck_assert_str_eq(r->context->name, "life.example");
    ck_assert_int_eq(r->context->max_quota, 100);
    ck_assert(has(r->context->login_mappings, "life.example"));
    /* the admin's id, which user getData confirms */
    ck_assert_int_eq(oxt_ox_context_get_admin_id(&op, ox, ctx, soapit_pool),
                     0);
    r = call_ok(ox, op);
    ck_assert_int_gt(r->number, 0);
    admin_id = r->number;
    admin = oxt_ox_user_make(soapit_pool);
    admin->name = "admin";
    ck_assert_int_eq(oxt_ox_user_get_data(&op, ox, ctx, &soapit_admin, admin,
                                          soapit_pool), 0);
    r = call_ok(ox, op);
    ck_assert_int_eq(r->user->id, admin_id);
    ck_assert_int_eq(r->user->context_admin, 1);

    ctx->name = "renamed.example";
    ctx->max_quota = 250;
    ctx->login_mappings = apr_array_make(soapit_pool, 2, sizeof(char *));
    APR_ARRAY_PUSH(ctx->login_mappings, const char *) = "renamed.example";
    APR_ARRAY_PUSH(ctx->login_mappings, const char *) = "alias.example";
    ck_assert_int_eq(oxt_ox_context_change(&op, ox, ctx, soapit_pool), 0);
    call_ok(ox, op);
    ck_assert_int_eq(oxt_ox_context_get_data(&op, ox, ctx_by_id(id),
                                             soapit_pool), 0);
    r = call_ok(ox, op);
    ck_assert_str_eq(r->context->name, "renamed.example");
    ck_assert_int_eq(r->context->max_quota, 250);
    ck_assert(has(r->context->login_mappings, "alias.example"));

    ck_assert_int_eq(oxt_ox_context_list(&op, ox, "*", soapit_pool), 0);
    r = call_ok(ox, op);
    for (i = 0; i < r->contexts->nelts; i++) {
        found |= APR_ARRAY_IDX(r->contexts, i, oxt_ox_context_t *)->id == id;
    }
    ck_assert(found);

    ck_assert_int_eq(oxt_ox_context_delete(&op, ox, ctx_by_id(id),
                                           soapit_pool), 0);
    call_ok(ox, op);
    ck_assert_int_eq(oxt_ox_context_exists(&op, ox, ctx_by_id(id),
                                           soapit_pool), 0);
    ck_assert_int_eq(call_ok(ox, op)->exists, 0);
    ck_assert_int_eq(soapit_counter("OXContextService.delete"), 1);
}
END_TEST

START_TEST(user_lifecycle)
{
    oxt_ox_t *ox = soapit_ox_default();
    oxt_ox_context_t *ctx = ctx_by_id(soapit_make_context(ox, "u.example"));
    oxt_ox_user_t *u = soapit_user("info", "u.example"), *key, *ch;
    const oxt_ox_reply_t *r;
    oxt_ox_op_t *op;
    int id;

    ck_assert_int_eq(oxt_ox_user_create(&op, ox, ctx, &soapit_admin, u,
                                        "webmail", soapit_pool), 0);
    id = call_ok(ox, op)->user->id;
    ck_assert_int_gt(id, 0);
    key = oxt_ox_user_make(soapit_pool);
    key->name = "info";
    ck_assert_int_eq(oxt_ox_user_exists(&op, ox, ctx, &soapit_admin, key,
                                        soapit_pool), 0);
    ck_assert_int_eq(call_ok(ox, op)->exists, 1);

    ch = oxt_ox_user_make(soapit_pool);
    ch->id = id;
    ch->display_name = "Info Desk";
    ch->password = "N3w-pass";
    ch->language = "de_DE";
    ch->timezone = "Europe/Vienna";
    ch->imap_server = "imap://imap2.example.com:143";
    ch->smtp_server = "smtp://smtp2.example.com:25";
    ch->imap_login = "info@u.example";
    ch->aliases = apr_array_make(soapit_pool, 2, sizeof(char *));
    APR_ARRAY_PUSH(ch->aliases, const char *) = "info@u.example";
    APR_ARRAY_PUSH(ch->aliases, const char *) = "sales@u.example";
    ck_assert_int_eq(oxt_ox_user_change(&op, ox, ctx, &soapit_admin, ch,
                                        soapit_pool), 0);
    call_ok(ox, op);

    key = oxt_ox_user_make(soapit_pool);
    key->id = id;
    ck_assert_int_eq(oxt_ox_user_get_data(&op, ox, ctx, &soapit_admin, key,
                                          soapit_pool), 0);
    r = call_ok(ox, op);
    ck_assert_str_eq(r->user->display_name, "Info Desk");
    ck_assert_str_eq(r->user->language, "de_DE");
    ck_assert_str_eq(r->user->timezone, "Europe/Vienna");
    ck_assert_ptr_nonnull(strstr(r->user->imap_server, "imap2.example.com"));
    ck_assert_ptr_nonnull(strstr(r->user->smtp_server, "smtp2.example.com"));
    ck_assert(has(r->user->aliases, "sales@u.example"));
    ck_assert_ptr_null(r->user->password);

    ck_assert_int_eq(oxt_ox_user_change_access(&op, ox, ctx, &soapit_admin,
                                               key, "groupware_premium",
                                               soapit_pool), 0);
    call_ok(ox, op);
    ck_assert_int_eq(soapit_counter(
                         "OXUserService.changeByModuleAccessName"), 1);

    ck_assert_int_eq(oxt_ox_user_list(&op, ox, ctx, &soapit_admin, "*",
                                      soapit_pool), 0);
    r = call_ok(ox, op);
    ck_assert_int_ge(r->users->nelts, 2);   /* the admin and info */

    ck_assert_int_eq(oxt_ox_user_delete(&op, ox, ctx, &soapit_admin, key,
                                        soapit_pool), 0);
    call_ok(ox, op);
    ck_assert_int_eq(oxt_ox_user_exists(&op, ox, ctx, &soapit_admin, key,
                                        soapit_pool), 0);
    ck_assert_int_eq(call_ok(ox, op)->exists, 0);
}
END_TEST

START_TEST(a_changed_password_is_the_one_oX_keeps)
{
    oxt_ox_t *ox = soapit_ox_default();
    oxt_ox_context_t *ctx = ctx_by_id(soapit_make_context(ox, "pw.example"));
    oxt_ox_user_t *admin = oxt_ox_user_make(soapit_pool);
    oxt_ox_creds_t new_creds = { "admin", "Changed-1" };
    oxt_ox_op_t *op;

    /* Changing the context admin's own password: afterwards only the new
     * one authenticates, which shows the password element arrived. */
    admin->name = "admin";
    admin->password = new_creds.password;
    ck_assert_int_eq(oxt_ox_user_change(&op, ox, ctx, &soapit_admin, admin,
                                        soapit_pool), 0);
    call_ok(ox, op);
    ck_assert_int_eq(oxt_ox_user_list(&op, ox, ctx, &new_creds, "*",
                                      soapit_pool), 0);
    call_ok(ox, op);
}
END_TEST

TCase *soapit_ops_case(void)
{
    TCase *tc = soapit_tcase("ops", group_setup, soapit_group_stop);

    tcase_add_test(tc, context_lifecycle);
    tcase_add_test(tc, user_lifecycle);
    tcase_add_test(tc, a_changed_password_is_the_one_oX_keeps);
    return tc;
}
