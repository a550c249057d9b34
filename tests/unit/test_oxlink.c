/*
 * test_oxlink.c — the OX link from the Settings (timeouts, endpoint,
 * credentials) and the cases of Test connection that stop before
 * anything is sent: nothing to test with, and credentials that would
 * travel in clear to another machine. What OX answers is tested against
 * the emulator (tests/integration/test_settings_core.py).
 */
#include <string.h>

#include "oxt_unit.h"
#include "oxt_oxlink.h"

static oxt_settings_t st;

static void oxlink_setup(void)
{
    oxt_settings_defaults(&st);
    st.ox_host = "ox.example.com:8443";
    st.ox_username = "oxadminmaster";
    st.ox_password.set = 1;
    st.ox_password.value = "secret";
}

START_TEST(the_link_follows_the_settings)
{
    oxt_soap_settings_t ss;
    oxt_ox_settings_t os;

    st.soap_timeout_s = 30;
    st.debug_api = 1;
    st.cloud = 1;
    oxt_oxlink_settings(&ss, &os, &st, 4, oxt_test_pool);
    ck_assert(ss.total_timeout == apr_time_from_sec(30));
    ck_assert(ss.connect_timeout == apr_time_from_sec(10));
    ck_assert_int_eq(ss.max_conns, 4);
    ck_assert_int_eq(ss.debug, 1);
    ck_assert_str_eq(os.base_url, "https://ox.example.com:8443/webservices");
    ck_assert_int_eq(os.type, OXT_OX_RESELLER);
    ck_assert_str_eq(os.master.password, "secret");
    st.soap_timeout_s = 3;
    st.ox_https = 0;
    oxt_oxlink_settings(&ss, &os, &st, 0, oxt_test_pool);
    ck_assert(ss.connect_timeout == apr_time_from_sec(3));
    ck_assert_int_eq(ss.max_conns, 1);
    ck_assert_str_eq(os.base_url, "http://ox.example.com:8443/webservices");
}
END_TEST

START_TEST(nothing_is_sent_without_credentials)
{
    oxt_oxlink_test_t *t;

    st.ox_password.set = 0;
    st.ox_password.value = NULL;
    oxt_oxlink_test(&t, &st, oxt_test_pool);
    ck_assert_int_eq(t->status, OXT_ECONFIG);
    ck_assert_int_eq(t->called, 0);
    ck_assert_int_eq(t->credentials, -1);
    ck_assert_ptr_nonnull(strstr(t->detail, "OX password"));
}
END_TEST

START_TEST(no_password_goes_in_clear_to_another_machine)
{
    oxt_oxlink_test_t *t;

    st.ox_https = 0;
    oxt_oxlink_test(&t, &st, oxt_test_pool);
    ck_assert_int_eq(t->status, OXT_ECONFIG);
    ck_assert_int_eq(t->called, 0);
    ck_assert_int_eq(t->reached, 0);
    ck_assert_ptr_nonnull(t->detail);
    ck_assert_ptr_null(strstr(t->detail, "secret"));
}
END_TEST

TCase *oxt_oxlink_test_case(void)
{
    TCase *tc = oxt_unit_tcase("oxlink");

    tcase_add_checked_fixture(tc, oxlink_setup, NULL);
    tcase_add_test(tc, the_link_follows_the_settings);
    tcase_add_test(tc, nothing_is_sent_without_credentials);
    tcase_add_test(tc, no_password_goes_in_clear_to_another_machine);
    return tc;
}
