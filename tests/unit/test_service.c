/*
 * test_service.c — Change Service checked before anything is written (the
 * service types a license allows, languages enabled in Settings, zones of
 * the list, the mailboxes named), the Info message, and the subtree rule
 * every mailbox id is checked with.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_service.h"
#include "oxt_plesk.h"

static oxt_settings_t settings;

static void service_setup(void)
{
    oxt_settings_defaults(&settings);
    settings.languages = "de_DE,en_US";
}

static const char *errors_text(const oxt_service_change_t *req,
                               unsigned allowed)
{
    apr_array_header_t *errors;
    const char *out = "";
    int i;

    if (oxt_service_change_check(&errors, req, &settings, allowed,
                                 oxt_test_pool) == APR_SUCCESS) {
        ck_assert_int_eq(errors->nelts, 0);
        return "";
    }
    for (i = 0; i < errors->nelts; i++) {
        out = apr_pstrcat(oxt_test_pool, out, i ? " " : "",
                          APR_ARRAY_IDX(errors, i, oxt_settings_error_t).key,
                          NULL);
    }
    return out;
}

START_TEST(choices_read_as_the_dialog_posts_them)
{
    oxt_choice_t c;

    oxt_service_choice_parse(&c, NULL);
    ck_assert_int_eq(c.kind, OXT_CHOICE_KEEP);
    oxt_service_choice_parse(&c, "");
    ck_assert_int_eq(c.kind, OXT_CHOICE_KEEP);
    oxt_service_choice_parse(&c, "keep");
    ck_assert_int_eq(c.kind, OXT_CHOICE_KEEP);
    oxt_service_choice_parse(&c, "plesk");
    ck_assert_int_eq(c.kind, OXT_CHOICE_PLESK);
    oxt_service_choice_parse(&c, "de_DE");
    ck_assert_int_eq(c.kind, OXT_CHOICE_VALUE);
    ck_assert_str_eq(c.value, "de_DE");
}
END_TEST

START_TEST(a_change_is_checked_field_by_field)
{
    oxt_service_change_t req;

    oxt_service_change_init(&req, oxt_test_pool);
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS), "mailboxes");
    oxt_service_change_add(&req, 7, -1, 1);
    req.service = OXT_SERVICE_PREMIUM;
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS), "");
    /* a license without Groupware Premium */
    ck_assert_str_eq(errors_text(&req,
                                 OXT_SERVICE_BIT(OXT_SERVICE_WEBMAIL)
                                 | OXT_SERVICE_BIT(OXT_SERVICE_STANDARD)),
                     "service");
    req.service = OXT_SERVICE_COUNT;
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS), "service");
    req.service = -1;
    oxt_service_choice_parse(&req.replicated.language, "ro_RO");
    oxt_service_choice_parse(&req.replicated.timezone, "Europe/Atlantis");
    oxt_service_choice_parse(&req.fresh.language, "de_DE");
    oxt_service_choice_parse(&req.fresh.timezone, "Pacific/Tahiti");
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS),
                     "replicated_language replicated_timezone");
    oxt_service_choice_parse(&req.replicated.language, "plesk");
    oxt_service_choice_parse(&req.replicated.timezone, "plesk");
    oxt_service_choice_parse(&req.fresh.language, "xx_XX");
    oxt_service_choice_parse(&req.fresh.timezone, "pacific/tahiti");
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS),
                     "new_language new_timezone");
}
END_TEST

START_TEST(the_mailboxes_named_must_make_sense)
{
    oxt_service_change_t req;

    oxt_service_change_init(&req, oxt_test_pool);
    oxt_service_change_add(&req, 3, -1, 0);
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS), "mailboxes");
    oxt_service_change_add(&req, 4, 1, 0);             /* a tick: enough */
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS), "");
    oxt_service_change_add(&req, 4, 0, 1);             /* twice: fine */
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS), "");
    oxt_service_change_add(&req, 0, 1, 0);
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS), "mailboxes");
    apr_array_pop(req.targets);
    oxt_service_change_add(&req, 5, 2, 0);
    ck_assert_str_eq(errors_text(&req, OXT_SERVICE_ALL_BITS), "mailboxes");
}
END_TEST

