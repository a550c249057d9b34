/*
 * test_rows.c — rows of one INSERT written as multi-row statements
 * (oxt_rows.h): the statement text of n rows, the chunk lengths (a few
 * fixed ones, under the byte limit), and rows copied when added.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_rows.h"

static const oxt_rows_shape_t shape = {
    "INSERT INTO t (a, b, at) VALUES ", "(?, ?, NOW())",
    " ON DUPLICATE KEY UPDATE b = VALUES(b)", 2
};

START_TEST(the_statement_of_n_rows_repeats_the_tuple)
{
    ck_assert_str_eq(oxt_rows_sql(&shape, 1, oxt_test_pool),
                     "INSERT INTO t (a, b, at) VALUES (?, ?, NOW())"
                     " ON DUPLICATE KEY UPDATE b = VALUES(b)");
    ck_assert_str_eq(oxt_rows_sql(&shape, 3, oxt_test_pool),
                     "INSERT INTO t (a, b, at) VALUES (?, ?, NOW()),"
                     " (?, ?, NOW()), (?, ?, NOW())"
                     " ON DUPLICATE KEY UPDATE b = VALUES(b)");
}
END_TEST

START_TEST(chunks_take_up_to_32_rows_then_64)
{
    apr_size_t bytes[200];
    int i;

    for (i = 0; i < 200; i++) {
        bytes[i] = 100;
    }
    ck_assert_int_eq(oxt_rows_chunk(bytes, 1), 1);
    ck_assert_int_eq(oxt_rows_chunk(bytes, 3), 3);
    ck_assert_int_eq(oxt_rows_chunk(bytes, 16), 16);
    ck_assert_int_eq(oxt_rows_chunk(bytes, 17), 17);
    ck_assert_int_eq(oxt_rows_chunk(bytes, 32), 32);
    ck_assert_int_eq(oxt_rows_chunk(bytes, 33), 32);
    ck_assert_int_eq(oxt_rows_chunk(bytes, 63), 32);
    ck_assert_int_eq(oxt_rows_chunk(bytes, 64), OXT_ROWS_CHUNK_MAX);
    ck_assert_int_eq(oxt_rows_chunk(bytes, 200), OXT_ROWS_CHUNK_MAX);
}
END_TEST

START_TEST(a_chunk_stays_under_the_byte_limit)
{
    apr_size_t bytes[8] = { 10, 10, OXT_ROWS_CHUNK_BYTES, 10, 10, 10, 10,
                            10 };

    /* more than two rows would carry the big one with the first two */
    ck_assert_int_eq(oxt_rows_chunk(bytes, 8), 2);
    /* the big row alone, whatever follows */
    ck_assert_int_eq(oxt_rows_chunk(bytes + 2, 6), 1);
    ck_assert_int_eq(oxt_rows_chunk(bytes + 3, 5), 5);
}
END_TEST

START_TEST(rows_of_another_width_are_refused_and_added_rows_counted)
{
    oxt_rows_t *rows = oxt_rows_make(&shape, oxt_test_pool);
    char name[8] = "first";
    const char *v = name;

    ck_assert_int_eq(oxt_rows_add(rows, OXT_DB_ARGS(OXT_DB_INT(1))),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_rows_count(rows), 0);
    ck_assert_int_eq(oxt_rows_add(rows, OXT_DB_ARGS(OXT_DB_INT(1),
                                                    OXT_DB_STR(v))),
                     APR_SUCCESS);
    /* the caller's buffer may change: the row holds its own copy */
    strcpy(name, "other");
    ck_assert_int_eq(oxt_rows_add(rows, OXT_DB_ARGS(OXT_DB_INT(2),
                                                    OXT_DB_NULL)),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_rows_count(rows), 2);
    oxt_rows_clear(rows);
    ck_assert_int_eq(oxt_rows_count(rows), 0);
}
END_TEST

TCase *oxt_rows_test_case(void)
{
    TCase *tc = oxt_unit_tcase("rows");

    tcase_add_test(tc, the_statement_of_n_rows_repeats_the_tuple);
    tcase_add_test(tc, chunks_take_up_to_32_rows_then_64);
    tcase_add_test(tc, a_chunk_stays_under_the_byte_limit);
    tcase_add_test(tc,
                   rows_of_another_width_are_refused_and_added_rows_counted);
    return tc;
}
