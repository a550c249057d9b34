/*
 * test_util.c — hashes keyed by a Plesk id; loopback host names; reading files someone else may have
 * put in our way (symlinks, FIFOs, owners and modes, sizes).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_util.h"
#include "oxt_status.h"

START_TEST(loopback_hosts_are_recognised_strictly)
{
    static const char *const yes[] = {
        "localhost", "LOCALHOST:8080", "127.0.0.1", "127.0.0.1:8009",
        "127.1.2.3", "[::1]", "[::1]:8080",
    };
    static const char *const no[] = {
        "", "ox.example.com", "10.0.0.1:80", "0.0.0.0", "::1",
        "127.0.0.1@ox.example.com", "127.0.0.1:80@ox.example.com",
        "127.0.0.1/x", "localhost.example.com", "[::1", "127.0.0.1:",
        "127.0.0.1:8o", "128.0.0.1", "[::2]:80",
    };
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        ck_assert_msg(oxt_util_host_is_loopback(yes[i]), "%s", yes[i]);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        ck_assert_msg(!oxt_util_host_is_loopback(no[i]), "%s", no[i]);
    }
    ck_assert(!oxt_util_host_is_loopback(NULL));
}
END_TEST

/* A file of text with mode in a new temp dir; returns its path. */
static const char *file_with(const char *text, mode_t mode)
{
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-util-XXXXXX");
    const char *path;
    int fd;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    path = apr_pstrcat(oxt_test_pool, dir, "/file", NULL);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    ck_assert_int_eq(chmod(path, mode), 0);
    return path;
}

static void remove_dir_of(const char *path)
{
    ck_assert_int_eq(system(apr_psprintf(oxt_test_pool, "rm -rf '%s'",
        apr_pstrndup(oxt_test_pool, path, (apr_size_t)(strrchr(path, '/')
                                                       - path)))), 0);
}

static apr_status_t read_checked(const char *path, int flags,
                                 oxt_result_t *res)
{
    char *buf;

    return oxt_util_file_read_checked(&buf, NULL, path, 64, flags, res,
                                      oxt_test_pool);
}

START_TEST(private_files_refuse_loose_modes_and_owners)
{
    static const struct {
        mode_t mode;
        const char *says;
    } bad[] = {
        { 0644, "is readable by everyone (mode 0644); fix: chmod 0640 " },
        { 0604, "is readable by everyone (mode 0604)" },
        { 0660, "is writable by its group (mode 0660)" },
        { 0602, "is writable by everyone (mode 0602)" },
        { 0601, "is accessible to everyone (mode 0601)" },
    };
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    const char *path = file_with("x = 1\n", 0640);
    size_t i;

    ck_assert_int_eq(read_checked(path, OXT_FILE_PRIVATE, res), APR_SUCCESS);
    ck_assert_int_eq(chmod(path, 0600), 0);
    ck_assert_int_eq(read_checked(path, OXT_FILE_PRIVATE, res), APR_SUCCESS);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(chmod(path, bad[i].mode), 0);
        ck_assert_int_eq(read_checked(path, OXT_FILE_PRIVATE, res),
                         OXT_ECONFIG);
        ck_assert_msg(strstr(res->detail, bad[i].says) != NULL, "%s",
                      res->detail);
        ck_assert_ptr_nonnull(strstr(res->detail, path));
        /* Without the flag only the type counts. */
        ck_assert_int_eq(read_checked(path, 0, res), APR_SUCCESS);
    }
    ck_assert_int_eq(chmod(path, 0640), 0);
    if (geteuid() == 0) {
        ck_assert_int_eq(chown(path, 65534, 0), 0);
        ck_assert_int_eq(read_checked(path, OXT_FILE_PRIVATE, res),
                         OXT_ECONFIG);
        ck_assert_ptr_nonnull(strstr(res->detail, "is owned by uid 65534,"
                                     " not by root or by the user running"));
    }
    remove_dir_of(path);
}
END_TEST

START_TEST(symlinks_fifos_and_large_files_are_refused)
{
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    const char *path = file_with("real\n", 0600);
    const char *link = apr_pstrcat(oxt_test_pool, path, ".link", NULL);
    const char *fifo = apr_pstrcat(oxt_test_pool, path, ".fifo", NULL);
    char *buf;
    apr_size_t len;

    ck_assert_int_eq(symlink(path, link), 0);
    ck_assert_int_eq(read_checked(link, 0, res), OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "is a symbolic link;"
                                 " refusing to follow it"));
    /* A FIFO with no writer would block a plain open(2) for ever. */
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(read_checked(fifo, 0, res), OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "is not a regular file"));
    ck_assert_int_eq(oxt_util_file_read_checked(&buf, &len, path, 4, 0, res,
                                                oxt_test_pool), APR_EINVAL);
    ck_assert_int_eq(oxt_util_file_read_checked(&buf, &len, path, 5, 0, res,
                                                oxt_test_pool), APR_SUCCESS);
    ck_assert_str_eq(buf, "real\n");
    ck_assert_int_eq(len, 5);
    ck_assert(APR_STATUS_IS_ENOENT(read_checked(
        apr_pstrcat(oxt_test_pool, path, ".none", NULL), 0, res)));
    remove_dir_of(path);
}
END_TEST

START_TEST(id_keys_are_the_number_itself)
{
    apr_hash_t *h = apr_hash_make(oxt_test_pool);
    apr_hash_index_t *hi;

    oxt_util_id_set(h, 7, "seven");
    oxt_util_id_set(h, 70, "seventy");
    oxt_util_id_set(h, 7, "again");
    ck_assert_int_eq(apr_hash_count(h), 2);
    ck_assert_str_eq(oxt_util_id_get(h, 7), "again");
    ck_assert_ptr_null(oxt_util_id_get(h, 8));
    oxt_util_id_set(h, 70, NULL);
    hi = apr_hash_first(oxt_test_pool, h);
    ck_assert_int_eq(oxt_util_id_key(hi), 7);
    ck_assert_ptr_null(apr_hash_next(hi));
}
END_TEST

START_TEST(marks_make_an_in_list)
{
    ck_assert_str_eq(oxt_util_marks(1, oxt_test_pool), "?");
    ck_assert_str_eq(oxt_util_marks(3, oxt_test_pool), "?, ?, ?");
}
END_TEST

TCase *oxt_util_test_case(void)
{
    TCase *tc = oxt_unit_tcase("util");

    tcase_add_test(tc, id_keys_are_the_number_itself);
    tcase_add_test(tc, marks_make_an_in_list);
    tcase_add_test(tc, loopback_hosts_are_recognised_strictly);
    tcase_add_test(tc, private_files_refuse_loose_modes_and_owners);
    tcase_add_test(tc, symlinks_fifos_and_large_files_are_refused);
    return tc;
}
