/*
 * oxt_now.c — see oxt_now.h.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "oxt_now.h"
#include "oxt_queue.h"

/* The mailboxes of each level; one '?' (two for a reseller). */
static const char sql_mail_domain[] =
    "SELECT m.id FROM psa.mail m WHERE m.postbox = 'true' AND m.dom_id = ?";
static const char sql_mail_client[] =
    "SELECT m.id FROM psa.mail m JOIN psa.domains d ON d.id = m.dom_id"
    " WHERE m.postbox = 'true' AND d.cl_id = ?";
static const char sql_mail_reseller[] =
    "SELECT m.id FROM psa.mail m JOIN psa.domains d ON d.id = m.dom_id"
    " JOIN psa.clients c ON c.id = d.cl_id"
    " WHERE m.postbox = 'true' AND (d.cl_id = ? OR c.parent_id = ?)";

static apr_status_t now_one(oxt_db_t *db, const oxt_psa_t *psa,
                            const char *level, long long id, const char *by,
                            oxt_result_t *res, apr_pool_t *p)
{
    oxt_obj_type_t type;
    const char *sub;
    oxt_db_arg_t args[3];
    int nargs = 2;
    apr_status_t rv;

    args[0] = OXT_DB_STR(by);
    args[1] = OXT_DB_INT(id);
    args[2] = OXT_DB_INT(id);
    if (strcmp(level, "domain") == 0) {
        sub = sql_mail_domain;
        type = OXT_OBJ_DOMAIN;
    }
    else if (strcmp(level, "client") == 0) {
        sub = sql_mail_client;
        type = OXT_OBJ_CLIENT;
    }
    else {
        sub = sql_mail_reseller;
        type = OXT_OBJ_RESELLER;
        nargs = 3;
    }
    rv = oxt_db_exec(NULL, db, oxt_psa_sql(psa, apr_pstrcat(p,
             "INSERT INTO prefs (level, plesk_id, webmail_forever,"
             " service_type, updated_at, updated_by)"
             " SELECT 'mailbox', x.id, 'on', 'webmail', NOW(), ? FROM (",
             sub, ") x ON DUPLICATE KEY UPDATE webmail_forever = 'on',"
             " service_type = COALESCE(service_type, 'webmail'),"
             " updated_at = NOW(), updated_by = VALUES(updated_by)", NULL),
             p), args, nargs, res, p);
    if (rv == APR_SUCCESS) {
        rv = oxt_db_exec(NULL, db,
                 "UPDATE prefs SET webmail_now_at = NULL, webmail_now_by = NULL"
                 " WHERE level = ? AND plesk_id = ?",
                 OXT_DB_ARGS(OXT_DB_STR(level), OXT_DB_INT(id)), res, p);
    }
    if (rv == APR_SUCCESS) {
        rv = oxt_queue_push(db, type, id, "webmail_now", NULL, by, res, p);
    }
    return rv;
}

apr_status_t oxt_now_apply(int *papplied, oxt_db_t *db, const oxt_psa_t *psa,
                           oxt_result_t *res, apr_pool_t *p)
{
    apr_array_header_t *rows;
    const oxt_db_row_t *row;
    int i;
    apr_status_t rv;

    *papplied = 0;
    rv = oxt_db_select(&rows, db,
        "SELECT level, plesk_id, COALESCE(webmail_now_by, 'Automatic')"
        " FROM prefs WHERE webmail_now_at IS NOT NULL"
        " AND level IN ('reseller', 'client', 'domain')",
        OXT_DB_NOARGS, res, p);
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        row = APR_ARRAY_IDX(rows, i, const oxt_db_row_t *);
        /* Each request in its own transaction: all of it or none. */
        rv = oxt_db_begin(db, res);
        if (rv == APR_SUCCESS) {
            rv = now_one(db, psa, row->vals[0],
                         oxt_db_row_int(row, 1, 0), row->vals[2], res,
                         p);
        }
        if (rv == APR_SUCCESS) {
            rv = oxt_db_commit(db, res);
        }
        else {
            oxt_db_rollback(db);
        }
        *papplied += rv == APR_SUCCESS;
    }
    return rv;
}
