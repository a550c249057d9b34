/*
 * test_metrics.c — the metrics' names, buckets and fault kinds, the tally
 * of SOAP calls (over the fake transport), and the text exposition of a
 * snapshot made here: families, escaping, cumulative buckets. What the
 * database holds is tested against MariaDB (tests/integration/
 * test_metrics.py, with promtool).
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_metrics.h"
#include "oxt_status.h"
#include "oxt_version.h"
#include "fake_soap.h"

static const char *exposition(const oxt_metrics_t *m)
{
    oxt_sink_t *sink = oxt_sink_buffer(0, oxt_test_pool);

    ck_assert_int_eq(oxt_metrics_write(sink, m, oxt_test_pool), APR_SUCCESS);
    return oxt_sink_buffer_text(sink, NULL);
}

static void has_line(const char *text, const char *line)
{
    const char *want = apr_pstrcat(oxt_test_pool, "\n", line, "\n", NULL);

    ck_assert_msg(strstr(text, want) != NULL, "no line '%s' in:\n%s", line,
                  text);
}

START_TEST(operation_kinds_have_metric_names)
{
    ck_assert_str_eq(oxt_metrics_op_kind(OXT_OP_CONTEXT_CREATE),
                     "context_create");
    ck_assert_str_eq(oxt_metrics_op_kind(OXT_OP_ADMIN_CHANGE),
                     "admin_change");
    ck_assert_str_eq(oxt_metrics_op_kind(OXT_OP_USER_ACCESS), "user_access");
    ck_assert_str_eq(oxt_metrics_op_kind(OXT_OP_USER_DELETE), "user_delete");
    ck_assert_ptr_null(oxt_metrics_op_kind(OXT_OP_USER_STATUS));
}
END_TEST

START_TEST(every_soap_failure_has_a_kind)
{
    ck_assert_int_eq(oxt_metrics_fault_index(APR_SUCCESS), -1);
    ck_assert_str_eq(oxt_metrics_fault_name(
        oxt_metrics_fault_index(OXT_ESOAP_AUTH)), "auth");
    ck_assert_str_eq(oxt_metrics_fault_name(
        oxt_metrics_fault_index(OXT_ESOAP_HTTP5XX)), "http_5xx");
    ck_assert_str_eq(oxt_metrics_fault_name(
        oxt_metrics_fault_index(OXT_ESOAP_TOOBIG)), "too_big");
    ck_assert_str_eq(oxt_metrics_fault_name(
        oxt_metrics_fault_index(APR_ENOMEM)), "other");
    ck_assert_str_eq(oxt_metrics_fault_name(
        oxt_metrics_fault_index(OXT_ESOAP_MAIL_FIXED)), "invalid");
    ck_assert_str_eq(oxt_metrics_fault_name(
        oxt_metrics_fault_index(OXT_ESOAP_TLS)), "connect");
    ck_assert_str_eq(oxt_metrics_fault_name(
        oxt_metrics_fault_index(OXT_EDB)), "other");
    ck_assert_ptr_null(oxt_metrics_fault_name(OXT_METRICS_FAULT_KINDS));
}
END_TEST

START_TEST(an_answer_is_told_from_no_answer)
{
    ck_assert(oxt_metrics_ox_answered(APR_SUCCESS));
    ck_assert(oxt_metrics_ox_answered(OXT_ESOAP_AUTH));
    ck_assert(oxt_metrics_ox_answered(OXT_ESOAP_BUSY));
    ck_assert(oxt_metrics_ox_answered(OXT_ESOAP_FAULT));
    ck_assert(oxt_metrics_ox_answered(OXT_ESOAP_NAME_FIXED));
    ck_assert(!oxt_metrics_ox_answered(OXT_ESOAP_TLS));
    ck_assert(!oxt_metrics_ox_answered(OXT_ESOAP_CONNECT));
    ck_assert(!oxt_metrics_ox_answered(OXT_ESOAP_TIMEOUT));
    ck_assert(!oxt_metrics_ox_answered(OXT_ESOAP_HTTP5XX));
    ck_assert(!oxt_metrics_ox_answered(OXT_ESOAP_XML));
}
END_TEST

START_TEST(durations_fall_into_their_bucket)
{
    ck_assert_int_eq(oxt_metrics_bucket(0), 0);
    ck_assert_int_eq(oxt_metrics_bucket(10000), 0);     /* le is <= */
    ck_assert_int_eq(oxt_metrics_bucket(10001), 1);
    ck_assert_int_eq(oxt_metrics_bucket(apr_time_from_sec(1)), 6);
    ck_assert_str_eq(oxt_metrics_bucket_le(6), "1");
    ck_assert_int_eq(oxt_metrics_bucket(apr_time_from_sec(60)), 11);
    ck_assert_int_eq(oxt_metrics_bucket(apr_time_from_sec(61)), 12);
    ck_assert_str_eq(oxt_metrics_bucket_le(OXT_METRICS_BUCKETS - 1), "+Inf");
    ck_assert_ptr_null(oxt_metrics_bucket_le(OXT_METRICS_BUCKETS));
}
END_TEST

