/*
 * test_log.c — sinks, levels and the tag macro.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_log.h"

static char last_msg[4096];
static int last_level;
static int max_level;

static int level_cb(void *baton, int level)
{
    (void)baton;
    return level <= max_level;
}

static void print_cb(const char *file, int line, int level, apr_status_t rv,
                     void *baton, const char *msg)
{
    (void)file; (void)line; (void)rv; (void)baton;
    last_level = level;
    apr_cpystrn(last_msg, msg, sizeof(last_msg));
}

START_TEST(messages_reach_the_installed_sink_with_their_tag)
{
    max_level = OXT_LOG_INFO;
    last_msg[0] = '\0';
    oxt_log_set(level_cb, print_cb, NULL);
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_INFO, APR_SUCCESS,
                   OXTLOGNO(00001) "hello %s", "world");
    ck_assert_str_eq(last_msg, "OXT00001: hello world");
    ck_assert_int_eq(last_level, OXT_LOG_INFO);
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_DEBUG, APR_SUCCESS, "quiet");
    ck_assert_str_eq(last_msg, "OXT00001: hello world");
    oxt_log_set(NULL, NULL, NULL);
}
END_TEST

START_TEST(long_messages_are_cut_not_overflowed)
{
    char *big = apr_palloc(oxt_test_pool, 10000);

    memset(big, 'x', 9999);
    big[9999] = '\0';
    max_level = OXT_LOG_DEBUG;
    oxt_log_set(level_cb, print_cb, NULL);
    oxt_log_perror(OXT_LOG_MARK, OXT_LOG_ERR, APR_SUCCESS, "%s", big);
    ck_assert_uint_lt(strlen(last_msg), 2048);
    oxt_log_set(NULL, NULL, NULL);
}
END_TEST

START_TEST(level_names_parse)
{
    int level = -1;

    ck_assert_int_eq(oxt_log_level_parse(&level, "debug"), APR_SUCCESS);
    ck_assert_int_eq(level, OXT_LOG_DEBUG);
    ck_assert_int_eq(oxt_log_level_parse(&level, "WARN"), APR_SUCCESS);
    ck_assert_int_eq(level, OXT_LOG_WARNING);
    ck_assert_int_eq(oxt_log_level_parse(&level, "loud"), APR_EINVAL);
}
END_TEST

TCase *oxt_log_test_case(void)
{
    TCase *tc = oxt_unit_tcase("log");

    tcase_add_test(tc, messages_reach_the_installed_sink_with_their_tag);
    tcase_add_test(tc, long_messages_are_cut_not_overflowed);
    tcase_add_test(tc, level_names_parse);
    return tc;
}
