/*
 * test_health.c — the health checks rule by rule, on facts made here: the
 * full pass age against its limits, parked items, OX as recorded and as
 * asked just now, the lock, the database, the worst state winning, the
 * plugin line and the JSON. The command against real servers is
 * tests/integration/test_health.py.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_health.h"
#include "oxt_status.h"

#define NOW 1700000000LL

static const oxt_health_limits_t limits = { 3600, 14400 };

/* Healthy facts: a pass a minute ago, nothing parked, OX answered. */
static void healthy(oxt_health_t *h)
{
    oxt_lock_info_t lock;

    oxt_health_init(h, &limits, oxt_test_pool);
    memset(&lock, 0, sizeof(lock));
    lock.state = OXT_LOCK_FREE;
    oxt_health_gather(h, NULL, "down", &lock, oxt_test_pool);
    h->checks[OXT_HEALTH_DATABASE].state = OXT_HEALTH_OK;
    h->checks[OXT_HEALTH_DATABASE].text = "database answers";
    h->facts.db_up = 1;
    h->facts.now = NOW;
    h->facts.pass_started = h->facts.pass_ok = NOW - 60;
    h->facts.ox_reachable = 1;
    h->facts.ox_contact = h->facts.ox_answered = NOW - 30;
    oxt_health_judge(h, oxt_test_pool);
}

static const char *text(const oxt_health_t *h, oxt_health_check_id_t id)
{
    return h->checks[id].text;
}

START_TEST(a_healthy_server_is_ok_and_says_so)
{
    oxt_health_t h;

    healthy(&h);
    ck_assert_int_eq(h.state, OXT_HEALTH_OK);
    ck_assert_str_eq(text(&h, OXT_HEALTH_PASS),
                     "last successful full pass 60 s ago");
    ck_assert_str_eq(text(&h, OXT_HEALTH_PARKED), "nothing parked");
    ck_assert_str_eq(text(&h, OXT_HEALTH_OX), "OX answered 30 s ago");
    ck_assert_str_eq(oxt_health_line(&h, oxt_test_pool),
                     "OXTENDER OK: database answers, last successful full"
                     " pass 60 s ago, nothing parked, OX answered 30 s ago,"
                     " lock free | pass_age=60s;3600;14400 parked=0;1"
                     " queue_due=0 queue_in_progress=0");
}
END_TEST

static const struct {
    long long age;
    oxt_health_state_t state;
    const char *text;
} pass_ages[] = {
    { 3600, OXT_HEALTH_OK, "last successful full pass 60 min ago" },
    { 3601, OXT_HEALTH_WARNING, "last successful full pass 60 min ago"
      " (warning after 60 min)" },
    { 14400, OXT_HEALTH_WARNING, "last successful full pass 4 h 0 min ago"
      " (warning after 60 min)" },
    { 14401, OXT_HEALTH_CRITICAL, "last successful full pass 4 h 0 min ago"
      " (critical after 4 h 0 min)" },
    { 3 * 86400 + 7200, OXT_HEALTH_CRITICAL, "last successful full pass"
      " 3 days 2 h ago (critical after 4 h 0 min)" },
};

START_TEST(an_old_full_pass_warns_then_is_critical)
{
    oxt_health_t h;

    healthy(&h);
    h.facts.pass_ok = NOW - pass_ages[_i].age;
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_int_eq(h.checks[OXT_HEALTH_PASS].state, pass_ages[_i].state);
    ck_assert_str_eq(text(&h, OXT_HEALTH_PASS), pass_ages[_i].text);
    ck_assert_int_eq(h.state, pass_ages[_i].state);
}
END_TEST

START_TEST(no_full_pass_yet_is_a_warning)
{
    oxt_health_t h;

    healthy(&h);
    h.facts.pass_ok = 0;
    h.facts.pass_started = 0;
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_int_eq(h.state, OXT_HEALTH_WARNING);
    ck_assert_str_eq(text(&h, OXT_HEALTH_PASS), "no full pass has run yet");
    h.facts.pass_started = NOW - 300;
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_str_eq(text(&h, OXT_HEALTH_PASS), "no full pass has finished"
                     " yet (one started 5 min ago)");
    ck_assert_ptr_null(strstr(oxt_health_line(&h, oxt_test_pool),
                              "pass_age"));
}
END_TEST

START_TEST(parked_items_are_a_warning)
{
    oxt_health_t h;

    healthy(&h);
    h.facts.queue.parked = 1;
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_int_eq(h.state, OXT_HEALTH_WARNING);
    ck_assert_str_eq(text(&h, OXT_HEALTH_PARKED), "1 parked item waits for"
                     " a retry (see oxtender-replicator status)");
    h.facts.queue.parked = 12;
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_str_eq(oxt_health_line(&h, oxt_test_pool),
                     "OXTENDER WARNING: 12 parked items wait for a retry"
                     " (see oxtender-replicator status) |"
                     " pass_age=60s;3600;14400 parked=12;1 queue_due=0"
                     " queue_in_progress=0");
}
END_TEST

