/*
 * test_lock.c — the replicator's run lock: where it may live, symlinks,
 * a holder in another process (a second open file description behaves
 * the same for flock), staleness.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <apr_strings.h>

#include "oxt_unit.h"
#include "oxt_lock.h"
#include "oxt_status.h"

#define HOUR apr_time_from_sec(3600)

static char *temp_dir(void)
{
    char *dir = apr_pstrdup(oxt_test_pool, "/tmp/oxt-lock-XXXXXX");

    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static void remove_tree(const char *dir)
{
    char *cmd = apr_psprintf(oxt_test_pool, "rm -rf '%s'", dir);

    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(lock_creates_its_directory_and_excludes_others)
{
    char *dir = temp_dir();
    const char *sub = apr_pstrcat(oxt_test_pool, dir, "/run", NULL);
    const char *path = apr_pstrcat(oxt_test_pool, sub, "/repl.lock", NULL);
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_lock_t *lock, *other;
    oxt_lock_info_t info;
    apr_pool_t *held;
    struct stat st;

    apr_pool_create(&held, oxt_test_pool);
    ck_assert_int_eq(oxt_lock_take(&lock, path, "run", HOUR, NULL, res,
                                   held), APR_SUCCESS);
    ck_assert_int_eq(lstat(sub, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 07777, 0755);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    /* A second taker (another open file description) is refused. */
    ck_assert_int_eq(oxt_lock_take(&other, path, "daemon", HOUR, &info, res,
                                   oxt_test_pool), OXT_ELOCKED);
    ck_assert_int_eq(info.state, OXT_LOCK_HELD);
    ck_assert_int_eq(info.pid, (long)getpid());
    ck_assert_str_eq(info.holder, "run");
    oxt_lock_probe(&info, path, HOUR, oxt_test_pool);
    ck_assert_int_eq(info.state, OXT_LOCK_HELD);
    /* The lock goes with its pool. */
    apr_pool_destroy(held);
    oxt_lock_probe(&info, path, HOUR, oxt_test_pool);
    ck_assert_int_eq(info.state, OXT_LOCK_FREE);
    ck_assert_int_eq(oxt_lock_take(&other, path, "daemon", HOUR, NULL, res,
                                   oxt_test_pool), APR_SUCCESS);
    remove_tree(dir);
}
END_TEST

START_TEST(a_symlink_in_place_of_the_lock_is_never_followed)
{
    char *dir = temp_dir();
    const char *path = apr_pstrcat(oxt_test_pool, dir, "/repl.lock", NULL);
    const char *target = apr_pstrcat(oxt_test_pool, dir, "/victim", NULL);
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_lock_t *lock;
    oxt_lock_info_t info;
    char buf[16] = { 0 };
    int fd;

    fd = open(target, O_WRONLY | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "keep", 4), 4);
    close(fd);
    ck_assert_int_eq(symlink(target, path), 0);
    ck_assert_int_eq(oxt_lock_take(&lock, path, "run", HOUR, NULL, res,
                                   oxt_test_pool), OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "is a symbolic link"));
    fd = open(target, O_RDONLY);
    ck_assert_int_eq(read(fd, buf, sizeof(buf) - 1), 4);
    close(fd);
    ck_assert_str_eq(buf, "keep");
    oxt_lock_probe(&info, path, HOUR, oxt_test_pool);
    ck_assert_int_eq(info.state, OXT_LOCK_UNSAFE);
    ck_assert_ptr_nonnull(strstr(info.problem, "symbolic link"));
    remove_tree(dir);
}
END_TEST

START_TEST(a_directory_others_can_write_is_refused)
{
    char *dir = temp_dir();
    const char *path = apr_pstrcat(oxt_test_pool, dir, "/repl.lock", NULL);
    const char *link = apr_pstrcat(oxt_test_pool, dir, "/link", NULL);
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_lock_t *lock;

    ck_assert_int_eq(chmod(dir, 01777), 0);       /* like /var/lock */
    ck_assert_int_eq(oxt_lock_take(&lock, path, "run", HOUR, NULL, res,
                                   oxt_test_pool), OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "can be written by others"));
    ck_assert_int_eq(access(path, F_OK), -1);     /* nothing created */
    ck_assert_int_eq(chmod(dir, 0755), 0);
    /* A symlink as the directory is refused as well. */
    ck_assert_int_eq(symlink(dir, link), 0);
    ck_assert_int_eq(oxt_lock_take(&lock, apr_pstrcat(oxt_test_pool, link,
                                   "/repl.lock", NULL), "run", HOUR, NULL,
                                   res, oxt_test_pool), OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "is not a directory"));
    remove_tree(dir);
}
END_TEST

