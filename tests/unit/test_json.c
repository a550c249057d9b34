/*
 * test_json.c — JSON string literals.
 */
#include "oxt_unit.h"
#include "oxt_json.h"

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

TCase *oxt_json_test_case(void)
{
    TCase *tc = oxt_unit_tcase("json");

    tcase_add_loop_test(tc, strings_are_escaped_for_json_and_html, 0,
                        (int)(sizeof(json_cases) / sizeof(json_cases[0])));
    tcase_add_test(tc, null_becomes_null);
    return tc;
}
