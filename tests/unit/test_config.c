/*
 * test_config.c — the shared configuration file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "oxt_unit.h"
#include "oxt_config.h"
#include "oxt_log.h"
#include "oxt_status.h"

START_TEST(defaults_are_set_for_every_key)
{
    oxt_config_t *cfg = oxt_config_make(oxt_test_pool);

    ck_assert_str_eq(cfg->db_host, "localhost");
    ck_assert_int_eq(cfg->db_port, 3306);
    ck_assert_str_eq(cfg->oxtender_database, "oxtender");
    ck_assert_str_eq(cfg->psa_database, "psa");
    ck_assert_str_eq(cfg->plesk_secret_key_file, "/etc/psa/private/secret_key");
    ck_assert_int_eq(cfg->log_level, OXT_LOG_INFO);
}
END_TEST

START_TEST(keys_values_comments_and_blanks_parse)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_config_t *cfg = NULL;
    const char *text =
        "# a comment\n"
        "\n"
        "db_host = 127.0.0.1\n"
        "  db_port=3307  \n"
        "db_password = p=ss#word\n"
        "psa_database = psa_10\n"
        "log_level = debug\n"
        "db_socket =\n";

    ck_assert_int_eq(oxt_config_parse(&cfg, text, "t.conf", res,
                                      oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(cfg->db_host, "127.0.0.1");
    ck_assert_int_eq(cfg->db_port, 3307);
    ck_assert_str_eq(cfg->db_password, "p=ss#word");
    ck_assert_str_eq(cfg->psa_database, "psa_10");
    ck_assert_int_eq(cfg->log_level, OXT_LOG_DEBUG);
    ck_assert_ptr_null(cfg->db_socket);
}
END_TEST

static const struct {
    const char *text;
    const char *detail;
} bad_configs[] = {
    { "db_host = x\nnonsense\n", "t.conf:2: expected 'key = value'" },
    { "\n\ndb_hots = x\n", "t.conf:3: unknown key 'db_hots'" },
    { "db_port = 70000\n", "t.conf:1: invalid value for 'db_port'" },
    { "db_port = 12ab\n", "t.conf:1: invalid value for 'db_port'" },
    { "psa_database = psa`; DROP\n",
      "t.conf:1: invalid value for 'psa_database'" },
    { "log_level = loud\n", "t.conf:1: invalid value for 'log_level'" },
    { "server_ip = 192.0.2.300\n",
      "t.conf:1: invalid value for 'server_ip'" },
    { "license_server_url = http://lic.example/\n",
      "t.conf:1: invalid value for 'license_server_url'" },
    { "license_public_key = AAAA\n",
      "t.conf:1: invalid value for 'license_public_key'" },
};

START_TEST(bad_lines_are_refused_with_their_line_number)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_config_t *cfg = NULL;

    ck_assert_int_eq(oxt_config_parse(&cfg, bad_configs[_i].text, "t.conf",
                                      res, oxt_test_pool), OXT_ECONFIG);
    ck_assert_str_eq(res->detail, bad_configs[_i].detail);
}
END_TEST

START_TEST(an_invalid_password_value_is_never_echoed)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_config_t *cfg = NULL;

    ck_assert_int_eq(oxt_config_parse(&cfg, "db_port = s3cret\n", "t.conf",
                                      res, oxt_test_pool), OXT_ECONFIG);
    ck_assert_ptr_null(strstr(oxt_result_text(res, oxt_test_pool), "s3cret"));
}
END_TEST

START_TEST(a_missing_file_is_named_in_the_error)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_config_t *cfg = NULL;

    ck_assert_int_ne(oxt_config_load(&cfg, "/nonexistent/oxtender.conf", res,
                                     oxt_test_pool), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(oxt_result_text(res, oxt_test_pool),
                                 "/nonexistent/oxtender.conf"));
}
END_TEST

/* It holds the database password: others must not read or change it. */
START_TEST(a_file_others_could_read_or_replace_is_refused)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-conf-XXXXXX");
    const char *path, *link;
    oxt_config_t *cfg = NULL;
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    path = apr_pstrcat(oxt_test_pool, dir, "/oxtender.conf", NULL);
    link = apr_pstrcat(oxt_test_pool, dir, "/link.conf", NULL);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("db_password = s3cret\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(oxt_config_load(&cfg, path, res, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_str_eq(cfg->db_password, "s3cret");
    ck_assert_int_eq(chmod(path, 0644), 0);
    ck_assert_int_eq(oxt_config_load(&cfg, path, res, oxt_test_pool),
                     OXT_ECONFIG);
    ck_assert_str_eq(oxt_result_text(res, oxt_test_pool), apr_pstrcat(
        oxt_test_pool, "Unsafe configuration file: ", path, " is readable"
        " by everyone (mode 0644); fix: chmod 0640 ", path, NULL));
    ck_assert_int_eq(chmod(path, 0620), 0);
    ck_assert_int_eq(oxt_config_load(&cfg, path, res, oxt_test_pool),
                     OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "writable by its group"));
    ck_assert_int_eq(chmod(path, 0600), 0);
    ck_assert_int_eq(symlink(path, link), 0);
    ck_assert_int_eq(oxt_config_load(&cfg, link, res, oxt_test_pool),
                     OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "is a symbolic link"));
    ck_assert_int_eq(system(apr_psprintf(oxt_test_pool, "rm -rf '%s'", dir)),
                     0);
}
END_TEST

