/*
 * oxt_beat.c — see oxt_beat.h.
 */
#include <apr_strings.h>

#include "oxt_beat.h"

apr_status_t oxt_beat_start(oxt_db_t *db, long pid, const char *host,
                            oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
        "INSERT INTO replicator_heartbeat (id, pid, host, started_at,"
        " beat_at, stopped_at) VALUES (1, ?, ?, NOW(), NOW(), NULL)"
        " ON DUPLICATE KEY UPDATE pid = VALUES(pid), host = VALUES(host),"
        " started_at = NOW(), beat_at = NOW(), stopped_at = NULL",
        OXT_DB_ARGS(OXT_DB_INT(pid), OXT_DB_STR(host)), res, p);
}

apr_status_t oxt_beat_touch(oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
                       "UPDATE replicator_heartbeat SET beat_at = NOW(),"
                       " stopped_at = NULL WHERE id = 1", OXT_DB_NOARGS,
                       res, p);
}

apr_status_t oxt_beat_stop(oxt_db_t *db, oxt_result_t *res, apr_pool_t *p)
{
    return oxt_db_exec(NULL, db,
                       "UPDATE replicator_heartbeat SET stopped_at = NOW()"
                       " WHERE id = 1", OXT_DB_NOARGS, res, p);
}

apr_status_t oxt_beat_daemon_running(int *prunning, const char **plast_beat,
                                     oxt_db_t *db, oxt_result_t *res,
                                     apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    apr_status_t rv;

    *prunning = 0;
    if (plast_beat != NULL) {
        *plast_beat = NULL;
    }
    rv = oxt_db_select(&rows, db,
        "SELECT stopped_at IS NULL AND beat_at >= NOW() - INTERVAL ? SECOND,"
        " beat_at FROM replicator_heartbeat WHERE id = 1",
        OXT_DB_ARGS(OXT_DB_INT(OXT_BEAT_ALIVE_S)), res, p);
    if (rv != APR_SUCCESS || rows->nelts == 0) {
        return rv;
    }
    row = APR_ARRAY_IDX(rows, 0, const oxt_db_row_t *);
    *prunning = oxt_db_row_bool(row, 0);
    if (plast_beat != NULL) {
        *plast_beat = row->vals[1];
    }
    return APR_SUCCESS;
}
