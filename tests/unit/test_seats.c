/*
 * test_seats.c — the license's limits as the replicator applies them
 * (oxt_seats.h): who gets a Groupware seat and a domain, and why the
 * others do not; and the one place they are asked, oxt_desired_user.
 */
#include <string.h>
#include <stdarg.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_seats.h"
#include "oxt_desired.h"
#include "oxt_prefs.h"

#define W OXT_SERVICE_WEBMAIL
#define S OXT_SERVICE_STANDARD
#define P OXT_SERVICE_PREMIUM

static oxt_seats_t *seats;
static oxt_license_terms_t terms;

static void terms_set(long long cap, long long domains, int premium)
{
    memset(&terms, 0, sizeof(terms));
    terms.from_key = 1;
    terms.groupware_cap = cap;
    terms.max_domains = domains;
    terms.max_mailboxes = OXT_LICENSE_UNLIMITED;
    terms.premium = premium;
    seats = oxt_seats_make(oxt_test_pool);
    oxt_seats_reset(seats, &terms, 0);
}

/* ids: n long longs. */
static apr_array_header_t *ids(int n, ...)
{
    apr_array_header_t *a = apr_array_make(oxt_test_pool, n + 1,
                                           sizeof(long long));
    va_list ap;

    va_start(ap, n);
    while (n-- > 0) {
        APR_ARRAY_PUSH(a, long long) = va_arg(ap, long long);
    }
    va_end(ap);
    return a;
}

static const char *decide(long long dom, long long mail, oxt_service_t s)
{
    return oxt_seats_decide(seats, dom, mail, s);
}

START_TEST(without_limits_everyone_is_replicated)
{
    long long i;

    terms_set(OXT_LICENSE_UNLIMITED, OXT_LICENSE_UNLIMITED, 1);
    for (i = 1; i <= 1000; i++) {
        ck_assert_ptr_null(decide(i % 7, i, i % 3 == 0 ? P : S));
    }
}
END_TEST

START_TEST(groupware_stops_at_the_cap_and_webmail_never_does)
{
    terms_set(2, OXT_LICENSE_UNLIMITED, 1);
    ck_assert_ptr_null(decide(1, 10, S));
    ck_assert_ptr_null(decide(1, 11, P));
    ck_assert_str_eq(decide(1, 12, S), OXT_WHY_LICENSE_LIMIT);
    ck_assert_str_eq(decide(2, 13, P), OXT_WHY_LICENSE_LIMIT);
    ck_assert_ptr_null(decide(1, 14, W));
    ck_assert_ptr_null(decide(2, 15, W));
    /* Asking again takes no second seat. */
    ck_assert_ptr_null(decide(1, 10, S));
    ck_assert_ptr_null(decide(1, 11, S));
}
END_TEST

START_TEST(holders_keep_their_seats_before_anybody_new)
{
    terms_set(2, OXT_LICENSE_UNLIMITED, 1);
    oxt_seats_holders(seats, 0, ids(2, 50LL, 90LL), 2);
    ck_assert_str_eq(decide(1, 1, S), OXT_WHY_LICENSE_LIMIT);
    ck_assert_ptr_null(decide(1, 90, S));
    ck_assert_ptr_null(decide(1, 50, P));
}
END_TEST

START_TEST(a_smaller_license_keeps_the_lowest_holders)
{
    terms_set(2, OXT_LICENSE_UNLIMITED, 1);
    oxt_seats_holders(seats, 0, ids(3, 1LL, 2LL, 3LL), 3);
    ck_assert_str_eq(decide(1, 3, S), OXT_WHY_LICENSE_LIMIT);
    ck_assert_ptr_null(decide(1, 2, S));
    ck_assert_ptr_null(decide(1, 1, S));
    ck_assert_str_eq(decide(1, 4, S), OXT_WHY_LICENSE_LIMIT);
}
END_TEST

