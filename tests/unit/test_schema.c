/*
 * test_schema.c — migration files: listing and statement splitting.
 */
#include <string.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include "oxt_unit.h"
#include "oxt_schema.h"
#include "oxt_status.h"

START_TEST(statements_split_on_semicolons_at_line_end)
{
    apr_array_header_t *s = oxt_schema_split(
        "-- comment; not a statement\n"
        "CREATE TABLE a (\n  x INT -- inline\n);\n"
        "\n"
        "INSERT INTO a VALUES ('a;b');\n"
        "SELECT 1", oxt_test_pool);

    ck_assert_int_eq(s->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(s, 0, const char *),
                     "CREATE TABLE a (\n  x INT -- inline\n)");
    ck_assert_str_eq(APR_ARRAY_IDX(s, 1, const char *),
                     "INSERT INTO a VALUES ('a;b')");
    ck_assert_str_eq(APR_ARRAY_IDX(s, 2, const char *), "SELECT 1");
}
END_TEST

static void touch(const char *dir, const char *name)
{
    apr_file_t *f;

    ck_assert_int_eq(apr_file_open(&f, apr_pstrcat(oxt_test_pool, dir, "/",
                                                   name, NULL),
                                   APR_FOPEN_CREATE | APR_FOPEN_WRITE,
                                   APR_FPROT_OS_DEFAULT, oxt_test_pool),
                     APR_SUCCESS);
    apr_file_close(f);
}

static void remove_dir(const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    ck_assert_int_eq(apr_dir_open(&d, dir, oxt_test_pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        if (fi.filetype == APR_REG) {
            apr_file_remove(apr_pstrcat(oxt_test_pool, dir, "/", fi.name,
                                        NULL), oxt_test_pool);
        }
    }
    apr_dir_close(d);
    ck_assert_int_eq(apr_dir_remove(dir, oxt_test_pool), APR_SUCCESS);
}

static const char *make_dir(void)
{
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-unit-XXXXXX");

    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

START_TEST(migrations_are_listed_in_number_order)
{
    const char *dir = make_dir();
    apr_array_header_t *list;

    touch(dir, "0010_ten.sql");
    touch(dir, "0002_two.sql");
    touch(dir, "README.md");
    touch(dir, "0003_three.sql.orig");
    ck_assert_int_eq(oxt_schema_list(&list, dir, NULL, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(list->nelts, 2);
    ck_assert_int_eq(APR_ARRAY_IDX(list, 0, oxt_migration_t *)->version, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(list, 1, oxt_migration_t *)->name,
                     "0010_ten.sql");
    remove_dir(dir);
}
END_TEST

START_TEST(duplicate_numbers_and_empty_dirs_are_errors)
{
    const char *dir = make_dir();
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_array_header_t *list;

    ck_assert_int_eq(oxt_schema_list(&list, dir, res, oxt_test_pool),
                     OXT_ECONFIG);
    touch(dir, "0001_a.sql");
    touch(dir, "0001_b.sql");
    ck_assert_int_eq(oxt_schema_list(&list, dir, res, oxt_test_pool),
                     OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "same number"));
    remove_dir(dir);
}
END_TEST

START_TEST(a_database_newer_than_the_files_is_refused)
{
    const char *dir = make_dir();
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    apr_array_header_t *list;

    touch(dir, "0001_a.sql");
    touch(dir, "0007_g.sql");
    ck_assert_int_eq(oxt_schema_list(&list, dir, res, oxt_test_pool),
                     APR_SUCCESS);
    /* Nothing recorded, part of it, all of it: an upgrade or nothing. */
    ck_assert_int_eq(oxt_schema_refuse_newer(0, list, res), APR_SUCCESS);
    ck_assert_int_eq(oxt_schema_refuse_newer(1, list, res), APR_SUCCESS);
    ck_assert_int_eq(oxt_schema_refuse_newer(7, list, res), APR_SUCCESS);
    ck_assert_ptr_null(res->problem);
    ck_assert_int_eq(oxt_schema_refuse_newer(8, list, res), OXT_ESCHEMA);
    ck_assert_ptr_nonnull(strstr(res->detail, "migration 0008"));
    ck_assert_ptr_nonnull(strstr(res->detail, "0007_g.sql"));
    ck_assert_ptr_nonnull(strstr(res->detail, "downgrade"));
    remove_dir(dir);
}
END_TEST

TCase *oxt_schema_test_case(void)
{
    TCase *tc = oxt_unit_tcase("schema");

    tcase_add_test(tc, statements_split_on_semicolons_at_line_end);
    tcase_add_test(tc, migrations_are_listed_in_number_order);
    tcase_add_test(tc, duplicate_numbers_and_empty_dirs_are_errors);
    tcase_add_test(tc, a_database_newer_than_the_files_is_refused);
    return tc;
}
