/*
 * test_grant.c — which levels can be granted access on which Plesk, and
 * who can grant it (the decisions that need no database; the prefs side
 * is tested against MariaDB in tests/integration/test_grants.py).
 */
#include <string.h>

#include "oxt_unit.h"
#include "oxt_grant.h"

static oxt_psa_caps_t caps_of(int version)
{
    oxt_psa_caps_t c;

    memset(&c, 0, sizeof(c));
    c.version = version;
    c.has_client_type = version >= 9;
    c.has_webspace = version >= 10;
    c.has_smb_users = version >= 10;
    c.has_dom_level_usrs = version < 10;
    return c;
}

START_TEST(grants_follow_the_plesk_version)
{
    static const struct {
        int version;
        int admin, reseller, client, domain;
    } rules[] = {
        { 8,  1, 0, 1, 1 },      /* no reseller level before 9.0.1 */
        { 9,  1, 1, 1, 1 },
        { 10, 1, 1, 0, 0 },      /* clients and domains forbidden from 10 */
    };
    oxt_psa_caps_t c;
    size_t i;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        c = caps_of(rules[i].version);
        ck_assert_int_eq(oxt_grant_possible(&c, OXT_ROLE_ADMIN),
                         rules[i].admin);
        ck_assert_int_eq(oxt_grant_possible(&c, OXT_ROLE_RESELLER),
                         rules[i].reseller);
        ck_assert_int_eq(oxt_grant_possible(&c, OXT_ROLE_CLIENT),
                         rules[i].client);
        ck_assert_int_eq(oxt_grant_possible(&c, OXT_ROLE_DOMAIN),
                         rules[i].domain);
        ck_assert_int_eq(oxt_grant_possible(&c, OXT_ROLE_NONE), 0);
    }
}
END_TEST

START_TEST(the_admin_needs_no_grant)
{
    oxt_psa_caps_t c = caps_of(10);
    oxt_identity_t admin;
    oxt_grant_t *g = NULL;

    memset(&admin, 0, sizeof(admin));
    admin.role = OXT_ROLE_ADMIN;
    admin.id = 1;
    /* No database: the admin's answer needs none. */
    ck_assert_int_eq(oxt_grant_check(&g, &c, NULL, &admin, NULL,
                                     oxt_test_pool), APR_SUCCESS);
    ck_assert(g->granted && g->possible);
    ck_assert_int_eq(g->granters->nelts, 0);
}
END_TEST

START_TEST(nobody_can_grant_what_plesk_forbids)
{
    oxt_psa_caps_t c = caps_of(10);
    oxt_identity_t dom;
    oxt_grant_t *g = NULL;

    memset(&dom, 0, sizeof(dom));
    dom.role = OXT_ROLE_DOMAIN;
    dom.id = 7;
    dom.client_id = 4;
    dom.reseller_id = 2;
    ck_assert_int_eq(oxt_grant_check(&g, &c, NULL, &dom, NULL,
                                     oxt_test_pool), APR_SUCCESS);
    ck_assert(!g->granted && !g->possible);
    ck_assert_int_eq(g->granters->nelts, 0);
}
END_TEST

TCase *oxt_grant_test_case(void)
{
    TCase *tc = oxt_unit_tcase("grant");

    tcase_add_test(tc, grants_follow_the_plesk_version);
    tcase_add_test(tc, the_admin_needs_no_grant);
    tcase_add_test(tc, nobody_can_grant_what_plesk_forbids);
    return tc;
}