START_TEST(free_seats_go_to_the_lowest_waiting_whatever_the_order)
{
    static const long long orders[2][4] = { { 8, 5, 3, 1 }, { 1, 3, 5, 8 } };
    int o, i;
    int got[9];

    for (o = 0; o < 2; o++) {
        terms_set(3, OXT_LICENSE_UNLIMITED, 1);
        oxt_seats_holders(seats, 0, ids(1, 100LL), 1);
        oxt_seats_waiting(seats, 0, ids(3, 3LL, 5LL, 8LL));
        memset(got, 0, sizeof(got));
        for (i = 0; i < 4; i++) {
            got[orders[o][i]] = decide(1, orders[o][i], S) == NULL;
        }
        /* Two free seats, for the two lowest of those waiting; the
         * newcomer 1 gets what they leave: nothing. */
        ck_assert_int_eq(got[3], 1);
        ck_assert_int_eq(got[5], 1);
        ck_assert_int_eq(got[8], 0);
        ck_assert_int_eq(got[1], 0);
    }
}
END_TEST

START_TEST(a_newcomer_waits_behind_those_refused_before)
{
    terms_set(2, OXT_LICENSE_UNLIMITED, 1);
    oxt_seats_waiting(seats, 0, ids(2, 4LL, 6LL));
    ck_assert_str_eq(decide(1, 9, S), OXT_WHY_LICENSE_LIMIT);
    ck_assert_ptr_null(decide(1, 6, S));
    ck_assert_str_eq(decide(1, 9, S), OXT_WHY_LICENSE_LIMIT);
    ck_assert_ptr_null(decide(1, 4, S));
    ck_assert_str_eq(decide(1, 5, S), OXT_WHY_LICENSE_LIMIT);
}
END_TEST

START_TEST(domains_beyond_the_maximum_get_nothing)
{
    terms_set(OXT_LICENSE_UNLIMITED, 2, 1);
    oxt_seats_holders(seats, 1, ids(1, 7LL), 1);
    ck_assert_ptr_null(decide(7, 1, W));
    ck_assert_ptr_null(decide(3, 2, S));
    ck_assert_ptr_null(decide(3, 3, W));
    ck_assert_str_eq(decide(9, 4, W), OXT_WHY_LICENSE_DOMAINS);
    ck_assert_str_eq(decide(1, 5, S), OXT_WHY_LICENSE_DOMAINS);
    ck_assert_ptr_null(decide(7, 6, P));
}
END_TEST

START_TEST(a_domain_is_not_taken_for_a_mailbox_refused_for_the_cap)
{
    terms_set(1, 2, 1);
    oxt_seats_holders(seats, 0, ids(1, 1LL), 1);
    oxt_seats_holders(seats, 1, ids(1, 1LL), 1);
    ck_assert_str_eq(decide(2, 5, S), OXT_WHY_LICENSE_LIMIT);
    ck_assert_ptr_null(decide(3, 6, W));
    ck_assert_str_eq(decide(2, 7, W), OXT_WHY_LICENSE_DOMAINS);
}
END_TEST

START_TEST(premium_needs_a_premium_license)
{
    terms_set(5, OXT_LICENSE_UNLIMITED, 0);
    ck_assert_str_eq(decide(1, 1, P), OXT_WHY_LICENSE_PREMIUM);
    ck_assert_ptr_null(decide(1, 2, S));
    ck_assert_ptr_null(decide(1, 3, W));
}
END_TEST

START_TEST(a_restricted_server_replicates_nothing)
{
    terms_set(OXT_LICENSE_UNLIMITED, OXT_LICENSE_UNLIMITED, 1);
    oxt_seats_reset(seats, &terms, 1);
    ck_assert_str_eq(decide(1, 1, W), OXT_WHY_LICENSE_RESTRICTED);
    ck_assert_str_eq(decide(1, 2, S), OXT_WHY_LICENSE_RESTRICTED);
}
END_TEST

