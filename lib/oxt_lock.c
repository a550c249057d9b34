/*
 * oxt_lock.c — see oxt_lock.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

#include "oxt_lock.h"
#include "oxt_status.h"
#include "oxt_util.h"

#define LOCK_TRIES      10
#define LOCK_TRY_PAUSE  apr_time_from_msec(50)
#define LOCK_TEXT_MAX   128

struct oxt_lock_t {
    int fd;
    const char *path;
};

static const char *const state_names[] = {
    "free", "held", "stale", "unknown", "unsafe"
};

const char *oxt_lock_state_name(oxt_lock_state_t state)
{
    return (unsigned)state < sizeof(state_names) / sizeof(state_names[0])
           ? state_names[state] : "unknown";
}

static apr_status_t lock_cleanup(void *data)
{
    oxt_lock_t *lock = data;

    if (lock->fd >= 0) {
        close(lock->fd);            /* releases the flock */
        lock->fd = -1;
    }
    return APR_SUCCESS;
}

static apr_status_t sys_fail(const char *problem, const char *path,
                             oxt_result_t *res, apr_pool_t *p)
{
    apr_status_t rv = APR_FROM_OS_ERROR(errno);

    return oxt_result_set(res, rv, problem, "%s: %s", path,
                          oxt_status_str(rv, p));
}

/* ---- the directory ------------------------------------------------------ */

static apr_status_t dir_check(const char *dir, const struct stat *st,
                              oxt_result_t *res)
{
    if (!S_ISDIR(st->st_mode)) {
        return oxt_result_set(res, OXT_ECONFIG, "Unsafe lock directory",
                              "%s is not a directory (a symbolic link is"
                              " refused too)", dir);
    }
    if (st->st_uid != 0 && st->st_uid != geteuid()) {
        return oxt_result_set(res, OXT_ECONFIG, "Unsafe lock directory",
                              "%s is owned by uid %ld, not by root or by the"
                              " user running this; fix: chown root %s", dir,
                              (long)st->st_uid, dir);
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        return oxt_result_set(res, OXT_ECONFIG, "Unsafe lock directory",
                              "%s can be written by others (mode %04o), so"
                              " anyone could hold the lock; use a directory"
                              " only root can write (lock_file, e.g."
                              " /run/oxtender/replicator.lock)", dir,
                              (unsigned)(st->st_mode & 07777));
    }
    return APR_SUCCESS;
}

/* The lock's directory must exist (we create it, 0755) and be ours. */
static apr_status_t lock_dir(const char *path, int create,
                             oxt_result_t *res, apr_pool_t *p)
{
    const char *slash = strrchr(path, '/');
    const char *dir = slash == NULL ? "."
                    : slash == path ? "/"
                    : apr_pstrndup(p, path, (apr_size_t)(slash - path));
    struct stat st;

    if (lstat(dir, &st) != 0 && errno == ENOENT && create) {
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            return sys_fail("Cannot create the lock directory", dir, res, p);
        }
    }
    if (lstat(dir, &st) != 0) {
        return sys_fail("Cannot use the lock directory", dir, res, p);
    }
    return dir_check(dir, &st, res);
}

/* ---- the file ----------------------------------------------------------- */

static apr_status_t lock_open(int *pfd, const char *path, int create,
                              oxt_result_t *res, apr_pool_t *p)
{
    int fd = open(path, (create ? O_RDWR | O_CREAT : O_RDONLY) | O_NOFOLLOW
                        | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0600);
    apr_status_t rv;

    if (fd < 0 && errno == ELOOP) {
        return oxt_result_set(res, OXT_ECONFIG, "Unsafe lock file",
                              "%s is a symbolic link; refusing to follow it."
                              " Remove it (someone may be trying to stop"
                              " replication)", path);
    }
    if (fd < 0) {
        return sys_fail("Cannot open the lock file", path, res, p);
    }
    rv = oxt_util_fd_check(fd, path, S_IWGRP | S_IWOTH, 1, res, p);
    if (rv != APR_SUCCESS) {
        close(fd);
        return rv;
    }
    *pfd = fd;
    return APR_SUCCESS;
}

