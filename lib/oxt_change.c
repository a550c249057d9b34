/*
 * oxt_change.c — see oxt_change.h.
 */
#include <string.h>
#include <apr_strings.h>

#include "oxt_change.h"
#include "oxt_queue.h"
#include "oxt_util.h"

int oxt_change_of(oxt_change_t *c, const oxt_dir_row_t *row,
                  const oxt_change_ticks_t *ticks, int access_possible)
{
    c->id = row->id;
    c->access = -1;
    c->forever = -1;
    c->now = -1;
    if (access_possible && (ticks->access != 0) != (row->access != 0)) {
        c->access = ticks->access != 0;
    }
    if ((ticks->forever != 0) != (row->forever != 0)) {
        c->forever = ticks->forever ? OXT_FOREVER_ON : OXT_FOREVER_OFF;
    }
    /* Now is disabled on the page where Forever is in effect, and where
     * the object is suspended (itself or an owner above): the mailboxes
     * of a disabled domain cannot be queued for replication. */
    if (!row->forever && !row->suspended
        && (ticks->now != 0) != (row->now != 0)) {
        c->now = ticks->now != 0;
    }
    return c->access >= 0 || c->forever >= 0 || c->now >= 0;
}

/* ---- recording ------------------------------------------------------------- */

static const char sql_access[] =
    "INSERT INTO prefs (level, plesk_id, access, updated_at, updated_by)"
    " VALUES (?, ?, ?, NOW(), ?) ON DUPLICATE KEY UPDATE"
    " access = VALUES(access), updated_at = NOW(),"
    " updated_by = VALUES(updated_by)";
static const char sql_forever[] =
    "INSERT INTO prefs (level, plesk_id, webmail_forever, updated_at,"
    " updated_by) VALUES (?, ?, ?, NOW(), ?) ON DUPLICATE KEY UPDATE"
    " webmail_forever = VALUES(webmail_forever), updated_at = NOW(),"
    " updated_by = VALUES(updated_by)";
static const char sql_now_on[] =
    "INSERT INTO prefs (level, plesk_id, webmail_now_at, webmail_now_by,"
    " updated_at, updated_by) VALUES (?, ?, NOW(), ?, NOW(), ?)"
    " ON DUPLICATE KEY UPDATE webmail_now_at = NOW(),"
    " webmail_now_by = VALUES(webmail_now_by), updated_at = NOW(),"
    " updated_by = VALUES(updated_by)";
static const char sql_now_off[] =
    "UPDATE prefs SET webmail_now_at = NULL, webmail_now_by = NULL,"
    " updated_at = NOW(), updated_by = ? WHERE level = ? AND plesk_id = ?";

static int level_obj(oxt_level_t level)
{
    return level == OXT_LEVEL_RESELLER ? OXT_OBJ_RESELLER
         : level == OXT_LEVEL_CLIENT ? OXT_OBJ_CLIENT : OXT_OBJ_DOMAIN;
}

static apr_status_t change_one(oxt_db_t *db, oxt_level_t level,
                               const oxt_change_t *c, const char *by,
                               oxt_change_counts_t *n, oxt_result_t *res,
                               apr_pool_t *p)
{
    oxt_db_arg_t lv = OXT_DB_STR(oxt_level_name(level));
    apr_status_t rv = APR_SUCCESS;

    if (c->access >= 0) {
        rv = oxt_db_exec(NULL, db, sql_access, OXT_DB_ARGS(lv,
                         OXT_DB_INT(c->id), OXT_DB_INT(c->access),
                         OXT_DB_STR(by)), res, p);
        *(c->access ? &n->access_on : &n->access_off) += 1;
    }
    if (rv == APR_SUCCESS && c->forever >= 0) {
        rv = oxt_db_exec(NULL, db, sql_forever, OXT_DB_ARGS(lv,
                         OXT_DB_INT(c->id), OXT_DB_STR(
                         c->forever == OXT_FOREVER_ON ? "on" : "off"),
                         OXT_DB_STR(by)), res, p);
        *(c->forever == OXT_FOREVER_ON ? &n->forever_on
                                       : &n->forever_off) += 1;
    }
    if (rv == APR_SUCCESS && c->now >= 0) {
        rv = c->now
            ? oxt_db_exec(NULL, db, sql_now_on, OXT_DB_ARGS(lv,
                          OXT_DB_INT(c->id), OXT_DB_STR(by), OXT_DB_STR(by)),
                          res, p)
            : oxt_db_exec(NULL, db, sql_now_off, OXT_DB_ARGS(OXT_DB_STR(by),
                          lv, OXT_DB_INT(c->id)), res, p);
        *(c->now ? &n->now_on : &n->now_off) += 1;
    }
    /* What OX should hold changed: the replicator looks at once. */
    if (rv == APR_SUCCESS && (c->forever >= 0 || c->now >= 0)) {
        rv = oxt_queue_push(db, (oxt_obj_type_t)level_obj(level), c->id,
                            "page", c->forever >= 0 ? "webmail forever"
                            : "webmail now", by, res, p);
    }
    return rv;
}

