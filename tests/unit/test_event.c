/*
 * test_event.c — events: what is kept, and the spool round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>

#include "oxt_unit.h"
#include "oxt_event.h"
#include "oxt_event_int.h"
#include "oxt_psa.h"
#include "oxt_config.h"
#include "oxt_status.h"

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

/* Every kept name at its longest still makes a spool file its reader
 * takes (it refused one over 8 KiB, which eight names of 1,024 made);
 * one character more and the value is not kept. */
START_TEST(the_largest_event_fits_the_spool)
{
    static const char *const keys[] = {
        "NEW_MAILNAME", "OLD_MAILNAME", "NEW_DOMAIN_NAME", "OLD_DOMAIN_NAME",
        "NEW_DOMAIN_ALIAS_NAME", "OLD_DOMAIN_ALIAS_NAME", "NEW_LOGIN_NAME",
        "OLD_LOGIN_NAME",
    };
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-spool-XXXXXX");
    char long_value[962];
    const char *argv[9];
    oxt_event_t *ev, *back;
    apr_array_header_t *names;
    const char *path;
    int i;

    memset(long_value, 'a', sizeof(long_value) - 2);
    long_value[sizeof(long_value) - 2] = '\0';      /* 960 characters */
    for (i = 0; i < 8; i++) {
        argv[i] = apr_pstrcat(oxt_test_pool, keys[i], "=", long_value, NULL);
    }
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(oxt_event_make(&ev, "domain_alias_update", 8, argv,
                                    oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_table_elts(ev->vars)->nelts, 8);
    ck_assert_int_eq(oxt_event_spool_write(ev, dir, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_event_spool_list(&names, dir, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(names->nelts, 1);
    path = apr_pstrcat(oxt_test_pool, dir, "/",
                       APR_ARRAY_IDX(names, 0, const char *), NULL);
    ck_assert_int_eq(oxt_event_spool_read(&back, path, oxt_test_pool),
                     APR_SUCCESS);
    for (i = 0; i < 8; i++) {
        ck_assert_str_eq(apr_table_get(back->vars, keys[i]), long_value);
    }
    apr_file_remove(path, oxt_test_pool);
    apr_dir_remove(dir, oxt_test_pool);
    long_value[sizeof(long_value) - 2] = 'a';        /* 961 */
    long_value[sizeof(long_value) - 1] = '\0';
    argv[0] = apr_pstrcat(oxt_test_pool, "NEW_MAILNAME=", long_value, NULL);
    ck_assert_int_eq(oxt_event_make(&ev, "mailname_update", 1, argv,
                                    oxt_test_pool), APR_SUCCESS);
    ck_assert_ptr_null(apr_table_get(ev->vars, "NEW_MAILNAME"));
}
END_TEST

/* The daemon's hand-off lock: held for as long as its pool lives, seen by
 * a probe (flock locks belong to the open file, so the same process
 * sees its own), taken by one at a time. */
START_TEST(the_handoff_lock_is_held_while_its_pool_lives)
{
    char dir[] = "/tmp/oxt-unit-handoff-XXXXXX";
    apr_pool_t *p;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(oxt_event_spool_owned(dir, oxt_test_pool), 0);
    apr_pool_create(&p, oxt_test_pool);
    ck_assert_int_eq(oxt_event_spool_own(dir, p), APR_SUCCESS);
    ck_assert_int_eq(oxt_event_spool_owned(dir, oxt_test_pool), 1);
    ck_assert_int_eq(oxt_event_spool_own(dir, oxt_test_pool), APR_EBUSY);
    apr_pool_destroy(p);
    ck_assert_int_eq(oxt_event_spool_owned(dir, oxt_test_pool), 0);
    apr_file_remove(apr_pstrcat(oxt_test_pool, dir, "/"
                                OXT_EVENT_SPOOL_LOCK, NULL), oxt_test_pool);
    ck_assert_int_eq(apr_dir_remove(dir, oxt_test_pool), APR_SUCCESS);
    /* no spool directory: no lock, and the handler writes the queue */
    ck_assert_int_ne(oxt_event_spool_own(dir, oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(oxt_event_spool_owned(dir, oxt_test_pool), 0);
}
END_TEST

START_TEST(the_environment_block_is_read_like_getenv)
{
    const char *env[] = { "NEW_MAILNAME=a@b.example", "NEW_MAILNAME=second",
                          "NEW_PASSWORD=secret", "OLD_MAILNAMEX=no",
                          "OLD_MAILNAME", NULL };
    oxt_event_t *ev;

    ck_assert_int_eq(oxt_event_make_env(&ev, "mailname_update", 0, NULL, env,
                                        oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(apr_table_get(ev->vars, "NEW_MAILNAME"), "a@b.example");
    ck_assert_ptr_null(apr_table_get(ev->vars, "OLD_MAILNAME"));
    ck_assert_ptr_null(apr_table_get(ev->vars, "NEW_PASSWORD"));
    ck_assert_int_eq(apr_table_elts(ev->vars)->nelts, 1);
    ck_assert_int_eq(oxt_event_make_env(&ev, "domain_delete", 0, NULL, NULL,
                                        oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(apr_table_elts(ev->vars)->nelts, 0);
}
END_TEST

START_TEST(spool_text_parses_from_a_buffer)
{
    static const char text[] = "event=domain_delete\nOLD_DOMAIN_NAME=x.example"
                               "\nNEW_PASSWORD=pw\n";
    oxt_event_t *ev;

    /* Not NUL-terminated where it ends: only len bytes count. */
    ck_assert_int_eq(oxt_event_spool_parse(&ev, text, strlen(text) - 17,
                                           oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(ev->name, "domain_delete");
    ck_assert_str_eq(apr_table_get(ev->vars, "OLD_DOMAIN_NAME"), "x.example");
    ck_assert_ptr_null(apr_table_get(ev->vars, "NEW_PASSWORD"));
    ck_assert_int_eq(oxt_event_spool_parse(&ev, "garbage", 7, oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_event_spool_parse(&ev, "event=unknown_event", 19,
                                           oxt_test_pool), APR_EINVAL);
}
END_TEST

/* The reader of a spool directory others may write to: no symlink is
 * followed, a FIFO does not block (before, this test hung until Check's
 * timeout), nothing larger than 8 KiB is read. */
START_TEST(spool_reads_refuse_symlinks_fifos_and_large_files)
{
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-spool-XXXXXX");
    const char *good, *link, *fifo, *big;
    oxt_event_t *ev;
    FILE *f;
    int i;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    good = apr_pstrcat(oxt_test_pool, dir, "/good.hint", NULL);
    link = apr_pstrcat(oxt_test_pool, dir, "/link.hint", NULL);
    fifo = apr_pstrcat(oxt_test_pool, dir, "/fifo.hint", NULL);
    big = apr_pstrcat(oxt_test_pool, dir, "/big.hint", NULL);
    f = fopen(good, "w");
    fputs("event=domain_delete\nOLD_DOMAIN_NAME=x.example\n", f);
    fclose(f);
    f = fopen(big, "w");
    fputs("event=domain_delete\n", f);
    for (i = 0; i < 1000; i++) {
        fputs("OLD_DOMAIN_NAME=x.example\n", f);
    }
    fclose(f);
    ck_assert_int_eq(symlink(good, link), 0);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(oxt_event_spool_read(&ev, good, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(oxt_event_spool_read(&ev, link, oxt_test_pool),
                     OXT_ECONFIG);
    ck_assert_int_eq(oxt_event_spool_read(&ev, fifo, oxt_test_pool),
                     OXT_ECONFIG);
    ck_assert_int_eq(oxt_event_spool_read(&ev, big, oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(system(apr_psprintf(oxt_test_pool, "rm -rf '%s'", dir)),
                     0);
}
END_TEST

/* Only account events read psa's shape, so only they pay for the
 * schema probe; a bare handle says it was not probed. */
START_TEST(only_account_events_need_the_schema_probe)
{
    static const char *const names[] = {
        "mailname_update", "domain_create", "domain_alias_delete",
        "client_update", "reseller_status_update"
    };
    static const int need[] = { 0, 0, 0, 1, 1 };
    oxt_config_t cfg;
    oxt_event_t *ev;
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        ck_assert_int_eq(oxt_event_make(&ev, names[i], 0, NULL,
                                        oxt_test_pool), APR_SUCCESS);
        ck_assert_int_eq(oxt_event_needs_caps(ev), need[i]);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.psa_database = "psa";
    ck_assert_int_eq(oxt_psa_caps(oxt_psa_open_bare(&cfg, oxt_test_pool))
                     ->version, 0);
    ck_assert_str_eq(oxt_psa_sql(oxt_psa_open_bare(&cfg, oxt_test_pool),
                                 "SELECT id FROM psa.mail", oxt_test_pool),
                     "SELECT id FROM `psa`.mail");
}
END_TEST

START_TEST(socket_messages_are_whole_spool_texts)
{
    static const char ok[] = "event=mailname_update\n"
                             "NEW_MAILNAME=a@b.example\n";
    char big[OXT_EVENT_SPOOL_MAX + 2];
    oxt_event_t *ev = NULL;

    ck_assert_int_eq(oxt_event_msg_parse(&ev, ok, strlen(ok), 0,
                                         oxt_test_pool), APR_INCOMPLETE);
    ck_assert_int_eq(oxt_event_msg_parse(&ev, ok, strlen(ok), 1,
                                         oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(ev->name, "mailname_update");
    ck_assert_str_eq(apr_table_get(ev->vars, "NEW_MAILNAME"), "a@b.example");
    /* what the handler sends is what a spool file holds */
    ck_assert_str_eq(oxt_event_spool_text(ev, oxt_test_pool), ok);
    /* a last line cut short, a NUL, nothing, no event of ours */
    ck_assert_int_eq(oxt_event_msg_parse(&ev, ok, strlen(ok) - 3, 1,
                                         oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(oxt_event_msg_parse(&ev, "event=mailname_update\n\0\n",
                                         24, 1, oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(oxt_event_msg_parse(&ev, "", 0, 1, oxt_test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(oxt_event_msg_parse(&ev, "event=nothing_of_ours\n", 22,
                                         1, oxt_test_pool), APR_EINVAL);
    /* too long, whether the sender has finished or not */
    memset(big, 'x', sizeof(big));
    memcpy(big, ok, strlen(ok));
    big[sizeof(big) - 1] = '\n';
    ck_assert_int_eq(oxt_event_msg_parse(&ev, big, sizeof(big), 0,
                                         oxt_test_pool), APR_ENOSPC);
    big[OXT_EVENT_SPOOL_MAX - 1] = '\n';
    ck_assert_int_eq(oxt_event_msg_parse(&ev, big, OXT_EVENT_SPOOL_MAX, 1,
                                         oxt_test_pool), APR_SUCCESS);
}
END_TEST

START_TEST(no_socket_means_no_answer)
{
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-sock-XXXXXX");
    char longdir[200];
    oxt_event_t *ev;
    const char *argv[] = { "NEW_MAILNAME=a@b.example" };

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(oxt_event_make_env(&ev, "mailname_update", 1, argv,
                                        NULL, oxt_test_pool), APR_SUCCESS);
    ck_assert_int_eq(oxt_event_send(ev, dir, apr_time_from_msec(100),
                                    oxt_test_pool), APR_ENOENT);
    memset(longdir, 'd', sizeof(longdir) - 1);
    longdir[0] = '/';
    longdir[sizeof(longdir) - 1] = '\0';
    ck_assert_int_eq(oxt_event_send(ev, longdir, apr_time_from_msec(100),
                                    oxt_test_pool), APR_ENAMETOOLONG);
    /* no daemon holds the lock: the caller queues it itself */
    ck_assert_int_ne(oxt_event_hand_off(ev, dir, oxt_test_pool),
                     APR_SUCCESS);
    rmdir(dir);
}
END_TEST

TCase *oxt_event_test_case(void)
{
    TCase *tc = oxt_unit_tcase("event");

    tcase_add_test(tc, only_identifying_names_are_kept);
    tcase_add_test(tc, values_with_line_breaks_are_dropped);
    tcase_add_test(tc, spooled_events_read_back_the_same);
    tcase_add_test(tc, the_largest_event_fits_the_spool);
    tcase_add_test(tc, the_environment_block_is_read_like_getenv);
    tcase_add_test(tc, the_handoff_lock_is_held_while_its_pool_lives);
    tcase_add_test(tc, spool_text_parses_from_a_buffer);
    tcase_add_test(tc, spool_reads_refuse_symlinks_fifos_and_large_files);
    tcase_add_test(tc, only_account_events_need_the_schema_probe);
    tcase_add_test(tc, socket_messages_are_whole_spool_texts);
    tcase_add_test(tc, no_socket_means_no_answer);
    return tc;
}
