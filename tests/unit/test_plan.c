/*
 * test_plan.c — which OX operations close the gap for a domain.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_plan.h"

static oxt_settings_t settings;
static oxt_desired_env_t env;
static oxt_prefs_chain_t chain;
static oxt_plesk_domain_t dom;
static oxt_desired_context_t want_ctx;
static oxt_applied_context_t have_ctx;
static apr_array_header_t *users;
static const unsigned char fp_key[32] = "0123456789abcdef0123456789abcdef";

static void plan_setup(void)
{
    int i;

    memset(&settings, 0, sizeof(settings));
    settings.default_quota_mb = 100;
    settings.default_language = "en_US";
    settings.default_timezone = "UTC";
    settings.imap.host = "imap";
    settings.imap.port = 143;
    settings.smtp.host = "smtp";
    settings.smtp.port = 25;
    memset(&env, 0, sizeof(env));
    env.settings = &settings;
    env.fp_key = fp_key;
    for (i = 0; i < OXT_LEVEL_COUNT; i++) {
        oxt_prefs_clear(&chain.level[i]);
    }
    chain.level[OXT_LEVEL_DOMAIN].forever = OXT_FOREVER_ON;
    memset(&dom, 0, sizeof(dom));
    dom.id = 5;
    dom.name = dom.display_name = "d.example";
    dom.mail_on = 1;
    oxt_desired_context(&want_ctx, &env, &dom, NULL, &chain, oxt_test_pool);
    memset(&have_ctx, 0, sizeof(have_ctx));
    have_ctx.quota_mb = -1;
    users = apr_array_make(oxt_test_pool, 4, sizeof(oxt_plan_user_t));
}

static oxt_plesk_mailbox_t *mailbox(long long id, const char *name)
{
    oxt_plesk_mailbox_t *m = apr_pcalloc(oxt_test_pool, sizeof(*m));

    m->id = id;
    m->mail_name = name;
    m->address = apr_pstrcat(oxt_test_pool, name, "@d.example", NULL);
    m->postbox = 1;
    m->password_type = "plain";
    m->password = apr_pstrcat(oxt_test_pool, name, "-pw", NULL);
    m->domain = dom;
    return m;
}

/* A user as it would be recorded after a successful create. */
static oxt_applied_user_t *applied(const oxt_desired_user_t *w, long long id)
{
    oxt_applied_user_t *a = apr_pcalloc(oxt_test_pool, sizeof(*a));

    a->exists = 1;
    a->mail_id = id;
    a->ox_context_id = 9;
    a->ox_user_id = id + 100;
    a->mail_name = w->name;
    a->address = w->primary_email;
    a->display_name = w->display_name;
    a->aliases = oxt_desired_join(w->aliases, oxt_test_pool);
    a->service = (int)w->service;
    a->language = w->language;
    a->timezone = w->timezone;
    a->imap_server = oxt_state_server(w->imap_server, w->imap_port,
                                      oxt_test_pool);
    a->smtp_server = oxt_state_server(w->smtp_server, w->smtp_port,
                                      oxt_test_pool);
    a->has_fp = 1;
    memcpy(a->password_fp, w->password_fp, OXT_FP_LEN);
    a->status = "replicated";
    return a;
}

static oxt_plan_user_t *add_user(oxt_plesk_mailbox_t *m, int in_ox)
{
    oxt_plan_user_t *u = apr_array_push(users);
    oxt_desired_user_t *w = NULL;

    memset(u, 0, sizeof(*u));
    if (m != NULL) {
        w = apr_pcalloc(oxt_test_pool, sizeof(*w));
        oxt_desired_user(w, &env, m, NULL, NULL, &chain, oxt_test_pool);
    }
    u->mbox = m;
    u->want = w;
    if (in_ox && w != NULL) {
        u->have = applied(w, m->id);
    }
    return u;
}

