/*
 * oxt_now.h — Webmail Now: "replicate these mailboxes once, now".
 *
 * A request is a webmail_now_at mark on a reseller, client or domain
 * preference. Applying it gives every mailbox of that part of the server
 * its own OX Service tick (and the Webmail service type unless it has
 * another of its own), clears the mark, and queues the object, so the
 * replicator creates the users. Unlike Webmail Forever, mailboxes added
 * later are not covered: that is what "once" means.
 */
#ifndef OXT_NOW_H
#define OXT_NOW_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "oxt_result.h"
#include "oxt_db.h"
#include "oxt_psa.h"

/** Applies every pending request; *papplied gets how many there were. */
apr_status_t oxt_now_apply(int *papplied, oxt_db_t *db, const oxt_psa_t *psa,
                           oxt_result_t *res, apr_pool_t *p)
    __attribute__((warn_unused_result));

#endif /* OXT_NOW_H */
