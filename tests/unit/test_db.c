/*
 * test_db.c — reading a row's columns: numbers with a default for NULL,
 * booleans as MySQL and Plesk spell them, enums from a table, copies.
 */
#include <string.h>

#include "oxt_unit.h"
#include "oxt_db.h"

static const char *const vals[] = {
    "42", NULL, "true", "1", "false", "0", "abc", "on", "-7", "12x"
};

static oxt_db_row_t row_of_vals(void)
{
    oxt_db_row_t row;

    row.ncols = (int)(sizeof(vals) / sizeof(vals[0]));
    row.vals = (const char **)vals;
    row.lens = NULL;
    return row;
}

START_TEST(numbers_take_the_default_for_null_and_text)
{
    oxt_db_row_t row = row_of_vals();

    ck_assert_int_eq(oxt_db_row_int(&row, 0, -1), 42);
    ck_assert_int_eq(oxt_db_row_int(&row, 1, -1), -1);
    ck_assert_int_eq(oxt_db_row_int(&row, 6, -1), -1);
    ck_assert_int_eq(oxt_db_row_int(&row, 8, 0), -7);
    ck_assert_int_eq(oxt_db_row_int(&row, 9, 0), 12);
    /* past the row's end reads as NULL */
    ck_assert_int_eq(oxt_db_row_int(&row, 10, 5), 5);
    ck_assert_int_eq(oxt_db_row_int(&row, -1, 5), 5);
}
END_TEST

START_TEST(booleans_as_mysql_and_plesk_write_them)
{
    oxt_db_row_t row = row_of_vals();

    ck_assert(oxt_db_row_bool(&row, 2));
    ck_assert(oxt_db_row_bool(&row, 3));
    ck_assert(!oxt_db_row_bool(&row, 4));
    ck_assert(!oxt_db_row_bool(&row, 5));
    ck_assert(!oxt_db_row_bool(&row, 1));
    ck_assert(!oxt_db_row_bool(&row, 99));
}
END_TEST

START_TEST(enums_and_copies)
{
    static const char *const names[] = { "inherit", "on", "off", NULL };
    oxt_db_row_t row = row_of_vals();
    const char *copy;

    ck_assert_int_eq(oxt_db_row_enum(&row, 7, names, -1), 1);
    ck_assert_int_eq(oxt_db_row_enum(&row, 6, names, -1), -1);
    ck_assert_int_eq(oxt_db_row_enum(&row, 1, names, 0), 0);
    copy = oxt_db_row_str(&row, 6, oxt_test_pool);
    ck_assert_str_eq(copy, "abc");
    ck_assert_ptr_ne(copy, vals[6]);
    ck_assert_ptr_null(oxt_db_row_str(&row, 1, oxt_test_pool));
}
END_TEST

/* A chunk of ids is padded to a fixed length with its last id, so that a
 * few statement texts serve every chunk; the marks match the length. */
START_TEST(in_lists_are_padded_with_the_last_id)
{
    apr_array_header_t *ids = apr_array_make(oxt_test_pool, 30,
                                             sizeof(long long));
    oxt_db_arg_t args[OXT_DB_IN_MAX];
    const char *marks;
    int i, size;

    for (i = 0; i < 30; i++) {
        APR_ARRAY_PUSH(ids, long long) = 100 + i;
    }
    size = oxt_db_in_bind(&marks, args, ids, 0, 1, oxt_test_pool);
    ck_assert_int_eq(size, 1);
    ck_assert_str_eq(marks, "?");
    ck_assert(args[0].type == OXT_DB_T_INT && args[0].i == 100);

    size = oxt_db_in_bind(&marks, args, ids, 5, 12, oxt_test_pool);
    ck_assert_int_eq(size, 25);
    ck_assert_uint_eq(strlen(marks), 25 * 3 - 2);
    for (i = 0; i < size; i++) {
        ck_assert(args[i].type == OXT_DB_T_INT);
        ck_assert_int_eq(args[i].i, i < 12 ? 105 + i : 116);
    }
    ck_assert_int_eq(oxt_db_in_size(250), 250);
    ck_assert_int_eq(oxt_db_in_size(251), OXT_DB_IN_MAX);
    ck_assert_int_eq(oxt_db_in_size(OXT_DB_IN_MAX), OXT_DB_IN_MAX);
}
END_TEST

TCase *oxt_db_test_case(void)
{
    TCase *tc = oxt_unit_tcase("db");

    tcase_add_test(tc, numbers_take_the_default_for_null_and_text);
    tcase_add_test(tc, booleans_as_mysql_and_plesk_write_them);
    tcase_add_test(tc, enums_and_copies);
    tcase_add_test(tc, in_lists_are_padded_with_the_last_id);
    return tc;
}