static void ctx_exists(void)
{
    have_ctx.exists = 1;
    have_ctx.ox_context_id = 9;
    have_ctx.context_name = "d.example";
    have_ctx.mappings = "d.example";
    have_ctx.quota_mb = 100;
    have_ctx.admin_login = OXT_CONTEXT_ADMIN_LOGIN;
    have_ctx.admin_address = OXT_CONTEXT_ADMIN_LOGIN "@d.example";
    have_ctx.display_name = "d.example";
}

static const char *plan_text(int auto_delete)
{
    oxt_plan_input_t in = { &dom, &want_ctx, &have_ctx, users, auto_delete };
    apr_array_header_t *ops = oxt_plan_domain(&in, oxt_test_pool);
    const char *out = "";
    int i;

    for (i = 0; i < ops->nelts; i++) {
        const oxt_op_t *op = &APR_ARRAY_IDX(ops, i, const oxt_op_t);

        out = apr_psprintf(oxt_test_pool, "%s%s%s%s%s%s", out,
                           i ? "; " : "", oxt_op_name(op->kind),
                           op->user && op->user->mbox ? " " : "",
                           op->user && op->user->mbox
                               ? op->user->mbox->mail_name : "",
                           op->changes
                               ? apr_pstrcat(oxt_test_pool, " (",
                                             oxt_plan_changes_text(
                                                 op->changes, oxt_test_pool),
                                             ")", NULL)
                               : "");
    }
    return out;
}

START_TEST(a_new_domain_gets_its_context_before_its_users)
{
    add_user(mailbox(1, "a"), 0);
    add_user(mailbox(2, "b"), 0);
    ck_assert_str_eq(plan_text(0),
                     "create context; create user a; create user b");
}
END_TEST

START_TEST(nothing_changes_nothing_is_sent)
{
    ctx_exists();
    add_user(mailbox(1, "a"), 1);
    ck_assert_str_eq(plan_text(1), "");
}
END_TEST

START_TEST(a_new_password_and_service_type_are_sent)
{
    oxt_plesk_mailbox_t *m = mailbox(1, "a");
    oxt_plan_user_t *u;

    ctx_exists();
    u = add_user(m, 1);
    m->password = "new";
    oxt_desired_user((oxt_desired_user_t *)u->want, &env, m, NULL, NULL,
                     &chain, oxt_test_pool);
    ((oxt_applied_user_t *)u->have)->service = OXT_SERVICE_PREMIUM;
    ck_assert_str_eq(plan_text(0),
                     "change user a (password); change service type a");
}
END_TEST

START_TEST(a_rename_changes_name_and_addresses_by_id)
{
    oxt_plan_user_t *u;

    ctx_exists();
    u = add_user(mailbox(1, "a"), 1);
    ((oxt_applied_user_t *)u->have)->mail_name = "old";
    ((oxt_applied_user_t *)u->have)->address = "old@d.example";
    ((oxt_applied_user_t *)u->have)->display_name = "old@d.example";
    ck_assert_str_eq(plan_text(0), "change user a (name, addresses,"
                     " IMAP login, display name)");
}
END_TEST

START_TEST(deleted_mailboxes_leave_only_with_auto_delete)
{
    oxt_plan_user_t *u;

    ctx_exists();
    u = add_user(mailbox(1, "a"), 1);
    u->mbox = NULL;
    u->want = NULL;
    ck_assert_str_eq(plan_text(0), "");
    ck_assert_str_eq(plan_text(1), "delete user; delete context");
}
END_TEST

START_TEST(the_context_stays_while_a_user_stays)
{
    oxt_plan_user_t *u;

    ctx_exists();
    add_user(mailbox(1, "a"), 1);
    u = add_user(mailbox(2, "b"), 1);
    u->mbox = NULL;
    u->want = NULL;
    ck_assert_str_eq(plan_text(1), "delete user");
}
END_TEST