START_TEST(without_the_database_only_build_and_lock_are_shown)
{
    oxt_metrics_t m;
    const char *text;

    oxt_metrics_init(&m, oxt_test_pool);
    text = exposition(&m);
    has_line(text, apr_pstrcat(oxt_test_pool, "oxtender_build_info{version=\"",
                               oxt_version(), "\"} 1", NULL));
    has_line(text, "oxtender_database_up 0");
    ck_assert_ptr_null(strstr(text, "oxtender_operations_total"));
    ck_assert_ptr_null(strstr(text, "oxtender_lock_held"));
    m.have_lock = 1;
    m.lock.state = OXT_LOCK_STALE;
    m.lock.idle = apr_time_from_sec(4000);
    text = exposition(&m);
    has_line(text, "oxtender_lock_held 1");
    has_line(text, "oxtender_lock_stale 1");
    has_line(text, "oxtender_lock_idle_seconds 4000");
}
END_TEST

/* A snapshot as the database could hold it. */
static void snapshot(oxt_metrics_t *m)
{
    oxt_metrics_call_t *c;
    oxt_state_count_t *g;

    oxt_metrics_init(m, oxt_test_pool);
    m->db_up = 1;
    m->run_started = 1700000000;
    m->run_ok = 1700000060;
    m->queue.waiting = 7;
    m->queue.due = 2;
    m->queue.leased = 1;
    m->queue.parked = 3;
    m->ops[OXT_OP_USER_CREATE][1] = 40;
    m->ops[OXT_OP_USER_CREATE][0] = 2;
    m->faults[oxt_metrics_fault_index(OXT_ESOAP_TIMEOUT)] = 5;
    c = apr_array_push(m->calls);
    memset(c, 0, sizeof(*c));
    c->operation = "OXUserService.create";
    c->calls = 6;
    c->sum_us = 1234567;
    c->buckets[0] = 1;
    c->buckets[3] = 4;
    c->buckets[12] = 1;
    g = apr_array_push(m->mailboxes);
    g->status = "unreplicable";
    g->reason = "a\"b\\c\nd";            /* escaped as a label value */
    g->service = "webmail";
    g->count = 9;
    g = apr_array_push(m->domains);
    g->status = "ok";
    g->reason = "";
    g->service = NULL;
    g->count = 2;
    m->ox_reachable = 0;
}

START_TEST(the_exposition_shows_a_known_snapshot)
{
    oxt_metrics_t m;
    const char *text;

    snapshot(&m);
    text = exposition(&m);
    has_line(text, "# TYPE oxtender_operations_total counter");
    has_line(text, "oxtender_operations_total{kind=\"user_create\","
             "outcome=\"success\"} 40");
    has_line(text, "oxtender_operations_total{kind=\"user_create\","
             "outcome=\"failure\"} 2");
    has_line(text, "oxtender_operations_total{kind=\"context_delete\","
             "outcome=\"success\"} 0");
    has_line(text, "oxtender_soap_faults_total{kind=\"timeout\"} 5");
    has_line(text, "oxtender_soap_faults_total{kind=\"auth\"} 0");
    has_line(text, "oxtender_queue_items{state=\"due\"} 2");
    has_line(text, "oxtender_queue_items{state=\"backing_off\"} 4");
    has_line(text, "oxtender_queue_items{state=\"in_progress\"} 1");
    has_line(text, "oxtender_parked_items 3");
    has_line(text, "oxtender_last_run_start_timestamp_seconds 1700000000");
    has_line(text, "oxtender_last_run_success_timestamp_seconds 1700000060");
    ck_assert_ptr_null(strstr(text, "\noxtender_last_run_end_timestamp"
                              "_seconds "));
    has_line(text, "oxtender_mailboxes{state=\"unreplicable\","
             "reason=\"a\\\"b\\\\c\\nd\",service=\"webmail\"} 9");
    has_line(text, "oxtender_domains{state=\"ok\"} 2");
    has_line(text, "oxtender_ox_reachable 0");
}
END_TEST

