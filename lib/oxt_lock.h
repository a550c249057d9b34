/*
 * oxt_lock.h — the replicator's run lock: one lock file, taken with
 * flock(2), in a directory nobody else can write to.
 *
 * The lock runs as root, so everything about its path is checked: the
 * directory (created with mode 0755 when missing) must be a real directory
 * owned by root or by us and writable by nobody else; the file is opened
 * with O_NOFOLLOW (a symlink in its place is refused, never followed),
 * must be a regular file owned by root or by us and not writable by
 * group or others. A world-writable directory such as /var/lock would let
 * any local user hold the lock and so stop replication for good.
 *
 * The holder writes "pid name" into the file and touches its mtime
 * whenever it makes progress (oxt_lock_touch). A lock held with no
 * progress for longer than a pass should take is "stale": something is
 * stuck, and the replicator says so instead of quietly doing nothing.
 */
#ifndef OXT_LOCK_H
#define OXT_LOCK_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_time.h>

#include "oxt_result.h"

typedef struct oxt_lock_t oxt_lock_t;

typedef enum {
    OXT_LOCK_FREE = 0,       /* nobody holds it (or no file yet) */
    OXT_LOCK_HELD,           /* held, progress within stale_after */
    OXT_LOCK_STALE,          /* held, no progress for longer */
    OXT_LOCK_UNKNOWN,        /* cannot tell (e.g. no permission) */
    OXT_LOCK_UNSAFE          /* a symlink, a wrong owner or mode */
} oxt_lock_state_t;

/** What a look at the lock found; strings live in the caller's pool. */
typedef struct oxt_lock_info_t {
    oxt_lock_state_t state;
    long pid;                 /* holder's pid as it wrote it; 0 unknown */
    const char *holder;       /* holder's name ("run", "daemon"); or NULL */
    apr_interval_time_t idle; /* since the holder's last progress */
    apr_interval_time_t stale_after;
    const char *problem;      /* UNKNOWN, UNSAFE: why, with the fix */
} oxt_lock_info_t;

/**
 * Takes the lock at path without waiting long (a few tries over about
 * half a second, so a status look at the same moment does not make a run
 * skip its pass). name says who holds it ("run", "daemon"). The lock
 * lives as long as p. OXT_ELOCKED when another process holds it: *info
 * (may be NULL) then says who and whether it is stale (no progress for
 * more than stale_after; 0 never). Other failures (a symlink, a wrong
 * owner or mode, no such parent directory) are OXT_ECONFIG or the
 * system's error, with the path and the fix in res.
 */
apr_status_t oxt_lock_take(oxt_lock_t **plock, const char *path,
                           const char *name, apr_interval_time_t stale_after,
                           oxt_lock_info_t *info, oxt_result_t *res,
                           apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * Records progress (the file's mtime): one system call, cheap enough for
 * every turn of the daemon. lock may be NULL (nothing happens).
 */
void oxt_lock_touch(oxt_lock_t *lock);

/**
 * Looks at the lock without taking it (status) and fills *info: free,
 * held or stale; unsafe (a symlink in its place, a wrong owner or mode:
 * info->problem says what and the fix) or unknown (not ours to read).
 * Never creates anything, never fails.
 */
void oxt_lock_probe(oxt_lock_info_t *info, const char *path,
                    apr_interval_time_t stale_after, apr_pool_t *p);

/** "free", "held", "stale", "unknown" or "unsafe". */
const char *oxt_lock_state_name(oxt_lock_state_t state);

#endif /* OXT_LOCK_H */