START_TEST(unusable_passwords_never_remove_a_user)
{
    oxt_plesk_mailbox_t *m = mailbox(1, "a");
    oxt_plan_user_t *u;

    ctx_exists();
    u = add_user(m, 1);
    m->password_type = "crypt";
    oxt_desired_user((oxt_desired_user_t *)u->want, &env, m, NULL, NULL,
                     &chain, oxt_test_pool);
    ck_assert_str_eq(plan_text(1), "record status a");
    ((oxt_applied_user_t *)u->have)->status = "unreplicable";
    ((oxt_applied_user_t *)u->have)->status_reason = OXT_WHY_CRYPT_PASSWORD;
    ck_assert_str_eq(plan_text(1), "");
}
END_TEST

START_TEST(suspended_domains_are_held_as_they_are)
{
    oxt_plesk_mailbox_t *m;

    ctx_exists();
    dom.status = 16;
    m = mailbox(1, "a");
    add_user(m, 0);
    ck_assert(users->nelts == 1);
    ck_assert_str_eq(plan_text(1), "record status a");
}
END_TEST

START_TEST(a_domain_with_mail_off_keeps_its_users_in_ox)
{
    ctx_exists();
    dom.mail_on = 0;
    add_user(mailbox(1, "a"), 1);
    ck_assert_str_eq(plan_text(1), "record status a");
}
END_TEST

START_TEST(unselected_mailboxes_cost_nothing)
{
    chain.level[OXT_LEVEL_DOMAIN].forever = OXT_FOREVER_INHERIT;
    add_user(mailbox(1, "a"), 0);
    add_user(mailbox(2, "b"), 0);
    ck_assert_str_eq(plan_text(1), "");
}
END_TEST

START_TEST(a_user_back_from_suspension_is_marked_replicated)
{
    oxt_plan_user_t *u;

    ctx_exists();
    u = add_user(mailbox(1, "a"), 1);
    ((oxt_applied_user_t *)u->have)->status = "disabled";
    ((oxt_applied_user_t *)u->have)->status_reason = OXT_WHY_SUSPENDED;
    ck_assert_str_eq(plan_text(0), "record status a");
    ((oxt_applied_user_t *)u->have)->status = "replicated";
    ck_assert_str_eq(plan_text(0), "");
}
END_TEST

/* OX has no display name for a context: a new one alone is recorded, and
 * goes with the context change when there is one. */
START_TEST(a_new_display_name_is_recorded_without_a_call)
{
    ctx_exists();
    have_ctx.display_name = "D.example";
    add_user(mailbox(1, "a"), 1);
    ck_assert_str_eq(plan_text(0), "record context (display name)");
    have_ctx.display_name = NULL;
    ck_assert_str_eq(plan_text(0), "record context (display name)");
    have_ctx.quota_mb = 50;
    ck_assert_str_eq(plan_text(0), "change context (quota)");
}
END_TEST

START_TEST(a_quota_change_changes_the_context)
{
    ctx_exists();
    have_ctx.quota_mb = 50;
    add_user(mailbox(1, "a"), 1);
    ck_assert_str_eq(plan_text(0), "change context (quota)");
}
END_TEST

/* Issue 13, finding 4: a renamed domain's context changes, and its
 * admin's address follows; a context whose admin address is unknown (an
 * adopted one, a crash during the change) gets it sent. */
START_TEST(a_renamed_domain_moves_the_context_admin_address)
{
    ctx_exists();
    add_user(mailbox(1, "a"), 1);
    have_ctx.context_name = "old.example";
    have_ctx.mappings = "old.example";
    have_ctx.admin_address = OXT_CONTEXT_ADMIN_LOGIN "@old.example";
    ck_assert_str_eq(plan_text(0), "change context (name and login"
                     " mappings); change context admin");
    ck_assert_str_eq(oxt_plan_admin_address(&have_ctx, &want_ctx,
                                            oxt_test_pool),
                     "oxadmin$@d.example");
    have_ctx.context_name = "d.example";
    have_ctx.mappings = "d.example";
    have_ctx.admin_address = NULL;
    ck_assert_str_eq(plan_text(0), "change context admin");
    /* an admin of an earlier version keeps its login */
    have_ctx.admin_login = "oxadmin";
    have_ctx.admin_address = "oxadmin@d.example";
    ck_assert_str_eq(plan_text(0), "");
}
END_TEST