/* "For all": Forever on for every id, and one hint for the owner. */
static apr_status_t all_write(oxt_db_t *db, oxt_level_t level,
                              const oxt_change_all_t *all, const char *by,
                              oxt_change_counts_t *counts, oxt_result_t *res,
                              apr_pool_t *p)
{
    oxt_db_arg_t lv = OXT_DB_STR(oxt_level_name(level));
    int i;
    apr_status_t rv = APR_SUCCESS;

    for (i = 0; rv == APR_SUCCESS && i < all->ids->nelts; i++) {
        rv = oxt_db_exec(NULL, db, sql_forever, OXT_DB_ARGS(lv,
                         OXT_DB_INT(APR_ARRAY_IDX(all->ids, i, long long)),
                         OXT_DB_STR("on"), OXT_DB_STR(by)), res, p);
    }
    if (rv == APR_SUCCESS && all->ids->nelts > 0) {
        rv = oxt_queue_push(db, (oxt_obj_type_t)all->hint_type,
                            all->hint_id, "page", "webmail forever for all",
                            by, res, p);
    }
    if (rv == APR_SUCCESS) {
        counts->forever_on += all->ids->nelts;
    }
    return rv;
}

apr_status_t oxt_change_record(oxt_db_t *db, oxt_level_t level,
                               const apr_array_header_t *changes,
                               const oxt_change_all_t *all, const char *by,
                               oxt_change_counts_t *counts,
                               oxt_result_t *res, apr_pool_t *p)
{
    oxt_change_counts_t n;
    int i;
    apr_status_t rv;

    if ((changes == NULL || changes->nelts == 0)
        && (all == NULL || all->ids->nelts == 0)) {
        return APR_SUCCESS;
    }
    /* Counted apart and added on commit: a rolled-back POST says nothing
     * changed. */
    memset(&n, 0, sizeof(n));
    rv = oxt_db_begin(db, res);
    for (i = 0; rv == APR_SUCCESS && changes != NULL && i < changes->nelts;
         i++) {
        rv = change_one(db, level, &APR_ARRAY_IDX(changes, i, oxt_change_t),
                        by, &n, res, p);
    }
    if (rv == APR_SUCCESS && all != NULL) {
        rv = all_write(db, level, all, by, &n, res, p);
    }
    rv = rv == APR_SUCCESS ? oxt_db_commit(db, res) : rv;
    if (rv != APR_SUCCESS) {
        oxt_db_rollback(db);
        return rv;
    }
    counts->access_on += n.access_on;
    counts->access_off += n.access_off;
    counts->forever_on += n.forever_on;
    counts->forever_off += n.forever_off;
    counts->now_on += n.now_on;
    counts->now_off += n.now_off;
    return APR_SUCCESS;
}

/* ---- the message ---------------------------------------------------------------- */

long long *oxt_change_nums(const oxt_change_counts_t *c, apr_pool_t *p)
{
    long long *n = apr_palloc(p, 6 * sizeof(*n));

    n[0] = c->access_on;
    n[1] = c->access_off;
    n[2] = c->forever_on;
    n[3] = c->forever_off;
    n[4] = c->now_on;
    n[5] = c->now_off;
    return n;
}

void oxt_change_counts_of(oxt_change_counts_t *c, const long long *nums,
                          int n)
{
    long long v[6] = { 0, 0, 0, 0, 0, 0 };
    int i;

    for (i = 0; i < n && i < 6; i++) {
        v[i] = nums[i];
    }
    c->access_on = v[0];
    c->access_off = v[1];
    c->forever_on = v[2];
    c->forever_off = v[3];
    c->now_on = v[4];
    c->now_off = v[5];
}

/* "2 clients" / "1 client". */
static const char *count_of(long long n, const char *one, const char *many,
                            apr_pool_t *p)
{
    return apr_pstrcat(p, oxt_util_lld(n, p), " ", n == 1 ? one : many,
                       NULL);
}

/* "<what> <a> for X, <b> for Y." for the non-zero halves of a pair. */
static const char *pair_text(const char *what, const char *a, long long na,
                             const char *b, long long nb, const char *one,
                             const char *many, apr_pool_t *p)
{
    if (na == 0 && nb == 0) {
        return "";
    }
    return apr_pstrcat(p, what, na ? " " : "", na ? a : "",
                       na ? count_of(na, one, many, p) : "",
                       na && nb ? ", " : nb ? " " : "", nb ? b : "",
                       nb ? count_of(nb, one, many, p) : "", ". ", NULL);
}

const char *oxt_change_message(const oxt_change_counts_t *c, const char *one,
                               const char *many, apr_pool_t *p)
{
    const char *text = apr_pstrcat(p,
        pair_text("Access", "granted to ", c->access_on, "taken from ",
                  c->access_off, one, many, p),
        pair_text("Webmail Forever", "turned on for ", c->forever_on,
                  "turned off for ", c->forever_off, one, many, p),
        pair_text("Webmail Now", "requested for ", c->now_on,
                  "withdrawn for ", c->now_off, one, many, p), NULL);

    if (*text == '\0') {
        return "No changes: every box was as it is.";
    }
    if (c->forever_on || c->forever_off || c->now_on || c->now_off) {
        text = apr_pstrcat(p, text, "Replication is not instantaneous: the"
                           " changes reach Open-Xchange within seconds"
                           " with the replicator's daemon, otherwise at its"
                           " next run.", NULL);
    }
    return text;
}
