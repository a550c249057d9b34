/*
 * test_event.c — events: what is kept, and the spool round trip.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include "oxt_unit.h"
#include "oxt_event.h"

START_TEST(only_identifying_names_are_kept)
{
    const char *argv[] = { "new_mailname=a@b.example", "NEW_PASSWORD=secret",
                           "old_mailname=c@b.example", "junk" };
    oxt_event_t *ev;

    setenv("NEW_PASSWORD", "from-env", 1);
    setenv("NEW_DOMAIN_NAME", "b.example", 1);
    ck_assert_int_eq(oxt_event_make(&ev, "mailname_update", 4, argv,
                                    oxt_test_pool), APR_SUCCESS);
    unsetenv("NEW_PASSWORD");
    unsetenv("NEW_DOMAIN_NAME");
    ck_assert_str_eq(apr_table_get(ev->vars, "NEW_MAILNAME"), "a@b.example");
    ck_assert_str_eq(apr_table_get(ev->vars, "OLD_MAILNAME"), "c@b.example");
    ck_assert_str_eq(apr_table_get(ev->vars, "NEW_DOMAIN_NAME"), "b.example");
    ck_assert_ptr_null(apr_table_get(ev->vars, "NEW_PASSWORD"));
    ck_assert_int_eq(oxt_event_make(&ev, "maillist_create", 0, NULL,
                                    oxt_test_pool), APR_ENOTIMPL);
}
END_TEST

START_TEST(values_with_line_breaks_are_dropped)
{
    const char *argv[] = { "NEW_MAILNAME=a@b\nNEW_LOGIN_NAME=x" };
    oxt_event_t *ev;

    ck_assert_int_eq(oxt_event_make(&ev, "mailname_create", 1, argv,
                                    oxt_test_pool), APR_SUCCESS);
    ck_assert_ptr_null(apr_table_get(ev->vars, "NEW_MAILNAME"));
    ck_assert_ptr_null(apr_table_get(ev->vars, "NEW_LOGIN_NAME"));
}
END_TEST

START_TEST(spooled_events_read_back_the_same)
{
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-spool-XXXXXX");
    const char *argv[] = { "NEW_DOMAIN_NAME=x.example",
                           "OLD_DOMAIN_NAME=y.example" };
    oxt_event_t *ev, *back;
    apr_dir_t *d;
    apr_finfo_t fi;
    const char *path = NULL;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(oxt_event_make(&ev, "domain_update", 2, argv,
                                    oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(oxt_event_spool_write(ev, dir, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_dir_open(&d, dir, oxt_test_pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (fi.name[0] != '.') {
            path = apr_pstrcat(oxt_test_pool, dir, "/", fi.name, NULL);
        }
    }
    apr_dir_close(d);
    ck_assert_ptr_nonnull(path);
    ck_assert_int_eq(oxt_event_spool_read(&back, path, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(back->name, "domain_update");
    ck_assert_str_eq(apr_table_get(back->vars, "NEW_DOMAIN_NAME"),
                     "x.example");
    ck_assert_str_eq(apr_table_get(back->vars, "OLD_DOMAIN_NAME"),
                     "y.example");
    apr_file_remove(path, oxt_test_pool);
    apr_dir_remove(dir, oxt_test_pool);
}
END_TEST

TCase *oxt_event_test_case(void)
{
    TCase *tc = oxt_unit_tcase("event");

    tcase_add_test(tc, only_identifying_names_are_kept);
    tcase_add_test(tc, values_with_line_breaks_are_dropped);
    tcase_add_test(tc, spooled_events_read_back_the_same);
    return tc;
}
