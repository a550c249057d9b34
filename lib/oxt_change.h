/*
 * oxt_change.h — "Apply Your Changes" of the Resellers, Clients and
 * Domains lists: what the ticks of one POST change, recording it, and
 * what the page then says.
 *
 * A list page shows every row with its Access, Webmail Forever and
 * Webmail Now boxes, and a hidden row=<id> per row. The POST sends the
 * rows and the ticked boxes (<column>=<id>); a disabled box is not sent
 * at all. oxt_change_of compares what was sent for one row with the
 * row's state now (oxt_dir_row_t, read again at POST time) and gives only
 * the changes, leaving alone every box the page could not change:
 *  - Access: only where oxt_grant_possible for the row's level;
 *  - Webmail Forever: the box shows the value in effect (the row's own,
 *    else the one it inherits); a box that differs from it sets the row's
 *    own value on or off explicitly (the guide's "unless specifically
 *    unchecked"); one that agrees changes nothing;
 *  - Webmail Now: only where Forever is not in effect and the object is
 *    not suspended (the box is disabled there: a suspended object's
 *    mailboxes cannot be queued); ticked requests a one-time replication,
 *    unticked withdraws a request not yet applied.
 * oxt_change_record records every change of a POST in one transaction,
 * with who made it (prefs.updated_by, webmail_now_by) and a queue hint per object whose
 * replication it changes, so the replicator starts at once.
 */
#ifndef OXT_CHANGE_H
#define OXT_CHANGE_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_tables.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_dir.h"
#include "oxt_prefs.h"

/** One row's changes: -1 leaves a box alone. */
typedef struct oxt_change_t {
    long long id;
    int access;                /* 1 grant, 0 revoke */
    int forever;               /* OXT_FOREVER_ON / OXT_FOREVER_OFF */
    int now;                   /* 1 request, 0 withdraw */
} oxt_change_t;

/** What a POST sent for one row. */
typedef struct oxt_change_ticks_t {
    int access, forever, now;  /* the box was ticked */
} oxt_change_ticks_t;

/**
 * The changes of one row (see above); access_possible is
 * oxt_grant_possible of the row's level. Returns 1 when there is any.
 */
int oxt_change_of(oxt_change_t *c, const oxt_dir_row_t *row,
                  const oxt_change_ticks_t *ticks, int access_possible);

/** How many boxes changed, by kind. */
typedef struct oxt_change_counts_t {
    long long access_on, access_off;
    long long forever_on, forever_off;
    long long now_on, now_off;
} oxt_change_counts_t;

/** "Webmail Forever for all": Forever on for every object of ids (long
 * long) and one hint: for everything (hint_type OXT_OBJ_ALL) or for the
 * owner whose list it was (a reseller's or a client's). */
typedef struct oxt_change_all_t {
    const apr_array_header_t *ids;
    int hint_type;
    long long hint_id;
} oxt_change_all_t;

/**
 * Records one POST of a list in one transaction: the changes of its rows
 * (oxt_change_t, may be NULL) and "for all" (may be NULL), with by (the
 * person's name) and the queue hints. Either all of it is written or
 * nothing; counts is added to only when it was.
 */
apr_status_t oxt_change_record(oxt_db_t *db, oxt_level_t level,
                               const apr_array_header_t *changes,
                               const oxt_change_all_t *all, const char *by,
                               oxt_change_counts_t *counts,
                               oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

/** The numbers of counts as an array of 6, in p (for a message). */
long long *oxt_change_nums(const oxt_change_counts_t *counts, apr_pool_t *p);

/** And back (n numbers; missing ones 0). */
void oxt_change_counts_of(oxt_change_counts_t *counts, const long long *nums,
                          int n);

/**
 * The Info message after a POST, in p: what changed ("Access granted to
 * 2 clients. Webmail Forever on for 1 client, off for 1.") and, when
 * anything reaches OX, that replication is not instantaneous; "No
 * changes." when nothing did. one / many: the list's noun ("client",
 * "clients").
 */
const char *oxt_change_message(const oxt_change_counts_t *counts,
                               const char *one, const char *many,
                               apr_pool_t *p);

#endif /* OXT_CHANGE_H */