START_TEST(histogram_buckets_are_cumulative)
{
    oxt_metrics_t m;
    const char *text;

    snapshot(&m);
    text = exposition(&m);
    has_line(text, "# TYPE oxtender_soap_call_duration_seconds histogram");
    has_line(text, "oxtender_soap_call_duration_seconds_bucket{operation="
             "\"OXUserService.create\",le=\"0.01\"} 1");
    has_line(text, "oxtender_soap_call_duration_seconds_bucket{operation="
             "\"OXUserService.create\",le=\"0.05\"} 1");
    has_line(text, "oxtender_soap_call_duration_seconds_bucket{operation="
             "\"OXUserService.create\",le=\"0.1\"} 5");
    has_line(text, "oxtender_soap_call_duration_seconds_bucket{operation="
             "\"OXUserService.create\",le=\"60\"} 5");
    has_line(text, "oxtender_soap_call_duration_seconds_bucket{operation="
             "\"OXUserService.create\",le=\"+Inf\"} 6");
    has_line(text, "oxtender_soap_call_duration_seconds_sum{operation="
             "\"OXUserService.create\"} 1.234567");
    has_line(text, "oxtender_soap_call_duration_seconds_count{operation="
             "\"OXUserService.create\"} 6");
}
END_TEST

START_TEST(every_family_has_help_and_type)
{
    oxt_metrics_t m;
    const char *text, *line, *name;
    char *copy, *last = NULL;

    snapshot(&m);
    text = exposition(&m);
    copy = apr_pstrdup(oxt_test_pool, text);
    for (line = apr_strtok(copy, "\n", &last); line != NULL;
         line = apr_strtok(NULL, "\n", &last)) {
        if (line[0] == '#') {
            continue;
        }
        name = apr_pstrndup(oxt_test_pool, line, strcspn(line, "{ "));
        if (strstr(name, "_duration_seconds_") != NULL) {
            name = "oxtender_soap_call_duration_seconds";
        }
        ck_assert_msg(strstr(text, apr_pstrcat(oxt_test_pool, "# HELP ",
                                               name, " ", NULL))
                      && strstr(text, apr_pstrcat(oxt_test_pool, "# TYPE ",
                                                  name, " ", NULL)),
                      "%s has no HELP or TYPE", name);
    }
}
END_TEST

/* ---- the tally, over the fake transport ---------------------------------- */

#define CHANGE_OK "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap" \
    ".org/soap/envelope/\"><soap:Body><changeResponse/></soap:Body>" \
    "</soap:Envelope>"