START_TEST(the_info_message_names_the_mailboxes_and_says_when)
{
    oxt_service_result_t r;
    int i;

    memset(&r, 0, sizeof(r));
    r.names = apr_array_make(oxt_test_pool, 2, sizeof(const char *));
    r.ticked = apr_array_make(oxt_test_pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(r.names, const char *) = "test@dom2.tst";
    ck_assert_str_eq(oxt_service_change_info(&r, oxt_test_pool),
                     "Service type for mailbox(es) test@dom2.tst will be"
                     " updated next time the replication script will run.");
    APR_ARRAY_PUSH(r.names, const char *) = "b@dom2.tst";
    r.daemon_running = 1;
    ck_assert_str_eq(oxt_service_change_info(&r, oxt_test_pool),
                     "Service type for mailbox(es) test@dom2.tst,"
                     " b@dom2.tst will be updated within seconds.");
    for (i = 0; i < 30; i++) {
        APR_ARRAY_PUSH(r.names, const char *) = "x@y.tst";
    }
    ck_assert_ptr_nonnull(strstr(oxt_service_change_info(&r, oxt_test_pool),
                                 "x@y.tst and 12 more will be updated"));
    r.names->nelts = 0;
    APR_ARRAY_PUSH(r.ticked, const char *) = "t@dom2.tst";
    ck_assert_str_eq(oxt_service_change_info(&r, oxt_test_pool),
                     "OX Service for mailbox(es) t@dom2.tst will be updated"
                     " within seconds.");
}
END_TEST

/* The subtree rule: the owner chain as oxt_plesk loads it. */
START_TEST(a_mailbox_is_in_the_subtree_of_its_owners_only)
{
    oxt_plesk_mailbox_t m;
    oxt_plesk_scope_t s;
    oxt_identity_t id;

    memset(&m, 0, sizeof(m));
    m.domain.id = 10;
    m.domain.owner.client_id = 4;
    m.domain.owner.reseller_id = 2;
    memset(&id, 0, sizeof(id));
    id.role = OXT_ROLE_ADMIN;
    oxt_plesk_scope_of(&s, &id);
    ck_assert(oxt_plesk_mailbox_in_scope(&m, &s));
    id.role = OXT_ROLE_RESELLER;
    id.id = 2;
    oxt_plesk_scope_of(&s, &id);
    ck_assert(oxt_plesk_mailbox_in_scope(&m, &s));
    id.id = 3;
    oxt_plesk_scope_of(&s, &id);
    ck_assert(!oxt_plesk_mailbox_in_scope(&m, &s));
    id.role = OXT_ROLE_CLIENT;
    id.id = 4;
    oxt_plesk_scope_of(&s, &id);
    ck_assert(oxt_plesk_mailbox_in_scope(&m, &s));
    id.id = 2;                      /* the reseller's id as a client */
    oxt_plesk_scope_of(&s, &id);
    ck_assert(!oxt_plesk_mailbox_in_scope(&m, &s));
    id.role = OXT_ROLE_DOMAIN;
    id.id = 10;
    oxt_plesk_scope_of(&s, &id);
    ck_assert(oxt_plesk_mailbox_in_scope(&m, &s));
    id.id = 11;
    oxt_plesk_scope_of(&s, &id);
    ck_assert(!oxt_plesk_mailbox_in_scope(&m, &s));
    /* an admin-owned domain: no reseller, no client of id 0 */
    m.domain.owner.client_id = 0;
    m.domain.owner.reseller_id = 0;
    id.role = OXT_ROLE_RESELLER;
    id.id = 0;
    oxt_plesk_scope_of(&s, &id);
    ck_assert(!oxt_plesk_mailbox_in_scope(&m, &s));
    id.role = OXT_ROLE_NONE;
    oxt_plesk_scope_of(&s, &id);
    ck_assert(!oxt_plesk_mailbox_in_scope(&m, &s));
    oxt_plesk_scope_of(&s, NULL);
    ck_assert(!oxt_plesk_mailbox_in_scope(&m, &s));
}
END_TEST

TCase *oxt_service_test_case(void)
{
    TCase *tc = oxt_unit_tcase("service");

    tcase_add_checked_fixture(tc, service_setup, NULL);
    tcase_add_test(tc, choices_read_as_the_dialog_posts_them);
    tcase_add_test(tc, a_change_is_checked_field_by_field);
    tcase_add_test(tc, the_mailboxes_named_must_make_sense);
    tcase_add_test(tc, the_info_message_names_the_mailboxes_and_says_when);
    tcase_add_test(tc, a_mailbox_is_in_the_subtree_of_its_owners_only);
    return tc;
}