/* Finding 1: a mailbox that would collide with the context admin (by
 * name or by an address) is not replicable, and never sent. */
START_TEST(a_mailbox_named_like_the_context_admin_is_not_replicable)
{
    oxt_plesk_mailbox_t *m;
    const oxt_op_t *op;
    apr_array_header_t *ops;
    oxt_plan_input_t in = { &dom, &want_ctx, &have_ctx, users, 1 };

    ctx_exists();
    have_ctx.admin_login = "oxadmin";
    have_ctx.admin_address = "oxadmin@d.example";
    add_user(mailbox(1, "OXAdmin"), 0);
    add_user(mailbox(2, "b"), 0);
    ck_assert_str_eq(plan_text(1), "record status OXAdmin; create user b");
    ops = oxt_plan_domain(&in, oxt_test_pool);
    op = &APR_ARRAY_IDX(ops, 0, const oxt_op_t);
    ck_assert_str_eq(op->user->want->reason, OXT_WHY_ADMIN_NAME);
    ck_assert(!op->user->want->replicate);
    /* the plan's input is left as it was */
    ck_assert(APR_ARRAY_IDX(users, 0, oxt_plan_user_t).want->replicate);
    /* an alias that is the admin's address clashes too */
    users->nelts = 0;
    m = mailbox(3, "c");
    add_user(m, 0);
    APR_ARRAY_PUSH((apr_array_header_t *)APR_ARRAY_IDX(users, 0,
                   oxt_plan_user_t).want->aliases, const char *) =
        "oxadmin@d.example";
    ck_assert_str_eq(plan_text(1), "record status c");
    /* ours, with its '$', is no Plesk mailbox name: a new context has
     * nothing to refuse */
    users->nelts = 0;
    memset(&have_ctx, 0, sizeof(have_ctx));
    add_user(mailbox(4, "oxadmin"), 0);
    ck_assert_str_eq(plan_text(1), "create context; create user oxadmin");
}
END_TEST

/* Finding 7: what a crash left in doubt is sent again. */
START_TEST(a_context_whose_delete_was_in_flight_is_deleted_or_made_again)
{
    oxt_plan_user_t *u;

    ctx_exists();
    have_ctx.status = "deleted";
    ck_assert_str_eq(plan_text(1), "delete context");
    ck_assert_str_eq(plan_text(0), "");
    /* the mailboxes came back: the context is made again (a create that
     * finds it adopts it) */
    u = add_user(mailbox(1, "a"), 0);
    ck_assert_str_eq(plan_text(1), "create context; create user a");
    (void)u;
}
END_TEST

START_TEST(a_user_whose_create_was_in_flight_is_deleted_by_name)
{
    oxt_plan_user_t *u;
    oxt_applied_user_t *h = apr_pcalloc(oxt_test_pool, sizeof(*h));

    ctx_exists();
    u = add_user(NULL, 0);
    h->exists = 1;
    h->mail_id = 7;
    h->mail_name = "gone";          /* a create was sent, no answer kept */
    u->have = h;
    ck_assert_str_eq(plan_text(1), "delete user; delete context");
    ck_assert_str_eq(plan_text(0), "");
    h->mail_name = NULL;            /* never sent: nothing to delete */
    ck_assert_str_eq(plan_text(1), "delete context");
}
END_TEST

/* A Change Service (pending_service_type) waits for the replicator: in OX
 * the access change applies it; a mailbox that OX gets nothing for now
 * records it as done, unless it is held. */
