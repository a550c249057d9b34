/*
 * test_csv.c — RFC 4180 quoting, UTF-8, and formula neutralisation.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_csv.h"
#include "oxt_sink.h"

static oxt_sink_t *sink;

static oxt_csv_t *writer(int flags)
{
    sink = oxt_sink_buffer(0, oxt_test_pool);
    return oxt_csv_make(sink, flags, oxt_test_pool);
}

static const char *written(void)
{
    return oxt_sink_buffer_text(sink, NULL);
}

static const struct {
    const char *in;
    const char *out;
} fields[] = {
    { "plain", "plain" },
    { "", "" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "\"", "\"\"\"\"" },
    { "two\r\nlines", "\"two\r\nlines\"" },
    { "lf\nonly", "\"lf\nonly\"" },
    { "m\xc3\xbcller \xe2\x80\xae", "m\xc3\xbcller \xe2\x80\xae" },
    { "bad\xff", "bad\xef\xbf\xbd" },
    { "=1+2", "\"'=1+2\"" },
    { "=HYPERLINK(\"http://x\",\"y\")",
      "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
    { "+cmd", "\"'+cmd\"" },
    { "-2+3", "\"'-2+3\"" },
    { "@SUM(A1)", "\"'@SUM(A1)\"" },
    { "\t=x", "\"'\t=x\"" },
    { "\r=x", "\"'\r=x\"" },
    { " =x", " =x" },
    { "a=b", "a=b" },
    { "'quoted", "'quoted" },
};

START_TEST(fields_are_quoted_and_neutralised)
{
    oxt_csv_t *c = writer(0);

    oxt_csv_field(c, fields[_i].in);
    ck_assert_int_eq(oxt_csv_finish(c), APR_SUCCESS);
    ck_assert_str_eq(written(), apr_pstrcat(oxt_test_pool, fields[_i].out,
                                            "\r\n", NULL));
}
END_TEST

START_TEST(records_have_commas_and_crlf)
{
    oxt_csv_t *c = writer(OXT_CSV_BOM);

    oxt_csv_field(c, "User name");
    oxt_csv_field(c, "User type");
    oxt_csv_field(c, "Webmail");
    oxt_csv_end_row(c);
    oxt_csv_field(c, "dom,5.tst");
    oxt_csv_field(c, NULL);
    oxt_csv_int(c, -5);
    oxt_csv_end_row(c);
    oxt_csv_int(c, 0);
    ck_assert_int_eq(oxt_csv_finish(c), APR_SUCCESS);
    ck_assert_str_eq(written(), "\xef\xbb\xbfUser name,User type,Webmail\r\n"
                     "\"dom,5.tst\",,-5\r\n0\r\n");
}
END_TEST

START_TEST(an_empty_file_gets_its_bom_at_the_first_record)
{
    oxt_csv_t *c = writer(OXT_CSV_BOM);

    ck_assert_int_eq(oxt_csv_finish(c), APR_SUCCESS);
    ck_assert_str_eq(written(), "");
    oxt_csv_end_row(c);
    ck_assert_str_eq(written(), "\xef\xbb\xbf\r\n");
}
END_TEST

START_TEST(long_fields_stream_in_chunks)
{
    oxt_csv_t *c = writer(0);
    char *big = apr_palloc(oxt_test_pool, 3001);
    apr_size_t len;

    memset(big, '"', 3000);
    big[3000] = '\0';
    oxt_csv_field(c, big);
    ck_assert_int_eq(oxt_csv_finish(c), APR_SUCCESS);
    oxt_sink_buffer_text(sink, &len);
    ck_assert_uint_eq(len, 2 + 6000 + 2);
}
END_TEST

START_TEST(the_sink_failure_is_reported)
{
    oxt_csv_t *c;

    sink = oxt_sink_buffer(3, oxt_test_pool);
    c = oxt_csv_make(sink, 0, oxt_test_pool);
    oxt_csv_field(c, "four");
    ck_assert_int_eq(oxt_csv_finish(c), APR_ENOSPC);
}
END_TEST

TCase *oxt_csv_test_case(void)
{
    TCase *tc = oxt_unit_tcase("csv");

    tcase_add_loop_test(tc, fields_are_quoted_and_neutralised, 0,
                        (int)(sizeof(fields) / sizeof(fields[0])));
    tcase_add_test(tc, records_have_commas_and_crlf);
    tcase_add_test(tc, an_empty_file_gets_its_bom_at_the_first_record);
    tcase_add_test(tc, long_fields_stream_in_chunks);
    tcase_add_test(tc, the_sink_failure_is_reported);
    return tc;
}
