/*
 * test_buttons.c — which custom buttons to create and remove, and the
 * command lines for Plesk's custombutton tool.
 */
#include <string.h>

#include "oxt_unit.h"
#include "oxt_buttons.h"

static void want(apr_array_header_t *a, oxt_role_t role, long long id,
                 const char *login)
{
    oxt_button_want_t *w = apr_array_push(a);

    w->role = role;
    w->id = id;
    w->login = login;
}

static void have(apr_array_header_t *a, long long bid, int level,
                 long long level_id)
{
    oxt_button_have_t *h = apr_array_push(a);

    h->button_id = bid;
    h->level = level;
    h->level_id = level_id;
}

START_TEST(the_plan_closes_the_gap_and_nothing_more)
{
    apr_pool_t *p = oxt_test_pool;
    apr_array_header_t *w = apr_array_make(p, 4, sizeof(oxt_button_want_t));
    apr_array_header_t *h = apr_array_make(p, 4, sizeof(oxt_button_have_t));
    apr_array_header_t *create, *remove;

    want(w, OXT_ROLE_ADMIN, 0, NULL);
    want(w, OXT_ROLE_RESELLER, 2, "reseller1");
    want(w, OXT_ROLE_CLIENT, 7, "client3");
    have(h, 10, OXT_BUTTON_LEVEL_ADMIN, 1);     /* admin's, any level_id */
    have(h, 11, OXT_BUTTON_LEVEL_ADMIN, 1);     /* a duplicate */
    have(h, 12, OXT_BUTTON_LEVEL_RESELLER, 2);
    have(h, 13, OXT_BUTTON_LEVEL_CLIENT, 8);    /* somebody else's */
    have(h, 14, OXT_BUTTON_LEVEL_DOMAIN, 7);    /* id 7, another level */
    oxt_buttons_plan(&create, &remove, w, h, p);
    ck_assert_int_eq(create->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(create, 0, oxt_button_want_t).login,
                     "client3");
    ck_assert_int_eq(remove->nelts, 3);
    ck_assert_int_eq(APR_ARRAY_IDX(remove, 0, oxt_button_have_t).button_id,
                     11);
    ck_assert_int_eq(APR_ARRAY_IDX(remove, 1, oxt_button_have_t).button_id,
                     13);
    ck_assert_int_eq(APR_ARRAY_IDX(remove, 2, oxt_button_have_t).button_id,
                     14);
}
END_TEST

START_TEST(in_line_means_no_change)
{
    apr_pool_t *p = oxt_test_pool;
    apr_array_header_t *w = apr_array_make(p, 2, sizeof(oxt_button_want_t));
    apr_array_header_t *h = apr_array_make(p, 2, sizeof(oxt_button_have_t));
    apr_array_header_t *create, *remove;

    want(w, OXT_ROLE_ADMIN, 0, NULL);
    want(w, OXT_ROLE_DOMAIN, 5, "dom5.example");
    have(h, 3, OXT_BUTTON_LEVEL_DOMAIN, 5);
    have(h, 4, OXT_BUTTON_LEVEL_ADMIN, 0);
    oxt_buttons_plan(&create, &remove, w, h, p);
    ck_assert_int_eq(create->nelts, 0);
    ck_assert_int_eq(remove->nelts, 0);
}
END_TEST

static int argv_has(const char *const *argv, const char *opt,
                    const char *value)
{
    int i;

    for (i = 0; argv[i] != NULL; i++) {
        if (strcmp(argv[i], opt) == 0) {
            return value == NULL || (argv[i + 1] != NULL
                                     && strcmp(argv[i + 1], value) == 0);
        }
    }
    return 0;
}

START_TEST(command_lines_name_the_owner_and_nothing_secret)
{
    apr_pool_t *p = oxt_test_pool;
    oxt_button_want_t admin = { OXT_ROLE_ADMIN, 0, NULL };
    oxt_button_want_t res = { OXT_ROLE_RESELLER, 2, "reseller1" };
    oxt_button_have_t old = { 17, OXT_BUTTON_LEVEL_CLIENT, 9 };
    const char *const *a;

    a = oxt_buttons_create_argv("/x/custombutton", &admin, "/oxtender/", p);
    ck_assert_str_eq(a[0], "/x/custombutton");
    ck_assert_str_eq(a[1], "--create");
    ck_assert(argv_has(a, "-url", "/oxtender/"));
    ck_assert(argv_has(a, "-place", "navigation"));
    ck_assert(argv_has(a, "-public", "false"));
    ck_assert(!argv_has(a, "-owner", NULL));
    a = oxt_buttons_create_argv("/x/custombutton", &res, "/oxtender/", p);
    ck_assert(argv_has(a, "-owner", "reseller1"));
    a = oxt_buttons_remove_argv("/x/custombutton", &old, p);
    ck_assert_str_eq(a[1], "--remove");
    ck_assert_str_eq(a[2], "17");
    ck_assert(a[3] == NULL);
}
END_TEST

TCase *oxt_buttons_test_case(void)
{
    TCase *tc = oxt_unit_tcase("buttons");

    tcase_add_test(tc, the_plan_closes_the_gap_and_nothing_more);
    tcase_add_test(tc, in_line_means_no_change);
    tcase_add_test(tc, command_lines_name_the_owner_and_nothing_secret);
    return tc;
}
