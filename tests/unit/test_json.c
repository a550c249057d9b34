/*
 * test_json.c — JSON string literals, the JSON writer and its sinks.
 */
#include <string.h>
#include <sys/resource.h>

#include "oxt_unit.h"
#include "oxt_json.h"
#include "oxt_sink.h"

static const struct {
    const char *in;
    const char *out;
} json_cases[] = {
    { "plain", "\"plain\"" },
    { "", "\"\"" },
    { "a\"b\\c", "\"a\\\"b\\\\c\"" },
    { "line\nbreak\ttab", "\"line\\nbreak\\ttab\"" },
    { "</script><b>&", "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\"" },
    { "\x01\x1f", "\"\\u0001\\u001f\"" },
    { "m\xc3\xbcller.example", "\"m\xc3\xbcller.example\"" },
    { "bad\xff" "byte", "\"bad\\ufffdbyte\"" },
    { "cut\xe2\x82", "\"cut\\ufffd\\ufffd\"" },
    { "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
};

START_TEST(strings_are_escaped_for_json_and_html)
{
    ck_assert_str_eq(oxt_json_str(json_cases[_i].in, oxt_test_pool),
                     json_cases[_i].out);
}
END_TEST

START_TEST(null_becomes_null)
{
    ck_assert_str_eq(oxt_json_str(NULL, oxt_test_pool), "null");
}
END_TEST

/* ---- the writer ---------------------------------------------------------- */

static oxt_sink_t *sink;

static oxt_json_t *writer(int pretty)
{
    sink = oxt_sink_buffer(0, oxt_test_pool);
    return oxt_json_make(sink, pretty, oxt_test_pool);
}

static const char *written(void)
{
    return oxt_sink_buffer_text(sink, NULL);
}

START_TEST(writer_manages_commas_and_nesting)
{
    oxt_json_t *j = writer(0);

    oxt_json_object(j);
    oxt_json_kint(j, "total", 2);
    oxt_json_karray(j, "items");
    oxt_json_object(j);
    oxt_json_kint(j, "id", 7);
    oxt_json_kstr(j, "name", "a\"b");
    oxt_json_end(j);
    oxt_json_object(j);
    oxt_json_kint(j, "id", -8);
    oxt_json_kstr(j, "name", NULL);
    oxt_json_kbool(j, "ox", 1);
    oxt_json_end(j);
    oxt_json_end(j);
    oxt_json_knull(j, "next");
    oxt_json_kdouble(j, "seconds", 0.25);
    oxt_json_end(j);
    ck_assert_int_eq(oxt_json_finish(j), APR_SUCCESS);
    ck_assert_str_eq(written(),
                     "{\"total\": 2, \"items\": [{\"id\": 7, "
                     "\"name\": \"a\\\"b\"},{\"id\": -8, \"name\": null, "
                     "\"ox\": true}], \"next\": null, \"seconds\": 0.25}\n");
}
END_TEST

START_TEST(writer_indents_when_pretty)
{
    oxt_json_t *j = writer(1);

    oxt_json_object(j);
    oxt_json_karray(j, "a");
    oxt_json_int(j, 1);
    oxt_json_end(j);
    oxt_json_karray(j, "empty");
    oxt_json_end(j);
    oxt_json_end(j);
    ck_assert_int_eq(oxt_json_finish(j), APR_SUCCESS);
    ck_assert_str_eq(written(), "{\n  \"a\": [\n    1\n  ],\n"
                                "  \"empty\": []\n}\n");
}
END_TEST

START_TEST(writer_escapes_keys_and_long_values)
{
    oxt_json_t *j = writer(0);
    char *big = apr_palloc(oxt_test_pool, 3001);
    const char *out;

    memset(big, '<', 3000);
    big[3000] = '\0';
    oxt_json_object(j);
    oxt_json_kstr(j, "k\"</", big);
    oxt_json_end(j);
    ck_assert_int_eq(oxt_json_finish(j), APR_SUCCESS);
    out = written();
    ck_assert_int_eq(strncmp(out, "{\"k\\\"\\u003c/\": \"\\u003c", 20), 0);
    ck_assert_uint_eq(strlen(out), 2 + 11 + 2 + 2 + 3000 * 6 + 2);
}
END_TEST

START_TEST(writer_refuses_a_duplicate_key)
{
    oxt_json_t *j = writer(0);

    oxt_json_object(j);
    oxt_json_kint(j, "id", 1);
    oxt_json_kint(j, "id", 2);
    oxt_json_end(j);
    ck_assert_int_eq(oxt_json_finish(j), APR_EINVAL);
    ck_assert_str_eq(oxt_json_error(j), "duplicate key \"id\"");
    /* Nothing after the misuse reaches the sink. */
    ck_assert_str_eq(written(), "{\"id\": 1");
}
END_TEST

START_TEST(the_same_key_in_two_objects_is_fine)
{
    oxt_json_t *j = writer(0);

    oxt_json_array(j);
    oxt_json_object(j);
    oxt_json_kint(j, "id", 1);
    oxt_json_end(j);
    oxt_json_object(j);
    oxt_json_kint(j, "id", 2);
    oxt_json_end(j);
    oxt_json_end(j);
    ck_assert_int_eq(oxt_json_finish(j), APR_SUCCESS);
}
END_TEST

static void misuse_value_without_key(oxt_json_t *j)
{
    oxt_json_object(j);
    oxt_json_int(j, 1);
}

static void misuse_key_in_array(oxt_json_t *j)
{
    oxt_json_array(j);
    oxt_json_key(j, "a");
}

static void misuse_left_open(oxt_json_t *j)
{
    oxt_json_object(j);
    oxt_json_karray(j, "a");
    oxt_json_end(j);
}

static void misuse_end_too_often(oxt_json_t *j)
{
    oxt_json_array(j);
    oxt_json_end(j);
    oxt_json_end(j);
}

static void misuse_two_values(oxt_json_t *j)
{
    oxt_json_int(j, 1);
    oxt_json_int(j, 2);
}

static void misuse_key_then_end(oxt_json_t *j)
{
    oxt_json_object(j);
    oxt_json_key(j, "a");
    oxt_json_end(j);
}

static void misuse_nothing(oxt_json_t *j)
{
    (void)j;
}

static void misuse_too_deep(oxt_json_t *j)
{
    int i;

    for (i = 0; i <= OXT_JSON_MAX_DEPTH; i++) {
        oxt_json_array(j);
    }
    for (i = 0; i <= OXT_JSON_MAX_DEPTH; i++) {
        oxt_json_end(j);
    }
}

static void (*const misuses[])(oxt_json_t *) = {
    misuse_value_without_key, misuse_key_in_array, misuse_left_open,
    misuse_end_too_often, misuse_two_values, misuse_key_then_end,
    misuse_nothing, misuse_too_deep,
};

START_TEST(writer_reports_misuse)
{
    oxt_json_t *j = writer(0);

    misuses[_i](j);
    ck_assert_int_eq(oxt_json_finish(j), APR_EINVAL);
    ck_assert_ptr_nonnull(oxt_json_error(j));
}
END_TEST

START_TEST(writer_reports_the_sink_failure)
{
    oxt_json_t *j;

    sink = oxt_sink_buffer(8, oxt_test_pool);
    j = oxt_json_make(sink, 0, oxt_test_pool);
    oxt_json_object(j);
    oxt_json_kstr(j, "name", "longer than eight bytes");
    oxt_json_end(j);
    ck_assert_int_eq(oxt_json_finish(j), APR_ENOSPC);
    ck_assert_ptr_null(oxt_json_error(j));
}
END_TEST

START_TEST(buffer_sink_keeps_everything_until_its_cap)
{
    oxt_sink_t *s = oxt_sink_buffer(600, oxt_test_pool);
    apr_size_t len;
    int i;

    for (i = 0; i < 100; i++) {
        ck_assert_int_eq(oxt_sink_puts(s, "abcdef"), APR_SUCCESS);
    }
    ck_assert_int_eq(oxt_sink_puts(s, "x"), APR_ENOSPC);
    ck_assert_int_eq(oxt_sink_puts(s, ""), APR_ENOSPC);
    ck_assert_uint_eq(strlen(oxt_sink_buffer_text(s, &len)), 600);
    ck_assert_uint_eq(len, 600);
}
END_TEST

static apr_status_t count_bytes(void *baton, const char *data, apr_size_t n)
{
    (void)data;
    *(apr_size_t *)baton += n;
    return APR_SUCCESS;
}

static long max_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void write_item(oxt_json_t *j, long i)
{
    oxt_json_object(j);
    oxt_json_kint(j, "id", i);
    oxt_json_kstr(j, "name", "mailbox@example.com");
    oxt_json_kstr(j, "service_type", "webmail");
    oxt_json_kstr(j, "language", "en_US");
    oxt_json_kstr(j, "timezone", "Europe/Bucharest");
    oxt_json_kbool(j, "ox", 1);
    oxt_json_knull(j, "modified");
    oxt_json_end(j);
}

/* The duplicate-key check must not keep the keys of every closed object:
 * a JSON list of a million rows would otherwise hold them all. */
START_TEST(a_hundred_thousand_objects_stream_in_flat_memory)
{
    apr_size_t bytes = 0;
    oxt_json_t *j;
    long before, i;

    sink = oxt_sink_make(count_bytes, &bytes, oxt_test_pool);
    j = oxt_json_make(sink, 0, oxt_test_pool);
    oxt_json_array(j);
    for (i = 0; i < 1000; i++) {
        write_item(j, i);
    }
    before = max_rss_kb();
    for (; i < 100000; i++) {
        write_item(j, i);
    }
    oxt_json_end(j);
    ck_assert_int_eq(oxt_json_finish(j), APR_SUCCESS);
    ck_assert_uint_gt(bytes, 10u * 1000 * 1000);
    ck_assert_int_lt(max_rss_kb() - before, 8 * 1024);
}
END_TEST

TCase *oxt_json_test_case(void)
{
    TCase *tc = oxt_unit_tcase("json");

    tcase_add_test(tc, writer_manages_commas_and_nesting);
    tcase_add_test(tc, writer_indents_when_pretty);
    tcase_add_test(tc, writer_escapes_keys_and_long_values);
    tcase_add_test(tc, writer_refuses_a_duplicate_key);
    tcase_add_test(tc, the_same_key_in_two_objects_is_fine);
    tcase_add_loop_test(tc, writer_reports_misuse, 0,
                        (int)(sizeof(misuses) / sizeof(misuses[0])));
    tcase_add_test(tc, writer_reports_the_sink_failure);
    tcase_add_test(tc, buffer_sink_keeps_everything_until_its_cap);
    tcase_add_test(tc, a_hundred_thousand_objects_stream_in_flat_memory);

    tcase_add_loop_test(tc, strings_are_escaped_for_json_and_html, 0,
                        (int)(sizeof(json_cases) / sizeof(json_cases[0])));
    tcase_add_test(tc, null_becomes_null);
    return tc;
}