START_TEST(a_lock_file_of_another_user_is_refused)
{
    char *dir = temp_dir();
    const char *path = apr_pstrcat(oxt_test_pool, dir, "/repl.lock", NULL);
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    oxt_lock_t *lock;
    int fd;

    fd = open(path, O_WRONLY | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(chmod(path, 0622), 0);
    ck_assert_int_eq(oxt_lock_take(&lock, path, "run", HOUR, NULL, res,
                                   oxt_test_pool), OXT_ECONFIG);
    ck_assert_ptr_nonnull(strstr(res->detail, "writable by"));
    ck_assert_int_eq(chmod(path, 0600), 0);
    if (geteuid() == 0) {
        /* Only root can give a file away; others skip this half. */
        ck_assert_int_eq(chown(path, 65534, 65534), 0);
        ck_assert_int_eq(oxt_lock_take(&lock, path, "run", HOUR, NULL, res,
                                       oxt_test_pool), OXT_ECONFIG);
        ck_assert_ptr_nonnull(strstr(res->detail, "is owned by uid 65534"));
    }
    remove_tree(dir);
}
END_TEST

START_TEST(a_lock_held_without_progress_is_stale)
{
    char *dir = temp_dir();
    const char *path = apr_pstrcat(oxt_test_pool, dir, "/repl.lock", NULL);
    oxt_result_t *res = oxt_result_make(oxt_test_pool);
    struct timespec past[2];
    oxt_lock_t *lock, *other;
    oxt_lock_info_t info;

    ck_assert_int_eq(oxt_lock_take(&lock, path, "daemon", HOUR, NULL, res,
                                   oxt_test_pool), APR_SUCCESS);
    past[0].tv_sec = past[1].tv_sec = time(NULL) - 7200;
    past[0].tv_nsec = past[1].tv_nsec = 0;
    ck_assert_int_eq(utimensat(AT_FDCWD, path, past, 0), 0);
    ck_assert_int_eq(oxt_lock_take(&other, path, "run", HOUR, &info, res,
                                   oxt_test_pool), OXT_ELOCKED);
    ck_assert_int_eq(info.state, OXT_LOCK_STALE);
    ck_assert_int_ge(apr_time_sec(info.idle), 7199);
    ck_assert_str_eq(info.holder, "daemon");
    oxt_lock_probe(&info, path, HOUR, oxt_test_pool);
    ck_assert_int_eq(info.state, OXT_LOCK_STALE);
    /* A longer limit, or none, and the same lock is only held. */
    oxt_lock_probe(&info, path, 3 * HOUR, oxt_test_pool);
    ck_assert_int_eq(info.state, OXT_LOCK_HELD);
    oxt_lock_probe(&info, path, 0, oxt_test_pool);
    ck_assert_int_eq(info.state, OXT_LOCK_HELD);
    /* Progress by the holder ends it. */
    oxt_lock_touch(lock);
    oxt_lock_probe(&info, path, HOUR, oxt_test_pool);
    ck_assert_int_eq(info.state, OXT_LOCK_HELD);
    ck_assert_int_lt(apr_time_sec(info.idle), 60);
    remove_tree(dir);
}
END_TEST

START_TEST(probing_a_lock_that_was_never_taken_creates_nothing)
{
    char *dir = temp_dir();
    const char *path = apr_pstrcat(oxt_test_pool, dir, "/none/repl.lock",
                                   NULL);
    oxt_lock_info_t info;

    oxt_lock_probe(&info, path, HOUR, oxt_test_pool);
    ck_assert_int_eq(info.state, OXT_LOCK_FREE);
    ck_assert_int_eq(access(apr_pstrcat(oxt_test_pool, dir, "/none", NULL),
                            F_OK), -1);
    ck_assert_str_eq(oxt_lock_state_name(OXT_LOCK_STALE), "stale");
    remove_tree(dir);
}
END_TEST

TCase *oxt_lock_test_case(void)
{
    TCase *tc = oxt_unit_tcase("lock");

    tcase_add_test(tc, lock_creates_its_directory_and_excludes_others);
    tcase_add_test(tc, a_symlink_in_place_of_the_lock_is_never_followed);
    tcase_add_test(tc, a_directory_others_can_write_is_refused);
    tcase_add_test(tc, a_lock_file_of_another_user_is_refused);
    tcase_add_test(tc, a_lock_held_without_progress_is_stale);
    tcase_add_test(tc, probing_a_lock_that_was_never_taken_creates_nothing);
    return tc;
}