static oxt_soap_call_t *finished_call(const char *url, int status,
                                      const char *body)
{
    fake_soap_t *fake = fake_soap_make(status, body, oxt_test_pool);
    oxt_soap_client_t *client = fake_soap_client(fake, NULL, oxt_test_pool);
    oxt_soap_call_t *call;
    xmlDoc *doc;
    xmlNode *b;

    ck_assert_int_eq(oxt_soap_envelope_make(&doc, &b, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_call_make(&call, url, "change", doc,
                                        oxt_test_pool), APR_SUCCESS);
    (void)oxt_soap_client_call(client, call);
    return call;
}

START_TEST(a_tally_counts_calls_by_operation_and_kind)
{
    oxt_metrics_tally_t *t = oxt_metrics_tally_make(oxt_test_pool);
    const oxt_metrics_call_t *c;
    oxt_soap_call_t *ok, *bad, *ctx;
    oxt_metrics_t m;

    ck_assert(oxt_metrics_tally_empty(t));
    ok = finished_call("https://ox.test/webservices/OXUserService", 200,
                       CHANGE_OK);
    ck_assert_int_eq(oxt_soap_call_status(ok), APR_SUCCESS);
    bad = finished_call("https://ox.test/webservices/OXUserService", 503,
                        "<html>down</html>");
    ck_assert_int_eq(oxt_soap_call_status(bad), OXT_ESOAP_HTTP5XX);
    ctx = finished_call("https://ox.test/webservices/OXContextService", 200,
                        CHANGE_OK);
    oxt_metrics_tally_call(t, ok, 3000);
    ck_assert(!oxt_metrics_tally_empty(t));
    oxt_metrics_tally_call(t, bad, apr_time_from_sec(2));
    oxt_metrics_tally_call(t, ctx, apr_time_from_sec(100));
    oxt_metrics_tally_op(t, OXT_OP_USER_CHANGE, 1);
    oxt_metrics_tally_op(t, OXT_OP_USER_CHANGE, 0);
    oxt_metrics_tally_op(t, OXT_OP_USER_STATUS, 1);   /* not an OX call */
    oxt_metrics_tally_op(NULL, OXT_OP_USER_CHANGE, 1);
    oxt_metrics_tally_call(NULL, ok, 1);
    oxt_metrics_init(&m, oxt_test_pool);
    oxt_metrics_tally_add(t, &m, oxt_test_pool);
    ck_assert_int_eq(m.ops[OXT_OP_USER_CHANGE][1], 1);
    ck_assert_int_eq(m.ops[OXT_OP_USER_CHANGE][0], 1);
    ck_assert_int_eq(m.faults[oxt_metrics_fault_index(OXT_ESOAP_HTTP5XX)],
                     1);
    ck_assert_int_eq(m.calls->nelts, 2);
    c = &APR_ARRAY_IDX(m.calls, 0, const oxt_metrics_call_t);
    ck_assert_str_eq(c->operation, "OXUserService.change");
    ck_assert_int_eq(c->calls, 2);
    ck_assert_int_eq(c->sum_us, 2003000);
    ck_assert_int_eq(c->buckets[0], 1);
    ck_assert_int_eq(c->buckets[oxt_metrics_bucket(apr_time_from_sec(2))],
                     1);
    c = &APR_ARRAY_IDX(m.calls, 1, const oxt_metrics_call_t);
    ck_assert_str_eq(c->operation, "OXContextService.change");
    ck_assert_int_eq(c->buckets[OXT_METRICS_BUCKETS - 1], 1);
}
END_TEST

START_TEST(an_operation_name_that_is_not_ours_is_other)
{
    oxt_metrics_tally_t *t = oxt_metrics_tally_make(oxt_test_pool);
    oxt_metrics_t m;

    oxt_metrics_tally_call(t, finished_call("https://ox.test/x/Odd-Svc", 200,
                                            CHANGE_OK), 1);
    oxt_metrics_tally_call(t, finished_call("https://ox.test/", 200,
                                            CHANGE_OK), 1);
    oxt_metrics_init(&m, oxt_test_pool);
    oxt_metrics_tally_add(t, &m, oxt_test_pool);
    ck_assert_int_eq(m.calls->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(m.calls, 0, oxt_metrics_call_t).operation,
                     "other");
    ck_assert_int_eq(APR_ARRAY_IDX(m.calls, 0, oxt_metrics_call_t).calls, 2);
}
END_TEST

/* The SOAP client's observer: every finished call, before its callback. */
typedef struct seen_t {
    int calls;
    apr_status_t status;
    int callback_first;
} seen_t;

static void observe(void *baton, const oxt_soap_call_t *call,
                    apr_interval_time_t elapsed)
{
    seen_t *s = baton;

    s->calls++;
    s->status = oxt_soap_call_status(call);
    ck_assert_int_ge(elapsed, 0);
}

static void done(void *baton, oxt_soap_call_t *call)
{
    seen_t *s = baton;

    s->callback_first = s->calls == 0;
}

START_TEST(the_soap_client_tells_its_observer)
{
    fake_soap_t *fake = fake_soap_make(500, "<html/>", oxt_test_pool);
    oxt_soap_client_t *client = fake_soap_client(fake, NULL, oxt_test_pool);
    oxt_soap_call_t *call;
    seen_t seen = { 0, APR_SUCCESS, 0 };
    xmlDoc *doc;
    xmlNode *b;

    ck_assert_int_eq(oxt_soap_envelope_make(&doc, &b, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_call_make(&call, "https://ox.test/ws/S", "op",
                                        doc, oxt_test_pool), APR_SUCCESS);
    oxt_soap_client_observe(client, observe, &seen);
    ck_assert_int_eq(oxt_soap_client_submit(client, call, done, &seen),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_client_run(client, -1), APR_SUCCESS);
    ck_assert_int_eq(seen.calls, 1);
    ck_assert_int_eq(seen.status, OXT_ESOAP_HTTP5XX);
    ck_assert(!seen.callback_first);
    ck_assert_str_eq(oxt_soap_call_op(call), "op");
    oxt_soap_client_observe(client, NULL, NULL);
    ck_assert_int_eq(oxt_soap_envelope_make(&doc, &b, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_soap_call_make(&call, "https://ox.test/ws/S", "op",
                                        doc, oxt_test_pool), APR_SUCCESS);
    (void)oxt_soap_client_call(client, call);
    ck_assert_int_eq(seen.calls, 1);
}
END_TEST

TCase *oxt_metrics_test_case(void)
{
    TCase *tc = oxt_unit_tcase("metrics");

    tcase_add_test(tc, operation_kinds_have_metric_names);
    tcase_add_test(tc, every_soap_failure_has_a_kind);
    tcase_add_test(tc, an_answer_is_told_from_no_answer);
    tcase_add_test(tc, durations_fall_into_their_bucket);
    tcase_add_test(tc, without_the_database_only_build_and_lock_are_shown);
    tcase_add_test(tc, the_exposition_shows_a_known_snapshot);
    tcase_add_test(tc, histogram_buckets_are_cumulative);
    tcase_add_test(tc, every_family_has_help_and_type);
    tcase_add_test(tc, a_tally_counts_calls_by_operation_and_kind);
    tcase_add_test(tc, an_operation_name_that_is_not_ours_is_other);
    tcase_add_test(tc, the_soap_client_tells_its_observer);
    return tc;
}