/* "pid name" as the holder wrote it, and how long since its progress. */
static void lock_read_info(oxt_lock_info_t *info, int fd,
                           apr_interval_time_t stale_after, apr_pool_t *p)
{
    char buf[LOCK_TEXT_MAX + 1], name[LOCK_TEXT_MAX + 1];
    struct stat st;
    ssize_t n = pread(fd, buf, LOCK_TEXT_MAX, 0);
    long pid = 0;

    buf[n > 0 ? n : 0] = '\0';
    name[0] = '\0';
    if (sscanf(buf, "%ld %128s", &pid, name) >= 1 && pid > 0) {
        info->pid = pid;
        info->holder = *name ? apr_pstrdup(p, name) : NULL;
    }
    info->state = OXT_LOCK_HELD;
    info->stale_after = stale_after;
    if (fstat(fd, &st) == 0) {
        info->idle = apr_time_now()
                   - (apr_time_from_sec(st.st_mtim.tv_sec)
                      + st.st_mtim.tv_nsec / 1000);
        if (info->idle < 0) {
            info->idle = 0;
        }
    }
    if (stale_after > 0 && info->idle > stale_after) {
        info->state = OXT_LOCK_STALE;
    }
}

static int lock_try(int fd, int op)
{
    int i;

    for (i = 0; i < LOCK_TRIES; i++) {
        if (flock(fd, op | LOCK_NB) == 0) {
            return 0;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) {
            return -1;
        }
        if (i + 1 < LOCK_TRIES) {
            apr_sleep(LOCK_TRY_PAUSE);
        }
    }
    errno = EWOULDBLOCK;
    return -1;
}

static void lock_write_holder(oxt_lock_t *lock, const char *name)
{
    char buf[LOCK_TEXT_MAX];
    int n = snprintf(buf, sizeof(buf), "%ld %s\n", (long)getpid(), name);

    /* Best effort: the text is for people; the flock is the lock. */
    if (ftruncate(lock->fd, 0) == 0 && n > 0) {
        if (pwrite(lock->fd, buf, (size_t)n, 0) != n) {
            n = 0;
        }
    }
    oxt_lock_touch(lock);
}

apr_status_t oxt_lock_take(oxt_lock_t **plock, const char *path,
                           const char *name, apr_interval_time_t stale_after,
                           oxt_lock_info_t *info, oxt_result_t *res,
                           apr_pool_t *p)
{
    oxt_lock_t *lock = apr_pcalloc(p, sizeof(*lock));
    apr_status_t rv = lock_dir(path, 1, res, p);

    if (rv == APR_SUCCESS) {
        rv = lock_open(&lock->fd, path, 1, res, p);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    lock->path = apr_pstrdup(p, path);
    apr_pool_cleanup_register(p, lock, lock_cleanup, apr_pool_cleanup_null);
    if (lock_try(lock->fd, LOCK_EX) != 0) {
        if (errno != EWOULDBLOCK) {
            rv = sys_fail("Cannot lock", path, res, p);
        }
        else {
            if (info != NULL) {
                memset(info, 0, sizeof(*info));
                lock_read_info(info, lock->fd, stale_after, p);
            }
            rv = oxt_result_set(res, OXT_ELOCKED,
                                "Another replicator is running",
                                "%s is locked", path);
        }
        apr_pool_cleanup_run(p, lock, lock_cleanup);
        return rv;
    }
    lock_write_holder(lock, name);
    *plock = lock;
    return APR_SUCCESS;
}

void oxt_lock_touch(oxt_lock_t *lock)
{
    if (lock != NULL && lock->fd >= 0) {
        /* Progress is only a hint for status: a failure changes nothing. */
        (void)futimens(lock->fd, NULL);
    }
}

void oxt_lock_probe(oxt_lock_info_t *info, const char *path,
                    apr_interval_time_t stale_after, apr_pool_t *p)
{
    oxt_result_t *why = oxt_result_make(p);
    int fd = -1;
    apr_status_t rv;

    memset(info, 0, sizeof(*info));
    info->stale_after = stale_after;
    rv = lock_dir(path, 0, why, p);
    if (rv == APR_SUCCESS) {
        rv = lock_open(&fd, path, 0, why, p);
    }
    if (APR_STATUS_IS_ENOENT(rv)) {
        return;                             /* never taken: free */
    }
    if (rv != APR_SUCCESS) {
        /* Unsafe (a symlink, a wrong owner) or not ours to read. */
        info->state = rv == OXT_ECONFIG ? OXT_LOCK_UNSAFE : OXT_LOCK_UNKNOWN;
        info->problem = oxt_result_text(why, p);
        return;
    }
    /* A shared lock is refused while a holder has it exclusively. */
    if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
        flock(fd, LOCK_UN);
    }
    else if (errno == EWOULDBLOCK) {
        lock_read_info(info, fd, stale_after, p);
    }
    else {
        info->state = OXT_LOCK_UNKNOWN;
    }
    close(fd);
}