START_TEST(reasons_read_as_sentences)
{
    terms_set(150, 100, 0);
    ck_assert_str_eq(oxt_seats_reason_text(seats, OXT_WHY_LICENSE_LIMIT,
                                           oxt_test_pool),
                     "the license allows 150 Groupware mailboxes (Standard"
                     " and Premium)");
    ck_assert_str_eq(oxt_seats_reason_text(seats, OXT_WHY_LICENSE_DOMAINS,
                                           oxt_test_pool),
                     "the license allows 100 domains in OX");
    ck_assert_ptr_null(oxt_seats_reason_text(seats, "suspended",
                                             oxt_test_pool));
}
END_TEST

/* The seats are asked where the desired user is computed, and only for a
 * mailbox that would otherwise be replicated. */
START_TEST(the_desired_user_asks_for_a_seat_and_holds_when_refused)
{
    oxt_settings_t settings;
    oxt_desired_env_t env;
    oxt_prefs_chain_t chain;
    oxt_plesk_mailbox_t m;
    oxt_desired_user_t u;
    static const unsigned char fp_key[32] = "0123456789abcdef0123456789abcde";
    int i;

    oxt_settings_defaults(&settings);
    settings.default_service = OXT_SERVICE_STANDARD;
    memset(&env, 0, sizeof(env));
    env.settings = &settings;
    env.fp_key = fp_key;
    for (i = 0; i < OXT_LEVEL_COUNT; i++) {
        oxt_prefs_clear(&chain.level[i]);
    }
    chain.level[OXT_LEVEL_DOMAIN].forever = OXT_FOREVER_ON;
    memset(&m, 0, sizeof(m));
    m.mail_name = "u";
    m.address = "u@d.example";
    m.postbox = 1;
    m.password_type = "plain";
    m.password = "pw";
    m.domain.id = 1;
    m.domain.name = m.domain.display_name = "d.example";
    m.domain.mail_on = 1;
    terms_set(1, OXT_LICENSE_UNLIMITED, 1);
    env.seats = seats;
    m.id = 1;
    oxt_desired_user(&u, &env, &m, NULL, NULL, &chain, oxt_test_pool);
    ck_assert(u.replicate);
    m.id = 2;
    oxt_desired_user(&u, &env, &m, NULL, NULL, &chain, oxt_test_pool);
    ck_assert(!u.replicate);
    ck_assert(u.hold);
    ck_assert_str_eq(u.reason, OXT_WHY_LICENSE_LIMIT);
    ck_assert_ptr_null(u.password);
    /* A forward-only address keeps its own reason and takes no seat. */
    m.id = 3;
    m.postbox = 0;
    oxt_desired_user(&u, &env, &m, NULL, NULL, &chain, oxt_test_pool);
    ck_assert_str_eq(u.reason, "forward_only");
}
END_TEST

TCase *oxt_seats_test_case(void)
{
    TCase *tc = oxt_unit_tcase("seats");

    tcase_add_test(tc, without_limits_everyone_is_replicated);
    tcase_add_test(tc, groupware_stops_at_the_cap_and_webmail_never_does);
    tcase_add_test(tc, holders_keep_their_seats_before_anybody_new);
    tcase_add_test(tc, a_smaller_license_keeps_the_lowest_holders);
    tcase_add_test(tc, free_seats_go_to_the_lowest_waiting_whatever_the_order);
    tcase_add_test(tc, a_newcomer_waits_behind_those_refused_before);
    tcase_add_test(tc, domains_beyond_the_maximum_get_nothing);
    tcase_add_test(tc, a_domain_is_not_taken_for_a_mailbox_refused_for_the_cap);
    tcase_add_test(tc, premium_needs_a_premium_license);
    tcase_add_test(tc, a_restricted_server_replicates_nothing);
    tcase_add_test(tc, reasons_read_as_sentences);
    tcase_add_test(tc, the_desired_user_asks_for_a_seat_and_holds_when_refused);
    return tc;
}