START_TEST(identifiers_allow_only_safe_characters)
{
    ck_assert(oxt_config_is_identifier("psa"));
    ck_assert(oxt_config_is_identifier("oxtender_2"));
    ck_assert(!oxt_config_is_identifier(""));
    ck_assert(!oxt_config_is_identifier("a-b"));
    ck_assert(!oxt_config_is_identifier("a`b"));
    ck_assert(!oxt_config_is_identifier("a.b"));
}
END_TEST

/* The annotated example must parse and show every key, so the docs keep
 * up with the parser. */
START_TEST(the_example_file_parses_and_names_every_key)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    const char *top = getenv("OXT_TOP");
    const char *path, *key;
    oxt_config_t *cfg = NULL;
    apr_file_t *f;
    char buf[16384];
    apr_size_t len = sizeof(buf) - 1, i;

    path = apr_pstrcat(oxt_test_pool, top ? top : ".",
                       "/conf/oxtender.conf.example", NULL);
    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_READ, 0,
                                   oxt_test_pool), APR_SUCCESS);
    apr_file_read_full(f, buf, len, &len);
    apr_file_close(f);
    buf[len] = '\0';
    /* Parsed from memory: the checkout's mode (0644) is no installed
     * file's, which oxt_config_load would rightly refuse. */
    ck_assert_int_eq(oxt_config_parse(&cfg, buf, path, res, oxt_test_pool),
                     APR_SUCCESS);
    for (i = 0; (key = oxt_config_key_name(i)) != NULL; i++) {
        ck_assert_msg(strstr(buf, apr_pstrcat(oxt_test_pool, "\n", key, " =",
                                              NULL))
                      || strstr(buf, apr_pstrcat(oxt_test_pool, "#", key,
                                                 " =", NULL)),
                      "conf/oxtender.conf.example lacks '%s'", key);
    }
}
END_TEST

/* The daemon's metrics endpoint: this machine only, as numbers. */
static const struct {
    const char *value;
    int ok;
} listens[] = {
    { "127.0.0.1:9464", 1 }, { "127.255.0.1:1", 1 }, { "[::1]:9464", 1 },
    { "127.0.0.1:65535", 1 },
    { "0.0.0.0:9464", 0 }, { "10.0.0.1:9464", 0 }, { "[::]:9464", 0 },
    { "[::ffff:127.0.0.1]:9464", 0 }, { "localhost:9464", 0 },
    { "LOCALHOST:9464", 0 }, { "metrics.example:9464", 0 },
    { "127.0.0.1", 0 }, { "127.0.0.1:", 0 }, { "127.0.0.1:0", 0 },
    { "127.0.0.1:65536", 0 }, { "127.0.0.1:94x4", 0 }, { "[::1]", 0 },
    { "127.0.0.1:9464/x", 0 }, { "user@127.0.0.1:9464", 0 },
    { ":9464", 0 },
};

START_TEST(the_metrics_endpoint_listens_on_loopback_only)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_config_t *cfg = NULL;
    const char *text = apr_pstrcat(oxt_test_pool, "metrics_listen = ",
                                   listens[_i].value, "\n", NULL);
    apr_status_t rv = oxt_config_parse(&cfg, text, "t.conf", res,
                                       oxt_test_pool);

    if (listens[_i].ok) {
        ck_assert_int_eq(rv, APR_SUCCESS);
        ck_assert_str_eq(cfg->metrics_listen, listens[_i].value);
    }
    else {
        ck_assert_msg(rv == OXT_ECONFIG, "%s taken", listens[_i].value);
        ck_assert_str_eq(res->detail,
                         "t.conf:1: invalid value for 'metrics_listen'");
    }
}
END_TEST

START_TEST(monitoring_keys_have_defaults)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_config_t *cfg = oxt_config_make(oxt_test_pool);

    ck_assert_ptr_null(cfg->metrics_listen);
    ck_assert_int_eq(cfg->health_pass_warning_s, 3600);
    ck_assert_int_eq(cfg->health_pass_critical_s, 14400);
    ck_assert_int_eq(oxt_config_parse(&cfg, "metrics_listen =\n"
                                      "health_pass_warning_s = 60\n"
                                      "health_pass_critical_s = 600\n",
                                      "t.conf", res, oxt_test_pool),
                     APR_SUCCESS);
    ck_assert_ptr_null(cfg->metrics_listen);
    ck_assert_int_eq(cfg->health_pass_warning_s, 60);
    ck_assert_int_eq(cfg->health_pass_critical_s, 600);
}
END_TEST

TCase *oxt_config_test_case(void)
{
    TCase *tc = oxt_unit_tcase("config");

    tcase_add_test(tc, defaults_are_set_for_every_key);
    tcase_add_test(tc, keys_values_comments_and_blanks_parse);
    tcase_add_loop_test(tc, bad_lines_are_refused_with_their_line_number, 0,
                        (int)(sizeof(bad_configs) / sizeof(bad_configs[0])));
    tcase_add_test(tc, an_invalid_password_value_is_never_echoed);
    tcase_add_test(tc, a_missing_file_is_named_in_the_error);
    tcase_add_test(tc, a_file_others_could_read_or_replace_is_refused);
    tcase_add_test(tc, identifiers_allow_only_safe_characters);
    tcase_add_test(tc, the_example_file_parses_and_names_every_key);
    tcase_add_loop_test(tc, the_metrics_endpoint_listens_on_loopback_only, 0,
                        (int)(sizeof(listens) / sizeof(listens[0])));
    tcase_add_test(tc, monitoring_keys_have_defaults);
    return tc;
}