START_TEST(ox_as_recorded_says_when)
{
    oxt_health_t h;

    healthy(&h);
    h.facts.ox_reachable = 0;
    h.facts.ox_contact = NOW - 150;
    h.facts.ox_failure = "OX: cannot connect: refused";
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_int_eq(h.state, OXT_HEALTH_CRITICAL);
    ck_assert_str_eq(text(&h, OXT_HEALTH_OX), "OX could not be reached"
                     " 2 min ago: OX: cannot connect: refused");
    h.facts.ox_reachable = -1;
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_int_eq(h.state, OXT_HEALTH_UNKNOWN);
    ck_assert_str_eq(text(&h, OXT_HEALTH_OX),
                     "OX has not been contacted yet");
}
END_TEST

static const struct {
    apr_status_t rv;
    oxt_health_state_t state;
    const char *text;
} live[] = {
    { APR_SUCCESS, OXT_HEALTH_OK, "OX answers" },
    { OXT_ESOAP_NO_CTX, OXT_HEALTH_OK, "OX answers" },
    { OXT_ESOAP_AUTH, OXT_HEALTH_CRITICAL,
      "OX refuses the account of the Settings: why" },
    { OXT_ESOAP_BUSY, OXT_HEALTH_WARNING,
      "OX is busy (database update), try again later: why" },
    { OXT_ESOAP_CONNECT, OXT_HEALTH_CRITICAL, "OX unreachable: why" },
    { OXT_ESOAP_TIMEOUT, OXT_HEALTH_CRITICAL, "OX unreachable: why" },
    { OXT_ESOAP_HTTP, OXT_HEALTH_CRITICAL, "OX unreachable: why" },
    { OXT_ECONFIG, OXT_HEALTH_CRITICAL, "OX cannot be used: why" },
};

START_TEST(ox_asked_now_is_judged_by_its_answer)
{
    oxt_health_t h;

    healthy(&h);
    oxt_health_ox_live(&h, live[_i].rv, "why", oxt_test_pool);
    ck_assert_int_eq(h.state, live[_i].state);
    ck_assert_str_eq(text(&h, OXT_HEALTH_OX), live[_i].text);
    ck_assert(h.ox_live);
    if (live[_i].rv != OXT_ECONFIG) {
        ck_assert_str_eq(h.facts.ox_contact_by, "health");
        ck_assert_int_eq(h.facts.ox_contact, NOW);
    }
}
END_TEST

static const struct {
    oxt_lock_state_t state;
    oxt_health_state_t health;
    const char *text;
} locks[] = {
    { OXT_LOCK_FREE, OXT_HEALTH_OK, "lock free" },
    { OXT_LOCK_HELD, OXT_HEALTH_OK,
      "lock held by pid 42 (daemon), progress 3 s ago" },
    { OXT_LOCK_STALE, OXT_HEALTH_CRITICAL, "lock held by pid 42 (daemon)"
      " with no progress for 3 s: replication is stopped" },
    { OXT_LOCK_UNSAFE, OXT_HEALTH_CRITICAL, "lock unsafe: a symlink" },
    { OXT_LOCK_UNKNOWN, OXT_HEALTH_UNKNOWN,
      "lock: cannot tell (a symlink)" },
};

START_TEST(the_lock_is_judged_by_its_state)
{
    oxt_lock_info_t lock;
    oxt_health_t h;

    memset(&lock, 0, sizeof(lock));
    lock.state = locks[_i].state;
    lock.pid = 42;
    lock.holder = "daemon";
    lock.idle = apr_time_from_sec(3);
    lock.problem = "a symlink";
    oxt_health_init(&h, &limits, oxt_test_pool);
    oxt_health_gather(&h, NULL, NULL, &lock, oxt_test_pool);
    ck_assert_int_eq(h.checks[OXT_HEALTH_LOCK].state, locks[_i].health);
    ck_assert_str_eq(text(&h, OXT_HEALTH_LOCK), locks[_i].text);
}
END_TEST

