/*
 * oxt_beat.h — the daemon's heartbeat (table replicator_heartbeat): the
 * daemon says it is alive every few seconds, the pages read whether it
 * is, to tell people when a change will reach OX.
 */
#ifndef OXT_BEAT_H
#define OXT_BEAT_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_db.h"

/* The daemon beats at most this often (seconds) ... */
#define OXT_BEAT_EVERY_S 5
/* ... and counts as running while its last beat is at most this old. A
 * full pass beats between pages, so a long pass stays alive. */
#define OXT_BEAT_ALIVE_S 60

/** The daemon started (process pid on host). */
apr_status_t oxt_beat_start(oxt_db_t *db, long pid, const char *host,
                            oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The daemon is alive. */
apr_status_t oxt_beat_touch(oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The daemon stopped. */
apr_status_t oxt_beat_stop(oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/**
 * *prunning: a daemon beat within OXT_BEAT_ALIVE_S seconds and has not
 * said it stopped. *plast_beat (may be NULL) gets the last beat as stored
 * ("YYYY-MM-DD hh:mm:ss", in p) or NULL when there was none.
 */
apr_status_t oxt_beat_daemon_running(int *prunning, const char **plast_beat,
                                     oxt_db_t *db, oxt_result_t *res,
                                     apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_BEAT_H */