START_TEST(a_pending_service_change_ends_with_an_operation)
{
    oxt_plan_user_t *u;
    oxt_applied_user_t *h;

    ctx_exists();
    chain.level[OXT_LEVEL_MAILBOX].service = OXT_SERVICE_STANDARD;
    u = add_user(mailbox(1, "a"), 1);
    h = (oxt_applied_user_t *)u->have;
    h->service = OXT_SERVICE_WEBMAIL;
    h->has_pending = 1;
    h->pending_service = OXT_SERVICE_STANDARD;
    ck_assert_str_eq(plan_text(0), "change service type a");
    /* applied, but the pending mark is stale: recorded as done */
    h->service = OXT_SERVICE_STANDARD;
    h->pending_service = OXT_SERVICE_PREMIUM;
    ck_assert_str_eq(plan_text(0), "record status a");
    h->has_pending = 0;
    ck_assert_str_eq(plan_text(0), "");
}
END_TEST

START_TEST(a_pending_change_of_a_mailbox_not_in_ox_is_recorded)
{
    oxt_plan_user_t *u;
    oxt_applied_user_t *h = apr_pcalloc(oxt_test_pool, sizeof(*h));

    chain.level[OXT_LEVEL_DOMAIN].forever = OXT_FOREVER_INHERIT;
    u = add_user(mailbox(1, "a"), 0);
    h->exists = 1;
    h->mail_id = 1;
    h->service = -1;
    h->status = "disabled";
    h->status_reason = OXT_WHY_NOT_SELECTED;
    u->have = h;
    ck_assert_str_eq(plan_text(1), "");
    h->has_pending = 1;
    ck_assert_str_eq(plan_text(1), "record status a");
    /* held (suspended): it waits for the end of the hold */
    dom.status = 16;
    ((oxt_plesk_mailbox_t *)u->mbox)->domain.status = 16;
    oxt_desired_user((oxt_desired_user_t *)u->want, &env, u->mbox, NULL,
                     NULL, &chain, oxt_test_pool);
    h->status_reason = OXT_WHY_SUSPENDED;
    ck_assert_str_eq(plan_text(1), "");
}
END_TEST

TCase *oxt_plan_test_case(void)
{
    TCase *tc = oxt_unit_tcase("plan");

    tcase_add_checked_fixture(tc, plan_setup, NULL);
    tcase_add_test(tc, a_new_domain_gets_its_context_before_its_users);
    tcase_add_test(tc, nothing_changes_nothing_is_sent);
    tcase_add_test(tc, a_new_password_and_service_type_are_sent);
    tcase_add_test(tc, a_rename_changes_name_and_addresses_by_id);
    tcase_add_test(tc, deleted_mailboxes_leave_only_with_auto_delete);
    tcase_add_test(tc, the_context_stays_while_a_user_stays);
    tcase_add_test(tc, unusable_passwords_never_remove_a_user);
    tcase_add_test(tc, suspended_domains_are_held_as_they_are);
    tcase_add_test(tc, unselected_mailboxes_cost_nothing);
    tcase_add_test(tc, a_domain_with_mail_off_keeps_its_users_in_ox);
    tcase_add_test(tc, a_new_display_name_is_recorded_without_a_call);
    tcase_add_test(tc, a_quota_change_changes_the_context);
    tcase_add_test(tc, a_user_back_from_suspension_is_marked_replicated);
    tcase_add_test(tc, a_renamed_domain_moves_the_context_admin_address);
    tcase_add_test(tc, a_mailbox_named_like_the_context_admin_is_not_replicable);
    tcase_add_test(tc,
        a_context_whose_delete_was_in_flight_is_deleted_or_made_again);
    tcase_add_test(tc, a_user_whose_create_was_in_flight_is_deleted_by_name);
    tcase_add_test(tc, a_pending_service_change_ends_with_an_operation);
    tcase_add_test(tc, a_pending_change_of_a_mailbox_not_in_ox_is_recorded);
    return tc;
}