START_TEST(without_the_database_it_is_critical)
{
    oxt_health_t h;

    oxt_health_init(&h, &limits, oxt_test_pool);
    oxt_health_gather(&h, NULL, "Cannot connect: refused", NULL,
                      oxt_test_pool);
    ck_assert_int_eq(h.state, OXT_HEALTH_CRITICAL);
    ck_assert_str_eq(text(&h, OXT_HEALTH_DATABASE),
                     "the database cannot be reached: Cannot connect:"
                     " refused");
    ck_assert_int_eq(h.checks[OXT_HEALTH_PASS].state, OXT_HEALTH_UNKNOWN);
    ck_assert_int_eq(h.checks[OXT_HEALTH_OX].state, OXT_HEALTH_UNKNOWN);
    ck_assert_int_eq(h.checks[OXT_HEALTH_LOCK].state, OXT_HEALTH_UNKNOWN);
    /* worst first; no performance data without the numbers */
    ck_assert_str_eq(oxt_health_line(&h, oxt_test_pool),
                     "OXTENDER CRITICAL: the database cannot be reached:"
                     " Cannot connect: refused; full passes: unknown"
                     " without the database; parked items: unknown without"
                     " the database; OX: unknown without the database;"
                     " lock: not checked");
}
END_TEST

START_TEST(the_worst_check_wins_and_comes_first)
{
    oxt_health_t h;

    healthy(&h);
    h.facts.queue.parked = 2;
    h.facts.pass_ok = NOW - 20000;
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_int_eq(h.state, OXT_HEALTH_CRITICAL);
    ck_assert_str_eq(oxt_health_summary(&h, oxt_test_pool),
                     "last successful full pass 5 h 33 min ago (critical"
                     " after 4 h 0 min); 2 parked items wait for a retry"
                     " (see oxtender-replicator status)");
    /* UNKNOWN ranks below WARNING: it never hides a problem */
    healthy(&h);
    h.facts.queue.parked = 1;
    h.facts.ox_reachable = -1;
    oxt_health_judge(&h, oxt_test_pool);
    ck_assert_int_eq(h.state, OXT_HEALTH_WARNING);
    ck_assert_str_eq(oxt_health_state_name(h.state), "WARNING");
    ck_assert_str_eq(oxt_health_check_name(OXT_HEALTH_OX), "ox");
}
END_TEST

START_TEST(the_json_carries_every_check)
{
    oxt_sink_t *sink = oxt_sink_buffer(0, oxt_test_pool);
    oxt_json_t *j = oxt_json_make(sink, 0, oxt_test_pool);
    const char *out;
    oxt_health_t h;

    healthy(&h);
    h.facts.queue.parked = 3;
    h.facts.queue.waiting = 5;
    h.facts.queue.due = 1;
    oxt_health_judge(&h, oxt_test_pool);
    oxt_json_object(j);
    oxt_health_json(j, &h, oxt_test_pool);
    oxt_json_end(j);
    ck_assert_int_eq(oxt_json_finish(j), APR_SUCCESS);
    out = oxt_sink_buffer_text(sink, NULL);
    ck_assert_ptr_nonnull(strstr(out, "\"state\": \"warning\""));
    ck_assert_ptr_nonnull(strstr(out, "\"parked\": {\"state\": \"warning\","
                                      " \"text\": \"3 parked items"));
    ck_assert_ptr_nonnull(strstr(out, "\"last_run\": null"));
    ck_assert_ptr_nonnull(strstr(out, "\"last_ok\": \"2023-11-14T22:12:20Z\""));
    ck_assert_ptr_nonnull(strstr(out, "\"queue\": {\"due\": 1,"
                                      " \"backing_off\": 4, \"in_progress\":"
                                      " 0, \"parked\": 3}"));
    ck_assert_ptr_nonnull(strstr(out, "\"ox\": {\"live\": false,"
                                      " \"reachable\": true"));
}
END_TEST

TCase *oxt_health_test_case(void)
{
    TCase *tc = oxt_unit_tcase("health");

    tcase_add_test(tc, a_healthy_server_is_ok_and_says_so);
    tcase_add_loop_test(tc, an_old_full_pass_warns_then_is_critical, 0,
                        (int)(sizeof(pass_ages) / sizeof(pass_ages[0])));
    tcase_add_test(tc, no_full_pass_yet_is_a_warning);
    tcase_add_test(tc, parked_items_are_a_warning);
    tcase_add_test(tc, ox_as_recorded_says_when);
    tcase_add_loop_test(tc, ox_asked_now_is_judged_by_its_answer, 0,
                        (int)(sizeof(live) / sizeof(live[0])));
    tcase_add_loop_test(tc, the_lock_is_judged_by_its_state, 0,
                        (int)(sizeof(locks) / sizeof(locks[0])));
    tcase_add_test(tc, without_the_database_it_is_critical);
    tcase_add_test(tc, the_worst_check_wins_and_comes_first);
    tcase_add_test(tc, the_json_carries_every_check);
    return tc;
}
